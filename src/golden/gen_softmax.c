/* gen_softmax.c: golden function softmax (golden/FORMAT.md).
 *
 * softmax: p = softmax(A x) for a design A (n by d) and a query x. */
#include <stdlib.h>

#include "golden/golden_internal.h"

/* A 2 x 3 design A6 whose products cancel, x = (1, 1, 1). */
static void sm_ill(gcase *c, const double *A6, const char *comment)
{
    c->d = 3;
    memcpy(c->A, A6, 6 * sizeof *A6);
    c->x[0] = c->x[1] = c->x[2] = 1.0;
    c->flags |= FLAG(F_ILL);
    bht__gold_comment(c, "%s", comment);
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
        bht__gold_comment(c, "n = d = 1");
        break;
    case 1:
        c->n = 5;
        c->d = 3;
        for (size_t k = 0; k < 15; k++)
            c->A[k] = (double)k - 7.0;
        memset(c->x, 0, 3 * sizeof(double));
        c->flags |= FLAG(F_EQUAL);
        bht__gold_comment(c, "x = 0: uniform");
        break;
    case 2:
        c->n = 6;
        c->d = 2;
        memset(c->A, 0, 12 * sizeof(double));
        c->x[0] = 1e300;
        c->x[1] = -3.0;
        c->flags |= FLAG(F_EQUAL);
        bht__gold_comment(c, "A = 0: uniform");
        break;
    case 3:
        c->n = c->d = 4;
        memset(c->A, 0, 16 * sizeof(double));
        for (size_t k = 0; k < 4; k++) {
            c->A[k * 4 + k] = 1.0;
            c->x[k] = (double)(k + 1);
        }
        bht__gold_comment(c, "identity design: softmax(x)");
        break;
    case 4: {
        static const double A[6] = {0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0};
        sm_ill(c, A, "logit 2^53 + 1 - 2^53 = 1 (lost by naive summation)");
        break;
    }
    case 5: {
        static const double A[6] = {1e16, 1.0, -1e16, 1.0, 0.0, 0.0};
        sm_ill(c, A, "cancellation: logits 1 and 1");
        break;
    }
    case 6: {
        static const double A[4] = {1.0, 1.0, 1.0, 0x1.0000000000001p0};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 1e15;
        c->x[1] = -1e15;
        c->flags |= FLAG(F_ILL);
        bht__gold_comment(c, "nearly collinear rows, large x");
        break;
    }
    case 7: {
        static const double A[4] = {1e300, 0.0, 0.0, 1e300};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 2e-300;
        c->x[1] = 1e-300;
        bht__gold_comment(c, "huge A, tiny x: logits near 2 and 1");
        break;
    }
    case 8: {
        static const double A[4] = {0x1p1000, 0.0, 0.0, 1.0};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0x1p30;
        c->x[1] = 1.0;
        bht__gold_comment(c, "a_11 x_1 = 2^1030: beyond the former product bound of the kernel");
        break;
    }
    case 9:
        c->n = 64;
        c->d = 1;
        for (size_t k = 0; k < 64; k++)
            c->A[k] = (double)k;
        c->x[0] = 0.5;
        bht__gold_comment(c, "d = 1, logits k / 2");
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
        bht__gold_comment(c, "n = 300, d = 2");
        break;
    case 11: {
        static const double A[6] = {1.0, 2.0, 1.0, 2.0, 1.0, 2.0};
        c->n = 3;
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0.3;
        c->x[1] = -0.7;
        c->flags |= FLAG(F_EQUAL);
        bht__gold_comment(c, "identical rows (rank 1): uniform");
        break;
    }
    case 12: {
        static const double A[4] = {1.0, -1.0, 2.0, 0.5};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0x1p-1074;
        c->x[1] = 0x1.8p-1070;
        c->flags |= FLAG(F_SUBNORMAL_IN);
        bht__gold_comment(c, "subnormal x");
        break;
    }
    case 13: {
        static const double A[4] = {1000.0, 0.0, -1000.0, 0.0};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 1.0;
        c->x[1] = -0.0;
        c->flags |= FLAG(F_SIGNED_ZERO) | FLAG(F_LARGE_LOGITS);
        bht__gold_comment(c, "logits +-1000, x_2 = -0");
        break;
    }
    case 14: {
        static const double A[4] = {0x1p500, 0x1p500, -0x1p500, 1.0};
        memcpy(c->A, A, sizeof A);
        c->x[0] = 0x1p-500;
        c->x[1] = -0x1p-500;
        c->flags |= FLAG(F_ILL);
        bht__gold_comment(c, "logits 0 and -1 - 2^-500 (exact products needed)");
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
        bht__gold_comment(c, "products 2^1018 cancelling: logits 3 and 0");
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
    static const gold_invalid EDITS[] = {
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
    (void)INVALID_ENTRY(c, EDITS, i);
    return BHT_OK;
}
#define SM_INVALID_COUNT 9

static const family SM_FAMILIES[] = {
    {"special", SM_SPECIAL_COUNT, sm_special, FLAG(F_SPECIAL), NULL},
    {"random", 2000, sm_random, 0, NULL},
    {"worst", 100, bht__gold_worst, 0, &SM_SEARCH},
    {"invalid", SM_INVALID_COUNT, sm_invalid, 0, NULL},
};

const golden_fn bht__gold_fn_softmax = {
    "softmax", 200000, 1.0, FAMILIES(SM_FAMILIES),
    bht__gold_softmax_expected, bht__gold_softmax_flags, bht__gold_softmax_inputs,
    bht__gold_softmax_outputs};
