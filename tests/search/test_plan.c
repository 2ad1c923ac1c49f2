/* test_plan.c: the query planner's bracket and the test simulation.
 * delta_upper must dominate H at every admissible query (sampled), the
 * simulated error must be consistent with the Bayes-error bracket computed
 * from H, and m = queries_upper must indeed reach the target error. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include "harness.h"

#define MAX_N 10
#define MAX_D 3

typedef struct models {
    size_t n, d;
    double A[MAX_N * MAX_D], B[MAX_N * MAX_D];
} models;

static void random_models(test_rng *rng, models *m, double closeness)
{
    m->n = test_rng_int(rng, 2, MAX_N);
    m->d = test_rng_int(rng, 1, MAX_D);
    for (size_t k = 0; k < m->n * m->d; k++) {
        m->A[k] = test_rng_normal(rng);
        m->B[k] = m->A[k] + closeness * test_rng_normal(rng);
    }
}

Test(plan, bracket_contains_every_sampled_query, .timeout = 300)
{
    test_rng rng = {1212};
    for (int k = 0; k < 40; k++) {
        models m;
        random_models(&rng, &m, 0.2);
        double energy = test_rng_uniform(&rng, 0.1, 3.0), query[MAX_D];
        bht_plan_result r;
        cr_assert_eq(bht_plan_softmax(m.n, m.d, m.A, m.B, energy, 1.0 / 3.0, query, &r), BHT_OK);
        cr_assert_leq(r.delta_lower, r.delta_upper, "instance %d", k);
        cr_assert_eq(bht_check_energy(m.d, query, energy, NULL), BHT_OK, "query outside the ball");
        bht_distances at;
        cr_assert_eq(bht_oracle_distance_softmax(m.n, m.d, m.A, m.B, query, &at, NULL, NULL),
                     BHT_OK);
        cr_assert_leq(r.delta_lower, at.hellinger, "delta_lower is H at the query, rounded down");
        for (int s = 0; s < 200; s++) {
            double x[MAX_D], norm = 0.0;
            for (size_t j = 0; j < m.d; j++) {
                x[j] = test_rng_normal(&rng);
                norm += x[j] * x[j];
            }
            double radius = energy * test_rng_unit(&rng) / sqrt(norm) * (1 - 0x1p-40);
            for (size_t j = 0; j < m.d; j++)
                x[j] *= radius;
            cr_assert_eq(bht_oracle_distance_softmax(m.n, m.d, m.A, m.B, x, &at, NULL, NULL),
                         BHT_OK);
            cr_assert_leq(at.hellinger, r.delta_upper, "instance %d: H %a above delta_upper %a",
                          k, at.hellinger, r.delta_upper);
        }
        cr_assert_leq(r.queries_lower, r.queries_upper);
    }
}

Test(plan, simulation_is_deterministic_and_inside_the_bayes_bracket, .timeout = 300)
{
    test_rng rng = {3434};
    for (int k = 0; k < 8; k++) {
        models m;
        random_models(&rng, &m, 0.3);
        double x[MAX_D];
        for (size_t j = 0; j < m.d; j++)
            x[j] = test_rng_normal(&rng);
        unsigned long queries = (unsigned long)test_rng_int(&rng, 1, 60);
        bht_simulation a, b;
        cr_assert_eq(bht_simulate_softmax(m.n, m.d, m.A, m.B, x, queries, 4000, 99, &a), BHT_OK);
        cr_assert_eq(bht_simulate_softmax(m.n, m.d, m.A, m.B, x, queries, 4000, 99, &b), BHT_OK);
        cr_assert(a.error_rate == b.error_rate && a.ci_lower == b.ci_lower, "not deterministic");
        cr_assert_leq(a.bayes_lower, a.bayes_upper);
        /* the LR test is the Bayes test for equal priors: its error lies in the bracket */
        cr_assert(a.ci_upper >= a.bayes_lower && a.ci_lower <= a.bayes_upper,
                  "instance %d (m %lu): simulated [%g, %g] vs bracket [%g, %g]", k, queries,
                  a.ci_lower, a.ci_upper, a.bayes_lower, a.bayes_upper);
    }
}

Test(plan, queries_upper_reaches_the_target_error, .timeout = 300)
{
    test_rng rng = {5656};
    for (int k = 0; k < 4; k++) {
        models m;
        random_models(&rng, &m, 0.5);
        double query[MAX_D];
        bht_plan_result r;
        cr_assert_eq(bht_plan_softmax(m.n, m.d, m.A, m.B, 2.0, 1.0 / 3.0, query, &r), BHT_OK);
        if (r.queries_upper > 2000)
            continue;
        bht_simulation s;
        cr_assert_eq(bht_simulate_softmax(m.n, m.d, m.A, m.B, query,
                                          (unsigned long)r.queries_upper, 2000, 5, &s), BHT_OK);
        cr_assert_leq(fmax(s.error_under_a, s.error_under_b), 1.0 / 3.0,
                      "instance %d: m = %.0f gives errors %g, %g", k, r.queries_upper,
                      s.error_under_a, s.error_under_b);
    }
}

Test(plan, rejects_bad_inputs)
{
    const double A[2] = {1.0, 2.0}, B[2] = {1.0, NAN};
    double q[1];
    bht_plan_result r;
    bht_simulation s;
    cr_assert_eq(bht_plan_softmax(2, 1, A, B, 1.0, 1.0 / 3.0, q, &r), BHT_E_NONFINITE);
    cr_assert_eq(bht_plan_softmax(2, 1, A, A, 1.0, 0.5, q, &r), BHT_E_INVALID);
    cr_assert_eq(bht_plan_softmax(2, 1, A, A, -1.0, 0.25, q, &r), BHT_E_INVALID);
    cr_assert_eq(bht_simulate_softmax(2, 1, A, A, q, 0, 10, 1, &s), BHT_E_INVALID);
}

Test(plan, wilson_interval_contains_the_rate_at_the_extremes)
{
    /* found by tests/fuzz/fuzz_sup.c (regressions/sup-wilson-interval-off-
     * zero-rate): with no errors the rounded Wilson lower end came out
     * 2^-55 > rate = 0.  Far-apart models: the test never errs. */
    const double A[4] = {40.0, 0.0, 0.0, 40.0}, B[4] = {0.0, 40.0, 40.0, 0.0};
    const double x[2] = {1.0, 0.0};
    for (unsigned long trials = 1; trials <= 64; trials++) {
        bht_simulation s;
        cr_assert_eq(bht_simulate_softmax(2, 2, A, B, x, 3, trials, 7, &s), BHT_OK);
        cr_assert(s.error_rate == 0.0, "rate %a", s.error_rate);
        cr_assert(s.ci_lower == 0.0 && s.ci_upper > 0.0 && s.ci_upper <= 1.0,
                  "trials %lu: [%a, %a]", trials, s.ci_lower, s.ci_upper);
    }
}

Test(plan, tiny_energies_end_with_an_admissible_query, .timeout = 120)
{
    /* found by tests/fuzz/fuzz_sup.c (regressions/sup-plan-endless-shrink-
     * tiny-energy): the loop that shrinks a query into the ball by factors
     * 1 - 2^-50 never ended when the query's entries were subnormal (the
     * product rounds back to the entry).  The same loop in nu_sup.c. */
    const double energies[] = {0x1p-1074, 0x1.8p-1073, 0x1.5p-1060, 0x1.fffp-1030, 0x1p-1022};
    const double A[6] = {1.0, -2.0, 0.5, 3.0, -1.0, 0.25};
    const double B[6] = {-1.0, 2.0, 1.5, -3.0, 1.0, 0.75};
    for (size_t e = 0; e < sizeof energies / sizeof energies[0]; e++)
        for (size_t d = 1; d <= 3; d++) {
            size_t n = 6 / d;
            double query[3];
            bht_plan_result plan;
            cr_assert_eq(bht_plan_softmax(n, d, A, B, energies[e], 1.0 / 3.0, query, &plan),
                         BHT_OK);
            cr_assert_eq(bht_check_energy(d, query, energies[e], NULL), BHT_OK);
            cr_assert(plan.delta_lower <= plan.delta_upper);
            bht_sup_options options = {0.01, 200, NULL, NULL, 0, NULL};
            bht_sup_result sup;
            cr_assert_eq(bht_nu_softmax_sup(n, d, A, B, energies[e], &options, query, &sup),
                         BHT_OK);
            cr_assert_eq(bht_check_energy(d, query, energies[e], NULL), BHT_OK);
            cr_assert(sup.nu_lower >= 0.0 && sup.nu_lower <= sup.nu_upper);
        }
}

Test(plan, subnormal_energy_with_a_far_direction_ends, .timeout = 60)
{
    /* found by tests/fuzz/fuzz_sup.c (regressions/sup-plan-slow-shrink-
     * subnormal-energy): the search direction B_1 - B_2 ~ 2^43 scaled to
     * E ~ 2^-1041 by a factor that underflowed, leaving ||x|| ~ 2^33 E; the
     * shrink by 1 - 2^-50 per pass then needed ~2^55 passes */
    const double A[4] = {0x1p-1022, 0x1p-1022, 0.0, 0x1.f6p-28};
    const double B[4] = {-0x1.e58p+42, -0x1.fp-12, 0x1.bcp-17, 0x1.f24ffp-28};
    const double energy = 0x0.00000c4fffaffp-1022;
    double query[2];
    bht_plan_result plan;
    cr_assert_eq(bht_plan_softmax(2, 2, A, B, energy, 1.0 / 3.0, query, &plan), BHT_OK);
    cr_assert_eq(bht_check_energy(2, query, energy, NULL), BHT_OK);
    cr_assert(plan.delta_lower <= plan.delta_upper);
}

/* ------------------------------------------------- hazard generators */
#include "sup_hazards.h"

#define HAZARD_TEST(test, generator, count)                                                 \
    Test(plan_hazards, test, .timeout = 600)                                                \
    {                                                                                       \
        hz_report rep;                                                                      \
        cr_assert(hz_sweep_named(generator, 3000, count, 1, &rep), "%s", rep.text);         \
    }

HAZARD_TEST(same_model, "softmax-plan/same-model", 40)
HAZARD_TEST(rounded_shift, "softmax-plan/rounded-shift", 40)
HAZARD_TEST(invariance_pair, "softmax-plan/invariance-pair", 40)
HAZARD_TEST(ties, "softmax-plan/ties", 40)
HAZARD_TEST(extreme_magnitudes, "softmax-plan/extreme-magnitudes", 40)
HAZARD_TEST(simulation_exact_reference, "softmax-sim/exact-reference", 120)

Test(plan_hazards, the_same_model_written_differently_has_delta_zero)
{
    /* found by softmax-plan/same-model: B = A + 1 w^T exactly has H == 0,
     * but the bound 1 - sech(0) = 0 was stepped up to 2^-1074, so
     * delta_upper = 2^-537 and queries_lower finite; now [0, 0] */
    const double A[6] = {0.5, -1.25, 2.0, 0.75, -0.5, 1.5};
    double B[6], query[2];
    for (size_t i = 0; i < 3; i++) {
        B[i * 2] = A[i * 2] + 0x1p30;
        B[i * 2 + 1] = A[i * 2 + 1] - 3.0;
    }
    bht_plan_result r;
    cr_assert_eq(bht_plan_softmax(3, 2, A, B, 2.0, 1.0 / 3.0, query, &r), BHT_OK);
    cr_assert(r.delta_lower == 0.0 && r.delta_upper == 0.0, "[%a, %a]", r.delta_lower,
              r.delta_upper);
    cr_assert(isinf(r.queries_lower) && isinf(r.queries_upper));
}

Test(plan_hazards, rows_far_apart_are_planned_not_rejected)
{
    /* found by softmax-plan/extreme-magnitudes: rows of B - A 2^1025 apart
     * made the width bound E * spread overflow in double and the planner
     * answered BHT_E_NONFINITE ("input contains NaN or infinity", exit 2) for
     * finite input; the search direction B_1 - B_2 - (A_1 - A_2) was +-inf.
     * The width is now formed in MPFR: H^2 <= 1, delta_upper = 1. */
    const double A[4] = {1e308, 0.0, -1e308, 1.0}, B[4] = {-1e308, 0.0, 1e308, 1.0};
    double query[2];
    bht_plan_result r;
    cr_assert_eq(bht_plan_softmax(2, 2, A, B, 1.0, 1.0 / 3.0, query, &r), BHT_OK);
    cr_assert_eq(bht_check_energy(2, query, 1.0, NULL), BHT_OK);
    cr_assert(r.delta_upper == 1.0 && r.delta_lower > 0.99, "[%a, %a]", r.delta_lower,
              r.delta_upper);
    bht_distances at;
    cr_assert_eq(bht_oracle_distance_softmax(2, 2, A, B, query, &at, NULL, NULL), BHT_OK);
    cr_assert_leq(r.delta_lower, at.hellinger);
}

Test(plan_hazards, bayes_bracket_is_directed)
{
    /* the Bayes bracket is computed from the neighbours of the oracle's H^2
     * with every MPFR step rounded outward: it contains the exact Bayes
     * error of one query, (1/2) sum min(p_i, q_i), for these near-equal
     * models (H^2 ~ 1e-20) and for far ones */
    const double A[3] = {0.0, 1.0, -2.0}, B1[3] = {0.0, 1.0 + 0x1p-32, -2.0}, B2[3] = {3, -4, 9};
    const double *Bs[2] = {B1, B2};
    const double x[1] = {1.0};
    for (int k = 0; k < 2; k++) {
        double p[3], q[3];
        cr_assert_eq(bht_oracle_softmax(3, 1, A, x, p, NULL, NULL), BHT_OK);
        cr_assert_eq(bht_oracle_softmax(3, 1, Bs[k], x, q, NULL, NULL), BHT_OK);
        double bayes = 0.0;
        for (int i = 0; i < 3; i++)
            bayes += 0.5 * fmin(p[i], q[i]);
        bht_simulation s;
        cr_assert_eq(bht_simulate_softmax(3, 1, A, Bs[k], x, 1, 10, 1, &s), BHT_OK);
        cr_assert(s.bayes_lower <= bayes * (1 + 0x1p-50) && bayes <= s.bayes_upper * (1 + 0x1p-50),
                  "model %d: %a outside [%a, %a]", k, bayes, s.bayes_lower, s.bayes_upper);
        cr_assert(s.bayes_upper <= 0.5 && s.bayes_lower >= 0.0);
    }
}
