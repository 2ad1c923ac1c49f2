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
#include "core/work_alloc.h"

/* ------------------------------------------------ work storage */

/* The storage of a leverage kernel's work area (local_leverage.c,
 * model_distance_leverage.c): one block of double arrays, one of int
 * arrays, the terms of the exact sums and their accumulator. */
typedef struct lev_work_store {
    double *doubles;  /* the double arrays (bht__alloc_doubles) */
    int *ints;        /* nints ints, carved by the caller */
    lev_term *terms;  /* nterms terms */
    lev_sum acc;
} lev_work_store;

/* Allocates the store (every group of double arrays, nints ints, nterms
 * terms, the accumulator initialised): BHT_OK, or BHT_E_NOMEM with the
 * store freed.  bht__lev_work_free releases it (also after a failure). */
bht_status bht__lev_work_alloc(lev_work_store *st, const bht__double_group *groups,
                               size_t ngroups, size_t nints, size_t nterms);
void bht__lev_work_free(lev_work_store *st);

/* Row i of a mapped block: (oh + ol) 2^(*eo) = bht__lev_basis_map of the
 * column-scaled row (vh + vl) 2^(*ev) with s_i, *err its certified
 * relative error; a zero row (nonzero 0; ev, vh, vl not read): oh = ol =
 * 0, *eo = INT_MIN, *err = 0. */
void bht__lev_map_row(const lev_basis *b, size_t i, int nonzero, const double *vh,
                      const double *vl, const int *ev, double *oh, double *ol, int *eo,
                      double *err);

/* G = sum_i x_i y_i^T (d-by-d dd, Dot2 sums) over the rows with both
 * nonzero (xe LEV_ZERO_ROW or ye INT_MIN: zero), row i scaled 2^(xe_i +
 * ye_i); returns the exponent of G (LONG_MIN when every term is 0, G = 0),
 * *mag = sum |x_i| |y_i| and *werr = sum 1.01 (ex_i + ey_i) |x_i| |y_i|
 * (the terms' error bound from the rows' relative errors ex, ey), both in
 * units of 2^(exponent); terms below 2^-1000 of the largest count in both
 * and are dropped from G. */
long bht__lev_cross(size_t n, size_t d, const double *xh, const double *xl, const int *xe,
                    const double *ex, const double *yh, const double *yl, const int *ye,
                    const double *ey, double *gh, double *gl, double *mag, double *werr);

/* ------------------------------------------------ exact rational route */

/* The leverage oracles' input checks (sizes up to BHT_LEVERAGE_ORACLE_MAX_N
 * / _MAX_D, finite entries, s (may be NULL) finite and nonzero): BHT_OK,
 * BHT_E_INVALID or BHT_E_NONFINITE, as bht_oracle_nu_leverage reports. */
bht_status bht__lev_oracle_check(size_t n, size_t d, const double *A, const double *M,
                                 const double *s);

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
