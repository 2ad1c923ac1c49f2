/* gen_nu_leverage.c: golden function nu_leverage (golden/FORMAT.md).
 *
 * nu_leverage: the local analysis (nu, local constant, derivative) of the
 * leverage model A perturbed along M at the query weights s. */
#include <stdlib.h>

#include "golden/golden_internal.h"

static bht_status nl_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A8[8] = {1.0, 0.0, 0.5, 2.0, -1.0, 1.5, 0.25, -3.0};
    static const double M8[8] = {0.0, 1.0, 2.0, -1.0, 0.5, 0.5, -1.5, 1.0};
    static const double s4[4] = {1.0, -2.0, 0.5, 3.0}, Z8[8] = {0};
    /* M = A S (S = [0 2; 1 -1]), M = M0 + A S (S = [0 3; -1 0]), s -> -8 s,
     * and (A R, M R) for R = [1 1; 0 1]. */
    double AS[8], MAS[8], s8[4], AR[8], MR[8];
    for (size_t k = 0; k < 8; k++) {
        AS[k] = k % 2 ? 2.0 * A8[k - 1] - A8[k] : A8[k + 1];
        MAS[k] = M8[k] + (k % 2 ? 3.0 * A8[k - 1] : -A8[k + 1]);
        AR[k] = k % 2 ? A8[k - 1] + A8[k] : A8[k];
        MR[k] = k % 2 ? M8[k - 1] + M8[k] : M8[k];
    }
    for (size_t k = 0; k < 4; k++)
        s8[k] = -8.0 * s4[k];
    const gold_model_row t[] = {
        {4, 2, A8, Z8, s4, 0, "M = 0: everything 0"},
        {4, 2, A8, AS, s4, FLAG(F_SHIFTED), "M = A S (S = [0 2; 1 -1]): W = 0, everything 0"},
        {4, 2, A8, M8, s4, 0, "M0 (the next three vectors give the same results)"},
        {4, 2, A8, MAS, s4, FLAG(F_SHIFTED), "M = M0 + A S exactly (S = [0 3; -1 0]): same results as M0"},
        {4, 2, A8, M8, s8, 0, "s -> -8 s: same results as M0"},
        {4, 2, AR, MR, s4, 0, "(A R, M R), R = [1 1; 0 1]: same results as M0"},
        {2, 2, VALUES(1.0, 2.0, 3.0, 5.0), M8, s4, FLAG(F_SQUARE), "n = d: H = I, W = 0, everything 0"},
        {3, 1, VALUES(1.0, 1.0, 0.0), VALUES(0.0, 0.0, 2.0), NULL, 0,
         "zero row a_3 = 0 with m_3 = 2: nu = 0, local_constant = 1"},
        {2, 1, VALUES(1.0, 1.0), VALUES(1.0, -1.0), NULL, 0,
         "d = 1, a = (1, 1), m = (1, -1): nu = 1, derivative (1, -1)"},
        {4, 2, A8, M8, VALUES(0x1p-30, 1.0, 0x1p30, -1.0), 0, "M0 with s over 2^[-30, 30]"},
    };
    return bht__gold_model_row(c, &t[i]);
}
#define NL_SPECIAL_COUNT 10

/* A random vector: M = M0 short dyadic or, in the family flagged shifted,
 * M = M0 + A S exactly (S an integer d x d matrix): the same results as M0. */
static bht_status nl_model(gcase *c, size_t i, grng *r)
{
    (void)i;
    int shifted = (c->family->flags & FLAG(F_SHIFTED)) != 0;
    const char *da = bht__gold_lm_begin(c, r);
    size_t n = c->n, d = c->d;
    double S[16];
    if (shifted)
        for (size_t k = 0; k < d * d; k++)
            S[k] = (double)bht__rng_int(r, -3, 3);
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < d; b++) {
            double v = bht__gold_short_dyadic(r);
            for (size_t k = 0; shifted && k < d; k++)
                v += c->A[a * d + k] * S[k * d + b];
            c->M[a * d + b] = v;
        }
    const char *q = bht__gold_lm_end(c, r);
    c->flags |= FLAG(F_RANDOM);
    if (shifted)
        bht__gold_comment(c, "M = M0 + A S exactly (S integer; A %s); %s", da, q);
    else
        bht__gold_comment(c, "random: A %s, M short dyadic; %s", da, q);
    return BHT_OK;
}

static void nl_draw(void *cand, grng *r, uint64_t *fl)
{
    gold_pair_cand *t = cand;
    size_t n, d;
    (void)fl;
    bht__gold_draw_lm_shape(r, &n, &d);
    t->n = n;
    t->d = d;
    (void)bht__gold_lm_design(r, n, d, t->A);
    for (size_t m = 0; m < n * d; m++)
        t->B[m] = bht__gold_short_dyadic(r);
    (void)bht__gold_lm_query(r, n, t->s);
}

static const gold_search NL_SEARCH = {LM_CANDIDATES, sizeof(gold_pair_cand), bht__gold_pair_try, bht__gold_pair_keep, nl_draw};

static const family NL_FAMILIES[] = {
    {"special", NL_SPECIAL_COUNT, nl_special, FLAG(F_SPECIAL), NULL},
    {"random", 200, nl_model, 0, NULL},
    {"shifted", 40, nl_model, FLAG(F_SHIFTED), NULL},
    LM_LAST_FAMILIES(&NL_SEARCH),
};

const golden_fn bht__gold_fn_nu_leverage = {
    "nu_leverage", 1000000, 2.0, FAMILIES(NL_FAMILIES),
    &bht__gold_pair_hooks};
