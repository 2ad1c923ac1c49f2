/* dd_exp.h: double-double exponential shared by the double kernels. */
#ifndef BHT_DD_EXP_H
#define BHT_DD_EXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>
#include "core/dd.h"

/* Domain of bht_dd_exp: -1100 <= th <= 709, |tl| <= 2^-40. */
#define BHT_DD_EXP_MIN (-1100.0)
#define BHT_DD_EXP_MAX 709.0

/* exp(th + tl) = 2^(*scale) * (*mh + *ml) with 0.99 < *mh < 2 and relative
 * error below 2^-66 (see bht_dd_exp_inline).  Its contract is leaf S1 of
 * proofs/TRUSTED_BASE.md (the body is not analysed by WP): dd_exp_hi/lo/scale
 * (spec/softmax.h) only name the results; the facts are the ranges, the
 * exponent of a non-positive argument and the error bound. */
/*@ requires valid: \valid(mh) && \valid(ml) && \valid(scale) && \separated(mh, ml, scale);
    requires domain: \is_finite(th) && BHT_DD_EXP_MIN <= th <= BHT_DD_EXP_MAX;
    requires low: \is_finite(tl) && \abs(tl) <= 0x1p-40;
    assigns *mh, *ml, *scale;
    ensures named: *mh == dd_exp_hi(th, tl) && *ml == dd_exp_lo(th, tl)
                   && *scale == dd_exp_scale(th, tl);
    admit ensures dd_exp_range: \is_finite(*mh) && \is_finite(*ml)
      && 0.99 < *mh < 2 && \abs(*ml) <= 0x1p-53 && -1600 <= *scale <= 1100
      && (th <= 0 ==> *scale <= 0)
      && (th == 0 && tl == 0 ==> *scale == 0 && 0.99 <= *mh + *ml <= 1.01);
    admit ensures dd_exp_accurate:
      \abs((*mh + *ml) * \pow(2.0, *scale) - \exp(th + tl)) <= 0x1p-66 * \exp(th + tl);
*/
void bht_dd_exp(double th, double tl, double *mh, double *ml, int *scale);

/* (*bh, *bl) = (RN(eh 2^scale), RN(el 2^scale)) by ldexp (C11 7.12.6.6: the
 * result is eh 2^scale rounded once, subnormals included).  Leaf S2 of
 * proofs/TRUSTED_BASE.md (not analysed by WP; contract assumed). */
/*@ requires valid: \valid(bh) && \valid(bl) && \separated(bh, bl);
    requires e_range: \is_finite(eh) && \is_finite(el) && 0.99 < eh < 2 && \abs(el) <= 0x1p-53;
    requires scale_range: -1600 <= scale <= 0;
    assigns *bh, *bl, errno;
    admit ensures scaled: *bh == rn(eh * \pow(2.0, scale)) && *bl == rn(el * \pow(2.0, scale))
      && \is_finite(*bh) && \is_finite(*bl) && 0 <= *bh <= 2 && \abs(*bl) <= *bh
      && (scale == 0 ==> *bh == eh && *bl == el);
*/
static inline void bht_dd_exp_scale_pair(double eh, double el, int scale, double *bh, double *bl)
{
    *bh = ldexp(eh, scale);
    *bl = ldexp(el, scale);
}

/* 2^(j/64), j = 0..63, as hi + lo (dd_exp.c). */
extern const double bht_exp2_table[64][2];

/* ln2/64 = LN2_64_1 + LN2_64_2 + LN2_64_3 + O(2^-160); LN2_64_1 has 36
 * significant bits so k * LN2_64_1 is exact for |k| < 2^17. */
#define BHT_LN2_64_1 0x1.62e42fefa0000p-7
#define BHT_LN2_64_2 0x1.cf79abc9e3b3ap-46
#define BHT_LN2_64_3 (-0x1.ff0342542fc33p-100)
#define BHT_INV_LN2_64 0x1.71547652b82fep+6
/* Adding and subtracting 1.5*2^52 rounds a double below 2^51 to an integer. */
#define BHT_ROUND_TO_INT_SHIFTER 0x1.8p52

/* P(r) = 1/2! + r/3! + r^2/4! + r^3/5! + r^4/6! + r^5/7! by Horner in double
 * (the degree-7 Taylor polynomial of exp is 1 + r + r^2 P(r)).  Its contract
 * is proved (root unit, proofs/proofs.mk): the result is exactly the chain
 * dd_exp_poly(r) of spec/dd_eft.h, whose coefficients are named there as
 * 1/k!; how close 1 + r + r^2 P(r) is to exp(r) is part of leaf S1. */
/*@ requires r_range: \is_finite(r) && \abs(r) <= 0x1p-7;
    assigns \nothing;
    ensures value: \result == dd_exp_poly(r);
    ensures range: \is_finite(\result) && 0.49 <= \result <= 0.51;
    check ensures coefficients: \abs(exp_coef3 - 1.0/6) <= 0x1p-56
      && \abs(exp_coef4 - 1.0/24) <= 0x1p-58 && \abs(exp_coef5 - 1.0/120) <= 0x1p-60
      && \abs(exp_coef6 - 1.0/720) <= 0x1p-63 && \abs(exp_coef7 - 1.0/5040) <= 0x1p-66;
*/
static inline double bht_dd_exp_poly(double r)
{
    double poly = 1.0 / 720 + r * (1.0 / 5040);
    poly = 1.0 / 120 + r * poly;
    poly = 1.0 / 24 + r * poly;
    poly = 1.0 / 6 + r * poly;
    return 0.5 + r * poly;
}

/* Tang-style reduction: th + tl = k ln2/64 + r, k = 64m + j, |r| <= ln2/128
 * (+2^-40), exp(r) = 1 + q by a degree-7 Taylor polynomial (truncation
 * < 2^-75), result 2^m * T_j * (1 + q) in double-double.  Error: r exact to
 * ~2^-100; the polynomial tail q - r is evaluated in double (|q - r| < 2^-16,
 * error < 2^-66); table entries to 2^-106; products in dd to 2^-104: total
 * relative error < 2^-66 (checked against MPFR in tests/softmax/test_softmax.c).
 * Branch-free straight-line code (one table load), so that loops calling it
 * vectorise (src/softmax/softmax_lanes.c); returns mh, sets *ml and *scale. */
static inline double bht_dd_exp_inline(double th, double tl, double *ml, int64_t *scale)
{
    /* k = round(th * 64/ln2); |k| <= 101600 < 2^17 on the stated domain.
     * y = th 64/ln2 + 1.5 2^52 has ulp 1, so kf = y - 1.5 2^52 is exact and
     * k is also the difference of the bit patterns of y and 1.5 2^52 (an
     * integer operation, which vectorises where a conversion may not). */
    double y = th * BHT_INV_LN2_64 + BHT_ROUND_TO_INT_SHIFTER;
    double kf = y - BHT_ROUND_TO_INT_SHIFTER;
    uint64_t y_bits, shifter_bits;
    const double shifter = BHT_ROUND_TO_INT_SHIFTER;
    memcpy(&y_bits, &y, sizeof y);
    memcpy(&shifter_bits, &shifter, sizeof shifter);
    /* Offset to a positive integer so that the table index and the binary
     * exponent are a mask and a shift. */
    int64_t k_offset = (int64_t)(y_bits - shifter_bits) + 64 * 2048;
    int64_t j = k_offset & 63;
    int64_t m = (k_offset >> 6) - 2048;

    /* r = (th + tl) - kf * ln2/64 in double-double. */
    double r0 = th - kf * BHT_LN2_64_1; /* exact: kf*L1 exact, Sterbenz */
    double e2;
    double p2 = two_prod(kf, BHT_LN2_64_2, &e2);
    double rl;
    double rh = two_sum(r0, -p2, &rl);
    rl += (tl - e2) - kf * BHT_LN2_64_3;
    rh = fast_two_sum(rh, rl, &rl);

    /* exp(rh + rl) - 1 = rh + [rh^2 P(rh) + rl (1 + rh)] + O(2^-75). */
    double poly = bht_dd_exp_poly(rh);
    double tail = rh * rh * poly + (rl + rl * rh);
    double ql;
    double qh = fast_two_sum(rh, tail, &ql);

    /* T_j (1 + q) = T_hi + T_hi q_h + (T_hi q_l + T_lo + T_lo q_h). */
    double t_hi = bht_exp2_table[j][0], t_lo = bht_exp2_table[j][1];
    double pl;
    double ph = two_prod(t_hi, qh, &pl);
    double sl;
    double sh = fast_two_sum(t_hi, ph, &sl);
    sl += pl + (t_hi * ql + (t_lo + t_lo * qh));
    *scale = m;
    return fast_two_sum(sh, sl, ml);
}

#endif
