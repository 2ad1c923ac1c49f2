/* fuzz_sup.c: libFuzzer harness for the optimal-query search, the planner
 * and the simulation (paper Thm 3.1, 3.5, 4.1, 4.3): bht_nu_softmax_sup,
 * bht_nu_leverage_sup, bht_plan_softmax, bht_plan_leverage,
 * bht_simulate_softmax, bht_simulate_leverage.  Bytes -> entry point,
 * n <= 5, d <= 3, model parameters (mostly moderate magnitudes, sometimes
 * the extremes of fuzz_finite), the constraint set and a small budget
 * (max_cells <= 48, so that one input stays in the millisecond range).
 * Properties, whenever an entry point answers BHT_OK:
 *   - the bracket is ordered and non-negative (delta in [0, 1]);
 *   - the returned query is admissible, decided exactly (bht_check_energy,
 *     bht_check_leverage_query);
 *   - the lower end is attained: the oracle's value at the query is >= it;
 *   - the upper end is certified: the oracle's value at three admissible
 *     queries drawn from the input is <= it (this is what a wrong bound in
 *     the branch and bound or in the affine arithmetic would break);
 *   - the leverage search never answers for a design the exact oracle
 *     finds rank deficient;
 *   - the simulation's rates lie in [0, 1], inside their interval, and a
 *     second run with the same seed is bit-identical.
 * Statuses other than BHT_OK must be documented ones.
 * A first byte >= 0xC0 selects the structure-aware hazard generators of
 * tests/sup_hazards.h instead (degenerate answers, argmax ties, common parts,
 * 2^+-500 scales, extreme c/C, near rank deficiency, n = d and n = 2d,
 * invariance pairs whose brackets must overlap, simulations against exact
 * enumeration): the next byte picks the generator, eight bytes its seed and
 * one byte the budget; the checks are hz_check's, and one input in four
 * also checks the enclosures behind the searches box by box. */
#include "fuzz_common.h"
#include "../sup_hazards.h"

enum { MAX_N = 5, MAX_D = 3, SAMPLES = 3 };

static const bht_oracle_options capped = {0, 1L << 12};

/* Mostly moderate values (16-bit mantissa, exponent in [-24, 3]); one in
 * eight from fuzz_finite, extremes included. */
static double moderate(fuzz_reader *r)
{
    uint8_t mode = fuzz_u8(r);
    if (mode % 8 == 0)
        return fuzz_finite(r);
    int16_t m = (int16_t)((fuzz_u8(r) << 8) | fuzz_u8(r));
    return ldexp((double)m, (int)(mode % 28) - 24 - 15);
}

static void fill(fuzz_reader *r, size_t count, double *v)
{
    for (size_t k = 0; k < count; k++)
        v[k] = moderate(r);
}

static int documented(bht_status s)
{
    return s == BHT_OK || s == BHT_E_INVALID || s == BHT_E_NONFINITE || s == BHT_E_RANGE
           || s == BHT_E_SINGULAR || s == BHT_E_PRECISION || s == BHT_E_CONSTRAINT;
}

/* A query in the ball ||x||_2 <= E from the input, or 0 when the exact
 * check refuses it (then it is skipped). */
static int ball_point(fuzz_reader *r, size_t d, double energy, double *x)
{
    for (size_t j = 0; j < d; j++) {
        double t = (double)(int16_t)((fuzz_u8(r) << 8) | fuzz_u8(r)) * 0x1p-15; /* [-1, 1) */
        x[j] = t * energy / sqrt((double)d) * (1.0 - 0x1p-20);
    }
    return bht_check_energy(d, x, energy, NULL) == BHT_OK;
}

/* A query with c <= s_i^2 <= C from the input, or 0 when refused. */
static int box_point(fuzz_reader *r, size_t n, double c, double C, double *s)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)fuzz_u8(r) / 255.0;
        double s2 = c + t * (C - c);
        s[i] = sqrt(fmin(fmax(s2, c), C));
        if (fuzz_u8(r) & 1)
            s[i] = -s[i];
    }
    return bht_check_leverage_query(n, s, c, C, NULL) == BHT_OK;
}

static void bounds(fuzz_reader *r, double *c, double *C)
{
    *c = ldexp(1.0 + fuzz_u8(r) / 256.0, (int)(fuzz_u8(r) % 16) - 8);
    *C = *c * (1.0 + (double)(fuzz_u8(r) % 64) / 4.0);
    if (fuzz_u8(r) % 16 == 0) /* sometimes an empty or degenerate set */
        *C = *c * (double)(fuzz_u8(r) % 2);
}

static void softmax_sup(fuzz_reader *r, size_t n, size_t d)
{
    double A[MAX_N * MAX_D], M[MAX_N * MAX_D], x[MAX_D], query[MAX_D];
    fill(r, n * d, A);
    fill(r, n * d, M);
    double energy = fabs(moderate(r)) * (fuzz_u8(r) % 32 == 0 ? -1.0 : 1.0);
    bht_sup_options options = {0.01, 1 + fuzz_u8(r) % 48, NULL, NULL, 0, NULL};
    bht_sup_result out;
    bht_status s = bht_nu_softmax_sup(n, d, A, M, energy, &options, query, &out);
    FUZZ_CHECK(documented(s), "softmax sup: status %d", (int)s);
    if (s != BHT_OK)
        return;
    FUZZ_CHECK(out.nu_lower >= 0.0 && out.nu_lower <= out.nu_upper,
               "softmax sup: bracket [%a, %a]", out.nu_lower, out.nu_upper);
    FUZZ_CHECK(bht_check_energy(d, query, energy, NULL) == BHT_OK,
               "softmax sup: query outside the ball of radius %a", energy);
    bht_local_result o;
    if (bht_oracle_nu_softmax(n, d, A, M, query, &o, NULL, &capped, NULL) == BHT_OK)
        FUZZ_CHECK(o.nu >= out.nu_lower, "softmax sup: nu at the query %a < nu_lower %a", o.nu,
                   out.nu_lower);
    for (int k = 0; k < SAMPLES; k++)
        if (ball_point(r, d, energy, x)
            && bht_oracle_nu_softmax(n, d, A, M, x, &o, NULL, &capped, NULL) == BHT_OK)
            FUZZ_CHECK(o.nu <= out.nu_upper, "softmax sup: nu %a at an admissible x > nu_upper %a",
                       o.nu, out.nu_upper);
}

static void leverage_sup(fuzz_reader *r, size_t n, size_t d)
{
    double A[MAX_N * MAX_D], M[MAX_N * MAX_D], s[MAX_N], query[MAX_N], c, C;
    fill(r, n * d, A);
    fill(r, n * d, M);
    if (fuzz_u8(r) % 8 == 0 && d > 1) /* an exactly rank-deficient design */
        for (size_t i = 0; i < n; i++)
            A[i * d + d - 1] = A[i * d];
    bounds(r, &c, &C);
    bht_sup_options options = {0.01, 1 + fuzz_u8(r) % 48, NULL, NULL, 0, NULL};
    bht_sup_result out;
    bht_status st = bht_nu_leverage_sup(n, d, A, M, c, C, &options, query, &out);
    FUZZ_CHECK(documented(st), "leverage sup: status %d", (int)st);
    if (st != BHT_OK)
        return;
    FUZZ_CHECK(out.nu_lower >= 0.0 && out.nu_lower <= out.nu_upper,
               "leverage sup: bracket [%a, %a]", out.nu_lower, out.nu_upper);
    FUZZ_CHECK(bht_check_leverage_query(n, query, c, C, NULL) == BHT_OK,
               "leverage sup: query outside c <= s_i^2 <= C (%a, %a)", c, C);
    bht_local_result o;
    bht_status so = bht_oracle_nu_leverage(n, d, A, M, query, &o, NULL, &capped, NULL);
    FUZZ_CHECK(so != BHT_E_SINGULAR, "leverage sup answered for a rank-deficient A");
    if (so == BHT_OK)
        FUZZ_CHECK(o.nu >= out.nu_lower, "leverage sup: nu at the query %a < nu_lower %a", o.nu,
                   out.nu_lower);
    for (int k = 0; k < SAMPLES; k++)
        if (box_point(r, n, c, C, s)
            && bht_oracle_nu_leverage(n, d, A, M, s, &o, NULL, &capped, NULL) == BHT_OK)
            FUZZ_CHECK(o.nu <= out.nu_upper, "leverage sup: nu %a at an admissible s > nu_upper %a",
                       o.nu, out.nu_upper);
}

static void check_plan(const bht_plan_result *out, const char *model)
{
    FUZZ_CHECK(out->delta_lower >= 0.0 && out->delta_lower <= out->delta_upper
                   && out->delta_upper <= 1.0,
               "%s plan: delta bracket [%a, %a]", model, out->delta_lower, out->delta_upper);
    FUZZ_CHECK(out->queries_lower >= 0.0 && out->queries_lower <= out->queries_upper,
               "%s plan: queries bracket [%a, %a]", model, out->queries_lower,
               out->queries_upper);
}

static double error_target(fuzz_reader *r)
{
    static const double targets[] = {1.0 / 3.0, 0.1, 0.01, 1e-6, 0.49, 0.5, 0.0};
    return targets[fuzz_u8(r) % (sizeof targets / sizeof targets[0])];
}

static void softmax_plan(fuzz_reader *r, size_t n, size_t d)
{
    double A[MAX_N * MAX_D], B[MAX_N * MAX_D], x[MAX_D], query[MAX_D];
    fill(r, n * d, A);
    for (size_t k = 0; k < n * d; k++) /* B near A, or unrelated */
        B[k] = (fuzz_u8(r) & 1) ? A[k] + ldexp(moderate(r), -(int)(fuzz_u8(r) % 40))
                                : moderate(r);
    double energy = fabs(moderate(r));
    bht_plan_result out;
    bht_status s = bht_plan_softmax(n, d, A, B, energy, error_target(r), query, &out);
    FUZZ_CHECK(documented(s), "softmax plan: status %d", (int)s);
    if (s != BHT_OK)
        return;
    check_plan(&out, "softmax");
    FUZZ_CHECK(bht_check_energy(d, query, energy, NULL) == BHT_OK,
               "softmax plan: query outside the ball");
    bht_distances o;
    if (bht_oracle_distance_softmax(n, d, A, B, query, &o, &capped, NULL) == BHT_OK)
        FUZZ_CHECK(o.hellinger >= out.delta_lower, "softmax plan: H %a at the query < %a",
                   o.hellinger, out.delta_lower);
    for (int k = 0; k < SAMPLES; k++)
        if (ball_point(r, d, energy, x)
            && bht_oracle_distance_softmax(n, d, A, B, x, &o, &capped, NULL) == BHT_OK)
            FUZZ_CHECK(o.hellinger <= out.delta_upper,
                       "softmax plan: H %a at an admissible x > delta_upper %a", o.hellinger,
                       out.delta_upper);
}

static void leverage_plan(fuzz_reader *r, size_t n, size_t d)
{
    double A[MAX_N * MAX_D], B[MAX_N * MAX_D], s[MAX_N], query[MAX_N], c, C;
    fill(r, n * d, A);
    for (size_t k = 0; k < n * d; k++)
        B[k] = (fuzz_u8(r) & 1) ? A[k] + ldexp(moderate(r), -(int)(fuzz_u8(r) % 40))
                                : moderate(r);
    bounds(r, &c, &C);
    bht_plan_result out;
    bht_status st = bht_plan_leverage(n, d, A, B, c, C, error_target(r), 1 + fuzz_u8(r) % 48,
                                      query, &out);
    FUZZ_CHECK(documented(st), "leverage plan: status %d", (int)st);
    if (st != BHT_OK)
        return;
    check_plan(&out, "leverage");
    FUZZ_CHECK(bht_check_leverage_query(n, query, c, C, NULL) == BHT_OK,
               "leverage plan: query outside c <= s_i^2 <= C");
    bht_distances o;
    bht_status so = bht_oracle_distance_leverage(n, d, A, B, query, &o, &capped, NULL);
    FUZZ_CHECK(so != BHT_E_SINGULAR, "leverage plan answered for a rank-deficient A or B");
    if (so == BHT_OK)
        FUZZ_CHECK(o.hellinger >= out.delta_lower, "leverage plan: H %a at the query < %a",
                   o.hellinger, out.delta_lower);
    for (int k = 0; k < SAMPLES; k++)
        if (box_point(r, n, c, C, s)
            && bht_oracle_distance_leverage(n, d, A, B, s, &o, &capped, NULL) == BHT_OK)
            FUZZ_CHECK(o.hellinger <= out.delta_upper,
                       "leverage plan: H %a at an admissible s > delta_upper %a", o.hellinger,
                       out.delta_upper);
}

static void check_simulation(const bht_simulation *a, const bht_simulation *b)
{
    FUZZ_CHECK(memcmp(a, b, sizeof *a) == 0, "simulation: same seed, different results");
    FUZZ_CHECK(a->error_rate >= 0.0 && a->error_rate <= 1.0 && a->ci_lower >= 0.0
                   && a->ci_lower <= a->error_rate && a->error_rate <= a->ci_upper
                   && a->ci_upper <= 1.0,
               "simulation: rate %a, interval [%a, %a]", a->error_rate, a->ci_lower,
               a->ci_upper);
    FUZZ_CHECK(a->error_under_a >= 0.0 && a->error_under_a <= 1.0 && a->error_under_b >= 0.0
                   && a->error_under_b <= 1.0,
               "simulation: per-hypothesis rates %a, %a", a->error_under_a, a->error_under_b);
    FUZZ_CHECK(a->bayes_lower >= 0.0 && a->bayes_lower <= a->bayes_upper
                   && a->bayes_upper <= 0.5,
               "simulation: Bayes bracket [%a, %a]", a->bayes_lower, a->bayes_upper);
}

static void simulate(fuzz_reader *r, size_t n, size_t d, int leverage)
{
    double A[MAX_N * MAX_D], B[MAX_N * MAX_D], q[MAX_N];
    fill(r, n * d, A);
    fill(r, n * d, B);
    fill(r, leverage ? n : d, q);
    unsigned long queries = 1 + fuzz_u8(r) % 6, trials = 1 + fuzz_u8(r) % 24;
    uint64_t seed = fuzz_u64(r);
    bht_simulation a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    bht_status s1 = leverage ? bht_simulate_leverage(n, d, A, B, q, queries, trials, seed, &a)
                             : bht_simulate_softmax(n, d, A, B, q, queries, trials, seed, &a);
    FUZZ_CHECK(documented(s1), "simulate: status %d", (int)s1);
    if (s1 != BHT_OK)
        return;
    bht_status s2 = leverage ? bht_simulate_leverage(n, d, A, B, q, queries, trials, seed, &b)
                             : bht_simulate_softmax(n, d, A, B, q, queries, trials, seed, &b);
    FUZZ_CHECK(s2 == BHT_OK, "simulate: second run status %d", (int)s2);
    check_simulation(&a, &b);
}

/* A hazard generator's instance with a small budget (see the top). */
static void hazard(fuzz_reader *r)
{
    size_t g = fuzz_u8(r) % HZ_GENERATORS;
    uint64_t seed = fuzz_u64(r);
    uint8_t budget = fuzz_u8(r);
    hz_problem p;
    hz_make(g, seed, &p);
    hz_outcome o;
    hz_report rep;
    FUZZ_CHECK(hz_check(&p, 1 + budget % 48, 3, seed ^ 0x5bd1e995u, &o, &rep), "%s (seed %llu): %s",
               p.generator, (unsigned long long)seed, rep.text);
    if (budget % 4 == 0) {
        hz_enclosure_stats st = {0, 0, 0};
        FUZZ_CHECK(hz_check_enclosures(&p, seed + 1, 2, &st, &rep), "%s (seed %llu): %s",
                   p.generator, (unsigned long long)seed, rep.text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size, 0};
    uint8_t what = fuzz_u8(&r);
    if (what >= 0xC0) { /* below 0xC0 the original modes, as in tests/fuzz/regressions */
        hazard(&r);
        return 0;
    }
    size_t n = 1 + fuzz_u8(&r) % MAX_N;
    size_t d = 1 + fuzz_u8(&r) % MAX_D;
    switch (what % 6) {
    case 0:
        softmax_sup(&r, n, d > 2 ? 2 : d);
        break;
    case 1:
        leverage_sup(&r, n, d > n ? n : d);
        break;
    case 2:
        softmax_plan(&r, n, d > 2 ? 2 : d);
        break;
    case 3:
        leverage_plan(&r, n, d > n ? n : d);
        break;
    default:
        simulate(&r, n, d > n ? n : d, what % 6 == 5);
        break;
    }
    return 0;
}
