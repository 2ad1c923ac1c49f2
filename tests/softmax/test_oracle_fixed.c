/* test_oracle_fixed.c: the softmax(z) oracle's 128-bit fixed-point first
 * attempt (src/softmax/softmax_oracle_fixed.c) against the MPFR Ziv path
 * (mpfr_exp, forced by an explicit start precision).  The two compute the
 * exponentials and the normaliser with different arithmetic, and both must
 * give the correctly rounded value, so their bits must agree; the report
 * tells which path decided. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "harness.h"
#include "bht.h"

#define MAX_N 400

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Default (fixed point first) against MPFR from 200 bits; returns the
 * default call's report. */
static bht_oracle_report check_against_mpfr(size_t n, const double *z, const char *what)
{
    static const bht_oracle_options mpfr_only = {200, 1L << 16};
    double p1[MAX_N], p2[MAX_N];
    bht_oracle_report rep = {0, 0};
    cr_assert_eq(bht_oracle_softmax_logits(n, z, p1, NULL, &rep), BHT_OK, "%s", what);
    cr_assert_eq(bht_oracle_softmax_logits(n, z, p2, &mpfr_only, NULL), BHT_OK, "%s", what);
    for (size_t i = 0; i < n; i++)
        cr_assert(same_bits(p1[i], p2[i]), "%s: n %zu component %zu: %a (fixed) vs %a (MPFR)",
                  what, n, i, p1[i], p2[i]);
    return rep;
}

/* Special values: one logit, ties, huge magnitudes with small differences,
 * differences that need two doubles (TwoSum), the -1500 cut and outputs
 * near the subnormal range (these go to MPFR). */
Test(oracle_fixed, special_values)
{
    const double one[] = {3.0};
    bht_oracle_report rep = check_against_mpfr(1, one, "one logit");
    cr_assert_eq(rep.precision_used, 128, "p = 1 decided by the fixed-point attempt");
    const double ties[] = {7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0};
    for (size_t n = 2; n <= 8; n++)
        check_against_mpfr(n, ties, "ties");
    const double huge[] = {1e308, -1e308, 1e308, 0x1.fffffffffffffp1023, -0x1.fffffffffffffp1023};
    check_against_mpfr(5, huge, "huge");
    const double twosum[] = {0x1p60, 0x1p60 - 4096.0, 1.0, 0x1p60 - 1.5e3, 0x1p-1074};
    check_against_mpfr(5, twosum, "two-double differences");
    const double near_cut[] = {0.0, -1499.999, -1500.0, -1500.0000000001, -745.0, -708.0,
                               -700.0, -1e-300, 0x1p-1074, -0x1p-1074};
    rep = check_against_mpfr(10, near_cut, "near the -1500 cut and the subnormal range");
    cr_assert_geq(rep.attempts, 2, "subnormal outputs are left to the MPFR Ziv loop");
    const double small[] = {1e-300, -1e-300, 0.0, 2e-300, 5e-324};
    rep = check_against_mpfr(5, small, "tiny differences");
    cr_assert_eq(rep.precision_used, 128);
    /* k at its largest for normal outputs: x near 708 (p near 2^-1021). */
    const double deep[] = {0.0, -707.5, -708.25, -706.0, -1.0};
    check_against_mpfr(5, deep, "outputs near 2^-1021");
}

/* Random logits at several scales, from a few ulps apart to the full
 * exponential range. */
Test(oracle_fixed, random_scales, .timeout = 300)
{
    test_rng rng = {20261206};
    const double scales[] = {1e-12, 1e-3, 1.0, 10.0, 100.0, 400.0, 700.0, 1000.0};
    double z[MAX_N];
    int fixed_decided = 0;
    for (int k = 0; k < 400; k++) {
        size_t n = test_rng_int(&rng, 1, MAX_N);
        double scale = scales[k % 8], shift = (k & 8) ? 950.0 : ((k & 16) ? -1e6 : 0.0);
        for (size_t i = 0; i < n; i++)
            z[i] = shift + scale * test_rng_normal(&rng);
        fixed_decided += check_against_mpfr(n, z, "random").precision_used == 128;
    }
    cr_assert_geq(fixed_decided, 200, "the fixed-point attempt decided %d of 400", fixed_decided);
}
