/* test_cli.c: the bht command-line tool as a subprocess ($BHT), with inputs
 * from $BHT_TESTDATA/cli and $BHT_TESTDATA/bad.  Every run captures stdout
 * and stderr in mkstemp files (posix_spawn, no shell).  Contract checked
 * (README.md, "Errors and exit codes"): exit 0 / 1 / 2 / 3; on error exactly
 * one line "bht: ..." on stderr and nothing on stdout. */
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


/* Path of a test data file under $BHT_TESTDATA, into buf. */
static char *data_path(char *buf, size_t size, const char *relative)
{
    const char *root = getenv("BHT_TESTDATA");
    cr_assert(root != NULL, "BHT_TESTDATA is not set (run through `make unit`)");
    int n = snprintf(buf, size, "%s/%s", root, relative);
    cr_assert(n > 0 && (size_t)n < size, "path too long");
    return buf;
}

/* Declares char var[] holding the path of a test data file. */
#define DATA(var, relative)                                                                   \
    char var[4096];                                                                           \
    data_path(var, sizeof var, relative)


/* ------------------------------------------------------------------ success */

Test(cli_softmax, logits_double_kernel)
{
    DATA(path, "cli/logits.txt");
    run_result r = RUN("softmax", "--logits", path);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_empty(r.err);
    double p[8];
    cr_assert_eq(parse_lines(r.out, p, 8), 3);
    const double z[3] = {1000.0, 999.0, -1000.0};
    double ref[3];
    cr_assert_eq(bht_oracle_softmax_logits(3, z, ref, NULL, NULL), BHT_OK);
    for (size_t i = 0; i < 3; i++)
        cr_assert(bht_ulp_error(p[i], ref[i]) <= 2.0, "p[%zu] = %a, oracle %a", i, p[i], ref[i]);
    cr_assert_eq(p[2], 0.0);
    run_free(&r);
}

Test(cli_softmax, affine_double_kernel_and_oracle_agree)
{
    DATA(A, "cli/A.txt");
    DATA(x, "cli/x.txt");
    run_result d = RUN("softmax", "-A", A, "-x", x);
    run_result o = RUN("softmax", "-A", A, "-x", x, "--oracle");
    cr_assert_eq(d.status, 0, "stderr: %s", d.err);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    double pd[8], po[8];
    cr_assert_eq(parse_lines(d.out, pd, 8), 3);
    cr_assert_eq(parse_lines(o.out, po, 8), 3);
    /* A = [1 2; 3 4; -0.5 3], x = (0.5, -0.25): logits (0, 0.5, -1). */
    const double z[3] = {0.0, 0.5, -1.0};
    double ref[3], sum = 0.0;
    cr_assert_eq(bht_oracle_softmax_logits(3, z, ref, NULL, NULL), BHT_OK);
    for (size_t i = 0; i < 3; i++) {
        cr_assert(bht_ulp_error(pd[i], po[i]) <= 2.0, "%zu: %a vs oracle %a", i, pd[i], po[i]);
        cr_assert_eq(po[i], ref[i], "CLI oracle %a, library oracle %a", po[i], ref[i]);
        sum += po[i];
    }
    cr_assert(fabs(sum - 1.0) < 1e-15);
    run_free(&d);
    run_free(&o);
}

Test(cli_softmax, hex_output_reads_back_exactly)
{
    DATA(z, "cli/logits.txt");
    run_result dec = RUN("softmax", "--logits", z, "--oracle");
    run_result hex = RUN("softmax", "--oracle", "--hex", "--logits", z);
    cr_assert_eq(dec.status, 0, "stderr: %s", dec.err);
    cr_assert_eq(hex.status, 0, "stderr: %s", hex.err);
    cr_assert(strstr(hex.out, "0x") != NULL, "not hex: %s", hex.out);
    double a[8], b[8];
    cr_assert_eq(parse_lines(dec.out, a, 8), 3);
    cr_assert_eq(parse_lines(hex.out, b, 8), 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(memcmp(&a[i], &b[i], sizeof a[i]), 0, "%zu: %.17g vs %a", i, a[i], b[i]);
    run_free(&dec);
    run_free(&hex);
}

Test(cli_softmax, energy_within_bound_and_long_option_equals_form)
{
    DATA(A, "cli/A.txt");
    DATA(x, "cli/x_big.txt");
    run_result r = RUN("softmax", "-A", A, "-x", x,
                       "--energy=5");
    cr_assert_eq(r.status, 0, "||(3,4)|| = 5 is allowed: %s", r.err);
    run_free(&r);
}

Test(cli_softmax, crlf_input)
{
    DATA(A, "cli/crlf.txt");
    DATA(x, "cli/x.txt");
    run_result r = RUN("softmax", "-A", A, "-x", x);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    double p[4];
    cr_assert_eq(parse_lines(r.out, p, 4), 2);
    run_free(&r);
}

Test(cli_general, help_and_version)
{
    run_result r = RUN("--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "softmax") && strstr(r.out, "demo"), "%s", r.out);
    cr_assert_str_empty(r.err);
    run_free(&r);
    r = RUN("softmax", "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "--logits") && strstr(r.out, "--precision-cap"), "%s", r.out);
    run_free(&r);
    r = RUN("--version");
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "bht " BHT_VERSION "\n");
    run_free(&r);
}

Test(cli_general, demo)
{
    run_result r = RUN("demo");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(strstr(r.out, "max ulp difference: ") != NULL, "%s", r.out);
    double worst = strtod(strstr(r.out, "max ulp difference: ") + 20, NULL);
    cr_assert(worst <= 2.0, "demo reports %g ulp", worst);
    cr_assert_str_empty(r.err);
    run_free(&r);
}

/* ------------------------------------------------------------- input errors */

Test(cli_errors, parse_errors_name_file_line_and_column)
{
    DATA(ragged, "bad/ragged.txt");
    char where[4200];
    snprintf(where, sizeof where, "%s:2:5: ", ragged);
    DATA(x, "cli/x.txt");
    DATA(A, "cli/A.txt");
    run_result r = RUN("softmax", "-A", ragged, "-x", x);
    expect_failure(&r, 2, where, "row has 3 values, expected 2", NULL);

    DATA(nan_file, "bad/nan.txt");
    snprintf(where, sizeof where, "%s:2:3: ", nan_file);
    r = RUN("softmax", "--logits", nan_file);
    expect_failure(&r, 2, where, "NaN is not allowed", NULL);

    DATA(overflow, "bad/overflow.txt");
    snprintf(where, sizeof where, "%s:3:3: ", overflow);
    r = RUN("softmax", "-A", A, "-x", overflow);
    expect_failure(&r, 2, where, "value overflows binary64", NULL);

    DATA(nul, "bad/nul.txt");
    snprintf(where, sizeof where, "%s:2:2: ", nul);
    r = RUN("softmax", "--logits", nul);
    expect_failure(&r, 2, where, "NUL", NULL);

    DATA(empty, "bad/empty.txt");
    r = RUN("softmax", "--logits", empty);
    expect_failure(&r, 2, "empty.txt: no numbers in file", NULL);
    DATA(comments, "bad/comments_only.txt");
    r = RUN("softmax", "--logits", comments);
    expect_failure(&r, 2, "comments_only.txt: no numbers in file", NULL);
}

Test(cli_errors, non_number_and_infinity_from_temp_files)
{
    char path[32], where[64];
    temp_file(path, "1 2\n3 abc\n", 10);
    snprintf(where, sizeof where, "%s:2:3: not a number: 'abc'", path);
    run_result r = RUN("softmax", "--logits", path);
    expect_failure(&r, 2, where, NULL);
    unlink(path);

    temp_file(path, "1\n-Infinity\n", 12);
    snprintf(where, sizeof where, "%s:2:1: infinity is not allowed", path);
    r = RUN("softmax", "--logits", path);
    expect_failure(&r, 2, where, NULL);
    unlink(path);
}

Test(cli_errors, missing_and_unreadable_files)
{
    DATA(missing, "cli/no-such-file.txt");
    DATA(dir, "bad");
    DATA(x, "cli/x.txt");
    run_result r = RUN("softmax", "--logits", missing);
    expect_failure(&r, 2, "no-such-file.txt", "No such file or directory", NULL);
    r = RUN("softmax", "-A", dir, "-x", x);
    expect_failure(&r, 2, "Is a directory", NULL);
}

Test(cli_errors, dimension_mismatch)
{
    DATA(A, "cli/A.txt");
    DATA(x3, "cli/x3.txt");
    char expected[8400];
    snprintf(expected, sizeof expected, "%s has 2 columns but %s has 3 values", A, x3);
    run_result r = RUN("softmax", "-A", A, "-x", x3);
    expect_failure(&r, 2, expected, NULL);
}

Test(cli_errors, energy_violation_states_both_numbers)
{
    DATA(A, "cli/A.txt");
    DATA(x, "cli/x_big.txt");
    run_result r = RUN("softmax", "-A", A, "-x", x, "--energy", "4.5");
    expect_failure(&r, 2, "x_big.txt: ||x||_2 = 5 exceeds --energy 4.5", NULL);
    /* ||(3, 2^-50)||_2 rounds to 3 but exceeds 3: decided exactly. */
    DATA(tie, "cli/x_tie.txt");
    r = RUN("softmax", "-A", A, "-x", tie, "--energy", "3");
    expect_failure(&r, 2, "||x||_2 = 3 exceeds --energy 3", NULL);
    r = RUN("softmax", "-A", A, "-x", tie, "--energy", "3.0000000000000004");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    run_free(&r);
}

Test(cli_errors, malformed_energy)
{
    DATA(A, "cli/A.txt");
    DATA(x, "cli/x.txt");
    const char *bad[][2] = {
        {"abc", "not a number"}, {"-1", "non-negative"},  {"nan", "NaN"},
        {"inf", "infinity"},     {"1e999", "overflows"}, {"", "empty"},
        {"1 2", "one number"},   {"2.5x", "not a number"}, {"1#", "not a number"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        run_result r = RUN("softmax", "-A", A, "-x", x, "--energy", (char *)bad[k][0]);
        expect_failure(&r, 2, "--energy: ", bad[k][1], NULL);
    }
}

/* ------------------------------------------------------------- usage errors */

Test(cli_usage, unknown_option_and_command)
{
    DATA(z, "cli/logits.txt");
    run_result r = RUN("softmax", "--logits", z, "--bogus");
    expect_failure(&r, 2, "unknown option '--bogus'", NULL);
    r = RUN("softmax", "--logits", z, "stray");
    expect_failure(&r, 2, "unexpected argument 'stray'", NULL);
    r = RUN("frobnicate");
    expect_failure(&r, 2, "unknown command 'frobnicate'", NULL);
    r = RUN("--frobnicate");
    expect_failure(&r, 2, "unknown option", NULL);
    r = run_argv((char *[]){NULL});
    expect_failure(&r, 2, "missing command", NULL);
}

Test(cli_usage, missing_arguments)
{
    DATA(A, "cli/A.txt");
    DATA(x, "cli/x.txt");
    run_result r = RUN("softmax", "--logits");
    expect_failure(&r, 2, "--logits: missing argument", NULL);
    r = RUN("softmax", "--logits", "--oracle");
    expect_failure(&r, 2, "--logits: missing argument", NULL);
    r = RUN("softmax", "-A", A);
    expect_failure(&r, 2, "-A needs -x", NULL);
    r = RUN("softmax", "-x", x);
    expect_failure(&r, 2, "-x needs -A", NULL);
    r = RUN("softmax");
    expect_failure(&r, 2, "--logits FILE or -A FILE -x FILE", NULL);
    r = RUN("softmax", "--oracle", "--precision-cap");
    expect_failure(&r, 2, "--precision-cap: missing argument", NULL);
}

Test(cli_usage, duplicate_and_conflicting_options)
{
    DATA(z, "cli/logits.txt");
    DATA(A, "cli/A.txt");
    DATA(x, "cli/x.txt");
    run_result r = RUN("softmax", "--logits", z, "--logits", z);
    expect_failure(&r, 2, "--logits: given more than once", NULL);
    r = RUN("softmax", "--logits", z, "--hex", "--hex");
    expect_failure(&r, 2, "--hex: given more than once", NULL);
    r = RUN("softmax", "--logits", z, "-A", A, "-x", x);
    expect_failure(&r, 2, "cannot be combined", NULL);
    r = RUN("softmax", "--logits", z, "--energy", "1");
    expect_failure(&r, 2, "--energy", NULL);
    r = RUN("softmax", "--logits", z, "--precision-cap", "100");
    expect_failure(&r, 2, "--precision-cap", "--oracle", NULL);
}

Test(cli_usage, malformed_precision_cap)
{
    DATA(z, "cli/logits.txt");
    const char *bad[] = {"0", "-5", "abc", "12x", "", "99999999999999999999", "16777217"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        run_result r = RUN("softmax", "--logits", z, "--oracle", "--precision-cap", (char *)bad[k]);
        expect_failure(&r, 2, "--precision-cap", NULL);
    }
}

/* -------------------------------------------------------- numerical refusal */

/* Issue 12: logits beyond 2^1020 were refused by the double kernel (exit
 * 3); every finite logit is accepted now, with the oracle's bits here. */
Test(cli_numeric, double_kernel_accepts_huge_logits)
{
    DATA(z, "cli/logits_huge.txt");
    run_result r = RUN("softmax", "--logits", z, "--hex");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "0x0p+0\n0x0p+0\n0x1p+0\n");
    run_free(&r);
    r = RUN("softmax", "--logits", z, "--oracle", "--hex");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "0x0p+0\n0x0p+0\n0x1p+0\n");
    run_free(&r);
}

Test(cli_numeric, precision_cap_too_small_exits_3)
{
    /* First ask the library what the oracle needs for this input, so the
     * cap below is known to be too small to decide the rounding. */
    const double z[3] = {1000.0, 999.0, -1000.0};
    double p[3];
    bht_oracle_report report = {0, 0};
    cr_assert_eq(bht_oracle_softmax_logits(3, z, p, NULL, &report), BHT_OK);
    cr_assert(report.precision_used > 64, "oracle needed only %ld bits", report.precision_used);
    bht_oracle_options small = {0, 64};
    cr_assert_eq(bht_oracle_softmax_logits(3, z, p, &small, NULL), BHT_E_PRECISION);

    DATA(path, "cli/logits.txt");
    run_result r = RUN("softmax", "--logits", path, "--oracle", "--precision-cap", "64");
    expect_failure(&r, 3, "--precision-cap 64", NULL);

    /* A cap at the precision the oracle needed is enough. */
    char cap[32];
    snprintf(cap, sizeof cap, "%ld", report.precision_used);
    r = RUN("softmax", "--logits", path, "--oracle", "--precision-cap", cap);
    cr_assert_eq(r.status, 0, "cap %s: %s", cap, r.err);
    run_free(&r);
}

Test(cli_numeric, write_error_on_stdout_exits_1)
{
    /* /dev/full: every write fails with ENOSPC. */
    const char *bht = getenv("BHT");
    cr_assert(bht != NULL);
    if (access("/dev/full", W_OK) != 0)
        cr_skip_test("no /dev/full");
    char err_name[] = "/tmp/bht-test-err-XXXXXX";
    int err_fd = mkstemp(err_name);
    cr_assert(err_fd >= 0);
    unlink(err_name);
    DATA(z, "cli/logits.txt");
    char *argv[] = {(char *)bht, "softmax", "--logits", z, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/full", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, bht, &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    int wstatus;
    cr_assert_eq(waitpid(pid, &wstatus, 0), pid);
    char *err = slurp_fd(err_fd);
    close(err_fd);
    cr_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 1, "stderr: %s", err);
    cr_assert_eq(count_lines(err), 1, "stderr: %s", err);
    cr_assert(strstr(err, "bht: error writing standard output") == err, "stderr: %s", err);
    free(err);
}
