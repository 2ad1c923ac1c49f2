/* gen_softmax_logits.c: golden function softmax_logits (golden/FORMAT.md).
 *
 * softmax_logits: p = softmax(z) for a logit vector z. */
#include <stdlib.h>

#include "golden/golden_internal.h"

static const double LN_SCALES[] = {0x1p-30, 1e-8, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0,
                                   300.0, 745.0, 1000.0, 1e4, 1e6, 1e15, 1e300};
#define LN_SCALE_COUNT (sizeof LN_SCALES / sizeof LN_SCALES[0])

/* Fills z[0..n) with one of six shapes at scale s; returns the shape's name. */
static const char *draw_logits(grng *r, size_t n, double s, double *z)
{
    switch (bht__rng_int(r, 0, 5)) {
    case 0:
        for (size_t i = 0; i < n; i++)
            z[i] = s * rng_sym(r);
        return "uniform";
    case 1: {
        long k = bht__rng_int(r, 1, 50);
        for (size_t i = 0; i < n; i++)
            z[i] = s * ((double)bht__rng_int(r, -k, k) / (double)k);
        return "integer grid";
    }
    case 2: {
        double v[3] = {s * rng_sym(r), s * rng_sym(r), s * rng_sym(r)};
        for (size_t i = 0; i < n; i++)
            z[i] = v[bht__rng_int(r, 0, 2)];
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
        z[bht__rng_int(r, 0, (long)n - 1)] += s;
        return "dominant";
    default: {
        double gap = 4.0 * s;
        for (size_t i = 0; i < n; i++)
            z[i] = s * 0.5 * rng_sym(r) - (bht__rng_int(r, 0, 1) ? gap : 0.0);
        return "two clusters";
    }
    }
}

/* n equal logits v (uniform result). */
static void ln_equal(gcase *c, size_t n, double v)
{
    c->n = n;
    for (size_t k = 0; k < n; k++)
        c->z[k] = v;
    c->flags |= FLAG(F_EQUAL);
    bht__gold_comment(c, "%zu equal logits", n);
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
        bht__gold_label(c, t[i].flags, t[i].comment);
        return BHT_OK;
    }
    switch (i - table) {
    case 0:
        ln_equal(c, 64, -3.0);
        break;
    case 1:
        ln_equal(c, 300, 7.0);
        break;
    case 2:
        c->n = 300;
        for (size_t k = 0; k < 300; k++)
            c->z[k] = 0.1 * (double)k;
        bht__gold_comment(c, "ramp z_k = 0.1 k, n = 300");
        break;
    case 3:
        c->n = 64;
        for (size_t k = 0; k < 64; k++)
            c->z[k] = -12.0 * (double)k;
        bht__gold_comment(c, "ramp z_k = -12 k, n = 64 (down to subnormal and zero)");
        break;
    case 4:
        c->n = 64;
        for (size_t k = 0; k < 64; k++)
            c->z[k] = 0.0;
        c->z[17] = 50.0;
        bht__gold_comment(c, "one logit 50 among 63 zeros");
        break;
    default:
        c->n = 64;
        for (size_t k = 0; k < 64; k++)
            c->z[k] = (k % 2) ? 1e300 : -1e300;
        c->flags |= FLAG(F_LARGE_LOGITS);
        bht__gold_comment(c, "alternating +-1e300, n = 64");
        break;
    }
    return BHT_OK;
}
#define LN_SPECIAL_COUNT 39

static bht_status ln_gap(gcase *c, size_t i, grng *r)
{
    /* gap g = 700 + (i + u) / 4 in [700, 800]: exp(-g) is subnormal or 0. */
    double g = 700.0 + ((double)(i / 2) + ((i % 2) ? bht__rng_unit(r) : 0.0)) * 0.25;
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
    bht__gold_comment(c, "logit gap %.17g", g);
    return BHT_OK;
}
#define LN_GAP_COUNT 802

static bht_status ln_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    c->n = bht__gold_draw_n(r);
    double s = LN_SCALES[bht__rng_int(r, 0, LN_SCALE_COUNT - 1)];
    const char *shape = draw_logits(r, c->n, s, c->z);
    c->flags |= FLAG(F_RANDOM);
    bht__gold_comment(c, "random logits: %s, scale %g", shape, s);
    return BHT_OK;
}

static void ln_draw(void *cand, grng *r, uint64_t *fl)
{
    gold_softmax_cand *t = cand;
    static const double scales[] = {1.0, 10.0, 100.0, 700.0, 1e4};
    (void)fl;
    t->n = (size_t)bht__rng_int(r, 2, 12);
    double s = scales[bht__rng_int(r, 0, 4)];
    (void)draw_logits(r, t->n, s, t->z);
}

static const gold_search LN_SEARCH = {1000, sizeof(gold_softmax_cand), bht__gold_softmax_try, bht__gold_softmax_keep, ln_draw};

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
        bht__gold_label(c, FLAG(F_INV_NONFINITE), t[i].comment);
        return BHT_OK;
    }
    c->n = 0;
    c->flags |= FLAG(F_INV_EMPTY);
    bht__gold_comment(c, "empty logit vector (n = 0)");
    return BHT_OK;
}
#define LN_INVALID_COUNT 12

static bht_status ln_beyond(gcase *c, size_t i, grng *r)
{
    c->n = (size_t)bht__rng_int(r, 2, 8);
    for (size_t k = 0; k < c->n; k++)
        c->z[k] = rng_sym(r) * 100.0;
    /* One to n logits beyond 2^1020: values in (2^1020, DBL_MAX]. */
    size_t m = (size_t)bht__rng_int(r, 1, (long)c->n);
    for (size_t k = 0; k < m; k++) {
        double big = ldexp(1.0 + bht__rng_unit(r), 1020 + (int)bht__rng_int(r, 0, 3));
        if (big <= 0x1p1020)
            big = 0x1.0000000000001p1020;
        c->z[bht__rng_int(r, 0, (long)c->n - 1)] = (bht__rng_int(r, 0, 1) ? big : -big);
    }
    c->flags |= FLAG(F_RANDOM);
    bht__gold_comment(c, "logits beyond 2^1020 (case %zu)", i);
    return BHT_OK;
}
#define LN_BEYOND_COUNT 40

static const family LN_FAMILIES[] = {
    {"special", LN_SPECIAL_COUNT, ln_special, FLAG(F_SPECIAL), NULL},
    {"gap", LN_GAP_COUNT, ln_gap, 0, NULL},
    {"random", 2600, ln_random, 0, NULL},
    {"worst", 150, bht__gold_worst, 0, &LN_SEARCH},
    {"invalid", LN_INVALID_COUNT, ln_invalid, 0, NULL},
    {"beyond", LN_BEYOND_COUNT, ln_beyond, 0, NULL},
};

const golden_fn bht__gold_fn_softmax_logits = {
    "softmax_logits", 100000, 1.0, FAMILIES(LN_FAMILIES),
    &bht__gold_softmax_hooks};
