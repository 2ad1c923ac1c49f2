/* cmd_plan.c: `bht plan` (how many queries, paper Thm 3.1) and `bht simulate`
 * (the likelihood-ratio test run on samples) for two softmax models. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

void cli_plan_help(FILE *out)
{
    fprintf(out,
            "usage: bht plan --softmax -A FILE -B FILE --energy E [--error P]\n"
            "\n"
            "Brackets delta = sup_{||x||_2 <= E} H(P_A(x), P_B(x)) and the number of\n"
            "repetitions of the best query needed (paper Thm 3.1).  Prints delta_lower\n"
            "(H at the printed query, from the oracle), delta_upper (rigorous: the\n"
            "log-ratio width bound), the query, and queries_lower / queries_upper for the\n"
            "criterion 'both error probabilities <= P' (default P = 1/3, the paper's\n"
            "success >= 2/3 under both hypotheses).\n");
}

void cli_simulate_help(FILE *out)
{
    fprintf(out,
            "usage: bht simulate --softmax -A FILE -B FILE -x FILE --queries m --trials T\n"
            "                    [--seed S]\n"
            "\n"
            "Runs the likelihood-ratio test with m samples of the query x, T times under\n"
            "each hypothesis, from a SplitMix64 stream seeded with S (default 1): the same\n"
            "output on every machine.  Prints the empirical error rate with a Wilson 95%%\n"
            "interval, the per-hypothesis rates, and the Bayes-error bracket\n"
            "[(1 - sqrt(1 - BC^2m))/2, BC^m/2] with BC = 1 - H^2 at x.\n");
}

static int report_failure(const char *cmd, bht_status s)
{
    if (s == BHT_E_NOMEM)
        return cli_error(CLI_EXIT_INTERNAL, "%s: out of memory", cmd);
    if (s == BHT_E_PRECISION || s == BHT_E_RANGE)
        return cli_error(CLI_EXIT_NUMERIC, "%s: %s", cmd, bht_status_message(s));
    return cli_error(CLI_EXIT_USAGE, "%s: %s", cmd, bht_status_message(s));
}

/* Reads A and B (same shape) and optionally x (length = columns). */
static int read_models(const char *a_path, const char *b_path, const char *x_path,
                       bht_matrix *A, bht_matrix *B, bht_matrix *x)
{
    int rc;
    if ((rc = cli_read_matrix(a_path, A)) != CLI_EXIT_OK
        || (rc = cli_read_matrix(b_path, B)) != CLI_EXIT_OK)
        return rc;
    if (A->rows != B->rows || A->cols != B->cols)
        return cli_error(CLI_EXIT_USAGE, "%s is %zu x %zu but %s is %zu x %zu", b_path, B->rows,
                         B->cols, a_path, A->rows, A->cols);
    if (x_path) {
        if ((rc = cli_read_vector(x_path, x)) != CLI_EXIT_OK)
            return rc;
        if (x->rows != A->cols)
            return cli_error(CLI_EXIT_USAGE, "%s has %zu columns but %s has %zu values", a_path,
                             A->cols, x_path, x->rows);
    }
    return CLI_EXIT_OK;
}

int cli_plan(int argc, char **argv)
{
    const char *a_path = NULL, *b_path = NULL, *energy_text = NULL, *error_text = NULL;
    int softmax = 0, help = 0, json = 0;
    const cli_option options[] = {
        {"--json", CLI_FLAG, &json, NULL},
        {"--softmax", CLI_FLAG, &softmax, NULL},
        {"-A", CLI_VALUE, NULL, &a_path},
        {"-B", CLI_VALUE, NULL, &b_path},
        {"--energy", CLI_VALUE, NULL, &energy_text},
        {"--error", CLI_VALUE, NULL, &error_text},
    };
    int rc = cli_parse_options(argc, argv, options, sizeof options / sizeof options[0], &help);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (help) {
        cli_plan_help(stdout);
        return cli_finish_output();
    }
    if (!softmax)
        return cli_error(CLI_EXIT_USAGE, "plan: give the model: --softmax (see bht plan --help)");
    if (!a_path || !b_path || !energy_text)
        return cli_error(CLI_EXIT_USAGE, "plan: --softmax needs -A FILE -B FILE --energy E");
    double energy = 0.0, error = 1.0 / 3.0;
    if ((rc = cli_parse_nonnegative("--energy", energy_text, &energy)))
        return rc;
    if (error_text) {
        if ((rc = cli_parse_nonnegative("--error", error_text, &error)))
            return rc;
        if (!(error > 0.0 && error < 0.5))
            return cli_error(CLI_EXIT_USAGE, "--error: must lie in (0, 1/2), got %s", error_text);
    }
    bht_matrix A = {0}, B = {0}, x = {0};
    double *query = NULL;
    if ((rc = read_models(a_path, b_path, NULL, &A, &B, &x)) != CLI_EXIT_OK)
        goto done;
    if (!(query = malloc(A.cols * sizeof *query))) {
        rc = cli_error(CLI_EXIT_INTERNAL, "plan: out of memory");
        goto done;
    }
    bht_plan_result r;
    bht_status s = bht_plan_softmax(A.rows, A.cols, A.data, B.data, energy, error, query, &r);
    if (s != BHT_OK) {
        rc = report_failure("plan", s);
        goto done;
    }
    cli_output out;
    char criterion[96];
    snprintf(criterion, sizeof criterion,
             "both error probabilities <= %.17g, one query repeated", error);
    cli_out_begin(&out, json, 0);
    cli_out_string(&out, "criterion", criterion);
    cli_out_number(&out, "delta_lower", r.delta_lower);
    cli_out_number(&out, "delta_upper", r.delta_upper);
    cli_out_vector(&out, "query", query, A.cols, 1);
    cli_out_number(&out, "queries_lower", r.queries_lower);
    cli_out_number(&out, "queries_upper", r.queries_upper);
    cli_out_end(&out);
    rc = cli_finish_output();
done:
    free(query);
    bht_matrix_free(&A);
    bht_matrix_free(&B);
    bht_matrix_free(&x);
    return rc;
}

int cli_simulate(int argc, char **argv)
{
    const char *a_path = NULL, *b_path = NULL, *x_path = NULL, *m_text = NULL, *t_text = NULL,
               *seed_text = NULL;
    int softmax = 0, help = 0, json = 0;
    const cli_option options[] = {
        {"--json", CLI_FLAG, &json, NULL},
        {"--softmax", CLI_FLAG, &softmax, NULL},
        {"-A", CLI_VALUE, NULL, &a_path},
        {"-B", CLI_VALUE, NULL, &b_path},
        {"-x", CLI_VALUE, NULL, &x_path},
        {"--queries", CLI_VALUE, NULL, &m_text},
        {"--trials", CLI_VALUE, NULL, &t_text},
        {"--seed", CLI_VALUE, NULL, &seed_text},
    };
    int rc = cli_parse_options(argc, argv, options, sizeof options / sizeof options[0], &help);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (help) {
        cli_simulate_help(stdout);
        return cli_finish_output();
    }
    if (!softmax)
        return cli_error(CLI_EXIT_USAGE, "simulate: give the model: --softmax");
    if (!a_path || !b_path || !x_path || !m_text || !t_text)
        return cli_error(CLI_EXIT_USAGE,
                         "simulate: needs -A FILE -B FILE -x FILE --queries m --trials T");
    long m = 0, trials = 0, seed = 1;
    if ((rc = cli_parse_long("--queries", m_text, 1, 1L << 20, &m))
        || (rc = cli_parse_long("--trials", t_text, 1, 1L << 24, &trials))
        || (seed_text && (rc = cli_parse_long("--seed", seed_text, 0, 0x7fffffffL, &seed))))
        return rc;
    if ((double)m * (double)trials > 1e9)
        return cli_error(CLI_EXIT_USAGE, "simulate: --queries x --trials exceeds 1e9 samples");
    bht_matrix A = {0}, B = {0}, x = {0};
    if ((rc = read_models(a_path, b_path, x_path, &A, &B, &x)) != CLI_EXIT_OK)
        goto done;
    bht_simulation r;
    bht_status s = bht_simulate_softmax(A.rows, A.cols, A.data, B.data, x.data,
                                        (unsigned long)m, (unsigned long)trials,
                                        (uint64_t)seed, &r);
    if (s != BHT_OK) {
        rc = report_failure("simulate", s);
        goto done;
    }
    cli_output out;
    cli_out_begin(&out, json, 0);
    cli_out_number(&out, "error_rate", r.error_rate);
    cli_out_number(&out, "ci95_lower", r.ci_lower);
    cli_out_number(&out, "ci95_upper", r.ci_upper);
    cli_out_number(&out, "error_under_A", r.error_under_a);
    cli_out_number(&out, "error_under_B", r.error_under_b);
    cli_out_number(&out, "bayes_lower", r.bayes_lower);
    cli_out_number(&out, "bayes_upper", r.bayes_upper);
    cli_out_end(&out);
    rc = cli_finish_output();
done:
    bht_matrix_free(&A);
    bht_matrix_free(&B);
    bht_matrix_free(&x);
    return rc;
}
