/* test_long_acc.c: the exact long accumulator (src/core/long_acc.c) against MPFR.
 * The reference is the exact sum in MPFR at 4700 bits (every sum of up to
 * 2^40 products of two doubles is exact there), rounded to binary64 by
 * MPFR with the binary64 exponent range (mpfr_set_emin/emax, then
 * mpfr_subnormalize), an emulation independent of the accumulator's own
 * integer rounding.  Order: special values, hand-picked hard cases (ties,
 * the overflow threshold, total cancellation), then seeded random sums. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "core/long_acc.h"

#define EXACT_PREC 4700

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* RN_binary64(2^scale x) with subnormals and overflow, by MPFR. */
static double binary64_of(mpfr_srcptr x, int scale)
{
    mpfr_exp_t old_min = mpfr_get_emin(), old_max = mpfr_get_emax();
    mpfr_t y, t;
    mpfr_init2(t, EXACT_PREC);
    mpfr_mul_2si(t, x, scale, MPFR_RNDN); /* exact */
    mpfr_set_emin(-1073);
    mpfr_set_emax(1024);
    mpfr_init2(y, 53);
    int inexact = mpfr_set(y, t, MPFR_RNDN);
    inexact = mpfr_check_range(y, inexact, MPFR_RNDN);
    mpfr_subnormalize(y, inexact, MPFR_RNDN);
    double r = mpfr_get_d(y, MPFR_RNDN);
    mpfr_set_emin(old_min);
    mpfr_set_emax(old_max);
    mpfr_clears(y, t, (mpfr_ptr)0);
    return r;
}

/* A double with random sign and exponent in [emin, emax], subnormals and
 * zeros included. */
static double random_double(test_rng *r, int emin, int emax)
{
    int e = (int)test_rng_int(r, 0, (size_t)(emax - emin)) + emin;
    double v = ldexp(1.0 + test_rng_unit(r), e);
    if (test_rng_next(r) & 1)
        v = -v;
    if ((test_rng_next(r) & 255) == 0)
        v = 0.0;
    return v;
}

typedef struct ref_sum {
    bht_long_acc acc;
    mpfr_t exact, term;
} ref_sum;

static void ref_init(ref_sum *s)
{
    bht_long_acc_init(&s->acc);
    mpfr_inits2(EXACT_PREC, s->exact, s->term, (mpfr_ptr)0);
    mpfr_set_zero(s->exact, 1);
}

static void ref_clear(ref_sum *s)
{
    mpfr_clears(s->exact, s->term, (mpfr_ptr)0);
}

static void ref_add(ref_sum *s, double v)
{
    bht_long_acc_add(&s->acc, v);
    cr_assert_eq(mpfr_add_d(s->exact, s->exact, v, MPFR_RNDN), 0);
}

static void ref_add_product(ref_sum *s, double a, double b)
{
    bht_long_acc_add_product(&s->acc, a, b);
    mpfr_set_d(s->term, a, MPFR_RNDN);
    cr_assert_eq(mpfr_mul_d(s->term, s->term, b, MPFR_RNDN), 0);
    cr_assert_eq(mpfr_add(s->exact, s->exact, s->term, MPFR_RNDN), 0);
}

/* Rounded value and sign against MPFR at every scale in `scales`. */
static void ref_check(ref_sum *s, const char *what)
{
    static const int scales[] = {0, -1, 1, -64, 64, -7};
    int sign = bht_long_acc_sign(&s->acc);
    cr_assert_eq(sign, mpfr_sgn(s->exact) > 0 ? 1 : mpfr_sgn(s->exact) < 0 ? -1 : 0,
                 "%s: sign %d", what, sign);
    for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
        double got = bht_long_acc_round(&s->acc, scales[k]);
        double want = binary64_of(s->exact, scales[k]);
        if (mpfr_zero_p(s->exact))
            want = 0.0; /* an exact zero is +0; an underflow keeps its sign (IEEE 754) */
        cr_assert(same_bits(got, want),
                  "%s, scale %d: %a, expected %a", what, scales[k], got, want);
    }
}

Test(long_acc, zero_and_single_values)
{
    ref_sum s;
    ref_init(&s);
    ref_check(&s, "empty");
    const double v[] = {0x1p-1074, -0x1p-1074, 0x1p-1022, DBL_MAX, -DBL_MAX, 1.0, -0.0,
                        0x1.fffffffffffffp-1023, 0x1.123456789abcdp-600};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        bht_long_acc_reset(&s.acc);
        mpfr_set_zero(s.exact, 1);
        ref_add(&s, v[k]);
        ref_check(&s, "single");
        cr_assert(same_bits(bht_long_acc_round(&s.acc, 0), v[k] == 0.0 ? 0.0 : v[k]));
    }
    ref_clear(&s);
}

Test(long_acc, ties_overflow_and_cancellation)
{
    ref_sum s;
    ref_init(&s);
    /* exact ties: 1 + 2^-53 (to even: 1), 1 + 3 2^-53 (to even: 1 + 2^-51) */
    ref_add(&s, 1.0);
    ref_add(&s, 0x1p-53);
    ref_check(&s, "tie to even down");
    cr_assert_eq(bht_long_acc_round(&s.acc, 0), 1.0);
    ref_add(&s, 0x1p-52);
    ref_check(&s, "tie to even up");
    cr_assert_eq(bht_long_acc_round(&s.acc, 0), 1.0 + 0x1p-51);
    ref_add(&s, 0x1p-1074); /* just above the tie */
    ref_check(&s, "above a tie");
    /* subnormal ties: 2^-1075 (to 0), 3 2^-1075 (to 2^-1073) */
    bht_long_acc_reset(&s.acc);
    mpfr_set_zero(s.exact, 1);
    ref_add_product(&s, 0x1p-1074, 0.5);
    ref_check(&s, "half the least subnormal");
    cr_assert(same_bits(bht_long_acc_round(&s.acc, 0), 0.0));
    ref_add_product(&s, 0x1p-1074, 1.0);
    ref_check(&s, "three halves of the least subnormal");
    cr_assert_eq(bht_long_acc_round(&s.acc, 0), 0x1p-1073);
    ref_add_product(&s, 0x1p-1074, 0x1p-1074); /* 2^-2148: breaks the tie upward */
    ref_check(&s, "a tie broken by 2^-2148");
    /* overflow threshold: DBL_MAX + half an ulp rounds to infinity */
    bht_long_acc_reset(&s.acc);
    mpfr_set_zero(s.exact, 1);
    ref_add(&s, DBL_MAX);
    ref_add(&s, 0x1p970);
    ref_check(&s, "DBL_MAX + ulp/2");
    cr_assert(isinf(bht_long_acc_round(&s.acc, 0)));
    ref_add_product(&s, -0x1p-1074, 0x1p-1074);
    ref_check(&s, "just below DBL_MAX + ulp/2");
    cr_assert_eq(bht_long_acc_round(&s.acc, 0), DBL_MAX);
    /* total cancellation of huge products, a tiny remainder */
    bht_long_acc_reset(&s.acc);
    mpfr_set_zero(s.exact, 1);
    ref_add_product(&s, DBL_MAX, DBL_MAX);
    ref_add_product(&s, 0x1p-1074, -0x1p-1074);
    ref_add_product(&s, -DBL_MAX, DBL_MAX);
    ref_check(&s, "DBL_MAX^2 - DBL_MAX^2 - 2^-2148");
    cr_assert_eq(bht_long_acc_sign(&s.acc), -1);
    ref_clear(&s);
}

/* Random sums of doubles and of products over the whole exponent range,
 * with cancellation: every second instance adds the negated terms again
 * plus a small remainder. */
Test(long_acc, random_sums_and_products, .timeout = 300)
{
    test_rng rng = {0x10a6acc0001ULL};
    ref_sum s;
    ref_init(&s);
    for (int k = 0; k < 20000; k++) {
        bht_long_acc_reset(&s.acc);
        mpfr_set_zero(s.exact, 1);
        int terms = (int)test_rng_int(&rng, 1, 40);
        int emin = -1074, emax = 1023;
        if (k % 3 == 1) { /* a narrow exponent window: many carries and ties */
            emin = (int)test_rng_int(&rng, 0, 2000) - 1074;
            emax = emin + (int)test_rng_int(&rng, 0, 60);
            if (emax > 1023)
                emax = 1023;
        }
        double a[40], b[40];
        for (int t = 0; t < terms; t++) {
            a[t] = random_double(&rng, emin, emax);
            b[t] = random_double(&rng, emin, emax);
            if (k % 2)
                ref_add_product(&s, a[t], b[t]);
            else
                ref_add(&s, a[t]);
        }
        if (k % 4 >= 2) { /* cancel everything but one small term */
            for (int t = 0; t < terms; t++) {
                if (k % 2)
                    ref_add_product(&s, -a[t], b[t]);
                else
                    ref_add(&s, -a[t]);
            }
            ref_add(&s, random_double(&rng, -1074, -900));
        }
        char what[64];
        snprintf(what, sizeof what, "instance %d (%d terms)", k, terms);
        ref_check(&s, what);
    }
    ref_clear(&s);
    fprintf(stderr, "long_acc: 20000 random sums rounded at 6 scales, all correctly rounded\n");
}
