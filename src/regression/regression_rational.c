/* regression_rational.c: the oracle when every logit (A x)_i is the same
 * number (x = 0 among others).  Then f = 1/n exactly and every quantity of
 * the regression is a rational function of the (dyadic) inputs: computed
 * exactly with GMP rationals and rounded once.  This is where exact zeros
 * occur (f = b, symmetric designs at x = 0), which no enclosure can decide. */
#include <stdlib.h>
#include "regression_oracle_internal.h"

/* The work vectors of bht__regression_rational (n: c, cs, z; d: dev, abar). */
static void free_vectors(size_t n, size_t d, mpq_t *c, mpq_t *cs, mpq_t *z, mpq_t *dev,
                         mpq_t *abar, double *out)
{
    bht__oracle_qvec_free(c, n);
    bht__oracle_qvec_free(cs, n);
    bht__oracle_qvec_free(z, n);
    bht__oracle_qvec_free(dev, d);
    bht__oracle_qvec_free(abar, d);
    free(out);
}

bht_status bht__regression_rational(const regression_problem *p, double *loss, double *gradient,
                               double *hessian)
{
    const size_t n = p->n, d = p->d;
    mpq_t *c = bht__oracle_qvec_new(n), *cs = bht__oracle_qvec_new(n), *z = bht__oracle_qvec_new(n), *dev = bht__oracle_qvec_new(d);
    mpq_t *abar = bht__oracle_qvec_new(d);
    double *out = malloc((1 + d + d * d) * sizeof *out);
    if (!c || !cs || !z || !dev || !abar || !out) {
        free_vectors(n, d, c, cs, z, dev, abar, out);
        return BHT_E_NOMEM;
    }
    mpq_t f, s, t, u, acc, w2;
    mpq_inits(f, s, t, u, acc, w2, (mpq_ptr)0);
    mpq_set_ui(f, 1, (unsigned long)n); /* n <= 2^28 */
    mpq_canonicalize(f);
    /* c_i = 1/n - b_i, s = sum c_i / n, cs_i = c_i - s; z_i = a_i^T x (only
     * where w_i != 0) */
    mpq_set_ui(s, 0, 1);
    for (size_t i = 0; i < n; i++) {
        mpq_set_d(t, p->b[i]);
        mpq_sub(c[i], f, t);
        mpq_add(s, s, c[i]);
        mpq_set_ui(z[i], 0, 1);
        if (p->w && p->w[i] != 0.0)
            for (size_t j = 0; j < d; j++) {
                mpq_set_d(t, p->A[i * d + j]);
                mpq_set_d(u, p->x[j]);
                mpq_mul(t, t, u);
                mpq_add(z[i], z[i], t);
            }
    }
    mpq_mul(s, s, f);
    for (size_t i = 0; i < n; i++)
        mpq_sub(cs[i], c[i], s);

    if (loss) { /* 1/2 sum c_i^2 + (w_i z_i)^2 */
        mpq_set_ui(acc, 0, 1);
        for (size_t i = 0; i < n; i++) {
            mpq_mul(t, c[i], c[i]);
            mpq_add(acc, acc, t);
            if (p->w && p->w[i] != 0.0) {
                mpq_set_d(w2, p->w[i]);
                mpq_mul(t, w2, z[i]);
                mpq_mul(t, t, t);
                mpq_add(acc, acc, t);
            }
        }
        mpq_div_2exp(acc, acc, 1);
        out[0] = bht__oracle_round_rational(acc);
    }
    if (gradient) /* g_j = sum_i (f cs_i + w_i^2 z_i) a_ij */
        for (size_t j = 0; j < d; j++) {
            mpq_set_ui(acc, 0, 1);
            for (size_t i = 0; i < n; i++) {
                mpq_mul(t, f, cs[i]);
                if (p->w && p->w[i] != 0.0) {
                    mpq_set_d(w2, p->w[i]);
                    mpq_mul(w2, w2, w2);
                    mpq_mul(u, w2, z[i]);
                    mpq_add(t, t, u);
                }
                mpq_set_d(u, p->A[i * d + j]);
                mpq_mul(t, t, u);
                mpq_add(acc, acc, t);
            }
            out[1 + j] = bht__oracle_round_rational(acc);
        }
    if (hessian) {
        /* abar_j = sum a_ij / n; H_jk = sum r_i dev_ij dev_ik + w_i^2 a_ij a_ik,
         * r_i = f (f + cs_i) */
        for (size_t j = 0; j < d; j++) {
            mpq_set_ui(abar[j], 0, 1);
            for (size_t i = 0; i < n; i++) {
                mpq_set_d(t, p->A[i * d + j]);
                mpq_add(abar[j], abar[j], t);
            }
            mpq_mul(abar[j], abar[j], f);
        }
        mpq_t *H = bht__oracle_qvec_new(d * d);
        if (!H) {
            free(out);
            out = NULL;
        } else {
            for (size_t i = 0; i < n; i++) {
                mpq_t r;
                mpq_init(r);
                mpq_add(r, f, cs[i]);
                mpq_mul(r, r, f);
                for (size_t j = 0; j < d; j++) {
                    mpq_set_d(t, p->A[i * d + j]);
                    mpq_sub(dev[j], t, abar[j]);
                }
                int weighted = p->w && p->w[i] != 0.0;
                if (weighted) {
                    mpq_set_d(w2, p->w[i]);
                    mpq_mul(w2, w2, w2);
                }
                for (size_t j = 0; j < d; j++)
                    for (size_t k = j; k < d; k++) {
                        mpq_mul(t, dev[j], dev[k]);
                        mpq_mul(t, t, r);
                        if (weighted) {
                            mpq_set_d(u, p->A[i * d + j]);
                            mpq_set_d(acc, p->A[i * d + k]);
                            mpq_mul(u, u, acc);
                            mpq_mul(u, u, w2);
                            mpq_add(t, t, u);
                        }
                        mpq_add(H[j * d + k], H[j * d + k], t);
                    }
                mpq_clear(r);
            }
            for (size_t j = 0; j < d; j++)
                for (size_t k = j; k < d; k++)
                    out[1 + d + j * d + k] = out[1 + d + k * d + j] =
                        bht__oracle_round_rational(H[j * d + k]);
            bht__oracle_qvec_free(H, d * d);
        }
    }
    bht_status status = out ? BHT_OK : BHT_E_NOMEM;
    if (out) {
        if (loss)
            *loss = out[0];
        for (size_t j = 0; gradient && j < d; j++)
            gradient[j] = out[1 + j];
        for (size_t k = 0; hessian && k < d * d; k++)
            hessian[k] = out[1 + d + k];
    }
    mpq_clears(f, s, t, u, acc, w2, (mpq_ptr)0);
    free_vectors(n, d, c, cs, z, dev, abar, out);
    return status;
}
