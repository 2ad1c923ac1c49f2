/* test_cli_converged.c: `nu --sup` and `plan` say whether the certified
 * bracket reached its target width (issue 16): converged true|false,
 * relative_width and cells in text and JSON, exit 4 with one warning line
 * when the budget ran out.  Expected brackets come from the library calls
 * (bht_nu_softmax_sup, bht_nu_leverage_sup, bht_plan_leverage_search,
 * bht_plan_softmax) made here in-process. */
#include <criterion/criterion.h>
#include <math.h>
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

static const char *keyed_word(const char *out, const char *key, char *buf, size_t size)
{
    size_t len = strlen(key);
    const char *at = strstr(out, key);
    cr_assert(at && at[len] == ' ', "no key %s in: %s", key, out);
    size_t k = 0;
    for (const char *c = at + len + 1; *c && *c != '\n' && k + 1 < size; c++)
        buf[k++] = *c;
    buf[k] = '\0';
    return buf;
}

/* The one warning line of exit 4, with stdout kept. */
static void expect_not_converged(run_result *r, const char *fragment)
{
    char w[16];
    cr_assert_eq(r->status, 4, "exit %d; stderr %s", r->status, r->err);
    cr_assert_str_eq(keyed_word(r->out, "converged", w, sizeof w), "false");
    cr_assert_eq(count_lines(r->err), 1, "%s", r->err);
    cr_assert(strncmp(r->err, "bht: ", 5) == 0 && strstr(r->err, fragment), "%s", r->err);
}

static const double A_values[6] = {1, 2, 3, 4, -0.5, 3};
static const double M_values[6] = {1, 2.5, 3, 4, 0, 3};
static const char A_text[] = "1 2\n3 4\n-0.5 3\n", M_text[] = "1 2.5\n3 4\n0 3\n";

#define TEMP(var, text)                                                                   \
    char var[32];                                                                         \
    temp_file(var, text, strlen(text))

Test(converged, nu_sup_softmax_budget_and_target, .timeout = 120)
{
    TEMP(A, A_text);
    TEMP(M, M_text);
    double q[2];
    bht_sup_result lib;
    bht_sup_options small = {0.01, 10, NULL, NULL, 0, NULL}, full = {0.01, 200000, NULL, NULL, 0, NULL};
    cr_assert_eq(bht_nu_softmax_sup(3, 2, A_values, M_values, 1.0, &small, q, &lib), BHT_OK);
    cr_assert_eq(lib.converged, 0);
    cr_assert_gt(lib.nu_upper, lib.nu_lower * 1.01);
    run_result r = RUN("nu", "--softmax", "-A", A, "-M", M, "--energy", "1", "--sup",
                       "--max-cells", "10");
    expect_not_converged(&r, "--max-cells 10 ran out at relative width");
    cr_assert(keyed(r.out, "nu_lower") == lib.nu_lower && keyed(r.out, "nu_upper") == lib.nu_upper);
    cr_assert(keyed(r.out, "cells") == (double)lib.cells);
    cr_assert(keyed(r.out, "relative_width") == (lib.nu_upper - lib.nu_lower) / lib.nu_lower);
    run_free(&r);

    cr_assert_eq(bht_nu_softmax_sup(3, 2, A_values, M_values, 1.0, &full, q, &lib), BHT_OK);
    cr_assert_eq(lib.converged, 1);
    cr_assert_leq(lib.nu_upper, lib.nu_lower * 1.01);
    r = RUN("nu", "--softmax", "-A", A, "-M", M, "--energy", "1", "--sup", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_empty(r.err);
    char want[64];
    snprintf(want, sizeof want, "\"cells\": %zu,", lib.cells);
    cr_assert(strstr(r.out, want) && strstr(r.out, "\"converged\": true\n"), "%s", r.out);
    run_free(&r);
    unlink(A);
    unlink(M);
}

Test(converged, nu_sup_leverage_budget, .timeout = 120)
{
    static const double L[8] = {1, 0, 0, 1, 1, 1, 2, -1}, N[8] = {0.5, -1, 1, 0.25, -0.5, 1,
                                                                   1, 0};
    TEMP(A, "1 0\n0 1\n1 1\n2 -1\n");
    TEMP(M, "0.5 -1\n1 0.25\n-0.5 1\n1 0\n");
    double q[4];
    bht_sup_result lib;
    /* 1500 cells: bounded (from about 1100) but not converged (2264 cells) */
    bht_sup_options small = {0.01, 1500, NULL, NULL, 0, NULL};
    cr_assert_eq(bht_nu_leverage_sup(4, 2, L, N, 0.25, 4.0, &small, q, &lib), BHT_OK);
    cr_assert_eq(lib.converged, 0);
    run_result r = RUN("nu", "--leverage", "-A", A, "-M", M, "--bounds", "0.25,4", "--sup",
                       "--max-cells", "1500");
    expect_not_converged(&r, "nu --sup: --max-cells 1500 ran out");
    cr_assert(keyed(r.out, "nu_upper") == lib.nu_upper && keyed(r.out, "cells") == lib.cells);
    run_free(&r);
    unlink(A);
    unlink(M);
}

Test(converged, plan_leverage_flags_a_wide_bracket, .timeout = 120)
{
    static const double L[8] = {1, 0, 0, 1, 1, 1, 2, -1}, LB[8] = {1, 0.25, 0, 1, 1, 1.5, 2, -1};
    TEMP(A, "1 0\n0 1\n1 1\n2 -1\n");
    TEMP(B, "1 0.25\n0 1\n1 1.5\n2 -1\n");
    double q[4];
    bht_plan_result plan;
    bht_sup_result h2;
    bht_sup_options small = {0.01, 100, NULL, NULL, 0, NULL}, full = {0.01, 200000, NULL, NULL, 0, NULL};
    cr_assert_eq(bht_plan_leverage_search(4, 2, L, LB, 0.25, 4.0, 1.0 / 3.0, &small, q, &plan,
                                          &h2),
                 BHT_OK);
    cr_assert_eq(h2.converged, 0);
    run_result r = RUN("plan", "--leverage", "-A", A, "-B", B, "--bounds", "0.25,4",
                       "--max-cells", "100");
    expect_not_converged(&r, "plan --leverage: --max-cells 100 ran out");
    cr_assert(keyed(r.out, "delta_upper") == plan.delta_upper);
    cr_assert(keyed(r.out, "cells") == (double)h2.cells);
    cr_assert(keyed(r.out, "relative_width") == (h2.nu_upper - h2.nu_lower) / h2.nu_lower);
    run_free(&r);

    /* the default budget meets the target; the wrapper is the same search */
    cr_assert_eq(bht_plan_leverage_search(4, 2, L, LB, 0.25, 4.0, 1.0 / 3.0, &full, q, &plan,
                                          &h2),
                 BHT_OK);
    cr_assert_eq(h2.converged, 1);
    bht_plan_result again;
    cr_assert_eq(bht_plan_leverage(4, 2, L, LB, 0.25, 4.0, 1.0 / 3.0, 200000, q, &again), BHT_OK);
    cr_assert(again.delta_upper == plan.delta_upper && again.delta_lower == plan.delta_lower);
    r = RUN("plan", "--leverage", "-A", A, "-B", B, "--bounds", "0.25,4");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char w[16];
    cr_assert_str_eq(keyed_word(r.out, "converged", w, sizeof w), "true");
    cr_assert_leq(keyed(r.out, "relative_width"), 0.01);
    run_free(&r);
    unlink(A);
    unlink(B);
}

Test(converged, plan_softmax_reports_its_closed_form_width)
{
    TEMP(A, A_text);
    TEMP(B, M_text);
    double q[2];
    bht_plan_result plan;
    cr_assert_eq(bht_plan_softmax(3, 2, A_values, M_values, 1.0, 1.0 / 3.0, q, &plan), BHT_OK);
    double lo = plan.delta_lower * plan.delta_lower, hi = plan.delta_upper * plan.delta_upper;
    cr_assert_gt(hi, lo * 1.01, "this pair's closed form is loose");
    run_result r = RUN("plan", "--softmax", "-A", A, "-B", B, "--energy", "1");
    expect_not_converged(&r, "closed-form");
    cr_assert(keyed(r.out, "relative_width") == (hi - lo) / lo);
    cr_assert(keyed(r.out, "cells") == 0.0);
    run_free(&r);
    /* equal models: [0, 0] is exact */
    r = RUN("plan", "--softmax", "-A", A, "-B", A, "--energy", "1", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"converged\": true") && strstr(r.out, "\"cells\": 0,"), "%s",
              r.out);
    run_free(&r);
    unlink(A);
    unlink(B);
}
