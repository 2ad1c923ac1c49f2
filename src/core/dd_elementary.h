/* dd_elementary.h: double-double products, square roots and expm1 used by
 * the distance and Lemma A.1 kernels (builds on dd.h; u = 2^-53).
 * References as in dd.h (JMP17 = Joldes, Muller & Popescu, ACM TOMS 2017). */
#ifndef BHT_DD_ELEMENTARY_H
#define BHT_DD_ELEMENTARY_H

#include <math.h>
#include "core/dd.h"
#include "core/dd_exp.h"

/* (rh, rl) = (xh, xl) * (yh, yl), relative error <= 5u^2 (JMP17 Algorithm
 * 12, "DWTimesDW3", with FMA; valid while no partial product underflows). */
static inline void dd_mul(double xh, double xl, double yh, double yl, double *rh, double *rl)
{
    double cl1;
    double ch = two_prod(xh, yh, &cl1);
    double tl0 = xl * yl;
    double tl1 = fma(xh, yl, tl0);
    double cl2 = fma(xl, yh, tl1);
    double cl3 = cl1 + cl2;
    *rh = fast_two_sum(ch, cl3, rl);
}

/* sqrt(ah + al) for ah >= 2^-960 (so the FMA residual is exact): one Newton
 * correction of the correctly rounded sqrt(ah) (Karp & Markstein 1997);
 * relative error <= 3u^2.  Zero gives zero. */
static inline void dd_sqrt(double ah, double al, double *rh, double *rl)
{
    if (ah <= 0.0) {
        *rh = 0.0;
        *rl = 0.0;
        return;
    }
    double s = sqrt(ah);
    double residual = fma(-s, s, ah) + al; /* (ah - s^2) exact, then + al */
    double correction = residual / (2.0 * s);
    *rh = fast_two_sum(s, correction, rl);
}

/* expm1(a) for a double |a| <= 2^-4: Horner form of the Taylor series
 * a (1 + a/2 (1 + a/3 (... (1 + a/15)))) in dd.  Truncation after a^15/15!
 * is below 2^-100 relative; the dd operations add <= 40u^2 for 0 <= a
 * (dd_expm1; dd_expm1_signed states its bound for both signs). */
static inline void dd_expm1_small(double a, double *rh, double *rl)
{
    double h = 1.0, l = 0.0;
    for (int k = 15; k >= 2; k--) {
        double th, tl;
        dd_mul_d(h, l, a, &th, &tl);
        dd_div(th, tl, (double)k, 0.0, &th, &tl);
        dd_add(1.0, 0.0, th, tl, &h, &l);
    }
    dd_mul_d(h, l, a, rh, rl);
}

/* expm1(a) for 0 <= a <= 40 in dd, relative error <= 2^-63: the series
 * below 2^-4; above, exp(a) - 1 with the dd exponential (relative error
 * 2^-66, amplified by at most e^a/(e^a - 1) <= 16.5 by the subtraction). */
static inline void dd_expm1(double a, double *rh, double *rl)
{
    if (a <= 0x1p-4) {
        dd_expm1_small(a, rh, rl);
        return;
    }
    double mh, ml;
    int scale;
    bht_dd_exp(a, 0.0, &mh, &ml, &scale);
    dd_add(ldexp(mh, scale), ldexp(ml, scale), -1.0, 0.0, rh, rl);
}

/* expm1(a) for a double a <= 709 in dd, relative error <= 2^-62: the
 * series (Horner, both signs) for |a| <= 2^-4, else exp(a) - 1 with the dd
 * exponential (the subtraction amplifies its 2^-66 by at most 16.5). */
static inline void dd_expm1_signed(double a, double *rh, double *rl)
{
    if (fabs(a) <= 0x1p-4) {
        dd_expm1_small(a, rh, rl);
        return;
    }
    if (a < -745.0) { /* e^a < 2^-1075: expm1 = -1 + (below 2^-1075) */
        *rh = -1.0;
        *rl = 0.0;
        return;
    }
    double mh, ml;
    int scale;
    bht_dd_exp(a, 0.0, &mh, &ml, &scale);
    dd_add(ldexp(mh, scale), ldexp(ml, scale), -1.0, 0.0, rh, rl);
}

/* expm1(ah + al) = E + (1 + E) al with E = expm1(ah) (|al| <= ulp(ah)/2,
 * so e^al - 1 = al to dd accuracy). */
static inline void dd_expm1_dd(double ah, double al, double *rh, double *rl)
{
    double eh, el, th, tl;
    dd_expm1_signed(ah, &eh, &el);
    dd_add(1.0, 0.0, eh, el, &th, &tl);
    dd_mul_d(th, tl, al, &th, &tl);
    dd_add(eh, el, th, tl, rh, rl);
}

/* log1p(sh + sl) for sh + sl > -1 in dd: one Newton step y1 = y0 -
 * (expm1(y0) - s) / (1 + expm1(y0)) from libm's y0 = log1p(sh); the error
 * is that of expm1 (<= 2^-62 relative to 1 + s) plus O(y0 error^2). */
static inline void dd_log1p(double sh, double sl, double *rh, double *rl)
{
    double y0 = log1p(sh);
    double eh, el, dh, dl, nh, nl, qh, ql;
    dd_expm1_signed(y0, &eh, &el);
    dd_add(eh, el, -sh, -sl, &nh, &nl);
    dd_add(1.0, 0.0, eh, el, &dh, &dl);
    dd_div(nh, nl, dh, dl, &qh, &ql);
    dd_add(y0, 0.0, -qh, -ql, rh, rl);
}

/* RN(2^scale (hi + lo)) for a normalized dd with hi >= 0: exact scaling when
 * the result is normal (hi = RN(hi + lo) already), otherwise one rounding
 * to the subnormal grid via dd_ldexp_round after moving hi into [1, 2). */
static inline double dd_round_scaled(double hi, double lo, int scale)
{
    if (hi == 0.0)
        return 0.0;
    int e;
    (void)frexp(hi, &e); /* hi in [2^(e-1), 2^e) */
    int total = scale + e - 1;
    if (total >= -1021)
        return ldexp(hi, scale); /* normal (or overflow to inf): exact scaling of RN */
    if (total < -1100)
        return 0.0; /* value < 2^-1099: below half the least subnormal */
    /* lo only breaks a tie: keep its sign when the scaling takes it below
     * the subnormal range (found by tests/proofs/test_trusted_kernels.c, K1:
     * hi = 0x1.2eefc2e7fe0b4p+392, lo = 0x1.8bcc3d8a707fp-716, scale -1417
     * gave the even neighbour of a tie that lo > 0 breaks upward) */
    double ql = ldexp(lo, 1 - e);
    if (ql == 0.0 && lo != 0.0)
        ql = lo > 0.0 ? 0x1p-1074 : -0x1p-1074;
    return dd_ldexp_round(ldexp(hi, 1 - e), ql, total);
}

/* Signed version: RN(2^scale (hi + lo)) for any sign. */
static inline double dd_round_scaled_signed(double hi, double lo, int scale)
{
    return hi < 0.0 ? -dd_round_scaled(-hi, -lo, scale) : dd_round_scaled(hi, lo, scale);
}

/* Sum of n dd terms (th[i] + tl[i]) 2^te[i] without underflow or overflow:
 * every term is rescaled by 2^-E, E the largest term exponent, then summed
 * with accurate dd additions; the sum is (*sh + *sl) 2^E.  Terms more than
 * 2^-1000 below the largest are dropped into the dd rounding (they cannot
 * affect the result).  Relative error <= 3n u^2 for non-negative terms. */
static inline void dd_sum_scaled(size_t n, const double *th, const double *tl, const int *te,
                                 double *sh, double *sl, int *E)
{
    int emax = -100000;
    for (size_t i = 0; i < n; i++)
        if (th[i] != 0.0) {
            int e;
            (void)frexp(th[i], &e);
            if (te[i] + e > emax)
                emax = te[i] + e;
        }
    double h = 0.0, l = 0.0;
    if (emax > -100000)
        for (size_t i = 0; i < n; i++) {
            if (th[i] == 0.0)
                continue;
            int shift = te[i] - emax;
            if (shift < -1000)
                continue;
            dd_add(h, l, ldexp(th[i], shift), ldexp(tl[i], shift), &h, &l);
        }
    *sh = h;
    *sl = l;
    *E = emax > -100000 ? emax : 0;
}

#endif
