/* model_distance.c: Hellinger and TV distances between two softmax models
 * at one query, computed from the parameters (bht.h). */
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
    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        double vh, vl, eh, el, th, tl;
        bht_dot_difference_dd(d, B + i * d, A + i * d, x, &vh, &vl);
        dd_add(vh, vl, -uh, -ul, &wh[i], &wl[i]);
        if (wh[i] > 700.0) {
            status = BHT_E_RANGE; /* q_i / p_i beyond e^700 */
            break;
        }
        if (ph[i] == 0.0)
            continue;
        dd_expm1_dd(wh[i], wl[i], &eh, &el);
        dd_mul(ph[i], pl[i], eh, el, &th, &tl);
        dd_add(sh, sl, ldexp(th, pe[i]), ldexp(tl, pe[i]), &sh, &sl);
    }
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
