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
    /* Added with the leverage and softmax-model functions (appended, so the
     * flag order of existing vectors is unchanged). */
    F_BEYOND_COND,
    F_VANDERMONDE,
    F_SCALED,
    F_SQUARE,
    F_D1,
    F_VARYING_S,
    F_IDENTICAL,
    F_SHIFTED,
    F_INV_ZERO_S,
    F_INV_RANK,
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
     "valid, but bht's double kernel cannot certify its budget there and refuses with "
     "BHT_E_RANGE (derived from the kernel's verdict; e.g. cancellation in a local-analysis "
     "or model-distance sum beyond what the kernel certifies); an implementation may reject "
     "it or must meet tol"},
    {"domain_boundary",
     "at a former edge of the double kernel's domain (|logit| = 2^1020, |a_ij x_j| = 2^1030; "
     "leverage: exponent -400 or 400), kept as a test point: the kernel now accepts every "
     "finite input"},
    {"large_n", "more than 64 outcomes"},
    {"random", "drawn from a seeded SplitMix64 stream (see comment for the family)"},
    {"worst_case_search",
     "the largest double-kernel-vs-oracle ulp error among the candidates of a bounded "
     "deterministic search (comment gives the error and the number of candidates)"},
    {"ill_conditioned",
     "ill-conditioned design: cancellation in the dot products A x, nearly collinear rows or "
     "(leverage) nearly collinear columns"},
    {"near_identical", "P and Q nearly identical (tiny H^2 and TV)"},
    {"disjoint_support", "P and Q have disjoint supports (H^2 = TV = 1)"},
    {"log_spaced", "eps on a binary log-spaced grid (1 + k/4) 2^e covering [1e-300, 200]"},
    {"cutoff_boundary", "at or next to a branch cut-off of bht's double kernel"},
    {"invalid_nonfinite", "invalid: an input is NaN or infinite"},
    {"invalid_negative", "invalid: a probability or eps is negative"},
    {"invalid_shape",
     "invalid: inconsistent shapes (lengths, A's columns vs x, B or M vs A, s vs A's rows, "
     "n < d for leverage)"},
    {"invalid_empty", "invalid: an empty vector or matrix"},
    {"invalid_sum", "invalid: a distribution does not sum to 1 within n 2^-52"},
    {"beyond_kernel_conditioning",
     "valid (A has full rank, decided exactly), but bht's leverage double kernel cannot "
     "certify it: d times 1.25 times its condition estimate of the column-equilibrated "
     "Diag(s)^-1 A exceeds 2^50, or the error bound it computes for some h_ii exceeds 2^-54, "
     "and it refuses with BHT_E_SINGULAR; an implementation may reject it or must meet tol"},
    {"vandermonde", "Vandermonde design a_ij = t_i^j, degree 8 to 14 (ill-conditioned)"},
    {"scaled_design", "rows and/or columns of the design scaled by factors up to 2^+-300"},
    {"n_equals_d",
     "square design (n = d): every leverage score is exactly 1 (so distance_leverage is 0 "
     "and nu_leverage is 0)"},
    {"d1", "a single column (d = 1)"},
    {"varying_s",
     "the query weights |s_i| span a factor of 2^20 or more (leverage, distance_leverage, "
     "nu_leverage)"},
    {"identical_models",
     "the two models give the same distribution (softmax: B = A, B = A + 1 w^T exactly, "
     "x = 0 or n = 1; leverage: B = A R exactly for an invertible R, or n = d): every "
     "distance is exactly 0"},
    {"shifted_model",
     "B = A + 1 w^T (or M = M0 + 1 w^T) exactly: adding a common row leaves the softmax "
     "unchanged (any difference comes from the other perturbation only); nu_leverage: "
     "M = M0 + A S exactly, which leaves nu, local_constant and derivative unchanged"},
    {"invalid_zero_s", "invalid: some query weight s_i is 0 or -0 (Diag(s)^-1 undefined)"},
    {"invalid_rank_deficient",
     "invalid: A is exactly rank deficient (rank < d, decided in exact arithmetic): the "
     "leverage scores are undefined"},
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

/* The functions, in tcId-base order (FNS below). */
enum {
    FN_SOFTMAX_LOGITS,
    FN_SOFTMAX,
    FN_LEVERAGE,
    FN_LEVERAGE_SCORES,
    FN_DISTANCE,
    FN_DISTANCE_SOFTMAX,
    FN_DISTANCE_LEVERAGE,
    FN_LEMMA_A1,
    FN_NU_SOFTMAX,
    FN_NU_LEVERAGE,
    FN_COUNT
};

typedef struct gcase {
    int fn; /* the fn being generated (for searches that score its outputs) */
    uint64_t flags;
    int invalid;
    int expected_done; /* the family already filled the expected values */
    char comment[200];
    size_t n;    /* length of z / P; rows of A */
    size_t d;    /* columns of A */
    size_t xlen; /* length of x (== d unless the shape is invalid) */
    size_t qlen; /* length of Q (== n unless the shape is invalid) */
    size_t brows, bcols; /* shape of B (distance_*) or M (nu_*) */
    size_t slen;         /* length of s (== n unless the shape is invalid) */
    double eps;
    double z[G_MAX_N], P[G_MAX_N], Q[G_MAX_N], A[G_MAX_A], x[G_MAX_D];
    double B[G_MAX_A]; /* B of distance_*, M of nu_* */
    double s[G_MAX_N]; /* leverage query */
    double p[G_MAX_N]; /* expected softmax / leverage p */
    double h[G_MAX_N]; /* expected leverage scores */
    double deriv[G_MAX_N]; /* expected derivative (nu_*) */
    bht_distances dist;
    bht_lemma_a1_bounds lemma;
    bht_local_result local;
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
        {1, {DBL_MAX}, FLAG(F_N1), "n = 1, z = DBL_MAX"},
        {2, {0.0, 0.0}, FLAG(F_EQUAL), "two equal logits"},
        {3, {5.0, 5.0, 5.0}, FLAG(F_EQUAL), "three equal logits: 1/3 rounded"},
        {2, {1000.0, -1000.0}, FLAG(F_LARGE_LOGITS), "+-1000"},
        {3, {1000.0, 999.0, -1000.0}, FLAG(F_LARGE_LOGITS), "1000, 999, -1000"},
        {2, {-1000.0, -1000.0}, FLAG(F_LARGE_LOGITS) | FLAG(F_EQUAL), "two logits -1000"},
        {2, {0.0, -0.0}, FLAG(F_SIGNED_ZERO) | FLAG(F_EQUAL), "+0 and -0"},
        {2, {0x1p1020, 0.0}, FLAG(F_BOUNDARY), "2^1020 (largest kernel logit) and 0"},
        {2, {-0x1p1020, 0x1p1020}, FLAG(F_BOUNDARY), "-2^1020 and 2^1020"},
        {2, {0x1.0000000000001p1020, 0.0}, 0, "next double above 2^1020"},
        {2, {DBL_MAX, -DBL_MAX}, 0, "+-DBL_MAX"},
        {2, {DBL_MAX, DBL_MAX}, FLAG(F_EQUAL), "DBL_MAX twice"},
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
    c->flags |= FLAG(F_RANDOM);
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
        set_comment(c, "a_11 x_1 = 2^1030: beyond the former product bound of the kernel");
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

/* ============================================ leverage, leverage_scores */

/* Both functions share these families (the seeds differ by fn): leverage
 * vectors expect p_i = h_ii / d, leverage_scores vectors h_ii.  A random
 * draw that turns out exactly rank deficient (the oracle's BHT_E_SINGULAR)
 * is drawn again from the same stream (see bht_golden_render). */

/* d in 1..8 (mostly small) and n in d..40 (mostly <= d + 16). */
static size_t draw_lev_d(grng *r)
{
    long u = rng_int(r, 0, 99);
    if (u < 50)
        return (size_t)rng_int(r, 1, 3);
    if (u < 85)
        return (size_t)rng_int(r, 4, 6);
    return (size_t)rng_int(r, 7, 8);
}

static size_t draw_lev_n(grng *r, size_t d)
{
    long u = rng_int(r, 0, 99);
    if (u < 15)
        return d;
    if (u < 60)
        return d + (size_t)rng_int(r, 1, 4);
    if (u < 92)
        return d + (size_t)rng_int(r, 5, 16);
    return d + (size_t)rng_int(r, 17, 40 - (long)d);
}

/* Query weights s (length n) of one of five kinds, some signs negative
 * (s_i and -s_i give the same A_s up to row signs); returns the kind. */
static const char *draw_query(grng *r, size_t n, double *s)
{
    long kind = rng_int(r, 0, 4);
    long range = kind == 2 ? rng_int(r, 2, 19) : kind == 3 ? rng_int(r, 20, 195) : 0;
    for (size_t i = 0; i < n; i++) {
        double v;
        switch (kind) {
        case 0:
            v = 1.0;
            break;
        case 1:
            v = 0.5 + 1.5 * rng_unit(r);
            break;
        case 2:
        case 3:
            v = ldexp(1.0 + rng_unit(r), (int)rng_int(r, -range, range));
            break;
        default:
            v = (double)rng_int(r, 1, 9);
            break;
        }
        s[i] = (kind != 0 && rng_int(r, 0, 3) == 0) ? -v : v;
    }
    static const char *const names[] = {"s = 1", "s in [1/2, 2)", "s over 2^[-19, 19]",
                                        "s over 2^[-195, 195]", "integer s"};
    return names[kind];
}

static void lev_shape(gcase *c, size_t n, size_t d)
{
    c->n = c->slen = n;
    c->d = d;
}

/* Fills c->A with the rows of a table (n by d) and c->s with s (NULL: ones). */
static void lev_fill(gcase *c, size_t n, size_t d, const double *A, const double *s)
{
    lev_shape(c, n, d);
    memcpy(c->A, A, n * d * sizeof *A);
    for (size_t i = 0; i < n; i++)
        c->s[i] = s ? s[i] : 1.0;
}

static bht_status lv_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    switch (i) {
    case 0: {
        static const double A[1] = {3.0}, s[1] = {2.0};
        lev_fill(c, 1, 1, A, s);
        c->flags |= FLAG(F_N1);
        set_comment(c, "n = d = 1: h = 1");
        break;
    }
    case 1: {
        static const double A[3] = {1.0, 1.0, 1.0};
        lev_fill(c, 3, 1, A, NULL);
        set_comment(c, "a column of ones: h_i = 1/3 rounded");
        break;
    }
    case 2: {
        static const double A[4] = {1.0, 2.0, 3.0, 4.0};
        lev_fill(c, 4, 1, A, NULL);
        set_comment(c, "d = 1, a = (1, 2, 3, 4): h_i = i^2 / 30");
        break;
    }
    case 3: {
        double A[16] = {0};
        for (size_t k = 0; k < 4; k++)
            A[5 * k] = 1.0;
        lev_fill(c, 4, 4, A, NULL);
        set_comment(c, "identity 4 x 4: h = 1");
        break;
    }
    case 4: {
        static const double A[9] = {2.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 4.0};
        static const double s[3] = {0.1, -7.0, 1e10};
        lev_fill(c, 3, 3, A, s);
        set_comment(c, "square nonsingular 3 x 3, arbitrary s: h = 1");
        break;
    }
    case 5: {
        static const double A[8] = {1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0};
        lev_fill(c, 4, 2, A, NULL);
        set_comment(c, "[I; I]: h = 1/2");
        break;
    }
    case 6: {
        static const double A[6] = {1.0, 0.0, 0.0, 1.0, 0.0, 0.0};
        lev_fill(c, 3, 2, A, NULL);
        set_comment(c, "zero third row: h = (1, 1, 0)");
        break;
    }
    case 7: {
        static const double A[10] = {1.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0, 3.0, 1.0, 4.0};
        static const double s[5] = {1.0, 0x1p-300, 0x1p300, 1e-50, 1e50};
        lev_fill(c, 5, 2, A, s);
        set_comment(c, "line fit, s = (1, 2^-300, 2^300, 1e-50, 1e50)");
        break;
    }
    case 8: {
        static const double A[8] = {1.0, -1.0, 1.0, 0.5, 1.0, 2.0, 1.0, 3.5};
        static const double s[4] = {-1.0, 2.0, -3.0, 4.0};
        lev_fill(c, 4, 2, A, s);
        set_comment(c, "negative s_i (signs do not matter)");
        break;
    }
    case 9: {
        static const double A[6] = {1.0, 0.0, 3.0, 4.0, 2.0, 8.0};
        static const double s[3] = {0x1p-400, 1.0, 1.0};
        lev_fill(c, 3, 2, A, s);
        c->flags |= FLAG(F_BOUNDARY);
        set_comment(c, "s_1 = 2^-400 (smallest exponent of the kernel's domain)");
        break;
    }
    case 10: {
        static const double A[6] = {1.0, 2.0, 3.0, -1.0, 0.5, 0.25};
        static const double s[3] = {0x1.fffffffffffffp-401, 1.0, 1.0};
        lev_fill(c, 3, 2, A, s);
        set_comment(c, "s_1 just below 2^-400: outside the kernel's domain");
        break;
    }
    case 11: {
        static const double A[6] = {0x1p401, 2.0, 3.0, -1.0, 0.5, 0.25};
        lev_fill(c, 3, 2, A, NULL);
        set_comment(c, "a_11 = 2^401: outside the kernel's domain");
        break;
    }
    case 12: {
        static const double A[6] = {0x1p200, 1.0, 0x1p-201, 1.0, 1.0, 2.0};
        lev_fill(c, 3, 2, A, NULL);
        set_comment(c, "first column spans 2^401 (kernel column range is 2^400)");
        break;
    }
    case 13: {
        static const double A[6] = {0x1p200, 1.0, 0x1p-200, 1.0, 1.0, 2.0};
        lev_fill(c, 3, 2, A, NULL);
        c->flags |= FLAG(F_BOUNDARY);
        set_comment(c, "first column spans exactly 2^400 (kernel column range)");
        break;
    }
    case 14: {
        static const double A[6] = {0x1p-1074, 1.0, 0.0, 1.0, 0.0, 1.0};
        lev_fill(c, 3, 2, A, NULL);
        set_comment(c, "a_11 = 2^-1074 alone in its column: h = (1, 1/2, 1/2)");
        break;
    }
    case 15: {
        static const double A[6] = {DBL_MAX, 0.0, 0.0, DBL_MAX, DBL_MAX, DBL_MAX};
        lev_fill(c, 3, 2, A, NULL);
        set_comment(c, "entries DBL_MAX: h = 2/3");
        break;
    }
    case 16: {
        static const double A[2] = {1.0, 1.0}, s[2] = {1.0, 0x1p525};
        lev_fill(c, 2, 1, A, s);
        set_comment(c, "s_2 = 2^525: h_2 = 1 / (1 + 2^1050) is subnormal");
        break;
    }
    case 17: {
        static const double A[2] = {1.0, 1.0}, s[2] = {1.0, 0x1p540};
        lev_fill(c, 2, 1, A, s);
        set_comment(c, "s_2 = 2^540: h_2 ~ 2^-1080 rounds to 0");
        break;
    }
    case 18: {
        static const double A[6] = {1.0, 1.0, 1.0, 1.0, 1.0, 0x1.0000000000001p0};
        lev_fill(c, 3, 2, A, NULL);
        c->flags |= FLAG(F_ILL);
        set_comment(c, "columns differ in one ulp (condition ~2^53): h = (1/2, 1/2, 1)");
        break;
    }
    case 19: {
        static const double A[6] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0 + 0x1p-30};
        lev_fill(c, 3, 2, A, NULL);
        c->flags |= FLAG(F_ILL);
        set_comment(c, "columns differ by 2^-30 in one entry: h = (1/2, 1/2, 1)");
        break;
    }
    case 20: {
        /* Hilbert-like 12 x 8, a_ij = 1 / (i + j + 1) rounded. */
        double A[96];
        for (size_t a = 0; a < 12; a++)
            for (size_t b = 0; b < 8; b++)
                A[a * 8 + b] = 1.0 / (double)(a + b + 1);
        lev_fill(c, 12, 8, A, NULL);
        c->flags |= FLAG(F_ILL);
        set_comment(c, "Hilbert-like 12 x 8: a_ij = RN(1 / (i + j + 1))");
        break;
    }
    case 21: {
        /* Square Vandermonde degree 14 on 1 + k/14: h = 1, condition ~1e19. */
        double A[225];
        for (size_t a = 0; a < 15; a++) {
            double t = 1.0 + (double)a / 14.0, v = 1.0;
            for (size_t b = 0; b < 15; b++) {
                A[a * 15 + b] = v;
                v *= t;
            }
        }
        lev_fill(c, 15, 15, A, NULL);
        c->flags |= FLAG(F_VANDERMONDE) | FLAG(F_ILL);
        set_comment(c, "square Vandermonde, degree 14, nodes 1 + k/14: h = 1");
        break;
    }
    case 22: {
        static const double A[6] = {1e300, 2e300, -3e299, 1e-300, 5e299, 7e299};
        lev_fill(c, 3, 2, A, NULL);
        set_comment(c, "entries near 1e300 and 1e-300");
        break;
    }
    case 23: {
        static const double A[6] = {1.0, 2.0, 1.0, 2.0, 3.0, 1.0};
        lev_fill(c, 3, 2, A, NULL);
        set_comment(c, "two identical rows");
        break;
    }
    case 24: {
        static const double A[6] = {1.0, -0.0, 0.0, 1.0, 1.0, 1.0};
        static const double s[3] = {1.0, 1.0, -0x1p-1};
        lev_fill(c, 3, 2, A, s);
        c->flags |= FLAG(F_SIGNED_ZERO);
        set_comment(c, "a_12 = -0, s_3 = -1/2");
        break;
    }
    default: {
        static const double A[6] = {0x1.fffffffffffffp400, 2.0, 3.0, 0x1p400, 2.0, 8.0};
        static const double s[3] = {0x1.fffffffffffffp400, 0x1p400, -0x1.8p400};
        lev_fill(c, 3, 2, A, s);
        c->flags |= FLAG(F_BOUNDARY);
        set_comment(c, "s_i and a_11, a_22 near 2^400 and 2^401 - ulp (largest exponent of the "
                       "kernel's domain)");
        break;
    }
    }
    return BHT_OK;
}
#define LV_SPECIAL_COUNT 26

static bht_status lv_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t d = draw_lev_d(r), n = draw_lev_n(r, d);
    const char *design = draw_design(r, n, d, c->A, &c->flags);
    const char *query = draw_query(r, n, c->s);
    lev_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "random design: %s; %s", design, query);
    return BHT_OK;
}

/* Vandermonde a_kj = t_k^j (powers by repeated rounded multiplication),
 * degree 8 + (i mod 7), six node sets. */
static bht_status lv_vandermonde(gcase *c, size_t i, grng *r)
{
    static const char *const node_names[] = {
        "equispaced in [0, 1]", "equispaced in [-1, 1]", "random in [-1, 1)",
        "equispaced in [1, 2]", "(k / (n-1))^2 (clustered at 0)", "equispaced in [-1, 1]"};
    size_t deg = 8 + i % 7, d = deg + 1, n = d + (size_t)rng_int(r, 0, 10);
    size_t nodes = (i / 7) % 6;
    for (size_t k = 0; k < n; k++) {
        double u = (double)k / (double)(n - 1), t;
        switch (nodes) {
        case 0:
            t = u;
            break;
        case 1:
        case 5:
            t = -1.0 + 2.0 * u;
            break;
        case 2:
            t = rng_sym(r);
            break;
        case 3:
            t = 1.0 + u;
            break;
        default:
            t = u * u;
            break;
        }
        double v = 1.0;
        for (size_t j = 0; j < d; j++) {
            c->A[k * d + j] = v;
            v *= t;
        }
    }
    const char *query = "s = 1";
    if (nodes == 5)
        query = draw_query(r, n, c->s);
    else
        for (size_t k = 0; k < n; k++)
            c->s[k] = 1.0;
    lev_shape(c, n, d);
    c->flags |= FLAG(F_VANDERMONDE) | FLAG(F_ILL);
    set_comment(c, "Vandermonde degree %zu, n = %zu, nodes %s; %s", deg, n, node_names[nodes],
                query);
    return BHT_OK;
}
#define LV_VANDERMONDE_COUNT 42

/* A uniform design with its rows and/or columns scaled. */
static bht_status lv_scaled(gcase *c, size_t i, grng *r)
{
    static const char *const kinds[] = {
        "rows scaled by 2^e, e in [-60, 60]", "columns scaled by 2^e, e in [-300, 300]",
        "rows and columns scaled by 2^e, e in [-150, 150]",
        "rows and columns scaled by (1 + u) 2^e, e in [-30, 30] (rounded)"};
    size_t d = (size_t)rng_int(r, 1, 5), n = d + (size_t)rng_int(r, 0, 10);
    size_t kind = i % 4;
    double row[40], col[8];
    for (size_t k = 0; k < n * d; k++)
        c->A[k] = rng_sym(r);
    for (size_t k = 0; k < n; k++)
        row[k] = 1.0;
    for (size_t j = 0; j < d; j++)
        col[j] = 1.0;
    for (size_t k = 0; k < n && kind != 1; k++)
        row[k] = kind == 3 ? ldexp(1.0 + rng_unit(r), (int)rng_int(r, -30, 30))
                           : ldexp(1.0, (int)rng_int(r, kind == 0 ? -60 : -150,
                                                     kind == 0 ? 60 : 150));
    for (size_t j = 0; j < d && kind != 0; j++)
        col[j] = kind == 3 ? ldexp(1.0 + rng_unit(r), (int)rng_int(r, -30, 30))
                           : ldexp(1.0, (int)rng_int(r, kind == 1 ? -300 : -150,
                                                     kind == 1 ? 300 : 150));
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < d; j++)
            c->A[k * d + j] = c->A[k * d + j] * row[k] * col[j];
    const char *query = "s = 1";
    if ((i / 4) % 2)
        query = draw_query(r, n, c->s);
    else
        for (size_t k = 0; k < n; k++)
            c->s[k] = 1.0;
    lev_shape(c, n, d);
    c->flags |= FLAG(F_SCALED) | FLAG(F_RANDOM);
    set_comment(c, "scaled design: %s; %s", kinds[kind], query);
    return BHT_OK;
}
#define LV_SCALED_COUNT 64

/* Nearly collinear columns: column j2 = column j1 + 2^-k noise. */
static bht_status lv_ill(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t d = (size_t)rng_int(r, 2, 6), n = d + (size_t)rng_int(r, 1, 12);
    for (size_t k = 0; k < n * d; k++)
        c->A[k] = rng_sym(r);
    size_t j1 = (size_t)rng_int(r, 0, (long)d - 1);
    size_t j2 = (j1 + (size_t)rng_int(r, 1, (long)d - 1)) % d;
    int sh = (int)rng_int(r, 16, 52);
    for (size_t k = 0; k < n; k++)
        c->A[k * d + j2] = c->A[k * d + j1] + ldexp(rng_sym(r), -sh);
    const char *query = draw_query(r, n, c->s);
    lev_shape(c, n, d);
    c->flags |= FLAG(F_ILL) | FLAG(F_RANDOM);
    set_comment(c, "column %zu = column %zu + 2^-%d noise; %s", j2 + 1, j1 + 1, sh, query);
    return BHT_OK;
}
#define LV_ILL_COUNT 48

static bht_status lv_worst(gcase *c, size_t i, grng *r)
{
    enum { CANDIDATES = 100, MAXN = 13, MAXD = 5 };
    double best = -1.0, A[MAXN * MAXD], s[MAXN], p[MAXN], h[MAXN], q[MAXN], g[MAXN];
    uint64_t best_flags = 0;
    int scores = c->fn != FN_LEVERAGE;
    for (int k = 0; k < CANDIDATES; k++) {
        size_t d = (size_t)rng_int(r, 1, MAXD), n = d + (size_t)rng_int(r, 0, MAXN - MAXD);
        uint64_t fl = 0;
        (void)draw_design(r, n, d, A, &fl);
        (void)draw_query(r, n, s);
        if (bht_leverage(n, d, A, s, p, h, NULL) != BHT_OK)
            continue;
        bht_status st = bht_oracle_leverage(n, d, A, s, q, g, NULL, NULL, NULL);
        if (st == BHT_E_SINGULAR)
            continue;
        if (st != BHT_OK)
            return st;
        double e = scores ? search_score(n, h, g) : search_score(n, p, q);
        if (e > best) {
            best = e;
            best_flags = fl;
            lev_shape(c, n, d);
            memcpy(c->A, A, n * d * sizeof *A);
            memcpy(c->s, s, n * sizeof *s);
            memcpy(c->p, q, n * sizeof *q);
            memcpy(c->h, g, n * sizeof *g);
        }
    }
    if (best < 0.0)
        return BHT_E_PRECISION; /* no candidate: draw again */
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST) | best_flags;
    set_comment(c, "worst of %d candidates (search block %zu): kernel error %.0f ulp", CANDIDATES,
                i, floor(best));
    return BHT_OK;
}
#define LV_WORST_COUNT 40

static bht_status lv_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double base[6] = {1.0, 0.0, 0.0, 1.0, 1.0, 1.0};
    c->invalid = 1;
    lev_fill(c, 3, 2, base, NULL);
    int rank = 0;
    switch (i) {
    case 0:
        c->s[1] = 0.0;
        c->flags |= FLAG(F_INV_ZERO_S);
        set_comment(c, "s_2 = 0");
        break;
    case 1:
        c->s[2] = -0.0;
        c->flags |= FLAG(F_INV_ZERO_S) | FLAG(F_SIGNED_ZERO);
        set_comment(c, "s_3 = -0");
        break;
    case 2:
        c->s[0] = c->s[1] = c->s[2] = 0.0;
        c->flags |= FLAG(F_INV_ZERO_S);
        set_comment(c, "s = 0");
        break;
    case 3: {
        static const double A[6] = {1.0, 2.0, 3.0, 4.0, 5.0, 7.0};
        lev_fill(c, 2, 3, A, NULL);
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "n = 2 < d = 3");
        break;
    }
    case 4: {
        static const double A[2] = {1.0, 2.0};
        lev_fill(c, 1, 2, A, NULL);
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "n = 1 < d = 2");
        break;
    }
    case 5:
        c->slen = 2;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A has 3 rows, s has 2 entries");
        break;
    case 6:
        c->slen = 4;
        c->s[3] = 1.0;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A has 3 rows, s has 4 entries");
        break;
    case 7:
        c->n = c->slen = 0;
        c->flags |= FLAG(F_INV_EMPTY);
        set_comment(c, "A has no rows and s is empty");
        break;
    case 8:
        c->d = 0;
        c->flags |= FLAG(F_INV_EMPTY);
        set_comment(c, "A has no columns");
        break;
    case 9:
        c->A[2] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in A");
        break;
    case 10:
        c->A[1] = INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "+inf in A");
        break;
    case 11:
        c->A[5] = -INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "-inf in A");
        break;
    case 12:
        c->s[0] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in s");
        break;
    case 13:
        c->s[2] = INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "s_3 = +inf (row 3 of A_s would be 0, but inf is not a weight)");
        break;
    case 14: {
        static const double A[6] = {1.0, 0.0, 2.0, 0.0, 3.0, 0.0};
        lev_fill(c, 3, 2, A, NULL);
        rank = 1;
        set_comment(c, "zero column");
        break;
    }
    case 15: {
        static const double A[6] = {0.1, 0.1, 0.7, 0.7, -3.0, -3.0};
        lev_fill(c, 3, 2, A, NULL);
        rank = 1;
        set_comment(c, "two identical columns");
        break;
    }
    case 16: {
        static const double A[12] = {1.0, 2.0,  3.0, -1.0, 5.0, 4.0,
                                     2.0, 2.0,  4.0, 7.0,  -3.0, 4.0};
        lev_fill(c, 4, 3, A, NULL);
        rank = 1;
        set_comment(c, "column 3 = column 1 + column 2");
        break;
    }
    case 17: {
        /* Vandermonde with only 3 distinct nodes and 4 columns: rank 3. */
        static const double t[6] = {0.0, 1.0, 2.0, 0.0, 1.0, 2.0};
        double A[24];
        for (size_t k = 0; k < 6; k++) {
            double v = 1.0;
            for (size_t j = 0; j < 4; j++) {
                A[k * 4 + j] = v;
                v *= t[k];
            }
        }
        lev_fill(c, 6, 4, A, NULL);
        rank = 1;
        c->flags |= FLAG(F_VANDERMONDE);
        set_comment(c, "Vandermonde degree 3 on 3 distinct nodes (each twice): rank 3");
        break;
    }
    case 18: {
        static const double A[6] = {1e300, 2e300, -3e299, -6e299, 1e-300, 2e-300};
        lev_fill(c, 3, 2, A, NULL);
        rank = 1;
        set_comment(c, "column 2 = 2 column 1 at scales 1e300 and 1e-300");
        break;
    }
    case 19: {
        static const double A[9] = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0};
        lev_fill(c, 3, 3, A, NULL);
        rank = 1;
        set_comment(c, "square singular [1 2 3; 4 5 6; 7 8 9]");
        break;
    }
    case 20: {
        static const double A[8] = {3.0, 0x1.8p-999, 1.0, 0x1p-1000, -5.0, -0x1.4p-998,
                                    7.0, 0x1.cp-998};
        static const double s[4] = {1.0, 0x1p-300, 0x1p300, 1e-20};
        lev_fill(c, 4, 2, A, s);
        rank = 1;
        set_comment(c, "column 2 = 2^-1000 column 1, strongly varying s");
        break;
    }
    case 21: {
        static const double A[6] = {0x1p-1074, 0x1.8p-1073, 0x1p-1073, 0x1.8p-1072, 0.0, 0.0};
        lev_fill(c, 3, 2, A, NULL);
        rank = 1;
        c->flags |= FLAG(F_SUBNORMAL_IN);
        set_comment(c, "subnormal entries, column 2 = 3 column 1");
        break;
    }
    default: {
        static const double A[6] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        lev_fill(c, 3, 2, A, NULL);
        rank = 1;
        set_comment(c, "A = 0");
        break;
    }
    }
    if (rank) {
        /* Self-check: the oracle must decide exact rank deficiency. */
        double p[8], h[8];
        if (bht_oracle_leverage(c->n, c->d, c->A, c->s, p, h, NULL, NULL, NULL) != BHT_E_SINGULAR)
            return BHT_E_INVALID;
        c->flags |= FLAG(F_INV_RANK);
    }
    return BHT_OK;
}
#define LV_INVALID_COUNT 23

static const family LV_FAMILIES[] = {
    {"special", LV_SPECIAL_COUNT, lv_special, FLAG(F_SPECIAL)},
    {"random", 300, lv_random, 0},
    {"vandermonde", LV_VANDERMONDE_COUNT, lv_vandermonde, 0},
    {"scaled", LV_SCALED_COUNT, lv_scaled, 0},
    {"ill", LV_ILL_COUNT, lv_ill, 0},
    {"worst", LV_WORST_COUNT, lv_worst, 0},
    {"invalid", LV_INVALID_COUNT, lv_invalid, 0},
};

/* ===================================================== distance_softmax */

/* n in 1..32 (mostly 2..8) and d in 1..5 for the two-model functions. */
static size_t draw_model_n(grng *r)
{
    long u = rng_int(r, 0, 99);
    if (u < 75)
        return (size_t)rng_int(r, 2, 8);
    if (u < 95)
        return (size_t)rng_int(r, 9, 16);
    return (size_t)rng_int(r, 17, 32);
}

static void model_shape(gcase *c, size_t n, size_t d)
{
    c->n = c->brows = n;
    c->d = c->bcols = c->xlen = d;
}

/* Fills A, B (n by d) and x from tables (B NULL: B = A). */
static void model_fill(gcase *c, size_t n, size_t d, const double *A, const double *B,
                       const double *x)
{
    model_shape(c, n, d);
    memcpy(c->A, A, n * d * sizeof *A);
    memcpy(c->B, B ? B : A, n * d * sizeof *A);
    memcpy(c->x, x, d * sizeof *x);
}

/* x of length d, uniform at one of five scales; returns the scale. */
static double draw_query_x(grng *r, size_t d, double *x)
{
    static const double xs[] = {1e-3, 0.1, 1.0, 10.0, 100.0};
    double s = xs[rng_int(r, 0, 4)];
    for (size_t j = 0; j < d; j++)
        x[j] = s * rng_sym(r);
    return s;
}

/* Grid values m 2^-16, |m| <= 2^20: sums of two are exact. */
static double grid_value(grng *r) { return (double)rng_int(r, -(1L << 20), 1L << 20) * 0x1p-16; }

static bht_status ds_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A6[6] = {1.0, -2.0, 0.5, 3.0, -1.5, 0.25};
    static const double A12[12] = {0.5, -1.0, 2.0, 1.5, 0.0, -0.75,
                                   -2.5, 1.0, 0.125, 3.0, -3.0, 1.0};
    static const double x2[2] = {0.75, -1.25}, x3[3] = {0.3, -1.7, 2.25};
    switch (i) {
    case 0:
        model_fill(c, 3, 2, A6, NULL, x2);
        c->flags |= FLAG(F_IDENTICAL);
        set_comment(c, "B = A: distances 0");
        break;
    case 1: {
        double B[12];
        static const double w[3] = {0.5, -0.25, 3.0};
        for (size_t k = 0; k < 12; k++)
            B[k] = A12[k] + w[k % 3];
        model_fill(c, 4, 3, A12, B, x3);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_SHIFTED);
        set_comment(c, "B = A + 1 w^T exactly, w = (0.5, -0.25, 3): distances 0");
        break;
    }
    case 2: {
        double B[12];
        static const double w[3] = {1e6, -0x1p-20, 7.0};
        static const double x[3] = {1e10, -3e9, 0.5};
        for (size_t k = 0; k < 12; k++)
            B[k] = A12[k] + w[k % 3];
        model_fill(c, 4, 3, A12, B, x);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_SHIFTED) | FLAG(F_LARGE_LOGITS);
        set_comment(c, "B = A + 1 w^T exactly, large x (logits ~1e10): distances 0");
        break;
    }
    case 3: {
        static const double A[2] = {1.0, 2.0}, B[2] = {-5.0, 7.0};
        model_fill(c, 1, 2, A, B, x2);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_N1);
        set_comment(c, "n = 1: both models are the point mass");
        break;
    }
    case 4: {
        static const double x[3] = {0.0, -0.0, 0.0};
        double B[12];
        for (size_t k = 0; k < 12; k++)
            B[k] = -A12[k] * 3.0;
        model_fill(c, 4, 3, A12, B, x);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_SIGNED_ZERO);
        set_comment(c, "x = 0: both uniform, distances 0");
        break;
    }
    case 5: {
        static const double A[3] = {0.0, 1.0, 2.0}, B[3] = {0.0, 1.0, 2.5}, x[1] = {1.0};
        model_fill(c, 3, 1, A, B, x);
        set_comment(c, "d = 1: logits (0, 1, 2) vs (0, 1, 2.5)");
        break;
    }
    case 6: {
        double B[6];
        memcpy(B, A6, sizeof B);
        B[3] = 0x1.8000000000001p1; /* the double after 3 */
        model_fill(c, 3, 2, A6, B, x2);
        c->flags |= FLAG(F_NEAR);
        set_comment(c, "one entry of B moved by one ulp");
        break;
    }
    case 7: {
        double B[12];
        for (size_t k = 0; k < 12; k++)
            B[k] = A12[k] + ((k % 2) ? 0x1p-40 : -0x1p-40);
        model_fill(c, 4, 3, A12, B, x3);
        c->flags |= FLAG(F_NEAR);
        set_comment(c, "B = A +- 2^-40 (models ~1e-12 apart)");
        break;
    }
    case 8: {
        double B[12];
        for (size_t k = 0; k < 12; k++)
            B[k] = A12[k] + ((k % 3) ? 1.0 : -1.0);
        model_fill(c, 4, 3, A12, B, x3);
        set_comment(c, "B = A +- 1 (models 1 apart)");
        break;
    }
    case 9: {
        static const double A[4] = {1000.0, 0.0, 0.0, 0.0}, B[4] = {0.0, 0.0, 1000.0, 0.0};
        static const double x[2] = {1.0, 1.0};
        model_fill(c, 2, 2, A, B, x);
        c->flags |= FLAG(F_LARGE_LOGITS);
        set_comment(c, "P ~ point mass on 1, Q on 2 (q_2 / p_2 = e^1000): H^2 = TV ~ 1");
        break;
    }
    case 10: {
        static const double A[4] = {600.0, 0.0, 0.0, 0.0}, B[4] = {0.0, 0.0, 600.0, 0.0};
        static const double x[2] = {1.0, 1.0};
        model_fill(c, 2, 2, A, B, x);
        set_comment(c, "logit gaps 600 (q_2 / p_2 = e^1200 > e^700)");
        break;
    }
    case 11: {
        static const double A[4] = {300.0, 0.0, 0.0, 0.0}, B[4] = {0.0, 0.0, 300.0, 0.0};
        static const double x[2] = {1.0, 1.0};
        model_fill(c, 2, 2, A, B, x);
        set_comment(c, "logit gaps 300 (q / p up to e^600)");
        break;
    }
    case 12: {
        static const double A[4] = {0x1p1000, 0.0, 0.0, 1.0}, B[4] = {0x1p1000, 0.0, 0.0, 2.0};
        static const double x[2] = {0x1p30, 1.0};
        model_fill(c, 2, 2, A, B, x);
        set_comment(c, "a_11 x_1 = 2^1030: beyond the kernel's product bound");
        break;
    }
    case 13: {
        static const double x[2] = {0x1p-1074, -0x1.8p-1070};
        double B[6];
        for (size_t k = 0; k < 6; k++)
            B[k] = A6[k] * 0.5;
        model_fill(c, 3, 2, A6, B, x);
        c->flags |= FLAG(F_SUBNORMAL_IN);
        set_comment(c, "subnormal x: logits ~1e-320 (distances subnormal or 0)");
        break;
    }
    default: {
        /* Cancelling products: both models' logits are exactly (1, 0). */
        static const double A[6] = {0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0};
        static const double B[6] = {0x1p53, 2.0, -0x1p53, 0.0, 0.0, 0.0};
        static const double x[3] = {1.0, 1.0, 1.0};
        model_fill(c, 2, 3, A, B, x);
        c->flags |= FLAG(F_ILL);
        set_comment(c, "logits 2^53 + 1 - 2^53 = 1 and 2^53 + 2 - 2^53 = 2 (exact products)");
        break;
    }
    }
    return BHT_OK;
}
#define DS_SPECIAL_COUNT 15

/* B = A + 2^-k E (E uniform in [-1, 1)), k in [0, 40]: models 1 to 1e-12 apart. */
static bht_status ds_close(gcase *c, size_t i, grng *r)
{
    size_t n = draw_model_n(r), d = (size_t)rng_int(r, 1, 5);
    const char *design = draw_design(r, n, d, c->A, &c->flags);
    int k = (int)rng_int(r, 0, 40);
    int one_row = (i % 4) == 3;
    size_t row = (size_t)rng_int(r, 0, (long)n - 1);
    for (size_t a = 0; a < n; a++)
        for (size_t j = 0; j < d; j++)
            c->B[a * d + j] = c->A[a * d + j]
                              + ((one_row && a != row) ? 0.0 : ldexp(rng_sym(r), -k));
    double s = draw_query_x(r, d, c->x);
    model_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM) | (k >= 20 ? FLAG(F_NEAR) : 0);
    set_comment(c, "B = A + 2^-%d E%s; A: %s; x scale %g", k, one_row ? " (one row)" : "",
                design, s);
    return BHT_OK;
}
#define DS_CLOSE_COUNT 260

/* B = A + 1 w^T exactly (grid values), half of them plus 2^-k E. */
static bht_status ds_shifted(gcase *c, size_t i, grng *r)
{
    size_t n = draw_model_n(r), d = (size_t)rng_int(r, 1, 5);
    double w[G_MAX_D];
    for (size_t j = 0; j < d; j++)
        w[j] = grid_value(r);
    for (size_t k = 0; k < n * d; k++)
        c->A[k] = grid_value(r);
    for (size_t a = 0; a < n; a++)
        for (size_t j = 0; j < d; j++)
            c->B[a * d + j] = c->A[a * d + j] + w[j];
    int k = (int)rng_int(r, 0, 40);
    int perturbed = (i % 2) == 1;
    if (perturbed)
        for (size_t m = 0; m < n * d; m++)
            c->B[m] += ldexp(rng_sym(r), -k);
    double s = draw_query_x(r, d, c->x);
    model_shape(c, n, d);
    c->flags |= FLAG(F_SHIFTED) | FLAG(F_RANDOM);
    if (perturbed) {
        c->flags |= k >= 20 ? FLAG(F_NEAR) : 0;
        set_comment(c, "B = A + 1 w^T + 2^-%d E (grid A, w); x scale %g", k, s);
    } else {
        c->flags |= FLAG(F_IDENTICAL);
        set_comment(c, "B = A + 1 w^T exactly (grid A, w): distances 0; x scale %g", s);
    }
    return BHT_OK;
}
#define DS_SHIFTED_COUNT 80

static bht_status ds_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n = draw_model_n(r), d = (size_t)rng_int(r, 1, 5);
    const char *da = draw_design(r, n, d, c->A, &c->flags);
    const char *db = draw_design(r, n, d, c->B, &c->flags);
    double s = draw_query_x(r, d, c->x);
    model_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "independent models: A %s, B %s; x scale %g", da, db, s);
    return BHT_OK;
}
#define DS_RANDOM_COUNT 100

static bht_status ds_worst(gcase *c, size_t i, grng *r)
{
    enum { CANDIDATES = 100, MAXN = 8, MAXD = 4 };
    double best = -1.0, A[MAXN * MAXD], B[MAXN * MAXD], x[MAXD];
    uint64_t best_flags = 0;
    for (int k = 0; k < CANDIDATES; k++) {
        size_t n = (size_t)rng_int(r, 2, MAXN), d = (size_t)rng_int(r, 1, MAXD);
        uint64_t fl = 0;
        (void)draw_design(r, n, d, A, &fl);
        int sh = (int)rng_int(r, 0, 40);
        for (size_t m = 0; m < n * d; m++)
            B[m] = A[m] + ldexp(rng_sym(r), -sh);
        (void)draw_query_x(r, d, x);
        bht_distances kd, od;
        if (bht_distance_softmax(n, d, A, B, x, &kd) != BHT_OK)
            continue;
        bht_status st = bht_oracle_distance_softmax(n, d, A, B, x, &od, NULL, NULL);
        if (st != BHT_OK)
            return st;
        const double kv[3] = {kd.hellinger2, kd.hellinger, kd.tv};
        const double ov[3] = {od.hellinger2, od.hellinger, od.tv};
        double e = search_score(3, kv, ov);
        if (e > best) {
            best = e;
            best_flags = fl | (sh >= 20 ? FLAG(F_NEAR) : 0);
            model_shape(c, n, d);
            memcpy(c->A, A, n * d * sizeof *A);
            memcpy(c->B, B, n * d * sizeof *B);
            memcpy(c->x, x, d * sizeof *x);
            c->dist = od;
        }
    }
    if (best < 0.0)
        return BHT_E_PRECISION; /* no candidate: draw again */
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST) | best_flags;
    set_comment(c, "worst of %d candidates (search block %zu): kernel error %.0f ulp", CANDIDATES,
                i, floor(best));
    return BHT_OK;
}
#define DS_WORST_COUNT 60

/* Invalid inputs shared by distance_softmax and nu_softmax (B is M there). */
static bht_status model_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A[6] = {1.0, 2.0, 3.0, 4.0, -1.0, 0.5};
    static const double B[6] = {1.5, 2.0, 3.0, -4.0, 0.0, 0.5};
    static const double x[2] = {0.5, -0.5};
    const char *Bname = c->fn == FN_NU_SOFTMAX ? "M" : "B";
    c->invalid = 1;
    model_fill(c, 3, 2, A, B, x);
    switch (i) {
    case 0:
        c->A[1] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in A");
        break;
    case 1:
        c->B[4] = INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "+inf in %s", Bname);
        break;
    case 2:
        c->B[0] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in %s", Bname);
        break;
    case 3:
        c->x[1] = -INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "-inf in x");
        break;
    case 4:
        c->x[0] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in x");
        break;
    case 5:
        c->A[3] = -INFINITY;
        c->x[1] = 0.0;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "-inf in A times x_j = 0 (still invalid)");
        break;
    case 6:
        c->brows = 2;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A has 3 rows, %s has 2", Bname);
        break;
    case 7:
        c->bcols = 3; /* 2 by 3 from the same 6 entries */
        c->brows = 2;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A is 3 x 2, %s is 2 x 3", Bname);
        break;
    case 8:
        c->xlen = 3;
        c->x[2] = 1.0;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A has 2 columns, x has 3 entries");
        break;
    case 9:
        c->n = c->brows = 0;
        c->flags |= FLAG(F_INV_EMPTY);
        set_comment(c, "A and %s have no rows", Bname);
        break;
    default:
        c->d = c->bcols = c->xlen = 0;
        c->flags |= FLAG(F_INV_EMPTY);
        set_comment(c, "A and %s have no columns and x is empty", Bname);
        break;
    }
    return BHT_OK;
}
#define MODEL_INVALID_COUNT 11

static const family DS_FAMILIES[] = {
    {"special", DS_SPECIAL_COUNT, ds_special, FLAG(F_SPECIAL)},
    {"close", DS_CLOSE_COUNT, ds_close, 0},
    {"shifted", DS_SHIFTED_COUNT, ds_shifted, 0},
    {"random", DS_RANDOM_COUNT, ds_random, 0},
    {"worst", DS_WORST_COUNT, ds_worst, 0},
    {"invalid", MODEL_INVALID_COUNT, model_invalid, 0},
};

/* =========================================================== nu_softmax */

static bht_status nu_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A12[12] = {0.5, -1.0, 2.0, 1.5, 0.0, -0.75,
                                   -2.5, 1.0, 0.125, 3.0, -3.0, 1.0};
    static const double M12[12] = {1.0, 0.0, -1.0, 2.0, 0.5, 0.25,
                                   -1.0, 3.0, 0.0, 0.75, -2.0, 1.5};
    static const double x3[3] = {0.3, -1.7, 2.25};
    switch (i) {
    case 0: {
        static const double Z[12] = {0};
        model_fill(c, 4, 3, A12, Z, x3);
        set_comment(c, "M = 0: nu = 0, derivative 0");
        break;
    }
    case 1: {
        double M[12];
        static const double w[3] = {0.5, -0.25, 3.0};
        for (size_t k = 0; k < 12; k++)
            M[k] = w[k % 3];
        model_fill(c, 4, 3, A12, M, x3);
        c->flags |= FLAG(F_SHIFTED);
        set_comment(c, "M = 1 w^T: g constant, nu = 0, derivative 0");
        break;
    }
    case 2: {
        double M[12];
        static const double w[3] = {0.5, -0.25, 3.0};
        for (size_t k = 0; k < 12; k++)
            M[k] = M12[k] + w[k % 3];
        model_fill(c, 4, 3, A12, M, x3);
        c->flags |= FLAG(F_SHIFTED);
        set_comment(c, "M = M0 + 1 w^T exactly: same results as M0 (next vector)");
        break;
    }
    case 3:
        model_fill(c, 4, 3, A12, M12, x3);
        set_comment(c, "M0 (previous vector without the shift)");
        break;
    case 4: {
        static const double A[2] = {1.0, 2.0}, M[2] = {-5.0, 7.0}, x[2] = {0.75, -1.25};
        model_fill(c, 1, 2, A, M, x);
        c->flags |= FLAG(F_N1);
        set_comment(c, "n = 1: nu = 0");
        break;
    }
    case 5: {
        static const double x[3] = {0.0, 0.0, 0.0};
        model_fill(c, 4, 3, A12, M12, x);
        set_comment(c, "x = 0: g = 0, nu = 0");
        break;
    }
    case 6:
        model_fill(c, 4, 3, A12, A12, x3);
        set_comment(c, "M = A: nu = variance of the logits under p");
        break;
    case 7: {
        static const double A[2] = {1.0, 1.0}, M[2] = {1.0, -1.0}, x[1] = {1.0};
        model_fill(c, 2, 1, A, M, x);
        set_comment(c, "p = (1/2, 1/2), g = (1, -1): nu = 1, nu/8, derivative (1/2, -1/2)");
        break;
    }
    case 8: {
        static const double A[3] = {0.0, -800.0, -745.0}, M[3] = {1.0, 2.0, 3.0};
        static const double x[1] = {1.0};
        model_fill(c, 3, 1, A, M, x);
        c->flags |= FLAG(F_LARGE_LOGITS) | FLAG(F_GAP);
        set_comment(c, "logit gaps 745 and 800: tiny or zero derivative components");
        break;
    }
    case 9: {
        static const double A[9] = {1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.5, 0.5, 0.0};
        static const double M[9] = {0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0};
        static const double x[3] = {1.0, 1.0, 1.0};
        model_fill(c, 3, 3, A, M, x);
        c->flags |= FLAG(F_ILL);
        set_comment(c, "g_1 = 2^53 + 1 - 2^53 = 1 (exact products needed)");
        break;
    }
    case 10: {
        static const double A[4] = {0x1p1000, 0.0, 0.0, 1.0}, M[4] = {1.0, 0.0, 0.0, 2.0};
        static const double x[2] = {0x1p30, 1.0};
        model_fill(c, 2, 2, A, M, x);
        set_comment(c, "a_11 x_1 = 2^1030: beyond the kernel's product bound");
        break;
    }
    default: {
        static const double A[3] = {0.0, 1.0, 2.0}, M[3] = {1e10, 1e10, 1e10 + 1.0};
        static const double x[1] = {1.0};
        model_fill(c, 3, 1, A, M, x);
        set_comment(c, "g = 1e10 + (0, 0, 1): the offset 1e10 must cancel exactly");
        break;
    }
    }
    return BHT_OK;
}
#define NU_SPECIAL_COUNT 12

static bht_status nu_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n = draw_model_n(r), d = (size_t)rng_int(r, 1, 5);
    const char *da = draw_design(r, n, d, c->A, &c->flags);
    const char *dm = draw_design(r, n, d, c->B, &c->flags);
    double s = draw_query_x(r, d, c->x);
    model_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "random: A %s, M %s; x scale %g", da, dm, s);
    return BHT_OK;
}
#define NU_RANDOM_COUNT 300

/* M = M0 + 1 w^T exactly (grid values): nu and derivative are those of M0. */
static bht_status nu_shifted(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n = draw_model_n(r), d = (size_t)rng_int(r, 1, 5);
    const char *da = draw_design(r, n, d, c->A, &c->flags);
    double w[G_MAX_D];
    for (size_t j = 0; j < d; j++)
        w[j] = grid_value(r) * 0x1p10;
    for (size_t k = 0; k < n * d; k++)
        c->B[k] = grid_value(r) + w[k % d];
    double s = draw_query_x(r, d, c->x);
    model_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM) | FLAG(F_SHIFTED);
    set_comment(c, "M = M0 + 1 w^T exactly (grid M0, w up to 2^14); A %s; x scale %g", da, s);
    return BHT_OK;
}
#define NU_SHIFTED_COUNT 60

static bht_status nu_worst(gcase *c, size_t i, grng *r)
{
    enum { CANDIDATES = 100, MAXN = 8, MAXD = 4 };
    double best = -1.0, A[MAXN * MAXD], M[MAXN * MAXD], x[MAXD], kd[MAXN], od[MAXN];
    uint64_t best_flags = 0;
    for (int k = 0; k < CANDIDATES; k++) {
        size_t n = (size_t)rng_int(r, 2, MAXN), d = (size_t)rng_int(r, 1, MAXD);
        uint64_t fl = 0;
        (void)draw_design(r, n, d, A, &fl);
        (void)draw_design(r, n, d, M, &fl);
        (void)draw_query_x(r, d, x);
        bht_local_result kr, orr;
        if (bht_nu_softmax(n, d, A, M, x, &kr, kd) != BHT_OK)
            continue;
        bht_status st = bht_oracle_nu_softmax(n, d, A, M, x, &orr, od, NULL, NULL);
        if (st != BHT_OK)
            return st;
        const double kv[2] = {kr.nu, kr.local_constant}, ov[2] = {orr.nu, orr.local_constant};
        double e = search_score(2, kv, ov), e2 = search_score(n, kd, od);
        e = e > e2 ? e : e2;
        if (e > best) {
            best = e;
            best_flags = fl;
            model_shape(c, n, d);
            memcpy(c->A, A, n * d * sizeof *A);
            memcpy(c->B, M, n * d * sizeof *M);
            memcpy(c->x, x, d * sizeof *x);
            memcpy(c->deriv, od, n * sizeof *od);
            c->local = orr;
        }
    }
    if (best < 0.0)
        return BHT_E_PRECISION; /* no candidate: draw again */
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST) | best_flags;
    set_comment(c, "worst of %d candidates (search block %zu): kernel error %.0f ulp", CANDIDATES,
                i, floor(best));
    return BHT_OK;
}
#define NU_WORST_COUNT 60

static const family NU_FAMILIES[] = {
    {"special", NU_SPECIAL_COUNT, nu_special, FLAG(F_SPECIAL)},
    {"random", NU_RANDOM_COUNT, nu_random, 0},
    {"shifted", NU_SHIFTED_COUNT, nu_shifted, 0},
    {"worst", NU_WORST_COUNT, nu_worst, 0},
    {"invalid", MODEL_INVALID_COUNT, model_invalid, 0},
};

/* ================================== distance_leverage, nu_leverage ====
 * Leverage models (A, B or M, s): n <= 10, d <= 4, entries mostly short
 * dyadic rationals (the oracles work in exact rational arithmetic, so short
 * entries keep the whole block fast); s of the same kind, some negative. */

/* Short dyadic value: k 2^-e with |k| <= 15, e in 0..4 (zero allowed). */
static double short_dyadic(grng *r)
{
    return ldexp((double)rng_int(r, -15, 15), -(int)rng_int(r, 0, 4));
}

/* Nonzero short dyadic query weight (1 + k/8) 2^e, e in [-range, range]. */
static double short_weight(grng *r, int range)
{
    double v = ldexp(1.0 + (double)rng_int(r, 0, 7) * 0.125, (int)rng_int(r, -range, range));
    return rng_int(r, 0, 3) == 0 ? -v : v;
}

/* d in 1..4, n in d..10. */
static void draw_lm_shape(grng *r, size_t *n, size_t *d)
{
    *d = (size_t)rng_int(r, 1, 4);
    *n = *d + (size_t)rng_int(r, 0, 10 - (long)*d);
}

static void lm_shape(gcase *c, size_t n, size_t d)
{
    c->n = c->brows = c->slen = n;
    c->d = c->bcols = d;
}

static void lm_fill(gcase *c, size_t n, size_t d, const double *A, const double *B,
                    const double *s)
{
    lm_shape(c, n, d);
    memcpy(c->A, A, n * d * sizeof *A);
    memcpy(c->B, B ? B : A, n * d * sizeof *A);
    for (size_t i = 0; i < n; i++)
        c->s[i] = s ? s[i] : 1.0;
}

/* Query: s = 1, short weights over 2^[-2, 2], or (varying) over 2^[-30, 30]. */
static const char *lm_query(grng *r, size_t n, double *s)
{
    long kind = rng_int(r, 0, 3);
    for (size_t i = 0; i < n; i++)
        s[i] = kind == 0 ? 1.0 : short_weight(r, kind == 3 ? 30 : 2);
    return kind == 0 ? "s = 1" : kind == 3 ? "s over 2^[-30, 30]" : "s over 2^[-2, 2]";
}

/* A (n by d) short dyadic, sometimes with a zero row. */
static const char *lm_design(grng *r, size_t n, size_t d, double *A)
{
    for (size_t k = 0; k < n * d; k++)
        A[k] = short_dyadic(r);
    if (n > d + 1 && rng_int(r, 0, 4) == 0) {
        size_t i = (size_t)rng_int(r, 0, (long)n - 1);
        for (size_t j = 0; j < d; j++)
            A[i * d + j] = 0.0;
        return "short dyadic, one zero row";
    }
    return "short dyadic";
}

/* B = A R exactly for a unimodular integer R (unit triangular factors,
 * entries in -2..2, and a column permutation): the same model. */
static void lm_same_model(grng *r, size_t n, size_t d, const double *A, double *B)
{
    double R[16], U[16], L[16];
    size_t perm[4] = {0, 1, 2, 3};
    for (size_t j = d; j-- > 1;) {
        size_t k = (size_t)rng_int(r, 0, (long)j), t = perm[j];
        perm[j] = perm[k];
        perm[k] = t;
    }
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            U[a * d + b] = a == b ? 1.0 : a < b ? (double)rng_int(r, -2, 2) : 0.0;
            L[a * d + b] = a == b ? 1.0 : a > b ? (double)rng_int(r, -2, 2) : 0.0;
        }
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            double v = 0.0;
            for (size_t k = 0; k < d; k++)
                v += L[a * d + k] * U[k * d + perm[b]];
            R[a * d + b] = v;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < d; b++) {
            double v = 0.0;
            for (size_t k = 0; k < d; k++)
                v += A[i * d + k] * R[k * d + b];
            B[i * d + b] = v;
        }
}

static bht_status dl_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A8[8] = {1.0, 0.0, 0.5, 2.0, -1.0, 1.5, 0.25, -3.0};
    static const double B8[8] = {1.0, 0.5, 0.0, 2.0, -1.0, 1.0, 0.75, -3.0};
    static const double s4[4] = {1.0, -2.0, 0.5, 3.0};
    double B[8];
    switch (i) {
    case 0:
        lm_fill(c, 4, 2, A8, NULL, s4);
        c->flags |= FLAG(F_IDENTICAL);
        set_comment(c, "B = A: distances 0");
        break;
    case 1:
        for (size_t k = 0; k < 8; k++)
            B[k] = k % 2 ? A8[k] + A8[k - 1] : A8[k];
        lm_fill(c, 4, 2, A8, B, s4);
        c->flags |= FLAG(F_IDENTICAL);
        set_comment(c, "B = A R, R = [1 1; 0 1]: same model, distances 0");
        break;
    case 2:
        for (size_t k = 0; k < 8; k++)
            B[k] = -3.0 * A8[k];
        lm_fill(c, 4, 2, A8, B, s4);
        c->flags |= FLAG(F_IDENTICAL);
        set_comment(c, "B = -3 A: same model, distances 0");
        break;
    case 3: {
        static const double A4[4] = {1.0, 2.0, 3.0, 5.0}, B4[4] = {2.0, -1.0, 0.5, 7.0};
        lm_fill(c, 2, 2, A4, B4, s4);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_SQUARE);
        set_comment(c, "n = d (both square): p = q = 1/d, distances 0");
        break;
    }
    case 4:
        lm_fill(c, 4, 2, A8, B8, s4);
        set_comment(c, "two 4 x 2 designs differing in two entries");
        break;
    case 5: {
        static const double A[3] = {1.0, 0.0, 0.0}, B[3] = {0.0, 0.0, 1.0};
        lm_fill(c, 3, 1, A, B, NULL);
        c->flags |= FLAG(F_DISJOINT);
        set_comment(c, "d = 1, disjoint supports: H^2 = TV = 1");
        break;
    }
    case 6: {
        static const double A[3] = {1.0, 1.0, 1.0}, B[3] = {1.0, 1.0, 0x1.0000000000001p+0};
        lm_fill(c, 3, 1, A, B, NULL);
        c->flags |= FLAG(F_NEAR);
        set_comment(c, "d = 1, one entry one ulp apart");
        break;
    }
    case 7:
        for (size_t k = 0; k < 8; k++)
            B[k] = A8[k] + (k == 3 ? 0x1p-40 : 0.0);
        lm_fill(c, 4, 2, A8, B, s4);
        c->flags |= FLAG(F_NEAR);
        set_comment(c, "B = A + 2^-40 e_{2,2}");
        break;
    case 8: {
        static const double s[4] = {0x1p-30, 1.0, 0x1p30, -1.0};
        lm_fill(c, 4, 2, A8, B8, s);
        set_comment(c, "as vector 5 with s over 2^[-30, 30]");
        break;
    }
    default: {
        static const double A[6] = {1.0, 0.0, 0.0, 1.0, 0.0, 0.0};
        static const double B[6] = {1.0, 0.0, 0.0, 1.0, 1.0, 1.0};
        lm_fill(c, 3, 2, A, B, NULL);
        set_comment(c, "A with a zero row (p_3 = 0), B without");
        break;
    }
    }
    return BHT_OK;
}
#define DL_SPECIAL_COUNT 10

/* B = A + 2^-k E (E short dyadic), k in 0..40: models 1 .. 1e-12 apart. */
static bht_status dl_close(gcase *c, size_t i, grng *r)
{
    size_t n, d;
    draw_lm_shape(r, &n, &d);
    const char *da = lm_design(r, n, d, c->A);
    int k = (int)(i % 41);
    for (size_t m = 0; m < n * d; m++)
        c->B[m] = c->A[m] + ldexp(short_dyadic(r), -k);
    const char *q = lm_query(r, n, c->s);
    lm_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM) | (k >= 20 ? FLAG(F_NEAR) : 0);
    set_comment(c, "B = A + 2^-%d E (A %s, E short dyadic); %s", k, da, q);
    return BHT_OK;
}
#define DL_CLOSE_COUNT 123

static bht_status dl_same(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n, d;
    draw_lm_shape(r, &n, &d);
    const char *da = lm_design(r, n, d, c->A);
    lm_same_model(r, n, d, c->A, c->B);
    const char *q = lm_query(r, n, c->s);
    lm_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM) | FLAG(F_IDENTICAL);
    set_comment(c, "B = A R exactly (R unimodular integer; A %s): distances 0; %s", da, q);
    return BHT_OK;
}
#define DL_SAME_COUNT 40

static bht_status dl_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n, d;
    draw_lm_shape(r, &n, &d);
    const char *da = lm_design(r, n, d, c->A);
    (void)lm_design(r, n, d, c->B);
    const char *q = lm_query(r, n, c->s);
    lm_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "independent models (A %s); %s", da, q);
    return BHT_OK;
}
#define DL_RANDOM_COUNT 60

/* Full-precision entries (53-bit uniform), small shapes: n <= 6, d <= 3. */
static bht_status lm_full(gcase *c, size_t i, grng *r)
{
    size_t d = (size_t)rng_int(r, 1, 3), n = d + (size_t)rng_int(r, 0, 6 - (long)d);
    for (size_t k = 0; k < n * d; k++)
        c->A[k] = rng_sym(r);
    int k = (int)rng_int(r, 0, 40);
    for (size_t m = 0; m < n * d; m++)
        c->B[m] = c->fn == FN_NU_LEVERAGE ? rng_sym(r) : c->A[m] + ldexp(rng_sym(r), -k);
    for (size_t a = 0; a < n; a++)
        c->s[a] = 0.5 + 1.5 * rng_unit(r);
    lm_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    if (c->fn == FN_NU_LEVERAGE) {
        set_comment(c, "full-precision uniform A, M; s in [1/2, 2) (block %zu)", i);
    } else {
        c->flags |= k >= 20 ? FLAG(F_NEAR) : 0;
        set_comment(c, "full-precision uniform A, B = A + 2^-%d E; s in [1/2, 2)", k);
    }
    return BHT_OK;
}
#define LM_FULL_COUNT 30

enum { LM_CANDIDATES = 20 };

static bht_status dl_worst(gcase *c, size_t i, grng *r)
{
    double best = -1.0, A[40], B[40], s[10];
    for (int k = 0; k < LM_CANDIDATES; k++) {
        /* n > d: square designs give p = q = 1/d whatever B is. */
        size_t d = (size_t)rng_int(r, 1, 4), n = d + (size_t)rng_int(r, 1, 10 - (long)d);
        (void)lm_design(r, n, d, A);
        int sh = (int)rng_int(r, 0, 40);
        for (size_t m = 0; m < n * d; m++)
            B[m] = A[m] + ldexp(short_dyadic(r), -sh);
        (void)lm_query(r, n, s);
        bht_distances kd, od;
        if (bht_distance_leverage(n, d, A, B, s, &kd) != BHT_OK)
            continue;
        bht_status st = bht_oracle_distance_leverage(n, d, A, B, s, &od, NULL, NULL);
        if (st == BHT_E_SINGULAR || st == BHT_E_PRECISION)
            continue;
        if (st != BHT_OK)
            return st;
        const double kv[3] = {kd.hellinger2, kd.hellinger, kd.tv};
        const double ov[3] = {od.hellinger2, od.hellinger, od.tv};
        double e = search_score(3, kv, ov);
        if (e > best) {
            best = e;
            lm_shape(c, n, d);
            memcpy(c->A, A, n * d * sizeof *A);
            memcpy(c->B, B, n * d * sizeof *B);
            memcpy(c->s, s, n * sizeof *s);
            c->dist = od;
            c->flags = (c->flags & ~FLAG(F_NEAR)) | (sh >= 20 ? FLAG(F_NEAR) : 0);
        }
    }
    if (best < 0.0)
        return BHT_E_PRECISION;
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST);
    set_comment(c, best < 1e15 ? "worst of %d candidates (search block %zu): kernel error %.0f ulp"
                               : "worst of %d candidates (search block %zu): kernel error %.3g ulp",
                LM_CANDIDATES, i, best < 1e15 ? floor(best) : best);
    return BHT_OK;
}
#define LM_WORST_COUNT 20

/* Invalid inputs shared by distance_leverage and nu_leverage (B is M). */
static bht_status lm_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A[6] = {1.0, 2.0, 3.0, 4.0, -1.0, 0.5};
    static const double B[6] = {1.5, 2.0, 3.0, -4.0, 0.0, 0.5};
    static const double s[3] = {1.0, 2.0, -0.5};
    const char *Bname = c->fn == FN_NU_LEVERAGE ? "M" : "B";
    c->invalid = 1;
    lm_fill(c, 3, 2, A, B, s);
    switch (i) {
    case 0:
        c->s[1] = 0.0;
        c->flags |= FLAG(F_INV_ZERO_S);
        set_comment(c, "s_2 = 0");
        break;
    case 1:
        c->s[2] = -0.0;
        c->flags |= FLAG(F_INV_ZERO_S);
        set_comment(c, "s_3 = -0");
        break;
    case 2:
        for (size_t a = 0; a < 3; a++)
            c->A[a * 2 + 1] = 2.0 * c->A[a * 2];
        c->flags |= FLAG(F_INV_RANK);
        set_comment(c, "A rank deficient: column 2 = 2 column 1");
        break;
    case 3:
        for (size_t a = 0; a < 3; a++)
            c->A[a * 2 + 1] = 0.0;
        c->flags |= FLAG(F_INV_RANK);
        set_comment(c, "A rank deficient: zero column");
        break;
    case 4:
        if (c->fn == FN_NU_LEVERAGE) {
            c->brows = 2;
            c->flags |= FLAG(F_INV_SHAPE);
            set_comment(c, "A has 3 rows, M has 2");
            break;
        }
        for (size_t a = 0; a < 3; a++)
            c->B[a * 2 + 1] = -c->B[a * 2];
        c->flags |= FLAG(F_INV_RANK);
        set_comment(c, "B rank deficient: column 2 = -column 1");
        break;
    case 5:
        c->A[1] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in A");
        break;
    case 6:
        c->B[0] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in %s", Bname);
        break;
    case 7:
        c->B[4] = INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "+inf in %s", Bname);
        break;
    case 8:
        c->s[0] = NAN;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "NaN in s");
        break;
    case 9:
        c->s[2] = -INFINITY;
        c->flags |= FLAG(F_INV_NONFINITE);
        set_comment(c, "-inf in s");
        break;
    case 10:
        c->brows = 2;
        c->bcols = 3;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A is 3 x 2, %s is 2 x 3", Bname);
        break;
    case 11:
        c->slen = 2;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "A has 3 rows, s has 2 entries");
        break;
    case 12:
        c->n = c->brows = c->slen = 1;
        c->flags |= FLAG(F_INV_SHAPE);
        set_comment(c, "n = 1 < d = 2");
        break;
    default:
        c->n = c->brows = c->slen = 0;
        c->flags |= FLAG(F_INV_EMPTY);
        set_comment(c, "A and %s have no rows, s is empty", Bname);
        break;
    }
    return BHT_OK;
}
#define LM_INVALID_COUNT 14

static const family DL_FAMILIES[] = {
    {"special", DL_SPECIAL_COUNT, dl_special, FLAG(F_SPECIAL)},
    {"close", DL_CLOSE_COUNT, dl_close, 0},
    {"same", DL_SAME_COUNT, dl_same, 0},
    {"random", DL_RANDOM_COUNT, dl_random, 0},
    {"full", LM_FULL_COUNT, lm_full, 0},
    {"worst", LM_WORST_COUNT, dl_worst, 0},
    {"invalid", LM_INVALID_COUNT, lm_invalid, 0},
};

static bht_status nl_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A8[8] = {1.0, 0.0, 0.5, 2.0, -1.0, 1.5, 0.25, -3.0};
    static const double M8[8] = {0.0, 1.0, 2.0, -1.0, 0.5, 0.5, -1.5, 1.0};
    static const double s4[4] = {1.0, -2.0, 0.5, 3.0};
    double M[8], s[4];
    switch (i) {
    case 0: {
        static const double Z[8] = {0};
        lm_fill(c, 4, 2, A8, Z, s4);
        set_comment(c, "M = 0: everything 0");
        break;
    }
    case 1:
        for (size_t k = 0; k < 8; k++)
            M[k] = k % 2 ? 2.0 * A8[k - 1] - A8[k] : A8[k + 1];
        lm_fill(c, 4, 2, A8, M, s4);
        c->flags |= FLAG(F_SHIFTED);
        set_comment(c, "M = A S (S = [0 2; 1 -1]): W = 0, everything 0");
        break;
    case 2:
        lm_fill(c, 4, 2, A8, M8, s4);
        set_comment(c, "M0 (the next three vectors give the same results)");
        break;
    case 3:
        for (size_t k = 0; k < 8; k++)
            M[k] = M8[k] + (k % 2 ? 3.0 * A8[k - 1] : -A8[k + 1]);
        lm_fill(c, 4, 2, A8, M, s4);
        c->flags |= FLAG(F_SHIFTED);
        set_comment(c, "M = M0 + A S exactly (S = [0 3; -1 0]): same results as M0");
        break;
    case 4:
        for (size_t k = 0; k < 4; k++)
            s[k] = -8.0 * s4[k];
        lm_fill(c, 4, 2, A8, M8, s);
        set_comment(c, "s -> -8 s: same results as M0");
        break;
    case 5: {
        double A[8];
        for (size_t k = 0; k < 8; k++) {
            A[k] = k % 2 ? A8[k - 1] + A8[k] : A8[k];
            M[k] = k % 2 ? M8[k - 1] + M8[k] : M8[k];
        }
        lm_fill(c, 4, 2, A, M, s4);
        set_comment(c, "(A R, M R), R = [1 1; 0 1]: same results as M0");
        break;
    }
    case 6: {
        static const double A[4] = {1.0, 2.0, 3.0, 5.0};
        lm_fill(c, 2, 2, A, M8, s4);
        c->flags |= FLAG(F_SQUARE);
        set_comment(c, "n = d: H = I, W = 0, everything 0");
        break;
    }
    case 7: {
        static const double A[3] = {1.0, 1.0, 0.0}, Mv[3] = {0.0, 0.0, 2.0};
        lm_fill(c, 3, 1, A, Mv, NULL);
        set_comment(c, "zero row a_3 = 0 with m_3 = 2: nu = 0, local_constant = 1");
        break;
    }
    case 8: {
        static const double A[2] = {1.0, 1.0}, Mv[2] = {1.0, -1.0};
        lm_fill(c, 2, 1, A, Mv, NULL);
        set_comment(c, "d = 1, a = (1, 1), m = (1, -1): nu = 1, derivative (1, -1)");
        break;
    }
    default: {
        static const double s[4] = {0x1p-30, 1.0, 0x1p30, -1.0};
        lm_fill(c, 4, 2, A8, M8, s);
        set_comment(c, "M0 with s over 2^[-30, 30]");
        break;
    }
    }
    return BHT_OK;
}
#define NL_SPECIAL_COUNT 10

static bht_status nl_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n, d;
    draw_lm_shape(r, &n, &d);
    const char *da = lm_design(r, n, d, c->A);
    for (size_t k = 0; k < n * d; k++)
        c->B[k] = short_dyadic(r);
    const char *q = lm_query(r, n, c->s);
    lm_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    set_comment(c, "random: A %s, M short dyadic; %s", da, q);
    return BHT_OK;
}
#define NL_RANDOM_COUNT 200

/* M = M0 + A S exactly (S integer): the same results as M0. */
static bht_status nl_shifted(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n, d;
    draw_lm_shape(r, &n, &d);
    const char *da = lm_design(r, n, d, c->A);
    double S[16];
    for (size_t k = 0; k < d * d; k++)
        S[k] = (double)rng_int(r, -3, 3);
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < d; b++) {
            double v = short_dyadic(r);
            for (size_t k = 0; k < d; k++)
                v += c->A[a * d + k] * S[k * d + b];
            c->B[a * d + b] = v;
        }
    const char *q = lm_query(r, n, c->s);
    lm_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM) | FLAG(F_SHIFTED);
    set_comment(c, "M = M0 + A S exactly (S integer; A %s); %s", da, q);
    return BHT_OK;
}
#define NL_SHIFTED_COUNT 40

static bht_status nl_worst(gcase *c, size_t i, grng *r)
{
    double best = -1.0, A[40], M[40], s[10], kd[10], od[10];
    for (int k = 0; k < LM_CANDIDATES; k++) {
        size_t n, d;
        draw_lm_shape(r, &n, &d);
        (void)lm_design(r, n, d, A);
        for (size_t m = 0; m < n * d; m++)
            M[m] = short_dyadic(r);
        (void)lm_query(r, n, s);
        bht_local_result kr, orr;
        if (bht_nu_leverage(n, d, A, M, s, &kr, kd) != BHT_OK)
            continue;
        bht_status st = bht_oracle_nu_leverage(n, d, A, M, s, &orr, od, NULL, NULL);
        if (st == BHT_E_SINGULAR)
            continue;
        if (st != BHT_OK)
            return st;
        const double kv[2] = {kr.nu, kr.local_constant}, ov[2] = {orr.nu, orr.local_constant};
        double e = search_score(2, kv, ov), e2 = search_score(n, kd, od);
        e = e > e2 ? e : e2;
        if (e > best) {
            best = e;
            lm_shape(c, n, d);
            memcpy(c->A, A, n * d * sizeof *A);
            memcpy(c->B, M, n * d * sizeof *M);
            memcpy(c->s, s, n * sizeof *s);
            memcpy(c->deriv, od, n * sizeof *od);
            c->local = orr;
        }
    }
    if (best < 0.0)
        return BHT_E_PRECISION;
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST);
    set_comment(c, best < 1e15 ? "worst of %d candidates (search block %zu): kernel error %.0f ulp"
                               : "worst of %d candidates (search block %zu): kernel error %.3g ulp",
                LM_CANDIDATES, i, best < 1e15 ? floor(best) : best);
    return BHT_OK;
}

static const family NL_FAMILIES[] = {
    {"special", NL_SPECIAL_COUNT, nl_special, FLAG(F_SPECIAL)},
    {"random", NL_RANDOM_COUNT, nl_random, 0},
    {"shifted", NL_SHIFTED_COUNT, nl_shifted, 0},
    {"full", LM_FULL_COUNT, lm_full, 0},
    {"worst", LM_WORST_COUNT, nl_worst, 0},
    {"invalid", LM_INVALID_COUNT, lm_invalid, 0},
};

/* ================================================================ table */

typedef struct fn_def {
    const char *name;
    int64_t base;
    double tol_ulp;
    const family *families;
    size_t family_count;
} fn_def;

/* tcId bases are fixed per fn (issue 6's list: softmax_logits 1, softmax 2,
 * leverage 3, leverage_scores 4, distance 5, distance_softmax 6,
 * distance_leverage 7, lemma_a1 8, nu_softmax 9, nu_leverage 10; FORMAT.md
 * published these reservations before the last two landed). */
static const fn_def FNS[FN_COUNT] = {
    {"softmax_logits", 100000, 1.0, LN_FAMILIES, sizeof LN_FAMILIES / sizeof LN_FAMILIES[0]},
    {"softmax", 200000, 1.0, SM_FAMILIES, sizeof SM_FAMILIES / sizeof SM_FAMILIES[0]},
    {"leverage", 300000, 1.0, LV_FAMILIES, sizeof LV_FAMILIES / sizeof LV_FAMILIES[0]},
    {"leverage_scores", 400000, 1.0, LV_FAMILIES, sizeof LV_FAMILIES / sizeof LV_FAMILIES[0]},
    {"distance", 500000, 1.0, DI_FAMILIES, sizeof DI_FAMILIES / sizeof DI_FAMILIES[0]},
    {"distance_softmax", 600000, 2.0, DS_FAMILIES, sizeof DS_FAMILIES / sizeof DS_FAMILIES[0]},
    {"distance_leverage", 700000, 2.0, DL_FAMILIES, sizeof DL_FAMILIES / sizeof DL_FAMILIES[0]},
    {"lemma_a1", 800000, 1.0, LA_FAMILIES, sizeof LA_FAMILIES / sizeof LA_FAMILIES[0]},
    {"nu_softmax", 900000, 2.0, NU_FAMILIES, sizeof NU_FAMILIES / sizeof NU_FAMILIES[0]},
    {"nu_leverage", 1000000, 2.0, NL_FAMILIES, sizeof NL_FAMILIES / sizeof NL_FAMILIES[0]},
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

static int is_subnormal(double v) { return v != 0.0 && fabs(v) < DBL_MIN; }

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
    case FN_LEVERAGE:
    case FN_LEVERAGE_SCORES:
        return bht_oracle_leverage(c->n, c->d, c->A, c->s, c->p, c->h, NULL, NULL, NULL);
    case FN_DISTANCE_SOFTMAX:
        return bht_oracle_distance_softmax(c->n, c->d, c->A, c->B, c->x, &c->dist, NULL, NULL);
    case FN_NU_SOFTMAX:
        return bht_oracle_nu_softmax(c->n, c->d, c->A, c->B, c->x, &c->local, c->deriv, NULL,
                                     NULL);
    case FN_DISTANCE_LEVERAGE:
        return bht_oracle_distance_leverage(c->n, c->d, c->A, c->B, c->s, &c->dist, NULL, NULL);
    case FN_NU_LEVERAGE:
        return bht_oracle_nu_leverage(c->n, c->d, c->A, c->B, c->s, &c->local, c->deriv, NULL,
                                      NULL);
    default:
        return bht_oracle_lemma_a1(c->eps, &c->lemma, NULL, NULL);
    }
}

/* Flags of the functions added after v1's first four (leverage,
 * leverage_scores, distance_softmax, nu_softmax), kept apart so the flags
 * of the first four never change.  The kernel's verdict gives
 * beyond_kernel_domain (BHT_E_RANGE) and, for leverage,
 * beyond_kernel_conditioning (BHT_E_SINGULAR). */
static void derive_model_flags(int fn, gcase *c)
{
    double in_extra[G_MAX_N], out_extra[G_MAX_N + 3];
    size_t nout = 0;
    for (size_t k = 0; k < c->n * c->d; k++)
        if (is_subnormal(c->A[k]))
            c->flags |= FLAG(F_SUBNORMAL_IN);
    if (fn == FN_DISTANCE_LEVERAGE || fn == FN_NU_LEVERAGE) {
        double lo = INFINITY, hi = 0.0;
        for (size_t i = 0; i < c->slen; i++) {
            double v = fabs(c->s[i]);
            if (is_subnormal(v))
                c->flags |= FLAG(F_SUBNORMAL_IN);
            if (v > 0.0 && isfinite(v)) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
        if (hi >= lo * 0x1p20)
            c->flags |= FLAG(F_VARYING_S);
        for (size_t k = 0; k < c->brows * c->bcols; k++)
            if (is_subnormal(c->B[k]))
                c->flags |= FLAG(F_SUBNORMAL_IN);
        if (!c->invalid) {
            bht_status st;
            if (fn == FN_DISTANCE_LEVERAGE) {
                bht_distances dist;
                st = bht_distance_leverage(c->n, c->d, c->A, c->B, c->s, &dist);
                out_extra[0] = c->dist.hellinger2;
                out_extra[1] = c->dist.hellinger;
                out_extra[2] = c->dist.tv;
                nout = 3;
            } else {
                bht_local_result local;
                st = bht_nu_leverage(c->n, c->d, c->A, c->B, c->s, &local, in_extra);
                out_extra[0] = c->local.nu;
                out_extra[1] = c->local.local_constant;
                memcpy(out_extra + 2, c->deriv, c->n * sizeof(double));
                nout = c->n + 2;
            }
            if (st == BHT_E_RANGE)
                c->flags |= FLAG(F_BEYOND);
            else if (st == BHT_E_SINGULAR)
                c->flags |= FLAG(F_BEYOND_COND);
            if (c->n == c->d)
                c->flags |= FLAG(F_SQUARE);
        }
    } else if (fn == FN_LEVERAGE || fn == FN_LEVERAGE_SCORES) {
        double lo = INFINITY, hi = 0.0;
        for (size_t i = 0; i < c->slen; i++) {
            double v = fabs(c->s[i]);
            if (is_subnormal(v))
                c->flags |= FLAG(F_SUBNORMAL_IN);
            if (v > 0.0 && isfinite(v)) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
        if (hi >= lo * 0x1p20)
            c->flags |= FLAG(F_VARYING_S);
        if (!c->invalid) {
            bht_status st = bht_leverage(c->n, c->d, c->A, c->s, in_extra, out_extra, NULL);
            if (st == BHT_E_RANGE)
                c->flags |= FLAG(F_BEYOND);
            else if (st == BHT_E_SINGULAR)
                c->flags |= FLAG(F_BEYOND_COND);
            if (c->n == c->d)
                c->flags |= FLAG(F_SQUARE);
            nout = c->n;
            memcpy(out_extra, fn == FN_LEVERAGE ? c->p : c->h, nout * sizeof(double));
        }
    } else {
        for (size_t k = 0; k < c->brows * c->bcols; k++)
            if (is_subnormal(c->B[k]))
                c->flags |= FLAG(F_SUBNORMAL_IN);
        for (size_t j = 0; j < c->xlen; j++)
            if (is_subnormal(c->x[j]))
                c->flags |= FLAG(F_SUBNORMAL_IN);
        if (!c->invalid) {
            bht_status st;
            if (fn == FN_DISTANCE_SOFTMAX) {
                bht_distances dist;
                st = bht_distance_softmax(c->n, c->d, c->A, c->B, c->x, &dist);
                out_extra[0] = c->dist.hellinger2;
                out_extra[1] = c->dist.hellinger;
                out_extra[2] = c->dist.tv;
                nout = 3;
            } else {
                bht_local_result local;
                st = bht_nu_softmax(c->n, c->d, c->A, c->B, c->x, &local, in_extra);
                out_extra[0] = c->local.nu;
                out_extra[1] = c->local.local_constant;
                memcpy(out_extra + 2, c->deriv, c->n * sizeof(double));
                nout = c->n + 2;
            }
            if (st == BHT_E_RANGE)
                c->flags |= FLAG(F_BEYOND);
        }
    }
    if (!c->invalid && c->d == 1)
        c->flags |= FLAG(F_D1);
    if (!c->invalid && c->n == 1)
        c->flags |= FLAG(F_N1);
    for (size_t i = 0; i < nout; i++) {
        if (is_subnormal(out_extra[i]))
            c->flags |= FLAG(F_SUBNORMAL_OUT);
        if (out_extra[i] == 0.0)
            c->flags |= FLAG(F_ZERO_OUT);
    }
}

/* Flags that follow from the values (so every vector gets them uniformly). */
static void derive_flags(int fn, gcase *c)
{
    if (fn != FN_SOFTMAX_LOGITS && fn != FN_SOFTMAX && fn != FN_DISTANCE && fn != FN_LEMMA_A1) {
        derive_model_flags(fn, c);
        return;
    }
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
        if (!c->invalid) {
            double tmp[G_MAX_N];
            if (bht_softmax_logits(c->n, c->z, tmp) == BHT_E_RANGE)
                c->flags |= FLAG(F_BEYOND);
        }
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
    case FN_LEVERAGE:
    case FN_LEVERAGE_SCORES:
        append_raw(b, "\"A\":", 4, nomem);
        put_matrix(b, nomem, c->n, c->d, c->A);
        append_raw(b, ",\"s\":", 5, nomem);
        put_array(b, nomem, c->slen, c->s);
        break;
    case FN_DISTANCE_LEVERAGE:
    case FN_NU_LEVERAGE:
        append_raw(b, "\"A\":", 4, nomem);
        put_matrix(b, nomem, c->n, c->d, c->A);
        append(b, nomem, ",\"%s\":", fn == FN_NU_LEVERAGE ? "M" : "B");
        put_matrix(b, nomem, c->brows, c->bcols, c->B);
        append_raw(b, ",\"s\":", 5, nomem);
        put_array(b, nomem, c->slen, c->s);
        break;
    case FN_DISTANCE_SOFTMAX:
    case FN_NU_SOFTMAX:
        append_raw(b, "\"A\":", 4, nomem);
        put_matrix(b, nomem, c->n, c->d, c->A);
        append(b, nomem, ",\"%s\":", fn == FN_NU_SOFTMAX ? "M" : "B");
        put_matrix(b, nomem, c->brows, c->bcols, c->B);
        append_raw(b, ",\"x\":", 5, nomem);
        put_array(b, nomem, c->xlen, c->x);
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
        case FN_DISTANCE_SOFTMAX:
        case FN_DISTANCE_LEVERAGE:
            put_scalar(b, nomem, "hellinger2", c->dist.hellinger2, 0);
            put_scalar(b, nomem, "hellinger", c->dist.hellinger, 1);
            put_scalar(b, nomem, "tv", c->dist.tv, 1);
            break;
        case FN_LEVERAGE:
            append_raw(b, "\"p\":", 4, nomem);
            put_array(b, nomem, c->n, c->p);
            break;
        case FN_LEVERAGE_SCORES:
            append_raw(b, "\"h\":", 4, nomem);
            put_array(b, nomem, c->n, c->h);
            break;
        case FN_NU_SOFTMAX:
        case FN_NU_LEVERAGE:
            put_scalar(b, nomem, "nu", c->local.nu, 0);
            put_scalar(b, nomem, "local_constant", c->local.local_constant, 1);
            append_raw(b, ",\"derivative\":", 14, nomem);
            put_array(b, nomem, c->n, c->deriv);
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
     * supports whose sums are 1 - 2^-53), the leverage oracle finds a random
     * design exactly rank deficient (BHT_E_SINGULAR), or a search finds no
     * candidate inside the kernel's domain (BHT_E_PRECISION); random
     * families then draw again from the same stream, which keeps the result
     * deterministic. */
    bht_status s = BHT_E_PRECISION;
    for (int attempt = 0; attempt < 16 && (s == BHT_E_PRECISION || s == BHT_E_SINGULAR);
         attempt++) {
        memset(c, 0, sizeof *c);
        c->fn = (int)fn;
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
