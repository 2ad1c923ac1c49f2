/* sup_threads.h: what test_sup_threads.c and the ThreadSanitizer driver
 * tsan_sup.c share: the searches behind one signature, and pool tasks and
 * jobs that count their runs. */
#ifndef BHT_TEST_SUP_THREADS_H
#define BHT_TEST_SUP_THREADS_H

#include "harness.h"
#include "search/sup_pool.h"

typedef bht_status (*sup_fn)(size_t n, size_t d, const double *A, const double *M,
                             const bht_sup_options *opt, double *query, bht_sup_result *r);

static inline bht_status softmax_sup(size_t n, size_t d, const double *A, const double *M,
                                     const bht_sup_options *opt, double *query,
                                     bht_sup_result *r)
{
    return bht_nu_softmax_sup(n, d, A, M, 1.0, opt, query, r);
}

static inline bht_status leverage_sup(size_t n, size_t d, const double *A, const double *M,
                                      const bht_sup_options *opt, double *query,
                                      bht_sup_result *r)
{
    return bht_nu_leverage_sup(n, d, A, M, 1.0, 4.0, opt, query, r);
}

/* The planner's H^2 search (the same branch and bound, certified by the
 * distance oracle); the bracket and cells of its h2 result. */
static inline bht_status plan_sup(size_t n, size_t d, const double *A, const double *B,
                                  const bht_sup_options *opt, double *query, bht_sup_result *r)
{
    bht_plan_result plan;
    return bht_plan_leverage_search(n, d, A, B, 1.0, 4.0, 0.05, opt, query, &plan, r);
}

/* Runs of jobs (by index) and of a batch's tasks. */
typedef struct job_log {
    int runs[16];
    int tasks[100];
} job_log;

static inline void count_job(void *context, size_t worker, size_t index)
{
    (void)worker;
    ((job_log *)context)->runs[index]++;
}

static inline void count_task(void *context, size_t worker, size_t index)
{
    (void)worker;
    ((job_log *)context)->tasks[index]++;
}

/* count jobs counting into log (job j counts at runs[j]). */
static inline void counting_jobs(sup_job *jobs, size_t count, job_log *log)
{
    for (size_t j = 0; j < count; j++)
        jobs[j] = (sup_job){.fn = count_job, .context = log, .index = j};
}

#endif
