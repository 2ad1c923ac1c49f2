/* model_distance_oracle.c: correctly rounded H^2, H and TV between two
 * softmax models at one query (bht.h).
 *
 * p~, q~ come from oracle_softmax_eval at precision P with absolute bounds
 * eP_i, eQ_i.  Per component (u = 2^-P; bounds evaluated upward in MPFR):
 *   Dd = RN(p~ - q~),  |Dd - (p - q)| <= eD = eP + eQ + u|Dd|;
 *   den = RN(RN(sqrt p~) + RN(sqrt q~)); with |sqrt p - sqrt p~| <= eP/sqrt(p~)
 *   (or sqrt(eP) when p~ = 0), |den - (sqrt p + sqrt q)| <= eS (including
 *   2.01 u den), and Dlow = den - eS > 0 (else: more precision);
 *   r = RN(Dd/den), |r - r*| <= er = eD/Dlow + |Dd| eS/(Dlow den) + u|r|;
 *   term = RN(r^2), |term - r*^2| <= (2|r| + er) er + u r^2;
 *   both p~ and q~ zero: the true term is <= max(p, q) <= max(eP, eQ).
 * H^2 = RN(sum terms)/2 (+ u H^2), TV = RN(sum |Dd|)/2 with sum eD (+ u TV),
 * H = RN(sqrt(H^2)) with |H - H*| <= E/sqrt(H^2~) + u H (sqrt(E) if H^2~ = 0).
 * Identical models (A == B bitwise) are exactly zero. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "oracle/oracle_internal.h"

#define BOUND_PREC 64

typedef struct model_distance_job {
    size_t n, d;
    const double *A, *B, *x;
    bht_distances *out;
} model_distance_job;

/* |sqrt(v) - sqrt(v~)| bound for |v - v~| <= e: e / sqrt(v~), or sqrt(e). */
static void sqrt_error(mpfr_ptr out, mpfr_srcptr v, mpfr_srcptr e)
{
    if (mpfr_zero_p(v)) {
        mpfr_sqrt(out, e, MPFR_RNDU);
        return;
    }
    mpfr_sqrt(out, v, MPFR_RNDD);
    mpfr_div(out, e, out, MPFR_RNDU);
}

static void add_relative(mpfr_ptr acc, mpfr_srcptr v, mpfr_prec_t prec, double factor,
                         mpfr_ptr tmp)
{
    mpfr_abs(tmp, v, MPFR_RNDU);
    mpfr_mul_2si(tmp, tmp, -(long)prec, MPFR_RNDU);
    mpfr_mul_d(tmp, tmp, factor, MPFR_RNDU);
    mpfr_add(acc, acc, tmp, MPFR_RNDU);
}

static bht_status model_distance_attempt(void *context, mpfr_prec_t prec)
{
    const model_distance_job *job = context;
    const size_t n = job->n;
    oracle_vector p = {0}, q = {0}, hterms = {0}, vterms = {0};
    mpfr_exp_t *ep = malloc(2 * n * sizeof *ep);
    bht_status status = ep ? BHT_OK : BHT_E_NOMEM;
    if (status == BHT_OK) status = bht__oracle_vector_init(&p, n, prec);
    if (status == BHT_OK) status = bht__oracle_vector_init(&q, n, prec);
    if (status == BHT_OK) status = bht__oracle_vector_init(&hterms, n, prec);
    if (status == BHT_OK) status = bht__oracle_vector_init(&vterms, n, prec);
    oracle_softmax_input ia = {n, job->d, NULL, job->A, job->x};
    oracle_softmax_input ib = {n, job->d, NULL, job->B, job->x};
    if (status == BHT_OK) status = bht__oracle_softmax_eval(&ia, prec, &p, ep);
    if (status == BHT_OK) status = bht__oracle_softmax_eval(&ib, prec, &q, ep + n);
    if (status != BHT_OK)
        goto done;

    mpfr_t sp, sq, den, h2, h, tv;
    mpfr_t eP, eQ, eD, eS, dlow, er, t1, EH, EV;
    mpfr_inits2(prec, sp, sq, den, h2, h, tv, (mpfr_ptr)0);
    mpfr_inits2(BOUND_PREC, eP, eQ, eD, eS, dlow, er, t1, EH, EV, (mpfr_ptr)0);
    mpfr_set_zero(EH, 1);
    mpfr_set_zero(EV, 1);
    bool decided = true;
    for (size_t i = 0; i < n && decided; i++) {
        mpfr_ptr Dd = vterms.ptr[i], r = hterms.ptr[i];
        mpfr_set_ui_2exp(eP, 1, ep[i], MPFR_RNDU);
        mpfr_set_ui_2exp(eQ, 1, ep[n + i], MPFR_RNDU);
        mpfr_sub(Dd, p.ptr[i], q.ptr[i], MPFR_RNDN);
        mpfr_add(eD, eP, eQ, MPFR_RNDU);
        add_relative(eD, Dd, prec, 1.0, t1);
        mpfr_add(EV, EV, eD, MPFR_RNDU);
        if (mpfr_zero_p(p.ptr[i]) && mpfr_zero_p(q.ptr[i])) {
            mpfr_set_zero(r, 1);
            mpfr_max(t1, eP, eQ, MPFR_RNDU);
            mpfr_add(EH, EH, t1, MPFR_RNDU);
            continue;
        }
        mpfr_sqrt(sp, p.ptr[i], MPFR_RNDN);
        mpfr_sqrt(sq, q.ptr[i], MPFR_RNDN);
        mpfr_add(den, sp, sq, MPFR_RNDN);
        sqrt_error(eS, p.ptr[i], eP);
        sqrt_error(t1, q.ptr[i], eQ);
        mpfr_add(eS, eS, t1, MPFR_RNDU);
        add_relative(eS, den, prec, 2.01, t1);
        mpfr_sub(dlow, den, eS, MPFR_RNDD);
        if (mpfr_sgn(dlow) <= 0) {
            decided = false;
            break;
        }
        mpfr_div(r, Dd, den, MPFR_RNDN);
        /* er = eD/Dlow + |Dd| eS / (Dlow den) + u |r| */
        mpfr_div(er, eD, dlow, MPFR_RNDU);
        mpfr_abs(t1, Dd, MPFR_RNDU);
        mpfr_mul(t1, t1, eS, MPFR_RNDU);
        mpfr_div(t1, t1, dlow, MPFR_RNDU);
        mpfr_div(t1, t1, den, MPFR_RNDU);
        mpfr_add(er, er, t1, MPFR_RNDU);
        add_relative(er, r, prec, 1.0, t1);
        /* term bound (2|r| + er) er + u r^2 */
        mpfr_abs(t1, r, MPFR_RNDU);
        mpfr_mul_2ui(t1, t1, 1, MPFR_RNDU);
        mpfr_add(t1, t1, er, MPFR_RNDU);
        mpfr_mul(t1, t1, er, MPFR_RNDU);
        mpfr_add(EH, EH, t1, MPFR_RNDU);
        mpfr_sqr(r, r, MPFR_RNDN);
        add_relative(EH, r, prec, 1.0, t1);
        mpfr_abs(Dd, Dd, MPFR_RNDN);
    }
    if (decided) {
        mpfr_sum(h2, hterms.ptr, (unsigned long)n, MPFR_RNDN);
        add_relative(EH, h2, prec, 1.0, t1);
        mpfr_div_2ui(h2, h2, 1, MPFR_RNDN);
        mpfr_div_2ui(EH, EH, 1, MPFR_RNDU);
        mpfr_sum(tv, vterms.ptr, (unsigned long)n, MPFR_RNDN);
        add_relative(EV, tv, prec, 1.0, t1);
        mpfr_div_2ui(tv, tv, 1, MPFR_RNDN);
        mpfr_div_2ui(EV, EV, 1, MPFR_RNDU);
        mpfr_sqrt(h, h2, MPFR_RNDN);
        /* H bound */
        if (mpfr_zero_p(h2)) {
            mpfr_sqrt(eS, EH, MPFR_RNDU);
        } else {
            mpfr_sqrt(t1, h2, MPFR_RNDD);
            mpfr_div(eS, EH, t1, MPFR_RNDU);
        }
        add_relative(eS, h, prec, 1.0, t1);
        bht_distances out;
        decided = bht__oracle_decide_bound_mode(h2, EH, ORACLE_NONNEGATIVE, &out.hellinger2)
                  && bht__oracle_decide_bound_mode(h, eS, ORACLE_NONNEGATIVE, &out.hellinger)
                  && bht__oracle_decide_bound_mode(tv, EV, ORACLE_NONNEGATIVE, &out.tv);
        if (decided)
            *job->out = out;
    }
    status = decided ? BHT_OK : BHT_E_PRECISION;
    mpfr_clears(sp, sq, den, h2, h, tv, eP, eQ, eD, eS, dlow, er, t1, EH, EV, (mpfr_ptr)0);
done:
    free(ep);
    bht__oracle_vectors_clear(&p, &q, &hterms, &vterms, (oracle_vector *)0);
    return status;
}

bht_status bht_oracle_distance_softmax(size_t n, size_t d, const double *A, const double *B,
                                       const double *x, bht_distances *out,
                                       const bht_oracle_options *options,
                                       bht_oracle_report *report)
{
    if (!A || !B || !x || !out)
        return BHT_E_INVALID;
    bht_status checked = bht__oracle_check_model(n, d, A, B, x);
    if (checked != BHT_OK)
        return checked;
    if (memcmp(A, B, n * d * sizeof *A) == 0) {
        out->hellinger2 = out->hellinger = out->tv = 0.0;
        if (report) {
            report->precision_used = 0;
            report->attempts = 0;
        }
        return BHT_OK;
    }
    model_distance_job job = {n, d, A, B, x, out};
    return bht__oracle_ziv(options, report, 128 + 2 * bht__oracle_bits(n), model_distance_attempt, &job);
}
