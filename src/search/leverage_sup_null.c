/* leverage_sup_null.c: exact null bases for the complement formulation of
 * leverage_sup.c.  For A of rank d < n, N spans {x : A^T x = 0} and D solves
 * A^T D = -M^T N; both are computed over Q (GMP) and enclosed entrywise in
 * intervals, so the enclosures downstream hold for the exact N and D. */
#include <gmp.h>
#include <math.h>
#include <stdlib.h>
#include "search/leverage_sup_internal.h"

/* The interval around q: mpq_get_d truncates toward zero, so q lies between
 * x and the next double away from zero (x itself when exact).  0 when q does
 * not fit a double. */
static int enclose_rational(const mpq_t q, mpq_t scratch, ivl *out)
{
    double x = mpq_get_d(q);
    if (!isfinite(x))
        return 0;
    mpq_set_d(scratch, x);
    int c = mpq_cmp(q, scratch);
    *out = c == 0 ? ivl_point(x) : c > 0 ? (ivl){x, ivl_up(x)} : (ivl){ivl_down(x), x};
    return isfinite(out->lo) && isfinite(out->hi);
}

/* Gauss-Jordan on [A^T | I] over Q, pivots of largest magnitude (compared
 * in double; any nonzero pivot is exact) among the columns of A^T not yet
 * used, which keeps the basis entries moderate.  N's column t is
 * e_f - sum_r R[r][f] e_piv(r) for the t-th free column f; D's column t
 * solves A^T x = -M^T N_t with the free entries zero: x_piv(r) = (T b)_r
 * for the recorded transform T (T A^T = R).  No rounding until the final
 * enclosure of each entry.  Cost: seconds at n = 64 (rational growth). */
bht_status bht__lsup_null_basis(size_t n, size_t d, const double *A, const double *M, ivl *N, ivl *D)
{
    if (d == 0 || d >= n)
        return BHT_E_INVALID;
    const size_t m = n - d, cols = n + d;
    const size_t count = d * cols + n * m + d + 3;
    mpq_t *q = malloc(count * sizeof *q);
    size_t *piv = malloc((n + d) * sizeof *piv);
    unsigned char *used = calloc(n, 1);
    if (!q || !piv || !used) {
        free(q);
        free(piv);
        free(used);
        return BHT_E_NOMEM;
    }
    for (size_t k = 0; k < count; k++)
        mpq_init(q[k]);
    mpq_t *R = q, *Nq = q + d * cols, *b = Nq + n * m;
    mpq_ptr t = b[d], best = b[d + 1], scratch = b[d + 2];
    size_t *free_col = piv + d;
    bht_status st = BHT_OK;
    for (size_t r = 0; r < d; r++) {
        for (size_t i = 0; i < n; i++)
            mpq_set_d(R[r * cols + i], A[i * d + r]); /* exact */
        mpq_set_ui(R[r * cols + n + r], 1, 1);
    }
    for (size_t r = 0; r < d && st == BHT_OK; r++) {
        size_t pi = r, pj = n;
        double best_mag = -1.0; /* a heuristic: only pivot != 0 matters */
        for (size_t i = r; i < d; i++)
            for (size_t j = 0; j < n; j++) {
                if (used[j] || mpq_sgn(R[i * cols + j]) == 0)
                    continue;
                double mag = fabs(mpq_get_d(R[i * cols + j]));
                if (mag > best_mag) {
                    best_mag = mag;
                    pi = i;
                    pj = j;
                }
            }
        if (pj == n) {
            st = BHT_E_SINGULAR;
            break;
        }
        for (size_t j = 0; pi != r && j < cols; j++)
            mpq_swap(R[pi * cols + j], R[r * cols + j]);
        mpq_set(best, R[r * cols + pj]);
        for (size_t j = 0; j < cols; j++)
            mpq_div(R[r * cols + j], R[r * cols + j], best);
        for (size_t i = 0; i < d; i++) {
            if (i == r || mpq_sgn(R[i * cols + pj]) == 0)
                continue;
            mpq_set(best, R[i * cols + pj]);
            for (size_t j = 0; j < cols; j++) {
                mpq_mul(t, best, R[r * cols + j]);
                mpq_sub(R[i * cols + j], R[i * cols + j], t);
            }
        }
        piv[r] = pj;
        used[pj] = 1;
    }
    for (size_t j = 0, f = 0; st == BHT_OK && j < n; j++)
        if (!used[j])
            free_col[f++] = j;
    for (size_t c = 0; st == BHT_OK && c < m; c++) {
        size_t f = free_col[c];
        mpq_set_ui(Nq[f * m + c], 1, 1);
        for (size_t r = 0; r < d; r++)
            mpq_neg(Nq[piv[r] * m + c], R[r * cols + f]);
    }
    for (size_t i = 0; st == BHT_OK && i < n * m; i++)
        if (!enclose_rational(Nq[i], scratch, &N[i]))
            st = BHT_E_RANGE;
    for (size_t c = 0; st == BHT_OK && M && c < m; c++) {
        for (size_t k = 0; k < d; k++) { /* b = -M^T N_c */
            mpq_set_ui(b[k], 0, 1);
            for (size_t i = 0; i < n; i++) {
                if (mpq_sgn(Nq[i * m + c]) == 0)
                    continue;
                mpq_set_d(t, M[i * d + k]);
                mpq_mul(t, t, Nq[i * m + c]);
                mpq_sub(b[k], b[k], t);
            }
        }
        for (size_t i = 0; i < n; i++)
            D[i * m + c] = ivl_point(0.0);
        for (size_t r = 0; r < d && st == BHT_OK; r++) {
            mpq_set_ui(best, 0, 1);
            for (size_t k = 0; k < d; k++) {
                mpq_mul(t, R[r * cols + n + k], b[k]);
                mpq_add(best, best, t);
            }
            if (!enclose_rational(best, scratch, &D[piv[r] * m + c]))
                st = BHT_E_RANGE;
        }
    }
    for (size_t k = 0; k < count; k++)
        mpq_clear(q[k]);
    free(q);
    free(piv);
    free(used);
    return st;
}

/* Whether every column of X (n-by-d) lies in the column span of A, decided
 * over Q: Gauss-Jordan on the rows of [A | X] with pivots in A's columns
 * only; X is in the span iff the rows without a pivot end with X's part
 * zero.  1 yes, 0 no, -1 out of memory.  (nu is identically 0 when M = A Y,
 * and H^2 when B = A R: the same column span for every query.) */
/* A quick filter in double: 1 when some column of X is clearly outside
 * span A (its residual after two passes of modified Gram-Schmidt against
 * A's columns, everything scaled by its largest entry, exceeds 2^-20 of its
 * norm), 0 when it may be inside (then the exact test decides).  Only ever
 * skips the exact test for an X that is not in the span, whatever the
 * rounding: a wrong 1 merely forgoes the exact [0, 0] answer. */
static int clearly_outside(size_t n, size_t d, const double *A, const double *X)
{
    double *Q = malloc(2 * n * d * sizeof *Q);
    if (!Q)
        return 0;
    double *x = Q + n * d;
    int outside = 0;
    for (int pass = 0; pass < 2; pass++) { /* pass 0: Q = orthonormal columns of A */
        const double *src = pass ? X : A;
        double *dst = pass ? x : Q;
        for (size_t j = 0; j < d; j++) {
            double big = 0.0;
            for (size_t i = 0; i < n; i++)
                big = fmax(big, fabs(src[i * d + j]));
            if (!(big > 0.0) || !isfinite(big)) {
                for (size_t i = 0; i < n; i++)
                    dst[i * d + j] = 0.0;
                continue;
            }
            for (size_t i = 0; i < n; i++)
                dst[i * d + j] = src[i * d + j] / big;
            double before = 0.0;
            for (size_t i = 0; i < n; i++)
                before += dst[i * d + j] * dst[i * d + j];
            for (int again = 0; again < 2; again++)
                for (size_t k = 0; k < (pass ? d : j); k++) {
                    double dot = 0.0;
                    for (size_t i = 0; i < n; i++)
                        dot += Q[i * d + k] * dst[i * d + j];
                    for (size_t i = 0; i < n; i++)
                        dst[i * d + j] -= dot * Q[i * d + k];
                }
            double after = 0.0;
            for (size_t i = 0; i < n; i++)
                after += dst[i * d + j] * dst[i * d + j];
            if (pass && after > 0x1p-40 * before)
                outside = 1;
            if (!pass) { /* normalise (a dependent column of A gives a zero q) */
                double norm = sqrt(after);
                for (size_t i = 0; i < n; i++)
                    dst[i * d + j] = norm > 0x1p-40 * sqrt(before) ? dst[i * d + j] / norm : 0.0;
            }
        }
    }
    free(Q);
    return outside;
}

int bht__lsup_columns_in_span(size_t n, size_t d, const double *A, const double *X)
{
    if (clearly_outside(n, d, A, X))
        return 0;
    const size_t cols = 2 * d;
    mpq_t *q = malloc((n * cols + 2) * sizeof *q);
    unsigned char *pivot_row = calloc(n, 1);
    if (!q || !pivot_row) {
        free(q);
        free(pivot_row);
        return -1;
    }
    for (size_t k = 0; k < n * cols + 2; k++)
        mpq_init(q[k]);
    mpq_ptr f = q[n * cols], t = q[n * cols + 1];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            mpq_set_d(q[i * cols + j], A[i * d + j]); /* exact */
            mpq_set_d(q[i * cols + d + j], X[i * d + j]);
        }
    for (size_t j = 0; j < d; j++) {
        size_t p = n;
        for (size_t i = 0; i < n && p == n; i++)
            if (!pivot_row[i] && mpq_sgn(q[i * cols + j]) != 0)
                p = i;
        if (p == n)
            continue; /* column j depends on the previous ones */
        pivot_row[p] = 1;
        for (size_t i = 0; i < n; i++) {
            if (i == p || mpq_sgn(q[i * cols + j]) == 0)
                continue;
            mpq_div(f, q[i * cols + j], q[p * cols + j]);
            for (size_t k = j; k < cols; k++) {
                mpq_mul(t, f, q[p * cols + k]);
                mpq_sub(q[i * cols + k], q[i * cols + k], t);
            }
        }
    }
    int inside = 1;
    for (size_t i = 0; i < n && inside; i++)
        for (size_t k = d; k < cols && inside && !pivot_row[i]; k++)
            inside = mpq_sgn(q[i * cols + k]) == 0;
    for (size_t k = 0; k < n * cols + 2; k++)
        mpq_clear(q[k]);
    free(q);
    free(pivot_row);
    return inside;
}
