# proofs/distance.mk: WP proofs of src/distance/distance.c (one variable block,
# one call of the generic recipe of proofs/wp.mk) and the standalone Gappa
# proofs of proofs/gappa/*.gappa.  Included from proofs/proofs.mk.
#
#   make proofs-distance            prove, write proofs/distance/report.{json,txt},
#                                   fail on any goal not Valid, a failed smoke
#                                   test, a baseline difference, or a failed
#                                   Gappa script
#   make proofs-distance-baseline   same, then rewrite proofs/distance/baseline.txt
#   make proofs-distance-lemmas     the lemmas of spec/distance.h (run by both
#                                   targets above; proofs/distance/lemmas/)
#
# See proofs/distance/README.md and proofs/TRUSTED_BASE.md.

include proofs/wp.mk

# ---- unit: distance ----
DIST_DIR         := $(PROOF_DIR)/distance
DIST_SOURCES     := src/distance/distance.c
DIST_SPECS       := spec/bht_spec.h spec/distance.h

# Functions whose obligations are generated (all must be Valid).  dd_add,
# dd_mul, dd_div, dd_expm1 and dd_round_scaled are not listed: their
# contracts in src/distance/distance.c are assumed (proofs/TRUSTED_BASE.md).
DIST_FUNCTIONS   := fast_two_sum,two_prod,dd_fma, \
                    finite_double,frexp_tiny,min_one,leading_term_rounded,bht_lemma_a1, \
                    store_h2_tv,sqrt_sum,hellinger_root,h2max_closed,tvmax_closed,quarter_of
DIST_WP_EXTRA    := -wp-split
# Functions whose goals also go to Gappa (wp.mk); the others: cvc5, z3.
DIST_GAPPA_FUNCTIONS := fast_two_sum,two_prod,min_one,leading_term_rounded, \
                        bht_lemma_a1,hellinger_root,h2max_closed,tvmax_closed
# ---- end of unit distance ----

$(eval $(call wp_unit,DIST,proofs-distance,$(DIST_DIR)))

# ---- unit: distance lemmas ----
# The lemmas of spec/distance.h.  WP proves no lemma in a run restricted by
# -wp-fct, so they get their own run: every function of the same sources,
# but only the properties that are lemmas (-wp-prop @lemma).
DLEM_DIR         := $(DIST_DIR)/lemmas
DLEM_SOURCES     := $(DIST_SOURCES)
DLEM_SPECS       := $(DIST_SPECS)
DLEM_FUNCTIONS   :=
DLEM_WP_EXTRA    := -wp-prop @lemma
# ---- end of unit distance lemmas ----

$(eval $(call wp_unit,DLEM,proofs-distance-lemmas,$(DLEM_DIR)))

# Every Gappa script must prove its statement (gappa exits non-zero and
# prints the failing property otherwise).
GAPPA_SCRIPTS    := $(sort $(wildcard $(PROOF_DIR)/gappa/*.gappa))

.PHONY: proofs-gappa
proofs-gappa:
	@command -v gappa >/dev/null || { echo "gappa not found: run 'make deps'"; exit 1; }
	@test -n "$(GAPPA_SCRIPTS)" || { echo "no proofs/gappa/*.gappa"; exit 1; }
	@for f in $(GAPPA_SCRIPTS); do \
	  if out=$$(gappa $$f 2>&1); then echo "gappa $$f: proved"; \
	  else echo "gappa $$f: FAILED"; echo "$$out"; exit 1; fi; \
	done

proofs-distance: proofs-gappa proofs-distance-lemmas
proofs-distance-baseline: proofs-gappa proofs-distance-lemmas-baseline
