/* test_cli_regression.c: `bht regression` as a subprocess ($BHT): the
 * output forms (text, --hex, --json, --oracle), --solve (both methods,
 * converged runs, exit 4 with converged false), and the error contract
 * (README.md, "Errors and exit codes": exit 2 / 3 / 4, one stderr line
 * naming the file, line and column or the option, nothing on stdout). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "cli_harness.h"

static char *data_path(char *buf, size_t size, const char *relative)
{
    const char *root = getenv("BHT_TESTDATA");
    cr_assert(root != NULL, "BHT_TESTDATA is not set (run through `make unit`)");
    int n = snprintf(buf, size, "%s/%s", root, relative);
    cr_assert(n > 0 && (size_t)n < size, "path too long");
    return buf;
}

#define DATA(var, relative)                                                                   \
    char var[4096];                                                                           \
    data_path(var, sizeof var, relative)

/* The example problem of tests/data/cli/regression_*.txt, read back. */
typedef struct example {
    size_t n, d;
    double A[24], b[8], w[8], x[3];
} example;

static void load_example(example *e)
{
    DATA(A, "cli/regression_A.txt");
    DATA(b, "cli/regression_b.txt");
    DATA(w, "cli/regression_w.txt");
    DATA(x, "cli/regression_x.txt");
    bht_matrix m;
    bht_parse_error err;
    cr_assert_eq(bht_read_matrix(A, &m, &err), BHT_OK);
    e->n = m.rows;
    e->d = m.cols;
    cr_assert(e->n == 8 && e->d == 3);
    memcpy(e->A, m.data, 24 * sizeof(double));
    bht_matrix_free(&m);
    const char *paths[3] = {b, w, x};
    double *into[3] = {e->b, e->w, e->x};
    const size_t lengths[3] = {8, 8, 3};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(bht_read_vector(paths[k], &m, &err), BHT_OK);
        cr_assert_eq(m.rows, lengths[k]);
        memcpy(into[k], m.data, lengths[k] * sizeof(double));
        bht_matrix_free(&m);
    }
}

/* loss line, "gradient", d lines, "hessian", d*d lines. */
static void parse_evaluation(const char *out, size_t d, double *loss, double *g, double *H)
{
    const char *s = out;
    cr_assert(strncmp(s, "loss ", 5) == 0, "%s", out);
    *loss = strtod(s + 5, NULL);
    s = strchr(s, '\n') + 1;
    cr_assert(strncmp(s, "gradient\n", 9) == 0, "%s", out);
    s += 9;
    for (size_t j = 0; j < d; j++) {
        g[j] = strtod(s, NULL);
        s = strchr(s, '\n') + 1;
    }
    cr_assert(strncmp(s, "hessian\n", 8) == 0, "%s", out);
    s += 8;
    for (size_t j = 0; j < d * d; j++) {
        H[j] = strtod(s, NULL);
        s = strchr(s, '\n') + 1;
    }
    cr_assert_str_empty(s);
}

Test(cli_regression, evaluation_kernel_and_oracle)
{
    DATA(A, "cli/regression_A.txt");
    DATA(b, "cli/regression_b.txt");
    DATA(w, "cli/regression_w.txt");
    DATA(x, "cli/regression_x.txt");
    example e;
    load_example(&e);
    double L, g[3], H[9];
    cr_assert_eq(bht_oracle_regression(8, 3, e.A, e.b, e.w, e.x, &L, g, H, NULL, NULL), BHT_OK);
    run_result k = RUN("regression", "-A", A, "-b", b, "-w", w, "-x", x);
    run_result o = RUN("regression", "-A", A, "-b", b, "-w", w, "-x", x, "--oracle", "--hex");
    cr_assert_eq(k.status, 0, "%s", k.err);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_str_empty(k.err);
    double kl, kg[3], kH[9], ol, og[3], oH[9];
    parse_evaluation(k.out, 3, &kl, kg, kH);
    parse_evaluation(o.out, 3, &ol, og, oH);
    cr_assert(ol == L && bht_ulp_error(kl, L) <= 4.0);
    for (int j = 0; j < 3; j++)
        cr_assert(og[j] == g[j] && bht_ulp_error(kg[j], g[j]) <= 16.0);
    for (int j = 0; j < 9; j++)
        cr_assert(oH[j] == H[j] && bht_ulp_error(kH[j], H[j]) <= 16.0);
    cr_assert(strstr(o.out, "0x") != NULL, "--hex: %s", o.out);
    run_free(&k);
    run_free(&o);
}

Test(cli_regression, json_keys_and_strings)
{
    DATA(A, "cli/regression_A.txt");
    DATA(b, "cli/regression_b.txt");
    DATA(x, "cli/regression_x.txt");
    run_result r = RUN("regression", "-A", A, "-b", b, "-x", x, "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"loss\": \"") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "\"gradient\": [\"") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "\"hessian\": [\"") != NULL, "%s", r.out);
    /* d*d strings in the Hessian array */
    const char *h = strstr(r.out, "\"hessian\": [");
    size_t quotes = 0;
    for (const char *c = h + 11; *c && *c != ']'; c++)
        quotes += *c == '"';
    cr_assert_eq(quotes, 18, "%s", r.out);
    run_free(&r);
}

static double field(const char *out, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\n%s ", key);
    const char *at = strstr(out, pattern);
    cr_assert(at != NULL, "no '%s' in %s", key, out);
    return strtod(at + strlen(pattern), NULL);
}

Test(cli_regression, solve_newton_certified, .timeout = 60)
{
    DATA(A, "cli/regression_A.txt");
    DATA(b, "cli/regression_b.txt");
    DATA(w, "cli/regression_w.txt");
    run_result r = RUN("regression", "--solve", "-A", A, "-b", b, "-w", w);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_empty(r.err);
    cr_assert(strncmp(r.out, "x\n", 2) == 0, "%s", r.out);
    double x[3];
    const char *s = r.out + 2;
    for (int j = 0; j < 3; j++) {
        x[j] = strtod(s, NULL);
        s = strchr(s, '\n') + 1;
    }
    cr_assert(strstr(r.out, "\nconverged true\n") != NULL, "%s", r.out);
    double radius = field(r.out, "minimizer_radius"), gnorm = field(r.out, "gradient_norm");
    double loss = field(r.out, "loss");
    cr_assert(radius > 0.0 && radius < 1e-12, "radius %g", radius);
    /* the printed loss is the oracle's at the printed x; the oracle's
     * gradient there is within the printed bound */
    example e;
    load_example(&e);
    double L, g[3];
    cr_assert_eq(bht_oracle_regression(8, 3, e.A, e.b, e.w, x, &L, g, NULL, NULL, NULL), BHT_OK);
    cr_assert(L == loss, "%a vs %a", L, loss);
    cr_assert(sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) <= gnorm * (1 + 1e-12));
    run_free(&r);
}

Test(cli_regression, solve_sketched_json_reproducible, .timeout = 60)
{
    DATA(A, "cli/regression_A.txt");
    DATA(b, "cli/regression_b.txt");
    run_result r1 = RUN("regression", "--solve", "-A", A, "-b", b, "--method", "sketched",
                        "--sketch-eps", "0.9", "--seed", "7", "--json");
    run_result r2 = RUN("regression", "--solve", "-A", A, "-b", b, "--method", "sketched",
                        "--sketch-eps", "0.9", "--seed", "7", "--json");
    cr_assert_eq(r1.status, 0, "%s", r1.err);
    cr_assert_str_eq(r1.out, r2.out);
    const char *keys[] = {"\"x\": [", "\"loss\": \"", "\"gradient_norm\": \"",
                          "\"iterations\": ", "\"converged\": true",
                          "\"minimizer_radius\": \""};
    for (size_t k = 0; k < 6; k++)
        cr_assert(strstr(r1.out, keys[k]) != NULL, "%s missing: %s", keys[k], r1.out);
    run_free(&r1);
    run_free(&r2);
}

/* An unreachable tolerance: the run stops, prints its results with
 * converged false, exits 4 and says why on one stderr line. */
Test(cli_regression, not_converged_exit_4, .timeout = 60)
{
    DATA(A, "cli/regression_A.txt");
    DATA(b, "cli/regression_b.txt");
    DATA(w, "cli/regression_w.txt");
    run_result r = RUN("regression", "--solve", "-A", A, "-b", b, "-w", w, "--tol", "1e-300");
    cr_assert_eq(r.status, 4, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.out, "\nconverged false\n") != NULL, "%s", r.out);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert(strncmp(r.err, "bht: ", 5) == 0 && strstr(r.err, "not converged") != NULL, "%s",
              r.err);
    run_free(&r);
}

/* ---------------------------------------------------------------- errors */

Test(cli_regression_errors, parse_errors_name_file_line_and_column)
{
    DATA(ragged, "bad/ragged.txt");
    DATA(nan_file, "bad/nan.txt");
    DATA(A, "cli/regression_A.txt");
    DATA(b, "cli/regression_b.txt");
    DATA(x, "cli/regression_x.txt");
    char where[4200];
    snprintf(where, sizeof where, "%s:2:5: ", ragged);
    run_result r = RUN("regression", "-A", ragged, "-b", b, "-x", x);
    expect_failure(&r, 2, where, "row has 3 values, expected 2", NULL);
    snprintf(where, sizeof where, "%s:2:3: ", nan_file);
    r = RUN("regression", "-A", A, "-b", b, "-w", nan_file, "-x", x);
    expect_failure(&r, 2, where, NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", nan_file);
    expect_failure(&r, 2, where, NULL);
}

Test(cli_regression_errors, shapes_and_usage)
{
    DATA(A, "cli/regression_A.txt");
    DATA(b, "cli/regression_b.txt");
    DATA(x, "cli/regression_x.txt");
    DATA(x2, "cli/x.txt"); /* two values */
    run_result r = RUN("regression", "-A", A, "-b", x, "-x", x);
    expect_failure(&r, 2, "has 3 values but", "has 8 rows", NULL);
    r = RUN("regression", "-A", A, "-b", b, "-x", x2);
    expect_failure(&r, 2, "has 2 values but", "has 3 columns", NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", b, "--x0", x2);
    expect_failure(&r, 2, "has 2 values but", NULL);
    r = RUN("regression", "-A", A, "-b", b);
    expect_failure(&r, 2, "-x FILE", NULL);
    r = RUN("regression", "-A", A, "-x", x);
    expect_failure(&r, 2, "-b FILE", NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", b, "--method", "gauss");
    expect_failure(&r, 2, "--method", "gauss", NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", b, "--method", "sketched", "--sketch-eps", "1");
    expect_failure(&r, 2, "--sketch-eps", "(0, 1)", NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", b, "--sketch-eps", "0.5");
    expect_failure(&r, 2, "--sketch-eps", "sketched", NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", b, "--tol", "0");
    expect_failure(&r, 2, "--tol", "positive", NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", b, "--tol", "abc");
    expect_failure(&r, 2, "--tol", NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", b, "--seed", "-3");
    expect_failure(&r, 2, "--seed", NULL);
    r = RUN("regression", "--solve", "-A", A, "-b", b, "--oracle");
    expect_failure(&r, 2, "--oracle", NULL);
    r = RUN("regression", "-A", A, "-b", b, "-x", x, "--tol", "1e-3");
    expect_failure(&r, 2, "--tol", "--solve", NULL);
    r = RUN("regression", "-A", A, "-b", b, "-x", x, "--frobnicate");
    expect_failure(&r, 2, "--frobnicate", NULL);
}

/* Numerical refusals: exit 3 and the value that was not certified. */
Test(cli_regression_errors, refusals_exit_3)
{
    /* f = b to the last bit: L ~ 1e-33 is beyond the kernel's certification */
    const double Av[2] = {1.0, -1.0}, xv[1] = {0.25};
    double p[2];
    cr_assert_eq(bht_oracle_softmax(2, 1, Av, xv, p, NULL, NULL), BHT_OK);
    char A[32], b[32], x[32], big[32], text[128];
    temp_file(A, "1\n-1\n", 5);
    int len = snprintf(text, sizeof text, "%a %a\n", p[0], p[1]);
    temp_file(b, text, (size_t)len);
    temp_file(x, "0.25\n", 5);
    temp_file(big, "1\n0x1p101\n", 10);
    run_result r = RUN("regression", "-A", A, "-b", b, "-x", x);
    expect_failure(&r, 3, "loss not certified", "--oracle", NULL);
    r = RUN("regression", "-A", A, "-b", b, "-x", x, "--oracle");
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    r = RUN("regression", "-A", big, "-b", b, "-x", x);
    expect_failure(&r, 3, "A[1]", "2^100", NULL);
    r = RUN("regression", "-A", big, "-b", b, "-x", x, "--oracle");
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    unlink(A);
    unlink(b);
    unlink(x);
    unlink(big);
}
