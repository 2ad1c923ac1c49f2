/* test_sup_threads.c: the certified sup searches (softmax and leverage
 * models) give the same bits for any number of threads (each round's cells
 * are a function of the heap alone, evaluated in parallel and committed in
 * a fixed order, see src/search/sup_pool.h; the leverage candidates'
 * certifications run as pool jobs, speculatively ahead of their use, and
 * are used where the sequential search uses them): bracket, cell count and
 * query compared between 1, 2, 3 and 4 threads on fixed random problems,
 * run to convergence and stopped by a small cell budget (which ends the
 * search in the middle of a round), and the leverage searches' lower ends
 * against the full exact oracle at their queries (the certifications use
 * the nu-only interval route).  Then the pool's jobs themselves. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "sup_threads.h"

#define MAX_N 6
#define MAX_D 5
#define THREADS 4 /* 1 .. THREADS threads */

static int same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

/* The leverage search's lower end is the full exact oracle's nu at its
 * query, rounded down (the search certifies by the nu-only route of
 * src/nu/leverage_nu_interval.c, which must give the oracle's bits). */
static void check_lower_end(size_t n, size_t d, const double *A, const double *M,
                            const double *query, double lower, int k)
{
    bht_local_result full;
    cr_assert_eq(bht_oracle_nu_leverage(n, d, A, M, query, &full, NULL, NULL, NULL), BHT_OK);
    double expected = full.nu > 0.0 ? nextafter(full.nu, 0.0) : 0.0;
    cr_assert(same_bits(lower, expected), "leverage case %d (n %zu, d %zu): lower end %a, oracle %a",
              k, n, d, lower, expected);
}

/* Returns how many of the cases ended without converging: `cases` problems
 * with n in [n_lo, MAX_N] and d in [d_lo, d_hi] (d < n). */
static int compare_shapes(sup_fn fn, const char *name, uint64_t seed, size_t max_cells,
                          int cases, size_t n_lo, size_t d_lo, size_t d_hi)
{
    int unconverged = 0;
    test_rng rng = {seed};
    for (int k = 0; k < cases; k++) {
        size_t n = test_rng_int(&rng, n_lo, MAX_N), d = test_rng_int(&rng, d_lo, d_hi);
        if (d >= n)
            d = n - 1;
        double A[MAX_N * MAX_D], M[MAX_N * MAX_D];
        for (size_t i = 0; i < n * d; i++) {
            A[i] = test_rng_normal(&rng);
            M[i] = test_rng_normal(&rng);
        }
        bht_sup_result r[THREADS];
        /* the softmax query has d entries, the leverage query s has n */
        double query[THREADS][MAX_N];
        bht_status st[THREADS];
        for (size_t t = 0; t < THREADS; t++) {
            bht_sup_options opt = {0.01, max_cells, NULL, NULL, t + 1, NULL};
            st[t] = fn(n, d, A, M, &opt, query[t], &r[t]);
        }
        for (size_t t = 1; t < THREADS; t++) {
            cr_assert_eq(st[t], st[0], "%s case %d: status with %zu threads", name, k, t + 1);
            if (st[0] != BHT_OK)
                continue;
            cr_assert(same_bits(r[t].nu_lower, r[0].nu_lower) && same_bits(r[t].nu_upper, r[0].nu_upper),
                      "%s case %d (n %zu, d %zu): [%a, %a] with %zu threads, [%a, %a] with 1",
                      name, k, n, d, r[t].nu_lower, r[t].nu_upper, t + 1, r[0].nu_lower,
                      r[0].nu_upper);
            cr_assert_eq(r[t].cells, r[0].cells, "%s case %d: cells", name, k);
            for (size_t j = 0; j < (fn == softmax_sup ? d : n); j++)
                cr_assert(same_bits(query[t][j], query[0][j]), "%s case %d: query[%zu]", name, k, j);
        }
        if (fn == leverage_sup && st[0] == BHT_OK)
            check_lower_end(n, d, A, M, query[0], r[0].nu_lower, k);
        unconverged += st[0] == BHT_OK && !r[0].converged;
    }
    return unconverged;
}

static int compare_threads(sup_fn fn, const char *name, uint64_t seed, size_t max_cells)
{
    return compare_shapes(fn, name, seed, max_cells, 6, 3, 1, 3);
}

Test(sup_threads, softmax_same_bits_for_1_to_4_threads, .timeout = 600)
{
    compare_threads(softmax_sup, "softmax", 1357, 20000);
}

Test(sup_threads, softmax_same_bits_when_the_budget_ends_it, .timeout = 600)
{
    cr_assert_gt(compare_threads(softmax_sup, "softmax", 97531, 150), 0,
                 "the budget ended no search");
}

/* n - d <= d uses the complement's forms (and n = 2d both formulations):
 * the shapes drawn here include both. */
Test(sup_threads, leverage_same_bits_for_1_to_4_threads, .timeout = 600)
{
    compare_threads(leverage_sup, "leverage", 2468, 20000);
}

Test(sup_threads, leverage_same_bits_when_the_budget_ends_it, .timeout = 600)
{
    cr_assert_gt(compare_threads(leverage_sup, "leverage", 8642, 301), 0,
                 "the budget ended no search");
}

/* n = 6, d = 5 (the complement form): the oracle's certifications of
 * candidates are most of the time and most rounds certify one, so that the
 * speculative certifications (posted when a round's boxes are enclosed,
 * run by whichever thread is free) decide the bracket. */
Test(sup_threads, leverage_certifications_same_bits, .timeout = 600)
{
    compare_shapes(leverage_sup, "leverage n 6", 4242, 20000, 2, 6, 5, 5);
    cr_assert_gt(compare_shapes(leverage_sup, "leverage n 6 budget", 4243, 1001, 2, 6, 5, 5), 0,
                 "the budget ended no search");
}

Test(sup_threads, plan_h2_same_bits_for_1_to_4_threads, .timeout = 600)
{
    compare_shapes(plan_sup, "plan", 1212, 20000, 3, 4, 1, 3);
}

/* ------------------------------------------------------- the pool's jobs */

/* Every posted job that is waited for runs exactly once, alongside a batch
 * whose tasks all run once; wait reports the batch's completion at most
 * once. */
Test(sup_threads, pool_jobs_run_once)
{
    for (size_t threads = 1; threads <= THREADS; threads++) {
        sup_pool *pool;
        cr_assert_eq(bht__sup_pool_create(threads, &pool), BHT_OK);
        job_log log = {{0}, {0}};
        sup_job jobs[16];
        counting_jobs(jobs, 16, &log);
        sup_batch batch = {0};
        bht__sup_pool_start(pool, &batch, 100, count_task, &log);
        for (size_t j = 0; j < 16; j++)
            bht__sup_pool_post(pool, &jobs[j]);
        int reports = 0;
        for (size_t j = 0; j < 16; j += 2) /* the odd ones are left to the workers */
            while (!bht__sup_pool_wait(pool, &jobs[j]))
                reports++;
        bht__sup_pool_finish(pool, &batch);
        for (size_t j = 1; j < 16; j += 2)
            while (!bht__sup_pool_wait(pool, &jobs[j]))
                reports++;
        cr_assert_leq(reports, 1, "%zu threads: %d completion reports", threads, reports);
        for (size_t j = 0; j < 16; j++) {
            cr_assert_eq(log.runs[j], 1, "%zu threads: job %zu ran %d times", threads, j,
                         log.runs[j]);
            cr_assert_eq(bht__sup_pool_state(pool, &jobs[j]), SUP_JOB_DONE);
        }
        for (size_t i = 0; i < 100; i++)
            cr_assert_eq(log.tasks[i], 1, "%zu threads: task %zu", threads, i);
        bht__sup_pool_destroy(pool);
    }
}

/* Two queued batches (the searches' pipelined rounds, an empty one among
 * them): finishing the first returns with its tasks done, each once; without
 * workers it runs none of the second's; every task of both runs once. */
Test(sup_threads, pool_two_queued_batches)
{
    for (size_t threads = 1; threads <= THREADS; threads++) {
        sup_pool *pool;
        cr_assert_eq(bht__sup_pool_create(threads, &pool), BHT_OK);
        for (int round = 0; round < 20; round++) {
            job_log first = {{0}, {0}}, second = {{0}, {0}};
            sup_batch a = {0}, empty = {0}, b = {0};
            bht__sup_pool_start(pool, &a, 100, count_task, &first);
            bht__sup_pool_start(pool, &empty, 0, count_task, &second);
            bht__sup_pool_start(pool, &b, 100, count_task, &second);
            bht__sup_pool_finish(pool, &a);
            int second_runs = 0;
            for (size_t i = 0; i < 100; i++) {
                cr_assert_eq(first.tasks[i], 1, "%zu threads: task %zu of the first", threads, i);
                second_runs += second.tasks[i];
            }
            if (threads == 1)
                cr_assert_eq(second_runs, 0, "the second batch ran before its finish");
            bht__sup_pool_finish(pool, &empty);
            bht__sup_pool_finish(pool, &b);
            for (size_t i = 0; i < 100; i++)
                cr_assert_eq(second.tasks[i], 1, "%zu threads: task %zu of the second", threads,
                             i);
        }
        bht__sup_pool_destroy(pool);
    }
}

/* Without workers a posted job runs only when waited for (a one-thread
 * search computes exactly what it uses), and retire withdraws it. */
Test(sup_threads, pool_job_without_workers_runs_only_when_waited_for)
{
    sup_pool *pool;
    cr_assert_eq(bht__sup_pool_create(1, &pool), BHT_OK);
    job_log log = {{0}, {0}};
    sup_job jobs[2], *a = &jobs[0], *b = &jobs[1];
    counting_jobs(jobs, 2, &log);
    bht__sup_pool_post(pool, a);
    bht__sup_pool_post(pool, b);
    sup_batch batch = {0};
    bht__sup_pool_start(pool, &batch, 10, count_task, &log);
    bht__sup_pool_finish(pool, &batch);
    cr_assert_eq(log.runs[0] + log.runs[1], 0, "a posted job ran unasked");
    bht__sup_pool_retire(pool, a);
    cr_assert_eq(bht__sup_pool_state(pool, a), SUP_JOB_IDLE);
    cr_assert_eq(bht__sup_pool_wait(pool, b), 1);
    cr_assert_eq(log.runs[0], 0, "a withdrawn job ran");
    cr_assert_eq(log.runs[1], 1);
    bht__sup_pool_destroy(pool);
}

/* With workers, retire leaves a job either withdrawn (not run) or run to
 * its end, never running. */
Test(sup_threads, pool_retire_with_workers)
{
    for (size_t threads = 2; threads <= THREADS; threads++) {
        sup_pool *pool;
        cr_assert_eq(bht__sup_pool_create(threads, &pool), BHT_OK);
        job_log log = {{0}, {0}};
        sup_job jobs[16];
        counting_jobs(jobs, 16, &log);
        for (size_t j = 0; j < 16; j++)
            bht__sup_pool_post(pool, &jobs[j]);
        for (size_t j = 0; j < 16; j++) {
            bht__sup_pool_retire(pool, &jobs[j]);
            int state = bht__sup_pool_state(pool, &jobs[j]);
            cr_assert(state == SUP_JOB_IDLE || state == SUP_JOB_DONE);
            cr_assert_eq(log.runs[j], state == SUP_JOB_DONE, "%zu threads: job %zu", threads, j);
        }
        bht__sup_pool_destroy(pool);
    }
}

/* ------------------------------------------------- hazard shapes */
#include "sup_hazards.h"

/* The hazard generators' problems (ties, zero variance, near rank, extreme
 * scales and bounds, invariance partners: the searches' early exits, the
 * paths without faces or without a vertex start, refusals) give the same
 * status, bracket, cell count and query with 1, 2 and 3 threads. */
static void compare_hazard(const hz_problem *p, const double *A, const double *X, double energy,
                           double c, double C, uint64_t seed)
{
    bht_status st[3];
    bht_sup_result r[3];
    double q[3][HZ_MAX_N];
    for (size_t t = 0; t < 3; t++) {
        bht_sup_options opt = {0.01, 2000, NULL, NULL, t + 1, NULL};
        bht_plan_result plan;
        memset(&r[t], 0, sizeof r[t]);
        memset(q[t], 0, sizeof q[t]);
        if (p->target == HZ_NU_SOFTMAX)
            st[t] = bht_nu_softmax_sup(p->n, p->d, A, X, energy, &opt, q[t], &r[t]);
        else if (p->target == HZ_NU_LEVERAGE)
            st[t] = bht_nu_leverage_sup(p->n, p->d, A, X, c, C, &opt, q[t], &r[t]);
        else
            st[t] = bht_plan_leverage_search(p->n, p->d, A, X, c, C, p->error, &opt, q[t], &plan,
                                             &r[t]);
        cr_assert_eq(st[t], st[0], "%s seed %llu: status %d with %zu threads, %d with 1",
                     p->generator, (unsigned long long)seed, (int)st[t], t + 1, (int)st[0]);
        if (st[0] != BHT_OK)
            continue;
        cr_assert(same_bits(r[t].nu_lower, r[0].nu_lower) && same_bits(r[t].nu_upper, r[0].nu_upper)
                      && r[t].cells == r[0].cells
                      && memcmp(q[t], q[0], sizeof q[0]) == 0,
                  "%s seed %llu: %zu threads [%a, %a] %zu cells, 1 thread [%a, %a] %zu cells",
                  p->generator, (unsigned long long)seed, t + 1, r[t].nu_lower, r[t].nu_upper,
                  r[t].cells, r[0].nu_lower, r[0].nu_upper, r[0].cells);
    }
}

Test(sup_threads, hazard_shapes_same_bits_for_1_to_3_threads, .timeout = 900)
{
    int problems = 0;
    for (size_t g = 0; g < HZ_GENERATORS; g++) {
        enum hz_target target = hz_generators[g].target;
        if (target != HZ_NU_SOFTMAX && target != HZ_NU_LEVERAGE && target != HZ_PLAN_LEVERAGE)
            continue;
        for (uint64_t seed = 1; seed <= 6; seed++) {
            hz_problem p;
            hz_make(g, 7000 + seed, &p);
            compare_hazard(&p, p.A, p.X, p.energy, p.c, p.C, seed);
            if (p.partner)
                compare_hazard(&p, p.A2, p.X2, p.energy2, p.c2, p.C2, seed);
            problems++;
        }
    }
    cr_assert_geq(problems, 100);
}
