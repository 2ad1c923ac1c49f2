/* softmax.c: double kernels for p = softmax(z) and p = softmax(A x)
 * (paper Def. 2.6).  See bht.h for the interface. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include "bht.h"
#include "dd.h"
#include "dd_exp.h"

/* Shifted logits below this give p_i < 2^-1075 (since the sum S >= 1 - 2^-50),
 * which rounds to +0: no exponential is needed. */
#define SHIFTED_LOGIT_FLOOR (-746.0)

/* Where the logits come from: either z (lo parts zero) or the rows of A x. */
typedef struct softmax_source {
    const double *z;
    const double *A;
    const double *x;
    size_t d;
} softmax_source;

/* z_i = (A x)_i as hi + lo by the compensated dot product Dot2 of Ogita,
 * Rump & Oishi (SIAM J. Sci. Comput. 26(6), 2005) with the final sum left
 * unevaluated: |hi + lo - z_i| <= gamma_d^2 sum_j |a_ij x_j| (+ d 2^-1074
 * when products underflow), gamma_d = d u / (1 - d u), u = 2^-53. */
static void dot_dd(size_t d, const double *a, const double *x, double *hi, double *lo)
{
    double sh = 0.0, sl = 0.0;
    for (size_t j = 0; j < d; j++) {
        double pl, el;
        double ph = two_prod(a[j], x[j], &pl);
        sh = two_sum(sh, ph, &el);
        sl += el + pl;
    }
    *hi = fast_two_sum(sh, sl, lo);
}

static void logit_dd(const softmax_source *src, size_t i, double *hi, double *lo)
{
    if (src->z) {
        *hi = src->z[i];
        *lo = 0.0;
    } else {
        dot_dd(src->d, src->A + i * src->d, src->x, hi, lo);
    }
}

/* t_i = z_i - max z as a double-double: both differences are exact
 * (TwoSum), then one accurate dd addition (relative error <= 3u^2). */
static void shifted_logit(double zh, double zl, double mh, double ml, double *th, double *tl)
{
    double dl, el;
    double dh = two_sum(zh, -mh, &dl);
    double eh = two_sum(zl, -ml, &el);
    dd_add(dh, dl, eh, el, th, tl);
}

/* sum_j (a_j - b_j) x_j with the row differences exact (TwoSum), every
 * product exact (TwoProduct) and the error terms themselves accumulated with
 * TwoSum into a third word (a K-fold sum with K = 3, Ogita-Rump-Oishi 2005,
 * Sec. 6): the result hi + lo is within *bound of the exact value, where the
 * bound is computed a posteriori from the third word (its additions round by
 * at most u times its running magnitude) plus the final renormalisation
 * and products that underflow (2^-1074 each). */
static void dot3_difference(size_t d, const double *a, const double *b, const double *x,
                            double *hi, double *lo, double *bound)
{
    double sh = 0.0, sl = 0.0, se = 0.0, running = 0.0;
    for (size_t j = 0; j < d; j++) {
        double dl, dh = two_sum(a[j], -b[j], &dl);
        double parts[2] = {dh, dl};
        for (int k = 0; k < 2; k++) {
            double pl, e1, e2, e3;
            double ph = two_prod(parts[k], x[j], &pl);
            sh = two_sum(sh, ph, &e1);
            sl = two_sum(sl, e1, &e2);
            sl = two_sum(sl, pl, &e3);
            se += e2 + e3;
            running += fabs(se) + fabs(e2) + fabs(e3);
        }
    }
    double e4, ml = two_sum(sl, se, &e4);
    *hi = fast_two_sum(sh, ml, lo);
    *bound = 0x1p-52 * running + fabs(e4) + 0x1p-104 * (fabs(*hi) + fabs(*lo))
             + 4.0 * (double)d * 0x1p-1074;
}

/* t_i for row i against the largest row m.  Logits z: z_i - z_m as above.
 * A x: dot3_difference of the rows i and m, so a common part of the two
 * rows, however large, cancels exactly; its a posteriori error bound is
 * checked by affine_logits_accurate before the core runs. */
static void shifted_logit_of(const softmax_source *src, size_t i, size_t m, double mh,
                             double ml, double *th, double *tl)
{
    if (src->z) {
        shifted_logit(src->z[i], 0.0, mh, ml, th, tl);
        return;
    }
    double bound;
    dot3_difference(src->d, src->A + i * src->d, src->A + m * src->d, src->x, th, tl, &bound);
}

/* The largest row of A x: a first guess from the Dot2 logits, then the row
 * with the largest accurate difference to it (dot3_difference), so that no
 * shifted logit is positive beyond the rounding of dot3_difference even when
 * Dot2 cannot separate two huge logits. */
static size_t affine_argmax(size_t n, size_t d, const double *A, const double *x)
{
    double mh, ml;
    size_t m = 0;
    dot_dd(d, A, x, &mh, &ml);
    for (size_t i = 1; i < n; i++) {
        double zh, zl;
        dot_dd(d, A + i * d, x, &zh, &zl);
        if (zh > mh || (zh == mh && zl > ml)) {
            mh = zh;
            ml = zl;
            m = i;
        }
    }
    size_t best = m;
    double bh = 0.0, bl = 0.0;
    for (size_t i = 0; i < n; i++) {
        double th, tl, bound;
        dot3_difference(d, A + i * d, A + m * d, x, &th, &tl, &bound);
        if (th > bh || (th == bh && tl > bl)) {
            bh = th;
            bl = tl;
            best = i;
        }
    }
    return best;
}

/* Shared core.  Algorithm: (1) logits in double-double, (2) shift by the
 * largest logit (double-double comparison, so every shifted logit is <= 0),
 * (3) S = sum exp(t_j) with the double-double exponential and accurate dd
 * additions, (4) p_i = exp(t_i) / S in dd, rounded once to binary64.
 * Bound: the dd quotient has relative error < 2^-64 (exp 2^-66, n <= 2^28 dd
 * additions 2^-77, division 2^-102) and is rounded once (subnormals too), so
 * p_i is within 0.5 + 2^-11 ulp of the exact value: the 2-ulp budget holds
 * with room.  For A x the shifted logits come from exact row differences
 * (shifted_logit_of) with an error below 2^-67, checked beforehand. */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires valid_src: \valid_read(src);
    requires valid_p: \valid(p + (0 .. n - 1));
    requires separated_src: \separated(src, p + (0 .. n - 1));
    requires logits: src->z != \null ==>
        \valid_read(src->z + (0 .. n - 1)) && all_finite_in(src->z, n, 0x1p1020)
        && \separated(src->z + (0 .. n - 1), p + (0 .. n - 1));
    requires matrix: src->z == \null ==>
        1 <= src->d <= BHT_SOFTMAX_MAX_N
        && \valid_read(src->A + (0 .. n * src->d - 1))
        && \valid_read(src->x + (0 .. src->d - 1))
        && \separated(src->A + (0 .. n * src->d - 1), p + (0 .. n - 1))
        && \separated(src->x + (0 .. src->d - 1), p + (0 .. n - 1))
        && products_checked(src->A, src->x, n, src->d);
    assigns p[0 .. n - 1];
    ensures result_in_unit: \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
*/
static void softmax_core(size_t n, const softmax_source *src, double *p)
{
    double mh, ml;
    size_t mrow = 0;
    logit_dd(src, 0, &mh, &ml);
    for (size_t i = 1; i < n; i++) {
        double zh, zl;
        logit_dd(src, i, &zh, &zl);
        if (zh > mh || (zh == mh && zl > ml)) {
            mh = zh;
            ml = zl;
            mrow = i;
        }
    }
    if (!src->z)
        mrow = affine_argmax(n, src->d, src->A, src->x);

    double sum_hi = 0.0, sum_lo = 0.0;
    for (size_t i = 0; i < n; i++) {
        double th, tl, eh, el;
        int scale;
        shifted_logit_of(src, i, mrow, mh, ml, &th, &tl);
        if (th < SHIFTED_LOGIT_FLOOR)
            continue;
        bht_dd_exp(th, tl, &eh, &el, &scale);
        dd_add(sum_hi, sum_lo, ldexp(eh, scale), ldexp(el, scale), &sum_hi, &sum_lo);
    }

    for (size_t i = 0; i < n; i++) {
        double th, tl, eh, el, qh, ql;
        int scale;
        shifted_logit_of(src, i, mrow, mh, ml, &th, &tl);
        if (th < SHIFTED_LOGIT_FLOOR) {
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

/*@ assigns \nothing;
    ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE || \result == BHT_E_RANGE;
    ensures ok_in_range: \result == BHT_OK ==> finite_in(v, 0x1p1020);
*/
static bht_status classify_logit(double v)
{
    /* Plain comparisons (false for NaN) instead of fabs/isnan/isinf: same
     * results, and no libc call whose Frama-C contract requires finiteness. */
    if (v >= -BHT_SOFTMAX_MAX_LOGIT && v <= BHT_SOFTMAX_MAX_LOGIT) {
        //@ assert finite: \is_finite(v);
        //@ assert upper: v <= 0x1p1020;
        //@ assert lower: v >= -0x1p1020;
        return BHT_OK;
    }
    return (v != v || v > DBL_MAX || v < -DBL_MAX) ? BHT_E_NONFINITE : BHT_E_RANGE;
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
      ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE
                      || \result == BHT_E_RANGE;
      ensures ok_inputs_in_range: \result == BHT_OK ==> all_finite_in(z, n, 0x1p1020);
      ensures result_in_unit: \result == BHT_OK ==>
        \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
    complete behaviors;
    disjoint behaviors;
*/
bht_status bht_softmax_logits(size_t n, const double *z, double *p)
{
    if (!z || !p || n == 0 || n > BHT_SOFTMAX_MAX_N)
        return BHT_E_INVALID;
    bht_status worst = BHT_OK;
    /*@ loop invariant index: 0 <= i <= n;
        loop invariant worst_kind: worst == BHT_OK || worst == BHT_E_RANGE;
        loop invariant prefix_in_range: worst == BHT_OK ==> all_finite_in(z, i, 0x1p1020);
        loop assigns i, worst;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        bht_status s = classify_logit(z[i]);
        if (s == BHT_E_NONFINITE)
            return s;
        if (s != BHT_OK)
            worst = s;
    }
    if (worst != BHT_OK)
        return worst;
    //@ assert inputs_in_range: all_finite_in(z, n, 0x1p1020);
    softmax_source src = {z, NULL, NULL, 0};
    softmax_core(n, &src, p);
    return BHT_OK;
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

/* Smallest L with 2^L >= d. */
/*@ assigns \nothing;
    ensures range: 0 <= \result <= 63;
*/
static int ceil_log2(size_t d)
{
    int bits = 0;
    /*@ loop invariant range: 0 <= bits <= 63;
        loop assigns bits;
        loop variant 63 - bits;
    */
    while (bits < 63 && ((size_t)1 << bits) < d)
        bits++;
    return bits;
}

/* |v| < 2^exponent_bound(v) (0 for v == 0 gives the bound 1).  Frama-C's
 * frexp contract does not bound the exponent: the range is trusted here
 * (frexp of a finite double; proofs/TRUSTED_BASE.md). */
/*@ requires finite: \is_finite(v);
    assigns \nothing;
    admit ensures frexp_exponent_range: -1073 <= \result <= 1024;
*/
static int exponent_bound(double v)
{
    int e = 0;
    (void)frexp(v, &e);
    return e;
}

/* Lemma function (ghost): a < b ==> (a + 1) c <= b c for naturals (the
 * next row of a row-major n-by-d matrix still lies inside it). */
/*@ ghost
  /@ requires 0 <= a < b && 0 <= c;
     assigns \nothing;
     ensures next_row: (a + 1) * c <= b * c;
  @/
  static void next_row_inside(size_t a, size_t b, size_t c)
  {
    /@ assert gap: b - a >= 1; @/
    /@ assert gap_times_c: (b - a) * c >= c; @/
    /@ assert distrib: (b - a) * c == b * c - a * c; @/
  }
*/

/* 1 when every |a_ij x_j| < 2^(1019 - ceil(log2 d)): then every partial sum
 * of the dot product and every logit stays below 2^1019 (no overflow
 * anywhere).  The link from frexp exponents to the magnitude of the products
 * is trusted (proofs/TRUSTED_BASE.md, "products_checked"). */
/*@ requires dims: 1 <= n <= BHT_SOFTMAX_MAX_N && 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires no_wrap: n * d <= SIZE_MAX / sizeof(double);
    requires valid_A: \valid_read(A + (0 .. n * d - 1)) && all_finite(A, n * d);
    requires valid_x: \valid_read(x + (0 .. d - 1)) && all_finite(x, d);
    assigns \nothing;
    admit ensures products_checked: \result != 0 ==> products_checked(A, x, n, d);
*/
static int products_in_range(size_t n, size_t d, const double *A, const double *x)
{
    const int product_exponent_limit = 1019 - ceil_log2(d);
    /*@ loop invariant row: 0 <= i <= n;
        loop assigns i;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        //@ ghost next_row_inside(i, n, d);
        //@ assert row_end: (i + 1) * d <= n * d;
        /*@ loop invariant column: 0 <= j <= d;
            loop assigns j;
            loop variant d - j;
        */
        for (size_t j = 0; j < d; j++) {
            //@ assert index: i * d + j < n * d;
            if (exponent_bound(A[i * d + j]) + exponent_bound(x[j]) > product_exponent_limit)
                return 0;
        }
    }
    return 1;
}

/* Can the shifted logits of A x be formed well enough?  Same argmax as the
 * core, then every row whose shifted logit may exceed -746 (where p_i can
 * be nonzero) needs the a posteriori bound of dot3_difference below 2^-67;
 * otherwise the double kernel refuses (BHT_E_RANGE: cancellation beyond its
 * accuracy, e.g. logits near 2^200 that differ by 40) and the oracle must be
 * used. */
/*@ assigns \nothing;
    ensures boolean: \result == 0 || \result == 1;
*/
static int affine_logits_accurate(size_t n, size_t d, const double *A, const double *x)
{
    size_t m = affine_argmax(n, d, A, x);
    for (size_t i = 0; i < n; i++) {
        double th, tl, bound;
        dot3_difference(d, A + i * d, A + m * d, x, &th, &tl, &bound);
        /* written so that NaN (a row difference overflowing, e.g.
         * DBL_MAX - (-DBL_MAX) with a tiny x) refuses as well */
        if (!(bound <= 0x1p-67) && !(th + bound < -746.0))
            return 0;
        if (!(th <= 0x1p-60)) /* m is the largest row up to rounding */
            return 0;
    }
    return 1;
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
      ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE
                      || \result == BHT_E_RANGE;
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
        if (!finite_double(x[j]))
            return BHT_E_NONFINITE;
    /*@ loop invariant index: 0 <= k <= n * d;
        loop invariant prefix_finite: all_finite(A, k);
        loop assigns k;
        loop variant n * d - k;
    */
    for (size_t k = 0; k < n * d; k++)
        if (!finite_double(A[k]))
            return BHT_E_NONFINITE;
    if (!products_in_range(n, d, A, x) || !affine_logits_accurate(n, d, A, x))
        return BHT_E_RANGE;
    softmax_source src = {NULL, A, x, d};
    softmax_core(n, &src, p);
    return BHT_OK;
}
