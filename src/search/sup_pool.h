/* sup_pool.h: a small thread pool for the branch and bound searches
 * (nu_sup.c, leverage_sup_search.c).  The searches run in rounds: each
 * round pops up to SUP_ROUND_TASKS / (children per split) cells from the
 * heap (a number fixed by the problem's shape, never by the thread count)
 * and evaluates all their children as one batch on the pool (independent,
 * pure evaluations).  The rounds are pipelined by one: while the workers
 * evaluate round r + 1, the caller commits round r (pushes its children in
 * a fixed order: cell by cell as popped, child by child) and pops round
 * r + 2 from the heap as it then stands (without round r + 1's children),
 * so the sequential part of the search overlaps the parallel one.  The search is the same
 * sequence of operations, and every result the same bits, for any number
 * of threads; one barrier per round instead of one per split, and the
 * overlap, keep both cores busy.
 *
 * Jobs: single tasks besides the batches (the leverage search's oracle
 * certifications of candidates, see leverage_sup_search.c), each a pure
 * function of its inputs whose result the caller uses at a fixed point of
 * the search.  A posted job runs on an idle worker (workers take jobs
 * before batch tasks: a job is long and the next rounds wait for it) or
 * on the caller when it waits for it; without workers a posted job runs
 * only if it is waited for, so a one-thread search computes exactly what
 * it uses. */
#ifndef BHT_SUP_POOL_H
#define BHT_SUP_POOL_H

#include <stddef.h>
#include "bht.h"

typedef struct sup_pool sup_pool;

/* fn(context, worker, index) for one task; worker < threads identifies the
 * caller's scratch space (0 is the calling thread). */
typedef void (*sup_task_fn)(void *context, size_t worker, size_t index);

/* A job: fn(context, worker, index) run once.  The caller sets fn, context
 * and index and zero-initialises the rest before the first post; the pool
 * owns state and next from post to retire. */
typedef struct sup_job {
    sup_task_fn fn;
    void *context;
    size_t index;
    int state;            /* SUP_JOB_IDLE, _POSTED, _RUNNING or _DONE */
    struct sup_job *next; /* the queue of posted jobs */
} sup_job;
enum { SUP_JOB_IDLE, SUP_JOB_POSTED, SUP_JOB_RUNNING, SUP_JOB_DONE };

/* threads = 0 or 1: no thread is started and sup_pool_run runs the tasks in
 * order on the caller.  Caps threads at SUP_POOL_MAX_THREADS.  *out is NULL
 * on failure (BHT_E_NOMEM). */
#define SUP_POOL_MAX_THREADS 64
/* Evaluations per round: a round splits up to max(1, SUP_ROUND_TASKS /
 * children) cells (softmax d > 6: one cell, 2^d evaluations).  Part of the
 * search's definition: changing it changes brackets and cell counts. */
#define SUP_ROUND_TASKS 64
bht_status bht__sup_pool_create(size_t threads, sup_pool **out);
size_t bht__sup_pool_threads(const sup_pool *pool);
/* Runs fn for index 0 .. count - 1 (each exactly once, in any order and on
 * any worker) and returns when all are done. */
void bht__sup_pool_run(sup_pool *pool, size_t count, sup_task_fn fn, void *context);
/* The same in two halves: start hands the batch to the workers and returns
 * at once (without workers it only records it), so that the caller can do
 * other work that touches nothing the tasks read or write; finish runs the
 * tasks no worker has claimed yet on the caller and returns when all are
 * done.  Every start is followed by one finish before the next start. */
void bht__sup_pool_start(sup_pool *pool, size_t count, sup_task_fn fn, void *context);
void bht__sup_pool_finish(sup_pool *pool);
/* Queues a job (state IDLE or DONE) for the workers. */
void bht__sup_pool_post(sup_pool *pool, sup_job *job);
/* Works on the caller until the posted job has run: runs it at once if no
 * thread has claimed it, otherwise the current batch's unclaimed tasks,
 * then other posted jobs, then sleeps.  Returns 1 when the job is done, or
 * 0 as soon as the current batch (started, not yet finished) is complete,
 * once per batch, so that the caller can post work that needs the batch's
 * results (then it calls wait again). */
int bht__sup_pool_wait(sup_pool *pool, sup_job *job);
/* The job's state, read under the pool's lock. */
int bht__sup_pool_state(sup_pool *pool, const sup_job *job);
/* Withdraws a posted job no thread has claimed (it goes back to IDLE) or
 * waits until a running one ends, so that its memory can be reused. */
void bht__sup_pool_retire(sup_pool *pool, sup_job *job);
void bht__sup_pool_destroy(sup_pool *pool);

#endif
