/* sup_pool.c: the search thread pool (see sup_pool.h).  Tasks of the
 * queued batches and posted jobs are claimed one at a time under the mutex
 * (a batch has at most 2^10 tasks, each an oracle evaluation or an
 * enclosure of microseconds or more, so the lock is not contended).  A
 * thread with nothing to do first polls the pool's change counter for up
 * to SPIN_NS, yielding the CPU between reads (work usually appears, or the
 * last task of a batch ends, within microseconds: a futex wake-up of a
 * sleeping thread costs tens of microseconds on a VM, a sizeable part of a
 * round of the short searches; the yield lets the other thread run when
 * the process has one CPU), then sleeps: workers on one condition
 * variable, the caller on the second, signalled when a batch completes or
 * a job ends.  With the next round queued behind the current one, a thread
 * is idle only when the caller's sequential work outlasts a round. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <mpfr.h>
#include "search/sup_pool.h"

#define SPIN_NS 20000

struct bht_sup_pool {
    size_t threads; /* including the caller */
    int in_use;     /* a search runs on this shared pool */
    size_t running; /* jobs being run */
    pthread_t *ids; /* threads - 1 workers */
    size_t started;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    int quit;
    sup_batch *batches;   /* started and not finished, oldest first (at most 3) */
    sup_job *head, *tail; /* posted jobs, in posting order */
    atomic_ulong changes; /* bumped (under the lock) by every start, post and end */
};

/* Records a change of the pool's state (lock held). */
static void changed(sup_pool *p)
{
    atomic_fetch_add_explicit(&p->changes, 1, memory_order_release);
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Waits for a change of the pool's state: polls for up to SPIN_NS without
 * the lock, then (if nothing changed) sleeps on cond.  Called with the lock
 * held; returns with it held, the caller re-checking its condition.
 * Without workers there is nobody to wait for: never called then. */
static void await_change(sup_pool *p, pthread_cond_t *cond)
{
    unsigned long seen = atomic_load_explicit(&p->changes, memory_order_relaxed);
    pthread_mutex_unlock(&p->lock);
    long long end = now_ns() + SPIN_NS;
    int moved = 0;
    while (!moved && now_ns() < end) {
        sched_yield();
        moved = atomic_load_explicit(&p->changes, memory_order_acquire) != seen;
    }
    pthread_mutex_lock(&p->lock);
    if (!moved && atomic_load_explicit(&p->changes, memory_order_relaxed) == seen)
        pthread_cond_wait(cond, &p->lock); /* state changes under the lock: no lost wake-up */
}

typedef struct worker_arg {
    sup_pool *pool;
    size_t worker;
} worker_arg;

/* The oldest queued batch with an unclaimed task, or NULL (lock held). */
static sup_batch *open_batch(const sup_pool *p)
{
    sup_batch *b = p->batches;
    while (b && b->next == b->count)
        b = b->link;
    return b;
}

/* Claims and runs the next task of batch b.  Called with the lock held and
 * b->next < b->count; returns with it held. */
static void run_task(sup_pool *p, sup_batch *b, size_t worker)
{
    size_t index = b->next++;
    pthread_mutex_unlock(&p->lock);
    b->fn(b->context, worker, index);
    pthread_mutex_lock(&p->lock);
    if (++b->finished == b->count) {
        changed(p);
        pthread_cond_broadcast(&p->done);
    }
}

static void unlink_job(sup_pool *p, sup_job *job)
{
    sup_job **link = &p->head, *prev = NULL;
    while (*link != job) {
        prev = *link;
        link = &(*link)->next;
    }
    *link = job->next;
    if (p->tail == job)
        p->tail = prev;
    job->next = NULL;
}

/* Claims and runs a posted job (lock held, as run_task). */
static void run_job(sup_pool *p, sup_job *job, size_t worker)
{
    unlink_job(p, job);
    job->state = SUP_JOB_RUNNING;
    p->running++;
    pthread_mutex_unlock(&p->lock);
    job->fn(job->context, worker, job->index);
    pthread_mutex_lock(&p->lock);
    job->state = SUP_JOB_DONE;
    p->running--;
    changed(p);
    pthread_cond_broadcast(&p->done);
}

static void *worker_main(void *arg)
{
    worker_arg self = *(worker_arg *)arg;
    free(arg);
    sup_pool *p = self.pool;
    pthread_mutex_lock(&p->lock);
    while (!p->quit) {
        sup_batch *b;
        if (p->head)
            run_job(p, p->head, self.worker);
        else if ((b = open_batch(p)) != NULL)
            run_task(p, b, self.worker);
        else
            await_change(p, &p->wake);
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
    atomic_init(&p->changes, 0);
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

void bht__sup_pool_start(sup_pool *p, sup_batch *b, size_t count, sup_task_fn fn,
                         void *context)
{
    pthread_mutex_lock(&p->lock);
    b->fn = fn;
    b->context = context;
    b->count = count;
    b->next = 0;
    b->finished = 0;
    b->reported = count == 0;
    b->link = NULL;
    sup_batch **end = &p->batches;
    while (*end)
        end = &(*end)->link;
    *end = b;
    changed(p);
    if (p->started > 0 && count > 0)
        pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void bht__sup_pool_finish(sup_pool *p, sup_batch *b)
{
    pthread_mutex_lock(&p->lock);
    while (b->finished < b->count) {
        /* the oldest batch's tasks first (b's own), then the next round's
         * rather than idling while a worker ends b's last one */
        sup_batch *open = open_batch(p);
        if (open)
            run_task(p, open, 0);
        else
            await_change(p, &p->done);
    }
    sup_batch **link = &p->batches;
    while (*link != b)
        link = &(*link)->link;
    *link = b->link;
    b->link = NULL;
    b->reported = 1;
    pthread_mutex_unlock(&p->lock);
}

void bht__sup_pool_post(sup_pool *p, sup_job *job)
{
    pthread_mutex_lock(&p->lock);
    job->state = SUP_JOB_POSTED;
    job->next = NULL;
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    changed(p);
    if (p->started > 0)
        pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

int bht__sup_pool_wait(sup_pool *p, sup_job *job)
{
    pthread_mutex_lock(&p->lock);
    int result = 1;
    while (job->state != SUP_JOB_DONE) {
        sup_batch *b = p->batches;
        while (b && (b->reported || b->finished < b->count))
            b = b->link;
        if (b) { /* a batch just completed */
            b->reported = 1;
            result = 0;
            break;
        }
        if (job->state == SUP_JOB_POSTED)
            run_job(p, job, 0);
        else if ((b = open_batch(p)) != NULL)
            run_task(p, b, 0);
        else if (p->head)
            run_job(p, p->head, 0);
        else
            await_change(p, &p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return result;
}

int bht__sup_pool_state(sup_pool *p, const sup_job *job)
{
    pthread_mutex_lock(&p->lock);
    int state = job->state;
    pthread_mutex_unlock(&p->lock);
    return state;
}

void bht__sup_pool_retire(sup_pool *p, sup_job *job)
{
    pthread_mutex_lock(&p->lock);
    if (job->state == SUP_JOB_POSTED) {
        unlink_job(p, job);
        job->state = SUP_JOB_IDLE;
    }
    while (job->state == SUP_JOB_RUNNING)
        await_change(p, &p->done);
    pthread_mutex_unlock(&p->lock);
}

void bht__sup_pool_destroy(sup_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    changed(p);
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

bht_status bht_sup_pool_create(size_t threads, bht_sup_pool **out)
{
    if (out)
        *out = NULL;
    if (!out || threads == 0)
        return BHT_E_INVALID;
    return bht__sup_pool_create(threads, out);
}

void bht_sup_pool_free(bht_sup_pool *pool)
{
    bht__sup_pool_destroy(pool);
}

bht_status bht__sup_pool_acquire(const bht_sup_options *options, sup_pool **pool, int *shared)
{
    *pool = NULL;
    *shared = options->pool != NULL;
    if (!*shared)
        return bht__sup_pool_create(options->threads, pool);
    sup_pool *p = options->pool;
    pthread_mutex_lock(&p->lock);
    int busy = p->in_use;
    p->in_use = 1;
    pthread_mutex_unlock(&p->lock);
    if (busy)
        return BHT_E_INVALID;
    *pool = p;
    return BHT_OK;
}

/* Whether every claimed task of the queued batches has ended (lock held;
 * bht__sup_pool_release has dropped the unclaimed ones). */
static int batches_done(const sup_pool *p)
{
    for (const sup_batch *b = p->batches; b; b = b->link)
        if (b->finished < b->count)
            return 0;
    return 1;
}

void bht__sup_pool_release(sup_pool *p, int shared)
{
    if (!p)
        return;
    if (!shared) {
        bht__sup_pool_destroy(p);
        return;
    }
    pthread_mutex_lock(&p->lock);
    for (sup_job *job = p->head, *next; job; job = next) {
        next = job->next;
        job->state = SUP_JOB_IDLE;
        job->next = NULL;
    }
    p->head = p->tail = NULL;
    for (sup_batch *b = p->batches; b; b = b->link)
        b->count = b->next; /* claimed tasks only */
    changed(p);
    while (p->running > 0 || !batches_done(p))
        await_change(p, &p->done); /* only with workers: the caller runs nothing now */
    for (sup_batch *b = p->batches, *next; b; b = next) {
        next = b->link;
        b->link = NULL;
        b->reported = 1;
    }
    p->batches = NULL;
    p->in_use = 0;
    pthread_mutex_unlock(&p->lock);
}
