/* local_leverage_oracle.c: correctly rounded nu, local constant and dq/deps
 * of the leverage model (bht.h, "leverage local analysis").
 *
 * Route: exact rational arithmetic (GMP mpq), always; no error analysis is
 * needed because nothing is rounded before the final step.  Every input is a
 * binary64 number, hence a dyadic rational, so with w_k = 1/s_k^2,
 *   G = sum_k w_k a_k a_k^T,  N = sum_k w_k a_k m_k^T  (= A_s^T M_s),
 *   K = G^-1 N,  g_i = G^-1 a_i,
 *   h_ii = w_i a_i . g_i,
 *   W_ii = w_i (m_i - K^T a_i) . g_i          (= ((I - H) M_s G^-1 A_s^T)_ii),
 *   dq_i/deps = 2 W_ii / d,
 *   nu = (1/d) sum_{a_i != 0} W_ii^2 / h_ii    (= Var_p(w_s); E_p[w] = 0 exactly),
 *   L  = nu/2 + (1/(2d)) sum_{a_i = 0} w_i m_i^T G^-1 m_i
 * are rationals, computed exactly (G^-1 by Gauss-Jordan over Q; rank is
 * decided exactly on the way: a zero pivot column means rank < d), and each
 * output is rounded once, exactly (bht__oracle_round_rational: the rational is
 * enclosed by two 256-bit MPFR roundings; when their binary64 roundings
 * differ, it is compared exactly with the midpoint, ties to even).
 * Cost: O(n d^2 + d^3) rational operations on numbers whose size grows with
 * n and d (hundreds to thousands of bits for n <= 64, d <= 10); sizes are
 * limited to BHT_LEVERAGE_ORACLE_MAX_N / _MAX_D (BHT_E_INVALID above). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include "nu/leverage_local_internal.h"
#include "oracle/oracle_internal.h"

/* ------------------------------------------------------- exact leverage */

void bht__lev_exact_free(lev_exact *e)
{
    bht__oracle_qvec_free(e->ginv, e->d * e->d);
    bht__oracle_qvec_free(e->g, e->n * e->d);
    bht__oracle_qvec_free(e->h, e->n);
    bht__oracle_qvec_free(e->w, e->n);
    memset(e, 0, sizeof *e);
}

bht_status bht__lev_exact_build(size_t n, size_t d, const double *A, const double *s, lev_exact *e)
{
    memset(e, 0, sizeof *e);
    e->n = n;
    e->d = d;
    e->ginv = bht__oracle_qvec_new(d * d);
    e->g = bht__oracle_qvec_new(n * d);
    e->h = bht__oracle_qvec_new(n);
    e->w = bht__oracle_qvec_new(n);
    mpq_t *aug = bht__oracle_qvec_new(2 * d * d);
    if (!e->ginv || !e->g || !e->h || !e->w || !aug) {
        bht__oracle_qvec_free(aug, 2 * d * d);
        bht__lev_exact_free(e);
        return BHT_E_NOMEM;
    }
    mpq_t t, u;
    mpq_inits(t, u, (mpq_ptr)0);
    const size_t w2 = 2 * d;
    for (size_t i = 0; i < n; i++) {
        mpq_set_d(e->w[i], s ? s[i] : 1.0);
        mpq_mul(e->w[i], e->w[i], e->w[i]);
        mpq_inv(e->w[i], e->w[i]);
        for (size_t a = 0; a < d; a++) {
            if (A[i * d + a] == 0.0)
                continue;
            mpq_set_d(u, A[i * d + a]);
            mpq_mul(u, u, e->w[i]);
            for (size_t c = 0; c <= a; c++) {
                if (A[i * d + c] == 0.0)
                    continue;
                mpq_set_d(t, A[i * d + c]);
                mpq_mul(t, t, u);
                mpq_add(aug[a * w2 + c], aug[a * w2 + c], t);
            }
        }
    }
    for (size_t a = 0; a < d; a++) {
        for (size_t c = a + 1; c < d; c++)
            mpq_set(aug[a * w2 + c], aug[c * w2 + a]);
        mpq_set_ui(aug[a * w2 + d + a], 1, 1);
    }
    bht_status status = BHT_OK;
    for (size_t k = 0; k < d && status == BHT_OK; k++) {
        size_t piv = k;
        while (piv < d && mpq_sgn(aug[piv * w2 + k]) == 0)
            piv++;
        if (piv == d) {
            status = BHT_E_SINGULAR; /* G singular <=> rank A < d */
            break;
        }
        if (piv != k)
            for (size_t c = 0; c < w2; c++)
                mpq_swap(aug[k * w2 + c], aug[piv * w2 + c]);
        mpq_inv(t, aug[k * w2 + k]);
        for (size_t c = k; c < w2; c++)
            mpq_mul(aug[k * w2 + c], aug[k * w2 + c], t);
        for (size_t a = 0; a < d; a++) {
            if (a == k || mpq_sgn(aug[a * w2 + k]) == 0)
                continue;
            mpq_set(u, aug[a * w2 + k]);
            for (size_t c = k; c < w2; c++) {
                if (mpq_sgn(aug[k * w2 + c]) == 0)
                    continue;
                mpq_mul(t, u, aug[k * w2 + c]);
                mpq_sub(aug[a * w2 + c], aug[a * w2 + c], t);
            }
        }
    }
    if (status == BHT_OK) {
        for (size_t a = 0; a < d; a++)
            for (size_t c = 0; c < d; c++)
                mpq_set(e->ginv[a * d + c], aug[a * w2 + d + c]);
        for (size_t i = 0; i < n; i++) {
            for (size_t a = 0; a < d; a++)
                for (size_t c = 0; c < d; c++) {
                    if (A[i * d + c] == 0.0)
                        continue;
                    mpq_set_d(t, A[i * d + c]);
                    mpq_mul(t, t, e->ginv[a * d + c]);
                    mpq_add(e->g[i * d + a], e->g[i * d + a], t);
                }
            for (size_t a = 0; a < d; a++) {
                if (A[i * d + a] == 0.0)
                    continue;
                mpq_set_d(t, A[i * d + a]);
                mpq_mul(t, t, e->g[i * d + a]);
                mpq_add(e->h[i], e->h[i], t);
            }
            mpq_mul(e->h[i], e->h[i], e->w[i]);
        }
    }
    mpq_clears(t, u, (mpq_ptr)0);
    bht__oracle_qvec_free(aug, 2 * d * d);
    if (status != BHT_OK)
        bht__lev_exact_free(e);
    return status;
}

/* ---------------------------------------------------------------- nu */

bht_status bht__lev_oracle_check(size_t n, size_t d, const double *A, const double *M,
                                 const double *s)
{
    if (!A || !M || d == 0 || n < d || n > BHT_LEVERAGE_ORACLE_MAX_N
        || d > BHT_LEVERAGE_ORACLE_MAX_D)
        return BHT_E_INVALID;
    for (size_t i = 0; i < n; i++)
        if (s && !isfinite(s[i]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]) || !isfinite(M[k]))
            return BHT_E_NONFINITE;
    for (size_t i = 0; i < n; i++)
        if (s && s[i] == 0.0)
            return BHT_E_INVALID;
    return BHT_OK;
}

bht_status bht_oracle_nu_leverage(size_t n, size_t d, const double *A, const double *M,
                                  const double *s, bht_local_result *out, double *derivative,
                                  const bht_oracle_options *options, bht_oracle_report *report)
{
    (void)options; /* exact route: no precision to choose */
    if (!out)
        return BHT_E_INVALID;
    bht_status status = bht__lev_oracle_check(n, d, A, M, s);
    if (status != BHT_OK)
        return status;
    lev_exact ex;
    status = bht__lev_exact_build(n, d, A, s, &ex);
    if (status != BHT_OK)
        return status;
    double *dtmp = malloc(n * sizeof *dtmp);
    mpq_t *nmat = bht__oracle_qvec_new(d * d), *kmat = bht__oracle_qvec_new(d * d), *z = bht__oracle_qvec_new(d);
    if (!dtmp || !nmat || !kmat || !z) {
        status = BHT_E_NOMEM;
        goto done;
    }
    mpq_t t, u, wii, nusum, zsum;
    mpq_inits(t, u, wii, nusum, zsum, (mpq_ptr)0);
    /* N = sum_k w_k a_k m_k^T */
    for (size_t k = 0; k < n; k++)
        for (size_t a = 0; a < d; a++) {
            if (A[k * d + a] == 0.0)
                continue;
            mpq_set_d(u, A[k * d + a]);
            mpq_mul(u, u, ex.w[k]);
            for (size_t c = 0; c < d; c++) {
                if (M[k * d + c] == 0.0)
                    continue;
                mpq_set_d(t, M[k * d + c]);
                mpq_mul(t, t, u);
                mpq_add(nmat[a * d + c], nmat[a * d + c], t);
            }
        }
    /* K = G^-1 N */
    for (size_t a = 0; a < d; a++)
        for (size_t c = 0; c < d; c++)
            for (size_t k = 0; k < d; k++) {
                mpq_mul(t, ex.ginv[a * d + k], nmat[k * d + c]);
                mpq_add(kmat[a * d + c], kmat[a * d + c], t);
            }
    for (size_t i = 0; i < n; i++) {
        const double *ai = A + i * d, *mi = M + i * d;
        int zero = 1;
        for (size_t a = 0; a < d; a++)
            if (ai[a] != 0.0)
                zero = 0;
        if (zero) {
            /* w_i m_i^T G^-1 m_i */
            mpq_set_ui(wii, 0, 1);
            for (size_t a = 0; a < d; a++) {
                if (mi[a] == 0.0)
                    continue;
                mpq_set_ui(u, 0, 1);
                for (size_t c = 0; c < d; c++) {
                    if (mi[c] == 0.0)
                        continue;
                    mpq_set_d(t, mi[c]);
                    mpq_mul(t, t, ex.ginv[a * d + c]);
                    mpq_add(u, u, t);
                }
                mpq_set_d(t, mi[a]);
                mpq_mul(t, t, u);
                mpq_add(wii, wii, t);
            }
            mpq_mul(wii, wii, ex.w[i]);
            mpq_add(zsum, zsum, wii);
            dtmp[i] = 0.0;
            continue;
        }
        /* z = m_i - K^T a_i, W_ii = w_i z . g_i */
        for (size_t c = 0; c < d; c++) {
            mpq_set_d(z[c], mi[c]);
            for (size_t a = 0; a < d; a++) {
                if (ai[a] == 0.0)
                    continue;
                mpq_set_d(t, ai[a]);
                mpq_mul(t, t, kmat[a * d + c]);
                mpq_sub(z[c], z[c], t);
            }
        }
        mpq_set_ui(wii, 0, 1);
        for (size_t c = 0; c < d; c++) {
            mpq_mul(t, z[c], ex.g[i * d + c]);
            mpq_add(wii, wii, t);
        }
        mpq_mul(wii, wii, ex.w[i]);
        /* derivative 2 W_ii / d */
        mpq_set_ui(u, 2, (unsigned long)d);
        mpq_mul(t, wii, u);
        dtmp[i] = bht__oracle_round_rational(t);
        /* W_ii^2 / h_ii */
        mpq_mul(t, wii, wii);
        mpq_div(t, t, ex.h[i]);
        mpq_add(nusum, nusum, t);
    }
    bht_local_result r;
    mpq_set_ui(u, 1, (unsigned long)d);
    mpq_mul(t, nusum, u);
    r.nu = bht__oracle_round_rational(t);
    mpq_add(t, nusum, zsum);
    mpq_set_ui(u, 1, (unsigned long)(2 * d));
    mpq_mul(t, t, u);
    r.local_constant = bht__oracle_round_rational(t);
    *out = r;
    if (derivative)
        memcpy(derivative, dtmp, n * sizeof *dtmp);
    if (report) {
        report->precision_used = 0; /* exact */
        report->attempts = 1;
    }
    mpq_clears(t, u, wii, nusum, zsum, (mpq_ptr)0);
done:
    free(dtmp);
    bht__oracle_qvec_free(nmat, d * d);
    bht__oracle_qvec_free(kmat, d * d);
    bht__oracle_qvec_free(z, d);
    bht__lev_exact_free(&ex);
    return status;
}
