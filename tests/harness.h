/* harness.h: shared helpers for the Criterion test programs.
 * Deterministic: every random stream comes from an explicit 64-bit seed
 * (SplitMix64), so a failure message's seed reproduces the instance. */
#ifndef BHT_TEST_HARNESS_H
#define BHT_TEST_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"
#include "core/rng.h"

typedef struct test_rng { uint64_t state; } test_rng;

static inline uint64_t test_rng_next(test_rng *r)
{
    return bht__splitmix64(&r->state);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double test_rng_unit(test_rng *r)
{
    return (double)(test_rng_next(r) >> 11) * 0x1p-53;
}

/* Uniform in [lo, hi). */
static inline double test_rng_uniform(test_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * test_rng_unit(r);
}

/* Uniform integer in [lo, hi] (hi - lo < 2^32). */
static inline size_t test_rng_int(test_rng *r, size_t lo, size_t hi)
{
    return lo + (size_t)(test_rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* Standard normal (Box-Muller; deterministic given the stream). */
static inline double test_rng_normal(test_rng *r)
{
    double u = test_rng_unit(r), v = test_rng_unit(r);
    if (u < 0x1p-60) u = 0x1p-60;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Calloc that aborts the test (not the library) on failure. */
static inline double *test_alloc(size_t count)
{
    double *p = calloc(count ? count : 1, sizeof *p);
    if (!p) { abort(); }
    return p;
}

/* Max ulp error of computed[] against reference[], index of the worst in *where. */
static inline double test_max_ulp(size_t n, const double *computed, const double *reference,
                                  size_t *where)
{
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double e = bht_ulp_error(computed[i], reference[i]);
        if (e > worst) { worst = e; at = i; }
    }
    if (where) *where = at;
    return worst;
}

#endif
