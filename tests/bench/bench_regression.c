/* bench_regression.c: the softmax-regression benchmarks of `make bench`.
 *
 *   bench_regression kernel DIR N D [SEED]
 *       builds a seeded problem (A Gaussian, b = (softmax(A x_true) + u)/2,
 *       u uniform with mean 1/n, w_i = 1/(2n), evaluation point x = 0.9
 *       x_true), times bht_regression (loss only, loss + gradient, all three;
 *       median of runs) and bht_oracle_regression (one run), and writes
 *       DIR/reg_N_D.{A,b,w,x,kernel,oracle}.bin (raw binary64; kernel and
 *       oracle: loss, d gradient entries, d*d Hessian entries) for
 *       tests/bench/bench_regression.py; prints one JSON line.
 *   bench_regression solve N D [SEED]
 *       the same problem family; bht_regression_solve from x0 = 0 with the
 *       exact Newton and the sketched Newton (eps 0.5 and 0.3), each run
 *       timed whole and its certificate separately; one JSON line per run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_clock.h"
#include "harness.h"

typedef struct problem {
    size_t n, d;
    double *A, *b, *w, *x;
} problem;

static void make_problem(problem *p, size_t n, size_t d, uint64_t seed)
{
    test_rng rng = {seed};
    p->n = n;
    p->d = d;
    p->A = test_alloc(n * d);
    p->b = test_alloc(n);
    p->w = test_alloc(n);
    p->x = test_alloc(d);
    double *x_true = test_alloc(d);
    for (size_t k = 0; k < n * d; k++)
        p->A[k] = test_rng_normal(&rng);
    for (size_t j = 0; j < d; j++)
        x_true[j] = test_rng_normal(&rng) / sqrt((double)d);
    if (bht_oracle_softmax(n, d, p->A, x_true, p->b, NULL, NULL) != BHT_OK)
        abort();
    for (size_t i = 0; i < n; i++) {
        p->b[i] = 0.5 * p->b[i] + test_rng_unit(&rng) / (double)n;
        p->w[i] = 0.5 / (double)n;
    }
    for (size_t j = 0; j < d; j++)
        p->x[j] = 0.9 * x_true[j];
    free(x_true);
}

static int write_f64(const char *dir, const problem *p, const char *name, const double *v,
                     size_t count)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/reg_%zu_%zu.%s.bin", dir, p->n, p->d, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(v, sizeof *v, count, f) != count || fclose(f) != 0) {
        fprintf(stderr, "bench_regression: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

/* median time of runs calls of the kernel with the given outputs */
static double time_kernel(const problem *p, int runs, double *loss, double *g, double *H,
                          bht_status *status)
{
    double t[16];
    for (int r = 0; r < runs; r++) {
        double t0 = bench_seconds();
        *status = bht_regression(p->n, p->d, p->A, p->b, p->w, p->x, loss, g, H, NULL);
        t[r] = bench_seconds() - t0;
    }
    return bench_median(t, (size_t)runs);
}

static int kernel_mode(const char *dir, size_t n, size_t d, uint64_t seed)
{
    problem p;
    make_problem(&p, n, d, seed);
    const size_t count = 1 + d + d * d;
    double *k = test_alloc(count), *o = test_alloc(count);
    const int runs = n * d * d <= 100000 ? 9 : 3;
    bht_status s1, s2, s3;
    double t_loss = time_kernel(&p, runs, &k[0], NULL, NULL, &s1);
    double t_grad = time_kernel(&p, runs, &k[0], k + 1, NULL, &s2);
    double t_all = time_kernel(&p, runs, &k[0], k + 1, k + 1 + d, &s3);
    bht_oracle_report report = {0, 0};
    double t0 = bench_seconds();
    bht_status so = bht_oracle_regression(n, d, p.A, p.b, p.w, p.x, &o[0], o + 1, o + 1 + d,
                                          NULL, &report);
    double t_oracle = bench_seconds() - t0;
    if (so != BHT_OK) {
        fprintf(stderr, "bench_regression: oracle status %d\n", so);
        return 1;
    }
    if (s3 != BHT_OK) /* a refusal: mark the kernel's values as missing */
        for (size_t q = 0; q < count; q++)
            k[q] = NAN;
    if (write_f64(dir, &p, "A", p.A, n * d) || write_f64(dir, &p, "b", p.b, n)
        || write_f64(dir, &p, "w", p.w, n) || write_f64(dir, &p, "x", p.x, d)
        || write_f64(dir, &p, "kernel", k, count) || write_f64(dir, &p, "oracle", o, count))
        return 1;
    printf("{\"n\": %zu, \"d\": %zu, \"kernel_status\": %d, \"t_kernel_loss\": %.6g, "
           "\"t_kernel_loss_gradient\": %.6g, \"t_kernel_all\": %.6g, \"t_oracle_all\": %.6g, "
           "\"oracle_precision\": %ld}\n",
           n, d, (int)s3, t_loss, t_grad, t_all, t_oracle, report.precision_used);
    return 0;
}

static int solve_mode(size_t n, size_t d, uint64_t seed)
{
    problem p;
    make_problem(&p, n, d, seed);
    double *x = test_alloc(d);
    const struct {
        bht_regression_method method;
        double eps;
        const char *name;
    } runs[3] = {{BHT_REGRESSION_NEWTON, 0.0, "newton"},
                 {BHT_REGRESSION_SKETCHED, 0.5, "sketched"},
                 {BHT_REGRESSION_SKETCHED, 0.3, "sketched"}};
    for (int k = 0; k < 3; k++) {
        bht_regression_solve_options o;
        memset(&o, 0, sizeof o);
        o.method = runs[k].method;
        o.sketch_eps = runs[k].eps;
        o.seed = 1;
        bht_regression_solution sol;
        double t0 = bench_seconds();
        bht_status s = bht_regression_solve(n, d, p.A, p.b, p.w, NULL, &o, x, &sol);
        double t_total = bench_seconds() - t0;
        bht_regression_certificate c;
        t0 = bench_seconds();
        bht_status cs = bht_regression_certify(n, d, p.A, p.b, p.w, x, &c);
        double t_cert = bench_seconds() - t0;
        if (s != BHT_OK || cs != BHT_OK) {
            fprintf(stderr, "bench_regression: solve status %d, certify %d\n", s, cs);
            return 1;
        }
        printf("{\"n\": %zu, \"d\": %zu, \"method\": \"%s\", \"eps\": %g, \"iterations\": %zu, "
               "\"sample_rows\": %zu, \"fallbacks\": %zu, \"converged\": %d, "
               "\"minimizer_radius\": %.3g, \"gradient_norm\": %.3g, \"t_total\": %.4g, "
               "\"t_certificate\": %.4g}\n",
               n, d, runs[k].name, runs[k].eps, sol.iterations, sol.sample_rows,
               sol.exact_fallbacks, sol.converged, sol.minimizer_radius, sol.gradient_norm,
               t_total, t_cert);
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "kernel") == 0)
        return kernel_mode(argv[2], strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10),
                           argc > 5 ? strtoull(argv[5], NULL, 10) : 20240618);
    if (argc >= 4 && strcmp(argv[1], "solve") == 0)
        return solve_mode(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
                          argc > 4 ? strtoull(argv[4], NULL, 10) : 20240618);
    fprintf(stderr, "usage: bench_regression kernel DIR N D [SEED] | solve N D [SEED]\n");
    return 2;
}
