/* test_leverage_sup.c: optimal queries and planning for the leverage model.
 * The affine enclosures must contain the oracle's values at points of the
 * box; the sup-nu and plan brackets must contain the oracle's value at every
 * sampled admissible query and be attained at the returned one; small
 * problems must reach the 1% target; the simulation must agree with the
 * planner's query counts and the Bayes bracket. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include "harness.h"
#include "leverage_sup_internal.h"

#define MAX_N 6
#define MAX_D 3

typedef struct problem {
    size_t n, d;
    double A[MAX_N * MAX_D], X[MAX_N * MAX_D];
} problem;

/* A and M ~ N(0,1) entries (objective nu), or B = A + closeness N(0,1). */
static void random_problem(test_rng *rng, problem *p, size_t n, size_t d, double closeness)
{
    p->n = n;
    p->d = d;
    for (size_t k = 0; k < n * d; k++) {
        p->A[k] = test_rng_normal(rng);
        double m = test_rng_normal(rng);
        p->X[k] = closeness > 0.0 ? p->A[k] + closeness * m : m;
    }
}

/* The oracle's objective at the query s (nu, or H^2 for two models). */
static double oracle_objective(const problem *p, int h2, const double *s)
{
    if (h2) {
        bht_distances dist;
        cr_assert_eq(bht_oracle_distance_leverage(p->n, p->d, p->A, p->X, s, &dist, NULL, NULL),
                     BHT_OK);
        return dist.hellinger2;
    }
    bht_local_result r;
    cr_assert_eq(bht_oracle_nu_leverage(p->n, p->d, p->A, p->X, s, &r, NULL, NULL, NULL),
                 BHT_OK);
    return r.nu;
}

/* A random admissible query (every fourth one a vertex of the box). */
static void random_query(test_rng *rng, size_t n, double c, double C, int vertex, double *s)
{
    for (size_t i = 0; i < n; i++) {
        double v = vertex ? (test_rng_unit(rng) < 0.5 ? c : C) : test_rng_uniform(rng, c, C);
        s[i] = sqrt(v);
        while (bht_check_leverage_query(1, s + i, c, C, NULL) != BHT_OK)
            s[i] = v <= c ? nextafter(s[i], INFINITY) : nextafter(s[i], 0.0);
    }
}

Test(leverage_sup, affine_enclosures_contain_the_oracle_values, .timeout = 300)
{
    test_rng rng = {1357};
    int checked = 0;
    for (int k = 0; k < 24; k++) {
        int h2 = k % 2;
        problem p;
        random_problem(&rng, &p, test_rng_int(&rng, 2, MAX_N), test_rng_int(&rng, 1, 2),
                       h2 ? 0.3 : 0.0);
        if (p.d > p.n)
            p.d = p.n;
        lsup_work *w = lsup_work_new(h2 ? LSUP_H2 : LSUP_NU, p.n, p.d, p.A, p.X);
        cr_assert_not_null(w);
        double lo[MAX_N], hi[MAX_N], center[MAX_N], s[MAX_N];
        double h = pow(10.0, -test_rng_uniform(&rng, 1.0, 4.0)); /* relative half width */
        for (size_t i = 0; i < p.n; i++) {
            double m = test_rng_uniform(&rng, 0.3, 1.0);
            lo[i] = m * (1 - h);
            hi[i] = m * (1 + h);
            center[i] = sqrt(lo[i]) * sqrt(hi[i]);
        }
        ivl range;
        double center_value;
        if (lsup_enclose(w, lo, hi, center, &range, &center_value, NULL) != 0) {
            lsup_work_free(w);
            continue; /* too wide to certify: allowed, nothing claimed */
        }
        for (int t = 0; t < 20; t++) {
            for (size_t i = 0; i < p.n; i++) {
                s[i] = 1.0 / sqrt(test_rng_uniform(&rng, lo[i], hi[i]));
                double u = 1.0 / (s[i] * s[i]); /* u_i only approximately: keep it inside */
                if (!(u > lo[i] * (1 + 1e-12) && u < hi[i] * (1 - 1e-12)))
                    s[i] = 1.0 / sqrt(center[i]);
            }
            double v = oracle_objective(&p, h2, s);
            cr_assert(v >= range.lo && v <= range.hi,
                      "problem %d (n %zu d %zu, h %g): %a outside [%a, %a]", k, p.n, p.d, h, v,
                      range.lo, range.hi);
            checked++;
        }
        lsup_work_free(w);
    }
    cr_assert_geq(checked, 300);
}

/* Brackets for nu (h2 = 0) or H^2 (h2 = 1, through bht_plan_leverage). */
static void check_bracket(test_rng *rng, const problem *p, int h2, double c, double C,
                          double *width)
{
    double query[MAX_N], lower, upper;
    if (h2) {
        bht_plan_result r;
        cr_assert_eq(bht_plan_leverage(p->n, p->d, p->A, p->X, c, C, 1.0 / 3.0, 200000, query,
                                       &r),
                     BHT_OK);
        lower = r.delta_lower * r.delta_lower;
        upper = r.delta_upper * r.delta_upper;
        cr_assert_leq(r.queries_lower, r.queries_upper);
    } else {
        bht_sup_options opt = {0.01, 200000, NULL, NULL};
        bht_sup_result r;
        cr_assert_eq(bht_nu_leverage_sup(p->n, p->d, p->A, p->X, c, C, &opt, query, &r),
                     BHT_OK);
        lower = r.nu_lower;
        upper = r.nu_upper;
    }
    cr_assert_leq(lower, upper);
    cr_assert_eq(bht_check_leverage_query(p->n, query, c, C, NULL), BHT_OK);
    cr_assert_leq(lower, oracle_objective(p, h2, query) * (1 + 1e-15));
    for (int t = 0; t < 200; t++) {
        double s[MAX_N];
        random_query(rng, p->n, c, C, t % 4 == 0, s);
        double v = oracle_objective(p, h2, s);
        cr_assert_leq(v, upper * (1 + 1e-15), "n %zu d %zu: value %a above the upper end %a",
                      p->n, p->d, v, upper);
    }
    *width = lower > 0.0 ? (upper - lower) / lower : INFINITY;
}

Test(leverage_sup, nu_bracket_is_certified_and_tight_for_small_problems, .timeout = 600)
{
    static const size_t shapes[][2] = {{2, 1}, {3, 1}, {3, 2}, {4, 1}, {4, 2},
                                       {4, 3}, {5, 1}, {5, 2}, {6, 1}};
    test_rng rng = {8642};
    double worst = 0.0;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        problem p;
        random_problem(&rng, &p, shapes[k][0], shapes[k][1], 0.0);
        double width;
        check_bracket(&rng, &p, 0, 1.0, 4.0, &width);
        cr_assert_leq(width, 0.01, "n %zu d %zu: width %g", p.n, p.d, width);
        worst = fmax(worst, width);
    }
    fprintf(stderr, "nu sup (leverage): 9 problems, n <= 6, c,C = 1,4: widest bracket %.3g\n",
            worst);
}

Test(leverage_sup, plan_bracket_contains_every_sampled_query, .timeout = 600)
{
    static const size_t shapes[][2] = {{3, 1}, {4, 2}, {5, 2}, {6, 1}};
    test_rng rng = {9753};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        problem p;
        random_problem(&rng, &p, shapes[k][0], shapes[k][1], 0.3);
        double width;
        check_bracket(&rng, &p, 1, 0.5, 2.0, &width);
        fprintf(stderr, "plan (leverage) n %zu d %zu: H^2 bracket width %.3g\n", p.n, p.d,
                width);
    }
}

Test(leverage_sup, degenerate_and_bad_inputs)
{
    double A[4] = {1, 2, 3, 5}, M[4] = {1, 0, 0, 1}, query[2];
    bht_sup_options opt = {0.01, 1000, NULL, NULL};
    bht_sup_result r;
    /* n = d: H = I at every query, nu = 0 exactly */
    cr_assert_eq(bht_nu_leverage_sup(2, 2, A, M, 1.0, 4.0, &opt, query, &r), BHT_OK);
    cr_assert(r.nu_lower == 0.0 && r.nu_upper == 0.0);
    double S[6] = {1, 2, 2, 4, 3, 6}, M3[6] = {0};
    double q3[3];
    cr_assert_eq(bht_nu_leverage_sup(3, 2, S, M3, 1.0, 4.0, &opt, q3, &r), BHT_E_SINGULAR);
    cr_assert_eq(bht_nu_leverage_sup(2, 2, A, M, 4.0, 1.0, &opt, query, &r), BHT_E_INVALID);
    cr_assert_eq(bht_nu_leverage_sup(2, 2, A, M, NAN, 1.0, &opt, query, &r), BHT_E_NONFINITE);
    cr_assert_eq(bht_nu_leverage_sup(2, 3, A, M, 1.0, 4.0, &opt, query, &r), BHT_E_INVALID);
    cr_assert_eq(bht_nu_leverage_sup(BHT_LEVERAGE_SUP_MAX_N + 1, 1, A, M, 1.0, 4.0, &opt, query,
                                     &r),
                 BHT_E_INVALID);
    bht_plan_result pr;
    cr_assert_eq(bht_plan_leverage(2, 2, A, M, 1.0, 4.0, 0.5, 1000, query, &pr), BHT_E_INVALID);
    cr_assert_eq(bht_plan_leverage(2, 2, A, M, 1.0, 4.0, 0.25, 0, query, &pr), BHT_E_INVALID);
    bht_simulation sim;
    double s[2] = {1, 0};
    cr_assert_eq(bht_simulate_leverage(2, 2, A, M, s, 10, 10, 1, &sim), BHT_E_INVALID);
}

Test(leverage_sup, simulation_agrees_with_the_planner, .timeout = 600)
{
    test_rng rng = {2468};
    for (int k = 0; k < 3; k++) {
        problem p;
        random_problem(&rng, &p, 4 + (size_t)k, 2, 0.4);
        double query[MAX_N];
        bht_plan_result r;
        cr_assert_eq(bht_plan_leverage(p.n, p.d, p.A, p.X, 0.5, 2.0, 1.0 / 3.0, 200000, query,
                                       &r),
                     BHT_OK);
        cr_assert_leq(r.queries_upper, 2000, "instance %d: %g queries", k, r.queries_upper);
        bht_simulation a, b;
        unsigned long m = (unsigned long)r.queries_upper;
        cr_assert_eq(bht_simulate_leverage(p.n, p.d, p.A, p.X, query, m, 3000, 11, &a), BHT_OK);
        cr_assert_eq(bht_simulate_leverage(p.n, p.d, p.A, p.X, query, m, 3000, 11, &b), BHT_OK);
        cr_assert(a.error_rate == b.error_rate && a.ci_upper == b.ci_upper, "not deterministic");
        /* queries_upper repetitions reach the target under each hypothesis */
        cr_assert_leq(fmax(a.error_under_a, a.error_under_b), 1.0 / 3.0,
                      "instance %d: m = %lu gives errors %g, %g", k, m, a.error_under_a,
                      a.error_under_b);
        /* and the LR test's error lies in the Bayes bracket */
        cr_assert(a.ci_upper >= a.bayes_lower && a.ci_lower <= a.bayes_upper,
                  "instance %d: simulated [%g, %g] vs bracket [%g, %g]", k, a.ci_lower,
                  a.ci_upper, a.bayes_lower, a.bayes_upper);
        /* fewer than queries_lower repetitions cannot reach it for the Bayes test */
        if (r.queries_lower > 1) {
            bht_simulation few;
            cr_assert_eq(bht_simulate_leverage(p.n, p.d, p.A, p.X, query,
                                               (unsigned long)r.queries_lower - 1, 3000, 12,
                                               &few),
                         BHT_OK);
            cr_assert_geq(few.ci_upper, 1.0 / 3.0, "instance %d: %g < queries_lower repetitions "
                          "reach error %g", k, r.queries_lower - 1, few.error_rate);
        }
        fprintf(stderr, "simulate (leverage) instance %d: m = %lu (bracket [%g, %g]), "
                        "error %.4f [%.4f, %.4f]\n",
                k, m, r.queries_lower, r.queries_upper, a.error_rate, a.ci_lower, a.ci_upper);
    }
}
