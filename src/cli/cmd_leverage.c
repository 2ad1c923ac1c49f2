/* cmd_leverage.c: `bht leverage` (leverage-score model, paper Def. 2.9). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"


void cli_leverage_help(FILE *out)
{
    fprintf(out,
            "usage: bht leverage -A FILE [-s FILE] [--bounds c,C] [--scores]\n"
            "                    [--oracle [--precision-cap BITS]] [--hex]\n"
            "\n"
            "Prints p_i = h_ii / d, one per line, for the leverage-score model of an\n"
            "n-by-d matrix A (n >= d) at the query s (paper Def. 2.9):\n"
            "  A_s = Diag(s)^-1 A,  h_ii = (A_s (A_s^T A_s)^-1 A_s^T)_ii.\n"
            "  -s FILE              vector of n nonzero values (default: all ones)\n"
            CLI_INPUT_HELP
            "  --bounds c,C         require c <= s_i^2 <= C for every i (decided exactly;\n"
            "                       0 < c < C)\n"
            "  --scores             print the raw scores h_ii instead of p_i\n"
            "  --oracle             correctly rounded values (MPFR; exact rank decision)\n"
            "  --precision-cap BITS oracle's largest working precision\n"
            "  --hex                print C99 hex floats (%%a) instead of %%.17g\n"
            "  --json               one JSON object {\"p\": [...]} (or \"h\"; values as strings)\n"
            "The double kernel (exact power-of-two scaling of rows and columns, so any\n"
            "finite A and s; Householder QR preconditioner, double-double refinement)\n"
            "is within 1 ulp of the correctly rounded values.  When it cannot certify\n"
            "full rank or that bound it stops with exit 3 and its condition estimate;\n"
            "--oracle then decides: exactly rank deficient (exit 3) or the answer.\n"
            "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 numerical refusal.\n");
}

static int report_failure(bht_status s, int oracle, double cond)
{
    char est[32];
    switch (s) {
    case BHT_E_SINGULAR:
        if (oracle)
            return cli_error(CLI_EXIT_NUMERIC, "leverage: A is exactly rank deficient (rank < d; "
                             "decided in exact arithmetic)");
        snprintf(est, sizeof est, "%.3g", cond);
        return cli_error(CLI_EXIT_NUMERIC, "leverage: double kernel cannot certify full rank "
                         "and its 1-ulp error bound (condition estimate %s of the equilibrated "
                         "design; some h_ii's a-posteriori bound stays above 2^-54, e.g. rows "
                         "graded beyond 2^100); rerun with --oracle", est);
    case BHT_E_RANGE:
        return cli_error(CLI_EXIT_NUMERIC, "leverage: the double kernel cannot certify this "
                         "input; rerun with --oracle");
    case BHT_E_CONSTRAINT:
        return cli_error(CLI_EXIT_USAGE, "leverage: %s", bht_status_message(s));
    default:
        return cli_status_error("leverage", s);
    }
}

/* Size cap of the double kernel, then the shared shape and query checks. */
static int check_inputs(const cli_inputs *in, const char *a_path, const bht_matrix *A,
                        const char *s_path, const bht_matrix *S, const char *bounds_text)
{
    if (A->rows >= A->cols && (A->rows > BHT_LEVERAGE_MAX_N || A->cols > BHT_LEVERAGE_MAX_D))
        return cli_error(CLI_EXIT_USAGE, "%s: %zu x %zu is beyond the supported size "
                         "(n <= %zu, d <= %zu)", a_path, A->rows, A->cols,
                         (size_t)BHT_LEVERAGE_MAX_N, (size_t)BHT_LEVERAGE_MAX_D);
    return cli_check_leverage_inputs(in, a_path, A, s_path, S, bounds_text);
}

static int leverage_main(int argc, char **argv, cli_inputs *in)
{
    const char *a_path = NULL, *s_path = NULL, *bounds_text = NULL, *cap_text = NULL;
    int oracle = 0, hex = 0, scores = 0, json = 0;
    const cli_option options[] = {
        CLI_INPUT_OPTIONS(*in),
        {"-A", CLI_VALUE, NULL, &a_path},
        {"-s", CLI_VALUE, NULL, &s_path},
        {"--bounds", CLI_VALUE, NULL, &bounds_text},
        {"--scores", CLI_FLAG, &scores, NULL},
        CLI_ORACLE_OPTIONS(cap_text, oracle, hex, json),
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_leverage_help);
    if (rc != CLI_PARSED)
        return rc;
    if (!a_path)
        return cli_error(CLI_EXIT_USAGE, "leverage: give -A FILE (see bht leverage --help)");
    if (bounds_text && !s_path)
        return cli_error(CLI_EXIT_USAGE, "--bounds: needs a query -s FILE");
    long cap;
    if ((rc = cli_parse_precision_cap(cap_text, oracle, &cap)) != CLI_EXIT_OK)
        return rc;
    if (bounds_text) { /* malformed --bounds is reported before reading files */
        double c, C;
        if ((rc = cli_parse_bounds(bounds_text, &c, &C)) != CLI_EXIT_OK)
            return rc;
    }

    const bht_matrix *A, *S;
    if ((rc = cli_read_matrix(in, a_path, &A)) != CLI_EXIT_OK
        || (rc = cli_read_optional_vector(in, s_path, &S)) != CLI_EXIT_OK
        || (rc = check_inputs(in, a_path, A, s_path, S, bounds_text)) != CLI_EXIT_OK)
        return rc;
    double cond = 0.0, *p = malloc(A->rows * sizeof *p), *h = malloc(A->rows * sizeof *h);
    bht_oracle_options oopt = {0, cap};
    bht_status s = !p || !h ? BHT_E_NOMEM
                   : oracle ? bht_oracle_leverage(A->rows, A->cols, A->data, S->data, p, h, &cond,
                                                  &oopt, NULL)
                            : bht_leverage(A->rows, A->cols, A->data, S->data, p, h, &cond);
    if (s != BHT_OK) {
        rc = report_failure(s, oracle, cond);
    } else {
        cli_output out;
        cli_out_begin(&out, json, hex);
        cli_out_vector(&out, scores ? "h" : "p", scores ? h : p, A->rows, 0);
        cli_out_end(&out);
        rc = cli_finish_output();
    }
    free(p);
    free(h);
    return rc;
}

int cli_leverage(int argc, char **argv) { return cli_run_with_inputs(argc, argv, leverage_main); }
