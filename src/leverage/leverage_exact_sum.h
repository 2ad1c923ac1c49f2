/* leverage_exact_sum.h: exact sums of products of doubles, for the exact
 * residuals M - A X and B R - A of the leverage kernels (local_leverage.c,
 * model_distance_leverage.c).  Not part of the public API.
 *
 * A sum of terms x_k y_k 2^e_k (x_k, y_k finite doubles, e_k integers) is
 * formed exactly in a long accumulator (Kulisch): base-2^32 digits held in
 * 64-bit integers, wide enough for the terms' exponent span, so no term is
 * rounded, underflows or overflows.  The exact value is then delivered as a
 * double-double mantissa with an exponent: value = (hi + lo) 2^exponent,
 * 1 <= |hi| < 2, |lo| <= ulp(hi)/2, relative error <= 2^-104; exactly 0 is
 * reported as 0 (hi = lo = 0).  Plain integer and double code: no MPFR. */
#ifndef BHT_LEVERAGE_EXACT_SUM_H
#define BHT_LEVERAGE_EXACT_SUM_H

#include <stddef.h>
#include <stdint.h>
#include "bht.h"

typedef struct lev_term {
    double x, y; /* factors */
    long e;      /* exponent: the term is x y 2^e */
} lev_term;

typedef struct lev_sum {
    int64_t *digit; /* workspace, grown on demand */
    size_t capacity;
} lev_sum;

void bht__lev_sum_init(lev_sum *s);
void bht__lev_sum_free(lev_sum *s);

/* (*hi + *lo) 2^(*exponent) = sum of the count terms, exactly up to the
 * final dd rounding (relative error <= 2^-104); *hi = *lo = 0 and
 * *exponent = 0 iff the sum is exactly 0.  Requires count <= 2^24 and
 * |e_k| <= 2^20.  BHT_E_NOMEM when the workspace cannot grow. */
bht_status bht__lev_sum_exact(lev_sum *s, const lev_term *terms, size_t count, double *hi,
                         double *lo, long *exponent);

#endif
