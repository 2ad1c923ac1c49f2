/* plan.c: query planning (paper Thm 3.1) and the likelihood-ratio test
 * simulation for two softmax models (bht.h).  Everything that decides a
 * printed number is either an oracle result or IEEE arithmetic without libm
 * (sqrt is correctly rounded), so the output is the same on every machine. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "search/constraints_internal.h"
#include "oracle/oracle_internal.h"
#include "core/rng.h"

#define SEARCH_RANDOM_DIRECTIONS 48
#define SEARCH_ITERATIONS 400

typedef struct plan_rng {
    uint64_t state;
} plan_rng;

static uint64_t plan_next(plan_rng *r)
{
    return bht__splitmix64(&r->state);
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

/* E max_{i,j} ||D_i - D_j||_2, D = B - A, rounded up into width (64 bits;
 * entries exact at 2200 bits, squares, sums, sqrt and the product with E
 * rounded up, in MPFR's exponent range: rows 2^1023 apart do not overflow
 * before the end).  Also returns the maximising pair's difference direction
 * in dir, scaled by a power of two so that it is finite (e_1 when every
 * row of D is the same). */
static void row_spread_width(size_t n, size_t d, const double *A, const double *B, double energy,
                             mpfr_t width, double *dir)
{
    mpfr_t e, acc;
    mpfr_init2(e, 2200);
    mpfr_init2(acc, 64);
    mpfr_set_zero(width, 1);
    size_t bi = 0, bj = 0;
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
            if (mpfr_greater_p(acc, width)) {
                mpfr_set(width, acc, MPFR_RNDU);
                bi = i;
                bj = j;
            }
        }
    for (size_t k = 0; k < d; k++)
        dir[k] = (k == 0) ? 1.0 : 0.0;
    if (!mpfr_zero_p(width)) {
        mpfr_exp_t top = mpfr_get_emin();
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < d; k++) {
                mpfr_set_d(e, B[bi * d + k], MPFR_RNDN);
                mpfr_sub_d(e, e, A[bi * d + k], MPFR_RNDN);
                mpfr_sub_d(e, e, B[bj * d + k], MPFR_RNDN);
                mpfr_add_d(e, e, A[bj * d + k], MPFR_RNDN);
                if (pass == 0 && !mpfr_zero_p(e) && mpfr_get_exp(e) > top)
                    top = mpfr_get_exp(e);
                if (pass == 1) {
                    mpfr_mul_2si(e, e, -top, MPFR_RNDN); /* |e| < 1 */
                    dir[k] = mpfr_get_d(e, MPFR_RNDN);
                }
            }
    }
    mpfr_mul_d(width, width, energy, MPFR_RNDU);
    mpfr_clears(e, acc, (mpfr_ptr)0);
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

    /* upper bound: W = E * spread, H^2 <= 1 - sech(W/4), rounded up; W = 0
     * means that B - A has equal rows (B = A + 1 w^T): H = 0 at every x */
    mpfr_t w;
    mpfr_init2(w, 64);
    row_spread_width(n, d, A, B, energy, w, dir);
    double width = mpfr_get_d(w, MPFR_RNDU);
    mpfr_clear(w);
    double h2_upper = 1.0;
    if (width == 0.0) {
        h2_upper = 0.0;
    } else if (isfinite(width)) {
        bht_lemma_a1_bounds bound;
        status = bht_oracle_lemma_a1(width, &bound, NULL, NULL);
        if (status != BHT_OK) {
            free(x);
            return status;
        }
        h2_upper = bound.h2max < 1.0 ? nextafter(bound.h2max, 2.0) : 1.0;
    }

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
        bht__energy_ball_point(d, trial, energy);
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
        bht__energy_ball_point(d, trial, energy);
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
    return bht__plan_fill(&at, h2_upper, error, out);
}

bht_status bht__plan_fill(const bht_distances *at, double h2_upper, double error,
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

/* Sign of S = sum_i counts_i llr_i (counts_i < 2^64, llr_i doubles or +-inf),
 * decided exactly: a double sum with its error bound first, MPFR with enough
 * bits for an exact sum when that bound does not decide.  Returns 1 when
 * S > 0.  (Each product and sum in double errs by at most 2^-53 of its
 * magnitude, so |fl(S) - S| <= (n + 1) 2^-52 sum |terms| bounds the error of
 * the recursive sum, Higham, "Accuracy and Stability", eq. 4.4.) */
static int llr_sum_positive(size_t n, const uint64_t *counts, const double *llr, mpfr_ptr acc,
                            mpfr_ptr term)
{
    double sum = 0.0, abs_sum = 0.0;
    int pos_inf = 0, neg_inf = 0;
    for (size_t i = 0; i < n; i++) {
        if (!counts[i])
            continue;
        if (isinf(llr[i])) {
            pos_inf |= llr[i] > 0.0;
            neg_inf |= llr[i] < 0.0;
            continue;
        }
        double t = (double)counts[i] * llr[i];
        sum += t;
        abs_sum += fabs(t);
    }
    if (pos_inf || neg_inf) /* both cannot occur: a sample has p_i > 0 or q_i > 0 */
        return pos_inf && !neg_inf;
    double bound = (double)(n + 2) * 0x1p-52 * abs_sum * (1.0 + 0x1p-40);
    if (fabs(sum) > bound)
        return sum > 0.0;
    /* exact: every term is a multiple of 2^-1074 below 2^(1024 + 64 + log2 n) */
    mpfr_set_zero(acc, 1);
    for (size_t i = 0; i < n; i++) {
        if (!counts[i] || llr[i] == 0.0)
            continue;
        mpfr_set_ui(term, (unsigned long)counts[i], MPFR_RNDN); /* counts_i <= queries */
        mpfr_mul_d(term, term, llr[i], MPFR_RNDN);
        mpfr_add(acc, acc, term, MPFR_RNDN);
    }
    return mpfr_sgn(acc) > 0;
}

/* The test itself: buf holds p (n), q (n) and 3 n doubles of scratch.  Each
 * trial draws `queries` samples by inversion and counts how often each
 * outcome occurs (the m draws are never stored), then decides the sign of
 * the log-likelihood ratio sum_i count_i llr_i exactly. */
static bht_status simulate_test(size_t n, double *buf, const bht_distances *distances,
                                unsigned long queries, unsigned long trials, uint64_t seed,
                                bht_simulation *out)
{
    uint64_t *counts = malloc(n * sizeof *counts);
    if (!counts)
        return BHT_E_NOMEM;
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
    mpfr_t acc, term;
    mpfr_inits2(2300, acc, term, (mpfr_ptr)0); /* > 1074 + 1024 + 64 + 64 bits: exact sums */
    for (unsigned long t = 0; t < trials; t++) {
        for (int hyp = 0; hyp < 2; hyp++) {
            const double *cum = hyp ? cq : cp;
            double total = hyp ? sq : sp;
            memset(counts, 0, n * sizeof *counts);
            for (unsigned long m = 0; m < queries; m++) {
                double u = (double)(plan_next(&rng) >> 11) * 0x1p-53 * total;
                counts[sample_index(cum, n, u)]++;
            }
            int positive = llr_sum_positive(n, counts, llr, acc, term);
            if (hyp == 0 && positive)
                errors_a++; /* decided B under A */
            if (hyp == 1 && !positive)
                errors_b++; /* decided A under B (ties go to A) */
        }
    }
    mpfr_clears(acc, term, (mpfr_ptr)0);
    free(counts);
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
    /* Bayes error bracket with BC = 1 - H^2, directed outward: H^2 is the
     * oracle's correctly rounded value, so the exact one lies in
     * [h2_lo, h2_hi] (its neighbours); BC^m/2 grows and (1 - sqrt(1 -
     * BC^2m))/2 shrinks with H^2, and every MPFR step rounds the same way
     * (the nearest-rounded chain could end one double inside). */
    double h2_lo = dist.hellinger2 > 0.0 ? nextafter(dist.hellinger2, 0.0) : 0.0;
    double h2_hi = dist.hellinger2 < 1.0 ? fmin(nextafter(dist.hellinger2, 2.0), 1.0) : 1.0;
    mpfr_set_d(a, -h2_lo, MPFR_RNDN);
    mpfr_log1p(a, a, MPFR_RNDU);               /* ln BC <= 0, rounded up */
    mpfr_mul_ui(a, a, queries, MPFR_RNDU);
    mpfr_exp(b, a, MPFR_RNDU);                 /* BC^m, rounded up */
    mpfr_div_2ui(b, b, 1, MPFR_RNDU);
    out->bayes_upper = fmin(mpfr_get_d(b, MPFR_RNDU), 0.5);
    if (h2_hi >= 1.0) {
        mpfr_set_zero(a, 1);                   /* BC = 0 possible: the lower end is 0 */
    } else {
        mpfr_set_d(a, -h2_hi, MPFR_RNDN);
        mpfr_log1p(a, a, MPFR_RNDD);
        mpfr_mul_ui(a, a, queries, MPFR_RNDD);
        mpfr_mul_2ui(a, a, 1, MPFR_RNDD);
        mpfr_exp(a, a, MPFR_RNDD);             /* BC^2m, rounded down */
    }
    mpfr_ui_sub(a, 1, a, MPFR_RNDU);
    mpfr_sqrt(a, a, MPFR_RNDU);
    mpfr_ui_sub(a, 1, a, MPFR_RNDD);
    mpfr_div_2ui(a, a, 1, MPFR_RNDD);
    out->bayes_lower = fmax(mpfr_get_d(a, MPFR_RNDD), 0.0);
    mpfr_clears(a, b, (mpfr_ptr)0);
    return BHT_OK;
}

/* The output distribution of one model at query q (an oracle, correctly rounded). */
typedef bht_status (*model_output)(size_t n, size_t d, const double *M, const double *q,
                                   double *p);
/* The distances between the two models at q (oracle). */
typedef bht_status (*model_distance)(size_t n, size_t d, const double *A, const double *B,
                                     const double *q, bht_distances *out,
                                     const bht_oracle_options *options,
                                     bht_oracle_report *report);

/* The test between A and B at the query q (arguments checked). */
static bht_status simulate_models(size_t n, size_t d, const double *A, const double *B,
                                  const double *q, model_output output, model_distance distance,
                                  unsigned long queries, unsigned long trials, uint64_t seed,
                                  bht_simulation *out)
{
    double *buf = malloc(5 * n * sizeof *buf);
    if (!buf)
        return BHT_E_NOMEM;
    bht_distances dist;
    bht_status status = output(n, d, A, q, buf);
    if (status == BHT_OK)
        status = output(n, d, B, q, buf + n);
    if (status == BHT_OK)
        status = distance(n, d, A, B, q, &dist, NULL, NULL);
    if (status == BHT_OK)
        status = simulate_test(n, buf, &dist, queries, trials, seed, out);
    free(buf);
    return status;
}

static bht_status softmax_output(size_t n, size_t d, const double *M, const double *x, double *p)
{
    return bht_oracle_softmax(n, d, M, x, p, NULL, NULL);
}

static bht_status leverage_output(size_t n, size_t d, const double *M, const double *s, double *p)
{
    return bht_oracle_leverage(n, d, M, s, p, NULL, NULL, NULL, NULL);
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
    return simulate_models(n, d, A, B, x, softmax_output, bht_oracle_distance_softmax, queries,
                           trials, seed, out);
}

bht_status bht_simulate_leverage(size_t n, size_t d, const double *A, const double *B,
                                 const double *s, unsigned long queries, unsigned long trials,
                                 uint64_t seed, bht_simulation *out)
{
    if (!A || !B || !s || !out || n == 0 || d == 0 || d > n || queries == 0 || trials == 0
        || n > BHT_LEVERAGE_ORACLE_MAX_N)
        return BHT_E_INVALID;
    return simulate_models(n, d, A, B, s, leverage_output, bht_oracle_distance_leverage, queries,
                           trials, seed, out);
}
