/* test_claims.c: the claims report reaches its verdicts from its numbers:
 * perturbing the constant a claim checks (the library's test hook) must flip
 * that claim's verdict and leave the others alone. */
#include <criterion/criterion.h>
#include <string.h>
#include "harness.h"

static size_t run(const char *broken, bht_claim *claims)
{
    bht_claims_options opt = {1, broken};
    size_t count = 0;
    cr_assert_eq(bht_claims_run(&opt, claims, BHT_CLAIMS_MAX, &count), BHT_OK);
    cr_assert_geq(count, 8);
    return count;
}

Test(claims, every_claim_has_evidence_and_a_valid_verdict, .timeout = 120)
{
    static bht_claim claims[BHT_CLAIMS_MAX];
    size_t count = run(NULL, claims);
    for (size_t k = 0; k < count; k++) {
        const bht_claim *c = &claims[k];
        cr_assert(strcmp(c->verdict, "HOLDS") == 0 || strcmp(c->verdict, "FAILS") == 0
                      || strcmp(c->verdict, "HOLDS_WITH_CORRECTION") == 0,
                  "%s: verdict %s", c->id, c->verdict);
        cr_assert_geq(c->evidence_count, 2, "%s has no evidence", c->id);
        cr_assert_eq(strcmp(c->verdict, "HOLDS") != 0, c->correction[0] != '\0',
                     "%s: a correction exactly when the verdict is not HOLDS", c->id);
        for (size_t j = 0; j < k; j++)
            cr_assert_neq(strcmp(c->id, claims[j].id), 0, "duplicate id %s", c->id);
    }
}

Test(claims, a_deliberately_broken_constant_flips_exactly_its_claim, .timeout = 600)
{
    static bht_claim base[BHT_CLAIMS_MAX], broken[BHT_CLAIMS_MAX];
    size_t count = run(NULL, base);
    for (size_t k = 0; k < count; k++) {
        size_t again = run(base[k].id, broken);
        cr_assert_eq(again, count);
        for (size_t j = 0; j < count; j++) {
            int same = strcmp(base[j].verdict, broken[j].verdict) == 0;
            if (j == k)
                cr_assert(!same, "breaking %s left its verdict at %s", base[k].id,
                          base[k].verdict);
            else
                cr_assert(same, "breaking %s changed %s", base[k].id, base[j].id);
        }
    }
}
