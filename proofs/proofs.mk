# proofs/proofs.mk: Frama-C WP proof pipeline, included by the top Makefile.
#
#   make proofs            prove every annotated source, write proofs/report.json
#                          and proofs/report.txt, fail on any goal that is not
#                          Valid, on a failed smoke test, or on any difference
#                          from proofs/baseline.txt
#   make proofs-baseline   same run, then rewrite proofs/baseline.txt (commit it)
#   make proofs-clean      remove generated files (keeps the committed cache)
#
# See proofs/README.md (reading the report) and proofs/TRUSTED_BASE.md.

PROOF_DIR       := proofs
WHY3_CONF       := $(PROOF_DIR)/why3.conf
WP_DRIVER       := $(PROOF_DIR)/cvc5.drv
WP_REPORT_JSON  := $(PROOF_DIR)/report.json
WP_REPORT_TXT   := $(PROOF_DIR)/report.txt
WP_LOG          := $(PROOF_DIR)/wp.log
WP_BASELINE     := $(PROOF_DIR)/baseline.txt
WP_SESSION      := $(PROOF_DIR)/wp-session
WP_CHECK        := python3 $(PROOF_DIR)/check_report.py

# Every annotated translation unit (dd.h is included by the first two).  They are
# analysed together, so calls across files use the callee's proved contract.
WP_SOURCES      := src/softmax/softmax.c src/core/dd_exp.c src/core/long_acc.c
# Shared ACSL logic, force-included before each source (ACSL only, no C).
WP_SPEC         := spec/bht_spec.h

# Functions whose proof obligations are generated and must all be Valid.
# Static functions of dd.h exist once per translation unit (Frama-C renames
# the second copy, e.g. two_sum_0); -wp-fct selects both.  Functions NOT yet
# in this list (their contracts, where present, are assumed by callers and
# not proved) are listed in proofs/README.md, "Coverage".
WP_FUNCTIONS    := two_sum,fast_two_sum,dd_fma,two_prod, \
                   finite_double,bht_softmax_logits,bht_softmax,row_difference, \
                   frexp_abs,split_double,mul_53x53,add_with_carry,sub_with_borrow, \
                   add_words,add_bits,normalize,bits_at,any_bits_below,leading_bit, \
                   bht_long_acc_init,bht_long_acc_reset,bht_long_acc_add, \
                   bht_long_acc_add_product,bht_long_acc_sign,bht_long_acc_round

WP_TIMEOUT      ?= 10
WP_PAR          ?= 2
# 'update' reuses proofs/wp-session/cache for goals proved before (goals are
# keyed by their full text, so any change to code or contract re-runs the
# provers); 'none' proves everything from scratch, 'replay' never writes.
WP_CACHE        ?= update

WP_FLAGS = -cpp-extra-args="$(CPPFLAGS) -include $(WP_SPEC)" \
           -c11 -kernel-warn-key annot-error=abort \
           -kernel-warn-key typing:implicit-function-declaration=abort \
           -wp -wp-rte -wp-smoke-tests \
           -wp-prover cvc5,z3,gappa -wp-fct $(subst $(space),,$(WP_FUNCTIONS)) \
           -wp-timeout $(WP_TIMEOUT) -wp-par $(WP_PAR) \
           -wp-session $(WP_SESSION) -wp-cache $(WP_CACHE) \
           -wp-report-json $(WP_REPORT_JSON)

space := $(subst ,, )

.PHONY: proofs proofs-baseline proofs-clean proofs-run

# Project-local Why3 configuration (generated; see toolchain notes): detect
# the installed provers, raise the memory limit (z3 runs out of memory at the
# default 1000 MB), and declare cvc5 1.0.3, which Why3 1.5.1 does not know.
$(WHY3_CONF): $(PROOF_DIR)/proofs.mk $(WP_DRIVER)
	@rm -f $@.tmp
	why3 -C $@.tmp config detect >/dev/null
	sed -i 's/^memlimit = .*/memlimit = 4000/' $@.tmp
	printf '%s\n' '' '[prover]' \
	  'command = "cvc5 --stats --tlimit-per=%t000 --lang=smt2 %f"' \
	  'driver = "$(abspath $(WP_DRIVER))"' \
	  'editor = ""' 'in_place = false' 'interactive = false' \
	  'name = "CVC5"' 'shortcut = "cvc5"' 'version = "1.0.3"' >> $@.tmp
	mv $@.tmp $@

proofs-run: $(WHY3_CONF)
	@command -v frama-c >/dev/null || { echo "frama-c not found: run 'make deps'"; exit 1; }
	@rm -f $(WP_REPORT_JSON)
	@mkdir -p $(WP_SESSION)
	@echo "frama-c -wp on $(WP_SOURCES) (log: $(WP_LOG))"
	@start=$$(date +%s); \
	WHY3CONFIG=$(abspath $(WHY3_CONF)) frama-c $(WP_FLAGS) $(WP_SOURCES) > $(WP_LOG) 2>&1; \
	rc=$$?; echo "frama-c exit $$rc after $$(( $$(date +%s) - start )) s"; \
	if [ $$rc -ne 0 ]; then tail -40 $(WP_LOG); exit $$rc; fi

# Further proof units (their own reports and baselines), run by `make proofs`.
PROOF_UNITS := proofs-kernels proofs-distance
include proofs/kernels.mk proofs/distance.mk proofs/mutants/mutants.mk

proofs: proofs-run $(PROOF_UNITS)
	$(WP_CHECK) --report $(WP_REPORT_JSON) --log $(WP_LOG) \
	  --baseline $(WP_BASELINE) --summary $(WP_REPORT_TXT)

proofs-baseline: proofs-run
	$(WP_CHECK) --report $(WP_REPORT_JSON) --log $(WP_LOG) \
	  --baseline $(WP_BASELINE) --summary $(WP_REPORT_TXT) --write-baseline

proofs-clean:
	rm -f $(WHY3_CONF) $(WHY3_CONF).tmp $(WP_REPORT_JSON) $(WP_LOG)
