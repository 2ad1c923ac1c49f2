/* gen_softmax.c: golden function softmax (golden/FORMAT.md).
 *
 * softmax: p = softmax(A x) for a design A (n by d) and a query x. */
#include <stdlib.h>

#include "golden/golden_internal.h"

static bht_status sm_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    /* Computed designs: a_k = k - 7 (5 x 3), zeros (6 x 2), the identity
     * 4 x 4, a_k = k (64 x 1) and the 300 rows (k / 100, 1 - k / 100). */
    double ramp[15], zero[12] = {0}, I4[16] = {0}, A64[64], A300[600];
    for (size_t k = 0; k < 15; k++)
        ramp[k] = (double)k - 7.0;
    for (size_t k = 0; k < 4; k++)
        I4[k * 4 + k] = 1.0;
    for (size_t k = 0; k < 64; k++)
        A64[k] = (double)k;
    for (size_t k = 0; k < 300; k++) {
        A300[2 * k] = (double)k * 0.01;
        A300[2 * k + 1] = 1.0 - (double)k * 0.01;
    }
    const double *ones = VALUES(1.0, 1.0, 1.0);
    const struct {
        size_t n, d;
        const double *A, *x;
        uint64_t flags;
        const char *comment;
    } t[] = {
        {1, 1, VALUES(2.0), VALUES(3.0), FLAG(F_N1), "n = d = 1"},
        {5, 3, ramp, VALUES(0.0, 0.0, 0.0), FLAG(F_EQUAL), "x = 0: uniform"},
        {6, 2, zero, VALUES(1e300, -3.0), FLAG(F_EQUAL), "A = 0: uniform"},
        {4, 4, I4, VALUES(1.0, 2.0, 3.0, 4.0), 0, "identity design: softmax(x)"},
        {2, 3, VALUES(0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0), ones, FLAG(F_ILL),
         "logit 2^53 + 1 - 2^53 = 1 (lost by naive summation)"},
        {2, 3, VALUES(1e16, 1.0, -1e16, 1.0, 0.0, 0.0), ones, FLAG(F_ILL), "cancellation: logits 1 and 1"},
        {2, 2, VALUES(1.0, 1.0, 1.0, 0x1.0000000000001p0), VALUES(1e15, -1e15), FLAG(F_ILL),
         "nearly collinear rows, large x"},
        {2, 2, VALUES(1e300, 0.0, 0.0, 1e300), VALUES(2e-300, 1e-300), 0, "huge A, tiny x: logits near 2 and 1"},
        {2, 2, VALUES(0x1p1000, 0.0, 0.0, 1.0), VALUES(0x1p30, 1.0), 0,
         "a_11 x_1 = 2^1030: beyond the former product bound of the kernel"},
        {64, 1, A64, VALUES(0.5), 0, "d = 1, logits k / 2"},
        {300, 2, A300, VALUES(3.0, -2.0), 0, "n = 300, d = 2"},
        {3, 2, VALUES(1.0, 2.0, 1.0, 2.0, 1.0, 2.0), VALUES(0.3, -0.7), FLAG(F_EQUAL),
         "identical rows (rank 1): uniform"},
        {2, 2, VALUES(1.0, -1.0, 2.0, 0.5), VALUES(0x1p-1074, 0x1.8p-1070), FLAG(F_SUBNORMAL_IN), "subnormal x"},
        {2, 2, VALUES(1000.0, 0.0, -1000.0, 0.0), VALUES(1.0, -0.0), FLAG(F_SIGNED_ZERO) | FLAG(F_LARGE_LOGITS),
         "logits +-1000, x_2 = -0"},
        {2, 2, VALUES(0x1p500, 0x1p500, -0x1p500, 1.0), VALUES(0x1p-500, -0x1p-500), FLAG(F_ILL),
         "logits 0 and -1 - 2^-500 (exact products needed)"},
        {2, 3, VALUES(0x1p509, -0x1p509, 3.0, 0.0, 0.0, 0.0), VALUES(0x1p509, 0x1p509, 1.0),
         FLAG(F_BOUNDARY) | FLAG(F_ILL), "products 2^1018 cancelling: logits 3 and 0"},
    };
    c->n = t[i].n;
    c->d = c->xlen = t[i].d;
    memcpy(c->A, t[i].A, t[i].n * t[i].d * sizeof *t[i].A);
    memcpy(c->x, t[i].x, t[i].d * sizeof *t[i].x);
    bht__gold_label(c, t[i].flags, t[i].comment);
    return BHT_OK;
}
#define SM_SPECIAL_COUNT 16

static bht_status sm_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    static const double xs[] = {1e-3, 0.1, 1.0, 10.0, 100.0};
    size_t n = bht__gold_draw_n(r);
    if (n > 128)
        n = 128;
    size_t d = (size_t)bht__rng_int(r, 1, n > 64 ? 3 : 10);
    const char *design = bht__gold_draw_design(r, n, d, c->A, &c->flags);
    double s = xs[bht__rng_int(r, 0, 4)];
    for (size_t j = 0; j < d; j++)
        c->x[j] = s * rng_sym(r);
    c->n = n;
    c->d = c->xlen = d;
    c->flags |= FLAG(F_RANDOM);
    bht__gold_comment(c, "random design: %s; x uniform, scale %g", design, s);
    return BHT_OK;
}

enum { SM_MAXN = 8, SM_MAXD = 6 }; /* within gold_softmax_cand's arrays */

static void sm_draw(void *cand, grng *r, uint64_t *fl)
{
    gold_softmax_cand *t = cand;
    size_t n = t->n = (size_t)bht__rng_int(r, 2, SM_MAXN), d = t->d = (size_t)bht__rng_int(r, 1, SM_MAXD);
    (void)bht__gold_draw_design(r, n, d, t->A, fl);
    double s = ldexp(1.0, (int)bht__rng_int(r, -4, 12));
    for (size_t j = 0; j < d; j++)
        t->x[j] = s * rng_sym(r);
}

static const gold_search SM_SEARCH = {500, sizeof(gold_softmax_cand), bht__gold_softmax_try, bht__gold_softmax_keep, sm_draw};

/* The invalid vectors: edits of one valid 2 x 2 problem. */
static const gold_invalid SM_INVALID[] = {
    {{{"A", 1, NAN}}, FLAG(F_INV_NONFINITE), "NaN in A"},
    {{{"x", 1, INFINITY}}, FLAG(F_INV_NONFINITE), "+inf in x"},
    {{{"A", 2, -INFINITY}}, FLAG(F_INV_NONFINITE), "-inf in A"},
    {{{"x", 0, NAN}}, FLAG(F_INV_NONFINITE), "NaN in x"},
    /* A is 2 by 3 (reusing 6 entries), x has 2 entries. */
    {{{"d", 0, 3}, {"A", 4, 5.0}, {"A", 5, 6.0}}, FLAG(F_INV_SHAPE), "A has 3 columns, x has 2 entries"},
    {{{"xlen", 0, 3}, {"x", 2, 1.0}}, FLAG(F_INV_SHAPE), "A has 2 columns, x has 3 entries"},
    {{{"n", 0, 0}}, FLAG(F_INV_EMPTY), "A has no rows"},
    {{{"d", 0, 0}, {"xlen", 0, 0}}, FLAG(F_INV_EMPTY), "A has no columns and x is empty"},
    {{{"A", 3, INFINITY}, {"x", 1, 0.0}}, FLAG(F_INV_NONFINITE), "inf in A times x_j = 0 (still invalid)"},
};

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
    (void)INVALID_ENTRY(c, SM_INVALID, i);
    return BHT_OK;
}

static const family SM_FAMILIES[] = {
    {"special", SM_SPECIAL_COUNT, sm_special, FLAG(F_SPECIAL), NULL},
    {"random", 2000, sm_random, 0, NULL},
    {"worst", 100, bht__gold_worst, 0, &SM_SEARCH},
    {"invalid", COUNT_OF(SM_INVALID), sm_invalid, 0, NULL},
};

const golden_fn bht__gold_fn_softmax = {
    "softmax", 200000, 1.0, FAMILIES(SM_FAMILIES),
    &bht__gold_softmax_hooks};
