/* local_softmax_oracle.c: correctly rounded nu, nu/8 and dq/deps for the
 * softmax model (bht.h).
 *
 * Error analysis at precision P, u = 2^-P; every bound below is itself
 * evaluated in MPFR with upward rounding (bound_* helpers), so it is rigorous:
 *   p~_i from bht__oracle_softmax_eval, |p~_i - p_i| <= ep_i;
 *   G_i = RN(sum_k (M_ik - M_mk) x_k) (mpfr_sum of 2d exact products),
 *       |G_i - g'_i| <= eg_i = u |G_i|;
 *   gbar = RN(sum RN(p~_i G_i)):
 *       |gbar - <p, g'>| <= Eg = sum (u|p~_i G_i| + ep_i (|G_i| + eg_i)
 *                                     + p~_i eg_i) + u |gbar|;
 *   D_i = RN(G_i - gbar), |D_i - dev_i| <= ed_i = eg_i + Eg + u |D_i|;
 *   derivative_i = RN(p~_i D_i):
 *       error <= u |p~_i D_i| + ep_i (|D_i| + ed_i) + p~_i ed_i;
 *   nu = RN(sum RN(p~_i RN(D_i^2))):
 *       error <= sum (2.01 u p~_i D_i^2 + ep_i (|D_i| + ed_i)^2
 *                     + p~_i (2 |D_i| ed_i + ed_i^2)) + u nu.
 * Each output is decided by bht__oracle_decide_bound_mode (a zero bound means the
 * value is exact, e.g. nu = 0 when M x is constant on the support; nu >= 0
 * is used; a derivative below 2^-1075 in magnitude is +0 when its sign is not
 * certified, e.g. when every other component is below 2^-2164). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "oracle/oracle_internal.h"

#define BOUND_PREC 64

typedef struct nu_job {
    size_t n, d;
    const double *A, *M, *x;
    bht_local_result *out;
    double *derivative;
} nu_job;

static bht_status nu_attempt(void *context, mpfr_prec_t prec)
{
    const nu_job *job = context;
    const size_t n = job->n, d = job->d;
    oracle_vector p = {0}, G = {0}, D = {0}, terms = {0}, prod = {0};
    oracle_vector ep = {0}, eg = {0}, ed = {0};
    mpfr_exp_t *err_exp = malloc(n * sizeof *err_exp);
    bht_status status = err_exp ? BHT_OK : BHT_E_NOMEM;
    if (status == BHT_OK) status = bht__oracle_vector_init(&p, n, prec);
    if (status == BHT_OK) status = bht__oracle_vector_init(&G, n, prec);
    if (status == BHT_OK) status = bht__oracle_vector_init(&D, n, prec);
    if (status == BHT_OK) status = bht__oracle_vector_init(&terms, n, prec);
    if (status == BHT_OK) status = bht__oracle_vector_init(&prod, 2 * d, 106);
    if (status == BHT_OK) status = bht__oracle_vector_init(&ep, n, BOUND_PREC);
    if (status == BHT_OK) status = bht__oracle_vector_init(&eg, n, BOUND_PREC);
    if (status == BHT_OK) status = bht__oracle_vector_init(&ed, n, BOUND_PREC);
    oracle_softmax_input in = {n, d, NULL, job->A, job->x};
    if (status == BHT_OK)
        status = bht__oracle_softmax_eval(&in, prec, &p, err_exp);
    if (status != BHT_OK)
        goto done;

    mpfr_t gbar, nu, Eg, Enu, t1, t2, t3;
    mpfr_init2(gbar, prec);
    mpfr_init2(nu, prec);
    mpfr_inits2(BOUND_PREC, Eg, Enu, t1, t2, t3, (mpfr_ptr)0);

    size_t m = 0; /* reference row: the most probable one */
    for (size_t i = 1; i < n; i++)
        if (mpfr_greater_p(p.ptr[i], p.ptr[m]))
            m = i;
    for (size_t i = 0; i < n; i++) {
        mpfr_set_ui_2exp(ep.ptr[i], 1, err_exp[i], MPFR_RNDU);
        for (size_t k = 0; k < d; k++) {
            mpfr_set_d(prod.ptr[k], job->M[i * d + k], MPFR_RNDN);
            mpfr_mul_d(prod.ptr[k], prod.ptr[k], job->x[k], MPFR_RNDN);       /* exact */
            mpfr_set_d(prod.ptr[d + k], job->M[m * d + k], MPFR_RNDN);
            mpfr_mul_d(prod.ptr[d + k], prod.ptr[d + k], -job->x[k], MPFR_RNDN); /* exact */
        }
        mpfr_sum(G.ptr[i], prod.ptr, (unsigned long)(2 * d), MPFR_RNDN);
        bht__oracle_relative_bound(eg.ptr[i], G.ptr[i], prec);
        mpfr_mul(terms.ptr[i], p.ptr[i], G.ptr[i], MPFR_RNDN);
    }
    mpfr_sum(gbar, terms.ptr, (unsigned long)n, MPFR_RNDN);

    /* Eg */
    bht__oracle_relative_bound(Eg, gbar, prec);
    for (size_t i = 0; i < n; i++) {
        bht__oracle_relative_bound(t1, terms.ptr[i], prec);
        mpfr_add(Eg, Eg, t1, MPFR_RNDU);
        mpfr_abs(t2, G.ptr[i], MPFR_RNDU);
        mpfr_add(t2, t2, eg.ptr[i], MPFR_RNDU);
        bht__oracle_add_abs_product(Eg, ep.ptr[i], t2, t3);
        bht__oracle_add_abs_product(Eg, p.ptr[i], eg.ptr[i], t3);
    }

    /* D_i, ed_i, derivative, nu terms and Enu */
    bool decided = true;
    mpfr_set_zero(Enu, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_sub(D.ptr[i], G.ptr[i], gbar, MPFR_RNDN);
        bht__oracle_relative_bound(t1, D.ptr[i], prec);
        mpfr_add(ed.ptr[i], eg.ptr[i], Eg, MPFR_RNDU);
        mpfr_add(ed.ptr[i], ed.ptr[i], t1, MPFR_RNDU);
        /* |D_i| + ed_i */
        mpfr_abs(t2, D.ptr[i], MPFR_RNDU);
        mpfr_add(t2, t2, ed.ptr[i], MPFR_RNDU);
        if (job->derivative && decided && mpfr_zero_p(p.ptr[i])) {
            /* p_i < 2^-2164 and |dev_i| < 2^1089: the derivative rounds to
             * a zero with the sign of dev_i, known once |D_i| > ed_i. */
            if (mpfr_zero_p(D.ptr[i]) && mpfr_zero_p(ed.ptr[i]))
                job->derivative[i] = 0.0;
            else if (mpfr_cmpabs(D.ptr[i], ed.ptr[i]) > 0)
                job->derivative[i] = mpfr_signbit(D.ptr[i]) ? -0.0 : 0.0;
            else
                decided = false;
        } else if (job->derivative && decided) {
            mpfr_t q, eq;
            mpfr_init2(q, prec);
            mpfr_init2(eq, BOUND_PREC);
            mpfr_mul(q, p.ptr[i], D.ptr[i], MPFR_RNDN);
            bht__oracle_relative_bound(eq, q, prec);
            bht__oracle_add_abs_product(eq, ep.ptr[i], t2, t3);
            bht__oracle_add_abs_product(eq, p.ptr[i], ed.ptr[i], t3);
            decided = bht__oracle_decide_bound_mode(q, eq, ORACLE_ZERO_SIGN_FREE, &job->derivative[i]);
            mpfr_clears(q, eq, (mpfr_ptr)0);
        }
        /* term: p~ RN(D^2) */
        mpfr_sqr(terms.ptr[i], D.ptr[i], MPFR_RNDN);
        mpfr_mul(terms.ptr[i], terms.ptr[i], p.ptr[i], MPFR_RNDN);
        /* 2.01 u |term| */
        bht__oracle_relative_bound(t1, terms.ptr[i], prec);
        mpfr_mul_d(t1, t1, 2.01, MPFR_RNDU);
        mpfr_add(Enu, Enu, t1, MPFR_RNDU);
        /* ep (|D| + ed)^2 */
        mpfr_sqr(t1, t2, MPFR_RNDU);
        bht__oracle_add_abs_product(Enu, ep.ptr[i], t1, t3);
        /* p~ (2 |D| ed + ed^2) = p~ ed (2|D| + ed) */
        mpfr_abs(t1, D.ptr[i], MPFR_RNDU);
        mpfr_mul_2ui(t1, t1, 1, MPFR_RNDU);
        mpfr_add(t1, t1, ed.ptr[i], MPFR_RNDU);
        mpfr_mul(t1, t1, ed.ptr[i], MPFR_RNDU);
        bht__oracle_add_abs_product(Enu, p.ptr[i], t1, t3);
    }
    mpfr_sum(nu, terms.ptr, (unsigned long)n, MPFR_RNDN);
    bht__oracle_relative_bound(t1, nu, prec);
    mpfr_add(Enu, Enu, t1, MPFR_RNDU);

    bht_local_result r;
    if (decided)
        decided = bht__oracle_decide_bound_mode(nu, Enu, ORACLE_NONNEGATIVE, &r.nu);
    if (decided) {
        mpfr_div_2ui(nu, nu, 3, MPFR_RNDN);   /* exact */
        mpfr_div_2ui(Enu, Enu, 3, MPFR_RNDU); /* exact */
        decided = bht__oracle_decide_bound_mode(nu, Enu, ORACLE_NONNEGATIVE, &r.local_constant);
    }
    if (decided)
        *job->out = r;
    status = decided ? BHT_OK : BHT_E_PRECISION;
    mpfr_clears(gbar, nu, Eg, Enu, t1, t2, t3, (mpfr_ptr)0);
done:
    free(err_exp);
    bht__oracle_vectors_clear(&p, &G, &D, &terms, &prod, &ep, &eg, &ed, (oracle_vector *)0);
    return status;
}

bht_status bht_oracle_nu_softmax(size_t n, size_t d, const double *A, const double *M,
                                 const double *x, bht_local_result *out, double *derivative,
                                 const bht_oracle_options *options, bht_oracle_report *report)
{
    if (!A || !M || !x || !out)
        return BHT_E_INVALID;
    bht_status checked = bht__oracle_check_model(n, d, A, M, x);
    if (checked != BHT_OK)
        return checked;
    nu_job job = {n, d, A, M, x, out, derivative};
    return bht__oracle_ziv(options, report, 128 + 2 * bht__oracle_bits(n), nu_attempt, &job);
}
