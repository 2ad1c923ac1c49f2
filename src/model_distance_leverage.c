/* model_distance_leverage.c: Hellinger and TV distances between two
 * leverage-score models at one query s, from the parameters (bht.h). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"
#include "dd_elementary.h"
#include "leverage_local_internal.h"

/* x = (L L^T)^-1 r: forward then backward substitution in double-double. */
static void solve_llt(size_t d, const double *lh, const double *ll, const double *rh,
                      const double *rl, double *xh, double *xl)
{
    memcpy(xh, rh, d * sizeof *xh);
    memcpy(xl, rl, d * sizeof *xl);
    lev_solve_l(d, lh, ll, xh, xl);
    for (size_t j = d; j-- > 0;) {
        double sh = xh[j], sl = xl[j];
        for (size_t q = j + 1; q < d; q++)
            lev_dot2_add(&sh, &sl, -lh[q * d + j], -ll[q * d + j], xh[q], xl[q]);
        double vh, vl;
        vh = two_sum(sh, sl, &vl);
        dd_div(vh, vl, lh[j * d + j], ll[j * d + j], &xh[j], &xl[j]);
    }
}

/* Domain of B and of the scaled difference (exponents decided exactly). */
static bht_status check_difference(const lev_basis *b, const double *A, const double *B,
                                   double *dh, double *dl)
{
    const size_t n = b->n, d = b->d;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(B[k]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++) {
        if (B[k] != 0.0 && (ilogb(B[k]) < BHT_LEVERAGE_MIN_EXP
                            || ilogb(B[k]) > BHT_LEVERAGE_MAX_EXP))
            return BHT_E_RANGE;
        dh[k] = two_sum(B[k], -A[k], &dl[k]); /* exact */
    }
    for (size_t i = 0; i < n; i++) {
        int ti = ilogb(b->s ? b->s[i] : 1.0);
        for (size_t j = 0; j < d; j++) {
            const double parts[2] = {dh[i * d + j], dl[i * d + j]};
            for (int k = 0; k < 2; k++) {
                if (parts[k] == 0.0)
                    continue;
                int e = ilogb(parts[k]) + b->c[j] - ti;
                if (e < -960 || e > 960)
                    return BHT_E_RANGE;
            }
        }
    }
    return BHT_OK;
}

/* ------------------------------------------- final stage (proofs/kernels)
 * The output stage of bht_distance_leverage: H^2 = RN((h2h + h2l) / 2),
 * TV = RN((tvh + tvl) / 2) and H = RN(sqrt((h2h + h2l) / 2)). */

/* RN((hi + lo) / 2) (dd_round_scaled with scale -1) for 0 <= hi <= 2.  Leaf
 * fact trusted (K4 of proofs/kernels/TRUSTED_BASE.md, tested against MPFR
 * in tests/test_trusted_kernels.c): the result is finite and in [0, 1]. */
/*@ requires hi_range: \is_finite(hi) && 0.0 <= hi <= 2.0;
    requires lo_finite: \is_finite(lo);
    assigns \nothing;
    admit ensures unit: \is_finite(\result) && 0.0 <= \result <= 1.0;
*/
static double round_half_unit(double hi, double lo)
{
    return dd_round_scaled(hi, lo, -1);
}

/* H = RN(sqrt((h2h + h2l) / 2)) for h2h > 0: scaled by an even power of two
 * into [1, 8), the dd square root, one rounding.  Leaf fact trusted (K5,
 * tested against MPFR in tests/test_trusted_kernels.c): for a normalized
 * pair with h2h <= 2 the result is finite and in [0, 1]. */
/*@ requires h2h_range: \is_finite(h2h) && 0.0 < h2h <= 2.0;
    requires h2l_normalized: \is_finite(h2l) && \abs(h2l) <= 0x1p-53 * h2h;
    assigns \nothing;
    admit ensures unit: \is_finite(\result) && 0.0 <= \result <= 1.0;
*/
static double leverage_hellinger_root(double h2h, double h2l)
{
    int e;
    (void)frexp(h2h, &e);
    int k = (1 - e) / 2;
    double sh, sl;
    dd_sqrt(ldexp(2.0 * h2h, 2 * k), ldexp(2.0 * h2l, 2 * k), &sh, &sl);
    return dd_round_scaled(sh, sl, -k - 1);
}

/* Stores H^2, H and TV from the dd sums 2 H^2 = h2h + h2l, 2 TV = tvh + tvl. */
/*@ requires valid_out: \valid(out);
    requires h2_sum: \is_finite(h2h) && 0.0 <= h2h <= 2.0 && \is_finite(h2l)
                     && \abs(h2l) <= 0x1p-53 * h2h;
    requires tv_sum: \is_finite(tvh) && 0.0 <= tvh <= 2.0 && \is_finite(tvl);
    assigns out->hellinger2, out->hellinger, out->tv;
    ensures hellinger2_unit: \is_finite(out->hellinger2) && 0.0 <= out->hellinger2 <= 1.0;
    ensures hellinger_unit: \is_finite(out->hellinger) && 0.0 <= out->hellinger <= 1.0;
    ensures tv_unit: \is_finite(out->tv) && 0.0 <= out->tv <= 1.0;
*/
static void store_distances_leverage(bht_distances *out, double h2h, double h2l, double tvh,
                                     double tvl)
{
    out->hellinger2 = round_half_unit(h2h, h2l);
    out->tv = round_half_unit(tvh, tvl);
    out->hellinger = 0.0;
    if (h2h > 0.0)
        out->hellinger = leverage_hellinger_root(h2h, h2l);
}

/* Algorithm: Q, T with A_s = Q T from the double-double basis of
 * local_leverage.c (leverage.c's preconditioned QR/Cholesky), the rows e_i
 * of E = (B - A)_s T^-1 (B - A exact as a double-double), so that
 * B_s T^-1 = Q + E and, with F = Q^T E + E^T Q + E^T E (Q^T Q = I),
 *   h_ii(B) - h_ii(A) = r^T (I + F)^-1 r - q^T q = 2 q.e + e.e - (F r).x,
 * r = q_i + e_i, x = (I + F)^-1 r (dd Cholesky of I + F).  Every term is
 * O(|B - A|), so q_i - p_i keeps its relative accuracy (about
 * u^2 kappa(A_s) times the cancellation inherent in W) however close the
 * models are; then H^2 = 1/2 sum (q - p)^2 / (sqrt p + sqrt q)^2 and
 * TV = 1/2 sum |q - p| in dd, each rounded once (JMP17 dd operations,
 * Ogita-Rump-Oishi Dot2).  Bound: not proved; measured against the oracle
 * with the 8-ulp budget for models 1e-12 ... 1 apart (tests). */
bht_status bht_distance_leverage(size_t n, size_t d, const double *A, const double *B,
                                 const double *s, bht_distances *out)
{
    if (!out || !A || !B || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N
        || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    lev_basis b, bb;
    /* B must be in the leverage kernel's certified domain too (rank d); its
     * own basis gives the direct route below */
    bht_status status = lev_basis_build(n, d, B, s, &bb);
    if (status != BHT_OK)
        return status;
    status = lev_basis_build(n, d, A, s, &b);
    if (status != BHT_OK) {
        lev_basis_free(&bb);
        return status;
    }
    /* Rows of A_s and B_s spanning 2^40 or more in scale: the difference
     * route is far outside its budget there (even H^2 > 1 was seen when
     * fuzzing): refuse, the oracle handles it. */
    int emin = INT_MAX, emax = INT_MIN;
    for (size_t i = 0; i < n; i++) {
        double row = 0.0;
        for (size_t j = 0; j < d; j++)
            row = fmax(row, fmax(fabs(A[i * d + j]), fabs(B[i * d + j])));
        if (row == 0.0)
            continue;
        int e = ilogb(row) - (s ? ilogb(s[i]) : 0);
        emin = e < emin ? e : emin;
        emax = e > emax ? e : emax;
    }
    if (emax != INT_MIN && emax - emin >= 40) {
        lev_basis_free(&b);
        lev_basis_free(&bb);
        return BHT_E_RANGE;
    }
    /* A model (rank d, certified above) with exactly d nonzero rows has
     * h_ii = 1 on them: p is uniform on those rows, whatever A and s are.
     * When both models are like that (always when n = d), H^2 = TV =
     * (d - k) / d exactly, k the rows nonzero in both (found by fuzzing:
     * the difference route left residues like 2^-241 where the answer is 0). */
    size_t rows_a = 0, rows_b = 0, common = 0;
    for (size_t i = 0; i < n; i++) {
        int nonzero_a = 0, nonzero_b = 0;
        for (size_t j = 0; j < d; j++) {
            nonzero_a |= A[i * d + j] != 0.0;
            nonzero_b |= B[i * d + j] != 0.0;
        }
        rows_a += (size_t)nonzero_a;
        rows_b += (size_t)nonzero_b;
        common += (size_t)(nonzero_a && nonzero_b);
    }
    if (rows_a == d && rows_b == d) {
        lev_basis_free(&b);
        lev_basis_free(&bb);
        out->hellinger2 = out->tv = (double)(d - common) / (double)d; /* one rounding */
        out->hellinger = sqrt(out->hellinger2);
        return BHT_OK;
    }
    double *buf = malloc((4 * n * d + 6 * d * d + 8 * d) * sizeof *buf);
    if (!buf) {
        lev_basis_free(&b);
        lev_basis_free(&bb);
        return BHT_E_NOMEM;
    }
    double *dh = buf, *dl = dh + n * d, *eh = dl + n * d, *el = eh + n * d;
    double *fh = el + n * d, *fl = fh + d * d, *gh = fl + d * d, *gl = gh + d * d;
    double *lh = gl + d * d, *ll = lh + d * d;
    double *rh = ll + d * d, *rl = rh + d, *xh = rl + d, *xl = xh + d;
    double *wh = xl + d, *wl = wh + d;
    status = check_difference(&b, A, B, dh, dl);
    if (status != BHT_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        lev_basis_map(&b, i, dh + i * d, dl + i * d, 0, eh + i * d, el + i * d);
    /* F = Q^T E + E^T Q + E^T E; G = Q^T E first */
    for (size_t k = 0; k < d * d; k++)
        fh[k] = fl[k] = gh[k] = gl[k] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *qh = b.qh + i * d, *ql = b.ql + i * d, *ph = eh + i * d, *pl = el + i * d;
        for (size_t x = 0; x < d; x++)
            for (size_t y = 0; y < d; y++) {
                lev_dot2_add(&gh[x * d + y], &gl[x * d + y], qh[x], ql[x], ph[y], pl[y]);
                lev_dot2_add(&fh[x * d + y], &fl[x * d + y], ph[x], pl[x], ph[y], pl[y]);
            }
    }
    for (size_t k = 0; k < d * d; k++) {
        gh[k] = two_sum(gh[k], gl[k], &gl[k]);
        fh[k] = two_sum(fh[k], fl[k], &fl[k]);
    }
    for (size_t x = 0; x < d; x++)
        for (size_t y = 0; y < d; y++) {
            double th, tl;
            dd_add(gh[x * d + y], gl[x * d + y], gh[y * d + x], gl[y * d + x], &th, &tl);
            dd_add(fh[x * d + y], fl[x * d + y], th, tl, &fh[x * d + y], &fl[x * d + y]);
        }
    /* I + F = L L^T (into gh/gl as the matrix, lh/ll the factor) */
    for (size_t k = 0; k < d * d; k++) {
        gh[k] = fh[k];
        gl[k] = fl[k];
    }
    for (size_t x = 0; x < d; x++)
        dd_add(gh[x * d + x], gl[x * d + x], 1.0, 0.0, &gh[x * d + x], &gl[x * d + x]);
    if (!lev_cholesky_dd(d, gh, gl, lh, ll)) {
        status = BHT_E_SINGULAR; /* B not certified of rank d */
        goto done;
    }
    /* Crude condition estimate of I + F (ratio of the Cholesky pivots,
     * squared): the error of x = (I + F)^-1 r, shared by both forms below. */
    double lmin = INFINITY, lmax = 0.0;
    for (size_t x = 0; x < d; x++) {
        lmin = fmin(lmin, fabs(lh[x * d + x]));
        lmax = fmax(lmax, fabs(lh[x * d + x]));
    }
    const double kappa_f = (lmax / lmin) * (lmax / lmin);
    double h2h = 0.0, h2l = 0.0, tvh = 0.0, tvl = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *qh = b.qh + i * d, *ql = b.ql + i * d, *ph = eh + i * d, *pl = el + i * d;
        const double *bqh = bb.qh + i * d, *bql = bb.ql + i * d;
        double hh = 0.0, hl = 0.0, ch = 0.0, cl = 0.0, kh = 0.0, kl = 0.0, bh = 0.0, bl = 0.0;
        double m1 = 0.0, m2, m3;
        for (size_t j = 0; j < d; j++) {
            lev_dot2_add(&hh, &hl, qh[j], ql[j], qh[j], ql[j]);
            lev_dot2_add(&bh, &bl, bqh[j], bql[j], bqh[j], bql[j]);
            lev_dot2_add(&ch, &cl, 2.0 * qh[j], 2.0 * ql[j], ph[j], pl[j]); /* 2 q.e */
            lev_dot2_add(&ch, &cl, ph[j], pl[j], ph[j], pl[j]);             /* + e.e */
            m1 += fabs(2.0 * qh[j] * ph[j]) + ph[j] * ph[j];
            dd_add(qh[j], ql[j], ph[j], pl[j], &rh[j], &rl[j]);
        }
        solve_llt(d, lh, ll, rh, rl, xh, xl);
        for (size_t x = 0; x < d; x++) { /* w = F r */
            double sh = 0.0, sl = 0.0;
            for (size_t y = 0; y < d; y++)
                lev_dot2_add(&sh, &sl, fh[x * d + y], fl[x * d + y], rh[y], rl[y]);
            wh[x] = two_sum(sh, sl, &wl[x]);
        }
        for (size_t x = 0; x < d; x++) {
            lev_dot2_add(&ch, &cl, -wh[x], -wl[x], xh[x], xl[x]);
            lev_dot2_add(&kh, &kl, rh[x], rl[x], xh[x], xl[x]); /* r.x = h_ii(B) */
            m1 += fabs(wh[x] * xh[x]);
        }
        hh = two_sum(hh, hl, &hl);
        kh = two_sum(kh, kl, &kl);
        bh = two_sum(bh, bl, &bl);
        ch = two_sum(ch, cl, &cl); /* h_ii(B) - h_ii(A), as 2 q.e + e.e - (F r).x */
        /* The same difference as r.x - q.q, and directly from B's own basis
         * (|q_B,i|^2 - q.q).  2 q.e + e.e - (F r).x keeps the relative
         * accuracy when B is close to A, but its terms grow like |e|^2: when
         * B_s T^-1 is far from Q (models far apart, or scaled very
         * differently; found by fuzzing: TV = 1 + 2^-26 for a column
         * [0, a] vs [b, a], b/a = 2^37), use the form whose terms are the
         * smallest, weighted by the conditioning each one depends on. */
        m1 *= kappa_f;
        m2 = (fabs(kh) + fabs(hh)) * kappa_f;
        m3 = (fabs(bh) + fabs(hh)) * fmax(bb.cond, 1.0);
        if (m2 < m1 && m2 <= m3) {
            dd_add(kh, kl, -hh, -hl, &ch, &cl);
        } else if (m3 < m1) {
            dd_add(bh, bl, -hh, -hl, &ch, &cl);
        }
        double ph_, pl_, dph, dpl, qh_, ql_;
        dd_div(hh, hl, (double)d, 0.0, &ph_, &pl_);
        dd_div(ch, cl, (double)d, 0.0, &dph, &dpl);
        dd_add(ph_, pl_, dph, dpl, &qh_, &ql_);
        if (qh_ < 0.0)
            qh_ = ql_ = 0.0;
        /* TV term |q - p|, H^2 term (q - p)^2 / (sqrt p + sqrt q)^2 */
        double ah = fabs(dph), al = dph < 0.0 ? -dpl : dpl;
        dd_add(tvh, tvl, ah, al, &tvh, &tvl);
        double sph, spl, sqh, sql, sh, sl, th, tl;
        dd_sqrt(ph_, pl_, &sph, &spl);
        dd_sqrt(qh_, ql_, &sqh, &sql);
        dd_add(sph, spl, sqh, sql, &sh, &sl);
        if (sh == 0.0)
            continue;
        dd_div(dph, dpl, sh, sl, &th, &tl);
        dd_mul(th, tl, th, tl, &th, &tl);
        dd_add(h2h, h2l, th, tl, &h2h, &h2l);
    }
    /* Below 2^-960 the double-double sums lose their low parts to underflow
     * (found by fuzzing: 2 H^2 ~ 2^-1528 summed to 0, so H = 0 for TV =
     * 2^-764).  Above it each term's error stays below 2^-1073 absolute,
     * n 2^-113 relative; TV > 0 implies H^2 > 0. */
    if (tvh > 0.0 && !(h2h >= 0x1p-960)) {
        status = BHT_E_RANGE;
        goto done;
    }
    /* proved (proofs/kernels): H^2, H, TV finite and in [0, 1], given the
     * preconditions of store_distances_leverage (not proved here) */
    store_distances_leverage(out, h2h, h2l, tvh, tvl);
done:
    free(buf);
    lev_basis_free(&b);
    lev_basis_free(&bb);
    return status;
}
