/* test_sup_threads.c: the certified sup searches (softmax and leverage
 * models) give the same bits for any number of threads (the children of a split cell are evaluated in
 * parallel and committed in the sequential order): bracket, cell count and
 * query compared between 1, 2 and 3 threads on fixed random problems. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "harness.h"

#define MAX_N 6
#define MAX_D 3

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

static void compare_threads(sup_fn fn, const char *name, uint64_t seed, size_t max_cells)
{
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
        bht_sup_result r[3];
        /* the softmax query has d entries, the leverage query s has n */
        double query[3][MAX_N];
        bht_status st[3];
        for (size_t t = 0; t < 3; t++) {
            bht_sup_options opt = {0.01, max_cells, NULL, NULL, t + 1};
            st[t] = fn(n, d, A, M, &opt, query[t], &r[t]);
        }
        for (size_t t = 1; t < 3; t++) {
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
    }
}

Test(sup_threads, softmax_same_bits_for_1_2_3_threads, .timeout = 600)
{
    compare_threads(softmax_sup, "softmax", 1357, 20000);
}

/* n - d <= d uses the complement's forms (and n = 2d both formulations):
 * the shapes drawn here include both. */
Test(sup_threads, leverage_same_bits_for_1_2_3_threads, .timeout = 600)
{
    compare_threads(leverage_sup, "leverage", 2468, 20000);
}
