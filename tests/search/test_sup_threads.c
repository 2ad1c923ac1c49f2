/* test_sup_threads.c: the certified sup searches (softmax and leverage
 * models) give the same bits for any number of threads (each round's cells
 * are a function of the heap alone, evaluated in parallel and committed in
 * a fixed order, see src/search/sup_pool.h): bracket, cell count and query
 * compared between 1, 2, 3 and 4 threads on fixed random problems, run to
 * convergence and stopped by a small cell budget (which ends the search
 * in the middle of a round). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "harness.h"

#define MAX_N 6
#define MAX_D 3
#define THREADS 4 /* 1 .. THREADS threads */

static int same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

typedef bht_status (*sup_fn)(size_t n, size_t d, const double *A, const double *M,
                             const bht_sup_options *opt, double *query, bht_sup_result *r);

static bht_status softmax_sup(size_t n, size_t d, const double *A, const double *M,
                              const bht_sup_options *opt, double *query, bht_sup_result *r)
{
    return bht_nu_softmax_sup(n, d, A, M, 1.0, opt, query, r);
}

static bht_status leverage_sup(size_t n, size_t d, const double *A, const double *M,
                               const bht_sup_options *opt, double *query, bht_sup_result *r)
{
    return bht_nu_leverage_sup(n, d, A, M, 1.0, 4.0, opt, query, r);
}

/* Returns how many of the cases ended without converging. */
static int compare_threads(sup_fn fn, const char *name, uint64_t seed, size_t max_cells)
{
    int unconverged = 0;
    test_rng rng = {seed};
    for (int k = 0; k < 6; k++) {
        size_t n = test_rng_int(&rng, 3, MAX_N), d = test_rng_int(&rng, 1, MAX_D);
        if (d >= n)
            d = n - 1;
        double A[MAX_N * MAX_D], M[MAX_N * MAX_D];
        for (size_t i = 0; i < n * d; i++) {
            A[i] = test_rng_normal(&rng);
            M[i] = test_rng_normal(&rng);
        }
        bht_sup_result r[THREADS];
        /* the softmax query has d entries, the leverage query s has n */
        double query[THREADS][MAX_N];
        bht_status st[THREADS];
        for (size_t t = 0; t < THREADS; t++) {
            bht_sup_options opt = {0.01, max_cells, NULL, NULL, t + 1};
            st[t] = fn(n, d, A, M, &opt, query[t], &r[t]);
        }
        for (size_t t = 1; t < THREADS; t++) {
            cr_assert_eq(st[t], st[0], "%s case %d: status with %zu threads", name, k, t + 1);
            if (st[0] != BHT_OK)
                continue;
            cr_assert(same_bits(r[t].nu_lower, r[0].nu_lower) && same_bits(r[t].nu_upper, r[0].nu_upper),
                      "%s case %d (n %zu, d %zu): [%a, %a] with %zu threads, [%a, %a] with 1",
                      name, k, n, d, r[t].nu_lower, r[t].nu_upper, t + 1, r[0].nu_lower,
                      r[0].nu_upper);
            cr_assert_eq(r[t].cells, r[0].cells, "%s case %d: cells", name, k);
            for (size_t j = 0; j < (fn == leverage_sup ? n : d); j++)
                cr_assert(same_bits(query[t][j], query[0][j]), "%s case %d: query[%zu]", name, k, j);
        }
        unconverged += st[0] == BHT_OK && !r[0].converged;
    }
    return unconverged;
}

Test(sup_threads, softmax_same_bits_for_1_to_4_threads, .timeout = 600)
{
    compare_threads(softmax_sup, "softmax", 1357, 20000);
}

Test(sup_threads, softmax_same_bits_when_the_budget_ends_it, .timeout = 600)
{
    cr_assert_gt(compare_threads(softmax_sup, "softmax", 97531, 150), 0,
                 "the budget ended no search");
}

/* n - d <= d uses the complement's forms (and n = 2d both formulations):
 * the shapes drawn here include both. */
Test(sup_threads, leverage_same_bits_for_1_to_4_threads, .timeout = 600)
{
    compare_threads(leverage_sup, "leverage", 2468, 20000);
}

Test(sup_threads, leverage_same_bits_when_the_budget_ends_it, .timeout = 600)
{
    cr_assert_gt(compare_threads(leverage_sup, "leverage", 8642, 301), 0,
                 "the budget ended no search");
}
