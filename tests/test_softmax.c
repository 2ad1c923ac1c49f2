/* test_softmax.c: the softmax double kernel against the MPFR oracle.
 * Order (as in MPFR's own tests): special values, hand-picked hard cases,
 * error classes, then seeded random differential runs reporting the worst
 * ulp error seen.  The budget is 2 ulp (bht.h / softmax.c). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include "harness.h"
#include "dd.h"
#include "dd_exp.h"

#define SOFTMAX_ULP_BUDGET 2.0

/* Oracle reference for softmax(z); fails the test if the oracle fails. */
static void oracle_logits(size_t n, const double *z, double *ref)
{
    bht_status s = bht_oracle_softmax_logits(n, z, ref, NULL, NULL);
    cr_assert_eq(s, BHT_OK, "oracle failed: %s", bht_status_message(s));
}

/* Worst ulp error of the double kernel on z, asserting the budget. */
static double check_logits(size_t n, const double *z, const char *what)
{
    double *p = test_alloc(n), *ref = test_alloc(n);
    cr_assert_eq(bht_softmax_logits(n, z, p), BHT_OK, "%s: kernel refused", what);
    oracle_logits(n, z, ref);
    size_t at;
    double worst = test_max_ulp(n, p, ref, &at);
    cr_assert(worst <= SOFTMAX_ULP_BUDGET, "%s: component %zu is %a, oracle %a (%.3g ulp)",
              what, at, p[at], ref[at], worst);
    free(p);
    free(ref);
    return worst;
}

static double check_affine(size_t n, size_t d, const double *A, const double *x,
                           const char *what)
{
    double *p = test_alloc(n), *ref = test_alloc(n);
    cr_assert_eq(bht_softmax(n, d, A, x, p), BHT_OK, "%s: kernel refused", what);
    bht_status s = bht_oracle_softmax(n, d, A, x, ref, NULL, NULL);
    cr_assert_eq(s, BHT_OK, "%s: oracle failed: %s", what, bht_status_message(s));
    size_t at;
    double worst = test_max_ulp(n, p, ref, &at);
    cr_assert(worst <= SOFTMAX_ULP_BUDGET, "%s: component %zu is %a, oracle %a (%.3g ulp)",
              what, at, p[at], ref[at], worst);
    free(p);
    free(ref);
    return worst;
}

/* ------------------------------------------------------------ special values */

Test(softmax_special, single_component_is_exactly_one)
{
    const double zs[] = {0.0, -0.0, 1e-300, -1e300, 1e300, 0x1p1020, -0x1p1020, 0x1p-1074};
    for (size_t k = 0; k < sizeof zs / sizeof zs[0]; k++) {
        double p = -1.0;
        cr_assert_eq(bht_softmax_logits(1, &zs[k], &p), BHT_OK);
        cr_assert_eq(p, 1.0, "z = %a gave %a", zs[k], p);
    }
}

Test(softmax_special, equal_logits_give_uniform)
{
    for (size_t n = 1; n <= 64; n++) {
        double z[64], p[64];
        for (size_t i = 0; i < n; i++)
            z[i] = 123.456;
        cr_assert_eq(bht_softmax_logits(n, z, p), BHT_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(p[i], 1.0 / (double)n, "n = %zu: %a vs 1/n = %a", n, p[i], 1.0 / n);
    }
}

Test(softmax_special, logits_near_plus_minus_1000)
{
    const double z1[] = {1000.0, 999.0, 998.5, -1000.0};
    const double z2[] = {-1000.0, -999.0, -1000.5};
    const double z3[] = {1000.0, -1000.0};
    check_logits(4, z1, "near +1000");
    check_logits(3, z2, "near -1000");
    double p[2];
    cr_assert_eq(bht_softmax_logits(2, z3, p), BHT_OK);
    cr_assert_eq(p[0], 1.0);
    cr_assert_eq(p[1], 0.0, "exp(-2000) is far below 2^-1075: %a", p[1]);
}

Test(softmax_special, gaps_of_800_underflow_to_subnormal_or_zero)
{
    /* exp(-745.13) = 2^-1075: gaps around it must round to 0 or 2^-1074. */
    const double gaps[] = {700.0, 708.4, 720.0, 740.0, 744.0, 744.44, 745.0, 745.13,
                           745.1332, 745.2, 746.0, 800.0};
    for (size_t k = 0; k < sizeof gaps / sizeof gaps[0]; k++) {
        double z[3] = {0.0, -gaps[k], -gaps[k] - 0.25};
        char what[64];
        snprintf(what, sizeof what, "gap %.17g", gaps[k]);
        check_logits(3, z, what);
    }
    double z[2] = {0.0, -800.0}, p[2];
    cr_assert_eq(bht_softmax_logits(2, z, p), BHT_OK);
    cr_assert_eq(p[1], 0.0);
    cr_assert(!signbit(p[1]), "zero probabilities are +0");
}

Test(softmax_special, many_tiny_terms_still_sum)
{
    /* 4096 components at -40 against one at 0: the tail mass is ~1.7e-14. */
    size_t n = 4096;
    double *z = test_alloc(n);
    for (size_t i = 1; i < n; i++)
        z[i] = -40.0 - (double)(i % 7) * 1e-3;
    check_logits(n, z, "tiny tail");
    free(z);
}

/* --------------------------------------------------------------- error classes */

Test(softmax_errors, rejects_bad_arguments)
{
    double z[2] = {0.0, 1.0}, p[2];
    cr_assert_eq(bht_softmax_logits(0, z, p), BHT_E_INVALID);
    cr_assert_eq(bht_softmax_logits(2, NULL, p), BHT_E_INVALID);
    cr_assert_eq(bht_softmax_logits(2, z, NULL), BHT_E_INVALID);
    z[1] = NAN;
    cr_assert_eq(bht_softmax_logits(2, z, p), BHT_E_NONFINITE);
    z[1] = -INFINITY;
    cr_assert_eq(bht_softmax_logits(2, z, p), BHT_E_NONFINITE);
    z[1] = 0x1.0000000000001p1020;
    cr_assert_eq(bht_softmax_logits(2, z, p), BHT_E_RANGE);
    z[1] = -DBL_MAX;
    cr_assert_eq(bht_softmax_logits(2, z, p), BHT_E_RANGE);
    double A[2] = {1.0, 2.0}, x[1] = {1.0};
    cr_assert_eq(bht_softmax(2, 0, A, x, p), BHT_E_INVALID);
    x[0] = NAN;
    cr_assert_eq(bht_softmax(2, 1, A, x, p), BHT_E_NONFINITE);
}

Test(softmax_errors, overflowing_products_are_refused_but_oracle_answers)
{
    double A[4] = {1e200, -1e200, 1.0, 2.0}, x[2] = {1e200, 1.0}, p[2], ref[2];
    cr_assert_eq(bht_softmax(2, 2, A, x, p), BHT_E_RANGE);
    cr_assert_eq(bht_oracle_softmax(2, 2, A, x, ref, NULL, NULL), BHT_OK);
    cr_assert_eq(ref[1], 0.0);
    cr_assert_eq(ref[0], 1.0);
}

Test(softmax_errors, large_but_representable_products_are_accepted)
{
    /* Logits about 1e300 with cancellation-free rows stay inside the domain. */
    double A[4] = {1e150, 0.0, 0.0, 1e150}, x[2] = {1e150, 0.5e150};
    check_affine(2, 2, A, x, "logits 1e300");
}

/* ----------------------------------------------------- building blocks vs MPFR */

Test(softmax_blocks, dd_exp_relative_error_below_2_pow_minus_66)
{
    test_rng rng = {0xe9};
    mpfr_t exact, approx;
    mpfr_inits2(256, exact, approx, (mpfr_ptr)0);
    double worst = 0.0;
    for (int k = 0; k < 200000; k++) {
        double th;
        if (k < 64)
            th = k * 0x1.62e42fefa39efp-7; /* every table entry, near its centre */
        else
            th = test_rng_uniform(&rng, BHT_DD_EXP_MIN, BHT_DD_EXP_MAX);
        double tl = (test_rng_unit(&rng) - 0.5) * 0x1p-53 * fmax(fabs(th), 1.0);
        double mh, ml;
        int scale;
        bht_dd_exp(th, tl, &mh, &ml, &scale);
        cr_assert(mh > 0.99 && mh < 2.0, "mantissa %a out of range", mh);
        mpfr_set_d(exact, th, MPFR_RNDN);
        mpfr_add_d(exact, exact, tl, MPFR_RNDN); /* exact at 256 bits */
        mpfr_exp(exact, exact, MPFR_RNDN);
        mpfr_set_d(approx, mh, MPFR_RNDN);
        mpfr_add_d(approx, approx, ml, MPFR_RNDN);
        mpfr_mul_2si(approx, approx, scale, MPFR_RNDN);
        mpfr_sub(approx, approx, exact, MPFR_RNDN);
        mpfr_div(approx, approx, exact, MPFR_RNDN);
        double rel = fabs(mpfr_get_d(approx, MPFR_RNDN));
        if (rel > worst)
            worst = rel;
    }
    mpfr_clears(exact, approx, (mpfr_ptr)0);
    fprintf(stderr, "dd_exp: max relative error 2^%.2f over 200000 arguments\n", log2(worst));
    cr_assert(worst < 0x1p-66, "dd_exp relative error %a", worst);
}

Test(softmax_blocks, dd_ldexp_round_breaks_subnormal_ties_with_the_low_part)
{
    /* qh = 1.5 exactly, scale -1074: 1.5 * 2^-1074 is a tie between 2^-1074
     * and 2^-1073; ql decides, and with ql = 0 ties-to-even gives 2^-1073. */
    cr_assert_eq(dd_ldexp_round(1.5, 0x1p-60, -1074), 0x1p-1073);
    cr_assert_eq(dd_ldexp_round(1.5, -0x1p-60, -1074), 0x1p-1074);
    cr_assert_eq(dd_ldexp_round(1.5, 0.0, -1074), 0x1p-1073);
    cr_assert_eq(dd_ldexp_round(1.25, 0x1p-60, -1073), 0x1p-1073 + 0x1p-1074);
    cr_assert_eq(dd_ldexp_round(1.25, -0x1p-60, -1073), 0x1p-1073);
    cr_assert_eq(dd_ldexp_round(1.0, -0x1p-60, -1022), 0x1p-1022, "normal results untouched");
    cr_assert_eq(dd_ldexp_round(0.5, 0x1p-58, -1074), 0x1p-1074, "tie at 2^-1075 above");
    cr_assert_eq(dd_ldexp_round(0.5, -0x1p-58, -1074), 0.0, "tie at 2^-1075 below");
}

/* ------------------------------------------------------- random differential */

/* Logit vector of one of several families, all within +-1000. */
static void random_logits(test_rng *rng, size_t n, double *z, int family)
{
    for (size_t i = 0; i < n; i++) {
        switch (family) {
        case 0: z[i] = test_rng_uniform(rng, -1000.0, 1000.0); break;
        case 1: z[i] = 30.0 * test_rng_normal(rng); break;
        case 2: z[i] = test_rng_uniform(rng, -1.0, 1.0) * 1e-9; break;           /* near-uniform */
        case 3: z[i] = (double)(test_rng_next(rng) % 3) * -745.0                    /* underflow gaps */
                       + test_rng_uniform(rng, -0.5, 0.5); break;
        case 4: z[i] = 999.0 + test_rng_uniform(rng, 0.0, 1.0); break;             /* near +1000 */
        default: z[i] = ldexp(test_rng_uniform(rng, -1.0, 1.0),                     /* mixed scales */
                              (int)test_rng_int(rng, 0, 40) - 30);
        }
    }
}

Test(softmax_random, ten_thousand_logit_vectors, .timeout = 600)
{
    test_rng rng = {20261123};
    double worst = 0.0;
    size_t instances = 10000;
    double *z = test_alloc(4096);
    for (size_t k = 0; k < instances; k++) {
        /* n log-uniform in [1, 4096]. */
        size_t n = (size_t)ldexp(1.0, (int)test_rng_int(&rng, 0, 12));
        n = test_rng_int(&rng, n, n < 4096 ? 2 * n - 1 : 4096);
        int family = (int)(k % 6);
        random_logits(&rng, n, z, family);
        char what[80];
        snprintf(what, sizeof what, "instance %zu (n %zu, family %d)", k, n, family);
        double w = check_logits(n, z, what);
        if (w > worst)
            worst = w;
    }
    free(z);
    fprintf(stderr, "softmax(z): %zu random instances, max error %.3g ulp (budget %.0f)\n",
            instances, worst, SOFTMAX_ULP_BUDGET);
}

Test(softmax_random, affine_models, .timeout = 600)
{
    test_rng rng = {777};
    double worst = 0.0;
    size_t instances = 3000;
    for (size_t k = 0; k < instances; k++) {
        size_t n = test_rng_int(&rng, 1, 256), d = test_rng_int(&rng, 1, 16);
        double *A = test_alloc(n * d), *x = test_alloc(d);
        /* Row scale chosen so that logits reach about +-1000. */
        double scale = ldexp(1.0, (int)test_rng_int(&rng, 0, 10)) / sqrt((double)d);
        for (size_t i = 0; i < n * d; i++)
            A[i] = test_rng_normal(&rng) * scale;
        for (size_t j = 0; j < d; j++)
            x[j] = test_rng_normal(&rng);
        if (k % 5 == 0)  /* a shared row offset: the shift invariance case (paper §3.3) */
            for (size_t i = 1; i < n; i++)
                for (size_t j = 0; j < d; j++)
                    A[i * d + j] = A[j] + ldexp(test_rng_normal(&rng), -20);
        char what[80];
        snprintf(what, sizeof what, "instance %zu (n %zu, d %zu)", k, n, d);
        double w = check_affine(n, d, A, x, what);
        if (w > worst)
            worst = w;
        free(A);
        free(x);
    }
    fprintf(stderr, "softmax(Ax): %zu random instances, max error %.3g ulp (budget %.0f)\n",
            instances, worst, SOFTMAX_ULP_BUDGET);
}

/* Found by fuzz_softmax: a row difference that overflows (DBL_MAX minus
 * -DBL_MAX) with x small enough for every product to be in range; the
 * kernel must refuse or be accurate, never compute with NaN. */
Test(softmax_errors, overflowing_row_difference_is_refused_or_accurate)
{
    const double A[4] = {DBL_MAX, 0.0, -DBL_MAX, 0.0}, x[2] = {0x1p-30, 1.0};
    double p[2], ref[2];
    bht_status s = bht_softmax(2, 2, A, x, p);
    cr_assert(s == BHT_OK || s == BHT_E_RANGE, "status %d", (int)s);
    cr_assert_eq(bht_oracle_softmax(2, 2, A, x, ref, NULL, NULL), BHT_OK);
    if (s == BHT_OK)
        for (int i = 0; i < 2; i++)
            cr_assert_leq(bht_ulp_error(p[i], ref[i]), 2.0, "p[%d] = %a vs %a", i, p[i], ref[i]);
}

/* Found by fuzz_softmax: Dot2 could not separate logits near 2^1000 that
 * differ by 2809, picked the wrong maximum and the exponential of the
 * positive shifted logit overflowed (NaN).  The maximum is now chosen from
 * accurate row differences. */
Test(softmax_errors, huge_logits_with_a_small_difference)
{
    const double A[8] = {-0x1.f5a9a9a9a9a9ap-484, 0x1.a8p+5, 0x1.a8p+5, 0x1.a8p+5,
                         0x1.a8p+5, 0x1.a8p+5, 0x1.a8p+5, 0x1.a8p+5};
    const double x[2] = {0x1.a8p+5, 0x1.fffffffffffffp+992};
    double p[4], ref[4];
    bht_status s = bht_softmax(4, 2, A, x, p);
    cr_assert(s == BHT_OK || s == BHT_E_RANGE, "status %d", (int)s);
    cr_assert_eq(bht_oracle_softmax(4, 2, A, x, ref, NULL, NULL), BHT_OK);
    if (s == BHT_OK)
        for (int i = 0; i < 4; i++)
            cr_assert_leq(bht_ulp_error(p[i], ref[i]), 2.0, "p[%d] = %a vs %a", i, p[i], ref[i]);
}
