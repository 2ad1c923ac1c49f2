# proofs/lemmas/lemmas.mk: WP proof unit for the ACSL side of the paper's
# lemmas (issue 15).  Included by proofs/coq/coq.mk; `make proofs` depends on
# proofs-lemmas.  One variable block, one call of the generic recipe of
# proofs/wp.mk.
#
#   make proofs-lemmas            (1) type-check spec/formulas.h,
#                                 spec/paper_lemmas.h and part 1 (the
#                                 formulas) of spec/nu.h, leverage.h,
#                                 model_distance.h together with
#                                 spec/bht_spec.h; (2) prove with WP the lemmas
#                                 and lemma functions of proofs/lemmas/*.c
#                                 from the definitions of spec/formulas.h
#                                 and of those headers alone; fail on
#                                 any goal not Valid, a failed smoke test or a
#                                 difference from proofs/lemmas/baseline.txt
#   make proofs-lemmas-baseline   same, then rewrite the baseline
#
# See proofs/coq/README.md.

include proofs/wp.mk

# ---- unit: lemmas ----
LEM_DIR         := proofs/lemmas
LEM_SOURCES     := $(LEM_DIR)/hellinger2_le_tv.c $(LEM_DIR)/model_formulas.c
# The lemma functions see the definitions only, never the statements of
# spec/paper_lemmas.h (that would assume what they prove).
# With BHT_SPEC_FORMULAS, spec/nu.h and spec/model_distance.h included after
# spec/softmax.h bring their part 1 (and spec/leverage.h's): the formulas
# over the reals, with softmax(A x) of spec/softmax.h, for model_formulas.c.
LEM_SPECS       := spec/formulas.h spec/bht_spec.h spec/softmax.h spec/nu.h \
                   spec/model_distance.h
LEM_CPPFLAGS    := -DBHT_SPEC_FORMULAS
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
	  '#include "softmax.h"' '#include "nu.h"' '#include "model_distance.h"' \
	  > $(LEM_DIR)/spec_parse.tmp.c
	@frama-c -cpp-extra-args="-Ispec -Isrc -DBHT_SPEC_FORMULAS" -c11 -kernel-warn-key annot-error=abort \
	  $(LEM_DIR)/spec_parse.tmp.c > $(LEM_DIR)/spec_parse.log 2>&1 \
	  || { cat $(LEM_DIR)/spec_parse.log; rm -f $(LEM_DIR)/spec_parse.tmp.c; exit 1; }
	@rm -f $(LEM_DIR)/spec_parse.tmp.c $(LEM_DIR)/spec_parse.log
	@echo "spec/formulas.h, spec/paper_lemmas.h and part 1 of spec/nu.h, leverage.h, model_distance.h type-check"

