/* local_softmax.c: double kernel for the softmax local analysis (bht.h):
 * nu = Var_p(M x), the local constant nu / 8 and dq/deps = p (g - <p, g>). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bht.h"
#include "dd_elementary.h"
#include "dd_round_nonneg.h"
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

/* K1 (dd_round_nonneg.h): the contract is on the declaration. */
double round_scaled_nonneg(double hi, double lo, int scale)
{
    return dd_round_scaled(hi, lo, scale);
}

/* Final stage: nu = RN((vh + vl) 2^E) and the local constant nu / 8. */
/*@ requires valid_out: \valid(out);
    requires sum_nonneg: \is_finite(vh) && vh >= 0.0 && \is_finite(vl);
    requires exponent: -999997 <= E <= 1000000;
    assigns out->nu, out->local_constant;
    ensures nu_nonneg: !\is_NaN(out->nu) && out->nu >= 0.0;
    ensures local_constant_nonneg:
      !\is_NaN(out->local_constant) && out->local_constant >= 0.0;
*/
static void store_nu(bht_local_result *out, double vh, double vl, int E)
{
    out->nu = round_scaled_nonneg(vh, vl, E);
    out->local_constant = round_scaled_nonneg(vh, vl, E - 3);
}

/* Algorithm: p in double-double with separate exponents (Dot2 logits, shift
 * by the dd maximum, dd exponential, dd sum and quotient; relative error
 * < 2^-63, no underflow), g'_i =
 * (M_i - M_m) x with m the largest p (exact row differences, Dot2), so a
 * common row offset cancels exactly (the paper's invariance); then <p,g'>,
 * deviations g'_i - <p,g'> and nu = sum p_i dev_i^2 in dd, each rounded once.
 * Bound: relative error ~2^-62 plus the cancellation in dev_i, amplified by
 * sum p_i |g'_i| |dev_i| / nu; an a-posteriori bound (Dot2's error in g',
 * propagated to nu) refuses with BHT_E_RANGE above 2^-56 nu; the tests
 * assert 16 ulp. */
bht_status bht_nu_softmax(size_t n, size_t d, const double *A, const double *M,
                          const double *x, bht_local_result *out, double *derivative)
{
    if (!out)
        return BHT_E_INVALID;
    bht_status status = check_inputs(n, d, A, M, x);
    if (status != BHT_OK)
        return status;
    double *work = malloc(7 * n * sizeof *work);
    int *ex = malloc(2 * n * sizeof *ex);
    if (!work || !ex) {
        free(work);
        free(ex);
        return BHT_E_NOMEM;
    }
    double *ph = work, *pl = work + n, *gh = work + 2 * n, *gl = work + 3 * n;
    double *th = work + 4 * n, *tl = work + 5 * n, *gerr = work + 6 * n;
    int *pe = ex, *te = ex + n;

    /* p in dd with separate exponents (no underflow); m the most probable row */
    size_t m = bht_softmax_dd(n, d, A, x, ph, pl, pe);

    /* g'_i = (M_i - M_m) x, and the mean <p, g'> (terms scaled back to 2^0:
     * any underflow there is far below the mean's own rounding) */
    double mh = 0.0, ml = 0.0;
    int too_large = 0;
    /* Dot2 error bound of each g'_i: gamma_2d^2 sum |terms| (Ogita, Rump,
     * Oishi 2005, Prop. 5.5; 2d terms: the exact row difference in two
     * parts), plus underflow */
    const double gamma = 2.0 * (double)d * 0x1p-53;
    for (size_t i = 0; i < n; i++) {
        bht_dot_difference_dd(d, M + i * d, M + m * d, x, &gh[i], &gl[i]);
        too_large |= !(fabs(gh[i]) + fabs(gl[i]) <= 0x1p1000 / (double)n);
        double terms = 0.0;
        for (size_t k = 0; k < d; k++)
            terms += fabs(M[i * d + k] - M[m * d + k]) * fabs(x[k]);
        gerr[i] = 1.5 * gamma * gamma * terms * (1.0 + 0x1p-40) + 0x1p-1000;
        too_large |= !(gerr[i] < INFINITY);
    }
    /* max |g'| bounds the mean and every deviation by 2 max |g'|: beyond
     * 2^1000 / n (or a difference that overflowed) the dd sums could
     * overflow -- found by fuzzing; the oracle has no such limit */
    if (too_large) {
        free(ex);
        free(work);
        return BHT_E_RANGE;
    }
    for (size_t i = 0; i < n; i++) {
        double uh, ul;
        dd_mul(ph[i], pl[i], gh[i], gl[i], &uh, &ul);
        dd_add(mh, ml, ldexp(uh, pe[i]), ldexp(ul, pe[i]), &mh, &ml);
    }
    /* deviations and the terms p_i dev_i^2, each as a
     * dd mantissa with an exponent (dev scaled to [1/2, 1) before squaring) */
    for (size_t i = 0; i < n; i++) {
        double dh, dl, uh, ul;
        dd_add(gh[i], gl[i], -mh, -ml, &dh, &dl);
        int e = 0;
        (void)frexp(dh, &e);
        dh = ldexp(dh, -e);
        dl = ldexp(dl, -e);
        dd_mul(dh, dl, dh, dl, &uh, &ul);
        dd_mul(ph[i], pl[i], uh, ul, &th[i], &tl[i]);
        te[i] = pe[i] + 2 * e;
    }
    double vh, vl;
    int E;
    dd_sum_scaled(n, th, tl, te, &vh, &vl, &E);
    /* a-posteriori check (found by fuzzing: Dot2 loses g'_i when the terms
     * cancel by far more than 2^106): with e_i >= |error of dev_i| (the
     * g' bounds, the mean's share of them, and the dd rounding of dev_i),
     * |error of nu| <= sum p_i (2 |dev_i| e_i + e_i^2), plus the effect of
     * the logits' error on p; refuse above 2^-56 nu, i.e. well inside the
     * 16 ulp budget */
    double mean_err = 0.0, mean_abs = fabs(mh), logit_err = 0.0;
    for (size_t i = 0; i < n; i++) { /* Dot2 error of the shifted logits */
        double terms = 0.0;
        for (size_t k = 0; k < d; k++)
            terms += fabs(A[i * d + k] - A[m * d + k]) * fabs(x[k]);
        logit_err = fmax(logit_err, 1.5 * gamma * gamma * terms * (1.0 + 0x1p-40));
    }
    for (size_t i = 0; i < n; i++)
        mean_err += ldexp(ph[i], pe[i]) * gerr[i];
    double nu_err = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dev = fabs(gh[i]) + mean_abs; /* >= |dev_i| */
        double e = gerr[i] + mean_err + 0x1p-100 * dev;
        if (ph[i] != 0.0)
            nu_err += ldexp(ph[i], pe[i]) * (2.0 * dev * e + e * e);
    }
    double nu_approx = ldexp(vh, E);
    /* a logit error e changes each p_i by a factor within e^(+-2e).  The
     * relative test is made on the scaled sum and the logit part on its
     * own, so that it still means something when nu overflows binary64
     * (found by fuzzing: nu = +inf made "nu_err <= 2^-56 nu" true whatever
     * the error; logits ~2^665 whose exact difference 0 came out as 4.4
     * gave p = (0.988, 0.012) instead of (1/2, 1/2) and derivative
     * components 21 times too small) */
    const double logit_part = 5.0 * logit_err; /* relative error of nu from p */
    const int relative_ok = logit_part <= 0x1p-57 && vh > 0.0
                            && ldexp(nu_err, -E) <= 0x1p-57 * vh;
    nu_err += logit_part * nu_approx;
    /* p itself must be certified in every case: with a large logit error a
     * computed p_i = 0 may be 1/2 (found by fuzzing: two rows tied at
     * logits ~2^310, the tie lost to Dot2's 2^205 error, p = (0, 1) and
     * nu = 0 accepted through the absolute test for nu = 2^63.4) */
    if (!(logit_part <= 0x1p-57 && (relative_ok || nu_err <= 0x1p-1000))) { /* NaN too */
        free(ex);
        free(work);
        return BHT_E_RANGE;
    }
    for (size_t i = 0; derivative && i < n; i++) { /* p_i dev_i, written on success only */
        double dh, dl, uh, ul;
        dd_add(gh[i], gl[i], -mh, -ml, &dh, &dl);
        dd_mul(ph[i], pl[i], dh, dl, &uh, &ul);
        derivative[i] = dd_round_scaled_signed(uh, ul, pe[i]);
    }
    store_nu(out, vh, vl, E);
    free(ex);
    free(work);
    return BHT_OK;
}
