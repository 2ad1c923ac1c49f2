/* claims_regression.h: the claims of "Attention Scheme Inspired Softmax
 * Regression" evaluated by `bht claims` (claims_regression.c). */
#ifndef BHT_CLAIMS_REGRESSION_H
#define BHT_CLAIMS_REGRESSION_H

#include "bht_tools.h"

#if defined(__GNUC__)
#define CLAIMS_REGRESSION_HIDDEN __attribute__((visibility("hidden")))
#else
#define CLAIMS_REGRESSION_HIDDEN
#endif

/* Each fills *c (id, statement, evidence, verdict computed from the
 * evidence); BHT_OK unless an oracle call fails. */
CLAIMS_REGRESSION_HIDDEN bht_status bht__claim_regression_decomposition(const bht_claims_options *o,
                                                                   bht_claim *c);
CLAIMS_REGRESSION_HIDDEN bht_status
bht__claim_regression_positive_definite(const bht_claims_options *o, bht_claim *c);
CLAIMS_REGRESSION_HIDDEN bht_status bht__claim_regression_lipschitz(const bht_claims_options *o,
                                                               bht_claim *c);
CLAIMS_REGRESSION_HIDDEN bht_status bht__claim_regression_sketched_newton(const bht_claims_options *o,
                                                                     bht_claim *c);

#define CLAIMS_REGRESSION_LIST                                                                \
    bht__claim_regression_decomposition, bht__claim_regression_positive_definite,                       \
        bht__claim_regression_lipschitz, bht__claim_regression_sketched_newton,

#endif
