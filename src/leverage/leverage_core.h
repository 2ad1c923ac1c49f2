/* leverage_core.h: the double-double orthonormal basis of a leverage design
 * (leverage.c, leverage_build.c), shared by the leverage scores, the local analysis
 * (local_leverage.c) and the model distances (model_distance_leverage.c).
 * Not part of the public API.
 *
 * For A n-by-d of rank d and s (NULL = ones), A_s = Diag(s)^-1 A:
 *  - exact power-of-two scalings: t_i = ilogb s_i (s_i = s'_i 2^t_i,
 *    |s'_i| in [1, 2)), column exponents c_j with every column of A_s D,
 *    D = Diag(2^c_j), having its largest entry in [1/2, 2); any finite
 *    input, subnormals included, is scaled without rounding;
 *  - R^, the Householder R factor of A_s D in double, or in double-double
 *    when that cannot certify (a preconditioner only), C = B^T B for
 *    B = A_s D R^-1 in double-double, C = L L^T;
 *  - rows q_i = (hi + lo) 2^qe_i of Q = A_s T^-1, T = L^T R^ D^-1, so that
 *    A_s = Q T and Q^T Q = I up to the certified error below; every row
 *    carries its own exponent, so rows of any scale keep full relative
 *    precision (h_ii = |q_i|^2 can be far below the double range).
 * Any other row v (a row of M, of B - A, of a residual) is mapped to
 * (v / s_i) T^-1 by bht__lev_basis_map, again with its own exponent.
 *
 * Certified error (derivation in leverage.c): each mapped row, the rows of
 * Q included, comes with its own certified relative (2-norm) error bound
 * (a posteriori, from the row itself: err_q[i] for the rows of Q, *err of
 * bht__lev_basis_map), against the exact map through the computed factors; with
 * the exact rows, ||Q^T Q - I|| <= gram.  h_ii = |q_i|^2 is then within
 * relative error bht__lev_basis_err_h(basis, i).  The build refuses
 * (BHT_E_SINGULAR) when some h_ii is not certified to LEV_CERTIFIED_ERR,
 * i.e. when the equilibrated design is too ill-conditioned for a 1-ulp
 * result. */
#ifndef BHT_LEVERAGE_CORE_H
#define BHT_LEVERAGE_CORE_H

#include <stddef.h>
#include "bht.h"

/* Largest certified relative error of h_ii before its final rounding: the
 * result is then within 0.5 + 2^53 2^-54 = 1 ulp of the exact value, hence
 * at most 1 ulp from the correctly rounded one (budget 1 ulp). */
#define LEV_CERTIFIED_ERR 0x1p-54

/* A bound that still proves rank d: every row within relative 0.05 and
 * ||Q^T Q - I|| <= gram <= 0.1 (the first-order bounds hold with these
 * margins), so the exact Gram matrix of the rows is positive definite. */
#define LEV_RANK_ONLY 0.1

/* Marker of a zero row in qe[]. */
#define LEV_ZERO_ROW (-0x7fffffff)

typedef struct lev_basis {
    size_t n, d;
    const double *s;     /* NULL = ones */
    int *t, *c;          /* t_i = ilogb s_i; column exponents c_j */
    int *qe;             /* row exponents of Q (LEV_ZERO_ROW for a zero row of A) */
    double *r;           /* d*d row-major R^ (upper) */
    double *rl;          /* its low parts when R^ is double-double (else NULL) */
    double *rinv;        /* d*d row-major computed R^-1 (upper), for the bounds
                            (scaled up when certified by its exact residual) */
    double *lh, *ll;     /* d*d lower Cholesky factor of C, double-double */
    double *qh, *ql;     /* n*d rows of Q (mantissas), double-double */
    double *err_q;       /* n: certified relative error of each row of Q */
    double cond;         /* kappa_1 estimate of the column-normalised R^ */
    int graded;          /* cond above the threshold: comparison-matrix bounds */
    double gram;         /* certified bound on ||Q^T Q - I|| (exact Q rows) */
    double err_h_max;    /* largest certified relative error of an h_ii */
    void *block;         /* the one allocation holding the arrays above (rl apart) */
} lev_basis;

/* Builds the basis; on failure everything is freed.  Errors: BHT_E_INVALID
 * (shape, s_i = 0), BHT_E_NONFINITE, BHT_E_SINGULAR (a zero column, or
 * rank / accuracy not certified: some h_ii's bound above max_err_h),
 * BHT_E_NOMEM.  max_err_h is LEV_CERTIFIED_ERR for results, or
 * LEV_RANK_ONLY when only rank d is needed (the exact results for n = d
 * or exactly d nonzero rows: then every h_ii is 1 or 0).  *cond (may be
 * NULL) gets the condition estimate on BHT_OK and BHT_E_SINGULAR (+inf for
 * a zero pivot or column). */
bht_status bht__lev_basis_build(size_t n, size_t d, const double *A, const double *s,
                           lev_basis *basis, double *cond, double max_err_h);
void bht__lev_basis_free(lev_basis *basis);

/* Compiled code paths of the build (leverage_build.c): the same bits on
 * every path (tests/leverage/test_leverage_paths.c). */
enum { LEV_PATH_AUTO = 0, LEV_PATH_GENERIC = 1, LEV_PATH_X86_64_V3 = 2, LEV_PATH_COUNT = 3 };

/* 1 when this build and CPU run the path. */
int bht__lev_path_available(int path);

/* bht__lev_basis_build on a given path (LEV_PATH_AUTO: the fastest
 * available; an unavailable path: the generic one). */
bht_status bht__lev_basis_build_path(size_t n, size_t d, const double *A, const double *s,
                                     lev_basis *basis, double *cond, double max_err_h, int path);

/* hh[i] + hl[i] = |q_i|^2 (Dot2, normalized) for every nonzero row i of
 * the basis (zero rows: hh[i], hl[i] untouched), on a given path. */
void bht__lev_row_sumsq(const lev_basis *basis, double *hh, double *hl, int path);

/* Column-scaled form of a double row v: v_j 2^c_j = vh_j 2^(*ev), the
 * largest |vh_j| in [1, 2) (entries more than 2^1022 below it may round:
 * relative 2^-1074 of the row).  Returns 0 (and zeros) for a zero row. */
int bht__lev_basis_scale_row(const lev_basis *basis, const double *v, double *vh, int *ev);

/* (oh + ol) 2^(*eo) = (v / s_i) D R^-1 L^-T for the row v given in
 * column-scaled form, v_j 2^c_j = (vh_j + vl_j) 2^ev (vl may be NULL), with
 * s_i its query value (s_i != 0); *err (may be NULL) gets the certified
 * relative error of the mapped row. */
void bht__lev_basis_map(const lev_basis *basis, double s_i, const double *vh, const double *vl,
                   int ev, double *oh, double *ol, int *eo, double *err);

/* Certified relative error of |q_i|^2 as h_ii (row i nonzero). */
double bht__lev_basis_err_h(const lev_basis *basis, size_t i);

/* s_i (1 when s is NULL). */
static inline double lev_s(const lev_basis *basis, size_t i)
{
    return basis->s ? basis->s[i] : 1.0;
}

/* (sh, sl) += (ph + pl)(qh + ql), Dot2 style. */
void bht__lev_dot2_add(double *sh, double *sl, double ph, double pl, double qh, double ql);

/* C = L L^T in double-double (lower triangles of the d-by-d row-major
 * C = ch + cl and L = lh + ll; the strict upper triangle of L untouched),
 * by Dot2 sums; returns 0 on a non-positive pivot (L then partial). */
int bht__lev_cholesky_dd(size_t d, const double *ch, const double *cl, double *lh, double *ll);

/* z = L^-1 z in place (dd forward substitution with Dot2 sums), L = lh + ll
 * lower triangular d-by-d row-major, as bht__lev_cholesky_dd leaves it. */
void bht__lev_solve_l(size_t d, const double *lh, const double *ll, double *zh, double *zl);

/* Scaled dd accumulator: value (h + l) 2^e with 1 <= |h| < 2 (or 0),
 * terms more than 2^-1100 below the larger operand dropped (their share is
 * counted by the callers' error bounds). */
typedef struct lev_scaled {
    double h, l;
    long e;
} lev_scaled;

void bht__lev_scaled_add(lev_scaled *acc, double th, double tl, long te);

/* The cold parts of the build (leverage.c), called by build_pass
 * (leverage_build.c); contracts above their definitions. */

/* R^ by Householder QR in double-double of the n-by-d column-major
 * W = wh + wl (overwritten): the fallback preconditioner. */
void bht__lev_householder_r_dd(size_t n, size_t d, double *wh, double *wl, double *rh,
                               double *rl);

/* kappa_1 estimate of the column-normalised R^ (d-by-d row-major upper);
 * ninv gets the computed inverse of R^ (+inf: zero pivot or overflow). */
double bht__lev_condition_estimate(size_t d, const double *r, double *ninv);

/* Certifies the computed inverse rinv of R^ (+ rl) by its exact residual:
 * when ||R^ X^ - I||_F <= 1/2, scales rinv for the bounds and clears
 * *graded.  BHT_E_NOMEM when the workspace cannot be allocated. */
bht_status bht__lev_inverse_residual_check(size_t d, const double *r, const double *rl,
                                           double *rinv, int *graded);

#endif
