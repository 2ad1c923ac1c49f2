/* sup_hazards.h: structure-aware hazard generators for the certified
 * searches, the planners and the simulations (bht_nu_softmax_sup,
 * bht_nu_leverage_sup, bht_plan_softmax, bht_plan_leverage,
 * bht_simulate_softmax, bht_simulate_leverage), shared by the Criterion tests
 * (test_nu_sup.c, test_plan.c, test_leverage_sup.c) and tests/fuzz/fuzz_sup.c.
 *
 * Each generator has a name and is driven by a SplitMix64 seed: the same
 * seed gives the same problem on every machine.  A problem carries the
 * generator's own adversarial admissible queries (vertices of the query box,
 * points on argmax-tie surfaces, the directions of the largest row
 * differences) and, for invariance pairs, a partner problem whose exact
 * supremum is 2^scale_exp times this one's (A + 1w^T, A R, c A with E / c,
 * c M, row and column permutations, s -> t s).  hz_check runs the entry
 * point and checks, whenever it answers BHT_OK:
 *   - the bracket is ordered and non-negative; the returned query is
 *     admissible (decided exactly);
 *   - the oracle's value at the returned query is >= the lower end;
 *   - the oracle's value at every adversarial query and at random admissible
 *     queries (vertices included) is <= the upper end;
 *   - where the exact supremum is 0 (nu identically 0, the same model
 *     written differently) the bracket is [0, 0];
 *   - the brackets of an invariance pair overlap;
 *   - a simulation repeats bit for bit, its Wilson interval contains its
 *     rate and agrees with an independent evaluation, its Bayes bracket
 *     contains the exact Bayes error, and its per-hypothesis error rates lie
 *     within 5 standard deviations of the exact likelihood-ratio test errors
 *     (enumerated over all outcomes).
 * Any other status than BHT_OK must be an honest refusal (BHT_E_RANGE,
 * BHT_E_PRECISION; BHT_E_SINGULAR only for a design the exact oracle finds
 * rank deficient). */
#ifndef BHT_SUP_HAZARDS_H
#define BHT_SUP_HAZARDS_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "core/rng.h"
#include <mpfr.h>
#include "search/affine.h"
#include "bht.h"
#include "search/constraints_internal.h"
#include "search/leverage_sup_internal.h"

#define HZ_MAX_N 8
#define HZ_MAX_D 4
#define HZ_MAX_POINTS 48

enum hz_target {
    HZ_NU_SOFTMAX,
    HZ_NU_LEVERAGE,
    HZ_PLAN_SOFTMAX,
    HZ_PLAN_LEVERAGE,
    HZ_SIM_SOFTMAX,
    HZ_SIM_LEVERAGE
};

typedef struct hz_rng {
    uint64_t state;
} hz_rng;

static inline uint64_t hz_next(hz_rng *r)
{
    return bht__splitmix64(&r->state);
}

/* Uniform in [0, 1). */
static inline double hz_unit(hz_rng *r)
{
    return (double)(hz_next(r) >> 11) * 0x1p-53;
}

/* Uniform integer in [lo, hi]. */
static inline int hz_int(hz_rng *r, int lo, int hi)
{
    return (int)((int64_t)lo + (int64_t)(hz_next(r) % (uint64_t)((int64_t)hi - lo + 1)));
}

/* Standard normal (Box-Muller). */
static inline double hz_normal(hz_rng *r)
{
    double u = hz_unit(r), v = hz_unit(r);
    if (u < 0x1p-60)
        u = 0x1p-60;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

typedef struct hz_problem {
    enum hz_target target;
    const char *generator;
    size_t n, d;
    double A[HZ_MAX_N * HZ_MAX_D], X[HZ_MAX_N * HZ_MAX_D]; /* X: M (nu) or B */
    double energy, c, C;
    double error;                  /* planners: the target error probability */
    double at[HZ_MAX_N];           /* simulations: the query */
    unsigned long queries, trials; /* simulations */
    uint64_t seed;                 /* simulations */
    int expect_zero;               /* the exact supremum is 0 */
    size_t points;                 /* adversarial admissible queries */
    double point[HZ_MAX_POINTS][HZ_MAX_N];
    int partner; /* A2, X2 (with energy2 or c2, C2): sup = 2^scale_exp sup of this one */
    double A2[HZ_MAX_N * HZ_MAX_D], X2[HZ_MAX_N * HZ_MAX_D];
    double energy2, c2, C2;
    int scale_exp;
} hz_problem;

/* ------------------------------------------------------ admissible queries */

static inline int hz_query_length(const hz_problem *p)
{
    return (p->target == HZ_NU_SOFTMAX || p->target == HZ_PLAN_SOFTMAX) ? (int)p->d
                                                                          : (int)p->n;
}

/* Adds x as an adversarial query if it is admissible (decided exactly). */
static inline void hz_add_point(hz_problem *p, const double *x)
{
    if (p->points >= HZ_MAX_POINTS)
        return;
    int softmax = p->target == HZ_NU_SOFTMAX || p->target == HZ_PLAN_SOFTMAX;
    size_t len = (size_t)hz_query_length(p);
    for (size_t k = 0; k < len; k++)
        if (!isfinite(x[k]))
            return;
    bht_status st = softmax ? bht_check_energy(len, x, p->energy, NULL)
                            : bht_check_leverage_query(len, x, p->c, p->C, NULL);
    if (st == BHT_OK)
        memcpy(p->point[p->points++], x, len * sizeof *x);
}

/* The point of the sphere ||x|| = E in direction v (moved inside exactly). */
static inline void hz_add_direction(hz_problem *p, const double *v)
{
    double x[HZ_MAX_D];
    memcpy(x, v, p->d * sizeof *x);
    bht__energy_ball_point(p->d, x, p->energy);
    hz_add_point(p, x);
}

/* s with s^2 as close to v as the exact check allows, inside [c, C]; 0 when
 * no double is found within a few steps. */
static inline int hz_admissible_root(double v, double c, double C, double *s)
{
    double t = sqrt(v);
    if (!(t > 0.0) || !isfinite(t))
        t = sqrt(c);
    for (int k = 0; k < 80; k++) {
        size_t bad;
        if (bht_check_leverage_query(1, &t, c, C, &bad) == BHT_OK) {
            *s = t;
            return 1;
        }
        t = (t * t < v || t * t < c) ? nextafter(t, INFINITY) : nextafter(t, 0.0);
    }
    return 0;
}

/* The vertices s_i^2 in {c, C} (all of them for n <= 5, else random ones)
 * and points with one coordinate inside. */
static inline void hz_add_vertices(hz_rng *r, hz_problem *p, size_t budget)
{
    double s[HZ_MAX_N];
    size_t all = (size_t)1 << p->n;
    for (size_t v = 0; v < budget && p->points < HZ_MAX_POINTS; v++) {
        size_t mask = all <= budget ? v % all : (size_t)(hz_next(r) % all);
        int ok = 1;
        for (size_t i = 0; i < p->n && ok; i++)
            ok = hz_admissible_root(((mask >> i) & 1) ? p->C : p->c, p->c, p->C, &s[i]);
        if (ok && v >= all) { /* beyond the vertices: one coordinate at the middle */
            size_t i = (size_t)(hz_next(r) % p->n);
            ok = hz_admissible_root(p->c * 0.5 + p->C * 0.5, p->c, p->C, &s[i]);
        }
        if (ok) {
            if (hz_next(r) & 1) /* signs do not matter */
                s[hz_next(r) % p->n] *= -1.0;
            hz_add_point(p, s);
        }
    }
}

/* Softmax adversarial points: the axis vertices +-E e_k, the directions
 * +-(X_i - X_j) of every distinct pair of rows of X (where the log-ratio or
 * the logit gap is extremal), and points of the tie planes (X_i - X_j) x = 0
 * (where the argmax changes). */
static inline void hz_add_softmax_points(hz_rng *r, hz_problem *p, const double *X)
{
    const size_t n = p->n, d = p->d;
    double x[HZ_MAX_D], v[HZ_MAX_D];
    for (size_t k = 0; k < d; k++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            memset(x, 0, sizeof x);
            x[k] = sgn * p->energy;
            hz_add_point(p, x);
        }
    memset(x, 0, sizeof x);
    hz_add_point(p, x);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double norm2 = 0.0;
            for (size_t k = 0; k < d; k++) {
                v[k] = X[i * d + k] - X[j * d + k];
                norm2 += v[k] * v[k];
            }
            if (!(norm2 > 0.0) || !isfinite(norm2)) {
                double big = 0.0;
                for (size_t k = 0; k < d; k++)
                    big = fmax(big, fabs(v[k]));
                if (!(big > 0.0) || !isfinite(big))
                    continue;
                for (size_t k = 0; k < d; k++)
                    v[k] /= big;
                norm2 = 0.0;
                for (size_t k = 0; k < d; k++)
                    norm2 += v[k] * v[k];
            }
            hz_add_direction(p, v);
            for (size_t k = 0; k < d; k++)
                x[k] = -v[k];
            hz_add_direction(p, x);
            if (d == 1)
                continue;
            for (size_t k = 0; k < d; k++) /* a random point of the tie plane */
                x[k] = hz_normal(r);
            double dot = 0.0;
            for (size_t k = 0; k < d; k++)
                dot += x[k] * v[k];
            for (size_t k = 0; k < d; k++)
                x[k] -= dot / norm2 * v[k];
            hz_add_direction(p, x);
            for (size_t k = 0; k < d; k++) /* and inside the ball */
                x[k] *= 0.5;
            hz_add_point(p, x);
        }
}

/* ------------------------------------------------------------ generators */

static inline void hz_shape(hz_rng *r, hz_problem *p, int min_n, int max_n, int max_d)
{
    p->n = (size_t)hz_int(r, min_n, max_n);
    int dmax = p->target == HZ_NU_SOFTMAX || p->target == HZ_PLAN_SOFTMAX
                   ? max_d
                   : (int)(p->n < (size_t)max_d ? p->n : (size_t)max_d);
    p->d = (size_t)hz_int(r, 1, dmax);
}

static inline void hz_random_matrix(hz_rng *r, size_t count, double *X, int lo_exp, int hi_exp)
{
    for (size_t k = 0; k < count; k++)
        X[k] = ldexp(hz_normal(r), hz_int(r, lo_exp, hi_exp));
}

static inline double hz_energy(hz_rng *r)
{
    return ldexp(1.0 + hz_int(r, 0, 15) / 16.0, hz_int(r, -3, 1));
}

static inline void hz_bounds(hz_rng *r, hz_problem *p)
{
    p->c = ldexp(1.0 + hz_int(r, 0, 7) / 8.0, hz_int(r, -3, 1));
    p->C = p->c * (double)hz_int(r, 2, 16);
}

/* Row permutation and sign flips (leverage: both keep h_ii and W_ii). */
static inline void hz_permutation(hz_rng *r, size_t n, size_t *perm)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(hz_next(r) % i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

/* Partner with its columns permuted, sign-flipped and scaled by powers of
 * two in [-col_exp, col_exp] (the same column map on A and X when joint;
 * softmax: the map must be orthogonal, col_exp = 0), rows permuted. */
static inline void hz_column_map(size_t n, size_t d, const double *in, double *out,
                                 const size_t *cperm, const int *cexp, const int *csign,
                                 const size_t *rperm)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++)
            out[i * d + k] = csign[k] * ldexp(in[rperm[i] * d + cperm[k]], cexp[k]);
}

static inline int hz_all_finite(size_t count, const double *v)
{
    for (size_t k = 0; k < count; k++)
        if (!isfinite(v[k]))
            return 0;
    return 1;
}

/* softmax-sup/zero-variance: M = 0, M = 1 w^T, E = 0, or n = 1 (nu == 0). */
static inline void hz_gen_sm_zero(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 1, 6, 3);
    hz_random_matrix(r, p->n * p->d, p->A, -2, 2);
    p->energy = hz_energy(r);
    int variant = hz_int(r, 0, 3);
    for (size_t i = 0; i < p->n; i++)
        for (size_t k = 0; k < p->d; k++)
            p->X[i * p->d + k] = variant == 0 ? 0.0 : (variant == 1 ? p->X[k] : 0.0);
    if (variant == 1)
        for (size_t k = 0; k < p->d; k++) { /* every row w */
            double w = ldexp(hz_normal(r), hz_int(r, -8, 8));
            for (size_t i = 0; i < p->n; i++)
                p->X[i * p->d + k] = w;
        }
    if (variant == 2) {
        hz_random_matrix(r, p->n * p->d, p->X, -2, 2);
        p->energy = 0.0;
    }
    if (variant == 3) {
        p->n = 1;
        hz_random_matrix(r, p->d, p->X, -2, 2);
    }
    p->expect_zero = 1;
    hz_add_softmax_points(r, p, p->A);
}

/* softmax-sup/argmax-ties: rows of A (and of M) equal, a few ulps apart, or
 * 2^-k apart; the tie planes are adversarial points. */
static inline void hz_tied_rows(hz_rng *r, size_t n, size_t d, double *X)
{
    for (size_t i = 1; i < n; i++) {
        int kind = hz_int(r, 0, 3);
        size_t src = (size_t)(hz_next(r) % i);
        for (size_t k = 0; k < d; k++) {
            double v = X[src * d + k];
            if (kind == 0)
                X[i * d + k] = v;
            else if (kind == 1) {
                int steps = hz_int(r, -3, 3);
                for (; steps > 0; steps--)
                    v = nextafter(v, INFINITY);
                for (; steps < 0; steps++)
                    v = nextafter(v, -INFINITY);
                X[i * d + k] = v;
            } else if (kind == 2)
                X[i * d + k] = v + ldexp(hz_normal(r), -hz_int(r, 20, 50));
        }
    }
}

static inline void hz_gen_sm_ties(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 6, 3);
    hz_random_matrix(r, p->n * p->d, p->A, -1, 2);
    hz_random_matrix(r, p->n * p->d, p->X, -1, 1);
    hz_tied_rows(r, p->n, p->d, p->A);
    if (hz_next(r) & 1)
        hz_tied_rows(r, p->n, p->d, p->X);
    p->energy = hz_energy(r);
    hz_add_softmax_points(r, p, p->A);
}

/* Small exact entries: integers in [-2^bits, 2^bits] times 2^-10. */
static inline void hz_grid_matrix(hz_rng *r, size_t count, double *X, int bits)
{
    for (size_t k = 0; k < count; k++)
        X[k] = ldexp((double)hz_int(r, -(1 << bits), 1 << bits), -10);
}

/* softmax-sup/common-part-pair: (a, m, E) against (2^s (a + 1 w^T),
 * 2^s (m + 1 v^T), 2^-s E) with |w| up to 2^40 |a| (sums exact) and
 * |s| <= 500: the same supremum. */
static inline void hz_gen_sm_common_pair(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 6, 3);
    const size_t n = p->n, d = p->d;
    hz_grid_matrix(r, n * d, p->A, 12);
    hz_grid_matrix(r, n * d, p->X, 12);
    p->energy = hz_energy(r);
    int s = hz_int(r, -500, 500);
    double w[HZ_MAX_D], v[HZ_MAX_D];
    for (size_t k = 0; k < d; k++) {
        w[k] = ldexp((double)hz_int(r, -(1 << 30), 1 << 30), hz_int(r, 0, 10));
        v[k] = (hz_next(r) & 1) ? ldexp((double)hz_int(r, -(1 << 30), 1 << 30), hz_int(r, 0, 10))
                                : 0.0;
    }
    p->partner = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++) {
            p->A2[i * d + k] = ldexp(p->A[i * d + k] + w[k], s);
            p->X2[i * d + k] = ldexp(p->X[i * d + k] + v[k], s);
        }
    p->energy2 = ldexp(p->energy, -s);
    p->scale_exp = 0;
    hz_add_softmax_points(r, p, p->A);
}

/* softmax-sup/scaling-pair: (A, M, E) against (2^j A P, 2^(j+k) M P, 2^-j E)
 * with P a signed column permutation and the rows permuted: the supremum
 * times 2^2k. */
static inline void hz_gen_sm_scaling_pair(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 6, 3);
    const size_t n = p->n, d = p->d;
    hz_random_matrix(r, n * d, p->A, -2, 2);
    hz_random_matrix(r, n * d, p->X, -2, 2);
    p->energy = hz_energy(r);
    int j = hz_int(r, -400, 400), k = hz_int(r, -200, 200);
    size_t cperm[HZ_MAX_D], rperm[HZ_MAX_N];
    int cexp[HZ_MAX_D], cexpm[HZ_MAX_D], csign[HZ_MAX_D];
    hz_permutation(r, d, cperm);
    hz_permutation(r, n, rperm);
    for (size_t t = 0; t < d; t++) {
        cexp[t] = j;
        cexpm[t] = j + k;
        csign[t] = (hz_next(r) & 1) ? 1 : -1;
    }
    hz_column_map(n, d, p->A, p->A2, cperm, cexp, csign, rperm);
    hz_column_map(n, d, p->X, p->X2, cperm, cexpm, csign, rperm);
    p->energy2 = ldexp(p->energy, -j);
    p->partner = 1;
    p->scale_exp = 2 * k;
    hz_add_softmax_points(r, p, p->A);
}

/* softmax-sup/extreme-magnitudes: entries spanning 2^-500 ... 2^500 (mixed
 * within a row), E subnormal, huge, or the reciprocal of the entries. */
static inline void hz_gen_sm_extreme(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 5, 3);
    const size_t n = p->n, d = p->d;
    int span = hz_int(r, 0, 500), shift = hz_int(r, -500 + span, 500 - span);
    hz_random_matrix(r, n * d, p->A, shift - span, shift + span);
    hz_random_matrix(r, n * d, p->X, -hz_int(r, 0, 500), hz_int(r, 0, 500));
    switch (hz_int(r, 0, 3)) {
    case 0:
        p->energy = ldexp(1.0 + hz_int(r, 0, 7) / 8.0, hz_int(r, -1074, -1000));
        break;
    case 1:
        p->energy = ldexp(1.0 + hz_int(r, 0, 7) / 8.0, hz_int(r, 500, 1020));
        break;
    default:
        p->energy = ldexp(1.0 + hz_int(r, 0, 7) / 8.0, -(shift + span) + hz_int(r, -2, 2));
        break;
    }
    hz_add_softmax_points(r, p, p->A);
}

/* softmax-sup/shapes: n = 1 (nu == 0), n = d, n = 2d, d = 1. */
static inline void hz_gen_sm_shapes(hz_rng *r, hz_problem *p)
{
    int kind = hz_int(r, 0, 3);
    p->d = (size_t)(kind == 3 ? 1 : hz_int(r, 1, 3));
    p->n = kind == 0 ? 1 : kind == 1 ? p->d : kind == 2 ? 2 * p->d : (size_t)hz_int(r, 2, 6);
    hz_random_matrix(r, p->n * p->d, p->A, -1, 2);
    hz_random_matrix(r, p->n * p->d, p->X, -1, 1);
    p->energy = hz_energy(r);
    p->expect_zero = p->n == 1;
    hz_add_softmax_points(r, p, p->A);
}

/* ------------------------------------------------ leverage generators */

/* Integer entries in [-2^bits, 2^bits] (products and sums stay exact). */
static inline void hz_int_matrix(hz_rng *r, size_t count, double *X, int bits)
{
    for (size_t k = 0; k < count; k++)
        X[k] = (double)hz_int(r, -(1 << bits), 1 << bits);
}

/* out = in R (n-by-d times d-by-d), rounded. */
static inline void hz_times(size_t n, size_t d, const double *in, const double *R, double *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++) {
            double acc = 0.0;
            for (size_t t = 0; t < d; t++)
                acc += in[i * d + t] * R[t * d + k];
            out[i * d + k] = acc;
        }
}

/* A unimodular integer d-by-d matrix (a product of elementary operations). */
static inline void hz_unimodular(hz_rng *r, size_t d, double *R)
{
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            R[a * d + b] = a == b ? ((hz_next(r) & 1) ? 1.0 : -1.0) : 0.0;
    for (int t = 0; t < 3 && d > 1; t++) {
        size_t a = (size_t)(hz_next(r) % d), b = (size_t)(hz_next(r) % d);
        if (a == b)
            continue;
        double f = (double)hz_int(r, -2, 2);
        for (size_t i = 0; i < d; i++) /* column b += f column a */
            R[i * d + b] += f * R[i * d + a];
    }
}

static inline void hz_leverage_shape(hz_rng *r, hz_problem *p)
{
    p->n = (size_t)hz_int(r, 2, 6);
    p->d = (size_t)hz_int(r, 1, (int)(p->n < 4 ? p->n : 4));
}

/* Leverage adversarial points: the vertices of the box. */
static inline void hz_leverage_points(hz_rng *r, hz_problem *p)
{
    hz_add_vertices(r, p, 40);
}

/* leverage-sup/zero-variance: M = 0, M = A X exactly, n = d (nu == 0). */
static inline void hz_gen_lv_zero(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    const size_t n = p->n, d = p->d;
    int variant = hz_int(r, 0, 2);
    hz_int_matrix(r, n * d, p->A, 6);
    if (variant == 0) {
        memset(p->X, 0, sizeof p->X);
    } else if (variant == 1) {
        double X[HZ_MAX_D * HZ_MAX_D];
        hz_int_matrix(r, d * d, X, 4);
        hz_times(n, d, p->A, X, p->X); /* |entries| <= 4 * 2^10: exact */
    } else {
        p->n = d;
        hz_random_matrix(r, d * d, p->A, -2, 2);
        hz_random_matrix(r, d * d, p->X, -2, 2);
    }
    for (size_t k = 0; k < p->n * d && variant < 2; k++) /* exact column scales */
        p->A[k] = ldexp(p->A[k], (int)(k % d) * 7 - 10);
    if (variant == 1) { /* keep M = A X exact under the column scaling of A */
        double X[HZ_MAX_D * HZ_MAX_D];
        for (size_t a = 0; a < d * d; a++)
            X[a] = ldexp((double)hz_int(r, -16, 16), -(int)(a / d) * 7);
        hz_times(n, d, p->A, X, p->X);
    }
    hz_bounds(r, p);
    p->expect_zero = 1;
    hz_leverage_points(r, p);
}

/* leverage-sup/rounded-AX: M = RN(A X) for a general X, so that nu is at
 * the rounding level. */
static inline void hz_gen_lv_rounded(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    if (p->d == p->n && p->n > 1)
        p->d--;
    const size_t n = p->n, d = p->d;
    double X[HZ_MAX_D * HZ_MAX_D];
    hz_random_matrix(r, n * d, p->A, -2, 2);
    hz_random_matrix(r, d * d, X, -2, 2);
    hz_times(n, d, p->A, X, p->X);
    if (hz_next(r) & 1)
        for (size_t k = 0; k < n * d; k++)
            p->X[k] += ldexp(hz_normal(r), -hz_int(r, 30, 60));
    hz_bounds(r, p);
    hz_leverage_points(r, p);
}

/* leverage-sup/tied-rows: rows of A and M equal or a few ulps apart. */
static inline void hz_gen_lv_ties(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    const size_t n = p->n, d = p->d;
    hz_random_matrix(r, n * d, p->A, -1, 1);
    hz_random_matrix(r, n * d, p->X, -1, 1);
    hz_tied_rows(r, n, d, p->A);
    if (hz_next(r) & 1)
        hz_tied_rows(r, n, d, p->X);
    hz_bounds(r, p);
    hz_leverage_points(r, p);
}

/* leverage-sup/near-rank-deficient: a column that equals another up to
 * 2^-k (k in [8, 45]), or a column with a huge common part (T + delta_i,
 * T = 2^20 ... 2^45, next to a column of ones). */
static inline void hz_near_rank(hz_rng *r, size_t n, size_t d, double *A)
{
    if (d < 2)
        return;
    if (hz_next(r) & 1) {
        int k = hz_int(r, 8, 45);
        for (size_t i = 0; i < n; i++)
            A[i * d + d - 1] = A[i * d] * (1.0 + ldexp(hz_normal(r), -k));
    } else {
        double T = ldexp(1.0, hz_int(r, 20, 45));
        for (size_t i = 0; i < n; i++) {
            A[i * d] = 1.0;
            A[i * d + d - 1] = T + (double)hz_int(r, -64, 64);
        }
    }
}

static inline void hz_gen_lv_near_rank(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    if (p->d < 2 && p->n > 2)
        p->d = 2;
    if (p->d == p->n && p->n > 2)
        p->d--;
    const size_t n = p->n, d = p->d;
    hz_random_matrix(r, n * d, p->A, -1, 1);
    hz_random_matrix(r, n * d, p->X, -1, 1);
    hz_near_rank(r, n, d, p->A);
    hz_bounds(r, p);
    hz_leverage_points(r, p);
}

/* The leverage invariance map: (A, X) -> (A R, X R' + A Y) 2^k, rows
 * permuted and sign-flipped, (c, C) -> 4^t (c, C).  nu: R' = R, Y any,
 * sup times 2^2k.  H^2: X = B, R' independent, Y = 0, k = 0 (and A, B
 * possibly swapped).  Exact: integer variant (A, X, R, Y small integers)
 * or R a signed permutation times powers of two. */
static inline void hz_leverage_partner(hz_rng *r, hz_problem *p, int integer, int h2)
{
    const size_t n = p->n, d = p->d;
    double R[HZ_MAX_D * HZ_MAX_D], R2[HZ_MAX_D * HZ_MAX_D], Y[HZ_MAX_D * HZ_MAX_D];
    double AR[HZ_MAX_N * HZ_MAX_D], XR[HZ_MAX_N * HZ_MAX_D], AY[HZ_MAX_N * HZ_MAX_D];
    size_t rperm[HZ_MAX_N];
    hz_permutation(r, n, rperm);
    for (int pass = 0; pass < 2; pass++) {
        double *M = pass ? R2 : R;
        if (integer) {
            hz_unimodular(r, d, M);
        } else {
            size_t cperm[HZ_MAX_D];
            hz_permutation(r, d, cperm);
            memset(M, 0, d * d * sizeof *M);
            for (size_t k = 0; k < d; k++)
                M[cperm[k] * d + k] = ldexp((hz_next(r) & 1) ? 1.0 : -1.0, hz_int(r, -300, 300));
        }
    }
    if (!h2)
        memcpy(R2, R, sizeof R);
    memset(Y, 0, sizeof Y);
    if (integer && !h2)
        hz_int_matrix(r, d * d, Y, 3);
    hz_times(n, d, p->A, R, AR);
    hz_times(n, d, p->X, R2, XR);
    hz_times(n, d, p->A, Y, AY);
    int k = h2 ? 0 : hz_int(r, -100, 100), t = hz_int(r, -200, 200);
    int swap = h2 && (hz_next(r) & 1);
    for (size_t i = 0; i < n; i++) {
        double sign = (hz_next(r) & 1) ? 1.0 : -1.0;
        for (size_t a = 0; a < d; a++) {
            double ar = sign * AR[rperm[i] * d + a];
            double xr = sign * ldexp(XR[rperm[i] * d + a] + AY[rperm[i] * d + a], k);
            p->A2[i * d + a] = swap ? xr : ar;
            p->X2[i * d + a] = swap ? ar : xr;
        }
    }
    p->c2 = ldexp(p->c, 2 * t);
    p->C2 = ldexp(p->C, 2 * t);
    p->scale_exp = 2 * k;
    p->partner = hz_all_finite(n * d, p->A2) && hz_all_finite(n * d, p->X2);
}

/* leverage-sup/invariance-pair. */
static inline void hz_gen_lv_pair(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    int integer = hz_next(r) & 1;
    if (integer) {
        hz_int_matrix(r, p->n * p->d, p->A, 8);
        hz_int_matrix(r, p->n * p->d, p->X, 8);
    } else {
        hz_random_matrix(r, p->n * p->d, p->A, -2, 2);
        hz_random_matrix(r, p->n * p->d, p->X, -2, 2);
    }
    hz_bounds(r, p);
    hz_leverage_partner(r, p, integer, 0);
    hz_leverage_points(r, p);
}

/* leverage-sup/extreme-bounds: c and C nearly equal (C = c (1 + 2^-k)),
 * extremely far apart (c / C down to 2^-1100), or at 2^+-1000. */
static inline void hz_extreme_bounds(hz_rng *r, hz_problem *p)
{
    double m = 1.0 + hz_int(r, 0, 7) / 8.0;
    switch (hz_int(r, 0, 3)) {
    case 0:
        p->c = ldexp(m, hz_int(r, -4, 4));
        p->C = p->c * (1.0 + ldexp(1.0, -hz_int(r, 1, 52)));
        break;
    case 1:
        p->c = ldexp(m, hz_int(r, -1074, -900));
        p->C = ldexp(m, hz_int(r, 0, 20));
        break;
    case 2:
        p->c = ldexp(m, hz_int(r, -40, 0));
        p->C = ldexp(m, hz_int(r, 900, 1023));
        break;
    default: {
        int e = (hz_next(r) & 1) ? hz_int(r, 990, 1015) : hz_int(r, -1070, -990);
        p->c = ldexp(m, e);
        p->C = p->c * (double)hz_int(r, 2, 8);
        break;
    }
    }
}

static inline void hz_gen_lv_bounds(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    hz_random_matrix(r, p->n * p->d, p->A, -1, 1);
    hz_random_matrix(r, p->n * p->d, p->X, -1, 1);
    hz_extreme_bounds(r, p);
    hz_leverage_points(r, p);
}

/* leverage-sup/extreme-scales: rows and columns scaled by 2^e, e spanning
 * [-500, 500]; M with its own spanning exponents. */
static inline void hz_gen_lv_scales(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    const size_t n = p->n, d = p->d;
    int span = hz_int(r, 0, 500);
    int row[HZ_MAX_N], col[HZ_MAX_D];
    for (size_t i = 0; i < n; i++)
        row[i] = hz_int(r, -span / 2, span / 2);
    for (size_t k = 0; k < d; k++)
        col[k] = hz_int(r, -span / 2, span / 2);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++) {
            p->A[i * d + k] = ldexp(hz_normal(r), row[i] + col[k]);
            p->X[i * d + k] = ldexp(hz_normal(r), (hz_next(r) & 1) ? row[i] + col[k]
                                                                   : hz_int(r, -500, 500));
        }
    hz_bounds(r, p);
    hz_leverage_points(r, p);
}

/* leverage-sup/shapes: n = d (nu == 0), n = d + 1, n = 2d (both
 * formulations), d = 1. */
static inline void hz_lv_shape_kind(hz_rng *r, hz_problem *p)
{
    int kind = hz_int(r, 0, 3);
    p->d = (size_t)hz_int(r, 1, 3);
    if (kind == 3)
        p->d = 1;
    p->n = kind == 0 ? p->d : kind == 1 ? p->d + 1 : kind == 2 ? 2 * p->d : (size_t)hz_int(r, 2, 6);
}

static inline void hz_gen_lv_shapes(hz_rng *r, hz_problem *p)
{
    hz_lv_shape_kind(r, p);
    hz_random_matrix(r, p->n * p->d, p->A, -1, 1);
    hz_random_matrix(r, p->n * p->d, p->X, -1, 1);
    p->expect_zero = p->n == p->d;
    hz_bounds(r, p);
    hz_leverage_points(r, p);
}

/* ------------------------------------------------ planner generators */

/* softmax-plan/same-model: B = A + 1 w^T exactly (H == 0). */
static inline void hz_gen_ps_same(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 6, 3);
    const size_t n = p->n, d = p->d;
    hz_grid_matrix(r, n * d, p->A, 12);
    for (size_t k = 0; k < d; k++) {
        double w = (hz_next(r) & 3) ? ldexp((double)hz_int(r, -(1 << 30), 1 << 30),
                                            hz_int(r, -10, 10))
                                    : 0.0;
        for (size_t i = 0; i < n; i++)
            p->X[i * d + k] = p->A[i * d + k] + w;
    }
    p->energy = hz_energy(r);
    p->expect_zero = 1;
    hz_add_softmax_points(r, p, p->A);
}

/* softmax-plan/rounded-shift: B = RN(A + 1 w^T) or A + 2^-k noise. */
static inline void hz_gen_ps_rounded(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 6, 3);
    const size_t n = p->n, d = p->d;
    hz_random_matrix(r, n * d, p->A, -2, 2);
    int noise = hz_next(r) & 1;
    for (size_t k = 0; k < d; k++) {
        double w = hz_normal(r);
        for (size_t i = 0; i < n; i++)
            p->X[i * d + k] = noise ? p->A[i * d + k] + ldexp(hz_normal(r), -hz_int(r, 20, 60))
                                    : p->A[i * d + k] + w;
    }
    p->energy = hz_energy(r);
    double D[HZ_MAX_N * HZ_MAX_D];
    for (size_t k = 0; k < n * d; k++)
        D[k] = p->X[k] - p->A[k];
    hz_add_softmax_points(r, p, D);
}

/* softmax-plan/invariance-pair: (A, B, E) against (2^j (A + 1 u^T) P,
 * 2^j (B + 1 v^T) P, 2^-j E), A and B possibly swapped (H is symmetric). */
static inline void hz_gen_ps_pair(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 6, 3);
    const size_t n = p->n, d = p->d;
    hz_grid_matrix(r, n * d, p->A, 12);
    for (size_t k = 0; k < n * d; k++)
        p->X[k] = p->A[k] + ldexp((double)hz_int(r, -1024, 1024), -12);
    p->energy = hz_energy(r);
    int j = hz_int(r, -500, 500), swap = hz_next(r) & 1;
    double u[HZ_MAX_D], v[HZ_MAX_D];
    size_t cperm[HZ_MAX_D], rperm[HZ_MAX_N];
    int cexp[HZ_MAX_D], csign[HZ_MAX_D];
    hz_permutation(r, d, cperm);
    hz_permutation(r, n, rperm);
    for (size_t k = 0; k < d; k++) {
        u[k] = ldexp((double)hz_int(r, -(1 << 28), 1 << 28), hz_int(r, 0, 12));
        v[k] = (hz_next(r) & 1) ? u[k] : ldexp((double)hz_int(r, -(1 << 28), 1 << 28), 3);
        cexp[k] = j;
        csign[k] = (hz_next(r) & 1) ? 1 : -1;
    }
    double As[HZ_MAX_N * HZ_MAX_D], Bs[HZ_MAX_N * HZ_MAX_D];
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++) {
            As[i * d + k] = p->A[i * d + k] + u[k];
            Bs[i * d + k] = p->X[i * d + k] + v[k];
        }
    hz_column_map(n, d, swap ? Bs : As, p->A2, cperm, cexp, csign, rperm);
    hz_column_map(n, d, swap ? As : Bs, p->X2, cperm, cexp, csign, rperm);
    p->energy2 = ldexp(p->energy, -j);
    p->partner = 1;
    p->scale_exp = 0;
    double D[HZ_MAX_N * HZ_MAX_D];
    for (size_t k = 0; k < n * d; k++)
        D[k] = p->X[k] - p->A[k];
    hz_add_softmax_points(r, p, D);
}

/* softmax-plan/ties: rows of B - A tied (the log-ratio's extremes), rows of
 * A tied (the argmax). */
static inline void hz_gen_ps_ties(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 6, 3);
    const size_t n = p->n, d = p->d;
    double D[HZ_MAX_N * HZ_MAX_D];
    hz_random_matrix(r, n * d, p->A, -1, 2);
    hz_random_matrix(r, n * d, D, -3, 0);
    hz_tied_rows(r, n, d, D);
    if (hz_next(r) & 1)
        hz_tied_rows(r, n, d, p->A);
    for (size_t k = 0; k < n * d; k++)
        p->X[k] = p->A[k] + D[k];
    p->energy = hz_energy(r);
    hz_add_softmax_points(r, p, D);
    hz_add_softmax_points(r, p, p->A);
}

/* softmax-plan/extreme-magnitudes: entries spanning 2^+-500, rows up to
 * 2^1023 apart, E subnormal or huge. */
static inline void hz_gen_ps_extreme(hz_rng *r, hz_problem *p)
{
    hz_gen_sm_extreme(r, p);
    const size_t n = p->n, d = p->d;
    p->points = 0;
    int variant = hz_int(r, 0, 2);
    for (size_t k = 0; k < n * d; k++) {
        if (variant == 0)
            p->X[k] = p->A[k] + ldexp(hz_normal(r), hz_int(r, -600, 0) + ilogb(p->A[k] + 1e-300));
        else if (variant == 1)
            p->X[k] = (hz_next(r) & 1) ? 0x1.fffffffffffffp1023 : -0x1.fffffffffffffp1023;
    }
    double D[HZ_MAX_N * HZ_MAX_D];
    for (size_t k = 0; k < n * d; k++)
        D[k] = p->X[k] * 0.5 - p->A[k] * 0.5;
    hz_add_softmax_points(r, p, D);
}

/* leverage-plan/same-span: B = A R exactly (H == 0), n = d. */
static inline void hz_gen_pl_same(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    const size_t n = p->n, d = p->d;
    int integer = hz_next(r) & 1;
    if (integer)
        hz_int_matrix(r, n * d, p->A, 8);
    else
        hz_random_matrix(r, n * d, p->A, -2, 2);
    double R[HZ_MAX_D * HZ_MAX_D];
    if (integer) {
        hz_unimodular(r, d, R);
    } else {
        size_t cperm[HZ_MAX_D];
        hz_permutation(r, d, cperm);
        memset(R, 0, sizeof R);
        for (size_t k = 0; k < d; k++)
            R[cperm[k] * d + k] = ldexp((hz_next(r) & 1) ? 1.0 : -1.0, hz_int(r, -300, 300));
    }
    hz_times(n, d, p->A, R, p->X);
    /* row signs do not change the model either, but then B = D A R is not
     * in span A (the planner's exact test): no [0, 0] is claimed for it */
    int flips = hz_int(r, 0, 3) == 0;
    for (size_t i = 0; i < n && flips; i++)
        if (hz_next(r) & 1)
            for (size_t k = 0; k < d; k++)
                p->X[i * d + k] = -p->X[i * d + k];
    hz_bounds(r, p);
    p->expect_zero = !flips || n == d;
    hz_leverage_points(r, p);
}

/* leverage-plan/rounded-span: B = RN(A R) for a general R, or B = RN(c A),
 * or B = A + 2^-k noise. */
static inline void hz_gen_pl_rounded(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    if (p->d == p->n && p->n > 1)
        p->d--;
    const size_t n = p->n, d = p->d;
    hz_random_matrix(r, n * d, p->A, -2, 2);
    int variant = hz_int(r, 0, 2);
    if (variant == 0) {
        double R[HZ_MAX_D * HZ_MAX_D];
        hz_random_matrix(r, d * d, R, -1, 1);
        hz_times(n, d, p->A, R, p->X);
    } else {
        double c = 1.0 + ldexp(hz_normal(r), -hz_int(r, 1, 40));
        for (size_t k = 0; k < n * d; k++)
            p->X[k] = variant == 1 ? c * p->A[k]
                                   : p->A[k] + ldexp(hz_normal(r), -hz_int(r, 20, 50));
    }
    hz_bounds(r, p);
    hz_leverage_points(r, p);
}

/* leverage-plan/invariance-pair. */
static inline void hz_gen_pl_pair(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    int integer = hz_next(r) & 1;
    if (integer) {
        hz_int_matrix(r, p->n * p->d, p->A, 8);
        for (size_t k = 0; k < p->n * p->d; k++)
            p->X[k] = p->A[k] + (double)hz_int(r, -64, 64);
    } else {
        hz_random_matrix(r, p->n * p->d, p->A, -2, 2);
        for (size_t k = 0; k < p->n * p->d; k++)
            p->X[k] = p->A[k] + ldexp(hz_normal(r), -2);
    }
    hz_bounds(r, p);
    hz_leverage_partner(r, p, integer, 1);
    hz_leverage_points(r, p);
}

/* leverage-plan/hazards: near rank deficiency, tied rows, extreme bounds,
 * n = d, n = 2d. */
static inline void hz_gen_pl_hazards(hz_rng *r, hz_problem *p)
{
    int kind = hz_int(r, 0, 3);
    if (kind == 3)
        hz_lv_shape_kind(r, p);
    else
        hz_leverage_shape(r, p);
    const size_t n = p->n, d = p->d;
    hz_random_matrix(r, n * d, p->A, -1, 1);
    for (size_t k = 0; k < n * d; k++)
        p->X[k] = p->A[k] + ldexp(hz_normal(r), -hz_int(r, 1, 4));
    hz_bounds(r, p);
    if (kind == 0 && d < n) {
        hz_near_rank(r, n, d, p->A);
        hz_near_rank(r, n, d, p->X);
    } else if (kind == 1) {
        hz_tied_rows(r, n, d, p->A);
        hz_tied_rows(r, n, d, p->X);
    } else if (kind == 2) {
        hz_extreme_bounds(r, p);
    }
    p->expect_zero = n == d;
    hz_leverage_points(r, p);
}

/* ---------------------------------------------- simulation generators */

static inline void hz_simulation_common(hz_rng *r, hz_problem *p)
{
    p->queries = (unsigned long)hz_int(r, 1, 8);
    p->trials = (unsigned long)hz_int(r, 300, 1500);
    p->seed = hz_next(r);
}

/* softmax-sim/exact-reference: random, equal, far-apart models and
 * subnormal probabilities. */
static inline void hz_gen_ss(hz_rng *r, hz_problem *p)
{
    hz_shape(r, p, 2, 5, 2);
    const size_t n = p->n, d = p->d;
    int variant = hz_int(r, 0, 3);
    hz_random_matrix(r, n * d, p->A, -1, 1);
    for (size_t k = 0; k < n * d; k++)
        p->X[k] = variant == 1 ? p->A[k]
                  : variant == 2 ? 40.0 * hz_normal(r)
                                 : p->A[k] + ldexp(hz_normal(r), -hz_int(r, 0, 3));
    for (size_t k = 0; k < d; k++)
        p->at[k] = hz_normal(r);
    if (variant == 3) /* logit gaps of 700 ... 760: subnormal probabilities */
        for (size_t i = 0; i < n; i++) {
            p->A[i * d] = -(double)hz_int(r, 0, 760) / fmax(fabs(p->at[0]), 0.5) * (p->at[0] < 0 ? -1 : 1);
            p->X[i * d] = p->A[i * d] + hz_normal(r);
        }
    hz_simulation_common(r, p);
}

/* leverage-sim/exact-reference: random models, zero rows (p_i = 0), equal
 * models, B = A R (equal distributions), far models. */
static inline void hz_gen_sl(hz_rng *r, hz_problem *p)
{
    hz_leverage_shape(r, p);
    if (p->n > 5)
        p->n = 5;
    if (p->d > p->n)
        p->d = p->n;
    const size_t n = p->n, d = p->d;
    int variant = hz_int(r, 0, 3);
    hz_random_matrix(r, n * d, p->A, -1, 1);
    for (size_t k = 0; k < n * d; k++)
        p->X[k] = variant == 1 ? -p->A[k] : variant == 2 ? hz_normal(r)
                                                          : p->A[k] + 0.3 * hz_normal(r);
    if (variant == 0 && d < n) { /* a zero row in one model */
        size_t i = (size_t)(hz_next(r) % n);
        for (size_t k = 0; k < d; k++)
            ((hz_next(r) & 1) ? p->A : p->X)[i * d + k] = 0.0;
    }
    for (size_t i = 0; i < n; i++)
        p->at[i] = ldexp(1.0 + hz_unit(r), hz_int(r, -2, 2));
    hz_simulation_common(r, p);
}

/* ------------------------------------------------------------ the table */

typedef struct hz_generator {
    const char *name;
    enum hz_target target;
    void (*make)(hz_rng *r, hz_problem *p);
} hz_generator;

static const hz_generator hz_generators[] = {
    {"softmax-sup/zero-variance", HZ_NU_SOFTMAX, hz_gen_sm_zero},
    {"softmax-sup/argmax-ties", HZ_NU_SOFTMAX, hz_gen_sm_ties},
    {"softmax-sup/common-part-pair", HZ_NU_SOFTMAX, hz_gen_sm_common_pair},
    {"softmax-sup/scaling-pair", HZ_NU_SOFTMAX, hz_gen_sm_scaling_pair},
    {"softmax-sup/extreme-magnitudes", HZ_NU_SOFTMAX, hz_gen_sm_extreme},
    {"softmax-sup/shapes", HZ_NU_SOFTMAX, hz_gen_sm_shapes},
    {"leverage-sup/zero-variance", HZ_NU_LEVERAGE, hz_gen_lv_zero},
    {"leverage-sup/rounded-AX", HZ_NU_LEVERAGE, hz_gen_lv_rounded},
    {"leverage-sup/tied-rows", HZ_NU_LEVERAGE, hz_gen_lv_ties},
    {"leverage-sup/near-rank-deficient", HZ_NU_LEVERAGE, hz_gen_lv_near_rank},
    {"leverage-sup/invariance-pair", HZ_NU_LEVERAGE, hz_gen_lv_pair},
    {"leverage-sup/extreme-bounds", HZ_NU_LEVERAGE, hz_gen_lv_bounds},
    {"leverage-sup/extreme-scales", HZ_NU_LEVERAGE, hz_gen_lv_scales},
    {"leverage-sup/shapes", HZ_NU_LEVERAGE, hz_gen_lv_shapes},
    {"softmax-plan/same-model", HZ_PLAN_SOFTMAX, hz_gen_ps_same},
    {"softmax-plan/rounded-shift", HZ_PLAN_SOFTMAX, hz_gen_ps_rounded},
    {"softmax-plan/invariance-pair", HZ_PLAN_SOFTMAX, hz_gen_ps_pair},
    {"softmax-plan/ties", HZ_PLAN_SOFTMAX, hz_gen_ps_ties},
    {"softmax-plan/extreme-magnitudes", HZ_PLAN_SOFTMAX, hz_gen_ps_extreme},
    {"leverage-plan/same-span", HZ_PLAN_LEVERAGE, hz_gen_pl_same},
    {"leverage-plan/rounded-span", HZ_PLAN_LEVERAGE, hz_gen_pl_rounded},
    {"leverage-plan/invariance-pair", HZ_PLAN_LEVERAGE, hz_gen_pl_pair},
    {"leverage-plan/hazards", HZ_PLAN_LEVERAGE, hz_gen_pl_hazards},
    {"softmax-sim/exact-reference", HZ_SIM_SOFTMAX, hz_gen_ss},
    {"leverage-sim/exact-reference", HZ_SIM_LEVERAGE, hz_gen_sl},
};
#define HZ_GENERATORS (sizeof hz_generators / sizeof hz_generators[0])

/* Fills *p from generator g and seed. */
static inline void hz_make(size_t g, uint64_t seed, hz_problem *p)
{
    memset(p, 0, sizeof *p);
    hz_rng r = {seed ^ (0x5851f42d4c957f2dULL * (g + 1))};
    p->target = hz_generators[g].target;
    p->generator = hz_generators[g].name;
    p->error = 1.0 / 3.0;
    hz_generators[g].make(&r, p);
}

/* ------------------------------------------------------------ the checks */

typedef struct hz_outcome {
    bht_status status;
    int refused;          /* an honest refusal (no bracket) */
    double lower, upper;  /* the bracket (nu, or delta for the planners) */
    double width;         /* (upper - lower) / lower; 0 for [0, 0]; inf for lower = 0 < upper */
    double lower2, upper2, width2; /* the partner's bracket (-1 when none) */
    size_t checked;       /* oracle values compared with the bracket */
} hz_outcome;

typedef struct hz_report {
    char text[512];
} hz_report;

static inline int hz_fail(hz_report *rep, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->text, sizeof rep->text, fmt, ap);
    va_end(ap);
    return 0;
}

static const bht_oracle_options hz_oracle_options = {0, 1L << 14};

/* The oracle's objective at q (nu, or H for the planners); 0 on failure. */
static inline int hz_oracle(const hz_problem *p, const double *A, const double *X, double energy,
                            const double *q, double *value)
{
    bht_status st;
    if (p->target == HZ_NU_SOFTMAX) {
        bht_local_result r;
        st = bht_oracle_nu_softmax(p->n, p->d, A, X, q, &r, NULL, &hz_oracle_options, NULL);
        *value = r.nu;
    } else if (p->target == HZ_NU_LEVERAGE) {
        bht_local_result r;
        st = bht_oracle_nu_leverage(p->n, p->d, A, X, q, &r, NULL, NULL, NULL);
        *value = r.nu;
    } else {
        bht_distances dist;
        st = p->target == HZ_PLAN_SOFTMAX
                 ? bht_oracle_distance_softmax(p->n, p->d, A, X, q, &dist, &hz_oracle_options,
                                               NULL)
                 : bht_oracle_distance_leverage(p->n, p->d, A, X, q, &dist, NULL, NULL);
        *value = dist.hellinger;
    }
    (void)energy;
    return st == BHT_OK;
}

/* Runs the search or planner on (A, X) with the given constraint. */
static inline bht_status hz_run_search(const hz_problem *p, const double *A, const double *X,
                                       double energy, double c, double C, size_t max_cells,
                                       double *query, double *lower, double *upper)
{
    bht_status st;
    if (p->target == HZ_NU_SOFTMAX || p->target == HZ_NU_LEVERAGE) {
        bht_sup_options opt = {0.01, max_cells, NULL, NULL, 0, NULL};
        bht_sup_result r;
        st = p->target == HZ_NU_SOFTMAX
                 ? bht_nu_softmax_sup(p->n, p->d, A, X, energy, &opt, query, &r)
                 : bht_nu_leverage_sup(p->n, p->d, A, X, c, C, &opt, query, &r);
        if (st == BHT_OK) {
            *lower = r.nu_lower;
            *upper = r.nu_upper;
        }
    } else {
        bht_plan_result r;
        st = p->target == HZ_PLAN_SOFTMAX
                 ? bht_plan_softmax(p->n, p->d, A, X, energy, p->error, query, &r)
                 : bht_plan_leverage(p->n, p->d, A, X, c, C, p->error, max_cells, query, &r);
        if (st == BHT_OK) {
            *lower = r.delta_lower;
            *upper = r.delta_upper;
            if (!(r.queries_lower >= 0.0 && r.queries_lower <= r.queries_upper))
                *lower = NAN; /* reported by the caller as an unordered bracket */
        }
    }
    return st;
}

/* A random admissible query of the problem (0 when none was found). */
static inline int hz_random_query(hz_rng *r, const hz_problem *p, double *q)
{
    if (p->target == HZ_NU_SOFTMAX || p->target == HZ_PLAN_SOFTMAX) {
        double x[HZ_MAX_D];
        for (size_t k = 0; k < p->d; k++)
            x[k] = hz_normal(r);
        bht__energy_ball_point(p->d, x, p->energy);
        double t = (hz_next(r) & 3) ? pow(hz_unit(r), 1.0 / (double)p->d) : 1.0;
        for (size_t k = 0; k < p->d; k++)
            q[k] = x[k] * t;
        return bht_check_energy(p->d, q, p->energy, NULL) == BHT_OK;
    }
    for (size_t i = 0; i < p->n; i++) {
        double v = (hz_next(r) & 3) ? p->c + (p->C - p->c) * hz_unit(r)
                                    : ((hz_next(r) & 1) ? p->C : p->c);
        if (!isfinite(v))
            v = p->C;
        if (!hz_admissible_root(v, p->c, p->C, &q[i]))
            return 0;
    }
    return 1;
}

/* No double s has c <= s^2 <= C (checked around sqrt(c) and sqrt(C)). */
static inline int hz_constraint_empty(double c, double C)
{
    for (int end = 0; end < 2; end++) {
        double s = sqrt(end ? C : c);
        for (int k = 0; k < 8; k++)
            s = nextafter(s, 0.0);
        for (int k = 0; k < 16; k++, s = nextafter(s, INFINITY))
            if (bht_check_leverage_query(1, &s, c, C, NULL) == BHT_OK)
                return 0;
    }
    return 1;
}

static inline int hz_documented_refusal(bht_status st)
{
    return st == BHT_E_RANGE || st == BHT_E_PRECISION;
}

/* Is A (n-by-d) rank deficient?  (The exact oracle decides.) */
static inline int hz_rank_deficient(size_t n, size_t d, const double *A)
{
    double s[HZ_MAX_N], h[HZ_MAX_N];
    for (size_t i = 0; i < n; i++)
        s[i] = 1.0;
    return bht_oracle_leverage(n, d, A, s, h, NULL, NULL, NULL, NULL) == BHT_E_SINGULAR;
}

/* x 2^e rounded outward (down when up = 0). */
static inline double hz_scaled(double x, int e, int up)
{
    double y = ldexp(x, e);
    if (ldexp(y, -e) != x)
        y = up ? nextafter(y, INFINITY) : nextafter(y, -INFINITY);
    return y;
}

/* Simulation checks (see the top of the file). */
static inline int hz_check_simulation(const hz_problem *p, hz_outcome *o, hz_report *rep);

/* Runs the problem's entry point with the given budget (searches and the
 * leverage planner) and checks every property; 1 when all hold, else 0
 * with a message in rep.  sample_seed drives the random admissible queries. */
static inline int hz_check(const hz_problem *p, size_t max_cells, int samples,
                           uint64_t sample_seed, hz_outcome *o, hz_report *rep)
{
    memset(o, 0, sizeof *o);
    o->width2 = -1.0;
    rep->text[0] = 0;
    if (p->target == HZ_SIM_SOFTMAX || p->target == HZ_SIM_LEVERAGE)
        return hz_check_simulation(p, o, rep);
    const size_t len = (size_t)hz_query_length(p);
    const int leverage = p->target == HZ_NU_LEVERAGE || p->target == HZ_PLAN_LEVERAGE;
    const int plan = p->target == HZ_PLAN_SOFTMAX || p->target == HZ_PLAN_LEVERAGE;
    double query[HZ_MAX_N], lower = 0.0, upper = 0.0, value;
    bht_status st = hz_run_search(p, p->A, p->X, p->energy, p->c, p->C, max_cells, query,
                                  &lower, &upper);
    o->status = st;
    if (st != BHT_OK) {
        if (st == BHT_E_SINGULAR && leverage
            && (hz_rank_deficient(p->n, p->d, p->A)
                || (plan && hz_rank_deficient(p->n, p->d, p->X))))
            return 1;
        o->refused = 1;
        if (st == BHT_E_CONSTRAINT && leverage) /* an empty query set, nothing to bound */
            return hz_constraint_empty(p->c, p->C)
                       ? 1
                       : hz_fail(rep, "BHT_E_CONSTRAINT although the query set is not empty");
        if (!hz_documented_refusal(st))
            return hz_fail(rep, "status %d for a valid problem", (int)st);
        return 1;
    }
    o->lower = lower;
    o->upper = upper;
    if (!(lower >= 0.0 && lower <= upper) || (plan && !(upper <= 1.0)))
        return hz_fail(rep, "bracket [%a, %a] not ordered", lower, upper);
    o->width = upper == 0.0 ? 0.0 : lower > 0.0 ? (upper - lower) / lower : INFINITY;
    bht_status adm = leverage ? bht_check_leverage_query(len, query, p->c, p->C, NULL)
                              : bht_check_energy(len, query, p->energy, NULL);
    if (adm != BHT_OK)
        return hz_fail(rep, "returned query not admissible (status %d)", (int)adm);
    if (hz_oracle(p, p->A, p->X, p->energy, query, &value)) {
        o->checked++;
        if (!(value >= lower))
            return hz_fail(rep, "oracle %a at the returned query below the lower end %a", value,
                           lower);
    }
    if (p->expect_zero && !(upper == 0.0))
        return hz_fail(rep, "the exact supremum is 0, bracket [%a, %a]", lower, upper);
    hz_rng r = {sample_seed};
    for (int k = 0; k < (int)p->points + samples; k++) {
        double q[HZ_MAX_N];
        if (k < (int)p->points)
            memcpy(q, p->point[k], len * sizeof *q);
        else if (!hz_random_query(&r, p, q))
            continue;
        if (!hz_oracle(p, p->A, p->X, p->energy, q, &value))
            continue;
        o->checked++;
        if (!(value <= upper))
            return hz_fail(rep, "oracle %a at %s query %d above the upper end %a", value,
                           k < (int)p->points ? "adversarial" : "random", k, upper);
    }
    if (p->partner) {
        double q2[HZ_MAX_N], lo2 = 0.0, up2 = 0.0;
        bht_status st2 = hz_run_search(p, p->A2, p->X2, p->energy2, p->c2, p->C2, max_cells,
                                       q2, &lo2, &up2);
        o->lower2 = lo2;
        o->upper2 = up2;
        o->width2 = st2 != BHT_OK ? INFINITY : up2 == 0.0 ? 0.0 : lo2 > 0.0 ? (up2 - lo2) / lo2 : INFINITY;
        if (st2 != BHT_OK) {
            if (!hz_documented_refusal(st2))
                return hz_fail(rep, "partner: status %d for a valid problem", (int)st2);
            return 1;
        }
        hz_problem twin = *p; /* the partner as a problem of its own */
        memcpy(twin.A, p->A2, sizeof twin.A);
        memcpy(twin.X, p->X2, sizeof twin.X);
        twin.energy = p->energy2;
        twin.c = p->c2;
        twin.C = p->C2;
        if (!(lo2 >= 0.0 && lo2 <= up2))
            return hz_fail(rep, "partner: bracket [%a, %a] not ordered", lo2, up2);
        adm = leverage ? bht_check_leverage_query(len, q2, twin.c, twin.C, NULL)
                       : bht_check_energy(len, q2, twin.energy, NULL);
        if (adm != BHT_OK)
            return hz_fail(rep, "partner: returned query not admissible (status %d)", (int)adm);
        if (hz_oracle(&twin, twin.A, twin.X, twin.energy, q2, &value)) {
            o->checked++;
            if (!(value >= lo2))
                return hz_fail(rep, "partner: oracle %a at the returned query below %a", value,
                               lo2);
        }
        for (int k = 0; k < samples / 4; k++) {
            double q[HZ_MAX_N];
            if (!hz_random_query(&r, &twin, q) || !hz_oracle(&twin, twin.A, twin.X, twin.energy, q, &value))
                continue;
            o->checked++;
            if (!(value <= up2))
                return hz_fail(rep, "partner: oracle %a at a random query above %a", value, up2);
        }
        /* sup2 = 2^scale_exp sup1 (planners: delta, scale_exp = 0) */
        double e = plan ? 0 : p->scale_exp;
        if (!(lo2 <= hz_scaled(upper, (int)e, 1) && hz_scaled(lower, (int)e, 0) <= up2))
            return hz_fail(rep, "invariance pair: brackets [%a, %a] and [%a, %a] (scale 2^%d) "
                                "do not overlap",
                           lower, upper, lo2, up2, p->scale_exp);
    }
    return 1;
}

/* An outcome possible under one model only (the other's probability is 0
 * because some sampled index has probability 0 there). */
static inline int hz_out_of_support(double here, double there)
{
    return here > 0.0 && there == 0.0;
}

/* Exact errors of the likelihood-ratio test with m samples: under A the
 * probability of deciding B (llr sum > 0), under B of deciding A (<= 0),
 * each as an interval [lo, hi] whose ends differ by the outcomes whose sum
 * is within rounding of 0; and the exact Bayes error with equal priors,
 * (1/2) sum min(P_A, P_B) over the outcomes.  Enumerates the count vectors
 * (n <= 5, m <= 8: at most 495). */
typedef struct hz_lr_errors {
    double a_lo, a_hi, b_lo, b_hi, bayes;
} hz_lr_errors;

static inline void hz_lr_enumerate(size_t n, const double *pa, const double *pb, unsigned long m,
                                   hz_lr_errors *out)
{
    double llr[HZ_MAX_N];
    for (size_t i = 0; i < n; i++)
        llr[i] = (pa[i] > 0.0 && pb[i] > 0.0) ? log(pb[i]) - log(pa[i])
                 : pb[i] > 0.0                ? INFINITY
                 : pa[i] > 0.0                ? -INFINITY
                                              : 0.0;
    memset(out, 0, sizeof *out);
    /* every k in [0, m]^(n-1) with sum <= m, the last part m - sum */
    unsigned long k[HZ_MAX_N] = {0};
    for (;;) {
        unsigned long used = 0;
        for (size_t i = 0; i + 1 < n; i++)
            used += k[i];
        if (used <= m) {
            k[n - 1] = m - used;
            double coef = 1.0, la = 1.0, lb = 1.0, sum = 0.0, mag = 0.0;
            unsigned long rest = m;
            for (size_t i = 0; i < n; i++) {
                for (unsigned long t = 1; t <= k[i]; t++) {
                    coef *= (double)rest / (double)t; /* multinomial coefficient */
                    rest--;
                    la *= pa[i];
                    lb *= pb[i];
                }
                if (k[i] > 0) {
                    sum += (double)k[i] * llr[i];
                    mag += (double)k[i] * fabs(llr[i]);
                }
            }
            double qa = coef * la, qb = coef * lb;
            double tol = isfinite(mag) ? mag * 0x1p-40 : 0.0;
            int b_sure = !isnan(sum) && sum > tol, a_sure = !isnan(sum) && sum < -tol;
            if (hz_out_of_support(qa, qb))
                a_sure = 1, b_sure = 0;
            if (hz_out_of_support(qb, qa))
                b_sure = 1, a_sure = 0;
            if (b_sure)
                out->a_lo += qa;
            if (!a_sure)
                out->a_hi += qa;
            if (a_sure)
                out->b_lo += qb;
            if (!b_sure)
                out->b_hi += qb;
            out->bayes += 0.5 * fmin(qa, qb);
        }
        size_t j = 0; /* next k (odometer over the first n - 1 parts) */
        while (j + 1 < n && k[j] == m)
            k[j++] = 0;
        if (j + 1 >= n)
            break;
        k[j]++;
    }
}

static inline int hz_check_simulation(const hz_problem *p, hz_outcome *o, hz_report *rep)
{
    const int leverage = p->target == HZ_SIM_LEVERAGE;
    bht_simulation a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    bht_status s1 = leverage ? bht_simulate_leverage(p->n, p->d, p->A, p->X, p->at, p->queries,
                                                     p->trials, p->seed, &a)
                             : bht_simulate_softmax(p->n, p->d, p->A, p->X, p->at, p->queries,
                                                    p->trials, p->seed, &a);
    o->status = s1;
    if (s1 != BHT_OK) {
        o->refused = 1;
        if (s1 == BHT_E_SINGULAR && leverage
            && (hz_rank_deficient(p->n, p->d, p->A) || hz_rank_deficient(p->n, p->d, p->X)))
            return 1;
        return hz_documented_refusal(s1) ? 1 : hz_fail(rep, "simulate: status %d", (int)s1);
    }
    bht_status s2 = leverage ? bht_simulate_leverage(p->n, p->d, p->A, p->X, p->at, p->queries,
                                                     p->trials, p->seed, &b)
                             : bht_simulate_softmax(p->n, p->d, p->A, p->X, p->at, p->queries,
                                                    p->trials, p->seed, &b);
    if (s2 != BHT_OK || memcmp(&a, &b, sizeof a) != 0)
        return hz_fail(rep, "simulate: a second run with the same seed differs");
    o->lower = a.ci_lower;
    o->upper = a.ci_upper;
    o->width = a.ci_upper - a.ci_lower;
    if (!(a.ci_lower >= 0.0 && a.ci_lower <= a.error_rate && a.error_rate <= a.ci_upper
          && a.ci_upper <= 1.0))
        return hz_fail(rep, "simulate: rate %a outside its interval [%a, %a]", a.error_rate,
                       a.ci_lower, a.ci_upper);
    /* the Wilson interval, independently (long double) */
    const long double N = 2.0L * (long double)p->trials, z = 1.959963984540054L;
    long double rate = (long double)a.error_rate;
    long double center = (rate + z * z / (2 * N)) / (1 + z * z / N);
    long double half = z * sqrtl(rate * (1 - rate) / N + z * z / (4 * N * N)) / (1 + z * z / N);
    long double lo = center - half < 0 ? 0 : center - half, hi = center + half > 1 ? 1 : center + half;
    if (fabsl(lo - a.ci_lower) > 1e-12L || fabsl(hi - a.ci_upper) > 1e-12L)
        return hz_fail(rep, "simulate: Wilson interval [%a, %a], independently [%La, %La]",
                       a.ci_lower, a.ci_upper, lo, hi);
    /* each rate is a count over the trials, rounded once */
    double ka = nearbyint(a.error_under_a * (double)p->trials);
    double kb = nearbyint(a.error_under_b * (double)p->trials);
    if (ka / (double)p->trials != a.error_under_a || kb / (double)p->trials != a.error_under_b
        || (ka + kb) / (2.0 * (double)p->trials) != a.error_rate)
        return hz_fail(rep, "simulate: rates %a, %a, %a inconsistent", a.error_under_a,
                       a.error_under_b, a.error_rate);
    /* exact references from the correctly rounded distributions */
    double pa[HZ_MAX_N], pb[HZ_MAX_N];
    bht_status sa, sb;
    if (leverage) {
        sa = bht_oracle_leverage(p->n, p->d, p->A, p->at, pa, NULL, NULL, NULL, NULL);
        sb = bht_oracle_leverage(p->n, p->d, p->X, p->at, pb, NULL, NULL, NULL, NULL);
    } else {
        sa = bht_oracle_softmax(p->n, p->d, p->A, p->at, pa, NULL, NULL);
        sb = bht_oracle_softmax(p->n, p->d, p->X, p->at, pb, NULL, NULL);
    }
    if (sa != BHT_OK || sb != BHT_OK)
        return hz_fail(rep, "simulate answered but the oracle refuses the distributions");
    hz_lr_errors ex;
    hz_lr_enumerate(p->n, pa, pb, p->queries, &ex);
    /* the Bayes bracket is from the exact H^2: allow the rounding of p, q */
    double slack = 1e-12 + 4.0 * (double)p->queries * (double)p->n * 0x1p-52;
    if (!(a.bayes_lower <= ex.bayes + slack && ex.bayes <= a.bayes_upper + slack))
        return hz_fail(rep, "simulate: exact Bayes error %a outside the bracket [%a, %a]",
                       ex.bayes, a.bayes_lower, a.bayes_upper);
    const double T = (double)p->trials;
    double ra = a.error_under_a, rb = a.error_under_b;
    double sa_dev = 5.0 * sqrt(fmax(ex.a_hi * (1 - ex.a_lo), 1.0 / T) / T) + 1.0 / T;
    double sb_dev = 5.0 * sqrt(fmax(ex.b_hi * (1 - ex.b_lo), 1.0 / T) / T) + 1.0 / T;
    if (ra < ex.a_lo - sa_dev || ra > ex.a_hi + sa_dev || rb < ex.b_lo - sb_dev
        || rb > ex.b_hi + sb_dev)
        return hz_fail(rep, "simulate: rates %g, %g against the exact LR test errors [%g, %g], "
                            "[%g, %g] (m %lu, %lu trials)",
                       ra, rb, ex.a_lo, ex.a_hi, ex.b_lo, ex.b_hi, p->queries, p->trials);
    if ((ex.a_hi == 0.0 && ra != 0.0) || (ex.b_hi == 0.0 && rb != 0.0))
        return hz_fail(rep, "simulate: an error of exact probability 0 occurred");
    o->checked = 1;
    return 1;
}

/* ------------------------------------------- the enclosures themselves */

/* A query s with lo <= 1/s^2 <= hi exactly (s^2 hi >= 1 and s^2 lo <= 1,
 * decided in MPFR), aimed at 1/s^2 = target; 0 when none was found. */
static inline int hz_root_in_box(double target, double lo, double hi, double *s)
{
    double t = 1.0 / sqrt(target);
    mpfr_t a, b;
    mpfr_inits2(400, a, b, (mpfr_ptr)0);
    int found = 0;
    for (int k = 0; k < 80 && !found && t > 0.0 && isfinite(t); k++) {
        mpfr_set_d(a, t, MPFR_RNDN);
        mpfr_sqr(a, a, MPFR_RNDN);       /* exact */
        mpfr_mul_d(b, a, hi, MPFR_RNDN); /* exact at 400 bits */
        mpfr_mul_d(a, a, lo, MPFR_RNDN);
        if (mpfr_cmp_ui(b, 1) < 0)
            t = nextafter(t, INFINITY);  /* 1/s^2 > hi */
        else if (mpfr_cmp_ui(a, 1) > 0)
            t = nextafter(t, 0.0);       /* 1/s^2 < lo */
        else
            found = 1;
    }
    mpfr_clears(a, b, (mpfr_ptr)0);
    *s = t;
    return found;
}

typedef struct hz_enclosure_stats {
    size_t boxes, certified, values;
} hz_enclosure_stats;

/* The enclosures behind the searches, checked directly: for boxes (cubes in
 * x for softmax, boxes in u = 1/s^2 for leverage) of relative size 2^-1 ...
 * 2^-44 centred at the problem's adversarial queries and at random ones,
 * every oracle value at the box's corners and at random points of the box
 * must lie inside the enclosure (the leverage ones: direct formulation and,
 * for d < n, the complement; nu and H^2).  1 when all hold. */
static inline int hz_check_enclosures(const hz_problem *p, uint64_t seed, int boxes,
                                      hz_enclosure_stats *st, hz_report *rep)
{
    hz_rng r = {seed};
    const int softmax = p->target == HZ_NU_SOFTMAX;
    if (p->target != HZ_NU_SOFTMAX && p->target != HZ_NU_LEVERAGE
        && p->target != HZ_PLAN_LEVERAGE)
        return 1;
    const size_t n = p->n, d = p->d;
    if (softmax) {
        for (int b = 0; b < boxes; b++) {
            double center[HZ_MAX_D], x[HZ_MAX_D], value;
            if (b < (int)p->points)
                memcpy(center, p->point[b], d * sizeof *center);
            else if (!hz_random_query(&r, p, center))
                continue;
            double scale = p->energy > 0.0 ? p->energy : 1.0;
            double half = ldexp(scale, -hz_int(&r, 1, 44));
            double upper = bht__nu_softmax_cube_upper(n, d, p->A, p->X, center, half);
            st->boxes++;
            if (isnan(upper))
                return hz_fail(rep, "cube bound: out of memory");
            if (isinf(upper))
                continue;
            st->certified++;
            for (int t = 0; t < 12; t++) {
                for (size_t k = 0; k < d; k++) {
                    double u = t < 4 ? ((t >> (k % 2)) & 1 ? 1.0 : -1.0) : 2.0 * hz_unit(&r) - 1.0;
                    x[k] = center[k] + half * u; /* rounded: may leave the cube by an ulp */
                    if (x[k] > center[k] + half || x[k] < center[k] - half)
                        x[k] = center[k];
                }
                bht_local_result o;
                if (bht_oracle_nu_softmax(n, d, p->A, p->X, x, &o, NULL, &hz_oracle_options,
                                          NULL) != BHT_OK)
                    continue;
                value = o.nu;
                st->values++;
                if (!(value <= upper))
                    return hz_fail(rep, "cube bound %a below the oracle's nu %a (half %a, "
                                        "adversarial centre %d)",
                                   upper, value, half, b < (int)p->points);
            }
        }
        return 1;
    }
    const int h2 = p->target == HZ_PLAN_LEVERAGE;
    for (int form = 0; form < 2; form++) {
        if (form == 1 && !(d < n))
            break;
        lsup_work *w;
        if (form == 0) {
            w = bht__lsup_work_new(h2 ? LSUP_H2 : LSUP_NU, n, d, p->A, p->X);
        } else {
            bht_status cs;
            w = bht__lsup_work_new_complement(h2 ? LSUP_H2 : LSUP_NU, n, d, p->A, p->X, &cs);
            if (!w && cs != BHT_E_NOMEM)
                continue; /* rank deficient, or a basis entry beyond double range */
        }
        if (!w)
            return hz_fail(rep, "enclosure workspace: out of memory");
        for (int b = 0; b < boxes; b++) {
            double lo[HZ_MAX_N], hi[HZ_MAX_N], center[HZ_MAX_N], s[HZ_MAX_N];
            double h = ldexp(1.0, -hz_int(&r, 1, 44));
            for (size_t i = 0; i < n; i++) {
                double q = b < (int)p->points ? p->point[b][i] : sqrt(p->c + (p->C - p->c) * hz_unit(&r));
                double u = 1.0 / (q * q);
                if (!(u > 0.0) || !isfinite(u))
                    u = 1.0;
                lo[i] = u * (1.0 - h);
                hi[i] = u * (1.0 + h);
                center[i] = sqrt(lo[i]) * sqrt(hi[i]);
                if (!(center[i] >= lo[i] && center[i] <= hi[i]))
                    center[i] = u;
            }
            ivl range;
            double center_value;
            st->boxes++;
            if (bht__lsup_enclose(w, lo, hi, center, &range, &center_value, NULL) != 0)
                continue;
            st->certified++;
            for (int t = 0; t < 10; t++) {
                int ok = 1;
                for (size_t i = 0; i < n && ok; i++) {
                    double target = t < 2 ? (t ? hi[i] : lo[i])
                                          : t < 4 ? ((hz_next(&r) & 1) ? hi[i] : lo[i])
                                                  : lo[i] + (hi[i] - lo[i]) * hz_unit(&r);
                    ok = hz_root_in_box(target, lo[i], hi[i], &s[i]);
                }
                if (!ok)
                    continue;
                double value;
                bht_status os;
                if (h2) {
                    bht_distances dist;
                    os = bht_oracle_distance_leverage(n, d, p->A, p->X, s, &dist, NULL, NULL);
                    value = dist.hellinger2;
                } else {
                    bht_local_result o;
                    os = bht_oracle_nu_leverage(n, d, p->A, p->X, s, &o, NULL, NULL, NULL);
                    value = o.nu;
                }
                if (os != BHT_OK)
                    continue;
                st->values++;
                if (!(value >= range.lo && value <= range.hi)) {
                    bht__lsup_work_free(w);
                    return hz_fail(rep, "%s enclosure [%a, %a] misses the oracle's %s %a "
                                        "(relative half width %a, corner %d)",
                                   form ? "complement" : "direct", range.lo, range.hi,
                                   h2 ? "H^2" : "nu", value, h, t < 4);
                }
            }
        }
        bht__lsup_work_free(w);
    }
    return 1;
}

/* ------------------------------------------------------------ sweeps */

typedef struct hz_sweep_stats {
    size_t instances, refusals, checked, pairs;
    size_t zero_lower;  /* brackets [0, u] with u > 0 (the oracle's value rounds to 0) */
    double max_width;   /* largest (upper - lower) / lower over the brackets with lower > 0 */
} hz_sweep_stats;

/* Runs `count` instances of generator g (seeds seed .. seed + count - 1)
 * through hz_check; 1 when every property held, else 0 with the failing
 * instance described in rep. */
static inline int hz_sweep(size_t g, uint64_t seed, int count, size_t max_cells, int samples,
                           hz_sweep_stats *st, hz_report *rep)
{
    memset(st, 0, sizeof *st);
    for (int k = 0; k < count; k++) {
        hz_problem p;
        hz_outcome o;
        hz_report r;
        hz_make(g, seed + (uint64_t)k, &p);
        int ok = hz_check(&p, max_cells, samples, seed * 31 + (uint64_t)k, &o, &r);
        st->instances++;
        st->checked += o.checked;
        st->pairs += p.partner != 0;
        if (!ok) {
            snprintf(rep->text, sizeof rep->text, "%s, seed %llu (n %zu, d %zu): %.400s",
                     p.generator, (unsigned long long)(seed + (uint64_t)k), p.n, p.d, r.text);
            return 0;
        }
        if (o.refused) {
            st->refusals++;
            continue;
        }
        int sim = p.target == HZ_SIM_SOFTMAX || p.target == HZ_SIM_LEVERAGE;
        if (o.lower > 0.0 || sim)
            st->max_width = fmax(st->max_width, o.width);
        else if (o.upper > 0.0)
            st->zero_lower++;
        if (o.width2 >= 0.0 && isfinite(o.width2) && o.lower2 > 0.0)
            st->max_width = fmax(st->max_width, o.width2);
    }
    return 1;
}

/* The index of the generator called name (HZ_GENERATORS when none). */
static inline size_t hz_find(const char *name)
{
    size_t g = 0;
    while (g < HZ_GENERATORS && strcmp(hz_generators[g].name, name) != 0)
        g++;
    return g;
}

/* One sweep of generator `name` with the given budget; prints the line that
 * README.md's hazard table reports (instances, violations, refusals, widest
 * bracket).  1 when every property held, else 0 with rep set. */
static inline int hz_sweep_named(const char *name, uint64_t seed, int count, size_t max_cells,
                                 hz_report *rep)
{
    size_t g = hz_find(name);
    if (g == HZ_GENERATORS)
        return hz_fail(rep, "no generator called %s", name);
    hz_sweep_stats st;
    if (!hz_sweep(g, seed, count, max_cells, 16, &st, rep))
        return 0;
    int sim = hz_generators[g].target == HZ_SIM_SOFTMAX || hz_generators[g].target == HZ_SIM_LEVERAGE;
    fprintf(stderr, "hazard %s: %zu instances%s, 0 violations, %zu refusals, %zu oracle checks, "
                    "%s %.3g",
            name, st.instances, st.pairs ? " (invariance pairs)" : "", st.refusals, st.checked,
            sim ? "widest Wilson interval" : "max relative width", st.max_width);
    if (st.zero_lower)
        fprintf(stderr, ", %zu brackets [0, u > 0]", st.zero_lower);
    if (!sim && hz_generators[g].target != HZ_PLAN_SOFTMAX) /* the others have no budget */
        fprintf(stderr, " (budget %zu cells)", max_cells);
    fprintf(stderr, "\n");
    return 1;
}

/* hz_check_enclosures over `count` problems of generator `name`. */
static inline int hz_enclosures_named(const char *name, uint64_t seed, int count, int boxes,
                                      hz_report *rep)
{
    size_t g = hz_find(name);
    if (g == HZ_GENERATORS)
        return hz_fail(rep, "no generator called %s", name);
    hz_enclosure_stats st = {0, 0, 0};
    for (int k = 0; k < count; k++) {
        hz_problem p;
        hz_report r;
        hz_make(g, seed + (uint64_t)k, &p);
        if (!hz_check_enclosures(&p, seed * 17 + (uint64_t)k, boxes, &st, &r))
            return hz_fail(rep, "%s, seed %llu (n %zu, d %zu): %.400s", name,
                           (unsigned long long)(seed + (uint64_t)k), p.n, p.d, r.text);
    }
    fprintf(stderr, "hazard enclosures %s: %d problems, %zu boxes (%zu certified), %zu oracle "
                    "values inside, 0 outside\n",
            name, count, st.boxes, st.certified, st.values);
    return 1;
}

#endif
