/* distance_oracle.c: correctly rounded H^2, H, TV and Lemma A.1 closed forms.
 *
 * Distances at precision P, u = 2^-P (every MPFR operation rounds to
 * nearest, relative error <= u; all terms are non-negative, so relative
 * errors of terms carry over to their sum):
 *   d_i = RN(p_i - q_i), sp = RN(sqrt p_i), sq = RN(sqrt q_i)    u each
 *   r_i = RN(d_i / RN(sp + sq))                                 <= 5.1u
 *   term_i = RN(r_i^2)                                          <= 11.3u
 *   S = mpfr_sum(term) (correctly rounded)                      <= 12.4u
 *   H^2 = S/2 (exact); H = RN(sqrt(H^2))                        <= 7.3u
 * so 2^(EXP - P + 4) bounds every absolute error of H^2 and H (P >= 64);
 * when every operation was exact, or H^2 is rational (exact_hellinger2), the
 * value itself is rounded (it may be a tie).
 * TV is a dyadic rational that can sit exactly on a rounding midpoint, so
 * it is computed exactly instead: 2 TV = sum over i of sign_i (p_i - q_i),
 * 2n doubles summed by mpfr_sum at a precision that holds every bit
 * (exponents from 2^-1074 to 2^1024 plus bits(n) carries), then rounded once.
 * Lemma A.1 at precision P: y = RN(expm1(eps/4)) (eps/4 exact), then the
 * positive forms y^2 / (1 + (1+y)^2) and w / (w + 2), w = y (y + 2):
 * at most 6 roundings on each path, relative error <= 10u < 2^(4-P).  The
 * cut-offs eps >= 160 (h2max) and eps >= 80 (tvmax) give exactly 1 after
 * rounding (1 - sech(40) and 1 - tanh(20) are below 2^-56). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "oracle/oracle_internal.h"

typedef struct distance_job {
    size_t n;
    const double *p, *q;
    bht_distances *out;
    double tv; /* correctly rounded TV, computed exactly beforehand */
    int h2_is_rational; /* exact_hellinger2 succeeded: h2_exact holds H^2 */
    mpfr_ptr h2_exact;
} distance_job;

/* H^2 is rational exactly when every term (sqrt p - sqrt q)^2 = p + q -
 * 2 sqrt(p q) is, i.e. when p q is a perfect square (or one of p, q is 0):
 * then it may be a rounding tie, so it is computed exactly (terms exact at
 * 2400 bits, sum exact) and rounded directly.  Returns false otherwise. */
static bool exact_hellinger2(size_t n, const double *p, const double *q, mpfr_ptr out)
{
    mpfr_t prod, term;
    mpfr_init2(prod, 106);
    mpfr_init2(term, 2400);
    mpfr_set_zero(out, 1);
    bool rational = true;
    for (size_t i = 0; i < n && rational; i++) {
        if (p[i] == q[i])
            continue;
        mpfr_set_d(prod, p[i], MPFR_RNDN);
        mpfr_mul_d(prod, prod, q[i], MPFR_RNDN);   /* exact */
        if (mpfr_sqrt(prod, prod, MPFR_RNDN) != 0) { /* sqrt(p q) irrational */
            rational = false;
            break;
        }
        mpfr_mul_2ui(prod, prod, 1, MPFR_RNDN);
        mpfr_set_d(term, p[i], MPFR_RNDN);
        mpfr_add_d(term, term, q[i], MPFR_RNDN);    /* exact at 2400 bits */
        mpfr_sub(term, term, prod, MPFR_RNDN);      /* exact */
        mpfr_add(out, out, term, MPFR_RNDN);        /* exact: see the precision */
    }
    mpfr_div_2ui(out, out, 1, MPFR_RNDN);
    mpfr_clears(prod, term, (mpfr_ptr)0);
    return rational;
}

/* Correctly rounded TV by an exact sum (see the analysis above). */
static bht_status exact_total_variation(size_t n, const double *p, const double *q, double *tv)
{
    oracle_vector terms;
    if (n > SIZE_MAX / 2)
        return BHT_E_NOMEM;
    bht_status status = bht__oracle_vector_init(&terms, 2 * n, 53);
    if (status != BHT_OK)
        return status;
    for (size_t i = 0; i < n; i++) {
        double sign = (p[i] >= q[i]) ? 1.0 : -1.0;
        mpfr_set_d(terms.ptr[2 * i], sign * p[i], MPFR_RNDN);
        mpfr_set_d(terms.ptr[2 * i + 1], -sign * q[i], MPFR_RNDN);
    }
    mpfr_t sum;
    mpfr_init2(sum, 1074 + 1024 + 8 + bht__oracle_bits(2 * n));
    mpfr_sum(sum, terms.ptr, (unsigned long)(2 * n), MPFR_RNDN); /* exact */
    mpfr_div_2ui(sum, sum, 1, MPFR_RNDN);                        /* exact */
    *tv = bht__oracle_round_binary64(sum);
    mpfr_clear(sum);
    bht__oracle_vector_clear(&terms);
    return BHT_OK;
}

static bht_status distance_attempt(void *context, mpfr_prec_t prec)
{
    const distance_job *job = context;
    const size_t n = job->n;
    oracle_vector terms;
    bht_status status = bht__oracle_vector_init(&terms, n, prec);
    if (status != BHT_OK)
        return status;
    mpfr_t d, sp, sq, h2, h;
    mpfr_inits2(prec, d, sp, sq, h2, h, (mpfr_ptr)0);
    /* inexact stays 0 while every operation is exact (e.g. p, q powers of 4):
     * then H^2 may be an exact rounding midpoint, which no error bound can
     * decide, and it is rounded directly instead. */
    int inexact = 0;
    for (size_t i = 0; i < n; i++) {
        mpfr_ptr r = terms.ptr[i]; /* stays +0 when p_i == q_i */
        mpfr_set_d(d, job->p[i], MPFR_RNDN); /* exact: prec >= 53 */
        inexact |= mpfr_sub_d(d, d, job->q[i], MPFR_RNDN);
        if (mpfr_zero_p(d))
            continue;
        if (job->p[i] == 0.0 || job->q[i] == 0.0) {
            /* (sqrt p - sqrt q)^2 is the nonzero one of p, q: exact */
            mpfr_set_d(r, job->p[i] + job->q[i], MPFR_RNDN);
            continue;
        }
        mpfr_set_d(sp, job->p[i], MPFR_RNDN);
        inexact |= mpfr_sqrt(sp, sp, MPFR_RNDN);
        mpfr_set_d(sq, job->q[i], MPFR_RNDN);
        inexact |= mpfr_sqrt(sq, sq, MPFR_RNDN);
        inexact |= mpfr_add(sp, sp, sq, MPFR_RNDN);
        inexact |= mpfr_div(r, d, sp, MPFR_RNDN);
        inexact |= mpfr_sqr(r, r, MPFR_RNDN);
    }
    inexact |= mpfr_sum(h2, terms.ptr, (unsigned long)n, MPFR_RNDN);
    mpfr_div_2ui(h2, h2, 1, MPFR_RNDN); /* exact */
    int h_inexact = inexact | mpfr_sqrt(h, h2, MPFR_RNDN);

    bht_distances r = {0.0, 0.0, job->tv};
    bool decided = true;
    if (job->h2_is_rational) {
        inexact = 0;
        mpfr_set_prec(h2, mpfr_get_prec(job->h2_exact));
        mpfr_set(h2, job->h2_exact, MPFR_RNDN);
        h_inexact = mpfr_sqrt(h, h2, MPFR_RNDN);
    }
    if (!inexact)
        r.hellinger2 = bht__oracle_round_binary64(h2);
    else
        decided = bht__oracle_decide(h2, mpfr_get_exp(h2) - prec + 4, &r.hellinger2);
    if (!h_inexact)
        r.hellinger = bht__oracle_round_binary64(h);
    else
        decided = decided && bht__oracle_decide(h, mpfr_get_exp(h) - prec + 4, &r.hellinger);
    if (decided)
        *job->out = r;
    mpfr_clears(d, sp, sq, h2, h, (mpfr_ptr)0);
    bht__oracle_vector_clear(&terms);
    return decided ? BHT_OK : BHT_E_PRECISION;
}

bht_status bht_oracle_distance(size_t n, const double *p, const double *q, bht_distances *out,
                               const bht_oracle_options *options, bht_oracle_report *report)
{
    if (!p || !q || !out || n == 0 || n > BHT_DISTANCE_MAX_N)
        return BHT_E_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p[i]) || !isfinite(q[i]))
            return BHT_E_NONFINITE;
        if (p[i] < 0.0 || q[i] < 0.0)
            return BHT_E_INVALID;
    }
    mpfr_t h2_exact;
    mpfr_init2(h2_exact, 2400 + bht__oracle_bits(n));
    distance_job job = {n, p, q, out, 0.0, 0, h2_exact};
    job.h2_is_rational = exact_hellinger2(n, p, q, h2_exact);
    bht_status status = exact_total_variation(n, p, q, &job.tv);
    if (status == BHT_OK)
        status = bht__oracle_ziv(options, report, 96 + bht__oracle_bits(n), distance_attempt, &job);
    mpfr_clear(h2_exact);
    return status;
}

typedef struct lemma_job {
    double eps;
    bht_lemma_a1_bounds *out;
} lemma_job;

static bht_status lemma_attempt(void *context, mpfr_prec_t prec)
{
    const lemma_job *job = context;
    mpfr_t y, a, b, w;
    mpfr_inits2(prec, y, a, b, w, (mpfr_ptr)0);
    mpfr_set_d(y, job->eps, MPFR_RNDN);
    mpfr_div_2ui(y, y, 2, MPFR_RNDN); /* eps/4, exact */
    mpfr_expm1(y, y, MPFR_RNDN);
    bht_lemma_a1_bounds r = {1.0, 1.0};
    bool decided = true;
    if (job->eps < 160.0) {
        mpfr_sqr(a, y, MPFR_RNDN);
        mpfr_add_ui(b, y, 1, MPFR_RNDN);
        mpfr_sqr(b, b, MPFR_RNDN);
        mpfr_add_ui(b, b, 1, MPFR_RNDN);
        mpfr_div(a, a, b, MPFR_RNDN);
        decided = bht__oracle_decide(a, mpfr_get_exp(a) - prec + 4, &r.h2max);
    }
    if (decided && job->eps < 80.0) {
        mpfr_add_ui(w, y, 2, MPFR_RNDN);
        mpfr_mul(w, w, y, MPFR_RNDN);
        mpfr_add_ui(b, w, 2, MPFR_RNDN);
        mpfr_div(a, w, b, MPFR_RNDN);
        decided = bht__oracle_decide(a, mpfr_get_exp(a) - prec + 4, &r.tvmax);
    }
    mpfr_clears(y, a, b, w, (mpfr_ptr)0);
    if (decided)
        *job->out = r;
    return decided ? BHT_OK : BHT_E_PRECISION;
}

bht_status bht_oracle_lemma_a1(double eps, bht_lemma_a1_bounds *out,
                               const bht_oracle_options *options, bht_oracle_report *report)
{
    if (!out)
        return BHT_E_INVALID;
    if (isnan(eps) || isinf(eps))
        return BHT_E_NONFINITE;
    if (eps < 0.0)
        return BHT_E_INVALID;
    if (eps == 0.0) {
        out->h2max = 0.0;
        out->tvmax = 0.0;
        return BHT_OK;
    }
    lemma_job job = {eps, out};
    return bht__oracle_ziv(options, report, 96, lemma_attempt, &job);
}
