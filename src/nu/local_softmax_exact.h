/* local_softmax_exact.h: the exact-logit path of the softmax local analysis
 * (local_softmax_exact.c), taken by bht_nu_softmax where its double-double
 * path cannot certify the budget.  Not public. */
#ifndef BHT_LOCAL_SOFTMAX_EXACT_H
#define BHT_LOCAL_SOFTMAX_EXACT_H

#include <stddef.h>
#include "bht.h"

/* nu = (*nu_hi + *nu_lo) 2^(*nu_exp) with relative error < 2^-54 (so both
 * nu and nu/8 round to within 1 ulp) and, when derivative != NULL, every
 * p_i (g_i - <p, g>) within 1 ulp, for any finite A, M, x.  BHT_E_RANGE
 * when a value cannot be certified: *uncertified is then the derivative
 * component, or n for nu itself. */
bht_status bht_nu_softmax_exact(size_t n, size_t d, const double *A, const double *M,
                                const double *x, double *nu_hi, double *nu_lo, int *nu_exp,
                                double *derivative, size_t *uncertified);

#endif
