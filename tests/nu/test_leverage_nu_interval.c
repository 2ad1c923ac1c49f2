/* test_leverage_nu_interval.c: the sup search's nu-only oracle
 * (src/nu/leverage_nu_interval.c: MPFR intervals, correctly rounded when
 * the enclosure decides, else the exact oracle) against the full exact
 * oracle bht_oracle_nu_leverage (GMP rationals, an independent computation
 * of the same quantity): the same status and the same bits of nu on every
 * instance, over families that stress the enclosure (row and s scalings
 * over 2^+-20, Vandermonde designs with d 9..11, M = A S + 2^-20 N where W
 * cancels, M = A S exactly where nu = 0 and up to rounding, zero rows, short dyadic entries,
 * rank deficiency, near rank deficiency, the sup search's queries), and
 * the inputs the oracle refuses.  Also checks that the interval route, not
 * the fallback, decides the ordinary instances (its purpose is speed) and
 * that rank deficiency reaches the exact oracle. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "nu/leverage_nu_interval.h"

#define MAX_N 28
#define MAX_D 11
#define FAMILIES 10

typedef struct instance {
    size_t n, d;
    int has_s;
    double A[MAX_N * MAX_D], M[MAX_N * MAX_D], s[MAX_N];
} instance;

static int same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

/* (a S)_j for a row a and S d-by-d (row-major). */
static double row_times(const double *a, const double *S, size_t d, size_t j)
{
    double v = 0.0;
    for (size_t k = 0; k < d; k++)
        v += a[k] * S[k * d + j];
    return v;
}

/* Families: 0 Gaussian; 1 rows and s scaled over 2^+-20; 2 Vandermonde
 * d 9..11; 3 M = A S + 2^-20 N; 4 a zero row of A; 5 short dyadic
 * entries; 6 M = A S exactly (nu = 0) or rounded (nu ~ 2^-106); 7 a repeated column (rank < d);
 * 8 a column repeated up to 2^-40 (near rank deficiency); 9 the sup
 * search's setting (n <= 8, d < n, s^2 in [1, 4]). */
static void make_instance(test_rng *rng, instance *in, int family)
{
    size_t d = test_rng_int(rng, 1, 6), n = test_rng_int(rng, d + 1, d + 14);
    if (family == 2) {
        d = test_rng_int(rng, 9, 11);
        n = test_rng_int(rng, d + 2, 24);
    }
    if (family == 7 || family == 8)
        d = test_rng_int(rng, 2, 6);
    if (family == 9) {
        n = test_rng_int(rng, 2, 8);
        d = test_rng_int(rng, 1, n - 1);
    }
    in->n = n;
    in->d = d;
    in->has_s = family == 1 || family == 9 || (int)(test_rng_next(rng) & 1);
    for (size_t i = 0; i < n; i++) {
        double x = test_rng_uniform(rng, -1.0, 1.0);
        double rs = family == 1 ? ldexp(1.0, (int)test_rng_int(rng, 0, 40) - 20) : 1.0;
        for (size_t j = 0; j < d; j++) {
            double a = test_rng_normal(rng), m = test_rng_normal(rng);
            if (family == 2)
                a = j == 0 ? 1.0 : x * in->A[i * d + j - 1];
            if (family == 5) {
                a = (double)((long)test_rng_int(rng, 0, 16) - 8) / 4.0;
                m = (double)((long)test_rng_int(rng, 0, 8) - 4) / 8.0;
            }
            in->A[i * d + j] = a * rs;
            in->M[i * d + j] = m;
        }
        in->s[i] = test_rng_uniform(rng, 0.5, 2.0);
        if (family == 1)
            in->s[i] *= ldexp(1.0, (int)test_rng_int(rng, 0, 40) - 20);
        if (family == 5)
            in->s[i] = (double)test_rng_int(rng, 1, 7) / 4.0;
        if (family == 9)
            in->s[i] = test_rng_uniform(rng, 1.0, 2.0);
        if (family == 7)
            in->A[i * d + d - 1] = in->A[i * d];
        if (family == 8)
            in->A[i * d + d - 1] = in->A[i * d] + ldexp(test_rng_normal(rng), -40);
    }
    if (family == 3 || family == 6) {
        /* family 3: M = A S + 2^-20 N; family 6: column j of M is 2 times
         * column j + 1 of A (M = A S exactly, S twice a permutation: nu = 0)
         * or, every other instance, 3 times it rounded (nu about 2^-106,
         * W cancels to the last bits of M) */
        const double factor = (test_rng_next(rng) & 1) ? 2.0 : 3.0;
        double S[MAX_D * MAX_D];
        for (size_t k = 0; k < d * d; k++)
            S[k] = test_rng_normal(rng);
        for (size_t k = 0; k < n * d; k++) {
            const double *row = in->A + k - k % d;
            in->M[k] = family == 6 ? factor * row[(k % d + 1) % d]
                                   : row_times(row, S, d, k % d) + ldexp(test_rng_normal(rng), -20);
        }
    }
    if (family == 4) {
        size_t z = test_rng_int(rng, 0, n - 1);
        for (size_t j = 0; j < d; j++)
            in->A[z * d + j] = 0.0;
    }
}

/* Compares the two routes on one instance; returns the interval route's
 * precision (0: it fell back to the exact oracle). */
static long compare(const instance *in, int family, int k)
{
    const double *s = in->has_s ? in->s : NULL;
    bht_local_result full;
    double nu = -1.0;
    long route = -1;
    bht_status sf = bht_oracle_nu_leverage(in->n, in->d, in->A, in->M, s, &full, NULL, NULL, NULL);
    bht_status si = bht__oracle_nu_leverage_value(in->n, in->d, in->A, in->M, s, &nu, &route);
    cr_assert_eq(si, sf, "family %d case %d (n %zu d %zu): status %d, oracle %d", family, k, in->n,
                 in->d, (int)si, (int)sf);
    if (sf == BHT_OK)
        cr_assert(same_bits(nu, full.nu), "family %d case %d (n %zu d %zu): nu %a, oracle %a",
                  family, k, in->n, in->d, nu, full.nu);
    cr_assert(route == 0 || route == 128 || route == 320, "route %ld", route);
    return route;
}

Test(leverage_nu_interval, same_bits_as_the_exact_oracle, .timeout = 600)
{
    static const int cases[FAMILIES] = {200, 100, 40, 100, 60, 100, 60, 40, 60, 400};
    test_rng rng = {20261207};
    for (int family = 0; family < FAMILIES; family++) {
        int by_route[3] = {0, 0, 0}; /* 128, 320, exact */
        for (int k = 0; k < cases[family]; k++) {
            instance in;
            make_instance(&rng, &in, family);
            long route = compare(&in, family, k);
            by_route[route == 128 ? 0 : route == 320 ? 1 : 2]++;
        }
        printf("leverage nu interval, family %d: %d cases, decided at 128 bits %d, at 320 bits "
               "%d, exact oracle %d\n",
               family, cases[family], by_route[0], by_route[1], by_route[2]);
        if (family == 0 || family == 9) /* ordinary instances: the fast route decides */
            cr_assert_geq(by_route[0], cases[family] * 95 / 100, "family %d: %d of %d at 128 bits",
                          family, by_route[0], cases[family]);
        if (family == 7) /* rank < d: only the exact oracle decides it */
            cr_assert_eq(by_route[2], cases[family], "family 7: %d of %d to the exact oracle",
                         by_route[2], cases[family]);
        if (family == 6) /* nu ~ 2^-106 (M rounded): decided despite the cancellation */
            cr_assert_gt(by_route[0], 0, "family 6: no case decided by intervals");
    }
}

/* Inputs the oracle refuses get the oracle's status. */
Test(leverage_nu_interval, refuses_as_the_oracle)
{
    double A[6] = {1, 2, 3, 4, 5, 7}, M[6] = {1, 0, 0, 1, 1, 1}, s[3] = {1, 2, 3};
    double bad_A[6] = {1, 2, NAN, 4, 5, 7}, zero_s[3] = {1, 0, 3}, inf_s[3] = {1, INFINITY, 3};
    struct {
        size_t n, d;
        const double *A, *M, *s;
    } cases[] = {{3, 2, NULL, M, s},   {3, 2, A, NULL, s},     {3, 0, A, M, s},
                 {1, 2, A, M, s},      {3, 2, bad_A, M, s},    {3, 2, A, M, zero_s},
                 {3, 2, A, M, inf_s},  {BHT_LEVERAGE_ORACLE_MAX_N + 1, 2, A, M, s},
                 {3, 2, A, M, s},      {3, 2, A, M, NULL}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        bht_local_result full;
        double nu = -1.0;
        bht_status sf = bht_oracle_nu_leverage(cases[k].n, cases[k].d, cases[k].A, cases[k].M,
                                               cases[k].s, &full, NULL, NULL, NULL);
        bht_status si = bht__oracle_nu_leverage_value(cases[k].n, cases[k].d, cases[k].A,
                                                      cases[k].M, cases[k].s, &nu, NULL);
        cr_assert_eq(si, sf, "case %zu: status %d, oracle %d", k, (int)si, (int)sf);
        if (sf == BHT_OK)
            cr_assert(same_bits(nu, full.nu), "case %zu: nu %a, oracle %a", k, nu, full.nu);
        else
            cr_assert(same_bits(nu, -1.0), "case %zu: nu written on refusal", k);
    }
}
