/* test_cli_simulate.c: `bht simulate` at planner scale (issue 16): m beyond
 * the old 2^20 cap, 64-bit seeds, precise option errors, and the simulated
 * error rates against the exact binomial error probabilities of a
 * two-outcome model (computed here from the binomial distribution, not by
 * the library). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "cli_harness.h"

static double keyed(const char *out, const char *key)
{
    double v = keyed_number(out, key);
    cr_assert(!isnan(v), "no key %s in: %s", key, out);
    return v;
}

#define TEMP(var, text)                                                                   \
    char var[32];                                                                         \
    temp_file(var, text, strlen(text))

/* Leverage models on n = 2, d = 1 at s = (1, 1): A = (1, 1) gives p = (1/2, 1/2),
 * B = (1, 3) gives q = (1/10, 9/10). */
static const double A2[2] = {1, 1}, B2[2] = {1, 3}, S2[2] = {1, 1};

/* P(decide B | A) and P(decide A | B) for m samples: with k = count of
 * outcome 2, the log-likelihood ratio is (m - k) ln(1/5) + k ln(9/5), positive
 * iff k > m ln 5 / ln 9 (never equal for m >= 1: ln 5 / ln 9 is irrational). */
static void exact_errors(int m, double *under_a, double *under_b)
{
    double threshold = m * log(5.0) / log(9.0);
    *under_a = *under_b = 0.0;
    for (int k = 0; k <= m; k++) {
        double binom = 1.0;
        for (int j = 1; j <= k; j++)
            binom = binom * (m - k + j) / j;
        double pa = binom * pow(0.5, m), pb = binom * pow(0.9, k) * pow(0.1, m - k);
        if (k > threshold)
            *under_a += pa;
        else
            *under_b += pb;
    }
}

Test(simulate, error_rates_match_the_binomial_distribution, .timeout = 60)
{
    const int ms[] = {1, 2, 5, 7};
    const unsigned long trials = 200000;
    for (size_t t = 0; t < sizeof ms / sizeof ms[0]; t++) {
        bht_simulation sim;
        cr_assert_eq(bht_simulate_leverage(2, 1, A2, B2, S2, (unsigned long)ms[t], trials, 12345,
                                           &sim),
                     BHT_OK);
        double ea, eb;
        exact_errors(ms[t], &ea, &eb);
        /* within 5 standard deviations of the exact probabilities */
        double sa = 5.0 * sqrt(ea * (1.0 - ea) / (double)trials) + 1e-12;
        double sb = 5.0 * sqrt(eb * (1.0 - eb) / (double)trials) + 1e-12;
        cr_assert(fabs(sim.error_under_a - ea) <= sa, "m %d: under A %g vs exact %g", ms[t],
                  sim.error_under_a, ea);
        cr_assert(fabs(sim.error_under_b - eb) <= sb, "m %d: under B %g vs exact %g", ms[t],
                  sim.error_under_b, eb);
    }
}

Test(simulate, planner_scale_queries_and_64_bit_seeds, .timeout = 120)
{
    TEMP(A, "1\n1\n");
    TEMP(B, "1\n3\n");
    TEMP(s, "1\n1\n");
    /* 2^21 + 1 queries (the old cap was 2^20), the largest seed */
    bht_simulation lib;
    cr_assert_eq(bht_simulate_leverage(2, 1, A2, B2, S2, (1UL << 21) + 1, 3, UINT64_MAX, &lib),
                 BHT_OK);
    run_result r = RUN("simulate", "--leverage", "-A", A, "-B", B, "-s", s, "--queries",
                       "2097153", "--trials", "3", "--seed", "18446744073709551615");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(keyed(r.out, "error_rate") == lib.error_rate);
    cr_assert(keyed(r.out, "bayes_upper") == lib.bayes_upper);
    run_free(&r);
    /* seeds differ in their high bits: different streams, each reproducible */
    bht_simulation a1, a2, b1;
    cr_assert_eq(bht_simulate_leverage(2, 1, A2, B2, S2, 1, 4000, 1, &a1), BHT_OK);
    cr_assert_eq(bht_simulate_leverage(2, 1, A2, B2, S2, 1, 4000, 1, &a2), BHT_OK);
    cr_assert_eq(bht_simulate_leverage(2, 1, A2, B2, S2, 1, 4000, 1 | (1ULL << 63), &b1),
                 BHT_OK);
    cr_assert(a1.error_rate == a2.error_rate && a1.error_under_a == a2.error_under_a);
    cr_assert(a1.error_under_a != b1.error_under_a || a1.error_under_b != b1.error_under_b);
    unlink(A);
    unlink(B);
    unlink(s);
}

Test(simulate, precise_option_errors)
{
    TEMP(A, "1\n1\n");
    run_result r = RUN("simulate", "--softmax", "-A", A, "-B", A, "-s", A, "--queries", "3",
                       "--trials", "3");
    expect_failure(&r, 2, "-s is the query of --leverage; --softmax takes its query as -x", NULL);
    r = RUN("simulate", "--leverage", "-A", A, "-B", A, "-x", A, "--queries", "3", "--trials",
            "3");
    expect_failure(&r, 2, "-x is the query of --softmax", NULL);
    r = RUN("simulate", "--softmax", "-A", A, "--trials", "3");
    expect_failure(&r, 2, "(missing: -B FILE -x FILE --queries m)", NULL);
    r = RUN("simulate", "--leverage", "-A", A, "-B", A, "-s", A, "--queries", "2000000",
            "--trials", "1000000");
    expect_failure(&r, 2, "= 2e+12 samples per hypothesis; at most 2^40", NULL);
    r = RUN("simulate", "--leverage", "-A", A, "-B", A, "-s", A, "--queries", "3", "--trials",
            "3", "--seed", "18446744073709551616");
    expect_failure(&r, 2, "--seed: 18446744073709551616 is larger than 18446744073709551615",
                   NULL);
    r = RUN("simulate", "--leverage", "-A", A, "-B", A, "-s", A, "--queries", "3", "--trials",
            "3", "--seed", "-1");
    expect_failure(&r, 2, "--seed: not a non-negative integer", NULL);
    unlink(A);
}
