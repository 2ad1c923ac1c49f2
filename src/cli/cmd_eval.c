/* cmd_eval.c: `bht eval GOLDEN... [--oracle] [--out FILE]` runs bht's double
 * kernels (or its oracles) over the inputs of golden vectors (golden/FORMAT.md,
 * or any file in that format) and writes a results file that `bht check`
 * grades: a batch oracle for other projects' test suites.  A vector the
 * library refuses (bad input, or a kernel that cannot certify its budget) is
 * written as {"tcId": N, "rejected": true}. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bht_tools.h"
#include "cli.h"
#include "commands.h"
#include "json.h"
#include "jsonl.h"

void cli_eval_help(FILE *out)
{
    fprintf(out,
            "usage: bht eval [--oracle] [--out FILE] GOLDEN...\n"
            "\n"
            "For every vector of the GOLDEN files (a corpus directory, whose\n"
            "manifest.json lists them, or .jsonl files; '-' is standard input) runs\n"
            "bht's double kernel for its fn on its inputs (--oracle: the correctly\n"
            "rounded oracle) and writes one results line, {\"tcId\": N, \"outputs\":\n"
            "{...}} with C99 hex strings, or {\"tcId\": N, \"rejected\": true} when the\n"
            "library refuses (invalid input -- for distance also P or Q not a\n"
            "distribution, as in `bht distance` -- or a kernel that cannot certify its\n"
            "budget), to --out FILE (default standard output).  `bht check GOLDEN\n"
            "RESULTS` grades the file.  Functions: softmax_logits, softmax, leverage,\n"
            "leverage_scores, distance, distance_softmax, distance_leverage, lemma_a1,\n"
            "nu_softmax, nu_leverage, regression_loss, regression_gradient,\n"
            "regression_hessian.\n"
            "Exit codes: 0 ok, 1 internal error, 2 bad usage or a malformed file (the\n"
            "message names FILE:LINE), 3 an oracle reached its precision cap.\n");
}

/* A vector ["v", ...] or matrix {"rows", "cols", "data"} input as doubles. */
typedef struct input {
    size_t rows, cols;
    double *v;
} input;

/* Reads inputs.name; 0 on success, -1 malformed, -2 out of memory.  A
 * vector has cols = 1. */
static int read_input(const json_value *inputs, const char *name, input *in)
{
    const json_value *v = json_member(inputs, name), *data = v;
    memset(in, 0, sizeof *in);
    if (!v)
        return -1;
    in->cols = 1;
    if (v->type == JSON_OBJECT) {
        int64_t r, c;
        data = json_member(v, "data");
        if (json_to_int64(json_member(v, "rows"), &r) || json_to_int64(json_member(v, "cols"), &c)
            || r < 0 || c < 0 || !data || data->type != JSON_ARRAY
            || (uint64_t)r * (uint64_t)c != data->count)
            return -1;
        in->rows = (size_t)r;
        in->cols = (size_t)c;
    } else if (v->type == JSON_ARRAY) {
        in->rows = v->count;
    } else {
        in->rows = 1;
        in->v = malloc(sizeof *in->v);
        if (!in->v)
            return -2;
        return json_to_double(v, 1, in->v) ? -1 : 0;
    }
    in->v = malloc((data->count ? data->count : 1) * sizeof *in->v);
    if (!in->v)
        return -2;
    for (size_t i = 0; i < data->count; i++)
        if (json_to_double(&data->items[i], 1, &in->v[i]))
            return -1;
    return 0;
}

static void put_value(FILE *out, double x)
{
    char buf[BHT_GOLDEN_HEX_SIZE];
    bht_golden_format_double(x, buf);
    fprintf(out, "\"%s\"", buf);
}

static void put_array(FILE *out, const char *key, const double *v, size_t n, int first)
{
    fprintf(out, "%s\"%s\":[", first ? "" : ",", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        put_value(out, v[i]);
    }
    fputc(']', out);
}

static void put_scalar(FILE *out, const char *key, double x, int first)
{
    fprintf(out, "%s\"%s\":", first ? "" : ",", key);
    put_value(out, x);
}

enum { IN_A, IN_B, IN_M, IN_X, IN_S, IN_Z, IN_P, IN_Q, IN_EPS, IN_TARGET, IN_W, IN_COUNT };
static const char *const input_names[IN_COUNT] = {"A", "B", "M", "x", "s", "z", "P", "Q", "eps",
                                                  "b", "w"};

/* Evaluates one vector: writes its result line; returns an exit code (only
 * for out of memory or a precision cap; refusals are results). */
static int eval_vector(FILE *out, int64_t tcid, const char *fn, const json_value *inputs,
                       int oracle, int *unknown)
{
    input in[IN_COUNT];
    int have[IN_COUNT];
    for (int k = 0; k < IN_COUNT; k++) {
        have[k] = read_input(inputs, input_names[k], &in[k]);
        if (have[k] == -2) {
            for (int j = 0; j <= k; j++)
                free(in[j].v);
            return cli_error(CLI_EXIT_INTERNAL, "eval: out of memory");
        }
    }
#define OK(k) (have[k] == 0)
    const input *A = &in[IN_A], *B = &in[IN_B], *M = &in[IN_M];
    size_t n = A->rows, d = A->cols;
    bht_status s = BHT_E_INVALID;
    /* p: n (or |z|) + |P| values, or d*d for the regression Hessian */
    size_t plen = (n > in[IN_Z].rows ? n : in[IN_Z].rows) + in[IN_P].rows + 1;
    if (d * d + 1 > plen)
        plen = d * d + 1;
    double *p = malloc(plen * sizeof *p);
    bht_distances dist;
    bht_lemma_a1_bounds lemma;
    bht_local_result local;
    double loss = 0.0;
    int kind = 0; /* 1 vector p/h, 2 distances, 3 lemma, 4 local, 5 loss */
    const char *vector_key = "p";
    size_t vector_len = 0;
    *unknown = 0;
    if (!p) {
        s = BHT_E_NOMEM;
    } else if (strcmp(fn, "softmax_logits") == 0) {
        kind = 1, vector_len = in[IN_Z].rows;
        if (OK(IN_Z) && in[IN_Z].cols == 1)
            s = oracle ? bht_oracle_softmax_logits(vector_len, in[IN_Z].v, p, NULL, NULL)
                       : bht_softmax_logits(vector_len, in[IN_Z].v, p);
    } else if (strcmp(fn, "softmax") == 0) {
        kind = 1, vector_len = n;
        if (OK(IN_A) && OK(IN_X) && in[IN_X].rows == d)
            s = oracle ? bht_oracle_softmax(n, d, A->v, in[IN_X].v, p, NULL, NULL)
                       : bht_softmax(n, d, A->v, in[IN_X].v, p);
    } else if (strcmp(fn, "leverage") == 0 || strcmp(fn, "leverage_scores") == 0) {
        int scores = fn[8] == '_';
        kind = 1, vector_len = n, vector_key = scores ? "h" : "p";
        double *h = malloc((n ? n : 1) * sizeof *h);
        if (!h)
            s = BHT_E_NOMEM;
        else if (OK(IN_A) && (!OK(IN_S) ? have[IN_S] == -1 && !json_member(inputs, "s")
                                        : in[IN_S].rows == n)) {
            const double *sv = OK(IN_S) ? in[IN_S].v : NULL;
            s = oracle ? bht_oracle_leverage(n, d, A->v, sv, p, h, NULL, NULL, NULL)
                       : bht_leverage(n, d, A->v, sv, p, h, NULL);
            if (s == BHT_OK && scores)
                memcpy(p, h, n * sizeof *p);
        }
        free(h);
    } else if (strcmp(fn, "distance") == 0) {
        kind = 2;
        /* as `bht distance`: P and Q must be distributions (decided exactly) */
        if (OK(IN_P) && OK(IN_Q) && in[IN_P].rows == in[IN_Q].rows
            && bht_check_distribution(in[IN_P].rows, in[IN_P].v, NULL, NULL) == BHT_OK
            && bht_check_distribution(in[IN_Q].rows, in[IN_Q].v, NULL, NULL) == BHT_OK)
            s = oracle ? bht_oracle_distance(in[IN_P].rows, in[IN_P].v, in[IN_Q].v, &dist, NULL,
                                             NULL)
                       : bht_distance(in[IN_P].rows, in[IN_P].v, in[IN_Q].v, &dist);
    } else if (strcmp(fn, "distance_softmax") == 0 || strcmp(fn, "distance_leverage") == 0) {
        int lev = fn[9] == 'l';
        int q = lev ? IN_S : IN_X;
        kind = 2;
        if (OK(IN_A) && OK(IN_B) && OK(q) && B->rows == n && B->cols == d
            && in[q].rows == (lev ? n : d))
            s = oracle ? (lev ? bht_oracle_distance_leverage : bht_oracle_distance_softmax)(
                             n, d, A->v, B->v, in[q].v, &dist, NULL, NULL)
                       : (lev ? bht_distance_leverage : bht_distance_softmax)(n, d, A->v, B->v,
                                                                             in[q].v, &dist);
    } else if (strcmp(fn, "lemma_a1") == 0) {
        kind = 3;
        if (OK(IN_EPS) && in[IN_EPS].rows == 1)
            s = oracle ? bht_oracle_lemma_a1(in[IN_EPS].v[0], &lemma, NULL, NULL)
                       : bht_lemma_a1(in[IN_EPS].v[0], &lemma);
    } else if (strcmp(fn, "nu_softmax") == 0 || strcmp(fn, "nu_leverage") == 0) {
        int lev = fn[3] == 'l';
        kind = 4, vector_len = n;
        int q = lev ? IN_S : IN_X;
        if (OK(IN_A) && OK(IN_M) && M->rows == n && M->cols == d && OK(q)
            && in[q].rows == (lev ? n : d)) {
            if (lev)
                s = oracle ? bht_oracle_nu_leverage(n, d, A->v, M->v, in[q].v, &local, p, NULL,
                                                    NULL)
                           : bht_nu_leverage(n, d, A->v, M->v, in[q].v, &local, p);
            else
                s = oracle ? bht_oracle_nu_softmax(n, d, A->v, M->v, in[q].v, &local, p, NULL,
                                                   NULL)
                           : bht_nu_softmax(n, d, A->v, M->v, in[q].v, &local, p);
        }
    } else if (strncmp(fn, "regression_", 11) == 0
               && (strcmp(fn + 11, "loss") == 0 || strcmp(fn + 11, "gradient") == 0
                   || strcmp(fn + 11, "hessian") == 0)) {
        /* one output per function, as the corpus grades it */
        char which = fn[11];
        kind = which == 'l' ? 5 : 1;
        vector_key = which == 'g' ? "gradient" : "hessian";
        vector_len = which == 'g' ? d : d * d;
        if (OK(IN_A) && OK(IN_TARGET) && OK(IN_X) && in[IN_TARGET].rows == n
            && in[IN_X].rows == d && (!OK(IN_W) || in[IN_W].rows == n)
            && (OK(IN_W) || (have[IN_W] == -1 && !json_member(inputs, "w")))) {
            const double *wv = OK(IN_W) ? in[IN_W].v : NULL;
            double *lp = which == 'l' ? &loss : NULL;
            double *gp = which == 'g' ? p : NULL, *hp = which == 'h' ? p : NULL;
            s = oracle ? bht_oracle_regression(n, d, A->v, in[IN_TARGET].v, wv, in[IN_X].v, lp,
                                               gp, hp, NULL, NULL)
                       : bht_regression(n, d, A->v, in[IN_TARGET].v, wv, in[IN_X].v, lp, gp,
                                        hp, NULL);
        }
    } else {
        *unknown = 1;
    }
#undef OK
    int rc = CLI_EXIT_OK;
    if (s == BHT_E_NOMEM)
        rc = cli_error(CLI_EXIT_INTERNAL, "eval: out of memory");
    else if (oracle && s == BHT_E_PRECISION)
        rc = cli_error(CLI_EXIT_NUMERIC, "eval: tcId %lld: the oracle reached its precision cap",
                       (long long)tcid);
    else if (!*unknown && s != BHT_OK)
        fprintf(out, "{\"tcId\":%lld,\"rejected\":true}\n", (long long)tcid);
    else if (!*unknown) {
        fprintf(out, "{\"tcId\":%lld,\"outputs\":{", (long long)tcid);
        if (kind == 1)
            put_array(out, vector_key, p, vector_len, 1);
        if (kind == 2) {
            put_scalar(out, "hellinger2", dist.hellinger2, 1);
            put_scalar(out, "hellinger", dist.hellinger, 0);
            put_scalar(out, "tv", dist.tv, 0);
        }
        if (kind == 3) {
            put_scalar(out, "h2max", lemma.h2max, 1);
            put_scalar(out, "tvmax", lemma.tvmax, 0);
        }
        if (kind == 4) {
            put_scalar(out, "nu", local.nu, 1);
            put_scalar(out, "local_constant", local.local_constant, 0);
            put_array(out, "derivative", p, vector_len, 0);
        }
        if (kind == 5)
            put_scalar(out, "loss", loss, 1);
        fputs("}}\n", out);
    }
    free(p);
    for (int k = 0; k < IN_COUNT; k++)
        free(in[k].v);
    return rc;
}

typedef struct eval_context {
    FILE *out;
    int oracle;
} eval_context;

/* One golden line. */
static int eval_line(void *context, const json_value *doc, const char *file, size_t line)
{
    const eval_context *ec = context;
    int64_t tcid;
    const json_value *fn = json_member(doc, "fn"), *inputs = json_member(doc, "inputs");
    if (json_to_int64(json_member(doc, "tcId"), &tcid) || !fn || fn->type != JSON_STRING
        || !inputs || inputs->type != JSON_OBJECT)
        return cli_error(CLI_EXIT_USAGE, "%s:%zu: a golden vector needs an integer tcId, a "
                         "string fn and an inputs object", file, line);
    int unknown = 0;
    int rc = eval_vector(ec->out, tcid, fn->text, inputs, ec->oracle, &unknown);
    if (rc == CLI_EXIT_OK && unknown)
        rc = cli_error(CLI_EXIT_USAGE, "%s:%zu: unknown fn '%.64s' (see bht eval --help)", file,
                       line, fn->text);
    return rc;
}

static int eval_manifest_file(void *context, const char *manifest, const char *name,
                              const json_value *entry, const char *file)
{
    (void)manifest;
    (void)name;
    (void)entry;
    return cli_jsonl_foreach(file, 0, eval_line, context);
}

/* A corpus directory: the files its manifest lists, in the manifest's order. */
static int eval_directory(eval_context *ec, const char *path)
{
    return cli_manifest_foreach(path, eval_manifest_file, ec);
}

int cli_eval(int argc, char **argv)
{
    int oracle = 0;
    const char *out_path = NULL;
    const char *paths[256];
    size_t npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_eval_help(stdout);
            return cli_finish_output();
        } else if (strcmp(a, "--oracle") == 0) {
            oracle = 1;
        } else if (strcmp(a, "--out") == 0 || strncmp(a, "--out=", 6) == 0) {
            if (out_path)
                return cli_error(CLI_EXIT_USAGE, "--out: given more than once");
            out_path = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!out_path || !out_path[0])
                return cli_error(CLI_EXIT_USAGE, "--out: missing argument");
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_error(CLI_EXIT_USAGE, "eval: unknown option '%s' (see bht eval --help)",
                             a);
        } else if (npaths == sizeof paths / sizeof paths[0]) {
            return cli_error(CLI_EXIT_USAGE, "eval: too many files");
        } else {
            paths[npaths++] = a;
        }
    }
    if (npaths == 0)
        return cli_error(CLI_EXIT_USAGE, "eval: give GOLDEN files or a corpus directory (see "
                         "bht eval --help)");
    FILE *out = out_path ? fopen(out_path, "wb") : stdout;
    if (!out) {
        int e = errno;
        return cli_error(CLI_EXIT_USAGE, "%s: cannot open for writing: %s", out_path,
                         strerror(e));
    }
    int rc = CLI_EXIT_OK;
    eval_context ec = {out, oracle};
    for (size_t i = 0; i < npaths && rc == CLI_EXIT_OK; i++) {
        struct stat st;
        rc = stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)
                 ? eval_directory(&ec, paths[i])
                 : cli_jsonl_foreach(paths[i], 0, eval_line, &ec);
    }
    if (out_path) {
        if (fclose(out) != 0 && rc == CLI_EXIT_OK)
            rc = cli_error(CLI_EXIT_INTERNAL, "%s: write error", out_path);
        if (rc != CLI_EXIT_OK)
            remove(out_path); /* never leave a partial results file */
        return rc;
    }
    int frc = cli_finish_output();
    return rc != CLI_EXIT_OK ? rc : frc;
}
