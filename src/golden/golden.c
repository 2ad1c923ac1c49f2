/* golden.c: the golden test-vector corpus (golden/FORMAT.md): the dispatch.
 *
 * Why the generator lives in the library and not in the CLI: every vector is
 * a pure function of (fn, index), rendered into a caller-owned text buffer,
 * so the CLI (`bht golden`) only writes files and the tests can regenerate or
 * inspect single vectors in-process.  The library still prints nothing,
 * opens no file and keeps no global mutable state (every table below is
 * const).
 *
 * Determinism.  The corpus must regenerate bit for bit on any IEEE-754
 * machine, so:
 *  - inputs come from SplitMix64 streams seeded by (fn, family, index) and
 *    from exactly specified binary64 operations (+, -, *, /, ldexp, integer
 *    conversions), never from libm functions such as exp, log or cos whose
 *    results differ between libraries;
 *  - expected values come from the MPFR oracles (correctly rounded, so the
 *    same on every machine);
 *  - the worst-case search compares the double kernels, which use only
 *    correctly rounded operations (+, -, *, /, sqrt, fma, ldexp, frexp), with
 *    the oracles, so the selected vectors do not depend on the platform;
 *  - floats are printed by bht_golden_format_double, not by printf("%a")
 *    (whose output differs between C libraries for subnormals).
 *
 * Layout: each function ("fn") is a list of families (special values, random,
 * worst cases, invalid, ...); vector `index` of a fn belongs to the family
 * whose range contains it, and its tcId is the fn's base + index + 1.  The
 * bases are fixed per fn (room for 99999 vectors each), so adding a fn or
 * appending vectors to a family at the END of a fn's list never renumbers
 * existing vectors.
 *
 * Files: gen_<fn>.c holds one function's golden_fn record (tcId base,
 * tolerance, families, hooks: oracle, flags, rendering) and its families
 * (tables of case makers), or names the families its sibling functions
 * share, defined once in golden_leverage.c (leverage, leverage_scores) and
 * golden_regression.c (the three regression functions); golden_shared.c
 * and golden_models.c hold the helpers several generators use; this file
 * the fn table, the seeding and retry loop, and the line layout common to
 * all. */
#include <stdlib.h>

#include "golden/golden_internal.h"

/* tcId bases are fixed per fn (issue 6's list: softmax_logits 1, softmax 2,
 * leverage 3, leverage_scores 4, distance 5, distance_softmax 6,
 * distance_leverage 7, lemma_a1 8, nu_softmax 9, nu_leverage 10; FORMAT.md
 * published these reservations before the last two landed); the softmax
 * regression functions (issue 18) take 11, 12 and 13. */
static const golden_fn *const FNS[FN_COUNT] = {
    [FN_SOFTMAX_LOGITS] = &bht__gold_fn_softmax_logits,
    [FN_SOFTMAX] = &bht__gold_fn_softmax,
    [FN_LEVERAGE] = &bht__gold_fn_leverage,
    [FN_LEVERAGE_SCORES] = &bht__gold_fn_leverage_scores,
    [FN_DISTANCE] = &bht__gold_fn_distance,
    [FN_DISTANCE_SOFTMAX] = &bht__gold_fn_distance_softmax,
    [FN_DISTANCE_LEVERAGE] = &bht__gold_fn_distance_leverage,
    [FN_LEMMA_A1] = &bht__gold_fn_lemma_a1,
    [FN_NU_SOFTMAX] = &bht__gold_fn_nu_softmax,
    [FN_NU_LEVERAGE] = &bht__gold_fn_nu_leverage,
    [FN_REGRESSION_LOSS] = &bht__gold_fn_regression_loss,
    [FN_REGRESSION_GRADIENT] = &bht__gold_fn_regression_gradient,
    [FN_REGRESSION_HESSIAN] = &bht__gold_fn_regression_hessian,
};

static size_t case_count(const golden_fn *f)
{
    size_t total = 0;
    for (size_t k = 0; k < f->family_count; k++)
        total += f->families[k].count;
    return total;
}

size_t bht_golden_fn_count(void) { return FN_COUNT; }

bht_status bht_golden_fn_get(size_t fn, bht_golden_fn_info *info)
{
    if (fn >= FN_COUNT || !info)
        return BHT_E_INVALID;
    info->name = FNS[fn]->name;
    info->tcid_base = FNS[fn]->base;
    info->cases = case_count(FNS[fn]);
    info->tol_ulp = FNS[fn]->tol_ulp;
    return BHT_OK;
}

static void render(const golden_fn *f, size_t index, const gcase *c, bht_golden_buffer *b,
                   int *nomem)
{
    bht__gold_append(b, nomem, "{\"tcId\":%lld,\"fn\":\"%s\",\"inputs\":{",
                (long long)(f->base + (int64_t)index + 1), f->name);
    f->hooks->inputs(c, b, nomem);
    bht__gold_append_raw(b, "},\"expected\":{", 14, nomem);
    if (!c->invalid)
        f->hooks->outputs(c, b, nomem);
    bht__gold_append(b, nomem, "},\"tol\":{\"ulp\":%g},\"flags\":[", f->tol_ulp);
    int first = 1;
    for (size_t k = 0; k < F_COUNT; k++)
        if (c->flags & FLAG(k)) {
            bht__gold_append(b, nomem, "%s\"%s\"", first ? "" : ",", bht__gold_flag_name(k));
            first = 0;
        }
    bht__gold_append_raw(b, "],\"comment\":", 12, nomem);
    bht__gold_put_string(b, nomem, c->comment);
    bht__gold_append(b, nomem, ",\"result\":\"%s\"}\n", c->invalid ? "invalid" : "valid");
}

bht_status bht_golden_render(size_t fn, size_t index, bht_golden_buffer *out, int *valid)
{
    if (fn >= FN_COUNT || !out)
        return BHT_E_INVALID;
    const golden_fn *f = FNS[fn];
    size_t local = index, k = 0;
    while (k < f->family_count && local >= f->families[k].count)
        local -= f->families[k++].count;
    if (k == f->family_count)
        return BHT_E_INVALID;
    gcase *c = calloc(1, sizeof *c);
    if (!c)
        return BHT_E_NOMEM;
    /* Seed: (fn base, family number, index within the family), mixed. */
    grng r = {(uint64_t)f->base * 0x100000001b3ULL ^ ((uint64_t)k << 40) ^ (uint64_t)local};
    (void)bht__rng_next(&r);
    /* An oracle can refuse (BHT_E_PRECISION) when the exact value is a
     * rounding tie it cannot detect (e.g. H^2 = 1 - 2^-54 for disjoint
     * supports whose sums are 1 - 2^-53), the leverage oracle finds a random
     * design exactly rank deficient (BHT_E_SINGULAR), or a search finds no
     * candidate inside the kernel's domain (BHT_E_PRECISION); random
     * families then draw again from the same stream, which keeps the result
     * deterministic. */
    bht_status s = BHT_E_PRECISION;
    for (int attempt = 0; attempt < 16 && (s == BHT_E_PRECISION || s == BHT_E_SINGULAR);
         attempt++) {
        memset(c, 0, sizeof *c);
        c->fn = (int)fn;
        c->family = &f->families[k];
        c->flags = c->family->flags;
        s = c->family->make(c, local, &r);
        if (s == BHT_OK)
            s = c->invalid || c->expected_done ? BHT_OK : f->hooks->expected(c);
    }
    if (s == BHT_OK) {
        f->hooks->flags(c);
        int nomem = 0;
        size_t mark = out->length;
        render(f, index, c, out, &nomem);
        if (nomem) {
            out->length = mark;
            if (out->data)
                out->data[mark] = '\0';
            s = BHT_E_NOMEM;
        }
        if (valid)
            *valid = !c->invalid;
    }
    free(c);
    return s;
}
