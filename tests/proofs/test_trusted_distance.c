/* test_trusted_distance.c: checks every admitted fact of the WP proof of
 * src/distance/distance.c (proofs/TRUSTED_BASE.md, rows T1-T12) against
 * MPFR, first on edge inputs, then on seeded random inputs (SplitMix64,
 * seeds below).  Most facts are about the dd.h / dd_elementary.h helpers,
 * which are static inline functions of the headers; T11 is about the static
 * helper quarter_of of distance.c, called through bht__dist_quarter_of
 * (distance_stages.h, a one-line call compiled in distance.c): the test
 * calls exactly the code the kernel runs, not a copy. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include "harness.h"
#include "core/dd_elementary.h"

#include "distance/distance_stages.h"

#define N_RANDOM 100000
#define BIG_PREC 2400 /* any sum/product of two or three doubles is exact */

/* Exact comparisons: a double-valued real in MPFR at BIG_PREC bits. */
static int cmp_d(const mpfr_t x, double d)
{
    return mpfr_cmp_d(x, d);
}

/* dd_nonneg(h, l, b): finite, 0 <= h <= b, |l| <= 2^-52 h. */
static int dd_nonneg(double h, double l, double b)
{
    return isfinite(h) && isfinite(l) && h >= 0.0 && h <= b && fabs(l) <= ldexp(h, -52);
}

/* |l| <= 2^-53 h: the tight low part of the `accuracy` clauses (row T12). */
static int tight(double h, double l)
{
    return fabs(l) <= ldexp(h, -53);
}

/* A double in [2^lo_e, 2^hi_e), log-uniform. */
static double rand_log(test_rng *r, int lo_e, int hi_e)
{
    int k = lo_e + (int)test_rng_int(r, 0, (size_t)(hi_e - lo_e - 1));
    return ldexp(1.0 + test_rng_unit(r), k);
}

/* A low part with |l| <= 2^-53 h (so the pair is a valid dd), sometimes 0. */
static double rand_lo(test_rng *r, double h)
{
    if (test_rng_int(r, 0, 7) == 0)
        return 0.0;
    return ldexp(h, -53) * (2.0 * test_rng_unit(r) - 1.0);
}

/* Fact T1 (dd.h two_prod, admitted in distance.c): 0.25 <= a*b <= 1
 * implies 0.25 <= RN(a*b) <= 1. */
static void check_two_prod(double a, double b)
{
    mpfr_t x;
    mpfr_init2(x, BIG_PREC);
    mpfr_set_d(x, a, MPFR_RNDN);
    mpfr_mul_d(x, x, b, MPFR_RNDN); /* exact */
    double err, p = two_prod(a, b, &err);
    if (cmp_d(x, 0.25) >= 0 && cmp_d(x, 1.0) <= 0)
        cr_assert(p >= 0.25 && p <= 1.0, "two_prod(%a, %a) = %a", a, b, p);
    mpfr_clear(x);
}

Test(trusted_distance, two_prod_monotone)
{
    const double edges[][2] = {{0.5, 0.5}, {1.0, 1.0}, {0.5, 0.5000000000000001},
                               {0.9999999999999999, 0.9999999999999999},
                               {0.25, 1.0}, {1.0, 0.25}, {0.7071067811865476, 0.7071067811865476},
                               {0.7071067811865475, 0.7071067811865475}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_two_prod(edges[i][0], edges[i][1]);
    test_rng r = {0x7d15a1c0ffee0001ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double m = 0.5 + 0.5 * test_rng_unit(&r);   /* frexp mantissa, as in bht_lemma_a1 */
        double b = (i & 1) ? m : 0.25 / m * (1.0 + ldexp(test_rng_unit(&r) - 0.5, -50));
        check_two_prod(m, b);
    }
}

/* Fact T2 (dd.h fast_two_sum): 0.125 <= a+b <= 2 implies 0.125 <= RN(a+b) <= 2. */
static void check_fast_two_sum(double a, double b)
{
    mpfr_t x;
    mpfr_init2(x, BIG_PREC);
    mpfr_set_d(x, a, MPFR_RNDN);
    mpfr_add_d(x, x, b, MPFR_RNDN); /* exact */
    double err, s = fast_two_sum(a, b, &err);
    if (cmp_d(x, 0.125) >= 0 && cmp_d(x, 2.0) <= 0)
        cr_assert(s >= 0.125 && s <= 2.0, "fast_two_sum(%a, %a) = %a", a, b, s);
    mpfr_clear(x);
}

Test(trusted_distance, fast_two_sum_monotone)
{
    const double edges[][2] = {{0.125, 0.0}, {2.0, 0.0}, {0.25, -0x1p-10}, {1.0, 0x1p-10},
                               {2.0, -0x1p-60}, {0.125, 0x1p-80}, {1.0, 1.0},
                               {0.1250000000000001, -0x1p-57}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_fast_two_sum(edges[i][0], edges[i][1]);
    test_rng r = {0x7d15a1c0ffee0002ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double a = 0.25 + 0.75 * test_rng_unit(&r);
        double b = ldexp(2.0 * test_rng_unit(&r) - 1.0, -(int)test_rng_int(&r, 1, 200));
        check_fast_two_sum(a, b);
        check_fast_two_sum(0.125 + ldexp(test_rng_unit(&r), -40), -ldexp(test_rng_unit(&r), -45));
        check_fast_two_sum(2.0 - ldexp(test_rng_unit(&r), -40), ldexp(test_rng_unit(&r), -45));
    }
}

/* Fact T3 (distance.c frexp_tiny): 0 < x <= 2^-60 gives -1073 <= e <= -59,
 * and x = m 2^e exactly with m in [1/2, 1). */
static void check_frexp(double x)
{
    int e;
    double m = frexp(x, &e);
    cr_assert(e >= -1073 && e <= -59, "frexp(%a): e = %d", x, e);
    mpfr_t v;
    mpfr_init2(v, 64);
    mpfr_set_d(v, x, MPFR_RNDN);
    cr_assert_eq(mpfr_get_exp(v), e, "frexp(%a): e = %d, MPFR %ld", x, e, (long)mpfr_get_exp(v));
    cr_assert(m >= 0.5 && m < 1.0 && ldexp(m, e) == x);
    mpfr_clear(v);
}

Test(trusted_distance, frexp_tiny_exponent)
{
    for (int k = -1074; k <= -60; k++) {   /* both ends of every binade */
        check_frexp(ldexp(1.0, k));
        if (k > -1074)
            check_frexp(nextafter(ldexp(1.0, k), 0.0));
        check_frexp(nextafter(ldexp(1.0, k), 1.0));
    }
    check_frexp(DBL_TRUE_MIN);
    check_frexp(0x1p-60);
    test_rng r = {0x7d15a1c0ffee0003ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double x = rand_log(&r, -1074, -60);
        if (x > 0.0 && x <= 0x1p-60)
            check_frexp(x);
    }
}

/* |(rh + rl) - x| <= 2^e |x| for the exact (or BIG_PREC) real x: the
 * relative error bound of a dd step that proofs/gappa/{h2max,tvmax}_dd_chain.gappa
 * assume (JMP17: dd_add 3u^2 + 13u^3 <= 2^-104, dd_mul 5u^2 <= 2^-103,
 * dd_div 15u^2 + 56u^3 <= 2^-102, for results far from underflow). */
static void check_rel(const char *what, mpfr_t x, double rh, double rl, long e)
{
    mpfr_t d;
    mpfr_init2(d, BIG_PREC + 200);
    mpfr_set_d(d, rh, MPFR_RNDN);
    mpfr_add_d(d, d, rl, MPFR_RNDN);      /* exact */
    mpfr_sub(d, d, x, MPFR_RNDN);
    mpfr_div(d, d, x, MPFR_RNDN);
    cr_assert(mpfr_zero_p(d) || mpfr_get_exp(d) <= e, "%s: relative error 2^%ld > 2^%ld", what,
              (long)mpfr_get_exp(d), e);
    mpfr_clear(d);
}

/* Fact T4 (dd.h dd_add): non-negative dd inputs at most 2^1000 give
 * dd_nonneg(r, 2^1002) and (ah + bh)/2 <= rh <= 2 (ah + bh). */
static void check_dd_add(double ah, double al, double bh, double bl)
{
    double rh, rl;
    dd_add(ah, al, bh, bl, &rh, &rl);
    cr_assert(dd_nonneg(rh, rl, 0x1p1002), "dd_add(%a, %a, %a, %a) = (%a, %a)", ah, al, bh, bl, rh, rl);
    mpfr_t s, t;
    mpfr_inits2(BIG_PREC, s, t, (mpfr_ptr)0);
    mpfr_set_d(s, ah, MPFR_RNDN);
    mpfr_add_d(s, s, bh, MPFR_RNDN);      /* exact */
    mpfr_set_d(t, rh, MPFR_RNDN);
    mpfr_mul_2ui(t, t, 1, MPFR_RNDN);
    cr_assert(mpfr_cmp(s, t) <= 0, "dd_add lower: (%a + %a)/2 > %a", ah, bh, rh);
    mpfr_mul_2ui(s, s, 1, MPFR_RNDN);
    cr_assert(mpfr_cmp_d(s, rh) >= 0, "dd_add upper: 2(%a + %a) < %a", ah, bh, rh);
    if (ah >= 0x1p-900 && bh >= 0x1p-900 && tight(ah, al) && tight(bh, bl)) {
        /* T12 (accuracy): tight inputs far from underflow give a tight
         * result within 2^-104 of the exact sum */
        cr_assert(tight(rh, rl), "dd_add(%a, %a, %a, %a): |rl| > 2^-53 rh", ah, al, bh, bl);
        mpfr_set_d(s, ah, MPFR_RNDN);
        mpfr_add_d(s, s, al, MPFR_RNDN);
        mpfr_add_d(s, s, bh, MPFR_RNDN);
        mpfr_add_d(s, s, bl, MPFR_RNDN);  /* exact */
        check_rel("dd_add", s, rh, rl, -104);
    }
    mpfr_clears(s, t, (mpfr_ptr)0);
}

Test(trusted_distance, dd_add_range)
{
    const double big = 0x1p1000, tiny = DBL_TRUE_MIN;
    check_dd_add(0.0, 0.0, 0.0, 0.0);
    check_dd_add(big, 0x1p947, big, 0x1p947);
    check_dd_add(big, -0x1p947, big, 0x1p947);
    check_dd_add(tiny, 0.0, tiny, 0.0);
    check_dd_add(1.0, 0.0, 0x1p-62, 0x1p-116);
    check_dd_add(1.0, 0.0, 0x1p116, -0x1p63);
    check_dd_add(0x1p-1022, 0.0, big, 0.0);
    /* near ties of rh = RN(rh + rl): |rl| at or just below 2^-53 rh (T12) */
    check_dd_add(1.0, 0.0, 0x1p-53, 0.0);
    check_dd_add(1.0, 0.0, 0x1.8p-53, 0.0);
    check_dd_add(1.0, 0.0, 0x1p-53, 0x1p-110);
    check_dd_add(1.0, 0.0, 0x1p-53, -0x1p-110);
    check_dd_add(0x1.fffffffffffffp-1, 0.0, 0x1p-54, 0.0);
    check_dd_add(2.0, 0.0, 0x1p-52, -0x1p-106);
    test_rng r = {0x7d15a1c0ffee0004ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double ah = (i % 5 == 0) ? 1.0 : rand_log(&r, -1074, 1000);
        double bh = (i % 7 == 0) ? 2.0 : rand_log(&r, (i & 1) ? -1074 : -200, (i & 1) ? 1000 : 200);
        check_dd_add(ah, (ah == 1.0 || ah == 2.0) ? 0.0 : rand_lo(&r, ah), bh,
                     (bh == 2.0) ? 0.0 : rand_lo(&r, bh));
    }
}

/* Fact T5 (dd_elementary.h dd_mul): inputs in [2^-400, 2^500] give
 * dd_nonneg(r, 2^1002) and xh yh / 2 <= rh <= 2 xh yh. */
static void check_dd_mul(double xh, double xl, double yh, double yl)
{
    double rh, rl;
    dd_mul(xh, xl, yh, yl, &rh, &rl);
    cr_assert(dd_nonneg(rh, rl, 0x1p1002), "dd_mul(%a, %a, %a, %a) = (%a, %a)", xh, xl, yh, yl, rh, rl);
    mpfr_t p, t;
    mpfr_inits2(BIG_PREC, p, t, (mpfr_ptr)0);
    mpfr_set_d(p, xh, MPFR_RNDN);
    mpfr_mul_d(p, p, yh, MPFR_RNDN);      /* exact */
    mpfr_set_d(t, rh, MPFR_RNDN);
    mpfr_mul_2ui(t, t, 1, MPFR_RNDN);
    cr_assert(mpfr_cmp(p, t) <= 0, "dd_mul lower: %a * %a / 2 > %a", xh, yh, rh);
    mpfr_mul_2ui(p, p, 1, MPFR_RNDN);
    cr_assert(mpfr_cmp_d(p, rh) >= 0, "dd_mul upper: 2 %a %a < %a", xh, yh, rh);
    mpfr_set_d(p, xh, MPFR_RNDN);
    mpfr_add_d(p, p, xl, MPFR_RNDN);
    mpfr_set_d(t, yh, MPFR_RNDN);
    mpfr_add_d(t, t, yl, MPFR_RNDN);
    mpfr_mul(p, p, t, MPFR_RNDN);         /* exact: both sums span < 1200 bits */
    check_rel("dd_mul", p, rh, rl, -103);
    if (tight(xh, xl) && tight(yh, yl))   /* T12: tight output */
        cr_assert(tight(rh, rl), "dd_mul(%a, %a, %a, %a): |rl| > 2^-53 rh", xh, xl, yh, yl);
    mpfr_clears(p, t, (mpfr_ptr)0);
}

Test(trusted_distance, dd_mul_range)
{
    const double lo = 0x1p-400, hi = 0x1p500;
    check_dd_mul(lo, 0.0, lo, 0.0);
    check_dd_mul(hi, 0x1p447, hi, 0x1p447);
    check_dd_mul(hi, -0x1p447, lo, -0x1p-453);
    check_dd_mul(nextafter(hi, 0.0), 0.0, nextafter(hi, 0.0), 0.0);
    check_dd_mul(1.0 + 0x1p-52, 0.0, 1.0 + 0x1p-52, 0.0);       /* low part 2^-104 */
    check_dd_mul(1.0 + 0x1p-52, 0x1p-106, 1.0 - 0x1p-53, -0x1p-107);
    check_dd_mul(0x1.6a09e667f3bcdp+0, 0.0, 0x1.6a09e667f3bcdp+0, 0.0); /* ~ sqrt 2 squared */
    test_rng r = {0x7d15a1c0ffee0005ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double xh = rand_log(&r, -400, 500), yh = (i & 1) ? xh : rand_log(&r, -400, 500);
        double xl = rand_lo(&r, xh), yl = (i & 1) ? xl : rand_lo(&r, yh);
        check_dd_mul(xh, xl, yh, yl);
    }
}

/* Fact T6 (dd.h dd_div): x in [2^-400, 2^500], y in [2^-10, 2^500] give
 * dd_nonneg(r, 2^1000) and rh <= 2 xh / yh. */
static void check_dd_div(double xh, double xl, double yh, double yl)
{
    double rh, rl;
    dd_div(xh, xl, yh, yl, &rh, &rl);
    cr_assert(dd_nonneg(rh, rl, 0x1p1000), "dd_div(%a, %a, %a, %a) = (%a, %a)", xh, xl, yh, yl, rh, rl);
    mpfr_t p, q;
    mpfr_inits2(BIG_PREC, p, q, (mpfr_ptr)0);
    mpfr_set_d(p, rh, MPFR_RNDN);
    mpfr_mul_d(p, p, yh, MPFR_RNDN);      /* rh yh exact */
    mpfr_set_d(q, xh, MPFR_RNDN);
    mpfr_mul_2ui(q, q, 1, MPFR_RNDN);
    cr_assert(mpfr_cmp(p, q) <= 0, "dd_div upper: %a > 2 %a / %a", rh, xh, yh);
    mpfr_mul_2ui(p, p, 1, MPFR_RNDN);     /* 2 rh yh */
    cr_assert(mpfr_cmp_d(p, xh) >= 0, "dd_div lower: %a > 2 %a %a", xh, rh, yh);
    mpfr_set_d(p, xh, MPFR_RNDN);
    mpfr_add_d(p, p, xl, MPFR_RNDN);
    mpfr_set_d(q, yh, MPFR_RNDN);
    mpfr_add_d(q, q, yl, MPFR_RNDN);
    mpfr_div(p, p, q, MPFR_RNDN);         /* relative error 2^-2400 */
    check_rel("dd_div", p, rh, rl, -102);
    if (tight(xh, xl) && tight(yh, yl))   /* T12: tight output */
        cr_assert(tight(rh, rl), "dd_div(%a, %a, %a, %a): |rl| > 2^-53 rh", xh, xl, yh, yl);
    mpfr_clears(p, q, (mpfr_ptr)0);
}

Test(trusted_distance, dd_div_range)
{
    check_dd_div(0x1p-400, 0.0, 0x1p500, 0.0);
    check_dd_div(0x1p500, 0x1p447, 0x1p-10, -0x1p-63);
    check_dd_div(0x1p-400, -0x1p-453, 0x1p-10, 0x1p-63);
    check_dd_div(1.0, 0.0, 3.0, 0.0);
    check_dd_div(1.0, 0.0, 1.0 + 0x1p-52, 0.0);
    check_dd_div(1.0 + 0x1p-52, 0x1p-106, 1.0 - 0x1p-53, 0.0);
    check_dd_div(0x1p-400, 0x1p-453, 0x1p500, -0x1p447);       /* quotient near 2^-900 */
    test_rng r = {0x7d15a1c0ffee0006ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double xh = rand_log(&r, -400, 500), yh = rand_log(&r, -10, 500);
        check_dd_div(xh, rand_lo(&r, xh), yh, rand_lo(&r, yh));
    }
}

/* Compare |y| with u 2^e. */
static int cmpabs_2exp(mpfr_t y, unsigned long u, long e)
{
    mpfr_t b;
    mpfr_init2(b, 64);
    mpfr_set_ui_2exp(b, u, e, MPFR_RNDN);
    int c = mpfr_cmpabs(y, b);
    mpfr_clear(b);
    return c;
}

/* Fact T7 (dd_elementary.h dd_expm1): a in [2^-64, 40] gives
 * dd_nonneg(y, 2^58) and a/2 <= yh; also |y - expm1(a)| <= 2^-60 expm1(a). */
static void check_dd_expm1(double a)
{
    double rh, rl;
    dd_expm1(a, &rh, &rl);
    cr_assert(dd_nonneg(rh, rl, 0x1p58), "dd_expm1(%a) = (%a, %a)", a, rh, rl);
    cr_assert(a / 2 <= rh, "dd_expm1(%a) = %a < a/2", a, rh); /* a/2 exact */
    cr_assert(tight(rh, rl), "dd_expm1(%a) = (%a, %a): |rl| > 2^-53 rh", a, rh, rl); /* T12 */
    mpfr_t e, y;
    mpfr_inits2(300, e, y, (mpfr_ptr)0);
    mpfr_set_d(e, a, MPFR_RNDN);
    mpfr_expm1(e, e, MPFR_RNDN);
    mpfr_set_d(y, rh, MPFR_RNDN);
    mpfr_add_d(y, y, rl, MPFR_RNDN);
    mpfr_sub(y, y, e, MPFR_RNDN);
    mpfr_div(y, y, e, MPFR_RNDN);
    cr_assert(cmpabs_2exp(y, 1, -60) <= 0, "dd_expm1(%a): relative error %g", a,
              mpfr_get_d(y, MPFR_RNDN));
    mpfr_clears(e, y, (mpfr_ptr)0);
}

Test(trusted_distance, dd_expm1_range)
{
    const double edges[] = {0x1p-64, 0x1p-62, 0x1p-4, nextafter(0x1p-4, 1.0),
                            nextafter(0x1p-4, 0.0), 1.0, 20.0, 39.99999999999999, 40.0};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_dd_expm1(edges[i]);
    test_rng r = {0x7d15a1c0ffee0007ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double a = (i & 1) ? 40.0 * test_rng_unit(&r) : rand_log(&r, -64, 5);
        if (a >= 0x1p-64 && a <= 40.0)
            check_dd_expm1(a);
    }
}

/* Fact T8 (dd_elementary.h dd_round_scaled): hi in [0, 2^1000], lo finite
 * (any), -2200 <= scale <= 1 give a finite result >= 0, and <= 1 when
 * scale <= -2 and hi <= 2.  For a normalized dd (|lo| <= 2^-53 hi) it is
 * also checked to be RN(2^scale (hi + lo)) with subnormals (MPFR). */
static void check_round(double hi, double lo, int scale)
{
    double v = dd_round_scaled(hi, lo, scale);
    cr_assert(isfinite(v) && v >= 0.0, "dd_round_scaled(%a, %a, %d) = %a", hi, lo, scale, v);
    if (scale <= -2 && hi <= 2.0)
        cr_assert(v <= 1.0, "dd_round_scaled(%a, %a, %d) = %a > 1", hi, lo, scale, v);
    if (scale == 0 && hi >= 0x1p-1000)   /* zero_scale, whatever lo */
        cr_assert(v == hi, "dd_round_scaled(%a, %a, 0) = %a != hi", hi, lo, v);
    if (hi > 0.0 && hi == hi + lo && fabs(lo) <= ldexp(hi, -53)) {
        /* RN to binary64 with subnormals: round to min(53, bits above 2^-1074). */
        mpfr_t x;
        mpfr_init2(x, BIG_PREC);
        mpfr_set_d(x, hi, MPFR_RNDN);
        mpfr_add_d(x, x, lo, MPFR_RNDN);   /* exact */
        mpfr_mul_2si(x, x, scale, MPFR_RNDN);
        long ex = (long)mpfr_get_exp(x);    /* x in [2^(ex-1), 2^ex) */
        double ref;
        if (ex + 1074 <= 0) {               /* x < 2^-1074: 0 or the least subnormal */
            ref = mpfr_cmp_ui_2exp(x, 1, -1075) > 0 ? DBL_TRUE_MIN : 0.0;
        } else {
            mpfr_prec_round(x, ex + 1074 < 53 ? (mpfr_prec_t)(ex + 1074) : 53, MPFR_RNDN);
            ref = mpfr_get_d(x, MPFR_RNDN);
        }
        cr_assert(v == ref, "dd_round_scaled(%a, %a, %d) = %a, RN = %a", hi, lo, scale, v, ref);
        mpfr_clear(x);
    }
}

Test(trusted_distance, dd_round_scaled_range)
{
    check_round(0.0, 0.0, 0);
    check_round(0.0, 1.0, -5);
    check_round(0x1p1000, 0x1p947, 1);
    check_round(2.0, 0x1p-52, -2);
    check_round(2.0, 1.0e300, -2);
    check_round(0.25, -0x1p-55, -2200);
    check_round(1.0, 0x1p-53, -1075);   /* ties on the subnormal grid */
    check_round(1.5, 0x1p-60, -1074);
    check_round(1.5, -0x1p-60, -1074);
    check_round(0x1.8p-5, 0x1p-70, -1070);
    test_rng r = {0x7d15a1c0ffee0008ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double hi = (i % 3 == 0) ? 0.25 + 1.75 * test_rng_unit(&r) : rand_log(&r, -1074, 1000);
        double lo;
        switch (i % 4) {
        case 0: lo = 0.0; break;
        case 1: lo = rand_lo(&r, hi); break;
        case 2: lo = (fabs(hi) >= 0x1p-1000) ? ldexp(hi, -53) * (test_rng_int(&r, 0, 1) ? 1 : -1) : 0.0; break;
        default: lo = (2.0 * test_rng_unit(&r) - 1.0) * ldexp(1.0, (int)test_rng_int(&r, 0, 2000) - 1000);
        }
        int scale = (i & 1) ? (int)test_rng_int(&r, 0, 2201) - 2200
                            : -1075 - (int)test_rng_int(&r, 0, 60) + 60; /* subnormal results */
        if (scale > 1)
            scale = 1;
        check_round(hi, lo, scale);
    }
}

/* Fact T9 (dd_elementary.h dd_sqrt, admitted in distance.c): for a double
 * 0 <= a <= 1 and a zero low part, the dd root is dd_nonneg(r, 1); the
 * test also checks that rh + rl is within 2^-100 relative of sqrt(a) for
 * a >= 2^-960 (the accuracy the Hellinger term relies on; MPFR at
 * BIG_PREC bits). */
static void check_dd_sqrt(double a)
{
    double rh, rl;
    dd_sqrt(a, 0.0, &rh, &rl);
    cr_assert(dd_nonneg(rh, rl, 1.0), "dd_sqrt(%a) = (%a, %a)", a, rh, rl);
    if (a < 0x1p-960)
        return;
    mpfr_t s, t;
    mpfr_inits2(BIG_PREC, s, t, (mpfr_ptr)0);
    mpfr_set_d(s, a, MPFR_RNDN);
    mpfr_sqrt(s, s, MPFR_RNDN);
    mpfr_set_d(t, rh, MPFR_RNDN);
    mpfr_add_d(t, t, rl, MPFR_RNDN);       /* exact */
    mpfr_sub(t, t, s, MPFR_RNDN);
    mpfr_div(t, t, s, MPFR_RNDN);
    cr_assert(mpfr_zero_p(t) || mpfr_get_exp(t) <= -100, "dd_sqrt(%a): relative error too large", a);
    mpfr_clears(s, t, (mpfr_ptr)0);
}

Test(trusted_distance, dd_sqrt_range)
{
    const double edges[] = {0.0, DBL_TRUE_MIN, DBL_MIN, 0x1p-960, 0x1p-900, 0.25,
                            nextafter(0.25, 0.0), 0.5, nextafter(1.0, 0.0), 1.0};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_dd_sqrt(edges[i]);
    test_rng r = {0x7d15a1c0ffee0009ULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double a = (i % 2) ? test_rng_unit(&r) : rand_log(&r, -1074, 0);
        if (a <= 1.0)
            check_dd_sqrt(a);
    }
}

/* Fact T8, clause zero_scale (dd_elementary.h dd_round_scaled): at scale 0
 * and hi >= 2^-1000 the result is hi itself, whatever the finite lo (the
 * dd chains of bht_lemma_a1 round their quotient this way). */
Test(trusted_distance, dd_round_scaled_zero_scale)
{
    const double his[] = {0x1p-1000, nextafter(0x1p-1000, 1.0), 0x1p-64, 0.5, 1.0,
                          nextafter(1.0, 0.0), 0x1p1000, nextafter(0x1p1000, 0.0)};
    const double los[] = {0.0, -0.0, DBL_TRUE_MIN, -DBL_TRUE_MIN, 0x1p-1060, 1.0, -1.0,
                          DBL_MAX, -DBL_MAX};
    for (size_t i = 0; i < sizeof his / sizeof his[0]; i++)
        for (size_t j = 0; j < sizeof los / sizeof los[0]; j++) {
            check_round(his[i], los[j], 0);
            check_round(his[i], ldexp(his[i], -53), 0);    /* a tie of hi + lo */
            check_round(his[i], -ldexp(his[i], -53), 0);
        }
    test_rng r = {0x7d15a1c0ffee000aULL};
    for (int i = 0; i < N_RANDOM; i++) {
        double hi = rand_log(&r, -1000, 1000);
        double lo = (i & 1) ? rand_lo(&r, hi)
                            : (2.0 * test_rng_unit(&r) - 1.0) * ldexp(1.0, (int)test_rng_int(&r, 0, 2000) - 1000);
        check_round(hi, lo, 0);
    }
}

/* Fact T11 (distance.c quarter_of, proved in Coq: proofs/coq/Binary64.v,
 * mul_quarter_exact): for 2^-60 <= x <= 160 (and, as the Coq statement,
 * every double x >= 2^-1020) the result is x / 4 exactly. */
static void check_quarter(double x)
{
    double q = bht__dist_quarter_of(x);
    mpfr_t v;
    mpfr_init2(v, 64);
    mpfr_set_d(v, x, MPFR_RNDN);
    mpfr_div_2ui(v, v, 2, MPFR_RNDN);      /* exact */
    cr_assert(isfinite(q) && mpfr_cmp_d(v, q) == 0, "quarter_of(%a) = %a != x/4", x, q);
    mpfr_clear(v);
}

Test(trusted_distance, quarter_of_exact)
{
    for (int k = -1020; k <= 1023; k++) {  /* both ends of every binade */
        check_quarter(ldexp(1.0, k));
        check_quarter(nextafter(ldexp(1.0, k), INFINITY));
        if (k > -1020)
            check_quarter(nextafter(ldexp(1.0, k), 0.0));
    }
    const double edges[] = {0x1p-60, nextafter(0x1p-60, 1.0), 160.0, nextafter(160.0, 0.0),
                            80.0, nextafter(80.0, 0.0), 0x1.fffffffffffffp-1, DBL_MAX};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_quarter(edges[i]);
    test_rng r = {0x7d15a1c0ffee000bULL};
    for (int i = 0; i < N_RANDOM; i++) {
        check_quarter(rand_log(&r, -60, 8) * ((i & 1) ? 1.0 : 0.625)); /* [2^-60, 160) */
        check_quarter(rand_log(&r, -1020, 1023));
    }
    /* the oracle does see an inexact product: below 2^-1020 x / 4 may fall
     * off the subnormal grid (the bound of the Coq statement is needed) */
    double odd = nextafter(0x1p-1021, 1.0), q = odd * 0.25;
    mpfr_t v;
    mpfr_init2(v, 64);
    mpfr_set_d(v, odd, MPFR_RNDN);
    mpfr_div_2ui(v, v, 2, MPFR_RNDN);
    cr_assert(mpfr_cmp_d(v, q) != 0, "0x1.0000000000001p-1021 / 4 was expected inexact");
    mpfr_clear(v);
}
