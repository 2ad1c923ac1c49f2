/* sup_pool.c: the search thread pool (see sup_pool.h).  Workers sleep on a
 * condition variable between batches; tasks of a batch are claimed one at a
 * time under the mutex (a batch has at most 2^10 tasks, each an oracle
 * evaluation of microseconds or more, so the lock is not contended). */
#include <pthread.h>
#include <stdlib.h>
#include <mpfr.h>
#include "search/sup_pool.h"

struct sup_pool {
    size_t threads; /* including the caller */
    pthread_t *ids; /* threads - 1 workers */
    size_t started;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    unsigned long generation; /* batch number */
    int quit;
    /* the current batch */
    sup_task_fn fn;
    void *context;
    size_t count, next, finished;
};

typedef struct worker_arg {
    sup_pool *pool;
    size_t worker;
} worker_arg;

/* Claims and runs tasks of the current batch until none is left.  Called
 * with the lock held; returns with it held. */
static void drain(sup_pool *p, size_t worker)
{
    while (p->next < p->count) {
        size_t index = p->next++;
        pthread_mutex_unlock(&p->lock);
        p->fn(p->context, worker, index);
        pthread_mutex_lock(&p->lock);
        if (++p->finished == p->count)
            pthread_cond_signal(&p->done);
    }
}

static void *worker_main(void *arg)
{
    worker_arg self = *(worker_arg *)arg;
    free(arg);
    sup_pool *p = self.pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->quit && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->quit)
            break;
        seen = p->generation;
        drain(p, self.worker);
    }
    pthread_mutex_unlock(&p->lock);
    mpfr_free_cache(); /* this thread's MPFR constant caches */
    return NULL;
}

bht_status bht__sup_pool_create(size_t threads, sup_pool **out)
{
    *out = NULL;
    if (threads == 0)
        threads = 1;
    if (threads > SUP_POOL_MAX_THREADS)
        threads = SUP_POOL_MAX_THREADS;
    sup_pool *p = calloc(1, sizeof *p);
    if (!p)
        return BHT_E_NOMEM;
    p->threads = threads;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return BHT_E_NOMEM;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return BHT_E_NOMEM;
    }
    if (pthread_cond_init(&p->done, NULL) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return BHT_E_NOMEM;
    }
    if (threads > 1) {
        p->ids = malloc((threads - 1) * sizeof *p->ids);
        if (!p->ids) {
            bht__sup_pool_destroy(p);
            return BHT_E_NOMEM;
        }
        for (size_t w = 1; w < threads; w++) {
            worker_arg *arg = malloc(sizeof *arg);
            if (!arg) {
                bht__sup_pool_destroy(p);
                return BHT_E_NOMEM;
            }
            *arg = (worker_arg){p, w};
            if (pthread_create(&p->ids[p->started], NULL, worker_main, arg) != 0) {
                free(arg);
                bht__sup_pool_destroy(p);
                return BHT_E_NOMEM;
            }
            p->started++;
        }
    }
    *out = p;
    return BHT_OK;
}

size_t bht__sup_pool_threads(const sup_pool *pool)
{
    return pool->threads;
}

void bht__sup_pool_start(sup_pool *p, size_t count, sup_task_fn fn, void *context)
{
    if (p->started == 0) { /* no worker: finish runs the batch */
        p->fn = fn;
        p->context = context;
        p->count = count;
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->context = context;
    p->count = count;
    p->next = 0;
    p->finished = 0;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void bht__sup_pool_finish(sup_pool *p)
{
    if (p->started == 0) {
        for (size_t i = 0; i < p->count; i++)
            p->fn(p->context, 0, i);
        p->count = 0;
        return;
    }
    pthread_mutex_lock(&p->lock);
    drain(p, 0);
    while (p->finished < p->count)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

void bht__sup_pool_run(sup_pool *p, size_t count, sup_task_fn fn, void *context)
{
    if (p->started == 0 || count <= 1) {
        for (size_t i = 0; i < count; i++)
            fn(context, 0, i);
        return;
    }
    bht__sup_pool_start(p, count, fn, context);
    bht__sup_pool_finish(p);
}

void bht__sup_pool_destroy(sup_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (size_t w = 0; w < p->started; w++)
        pthread_join(p->ids[w], NULL);
    free(p->ids);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
