/* test_golden.c: bht's double kernels against the committed golden corpus
 * (golden/v1, found at $BHT_GOLDEN or $BHT_TESTDATA/../../golden/v1).
 *
 * Every valid vector: the kernel returns BHT_OK (or BHT_E_RANGE for vectors
 * flagged beyond_kernel_domain, BHT_E_SINGULAR for leverage vectors flagged
 * beyond_kernel_conditioning) and every output is within the vector's tol.
 * Every invalid vector: the kernel, preceded by what bht's own front end
 * checks (shapes; bht_check_distribution for distance), rejects it (for
 * leverage, distance_leverage and nu_leverage: s_i = 0, n < d and exactly
 * rank-deficient designs included; for regression_*, the kernel is asked
 * for the graded output only).
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
#include "bht_tools.h"

/* The JSON reader is part of the CLI, not of libbht (build/libbhtcli.a). */
#include "cli/json.h"

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
    size_t valid, invalid, failures, refusals; /* refusals: allowed kernel refusals */
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

/* A matrix {"rows", "cols", "data"}: its data, shape in *rows, *cols. */
static double *read_matrix(const json_value *m, size_t *rows, size_t *cols)
{
    int64_t r = 0, c = 0;
    cr_assert(m && json_to_int64(json_member(m, "rows"), &r) == 0
              && json_to_int64(json_member(m, "cols"), &c) == 0 && r >= 0 && c >= 0);
    size_t n;
    double *data = read_array(json_member(m, "data"), &n);
    cr_assert_eq(n, (size_t)(r * c), "matrix data length");
    *rows = (size_t)r;
    *cols = (size_t)c;
    return data;
}

/* The kernel's outputs for one vector, by the names of "expected": scalars
 * (length 0) or arrays. */
#define MAX_OUTPUTS 4
typedef struct kernel_outputs {
    size_t count;
    const char *name[MAX_OUTPUTS];
    double *value[MAX_OUTPUTS]; /* malloc'd */
    size_t length[MAX_OUTPUTS]; /* 0: scalar */
} kernel_outputs;

static double *add_output(kernel_outputs *o, const char *name, size_t length)
{
    cr_assert(o->count < MAX_OUTPUTS);
    o->name[o->count] = name;
    o->length[o->count] = length;
    o->value[o->count] = test_alloc(length ? length : 1);
    return o->value[o->count++];
}

static void free_outputs(kernel_outputs *o)
{
    for (size_t k = 0; k < o->count; k++)
        free(o->value[k]);
    o->count = 0;
}

static void add_distances(kernel_outputs *o, const bht_distances *d)
{
    *add_output(o, "hellinger2", 0) = d->hellinger2;
    *add_output(o, "hellinger", 0) = d->hellinger;
    *add_output(o, "tv", 0) = d->tv;
}

/* Runs the kernel for one vector, preceded by the shape checks of bht's
 * front end (BHT_E_INVALID for mismatches); fills *o on BHT_OK. */
static bht_status run_kernel(const char *fn, const json_value *in, kernel_outputs *o)
{
    o->count = 0;
    if (strcmp(fn, "softmax_logits") == 0) {
        size_t n;
        double *z = read_array(json_member(in, "z"), &n);
        bht_status s = bht_softmax_logits(n, z, add_output(o, "p", n));
        free(z);
        return s;
    }
    if (strcmp(fn, "softmax") == 0) {
        size_t rows, cols, nx;
        double *a = read_matrix(json_member(in, "A"), &rows, &cols);
        double *x = read_array(json_member(in, "x"), &nx);
        double *p = add_output(o, "p", rows);
        bht_status s = cols != nx ? BHT_E_INVALID : bht_softmax(rows, cols, a, x, p);
        free(a);
        free(x);
        return s;
    }
    if (strcmp(fn, "leverage") == 0 || strcmp(fn, "leverage_scores") == 0) {
        size_t rows, cols, ns;
        double *a = read_matrix(json_member(in, "A"), &rows, &cols);
        double *sv = read_array(json_member(in, "s"), &ns);
        double *p = test_alloc(rows), *h = test_alloc(rows);
        bht_status s = ns != rows ? BHT_E_INVALID : bht_leverage(rows, cols, a, sv, p, h, NULL);
        int scores = strcmp(fn, "leverage_scores") == 0;
        memcpy(add_output(o, scores ? "h" : "p", rows), scores ? h : p, rows * sizeof *p);
        free(p);
        free(h);
        free(a);
        free(sv);
        return s;
    }
    if (strcmp(fn, "distance_softmax") == 0 || strcmp(fn, "nu_softmax") == 0) {
        int nu = strcmp(fn, "nu_softmax") == 0;
        size_t rows, cols, brows, bcols, nx;
        double *a = read_matrix(json_member(in, "A"), &rows, &cols);
        double *b = read_matrix(json_member(in, nu ? "M" : "B"), &brows, &bcols);
        double *x = read_array(json_member(in, "x"), &nx);
        bht_status s = BHT_E_INVALID;
        if (brows == rows && bcols == cols && nx == cols) {
            if (nu) {
                bht_local_result r = {0, 0};
                double *deriv = test_alloc(rows);
                s = bht_nu_softmax(rows, cols, a, b, x, &r, deriv);
                *add_output(o, "nu", 0) = r.nu;
                *add_output(o, "local_constant", 0) = r.local_constant;
                memcpy(add_output(o, "derivative", rows), deriv, rows * sizeof *deriv);
                free(deriv);
            } else {
                bht_distances d = {0, 0, 0};
                s = bht_distance_softmax(rows, cols, a, b, x, &d);
                add_distances(o, &d);
            }
        }
        free(a);
        free(b);
        free(x);
        return s;
    }
    if (strcmp(fn, "distance_leverage") == 0 || strcmp(fn, "nu_leverage") == 0) {
        int nu = strcmp(fn, "nu_leverage") == 0;
        size_t rows, cols, brows, bcols, ns;
        double *a = read_matrix(json_member(in, "A"), &rows, &cols);
        double *b = read_matrix(json_member(in, nu ? "M" : "B"), &brows, &bcols);
        double *sv = read_array(json_member(in, "s"), &ns);
        bht_status s = BHT_E_INVALID;
        if (brows == rows && bcols == cols && ns == rows) {
            if (nu) {
                bht_local_result r = {0, 0};
                double *deriv = test_alloc(rows);
                s = bht_nu_leverage(rows, cols, a, b, sv, &r, deriv);
                *add_output(o, "nu", 0) = r.nu;
                *add_output(o, "local_constant", 0) = r.local_constant;
                memcpy(add_output(o, "derivative", rows), deriv, rows * sizeof *deriv);
                free(deriv);
            } else {
                bht_distances d = {0, 0, 0};
                s = bht_distance_leverage(rows, cols, a, b, sv, &d);
                add_distances(o, &d);
            }
        }
        free(a);
        free(b);
        free(sv);
        return s;
    }
    if (strncmp(fn, "regression_", 11) == 0) {
        size_t rows, cols, nb, nw, nx;
        double *a = read_matrix(json_member(in, "A"), &rows, &cols);
        double *b = read_array(json_member(in, "b"), &nb);
        double *w = read_array(json_member(in, "w"), &nw);
        double *x = read_array(json_member(in, "x"), &nx);
        double *loss = NULL, *gradient = NULL, *hessian = NULL;
        if (strcmp(fn, "regression_loss") == 0)
            loss = add_output(o, "loss", 0);
        else if (strcmp(fn, "regression_gradient") == 0)
            gradient = add_output(o, "gradient", cols);
        else
            hessian = add_output(o, "hessian", cols * cols);
        bht_status s = nb != rows || nw != rows || nx != cols
                           ? BHT_E_INVALID
                           : bht_regression(rows, cols, a, b, w, x, loss, gradient, hessian, NULL);
        free(a);
        free(b);
        free(w);
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
        add_distances(o, &d);
        free(P);
        free(Q);
        return s;
    }
    cr_assert_str_eq(fn, "lemma_a1", "unknown fn %s", fn);
    bht_lemma_a1_bounds b = {0, 0};
    bht_status s = bht_lemma_a1(read_scalar(json_member(in, "eps")), &b);
    *add_output(o, "h2max", 0) = b.h2max;
    *add_output(o, "tvmax", 0) = b.tvmax;
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

    kernel_outputs o;
    memset(&o, 0, sizeof o);
    bht_status s = run_kernel(fn->text, json_member(doc, "inputs"), &o);
    char what[200];
    if (!valid) {
        t->invalid++;
        if (s == BHT_OK)
            failure(t, (long long)id, "invalid vector accepted by the kernel");
        free_outputs(&o);
        return;
    }
    t->valid++;
    /* Refusals the corpus allows: outside the kernel's domain (BHT_E_RANGE)
     * or, for leverage, beyond its conditioning limit (BHT_E_SINGULAR). */
    if ((s == BHT_E_RANGE && has_flag(doc, "beyond_kernel_domain"))
        || (s == BHT_E_SINGULAR && has_flag(doc, "beyond_kernel_conditioning"))) {
        t->refusals++;
        free_outputs(&o);
        return;
    }
    if (s != BHT_OK) {
        snprintf(what, sizeof what, "kernel refused a valid vector: %s", bht_status_message(s));
        failure(t, (long long)id, what);
        free_outputs(&o);
        return;
    }
    cr_assert_eq(expected->count, o.count, "tcId %lld: %zu expected values, kernel gives %zu",
                 (long long)id, expected->count, o.count);
    for (size_t k = 0; k < o.count; k++) {
        const json_value *e = json_member(expected, o.name[k]);
        cr_assert(e != NULL, "tcId %lld: no expected %s", (long long)id, o.name[k]);
        size_t ne = 0;
        double *want = o.length[k] ? read_array(e, &ne) : test_alloc(1);
        if (o.length[k])
            cr_assert_eq(ne, o.length[k], "tcId %lld: length of %s", (long long)id, o.name[k]);
        else
            want[0] = read_scalar(e), ne = 1;
        for (size_t i = 0; i < ne; i++)
            if (!within(o.value[k][i], want[i], tol_ulp, tol_abs, t, (long long)id)) {
                snprintf(what, sizeof what, "%s[%zu] = %a, expected %a (%g ulp)", o.name[k], i,
                         o.value[k][i], want[i], bht_ulp_error(o.value[k][i], want[i]));
                failure(t, (long long)id, what);
            }
        free(want);
    }
    free_outputs(&o);
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
    cr_log_info("%s: %zu valid, %zu invalid, worst %g ulp (tcId %lld), %zu allowed refusals",
                name, t.valid, t.invalid, t.worst, t.worst_id, t.refusals);
    cr_assert_geq(count, min_vectors, "%s: only %zu vectors", name, count);
    cr_assert_gt(t.invalid, 0, "%s: no invalid vectors", name);
    cr_assert_eq(t.failures, 0, "%s: %zu vectors fail (first ones logged above)", name,
                 t.failures);
}

Test(golden, softmax_logits_kernel) { check_fn("softmax_logits", 1000); }
Test(golden, softmax_kernel) { check_fn("softmax", 1000); }
Test(golden, distance_kernel) { check_fn("distance", 1000); }
Test(golden, lemma_a1_kernel) { check_fn("lemma_a1", 1000); }
Test(golden, leverage_kernel) { check_fn("leverage", 300); }
Test(golden, leverage_scores_kernel) { check_fn("leverage_scores", 300); }
Test(golden, distance_softmax_kernel) { check_fn("distance_softmax", 300); }
Test(golden, nu_softmax_kernel) { check_fn("nu_softmax", 300); }
Test(golden, distance_leverage_kernel) { check_fn("distance_leverage", 250); }
Test(golden, nu_leverage_kernel) { check_fn("nu_leverage", 250); }
Test(golden, regression_loss_kernel) { check_fn("regression_loss", 250); }
Test(golden, regression_gradient_kernel) { check_fn("regression_gradient", 250); }
Test(golden, regression_hessian_kernel) { check_fn("regression_hessian", 250); }

/* The corpus as a whole (every function the generator knows): at least
 * 10,000 vectors and under 20 MB. */
Test(golden, corpus_size)
{
    char dir[4096], path[4200];
    golden_dir(dir, sizeof dir);
    size_t lines = 0;
    long bytes = 0;
    for (size_t k = 0; k < bht_golden_fn_count(); k++) {
        bht_golden_fn_info info;
        cr_assert_eq(bht_golden_fn_get(k, &info), BHT_OK);
        snprintf(path, sizeof path, "%s/%s.jsonl", dir, info.name);
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
