/* leverage.c: double kernel for the leverage scores of A_s = Diag(s)^-1 A
 * (paper Def. 2.9): h_ii = (A_s (A_s^T A_s)^-1 A_s^T)_ii, p_i = h_ii / d.
 *
 * Algorithm (u = 2^-53; "dot2" = Ogita-Rump-Oishi Dot2 / Sum2 accumulation,
 * i.e. exact products by TwoProduct, running sum by TwoSum, errors summed
 * in a second double; the pair is kept unrounded):
 *  0. Scaling (exact): y_ij = a_ij 2^(c_j - t_i) with t_i = ilogb(s_i) and
 *     c_j = -max_i (ilogb a_ij - t_i), so |y_ij| < 4 and
 *     a_s,ij 2^c_j = y_ij / s'_i, s'_i = s_i 2^-t_i in [1, 2).
 *  1. Preconditioner: Householder QR (Golub & Van Loan §5.2.2) of
 *     W = fl(y_ij / s'_i) in plain double; only R^ is kept.  R^ is the exact
 *     R factor of W + dW with ||dW e_j|| <= gamma ||W e_j|| (Higham, Accuracy
 *     and Stability, 2nd ed., Thm 19.4), so B = A_s D R^-1 satisfies
 *     ||B^T B - I|| <~ gamma kappa (kappa of the column-equilibrated A_s).
 *     Leverage scores are invariant under A -> A R for invertible R (paper
 *     §4.3), so h_ii(A_s) = h_ii(B) EXACTLY for whatever R^ was computed.
 *  2. Rows of B in double-double: b_i = (y_i R^-1) / s'_i by forward
 *     substitution with dot2 sums; (R^ + dR_i)^T b^_i = y_i with |dR_i| <=
 *     2 (j+1)^2 u^2 |R^| (Dot2 bound, Ogita et al. 2005, Prop. 4.5), so
 *     b^_i = b_i (I + F_i), ||F_i|| <= 2 d^2 u^2 kappa_1(R^)  (< 0.1 u when
 *     d^2 kappa_1(R^) <= 2^47; the refusal threshold below).
 *  3. C = sum_i b^_i b^_i^T by dot2 (|dC_jk| <= (n^2 + 3) u^2 sqrt(C_jj C_kk),
 *     < 2^-57 for n <= 2^24), certificate eta = ||C - I||_F <= 1/4, then
 *     C = L L^T by Cholesky in double-double (JMP17 operations, errors
 *     O(d u^2) relative to ||C|| with kappa(C) <= 5/3).
 *  4. z = L^-1 b^_i (double-double forward substitution, dot2 sums) and
 *     h_ii = ||z||^2 (dot2), p_i = RN(h_ii / d) from the double-double.
 * Bound: the relative error of h_ii before its final rounding is at most
 * 2 ||F_i|| (1 + 2 eta) + 4 d^2 (n^2 + 40) u^2, below 0.25 u whenever
 * d^2 kappa_1(R^) <= 2^47 and n d <= 2^22 (worst-case constants), so p_i and h_ii are then
 * within 0.5 + 0.25 + 2^-50 < 1 ulp of the exact value.  The refusal
 * threshold is the looser kappa_1 estimate <= BHT_LEVERAGE_MAX_COND = 2^50
 * (kappa_1 <= d kappa_2, so kappa_2 <= 1e12 is accepted for every d <= 1125):
 * the d^2 factor is the worst case of rounding errors that in practice do
 * not align, and the tests measure 0 ulp (p_i and h_ii correctly rounded)
 * on every accepted design up to estimates of 4.7e15, against the 4-ulp
 * budget of bht.h.  Never forms A^T A in double.  Rank: R^ with a zero
 * diagonal, a kappa_1 estimate of the column-normalised R^ above 2^50, a
 * non-positive Cholesky pivot of C or eta > 1/4 -> BHT_E_SINGULAR with the
 * estimate (the oracle then decides exact rank deficiency). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"
#include "dd_elementary.h"
#include "leverage_core.h"

/* Largest eta = ||C - I||_F accepted (step 3). */
#define LEVERAGE_MAX_ETA 0.25

/* ------------------------------------------------------------ domain */

/* Exponent of a nonzero finite double: |x| in [2^e, 2^(e+1)). */
static int exponent_of(double x)
{
    return ilogb(x);
}

/* Step 0 (leverage_core.h): every value finite first, then s_i != 0, then
 * the exponent ranges; t[i] = ilogb(s_i), c[j] = -(max_i ilogb(a_ij) - t_i). */
bht_status lev_scalings(size_t n, size_t d, const double *A, const double *s, int *t, int *c,
                        int *zero_column)
{
    *zero_column = 0;
    for (size_t i = 0; i < n; i++) {
        double si = s ? s[i] : 1.0;
        if (!isfinite(si))
            return BHT_E_NONFINITE;
        if (si == 0.0)
            return BHT_E_INVALID;
    }
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]))
            return BHT_E_NONFINITE;
    for (size_t i = 0; i < n; i++) {
        int e = exponent_of(s ? s[i] : 1.0);
        if (e < BHT_LEVERAGE_MIN_EXP || e > BHT_LEVERAGE_MAX_EXP)
            return BHT_E_RANGE;
        t[i] = e;
    }
    for (size_t j = 0; j < d; j++)
        c[j] = INT32_MIN;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double a = A[i * d + j];
            if (a == 0.0)
                continue;
            int e = exponent_of(a);
            if (e < BHT_LEVERAGE_MIN_EXP || e > BHT_LEVERAGE_MAX_EXP)
                return BHT_E_RANGE;
            if (e - t[i] > c[j])
                c[j] = e - t[i];
        }
    for (size_t j = 0; j < d; j++)
        if (c[j] == INT32_MIN)
            *zero_column = 1;
    /* Column-relative range: every nonzero entry of the column-equilibrated
     * A_s is at least 2^-(BHT_LEVERAGE_COLUMN_RANGE + 2) (keeps every h_ii and
     * intermediate far above the double-double underflow threshold). */
    for (size_t i = 0; i < n && !*zero_column; i++)
        for (size_t j = 0; j < d; j++) {
            double a = A[i * d + j];
            if (a != 0.0 && exponent_of(a) - t[i] < c[j] - BHT_LEVERAGE_COLUMN_RANGE)
                return BHT_E_RANGE;
        }
    for (size_t j = 0; j < d; j++)
        c[j] = (c[j] == INT32_MIN) ? 0 : -c[j];
    return BHT_OK;
}

/* ------------------------------------------------------------ workspace */

typedef struct leverage_work {
    int *t, *c;          /* row and column exponents (step 0) */
    double *w;           /* n*d, column-major W, overwritten by the QR */
    double *r;           /* d*d, row-major upper triangular R^ */
    double *rinv;        /* d*d, inverse of the column-normalised R^ */
    double *bh, *bl;     /* n*d, rows of B in double-double (row-major) */
    double *ch, *cl;     /* d*d, C = B^T B (lower triangle used) */
    double *lh, *ll;     /* d*d, Cholesky factor of C (lower) */
    double *zh, *zl;     /* d, one solution vector */
} leverage_work;

static void work_free(leverage_work *k)
{
    free(k->t);
    free(k->c);
    free(k->w);
    free(k->r);
    free(k->rinv);
    free(k->bh);
    free(k->bl);
    free(k->ch);
    free(k->cl);
    free(k->lh);
    free(k->ll);
    free(k->zh);
    free(k->zl);
}

static double *alloc_doubles(size_t count)
{
    return malloc(count * sizeof(double));
}

/* All allocations checked; sizes fit (n <= 2^24, d <= 2^10). */
static bht_status work_alloc(leverage_work *k, size_t n, size_t d)
{
    memset(k, 0, sizeof *k);
    k->t = malloc(n * sizeof(int));
    k->c = malloc(d * sizeof(int));
    k->w = alloc_doubles(n * d);
    k->r = alloc_doubles(d * d);
    k->rinv = alloc_doubles(d * d);
    k->bh = alloc_doubles(n * d);
    k->bl = alloc_doubles(n * d);
    k->ch = alloc_doubles(d * d);
    k->cl = alloc_doubles(d * d);
    k->lh = alloc_doubles(d * d);
    k->ll = alloc_doubles(d * d);
    k->zh = alloc_doubles(d);
    k->zl = alloc_doubles(d);
    if (!k->t || !k->c || !k->w || !k->r || !k->rinv || !k->bh || !k->bl || !k->ch || !k->cl
        || !k->lh || !k->ll || !k->zh || !k->zl) {
        work_free(k);
        return BHT_E_NOMEM;
    }
    return BHT_OK;
}

/* ------------------------------------------------------- step 1: QR */

/* Householder QR of the n-by-d column-major W (n >= d); writes R^ (upper,
 * row-major d-by-d).  Each reflector H = I - v v^T * (2 / v^T v) maps
 * column k to alpha e_k, alpha = -sign(x_k) ||x||, v = x - alpha e_k
 * (no cancellation in v_k). */
void lev_householder_r(size_t n, size_t d, double *w, double *r)
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

/* kappa_1 estimate of the column-normalised R^: ||N||_1 ||N^-1||_1 with N^-1
 * formed by back substitution in double (d^3/3 flops; an estimate, not a
 * bound: it is used for the refusal threshold and reported).  +inf when a
 * diagonal entry is zero or the inverse overflows. */
double lev_condition_estimate(size_t d, const double *r, double *ninv)
{
    double norm1 = 0.0;
    for (size_t j = 0; j < d; j++) {
        if (r[j * d + j] == 0.0)
            return INFINITY;
        double colnorm = 0.0, colsum = 0.0;
        for (size_t i = 0; i <= j; i++)
            colnorm = hypot(colnorm, r[i * d + j]);
        for (size_t i = 0; i <= j; i++)
            colsum += fabs(r[i * d + j]) / colnorm;
        norm1 = fmax(norm1, colsum);
    }
    /* N = R^ diag(1/colnorm): N^-1 = diag(colnorm) R^-1.  Compute R^-1 column
     * by column (upper triangular), then scale rows. */
    for (size_t i = 0; i < d * d; i++)
        ninv[i] = 0.0;
    for (size_t j = 0; j < d; j++) {
        ninv[j * d + j] = 1.0 / r[j * d + j];
        for (size_t ii = j; ii-- > 0;) {
            double sum = 0.0;
            for (size_t k = ii + 1; k <= j; k++)
                sum += r[ii * d + k] * ninv[k * d + j];
            ninv[ii * d + j] = -sum / r[ii * d + ii];
        }
    }
    double inv1 = 0.0;
    for (size_t j = 0; j < d; j++) {
        double colsum = 0.0;
        for (size_t i = 0; i <= j; i++) {
            double colnorm = 0.0;
            for (size_t k = 0; k <= i; k++)
                colnorm = hypot(colnorm, r[k * d + i]);
            colsum += fabs(ninv[i * d + j]) * colnorm;
        }
        inv1 = fmax(inv1, colsum);
    }
    double kappa = norm1 * inv1;
    return isnan(kappa) ? INFINITY : kappa;
}

/* --------------------------------------------------- dot2 accumulation */

/* (sh, sl) += ph * qh + (ph * ql + pl * qh): TwoProduct of the high parts,
 * TwoSum into sh, every error term into sl (Dot2 on double-double data). */
void lev_dot2_add(double *sh, double *sl, double ph, double pl, double qh, double ql)
{
    double pe, se;
    double p = two_prod(ph, qh, &pe);
    *sh = two_sum(*sh, p, &se);
    *sl += se + (pe + (ph * ql + pl * qh));
}

/* ------------------------------------------------ step 2: rows of B */

/* b = (y R^-1) / s', i.e. R^T b = y, forward substitution with dot2 sums;
 * R^ is double (low parts 0). */
static void solve_row(size_t d, const double *r, const double *y, double sprime, double *bh,
                      double *bl)
{
    for (size_t j = 0; j < d; j++) {
        double sh = y[j], sl = 0.0;
        for (size_t k = 0; k < j; k++)
            lev_dot2_add(&sh, &sl, -r[k * d + j], 0.0, bh[k], bl[k]);
        double qh, ql;
        sh = two_sum(sh, sl, &sl);
        dd_div(sh, sl, r[j * d + j], 0.0, &qh, &ql);
        bh[j] = qh;
        bl[j] = ql;
    }
    for (size_t j = 0; j < d; j++)
        dd_div(bh[j], bl[j], sprime, 0.0, &bh[j], &bl[j]);
}

/* ------------------------------------------- step 3: Cholesky of C in dd */

/* C = L L^T (lower triangles, row-major d-by-d).  Returns 0 on a
 * non-positive pivot. */
int lev_cholesky_dd(size_t d, const double *ch, const double *cl, double *lh, double *ll)
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

/* Renormalise a dot2 pair into a double-double (|lo| <= ulp(hi)/2). */
static void renormalise(double *h, double *l)
{
    double s = two_sum(*h, *l, l);
    *h = s;
}

/* Clamp to the mathematical range [0, 1] of p_i and h_ii (a NaN stays NaN:
 * it is not hidden).  Same results as x < 0 ? 0 : (x > 1 ? 1 : x), signed
 * zeros included; the first branch is the in-range case for the proof. */
/*@ assigns \nothing;
    ensures nan: \is_NaN(x) ==> \is_NaN(\result);
    ensures unit: !\is_NaN(x) ==> finite_between(\result, 0.0, 1.0);
*/
static double clamp01(double x)
{
    if (x >= 0.0 && x <= 1.0) {
        //@ assert finite: \is_finite(x);
        //@ assert lower: 0.0 <= x;
        //@ assert upper: x <= 1.0;
        return x;
    }
    if (x < 0.0)
        return 0.0;
    if (x > 1.0)
        return 1.0;
    //@ assert nan: \is_NaN(x);
    return x;
}

/* Final output stage of step 4 for row i: p_i = clamp01(RN(h_ii / d)) and,
 * when h is requested, h_ii = clamp01(RN(h_ii)). */
/*@ requires valid_p: \valid(p + i);
    requires valid_h: h != \null ==> \valid(h + i) && \separated(p + i, h + i);
    ensures p_unit: !\is_NaN(ph) ==> finite_between(p[i], 0.0, 1.0);
    ensures p_nan: \is_NaN(ph) ==> \is_NaN(p[i]);
    behavior with_h:
      assumes h != \null;
      assigns p[i], h[i];
      ensures h_unit: !\is_NaN(hh) ==> finite_between(h[i], 0.0, 1.0);
      ensures h_nan: \is_NaN(hh) ==> \is_NaN(h[i]);
    behavior without_h:
      assumes h == \null;
      assigns p[i];
    complete behaviors;
    disjoint behaviors;
*/
static void store_scores(double *p, double *h, size_t i, double ph, double hh)
{
    p[i] = clamp01(ph);
    if (h)
        h[i] = clamp01(hh);
}

/* ----------------------------------------------------------- the kernel */

static bht_status leverage_run(size_t n, size_t d, const double *A, const double *s, double *p,
                               double *h, double *cond_estimate, leverage_work *k)
{
    int zero_column;
    bht_status status = lev_scalings(n, d, A, s, k->t, k->c, &zero_column);
    if (status != BHT_OK)
        return status;
    if (zero_column) {
        if (cond_estimate)
            *cond_estimate = INFINITY;
        return BHT_E_SINGULAR;
    }
    /* Step 1. */
    for (size_t i = 0; i < n; i++) {
        double si = s ? s[i] : 1.0;
        double sprime = fabs(ldexp(si, -k->t[i])); /* in [1, 2) */
        for (size_t j = 0; j < d; j++)
            k->w[j * n + i] = ldexp(A[i * d + j], k->c[j] - k->t[i]) / sprime;
    }
    lev_householder_r(n, d, k->w, k->r);
    double kappa = lev_condition_estimate(d, k->r, k->rinv);
    if (cond_estimate)
        *cond_estimate = kappa;
    if (!(kappa <= BHT_LEVERAGE_MAX_COND))
        return BHT_E_SINGULAR;

    /* Step 2 and 3: rows of B and C = B^T B (lower triangle). */
    for (size_t q = 0; q < d * d; q++) {
        k->ch[q] = 0.0;
        k->cl[q] = 0.0;
    }
    for (size_t i = 0; i < n; i++) {
        double si = s ? s[i] : 1.0;
        double sprime = ldexp(si, -k->t[i]); /* sign kept: b_i -> -b_i is harmless */
        double *y = k->zh;
        for (size_t j = 0; j < d; j++)
            y[j] = ldexp(A[i * d + j], k->c[j] - k->t[i]); /* exact */
        double *bh = k->bh + i * d, *bl = k->bl + i * d;
        solve_row(d, k->r, y, sprime, bh, bl);
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b <= a; b++)
                lev_dot2_add(&k->ch[a * d + b], &k->cl[a * d + b], bh[a], bl[a], bh[b], bl[b]);
    }
    double eta2 = 0.0;
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b <= a; b++) {
            renormalise(&k->ch[a * d + b], &k->cl[a * d + b]);
            double e = (a == b) ? (k->ch[a * d + b] - 1.0) + k->cl[a * d + b] : k->ch[a * d + b];
            eta2 += (a == b ? 1.0 : 2.0) * e * e;
        }
    if (!(sqrt(eta2) <= LEVERAGE_MAX_ETA) || !lev_cholesky_dd(d, k->ch, k->cl, k->lh, k->ll))
        return BHT_E_SINGULAR;

    /* Step 4. */
    for (size_t i = 0; i < n; i++) {
        const double *bh = k->bh + i * d, *bl = k->bl + i * d;
        double hh = 0.0, hl = 0.0;
        for (size_t j = 0; j < d; j++) {
            double sh = bh[j], sl = bl[j];
            for (size_t q = 0; q < j; q++)
                lev_dot2_add(&sh, &sl, -k->lh[j * d + q], -k->ll[j * d + q], k->zh[q], k->zl[q]);
            double vh, vl;
            vh = two_sum(sh, sl, &vl);
            dd_div(vh, vl, k->lh[j * d + j], k->ll[j * d + j], &k->zh[j], &k->zl[j]);
            lev_dot2_add(&hh, &hl, k->zh[j], k->zl[j], k->zh[j], k->zl[j]);
        }
        renormalise(&hh, &hl);
        double ph, pl;
        dd_div(hh, hl, (double)d, 0.0, &ph, &pl);
        store_scores(p, h, i, ph, hh);
    }
    return BHT_OK;
}

bht_status bht_leverage(size_t n, size_t d, const double *A, const double *s, double *p,
                        double *h, double *cond_estimate)
{
    if (!A || !p || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    leverage_work k;
    bht_status status = work_alloc(&k, n, d);
    if (status != BHT_OK)
        return status;
    status = leverage_run(n, d, A, s, p, h, cond_estimate, &k);
    work_free(&k);
    return status;
}
