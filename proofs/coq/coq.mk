# proofs/coq/coq.mk: the paper's inequalities proved in Coq (issue 15),
# included by the top Makefile; `make proofs` depends on coq-proofs.
#
#   make coq-proofs   refuse any escape hatch in proofs/coq/*.v, compile them
#                     with coqc, and check with Print Assumptions that every
#                     lemma depends only on the axioms of Coq's real numbers
#                     (record: proofs/coq/assumptions.txt), and that
#                     proofs/coq/Acsl.v still quotes every declaration of
#                     spec/formulas.h and spec/paper_lemmas.h
#   make coq-clean    remove the compiled files
#
# The ACSL side (spec/formulas.h, spec/paper_lemmas.h) is checked by the WP
# unit proofs/lemmas/lemmas.mk, included at the end of this file.
#
# See proofs/coq/README.md.  Only Coq's standard library is used (package
# `coq`), except Binary64.v, which uses Flocq (package libcoq-flocq, installed
# by `make deps` with Coquelicot and Interval) for binary64 rounding facts.

COQ_DIR         := proofs/coq
COQC            ?= coqc
COQ_FLAGS       := -q -Q $(COQ_DIR) Bht
# In dependency order.
COQ_MODULES     := Sums Distances ExpBounds Hyperbolic Softmax Lemma33 LemmaA1 \
                   Corollary34 Acsl Binary64 Frame
COQ_VO          := $(COQ_MODULES:%=$(COQ_DIR)/%.vo)
COQ_ASSUMPTIONS := $(COQ_DIR)/assumptions.txt
COQ_ASSUMPTIONS_LOG := $(COQ_DIR)/assumptions.log
# Vernacular that would let a statement through without a proof.
COQ_ESCAPES     := Admitted|admit|Admit|Axiom|Axioms|Conjecture|Parameter|Parameters|Hypothesis|Hypotheses|Variable|Variables|Context|Unset|bypass_check|Program

.PHONY: coq-proofs coq-escapes coq-clean

coq-escapes:
	@command -v $(COQC) >/dev/null || { echo "coqc not found: run 'make deps'"; exit 1; }
	@if grep -nwE '$(COQ_ESCAPES)' $(COQ_DIR)/*.v; then \
	  echo "proofs/coq: the lines above would admit a statement without proof"; exit 1; fi

$(COQ_DIR)/%.vo: $(COQ_DIR)/%.v | coq-escapes
	$(COQC) $(COQ_FLAGS) $<

$(COQ_DIR)/Distances.vo:  $(COQ_DIR)/Sums.vo
$(COQ_DIR)/Hyperbolic.vo: $(COQ_DIR)/ExpBounds.vo
$(COQ_DIR)/Softmax.vo:    $(COQ_DIR)/Sums.vo $(COQ_DIR)/Distances.vo
$(COQ_DIR)/Lemma33.vo:    $(COQ_DIR)/Sums.vo $(COQ_DIR)/Distances.vo $(COQ_DIR)/ExpBounds.vo \
                          $(COQ_DIR)/Hyperbolic.vo $(COQ_DIR)/Softmax.vo
$(COQ_DIR)/LemmaA1.vo:    $(COQ_DIR)/Lemma33.vo
$(COQ_DIR)/Corollary34.vo: $(COQ_DIR)/Lemma33.vo
$(COQ_DIR)/Acsl.vo:       $(COQ_DIR)/LemmaA1.vo

coq-proofs: coq-escapes $(COQ_VO)
	@$(COQC) $(COQ_FLAGS) $(COQ_DIR)/Assumptions.v > $(COQ_ASSUMPTIONS_LOG)
	python3 $(COQ_DIR)/check_assumptions.py $(COQ_ASSUMPTIONS_LOG) --summary $(COQ_ASSUMPTIONS)
	python3 $(COQ_DIR)/check_acsl_sync.py

coq-clean:
	rm -f $(COQ_DIR)/*.vo $(COQ_DIR)/*.vok $(COQ_DIR)/*.vos $(COQ_DIR)/*.glob \
	  $(COQ_DIR)/.*.aux $(COQ_ASSUMPTIONS_LOG) .lia.cache .nra.cache

include proofs/lemmas/lemmas.mk

# `make clean` also removes the compiled Coq files.
clean: coq-clean
