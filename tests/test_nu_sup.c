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
        bht_sup_options opt = {0.01, 200000, progress_counter, &calls};
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
    bht_sup_options opt = {0.01, 1000, NULL, NULL};
    bht_sup_result r;
    cr_assert_eq(bht_nu_softmax_sup(2, 1, A, M, 1.0, &opt, q, &r), BHT_E_NONFINITE);
    cr_assert_eq(bht_nu_softmax_sup(2, 1, A, A, -1.0, &opt, q, &r), BHT_E_INVALID);
    cr_assert_eq(bht_nu_softmax_sup(2, 1, A, A, 1.0, NULL, q, &r), BHT_E_INVALID);
}

/* The affine bound over a cube must lie above the oracle's nu at every
 * point of the cube (the cube's corners included). */
#include "affine.h"
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
        double upper = nu_softmax_cube_upper(n, d, A, M, center, half);
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
