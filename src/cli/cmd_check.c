/* cmd_check.c: `bht check GOLDEN.jsonl... RESULTS.jsonl` grades another
 * implementation's results against golden vectors (golden/FORMAT.md,
 * "Results files and grading").
 *
 * The checker does not know the functions: for every valid vector it
 * compares each member of "expected" with the same member of the result's
 * "outputs" (a scalar, an array, or a {rows, cols, data} matrix), so new
 * corpus functions are graded without changes here. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "jsonl.h"
#include "sha256.h"

/* Exit code when some vector failed (README, "Errors and exit codes"). */
#define CLI_EXIT_CHECK_FAILED 5

#define CHECK_MAX_FNS 64

void cli_check_help(FILE *out)
{
    fprintf(out,
            "usage: bht check [--json] [--list] [--tol ULP] GOLDEN... RESULTS...\n"
            "\n"
            "Grades RESULTS (one line per vector: {\"tcId\": N, \"outputs\": {...}} or\n"
            "{\"tcId\": N, \"rejected\": true}) against golden vectors written by\n"
            "`bht golden`.  GOLDEN is a golden directory (its manifest.json), a\n"
            "manifest.json (every file it lists is read and its SHA-256 and size\n"
            "verified first) or golden .jsonl files.  The arguments may come in any\n"
            "order: each file is recognised by its first line (results lines have\n"
            "\"outputs\" or \"rejected\"); several RESULTS files (shards of one run,\n"
            "e.g. from `bht golden --shard k/N`) are graded together, a tcId in two of\n"
            "them is an error; '-' is RESULTS from standard input.  Output\n"
            "values may be strings (C99 hex or decimal, \"inf\", \"nan\") or JSON numbers,\n"
            "including Python's NaN, Infinity and -Infinity.  Prints, per function: valid\n"
            "vectors, vectors checked, max ulp error (bht's ulp measure), mean over the\n"
            "finite errors, the worst vector, failures against tol, valid vectors\n"
            "rejected, invalid vectors rejected and wrongly accepted, vectors missing\n"
            "from RESULTS, and inf_err: vectors with an infinite error (a non-finite\n"
            "value where a finite one is expected, a missing output key, a wrong shape).\n"
            "  --list               also name every failing vector: tcId, fn, ulp and the\n"
            "                       reason (a missing output key by name)\n"
            "  --tol ULP            grade every vector against ULP instead of its tol.ulp\n"
            "                       (tol.abs still applies)\n"
            "  --json               one JSON object (counts as numbers, ulp as strings;\n"
            "                       with --list a \"failures\" array)\n"
            "Format and rules: golden/FORMAT.md.\n"
            "Exit codes: 0 every vector passed, 1 internal error, 2 bad usage, a\n"
            "malformed file (the message names FILE:LINE) or a golden file that does not\n"
            "match its manifest, 5 some vector failed (the table says which kind).\n");
}

/* --------------------------------------------------------------- records */

/* One member of "expected": a scalar (rows = cols = 0), an array (rows =
 * length, cols = 0) or a matrix. */
typedef struct field {
    char *name;
    int kind; /* 0 scalar, 1 array, 2 matrix */
    size_t rows, cols, length;
    double *v;
} field;

/* What grading found for one vector (for --list). */
enum outcome {
    OUT_PASS = 0,
    OUT_OVER_TOL,
    OUT_MISSING_KEY,
    OUT_SHAPE,
    OUT_VALID_REJECTED,
    OUT_INVALID_ACCEPTED,
    OUT_MISSING
};

typedef struct record {
    int64_t tcid;
    size_t fn;
    int valid, may_reject, seen;
    double tol_ulp, tol_abs; /* tol_abs < 0: none */
    size_t nfields;
    field *fields;
    enum outcome outcome;
    double ulp;              /* worst error of the graded outputs */
    const char *missing_key; /* OUT_MISSING_KEY: the first absent output (a field name) */
} record;

typedef struct fn_stats {
    char name[48];
    size_t valid, checked, over_tol, valid_rejected, rejected_ok;
    size_t invalid, invalid_rejected, invalid_accepted, missing;
    double max_ulp, mean_ulp; /* mean over the finite errors (running mean: no overflow) */
    size_t finite_count, infinite_count;
    int64_t worst_tcid;
} fn_stats;

typedef struct checker {
    record *records;
    size_t count, capacity;
    fn_stats fns[CHECK_MAX_FNS];
    size_t fn_count;
    size_t unknown_ids;
    double tol_override; /* --tol ULP, or < 0 */
    int reading_results; /* the files read now are results (else golden vectors) */
} checker;

static void record_free(record *r)
{
    for (size_t i = 0; i < r->nfields; i++) {
        free(r->fields[i].name);
        free(r->fields[i].v);
    }
    free(r->fields);
}

static void checker_free(checker *c)
{
    for (size_t i = 0; i < c->count; i++)
        record_free(&c->records[i]);
    free(c->records);
}

/* Where an error is: "FILE:LINE". */
typedef struct where {
    const char *file;
    size_t line;
} where;

static int malformed(const where *w, const char *fmt, const char *detail)
{
    char reason[256];
    snprintf(reason, sizeof reason, fmt, detail ? detail : "");
    return cli_error(CLI_EXIT_USAGE, "%s:%zu: %s", w->file, w->line, reason);
}

/* Reads a value (scalar, array or matrix) into f; for golden files only
 * strings are numbers, in results JSON numbers too.  Returns 0, or -1 with
 * a static reason, -2 out of memory. */
static int read_field(const json_value *v, int allow_number, field *f, const char **reason)
{
    const json_value *data = v;
    f->kind = 1;
    if (v->type == JSON_STRING || v->type == JSON_NUMBER) {
        f->kind = 0;
        f->length = 1;
        f->v = malloc(sizeof(double));
        if (!f->v)
            return -2;
        if (json_to_double(v, allow_number, &f->v[0]) != 0) {
            *reason = allow_number ? "not a number or numeric string" : "not a numeric string";
            return -1;
        }
        return 0;
    }
    if (v->type == JSON_OBJECT) {
        int64_t rows, cols;
        data = json_member(v, "data");
        if (json_to_int64(json_member(v, "rows"), &rows) != 0
            || json_to_int64(json_member(v, "cols"), &cols) != 0 || rows < 0 || cols < 0
            || !data || data->type != JSON_ARRAY) {
            *reason = "a matrix needs integer rows, cols and a data array";
            return -1;
        }
        if (cols == 0 ? data->count != 0
                      : ((uint64_t)rows != data->count / (uint64_t)cols
                         || data->count % (uint64_t)cols != 0)) {
            *reason = "matrix data length is not rows * cols";
            return -1;
        }
        f->kind = 2;
        f->rows = (size_t)rows;
        f->cols = (size_t)cols;
    } else if (v->type != JSON_ARRAY) {
        *reason = "expected a number, an array or a matrix";
        return -1;
    }
    f->length = data->count;
    if (f->kind == 1)
        f->rows = data->count;
    f->v = malloc((data->count ? data->count : 1) * sizeof(double));
    if (!f->v)
        return -2;
    for (size_t i = 0; i < data->count; i++)
        if (json_to_double(&data->items[i], allow_number, &f->v[i]) != 0) {
            *reason = allow_number ? "array item is not a number or numeric string"
                                   : "array item is not a numeric string";
            return -1;
        }
    return 0;
}

static size_t fn_index(checker *c, const char *name, int *ok)
{
    for (size_t i = 0; i < c->fn_count; i++)
        if (strcmp(c->fns[i].name, name) == 0)
            return i;
    if (c->fn_count == CHECK_MAX_FNS || strlen(name) >= sizeof c->fns[0].name) {
        *ok = 0;
        return 0;
    }
    fn_stats *s = &c->fns[c->fn_count];
    memset(s, 0, sizeof *s);
    strcpy(s->name, name);
    s->worst_tcid = -1;
    return c->fn_count++;
}

/* Parses one golden line (an object) into a new record. */
static int add_golden(checker *c, const json_value *doc, const where *w)
{
    record r;
    memset(&r, 0, sizeof r);
    r.tol_abs = -1.0;
    const json_value *fn = json_member(doc, "fn"), *result = json_member(doc, "result");
    const json_value *expected = json_member(doc, "expected"), *tol = json_member(doc, "tol");
    const json_value *flags = json_member(doc, "flags");
    if (json_to_int64(json_member(doc, "tcId"), &r.tcid) != 0)
        return malformed(w, "missing or non-integer tcId%s", NULL);
    if (!fn || fn->type != JSON_STRING || !fn->text[0])
        return malformed(w, "missing or non-string fn%s", NULL);
    if (!result || result->type != JSON_STRING
        || (strcmp(result->text, "valid") != 0 && strcmp(result->text, "invalid") != 0))
        return malformed(w, "result must be \"valid\" or \"invalid\"%s", NULL);
    r.valid = strcmp(result->text, "valid") == 0;
    if (!expected || expected->type != JSON_OBJECT)
        return malformed(w, "missing or non-object expected%s", NULL);
    if (r.valid && expected->count == 0)
        return malformed(w, "a valid vector needs expected values%s", NULL);
    const json_value *ulp = json_member(tol, "ulp");
    if (!tol || tol->type != JSON_OBJECT || json_to_double(ulp, 1, &r.tol_ulp) != 0
        || !(r.tol_ulp >= 0.0))
        return malformed(w, "tol must be an object with a non-negative number ulp%s", NULL);
    const json_value *abs = json_member(tol, "abs");
    if (abs && (json_to_double(abs, 0, &r.tol_abs) != 0 || !(r.tol_abs >= 0.0)))
        return malformed(w, "tol.abs must be a non-negative numeric string%s", NULL);
    if (flags) {
        if (flags->type != JSON_ARRAY)
            return malformed(w, "flags must be an array of strings%s", NULL);
        for (size_t i = 0; i < flags->count; i++) {
            if (flags->items[i].type != JSON_STRING)
                return malformed(w, "flags must be an array of strings%s", NULL);
            /* Valid vectors an implementation may reject (FORMAT.md). */
            if (strcmp(flags->items[i].text, "beyond_kernel_domain") == 0
                || strcmp(flags->items[i].text, "beyond_kernel_conditioning") == 0)
                r.may_reject = 1;
        }
    }
    int ok = 1;
    r.fn = fn_index(c, fn->text, &ok);
    if (!ok)
        return malformed(w, "too many functions or function name too long: %s", fn->text);
    if (r.valid) {
        r.fields = calloc(expected->count, sizeof *r.fields);
        if (!r.fields)
            return cli_error(CLI_EXIT_INTERNAL, "check: out of memory");
        r.nfields = expected->count;
        for (size_t i = 0; i < expected->count; i++) {
            const char *reason = NULL;
            int rc = read_field(&expected->items[i], 0, &r.fields[i], &reason);
            r.fields[i].name = strdup(expected->keys[i]);
            if (rc == -2 || !r.fields[i].name) {
                record_free(&r);
                return cli_error(CLI_EXIT_INTERNAL, "check: out of memory");
            }
            if (rc != 0) {
                char detail[192];
                snprintf(detail, sizeof detail, "expected.%.64s: %s", expected->keys[i], reason);
                record_free(&r);
                return malformed(w, "%s", detail);
            }
        }
    }
    if (c->count == c->capacity) {
        size_t cap = c->capacity ? 2 * c->capacity : 1024;
        record *grown = cap < SIZE_MAX / sizeof *grown ? realloc(c->records, cap * sizeof *grown)
                                                       : NULL;
        if (!grown) {
            record_free(&r);
            return cli_error(CLI_EXIT_INTERNAL, "check: out of memory");
        }
        c->records = grown;
        c->capacity = cap;
    }
    c->records[c->count++] = r;
    return CLI_EXIT_OK;
}

static int compare_records(const void *a, const void *b)
{
    int64_t x = ((const record *)a)->tcid, y = ((const record *)b)->tcid;
    return (x > y) - (x < y);
}

static record *find_record(checker *c, int64_t tcid)
{
    size_t lo = 0, hi = c->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->records[mid].tcid < tcid)
            lo = mid + 1;
        else if (c->records[mid].tcid > tcid)
            hi = mid;
        else
            return &c->records[mid];
    }
    return NULL;
}

/* --------------------------------------------------------------- grading */

/* Worst ulp error of one valid vector's outputs against its record;
 * *pass says whether every value is within tol.  A missing output or a
 * shape mismatch counts as an infinite error.  Returns an exit code for
 * malformed values. */
static int grade_outputs(const record *r, double tol_ulp, const json_value *outputs,
                         const where *w, double *worst, int *pass, enum outcome *why,
                         const char **missing_key)
{
    *worst = 0.0;
    *pass = 1;
    *why = OUT_PASS;
    *missing_key = NULL;
    for (size_t i = 0; i < r->nfields; i++) {
        const field *e = &r->fields[i];
        const json_value *v = json_member(outputs, e->name);
        if (!v) {
            *worst = INFINITY;
            *pass = 0;
            if (!*missing_key) {
                *missing_key = e->name;
                *why = OUT_MISSING_KEY;
            }
            continue;
        }
        field got;
        memset(&got, 0, sizeof got);
        const char *reason = NULL;
        int rc = read_field(v, 1, &got, &reason);
        if (rc == -2) {
            free(got.v);
            return cli_error(CLI_EXIT_INTERNAL, "check: out of memory");
        }
        if (rc != 0) {
            char detail[192];
            snprintf(detail, sizeof detail, "outputs.%.64s: %s", e->name, reason);
            free(got.v);
            return malformed(w, "%s", detail);
        }
        /* An array of length n and a matrix of the same data both grade
         * against a matrix; a scalar must be a scalar. */
        int same_shape = got.length == e->length && (got.kind == 0) == (e->kind == 0)
                         && (got.kind != 2 || e->kind != 2 || got.rows == e->rows);
        if (!same_shape) {
            *worst = INFINITY;
            *pass = 0;
            if (*why == OUT_PASS || *why == OUT_OVER_TOL)
                *why = OUT_SHAPE;
            free(got.v);
            continue;
        }
        for (size_t k = 0; k < e->length; k++) {
            double err = bht_ulp_error(got.v[k], e->v[k]);
            int ok = err <= tol_ulp
                     || (r->tol_abs >= 0.0 && isfinite(got.v[k])
                         && fabs(got.v[k] - e->v[k]) <= r->tol_abs);
            if (isnan(e->v[k]) && isnan(got.v[k])) {
                err = 0.0;
                ok = 1;
            }
            if (!(err <= *worst))
                *worst = err;
            if (!ok) {
                *pass = 0;
                if (*why == OUT_PASS)
                    *why = OUT_OVER_TOL;
            }
        }
        free(got.v);
    }
    return CLI_EXIT_OK;
}

static int add_result(checker *c, const json_value *doc, const where *w)
{
    int64_t tcid;
    if (json_to_int64(json_member(doc, "tcId"), &tcid) != 0)
        return malformed(w, "missing or non-integer tcId%s", NULL);
    const json_value *rejected = json_member(doc, "rejected");
    const json_value *outputs = json_member(doc, "outputs");
    if (rejected && rejected->type != JSON_BOOL)
        return malformed(w, "rejected must be true or false%s", NULL);
    int is_rejected = rejected && rejected->boolean;
    if (is_rejected && outputs)
        return malformed(w, "a result has either \"outputs\" or \"rejected\": true, not both%s",
                         NULL);
    if (!is_rejected && (!outputs || outputs->type != JSON_OBJECT))
        return malformed(w, "missing \"outputs\" object (or \"rejected\": true)%s", NULL);
    record *r = find_record(c, tcid);
    if (!r) {
        c->unknown_ids++;
        return CLI_EXIT_OK;
    }
    if (r->seen) {
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)tcid);
        return malformed(w, "duplicate result for tcId %s", id);
    }
    r->seen = 1;
    fn_stats *s = &c->fns[r->fn];
    if (!r->valid) {
        if (is_rejected) {
            s->invalid_rejected++;
        } else {
            s->invalid_accepted++;
            r->outcome = OUT_INVALID_ACCEPTED;
        }
        return CLI_EXIT_OK;
    }
    if (is_rejected) {
        if (r->may_reject) {
            s->rejected_ok++;
        } else {
            s->valid_rejected++;
            r->outcome = OUT_VALID_REJECTED;
        }
        return CLI_EXIT_OK;
    }
    double worst;
    int pass;
    int rc = grade_outputs(r, c->tol_override >= 0.0 ? c->tol_override : r->tol_ulp, outputs, w,
                           &worst, &pass, &r->outcome, &r->missing_key);
    if (rc != CLI_EXIT_OK)
        return rc;
    r->ulp = worst;
    s->checked++;
    if (!pass)
        s->over_tol++;
    if (s->worst_tcid < 0 || worst > s->max_ulp) {
        s->max_ulp = worst;
        s->worst_tcid = r->tcid;
    }
    if (isfinite(worst)) {
        s->finite_count++;
        s->mean_ulp += (worst - s->mean_ulp) / (double)s->finite_count;
    } else {
        s->infinite_count++;
    }
    return CLI_EXIT_OK;
}

/* One line of a golden file, or of a results file when c->reading_results:
 * a JSON object, read by add_golden or add_result (a cli_jsonl_handler). */
static int add_line(void *context, const json_value *doc, const char *file, size_t line)
{
    checker *c = context;
    const where w = {file, line};
    if (doc->type != JSON_OBJECT)
        return malformed(&w, c->reading_results ? "a result must be a JSON object%s"
                                                : "a golden vector must be a JSON object%s",
                         NULL);
    return c->reading_results ? add_result(c, doc, &w) : add_golden(c, doc, &w);
}

static void format_ulp(double v, char *buf, size_t size)
{
    if (isinf(v))
        snprintf(buf, size, "inf");
    else if (v >= 1e6)
        snprintf(buf, size, "%.3g", v);
    else
        snprintf(buf, size, "%.3f", v);
}

static void print_row(const fn_stats *s)
{
    char max[32] = "-", mean[32] = "-", worst[32] = "-";
    if (s->checked) {
        format_ulp(s->max_ulp, max, sizeof max);
        if (s->finite_count)
            format_ulp(s->mean_ulp, mean, sizeof mean);
        snprintf(worst, sizeof worst, "%lld", (long long)s->worst_tcid);
    }
    printf("%-17s %6zu %7zu %9s %9s %8s %8zu %8zu %6zu %7zu %8zu %8zu %7zu %7zu\n", s->name,
           s->valid, s->checked, max, mean, worst, s->over_tol, s->valid_rejected, s->rejected_ok,
           s->invalid, s->invalid_rejected, s->invalid_accepted, s->missing, s->infinite_count);
}

/* --json: one object per function; counts are JSON numbers, ulp values
 * strings in the text table's format. */
static void print_row_json(const fn_stats *s, int last)
{
    char max[32] = "-", mean[32] = "-";
    if (s->checked) {
        format_ulp(s->max_ulp, max, sizeof max);
        if (s->finite_count)
            format_ulp(s->mean_ulp, mean, sizeof mean);
    }
    printf("    {\"fn\": \"%s\", \"valid\": %zu, \"checked\": %zu, \"max_ulp\": \"%s\", "
           "\"mean_ulp\": \"%s\", \"worst_tcId\": %lld, \"over_tol\": %zu, "
           "\"valid_rejected\": %zu, \"rejected_ok\": %zu, \"invalid\": %zu, "
           "\"invalid_rejected\": %zu, \"invalid_accepted\": %zu, \"missing\": %zu, "
           "\"inf_err\": %zu}%s\n",
           s->name, s->valid, s->checked, max, mean, s->checked ? (long long)s->worst_tcid : -1LL,
           s->over_tol, s->valid_rejected, s->rejected_ok, s->invalid, s->invalid_rejected,
           s->invalid_accepted, s->missing, s->infinite_count, last ? "" : ",");
}

/* --list: every failing vector, in tcId order. */
static void print_failures(const checker *c, int json)
{
    static const char *const reasons[] = {"pass", "over tol", "missing output", "wrong shape",
                                          "valid vector rejected", "invalid vector accepted",
                                          "no result"};
    size_t shown = 0;
    if (json)
        printf("  \"failures\": [");
    for (size_t i = 0; i < c->count; i++) {
        const record *r = &c->records[i];
        if (r->outcome == OUT_PASS)
            continue;
        char ulp[32] = "-", reason[128];
        if (r->outcome <= OUT_SHAPE)
            format_ulp(r->ulp, ulp, sizeof ulp);
        if (r->outcome == OUT_MISSING_KEY)
            snprintf(reason, sizeof reason, "missing output '%.64s'", r->missing_key);
        else
            snprintf(reason, sizeof reason, "%s", reasons[r->outcome]);
        if (json)
            printf("%s\n    {\"tcId\": %lld, \"fn\": \"%s\", \"ulp\": \"%s\", \"reason\": \"%s\"}",
                   shown ? "," : "", (long long)r->tcid, c->fns[r->fn].name, ulp, reason);
        else
            printf("fail tcId %lld fn %s ulp %s: %s\n", (long long)r->tcid, c->fns[r->fn].name,
                   ulp, reason);
        shown++;
    }
    if (json)
        printf("%s],\n", shown ? "\n  " : "");
}

/* ------------------------------------------------------------ arguments */

enum file_kind { FILE_GOLDEN, FILE_RESULTS, FILE_MANIFEST, FILE_UNKNOWN };

/* What a file holds, from its name (a directory or *.json: a manifest; '-':
 * results) or its first non-blank line (golden lines have "expected",
 * results lines "outputs" or "rejected"); FILE_UNKNOWN when it cannot say
 * (empty, unreadable or malformed: the reader then reports it). */
static enum file_kind classify(const char *path)
{
    if (strcmp(path, "-") == 0)
        return FILE_RESULTS;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return FILE_MANIFEST;
    size_t len = strlen(path);
    if (len >= 5 && strcmp(path + len - 5, ".json") == 0)
        return FILE_MANIFEST;
    FILE *f = fopen(path, "rb");
    if (!f)
        return FILE_UNKNOWN;
    char *line = NULL;
    size_t size = 0;
    ssize_t got;
    enum file_kind kind = FILE_UNKNOWN;
    while ((got = getline(&line, &size, f)) >= 0) {
        size_t k = 0;
        while (k < (size_t)got && strchr(" \t\r\n", line[k]))
            k++;
        if (k == (size_t)got)
            continue;
        json_value doc;
        json_error err;
        if (json_parse_results(line, (size_t)got, &doc, &err) == JSON_OK) {
            if (json_member(&doc, "expected"))
                kind = FILE_GOLDEN;
            else if (json_member(&doc, "outputs") || json_member(&doc, "rejected"))
                kind = FILE_RESULTS;
            json_free(&doc);
        }
        break;
    }
    free(line);
    fclose(f);
    return kind;
}

/* Lower-case hex SHA-256 and size of a file. */
static int file_digest(const char *path, char hex[65], uint64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return cli_error(CLI_EXIT_USAGE, "%s: cannot open: %s", path, strerror(e));
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char buf[65536];
    size_t got;
    *bytes = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        sha256_update(&ctx, got, buf);
        *bytes += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return cli_error(CLI_EXIT_USAGE, "%s: read error", path);
    cli_sha256_hex(&ctx, hex);
    return CLI_EXIT_OK;
}

/* One file of a golden manifest: verified against its SHA-256 and size,
 * then read. */
static int add_manifest_file(void *context, const char *manifest, const char *name,
                             const json_value *entry, const char *file)
{
    const json_value *want = json_member(entry, "sha256");
    int64_t want_bytes = -1;
    if (strchr(name, '/') || !want || want->type != JSON_STRING
        || json_to_int64(json_member(entry, "bytes"), &want_bytes) != 0)
        return cli_error(CLI_EXIT_USAGE, "%s: files.%.64s needs a sha256 string and integer "
                         "bytes (and a plain file name)", manifest, name);
    char hex[65];
    uint64_t bytes = 0;
    int rc = file_digest(file, hex, &bytes);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (bytes != (uint64_t)want_bytes || strcmp(hex, want->text) != 0)
        return cli_error(CLI_EXIT_USAGE, "%s: does not match its manifest.json entry (SHA-256 %s, "
                         "%llu bytes; the manifest says %.64s, %lld bytes)", file, hex,
                         (unsigned long long)bytes, want->text, (long long)want_bytes);
    return cli_jsonl_foreach(file, 0, add_line, context);
}

/* A golden directory or manifest: every listed file, verified then read. */
static int add_manifest(checker *c, const char *path)
{
    return cli_manifest_foreach(path, add_manifest_file, c);
}

int cli_check(int argc, char **argv)
{
    int json = 0, list = 0, help = 0;
    const char *tol_text = NULL;
    const char *paths[256];
    size_t npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            help = 1;
        else if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "--list") == 0)
            list = 1;
        else if (strcmp(a, "--tol") == 0 || strncmp(a, "--tol=", 6) == 0) {
            if (tol_text)
                return cli_error(CLI_EXIT_USAGE, "--tol: given more than once");
            if (a[5] == '=')
                tol_text = a + 6;
            else if (i + 1 < argc)
                tol_text = argv[++i];
            else
                return cli_error(CLI_EXIT_USAGE, "--tol: missing argument");
        } else if (a[0] == '-' && a[1] != '\0')
            return cli_error(CLI_EXIT_USAGE, "check: unknown option '%s' (see bht check --help)",
                             a);
        else if (npaths == sizeof paths / sizeof paths[0])
            return cli_error(CLI_EXIT_USAGE, "check: too many files");
        else
            paths[npaths++] = a;
    }
    if (help) {
        cli_check_help(stdout);
        return cli_finish_output();
    }
    checker c;
    memset(&c, 0, sizeof c);
    c.tol_override = -1.0;
    int rc;
    if (tol_text && (rc = cli_parse_nonnegative("--tol", tol_text, &c.tol_override)))
        return rc;
    if (npaths < 2)
        return cli_error(CLI_EXIT_USAGE,
                         "check: give GOLDEN... RESULTS (see bht check --help)");
    /* Which file is RESULTS: the one whose first line is a result, else the last. */
    enum file_kind kinds[256];
    /* RESULTS: every file whose first line is a result (several: shards of
     * one run, graded together), else the last argument. */
    int is_results[256] = {0};
    size_t found = 0;
    for (size_t i = 0; i < npaths; i++) {
        kinds[i] = classify(paths[i]);
        if (kinds[i] == FILE_RESULTS)
            is_results[i] = 1, found++;
    }
    if (!found) {
        if (kinds[npaths - 1] != FILE_UNKNOWN)
            return cli_error(CLI_EXIT_USAGE, "check: no results file among the arguments (%s "
                             "holds golden vectors; a results line is {\"tcId\": N, \"outputs\": "
                             "{...}} or {\"tcId\": N, \"rejected\": true})", paths[npaths - 1]);
        is_results[npaths - 1] = 1;
    }
    rc = CLI_EXIT_OK;
    for (size_t i = 0; i < npaths && rc == CLI_EXIT_OK; i++)
        if (!is_results[i])
            rc = kinds[i] == FILE_MANIFEST ? add_manifest(&c, paths[i])
                                           : cli_jsonl_foreach(paths[i], 0, add_line, &c);
    if (rc == CLI_EXIT_OK && c.count == 0)
        rc = cli_error(CLI_EXIT_USAGE, "check: no golden vectors in the given files");
    if (rc == CLI_EXIT_OK) {
        qsort(c.records, c.count, sizeof *c.records, compare_records);
        for (size_t i = 1; i < c.count; i++)
            if (c.records[i].tcid == c.records[i - 1].tcid) {
                rc = cli_error(CLI_EXIT_USAGE, "check: tcId %lld appears twice in the golden files",
                               (long long)c.records[i].tcid);
                break;
            }
    }
    c.reading_results = 1;
    for (size_t i = 0; i < npaths && rc == CLI_EXIT_OK; i++)
        if (is_results[i])
            rc = cli_jsonl_foreach(paths[i], 1, add_line, &c);
    if (rc != CLI_EXIT_OK) {
        checker_free(&c);
        return rc;
    }
    for (size_t i = 0; i < c.count; i++) {
        fn_stats *s = &c.fns[c.records[i].fn];
        if (c.records[i].valid)
            s->valid++;
        else
            s->invalid++;
        if (!c.records[i].seen) {
            s->missing++;
            c.records[i].outcome = OUT_MISSING;
        }
    }
    fn_stats total;
    memset(&total, 0, sizeof total);
    strcpy(total.name, "all");
    total.worst_tcid = -1;
    if (json)
        printf("{\n  \"functions\": [\n");
    else
        printf("%-17s %6s %7s %9s %9s %8s %8s %8s %6s %7s %8s %8s %7s %7s\n", "fn", "valid",
               "checked", "max_ulp", "mean_ulp", "worst", "over_tol", "rejected", "rej_ok",
               "invalid", "rejected", "accepted", "missing", "inf_err");
    for (size_t i = 0; i < c.fn_count; i++) {
        const fn_stats *s = &c.fns[i];
        if (json)
            print_row_json(s, i + 1 == c.fn_count);
        else
            print_row(s);
        total.valid += s->valid;
        total.checked += s->checked;
        total.over_tol += s->over_tol;
        total.valid_rejected += s->valid_rejected;
        total.rejected_ok += s->rejected_ok;
        total.invalid += s->invalid;
        total.invalid_rejected += s->invalid_rejected;
        total.invalid_accepted += s->invalid_accepted;
        total.missing += s->missing;
        total.infinite_count += s->infinite_count;
        if (s->finite_count) { /* weighted running mean */
            total.finite_count += s->finite_count;
            total.mean_ulp += (s->mean_ulp - total.mean_ulp)
                              * ((double)s->finite_count / (double)total.finite_count);
        }
        if (s->checked && (total.worst_tcid < 0 || !(s->max_ulp <= total.max_ulp))) {
            total.max_ulp = s->max_ulp;
            total.worst_tcid = s->worst_tcid;
        }
    }
    size_t failures = total.over_tol + total.valid_rejected + total.invalid_accepted + total.missing;
    if (json) {
        printf("  ],\n  \"total\":\n");
        print_row_json(&total, 1);
        printf("  ,\n");
        if (list)
            print_failures(&c, 1);
        printf("  \"unknown_tcIds\": %zu,\n  \"result\": \"%s\"\n}\n", c.unknown_ids,
               failures ? "FAIL" : "PASS");
    } else {
        if (c.fn_count > 1)
            print_row(&total);
        if (list)
            print_failures(&c, 0);
        if (c.unknown_ids)
            printf("note: %zu results have tcIds not in the golden files (ignored)\n",
                   c.unknown_ids);
        if (failures)
            printf("FAIL: %zu over tol, %zu valid rejected, %zu invalid accepted, %zu missing\n",
                   total.over_tol, total.valid_rejected, total.invalid_accepted, total.missing);
        else
            printf("PASS: %zu vectors\n", total.valid + total.invalid);
    }
    checker_free(&c);
    rc = cli_finish_output();
    if (rc != CLI_EXIT_OK)
        return rc;
    return failures ? CLI_EXIT_CHECK_FAILED : CLI_EXIT_OK;
}
