/* local_softmax.c: double kernel for the softmax local analysis (bht.h):
 * nu = Var_p(M x), the local constant nu / 8 and dq/deps = p (g - <p, g>). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bht.h"
#include "dd_elementary.h"
#include "softmax_dd.h"

static bht_status check_inputs(size_t n, size_t d, const double *A, const double *M,
                               const double *x)
{
    if (!A || !M || !x || n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N || d > BHT_SOFTMAX_MAX_N
        || n > SIZE_MAX / sizeof(double) / d / 4)
        return BHT_E_INVALID;
    bht_status s = bht_check_affine_range(n, d, A, x);
    if (s == BHT_OK)
        s = bht_check_affine_range(n, d, M, x);
    if (s == BHT_E_RANGE) /* a NaN in M reported before a range issue in A */
        for (size_t k = 0; k < n * d; k++)
            if (!isfinite(M[k]))
                return BHT_E_NONFINITE;
    return s;
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

    /* p in dd; m is the most probable row */
    size_t m = bht_softmax_dd(n, d, A, x, ph, pl);

    /* g'_i = (M_i - M_m) x, and the mean <p, g'> */
    double mh = 0.0, ml = 0.0;
    for (size_t i = 0; i < n; i++) {
        bht_dot_difference_dd(d, M + i * d, M + m * d, x, &gh[i], &gl[i]);
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
