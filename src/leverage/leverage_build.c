/* leverage_build.c: the hot build path of the leverage basis (leverage_core.h,
 * algorithm and certified bounds in the header of leverage.c): the exact
 * scalings (step 0), the Householder QR in double (step 1), the dd
 * substitutions, Dot2 sums and Cholesky (steps 2-4) with the exact-residual
 * refinement, the row maps, build_pass compiled per code path with its
 * run-time dispatch, and |q_i|^2.  Split from leverage.c (issue 13: no
 * source file over 1,000 lines); leverage.c keeps the kernel, whose
 * helpers are proved by Frama-C WP (proofs/kernels.mk), and the cold parts
 * of the basis (the dd QR fallback, the condition estimate, the inverse
 * certificate, the scaled accumulator); leverage_lanes.c the 4-wide code of
 * the x86-64-v3 path, leverage_lanes.h the code paths (LEV_X86) and the
 * helpers both files use.  Not analysed by Frama-C. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"
#include "core/cpu_paths.h"
#include "core/dd_elementary.h"
#include "core/dd_leaves.h"
#include "leverage/leverage_core.h"
#include "leverage/leverage_exact_sum.h"
#include "leverage/leverage_lanes.h"

/* Largest eta = ||C - I||_F accepted (step 3). */
#define LEVERAGE_MAX_ETA 0.25
/* Rows of B below 2^-520 add less than 2^-900 to C (~ I): left out of C. */
#define LEVERAGE_ROW_FLOOR (-520)

/* ------------------------------------------------------------ step 0 */

/* Every value finite first, then s_i != 0; t[i] = ilogb s_i,
 * c[j] = -(max_i ilogb(a_ij) - t_i).  *zero_column when a column of A is 0.
 * v3: the finiteness of A and the maxima by bht__lev_scalings_v4 when it can. */
static bht_status scalings(size_t n, size_t d, const double *A, const double *s, int *t, int *c,
                           int *zero_column, int v3)
{
    *zero_column = 0;
    for (size_t i = 0; i < n; i++) {
        double si = s ? s[i] : 1.0;
        if (!isfinite(si))
            return BHT_E_NONFINITE;
        if (si == 0.0)
            return BHT_E_INVALID;
    }
    for (size_t i = 0; i < n; i++)
        t[i] = lev_ilogb(s ? s[i] : 1.0);
    int done = 0;
#if LEV_X86
    if (v3) {
        done = bht__lev_scalings_v4(n, d, A, t, c);
        if (done < 0)
            return BHT_E_NONFINITE;
    }
#else
    (void)v3;
#endif
    for (size_t k = 0; !done && k < n * d; k++)
        if (!isfinite(A[k]))
            return BHT_E_NONFINITE;
    for (size_t j = 0; !done && j < d; j++)
        c[j] = INT_MIN;
    for (size_t i = 0; !done && i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double a = A[i * d + j];
            if (a != 0.0 && lev_ilogb(a) - t[i] > c[j])
                c[j] = lev_ilogb(a) - t[i];
        }
    for (size_t j = 0; j < d; j++) {
        if (c[j] == INT_MIN)
            *zero_column = 1;
        c[j] = (c[j] == INT_MIN) ? 0 : -c[j];
    }
    return BHT_OK;
}

/* ------------------------------------------------------- step 1: QR */

/* Householder QR of the n-by-d column-major W (n >= d); writes R^ (upper,
 * row-major d-by-d).  Each reflector H = I - v v^T * (2 / v^T v) maps
 * column k to alpha e_k, alpha = -sign(x_k) ||x||, v = x - alpha e_k
 * (no cancellation in v_k). */
static LEV_HOT void householder_r(size_t n, size_t d, double *w, double *r)
{
    for (size_t k = 0; k < d; k++) {
        double *x = w + k * n;
        double norm2 = 0.0;
        for (size_t i = k; i < n; i++)
            norm2 += x[i] * x[i];
        double norm = sqrt(norm2);
        double alpha = (x[k] >= 0.0) ? -norm : norm;
        if (norm == 0.0) {
            for (size_t j = 0; j < d; j++)
                r[k * d + j] = (j <= k) ? 0.0 : w[j * n + k];
            continue;
        }
        double vk = x[k] - alpha;         /* |vk| = |x_k| + norm */
        double vtv = vk * vk + (norm2 - x[k] * x[k]);
        double beta = 2.0 / vtv;
        x[k] = vk;
        for (size_t j = k + 1; j < d; j++) {
            double *y = w + j * n;
            double dot = 0.0;
            for (size_t i = k; i < n; i++)
                dot += x[i] * y[i];
            double f = beta * dot;
            for (size_t i = k; i < n; i++)
                y[i] -= f * x[i];
        }
        r[k * d + k] = alpha;
        for (size_t j = k + 1; j < d; j++)
            r[k * d + j] = w[j * n + k];
        for (size_t j = 0; j < k; j++)
            r[k * d + j] = 0.0;
    }
}

/* --------------------------------------------------- dot2 accumulation */

/* (sh, sl) += ph * qh + (ph * ql + pl * qh): TwoProduct of the high parts,
 * TwoSum into sh, every error term into sl (Dot2 on double-double data). */
static LEV_HOT void lev_dot2_add(double *sh, double *sl, double ph, double pl, double qh,
                                 double ql)
{
    double pe, se;
    double p = two_prod(ph, qh, &pe);
    *sh = two_sum(*sh, p, &se);
    *sl += se + (pe + (ph * ql + pl * qh));
}

void bht__lev_dot2_add(double *sh, double *sl, double ph, double pl, double qh, double ql)
{
    lev_dot2_add(sh, sl, ph, pl, qh, ql);
}

/* ------------------------------------------- step 3: Cholesky of C in dd */

/* C = L L^T (lower triangles, row-major d-by-d).  Returns 0 on a
 * non-positive pivot. */
static LEV_HOT int cholesky_dd(size_t d, const double *ch, const double *cl, double *lh, double *ll)
{
    for (size_t j = 0; j < d; j++) {
        for (size_t i = j; i < d; i++) {
            double sh = ch[i * d + j], sl = cl[i * d + j];
            for (size_t k = 0; k < j; k++)
                lev_dot2_add(&sh, &sl, -lh[i * d + k], -ll[i * d + k], lh[j * d + k], ll[j * d + k]);
            double vh, vl;
            vh = two_sum(sh, sl, &vl);
            if (i == j) {
                if (!(vh > 0.0))
                    return 0;
                dd_sqrt(vh, vl, &lh[j * d + j], &ll[j * d + j]);
            } else {
                dd_div(vh, vl, lh[j * d + j], ll[j * d + j], &lh[i * d + j], &ll[i * d + j]);
            }
        }
    }
    return 1;
}

int bht__lev_cholesky_dd(size_t d, const double *ch, const double *cl, double *lh, double *ll)
{
    return cholesky_dd(d, ch, cl, lh, ll);
}

/* ------------------------------------------- dd substitutions and maps */

static LEV_HOT double substitution_error(size_t d, const double *r, const double *rl,
                                 const double *rinv, const double *yh, const double *bh);

/* ||v||_2 for a v >= |R^-T| w (w >= 0, overwritten).  With the computed
 * inverse (rinv, accepted when 1.25 d kappa <= 2^50): v = (4/3) |R^^-1|^T w.
 * Without it (rinv NULL: graded R^, whose normwise condition says nothing):
 * v = <R>^-T w, the comparison matrix (|r_kk| on the diagonal, -|r_jk| off
 * it), since |T^-1| <= <T>^-1 for triangular T (Higham, Accuracy and
 * Stability, Thm 8.12), by forward substitution in positive arithmetic
 * (each v_k adds gamma_(k+3) to the relative error of the v_j it uses:
 * below (d + 3)^2 u in all, the factor 1 + (d + 3)^2 2^-52; underflow:
 * 2^-1000 per component, w being O(1) at its top). */
static LEV_HOT double abs_inv_t_norm(size_t d, const double *r, const double *rl, const double *rinv,
                             double *w)
{
    /* a dd R^ (rl not NULL): |r_lo| <= 2^-53 |r_hi|, so the diagonal is
     * taken 2^-52 smaller and the rest 2^-52 larger (a smaller M-matrix has
     * the larger inverse) */
    const double dn = rl ? 1.0 - 0x1p-52 : 1.0, up = rl ? 1.0 + 0x1p-52 : 1.0;
    double vnorm2 = 0.0;
    if (rinv) {
        for (size_t k = 0; k < d; k++) {
            double v = 0.0;
            for (size_t j = 0; j <= k; j++)
                v += fabs(rinv[j * d + k]) * w[j];
            vnorm2 += v * v;
        }
        return (4.0 / 3.0) * sqrt(vnorm2) * (1.0 + 0x1p-40);
    }
    for (size_t k = 0; k < d; k++) { /* w becomes v */
        double t = w[k];
        for (size_t j = 0; j < k; j++)
            t += (fabs(r[j * d + k]) * up) * w[j];
        w[k] = t / (fabs(r[k * d + k]) * dn);
        vnorm2 += w[k] * w[k];
    }
    const double dd3 = (double)d + 3.0;
    return (sqrt(vnorm2) + (double)d * 0x1p-1000) * (1.0 + dd3 * dd3 * 0x1p-52);
}

/* R^T b = y (y in dd, yl may be NULL), then b / s'; forward substitution
 * with dot2 sums.  *err (when err is not NULL) gets the certified relative
 * error of b (substitution_error, with rinv as in abs_inv_t_norm; the
 * division adds 16 u^2, in l_error). */
static LEV_HOT void solve_rt(size_t d, const double *r, const double *rl, const double *rinv,
                     const double *yh, const double *yl, double sprime, double *bh, double *bl,
                     double *err)
{
    for (size_t j = 0; j < d; j++) {
        double sh = yh[j], sl = yl ? yl[j] : 0.0;
        for (size_t k = 0; k < j; k++)
            lev_dot2_add(&sh, &sl, -r[k * d + j], rl ? -rl[k * d + j] : 0.0, bh[k], bl[k]);
        sh = two_sum(sh, sl, &sl);
        dd_div(sh, sl, r[j * d + j], rl ? rl[j * d + j] : 0.0, &bh[j], &bl[j]);
    }
    if (err)
        *err = substitution_error(d, r, rl, rinv, yh, bh);
    for (size_t j = 0; j < d; j++)
        dd_div(bh[j], bl[j], sprime, 0.0, &bh[j], &bl[j]);
}

/* z = L^-1 z in place (dd forward substitution). */
static LEV_HOT void solve_l(size_t d, const double *lh, const double *ll, double *zh, double *zl)
{
    for (size_t j = 0; j < d; j++) {
        double sh = zh[j], sl = zl[j];
        for (size_t q = 0; q < j; q++)
            lev_dot2_add(&sh, &sl, -lh[j * d + q], -ll[j * d + q], zh[q], zl[q]);
        double vh, vl;
        vh = two_sum(sh, sl, &vl);
        dd_div(vh, vl, lh[j * d + j], ll[j * d + j], &zh[j], &zl[j]);
    }
}

void bht__lev_solve_l(size_t d, const double *lh, const double *ll, double *zh, double *zl)
{
    solve_l(d, lh, ll, zh, zl);
}

/* Forward substitution M b = y on LEV_LANES rows, M lower triangular with
 * entry (j, k) at mh[j * sj + k * sk] (+ ml[..], ml NULL: double M), y =
 * yh + yl (yl NULL: double y), b = bh + bl (may be y itself).  With M = R^T
 * (sj = 1, sk = d, ml NULL, yl NULL) each lane is solve_rt's row (s' = 1,
 * before its final division by 1); with M = L (sj = d, sk = 1, in place)
 * solve_l's. */
static LEV_HOT void solve_lanes(size_t d, const double *mh, const double *ml, size_t sj,
                                size_t sk, const double *yh, const double *yl, double *bh,
                                double *bl)
{
    for (size_t j = 0; j < d; j++) {
        double sh[LEV_LANES], sl[LEV_LANES];
        for (size_t l = 0; l < LEV_LANES; l++) {
            sh[l] = yh[j * LEV_LANES + l];
            sl[l] = yl ? yl[j * LEV_LANES + l] : 0.0;
        }
        for (size_t k = 0; k < j; k++) {
            const double eh = -mh[j * sj + k * sk], el = ml ? -ml[j * sj + k * sk] : 0.0;
            for (size_t l = 0; l < LEV_LANES; l++)
                lev_dot2_add(&sh[l], &sl[l], eh, el, bh[k * LEV_LANES + l],
                             bl[k * LEV_LANES + l]);
        }
        const double dh = mh[j * (sj + sk)], dl = ml ? ml[j * (sj + sk)] : 0.0;
        for (size_t l = 0; l < LEV_LANES; l++) {
            double vh, vl;
            vh = two_sum(sh[l], sl[l], &vl);
            dd_div(vh, vl, dh, dl, &bh[j * LEV_LANES + l], &bl[j * LEV_LANES + l]);
        }
    }
}

/* ------------------------------------ exact-residual refinement of a row */

/* Rows whose a-priori bound (substitution_error) exceeds this are refined. */
#define LEVERAGE_REFINE_EPS 0x1p-70

/* Workspace of the refinement, allocated on first use (no refinement, and
 * the a-priori bound kept, when that fails). */
typedef struct lev_refine_ws {
    lev_sum sum;
    lev_term *terms;
    double *tmp; /* 5 d: residual hi, lo, |r| scaled, correction hi, lo */
    long *re;    /* d: residual exponents */
} lev_refine_ws;

static void refine_ws_init(lev_refine_ws *ws)
{
    bht__lev_sum_init(&ws->sum);
    ws->terms = NULL;
    ws->tmp = NULL;
    ws->re = NULL;
}

static void refine_ws_free(lev_refine_ws *ws)
{
    bht__lev_sum_free(&ws->sum);
    free(ws->terms);
    free(ws->tmp);
    free(ws->re);
    refine_ws_init(ws);
}

/* Exact residual r = y - R^T b^ (y = yh + yl, b^ = bh + bl), each
 * component delivered as (rh_j + rl_j) 2^re_j (relative error <= 2^-104,
 * leverage_exact_sum.h).  Returns 0 when the workspace cannot grow or a
 * factor is not finite. */
static int exact_residual(size_t d, const double *r, const double *rlo, const double *yh,
                          const double *yl, const double *bh, const double *bl,
                          lev_refine_ws *ws, double *rh, double *rl, long *re)
{
    for (size_t j = 0; j < d; j++) {
        size_t count = 0;
        ws->terms[count++] = (lev_term){yh[j], 1.0, 0};
        if (yl)
            ws->terms[count++] = (lev_term){yl[j], 1.0, 0};
        for (size_t l = 0; l <= j; l++) {
            ws->terms[count++] = (lev_term){-r[l * d + j], bh[l], 0};
            ws->terms[count++] = (lev_term){-r[l * d + j], bl[l], 0};
            if (rlo) {
                ws->terms[count++] = (lev_term){-rlo[l * d + j], bh[l], 0};
                ws->terms[count++] = (lev_term){-rlo[l * d + j], bl[l], 0};
            }
        }
        for (size_t q = 0; q < count; q++) /* an overflowed b^: no refinement */
            if (!isfinite(ws->terms[q].x) || !isfinite(ws->terms[q].y))
                return 0;
        if (bht__lev_sum_exact(&ws->sum, ws->terms, count, &rh[j], &rl[j], &re[j]) != BHT_OK)
            return 0;
    }
    return 1;
}

/* R^T b = y (y = yh + yl, yl may be NULL) in dd, then b / s'; returns the
 * certified relative (2-norm) error of b before the division (the division
 * adds 16 u^2, counted in l_error).  First the dd substitution and its
 * a-priori bound (substitution_error); when that bound exceeds
 * LEVERAGE_REFINE_EPS, iterative refinement with EXACT residuals
 * r = y - R^T b^ (Kulisch sums, leverage_exact_sum.c): b^ += R^-T r in dd,
 * at most twice, and the a-posteriori bound |b - b^| = |R^-T r| <=
 * (4/3) |R^^-1|^T |r| (the computed inverse, as in substitution_error) from
 * the last exact residual (Higham, Accuracy and Stability, §12.1). */
static LEV_HOT double row_solve(size_t d, const double *r, const double *rlo, const double *rinv,
                        const double *yh, const double *yl, double sprime, double *bh,
                        double *bl, lev_refine_ws *ws)
{
    double eps;
    solve_rt(d, r, rlo, rinv, yh, yl, 1.0, bh, bl, &eps);
    if (eps > LEVERAGE_REFINE_EPS && !ws->terms) {
        ws->terms = malloc((2 * d * (d + 1) + 2 * d) * sizeof *ws->terms);
        ws->tmp = malloc(5 * d * sizeof(double));
        ws->re = malloc(d * sizeof(long));
        if (!ws->terms || !ws->tmp || !ws->re)
            refine_ws_free(ws);
    }
    int changed = 0; /* b^ corrected since eps was computed */
    const int refine = eps > LEVERAGE_REFINE_EPS && ws->terms;
    for (int it = 0; refine && it < 3; it++) {
        double *rh = ws->tmp, *rl = rh + d, *ch = rl + d, *cl = ch + d, *rexp = cl + d;
        long *re = ws->re;
        if (!exact_residual(d, r, rlo, yh, yl, bh, bl, ws, rh, rl, re))
            break;
        long emax = LONG_MIN;
        for (size_t j = 0; j < d; j++)
            if (rh[j] != 0.0 && re[j] > emax)
                emax = re[j];
        if (emax == LONG_MIN) { /* b^ is exact */
            eps = 0.0;
            changed = 0;
            break;
        }
        if (emax < -2000 || emax > 2000)
            break;
        double bnorm2 = 0.0;
        for (size_t j = 0; j < d; j++) { /* |r| 2^-emax, rounded up */
            rexp[j] = (rh[j] == 0.0) ? 0.0
                      : ldexp(fabs(rh[j]) * (1.0 + 0x1p-50), (int)(re[j] - emax)) + 0x1p-1000;
            bnorm2 += bh[j] * bh[j];
        }
        if (!(bnorm2 > 0.0))
            break;
        /* ||R^-T r|| / ||b^|| */
        double bound = ldexp(abs_inv_t_norm(d, r, rlo, rinv, rexp) / sqrt(bnorm2) * (1.0 + 0x1p-40),
                             (int)emax);
        /* the bound of the current b^ (after a correction the older one no
         * longer applies) */
        int progress = bound < eps;
        eps = (changed || progress) ? bound : eps;
        changed = 0;
        if (!progress || it == 2 || eps <= 0x1p-100)
            break;
        /* the correction R^-T r, at scale 2^emax (its error only shows in
         * the next exact residual) */
        for (size_t j = 0; j < d; j++) {
            rh[j] = ldexp(rh[j], (int)(re[j] - emax));
            rl[j] = ldexp(rl[j], (int)(re[j] - emax));
        }
        solve_rt(d, r, rlo, NULL, rh, rl, 1.0, ch, cl, NULL);
        for (size_t j = 0; j < d; j++)
            dd_add(bh[j], bl[j], ldexp(ch[j], (int)emax), ldexp(cl[j], (int)emax), &bh[j], &bl[j]);
        changed = 1;
    }
    if (changed) /* the loop ended on a correction: bound it (budget spent) */
        eps = INFINITY;
    for (size_t j = 0; j < d; j++)
        dd_div(bh[j], bl[j], sprime, 0.0, &bh[j], &bl[j]);
    return eps;
}

int bht__lev_basis_scale_row(const lev_basis *b, const double *v, double *vh, int *ev)
{
    return lev_scale_row(b, v, vh, ev);
}

/* Componentwise bound of the substitution R^T b = y (header): the relative
 * 2-norm error of the computed b^ (high parts; their relative error is far
 * below the bound's 4/3 margin).  O(d^2). */
static LEV_HOT double substitution_error(size_t d, const double *r, const double *rl,
                                 const double *rinv, const double *yh, const double *bh)
{
    const double up = rl ? 1.0 + 0x1p-52 : 1.0; /* |R| of a dd R^ */
    const double g = ((double)d * (double)d + 2.0 * (double)d + 17.0) * 0x1p-106;
    double w[BHT_LEVERAGE_MAX_D];
    double bnorm2 = 0.0;
    for (size_t j = 0; j < d; j++) { /* w = |y| + |R^T| |b^| */
        double t = fabs(yh[j]);
        for (size_t l = 0; l <= j; l++)
            t += (fabs(r[l * d + j]) * up) * fabs(bh[l]);
        w[j] = t;
        bnorm2 += bh[j] * bh[j];
    }
    if (!(bnorm2 > 0.0))
        return INFINITY;
    return g * abs_inv_t_norm(d, r, rl, rinv, w) / sqrt(bnorm2) * (1.0 + 0x1p-40);
}

/* eps_L + 16 u^2 of the header. */
static LEV_HOT double l_error(size_t d)
{
    const double g = ((double)d * (double)d + 2.0 * (double)d + 17.0) * 0x1p-106;
    return 2.0 * (double)d * sqrt((double)d) * g + 16.0 * 0x1p-106;
}

void bht__lev_basis_map(const lev_basis *b, double si, const double *vh, const double *vl, int ev,
                   double *oh, double *ol, int *eo, double *err)
{
    int ti = lev_ilogb(si);
    if (err) { /* sign kept: A_s itself */
        lev_refine_ws ws;
        refine_ws_init(&ws);
        *err = row_solve(b->d, b->r, b->rl, b->graded ? NULL : b->rinv, vh, vl, lev_ldexp(si, -ti),
                         oh, ol, &ws)
               + l_error(b->d);
        refine_ws_free(&ws);
    } else {
        solve_rt(b->d, b->r, b->rl, NULL, vh, vl, lev_ldexp(si, -ti), oh, ol, NULL);
    }
    solve_l(b->d, b->lh, b->ll, oh, ol);
    *eo = ev - ti;
}

static LEV_HOT double lev_err_h(const lev_basis *b, size_t i)
{
    const double dd = (double)b->d;
    return 2.1 * b->err_q[i] + b->gram + (dd * dd + 20.0) * 0x1p-106;
}

double bht__lev_basis_err_h(const lev_basis *b, size_t i)
{
    return lev_err_h(b, i);
}

/* Steps 1-4 of the header with the scalings done; wl NULL: R^ by
 * Householder in double, else in double-double (wl: n*d low parts of W).
 * v3 (a constant in each caller): the 4-wide code of the x86-64-v3 path
 * where there is one.  The work area: a row (2 dp, dp = d rounded up to a
 * multiple of 4), C (2 d dp, row stride dp), the lanes (3 LEV_LANES d, and
 * LEV_LANES d for substitution_error_v4). */
static LEV_HOT bht_status build_pass_body(size_t n, size_t d, const double *A, lev_basis *b,
                                          double *work, double *wl, double *cond,
                                          double max_err_h, const int v3)
{
#if !LEV_X86
    (void)v3;
#endif
    /* Step 1 (tiny entries of W may underflow: R^ is only a preconditioner) */
    double *w = b->qh; /* n*d: the rows of B are written there after the QR */
    /* W column-major (entry (i, j) at w[j * n + i]), or row-major (at
     * w[i * d + j]) for householder_r_v4 */
    const int w_rows = LEV_X86 && v3 && !wl && d >= 3; /* stride d + 3 <= 2 d: in qh, ql */
    const size_t wi = w_rows ? d + 3 : 1, wj = w_rows ? 1 : n;
    for (size_t i = 0; i < n; i++) {
        double sprime = fabs(lev_ldexp(lev_s(b, i), -b->t[i])); /* in [1, 2) */
#if LEV_X86
        if (w_rows) {
            bht__lev_w_row_v4(d, A + i * d, b->c, b->t[i], sprime, w + i * wi);
            continue;
        }
#endif
        for (size_t j = 0; j < d; j++) {
            double a = lev_ldexp(A[i * d + j], b->c[j] - b->t[i]);
            if (wl)
                dd_div(a, 0.0, sprime, 0.0, &w[j * n + i], &wl[j * n + i]);
            else
                w[j * wj + i * wi] = a / sprime;
        }
    }
    if (wl)
        bht__lev_householder_r_dd(n, d, w, wl, b->r, b->rl);
#if LEV_X86
    else if (w_rows)
        bht__lev_householder_r_v4(n, d, w, b->r);
#endif
    else
        householder_r(n, d, w, b->r);
    b->cond = bht__lev_condition_estimate(d, b->r, b->rinv);
    if (cond)
        *cond = b->cond;
    /* Above 2^50 (and always for a dd R^, whose inverse was formed from
     * its high part) the computed inverse must be certified by its exact
     * residual, else the comparison matrix (abs_inv_t_norm) bounds the
     * substitutions (graded designs). */
    b->graded = wl || !(1.25 * b->cond * (double)d <= BHT_LEVERAGE_MAX_COND);
    if (!(b->cond < INFINITY))
        return BHT_E_SINGULAR;
    if (b->graded) {
        bht_status rs = bht__lev_inverse_residual_check(d, b->r, b->rl, b->rinv, &b->graded);
        if (rs != BHT_OK)
            return rs;
    }
    /* Steps 2 and 3: rows of B (stored in qh/ql at their own scale), their
     * certified errors, C */
    const double u2 = 0x1p-106, nn = (double)n, dd = (double)d;
    const double g = (dd * dd + 2.0 * dd + 17.0) * u2, lerr = l_error(d);
    const size_t dp = (d + 3) / 4 * 4;
    double *ch = work + 2 * dp, *cl = ch + d * dp, row_err2 = 0.0;
    lev_refine_ws ws;
    refine_ws_init(&ws);
    for (size_t k = 0; k < 2 * dp + 2 * d * dp; k++) /* the row (its padding) and C */
        work[k] = 0.0;
    /* lanes (R^ in double): LEV_LANES rows' y, b^ hi and lo */
    double *ly = cl + d * dp, *lbh = ly + LEV_LANES * d, *lbl = lbh + LEV_LANES * d;
    const double *rinv = b->graded ? NULL : b->rinv;
    int lev_e[LEV_LANES], lev_nz[LEV_LANES]; /* the lanes' row exponents, nonzero flags */
    double leps[LEV_LANES]; /* x86-64-v3: the lanes' substitution_error */
    for (size_t i = 0; i < n; i++) {
        double *yh = work;
        double *bh = b->qh + i * d, *bl = b->ql + i * d;
        const size_t lane = i % LEV_LANES;
#if LEV_X86
        if (v3 && !b->rl && lane == 0) { /* the next LEV_LANES rows' y, b^, bounds */
            /* y in the lanes; b^, divided by 1 and s' (rows not refined),
             * into the rows of qh, ql */
            const size_t cnt = n - i < LEV_LANES ? n - i : LEV_LANES;
            size_t idx[LEV_LANES];
            double sp[LEV_LANES];
            bht__lev_scale_rows_v4(b, A, i, cnt, ly, yh, lev_nz, lev_e);
            for (size_t l = 0; l < LEV_LANES; l++) {
                idx[l] = i + l;
                sp[l] = lev_nz[l] ? lev_ldexp(lev_s(b, i + l), -b->t[i + l]) : 1.0;
            }
            bht__lev_solve_lanes_v4(d, b->r, NULL, 1, d, ly, NULL, lbh, lbl);
            bht__lev_substitution_error_v4(d, b->r, rinv, ly, lbh, lbl + LEV_LANES * d, leps);
            for (size_t h = 0; h < LEV_LANES; h += 4)
                bht__lev_divide_lanes_v4(d, lbh + h, lbl + h, sp + h);
            bht__lev_lanes_copy_v4(d, b->qh, idx, cnt, lbh, 0);
            bht__lev_lanes_copy_v4(d, b->ql, idx, cnt, lbl, 0);
        }
#endif
        if (!v3 && !b->rl && lane == 0) { /* the next LEV_LANES rows' y, and their b^ */
            for (size_t l = 0; l < LEV_LANES; l++) {
                lev_nz[l] = i + l < n && lev_scale_row(b, A + (i + l) * d, yh, &lev_e[l]);
                if (!lev_nz[l])
                    for (size_t j = 0; j < d; j++)
                        yh[j] = 0.0; /* no row, or a zero row: a lane left unused */
                for (size_t j = 0; j < d; j++)
                    ly[j * LEV_LANES + l] = yh[j];
            }
            solve_lanes(d, b->r, NULL, 1, d, ly, NULL, lbh, lbl);
        }
        int ev, nonzero;
        b->err_q[i] = 0.0;
        if (b->rl) {
            nonzero = lev_scale_row(b, A + i * d, yh, &ev);
        } else { /* the row's scaled form, as the lanes computed it */
            nonzero = lev_nz[lane];
            ev = lev_e[lane];
            for (size_t j = 0; !v3 && j < d; j++)
                yh[j] = ly[j * LEV_LANES + lane];
        }
        if (!nonzero) {
            b->qe[i] = LEV_ZERO_ROW;
            for (size_t j = 0; j < d; j++)
                bh[j] = bl[j] = 0.0;
            continue;
        }
        double si = lev_s(b, i), eps;
        const double sprime = lev_ldexp(si, -b->t[i]);
        if (b->rl) {
            eps = row_solve(d, b->r, b->rl, rinv, yh, NULL, sprime, bh, bl, &ws);
        } else if (v3) { /* the lanes did all but the refinement */
            eps = leps[lane];
            if (eps > LEVERAGE_REFINE_EPS) {
                for (size_t j = 0; j < d; j++)
                    yh[j] = ly[j * LEV_LANES + lane];
                eps = row_solve(d, b->r, NULL, rinv, yh, NULL, sprime, bh, bl, &ws);
            }
        } else {
            /* row_solve's first step, solve_rt(.., s' = 1, &eps), from the
             * lanes; only a row to refine goes through row_solve again */
            for (size_t j = 0; j < d; j++) {
                bh[j] = lbh[j * LEV_LANES + lane];
                bl[j] = lbl[j * LEV_LANES + lane];
            }
            eps = substitution_error(d, b->r, NULL, rinv, yh, bh);
            if (eps > LEVERAGE_REFINE_EPS) {
                eps = row_solve(d, b->r, NULL, rinv, yh, NULL, sprime, bh, bl, &ws);
            } else {
                for (size_t j = 0; j < d; j++) { /* solve_rt's by 1, row_solve's by s' */
                    lev_dd_div_one(&bh[j], &bl[j]);
                    if (sprime == 1.0)
                        lev_dd_div_one(&bh[j], &bl[j]);
                    else
                        dd_div(bh[j], bl[j], sprime, 0.0, &bh[j], &bl[j]);
                }
            }
        }
        b->err_q[i] = eps + lerr;
        int eb = ev - b->t[i];
        b->qe[i] = eb;
        double bn2 = 0.0;
        for (size_t j = 0; j < d; j++)
            bn2 += bh[j] * bh[j];
        if (eb < LEVERAGE_ROW_FLOOR) { /* |b_i|^2 < 2^-900: the whole row is the error */
            row_err2 += ldexp(bn2 * 1.01, 2 * LEVERAGE_ROW_FLOOR);
            continue;
        }
        row_err2 += eps * eps * lev_ldexp(bn2 * 1.01, 2 * eb);
        double *sh = yh, *sl = yh + dp; /* the row at its true scale (yh is free now) */
#if LEV_X86
        if (v3) {
            bht__lev_scale_pow2_v4(d, bh, eb, sh);
            bht__lev_scale_pow2_v4(d, bl, eb, sl);
            bht__lev_gram_add_v4(d, dp, sh, sl, ch, cl);
            continue;
        }
#endif
        for (size_t j = 0; j < d; j++) {
            sh[j] = lev_ldexp(bh[j], eb);
            sl[j] = lev_ldexp(bl[j], eb);
        }
        for (size_t x = 0; x < d; x++)
            for (size_t y = 0; y <= x; y++)
                lev_dot2_add(&ch[x * dp + y], &cl[x * dp + y], sh[x], sl[x], sh[y], sl[y]);
    }
    double eta2 = 0.0;
    for (size_t x = 0; x < d; x++) /* C normalized, moved to row stride d (no entry is */
        for (size_t y = 0; y <= x; y++) { /* overwritten before it is read) */
            double hi, lo;
            hi = two_sum(ch[x * dp + y], cl[x * dp + y], &lo);
            ch[x * d + y] = hi;
            cl[x * d + y] = lo;
            double e = (x == y) ? (hi - 1.0) + lo : hi;
            eta2 += (x == y ? 1.0 : 2.0) * e * e;
        }
    refine_ws_free(&ws);
    if (!(sqrt(eta2) <= LEVERAGE_MAX_ETA) || !cholesky_dd(d, ch, cl, b->lh, b->ll))
        return BHT_E_SINGULAR;
    /* ||B^T B - B~^T B~|| <= 2 ||B|| ||dB|| + ||dB||^2, ||dB|| <= ||dB||_F =
     * sqrt(sum eps_k^2 |b_k|^2), ||B|| <= sqrt(5/4) (eta <= 1/4) */
    double row_gram = 2.3 * sqrt(row_err2) * (1.0 + 0x1p-40) + row_err2;
    b->gram = (4.0 / 3.0) * 1.1 * (row_gram + 1.25 * dd * ((nn * nn + 3.0) * u2 + g));
    /* Step 4: q_i = L^-1 b_i, and the certification of every h_ii */
    b->err_h_max = 0.0;
    size_t rows[LEV_LANES], count = 0;
    for (size_t i = 0; i <= n; i++) { /* LEV_LANES nonzero rows at a time */
        if (i < n && b->qe[i] != LEV_ZERO_ROW)
            rows[count++] = i;
        if (count == 0 || (count < LEV_LANES && i < n))
            continue;
#if LEV_X86
        if (v3) {
            bht__lev_lanes_copy_v4(d, b->qh, rows, count, lbh, 1);
            bht__lev_lanes_copy_v4(d, b->ql, rows, count, lbl, 1);
            bht__lev_solve_lanes_v4(d, b->lh, b->ll, d, 1, lbh, lbl, lbh, lbl);
            bht__lev_lanes_copy_v4(d, b->qh, rows, count, lbh, 0);
            bht__lev_lanes_copy_v4(d, b->ql, rows, count, lbl, 0);
            for (size_t l = 0; l < count; l++)
                b->err_h_max = fmax(b->err_h_max, lev_err_h(b, rows[l]));
            count = 0;
            continue;
        }
#endif
        for (size_t l = 0; l < LEV_LANES; l++)
            for (size_t j = 0; j < d; j++) { /* unused lanes: zeros */
                lbh[j * LEV_LANES + l] = l < count ? b->qh[rows[l] * d + j] : 0.0;
                lbl[j * LEV_LANES + l] = l < count ? b->ql[rows[l] * d + j] : 0.0;
            }
        solve_lanes(d, b->lh, b->ll, d, 1, lbh, lbl, lbh, lbl);
        for (size_t l = 0; l < count; l++) {
            for (size_t j = 0; j < d; j++) {
                b->qh[rows[l] * d + j] = lbh[j * LEV_LANES + l];
                b->ql[rows[l] * d + j] = lbl[j * LEV_LANES + l];
            }
            b->err_h_max = fmax(b->err_h_max, lev_err_h(b, rows[l]));
        }
        count = 0;
    }
    if (!(b->err_h_max <= max_err_h) || !(b->gram <= LEV_RANK_ONLY))
        return BHT_E_SINGULAR;
    return BHT_OK;
}

static bht_status build_pass_generic(size_t n, size_t d, const double *A, lev_basis *b,
                                     double *work, double *wl, double *cond, double max_err_h)
{
    return build_pass_body(n, d, A, b, work, wl, cond, max_err_h, 0);
}

#if LEV_X86
__attribute__((target("arch=x86-64-v3"))) static bht_status
build_pass_v3(size_t n, size_t d, const double *A, lev_basis *b, double *work, double *wl,
              double *cond, double max_err_h)
{
    return build_pass_body(n, d, A, b, work, wl, cond, max_err_h, 1);
}
#endif

int bht__lev_path_available(int path)
{
    switch (path) {
    case LEV_PATH_AUTO:
    case LEV_PATH_GENERIC:
        return 1;
#if LEV_X86
    case LEV_PATH_X86_64_V3:
        return bht__cpu_x86_64_v3();
#endif
    default:
        return 0;
    }
}

/* The path LEV_PATH_AUTO stands for. */
static int lev_auto_path(void)
{
    return bht__lev_path_available(LEV_PATH_X86_64_V3) ? LEV_PATH_X86_64_V3 : LEV_PATH_GENERIC;
}

/* |q_i|^2 of bht_leverage's step 4 for rows [from, to) of the basis: dot2
 * of the row with itself, normalized (hh[i] + hl[i]); zero rows are
 * skipped. */
static LEV_HOT void row_sumsq_body(const lev_basis *b, size_t from, size_t to, double *hh,
                                   double *hl)
{
    const size_t d = b->d;
    for (size_t i = from; i < to; i++) {
        if (b->qe[i] == LEV_ZERO_ROW)
            continue;
        const double *qh = b->qh + i * d, *ql = b->ql + i * d;
        double sh = 0.0, sl = 0.0;
        for (size_t j = 0; j < d; j++)
            lev_dot2_add(&sh, &sl, qh[j], ql[j], qh[j], ql[j]);
        hh[i] = two_sum(sh, sl, &hl[i]);
    }
}

static void row_sumsq_generic(const lev_basis *b, double *hh, double *hl)
{
    row_sumsq_body(b, 0, b->n, hh, hl);
}

#if LEV_X86
/* row_sumsq_body, 8 rows at a time (bht__lev_row_sumsq8_v4); a group of 8
 * with a zero row, and the last rows, by row_sumsq_body itself. */
static void row_sumsq_v3(const lev_basis *b, double *hh, double *hl)
{
    const size_t n8 = b->n / 8 * 8;
    for (size_t i = 0; i < b->n; i += 8) {
        int zero = i >= n8;
        for (size_t l = 0; !zero && l < 8; l++)
            zero = b->qe[i + l] == LEV_ZERO_ROW;
        if (zero)
            row_sumsq_body(b, i, i + 8 < b->n ? i + 8 : b->n, hh, hl);
        else
            bht__lev_row_sumsq8_v4(b, i, hh, hl);
    }
}
#endif

void bht__lev_row_sumsq(const lev_basis *b, double *hh, double *hl, int path)
{
#if LEV_X86
    if (path == LEV_PATH_AUTO)
        path = lev_auto_path();
    if (path == LEV_PATH_X86_64_V3) {
        row_sumsq_v3(b, hh, hl);
        return;
    }
#else
    (void)path;
#endif
    row_sumsq_generic(b, hh, hl);
}

/* build_pass on the given path (LEV_PATH_AUTO: the best this CPU runs). */
static bht_status build_pass(size_t n, size_t d, const double *A, lev_basis *b, double *work,
                             double *wl, double *cond, double max_err_h, int path)
{
#if LEV_X86
    if (path == LEV_PATH_AUTO)
        path = lev_auto_path();
    if (path == LEV_PATH_X86_64_V3)
        return build_pass_v3(n, d, A, b, work, wl, cond, max_err_h);
#else
    (void)path;
#endif
    return build_pass_generic(n, d, A, b, work, wl, cond, max_err_h);
}

bht_status bht__lev_basis_build(size_t n, size_t d, const double *A, const double *s, lev_basis *b,
                           double *cond, double max_err_h)
{
    return bht__lev_basis_build_path(n, d, A, s, b, cond, max_err_h, LEV_PATH_AUTO);
}

bht_status bht__lev_basis_build_path(size_t n, size_t d, const double *A, const double *s,
                                     lev_basis *b, double *cond, double max_err_h, int path)
{
    memset(b, 0, sizeof *b);
    if (!A || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    b->n = n;
    b->d = d;
    b->s = s;
    /* One block for every array (one malloc and one free per call: with
     * glibc, repeated calls then reuse the heap instead of trimming it and
     * faulting the pages in again).  Doubles first: r, rinv, lh, ll (d*d
     * each), qh, ql (n*d each; qh holds the QR input W first), err_q (n),
     * the work area (build_pass_body: 2 dp for a row, 2 d dp for C, 4
     * LEV_LANES d for the lanes; dp = d rounded up to a multiple of 4);
     * then the ints t (n), qe (n), c (d). */
    const size_t nd = n * d, d2 = d * d, dp = (d + 3) / 4 * 4;
    const size_t wsize = 2 * dp + 2 * d * dp + 4 * LEV_LANES * d;
    b->block = malloc((4 * d2 + 2 * nd + n + wsize) * sizeof(double) + (2 * n + d) * sizeof(int));
    if (!b->block) {
        bht__lev_basis_free(b);
        return BHT_E_NOMEM;
    }
    b->r = b->block;
    b->rinv = b->r + d2;
    b->lh = b->rinv + d2;
    b->ll = b->lh + d2;
    b->qh = b->ll + d2;
    b->ql = b->qh + nd;
    b->err_q = b->ql + nd;
    double *work = b->err_q + n;
    b->t = (int *)(work + wsize);
    b->qe = b->t + n;
    b->c = b->qe + n;
    int zero_column = 0;
    if (path == LEV_PATH_AUTO)
        path = lev_auto_path();
    bht_status status = scalings(n, d, A, s, b->t, b->c, &zero_column,
                                 path == LEV_PATH_X86_64_V3
                                     && bht__lev_path_available(LEV_PATH_X86_64_V3));
    if (status == BHT_OK && zero_column) {
        if (cond)
            *cond = INFINITY;
        status = BHT_E_SINGULAR;
    }
    if (status != BHT_OK) {
        bht__lev_basis_free(b);
        return status;
    }
    status = build_pass(n, d, A, b, work, NULL, cond, max_err_h, path);
    if (status == BHT_E_SINGULAR) {
        /* the fallback: R^ in double-double (graded rows that a double
         * R^ cannot precondition), with the comparison-matrix bounds */
        double *wl = malloc(n * d * sizeof(double));
        b->rl = malloc(d * d * sizeof(double));
        status = (wl && b->rl) ? build_pass(n, d, A, b, work, wl, cond, max_err_h, path) : BHT_E_NOMEM;
        free(wl);
    }
    if (status != BHT_OK)
        bht__lev_basis_free(b);
    return status;
}
