/* leverage_oracle.c: correctly rounded leverage scores h_ii and p_i = h_ii/d
 * of A_s = Diag(s)^-1 A (paper Def. 2.9), with exact rank decision.
 *
 * Routes (which one is used when):
 *  R. Rank, always, exactly: rank A_s = rank A (s_i != 0).  Each row of A is
 *     scaled by its own power of two to integers (rank unchanged); Gaussian
 *     elimination modulo three 31-bit primes; rank d modulo any prime proves
 *     rank d over Q.  If all three are deficient, fraction-free (Bareiss)
 *     elimination on the integers decides exactly: BHT_E_SINGULAR iff rank < d.
 *  M. Values, always first: MPFR at precision P with the rigorous bound
 *     below and Ziv escalation (start 128 bits, x1.5, up to the cap).
 *  Q. Values, fallback for n <= 512, d <= 32 when M has not decided every
 *     output at 4096 bits (e.g. an exact rounding tie, where no error bound
 *     can decide): exact GMP rationals, h_ii = a_i^T G^-1 a_i / s_i^2 with
 *     G = sum a_i a_i^T / s_i^2 inverted by Gauss-Jordan over Q, each
 *     rational rounded exactly (ties to even).  Larger problems continue
 *     route M up to the cap (BHT_E_PRECISION there).
 *
 * Route M error analysis (u = 2^-P, P >= 128, so products of two doubles
 * and s_i^2 are exact; gamma_k = k u / (1 - k u) <= 1.01 k u; Higham,
 * "Accuracy and Stability of Numerical Algorithms", 2nd ed.):
 *  x_i = a_i D, D = diag(2^c_j) chosen so G_jj ~ 1 (exact);
 *  G_jk = sum_i x_ij x_ik / s_i^2; each term RN(RN(x x) * RN(1/s_i^2)) has
 *    relative error <= 2.01u, mpfr_sum adds u: |dG_jk| <= 3.02u sqrt(G_jj G_kk),
 *    so ||dG||_F <= 3.02u sum G_jj <= 3.03 u d T,  T = max computed G_jj;
 *  Cholesky of G^ (Thm 10.3): L L^T = G^ + dM, ||dM||_F <= 1.03 (d+1) u d T;
 *  forward substitution per row (Thm 8.5): (L + dL_i) z = x_i, |dL_i| <=
 *    gamma_d |L|, so z^T z = x_i^T N_i^-1 x_i with ||N_i - L L^T||_F <= 2.1 d^2 u T.
 *  Hence N_i = G + Delta_i, ||Delta_i|| <= beta := 6 d (d+1) u T.
 *  Lower bound of lambda_min(G) (Rump-style certificate): tau = half an
 *    estimate of lambda_min(G^) from ||L^-1||_F; if Cholesky of RN(G^ - tau I)
 *    completes, lambda_min(G) >= tau - 6 d (d+1) u T =: lambda_low.
 *  theta = beta / lambda_low <= 1/4 is required; then for every x,
 *    |x^T (G + Delta)^-1 x - x^T G^-1 x| <= theta/(1-theta) x^T G^-1 x.
 *  h~ = RN(RN(sum RN(z_j^2)) / s_i^2) adds <= 3.05u relative, so
 *    |h~ - h| <= eps h, eps = 4 theta / 3 + 4.1 u, and |h~ - h| <= 2 eps |h~|;
 *  p~ = RN(h~ / d): |p~ - p| <= (2 eps + 4u) |p~|.
 * Each output is decided by oracle_decide with these bounds (rounded up to
 * powers of two); zero rows give exactly +0.  Failure of either Cholesky,
 * lambda_low <= 0 or theta > 1/4 asks Ziv for more precision (rank is
 * already certified full, so this terminates for large enough P). */
#include <gmp.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "oracle/oracle_internal.h"

#define RATIONAL_MAX_N 512
#define RATIONAL_MAX_D 32
#define RATIONAL_AFTER_PREC 4096

/* ============================================================ route R */

static const uint64_t rank_primes[3] = {2147483647u, 2147483629u, 2147483587u};

/* a = m 2^e with m an integer, |m| < 2^53 (a != 0). */
static void integer_parts(double a, int64_t *m, int *e)
{
    int ex;
    double f = frexp(a, &ex);
    *m = (int64_t)ldexp(f, 53);
    *e = ex - 53;
}

/* Smallest integer exponent of the nonzero entries of row i (0 if none). */
static int row_min_exponent(size_t d, const double *row)
{
    int emin = INT32_MAX;
    for (size_t j = 0; j < d; j++)
        if (row[j] != 0.0) {
            int64_t m;
            int e;
            integer_parts(row[j], &m, &e);
            if (e < emin)
                emin = e;
        }
    return emin == INT32_MAX ? 0 : emin;
}

/* b^e mod p, b < p (square and multiply; p is one of the 31-bit
 * rank_primes, so no product overflows). */
static uint64_t mod_pow(uint64_t b, uint64_t e, uint64_t p)
{
    uint64_t r = 1;
    while (e) {
        if (e & 1)
            r = r * b % p;
        b = b * b % p;
        e >>= 1;
    }
    return r;
}

/* Is the row-scaled integer matrix of rank d modulo p?  m is n*d scratch. */
static int full_rank_mod(size_t n, size_t d, const double *A, uint64_t p, uint64_t *m)
{
    for (size_t i = 0; i < n; i++) {
        int emin = row_min_exponent(d, A + i * d);
        for (size_t j = 0; j < d; j++) {
            uint64_t v = 0;
            if (A[i * d + j] != 0.0) {
                int64_t mi;
                int e;
                integer_parts(A[i * d + j], &mi, &e);
                uint64_t mag = (uint64_t)(mi < 0 ? -mi : mi) % p;
                v = mag * mod_pow(2 % p, (unsigned)(e - emin), p) % p;
                if (mi < 0 && v)
                    v = p - v;
            }
            m[i * d + j] = v;
        }
    }
    for (size_t k = 0; k < d; k++) {
        size_t piv = k;
        while (piv < n && m[piv * d + k] == 0)
            piv++;
        if (piv == n)
            return 0;
        if (piv != k)
            for (size_t j = 0; j < d; j++) {
                uint64_t t = m[k * d + j];
                m[k * d + j] = m[piv * d + j];
                m[piv * d + j] = t;
            }
        uint64_t inv = mod_pow(m[k * d + k], p - 2, p); /* Fermat: a^(p-2) = a^-1 */
        for (size_t i = k + 1; i < n; i++) {
            uint64_t f = m[i * d + k] * inv % p;
            if (!f)
                continue;
            for (size_t j = k + 1; j < d; j++)
                m[i * d + j] = (m[i * d + j] + (p - f * m[k * d + j] % p)) % p;
        }
    }
    return 1;
}

/* Exact rank test by Bareiss fraction-free elimination on the row-scaled
 * integer matrix (every entry after step k is a (k+1)-minor, so the
 * divisions are exact). */
static bht_status full_rank_exact(size_t n, size_t d, const double *A, int *full)
{
    mpz_t *m = malloc(n * d * sizeof *m);
    mpz_t **row = malloc(n * sizeof *row);
    if (!m || !row) {
        free(m);
        free(row);
        return BHT_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        row[i] = m + i * d;
        int emin = row_min_exponent(d, A + i * d);
        for (size_t j = 0; j < d; j++) {
            mpz_init(m[i * d + j]);
            if (A[i * d + j] != 0.0) {
                int64_t mi;
                int e;
                integer_parts(A[i * d + j], &mi, &e);
                mpz_set_d(m[i * d + j], (double)mi);
                mpz_mul_2exp(m[i * d + j], m[i * d + j], (mp_bitcnt_t)(e - emin));
            }
        }
    }
    mpz_t prev, t;
    mpz_init_set_ui(prev, 1);
    mpz_init(t);
    *full = 1;
    for (size_t k = 0; k < d && *full; k++) {
        size_t piv = k;
        while (piv < n && mpz_sgn(row[piv][k]) == 0)
            piv++;
        if (piv == n) {
            *full = 0;
            break;
        }
        mpz_t *swap = row[k];
        row[k] = row[piv];
        row[piv] = swap;
        for (size_t i = k + 1; i < n; i++) {
            for (size_t j = k + 1; j < d; j++) {
                mpz_mul(t, row[k][k], row[i][j]);
                mpz_submul(t, row[i][k], row[k][j]);
                mpz_divexact(row[i][j], t, prev);
            }
        }
        mpz_set(prev, row[k][k]);
    }
    mpz_clear(prev);
    mpz_clear(t);
    for (size_t q = 0; q < n * d; q++)
        mpz_clear(m[q]);
    free(m);
    free(row);
    return BHT_OK;
}

static bht_status decide_rank(size_t n, size_t d, const double *A, int *full)
{
    if (n > SIZE_MAX / d || n * d > SIZE_MAX / sizeof(uint64_t))
        return BHT_E_NOMEM;
    uint64_t *m = malloc(n * d * sizeof *m);
    if (!m)
        return BHT_E_NOMEM;
    *full = 0;
    for (int k = 0; k < 3 && !*full; k++)
        *full = full_rank_mod(n, d, A, rank_primes[k], m);
    free(m);
    if (*full)
        return BHT_OK;
    return full_rank_exact(n, d, A, full);
}

/* ============================================================ route M */

typedef struct leverage_job {
    size_t n, d;
    const double *A, *s;
    double *p, *h;     /* outputs (h may be NULL) */
    double *p_tmp, *h_tmp;
    double cond;
    long *col_scale;   /* c_j */
    int fallback_ok;   /* route Q allowed */
} leverage_job;

static double job_s(const leverage_job *job, size_t i)
{
    return job->s ? job->s[i] : 1.0;
}

/* Column exponents c_j with sum_i (a_ij 2^c_j / s_i)^2 roughly in [1/4, 4]. */
static void column_scales(leverage_job *job)
{
    mpfr_t acc, t;
    mpfr_inits2(64, acc, t, (mpfr_ptr)0);
    for (size_t j = 0; j < job->d; j++) {
        mpfr_set_zero(acc, 1);
        for (size_t i = 0; i < job->n; i++) {
            mpfr_set_d(t, job->A[i * job->d + j], MPFR_RNDN);
            mpfr_div_d(t, t, job_s(job, i), MPFR_RNDN);
            mpfr_sqr(t, t, MPFR_RNDN);
            mpfr_add(acc, acc, t, MPFR_RNDN);
        }
        long c = 0;
        if (!mpfr_zero_p(acc)) {
            mpfr_exp_t e = mpfr_get_exp(acc); /* acc in [2^(e-1), 2^e) */
            c = -(long)(e / 2);
        }
        job->col_scale[j] = c;
    }
    mpfr_clears(acc, t, (mpfr_ptr)0);
}

/* Cholesky in place on the lower triangle of the d*d array g (row-major);
 * 0 on a non-positive pivot.  t is scratch of the same precision. */
static int cholesky_mpfr(size_t d, mpfr_ptr *g, mpfr_ptr t)
{
    for (size_t j = 0; j < d; j++) {
        for (size_t i = j; i < d; i++) {
            mpfr_ptr v = g[i * d + j];
            for (size_t k = 0; k < j; k++) {
                mpfr_mul(t, g[i * d + k], g[j * d + k], MPFR_RNDN);
                mpfr_sub(v, v, t, MPFR_RNDN);
            }
            if (i == j) {
                if (mpfr_sgn(v) <= 0)
                    return 0;
                mpfr_sqrt(v, v, MPFR_RNDN);
            } else {
                mpfr_div(v, v, g[j * d + j], MPFR_RNDN);
            }
        }
    }
    return 1;
}

/* ||L^-1||_F^2 approximately (64-bit arithmetic; only an estimate). */
static void inverse_frobenius2(size_t d, mpfr_ptr *l, mpfr_ptr out)
{
    oracle_vector col;
    if (bht__oracle_vector_init(&col, d, 64) != BHT_OK) {
        mpfr_set_inf(out, 1);
        return;
    }
    mpfr_t t;
    mpfr_init2(t, 64);
    mpfr_set_zero(out, 1);
    for (size_t c = 0; c < d; c++) {
        /* solve L y = e_c */
        for (size_t i = 0; i < d; i++) {
            mpfr_set_ui(col.ptr[i], i == c ? 1 : 0, MPFR_RNDN);
            for (size_t k = c; k < i; k++) {
                mpfr_mul(t, l[i * d + k], col.ptr[k], MPFR_RNDN);
                mpfr_sub(col.ptr[i], col.ptr[i], t, MPFR_RNDN);
            }
            mpfr_div(col.ptr[i], col.ptr[i], l[i * d + i], MPFR_RNDN);
            mpfr_sqr(t, col.ptr[i], MPFR_RNDN);
            mpfr_add(out, out, t, MPFR_RNDN);
        }
    }
    mpfr_clear(t);
    bht__oracle_vector_clear(&col);
}

/* Every row of A zero?  (its h_ii is exactly 0) */
static int zero_row(const leverage_job *job, size_t i)
{
    for (size_t j = 0; j < job->d; j++)
        if (job->A[i * job->d + j] != 0.0)
            return 0;
    return 1;
}

static bht_status leverage_attempt(void *context, mpfr_prec_t prec)
{
    leverage_job *job = context;
    const size_t n = job->n, d = job->d;
    bht_status status = BHT_E_PRECISION;
    oracle_vector terms, g, m, z, w;
    int have_terms = 0, have_g = 0, have_m = 0, have_z = 0, have_w = 0;
    if ((status = bht__oracle_vector_init(&terms, n, prec)) != BHT_OK)
        goto done;
    have_terms = 1;
    if ((status = bht__oracle_vector_init(&g, d * d, prec)) != BHT_OK)
        goto done;
    have_g = 1;
    if ((status = bht__oracle_vector_init(&m, d * d, prec)) != BHT_OK)
        goto done;
    have_m = 1;
    if ((status = bht__oracle_vector_init(&z, d + 1, prec)) != BHT_OK)
        goto done;
    have_z = 1;
    if ((status = bht__oracle_vector_init(&w, n, prec)) != BHT_OK)
        goto done;
    have_w = 1;
    status = BHT_E_PRECISION;

    mpfr_t t, s2, hz, big, small, lam;
    mpfr_inits2(prec, t, s2, hz, (mpfr_ptr)0);
    mpfr_inits2(64, big, small, lam, (mpfr_ptr)0);

    /* w_i = RN(1 / s_i^2) (s_i^2 exact). */
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(s2, job_s(job, i), MPFR_RNDN);
        mpfr_sqr(s2, s2, MPFR_RNDN);
        mpfr_ui_div(w.ptr[i], 1, s2, MPFR_RNDN);
    }
    /* G (lower triangle), every entry by mpfr_sum of n terms. */
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b <= a; b++) {
            for (size_t i = 0; i < n; i++) {
                mpfr_set_d(t, job->A[i * d + a], MPFR_RNDN);
                mpfr_mul_d(terms.ptr[i], t, job->A[i * d + b], MPFR_RNDN); /* exact */
                mpfr_mul_2si(terms.ptr[i], terms.ptr[i], job->col_scale[a] + job->col_scale[b],
                             MPFR_RNDN);
                mpfr_mul(terms.ptr[i], terms.ptr[i], w.ptr[i], MPFR_RNDN);
            }
            mpfr_sum(g.ptr[a * d + b], terms.ptr, (unsigned long)n, MPFR_RNDN);
        }
    /* T = max G_jj (rounded up), then the shift certificate. */
    mpfr_set_zero(big, 1);
    for (size_t j = 0; j < d; j++)
        if (mpfr_cmp(g.ptr[j * d + j], big) > 0)
            mpfr_set(big, g.ptr[j * d + j], MPFR_RNDU);
    for (size_t q = 0; q < d * d; q++)
        mpfr_set(m.ptr[q], g.ptr[q], MPFR_RNDN);
    if (!cholesky_mpfr(d, g.ptr, t))
        goto cleanup;
    /* lambda estimate 1/||L^-1||_F^2, tau = half of it (a 64-bit number). */
    inverse_frobenius2(d, g.ptr, lam);
    if (!mpfr_number_p(lam))
        goto cleanup;
    mpfr_ui_div(lam, 1, lam, MPFR_RNDD);
    mpfr_div_2ui(lam, lam, 1, MPFR_RNDD); /* tau */
    {
        /* oracle's condition estimate: sqrt(trace * ||L^-1||_F^2) */
        mpfr_t tr;
        mpfr_init2(tr, 64);
        mpfr_set_zero(tr, 1);
        for (size_t j = 0; j < d; j++)
            mpfr_add(tr, tr, m.ptr[j * d + j], MPFR_RNDN);
        mpfr_div(tr, tr, lam, MPFR_RNDN);
        mpfr_div_2ui(tr, tr, 1, MPFR_RNDN);
        mpfr_sqrt(tr, tr, MPFR_RNDN);
        job->cond = mpfr_get_d(tr, MPFR_RNDN);
        mpfr_clear(tr);
    }
    for (size_t j = 0; j < d; j++)
        mpfr_sub(m.ptr[j * d + j], m.ptr[j * d + j], lam, MPFR_RNDN);
    if (!cholesky_mpfr(d, m.ptr, t))
        goto cleanup;
    /* small = 6 d (d+1) u T (rounded up); lambda_low = tau - small. */
    mpfr_mul_ui(small, big, (unsigned long)(6 * d * (d + 1)), MPFR_RNDU);
    mpfr_div_2si(small, small, (long)prec, MPFR_RNDU);
    mpfr_sub(lam, lam, small, MPFR_RNDD);
    if (mpfr_sgn(lam) <= 0)
        goto cleanup;
    mpfr_div(small, small, lam, MPFR_RNDU); /* theta */
    if (mpfr_cmp_d(small, 0.25) > 0)
        goto cleanup;
    /* eps = 4 theta/3 + 4.1 u; the bound factors 2 eps and 2 eps + 4u. */
    mpfr_mul_ui(small, small, 4, MPFR_RNDU);
    mpfr_div_ui(small, small, 3, MPFR_RNDU);
    mpfr_set_ui_2exp(big, 41, -(long)prec, MPFR_RNDU);
    mpfr_div_ui(big, big, 10, MPFR_RNDU);
    mpfr_add(small, small, big, MPFR_RNDU);
    mpfr_mul_2ui(small, small, 1, MPFR_RNDU);          /* 2 eps */
    mpfr_exp_t h_rel = mpfr_get_exp(small);             /* 2 eps < 2^h_rel */
    mpfr_set_ui_2exp(big, 4, -(long)prec, MPFR_RNDU);
    mpfr_add(small, small, big, MPFR_RNDU);             /* 2 eps + 4u */
    mpfr_exp_t p_rel = mpfr_get_exp(small);

    /* Rows: z = L^-1 x_i, h = |z|^2 / s_i^2. */
    for (size_t i = 0; i < n; i++) {
        if (zero_row(job, i)) {
            job->p_tmp[i] = 0.0;
            job->h_tmp[i] = 0.0;
            continue;
        }
        for (size_t j = 0; j < d; j++) {
            mpfr_ptr v = z.ptr[j];
            mpfr_set_d(v, job->A[i * d + j], MPFR_RNDN);
            mpfr_mul_2si(v, v, job->col_scale[j], MPFR_RNDN);
            for (size_t k = 0; k < j; k++) {
                mpfr_mul(t, g.ptr[j * d + k], z.ptr[k], MPFR_RNDN);
                mpfr_sub(v, v, t, MPFR_RNDN);
            }
            mpfr_div(v, v, g.ptr[j * d + j], MPFR_RNDN);
        }
        for (size_t j = 0; j < d; j++)
            mpfr_sqr(terms.ptr[j], z.ptr[j], MPFR_RNDN);
        mpfr_sum(hz, terms.ptr, (unsigned long)d, MPFR_RNDN);
        mpfr_set_d(s2, job_s(job, i), MPFR_RNDN);
        mpfr_sqr(s2, s2, MPFR_RNDN);
        mpfr_div(hz, hz, s2, MPFR_RNDN);
        if (mpfr_zero_p(hz))
            goto cleanup; /* cannot happen for a nonzero row of a full-rank A */
        if (!bht__oracle_decide(hz, mpfr_get_exp(hz) + h_rel, &job->h_tmp[i]))
            goto cleanup;
        mpfr_div_ui(hz, hz, (unsigned long)d, MPFR_RNDN);
        if (!bht__oracle_decide(hz, mpfr_get_exp(hz) + p_rel, &job->p_tmp[i]))
            goto cleanup;
    }
    status = BHT_OK;
cleanup:
    mpfr_clears(t, s2, hz, big, small, lam, (mpfr_ptr)0);
done:
    if (have_terms)
        bht__oracle_vector_clear(&terms);
    if (have_g)
        bht__oracle_vector_clear(&g);
    if (have_m)
        bht__oracle_vector_clear(&m);
    if (have_z)
        bht__oracle_vector_clear(&z);
    if (have_w)
        bht__oracle_vector_clear(&w);
    return status;
}

/* ============================================================ route Q */

static bht_status rational_route(leverage_job *job)
{
    const size_t n = job->n, d = job->d;
    mpq_t *g = malloc(d * 2 * d * sizeof *g); /* [G | I] d x 2d */
    mpq_t *x = malloc(d * sizeof *x);
    if (!g || !x) {
        free(g);
        free(x);
        return BHT_E_NOMEM;
    }
    mpq_t t, w, hq;
    mpq_inits(t, w, hq, (mpq_ptr)0);
    for (size_t q = 0; q < 2 * d * d; q++)
        mpq_init(g[q]);
    for (size_t j = 0; j < d; j++)
        mpq_init(x[j]);
    for (size_t i = 0; i < n; i++) {
        mpq_set_d(w, job_s(job, i));
        mpq_mul(w, w, w);
        mpq_inv(w, w);
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++) {
                mpq_set_d(t, job->A[i * d + a]);
                mpq_set_d(hq, job->A[i * d + b]);
                mpq_mul(t, t, hq);
                mpq_mul(t, t, w);
                mpq_add(g[a * 2 * d + b], g[a * 2 * d + b], t);
            }
    }
    for (size_t j = 0; j < d; j++)
        mpq_set_ui(g[j * 2 * d + d + j], 1, 1);
    bht_status status = BHT_OK;
    for (size_t k = 0; k < d && status == BHT_OK; k++) {
        size_t piv = k;
        while (piv < d && mpq_sgn(g[piv * 2 * d + k]) == 0)
            piv++;
        if (piv == d) {
            status = BHT_E_SINGULAR;
            break;
        }
        if (piv != k)
            for (size_t b = 0; b < 2 * d; b++)
                mpq_swap(g[k * 2 * d + b], g[piv * 2 * d + b]);
        mpq_inv(t, g[k * 2 * d + k]);
        for (size_t b = 0; b < 2 * d; b++)
            mpq_mul(g[k * 2 * d + b], g[k * 2 * d + b], t);
        for (size_t a = 0; a < d; a++) {
            if (a == k || mpq_sgn(g[a * 2 * d + k]) == 0)
                continue;
            mpq_set(w, g[a * 2 * d + k]);
            for (size_t b = 0; b < 2 * d; b++) {
                mpq_mul(t, w, g[k * 2 * d + b]);
                mpq_sub(g[a * 2 * d + b], g[a * 2 * d + b], t);
            }
        }
    }
    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        /* h = a_i^T G^-1 a_i / s_i^2 */
        for (size_t a = 0; a < d; a++) {
            mpq_set_ui(x[a], 0, 1);
            for (size_t b = 0; b < d; b++) {
                mpq_set_d(t, job->A[i * d + b]);
                mpq_mul(t, t, g[a * 2 * d + d + b]);
                mpq_add(x[a], x[a], t);
            }
        }
        mpq_set_ui(hq, 0, 1);
        for (size_t a = 0; a < d; a++) {
            mpq_set_d(t, job->A[i * d + a]);
            mpq_mul(t, t, x[a]);
            mpq_add(hq, hq, t);
        }
        mpq_set_d(w, job_s(job, i));
        mpq_mul(w, w, w);
        mpq_div(hq, hq, w);
        job->h_tmp[i] = bht__oracle_round_rational(hq);
        mpq_set_ui(t, (unsigned long)d, 1);
        mpq_div(hq, hq, t);
        job->p_tmp[i] = bht__oracle_round_rational(hq);
    }
    for (size_t q = 0; q < 2 * d * d; q++)
        mpq_clear(g[q]);
    for (size_t j = 0; j < d; j++)
        mpq_clear(x[j]);
    mpq_clears(t, w, hq, (mpq_ptr)0);
    free(g);
    free(x);
    return status;
}

/* ============================================================ entry */

bht_status bht_oracle_leverage(size_t n, size_t d, const double *A, const double *s, double *p,
                               double *h, double *cond_estimate,
                               const bht_oracle_options *options, bht_oracle_report *report)
{
    if (!A || !p || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    for (size_t i = 0; i < n; i++) {
        double si = s ? s[i] : 1.0;
        if (!isfinite(si))
            return BHT_E_NONFINITE;
        for (size_t j = 0; j < d; j++)
            if (!isfinite(A[i * d + j]))
                return BHT_E_NONFINITE;
    }
    for (size_t i = 0; i < n; i++)
        if (s && s[i] == 0.0)
            return BHT_E_INVALID;
    int full = 0;
    bht_status status = decide_rank(n, d, A, &full);
    if (status != BHT_OK)
        return status;
    if (!full)
        return BHT_E_SINGULAR;

    leverage_job job = {n, d, A, s, p, h, NULL, NULL, NAN, NULL, 0};
    job.p_tmp = malloc(n * sizeof(double));
    job.h_tmp = malloc(n * sizeof(double));
    job.col_scale = malloc(d * sizeof(long));
    if (!job.p_tmp || !job.h_tmp || !job.col_scale) {
        status = BHT_E_NOMEM;
        goto out;
    }
    column_scales(&job);
    long cap = (options && options->precision_cap > 0) ? options->precision_cap
                                                        : BHT_ORACLE_DEFAULT_CAP;
    job.fallback_ok = n <= RATIONAL_MAX_N && d <= RATIONAL_MAX_D;
    if (job.fallback_ok && cap > RATIONAL_AFTER_PREC) {
        bht_oracle_options first = {options ? options->precision_start : 0, RATIONAL_AFTER_PREC};
        status = bht__oracle_ziv(&first, report, 128, leverage_attempt, &job);
        if (status == BHT_E_PRECISION)
            status = rational_route(&job);
    } else {
        status = bht__oracle_ziv(options, report, 128, leverage_attempt, &job);
    }
    if (status == BHT_OK) {
        memcpy(p, job.p_tmp, n * sizeof(double));
        if (h)
            memcpy(h, job.h_tmp, n * sizeof(double));
        if (cond_estimate)
            *cond_estimate = job.cond;
    }
out:
    free(job.p_tmp);
    free(job.h_tmp);
    free(job.col_scale);
    return status;
}
