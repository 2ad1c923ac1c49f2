/* cmd_golden.c: `bht golden --out DIR [--shard k/N]` writes the golden
 * corpus (golden/FORMAT.md): one NAME.jsonl per fn plus manifest.json.
 *
 * The vectors themselves come from libbht (bht_golden_render, src/golden/golden.c);
 * this file only chooses the shard, writes files, hashes them and writes the
 * manifest.  Shard k of N holds, for every fn, the contiguous index range
 * [floor((k-1) m / N), floor(k m / N)) of that fn's m vectors, so
 * concatenating the shards' NAME.jsonl in order k = 1..N gives the full
 * corpus's NAME.jsonl byte for byte. */
#include <errno.h>
#include <gmp.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bht_tools.h"
#include "cli.h"
#include "commands.h"
#include "sha256.h"

#define GOLDEN_MAX_SHARDS 1000L
#define GOLDEN_MAX_FNS 16

void cli_golden_help(FILE *out)
{
    fprintf(out,
            "usage: bht golden --out DIR [--shard k/N] [--json]\n"
            "\n"
            "Writes the golden test-vector corpus to DIR (created if missing): one JSON\n"
            "Lines file per function (softmax_logits, softmax, leverage, leverage_scores,\n"
            "distance, distance_softmax, distance_leverage, lemma_a1, nu_softmax,\n"
            "nu_leverage: FN.jsonl) and\n"
            "manifest.json (counts, flag descriptions, SHA-256 of every file).  Format:\n"
            "golden/FORMAT.md.  The .jsonl files are deterministic: the same command\n"
            "regenerates them bit for bit on any machine.\n"
            "  --shard k/N   write only the k-th of N parts (1 <= k <= N <= %ld); for every\n"
            "                function the shards 1..N concatenated give the full file\n"
            "Progress is shown on stderr when it is a terminal; a summary line goes to\n"
            "stdout.\n"
            "Exit codes: 0 ok, 1 internal or write error, 2 bad usage or unusable DIR,\n"
            "3 oracle refusal.\n",
            GOLDEN_MAX_SHARDS);
}

/* "k/N" with 1 <= k <= N <= GOLDEN_MAX_SHARDS. */
static int parse_shard(const char *text, long *k, long *n)
{
    const char *slash = strchr(text, '/');
    if (!slash || slash == text || slash[1] == '\0' || (size_t)(slash - text) > 10)
        return cli_error(CLI_EXIT_USAGE, "--shard: expected k/N, got '%s'", text);
    char left[16];
    memcpy(left, text, (size_t)(slash - text));
    left[slash - text] = '\0';
    int rc = cli_parse_long("--shard", slash + 1, 1, GOLDEN_MAX_SHARDS, n);
    if (rc != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_parse_long("--shard", left, 1, GOLDEN_MAX_SHARDS, k)) != CLI_EXIT_OK)
        return rc;
    if (*k > *n)
        return cli_error(CLI_EXIT_USAGE, "--shard: k = %ld is larger than N = %ld", *k, *n);
    return CLI_EXIT_OK;
}

static int make_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0777) == 0)
        return CLI_EXIT_OK;
    int e = errno;
    if (e == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return CLI_EXIT_OK;
    return cli_error(CLI_EXIT_USAGE, "%s: cannot create directory: %s", dir,
                     e == EEXIST ? "exists and is not a directory" : strerror(e));
}

/* What was written for one fn. */
typedef struct fn_result {
    const char *name;
    int64_t tcid_base;
    double tol_ulp;
    size_t total_cases;  /* in the full corpus */
    size_t first, count; /* this shard's index range */
    size_t valid, invalid;
    size_t bytes;
    char sha[65];
} fn_result;

/* git describe of the working directory, or "unknown" (never fails).
 * --no-optional-locks: describe --dirty must not rewrite the index. */
static void git_describe(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    const char *env = getenv("BHT_GIT_DESCRIBE");
    if (env && *env) {
        snprintf(out, size, "%s", env);
    } else {
        FILE *p = popen("git --no-optional-locks describe --always --dirty 2>/dev/null", "r");
        if (!p)
            return;
        char line[128];
        if (fgets(line, sizeof line, p)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0])
                snprintf(out, size, "%s", line);
        }
        if (pclose(p) != 0)
            snprintf(out, size, "unknown");
    }
    /* Keep it a plain JSON string. */
    for (char *c = out; *c; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
}

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

/* Opens dir/name for writing: *path (the caller frees it) and *f, or one
 * error line and its exit code. */
static int open_output(const char *dir, const char *name, char **path, FILE **f)
{
    *f = NULL;
    if (!(*path = join_path(dir, name)))
        return cli_error(CLI_EXIT_INTERNAL, "golden: out of memory");
    if (!(*f = fopen(*path, "wb"))) {
        int e = errno;
        int rc = cli_error(CLI_EXIT_USAGE, "%s: cannot open for writing: %s", *path, strerror(e));
        free(*path);
        *path = NULL;
        return rc;
    }
    return CLI_EXIT_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Writes one fn's shard; returns an exit code (error already reported). */
static int write_fn(const char *dir, size_t fn, fn_result *res, int progress, size_t *done,
                    size_t grand_total)
{
    char file[96];
    snprintf(file, sizeof file, "%s.jsonl", res->name);
    char *path;
    FILE *f;
    int orc = open_output(dir, file, &path, &f);
    if (orc != CLI_EXIT_OK)
        return orc;
    struct sha256_ctx sha;
    sha256_init(&sha);
    bht_golden_buffer buf = {0};
    int rc = CLI_EXIT_OK;
    for (size_t i = res->first; i < res->first + res->count; i++) {
        buf.length = 0;
        int valid = 0;
        bht_status s = bht_golden_render(fn, i, &buf, &valid);
        if (s != BHT_OK) {
            rc = cli_error(s == BHT_E_PRECISION ? CLI_EXIT_NUMERIC : CLI_EXIT_INTERNAL,
                           "golden: %s vector %zu: %s", res->name, i, bht_status_message(s));
            break;
        }
        if (fwrite(buf.data, 1, buf.length, f) != buf.length) {
            int e = errno;
            rc = cli_error(CLI_EXIT_INTERNAL, "%s: write error: %s", path, strerror(e));
            break;
        }
        sha256_update(&sha, buf.length, (const uint8_t *)buf.data);
        res->bytes += buf.length;
        if (valid)
            res->valid++;
        else
            res->invalid++;
        ++*done;
        if (progress && (*done % 100 == 0 || *done == grand_total)) {
            fprintf(stderr, "\rbht golden: %-16s %6zu / %zu", res->name, *done, grand_total);
            fflush(stderr);
        }
    }
    bht_golden_buffer_free(&buf);
    if (fclose(f) != 0 && rc == CLI_EXIT_OK) {
        int e = errno;
        rc = cli_error(CLI_EXIT_INTERNAL, "%s: write error: %s", path, strerror(e));
    }
    cli_sha256_hex(&sha, res->sha);
    free(path);
    return rc;
}

static void write_manifest_body(FILE *f, const fn_result *res, size_t count, long k, long n,
                                const char *manifest_note)
{
    char describe[128];
    git_describe(describe, sizeof describe);
    size_t total = 0, valid = 0, invalid = 0;
    for (size_t i = 0; i < count; i++) {
        total += res[i].count;
        valid += res[i].valid;
        invalid += res[i].invalid;
    }
    fprintf(f, "{\n  \"schema\": \"%s\",\n", BHT_GOLDEN_SCHEMA);
    fprintf(f, "  \"generator\": {\"program\": \"bht\", \"version\": \"%s\", "
               "\"git_describe\": \"%s\", \"mpfr\": \"%s\", \"gmp\": \"%s\"},\n",
            BHT_VERSION, describe, mpfr_get_version(), gmp_version);
    fprintf(f, "  \"reproducibility\": \"%s\",\n", manifest_note);
    fprintf(f, "  \"shard\": {\"k\": %ld, \"n\": %ld},\n", k, n);
    fprintf(f, "  \"total\": {\"vectors\": %zu, \"valid\": %zu, \"invalid\": %zu},\n", total,
            valid, invalid);
    fprintf(f, "  \"functions\": {\n");
    for (size_t i = 0; i < count; i++)
        fprintf(f,
                "    \"%s\": {\"file\": \"%s.jsonl\", \"tcIdFirst\": %lld, \"tcIdLast\": %lld, "
                "\"vectors\": %zu, \"valid\": %zu, \"invalid\": %zu, \"tol\": {\"ulp\": %g}, "
                "\"fullCorpusVectors\": %zu}%s\n",
                res[i].name, res[i].name, (long long)(res[i].tcid_base + 1 + (int64_t)res[i].first),
                (long long)(res[i].tcid_base + (int64_t)(res[i].first + res[i].count)),
                res[i].count, res[i].valid, res[i].invalid, res[i].tol_ulp, res[i].total_cases,
                i + 1 < count ? "," : "");
    fprintf(f, "  },\n  \"flags\": {\n");
    size_t flags = bht_golden_flag_count();
    for (size_t i = 0; i < flags; i++)
        fprintf(f, "    \"%s\": \"%s\"%s\n", bht_golden_flag_name(i),
                bht_golden_flag_description(i), i + 1 < flags ? "," : "");
    fprintf(f, "  },\n  \"files\": {\n");
    for (size_t i = 0; i < count; i++)
        fprintf(f, "    \"%s.jsonl\": {\"bytes\": %zu, \"sha256\": \"%s\"}%s\n", res[i].name,
                res[i].bytes, res[i].sha, i + 1 < count ? "," : "");
    fprintf(f, "  }\n}\n");
}

static int write_manifest(const char *dir, const fn_result *res, size_t count, long k, long n)
{
    static const char note[] =
        "Every *.jsonl file is deterministic (identical bytes on every machine). The "
        "manifest's generator object records where it was run and is excluded from "
        "reproducibility comparisons; everything else in this manifest is deterministic.";
    char *path;
    FILE *f;
    int orc = open_output(dir, "manifest.json", &path, &f);
    if (orc != CLI_EXIT_OK)
        return orc;
    write_manifest_body(f, res, count, k, n, note);
    int rc = CLI_EXIT_OK;
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        int e = errno;
        rc = cli_error(CLI_EXIT_INTERNAL, "%s: write error: %s", path, strerror(e));
    }
    free(path);
    return rc;
}

int cli_golden(int argc, char **argv)
{
    const char *out_dir = NULL, *shard_text = NULL;
    int json = 0;
    const cli_option options[] = {
        {"--json", CLI_FLAG, &json, NULL},
        {"--out", CLI_VALUE, NULL, &out_dir},
        {"--shard", CLI_VALUE, NULL, &shard_text},
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_golden_help);
    if (rc != CLI_PARSED)
        return rc;
    if (!out_dir || !*out_dir)
        return cli_error(CLI_EXIT_USAGE, "golden: give --out DIR (see bht golden --help)");
    long k = 1, n = 1;
    if (shard_text && (rc = parse_shard(shard_text, &k, &n)) != CLI_EXIT_OK)
        return rc;
    size_t fn_count = bht_golden_fn_count();
    if (fn_count > GOLDEN_MAX_FNS)
        return cli_error(CLI_EXIT_INTERNAL, "golden: too many functions");
    if ((rc = make_dir(out_dir)) != CLI_EXIT_OK)
        return rc;

    fn_result res[GOLDEN_MAX_FNS];
    memset(res, 0, sizeof res);
    size_t grand_total = 0;
    for (size_t i = 0; i < fn_count; i++) {
        bht_golden_fn_info info;
        if (bht_golden_fn_get(i, &info) != BHT_OK)
            return cli_error(CLI_EXIT_INTERNAL, "golden: no function %zu", i);
        res[i].name = info.name;
        res[i].tcid_base = info.tcid_base;
        res[i].tol_ulp = info.tol_ulp;
        res[i].total_cases = info.cases;
        size_t lo = info.cases * (size_t)(k - 1) / (size_t)n;
        size_t hi = info.cases * (size_t)k / (size_t)n;
        res[i].first = lo;
        res[i].count = hi - lo;
        grand_total += hi - lo;
    }
    int progress = isatty(STDERR_FILENO);
    double start = now_seconds();
    size_t done = 0;
    for (size_t i = 0; i < fn_count; i++)
        if ((rc = write_fn(out_dir, i, &res[i], progress, &done, grand_total)) != CLI_EXIT_OK) {
            if (progress)
                fputc('\n', stderr);
            return rc;
        }
    if (progress) {
        fprintf(stderr, "\r%60s\r", "");
        fflush(stderr);
    }
    if ((rc = write_manifest(out_dir, res, fn_count, k, n)) != CLI_EXIT_OK)
        return rc;
    size_t bytes = 0, valid = 0;
    for (size_t i = 0; i < fn_count; i++) {
        bytes += res[i].bytes;
        valid += res[i].valid;
    }
    if (json) {
        printf("{\"vectors\": %zu, \"valid\": %zu, \"invalid\": %zu, \"files\": %zu, "
               "\"bytes\": %zu, \"shard\": \"%ld/%ld\", \"out\": \"%s\"}\n",
               done, valid, done - valid, fn_count, bytes, k, n, out_dir);
        return cli_finish_output();
    }
    printf("bht golden: %zu vectors (%zu valid, %zu invalid) in %zu files, %.1f MB, shard "
           "%ld/%ld, written to %s in %.1f s\n",
           done, valid, done - valid, fn_count, (double)bytes / 1e6, k, n, out_dir,
           now_seconds() - start);
    return cli_finish_output();
}
