/* cmd_distance.c: `bht distance` (Hellinger and TV between two given
 * distributions) and `bht lemma-a1` (the Lemma A.1 closed forms). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"


void cli_distance_help(FILE *out)
{
    fprintf(out,
            "usage: bht distance -P FILE -Q FILE [--oracle [--precision-cap BITS]] [--hex]\n"
            "       bht distance --softmax -A FILE -B FILE -x FILE [--energy E] [options]\n"
            "       bht distance --leverage -A FILE -B FILE [-s FILE] [--bounds c,C] [options]\n"
            "\n"
            "Prints three lines for two distributions P and Q on [n]:\n"
            "  hellinger2 V   H^2 = 1/2 sum (sqrt p_i - sqrt q_i)^2\n"
            "  hellinger V    H = sqrt(H^2)\n"
            "  tv V           TV = 1/2 sum |p_i - q_i|\n"
            "P and Q are vector files of the same length n, finite, non-negative, each\n"
            "summing to 1 within n 2^-52 (decided exactly).  The double kernel is within\n"
            "1 ulp of the correctly rounded values (TV correctly rounded), subnormal\n"
            "results included; --oracle prints the correctly rounded values.\n"
            "With --softmax the distributions are softmax(A x) and softmax(B x),\n"
            "computed from the parameters (log-ratio form) so that close models keep\n"
            "full accuracy (double kernel within 2 ulp however close, or exit 3).\n"
            "With --leverage they are Leverage_A(s) and Leverage_B(s) (s all ones when\n"
            "-s is omitted; --bounds c,C requires c <= s_i^2 <= C, decided exactly),\n"
            "with q - p formed exactly from B R - A, R aligning B to A (double kernel\n"
            "within 2 ulp for any finite A, B, s, models equal up to rounding included;\n"
            "--oracle uses exact rationals for p and q).\n"
            CLI_INPUT_HELP
            "  --hex                print C99 hex floats (%%a) instead of %%.17g\n"
            "  --json               one JSON object {\"hellinger2\", \"hellinger\", \"tv\"}\n"
            "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 numerical refusal.\n");
}

void cli_lemma_a1_help(FILE *out)
{
    fprintf(out,
            "usage: bht lemma-a1 --eps E [--oracle [--precision-cap BITS]] [--hex] [--json]\n"
            "\n"
            "Prints the closed forms of the paper's Lemma A.1 at eps = E >= 0:\n"
            "  h2max V   (1 - e^{E/4})^2 / (1 + e^{E/2}) = 1 - sech(E/4)\n"
            "  tvmax V   tanh(E/4)\n"
            "They bound H^2(P,Q) and TV(P,Q) when b - a is in {0, E}^n (equality at the\n"
            "extremal configuration s = t e^{-E/2}).  Evaluated without cancellation\n"
            "(via y = expm1(E/4)): the double kernel is within 1 ulp for every E.\n"
            "  --oracle             correctly rounded values (MPFR)\n"
            "  --hex                print C99 hex floats (%%a) instead of %%.17g\n"
            "  --json               one JSON object {\"h2max\", \"tvmax\"}\n"
            "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 numerical refusal.\n");
}

static int report_failure(const char *command, bht_status s)
{
    if (s == BHT_E_CONSTRAINT)
        return cli_error(CLI_EXIT_USAGE, "%s: %s", command, bht_status_message(s));
    return cli_status_error(command, s);
}

/* Is this vector a distribution?  Names the offending entry or sum. */
static int check_distribution(const cli_inputs *in, const char *path, const bht_matrix *v)
{
    size_t bad = 0;
    double sum = 0.0;
    bht_status s = bht_check_distribution(v->rows, v->data, &bad, &sum);
    if (s == BHT_OK)
        return CLI_EXIT_OK;
    if (s == BHT_E_INVALID && bad < v->rows) {
        char value[32];
        cli_format_shortest(v->data[bad], value, sizeof value);
        return cli_value_error(in, v, bad, CLI_EXIT_USAGE, "value %zu is negative (%s)", bad + 1,
                               value);
    }
    if (s == BHT_E_INVALID) {
        char total[32];
        cli_format_shortest(sum, total, sizeof total);
        return cli_error(CLI_EXIT_USAGE,
                         "%s: values sum to %s, not 1 within n 2^-52 (n = %zu)", path, total,
                         v->rows);
    }
    return report_failure("distance", s);
}

/* fmt: bit 0 hex, bit 1 JSON. */
static void print_distances(const bht_distances *d, int fmt)
{
    cli_output out;
    cli_out_begin(&out, fmt & 2, fmt & 1);
    cli_out_number(&out, "hellinger2", d->hellinger2);
    cli_out_number(&out, "hellinger", d->hellinger);
    cli_out_number(&out, "tv", d->tv);
    cli_out_end(&out);
}

/* The end of a distance run: the failure's exit code, or the distances. */
static int finish_distances(bht_status s, const bht_distances *d, int fmt)
{
    if (s != BHT_OK)
        return report_failure("distance", s);
    print_distances(d, fmt);
    return cli_finish_output();
}

/* --softmax: distances between softmax(A x) and softmax(B x). */
static int softmax_models(cli_inputs *in, const char *a_path, const char *b_path, const char *x_path,
                          const char *energy_text, int oracle, long cap, int hex)
{
    int rc;
    double energy = 0.0;
    if (energy_text && (rc = cli_parse_nonnegative("--energy", energy_text, &energy)))
        return rc;
    const bht_matrix *A, *B, *x;
    if ((rc = cli_read_softmax_pair(in, a_path, &A, b_path, &B, x_path, &x, energy_text,
                                    energy)) != CLI_EXIT_OK)
        return rc;
    bht_distances d;
    bht_oracle_options oopt = {0, cap};
    bht_status s = oracle ? bht_oracle_distance_softmax(A->rows, A->cols, A->data, B->data,
                                                        x->data, &d, &oopt, NULL)
                          : bht_distance_softmax(A->rows, A->cols, A->data, B->data, x->data, &d);
    if (s == BHT_E_RANGE)
        return cli_error(CLI_EXIT_NUMERIC, "distance: the double kernel cannot certify these "
                         "softmax distances to 2 ulp (some |a_ij x_j| beyond 2^1018, or logits "
                         "or log-ratios rounded too coarsely against the result); use --oracle");
    return finish_distances(s, &d, hex);
}

/* --leverage: distances between Leverage_A(s) and Leverage_B(s). */
static int leverage_models(cli_inputs *in, const char *a_path, const char *b_path, const char *s_path,
                           const char *bounds_text, int oracle, long cap, int hex)
{
    const bht_matrix *A, *B, *S;
    int rc = cli_read_leverage_pair(in, a_path, &A, b_path, &B, s_path, &S, bounds_text, oracle);
    if (rc != CLI_EXIT_OK)
        return rc;
    bht_distances d;
    bht_oracle_options oopt = {0, cap};
    bht_status s = oracle ? bht_oracle_distance_leverage(A->rows, A->cols, A->data, B->data,
                                                         S->data, &d, &oopt, NULL)
                          : bht_distance_leverage(A->rows, A->cols, A->data, B->data, S->data,
                                                  &d);
    if (s == BHT_E_SINGULAR)
        return cli_error(CLI_EXIT_NUMERIC, oracle ? "distance: A or B is rank deficient "
                         "(decided exactly)" : "distance: the double kernel cannot certify that "
                         "A and B have full rank and its error bound (see bht leverage); rerun "
                         "with --oracle");
    if (s == BHT_E_RANGE)
        return cli_error(CLI_EXIT_NUMERIC, "distance: the double kernel cannot certify H^2, H "
                         "and TV within 2 ulp (the models agree below the rounding noise of A "
                         "and B in a way it cannot resolve, e.g. B = A R exactly with R^-1 not "
                         "a double matrix); use --oracle");
    return finish_distances(s, &d, hex);
}

static int distance_main(int argc, char **argv, cli_inputs *in)
{
    const char *p_path = NULL, *q_path = NULL, *cap_text = NULL;
    const char *a_path = NULL, *b_path = NULL, *x_path = NULL, *energy_text = NULL;
    const char *s_path = NULL, *bounds_text = NULL;
    int oracle = 0, hex = 0, softmax = 0, leverage = 0, json = 0;
    const cli_option options[] = {
        CLI_INPUT_OPTIONS(*in),
        {"-P", CLI_VALUE, NULL, &p_path},
        {"-Q", CLI_VALUE, NULL, &q_path},
        CLI_MODEL_OPTIONS(softmax, leverage, a_path, "-B", b_path),
        CLI_QUERY_OPTIONS(s_path, bounds_text, x_path, energy_text),
        CLI_ORACLE_OPTIONS(cap_text, oracle, hex, json),
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_distance_help);
    if (rc != CLI_PARSED)
        return rc;
    hex |= json ? 2 : 0; /* output format bits, see print_distances */
    long cap;
    if ((rc = cli_parse_precision_cap(cap_text, oracle, &cap)) != CLI_EXIT_OK)
        return rc;
    if (softmax && leverage)
        return cli_error(CLI_EXIT_USAGE, "distance: give one model, --softmax or --leverage");
    if (leverage) {
        if (p_path || q_path || x_path || energy_text)
            return cli_error(CLI_EXIT_USAGE, "distance: --leverage takes -A, -B, -s and "
                             "--bounds, not -P/-Q/-x/--energy");
        if (!a_path || !b_path)
            return cli_error(CLI_EXIT_USAGE, "distance: --leverage needs -A FILE -B FILE "
                             "[-s FILE]");
        return leverage_models(in, a_path, b_path, s_path, bounds_text, oracle, cap, hex);
    }
    if (s_path || bounds_text)
        return cli_error(CLI_EXIT_USAGE, "distance: -s and --bounds need --leverage");
    if (softmax) {
        if (p_path || q_path)
            return cli_error(CLI_EXIT_USAGE, "distance: --softmax takes -A, -B, -x, not -P/-Q");
        if (!a_path || !b_path || !x_path)
            return cli_error(CLI_EXIT_USAGE, "distance: --softmax needs -A FILE -B FILE -x FILE");
        return softmax_models(in, a_path, b_path, x_path, energy_text, oracle, cap, hex);
    }
    if (a_path || b_path || x_path || energy_text)
        return cli_error(CLI_EXIT_USAGE, "distance: -A, -B, -x and --energy need --softmax");
    if (!p_path || !q_path)
        return cli_error(CLI_EXIT_USAGE, "distance: give -P FILE and -Q FILE "
                         "(see bht distance --help)");

    const bht_matrix *P, *Q;
    if ((rc = cli_read_vector(in, p_path, &P)) != CLI_EXIT_OK
        || (rc = cli_read_vector(in, q_path, &Q)) != CLI_EXIT_OK)
        return rc;
    if (P->rows != Q->rows)
        return cli_error(CLI_EXIT_USAGE, "%s has %zu values but %s has %zu", p_path, P->rows,
                         q_path, Q->rows);
    if ((rc = check_distribution(in, p_path, P)) != CLI_EXIT_OK
        || (rc = check_distribution(in, q_path, Q)) != CLI_EXIT_OK)
        return rc;
    bht_distances d;
    bht_oracle_options oopt = {0, cap};
    bht_status s = oracle ? bht_oracle_distance(P->rows, P->data, Q->data, &d, &oopt, NULL)
                          : bht_distance(P->rows, P->data, Q->data, &d);
    return finish_distances(s, &d, hex);
}

int cli_distance(int argc, char **argv) { return cli_run_with_inputs(argc, argv, distance_main); }

int cli_lemma_a1(int argc, char **argv)
{
    const char *eps_text = NULL, *cap_text = NULL;
    int oracle = 0, hex = 0, json = 0;
    const cli_option options[] = {
        {"--eps", CLI_VALUE, NULL, &eps_text},
        CLI_ORACLE_OPTIONS(cap_text, oracle, hex, json),
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_lemma_a1_help);
    if (rc != CLI_PARSED)
        return rc;
    if (!eps_text)
        return cli_error(CLI_EXIT_USAGE, "lemma-a1: give --eps E (see bht lemma-a1 --help)");
    if (cap_text && !oracle)
        return cli_error(CLI_EXIT_USAGE, "--precision-cap: only meaningful with --oracle");
    double eps = 0.0;
    long cap = 0;
    if ((rc = cli_parse_nonnegative("--eps", eps_text, &eps)) != CLI_EXIT_OK)
        return rc;
    if (cap_text && (rc = cli_parse_long("--precision-cap", cap_text, 1, CLI_MAX_PRECISION_CAP,
                                         &cap)))
        return rc;
    bht_lemma_a1_bounds b;
    bht_oracle_options oopt = {0, cap};
    bht_status s = oracle ? bht_oracle_lemma_a1(eps, &b, &oopt, NULL) : bht_lemma_a1(eps, &b);
    if (s != BHT_OK)
        return report_failure("lemma-a1", s);
    cli_output out;
    cli_out_begin(&out, json, hex);
    cli_out_number(&out, "h2max", b.h2max);
    cli_out_number(&out, "tvmax", b.tvmax);
    cli_out_end(&out);
    return cli_finish_output();
}
