/* test_cli_golden.c: `bht golden` and `bht check` as subprocesses ($BHT).
 *
 * Reproducibility: regenerating the corpus gives the committed golden/v1
 * bit for bit (every *.jsonl byte for byte; manifest.json line for line
 * except its "generator" line, which records where it was generated), and
 * the shards 1/3, 2/3, 3/3 concatenated per file give the full corpus.
 * The checker is exercised on hand-made golden/results files (pass, every
 * failure kind, malformed input with FILE:LINE errors) and on the committed
 * corpus graded against its own expected values. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "bht_tools.h"
#include "cli_harness.h"

/* Reused CLI pieces (not part of libbht): the JSON reader and SHA-256. */
#include "cli/json.h"
#include "cli/sha256.h"

/* The corpus files: FN.jsonl for every function the generator knows. */
#define FILE_COUNT bht_golden_fn_count()
#define MAX_FILES 16

/* "FN.jsonl" of function k into buf (FILES_AT(k): into a compound literal
 * that lives until the end of the enclosing block). */
static const char *file_name(size_t k, char *buf, size_t size)
{
    bht_golden_fn_info info;
    cr_assert(FILE_COUNT <= MAX_FILES);
    cr_assert_eq(bht_golden_fn_get(k, &info), BHT_OK);
    snprintf(buf, size, "%s.jsonl", info.name);
    return buf;
}
#define FILES_AT(k) file_name((k), (char[64]){0}, 64)

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
    cr_assert(n > 0 && (size_t)n < size);
}

static char *read_file(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "%s: %s", path, strerror(errno));
    size_t used = 0, capacity = 1 << 20;
    char *buf = malloc(capacity);
    cr_assert(buf != NULL);
    for (;;) {
        if (capacity - used < 1 << 16) {
            capacity *= 2;
            buf = realloc(buf, capacity);
            cr_assert(buf != NULL);
        }
        size_t got = fread(buf + used, 1, capacity - used - 1, f);
        used += got;
        if (got == 0)
            break;
    }
    cr_assert(!ferror(f));
    fclose(f);
    buf[used] = '\0';
    *length = used;
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "%s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
}

static void remove_tree(const char *dir)
{
    char path[4200];
    static const char *const extra[] = {"manifest.json", "golden.jsonl", "results.jsonl"};
    for (size_t k = 0; k < FILE_COUNT; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, FILES_AT(k));
        unlink(path);
    }
    for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, extra[k]);
        unlink(path);
    }
    rmdir(dir);
}

/* Byte-for-byte comparison; reports the first differing line. */
static void expect_same_bytes(const char *a, size_t na, const char *b, size_t nb, const char *what)
{
    if (na == nb && memcmp(a, b, na) == 0)
        return;
    size_t line = 1, k = 0;
    while (k < na && k < nb && a[k] == b[k])
        line += a[k++] == '\n';
    cr_assert_fail("%s differs from the committed corpus at line %zu (sizes %zu vs %zu); "
                   "regenerate with `build/bht golden --out golden/v1` if the change is intended",
                   what, line, na, nb);
}

/* manifest.json line by line, skipping the "generator" line. */
static void expect_same_manifest(const char *a, const char *b)
{
    const char *pa = a, *pb = b;
    for (size_t line = 1;; line++) {
        const char *ea = strchr(pa, '\n'), *eb = strchr(pb, '\n');
        if (!ea || !eb) {
            cr_assert(!ea && !eb && strcmp(pa, pb) == 0, "manifest differs at line %zu", line);
            return;
        }
        size_t la = (size_t)(ea - pa), lb = (size_t)(eb - pb);
        int generator = strncmp(pa, "  \"generator\":", 14) == 0;
        cr_assert(generator == (strncmp(pb, "  \"generator\":", 14) == 0),
                  "manifest layout differs at line %zu", line);
        if (!generator)
            cr_assert(la == lb && memcmp(pa, pb, la) == 0, "manifest differs at line %zu: %.*s",
                      line, (int)la, pa);
        pa = ea + 1;
        pb = eb + 1;
    }
}

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/bht-golden-test-XXXXXX");
    cr_assert(dir != NULL);
    cr_assert(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    return dir;
}

/* ---------------------------------------------------------- reproducible */

Test(cli_golden, regenerates_committed_corpus_bit_for_bit, .timeout = 120)
{
    char committed[4096], path[4200];
    golden_dir(committed, sizeof committed);
    char *dir = make_temp_dir();
    run_result r = RUN("golden", "--out", dir);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_empty(r.err, "no progress output when stderr is not a terminal: %s", r.err);
    cr_assert_eq(count_lines(r.out), 1, "one summary line: %s", r.out);
    cr_assert(strstr(r.out, "vectors") != NULL);
    run_free(&r);
    for (size_t k = 0; k < FILE_COUNT; k++) {
        size_t na, nb;
        snprintf(path, sizeof path, "%s/%s", dir, FILES_AT(k));
        char *fresh = read_file(path, &na);
        snprintf(path, sizeof path, "%s/%s", committed, FILES_AT(k));
        char *old = read_file(path, &nb);
        expect_same_bytes(fresh, na, old, nb, FILES_AT(k));
        free(fresh);
        free(old);
    }
    size_t na, nb;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *fresh = read_file(path, &na);
    snprintf(path, sizeof path, "%s/manifest.json", committed);
    char *old = read_file(path, &nb);
    expect_same_manifest(fresh, old);
    free(fresh);
    free(old);
    remove_tree(dir);
    free(dir);
}

Test(cli_golden, shards_concatenate_to_the_full_corpus, .timeout = 120)
{
    char committed[4096], path[4200];
    golden_dir(committed, sizeof committed);
    char *dirs[3];
    for (int k = 0; k < 3; k++) {
        dirs[k] = make_temp_dir();
        char shard[8];
        snprintf(shard, sizeof shard, "%d/3", k + 1);
        run_result r = RUN("golden", "--out", dirs[k], "--shard", shard);
        cr_assert_eq(r.status, 0, "shard %s: %s", shard, r.err);
        run_free(&r);
    }
    for (size_t f = 0; f < FILE_COUNT; f++) {
        size_t total = 0, nb;
        char *parts[3];
        size_t lengths[3];
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/%s", dirs[k], FILES_AT(f));
            parts[k] = read_file(path, &lengths[k]);
            cr_assert_gt(lengths[k], 0, "shard %d of %s is empty", k + 1, FILES_AT(f));
            total += lengths[k];
        }
        char *joined = malloc(total + 1);
        cr_assert(joined != NULL);
        size_t at = 0;
        for (int k = 0; k < 3; k++) {
            memcpy(joined + at, parts[k], lengths[k]);
            at += lengths[k];
            free(parts[k]);
        }
        snprintf(path, sizeof path, "%s/%s", committed, FILES_AT(f));
        char *old = read_file(path, &nb);
        expect_same_bytes(joined, total, old, nb, FILES_AT(f));
        free(old);
        free(joined);
    }
    for (int k = 0; k < 3; k++) {
        size_t n;
        snprintf(path, sizeof path, "%s/manifest.json", dirs[k]);
        char *m = read_file(path, &n);
        char expect[64];
        snprintf(expect, sizeof expect, "\"shard\": {\"k\": %d, \"n\": 3}", k + 1);
        cr_assert(strstr(m, expect) != NULL, "manifest of shard %d lacks %s", k + 1, expect);
        free(m);
        remove_tree(dirs[k]);
        free(dirs[k]);
    }
}

/* The committed manifest's digests and counts describe the committed files. */
Test(cli_golden, committed_manifest_matches_files)
{
    char committed[4096], path[4200];
    golden_dir(committed, sizeof committed);
    size_t n;
    snprintf(path, sizeof path, "%s/manifest.json", committed);
    char *text = read_file(path, &n);
    json_value m;
    json_error err;
    cr_assert_eq(json_parse(text, n, &m, &err), JSON_OK, "manifest.json:%zu: %s", err.column,
                 err.reason);
    free(text);
    const json_value *files = json_member(&m, "files");
    cr_assert(files && files->count == FILE_COUNT);
    for (size_t k = 0; k < FILE_COUNT; k++) {
        const json_value *entry = json_member(files, FILES_AT(k));
        cr_assert(entry != NULL, "manifest lacks %s", FILES_AT(k));
        const json_value *sha = json_member(entry, "sha256");
        int64_t bytes;
        cr_assert(sha && sha->type == JSON_STRING);
        cr_assert_eq(json_to_int64(json_member(entry, "bytes"), &bytes), 0);
        snprintf(path, sizeof path, "%s/%s", committed, FILES_AT(k));
        size_t len;
        char *data = read_file(path, &len);
        struct sha256_ctx ctx; /* nettle's; the committed digests came from bht's own code */
        char hex[65];
        sha256_init(&ctx);
        sha256_update(&ctx, len, (const uint8_t *)data);
        cli_sha256_hex(&ctx, hex);
        cr_assert_str_eq(hex, sha->text, "%s: SHA-256 differs from the manifest", FILES_AT(k));
        cr_assert_eq((size_t)bytes, len);
        free(data);
    }
    const json_value *flags = json_member(&m, "flags");
    cr_assert(flags && flags->count == bht_golden_flag_count());
    json_free(&m);
}

Test(cli_golden, usage_errors)
{
    run_result r = RUN("golden");
    expect_failure(&r, 2, "--out", NULL);
    r = RUN("golden", "--out", "/tmp/x", "--shard", "0/3");
    expect_failure(&r, 2, "--shard", NULL);
    r = RUN("golden", "--out", "/tmp/x", "--shard", "4/3");
    expect_failure(&r, 2, "--shard", NULL);
    r = RUN("golden", "--out", "/tmp/x", "--shard", "abc");
    expect_failure(&r, 2, "--shard", NULL);
    r = RUN("golden", "--out", "/dev/null");
    expect_failure(&r, 2, "/dev/null", NULL);
    r = RUN("golden", "--out", "/tmp/x", "--bogus");
    expect_failure(&r, 2, "--bogus", NULL);
    r = RUN("golden", "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "usage: bht golden") != NULL);
    run_free(&r);
}

/* ------------------------------------------------------------------ check */

static const char SMALL_GOLDEN[] =
    "{\"tcId\":1,\"fn\":\"f\",\"inputs\":{},\"expected\":{\"p\":[\"0x1p+0\",\"0x1p-1\"]},"
    "\"tol\":{\"ulp\":2},\"flags\":[],\"comment\":\"\",\"result\":\"valid\"}\n"
    "{\"tcId\":2,\"fn\":\"f\",\"inputs\":{},\"expected\":{\"h\":\"0x1.8p+1\",\"t\":\"0x0p+0\"},"
    "\"tol\":{\"ulp\":2},\"flags\":[],\"comment\":\"\",\"result\":\"valid\"}\n"
    "\n"
    "{\"tcId\":3,\"fn\":\"g\",\"inputs\":{},\"expected\":{},\"tol\":{\"ulp\":2},\"flags\":[],"
    "\"comment\":\"\",\"result\":\"invalid\"}\n"
    "{\"tcId\":4,\"fn\":\"g\",\"inputs\":{},\"expected\":{\"v\":\"0x1p+0\"},\"tol\":{\"ulp\":2},"
    "\"flags\":[\"beyond_kernel_domain\"],\"comment\":\"\",\"result\":\"valid\"}\n"
    "{\"tcId\":5,\"fn\":\"g\",\"inputs\":{},\"expected\":{\"m\":{\"rows\":1,\"cols\":2,\"data\":"
    "[\"0x1p+0\",\"0x1p+1\"]}},\"tol\":{\"ulp\":0,\"abs\":\"0x1p-10\"},\"flags\":[],"
    "\"comment\":\"\",\"result\":\"valid\"}\n";

/* Runs `bht check` on SMALL_GOLDEN and the given results text. */
static run_result check_small(const char *results, char *dir_out, size_t size)
{
    char *dir = make_temp_dir();
    char g[4200], r[4200];
    snprintf(g, sizeof g, "%s/golden.jsonl", dir);
    snprintf(r, sizeof r, "%s/results.jsonl", dir);
    write_file(g, SMALL_GOLDEN);
    write_file(r, results);
    run_result out = RUN("check", g, r);
    snprintf(dir_out, size, "%s", dir);
    free(dir);
    return out;
}

static void check_row(const char *out, const char *fn, const char *expected_row)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "\n%s ", fn);
    const char *row = strstr(out, prefix);
    cr_assert(row != NULL, "no row for %s in:\n%s", fn, out);
    row++;
    const char *end = strchr(row, '\n');
    cr_assert(end != NULL);
    /* Compare whitespace-collapsed. */
    char collapsed[256];
    size_t k = 0;
    int blank = 0;
    for (const char *c = row; c < end && k + 2 < sizeof collapsed; c++) {
        if (*c == ' ') {
            blank = 1;
            continue;
        }
        if (blank && k)
            collapsed[k++] = ' ';
        blank = 0;
        collapsed[k++] = *c;
    }
    collapsed[k] = '\0';
    cr_assert_str_eq(collapsed, expected_row, "row for %s in:\n%s", fn, out);
}

Test(cli_check, all_pass)
{
    char dir[4096];
    run_result r = check_small(
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n"
        "{\"tcId\":2,\"outputs\":{\"h\":\"0x1.8000000000001p+1\",\"t\":0}}\n"
        "{\"tcId\":3,\"rejected\":true}\n"
        "{\"tcId\":4,\"rejected\":true}\n"
        "{\"tcId\":5,\"outputs\":{\"m\":[\"1\", 2]}}\n"
        "{\"tcId\":99,\"outputs\":{}}\n",
        dir, sizeof dir);
    cr_assert_eq(r.status, 0, "stdout: %s stderr: %s", r.out, r.err);
    cr_assert_str_empty(r.err);
    /* fn valid checked max mean worst over_tol rejected rej_ok invalid rejected accepted missing
     * inf_err */
    check_row(r.out, "f", "f 2 2 1.000 0.500 2 0 0 0 0 0 0 0 0");
    check_row(r.out, "g", "g 2 1 0.000 0.000 5 0 0 1 1 1 0 0 0");
    cr_assert(strstr(r.out, "PASS: 5 vectors") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "1 results have tcIds not in the golden files") != NULL, "%s", r.out);
    run_free(&r);
    remove_tree(dir);
}

Test(cli_check, every_failure_kind)
{
    char dir[4096];
    run_result r = check_small(
        "{\"tcId\":1,\"outputs\":{\"p\":[\"0x1.0000000000003p+0\",\"0x1p-1\"]}}\n" /* 3 ulp */
        "{\"tcId\":2,\"rejected\":true}\n"                                          /* valid rejected */
        "{\"tcId\":3,\"outputs\":{\"v\":\"nan\"}}\n"                                 /* invalid accepted */
        "{\"tcId\":5,\"outputs\":{\"m\":[\"1.01\", 2]}}\n",                          /* over abs */
        dir, sizeof dir);
    cr_assert_eq(r.status, 5, "stdout: %s stderr: %s", r.out, r.err);
    check_row(r.out, "f", "f 2 1 3.000 3.000 1 1 1 0 0 0 0 0 0");
    check_row(r.out, "g", "g 2 1 4.5e+13 4.5e+13 5 1 0 0 1 0 1 1 0");
    cr_assert(strstr(r.out, "FAIL: 2 over tol, 1 valid rejected, 1 invalid accepted, 1 missing")
                  != NULL,
              "%s", r.out);
    run_free(&r);
    remove_tree(dir);

    /* A missing output member or a wrong length is a failure, not malformed. */
    r = check_small("{\"tcId\":1,\"outputs\":{\"p\":[\"1\"]}}\n"
                    "{\"tcId\":2,\"outputs\":{\"h\":\"3\"}}\n"
                    "{\"tcId\":5,\"outputs\":{\"m\":[\"1.0009765625\", 2]}}\n", /* within abs */
                    dir, sizeof dir);
    cr_assert_eq(r.status, 5, "stdout: %s stderr: %s", r.out, r.err);
    check_row(r.out, "f", "f 2 2 inf - 1 2 0 0 0 0 0 0 2");
    check_row(r.out, "g", "g 2 1 4.4e+12 4.4e+12 5 0 0 0 1 0 0 2 0");
    run_free(&r);
    remove_tree(dir);
}

Test(cli_check, malformed_results_name_file_and_line)
{
    static const char *const bad[] = {
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":2,\"outp",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n[1,2]\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":\"2\",\"outputs\":{}}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":2.5,\"outputs\":{}}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":1,\"outputs\":{\"p\":[1,1]}}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":2,\"outputs\":{\"h\":[{}]}}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":2,\"outputs\":{\"h\":\"x\"}}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":2,\"rejected\":1}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":2,\"rejected\":true,\"outputs\":{}}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":2}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n{\"tcId\":2,\"outputs\":[]}\n",
        "{\"tcId\":1,\"outputs\":{\"p\":[1, \"0.5\"]}}\n\x01\n",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char dir[4096];
        run_result r = check_small(bad[k], dir, sizeof dir);
        expect_failure(&r, 2, "results.jsonl:2", NULL);
        remove_tree(dir);
    }
}

Test(cli_check, malformed_golden_and_usage)
{
    char *dir = make_temp_dir();
    char g[4200], r[4200];
    snprintf(g, sizeof g, "%s/golden.jsonl", dir);
    snprintf(r, sizeof r, "%s/results.jsonl", dir);
    write_file(r, "{\"tcId\":1,\"rejected\":true}\n");
    static const char *const bad[] = {
        "{\"tcId\":1,\"fn\":\"f\",\"expected\":{},\"tol\":{\"ulp\":2},\"result\":\"maybe\"}\n",
        "{\"tcId\":1,\"fn\":\"f\",\"expected\":{},\"tol\":{\"ulp\":2},\"result\":\"valid\"}\n",
        "{\"tcId\":1,\"fn\":\"f\",\"expected\":{\"p\":[1]},\"tol\":{\"ulp\":2},\"result\":\"valid\"}\n",
        "{\"tcId\":1,\"fn\":\"f\",\"expected\":{\"p\":\"1\"},\"tol\":{},\"result\":\"valid\"}\n",
        "{\"tcId\":1,\"fn\":\"f\",\"expected\":{\"p\":\"1\"},\"tol\":{\"ulp\":2},\"result\":\"valid\"}"
        "\n{\"tcId\":1,\"fn\":\"f\",\"expected\":{},\"tol\":{\"ulp\":2},\"result\":\"invalid\"}\n",
        "{\"tcId\":1,\"fn\":\"f\",\"expected\":{\"m\":{\"rows\":2,\"cols\":2,\"data\":[\"1\"]}},"
        "\"tol\":{\"ulp\":2},\"result\":\"valid\"}\n",
        "{\"tcId\":1,\"fn\":\"f\",\"expected\":{\"p\":\"1\"},\"tol\":{\"ulp\":2},\"flags\":[1],"
        "\"result\":\"valid\"}\n",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        write_file(g, bad[k]);
        run_result out = RUN("check", g, r);
        expect_failure(&out, 2, k == 4 ? "tcId 1 appears twice" : "golden.jsonl:", NULL);
    }
    run_result out = RUN("check", g);
    expect_failure(&out, 2, "RESULTS", NULL);
    out = RUN("check", "/nonexistent/golden.jsonl", r);
    expect_failure(&out, 2, "/nonexistent/golden.jsonl", NULL);
    out = RUN("check", "--bogus", g, r);
    expect_failure(&out, 2, "--bogus", NULL);
    remove_tree(dir);
    free(dir);
}

/* The committed corpus graded against its own expected values (as another
 * implementation with perfect results would report): PASS, 0 ulp. */
Test(cli_check, committed_corpus_against_itself, .timeout = 60)
{
    char committed[4096], path[4200];
    golden_dir(committed, sizeof committed);
    char *dir = make_temp_dir();
    char results[4200];
    snprintf(results, sizeof results, "%s/results.jsonl", dir);
    FILE *out = fopen(results, "wb");
    cr_assert(out != NULL);
    size_t valid_count = 0, invalid_count = 0;
    for (size_t k = 0; k < FILE_COUNT; k++) {
        snprintf(path, sizeof path, "%s/%s", committed, FILES_AT(k));
        size_t n;
        char *text = read_file(path, &n);
        /* Copy the "expected" object text of each line into "outputs". */
        for (char *line = text; *line;) {
            char *end = strchr(line, '\n');
            cr_assert(end != NULL);
            *end = '\0'; /* search this line only */
            const char *id = strstr(line, "\"tcId\":"), *e = strstr(line, "\"expected\":");
            const char *t = strstr(line, ",\"tol\":");
            cr_assert(id && e && t && e < t);
            long long tcid = strtoll(id + 7, NULL, 10);
            int valid = strstr(line, "\"result\":\"valid\"") != NULL;
            valid_count += (size_t)valid;
            invalid_count += (size_t)!valid;
            if (valid)
                fprintf(out, "{\"tcId\":%lld,\"outputs\":%.*s}\n", tcid, (int)(t - (e + 11)),
                        e + 11);
            else
                fprintf(out, "{\"tcId\":%lld,\"rejected\":true}\n", tcid);
            line = end + 1;
        }
        free(text);
    }
    cr_assert_eq(fclose(out), 0);
    char g[MAX_FILES][4200];
    char *args[MAX_FILES + 3];
    size_t argc = 0;
    args[argc++] = "check";
    for (size_t k = 0; k < FILE_COUNT; k++) {
        snprintf(g[k], sizeof g[k], "%s/%s", committed, FILES_AT(k));
        args[argc++] = g[k];
    }
    args[argc++] = results;
    args[argc] = NULL;
    run_result r = run_argv(args);
    cr_assert_eq(r.status, 0, "stdout: %s stderr: %s", r.out, r.err);
    cr_assert(strstr(r.out, "PASS") != NULL, "%s", r.out);
    /* Every valid vector checked at 0 ulp, every invalid one rejected; the
     * worst is the first vector (all errors are 0). */
    char row[160];
    snprintf(row, sizeof row, "all %zu %zu 0.000 0.000 100001 0 0 0 %zu %zu 0 0 0", valid_count,
             valid_count, invalid_count, invalid_count);
    check_row(r.out, "all", row);
    run_free(&r);
    remove_tree(dir);
    free(dir);
}
