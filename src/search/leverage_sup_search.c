/* leverage_sup_search.c: the branch and bound of the leverage-model sup
 * (bht_nu_leverage_sup, bht_plan_leverage; the reduction to faces and the
 * upper-bound forms are in leverage_sup.c, whose enclosures this drives).
 * A box that cannot be bounded is split along what failed (the weight that
 * moves S most, or the coordinate that widens the failing form most).
 * Lower bound: the oracle's value at an admissible query s (rounded down),
 * from the best vertex of the weight box (vertex_climb) or the center of
 * the best box found. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "search/affine.h"
#include "search/leverage_sup_internal.h"
#include "nu/leverage_nu_interval.h"
#include "oracle/oracle_internal.h"
#include "search/sup_heap.h"
#include "search/sup_pool.h"
/* ------------------------------------------------- branch and bound */

typedef struct lsup_search {
    size_t n, d;
    const double *A, *X; /* the caller's matrices (for the oracle) */
    double c, C, rho;
    lsup_work *work, *alt; /* alt: the other formulation too (n = 2d), or NULL */
    double *boxes; /* slot k: lo at 2 n k, hi at 2 n k + n */
    size_t slot_count, slot_cap;
    size_t *free_slots;
    size_t free_len;
    sup_cell *heap;
    size_t heap_len, heap_cap;
    double *center, *query, *cand_u, *best_query; /* center: the block's start */
    double cand_lower, best, frozen_upper;
    int cand_certified;
    int vanishes; /* the objective is identically 0 (X's columns in span A) */
    size_t evaluations;
    /* parallel evaluation of the halves of the boxes split in one round
     * (see sup_pool.h): worker w uses works[w] and alts[w] (copies of work
     * and alt; works[0] == work) */
    sup_pool *pool;
    int shared_pool; /* options->pool: drained, not destroyed, at the end */
    lsup_work **works, **alts;
    double *score_alts;  /* n per worker */
    struct box_eval *ev; /* two rounds of LSUP_ROUND_TASKS halves (sup_pool.h) */
    enum lsup_objective objective;
    /* the candidates' certifications as pool jobs (see certify_candidate) */
    struct cert_entry *certs; /* CERT_ENTRIES */
    size_t cert_next;         /* the entry to reuse next */
    const struct cert_entry *cert_waited; /* the entry certify_candidate waits for */
    struct cert_spec {        /* the speculative certification armed in a round */
        const struct box_eval *ev; /* the round being evaluated */
        size_t count;              /* 0: none armed */
        double base, best, bound;  /* cand_lower, best (estimated) and bound at arming */
        double rel_width;
    } spec;
    /* the vertices' estimates (n <= VERTEX_ALL_N): vertex_values[mask] for
     * u_j = rho where bit j of mask is set, evaluated on the pool while the
     * caller builds the workspaces */
    double *vertex_values;
    sup_batch vertex_batch;
    int vertex_queued;
} lsup_search;

/* One certification: the oracle at the admissible query of the weights u,
 * computed on the pool (a pure function of u) and used by the caller. */
typedef struct cert_entry {
    sup_job job;
    const lsup_search *s;
    double *u, *query; /* n each: the candidate's weights (the key), its query */
    double value;      /* the oracle's value at query, rounded down */
    bht_status status;
    int keyed;         /* u holds a candidate (set by the caller only) */
} cert_entry;

/* Cached certifications: at most two are posted per round (the one the
 * round uses and a speculative one), so six live for three rounds. */
#define CERT_ENTRIES 6

/* The halves of one round, evaluated on the pool. */
typedef struct lsup_round {
    const lsup_search *s;
    struct box_eval *ev;
} lsup_round;

/* Boxes evaluated per round: the two halves of up to LSUP_ROUND_TASKS / 2
 * split boxes. */
#define LSUP_ROUND_TASKS SUP_ROUND_TASKS

/* One box's enclosure (computed in parallel, committed in order). */
typedef struct box_eval {
    size_t slot;
    int ok;
    ivl range;
    double center_value;
    double *center, *score; /* n each */
} box_eval;

static int grow(void **p, size_t *cap, size_t need, size_t unit)
{
    if (need <= *cap)
        return 1;
    size_t next = *cap ? *cap : 64;
    while (next < need)
        next *= 2;
    void *q = realloc(*p, next * unit);
    if (!q)
        return 0;
    *p = q;
    *cap = next;
    return 1;
}

/* Room for need slots in boxes and free_slots (kept at the same
 * capacity).  The search reserves a round's slots before starting the
 * evaluations, so that take_slot never moves boxes while workers read it. */
static bht_status reserve_slots(lsup_search *s, size_t need)
{
    size_t cap = s->slot_cap;
    if (!grow((void **)&s->boxes, &cap, need, 2 * s->n * sizeof(double)))
        return BHT_E_NOMEM;
    if (cap > s->slot_cap) {
        size_t *q = realloc(s->free_slots, cap * sizeof(size_t));
        if (!q)
            return BHT_E_NOMEM;
        s->free_slots = q;
        s->slot_cap = cap;
    }
    return BHT_OK;
}

static bht_status take_slot(lsup_search *s, size_t *slot)
{
    if (s->free_len > 0) {
        *slot = s->free_slots[--s->free_len];
        return BHT_OK;
    }
    bht_status st = reserve_slots(s, s->slot_count + 1);
    if (st != BHT_OK)
        return st;
    *slot = s->slot_count++;
    return BHT_OK;
}

/* A point strictly inside [lo, hi] (geometric mean), or lo when none. */
static double split_point(double lo, double hi)
{
    double m = sqrt(lo) * sqrt(hi);
    if (!(m > lo && m < hi))
        m = lo + (hi - lo) * 0.5;
    return (m > lo && m < hi) ? m : lo;
}

/* Admissible query for the weights u (max u = 1): s_j = sqrt(c / u_j),
 * nudged until c <= s_j^2 <= C holds exactly. */
static bht_status query_from_weights(const lsup_search *s, const double *u, double *query)
{
    mpfr_t sq;
    mpfr_init2(sq, 128);
    bht_status status = BHT_OK;
    for (size_t j = 0; j < s->n && status == BHT_OK; j++) {
        double v = sqrt(s->c / u[j]);
        int tries = 0;
        for (;; tries++) {
            mpfr_set_d(sq, v, MPFR_RNDN);
            mpfr_sqr(sq, sq, MPFR_RNDN); /* exact at 128 bits */
            if (mpfr_cmp_d(sq, s->c) < 0)
                v = nextafter(v, INFINITY);
            else if (mpfr_cmp_d(sq, s->C) > 0)
                v = nextafter(v, 0.0);
            else
                break;
            if (tries > 64 || !(v > 0.0) || !isfinite(v)) {
                status = BHT_E_RANGE; /* no double s_j with s_j^2 in [c, C] */
                break;
            }
        }
        query[j] = v;
    }
    mpfr_clear(sq);
    if (status == BHT_OK && bht_check_leverage_query(s->n, query, s->c, s->C, NULL) != BHT_OK)
        status = BHT_E_RANGE;
    return status;
}

/* Oracle value at the query, rounded down (nu, or H^2 for the planner). */
static bht_status certified_value(const lsup_search *s, const double *query, double *value)
{
    bht_status st;
    double v;
    if (s->objective == LSUP_NU) {
        /* bht_oracle_nu_leverage's r.nu, without its exact rationals when an
         * interval enclosure decides the rounding (leverage_nu_interval.c) */
        st = bht__oracle_nu_leverage_value(s->n, s->d, s->A, s->X, query, &v, NULL);
    } else {
        bht_distances dist;
        st = bht_oracle_distance_leverage(s->n, s->d, s->A, s->X, query, &dist, NULL, NULL);
        v = dist.hellinger2;
    }
    if (st == BHT_OK)
        *value = v > 0.0 ? nextafter(v, 0.0) : 0.0;
    return st;
}

static void cert_task(void *context, size_t worker, size_t index)
{
    (void)worker;
    (void)index;
    cert_entry *c = context;
    c->value = 0.0;
    c->status = query_from_weights(c->s, c->u, c->query);
    if (c->status == BHT_OK)
        c->status = certified_value(c->s, c->query, &c->value);
}

/* The entry certifying the weights u: a cached one (posted, running or
 * done), or the oldest entry no thread is running (other than the one
 * certify_candidate waits for), keyed by u and posted; NULL when there is
 * none. */
static cert_entry *cert_post(lsup_search *s, const double *u)
{
    const size_t n = s->n;
    for (size_t k = 0; k < CERT_ENTRIES; k++) {
        cert_entry *c = &s->certs[k];
        if (c->keyed && memcmp(c->u, u, n * sizeof *u) == 0)
            return c;
    }
    for (size_t k = 0; k < CERT_ENTRIES; k++) {
        cert_entry *c = &s->certs[(s->cert_next + k) % CERT_ENTRIES];
        if (c == s->cert_waited || bht__sup_pool_state(s->pool, &c->job) == SUP_JOB_RUNNING)
            continue;
        bht__sup_pool_retire(s->pool, &c->job);
        s->cert_next = (s->cert_next + k + 1) % CERT_ENTRIES;
        memcpy(c->u, u, n * sizeof *u);
        c->keyed = 1;
        bht__sup_pool_post(s->pool, &c->job);
        return c;
    }
    return NULL;
}

/* Posts the certification of the candidate that committing the armed round
 * (s->spec, now evaluated) will make, when the next round's maybe_certify
 * would likely ask for it (its test on the values at arming, the best
 * raised to the candidate being certified then).  A job is a pure function
 * of its weights and its value is used only where maybe_certify asks for
 * it, so this changes no result; with workers it runs while the caller
 * waits for the previous certification, which halves the certifications'
 * critical path when every round certifies (leverage n 6, d 5).  Without
 * workers a posted job runs only when waited for. */
static void speculate(lsup_search *s)
{
    const size_t count = s->spec.count;
    if (count == 0)
        return;
    s->spec.count = 0;
    double lower = s->spec.base;
    const box_eval *cand = NULL;
    for (size_t t = 0; t < count; t++)
        if (s->spec.ev[t].ok && s->spec.ev[t].center_value > lower) { /* as commit_box */
            lower = s->spec.ev[t].center_value;
            cand = &s->spec.ev[t];
        }
    double best = s->spec.best;
    if (cand && lower > best
        && (s->spec.bound <= lower * (1.0 + s->spec.rel_width) || lower > best * (1.0 + 1e-3)))
        cert_post(s, cand->center);
}

/* Certifies the candidate (the oracle at its admissible query, rounded
 * down) and raises the best to it.  The value comes from a pool job
 * (cert_post), run by the caller unless a worker has started it already;
 * while a worker runs it the caller evaluates the current round's boxes
 * and speculates on the next candidate. */
static bht_status certify_candidate(lsup_search *s)
{
    s->cand_certified = 1;
    cert_entry *c = cert_post(s, s->cand_u);
    bht_status st;
    double v = 0.0;
    const double *query = s->query;
    if (c) {
        s->cert_waited = c;
        while (!bht__sup_pool_wait(s->pool, &c->job))
            speculate(s); /* the current round is evaluated */
        s->cert_waited = NULL;
        st = c->status;
        v = c->value;
        query = c->query;
    } else {
        st = query_from_weights(s, s->cand_u, s->query);
        if (st == BHT_OK)
            st = certified_value(s, s->query, &v);
    }
    if (st == BHT_OK && v > s->best) {
        s->best = v;
        memcpy(s->best_query, query, s->n * sizeof *query);
    }
    return st;
}

/* The double kernel's nu at the query of the weights u (an estimate, only
 * for choosing a candidate; -inf when it refuses). */
static double vertex_value(const lsup_search *s, const double *u, double *query)
{
    for (size_t j = 0; j < s->n; j++)
        query[j] = sqrt(s->c / u[j]);
    bht_local_result r;
    if (bht_nu_leverage(s->n, s->d, s->A, s->X, query, &r, NULL) != BHT_OK || !(r.nu >= 0.0))
        return -INFINITY;
    return r.nu;
}

/* Vertices enumerated when n <= VERTEX_ALL_N (2^n - 1 evaluations of the
 * double kernel: n = 8 costs about a millisecond, beside the faces'
 * enclosures), VERTEX_CHUNK to a pool task; above, a climb of at most
 * CLIMB_EVALUATIONS. */
#define VERTEX_ALL_N 8
#define VERTEX_CHUNK 8
#define CLIMB_EVALUATIONS 256

/* Whether the search starts from the best vertex (nu only). */
static int climbs(const lsup_search *s)
{
    return s->objective == LSUP_NU && s->rho > 0.0 && !s->vanishes;
}

/* Whether the faces are enclosed beside the first certification (else the
 * answer may be exact without boxes, or there are none). */
static int starts_with_faces(const lsup_search *s)
{
    return s->n > s->d && !s->vanishes && s->rho > 0.0;
}

/* vertex_values for the masks of one chunk (all at rho, mask 2^n - 1, is
 * the all-equal query again and left out).  Each value is the double
 * kernel's at its vertex, whichever thread computes it. */
static void vertex_task(void *context, size_t worker, size_t index)
{
    (void)worker;
    const lsup_search *s = context;
    const size_t n = s->n;
    double u[VERTEX_ALL_N], query[VERTEX_ALL_N];
    unsigned end = (1u << n) - 1;
    for (unsigned mask = (unsigned)index * VERTEX_CHUNK;
         mask < end && mask < (unsigned)(index + 1) * VERTEX_CHUNK; mask++) {
        for (size_t j = 0; j < n; j++)
            u[j] = mask >> j & 1u ? s->rho : 1.0;
        s->vertex_values[mask] = vertex_value(s, u, query);
    }
}

/* Queues the vertices' evaluations (n <= VERTEX_ALL_N) on the pool. */
static void start_vertices(lsup_search *s)
{
    size_t masks = ((size_t)1 << s->n) - 1;
    bht__sup_pool_start(s->pool, &s->vertex_batch, (masks + VERTEX_CHUNK - 1) / VERTEX_CHUNK,
                        vertex_task, s);
    s->vertex_queued = 1;
}

/* nu's sup is often attained at a vertex of the weight box (u_j in
 * {rho, 1}; five of the six bench_sup problems with n = 8, d = 3), which
 * box centers reach only after many splits.  Finds the vertex where the
 * double kernel's nu is largest: every vertex for n <= VERTEX_ALL_N (the
 * first on ties, in the order of the bit masks of the coordinates at rho;
 * from vertex_values, queued by start_vertices), else by moving from the
 * all-equal weights to the best vertex one flip away while that raises nu.
 * Returns 1 with the vertex in u when it beats the all-equal query's
 * estimate (a candidate, certified by the oracle like any other), else 0.
 * Nu only. */
static int vertex_climb(lsup_search *s, double *u)
{
    const size_t n = s->n;
    if (!climbs(s))
        return 0;
    if (n <= VERTEX_ALL_N) {
        if (s->vertex_queued)
            bht__sup_pool_finish(s->pool, &s->vertex_batch);
        s->vertex_queued = 0;
        const double start = s->vertex_values[0]; /* mask 0: the all-equal query */
        double value = start;
        unsigned best = 0;
        for (unsigned mask = 1; mask + 1 < 1u << n; mask++)
            if (s->vertex_values[mask] > value) {
                value = s->vertex_values[mask];
                best = mask;
            }
        for (size_t j = 0; j < n; j++)
            u[j] = best >> j & 1u ? s->rho : 1.0;
        return value > start;
    }
    for (size_t j = 0; j < n; j++)
        u[j] = 1.0;
    const double start = vertex_value(s, u, s->query);
    double value = start;
    size_t evaluations = 1, low = 0; /* coordinates at rho */
    for (;;) {
        int move = -1;
        double gain = value;
        for (size_t k = 0; k < n && evaluations < CLIMB_EVALUATIONS; k++) {
            if (u[k] == 1.0 && low + 1 == n)
                continue; /* all at rho: the all-equal query again */
            u[k] = u[k] == 1.0 ? s->rho : 1.0;
            double v = vertex_value(s, u, s->query);
            evaluations++;
            u[k] = u[k] == 1.0 ? s->rho : 1.0;
            if (v > gain) {
                gain = v;
                move = (int)k;
            }
        }
        if (move < 0)
            break;
        if (u[move] == 1.0) {
            u[move] = s->rho;
            low++;
        } else {
            u[move] = 1.0;
            low--;
        }
        value = gain;
    }
    return value > start;
}

/* Encloses the objective over the box in e->slot (reads s, writes e and
 * worker's workspaces only, so that boxes are enclosed in parallel). */
static void evaluate_box(const lsup_search *s, size_t worker, box_eval *e)
{
    const size_t n = s->n;
    const double *lo = s->boxes + 2 * n * e->slot, *hi = lo + n;
    double *score_alt = s->score_alts + worker * n;
    for (size_t j = 0; j < n; j++)
        e->center[j] = split_point(lo[j], hi[j]);
    e->center_value = 0.0;
    int ok = bht__lsup_enclose(s->works[worker], lo, hi, e->center, &e->range, &e->center_value,
                          e->score) == 0;
    if (s->alts[worker]) { /* both enclosures are rigorous: keep the smaller upper end */
        ivl r2;
        double v2 = 0.0;
        if (bht__lsup_enclose(s->alts[worker], lo, hi, e->center, &r2, &v2, score_alt) == 0) {
            if (!ok || r2.hi - r2.lo < e->range.hi - e->range.lo) {
                memcpy(e->score, score_alt, n * sizeof *e->score);
                e->center_value = v2;
            }
            e->range.hi = ok ? fmin(e->range.hi, r2.hi) : r2.hi;
            ok = 1;
        }
    }
    e->ok = ok;
}

static void evaluate_task(void *context, size_t worker, size_t index)
{
    const lsup_round *round = context;
    evaluate_box(round->s, worker, &round->ev[index]);
}

/* Commits an enclosed box in the sequential order: counts it, updates the
 * candidate, and pushes the box (unless it cannot beat the best). */
static bht_status commit_box(lsup_search *s, const box_eval *e)
{
    const size_t n = s->n;
    const size_t slot = e->slot;
    const double *lo = s->boxes + 2 * n * slot, *hi = lo + n;
    double upper = INFINITY;
    s->evaluations++;
    if (e->ok) {
        upper = e->range.hi;
        if (e->center_value > s->cand_lower) {
            s->cand_lower = e->center_value;
            memcpy(s->cand_u, e->center, n * sizeof *e->center);
            s->cand_certified = 0;
        }
    }
    /* !ok: upper stays +inf; the scores point at what failed */
    int split = -1, widest = -1;
    double best_score = -1.0, widest_ratio = 1.0;
    for (size_t j = 0; j < n; j++)
        if (lo[j] < hi[j] && split_point(lo[j], hi[j]) > lo[j]) {
            if (e->score[j] > best_score) { /* NaN scores never win */
                best_score = e->score[j];
                split = (int)j;
            }
            if (hi[j] / lo[j] > widest_ratio) {
                widest_ratio = hi[j] / lo[j];
                widest = (int)j;
            }
        }
    if (split < 0)
        split = widest; /* every score NaN (an overflowing form): bisect the widest side */
    if (s->objective == LSUP_H2)
        upper = fmin(upper, 1.0);
    if (upper <= s->best) {
        s->free_slots[s->free_len++] = slot;
        return BHT_OK;
    }
    size_t cap = s->heap_cap;
    if (!grow((void **)&s->heap, &cap, s->heap_len + 1, sizeof *s->heap))
        return BHT_E_NOMEM;
    s->heap_cap = cap;
    sup_heap_push(s->heap, &s->heap_len, (sup_cell){upper, 0.0, slot, split});
    return BHT_OK;
}

/* The n faces F_f = {u_f = 1, rho <= u_j <= 1} into ev[0 .. n - 1] (new
 * slots), enclosed on the pool as a batch (started here, finished by the
 * caller). */
static bht_status start_faces(lsup_search *s, const lsup_round *faces, sup_batch *batch)
{
    const size_t n = s->n;
    bht_status st = reserve_slots(s, s->slot_count + n);
    if (st != BHT_OK)
        return st;
    for (size_t f = 0; f < n; f++) {
        size_t slot = s->slot_count++;
        double *lo = s->boxes + 2 * n * slot, *hi = lo + n;
        for (size_t j = 0; j < n; j++) {
            lo[j] = j == f ? 1.0 : s->rho;
            hi[j] = 1.0;
        }
        faces->ev[f].slot = slot;
    }
    bht__sup_pool_start(s->pool, batch, n, evaluate_task, (void *)faces);
    return BHT_OK;
}

/* Splits the box of cell in two: the halves go to ev[0] (the cell's own
 * slot, [lo, m]) and ev[1] (a new slot, [m, hi]), to be evaluated with
 * the rest of the round. */
static bht_status split_cell(lsup_search *s, sup_cell cell, box_eval *ev)
{
    const size_t n = s->n;
    size_t j = (size_t)cell.split, right;
    bht_status st = take_slot(s, &right);
    if (st != BHT_OK)
        return st;
    double *left_box = s->boxes + 2 * n * cell.slot, *right_box = s->boxes + 2 * n * right;
    memcpy(right_box, left_box, 2 * n * sizeof *left_box);
    double m = split_point(left_box[j], left_box[n + j]);
    left_box[n + j] = m;  /* [lo, m] */
    right_box[j] = m;     /* [m, hi] */
    ev[0].slot = cell.slot;
    ev[1].slot = right;
    return BHT_OK;
}

/* The stopping test of the search: the bound (heap top, or a box that
 * cannot be split) within rel_width of the best certified value. */
static int search_done(const lsup_search *s, double rel_width)
{
    double top = s->heap_len ? s->heap[0].upper : -INFINITY;
    double bound = fmax(top, s->frozen_upper);
    return bound <= s->best * (1.0 + rel_width) || bound <= s->best;
}

/* Builds the next round into ev: pops boxes until LSUP_ROUND_TASKS / 2
 * have been split, or the stopping test, the budget (counting the
 * uncommitted round's halves too) or an empty heap ends it; *tasks gets
 * the number of halves.  Runs while the workers evaluate another round:
 * touches only the heap, the free slots and boxes no worker reads, and
 * never moves boxes (see reserve_slots). */
static bht_status build_round(lsup_search *s, const bht_sup_options *options, size_t pending,
                              box_eval *ev, size_t *tasks)
{
    bht_status st = BHT_OK;
    *tasks = 0;
    while (st == BHT_OK && *tasks + 2 <= LSUP_ROUND_TASKS && s->heap_len > 0
           && s->evaluations + pending + *tasks + 2 <= options->max_cells
           && !search_done(s, options->rel_width)) {
        sup_cell cell = sup_heap_pop(s->heap, &s->heap_len);
        if (cell.upper <= s->best) {
            s->free_slots[s->free_len++] = cell.slot;
        } else if (cell.split < 0) {
            s->frozen_upper = fmax(s->frozen_upper, cell.upper);
            s->free_slots[s->free_len++] = cell.slot;
        } else {
            st = split_cell(s, cell, ev + *tasks);
            *tasks += st == BHT_OK ? 2 : 0;
        }
    }
    return st;
}

/* Certifies the candidate at once (it sharpens pruning and the stopping
 * test) when it gains 0.1%, or when it would end the search; *done 1 when
 * it did.  First arms the speculation on the round being evaluated (ev,
 * count; see speculate), with the best raised to the candidate certified
 * here. */
static bht_status maybe_certify(lsup_search *s, double rel_width, const box_eval *ev,
                                size_t count, int *done)
{
    double top = s->heap_len ? s->heap[0].upper : -INFINITY;
    double bound = fmax(top, s->frozen_upper);
    int certify = !(search_done(s, rel_width) || s->cand_certified || !(s->cand_lower > s->best)
                    || !(bound <= s->cand_lower * (1.0 + rel_width)
                         || s->cand_lower > s->best * (1.0 + 1e-3)));
    s->spec = (struct cert_spec){ev, count, s->cand_lower,
                                 certify ? s->cand_lower : s->best, bound, rel_width};
    *done = certify;
    return certify ? certify_candidate(s) : BHT_OK;
}

static void search_free(lsup_search *s)
{
    size_t workers = s->pool ? bht__sup_pool_threads(s->pool) : 0;
    /* no job or task runs after this (on failure a job or the vertices'
     * batch may still be queued; on success a speculative job) */
    bht__sup_pool_release(s->pool, s->shared_pool);
    for (size_t w = 1; w < workers && s->works; w++) {
        bht__lsup_work_free(s->works[w]);
        bht__lsup_work_free(s->alts[w]);
    }
    free(s->vertex_values);
    if (s->certs)
        free(s->certs[0].u);
    free(s->certs);
    free(s->works);
    free(s->alts);
    free(s->score_alts);
    if (s->ev)
        free(s->ev[0].center);
    free(s->ev);
    bht__lsup_work_free(s->work);
    bht__lsup_work_free(s->alt);
    free(s->boxes);
    free(s->free_slots);
    free(s->heap);
    free(s->center);
}

/* One copy of the workspaces per thread of the pool (clones of work and
 * alt, which enclose every box to the same bits). */
static bht_status parallel_init(lsup_search *s)
{
    const size_t n = s->n;
    size_t workers = bht__sup_pool_threads(s->pool);
    s->works = calloc(workers, sizeof *s->works);
    s->alts = calloc(workers, sizeof *s->alts);
    s->score_alts = malloc(workers * n * sizeof *s->score_alts);
    s->ev = calloc(2 * LSUP_ROUND_TASKS, sizeof *s->ev);
    if (!s->works || !s->alts || !s->score_alts || !s->ev)
        return BHT_E_NOMEM;
    s->ev[0].center = malloc(4 * LSUP_ROUND_TASKS * n * sizeof *s->ev[0].center);
    if (!s->ev[0].center)
        return BHT_E_NOMEM;
    for (size_t t = 0; t < 2 * LSUP_ROUND_TASKS; t++) {
        s->ev[t].center = s->ev[0].center + 2 * n * t;
        s->ev[t].score = s->ev[t].center + n;
    }
    s->works[0] = s->work;
    s->alts[0] = s->alt;
    for (size_t w = 1; w < workers; w++) {
        if (!(s->works[w] = bht__lsup_work_clone(s->work)))
            return BHT_E_NOMEM;
        if (s->alt && !(s->alts[w] = bht__lsup_work_clone(s->alt)))
            return BHT_E_NOMEM;
    }
    return BHT_OK;
}

/* The search's vectors, rho, the certification entries and the vertices'
 * values; then the work that needs no workspace is queued at once, so that
 * the workers do it while the caller builds the workspaces: the all-equal
 * query's certification (a job) and, for n <= VERTEX_ALL_N, the vertices
 * (a batch). */
static bht_status search_init(lsup_search *s)
{
    const size_t n = s->n;
    s->center = malloc(4 * n * sizeof *s->center);
    s->certs = calloc(CERT_ENTRIES, sizeof *s->certs);
    if (!s->center || !s->certs)
        return BHT_E_NOMEM;
    s->query = s->center + n;
    s->cand_u = s->query + n;
    s->best_query = s->cand_u + n;
    for (size_t j = 0; j < n; j++)
        s->cand_u[j] = 1.0;
    s->best = -1.0;
    s->cand_lower = -1.0;
    s->frozen_upper = -INFINITY;
    /* rho <= c / C */
    mpfr_t q;
    mpfr_init2(q, 53);
    mpfr_set_d(q, s->c, MPFR_RNDN);
    mpfr_div_d(q, q, s->C, MPFR_RNDD);
    s->rho = mpfr_get_d(q, MPFR_RNDD);
    mpfr_clear(q);
    s->certs[0].u = malloc(2 * CERT_ENTRIES * n * sizeof *s->certs[0].u);
    if (!s->certs[0].u)
        return BHT_E_NOMEM;
    for (size_t k = 0; k < CERT_ENTRIES; k++) {
        cert_entry *c = &s->certs[k];
        c->u = s->certs[0].u + 2 * n * k;
        c->query = c->u + n;
        c->s = s;
        c->job = (sup_job){.fn = cert_task, .context = c};
    }
    if (!starts_with_faces(s))
        return BHT_OK;
    cert_post(s, s->cand_u); /* used by run_search's first certify_candidate */
    if (climbs(s) && n <= VERTEX_ALL_N) {
        s->vertex_values = malloc((((size_t)1 << n) - 1) * sizeof *s->vertex_values);
        if (!s->vertex_values)
            return BHT_E_NOMEM;
        start_vertices(s);
    }
    return BHT_OK;
}

/* Runs the search (after search_init and parallel_init); on success
 * *lower (oracle at query) and *upper. */
static bht_status run_search(lsup_search *s, const bht_sup_options *options, double *query,
                             double *lower, double *upper, size_t *cells)
{
    const size_t n = s->n;
    bht_status st = BHT_OK;
    /* the all-equal query, certified while the pool encloses the n faces
     * (unless the answer may be exact without boxes): also decides the
     * rank (BHT_E_SINGULAR) */
    lsup_round faces = {s, s->ev};
    sup_batch faces_batch = {0};
    int started = starts_with_faces(s);
    if (started)
        st = start_faces(s, &faces, &faces_batch);
    if (st == BHT_OK)
        st = certify_candidate(s);
    if (st == BHT_OK && started && vertex_climb(s, s->center)) {
        memcpy(s->cand_u, s->center, n * sizeof *s->center);
        st = certify_candidate(s); /* the best vertex the climb found */
    }
    if (started)
        bht__sup_pool_finish(s->pool, &faces_batch);
    if (st != BHT_OK)
        return st;
    if (n == s->d || (s->vanishes && s->best == 0.0)) {
        /* H = I for every query: nu = 0 and both models give p_i = 1/n; or
         * X's columns lie in span A (decided exactly): nu == 0 for M = A Y,
         * H == 0 for B = A R (rank d, which the oracle just confirmed) */
        *lower = *upper = s->best;
        *cells = 0;
        memcpy(query, s->best_query, n * sizeof *query);
        return BHT_OK;
    }
    if (!(s->rho > 0.0))
        return BHT_E_RANGE;
    if (!started) {
        st = start_faces(s, &faces, &faces_batch);
        if (st != BHT_OK)
            return st;
        bht__sup_pool_finish(s->pool, &faces_batch);
    }
    for (size_t f = 0; f < n && st == BHT_OK; f++)
        st = commit_box(s, &s->ev[f]);
    /* rounds pipelined by one (sup_pool.h): while the workers evaluate
     * round r + 1, the caller commits round r, certifies the candidate and
     * builds round r + 2 from the heap (which lacks round r + 1's halves),
     * then queues it behind round r + 1 */
    size_t next_report = 1000;
    lsup_round rounds[2] = {{s, s->ev}, {s, s->ev + LSUP_ROUND_TASKS}};
    sup_batch batches[2] = {{0}};
    size_t counts[2] = {0, 0}; /* each buffer's round: its halves */
    int queued[2] = {0, 0};    /* started, not finished */
    st = build_round(s, options, 0, rounds[0].ev, &counts[0]);
    if (st == BHT_OK) {
        bht__sup_pool_start(s->pool, &batches[0], counts[0], evaluate_task, &rounds[0]);
        queued[0] = 1;
    }
    for (int buf = 0; st == BHT_OK; buf = !buf) {
        /* buffer buf: round r + 1 (queued); !buf: round r, then r + 2 */
        size_t current = counts[buf], pending = counts[!buf], next = 0;
        int certified = 0;
        if (queued[!buf]) {
            bht__sup_pool_finish(s->pool, &batches[!buf]);
            speculate(s); /* armed on round r by the previous maybe_certify */
        }
        queued[!buf] = 0;
        for (size_t t = 0; t < pending && st == BHT_OK; t++)
            st = commit_box(s, &rounds[!buf].ev[t]);
        if (st == BHT_OK)
            st = maybe_certify(s, options->rel_width, rounds[buf].ev, current, &certified);
        if (st == BHT_OK && s->slot_cap < s->slot_count + LSUP_ROUND_TASKS / 2
            && queued[buf]) {
            /* the boxes must not move while round r + 1 reads them: let it
             * end before making room for round r + 2's new slots (rare:
             * the room doubles) */
            bht__sup_pool_finish(s->pool, &batches[buf]);
            queued[buf] = 0;
            speculate(s);
            st = reserve_slots(s, s->slot_count + LSUP_ROUND_TASKS / 2);
        }
        if (st == BHT_OK)
            st = build_round(s, options, current, rounds[!buf].ev, &next);
        counts[!buf] = next;
        if (st == BHT_OK) {
            bht__sup_pool_start(s->pool, &batches[!buf], next, evaluate_task, &rounds[!buf]);
            queued[!buf] = 1;
        }
        if (options->progress && s->evaluations >= next_report) {
            options->progress(options->context, s->evaluations, s->best,
                              fmax(s->heap_len ? s->heap[0].upper : -INFINITY, s->frozen_upper));
            next_report += 1000;
        }
        if (current == 0 && pending == 0 && next == 0 && !certified)
            break; /* everything committed, nothing to split or certify */
    }
    for (int b = 0; b < 2; b++)
        if (queued[b])
            bht__sup_pool_finish(s->pool, &batches[b]);
    if (st == BHT_OK && !s->cand_certified && s->cand_lower > s->best)
        st = certify_candidate(s);
    if (st != BHT_OK)
        return st;
    double top = s->heap_len ? s->heap[0].upper : -INFINITY;
    *lower = s->best;
    *upper = fmax(fmax(top, s->frozen_upper), s->best);
    *cells = s->evaluations;
    memcpy(query, s->best_query, n * sizeof *query);
    return BHT_OK;
}

/* Shapes, finiteness and the query bounds shared by both entry points. */
static bht_status check_problem(size_t n, size_t d, const double *A, const double *X, double c,
                                double C)
{
    if (!A || !X || n == 0 || d == 0 || d > n || n > BHT_LEVERAGE_SUP_MAX_N)
        return BHT_E_INVALID;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]) || !isfinite(X[k]))
            return BHT_E_NONFINITE;
    if (isnan(c) || isnan(C) || isinf(c) || isinf(C))
        return BHT_E_NONFINITE;
    if (!(c > 0.0 && c < C))
        return BHT_E_INVALID;
    return BHT_OK;
}

/* Whether some double s has c <= s^2 <= C (decided exactly): the smallest
 * s with s^2 >= c must not exceed C.  For C within an ulp or two of c there
 * is none (found by the extreme-bounds generator of tests/sup_hazards.h:
 * the search refused with BHT_E_RANGE although the set is simply empty). */
static int constraint_nonempty(double c, double C)
{
    mpfr_t sq;
    mpfr_init2(sq, 128);
    double s = sqrt(c); /* within an ulp of sqrt(c) */
    int state = 0;      /* -1: s^2 < c, 0: not known, 1: s^2 >= c */
    for (int k = 0; k < 64; k++) {
        mpfr_set_d(sq, s, MPFR_RNDN);
        mpfr_sqr(sq, sq, MPFR_RNDN); /* exact at 128 bits */
        int below = mpfr_cmp_d(sq, c) < 0;
        if (!below && state == -1)
            break; /* s is the smallest double with s^2 >= c */
        state = below ? -1 : 1;
        s = below ? nextafter(s, INFINITY) : nextafter(s, 0.0);
    }
    int nonempty = state != -1 || mpfr_cmp_d(sq, C) <= 0;
    mpfr_clear(sq);
    return nonempty;
}

static bht_status sup_common(enum lsup_objective objective, size_t n, size_t d, const double *A,
                             const double *X, double c, double C,
                             const bht_sup_options *options, double *query, double *lower,
                             double *upper, size_t *cells)
{
    bht_status st = check_problem(n, d, A, X, c, C);
    if (st != BHT_OK)
        return st;
    if (!constraint_nonempty(c, C))
        return BHT_E_CONSTRAINT;
    lsup_search s = {.n = n, .d = d, .A = A, .X = X, .c = c, .C = C, .objective = objective};
    /* the pool first: its threads start (tens of microseconds to a
     * scheduler tick) and do search_init's jobs while the workspaces are
     * built */
    st = bht__sup_pool_acquire(options, &s.pool, &s.shared_pool);
    if (st == BHT_OK) {
        int in_span = bht__lsup_columns_in_span(n, d, A, X);
        if (in_span < 0)
            st = BHT_E_NOMEM;
        s.vanishes = in_span == 1;
    }
    if (st == BHT_OK)
        st = search_init(&s);
    if (st == BHT_OK && n - d <= d && d < n) {
        /* no more null directions than columns: the complement's forms are
         * smaller and tighter (n = 2d: both, the smaller bound counts).  On
         * failure (rank < d, or a basis entry beyond double range) the
         * direct form alone is used and the oracle reports the rank. */
        bht_status cs;
        s.work = bht__lsup_work_new_complement(objective, n, d, A, X, &cs);
        if (cs == BHT_E_NOMEM)
            st = cs;
        if (st == BHT_OK && s.work && n - d == d
            && !(s.alt = bht__lsup_work_new(objective, n, d, A, X)))
            st = BHT_E_NOMEM;
    }
    if (st == BHT_OK && !s.work
        && !(s.work = bht__lsup_work_new(objective, n, d, A, X)))
        st = BHT_E_NOMEM;
    if (st == BHT_OK)
        st = parallel_init(&s);
    if (st == BHT_OK)
        st = run_search(&s, options, query, lower, upper, cells);
    if (st == BHT_OK && !isfinite(*upper))
        st = BHT_E_RANGE; /* the budget ran out before any box was bounded */
    search_free(&s);
    return st;
}

bht_status bht_nu_leverage_sup(size_t n, size_t d, const double *A, const double *M, double c,
                               double C, const bht_sup_options *options, double *query,
                               bht_sup_result *out)
{
    if (!options || !query || !out || !(options->rel_width >= 0.0) || options->max_cells == 0
        || options->max_cells > ((size_t)1 << 26))
        return BHT_E_INVALID;
    double lower = 0.0, upper = 0.0;
    size_t cells = 0;
    bht_status st = sup_common(LSUP_NU, n, d, A, M, c, C, options, query, &lower, &upper, &cells);
    if (st == BHT_OK) {
        out->nu_lower = lower;
        out->nu_upper = upper;
        out->cells = cells;
        out->converged = upper <= lower * (1.0 + options->rel_width) || upper == 0.0;
    }
    return st;
}

bht_status bht_plan_leverage(size_t n, size_t d, const double *A, const double *B, double c,
                             double C, double error, size_t max_cells, double *query,
                             bht_plan_result *out)
{
    bht_sup_options options = {0.01, max_cells, NULL, NULL, 0, NULL};
    return bht_plan_leverage_search(n, d, A, B, c, C, error, &options, query, out, NULL);
}

bht_status bht_plan_leverage_search(size_t n, size_t d, const double *A, const double *B,
                                    double c, double C, double error,
                                    const bht_sup_options *options, double *query,
                                    bht_plan_result *out, bht_sup_result *h2)
{
    if (!query || !out || !options || !(error > 0.0 && error < 0.5)
        || !(options->rel_width >= 0.0) || options->max_cells == 0
        || options->max_cells > ((size_t)1 << 26))
        return isnan(error) ? BHT_E_NONFINITE : BHT_E_INVALID;
    double lower = 0.0, upper = 0.0;
    size_t cells = 0;
    bht_status st =
        sup_common(LSUP_H2, n, d, A, B, c, C, options, query, &lower, &upper, &cells);
    if (st != BHT_OK)
        return st;
    if (h2) {
        h2->nu_lower = lower;
        h2->nu_upper = upper;
        h2->cells = cells;
        h2->converged = upper <= lower * (1.0 + options->rel_width) || upper == 0.0;
    }
    /* H^2 at the query itself (the count uses it, rounded down) */
    bht_distances at;
    st = bht_oracle_distance_leverage(n, d, A, B, query, &at, NULL, NULL);
    if (st != BHT_OK)
        return st;
    return bht__plan_fill(&at, fmin(upper, 1.0), error, out);
}
