/* sup_model.c: the load-independent parallel model of the sup searches
 * (issue 17 item 5).  On a shared machine the wall-clock speed-up of
 * bench_sup says little (Linux autogroup gives a session one share of the
 * CPUs however many threads it runs), so this driver measures what the
 * speed-up on an idle machine is made of.  It links its own stand-in for
 * src/search/sup_pool.c (defined below; the archive's sup_pool.o is then
 * not pulled in) that runs everything on the calling thread, as the pool
 * does without workers, and records the caller's program: compute spans
 * (thread CPU clock), batch starts and finishes (every task timed on its
 * own), job posts (the leverage search's certifications, each timed when
 * it runs; a speculative job the search never waits for is run when it is
 * withdrawn or at the end, only to time it), job waits and withdrawals.
 * Then, for W threads, it replays the program with the pool's policy
 * (sup_pool.c): workers take posted jobs first, then the tasks of the
 * oldest queued batch; a caller finishing a batch runs the queued batches'
 * tasks until it is done; a caller waiting for a job runs it if nobody
 * has, else queued tasks, else other posted jobs, and when a batch
 * completes during the wait it posts the speculative certification that
 * the search posts after that batch's finish (its speculate).  The
 * predicted time is the caller's end, with each task's own CPU time
 * ("timed tasks") or equal shares of its batch's ("equal tasks").  Not
 * modelled: thread start-up and the first calls of a new thread, wake-up
 * latencies, memory effects; the clock reads around each task (about a
 * microsecond each here) are left out of the timed tasks.
 * The search is run once before the measured run (warm MPFR and malloc
 * caches, as for every problem but the first in bench_sup).
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

enum { EV_COMPUTE, EV_START, EV_POST, EV_WAIT, EV_FINISH, EV_RETIRE };

typedef struct event {
    int kind;
    double cost;   /* COMPUTE: seconds; START: the batch's task cost */
    size_t count;  /* START: tasks */
    size_t job;    /* POST, WAIT, RETIRE: job number */
    int spec;      /* POST: posted right after a FINISH (the search's speculate) */
} event;

/* The recording (the pool's interface has no place for a context). */
static struct {
    event *events;
    size_t len, cap;
    double mark;                          /* end of the last recorded span */
    double job_cost[1 << 16];             /* by job number */
    sup_job *job_ptr[1 << 16];
    size_t jobs;
    sup_task_fn fn;
    void *context;
    size_t pending, start_event;
    int after_finish;
    double tasks, jobs_cpu, timing_only; /* CPU in batches, in used jobs, in timing-only runs */
    size_t rounds, task_count, waits;
    double *task_cost; /* every task's CPU time, batch after batch (START's job: the first) */
    size_t task_cap;
    double prologue;   /* the caller's CPU before the first batch's start */
} rec;

struct bht_sup_pool {
    size_t threads;
};

static double thread_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void push(event e)
{
    if (rec.len == rec.cap) {
        rec.cap = rec.cap ? 2 * rec.cap : 1024;
        rec.events = realloc(rec.events, rec.cap * sizeof *rec.events);
        if (!rec.events)
            abort();
    }
    rec.events[rec.len++] = e;
}

/* Closes the caller's compute span up to now. */
static void span(void)
{
    double now = thread_cpu();
    push((event){EV_COMPUTE, now - rec.mark, 0, 0, 0});
    rec.mark = now;
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

/* The START event's number rides in the batch's link (unused here). */
void bht__sup_pool_start(sup_pool *pool, sup_batch *batch, size_t count, sup_task_fn fn,
                         void *context)
{
    (void)pool;
    span();
    batch->fn = fn;
    batch->context = context;
    batch->count = count;
    batch->link = (sup_batch *)(uintptr_t)rec.len;
    rec.after_finish = 0;
    push((event){EV_START, 0.0, count, 0, 0});
}

/* Runs the batch's tasks (as the pool does without workers), each timed. */
void bht__sup_pool_finish(sup_pool *pool, sup_batch *batch)
{
    (void)pool;
    span();
    size_t start_event = (size_t)(uintptr_t)batch->link, count = batch->count;
    if (rec.task_count + count > rec.task_cap) {
        rec.task_cap = 2 * (rec.task_count + count) + 1024;
        rec.task_cost = realloc(rec.task_cost, rec.task_cap * sizeof *rec.task_cost);
        if (!rec.task_cost)
            abort();
    }
    double t0 = thread_cpu();
    rec.events[start_event].job = rec.task_count;
    for (size_t i = 0; i < count; i++) {
        double a = thread_cpu();
        batch->fn(batch->context, 0, i);
        rec.task_cost[rec.task_count + i] = thread_cpu() - a;
    }
    double cost = thread_cpu() - t0;
    rec.events[start_event].cost = cost;
    rec.tasks += cost;
    rec.rounds += count > 0;
    rec.task_count += count;
    push((event){EV_FINISH, 0.0, 0, start_event, 0});
    rec.mark = thread_cpu();
    rec.after_finish = 1;
}

/* Runs a job, timing it; the index of the pool's job field holds the job
 * number from the post on (the search sets it for its own use, restored). */
static void run_job(sup_job *job, size_t number, int timing_only)
{
    double t0 = thread_cpu();
    job->fn(job->context, 0, job->index);
    double cost = thread_cpu() - t0;
    rec.job_cost[number] = cost;
    if (timing_only)
        rec.timing_only += cost;
    else
        rec.jobs_cpu += cost;
    job->state = SUP_JOB_DONE;
}

/* The job number rides in the queue link (unused by this stand-in). */
static size_t number_of(const sup_job *job)
{
    return (size_t)(uintptr_t)job->next;
}

void bht__sup_pool_post(sup_pool *pool, sup_job *job)
{
    (void)pool;
    span();
    if (rec.jobs == sizeof rec.job_cost / sizeof rec.job_cost[0])
        abort();
    job->state = SUP_JOB_POSTED;
    job->next = (sup_job *)(uintptr_t)rec.jobs;
    rec.job_cost[rec.jobs] = 0.0;
    rec.job_ptr[rec.jobs] = job;
    /* the first post after a finish (withdrawals aside) is the speculation
     * on the batch just finished */
    int spec = rec.after_finish;
    rec.after_finish = 0;
    push((event){EV_POST, 0.0, 0, rec.jobs++, spec});
    rec.mark = thread_cpu();
}

int bht__sup_pool_wait(sup_pool *pool, sup_job *job)
{
    (void)pool;
    span();
    if (job->state == SUP_JOB_POSTED)
        run_job(job, number_of(job), 0);
    push((event){EV_WAIT, 0.0, 0, number_of(job), 0});
    rec.waits++;
    rec.mark = thread_cpu();
    rec.after_finish = 0;
    return 1;
}

int bht__sup_pool_state(sup_pool *pool, const sup_job *job)
{
    (void)pool;
    return job->state;
}

void bht__sup_pool_retire(sup_pool *pool, sup_job *job)
{
    (void)pool;
    if (job->state != SUP_JOB_POSTED)
        return;
    span();
    run_job(job, number_of(job), 1); /* only to time it */
    job->state = SUP_JOB_IDLE;
    push((event){EV_RETIRE, 0.0, 0, number_of(job), 0});
    rec.mark = thread_cpu();
}

void bht__sup_pool_destroy(sup_pool *pool)
{
    span();
    for (size_t j = 0; j < rec.jobs; j++)
        if (rec.job_ptr[j]->state == SUP_JOB_POSTED && number_of(rec.job_ptr[j]) == j)
            run_job(rec.job_ptr[j], j, 1); /* never waited for: only to time it */
    rec.mark = thread_cpu();
    free(pool);
}

/* The model's searches run on a stand-in of their own (options->pool is
 * NULL here). */
bht_status bht__sup_pool_acquire(const bht_sup_options *options, sup_pool **pool, int *shared)
{
    *shared = 0;
    return bht__sup_pool_create(options->threads, pool);
}

void bht__sup_pool_release(sup_pool *pool, int shared)
{
    (void)shared;
    bht__sup_pool_destroy(pool);
}

/* ------------------------------------------------------------ replay */

typedef struct sim_batch {
    double start_at, last_end, task; /* task: equal share of the batch's CPU */
    const double *costs;             /* each task's CPU, or NULL: equal shares */
    size_t count, next;
    int reported;
} sim_batch;

typedef struct sim {
    size_t threads;                      /* including the caller */
    double free_at[MODEL_MAX_THREADS];   /* workers 1 .. threads - 1 */
    int busy[MODEL_MAX_THREADS];
    double *post_at, *end_at;            /* by job */
    int *state; /* 0 not posted, 1 posted, 2 claimed (done at end_at), 3 withdrawn */
    size_t *queue, qlen;                 /* posted jobs in posting order */
    sim_batch *batch;                    /* by START event */
    size_t *live, nlive;                 /* started, not finished: START events, oldest first */
} sim;

static void queue_remove(sim *m, size_t job)
{
    for (size_t k = 0; k < m->qlen; k++)
        if (m->queue[k] == job) {
            memmove(m->queue + k, m->queue + k + 1, (m->qlen - k - 1) * sizeof *m->queue);
            m->qlen--;
            return;
        }
}

/* The first posted job available at time t, or -1. */
static long first_job(const sim *m, double t)
{
    for (size_t k = 0; k < m->qlen; k++)
        if (m->post_at[m->queue[k]] <= t)
            return (long)m->queue[k];
    return -1;
}

/* The oldest live batch with an unclaimed task (started by time t), or NULL. */
static sim_batch *open_batch(const sim *m, double t)
{
    for (size_t k = 0; k < m->nlive; k++) {
        sim_batch *b = &m->batch[m->live[k]];
        if (b->next < b->count && b->start_at <= t)
            return b;
    }
    return NULL;
}

static double claim_job(sim *m, size_t j, double t)
{
    queue_remove(m, j);
    m->state[j] = 2;
    m->end_at[j] = t + rec.job_cost[j];
    return m->end_at[j];
}

static double claim_task(sim_batch *b, double t)
{
    double cost = b->costs ? b->costs[b->next] : b->task;
    b->next++;
    double end = fmax(t, b->start_at) + cost;
    b->last_end = fmax(b->last_end, end);
    return end;
}

/* Lets the workers take what is available before time T (jobs first). */
static void advance(sim *m, double T)
{
    for (;;) {
        size_t w = 0;
        double f = INFINITY;
        for (size_t k = 1; k < m->threads; k++)
            if (m->free_at[k] < f && m->free_at[k] < T) {
                f = m->free_at[k];
                w = k;
            }
        if (w == 0)
            return;
        long j = first_job(m, f);
        sim_batch *b = open_batch(m, f);
        if (j >= 0 || b) {
            m->free_at[w] = j >= 0 ? claim_job(m, (size_t)j, f) : claim_task(b, f);
            m->busy[w] = 1;
            continue;
        }
        /* nothing at f: the next availability before T, or idle until T */
        double a = T;
        for (size_t k = 0; k < m->qlen; k++)
            a = fmin(a, fmax(m->post_at[m->queue[k]], f));
        m->free_at[w] = a > f ? a : T;
        m->busy[w] = 0;
    }
}

/* The earliest end of a busy worker after t (INFINITY when none). */
static double next_end(const sim *m, double t)
{
    double e = INFINITY;
    for (size_t k = 1; k < m->threads; k++)
        if (m->busy[k] && m->free_at[k] > t)
            e = fmin(e, m->free_at[k]);
    return e;
}

/* The speculative post right after the FINISH of the batch started at
 * event k (posted early when that batch completes during a wait). */
static long spec_after(size_t k)
{
    for (size_t i = k + 1; i < rec.len; i++)
        if (rec.events[i].kind == EV_FINISH && rec.events[i].job == k) {
            for (size_t j = i + 1; j < rec.len; j++) {
                if (rec.events[j].kind == EV_POST && rec.events[j].spec)
                    return (long)rec.events[j].job;
                if (rec.events[j].kind != EV_COMPUTE && rec.events[j].kind != EV_RETIRE)
                    return -1;
            }
            return -1;
        }
    return -1;
}

static void post(sim *m, size_t job, double t)
{
    m->state[job] = 1;
    m->post_at[job] = t;
    m->queue[m->qlen++] = job;
}

/* The predicted time of the recorded program on `threads` threads, with
 * each task's own CPU time (per_task) or equal shares of its batch's. */
static double replay(size_t threads, int per_task)
{
    sim m = {.threads = threads};
    size_t jobs = rec.jobs ? rec.jobs : 1;
    m.post_at = calloc(jobs, sizeof *m.post_at);
    m.end_at = calloc(jobs, sizeof *m.end_at);
    m.state = calloc(jobs, sizeof *m.state);
    m.queue = calloc(jobs, sizeof *m.queue);
    m.batch = calloc(rec.len, sizeof *m.batch);
    m.live = calloc(rec.len, sizeof *m.live);
    if (!m.post_at || !m.end_at || !m.state || !m.queue || !m.batch || !m.live)
        abort();
    double t = 0.0;
    for (size_t i = 0; i < rec.len; i++) {
        const event *e = &rec.events[i];
        advance(&m, t);
        switch (e->kind) {
        case EV_COMPUTE:
            t += e->cost;
            break;
        case EV_START: {
            sim_batch *b = &m.batch[i];
            b->count = e->count;
            b->task = e->count ? e->cost / (double)e->count : 0.0;
            b->costs = per_task ? rec.task_cost + e->job : NULL;
            b->start_at = b->last_end = t;
            b->reported = e->count == 0;
            m.live[m.nlive++] = i;
            break;
        }
        case EV_POST:
            if (m.state[e->job] == 0)
                post(&m, e->job, t);
            break;
        case EV_RETIRE:
            if (m.state[e->job] == 1) {
                queue_remove(&m, e->job);
                m.state[e->job] = 3;
            }
            break;
        case EV_FINISH: {
            sim_batch *b = &m.batch[e->job];
            for (;;) { /* the pool's finish: open tasks, oldest batch first */
                advance(&m, t);
                if (b->next == b->count && b->last_end <= t)
                    break;
                sim_batch *o = open_batch(&m, t);
                t = o ? claim_task(o, t) : fmax(t, b->last_end);
            }
            for (size_t k = 0; k < m.nlive; k++)
                if (m.live[k] == e->job) {
                    memmove(m.live + k, m.live + k + 1, (m.nlive - k - 1) * sizeof *m.live);
                    m.nlive--;
                    break;
                }
            break;
        }
        case EV_WAIT:
            for (;;) {
                advance(&m, t);
                if (m.state[e->job] == 2 && m.end_at[e->job] <= t)
                    break;
                size_t done = m.nlive;
                for (size_t k = 0; k < m.nlive && done == m.nlive; k++) {
                    const sim_batch *b = &m.batch[m.live[k]];
                    if (!b->reported && b->next == b->count && b->last_end <= t)
                        done = k;
                }
                if (done < m.nlive) { /* a batch completed: the search speculates */
                    m.batch[m.live[done]].reported = 1;
                    long j = spec_after(m.live[done]);
                    if (j >= 0 && m.state[j] == 0)
                        post(&m, (size_t)j, t);
                    continue;
                }
                sim_batch *o = NULL;
                long j = -1;
                if (m.state[e->job] == 1)
                    j = (long)e->job;
                else if ((o = open_batch(&m, t)) == NULL && (j = first_job(&m, t)) < 0) {
                    /* sleep until something ends */
                    double wake = next_end(&m, t);
                    if (m.state[e->job] == 2)
                        wake = fmin(wake, m.end_at[e->job]);
                    if (!isfinite(wake))
                        abort(); /* waiting for a job nobody runs */
                    t = wake;
                    continue;
                }
                t = o ? claim_task(o, t) : claim_job(&m, (size_t)j, t);
                if (j == (long)e->job)
                    break;
            }
            break;
        }
    }
    /* the pool's destruction joins the workers */
    for (size_t k = 1; k < threads; k++)
        if (m.busy[k])
            t = fmax(t, m.free_at[k]);
    free(m.post_at);
    free(m.end_at);
    free(m.state);
    free(m.queue);
    free(m.batch);
    free(m.live);
    return t;
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
    bht_sup_options opt = {0.01, cells, NULL, NULL, 1, NULL};
    bht_sup_result r;
    bht_status s = BHT_OK;
    for (int run = 0; run < 2 && s == BHT_OK; run++) { /* run 0: warm-up */
        free(rec.events);
        free(rec.task_cost);
        memset(&rec, 0, sizeof rec);
        rec.mark = thread_cpu();
        s = leverage ? bht_nu_leverage_sup(n, d, A, M, 1.0, 4.0, &opt, query, &r)
                     : bht_nu_softmax_sup(n, d, A, M, 1.0, &opt, query, &r);
        span();
    }
    if (s != BHT_OK) {
        printf("%s\n", bht_status_message(s));
        return 1;
    }
    double one = replay(1, 0), timed = replay(1, 1), cpu = 0.0, prologue = 0.0, longest = 0.0;
    int before_first = 1;
    for (size_t i = 0; i < rec.len; i++) {
        if (rec.events[i].kind == EV_START)
            before_first = 0;
        if (rec.events[i].kind == EV_COMPUTE) {
            cpu += rec.events[i].cost;
            prologue += before_first ? rec.events[i].cost : 0.0;
        }
    }
    for (size_t k = 0; k < rec.task_count; k++)
        longest = fmax(longest, rec.task_cost[k]);
    printf("%s n %zu d %zu seed %llu: cells %zu width %.3e; one thread %.4f s: batches %.4f s "
           "in %zu rounds (%.1f tasks each, longest task %.1f us), certifications %.4f s "
           "(%zu waited), caller %.4f s (%.4f s before the first batch); speculated and unused "
           "%.4f s; modelled speed-up, equal tasks: 2 threads %.2fx, 3 threads %.2fx, "
           "4 threads %.2fx; timed tasks: 2 threads %.2fx, 3 threads %.2fx, 4 threads %.2fx "
           "(one thread %.6f s, two %.6f s)\n",
           leverage ? "leverage" : "softmax", n, d, (unsigned long long)seed, r.cells,
           (r.nu_upper - r.nu_lower) / r.nu_lower, one, rec.tasks, rec.rounds,
           rec.rounds ? (double)rec.task_count / (double)rec.rounds : 0.0, 1e6 * longest,
           rec.jobs_cpu, rec.waits, cpu, prologue, rec.timing_only, one / replay(2, 0),
           one / replay(3, 0), one / replay(4, 0), timed / replay(2, 1), timed / replay(3, 1),
           timed / replay(4, 1), timed, replay(2, 1));
    free(rec.task_cost);
    free(rec.events);
    return 0;
}
