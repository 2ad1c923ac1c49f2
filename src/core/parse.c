/* parse.c: the text input format of bht (README.md, "Input format").
 *
 * A matrix file has one row per line, numbers separated by blanks (space,
 * tab, vertical tab, form feed, carriage return: CRLF files are accepted)
 * or by one delimiter (',', ';' or tab; blanks around a field are ignored,
 * an empty field is an error) -- the delimiters, byte-order mark, header
 * and vector-shape rules below need bht_parse_options (the *_ex functions,
 * used by the CLI); without them only blanks separate and a vector file may
 * have any layout.  Unless forced, the delimiter is detected per file from
 * its first data line: ';' if present, else ',' if present, else blanks.
 * '#' starts a comment that runs to the end of the line, wherever it is;
 * lines without numbers are ignored; a leading UTF-8 byte-order mark is
 * skipped, then skip_rows physical lines (headers).  A vector file is a
 * single column or a single row (any other matrix is an error).  A number
 * is one whole token in C99 strtod
 * syntax (decimal or hex-float), checked against that grammar here before
 * strtod converts it, so that a token is never accepted partially ("1.2.3",
 * "0x", "1e") and NaN / infinity spellings get their own message.
 *
 * Overflow ("1e400") is an error; underflow is not: strtod returns the
 * correctly rounded (possibly subnormal or zero) value, which is kept.
 *
 * Locale: strtod honours LC_NUMERIC.  The grammar check only admits '.', so
 * in a locale whose decimal point is not '.', a fraction makes strtod stop
 * early and the token is rejected: never a silently different value.  The
 * bht CLI never calls setlocale, so it runs in the "C" locale.
 *
 * Files are read completely into memory (fread until EOF, ferror checked;
 * the path "-" is standard input),
 * then parsed by the same code as bht_parse_matrix / bht_parse_vector.
 * Resource limit: a file larger than MAX_FILE_BYTES is refused before
 * anything is allocated when its size is known (regular files, fstat), and
 * as soon as the limit is passed otherwise (pipes, devices) -- a clear
 * "file too large" instead of reading gigabytes into memory first.  8 GiB
 * holds the BHT_MAX_VALUES = 2^28 values of the largest accepted file even
 * at 32 bytes per value ("%.17g" needs at most 25 with its separator). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bht.h"

/* Largest input file read into memory (see the top of the file). */
#define MAX_FILE_BYTES ((uint64_t)1 << 33)

/* ------------------------------------------------------------ error helpers */

static void set_file(bht_parse_error *err, const char *name)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", name ? name : "(input)");
}

static void set_error(bht_parse_error *err, size_t line, size_t column, const char *fmt, ...)
{
    if (!err)
        return;
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof err->reason, fmt, ap);
    va_end(ap);
}

/* Printable rendering of a token for an error message: non-printable bytes as
 * \xNN, at most about 40 characters of output, "..." when truncated. */
static void render_token(const char *tok, size_t len, char *out, size_t out_size)
{
    const size_t budget = 40;
    size_t used = 0;
    int truncated = 0;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)tok[k];
        int printable = c >= 0x20 && c < 0x7f;
        size_t need = printable ? 1 : 4;
        if (used + need > budget || used + need + 4 > out_size) {
            truncated = 1;
            break;
        }
        if (printable)
            out[used] = (char)c;
        else
            snprintf(out + used, 5, "\\x%02x", c);
        used += need;
    }
    out[used] = '\0';
    if (truncated && used + 4 <= out_size)
        memcpy(out + used, "...", 4);
}

/* ------------------------------------------------------------------ tokens */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_xdigit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Case-insensitive: tok[0..len) equals word. */
static int equals_word(const char *tok, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (lower(tok[k]) != word[k])
            return 0;
    return 1;
}

enum token_class { TOKEN_NUMBER, TOKEN_NAN, TOKEN_INF, TOKEN_OTHER };

/* Classifies tok[0..len) against the C99 strtod grammar (without leading
 * white space):  [+-] ( decimal | hex | inf | infinity | nan | nan(chars) ). */
static enum token_class classify(const char *tok, size_t len)
{
    size_t i = 0;
    if (i < len && (tok[i] == '+' || tok[i] == '-'))
        i++;
    const char *s = tok + i;
    size_t n = len - i;
    if (equals_word(s, n, "inf") || equals_word(s, n, "infinity"))
        return TOKEN_INF;
    if (equals_word(s, n, "nan"))
        return TOKEN_NAN;
    if (n >= 5 && equals_word(s, 4, "nan(") && s[n - 1] == ')') {
        for (size_t k = 4; k + 1 < n; k++)
            if (!(is_digit(s[k]) || (lower(s[k]) >= 'a' && lower(s[k]) <= 'z') || s[k] == '_'))
                return TOKEN_OTHER;
        return TOKEN_NAN;
    }
    int hex = n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    size_t k = hex ? 2 : 0, mantissa_digits = 0;
    int (*digit)(char) = hex ? is_xdigit : is_digit;
    while (k < n && digit(s[k])) {
        k++;
        mantissa_digits++;
    }
    if (k < n && s[k] == '.') {
        k++;
        while (k < n && digit(s[k])) {
            k++;
            mantissa_digits++;
        }
    }
    if (mantissa_digits == 0)
        return TOKEN_OTHER;
    if (k < n && (hex ? (s[k] == 'p' || s[k] == 'P') : (s[k] == 'e' || s[k] == 'E'))) {
        k++;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            k++;
        size_t exponent_digits = 0;
        while (k < n && is_digit(s[k])) {
            k++;
            exponent_digits++;
        }
        if (exponent_digits == 0)
            return TOKEN_OTHER;
    }
    return k == n ? TOKEN_NUMBER : TOKEN_OTHER;
}

/* Converts one token; on failure writes the reason and returns BHT_E_PARSE
 * (or BHT_E_NOMEM when a very long token cannot be copied). */
static bht_status convert(const char *tok, size_t len, double *value, char *reason,
                          size_t reason_size)
{
    char shown[48];
    switch (classify(tok, len)) {
    case TOKEN_NUMBER:
        break;
    case TOKEN_NAN:
        snprintf(reason, reason_size, "NaN is not allowed");
        return BHT_E_PARSE;
    case TOKEN_INF:
        snprintf(reason, reason_size, "infinity is not allowed");
        return BHT_E_PARSE;
    default:
        render_token(tok, len, shown, sizeof shown);
        snprintf(reason, reason_size, "not a number: '%s'", shown);
        return BHT_E_PARSE;
    }
    char small[128];
    char *buf = small;
    if (len >= sizeof small) {
        buf = malloc(len + 1);
        if (!buf) {
            snprintf(reason, reason_size, "out of memory");
            return BHT_E_NOMEM;
        }
    }
    memcpy(buf, tok, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    int range_error = errno == ERANGE;
    size_t consumed = (size_t)(end - buf);
    if (buf != small)
        free(buf);
    if (consumed != len) {
        /* Only possible when LC_NUMERIC's decimal point is not '.'. */
        render_token(tok, len, shown, sizeof shown);
        snprintf(reason, reason_size, "not a number in this locale: '%s'", shown);
        return BHT_E_PARSE;
    }
    if (isinf(v) || (range_error && fabs(v) > 1.0)) {
        snprintf(reason, reason_size, "value overflows binary64");
        return BHT_E_PARSE;
    }
    /* ERANGE with a tiny result is underflow: strtod's value is the correctly
     * rounded subnormal or zero, which is what the input denotes in binary64. */
    *value = v;
    return BHT_OK;
}

/* ------------------------------------------------------------------- parse */

static bht_status grow(double **data, size_t *capacity, size_t needed)
{
    if (needed <= *capacity)
        return BHT_OK;
    size_t next = *capacity ? *capacity : 64;
    while (next < needed)
        next = next > BHT_MAX_VALUES / 2 ? BHT_MAX_VALUES : 2 * next;
    if (next > BHT_MAX_VALUES || next > (size_t)-1 / sizeof **data)
        return BHT_E_NOMEM;
    double *p = realloc(*data, next * sizeof **data);
    if (!p)
        return BHT_E_NOMEM;
    *data = p;
    *capacity = next;
    return BHT_OK;
}

/* Where the index-th value of a text is (bht_locate_value): parse_text stops
 * there instead of storing it. */
typedef struct locate_request {
    size_t index, line, column;
    int found;
} locate_request;

/* The delimiter of a text: opt's, or detected from the first data line after
 * pos (';' before ',', else blanks).  Returns ' ' for blanks. */
static char detect_delimiter(const char *text, size_t length, size_t pos,
                             const bht_parse_options *opt)
{
    if (opt->delimiter)
        return (char)opt->delimiter;
    while (pos < length) {
        int comma = 0, semicolon = 0, data = 0;
        size_t i = pos;
        for (; i < length && text[i] != '\n' && text[i] != '#'; i++) {
            comma |= text[i] == ',';
            semicolon |= text[i] == ';';
            data |= !is_blank(text[i]);
        }
        if (data)
            return semicolon ? ';' : comma ? ',' : ' ';
        while (i < length && text[i] != '\n')
            i++;
        pos = i + 1;
    }
    return ' ';
}

/* A blank for trimming a field: every blank except the delimiter itself. */
static int is_pad(char c, char delimiter) { return is_blank(c) && c != delimiter; }

/* After a conversion failure of tok: a hint about a separator that the
 * detected format does not expect, or about a header line.  Moves *column to
 * the offending character. */
static const char *failure_hint(const char *tok, size_t len, char delimiter, int first_data,
                                size_t *column)
{
    for (size_t k = 0; k < len; k++) {
        char c = tok[k];
        if ((c == ',' || c == ';') && c != delimiter) {
            *column += k;
            if (delimiter == ' ')
                return c == ',' ? " (a ',' in a blank-separated row: use --delimiter ,)"
                                : " (a ';' in a blank-separated row: use --delimiter ';')";
            return c == ',' ? " (',' in a ';'-separated file: decimal commas are not accepted)"
                            : " (a ';' in a ','-separated file: pass --delimiter ';')";
        }
    }
    if (first_data && len > 0 && ((tok[0] >= 'a' && tok[0] <= 'z') ||
                                  (tok[0] >= 'A' && tok[0] <= 'Z') || tok[0] == '"'))
        return " (a header line? skip it with --skip-rows N)";
    return "";
}

static bht_status parse_text(const char *name, const char *text, size_t length, int matrix,
                             const bht_parse_options *opt, locate_request *locate,
                             bht_matrix *out, bht_parse_error *err)
{
    if (err) {
        memset(err, 0, sizeof *err);
        set_file(err, name);
    }
    if (!out || (!text && length > 0)) {
        set_error(err, 0, 0, "invalid argument");
        return BHT_E_INVALID;
    }
    out->rows = out->cols = 0;
    out->data = NULL;

    /* A NUL byte means a binary or corrupt file: report the first one. */
    const char *nul = length ? memchr(text, '\0', length) : NULL;
    if (nul) {
        size_t line = 1, line_start = 0, at = (size_t)(nul - text);
        for (size_t k = 0; k < at; k++)
            if (text[k] == '\n') {
                line++;
                line_start = k + 1;
            }
        set_error(err, line, at - line_start + 1, "NUL byte in input (binary file?)");
        return BHT_E_PARSE;
    }

    double *data = NULL;
    size_t capacity = 0, count = 0;
    size_t rows = 0, cols = 0, first_row_line = 0;
    size_t line = 1, pos = 0;
    size_t wide_line = 0, wide_column = 0, wide_count = 0; /* vectors: first row with 2+ values */
    char reason[sizeof err->reason];
    bht_status status = BHT_OK;

    /* Without options (bht_parse_matrix, bht_read_matrix, ...): blanks only,
     * no byte-order mark, a vector in any layout, as before options existed.
     * With options: a UTF-8 byte-order mark, then skip_rows header lines. */
    if (opt && length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    for (size_t k = 0; opt && k < opt->skip_rows && pos < length; k++) {
        while (pos < length && text[pos] != '\n')
            pos++;
        pos = pos < length ? pos + 1 : pos;
        line++;
    }
    const char delimiter = opt ? detect_delimiter(text, length, pos, opt) : ' ';
    const int blanks = delimiter == ' ';

    while (pos < length) {
        size_t line_start = pos, in_row = 0, extra_column = 0, end_column = 0;
        size_t i = pos;
        int more = 0; /* delimited: the last field ended with a delimiter */
        for (;;) {
            size_t start, stop;
            if (blanks) {
                while (i < length && is_blank(text[i]))
                    i++;
                if (i >= length || text[i] == '\n' || text[i] == '#')
                    break;
                start = i;
                while (i < length && !is_blank(text[i]) && text[i] != '\n' && text[i] != '#')
                    i++;
                stop = i;
            } else {
                /* One field: up to the delimiter, the end of the line or a comment. */
                while (i < length && is_pad(text[i], delimiter))
                    i++;
                int line_end = i >= length || text[i] == '\n' || text[i] == '#';
                if (line_end && in_row == 0)
                    break; /* a line without data */
                start = i;
                while (i < length && text[i] != delimiter && text[i] != '\n' && text[i] != '#')
                    i++;
                stop = i;
                while (stop > start && is_pad(text[stop - 1], delimiter))
                    stop--;
                if (stop == start) {
                    set_error(err, line, start - line_start + 1, "empty field (%s)",
                              line_end ? "a delimiter at the end of the line"
                              : in_row == 0 ? "the line starts with a delimiter"
                                            : "two delimiters in a row");
                    status = BHT_E_PARSE;
                    goto fail;
                }
                more = i < length && text[i] == delimiter;
                if (more)
                    i++; /* past the delimiter: another field follows */
            }
            size_t column = start - line_start + 1;
            double v;
            status = convert(text + start, stop - start, &v, reason, sizeof reason);
            if (status == BHT_E_PARSE && opt) { /* hints name the CLI's options */
                const char *hint = failure_hint(text + start, stop - start, delimiter,
                                                rows == 0 && in_row == 0 && count == 0, &column);
                set_error(err, line, column, "%s%s", reason, hint);
                goto fail;
            }
            if (status != BHT_OK) {
                set_error(err, line, column, "%s", reason);
                goto fail;
            }
            if (locate && count == locate->index) {
                locate->line = line;
                locate->column = column;
                locate->found = 1;
                free(data);
                return BHT_OK;
            }
            if (count == BHT_MAX_VALUES) {
                set_error(err, line, column, "more than %zu values in one file",
                          (size_t)BHT_MAX_VALUES);
                status = BHT_E_PARSE;
                goto fail;
            }
            status = grow(&data, &capacity, count + 1);
            if (status != BHT_OK) {
                set_error(err, line, column, "out of memory");
                goto fail;
            }
            data[count++] = v;
            in_row++;
            if (rows > 0 && in_row == cols + 1)
                extra_column = column;
            if (!matrix && in_row == 2 && !wide_line) {
                wide_line = line;
                wide_column = column;
            }
            end_column = stop - line_start + 1;
            if (!blanks && !more)
                break;
        }
        /* Skip a comment to the end of the line. */
        while (i < length && text[i] != '\n')
            i++;
        if (matrix && in_row > 0) {
            if (rows == 0) {
                cols = in_row;
                first_row_line = line;
            } else if (in_row != cols) {
                set_error(err, line, in_row > cols ? extra_column : end_column,
                          "row has %zu value%s, expected %zu (as on line %zu)", in_row,
                          in_row == 1 ? "" : "s", cols, first_row_line);
                status = BHT_E_PARSE;
                goto fail;
            }
            rows++;
        } else if (in_row > 0) {
            rows++;
            if (in_row > wide_count)
                wide_count = in_row;
        }
        pos = i < length ? i + 1 : i; /* past the '\n' */
        line++;
    }
    if (locate) { /* fewer values than the index asked for */
        free(data);
        return BHT_E_INVALID;
    }
    if (count == 0) {
        set_error(err, 0, 0, "no numbers in file");
        status = BHT_E_PARSE;
        goto fail;
    }
    if (opt && !matrix && rows > 1 && wide_line) {
        set_error(err, wide_line, wide_column,
                  "expected a vector (one value per line, or one row), got %zu rows with up "
                  "to %zu values", rows, wide_count);
        status = BHT_E_PARSE;
        goto fail;
    }
    if (count < capacity) {
        double *shrunk = realloc(data, count * sizeof *data);
        if (shrunk)
            data = shrunk;
    }
    out->data = data;
    if (matrix) {
        out->rows = rows;
        out->cols = cols;
    } else {
        out->rows = count;
        out->cols = 1;
    }
    if (err) {
        err->line = err->column = 0;
        err->reason[0] = '\0';
    }
    return BHT_OK;

fail:
    free(data);
    return status;
}

bht_status bht_parse_matrix(const char *name, const char *text, size_t length,
                            bht_matrix *out, bht_parse_error *err)
{
    return parse_text(name, text, length, 1, NULL, NULL, out, err);
}

bht_status bht_parse_vector(const char *name, const char *text, size_t length,
                            bht_matrix *out, bht_parse_error *err)
{
    return parse_text(name, text, length, 0, NULL, NULL, out, err);
}

bht_status bht_parse_matrix_ex(const char *name, const char *text, size_t length,
                               const bht_parse_options *options, bht_matrix *out,
                               bht_parse_error *err)
{
    return parse_text(name, text, length, 1, options, NULL, out, err);
}

bht_status bht_parse_vector_ex(const char *name, const char *text, size_t length,
                               const bht_parse_options *options, bht_matrix *out,
                               bht_parse_error *err)
{
    return parse_text(name, text, length, 0, options, NULL, out, err);
}

bht_status bht_locate_value(const char *text, size_t length, const bht_parse_options *options,
                            size_t index, size_t *line, size_t *column)
{
    if (!line || !column)
        return BHT_E_INVALID;
    locate_request req = {index, 0, 0, 0};
    bht_matrix m = {0, 0, NULL};
    bht_status s = parse_text("locate", text, length, 1, options, &req, &m, NULL);
    bht_matrix_free(&m);
    if (s != BHT_OK || !req.found)
        return s == BHT_OK ? BHT_E_INVALID : s;
    *line = req.line;
    *column = req.column;
    return BHT_OK;
}

/* -------------------------------------------------------------------- files */

static void io_error(bht_parse_error *err, const char *what, int errnum)
{
    char message[128];
    if (strerror_r(errnum, message, sizeof message) != 0)
        snprintf(message, sizeof message, "error %d", errnum);
    set_error(err, 0, 0, "%s: %s", what, message);
}

/* Reads the whole file at path into a malloc'd buffer. */
static bht_status read_file(const char *path, char **text, size_t *length, bht_parse_error *err)
{
    *text = NULL;
    *length = 0;
    const int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        io_error(err, "cannot open", errno);
        return BHT_E_IO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
        && (uint64_t)st.st_size > MAX_FILE_BYTES) {
        set_error(err, 0, 0, "file too large (%" PRIu64 " bytes; at most %" PRIu64 ")",
                  (uint64_t)st.st_size, MAX_FILE_BYTES);
        if (!is_stdin)
            fclose(f);
        return BHT_E_PARSE;
    }
    char *buf = NULL;
    size_t used = 0, capacity = 0;
    bht_status status = BHT_OK;
    for (;;) {
        if (used == capacity && (uint64_t)capacity >= MAX_FILE_BYTES) {
            /* the limit reached: only EOF may follow */
            int c = fgetc(f);
            if (c == EOF) {
                if (ferror(f)) {
                    io_error(err, "cannot read", errno);
                    status = BHT_E_IO;
                }
                break;
            }
            status = BHT_E_PARSE;
            set_error(err, 0, 0, "file too large (more than %" PRIu64 " bytes)", MAX_FILE_BYTES);
            break;
        }
        if (used == capacity) {
            size_t next = capacity ? capacity * 2 : 65536;
            if (next < capacity) { /* size overflow */
                status = BHT_E_NOMEM;
                set_error(err, 0, 0, "file too large");
                break;
            }
            char *p = realloc(buf, next);
            if (!p) {
                status = BHT_E_NOMEM;
                set_error(err, 0, 0, "out of memory");
                break;
            }
            buf = p;
            capacity = next;
        }
        size_t got = fread(buf + used, 1, capacity - used, f);
        used += got;
        if (got == 0 || used < capacity) {
            if (ferror(f)) {
                io_error(err, "cannot read", errno);
                status = BHT_E_IO;
            } else if (!feof(f)) {
                continue;
            }
            break;
        }
    }
    if (!is_stdin && fclose(f) != 0 && status == BHT_OK) {
        io_error(err, "cannot read", errno);
        status = BHT_E_IO;
    }
    if (status != BHT_OK) {
        free(buf);
        return status;
    }
    *text = buf;
    *length = used;
    return BHT_OK;
}

bht_status bht_read_text(const char *path, char **text, size_t *length, bht_parse_error *err)
{
    if (err) {
        memset(err, 0, sizeof *err);
        set_file(err, path);
    }
    if (!path || !text || !length) {
        set_error(err, 0, 0, "invalid argument");
        return BHT_E_INVALID;
    }
    return read_file(path, text, length, err);
}

void bht_text_free(char *text) { free(text); }

static bht_status read_path(const char *path, int matrix, bht_matrix *out, bht_parse_error *err)
{
    if (err) {
        memset(err, 0, sizeof *err);
        set_file(err, path);
    }
    if (!path || !out) {
        set_error(err, 0, 0, "invalid argument");
        return BHT_E_INVALID;
    }
    out->rows = out->cols = 0;
    out->data = NULL;
    char *text;
    size_t length;
    bht_status status = read_file(path, &text, &length, err);
    if (status != BHT_OK)
        return status;
    status = parse_text(path, text, length, matrix, NULL, NULL, out, err);
    free(text);
    return status;
}

bht_status bht_read_matrix(const char *path, bht_matrix *out, bht_parse_error *err)
{
    return read_path(path, 1, out, err);
}

bht_status bht_read_vector(const char *path, bht_matrix *out, bht_parse_error *err)
{
    return read_path(path, 0, out, err);
}

void bht_matrix_free(bht_matrix *m)
{
    if (!m)
        return;
    free(m->data);
    m->data = NULL;
    m->rows = m->cols = 0;
}
