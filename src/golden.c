/* golden.c: the golden test-vector corpus (golden/FORMAT.md).
 *
 * Why the generator lives in the library and not in the CLI: every vector is
 * a pure function of (fn, index), rendered into a caller-owned text buffer,
 * so the CLI (`bht golden`) only writes files and the tests can regenerate or
 * inspect single vectors in-process.  The library still prints nothing,
 * opens no file and keeps no global mutable state (every table below is
 * const).
 *
 * Determinism.  The corpus must regenerate bit for bit on any IEEE-754
 * machine, so:
 *  - inputs come from SplitMix64 streams seeded by (fn, family, index) and
 *    from exactly specified binary64 operations (+, -, *, /, ldexp, integer
 *    conversions), never from libm functions such as exp, log or cos whose
 *    results differ between libraries;
 *  - expected values come from the MPFR oracles (correctly rounded, so the
 *    same on every machine);
 *  - the worst-case search compares the double kernels, which use only
 *    correctly rounded operations (+, -, *, /, sqrt, fma, ldexp, frexp), with
 *    the oracles, so the selected vectors do not depend on the platform;
 *  - floats are printed by bht_golden_format_double, not by printf("%a")
 *    (whose output differs between C libraries for subnormals).
 *
 * Layout: each function ("fn") is a list of families (special values, random,
 * worst cases, invalid, ...); vector `index` of a fn belongs to the family
 * whose range contains it, and its tcId is the fn's base + index + 1.  The
 * bases are fixed per fn (room for 99999 vectors each), so adding a fn or
 * appending vectors to a family at the END of a fn's list never renumbers
 * existing vectors. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bht.h"

/* ------------------------------------------------------------ utilities */

typedef struct grng {
    uint64_t state;
} grng;

static uint64_t rng_next(grng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1): 53 random bits times 2^-53 (exact). */
static double rng_unit(grng *r) { return (double)(rng_next(r) >> 11) * 0x1p-53; }

/* Uniform in [-1, 1): (k - 2^52) 2^-52 for a 53-bit k (exact). */
static double rng_sym(grng *r)
{
    int64_t k = (int64_t)(rng_next(r) >> 11) - ((int64_t)1 << 52);
    return (double)k * 0x1p-52;
}

/* Uniform integer in [lo, hi] (small ranges; modulo bias is irrelevant). */
static long rng_int(grng *r, long lo, long hi)
{
    return lo + (long)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static void append_raw(bht_golden_buffer *b, const char *s, size_t len, int *nomem)
{
    if (*nomem)
        return;
    if (b->capacity - b->length < len + 1) {
        size_t cap = b->capacity ? b->capacity : 4096;
        while (cap - b->length < len + 1) {
            if (cap > SIZE_MAX / 2) {
                *nomem = 1;
                return;
            }
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d) {
            *nomem = 1;
            return;
        }
        b->data = d;
        b->capacity = cap;
    }
    memcpy(b->data + b->length, s, len);
    b->length += len;
    b->data[b->length] = '\0';
}

static void append(bht_golden_buffer *b, int *nomem, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void append(bht_golden_buffer *b, int *nomem, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof small) {
        *nomem = 1; /* every fragment rendered here is short */
        return;
    }
    append_raw(b, small, (size_t)n, nomem);
}

void bht_golden_buffer_free(bht_golden_buffer *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->length = b->capacity = 0;
}

void bht_golden_format_double(double x, char out[BHT_GOLDEN_HEX_SIZE])
{
    if (isnan(x)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(x)) {
        strcpy(out, x < 0 ? "-inf" : "inf");
        return;
    }
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    char *o = out;
    if (bits >> 63)
        *o++ = '-';
    unsigned biased = (unsigned)((bits >> 52) & 0x7ff);
    uint64_t mant = bits & (((uint64_t)1 << 52) - 1);
    if (biased == 0 && mant == 0) {
        strcpy(o, "0x0p+0");
        return;
    }
    int exponent = biased ? (int)biased - 1023 : -1022;
    *o++ = '0';
    *o++ = 'x';
    *o++ = biased ? '1' : '0';
    if (mant) {
        static const char hex[] = "0123456789abcdef";
        char digits[13];
        int last = -1;
        for (int k = 0; k < 13; k++) {
            digits[k] = hex[(mant >> (48 - 4 * k)) & 0xf];
            if (digits[k] != '0')
                last = k;
        }
        *o++ = '.';
        for (int k = 0; k <= last; k++)
            *o++ = digits[k];
    }
    snprintf(o, 8, "p%+d", exponent);
}

/* ---------------------------------------------------------------- flags */

enum {
    F_SPECIAL = 0,
    F_N1,
    F_EQUAL,
    F_LARGE_LOGITS,
    F_GAP,
    F_ZERO_OUT,
    F_SUBNORMAL_OUT,
    F_SUBNORMAL_IN,
    F_SIGNED_ZERO,
    F_BEYOND,
    F_BOUNDARY,
    F_LARGE_N,
    F_RANDOM,
    F_WORST,
    F_ILL,
    F_NEAR,
    F_DISJOINT,
    F_LOGSPACED,
    F_CUTOFF,
    F_INV_NONFINITE,
    F_INV_NEGATIVE,
    F_INV_SHAPE,
    F_INV_EMPTY,
    F_INV_SUM,
    F_COUNT
};

static const struct {
    const char *name, *description;
} flag_table[F_COUNT] = {
    {"special", "hand-picked special value"},
    {"n1", "a single outcome (n = 1)"},
    {"equal_logits", "all logits equal (uniform result)"},
    {"large_logits", "some |logit| >= 700: exp(logit) overflows or underflows in binary64"},
    {"gap_underflow", "logit gaps of 700 to 800: probabilities in the subnormal range or 0"},
    {"zero_output", "an expected value is (a rounded-to) zero"},
    {"subnormal_output", "an expected value is subnormal"},
    {"subnormal_input", "an input value is subnormal"},
    {"signed_zero", "an input is -0"},
    {"beyond_kernel_domain",
     "valid, but outside the domain of bht's double kernel (|logit| or |a_ij x_j| too large): "
     "bht's kernel rejects it with BHT_E_RANGE; an implementation may reject it or must meet tol"},
    {"domain_boundary", "at the edge of the double kernel's domain (|logit| = 2^1020)"},
    {"large_n", "more than 64 outcomes"},
    {"random", "drawn from a seeded SplitMix64 stream (see comment for the family)"},
    {"worst_case_search",
     "the largest double-kernel-vs-oracle ulp error among the candidates of a bounded "
     "deterministic search (comment gives the error and the number of candidates)"},
    {"ill_conditioned",
     "ill-conditioned design: cancellation in the dot products A x or nearly collinear rows"},
    {"near_identical", "P and Q nearly identical (tiny H^2 and TV)"},
    {"disjoint_support", "P and Q have disjoint supports (H^2 = TV = 1)"},
    {"log_spaced", "eps on a binary log-spaced grid (1 + k/4) 2^e covering [1e-300, 200]"},
    {"cutoff_boundary", "at or next to a branch cut-off of bht's double kernel"},
    {"invalid_nonfinite", "invalid: an input is NaN or infinite"},
    {"invalid_negative", "invalid: a probability or eps is negative"},
    {"invalid_shape", "invalid: inconsistent shapes (lengths or A's columns vs x)"},
    {"invalid_empty", "invalid: an empty vector or matrix"},
    {"invalid_sum", "invalid: a distribution does not sum to 1 within n 2^-52"},
};

size_t bht_golden_flag_count(void) { return F_COUNT; }

const char *bht_golden_flag_name(size_t k) { return k < F_COUNT ? flag_table[k].name : NULL; }

const char *bht_golden_flag_description(size_t k)
{
    return k < F_COUNT ? flag_table[k].description : NULL;
}

#define FLAG(f) ((uint64_t)1 << (f))

/* ----------------------------------------------------------------- cases */

#define G_MAX_N 320
#define G_MAX_A 4096
#define G_MAX_D 64

typedef struct gcase {
    uint64_t flags;
    int invalid;
    int expected_done; /* the family already filled the expected values */
    char comment[200];
    size_t n;    /* length of z / P; rows of A */
    size_t d;    /* columns of A */
    size_t xlen; /* length of x (== d unless the shape is invalid) */
    size_t qlen; /* length of Q (== n unless the shape is invalid) */
    double eps;
    double z[G_MAX_N], P[G_MAX_N], Q[G_MAX_N], A[G_MAX_A], x[G_MAX_D];
    double p[G_MAX_N]; /* expected softmax */
    bht_distances dist;
    bht_lemma_a1_bounds lemma;
} gcase;

static void set_comment(gcase *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void set_comment(gcase *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->comment, sizeof c->comment, fmt, ap);
    va_end(ap);
}

typedef bht_status (*family_make)(gcase *c, size_t i, grng *r);

typedef struct family {
    const char *name;
    size_t count;
    family_make make;
    uint64_t flags; /* given to every vector of the family */
} family;

/* Max ulp error of computed[] against reference[]. */
static double max_ulp(size_t n, const double *computed, const double *reference)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = bht_ulp_error(computed[i], reference[i]);
        if (e > worst)
            worst = e;
    }
    return worst;
}

/* Search score: the max ulp error, ties broken by the number of misrounded
 * entries (each adds 2^-20, far below one ulp). */
static double search_score(size_t n, const double *computed, const double *reference)
{
    double score = max_ulp(n, computed, reference);
    for (size_t i = 0; i < n; i++)
        if (bht_ulp_error(computed[i], reference[i]) > 0.0)
            score += 0x1p-20;
    return score;
}

/* ====================================================== softmax_logits */

static const double LN_SCALES[] = {0x1p-30, 1e-8, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0,
                                   300.0, 745.0, 1000.0, 1e4, 1e6, 1e15, 1e300};
#define LN_SCALE_COUNT (sizeof LN_SCALES / sizeof LN_SCALES[0])

static size_t draw_n(grng *r)
{
    long u = rng_int(r, 0, 99);
    if (u < 70)
        return (size_t)rng_int(r, 1, 16);
    if (u < 95)
        return (size_t)rng_int(r, 17, 64);
    return (size_t)rng_int(r, 65, 300);
}

/* Fills z[0..n) with one of six shapes at scale s; returns the shape's name. */
static const char *draw_logits(grng *r, size_t n, double s, double *z)
{
    switch (rng_int(r, 0, 5)) {
    case 0:
        for (size_t i = 0; i < n; i++)
            z[i] = s * rng_sym(r);
        return "uniform";
    case 1: {
        long k = rng_int(r, 1, 50);
        for (size_t i = 0; i < n; i++)
            z[i] = s * ((double)rng_int(r, -k, k) / (double)k);
        return "integer grid";
    }
    case 2: {
        double v[3] = {s * rng_sym(r), s * rng_sym(r), s * rng_sym(r)};
        for (size_t i = 0; i < n; i++)
            z[i] = v[rng_int(r, 0, 2)];
        return "ties";
    }
    case 3: {
        double c = s * rng_sym(r);
        for (size_t i = 0; i < n; i++)
            z[i] = c + s * 0x1p-30 * rng_sym(r);
        return "cluster";
    }
    case 4:
        for (size_t i = 0; i < n; i++)
            z[i] = s * 0.01 * rng_sym(r);
        z[rng_int(r, 0, (long)n - 1)] += s;
        return "dominant";
    default: {
        double gap = 4.0 * s;
        for (size_t i = 0; i < n; i++)
            z[i] = s * 0.5 * rng_sym(r) - (rng_int(r, 0, 1) ? gap : 0.0);
        return "two clusters";
    }
    }
}

static bht_status ln_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const struct {
        size_t n;
        double z[4];
        uint64_t flags;
        const char *comment;
    } t[] = {
        {1, {0.0}, FLAG(F_N1), "n = 1"},
        {1, {-1e300}, FLAG(F_N1), "n = 1, very negative logit"},
        {1, {1e300}, FLAG(F_N1), "n = 1, very large logit"},
        {1, {-0.0}, FLAG(F_N1) | FLAG(F_SIGNED_ZERO), "n = 1, z = -0"},
        {1, {DBL_MAX}, FLAG(F_N1) | FLAG(F_BEYOND), "n = 1, z = DBL_MAX"},
        {2, {0.0, 0.0}, FLAG(F_EQUAL), "two equal logits"},
        {3, {5.0, 5.0, 5.0}, FLAG(F_EQUAL), "three equal logits: 1/3 rounded"},
        {2, {1000.0, -1000.0}, FLAG(F_LARGE_LOGITS), "+-1000"},
        {3, {1000.0, 999.0, -1000.0}, FLAG(F_LARGE_LOGITS), "1000, 999, -1000"},
        {2, {-1000.0, -1000.0}, FLAG(F_LARGE_LOGITS) | FLAG(F_EQUAL), "two logits -1000"},
        {2, {0.0, -0.0}, FLAG(F_SIGNED_ZERO) | FLAG(F_EQUAL), "+0 and -0"},
        {2, {0x1p1020, 0.0}, FLAG(F_BOUNDARY), "2^1020 (largest kernel logit) and 0"},
        {2, {-0x1p1020, 0x1p1020}, FLAG(F_BOUNDARY), "-2^1020 and 2^1020"},
        {2, {0x1.0000000000001p1020, 0.0}, FLAG(F_BEYOND), "next double above 2^1020"},
        {2, {DBL_MAX, -DBL_MAX}, FLAG(F_BEYOND), "+-DBL_MAX"},
        {2, {DBL_MAX, DBL_MAX}, FLAG(F_BEYOND) | FLAG(F_EQUAL), "DBL_MAX twice"},
        {2, {1e300, 0x1.7e43c8800759bp+996}, 0, "1e300 and its predecessor"},
        {2, {0x1p-1074, 0.0}, FLAG(F_SUBNORMAL_IN), "smallest subnormal logit"},
        {2, {0x1p-1022, -0x1p-1022}, 0, "+-DBL_MIN"},
        {2, {1.0, 0x1.0000000000001p0}, 0, "1 and its successor"},
        {2, {0.0, -708.39641853226408}, 0, "p_2 near DBL_MIN"},
        {2, {0.0, -744.44007192138122}, FLAG(F_GAP), "p_2 near 2^-1074"},
        {2, {0.0, -745.13321910194122}, FLAG(F_GAP), "p_2 near 2^-1075 (rounding to 0 or 2^-1074)"},
        {2, {0.0, -745.2}, FLAG(F_GAP), "p_2 below 2^-1075: rounds to 0"},
        {2, {0.0, -800.0}, FLAG(F_GAP), "gap 800"},
        {2, {0.0, -1e5}, FLAG(F_LARGE_LOGITS), "gap 1e5"},
        {2, {0.0, -1e300}, FLAG(F_LARGE_LOGITS), "gap 1e300"},
        {2, {710.0, 0.0}, FLAG(F_LARGE_LOGITS), "exp(710) overflows binary64"},
        {2, {-710.0, 0.0}, FLAG(F_LARGE_LOGITS), "exp(-710) is subnormal"},
        {3, {1e-300, -1e-300, 0.0}, 0, "tiny logits"},
        {4, {1.0, 2.0, 3.0, 4.0}, 0, "1, 2, 3, 4"},
        {2, {0x1p-53, 0.0}, 0, "logits differ by 2^-53"},
        {2, {36.7368005696771, 0.0}, 0, "p_2 near 2^-53 (1 - p_1 at half an ulp)"},
    };
    const size_t table = sizeof t / sizeof t[0];
    if (i < table) {
        c->n = t[i].n;
        memcpy(c->z, t[i].z, t[i].n * sizeof(double));
        c->flags |= t[i].flags;
        set_comment(c, "%s", t[i].comment);
        return BHT_OK;
    }
    switch (i - table) {
    case 0:
        c->n = 64;
        for (size_t k = 0; k < 64; k++)
            c->z[k] = -3.0;
        c->flags |= FLAG(F_EQUAL);
        set_comment(c, "64 equal logits");
        break;
    case 1:
        c->n = 300;
        for (size_t k = 0; k < 300; k++)
            c->z[k] = 7.0;
        c->flags |= FLAG(F_EQUAL);
        set_comment(c, "300 equal logits");
        break;
    case 2:
        c->n = 300;
        for (size_t k = 0; k < 300; k++)
            c->z[k] = 0.1 * (double)k;
        set_comment(c, "ramp z_k = 0.1 k, n = 300");
        break;
    case 3:
        c->n = 64;
        for (size_t k = 0; k < 64; k++)
            c->z[k] = -12.0 * (double)k;
        set_comment(c, "ramp z_k = -12 k, n = 64 (down to subnormal and zero)");
        break;
    case 4:
        c->n = 64;
        for (size_t k = 0; k < 64; k++)
            c->z[k] = 0.0;
        c->z[17] = 50.0;
        set_comment(c, "one logit 50 among 63 zeros");
        break;
    default:
        c->n = 64;
        for (size_t k = 0; k < 64; k++)
            c->z[k] = (k % 2) ? 1e300 : -1e300;
        c->flags |= FLAG(F_LARGE_LOGITS);
        set_comment(c, "alternating +-1e300, n = 64");
        break;
    }
    return BHT_OK;
}
#define LN_SPECIAL_COUNT 39

static bht_status ln_gap(gcase *c, size_t i, grng *r)
{
    /* gap g = 700 + (i + u) / 4 in [700, 800]: exp(-g) is subnormal or 0. */
    double g = 700.0 + ((double)(i / 2) + ((i % 2) ? rng_unit(r) : 0.0)) * 0.25;
    if (i % 4 < 2) {
        c->n = 2;
        c->z[0] = 0.0;
        c->z[1] = -g;
    } else {
        c->n = 3;
        c->z[0] = g * 0.5;
        c->z[1] = -g * 0.5;
        c->z[2] = g * 0.5 - 1.0;
    }
    c->flags |= FLAG(F_GAP);
    set_comment(c, "logit gap %.17g", g);
    return BHT_OK;
}
#define LN_GAP_COUNT 802

static bht_status ln_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    c->n = draw_n(r);
    double s = LN_SCALES[rng_int(r, 0, LN_SCALE_COUNT - 1)];
    const char *shape = draw_logits(r, c->n, s, c->z);
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "random logits: %s, scale %g", shape, s);
    return BHT_OK;
}

static bht_status ln_worst(gcase *c, size_t i, grng *r)
{
    enum { CANDIDATES = 1000 };
    static const double scales[] = {1.0, 10.0, 100.0, 700.0, 1e4};
    double best = -1.0, z[12], p[12], q[12];
    for (int k = 0; k < CANDIDATES; k++) {
        size_t n = (size_t)rng_int(r, 2, 12);
        double s = scales[rng_int(r, 0, 4)];
        (void)draw_logits(r, n, s, z);
        if (bht_softmax_logits(n, z, p) != BHT_OK)
            continue;
        bht_status st = bht_oracle_softmax_logits(n, z, q, NULL, NULL);
        if (st != BHT_OK)
            return st;
        double e = search_score(n, p, q);
        if (e > best) {
            best = e;
            c->n = n;
            memcpy(c->z, z, n * sizeof *z);
            memcpy(c->p, q, n * sizeof *q);
        }
    }
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST);
    set_comment(c, "worst of %d candidates (search block %zu): kernel error %.0f ulp", CANDIDATES,
                i, floor(best));
    return BHT_OK;
}
#define LN_WORST_COUNT 150

static bht_status ln_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const struct {
        size_t n;
        double z[4];
        const char *comment;
    } t[] = {
        {1, {NAN}, "NaN logit"},
        {1, {INFINITY}, "+inf logit"},
        {1, {-INFINITY}, "-inf logit"},
        {2, {0.0, NAN}, "NaN logit"},
        {3, {1.0, INFINITY, 2.0}, "+inf logit"},
        {3, {1.0, -INFINITY, 2.0}, "-inf logit (exp would give 0, but inf is not a logit)"},
        {2, {-INFINITY, -INFINITY}, "all logits -inf"},
        {2, {INFINITY, -INFINITY}, "+inf and -inf"},
        {2, {NAN, NAN}, "all NaN"},
        {2, {DBL_MAX, INFINITY}, "DBL_MAX and inf"},
        {4, {0.0, 1.0, 2.0, NAN}, "NaN last"},
    };
    const size_t table = sizeof t / sizeof t[0];
    c->invalid = 1;
    if (i < table) {
        c->n = t[i].n;
        memcpy(c->z, t[i].z, t[i].n * sizeof(double));
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "%s", t[i].comment);
        return BHT_OK;
    }
    c->n = 0;
    c->flags |= FLAG(F_INV_EMPTY);
    set_comment(c, "empty logit vector (n = 0)");
    return BHT_OK;
}
#define LN_INVALID_COUNT 12

static bht_status ln_beyond(gcase *c, size_t i, grng *r)
{
    c->n = (size_t)rng_int(r, 2, 8);
    for (size_t k = 0; k < c->n; k++)
        c->z[k] = rng_sym(r) * 100.0;
    /* One to n logits beyond 2^1020: values in (2^1020, DBL_MAX]. */
    size_t m = (size_t)rng_int(r, 1, (long)c->n);
    for (size_t k = 0; k < m; k++) {
        double big = ldexp(1.0 + rng_unit(r), 1020 + (int)rng_int(r, 0, 3));
        if (big <= 0x1p1020)
            big = 0x1.0000000000001p1020;
        c->z[rng_int(r, 0, (long)c->n - 1)] = (rng_int(r, 0, 1) ? big : -big);
    }
    c->flags |= FLAG(F_BEYOND) | FLAG(F_RANDOM);
    set_comment(c, "logits beyond 2^1020 (case %zu)", i);
    return BHT_OK;
}
#define LN_BEYOND_COUNT 40

static const family LN_FAMILIES[] = {
    {"special", LN_SPECIAL_COUNT, ln_special, FLAG(F_SPECIAL)},
    {"gap", LN_GAP_COUNT, ln_gap, 0},
    {"random", 2600, ln_random, 0},
    {"worst", LN_WORST_COUNT, ln_worst, 0},
    {"invalid", LN_INVALID_COUNT, ln_invalid, 0},
    {"beyond", LN_BEYOND_COUNT, ln_beyond, 0},
};

/* ============================================================== softmax */

/* Fills A (n by d) with one of five designs; returns its name. */
static const char *draw_design(grng *r, size_t n, size_t d, double *A, uint64_t *flags)
{
    static const double scales[] = {1e-3, 0.1, 1.0, 10.0, 1e3};
    double s = scales[rng_int(r, 0, 4)];
    switch (rng_int(r, 0, 4)) {
    case 0:
        for (size_t k = 0; k < n * d; k++)
            A[k] = s * rng_sym(r);
        return "uniform";
    case 1:
        for (size_t k = 0; k < n * d; k++)
            A[k] = s * 0.5 * (rng_sym(r) + rng_sym(r) + rng_sym(r) + rng_sym(r));
        return "sum of 4 uniforms";
    case 2:
        for (size_t k = 0; k < n * d; k++)
            A[k] = (double)rng_int(r, -9, 9);
        return "integer";
    case 3: {
        /* Nearly collinear rows: a base row plus 2^-k perturbations. */
        int sh = (int)rng_int(r, 20, 50);
        for (size_t j = 0; j < d; j++)
            A[j] = s * rng_sym(r);
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < d; j++)
                A[i * d + j] = A[j] + ldexp(s * rng_sym(r), -sh);
        *flags |= FLAG(F_ILL);
        return "nearly collinear rows";
    }
    default:
        for (size_t j = 0; j < d; j++) {
            int e = (int)rng_int(r, -20, 20);
            for (size_t i = 0; i < n; i++)
                A[i * d + j] = ldexp(rng_sym(r), e);
        }
        return "columns scaled by 2^[-20, 20]";
    }
}

static bht_status sm_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    c->n = 2;
    c->d = 2;
    switch (i) {
    case 0:
        c->n = c->d = 1;
        c->A[0] = 2.0;
        c->x[0] = 3.0;
        c->flags |= FLAG(F_N1);
        set_comment(c, "n = d = 1");
        break;
    case 1:
        c->n = 5;
        c->d = 3;
        for (size_t k = 0; k < 15; k++)
            c->A[k] = (double)k - 7.0;
        memset(c->x, 0, 3 * sizeof(double));
        c->flags |= FLAG(F_EQUAL);
        set_comment(c, "x = 0: uniform");
        break;
    case 2:
        c->n = 6;
        c->d = 2;
        memset(c->A, 0, 12 * sizeof(double));
        c->x[0] = 1e300;
        c->x[1] = -3.0;
        c->flags |= FLAG(F_EQUAL);
        set_comment(c, "A = 0: uniform");
        break;
    case 3:
        c->n = c->d = 4;
        memset(c->A, 0, 16 * sizeof(double));
        for (size_t k = 0; k < 4; k++) {
            c->A[k * 4 + k] = 1.0;
            c->x[k] = (double)(k + 1);
        }
        set_comment(c, "identity design: softmax(x)");
        break;
    case 4: {
        static const double A[6] = {0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0};
        c->d = 3;
        memcpy(c->A, A, sizeof A);
        c->x[0] = c->x[1] = c->x[2] = 1.0;
        c->flags |= FLAG(F_ILL);
        set_comment(c, "logit 2^53 + 1 - 2^53 = 1 (lost by naive summation)");
        break;
    }
    case 5: {
        static const double A[6] = {1e16, 1.0, -1e16, 1.0, 0.0, 0.0};
        c->d = 3;
        memcpy(c->A, A, sizeof A);
        c->x[0] = c->x[1] = c->x[2] = 1.0;
        c->flags |= FLAG(F_ILL);
        set_comment(c, "cancellation: logits 1 and 1");
        break;
    }
    case 6: {
        static const double A[4] = {1.0, 1.0, 1.0, 0x1.0000000000001p0};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 1e15;
        c->x[1] = -1e15;
        c->flags |= FLAG(F_ILL);
        set_comment(c, "nearly collinear rows, large x");
        break;
    }
    case 7: {
        static const double A[4] = {1e300, 0.0, 0.0, 1e300};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 2e-300;
        c->x[1] = 1e-300;
        set_comment(c, "huge A, tiny x: logits near 2 and 1");
        break;
    }
    case 8: {
        static const double A[4] = {0x1p1000, 0.0, 0.0, 1.0};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0x1p30;
        c->x[1] = 1.0;
        c->flags |= FLAG(F_BEYOND);
        set_comment(c, "a_11 x_1 = 2^1030: beyond the kernel's product bound");
        break;
    }
    case 9:
        c->n = 64;
        c->d = 1;
        for (size_t k = 0; k < 64; k++)
            c->A[k] = (double)k;
        c->x[0] = 0.5;
        set_comment(c, "d = 1, logits k / 2");
        break;
    case 10:
        c->n = 300;
        c->d = 2;
        for (size_t k = 0; k < 300; k++) {
            c->A[2 * k] = (double)k * 0.01;
            c->A[2 * k + 1] = 1.0 - (double)k * 0.01;
        }
        c->x[0] = 3.0;
        c->x[1] = -2.0;
        set_comment(c, "n = 300, d = 2");
        break;
    case 11: {
        static const double A[6] = {1.0, 2.0, 1.0, 2.0, 1.0, 2.0};
        c->n = 3;
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0.3;
        c->x[1] = -0.7;
        c->flags |= FLAG(F_EQUAL);
        set_comment(c, "identical rows (rank 1): uniform");
        break;
    }
    case 12: {
        static const double A[4] = {1.0, -1.0, 2.0, 0.5};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0x1p-1074;
        c->x[1] = 0x1.8p-1070;
        c->flags |= FLAG(F_SUBNORMAL_IN);
        set_comment(c, "subnormal x");
        break;
    }
    case 13: {
        static const double A[4] = {1000.0, 0.0, -1000.0, 0.0};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 1.0;
        c->x[1] = -0.0;
        c->flags |= FLAG(F_SIGNED_ZERO) | FLAG(F_LARGE_LOGITS);
        set_comment(c, "logits +-1000, x_2 = -0");
        break;
    }
    case 14: {
        static const double A[4] = {0x1p500, 0x1p500, -0x1p500, 1.0};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0x1p-500;
        c->x[1] = -0x1p-500;
        c->flags |= FLAG(F_ILL);
        set_comment(c, "logits 0 and -1 - 2^-500 (exact products needed)");
        break;
    }
    default: {
        static const double A[6] = {0x1p509, -0x1p509, 3.0, 0.0, 0.0, 0.0};
        c->d = 3;
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0x1p509;
        c->x[1] = 0x1p509;
        c->x[2] = 1.0;
        c->flags |= FLAG(F_BOUNDARY) | FLAG(F_ILL);
        set_comment(c, "products 2^1018 cancelling: logits 3 and 0");
        break;
    }
    }
    c->xlen = c->d;
    return BHT_OK;
}
#define SM_SPECIAL_COUNT 16

static bht_status sm_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    static const double xs[] = {1e-3, 0.1, 1.0, 10.0, 100.0};
    size_t n = draw_n(r);
    if (n > 128)
        n = 128;
    size_t d = (size_t)rng_int(r, 1, n > 64 ? 3 : 10);
    const char *design = draw_design(r, n, d, c->A, &c->flags);
    double s = xs[rng_int(r, 0, 4)];
    for (size_t j = 0; j < d; j++)
        c->x[j] = s * rng_sym(r);
    c->n = n;
    c->d = c->xlen = d;
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "random design: %s; x uniform, scale %g", design, s);
    return BHT_OK;
}

static bht_status sm_worst(gcase *c, size_t i, grng *r)
{
    enum { CANDIDATES = 500, MAXN = 8, MAXD = 6 };
    double best = -1.0, A[MAXN * MAXD], x[MAXD], p[MAXN], q[MAXN];
    uint64_t best_flags = 0;
    for (int k = 0; k < CANDIDATES; k++) {
        size_t n = (size_t)rng_int(r, 2, MAXN), d = (size_t)rng_int(r, 1, MAXD);
        uint64_t fl = 0;
        (void)draw_design(r, n, d, A, &fl);
        double s = ldexp(1.0, (int)rng_int(r, -4, 12));
        for (size_t j = 0; j < d; j++)
            x[j] = s * rng_sym(r);
        if (bht_softmax(n, d, A, x, p) != BHT_OK)
            continue;
        bht_status st = bht_oracle_softmax(n, d, A, x, q, NULL, NULL);
        if (st != BHT_OK)
            return st;
        double e = search_score(n, p, q);
        if (e > best) {
            best = e;
            best_flags = fl;
            c->n = n;
            c->d = c->xlen = d;
            memcpy(c->A, A, n * d * sizeof *A);
            memcpy(c->x, x, d * sizeof *x);
            memcpy(c->p, q, n * sizeof *q);
        }
    }
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST) | best_flags;
    set_comment(c, "worst of %d candidates (search block %zu): kernel error %.0f ulp", CANDIDATES,
                i, floor(best));
    return BHT_OK;
}
#define SM_WORST_COUNT 100

static bht_status sm_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    c->invalid = 1;
    c->n = 2;
    c->d = c->xlen = 2;
    static const double A[4] = {1.0, 2.0, 3.0, 4.0};
    memcpy(c->A, A, sizeof A);
    c->x[0] = 0.5;
    c->x[1] = -0.5;
    switch (i) {
    case 0:
        c->A[1] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in A");
        break;
    case 1:
        c->x[1] = INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "+inf in x");
        break;
    case 2:
        c->A[2] = -INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "-inf in A");
        break;
    case 3:
        c->x[0] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in x");
        break;
    case 4:
        c->d = 3; /* A is 2 by 3 (reuse 6 entries), x has 2 entries */
        c->A[4] = 5.0;
        c->A[5] = 6.0;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A has 3 columns, x has 2 entries");
        break;
    case 5:
        c->xlen = 3;
        c->x[2] = 1.0;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A has 2 columns, x has 3 entries");
        break;
    case 6:
        c->n = 0;
        c->flags |= FLAG(F_INV_EMPTY);
        set_comment(c, "A has no rows");
        break;
    case 7:
        c->d = c->xlen = 0;
        c->flags |= FLAG(F_INV_EMPTY);
        set_comment(c, "A has no columns and x is empty");
        break;
    default:
        c->A[3] = INFINITY;
        c->x[1] = 0.0;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "inf in A times x_j = 0 (still invalid)");
        break;
    }
    return BHT_OK;
}
#define SM_INVALID_COUNT 9

static const family SM_FAMILIES[] = {
    {"special", SM_SPECIAL_COUNT, sm_special, FLAG(F_SPECIAL)},
    {"random", 2000, sm_random, 0},
    {"worst", SM_WORST_COUNT, sm_worst, 0},
    {"invalid", SM_INVALID_COUNT, sm_invalid, 0},
};

/* ============================================================= distance */

/* p_i = w_i / S with S the left-to-right sum: a distribution within the
 * checker's n 2^-52 (verified; the caller retries otherwise). */
static int normalize(size_t n, const double *w, double *p)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += w[i];
    if (!(s > 0.0) || !isfinite(s))
        return 0;
    for (size_t i = 0; i < n; i++)
        p[i] = w[i] / s;
    return bht_check_distribution(n, p, NULL, NULL) == BHT_OK;
}

/* Random weights of one of five kinds; returns the kind's name. */
static const char *draw_weights(grng *r, size_t n, double *w, uint64_t *flags)
{
    switch (rng_int(r, 0, 4)) {
    case 0:
        for (size_t i = 0; i < n; i++)
            w[i] = rng_unit(r);
        return "uniform weights";
    case 1: {
        long k = rng_int(r, 2, 8);
        for (size_t i = 0; i < n; i++) {
            double u = rng_unit(r), v = u;
            for (long j = 1; j < k; j++)
                v *= u;
            w[i] = v;
        }
        return "weights u^k (heavy near 0)";
    }
    case 2:
        for (size_t i = 0; i < n; i++)
            w[i] = rng_int(r, 0, 2) ? 0.0 : rng_unit(r);
        return "sparse weights";
    case 3: {
        long range = rng_int(r, 10, 1100);
        for (size_t i = 0; i < n; i++)
            w[i] = ldexp(0.5 + 0.5 * rng_unit(r), -(int)rng_int(r, 0, range));
        if (range > 960)
            *flags |= FLAG(F_SUBNORMAL_IN);
        return "weights 2^-k, k up to 1100";
    }
    default:
        for (size_t i = 0; i < n; i++)
            w[i] = (double)rng_int(r, 0, 5);
        return "integer weights";
    }
}

/* A random distribution (retries until normalize succeeds; uniform fallback). */
static const char *draw_distribution(grng *r, size_t n, double *p, uint64_t *flags)
{
    double w[G_MAX_N];
    for (int attempt = 0; attempt < 16; attempt++) {
        uint64_t fl = 0;
        const char *kind = draw_weights(r, n, w, &fl);
        if (normalize(n, w, p)) {
            *flags |= fl;
            return kind;
        }
    }
    for (size_t i = 0; i < n; i++)
        w[i] = 1.0;
    (void)normalize(n, w, p);
    return "uniform";
}

static bht_status di_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const struct {
        size_t n;
        double P[4], Q[4];
        uint64_t flags;
        const char *comment;
    } t[] = {
        {1, {1.0}, {1.0}, FLAG(F_N1), "n = 1"},
        {4, {0.25, 0.25, 0.25, 0.25}, {0.25, 0.25, 0.25, 0.25}, 0, "P = Q uniform"},
        {2, {1.0, 0.0}, {0.0, 1.0}, FLAG(F_DISJOINT), "disjoint point masses"},
        {4, {1.0, 0.0, 0.0, 0.0}, {0.25, 0.25, 0.25, 0.25}, 0, "point mass vs uniform"},
        {2, {0.5, 0.5}, {0x1.0000000000001p-1, 0x1.fffffffffffffp-2}, FLAG(F_NEAR),
         "Q = P moved by one ulp"},
        {2, {1.0, 0.0}, {1.0, 0x1p-1074}, FLAG(F_SUBNORMAL_IN),
         "H^2 = TV = 2^-1075 exactly: ties round to 0"},
        {2, {1.0, 0.0}, {1.0, 0x1p-1073}, FLAG(F_SUBNORMAL_IN), "H^2 = TV = 2^-1074"},
        {2, {1.0, 0x1p-1022}, {1.0, 0x1p-1074}, FLAG(F_SUBNORMAL_IN), "DBL_MIN vs 2^-1074"},
        {3, {0x1.5555555555555p-2, 0x1.5555555555555p-2, 0x1.5555555555555p-2},
         {0x1.5555555555555p-2, 0x1.5555555555555p-2, 0x1.5555555555556p-2}, FLAG(F_NEAR),
         "rounded uniform thirds, one ulp apart"},
        {2, {0.25, 0.75}, {0.75, 0.25}, 0, "swapped"},
        {2, {0x1.fffffffffffffp-1, 0x1p-53}, {1.0, 0.0}, 0, "1 - 2^-53 and 2^-53 vs point mass"},
        {2, {1.0, -0.0}, {1.0, 0.0}, FLAG(F_SIGNED_ZERO), "-0 probability"},
        {3, {0.5, 0.5, 0.0}, {0.0, 0.5, 0.5}, 0, "partial overlap"},
        {4, {0.5, 0.5, 0.0, 0.0}, {0.0, 0.0, 0.5, 0.5}, FLAG(F_DISJOINT), "disjoint halves"},
        {2, {0x1p-1000, 1.0}, {0x1p-1001, 1.0}, 0, "tiny entries differing by a factor 2"},
        {2, {0.5, 0.5}, {0x1.0000000000004p-1, 0x1.ffffffffffff8p-2}, FLAG(F_NEAR),
         "Q = P moved by 4 ulp"},
    };
    const size_t table = sizeof t / sizeof t[0];
    if (i < table) {
        c->n = c->qlen = t[i].n;
        memcpy(c->P, t[i].P, t[i].n * sizeof(double));
        memcpy(c->Q, t[i].Q, t[i].n * sizeof(double));
        c->flags |= t[i].flags;
        set_comment(c, "%s", t[i].comment);
        return BHT_OK;
    }
    switch (i - table) {
    case 0:
        c->n = c->qlen = 300;
        for (size_t k = 0; k < 300; k++) {
            c->P[k] = 1.0 / 300.0;
            c->Q[k] = k == 0 ? 1.0 : 0.0;
        }
        set_comment(c, "uniform (1/300 rounded) vs point mass");
        break;
    default:
        c->n = c->qlen = 64;
        for (size_t k = 0; k < 64; k++) {
            c->P[k] = 1.0 / 64.0;
            c->Q[k] = (k % 2) ? 1.0 / 32.0 : 0.0;
        }
        set_comment(c, "uniform on 64 vs uniform on the odd half");
        break;
    }
    return BHT_OK;
}
#define DI_SPECIAL_COUNT 18

static bht_status di_near(gcase *c, size_t i, grng *r)
{
    size_t n = (size_t)rng_int(r, 2, 64);
    uint64_t fl = 0;
    const char *kind = draw_distribution(r, n, c->P, &fl);
    int sh = (int)rng_int(r, 10, 52);
    for (int attempt = 0;; attempt++) {
        memcpy(c->Q, c->P, n * sizeof(double));
        /* Move mass t between neighbours: t = min(p_k, p_k+1) 2^-sh u. */
        for (size_t k = 0; k + 1 < n; k += 2) {
            double m = c->P[k] < c->P[k + 1] ? c->P[k] : c->P[k + 1];
            double t = ldexp(m * rng_unit(r), -sh);
            c->Q[k] = c->P[k] + t;
            c->Q[k + 1] = c->P[k + 1] - t;
        }
        if (bht_check_distribution(n, c->Q, NULL, NULL) == BHT_OK || attempt == 8)
            break;
    }
    if (bht_check_distribution(n, c->Q, NULL, NULL) != BHT_OK)
        memcpy(c->Q, c->P, n * sizeof(double));
    c->n = c->qlen = n;
    c->flags |= fl | FLAG(F_NEAR) | FLAG(F_RANDOM);
    set_comment(c, "near-identical (case %zu): P from %s, mass moved by 2^-%d relative", i, kind,
                sh);
    return BHT_OK;
}

static bht_status di_disjoint(gcase *c, size_t i, grng *r)
{
    size_t n = (size_t)rng_int(r, 2, 64);
    double w[G_MAX_N], v[G_MAX_N];
    int partial = (i % 2) == 1;
    for (int attempt = 0;; attempt++) {
        size_t inP = 0, inQ = 0;
        for (size_t k = 0; k < n; k++) {
            long side = rng_int(r, 0, partial ? 2 : 1); /* 0: P, 1: Q, 2: both */
            w[k] = (side == 0 || side == 2) ? rng_unit(r) + 0x1p-10 : 0.0;
            v[k] = (side == 1 || side == 2) ? rng_unit(r) + 0x1p-10 : 0.0;
            inP += w[k] > 0.0;
            inQ += v[k] > 0.0;
        }
        if (inP == 0)
            w[0] = 1.0, v[0] = partial ? v[0] : 0.0;
        if (inQ == 0)
            v[n - 1] = 1.0, w[n - 1] = partial ? w[n - 1] : 0.0;
        if ((normalize(n, w, c->P) && normalize(n, v, c->Q)) || attempt == 8)
            break;
    }
    c->n = c->qlen = n;
    c->flags |= FLAG(F_RANDOM) | (partial ? 0 : FLAG(F_DISJOINT));
    set_comment(c, "%s supports (case %zu)", partial ? "partially overlapping" : "disjoint", i);
    return BHT_OK;
}

static bht_status di_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n = draw_n(r);
    const char *kp = draw_distribution(r, n, c->P, &c->flags);
    const char *kq = draw_distribution(r, n, c->Q, &c->flags);
    c->n = c->qlen = n;
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "random: P from %s, Q from %s", kp, kq);
    return BHT_OK;
}

static bht_status di_worst(gcase *c, size_t i, grng *r)
{
    enum { CANDIDATES = 600, MAXN = 16 };
    double best = -1.0, P[MAXN], Q[MAXN];
    uint64_t best_flags = 0;
    for (int k = 0; k < CANDIDATES; k++) {
        size_t n = (size_t)rng_int(r, 2, MAXN);
        uint64_t fl = 0;
        (void)draw_distribution(r, n, P, &fl);
        if (rng_int(r, 0, 1)) {
            (void)draw_distribution(r, n, Q, &fl);
        } else {
            int sh = (int)rng_int(r, 1, 40);
            memcpy(Q, P, n * sizeof *P);
            for (size_t j = 0; j + 1 < n; j += 2) {
                double m = P[j] < P[j + 1] ? P[j] : P[j + 1];
                double t = ldexp(m * rng_unit(r), -sh);
                Q[j] = P[j] + t;
                Q[j + 1] = P[j + 1] - t;
            }
            if (bht_check_distribution(n, Q, NULL, NULL) != BHT_OK)
                continue;
        }
        bht_distances kd, od;
        if (bht_distance(n, P, Q, &kd) != BHT_OK)
            continue;
        bht_status st = bht_oracle_distance(n, P, Q, &od, NULL, NULL);
        if (st != BHT_OK)
            return st;
        const double kv[3] = {kd.hellinger2, kd.hellinger, kd.tv};
        const double ov[3] = {od.hellinger2, od.hellinger, od.tv};
        double e = search_score(3, kv, ov);
        if (e > best) {
            best = e;
            best_flags = fl;
            c->n = c->qlen = n;
            memcpy(c->P, P, n * sizeof *P);
            memcpy(c->Q, Q, n * sizeof *Q);
            c->dist = od;
        }
    }
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST) | best_flags;
    set_comment(c, "worst of %d candidates (search block %zu): kernel error %.0f ulp", CANDIDATES,
                i, floor(best));
    return BHT_OK;
}
#define DI_WORST_COUNT 150

static bht_status di_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const struct {
        size_t n, qlen;
        double P[3], Q[3];
        int flag;
        const char *comment;
    } t[] = {
        {2, 2, {1.5, -0.5}, {0.5, 0.5}, F_INV_NEGATIVE, "negative probability in P"},
        {2, 2, {0.5, 0.5}, {1.0 + 0x1p-52, -0x1p-52}, F_INV_NEGATIVE,
         "negative probability in Q (sum is 1)"},
        {2, 2, {1.0, -0x1p-1074}, {1.0, 0.0}, F_INV_NEGATIVE, "P has -2^-1074"},
        {2, 2, {NAN, 0.5}, {0.5, 0.5}, F_INV_NONFINITE, "NaN in P"},
        {2, 2, {0.5, 0.5}, {INFINITY, 0.0}, F_INV_NONFINITE, "inf in Q"},
        {2, 2, {0.5, 0.5}, {0.5, -INFINITY}, F_INV_NONFINITE, "-inf in Q"},
        {2, 3, {0.5, 0.5}, {0.25, 0.25, 0.5}, F_INV_SHAPE, "P has 2 entries, Q has 3"},
        {3, 2, {0.25, 0.25, 0.5}, {0.5, 0.5}, F_INV_SHAPE, "P has 3 entries, Q has 2"},
        {0, 0, {0.0}, {0.0}, F_INV_EMPTY, "empty P and Q"},
        {2, 2, {0.25, 0.25}, {0.5, 0.5}, F_INV_SUM, "P sums to 0.5"},
        {2, 2, {0.5, 0.5}, {1.0, 1.0}, F_INV_SUM, "Q sums to 2"},
        {3, 3, {0.5, 0.5, 0x1p-40}, {0.5, 0.5, 0.0}, F_INV_SUM, "P sums to 1 + 2^-40"},
        {1, 1, {0.0}, {1.0}, F_INV_SUM, "P = (0)"},
    };
    c->invalid = 1;
    c->n = t[i].n;
    c->qlen = t[i].qlen;
    memcpy(c->P, t[i].P, sizeof t[i].P);
    memcpy(c->Q, t[i].Q, sizeof t[i].Q);
    c->flags |= FLAG(t[i].flag);
    set_comment(c, "%s", t[i].comment);
    return BHT_OK;
}
#define DI_INVALID_COUNT 13

static const family DI_FAMILIES[] = {
    {"special", DI_SPECIAL_COUNT, di_special, FLAG(F_SPECIAL)},
    {"near", 400, di_near, 0},
    {"disjoint", 100, di_disjoint, 0},
    {"random", 2300, di_random, 0},
    {"worst", DI_WORST_COUNT, di_worst, 0},
    {"invalid", DI_INVALID_COUNT, di_invalid, 0},
};

/* ============================================================= lemma_a1 */

static bht_status la_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const struct {
        double eps;
        uint64_t flags;
        const char *comment;
    } t[] = {
        {0.0, 0, "eps = 0"},
        {-0.0, FLAG(F_SIGNED_ZERO), "eps = -0 (equal to 0, so valid)"},
        {0x1p-1074, FLAG(F_SUBNORMAL_IN) | FLAG(F_CUTOFF), "smallest subnormal eps"},
        {0x1p-1022, 0, "DBL_MIN"},
        {1e-300, 0, "1e-300"},
        {0x1.fffffffffffffp-61, FLAG(F_CUTOFF), "just below 2^-60 (Taylor cut-off)"},
        {0x1p-60, FLAG(F_CUTOFF), "2^-60 (Taylor cut-off)"},
        {0x1.0000000000001p-60, FLAG(F_CUTOFF), "just above 2^-60"},
        {0x1p-4, FLAG(F_CUTOFF), "eps/4 = 2^-6"},
        {0.25, 0, "0.25"},
        {1.0, 0, "1"},
        {4.0, 0, "4 (eps/4 = 1)"},
        {0x1.fffffffffffffp+6, 0, "just below 128"},
        {0x1.3ffffffffffffp+6, FLAG(F_CUTOFF), "just below 80 (tvmax rounds to 1 from 80)"},
        {80.0, FLAG(F_CUTOFF), "80"},
        {0x1.3ffffffffffffp+7, FLAG(F_CUTOFF), "just below 160 (h2max rounds to 1 from 160)"},
        {160.0, FLAG(F_CUTOFF), "160"},
        {200.0, 0, "200"},
        {1000.0, 0, "1000"},
        {1e300, 0, "1e300"},
        {DBL_MAX, 0, "DBL_MAX"},
        {2.772588722239781, 0, "near 4 ln 2"},
        {0.1, 0, "0.1"},
    };
    c->eps = t[i].eps;
    c->flags |= t[i].flags;
    set_comment(c, "%s", t[i].comment);
    return BHT_OK;
}
#define LA_SPECIAL_COUNT 23

/* eps = (1 + k/4) 2^e for e in [-996, 7], k in 0..3, capped at 200. */
#define LA_GRID_EXP_MIN (-996)
#define LA_GRID_COUNT (4 * (7 - LA_GRID_EXP_MIN) + 3)
static bht_status la_grid(gcase *c, size_t i, grng *r)
{
    (void)r;
    int e = LA_GRID_EXP_MIN + (int)(i / 4);
    double m = 1.0 + (double)(i % 4) * 0.25;
    c->eps = ldexp(m, e);
    c->flags |= FLAG(F_LOGSPACED);
    set_comment(c, "eps = %g * 2^%d", m, e);
    return BHT_OK;
}

static bht_status la_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    c->eps = ldexp(1.0 + rng_unit(r), (int)rng_int(r, -80, 7));
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "random eps in [2^-80, 2^8)");
    return BHT_OK;
}

static bht_status la_worst(gcase *c, size_t i, grng *r)
{
    enum { CANDIDATES = 5000 };
    double best = -1.0;
    for (int k = 0; k < CANDIDATES; k++) {
        double eps = ldexp(1.0 + rng_unit(r), (int)rng_int(r, -70, 7));
        bht_lemma_a1_bounds kb, ob;
        if (bht_lemma_a1(eps, &kb) != BHT_OK)
            continue;
        bht_status st = bht_oracle_lemma_a1(eps, &ob, NULL, NULL);
        if (st != BHT_OK)
            return st;
        const double kv[2] = {kb.h2max, kb.tvmax}, ov[2] = {ob.h2max, ob.tvmax};
        double e = search_score(2, kv, ov);
        if (e > best) {
            best = e;
            c->eps = eps;
            c->lemma = ob;
        }
    }
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST);
    set_comment(c, "worst of %d candidates (search block %zu): kernel error %.0f ulp", CANDIDATES,
                i, floor(best));
    return BHT_OK;
}
#define LA_WORST_COUNT 100

static bht_status la_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const struct {
        double eps;
        int flag;
        const char *comment;
    } t[] = {
        {-1.0, F_INV_NEGATIVE, "eps = -1"},
        {-0x1p-1074, F_INV_NEGATIVE, "eps = -2^-1074"},
        {-1e300, F_INV_NEGATIVE, "eps = -1e300"},
        {-200.0, F_INV_NEGATIVE, "eps = -200"},
        {NAN, F_INV_NONFINITE, "eps = NaN"},
        {INFINITY, F_INV_NONFINITE, "eps = +inf (the limits exist, but inf is not an eps)"},
        {-INFINITY, F_INV_NONFINITE, "eps = -inf"},
    };
    c->invalid = 1;
    c->eps = t[i].eps;
    c->flags |= FLAG(t[i].flag);
    set_comment(c, "%s", t[i].comment);
    return BHT_OK;
}
#define LA_INVALID_COUNT 7

static const family LA_FAMILIES[] = {
    {"special", LA_SPECIAL_COUNT, la_special, FLAG(F_SPECIAL)},
    {"grid", LA_GRID_COUNT, la_grid, 0},
    {"random", 600, la_random, 0},
    {"worst", LA_WORST_COUNT, la_worst, 0},
    {"invalid", LA_INVALID_COUNT, la_invalid, 0},
};

/* ================================================================ table */

enum { FN_SOFTMAX_LOGITS, FN_SOFTMAX, FN_DISTANCE, FN_LEMMA_A1, FN_COUNT };

typedef struct fn_def {
    const char *name;
    int64_t base;
    double tol_ulp;
    const family *families;
    size_t family_count;
} fn_def;

/* tcId bases are fixed per fn (issue 6's list: softmax_logits 1, softmax 2,
 * leverage 3, leverage_scores 4, distance 5, distance_softmax 6,
 * distance_leverage 7, lemma_a1 8, nu_softmax 9, nu_leverage 10). */
static const fn_def FNS[FN_COUNT] = {
    {"softmax_logits", 100000, 2.0, LN_FAMILIES, sizeof LN_FAMILIES / sizeof LN_FAMILIES[0]},
    {"softmax", 200000, 2.0, SM_FAMILIES, sizeof SM_FAMILIES / sizeof SM_FAMILIES[0]},
    {"distance", 500000, 4.0, DI_FAMILIES, sizeof DI_FAMILIES / sizeof DI_FAMILIES[0]},
    {"lemma_a1", 800000, 2.0, LA_FAMILIES, sizeof LA_FAMILIES / sizeof LA_FAMILIES[0]},
};

static size_t case_count(const fn_def *f)
{
    size_t total = 0;
    for (size_t k = 0; k < f->family_count; k++)
        total += f->families[k].count;
    return total;
}

size_t bht_golden_fn_count(void) { return FN_COUNT; }

bht_status bht_golden_fn_get(size_t fn, bht_golden_fn_info *info)
{
    if (fn >= FN_COUNT || !info)
        return BHT_E_INVALID;
    info->name = FNS[fn].name;
    info->tcid_base = FNS[fn].base;
    info->cases = case_count(&FNS[fn]);
    info->tol_ulp = FNS[fn].tol_ulp;
    return BHT_OK;
}

/* ------------------------------------------------------------ expected */

static bht_status compute_expected(int fn, gcase *c)
{
    if (c->invalid || c->expected_done)
        return BHT_OK;
    switch (fn) {
    case FN_SOFTMAX_LOGITS:
        return bht_oracle_softmax_logits(c->n, c->z, c->p, NULL, NULL);
    case FN_SOFTMAX:
        return bht_oracle_softmax(c->n, c->d, c->A, c->x, c->p, NULL, NULL);
    case FN_DISTANCE:
        return bht_oracle_distance(c->n, c->P, c->Q, &c->dist, NULL, NULL);
    default:
        return bht_oracle_lemma_a1(c->eps, &c->lemma, NULL, NULL);
    }
}

static int is_subnormal(double v) { return v != 0.0 && fabs(v) < DBL_MIN; }

/* Flags that follow from the values (so every vector gets them uniformly). */
static void derive_flags(int fn, gcase *c)
{
    const double *in = NULL, *out = NULL;
    size_t nin = 0, nout = 0;
    double extra_in[2], extra_out[3];
    switch (fn) {
    case FN_SOFTMAX_LOGITS:
        in = c->z;
        nin = c->n;
        out = c->p;
        nout = c->invalid ? 0 : c->n;
        for (size_t i = 0; i < nin; i++)
            if (fabs(c->z[i]) >= 700.0 && isfinite(c->z[i]))
                c->flags |= FLAG(F_LARGE_LOGITS);
        if (!c->invalid)
            for (size_t i = 0; i < nin; i++)
                if (fabs(c->z[i]) > BHT_SOFTMAX_MAX_LOGIT)
                    c->flags |= FLAG(F_BEYOND);
        break;
    case FN_SOFTMAX:
        in = c->x;
        nin = c->xlen;
        out = c->p;
        nout = c->invalid ? 0 : c->n;
        if (!c->invalid) {
            double tmp[G_MAX_N];
            if (bht_softmax(c->n, c->d, c->A, c->x, tmp) == BHT_E_RANGE)
                c->flags |= FLAG(F_BEYOND);
        }
        break;
    case FN_DISTANCE:
        in = c->P;
        nin = c->n;
        extra_out[0] = c->dist.hellinger2;
        extra_out[1] = c->dist.hellinger;
        extra_out[2] = c->dist.tv;
        out = extra_out;
        nout = c->invalid ? 0 : 3;
        for (size_t i = 0; i < c->qlen; i++)
            if (is_subnormal(c->Q[i]))
                c->flags |= FLAG(F_SUBNORMAL_IN);
        break;
    default:
        extra_in[0] = c->eps;
        in = extra_in;
        nin = 1;
        extra_out[0] = c->lemma.h2max;
        extra_out[1] = c->lemma.tvmax;
        out = extra_out;
        nout = c->invalid ? 0 : 2;
        break;
    }
    for (size_t i = 0; i < nin; i++)
        if (is_subnormal(in[i]))
            c->flags |= FLAG(F_SUBNORMAL_IN);
    if (fn == FN_SOFTMAX)
        for (size_t k = 0; k < c->n * c->d; k++)
            if (is_subnormal(c->A[k]))
                c->flags |= FLAG(F_SUBNORMAL_IN);
    for (size_t i = 0; i < nout; i++) {
        if (is_subnormal(out[i]))
            c->flags |= FLAG(F_SUBNORMAL_OUT);
        if (out[i] == 0.0)
            c->flags |= FLAG(F_ZERO_OUT);
    }
    if (c->n > 64 && fn != FN_LEMMA_A1)
        c->flags |= FLAG(F_LARGE_N);
}

/* -------------------------------------------------------------- render */

static void put_array(bht_golden_buffer *b, int *nomem, size_t n, const double *v)
{
    char hex[BHT_GOLDEN_HEX_SIZE];
    append_raw(b, "[", 1, nomem);
    for (size_t i = 0; i < n; i++) {
        bht_golden_format_double(v[i], hex);
        append(b, nomem, "%s\"%s\"", i ? "," : "", hex);
    }
    append_raw(b, "]", 1, nomem);
}

static void put_scalar(bht_golden_buffer *b, int *nomem, const char *key, double v, int comma)
{
    char hex[BHT_GOLDEN_HEX_SIZE];
    bht_golden_format_double(v, hex);
    append(b, nomem, "%s\"%s\":\"%s\"", comma ? "," : "", key, hex);
}

static void put_matrix(bht_golden_buffer *b, int *nomem, size_t rows, size_t cols,
                       const double *v)
{
    append(b, nomem, "{\"rows\":%zu,\"cols\":%zu,\"data\":", rows, cols);
    put_array(b, nomem, rows * cols, v);
    append_raw(b, "}", 1, nomem);
}

static void put_string(bht_golden_buffer *b, int *nomem, const char *s)
{
    append_raw(b, "\"", 1, nomem);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            append(b, nomem, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            append(b, nomem, "\\u%04x", ch);
        else
            append_raw(b, s, 1, nomem);
    }
    append_raw(b, "\"", 1, nomem);
}

static void render(int fn, size_t index, const gcase *c, bht_golden_buffer *b, int *nomem)
{
    const fn_def *f = &FNS[fn];
    append(b, nomem, "{\"tcId\":%lld,\"fn\":\"%s\",\"inputs\":{",
           (long long)(f->base + (int64_t)index + 1), f->name);
    switch (fn) {
    case FN_SOFTMAX_LOGITS:
        append_raw(b, "\"z\":", 4, nomem);
        put_array(b, nomem, c->n, c->z);
        break;
    case FN_SOFTMAX:
        append_raw(b, "\"A\":", 4, nomem);
        put_matrix(b, nomem, c->n, c->d, c->A);
        append_raw(b, ",\"x\":", 5, nomem);
        put_array(b, nomem, c->xlen, c->x);
        break;
    case FN_DISTANCE:
        append_raw(b, "\"P\":", 4, nomem);
        put_array(b, nomem, c->n, c->P);
        append_raw(b, ",\"Q\":", 5, nomem);
        put_array(b, nomem, c->qlen, c->Q);
        break;
    default:
        put_scalar(b, nomem, "eps", c->eps, 0);
        break;
    }
    append_raw(b, "},\"expected\":{", 14, nomem);
    if (!c->invalid) {
        switch (fn) {
        case FN_SOFTMAX_LOGITS:
        case FN_SOFTMAX:
            append_raw(b, "\"p\":", 4, nomem);
            put_array(b, nomem, c->n, c->p);
            break;
        case FN_DISTANCE:
            put_scalar(b, nomem, "hellinger2", c->dist.hellinger2, 0);
            put_scalar(b, nomem, "hellinger", c->dist.hellinger, 1);
            put_scalar(b, nomem, "tv", c->dist.tv, 1);
            break;
        default:
            put_scalar(b, nomem, "h2max", c->lemma.h2max, 0);
            put_scalar(b, nomem, "tvmax", c->lemma.tvmax, 1);
            break;
        }
    }
    append(b, nomem, "},\"tol\":{\"ulp\":%g},\"flags\":[", f->tol_ulp);
    int first = 1;
    for (size_t k = 0; k < F_COUNT; k++)
        if (c->flags & FLAG(k)) {
            append(b, nomem, "%s\"%s\"", first ? "" : ",", flag_table[k].name);
            first = 0;
        }
    append_raw(b, "],\"comment\":", 12, nomem);
    put_string(b, nomem, c->comment);
    append(b, nomem, ",\"result\":\"%s\"}\n", c->invalid ? "invalid" : "valid");
}

bht_status bht_golden_render(size_t fn, size_t index, bht_golden_buffer *out, int *valid)
{
    if (fn >= FN_COUNT || !out)
        return BHT_E_INVALID;
    const fn_def *f = &FNS[fn];
    size_t local = index, k = 0;
    while (k < f->family_count && local >= f->families[k].count)
        local -= f->families[k++].count;
    if (k == f->family_count)
        return BHT_E_INVALID;
    gcase *c = calloc(1, sizeof *c);
    if (!c)
        return BHT_E_NOMEM;
    /* Seed: (fn base, family number, index within the family), mixed. */
    grng r = {(uint64_t)f->base * 0x100000001b3ULL ^ ((uint64_t)k << 40) ^ (uint64_t)local};
    (void)rng_next(&r);
    /* An oracle can refuse (BHT_E_PRECISION) when the exact value is a
     * rounding tie it cannot detect (e.g. H^2 = 1 - 2^-54 for disjoint
     * supports whose sums are 1 - 2^-53); random families then draw again
     * from the same stream, which keeps the result deterministic. */
    bht_status s = BHT_E_PRECISION;
    for (int attempt = 0; attempt < 16 && s == BHT_E_PRECISION; attempt++) {
        memset(c, 0, sizeof *c);
        c->flags = f->families[k].flags;
        s = f->families[k].make(c, local, &r);
        if (s == BHT_OK)
            s = compute_expected((int)fn, c);
    }
    if (s == BHT_OK) {
        derive_flags((int)fn, c);
        int nomem = 0;
        size_t mark = out->length;
        render((int)fn, index, c, out, &nomem);
        if (nomem) {
            out->length = mark;
            if (out->data)
                out->data[mark] = '\0';
            s = BHT_E_NOMEM;
        }
        if (valid)
            *valid = !c->invalid;
    }
    free(c);
    return s;
}
