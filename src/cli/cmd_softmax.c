/* cmd_softmax.c: `bht softmax` (paper Def. 2.6): softmax(z) or softmax(Ax),
 * by the double kernel or the MPFR oracle, one probability per line. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

void cli_softmax_help(FILE *out)
{
    fprintf(out,
            "usage: bht softmax --logits FILE [options]\n"
            "       bht softmax -A FILE -x FILE [--energy E] [options]\n"
            "\n"
            "Prints softmax(z) (z read from --logits) or softmax(A x), one probability\n"
            "per line in input order.  A --logits file with several rows and several\n"
            "columns is a batch: one softmax per row (SciPy's axis=-1), printed as one\n"
            "line of probabilities per row (JSON: an array of rows).\n"
            "\n"
            "  --logits FILE        logits z: one column, one row, or one row per batch item\n"
            "  -A FILE              n-by-d matrix, one row per line\n"
            "  -x FILE              vector of d values (one column or one row)\n"
            CLI_INPUT_HELP
            "  --energy E           reject x with ||x||_2 > E (decided exactly)\n"
            "  --oracle             MPFR oracle: the correctly rounded values\n"
            "  --precision-cap BITS oracle's Ziv precision cap (default %ld, at most %ld)\n"
            "  --hex                print C99 hex floats (%%a) instead of %%.17g\n"
            "  --json               one JSON object {\"p\": [...]} (values as strings)\n"
            "  -h, --help           this help\n"
            "\n"
            "Input: numbers in decimal or C99 hex-float, separated by blanks, ',', ';' or\n"
            "tab; '#' starts a comment.  The double kernel accepts every finite input (exact logit\n"
            "differences; within 1 ulp of the correctly rounded values).  Exit codes:\n"
            "0 ok, 1 internal error, 2 bad input or usage, 3 numerical refusal (oracle\n"
            "precision cap reached).\n",
            BHT_ORACLE_DEFAULT_CAP, CLI_MAX_PRECISION_CAP);
}

typedef struct softmax_args {
    const char *logits, *a_path, *x_path, *energy_text, *cap_text;
    int oracle, hex, json, help;
} softmax_args;

static int check_args(const softmax_args *a)
{
    if (a->logits && (a->a_path || a->x_path))
        return cli_error(CLI_EXIT_USAGE, "softmax: --logits cannot be combined with -A / -x");
    if (!a->logits && !a->a_path && !a->x_path)
        return cli_error(CLI_EXIT_USAGE,
                         "softmax: give --logits FILE or -A FILE -x FILE (see bht softmax --help)");
    if (a->a_path && !a->x_path)
        return cli_error(CLI_EXIT_USAGE, "softmax: -A needs -x");
    if (a->x_path && !a->a_path)
        return cli_error(CLI_EXIT_USAGE, "softmax: -x needs -A");
    if (a->energy_text && a->logits)
        return cli_error(CLI_EXIT_USAGE, "--energy: applies to -x, not to --logits");
    if (a->cap_text && !a->oracle)
        return cli_error(CLI_EXIT_USAGE, "--precision-cap: only meaningful with --oracle");
    return CLI_EXIT_OK;
}

/* Exit code and message for a failed kernel / oracle call. */
static int report_compute_error(bht_status s, int oracle, long cap)
{
    switch (s) {
    case BHT_E_PRECISION:
        return cli_error(CLI_EXIT_NUMERIC,
                         "softmax: oracle could not decide the rounding within "
                         "--precision-cap %ld bits",
                         cap ? cap : BHT_ORACLE_DEFAULT_CAP);
    case BHT_E_INVALID:
    case BHT_E_NONFINITE:
        return cli_error(CLI_EXIT_USAGE, "softmax: %s%s", bht_status_message(s),
                         oracle ? " (oracle)" : "");
    default:
        return cli_status_error("softmax", s);
    }
}

static int softmax_main(int argc, char **argv, cli_inputs *in)
{
    softmax_args a = {0};
    const cli_option options[] = {
        CLI_INPUT_OPTIONS(*in),
        {"--logits", CLI_VALUE, NULL, &a.logits},
        {"-A", CLI_VALUE, NULL, &a.a_path},
        {"-x", CLI_VALUE, NULL, &a.x_path},
        {"--energy", CLI_VALUE, NULL, &a.energy_text},
        CLI_ORACLE_OPTIONS(a.cap_text, a.oracle, a.hex, a.json),
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_softmax_help);
    if (rc != CLI_PARSED)
        return rc;
    if ((rc = check_args(&a)) != CLI_EXIT_OK)
        return rc;

    double energy = 0.0;
    long cap = 0;
    if (a.energy_text && (rc = cli_parse_nonnegative("--energy", a.energy_text, &energy)))
        return rc;
    if ((rc = cli_parse_precision_cap(a.cap_text, a.oracle, &cap)) != CLI_EXIT_OK)
        return rc;

    const bht_matrix *z = NULL, *A = NULL, *x = NULL;
    size_t n, batch = 1;
    if (a.logits) {
        if ((rc = cli_read_matrix(in, a.logits, &z)) != CLI_EXIT_OK)
            return rc;
        if (z->rows > 1 && z->cols > 1) { /* one softmax per row */
            batch = z->rows;
            n = z->cols;
        } else {
            n = z->rows * z->cols;
        }
    } else {
        if ((rc = cli_read_matrix(in, a.a_path, &A)) != CLI_EXIT_OK
            || (rc = cli_read_vector(in, a.x_path, &x)) != CLI_EXIT_OK
            || (rc = cli_check_query_length(a.a_path, A, a.x_path, x)) != CLI_EXIT_OK
            || (a.energy_text && (rc = cli_check_energy(a.x_path, x, energy)) != CLI_EXIT_OK))
            return rc;
        n = A->rows;
    }

    double *p = malloc(batch * n * sizeof *p); /* batch n <= BHT_MAX_VALUES: no overflow */
    bht_oracle_options oopt = {0, cap};
    bht_status s = p ? BHT_OK : BHT_E_NOMEM;
    if (a.logits)
        for (size_t r = 0; r < batch && s == BHT_OK; r++)
            s = a.oracle ? bht_oracle_softmax_logits(n, z->data + r * n, p + r * n, &oopt, NULL)
                         : bht_softmax_logits(n, z->data + r * n, p + r * n);
    else if (s == BHT_OK)
        s = a.oracle ? bht_oracle_softmax(n, A->cols, A->data, x->data, p, &oopt, NULL)
                     : bht_softmax(n, A->cols, A->data, x->data, p);
    if (s != BHT_OK) {
        rc = report_compute_error(s, a.oracle, cap);
    } else {
        cli_output out;
        cli_out_begin(&out, a.json, a.hex);
        if (batch > 1)
            cli_out_matrix(&out, "p", p, batch, n);
        else
            cli_out_vector(&out, "p", p, n, 0);
        cli_out_end(&out);
        rc = cli_finish_output();
    }
    free(p);
    return rc;
}

int cli_softmax(int argc, char **argv) { return cli_run_with_inputs(argc, argv, softmax_main); }
