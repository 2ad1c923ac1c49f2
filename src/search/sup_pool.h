/* sup_pool.h: a small thread pool for the branch and bound searches
 * (nu_sup.c, leverage_sup_search.c).  The searches run in rounds: each
 * round pops up to SUP_ROUND_TASKS / (children per split) cells from the
 * heap (a number fixed by the problem's shape, never by the thread count)
 * and evaluates all their children as one batch on the pool (independent,
 * pure evaluations).  The rounds are pipelined by one: while the workers
 * evaluate round r + 1, the caller commits round r (pushes its children in
 * a fixed order: cell by cell as popped, child by child), pops round r + 2
 * from the heap as it then stands (without round r + 1's children) and
 * starts it at once, so that up to two batches are queued: a thread that
 * finds round r + 1's tasks all claimed goes on with round r + 2's instead
 * of waiting at the end of the round (nor sleeping, and being woken, there).
 * The search is the same sequence of operations, and every result the same
 * bits, for any number of threads.
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

typedef struct bht_sup_pool sup_pool; /* the public bht_sup_pool */

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

/* A batch: fn(context, worker, index) for index 0 .. count - 1.  The caller
 * owns its memory; the pool sets and uses the fields from start to finish. */
typedef struct sup_batch {
    sup_task_fn fn;
    void *context;
    size_t count, next, finished; /* tasks; claimed; done */
    int reported;                 /* its completion returned by bht__sup_pool_wait */
    struct sup_batch *link;       /* the queue of started batches */
} sup_batch;

/* threads = 0 or 1: no thread is started and bht__sup_pool_finish runs the
 * tasks in order on the caller.  Caps threads at SUP_POOL_MAX_THREADS.
 * *out is NULL on failure (BHT_E_NOMEM). */
#define SUP_POOL_MAX_THREADS 64
/* Evaluations per round: a round splits up to max(1, SUP_ROUND_TASKS /
 * children) cells (softmax d > 6: one cell, 2^d evaluations).  Part of the
 * search's definition: changing it changes brackets and cell counts. */
#define SUP_ROUND_TASKS 64
bht_status bht__sup_pool_create(size_t threads, sup_pool **out);
size_t bht__sup_pool_threads(const sup_pool *pool);
/* Queues the batch fn(context, worker, index), index 0 .. count - 1 (each
 * run exactly once, in any order and on any thread; count may be 0), and
 * returns at once, so that the caller can do other work that touches
 * nothing the tasks read or write.  Threads take the tasks of the oldest
 * queued batch first. */
void bht__sup_pool_start(sup_pool *pool, sup_batch *batch, size_t count, sup_task_fn fn,
                         void *context);
/* Returns when every task of the batch is done, running unclaimed tasks of
 * the queued batches (oldest first) on the caller meanwhile, and takes the
 * batch off the queue.  Without workers, when the batch is the oldest (the
 * searches finish batches in the order they started, but on failure), this
 * runs exactly the batch's own tasks. */
void bht__sup_pool_finish(sup_pool *pool, sup_batch *batch);
/* Queues a job (state IDLE or DONE) for the workers. */
void bht__sup_pool_post(sup_pool *pool, sup_job *job);
/* Works on the caller until the posted job has run: runs it at once if no
 * thread has claimed it, otherwise the queued batches' unclaimed tasks,
 * then other posted jobs, then sleeps.  Returns 1 when the job is done, or
 * 0 as soon as a queued batch is complete, once per batch, so that the
 * caller can post work that needs the batch's results (then it calls wait
 * again). */
int bht__sup_pool_wait(sup_pool *pool, sup_job *job);
/* The job's state, read under the pool's lock. */
int bht__sup_pool_state(sup_pool *pool, const sup_job *job);
/* Withdraws a posted job no thread has claimed (it goes back to IDLE) or
 * waits until a running one ends, so that its memory can be reused. */
void bht__sup_pool_retire(sup_pool *pool, sup_job *job);
void bht__sup_pool_destroy(sup_pool *pool);
/* A search's pool: options->pool when given (marked in use: BHT_E_INVALID
 * if another search uses it; *shared = 1), else a new pool of
 * options->threads threads (*shared = 0).  *pool is NULL on failure. */
bht_status bht__sup_pool_acquire(const bht_sup_options *options, sup_pool **pool, int *shared);
/* Ends a search's use of its pool (NULL: nothing): a pool of its own is
 * destroyed; a shared one drained (posted jobs withdrawn, unclaimed tasks
 * of queued batches dropped, running jobs and tasks waited for, the queue
 * emptied: after an error the search's jobs and batches may still be
 * queued) and marked free.  No task or job of the search runs after this. */
void bht__sup_pool_release(sup_pool *pool, int shared);

#endif
