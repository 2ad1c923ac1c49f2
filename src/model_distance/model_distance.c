/* model_distance.c: Hellinger and TV distances between two softmax models
 * at one query, computed from the parameters (bht.h). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bht.h"
#include "core/dd_elementary.h"
#include "core/dd_leaves.h"
#include "model_distance/model_distance_stages.h"
#include "softmax/softmax_dd.h"
#include "core/work_alloc.h"
#include "core/xbound.h"

/* Above this |log(q_i/p_i)| a term is formed from p_i and q_i directly:
 * sqrt(q/p) differs from 1 by more than e^{1/4} - 1, so nothing cancels. */
#define LOG_RATIO_DIRECT_ABOVE 0.5

/* (sqrt p - sqrt q)^2 from dd p, q as ((p - q) / (sqrt p + sqrt q))^2.
 * Proved (proofs/kernels): the pair is direct_term_of (spec/model_distance.h),
 * i.e. each dd primitive gets the operands of that formula; each primitive's
 * error bound is its leaf (D1-D4 of proofs/TRUSTED_BASE.md). */
/*@ requires valid: \valid(th) && \valid(tl) && \separated(th, tl);
    requires p_range: \is_finite(ph) && 0.0 <= ph <= 4.0 && \is_finite(pl) && \abs(pl) <= ph;
    requires q_range: \is_finite(qh) && 0.0 <= qh <= 4.0 && \is_finite(ql) && \abs(ql) <= qh;
    assigns *th, *tl, errno;
    ensures term: direct_term_of(*th, *tl, ph, pl, qh, ql);
*/
static void direct_hellinger_term(double ph, double pl, double qh, double ql, double *th,
                                  double *tl)
{
    double dh, dl, sph, spl, sqh, sql, sh, sl, rh, rl;
    dd_add(ph, pl, -qh, -ql, &dh, &dl);
    dd_sqrt(ph, pl, &sph, &spl);
    dd_sqrt(qh, ql, &sqh, &sql);
    //@ assert roots: dd_operand(sph, spl) && dd_operand(sqh, sql);
    dd_add(sph, spl, sqh, sql, &sh, &sl);
    //@ assert sum_finite: \is_finite(sh) && \is_finite(sl);
    //@ assert s_pair: sh == direct_s_hi(ph, pl, qh, ql) && sl == direct_s_lo(ph, pl, qh, ql);
    if (sh == 0.0) {
        *th = *tl = 0.0;
        return;
    }
    dd_div(dh, dl, sh, sl, &rh, &rl);
    //@ assert r_pair: rh == direct_r_hi(ph, pl, qh, ql) && rl == direct_r_lo(ph, pl, qh, ql);
    dd_mul(rh, rl, rh, rl, th, tl);
}

/* ------------------------------------------- final stage (proofs/kernels)
 * The output stage of bht_distance_softmax.  The sums come as dd mantissas
 * with an exponent: H^2 = (hh + hl) 2^(He-1), TV = (vh + vl) 2^(Ve-1). */

/* RN(2^scale (hi + lo)) (dd_round_scaled) when hi 2^scale <= 1: finite, in
 * [0, 1], and RN(2^scale (hi + lo)) for a normalized pair.  Proved from the
 * leaf contract of dd_round_scaled (D5 of proofs/TRUSTED_BASE.md,
 * src/core/dd_leaves.h).  ldexp may set errno. */
/*@ requires hi_nonneg: \is_finite(hi) && hi >= 0.0;
    requires lo_finite: \is_finite(lo);
    requires scale_range: -1000000 <= scale <= 1000000;
    requires unit: hi * \pow(2.0, scale) <= 1.0;
    assigns errno;
    ensures unit: \is_finite(\result) && 0.0 <= \result <= 1.0;
    ensures rounded: dd_normalized(hi, lo) ==> \result == rn(dd_scaled(hi, lo, scale));
*/
static double round_scaled_unit(double hi, double lo, int scale)
{
    return dd_round_scaled(hi, lo, scale);
}

/* H = RN(sqrt((hh + hl) 2^scale)) for hh > 0: the exponent made even, the
 * dd square root, one rounding.  Proved: `root_rounded`, the result is RN
 * of hellinger_root_value (spec/model_distance.h) from the leaves dd_sqrt
 * (D4) and dd_round_scaled (D5).  Leaf facts trusted (K3, tested against
 * MPFR in tests/proofs/test_trusted_kernels.c): for a normalized pair with
 * hh 2^scale <= 1 the result is finite, in [0, 1] and within the root's
 * budget of sqrt((hh + hl) 2^scale) (spec/model_distance.h).  (hh <= 2^60:
 * the caller's hh is a sum of at most n terms below 1; 2 hh must not
 * overflow.) */
/*@ requires hh_pos: \is_finite(hh) && 0.0 < hh <= 0x1p60;
    requires hl_normalized: \is_finite(hl) && \abs(hl) <= 0x1p-53 * hh;
    requires scale_range: -1000000 <= scale <= 1000000;
    requires unit: hh * \pow(2.0, scale) <= 1.0;
    assigns errno;
    admit ensures unit: \is_finite(\result) && 0.0 <= \result <= 1.0;
    admit ensures root: hellinger_of(\result, dd_scaled(hh, hl, scale));
    ensures root_rounded: \is_finite(\result) ==>
      \result == rn(hellinger_root_value(hh, hl, scale));
*/
static double softmax_hellinger_root(double hh, double hl, int scale)
{
    /* H = sqrt((hh + hl) 2^scale): make the exponent even first */
    int k = scale;
    if (k % 2 != 0) {
        hh *= 2.0;
        hl *= 2.0;
        k -= 1;
        //@ assert doubled_range: 0.0 <= hh <= 0x1p61;
    }
    double rh, rl;
    dd_sqrt(hh, hl, &rh, &rl);
    return dd_round_scaled(rh, rl, k / 2);
}

/* Stores H^2 = RN((hh + hl) 2^(He-1)), H and TV = RN((vh + vl) 2^(Ve-1))
 * (spec/model_distance.h). */
/*@ requires valid_out: \valid(out);
    requires h2_sum: \is_finite(hh) && 0.0 <= hh <= 0x1p60 && \is_finite(hl)
                     && \abs(hl) <= 0x1p-53 * hh && dd_normalized(hh, hl);
    requires tv_sum: dd_nonneg_normalized(vh, vl);
    requires exponents: -100000 <= He <= 100000 && -100000 <= Ve <= 100000;
    requires h2_unit: hh * \pow(2.0, He - 1) <= 1.0;
    requires tv_unit: vh * \pow(2.0, Ve - 1) <= 1.0;
    assigns out->hellinger2, out->hellinger, out->tv, errno;
    ensures hellinger2_unit: \is_finite(out->hellinger2) && 0.0 <= out->hellinger2 <= 1.0;
    ensures hellinger_unit: \is_finite(out->hellinger) && 0.0 <= out->hellinger <= 1.0;
    ensures tv_unit: \is_finite(out->tv) && 0.0 <= out->tv <= 1.0;
    ensures hellinger2_rounded: out->hellinger2 == rn(softmax_models_h2(hh, hl, He));
    ensures tv_rounded: out->tv == rn(softmax_models_tv(vh, vl, Ve));
    ensures hellinger_root: hh > 0.0 ==>
      hellinger_of(out->hellinger, softmax_models_h2(hh, hl, He));
    ensures hellinger_rounded: hh > 0.0 ==>
      out->hellinger == rn(hellinger_root_value(hh, hl, He - 1));
    ensures hellinger_zero: hh == 0.0 ==> out->hellinger == 0.0;
*/
static void store_distances_softmax(bht_distances *out, double hh, double hl, int He, double vh,
                                    double vl, int Ve)
{
    out->hellinger2 = round_scaled_unit(hh, hl, He - 1);
    out->tv = round_scaled_unit(vh, vl, Ve - 1);
    out->hellinger = 0.0;
    if (hh > 0.0)
        out->hellinger = softmax_hellinger_root(hh, hl, He - 1);
}

/* w = ((B_i - A_i) - (B_m - A_m)) x in dd by Dot2 over the exact four-part
 * expansion of each difference of differences, so that columns where the
 * two rows of B - A agree contribute nothing (found by fuzzing: |x| ~ 2^828
 * with the two most probable rows tied in that column; u_i - u_m from two
 * separate dot products lost their difference 0.1 entirely).  *terms gets
 * sum_k |c_ik| |x_k| (for the error bound gamma^2 terms, gamma = 8 d u);
 * returns 0 when some partial difference overflows (the caller then uses
 * the two separate dot products). */
static int dot_difference_of_differences(size_t d, const double *bi, const double *ai,
                                         const double *bm, const double *am, const double *x,
                                         double *wh, double *wl, double *terms)
{
    double sh = 0.0, sl = 0.0, t = 0.0;
    for (size_t k = 0; k < d; k++) {
        double e1, e2, f, h;
        double s1 = two_sum(bi[k], -ai[k], &e1);
        double s2 = two_sum(bm[k], -am[k], &e2);
        double g = two_sum(s1, -s2, &f);
        double c = two_sum(e1, -e2, &h);
        if (!(isfinite(s1) && isfinite(e1) && isfinite(s2) && isfinite(e2) && isfinite(g)
              && isfinite(f) && isfinite(c) && isfinite(h)))
            return 0; /* (TwoSum's error term is NaN when s - a overflows) */
        const double part[4] = {g, f, c, h};
        for (int j = 0; j < 4; j++) {
            double pl, el;
            double ph = two_prod(part[j], x[k], &pl);
            sh = two_sum(sh, ph, &el);
            sl += el + pl;
            t += fabs(part[j]) * fabs(x[k]);
        }
    }
    *wh = fast_two_sum(sh, sl, wl);
    *terms = t;
    return 1;
}

/* The error of bht_dot_difference_dd(d, a, b, x) (softmax_dd.c), computed
 * a posteriori: that Dot2 is exact except for the two roundings per part
 * in "sl += el + pl"; the same operations are redone here with two_sum,
 * whose error terms are exact, and their magnitudes summed (plus 2^-1074
 * per product for a low part lost to underflow).  +inf when a difference
 * overflows even halved. */
static double dot_difference_error(size_t d, const double *a, const double *b, const double *x)
{
    double sh = 0.0, sl = 0.0, err = 0.0;
    for (size_t k = 0; k < d; k++) {
        double dl = 0.0, xk = x[k];
        double dh = two_sum(a[k], -b[k], &dl);
        if (!(isfinite(dh) && isfinite(dl))) { /* as in bht_dot_difference_dd */
            dh = two_sum(a[k] / 2.0, -b[k] / 2.0, &dl);
            xk = 2.0 * x[k];
        }
        const double part[2] = {dh, dl};
        for (int j = 0; j < 2; j++) {
            double pl, el, e1, e2;
            double ph = two_prod(part[j], xk, &pl);
            sh = two_sum(sh, ph, &el);
            double t = two_sum(el, pl, &e1);
            sl = two_sum(sl, t, &e2);
            err += fabs(e1) + fabs(e2) + 0x1p-1074;
        }
    }
    return isfinite(sh) && isfinite(sl) ? err : INFINITY;
}

/* Are the rows of B - A all the same (exactly)?  Then every w_i is exactly
 * 0: the same model, P = Q. */
static int same_rows_of_difference(size_t n, size_t d, const double *A, const double *B)
{
    for (size_t i = 1; i < n; i++)
        for (size_t k = 0; k < d; k++) {
            double el, e0;
            double diff = two_sum(B[i * d + k], -A[i * d + k], &el);
            double diff0 = two_sum(B[k], -A[k], &e0);
            if (diff != diff0 || el != e0)
                return 0;
        }
    return 1;
}

static bht_status check_models(size_t n, size_t d, const double *A, const double *B,
                               const double *x)
{
    if (!A || !B || !x || !bht__softmax_shape_ok(n, d, 6))
        return BHT_E_INVALID;
    bht_status s = bht_check_affine_range(n, d, A, x);
    bht_status t = bht_check_affine_range(n, d, B, x);
    if (s == BHT_E_NONFINITE || t == BHT_E_NONFINITE)
        return BHT_E_NONFINITE;
    return s != BHT_OK ? s : t;
}

/* Algorithm: p = softmax(Ax), q = softmax(Bx) in dd (bht_softmax_dd);
 * w_i = ((B_i - A_i) - (B_m - A_m)) x in dd (m the most probable row of P)
 * by Dot2 over the exact expansion of the differences of differences
 * (dot_difference_of_differences), L = log(sum p_j e^{w_j}) = log1p(sum
 * p_j expm1(w_j)), delta_i = log(q_i/p_i) = w_i - L.  Close models give small
 * w and L computed to dd accuracy, so H^2 = 1/2 sum p_i expm1(delta_i/2)^2
 * and TV = 1/2 sum p_i |expm1(delta_i)| keep full relative accuracy where
 * p - q would cancel; terms with |delta_i| > 1/2 use p_i, q_i directly.
 * Bound: relative error about 2^-58 (the dd exponential and log1p), so
 * within 2 ulp of the oracle; a-posteriori checks refuse (BHT_E_RANGE)
 * where the rounding of the logits, of the w_i (relative to their spread
 * and to the result: 2^-55) or of L against TV could exceed it (found by
 * fuzzing, tests/fuzz/fuzz_model_distance.c, and issue 12). */
bht_status bht_distance_softmax(size_t n, size_t d, const double *A, const double *B,
                                const double *x, bht_distances *out)
{
    if (!out)
        return BHT_E_INVALID;
    bht_status status = check_models(n, d, A, B, x);
    if (status != BHT_OK)
        return status;
    double *work;
    int *ex;
    if (bht__work_alloc(12 * n, 4 * n, &work, &ex) != BHT_OK)
        return BHT_E_NOMEM;
    double *ph = work, *pl = work + n, *qh = work + 2 * n, *ql = work + 3 * n;
    double *wh = work + 4 * n, *wl = work + 5 * n;
    double *hth = work + 6 * n, *htl = work + 7 * n, *vth = work + 8 * n, *vtl = work + 9 * n;
    double *perr = work + 10 * n; /* relative error bound of p_i and q_i (logits) */
    double *wbound = work + 11 * n; /* error bound of w_i */
    int *pe = ex, *qe = ex + n, *hte = ex + 2 * n, *vte = ex + 3 * n;
    size_t m = bht_softmax_dd(n, d, A, x, ph, pl, pe);
    size_t mq = bht_softmax_dd(n, d, B, x, qh, ql, qe);
    /* p and q themselves: the error of each shifted logit (A_i - A_m) x
     * (dot_difference_error, a posteriori) is a relative error of p_i; it
     * enters every term of H^2 and TV multiplicatively (and L only through
     * q - p), so its p- and q-weighted mean must stay far below the budget
     * (found by fuzzing: logits ~2^113 whose differences are O(1): H^2 off
     * by 2^-31 and TV by 2^-28, answered as if certified) */
    {
        double rel = 0.0;
        for (size_t i = 0; i < n; i++) {
            double pi = ldexp(ph[i], pe[i]), qi = ldexp(qh[i], qe[i]);
            perr[i] = 0.0;
            if (ph[i] == 0.0 && qh[i] == 0.0)
                continue;
            double ea = dot_difference_error(d, A + i * d, A + m * d, x);
            double eb = dot_difference_error(d, B + i * d, B + mq * d, x);
            perr[i] = 2.0 * (ea + eb);
            rel += (pi + qi) * perr[i];
        }
        for (size_t i = 0; i < n; i++) /* + the normalisation's share */
            perr[i] += rel;
        if (!(rel <= 0x1p-57)) { /* NaN or inf refuses too */
            free(work);
            free(ex);
            return BHT_E_RANGE;
        }
    }

    double uh, ul;
    bht_dot_difference_dd(d, B + m * d, A + m * d, x, &uh, &ul);
    double sh = 0.0, sl = 0.0;
    const double gamma8 = 8.0 * (double)d * 0x1p-53, gamma2 = 2.0 * (double)d * 0x1p-53;
    /* the errors e_i of the w_i of the rows with p_i > 0 (the others take
     * the direct route), weighted by q_i: E1 = sum q_i e_i, E2 = sum q_i e_i^2 */
    /* s_err: bound on the error of s = sum p_j expm1(w_j) (dd_expm1_dd:
     * 2^-100 relative for |w| <= 2^-4, 2^-62 above; dd products and sums) */
    double werr1 = 0.0, werr2 = 0.0;
    xbound s_err = {0.0, 0}, s_abs = {0.0, 0};
    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        double vh, vl, terms, werr;
        hth[i] = htl[i] = 0.0; /* scratch: the terms of s, summed scaled below */
        hte[i] = 0;
        if (dot_difference_of_differences(d, B + i * d, A + i * d, B + m * d, A + m * d, x,
                                          &wh[i], &wl[i], &terms)) {
            werr = 3.0 * gamma8 * gamma8 * terms * (1.0 + 0x1p-40);
        } else { /* u_i - u_m, each by Dot2 (2d products) */
            bht_dot_difference_dd(d, B + i * d, A + i * d, x, &vh, &vl);
            dd_add(vh, vl, -uh, -ul, &wh[i], &wl[i]);
            terms = 0.0;
            for (size_t k = 0; k < d; k++)
                terms += (fabs(B[i * d + k] - A[i * d + k]) + fabs(B[m * d + k] - A[m * d + k]))
                         * fabs(x[k]);
            werr = 3.0 * gamma2 * gamma2 * terms * (1.0 + 0x1p-40) + 0x1p-1000;
        }
        wbound[i] = werr;
        double qi = ldexp(qh[i], qe[i]);
        if (ph[i] != 0.0 && qi > 0.0 && werr > 0.0) {
            werr1 += qi * werr;
            werr2 += qi * werr * werr;
        }
        if (wh[i] != 0.0 && fabs(wh[i]) < 0x1p-960) {
            status = BHT_E_RANGE; /* log-ratios in the subnormal range lose
                                   * the dd precision (found by fuzzing) */
            break;
        }
    }
    /* s = sum p_j expm1(w_j), L = log1p(s) -- unless some w_j > 700 (q_j /
     * p_j beyond e^700: models far apart, once refused; found by the
     * extreme_scaling generator): then L = w_t - log(q_t / p_t) from a row
     * t where p and q are both largest (L = w_i - delta_i for every i), and
     * the rows where p or q lies below the dd floor take the direct route.
     * In the first case the rows with p_j below the floor (left out of s)
     * carry a share q_j < e^(700 - 1600) of sum p e^w, which is bounded. */
    int far = 0;
    for (size_t i = 0; i < n && status == BHT_OK; i++)
        far |= wh[i] > 700.0;
    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        double eh, el, th, tl;
        if (ph[i] == 0.0) {
            if (qh[i] != 0.0)
                s_err = xb_add(s_err, xb_make(2.0 * qh[i], qe[i]));
            continue;
        }
        if (far)
            continue;
        dd_expm1_dd(wh[i], wl[i], &eh, &el);
        dd_mul(ph[i], pl[i], eh, el, &th, &tl);
        s_err = xb_add(s_err, xb_make(th * (fabs(wh[i]) <= 0x1p-4 ? 0x1p-97 : 0x1p-61), pe[i]));
        s_abs = xb_add(s_abs, xb_make(th, pe[i]));
        /* s is summed with exponents: scaled back, tiny terms lost their
         * low parts (golden tcId 600500: TV ~2^-1023 carried by p_2 ~
         * 2^-991).  Each term is normalised first: dd_sum_scaled drops a
         * term by its exponent alone, and p_i expm1(w_i) reaches 2^1010 (a
         * term of 2^965 was dropped: far_apart generator) */
        int e = 0;
        (void)frexp(th, &e);
        hth[i] = ldexp(th, -e);
        htl[i] = ldexp(tl, -e);
        hte[i] = pe[i] + e;
    }
    int Es = 0;
    if (status == BHT_OK) {
        dd_sum_scaled(n, hth, htl, hte, &sh, &sl, &Es);
        /* the dd sum (3 n u^2 of sum |terms|) and the terms it drops (each
         * below 2^-1000 of the largest) */
        s_err = xb_add(s_err, xb_mul(s_abs, xb_make(3.0 * (double)n + 2.0, -106)));
        s_err = xb_add(s_err, xb_make((double)n, Es - 1000));
    }
    if (status == BHT_OK) {
        /* a-posteriori check (found by fuzzing): the errors of the w_i (the
         * bound of the path that formed each) above 2^-52 of the spread of
         * the log-ratios: H and TV are not certified -- unless the rows of
         * B - A are identical (then every w_i is exactly 0: the same model).
         * (This once used the Dot2 bound of (B_i - A_i) x even where w_i came
         * from the exact differences of differences, and so refused B = A +
         * 1 w^T rounded, the same model up to rounding: issue 12.) */
        double err = 0.0, wmin = INFINITY, wmax = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            err = fmax(err, wbound[i]);
            wmin = fmin(wmin, wh[i]);
            wmax = fmax(wmax, wh[i]);
        }
        if (!same_rows_of_difference(n, d, A, B) && !(err <= 0x1p-52 * (wmax - wmin)))
            status = BHT_E_RANGE;
    }
    if (same_rows_of_difference(n, d, A, B))
        werr1 = werr2 = 0.0; /* every w_i is exactly 0 */
    if (status != BHT_OK) {
        free(work);
        free(ex);
        return status;
    }
    /* L = log1p(s); below 2^-900, L = s (relative error < 2^-900) is kept
     * scaled, (Lh + Ll) 2^LE, for the rows whose w_i is 0 (their delta is
     * -L exactly); the other rows have |w_i| >= 2^-960, against which the
     * unscaled L (Luh, Lul) loses at most 2^-1074 */
    double Lh = 0.0, Ll = 0.0, Luh = 0.0, Lul = 0.0;
    int LE = 0;
    size_t top = n; /* far: the row t */
    for (size_t i = 0; far && i < n; i++)
        if (ph[i] != 0.0 && qh[i] != 0.0
            && (top == n || ilogb(ph[i]) + pe[i] + ilogb(qh[i]) + qe[i]
                                > ilogb(ph[top]) + pe[top] + ilogb(qh[top]) + qe[top]))
            top = i;
    if (far) { /* L = w_t - log(qh/ph) - (qe - pe) ln2 (no row t: every row direct) */
        if (top < n) {
            double rh, rl, gh, gl, nl;
            dd_div(qh[top], ql[top], ph[top], pl[top], &rh, &rl);
            dd_add(rh, rl, -1.0, 0.0, &rh, &rl);
            dd_log1p(rh, rl, &gh, &gl);
            const double k = (double)(qe[top] - pe[top]);
            double nh = two_prod(k, 0x1.62e42fefa39efp-1, &nl);
            nl += k * 0x1.abc9e3b39803fp-56;
            dd_add(gh, gl, nh, nl, &gh, &gl);
            dd_add(wh[top], wl[top], -gh, -gl, &Lh, &Ll);
        }
        Luh = Lh;
        Lul = Ll;
    }
    const double perr_t = top < n ? perr[top] : 0.0, wbound_t = top < n ? wbound[top] : 0.0;
    if (!far && (sh == 0.0 || ilogb(sh) + Es >= -900)) {
        dd_log1p(ldexp(sh, Es), ldexp(sl, Es), &Lh, &Ll);
        Luh = Lh;
        Lul = Ll;
    } else if (!far) {
        Lh = sh;
        Ll = sl;
        LE = Es;
        Luh = ldexp(Lh, LE);
        Lul = ldexp(Ll, LE);
    }

    /* Terms as dd mantissas with exponents (no underflow), summed by
     * dd_sum_scaled. */
    for (size_t i = 0; i < n; i++) {
        double dh, dl, uh2, ul2;
        dd_add(wh[i], wl[i], -Luh, -Lul, &dh, &dl);
        if (LE != 0 && ph[i] != 0.0 && wh[i] == 0.0 && wl[i] == 0.0) {
            /* delta = -L, |L| < 2^-900: expm1(-L/2)^2 = L^2/4 and |expm1(-L)|
             * = |L|, each to a relative 2^-900 */
            dd_mul(Lh, Ll, Lh, Ll, &uh2, &ul2);
            dd_mul(ph[i], pl[i], uh2, ul2, &hth[i], &htl[i]);
            hte[i] = pe[i] + 2 * LE - 2;
            dd_mul(ph[i], pl[i], fabs(Lh), Lh < 0.0 ? -Ll : Ll, &vth[i], &vtl[i]);
            vte[i] = pe[i] + LE;
        } else if (ph[i] == 0.0 || fabs(dh) > LOG_RATIO_DIRECT_ABOVE
                   || (far && (qh[i] == 0.0 || top == n))) {
            /* p and q at a common even exponent c; the smaller side may
             * underflow there only when it is negligible against the other */
            int c = pe[i] > qe[i] ? pe[i] : qe[i];
            if (ph[i] == 0.0)
                c = qe[i];
            if (qh[i] == 0.0) /* q below the floor: its exponent is a dummy 0 (fuzzing) */
                c = pe[i];
            c += (c & 1);
            double Ph = ldexp(ph[i], pe[i] - c), Pl = ldexp(pl[i], pe[i] - c);
            double Qh = ldexp(qh[i], qe[i] - c), Ql = ldexp(ql[i], qe[i] - c);
            direct_hellinger_term(Ph, Pl, Qh, Ql, &hth[i], &htl[i]);
            hte[i] = c;
            dd_add(Ph, Pl, -Qh, -Ql, &vth[i], &vtl[i]);
            vte[i] = c;
        } else {
            dd_expm1_dd(0.5 * dh, 0.5 * dl, &uh2, &ul2);
            int e = 0;
            (void)frexp(uh2, &e);
            uh2 = ldexp(uh2, -e);
            ul2 = ldexp(ul2, -e);
            dd_mul(uh2, ul2, uh2, ul2, &uh2, &ul2);
            dd_mul(ph[i], pl[i], uh2, ul2, &hth[i], &htl[i]);
            hte[i] = pe[i] + 2 * e;
            dd_expm1_dd(dh, dl, &uh2, &ul2);
            dd_mul(ph[i], pl[i], uh2, ul2, &vth[i], &vtl[i]);
            vte[i] = pe[i];
        }
        if (vth[i] < 0.0) {
            vth[i] = -vth[i];
            vtl[i] = -vtl[i];
        }
    }
    double hh, hl, vh, vl;
    int He, Ve;
    dd_sum_scaled(n, hth, htl, hte, &hh, &hl, &He);
    dd_sum_scaled(n, vth, vtl, vte, &vh, &vl, &Ve);
    /* p's and q's own errors, term by term: a row can dominate a tiny
     * distance with a tiny p_i whose logit error is large (found by
     * fuzzing: TV ~ 2^-78 carried by p_4 ~ e^-54, whose logit had a Dot2
     * error ~2^6 from columns of size 2^112: TV came out 2^-93).  Each term
     * moves by at most 5 perr_i of itself (the direct route amplifies a
     * relative error of p or q by at most 1 / (1 - e^-1/4) < 5). */
    int terms_ok = 1;
    {
        double hsum = 0.0, vsum = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (perr[i] == 0.0)
                continue;
            if (!(perr[i] <= 0x1p-4)) { /* too large to linearise (NaN too) */
                if (hth[i] != 0.0 || vth[i] != 0.0)
                    terms_ok = 0;
                continue;
            }
            hsum += 5.0 * perr[i] * fabs(ldexp(hth[i], hte[i] - He));
            vsum += 5.0 * perr[i] * fabs(ldexp(vth[i], vte[i] - Ve));
        }
        terms_ok &= hsum <= 0x1p-56 * fabs(hh) && vsum <= 0x1p-56 * fabs(vh);
    }
    free(work);
    free(ex);
    if (!terms_ok)
        return BHT_E_RANGE;
    /* a-posteriori check on the result (found by fuzzing, see
     * dot_difference_of_differences: the spread check above passed on the
     * negligible rows, and H^2 = TV = 0 came out for TV = 1.4e-5).  With
     * errors e_i in the w_i (rows with p_i > 0; L = log sum p_j e^(w_j)
     * then errs by at most sum q_j e_j), TV moves by at most 2 E1 and H^2
     * by at most sqrt(2 H^2) 2 sqrt(E2) (Cauchy-Schwarz, p_i e^delta_i =
     * q_i); both must stay below 2^-53 of the value (exponent tests, one
     * binade of margin; NaN or inf refuses). */
    if (werr1 > 0.0 || werr2 > 0.0) {
        int ok = vh > 0.0 && hh > 0.0 && isfinite(werr1) && isfinite(werr2);
        if (ok) {
            int ev = ilogb(vh) + Ve - 1, eh = ilogb(hh) + He - 1; /* TV, H^2 in [2^e, 2^(e+1)) */
            if (werr1 > 0.0)
                ok &= ilogb(werr1) + 2 <= ev - 55;
            if (werr2 > 0.0) /* sqrt(E2) < 2^((ilogb E2 + 1) / 2) */
                ok &= ilogb(werr2) + 1 + 2 * 3 <= eh - 110;
        }
        if (!ok)
            return BHT_E_RANGE;
    }
    /* the rounding of L = log1p(s), s = sum p_j expm1 w_j (the sum cancels
     * for close models: its error s_err is relative to sum p_j |expm1 w_j|,
     * not to s): L errs by at most s_err / (1 + s) plus log1p's own error
     * (2^-99 |L| for |L| <= 2^-4 -- the Newton step's expm1 series --,
     * else 2^-65), and TV moves by at most half of that (dTV/dL = -(Q(w >
     * L) - Q(w < L))/2), H^2 by H^2/2 times it.  Required: <= 2^-56 TV. */
    if (vh > 0.0 && far) {
        /* L = w_t - delta_t: the errors of w_t, of p_t and q_t (2^-62 and
         * the logits' share perr_t), of log1p (2^-65) and of k ln2 (2^-90) */
        xbound l_err = xb_make(1.0, -59);
        if (top < n)
            l_err = xb_add(l_err, xb_make(2.0 * perr_t + wbound_t, 0));
        if (!(xb_le(l_err, xb_make(vh, Ve - 1 - 55)) || xb_le(l_err, xb_make(1.0, -1077))))
            return BHT_E_RANGE;
    } else if (vh > 0.0) {
        double one_plus_s = 1.0 + ldexp(sh, Es);
        xbound l_err = xb_add(xb_mul(s_err, xb_make(1.0 / one_plus_s * (1.0 + 0x1p-40), 0)),
                              LE != 0                ? xb_make(Lh, LE - 899)
                              : fabs(Lh) <= 0x1p-4 ? xb_make(Lh, -99)
                                                     : xb_make(1.0, -65));
        /* (a subnormal TV needs only 2^-1077 absolute: TV ~ 2^-1343 in
         * fuzz_regression_q_below_the_floor, golden tcId 600500) */
        if (!(one_plus_s > 0.0 && isfinite(1.0 / one_plus_s) && isfinite(l_err.m)
              && (xb_le(l_err, xb_make(vh, Ve - 1 - 55)) || xb_le(l_err, xb_make(1.0, -1077)))))
            return BHT_E_RANGE;
    }
    /* proved (proofs/kernels): H^2, H, TV finite and in [0, 1], given the
     * preconditions of store_distances_softmax (not proved here) */
    store_distances_softmax(out, hh, hl, He, vh, vl, Ve);
    return BHT_OK;
}

/* The stages above under their internal names (model_distance_stages.h). */
double bht__md_round_scaled_unit(double hi, double lo, int scale)
{
    return round_scaled_unit(hi, lo, scale);
}

double bht__md_softmax_hellinger_root(double hh, double hl, int scale)
{
    return softmax_hellinger_root(hh, hl, scale);
}
