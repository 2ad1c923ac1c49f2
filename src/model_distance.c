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
    double *work = malloc(6 * n * sizeof *work);
    if (!work)
        return BHT_E_NOMEM;
    double *ph = work, *pl = work + n, *qh = work + 2 * n, *ql = work + 3 * n;
    double *wh = work + 4 * n, *wl = work + 5 * n;
    size_t m = bht_softmax_dd(n, d, A, x, ph, pl);
    (void)bht_softmax_dd(n, d, B, x, qh, ql);

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
        dd_add(sh, sl, th, tl, &sh, &sl);
    }
    if (status != BHT_OK) {
        free(work);
        return status;
    }
    double Lh, Ll;
    dd_log1p(sh, sl, &Lh, &Ll);

    double hh = 0.0, hl = 0.0, vh = 0.0, vl = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dh, dl, th, tl, uh2, ul2;
        dd_add(wh[i], wl[i], -Lh, -Ll, &dh, &dl);
        if (ph[i] == 0.0 || fabs(dh) > LOG_RATIO_DIRECT_ABOVE) {
            direct_hellinger_term(ph[i], pl[i], qh[i], ql[i], &th, &tl);
            dd_add(hh, hl, th, tl, &hh, &hl);
            dd_add(ph[i], pl[i], -qh[i], -ql[i], &th, &tl);
        } else {
            dd_expm1_dd(0.5 * dh, 0.5 * dl, &uh2, &ul2);
            dd_mul(uh2, ul2, uh2, ul2, &th, &tl);
            dd_mul(ph[i], pl[i], th, tl, &th, &tl);
            dd_add(hh, hl, th, tl, &hh, &hl);
            dd_expm1_dd(dh, dl, &uh2, &ul2);
            dd_mul(ph[i], pl[i], uh2, ul2, &th, &tl);
        }
        if (th < 0.0) {
            th = -th;
            tl = -tl;
        }
        dd_add(vh, vl, th, tl, &vh, &vl);
    }
    free(work);
    out->hellinger2 = dd_round_scaled(hh, hl, -1);
    out->tv = dd_round_scaled(vh, vl, -1);
    out->hellinger = 0.0;
    if (hh > 0.0) {
        int e;
        (void)frexp(hh, &e);
        int k = (1 - e) / 2;
        double rh, rl;
        dd_sqrt(ldexp(2.0 * hh, 2 * k), ldexp(2.0 * hl, 2 * k), &rh, &rl);
        out->hellinger = dd_round_scaled(rh, rl, -k - 1);
    }
    return BHT_OK;
}
