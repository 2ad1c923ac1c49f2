/* cmd_plan.c: `bht plan` (how many queries, paper Thm 3.1) and `bht simulate`
 * (the likelihood-ratio test run on samples) for two softmax models. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

/* Target relative width of the H^2 bracket (bht_plan_leverage's 1%). */
#define PLAN_TARGET_WIDTH 0.01
/* Largest --queries x --trials (samples per hypothesis), and the sampling
 * rate measured on the 2-core development machine (simulate --leverage,
 * n = 4, --queries 7135956 --trials 10: 1.4e8 samples in 2.6 s): 2^40 is
 * about 12 hours. */
#define SIMULATE_MAX_SAMPLES ((uint64_t)1 << 40)
#define SIMULATE_RATE 5e7

void cli_plan_help(FILE *out)
{
    fprintf(out,
            "usage: bht plan --softmax -A FILE -B FILE --energy E [--error P]\n"
            "       bht plan --leverage -A FILE -B FILE --bounds c,C [--error P]\n"
            "                [--max-cells N]\n"
            "\n"
            "Brackets delta = sup H(P_A(q), P_B(q)) over the admissible queries q\n"
            "(||x||_2 <= E, paper Thm 3.1; or c <= s_i^2 <= C, Thm 4.1) and the number of\n"
            "repetitions of the best query needed.  Prints delta_lower (H at the printed\n"
            "query, from the oracle), delta_upper (rigorous: for --softmax the log-ratio\n"
            "width bound; for --leverage a branch and bound over the queries, target 1%%\n"
            "of H^2 within --max-cells boxes, default 200000), the query, and\n"
            "queries_lower / queries_upper for the criterion 'both error probabilities\n"
            "<= P' (default P = 1/3, the paper's success >= 2/3 under both hypotheses).\n"
            "Then relative_width = (upper - lower) / lower of the H^2 bracket, cells (boxes\n"
            "evaluated; 0 for --softmax, whose upper end is a closed form) and converged\n"
            "true|false: false (one warning on stderr, exit 4) when the width exceeds 1%%\n"
            "(--leverage: --max-cells ran out; --softmax: the closed form is loose).\n"
            "Progress on a terminal (--leverage).\n"
            CLI_INPUT_HELP
            "  --json               one JSON object (floats as strings, counts as numbers)\n"
            "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 numerical refusal,\n"
            "4 bracket wider than the target (results printed, converged false).\n");
}

void cli_simulate_help(FILE *out)
{
    fprintf(out,
            "usage: bht simulate --softmax -A FILE -B FILE -x FILE --queries m --trials T\n"
            "                    [--seed S]\n"
            "       bht simulate --leverage -A FILE -B FILE -s FILE --queries m --trials T\n"
            "                    [--seed S]\n"
            "\n"
            "Runs the likelihood-ratio test with m samples of the query x (or s), T times under\n"
            "each hypothesis, from a SplitMix64 stream seeded with S (0 .. 2^64 - 1, default\n"
            "1): the same output on every machine.  The samples are counted per outcome,\n"
            "not stored, and the sign of the log-likelihood ratio is decided exactly, so any\n"
            "m that `bht plan` returns runs, up to m T <= 2^40 (about 5e7 samples/s: the\n"
            "queries_upper of a plan, 7.1e6, with T = 10 takes about 3 s).  Prints the empirical error rate with a Wilson 95%%\n"
            "interval, the per-hypothesis rates, and the Bayes-error bracket\n"
            "[(1 - sqrt(1 - BC^2m))/2, BC^m/2] with BC = 1 - H^2 at x.\n"
            CLI_INPUT_HELP
            "  --json               one JSON object (values as strings)\n"
            "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 numerical refusal.\n");
}

static int report_failure(const char *cmd, bht_status s)
{
    if (s == BHT_E_NOMEM)
        return cli_error(CLI_EXIT_INTERNAL, "%s: out of memory", cmd);
    if (s == BHT_E_SINGULAR)
        return cli_error(CLI_EXIT_NUMERIC, "%s: A or B is rank deficient", cmd);
    if (s == BHT_E_PRECISION || s == BHT_E_RANGE)
        return cli_error(CLI_EXIT_NUMERIC, "%s: %s", cmd, bht_status_message(s));
    return cli_error(CLI_EXIT_USAGE, "%s: %s", cmd, bht_status_message(s));
}

/* plan --leverage: the reasons the branch and bound can refuse. */
static int report_plan_failure(bht_status s, int leverage, double c, double C)
{
    if (leverage && s == BHT_E_CONSTRAINT)
        return cli_error(CLI_EXIT_USAGE, "--bounds: no double s has c <= s^2 <= C (c = %.17g, "
                         "C = %.17g): the query set is empty", c, C);
    if (leverage && s == BHT_E_RANGE && ilogb(c) - ilogb(C) < -1075)
        return cli_error(CLI_EXIT_NUMERIC, "plan: could not certify a bound: c/C is below "
                         "2^-1074, so the weights 1/s_i^2 of the search do not fit a double");
    if (s == BHT_E_RANGE)
        return cli_error(CLI_EXIT_NUMERIC, "plan: could not certify a bound on delta: %s",
                         leverage ? "no box was bounded within --max-cells (raise --max-cells)"
                                  : "an oracle refused the models");
    return report_failure("plan", s);
}

/* Reads A and B (same shape) and optionally x (length = columns; x_path
 * NULL: *x is the empty in->none). */
static int read_models(cli_inputs *in, const char *a_path, const char *b_path, const char *x_path,
                       const bht_matrix **A, const bht_matrix **B, const bht_matrix **x)
{
    int rc;
    *x = &in->none;
    if ((rc = cli_read_matrix(in, a_path, A)) != CLI_EXIT_OK
        || (rc = cli_read_matrix(in, b_path, B)) != CLI_EXIT_OK
        || (rc = cli_check_same_shape(a_path, *A, b_path, *B)) != CLI_EXIT_OK || !x_path)
        return rc;
    if ((rc = cli_read_vector(in, x_path, x)) != CLI_EXIT_OK)
        return rc;
    return cli_check_query_length(a_path, *A, x_path, *x);
}

/* The leverage query s: one nonzero value per row of A, n >= d. */
static int read_leverage_query(cli_inputs *in, const char *a_path, const char *s_path,
                               const bht_matrix *A, const bht_matrix **S)
{
    int rc = cli_read_vector(in, s_path, S);
    return rc != CLI_EXIT_OK ? rc : cli_check_leverage_inputs(in, a_path, A, s_path, *S, NULL);
}

static int plan_main(int argc, char **argv, cli_inputs *in)
{
    const char *a_path = NULL, *b_path = NULL, *energy_text = NULL, *error_text = NULL,
               *bounds_text = NULL, *cells_text = NULL;
    int softmax = 0, leverage = 0, json = 0;
    const cli_option options[] = {
        CLI_INPUT_OPTIONS(*in),
        {"--json", CLI_FLAG, &json, NULL},
        CLI_MODEL_OPTIONS(softmax, leverage, a_path, "-B", b_path),
        {"--energy", CLI_VALUE, NULL, &energy_text},
        {"--bounds", CLI_VALUE, NULL, &bounds_text},
        {"--max-cells", CLI_VALUE, NULL, &cells_text},
        {"--error", CLI_VALUE, NULL, &error_text},
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_plan_help);
    if (rc != CLI_PARSED)
        return rc;
    if ((rc = cli_require_model(softmax, leverage, "plan")) != CLI_EXIT_OK)
        return rc;
    if (softmax && (!a_path || !b_path || !energy_text || bounds_text || cells_text))
        return cli_error(CLI_EXIT_USAGE, "plan: --softmax needs -A FILE -B FILE --energy E "
                         "(not --bounds or --max-cells)");
    if (leverage && (!a_path || !b_path || !bounds_text || energy_text))
        return cli_error(CLI_EXIT_USAGE, "plan: --leverage needs -A FILE -B FILE --bounds c,C "
                         "(not --energy)");
    double energy = 0.0, error = 1.0 / 3.0, c = 0.0, C = 0.0;
    long cells = 200000;
    if (softmax && (rc = cli_parse_nonnegative("--energy", energy_text, &energy)))
        return rc;
    if (leverage && (rc = cli_parse_bounds(bounds_text, &c, &C)))
        return rc;
    if (cells_text && (rc = cli_parse_long("--max-cells", cells_text, 1, 1L << 26, &cells)))
        return rc;
    if (error_text) {
        if ((rc = cli_parse_nonnegative("--error", error_text, &error)))
            return rc;
        if (!(error > 0.0 && error < 0.5))
            return cli_error(CLI_EXIT_USAGE, "--error: must lie in (0, 1/2), got %s", error_text);
    }
    const bht_matrix *A, *B;
    if ((rc = cli_read_search_pair(in, a_path, &A, b_path, &B, leverage, "plan --leverage"))
        != CLI_EXIT_OK)
        return rc;
    cli_search search;
    if ((rc = cli_search_begin(&search, "plan", A, leverage, "plan --leverage", "H^2",
                               PLAN_TARGET_WIDTH, cells)))
        return rc;
    bht_plan_result r;
    bht_sup_result h2 = {0.0, 0.0, 0, 0};
    bht_status s = leverage ? bht_plan_leverage_search(A->rows, A->cols, A->data, B->data, c, C,
                                                       error, &search.options, search.query, &r,
                                                       &h2)
                            : bht_plan_softmax(A->rows, A->cols, A->data, B->data, energy, error,
                                               search.query, &r);
    cli_progress_end(&search.progress);
    if (s != BHT_OK) {
        free(search.query);
        return report_plan_failure(s, leverage, c, C);
    }
    if (!leverage) {
        /* no search: the bracket is the oracle's H^2 at the query against the
         * closed-form bound (both squared from delta, as reported) */
        h2.nu_lower = r.delta_lower * r.delta_lower;
        h2.nu_upper = r.delta_upper * r.delta_upper;
        h2.converged = h2.nu_upper <= h2.nu_lower * (1.0 + PLAN_TARGET_WIDTH)
                       || h2.nu_upper == 0.0;
    }
    double width = cli_relative_width(h2.nu_lower, h2.nu_upper);
    cli_output out;
    char criterion[96];
    snprintf(criterion, sizeof criterion,
             "both error probabilities <= %.17g, one query repeated", error);
    cli_out_begin(&out, json, 0);
    cli_out_string(&out, "criterion", criterion);
    cli_out_number(&out, "delta_lower", r.delta_lower);
    cli_out_number(&out, "delta_upper", r.delta_upper);
    cli_out_vector(&out, "query", search.query, search.length, 1);
    cli_out_count(&out, "queries_lower", r.queries_lower);
    cli_out_count(&out, "queries_upper", r.queries_upper);
    cli_out_number(&out, "relative_width", width);
    cli_out_integer(&out, "cells", h2.cells);
    cli_out_bool(&out, "converged", h2.converged);
    cli_out_end(&out);
    free(search.query);
    if (leverage)
        return cli_finish_search(h2.converged, "plan --leverage: --max-cells %ld ran out at "
                                 "relative width %.3g of H^2 (target 0.01): the bracket is "
                                 "certified but not converged", cells, width);
    return cli_finish_search(h2.converged, "plan --softmax: the H^2 bracket is %.3g wide "
                             "(target 0.01): its upper end is the closed-form log-ratio bound, "
                             "which no budget tightens", width);
}

static int simulate_main(int argc, char **argv, cli_inputs *in)
{
    const char *a_path = NULL, *b_path = NULL, *x_path = NULL, *m_text = NULL, *t_text = NULL,
               *seed_text = NULL, *s_path = NULL;
    int softmax = 0, leverage = 0, json = 0;
    const cli_option options[] = {
        CLI_INPUT_OPTIONS(*in),
        {"--json", CLI_FLAG, &json, NULL},
        CLI_MODEL_OPTIONS(softmax, leverage, a_path, "-B", b_path),
        {"-s", CLI_VALUE, NULL, &s_path},
        {"-x", CLI_VALUE, NULL, &x_path},
        {"--queries", CLI_VALUE, NULL, &m_text},
        {"--trials", CLI_VALUE, NULL, &t_text},
        {"--seed", CLI_VALUE, NULL, &seed_text},
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_simulate_help);
    if (rc != CLI_PARSED)
        return rc;
    if (softmax == leverage)
        return cli_error(CLI_EXIT_USAGE, "simulate: give the model: --softmax or --leverage");
    if (softmax && s_path)
        return cli_error(CLI_EXIT_USAGE, "simulate: -s is the query of --leverage; --softmax "
                         "takes its query as -x FILE");
    if (leverage && x_path)
        return cli_error(CLI_EXIT_USAGE, "simulate: -x is the query of --softmax; --leverage "
                         "takes its query as -s FILE");
    const char *query_path = softmax ? x_path : s_path;
    char missing[96] = "";
    const struct { const char *given, *name; } need[] = {
        {a_path, " -A FILE"}, {b_path, " -B FILE"}, {query_path, softmax ? " -x FILE" : " -s FILE"},
        {m_text, " --queries m"}, {t_text, " --trials T"}};
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++)
        if (!need[k].given)
            strcat(missing, need[k].name);
    if (missing[0])
        return cli_error(CLI_EXIT_USAGE, "simulate: %s needs%s (missing:%s)",
                         softmax ? "--softmax" : "--leverage",
                         softmax ? " -A FILE -B FILE -x FILE --queries m --trials T"
                                 : " -A FILE -B FILE -s FILE --queries m --trials T",
                         missing);
    uint64_t m = 0, trials = 0, seed = 1;
    if ((rc = cli_parse_u64("--queries", m_text, 1, SIMULATE_MAX_SAMPLES, &m))
        || (rc = cli_parse_u64("--trials", t_text, 1, SIMULATE_MAX_SAMPLES, &trials))
        || (seed_text && (rc = cli_parse_u64("--seed", seed_text, 0, UINT64_MAX, &seed))))
        return rc;
    if (m > SIMULATE_MAX_SAMPLES / trials)
        return cli_error(CLI_EXIT_USAGE, "simulate: --queries %llu x --trials %llu = %.3g samples "
                         "per hypothesis; at most 2^40 (about %.0f hours at the %.0e samples/s "
                         "measured)", (unsigned long long)m, (unsigned long long)trials,
                         (double)m * (double)trials, 2.0 * 0x1p40 / SIMULATE_RATE / 3600.0,
                         SIMULATE_RATE);
    const bht_matrix *A, *B, *x;
    if ((rc = read_models(in, a_path, b_path, softmax ? x_path : NULL, &A, &B, &x)) != CLI_EXIT_OK
        || (leverage && (rc = read_leverage_query(in, a_path, s_path, A, &x)) != CLI_EXIT_OK))
        return rc;
    bht_simulation r;
    bht_status s = leverage ? bht_simulate_leverage(A->rows, A->cols, A->data, B->data, x->data,
                                                    (unsigned long)m, (unsigned long)trials,
                                                    (uint64_t)seed, &r)
                            : bht_simulate_softmax(A->rows, A->cols, A->data, B->data, x->data,
                                                   (unsigned long)m, (unsigned long)trials,
                                                   (uint64_t)seed, &r);
    if (s != BHT_OK)
        return report_failure("simulate", s);
    const char *const keys[] = {"error_rate", "ci95_lower", "ci95_upper", "error_under_A",
                                "error_under_B", "bayes_lower", "bayes_upper"};
    const double values[] = {r.error_rate, r.ci_lower, r.ci_upper, r.error_under_a,
                             r.error_under_b, r.bayes_lower, r.bayes_upper};
    cli_output out;
    cli_out_begin(&out, json, 0);
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++)
        cli_out_number(&out, keys[k], values[k]);
    cli_out_end(&out);
    return cli_finish_output();
}

int cli_plan(int argc, char **argv) { return cli_run_with_inputs(argc, argv, plan_main); }

int cli_simulate(int argc, char **argv) { return cli_run_with_inputs(argc, argv, simulate_main); }
