# proofs/kernels.mk: Frama-C WP proofs of the leverage, local-analysis and
# model-distance kernels (src/leverage/leverage.c, src/nu/local_softmax.c,
# src/softmax/softmax_dd.c, src/nu/local_leverage.c, src/model_distance/model_distance.c,
# src/model_distance/model_distance_leverage.c): one variable block, one call
# of the generic recipe of proofs/wp.mk.  Included by proofs/proofs.mk.
#
#   make proofs-kernels            prove, write proofs/kernels/report.json and
#                                  report.txt, fail on any goal that is not
#                                  Valid, a failed smoke test or a difference
#                                  from proofs/kernels/baseline.txt
#   make proofs-kernels-baseline   same run, then rewrite the baseline
#
# See proofs/kernels/README.md (Coverage) and proofs/TRUSTED_BASE.md.

include proofs/wp.mk

# ---- unit: kernels ----
KWP_DIR         := proofs/kernels
KWP_SOURCES     := src/leverage/leverage.c src/nu/local_softmax.c src/softmax/softmax_dd.c \
                   src/nu/local_leverage.c src/model_distance/model_distance.c src/model_distance/model_distance_leverage.c
KWP_SPEC        := spec/bht_spec.h
KWP_SPECS       := $(KWP_SPEC)
# Parsing stub for <gmp.h> (Frama-C's libc has none; see the file).
KWP_INCLUDE     := $(KWP_DIR)/include
KWP_CPPFLAGS    := -I$(KWP_INCLUDE)

# Functions whose proof obligations are generated (all must be Valid).
# Every other function's contract, where present, is assumed by callers;
# see proofs/kernels/README.md, "Coverage".
KWP_FUNCTIONS   := clamp01,store_scores,unit_row_scores,row_scores, \
                   store_nu,bht__round_scaled_nonneg,nu_term,derivative_component, \
                   store_nu_leverage,store_nu_leverage_quotients,store_derivative, \
                   direct_hellinger_term,round_scaled_unit,softmax_hellinger_root, \
                   store_distances_softmax, \
                   round_half_unit,leverage_hellinger_root,store_distances_leverage
KWP_WP_EXTRA    := -wp-split
# Functions whose goals also go to Gappa (wp.mk); the others: cvc5, z3.
KWP_GAPPA_FUNCTIONS := clamp01,row_scores,store_nu_leverage_quotients, \
                       softmax_hellinger_root,store_distances_softmax, \
                       leverage_hellinger_root,store_distances_leverage
# No goal of this unit needs z3 (every one is proved by Qed, cvc5 or Gappa,
# checked with KWP_PROVERS=cvc5,gappa on 2026-12-07); with -wp-par 1 z3 would
# only add its own 2 s attempt to every smoke test.
KWP_PROVERS     := cvc5,gappa
# ---- end of unit kernels ----

$(eval $(call wp_unit,KWP,proofs-kernels,$(KWP_DIR)))
