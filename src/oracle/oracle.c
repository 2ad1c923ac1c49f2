/* oracle.c: binary64 rounding, rounding decision and the Ziv driver
 * shared by every MPFR oracle (see oracle_internal.h). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include "oracle/oracle_internal.h"

/* Precision of the binary64 grid at a value with MPFR exponent e
 * (|v| in [2^(e-1), 2^e)): 53 for normals (e >= -1021), e + 1074 below. */
static long binary64_precision_at(mpfr_exp_t e)
{
    return e >= -1021 ? 53 : (long)e + 1074;
}

double bht__oracle_round_binary64(mpfr_srcptr v)
{
    if (mpfr_nan_p(v))
        return NAN;
    if (mpfr_inf_p(v))
        return mpfr_signbit(v) ? -INFINITY : INFINITY;
    if (mpfr_zero_p(v))
        return mpfr_signbit(v) ? -0.0 : 0.0;
    int negative = mpfr_signbit(v);
    mpfr_exp_t e = mpfr_get_exp(v);
    if (e > 1024) /* |v| >= 2^1024: beyond every finite double and the overflow midpoint */
        return negative ? -INFINITY : INFINITY;
    long bits = binary64_precision_at(e);
    if (bits <= 0) {
        /* |v| < 2^-1074: the candidates are 0 and 2^-1074, the midpoint is
         * 2^-1075 (exponent -1074 means |v| in [2^-1075, 2^-1074)); the tie
         * goes to the even candidate 0. */
        double mag = 0.0;
        int above_midpoint = negative ? mpfr_cmp_si_2exp(v, -1, -1075) < 0
                                      : mpfr_cmp_ui_2exp(v, 1, -1075) > 0;
        if (above_midpoint)
            mag = 0x1p-1074;
        return negative ? -mag : mag;
    }
    mpfr_t r;
    mpfr_init2(r, (mpfr_prec_t)bits);
    mpfr_set(r, v, MPFR_RNDN); /* the one rounding, at the grid's precision */
    /* r is now on the binary64 grid (or 2^1024, which get_d maps to inf). */
    double d = mpfr_get_d(r, MPFR_RNDN);
    mpfr_clear(r);
    return d;
}

bool bht__oracle_decide(mpfr_srcptr y, mpfr_exp_t err_exp, double *out)
{
    if (!mpfr_number_p(y))
        return false;
    /* Enclosure [lo, hi] with outward (directed) rounding, so it contains
     * [y - 2^err_exp, y + 2^err_exp]. */
    mpfr_prec_t prec = mpfr_get_prec(y) + 8;
    mpfr_t lo, hi;
    mpfr_inits2(prec, lo, hi, (mpfr_ptr)0);
    mpfr_set_ui_2exp(hi, 1, err_exp, MPFR_RNDN);
    mpfr_sub(lo, y, hi, MPFR_RNDD);
    mpfr_add(hi, y, hi, MPFR_RNDU);
    double a = bht__oracle_round_binary64(lo);
    double b = bht__oracle_round_binary64(hi);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    /* Equal as bit patterns (so -0 and +0 are not conflated). */
    if (a != b || signbit(a) != signbit(b))
        return false;
    *out = a;
    return true;
}

bool bht__oracle_decide_bound(mpfr_srcptr y, mpfr_srcptr bound, double *out)
{
    if (mpfr_zero_p(bound)) {
        *out = bht__oracle_round_binary64(y);
        return true;
    }
    return bht__oracle_decide(y, mpfr_get_exp(bound), out); /* bound < 2^EXP(bound) */
}

bool bht__oracle_decide_bound_mode(mpfr_srcptr y, mpfr_srcptr bound, enum oracle_decide_mode mode,
                              double *out)
{
    if (mpfr_zero_p(bound) || mode == ORACLE_PLAIN)
        return bht__oracle_decide_bound(y, bound, out);
    mpfr_prec_t prec = mpfr_get_prec(y) + 8;
    mpfr_t lo, hi;
    mpfr_inits2(prec, lo, hi, (mpfr_ptr)0);
    mpfr_sub(lo, y, bound, MPFR_RNDD);
    mpfr_add(hi, y, bound, MPFR_RNDU);
    if (mode == ORACLE_NONNEGATIVE && mpfr_sgn(lo) < 0)
        mpfr_set_zero(lo, 1);
    double a = bht__oracle_round_binary64(lo), b = bht__oracle_round_binary64(hi);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    if (a != b)
        return false; /* note -0 == +0 here */
    *out = (a == 0.0 && signbit(a) != signbit(b)) ? 0.0 : a;
    if (a == 0.0 && mode == ORACLE_NONNEGATIVE)
        *out = 0.0;
    return true;
}

bht_status bht__oracle_ziv(const bht_oracle_options *options, bht_oracle_report *report,
                      mpfr_prec_t automatic_start, oracle_attempt_fn attempt, void *context)
{
    long cap = (options && options->precision_cap > 0) ? options->precision_cap
                                                        : BHT_ORACLE_DEFAULT_CAP;
    long start = (options && options->precision_start > 0) ? options->precision_start
                                                            : (long)automatic_start;
    if (start < 64)
        start = 64; /* every error analysis assumes P >= 64 */
    if (cap > (long)MPFR_PREC_MAX / 2 || start > cap)
        return start > cap ? BHT_E_PRECISION : BHT_E_INVALID;
    int attempts = 0;
    for (long prec = start;; prec += prec / 2) {
        if (prec > cap)
            prec = cap;
        attempts++;
        bht_status s = attempt(context, (mpfr_prec_t)prec);
        if (report) {
            report->precision_used = prec;
            report->attempts = attempts;
        }
        if (s != BHT_E_PRECISION || prec == cap)
            return s;
    }
}

int bht__oracle_bits(size_t n)
{
    int b = 0;
    while (n) {
        b++;
        n >>= 1;
    }
    return b;
}

mpfr_exp_t bht__oracle_ceil_log2(double x)
{
    int e;
    double m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1) */
    return (m == 0.5) ? e - 1 : e;
}

bht_status bht__oracle_vector_init(oracle_vector *v, size_t n, mpfr_prec_t prec)
{
    size_t bytes = mpfr_custom_get_size(prec);
    v->n = n;
    v->numbers = NULL;
    v->significands = NULL;
    v->ptr = NULL;
    if (n == 0 || n > SIZE_MAX / bytes || n > SIZE_MAX / sizeof(__mpfr_struct))
        return n == 0 ? BHT_E_INVALID : BHT_E_NOMEM;
    v->numbers = malloc(n * sizeof *v->numbers);
    v->significands = malloc(n * bytes);
    v->ptr = malloc(n * sizeof *v->ptr);
    if (!v->numbers || !v->significands || !v->ptr) {
        bht__oracle_vector_clear(v);
        return BHT_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        void *significand = v->significands + i * bytes;
        mpfr_custom_init(significand, prec);
        mpfr_custom_init_set(&v->numbers[i], MPFR_ZERO_KIND, 0, prec, significand);
        v->ptr[i] = &v->numbers[i];
    }
    return BHT_OK;
}

void bht__oracle_vector_clear(oracle_vector *v)
{
    free(v->numbers);
    free(v->significands);
    free(v->ptr);
    v->numbers = NULL;
    v->significands = NULL;
    v->ptr = NULL;
    v->n = 0;
}

void bht__oracle_vectors_clear(oracle_vector *v, ...)
{
    va_list ap;
    va_start(ap, v);
    for (; v; v = va_arg(ap, oracle_vector *))
        bht__oracle_vector_clear(v);
    va_end(ap);
}

/* ------------------------------------------------ exact rational rounding */


/* Correctly rounded binary64 value of q >= 0, exactly. */
static double round_nonnegative(const mpq_t q)
{
    if (mpq_sgn(q) == 0)
        return 0.0;
    mpfr_t lo, hi;
    mpfr_inits2(256, lo, hi, (mpfr_ptr)0);
    mpfr_set_q(lo, q, MPFR_RNDD);
    mpfr_set_q(hi, q, MPFR_RNDU);
    double a = bht__oracle_round_binary64(lo), b = bht__oracle_round_binary64(hi);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    if (a == b)
        return a;
    /* a < b are neighbours (or b = inf, a = DBL_MAX): compare with the midpoint */
    mpq_t mid, t;
    mpq_inits(mid, t, (mpq_ptr)0);
    mpq_set_d(mid, a);
    if (isinf(b)) {
        mpq_set_ui(t, 1, 1);
        mpq_mul_2exp(t, t, 970); /* half the last ulp: RN overflows at DBL_MAX + 2^970 */
    } else {
        mpq_set_d(t, b);
        mpq_sub(t, t, mid);
        mpq_div_2exp(t, t, 1);
    }
    mpq_add(mid, mid, t);
    int c = mpq_cmp(q, mid);
    mpq_clears(mid, t, (mpq_ptr)0);
    if (c < 0)
        return a;
    if (c > 0)
        return b;
    if (isinf(b))
        return b; /* tie at the overflow threshold rounds to infinity */
    double k = a / (b - a); /* an integer: a's significand in units of its ulp */
    return fmod(k, 2.0) == 0.0 ? a : b;
}

double bht__oracle_round_rational(const mpq_t q)
{
    if (mpq_sgn(q) >= 0)
        return round_nonnegative(q);
    mpq_t m;
    mpq_init(m);
    mpq_neg(m, q);
    double r = -round_nonnegative(m);
    mpq_clear(m);
    return r;
}

/* ------------------------------------------------- softmax-model arguments */

bht_status bht__oracle_check_model(size_t n, size_t d, const double *A, const double *B,
                                   const double *x)
{
    if (n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N || d > BHT_SOFTMAX_MAX_N
        || n > SIZE_MAX / sizeof(double) / d)
        return BHT_E_INVALID;
    for (size_t k = 0; k < d; k++)
        if (!isfinite(x[k]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]) || (B && !isfinite(B[k])))
            return BHT_E_NONFINITE;
    return BHT_OK;
}

/* ------------------------------------------------------- rational vectors */

mpq_t *bht__oracle_qvec_new(size_t count)
{
    mpq_t *v = malloc((count ? count : 1) * sizeof *v);
    if (v)
        for (size_t k = 0; k < count; k++)
            mpq_init(v[k]);
    return v;
}

void bht__oracle_qvec_free(mpq_t *v, size_t count)
{
    if (!v)
        return;
    for (size_t k = 0; k < count; k++)
        mpq_clear(v[k]);
    free(v);
}

/* ---------------------------------------------------------- error bounds */

void bht__oracle_add_abs_product(mpfr_ptr acc, mpfr_srcptr a, mpfr_srcptr b, mpfr_ptr tmp)
{
    mpfr_mul(tmp, a, b, MPFR_RNDU);
    mpfr_abs(tmp, tmp, MPFR_RNDU);
    mpfr_add(acc, acc, tmp, MPFR_RNDU);
}

void bht__oracle_relative_bound(mpfr_ptr out, mpfr_srcptr v, mpfr_prec_t prec)
{
    mpfr_abs(out, v, MPFR_RNDU);
    mpfr_mul_2si(out, out, -(long)prec, MPFR_RNDU);
}
