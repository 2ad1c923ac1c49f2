/* test_mpmath_refs.c: libbht's softmax against references computed
 * independently with mpmath (tests/mpmath_softmax_refs.py, which does not use
 * libbht).  The expectations in $BHT_TESTDATA/softmax_mpmath.txt are
 * correctly rounded binary64 values (subnormals included), so
 *  - the MPFR oracle must reproduce them bit for bit (sign of zero included),
 *    at the default precision cap and at a much larger one;
 *  - the double kernel must be within its 2-ulp budget of them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

#define REFS_FILE "softmax_mpmath.txt"
#define KERNEL_ULP_BUDGET 2.0
#define LARGE_CAP (1L << 20)
#define MIN_CASES 15

typedef struct ref_case {
    char name[96];
    size_t line;       /* line of the 'case' keyword */
    size_t n;          /* number of components */
    size_t d;          /* 0: logits given directly in z; else A is n x d */
    double *z;         /* n logits (d == 0) */
    double *A;         /* n*d, row-major (d > 0) */
    double *x;         /* d (d > 0) */
    double *expect;    /* n */
} ref_case;

typedef struct ref_set {
    ref_case *cases;
    size_t count;
} ref_set;

static void case_free(ref_case *c)
{
    free(c->z);
    free(c->A);
    free(c->x);
    free(c->expect);
    memset(c, 0, sizeof *c);
}

static void set_free(ref_set *s)
{
    for (size_t i = 0; i < s->count; i++)
        case_free(&s->cases[i]);
    free(s->cases);
    s->cases = NULL;
    s->count = 0;
}

/* Parses every number of text (blank separated) into a fresh array.
 * Returns the count, or (size_t)-1 on a malformed or non-finite token. */
static size_t parse_numbers(const char *text, double **out)
{
    size_t count = 0, cap = 8;
    double *v = malloc(cap * sizeof *v);
    if (!v)
        abort();
    const char *s = text;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if (*s == '\0')
            break;
        char *end;
        errno = 0;
        double value = strtod(s, &end);
        if (end == s || !isfinite(value)
            || (*end != '\0' && *end != ' ' && *end != '\t' && *end != '\r' && *end != '\n')) {
            free(v);
            return (size_t)-1;
        }
        if (count == cap) {
            double *grown = realloc(v, 2 * cap * sizeof *v);
            if (!grown) {
                free(v);
                abort();
            }
            v = grown;
            cap *= 2;
        }
        v[count++] = value;
        s = end;
    }
    *out = v;
    return count;
}

/* Rest of line after "keyword " if line starts with it, else NULL. */
static const char *after_keyword(const char *line, const char *keyword)
{
    size_t k = strlen(keyword);
    if (strncmp(line, keyword, k) != 0 || (line[k] != ' ' && line[k] != '\t'))
        return NULL;
    return line + k + 1;
}

/* Loads the reference file; any malformation fails the test with its line. */
static ref_set load_refs(void)
{
    const char *dir = getenv("BHT_TESTDATA");
    cr_assert(dir != NULL, "BHT_TESTDATA is not set (run through `make unit`)");
    char path[4096];
    int len = snprintf(path, sizeof path, "%s/%s", dir, REFS_FILE);
    cr_assert(len > 0 && (size_t)len < sizeof path, "BHT_TESTDATA path too long");
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "cannot open %s: %s", path, strerror(errno));

    ref_set set = {NULL, 0};
    size_t cap = 0;
    ref_case cur;
    memset(&cur, 0, sizeof cur);
    int open = 0;
    char *line = NULL;
    size_t line_cap = 0, lineno = 0;
    ssize_t got;
    while ((got = getline(&line, &line_cap, f)) != -1) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0 || line[0] == '#')
            continue;
        const char *rest;
        if ((rest = after_keyword(line, "case")) != NULL) {
            cr_assert(!open, "%s:%zu: case '%s' has no expect line", path, lineno, cur.name);
            memset(&cur, 0, sizeof cur);
            cr_assert(strlen(rest) > 0 && strlen(rest) < sizeof cur.name,
                      "%s:%zu: bad case name", path, lineno);
            strcpy(cur.name, rest);
            cur.line = lineno;
            open = 1;
        } else if ((rest = after_keyword(line, "logits")) != NULL) {
            cr_assert(open && !cur.z && !cur.A, "%s:%zu: unexpected logits", path, lineno);
            size_t n = parse_numbers(rest, &cur.z);
            cr_assert(n != (size_t)-1 && n > 0, "%s:%zu: bad logits", path, lineno);
            cur.n = n;
        } else if ((rest = after_keyword(line, "A")) != NULL) {
            cr_assert(open && !cur.z && !cur.A, "%s:%zu: unexpected A", path, lineno);
            double *v = NULL;
            size_t k = parse_numbers(rest, &v);
            cr_assert(k != (size_t)-1 && k >= 3, "%s:%zu: bad A line", path, lineno);
            cr_assert(v[0] >= 1 && v[1] >= 1 && v[0] == floor(v[0]) && v[1] == floor(v[1])
                      && v[0] <= 1e6 && v[1] <= 1e6, "%s:%zu: bad A shape", path, lineno);
            size_t rows = (size_t)v[0], cols = (size_t)v[1];
            cr_assert(k - 2 == rows * cols, "%s:%zu: A has %zu values, shape %zux%zu",
                      path, lineno, k - 2, rows, cols);
            cur.A = test_alloc(rows * cols);
            memcpy(cur.A, v + 2, rows * cols * sizeof *cur.A);
            free(v);
            cur.n = rows;
            cur.d = cols;
        } else if ((rest = after_keyword(line, "x")) != NULL) {
            cr_assert(open && cur.A && !cur.x, "%s:%zu: unexpected x", path, lineno);
            size_t k = parse_numbers(rest, &cur.x);
            cr_assert(k == cur.d, "%s:%zu: x has %zu values, A has %zu columns",
                      path, lineno, k, cur.d);
        } else if ((rest = after_keyword(line, "expect")) != NULL) {
            cr_assert(open && (cur.z || (cur.A && cur.x)), "%s:%zu: expect before input",
                      path, lineno);
            size_t k = parse_numbers(rest, &cur.expect);
            cr_assert(k == cur.n, "%s:%zu: expect has %zu values, case has %zu components",
                      path, lineno, k, cur.n);
            if (set.count == cap) {
                size_t ncap = cap ? 2 * cap : 16;
                ref_case *grown = realloc(set.cases, ncap * sizeof *grown);
                if (!grown)
                    abort();
                set.cases = grown;
                cap = ncap;
            }
            set.cases[set.count++] = cur;
            memset(&cur, 0, sizeof cur);
            open = 0;
        } else {
            cr_assert_fail("%s:%zu: unknown line '%.40s'", path, lineno, line);
        }
    }
    free(line);
    cr_assert(!ferror(f), "%s: read error", path);
    fclose(f);
    cr_assert(!open, "%s: last case '%s' has no expect line", path, cur.name);
    cr_assert(set.count >= MIN_CASES, "%s: only %zu cases", path, set.count);
    return set;
}

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* Runs the oracle on one case with the given options (NULL: defaults). */
static bht_status run_oracle(const ref_case *c, double *p, const bht_oracle_options *opt,
                             bht_oracle_report *rep)
{
    if (c->d == 0)
        return bht_oracle_softmax_logits(c->n, c->z, p, opt, rep);
    return bht_oracle_softmax(c->n, c->d, c->A, c->x, p, opt, rep);
}

/* Number of components of p that are not bit-identical to want; each one is
 * reported with cr_expect. */
static size_t expect_bit_identical(const ref_case *c, const double *p, const double *want,
                                   const char *what)
{
    size_t bad = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (bits_of(p[i]) != bits_of(want[i])) {
            bad++;
            cr_expect(0, "case %s (line %zu), component %zu: %s gave %a, expected %a",
                      c->name, c->line, i, what, p[i], want[i]);
        }
    }
    return bad;
}

Test(mpmath_refs, file_covers_the_planned_cases)
{
    ref_set set = load_refs();
    size_t affine = 0, subnormal = 0, zero = 0, single = 0;
    for (size_t k = 0; k < set.count; k++) {
        const ref_case *c = &set.cases[k];
        affine += c->d > 0;
        single += c->n == 1;
        for (size_t i = 0; i < c->n; i++) {
            subnormal += fpclassify(c->expect[i]) == FP_SUBNORMAL;
            zero += c->expect[i] == 0.0;
            cr_assert(c->expect[i] >= 0.0 && c->expect[i] <= 1.0 && !signbit(c->expect[i]),
                      "case %s component %zu: %a is not a probability", c->name, i,
                      c->expect[i]);
        }
    }
    cr_expect(affine >= 1, "no softmax(Ax) case");
    cr_expect(single >= 1, "no n = 1 case");
    cr_expect(subnormal >= 3, "only %zu subnormal expectations", subnormal);
    cr_expect(zero >= 3, "only %zu zero expectations", zero);
    set_free(&set);
}

Test(mpmath_refs, oracle_is_bit_identical_to_mpmath)
{
    ref_set set = load_refs();
    size_t checked = 0, bad = 0;
    for (size_t k = 0; k < set.count; k++) {
        const ref_case *c = &set.cases[k];
        double *p = test_alloc(c->n);
        bht_oracle_report rep = {0, 0};
        bht_status s = run_oracle(c, p, NULL, &rep);
        cr_expect_eq(s, BHT_OK, "case %s (line %zu): oracle failed: %s", c->name, c->line,
                     bht_status_message(s));
        if (s == BHT_OK) {
            bad += expect_bit_identical(c, p, c->expect, "oracle");
            cr_expect(rep.precision_used > 53 && rep.precision_used <= BHT_ORACLE_DEFAULT_CAP,
                      "case %s: precision_used %ld", c->name, rep.precision_used);
            cr_expect(rep.attempts >= 1, "case %s: attempts %d", c->name, rep.attempts);
        }
        checked += c->n;
        free(p);
    }
    fprintf(stderr, "mpmath refs: oracle vs mpmath, %zu cases, %zu components, %zu mismatches\n",
            set.count, checked, bad);
    set_free(&set);
}

Test(mpmath_refs, oracle_agrees_across_precision_caps)
{
    ref_set set = load_refs();
    const bht_oracle_options caps[] = {
        {0, BHT_ORACLE_DEFAULT_CAP},
        {0, LARGE_CAP},
        {256, LARGE_CAP}, /* explicit start precision */
    };
    for (size_t k = 0; k < set.count; k++) {
        const ref_case *c = &set.cases[k];
        double *base = test_alloc(c->n), *p = test_alloc(c->n);
        bht_status s = run_oracle(c, base, NULL, NULL);
        cr_expect_eq(s, BHT_OK, "case %s: oracle (defaults) failed: %s", c->name,
                     bht_status_message(s));
        for (size_t j = 0; s == BHT_OK && j < sizeof caps / sizeof caps[0]; j++) {
            bht_oracle_report rep = {0, 0};
            bht_status t = run_oracle(c, p, &caps[j], &rep);
            char what[96];
            snprintf(what, sizeof what, "oracle (start %ld, cap %ld)", caps[j].precision_start,
                     caps[j].precision_cap);
            cr_expect_eq(t, BHT_OK, "case %s: %s failed: %s", c->name, what,
                         bht_status_message(t));
            if (t != BHT_OK)
                continue;
            cr_expect(rep.precision_used <= caps[j].precision_cap,
                      "case %s: %s used %ld bits", c->name, what, rep.precision_used);
            expect_bit_identical(c, p, base, what);
        }
        free(base);
        free(p);
    }
    set_free(&set);
}

Test(mpmath_refs, double_kernel_within_budget_of_mpmath)
{
    ref_set set = load_refs();
    double worst = 0.0;
    const char *worst_case = "(none: all bit-identical)";
    size_t exact = 0, total = 0;
    for (size_t k = 0; k < set.count; k++) {
        const ref_case *c = &set.cases[k];
        double *p = test_alloc(c->n);
        bht_status s = c->d == 0 ? bht_softmax_logits(c->n, c->z, p)
                                 : bht_softmax(c->n, c->d, c->A, c->x, p);
        cr_expect_eq(s, BHT_OK, "case %s (line %zu): kernel refused: %s", c->name, c->line,
                     bht_status_message(s));
        for (size_t i = 0; s == BHT_OK && i < c->n; i++) {
            double e = bht_ulp_error(p[i], c->expect[i]);
            cr_expect(e <= KERNEL_ULP_BUDGET,
                      "case %s (line %zu), component %zu: kernel %a, mpmath %a (%.3g ulp)",
                      c->name, c->line, i, p[i], c->expect[i], e);
            cr_expect(!signbit(p[i]), "case %s, component %zu: negative sign", c->name, i);
            exact += bits_of(p[i]) == bits_of(c->expect[i]);
            total++;
            if (e > worst) {
                worst = e;
                worst_case = c->name;
            }
        }
        free(p);
    }
    fprintf(stderr, "mpmath refs: double kernel max %.3g ulp (case %s), %zu/%zu components "
            "correctly rounded\n", worst, worst_case, exact, total);
    set_free(&set);
}
