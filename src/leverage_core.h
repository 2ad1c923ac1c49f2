/* leverage_core.h: the numerical steps of the leverage kernel (leverage.c)
 * that the local analysis and the model distances (local_leverage.c,
 * model_distance_leverage.c) reuse on the same scaled design.  Not part of
 * the public API. */
#ifndef BHT_LEVERAGE_CORE_H
#define BHT_LEVERAGE_CORE_H

#include <stddef.h>
#include "bht.h"

/* Step 0: checks the inputs (every s_i and a_ij finite first, then s_i != 0,
 * then the exponent ranges) and computes the exact scalings t_i = ilogb s_i,
 * c_j = -(max_i ilogb a_ij - t_i).  Sets *zero_column when a column of A is
 * identically zero (rank deficient). */
bht_status lev_scalings(size_t n, size_t d, const double *A, const double *s, int *t, int *c,
                        int *zero_column);

/* Householder R factor (row-major d-by-d upper triangle, zeros below) of
 * the column-major n-by-d w, which is overwritten. */
void lev_householder_r(size_t n, size_t d, double *w, double *r);

/* kappa_1 estimate of the column-normalised R (an estimate, not a bound);
 * ninv is d*d scratch.  +inf for a zero diagonal or an overflowing inverse. */
double lev_condition_estimate(size_t d, const double *r, double *ninv);

/* (sh, sl) += (ph + pl)(qh + ql), Dot2 style. */
void lev_dot2_add(double *sh, double *sl, double ph, double pl, double qh, double ql);

/* C = L L^T for a symmetric d-by-d double-double C (lower triangles,
 * row-major); 0 on a non-positive pivot. */
int lev_cholesky_dd(size_t d, const double *ch, const double *cl, double *lh, double *ll);

#endif
