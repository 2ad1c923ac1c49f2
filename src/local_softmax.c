/* local_softmax.c: double kernel for the softmax local analysis (bht.h):
 * nu = Var_p(M x), the local constant nu / 8 and dq/deps = p (g - <p, g>). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bht.h"
#include "dd_elementary.h"

/* Below this shifted logit p_i < 2^-1076: it is taken as 0 (its share of
 * every sum below is under 2^-1076 |g|, far below the budget). */
#define SHIFTED_LOGIT_FLOOR (-746.0)

/* sum_k (a_k - b_k) x_k in dd, with a_k - b_k exact as a TwoSum pair and the
 * products and sum compensated (Dot2, Ogita-Rump-Oishi 2005) over the 2d
 * terms: error <= gamma_2d^2 sum_k |(a_k - b_k) x_k| (+ underflow).  b may be
 * NULL (then it is the plain Dot2 of a and x). */
static void dot_difference_dd(size_t d, const double *a, const double *b, const double *x,
                              double *hi, double *lo)
{
    double sh = 0.0, sl = 0.0;
    for (size_t k = 0; k < d; k++) {
        double dl = 0.0;
        double dh = b ? two_sum(a[k], -b[k], &dl) : a[k];
        double pl, el, ql;
        double ph = two_prod(dh, x[k], &pl);
        sh = two_sum(sh, ph, &el);
        sl += el + pl;
        double qh = two_prod(dl, x[k], &ql);
        sh = two_sum(sh, qh, &el);
        sl += el + ql;
    }
    *hi = fast_two_sum(sh, sl, lo);
}

/* |v| < 2^(exponent of v) for the range check (0 gives 0). */
static int exponent_of(double v)
{
    int e = 0;
    (void)frexp(v, &e);
    return e;
}

/* Every |m_ik x_k| and |a_ik x_k| below 2^(1018 - ceil log2 d): all partial
 * sums, differences of rows and logits stay finite. */
static bht_status check_inputs(size_t n, size_t d, const double *A, const double *M,
                               const double *x)
{
    if (!A || !M || !x || n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N || d > BHT_SOFTMAX_MAX_N
        || n > SIZE_MAX / sizeof(double) / d / 4)
        return BHT_E_INVALID;
    int bits = 0;
    while (bits < 62 && ((size_t)1 << bits) < d)
        bits++;
    const int limit = 1018 - bits;
    for (size_t k = 0; k < d; k++)
        if (!isfinite(x[k]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]) || !isfinite(M[k]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++) {
        int ex = exponent_of(x[k % d]);
        if (exponent_of(A[k]) + ex > limit || exponent_of(M[k]) + ex > limit)
            return BHT_E_RANGE;
    }
    return BHT_OK;
}

/* Algorithm: p in double-double (Dot2 logits, shift by the dd maximum, dd
 * exponential, dd sum and quotient; relative error < 2^-63), g'_i =
 * (M_i - M_m) x with m the largest p (exact row differences, Dot2), so a
 * common row offset cancels exactly (the paper's invariance); then <p,g'>,
 * deviations g'_i - <p,g'> and nu = sum p_i dev_i^2 in dd, each rounded once.
 * Bound: relative error ~2^-62 plus the cancellation in dev_i, amplified by
 * sum p_i |g'_i| |dev_i| / nu; the tests assert 16 ulp. */
bht_status bht_nu_softmax(size_t n, size_t d, const double *A, const double *M,
                          const double *x, bht_local_result *out, double *derivative)
{
    if (!out)
        return BHT_E_INVALID;
    bht_status status = check_inputs(n, d, A, M, x);
    if (status != BHT_OK)
        return status;
    double *work = malloc(4 * n * sizeof *work);
    if (!work)
        return BHT_E_NOMEM;
    double *ph = work, *pl = work + n, *gh = work + 2 * n, *gl = work + 3 * n;

    /* logits (kept in gh/gl for now) and their dd maximum */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        dot_difference_dd(d, A + i * d, NULL, x, &gh[i], &gl[i]);
        if (gh[i] > gh[m] || (gh[i] == gh[m] && gl[i] > gl[m]))
            m = i;
    }
    double sh = 0.0, sl = 0.0;
    for (size_t i = 0; i < n; i++) {
        double th, tl, dl, el, eh;
        double dh = two_sum(gh[i], -gh[m], &dl);
        eh = two_sum(gl[i], -gl[m], &el);
        dd_add(dh, dl, eh, el, &th, &tl);
        ph[i] = pl[i] = 0.0;
        if (th < SHIFTED_LOGIT_FLOOR)
            continue;
        double xh, xl;
        int scale;
        bht_dd_exp(th, tl, &xh, &xl, &scale);
        ph[i] = ldexp(xh, scale);
        pl[i] = ldexp(xl, scale);
        dd_add(sh, sl, ph[i], pl[i], &sh, &sl);
    }
    for (size_t i = 0; i < n; i++)
        if (ph[i] != 0.0)
            dd_div(ph[i], pl[i], sh, sl, &ph[i], &pl[i]);

    /* g'_i = (M_i - M_m) x, and the mean <p, g'> */
    double mh = 0.0, ml = 0.0;
    for (size_t i = 0; i < n; i++) {
        dot_difference_dd(d, M + i * d, M + m * d, x, &gh[i], &gl[i]);
        double th, tl;
        dd_mul(ph[i], pl[i], gh[i], gl[i], &th, &tl);
        dd_add(mh, ml, th, tl, &mh, &ml);
    }
    double vh = 0.0, vl = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dh, dl, th, tl;
        dd_add(gh[i], gl[i], -mh, -ml, &dh, &dl);
        dd_mul(ph[i], pl[i], dh, dl, &th, &tl);
        if (derivative)
            derivative[i] = th; /* th = RN(th + tl): rounded once */
        dd_mul(th, tl, dh, dl, &th, &tl);
        dd_add(vh, vl, th, tl, &vh, &vl);
    }
    out->nu = vh;
    out->local_constant = dd_round_scaled(vh, vl, -3);
    free(work);
    return BHT_OK;
}
