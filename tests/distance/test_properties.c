/* test_properties.c: Lemma 3.3 and Corollary 3.4 with explicit constants,
 * checked on 10,000 seeded cases each with correctly rounded values (the
 * comparison of correctly rounded values is exact: rounding is monotone).
 *   Lemma 3.3:     ||a - b||_inf <= eps  =>  H^2 <= 1 - sech(eps/2) <= eps^2/8,
 *                                            TV  <= tanh(eps/2)     <= eps/2;
 *   Corollary 3.4: the same with eps ||x||_2, eps = ||A - B||_{2->inf}.
 * Why: log(q_i/p_i) = (b_i - a_i) - log(Z_b/Z_a) ranges over an interval of
 * width 2 eps, and for log-ratios in an interval of width W the two-point
 * configuration of Lemma A.1 is extremal: H^2 <= 1 - sech(W/4), TV <= tanh(W/4).
 * Each check also runs with the bound halved, on the configuration that
 * attains it, to show the check can fail. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include "harness.h"

#define MAX_N 12
#define MAX_D 4

/* A multiple of 2^-20 in [-range, range]: sums and differences stay exact. */
static double dyadic(test_rng *rng, double range)
{
    long k = (long)ldexp(range, 20);
    return ldexp((double)((long)test_rng_int(rng, 0, (size_t)(2 * k)) - k), -20);
}

/* Does (H^2, TV) of softmax(A x) vs softmax(B x) respect the bounds at width
 * 2 e, scaled by factor? */
static bool within_bounds(size_t n, size_t d, const double *A, const double *B, const double *x,
                          double e, double factor)
{
    bht_distances dist;
    bht_lemma_a1_bounds bound;
    cr_assert_eq(bht_oracle_distance_softmax(n, d, A, B, x, &dist, NULL, NULL), BHT_OK);
    cr_assert_eq(bht_oracle_lemma_a1(2.0 * e, &bound, NULL, NULL), BHT_OK);
    return dist.hellinger2 <= factor * bound.h2max && dist.tv <= factor * bound.tvmax
           && dist.hellinger2 <= factor * e * e / 8 * (1 + 0x1p-50)
           && dist.tv <= factor * e / 2 * (1 + 0x1p-50);
}

Test(properties, lemma_3_3_with_explicit_constants, .timeout = 600)
{
    test_rng rng = {3303};
    const double one = 1.0;
    for (int k = 0; k < 10000; k++) {
        size_t n = test_rng_int(&rng, 2, MAX_N);
        double a[MAX_N], b[MAX_N];
        double eps = ldexp((double)test_rng_int(&rng, 1, (size_t)1 << 22), -20);
        long step = (long)ldexp(eps, 20);
        for (size_t i = 0; i < n; i++) {
            a[i] = dyadic(&rng, 4.0);
            b[i] = a[i] + ldexp((double)((long)test_rng_int(&rng, 0, (size_t)(2 * step)) - step),
                                -20);
        }
        cr_assert(within_bounds(n, 1, a, b, &one, eps, 1.0), "case %d (n %zu, eps %a)", k, n,
                  eps);
    }
    /* attained: a = (-eps/2, eps/2), b = (eps/2, -eps/2); half the bound fails */
    const double a[2] = {-0.5, 0.5}, b[2] = {0.5, -0.5};
    cr_assert(within_bounds(2, 1, a, b, &one, 1.0, 1.0));
    cr_assert_not(within_bounds(2, 1, a, b, &one, 1.0, 0.5), "a halved bound must fail");
}

Test(properties, corollary_3_4_with_explicit_constants, .timeout = 600)
{
    test_rng rng = {3404};
    for (int k = 0; k < 10000; k++) {
        size_t n = test_rng_int(&rng, 2, MAX_N), d = test_rng_int(&rng, 1, MAX_D);
        double A[MAX_N * MAX_D], B[MAX_N * MAX_D], x[MAX_D], row_norm = 0.0, xnorm = 0.0;
        double delta = ldexp(1.0, -(int)test_rng_int(&rng, 1, 20));
        for (size_t j = 0; j < d; j++)
            x[j] = dyadic(&rng, 1.5);
        for (size_t i = 0; i < n; i++) {
            double diff[MAX_D], nrm = 0.0;
            for (size_t j = 0; j < d; j++) {
                A[i * d + j] = dyadic(&rng, 2.0);
                diff[j] = ldexp((double)((long)test_rng_int(&rng, 0, 2048) - 1024), -10) * delta;
                B[i * d + j] = A[i * d + j] + diff[j]; /* exact */
            }
            (void)bht_check_energy(d, diff, 0.0, &nrm);
            row_norm = fmax(row_norm, nextafter(nrm, INFINITY));
        }
        (void)bht_check_energy(d, x, 0.0, &xnorm);
        /* e >= ||A - B||_{2->inf} ||x||: both factors rounded up, product rounded up */
        double e = nextafter(row_norm * nextafter(xnorm, INFINITY), INFINITY);
        cr_assert(within_bounds(n, d, A, B, x, e, 1.0), "case %d (n %zu, d %zu)", k, n, d);
    }
}
