/* gen_distance_softmax.c: golden function distance_softmax (golden/FORMAT.md).
 *
 * distance_softmax: H^2, H and TV between softmax(A x) and softmax(B x). */
#include <stdlib.h>

#include "golden/golden_internal.h"

/* Two outcomes, x = (1, 1): A's logits (g, 0), B's (0, g). */
static void ds_gap(gcase *c, double g, const char *comment)
{
    const double A[4] = {g, 0.0, 0.0, 0.0}, B[4] = {0.0, 0.0, g, 0.0}, x[2] = {1.0, 1.0};
    bht__gold_model_fill(c, 2, 2, A, B, x);
    bht__gold_comment(c, "%s", comment);
}

static bht_status ds_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A6[6] = {1.0, -2.0, 0.5, 3.0, -1.5, 0.25};
    static const double A12[12] = {0.5, -1.0, 2.0, 1.5, 0.0, -0.75,
                                   -2.5, 1.0, 0.125, 3.0, -3.0, 1.0};
    static const double x2[2] = {0.75, -1.25}, x3[3] = {0.3, -1.7, 2.25};
    switch (i) {
    case 0:
        bht__gold_model_fill(c, 3, 2, A6, NULL, x2);
        c->flags |= FLAG(F_IDENTICAL);
        bht__gold_comment(c, "B = A: distances 0");
        break;
    case 1: {
        double B[12];
        static const double w[3] = {0.5, -0.25, 3.0};
        for (size_t k = 0; k < 12; k++)
            B[k] = A12[k] + w[k % 3];
        bht__gold_model_fill(c, 4, 3, A12, B, x3);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_SHIFTED);
        bht__gold_comment(c, "B = A + 1 w^T exactly, w = (0.5, -0.25, 3): distances 0");
        break;
    }
    case 2: {
        double B[12];
        static const double w[3] = {1e6, -0x1p-20, 7.0};
        static const double x[3] = {1e10, -3e9, 0.5};
        for (size_t k = 0; k < 12; k++)
            B[k] = A12[k] + w[k % 3];
        bht__gold_model_fill(c, 4, 3, A12, B, x);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_SHIFTED) | FLAG(F_LARGE_LOGITS);
        bht__gold_comment(c, "B = A + 1 w^T exactly, large x (logits ~1e10): distances 0");
        break;
    }
    case 3: {
        static const double A[2] = {1.0, 2.0}, B[2] = {-5.0, 7.0};
        bht__gold_model_fill(c, 1, 2, A, B, x2);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_N1);
        bht__gold_comment(c, "n = 1: both models are the point mass");
        break;
    }
    case 4: {
        static const double x[3] = {0.0, -0.0, 0.0};
        double B[12];
        for (size_t k = 0; k < 12; k++)
            B[k] = -A12[k] * 3.0;
        bht__gold_model_fill(c, 4, 3, A12, B, x);
        c->flags |= FLAG(F_IDENTICAL) | FLAG(F_SIGNED_ZERO);
        bht__gold_comment(c, "x = 0: both uniform, distances 0");
        break;
    }
    case 5: {
        static const double A[3] = {0.0, 1.0, 2.0}, B[3] = {0.0, 1.0, 2.5}, x[1] = {1.0};
        bht__gold_model_fill(c, 3, 1, A, B, x);
        bht__gold_comment(c, "d = 1: logits (0, 1, 2) vs (0, 1, 2.5)");
        break;
    }
    case 6: {
        double B[6];
        memcpy(B, A6, sizeof B);
        B[3] = 0x1.8000000000001p1; /* the double after 3 */
        bht__gold_model_fill(c, 3, 2, A6, B, x2);
        c->flags |= FLAG(F_NEAR);
        bht__gold_comment(c, "one entry of B moved by one ulp");
        break;
    }
    case 7: {
        double B[12];
        for (size_t k = 0; k < 12; k++)
            B[k] = A12[k] + ((k % 2) ? 0x1p-40 : -0x1p-40);
        bht__gold_model_fill(c, 4, 3, A12, B, x3);
        c->flags |= FLAG(F_NEAR);
        bht__gold_comment(c, "B = A +- 2^-40 (models ~1e-12 apart)");
        break;
    }
    case 8: {
        double B[12];
        for (size_t k = 0; k < 12; k++)
            B[k] = A12[k] + ((k % 3) ? 1.0 : -1.0);
        bht__gold_model_fill(c, 4, 3, A12, B, x3);
        bht__gold_comment(c, "B = A +- 1 (models 1 apart)");
        break;
    }
    case 9:
        ds_gap(c, 1000.0, "P ~ point mass on 1, Q on 2 (q_2 / p_2 = e^1000): H^2 = TV ~ 1");
        c->flags |= FLAG(F_LARGE_LOGITS);
        break;
    case 10:
        ds_gap(c, 600.0, "logit gaps 600 (q_2 / p_2 = e^1200 > e^700)");
        break;
    case 11:
        ds_gap(c, 300.0, "logit gaps 300 (q / p up to e^600)");
        break;
    case 12: {
        static const double A[4] = {0x1p1000, 0.0, 0.0, 1.0}, B[4] = {0x1p1000, 0.0, 0.0, 2.0};
        static const double x[2] = {0x1p30, 1.0};
        bht__gold_model_fill(c, 2, 2, A, B, x);
        bht__gold_comment(c, "a_11 x_1 = 2^1030: beyond the kernel's product bound");
        break;
    }
    case 13: {
        static const double x[2] = {0x1p-1074, -0x1.8p-1070};
        double B[6];
        for (size_t k = 0; k < 6; k++)
            B[k] = A6[k] * 0.5;
        bht__gold_model_fill(c, 3, 2, A6, B, x);
        c->flags |= FLAG(F_SUBNORMAL_IN);
        bht__gold_comment(c, "subnormal x: logits ~1e-320 (distances subnormal or 0)");
        break;
    }
    default: {
        /* Cancelling products: both models' logits are exactly (1, 0). */
        static const double A[6] = {0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0};
        static const double B[6] = {0x1p53, 2.0, -0x1p53, 0.0, 0.0, 0.0};
        static const double x[3] = {1.0, 1.0, 1.0};
        bht__gold_model_fill(c, 2, 3, A, B, x);
        c->flags |= FLAG(F_ILL);
        bht__gold_comment(c, "logits 2^53 + 1 - 2^53 = 1 and 2^53 + 2 - 2^53 = 2 (exact products)");
        break;
    }
    }
    return BHT_OK;
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


enum { DS_MAXN = 8, DS_MAXD = 4 };
static void ds_draw(void *cand, grng *r, uint64_t *fl)
{
    gold_pair_cand *t = cand;
    size_t n = t->n = (size_t)bht__rng_int(r, 2, DS_MAXN), d = t->d = (size_t)bht__rng_int(r, 1, DS_MAXD);
    (void)bht__gold_draw_design(r, n, d, t->A, fl);
    int sh = (int)bht__rng_int(r, 0, 40);
    for (size_t m = 0; m < n * d; m++)
        t->B[m] = t->A[m] + ldexp(rng_sym(r), -sh);
    (void)bht__gold_draw_query_x(r, d, t->x);
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
    bht__gold_pair_expected, bht__gold_pair_flags, bht__gold_pair_inputs, bht__gold_put_distances};
