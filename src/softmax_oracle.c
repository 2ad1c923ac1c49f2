/* softmax_oracle.c: correctly rounded softmax(z) and softmax(A x) by MPFR.
 *
 * Error analysis at working precision P, u = 2^-P (P >= 64), m = argmax:
 *  t~_i = RN_P(z_i - z_m)        (A x: RN_P of the sum of 2d exact products,
 *                                  mpfr_sum)                 |d1| <= u
 *  e~_i = RN_P(exp(t~_i))  = e^{t_i}(1 + eps_i), |eps_i| <= 1.01 (|t~_i| + 1) u
 *  S~   = RN_P(sum of e~_i with t~_i >= T) where T = -(P + 8 + bits(n)) ln 2;
 *         the dropped terms total < 2^-(P+8) * 1.01 <= 0.004 u while S >= 1
 *         (t~_m = 0 exactly), so |S~/S - 1| <= 1.03 (T_k + 2.1) u,
 *         T_k = max |t~_i| over summed terms;
 *  p~_i = RN_P(e~_i / S~): |p~_i - p_i| <= 1.06 (|t~_i| + T_k + 4.1) u |p~_i|.
 * Components with t~_i < -746 are exactly +0 after rounding: t_i < -745.9,
 * so p_i <= e^{t_i} < 2^-1076, below half the least subnormal.
 * Each p~_i is then decided by oracle_decide with the bound above, rounded
 * up to a power of two; Ziv's loop raises P until every component is. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "oracle_internal.h"

/* Shifted logits below this give +0 (see the analysis above). */
#define ZERO_OUTPUT_BELOW (-746.0)

typedef struct softmax_oracle_job {
    size_t n, d;
    const double *z;            /* logits, or NULL for A x */
    const double *A, *x;
    double *p;
} softmax_oracle_job;

/* Row products a_ij x_j, each exact at 106 bits; sign -1 negates them. */
static void row_products(const softmax_oracle_job *job, size_t row, int sign, mpfr_ptr *out)
{
    for (size_t j = 0; j < job->d; j++) {
        mpfr_set_d(out[j], job->A[row * job->d + j], MPFR_RNDN);
        mpfr_mul_d(out[j], out[j], sign * job->x[j], MPFR_RNDN);
    }
}

/* An upper bound of |t| as a double (t is small here: |t| < 2^16). */
static double abs_upper(mpfr_srcptr t)
{
    return fmax(fabs(mpfr_get_d(t, MPFR_RNDU)), fabs(mpfr_get_d(t, MPFR_RNDD)));
}

/* Working storage of one attempt; every pointer NULL or owned. */
typedef struct softmax_scratch {
    __mpfr_struct *e;      /* n values e~_i (custom-allocated significands) */
    unsigned char *limbs;  /* their significands, one block */
    mpfr_ptr *summands;    /* pointers to the terms of S */
    double *t_abs;         /* upper bounds of |t~_i|, or NAN for "output 0" */
    __mpfr_struct *prod;   /* 2d products for A x */
    mpfr_ptr *prod_ptr;
} softmax_scratch;

static void scratch_free(softmax_scratch *s, size_t d)
{
    if (s->prod)
        for (size_t j = 0; j < 2 * d; j++)
            mpfr_clear(&s->prod[j]);
    free(s->e);
    free(s->limbs);
    free(s->summands);
    free(s->t_abs);
    free(s->prod);
    free(s->prod_ptr);
}

static bht_status scratch_alloc(softmax_scratch *s, size_t n, size_t d, mpfr_prec_t prec)
{
    size_t limb_bytes = mpfr_custom_get_size(prec);
    if (n > SIZE_MAX / limb_bytes || n > SIZE_MAX / sizeof(__mpfr_struct))
        return BHT_E_NOMEM;
    s->e = malloc(n * sizeof *s->e);
    s->limbs = malloc(n * limb_bytes);
    s->summands = malloc(n * sizeof *s->summands);
    s->t_abs = malloc(n * sizeof *s->t_abs);
    if (!s->e || !s->limbs || !s->summands || !s->t_abs)
        return BHT_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        void *significand = s->limbs + i * limb_bytes;
        mpfr_custom_init(significand, prec);
        mpfr_custom_init_set(&s->e[i], MPFR_ZERO_KIND, 0, prec, significand);
    }
    if (d > 0) {
        s->prod = calloc(2 * d, sizeof *s->prod);
        s->prod_ptr = malloc(2 * d * sizeof *s->prod_ptr);
        if (!s->prod || !s->prod_ptr) {
            free(s->prod);
            s->prod = NULL;
            return BHT_E_NOMEM;
        }
        for (size_t j = 0; j < 2 * d; j++) {
            mpfr_init2(&s->prod[j], 106);
            s->prod_ptr[j] = &s->prod[j];
        }
    }
    return BHT_OK;
}

/* Index of the largest logit.  For A x the logits are compared after
 * rounding to P bits: any m is valid (softmax is shift invariant); the
 * analysis only needs t~_m = 0, which holds for the chosen m. */
static size_t argmax_logit(const softmax_oracle_job *job, softmax_scratch *s, mpfr_prec_t prec)
{
    size_t best = 0;
    if (job->z) {
        for (size_t i = 1; i < job->n; i++)
            if (job->z[i] > job->z[best])
                best = i;
        return best;
    }
    mpfr_t zi, zbest;
    mpfr_inits2(prec, zi, zbest, (mpfr_ptr)0);
    for (size_t i = 0; i < job->n; i++) {
        row_products(job, i, 1, s->prod_ptr);
        mpfr_sum(zi, s->prod_ptr, job->d, MPFR_RNDN);
        if (i == 0 || mpfr_greater_p(zi, zbest)) {
            mpfr_swap(zi, zbest);
            best = i;
        }
    }
    mpfr_clears(zi, zbest, (mpfr_ptr)0);
    return best;
}

static bht_status softmax_attempt(void *context, mpfr_prec_t prec)
{
    const softmax_oracle_job *job = context;
    const size_t n = job->n, d = job->z ? 0 : job->d;
    softmax_scratch s = {0};
    bht_status status = scratch_alloc(&s, n, d, prec);
    if (status != BHT_OK) {
        scratch_free(&s, 0);
        return status;
    }
    mpfr_t t, sum, q;
    mpfr_inits2(prec, t, sum, q, (mpfr_ptr)0);

    size_t m = argmax_logit(job, &s, prec);
    if (!job->z)
        row_products(job, m, -1, s.prod_ptr + d);
    const double drop_below = -((double)prec + 8.0 + oracle_bits(n)) * 0.6931471805599453;
    const double exp_floor = fmin(drop_below, ZERO_OUTPUT_BELOW);
    double t_kept_max = 0.0;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (job->z) {
            mpfr_set_d(t, job->z[i], MPFR_RNDN); /* exact: prec >= 53 */
            mpfr_sub_d(t, t, job->z[m], MPFR_RNDN);
        } else {
            row_products(job, i, 1, s.prod_ptr);
            mpfr_sum(t, s.prod_ptr, 2 * d, MPFR_RNDN);
        }
        if (mpfr_cmp_d(t, exp_floor) < 0) {
            s.t_abs[i] = NAN; /* neither summed nor printed: output +0 */
            continue;
        }
        s.t_abs[i] = (mpfr_cmp_d(t, ZERO_OUTPUT_BELOW) < 0) ? NAN : abs_upper(t);
        mpfr_exp(&s.e[i], t, MPFR_RNDN);
        if (mpfr_cmp_d(t, drop_below) >= 0) {
            s.summands[kept++] = &s.e[i];
            t_kept_max = fmax(t_kept_max, abs_upper(t));
        }
    }
    mpfr_sum(sum, s.summands, (unsigned long)kept, MPFR_RNDN);

    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        if (isnan(s.t_abs[i])) {
            job->p[i] = 0.0;
            continue;
        }
        mpfr_div(q, &s.e[i], sum, MPFR_RNDN);
        double factor = 2.0 * (s.t_abs[i] + t_kept_max + 5.0); /* >= 1.06 (...), margin */
        mpfr_exp_t err_exp = mpfr_get_exp(q) - prec + oracle_ceil_log2(factor);
        if (!oracle_decide(q, err_exp, &job->p[i]))
            status = BHT_E_PRECISION;
    }
    mpfr_clears(t, sum, q, (mpfr_ptr)0);
    scratch_free(&s, d);
    return status;
}

static bht_status run_softmax_oracle(softmax_oracle_job *job, const bht_oracle_options *options,
                                     bht_oracle_report *report)
{
    mpfr_prec_t start = 96 + 2 * oracle_bits(job->n);
    return oracle_ziv(options, report, start, softmax_attempt, job);
}

bht_status bht_oracle_softmax_logits(size_t n, const double *z, double *p,
                                     const bht_oracle_options *options,
                                     bht_oracle_report *report)
{
    if (!z || !p || n == 0 || n > BHT_SOFTMAX_MAX_N)
        return BHT_E_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(z[i]))
            return BHT_E_NONFINITE;
    softmax_oracle_job job = {n, 0, z, NULL, NULL, p};
    return run_softmax_oracle(&job, options, report);
}

bht_status bht_oracle_softmax(size_t n, size_t d, const double *A, const double *x,
                              double *p, const bht_oracle_options *options,
                              bht_oracle_report *report)
{
    if (!A || !x || !p || n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N
        || d > BHT_SOFTMAX_MAX_N || n > SIZE_MAX / sizeof(double) / d)
        return BHT_E_INVALID;
    for (size_t j = 0; j < d; j++)
        if (!isfinite(x[j]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]))
            return BHT_E_NONFINITE;
    softmax_oracle_job job = {n, d, NULL, A, x, p};
    return run_softmax_oracle(&job, options, report);
}
