# proofs/regression.mk: WP proofs of the softmax-regression double kernel's
# checks and output stages (src/regression/regression.c, contract in
# spec/regression.h): one variable block, one call of the generic recipe of
# proofs/wp.mk.  Included by the top Makefile; `make proofs` runs it.
#
#   make proofs-regression            prove, write proofs/regression/report.{json,txt},
#                                     fail on any goal not Valid, a failed smoke test
#                                     or a difference from proofs/regression/baseline.txt
#   make proofs-regression-baseline   same, then rewrite the baseline
#
# See proofs/regression/README.md (coverage) and TRUSTED_BASE.md.

include proofs/wp.mk

# ---- unit: regression ----
RWP_DIR          := $(PROOF_DIR)/regression
RWP_SOURCES      := src/regression/regression.c
RWP_SPECS        := spec/bht_spec.h spec/regression.h

# Functions whose obligations are generated (all must be Valid).  The dd
# evaluation (regression_run and below) is not listed: its contract in
# src/regression/regression_internal.h is assumed; regression_scale_exact is
# the admitted leaf R1 (proofs/TRUSTED_BASE.md).
RWP_FUNCTIONS    := classify,scan,bht__regression_accept,bht__regression_store_loss, \
                    bht__regression_store_values,domain_refusal,check_inputs,bht_regression
RWP_WP_EXTRA     := -wp-split
# Functions whose goals also go to Gappa (wp.mk); the others: cvc5, z3.
RWP_GAPPA_FUNCTIONS := classify,bht__regression_accept,bht__regression_store_loss
# ---- end of unit regression ----

$(eval $(call wp_unit,RWP,proofs-regression,$(RWP_DIR)))

# `make proofs` runs this unit too.
proofs: proofs-regression
