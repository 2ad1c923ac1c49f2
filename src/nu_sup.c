/* nu_sup.c: certified bracket on sup_{||x|| <= E} Var_{softmax(Ax)}(Mx) by
 * branch and bound (the Lipschitz argument is in bht.h; each cube also gets
 * the affine-arithmetic bound of affine_upper, and the smaller one counts).  Every number that
 * enters a bound is an oracle value or a double operation followed by a step
 * of nextafter in the safe direction, so the bracket is rigorous. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "affine.h"
#include "constraints_internal.h"
#include "oracle_internal.h"
#include "sup_heap.h"

#define SUP_MAX_D 10

typedef struct sup_state {
    size_t n, d;
    const double *A, *M;
    double energy, lipschitz;
    sup_cell *heap;
    size_t heap_len, heap_cap;
    double *centers; /* heap_cap * d */
    size_t centers_len;
    double *point;   /* scratch: a ball point of the cell */
    double best, *best_point;
    size_t evaluations;
    aff_ctx ac;       /* symbols: x_k - center_k in [-half, half] */
    double *forms;    /* (3 n + 6) forms of d + 2 doubles */
    ivl *coefficient; /* d */
} sup_state;

static double up(double v)
{
    return nextafter(v, INFINITY);
}

/* max_{i<j} ||X_i - X_j||_2 rounded up (entries exact at 2200 bits). */
static double spread_upper(size_t n, size_t d, const double *X)
{
    mpfr_t e, acc, best;
    mpfr_init2(e, 2200);
    mpfr_inits2(64, acc, best, (mpfr_ptr)0);
    mpfr_set_zero(best, 1);
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
            mpfr_max(best, best, acc, MPFR_RNDU);
        }
    double r = mpfr_get_d(best, MPFR_RNDU);
    mpfr_clears(e, acc, best, (mpfr_ptr)0);
    return r;
}

/* Second bound on nu over the whole cube (affine forms in x - center, see
 * affine.h): z = A x shifted by a constant, e = exp(z), p = e / sum e,
 * g = M x, nu = sum p_i (g_i - sum_j p_j g_j)^2.  Returns +inf when a
 * step cannot be certified. */
static double affine_upper(sup_state *s, const double *center, double half)
{
    const size_t n = s->n, d = s->d;
    aff_ctx *w = &s->ac;
    for (size_t k = 0; k < d; k++) {
        w->dlo[k] = -half;
        w->dhi[k] = half;
        w->dmax[k] = half;
    }
    double *z = s->forms, *g = z + n * w->width, *p = g + n * w->width;
    double *sum = p + n * w->width, *inv = AFF(w, sum, 1), *mean = AFF(w, sum, 2);
    double *t1 = AFF(w, sum, 3), *nu = AFF(w, sum, 5);
    double shift = -INFINITY;
    for (int pass = 0; pass < 2; pass++) {
        const double *X = pass ? s->M : s->A;
        double *out = pass ? g : z;
        for (size_t i = 0; i < n; i++) {
            ivl k0 = ivl_point(0.0);
            for (size_t k = 0; k < d; k++) {
                k0 = ivl_add(k0, ivl_mul(ivl_point(X[i * d + k]), ivl_point(center[k])));
                s->coefficient[k] = ivl_point(X[i * d + k]);
            }
            aff_from_intervals(w, AFF(w, out, i), k0, s->coefficient, 1);
            if (!pass)
                shift = fmax(shift, AFF(w, out, i)[0]);
        }
    }
    aff_constant(w, sum, 0.0);
    for (size_t i = 0; i < n; i++) { /* softmax is invariant under z - shift */
        double *zi = AFF(w, z, i);
        zi[0] -= shift;
        RAD(w, zi) = aff_inflate(RAD(w, zi) + aff_err_bound(fabs(zi[0])));
        if (!aff_exp(w, AFF(w, p, i), zi))
            return INFINITY;
        aff_add(w, sum, sum, 1.0, AFF(w, p, i));
    }
    if (!aff_reciprocal(w, inv, sum))
        return INFINITY;
    aff_constant(w, mean, 0.0);
    for (size_t i = 0; i < n; i++) {
        aff_mul(w, t1, AFF(w, p, i), inv);
        memcpy(AFF(w, p, i), t1, w->width * sizeof *t1);
        aff_mul_add(w, mean, t1, AFF(w, g, i));
    }
    aff_constant(w, nu, 0.0);
    for (size_t i = 0; i < n; i++) {
        double *gi = AFF(w, g, i);
        aff_add(w, gi, gi, -1.0, mean);
        aff_mul(w, t1, gi, gi);
        aff_mul_add(w, nu, AFF(w, p, i), t1);
    }
    double upper = aff_upper(w, nu);
    return isnan(upper) ? INFINITY : upper;
}

/* The affine bound's workspace (freed by affine_workspace_free); 0 when out
 * of memory. */
static int affine_workspace_init(sup_state *s)
{
    s->ac.n = s->d;
    s->ac.width = s->d + 2;
    s->ac.dlo = malloc(3 * s->d * sizeof *s->ac.dlo);
    s->forms = malloc((3 * s->n + 6) * (s->d + 2) * sizeof *s->forms);
    s->coefficient = malloc(s->d * sizeof *s->coefficient);
    if (!s->ac.dlo || !s->forms || !s->coefficient)
        return 0;
    s->ac.dhi = s->ac.dlo + s->d;
    s->ac.dmax = s->ac.dhi + s->d;
    return 1;
}

static void affine_workspace_free(sup_state *s)
{
    free(s->ac.dlo);
    free(s->forms);
    free(s->coefficient);
}

/* Evaluates the cell with the given center and half side: pushes it with
 * its upper bound unless it misses the ball.  Returns a status. */
static bht_status add_cell(sup_state *s, const double *center, double half)
{
    const size_t d = s->d;
    /* ||center|| by hypot: no underflow for tiny E (a sum of squares gave
     * cnorm = 0 for subnormal centers, then E / 0: found by fuzzing);
     * within d ulps, and 2^-1074 absolute among subnormals */
    double cnorm = 0.0;
    for (size_t k = 0; k < d; k++)
        cnorm = hypot(cnorm, center[k]);
    double reach = half * sqrt((double)d) * (1.0 + 0x1p-40);
    if (cnorm * (1.0 - 0x1p-40) - (double)d * 0x1p-1074 > s->energy + reach)
        return BHT_OK; /* the cube misses the ball */
    memcpy(s->point, center, d * sizeof *center);
    double radius = reach;
    if (bht_check_energy(d, s->point, s->energy, NULL) == BHT_E_CONSTRAINT) {
        /* a ball point near the center's projection; every ball point of the
         * cube is within reach + ||point - center|| of it (bounded above) */
        energy_ball_point(d, s->point, s->energy);
        double gap = 0.0;
        for (size_t k = 0; k < d; k++)
            gap = hypot(gap, s->point[k] - center[k]);
        radius = reach + gap * (1.0 + 0x1p-40) + (double)d * 0x1p-1073;
    }
    bht_local_result r;
    bht_status st = bht_oracle_nu_softmax(s->n, d, s->A, s->M, s->point, &r, NULL, NULL, NULL);
    if (st != BHT_OK)
        return st;
    s->evaluations++;
    double low = r.nu > 0.0 ? nextafter(r.nu, 0.0) : 0.0;
    if (low > s->best) {
        s->best = low;
        memcpy(s->best_point, s->point, d * sizeof *center);
    }
    double bound = fmin(up(up(r.nu) + up(s->lipschitz * up(radius))), affine_upper(s, center, half));
    sup_cell cell = {bound, half, s->centers_len, 0};
    memcpy(s->centers + s->centers_len * d, center, d * sizeof *center);
    s->centers_len++;
    sup_heap_push(s->heap, &s->heap_len, cell);
    return BHT_OK;
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

    sup_state s = {.n = n, .d = d, .A = A, .M = M, .energy = energy};
    double rho_a = spread_upper(n, d, A), rho_m = spread_upper(n, d, M);
    double rho_m2 = up(rho_m * rho_m);
    s.lipschitz = up(up(up(rho_a * rho_m2) * up(energy * energy)) / 4.0
                     + up(rho_m2 * energy) / 2.0);
    if (!isfinite(s.lipschitz))
        return BHT_E_RANGE;
    size_t children = (size_t)1 << d;
    s.heap_cap = options->max_cells + children + 1;
    s.heap = malloc(s.heap_cap * sizeof *s.heap);
    int workspace = affine_workspace_init(&s);
    s.centers = malloc(s.heap_cap * d * sizeof *s.centers);
    s.point = malloc(3 * d * sizeof *s.point);
    bht_status status = (s.heap && s.centers && s.point && workspace) ? BHT_OK : BHT_E_NOMEM;
    double *child = s.point ? s.point + d : NULL;
    s.best_point = s.point ? s.point + 2 * d : NULL;
    s.best = -1.0;
    if (status == BHT_OK) {
        for (size_t k = 0; k < d; k++)
            child[k] = 0.0;
        status = add_cell(&s, child, energy);
    }
    double upper = INFINITY;
    size_t next_report = 1000;
    while (status == BHT_OK && s.heap_len > 0) {
        upper = s.heap[0].upper;
        if (upper <= s.best * (1.0 + options->rel_width) || upper == 0.0
            || s.evaluations + children > options->max_cells)
            break;
        sup_cell cell = sup_heap_pop(s.heap, &s.heap_len);
        const double *center = s.centers + cell.slot * d;
        double h = cell.half / 2.0;
        for (size_t mask = 0; mask < children && status == BHT_OK; mask++) {
            for (size_t k = 0; k < d; k++)
                child[k] = center[k] + (((mask >> k) & 1) ? h : -h);
            status = add_cell(&s, child, h);
        }
        if (options->progress && s.evaluations >= next_report) {
            options->progress(options->context, s.evaluations, s.best,
                              s.heap_len ? s.heap[0].upper : 0.0);
            next_report += 1000;
        }
    }
    if (status == BHT_OK) {
        if (s.heap_len == 0)
            upper = s.best; /* only when every cell was discarded: cannot happen at E >= 0 */
        out->nu_lower = s.best;
        out->nu_upper = fmax(upper, s.best);
        out->cells = s.evaluations;
        memcpy(query, s.best_point, d * sizeof *query);
    }
    free(s.heap);
    free(s.centers);
    free(s.point);
    affine_workspace_free(&s);
    return status;
}

double nu_softmax_cube_upper(size_t n, size_t d, const double *A, const double *M,
                             const double *center, double half)
{
    sup_state s = {.n = n, .d = d, .A = A, .M = M};
    double upper = affine_workspace_init(&s) ? affine_upper(&s, center, half) : NAN;
    affine_workspace_free(&s);
    return upper;
}
