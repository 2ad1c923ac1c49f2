/* test_distance.c: Hellinger / TV kernels and Lemma A.1 closed forms against
 * their MPFR oracles, plus the paper's inequalities as property tests, and
 * the hazard generators of issue 12 (named, seeded; each prints "hazard
 * distance ..." or "hazard lemma_a1 ..." with its instances, max ulp,
 * instances over budget and refusals).  Budgets: 1 ulp for H^2, H, TV and
 * the closed forms (bht.h); no finite non-negative input is refused. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <mpfr.h>
#include "harness.h"
#include "oracle/oracle_internal.h"

#define DISTANCE_ULP_BUDGET 1.0
#define LEMMA_ULP_BUDGET 1.0

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

/* ---------------------------------------------------- regressions (issue 12) */

/* Finding 1: H was the square root of the already rounded subnormal H^2
 * (off by up to 3.7e13 ulp).  Terms (sqrt p - sqrt q)^2 summing below
 * 2^-1022: tiny entries that differ, beside equal large ones. */
Test(distance_regressions, hellinger_of_a_subnormal_h2)
{
    const double p[2] = {0x1p-1000, 1 - 0x1p-1000}, q[2] = {0x1.00001p-1000, 1 - 0x1.00001p-1000};
    check_distance(2, p, q, "2^-1000 (1 + 2^-20) against 2^-1000");
    bht_distances k;
    cr_assert_eq(bht_distance(2, p, q, &k), BHT_OK);
    cr_assert(k.hellinger2 < 0x1p-1022 && k.hellinger2 > 0.0, "H2 %a is subnormal", k.hellinger2);
    /* H^2 below half the least subnormal: H^2 = 0 but H is about 2^-538 */
    const double a[2] = {0x1p-1074, 0.5}, b[2] = {0.0, 0.5};
    check_distance(2, a, b, "2^-1074 against 0");
    cr_assert_eq(bht_distance(2, a, b, &k), BHT_OK);
    cr_assert(k.hellinger2 == 0.0 && k.hellinger == 0x1.6a09e667f3bcdp-538, "H %a", k.hellinger);
    /* both entries subnormal, differing by one unit */
    const double c[3] = {0x1p-1073, 0x1p-1074, 0.25}, d[3] = {0x1p-1074, 0x1p-1073, 0.25};
    check_distance(3, c, d, "subnormals swapped");
}

/* Entries above 2^990 were refused (BHT_E_RANGE); every finite entry is
 * accepted now, with +inf where the correctly rounded result overflows. */
Test(distance_regressions, huge_entries_are_accepted)
{
    const double p[3] = {DBL_MAX, 0x1p991, 0.0}, q[3] = {0.5 * DBL_MAX, 0x1p-1074, 1.0};
    check_distance(3, p, q, "DBL_MAX and 2^991");
    const double a[3] = {DBL_MAX, DBL_MAX, 0.0}, b[3] = {0.0, 0.0, DBL_MAX};
    check_distance(3, a, b, "sums beyond DBL_MAX");
    bht_distances k;
    cr_assert_eq(bht_distance(3, a, b, &k), BHT_OK);
    cr_assert(isinf(k.hellinger2) && isinf(k.tv) && isfinite(k.hellinger));
}

/* The distribution check decides |sum - 1| <= n 2^-52 exactly (the sum was
 * a double-double before). */
Test(distance_regressions, distribution_check_is_exact_at_the_tolerance)
{
    /* n = 4: sum = 1 + 4 2^-52 exactly (accepted), then + 2^-1074 (refused) */
    double p[4] = {0.5, 0.25, 0.25 + 0x1p-50, 0.0};
    size_t at;
    double sum;
    cr_assert_eq(bht_check_distribution(4, p, &at, &sum), BHT_OK);
    p[3] = 0x1p-1074;
    cr_assert_eq(bht_check_distribution(4, p, &at, &sum), BHT_E_INVALID);
    cr_assert_eq(at, 4);
    cr_assert_eq(sum, 1.0 + 0x1p-50);
    double m[4] = {0.5, 0.25, 0.25 - 0x1p-50, 0.0};
    cr_assert_eq(bht_check_distribution(4, m, &at, &sum), BHT_OK);
    m[3] = -0.0;
    cr_assert_eq(bht_check_distribution(4, m, &at, &sum), BHT_OK);
    m[2] = nextafter(m[2], 0.0);
    cr_assert_eq(bht_check_distribution(4, m, &at, &sum), BHT_E_INVALID);
}

/* ------------------------------------------------------ hazard generators */

/* Each generator fills p, q (length n) and is checked against the oracle;
 * failures are counted, not fatal at once, so that the same source run
 * against an older kernel reports what each generator finds.  One line per
 * family:
 *   hazard distance <family>: N instances, max U ulp, O over budget, R refused
 * (build/tests/distance/test_distance --filter 'distance_hazards/' + '*'). */

enum { HZ_MAX_N = 1 << 18 };

typedef struct hazard_stats {
    const char *family;
    size_t instances, over_budget, refusals, verdicts, accepted, wrong_verdicts;
    double max_ulp;
    char first[256];
} hazard_stats;

static void hazard_note(hazard_stats *st, const char *fmt, size_t k, double a, double b)
{
    if (st->first[0] == '\0')
        snprintf(st->first, sizeof st->first, fmt, k, a, b);
}

static void hazard_distance(hazard_stats *st, size_t k, size_t n, const double *p,
                            const double *q)
{
    st->instances++;
    bht_distances kd, od;
    bht_status s = bht_distance(n, p, q, &kd);
    bht_status so = bht_oracle_distance(n, p, q, &od, NULL, NULL);
    cr_assert_eq(so, BHT_OK, "%s instance %zu: oracle: %s", st->family, k,
                 bht_status_message(so));
    if (s != BHT_OK) {
        st->refusals++;
        hazard_note(st, "instance %zu refused (%g %g)", k, 0.0, 0.0);
        return;
    }
    const double got[3] = {kd.hellinger2, kd.hellinger, kd.tv};
    const double want[3] = {od.hellinger2, od.hellinger, od.tv};
    for (int t = 0; t < 3; t++) {
        double e = bht_ulp_error(got[t], want[t]);
        st->max_ulp = fmax(st->max_ulp, e);
        if (e > DISTANCE_ULP_BUDGET) {
            st->over_budget++;
            hazard_note(st, "instance %zu: output %a, oracle %a", k, got[t], want[t]);
            return;
        }
    }
}

/* bht_check_distribution's verdict against the exact MPFR sum. */
static void hazard_verdict(hazard_stats *st, size_t k, size_t n, const double *p)
{
    mpfr_t sum, tol;
    mpfr_inits2(2400, sum, tol, (mpfr_ptr)0);
    mpfr_set_zero(sum, 1);
    bool negative = false;
    for (size_t i = 0; i < n; i++) {
        mpfr_add_d(sum, sum, p[i], MPFR_RNDN); /* exact at 2400 bits */
        negative |= p[i] < 0.0;
    }
    mpfr_sub_ui(sum, sum, 1, MPFR_RNDN);
    mpfr_abs(sum, sum, MPFR_RNDN);
    mpfr_set_ui(tol, (unsigned long)n, MPFR_RNDN);
    mpfr_mul_2si(tol, tol, -52, MPFR_RNDN);
    bool ok = !negative && mpfr_cmp(sum, tol) <= 0;
    mpfr_clears(sum, tol, (mpfr_ptr)0);
    bht_status s = bht_check_distribution(n, p, NULL, NULL);
    st->verdicts++;
    st->accepted += ok;
    if ((s == BHT_OK) != ok) {
        st->wrong_verdicts++;
        hazard_note(st, "instance %zu: wrong verdict (%g, expected %g)", k,
                    (double)(s == BHT_OK), (double)ok);
    }
}

static bool hazard_report(const char *kernel, const hazard_stats *st, char *failed,
                          size_t size)
{
    fprintf(stderr, "hazard %s %s: %zu instances, max %.3g ulp, %zu over budget, %zu refused",
            kernel, st->family, st->instances, st->max_ulp, st->over_budget, st->refusals);
    if (st->verdicts)
        fprintf(stderr, ", %zu distribution verdicts (%zu accept; %zu wrong)", st->verdicts,
                st->accepted, st->wrong_verdicts);
    fprintf(stderr, "\n");
    bool ok = st->over_budget == 0 && st->refusals == 0 && st->wrong_verdicts == 0;
    if (!ok && failed[0] == '\0')
        snprintf(failed, size, "%s: %s", st->family, st->first);
    return ok;
}

static double rng_sign(test_rng *r)
{
    return (test_rng_next(r) & 1) ? -1.0 : 1.0;
}

static double ulps_away(double x, int k)
{
    for (; k > 0 && x < DBL_MAX; k--) /* never beyond the finite range */
        x = nextafter(x, INFINITY);
    for (; k < 0 && x > -DBL_MAX; k++)
        x = nextafter(x, 0.0);
    return x;
}

/* 2^e (1 + u) for e in [lo, hi] (subnormal when e < -1022). */
static double tiny_or_huge(test_rng *r, int lo, int hi)
{
    return ldexp(1.0 + test_rng_unit(r), (int)test_rng_int(r, 0, (size_t)(hi - lo)) + lo);
}

/* subnormal_h2: a distribution p; q = p except 1..3 entries that are tiny
 * (2^-1074 ... 2^-950) and differ by a relative 2^-30 ... 1, or are 0
 * against a tiny entry: H^2 subnormal or below 2^-1075, H about 2^-540. */
static size_t gen_subnormal_h2(test_rng *r, double *p, double *q)
{
    size_t n = test_rng_int(r, 2, 64);
    random_distribution(r, n, p, 0);
    memcpy(q, p, n * sizeof *p);
    size_t changes = test_rng_int(r, 1, 3);
    for (size_t c = 0; c < changes; c++) {
        size_t i = test_rng_int(r, 0, n - 1);
        double t = tiny_or_huge(r, -1074, -950);
        p[i] = t;
        switch (test_rng_next(r) % 3) {
        case 0: q[i] = t * (1.0 + ldexp(test_rng_unit(r), -(int)test_rng_int(r, 0, 30))); break;
        case 1: q[i] = 0.0; break;
        default: q[i] = ulps_away(t, (int)test_rng_int(r, 1, 4)); break;
        }
    }
    return n;
}

/* one_ulp_apart: q_i = p_i moved by 1..3 ulps on a random subset (both
 * directions; the subnormal and normal ranges). */
static size_t gen_one_ulp_apart(test_rng *r, double *p, double *q)
{
    size_t n = test_rng_int(r, 1, 64);
    random_distribution(r, n, p, (int)(test_rng_next(r) % 4));
    for (size_t i = 0; i < n; i++) {
        q[i] = p[i];
        if (test_rng_next(r) % 2)
            q[i] = ulps_away(p[i], (int)test_rng_int(r, 1, 3) * (int)rng_sign(r));
    }
    return n;
}

/* mixed_scales: raw non-negative vectors with entries 2^-1074 ... 1, zeros
 * and pairs that differ in the last bits or by orders of magnitude. */
static size_t gen_mixed_scales(test_rng *r, double *p, double *q)
{
    size_t n = test_rng_int(r, 1, 64);
    for (size_t i = 0; i < n; i++) {
        p[i] = tiny_or_huge(r, -1074, -1);
        switch (test_rng_next(r) % 4) {
        case 0: q[i] = tiny_or_huge(r, -1074, -1); break;
        case 1: q[i] = ulps_away(p[i], (int)test_rng_int(r, 1, 2)); break;
        case 2: q[i] = p[i]; break;
        default: q[i] = 0.0; break;
        }
    }
    return n;
}

/* equal_but_one: P = Q except one entry (a factor, one ulp, or a tiny entry
 * against 0). */
static size_t gen_equal_but_one(test_rng *r, double *p, double *q)
{
    size_t n = test_rng_int(r, 1, 64);
    random_distribution(r, n, p, (int)(test_rng_next(r) % 4));
    memcpy(q, p, n * sizeof *p);
    size_t i = test_rng_int(r, 0, n - 1);
    switch (test_rng_next(r) % 3) {
    case 0: q[i] = p[i] * (1.0 + test_rng_uniform(r, -0.5, 0.5)); break;
    case 1: q[i] = ulps_away(p[i], 1); break;
    default: q[i] = p[i] == 0.0 ? 0x1p-1074 : 0.0; break;
    }
    return n;
}

/* one_hot_vs_spread: p = e_k against a spread q (uniform, geometric, or
 * e_k with a tiny mass 2^-1074 ... 2^-20 spread over the others). */
static size_t gen_one_hot_vs_spread(test_rng *r, double *p, double *q)
{
    size_t n = test_rng_int(r, 1, 64), k = test_rng_int(r, 0, n - 1);
    for (size_t i = 0; i < n; i++)
        p[i] = i == k ? 1.0 : 0.0;
    switch (test_rng_next(r) % 3) {
    case 0:
        for (size_t i = 0; i < n; i++)
            q[i] = 1.0 / (double)n;
        break;
    case 1:
        random_distribution(r, n, q, 1);
        break;
    default: {
        double eps = tiny_or_huge(r, -1074, -20);
        for (size_t i = 0; i < n; i++)
            q[i] = i == k ? 1.0 - eps : eps / (double)(n > 1 ? n - 1 : 1);
        break;
    }
    }
    return n;
}

/* near_distributions: distributions whose exact sum is 1 + j 2^-52 (+
 * 2^-1074 in half of them), |j| <= n + 2: the check's tolerance n 2^-52
 * is decided exactly at both ends (j = n with the extra 2^-1074 must be
 * refused, j = -n with it accepted); the distances of such pairs. */
static size_t gen_near_distributions(test_rng *r, double *p, double *q)
{
    size_t n = test_rng_int(r, 3, 64);
    double *v[2] = {p, q};
    for (int t = 0; t < 2; t++) {
        double sum = 0.0;
        for (size_t i = 1; i + 1 < n; i++) { /* multiples of 2^-60 below 2^-20 */
            v[t][i] = ldexp((double)test_rng_int(r, 0, (size_t)1 << 40), -60);
            sum += v[t][i]; /* exact */
        }
        int j = (int)test_rng_int(r, 0, 2 * n + 4) - (int)n - 2;
        if (test_rng_next(r) % 2) /* at the tolerance itself */
            j = (test_rng_next(r) % 2) ? (int)n : -(int)n - (int)(test_rng_next(r) % 2);
        v[t][0] = (1.0 - sum) + ldexp((double)j, -52); /* exact */
        v[t][n - 1] = (test_rng_next(r) % 2) ? 0x1p-1074 : 0.0;
    }
    return n;
}

/* huge_entries: raw vectors up to DBL_MAX mixed with tiny entries (sums
 * beyond DBL_MAX give +inf, as the oracle). */
static size_t gen_huge_entries(test_rng *r, double *p, double *q)
{
    size_t n = test_rng_int(r, 1, 16);
    for (size_t i = 0; i < n; i++) {
        p[i] = (test_rng_next(r) % 3) ? tiny_or_huge(r, 900, 1023) : tiny_or_huge(r, -1074, 0);
        q[i] = (test_rng_next(r) % 2) ? ulps_away(p[i], (int)test_rng_int(r, 0, 3))
                                      : tiny_or_huge(r, -1074, 1023);
        if (test_rng_next(r) % 8 == 0)
            p[i] = DBL_MAX;
    }
    return n;
}

/* large_n: 10^4 ... 2^18 entries, a distribution against a perturbed copy
 * with tiny and one-ulp changes. */
static size_t gen_large_n(test_rng *r, double *p, double *q)
{
    size_t n = test_rng_int(r, 10000, HZ_MAX_N);
    random_distribution(r, n, p, (int)(test_rng_next(r) % 4));
    for (size_t i = 0; i < n; i++) {
        switch (test_rng_next(r) % 4) {
        case 0: q[i] = p[i]; break;
        case 1: q[i] = ulps_away(p[i], 1); break;
        case 2: q[i] = p[i] * (1.0 + ldexp(test_rng_unit(r), -30)); break;
        default: q[i] = tiny_or_huge(r, -1074, -900); break;
        }
    }
    return n;
}

typedef struct distance_family {
    const char *name;
    uint64_t seed;
    size_t instances;
    size_t (*make)(test_rng *, double *, double *);
    bool verdicts; /* also check bht_check_distribution on p and q */
} distance_family;

static const distance_family DISTANCE_FAMILIES[] = {
    {"subnormal_h2", 0xd15a0001, 4000, gen_subnormal_h2, false},
    {"one_ulp_apart", 0xd15a0002, 4000, gen_one_ulp_apart, false},
    {"mixed_scales", 0xd15a0003, 4000, gen_mixed_scales, false},
    {"equal_but_one", 0xd15a0004, 4000, gen_equal_but_one, false},
    {"one_hot_vs_spread", 0xd15a0005, 4000, gen_one_hot_vs_spread, false},
    {"near_distributions", 0xd15a0006, 4000, gen_near_distributions, true},
    {"huge_entries", 0xd15a0007, 4000, gen_huge_entries, false},
    {"large_n", 0xd15a0008, 12, gen_large_n, true},
};

Test(distance_hazards, generators, .timeout = 900)
{
    double *p = test_alloc(HZ_MAX_N), *q = test_alloc(HZ_MAX_N);
    char failed[300] = "";
    bool ok = true;
    for (size_t f = 0; f < sizeof DISTANCE_FAMILIES / sizeof DISTANCE_FAMILIES[0]; f++) {
        const distance_family *fam = &DISTANCE_FAMILIES[f];
        test_rng rng = {fam->seed};
        hazard_stats st = {.family = fam->name};
        for (size_t k = 0; k < fam->instances; k++) {
            size_t n = fam->make(&rng, p, q);
            hazard_distance(&st, k, n, p, q);
            if (fam->verdicts) {
                hazard_verdict(&st, k, n, p);
                hazard_verdict(&st, k, n, q);
            }
        }
        ok &= hazard_report("distance", &st, failed, sizeof failed);
    }
    free(p);
    free(q);
    cr_assert(ok, "%s", failed);
}

/* n = 2^22 (the error bound grows with n; BHT_DISTANCE_MAX_N = 2^28 is
 * covered by the same bound, 3n u^2 < 2^-76): a distribution against a
 * copy with one-ulp, relative 2^-30 and tiny changes. */
Test(distance_hazards, n_2_pow_22, .timeout = 900)
{
    size_t n = (size_t)1 << 22;
    double *p = test_alloc(n), *q = test_alloc(n);
    test_rng rng = {0xd15a0009};
    hazard_stats st = {.family = "n_2_pow_22"};
    random_distribution(&rng, n, p, 1);
    for (size_t i = 0; i < n; i++)
        q[i] = (i % 3 == 0) ? ulps_away(p[i], 1) : (i % 3 == 1) ? p[i] * (1.0 + 0x1p-30) : p[i];
    hazard_distance(&st, 0, n, p, q);
    hazard_verdict(&st, 0, n, p);
    free(p);
    free(q);
    char failed[300] = "";
    cr_assert(hazard_report("distance", &st, failed, sizeof failed), "%s", failed);
}

/* ---- Lemma A.1 */

static void hazard_lemma(hazard_stats *st, size_t k, double eps)
{
    st->instances++;
    bht_lemma_a1_bounds kb, ob;
    bht_status s = bht_lemma_a1(eps, &kb);
    cr_assert_eq(bht_oracle_lemma_a1(eps, &ob, NULL, NULL), BHT_OK, "eps %a: oracle", eps);
    if (s != BHT_OK) {
        st->refusals++;
        hazard_note(st, "instance %zu (eps %a) refused%g", k, eps, 0.0);
        return;
    }
    double e = fmax(bht_ulp_error(kb.h2max, ob.h2max), bht_ulp_error(kb.tvmax, ob.tvmax));
    st->max_ulp = fmax(st->max_ulp, e);
    if (e > LEMMA_ULP_BUDGET) {
        st->over_budget++;
        hazard_note(st, "instance %zu: eps %a, error %g ulp", k, eps, e);
    }
}

/* Smallest double eps in [lo, hi] whose correctly rounded closed form
 * (h2max when which == 0, tvmax otherwise) is 1, by bisection on the
 * oracle (both forms increase with eps). */
static double rounds_to_one_from(double lo, double hi, int which)
{
    while (nextafter(lo, INFINITY) < hi) {
        double mid = lo + (hi - lo) / 2;
        bht_lemma_a1_bounds ob;
        cr_assert_eq(bht_oracle_lemma_a1(mid, &ob, NULL, NULL), BHT_OK);
        if ((which == 0 ? ob.h2max : ob.tvmax) == 1.0)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

Test(lemma_a1_hazards, generators, .timeout = 900)
{
    char failed[300] = "";
    bool ok = true;
    test_rng rng = {0x1e3a0001};
    /* cutoffs: 2^-60 (Taylor branch), 80 (tvmax = 1), 160 (h2max = 1), and
     * 0.25 (eps/4 = 2^-4, the expm1 series switch), +-64 ulps each and
     * uniform in a window around each */
    {
        hazard_stats st = {.family = "cutoffs"};
        const double cut[] = {0x1p-60, 80.0, 160.0, 0.25};
        for (size_t c = 0; c < sizeof cut / sizeof cut[0]; c++) {
            for (int k = -64; k <= 64; k++)
                hazard_lemma(&st, (size_t)(k + 64), ulps_away(cut[c], k));
            for (size_t k = 0; k < 1000; k++)
                hazard_lemma(&st, k, cut[c] * test_rng_uniform(&rng, 0.9, 1.1));
        }
        ok &= hazard_report("lemma_a1", &st, failed, sizeof failed);
    }
    /* rounds_to_one: the first eps where tvmax (about 76.25) and h2max
     * (about 152.5) round to 1, found on the oracle, +-64 ulps, and a
     * window of 2 around each */
    {
        hazard_stats st = {.family = "rounds_to_one"};
        const double edge[2] = {rounds_to_one_from(70.0, 80.0, 1),
                                rounds_to_one_from(140.0, 160.0, 0)};
        for (int c = 0; c < 2; c++) {
            for (int k = -64; k <= 64; k++)
                hazard_lemma(&st, (size_t)(k + 64), ulps_away(edge[c], k));
            for (size_t k = 0; k < 1000; k++)
                hazard_lemma(&st, k, edge[c] + test_rng_uniform(&rng, -1.0, 1.0));
        }
        fprintf(stderr, "lemma_a1: tvmax rounds to 1 from eps = %a, h2max from %a\n", edge[0],
                edge[1]);
        ok &= hazard_report("lemma_a1", &st, failed, sizeof failed);
    }
    /* subnormal_eps: every subnormal binade, both ends, random subnormals,
     * and eps with eps/4 on a subnormal tie (odd multiples of 2^-1073) */
    {
        hazard_stats st = {.family = "subnormal_eps"};
        for (int e = -1074; e <= -1022; e++) {
            hazard_lemma(&st, (size_t)(e + 1074), ldexp(1.0, e));
            hazard_lemma(&st, (size_t)(e + 1074), nextafter(ldexp(1.0, e), 0.0));
        }
        for (size_t k = 0; k < 2000; k++) {
            hazard_lemma(&st, k, ldexp((double)test_rng_int(&rng, 1, (size_t)1 << 52), -1074));
            hazard_lemma(&st, k, ldexp((double)(2 * test_rng_int(&rng, 0, 1000) + 1), -1073));
        }
        ok &= hazard_report("lemma_a1", &st, failed, sizeof failed);
    }
    /* log_uniform: eps = 2^u, u uniform in [-1074, 1024) (up to DBL_MAX) */
    {
        hazard_stats st = {.family = "log_uniform"};
        for (size_t k = 0; k < 10000; k++) {
            double eps = ldexp(1.0 + test_rng_unit(&rng), (int)test_rng_int(&rng, 0, 2097) - 1074);
            hazard_lemma(&st, k, eps);
        }
        ok &= hazard_report("lemma_a1", &st, failed, sizeof failed);
    }
    cr_assert(ok, "%s", failed);
}
