/* leverage_local_internal.h: pieces shared by the leverage local analysis
 * (local_leverage.c, local_leverage_oracle.c) and the leverage model
 * distances (model_distance_leverage*.c).  Not part of the public API.
 *
 * Double-double orthonormal basis (local_leverage.c): for A n-by-d of rank d
 * and s (NULL = ones) it computes, with the algorithm of leverage.c (exact
 * power-of-two equilibration D, Householder R^ in double as a
 * preconditioner, rows of B = A_s D R^-1 in double-double, C = B^T B = L L^T
 * by a double-double Cholesky), the rows q_i = L^-1 b_i of Q = A_s T^-1,
 * T = L^T R^ D^-1, so that A_s = Q T and Q^T Q = I up to O(u^2).
 * lev_basis_map(v, i) then gives the row (v / s_i) T^-1 for any other row v
 * (a row of M, or of B - A), i.e. the rows of M_s T^-1. */
#ifndef BHT_LEVERAGE_LOCAL_INTERNAL_H
#define BHT_LEVERAGE_LOCAL_INTERNAL_H

#include <gmp.h>
#include <stddef.h>
#include "bht.h"
#include "leverage_core.h"

typedef struct lev_basis {
    size_t n, d;
    const double *s;     /* NULL = ones */
    int *t, *c;          /* row exponents t_i = ilogb s_i, column exponents c_j */
    double *r;           /* d*d row-major R^ (upper) */
    double *lh, *ll;     /* d*d lower Cholesky factor of C, double-double */
    double *qh, *ql;     /* n*d rows of Q, double-double */
    double *work;        /* scratch */
    double cond;         /* kappa_1 estimate of the column-normalised R^ */
} lev_basis;

/* Builds the basis; on failure everything is freed.  Errors as bht_leverage:
 * BHT_E_INVALID (s_i = 0, shape), BHT_E_NONFINITE, BHT_E_RANGE (outside the
 * double kernel's domain), BHT_E_SINGULAR (rank not certified), BHT_E_NOMEM. */
bht_status lev_basis_build(size_t n, size_t d, const double *A, const double *s,
                           lev_basis *basis);
void lev_basis_free(lev_basis *basis);

/* out = (v / s_i) D R^-1 L^-T as a double-double row, for a row v given in
 * double-double (vl may be NULL), premultiplied by 2^scale (exact: the
 * caller guarantees 2^(scale + c_j - t_i) v_j stays normal or zero).
 * s_i = basis->s[i] (1 when s is NULL). */
void lev_basis_map(const lev_basis *basis, size_t i, const double *vh, const double *vl,
                   int scale, double *outh, double *outl);
/* The same for a row outside the basis, with its own s value (s_i != 0). */
void lev_basis_map_row(const lev_basis *basis, double s_i, const double *vh, const double *vl,
                       int scale, double *outh, double *outl);

/* Largest exponent e with some 2^(c_j - t_i) v_ij in [2^e, 2^(e+1)) over the
 * nonzero entries of V (n-by-d, double), and the smallest such exponent;
 * returns 0 when V is zero (then *emax = *emin = 0). */
int lev_basis_exponent_range(const lev_basis *basis, const double *V, int *emax, int *emin);

/* z = L^-1 z in place (double-double forward substitution). */
void lev_solve_l(size_t d, const double *lh, const double *ll, double *zh, double *zl);


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

bht_status lev_exact_build(size_t n, size_t d, const double *A, const double *s,
                           lev_exact *e);
void lev_exact_free(lev_exact *e);

/* Correctly rounded (ties to even, subnormals, overflow to inf) binary64
 * value of a rational of any sign, times 2^scale. */
double lev_round_rational(const mpq_t q);

#endif
