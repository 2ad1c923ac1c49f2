/* test_trusted_softmax.c: checks against MPFR, by calling the functions
 * themselves, the leaf facts S1-S5, LA6, LA7 that the WP proof of the
 * softmax(A x) pipeline admits (proofs/TRUSTED_BASE.md): edge cases first,
 * then seeded random inputs over each contract's whole domain.  A failure
 * prints the inputs in %a. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include "harness.h"
#include "core/dd.h"
#include "core/dd_exp.h"
#include "core/long_acc.h"

#define EXACT_PREC 2400
#define RANDOM_CASES 100000

/* RN(v) in binary64, subnormals included: mpfr_get_d rounds correctly into
 * the subnormal range (MPFR 4.2 manual, "Conversion Functions"). */
static double binary64_of(const mpfr_t v)
{
    return mpfr_get_d(v, MPFR_RNDN);
}

/* A normalized dd pair: hi in [lo_mag, hi_mag) with random significand,
 * lo a random value below half an ulp of hi. */
static void random_dd(test_rng *r, double lo_mag, double hi_mag, double *hi, double *lo)
{
    double h = test_rng_uniform(r, lo_mag, hi_mag);
    if (h >= hi_mag)
        h = lo_mag;
    double l = (test_rng_unit(r) - 0.5) * ldexp(1.0, ilogb(h) - 52);
    *hi = h + l;
    *lo = l - (*hi - h);
}

Test(trusted_softmax, dd_exp_leaf_S1)
{
    test_rng rng = {0x51};
    const double edges[] = {0.0, -0.0, -0x1p-1074, -0x1p-60, -1e-300, -746.0, -745.5, -1100.0,
                            709.0, 0x1p-60, -0x1.62e42fefa39efp-7, 0x1.62e42fefa39efp-8};
    for (int k = 0; k < RANDOM_CASES; k++) {
        double th, tl;
        if (k < (int)(sizeof edges / sizeof edges[0])) {
            th = edges[k];
            tl = 0.0;
        } else {
            th = (k & 1) ? test_rng_uniform(&rng, -746.0, 0.0)
                         : test_rng_uniform(&rng, BHT_DD_EXP_MIN, BHT_DD_EXP_MAX);
            tl = (test_rng_unit(&rng) - 0.5) * 0x1p-40;
            if (k % 7 == 0)
                tl = (test_rng_unit(&rng) - 0.5) * ldexp(1.0, ilogb(fmax(fabs(th), 0x1p-1000)) - 52);
        }
        double mh, ml;
        int scale;
        bht_dd_exp(th, tl, &mh, &ml, &scale);
        cr_assert(isfinite(mh) && isfinite(ml) && mh > 0.99 && mh < 2.0 && fabs(ml) <= 0x1p-53
                      && scale >= -1600 && scale <= 1100,
                  "range: th=%a tl=%a -> %a %a %d", th, tl, mh, ml, scale);
        if (th <= 0)
            cr_assert(scale <= 0, "th=%a tl=%a scale %d", th, tl, scale);
        if (th == 0 && tl == 0)
            cr_assert(scale == 0 && mh + ml >= 0.99 && mh + ml <= 1.01, "exp(0): %a %a %d", mh, ml,
                      scale);
        /* dd_exp_accurate (relative error <= 2^-66 against mpfr_exp) is
         * checked on 200 000 arguments by test_softmax.c,
         * softmax_blocks::dd_exp_relative_error_below_2_pow_minus_66. */
    }
}

Test(trusted_softmax, scale_pair_leaf_S2)
{
    test_rng rng = {0x53};
    mpfr_t v;
    mpfr_inits2(64, v, (mpfr_ptr)0);
    for (int k = 0; k < RANDOM_CASES; k++) {
        double eh = test_rng_uniform(&rng, 0.99, 2.0), el = (test_rng_unit(&rng) - 0.5) * 0x1p-52;
        if (eh <= 0.99 || eh >= 2.0)
            eh = 1.0;
        int scale = k < 2000 ? -(k % 1601) : -(int)test_rng_int(&rng, 0, 1600);
        if (k % 5 == 0)
            scale = -(int)test_rng_int(&rng, 1015, 1080); /* the subnormal range */
        double bh, bl;
        bht_dd_exp_scale_pair(eh, el, scale, &bh, &bl);
        mpfr_set_d(v, eh, MPFR_RNDN);
        mpfr_mul_2si(v, v, scale, MPFR_RNDN);
        double want_h = binary64_of(v);
        mpfr_set_d(v, el, MPFR_RNDN);
        mpfr_mul_2si(v, v, scale, MPFR_RNDN);
        double want_l = binary64_of(v);
        cr_assert(bh == want_h && bl == want_l, "eh=%a el=%a scale=%d", eh, el, scale);
        cr_assert(isfinite(bh) && isfinite(bl) && bh >= 0 && bh <= 2 && fabs(bl) <= bh,
                  "eh=%a el=%a scale=%d", eh, el, scale);
        if (scale == 0)
            cr_assert(bh == eh && bl == el);
    }
    mpfr_clear(v);
}

Test(trusted_softmax, dd_add_leaf_S3)
{
    test_rng rng = {0x54};
    mpfr_t exact, got, bound;
    mpfr_inits2(EXACT_PREC, exact, got, bound, (mpfr_ptr)0);
    for (int k = 0; k < RANDOM_CASES; k++) {
        double ah, al, bh, bl;
        if (k % 3 == 0) {
            ah = 0.0;
            al = 0.0;
        } else {
            random_dd(&rng, 0.0, ldexp(1.0, (int)test_rng_int(&rng, 0, 31)), &ah, &al);
            if (ah < 0 || ah > 0x1p31)
                continue;
        }
        double m = ldexp(test_rng_uniform(&rng, 0.99, 2.0), -(int)test_rng_int(&rng, 0, 1100));
        double ml = (test_rng_unit(&rng) - 0.5) * 0x1p-52;
        int s = -(int)test_rng_int(&rng, 0, 1080);
        bht_dd_exp_scale_pair(test_rng_uniform(&rng, 0.995, 1.99), ml, s, &bh, &bl);
        if (k % 11 == 0) {
            bh = m > 2 ? 2 : m;
            bl = 0.0;
        }
        if (!(fabs(al) <= 0x1p-52 * ah && bh >= 0 && bh <= 2 && fabs(bl) <= bh))
            continue;
        double rh, rl;
        dd_add(ah, al, bh, bl, &rh, &rl);
        cr_assert(isfinite(rh) && isfinite(rl) && rh >= 0 && fabs(rl) <= 0x1p-52 * rh,
                  "ah=%a al=%a bh=%a bl=%a -> %a %a", ah, al, bh, bl, rh, rl);
        mpfr_set_d(bound, ah, MPFR_RNDN);
        mpfr_add_d(bound, bound, 2 * bh, MPFR_RNDN);
        mpfr_add_d(bound, bound, 0x1p-18, MPFR_RNDN);
        cr_assert(mpfr_cmp_d(bound, rh) >= 0, "upper: ah=%a bh=%a rh=%a", ah, bh, rh);
        mpfr_set_d(exact, ah, MPFR_RNDN);
        mpfr_add_d(exact, exact, al, MPFR_RNDN);
        mpfr_add_d(exact, exact, bh, MPFR_RNDN);
        mpfr_add_d(exact, exact, bl, MPFR_RNDN);
        mpfr_mul_2si(bound, exact, -100, MPFR_RNDN);
        mpfr_sub(bound, exact, bound, MPFR_RNDN); /* exact (1 - 2^-100) */
        mpfr_set_d(got, rh, MPFR_RNDN);
        mpfr_add_d(got, got, rl, MPFR_RNDN);
        cr_assert(mpfr_cmp(got, bound) >= 0, "lower: ah=%a al=%a bh=%a bl=%a", ah, al, bh, bl);
    }
    mpfr_clears(exact, got, bound, (mpfr_ptr)0);
}

Test(trusted_softmax, dd_div_leaf_S4)
{
    test_rng rng = {0x55};
    for (int k = 0; k < RANDOM_CASES; k++) {
        double xh, xl, yh, yl;
        random_dd(&rng, 0.99, 2.0, &xh, &xl);
        random_dd(&rng, 0.5, ldexp(1.0, (int)test_rng_int(&rng, 0, 31)), &yh, &yl);
        if (!(xh > 0.99 && xh < 2 && fabs(xl) <= 0x1p-53 && yh >= 0.5 && yh <= 0x1p31
              && fabs(yl) <= 0x1p-52 * yh))
            continue;
        double rh, rl;
        dd_div(xh, xl, yh, yl, &rh, &rl);
        cr_assert(isfinite(rh) && isfinite(rl) && rh >= 0x1p-64 && rh < 4 && rh == rh + rl,
                  "x=%a%+a y=%a%+a -> %a %a", xh, xl, yh, yl, rh, rl);
    }
}

Test(trusted_softmax, dd_ldexp_round_leaf_S5)
{
    test_rng rng = {0x56};
    mpfr_t v;
    mpfr_inits2(200, v, (mpfr_ptr)0);
    for (int k = 0; k < RANDOM_CASES; k++) {
        double qh, ql;
        random_dd(&rng, 0x1p-64, 4.0, &qh, &ql);
        if (k % 4 == 0) { /* subnormal ties: qh on a midpoint of the subnormal grid */
            int scale = -(int)test_rng_int(&rng, 1023, 1080);
            double grid = ldexp(1.0, -1075 - scale);
            qh = (2 * (double)test_rng_int(&rng, 0, 1u << 20) + 1) * grid;
            ql = (k & 8) ? ldexp(qh, -60) : -ldexp(qh, -60);
            if (k & 16)
                ql = 0.0;
            if (qh < 0x1p-64 || qh >= 4 || qh != qh + ql)
                continue;
            double p = dd_ldexp_round(qh, ql, scale);
            mpfr_set_d(v, qh, MPFR_RNDN);
            mpfr_add_d(v, v, ql, MPFR_RNDN);
            mpfr_mul_2si(v, v, scale, MPFR_RNDN);
            cr_assert(p == binary64_of(v) && p >= 0, "tie: qh=%a ql=%a scale=%d", qh, ql, scale);
            continue;
        }
        if (qh < 0x1p-64 || qh >= 4 || qh != qh + ql)
            continue;
        int scale = -(int)test_rng_int(&rng, 0, 1600);
        double p = dd_ldexp_round(qh, ql, scale);
        mpfr_set_d(v, qh, MPFR_RNDN);
        mpfr_add_d(v, v, ql, MPFR_RNDN);
        mpfr_mul_2si(v, v, scale, MPFR_RNDN);
        cr_assert(isfinite(p) && p >= 0 && p == binary64_of(v), "qh=%a ql=%a scale=%d", qh, ql,
                  scale);
    }
    mpfr_clear(v);
}

Test(trusted_softmax, long_acc_difference_leaves_LA6_LA7)
{
    test_rng rng = {0x57};
    mpfr_t exact, t;
    mpfr_inits2(EXACT_PREC, exact, t, (mpfr_ptr)0);
    bht_long_acc acc;
    bht_long_acc_init(&acc);
    for (int k = 0; k < 20000; k++) {
        double a = ldexp(test_rng_uniform(&rng, -1, 1), (int)test_rng_int(&rng, 0, 1000) - 500);
        double b = (k % 5 == 0) ? a : ldexp(test_rng_uniform(&rng, -1, 1), (int)test_rng_int(&rng, 0, 1000) - 500);
        double x = ldexp(test_rng_uniform(&rng, -1, 1), (int)test_rng_int(&rng, 0, 1000) - 500);
        double v = ldexp(test_rng_uniform(&rng, -1, 1), (int)test_rng_int(&rng, 0, 1000) - 500);
        bht_long_acc_reset(&acc);
        bht_long_acc_add_product_difference(&acc, a, b, x);
        bht_long_acc_sub(&acc, v);
        /* exact value (a - b) x - v */
        mpfr_set_d(exact, a, MPFR_RNDN);
        mpfr_sub_d(exact, exact, b, MPFR_RNDN);
        mpfr_mul_d(exact, exact, x, MPFR_RNDN);
        mpfr_sub_d(exact, exact, v, MPFR_RNDN);
        int sign = bht_long_acc_sign(&acc);
        cr_assert(sign == (mpfr_sgn(exact) > 0) - (mpfr_sgn(exact) < 0), "a=%a b=%a x=%a v=%a", a, b, x, v);
        double r = bht_long_acc_round(&acc, 0);
        cr_assert(r == binary64_of(exact), "a=%a b=%a x=%a v=%a: %a", a, b, x, v, r);
        /* and the remainder after subtracting RN(value) is RN of the rest */
        bht_long_acc_sub(&acc, r);
        mpfr_sub_d(t, exact, r, MPFR_RNDN);
        cr_assert(bht_long_acc_round(&acc, 0) == binary64_of(t), "remainder a=%a b=%a x=%a", a, b, x);
    }
    mpfr_clears(exact, t, (mpfr_ptr)0);
}

/* -v for every zero of a (the other sign of zero), else v. */
static double flip_zero(double v)
{
    return v == 0.0 ? -v : v;
}

/* Row S7: bht_dd_exp, dd_add and dd_div give results of equal value for
 * arguments of equal value, i.e. for +0 and -0 (the only distinct doubles
 * with equal real values).  Each call is made with every zero argument as
 * it is and with its sign flipped; zero arguments are drawn often. */
Test(trusted_softmax, real_argument_leaves_S7)
{
    test_rng rng = {0x57};
    for (int k = 0; k < RANDOM_CASES; k++) {
        double th = (k % 4 == 0) ? 0.0 : test_rng_uniform(&rng, -746.0, 0.0);
        double tl = (k % 3 == 0) ? ((k & 1) ? -0.0 : 0.0) : (test_rng_unit(&rng) - 0.5) * 0x1p-40;
        double mh, ml, mh2, ml2;
        int s, s2;
        bht_dd_exp(th, tl, &mh, &ml, &s);
        bht_dd_exp(flip_zero(th), flip_zero(tl), &mh2, &ml2, &s2);
        cr_assert(mh == mh2 && ml == ml2 && s == s2, "dd_exp th=%a tl=%a", th, tl);

        double ah = 0.0, al = 0.0, bh, bl;
        if (k % 3 != 0)
            random_dd(&rng, 0.0, ldexp(1.0, (int)test_rng_int(&rng, 0, 31)), &ah, &al);
        if (k % 5 == 0)
            al = 0.0;
        bht_dd_exp_scale_pair(mh, ml, -(int)test_rng_int(&rng, 0, 1100), &bh, &bl);
        if (k % 7 == 0)
            bl = 0.0;
        if (k % 13 == 0) {
            bh = 0.0;
            bl = 0.0;
        }
        if (!(ah >= 0 && ah <= 0x1p31 && fabs(al) <= 0x1p-52 * ah && bh >= 0 && bh <= 2
              && fabs(bl) <= bh))
            continue;
        double rh, rl, rh2, rl2;
        dd_add(ah, al, bh, bl, &rh, &rl);
        dd_add(flip_zero(ah), flip_zero(al), flip_zero(bh), flip_zero(bl), &rh2, &rl2);
        cr_assert(rh == rh2 && rl == rl2, "dd_add %a %a %a %a", ah, al, bh, bl);

        double xh, xl, yh, yl;
        random_dd(&rng, 0.99, 2.0, &xh, &xl);
        random_dd(&rng, 0.5, ldexp(1.0, (int)test_rng_int(&rng, 0, 31)), &yh, &yl);
        if (k % 2 == 0)
            xl = 0.0;
        if (k % 3 == 1)
            yl = 0.0;
        if (!(xh > 0.99 && xh < 2 && fabs(xl) <= 0x1p-53 && yh >= 0.5 && yh <= 0x1p31
              && fabs(yl) <= 0x1p-52 * yh))
            continue;
        dd_div(xh, xl, yh, yl, &rh, &rl);
        dd_div(xh, flip_zero(xl), yh, flip_zero(yl), &rh2, &rl2);
        cr_assert(rh == rh2 && rl == rl2, "dd_div %a %a %a %a", xh, xl, yh, yl);
    }
}
