/* gen_lemma_a1.c: golden function lemma_a1 (golden/FORMAT.md).
 *
 * lemma_a1: the bounds h2max and tvmax of Lemma A.1 for a given eps. */
#include <stdlib.h>

#include "golden/golden_internal.h"

/* ============================================================= lemma_a1 */

/* One hand-picked eps (special and invalid families). */
typedef struct la_eps {
    double eps;
    uint64_t flags;
    const char *comment;
} la_eps;

static bht_status la_set(gcase *c, const la_eps *t)
{
    c->eps = t->eps;
    bht__gold_label(c, t->flags, t->comment);
    return BHT_OK;
}

static const la_eps LA_SPECIAL[] = {
    {0.0, 0, "eps = 0"},
    {-0.0, FLAG(F_SIGNED_ZERO), "eps = -0 (equal to 0, so valid)"},
    {0x1p-1074, FLAG(F_SUBNORMAL_IN) | FLAG(F_CUTOFF), "smallest subnormal eps"},
    {0x1p-1022, 0, "DBL_MIN"},
    {1e-300, 0, "1e-300"},
    {0x1.fffffffffffffp-61, FLAG(F_CUTOFF), "just below 2^-60 (Taylor cut-off)"},
    {0x1p-60, FLAG(F_CUTOFF), "2^-60 (Taylor cut-off)"},
    {0x1.0000000000001p-60, FLAG(F_CUTOFF), "just above 2^-60"},
    {0x1p-4, FLAG(F_CUTOFF), "eps/4 = 2^-6"},
    {0.25, 0, "0.25"},
    {1.0, 0, "1"},
    {4.0, 0, "4 (eps/4 = 1)"},
    {0x1.fffffffffffffp+6, 0, "just below 128"},
    {0x1.3ffffffffffffp+6, FLAG(F_CUTOFF), "just below 80 (tvmax rounds to 1 from 80)"},
    {80.0, FLAG(F_CUTOFF), "80"},
    {0x1.3ffffffffffffp+7, FLAG(F_CUTOFF), "just below 160 (h2max rounds to 1 from 160)"},
    {160.0, FLAG(F_CUTOFF), "160"},
    {200.0, 0, "200"},
    {1000.0, 0, "1000"},
    {1e300, 0, "1e300"},
    {DBL_MAX, 0, "DBL_MAX"},
    {2.772588722239781, 0, "near 4 ln 2"},
    {0.1, 0, "0.1"},
};

static bht_status la_special(gcase *c, size_t i, grng *r)
{
    (void)r;
    return la_set(c, &LA_SPECIAL[i]);
}

/* eps = (1 + k/4) 2^e for e in [-996, 7], k in 0..3, capped at 200. */
#define LA_GRID_EXP_MIN (-996)
#define LA_GRID_COUNT (4 * (7 - LA_GRID_EXP_MIN) + 3)
static bht_status la_grid(gcase *c, size_t i, grng *r)
{
    (void)r;
    int e = LA_GRID_EXP_MIN + (int)(i / 4);
    double m = 1.0 + (double)(i % 4) * 0.25;
    c->eps = ldexp(m, e);
    c->flags |= FLAG(F_LOGSPACED);
    bht__gold_comment(c, "eps = %g * 2^%d", m, e);
    return BHT_OK;
}

static bht_status la_random(gcase *c, size_t i, grng *r)
{
    (void)i;
    c->eps = ldexp(1.0 + bht__rng_unit(r), (int)bht__rng_int(r, -80, 7));
    c->flags |= FLAG(F_RANDOM);
    bht__gold_comment(c, "random eps in [2^-80, 2^8)");
    return BHT_OK;
}

typedef struct la_cand {
    double eps;
    bht_lemma_a1_bounds ob;
} la_cand;

static bht_status la_try(const gold_search *s, int fn, void *cand, grng *r, double *err, uint64_t *fl)
{
    (void)s;
    (void)fn;
    (void)fl;
    la_cand *t = cand;
    t->eps = ldexp(1.0 + bht__rng_unit(r), (int)bht__rng_int(r, -70, 7));
    bht_lemma_a1_bounds kb;
    if (bht_lemma_a1(t->eps, &kb) != BHT_OK)
        return BHT_OK;
    bht_status st = bht_oracle_lemma_a1(t->eps, &t->ob, NULL, NULL);
    if (st != BHT_OK)
        return st;
    const double kv[2] = {kb.h2max, kb.tvmax}, ov[2] = {t->ob.h2max, t->ob.tvmax};
    *err = bht__gold_search_score(2, kv, ov);
    return BHT_OK;
}

static void la_keep(const void *cand, gcase *c)
{
    const la_cand *t = cand;
    c->eps = t->eps;
    c->lemma = t->ob;
}

static const gold_search LA_SEARCH = {5000, sizeof(la_cand), la_try, la_keep, NULL};

static const la_eps LA_INVALID[] = {
    {-1.0, FLAG(F_INV_NEGATIVE), "eps = -1"},
    {-0x1p-1074, FLAG(F_INV_NEGATIVE), "eps = -2^-1074"},
    {-1e300, FLAG(F_INV_NEGATIVE), "eps = -1e300"},
    {-200.0, FLAG(F_INV_NEGATIVE), "eps = -200"},
    {NAN, FLAG(F_INV_NONFINITE), "eps = NaN"},
    {INFINITY, FLAG(F_INV_NONFINITE), "eps = +inf (the limits exist, but inf is not an eps)"},
    {-INFINITY, FLAG(F_INV_NONFINITE), "eps = -inf"},
};

static bht_status la_invalid(gcase *c, size_t i, grng *r)
{
    (void)r;
    c->invalid = 1;
    return la_set(c, &LA_INVALID[i]);
}

static const family LA_FAMILIES[] = {
    {"special", COUNT_OF(LA_SPECIAL), la_special, FLAG(F_SPECIAL), NULL},
    {"grid", LA_GRID_COUNT, la_grid, 0, NULL},
    {"random", 600, la_random, 0, NULL},
    {"worst", 100, bht__gold_worst, 0, &LA_SEARCH},
    {"invalid", COUNT_OF(LA_INVALID), la_invalid, 0, NULL},
};

static bht_status expected(gcase *c)
{
    return bht_oracle_lemma_a1(c->eps, &c->lemma, NULL, NULL);
}

static void flags(gcase *c)
{
    const double out[2] = {c->lemma.h2max, c->lemma.tvmax};
    bht__gold_flag_subnormal_in(c, 1, &c->eps);
    bht__gold_flag_outputs(c, c->invalid ? 0 : 2, out);
}

static void inputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_scalar(b, nomem, "eps", 0, c->eps);
}

static void outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_scalar(b, nomem, "h2max", 0, c->lemma.h2max);
    bht__gold_put_scalar(b, nomem, "tvmax", 1, c->lemma.tvmax);
}

const golden_fn bht__gold_fn_lemma_a1 = {
    "lemma_a1", 800000, 1.0, FAMILIES(LA_FAMILIES),
    &(const gold_hooks){expected, flags, inputs, outputs}};
