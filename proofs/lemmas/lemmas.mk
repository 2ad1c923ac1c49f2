# proofs/lemmas/lemmas.mk: WP proof unit for the ACSL side of the paper's
# lemmas (issue 15).  Included by proofs/coq/coq.mk; `make proofs` depends on
# proofs-lemmas.  Reuses the Why3 configuration of proofs/proofs.mk.
#
#   make proofs-lemmas            (1) type-check spec/formulas.h and
#                                 spec/paper_lemmas.h together with
#                                 spec/bht_spec.h; (2) prove with WP the lemma
#                                 functions of proofs/lemmas/*.c from the
#                                 definitions of spec/formulas.h alone; fail on
#                                 any goal not Valid, a failed smoke test or a
#                                 difference from proofs/lemmas/baseline.txt
#   make proofs-lemmas-baseline   same, then rewrite the baseline
#
# See proofs/coq/README.md.

LEM_DIR         := proofs/lemmas
LEM_SOURCES     := $(LEM_DIR)/hellinger2_le_tv.c
LEM_REPORT_JSON := $(LEM_DIR)/report.json
LEM_REPORT_TXT  := $(LEM_DIR)/report.txt
LEM_LOG         := $(LEM_DIR)/wp.log
LEM_BASELINE    := $(LEM_DIR)/baseline.txt
LEM_SESSION     := $(LEM_DIR)/wp-session
LEM_WHY3_CONF   := $(if $(WHY3_CONF),$(WHY3_CONF),proofs/why3.conf)
LEM_CHECK       := python3 proofs/check_report.py
LEM_TIMEOUT     ?= 10
LEM_PAR         ?= 2
LEM_CACHE       ?= update

# The lemma functions see the definitions only, never the statements of
# spec/paper_lemmas.h (that would assume what they prove).
LEM_WP_FLAGS = -cpp-extra-args="$(CPPFLAGS) -include spec/formulas.h" \
               -c11 -kernel-warn-key annot-error=abort \
               -kernel-warn-key typing:implicit-function-declaration=abort \
               -wp -wp-rte -wp-smoke-tests -wp-prover cvc5,z3 \
               -wp-timeout $(LEM_TIMEOUT) -wp-par $(LEM_PAR) \
               -wp-session $(LEM_SESSION) -wp-cache $(LEM_CACHE) \
               -wp-report-json $(LEM_REPORT_JSON)

.PHONY: proofs-lemmas proofs-lemmas-baseline proofs-lemmas-run proofs-lemmas-parse

# The statements used by the kernels' contracts must parse and type-check
# with the project's other ACSL logic (no WP run: they are axioms here, proved
# in proofs/coq).
proofs-lemmas-parse:
	@command -v frama-c >/dev/null || { echo "frama-c not found: run 'make deps'"; exit 1; }
	@printf '%s\n' '#include "bht_spec.h"' '#include "formulas.h"' '#include "paper_lemmas.h"' \
	  > $(LEM_DIR)/spec_parse.tmp.c
	@frama-c -cpp-extra-args="-Ispec" -c11 -kernel-warn-key annot-error=abort \
	  $(LEM_DIR)/spec_parse.tmp.c > $(LEM_DIR)/spec_parse.log 2>&1 \
	  || { cat $(LEM_DIR)/spec_parse.log; rm -f $(LEM_DIR)/spec_parse.tmp.c; exit 1; }
	@rm -f $(LEM_DIR)/spec_parse.tmp.c $(LEM_DIR)/spec_parse.log
	@echo "spec/formulas.h and spec/paper_lemmas.h type-check"

proofs-lemmas-run: $(LEM_WHY3_CONF) proofs-lemmas-parse
	@rm -f $(LEM_REPORT_JSON)
	@mkdir -p $(LEM_SESSION)
	@echo "frama-c -wp on $(LEM_SOURCES) (log: $(LEM_LOG))"
	@start=$$(date +%s); \
	WHY3CONFIG=$(abspath $(LEM_WHY3_CONF)) frama-c $(LEM_WP_FLAGS) $(LEM_SOURCES) > $(LEM_LOG) 2>&1; \
	rc=$$?; echo "frama-c exit $$rc after $$(( $$(date +%s) - start )) s"; \
	if [ $$rc -ne 0 ]; then tail -40 $(LEM_LOG); exit $$rc; fi

proofs-lemmas: proofs-lemmas-run
	$(LEM_CHECK) --report $(LEM_REPORT_JSON) --log $(LEM_LOG) \
	  --baseline $(LEM_BASELINE) --summary $(LEM_REPORT_TXT)

proofs-lemmas-baseline: proofs-lemmas-run
	$(LEM_CHECK) --report $(LEM_REPORT_JSON) --log $(LEM_LOG) \
	  --baseline $(LEM_BASELINE) --summary $(LEM_REPORT_TXT) --write-baseline
