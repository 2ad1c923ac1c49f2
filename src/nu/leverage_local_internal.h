/* leverage_local_internal.h: pieces shared by the leverage local analysis
 * (local_leverage.c, local_leverage_oracle.c) and the leverage model
 * distances (model_distance_leverage*.c): the double-double basis of
 * leverage_core.h, the exact sums of leverage_exact_sum.h, and the exact
 * rational route of the oracles.  Not part of the public API. */
#ifndef BHT_LEVERAGE_LOCAL_INTERNAL_H
#define BHT_LEVERAGE_LOCAL_INTERNAL_H

#include <gmp.h>
#include <stddef.h>
#include "bht.h"
#include "leverage/leverage_core.h"
#include "leverage/leverage_exact_sum.h"

/* ------------------------------------------------ exact rational route */

/* Exact rational leverage data of A_s (oracles): G = A_s^T A_s is inverted
 * over Q; for row i, g_i = G^-1 a_i (a_i the unscaled row) and
 * h_ii = a_i . g_i / s_i^2.  Returns BHT_E_SINGULAR iff rank A < d. */
typedef struct lev_exact {
    size_t n, d;
    mpq_t *ginv; /* d*d, G^-1 */
    mpq_t *g;    /* n*d, rows g_i = G^-1 a_i */
    mpq_t *h;    /* n, h_ii */
    mpq_t *w;    /* n, 1 / s_i^2 */
} lev_exact;

bht_status bht__lev_exact_build(size_t n, size_t d, const double *A, const double *s,
                           lev_exact *e);
void bht__lev_exact_free(lev_exact *e);

#endif
