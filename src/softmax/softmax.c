/* softmax.c: double kernels for p = softmax(z) and p = softmax(A x)
 * (paper Def. 2.6).  See bht.h for the interface. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include "bht.h"
#include "core/dd.h"
#include "core/dd_exp.h"
#include "core/long_acc.h"
#include "softmax/softmax_lanes.h"

/* Shifted logits below this give p_i < 2^-1075 (since the sum S >= 1 - 2^-50),
 * which rounds to +0: no exponential is needed. */
#define SHIFTED_LOGIT_FLOOR (-746.0)

/* Where the logits come from: either z or the rows of A x. */
typedef struct softmax_source {
    const double *z;
    const double *A;
    const double *x;
    size_t d;
} softmax_source;

/* acc = (a - b) x exactly: the 2d products a_j x_j and -b_j x_j added to
 * the long accumulator (Kulisch's exact dot product, src/core/long_acc.h), so a
 * common part of the two rows cancels exactly however large it is, and no
 * product overflows or underflows.  Equal entries add nothing. */
static void row_difference(bht_long_acc *acc, size_t d, const double *a, const double *b,
                           const double *x)
{
    bht_long_acc_reset(acc);
    for (size_t j = 0; j < d; j++) {
        if (a[j] == b[j])
            continue;
        bht_long_acc_add_product(acc, a[j], x[j]);
        bht_long_acc_add_product(acc, -b[j], x[j]);
    }
}

/* The index of the largest logit, decided exactly (ties: the first one).
 * z: double comparisons; A x: the sign of the exact row difference. */
static size_t argmax_logit(size_t n, const softmax_source *src, bht_long_acc *acc)
{
    size_t m = 0;
    for (size_t i = 1; i < n; i++) {
        if (src->z) {
            if (src->z[i] > src->z[m])
                m = i;
            continue;
        }
        const double *A = src->A;
        size_t d = src->d;
        row_difference(acc, d, A + i * d, A + m * d, src->x);
        if (bht_long_acc_sign(acc) > 0)
            m = i;
    }
    return m;
}

/* t_i = z_i - z_m <= 0 as a double-double th + tl, |th + tl - t_i| <= 2^-106
 * |t_i|.  Returns 0 (and no t) when t_i < SHIFTED_LOGIT_FLOOR, which
 * includes differences beyond the double range (-DBL_MAX - 1e308, or
 * 2^2000 from A x): such p_i round to +0.
 * z: the difference is formed by TwoSum, exact when it does not overflow
 * (Boldo, Graillat & Muller, ACM TOMS 44(1), 2017); only differences above
 * the floor are used, and those never overflow.  A x: th = RN(t_i) and
 * tl = RN(t_i - th) from the exact row difference in the long accumulator. */
static int shifted_logit(const softmax_source *src, size_t i, size_t m, bht_long_acc *acc,
                         double *th, double *tl)
{
    if (src->z) {
        double zi = src->z[i], zm = src->z[m];
        if (!(zi - zm >= SHIFTED_LOGIT_FLOOR)) /* also -inf */
            return 0;
        *th = two_sum(zi, -zm, tl);
        return 1;
    }
    size_t d = src->d;
    row_difference(acc, d, src->A + i * d, src->A + m * d, src->x);
    double hi = bht_long_acc_round(acc, 0);
    if (!(hi >= SHIFTED_LOGIT_FLOOR))
        return 0;
    bht_long_acc_add(acc, -hi);
    *th = hi;
    *tl = bht_long_acc_round(acc, 0);
    return 1;
}

/* Shared core.  Algorithm: (1) the largest logit z_m, decided exactly,
 * (2) shifted logits t_i = z_i - z_m <= 0 in double-double (exact TwoSum for
 * z; for A x the exact row difference rounded to dd), (3) S = sum exp(t_j)
 * with the double-double exponential and accurate dd additions, (4) p_i =
 * exp(t_i) / S in dd, rounded once to binary64 (subnormals included).
 * Bound: t_i is within 2^-106 |t_i| (746 2^-106 < 2^-96 absolute where it
 * matters), the dd quotient then has relative error < 2^-64 (exp 2^-66,
 * n <= 2^28 dd additions 2^-77, division 2^-102) and is rounded once, so
 * p_i is within 0.5 + 2^-11 ulp of the exact value (budget: 1 ulp). */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires valid_src: \valid_read(src);
    requires valid_p: \valid(p + (0 .. n - 1));
    requires separated_src: \separated(src, p + (0 .. n - 1));
    requires logits: src->z != \null ==>
        \valid_read(src->z + (0 .. n - 1)) && all_finite(src->z, n)
        && \separated(src->z + (0 .. n - 1), p + (0 .. n - 1));
    requires matrix: src->z == \null ==>
        1 <= src->d <= BHT_SOFTMAX_MAX_N
        && \valid_read(src->A + (0 .. n * src->d - 1)) && all_finite(src->A, n * src->d)
        && \valid_read(src->x + (0 .. src->d - 1)) && all_finite(src->x, src->d)
        && \separated(src->A + (0 .. n * src->d - 1), p + (0 .. n - 1))
        && \separated(src->x + (0 .. src->d - 1), p + (0 .. n - 1));
    assigns p[0 .. n - 1];
    ensures result_in_unit: \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
*/
static void softmax_core(size_t n, const softmax_source *src, double *p)
{
    /* Logits: the vectorised kernel (softmax_lanes.c; same algorithm with
     * the sum in 8 fixed lanes, same bits on every instruction set). */
    if (src->z) {
        bht_softmax_lanes(n, src->z, p, BHT_SOFTMAX_PATH_AUTO);
        return;
    }
    bht_long_acc acc;
    bht_long_acc_init(&acc);
    size_t m = argmax_logit(n, src, &acc);

    double sum_hi = 0.0, sum_lo = 0.0;
    for (size_t i = 0; i < n; i++) {
        double th, tl, eh, el;
        int scale;
        if (!shifted_logit(src, i, m, &acc, &th, &tl))
            continue;
        bht_dd_exp(th, tl, &eh, &el, &scale);
        dd_add(sum_hi, sum_lo, ldexp(eh, scale), ldexp(el, scale), &sum_hi, &sum_lo);
    }

    for (size_t i = 0; i < n; i++) {
        double th, tl, eh, el, qh, ql;
        int scale;
        if (!shifted_logit(src, i, m, &acc, &th, &tl)) {
            p[i] = 0.0;
            continue;
        }
        bht_dd_exp(th, tl, &eh, &el, &scale);
        dd_div(eh, el, sum_hi, sum_lo, &qh, &ql);
        double pi = dd_ldexp_round(qh, ql, scale);
        /* Mathematical range [0, 1]; the clamp keeps it under rounding. */
        if (pi > 1.0)
            pi = 1.0;
        if (pi < 0.0)
            pi = 0.0;
        p[i] = pi;
    }
}

/* isfinite(v) by comparisons (false for NaN and infinities): the same
 * result, without the libc macro (whose float branch WP reports as dead). */
/*@ assigns \nothing;
    ensures finite: \result != 0 <==> \is_finite(v);
*/
static int finite_double(double v)
{
    if (v >= -DBL_MAX && v <= DBL_MAX) {
        //@ assert finite: \is_finite(v);
        return 1;
    }
    return 0;
}

/*@ requires valid_z: z != \null ==> \valid_read(z + (0 .. n - 1));
    requires valid_p: p != \null ==> \valid(p + (0 .. n - 1));
    requires separated: z != \null && p != \null ==>
                          \separated(z + (0 .. n - 1), p + (0 .. n - 1));
    assigns p[0 .. n - 1];
    behavior invalid_arguments:
      assumes z == \null || p == \null || n == 0 || n > BHT_SOFTMAX_MAX_N;
      assigns \nothing;
      ensures invalid: \result == BHT_E_INVALID;
    behavior valid_arguments:
      assumes z != \null && p != \null && 0 < n <= BHT_SOFTMAX_MAX_N;
      ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE;
      ensures ok_iff_finite: \result == BHT_OK <==> all_finite(z, n);
      ensures result_in_unit: \result == BHT_OK ==>
        \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
    complete behaviors;
    disjoint behaviors;
*/
bht_status bht_softmax_logits(size_t n, const double *z, double *p)
{
    if (!z || !p || n == 0 || n > BHT_SOFTMAX_MAX_N)
        return BHT_E_INVALID;
    /*@ loop invariant index: 0 <= i <= n;
        loop invariant prefix_finite: all_finite(z, i);
        loop assigns i;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++)
        if (!finite_double(z[i]))
            return BHT_E_NONFINITE;
    softmax_source src = {z, NULL, NULL, 0};
    softmax_core(n, &src, p);
    return BHT_OK;
}

/*@ requires valid_A: A != \null ==> \valid_read(A + (0 .. n * d - 1));
    requires valid_x: x != \null ==> \valid_read(x + (0 .. d - 1));
    requires valid_p: p != \null ==> \valid(p + (0 .. n - 1));
    requires separated: A != \null && x != \null && p != \null ==>
      \separated(A + (0 .. n * d - 1), p + (0 .. n - 1))
      && \separated(x + (0 .. d - 1), p + (0 .. n - 1));
    assigns p[0 .. n - 1];
    behavior invalid_arguments:
      assumes A == \null || x == \null || p == \null || n == 0 || d == 0
              || n > BHT_SOFTMAX_MAX_N || d > BHT_SOFTMAX_MAX_N;
      assigns \nothing;
      ensures invalid: \result == BHT_E_INVALID;
    behavior valid_arguments:
      assumes A != \null && x != \null && p != \null && 0 < n <= BHT_SOFTMAX_MAX_N
              && 0 < d <= BHT_SOFTMAX_MAX_N;
      ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE;
      ensures ok_inputs_finite: \result == BHT_OK ==> all_finite(A, n * d) && all_finite(x, d);
      ensures nonfinite_input: \result == BHT_E_NONFINITE ==>
        (\exists integer j; 0 <= j < d && !\is_finite(x[j]))
        || (\exists integer k; 0 <= k < n * d && !\is_finite(A[k]));
      ensures result_in_unit: \result == BHT_OK ==>
        \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
    complete behaviors;
    disjoint behaviors;
*/
bht_status bht_softmax(size_t n, size_t d, const double *A, const double *x, double *p)
{
    /* n, d <= 2^28 already keep n * d * sizeof(double) far from SIZE_MAX (a
     * run-time test of it could never fail, and WP's smoke test flags it). */
    _Static_assert(BHT_SOFTMAX_MAX_N <= SIZE_MAX / sizeof(double) / BHT_SOFTMAX_MAX_N,
                   "n * d * sizeof(double) must not wrap");
    if (!A || !x || !p || n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N
        || d > BHT_SOFTMAX_MAX_N)
        return BHT_E_INVALID;
    //@ assert no_wrap: n * d <= SIZE_MAX / sizeof(double);
    /*@ loop invariant index: 0 <= j <= d;
        loop invariant prefix_finite: all_finite(x, j);
        loop assigns j;
        loop variant d - j;
    */
    for (size_t j = 0; j < d; j++)
        if (!finite_double(x[j])) {
            //@ assert nonfinite: !\is_finite(x[j]);
            return BHT_E_NONFINITE;
        }
    /*@ loop invariant index: 0 <= k <= n * d;
        loop invariant prefix_finite: all_finite(A, k);
        loop assigns k;
        loop variant n * d - k;
    */
    for (size_t k = 0; k < n * d; k++)
        if (!finite_double(A[k])) {
            //@ assert nonfinite: !\is_finite(A[k]);
            return BHT_E_NONFINITE;
        }
    softmax_source src = {NULL, A, x, d};
    softmax_core(n, &src, p);
    return BHT_OK;
}
