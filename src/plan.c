/* plan.c: query planning (paper Thm 3.1) and the likelihood-ratio test
 * simulation for two softmax models (bht.h).  Everything that decides a
 * printed number is either an oracle result or IEEE arithmetic without libm
 * (sqrt is correctly rounded), so the output is the same on every machine. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "constraints_internal.h"
#include "oracle_internal.h"

#define SEARCH_RANDOM_DIRECTIONS 48
#define SEARCH_ITERATIONS 400

typedef struct plan_rng {
    uint64_t state;
} plan_rng;

static uint64_t plan_next(plan_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double plan_uniform(plan_rng *r)
{
    return (double)(plan_next(r) >> 11) * 0x1p-52 - 1.0;
}

static bht_status check_pair(size_t n, size_t d, const double *A, const double *B)
{
    if (!A || !B || n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N || d > BHT_SOFTMAX_MAX_N
        || n > SIZE_MAX / sizeof(double) / d)
        return BHT_E_INVALID;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]) || !isfinite(B[k]))
            return BHT_E_NONFINITE;
    return BHT_OK;
}

/* H^2 at x by the double kernel (the oracle when the kernel refuses). */
static double objective(size_t n, size_t d, const double *A, const double *B, const double *x)
{
    bht_distances dist;
    bht_status s = bht_distance_softmax(n, d, A, B, x, &dist);
    if (s != BHT_OK)
        s = bht_oracle_distance_softmax(n, d, A, B, x, &dist, NULL, NULL);
    return s == BHT_OK ? dist.hellinger2 : -1.0;
}

/* Upper bound of max_{i,j} ||D_i - D_j||_2, D = B - A, with upward rounding
 * (entries exact at 2200 bits; squares, sums and sqrt rounded up).  Also
 * returns the maximising pair's difference direction in dir (double). */
static double row_spread_upper(size_t n, size_t d, const double *A, const double *B,
                               double *dir)
{
    mpfr_t e, acc, best;
    mpfr_init2(e, 2200);
    mpfr_inits2(64, acc, best, (mpfr_ptr)0);
    mpfr_set_zero(best, 1);
    for (size_t k = 0; k < d; k++)
        dir[k] = (k == 0) ? 1.0 : 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            mpfr_set_zero(acc, 1);
            for (size_t k = 0; k < d; k++) {
                mpfr_set_d(e, B[i * d + k], MPFR_RNDN);
                mpfr_sub_d(e, e, A[i * d + k], MPFR_RNDN);
                mpfr_sub_d(e, e, B[j * d + k], MPFR_RNDN);
                mpfr_add_d(e, e, A[j * d + k], MPFR_RNDN); /* exact at 2200 bits */
                mpfr_sqr(e, e, MPFR_RNDU);
                mpfr_add(acc, acc, e, MPFR_RNDU);
            }
            mpfr_sqrt(acc, acc, MPFR_RNDU);
            if (mpfr_greater_p(acc, best)) {
                mpfr_set(best, acc, MPFR_RNDU);
                for (size_t k = 0; k < d; k++)
                    dir[k] = (B[i * d + k] - A[i * d + k]) - (B[j * d + k] - A[j * d + k]);
            }
        }
    double r = mpfr_get_d(best, MPFR_RNDU);
    mpfr_clears(e, acc, best, (mpfr_ptr)0);
    return r;
}

/* ceil(num / den) for logs given as MPFR numbers, rounded as asked. */
static double ceil_ratio(mpfr_srcptr num, mpfr_srcptr den, mpfr_rnd_t rnd)
{
    mpfr_t q;
    mpfr_init2(q, 128);
    mpfr_div(q, num, den, rnd);
    mpfr_ceil(q, q);
    double r = mpfr_get_d(q, MPFR_RNDU);
    mpfr_clear(q);
    return r < 1.0 ? 1.0 : r;
}

bht_status bht_plan_softmax(size_t n, size_t d, const double *A, const double *B, double energy,
                            double error, double *query, bht_plan_result *out)
{
    bht_status status = check_pair(n, d, A, B);
    if (status != BHT_OK)
        return status;
    if (!query || !out || !isfinite(energy) || energy < 0.0 || !(error > 0.0 && error < 0.5))
        return isnan(energy) || isinf(energy) ? BHT_E_NONFINITE : BHT_E_INVALID;
    double *x = malloc(3 * d * sizeof *x);
    if (!x)
        return BHT_E_NOMEM;
    double *trial = x + d, *dir = x + 2 * d;

    /* upper bound: W = E * spread, H^2 <= 1 - sech(W/4), rounded up */
    double spread = row_spread_upper(n, d, A, B, dir);
    mpfr_t w;
    mpfr_init2(w, 64);
    mpfr_set_d(w, spread, MPFR_RNDU);
    mpfr_mul_d(w, w, energy, MPFR_RNDU);
    double width = mpfr_get_d(w, MPFR_RNDU);
    mpfr_clear(w);
    bht_lemma_a1_bounds bound;
    status = bht_oracle_lemma_a1(width, &bound, NULL, NULL);
    if (status != BHT_OK) {
        free(x);
        return status;
    }
    double h2_upper = bound.h2max < 1.0 ? nextafter(bound.h2max, 2.0) : 1.0;

    /* lower bound: deterministic search on the sphere ||x|| = E */
    plan_rng rng = {0x9e3779b97f4a7c15ULL ^ n ^ (d << 20)};
    double best = -1.0;
    for (int c = 0; c < 2 + 2 * (int)d + SEARCH_RANDOM_DIRECTIONS; c++) {
        for (size_t k = 0; k < d; k++) {
            if (c < 2)
                trial[k] = c == 0 ? dir[k] : -dir[k];
            else if (c < 2 + 2 * (int)d)
                trial[k] = ((size_t)(c - 2) / 2 == k) ? ((c % 2) ? -1.0 : 1.0) : 0.0;
            else
                trial[k] = plan_uniform(&rng);
        }
        energy_ball_point(d, trial, energy);
        double f = objective(n, d, A, B, trial);
        if (f > best) {
            best = f;
            memcpy(x, trial, d * sizeof *x);
        }
    }
    double step = 0.25;
    for (int it = 0; it < SEARCH_ITERATIONS && step > 0x1p-30; it++) {
        for (size_t k = 0; k < d; k++)
            trial[k] = x[k] + step * energy * plan_uniform(&rng);
        energy_ball_point(d, trial, energy);
        double f = objective(n, d, A, B, trial);
        if (f > best) {
            best = f;
            memcpy(x, trial, d * sizeof *x);
        } else if (it % 8 == 7) {
            step *= 0.5;
        }
    }
    bht_distances at;
    status = bht_oracle_distance_softmax(n, d, A, B, x, &at, NULL, NULL);
    if (status != BHT_OK) {
        free(x);
        return status;
    }
    memcpy(query, x, d * sizeof *x);
    free(x);
    return plan_fill(&at, h2_upper, error, out);
}

bht_status plan_fill(const bht_distances *at, double h2_upper, double error,
                     bht_plan_result *out)
{
    if (!(h2_upper >= 0.0 && h2_upper <= 1.0) || !(error > 0.0 && error < 0.5))
        return BHT_E_INVALID;
    double delta_upper = fmin(nextafter(sqrt(h2_upper), 2.0), 1.0);
    if (h2_upper == 0.0)
        delta_upper = 0.0;
    out->delta_lower = at->hellinger > 0.0 ? nextafter(at->hellinger, 0.0) : 0.0;
    out->delta_upper = fmax(delta_upper, out->delta_lower);

    /* query counts (see bht.h); h2 at the query rounded down for the upper count */
    double h2_at = at->hellinger2 > 0.0 ? nextafter(at->hellinger2, 0.0) : 0.0;
    mpfr_t num, den;
    mpfr_inits2(128, num, den, (mpfr_ptr)0);
    if (h2_at > 0.0) {
        mpfr_set_d(num, error, MPFR_RNDN);
        mpfr_log(num, num, MPFR_RNDD);   /* ln(error) < 0, magnitude up */
        mpfr_set_d(den, -h2_at, MPFR_RNDN);
        mpfr_log1p(den, den, MPFR_RNDU); /* ln(BC) < 0, magnitude down */
        out->queries_upper = ceil_ratio(num, den, MPFR_RNDU);
    } else {
        out->queries_upper = INFINITY;
    }
    if (h2_upper > 0.0 && h2_upper < 1.0) {
        mpfr_set_d(num, error, MPFR_RNDN);
        mpfr_ui_sub(den, 1, num, MPFR_RNDN);
        mpfr_mul(num, num, den, MPFR_RNDU);
        mpfr_mul_2ui(num, num, 2, MPFR_RNDU);
        mpfr_log(num, num, MPFR_RNDU);   /* ln(4P(1-P)) <= 0, magnitude down */
        mpfr_set_d(den, -h2_upper, MPFR_RNDN);
        mpfr_log1p(den, den, MPFR_RNDD); /* ln(1 - h2up) < 0, magnitude up */
        mpfr_mul_2ui(den, den, 1, MPFR_RNDD);
        out->queries_lower = ceil_ratio(num, den, MPFR_RNDD);
    } else {
        out->queries_lower = h2_upper >= 1.0 ? 1.0 : INFINITY;
    }
    mpfr_clears(num, den, (mpfr_ptr)0);
    return BHT_OK;
}

/* ------------------------------------------------------------ simulation */

/* Index i with cum[i-1] <= u < cum[i] (binary search; cum nondecreasing). */
static size_t sample_index(const double *cum, size_t n, double u)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u < cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The test itself: buf holds p (n), q (n) and 3 n doubles of scratch. */
static void simulate_test(size_t n, double *buf, const bht_distances *distances,
                          unsigned long queries, unsigned long trials, uint64_t seed,
                          bht_simulation *out)
{
    const bht_distances dist = *distances;
    double *p = buf, *q = buf + n, *llr = buf + 2 * n, *cp = buf + 3 * n, *cq = buf + 4 * n;
    /* log-ratios by MPFR (deterministic everywhere); cumulative sums in IEEE */
    mpfr_t a, b;
    mpfr_inits2(200, a, b, (mpfr_ptr)0);
    double sp = 0.0, sq = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0.0 || q[i] == 0.0) {
            llr[i] = (q[i] > 0.0) ? INFINITY : (p[i] > 0.0 ? -INFINITY : 0.0);
        } else {
            mpfr_set_d(a, q[i], MPFR_RNDN);
            mpfr_log(a, a, MPFR_RNDN);
            mpfr_set_d(b, p[i], MPFR_RNDN);
            mpfr_log(b, b, MPFR_RNDN);
            mpfr_sub(a, a, b, MPFR_RNDN);
            llr[i] = mpfr_get_d(a, MPFR_RNDN);
        }
        cp[i] = (sp += p[i]);
        cq[i] = (sq += q[i]);
    }
    plan_rng rng = {seed};
    unsigned long errors_a = 0, errors_b = 0;
    for (unsigned long t = 0; t < trials; t++) {
        for (int hyp = 0; hyp < 2; hyp++) {
            const double *cum = hyp ? cq : cp;
            double total = hyp ? sq : sp, s = 0.0;
            for (unsigned long m = 0; m < queries; m++) {
                double u = (double)(plan_next(&rng) >> 11) * 0x1p-53 * total;
                s += llr[sample_index(cum, n, u)];
            }
            if (hyp == 0 && s > 0.0)
                errors_a++; /* decided B under A */
            if (hyp == 1 && !(s > 0.0))
                errors_b++; /* decided A under B (ties go to A) */
        }
    }
    const double N = 2.0 * (double)trials, z = 1.959963984540054;
    double rate = (double)(errors_a + errors_b) / N;
    double denom = 1.0 + z * z / N;
    double center = (rate + z * z / (2.0 * N)) / denom;
    double half = z * sqrt(rate * (1.0 - rate) / N + z * z / (4.0 * N * N)) / denom;
    out->error_rate = rate;
    /* The Wilson interval contains the rate and is [0, .] at 0 errors and
     * [., 1] at N errors; rounding must not move it off (found by fuzzing:
     * [2^-55, 0.24] for rate 0). */
    out->ci_lower = errors_a + errors_b == 0 ? 0.0 : fmin(rate, fmax(0.0, center - half));
    out->ci_upper = (double)(errors_a + errors_b) == N ? 1.0 : fmax(rate, fmin(1.0, center + half));
    out->error_under_a = (double)errors_a / (double)trials;
    out->error_under_b = (double)errors_b / (double)trials;
    /* Bayes error bracket with BC = 1 - H^2 (MPFR, directed outward) */
    mpfr_set_d(a, -dist.hellinger2, MPFR_RNDN);
    mpfr_log1p(a, a, MPFR_RNDN);
    mpfr_mul_ui(a, a, queries, MPFR_RNDN);
    mpfr_exp(b, a, MPFR_RNDN);                 /* BC^m */
    out->bayes_upper = mpfr_get_d(b, MPFR_RNDU) / 2.0;
    mpfr_mul_2ui(a, a, 1, MPFR_RNDN);
    mpfr_exp(a, a, MPFR_RNDN);                 /* BC^(2m) */
    mpfr_ui_sub(a, 1, a, MPFR_RNDN);
    mpfr_sqrt(a, a, MPFR_RNDN);
    mpfr_ui_sub(a, 1, a, MPFR_RNDN);
    out->bayes_lower = mpfr_get_d(a, MPFR_RNDD) / 2.0;
    mpfr_clears(a, b, (mpfr_ptr)0);
}

bht_status bht_simulate_softmax(size_t n, size_t d, const double *A, const double *B,
                                const double *x, unsigned long queries, unsigned long trials,
                                uint64_t seed, bht_simulation *out)
{
    bht_status status = check_pair(n, d, A, B);
    if (status != BHT_OK)
        return status;
    if (!x || !out || queries == 0 || trials == 0)
        return BHT_E_INVALID;
    double *buf = malloc(5 * n * sizeof *buf);
    if (!buf)
        return BHT_E_NOMEM;
    status = bht_oracle_softmax(n, d, A, x, buf, NULL, NULL);
    if (status == BHT_OK)
        status = bht_oracle_softmax(n, d, B, x, buf + n, NULL, NULL);
    bht_distances dist;
    if (status == BHT_OK)
        status = bht_oracle_distance_softmax(n, d, A, B, x, &dist, NULL, NULL);
    if (status == BHT_OK)
        simulate_test(n, buf, &dist, queries, trials, seed, out);
    free(buf);
    return status;
}

bht_status bht_simulate_leverage(size_t n, size_t d, const double *A, const double *B,
                                 const double *s, unsigned long queries, unsigned long trials,
                                 uint64_t seed, bht_simulation *out)
{
    if (!A || !B || !s || !out || n == 0 || d == 0 || d > n || queries == 0 || trials == 0
        || n > BHT_LEVERAGE_ORACLE_MAX_N)
        return BHT_E_INVALID;
    double *buf = malloc(5 * n * sizeof *buf);
    if (!buf)
        return BHT_E_NOMEM;
    bht_status status = bht_oracle_leverage(n, d, A, s, buf, NULL, NULL, NULL, NULL);
    if (status == BHT_OK)
        status = bht_oracle_leverage(n, d, B, s, buf + n, NULL, NULL, NULL, NULL);
    bht_distances dist;
    if (status == BHT_OK)
        status = bht_oracle_distance_leverage(n, d, A, B, s, &dist, NULL, NULL);
    if (status == BHT_OK)
        simulate_test(n, buf, &dist, queries, trials, seed, out);
    free(buf);
    return status;
}
