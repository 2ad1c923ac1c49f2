/* bench_softmax.c: timing of the softmax double kernel and the MPFR oracle
 * on one logit vector, for tests/bench/bench.py (`make bench`).
 *
 * usage: bench_softmax --n N --out DIR [--seed S] [--runs R] [--oracle-runs R]
 *                      [--min-sample SECONDS] [--logits FILE]
 *
 * Logits: seeded (SplitMix64 + Box-Muller, as tests/harness.h) normal with
 * mean 950 and sigma 10, plus four entries near +-1000 (1000, -1000, 999.5,
 * -999) when n >= 8.  The mean keeps the distribution non-degenerate (a
 * +1000 entry over mean-0 logits would make every other p_i underflow to 0)
 * while exp(z_i) overflows binary64, so naive exp/sum fails; the -1000
 * entries give exact zeros.  With --logits FILE the logits are instead the
 * raw little-endian binary64 values of FILE (8 n bytes; n from the size).
 *
 * Writes DIR/logits.f64, DIR/double.f64 (bht_softmax_logits) and
 * DIR/oracle.f64 (bht_oracle_softmax_logits), raw little-endian binary64,
 * and prints one JSON object with the timings on stdout:
 *  - double kernel: R samples (default 7), each repeating the call enough
 *    times to last >= --min-sample seconds (default 0.05); the reported time
 *    is the median per-call time over the samples (the minimum is printed too);
 *  - oracle: R single calls (default 3), median (and minimum).
 * Times are CLOCK_MONOTONIC wall-clock seconds.  Exit status 0 on success,
 * 2 on bad usage, 1 on any other failure (message on stderr). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_clock.h"
#include "bht.h"
#include "../harness.h"

typedef struct bench_args {
    size_t n;
    uint64_t seed;
    int runs, oracle_runs;
    double min_sample;
    const char *out_dir;
    const char *logits_path;
} bench_args;

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_softmax --n N --out DIR [--seed S] [--runs R] [--oracle-runs R]\n"
            "                     [--min-sample SECONDS] [--logits FILE]\n");
}

/* Parses an unsigned decimal integer in [lo, hi]; 0 on failure. */
static int parse_size(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '-' || *s == '\0')
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static int parse_args(int argc, char **argv, bench_args *a)
{
    a->n = 0;
    a->seed = 20261124;
    a->runs = 7;
    a->oracle_runs = 3;
    a->min_sample = 0.05;
    a->out_dir = NULL;
    a->logits_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long v;
        if (!val)
            return 0;
        if (strcmp(opt, "--n") == 0 && parse_size(val, 1, BHT_SOFTMAX_MAX_N, &v))
            a->n = (size_t)v;
        else if (strcmp(opt, "--seed") == 0 && parse_size(val, 0, UINT64_MAX, &v))
            a->seed = (uint64_t)v;
        else if (strcmp(opt, "--runs") == 0 && parse_size(val, 1, 1000, &v))
            a->runs = (int)v;
        else if (strcmp(opt, "--oracle-runs") == 0 && parse_size(val, 0, 1000, &v))
            a->oracle_runs = (int)v;
        else if (strcmp(opt, "--min-sample") == 0) {
            char *end;
            a->min_sample = strtod(val, &end);
            if (*end != '\0' || !(a->min_sample >= 0.0 && a->min_sample <= 60.0))
                return 0;
        } else if (strcmp(opt, "--out") == 0)
            a->out_dir = val;
        else if (strcmp(opt, "--logits") == 0)
            a->logits_path = val;
        else
            return 0;
        i++;
    }
    return a->out_dir != NULL && (a->n > 0 || a->logits_path != NULL);
}

/* Raw little-endian binary64 I/O, independent of the host byte order. */
static int write_f64(const char *dir, const char *name, size_t n, const double *v)
{
    char path[4096];
    int len = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (len < 0 || (size_t)len >= sizeof path) {
        fprintf(stderr, "bench_softmax: output path too long\n");
        return 0;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "bench_softmax: cannot create %s: %s\n", path, strerror(errno));
        return 0;
    }
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        uint64_t b;
        unsigned char bytes[8];
        memcpy(&b, &v[i], sizeof b);
        for (int k = 0; k < 8; k++)
            bytes[k] = (unsigned char)(b >> (8 * k));
        ok = fwrite(bytes, 1, sizeof bytes, f) == sizeof bytes;
    }
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "bench_softmax: write error on %s\n", path);
    return ok;
}

/* Reads FILE as little-endian binary64; *n is set from the size (or checked
 * against it when nonzero).  Returns NULL (message printed) on failure. */
static double *read_f64(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_softmax: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size <= 0 || size % 8 != 0 || (unsigned long)size / 8 > BHT_SOFTMAX_MAX_N
        || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "bench_softmax: %s: size is not a positive multiple of 8 bytes "
                "within BHT_SOFTMAX_MAX_N values\n", path);
        fclose(f);
        return NULL;
    }
    size_t count = (size_t)size / 8;
    if (*n != 0 && *n != count) {
        fprintf(stderr, "bench_softmax: %s holds %zu values, --n is %zu\n", path, count, *n);
        fclose(f);
        return NULL;
    }
    double *v = malloc(count * sizeof *v);
    if (!v) {
        fprintf(stderr, "bench_softmax: out of memory\n");
        fclose(f);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        unsigned char bytes[8];
        if (fread(bytes, 1, sizeof bytes, f) != sizeof bytes) {
            fprintf(stderr, "bench_softmax: short read on %s\n", path);
            free(v);
            fclose(f);
            return NULL;
        }
        uint64_t b = 0;
        for (int k = 0; k < 8; k++)
            b |= (uint64_t)bytes[k] << (8 * k);
        memcpy(&v[i], &b, sizeof b);
    }
    fclose(f);
    *n = count;
    return v;
}

static double *generate_logits(size_t n, uint64_t seed)
{
    double *z = malloc(n * sizeof *z);
    if (!z) {
        fprintf(stderr, "bench_softmax: out of memory\n");
        return NULL;
    }
    test_rng rng = {seed};
    for (size_t i = 0; i < n; i++)
        z[i] = 950.0 + 10.0 * test_rng_normal(&rng);
    if (n >= 8) {
        z[0] = 1000.0;
        z[n / 3] = -1000.0;
        z[(2 * n) / 3] = 999.5;
        z[n - 1] = -999.0;
    }
    return z;
}

/* Median per-call time of bht_softmax_logits over runs samples. */
static int time_kernel(const bench_args *a, size_t n, const double *z, double *p,
                       double *median_out, double *min_out, long *inner_out)
{
    double *samples = malloc((size_t)a->runs * sizeof *samples);
    if (!samples) {
        fprintf(stderr, "bench_softmax: out of memory\n");
        return 0;
    }
    /* Calibrate: double the repetition count until one sample lasts min_sample. */
    long inner = 1;
    for (;;) {
        double t0 = bench_seconds();
        for (long r = 0; r < inner; r++) {
            if (bht_softmax_logits(n, z, p) != BHT_OK) {
                fprintf(stderr, "bench_softmax: bht_softmax_logits failed\n");
                free(samples);
                return 0;
            }
        }
        double t = bench_seconds() - t0;
        if (t >= a->min_sample || inner >= (1L << 24))
            break;
        inner *= 2;
    }
    for (int k = 0; k < a->runs; k++) {
        double t0 = bench_seconds();
        for (long r = 0; r < inner; r++)
            (void)bht_softmax_logits(n, z, p);
        samples[k] = (bench_seconds() - t0) / (double)inner;
    }
    *median_out = bench_median(samples, (size_t)a->runs);
    *min_out = samples[0]; /* sorted */
    *inner_out = inner;
    free(samples);
    return 1;
}

static int time_oracle(const bench_args *a, size_t n, const double *z, double *p,
                       double *median_out, double *min_out, bht_oracle_report *rep)
{
    int runs = a->oracle_runs > 0 ? a->oracle_runs : 1;
    double *samples = malloc((size_t)runs * sizeof *samples);
    if (!samples) {
        fprintf(stderr, "bench_softmax: out of memory\n");
        return 0;
    }
    for (int k = 0; k < runs; k++) {
        double t0 = bench_seconds();
        bht_status s = bht_oracle_softmax_logits(n, z, p, NULL, rep);
        samples[k] = bench_seconds() - t0;
        if (s != BHT_OK) {
            fprintf(stderr, "bench_softmax: oracle failed: %s\n", bht_status_message(s));
            free(samples);
            return 0;
        }
    }
    *median_out = bench_median(samples, (size_t)runs);
    *min_out = samples[0]; /* sorted */
    free(samples);
    return 1;
}

int main(int argc, char **argv)
{
    bench_args a;
    if (!parse_args(argc, argv, &a)) {
        usage();
        return 2;
    }
    size_t n = a.n;
    double *z = a.logits_path ? read_f64(a.logits_path, &n) : generate_logits(n, a.seed);
    if (!z)
        return 1;
    double *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q);
    int ok = p && q;
    if (!ok)
        fprintf(stderr, "bench_softmax: out of memory\n");

    double t_double = 0.0, t_oracle = 0.0, min_double = 0.0, min_oracle = 0.0;
    long inner = 0;
    bht_oracle_report rep = {0, 0};
    ok = ok && time_kernel(&a, n, z, p, &t_double, &min_double, &inner);
    ok = ok && time_oracle(&a, n, z, q, &t_oracle, &min_oracle, &rep);

    double worst = 0.0;
    size_t worst_at = 0;
    for (size_t i = 0; ok && i < n; i++) {
        double e = bht_ulp_error(p[i], q[i]);
        if (e > worst) {
            worst = e;
            worst_at = i;
        }
    }
    ok = ok && write_f64(a.out_dir, "logits.f64", n, z);
    ok = ok && write_f64(a.out_dir, "double.f64", n, p);
    ok = ok && write_f64(a.out_dir, "oracle.f64", n, q);
    if (ok) {
        printf("{\"n\": %zu, \"seed\": %llu, \"logits_from_file\": %s, "
               "\"double_seconds\": %.9e, \"double_min_seconds\": %.9e, "
               "\"double_runs\": %d, \"double_inner\": %ld, "
               "\"oracle_seconds\": %.9e, \"oracle_min_seconds\": %.9e, \"oracle_runs\": %d, "
               "\"oracle_precision_used\": %ld, \"oracle_attempts\": %d, "
               "\"double_max_ulp_vs_oracle\": %.6g, \"double_worst_index\": %zu}\n",
               n, (unsigned long long)a.seed, a.logits_path ? "true" : "false", t_double,
               min_double, a.runs, inner, t_oracle, min_oracle,
               a.oracle_runs > 0 ? a.oracle_runs : 1,
               rep.precision_used, rep.attempts, worst, worst_at);
        ok = fflush(stdout) == 0;
    }
    free(z);
    free(p);
    free(q);
    return ok ? 0 : 1;
}
