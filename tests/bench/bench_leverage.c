/* bench_leverage.c: times libbht's leverage double kernel and oracle on a
 * seeded regression-like design and writes raw little-endian binary64 files
 * for tests/bench/bench_leverage.py:
 *   DIR/lev_N_D.A.bin       the n*d design (row-major)
 *   DIR/lev_N_D.kernel.bin  p from bht_leverage
 *   DIR/lev_N_D.oracle.bin  p from bht_oracle_leverage (correctly rounded)
 * and prints one JSON line per size with the timings (median of runs).
 * usage: bench_leverage DIR N D [SEED [kernel]]
 * With "kernel" only the double kernel is timed (no oracle, no files; the
 * interleaved rounds of bench_leverage.py after the first).
 * The design: Gaussian columns with scales 10^(-2..2) (cycling) and one
 * column nearly collinear with two others (condition number ~1e6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_clock.h"
#include "harness.h"

static int write_f64(const char *dir, const char *name, size_t n, size_t d, const double *v,
                     size_t count)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lev_%zu_%zu.%s.bin", dir, n, d, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(v, sizeof *v, count, f) != count || fclose(f) != 0) {
        fprintf(stderr, "bench_leverage: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_leverage DIR N D [SEED [kernel]]\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t n = strtoul(argv[2], NULL, 10), d = strtoul(argv[3], NULL, 10);
    test_rng rng = {argc > 4 ? strtoull(argv[4], NULL, 10) : 20240603};
    if (d == 0 || n < d)
        return 2;
    double *A = test_alloc(n * d), *pk = test_alloc(n), *po = test_alloc(n);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            A[i * d + j] = test_rng_normal(&rng) * pow(10.0, (double)(j % 5) - 2.0);
        if (d >= 3)
            A[i * d + d - 1] = A[i * d] * 100.0 - A[i * d + 1] + 1e-4 * test_rng_normal(&rng);
    }
    int runs = n * d > 1000000 ? 5 : 21;
    double times[21], cond = 0.0;
    for (int r = 0; r < runs; r++) {
        double t0 = bench_seconds();
        bht_status s = bht_leverage(n, d, A, NULL, pk, NULL, &cond);
        times[r] = bench_seconds() - t0;
        if (s != BHT_OK) {
            fprintf(stderr, "bench_leverage: kernel: %s\n", bht_status_message(s));
            return 1;
        }
    }
    double kernel_s = bench_median(times, (size_t)runs);
    if (argc > 5 && strcmp(argv[5], "kernel") == 0) {
        printf("{\"n\": %zu, \"d\": %zu, \"kernel_s\": %.6g, \"kernel_runs\": %d}\n", n, d,
               kernel_s, runs);
        free(A);
        free(pk);
        free(po);
        return 0;
    }
    double t0 = bench_seconds();
    bht_oracle_report report = {0, 0};
    bht_status s = bht_oracle_leverage(n, d, A, NULL, po, NULL, NULL, NULL, &report);
    double oracle_time = bench_seconds() - t0;
    if (s != BHT_OK) {
        fprintf(stderr, "bench_leverage: oracle: %s\n", bht_status_message(s));
        return 1;
    }
    if (write_f64(dir, "A", n, d, A, n * d) || write_f64(dir, "kernel", n, d, pk, n)
        || write_f64(dir, "oracle", n, d, po, n))
        return 1;
    printf("{\"n\": %zu, \"d\": %zu, \"kernel_s\": %.6g, \"kernel_runs\": %d, \"oracle_s\": %.6g, "
           "\"oracle_precision\": %ld, \"kernel_max_ulp\": %.3g, \"cond_estimate\": %.3g}\n",
           n, d, kernel_s, runs, oracle_time, report.precision_used,
           test_max_ulp(n, pk, po, NULL), cond);
    free(A);
    free(pk);
    free(po);
    return 0;
}
