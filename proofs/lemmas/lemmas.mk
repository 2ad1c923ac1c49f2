# proofs/lemmas/lemmas.mk: WP proof unit for the ACSL side of the paper's
# lemmas (issue 15).  Included by proofs/coq/coq.mk; `make proofs` depends on
# proofs-lemmas.  One variable block, one call of the generic recipe of
# proofs/wp.mk.
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

include proofs/wp.mk

# ---- unit: lemmas ----
LEM_DIR         := proofs/lemmas
LEM_SOURCES     := $(LEM_DIR)/hellinger2_le_tv.c
# The lemma functions see the definitions only, never the statements of
# spec/paper_lemmas.h (that would assume what they prove).
LEM_SPECS       := spec/formulas.h
# Every function of LEM_SOURCES; no -wp-split, no Gappa.
LEM_FUNCTIONS   :=
LEM_WP_EXTRA    :=
LEM_PROVERS     := cvc5,z3
# ---- end of unit lemmas ----

$(eval $(call wp_unit,LEM,proofs-lemmas,$(LEM_DIR)))

.PHONY: proofs-lemmas-parse
proofs-lemmas-run: proofs-lemmas-parse

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

