/* cli_util.c: error reporting, option parsing, input loading and output
 * helpers shared by the bht subcommands (see cli.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static int report_error(int code, const char *fmt, va_list ap)
{
    char line[1024];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        snprintf(line, sizeof line, "error while formatting an error message");
    else if ((size_t)n >= sizeof line)
        memcpy(line + sizeof line - 4, "...", 4);
    /* One line, whatever the file names contain. */
    for (char *c = line; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    fprintf(stderr, "bht: %s\n", line);
    fflush(stderr);
    return code;
}

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = report_error(code, fmt, ap);
    va_end(ap);
    return rc;
}

int cli_status_error(const char *command, bht_status s)
{
    switch (s) {
    case BHT_E_PRECISION:
        return cli_error(CLI_EXIT_NUMERIC, "%s: oracle could not decide the rounding within "
                         "its precision cap", command);
    case BHT_E_NOMEM:
        return cli_error(CLI_EXIT_INTERNAL, "%s: out of memory", command);
    case BHT_E_INVALID:
    case BHT_E_NONFINITE:
        return cli_error(CLI_EXIT_USAGE, "%s: %s", command, bht_status_message(s));
    default:
        return cli_error(CLI_EXIT_INTERNAL, "%s: unexpected failure: %s", command,
                         bht_status_message(s));
    }
}

/* --------------------------------------------------------------- options */

static int is_long(const char *name) { return name[0] == '-' && name[1] == '-'; }

int cli_parse_options(int argc, char **argv, const cli_option *options, size_t count,
                      int *help)
{
    /* Options seen so far, to reject duplicates (bounded by the table). */
    enum { MAX_OPTIONS = 32 };
    int seen[MAX_OPTIONS] = {0};
    if (count > MAX_OPTIONS)
        return cli_error(CLI_EXIT_INTERNAL, "%s: too many options in the table", argv[0]);
    *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *help = 1;
            continue;
        }
        size_t k;
        const char *inline_value = NULL;
        for (k = 0; k < count; k++) {
            const char *name = options[k].name;
            size_t len = strlen(name);
            if (strcmp(arg, name) == 0)
                break;
            if (is_long(name) && options[k].kind == CLI_VALUE && strncmp(arg, name, len) == 0 &&
                arg[len] == '=') {
                inline_value = arg + len + 1;
                break;
            }
        }
        if (k == count) {
            if (arg[0] == '-' && arg[1] != '\0')
                return cli_error(CLI_EXIT_USAGE, "%s: unknown option '%s' (see bht %s --help)",
                                 argv[0], arg, argv[0]);
            return cli_error(CLI_EXIT_USAGE, "%s: unexpected argument '%s' (see bht %s --help)",
                             argv[0], arg, argv[0]);
        }
        const cli_option *o = &options[k];
        if (seen[k])
            return cli_error(CLI_EXIT_USAGE, "%s: given more than once", o->name);
        seen[k] = 1;
        if (o->kind == CLI_FLAG) {
            *o->flag = 1;
            continue;
        }
        if (inline_value) {
            *o->value = inline_value;
            continue;
        }
        /* The next argument is the value, unless there is none or it is a
         * long option (a missing argument, as in "--logits --oracle"). */
        if (i + 1 >= argc || (is_long(argv[i + 1]) && argv[i + 1][2] != '\0'))
            return cli_error(CLI_EXIT_USAGE, "%s: missing argument", o->name);
        *o->value = argv[++i];
    }
    return CLI_EXIT_OK;
}

int cli_parse_command(int argc, char **argv, const cli_option *options, size_t count,
                      void (*help)(FILE *))
{
    int want_help = 0;
    int rc = cli_parse_options(argc, argv, options, count, &want_help);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!want_help)
        return CLI_PARSED;
    help(stdout);
    return cli_finish_output();
}

/* ------------------------------------------------------------- arguments */

int cli_parse_nonnegative(const char *option, const char *text, double *value)
{
    if (text[0] == '\0')
        return cli_error(CLI_EXIT_USAGE, "%s: empty argument, expected a number", option);
    if (strpbrk(text, "#\n"))
        return cli_error(CLI_EXIT_USAGE, "%s: not a number: '%s'", option, text);
    /* The input-file number syntax, so the same rules and messages apply. */
    bht_matrix m;
    bht_parse_error err;
    bht_status s = bht_parse_vector(option, text, strlen(text), &m, &err);
    if (s == BHT_E_NOMEM)
        return cli_error(CLI_EXIT_INTERNAL, "%s: out of memory", option);
    if (s != BHT_OK)
        return cli_error(CLI_EXIT_USAGE, "%s: %s", option, err.reason);
    size_t n = m.rows;
    double v = m.data[0];
    bht_matrix_free(&m);
    if (n != 1)
        return cli_error(CLI_EXIT_USAGE, "%s: expected one number, got '%s'", option, text);
    if (v < 0.0)
        return cli_error(CLI_EXIT_USAGE, "%s: must be non-negative, got %s", option, text);
    *value = v + 0.0; /* -0 becomes +0 */
    return CLI_EXIT_OK;
}

int cli_parse_long(const char *option, const char *text, long min, long max, long *value)
{
    long v = 0;
    const char *c = text;
    if (*c == '\0')
        return cli_error(CLI_EXIT_USAGE, "%s: empty argument, expected an integer", option);
    for (; *c; c++) {
        if (*c < '0' || *c > '9')
            return cli_error(CLI_EXIT_USAGE, "%s: not a positive integer: '%s'", option, text);
        if (v > (max - (*c - '0')) / 10)
            return cli_error(CLI_EXIT_USAGE, "%s: %s is larger than %ld", option, text, max);
        v = 10 * v + (*c - '0');
    }
    if (v < min)
        return cli_error(CLI_EXIT_USAGE, "%s: %s is smaller than %ld", option, text, min);
    *value = v;
    return CLI_EXIT_OK;
}

int cli_require_model(int softmax, int leverage, const char *command)
{
    if (softmax != leverage)
        return CLI_EXIT_OK;
    return cli_error(CLI_EXIT_USAGE, "%s: give the model: --softmax or --leverage (see bht %s --help)",
                     command, command);
}

int cli_parse_precision_cap(const char *text, int oracle, long *cap)
{
    *cap = 0;
    if (text && !oracle)
        return cli_error(CLI_EXIT_USAGE, "--precision-cap: only meaningful with --oracle");
    return text ? cli_parse_long("--precision-cap", text, 1, CLI_MAX_PRECISION_CAP, cap)
                : CLI_EXIT_OK;
}

int cli_parse_u64(const char *option, const char *text, uint64_t min, uint64_t max,
                  uint64_t *value)
{
    uint64_t v = 0;
    if (*text == '\0')
        return cli_error(CLI_EXIT_USAGE, "%s: empty argument, expected an integer", option);
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9')
            return cli_error(CLI_EXIT_USAGE, "%s: not a non-negative integer: '%s'", option,
                             text);
        unsigned digit = (unsigned)(*c - '0');
        if (v > (max - digit) / 10)
            return cli_error(CLI_EXIT_USAGE, "%s: %s is larger than %llu", option, text,
                             (unsigned long long)max);
        v = 10 * v + digit;
    }
    if (v < min)
        return cli_error(CLI_EXIT_USAGE, "%s: %s is smaller than %llu", option, text,
                         (unsigned long long)min);
    *value = v;
    return CLI_EXIT_OK;
}

/* --------------------------------------------------------------- inputs */

static int report_read_error(const char *path, bht_status s, const bht_parse_error *err)
{
    if (s == BHT_E_NOMEM)
        return cli_error(CLI_EXIT_INTERNAL, "%s: %s", path, err->reason[0] ? err->reason
                                                                            : "out of memory");
    if (s == BHT_E_PARSE && err->line > 0)
        return cli_error(CLI_EXIT_USAGE, "%s:%zu:%zu: %s", path, err->line, err->column,
                         err->reason);
    return cli_error(CLI_EXIT_USAGE, "%s: %s", path,
                     err->reason[0] ? err->reason : bht_status_message(s));
}

/* --delimiter and --skip-rows, checked once per command run. */
static int prepare_inputs(cli_inputs *in)
{
    if (in->prepared)
        return CLI_EXIT_OK;
    in->options.delimiter = 0;
    in->options.skip_rows = 0;
    const char *d = in->delimiter_text;
    if (d) {
        static const struct { const char *name; int delimiter; } names[] = {
            {",", ','}, {"comma", ','}, {";", ';'}, {"semicolon", ';'}, {"tab", '\t'},
            {"\t", '\t'}, {"\\t", '\t'}, {" ", ' '}, {"space", ' '}, {"blank", ' '},
            {"blanks", ' '}, {"whitespace", ' '}};
        size_t k = 0;
        while (k < sizeof names / sizeof names[0] && strcmp(d, names[k].name) != 0)
            k++;
        if (k == sizeof names / sizeof names[0])
            return cli_error(CLI_EXIT_USAGE, "--delimiter: expected ',', ';', tab or space "
                             "(or comma, semicolon, tab, space), got '%s'", d);
        in->options.delimiter = names[k].delimiter;
    }
    if (in->skip_rows_text) {
        long n = 0;
        int rc = cli_parse_long("--skip-rows", in->skip_rows_text, 0, 1L << 30, &n);
        if (rc != CLI_EXIT_OK)
            return rc;
        in->options.skip_rows = (size_t)n;
    }
    in->prepared = 1;
    return CLI_EXIT_OK;
}

static int read_input(cli_inputs *in, const char *path, int matrix, const bht_matrix **out)
{
    *out = &in->none;
    int rc = prepare_inputs(in);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (in->count == CLI_MAX_INPUTS)
        return cli_error(CLI_EXIT_INTERNAL, "%s: too many input files", path);
    if (strcmp(path, "-") == 0) {
        if (in->stdin_used)
            return cli_error(CLI_EXIT_USAGE, "-: standard input can be read for one file "
                             "option only");
        in->stdin_used = 1;
    }
    const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
    bht_parse_error err;
    char *text = NULL;
    size_t length = 0;
    bht_status s = bht_read_text(path, &text, &length, &err);
    if (s != BHT_OK)
        return report_read_error(name, s, &err);
    cli_input_file *f = &in->files[in->count];
    f->matrix.rows = f->matrix.cols = 0;
    f->matrix.data = NULL;
    s = matrix ? bht_parse_matrix_ex(name, text, length, &in->options, &f->matrix, &err)
               : bht_parse_vector_ex(name, text, length, &in->options, &f->matrix, &err);
    if (s != BHT_OK) {
        bht_matrix_free(&f->matrix);
        bht_text_free(text);
        return report_read_error(name, s, &err);
    }
    in->count++;
    f->path = name;
    f->text = text;
    f->length = length;
    *out = &f->matrix;
    return CLI_EXIT_OK;
}

int cli_read_matrix(cli_inputs *in, const char *path, const bht_matrix **out)
{
    return read_input(in, path, 1, out);
}

int cli_read_vector(cli_inputs *in, const char *path, const bht_matrix **out)
{
    return read_input(in, path, 0, out);
}

int cli_read_optional_vector(cli_inputs *in, const char *path, const bht_matrix **out)
{
    *out = &in->none;
    return path ? read_input(in, path, 0, out) : CLI_EXIT_OK;
}

void cli_inputs_free(cli_inputs *in)
{
    for (size_t k = 0; k < in->count; k++) {
        bht_matrix_free(&in->files[k].matrix);
        bht_text_free(in->files[k].text);
        in->files[k].text = NULL;
    }
    in->count = 0;
}

int cli_run_with_inputs(int argc, char **argv, int (*main_fn)(int, char **, cli_inputs *))
{
    cli_inputs in = {0};
    int rc = main_fn(argc, argv, &in);
    cli_inputs_free(&in);
    return rc;
}

int cli_value_error(const cli_inputs *in, const bht_matrix *m, size_t index, int code,
                    const char *fmt, ...)
{
    char message[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    for (size_t k = 0; in && k < in->count; k++) {
        const cli_input_file *f = &in->files[k];
        if (&f->matrix != m)
            continue;
        size_t line = 0, column = 0;
        if (bht_locate_value(f->text, f->length, &in->options, index, &line, &column) == BHT_OK)
            return cli_error(code, "%s:%zu:%zu: %s", f->path, line, column, message);
        return cli_error(code, "%s: %s", f->path, message);
    }
    return cli_error(code, "%s", message);
}

/* --------------------------------------------------------------- output */

void cli_format_shortest(double x, char *buf, size_t size)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, x);
        if (strtod(buf, NULL) == x)
            return;
    }
    snprintf(buf, size, "%.17g", x);
}

double cli_relative_width(double lower, double upper)
{
    return upper == 0.0  ? 0.0 /* [0, 0]: exact (e.g. d = n) */
           : lower > 0.0 ? (upper - lower) / lower
                         : INFINITY;
}

int cli_search_begin(cli_search *s, const char *command, const bht_matrix *A, int leverage,
                     const char *label, const char *what, double width, long cells)
{
    s->length = leverage ? A->rows : A->cols;
    s->query = malloc(s->length * sizeof *s->query);
    if (!s->query)
        return cli_error(CLI_EXIT_INTERNAL, "%s: out of memory", command);
    cli_progress *p = &s->progress;
    p->label = label;
    p->what = what;
    p->start = (long)time(NULL);
    p->shown = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    bht_sup_options opt = {width, (size_t)cells, cli_show_progress, p,
                           cpus > 1 ? (size_t)cpus : 1, NULL};
    s->options = opt;
    return CLI_EXIT_OK;
}

void cli_show_progress(void *context, size_t cells, double lower, double upper)
{
    cli_progress *p = context;
    if (!isatty(2) || (long)time(NULL) - p->start < 1)
        return;
    fprintf(stderr, "\rbht %s: %zu cells, %s in [%.6g, %.6g]", p->label, cells, p->what, lower,
            upper);
    p->shown = 1;
}

void cli_progress_end(cli_progress *p)
{
    if (p->shown)
        fputc('\n', stderr);
    p->shown = 0;
}

int cli_finish_output(void)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno;
        return cli_error(CLI_EXIT_INTERNAL, "error writing standard output%s%s",
                         e ? ": " : "", e ? strerror(e) : "");
    }
    return CLI_EXIT_OK;
}

int cli_finish_search(int converged, const char *fmt, ...)
{
    int rc = cli_finish_output();
    if (rc != CLI_EXIT_OK || converged)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    rc = report_error(CLI_EXIT_NOT_CONVERGED, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---------------------------------------------------------------- output */

static void format_number(const cli_output *o, double v, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else if (isinf(v))
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
    else
        snprintf(buf, size, o->hex ? "%a" : "%.17g", v);
}

static void json_key(cli_output *o, const char *key)
{
    printf("%s\n  \"%s\": ", o->items++ ? "," : "", key);
}

void cli_out_begin(cli_output *o, int json, int hex)
{
    o->json = json;
    o->hex = hex;
    o->items = 0;
    if (json)
        printf("{");
}

void cli_out_number(cli_output *o, const char *key, double v)
{
    char buf[64];
    format_number(o, v, buf, sizeof buf);
    if (o->json) {
        json_key(o, key);
        printf("\"%s\"", buf);
    } else {
        printf("%s %s\n", key, buf);
    }
}

void cli_out_integer(cli_output *o, const char *key, unsigned long long v)
{
    if (o->json) {
        json_key(o, key);
        printf("%llu", v);
    } else {
        printf("%s %llu\n", key, v);
    }
}

void cli_out_count(cli_output *o, const char *key, double v)
{
    if (isfinite(v) && v >= 0.0 && v < 0x1p64 && v == floor(v))
        cli_out_integer(o, key, (unsigned long long)v);
    else
        cli_out_number(o, key, v);
}

void cli_out_bool(cli_output *o, const char *key, int v)
{
    if (o->json) {
        json_key(o, key);
        printf("%s", v ? "true" : "false");
    } else {
        printf("%s %s\n", key, v ? "true" : "false");
    }
}

void cli_out_string(cli_output *o, const char *key, const char *text)
{
    if (o->json) {
        json_key(o, key);
        putchar('"');
        for (const char *c = text; *c; c++) {
            if (*c == '"' || *c == '\\')
                putchar('\\');
            if ((unsigned char)*c >= 0x20)
                putchar(*c);
        }
        putchar('"');
    } else {
        printf("%s %s\n", key, text);
    }
}

/* A JSON array of n numbers, each a string in the output's number format. */
static void json_number_array(cli_output *o, const double *v, size_t n)
{
    char buf[64];
    printf("[");
    for (size_t i = 0; i < n; i++) {
        format_number(o, v[i], buf, sizeof buf);
        printf("%s\"%s\"", i ? ", " : "", buf);
    }
    printf("]");
}

void cli_out_vector(cli_output *o, const char *key, const double *v, size_t n, int labelled)
{
    char buf[64];
    if (o->json) {
        json_key(o, key);
        json_number_array(o, v, n);
        return;
    }
    if (labelled)
        printf("%s\n", key);
    for (size_t i = 0; i < n; i++) {
        format_number(o, v[i], buf, sizeof buf);
        printf("%s\n", buf);
    }
}

void cli_out_matrix(cli_output *o, const char *key, const double *v, size_t rows, size_t cols)
{
    char buf[64];
    if (o->json) {
        json_key(o, key);
        printf("[");
        for (size_t r = 0; r < rows; r++) {
            printf("%s", r ? ", " : "");
            json_number_array(o, v + r * cols, cols);
        }
        printf("]");
        return;
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            format_number(o, v[r * cols + c], buf, sizeof buf);
            printf("%s%c", buf, c + 1 < cols ? ' ' : '\n');
        }
}

void cli_out_end(cli_output *o)
{
    if (o->json)
        printf("\n}\n");
}

/* --bounds c,C: two finite numbers separated by one comma, 0 < c < C. */
int cli_parse_bounds(const char *text, double *c, double *C)
{
    const char *comma = strchr(text, ',');
    if (!comma || strchr(comma + 1, ','))
        return cli_error(CLI_EXIT_USAGE, "--bounds: expected c,C (two numbers and one comma), "
                         "got '%s'", text);
    char first[128];
    size_t len = (size_t)(comma - text);
    if (len == 0 || len >= sizeof first)
        return cli_error(CLI_EXIT_USAGE, "--bounds: malformed lower bound in '%s'", text);
    memcpy(first, text, len);
    first[len] = '\0';
    int rc = cli_parse_nonnegative("--bounds (c)", first, c);
    if (rc != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_parse_nonnegative("--bounds (C)", comma + 1, C)) != CLI_EXIT_OK)
        return rc;
    if (!(*c > 0.0) || !(*c < *C))
        return cli_error(CLI_EXIT_USAGE, "--bounds: need 0 < c < C, got '%s'", text);
    return CLI_EXIT_OK;
}

int cli_check_leverage_inputs(const cli_inputs *in, const char *a_path, const bht_matrix *A,
                              const char *s_path,
                              const bht_matrix *S, const char *bounds_text)
{
    if (A->rows < A->cols)
        return cli_error(CLI_EXIT_USAGE, "%s: n < d (%zu rows, %zu columns): the leverage "
                         "model needs n >= d", a_path, A->rows, A->cols);
    if (!S || !S->data)
        return CLI_EXIT_OK;
    if (S->rows != A->rows)
        return cli_error(CLI_EXIT_USAGE, "%s has %zu values but %s has %zu rows", s_path,
                         S->rows, a_path, A->rows);
    for (size_t i = 0; i < S->rows; i++)
        if (S->data[i] == 0.0)
            return cli_value_error(in, S, i, CLI_EXIT_USAGE, "s_%zu = 0 (every s_i must be "
                                   "nonzero)", i + 1);
    if (!bounds_text)
        return CLI_EXIT_OK;
    double c = 0.0, C = 0.0;
    int rc = cli_parse_bounds(bounds_text, &c, &C);
    if (rc != CLI_EXIT_OK)
        return rc;
    size_t bad = 0;
    bht_status s = bht_check_leverage_query(S->rows, S->data, c, C, &bad);
    if (s == BHT_E_CONSTRAINT) {
        char value[32];
        cli_format_shortest(S->data[bad], value, sizeof value);
        return cli_value_error(in, S, bad, CLI_EXIT_USAGE, "s_%zu = %s violates --bounds: "
                               "s_i^2 must lie in [%g, %g]", bad + 1, value, c, C);
    }
    return s == BHT_OK ? CLI_EXIT_OK
                       : cli_error(CLI_EXIT_USAGE, "%s: %s", s_path, bht_status_message(s));
}

int cli_check_same_shape(const char *a_path, const bht_matrix *A, const char *b_path,
                         const bht_matrix *B)
{
    if (A->rows == B->rows && A->cols == B->cols)
        return CLI_EXIT_OK;
    return cli_error(CLI_EXIT_USAGE, "%s is %zu x %zu but %s is %zu x %zu", b_path, B->rows,
                     B->cols, a_path, A->rows, A->cols);
}

int cli_check_query_length(const char *a_path, const bht_matrix *A, const char *x_path,
                           const bht_matrix *x)
{
    if (A->cols == x->rows)
        return CLI_EXIT_OK;
    return cli_error(CLI_EXIT_USAGE, "%s has %zu column%s but %s has %zu value%s", a_path,
                     A->cols, A->cols == 1 ? "" : "s", x_path, x->rows, x->rows == 1 ? "" : "s");
}

int cli_check_energy(const char *x_path, const bht_matrix *x, double energy)
{
    double norm = 0.0;
    bht_status s = bht_check_energy(x->rows, x->data, energy, &norm);
    if (s == BHT_OK)
        return CLI_EXIT_OK;
    if (s != BHT_E_CONSTRAINT) /* x was parsed finite and energy >= 0 */
        return cli_error(CLI_EXIT_INTERNAL, "%s: energy check failed: %s", x_path,
                         bht_status_message(s));
    char n[32], e[32];
    cli_format_shortest(norm, n, sizeof n);
    cli_format_shortest(energy, e, sizeof e);
    return cli_error(CLI_EXIT_USAGE, "%s: ||x||_2 = %s exceeds --energy %s%s", x_path, n, e,
                     norm == energy ? " (the printed norm is rounded; the exact one is larger)"
                                    : "");
}

int cli_check_leverage_oracle_size(const char *a_path, const bht_matrix *A)
{
    if (A->rows > BHT_LEVERAGE_ORACLE_MAX_N || A->cols > BHT_LEVERAGE_ORACLE_MAX_D)
        return cli_error(CLI_EXIT_USAGE, "%s: %zu x %zu is beyond the exact oracle's size "
                         "(n <= %zu, d <= %zu)", a_path, A->rows, A->cols,
                         (size_t)BHT_LEVERAGE_ORACLE_MAX_N, (size_t)BHT_LEVERAGE_ORACLE_MAX_D);
    return CLI_EXIT_OK;
}

/* A and B, then the query q (a vector; q_path NULL: none, *q the empty
 * in->none), read; A and B of one shape. */
static int read_pair(cli_inputs *in, const char *a_path, const bht_matrix **A, const char *b_path,
                     const bht_matrix **B, const char *q_path, const bht_matrix **q)
{
    int rc;
    *A = *B = *q = &in->none;
    if ((rc = cli_read_matrix(in, a_path, A)) != CLI_EXIT_OK
        || (rc = cli_read_matrix(in, b_path, B)) != CLI_EXIT_OK
        || (rc = cli_read_optional_vector(in, q_path, q)) != CLI_EXIT_OK)
        return rc;
    return cli_check_same_shape(a_path, *A, b_path, *B);
}

int cli_read_leverage_pair(cli_inputs *in, const char *a_path, const bht_matrix **A,
                           const char *b_path, const bht_matrix **B, const char *s_path,
                           const bht_matrix **S, const char *bounds_text, int oracle)
{
    int rc;
    double c = 0.0, C = 0.0;
    *A = *B = *S = &in->none;
    if (bounds_text && !s_path)
        return cli_error(CLI_EXIT_USAGE, "--bounds: needs a query -s FILE");
    if ((bounds_text && (rc = cli_parse_bounds(bounds_text, &c, &C)) != CLI_EXIT_OK)
        || (rc = read_pair(in, a_path, A, b_path, B, s_path, S)) != CLI_EXIT_OK
        || (rc = cli_check_leverage_inputs(in, a_path, *A, s_path, *S, bounds_text))
            != CLI_EXIT_OK)
        return rc;
    return oracle ? cli_check_leverage_oracle_size(a_path, *A) : CLI_EXIT_OK;
}

int cli_read_softmax_pair(cli_inputs *in, const char *a_path, const bht_matrix **A,
                          const char *b_path, const bht_matrix **B, const char *x_path,
                          const bht_matrix **x, const char *energy_text, double energy)
{
    int rc;
    if ((rc = read_pair(in, a_path, A, b_path, B, x_path, x)) != CLI_EXIT_OK
        || (rc = cli_check_query_length(a_path, *A, x_path, *x)) != CLI_EXIT_OK)
        return rc;
    return energy_text ? cli_check_energy(x_path, *x, energy) : CLI_EXIT_OK;
}

int cli_read_search_pair(cli_inputs *in, const char *a_path, const bht_matrix **A,
                         const char *b_path, const bht_matrix **B, int leverage,
                         const char *search)
{
    const bht_matrix *none;
    int rc = read_pair(in, a_path, A, b_path, B, NULL, &none);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (leverage && (*A)->rows < (*A)->cols)
        return cli_error(CLI_EXIT_USAGE, "%s: n < d (%zu rows, %zu columns): the leverage "
                         "model needs n >= d", a_path, (*A)->rows, (*A)->cols);
    if (leverage && (*A)->rows > BHT_LEVERAGE_SUP_MAX_N)
        return cli_error(CLI_EXIT_USAGE, "%s: %zu rows; %s handles n <= %zu", a_path,
                         (*A)->rows, search, (size_t)BHT_LEVERAGE_SUP_MAX_N);
    return CLI_EXIT_OK;
}
