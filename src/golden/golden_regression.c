/* golden_regression.c: the families and hooks shared by the softmax-regression
 * golden functions regression_loss, regression_gradient and
 * regression_hessian (gen_regression_<output>.c; golden/FORMAT.md): their
 * families, oracle, flags and rendering.
 *
 * Inputs (A, b, w, x): n <= 12 rows, d <= 4 columns (the corpus stays small);
 * w is always written, all zeros meaning "no regularization".  The families
 * aim at the hazards of L(x) = 1/2 |softmax(A x) - b|^2 + 1/2 |diag(w) A x|^2:
 * large logits, f ~ b (cancellation in f - b), tied logits, extreme scaling
 * of A against x, and the kernel's domain edge |entry| = 2^100.  Each vector
 * grades one output (c->fn's); the kernel is asked for that output only, so
 * beyond_kernel_domain marks exactly the vectors whose graded output it
 * refuses. */
#include <stdlib.h>

#include "golden/golden_internal.h"

static int is_gradient(const gcase *c) { return c->fn == FN_REGRESSION_GRADIENT; }
static int is_hessian(const gcase *c) { return c->fn == FN_REGRESSION_HESSIAN; }

/* n in 1..12 (mostly 2..8), d in 1..4. */
static void draw_shape(grng *r, size_t *n, size_t *d)
{
    static const gold_tier T[] = {{5, 1, 1}, {85, 2, 8}, {100, 9, 12}};
    *n = (size_t)bht__gold_draw_tiered(r, T);
    *d = (size_t)bht__rng_int(r, 1, 4);
}

static void reg_shape(gcase *c, size_t n, size_t d)
{
    c->n = c->blen = c->wlen = n;
    c->d = c->xlen = d;
}

/* Target b: a distribution, one-hot, uniform 1/n, or arbitrary reals. */
static const char *draw_target(grng *r, size_t n, double *b)
{
    switch (bht__rng_int(r, 0, 3)) {
    case 0: {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++)
            sum += b[i] = 0.125 + bht__rng_unit(r);
        for (size_t i = 0; i < n; i++)
            b[i] /= sum;
        return "b a distribution";
    }
    case 1: {
        size_t k = (size_t)bht__rng_int(r, 0, (long)n - 1);
        for (size_t i = 0; i < n; i++)
            b[i] = i == k ? 1.0 : 0.0;
        return "b one-hot";
    }
    case 2:
        for (size_t i = 0; i < n; i++)
            b[i] = 1.0 / (double)n;
        return "b = 1/n";
    default:
        for (size_t i = 0; i < n; i++)
            b[i] = 2.0 * rng_sym(r);
        return "b in [-2, 2)";
    }
}

/* Weights w: zero (half the time) or uniform at a scale 2^-10 .. 2^4. */
static const char *draw_weights(grng *r, size_t n, double *w)
{
    if (bht__rng_int(r, 0, 1) == 0) {
        for (size_t i = 0; i < n; i++)
            w[i] = 0.0;
        return "w = 0";
    }
    int e = (int)bht__rng_int(r, -10, 4);
    for (size_t i = 0; i < n; i++)
        w[i] = ldexp(bht__rng_unit(r), e);
    return "w uniform";
}

/* One random problem (A by bht__gold_draw_design, x at one of five scales). */
typedef struct rg_drawn {
    const char *a, *b, *w; /* the descriptions of A, b and w */
} rg_drawn;

static rg_drawn draw_problem(gcase *c, grng *r)
{
    size_t n, d;
    rg_drawn g;
    draw_shape(r, &n, &d);
    g.a = bht__gold_draw_design(r, n, d, c->A, &c->flags);
    g.b = draw_target(r, n, c->b);
    g.w = draw_weights(r, n, c->w);
    (void)bht__gold_draw_query_x(r, d, c->x);
    reg_shape(c, n, d);
    return g;
}

static void fill(gcase *c, size_t n, size_t d, const double *A, const double *b,
                 const double *w, const double *x)
{
    reg_shape(c, n, d);
    memcpy(c->A, A, n * d * sizeof *A);
    memcpy(c->b, b, n * sizeof *b);
    for (size_t i = 0; i < n; i++)
        c->w[i] = w ? w[i] : 0.0;
    memcpy(c->x, x, d * sizeof *x);
}

static bht_status rg_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    /* The 4 x 2 problem A42, x2, with weights w4. */
    static const double A42[8] = {1.0, -0.5, 2.0, 0.25, -1.5, 1.0, 0.5, 3.0};
    static const double x2[2] = {0.75, -1.25}, w4[4] = {0.5, 1.0, 0.0, 2.0};
    static const double q4[4] = {0.25, 0.25, 0.25, 0.25}, e4[4] = {1.0, 0.0, 0.0, 0.0};
    static const double A32[6] = {1.0, 2.0, 1.0, 2.0, -0.5, 1.0};
    static const double b3[3] = {0.2, 0.3, 0.5}, zero2[2] = {0.0, 0.0};
    /* A42 scaled by 2^e, x2 by 2^-(e+1) (the logits halve), e = -520 and
     * 90; A42 with a_21 = 2^e and x = (2^-e, 0.5), e = 100 and 101: the
     * kernel's domain edge. */
    static const int es[2] = {-520, 90}, eb[2] = {100, 101};
    double As[2][8], xs[2][2], Ab[2][8], xb[2][2];
    for (size_t m = 0; m < 2; m++) {
        for (size_t k = 0; k < 8; k++) {
            As[m][k] = ldexp(A42[k], es[m]);
            Ab[m][k] = A42[k];
        }
        xs[m][0] = ldexp(x2[0], -es[m] - 1);
        xs[m][1] = ldexp(x2[1], -es[m] - 1);
        Ab[m][2] = ldexp(1.0, eb[m]);
        xb[m][0] = ldexp(1.0, -eb[m]);
        xb[m][1] = 0.5;
    }
    const struct {
        size_t n, d;
        const double *A, *b, *w, *x; /* w NULL: zeros */
        uint64_t flags;
        const char *comment;
    } t[] = {
        {4, 2, A42, q4, NULL, zero2, FLAG(F_EQUAL) | FLAG(F_NEAR_TARGET),
         "x = 0, b = 1/4 = softmax: loss and gradient exactly 0"},
        {4, 2, A42, e4, w4, zero2, FLAG(F_EQUAL), "x = 0, b one-hot, w != 0: every value rational"},
        {1, 2, VALUES(1.5, -2.0), VALUES(0.5), NULL, x2, 0, "n = 1: f = 1, gradient and Hessian exactly 0"},
        {1, 2, VALUES(1.5, -2.0), VALUES(0.5), VALUES(2.0), x2, 0, "n = 1, w = 2: only the regularization curves L"},
        {3, 1, VALUES(1.0, 2.0, 3.0), b3, NULL, VALUES(0.5), 0, "d = 1, b a distribution"},
        {3, 2, VALUES(1000.0, 0.0, 0.0, 1000.0, -1000.0, 0.0), b3, NULL, VALUES(1.0, 0.999), 0,
         "logits 1000, 999, -1000: f_3 = e^-2000 relative"},
        {3, 2, VALUES(3000.0, -700.0, 3000.0, -700.0, -2.0, 5.0), b3, w4, VALUES(1.0, 2.0), FLAG(F_TIED_LOGITS),
         "two tied logits 1600 and one at 8: f ~ (1/2, 1/2, e^-1592)"},
        {3, 2, A32, b3, NULL, x2, FLAG(F_TIED_LOGITS), "rows 1 and 2 of A equal: tied logits"},
        {4, 2, As[0], e4, NULL, xs[0], FLAG(F_SCALED),
         "A scaled by 2^-520, x by 2^519: gradient ~2^-520, Hessian ~2^-1040"},
        {4, 2, As[1], e4, w4, xs[1], FLAG(F_SCALED), "A scaled by 2^90, x by 2^-91, w != 0: Hessian ~2^180"},
        {4, 2, Ab[0], q4, NULL, xb[0], FLAG(F_BOUNDARY), "a_21 = 2^100, the largest entry the double kernel takes"},
        {4, 2, Ab[1], q4, NULL, xb[1], FLAG(F_BOUNDARY),
         "a_21 = 2^101, beyond the double kernel's domain (valid input)"},
        {4, 2, A42, VALUES(0.125, 0.25, 0.25, 0.375), VALUES(1e10, 1e10, 1e10, 1e10), x2, 0,
         "w = 1e10: the regularization dominates"},
        {4, 2, A42, e4, NULL, VALUES(0x1p-1074, -0.0), FLAG(F_SIGNED_ZERO),
         "x = (2^-1074, -0): a subnormal and a signed zero"},
        {3, 2, VALUES(0.5, 2.0, 1.0, 2.0, -0.5, 1.0), VALUES(2.0, -1.0, 0.0), NULL, x2, 0,
         "b = (2, -1, 0), outside the simplex"},
    };
    fill(c, t[i].n, t[i].d, t[i].A, t[i].b, t[i].w, t[i].x);
    bht__gold_label(c, t[i].flags, t[i].comment);
    return BHT_OK;
}
#define RG_SPECIAL_COUNT 15

static bht_status rg_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    const rg_drawn g = draw_problem(c, r);
    bht__gold_comment(c, "random: A %s; %s; %s", g.a, g.b, g.w);
    return BHT_OK;
}

/* b = RN(softmax(A x)) (the oracle's), exactly or with relative
 * perturbations 2^-k, k in 20..52: f - b cancels. */
static bht_status rg_near(gcase *c, size_t i, grng *r)
{
    (void)i;
    const rg_drawn g = draw_problem(c, r);
    double p[G_MAX_N];
    bht_status st = bht_oracle_softmax(c->n, c->d, c->A, c->x, p, NULL, NULL);
    if (st != BHT_OK)
        return st;
    int k = (int)bht__rng_int(r, 20, 53);
    for (size_t a = 0; a < c->n; a++)
        c->b[a] = k == 53 ? p[a] : p[a] + ldexp(p[a] * rng_sym(r), -k);
    c->flags |= FLAG(F_NEAR_TARGET);
    if (k == 53)
        bht__gold_comment(c, "b = RN(softmax(A x)); A %s; %s", g.a, g.w);
    else
        bht__gold_comment(c, "b = softmax(A x) (1 + 2^-%d u); A %s; %s", k, g.a, g.w);
    return BHT_OK;
}

/* Logits of size 2^8 .. 2^12: x rescaled so that max |(A x)_i| is there. */
static bht_status rg_large(gcase *c, size_t i, grng *r)
{
    (void)i;
    const rg_drawn g = draw_problem(c, r);
    double big = 0.0;
    for (size_t a = 0; a < c->n; a++) {
        double z = 0.0;
        for (size_t j = 0; j < c->d; j++)
            z += c->A[a * c->d + j] * c->x[j];
        big = fabs(z) > big ? fabs(z) : big;
    }
    if (big == 0.0)
        return BHT_E_PRECISION; /* draw again */
    int e, target = (int)bht__rng_int(r, 8, 12);
    (void)frexp(big, &e);
    for (size_t j = 0; j < c->d; j++)
        c->x[j] = ldexp(c->x[j], target - e);
    bht__gold_comment(c, "logits up to 2^%d; A %s; %s; %s", target, g.a, g.b, g.w);
    return BHT_OK;
}

/* Rows of A repeated (exactly tied logits), the rest random. */
static bht_status rg_ties(gcase *c, size_t i, grng *r)
{
    (void)i;
    const rg_drawn g = draw_problem(c, r);
    if (c->n < 2)
        return BHT_E_PRECISION;
    size_t groups = (size_t)bht__rng_int(r, 1, (long)c->n - 1);
    for (size_t a = groups; a < c->n; a++) {
        size_t src = (size_t)bht__rng_int(r, 0, (long)groups - 1);
        memcpy(c->A + a * c->d, c->A + src * c->d, c->d * sizeof(double));
    }
    bht__gold_comment(c, "%zu distinct rows of %zu; A %s; %s; %s", groups, c->n, g.a, g.b, g.w);
    return BHT_OK;
}

/* A scaled by 2^e, x by 2^-e (logits of moderate size), |e| up to 600 but
 * within the kernel's domain 2^100 for most; w scaled to match. */
static bht_status rg_scaled(gcase *c, size_t i, grng *r)
{
    (void)i;
    const rg_drawn g = draw_problem(c, r);
    int e = (int)bht__rng_int(r, -600, 95);
    for (size_t k = 0; k < c->n * c->d; k++)
        c->A[k] = ldexp(c->A[k], e);
    for (size_t j = 0; j < c->d; j++)
        c->x[j] = ldexp(c->x[j], -e);
    for (size_t a = 0; a < c->n; a++)
        c->w[a] = ldexp(c->w[a], -e / 2);
    c->flags |= FLAG(F_SCALED);
    bht__gold_comment(c, "A 2^%d, x 2^%d, w 2^%d; A %s; %s; %s", e, -e, -e / 2, g.a, g.b, g.w);
    return BHT_OK;
}

/* The graded output of a kernel or oracle run: loss, gradient or Hessian. */
static bht_status graded_run(const gcase *c, int oracle, double *out, size_t *count)
{
    double *loss = NULL, *grad = NULL, *hess = NULL;
    if (is_hessian(c)) {
        hess = out;
        *count = c->d * c->d;
    } else if (is_gradient(c)) {
        grad = out;
        *count = c->d;
    } else {
        loss = out;
        *count = 1;
    }
    if (oracle)
        return bht_oracle_regression(c->n, c->d, c->A, c->b, c->w, c->x, loss, grad, hess, NULL,
                                     NULL);
    return bht_regression(c->n, c->d, c->A, c->b, c->w, c->x, loss, grad, hess, NULL);
}

static void store_expected(gcase *c, const double *v)
{
    if (is_hessian(c))
        memcpy(c->hess, v, c->d * c->d * sizeof *v);
    else if (is_gradient(c))
        memcpy(c->grad, v, c->d * sizeof *v);
    else
        c->loss = v[0];
}

typedef struct rg_cand {
    gcase t; /* the candidate problem */
    double kv[16], ov[16];
} rg_cand;

static bht_status rg_try(const gold_search *s, int fn, void *cand, grng *r, double *err, uint64_t *fl)
{
    (void)s;
    rg_cand *u = cand;
    gcase *t = &u->t;
    memset(t, 0, sizeof *t);
    t->fn = fn;
    (void)draw_problem(t, r);
    *fl = t->flags;
    size_t m;
    if (graded_run(t, 0, u->kv, &m) != BHT_OK)
        return BHT_OK;
    bht_status st = graded_run(t, 1, u->ov, &m);
    if (st == BHT_OK)
        *err = bht__gold_search_score(m, u->kv, u->ov);
    return st;
}

static void rg_keep(const void *cand, gcase *c)
{
    const rg_cand *u = cand;
    const gcase *t = &u->t;
    fill(c, t->n, t->d, t->A, t->b, t->w, t->x);
    store_expected(c, u->ov);
}

static const gold_search RG_SEARCH = {20, sizeof(rg_cand), rg_try, rg_keep, NULL};

/* The invalid vectors: edits of one valid 3 x 2 problem. */
static const gold_invalid RG_INVALID[] = {
    {{{"A", 3, NAN}}, FLAG(F_INV_NONFINITE), "NaN in A"},
    {{{"A", 0, -INFINITY}}, FLAG(F_INV_NONFINITE), "-inf in A"},
    {{{"b", 1, INFINITY}}, FLAG(F_INV_NONFINITE), "+inf in b"},
    {{{"w", 2, NAN}}, FLAG(F_INV_NONFINITE), "NaN in w"},
    {{{"x", 1, INFINITY}, {"A", 1, 0.0}, {"A", 3, 0.0}, {"A", 5, 0.0}}, FLAG(F_INV_NONFINITE),
     "+inf in x, multiplied by zero columns only"},
    {{{"blen", 0, 2}}, FLAG(F_INV_SHAPE), "A has 3 rows, b has 2 entries"},
    {{{"wlen", 0, 4}, {"w", 3, 1.0}}, FLAG(F_INV_SHAPE), "A has 3 rows, w has 4 entries"},
    {{{"xlen", 0, 3}}, FLAG(F_INV_SHAPE), "A has 2 columns, x has 3 entries"},
    {{{"xlen", 0, 1}}, FLAG(F_INV_SHAPE), "A has 2 columns, x has 1 entry"},
    {{{"n", 0, 0}, {"blen", 0, 0}, {"wlen", 0, 0}}, FLAG(F_INV_EMPTY), "A has no rows, b and w are empty"},
    {{{"d", 0, 0}, {"xlen", 0, 0}}, FLAG(F_INV_EMPTY), "A has no columns and x is empty"},
};

static bht_status rg_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A[6] = {1.0, 2.0, 3.0, 4.0, -1.0, 0.5};
    static const double b[3] = {0.25, 0.5, 0.25}, w[3] = {0.0, 1.0, 0.5};
    static const double x[3] = {0.5, -0.5, 1.0};
    fill(c, 3, 2, A, b, w, x);
    c->invalid = 1;
    (void)INVALID_ENTRY(c, RG_INVALID, i);
    return BHT_OK;
}

const family bht__gold_regression_families[] = {
    {"special", RG_SPECIAL_COUNT, rg_special, FLAG(F_SPECIAL), NULL},
    {"random", 100, rg_random, FLAG(F_RANDOM), NULL},
    {"near_target", 50, rg_near, FLAG(F_RANDOM), NULL},
    {"large_logits", 30, rg_large, FLAG(F_RANDOM), NULL},
    {"ties", 30, rg_ties, FLAG(F_RANDOM), NULL},
    {"scaled", 30, rg_scaled, FLAG(F_RANDOM), NULL},
    {"worst", 20, bht__gold_worst, 0, &RG_SEARCH},
    {"invalid", COUNT_OF(RG_INVALID), rg_invalid, 0, NULL},
};

static bht_status expected(gcase *c)
{
    double v[G_MAX_A];
    size_t m;
    bht_status st = graded_run(c, 1, v, &m);
    if (st == BHT_OK)
        store_expected(c, v);
    return st;
}

/* Exact-tie structure of the logits: 2 all equal (x = 0 or all rows of A
 * equal), 1 some equal (two equal rows), 0 none known. */
static int logit_ties(const gcase *c)
{
    size_t row = c->d * sizeof(double);
    int zero = 1, all = 1, some = 0;
    for (size_t j = 0; j < c->d; j++)
        zero &= c->x[j] == 0.0;
    for (size_t a = 1; a < c->n; a++)
        all &= memcmp(c->A + a * c->d, c->A, row) == 0;
    for (size_t a = 0; a < c->n; a++)
        for (size_t e = a + 1; e < c->n; e++)
            some |= memcmp(c->A + a * c->d, c->A + e * c->d, row) == 0;
    return c->n > 1 && (zero || all) ? 2 : some;
}

static void flags(gcase *c)
{
    bht__gold_flag_subnormal_in(c, c->n * c->d, c->A);
    bht__gold_flag_subnormal_in(c, c->blen, c->b);
    bht__gold_flag_subnormal_in(c, c->wlen, c->w);
    bht__gold_flag_subnormal_in(c, c->xlen, c->x);
    for (size_t a = 0; a < c->wlen; a++)
        if (c->w[a] != 0.0)
            c->flags |= FLAG(F_REGULARIZED);
    if (c->invalid)
        return;
    for (size_t a = 0; a < c->n; a++) {
        double z = 0.0;
        for (size_t j = 0; j < c->d; j++)
            z += c->A[a * c->d + j] * c->x[j];
        if (fabs(z) >= 700.0)
            c->flags |= FLAG(F_LARGE_LOGITS);
    }
    int ties = logit_ties(c);
    c->flags |= ties == 2 ? FLAG(F_EQUAL) : ties == 1 ? FLAG(F_TIED_LOGITS) : 0;
    double v[G_MAX_A];
    size_t m;
    if (graded_run(c, 0, v, &m) == BHT_E_RANGE)
        c->flags |= FLAG(F_BEYOND);
    bht__gold_flag_shape(c);
    if (is_hessian(c))
        bht__gold_flag_outputs(c, c->d * c->d, c->hess);
    else if (is_gradient(c))
        bht__gold_flag_outputs(c, c->d, c->grad);
    else
        bht__gold_flag_outputs(c, 1, &c->loss);
}

static void inputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_matrix(b, nomem, "A", 0, c->n, c->d, c->A);
    bht__gold_put_array(b, nomem, "b", 1, c->blen, c->b);
    bht__gold_put_array(b, nomem, "w", 1, c->wlen, c->w);
    bht__gold_put_array(b, nomem, "x", 1, c->xlen, c->x);
}

static void outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    if (is_hessian(c))
        bht__gold_put_array(b, nomem, "hessian", 0, c->d * c->d, c->hess);
    else if (is_gradient(c))
        bht__gold_put_array(b, nomem, "gradient", 0, c->d, c->grad);
    else
        bht__gold_put_scalar(b, nomem, "loss", 0, c->loss);
}

const gold_hooks bht__gold_regression_hooks = {expected, flags, inputs, outputs};

