/* test_distance.c: Hellinger / TV kernels and Lemma A.1 closed forms against
 * their MPFR oracles, plus the paper's inequalities as property tests.
 * Budgets: distances 4 ulp, closed forms 2 ulp (bht.h). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "oracle_internal.h"

#define DISTANCE_ULP_BUDGET 4.0
#define LEMMA_ULP_BUDGET 2.0

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Worst ulp error of the kernel over the three outputs; asserts the budget. */
static double check_distance(size_t n, const double *p, const double *q, const char *what)
{
    bht_distances k, o;
    cr_assert_eq(bht_distance(n, p, q, &k), BHT_OK, "%s: kernel refused", what);
    bht_status s = bht_oracle_distance(n, p, q, &o, NULL, NULL);
    cr_assert_eq(s, BHT_OK, "%s: oracle: %s", what, bht_status_message(s));
    double e[3] = {bht_ulp_error(k.hellinger2, o.hellinger2),
                   bht_ulp_error(k.hellinger, o.hellinger), bht_ulp_error(k.tv, o.tv)};
    cr_assert(e[0] <= DISTANCE_ULP_BUDGET && e[1] <= DISTANCE_ULP_BUDGET
                  && e[2] <= DISTANCE_ULP_BUDGET,
              "%s: H2 %a vs %a, H %a vs %a, TV %a vs %a", what, k.hellinger2, o.hellinger2,
              k.hellinger, o.hellinger, k.tv, o.tv);
    return fmax(e[0], fmax(e[1], e[2]));
}

/* Normalised random distribution: p_i = w_i / sum w (rounded; sums to 1
 * within n 2^-53, as the CLI requires). */
static void random_distribution(test_rng *rng, size_t n, double *p, int family)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w;
        switch (family) {
        case 0: w = test_rng_unit(rng); break;
        case 1: w = exp(20.0 * test_rng_normal(rng)); break;           /* wide dynamic range */
        case 2: w = (test_rng_next(rng) % 4 == 0) ? 0.0 : test_rng_unit(rng); break; /* zeros */
        default: w = ldexp(test_rng_unit(rng), -(int)test_rng_int(rng, 0, 1000)); /* tiny */
        }
        p[i] = w;
        sum += w;
    }
    if (sum == 0.0) {
        p[0] = 1.0;
        sum = 1.0;
    }
    for (size_t i = 0; i < n; i++)
        p[i] /= sum;
}

/* q = p with relative perturbations of size rel, renormalised. */
static void perturbed(test_rng *rng, size_t n, const double *p, double *q, double rel)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        q[i] = p[i] * (1.0 + rel * test_rng_uniform(rng, -1.0, 1.0));
        sum += q[i];
    }
    for (size_t i = 0; i < n; i++)
        q[i] /= sum;
}

/* --------------------------------------------------------- special values */

Test(distance_special, identical_pairs_are_exactly_zero)
{
    const double p[] = {0.25, 0.5, 0.0, 0.25};
    bht_distances k, o;
    cr_assert_eq(bht_distance(4, p, p, &k), BHT_OK);
    cr_assert_eq(bht_oracle_distance(4, p, p, &o, NULL, NULL), BHT_OK);
    cr_assert(same_bits(k.hellinger2, 0.0) && same_bits(k.hellinger, 0.0) && same_bits(k.tv, 0.0));
    cr_assert(same_bits(o.hellinger2, 0.0) && same_bits(o.hellinger, 0.0) && same_bits(o.tv, 0.0));
}

Test(distance_special, disjoint_supports_are_exactly_one)
{
    const double p[] = {0.5, 0.5, 0.0, 0.0}, q[] = {0.0, 0.0, 0.25, 0.75};
    bht_distances k;
    cr_assert_eq(bht_distance(4, p, q, &k), BHT_OK);
    cr_assert(same_bits(k.hellinger2, 1.0) && same_bits(k.hellinger, 1.0) && same_bits(k.tv, 1.0));
    check_distance(4, p, q, "disjoint");
}

Test(distance_special, hard_cases_within_budget)
{
    /* point mass against a tiny mass elsewhere */
    double p[3] = {1.0, 0.0, 0.0}, q[3] = {1.0 - 0x1p-52, 0x1p-53, 0x1p-53};
    check_distance(3, p, q, "point mass vs tiny mass");
    /* near-identical: H^2 around 1e-25 */
    double a[4] = {0.1, 0.2, 0.3, 0.4}, b[4];
    for (int i = 0; i < 4; i++)
        b[i] = a[i] * (1.0 + 1e-12 * (i % 2 ? 1 : -1));
    check_distance(4, a, b, "near identical");
    /* one ulp apart, and subnormal entries */
    double c[3] = {0.5, 0.5, 0x1p-1074}, d[3] = {0.5, nextafter(0.5, 1.0), 0x1p-1070};
    check_distance(3, c, d, "one ulp and subnormals");
    double e[2] = {0x1p-1000, 0x1p-1073}, f[2] = {0x1.8p-1000, 0.0};
    check_distance(2, e, f, "tiny everywhere");
}

Test(distance_special, rejects_bad_inputs)
{
    double p[2] = {0.5, 0.5}, q[2] = {0.5, -0.0}, bad[2] = {0.5, NAN};
    bht_distances out;
    q[1] = -0x1p-1074;
    cr_assert_eq(bht_distance(2, p, q, &out), BHT_E_INVALID);
    cr_assert_eq(bht_oracle_distance(2, p, q, &out, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_distance(2, p, bad, &out), BHT_E_NONFINITE);
    cr_assert_eq(bht_distance(0, p, p, &out), BHT_E_INVALID);
    size_t at = 99;
    double sum = 0.0;
    cr_assert_eq(bht_check_distribution(2, q, &at, &sum), BHT_E_INVALID);
    cr_assert_eq(at, 1);
    const double off[3] = {0.5, 0.25, 0.25 + 0x1p-48};
    cr_assert_eq(bht_check_distribution(3, off, &at, &sum), BHT_E_INVALID);
    cr_assert_eq(at, 3);
    const double ok[3] = {0.5, 0.25, 0.25 + 0x1p-52};
    cr_assert_eq(bht_check_distribution(3, ok, &at, &sum), BHT_OK);
    cr_assert_eq(bht_check_distribution(2, bad, &at, &sum), BHT_E_NONFINITE);
}

/* ----------------------------------------------------- random differential */

Test(distance_random, ten_thousand_pairs, .timeout = 600)
{
    test_rng rng = {31337};
    double *p = test_alloc(512), *q = test_alloc(512), worst = 0.0;
    for (int k = 0; k < 10000; k++) {
        size_t n = test_rng_int(&rng, 1, 512);
        random_distribution(&rng, n, p, k % 4);
        if (k % 3 == 0)
            random_distribution(&rng, n, q, (k / 3) % 4);
        else /* close models: relative perturbations 1e-12 .. 1 */
            perturbed(&rng, n, p, q, pow(10.0, -test_rng_uniform(&rng, 0.0, 12.0)));
        char what[64];
        snprintf(what, sizeof what, "pair %d (n %zu)", k, n);
        worst = fmax(worst, check_distance(n, p, q, what));
    }
    free(p);
    free(q);
    fprintf(stderr, "distance: 10000 random pairs, max error %.3g ulp (budget %.0f)\n", worst,
            DISTANCE_ULP_BUDGET);
}

/* -------------------------------------------------------------- Lemma A.1 */

static double check_lemma(double eps)
{
    bht_lemma_a1_bounds k, o;
    cr_assert_eq(bht_lemma_a1(eps, &k), BHT_OK, "eps %a: kernel refused", eps);
    cr_assert_eq(bht_oracle_lemma_a1(eps, &o, NULL, NULL), BHT_OK, "eps %a: oracle", eps);
    double e = fmax(bht_ulp_error(k.h2max, o.h2max), bht_ulp_error(k.tvmax, o.tvmax));
    cr_assert(e <= LEMMA_ULP_BUDGET, "eps %a: h2max %a vs %a, tvmax %a vs %a", eps, k.h2max,
              o.h2max, k.tvmax, o.tvmax);
    return e;
}

Test(lemma_a1, edges_and_cutoffs)
{
    const double eps[] = {0x1p-1074, 0x1p-1073, 3 * 0x1p-1074, 1e-300, 1e-160, 0x1p-61,
                          nextafter(0x1p-60, 0), 0x1p-60, 0x1p-58, 0.25, nextafter(0.25, 1),
                          1.0, 10.0, 76.0, 76.5, nextafter(80.0, 0), 80.0, 152.0, 153.0,
                          nextafter(160.0, 0), 160.0, 1e6, DBL_MAX};
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++)
        check_lemma(eps[i]);
    bht_lemma_a1_bounds b;
    cr_assert_eq(bht_lemma_a1(-1e-300, &b), BHT_E_INVALID);
    cr_assert_eq(bht_lemma_a1(NAN, &b), BHT_E_NONFINITE);
    cr_assert_eq(bht_lemma_a1(INFINITY, &b), BHT_E_NONFINITE);
    cr_assert_eq(bht_oracle_lemma_a1(-1.0, &b, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_lemma_a1(0.0, &b), BHT_OK);
    cr_assert(same_bits(b.h2max, 0.0) && same_bits(b.tvmax, 0.0));
    cr_assert_eq(bht_lemma_a1(DBL_MAX, &b), BHT_OK);
    cr_assert(same_bits(b.h2max, 1.0) && same_bits(b.tvmax, 1.0));
}

Test(lemma_a1, ten_thousand_log_uniform_eps, .timeout = 300)
{
    test_rng rng = {2718};
    double worst = 0.0;
    for (int k = 0; k < 10000; k++) {
        double eps = pow(10.0, test_rng_uniform(&rng, -300.0, 2.5));
        worst = fmax(worst, check_lemma(eps));
    }
    fprintf(stderr, "lemma A.1: 10000 eps in [1e-300, 316], max error %.3g ulp (budget %.0f)\n",
            worst, LEMMA_ULP_BUDGET);
}

/* -------------------------------------------------------- property tests */

/* H^2 <= TV <= sqrt(2) H for correctly rounded H^2, H, TV.  Rounding is
 * monotone, so RN(H^2) <= RN(TV) is exact; for the right side, H >= RN(H)
 * (1 - 2^-53) and the product is bounded in MPFR with directed rounding.
 * factor is sqrt(2) for the paper's statement. */
static bool sandwich_holds(const bht_distances *o, double factor)
{
    if (!(o->hellinger2 <= o->tv))
        return false;
    mpfr_t rhs;
    mpfr_init2(rhs, 200);
    mpfr_set_d(rhs, factor, MPFR_RNDD);
    mpfr_sqrt(rhs, rhs, MPFR_RNDD); /* factor is given squared: sqrt(2) from 2 */
    mpfr_mul_d(rhs, rhs, o->hellinger, MPFR_RNDD);
    mpfr_mul_d(rhs, rhs, 1.0 - 0x1p-53, MPFR_RNDD);
    bool ok = mpfr_cmp_d(rhs, o->tv) >= 0 || o->tv <= factor * o->hellinger * 0.0;
    mpfr_clear(rhs);
    return ok;
}

Test(properties, hellinger_tv_sandwich_on_ten_thousand_pairs, .timeout = 600)
{
    test_rng rng = {1618};
    double p[64], q[64];
    for (int k = 0; k < 10000; k++) {
        size_t n = test_rng_int(&rng, 1, 64);
        random_distribution(&rng, n, p, k % 4);
        if (k % 2)
            random_distribution(&rng, n, q, (k / 2) % 4);
        else
            perturbed(&rng, n, p, q, pow(10.0, -test_rng_uniform(&rng, 0.0, 12.0)));
        bht_distances o;
        cr_assert_eq(bht_oracle_distance(n, p, q, &o, NULL, NULL), BHT_OK);
        cr_assert(sandwich_holds(&o, 2.0), "pair %d: H2 %a H %a TV %a", k, o.hellinger2,
                  o.hellinger, o.tv);
    }
}

/* The checker must be able to fail: with TV <= 1 * H (factor^2 = 1) some
 * instance violates it (two-point distributions far apart do). */
Test(properties, sandwich_checker_rejects_a_wrong_constant)
{
    const double p[2] = {1.0, 0.0}, q[2] = {0.5, 0.5};
    bht_distances o;
    cr_assert_eq(bht_oracle_distance(2, p, q, &o, NULL, NULL), BHT_OK);
    cr_assert(sandwich_holds(&o, 2.0));
    cr_assert_not(sandwich_holds(&o, 0.25), "TV <= H/2 must fail here");
}

/* P = softmax(a), Q = softmax(b), b - a in {0, eps}^n: H^2 <= h2max and
 * TV <= tvmax, everything correctly rounded by the oracles (monotone
 * rounding keeps the comparison exact).  scale_bound lets the helper test
 * tighten the bound to show the check can fail. */
static bool lemma_a1_holds(size_t n, const double *a, const double *b, double eps,
                           double scale_bound)
{
    double p[16], q[16];
    cr_assert_eq(bht_oracle_softmax_logits(n, a, p, NULL, NULL), BHT_OK);
    cr_assert_eq(bht_oracle_softmax_logits(n, b, q, NULL, NULL), BHT_OK);
    bht_distances o;
    bht_lemma_a1_bounds bound;
    cr_assert_eq(bht_oracle_distance(n, p, q, &o, NULL, NULL), BHT_OK);
    cr_assert_eq(bht_oracle_lemma_a1(eps, &bound, NULL, NULL), BHT_OK);
    /* p, q are rounded: allow the distance computed from them a relative
     * 2^-40 slack (their rounding moves H^2 by far less for eps >= 1e-6). */
    return o.hellinger2 <= scale_bound * bound.h2max * (1 + 0x1p-40)
           && o.tv <= scale_bound * bound.tvmax * (1 + 0x1p-40);
}

Test(properties, lemma_a1_on_ten_thousand_random_configurations, .timeout = 600)
{
    test_rng rng = {1234};
    for (int k = 0; k < 10000; k++) {
        size_t n = test_rng_int(&rng, 1, 16);
        double a[16], b[16];
        double eps = pow(10.0, test_rng_uniform(&rng, -6.0, 1.5));
        for (size_t i = 0; i < n; i++) {
            a[i] = 5.0 * test_rng_normal(&rng);
            b[i] = a[i] + ((test_rng_next(&rng) & 1) ? eps : 0.0);
            b[i] = a[i] + (b[i] - a[i]); /* b - a exactly 0 or RN(eps) */
        }
        cr_assert(lemma_a1_holds(n, a, b, eps, 1.0), "configuration %d (n %zu, eps %a)", k, n,
                  eps);
    }
}

/* The extremal configuration of the proof, s = t e^{-eps/2}: a = (-eps/2, 0),
 * b = (eps/2, 0) attains both closed forms (so the lemma is a bound with
 * equality there, not an identity for all a, b), and a bound halved fails. */
Test(properties, lemma_a1_extremal_configuration_attains_the_bound)
{
    for (double eps = 0.5; eps <= 20.0; eps *= 1.5) {
        const double a[2] = {-eps / 2, 0.0}, b[2] = {eps / 2, 0.0};
        double p[2], q[2];
        cr_assert_eq(bht_oracle_softmax_logits(2, a, p, NULL, NULL), BHT_OK);
        cr_assert_eq(bht_oracle_softmax_logits(2, b, q, NULL, NULL), BHT_OK);
        bht_distances o;
        bht_lemma_a1_bounds bound;
        cr_assert_eq(bht_oracle_distance(2, p, q, &o, NULL, NULL), BHT_OK);
        cr_assert_eq(bht_oracle_lemma_a1(eps, &bound, NULL, NULL), BHT_OK);
        cr_assert(fabs(o.hellinger2 / bound.h2max - 1) < 0x1p-40, "eps %g: H2 %a vs %a", eps,
                  o.hellinger2, bound.h2max);
        cr_assert(fabs(o.tv / bound.tvmax - 1) < 0x1p-40, "eps %g", eps);
        cr_assert_not(lemma_a1_holds(2, a, b, eps, 0.5), "halved bound must fail, eps %g", eps);
    }
}

/* H^2 can be an exact rounding tie although square roots are irrational:
 * with disjoint supports every term is p_i or q_i exactly. */
Test(distance_special, exact_tie_with_disjoint_supports)
{
    const double p[3] = {1.0, 0.0, 0.0}, q[3] = {0.0, 1.0 - 0x1p-53, 0.0};
    bht_distances o, k;
    cr_assert_eq(bht_oracle_distance(3, p, q, &o, NULL, NULL), BHT_OK);
    /* H^2 = (1 + 1 - 2^-53)/2 = 1 - 2^-54: the tie between 1 - 2^-53 and 1 goes to 1 */
    cr_assert(same_bits(o.hellinger2, 1.0), "H2 %a", o.hellinger2);
    cr_assert_eq(bht_distance(3, p, q, &k), BHT_OK);
    cr_assert_leq(bht_ulp_error(k.hellinger2, o.hellinger2), DISTANCE_ULP_BUDGET);
}
