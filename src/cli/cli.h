/* cli.h: shared pieces of the bht command-line tool.
 *
 * The CLI only parses arguments, calls libbht and prints.  Every error is
 * exactly one line "bht: ..." on stderr, and nothing is written on stdout
 * when a command fails (commands compute everything before printing).
 * No global mutable state: each command keeps its state on its own stack. */
#ifndef BHT_CLI_H
#define BHT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "bht.h"

/* Exit codes (README.md, "Errors and exit codes"). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INTERNAL = 1, /* out of memory, write error on stdout */
    CLI_EXIT_USAGE = 2,    /* bad input or usage */
    CLI_EXIT_NUMERIC = 3   /* numerical refusal (use --oracle / precision cap reached) */
};

/* A subcommand: run(argc, argv) with argv[0] the command name; returns the
 * exit code.  help prints the command's help to the given stream. */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*help)(FILE *out);
    const char *summary;
} cli_command;

/* Prints "bht: <message>\n" on stderr as one line (control characters in
 * the message, e.g. from file names, are replaced by '?'); returns code. */
int cli_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The error line of a failed kernel / oracle call, for the statuses every
 * command reports alike: BHT_E_PRECISION (exit 3, "COMMAND: oracle could not
 * decide the rounding within its precision cap"), BHT_E_NOMEM (exit 1),
 * BHT_E_INVALID and BHT_E_NONFINITE (exit 2, the status message), anything
 * else exit 1 "unexpected failure".  Commands handle their own refusals
 * (and any other wording) before calling it. */
int cli_status_error(const char *command, bht_status s);

/* ---------------------------------------------------------------- options */

enum cli_option_kind { CLI_FLAG, CLI_VALUE };

/* One option of a command.  Long options ("--energy") accept "--energy E"
 * and "--energy=E"; short ones ("-A") accept "-A FILE".  A flag sets *flag
 * to 1; a value option stores the argument in *value.  Giving an option
 * twice is an error. */
typedef struct cli_option {
    const char *name;
    enum cli_option_kind kind;
    int *flag;
    const char **value;
} cli_option;

/* Parses argv[1..argc) against options; "--help" / "-h" set *help.
 * Returns CLI_EXIT_OK or, after printing the error, CLI_EXIT_USAGE. */
int cli_parse_options(int argc, char **argv, const cli_option *options, size_t count,
                      int *help);

/* The number of entries of an option table (an array, not a pointer). */
#define CLI_COUNT(table) (sizeof (table) / sizeof (table)[0])

/* A command's options: cli_parse_options, then on --help / -h print
 * help(stdout) and finish the output.  Returns CLI_PARSED when the command
 * goes on, else the exit code it must return at once (bad options, or help
 * given).  CLI_PARSE_COMMAND takes the option table itself. */
enum { CLI_PARSED = -1 };
int cli_parse_command(int argc, char **argv, const cli_option *options, size_t count,
                      void (*help)(FILE *));
#define CLI_PARSE_COMMAND(argc, argv, table, help) \
    cli_parse_command((argc), (argv), (table), CLI_COUNT(table), (help))

/* The options of two models (put them in the command's option table): the
 * model --softmax or --leverage, the first model's matrix -A FILE and the
 * second's, b_name ("-B", or "-M" for a perturbation) FILE. */
#define CLI_MODEL_OPTIONS(softmax, leverage, a_path, b_name, b_path) \
    {"--softmax", CLI_FLAG, &(softmax), NULL},                  \
    {"--leverage", CLI_FLAG, &(leverage), NULL},                \
    {"-A", CLI_VALUE, NULL, &(a_path)},                         \
    {(b_name), CLI_VALUE, NULL, &(b_path)}

/* The options of a query (put them in the command's option table): the
 * leverage model's -s FILE and --bounds c,C, the softmax model's -x FILE and
 * --energy E. */
#define CLI_QUERY_OPTIONS(s_path, bounds_text, x_path, energy_text) \
    {"-s", CLI_VALUE, NULL, &(s_path)},                             \
    {"--bounds", CLI_VALUE, NULL, &(bounds_text)},                  \
    {"-x", CLI_VALUE, NULL, &(x_path)},                             \
    {"--energy", CLI_VALUE, NULL, &(energy_text)}

/* The options --precision-cap N, --oracle, --hex and --json of the commands
 * that have an MPFR oracle (put them in the command's option table). */
#define CLI_ORACLE_OPTIONS(cap_text, oracle, hex, json)         \
    {"--precision-cap", CLI_VALUE, NULL, &(cap_text)},          \
    {"--oracle", CLI_FLAG, &(oracle), NULL},                    \
    {"--hex", CLI_FLAG, &(hex), NULL},                          \
    {"--json", CLI_FLAG, &(json), NULL}

/* The input files of one command run: the common options --delimiter and
 * --skip-rows (put CLI_INPUT_OPTIONS(in) in the command's option table), the
 * matrices read (owned here: a command never frees them), the file texts,
 * kept so that an error about a value can name FILE:LINE:COL, and whether
 * "-" (standard input) was used already.  Zero-initialise, free with
 * cli_inputs_free (or let cli_run_with_inputs do both). */
#define CLI_MAX_INPUTS 8
typedef struct cli_input_file {
    const char *path;
    bht_matrix matrix;
    char *text;
    size_t length;
} cli_input_file;
typedef struct cli_inputs {
    const char *delimiter_text, *skip_rows_text;
    bht_parse_options options;
    int prepared, stdin_used;
    size_t count;
    cli_input_file files[CLI_MAX_INPUTS];
    bht_matrix none; /* an absent optional input: 0 x 0, data NULL */
} cli_inputs;
#define CLI_INPUT_OPTIONS(in)                                   \
    {"--delimiter", CLI_VALUE, NULL, &(in).delimiter_text},     \
    {"--skip-rows", CLI_VALUE, NULL, &(in).skip_rows_text}
/* Help lines for the two options (every command that reads files prints them). */
#define CLI_INPUT_HELP                                                                   \
    "  FILE                 '-' reads standard input (for one file option)\n"          \
    "  --delimiter D        ',', ';', tab or space (default: detected per file from\n"  \
    "                       its first data line: ';', else ',', else blanks)\n"          \
    "  --skip-rows N        skip N header lines first (a UTF-8 BOM is always skipped)\n"

/* ------------------------------------------------------------- arguments */

/* A finite non-negative number (for --energy): the whole argument, strtod
 * syntax, no NaN / infinity / overflow.  Prints the error itself. */
int cli_parse_nonnegative(const char *option, const char *text, double *value);
/* --bounds c,C: two finite numbers separated by one comma, 0 < c < C. */
int cli_parse_bounds(const char *text, double *c, double *C);
/* The leverage model's inputs: n >= d for A; when S has data, n nonzero
 * values; with bounds_text, c <= s_i^2 <= C decided exactly.  Messages name
 * the file and the index. */
int cli_check_leverage_inputs(const cli_inputs *in, const char *a_path, const bht_matrix *A,
                              const char *s_path,
                              const bht_matrix *S, const char *bounds_text);
/* n <= BHT_LEVERAGE_ORACLE_MAX_N, d <= BHT_LEVERAGE_ORACLE_MAX_D (local
 * analysis and model distances in exact rationals). */
int cli_check_leverage_oracle_size(const char *a_path, const bht_matrix *A);

/* The inputs of a pair of leverage models (distance --leverage, nu
 * --leverage): --bounds needs -s and parses; A and B (or M) read and of one
 * shape; the optional query s (s_path NULL: none, S->data NULL) read; the
 * leverage checks, and the oracle's size limit when oracle. */
int cli_read_leverage_pair(cli_inputs *in, const char *a_path, const bht_matrix **A,
                           const char *b_path, const bht_matrix **B, const char *s_path,
                           const bht_matrix **S, const char *bounds_text, int oracle);

/* The inputs of a pair of softmax models (distance --softmax, nu --softmax):
 * A, B (or M) and the query x read; A and B of one shape, x of length d, and
 * ||x||_2 <= energy when energy_text (already parsed into energy). */
int cli_read_softmax_pair(cli_inputs *in, const char *a_path, const bht_matrix **A,
                          const char *b_path, const bht_matrix **B, const char *x_path,
                          const bht_matrix **x, const char *energy_text, double energy);

/* The two models of a certified search (nu --sup, plan): A and B (or M)
 * read and of one shape; for the leverage model also n >= d and
 * n <= BHT_LEVERAGE_SUP_MAX_N ("A: N rows; SEARCH handles n <= ..."). */
int cli_read_search_pair(cli_inputs *in, const char *a_path, const bht_matrix **A,
                         const char *b_path, const bht_matrix **B, int leverage,
                         const char *search);

/* Shape checks shared by the commands; each names both files. */
int cli_check_same_shape(const char *a_path, const bht_matrix *A, const char *b_path,
                         const bht_matrix *B);
int cli_check_query_length(const char *a_path, const bht_matrix *A, const char *x_path,
                           const bht_matrix *x);
/* ||x||_2 <= energy decided exactly: exit 2 with both numbers when violated. */
int cli_check_energy(const char *x_path, const bht_matrix *x, double energy);

/* A decimal integer in [min, max] (for --precision-cap). */
int cli_parse_long(const char *option, const char *text, long min, long max, long *value);
/* Largest --precision-cap accepted (bits). */
#define CLI_MAX_PRECISION_CAP (1L << 24)
/* --precision-cap N (text NULL: not given, *cap = 0): only with --oracle, and
 * N in [1, CLI_MAX_PRECISION_CAP]. */
int cli_parse_precision_cap(const char *text, int oracle, long *cap);
/* CLI_EXIT_OK when exactly one of --softmax / --leverage was given, else a
 * usage error naming the command (and its --help). */
int cli_require_model(int softmax, int leverage, const char *command);
/* The same for unsigned 64-bit values (--seed, --queries). */
int cli_parse_u64(const char *option, const char *text, uint64_t min, uint64_t max,
                  uint64_t *value);

/* --------------------------------------------------------------- inputs */

/* Reads a matrix / vector file and points *out at it (owned by in, valid
 * until cli_inputs_free); on failure prints "bht: FILE:LINE:COL: reason"
 * (or "bht: FILE: reason" when no position applies), points *out at the
 * empty in->none and returns the exit code.  A vector file must be one
 * column or one row.  cli_read_optional_vector: path NULL reads nothing and
 * gives in->none (so s->data is NULL: "all ones" for a leverage query). */
int cli_read_matrix(cli_inputs *in, const char *path, const bht_matrix **out);
int cli_read_vector(cli_inputs *in, const char *path, const bht_matrix **out);
int cli_read_optional_vector(cli_inputs *in, const char *path, const bht_matrix **out);
void cli_inputs_free(cli_inputs *in);
/* Runs main(argc, argv, &in) with a fresh cli_inputs and frees it after. */
int cli_run_with_inputs(int argc, char **argv, int (*main_fn)(int, char **, cli_inputs *));
/* Prints "bht: FILE:LINE:COL: message" for value index (0-based, row-major)
 * of m as read by cli_read_*, "bht: FILE: message" when m is unknown; returns
 * code. */
int cli_value_error(const cli_inputs *in, const bht_matrix *m, size_t index, int code,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* --------------------------------------------------------------- output */

/* Shortest decimal that reads back as x ("%.{1..17}g"); buf >= 32 bytes. */
void cli_format_shortest(double x, char *buf, size_t size);

/* Results of a command, as text ("key value" lines, bare lines for vectors)
 * or as one JSON object (--json) whose values are strings in the chosen
 * number format ("%.17g", or "%a" with --hex; "inf", "-inf", "nan").  The
 * key names are the same in both forms (README, "JSON output"). */
typedef struct cli_output {
    int json, hex, items;
} cli_output;

void cli_out_begin(cli_output *o, int json, int hex);
void cli_out_number(cli_output *o, const char *key, double v);
/* An integer (counts): text "key 123", JSON a number "key": 123. */
void cli_out_integer(cli_output *o, const char *key, unsigned long long v);
/* An integer-valued double that may be +inf (query counts): an integer as
 * above when finite, else as cli_out_number ("inf"). */
void cli_out_count(cli_output *o, const char *key, double v);
/* A flag: text "key true|false", JSON true / false. */
void cli_out_bool(cli_output *o, const char *key, int v);
void cli_out_string(cli_output *o, const char *key, const char *text);
/* A vector: text form prints the key on its own line when labelled, then
 * one value per line; JSON form prints "key": ["v", ...]. */
void cli_out_vector(cli_output *o, const char *key, const double *v, size_t n, int labelled);
/* A matrix: text form one row per line, values separated by a space; JSON
 * form "key": [["v", ...], ...]. */
void cli_out_matrix(cli_output *o, const char *key, const double *v, size_t rows, size_t cols);
void cli_out_end(cli_output *o);

/* (upper - lower) / lower of a bracket: 0 for [0, 0] (exact), +inf when
 * lower is 0 and upper is not. */
double cli_relative_width(double lower, double upper);

/* Progress of a branch and bound (bht_sup_options.progress) on stderr, only
 * on a terminal and after one second: "\rbht LABEL: N cells, WHAT in [lo, hi]".
 * cli_progress_end ends the line when one was shown. */
typedef struct cli_progress {
    const char *label, *what;
    long start;
    int shown;
} cli_progress;
/* A certified branch and bound over the queries of a model with matrix A:
 * the query it finds (length values: s, n of them, for the leverage model;
 * x, d of them, for softmax), its options (target relative width, budget
 * of cells, progress reported to progress, every online CPU: the bracket is
 * the same bits for any thread count) and its progress line. */
typedef struct cli_search {
    double *query;
    size_t length;
    bht_sup_options options;
    cli_progress progress;
} cli_search;
/* Allocates the query (exit 1 after "COMMAND: out of memory") and begins
 * the progress line; free s->query when done. */
int cli_search_begin(cli_search *s, const char *command, const bht_matrix *A, int leverage,
                     const char *label, const char *what, double width, long cells);
void cli_show_progress(void *context, size_t cells, double lower, double upper);
void cli_progress_end(cli_progress *p);

/* Exit 4 (README, "Errors and exit codes"): a search stopped on its budget
 * before the target width; the results are printed (converged false) and
 * this one warning line goes to stderr. */
enum { CLI_EXIT_NOT_CONVERGED = 4 };

/* Flushes stdout and reports a write error (exit 1) if any. */
int cli_finish_output(void);
/* The end of a command that printed the results of a search (converged or
 * not): cli_finish_output, then, when not converged, the warning line
 * "bht: <fmt...>" and exit 4. */
int cli_finish_search(int converged, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
