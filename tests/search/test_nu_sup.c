/* test_nu_sup.c: the certified bracket on sup nu over the energy ball.
 * Sampled admissible queries must never exceed nu_upper, nu_lower must be
 * attained (up to rounding down) at the returned query, and small problems
 * must reach the 1% target width. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include "harness.h"

#define MAX_N 6
#define MAX_D 3

static void progress_counter(void *context, size_t cells, double lo, double hi)
{
    (void)cells;
    cr_assert_leq(lo, hi);
    (*(int *)context)++;
}

Test(nu_sup, bracket_is_certified_and_tight_for_small_problems, .timeout = 300)
{
    test_rng rng = {2468};
    double worst_width = 0.0;
    for (int k = 0; k < 12; k++) {
        size_t n = test_rng_int(&rng, 2, MAX_N), d = test_rng_int(&rng, 1, MAX_D);
        double A[MAX_N * MAX_D], M[MAX_N * MAX_D], query[MAX_D];
        for (size_t i = 0; i < n * d; i++) {
            A[i] = test_rng_normal(&rng);
            M[i] = test_rng_normal(&rng);
        }
        double energy = test_rng_uniform(&rng, 0.5, 2.0);
        int calls = 0;
        bht_sup_options opt = {0.01, 200000, progress_counter, &calls, 0, NULL};
        bht_sup_result r;
        cr_assert_eq(bht_nu_softmax_sup(n, d, A, M, energy, &opt, query, &r), BHT_OK);
        cr_assert_leq(r.nu_lower, r.nu_upper);
        cr_assert_eq(bht_check_energy(d, query, energy, NULL), BHT_OK);
        bht_local_result at;
        cr_assert_eq(bht_oracle_nu_softmax(n, d, A, M, query, &at, NULL, NULL, NULL), BHT_OK);
        cr_assert_leq(r.nu_lower, at.nu);
        for (int sidx = 0; sidx < 300; sidx++) {
            double x[MAX_D], norm = 0.0;
            for (size_t j = 0; j < d; j++) {
                x[j] = test_rng_normal(&rng);
                norm += x[j] * x[j];
            }
            double radius = energy * sqrt(test_rng_unit(&rng)) / sqrt(norm) * (1 - 0x1p-40);
            for (size_t j = 0; j < d; j++)
                x[j] *= radius;
            cr_assert_eq(bht_oracle_nu_softmax(n, d, A, M, x, &at, NULL, NULL, NULL), BHT_OK);
            cr_assert_leq(at.nu, r.nu_upper, "instance %d: nu %a above nu_upper %a", k, at.nu,
                          r.nu_upper);
        }
        double width = (r.nu_upper - r.nu_lower) / r.nu_lower;
        cr_assert_leq(width, 0.01, "instance %d (n %zu d %zu): width %g after %zu cells", k, n,
                      d, width, r.cells);
        worst_width = fmax(worst_width, width);
    }
    fprintf(stderr, "nu sup (softmax): 12 problems, d <= 3, n <= 6: widest bracket %.3g\n",
            worst_width);
}

Test(nu_sup, rejects_bad_inputs)
{
    const double A[2] = {1.0, 2.0}, M[2] = {0.5, NAN};
    double q[1];
    bht_sup_options opt = {0.01, 1000, NULL, NULL, 0, NULL};
    bht_sup_result r;
    cr_assert_eq(bht_nu_softmax_sup(2, 1, A, M, 1.0, &opt, q, &r), BHT_E_NONFINITE);
    cr_assert_eq(bht_nu_softmax_sup(2, 1, A, A, -1.0, &opt, q, &r), BHT_E_INVALID);
    cr_assert_eq(bht_nu_softmax_sup(2, 1, A, A, 1.0, NULL, q, &r), BHT_E_INVALID);
}

/* The affine bound over a cube must lie above the oracle's nu at every
 * point of the cube (the cube's corners included). */
#include "search/affine.h"
Test(nu_sup, affine_cube_bound_is_above_the_oracle, .timeout = 300)
{
    test_rng rng = {97531};
    int checked = 0;
    for (int k = 0; k < 40; k++) {
        size_t n = test_rng_int(&rng, 2, MAX_N), d = test_rng_int(&rng, 1, MAX_D);
        double A[MAX_N * MAX_D], M[MAX_N * MAX_D], center[MAX_D], x[MAX_D];
        for (size_t i = 0; i < n * d; i++) {
            A[i] = test_rng_normal(&rng);
            M[i] = test_rng_normal(&rng);
        }
        for (size_t j = 0; j < d; j++)
            center[j] = test_rng_uniform(&rng, -1.0, 1.0);
        double half = pow(2.0, -(double)test_rng_int(&rng, 1, 12));
        double upper = bht__nu_softmax_cube_upper(n, d, A, M, center, half);
        cr_assert(!isnan(upper));
        if (isinf(upper))
            continue;
        for (int t = 0; t < 20; t++) {
            for (size_t j = 0; j < d; j++)
                x[j] = t < 2 ? center[j] + (t ? half : -half)
                             : center[j] + half * test_rng_uniform(&rng, -1.0, 1.0);
            bht_local_result r;
            cr_assert_eq(bht_oracle_nu_softmax(n, d, A, M, x, &r, NULL, NULL, NULL), BHT_OK);
            cr_assert_leq(r.nu, upper, "problem %d (n %zu d %zu half %g): nu %a above %a", k,
                          n, d, half, r.nu, upper);
            checked++;
        }
    }
    cr_assert_geq(checked, 600);
}

/* ------------------------------------------------- hazard generators */
#include "sup_hazards.h"

#define HAZARD_TEST(test, generator, count, cells)                                          \
    Test(nu_sup_hazards, test, .timeout = 600)                                              \
    {                                                                                       \
        hz_report rep;                                                                      \
        cr_assert(hz_sweep_named(generator, 1000, count, cells, &rep), "%s", rep.text);     \
    }

HAZARD_TEST(zero_variance, "softmax-sup/zero-variance", 60, 3000)
HAZARD_TEST(argmax_ties, "softmax-sup/argmax-ties", 40, 3000)
HAZARD_TEST(common_part_pair, "softmax-sup/common-part-pair", 40, 3000)
HAZARD_TEST(scaling_pair, "softmax-sup/scaling-pair", 40, 3000)
HAZARD_TEST(extreme_magnitudes, "softmax-sup/extreme-magnitudes", 40, 3000)
HAZARD_TEST(shapes, "softmax-sup/shapes", 40, 3000)

Test(nu_sup_hazards, cube_bounds_hold_on_every_hazard, .timeout = 600)
{
    static const char *const names[] = {"softmax-sup/argmax-ties", "softmax-sup/common-part-pair",
                                        "softmax-sup/scaling-pair", "softmax-sup/extreme-magnitudes",
                                        "softmax-sup/shapes"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        hz_report rep;
        cr_assert(hz_enclosures_named(names[k], 2000, 25, 12, &rep), "%s", rep.text);
    }
}

Test(nu_sup_hazards, identically_zero_variance_is_exactly_zero)
{
    /* found by softmax-sup/zero-variance: M = 1 w^T (or M = 0, n = 1, E = 0)
     * has nu == 0, but the search spent its whole budget (200,000 cells,
     * 3.9 s) and answered [0, 3 2^-1074]; now [0, 0] at x = 0 at once */
    const double A[6] = {1, 2, -1, 0.5, 0.3, -2}, W[6] = {0.3, -0.1, 0.3, -0.1, 0.3, -0.1};
    const double Z[6] = {0};
    double query[2];
    bht_sup_options opt = {0.01, 200000, NULL, NULL, 0, NULL};
    bht_sup_result r;
    cr_assert_eq(bht_nu_softmax_sup(3, 2, A, W, 1.0, &opt, query, &r), BHT_OK);
    cr_assert(r.nu_lower == 0.0 && r.nu_upper == 0.0 && r.cells == 0, "[%a, %a] after %zu cells",
              r.nu_lower, r.nu_upper, r.cells);
    cr_assert_eq(bht_check_energy(2, query, 1.0, NULL), BHT_OK);
    cr_assert_eq(bht_nu_softmax_sup(3, 2, A, Z, 1.0, &opt, query, &r), BHT_OK);
    cr_assert(r.nu_upper == 0.0);
    cr_assert_eq(bht_nu_softmax_sup(3, 2, A, A, 0.0, &opt, query, &r), BHT_OK); /* E = 0 */
    cr_assert(r.nu_upper == 0.0);
    cr_assert_eq(bht_nu_softmax_sup(1, 2, A, A, 1.0, &opt, query, &r), BHT_OK); /* n = 1 */
    cr_assert(r.nu_upper == 0.0);
}

Test(nu_sup_hazards, common_part_and_scaling_do_not_change_the_bracket, .timeout = 120)
{
    /* found by softmax-sup/common-part-pair: (a, m, E) against
     * (2^s (a + 1 w^T), 2^s (m + 1 v^T), 2^-s E), the same supremum.  With
     * s = 434 the Lipschitz constant rho_A rho_M^2 E^2 / 4 overflowed in
     * double (BHT_E_RANGE); with s = -445 E^2 underflowed and the bracket
     * came out [1.2, 2^255]; the common part 2^40 kept exp out of the affine
     * bound.  Now both brackets are computed from row differences and K E. */
    const double a[6] = {0.5, -1.25, 2.0, 0.75, -0.5, 1.5}, m[6] = {1.0, 0.25, -0.75, 2.0, 0.5, -1.0};
    const double w[2] = {0x1.8p40, -0x1p38}, v[2] = {0x1p39, 0x1.4p37};
    const int shifts[] = {434, -445, 0};
    bht_sup_options opt = {0.01, 20000, NULL, NULL, 0, NULL};
    bht_sup_result base;
    double query[2];
    cr_assert_eq(bht_nu_softmax_sup(3, 2, a, m, 0.875, &opt, query, &base), BHT_OK);
    cr_assert_leq((base.nu_upper - base.nu_lower) / base.nu_lower, 0.01);
    for (size_t t = 0; t < sizeof shifts / sizeof shifts[0]; t++) {
        double A[6], M[6];
        for (size_t i = 0; i < 3; i++)
            for (size_t k = 0; k < 2; k++) {
                A[i * 2 + k] = ldexp(a[i * 2 + k] + w[k], shifts[t]); /* exact */
                M[i * 2 + k] = ldexp(m[i * 2 + k] + v[k], shifts[t]);
            }
        double energy = ldexp(0.875, -shifts[t]);
        bht_sup_result r;
        cr_assert_eq(bht_nu_softmax_sup(3, 2, A, M, energy, &opt, query, &r), BHT_OK,
                     "shift %d", shifts[t]);
        cr_assert(r.nu_lower <= base.nu_upper && base.nu_lower <= r.nu_upper,
                  "shift %d: [%a, %a] against [%a, %a]", shifts[t], r.nu_lower, r.nu_upper,
                  base.nu_lower, base.nu_upper);
        cr_assert_leq((r.nu_upper - r.nu_lower) / r.nu_lower, 0.01, "shift %d: [%a, %a]",
                      shifts[t], r.nu_lower, r.nu_upper);
    }
}
