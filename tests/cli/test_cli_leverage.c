/* test_cli_leverage.c: `bht leverage` as a subprocess ($BHT): output
 * against the library, and every error class with its exit code (2 bad
 * input, 3 numerical refusal) under the one-line error contract.  The run
 * helpers are shared with the other CLI tests (tests/cli_harness.h).
 * Inputs are written to mkstemp files by the tests themselves. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "cli_harness.h"




/* A temp file with the given text; path in buf (caller unlinks). */
#define TEMP(var, text)                                                                       \
    char var[32];                                                                             \
    temp_file(var, text, strlen(text))

static const char *design = "1 0\n1 1\n1 2\n1 3\n";
static const double design_values[8] = {1, 0, 1, 1, 1, 2, 1, 3};

Test(cli_leverage, double_kernel_oracle_and_scores)
{
    TEMP(A, design);
    TEMP(s, "1\n2\n0.5\n1\n");
    double ref_p[4], ref_h[4];
    const double sv[4] = {1, 2, 0.5, 1};
    cr_assert_eq(bht_oracle_leverage(4, 2, design_values, sv, ref_p, ref_h, NULL, NULL, NULL),
                 BHT_OK);
    run_result k = RUN("leverage", "-A", A, "-s", s);
    run_result o = RUN("leverage", "-A", A, "-s", s, "--oracle", "--hex");
    run_result h = RUN("leverage", "-A", A, "-s", s, "--scores", "--bounds", "0.25,4");
    cr_assert_eq(k.status, 0, "stderr: %s", k.err);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_eq(h.status, 0, "stderr: %s", h.err);
    double pk[8], po[8], hk[8];
    cr_assert_eq(parse_lines(k.out, pk, 8), 4);
    cr_assert_eq(parse_lines(o.out, po, 8), 4);
    cr_assert_eq(parse_lines(h.out, hk, 8), 4);
    for (int i = 0; i < 4; i++) {
        cr_assert(bht_ulp_error(pk[i], ref_p[i]) <= 1.0, "p[%d] %a vs %a", i, pk[i], ref_p[i]);
        cr_assert(memcmp(&po[i], &ref_p[i], sizeof po[i]) == 0, "oracle p[%d]", i);
        cr_assert(bht_ulp_error(hk[i], ref_h[i]) <= 1.0, "h[%d]", i);
    }
    cr_assert(strstr(o.out, "0x") != NULL);
    run_free(&k);
    run_free(&o);
    run_free(&h);
    run_result d = RUN("leverage", "-A", A); /* s = 1: p = 0.35 0.15 0.15 0.35 */
    cr_assert_eq(d.status, 0);
    double pd[8];
    cr_assert_eq(parse_lines(d.out, pd, 8), 4);
    cr_assert(bht_ulp_error(pd[0], 0.35) <= 4.0 && bht_ulp_error(pd[1], 0.15) <= 4.0);
    run_free(&d);
    unlink(A);
    unlink(s);
}

Test(cli_leverage, bad_input_exit_2)
{
    TEMP(A, design);
    TEMP(s_zero, "1\n0\n1\n1\n");
    TEMP(s_short, "1 2 3\n");
    TEMP(s_ok, "1\n2\n0.5\n1\n");
    TEMP(wide, "1 2 3\n4 5 6\n");
    run_result r = RUN("leverage", "-A", A, "-s", s_zero);
    expect_failure(&r, 2, "s_2 = 0", s_zero, NULL);
    r = RUN("leverage", "-A", A, "-s", s_short);
    expect_failure(&r, 2, "3 values", "4 rows", NULL);
    r = RUN("leverage", "-A", wide);
    expect_failure(&r, 2, "n < d", NULL);
    r = RUN("leverage", "-A", A, "-s", s_ok, "--bounds", "0.3,4");
    expect_failure(&r, 2, "s_3 = 0.5", "--bounds", NULL);
    r = RUN("leverage", "-A", A, "-s", s_ok, "--bounds", "0.25,3.9");
    expect_failure(&r, 2, "s_2 = 2", NULL);
    r = RUN("leverage", "-A", A, "-s", s_ok, "--bounds", "1");
    expect_failure(&r, 2, "--bounds", NULL);
    r = RUN("leverage", "-A", A, "-s", s_ok, "--bounds", "4,1");
    expect_failure(&r, 2, "0 < c < C", NULL);
    r = RUN("leverage", "-A", A, "-s", s_ok, "--bounds", "x,2");
    expect_failure(&r, 2, "--bounds", NULL);
    r = RUN("leverage", "-A", A, "-s", s_ok, "--bounds", "1,2,3");
    expect_failure(&r, 2, "--bounds", NULL);
    r = RUN("leverage", "-A", A, "--bounds", "0.5,2");
    expect_failure(&r, 2, "-s FILE", NULL);
    r = RUN("leverage", "-A", A, "--precision-cap", "200");
    expect_failure(&r, 2, "--oracle", NULL);
    r = RUN("leverage");
    expect_failure(&r, 2, "-A FILE", NULL);
    r = RUN("leverage", "-A", "/nonexistent/bht-leverage.txt");
    expect_failure(&r, 2, "/nonexistent/bht-leverage.txt", NULL);
    unlink(A);
    unlink(s_zero);
    unlink(s_short);
    unlink(s_ok);
    unlink(wide);
}

Test(cli_leverage, numerical_refusal_exit_3)
{
    TEMP(deficient, "1 2\n2 4\n3 6\n");
    TEMP(ill, "1 1\n1 0x1.0000000000001p+0\n1 0x1.fffffffffffffp-1\n");
    run_result r = RUN("leverage", "-A", deficient);
    expect_failure(&r, 3, "cannot certify full rank", "condition estimate", "--oracle", NULL);
    r = RUN("leverage", "-A", deficient, "--oracle");
    expect_failure(&r, 3, "exactly rank deficient", NULL);
    r = RUN("leverage", "-A", ill);
    expect_failure(&r, 3, "condition estimate", NULL);
    run_result o = RUN("leverage", "-A", ill, "--oracle", "--scores");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    double h[4];
    cr_assert_eq(parse_lines(o.out, h, 4), 3);
    const double Ai[6] = {1, 1, 1, 0x1.0000000000001p+0, 1, 0x1.fffffffffffffp-1};
    double ref[3], pref[3];
    cr_assert_eq(bht_oracle_leverage(3, 2, Ai, NULL, pref, ref, NULL, NULL, NULL), BHT_OK);
    for (int i = 0; i < 3; i++)
        cr_assert(memcmp(&h[i], &ref[i], sizeof h[i]) == 0, "h[%d] %a vs %a", i, h[i], ref[i]);
    run_free(&o);
    /* entries far beyond the former 2^+-400 limit: answered (issue 12) */
    TEMP(tiny, "1 2\n3 0x1p-600\n5 7\n");
    r = RUN("leverage", "-A", tiny);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    run_free(&r);
    r = RUN("leverage", "-A", deficient, "--oracle", "--precision-cap", "100");
    expect_failure(&r, 3, NULL);
    unlink(deficient);
    unlink(ill);
    unlink(tiny);
}

/* The value on the line "key V" of out (NAN when absent). */
static double keyed_value(const char *out, const char *key)
{
    size_t len = strlen(key);
    for (const char *line = out; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
        if (strncmp(line, key, len) == 0 && line[len] == ' ')
            return strtod(line + len + 1, NULL);
    return NAN;
}

Test(cli_leverage, sup_plan_and_simulate_match_the_library, .timeout = 120)
{
    static const double B_values[8] = {1.25, 0.5, 1, 2.5, 1.5, 0.75, 0, 1};
    static const double M_values[8] = {0.5, -1, 1, 0.25, -0.5, 1, 1, 0};
    TEMP(A, design);
    TEMP(B, "1.25 0.5\n1 2.5\n1.5 0.75\n0 1\n");
    TEMP(M, "0.5 -1\n1 0.25\n-0.5 1\n1 0\n");
    TEMP(s, "1\n2\n1.5\n1\n");
    TEMP(s_zero, "1\n0\n1\n1\n");

    double query[4];
    bht_sup_options opt = {0.01, 400000, NULL, NULL, 0, NULL};
    bht_sup_result sup;
    cr_assert_eq(bht_nu_leverage_sup(4, 2, design_values, M_values, 1.0, 4.0, &opt, query, &sup),
                 BHT_OK);
    run_result r = RUN("nu", "--leverage", "-A", A, "-M", M, "--bounds", "1,4", "--sup");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(keyed_value(r.out, "nu_lower") == sup.nu_lower, "%s", r.out);
    cr_assert(keyed_value(r.out, "nu_upper") == sup.nu_upper, "%s", r.out);
    cr_assert_leq(keyed_value(r.out, "relative_width"), 0.01);
    run_free(&r);

    bht_plan_result plan;
    cr_assert_eq(bht_plan_leverage(4, 2, design_values, B_values, 0.25, 4.0, 1.0 / 3.0, 200000,
                                   query, &plan),
                 BHT_OK);
    r = RUN("plan", "--leverage", "-A", A, "-B", B, "--bounds", "0.25,4");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(keyed_value(r.out, "delta_lower") == plan.delta_lower, "%s", r.out);
    cr_assert(keyed_value(r.out, "delta_upper") == plan.delta_upper, "%s", r.out);
    cr_assert(keyed_value(r.out, "queries_upper") == plan.queries_upper, "%s", r.out);
    cr_assert(strstr(r.out, "criterion both error probabilities") != NULL, "%s", r.out);
    run_free(&r);

    bht_simulation sim;
    const double sv[4] = {1, 2, 1.5, 1};
    cr_assert_eq(bht_simulate_leverage(4, 2, design_values, B_values, sv, 20, 500, 7, &sim),
                 BHT_OK);
    r = RUN("simulate", "--leverage", "-A", A, "-B", B, "-s", s, "--queries", "20", "--trials",
            "500", "--seed", "7");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(keyed_value(r.out, "error_rate") == sim.error_rate, "%s", r.out);
    cr_assert(keyed_value(r.out, "bayes_upper") == sim.bayes_upper, "%s", r.out);
    run_free(&r);

    r = RUN("nu", "--leverage", "-A", A, "-M", M, "-s", s, "--bounds", "1,4", "--sup");
    expect_failure(&r, 2, "--sup", "no -s", NULL);
    r = RUN("nu", "--leverage", "-A", A, "-M", M, "--sup");
    expect_failure(&r, 2, "--bounds c,C", NULL);
    r = RUN("nu", "--leverage", "-A", A, "-M", M, "--bounds", "1,4", "--sup", "--max-cells", "0");
    expect_failure(&r, 2, "--max-cells", NULL);
    r = RUN("plan", "--leverage", "-A", A, "-B", B);
    expect_failure(&r, 2, "--bounds c,C", NULL);
    r = RUN("plan", "--leverage", "-A", A, "-B", B, "--bounds", "1,4", "--energy", "1");
    expect_failure(&r, 2, "not --energy", NULL);
    r = RUN("plan", "--leverage", "-A", A, "-B", M, "--bounds", "4,1");
    expect_failure(&r, 2, "0 < c < C", NULL);
    r = RUN("simulate", "--leverage", "-A", A, "-B", B, "--queries", "3", "--trials", "3");
    expect_failure(&r, 2, "-s FILE", NULL);
    r = RUN("simulate", "--leverage", "-A", A, "-B", B, "-s", s_zero, "--queries", "3",
            "--trials", "3");
    expect_failure(&r, 2, "s_2 = 0", NULL);
    unlink(A);
    unlink(B);
    unlink(M);
    unlink(s);
    unlink(s_zero);
}

Test(cli_leverage, sup_for_a_square_design_is_exactly_zero)
{
    /* d = n: every h_ii = 1 whatever s, so nu = 0 on the whole set and the
     * bracket [0, 0] is exact (relative width 0, not inf) */
    TEMP(A, "1 0\n0 1\n");
    TEMP(M, "1 2\n3 4\n");
    run_result r = RUN("nu", "--leverage", "-A", A, "-M", M, "--bounds", "1,4", "--sup");
    unlink(A);
    unlink(M);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(strstr(r.out, "nu_lower 0\n") && strstr(r.out, "nu_upper 0\n")
                  && strstr(r.out, "relative_width 0\n"),
              "output: %s", r.out);
    run_free(&r);
}

/* Every value of `out` (one per line, "key V" lines read as V). */
static size_t all_values(const char *out, double *v, size_t max)
{
    size_t count = 0;
    for (const char *line = out; line && *line && count < max;) {
        const char *num = line;
        while (*num && *num != '\n' && *num != ' ')
            num++;
        num = (*num == ' ') ? num + 1 : line;
        char *end;
        double x = strtod(num, &end);
        if (end != num)
            v[count++] = x;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return count;
}

/* The double kernel's output against the --oracle output, value by value,
 * within `budget` ulp (both printed in hex: exact). */
static void kernel_matches_oracle(double budget, const char *what, ...)
{
    char *argv[16];
    va_list ap;
    va_start(ap, what);
    size_t argc = 0;
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 12;)
        argv[argc++] = a;
    va_end(ap);
    char hex[] = "--hex", oracle[] = "--oracle";
    argv[argc++] = hex;
    argv[argc] = NULL;
    run_result k = run_argv(argv);
    argv[argc++] = oracle;
    argv[argc] = NULL;
    run_result o = run_argv(argv);
    cr_assert_eq(k.status, 0, "%s: kernel refused: %s", what, k.err);
    cr_assert_eq(o.status, 0, "%s: oracle: %s", what, o.err);
    double vk[64], vo[64];
    size_t nk = all_values(k.out, vk, 64), no = all_values(o.out, vo, 64);
    cr_assert(nk == no && nk > 0, "%s: %zu vs %zu values", what, nk, no);
    for (size_t i = 0; i < nk; i++)
        cr_assert(bht_ulp_error(vk[i], vo[i]) <= budget, "%s: value %zu: %a vs oracle %a", what,
                  i, vk[i], vo[i]);
    run_free(&k);
    run_free(&o);
}

/* Issue 12, finding 4: inputs an ordinary user gives, refused (exit 3)
 * before; and finding 3: close leverage models (B = c A, A R, 1e-5 A
 * rounded) with tv, hellinger off by 9 ... 6e9 ulp; M = A X in nu. */
Test(cli_leverage, issue12_whole_range_and_close_models, .timeout = 120)
{
    TEMP(col150, "1e150\n2e150\n-3e150\n5e149\n");
    TEMP(x200, "1 1e200\n1 2.5e200\n1 -4e200\n1 7e199\n1 3e200\n");
    TEMP(units, "1e-130 3e130\n2e-130 -1e130\n-5e-131 4e130\n7e-130 2e130\n");
    TEMP(sub, "1e-310 2e-310\n-3e-310 1e-310\n5e-311 -4e-310\n2e-310 2e-310\n");
    TEMP(s150, "1e150\n3e150\n2e150\n5e150\n");
    TEMP(design4, "1 0.5\n-2 0.25\n0.75 3\n1.5 -1\n");
    kernel_matches_oracle(1.0, "d = 1 column of 1e150", "leverage", "-A", col150, NULL);
    kernel_matches_oracle(1.0, "[1, x], x ~ 1e200", "leverage", "-A", x200, "--scores", NULL);
    kernel_matches_oracle(1.0, "units 1e-130, 1e130", "leverage", "-A", units, NULL);
    kernel_matches_oracle(1.0, "entries of 1e-310", "leverage", "-A", sub, NULL);
    kernel_matches_oracle(1.0, "s ~ 1e150", "leverage", "-A", design4, "-s", s150, NULL);
    kernel_matches_oracle(2.0, "nu, entries 1e-310", "nu", "--leverage", "-A", sub, "-M", units,
                          "--derivative", NULL);
    kernel_matches_oracle(2.0, "nu, s ~ 1e150", "nu", "--leverage", "-A", design4, "-M", units,
                          "-s", s150, "--derivative", NULL);
    /* close models: B = 1.1 A, 1e-5 A (rounded) and A R rounded */
    TEMP(A, "0.3 -1.2\n1.7 0.4\n-0.8 2.1\n0.5 0.9\n-1.4 -0.3\n2.2 1.1\n");
    TEMP(B1, "0.33 -1.32\n1.87 0.44\n-0.88 2.31\n0.55 0.99\n-1.54 -0.33\n2.42 1.21\n");
    TEMP(B2, "3e-6 -1.2e-5\n1.7e-5 4e-6\n-8e-6 2.1e-5\n5e-6 9e-6\n-1.4e-5 -3e-6\n2.2e-5 1.1e-5\n");
    TEMP(B3, "0.81 -0.03\n0.145 3.05\n-1.13 -0.52\n-0.23 1.56\n-0.51 -2.33\n0.17 4.18\n");
    kernel_matches_oracle(2.0, "B = 1.1 A", "distance", "--leverage", "-A", A, "-B", B1, NULL);
    kernel_matches_oracle(2.0, "B = 1e-5 A", "distance", "--leverage", "-A", A, "-B", B2, NULL);
    kernel_matches_oracle(2.0, "B = A R", "distance", "--leverage", "-A", A, "-B", B3, NULL);
    /* B - A at 1e-160 of A's scale in one entry (was "out of scale") */
    TEMP(At, "1 2\n3 1e-160\n-1 0.5\n2 -1\n");
    TEMP(Bt, "1 2\n3 1.0000001e-160\n-1 0.5\n2 -1\n");
    kernel_matches_oracle(2.0, "B - A tiny", "distance", "--leverage", "-A", At, "-B", Bt, NULL);
    /* M = A X exactly: nu, the local constant and dq/deps are exactly 0 */
    TEMP(M, "1.5 -1\n-1.75 2\n3.75 -0.75\n0.5 -1.5\n"); /* design4 [[1, -1], [1, 0]] */
    run_result r = RUN("nu", "--leverage", "-A", design4, "-M", M, "--derivative");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    double v[16];
    size_t count = all_values(r.out, v, 16);
    cr_assert_eq(count, 6, "%s", r.out);
    for (size_t i = 0; i < count; i++)
        cr_assert(v[i] == 0.0, "value %zu = %a in\n%s", i, v[i], r.out);
    run_free(&r);
    const char *files[] = {col150, x200, units, sub, s150, design4, A, B1, B2, B3, At, Bt, M};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(files[i]);
}
