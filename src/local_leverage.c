/* local_leverage.c: double kernel for the leverage-model local analysis
 * (bht.h, "leverage local analysis"), and the double-double orthonormal
 * basis shared with the leverage model distances (leverage_local_internal.h).
 *
 * Mathematics (paper Thm 4.3, App. A.4; derived and checked numerically in
 * tests/test_local_leverage.c).  A_s = Diag(s)^-1 A, G = A_s^T A_s,
 * H = A_s G^-1 A_s^T, B_eps = A + eps M, M_s = Diag(s)^-1 M.  The derivative
 * of the projector is dH/deps = (I - H) M_s G^-1 A_s^T + (its transpose), so
 * with W = (I - H) M_s G^-1 A_s^T:
 *   dq_i/deps = 2 W_ii / d                  (the paper's A.4 omits the 1/d);
 *   w_i = W_ii / h_ii (0 where h_ii = 0), E_p[w] = tr(W)/d = 0 because
 *   A_s^T (I - H) = 0, so nu = Var_p(w_s) = (1/d) sum W_ii^2 / h_ii;
 *   L = lim H^2/eps^2 = (1/8) sum (dq_i)^2 / p_i + (zero rows)
 *     = nu / 2 + (1/(2d)) sum_{a_i = 0} m_s,i^T G^-1 m_s,i,
 * where a zero row a_i (h_ii = 0) has q_i(eps) = eps^2 m_s,i^T G^-1 m_s,i / d
 * + O(eps^3), contributing to H^2 at order eps^2 but not to nu.
 * Computational form: A_s = Q T with Q^T Q = I; with Y = M_s T^-1,
 * K = Q^T Y and Z = Y - Q K: W_ii = z_i . q_i, h_ii = |q_i|^2 and
 * m_s,i^T G^-1 m_s,i = |y_i|^2. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"
#include "dd_elementary.h"
#include "dd_round_nonneg.h"
#include "leverage_local_internal.h"

/* Largest ||C - I||_F accepted (as leverage.c). */
#define LEV_MAX_ETA 0.25

/* ====================== basis (steps 0-1 shared with leverage.c, leverage_core.h) */

/* R^T b = y (y in dd), then b / s'; forward substitution with Dot2 sums. */
static void solve_rt(size_t d, const double *r, const double *yh, const double *yl,
                     double sprime, double *bh, double *bl)
{
    for (size_t j = 0; j < d; j++) {
        double sh = yh[j], sl = yl ? yl[j] : 0.0;
        for (size_t k = 0; k < j; k++)
            lev_dot2_add(&sh, &sl, -r[k * d + j], 0.0, bh[k], bl[k]);
        sh = two_sum(sh, sl, &sl);
        dd_div(sh, sl, r[j * d + j], 0.0, &bh[j], &bl[j]);
    }
    for (size_t j = 0; j < d; j++)
        dd_div(bh[j], bl[j], sprime, 0.0, &bh[j], &bl[j]);
}

/* z = L^-1 b in place (double-double forward substitution). */
void lev_solve_l(size_t d, const double *lh, const double *ll, double *zh, double *zl)
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

void lev_basis_free(lev_basis *b)
{
    free(b->t);
    free(b->c);
    free(b->r);
    free(b->lh);
    free(b->ll);
    free(b->qh);
    free(b->ql);
    free(b->work);
    memset(b, 0, sizeof *b);
}

void lev_basis_map(const lev_basis *b, size_t i, const double *vh, const double *vl, int scale,
                   double *outh, double *outl)
{
    lev_basis_map_row(b, b->s ? b->s[i] : 1.0, vh, vl, scale, outh, outl);
}

void lev_basis_map_row(const lev_basis *b, double si, const double *vh, const double *vl,
                       int scale, double *outh, double *outl)
{
    const size_t d = b->d;
    double *yh = b->work, *yl = b->work + d;
    int ti = ilogb(si);
    double sprime = ldexp(si, -ti); /* sign kept: A_s itself */
    for (size_t j = 0; j < d; j++) {
        int e = scale + b->c[j] - ti;
        yh[j] = ldexp(vh[j], e);
        yl[j] = vl ? ldexp(vl[j], e) : 0.0;
    }
    solve_rt(d, b->r, yh, yl, sprime, outh, outl);
    lev_solve_l(d, b->lh, b->ll, outh, outl);
}

int lev_basis_exponent_range(const lev_basis *b, const double *V, int *emax, int *emin)
{
    int any = 0;
    *emax = INT32_MIN;
    *emin = INT32_MAX;
    for (size_t i = 0; i < b->n; i++)
        for (size_t j = 0; j < b->d; j++) {
            double v = V[i * b->d + j];
            if (v == 0.0)
                continue;
            int e = ilogb(v) + b->c[j] - b->t[i];
            any = 1;
            if (e > *emax)
                *emax = e;
            if (e < *emin)
                *emin = e;
        }
    if (!any)
        *emax = *emin = 0;
    return any;
}

bht_status lev_basis_build(size_t n, size_t d, const double *A, const double *s, lev_basis *b)
{
    memset(b, 0, sizeof *b);
    if (!A || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    b->n = n;
    b->d = d;
    b->s = s;
    b->t = malloc(n * sizeof(int));
    b->c = malloc(d * sizeof(int));
    b->r = malloc(d * d * sizeof(double));
    b->lh = malloc(d * d * sizeof(double));
    b->ll = malloc(d * d * sizeof(double));
    b->qh = malloc(n * d * sizeof(double));
    b->ql = malloc(n * d * sizeof(double));
    /* work: n*d (QR input), later 2 d*d (C) and 2d (rows); n >= d */
    b->work = malloc((n * d + 2 * d * d + 4 * d) * sizeof(double));
    if (!b->t || !b->c || !b->r || !b->lh || !b->ll || !b->qh || !b->ql || !b->work) {
        lev_basis_free(b);
        return BHT_E_NOMEM;
    }
    int zero_column = 0;
    bht_status status = lev_scalings(n, d, A, s, b->t, b->c, &zero_column);
    if (status == BHT_OK && zero_column)
        status = BHT_E_SINGULAR;
    if (status != BHT_OK) {
        lev_basis_free(b);
        return status;
    }
    double *w = b->work + 4 * d;
    for (size_t i = 0; i < n; i++) {
        double sprime = fabs(ldexp(s ? s[i] : 1.0, -b->t[i]));
        for (size_t j = 0; j < d; j++)
            w[j * n + i] = ldexp(A[i * d + j], b->c[j] - b->t[i]) / sprime;
    }
    lev_householder_r(n, d, w, b->r);
    b->cond = lev_condition_estimate(d, b->r, b->lh /* scratch */);
    if (!(b->cond <= BHT_LEVERAGE_MAX_COND)) {
        lev_basis_free(b);
        return BHT_E_SINGULAR;
    }
    /* rows b_i of B = A_s D R^-1 (stored in qh/ql), C = B^T B */
    double *ch = b->work + 4 * d, *cl = ch + d * d;
    for (size_t k = 0; k < d * d; k++)
        ch[k] = cl[k] = 0.0;
    for (size_t i = 0; i < n; i++) {
        double *yh = b->work, *yl = b->work + d;
        double sprime = ldexp(s ? s[i] : 1.0, -b->t[i]);
        for (size_t j = 0; j < d; j++) {
            yh[j] = ldexp(A[i * d + j], b->c[j] - b->t[i]);
            yl[j] = 0.0;
        }
        double *bh = b->qh + i * d, *bl = b->ql + i * d;
        solve_rt(d, b->r, yh, yl, sprime, bh, bl);
        for (size_t x = 0; x < d; x++)
            for (size_t y = 0; y <= x; y++)
                lev_dot2_add(&ch[x * d + y], &cl[x * d + y], bh[x], bl[x], bh[y], bl[y]);
    }
    double eta2 = 0.0;
    for (size_t x = 0; x < d; x++)
        for (size_t y = 0; y <= x; y++) {
            double lo;
            ch[x * d + y] = two_sum(ch[x * d + y], cl[x * d + y], &lo);
            cl[x * d + y] = lo;
            double e = (x == y) ? (ch[x * d + y] - 1.0) + lo : ch[x * d + y];
            eta2 += (x == y ? 1.0 : 2.0) * e * e;
        }
    if (!(sqrt(eta2) <= LEV_MAX_ETA) || !lev_cholesky_dd(d, ch, cl, b->lh, b->ll)) {
        lev_basis_free(b);
        return BHT_E_SINGULAR;
    }
    for (size_t i = 0; i < n; i++)
        lev_solve_l(d, b->lh, b->ll, b->qh + i * d, b->ql + i * d);
    return BHT_OK;
}

/* ================================================================ nu */

/* Final stage of bht_nu_leverage: nu = RN((nh + nl) 2^(ne - 2 mu)) and the
 * local constant RN((lh + ll) 2^(le - 2 mu)), each a non-negative dd. */
/*@ requires valid_out: \valid(out);
    requires nu_sum: \is_finite(nh) && nh >= 0.0 && \is_finite(nl);
    requires constant_sum: \is_finite(lh) && lh >= 0.0 && \is_finite(ll);
    requires exponents: -100000 <= ne <= 100000 && -100000 <= le <= 100000
                        && -100000 <= mu <= 100000;
    assigns out->nu, out->local_constant;
    ensures nu_nonneg: !\is_NaN(out->nu) && out->nu >= 0.0;
    ensures local_constant_nonneg:
      !\is_NaN(out->local_constant) && out->local_constant >= 0.0;
*/
static void store_nu_leverage(bht_local_result *out, double nh, double nl, int ne, double lh,
                              double ll, int le, int mu)
{
    out->nu = round_scaled_nonneg(nh, nl, ne - 2 * mu);
    out->local_constant = round_scaled_nonneg(lh, ll, le - 2 * mu);
}

/* The derivative, copied out on success only (derivative may be NULL).  A
 * loop, not memcpy: WP's typed memory model cannot follow memcpy's char*
 * contract on doubles (the bits copied are the same). */
/*@ requires n_range: n <= 16777216;
    requires valid_src: \valid_read(dk + (0 .. n - 1));
    requires valid_dst: derivative == \null || \valid(derivative + (0 .. n - 1));
    requires separated:
      derivative == \null || \separated(derivative + (0 .. n - 1), dk + (0 .. n - 1));
    assigns derivative[0 .. n - 1];
    ensures copied: derivative != \null ==>
      \forall integer i; 0 <= i < n ==> derivative[i] == dk[i];
*/
static void store_derivative(double *derivative, const double *dk, size_t n)
{
    if (!derivative)
        return;
    /*@ loop invariant bound: 0 <= i <= n;
        loop invariant copied: \forall integer j; 0 <= j < i ==> derivative[j] == dk[j];
        loop assigns i, derivative[0 .. n - 1];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++)
        derivative[i] = dk[i];
}

/* RN(2^scale (hi + lo)) for a normalized dd of either sign. */
static double round_scaled_signed(double hi, double lo, int scale)
{
    if (hi < 0.0)
        return -dd_round_scaled(-hi, -lo, scale);
    return dd_round_scaled(hi, lo, scale);
}

/* Squared Euclidean norm of a dd row, as a double estimate (for bounds). */
static double row_norm2(size_t d, const double *xh)
{
    double s = 0.0;
    for (size_t j = 0; j < d; j++)
        s += xh[j] * xh[j];
    return s;
}

static int zero_row(size_t d, const double *row)
{
    for (size_t j = 0; j < d; j++)
        if (row[j] != 0.0)
            return 0;
    return 1;
}

/* Sum_j (y_j - sum_x K_xj v_x) v_j in dd: the row (y - K^T v) . v. */
static void residual_dot(size_t d, const double *kh, const double *kl, const double *yh,
                         const double *yl, const double *vh, const double *vl, double *rh,
                         double *rl)
{
    double wh = 0.0, wl = 0.0;
    for (size_t y = 0; y < d; y++) {
        double sh = yh[y], sl = yl[y];
        for (size_t x = 0; x < d; x++)
            lev_dot2_add(&sh, &sl, -kh[x * d + y], -kl[x * d + y], vh[x], vl[x]);
        sh = two_sum(sh, sl, &sl);
        lev_dot2_add(&wh, &wl, sh, sl, vh[y], vl[y]);
    }
    *rh = two_sum(wh, wl, rl);
}

/* K = sum_i q_i y_i^T (d-by-d dd) over n rows; returns ||K||_F^2 (estimate). */
static double cross_product(size_t n, size_t d, const double *qh, const double *ql,
                            const double *yh, const double *yl, double *kh, double *kl)
{
    for (size_t k = 0; k < d * d; k++)
        kh[k] = kl[k] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t x = 0; x < d; x++)
            for (size_t y = 0; y < d; y++)
                lev_dot2_add(&kh[x * d + y], &kl[x * d + y], qh[i * d + x], ql[i * d + x],
                             yh[i * d + y], yl[i * d + y]);
    double knorm2 = 0.0;
    for (size_t k = 0; k < d * d; k++) {
        kh[k] = two_sum(kh[k], kl[k], &kl[k]);
        knorm2 += kh[k] * kh[k];
    }
    return knorm2;
}

/* W_ii for a row of high leverage by the leave-one-out form.  With A_(i),
 * M_(i) the data without row i, A_(i),s = Q' T', v = a_s,i T'^-1,
 * y' = m_s,i T'^-1 and K' = Q'^T M_(i),s T'^-1 (Sherman-Morrison on
 * G = G_(i) + a_s,i a_s,i^T):
 *   1 - h_ii = 1 / (1 + |v|^2),
 *   e_i^T (I - H) M_s = (1 - h_ii) (m_s,i - K_(i)^T a_s,i)^T,
 *   W_ii = (y' - K'^T v) . v / (1 + |v|^2)^2,
 * free of the cancellation y_i - K^T q_i suffers when 1 - h_ii is tiny.
 * Returns 2 when A_(i) has a zero column (rank < d exactly: h_ii = 1 and
 * W_ii = 0), 0 when A_(i) is not certified of rank d otherwise (the caller
 * keeps the direct value), -1 on allocation failure, 1 with (*wh, *wl) and
 * *scale = kappa' (|y'| + |K'| |v|) |v| / (1 + |v|^2)^2, the error scale. */
static int leave_one_out(size_t n, size_t d, const double *A, const double *M,
                         const double *s, size_t i, int mu, double *wh, double *wl,
                         double *scale)
{
    const size_t m = n - 1;
    double *buf = malloc((4 * m * d + m + 2 * d * d + 4 * d) * sizeof *buf);
    if (!buf)
        return -1;
    double *ai = buf, *mi = ai + m * d, *yh = mi + m * d, *yl = yh + m * d, *si = yl + m * d;
    double *kh = si + m, *kl = kh + d * d, *vh = kl + d * d, *vl = vh + d, *zh = vl + d,
           *zl = zh + d;
    for (size_t k = 0, r = 0; k < n; k++) {
        if (k == i)
            continue;
        memcpy(ai + r * d, A + k * d, d * sizeof *ai);
        memcpy(mi + r * d, M + k * d, d * sizeof *mi);
        si[r] = s ? s[k] : 1.0;
        r++;
    }
    for (size_t j = 0; j < d; j++) {
        int zero = 1;
        for (size_t r = 0; r < m && zero; r++)
            zero = ai[r * d + j] == 0.0;
        if (zero) {
            free(buf);
            return 2;
        }
    }
    lev_basis b;
    if (lev_basis_build(m, d, ai, si, &b) != BHT_OK) {
        free(buf);
        return 0;
    }
    int e1, e0;
    /* M scaled by 2^mu relative to the full basis; the exponents here are
     * at most 2^COLUMN_RANGE larger (a column maximum may have been row i) */
    (void)lev_basis_exponent_range(&b, mi, &e1, &e0);
    for (size_t r = 0; r < m; r++)
        lev_basis_map(&b, r, mi + r * d, NULL, mu, yh + r * d, yl + r * d);
    double knorm2 = cross_product(m, d, b.qh, b.ql, yh, yl, kh, kl);
    double sv = s ? s[i] : 1.0;
    lev_basis_map_row(&b, sv, A + i * d, NULL, 0, vh, vl);
    lev_basis_map_row(&b, sv, M + i * d, NULL, mu, zh, zl);
    double nh = 0.0, nl = 0.0;
    for (size_t j = 0; j < d; j++)
        lev_dot2_add(&nh, &nl, vh[j], vl[j], vh[j], vl[j]);
    nh = two_sum(nh, nl, &nl);
    double dh, dl, rh, rl;
    dd_add(1.0, 0.0, nh, nl, &dh, &dl); /* 1 + |v|^2 */
    residual_dot(d, kh, kl, zh, zl, vh, vl, &rh, &rl);
    double ynorm2 = 0.0;
    for (size_t j = 0; j < d; j++)
        ynorm2 += zh[j] * zh[j];
    *scale = (sqrt(ynorm2) + sqrt(knorm2 * nh)) * sqrt(nh) / dh / dh; /* dh^2 may overflow */
    *scale *= fmax(b.cond, 1.0);
    dd_div(rh, rl, dh, dl, &rh, &rl);
    dd_div(rh, rl, dh, dl, wh, wl);
    lev_basis_free(&b);
    free(buf);
    return 1;
}

/* (h + l) 2^e += (th + tl) 2^te, keeping the larger exponent (terms more
 * than 2^-1000 below the other are dropped: far below its rounding). */
static void add_scaled(double *h, double *l, int *e, double th, double tl, int te)
{
    if (th == 0.0)
        return;
    if (*h == 0.0 && *l == 0.0) {
        *h = th;
        *l = tl;
        *e = te;
        return;
    }
    if (te > *e) {
        double sh = *h, sl = *l;
        int se = *e;
        *h = th;
        *l = tl;
        *e = te;
        th = sh;
        tl = sl;
        te = se;
    }
    if (te - *e < -1000)
        return;
    dd_add(*h, *l, ldexp(th, te - *e), ldexp(tl, te - *e), h, l);
}

/* Algorithm: the double-double basis Q of A_s (leverage.c's preconditioned
 * QR/Cholesky; rows q_i with relative error <~ 2 d^2 u^2 kappa_1(R^)), rows
 * y_i of Y = 2^mu M_s T^-1 by the same substitutions (mu an exact power-of-two
 * scaling of M), K = Q^T Y and W_ii = (y_i - K^T q_i) . q_i with Dot2 sums
 * (Ogita-Rump-Oishi 2005; dd operations JMP17); rows with h_ii > 1/2 (at
 * most 2d) use the leave-one-out form instead (leave_one_out: no
 * cancellation as h_ii -> 1, O(n d^2) each).  h_ii = |q_i|^2, the sums of
 * W_ii^2/h_ii in dd, each output rounded once.
 * Bound: |error of W_ii| <~ 2^-100 kappa S_i, S_i = (|y_i| + |K| |q_i|) |q_i|
 * (or its leave-one-out analogue).  Values at or below 2^-51 kappa S_i are
 * not certified to 16 ulp and the kernel refuses with BHT_E_RANGE (use the
 * oracle): this includes the exact zeros of M = A S, which the double
 * kernel cannot tell from a true W_ii that small; n = d and M = 0 give 0.
 * Measured: 0 ulp (correctly rounded) on every accepted test instance,
 * budget 16 ulp. */
bht_status bht_nu_leverage(size_t n, size_t d, const double *A, const double *M,
                           const double *s, bht_local_result *out, double *derivative)
{
    if (!out || !A || !M || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N
        || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(M[k]))
            return BHT_E_NONFINITE;
    lev_basis b;
    bht_status status = lev_basis_build(n, d, A, s, &b);
    if (status != BHT_OK)
        return status;
    for (size_t k = 0; k < n * d; k++)
        if (M[k] != 0.0 && (ilogb(M[k]) < BHT_LEVERAGE_MIN_EXP
                            || ilogb(M[k]) > BHT_LEVERAGE_MAX_EXP)) {
            lev_basis_free(&b);
            return BHT_E_RANGE;
        }
    int emax, emin;
    int nonzero = lev_basis_exponent_range(&b, M, &emax, &emin);
    if (!nonzero || n == d) {
        /* M = 0, or n = d (H = I, W = 0): every quantity is exactly 0 */
        out->nu = out->local_constant = 0.0;
        if (derivative)
            for (size_t i = 0; i < n; i++)
                derivative[i] = 0.0;
        lev_basis_free(&b);
        return BHT_OK;
    }
    int mu = -emax; /* largest scaled entry of M in [1, 2) */
    if (emin + mu < -960) {
        lev_basis_free(&b);
        return BHT_E_RANGE;
    }
    double *buf = malloc((2 * n * d + 2 * d * d + n) * sizeof *buf);
    if (!buf) {
        lev_basis_free(&b);
        return BHT_E_NOMEM;
    }
    double *yh = buf, *yl = buf + n * d, *kh = buf + 2 * n * d, *kl = kh + d * d;
    double *dk = kl + d * d; /* the derivative, copied out on success */
    for (size_t i = 0; i < n; i++)
        lev_basis_map(&b, i, M + i * d, NULL, mu, yh + i * d, yl + i * d);
    double knorm2 = cross_product(n, d, b.qh, b.ql, yh, yl, kh, kl);
    /* absolute error bound of the dd entries of K = sum_i q_i y_i^T:
     * 2^-104 sum_i |q_i| |y_i| (Dot2 in dd; d for the Frobenius norm of the
     * d x d error, bounding |dK^T q_i| / |q_i|); when the sum cancels (K tiny
     * against its terms), this, not |K|, limits W_ii = (y_i - K^T q_i) . q_i
     * (found by fuzzing: A = (-1/4, 13.75, 13.75, 1/4), M = (1/2, m, m', 1/2)
     * with m ~ 2^-140: W_22 came out 2^-144 for 2^-155, not refused) */
    double kabs = 0.0;
    for (size_t i = 0; i < n; i++)
        kabs += sqrt(row_norm2(d, b.qh + i * d)) * sqrt(row_norm2(d, yh + i * d));
    const double kerr = 0x1p-104 * kabs * (double)d;
    /* exactly d nonzero rows (rank d certified): they form an invertible
     * block, h_ii = 1 and W_ii = 0 on each of them, exactly */
    size_t nonzero_rows = 0;
    for (size_t i = 0; i < n; i++)
        nonzero_rows += !zero_row(d, A + i * d);
    const int unit_rows = nonzero_rows == d;
    /* K = Q^T Y exactly zero: proved only when every term q_i y_i^T is 0 (a
     * computed K of 0 can be a cancellation that absorbed a tiny true K --
     * found by fuzzing: terms 1.375 / T^2 and -1.375 / T^2 swallowed one of
     * 2^-330, W_44 came out exactly 0 for -2^-334 and was accepted) */
    int k_zero = kabs == 0.0;
    for (size_t k = 0; k < d * d; k++)
        k_zero &= kh[k] == 0.0 && kl[k] == 0.0;
    /* sum W^2/h; the zero-row sum (zh0 + zl0) 2^ze with its own exponent:
     * its terms can lie far below the range of the rest (found by fuzzing) */
    double nh = 0.0, nl = 0.0, zh0 = 0.0, zl0 = 0.0;
    int ne = 0, ze = 0;
    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        const double *qh = b.qh + i * d, *ql = b.ql + i * d;
        double *ryh = yh + i * d, *ryl = yl + i * d;
        if (zero_row(d, A + i * d)) {
            double big = 0.0;
            for (size_t j = 0; j < d; j++)
                big = fmax(big, fabs(ryh[j]));
            dk[i] = 0.0;
            if (big == 0.0)
                continue;
            int e = ilogb(big);
            double th = 0.0, tl = 0.0;
            for (size_t j = 0; j < d; j++) {
                double vh = ldexp(ryh[j], -e), vl = ldexp(ryl[j], -e);
                lev_dot2_add(&th, &tl, vh, vl, vh, vl);
            }
            th = two_sum(th, tl, &tl);
            add_scaled(&zh0, &zl0, &ze, th, tl, 2 * e);
            continue;
        }
        double hh = 0.0, hl = 0.0, wh, wl;
        int exact_zero = 0;
        for (size_t j = 0; j < d; j++)
            lev_dot2_add(&hh, &hl, qh[j], ql[j], qh[j], ql[j]);
        hh = two_sum(hh, hl, &hl);
        /* W_ii = (y_i - K^T q_i) . q_i */
        residual_dot(d, kh, kl, ryh, ryl, qh, ql, &wh, &wl);
        double ynorm2 = row_norm2(d, ryh), qnorm2 = row_norm2(d, qh);
        double scale = (sqrt(ynorm2) + sqrt(knorm2 * qnorm2)) * sqrt(qnorm2) * fmax(b.cond, 1.0);
        int direct = 1; /* W_ii from y_i - K^T q_i (not leave-one-out) */
        if (hh > 0.5) {
            double lh, ll, ls;
            int got = leave_one_out(n, d, A, M, s, i, mu, &lh, &ll, &ls);
            direct = got != 1 && got != 2;
            if (got < 0)
                status = BHT_E_NOMEM;
            if (got == 1) {
                wh = lh;
                wl = ll;
                scale = ls;
            }
            if (got == 2) {
                wh = wl = scale = 0.0;
                exact_zero = 1;
            }
        }
        /* resolution: at or below 2^-51 kappa scale the value is not
         * certified to 16 ulp -- it may be rounding noise around an exact 0
         * (M = A S) or a true value that small (found by fuzzing): refuse;
         * likewise a non-finite value or an error scale near underflow.
         * Exact zeros are accepted only when proved: exactly d nonzero rows
         * (h_ii = 1), or m_i = 0 and K = 0 (then W_ii = 0 term by term). */
        if (unit_rows || (k_zero && zero_row(d, M + i * d))) {
            exact_zero = 1;
            wh = wl = 0.0;
        }
        if (!exact_zero && status == BHT_OK
            && (!isfinite(wh) || !isfinite(wl) || !(scale >= 0x1p-900)
                || fabs(wh) <= ldexp(scale, -51)
                || (direct && !(kerr * qnorm2 <= 0x1p-56 * fabs(wh)))))
            status = BHT_E_RANGE;
        {
            double th, tl;
            dd_div(2.0 * wh, 2.0 * wl, (double)d, 0.0, &th, &tl);
            dk[i] = round_scaled_signed(th, tl, -mu);
        }
        /* W^2 / h as W (W / h) on mantissas, the exponent kept apart: W^2,
         * or the sum, can underflow where nu does not (found by fuzzing) */
        if (wh != 0.0 && status == BHT_OK) {
            double qh, qlo, th, tl;
            dd_div(wh, wl, hh, hl, &qh, &qlo);
            if (!isfinite(qh)) { /* W / h beyond binary64 (h_ii tiny): refuse */
                status = BHT_E_RANGE;
                continue;
            }
            /* (status OK: wh finite; ilogb of a non-finite wh or qh would be
             * INT_MIN / INT_MAX and -ew undefined, found by fuzzing) */
            int ew = ilogb(wh), eq = ilogb(qh);
            dd_mul(ldexp(wh, -ew), ldexp(wl, -ew), ldexp(qh, -eq), ldexp(qlo, -eq), &th, &tl);
            add_scaled(&nh, &nl, &ne, th, tl, ew + eq);
        }
    }
    if (status != BHT_OK) {
        free(buf);
        lev_basis_free(&b);
        return status;
    }
    double th, tl, ch, cl;
    dd_div(nh, nl, (double)d, 0.0, &th, &tl);
    int le = ne;
    double lh = nh, ll = nl;
    add_scaled(&lh, &ll, &le, zh0, zl0, ze);
    dd_div(lh, ll, (double)(2 * d), 0.0, &ch, &cl);
    /* proved (proofs/kernels): nu, local_constant not NaN and >= 0, given
     * th, ch >= 0 finite, tl, cl finite and |ne|, |le|, |mu| <= 10^5 */
    store_nu_leverage(out, th, tl, ne, ch, cl, le, mu);
    store_derivative(derivative, dk, n);
    free(buf);
    lev_basis_free(&b);
    return BHT_OK;
}
