/* test_softmax.c: the softmax double kernel against the MPFR oracle.
 * Order (as in MPFR's own tests): special values, hand-picked hard cases,
 * error classes, then seeded random differential runs reporting the worst
 * ulp error seen, then the hazard generators of issue 12 (named, seeded;
 * each prints "hazard softmax ..." with its instances, max ulp, instances
 * over budget and refusals).  The budget is 1 ulp (bht.h / softmax.c), and
 * no finite input may be refused. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "core/dd.h"
#include "core/dd_exp.h"

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

#define SOFTMAX_ULP_BUDGET 1.0

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
    const double zs[] = {0.0,      -0.0,      1e-300, -1e300,  1e300,    0x1p1020,
                         -0x1p1020, 0x1p-1074, 1e308,  DBL_MAX, -DBL_MAX, 0x1.0000000000001p1020};
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
    double A[2] = {1.0, 2.0}, x[1] = {1.0};
    cr_assert_eq(bht_softmax(2, 0, A, x, p), BHT_E_INVALID);
    x[0] = NAN;
    cr_assert_eq(bht_softmax(2, 1, A, x, p), BHT_E_NONFINITE);
    x[0] = 1.0;
    A[1] = INFINITY;
    cr_assert_eq(bht_softmax(2, 1, A, x, p), BHT_E_NONFINITE);
}

/* Issue 12, finding 4: logits beyond 2^1020 were refused (exit 3), even
 * n = 1 with 1e308.  Every finite logit is accepted now. */
Test(softmax_regressions, logits_beyond_2_pow_1020_are_accepted)
{
    const double one[1] = {1e308};
    double p[4];
    cr_assert_eq(bht_softmax_logits(1, one, p), BHT_OK);
    cr_assert_eq(p[0], 1.0);
    const double z1[2] = {0x1.0000000000001p1020, 0.0};
    check_logits(2, z1, "next double above 2^1020");
    const double z2[2] = {DBL_MAX, -DBL_MAX}; /* the difference overflows: p = (1, 0) */
    check_logits(2, z2, "+-DBL_MAX");
    cr_assert_eq(bht_softmax_logits(2, z2, p), BHT_OK);
    cr_assert(p[0] == 1.0 && p[1] == 0.0 && !signbit(p[1]));
    const double z3[4] = {DBL_MAX, DBL_MAX, -DBL_MAX, 0x1.ffffffffffffep1023};
    check_logits(4, z3, "DBL_MAX tie");
    cr_assert_eq(bht_softmax_logits(4, z3, p), BHT_OK);
    cr_assert(p[0] == 0.5 && p[1] == 0.5 && p[2] == 0.0 && p[3] == 0.0);
    const double z4[3] = {1e300, -1e300, 0x1p1021}; /* tests/bad/inputs/logits_huge.txt */
    check_logits(3, z4, "logits_huge.txt");
}

/* Issue 12, finding 4: products beyond the double range (1e200 * 1e200)
 * were refused; the exact dot product answers: here z = (1e400 + 2, -1e400
 * + 4) in exact arithmetic, so p = (1, 0). */
Test(softmax_regressions, overflowing_products_are_accepted)
{
    double A[4] = {1e200, -1e200, 1.0, 2.0}, x[2] = {1e200, 1.0}, p[2];
    check_affine(2, 2, A, x, "products 1e400");
    cr_assert_eq(bht_softmax(2, 2, A, x, p), BHT_OK);
    cr_assert(p[0] == 1.0 && p[1] == 0.0);
    /* tests/bad/inputs/A_huge.txt with x_huge.txt: products 1e600 */
    const double Ah[4] = {1e300, 1e300, 1.0, 1.0}, xh[2] = {1e300, 1e300};
    check_affine(2, 2, Ah, xh, "A_huge.txt x_huge.txt");
}

/* Issue 12, finding 4: logits that are O(20) after cancellation from 2^120
 * ... 2^900 were refused ("an overflowing A x").  Each row below cancels
 * exactly in its first two columns (a X + b Y = 0 with a X ~ 2^k) and keeps
 * a small third column, so softmax(A x) must equal softmax(z) bit for bit. */
Test(softmax_regressions, cancellation_from_2_pow_900_is_exact)
{
    const double z[4] = {20.0, 3.25, -7.0, 19.5};
    double q[4];
    cr_assert_eq(bht_softmax_logits(4, z, q), BHT_OK);
    for (int k = 120; k <= 900; k += 60) {
        double X = ldexp(1.5, k / 2), Y = 8.0 * X;
        double A[4 * 3], x[3] = {X, Y, 1.0};
        for (int i = 0; i < 4; i++) {
            double a = ldexp(1.0 + 0.125 * i, k - k / 2);
            A[3 * i] = a;
            A[3 * i + 1] = -a / 8.0; /* a X + (-a/8) 8X = 0 exactly */
            A[3 * i + 2] = z[i];
        }
        char what[64];
        snprintf(what, sizeof what, "cancellation from 2^%d", k);
        check_affine(4, 3, A, x, what);
        double p[4];
        cr_assert_eq(bht_softmax(4, 3, A, x, p), BHT_OK);
        for (int i = 0; i < 4; i++)
            cr_assert(same_bits(p[i], q[i]), "%s: p[%d] = %a vs softmax(z) %a", what, i, p[i],
                      q[i]);
    }
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
 * -DBL_MAX) with x small; once refused, now exact (long accumulator). */
Test(softmax_regressions, overflowing_row_difference)
{
    const double A[4] = {DBL_MAX, 0.0, -DBL_MAX, 0.0}, x[2] = {0x1p-30, 1.0};
    check_affine(2, 2, A, x, "DBL_MAX - (-DBL_MAX)");
}

/* Found by fuzz_softmax: Dot2 could not separate logits near 2^1000 that
 * differ by 2809, picked the wrong maximum and the exponential of the
 * positive shifted logit overflowed (NaN); the maximum is decided exactly
 * now. */
Test(softmax_regressions, huge_logits_with_a_small_difference)
{
    const double A[8] = {-0x1.f5a9a9a9a9a9ap-484, 0x1.a8p+5, 0x1.a8p+5, 0x1.a8p+5,
                         0x1.a8p+5, 0x1.a8p+5, 0x1.a8p+5, 0x1.a8p+5};
    const double x[2] = {0x1.a8p+5, 0x1.fffffffffffffp+992};
    check_affine(4, 2, A, x, "logits near 2^1000");
}

/* ------------------------------------------------------ hazard generators */

/* Issue 12: structure-aware generators, one per hazard of the kernel (ties,
 * 2^+-1000 magnitudes, the -745 underflow edge, cancellation in A x,
 * invariance pairs, extreme scaling, large n).  Each is named and seeded
 * and counts instead of stopping at the first failure, so the same source
 * run against an older kernel reports what the generator finds there.  It
 * prints one line
 *   hazard softmax <family>: N instances, max U ulp, O over budget, R refused
 * (build/tests/softmax/test_softmax --filter 'softmax_hazards/' + '*'), then requires
 * O = R = 0. */

enum { HZ_MAX_N = 4096, HZ_MAX_D = 16, HZ_MAX_AX = 3072 * 4 };

typedef struct hazard_stats {
    const char *family;
    size_t instances, over_budget, refusals, pairs, not_identical;
    size_t spread; /* instances whose oracle p has two or more nonzero entries */
    double max_ulp;
    char first[256]; /* the first failure, for the assertion message */
} hazard_stats;

static void hazard_fail(hazard_stats *st, const char *fmt, double got, double want, size_t k)
{
    if (st->first[0] == '\0')
        snprintf(st->first, sizeof st->first, fmt, k, got, want);
}

/* Kernel against oracle on one instance (logits z, or A x when z == NULL). */
static void hazard_run(hazard_stats *st, size_t k, size_t n, size_t d, const double *z,
                       const double *A, const double *x, double *p, double *ref)
{
    st->instances++;
    bht_status s = z ? bht_softmax_logits(n, z, p) : bht_softmax(n, d, A, x, p);
    bht_status so = z ? bht_oracle_softmax_logits(n, z, ref, NULL, NULL)
                      : bht_oracle_softmax(n, d, A, x, ref, NULL, NULL);
    cr_assert_eq(so, BHT_OK, "%s instance %zu: oracle: %s", st->family, k,
                 bht_status_message(so));
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++)
        nonzero += ref[i] != 0.0;
    st->spread += nonzero >= 2;
    if (s != BHT_OK) {
        st->refusals++;
        hazard_fail(st, "instance %zu refused (%g vs %g)", 0.0, 0.0, k);
        return;
    }
    size_t at;
    double w = test_max_ulp(n, p, ref, &at);
    st->max_ulp = fmax(st->max_ulp, w);
    if (w > SOFTMAX_ULP_BUDGET) {
        st->over_budget++;
        hazard_fail(st, "instance %zu: p = %a, oracle %a", p[at], ref[at], k);
    }
}

/* Two inputs with the same exact logit differences: the outputs must be
 * the same bits (and each within budget). */
static void hazard_identical(hazard_stats *st, size_t k, size_t n, const double *p,
                             const double *q)
{
    st->pairs++;
    for (size_t i = 0; i < n; i++)
        if (!same_bits(p[i], q[i])) {
            st->not_identical++;
            hazard_fail(st, "instance %zu: invariance pair gives %a and %a", p[i], q[i], k);
            return;
        }
}

/* Prints the family's line; returns false (and keeps the first failure in
 * *failed) when something was over budget, refused or not identical. */
static bool hazard_report(const hazard_stats *st, char *failed, size_t size)
{
    fprintf(stderr,
            "hazard softmax %s: %zu instances (%zu with two or more p_i > 0), max %.3g ulp, "
            "%zu over budget, %zu refused",
            st->family, st->instances, st->spread, st->max_ulp, st->over_budget, st->refusals);
    if (st->pairs)
        fprintf(stderr, ", %zu invariance pairs (%zu differ)", st->pairs, st->not_identical);
    fprintf(stderr, "\n");
    bool ok = st->over_budget == 0 && st->refusals == 0 && st->not_identical == 0;
    if (!ok && failed[0] == '\0')
        snprintf(failed, size, "%s: %s", st->family, st->first);
    return ok;
}

static double rng_sign(test_rng *r)
{
    return (test_rng_next(r) & 1) ? -1.0 : 1.0;
}

/* A magnitude from the whole double range, biased to the edges. */
static double any_logit(test_rng *r)
{
    switch (test_rng_next(r) % 7) {
    case 0: return 30.0 * test_rng_normal(r);
    case 1: return rng_sign(r) * ldexp(1.0 + test_rng_unit(r), (int)test_rng_int(r, 900, 1023));
    case 2: return rng_sign(r) * DBL_MAX;
    case 3: return rng_sign(r) * ldexp(1.0 + test_rng_unit(r), -(int)test_rng_int(r, 1000, 1074));
    case 4: return (test_rng_next(r) & 1) ? 0.0 : -0.0;
    case 5: return rng_sign(r) * (700.0 + 50.0 * test_rng_unit(r));
    default: return rng_sign(r) * ldexp(1.0 + test_rng_unit(r), (int)test_rng_int(r, 0, 1023));
    }
}

/* x stepped by k ulps. */
static double ulps_away(double x, int k)
{
    for (; k > 0 && x < DBL_MAX; k--) /* never beyond the finite range */
        x = nextafter(x, INFINITY);
    for (; k < 0 && x > -DBL_MAX; k++)
        x = nextafter(x, -INFINITY);
    return x;
}

/* exact_ties: 2..64 logits drawn from 1..4 values of any magnitude (so the
 * maximum is shared exactly, also at +-DBL_MAX). */
static size_t gen_exact_ties(test_rng *r, double *z)
{
    double palette[4];
    size_t g = test_rng_int(r, 1, 4), n = test_rng_int(r, 2, 64);
    for (size_t k = 0; k < g; k++)
        palette[k] = any_logit(r);
    for (size_t i = 0; i < n; i++)
        z[i] = palette[test_rng_int(r, 0, g - 1)];
    return n;
}

/* near_ties: logits within 8 ulps of one base, bases from 2^-20 to 2^40
 * and near 700 (the last bits of every p_i depend on the ulps). */
static size_t gen_near_ties(test_rng *r, double *z)
{
    double base = (test_rng_next(r) & 1)
                      ? rng_sign(r) * ldexp(1.0 + test_rng_unit(r), (int)test_rng_int(r, 0, 60) - 20)
                      : rng_sign(r) * (700.0 + test_rng_unit(r));
    size_t n = test_rng_int(r, 2, 64);
    for (size_t i = 0; i < n; i++)
        z[i] = ulps_away(base, (int)test_rng_int(r, 0, 16) - 8);
    return n;
}

/* huge_magnitudes: 1..32 logits at 2^+-1000, +-DBL_MAX, subnormal and
 * ordinary sizes mixed; one instance in eight is n = 1 at +-1e308 or
 * +-DBL_MAX. */
static size_t gen_huge_magnitudes(test_rng *r, double *z)
{
    if (test_rng_next(r) % 8 == 0) {
        z[0] = rng_sign(r) * ((test_rng_next(r) & 1) ? 1e308 : DBL_MAX);
        return 1;
    }
    size_t n = test_rng_int(r, 2, 32);
    for (size_t i = 0; i < n; i++)
        z[i] = any_logit(r);
    return n;
}

/* underflow_edge: a maximum c (0, ordinary, or up to 2^40) and logits c - g
 * with gaps g at the subnormal edges: [744, 746] (p near 2^-1075, rounding
 * to 0 or 2^-1074), [707, 710] (p near 2^-1022) and [700, 760]. */
static size_t gen_underflow_edge(test_rng *r, double *z)
{
    double c = 0.0;
    switch (test_rng_next(r) % 3) {
    case 1: c = 100.0 * test_rng_normal(r); break;
    case 2: c = rng_sign(r) * ldexp(1.0 + test_rng_unit(r), (int)test_rng_int(r, 0, 40)); break;
    default: break;
    }
    size_t n = test_rng_int(r, 2, 64);
    z[0] = c;
    for (size_t i = 1; i < n; i++) {
        double g;
        switch (test_rng_next(r) % 4) {
        case 0: g = 744.0 + 2.0 * test_rng_unit(r); break;
        case 1: g = 707.0 + 3.0 * test_rng_unit(r); break;
        case 2: g = 700.0 + 60.0 * test_rng_unit(r); break;
        default: g = 5.0 * test_rng_unit(r); break;
        }
        z[i] = c - g;
    }
    return n;
}

/* large_n: 1000..4096 logits mixing ordinary values, exact ties, huge
 * magnitudes and gaps at the underflow edge. */
static size_t gen_large_n(test_rng *r, double *z)
{
    size_t n = test_rng_int(r, 1000, HZ_MAX_N);
    double top = 50.0 * test_rng_normal(r), tie = top - 3.0 * test_rng_unit(r);
    for (size_t i = 0; i < n; i++) {
        switch (test_rng_next(r) % 5) {
        case 0: z[i] = tie; break;
        case 1: z[i] = top - 744.0 - 2.0 * test_rng_unit(r); break;
        case 2: z[i] = -ldexp(1.0 + test_rng_unit(r), (int)test_rng_int(r, 10, 1023)); break;
        default: z[i] = top - 40.0 * test_rng_unit(r); break;
        }
    }
    z[test_rng_int(r, 0, n - 1)] = top;
    return n;
}

typedef struct logit_family {
    const char *name;
    uint64_t seed;
    size_t instances;
    size_t (*make)(test_rng *, double *);
} logit_family;

static const logit_family LOGIT_FAMILIES[] = {
    {"exact_ties", 0x51a0001, 3000, gen_exact_ties},
    {"near_ties", 0x51a0002, 3000, gen_near_ties},
    {"huge_magnitudes", 0x51a0003, 3000, gen_huge_magnitudes},
    {"underflow_edge", 0x51a0004, 3000, gen_underflow_edge},
    {"large_n", 0x51a0005, 40, gen_large_n},
};

Test(softmax_hazards, logit_generators, .timeout = 900)
{
    double *z = test_alloc(HZ_MAX_N), *p = test_alloc(HZ_MAX_N), *ref = test_alloc(HZ_MAX_N);
    char failed[300] = "";
    bool ok = true;
    for (size_t f = 0; f < sizeof LOGIT_FAMILIES / sizeof LOGIT_FAMILIES[0]; f++) {
        const logit_family *fam = &LOGIT_FAMILIES[f];
        test_rng rng = {fam->seed};
        hazard_stats st = {.family = fam->name};
        for (size_t k = 0; k < fam->instances; k++) {
            size_t n = fam->make(&rng, z);
            hazard_run(&st, k, n, 0, z, NULL, NULL, p, ref);
        }
        ok &= hazard_report(&st, failed, sizeof failed);
    }
    free(z);
    free(p);
    free(ref);
    cr_assert(ok, "%s", failed);
}

/* shift_pairs: softmax(z) and softmax(z + c) with z + c exact (multiples of
 * 2^-20 below 2^31, or of 2^960 below 2^1011): the same bits. */
Test(softmax_hazards, shift_invariance_pairs, .timeout = 600)
{
    test_rng rng = {0x51a0006};
    hazard_stats st = {.family = "shift_pairs"};
    double z[64], zc[64], p[64], q[64], ref[64];
    for (size_t k = 0; k < 3000; k++) {
        size_t n = test_rng_int(&rng, 1, 64);
        int unit = (k % 2) ? 960 : -20;
        double c = ldexp((double)(int64_t)(test_rng_next(&rng) % (1ULL << 51)) * rng_sign(&rng),
                         unit - 1);
        for (size_t i = 0; i < n; i++) {
            double v = (double)(int64_t)(test_rng_next(&rng) % (1ULL << 40)) * rng_sign(&rng);
            if (i > 0 && test_rng_next(&rng) % 4 == 0)
                v = z[i - 1] / ldexp(1.0, unit); /* ties */
            z[i] = ldexp(v, unit);
            zc[i] = z[i] + c;
            cr_assert_eq(zc[i] - c, z[i], "z + c must be exact");
        }
        hazard_run(&st, k, n, 0, z, NULL, NULL, p, ref);
        hazard_run(&st, k, n, 0, zc, NULL, NULL, q, ref);
        hazard_identical(&st, k, n, p, q);
    }
    char failed[300] = "";
    cr_assert(hazard_report(&st, failed, sizeof failed), "%s", failed);
}

/* ---- A x */

typedef struct affine_case {
    size_t n, d;
    double A[HZ_MAX_AX], x[HZ_MAX_D];
} affine_case;

/* cancelling_products: 1..3 column pairs whose products are 2^120 ... 2^900
 * and cancel exactly in every row (a X + b Y = 0 with Y = 2^t X, b = -2^-t
 * a, a different per row), in a quarter of the rows with a few ulps left
 * over (a huge logit), plus 1..4 ordinary columns: logits O(20) after
 * cancellation. */
static void gen_cancelling_products(test_rng *r, affine_case *c)
{
    size_t pairs = test_rng_int(r, 1, 3), small = test_rng_int(r, 1, 4);
    c->d = 2 * pairs + small;
    c->n = test_rng_int(r, 2, 64);
    int e[3], t[3];
    for (size_t k = 0; k < pairs; k++) {
        e[k] = (int)test_rng_int(r, 60, 450);
        t[k] = (int)test_rng_int(r, 0, 10) - 5;
        c->x[2 * k] = rng_sign(r) * ldexp(1.0 + test_rng_unit(r), e[k]);
        c->x[2 * k + 1] = ldexp(c->x[2 * k], t[k]);
    }
    for (size_t j = 2 * pairs; j < c->d; j++)
        c->x[j] = test_rng_normal(r);
    for (size_t i = 0; i < c->n; i++) {
        double *row = c->A + i * c->d;
        for (size_t k = 0; k < pairs; k++) {
            double a = rng_sign(r) * ldexp(1.0 + test_rng_unit(r), e[k]);
            row[2 * k] = a;
            row[2 * k + 1] = -ldexp(a, -t[k]);
            if (test_rng_next(r) % 4 == 0)
                row[2 * k + 1] = ulps_away(row[2 * k + 1], (int)test_rng_int(r, 0, 4) - 2);
        }
        for (size_t j = 2 * pairs; j < c->d; j++)
            row[j] = 10.0 * test_rng_normal(r);
    }
}

/* near_equal_rows: logits about 2^66 that agree to 2^-60 relative: rows
 * that differ by +-Delta in two columns with equal x (the huge parts cancel
 * exactly) and by O(5) in a third column with x = 1. */
static void gen_near_equal_rows(test_rng *r, affine_case *c)
{
    c->d = test_rng_int(r, 3, 8);
    c->n = test_rng_int(r, 2, 64);
    double X = ldexp(1.0 + test_rng_unit(r), 33);
    c->x[0] = X;
    c->x[1] = X;
    c->x[2] = 1.0;
    for (size_t j = 3; j < c->d; j++)
        c->x[j] = ldexp(test_rng_normal(r), 33);
    double base[HZ_MAX_D];
    for (size_t j = 0; j < c->d; j++)
        base[j] = ldexp(1.0 + test_rng_unit(r), 32) * rng_sign(r);
    base[2] = 0.0;
    for (size_t i = 0; i < c->n; i++) {
        double *row = c->A + i * c->d;
        for (size_t j = 0; j < c->d; j++)
            row[j] = base[j];
        double delta = ldexp((double)test_rng_int(r, 0, 1 << 20), -20 + 0); /* multiple of 2^-20 */
        if ((row[0] + delta) - row[0] == delta && row[1] - (row[1] - delta) == delta) {
            row[0] += delta;
            row[1] -= delta;
        }
        row[2] = 5.0 * test_rng_normal(r);
    }
}

/* entries_2pm500: columns of entries +-2^(+-[450, 550]) with x ordinary,
 * tiny (2^-1074 ... 2^-900), huge (2^900 ... 2^1023) or the inverse scale
 * (products O(1)): products from below the subnormals to far beyond
 * DBL_MAX. */
static void gen_entries_2pm500(test_rng *r, affine_case *c)
{
    c->d = test_rng_int(r, 1, 8);
    c->n = test_rng_int(r, 2, 32);
    for (size_t j = 0; j < c->d; j++) {
        int e = (int)test_rng_int(r, 450, 550) * ((test_rng_next(r) & 1) ? 1 : -1);
        for (size_t i = 0; i < c->n; i++)
            c->A[i * c->d + j] =
                rng_sign(r) * ldexp(1.0 + test_rng_unit(r), e + (int)test_rng_int(r, 0, 3));
        switch (test_rng_next(r) % 4) {
        case 0: c->x[j] = test_rng_normal(r); break;
        case 1: c->x[j] = rng_sign(r) * ldexp(1.0 + test_rng_unit(r), -(int)test_rng_int(r, 900, 1074)); break;
        case 2: c->x[j] = rng_sign(r) * ldexp(1.0 + test_rng_unit(r), (int)test_rng_int(r, 900, 1023)); break;
        default: c->x[j] = ldexp(test_rng_normal(r), -e - 1); break; /* products O(1) */
        }
    }
}

/* row_scaling: rows scaled by 2^k_i, k_i in [-1000, 1000], and x by 2^m
 * (a different model: only the budget applies). */
static void gen_row_scaling(test_rng *r, affine_case *c)
{
    c->d = test_rng_int(r, 1, 6);
    c->n = test_rng_int(r, 2, 32);
    int m = (int)test_rng_int(r, 0, 40) - 20;
    for (size_t j = 0; j < c->d; j++)
        c->x[j] = ldexp(test_rng_normal(r), m);
    for (size_t i = 0; i < c->n; i++) {
        int k = (test_rng_next(r) % 3 == 0) ? (int)test_rng_int(r, 0, 2000) - 1000
                                            : (int)test_rng_int(r, 0, 20) - 10;
        for (size_t j = 0; j < c->d; j++)
            c->A[i * c->d + j] = ldexp(test_rng_normal(r), k);
    }
}

/* large_n_affine: 1000..3072 rows, d 1..4, a huge common row offset (2^400)
 * cancelling in every difference, small distinguishing parts. */
static void gen_large_n_affine(test_rng *r, affine_case *c)
{
    c->d = test_rng_int(r, 1, 4);
    c->n = test_rng_int(r, 1000, 3072);
    double offset[4];
    for (size_t j = 0; j < c->d; j++) {
        offset[j] = ldexp(test_rng_normal(r), 400);
        c->x[j] = ldexp(test_rng_normal(r), -350);
    }
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->d; j++)
            c->A[i * c->d + j] =
                (test_rng_next(r) % 2) ? offset[j] : offset[j] + ldexp(test_rng_normal(r), 352);
}

typedef struct affine_family {
    const char *name;
    uint64_t seed;
    size_t instances;
    void (*make)(test_rng *, affine_case *);
} affine_family;

static const affine_family AFFINE_FAMILIES[] = {
    {"cancelling_products", 0x51a0101, 2000, gen_cancelling_products},
    {"near_equal_rows", 0x51a0102, 2000, gen_near_equal_rows},
    {"entries_2pm500", 0x51a0103, 2000, gen_entries_2pm500},
    {"row_scaling", 0x51a0104, 2000, gen_row_scaling},
    {"large_n_affine", 0x51a0105, 20, gen_large_n_affine},
};

Test(softmax_hazards, affine_generators, .timeout = 900)
{
    affine_case *c = malloc(sizeof *c);
    cr_assert_not_null(c);
    double *p = test_alloc(HZ_MAX_N), *ref = test_alloc(HZ_MAX_N);
    char failed[300] = "";
    bool ok = true;
    for (size_t f = 0; f < sizeof AFFINE_FAMILIES / sizeof AFFINE_FAMILIES[0]; f++) {
        const affine_family *fam = &AFFINE_FAMILIES[f];
        test_rng rng = {fam->seed};
        hazard_stats st = {.family = fam->name};
        for (size_t k = 0; k < fam->instances; k++) {
            fam->make(&rng, c);
            hazard_run(&st, k, c->n, c->d, NULL, c->A, c->x, p, ref);
        }
        ok &= hazard_report(&st, failed, sizeof failed);
    }
    free(c);
    free(p);
    free(ref);
    cr_assert(ok, "%s", failed);
}

/* Invariance pairs for A x (paper §3.3): B = A + 1 w^T, and column scaling
 * A Diag(2^k), x Diag(2^-k).  When every entry of the pair is exact the
 * logit differences are the same reals, so the outputs must be the same
 * bits; with A + 1 w^T rounded (w = (0.3, -0.1, ...)) each side is only
 * checked against its own oracle. */
Test(softmax_hazards, affine_invariance_pairs, .timeout = 900)
{
    affine_case *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    cr_assert(a && b);
    double p[64], q[64], ref[64];
    hazard_stats exact = {.family = "plus_1wT_exact"}, rounded = {.family = "plus_1wT_rounded"},
                 scaled = {.family = "column_scaling"};
    test_rng rng = {0x51a0201};
    for (size_t k = 0; k < 2000; k++) {
        a->n = b->n = test_rng_int(&rng, 1, 64);
        a->d = b->d = test_rng_int(&rng, 1, 8);
        int unit = (int)test_rng_int(&rng, 0, 60) - 30;
        for (size_t j = 0; j < a->d; j++) /* logits up to about 2^(0 ... 8) */
            a->x[j] = b->x[j] = ldexp(test_rng_normal(&rng), (int)test_rng_int(&rng, 0, 8) - unit - 30);
        double w[HZ_MAX_D];
        for (size_t j = 0; j < a->d; j++)
            w[j] = ldexp((double)(int64_t)(test_rng_next(&rng) % (1ULL << 45)) * rng_sign(&rng), unit);
        for (size_t t = 0; t < a->n * a->d; t++) {
            a->A[t] = ldexp((double)(int64_t)(test_rng_next(&rng) % (1ULL << 30)) * rng_sign(&rng), unit);
            b->A[t] = a->A[t] + w[t % a->d];
            cr_assert_eq(b->A[t] - w[t % a->d], a->A[t], "A + w must be exact");
        }
        hazard_run(&exact, k, a->n, a->d, NULL, a->A, a->x, p, ref);
        hazard_run(&exact, k, b->n, b->d, NULL, b->A, b->x, q, ref);
        hazard_identical(&exact, k, a->n, p, q);

        /* rounded: w = (0.3, -0.1, ...) on a random model */
        for (size_t t = 0; t < a->n * a->d; t++) {
            a->A[t] = test_rng_normal(&rng) * ldexp(1.0, (int)test_rng_int(&rng, 0, 8));
            b->A[t] = a->A[t] + ((t % a->d) % 2 ? -0.1 : 0.3) * ldexp(1.0, (int)(k % 20));
        }
        hazard_run(&rounded, k, a->n, a->d, NULL, a->A, a->x, p, ref);
        hazard_run(&rounded, k, b->n, b->d, NULL, b->A, b->x, q, ref);

        /* column scaling by 2^k_j, k_j in [-1000, 1000], where exact */
        for (size_t j = 0; j < a->d; j++) {
            int s = (int)test_rng_int(&rng, 0, 2000) - 1000;
            int exact_column = 1;
            for (size_t i = 0; i < a->n; i++) {
                double v = ldexp(a->A[i * a->d + j], s);
                exact_column &= isfinite(v) && ldexp(v, -s) == a->A[i * a->d + j];
            }
            double xs = ldexp(a->x[j], -s);
            if (!(exact_column && isfinite(xs) && ldexp(xs, s) == a->x[j]))
                s = 0;
            for (size_t i = 0; i < a->n; i++)
                b->A[i * a->d + j] = ldexp(a->A[i * a->d + j], s);
            b->x[j] = ldexp(a->x[j], -s);
        }
        hazard_run(&scaled, k, a->n, a->d, NULL, a->A, a->x, p, ref);
        hazard_run(&scaled, k, b->n, b->d, NULL, b->A, b->x, q, ref);
        hazard_identical(&scaled, k, a->n, p, q);
    }
    char failed[300] = "";
    bool ok = hazard_report(&exact, failed, sizeof failed);
    ok &= hazard_report(&rounded, failed, sizeof failed);
    ok &= hazard_report(&scaled, failed, sizeof failed);
    free(a);
    free(b);
    cr_assert(ok, "%s", failed);
}
