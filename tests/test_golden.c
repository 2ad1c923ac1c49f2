/* test_golden.c: bht's double kernels against the committed golden corpus
 * (golden/v1, found at $BHT_GOLDEN or $BHT_TESTDATA/../../golden/v1).
 *
 * Every valid vector: the kernel returns BHT_OK (or BHT_E_RANGE for vectors
 * flagged beyond_kernel_domain) and every output is within the vector's tol.
 * Every invalid vector: the kernel, preceded by what bht's own front end
 * checks (shapes; bht_check_distribution for distance), rejects it.
 * Also: the canonical hex formatter against glibc's %a, the JSON reader on
 * malformed text, and corpus-level invariants (counts, size, unique tcIds). */
#include <criterion/criterion.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

/* The JSON reader is part of the CLI, not of libbht: compile it in here. */
#include "cli/json.c"

#define MAX_FAILURES_SHOWN 8

static void golden_dir(char *buf, size_t size)
{
    const char *env = getenv("BHT_GOLDEN");
    int n;
    if (env && *env) {
        n = snprintf(buf, size, "%s", env);
    } else {
        const char *root = getenv("BHT_TESTDATA");
        cr_assert(root != NULL, "BHT_TESTDATA is not set (run through `make unit`)");
        n = snprintf(buf, size, "%s/../../golden/v1", root);
    }
    cr_assert(n > 0 && (size_t)n < size, "path too long");
}

/* A flat list of doubles from a JSON array of numeric strings. */
static double *read_array(const json_value *v, size_t *n)
{
    cr_assert(v && v->type == JSON_ARRAY, "expected an array");
    double *out = test_alloc(v->count);
    for (size_t i = 0; i < v->count; i++)
        cr_assert_eq(json_to_double(&v->items[i], 0, &out[i]), 0, "bad number in array");
    *n = v->count;
    return out;
}

static double read_scalar(const json_value *v)
{
    double d = 0.0;
    cr_assert_eq(json_to_double(v, 0, &d), 0, "bad scalar");
    return d;
}

static int has_flag(const json_value *doc, const char *flag)
{
    const json_value *flags = json_member(doc, "flags");
    for (size_t i = 0; flags && i < flags->count; i++)
        if (strcmp(flags->items[i].text, flag) == 0)
            return 1;
    return 0;
}

typedef struct tally {
    size_t valid, invalid, failures, range_refusals;
    double worst;
    long long worst_id;
} tally;

static void failure(tally *t, long long id, const char *what)
{
    if (t->failures < MAX_FAILURES_SHOWN)
        cr_log_error("tcId %lld: %s", id, what);
    t->failures++;
}

/* Within tol: ulp, or the optional absolute "abs". */
static int within(double got, double want, double tol_ulp, double tol_abs, tally *t, long long id)
{
    double e = bht_ulp_error(got, want);
    if (e > t->worst) {
        t->worst = e;
        t->worst_id = id;
    }
    return e <= tol_ulp || (tol_abs >= 0.0 && fabs(got - want) <= tol_abs);
}

/* Runs the kernel for one vector: status and outputs (max 3 scalars or an
 * array p).  Returns the status (BHT_E_INVALID for shape mismatches). */
static bht_status run_kernel(const char *fn, const json_value *in, double **p, size_t *np,
                             double scalars[3])
{
    *p = NULL;
    *np = 0;
    if (strcmp(fn, "softmax_logits") == 0) {
        size_t n;
        double *z = read_array(json_member(in, "z"), &n);
        *p = test_alloc(n);
        *np = n;
        bht_status s = bht_softmax_logits(n, z, *p);
        free(z);
        return s;
    }
    if (strcmp(fn, "softmax") == 0) {
        const json_value *A = json_member(in, "A");
        int64_t rows = 0, cols = 0;
        cr_assert(A && json_to_int64(json_member(A, "rows"), &rows) == 0
                  && json_to_int64(json_member(A, "cols"), &cols) == 0);
        size_t na, nx;
        double *a = read_array(json_member(A, "data"), &na);
        double *x = read_array(json_member(in, "x"), &nx);
        cr_assert_eq(na, (size_t)(rows * cols), "matrix data length");
        *p = test_alloc((size_t)rows);
        *np = (size_t)rows;
        bht_status s = (size_t)cols != nx ? BHT_E_INVALID
                                          : bht_softmax((size_t)rows, (size_t)cols, a, x, *p);
        free(a);
        free(x);
        return s;
    }
    if (strcmp(fn, "distance") == 0) {
        size_t n, m;
        double *P = read_array(json_member(in, "P"), &n);
        double *Q = read_array(json_member(in, "Q"), &m);
        bht_status s = BHT_E_INVALID;
        bht_distances d = {0, 0, 0};
        if (n == m && (s = bht_check_distribution(n, P, NULL, NULL)) == BHT_OK
            && (s = bht_check_distribution(m, Q, NULL, NULL)) == BHT_OK)
            s = bht_distance(n, P, Q, &d);
        scalars[0] = d.hellinger2;
        scalars[1] = d.hellinger;
        scalars[2] = d.tv;
        free(P);
        free(Q);
        return s;
    }
    cr_assert_str_eq(fn, "lemma_a1", "unknown fn %s", fn);
    bht_lemma_a1_bounds b = {0, 0};
    bht_status s = bht_lemma_a1(read_scalar(json_member(in, "eps")), &b);
    scalars[0] = b.h2max;
    scalars[1] = b.tvmax;
    return s;
}

static void check_vector(const json_value *doc, const char *want_fn, tally *t)
{
    int64_t id = 0;
    cr_assert_eq(json_to_int64(json_member(doc, "tcId"), &id), 0, "tcId");
    const json_value *fn = json_member(doc, "fn"), *result = json_member(doc, "result");
    cr_assert(fn && fn->type == JSON_STRING && strcmp(fn->text, want_fn) == 0);
    cr_assert(result && result->type == JSON_STRING);
    int valid = strcmp(result->text, "valid") == 0;
    cr_assert(valid || strcmp(result->text, "invalid") == 0);
    const json_value *tol = json_member(doc, "tol"), *expected = json_member(doc, "expected");
    double tol_ulp = 0.0, tol_abs = -1.0;
    cr_assert_eq(json_to_double(json_member(tol, "ulp"), 1, &tol_ulp), 0);
    if (json_member(tol, "abs"))
        tol_abs = read_scalar(json_member(tol, "abs"));

    double *p, scalars[3] = {0, 0, 0};
    size_t np;
    bht_status s = run_kernel(fn->text, json_member(doc, "inputs"), &p, &np, scalars);
    char what[160];
    if (!valid) {
        t->invalid++;
        if (s == BHT_OK)
            failure(t, (long long)id, "invalid vector accepted by the kernel");
        free(p);
        return;
    }
    t->valid++;
    if (s == BHT_E_RANGE && has_flag(doc, "beyond_kernel_domain")) {
        t->range_refusals++;
        free(p);
        return;
    }
    if (s != BHT_OK) {
        snprintf(what, sizeof what, "kernel refused a valid vector: %s", bht_status_message(s));
        failure(t, (long long)id, what);
        free(p);
        return;
    }
    if (p) {
        size_t ne;
        double *e = read_array(json_member(expected, "p"), &ne);
        cr_assert_eq(ne, np);
        for (size_t i = 0; i < np; i++)
            if (!within(p[i], e[i], tol_ulp, tol_abs, t, (long long)id)) {
                snprintf(what, sizeof what, "p[%zu] = %a, expected %a (%g ulp)", i, p[i], e[i],
                         bht_ulp_error(p[i], e[i]));
                failure(t, (long long)id, what);
            }
        free(e);
        free(p);
        return;
    }
    static const char *const distance_keys[] = {"hellinger2", "hellinger", "tv"};
    static const char *const lemma_keys[] = {"h2max", "tvmax"};
    int is_distance = strcmp(fn->text, "distance") == 0;
    const char *const *keys = is_distance ? distance_keys : lemma_keys;
    size_t nk = is_distance ? 3 : 2;
    for (size_t k = 0; k < nk; k++) {
        double want = read_scalar(json_member(expected, keys[k]));
        if (!within(scalars[k], want, tol_ulp, tol_abs, t, (long long)id)) {
            snprintf(what, sizeof what, "%s = %a, expected %a (%g ulp)", keys[k], scalars[k],
                     want, bht_ulp_error(scalars[k], want));
            failure(t, (long long)id, what);
        }
    }
}

/* Checks every line of NAME.jsonl; returns the number of vectors. */
static size_t check_file(const char *name, tally *t)
{
    char dir[4096], path[4200];
    golden_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s.jsonl", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t size = 0, count = 0;
    ssize_t got;
    long long previous = -1;
    while ((got = getline(&line, &size, f)) >= 0) {
        json_value doc;
        json_error err;
        int rc = json_parse(line, (size_t)got, &doc, &err);
        cr_assert_eq(rc, JSON_OK, "%s:%zu:%zu: %s", path, count + 1, err.column, err.reason);
        int64_t id;
        cr_assert_eq(json_to_int64(json_member(&doc, "tcId"), &id), 0);
        cr_assert_gt((long long)id, previous, "%s: tcIds not increasing at line %zu", path,
                     count + 1);
        previous = (long long)id;
        check_vector(&doc, name, t);
        json_free(&doc);
        count++;
    }
    free(line);
    fclose(f);
    return count;
}

static void check_fn(const char *name, size_t min_vectors)
{
    tally t;
    memset(&t, 0, sizeof t);
    size_t count = check_file(name, &t);
    cr_log_info("%s: %zu valid, %zu invalid, worst %g ulp (tcId %lld), %zu range refusals", name,
                t.valid, t.invalid, t.worst, t.worst_id, t.range_refusals);
    cr_assert_geq(count, min_vectors, "%s: only %zu vectors", name, count);
    cr_assert_gt(t.invalid, 0, "%s: no invalid vectors", name);
    cr_assert_eq(t.failures, 0, "%s: %zu vectors fail (first ones logged above)", name,
                 t.failures);
}

Test(golden, softmax_logits_kernel) { check_fn("softmax_logits", 1000); }
Test(golden, softmax_kernel) { check_fn("softmax", 1000); }
Test(golden, distance_kernel) { check_fn("distance", 1000); }
Test(golden, lemma_a1_kernel) { check_fn("lemma_a1", 1000); }

/* The corpus as a whole: at least 10,000 vectors and under 20 MB. */
Test(golden, corpus_size)
{
    static const char *const names[] = {"softmax_logits", "softmax", "distance", "lemma_a1"};
    char dir[4096], path[4200];
    golden_dir(dir, sizeof dir);
    size_t lines = 0;
    long bytes = 0;
    for (size_t k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s.jsonl", dir, names[k]);
        FILE *f = fopen(path, "rb");
        cr_assert(f != NULL, "%s: %s", path, strerror(errno));
        int c;
        while ((c = getc(f)) != EOF)
            lines += c == '\n';
        bytes += ftell(f);
        fclose(f);
    }
    cr_assert_geq(lines, 10000);
    cr_assert_lt(bytes, 20L * 1000 * 1000, "corpus is %ld bytes", bytes);
}

/* ------------------------------------------------ canonical hex formatting */

static void expect_hex(double x)
{
    char ours[BHT_GOLDEN_HEX_SIZE], libc[64];
    bht_golden_format_double(x, ours);
    snprintf(libc, sizeof libc, "%a", x);
    if (isnan(x))
        strcpy(libc, "nan");
    cr_assert_str_eq(ours, libc, "format of %a", x);
    if (!isnan(x)) {
        double back = strtod(ours, NULL);
        cr_assert(memcmp(&back, &x, sizeof x) == 0, "%s does not read back", ours);
    }
}

Test(golden_format, matches_glibc_percent_a)
{
    static const double special[] = {0.0, -0.0, 1.0, -1.0, 3.0, 0.1, 0x1p-1074, -0x1p-1074,
                                     0x1p-1022, 0x0.fffffffffffffp-1022, 0x1.8p-1060, DBL_MAX,
                                     -DBL_MAX, INFINITY, -INFINITY, NAN, 1e300, 0x1p1023};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
        expect_hex(special[k]);
    test_rng r = {42};
    for (int k = 0; k < 100000; k++) {
        uint64_t bits = test_rng_next(&r);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (k % 4 == 0) /* many subnormals */
            bits &= 0x800fffffffffffffULL, memcpy(&x, &bits, sizeof x);
        if (!isnan(x))
            expect_hex(x);
    }
}

/* ------------------------------------------------------------ JSON reader */

static int parses(const char *text)
{
    json_value v;
    json_error err;
    int rc = json_parse(text, strlen(text), &v, &err);
    if (rc == JSON_OK)
        json_free(&v);
    else
        cr_assert(err.column >= 1 && err.reason[0], "no error position for %s", text);
    return rc == JSON_OK;
}

Test(golden_json, accepts_and_rejects)
{
    cr_assert(parses("{\"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\", true, false, null, {}]}"));
    cr_assert(parses("  [ ]  "));
    cr_assert(parses("0"));
    static const char *const bad[] = {
        "", " ", "{", "}", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{\"a\":1,\"a\":2}",
        "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"",
        "\"\\ud800\"", "\"\\u0000\"", "\"a\tb\"", "[1] [2]", "{1:2}", "NaN", "Infinity",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        cr_assert(!parses(bad[k]), "accepted: %s", bad[k]);
    /* Embedded NUL within the given length. */
    json_value v;
    json_error err;
    cr_assert_neq(json_parse("[1,\0 2]", 7, &v, &err), JSON_OK);
}

/* Every prefix of a real golden line, and single-byte corruptions of it,
 * either parse or fail cleanly (no crash, no leak under valgrind). */
Test(golden_json, truncations_and_corruptions)
{
    static const char line[] =
        "{\"tcId\":200001,\"fn\":\"softmax\",\"inputs\":{\"A\":{\"rows\":1,\"cols\":1,\"data\":"
        "[\"0x1p+1\"]},\"x\":[\"0x1.8p+1\"]},\"expected\":{\"p\":[\"0x1p+0\"]},\"tol\":{\"ulp\":2},"
        "\"flags\":[\"special\",\"n1\"],\"comment\":\"n = d = 1\",\"result\":\"valid\"}";
    size_t n = strlen(line);
    cr_assert(parses(line));
    for (size_t k = 0; k < n; k++) {
        json_value v;
        json_error err;
        cr_assert_neq(json_parse(line, k, &v, &err), JSON_OK, "prefix %zu accepted", k);
    }
    static const char junk[] = "\"{}[],:0-e\\\x01 ";
    char copy[sizeof line];
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j + 1 < sizeof junk; j++) {
            memcpy(copy, line, sizeof line);
            copy[k] = junk[j];
            json_value v;
            json_error err;
            if (json_parse(copy, n, &v, &err) == JSON_OK)
                json_free(&v);
        }
}

Test(golden_json, numbers_and_strings_to_double)
{
    json_value v;
    json_error err;
    static const char text[] = "[\"0x1.8p+1\", \"-0x0p+0\", \"inf\", \"nan\", 2.5, \"1e-3\", "
                               "\" 1\", \"1x\", \"\", 7, -9007199254740993]";
    cr_assert_eq(json_parse(text, strlen(text), &v, &err), JSON_OK, "%s", err.reason);
    double d;
    cr_assert(json_to_double(&v.items[0], 0, &d) == 0 && d == 3.0);
    cr_assert(json_to_double(&v.items[1], 0, &d) == 0 && d == 0.0 && signbit(d));
    cr_assert(json_to_double(&v.items[2], 0, &d) == 0 && isinf(d));
    cr_assert(json_to_double(&v.items[3], 0, &d) == 0 && isnan(d));
    cr_assert(json_to_double(&v.items[4], 0, &d) == -1, "numbers need allow_number");
    cr_assert(json_to_double(&v.items[4], 1, &d) == 0 && d == 2.5);
    cr_assert(json_to_double(&v.items[5], 0, &d) == 0 && d == 1e-3);
    cr_assert(json_to_double(&v.items[6], 0, &d) == -1, "leading blank");
    cr_assert(json_to_double(&v.items[7], 0, &d) == -1, "trailing junk");
    cr_assert(json_to_double(&v.items[8], 0, &d) == -1, "empty");
    int64_t i;
    cr_assert(json_to_int64(&v.items[9], &i) == 0 && i == 7);
    cr_assert(json_to_int64(&v.items[10], &i) == 0 && i == -9007199254740993LL);
    cr_assert(json_to_int64(&v.items[4], &i) == -1);
    json_free(&v);
}
