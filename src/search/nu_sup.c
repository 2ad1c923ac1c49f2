/* nu_sup.c: certified bracket on sup_{||x|| <= E} Var_{softmax(Ax)}(Mx) by
 * branch and bound (the Lipschitz argument is in bht.h; each cube also gets
 * the affine-arithmetic bound of affine_upper, and the smaller one counts).  Every number that
 * enters a bound is an oracle value or a double operation followed by a step
 * of nextafter in the safe direction, so the bracket is rigorous. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "search/affine.h"
#include "search/constraints_internal.h"
#include "oracle/oracle_internal.h"
#include "search/sup_heap.h"
#include "search/sup_pool.h"

#define SUP_MAX_D 10

/* One worker's scratch space for the affine bound. */
typedef struct cell_scratch {
    aff_ctx ac;       /* symbols: x_k - center_k in [-half, half] */
    double *forms;    /* (3 n + 6) forms of d + 2 doubles */
    ivl *coefficient; /* d */
} cell_scratch;

/* One child cell: its geometry (input) and its evaluation (output). */
typedef struct cell_eval {
    double center[SUP_MAX_D], half;
    bht_status status;
    int kept;                /* 0: the cube misses the ball */
    double nu, bound;        /* oracle nu at point; upper bound over the cube */
    double point[SUP_MAX_D]; /* the ball point where nu was evaluated */
} cell_eval;

typedef struct sup_state {
    size_t n, d;
    const double *A, *M;
    double energy;
    double lipschitz_e; /* K E (dimensionless, rounded up): K radius = lipschitz_e (radius / E) */
    sup_cell *heap;
    size_t heap_len, heap_cap;
    double *centers; /* heap_cap * d */
    size_t centers_len;
    double best, best_point[SUP_MAX_D];
    size_t evaluations;
    sup_pool *pool;
    cell_scratch *scratch; /* one per thread */
    cell_eval *evals;      /* two rounds' children (see sup_pool.h) */
    size_t children, per_round;
} sup_state;

/* The children of one round, evaluated on the pool. */
typedef struct sup_round {
    const sup_state *s;
    cell_eval *evals;
} sup_round;

static double up(double v)
{
    return nextafter(v, INFINITY);
}

/* E max_{i<j} ||X_i - X_j||_2 rounded up, into out (64 bits; entries exact
 * at 2200 bits).  MPFR's exponent range: neither the spread nor its product
 * with E over- or underflows (in double, rho_A rho_M^2 overflowed for rows
 * 2^350 apart with E = 2^-350, and E^2 underflowed for E = 2^-540, although
 * K E is O(1) there: found by the common-part pairs of tests/sup_hazards.h). */
static void spread_times_energy(size_t n, size_t d, const double *X, double energy, mpfr_t out)
{
    mpfr_t e, acc;
    mpfr_init2(e, 2200);
    mpfr_init2(acc, 64);
    mpfr_set_zero(out, 1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            mpfr_set_zero(acc, 1);
            for (size_t k = 0; k < d; k++) {
                mpfr_set_d(e, X[i * d + k], MPFR_RNDN);
                mpfr_sub_d(e, e, X[j * d + k], MPFR_RNDN); /* exact */
                mpfr_sqr(e, e, MPFR_RNDU);
                mpfr_add(acc, acc, e, MPFR_RNDU);
            }
            mpfr_sqrt(acc, acc, MPFR_RNDU);
            mpfr_max(out, out, acc, MPFR_RNDU);
        }
    mpfr_mul_d(out, out, energy, MPFR_RNDU);
    mpfr_clears(e, acc, (mpfr_ptr)0);
}

/* K E = a b^2 / 4 + b^2 / 2 with a = E rho_A, b = E rho_M (K of bht.h),
 * rounded up; +inf when it exceeds the double range. */
static double lipschitz_times_energy(size_t n, size_t d, const double *A, const double *M,
                                     double energy)
{
    mpfr_t a, b, t;
    mpfr_inits2(64, a, b, t, (mpfr_ptr)0);
    spread_times_energy(n, d, A, energy, a);
    spread_times_energy(n, d, M, energy, b);
    mpfr_sqr(b, b, MPFR_RNDU);
    mpfr_mul(a, a, b, MPFR_RNDU);
    mpfr_div_2ui(a, a, 2, MPFR_RNDU);
    mpfr_div_2ui(b, b, 1, MPFR_RNDU);
    mpfr_add(t, a, b, MPFR_RNDU);
    double r = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clears(a, b, t, (mpfr_ptr)0);
    return r;
}

/* Whether nu is identically 0 on the ball: a single row (p = 1), E = 0
 * (only x = 0, where M x = 0), or all rows of M equal (M x constant). */
static int variance_vanishes(size_t n, size_t d, const double *M, double energy)
{
    if (n == 1 || energy == 0.0)
        return 1;
    for (size_t i = 1; i < n; i++)
        for (size_t k = 0; k < d; k++)
            if (M[i * d + k] != M[k])
                return 0;
    return 1;
}

/* Second bound on nu over the whole cube (affine forms in x - center, see
 * affine.h): z = A x shifted by a constant, e = exp(z), p = e / sum e,
 * g = M x, nu = sum p_i (g_i - sum_j p_j g_j)^2.  Returns +inf when a
 * step cannot be certified. */
static double affine_upper(const sup_state *s, cell_scratch *cs, const double *center,
                           double half)
{
    const size_t n = s->n, d = s->d;
    aff_ctx *w = &cs->ac;
    for (size_t k = 0; k < d; k++) {
        w->dlo[k] = -half;
        w->dhi[k] = half;
        w->dmax[k] = half;
    }
    double *z = cs->forms, *g = z + n * w->width, *p = g + n * w->width;
    double *sum = p + n * w->width, *inv = AFF(w, sum, 1), *mean = AFF(w, sum, 2);
    double *t1 = AFF(w, sum, 3), *nu = AFF(w, sum, 5);
    double shift = -INFINITY;
    /* z_i - z_0 = (A_i - A_0) x and g_i - g_0 = (M_i - M_0) x: softmax and
     * the variance are invariant under A -> A - 1 a_0^T, M -> M - 1 m_0^T, and
     * the differences (enclosed in intervals) keep rows with a huge common
     * part within the range of exp (found by the common-part pairs) */
    for (int pass = 0; pass < 2; pass++) {
        const double *X = pass ? s->M : s->A;
        double *out = pass ? g : z;
        for (size_t i = 0; i < n; i++) {
            ivl k0 = ivl_point(0.0);
            for (size_t k = 0; k < d; k++) {
                cs->coefficient[k] = ivl_sub(ivl_point(X[i * d + k]), ivl_point(X[k]));
                k0 = ivl_add(k0, ivl_mul(cs->coefficient[k], ivl_point(center[k])));
            }
            bht__aff_from_intervals(w, AFF(w, out, i), k0, cs->coefficient, 1);
            if (!pass)
                shift = fmax(shift, AFF(w, out, i)[0]);
        }
    }
    bht__aff_constant(w, sum, 0.0);
    for (size_t i = 0; i < n; i++) { /* softmax is invariant under z - shift */
        double *zi = AFF(w, z, i);
        zi[0] -= shift;
        RAD(w, zi) = bht__aff_inflate(RAD(w, zi) + bht__aff_err_bound(fabs(zi[0])));
        if (!bht__aff_exp(w, AFF(w, p, i), zi))
            return INFINITY;
        bht__aff_add(w, sum, sum, 1.0, AFF(w, p, i));
    }
    if (!bht__aff_reciprocal(w, inv, sum))
        return INFINITY;
    bht__aff_constant(w, mean, 0.0);
    for (size_t i = 0; i < n; i++) {
        bht__aff_mul(w, t1, AFF(w, p, i), inv);
        memcpy(AFF(w, p, i), t1, w->width * sizeof *t1);
        bht__aff_mul_add(w, mean, t1, AFF(w, g, i));
    }
    bht__aff_constant(w, nu, 0.0);
    for (size_t i = 0; i < n; i++) {
        double *gi = AFF(w, g, i);
        bht__aff_add(w, gi, gi, -1.0, mean);
        bht__aff_mul(w, t1, gi, gi);
        bht__aff_mul_add(w, nu, AFF(w, p, i), t1);
    }
    double upper = bht__aff_upper(w, nu);
    return isnan(upper) ? INFINITY : upper;
}

/* The affine bound's workspace of one worker (freed by scratch_free); 0 when
 * out of memory. */
static int scratch_init(cell_scratch *cs, size_t n, size_t d)
{
    cs->ac.n = d;
    cs->ac.width = d + 2;
    cs->ac.order = 1; /* first-order forms (aff_exp) */
    cs->ac.qweight = cs->ac.scratch = NULL;
    cs->ac.dlo = malloc(3 * d * sizeof *cs->ac.dlo);
    cs->forms = malloc((3 * n + 6) * (d + 2) * sizeof *cs->forms);
    cs->coefficient = malloc(d * sizeof *cs->coefficient);
    if (!cs->ac.dlo || !cs->forms || !cs->coefficient)
        return 0;
    cs->ac.dhi = cs->ac.dlo + d;
    cs->ac.dmax = cs->ac.dhi + d;
    return 1;
}

static void scratch_free(cell_scratch *cs)
{
    free(cs->ac.dlo);
    free(cs->forms);
    free(cs->coefficient);
}

/* Evaluates the cell e->center, e->half (reads s only, so that cells are
 * evaluated in parallel): the ball point, the oracle's nu there and the
 * cell's upper bound, or kept = 0 when the cube misses the ball. */
static void evaluate_cell(const sup_state *s, cell_scratch *cs, cell_eval *e)
{
    const size_t d = s->d;
    const double *center = e->center, half = e->half;
    e->status = BHT_OK;
    e->kept = 0;
    /* ||center|| by hypot: no underflow for tiny E (a sum of squares gave
     * cnorm = 0 for subnormal centers, then E / 0: found by fuzzing);
     * within d ulps, and 2^-1074 absolute among subnormals */
    double cnorm = 0.0;
    for (size_t k = 0; k < d; k++)
        cnorm = hypot(cnorm, center[k]);
    /* rounded up also when half is subnormal (a relative factor alone
     * does not cover the absolute rounding error there) */
    double reach = up(up(half * up(sqrt((double)d))) * (1.0 + 0x1p-40));
    if (cnorm * (1.0 - 0x1p-40) - (double)d * 0x1p-1074 > s->energy + reach)
        return; /* the cube misses the ball */
    memcpy(e->point, center, d * sizeof *center);
    double radius = reach;
    if (bht_check_energy(d, e->point, s->energy, NULL) == BHT_E_CONSTRAINT) {
        /* a ball point near the center's projection; every ball point of the
         * cube is within reach + ||point - center|| of it (bounded above) */
        bht__energy_ball_point(d, e->point, s->energy);
        double gap = 0.0;
        for (size_t k = 0; k < d; k++)
            gap = hypot(gap, e->point[k] - center[k]);
        radius = reach + gap * (1.0 + 0x1p-40) + (double)d * 0x1p-1073;
    }
    bht_local_result r;
    e->status = bht_oracle_nu_softmax(s->n, d, s->A, s->M, e->point, &r, NULL, NULL, NULL);
    if (e->status != BHT_OK)
        return;
    e->kept = 1;
    e->nu = r.nu;
    double lip = up(s->lipschitz_e * up(up(radius) / s->energy));
    e->bound = fmin(up(up(r.nu) + lip), affine_upper(s, cs, center, half));
}

static void evaluate_task(void *context, size_t worker, size_t index)
{
    const sup_round *round = context;
    evaluate_cell(round->s, &round->s->scratch[worker], &round->evals[index]);
}

/* Commits an evaluated cell, in the sequential order: counts it, updates
 * the best point and pushes the cell with its upper bound.  Returns the
 * evaluation's status. */
static bht_status commit_cell(sup_state *s, const cell_eval *e)
{
    const size_t d = s->d;
    if (e->status != BHT_OK || !e->kept)
        return e->status;
    s->evaluations++;
    double low = e->nu > 0.0 ? nextafter(e->nu, 0.0) : 0.0;
    if (low > s->best) {
        s->best = low;
        memcpy(s->best_point, e->point, d * sizeof *e->point);
    }
    sup_cell cell = {e->bound, e->half, s->centers_len, 0};
    memcpy(s->centers + s->centers_len * d, e->center, d * sizeof *e->center);
    s->centers_len++;
    sup_heap_push(s->heap, &s->heap_len, cell);
    return BHT_OK;
}

/* Pops the cells of the next round (up to per_round, each while the
 * stopping test and the budget, counting the uncommitted round's children
 * too, still ask for it) and writes their children to evals; returns the
 * number of children.  Runs while the workers evaluate another round:
 * touches only the heap and cells no worker reads. */
static size_t build_round(sup_state *s, const bht_sup_options *options, size_t pending,
                          cell_eval *evals)
{
    const size_t d = s->d, children = s->children;
    size_t tasks = 0;
    for (size_t b = 0; b < s->per_round && s->heap_len > 0; b++) {
        double top = s->heap[0].upper;
        if (top <= s->best * (1.0 + options->rel_width) || top == 0.0
            || s->evaluations + pending + tasks + children > options->max_cells)
            break;
        sup_cell cell = sup_heap_pop(s->heap, &s->heap_len);
        const double *center = s->centers + cell.slot * d;
        double h = cell.half / 2.0;
        if (2.0 * h < cell.half)
            h = up(h); /* a subnormal half side rounded down */
        for (size_t mask = 0; mask < children; mask++) {
            /* the child's center c +- h is rounded: its cube is widened by
             * the exact rounding error (TwoSum), so that the children still
             * cover the parent (centers such as 3E/4 need more than 53 bits) */
            double slack = 0.0;
            cell_eval *e = &evals[tasks + mask];
            for (size_t k = 0; k < d; k++) {
                double a = center[k], b2 = ((mask >> k) & 1) ? h : -h;
                double t = a + b2, bb = t - a;
                slack = fmax(slack, fabs((a - (t - bb)) + (b2 - bb)));
                e->center[k] = t;
            }
            e->half = slack > 0.0 ? up(h + up(slack)) : h;
        }
        tasks += children;
    }
    return tasks;
}

bht_status bht_nu_softmax_sup(size_t n, size_t d, const double *A, const double *M,
                              double energy, const bht_sup_options *options, double *query,
                              bht_sup_result *out)
{
    if (!A || !M || !query || !out || !options || n == 0 || d == 0 || d > SUP_MAX_D
        || n > BHT_SOFTMAX_MAX_N || n > SIZE_MAX / sizeof(double) / d
        || !(options->rel_width >= 0.0) || options->max_cells == 0
        || options->max_cells > ((size_t)1 << 26))
        return BHT_E_INVALID;
    if (isnan(energy) || isinf(energy))
        return BHT_E_NONFINITE;
    if (energy < 0.0)
        return BHT_E_INVALID;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]) || !isfinite(M[k]))
            return BHT_E_NONFINITE;

    if (variance_vanishes(n, d, M, energy)) { /* exactly [0, 0] at x = 0 */
        memset(query, 0, d * sizeof *query);
        out->nu_lower = out->nu_upper = 0.0;
        out->cells = 0;
        out->converged = 1;
        return BHT_OK;
    }
    sup_state s = {.n = n, .d = d, .A = A, .M = M, .energy = energy};
    /* the pool first: a new pool's threads start while K E is computed */
    int shared_pool;
    bht_status status = bht__sup_pool_acquire(options, &s.pool, &shared_pool);
    if (status == BHT_E_INVALID)
        return status; /* a shared pool another search is using */
    s.lipschitz_e = lipschitz_times_energy(n, d, A, M, energy);
    if (!isfinite(s.lipschitz_e)) {
        bht__sup_pool_release(s.pool, shared_pool);
        return BHT_E_RANGE; /* nu itself may exceed the double range */
    }
    size_t children = (size_t)1 << d;
    /* cells split per round (see sup_pool.h): fixed by d alone */
    s.children = children;
    s.per_round = children < SUP_ROUND_TASKS ? SUP_ROUND_TASKS / children : 1;
    s.heap_cap = options->max_cells + children + 1;
    s.heap = malloc(s.heap_cap * sizeof *s.heap);
    s.centers = malloc(s.heap_cap * d * sizeof *s.centers);
    s.evals = malloc(2 * s.per_round * children * sizeof *s.evals);
    size_t workers = s.pool ? bht__sup_pool_threads(s.pool) : 0;
    s.scratch = workers ? calloc(workers, sizeof *s.scratch) : NULL;
    int scratch_ok = s.scratch != NULL;
    for (size_t w = 0; w < workers && scratch_ok; w++)
        scratch_ok = scratch_init(&s.scratch[w], n, d);
    if (status == BHT_OK && !(s.heap && s.centers && s.evals && scratch_ok))
        status = BHT_E_NOMEM;
    s.best = -1.0;
    if (status == BHT_OK) {
        memset(s.evals[0].center, 0, sizeof s.evals[0].center);
        s.evals[0].half = energy;
        evaluate_cell(&s, &s.scratch[0], &s.evals[0]);
        status = commit_cell(&s, &s.evals[0]);
    }
    /* rounds pipelined by one (sup_pool.h): while the workers evaluate
     * round r + 1, the caller commits round r and builds round r + 2 from
     * the heap (which lacks round r + 1's children), then queues it behind
     * round r + 1 */
    size_t next_report = 1000;
    sup_round rounds[2] = {{&s, s.evals}, {&s, s.evals + s.per_round * children}};
    sup_batch batches[2] = {{0}};
    size_t counts[2] = {0, 0}; /* each buffer's round: its children */
    int queued[2] = {0, 0};    /* started, not finished */
    if (status == BHT_OK) {
        counts[0] = build_round(&s, options, 0, rounds[0].evals);
        bht__sup_pool_start(s.pool, &batches[0], counts[0], evaluate_task, &rounds[0]);
        queued[0] = 1;
    }
    for (int buf = 0; status == BHT_OK; buf = !buf) {
        /* buffer buf: round r + 1 (queued); !buf: round r, then r + 2 */
        size_t current = counts[buf], pending = counts[!buf], next = 0;
        if (queued[!buf])
            bht__sup_pool_finish(s.pool, &batches[!buf]);
        queued[!buf] = 0;
        for (size_t t = 0; t < pending && status == BHT_OK; t++)
            status = commit_cell(&s, &rounds[!buf].evals[t]);
        if (status == BHT_OK)
            next = build_round(&s, options, current, rounds[!buf].evals);
        counts[!buf] = next;
        if (status == BHT_OK) {
            bht__sup_pool_start(s.pool, &batches[!buf], next, evaluate_task, &rounds[!buf]);
            queued[!buf] = 1;
        }
        if (options->progress && s.evaluations >= next_report) {
            options->progress(options->context, s.evaluations, s.best,
                              s.heap_len ? s.heap[0].upper : 0.0);
            next_report += 1000;
        }
        if (current == 0 && pending == 0 && next == 0)
            break; /* everything committed and nothing to split */
    }
    for (int b = 0; b < 2; b++)
        if (queued[b])
            bht__sup_pool_finish(s.pool, &batches[b]);
    /* every cell not split is in the heap: its top bounds nu on the ball */
    double upper = s.heap_len ? s.heap[0].upper : s.best;
    if (status == BHT_OK && !isfinite(upper))
        status = BHT_E_RANGE; /* no cell could be bounded */
    if (status == BHT_OK) {
        /* (an empty heap: only when every cell was discarded, which cannot
         * happen at E >= 0; then upper is best) */
        out->nu_lower = s.best;
        out->nu_upper = fmax(upper, s.best);
        out->cells = s.evaluations;
        out->converged = out->nu_upper <= out->nu_lower * (1.0 + options->rel_width)
                         || out->nu_upper == 0.0;
        memcpy(query, s.best_point, d * sizeof *query);
    }
    free(s.heap);
    free(s.centers);
    free(s.evals);
    for (size_t w = 0; w < workers && s.scratch; w++)
        scratch_free(&s.scratch[w]);
    free(s.scratch);
    bht__sup_pool_release(s.pool, shared_pool);
    return status;
}

double bht__nu_softmax_cube_upper(size_t n, size_t d, const double *A, const double *M,
                             const double *center, double half)
{
    sup_state s = {.n = n, .d = d, .A = A, .M = M};
    cell_scratch cs;
    double upper = scratch_init(&cs, n, d) ? affine_upper(&s, &cs, center, half) : NAN;
    scratch_free(&cs);
    return upper;
}
