/* test_leverage_sup.c: optimal queries and planning for the leverage model.
 * The affine enclosures must contain the oracle's values at points of the
 * box; the sup-nu and plan brackets must contain the oracle's value at every
 * sampled admissible query and be attained at the returned one; small
 * problems must reach the 1% target (n = 6, d = 4 and 5 through the
 * complement formulation); the complement identity nu = (1/d) sum
 * W_perp_ii^2 / (1 - k_i) must match the oracle; the simulation must agree
 * with the planner's query counts and the Bayes bracket. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include "harness.h"
#include "search/leverage_sup_internal.h"

#define MAX_N 6
#define MAX_D 5

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

/* A box m_i (1 -+ h) around random m_i in [0.3, 1], relative half width
 * h = 10^-U(widest, 4), with its geometric center; returns h. */
static double random_box(test_rng *rng, size_t n, double widest, double *lo, double *hi,
                         double *center)
{
    double h = pow(10.0, -test_rng_uniform(rng, widest, 4.0));
    for (size_t i = 0; i < n; i++) {
        double m = test_rng_uniform(rng, 0.3, 1.0);
        lo[i] = m * (1 - h);
        hi[i] = m * (1 + h);
        center[i] = sqrt(lo[i]) * sqrt(hi[i]);
    }
    return h;
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
        lsup_work *w = bht__lsup_work_new(h2 ? LSUP_H2 : LSUP_NU, p.n, p.d, p.A, p.X);
        cr_assert_not_null(w);
        double lo[MAX_N], hi[MAX_N], center[MAX_N], s[MAX_N];
        double h = random_box(&rng, p.n, 1.0, lo, hi, center);
        ivl range;
        double center_value;
        if (bht__lsup_enclose(w, lo, hi, center, &range, &center_value, NULL) != 0) {
            bht__lsup_work_free(w);
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
        bht__lsup_work_free(w);
    }
    cr_assert_geq(checked, 300);
}

/* nu at s from the complement design in plain double: N, D midpoints of
 * the exact enclosures, v = s^2, T = N^T V N, g_i = T^-1 n_i, k_i = v_i n_i^T g_i,
 * r_i = d_i^T g_i - g_i^T (N^T V D) g_i, nu = (1/d) sum (v_i r_i)^2 / (1 - k_i)
 * over the rows with a_i != 0.  Independent of the affine code. */
static double complement_nu(const problem *p, const ivl *N, const ivl *D, const double *s)
{
    const size_t n = p->n, m = p->n - p->d;
    double T[MAX_N * MAX_N] = {0}, Ti[MAX_N * MAX_N] = {0}, P[MAX_N * MAX_N] = {0};
    double v[MAX_N], Nm[MAX_N * MAX_N], Dm[MAX_N * MAX_N];
    for (size_t k = 0; k < n * m; k++) {
        Nm[k] = 0.5 * (N[k].lo + N[k].hi);
        Dm[k] = 0.5 * (D[k].lo + D[k].hi);
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = s[i] * s[i];
        for (size_t a = 0; a < m; a++)
            for (size_t b = 0; b < m; b++) {
                T[a * m + b] += v[i] * Nm[i * m + a] * Nm[i * m + b];
                P[a * m + b] += v[i] * Nm[i * m + a] * Dm[i * m + b];
            }
    }
    for (size_t a = 0; a < m; a++) /* Gauss-Jordan, T is positive definite */
        Ti[a * m + a] = 1.0;
    for (size_t c = 0; c < m; c++) {
        double pivot = T[c * m + c];
        cr_assert_gt(pivot, 0.0);
        for (size_t j = 0; j < m; j++) {
            T[c * m + j] /= pivot;
            Ti[c * m + j] /= pivot;
        }
        for (size_t r = 0; r < m; r++) {
            double f = T[r * m + c];
            if (r == c || f == 0.0)
                continue;
            for (size_t j = 0; j < m; j++) {
                T[r * m + j] -= f * T[c * m + j];
                Ti[r * m + j] -= f * Ti[c * m + j];
            }
        }
    }
    double nu = 0.0;
    for (size_t i = 0; i < n; i++) {
        int zero = 1;
        for (size_t k = 0; k < p->d; k++)
            zero &= p->A[i * p->d + k] == 0.0;
        if (zero)
            continue;
        double g[MAX_N] = {0}, k = 0.0, r = 0.0;
        for (size_t a = 0; a < m; a++)
            for (size_t b = 0; b < m; b++)
                g[a] += Ti[a * m + b] * Nm[i * m + b];
        for (size_t a = 0; a < m; a++) {
            k += Nm[i * m + a] * g[a];
            r += Dm[i * m + a] * g[a];
            for (size_t b = 0; b < m; b++)
                r -= g[a] * P[a * m + b] * g[b];
        }
        nu += (v[i] * r) * (v[i] * r) / (1.0 - v[i] * k);
    }
    return nu / (double)p->d;
}

/* A random problem of shape (n, d), every fifth with a zero row of A
 * (p_0 = 0; rank d needs d < n). */
static void random_complement_problem(test_rng *rng, problem *p, size_t n, size_t d, int zero_row,
                                      double closeness)
{
    random_problem(rng, p, n, d, closeness);
    if (zero_row && d + 1 < n)
        for (size_t k = 0; k < d; k++)
            p->A[k] = 0.0;
}

Test(leverage_sup, complement_identity_matches_the_oracle, .timeout = 300)
{
    test_rng rng = {4242};
    double worst = 0.0;
    int checked = 0;
    for (int k = 0; k < 30; k++) {
        size_t n = test_rng_int(&rng, 2, MAX_N), d = test_rng_int(&rng, 1, n - 1);
        problem p;
        random_complement_problem(&rng, &p, n, d, k % 5 == 4, 0.0);
        const size_t m = n - d;
        ivl N[MAX_N * MAX_N], D[MAX_N * MAX_N];
        cr_assert_eq(bht__lsup_null_basis(n, d, p.A, p.X, N, D), BHT_OK);
        for (size_t a = 0; a < d; a++) /* A^T N = 0 and A^T D + M^T N = 0 enclose 0 */
            for (size_t t = 0; t < m; t++) {
                ivl an = ivl_point(0.0), res = ivl_point(0.0);
                for (size_t i = 0; i < n; i++) {
                    an = ivl_add(an, ivl_mul(ivl_point(p.A[i * d + a]), N[i * m + t]));
                    res = ivl_add(res, ivl_mul(ivl_point(p.A[i * d + a]), D[i * m + t]));
                    res = ivl_add(res, ivl_mul(ivl_point(p.X[i * d + a]), N[i * m + t]));
                }
                cr_assert(an.lo <= 0.0 && an.hi >= 0.0 && res.lo <= 0.0 && res.hi >= 0.0);
            }
        bht_status st;
        lsup_work *w = bht__lsup_work_new_complement(LSUP_NU, n, d, p.A, p.X, &st);
        cr_assert(w && st == BHT_OK);
        for (int t = 0; t < 5; t++) {
            double s[MAX_N], lo[MAX_N], hi[MAX_N], u[MAX_N];
            random_query(&rng, n, 1.0, 4.0, t == 0, s);
            double nu = oracle_objective(&p, 0, s), alt = complement_nu(&p, N, D, s);
            double err = fabs(alt - nu) / fmax(nu, 1e-300);
            cr_assert(err <= 1e-9 || fabs(alt - nu) <= 1e-13, "n %zu d %zu: %.17g vs oracle %.17g",
                      n, d, alt, nu);
            worst = fmax(worst, err);
            /* the enclosure over a tiny box around u = 1/s^2 */
            for (size_t i = 0; i < n; i++) {
                u[i] = 1.0 / (s[i] * s[i]);
                lo[i] = u[i] * (1 - 1e-13);
                hi[i] = u[i] * (1 + 1e-13);
            }
            ivl range;
            double center_value;
            cr_assert_eq(bht__lsup_enclose(w, lo, hi, u, &range, &center_value, NULL), 0);
            cr_assert(nu >= range.lo && nu <= range.hi, "n %zu d %zu: %a outside [%a, %a]", n,
                      d, nu, range.lo, range.hi);
            cr_assert_leq(range.hi - range.lo, 1e-9 * fmax(nu, 1e-3));
            checked++;
        }
        bht__lsup_work_free(w);
    }
    cr_assert_eq(checked, 150);
    fprintf(stderr, "complement identity (leverage nu): 150 queries, max relative error %.3g\n",
            worst);
}

Test(leverage_sup, complement_enclosures_contain_the_oracle_values, .timeout = 300)
{
    test_rng rng = {97531};
    int checked = 0, boxes = 0;
    for (int k = 0; k < 40; k++) {
        int h2 = k % 2;
        size_t n = test_rng_int(&rng, 2, MAX_N), d = test_rng_int(&rng, (n + 1) / 2, n - 1);
        problem p;
        random_complement_problem(&rng, &p, n, d, k % 5 == 4, h2 ? 0.3 : 0.0);
        bht_status st;
        lsup_work *w = bht__lsup_work_new_complement(h2 ? LSUP_H2 : LSUP_NU, n, d, p.A, p.X, &st);
        cr_assert(w && st == BHT_OK);
        double lo[MAX_N], hi[MAX_N], center[MAX_N], s[MAX_N];
        double h = random_box(&rng, n, 0.7, lo, hi, center);
        ivl range;
        double center_value;
        if (bht__lsup_enclose(w, lo, hi, center, &range, &center_value, NULL) != 0) {
            bht__lsup_work_free(w);
            continue; /* too wide to certify: allowed, nothing claimed */
        }
        boxes++;
        for (int t = 0; t < 20; t++) {
            for (size_t i = 0; i < n; i++) {
                /* every fourth sample at a corner (kept inside by 1e-12) */
                double x = t % 4 == 0 ? (test_rng_unit(&rng) < 0.5 ? 1e-12 : 1 - 1e-12)
                                      : test_rng_unit(&rng);
                s[i] = 1.0 / sqrt(lo[i] + (hi[i] - lo[i]) * x);
                double u = 1.0 / (s[i] * s[i]);
                if (!(u > lo[i] * (1 + 1e-15) && u < hi[i] * (1 - 1e-15)))
                    s[i] = 1.0 / sqrt(center[i]);
            }
            double v = oracle_objective(&p, h2, s);
            cr_assert(v >= range.lo && v <= range.hi,
                      "problem %d (n %zu d %zu, h %g): %a outside [%a, %a]", k, n, d, h, v,
                      range.lo, range.hi);
            checked++;
        }
        bht__lsup_work_free(w);
    }
    cr_assert_geq(boxes, 25);
    fprintf(stderr, "complement enclosures: %d boxes, %d oracle values inside\n", boxes,
            checked);
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
        bht_sup_options opt = {0.01, 200000, NULL, NULL, 0, NULL};
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

/* Certified brackets within 1% for each (n, d) of shapes (c, C = 1, 4);
 * prints the widest. */
static void check_shapes(const size_t (*shapes)[2], size_t count, uint64_t seed,
                         const char *label)
{
    test_rng rng = {seed};
    double worst = 0.0;
    for (size_t k = 0; k < count; k++) {
        problem p;
        random_problem(&rng, &p, shapes[k][0], shapes[k][1], 0.0);
        double width;
        check_bracket(&rng, &p, 0, 1.0, 4.0, &width);
        cr_assert_leq(width, 0.01, "n %zu d %zu: width %g", p.n, p.d, width);
        worst = fmax(worst, width);
    }
    fprintf(stderr, "nu sup (leverage): %s, c,C = 1,4: widest bracket %.3g\n", label, worst);
}

Test(leverage_sup, nu_bracket_is_certified_and_tight_for_small_problems, .timeout = 600)
{
    static const size_t shapes[][2] = {{2, 1}, {3, 1}, {3, 2}, {4, 1}, {4, 2},
                                       {4, 3}, {5, 1}, {5, 2}, {6, 1}};
    check_shapes(shapes, sizeof shapes / sizeof shapes[0], 8642, "9 problems, n <= 6");
}

Test(leverage_sup, nu_bracket_reaches_the_target_for_n6_d4_and_d5, .timeout = 600)
{
    /* n - d < d: the complement formulation (before it, 400,000 cells left
     * n = 6, d = 4 at widths 0.036 - 0.97) */
    static const size_t shapes[][2] = {{6, 4}, {6, 4}, {6, 5}, {6, 5}};
    check_shapes(shapes, sizeof shapes / sizeof shapes[0], 1729, "n 6, d 4 and 5");
}

/* The search starts from the best vertex of the weight box (u_i in
 * {c / C, 1}): its lower end is at least the largest oracle nu over the
 * 2^n vertex queries s_i in {sqrt c, sqrt C} (the search ranks vertices by
 * the double kernel, within 2 ulp: hence the 1e-14), which the box centers
 * alone never reach exactly. */
Test(leverage_sup, nu_lower_end_reaches_the_best_vertex, .timeout = 600)
{
    test_rng rng = {2718};
    int attained = 0;
    for (int k = 0; k < 6; k++) {
        problem p;
        random_problem(&rng, &p, 6, k % 2 ? 2 : 1, 0.0);
        double best = 0.0, s[MAX_N], width;
        for (unsigned mask = 0; mask < 1u << p.n; mask++) {
            for (size_t i = 0; i < p.n; i++)
                s[i] = mask >> i & 1u ? 2.0 : 1.0; /* c, C = 1, 4 */
            best = fmax(best, oracle_objective(&p, 0, s));
        }
        double query[MAX_N];
        bht_sup_options opt = {0.01, 200000, NULL, NULL, 0, NULL};
        bht_sup_result r;
        cr_assert_eq(bht_nu_leverage_sup(p.n, p.d, p.A, p.X, 1.0, 4.0, &opt, query, &r), BHT_OK);
        cr_assert_geq(r.nu_lower, best * (1 - 1e-14), "n %zu d %zu: lower %a, best vertex %a",
                      p.n, p.d, r.nu_lower, best);
        attained += r.nu_lower <= best * (1 + 1e-14);
        check_bracket(&rng, &p, 0, 1.0, 4.0, &width);
        cr_assert_leq(width, 0.01);
    }
    fprintf(stderr, "nu sup (leverage): lower end at the best vertex in %d of 6 problems\n",
            attained);
}

Test(leverage_sup, plan_bracket_contains_every_sampled_query, .timeout = 600)
{
    static const size_t shapes[][2] = {{3, 1}, {4, 2}, {5, 2}, {6, 1}, {5, 4}, {6, 5}};
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
    bht_sup_options opt = {0.01, 1000, NULL, NULL, 0, NULL};
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
    /* the complement needs d < n and rank d */
    bht_status cs = BHT_OK;
    cr_assert_null(bht__lsup_work_new_complement(LSUP_NU, 2, 2, A, M, &cs));
    cr_assert_eq(cs, BHT_E_INVALID);
    cr_assert_null(bht__lsup_work_new_complement(LSUP_NU, 3, 2, S, M3, &cs));
    cr_assert_eq(cs, BHT_E_SINGULAR);
    double A3[9] = {1, 2, 0, 3, 5, 0, 0, 0, 0}, M33[9] = {0};
    cr_assert_eq(bht_nu_leverage_sup(3, 3, A3, M33, 1.0, 4.0, &opt, q3, &r), BHT_E_SINGULAR);
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

/* ------------------------------------------------- hazard generators */
#include "sup_hazards.h"

#define HAZARD_TEST(test, generator, count, cells)                                          \
    Test(leverage_sup_hazards, test, .timeout = 900)                                        \
    {                                                                                       \
        hz_report rep;                                                                      \
        cr_assert(hz_sweep_named(generator, 5000, count, cells, &rep), "%s", rep.text);     \
    }

HAZARD_TEST(zero_variance, "leverage-sup/zero-variance", 40, 3000)
HAZARD_TEST(rounded_ax, "leverage-sup/rounded-AX", 30, 3000)
HAZARD_TEST(tied_rows, "leverage-sup/tied-rows", 30, 3000)
HAZARD_TEST(near_rank_deficient, "leverage-sup/near-rank-deficient", 30, 3000)
HAZARD_TEST(invariance_pair, "leverage-sup/invariance-pair", 30, 3000)
HAZARD_TEST(extreme_bounds, "leverage-sup/extreme-bounds", 30, 3000)
HAZARD_TEST(extreme_scales, "leverage-sup/extreme-scales", 30, 3000)
HAZARD_TEST(shapes, "leverage-sup/shapes", 30, 3000)
HAZARD_TEST(plan_same_span, "leverage-plan/same-span", 30, 3000)
HAZARD_TEST(plan_rounded_span, "leverage-plan/rounded-span", 30, 3000)
HAZARD_TEST(plan_invariance_pair, "leverage-plan/invariance-pair", 30, 3000)
HAZARD_TEST(plan_hazards, "leverage-plan/hazards", 30, 3000)
HAZARD_TEST(simulation_exact_reference, "leverage-sim/exact-reference", 120, 1)

Test(leverage_sup_hazards, enclosures_hold_on_every_hazard, .timeout = 900)
{
    static const char *const names[] = {
        "leverage-sup/rounded-AX",    "leverage-sup/tied-rows",       "leverage-sup/near-rank-deficient",
        "leverage-sup/invariance-pair", "leverage-sup/extreme-bounds", "leverage-sup/extreme-scales",
        "leverage-sup/shapes",        "leverage-plan/rounded-span",   "leverage-plan/hazards"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        hz_report rep;
        cr_assert(hz_enclosures_named(names[k], 6000, 12, 10, &rep), "%s", rep.text);
    }
}

Test(leverage_sup_hazards, objective_identically_zero_is_exactly_zero, .timeout = 120)
{
    /* found by leverage-sup/zero-variance and leverage-plan/same-span: for
     * M = A Y (nu == 0) and B = A R (H == 0) the search spent its whole
     * budget and answered [0, 1e-308] (nu) or H^2 <= 1 (plan); the column
     * spans are now compared exactly first */
    const double A[8] = {1, 2, -1, 0.5, 0.25, -2, 1, 1};
    double AY[8], AR[8], query[4];
    for (size_t i = 0; i < 4; i++) {
        AY[2 * i] = 3.0 * A[2 * i] - 0.5 * A[2 * i + 1]; /* exact: small integers and halves */
        AY[2 * i + 1] = 0.0;
        AR[2 * i] = A[2 * i] + A[2 * i + 1];
        AR[2 * i + 1] = -A[2 * i + 1];
    }
    cr_assert_eq(bht__lsup_columns_in_span(4, 2, A, AY), 1);
    cr_assert_eq(bht__lsup_columns_in_span(4, 2, A, AR), 1);
    double M[8] = {1, 0, 0, 1, 0, 0, 0, 0};
    cr_assert_eq(bht__lsup_columns_in_span(4, 2, A, M), 0);
    bht_sup_options opt = {0.01, 200000, NULL, NULL, 0, NULL};
    bht_sup_result r;
    cr_assert_eq(bht_nu_leverage_sup(4, 2, A, AY, 1.0, 4.0, &opt, query, &r), BHT_OK);
    cr_assert(r.nu_lower == 0.0 && r.nu_upper == 0.0 && r.cells == 0, "[%a, %a]", r.nu_lower,
              r.nu_upper);
    bht_plan_result pr;
    cr_assert_eq(bht_plan_leverage(4, 2, A, AR, 1.0, 4.0, 1.0 / 3.0, 200000, query, &pr), BHT_OK);
    cr_assert(pr.delta_lower == 0.0 && pr.delta_upper == 0.0, "[%a, %a]", pr.delta_lower,
              pr.delta_upper);
    cr_assert_eq(bht_check_leverage_query(4, query, 1.0, 4.0, NULL), BHT_OK);
}

Test(leverage_sup_hazards, an_empty_query_set_is_reported_as_such)
{
    /* found by leverage-sup/extreme-bounds: c = 4.5, C = 4.5 (1 + 2^-52)
     * contains no square of a double; the search failed to make a query and
     * answered BHT_E_RANGE ("could not certify a bound").  Now
     * BHT_E_CONSTRAINT, decided exactly; one more ulp of C and it answers. */
    const double A[6] = {1, 0, 0, 1, 1, 1}, M[6] = {1, 2, 0, 1, 3, 1};
    double query[3];
    bht_sup_options opt = {0.01, 1000, NULL, NULL, 0, NULL};
    bht_sup_result r;
    const double c = 4.5, C = nextafter(c, INFINITY);
    cr_assert_eq(bht_nu_leverage_sup(3, 2, A, M, c, C, &opt, query, &r), BHT_E_CONSTRAINT);
    bht_plan_result pr;
    cr_assert_eq(bht_plan_leverage(3, 2, A, M, c, C, 0.25, 1000, query, &pr), BHT_E_CONSTRAINT);
    cr_assert_eq(bht_nu_leverage_sup(3, 2, A, M, c, nextafter(C, INFINITY), &opt, query, &r),
                 BHT_OK);
    cr_assert_eq(bht_check_leverage_query(3, query, c, nextafter(C, INFINITY), NULL), BHT_OK);
}
