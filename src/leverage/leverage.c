/* leverage.c: the leverage-score kernel (paper Def. 2.9) and the
 * double-double basis it is built on (leverage_core.h):
 * h_ii = (A_s (A_s^T A_s)^-1 A_s^T)_ii, A_s = Diag(s)^-1 A, p_i = h_ii / d.
 *
 * Algorithm (u = 2^-53; "dot2" = Ogita-Rump-Oishi Dot2 accumulation:
 * exact products by TwoProduct, running sum by TwoSum, errors summed in a
 * second double; "dd" = double-double, JMP17 operations):
 *  0. Exact scalings: t_i = ilogb s_i, c_j = -max_i (ilogb a_ij - t_i), so
 *     that every column of A_s D, D = Diag(2^c_j), has its largest entry in
 *     [1/2, 2).  Every row is handled as a mantissa row with its own
 *     exponent (largest entry in [1, 2)), so any finite A and s (subnormals,
 *     2^+-1000 included) is scaled without rounding.
 *  1. Preconditioner: Householder QR (Golub & Van Loan §5.2.2) of
 *     W = A_s D in plain double; only R^ is kept (tiny rows underflow
 *     there harmlessly: R^ need not be accurate).  Leverage scores are
 *     invariant under A -> A R for invertible R (paper §4.3), so h_ii is
 *     computed EXACTLY from B = A_s D R^-1 for whatever R^ came out.
 *  2. Rows of B in dd: R^T b_i = (row i of A_s D) by forward substitution
 *     with dot2 sums, each row at its own scale.
 *  3. C = sum_i b_i b_i^T by dot2, eta = ||C - I||_F <= 1/4 (else refuse),
 *     C = L L^T by Cholesky in dd.
 *  4. q_i = L^-1 b_i (dd substitution), h_ii = |q_i|^2 (dot2), one rounding
 *     each of 2^(2 qe_i) |q_i|^2 and of that over d.
 * Certified bound, a posteriori per row.  g = (d^2 + 2d + 17) u^2 bounds
 * the componentwise backward error of a dd substitution step (Dot2's
 * gamma_(d+1)^2, Ogita, Rump & Oishi, SIAM J. Sci. Comput. 26(6), 2005,
 * Prop. 4.5, plus 16 u^2 for the dd division), so the computed row b^ of
 * R^T b = y satisfies |b - b^| <= g |R^-T| (|R^T| |b^| + |y|) (Higham,
 * Accuracy and Stability, 2nd ed., Thm 8.5); evaluated with the computed
 * R^-1 (times 4/3: its own error is below 1/4 while d kappa <= 2^50) this
 * gives the row's relative error eps_i.  Then, with
 *   eps_L = 2 d sqrt(d) g  (the substitution with L, kappa(L)^2 <= 5/3
 *           since ||C - I|| <= 1/4),
 *   gram  = (4/3) 1.1 (2.3 e + e^2 + 1.25 d ((n^2 + 3) u^2 + g)),
 *           e = sqrt(sum_k eps_k^2 |b_k|^2) >= ||dB||_F (the rows' errors:
 *           ||B^T B - B~^T B~|| <= 2 ||B|| ||dB|| + ||dB||^2, ||B||^2 <= 5/4),
 *           the Dot2 error of C, Cholesky's backward error (Higham
 *           Thm 10.3), ||C^-1|| <= 4/3; it bounds ||Q^T Q - I||,
 *   err_q_i = eps_i + eps_L + 16 u^2 for q_i, and
 *   err_h_i = 2.1 err_q_i + gram + (d^2 + 20) u^2 for |q_i|^2 against h_ii.
 * Beyond the fast path (issue 12), all certified by the same bounds:
 *  - refinement: a row whose a-priori bound exceeds 2^-70 is refined with
 *    EXACT residuals y - R^T b^ (Kulisch sums, leverage_exact_sum.c), and
 *    the bound becomes |R^-T r| from the last exact residual (row_solve);
 *  - 1.25 d kappa > 2^50: the computed inverse is certified by its exact
 *    residual ||R^ X^ - I||_F <= 1/2 (inverse_residual_check), or else
 *    |R^-1| <= <R^>^-1, the comparison matrix (abs_inv_t_norm), which is
 *    right for row-graded R^ whatever its normwise condition;
 *  - eta > 1/4 or a failed certificate: R^ again by Householder QR in
 *    double-double (rows graded up to about 2^100 stay preconditioned).
 * h_ii is the exact score of A_s whatever R^ came out: only column
 * operations A_s -> A_s D R^-1 L^-T are applied (invariant, paper §4.3);
 * the rows' power-of-two exponents are carried (h_ii = |q_i|^2 2^(2 qe_i)),
 * never dropped, since leverage is not invariant under row scaling.
 * The kernel refuses (BHT_E_SINGULAR, with its condition estimate) when
 * some err_h_i still exceeds 2^-54, so p_i and h_ii are within 0.5 +
 * 2^53 2^-54 = 1 ulp of the exact values, at most 1 ulp from the
 * correctly rounded ones (budget 1 ulp, bht.h).  With exactly d nonzero
 * rows (n = d included) only rank d is certified (a weaker bound): h_ii is
 * then exactly 1 or 0.  A zero column, a zero pivot of R^, a non-positive
 * pivot or eta > 1/4 after both passes are refusals too; the oracle decides
 * exact rank deficiency.  Never forms A^T A in double.  Rows graded far
 * beyond 2^100 in a way the column scaling cannot absorb (rows spread over
 * 2^+-500) still defeat both preconditioners and are refused, although
 * their h_ii are well conditioned: the oracle answers them.
 *
 * Files: this one holds the kernel (bht_leverage and its proved helpers,
 * proofs/kernels.mk) and the cold parts of the basis (the dd QR fallback,
 * the condition estimate, the inverse certificate, the scaled
 * accumulator); the hot build path (steps 0-4, the substitutions and their
 * bounds, the refinement, the per-CPU code paths) is leverage_build.c. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"
#include "core/dd_elementary.h"
#include "core/dd_leaves.h"
#include "leverage/leverage_core.h"
#include "leverage/leverage_exact_sum.h"

/* The same QR in double-double (wh + wl column-major, R^ = rh + rl):
 * norms and dots by dot2, v_k = x_k - alpha without cancellation and
 * v^T v = 2 ||x|| (||x|| + |x_k|).  Only a better preconditioner for
 * rows graded beyond 2^53: its accuracy is not relied on. */
void bht__lev_householder_r_dd(size_t n, size_t d, double *wh, double *wl, double *rh,
                               double *rl)
{
    for (size_t k = 0; k < d; k++) {
        double *xh = wh + k * n, *xl = wl + k * n;
        double nh = 0.0, nl = 0.0;
        for (size_t i = k; i < n; i++)
            bht__lev_dot2_add(&nh, &nl, xh[i], xl[i], xh[i], xl[i]);
        nh = two_sum(nh, nl, &nl);
        double normh = 0.0, norml = 0.0;
        if (nh > 0.0)
            dd_sqrt(nh, nl, &normh, &norml);
        if (normh == 0.0) {
            for (size_t j = 0; j < d; j++) {
                rh[k * d + j] = (j <= k) ? 0.0 : wh[j * n + k];
                rl[k * d + j] = (j <= k) ? 0.0 : wl[j * n + k];
            }
            continue;
        }
        double sg = (xh[k] >= 0.0) ? 1.0 : -1.0; /* alpha = -sg ||x|| */
        double vh, vl, th, tl, vtvh, vtvl;
        dd_add(xh[k], xl[k], sg * normh, sg * norml, &vh, &vl); /* x_k - alpha */
        dd_add(normh, norml, fabs(xh[k]), sg * xl[k], &th, &tl); /* ||x|| + |x_k| */
        dd_mul(normh, norml, th, tl, &vtvh, &vtvl); /* v^T v / 2 */
        xh[k] = vh;
        xl[k] = vl;
        for (size_t j = k + 1; j < d; j++) {
            double *yh = wh + j * n, *yl = wl + j * n;
            double dh = 0.0, dl = 0.0, fh, fl;
            for (size_t i = k; i < n; i++)
                bht__lev_dot2_add(&dh, &dl, xh[i], xl[i], yh[i], yl[i]);
            dh = two_sum(dh, dl, &dl);
            dd_div(dh, dl, vtvh, vtvl, &fh, &fl); /* beta dot, beta = 2 / v^T v */
            for (size_t i = k; i < n; i++) {
                double ph, pl;
                dd_mul(fh, fl, xh[i], xl[i], &ph, &pl);
                dd_add(yh[i], yl[i], -ph, -pl, &yh[i], &yl[i]);
            }
        }
        rh[k * d + k] = -sg * normh;
        rl[k * d + k] = -sg * norml;
        for (size_t j = k + 1; j < d; j++) {
            rh[k * d + j] = wh[j * n + k];
            rl[k * d + j] = wl[j * n + k];
        }
        for (size_t j = 0; j < k; j++)
            rh[k * d + j] = rl[k * d + j] = 0.0;
    }
}

/* kappa_1 estimate of the column-normalised R^: ||N||_1 ||N^-1||_1 with N^-1
 * formed by back substitution in double (d^3/3 flops; an estimate, not a
 * bound: it is used for the refusal threshold and reported).  +inf when a
 * diagonal entry is zero or the inverse overflows. */
double bht__lev_condition_estimate(size_t d, const double *r, double *ninv)
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


void bht__lev_scaled_add(lev_scaled *acc, double th, double tl, long te)
{
    if (th == 0.0)
        return;
    if (acc->h == 0.0 && acc->l == 0.0) {
        acc->h = th;
        acc->l = tl;
        acc->e = te;
    } else {
        if (te > acc->e) {
            double sh = acc->h, sl = acc->l;
            long se = acc->e;
            acc->h = th;
            acc->l = tl;
            acc->e = te;
            th = sh;
            tl = sl;
            te = se;
        }
        if (te - acc->e >= -1100)
            dd_add(acc->h, acc->l, ldexp(th, (int)(te - acc->e)), ldexp(tl, (int)(te - acc->e)),
                   &acc->h, &acc->l);
    }
    if (acc->h != 0.0 && isfinite(acc->h)) { /* the mantissa in [1, 2): no overflow */
        int k = ilogb(acc->h);
        acc->h = ldexp(acc->h, -k);
        acc->l = ldexp(acc->l, -k);
        acc->e += k;
    } else if (acc->h == 0.0) {
        acc->l = 0.0;
    }
}

/* Above the 2^50 gate (or for a dd R^), the computed inverse X^ = rinv
 * may still be a bound: E = R^ X^ - I is formed EXACTLY (Kulisch sums), and when
 * e = ||E||_F <= 1/2, R^-1 = X^ (I + E)^-1 gives |R^-1| <= |X^| (I + F),
 * F >= 0, ||F||_2 <= e / (1 - e) (Neumann series of |E|), so
 * || |R^-T| w || <= || |X^|^T w || / (1 - e): rinv is scaled by
 * (3/4) / (1 - e) (rounded up) for abs_inv_t_norm's 4/3 and *graded
 * cleared.  Otherwise *graded stays set (comparison-matrix bounds).
 * O(d^3) terms: only for designs beyond the gate. */
bht_status bht__lev_inverse_residual_check(size_t d, const double *r, const double *rl,
                                           double *rinv, int *graded)
{
    for (size_t k = 0; k < d * d; k++) /* an overflowed inverse: no certificate */
        if (!isfinite(rinv[k]) || !isfinite(r[k]) || (rl && !isfinite(rl[k])))
            return BHT_OK;
    lev_sum sum;
    bht__lev_sum_init(&sum);
    lev_term *terms = malloc((2 * d + 1) * sizeof *terms);
    if (!terms)
        return BHT_E_NOMEM;
    double e2 = 0.0;
    bht_status status = BHT_OK;
    for (size_t i = 0; i < d && status == BHT_OK; i++)
        for (size_t j = i; j < d; j++) { /* (R^ X^)_ij - delta_ij, k in [i, j] */
            size_t count = 0;
            if (i == j)
                terms[count++] = (lev_term){-1.0, 1.0, 0};
            for (size_t k = i; k <= j; k++) {
                terms[count++] = (lev_term){r[i * d + k], rinv[k * d + j], 0};
                if (rl)
                    terms[count++] = (lev_term){rl[i * d + k], rinv[k * d + j], 0};
            }
            double hi, lo;
            long ex;
            status = bht__lev_sum_exact(&sum, terms, count, &hi, &lo, &ex);
            if (status != BHT_OK)
                break;
            if (hi != 0.0) {
                double v = ex > 10 ? INFINITY
                                   : ldexp(fabs(hi) * (1.0 + 0x1p-50), (int)ex) + 0x1p-1000;
                e2 += v * v;
            }
        }
    free(terms);
    bht__lev_sum_free(&sum);
    double e = sqrt(e2) * (1.0 + 0x1p-40);
    if (status == BHT_OK && e <= 0.5) {
        const double scale = (0.75 / (1.0 - e)) * (1.0 + 0x1p-50);
        for (size_t k = 0; k < d * d; k++)
            rinv[k] *= scale;
        *graded = 0;
    }
    return status;
}

/* ------------------------------------------------------------ the basis */

void bht__lev_basis_free(lev_basis *b)
{
    free(b->block);
    free(b->rl);
    memset(b, 0, sizeof *b);
}

/* ----------------------------------------------------------- the kernel */


/* Clamp to the mathematical range [0, 1] of p_i and h_ii (a NaN stays NaN:
 * it is not hidden).  Same results as x < 0 ? 0 : (x > 1 ? 1 : x), signed
 * zeros included; the first branch is the in-range case for the proof. */
/*@ assigns \nothing;
    ensures nan: \is_NaN(x) ==> \is_NaN(\result);
    ensures unit: !\is_NaN(x) ==> finite_between(\result, 0.0, 1.0);
    ensures clamped: \is_finite(x) ==> \result == clamp_unit(x);
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
    assigns p[i], h[i];
    ensures p_unit: !\is_NaN(ph) ==> finite_between(p[i], 0.0, 1.0);
    ensures p_nan: \is_NaN(ph) ==> \is_NaN(p[i]);
    ensures p_clamped: \is_finite(ph) ==> p[i] == clamp_unit(ph);
    behavior with_h:
      assumes h != \null;
      assigns p[i], h[i];
      ensures h_unit: !\is_NaN(hh) ==> finite_between(h[i], 0.0, 1.0);
      ensures h_nan: \is_NaN(hh) ==> \is_NaN(h[i]);
      ensures h_clamped: \is_finite(hh) ==> h[i] == clamp_unit(hh);
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


/* Step 4 with exactly d nonzero rows of rank d: p_i = 1/d (the high part
 * of the dd quotient, within 2^-102 of 1/d), h_ii = 1; both 0 for a zero
 * row (proofs/kernels: spec/leverage.h, leverage_unit_p; dv = (double)d,
 * exact). */
/*@ requires valid_p: \valid(p + i);
    requires valid_h: h != \null ==> \valid(h + i) && \separated(p + i, h + i);
    requires d_range: 1.0 <= dv <= 1024.0 && dd_operand(dv, (double)0.0);
    assigns p[i], h[i];
    ensures p_unit_rows: zero_row == 0 ==> p[i] == clamp_unit(leverage_unit_p(dv));
    ensures p_zero_row: zero_row != 0 ==> p[i] == 0.0;
    ensures h_unit_rows: h != \null ==> h[i] == (zero_row == 0 ? 1.0 : 0.0);
*/
static void unit_row_scores(double *p, double *h, size_t i, double dv, int zero_row)
{
    double ph = 0.0, pl = 0.0, hv = 0.0;
    if (!zero_row) {
        //@ assert quotient: \abs(1.0 / dv) <= 1.0;
        dd_div(1.0, 0.0, dv, 0.0, &ph, &pl);
        hv = 1.0;
    }
    store_scores(p, h, i, ph, hv);
}

/* Step 4 for a nonzero row: from the normalized dd sum of squares hh + hl
 * of the row of Q (exponent qe), p_i = RN(2^(2 qe) (hh + hl) / d) and h_ii
 * = RN(2^(2 qe) (hh + hl)), each clamped (proofs/kernels: spec/leverage.h,
 * leverage_row_p, leverage_row_h). */
/*@ requires valid_p: \valid(p + i);
    requires valid_h: h != \null ==> \valid(h + i) && \separated(p + i, h + i);
    requires d_range: 1.0 <= dv <= 1024.0 && dd_operand(dv, (double)0.0);
    requires qe_range: -100000 <= qe <= 100000;
    requires sum: \is_finite(hh) && 0.0 <= hh <= 0x1p100 && \is_finite(hl) &&
                  \abs(hl) <= 0x1p-53 * hh && dd_normalized(hh, hl) && dd_operand(hh, hl);
    assigns p[i], h[i], errno;
    ensures p_formula: \is_finite(rn(leverage_row_p(hh, hl, dv, qe))) ==>
      p[i] == clamp_unit(rn(leverage_row_p(hh, hl, dv, qe)));
    ensures h_formula: h != \null && \is_finite(rn(leverage_row_h(hh, hl, qe))) ==>
      h[i] == clamp_unit(rn(leverage_row_h(hh, hl, qe)));
*/
static void row_scores(double *p, double *h, size_t i, double dv, double hh, double hl, int qe)
{
    double ph, pl;
    //@ assert quotient: \abs(hh / dv) <= 0x1p100;
    dd_div(hh, hl, dv, 0.0, &ph, &pl);
    //@ assert quotient_pair: \is_finite(ph) && \is_finite(pl) && dd_normalized(ph, pl);
    /* one rounding each of 2^(2 qe) (hh + hl) and of that over d */
    store_scores(p, h, i, dd_round_scaled(ph, pl, 2 * qe), dd_round_scaled(hh, hl, 2 * qe));
}

bht_status bht_leverage(size_t n, size_t d, const double *A, const double *s, double *p,
                        double *h, double *cond_estimate)
{
    if (!A || !p || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    /* Exactly d nonzero rows (always when n = d): of rank d, they give h_ii =
     * 1 and the zero rows 0, exactly; only the rank needs certifying. */
    size_t nonzero_rows = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (A[i * d + j] != 0.0) {
                nonzero_rows++;
                break;
            }
    const int unit_rows = nonzero_rows == d;
    lev_basis b;
    bht_status status = bht__lev_basis_build(n, d, A, s, &b, cond_estimate,
                                        unit_rows ? LEV_RANK_ONLY : LEV_CERTIFIED_ERR);
    if (status != BHT_OK)
        return status;
    /* |q_i|^2 of every nonzero row (dot2, normalized), on the fastest path
     * (the same bits on every path) */
    double *hhs = NULL, *hls = NULL;
    if (!unit_rows) {
        hhs = malloc(2 * n * sizeof *hhs);
        if (!hhs) {
            bht__lev_basis_free(&b);
            return BHT_E_NOMEM;
        }
        hls = hhs + n;
        bht__lev_row_sumsq(&b, hhs, hls, LEV_PATH_AUTO);
    }
    for (size_t i = 0; i < n; i++) {
        if (unit_rows) {
            unit_row_scores(p, h, i, (double)d, b.qe[i] == LEV_ZERO_ROW);
            continue;
        }
        if (b.qe[i] == LEV_ZERO_ROW) {
            store_scores(p, h, i, 0.0, 0.0);
            continue;
        }
        row_scores(p, h, i, (double)d, hhs[i], hls[i], b.qe[i]);
    }
    free(hhs);
    bht__lev_basis_free(&b);
    return BHT_OK;
}
