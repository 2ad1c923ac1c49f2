/* cmd_nu.c: `bht nu` -- the local analysis of paper Thm 3.5 / 4.3 at one query. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

void cli_nu_help(FILE *out)
{
    fprintf(out,
            "usage: bht nu --softmax -A FILE -M FILE -x FILE [--energy E] [--derivative]\n"
            "              [options]\n"
            "       bht nu --leverage -A FILE -M FILE [-s FILE] [--bounds c,C] [--derivative]\n"
            "              [options]\n"
            "       bht nu --softmax -A FILE -M FILE --energy E --sup [--max-cells N]\n"
            "       bht nu --leverage -A FILE -M FILE --bounds c,C --sup [--max-cells N]\n"
            "\n"
            "Local analysis of B_eps = A + eps M at the query x (paper Thm 3.5):\n"
            "  nu V               Var_p(M x), p = softmax(A x)\n"
            "  local_constant V   lim H^2(P_A(x), P_B_eps(x)) / eps^2 = nu / 8\n"
            "With --derivative, a line 'derivative' then dq_i/deps at eps = 0,\n"
            "p_i ((M x)_i - <p, M x>), one per line.\n"
            "With --leverage (paper Thm 4.3, App. A.4), at the query s (all ones when\n"
            "-s is omitted), W = (I - H) M_s G^-1 A_s^T, w_i = W_ii / h_ii:\n"
            "  nu V               Var_p(w_s) = (1/d) sum W_ii^2 / h_ii, p_i = h_ii / d\n"
            "  local_constant V   lim H^2 / eps^2 = nu / 2 (+ (1/2d) m_s,i^T G^-1 m_s,i\n"
            "                     for every zero row a_i of A)\n"
            "  derivative         dq_i/deps = 2 W_ii / d\n"
            "  (double kernel: within 2 ulp for any finite A, M, s; M = A X exactly, X a\n"
            "  double matrix, gives exactly 0; refusals, exit 3, say what was not\n"
            "  certified)\n"
            "  --bounds c,C         require c <= s_i^2 <= C for every i (decided exactly)\n"
            "With --sup (and --energy E for --softmax, --bounds c,C and no -s for\n"
            "--leverage): a certified bracket on sup nu over the constraint set: the\n"
            "query attaining nu_lower, nu_lower, nu_upper, relative_width, cells\n"
            "(branch and bound; target width 1%%, budget --max-cells N, default 200000\n"
            "for --softmax and 400000 for --leverage; progress on a terminal), then\n"
            "'converged true' when the target was met, else 'converged false', one\n"
            "warning on stderr and exit 4\n"
            "  --oracle             correctly rounded values (MPFR; exact rationals for\n"
            "                       --leverage)\n"
            "  --precision-cap BITS oracle's Ziv precision cap\n"
            "  --energy E           reject x with ||x||_2 > E (decided exactly)\n"
            CLI_INPUT_HELP
            "  --hex                print C99 hex floats (%%a) instead of %%.17g\n"
            "The double kernel is within 2 ulp of the oracle (softmax: certified, or exit 3;\n"
            "leverage: on the test set).\n"
            "  --json               one JSON object (floats as strings, cells a number,\n"
            "                       converged true/false)\n"
            "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 numerical refusal,\n"
            "4 --sup stopped on --max-cells before the target width (results printed).\n");
}

static int report_failure(bht_status s)
{
    if (s == BHT_E_SINGULAR)
        return cli_error(CLI_EXIT_NUMERIC, "nu: A is rank deficient (or, without --oracle, its "
                         "rank is not certified by the double kernel; rerun with --oracle)");
    if (s == BHT_E_RANGE)
        return cli_error(CLI_EXIT_NUMERIC, "nu: input outside the double kernel's domain "
                         "(softmax: |a_ij x_j| or |m_ij x_j| too large; leverage: entries beyond "
                         "2^+-400 or a W_ii not certified to 16 ulp); use --oracle");
    return cli_status_error("nu", s);
}

/* fmt: bit 0 hex, bit 1 JSON. */
static void print_nu(int fmt, const bht_local_result *r, const double *derivative, size_t n)
{
    cli_output out;
    cli_out_begin(&out, fmt & 2, fmt & 1);
    cli_out_number(&out, "nu", r->nu);
    cli_out_number(&out, "local_constant", r->local_constant);
    if (derivative)
        cli_out_vector(&out, "derivative", derivative, n, 1);
    cli_out_end(&out);
}

/* The end of a nu run: the failure's exit code, or the result. */
static int finish_nu(bht_status s, int fmt, const bht_local_result *r, const double *derivative,
                     size_t n)
{
    if (s != BHT_OK)
        return report_failure(s);
    print_nu(fmt, r, derivative, n);
    return cli_finish_output();
}

/* The local analysis of A + eps M at the query q (x for --softmax, s for
 * --leverage; all read and checked): the kernel or the oracle, the double
 * kernel's refusals in the model's words, or the result. */
static int local_nu(int leverage, const char *a_path, const bht_matrix *A, const bht_matrix *M,
                    const bht_matrix *q, int oracle, long cap, int fmt, int with_derivative)
{
    const size_t n = A->rows, d = A->cols;
    double *derivative = NULL;
    if (with_derivative && !(derivative = malloc(n * sizeof *derivative)))
        return cli_error(CLI_EXIT_INTERNAL, "nu: out of memory");
    bht_local_result r;
    bht_oracle_options oopt = {0, cap};
    size_t uncertified = n;
    bht_status s;
    if (leverage)
        s = oracle ? bht_oracle_nu_leverage(n, d, A->data, M->data, q->data, &r, derivative,
                                            &oopt, NULL)
                   : bht_nu_leverage(n, d, A->data, M->data, q->data, &r, derivative);
    else
        s = oracle ? bht_oracle_nu_softmax(n, d, A->data, M->data, q->data, &r, derivative,
                                           &oopt, NULL)
                   : bht_nu_softmax_explained(n, d, A->data, M->data, q->data, &r, derivative,
                                              &uncertified);
    int rc;
    if (leverage && s == BHT_E_RANGE)
        rc = cli_error(CLI_EXIT_NUMERIC, "nu: the double kernel cannot certify %s within 2 ulp (M "
                       "within rounding noise of A X with X not a double matrix, or a W_ii far "
                       "below the noise of its row); use --oracle",
                       derivative ? "nu, the local constant and every derivative component"
                                  : "nu and the local constant");
    else if (leverage && s == BHT_E_SINGULAR && !oracle)
        rc = cli_error(CLI_EXIT_NUMERIC, "nu: the double kernel cannot certify that A has full "
                       "rank and its error bound (see bht leverage); rerun with --oracle");
    else if (!leverage && s == BHT_E_RANGE && !oracle && uncertified < n)
        rc = cli_error(CLI_EXIT_NUMERIC, "nu: derivative component %zu (row %zu of %s): "
                       "g_i - <p, g> cancels beyond what the double kernel certifies to "
                       "2 ulp; use --oracle", uncertified + 1, uncertified + 1, a_path);
    else if (!leverage && s == BHT_E_RANGE && !oracle)
        rc = cli_error(CLI_EXIT_NUMERIC, "nu: nu is too small against the scale of M x "
                       "for the double kernel to certify it to 2 ulp; use --oracle");
    else
        rc = finish_nu(s, fmt, &r, derivative, n);
    free(derivative);
    return rc;
}

/* --sup: certified bracket on sup nu over the constraint set, for
 * --softmax (||x||_2 <= E; A, M read) or --leverage (c <= s_i^2 <= C). */
static int print_sup(const bht_matrix *A, const bht_matrix *M, int leverage, double energy,
                     double c, double C, int fmt, const char *cells_text)
{
    long cells = leverage ? 400000 : 200000;
    int rc;
    if (cells_text && (rc = cli_parse_long("--max-cells", cells_text, 1, 1L << 26, &cells)))
        return rc;
    cli_search search;
    if ((rc = cli_search_begin(&search, "nu", A, leverage, "nu --sup", "nu", 0.01, cells)))
        return rc;
    bht_sup_result r;
    bht_status s = leverage ? bht_nu_leverage_sup(A->rows, A->cols, A->data, M->data, c, C,
                                                  &search.options, search.query, &r)
                            : bht_nu_softmax_sup(A->rows, A->cols, A->data, M->data, energy,
                                                 &search.options, search.query, &r);
    cli_progress_end(&search.progress);
    if (s != BHT_OK) {
        free(search.query);
        if (s == BHT_E_SINGULAR) /* the search's own oracle decides the rank */
            return cli_error(CLI_EXIT_NUMERIC, "nu: A is rank deficient (decided exactly)");
        if (s == BHT_E_CONSTRAINT) /* leverage: the query set is empty */
            return cli_error(CLI_EXIT_USAGE, "--bounds: no double s has c <= s^2 <= C (c = %.17g, "
                             "C = %.17g): the query set is empty", c, C);
        if (s == BHT_E_RANGE && leverage && ilogb(c) - ilogb(C) < -1075)
            return cli_error(CLI_EXIT_NUMERIC, "nu: --sup could not certify a bound: c/C is below "
                             "2^-1074, so the weights 1/s_i^2 of the search do not fit a double");
        if (s == BHT_E_RANGE)
            return cli_error(CLI_EXIT_NUMERIC, "nu: --sup could not certify a bound: %s, or no "
                             "%s was bounded within --max-cells %ld (raise --max-cells)",
                             leverage ? "nu exceeds the double range"
                                      : "nu or its Lipschitz constant times E exceeds the double "
                                        "range",
                             leverage ? "box" : "cell", cells);
        return report_failure(s);
    }
    cli_output out;
    cli_out_begin(&out, fmt & 2, fmt & 1);
    cli_out_vector(&out, "query", search.query, search.length, 1);
    cli_out_number(&out, "nu_lower", r.nu_lower);
    cli_out_number(&out, "nu_upper", r.nu_upper);
    double width = cli_relative_width(r.nu_lower, r.nu_upper);
    cli_out_number(&out, "relative_width", width);
    cli_out_integer(&out, "cells", r.cells);
    cli_out_bool(&out, "converged", r.converged);
    cli_out_end(&out);
    free(search.query);
    return cli_finish_search(r.converged, "nu --sup: --max-cells %ld ran out at relative "
                             "width %.3g (target 0.01): the bracket is certified but not "
                             "converged", cells, width);
}

/* Reads A and M (same shape) and runs print_sup. */
static int run_sup(cli_inputs *in, const char *a_path, const char *m_path, int leverage,
                   double energy, const char *bounds_text, int fmt, const char *cells_text)
{
    double c = 0.0, C = 0.0;
    int rc;
    if (leverage && (rc = cli_parse_bounds(bounds_text, &c, &C)) != CLI_EXIT_OK)
        return rc;
    const bht_matrix *A, *M;
    if ((rc = cli_read_search_pair(in, a_path, &A, m_path, &M, leverage, "--leverage --sup"))
        != CLI_EXIT_OK)
        return rc;
    return print_sup(A, M, leverage, energy, c, C, fmt, cells_text);
}

static int nu_main(int argc, char **argv, cli_inputs *in)
{
    const char *a_path = NULL, *m_path = NULL, *x_path = NULL, *energy_text = NULL,
               *cap_text = NULL, *s_path = NULL, *bounds_text = NULL;
    int softmax = 0, leverage = 0, oracle = 0, hex = 0, with_derivative = 0;
    int json = 0, sup = 0;
    const char *cells_text = NULL;
    const cli_option options[] = {
        CLI_INPUT_OPTIONS(*in),
        {"--sup", CLI_FLAG, &sup, NULL},
        {"--max-cells", CLI_VALUE, NULL, &cells_text},
        CLI_MODEL_OPTIONS(softmax, leverage, a_path, "-M", m_path),
        CLI_QUERY_OPTIONS(s_path, bounds_text, x_path, energy_text),
        {"--derivative", CLI_FLAG, &with_derivative, NULL},
        CLI_ORACLE_OPTIONS(cap_text, oracle, hex, json),
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_nu_help);
    if (rc != CLI_PARSED)
        return rc;
    if ((rc = cli_require_model(softmax, leverage, "nu")) != CLI_EXIT_OK)
        return rc;
    hex |= json ? 2 : 0; /* output format bits, see print_nu */
    if (sup && leverage && (s_path || !bounds_text || oracle || with_derivative))
        return cli_error(CLI_EXIT_USAGE, "--sup: --leverage needs --bounds c,C and no -s, "
                         "--oracle or --derivative (the bracket is certified by the oracle)");
    if (sup && leverage && (!a_path || !m_path))
        return cli_error(CLI_EXIT_USAGE, "nu: --leverage --sup needs -A FILE -M FILE "
                         "--bounds c,C");
    if (sup && leverage)
        return run_sup(in, a_path, m_path, 1, 0.0, bounds_text, hex, cells_text);
    if (sup && (x_path || !energy_text || oracle || with_derivative))
        return cli_error(CLI_EXIT_USAGE, "--sup: needs --energy E and no -x, --oracle or "
                         "--derivative (the bracket is certified by the oracle)");
    if (cells_text && !sup)
        return cli_error(CLI_EXIT_USAGE, "--max-cells: only meaningful with --sup");
    long cap;
    double energy = 0.0;
    if ((rc = cli_parse_precision_cap(cap_text, oracle, &cap)) != CLI_EXIT_OK)
        return rc;
    if (leverage) {
        if (x_path || energy_text)
            return cli_error(CLI_EXIT_USAGE, "nu: --leverage takes -s and --bounds, not -x or "
                             "--energy");
        if (!a_path || !m_path)
            return cli_error(CLI_EXIT_USAGE, "nu: --leverage needs -A FILE -M FILE [-s FILE]");
        const bht_matrix *A, *M, *S;
        if ((rc = cli_read_leverage_pair(in, a_path, &A, m_path, &M, s_path, &S, bounds_text,
                                         oracle)) != CLI_EXIT_OK)
            return rc;
        return local_nu(1, a_path, A, M, S, oracle, cap, hex, with_derivative);
    }
    if (s_path || bounds_text)
        return cli_error(CLI_EXIT_USAGE, "nu: -s and --bounds need --leverage");
    if (!a_path || !m_path || (!x_path && !sup))
        return cli_error(CLI_EXIT_USAGE, "nu: --softmax needs -A FILE -M FILE -x FILE");
    if (energy_text && (rc = cli_parse_nonnegative("--energy", energy_text, &energy)))
        return rc;
    if (sup)
        return run_sup(in, a_path, m_path, 0, energy, NULL, hex, cells_text);

    const bht_matrix *A, *M, *x;
    if ((rc = cli_read_softmax_pair(in, a_path, &A, m_path, &M, x_path, &x, energy_text,
                                    energy)) != CLI_EXIT_OK)
        return rc;
    return local_nu(0, a_path, A, M, x, oracle, cap, hex, with_derivative);
}

int cli_nu(int argc, char **argv) { return cli_run_with_inputs(argc, argv, nu_main); }
