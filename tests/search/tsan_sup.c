/* tsan_sup.c: ThreadSanitizer driver for the search pool (sup_pool.c) and
 * the searches on it (Criterion's runner does not work under TSan, so this
 * is a plain program, not part of make unit).  Runs the pool's jobs beside
 * two queued batches, then leverage searches whose certifications run as pool jobs
 * (n 6 d 5: most rounds certify; n 4 d 2; the planner's H^2 search; a
 * rank-deficient n 5 d 2, refused) and a softmax search, each with 2 to 4
 * threads and on one shared bht_sup_pool of 3 threads kept across all of
 * them, and checks every result against the one-thread run.  Exit status 0 when all agree (TSan reports
 * races on stderr and, with halt_on_error=1, exits 66).
 *
 *   mkdir -p /tmp/tsan && for f in $(find src -name '*.c' ! -path 'src/cli*'); do \
 *     cc -Isrc -D_POSIX_C_SOURCE=200809L -O1 -g -std=c11 -fsanitize=thread -c $f \
 *        -o /tmp/tsan/lib_$(echo $f | tr / _).o; done
 *   cc -Isrc -Itests -D_POSIX_C_SOURCE=200809L -O1 -g -std=c11 -fsanitize=thread \
 *      -o /tmp/tsan/tsan_sup tests/search/tsan_sup.c /tmp/tsan/lib_*.o -lmpfr -lgmp -lm -pthread
 *   TSAN_OPTIONS=halt_on_error=1 /tmp/tsan/tsan_sup */
#include <stdio.h>
#include <string.h>
#include "sup_threads.h"

static int pool_jobs(size_t threads)
{
    sup_pool *pool;
    if (bht__sup_pool_create(threads, &pool) != BHT_OK)
        return 1;
    job_log log, log2; /* the tasks of two queued batches */
    memset(&log, 0, sizeof log);
    memset(&log2, 0, sizeof log2);
    sup_job jobs[8];
    int bad = 0;
    for (int round = 0; round < 50; round++) {
        counting_jobs(jobs, 8, &log);
        for (size_t j = 0; j < 8; j++)
            bht__sup_pool_post(pool, &jobs[j]);
        sup_batch batch = {0}, next = {0};
        bht__sup_pool_start(pool, &batch, 32, count_task, &log);
        bht__sup_pool_start(pool, &next, 32, count_task, &log2);
        while (!bht__sup_pool_wait(pool, &jobs[round % 8]))
            ;
        bht__sup_pool_retire(pool, &jobs[(round + 1) % 8]);
        bht__sup_pool_finish(pool, &batch);
        bht__sup_pool_finish(pool, &next);
        for (size_t j = 0; j < 8; j++)
            if (j != (size_t)(round + 1) % 8 || bht__sup_pool_state(pool, &jobs[j]) == SUP_JOB_DONE)
                while (!bht__sup_pool_wait(pool, &jobs[j]))
                    ;
    }
    for (size_t i = 0; i < 32; i++)
        bad |= log.tasks[i] != 50 || log2.tasks[i] != 50;
    bht__sup_pool_destroy(pool);
    return bad;
}

/* The search with 2 to 4 threads of its own and then on the shared pool
 * (kept across all the searches); deficient: A's column 1 = column 0 (the
 * leverage searches refuse it after taking the pool). */
static int search(const char *name, sup_fn fn, size_t n, size_t d, uint64_t seed, size_t cells,
                  int deficient, bht_sup_pool *shared)
{
    test_rng rng = {seed};
    double A[64], M[64];
    for (size_t i = 0; i < n * d; i++) {
        A[i] = test_rng_normal(&rng);
        M[i] = test_rng_normal(&rng);
    }
    for (size_t i = 0; deficient && i < n; i++)
        A[i * d + 1] = A[i * d];
    bht_sup_result r1 = {0}, r = {0};
    double q1[8] = {0}, q[8] = {0};
    bht_sup_options o = {0.01, cells, NULL, NULL, 1, NULL};
    bht_status s1 = fn(n, d, A, M, &o, q1, &r1);
    int bad = 0;
    for (size_t t = 2; t <= 5; t++) {
        o.threads = t <= 4 ? t : 1;
        o.pool = t <= 4 ? NULL : shared;
        bht_status s = fn(n, d, A, M, &o, q, &r);
        int same = s == s1 && (s != BHT_OK || (memcmp(&r.nu_lower, &r1.nu_lower, sizeof r.nu_lower) == 0
                                               && memcmp(&r.nu_upper, &r1.nu_upper, sizeof r.nu_upper) == 0
                                               && r.cells == r1.cells
                                               && memcmp(q, q1, sizeof q) == 0));
        printf("%s n %zu d %zu seed %llu %s %zu: status %d, cells %zu%s\n", name, n, d,
               (unsigned long long)seed, t <= 4 ? "threads" : "shared pool, threads",
               t <= 4 ? t : 3, (int)s, r.cells, same ? "" : "  DIFFERENT");
        bad |= !same;
    }
    return bad;
}

int main(void)
{
    int bad = 0;
    for (size_t t = 1; t <= 4; t++)
        bad |= pool_jobs(t);
    printf("pool jobs: %s\n", bad ? "FAILED" : "ok");
    bht_sup_pool *shared = NULL;
    if (bht_sup_pool_create(3, &shared) != BHT_OK)
        return 1;
    bad |= search("leverage", leverage_sup, 6, 5, 1, 8000, 0, shared);
    bad |= search("leverage", leverage_sup, 6, 5, 2, 1001, 0, shared);
    bad |= search("leverage", leverage_sup, 5, 2, 6, 20000, 1, shared);
    bad |= search("leverage", leverage_sup, 4, 2, 3, 20000, 0, shared);
    bad |= search("plan", plan_sup, 5, 2, 4, 5000, 0, shared);
    bad |= search("softmax", softmax_sup, 5, 2, 5, 5000, 0, shared);
    bht_sup_pool_free(shared);
    printf("%s\n", bad ? "FAILED" : "all thread counts agree");
    return bad;
}
