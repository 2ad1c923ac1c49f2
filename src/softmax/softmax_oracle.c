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
 * Components with t~_i < -1500 are not evaluated (p_i < 2^-2164, which
 * rounds to +0); the others, subnormal or zero results included, are
 * decided like any other component.
 * Each p~_i is then decided by oracle_decide with the bound above, rounded
 * up to a power of two; Ziv's loop raises P until every component is.
 * bht_oracle_softmax_logits with automatic precision first tries the
 * 128-bit fixed-point evaluation of softmax_oracle_fixed.c (its own error
 * analysis there; about 10x fewer cycles than mpfr_exp per logit) and runs
 * this Ziv loop only when that attempt leaves a component undecided
 * (subnormal outputs, or within about 2^-110 relative of a rounding boundary). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "oracle/oracle_internal.h"
#include "softmax/softmax_oracle_fixed.h"

/* Shifted logits below this are not evaluated: p_i <= e^{t_i} < 2^-2164,
 * far below half the least subnormal (also when multiplied by any finite
 * g_i < 2^1089 in the local analysis), so they are reported as p~_i = 0. */
#define ZERO_OUTPUT_BELOW (-1500.0)
#define ZERO_OUTPUT_ERR_EXP (-2164)

/* Row products a_ij x_j, each exact at 106 bits; sign -1 negates them. */
static void row_products(const oracle_softmax_input *in, size_t row, int sign, mpfr_ptr *out)
{
    for (size_t j = 0; j < in->d; j++) {
        mpfr_set_d(out[j], in->A[row * in->d + j], MPFR_RNDN);
        mpfr_mul_d(out[j], out[j], sign * in->x[j], MPFR_RNDN);
    }
}

/* An upper bound of |t| as a double (t is small here: |t| < 2^16). */
static double abs_upper(mpfr_srcptr t)
{
    return fmax(fabs(mpfr_get_d(t, MPFR_RNDU)), fabs(mpfr_get_d(t, MPFR_RNDD)));
}

/* Working storage of one evaluation; every pointer NULL or owned. */
typedef struct softmax_scratch {
    oracle_vector e;       /* e~_i */
    mpfr_ptr *summands;    /* pointers to the terms of S */
    double *t_abs;         /* upper bounds of |t~_i|, or NAN for "output 0" */
    oracle_vector prod;    /* 2d products for A x */
} softmax_scratch;

static void scratch_free(softmax_scratch *s)
{
    bht__oracle_vector_clear(&s->e);
    bht__oracle_vector_clear(&s->prod);
    free(s->summands);
    free(s->t_abs);
}

static bht_status scratch_alloc(softmax_scratch *s, size_t n, size_t d, mpfr_prec_t prec)
{
    bht_status st = bht__oracle_vector_init(&s->e, n, prec);
    if (st != BHT_OK)
        return st;
    if (d > 0 && (st = bht__oracle_vector_init(&s->prod, 2 * d, 106)) != BHT_OK)
        return st;
    s->summands = malloc(n * sizeof *s->summands);
    s->t_abs = malloc(n * sizeof *s->t_abs);
    return (s->summands && s->t_abs) ? BHT_OK : BHT_E_NOMEM;
}

/* Index of the largest logit, decided exactly: for A x every logit is
 * summed exactly (products of doubles lie in [2^-2148, 2^2048), so
 * 4300 + bits(d) bits hold any sum of d of them).  Exactness matters: with
 * a wrong m some t_i would be positive, and for huge logits e^{t_i} would
 * overflow even MPFR's exponent range. */
static size_t argmax_logit(const oracle_softmax_input *in, softmax_scratch *s, mpfr_prec_t prec)
{
    size_t best = 0;
    if (in->z) {
        for (size_t i = 1; i < in->n; i++)
            if (in->z[i] > in->z[best])
                best = i;
        return best;
    }
    (void)prec;
    mpfr_t zi, zbest;
    mpfr_inits2(4300 + bht__oracle_bits(in->d), zi, zbest, (mpfr_ptr)0);
    for (size_t i = 0; i < in->n; i++) {
        row_products(in, i, 1, s->prod.ptr);
        mpfr_sum(zi, s->prod.ptr, (unsigned long)in->d, MPFR_RNDN);
        if (i == 0 || mpfr_greater_p(zi, zbest)) {
            mpfr_swap(zi, zbest);
            best = i;
        }
    }
    mpfr_clears(zi, zbest, (mpfr_ptr)0);
    return best;
}

bht_status bht__oracle_softmax_eval(const oracle_softmax_input *in, mpfr_prec_t prec,
                               oracle_vector *p, mpfr_exp_t *err_exp)
{
    const size_t n = in->n, d = in->z ? 0 : in->d;
    softmax_scratch s;
    memset(&s, 0, sizeof s);
    bht_status status = scratch_alloc(&s, n, d, prec);
    if (status != BHT_OK) {
        scratch_free(&s);
        return status;
    }
    mpfr_t t, sum;
    mpfr_inits2(prec, t, sum, (mpfr_ptr)0);

    size_t m = argmax_logit(in, &s, prec);
    if (!in->z)
        row_products(in, m, -1, s.prod.ptr + d);
    const double drop_below = -((double)prec + 8.0 + bht__oracle_bits(n)) * 0.6931471805599453;
    const double exp_floor = fmin(drop_below, ZERO_OUTPUT_BELOW);
    double t_kept_max = 0.0;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (in->z) {
            mpfr_set_d(t, in->z[i], MPFR_RNDN); /* exact: prec >= 53 */
            mpfr_sub_d(t, t, in->z[m], MPFR_RNDN);
        } else {
            row_products(in, i, 1, s.prod.ptr);
            mpfr_sum(t, s.prod.ptr, (unsigned long)(2 * d), MPFR_RNDN);
        }
        if (mpfr_cmp_d(t, exp_floor) < 0) {
            s.t_abs[i] = NAN; /* neither summed nor evaluated: p_i < 2^-2164 */
            continue;
        }
        s.t_abs[i] = (mpfr_cmp_d(t, ZERO_OUTPUT_BELOW) < 0) ? NAN : abs_upper(t);
        mpfr_exp(s.e.ptr[i], t, MPFR_RNDN);
        if (mpfr_cmp_d(t, drop_below) >= 0) {
            s.summands[kept++] = s.e.ptr[i];
            t_kept_max = fmax(t_kept_max, abs_upper(t));
        }
    }
    mpfr_sum(sum, s.summands, (unsigned long)kept, MPFR_RNDN);

    for (size_t i = 0; i < n; i++) {
        if (isnan(s.t_abs[i])) {
            mpfr_set_zero(p->ptr[i], 1);
            err_exp[i] = ZERO_OUTPUT_ERR_EXP;
            continue;
        }
        mpfr_div(p->ptr[i], s.e.ptr[i], sum, MPFR_RNDN);
        if (mpfr_zero_p(p->ptr[i])) { /* cannot happen with t~_i >= -1500; kept safe */
            err_exp[i] = ZERO_OUTPUT_ERR_EXP;
            continue;
        }
        double factor = 2.0 * (s.t_abs[i] + t_kept_max + 5.0); /* >= 1.06 (...), margin */
        err_exp[i] = mpfr_get_exp(p->ptr[i]) - prec + bht__oracle_ceil_log2(factor);
    }
    mpfr_clears(t, sum, (mpfr_ptr)0);
    scratch_free(&s);
    return BHT_OK;
}

typedef struct softmax_oracle_job {
    oracle_softmax_input in;
    double *p;
} softmax_oracle_job;

static bht_status softmax_attempt(void *context, mpfr_prec_t prec)
{
    const softmax_oracle_job *job = context;
    const size_t n = job->in.n;
    oracle_vector p;
    bht_status status = bht__oracle_vector_init(&p, n, prec);
    if (status != BHT_OK)
        return status;
    mpfr_exp_t *err_exp = malloc(n * sizeof *err_exp);
    if (!err_exp) {
        bht__oracle_vector_clear(&p);
        return BHT_E_NOMEM;
    }
    status = bht__oracle_softmax_eval(&job->in, prec, &p, err_exp);
    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        if (mpfr_zero_p(p.ptr[i]))
            job->p[i] = 0.0; /* p_i < 2^-2164: rounds to +0 */
        else if (!bht__oracle_decide(p.ptr[i], err_exp[i], &job->p[i]))
            status = BHT_E_PRECISION;
    }
    free(err_exp);
    bht__oracle_vector_clear(&p);
    return status;
}

static bht_status run_softmax_oracle(softmax_oracle_job *job, const bht_oracle_options *options,
                                     bht_oracle_report *report)
{
    mpfr_prec_t start = 96 + 2 * bht__oracle_bits(job->in.n);
    return bht__oracle_ziv(options, report, start, softmax_attempt, job);
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
    /* Automatic precision: the 128-bit fixed-point attempt first
     * (softmax_oracle_fixed.c); the MPFR Ziv loop decides what it cannot. */
    bool automatic = !options || (options->precision_start <= 0
                                  && (options->precision_cap <= 0
                                      || options->precision_cap >= BHT_SOFTMAX_ORACLE_FIXED_PREC));
    if (automatic) {
        bool decided;
        bht_status status = bht__softmax_oracle_fixed(n, z, p, &decided);
        if (status != BHT_OK || decided) {
            if (report && status == BHT_OK) {
                report->precision_used = BHT_SOFTMAX_ORACLE_FIXED_PREC;
                report->attempts = 1;
            }
            return status;
        }
    }
    softmax_oracle_job job = {{n, 0, z, NULL, NULL}, p};
    bht_status status = run_softmax_oracle(&job, options, report);
    if (report && automatic)
        report->attempts++;
    return status;
}

bht_status bht_oracle_softmax(size_t n, size_t d, const double *A, const double *x,
                              double *p, const bht_oracle_options *options,
                              bht_oracle_report *report)
{
    if (!A || !x || !p)
        return BHT_E_INVALID;
    bht_status checked = bht__oracle_check_model(n, d, A, NULL, x);
    if (checked != BHT_OK)
        return checked;
    softmax_oracle_job job = {{n, d, NULL, A, x}, p};
    return run_softmax_oracle(&job, options, report);
}
