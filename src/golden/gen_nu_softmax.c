/* gen_nu_softmax.c: golden function nu_softmax (golden/FORMAT.md).
 *
 * nu_softmax: the local analysis (nu, local constant, derivative) of the
 * softmax model A perturbed along M at the query x. */
#include <stdlib.h>

#include "golden/golden_internal.h"

static bht_status nu_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A12[12] = {0.5, -1.0, 2.0, 1.5, 0.0, -0.75,
                                   -2.5, 1.0, 0.125, 3.0, -3.0, 1.0};
    static const double M12[12] = {1.0, 0.0, -1.0, 2.0, 0.5, 0.25,
                                   -1.0, 3.0, 0.0, 0.75, -2.0, 1.5};
    static const double x3[3] = {0.3, -1.7, 2.25}, Z12[12] = {0};
    /* M = M0 + 1 w^T exactly for M0 = 0 and M0 = M12, w = (0.5, -0.25, 3). */
    static const double w[3] = {0.5, -0.25, 3.0};
    double W[12], MW[12];
    for (size_t k = 0; k < 12; k++) {
        W[k] = w[k % 3];
        MW[k] = M12[k] + w[k % 3];
    }
    const double *one = VALUES(1.0, 1.0, 1.0);
    const gold_model_row t[] = {
        {4, 3, A12, Z12, x3, 0, "M = 0: nu = 0, derivative 0"},
        {4, 3, A12, W, x3, FLAG(F_SHIFTED), "M = 1 w^T: g constant, nu = 0, derivative 0"},
        {4, 3, A12, MW, x3, FLAG(F_SHIFTED), "M = M0 + 1 w^T exactly: same results as M0 (next vector)"},
        {4, 3, A12, M12, x3, 0, "M0 (previous vector without the shift)"},
        {1, 2, VALUES(1.0, 2.0), VALUES(-5.0, 7.0), VALUES(0.75, -1.25), FLAG(F_N1), "n = 1: nu = 0"},
        {4, 3, A12, M12, VALUES(0.0, 0.0, 0.0), 0, "x = 0: g = 0, nu = 0"},
        {4, 3, A12, A12, x3, 0, "M = A: nu = variance of the logits under p"},
        {2, 1, VALUES(1.0, 1.0), VALUES(1.0, -1.0), one, 0,
         "p = (1/2, 1/2), g = (1, -1): nu = 1, nu/8, derivative (1/2, -1/2)"},
        {3, 1, VALUES(0.0, -800.0, -745.0), VALUES(1.0, 2.0, 3.0), one, FLAG(F_LARGE_LOGITS) | FLAG(F_GAP),
         "logit gaps 745 and 800: tiny or zero derivative components"},
        {3, 3, VALUES(1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.5, 0.5, 0.0),
         VALUES(0x1p53, 1.0, -0x1p53, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0), one, FLAG(F_ILL),
         "g_1 = 2^53 + 1 - 2^53 = 1 (exact products needed)"},
        {2, 2, VALUES(0x1p1000, 0.0, 0.0, 1.0), VALUES(1.0, 0.0, 0.0, 2.0), VALUES(0x1p30, 1.0), 0,
         "a_11 x_1 = 2^1030: beyond the kernel's product bound"},
        {3, 1, VALUES(0.0, 1.0, 2.0), VALUES(1e10, 1e10, 1e10 + 1.0), one, 0,
         "g = 1e10 + (0, 0, 1): the offset 1e10 must cancel exactly"},
    };
    return bht__gold_model_row(c, &t[i]);
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

static void nu_draw(void *cand, grng *r, uint64_t *fl)
{
    gold_pair_cand *t = cand;
    bht__gold_pair_draw_A(t, r, fl);
    (void)bht__gold_draw_design(r, t->n, t->d, t->B, fl);
    (void)bht__gold_draw_query_x(r, t->d, t->x);
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
    &bht__gold_pair_hooks};
