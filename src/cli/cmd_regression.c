/* cmd_regression.c: `bht regression` -- the softmax regression of
 * "Attention Scheme Inspired Softmax Regression": loss, gradient and
 * Hessian at x (double kernel or oracle), or --solve: damped / sketched
 * Newton with a certified distance to the minimizer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

void cli_regression_help(FILE *out)
{
    fprintf(out,
            "usage: bht regression -A FILE -b FILE -x FILE [-w FILE] [options]\n"
            "       bht regression --solve -A FILE -b FILE [-w FILE] [--x0 FILE]\n"
            "                      [--method newton|sketched] [--sketch-eps E] [--seed S]\n"
            "                      [--tol T] [--json] [--hex]\n"
            "\n"
            "Softmax regression (\"Attention Scheme Inspired Softmax Regression\"):\n"
            "  L(x) = 1/2 |softmax(A x) - b|^2 + 1/2 |diag(w) A x|^2   (w = 0 without -w)\n"
            "Prints 'loss V', then 'gradient' and its d values, then 'hessian' and its d*d\n"
            "values (row-major).  The double kernel certifies each value (loss <= 4 ulp,\n"
            "entries <= 16 ulp) or refuses with exit 3 naming the value it could not\n"
            "certify (cancellation, e.g. softmax(A x) ~ b or a gradient near a minimizer).\n"
            "\n"
            "  -A FILE              n-by-d matrix, one row per line\n"
            "  -b FILE              n target values\n"
            "  -w FILE              n weights of the regularizer\n"
            "  -x FILE              the point x (d values)\n"
            "  --oracle             MPFR oracle: the correctly rounded values\n"
            "  --precision-cap BITS oracle's Ziv precision cap (default %ld, at most %ld)\n"
            CLI_INPUT_HELP
            "  --hex                print C99 hex floats (%%a) instead of %%.17g\n"
            "  --json               one JSON object {\"loss\", \"gradient\", \"hessian\"}\n"
            "\n"
            "--solve minimizes L from --x0 (default 0): damped Newton (--method newton,\n"
            "the default) or the sketched Newton (--method sketched: A^T D A from a\n"
            "leverage-score row sample of D^1/2 A, ceil(4 d ln(200 d) / E^2) rows,\n"
            "--sketch-eps E in (0, 1), default 0.5; stream seeded with --seed S,\n"
            "default 1), until |grad L|_2 <= --tol T (default 1e-12).  Prints 'x' and its d\n"
            "values, 'loss' (oracle), 'gradient_norm' (certified upper bound),\n"
            "'iterations', 'converged' and 'minimizer_radius': a certified bound on\n"
            "|x - x*|_2 for the only critical point x* of L in a ball around x (a strict\n"
            "local minimizer; README, \"The solver's certificate\").  Progress goes to\n"
            "stderr on a terminal after one second.\n"
            "\n"
            "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 numerical\n"
            "refusal, 4 --solve stopped without a certified minimizer (results printed,\n"
            "converged false).\n",
            BHT_ORACLE_DEFAULT_CAP, CLI_MAX_PRECISION_CAP);
}

typedef struct regression_args {
    const char *a_path, *b_path, *w_path, *x_path, *x0_path, *cap_text, *method_text,
        *eps_text, *seed_text, *tol_text;
    int oracle, hex, json, help, solve;
} regression_args;

static int check_args(const regression_args *a)
{
    if (!a->a_path || !a->b_path)
        return cli_error(CLI_EXIT_USAGE, "regression: give -A FILE and -b FILE "
                                         "(see bht regression --help)");
    if (a->solve) {
        if (a->x_path)
            return cli_error(CLI_EXIT_USAGE, "regression: -x is for evaluation; "
                                             "--solve starts from --x0");
        if (a->oracle || a->cap_text)
            return cli_error(CLI_EXIT_USAGE, "regression: --oracle and --precision-cap "
                                             "apply to evaluation, not to --solve");
        return CLI_EXIT_OK;
    }
    if (!a->x_path)
        return cli_error(CLI_EXIT_USAGE, "regression: give -x FILE (or --solve)");
    const char *solve_only[] = {a->x0_path, a->method_text, a->eps_text, a->seed_text,
                                a->tol_text};
    const char *names[] = {"--x0", "--method", "--sketch-eps", "--seed", "--tol"};
    for (size_t k = 0; k < 5; k++)
        if (solve_only[k])
            return cli_error(CLI_EXIT_USAGE, "%s: only meaningful with --solve", names[k]);
    if (a->cap_text && !a->oracle)
        return cli_error(CLI_EXIT_USAGE, "--precision-cap: only meaningful with --oracle");
    return CLI_EXIT_OK;
}

/* b and w have n values, x and x0 have d. */
static int check_length(const char *path, const bht_matrix *v, size_t expected,
                        const char *a_path, const char *what)
{
    if (v->rows == expected)
        return CLI_EXIT_OK;
    return cli_error(CLI_EXIT_USAGE, "%s has %zu value%s but %s has %zu %s", path, v->rows,
                     v->rows == 1 ? "" : "s", a_path, expected, what);
}

static const char *array_name(size_t col)
{
    static const char *names[4] = {"A", "b", "w", "x"};
    return col < 4 ? names[col] : "?";
}

static int report_refusal(bht_status s, const bht_regression_refusal *r, long cap)
{
    switch (s) {
    case BHT_E_RANGE:
        if (r->output == BHT_REGRESSION_DOMAIN)
            return cli_error(CLI_EXIT_NUMERIC,
                             "regression: %s[%zu] is beyond the double kernel's domain "
                             "(|entries| <= 2^100); use --oracle",
                             array_name(r->col), r->row);
        if (r->output == BHT_REGRESSION_LOSS)
            return cli_error(CLI_EXIT_NUMERIC,
                             "regression: loss not certified to 4 ulp (value %.17g, error "
                             "bound %.3g: cancellation, softmax(A x) ~ b); use --oracle",
                             r->value, r->bound);
        if (r->output == BHT_REGRESSION_GRADIENT)
            return cli_error(CLI_EXIT_NUMERIC,
                             "regression: gradient[%zu] not certified to 16 ulp (value "
                             "%.17g, error bound %.3g: cancellation); use --oracle",
                             r->row, r->value, r->bound);
        return cli_error(CLI_EXIT_NUMERIC,
                         "regression: hessian[%zu,%zu] not certified to 16 ulp (value %.17g, "
                         "error bound %.3g: cancellation); use --oracle",
                         r->row, r->col, r->value, r->bound);
    case BHT_E_PRECISION:
        return cli_error(CLI_EXIT_NUMERIC,
                         "regression: oracle could not decide the rounding within "
                         "--precision-cap %ld bits (a value exactly zero by a symmetry of "
                         "the data cannot be decided)",
                         cap ? cap : BHT_ORACLE_DEFAULT_CAP);
    default:
        return cli_status_error("regression", s);
    }
}

/* Progress of --solve on stderr: only on a terminal and after one second. */
typedef struct solve_progress {
    time_t start;
    int shown;
} solve_progress;

static void show_progress(void *context, size_t iteration, const double *x, double loss,
                          double gradient_norm)
{
    (void)x;
    solve_progress *p = context;
    if (!isatty(2) || time(NULL) - p->start < 1)
        return;
    fprintf(stderr, "\rbht regression --solve: iteration %zu, loss %.6g, |grad| %.3g   ",
            iteration, loss, gradient_norm);
    p->shown = 1;
}

static int solve(const regression_args *a, const bht_matrix *A, const bht_matrix *b,
                 const bht_matrix *w, const bht_matrix *x0)
{
    bht_regression_solve_options o;
    memset(&o, 0, sizeof o);
    o.method = BHT_REGRESSION_NEWTON;
    o.seed = 1;
    int rc;
    if (a->method_text) {
        if (strcmp(a->method_text, "newton") == 0)
            o.method = BHT_REGRESSION_NEWTON;
        else if (strcmp(a->method_text, "sketched") == 0)
            o.method = BHT_REGRESSION_SKETCHED;
        else
            return cli_error(CLI_EXIT_USAGE, "--method: expected newton or sketched, got '%s'",
                             a->method_text);
    }
    if (a->eps_text && o.method != BHT_REGRESSION_SKETCHED)
        return cli_error(CLI_EXIT_USAGE, "--sketch-eps: only meaningful with --method sketched");
    if (a->eps_text) {
        if ((rc = cli_parse_nonnegative("--sketch-eps", a->eps_text, &o.sketch_eps)))
            return rc;
        if (!(o.sketch_eps > 0.0 && o.sketch_eps < 1.0))
            return cli_error(CLI_EXIT_USAGE, "--sketch-eps: must lie in (0, 1), got %s",
                             a->eps_text);
    }
    long seed = 1;
    if (a->seed_text && (rc = cli_parse_long("--seed", a->seed_text, 0, 0x7fffffffL, &seed)))
        return rc;
    o.seed = (uint64_t)seed;
    if (a->tol_text) {
        if ((rc = cli_parse_nonnegative("--tol", a->tol_text, &o.tol)))
            return rc;
        if (!(o.tol > 0.0))
            return cli_error(CLI_EXIT_USAGE, "--tol: must be positive, got %s", a->tol_text);
    }
    if (A->cols > BHT_REGRESSION_SOLVE_MAX_D)
        return cli_error(CLI_EXIT_USAGE, "%s: %zu columns; --solve takes at most %zu",
                         a->a_path, A->cols, BHT_REGRESSION_SOLVE_MAX_D);
    solve_progress progress = {time(NULL), 0};
    o.progress = show_progress;
    o.context = &progress;
    double *x = malloc(A->cols * sizeof *x);
    if (!x)
        return cli_error(CLI_EXIT_INTERNAL, "regression: out of memory");
    bht_regression_solution sol;
    bht_status s = bht_regression_solve(A->rows, A->cols, A->data, b->data,
                                        w->data, x0->data, &o, x, &sol);
    if (progress.shown)
        fputc('\n', stderr);
    if (s != BHT_OK) {
        free(x);
        if (s == BHT_E_RANGE)
            return cli_error(CLI_EXIT_NUMERIC, "regression --solve: an entry of A, b or w is "
                             "beyond 2^100 (the double-double evaluation's domain)");
        bht_regression_refusal none = {BHT_REGRESSION_LOSS, 0, 0, 0.0, 0.0};
        return report_refusal(s, &none, 0);
    }
    cli_output out;
    cli_out_begin(&out, a->json, a->hex);
    cli_out_vector(&out, "x", x, A->cols, 1);
    cli_out_number(&out, "loss", sol.loss);
    cli_out_number(&out, "gradient_norm", sol.gradient_norm);
    cli_out_integer(&out, "iterations", sol.iterations);
    cli_out_bool(&out, "converged", sol.converged);
    cli_out_number(&out, "minimizer_radius", sol.minimizer_radius);
    cli_out_end(&out);
    free(x);
    return cli_finish_search(sol.converged,
                             "regression --solve: not converged after %zu iteration%s: %s",
                             sol.iterations, sol.iterations == 1 ? "" : "s",
                             isfinite(sol.minimizer_radius)
                                 ? "|grad L| <= --tol not reached (the radius printed is "
                                   "certified)"
                                 : "no certified minimizer near x (the Hessian bound or the "
                                   "gradient does not allow it)");
}

static int evaluate(const regression_args *a, long cap, const bht_matrix *A,
                    const bht_matrix *b, const bht_matrix *w, const bht_matrix *x)
{
    const size_t n = A->rows, d = A->cols;
    double loss = 0.0, *g = malloc(d * sizeof *g), *H = malloc(d * d * sizeof *H);
    if (!g || !H) {
        free(g);
        free(H);
        return cli_error(CLI_EXIT_INTERNAL, "regression: out of memory");
    }
    bht_regression_refusal refusal;
    memset(&refusal, 0, sizeof refusal);
    bht_oracle_options oopt = {0, cap};
    bht_status s = a->oracle ? bht_oracle_regression(n, d, A->data, b->data, w->data, x->data,
                                                     &loss, g, H, &oopt, NULL)
                             : bht_regression(n, d, A->data, b->data, w->data, x->data, &loss,
                                              g, H, &refusal);
    int rc;
    if (s != BHT_OK) {
        rc = report_refusal(s, &refusal, cap);
    } else {
        cli_output out;
        cli_out_begin(&out, a->json, a->hex);
        cli_out_number(&out, "loss", loss);
        cli_out_vector(&out, "gradient", g, d, 1);
        cli_out_vector(&out, "hessian", H, d * d, 1);
        cli_out_end(&out);
        rc = cli_finish_output();
    }
    free(g);
    free(H);
    return rc;
}

static int regression_main(int argc, char **argv, cli_inputs *in)
{
    regression_args a;
    memset(&a, 0, sizeof a);
    const cli_option options[] = {
        CLI_INPUT_OPTIONS(*in),
        {"-A", CLI_VALUE, NULL, &a.a_path},
        {"-b", CLI_VALUE, NULL, &a.b_path},
        {"-w", CLI_VALUE, NULL, &a.w_path},
        {"-x", CLI_VALUE, NULL, &a.x_path},
        {"--x0", CLI_VALUE, NULL, &a.x0_path},
        {"--solve", CLI_FLAG, &a.solve, NULL},
        {"--method", CLI_VALUE, NULL, &a.method_text},
        {"--sketch-eps", CLI_VALUE, NULL, &a.eps_text},
        {"--seed", CLI_VALUE, NULL, &a.seed_text},
        {"--tol", CLI_VALUE, NULL, &a.tol_text},
        CLI_ORACLE_OPTIONS(a.cap_text, a.oracle, a.hex, a.json),
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_regression_help);
    if (rc != CLI_PARSED)
        return rc;
    if ((rc = check_args(&a)) != CLI_EXIT_OK)
        return rc;
    long cap;
    if ((rc = cli_parse_precision_cap(a.cap_text, a.oracle, &cap)) != CLI_EXIT_OK)
        return rc;

    const bht_matrix *A, *b, *w, *x;
    const char *x_path = a.solve ? a.x0_path : a.x_path;
    if ((rc = cli_read_matrix(in, a.a_path, &A)) != CLI_EXIT_OK
        || (rc = cli_read_vector(in, a.b_path, &b)) != CLI_EXIT_OK
        || (rc = cli_read_optional_vector(in, a.w_path, &w)) != CLI_EXIT_OK
        || (rc = cli_read_optional_vector(in, x_path, &x)) != CLI_EXIT_OK)
        return rc;
    if ((rc = check_length(a.b_path, b, A->rows, a.a_path, "rows")) != CLI_EXIT_OK
        || (a.w_path && (rc = check_length(a.w_path, w, A->rows, a.a_path, "rows")))
        || (x_path && (rc = check_length(x_path, x, A->cols, a.a_path, "columns"))))
        return rc;
    if (A->cols > BHT_REGRESSION_MAX_D)
        return cli_error(CLI_EXIT_USAGE, "%s: %zu columns; at most %zu", a.a_path, A->cols,
                         BHT_REGRESSION_MAX_D);
    return a.solve ? solve(&a, A, b, w, x) : evaluate(&a, cap, A, b, w, x);
}

int cli_regression(int argc, char **argv)
{
    return cli_run_with_inputs(argc, argv, regression_main);
}
