/* golden_leverage.c: the families and hooks shared by the golden functions
 * leverage (gen_leverage.c) and leverage_scores (gen_leverage_scores.c)
 * (golden/FORMAT.md): designs A and query weights s, the oracle of
 * Diag(s)^-1 A, flags and rendering; each vector grades c->fn's output, the
 * distribution p (leverage) or the scores h (leverage_scores). */
#include <stdlib.h>

#include "golden/golden_internal.h"

/* Both functions draw from these families (the seeds differ by fn, so the
 * vectors differ): leverage vectors expect p_i = h_ii / d, leverage_scores
 * vectors h_ii.  A random draw that turns out exactly rank deficient (the
 * oracle's BHT_E_SINGULAR) is drawn again from the same stream (see
 * bht_golden_render). */

/* d in 1..8 (mostly small) and n in d..40 (mostly <= d + 16). */
static size_t draw_lev_d(grng *r)
{
    static const gold_tier T[] = {{50, 1, 3}, {85, 4, 6}, {100, 7, 8}};
    return (size_t)bht__gold_draw_tiered(r, T);
}

static size_t draw_lev_n(grng *r, size_t d)
{
    const gold_tier T[] = {{15, 0, 0}, {60, 1, 4}, {92, 5, 16}, {100, 17, 40 - (long)d}};
    return d + (size_t)bht__gold_draw_tiered(r, T);
}

/* Query weights s (length n) of one of five kinds, some signs negative
 * (s_i and -s_i give the same A_s up to row signs); returns the kind. */
static const char *draw_query(grng *r, size_t n, double *s)
{
    long kind = bht__rng_int(r, 0, 4);
    long range = kind == 2 ? bht__rng_int(r, 2, 19) : kind == 3 ? bht__rng_int(r, 20, 195) : 0;
    for (size_t i = 0; i < n; i++) {
        double v;
        switch (kind) {
        case 0:
            v = 1.0;
            break;
        case 1:
            v = 0.5 + 1.5 * bht__rng_unit(r);
            break;
        case 2:
        case 3:
            v = ldexp(1.0 + bht__rng_unit(r), (int)bht__rng_int(r, -range, range));
            break;
        default:
            v = (double)bht__rng_int(r, 1, 9);
            break;
        }
        s[i] = (kind != 0 && bht__rng_int(r, 0, 3) == 0) ? -v : v;
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

/* Sets the shape and s: drawn (draw_query) or ones; returns its description. */
static const char *lev_query(gcase *c, grng *r, size_t n, size_t d, int draw)
{
    lev_shape(c, n, d);
    if (draw)
        return draw_query(r, n, c->s);
    for (size_t k = 0; k < n; k++)
        c->s[k] = 1.0;
    return "s = 1";
}

/* Fills c->A with the rows of a table (n by d) and c->s with s (NULL: ones). */
static void lev_fill(gcase *c, size_t n, size_t d, const double *A, const double *s)
{
    lev_shape(c, n, d);
    memcpy(c->A, A, n * d * sizeof *A);
    for (size_t i = 0; i < n; i++)
        c->s[i] = s ? s[i] : 1.0;
}

/* One hand-picked vector: A (n by d), s (NULL: ones), flags, comment. */
typedef struct lev_row {
    size_t n, d;
    const double *A, *s;
    uint64_t flags;
    const char *comment;
} lev_row;

static void lev_row_fill(gcase *c, const lev_row *t)
{
    lev_fill(c, t->n, t->d, t->A, t->s);
    bht__gold_label(c, t->flags, t->comment);
}

static bht_status lv_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    /* The identity 4 x 4; Hilbert-like 12 x 8, a_ij = 1 / (i + j + 1)
     * rounded; square Vandermonde degree 14 on 1 + k/14 (h = 1, condition
     * ~1e19). */
    double I4[16] = {0}, H[96], V[225];
    for (size_t k = 0; k < 4; k++)
        I4[5 * k] = 1.0;
    for (size_t a = 0; a < 12; a++)
        for (size_t b = 0; b < 8; b++)
            H[a * 8 + b] = 1.0 / (double)(a + b + 1);
    for (size_t a = 0; a < 15; a++) {
        double t = 1.0 + (double)a / 14.0, v = 1.0;
        for (size_t b = 0; b < 15; b++) {
            V[a * 15 + b] = v;
            v *= t;
        }
    }
    const lev_row t[] = {
        {1, 1, VALUES(3.0), VALUES(2.0), FLAG(F_N1), "n = d = 1: h = 1"},
        {3, 1, VALUES(1.0, 1.0, 1.0), NULL, 0, "a column of ones: h_i = 1/3 rounded"},
        {4, 1, VALUES(1.0, 2.0, 3.0, 4.0), NULL, 0, "d = 1, a = (1, 2, 3, 4): h_i = i^2 / 30"},
        {4, 4, I4, NULL, 0, "identity 4 x 4: h = 1"},
        {3, 3, VALUES(2.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 4.0), VALUES(0.1, -7.0, 1e10), 0,
         "square nonsingular 3 x 3, arbitrary s: h = 1"},
        {4, 2, VALUES(1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0), NULL, 0, "[I; I]: h = 1/2"},
        {3, 2, VALUES(1.0, 0.0, 0.0, 1.0, 0.0, 0.0), NULL, 0, "zero third row: h = (1, 1, 0)"},
        {5, 2, VALUES(1.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0, 3.0, 1.0, 4.0), VALUES(1.0, 0x1p-300, 0x1p300, 1e-50, 1e50),
         0, "line fit, s = (1, 2^-300, 2^300, 1e-50, 1e50)"},
        {4, 2, VALUES(1.0, -1.0, 1.0, 0.5, 1.0, 2.0, 1.0, 3.5), VALUES(-1.0, 2.0, -3.0, 4.0), 0,
         "negative s_i (signs do not matter)"},
        {3, 2, VALUES(1.0, 0.0, 3.0, 4.0, 2.0, 8.0), VALUES(0x1p-400, 1.0, 1.0), FLAG(F_BOUNDARY),
         "s_1 = 2^-400 (smallest exponent of the kernel's domain)"},
        {3, 2, VALUES(1.0, 2.0, 3.0, -1.0, 0.5, 0.25), VALUES(0x1.fffffffffffffp-401, 1.0, 1.0), 0,
         "s_1 just below 2^-400: outside the kernel's domain"},
        {3, 2, VALUES(0x1p401, 2.0, 3.0, -1.0, 0.5, 0.25), NULL, 0, "a_11 = 2^401: outside the kernel's domain"},
        {3, 2, VALUES(0x1p200, 1.0, 0x1p-201, 1.0, 1.0, 2.0), NULL, 0,
         "first column spans 2^401 (kernel column range is 2^400)"},
        {3, 2, VALUES(0x1p200, 1.0, 0x1p-200, 1.0, 1.0, 2.0), NULL, FLAG(F_BOUNDARY),
         "first column spans exactly 2^400 (kernel column range)"},
        {3, 2, VALUES(0x1p-1074, 1.0, 0.0, 1.0, 0.0, 1.0), NULL, 0,
         "a_11 = 2^-1074 alone in its column: h = (1, 1/2, 1/2)"},
        {3, 2, VALUES(DBL_MAX, 0.0, 0.0, DBL_MAX, DBL_MAX, DBL_MAX), NULL, 0, "entries DBL_MAX: h = 2/3"},
        {2, 1, VALUES(1.0, 1.0), VALUES(1.0, 0x1p525), 0, "s_2 = 2^525: h_2 = 1 / (1 + 2^1050) is subnormal"},
        {2, 1, VALUES(1.0, 1.0), VALUES(1.0, 0x1p540), 0, "s_2 = 2^540: h_2 ~ 2^-1080 rounds to 0"},
        {3, 2, VALUES(1.0, 1.0, 1.0, 1.0, 1.0, 0x1.0000000000001p0), NULL, FLAG(F_ILL),
         "columns differ in one ulp (condition ~2^53): h = (1/2, 1/2, 1)"},
        {3, 2, VALUES(1.0, 1.0, 1.0, 1.0, 1.0, 1.0 + 0x1p-30), NULL, FLAG(F_ILL),
         "columns differ by 2^-30 in one entry: h = (1/2, 1/2, 1)"},
        {12, 8, H, NULL, FLAG(F_ILL), "Hilbert-like 12 x 8: a_ij = RN(1 / (i + j + 1))"},
        {15, 15, V, NULL, FLAG(F_VANDERMONDE) | FLAG(F_ILL), "square Vandermonde, degree 14, nodes 1 + k/14: h = 1"},
        {3, 2, VALUES(1e300, 2e300, -3e299, 1e-300, 5e299, 7e299), NULL, 0, "entries near 1e300 and 1e-300"},
        {3, 2, VALUES(1.0, 2.0, 1.0, 2.0, 3.0, 1.0), NULL, 0, "two identical rows"},
        {3, 2, VALUES(1.0, -0.0, 0.0, 1.0, 1.0, 1.0), VALUES(1.0, 1.0, -0x1p-1), FLAG(F_SIGNED_ZERO),
         "a_12 = -0, s_3 = -1/2"},
        {3, 2, VALUES(0x1.fffffffffffffp400, 2.0, 3.0, 0x1p400, 2.0, 8.0),
         VALUES(0x1.fffffffffffffp400, 0x1p400, -0x1.8p400), FLAG(F_BOUNDARY),
         "s_i and a_11, a_22 near 2^400 and 2^401 - ulp (largest exponent of the kernel's domain)"},
    };
    lev_row_fill(c, &t[i]);
    return BHT_OK;
}
#define LV_SPECIAL_COUNT 26

static bht_status lv_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t d = draw_lev_d(r), n = draw_lev_n(r, d);
    const char *design = bht__gold_draw_design(r, n, d, c->A, &c->flags);
    const char *query = draw_query(r, n, c->s);
    lev_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    bht__gold_comment(c, "random design: %s; %s", design, query);
    return BHT_OK;
}

/* Vandermonde a_kj = t_k^j (powers by repeated rounded multiplication),
 * degree 8 + (i mod 7), six node sets. */
static bht_status lv_vandermonde(gcase *c, size_t i, grng *r)
{
    static const char *const node_names[] = {
        "equispaced in [0, 1]", "equispaced in [-1, 1]", "random in [-1, 1)",
        "equispaced in [1, 2]", "(k / (n-1))^2 (clustered at 0)", "equispaced in [-1, 1]"};
    size_t deg = 8 + i % 7, d = deg + 1, n = d + (size_t)bht__rng_int(r, 0, 10);
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
    const char *query = lev_query(c, r, n, d, nodes == 5);
    c->flags |= FLAG(F_VANDERMONDE) | FLAG(F_ILL);
    bht__gold_comment(c, "Vandermonde degree %zu, n = %zu, nodes %s; %s", deg, n, node_names[nodes],
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
    size_t d = (size_t)bht__rng_int(r, 1, 5), n = d + (size_t)bht__rng_int(r, 0, 10);
    size_t kind = i % 4;
    double row[40], col[8];
    for (size_t k = 0; k < n * d; k++)
        c->A[k] = rng_sym(r);
    for (size_t k = 0; k < n; k++)
        row[k] = 1.0;
    for (size_t j = 0; j < d; j++)
        col[j] = 1.0;
    for (size_t k = 0; k < n && kind != 1; k++)
        row[k] = kind == 3 ? ldexp(1.0 + bht__rng_unit(r), (int)bht__rng_int(r, -30, 30))
                           : ldexp(1.0, (int)bht__rng_int(r, kind == 0 ? -60 : -150,
                                                     kind == 0 ? 60 : 150));
    for (size_t j = 0; j < d && kind != 0; j++)
        col[j] = kind == 3 ? ldexp(1.0 + bht__rng_unit(r), (int)bht__rng_int(r, -30, 30))
                           : ldexp(1.0, (int)bht__rng_int(r, kind == 1 ? -300 : -150,
                                                     kind == 1 ? 300 : 150));
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < d; j++)
            c->A[k * d + j] = c->A[k * d + j] * row[k] * col[j];
    const char *query = lev_query(c, r, n, d, (i / 4) % 2);
    c->flags |= FLAG(F_SCALED) | FLAG(F_RANDOM);
    bht__gold_comment(c, "scaled design: %s; %s", kinds[kind], query);
    return BHT_OK;
}
#define LV_SCALED_COUNT 64

/* Nearly collinear columns: column j2 = column j1 + 2^-k noise. */
static bht_status lv_ill(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t d = (size_t)bht__rng_int(r, 2, 6), n = d + (size_t)bht__rng_int(r, 1, 12);
    for (size_t k = 0; k < n * d; k++)
        c->A[k] = rng_sym(r);
    size_t j1 = (size_t)bht__rng_int(r, 0, (long)d - 1);
    size_t j2 = (j1 + (size_t)bht__rng_int(r, 1, (long)d - 1)) % d;
    int sh = (int)bht__rng_int(r, 16, 52);
    for (size_t k = 0; k < n; k++)
        c->A[k * d + j2] = c->A[k * d + j1] + ldexp(rng_sym(r), -sh);
    const char *query = draw_query(r, n, c->s);
    lev_shape(c, n, d);
    c->flags |= FLAG(F_ILL) | FLAG(F_RANDOM);
    bht__gold_comment(c, "column %zu = column %zu + 2^-%d noise; %s", j2 + 1, j1 + 1, sh, query);
    return BHT_OK;
}
#define LV_ILL_COUNT 48

enum { LV_MAXN = 13, LV_MAXD = 5 };
typedef struct lv_cand {
    size_t n, d;
    double A[LV_MAXN * LV_MAXD], s[LV_MAXN], q[LV_MAXN], g[LV_MAXN];
} lv_cand;

static bht_status lv_try(const gold_search *s, int fn, void *cand, grng *r, double *err, uint64_t *fl)
{
    (void)s;
    lv_cand *t = cand;
    size_t d = t->d = (size_t)bht__rng_int(r, 1, LV_MAXD), n = t->n = d + (size_t)bht__rng_int(r, 0, LV_MAXN - LV_MAXD);
    double p[LV_MAXN], h[LV_MAXN];
    (void)bht__gold_draw_design(r, n, d, t->A, fl);
    (void)draw_query(r, n, t->s);
    if (bht_leverage(n, d, t->A, t->s, p, h, NULL) != BHT_OK)
        return BHT_OK;
    bht_status st = bht_oracle_leverage(n, d, t->A, t->s, t->q, t->g, NULL, NULL, NULL);
    if (st == BHT_E_SINGULAR)
        return BHT_OK;
    if (st == BHT_OK)
        *err = fn == FN_LEVERAGE ? bht__gold_search_score(n, p, t->q) : bht__gold_search_score(n, h, t->g);
    return st;
}

static void lv_keep(const void *cand, gcase *c)
{
    const lv_cand *t = cand;
    lev_shape(c, t->n, t->d);
    memcpy(c->A, t->A, t->n * t->d * sizeof *t->A);
    memcpy(c->s, t->s, t->n * sizeof *t->s);
    memcpy(c->p, t->q, t->n * sizeof *t->q);
    memcpy(c->h, t->g, t->n * sizeof *t->g);
}

static const gold_search LV_SEARCH = {100, sizeof(lv_cand), lv_try, lv_keep, NULL};

static bht_status lv_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double base[6] = {1.0, 0.0, 0.0, 1.0, 1.0, 1.0};
    c->invalid = 1;
    lev_fill(c, 3, 2, base, NULL);
    static const gold_invalid EDITS[] = {
        {{{"s", 1, 0.0}}, FLAG(F_INV_ZERO_S), "s_2 = 0"},
        {{{"s", 2, -0.0}}, FLAG(F_INV_ZERO_S) | FLAG(F_SIGNED_ZERO), "s_3 = -0"},
        {{{"s", 0, 0.0}, {"s", 1, 0.0}, {"s", 2, 0.0}}, FLAG(F_INV_ZERO_S), "s = 0"},
        [5] = {{{"slen", 0, 2}}, FLAG(F_INV_SHAPE), "A has 3 rows, s has 2 entries"},
        {{{"slen", 0, 4}, {"s", 3, 1.0}}, FLAG(F_INV_SHAPE), "A has 3 rows, s has 4 entries"},
        {{{"n", 0, 0}, {"slen", 0, 0}}, FLAG(F_INV_EMPTY), "A has no rows and s is empty"},
        {{{"d", 0, 0}}, FLAG(F_INV_EMPTY), "A has no columns"},
        {{{"A", 2, NAN}}, FLAG(F_INV_NONFINITE), "NaN in A"},
        {{{"A", 1, INFINITY}}, FLAG(F_INV_NONFINITE), "+inf in A"},
        {{{"A", 5, -INFINITY}}, FLAG(F_INV_NONFINITE), "-inf in A"},
        {{{"s", 0, NAN}}, FLAG(F_INV_NONFINITE), "NaN in s"},
        {{{"s", 2, INFINITY}}, FLAG(F_INV_NONFINITE), "s_3 = +inf (row 3 of A_s would be 0, but inf is not a weight)"},
    };
    if (INVALID_ENTRY(c, EDITS, i))
        return BHT_OK;
    /* Vandermonde with only 3 distinct nodes and 4 columns: rank 3. */
    static const double nodes[6] = {0.0, 1.0, 2.0, 0.0, 1.0, 2.0};
    double V[24];
    for (size_t k = 0; k < 6; k++) {
        double v = 1.0;
        for (size_t j = 0; j < 4; j++) {
            V[k * 4 + j] = v;
            v *= nodes[k];
        }
    }
    const lev_row t[] = {
        [3] = {2, 3, VALUES(1.0, 2.0, 3.0, 4.0, 5.0, 7.0), NULL, FLAG(F_INV_SHAPE), "n = 2 < d = 3"},
        {1, 2, VALUES(1.0, 2.0), NULL, FLAG(F_INV_SHAPE), "n = 1 < d = 2"},
        /* Exactly rank deficient designs. */
        [14] = {3, 2, VALUES(1.0, 0.0, 2.0, 0.0, 3.0, 0.0), NULL, FLAG(F_INV_RANK), "zero column"},
        {3, 2, VALUES(0.1, 0.1, 0.7, 0.7, -3.0, -3.0), NULL, FLAG(F_INV_RANK), "two identical columns"},
        {4, 3, VALUES(1.0, 2.0, 3.0, -1.0, 5.0, 4.0, 2.0, 2.0, 4.0, 7.0, -3.0, 4.0), NULL, FLAG(F_INV_RANK),
         "column 3 = column 1 + column 2"},
        {6, 4, V, NULL, FLAG(F_INV_RANK) | FLAG(F_VANDERMONDE),
         "Vandermonde degree 3 on 3 distinct nodes (each twice): rank 3"},
        {3, 2, VALUES(1e300, 2e300, -3e299, -6e299, 1e-300, 2e-300), NULL, FLAG(F_INV_RANK),
         "column 2 = 2 column 1 at scales 1e300 and 1e-300"},
        {3, 3, VALUES(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0), NULL, FLAG(F_INV_RANK),
         "square singular [1 2 3; 4 5 6; 7 8 9]"},
        {4, 2, VALUES(3.0, 0x1.8p-999, 1.0, 0x1p-1000, -5.0, -0x1.4p-998, 7.0, 0x1.cp-998),
         VALUES(1.0, 0x1p-300, 0x1p300, 1e-20), FLAG(F_INV_RANK), "column 2 = 2^-1000 column 1, strongly varying s"},
        {3, 2, VALUES(0x1p-1074, 0x1.8p-1073, 0x1p-1073, 0x1.8p-1072, 0.0, 0.0), NULL,
         FLAG(F_INV_RANK) | FLAG(F_SUBNORMAL_IN), "subnormal entries, column 2 = 3 column 1"},
        {3, 2, VALUES(0.0, 0.0, 0.0, 0.0, 0.0, 0.0), NULL, FLAG(F_INV_RANK), "A = 0"},
    };
    lev_row_fill(c, &t[i]);
    /* Self-check: the oracle must decide exact rank deficiency. */
    double p[8], h[8];
    if ((t[i].flags & FLAG(F_INV_RANK)) &&
        bht_oracle_leverage(c->n, c->d, c->A, c->s, p, h, NULL, NULL, NULL) != BHT_E_SINGULAR)
        return BHT_E_INVALID;
    return BHT_OK;
}
#define LV_INVALID_COUNT 23

const family bht__gold_leverage_families[] = {
    {"special", LV_SPECIAL_COUNT, lv_special, FLAG(F_SPECIAL), NULL},
    {"random", 300, lv_random, 0, NULL},
    {"vandermonde", LV_VANDERMONDE_COUNT, lv_vandermonde, 0, NULL},
    {"scaled", LV_SCALED_COUNT, lv_scaled, 0, NULL},
    {"ill", LV_ILL_COUNT, lv_ill, 0, NULL},
    {"worst", 40, bht__gold_worst, 0, &LV_SEARCH},
    {"invalid", LV_INVALID_COUNT, lv_invalid, 0, NULL},
};

static bht_status expected(gcase *c)
{
    return bht_oracle_leverage(c->n, c->d, c->A, c->s, c->p, c->h, NULL, NULL, NULL);
}

/* The graded output: p (leverage) or h (leverage_scores). */
static const double *graded(const gcase *c) { return c->fn == FN_LEVERAGE ? c->p : c->h; }

static void flags(gcase *c)
{
    bht__gold_flag_subnormal_in(c, c->n * c->d, c->A);
    bht__gold_flag_query(c);
    if (!c->invalid) {
        double p[G_MAX_N], h[G_MAX_N];
        bht__gold_flag_verdict(c, bht_leverage(c->n, c->d, c->A, c->s, p, h, NULL));
        if (c->n == c->d)
            c->flags |= FLAG(F_SQUARE);
    }
    bht__gold_flag_shape(c);
    bht__gold_flag_outputs(c, c->invalid ? 0 : c->n, graded(c));
}

static void inputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_matrix(b, nomem, "A", 0, c->n, c->d, c->A);
    bht__gold_put_array(b, nomem, "s", 1, c->slen, c->s);
}

static void outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_array(b, nomem, c->fn == FN_LEVERAGE ? "p" : "h", 0, c->n, graded(c));
}

const gold_hooks bht__gold_leverage_hooks = {expected, flags, inputs, outputs};
