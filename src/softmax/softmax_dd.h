/* softmax_dd.h: internal double-double softmax shared by the kernels that
 * need p unrounded (local analysis, model distances). */
#ifndef BHT_SOFTMAX_DD_H
#define BHT_SOFTMAX_DD_H

#include <stddef.h>
#include <stdint.h>
#include "bht.h"

/* 1 when 1 <= n, d <= BHT_SOFTMAX_MAX_N and k arrays of n*d doubles fit
 * in a size_t byte count (the shape check of the two-model kernels). */
static inline int bht__softmax_shape_ok(size_t n, size_t d, size_t k)
{
    return n != 0 && d != 0 && n <= BHT_SOFTMAX_MAX_N && d <= BHT_SOFTMAX_MAX_N
           && n <= SIZE_MAX / sizeof(double) / d / k;
}

/* sum_k (a_k - b_k) x_k in dd (b may be NULL): exact TwoSum row differences,
 * Dot2 over the 2d terms (Ogita-Rump-Oishi 2005): error <= gamma_2d^2
 * sum_k |(a_k - b_k) x_k| plus underflow. */
void bht_dot_difference_dd(size_t d, const double *a, const double *b, const double *x,
                           double *hi, double *lo);

/* Checks finiteness and that every |a_ij x_j| < 2^(1018 - ceil log2 d)
 * (all partial sums and row differences finite); A n-by-d, x length d. */
bht_status bht_check_affine_range(size_t n, size_t d, const double *A, const double *x);

/* p = softmax(A x) as (ph[i] + pl[i]) 2^pe[i] with relative error < 2^-63
 * and ph[i] in [2^-30, 2] (no underflow however small p_i is); shifted
 * logits below -1600 give ph = 0.  With pe == NULL the scaling is applied
 * (p_i = ph[i] + pl[i], subnormal for tiny p_i; then logits below -746 give
 * 0).  Returns the index of the largest p. */
size_t bht_softmax_dd(size_t n, size_t d, const double *A, const double *x, double *ph,
                      double *pl, int *pe);

#endif
