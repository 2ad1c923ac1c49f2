/* model_distance_leverage.c: Hellinger and TV distances between two
 * leverage-score models at one query s, from the parameters (bht.h). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"
#include "core/dd_elementary.h"
#include "core/dd_leaves.h"
#include "model_distance/model_distance_stages.h"
#include "nu/leverage_local_internal.h"

/* Alignment passes B -> B R (after the first pass with R = I). */
#define DIST_ALIGNMENTS 3
/* Certified relative error of each output before its final rounding: the
 * result is then within 0.5 + 2^53 2^-53 = 1.5 ulp of the exact value,
 * under 2 ulp from the correctly rounded one (budget 2 ulp; H's relative
 * error is half that of H^2). */
#define DIST_CERTIFIED_ERR 0x1p-53

/* ------------------------------------------- final stage (proofs/kernels)
 * The output stage of bht_distance_leverage.  The sums come as dd mantissas
 * with an exponent: 2 H^2 = (h2h + h2l) 2^e2, 2 TV = (tvh + tvl) 2^et. */

/* RN((hi + lo) 2^(scale - 1)) (dd_round_scaled) when hi 2^(scale-1) <= 1: the
 * result is finite and in [0, 1].  Proved from the leaf contract of
 * dd_round_scaled (D5 of proofs/TRUSTED_BASE.md, src/core/dd_leaves.h). */
/*@ requires hi_nonneg: \is_finite(hi) && hi >= 0.0;
    requires lo_finite: \is_finite(lo);
    requires scale_range: -1000000 <= scale <= 1000000;
    requires two: hi * \pow(2.0, scale - 1) <= 1.0;
    assigns errno;
    ensures unit: \is_finite(\result) && 0.0 <= \result <= 1.0;
    ensures rounded: dd_normalized(hi, lo) ==>
      \result == rn(dd_scaled(hi, lo, scale - 1));
*/
static double round_half_unit(double hi, double lo, int scale)
{
    return dd_round_scaled(hi, lo, scale - 1);
}

/* H = RN(sqrt((h2h + h2l) 2^(scale - 1))) for h2h > 0: the exponent made
 * even, the dd square root, one rounding.  Proved: `root_rounded`, the
 * result is RN of hellinger_root_value (spec/model_distance.h) from the
 * leaves dd_sqrt (D4) and dd_round_scaled (D5).  Leaf facts trusted (K5,
 * tested against MPFR in tests/proofs/test_trusted_kernels.c): for a
 * normalized pair with h2h 2^(scale-1) <= 1 the result is finite, in [0, 1] and
 * within the root's budget.  (h2h <= 2^60: 2 h2h must not overflow.) */
/*@ requires h2h_pos: \is_finite(h2h) && 0.0 < h2h <= 0x1p60;
    requires h2l_normalized: \is_finite(h2l) && \abs(h2l) <= 0x1p-53 * h2h;
    requires scale_range: -1000000 <= scale <= 1000000;
    requires two: h2h * \pow(2.0, scale - 1) <= 1.0;
    assigns errno;
    admit ensures unit: \is_finite(\result) && 0.0 <= \result <= 1.0;
    admit ensures root: hellinger_of(\result, dd_scaled(h2h, h2l, scale - 1));
    ensures root_rounded: \is_finite(\result) ==>
      \result == rn(hellinger_root_value(h2h, h2l, scale - 1));
*/
static double leverage_hellinger_root(double h2h, double h2l, int scale)
{
    int k = scale - 1;
    if (k % 2 != 0) {
        h2h *= 2.0;
        h2l *= 2.0;
        k -= 1;
        //@ assert doubled_range: 0.0 <= h2h <= 0x1p61;
    }
    double rh, rl;
    dd_sqrt(h2h, h2l, &rh, &rl);
    return dd_round_scaled(rh, rl, k / 2);
}

/* Stores H^2, H and TV from 2 H^2 = (h2h + h2l) 2^e2, 2 TV = (tvh + tvl) 2^et. */
/*@ requires valid_out: \valid(out);
    requires h2_sum: \is_finite(h2h) && 0.0 <= h2h <= 0x1p60 && \is_finite(h2l)
                     && \abs(h2l) <= 0x1p-53 * h2h && dd_normalized(h2h, h2l);
    requires h2_scale: -1000000 <= e2 <= 1000000 && h2h * \pow(2.0, e2 - 1) <= 1.0;
    requires tv_sum: dd_nonneg_normalized(tvh, tvl);
    requires tv_scale: -1000000 <= et <= 1000000 && tvh * \pow(2.0, et - 1) <= 1.0;
    assigns out->hellinger2, out->hellinger, out->tv, errno;
    ensures hellinger2_unit: \is_finite(out->hellinger2) && 0.0 <= out->hellinger2 <= 1.0;
    ensures hellinger_unit: \is_finite(out->hellinger) && 0.0 <= out->hellinger <= 1.0;
    ensures tv_unit: \is_finite(out->tv) && 0.0 <= out->tv <= 1.0;
    ensures hellinger2_rounded: out->hellinger2 == rn(leverage_models_h2(h2h, h2l, e2));
    ensures tv_rounded: out->tv == rn(leverage_models_tv(tvh, tvl, et));
    ensures hellinger_root: h2h > 0.0 ==>
      hellinger_of(out->hellinger, leverage_models_h2(h2h, h2l, e2));
    ensures hellinger_rounded: h2h > 0.0 ==>
      out->hellinger == rn(hellinger_root_value(h2h, h2l, e2 - 1));
    ensures hellinger_zero: h2h == 0.0 ==> out->hellinger == 0.0;
*/
static void store_distances_leverage(bht_distances *out, double h2h, double h2l, int e2,
                                     double tvh, double tvl, int et)
{
    out->hellinger2 = round_half_unit(h2h, h2l, e2);
    out->tv = round_half_unit(tvh, tvl, et);
    out->hellinger = 0.0;
    if (h2h > 0.0)
        out->hellinger = leverage_hellinger_root(h2h, h2l, e2);
}

/* ------------------------------------------------------------ helpers */

static double norm(size_t d, const double *xh)
{
    double s = 0.0;
    for (size_t j = 0; j < d; j++)
        s += xh[j] * xh[j];
    return sqrt(s);
}

/* x = (L L^T)^-1 r: forward then backward substitution in dd. */
static void solve_llt(size_t d, const double *lh, const double *ll, const double *rh,
                      const double *rl, double *xh, double *xl)
{
    memcpy(xh, rh, d * sizeof *xh);
    memcpy(xl, rl, d * sizeof *xl);
    bht__lev_solve_l(d, lh, ll, xh, xl);
    for (size_t j = d; j-- > 0;) {
        double sh = xh[j], sl = xl[j];
        for (size_t q = j + 1; q < d; q++)
            bht__lev_dot2_add(&sh, &sl, -lh[q * d + j], -ll[q * d + j], xh[q], xl[q]);
        double vh, vl;
        vh = two_sum(sh, sl, &vl);
        dd_div(vh, vl, lh[j * d + j], ll[j * d + j], &xh[j], &xl[j]);
    }
}

/* a 2^ea <= b 2^eb for doubles a, b >= 0 (exponent-aware). */
static int bound_le(double a, long ea, double b, long eb)
{
    if (a == 0.0)
        return 1;
    if (b == 0.0)
        return 0;
    long shift = ea - eb;
    if (shift < -2200)
        return 1;
    if (shift > 2200)
        return 0;
    return ldexp(a, (int)shift) <= b;
}

/* Exactly: is x1 y1 == x2 y2? (the long accumulator, any range) */
static int products_equal(lev_sum *acc, double x1, double y1, double x2, double y2, int *failed)
{
    lev_term t[2] = {{x1, y1, 0}, {x2, -y2, 0}};
    double h, l;
    long e;
    if (bht__lev_sum_exact(acc, t, 2, &h, &l, &e) != BHT_OK) {
        *failed = 1;
        return 0;
    }
    return h == 0.0;
}

/* B = A P Diag(r) with P a permutation and every r_j != 0, decided
 * exactly: then Leverage_B = Leverage_A (paper §4.3) and every distance is
 * exactly 0.  (B = c A with c and c A exact, B = A with columns rescaled or
 * reordered.)  -1 on allocation failure. */
static int same_model_by_columns(size_t n, size_t d, const double *A, const double *B,
                                 lev_sum *acc)
{
    unsigned char *used = calloc(d, 1);
    if (!used)
        return -1;
    int failed = 0, all = 1;
    for (size_t jb = 0; jb < d && all && !failed; jb++) {
        int found = 0;
        for (size_t ja = 0; ja < d && !found && !failed; ja++) {
            if (used[ja])
                continue;
            size_t i0 = n;
            int ok = 1;
            for (size_t i = 0; i < n && ok; i++) {
                int za = A[i * d + ja] == 0.0, zb = B[i * d + jb] == 0.0;
                ok = za == zb;
                if (ok && !za && i0 == n)
                    i0 = i;
            }
            if (!ok || i0 == n)
                continue;
            for (size_t i = i0 + 1; i < n && ok; i++)
                if (A[i * d + ja] != 0.0)
                    ok = products_equal(acc, B[i * d + jb], A[i0 * d + ja], B[i0 * d + jb],
                                        A[i * d + ja], &failed);
            if (ok && !failed) {
                used[ja] = 1;
                found = 1;
            }
        }
        all = found;
    }
    free(used);
    return failed ? -1 : all;
}

/* ------------------------------------------------------------- bases */

/* The bases of A and B, both or neither.  B must be in the certified
 * domain too (rank d): its own basis gives the direct route and the
 * alignment. */
static bht_status build_bases(size_t n, size_t d, const double *A, const double *B,
                              const double *s, lev_basis *a, lev_basis *bb)
{
    bht_status status = bht__lev_basis_build(n, d, B, s, bb, NULL, LEV_RANK_ONLY);
    if (status != BHT_OK)
        return status;
    status = bht__lev_basis_build(n, d, A, s, a, NULL, LEV_RANK_ONLY);
    if (status != BHT_OK)
        bht__lev_basis_free(bb);
    return status;
}

static void bases_free(lev_basis *a, lev_basis *bb)
{
    bht__lev_basis_free(a);
    bht__lev_basis_free(bb);
}

/* ------------------------------------------------------- working state */

typedef struct dist_work {
    double *vh, *vl;  /* n*d: rows of D = B R - A, column-scaled (A's c_j) */
    int *ev;
    double *eh, *el;  /* n*d: rows of E = D_s T_A^-1 */
    int *ee;          /* their exponents (INT_MIN: zero row) */
    double *gh, *gl;  /* d*d: Q_A^T E, Q_B^T E, E^T E ... scratch */
    double *fh, *fl;  /* d*d: F */
    double *mh, *ml;  /* d*d: I + F, then its Cholesky factor (lh, ll) */
    double *lh, *ll;
    double *rot;      /* DIST_ALIGNMENTS * d*d: the alignment increments */
    int erot[DIST_ALIGNMENTS];
    double *scratch;  /* 2 d*d */
    double *row;      /* 8d: r, x, F r */
    double *ph, *pl;  /* d*d: Q_B^T E (next alignment) */
    int *ee_rows;     /* n: the exponents of E as row exponents of a basis */
    double *err_e;    /* n: certified relative errors of the rows of E */
    lev_work_store st; /* the double arrays above, ev, ee, ee_rows, DIST_ALIGNMENTS d + 2 terms */
} dist_work;

static bht_status work_alloc(dist_work *w, size_t n, size_t d)
{
    memset(w, 0, sizeof *w);
    const size_t nd = n * d, dd2 = d * d;
    double **const rows[] = {&w->vh, &w->vl, &w->eh, &w->el};
    double **const squares[] = {&w->gh, &w->gl, &w->fh, &w->fl, &w->mh,
                                &w->ml, &w->lh, &w->ll, &w->ph, &w->pl};
    double **const rot[] = {&w->rot}, **const scratch[] = {&w->scratch};
    double **const row[] = {&w->row}, **const err_e[] = {&w->err_e};
    const bht__double_group groups[] = {{rows, 4, nd}, {squares, 10, dd2},
                                        {rot, 1, DIST_ALIGNMENTS * dd2}, {scratch, 1, 2 * dd2},
                                        {row, 1, 8 * d}, {err_e, 1, n}};
    bht_status status = bht__lev_work_alloc(&w->st, groups, sizeof groups / sizeof groups[0],
                                            3 * n, DIST_ALIGNMENTS * d + 2);
    if (status != BHT_OK)
        return status;
    w->ev = w->st.ints;
    w->ee = w->st.ints + n;
    w->ee_rows = w->st.ints + 2 * n;
    return BHT_OK;
}

/* Row i of D = B R - A, R = I + sum_s D_B R_s D_A^-1 2^erot_s, in A's
 * column-scaled form (d_ij 2^cA_j = (vh_j + vl_j) 2^ev), exact up to the dd
 * rounding of each entry.  1 nonzero row, 0 exactly zero, -1 no memory. */
static int difference_row(const lev_basis *a, const lev_basis *bb, dist_work *w,
                          const double *A, const double *B, size_t i, int steps)
{
    const size_t d = a->d;
    double *vh = w->vh + i * d, *vl = w->vl + i * d;
    long e[BHT_LEVERAGE_MAX_D];
    long emax = LONG_MIN;
    for (size_t j = 0; j < d; j++) {
        size_t count = 0;
        w->st.terms[count++] = (lev_term){B[i * d + j], 1.0, a->c[j]};
        w->st.terms[count++] = (lev_term){A[i * d + j], -1.0, a->c[j]};
        for (int st = 0; st < steps; st++)
            for (size_t k = 0; k < d; k++)
                w->st.terms[count++] = (lev_term){B[i * d + k],
                                                  w->rot[(size_t)st * d * d + k * d + j],
                                                  (long)bb->c[k] + w->erot[st]};
        if (bht__lev_sum_exact(&w->st.acc, w->st.terms, count, &vh[j], &vl[j], &e[j]) != BHT_OK)
            return -1;
        if (vh[j] != 0.0 && e[j] > emax)
            emax = e[j];
    }
    if (emax == LONG_MIN) {
        w->ev[i] = 0;
        return 0;
    }
    for (size_t j = 0; j < d; j++) {
        if (vh[j] == 0.0)
            continue;
        long shift = e[j] - emax;
        int sh = shift < -1100 ? -1100 : (int)shift;
        vh[j] = ldexp(vh[j], sh);
        vl[j] = ldexp(vl[j], sh);
    }
    w->ev[i] = (int)emax;
    return 1;
}

/* Next alignment increment R_s = -R_B^-1 L_B^-T P L_A^T R_A (double), P =
 * Q_B^T E = 2^ep (ph + pl): B_s R ~ -D_s in the least-squares sense, so
 * D = B R - A loses its part in the range of B (which is ~ the range of A
 * for close models).  Accuracy does not matter: D is formed exactly. */
static void alignment_step(const lev_basis *a, const lev_basis *bb, dist_work *w,
                           const double *ph, long ep, int step)
{
    const size_t d = a->d;
    double *p = w->scratch, *z = w->scratch + d * d, *x = w->rot + (size_t)step * d * d;
    for (size_t i = 0; i < d; i++) /* z = P L_A^T */
        for (size_t j = 0; j < d; j++) {
            double sum = 0.0;
            for (size_t q = 0; q <= j; q++) /* (L^T)_qj = L_jq */
                sum += ph[i * d + q] * a->lh[j * d + q];
            z[i * d + j] = sum;
        }
    for (size_t i = 0; i < d; i++) /* p = z R_A */
        for (size_t j = 0; j < d; j++) {
            double sum = 0.0;
            for (size_t q = 0; q <= j; q++)
                sum += z[i * d + q] * a->r[q * d + j];
            p[i * d + j] = sum;
        }
    for (size_t col = 0; col < d; col++) /* z = L_B^-T p */
        for (size_t i = d; i-- > 0;) {
            double sum = p[i * d + col];
            for (size_t q = i + 1; q < d; q++)
                sum -= bb->lh[q * d + i] * z[q * d + col];
            z[i * d + col] = sum / bb->lh[i * d + i];
        }
    for (size_t col = 0; col < d; col++) /* x = -R_B^-1 z */
        for (size_t i = d; i-- > 0;) {
            double sum = z[i * d + col];
            for (size_t q = i + 1; q < d; q++)
                sum -= bb->r[i * d + q] * x[q * d + col];
            x[i * d + col] = sum / bb->r[i * d + i];
        }
    for (size_t k = 0; k < d * d; k++)
        x[k] = isfinite(x[k]) ? -x[k] : 0.0;
    w->erot[step] = (int)(ep < INT_MIN / 4 ? INT_MIN / 4 : ep);
}

/* ---------------------------------------------------------------- a pass */

typedef struct dist_pass {
    lev_scaled tv, tv_err; /* d 2 TV = sum |q_i - p_i| d, and its bound */
    lev_scaled h2, h2_err; /* d 2 H^2, and its bound */
    long ep;               /* exponent of Q_B^T E (in w->ph) */
} dist_pass;

/* sqrt(h_ii) = (rh + rl) 2^e from |q_i| 2^qe_i (0 for a zero row). */
static void root_h(const lev_basis *b, size_t i, double *rh, double *rl, long *e)
{
    const size_t d = b->d;
    *rh = *rl = 0.0;
    *e = 0;
    if (b->qe[i] == LEV_ZERO_ROW)
        return;
    double hh = 0.0, hl = 0.0;
    for (size_t j = 0; j < d; j++)
        bht__lev_dot2_add(&hh, &hl, b->qh[i * d + j], b->ql[i * d + j], b->qh[i * d + j],
                     b->ql[i * d + j]);
    hh = two_sum(hh, hl, &hl);
    if (hh <= 0.0)
        return;
    int k = ilogb(hh);
    k -= k & 1; /* even: exact square root scaling */
    dd_sqrt(ldexp(hh, -k), ldexp(hl, -k), rh, rl);
    *e = b->qe[i] + k / 2;
}

/* |h_ii|^2 = (hh + hl) 2^(2 qe): |q_i|^2 in dd (0 for a zero row). */
static void score(const lev_basis *b, size_t i, double *hh, double *hl, long *e)
{
    const size_t d = b->d;
    *hh = *hl = 0.0;
    *e = 0;
    if (b->qe[i] == LEV_ZERO_ROW)
        return;
    for (size_t j = 0; j < d; j++)
        bht__lev_dot2_add(hh, hl, b->qh[i * d + j], b->ql[i * d + j], b->qh[i * d + j],
                     b->ql[i * d + j]);
    *hh = two_sum(*hh, *hl, hl);
    *e = 2L * b->qe[i];
}

/* I + F (F = Q^T E + E^T Q + E^T E, 2^ef (fh + fl)) and its Cholesky
 * factor L; *inv_norm bounds ||(I + F)^-1|| by ||L^-1||_F^2 (L^-1 formed
 * in double, times 1.01 for its own error: below 2^-20 when the bound is
 * accepted) and *kappa_f = (1 + ||F||) *inv_norm bounds the condition
 * number; 0 when the difference route is not usable (F too large: far
 * models; I + F not positive definite or kappa_f > 2^40). */
static int factor_i_plus_f(dist_work *w, size_t d, long ef, double fnorm, double *inv_norm,
                           double *kappa_f)
{
    if (ef > 60)
        return 0;
    int sf = ef < -1100 ? -1100 : (int)ef;
    for (size_t k = 0; k < d * d; k++) {
        w->mh[k] = ldexp(w->fh[k], sf);
        w->ml[k] = ldexp(w->fl[k], sf);
    }
    for (size_t x = 0; x < d; x++)
        dd_add(w->mh[x * d + x], w->ml[x * d + x], 1.0, 0.0, &w->mh[x * d + x],
               &w->ml[x * d + x]);
    if (!bht__lev_cholesky_dd(d, w->mh, w->ml, w->lh, w->ll))
        return 0;
    double *inv = w->scratch, sum = 0.0; /* L^-1, lower triangular, by columns */
    for (size_t j = 0; j < d; j++)
        for (size_t i = j; i < d; i++) {
            double t = i == j ? 1.0 : 0.0;
            for (size_t k = j; k < i; k++)
                t -= w->lh[i * d + k] * inv[k * d + j];
            inv[i * d + j] = t / w->lh[i * d + i];
            sum += inv[i * d + j] * inv[i * d + j];
        }
    *inv_norm = sum * 1.01;
    *kappa_f = (1.0 + ldexp(fnorm, sf)) * *inv_norm;
    return isfinite(*kappa_f) && *kappa_f <= 0x1p40;
}

/* One evaluation with D = B R - A (steps alignment increments): for every
 * row the difference q_i - p_i (times d) by the route with the smaller
 * certified bound, then the sums and their bounds. */
static bht_status evaluate(const lev_basis *a, const lev_basis *bb, dist_work *w,
                           const double *A, const double *B, int steps, dist_pass *out)
{
    const size_t n = a->n, d = a->d;
    const double u2 = 0x1p-106, nn = (double)n, dd2 = (double)d * (double)d * u2;
    memset(out, 0, sizeof *out);
    /* rows of E = D_s T_A^-1 */
    for (size_t i = 0; i < n; i++) {
        int got = difference_row(a, bb, w, A, B, i, steps);
        if (got < 0)
            return BHT_E_NOMEM;
        bht__lev_map_row(a, i, got, w->vh + i * d, w->vl + i * d, &w->ev[i], w->eh + i * d,
                         w->el + i * d, &w->ee[i], &w->err_e[i]);
        w->ee_rows[i] = got ? w->ee[i] : LEV_ZERO_ROW;
    }
    /* P = Q_B^T E (the next alignment); F = Q^T E + E^T Q + E^T E */
    double pmag, perr, gmag, gerr, hmag, herr;
    out->ep = bht__lev_cross(n, d, bb->qh, bb->ql, bb->qe, bb->err_q, w->eh, w->el, w->ee,
                             w->err_e, w->ph, w->pl, &pmag, &perr);
    long eg = bht__lev_cross(n, d, a->qh, a->ql, a->qe, a->err_q, w->eh, w->el, w->ee, w->err_e,
                             w->gh, w->gl, &gmag, &gerr);
    long eh = bht__lev_cross(n, d, w->eh, w->el, w->ee_rows, w->err_e, w->eh, w->el, w->ee,
                             w->err_e, w->fh, w->fl, &hmag, &herr);
    long ef = eg > eh ? eg : eh;
    int route_e = 1;
    double fnorm = 0.0, ferr = 0.0, kappa_f = 1.0, inv_norm = 1.0;
    if (ef == LONG_MIN) {
        ef = 0; /* E = 0: F = 0 */
        for (size_t k = 0; k < d * d; k++)
            w->fh[k] = w->fl[k] = 0.0;
    } else {
        int sg = eg == LONG_MIN || eg - ef < -1100 ? -1100 : (int)(eg - ef);
        int sh = eh == LONG_MIN || eh - ef < -1100 ? -1100 : (int)(eh - ef);
        for (size_t x = 0; x < d; x++)
            for (size_t y = 0; y < d; y++) {
                double th = 0.0, tl = 0.0;
                if (eg != LONG_MIN)
                    dd_add(ldexp(w->gh[x * d + y], sg), ldexp(w->gl[x * d + y], sg),
                           ldexp(w->gh[y * d + x], sg), ldexp(w->gl[y * d + x], sg), &th, &tl);
                w->mh[x * d + y] = th;
                w->ml[x * d + y] = tl;
            }
        for (size_t k = 0; k < d * d; k++) {
            double fh = eh == LONG_MIN ? 0.0 : ldexp(w->fh[k], sh);
            double fl = eh == LONG_MIN ? 0.0 : ldexp(w->fl[k], sh);
            dd_add(w->mh[k], w->ml[k], fh, fl, &w->fh[k], &w->fl[k]);
        }
        fnorm = norm(d * d, w->fh) * (1.0 + 0x1p-40);
        /* |dF| in units 2^ef: the rows' errors, the Dot2 sums gamma_n^2,
         * terms dropped below 2^-1000, the dd additions */
        double dot = (nn * nn + 3.0) * u2 + 0x1p-1000;
        double g2 = eg == LONG_MIN ? 0.0 : ldexp(2.0 * (gerr + dot * gmag), sg);
        double h2 = eh == LONG_MIN ? 0.0 : ldexp(herr + dot * hmag, sh);
        ferr = g2 + h2 + 8.0 * u2 * fnorm;
        route_e = factor_i_plus_f(w, d, ef, fnorm, &inv_norm, &kappa_f);
    }
    double *rh = w->row, *rl = rh + d, *xh = rl + d, *xl = xh + d, *vh = xl + d, *vl = vh + d;
    for (size_t i = 0; i < n; i++) {
        int qa = a->qe[i] != LEV_ZERO_ROW, qb = bb->qe[i] != LEV_ZERO_ROW;
        int en = w->ee[i] != INT_MIN;
        if (!qa && !qb)
            continue; /* p_i = q_i = 0 */
        /* the direct route: h_B - h_A, each within err_h (plus its dd sum) */
        double ha, hal, hb, hbl;
        long ea, eb;
        score(a, i, &ha, &hal, &ea);
        score(bb, i, &hb, &hbl, &eb);
        lev_scaled delta = {0.0, 0.0, 0}, err = {0.0, 0.0, 0};
        bht__lev_scaled_add(&delta, hb, hbl, eb);
        bht__lev_scaled_add(&delta, -ha, -hal, ea);
        double erra = qa ? bht__lev_basis_err_h(a, i) : 0.0, errb = qb ? bht__lev_basis_err_h(bb, i) : 0.0;
        bht__lev_scaled_add(&err, ha * (erra + 8.0 * u2), 0.0, ea);
        bht__lev_scaled_add(&err, hb * (errb + 8.0 * u2), 0.0, eb);
        if (route_e && (qa || en)) {
            /* the difference route: 2 q.e + e.e - (F r).x, r = q + e,
             * x = (I + F)^-1 r, r and x in units 2^m, m = max(qe, ee) */
            const double *qh = a->qh + i * d, *ql = a->ql + i * d;
            const double *eh_ = w->eh + i * d, *el_ = w->el + i * d;
            long m = qa ? a->qe[i] : w->ee[i];
            if (en && w->ee[i] > m)
                m = w->ee[i];
            int sq = qa ? (a->qe[i] - m < -1100 ? -1100 : (int)(a->qe[i] - m)) : 0;
            int se = en ? (w->ee[i] - m < -1100 ? -1100 : (int)(w->ee[i] - m)) : 0;
            for (size_t j = 0; j < d; j++) {
                double q1 = qa ? ldexp(qh[j], sq) : 0.0, q2 = qa ? ldexp(ql[j], sq) : 0.0;
                double e1 = en ? ldexp(eh_[j], se) : 0.0, e2 = en ? ldexp(el_[j], se) : 0.0;
                dd_add(q1, q2, e1, e2, &rh[j], &rl[j]);
            }
            solve_llt(d, w->lh, w->ll, rh, rl, xh, xl);
            for (size_t x = 0; x < d; x++) { /* v = F r */
                double sh = 0.0, sl = 0.0;
                for (size_t y = 0; y < d; y++)
                    bht__lev_dot2_add(&sh, &sl, w->fh[x * d + y], w->fl[x * d + y], rh[y], rl[y]);
                vh[x] = two_sum(sh, sl, &vl[x]);
            }
            double t1h = 0.0, t1l = 0.0, t2h = 0.0, t2l = 0.0, t3h = 0.0, t3l = 0.0;
            for (size_t j = 0; j < d; j++) {
                if (qa && en)
                    bht__lev_dot2_add(&t1h, &t1l, 2.0 * qh[j], 2.0 * ql[j], eh_[j], el_[j]);
                if (en)
                    bht__lev_dot2_add(&t2h, &t2l, eh_[j], el_[j], eh_[j], el_[j]);
                bht__lev_dot2_add(&t3h, &t3l, -vh[j], -vl[j], xh[j], xl[j]);
            }
            t1h = two_sum(t1h, t1l, &t1l);
            t2h = two_sum(t2h, t2l, &t2l);
            t3h = two_sum(t3h, t3l, &t3l);
            long e1 = (long)(qa ? a->qe[i] : 0) + (en ? w->ee[i] : 0), e2 = 2L * w->ee[i];
            long e3 = ef + 2 * m;
            lev_scaled diff = {0.0, 0.0, 0}, derr = {0.0, 0.0, 0};
            bht__lev_scaled_add(&diff, t1h, t1l, e1);
            if (en)
                bht__lev_scaled_add(&diff, t2h, t2l, e2);
            bht__lev_scaled_add(&diff, t3h, t3l, e3);
            /* bound (bht_distance_leverage), with 2^-1000 of each scale for
             * parts below the double range */
            double eq = qa ? a->err_q[i] : 0.0, ee = en ? w->err_e[i] : 0.0;
            double qn = qa ? norm(d, qh) : 0.0, en2 = en ? norm(d, eh_) : 0.0;
            double rn = norm(d, rh), xn = norm(d, xh);
            double c2 = 4.0 * dd2 + 0x1p-1000, gram = a->gram * 1.01;
            if (qa && en)
                bht__lev_scaled_add(&derr, 2.0 * qn * en2 * (eq + ee + c2) * 1.01, 0.0, e1);
            if (en)
                bht__lev_scaled_add(&derr, en2 * en2 * (2.0 * ee + c2) * 1.01, 0.0, e2);
            double fx = ef < -1100 ? 0.0 : ldexp(fnorm, (int)ef) * xn; /* |F x| in 2^m */
            /* |dx| <= ||(I + F)^-1|| (|dr| + |dF| |x|) + the dd solve's error */
            double dx = inv_norm * ((eq + ee + c2) * rn
                                    + (ef < -1100 ? 0.0 : ldexp(ferr, (int)ef)) * xn)
                        + 8.0 * dd2 * kappa_f * xn;
            double t3err = (fnorm * rn * xn * (eq + ee + c2) + ferr * rn * xn + fnorm * rn * dx)
                               * 1.01
                           + 0x1p-1000 * fnorm * rn * xn;
            double qs = qa ? ldexp(qn, sq) : 0.0, es = en ? ldexp(en2, se) : 0.0;
            double gerr = gram * (es + fx) * (qs + xn);
            if (!isfinite(t3err) || !isfinite(gerr) || !isfinite(diff.h) || !isfinite(diff.l))
                goto direct; /* not expected once kappa_f is bounded: keep the direct route */
            bht__lev_scaled_add(&derr, t3err, 0.0, e3);
            bht__lev_scaled_add(&derr, gerr, 0.0, 2 * m);
            if (isfinite(derr.h) && bound_le(derr.h, derr.e, err.h, err.e)) {
                delta = diff;
                err = derr;
            }
        }
    direct:
        if (!isfinite(delta.h) || !isfinite(err.h))
            return BHT_E_RANGE; /* not expected: every mantissa is bounded */
        /* TV: |q_i - p_i| d */
        if (delta.h < 0.0) {
            delta.h = -delta.h;
            delta.l = -delta.l;
        }
        bht__lev_scaled_add(&out->tv, delta.h, delta.l, delta.e);
        bht__lev_scaled_add(&out->tv_err, err.h, 0.0, err.e);
        if (delta.h == 0.0 && err.h == 0.0)
            continue;
        /* H^2: (q - p)^2 / (sqrt p + sqrt q)^2 = delta^2 / (d S^2),
         * S = sqrt h_A + sqrt h_B (each within err_h / 2 + 2^-100) */
        double sah, sal, sbh, sbl;
        long esa, esb;
        root_h(a, i, &sah, &sal, &esa);
        root_h(bb, i, &sbh, &sbl, &esb);
        lev_scaled root = {0.0, 0.0, 0};
        bht__lev_scaled_add(&root, sah, sal, esa);
        bht__lev_scaled_add(&root, sbh, sbl, esb);
        double th, tl;
        dd_div(delta.h, delta.l, root.h, root.l, &th, &tl);
        dd_mul(th, tl, th, tl, &th, &tl);
        long et = 2 * (delta.e - root.e);
        bht__lev_scaled_add(&out->h2, th, tl, et);
        double r2 = root.h * root.h;
        double rel = erra + errb + 0x1p-99;
        bht__lev_scaled_add(&out->h2_err, 2.0 * delta.h * err.h / r2 * (1.0 + 0x1p-50), 0.0,
                       delta.e + err.e - 2 * root.e);
        bht__lev_scaled_add(&out->h2_err, err.h * err.h / r2 * (1.0 + 0x1p-50), 0.0,
                       2 * (err.e - root.e));
        bht__lev_scaled_add(&out->h2_err, th * rel, 0.0, et);
    }
    return BHT_OK;
}

/* For B = A R^-1 with R representable: is B R^ - A exactly zero, R^ the
 * double matrix nearest to I + the increments so far, or that with its
 * entries below 2^-80 of the largest set to 0 (an exact 0 of R carries the
 * increments' noise)?  Then B = A R^-1 (R^ is invertible since A has rank
 * d): the same model, every distance exactly 0.  1 yes, 0 no, -1 no
 * memory. */
static int snapped_same_model(const lev_basis *a, const lev_basis *bb, dist_work *w,
                              const double *A, const double *B, int steps)
{
    const size_t n = a->n, d = a->d;
    double *snap = w->scratch, big = 0.0; /* d*d, unscaled */
    for (size_t k = 0; k < d; k++)
        for (size_t j = 0; j < d; j++) {
            size_t count = 0;
            w->st.terms[count++] = (lev_term){1.0, k == j ? 1.0 : 0.0, 0};
            for (int st = 0; st < steps; st++)
                w->st.terms[count++] = (lev_term){w->rot[(size_t)st * d * d + k * d + j], 1.0,
                                                  (long)bb->c[k] - a->c[j] + w->erot[st]};
            double h, l;
            long e;
            if (bht__lev_sum_exact(&w->st.acc, w->st.terms, count, &h, &l, &e) != BHT_OK)
                return -1;
            double v = h == 0.0 ? 0.0 : (e < -1100 || e > 1100 ? NAN : ldexp(h, (int)e));
            if (!isfinite(v))
                return 0;
            snap[k * d + j] = v;
        }
    for (size_t k = 0; k < d * d; k++) /* relative to each entry's column scale */
        big = fmax(big, fabs(ldexp(snap[k], a->c[k % d] - bb->c[k / d])));
    for (int candidate = 0; candidate < 2; candidate++) {
        int changed = 0;
        if (candidate == 1)
            for (size_t k = 0; k < d * d; k++)
                if (snap[k] != 0.0
                    && fabs(ldexp(snap[k], a->c[k % d] - bb->c[k / d])) <= 0x1p-80 * big) {
                    snap[k] = 0.0;
                    changed = 1;
                }
        if (candidate == 1 && !changed)
            break;
        int zero = 1;
        for (size_t i = 0; i < n && zero; i++)
            for (size_t j = 0; j < d && zero; j++) {
                size_t count = 0;
                w->st.terms[count++] = (lev_term){A[i * d + j], -1.0, 0};
                for (size_t k = 0; k < d; k++)
                    w->st.terms[count++] = (lev_term){B[i * d + k], snap[k * d + j], 0};
                double h, l;
                long e;
                if (bht__lev_sum_exact(&w->st.acc, w->st.terms, count, &h, &l, &e) != BHT_OK)
                    return -1;
                zero = h == 0.0;
            }
        if (zero)
            return 1;
    }
    return 0;
}

/* Is err at most rel times v (both scaled, err >= 0, v >= 0)? */
static int certified(const lev_scaled *err, const lev_scaled *v, double rel)
{
    if (err->h == 0.0)
        return 1;
    if (!(v->h > 0.0))
        return 0;
    return bound_le(err->h, err->e, rel * (v->h + v->l), v->e);
}

/* A non-negative sum s = (h + l) 2^e with h in [1, 2), of a quantity that
 * is at most 2 mathematically: clamped to 2 (the stage's precondition). */
static void clamp_two(lev_scaled *s)
{
    if (s->h == 0.0) {
        s->l = 0.0;
        s->e = 0;
        return;
    }
    if (s->e > 1 || (s->e == 1 && (s->h > 1.0 || (s->h == 1.0 && s->l > 0.0)))) {
        s->h = 1.0;
        s->l = 0.0;
        s->e = 1;
    }
    if (s->e < -1000000)
        s->e = -1000000;
}

/* Algorithm: Q_A, T_A with A_s = Q_A T_A and Q_B for B from the dd basis
 * of leverage_core.h; D = B R - A formed exactly (long accumulator,
 * leverage_exact_sum.h) and the rows e_i of E = D_s T_A^-1, so that
 * (B R)_s T_A^-1 = Q + E and, with F = Q^T E + E^T Q + E^T E (Q^T Q = I),
 *   d (q_i - p_i) = r^T (I + F)^-1 r - q^T q = 2 q.e + e.e - (F r).x,
 * r = q_i + e_i, x = (I + F)^-1 r (dd Cholesky of I + F).  Every term is
 * O(|E|), so q_i - p_i keeps its relative accuracy however close the
 * models are -- when E carries no part in the range of A.  R = I first
 * (D = B - A); while the bound below fails, R grows by the least-squares
 * increment -T_B^-1 Q_B^T E T_A (at most 3 times), which removes that part
 * (B = c A, B = A R, B = 1e-5 A rounded to doubles: D becomes the rounding
 * noise itself, exactly).  Per row the route with the smaller certified
 * bound is taken: this one, bounded by 4 err_row (2|q||e| + |e|^2) +
 * (2 kappa(I + F) + 1) err_row |F||r||x| + |dF||r||x|, or h_B - h_A, bounded
 * by err_h (h_A + h_B) (err_row, err_h: leverage_core.h).  Then
 * TV = 1/2 sum |q - p| and H^2 = 1/2 sum (q - p)^2 / (sqrt p + sqrt q)^2 in
 * dd with separate exponents (no underflow), each rounded once, H from the
 * dd H^2.  The distances are returned when the summed bounds are at most
 * 2^-53 of TV and of H^2 (so within 1.5 ulp of the exact values; budget 2
 * ulp), exactly 0 when D
 * is exactly 0 or B = A P Diag(r) exactly; otherwise BHT_E_RANGE (models
 * that agree far below the rounding noise of their inputs in a way the
 * alignment cannot expose, e.g. B = A R with R^-1 not representable). */
bht_status bht_distance_leverage(size_t n, size_t d, const double *A, const double *B,
                                 const double *s, bht_distances *out)
{
    if (!out || !A || !B || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N
        || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    lev_basis a, bb;
    bht_status status = build_bases(n, d, A, B, s, &a, &bb);
    if (status != BHT_OK)
        return status;
    dist_work w;
    status = work_alloc(&w, n, d);
    if (status != BHT_OK) {
        bases_free(&a, &bb);
        return status;
    }
    lev_scaled h2 = {0.0, 0.0, 0}, tv = {0.0, 0.0, 0};
    int same = same_model_by_columns(n, d, A, B, &w.st.acc);
    if (same < 0)
        status = BHT_E_NOMEM;
    /* A model (rank d) with exactly d nonzero rows has h_ii = 1 on them: p
     * is uniform there, whatever A and s are.  When both models are like
     * that (always when n = d), H^2 = TV = (d - k) / d exactly, k the rows
     * nonzero in both. */
    size_t rows_a = 0, rows_b = 0, common = 0;
    for (size_t i = 0; i < n; i++) {
        int za = a.qe[i] == LEV_ZERO_ROW, zb = bb.qe[i] == LEV_ZERO_ROW;
        rows_a += (size_t)!za;
        rows_b += (size_t)!zb;
        common += (size_t)(!za && !zb);
    }
    int done = status != BHT_OK || same == 1;
    /* both of rank d (certified): the same model, or exactly d nonzero rows
     * each, give exact results; anything else needs the accuracy bound */
    if (!done && !(rows_a == d && rows_b == d)
        && !(a.err_h_max <= LEV_CERTIFIED_ERR && bb.err_h_max <= LEV_CERTIFIED_ERR)) {
        status = BHT_E_SINGULAR;
        done = 1;
    }
    if (!done && rows_a == d && rows_b == d) {
        /* 2 TV = 2 H^2 = 2 (d - k) / d, one rounding of the quotient */
        double qh, ql;
        dd_div(2.0 * (double)(d - common), 0.0, (double)d, 0.0, &qh, &ql);
        bht__lev_scaled_add(&tv, qh, ql, 0);
        h2 = tv;
        done = 1;
    }
    for (int step = 0; !done && step <= DIST_ALIGNMENTS; step++) {
        dist_pass pass;
        status = evaluate(&a, &bb, &w, A, B, step, &pass);
        if (status != BHT_OK)
            break;
        if (certified(&pass.tv_err, &pass.tv, DIST_CERTIFIED_ERR * (1.0 - 0x1p-50))
            && certified(&pass.h2_err, &pass.h2, DIST_CERTIFIED_ERR * (1.0 - 0x1p-50))) {
            /* the sums are d 2 TV and d 2 H^2 */
            double qh, ql;
            if (pass.tv.h != 0.0) {
                dd_div(pass.tv.h, pass.tv.l, (double)d, 0.0, &qh, &ql);
                bht__lev_scaled_add(&tv, qh, ql, pass.tv.e);
            }
            if (pass.h2.h != 0.0) {
                dd_div(pass.h2.h, pass.h2.l, (double)d, 0.0, &qh, &ql);
                bht__lev_scaled_add(&h2, qh, ql, pass.h2.e);
            }
            done = 1;
            break;
        }
        if (step == DIST_ALIGNMENTS || pass.ep == LONG_MIN) {
            status = BHT_E_RANGE;
            break;
        }
        alignment_step(&a, &bb, &w, w.ph, pass.ep, step);
        int snapped = snapped_same_model(&a, &bb, &w, A, B, step + 1);
        if (snapped < 0) {
            status = BHT_E_NOMEM;
            break;
        }
        if (snapped) {
            done = 1; /* tv = h2 = 0 */
            break;
        }
    }
    if (status == BHT_OK) {
        clamp_two(&tv);
        clamp_two(&h2);
        if (tv.h < 0.0 || h2.h < 0.0) /* sums of non-negative terms: not expected */
            status = BHT_E_RANGE;
    }
    if (status == BHT_OK) {
        double h2h = h2.h, h2l = h2.l;
        h2h = two_sum(h2h, h2l, &h2l);
        /* proved (proofs/kernels): H^2, H, TV finite and in [0, 1], given
         * the preconditions of store_distances_leverage (not proved here) */
        store_distances_leverage(out, h2h, h2l, (int)h2.e, tv.h, tv.l, (int)tv.e);
    }
    bht__lev_work_free(&w.st);
    bases_free(&a, &bb);
    return status;
}

/* The stages above under their internal names (model_distance_stages.h). */
double bht__md_round_half_unit(double hi, double lo, int scale)
{
    return round_half_unit(hi, lo, scale);
}

double bht__md_leverage_hellinger_root(double h2h, double h2l, int scale)
{
    return leverage_hellinger_root(h2h, h2l, scale);
}
