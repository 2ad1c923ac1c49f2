/* sup_model.c: the load-independent parallel model of the sup searches
 * (issue 17 item 5).  On a shared machine the wall-clock speed-up of
 * bench_sup says little (Linux autogroup gives a session one share of the
 * CPUs however many threads it runs), so this driver measures what the
 * speed-up on an idle machine is made of.  It links its own stand-in for
 * src/search/sup_pool.c (defined below; the archive's sup_pool.o is then
 * not pulled in) that runs every batch on the calling thread and reads the
 * thread CPU clock around each batch and between bht__sup_pool_start and
 * bht__sup_pool_finish (the caller's work overlapped with a batch).  For W
 * threads it simulates each round: the caller busy with the overlapped
 * work, then every thread claiming the round's tasks in index order, each
 * task costing the round's CPU time / its task count; the predicted time is
 * the work outside batches plus the sum of the rounds' makespans.  Not
 * modelled: unequal tasks within a round (at most one task's cost per
 * round), the wake-up of the workers, memory effects.
 *
 * Build and run (one problem of bench_sup: model 0 softmax / 1 leverage,
 * n, d, seed as in bench_sup, cell budget):
 *   make build/libbht.a
 *   cc -Isrc -D_POSIX_C_SOURCE=200809L -O2 -std=c11 -o build/sup_model \
 *      tests/bench/sup_model.c build/libbht.a -lmpfr -lgmp -lm -pthread
 *   build/sup_model 1 6 2 1 400000 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bht.h"
#include "core/rng.h"
#include "search/sup_pool.h"

#define MODEL_MAX_THREADS 4

/* The measurements (the pool's interface has no place for a context). */
static struct {
    double tasks, overlap, makespan[MODEL_MAX_THREADS + 1], started_at;
    size_t rounds, task_count, pending;
    sup_task_fn fn;
    void *context;
} model;

struct sup_pool {
    size_t threads;
};

static double thread_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

bht_status bht__sup_pool_create(size_t threads, sup_pool **out)
{
    (void)threads;
    *out = malloc(sizeof **out);
    if (!*out)
        return BHT_E_NOMEM;
    (*out)->threads = 1;
    return BHT_OK;
}

size_t bht__sup_pool_threads(const sup_pool *pool)
{
    return pool->threads;
}

void bht__sup_pool_destroy(sup_pool *pool)
{
    free(pool);
}

void bht__sup_pool_start(sup_pool *pool, size_t count, sup_task_fn fn, void *context)
{
    (void)pool;
    model.pending = count;
    model.fn = fn;
    model.context = context;
    model.started_at = thread_cpu();
}

void bht__sup_pool_finish(sup_pool *pool)
{
    (void)pool;
    double overlap = thread_cpu() - model.started_at, t0 = thread_cpu();
    size_t count = model.pending;
    for (size_t i = 0; i < count; i++)
        model.fn(model.context, 0, i);
    double round = thread_cpu() - t0, task = count ? round / (double)count : 0.0;
    model.tasks += round;
    model.overlap += overlap;
    model.rounds++;
    model.task_count += count;
    for (size_t w = 1; w <= MODEL_MAX_THREADS; w++) {
        double free_at[MODEL_MAX_THREADS] = {overlap}, end = 0.0;
        for (size_t i = 0; i < count; i++) {
            size_t k = 0;
            for (size_t j = 1; j < w; j++)
                if (free_at[j] < free_at[k])
                    k = j;
            free_at[k] += task;
        }
        for (size_t j = 0; j < w; j++)
            end = fmax(end, free_at[j]);
        model.makespan[w] += end;
    }
    model.pending = 0;
}

void bht__sup_pool_run(sup_pool *pool, size_t count, sup_task_fn fn, void *context)
{
    bht__sup_pool_start(pool, count, fn, context);
    bht__sup_pool_finish(pool);
}

static double normal(uint64_t *state)
{
    double u = ((double)(bht__splitmix64(state) >> 11) + 0.5) * 0x1p-53;
    double v = ((double)(bht__splitmix64(state) >> 11) + 0.5) * 0x1p-53;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: sup_model 0|1 n d seed cells\n");
        return 2;
    }
    int leverage = atoi(argv[1]);
    size_t n = strtoul(argv[2], NULL, 10), d = strtoul(argv[3], NULL, 10);
    uint64_t seed = strtoull(argv[4], NULL, 10);
    size_t cells = strtoul(argv[5], NULL, 10);
    if (n == 0 || d == 0 || n > 8 || n * d > 64)
        return 2;
    /* the problem of bench_sup.c for this shape and seed */
    uint64_t state = seed * 1000 + n * 10 + d;
    double A[64], M[64], query[8];
    for (size_t i = 0; i < n * d; i++) {
        A[i] = normal(&state);
        M[i] = normal(&state);
    }
    bht_sup_options opt = {0.01, cells, NULL, NULL, 1};
    bht_sup_result r;
    double c0 = thread_cpu();
    bht_status s = leverage ? bht_nu_leverage_sup(n, d, A, M, 1.0, 4.0, &opt, query, &r)
                            : bht_nu_softmax_sup(n, d, A, M, 1.0, &opt, query, &r);
    double cpu = thread_cpu() - c0;
    if (s != BHT_OK) {
        printf("%s\n", bht_status_message(s));
        return 1;
    }
    double outside = cpu - model.tasks - model.overlap;
    printf("%s n %zu d %zu seed %llu: cells %zu width %.3e; cpu %.3f s: batches %.3f s in "
           "%zu rounds (%.1f tasks each), overlapped %.3f s, outside %.3f s (%.1f%%); "
           "modelled speed-up 2 threads %.2fx, 4 threads %.2fx\n",
           leverage ? "leverage" : "softmax", n, d, (unsigned long long)seed, r.cells,
           (r.nu_upper - r.nu_lower) / r.nu_lower, cpu, model.tasks, model.rounds,
           model.rounds ? (double)model.task_count / (double)model.rounds : 0.0, model.overlap,
           outside, 100.0 * outside / cpu, cpu / (outside + model.makespan[2]),
           cpu / (outside + model.makespan[4]));
    return 0;
}
