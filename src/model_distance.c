/* model_distance.c: Hellinger and TV distances between two softmax models
 * at one query, computed from the parameters (bht.h). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bht.h"
#include "dd_elementary.h"
#include "softmax_dd.h"

/* Above this |log(q_i/p_i)| a term is formed from p_i and q_i directly:
 * sqrt(q/p) differs from 1 by more than e^{1/4} - 1, so nothing cancels. */
#define LOG_RATIO_DIRECT_ABOVE 0.5

/* (sqrt p - sqrt q)^2 from dd p, q as ((p - q) / (sqrt p + sqrt q))^2. */
static void direct_hellinger_term(double ph, double pl, double qh, double ql, double *th,
                                  double *tl)
{
    double dh, dl, sph, spl, sqh, sql, sh, sl, rh, rl;
    dd_add(ph, pl, -qh, -ql, &dh, &dl);
    dd_sqrt(ph, pl, &sph, &spl);
    dd_sqrt(qh, ql, &sqh, &sql);
    dd_add(sph, spl, sqh, sql, &sh, &sl);
    if (sh == 0.0) {
        *th = *tl = 0.0;
        return;
    }
    dd_div(dh, dl, sh, sl, &rh, &rl);
    dd_mul(rh, rl, rh, rl, th, tl);
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
        if (!isfinite(s1) || !isfinite(s2) || !isfinite(g))
            return 0;
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
    if (!A || !B || !x || n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N || d > BHT_SOFTMAX_MAX_N
        || n > SIZE_MAX / sizeof(double) / d / 6)
        return BHT_E_INVALID;
    bht_status s = bht_check_affine_range(n, d, A, x);
    bht_status t = bht_check_affine_range(n, d, B, x);
    if (s == BHT_E_NONFINITE || t == BHT_E_NONFINITE)
        return BHT_E_NONFINITE;
    return s != BHT_OK ? s : t;
}

/* Algorithm: p = softmax(Ax), q = softmax(Bx) in dd (bht_softmax_dd);
 * u_i = ((B_i - A_i) x) in dd from exact row differences (Dot2), w_i = u_i -
 * u_m (m the most probable row of P), L = log(sum p_j e^{w_j}) = log1p(sum
 * p_j expm1(w_j)), delta_i = log(q_i/p_i) = w_i - L.  Close models give small
 * w and L computed to dd accuracy, so H^2 = 1/2 sum p_i expm1(delta_i/2)^2
 * and TV = 1/2 sum p_i |expm1(delta_i)| keep full relative accuracy where
 * p - q would cancel; terms with |delta_i| > 1/2 use p_i, q_i directly.
 * Bound: relative error about 2^-58 (the dd exponential and log1p), as
 * checked against the oracle with an 8-ulp budget. */
bht_status bht_distance_softmax(size_t n, size_t d, const double *A, const double *B,
                                const double *x, bht_distances *out)
{
    if (!out)
        return BHT_E_INVALID;
    bht_status status = check_models(n, d, A, B, x);
    if (status != BHT_OK)
        return status;
    double *work = malloc(10 * n * sizeof *work);
    int *ex = malloc(4 * n * sizeof *ex);
    if (!work || !ex) {
        free(work);
        free(ex);
        return BHT_E_NOMEM;
    }
    double *ph = work, *pl = work + n, *qh = work + 2 * n, *ql = work + 3 * n;
    double *wh = work + 4 * n, *wl = work + 5 * n;
    double *hth = work + 6 * n, *htl = work + 7 * n, *vth = work + 8 * n, *vtl = work + 9 * n;
    int *pe = ex, *qe = ex + n, *hte = ex + 2 * n, *vte = ex + 3 * n;
    size_t m = bht_softmax_dd(n, d, A, x, ph, pl, pe);
    (void)bht_softmax_dd(n, d, B, x, qh, ql, qe);

    double uh, ul;
    bht_dot_difference_dd(d, B + m * d, A + m * d, x, &uh, &ul);
    double sh = 0.0, sl = 0.0;
    const double gamma8 = 8.0 * (double)d * 0x1p-53;
    double werr = 0.0; /* error bound of the w_i of the rows with p_i > 0 */
    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        double vh, vl, eh, el, th, tl, terms;
        if (dot_difference_of_differences(d, B + i * d, A + i * d, B + m * d, A + m * d, x,
                                          &wh[i], &wl[i], &terms)) {
            if (ph[i] != 0.0)
                werr = fmax(werr, 3.0 * gamma8 * gamma8 * terms * (1.0 + 0x1p-40));
        } else {
            bht_dot_difference_dd(d, B + i * d, A + i * d, x, &vh, &vl);
            dd_add(vh, vl, -uh, -ul, &wh[i], &wl[i]);
            if (ph[i] != 0.0)
                werr = INFINITY; /* not bounded here: left to the checks below */
        }
        if (wh[i] > 700.0) {
            status = BHT_E_RANGE; /* q_i / p_i beyond e^700 */
            break;
        }
        if (wh[i] != 0.0 && fabs(wh[i]) < 0x1p-960) {
            status = BHT_E_RANGE; /* log-ratios in the subnormal range lose
                                   * the dd precision (found by fuzzing) */
            break;
        }
        if (ph[i] == 0.0)
            continue;
        dd_expm1_dd(wh[i], wl[i], &eh, &el);
        dd_mul(ph[i], pl[i], eh, el, &th, &tl);
        dd_add(sh, sl, ldexp(th, pe[i]), ldexp(tl, pe[i]), &sh, &sl);
    }
    if (status == BHT_OK) {
        /* a-posteriori check (found by fuzzing): each (B_i - A_i) x by Dot2
         * carries up to gamma_2d^2 sum_k |b_ik - a_ik| |x_k| (Ogita, Rump,
         * Oishi 2005); above 2^-52 of the spread of the log-ratios w_i, H and
         * TV are not certified -- unless the rows of B - A are identical
         * (then every w_i is exactly 0: the same model) */
        const double gamma = 2.0 * (double)d * 0x1p-53;
        double err = 0.0, wmin = INFINITY, wmax = -INFINITY;
        int same_rows = 1;
        for (size_t i = 0; i < n; i++) {
            double terms = 0.0;
            for (size_t k = 0; k < d; k++) { /* exact differences compared */
                double el, e0;
                double diff = two_sum(B[i * d + k], -A[i * d + k], &el);
                double diff0 = two_sum(B[k], -A[k], &e0);
                terms += fabs(diff) * fabs(x[k]);
                same_rows &= diff == diff0 && el == e0;
            }
            if (terms > 0.0) /* terms = 0: the dot product is exact */
                err = fmax(err, 3.0 * gamma * gamma * terms * (1.0 + 0x1p-40) + 0x1p-1000);
            wmin = fmin(wmin, wh[i]);
            wmax = fmax(wmax, wh[i]);
        }
        if (!same_rows && !(err <= 0x1p-52 * (wmax - wmin)))
            status = BHT_E_RANGE;
    }
    if (same_rows_of_difference(n, d, A, B))
        werr = 0.0; /* every w_i is exactly 0 */
    if (status != BHT_OK) {
        free(work);
        free(ex);
        return status;
    }
    double Lh, Ll;
    dd_log1p(sh, sl, &Lh, &Ll);

    /* Terms as dd mantissas with exponents (no underflow), summed by
     * dd_sum_scaled. */
    for (size_t i = 0; i < n; i++) {
        double dh, dl, uh2, ul2;
        dd_add(wh[i], wl[i], -Lh, -Ll, &dh, &dl);
        if (ph[i] == 0.0 || fabs(dh) > LOG_RATIO_DIRECT_ABOVE) {
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
    free(work);
    free(ex);
    /* a-posteriori check on the result (found by fuzzing, see
     * dot_difference_of_differences: the spread check above passed on the
     * negligible rows, and H^2 = TV = 0 came out for TV = 1.4e-5).  An error
     * e in the w_i of the rows with p_i > 0 moves TV by at most 2 e (sum p
     * e^delta = 1) and H^2 by at most e sqrt(2 H^2) (Cauchy-Schwarz); both
     * must stay below 2^-53 of the value. */
    if (werr > 0.0) {
        int ok = vh > 0.0 && hh > 0.0;
        if (ok) {
            int ev = ilogb(vh) + Ve - 1, eh = ilogb(hh) + He - 1; /* TV, H^2 in [2^e, 2^(e+1)) */
            int ew = isfinite(werr) ? ilogb(werr) : INT_MAX / 4;
            /* 2 werr <= 2^-53 TV and werr sqrt(2 H^2) <= 2^-53 H^2, on exponents
             * with one binade of margin each */
            ok = ew + 2 <= ev - 53 && 2 * (ew + 2) <= eh - 106;
        }
        if (!ok)
            return BHT_E_RANGE;
    }
    out->hellinger2 = dd_round_scaled(hh, hl, He - 1);
    out->tv = dd_round_scaled(vh, vl, Ve - 1);
    out->hellinger = 0.0;
    if (hh > 0.0) {
        /* H = sqrt((hh + hl) 2^(He-1)): make the exponent even first */
        int k = He - 1;
        if (k & 1) {
            hh *= 2.0;
            hl *= 2.0;
            k -= 1;
        }
        double rh, rl;
        dd_sqrt(hh, hl, &rh, &rl);
        out->hellinger = dd_round_scaled(rh, rl, k / 2);
    }
    return BHT_OK;
}
