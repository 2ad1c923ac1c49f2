/* gen_distance_leverage.c: golden function distance_leverage (golden/FORMAT.md).
 *
 * distance_leverage: H^2, H and TV between the leverage distributions of
 * the models A and B at the query weights s. */
#include <stdlib.h>

#include "golden/golden_internal.h"

static void lm_same_model(grng *r, size_t n, size_t d, const double *A, double *B)
{
    double R[16], U[16], L[16];
    size_t perm[4] = {0, 1, 2, 3};
    for (size_t j = d; j-- > 1;) {
        size_t k = (size_t)bht__rng_int(r, 0, (long)j), t = perm[j];
        perm[j] = perm[k];
        perm[k] = t;
    }
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            U[a * d + b] = a == b ? 1.0 : a < b ? (double)bht__rng_int(r, -2, 2) : 0.0;
            L[a * d + b] = a == b ? 1.0 : a > b ? (double)bht__rng_int(r, -2, 2) : 0.0;
        }
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            double v = 0.0;
            for (size_t k = 0; k < d; k++)
                v += L[a * d + k] * U[k * d + perm[b]];
            R[a * d + b] = v;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < d; b++) {
            double v = 0.0;
            for (size_t k = 0; k < d; k++)
                v += A[i * d + k] * R[k * d + b];
            B[i * d + b] = v;
        }
}

static bht_status dl_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    static const double A8[8] = {1.0, 0.0, 0.5, 2.0, -1.0, 1.5, 0.25, -3.0};
    static const double B8[8] = {1.0, 0.5, 0.0, 2.0, -1.0, 1.0, 0.75, -3.0};
    static const double s4[4] = {1.0, -2.0, 0.5, 3.0};
    /* B = A R for R = [1 1; 0 1], B = -3 A, and B = A + 2^-40 e_{2,2}. */
    double AR[8], Aneg[8], Anear[8];
    for (size_t k = 0; k < 8; k++) {
        AR[k] = k % 2 ? A8[k] + A8[k - 1] : A8[k];
        Aneg[k] = -3.0 * A8[k];
        Anear[k] = A8[k] + (k == 3 ? 0x1p-40 : 0.0);
    }
    const gold_model_row t[] = {
        {4, 2, A8, NULL, s4, FLAG(F_IDENTICAL), "B = A: distances 0"},
        {4, 2, A8, AR, s4, FLAG(F_IDENTICAL), "B = A R, R = [1 1; 0 1]: same model, distances 0"},
        {4, 2, A8, Aneg, s4, FLAG(F_IDENTICAL), "B = -3 A: same model, distances 0"},
        {2, 2, VALUES(1.0, 2.0, 3.0, 5.0), VALUES(2.0, -1.0, 0.5, 7.0), s4, FLAG(F_IDENTICAL) | FLAG(F_SQUARE),
         "n = d (both square): p = q = 1/d, distances 0"},
        {4, 2, A8, B8, s4, 0, "two 4 x 2 designs differing in two entries"},
        {3, 1, VALUES(1.0, 0.0, 0.0), VALUES(0.0, 0.0, 1.0), NULL, FLAG(F_DISJOINT),
         "d = 1, disjoint supports: H^2 = TV = 1"},
        {3, 1, VALUES(1.0, 1.0, 1.0), VALUES(1.0, 1.0, 0x1.0000000000001p+0), NULL, FLAG(F_NEAR),
         "d = 1, one entry one ulp apart"},
        {4, 2, A8, Anear, s4, FLAG(F_NEAR), "B = A + 2^-40 e_{2,2}"},
        {4, 2, A8, B8, VALUES(0x1p-30, 1.0, 0x1p30, -1.0), 0, "as vector 5 with s over 2^[-30, 30]"},
        {3, 2, VALUES(1.0, 0.0, 0.0, 1.0, 0.0, 0.0), VALUES(1.0, 0.0, 0.0, 1.0, 1.0, 1.0), NULL, 0,
         "A with a zero row (p_3 = 0), B without"},
    };
    return bht__gold_model_row(c, &t[i]);
}
#define DL_SPECIAL_COUNT 10

/* B = A + 2^-k E (E short dyadic), k in 0..40: models 1 .. 1e-12 apart. */
static bht_status dl_close(gcase *c, size_t i, grng *r)
{
    const char *da = bht__gold_lm_begin(c, r);
    int k = (int)(i % 41);
    for (size_t m = 0; m < c->n * c->d; m++)
        c->B[m] = c->A[m] + ldexp(bht__gold_short_dyadic(r), -k);
    const char *q = bht__gold_lm_end(c, r);
    c->flags |= FLAG(F_RANDOM) | (k >= 20 ? FLAG(F_NEAR) : 0);
    bht__gold_comment(c, "B = A + 2^-%d E (A %s, E short dyadic); %s", k, da, q);
    return BHT_OK;
}
#define DL_CLOSE_COUNT 123

static bht_status dl_same(gcase *c, size_t i, grng *r)
{
    (void)i;
    const char *da = bht__gold_lm_begin(c, r);
    lm_same_model(r, c->n, c->d, c->A, c->B);
    const char *q = bht__gold_lm_end(c, r);
    c->flags |= FLAG(F_RANDOM) | FLAG(F_IDENTICAL);
    bht__gold_comment(c, "B = A R exactly (R unimodular integer; A %s): distances 0; %s", da, q);
    return BHT_OK;
}
#define DL_SAME_COUNT 40

static bht_status dl_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    const char *da = bht__gold_lm_begin(c, r);
    (void)bht__gold_lm_design(r, c->n, c->d, c->B);
    const char *q = bht__gold_lm_end(c, r);
    c->flags |= FLAG(F_RANDOM);
    bht__gold_comment(c, "independent models (A %s); %s", da, q);
    return BHT_OK;
}
#define DL_RANDOM_COUNT 60


static void dl_draw(void *cand, grng *r, uint64_t *fl)
{
    gold_pair_cand *t = cand;
    /* n > d: square designs give p = q = 1/d whatever B is. */
    size_t d = t->d = (size_t)bht__rng_int(r, 1, 4), n = t->n = d + (size_t)bht__rng_int(r, 1, 10 - (long)d);
    (void)bht__gold_lm_design(r, n, d, t->A);
    int sh = (int)bht__rng_int(r, 0, 40);
    for (size_t m = 0; m < n * d; m++)
        t->B[m] = t->A[m] + ldexp(bht__gold_short_dyadic(r), -sh);
    (void)bht__gold_lm_query(r, n, t->s);
    *fl = sh >= 20 ? FLAG(F_NEAR) : 0;
}

static const gold_search DL_SEARCH = {LM_CANDIDATES, sizeof(gold_pair_cand), bht__gold_pair_try, bht__gold_pair_keep, dl_draw};

static const family DL_FAMILIES[] = {
    {"special", DL_SPECIAL_COUNT, dl_special, FLAG(F_SPECIAL), NULL},
    {"close", DL_CLOSE_COUNT, dl_close, 0, NULL},
    {"same", DL_SAME_COUNT, dl_same, 0, NULL},
    {"random", DL_RANDOM_COUNT, dl_random, 0, NULL},
    LM_LAST_FAMILIES(&DL_SEARCH),
};

const golden_fn bht__gold_fn_distance_leverage = {
    "distance_leverage", 700000, 2.0, FAMILIES(DL_FAMILIES),
    &bht__gold_pair_hooks};
