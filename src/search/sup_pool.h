/* sup_pool.h: a small thread pool for the branch and bound searches
 * (nu_sup.c, leverage_sup.c).  The searches stay sequential; only the
 * evaluations of one cell's children, which are independent and pure, run
 * in parallel, and their results are committed in the sequential order, so
 * every result is the same for any number of threads. */
#ifndef BHT_SUP_POOL_H
#define BHT_SUP_POOL_H

#include <stddef.h>
#include "bht.h"

typedef struct sup_pool sup_pool;

/* fn(context, worker, index) for one task; worker < threads identifies the
 * caller's scratch space (0 is the calling thread). */
typedef void (*sup_task_fn)(void *context, size_t worker, size_t index);

/* threads = 0 or 1: no thread is started and sup_pool_run runs the tasks in
 * order on the caller.  Caps threads at SUP_POOL_MAX_THREADS.  *out is NULL
 * on failure (BHT_E_NOMEM). */
#define SUP_POOL_MAX_THREADS 64
bht_status bht__sup_pool_create(size_t threads, sup_pool **out);
size_t bht__sup_pool_threads(const sup_pool *pool);
/* Runs fn for index 0 .. count - 1 (each exactly once, in any order and on
 * any worker) and returns when all are done. */
void bht__sup_pool_run(sup_pool *pool, size_t count, sup_task_fn fn, void *context);
void bht__sup_pool_destroy(sup_pool *pool);

#endif
