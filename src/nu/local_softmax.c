/* local_softmax.c: double kernel for the softmax local analysis (bht.h):
 * nu = Var_p(M x), the local constant nu / 8 and dq/deps = p (g - <p, g>). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bht.h"
#include "core/dd_elementary.h"
#include "core/dd_leaves.h"
#include "core/dd_round_nonneg.h"
#include "softmax/softmax_dd.h"
#include "nu/local_softmax_exact.h"
#include "core/work_alloc.h"
#include "core/xbound.h"

static bht_status check_inputs(size_t n, size_t d, const double *A, const double *M,
                               const double *x)
{
    if (!A || !M || !x || !bht__softmax_shape_ok(n, d, 4))
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

/* The contract is on the declaration (dd_round_nonneg.h), proved by the
 * kernels unit from dd_round_scaled's leaf contract (D5, dd_leaves.h). */
double bht__round_scaled_nonneg(double hi, double lo, int scale)
{
    return dd_round_scaled(hi, lo, scale);
}

/* Final stage: nu = RN((vh + vl) 2^E) and the local constant nu / 8
 * (spec/nu.h), each one rounding of the dd sum (K1). */
/*@ requires valid_out: \valid(out);
    requires sum_nonneg: dd_nonneg_normalized(vh, vl);
    requires exponent: -999997 <= E <= 1000000;
    assigns out->nu, out->local_constant, errno;
    ensures nu_nonneg: !\is_NaN(out->nu) && out->nu >= 0.0;
    ensures local_constant_nonneg:
      !\is_NaN(out->local_constant) && out->local_constant >= 0.0;
    ensures nu_rounded: \is_finite(out->nu) ==> out->nu == rn(nu_softmax(vh, vl, E));
    ensures local_constant_rounded: \is_finite(out->local_constant) ==>
      out->local_constant == rn(local_constant_softmax(vh, vl, E));
*/
static void store_nu(bht_local_result *out, double vh, double vl, int E)
{
    out->nu = bht__round_scaled_nonneg(vh, vl, E);
    out->local_constant = bht__round_scaled_nonneg(vh, vl, E - 3);
}

/* The exact path (local_softmax_exact.c): nu through the proved store_nu. */
static bht_status exact_path(size_t n, size_t d, const double *A, const double *M,
                             const double *x, bht_local_result *out, double *derivative,
                             size_t *uncertified)
{
    double vh, vl;
    int E;
    bht_status s = bht_nu_softmax_exact(n, d, A, M, x, &vh, &vl, &E, derivative, uncertified);
    if (s == BHT_OK)
        store_nu(out, vh, vl, E);
    return s;
}

/* The derivative component p_i dev_i = RN(2^pe (p mantissa) (dh + dl)):
 * one dd product, one rounding (proofs/kernels: spec/nu.h,
 * nu_derivative_value). */
/*@ requires p_operand: dd_operand(ph, pl);
    requires dev_operand: dd_operand(dh, dl) && \abs(ph * dh) <= 0x1p1000;
    requires exponent: -1000000 <= pe <= 1000000;
    assigns errno;
    ensures component: \result == rn(nu_derivative_value(ph, pl, pe, dh, dl));
*/
static double derivative_component(double ph, double pl, int pe, double dh, double dl)
{
    double uh, ul;
    dd_mul(ph, pl, dh, dl, &uh, &ul);
    return dd_round_scaled_signed(uh, ul, pe);
}

/* The term p_i dev_i^2 of nu as a dd mantissa (th + tl) with exponent te:
 * dev_i = (dh + dl) 2^e with dh in [1/2, 1), p_i = (ph + pl) 2^pe
 * (proofs/kernels: spec/nu.h, nu_term_of). */
/*@ requires valid: \valid(th) && \valid(tl) && \valid(te) &&
                    \separated(th, tl, te);
    requires exponents: -1000000 <= pe <= 1000000 && -1000000 <= e <= 1000000;
    assigns *th, *tl, *te;
    ensures term: nu_term_of(*th, *tl, *te, ph, pl, pe, dh, dl, e);
*/
static void nu_term(double ph, double pl, int pe, double dh, double dl, int e, double *th,
                    double *tl, int *te)
{
    double uh, ul;
    dd_mul(dh, dl, dh, dl, &uh, &ul);
    dd_mul(ph, pl, uh, ul, th, tl);
    *te = pe + 2 * e;
}

/* Algorithm (fast path): p in double-double with separate exponents (Dot2
 * logits, shift by the dd maximum, dd exponential, dd sum and quotient;
 * relative error < 2^-62 plus the shifted logits' Dot2 error, no
 * underflow), g'_i = (M_i - M_m) x with m the largest p (exact row
 * differences, Dot2), so a common row offset cancels exactly (the paper's
 * invariance); then <p, g'>, deviations dev_i = g'_i - <p, g'>, p_i dev_i
 * and nu = sum p_i dev_i^2 in dd, each rounded once.
 * Bound (a posteriori, xbound.h): with eps_p the relative error of p and
 * gerr_i Dot2's bound for g'_i, <p, g'> errs by at most mean_err =
 * sum p_i gerr_i + (2 eps_p + 3 n 2^-106) sum p_i |g'_i| (the cancellation
 * in <p, g'> makes this large against a small dev_i: found by issue 12),
 * dev_i by e_i = gerr_i + mean_err + 2^-100 |dev_i|.  A derivative component
 * is certified when e_i <= 2^-55 |dev_i| and eps_p <= 2^-57, nu when
 * sum p_i (2 |dev_i| e_i + e_i^2) + (4 eps_p + 3 n 2^-106) nu <= 2^-54 nu:
 * each then within 1 ulp.  Anything else (and any input beyond the affine
 * range) goes to the exact path, which certifies 1 ulp or refuses
 * (BHT_E_RANGE). */
bht_status bht_nu_softmax_explained(size_t n, size_t d, const double *A, const double *M,
                                    const double *x, bht_local_result *out,
                                    double *derivative, size_t *uncertified)
{
    if (!out)
        return BHT_E_INVALID;
    bht_status status = check_inputs(n, d, A, M, x);
    if (status == BHT_E_RANGE)
        return exact_path(n, d, A, M, x, out, derivative, uncertified);
    if (status != BHT_OK)
        return status;
    double *work;
    int *ex;
    if (bht__work_alloc(7 * n, 2 * n, &work, &ex) != BHT_OK)
        return BHT_E_NOMEM;
    double *ph = work, *pl = work + n, *gh = work + 2 * n, *gl = work + 3 * n;
    double *th = work + 4 * n, *tl = work + 5 * n, *gerr = work + 6 * n;
    int *pe = ex, *te = ex + n;

    /* p in dd with separate exponents (no underflow); m the most probable row */
    size_t m = bht_softmax_dd(n, d, A, x, ph, pl, pe);

    /* g'_i = (M_i - M_m) x, and the mean <p, g'> */
    double mh = 0.0, ml = 0.0;
    int certified = 1;
    /* Dot2 error bound of each g'_i: gamma_2d^2 sum |terms| (Ogita, Rump,
     * Oishi 2005, Prop. 5.5; 2d terms: the exact row difference in two
     * parts), plus underflow */
    const double gamma = 2.0 * (double)d * 0x1p-53;
    for (size_t i = 0; i < n; i++) {
        bht_dot_difference_dd(d, M + i * d, M + m * d, x, &gh[i], &gl[i]);
        certified &= fabs(gh[i]) + fabs(gl[i]) <= 0x1p1000 / (double)n;
        double terms = 0.0;
        for (size_t k = 0; k < d; k++)
            terms += fabs(M[i * d + k] - M[m * d + k]) * fabs(x[k]);
        gerr[i] = 1.5 * gamma * gamma * terms * (1.0 + 0x1p-40) + 0x1p-1000;
        certified &= gerr[i] < INFINITY;
    }
    /* beyond 2^1000 / n (or a difference that overflowed) the dd sums could
     * overflow: the exact path has no such limit */
    for (size_t i = 0; certified && i < n; i++) {
        double uh, ul;
        dd_mul(ph[i], pl[i], gh[i], gl[i], &uh, &ul);
        dd_add(mh, ml, ldexp(uh, pe[i]), ldexp(ul, pe[i]), &mh, &ml);
    }
    /* eps_p: the relative error of p (softmax_dd.h), from the Dot2 error of
     * the shifted logits (a logit error e moves p_i by a factor within
     * e^(+-2e)) */
    double logit_err = 0.0;
    for (size_t i = 0; certified && i < n; i++) {
        double terms = 0.0;
        for (size_t k = 0; k < d; k++)
            terms += fabs(A[i * d + k] - A[m * d + k]) * fabs(x[k]);
        logit_err = fmax(logit_err, 1.5 * gamma * gamma * terms * (1.0 + 0x1p-40));
    }
    const double eps_p = 0x1p-62 + 3.0 * logit_err;
    certified &= eps_p <= 0x1p-57; /* NaN too */
    /* mean_err; rows below the dd softmax's floor (ph = 0, p_i < e^-1600
     * < 2^-2308) count with p_i = 2^-2308, terms lost to underflow in the
     * scaled-back sum with 2^-1074 each */
    xbound mean_err = xb_make((double)n, -1074), s1 = {0.0, 0};
    const xbound p_floor = xb_make(1.0, -2308);
    for (size_t i = 0; certified && i < n; i++) {
        xbound p_i = ph[i] != 0.0 ? xb_make(ph[i] * (1.0 + 0x1p-50), pe[i]) : p_floor;
        mean_err = xb_add(mean_err, xb_mul(p_i, xb_make(gerr[i], 0)));
        s1 = xb_add(s1, xb_mul(p_i, xb_make(fabs(gh[i]) * (1.0 + 0x1p-50), 0)));
    }
    const xbound rel_sum = xb_add(xb_make(2.0 * eps_p, 0), xb_make(3.0 * (double)n, -106));
    mean_err = xb_add(mean_err, xb_mul(s1, rel_sum));
    /* deviations, the derivative and the terms p_i dev_i^2, each as a dd
     * mantissa with an exponent (dev scaled to [1/2, 1) before squaring) */
    xbound nu_err = {0.0, 0};
    for (size_t i = 0; certified && i < n; i++) {
        double dh, dl;
        dd_add(gh[i], gl[i], -mh, -ml, &dh, &dl);
        xbound dev = xb_make(dh, 0);
        xbound e_i = xb_add(xb_add(xb_make(gerr[i], 0), mean_err), xb_mul(dev, xb_make(1.0, -100)));
        xbound dev_low = xb_make(dh * (1.0 - 0x1p-50), 0);
        if (derivative) {
            if (ph[i] != 0.0 && !xb_le(e_i, xb_mul(dev_low, xb_make(1.0, -55))))
                certified = 0;
            if (ph[i] == 0.0) { /* |p_i dev_i| < 2^-2308 2^1001: a zero */
                derivative[i] = xb_le(e_i, dev_low) && dh < 0.0 ? -0.0 : 0.0;
            } else {
                derivative[i] = derivative_component(ph[i], pl[i], pe[i], dh, dl);
            }
        }
        xbound p_i = ph[i] != 0.0 ? xb_make(ph[i] * (1.0 + 0x1p-50), pe[i]) : p_floor;
        xbound twice_dev = xb_add(xb_mul(dev, xb_make(2.0, 0)), e_i);
        nu_err = xb_add(nu_err, xb_mul(p_i, xb_mul(twice_dev, e_i)));
        if (ph[i] == 0.0) /* the term itself: at most p_floor (|dev| + e_i)^2 */
            nu_err = xb_add(nu_err, xb_mul(p_floor, xb_mul(xb_add(dev, e_i), xb_add(dev, e_i))));
        int e = 0;
        (void)frexp(dh, &e);
        dh = ldexp(dh, -e);
        dl = ldexp(dl, -e);
        nu_term(ph[i], pl[i], pe[i], dh, dl, e, &th[i], &tl[i], &te[i]);
    }
    double vh = 0.0, vl = 0.0;
    int E = 0;
    if (certified) {
        dd_sum_scaled(n, th, tl, te, &vh, &vl, &E);
        xbound nu_abs = xb_make(vh, E);
        nu_err = xb_add(nu_err, xb_mul(nu_abs, xb_add(xb_make(4.0 * eps_p, 0),
                                                      xb_make(3.0 * (double)n + 8.0, -106))));
        certified = xb_le(nu_err, xb_mul(xb_make(vh * (1.0 - 0x1p-50), E), xb_make(1.0, -54)))
                    && vh >= 0.0 && isfinite(ldexp(vh, E - 3));
    }
    free(ex);
    free(work);
    if (!certified)
        return exact_path(n, d, A, M, x, out, derivative, uncertified);
    store_nu(out, vh, vl, E);
    return BHT_OK;
}

bht_status bht_nu_softmax(size_t n, size_t d, const double *A, const double *M,
                          const double *x, bht_local_result *out, double *derivative)
{
    return bht_nu_softmax_explained(n, d, A, M, x, out, derivative, NULL);
}
