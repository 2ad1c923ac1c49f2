# proofs/distance.mk: WP proofs of src/distance/distance.c and the standalone Gappa
# proofs of proofs/gappa/*.gappa.  Included from proofs/proofs.mk (which
# defines WHY3_CONF, WP_SPEC, WP_CHECK and the generated Why3 configuration).
#
#   make proofs-distance            prove, write proofs/distance/report.{json,txt},
#                                   fail on any goal not Valid, a failed smoke
#                                   test, a baseline difference, or a failed
#                                   Gappa script
#   make proofs-distance-baseline   same, then rewrite proofs/distance/baseline.txt
#
# See proofs/distance/README.md and proofs/TRUSTED_BASE.md.

PROOF_DIR        ?= proofs
WHY3_CONF        ?= $(PROOF_DIR)/why3.conf
WP_SPEC          ?= spec/bht_spec.h
WP_CHECK         ?= python3 $(PROOF_DIR)/check_report.py

DIST_DIR         := $(PROOF_DIR)/distance
DIST_SOURCES     := src/distance/distance.c
DIST_REPORT_JSON := $(DIST_DIR)/report.json
DIST_REPORT_TXT  := $(DIST_DIR)/report.txt
DIST_LOG         := $(DIST_DIR)/wp.log
DIST_BASELINE    := $(DIST_DIR)/baseline.txt
DIST_SESSION     := $(DIST_DIR)/wp-session
GAPPA_SCRIPTS    := $(sort $(wildcard $(PROOF_DIR)/gappa/*.gappa))

# Functions whose obligations are generated (all must be Valid).  dd_add,
# dd_mul, dd_div, dd_expm1 and dd_round_scaled are not listed: their
# contracts in src/distance/distance.c are assumed (proofs/TRUSTED_BASE.md).
DIST_FUNCTIONS   := fast_two_sum,two_prod,dd_fma, \
                    finite_double,frexp_tiny,min_one,leading_term_rounded,bht_lemma_a1, \
                    store_h2_tv,sqrt_sum,h2max_closed,tvmax_closed

DIST_TIMEOUT     ?= 10
DIST_PAR         ?= 2
DIST_CACHE       ?= update

dist_space := $(subst ,, )

DIST_WP_FLAGS = -cpp-extra-args="$(CPPFLAGS) -include $(WP_SPEC) -include spec/distance.h" \
           -c11 -kernel-warn-key annot-error=abort \
           -kernel-warn-key typing:implicit-function-declaration=abort \
           -wp -wp-rte -wp-smoke-tests -wp-split \
           -wp-prover cvc5,z3,gappa -wp-fct $(subst $(dist_space),,$(DIST_FUNCTIONS)) \
           -wp-timeout $(DIST_TIMEOUT) -wp-par $(DIST_PAR) \
           -wp-session $(DIST_SESSION) -wp-cache $(DIST_CACHE) \
           -wp-report-json $(DIST_REPORT_JSON)

.PHONY: proofs-distance proofs-distance-baseline proofs-distance-run proofs-gappa

proofs-distance-run: $(WHY3_CONF)
	@command -v frama-c >/dev/null || { echo "frama-c not found: run 'make deps'"; exit 1; }
	@rm -f $(DIST_REPORT_JSON)
	@mkdir -p $(DIST_SESSION)
	@echo "frama-c -wp on $(DIST_SOURCES) (log: $(DIST_LOG))"
	@start=$$(date +%s); \
	WHY3CONFIG=$(abspath $(WHY3_CONF)) frama-c $(DIST_WP_FLAGS) $(DIST_SOURCES) > $(DIST_LOG) 2>&1; \
	rc=$$?; echo "frama-c exit $$rc after $$(( $$(date +%s) - start )) s"; \
	if [ $$rc -ne 0 ]; then tail -40 $(DIST_LOG); exit $$rc; fi

# Every Gappa script must prove its statement (gappa exits non-zero and
# prints the failing property otherwise).
proofs-gappa:
	@command -v gappa >/dev/null || { echo "gappa not found: run 'make deps'"; exit 1; }
	@test -n "$(GAPPA_SCRIPTS)" || { echo "no proofs/gappa/*.gappa"; exit 1; }
	@for f in $(GAPPA_SCRIPTS); do \
	  if out=$$(gappa $$f 2>&1); then echo "gappa $$f: proved"; \
	  else echo "gappa $$f: FAILED"; echo "$$out"; exit 1; fi; \
	done

proofs-distance: proofs-distance-run proofs-gappa
	$(WP_CHECK) --report $(DIST_REPORT_JSON) --log $(DIST_LOG) \
	  --baseline $(DIST_BASELINE) --summary $(DIST_REPORT_TXT)

proofs-distance-baseline: proofs-distance-run proofs-gappa
	$(WP_CHECK) --report $(DIST_REPORT_JSON) --log $(DIST_LOG) \
	  --baseline $(DIST_BASELINE) --summary $(DIST_REPORT_TXT) --write-baseline
