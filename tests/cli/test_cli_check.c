/* test_cli_check.c: `bht check` as a new user meets it (issue 16): a golden
 * directory or manifest with SHA-256 verification (digests from coreutils'
 * sha256sum, an independent implementation), Python's NaN / Infinity,
 * --list, --tol, named missing keys, finite mean plus inf_err, arguments in
 * any order, results on standard input, exit 5 for failures. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "cli_harness.h"

static const char GOLDEN[] =
    "{\"tcId\":1,\"fn\":\"f\",\"inputs\":{},\"expected\":{\"p\":[\"0x1p+0\",\"0x1p-1\"]},"
    "\"tol\":{\"ulp\":2},\"flags\":[],\"comment\":\"\",\"result\":\"valid\"}\n"
    "{\"tcId\":2,\"fn\":\"f\",\"inputs\":{},\"expected\":{\"h\":\"nan\",\"t\":\"inf\","
    "\"u\":\"-inf\"},\"tol\":{\"ulp\":0},\"flags\":[],\"comment\":\"\",\"result\":\"valid\"}\n"
    "{\"tcId\":3,\"fn\":\"g\",\"inputs\":{},\"expected\":{},\"tol\":{\"ulp\":2},\"flags\":[],"
    "\"comment\":\"\",\"result\":\"invalid\"}\n"
    "{\"tcId\":4,\"fn\":\"g\",\"inputs\":{},\"expected\":{\"v\":\"0x1p+0\",\"w\":\"2\"},"
    "\"tol\":{\"ulp\":2},\"flags\":[],\"comment\":\"\",\"result\":\"valid\"}\n";

/* Python json.dumps output for a perfect implementation. */
static const char PERFECT[] = "{\"tcId\": 1, \"outputs\": {\"p\": [1.0, 0.5]}}\n"
                              "{\"tcId\": 2, \"outputs\": {\"h\": NaN, \"t\": Infinity, "
                              "\"u\": -Infinity}}\n"
                              "{\"tcId\": 3, \"rejected\": true}\n"
                              "{\"tcId\": 4, \"outputs\": {\"v\": 1.0, \"w\": 2.0}}\n";

typedef struct fixture {
    char dir[64], golden[96], manifest[96], results[96];
} fixture;

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "%s: %s", path, strerror(errno));
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);
}

/* sha256sum's digest of path (posix_spawn, stdout captured). */
static void coreutils_sha256(const char *path, char hex[65])
{
    char *argv[] = {"/usr/bin/sha256sum", (char *)path, NULL};
    run_result r = run_spawn(argv, 30);
    cr_assert_eq(r.status, 0, "sha256sum: %s", r.err);
    cr_assert(strlen(r.out) > 64);
    memcpy(hex, r.out, 64);
    hex[64] = '\0';
    run_free(&r);
}

static void setup(fixture *fx, const char *results)
{
    strcpy(fx->dir, "/tmp/bht-check-XXXXXX");
    cr_assert(mkdtemp(fx->dir) != NULL);
    snprintf(fx->golden, sizeof fx->golden, "%s/g.jsonl", fx->dir);
    snprintf(fx->manifest, sizeof fx->manifest, "%s/manifest.json", fx->dir);
    snprintf(fx->results, sizeof fx->results, "%s/results.jsonl", fx->dir);
    put(fx->golden, GOLDEN);
    put(fx->results, results);
    char hex[65], text[512];
    coreutils_sha256(fx->golden, hex);
    snprintf(text, sizeof text,
             "{\n  \"schema\": \"bht-golden/1\",\n  \"files\": {\n    \"g.jsonl\": {\"bytes\": "
             "%zu, \"sha256\": \"%s\"}\n  }\n}\n",
             strlen(GOLDEN), hex);
    put(fx->manifest, text);
}

static void teardown(fixture *fx)
{
    unlink(fx->golden);
    unlink(fx->manifest);
    unlink(fx->results);
    rmdir(fx->dir);
}

Test(check, directory_manifest_and_python_nonfinite)
{
    fixture fx;
    setup(&fx, PERFECT);
    const char *golden_args[] = {fx.dir, fx.manifest, fx.golden};
    for (int k = 0; k < 3; k++) {
        run_result r = RUN("check", (char *)golden_args[k], fx.results);
        cr_assert_eq(r.status, 0, "%s: %s %s", golden_args[k], r.out, r.err);
        cr_assert(strstr(r.out, "PASS: 4 vectors") != NULL, "%s", r.out);
        run_free(&r);
    }
    /* results first: recognised by their first line */
    run_result r = RUN("check", fx.results, fx.dir);
    cr_assert_eq(r.status, 0, "%s %s", r.out, r.err);
    run_free(&r);
    /* a changed golden file no longer matches its manifest */
    FILE *f = fopen(fx.golden, "ab");
    cr_assert(f != NULL);
    fputs("\n", f);
    fclose(f);
    r = RUN("check", fx.dir, fx.results);
    expect_failure(&r, 2, "g.jsonl: does not match", "manifest.json", NULL);
    teardown(&fx);
}

Test(check, list_tol_missing_keys_and_means)
{
    fixture fx;
    setup(&fx, "{\"tcId\": 1, \"outputs\": {\"p\": [\"0x1.0000000000003p+0\", 0.5]}}\n"
               "{\"tcId\": 2, \"outputs\": {\"h\": NaN, \"t\": Infinity}}\n"
               "{\"tcId\": 4, \"outputs\": {\"v\": Infinity, \"w\": 2.0}}\n");
    run_result r = RUN("check", "--list", fx.golden, fx.results);
    cr_assert_eq(r.status, 5, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "fail tcId 1 fn f ulp 3.000: over tol\n") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "fail tcId 2 fn f ulp inf: missing output 'u'\n") != NULL, "%s",
              r.out);
    cr_assert(strstr(r.out, "fail tcId 3 fn g ulp -: no result\n") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "fail tcId 4 fn g ulp inf: over tol\n") != NULL, "%s", r.out);
    run_free(&r);

    /* --tol 3 lets tcId 1 pass; the JSON form lists the rest */
    r = RUN("check", "--json", "--list", "--tol", "3", fx.golden, fx.results);
    cr_assert_eq(r.status, 5, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "\"tcId\": 1,") == NULL, "%s", r.out);
    cr_assert(strstr(r.out, "{\"tcId\": 2, \"fn\": \"f\", \"ulp\": \"inf\", \"reason\": "
                            "\"missing output 'u'\"}")
                  != NULL,
              "%s", r.out);
    cr_assert(strstr(r.out, "\"inf_err\": 1}") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "\"result\": \"FAIL\"") != NULL, "%s", r.out);
    run_free(&r);
    teardown(&fx);
}

Test(check, row_values)
{
    fixture fx;
    setup(&fx, "{\"tcId\": 1, \"outputs\": {\"p\": [\"0x1.0000000000003p+0\", 0.5]}}\n"
               "{\"tcId\": 2, \"outputs\": {\"h\": NaN, \"t\": Infinity}}\n"
               "{\"tcId\": 3, \"rejected\": true}\n"
               "{\"tcId\": 4, \"outputs\": {\"v\": 1.0, \"w\": \"0x1.0000000000001p+1\"}}\n");
    run_result r = RUN("check", fx.golden, fx.results);
    cr_assert_eq(r.status, 5, "%s %s", r.out, r.err);
    /* collapse blanks of the f and g rows */
    char rows[512];
    size_t k = 0;
    int blank = 0;
    for (const char *c = strstr(r.out, "\nf "); c && *c && k + 2 < sizeof rows; c++) {
        if (*c == ' ') {
            blank = 1;
            continue;
        }
        if (blank)
            rows[k++] = ' ';
        blank = 0;
        rows[k++] = *c;
    }
    rows[k] = '\0';
    /* fn valid checked max mean worst over_tol rejected rej_ok invalid rejected accepted
     * missing inf_err: f has errors 3 and inf (mean 3), g has 1 ulp */
    cr_assert(strstr(rows, "\nf 2 2 inf 3.000 2 2 0 0 0 0 0 0 1\n"
                           "g 1 1 1.000 1.000 4 0 0 0 1 1 0 0 0\n")
                  != NULL,
              "%s", r.out);
    cr_assert(strstr(rows, "\nall 3 3 inf 2.000 2 2 0 0 1 1 0 0 1\n") != NULL, "%s", r.out);
    run_free(&r);
    teardown(&fx);
}

Test(check, argument_errors_are_explained)
{
    fixture fx;
    setup(&fx, PERFECT);
    run_result r = RUN("check", fx.golden, fx.golden);
    expect_failure(&r, 2, "no results file among the arguments", NULL);
    r = RUN("check", fx.results, fx.golden, fx.results);
    expect_failure(&r, 2, "duplicate result for tcId 1", NULL);
    r = RUN("check", fx.golden, fx.results, "--tol", "-1");
    expect_failure(&r, 2, "--tol", NULL);
    put(fx.manifest, "{\"schema\": \"other\"}\n");
    r = RUN("check", fx.dir, fx.results);
    expect_failure(&r, 2, "not a golden manifest", NULL);
    teardown(&fx);
}

Test(check, results_from_stdin)
{
    fixture fx;
    setup(&fx, PERFECT);
    const char *bht = getenv("BHT");
    char *argv[] = {(char *)bht, "check", fx.dir, "-", NULL};
    posix_spawn_file_actions_t actions;
    cr_assert_eq(posix_spawn_file_actions_init(&actions), 0);
    cr_assert_eq(posix_spawn_file_actions_addopen(&actions, 0, fx.results, O_RDONLY, 0), 0);
    cr_assert_eq(posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0), 0);
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, bht, &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    int ws = 0;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "status %d", ws);
    teardown(&fx);
}

Test(check, shards_of_one_run_are_graded_together)
{
    fixture fx;
    setup(&fx, "{\"tcId\": 1, \"outputs\": {\"p\": [1.0, 0.5]}}\n"
               "{\"tcId\": 3, \"rejected\": true}\n");
    char second[128];
    snprintf(second, sizeof second, "%s/results2.jsonl", fx.dir);
    put(second, "{\"tcId\": 2, \"outputs\": {\"h\": NaN, \"t\": Infinity, \"u\": -Infinity}}\n"
                "{\"tcId\": 4, \"outputs\": {\"v\": 1.0, \"w\": 2.0}}\n");
    run_result r = RUN("check", fx.dir, fx.results, second);
    cr_assert_eq(r.status, 0, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "PASS: 4 vectors") != NULL, "%s", r.out);
    run_free(&r);
    /* one shard alone: the other's vectors are missing */
    r = RUN("check", fx.dir, second);
    cr_assert_eq(r.status, 5, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "2 missing") != NULL, "%s", r.out);
    run_free(&r);
    unlink(second);
    teardown(&fx);
}
