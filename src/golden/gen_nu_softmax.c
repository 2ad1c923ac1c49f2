/* gen_nu_softmax.c: golden function nu_softmax (golden/FORMAT.md).
 *
 * nu_softmax: the local analysis (nu, local constant, derivative) of the
 * softmax model A perturbed along M at the query x. */
#include <stdlib.h>

#include "golden/golden_internal.h"

/* The 4 x 3 model A with M = M0 + 1 w^T exactly, w = (0.5, -0.25, 3). */
static void nu_shifted_special(gcase *c, const double *A, const double *M0, const double *x,
                               const char *comment)
{
    static const double w[3] = {0.5, -0.25, 3.0};
    double M[12];
    for (size_t k = 0; k < 12; k++)
        M[k] = M0[k] + w[k % 3];
    bht__gold_model_fill(c, 4, 3, A, M, x);
    c->flags |= FLAG(F_SHIFTED);
    bht__gold_comment(c, "%s", comment);
}

static bht_status nu_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A12[12] = {0.5, -1.0, 2.0, 1.5, 0.0, -0.75,
                                   -2.5, 1.0, 0.125, 3.0, -3.0, 1.0};
    static const double M12[12] = {1.0, 0.0, -1.0, 2.0, 0.5, 0.25,
                                   -1.0, 3.0, 0.0, 0.75, -2.0, 1.5};
    static const double x3[3] = {0.3, -1.7, 2.25}, Z12[12] = {0};
    switch (i) {
    case 0:
        bht__gold_model_fill(c, 4, 3, A12, Z12, x3);
        bht__gold_comment(c, "M = 0: nu = 0, derivative 0");
        break;
    case 1:
        nu_shifted_special(c, A12, Z12, x3, "M = 1 w^T: g constant, nu = 0, derivative 0");
        break;
    case 2:
        nu_shifted_special(c, A12, M12, x3, "M = M0 + 1 w^T exactly: same results as M0 (next vector)");
        break;
    case 3:
        bht__gold_model_fill(c, 4, 3, A12, M12, x3);
        bht__gold_comment(c, "M0 (previous vector without the shift)");
        break;
    case 4: {
        static const double A[2] = {1.0, 2.0}, M[2] = {-5.0, 7.0}, x[2] = {0.75, -1.25};
        bht__gold_model_fill(c, 1, 2, A, M, x);
        c->flags |= FLAG(F_N1);
        bht__gold_comment(c, "n = 1: nu = 0");
        break;
    }
    case 5: {
        static const double x[3] = {0.0, 0.0, 0.0};
        bht__gold_model_fill(c, 4, 3, A12, M12, x);
        bht__gold_comment(c, "x = 0: g = 0, nu = 0");
        break;
    }
    case 6:
        bht__gold_model_fill(c, 4, 3, A12, A12, x3);
        bht__gold_comment(c, "M = A: nu = variance of the logits under p");
        break;
    case 7: {
        static const double A[2] = {1.0, 1.0}, M[2] = {1.0, -1.0}, x[1] = {1.0};
        bht__gold_model_fill(c, 2, 1, A, M, x);
        bht__gold_comment(c, "p = (1/2, 1/2), g = (1, -1): nu = 1, nu/8, derivative (1/2, -1/2)");
        break;
    }
    case 8: {
        static const double A[3] = {0.0, -800.0, -745.0}, M[3] = {1.0, 2.0, 3.0};
        static const double x[1] = {1.0};
        bht__gold_model_fill(c, 3, 1, A, M, x);
        c->flags |= FLAG(F_LARGE_LOGITS) | FLAG(F_GAP);
        bht__gold_comment(c, "logit gaps 745 and 800: tiny or zero derivative components");
        break;
    }
    case 9: {
        static const double A[9] = {1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.5, 0.5, 0.0};
        static const double M[9] = {0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0};
        static const double x[3] = {1.0, 1.0, 1.0};
        bht__gold_model_fill(c, 3, 3, A, M, x);
        c->flags |= FLAG(F_ILL);
        bht__gold_comment(c, "g_1 = 2^53 + 1 - 2^53 = 1 (exact products needed)");
        break;
    }
    case 10: {
        static const double A[4] = {0x1p1000, 0.0, 0.0, 1.0}, M[4] = {1.0, 0.0, 0.0, 2.0};
        static const double x[2] = {0x1p30, 1.0};
        bht__gold_model_fill(c, 2, 2, A, M, x);
        bht__gold_comment(c, "a_11 x_1 = 2^1030: beyond the kernel's product bound");
        break;
    }
    default: {
        static const double A[3] = {0.0, 1.0, 2.0}, M[3] = {1e10, 1e10, 1e10 + 1.0};
        static const double x[1] = {1.0};
        bht__gold_model_fill(c, 3, 1, A, M, x);
        bht__gold_comment(c, "g = 1e10 + (0, 0, 1): the offset 1e10 must cancel exactly");
        break;
    }
    }
    return BHT_OK;
}
#define NU_SPECIAL_COUNT 12

/* M = M0 + 1 w^T exactly (grid values): nu and derivative are those of M0. */
static bht_status nu_shifted(gcase *c, size_t i, grng *r)
{
    (void)i;
    size_t n = bht__gold_draw_model_n(r), d = (size_t)bht__rng_int(r, 1, 5);
    const char *da = bht__gold_draw_design(r, n, d, c->A, &c->flags);
    double w[G_MAX_D];
    for (size_t j = 0; j < d; j++)
        w[j] = bht__gold_grid_value(r) * 0x1p10;
    for (size_t k = 0; k < n * d; k++)
        c->M[k] = bht__gold_grid_value(r) + w[k % d];
    double s = bht__gold_draw_query_x(r, d, c->x);
    bht__gold_model_shape(c, n, d);
    c->flags |= FLAG(F_RANDOM) | FLAG(F_SHIFTED);
    bht__gold_comment(c, "M = M0 + 1 w^T exactly (grid M0, w up to 2^14); A %s; x scale %g", da, s);
    return BHT_OK;
}
#define NU_SHIFTED_COUNT 60

enum { NU_MAXN = 8, NU_MAXD = 4 };
static void nu_draw(void *cand, grng *r, uint64_t *fl)
{
    gold_pair_cand *t = cand;
    size_t n = t->n = (size_t)bht__rng_int(r, 2, NU_MAXN), d = t->d = (size_t)bht__rng_int(r, 1, NU_MAXD);
    (void)bht__gold_draw_design(r, n, d, t->A, fl);
    (void)bht__gold_draw_design(r, n, d, t->B, fl);
    (void)bht__gold_draw_query_x(r, d, t->x);
}

static const gold_search NU_SEARCH = {100, sizeof(gold_pair_cand), bht__gold_pair_try, bht__gold_pair_keep, nu_draw};

static const family NU_FAMILIES[] = {
    {"special", NU_SPECIAL_COUNT, nu_special, FLAG(F_SPECIAL), NULL},
    {"random", 300, bht__gold_model_random, 0, NULL},
    {"shifted", NU_SHIFTED_COUNT, nu_shifted, 0, NULL},
    {"worst", 60, bht__gold_worst, 0, &NU_SEARCH},
    {"invalid", MODEL_INVALID_COUNT, bht__gold_model_invalid, 0, NULL},
};

const golden_fn bht__gold_fn_nu_softmax = {
    "nu_softmax", 900000, 2.0, FAMILIES(NU_FAMILIES),
    bht__gold_pair_expected, bht__gold_pair_flags, bht__gold_pair_inputs, bht__gold_put_local};
