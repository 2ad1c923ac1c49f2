/* gen_distance.c: golden function distance (golden/FORMAT.md).
 *
 * distance: H^2, H and TV between two distributions P and Q. */
#include <stdlib.h>

#include "golden/golden_internal.h"

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
    switch (bht__rng_int(r, 0, 4)) {
    case 0:
        for (size_t i = 0; i < n; i++)
            w[i] = bht__rng_unit(r);
        return "uniform weights";
    case 1: {
        long k = bht__rng_int(r, 2, 8);
        for (size_t i = 0; i < n; i++) {
            double u = bht__rng_unit(r), v = u;
            for (long j = 1; j < k; j++)
                v *= u;
            w[i] = v;
        }
        return "weights u^k (heavy near 0)";
    }
    case 2:
        for (size_t i = 0; i < n; i++)
            w[i] = bht__rng_int(r, 0, 2) ? 0.0 : bht__rng_unit(r);
        return "sparse weights";
    case 3: {
        long range = bht__rng_int(r, 10, 1100);
        for (size_t i = 0; i < n; i++)
            w[i] = ldexp(0.5 + 0.5 * bht__rng_unit(r), -(int)bht__rng_int(r, 0, range));
        if (range > 960)
            *flags |= FLAG(F_SUBNORMAL_IN);
        return "weights 2^-k, k up to 1100";
    }
    default:
        for (size_t i = 0; i < n; i++)
            w[i] = (double)bht__rng_int(r, 0, 5);
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
        bht__gold_label(c, t[i].flags, t[i].comment);
        return BHT_OK;
    }
    switch (i - table) {
    case 0:
        c->n = c->qlen = 300;
        for (size_t k = 0; k < 300; k++) {
            c->P[k] = 1.0 / 300.0;
            c->Q[k] = k == 0 ? 1.0 : 0.0;
        }
        bht__gold_comment(c, "uniform (1/300 rounded) vs point mass");
        break;
    default:
        c->n = c->qlen = 64;
        for (size_t k = 0; k < 64; k++) {
            c->P[k] = 1.0 / 64.0;
            c->Q[k] = (k % 2) ? 1.0 / 32.0 : 0.0;
        }
        bht__gold_comment(c, "uniform on 64 vs uniform on the odd half");
        break;
    }
    return BHT_OK;
}
#define DI_SPECIAL_COUNT 18

static bht_status di_near(gcase *c, size_t i, grng *r)
{
    size_t n = (size_t)bht__rng_int(r, 2, 64);
    uint64_t fl = 0;
    const char *kind = draw_distribution(r, n, c->P, &fl);
    int sh = (int)bht__rng_int(r, 10, 52);
    for (int attempt = 0;; attempt++) {
        memcpy(c->Q, c->P, n * sizeof(double));
        /* Move mass t between neighbours: t = min(p_k, p_k+1) 2^-sh u. */
        for (size_t k = 0; k + 1 < n; k += 2) {
            double m = c->P[k] < c->P[k + 1] ? c->P[k] : c->P[k + 1];
            double t = ldexp(m * bht__rng_unit(r), -sh);
            c->Q[k] = c->P[k] + t;
            c->Q[k + 1] = c->P[k + 1] - t;
        }
        if (bht_check_distribution(n, c->Q, NULL, NULL) == BHT_OK || attempt == 8)
            break;
    }
    if (bht_check_distribution(n, c->Q, NULL, NULL) != BHT_OK)
        memcpy(c->Q, c->P, n * sizeof(double));
    c->n = c->qlen = n;
    c->flags |= fl | FLAG(F_NEAR);
    bht__gold_comment(c, "near-identical (case %zu): P from %s, mass moved by 2^-%d relative", i, kind,
                sh);
    return BHT_OK;
}

static bht_status di_disjoint(gcase *c, size_t i, grng *r)
{
    size_t n = (size_t)bht__rng_int(r, 2, 64);
    double w[G_MAX_N], v[G_MAX_N];
    int partial = (i % 2) == 1;
    for (int attempt = 0;; attempt++) {
        size_t inP = 0, inQ = 0;
        for (size_t k = 0; k < n; k++) {
            long side = bht__rng_int(r, 0, partial ? 2 : 1); /* 0: P, 1: Q, 2: both */
            w[k] = (side == 0 || side == 2) ? bht__rng_unit(r) + 0x1p-10 : 0.0;
            v[k] = (side == 1 || side == 2) ? bht__rng_unit(r) + 0x1p-10 : 0.0;
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
    c->flags |= partial ? 0 : FLAG(F_DISJOINT);
    bht__gold_comment(c, "%s supports (case %zu)", partial ? "partially overlapping" : "disjoint", i);
    return BHT_OK;
}

static bht_status di_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n = bht__gold_draw_n(r);
    const char *kp = draw_distribution(r, n, c->P, &c->flags);
    const char *kq = draw_distribution(r, n, c->Q, &c->flags);
    c->n = c->qlen = n;
    bht__gold_comment(c, "random: P from %s, Q from %s", kp, kq);
    return BHT_OK;
}

enum { DI_MAXN = 16 };
typedef struct di_cand {
    size_t n;
    double P[DI_MAXN], Q[DI_MAXN];
    bht_distances od;
} di_cand;

static bht_status di_try(const gold_search *s, int fn, void *cand, grng *r, double *err, uint64_t *fl)
{
    (void)s;
    (void)fn;
    di_cand *t = cand;
    size_t n = t->n = (size_t)bht__rng_int(r, 2, DI_MAXN);
    double *P = t->P, *Q = t->Q;
    (void)draw_distribution(r, n, P, fl);
    if (bht__rng_int(r, 0, 1)) {
        (void)draw_distribution(r, n, Q, fl);
    } else {
        int sh = (int)bht__rng_int(r, 1, 40);
        memcpy(Q, P, n * sizeof *P);
        for (size_t j = 0; j + 1 < n; j += 2) {
            double m = P[j] < P[j + 1] ? P[j] : P[j + 1];
            double d = ldexp(m * bht__rng_unit(r), -sh);
            Q[j] = P[j] + d;
            Q[j + 1] = P[j + 1] - d;
        }
        if (bht_check_distribution(n, Q, NULL, NULL) != BHT_OK)
            return BHT_OK;
    }
    bht_distances kd;
    if (bht_distance(n, P, Q, &kd) != BHT_OK)
        return BHT_OK;
    bht_status st = bht_oracle_distance(n, P, Q, &t->od, NULL, NULL);
    if (st == BHT_OK)
        *err = bht__gold_distances_score(&kd, &t->od);
    return st;
}

static void di_keep(const void *cand, gcase *c)
{
    const di_cand *t = cand;
    c->n = c->qlen = t->n;
    memcpy(c->P, t->P, t->n * sizeof *t->P);
    memcpy(c->Q, t->Q, t->n * sizeof *t->Q);
    c->dist = t->od;
}

static const gold_search DI_SEARCH = {600, sizeof(di_cand), di_try, di_keep, NULL};

/* The invalid vectors. */
static const struct {
    size_t n, qlen;
    double P[3], Q[3];
    int flag;
    const char *comment;
} DI_INVALID[] = {
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

static bht_status di_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    c->invalid = 1;
    c->n = DI_INVALID[i].n;
    c->qlen = DI_INVALID[i].qlen;
    memcpy(c->P, DI_INVALID[i].P, sizeof DI_INVALID[i].P);
    memcpy(c->Q, DI_INVALID[i].Q, sizeof DI_INVALID[i].Q);
    bht__gold_label(c, FLAG(DI_INVALID[i].flag), DI_INVALID[i].comment);
    return BHT_OK;
}

static const family DI_FAMILIES[] = {
    {"special", DI_SPECIAL_COUNT, di_special, FLAG(F_SPECIAL), NULL},
    {"near", 400, di_near, FLAG(F_RANDOM), NULL},
    {"disjoint", 100, di_disjoint, FLAG(F_RANDOM), NULL},
    {"random", 2300, di_random, FLAG(F_RANDOM), NULL},
    {"worst", 150, bht__gold_worst, 0, &DI_SEARCH},
    {"invalid", COUNT_OF(DI_INVALID), di_invalid, 0, NULL},
};

static bht_status expected(gcase *c)
{
    return bht_oracle_distance(c->n, c->P, c->Q, &c->dist, NULL, NULL);
}

static void flags(gcase *c)
{
    bht__gold_flag_subnormal_in(c, c->n, c->P);
    bht__gold_flag_subnormal_in(c, c->qlen, c->Q);
    bht__gold_flag_distance_outputs(c);
    if (c->n > 64)
        c->flags |= FLAG(F_LARGE_N);
}

static void inputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_array(b, nomem, "P", 0, c->n, c->P);
    bht__gold_put_array(b, nomem, "Q", 1, c->qlen, c->Q);
}

const golden_fn bht__gold_fn_distance = {
    "distance", 500000, 1.0, FAMILIES(DI_FAMILIES),
    &(const gold_hooks){expected, flags, inputs, bht__gold_put_distances}};
