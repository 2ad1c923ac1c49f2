# proofs/regression.mk: WP proofs of the softmax-regression double kernel's
# checks and output stages (src/regression/regression.c, contract in
# spec/regression.h).  Included by the top Makefile after proofs/proofs.mk
# (reuses WHY3_CONF, the project-local Why3 configuration it generates, and
# proofs/check_report.py); `make proofs` runs it.
#
#   make proofs-regression            prove, write proofs/regression/report.{json,txt},
#                                     fail on any goal not Valid, a failed smoke test
#                                     or a difference from proofs/regression/baseline.txt
#   make proofs-regression-baseline   same, then rewrite the baseline
#
# See proofs/regression/README.md (coverage) and TRUSTED_BASE.md.

PROOF_DIR        ?= proofs
WHY3_CONF        ?= $(PROOF_DIR)/why3.conf
WP_CHECK         ?= python3 $(PROOF_DIR)/check_report.py

RWP_DIR          := $(PROOF_DIR)/regression
RWP_SOURCES      := src/regression/regression.c
RWP_SPECS        := spec/bht_spec.h spec/regression.h
RWP_REPORT_JSON  := $(RWP_DIR)/report.json
RWP_REPORT_TXT   := $(RWP_DIR)/report.txt
RWP_LOG          := $(RWP_DIR)/wp.log
RWP_BASELINE     := $(RWP_DIR)/baseline.txt
RWP_SESSION      := $(RWP_DIR)/wp-session

# Functions whose obligations are generated (all must be Valid).  The dd
# evaluation (regression_run and below) is not listed: its contract in
# src/regression/regression_internal.h is assumed; regression_scale_exact is
# the admitted leaf R1 (proofs/TRUSTED_BASE.md).
RWP_FUNCTIONS    := classify,scan,bht__regression_accept,bht__regression_store_loss, \
                    bht__regression_store_values,domain_refusal,check_inputs,bht_regression

RWP_TIMEOUT      ?= 10
RWP_PAR          ?= 2
RWP_CACHE        ?= update

rwp_space := $(subst ,, )

RWP_FLAGS = -cpp-extra-args="$(CPPFLAGS) $(RWP_SPECS:%=-include %)" \
            -c11 -kernel-warn-key annot-error=abort \
            -kernel-warn-key typing:implicit-function-declaration=abort \
            -wp -wp-rte -wp-smoke-tests -wp-split \
            -wp-prover cvc5,z3,gappa -wp-fct $(subst $(rwp_space),,$(RWP_FUNCTIONS)) \
            -wp-timeout $(RWP_TIMEOUT) -wp-par $(RWP_PAR) \
            -wp-session $(RWP_SESSION) -wp-cache $(RWP_CACHE) \
            -wp-report-json $(RWP_REPORT_JSON)

.PHONY: proofs-regression proofs-regression-baseline proofs-regression-run

proofs-regression-run: $(WHY3_CONF)
	@command -v frama-c >/dev/null || { echo "frama-c not found: run 'make deps'"; exit 1; }
	@rm -f $(RWP_REPORT_JSON)
	@mkdir -p $(RWP_SESSION)
	@echo "frama-c -wp on $(RWP_SOURCES) (log: $(RWP_LOG))"
	@start=$$(date +%s); \
	WHY3CONFIG=$(abspath $(WHY3_CONF)) frama-c $(RWP_FLAGS) $(RWP_SOURCES) > $(RWP_LOG) 2>&1; \
	rc=$$?; echo "frama-c exit $$rc after $$(( $$(date +%s) - start )) s"; \
	if [ $$rc -ne 0 ]; then tail -40 $(RWP_LOG); exit $$rc; fi

proofs-regression: proofs-regression-run
	$(WP_CHECK) --report $(RWP_REPORT_JSON) --log $(RWP_LOG) \
	  --baseline $(RWP_BASELINE) --summary $(RWP_REPORT_TXT)

proofs-regression-baseline: proofs-regression-run
	$(WP_CHECK) --report $(RWP_REPORT_JSON) --log $(RWP_LOG) \
	  --baseline $(RWP_BASELINE) --summary $(RWP_REPORT_TXT) --write-baseline

# `make proofs` runs this unit too.
proofs: proofs-regression
