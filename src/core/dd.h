/* dd.h: error-free transformations and double-double (dd) arithmetic.
 * A dd value is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
 * References: Knuth TAOCP vol. 2 §4.2.2 (TwoSum), Dekker 1971 (FastTwoSum),
 * Ogita, Rump & Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput.
 * 26(6), 2005 (TwoProduct with FMA), Joldes, Muller & Popescu, "Tight and
 * rigorous error bounds for basic building blocks of double-word arithmetic",
 * ACM TOMS 44(2), 2017 (bounds quoted below as JMP17).
 * Everything here requires round-to-nearest and no contraction
 * (-ffp-contract=off); fma() is used only where written explicitly. */
#ifndef BHT_DD_H
#define BHT_DD_H

#include <math.h>

/* s + *err == a + b exactly, s = fl(a + b) (Knuth; 6 flops, no branch). */
/*@ requires valid_err: \valid(err);
    requires a_range: finite_in(a, 0x1p1021);
    requires b_range: finite_in(b, 0x1p1020);
    assigns *err;
    ensures sum_range: \abs(\result) <= 0x1p1021 + 0x1p1020;
    ensures finite: \is_finite(\result) && \is_finite(*err);
    check ensures steps: \result == two_sum_hi(a, b) && *err == two_sum_lo(a, b);
    ensures two_sum_exact: \result + *err == a + b;
    ensures two_sum_err_small: \abs(*err) <= 0x1p-53 * \abs(\result);
*/
static inline double two_sum(double a, double b, double *err)
{
    double s = a + b;
    double b_virtual = s - a;
    double a_virtual = s - b_virtual;
    *err = (a - a_virtual) + (b - b_virtual);
    /* Trusted (proofs/TRUSTED_BASE.md, F1): a fact about the logic chain
     * of spec/dd_eft.h only, proved in Coq (Binary64.v). */
    //@ admit error_free: two_sum_error_free(a, b);
    return s;
}

/* s + *err == a + b exactly when |a| >= |b| or a == 0 (Dekker). */
/*@ requires valid_err: \valid(err);
    requires a_range: finite_in(a, 0x1p1021);
    requires b_range: finite_in(b, 0x1p1021);
    assigns *err;
    ensures sum_range: \abs(\result) <= 0x1p1022;
    ensures finite: \is_finite(\result) && \is_finite(*err);
*/
static inline double fast_two_sum(double a, double b, double *err)
{
    double s = a + b;
    *err = b - (s - a);
    return s;
}

/* fma(a, b, c) = RN(a*b + c), one rounding (C11 F.10.10.1, IEEE 754-2008
 * fusedMultiplyAdd), hence finite when |a*b + c| <= 2^1023.  Frama-C's libc
 * gives fma no contract: this leaf wrapper states it (trusted, see
 * proofs/TRUSTED_BASE.md). */
/*@ requires finite_args: \is_finite(a) && \is_finite(b) && \is_finite(c);
    requires no_overflow: \abs(a * b + c) <= 0x1p1023;
    assigns \nothing;
    admit ensures fma_finite: \is_finite(\result);
*/
static inline double dd_fma(double a, double b, double c)
{
    return fma(a, b, c);
}

/* p + *err == a * b exactly unless the product underflows (then the error
 * term is off by at most 2^-1074); uses one explicit fma. */
/*@ requires valid_err: \valid(err);
    requires a_finite: \is_finite(a);
    requires b_finite: \is_finite(b);
    requires product_range: \abs(a * b) <= 0x1p1022;
    assigns *err;
    ensures finite: \is_finite(\result) && \is_finite(*err);
    admit ensures two_prod_err_small: \abs(*err) <= 0x1p-53 * \abs(\result) + 0x1p-1074;
*/
static inline double two_prod(double a, double b, double *err)
{
    double p = a * b;
    *err = dd_fma(a, b, -p);
    return p;
}

/* (rh, rl) = (ah, al) + (bh, bl), relative error <= 3u^2 + 13u^3 with
 * u = 2^-53 (JMP17 Algorithm 6, "AccurateDWPlusDW"). */
static inline void dd_add(double ah, double al, double bh, double bl,
                          double *rh, double *rl)
{
    double sl, tl, vl;
    double sh = two_sum(ah, bh, &sl);
    double th = two_sum(al, bl, &tl);
    double c = sl + th;
    double vh = fast_two_sum(sh, c, &vl);
    double w = tl + vl;
    *rh = fast_two_sum(vh, w, rl);
}

/* (rh, rl) = (yh, yl) * b, relative error <= 2u^2 (JMP17 Algorithm 7,
 * "DWTimesFP1"). */
static inline void dd_mul_d(double yh, double yl, double b, double *rh, double *rl)
{
    double cl1, tl1;
    double ch = two_prod(yh, b, &cl1);
    double cl2 = yl * b;
    double th = fast_two_sum(ch, cl2, &tl1);
    double tl2 = tl1 + cl1;
    *rh = fast_two_sum(th, tl2, rl);
}

/* (rh, rl) = (xh, xl) / (yh, yl), relative error <= 15u^2 + 56u^3
 * (JMP17 Algorithm 17, "DWDivDW2"). */
static inline void dd_div(double xh, double xl, double yh, double yl,
                          double *rh, double *rl)
{
    double ph, pl;
    double th = xh / yh;
    dd_mul_d(yh, yl, th, &ph, &pl);
    double pi_h = xh - ph;
    double delta_l = xl - pl;
    double delta = pi_h + delta_l;
    double tl = delta / yh;
    *rh = fast_two_sum(th, tl, rl);
}

/* RN(2^scale * (qh + ql)) for a normalized dd (qh = RN(qh + ql)), including
 * results in the subnormal range, where ldexp alone rounds qh a second time.
 * A second rounding can only err when qh lies exactly on a midpoint of the
 * subnormal grid (midpoints are on qh's grid); then ql breaks the tie.
 * Requires 2^-64 <= |qh| < 2 and -1100 <= scale <= 1 (so -1075 - scale is a
 * normal exponent whenever the result is subnormal). */
static inline double dd_ldexp_round(double qh, double ql, int scale)
{
    double res = ldexp(qh, scale);
    /* 2^-1022 itself may be a subnormal tie rounded up: check it too. */
    if (fabs(res) > 0x1p-1022 || ql == 0.0)
        return res;
    double back = ldexp(res, -scale);      /* exact: res is a multiple of 2^-1074 */
    double r = qh - back;                  /* exact (Sterbenz, or back == 0) */
    double half_spacing = ldexp(1.0, -1075 - scale); /* 2^-1075, scaled back */
    if (fabs(r) != half_spacing)
        return res;                        /* not a tie: res is RN of qh + ql */
    if ((r > 0) == (ql > 0))
        return ldexp(back + 2 * r, scale); /* exact neighbour beyond the tie */
    return ldexp(back, scale);
}

#endif
