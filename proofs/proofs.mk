# proofs/proofs.mk: Frama-C WP proof pipeline, included by the top Makefile.
# Every unit is one variable block and one call of the generic recipe of
# proofs/wp.mk (targets TARGET, TARGET-run, TARGET-baseline).
#
#   make proofs            prove every unit (this root unit, proofs/kernels.mk,
#                          proofs/distance.mk, proofs/regression.mk, the Coq and
#                          lemma units); for this one write proofs/report.json
#                          and proofs/report.txt, fail on any goal that is not
#                          Valid, on a failed smoke test, or on any difference
#                          from proofs/baseline.txt
#   make proofs-baseline   same run of this unit, then rewrite proofs/baseline.txt
#   make proofs-clean      remove generated files (keeps the committed cache)
#
# See proofs/README.md (reading the report) and proofs/TRUSTED_BASE.md.

include proofs/wp.mk

# ---- unit: softmax (root; report, baseline and cache at proofs/) ----
# Every annotated translation unit (dd.h is included by the first two).  They are
# analysed together, so calls across files use the callee's proved contract.
WP_SOURCES      := src/softmax/softmax.c src/core/dd_exp.c src/core/long_acc.c
# Shared ACSL logic, force-included before each source (ACSL only, no C).
WP_SPEC         := spec/bht_spec.h
# spec/softmax.h (softmax(A x), its dd pipeline) only where it is used: in
# the other units its definitions would enlarge every prover context.
WP_SPECS        := $(WP_SPEC) spec/softmax.h spec/softmax_frame.h spec/c_unsigned.h

# Functions whose proof obligations are generated and must all be Valid.
# Static functions of dd.h exist once per translation unit (Frama-C renames
# the second copy, e.g. two_sum_0); -wp-fct selects both.  Functions NOT yet
# in this list (their contracts, where present, are assumed by callers and
# not proved) are listed in proofs/README.md, "Coverage".
WP_FUNCTIONS    := two_sum,fast_two_sum,dd_fma,two_prod,bht_dd_exp_poly, \
                   finite_double,bht_softmax_logits,bht_softmax,row_difference, \
                   shifted_logit,argmax_logit, \
                   matrix_row,matrix_rows,softmax_exp_term,softmax_term,softmax_core, \
                   store_output,cells_distinct,self_exp_bound,compare_one, \
                   frexp_abs,split_double,mul_53x53,add_with_carry,sub_with_borrow, \
                   add_words,add_bits,normalize,bits_at,any_bits_below,leading_bit, \
                   bht_long_acc_init,bht_long_acc_reset,bht_long_acc_add, \
                   bht_long_acc_add_product,bht_long_acc_sign,bht_long_acc_round
# (no -wp-split: the baseline's goals are the unsplit ones)
WP_WP_EXTRA     :=
# Functions whose goals also go to Gappa (floating-point rounding bounds);
# every other function's goals and smoke tests go to cvc5 and z3 only (wp.mk).
WP_GAPPA_FUNCTIONS := two_sum,fast_two_sum,two_prod,split_double,bht_dd_exp_poly, \
                      shifted_logit,compare_one
# softmax_core (115 goals, the slowest cvc5 proofs of the project) runs in a
# Frama-C run of its own, beside the rest of the unit under make -j2 (wp.mk).
WP_SOLO_FUNCTIONS := softmax_core
# Its slowest goals need 3.8-9.0 s of cvc5; cvc5's limit is wall-clock time, so
# they get 30 s, enough with the other core's run beside them (wp.mk, PAR).
WP_FCT_TIMEOUT  := softmax_core:30
# ---- end of unit softmax ----

$(eval $(call wp_unit,WP,proofs,$(PROOF_DIR)))

# Further proof units (their own reports and baselines), run by `make proofs`.
PROOF_UNITS := proofs-kernels proofs-distance
include proofs/kernels.mk proofs/distance.mk proofs/mutants/mutants.mk

proofs: $(PROOF_UNITS)

.PHONY: proofs-clean
proofs-clean:
	rm -f $(WHY3_CONF) $(WHY3_CONF).tmp $(WP_REPORT_JSON) $(WP_LOG)
