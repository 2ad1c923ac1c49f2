/* gen_distance_softmax.c: golden function distance_softmax (golden/FORMAT.md).
 *
 * distance_softmax: H^2, H and TV between softmax(A x) and softmax(B x). */
#include <stdlib.h>

#include "golden/golden_internal.h"

static bht_status ds_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A6[6] = {1.0, -2.0, 0.5, 3.0, -1.5, 0.25};
    static const double A12[12] = {0.5, -1.0, 2.0, 1.5, 0.0, -0.75,
                                   -2.5, 1.0, 0.125, 3.0, -3.0, 1.0};
    static const double x2[2] = {0.75, -1.25}, x3[3] = {0.3, -1.7, 2.25};
    /* The second models derived from A12 and A6, and the gap pairs (two
     * outcomes, x = (1, 1): A's logits (g, 0), B's (0, g)). */
    static const double w[3] = {0.5, -0.25, 3.0}, wbig[3] = {1e6, -0x1p-20, 7.0};
    static const double gaps[3] = {1000.0, 600.0, 300.0};
    double Bw[12], Bwbig[12], Bneg[12], Bpm40[12], Bpm1[12], Bulp[6], Bhalf[6];
    double gapA[3][4] = {{0.0}}, gapB[3][4] = {{0.0}};
    for (size_t k = 0; k < 12; k++) {
        Bw[k] = A12[k] + w[k % 3];
        Bwbig[k] = A12[k] + wbig[k % 3];
        Bneg[k] = -A12[k] * 3.0;
        Bpm40[k] = A12[k] + ((k % 2) ? 0x1p-40 : -0x1p-40);
        Bpm1[k] = A12[k] + ((k % 3) ? 1.0 : -1.0);
    }
    for (size_t k = 0; k < 6; k++) {
        Bulp[k] = A6[k];
        Bhalf[k] = A6[k] * 0.5;
    }
    Bulp[3] = 0x1.8000000000001p1; /* the double after 3 */
    for (size_t k = 0; k < 3; k++)
        gapA[k][0] = gapB[k][2] = gaps[k];
    const double *ones = VALUES(1.0, 1.0, 1.0);
    const gold_model_row t[] = {
        {3, 2, A6, NULL, x2, FLAG(F_IDENTICAL), "B = A: distances 0"},
        {4, 3, A12, Bw, x3, FLAG(F_IDENTICAL) | FLAG(F_SHIFTED),
         "B = A + 1 w^T exactly, w = (0.5, -0.25, 3): distances 0"},
        {4, 3, A12, Bwbig, VALUES(1e10, -3e9, 0.5), FLAG(F_IDENTICAL) | FLAG(F_SHIFTED) | FLAG(F_LARGE_LOGITS),
         "B = A + 1 w^T exactly, large x (logits ~1e10): distances 0"},
        {1, 2, VALUES(1.0, 2.0), VALUES(-5.0, 7.0), x2, FLAG(F_IDENTICAL) | FLAG(F_N1),
         "n = 1: both models are the point mass"},
        {4, 3, A12, Bneg, VALUES(0.0, -0.0, 0.0), FLAG(F_IDENTICAL) | FLAG(F_SIGNED_ZERO),
         "x = 0: both uniform, distances 0"},
        {3, 1, VALUES(0.0, 1.0, 2.0), VALUES(0.0, 1.0, 2.5), ones, 0, "d = 1: logits (0, 1, 2) vs (0, 1, 2.5)"},
        {3, 2, A6, Bulp, x2, FLAG(F_NEAR), "one entry of B moved by one ulp"},
        {4, 3, A12, Bpm40, x3, FLAG(F_NEAR), "B = A +- 2^-40 (models ~1e-12 apart)"},
        {4, 3, A12, Bpm1, x3, 0, "B = A +- 1 (models 1 apart)"},
        {2, 2, gapA[0], gapB[0], ones, FLAG(F_LARGE_LOGITS),
         "P ~ point mass on 1, Q on 2 (q_2 / p_2 = e^1000): H^2 = TV ~ 1"},
        {2, 2, gapA[1], gapB[1], ones, 0, "logit gaps 600 (q_2 / p_2 = e^1200 > e^700)"},
        {2, 2, gapA[2], gapB[2], ones, 0, "logit gaps 300 (q / p up to e^600)"},
        {2, 2, VALUES(0x1p1000, 0.0, 0.0, 1.0), VALUES(0x1p1000, 0.0, 0.0, 2.0), VALUES(0x1p30, 1.0), 0,
         "a_11 x_1 = 2^1030: beyond the kernel's product bound"},
        {3, 2, A6, Bhalf, VALUES(0x1p-1074, -0x1.8p-1070), FLAG(F_SUBNORMAL_IN),
         "subnormal x: logits ~1e-320 (distances subnormal or 0)"},
        /* Cancelling products: both models' logits are exactly (1, 0). */
        {2, 3, VALUES(0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0), VALUES(0x1p53, 2.0, -0x1p53, 0.0, 0.0, 0.0), ones,
         FLAG(F_ILL), "logits 2^53 + 1 - 2^53 = 1 and 2^53 + 2 - 2^53 = 2 (exact products)"},
    };
    return bht__gold_model_row(c, &t[i]);
}
#define DS_SPECIAL_COUNT 15

/* B = A + 2^-k E (E uniform in [-1, 1)), k in [0, 40]: models 1 to 1e-12 apart. */
static bht_status ds_close(gcase *c, size_t i, grng *r)
{
    size_t n = bht__gold_draw_model_n(r), d = (size_t)bht__rng_int(r, 1, 5);
    const char *design = bht__gold_draw_design(r, n, d, c->A, &c->flags);
    int k = (int)bht__rng_int(r, 0, 40);
    int one_row = (i % 4) == 3;
    size_t row = (size_t)bht__rng_int(r, 0, (long)n - 1);
    for (size_t a = 0; a < n; a++)
        for (size_t j = 0; j < d; j++)
            c->B[a * d + j] = c->A[a * d + j]
                              + ((one_row && a != row) ? 0.0 : ldexp(rng_sym(r), -k));
    double s = bht__gold_draw_query_x(r, d, c->x);
    bht__gold_model_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM) | (k >= 20 ? FLAG(F_NEAR) : 0);
    bht__gold_comment(c, "B = A + 2^-%d E%s; A: %s; x scale %g", k, one_row ? " (one row)" : "",
                design, s);
    return BHT_OK;
}
#define DS_CLOSE_COUNT 260

/* B = A + 1 w^T exactly (grid values), half of them plus 2^-k E. */
static bht_status ds_shifted(gcase *c, size_t i, grng *r)
{
    size_t n = bht__gold_draw_model_n(r), d = (size_t)bht__rng_int(r, 1, 5);
    double w[G_MAX_D];
    for (size_t j = 0; j < d; j++)
        w[j] = bht__gold_grid_value(r);
    for (size_t k = 0; k < n * d; k++)
        c->A[k] = bht__gold_grid_value(r);
    for (size_t a = 0; a < n; a++)
        for (size_t j = 0; j < d; j++)
            c->B[a * d + j] = c->A[a * d + j] + w[j];
    int k = (int)bht__rng_int(r, 0, 40);
    int perturbed = (i % 2) == 1;
    if (perturbed)
        for (size_t m = 0; m < n * d; m++)
            c->B[m] += ldexp(rng_sym(r), -k);
    double s = bht__gold_draw_query_x(r, d, c->x);
    bht__gold_model_shape(c, n, d);
    c->flags |= FLAG(F_SHIFTED) | FLAG(F_RANDOM);
    if (perturbed) {
        c->flags |= k >= 20 ? FLAG(F_NEAR) : 0;
        bht__gold_comment(c, "B = A + 1 w^T + 2^-%d E (grid A, w); x scale %g", k, s);
    } else {
        c->flags |= FLAG(F_IDENTICAL);
        bht__gold_comment(c, "B = A + 1 w^T exactly (grid A, w): distances 0; x scale %g", s);
    }
    return BHT_OK;
}
#define DS_SHIFTED_COUNT 80

static void ds_draw(void *cand, grng *r, uint64_t *fl)
{
    gold_pair_cand *t = cand;
    bht__gold_pair_draw_A(t, r, fl);
    int sh = (int)bht__rng_int(r, 0, 40);
    for (size_t m = 0; m < t->n * t->d; m++)
        t->B[m] = t->A[m] + ldexp(rng_sym(r), -sh);
    (void)bht__gold_draw_query_x(r, t->d, t->x);
    *fl |= sh >= 20 ? FLAG(F_NEAR) : 0;
}

static const gold_search DS_SEARCH = {100, sizeof(gold_pair_cand), bht__gold_pair_try, bht__gold_pair_keep, ds_draw};

static const family DS_FAMILIES[] = {
    {"special", DS_SPECIAL_COUNT, ds_special, FLAG(F_SPECIAL), NULL},
    {"close", DS_CLOSE_COUNT, ds_close, 0, NULL},
    {"shifted", DS_SHIFTED_COUNT, ds_shifted, 0, NULL},
    {"random", 100, bht__gold_model_random, 0, NULL},
    {"worst", 60, bht__gold_worst, 0, &DS_SEARCH},
    {"invalid", MODEL_INVALID_COUNT, bht__gold_model_invalid, 0, NULL},
};

const golden_fn bht__gold_fn_distance_softmax = {
    "distance_softmax", 600000, 2.0, FAMILIES(DS_FAMILIES),
    &bht__gold_pair_hooks};
