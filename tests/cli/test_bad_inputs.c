/* test_bad_inputs.c: the bad-input corpus of the bht CLI (issue 8).
 *
 * The cases live in tests/bad/cases.txt (format described at its top), found
 * as $BHT_TESTDATA/../bad; their small inputs in tests/bad/inputs.  Each case
 * is one parameterized Criterion test: $BHT runs as a subprocess
 * (posix_spawn, no shell, stdin from /dev/null, stdout and stderr captured in
 * mkstemp files) and must
 *   - exit with the expected code (2 bad input or usage, 3 numerical refusal),
 *   - write nothing on stdout,
 *   - write exactly one line on stderr, starting with "bht: ", without
 *     control characters, containing every expected fragment.
 * A run is killed after $BHT_BAD_TIMEOUT seconds (default 60): a refusal must
 * never be an endless loop.  Every failure message names the case and its
 * line in cases.txt.  Large inputs (1 MiB lines) are generated at run time in
 * a temporary directory (@TMP@) instead of being committed. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bht.h"
#include "cli_harness.h"

/* ------------------------------------------------------------- the manifest */

enum { CASE_NAME = 64, CASE_ARGS = 2048, CASE_EXPECTS = 4, CASE_EXPECT = 256 };

/* One case, without pointers: the array lives in Criterion's shared arena
 * (cr_malloc) and is read by the worker processes. */
typedef struct bad_case {
    char name[CASE_NAME];
    unsigned line;           /* line of "case NAME" in cases.txt */
    int exit_code;           /* -1 until given */
    int argc;                /* number of arguments in args */
    size_t args_length;      /* bytes used in args */
    char args[CASE_ARGS];    /* the arguments, each NUL-terminated, placeholders unexpanded */
    int expects;             /* number of stderr fragments */
    char expect[CASE_EXPECTS][CASE_EXPECT];
} bad_case;

/* Directory holding cases.txt and inputs/: $BHT_TESTDATA/../bad. */
static int bad_dir(char *buf, size_t size)
{
    const char *data = getenv("BHT_TESTDATA");
    if (!data)
        return -1;
    int n = snprintf(buf, size, "%s/../bad", data);
    struct stat st;
    if (n < 0 || (size_t)n >= size || stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return -1;
    return 0;
}

/* Reads a whole file into a NUL-terminated malloc'd buffer (NULL on failure). */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t used = 0, capacity = 1 << 16;
    char *buf = malloc(capacity);
    while (buf) {
        if (capacity - used < 2) {
            char *grown = realloc(buf, capacity * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            capacity *= 2;
        }
        size_t got = fread(buf + used, 1, capacity - used - 1, f);
        used += got;
        if (got == 0)
            break;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[used] = '\0';
    return buf;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Splits an "args" line into c->args; returns NULL or an error message. */
static const char *split_args(const char *s, bad_case *c)
{
    size_t used = 0;
    c->argc = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            break;
        int quoted = *s == '"';
        if (quoted)
            s++;
        for (;;) {
            char ch = *s;
            if (ch == '\0') {
                if (quoted)
                    return "unterminated quote";
                break;
            }
            if (!quoted && (ch == ' ' || ch == '\t'))
                break;
            s++;
            if (quoted && ch == '"') {
                if (*s != '\0' && *s != ' ' && *s != '\t')
                    return "text right after a closing quote";
                break;
            }
            if (quoted && ch == '\\') {
                char e = *s++;
                if (e == 'n')
                    ch = '\n';
                else if (e == 't')
                    ch = '\t';
                else if (e == '"' || e == '\\')
                    ch = e;
                else if (e == 'x' && hex_value(s[0]) >= 0 && hex_value(s[1]) >= 0) {
                    ch = (char)(hex_value(s[0]) * 16 + hex_value(s[1]));
                    if (ch == '\0')
                        return "\\x00 cannot be passed in an argument";
                    s += 2;
                } else
                    return "unknown escape (use \\\" \\\\ \\n \\t \\xNN)";
            }
            if (used + 2 > sizeof c->args)
                return "arguments too long";
            c->args[used++] = ch;
        }
        c->args[used++] = '\0';
        c->argc++;
    }
    c->args_length = used;
    return NULL;
}

/* Parses the manifest text into cases[0..max); returns the number of cases,
 * or -1 with a message "cases.txt:LINE: reason" in err. */
static long parse_manifest(char *text, bad_case *cases, size_t max, char *err, size_t err_size)
{
    long count = 0;
    unsigned line = 0;
    bad_case *c = NULL;
    char *next = text;
    while (next && *next) {
        char *s = next;
        char *nl = strchr(s, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        line++;
        size_t len = strlen(s);
        if (len > 0 && s[len - 1] == '\r')
            s[--len] = '\0';
        if (len == 0 || s[0] == '#')
            continue;
        const char *why = NULL;
        if (strncmp(s, "case ", 5) == 0) {
            if ((size_t)count == max) {
                why = "too many cases";
                goto bad;
            }
            c = &cases[count++];
            memset(c, 0, sizeof *c);
            c->exit_code = -1;
            c->line = line;
            const char *name = s + 5;
            size_t n = strlen(name);
            if (n == 0 || n >= sizeof c->name || strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                              "0123456789_") != n) {
                why = "bad case name (letters, digits, '_'; at most 63)";
                goto bad;
            }
            memcpy(c->name, name, n + 1);
            for (long k = 0; k + 1 < count; k++)
                if (strcmp(cases[k].name, c->name) == 0) {
                    why = "duplicate case name";
                    goto bad;
                }
            continue;
        }
        if (!c) {
            why = "directive before the first 'case'";
            goto bad;
        }
        if (strcmp(s, "args") == 0 || strncmp(s, "args ", 5) == 0) {
            if (c->args_length) {
                why = "second 'args' line";
                goto bad;
            }
            why = split_args(s + 4, c);
            if (why)
                goto bad;
            if (c->args_length == 0)
                c->args_length = 1; /* "args" seen, no arguments */
        } else if (strncmp(s, "exit ", 5) == 0) {
            char *end;
            long v = strtol(s + 5, &end, 10);
            if (*end != '\0' || end == s + 5 || v < 0 || v > 255) {
                why = "bad exit code";
                goto bad;
            }
            c->exit_code = (int)v;
        } else if (strncmp(s, "stderr ", 7) == 0) {
            if (c->expects == CASE_EXPECTS || strlen(s + 7) >= CASE_EXPECT) {
                why = "too many or too long stderr fragments";
                goto bad;
            }
            strcpy(c->expect[c->expects++], s + 7);
        } else {
            why = "unknown directive (case, args, exit, stderr)";
            goto bad;
        }
        continue;
    bad:
        snprintf(err, err_size, "cases.txt:%u: %s", line, why);
        return -1;
    }
    for (long k = 0; k < count; k++) {
        const bad_case *b = &cases[k];
        const char *why = b->args_length == 0   ? "no 'args' line"
                          : b->exit_code < 0    ? "no 'exit' line"
                          : b->exit_code == 0   ? "exit 0 is not a bad input"
                          : b->expects == 0     ? "no 'stderr' line"
                                                : NULL;
        if (why) {
            snprintf(err, err_size, "cases.txt:%u: case %s: %s", b->line, b->name, why);
            return -1;
        }
    }
    return count;
}

/* Loads cases.txt into a malloc'd (or cr_malloc'd) array. */
static long load_manifest(bad_case **out, void *(*alloc)(size_t), char *err, size_t err_size)
{
    *out = NULL;
    char dir[PATH_MAX], path[PATH_MAX + 16];
    if (bad_dir(dir, sizeof dir) != 0) {
        snprintf(err, err_size, "cannot find $BHT_TESTDATA/../bad (run through `make unit`)");
        return -1;
    }
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    char *text = read_text(path);
    if (!text) {
        snprintf(err, err_size, "cannot read %.300s: %s", path, strerror(errno));
        return -1;
    }
    size_t max = 1;
    for (const char *p = text; (p = strstr(p, "case ")) != NULL; p++)
        max++;
    bad_case *cases = alloc(max * sizeof *cases);
    if (!cases) {
        free(text);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    long n = parse_manifest(text, cases, max, err, err_size);
    free(text);
    *out = cases;
    return n;
}

/* ------------------------------------------------------- generated inputs */

enum { MIB = 1 << 20 };

static void write_generated(const char *dir, const char *name, const char *unit, size_t repeat,
                            const char *tail)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot create %s: %s", path, strerror(errno));
    for (size_t k = 0; k < repeat; k++)
        cr_assert(fputs(unit, f) >= 0, "write %s", path);
    cr_assert(fputs(tail, f) >= 0 && fclose(f) == 0, "write %s", path);
}

static const char *const generated_names[] = {"long_token.txt", "long_line.txt",
                                               "long_digits.txt", "long_row.txt",
                                               "rows_4097.txt",  "cols_1025.txt",
                                               "huge_sparse.txt"};

/* Does an argument of the case mention the file name? (Only those files are
 * generated for it.) */
static int mentions(const bad_case *c, const char *name)
{
    size_t n = strlen(name);
    for (size_t k = 0; k + n <= c->args_length; k++)
        if (memcmp(c->args + k, name, n) == 0)
            return 1;
    return 0;
}

static void generate_inputs(const char *dir, const bad_case *c)
{
    char path[PATH_MAX];
    if (mentions(c, "cols_1025.txt")) {
        /* 1025 x 1025 (identity): one column past the leverage kernels' d cap */
        snprintf(path, sizeof path, "%s/cols_1025.txt", dir);
        FILE *f = fopen(path, "wb");
        cr_assert(f != NULL, "cannot create %s: %s", path, strerror(errno));
        for (size_t i = 0; i < 1025; i++)
            for (size_t j = 0; j < 1025; j++)
                fputs(i == j ? (j == 1024 ? "1\n" : "1 ") : (j == 1024 ? "0\n" : "0 "), f);
        cr_assert(fclose(f) == 0, "write %s", path);
    }
    if (mentions(c, "huge_sparse.txt")) {
        /* a sparse file of 2^33 + 1 bytes (no disk blocks): one byte past the
         * input size cap, refused from its size before anything is read */
        snprintf(path, sizeof path, "%s/huge_sparse.txt", dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        cr_assert(fd >= 0, "cannot create %s: %s", path, strerror(errno));
        cr_assert(ftruncate(fd, ((off_t)1 << 33) + 1) == 0, "ftruncate %s: %s", path,
                  strerror(errno));
        close(fd);
    }
    if (!mentions(c, "long_token.txt") && !mentions(c, "long_line.txt")
        && !mentions(c, "long_digits.txt") && !mentions(c, "long_row.txt")
        && !mentions(c, "rows_4097.txt"))
        return;
    /* One 1 MiB token: 2^20 ones then 'x' (not a number; rendered truncated). */
    write_generated(dir, "long_token.txt", "1111111111111111", MIB / 16, "x\n");
    /* One 1 MiB line of 2^19 zeros, then a bad token at column 2^20 + 1. */
    write_generated(dir, "long_line.txt", "0 ", MIB / 2, "abc\n");
    /* 2^20 digits: a valid token whose value overflows binary64. */
    write_generated(dir, "long_digits.txt", "9999999999999999", MIB / 16, "\n");
    /* A row of 2^17 values, then a row with one value fewer. */
    snprintf(path, sizeof path, "%s/long_row.txt", dir);
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot create %s: %s", path, strerror(errno));
    for (size_t k = 0; k < ((size_t)1 << 17); k++)
        fputs("1 ", f);
    fputs("\n", f);
    for (size_t k = 0; k + 1 < ((size_t)1 << 17); k++)
        fputs("1 ", f);
    cr_assert(fputs("\n", f) >= 0 && fclose(f) == 0, "write %s", path);
    /* 4097 rows of one value: one past the exact leverage oracle's size */
    write_generated(dir, "rows_4097.txt", "1\n", 4097, "");
}

static void remove_inputs(const char *dir)
{
    char path[PATH_MAX];
    for (size_t k = 0; k < sizeof generated_names / sizeof generated_names[0]; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, generated_names[k]);
        unlink(path);
    }
    rmdir(dir);
}

/* ------------------------------------------------------------- running bht */

/* s with @IN@ and @TMP@ replaced (malloc'd). */
static char *expand(const char *s, const char *in_dir, const char *tmp_dir)
{
    size_t extra = strlen(in_dir) + strlen(tmp_dir) + 1;
    size_t capacity = strlen(s) + 1;
    for (const char *p = s; (p = strchr(p, '@')) != NULL; p++)
        capacity += extra;
    char *out = malloc(capacity);
    cr_assert(out != NULL);
    size_t used = 0;
    while (*s) {
        const char *with = NULL;
        size_t skip = 0;
        if (strncmp(s, "@IN@", 4) == 0) {
            with = in_dir;
            skip = 4;
        } else if (strncmp(s, "@TMP@", 5) == 0) {
            with = tmp_dir;
            skip = 5;
        }
        if (with) {
            size_t n = strlen(with);
            memcpy(out + used, with, n);
            used += n;
            s += skip;
        } else
            out[used++] = *s++;
    }
    out[used] = '\0';
    return out;
}

static long timeout_seconds(void)
{
    const char *t = getenv("BHT_BAD_TIMEOUT");
    long v = t ? strtol(t, NULL, 10) : 0;
    return v > 0 ? v : 60;
}

/* Appends a printf-formatted problem to buf. */
static void note(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

/* At most about 600 bytes of s, for messages. */
static void shorten(const char *s, char *out, size_t size)
{
    size_t n = strlen(s);
    if (n < size) {
        memcpy(out, s, n + 1);
        return;
    }
    memcpy(out, s, size - 5);
    memcpy(out + size - 5, "...", 4);
}

static void run_case(const bad_case *c)
{
    const char *bht = getenv("BHT");
    cr_assert(bht != NULL, "BHT is not set (run through `make unit`)");
    char dir[PATH_MAX], in_dir[PATH_MAX + 16];
    cr_assert_eq(bad_dir(dir, sizeof dir), 0, "cannot find $BHT_TESTDATA/../bad");
    snprintf(in_dir, sizeof in_dir, "%s/inputs", dir);

    int needs_tmp = 0;
    for (size_t k = 0; k + 4 < c->args_length; k++)
        needs_tmp |= memcmp(c->args + k, "@TMP@", 5) == 0;
    char tmp_dir[] = "/tmp/bht-bad-XXXXXX";
    if (needs_tmp) {
        cr_assert(mkdtemp(tmp_dir) != NULL, "mkdtemp: %s", strerror(errno));
        generate_inputs(tmp_dir, c);
    }

    char *argv[2 + CASE_ARGS / 2];
    size_t argc = 0;
    argv[argc++] = (char *)bht;
    const char *a = c->args;
    for (int k = 0; k < c->argc; k++) {
        argv[argc++] = expand(a, in_dir, tmp_dir);
        a += strlen(a) + 1;
    }
    argv[argc] = NULL;

    run_result r = run_spawn(argv, timeout_seconds());
    if (needs_tmp)
        remove_inputs(tmp_dir);

    /* Every violated part of the contract, in one message. */
    char problems[4096] = "";
    if (r.timed_out)
        note(problems, sizeof problems, "\n  killed after %ld s (endless loop?)",
             timeout_seconds());
    else if (r.status < 0)
        note(problems, sizeof problems, "\n  killed by signal %d (crash)", r.signal);
    else if (r.status != c->exit_code)
        note(problems, sizeof problems, "\n  exit code %d, expected %d", r.status, c->exit_code);
    if (r.out[0])
        note(problems, sizeof problems, "\n  %zu bytes on stdout, expected none",
             strlen(r.out));
    size_t newlines = 0, controls = 0, len = strlen(r.err);
    for (const char *p = r.err; *p; p++) {
        newlines += *p == '\n';
        controls += (unsigned char)*p < 0x20 && *p != '\n';
    }
    if (newlines != 1 || len == 0 || r.err[len - 1] != '\n')
        note(problems, sizeof problems, "\n  stderr is not exactly one line (%zu newlines)",
             newlines);
    if (strncmp(r.err, "bht: ", 5) != 0)
        note(problems, sizeof problems, "\n  stderr does not start with \"bht: \"");
    if (controls)
        note(problems, sizeof problems, "\n  %zu control characters on stderr", controls);
    for (int k = 0; k < c->expects; k++) {
        char *want = expand(c->expect[k], in_dir, tmp_dir);
        if (!strstr(r.err, want))
            note(problems, sizeof problems, "\n  stderr lacks \"%s\"", want);
        free(want);
    }

    char command[1024] = "bht", shown_err[700], shown_out[300];
    for (size_t k = 1; k < argc; k++)
        note(command, sizeof command, " '%s'", argv[k]);
    shorten(r.err, shown_err, sizeof shown_err);
    shorten(r.out, shown_out, sizeof shown_out);
    cr_expect(problems[0] == '\0',
              "case %s (tests/bad/cases.txt:%u) failed:%s\n  command: %s\n  stderr: %s\n"
              "  stdout: %s",
              c->name, c->line, problems, command, shown_err, shown_out);

    for (size_t k = 1; k < argc; k++)
        free(argv[k]);
    free(r.out);
    free(r.err);
}

/* ------------------------------------------------------------------ tests */

static void free_cases(struct criterion_test_params *params)
{
    cr_free(params->params);
}

ParameterizedTestParameters(bad_inputs, cases)
{
    bad_case *cases;
    char err[512];
    long n = load_manifest(&cases, cr_malloc, err, sizeof err);
    if (n < 0) {
        /* Reported by bad_inputs::manifest; run no case. */
        if (cases)
            cr_free(cases);
        return cr_make_param_array(bad_case, NULL, 0, NULL);
    }
    return cr_make_param_array(bad_case, cases, (size_t)n, free_cases);
}

ParameterizedTest(bad_case *c, bad_inputs, cases)
{
    run_case(c);
}

/* The manifest itself: readable, well formed, and at least 50 cases. */
Test(bad_inputs, manifest)
{
    bad_case *cases;
    char err[512];
    long n = load_manifest(&cases, malloc, err, sizeof err);
    free(cases);
    cr_assert(n >= 0, "%s", err);
    cr_assert(n >= 50, "only %ld cases in tests/bad/cases.txt (issue 8 asks for >= 50)", n);
}

/* -------------------------------------------------- fuzzing regressions */

/* Inputs found by tests/fuzz (make fuzz), kept as library-level regressions
 * with the behaviour the contract requires.  The inputs are also stored in
 * tests/fuzz/regressions/. */

/* fuzz_softmax: logits A x beyond binary64 (exact values near 2^2048) make
 * one probability underflow MPFR's exponent range; computing its error
 * exponent from mpfr_get_exp(0) overflowed a long (UBSan, softmax_oracle.c).
 * The correctly rounded answer is (0, 1). */
Test(fuzz_regressions, oracle_softmax_underflowing_probability)
{
    const double A[4] = {0.0, 0x1.fffffffffffffp+1023, 0x1.fffffffffffffp+1023,
                         0x1.fffffffffffffp+1023};
    const double x[2] = {0x1.212121212121p-840, 0x1.fffffffffffffp+1023};
    double p[2];
    cr_assert_eq(bht_oracle_softmax(2, 2, A, x, p, NULL, NULL), BHT_OK);
    cr_expect(p[0] == 0.0 && p[1] == 1.0, "p = (%a, %a), expected (0, 1)", p[0], p[1]);
}

/* fuzz_distance: valid distributions (sums within n 2^-52) for which the exact
 * H^2 = 6 * 0x1.5555555555555p-4 = 0x1.fffffffffffff8p-2 is a binary64
 * midpoint: a Ziv loop never separates it from the rounding boundary, so the
 * oracle reached its cap (BHT_E_PRECISION; `bht distance --oracle` exit 3).
 * Round-to-nearest-even gives 0x1p-1 (the double kernel's answer). */
Test(fuzz_regressions, oracle_distance_exact_midpoint)
{
    const double t = 0x1.5555555555555p-2, u = 0x1.5555555555555p-4;
    const double p[12] = {t, t, 0, t, 0, 0, 0, 0, 0, 0, 0, 0};
    const double q[12] = {u, u, u, u, u, u, u, u, u, u, u, u};
    bht_distances k, o;
    cr_assert_eq(bht_check_distribution(12, p, NULL, NULL), BHT_OK);
    cr_assert_eq(bht_check_distribution(12, q, NULL, NULL), BHT_OK);
    cr_assert_eq(bht_distance(12, p, q, &k), BHT_OK);
    cr_expect_eq(k.hellinger2, 0x1p-1, "kernel H^2 = %a", k.hellinger2);
    bht_status s = bht_oracle_distance(12, p, q, &o, NULL, NULL);
    cr_assert_eq(s, BHT_OK, "oracle: %s", bht_status_message(s));
    cr_expect_eq(o.hellinger2, 0x1p-1, "oracle H^2 = %a", o.hellinger2);
    cr_expect_eq(o.tv, 0x1.8p-1, "oracle TV = %a", o.tv);
}

/* fuzz_distance: bht_distance accepts any finite non-negative vectors (it does
 * not check the sums) but returned BHT_OK with H = NaN for p = (DBL_MAX),
 * q = (0) (and H^2 = TV = NaN for n = 2).  An answer must be a number: the
 * exact values are finite (H^2 = DBL_MAX / 2); refusing is also acceptable. */
Test(fuzz_regressions, distance_no_nan_on_huge_entries)
{
    const double p[2] = {0x1.fffffffffffffp+1023, 0.0}, q[2] = {0.0, 0x1.fffffffffffffp+1023};
    for (size_t n = 1; n <= 2; n++) {
        bht_distances k;
        bht_status s = bht_distance(n, p, q, &k);
        if (s == BHT_OK)
            cr_expect(!isnan(k.hellinger2) && !isnan(k.hellinger) && !isnan(k.tv),
                      "n = %zu: BHT_OK with H^2 %a, H %a, TV %a", n, k.hellinger2, k.hellinger,
                      k.tv);
    }
}

/* fuzz_softmax: logits A x whose dot products cancel beyond double-double
 * accuracy.  Here z = A x = (3X + 40, 3X) with X = 0x1.0000000000001p200:
 * 3X is inexact, Dot2's low part (about 2^148) absorbs the 40, both logits
 * come out equal and the double kernel answered (0.5, 0.5) with BHT_OK
 * (`bht softmax -A -x` printed it with exit 0); the correctly rounded answer
 * is (1, 4.2483542552915889e-18) (`--oracle`).  The kernel must either be
 * within its 2-ulp budget or refuse with BHT_E_RANGE (CLI exit 3, "use
 * --oracle"). */
Test(fuzz_regressions, softmax_ax_cancellation_refused_or_accurate)
{
    const double A[4] = {3.0, 40.0, 3.0, 0.0};
    const double x[2] = {0x1.0000000000001p200, 1.0};
    double p[2], ref[2];
    cr_assert_eq(bht_oracle_softmax(2, 2, A, x, ref, NULL, NULL), BHT_OK);
    cr_assert_eq(ref[0], 1.0);
    bht_status s = bht_softmax(2, 2, A, x, p);
    cr_assert(s == BHT_OK || s == BHT_E_RANGE, "status %d", (int)s);
    if (s == BHT_OK)
        for (size_t i = 0; i < 2; i++)
            cr_expect(bht_ulp_error(p[i], ref[i]) <= 2.0, "p[%zu] = %a, oracle %a", i, p[i],
                      ref[i]);
}

/* Resource limits of the library (issue 8): every entry point that
 * allocates checks its dimensions first, so absurd sizes are refused with
 * BHT_E_INVALID before any allocation or read (the arrays here hold only a
 * few values: an unchecked size would read past them or ask malloc for
 * exabytes). */
Test(bad_inputs, library_refuses_huge_dimensions_before_allocating)
{
    static double v[8] = {0.5, 0.25, 0.125, 0.0625, 1.0, 2.0, 3.0, 4.0};
    double out[8], q[8];
    const size_t huge = SIZE_MAX / 4;
    bht_distances dist;
    bht_local_result local;
    bht_sup_result sup;
    bht_plan_result plan;
    bht_simulation sim;
    bht_sup_options so = {0.01, 10, NULL, NULL, 0, NULL};
    for (int k = 0; k < 2; k++) {
        const size_t n = k ? huge : 2, d = k ? 1 : huge;
        bht_status got[] = {
            bht_softmax(n, d, v, v, out),
            bht_oracle_softmax(n, d, v, v, out, NULL, NULL),
            bht_distance_softmax(n, d, v, v, v, &dist),
            bht_oracle_distance_softmax(n, d, v, v, v, &dist, NULL, NULL),
            bht_nu_softmax(n, d, v, v, v, &local, out),
            bht_oracle_nu_softmax(n, d, v, v, v, &local, out, NULL, NULL),
            bht_nu_softmax_sup(n, d, v, v, 1.0, &so, q, &sup),
            bht_plan_softmax(n, d, v, v, 1.0, 0.1, q, &plan),
            bht_simulate_softmax(n, d, v, v, v, 1, 1, 1, &sim),
            bht_leverage(n, d, v, NULL, out, NULL, NULL),
            bht_oracle_leverage(n, d, v, NULL, out, NULL, NULL, NULL, NULL),
            bht_nu_leverage(n, d, v, v, NULL, &local, out),
            bht_oracle_nu_leverage(n, d, v, v, NULL, &local, out, NULL, NULL),
            bht_distance_leverage(n, d, v, v, NULL, &dist),
            bht_oracle_distance_leverage(n, d, v, v, NULL, &dist, NULL, NULL),
            bht_nu_leverage_sup(n, d, v, v, 0.5, 2.0, &so, q, &sup),
            bht_plan_leverage(n, d, v, v, 0.5, 2.0, 0.1, 10, q, &plan),
            bht_simulate_leverage(n, d, v, v, NULL, 1, 1, 1, &sim),
        };
        for (size_t i = 0; i < sizeof got / sizeof got[0]; i++)
            cr_expect_eq(got[i], BHT_E_INVALID, "n = %zu, d = %zu: entry point %zu: status %d",
                         n, d, i, (int)got[i]);
    }
    cr_expect_eq(bht_softmax_logits(huge, v, out), BHT_E_INVALID);
    cr_expect_eq(bht_oracle_softmax_logits(huge, v, out, NULL, NULL), BHT_E_INVALID);
    cr_expect_eq(bht_check_distribution(huge, v, NULL, NULL), BHT_E_INVALID);
    cr_expect_eq(bht_distance(huge, v, v, &dist), BHT_E_INVALID);
    cr_expect_eq(bht_oracle_distance(huge, v, v, &dist, NULL, NULL), BHT_E_INVALID);
}
