/* golden_models.c: inputs shared by the model-pair golden functions: the
 * softmax models (distance_softmax, nu_softmax) and the leverage models
 * (distance_leverage, nu_leverage).  Families shared by a distance_* and a
 * nu_* function fill the second matrix through gold_other (B or M). */
#include "golden/golden_internal.h"

/* ======================================================= softmax models */

/* n in 1..32 (mostly 2..8) and d in 1..5 for the two-model functions. */
size_t bht__gold_draw_model_n(grng *r)
{
    static const gold_tier T[] = {{75, 2, 8}, {95, 9, 16}, {100, 17, 32}};
    return (size_t)bht__gold_draw_tiered(r, T);
}

void bht__gold_model_shape(gcase *c, size_t n, size_t d)
{
    c->n = c->rows2 = n;
    c->d = c->cols2 = c->xlen = d;
}

/* Fills A, B (n by d) and x from tables (B NULL: B = A). */
void bht__gold_model_fill(gcase *c, size_t n, size_t d, const double *A, const double *B,
                       const double *x)
{
    bht__gold_model_shape(c, n, d);
    memcpy(c->A, A, n * d * sizeof *A);
    memcpy(gold_other(c), B ? B : A, n * d * sizeof *A);
    memcpy(c->x, x, d * sizeof *x);
}

/* x of length d, uniform at one of five scales; returns the scale. */
double bht__gold_draw_query_x(grng *r, size_t d, double *x)
{
    static const double xs[] = {1e-3, 0.1, 1.0, 10.0, 100.0};
    double s = xs[bht__rng_int(r, 0, 4)];
    for (size_t j = 0; j < d; j++)
        x[j] = s * rng_sym(r);
    return s;
}

/* The "random" family of distance_softmax and nu_softmax. */
bht_status bht__gold_model_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n = bht__gold_draw_model_n(r), d = (size_t)bht__rng_int(r, 1, 5);
    const char *da = bht__gold_draw_design(r, n, d, c->A, &c->flags);
    const char *db = bht__gold_draw_design(r, n, d, gold_other(c), &c->flags);
    double s = bht__gold_draw_query_x(r, d, c->x);
    bht__gold_model_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    bht__gold_comment(c, "%s: A %s, %s %s; x scale %g", gold_is_nu(c) ? "random" : "independent models",
                      da, gold_other_name(c), db, s);
    return BHT_OK;
}

void bht__gold_pair_draw_A(gold_pair_cand *t, grng *r, uint64_t *flags)
{
    t->n = (size_t)bht__rng_int(r, 2, 8);
    t->d = (size_t)bht__rng_int(r, 1, 4);
    (void)bht__gold_draw_design(r, t->n, t->d, t->A, flags);
}

/* Grid values m 2^-16, |m| <= 2^20: sums of two are exact. */
double bht__gold_grid_value(grng *r) { return (double)bht__rng_int(r, -(1L << 20), 1L << 20) * 0x1p-16; }

/* Invalid inputs shared by distance_softmax and nu_softmax (B is M there). */
bht_status bht__gold_model_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A[6] = {1.0, 2.0, 3.0, 4.0, -1.0, 0.5};
    static const double B[6] = {1.5, 2.0, 3.0, -4.0, 0.0, 0.5};
    static const double x[2] = {0.5, -0.5};
    c->invalid = 1;
    bht__gold_model_fill(c, 3, 2, A, B, x);
    static const gold_invalid EDITS[] = {
        {{{"A", 1, NAN}}, FLAG(F_INV_NONFINITE), "NaN in A"},
        {{{"B", 4, INFINITY}}, FLAG(F_INV_NONFINITE), "+inf in %s"},
        {{{"B", 0, NAN}}, FLAG(F_INV_NONFINITE), "NaN in %s"},
        {{{"x", 1, -INFINITY}}, FLAG(F_INV_NONFINITE), "-inf in x"},
        {{{"x", 0, NAN}}, FLAG(F_INV_NONFINITE), "NaN in x"},
        {{{"A", 3, -INFINITY}, {"x", 1, 0.0}}, FLAG(F_INV_NONFINITE), "-inf in A times x_j = 0 (still invalid)"},
        {{{"rows2", 0, 2}}, FLAG(F_INV_SHAPE), "A has 3 rows, %s has 2"},
        /* 2 by 3 from the same 6 entries */
        {{{"cols2", 0, 3}, {"rows2", 0, 2}}, FLAG(F_INV_SHAPE), "A is 3 x 2, %s is 2 x 3"},
        {{{"xlen", 0, 3}, {"x", 2, 1.0}}, FLAG(F_INV_SHAPE), "A has 2 columns, x has 3 entries"},
        {{{"n", 0, 0}, {"rows2", 0, 0}}, FLAG(F_INV_EMPTY), "A and %s have no rows"},
        {{{"d", 0, 0}, {"cols2", 0, 0}, {"xlen", 0, 0}}, FLAG(F_INV_EMPTY), "A and %s have no columns and x is empty"},
    };
    (void)INVALID_ENTRY(c, EDITS, i);
    return BHT_OK;
}

/* ===================================================== leverage models
 * Leverage models (A, B or M, s): n <= 10, d <= 4, entries mostly short
 * dyadic rationals (the oracles work in exact rational arithmetic, so short
 * entries keep the whole block fast); s of the same kind, some negative. */

/* Short dyadic value: k 2^-e with |k| <= 15, e in 0..4 (zero allowed). */
double bht__gold_short_dyadic(grng *r)
{
    return ldexp((double)bht__rng_int(r, -15, 15), -(int)bht__rng_int(r, 0, 4));
}

/* Nonzero short dyadic query weight (1 + k/8) 2^e, e in [-range, range]. */
static double short_weight(grng *r, int range)
{
    double v = ldexp(1.0 + (double)bht__rng_int(r, 0, 7) * 0.125, (int)bht__rng_int(r, -range, range));
    return bht__rng_int(r, 0, 3) == 0 ? -v : v;
}

/* d in 1..4, n in d..10. */
void bht__gold_draw_lm_shape(grng *r, size_t *n, size_t *d)
{
    *d = (size_t)bht__rng_int(r, 1, 4);
    *n = *d + (size_t)bht__rng_int(r, 0, 10 - (long)*d);
}

void bht__gold_lm_shape(gcase *c, size_t n, size_t d)
{
    c->n = c->rows2 = c->slen = n;
    c->d = c->cols2 = d;
}

void bht__gold_lm_fill(gcase *c, size_t n, size_t d, const double *A, const double *B,
                    const double *s)
{
    bht__gold_lm_shape(c, n, d);
    memcpy(c->A, A, n * d * sizeof *A);
    memcpy(gold_other(c), B ? B : A, n * d * sizeof *A);
    for (size_t i = 0; i < n; i++)
        c->s[i] = s ? s[i] : 1.0;
}

/* Query: s = 1, short weights over 2^[-2, 2], or (varying) over 2^[-30, 30]. */
const char *bht__gold_lm_query(grng *r, size_t n, double *s)
{
    long kind = bht__rng_int(r, 0, 3);
    for (size_t i = 0; i < n; i++)
        s[i] = kind == 0 ? 1.0 : short_weight(r, kind == 3 ? 30 : 2);
    return kind == 0 ? "s = 1" : kind == 3 ? "s over 2^[-30, 30]" : "s over 2^[-2, 2]";
}

/* A (n by d) short dyadic, sometimes with a zero row. */
const char *bht__gold_lm_design(grng *r, size_t n, size_t d, double *A)
{
    for (size_t k = 0; k < n * d; k++)
        A[k] = bht__gold_short_dyadic(r);
    if (n > d + 1 && bht__rng_int(r, 0, 4) == 0) {
        size_t i = (size_t)bht__rng_int(r, 0, (long)n - 1);
        for (size_t j = 0; j < d; j++)
            A[i * d + j] = 0.0;
        return "short dyadic, one zero row";
    }
    return "short dyadic";
}

/* B = A R exactly for a unimodular integer R (unit triangular factors,
 * entries in -2..2, and a column permutation): the same model. */

/* Full-precision entries (53-bit uniform), small shapes: n <= 6, d <= 3. */
bht_status bht__gold_lm_full(gcase *c, size_t i, grng *r)
{
    size_t d = (size_t)bht__rng_int(r, 1, 3), n = d + (size_t)bht__rng_int(r, 0, 6 - (long)d);
    for (size_t k = 0; k < n * d; k++)
        c->A[k] = rng_sym(r);
    int k = (int)bht__rng_int(r, 0, 40);
    double *B2 = gold_other(c);
    for (size_t m = 0; m < n * d; m++)
        B2[m] = gold_is_nu(c) ? rng_sym(r) : c->A[m] + ldexp(rng_sym(r), -k);
    for (size_t a = 0; a < n; a++)
        c->s[a] = 0.5 + 1.5 * bht__rng_unit(r);
    bht__gold_lm_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM);
    if (gold_is_nu(c)) {
        bht__gold_comment(c, "full-precision uniform A, M; s in [1/2, 2) (block %zu)", i);
    } else {
        c->flags |= k >= 20 ? FLAG(F_NEAR) : 0;
        bht__gold_comment(c, "full-precision uniform A, B = A + 2^-%d E; s in [1/2, 2)", k);
    }
    return BHT_OK;
}


const char *bht__gold_lm_begin(gcase *c, grng *r)
{
    size_t n, d;
    bht__gold_draw_lm_shape(r, &n, &d);
    bht__gold_lm_shape(c, n, d);
    return bht__gold_lm_design(r, n, d, c->A);
}

const char *bht__gold_lm_end(gcase *c, grng *r) { return bht__gold_lm_query(r, c->n, c->s); }

static int is_leverage_fn(int fn) { return fn == FN_DISTANCE_LEVERAGE || fn == FN_NU_LEVERAGE; }

void bht__gold_pair_keep(const void *cand, gcase *c)
{
    const gold_pair_cand *t = cand;
    size_t n = t->n, d = t->d;
    if (is_leverage_fn(c->fn)) {
        bht__gold_lm_shape(c, n, d);
        memcpy(c->s, t->s, n * sizeof *t->s);
    } else {
        bht__gold_model_shape(c, n, d);
        memcpy(c->x, t->x, d * sizeof *t->x);
    }
    memcpy(c->A, t->A, n * d * sizeof *t->A);
    memcpy(gold_other(c), t->B, n * d * sizeof *t->B);
    if (gold_is_nu(c)) {
        memcpy(c->deriv, t->deriv, n * sizeof *t->deriv);
        c->local = t->local;
    } else {
        c->dist = t->dist;
    }
}

/* The double kernel and the oracle of a model-pair function on explicit
 * inputs (B: the second matrix; q: x for softmax models, s for leverage
 * models); the outputs go to dist, or to local and deriv (nu_*). */
static bht_status pair_kernel(int fn, size_t n, size_t d, const double *A, const double *B,
                              const double *q, bht_distances *dist, bht_local_result *local,
                              double *deriv)
{
    switch (fn) {
    case FN_DISTANCE_SOFTMAX:
        return bht_distance_softmax(n, d, A, B, q, dist);
    case FN_DISTANCE_LEVERAGE:
        return bht_distance_leverage(n, d, A, B, q, dist);
    case FN_NU_SOFTMAX:
        return bht_nu_softmax(n, d, A, B, q, local, deriv);
    default:
        return bht_nu_leverage(n, d, A, B, q, local, deriv);
    }
}

static bht_status pair_oracle(int fn, size_t n, size_t d, const double *A, const double *B,
                              const double *q, bht_distances *dist, bht_local_result *local,
                              double *deriv)
{
    switch (fn) {
    case FN_DISTANCE_SOFTMAX:
        return bht_oracle_distance_softmax(n, d, A, B, q, dist, NULL, NULL);
    case FN_DISTANCE_LEVERAGE:
        return bht_oracle_distance_leverage(n, d, A, B, q, dist, NULL, NULL);
    case FN_NU_SOFTMAX:
        return bht_oracle_nu_softmax(n, d, A, B, q, local, deriv, NULL, NULL);
    default:
        return bht_oracle_nu_leverage(n, d, A, B, q, local, deriv, NULL, NULL);
    }
}

static int is_nu_fn(int fn) { return fn == FN_NU_SOFTMAX || fn == FN_NU_LEVERAGE; }
/* Kernel, then oracle on a candidate (kernel refusals are skipped); the
 * leverage-model oracles refuse singular designs (and distance_leverage's
 * too hard ones): skip those too. */
bht_status bht__gold_pair_try(const gold_search *s, int fn, void *cand, grng *r, double *err,
                              uint64_t *fl)
{
    gold_pair_cand *t = cand;
    s->draw(t, r, fl);
    const double *q = is_leverage_fn(fn) ? t->s : t->x;
    bht_distances kd;
    bht_local_result kr;
    double kderiv[G_MAX_N];
    if (pair_kernel(fn, t->n, t->d, t->A, t->B, q, &kd, &kr, kderiv) != BHT_OK)
        return BHT_OK;
    bht_status st = pair_oracle(fn, t->n, t->d, t->A, t->B, q, &t->dist, &t->local, t->deriv);
    if ((st == BHT_E_SINGULAR && is_leverage_fn(fn)) ||
        (st == BHT_E_PRECISION && fn == FN_DISTANCE_LEVERAGE))
        return BHT_OK;
    if (st != BHT_OK)
        return st;
    if (is_nu_fn(fn))
        *err = bht__gold_local_score(t->n, &kr, kderiv, &t->local, t->deriv);
    else
        *err = bht__gold_distances_score(&kd, &t->dist);
    return BHT_OK;
}

bht_status bht__gold_model_row(gcase *c, const gold_model_row *t)
{
    if (is_leverage_fn(c->fn))
        bht__gold_lm_fill(c, t->n, t->d, t->A, t->B, t->q);
    else
        bht__gold_model_fill(c, t->n, t->d, t->A, t->B, t->q);
    bht__gold_label(c, t->flags, t->comment);
    return BHT_OK;
}

static const double *pair_query(const gcase *c) { return is_leverage_fn(c->fn) ? c->s : c->x; }

static bht_status pair_expected(gcase *c)
{
    return pair_oracle(c->fn, c->n, c->d, c->A, gold_other(c), pair_query(c), &c->dist, &c->local,
                       c->deriv);
}

static void pair_flags(gcase *c)
{
    int lev = is_leverage_fn(c->fn);
    bht__gold_flag_subnormal_in(c, c->n * c->d, c->A);
    if (lev)
        bht__gold_flag_query(c);
    bht__gold_flag_subnormal_in(c, c->rows2 * c->cols2, gold_other(c));
    if (!lev)
        bht__gold_flag_subnormal_in(c, c->xlen, c->x);
    if (!c->invalid) {
        bht_distances dist;
        bht_local_result local;
        double deriv[G_MAX_N];
        bht_status st = pair_kernel(c->fn, c->n, c->d, c->A, gold_other(c), pair_query(c), &dist,
                                    &local, deriv);
        if (lev) {
            bht__gold_flag_verdict(c, st);
            if (c->n == c->d)
                c->flags |= FLAG(F_SQUARE);
        } else if (st == BHT_E_RANGE) {
            c->flags |= FLAG(F_BEYOND);
        }
    }
    bht__gold_flag_shape(c);
    if (gold_is_nu(c))
        bht__gold_flag_local_outputs(c);
    else
        bht__gold_flag_distance_outputs(c);
}

static void pair_inputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_matrix(b, nomem, "A", 0, c->n, c->d, c->A);
    bht__gold_put_matrix(b, nomem, gold_other_name(c), 1, c->rows2, c->cols2,
                         gold_is_nu(c) ? c->M : c->B);
    if (is_leverage_fn(c->fn))
        bht__gold_put_array(b, nomem, "s", 1, c->slen, c->s);
    else
        bht__gold_put_array(b, nomem, "x", 1, c->xlen, c->x);
}

static void pair_outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    if (gold_is_nu(c))
        bht__gold_put_local(c, b, nomem);
    else
        bht__gold_put_distances(c, b, nomem);
}

const gold_hooks bht__gold_pair_hooks = {pair_expected, pair_flags, pair_inputs, pair_outputs};

/* Invalid inputs shared by distance_leverage and nu_leverage (B is M). */
bht_status bht__gold_lm_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A[6] = {1.0, 2.0, 3.0, 4.0, -1.0, 0.5};
    static const double B[6] = {1.5, 2.0, 3.0, -4.0, 0.0, 0.5};
    static const double s[3] = {1.0, 2.0, -0.5};
    c->invalid = 1;
    bht__gold_lm_fill(c, 3, 2, A, B, s);
    static const gold_invalid EDITS[] = {
        {{{"s", 1, 0.0}}, FLAG(F_INV_ZERO_S), "s_2 = 0"},
        {{{"s", 2, -0.0}}, FLAG(F_INV_ZERO_S), "s_3 = -0"},
        {{{"A", 1, 2.0}, {"A", 3, 6.0}, {"A", 5, -2.0}}, FLAG(F_INV_RANK), "A rank deficient: column 2 = 2 column 1"},
        {{{"A", 1, 0.0}, {"A", 3, 0.0}, {"A", 5, 0.0}}, FLAG(F_INV_RANK), "A rank deficient: zero column"},
        {{{"B", 1, -1.5}, {"B", 3, -3.0}, {"B", 5, -0.0}}, FLAG(F_INV_RANK), "B rank deficient: column 2 = -column 1"},
        {{{"A", 1, NAN}}, FLAG(F_INV_NONFINITE), "NaN in A"},
        {{{"B", 0, NAN}}, FLAG(F_INV_NONFINITE), "NaN in %s"},
        {{{"B", 4, INFINITY}}, FLAG(F_INV_NONFINITE), "+inf in %s"},
        {{{"s", 0, NAN}}, FLAG(F_INV_NONFINITE), "NaN in s"},
        {{{"s", 2, -INFINITY}}, FLAG(F_INV_NONFINITE), "-inf in s"},
        {{{"rows2", 0, 2}, {"cols2", 0, 3}}, FLAG(F_INV_SHAPE), "A is 3 x 2, %s is 2 x 3"},
        {{{"slen", 0, 2}}, FLAG(F_INV_SHAPE), "A has 3 rows, s has 2 entries"},
        {{{"n", 0, 1}, {"rows2", 0, 1}, {"slen", 0, 1}}, FLAG(F_INV_SHAPE), "n = 1 < d = 2"},
        {{{"n", 0, 0}, {"rows2", 0, 0}, {"slen", 0, 0}}, FLAG(F_INV_EMPTY), "A and %s have no rows, s is empty"},
    };
    /* nu_leverage's M need not have full rank: its vector 4 has M too short instead. */
    static const gold_invalid M_SHORT[] = {{{{"rows2", 0, 2}}, FLAG(F_INV_SHAPE), "A has 3 rows, M has 2"}};
    if (i == 4 && gold_is_nu(c))
        (void)INVALID_ENTRY(c, M_SHORT, 0);
    else
        (void)INVALID_ENTRY(c, EDITS, i);
    return BHT_OK;
}

