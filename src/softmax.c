/* softmax.c: double kernels for p = softmax(z) and p = softmax(A x)
 * (paper Def. 2.6).  See bht.h for the interface. */
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

/* Shared core.  Algorithm: (1) logits in double-double, (2) shift by the
 * largest logit (double-double comparison, so every shifted logit is <= 0),
 * (3) S = sum exp(t_j) with the double-double exponential and accurate dd
 * additions, (4) p_i = exp(t_i) / S in dd, rounded once to binary64.
 * Bound: the dd quotient has relative error < 2^-64 (exp 2^-66, n <= 2^28 dd
 * additions 2^-77, division 2^-102) and is rounded once (subnormals too), so
 * p_i is within 0.5 + 2^-11 ulp of the exact value: the 2-ulp budget holds
 * with room.  Logits from A x add the Dot2 error of dot_dd. */
static void softmax_core(size_t n, const softmax_source *src, double *p)
{
    double mh, ml;
    logit_dd(src, 0, &mh, &ml);
    for (size_t i = 1; i < n; i++) {
        double zh, zl;
        logit_dd(src, i, &zh, &zl);
        if (zh > mh || (zh == mh && zl > ml)) {
            mh = zh;
            ml = zl;
        }
    }

    double sum_hi = 0.0, sum_lo = 0.0;
    for (size_t i = 0; i < n; i++) {
        double zh, zl, th, tl, eh, el;
        int scale;
        logit_dd(src, i, &zh, &zl);
        shifted_logit(zh, zl, mh, ml, &th, &tl);
        if (th < SHIFTED_LOGIT_FLOOR)
            continue;
        bht_dd_exp(th, tl, &eh, &el, &scale);
        dd_add(sum_hi, sum_lo, ldexp(eh, scale), ldexp(el, scale), &sum_hi, &sum_lo);
    }

    for (size_t i = 0; i < n; i++) {
        double zh, zl, th, tl, eh, el, qh, ql;
        int scale;
        logit_dd(src, i, &zh, &zl);
        shifted_logit(zh, zl, mh, ml, &th, &tl);
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

static bht_status classify_logit(double v)
{
    if (fabs(v) <= BHT_SOFTMAX_MAX_LOGIT)
        return BHT_OK;
    return (isnan(v) || isinf(v)) ? BHT_E_NONFINITE : BHT_E_RANGE;
}

bht_status bht_softmax_logits(size_t n, const double *z, double *p)
{
    if (!z || !p || n == 0 || n > BHT_SOFTMAX_MAX_N)
        return BHT_E_INVALID;
    bht_status worst = BHT_OK;
    for (size_t i = 0; i < n; i++) {
        bht_status s = classify_logit(z[i]);
        if (s == BHT_E_NONFINITE)
            return s;
        if (s != BHT_OK)
            worst = s;
    }
    if (worst != BHT_OK)
        return worst;
    softmax_source src = {z, NULL, NULL, 0};
    softmax_core(n, &src, p);
    return BHT_OK;
}

/* Smallest L with 2^L >= d. */
static int ceil_log2(size_t d)
{
    int bits = 0;
    while (bits < 63 && ((size_t)1 << bits) < d)
        bits++;
    return bits;
}

/* |v| < 2^exponent_bound(v) (0 for v == 0 gives the bound 1). */
static int exponent_bound(double v)
{
    int e = 0;
    (void)frexp(v, &e);
    return e;
}

bht_status bht_softmax(size_t n, size_t d, const double *A, const double *x, double *p)
{
    if (!A || !x || !p || n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N
        || d > BHT_SOFTMAX_MAX_N || n > SIZE_MAX / sizeof(double) / d)
        return BHT_E_INVALID;
    for (size_t j = 0; j < d; j++)
        if (!isfinite(x[j]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]))
            return BHT_E_NONFINITE;
    /* Every |a_ij x_j| < 2^(1019 - ceil(log2 d)), so every partial sum of the
     * dot product and every logit stays below 2^1019 (no overflow anywhere). */
    const int product_exponent_limit = 1019 - ceil_log2(d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (exponent_bound(A[i * d + j]) + exponent_bound(x[j]) > product_exponent_limit)
                return BHT_E_RANGE;
    softmax_source src = {NULL, A, x, d};
    softmax_core(n, &src, p);
    return BHT_OK;
}
