/* test_dd_leaves.c: checks, against MPFR, the leaf contracts of the
 * double-double primitives that the kernels proof unit assumes
 * (src/core/dd_leaves.h, rows D0-D6 of proofs/TRUSTED_BASE.md), by calling
 * the primitives themselves.  The `value` clauses only name what each
 * primitive computes; what is checked here is every other clause:
 *
 * D0  two_sum: the first output is RN(a + b).
 * D1  dd_add: for dd_operand inputs the result is finite, normalized
 *     (rh == RN(rh + rl)) and within dd_add_err of the exact sum.
 * D2  dd_mul: the same with |xh yh| <= 2^1000 and dd_mul_err.
 * D3  dd_div: the same with |yh| >= 2^-500, |xh / yh| <= 2^1000, dd_div_err.
 * D4  dd_sqrt: finite, rh >= 0, normalized for 0 <= ah <= 2^1000, finite
 *     al; rh <= 2^501, |rl| <= 2^-53 rh when also |al| <= ah; within
 *     dd_sqrt_err for normalized ah >= 2^-960.
 * D5  dd_round_scaled: for finite hi >= 0, finite lo: not NaN, >= 0; finite
 *     and <= 1 when hi 2^scale <= 1; RN(2^scale (hi + lo)) (overflow to
 *     +inf included) for a normalized pair.
 * D6  dd_round_scaled_signed: RN(2^scale (hi + lo)) for a normalized pair.
 * The error bounds are spec/dd.h's (dd_*_err): relative 2^-104 (add, sqrt),
 * 2^-103 (mul), 2^-102 (div), absolute slack 2^-1070.  Edge values first,
 * then seeded random inputs over the whole exponent range. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include "harness.h"
#include "core/dd_elementary.h"

#define PREC 4600
#define CASES 100000

/* A random double with a random sign and exponent in [emin, emax]. */
static double random_double(test_rng *r, int emin, int emax)
{
    int e = emin + (int)test_rng_int(r, 0, (size_t)(emax - emin));
    double m = 1.0 + test_rng_unit(r);
    double x = ldexp(m, e);
    return (test_rng_next(r) & 1) ? -x : x;
}

/* A low part with |l| <= 2^-53 |h| (sometimes 0, sometimes the extreme). */
static double random_low(test_rng *r, double h)
{
    switch (test_rng_next(r) % 4) {
    case 0:
        return 0.0;
    case 1:
        return ldexp(h, -53) * ((test_rng_next(r) & 1) ? 1.0 : -1.0);
    default:
        return ldexp(h, -53) * (2.0 * test_rng_unit(r) - 1.0);
    }
}

static void set_dd(mpfr_t v, double h, double l)
{
    mpfr_set_d(v, h, MPFR_RNDN);
    mpfr_add_d(v, v, l, MPFR_RNDN); /* exact at PREC */
}

/* RN(h + l) in binary64 (subnormals, overflow). */
static double rn_sum(double h, double l, long scale)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_t s, r;
    mpfr_init2(s, PREC);
    mpfr_init2(r, 53);
    set_dd(s, h, l);
    mpfr_mul_2si(s, s, scale, MPFR_RNDN);
    mpfr_set_emin(-1073);
    mpfr_set_emax(1024);
    int t = mpfr_set(r, s, MPFR_RNDN);
    t = mpfr_check_range(r, t, MPFR_RNDN);
    mpfr_subnormalize(r, t, MPFR_RNDN);
    double out = mpfr_get_d(r, MPFR_RNDN);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    mpfr_clears(s, r, (mpfr_ptr)0);
    return out;
}

/* |r - want| <= rel |want| + 2^-1070, r = rh + rl. */
static int within(double rh, double rl, mpfr_t want, int rel_log2)
{
    mpfr_t r, err, lim;
    mpfr_inits2(PREC, r, err, lim, (mpfr_ptr)0);
    set_dd(r, rh, rl);
    mpfr_sub(err, r, want, MPFR_RNDN);
    mpfr_abs(err, err, MPFR_RNDN);
    mpfr_abs(lim, want, MPFR_RNDN);
    mpfr_mul_2si(lim, lim, rel_log2, MPFR_RNDN);
    mpfr_t slack;
    mpfr_init2(slack, 53);
    mpfr_set_ui_2exp(slack, 1, -1070, MPFR_RNDN);
    mpfr_add(lim, lim, slack, MPFR_RNDU);
    int ok = mpfr_lessequal_p(err, lim);
    mpfr_clears(r, err, lim, slack, (mpfr_ptr)0);
    return ok;
}

static void check_result(const char *what, double rh, double rl, mpfr_t want, int rel_log2,
                         int bound, double a, double b, double c, double d)
{
    cr_assert(isfinite(rh) && isfinite(rl), "%s(%a, %a, %a, %a): not finite", what, a, b, c, d);
    cr_assert(rn_sum(rh, rl, 0) == rh, "%s(%a, %a, %a, %a) = (%a, %a): not normalized", what, a,
              b, c, d, rh, rl);
    cr_assert(!bound || within(rh, rl, want, rel_log2), "%s(%a, %a, %a, %a) = (%a, %a): beyond 2^%d", what,
              a, b, c, d, rh, rl, rel_log2);
}

static void check_add(double ah, double al, double bh, double bl)
{
    double rh, rl;
    dd_add(ah, al, bh, bl, &rh, &rl);
    mpfr_t want, b;
    mpfr_inits2(PREC, want, b, (mpfr_ptr)0);
    set_dd(want, ah, al);
    set_dd(b, bh, bl);
    mpfr_add(want, want, b, MPFR_RNDN);
    check_result("D1 dd_add", rh, rl, want, -104, 1, ah, al, bh, bl);
    mpfr_clears(want, b, (mpfr_ptr)0);
}

static void check_mul(double xh, double xl, double yh, double yl)
{
    if (!(fabs(xh * yh) <= 0x1p1000))
        return;
    double rh, rl;
    dd_mul(xh, xl, yh, yl, &rh, &rl);
    mpfr_t want, y;
    mpfr_inits2(PREC, want, y, (mpfr_ptr)0);
    set_dd(want, xh, xl);
    set_dd(y, yh, yl);
    mpfr_mul(want, want, y, MPFR_RNDN);
    check_result("D2 dd_mul", rh, rl, want, -103,
                 xh * yh == 0.0 || fabs(xh * yh) >= 0x1p-900, xh, xl, yh, yl);
    mpfr_clears(want, y, (mpfr_ptr)0);
}

static void check_div(double xh, double xl, double yh, double yl)
{
    if (!(fabs(yh) >= 0x1p-500 && fabs(xh / yh) <= 0x1p1000))
        return;
    double rh, rl;
    dd_div(xh, xl, yh, yl, &rh, &rl);
    cr_assert(!(xh >= 0.0 && yh > 0.0) || rh >= 0.0, "D3 sign: dd_div(%a, %a, %a, %a) = %a", xh,
              xl, yh, yl, rh);
    mpfr_t want, y;
    mpfr_inits2(PREC, want, y, (mpfr_ptr)0);
    set_dd(want, xh, xl);
    set_dd(y, yh, yl);
    mpfr_div(want, want, y, MPFR_RNDN);
    check_result("D3 dd_div", rh, rl, want, -102,
                 xh == 0.0 || (fabs(xh) >= 0x1p-900 && fabs(xh / yh) >= 0x1p-900), xh, xl, yh, yl);
    mpfr_clears(want, y, (mpfr_ptr)0);
}

static void check_sqrt(double ah, double al)
{
    double rh, rl;
    dd_sqrt(ah, al, &rh, &rl);
    cr_assert(isfinite(rh) && isfinite(rl) && rh >= 0.0, "D4 dd_sqrt(%a, %a) = (%a, %a)", ah, al,
              rh, rl);
    cr_assert(rn_sum(rh, rl, 0) == rh, "D4 dd_sqrt(%a, %a) = (%a, %a): not normalized", ah, al, rh,
              rl);
    if (fabs(al) <= ah && ah <= 0x1p1000)
        cr_assert(rh <= 0x1p501 && fabs(rl) <= 0x1p-53 * rh, "D4 operand: dd_sqrt(%a, %a) = (%a, %a)",
                  ah, al, rh, rl);
    if (ah >= 0x1p-960 && fabs(al) <= 0x1p-53 * ah) {
        mpfr_t want;
        mpfr_init2(want, PREC);
        set_dd(want, ah, al);
        mpfr_sqrt(want, want, MPFR_RNDN);
        check_result("D4 dd_sqrt", rh, rl, want, -104, 1, ah, al, 0.0, 0.0);
        mpfr_clear(want);
    }
}

static void check_round(double hi, double lo, int scale)
{
    double got = dd_round_scaled(hi, lo, scale);
    cr_assert(!isnan(got) && got >= 0.0, "D5 dd_round_scaled(%a, %a, %d) = %a", hi, lo, scale,
              got);
    if (ldexp(hi, scale) <= 1.0 && (scale <= 0 || hi <= 1.0))
        cr_assert(isfinite(got) && got <= 1.0, "D5 unit: dd_round_scaled(%a, %a, %d) = %a", hi,
                  lo, scale, got);
    if (rn_sum(hi, lo, 0) == hi) {
        double want = rn_sum(hi, lo, scale);
        cr_assert(got == want, "D5 rounded: dd_round_scaled(%a, %a, %d) = %a, RN %a", hi, lo,
                  scale, got, want);
        double sg = dd_round_scaled_signed(-hi, -lo, scale);
        cr_assert(sg == -want, "D6 dd_round_scaled_signed(%a, %a, %d) = %a, RN %a", -hi, -lo,
                  scale, sg, -want);
        cr_assert(dd_round_scaled_signed(hi, lo, scale) == want, "D6 (+)");
    }
}

static const double edges[] = {0.0, 0x1p-1074, 0x1p-1022, 0x1p-960, 0x1p-500, 0.5, 1.0,
                               0x1.fffffffffffffp-1, 1.5, 0x1p500, 0x1p1000};

Test(dd_leaves, edges)
{
    const size_t ne = sizeof edges / sizeof edges[0];
    for (size_t a = 0; a < ne; a++)
        for (size_t b = 0; b < ne; b++)
            for (int s = 0; s < 4; s++) {
                double x = (s & 1) ? -edges[a] : edges[a], y = (s & 2) ? -edges[b] : edges[b];
                double xl[] = {0.0, ldexp(x, -53), -ldexp(x, -54)};
                for (int k = 0; k < 3; k++) {
                    check_add(x, xl[k], y, 0.0);
                    check_add(x, xl[k], -x, -xl[k] / 2);
                    check_mul(x, xl[k], y, -ldexp(y, -53));
                    check_div(x, xl[k], y, ldexp(y, -53));
                }
            }
    for (size_t a = 0; a < ne; a++) {
        check_sqrt(edges[a], 0.0);
        check_sqrt(edges[a], ldexp(edges[a], -53));
        check_sqrt(edges[a], -ldexp(edges[a], -53));
        const int scales[] = {-2000000, -1100, -1075, -1074, -1022, -1021, -1, 0, 1, 24, 1023,
                              2000000};
        for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
            check_round(edges[a], 0.0, scales[s]);
            check_round(edges[a], ldexp(edges[a], -54), scales[s]);
            check_round(edges[a], -ldexp(edges[a], -55), scales[s]);
        }
    }
}

Test(dd_leaves, random)
{
    test_rng r = {0x64646c6561766573ULL}; /* "ddleaves" */
    for (int i = 0; i < CASES; i++) {
        /* operand exponents: the whole range, or a narrow common one (cancellation) */
        int wide = (int)(test_rng_next(&r) % 2);
        int e0 = (int)test_rng_int(&r, 0, 2000) - 1000;
        double ah = wide ? random_double(&r, -1074, 999) : random_double(&r, e0 - 3, e0 + 3);
        double bh = wide ? random_double(&r, -1074, 999) : random_double(&r, e0 - 3, e0 + 3);
        if (!wide && (test_rng_next(&r) & 3) == 0)
            bh = -ah * (1.0 + ldexp(test_rng_unit(&r), -(int)test_rng_int(&r, 1, 60)));
        double al = random_low(&r, ah), bl = random_low(&r, bh);
        double a = two_sum(ah, bh, &(double){0});
        cr_assert(a == rn_sum(ah, bh, 0), "D0 two_sum(%a, %a) = %a", ah, bh, a);
        check_add(ah, al, bh, bl);
        check_mul(ah, al, bh, bl);
        check_div(ah, al, bh, bl);
        check_sqrt(fabs(ah), random_low(&r, fabs(ah)));
        check_sqrt(fabs(ah), fabs(ah) * (2.0 * test_rng_unit(&r) - 1.0)); /* |al| <= ah */
        int scale = (int)test_rng_int(&r, 0, 4400) - 2200;
        check_round(fabs(ah), al, scale);
    }
}
