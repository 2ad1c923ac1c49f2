/* distance.c: double kernels for the Hellinger and total-variation
 * distances and the Lemma A.1 closed forms (see bht.h). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include "bht.h"
#include "dd_elementary.h"

/* ACSL for Frama-C/WP (proofs/distance.mk; proofs/distance/README.md).
 * The prototypes below are redundant C redeclarations of dd.h and
 * dd_elementary.h functions: they carry contracts that Frama-C merges with
 * the definitions (gcc sees only a prototype).  Every `admit ensures` is
 * trusted (not proved), listed in proofs/distance/TRUSTED_BASE.md and checked
 * against MPFR by tests/test_trusted_distance.c; dd_add, dd_mul, dd_div,
 * dd_expm1 and dd_round_scaled are not in the proved list, so their whole
 * contract is assumed. */

/*@ // (h, l) is a finite non-negative dd value at most b with |l| <= 2^-52 h.
    predicate dd_nonneg(double h, double l, real b) =
      \is_finite(h) && \is_finite(l) && 0 <= h <= b && \abs(l) <= 0x1p-52 * h;
*/

/*@ admit ensures fast_two_sum_monotone: 0.125 <= a + b <= 2 ==> 0.125 <= \result <= 2; */
static inline double fast_two_sum(double a, double b, double *err);

/*@ admit ensures two_prod_monotone: 0.25 <= a * b <= 1 ==> 0.25 <= \result <= 1; */
static inline double two_prod(double a, double b, double *err);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires a_range: dd_nonneg(ah, al, 0x1p1000);
    requires b_range: dd_nonneg(bh, bl, 0x1p1000);
    assigns *rh, *rl;
    admit ensures dd_add_range: dd_nonneg(*rh, *rl, 0x1p1002) &&
                                (ah + bh) / 2 <= *rh <= 2 * (ah + bh);
*/
static inline void dd_add(double ah, double al, double bh, double bl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires x_range: dd_nonneg(xh, xl, 0x1p500) && 0x1p-400 <= xh;
    requires y_range: dd_nonneg(yh, yl, 0x1p500) && 0x1p-400 <= yh;
    assigns *rh, *rl;
    admit ensures dd_mul_range: dd_nonneg(*rh, *rl, 0x1p1002) &&
                                xh * yh / 2 <= *rh <= 2 * (xh * yh);
*/
static inline void dd_mul(double xh, double xl, double yh, double yl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires x_range: dd_nonneg(xh, xl, 0x1p500) && 0x1p-400 <= xh;
    requires y_range: dd_nonneg(yh, yl, 0x1p500) && 0x1p-10 <= yh;
    assigns *rh, *rl;
    admit ensures dd_div_range: dd_nonneg(*rh, *rl, 0x1p1000) && *rh <= 2 * (xh / yh);
*/
static inline void dd_div(double xh, double xl, double yh, double yl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires a_range: \is_finite(a) && 0x1p-64 <= a <= 40;
    assigns *rh, *rl, errno;
    admit ensures dd_expm1_range: dd_nonneg(*rh, *rl, 0x1p58) && a / 2 <= *rh;
*/
static inline void dd_expm1(double a, double *rh, double *rl);

/*@ requires hi_range: \is_finite(hi) && 0 <= hi <= 0x1p1000;
    requires lo_finite: \is_finite(lo);
    requires scale_range: -2200 <= scale <= 1;
    assigns errno;
    admit ensures round_nonneg: \is_finite(\result) && 0 <= \result;
    admit ensures round_small: scale <= -2 && hi <= 2 ==> \result <= 1;
*/
static inline double dd_round_scaled(double hi, double lo, int scale);

bht_status bht_check_distribution(size_t n, const double *p, size_t *bad_index, double *sum)
{
    if (!p || n == 0 || n > BHT_DISTANCE_MAX_N)
        return BHT_E_INVALID;
    double sh = 0.0, sl = 0.0;
    size_t negative = n;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p[i]))
            return BHT_E_NONFINITE;
        if (p[i] < 0.0 && negative == n)
            negative = i;
        dd_add(sh, sl, p[i], 0.0, &sh, &sl);
    }
    if (sum)
        *sum = sh;
    if (bad_index)
        *bad_index = negative;
    if (negative < n)
        return BHT_E_INVALID;
    /* |sum - 1| <= n 2^-52, evaluated in dd (the tolerance is a double). */
    double dh, dl;
    dd_add(sh, sl, -1.0, 0.0, &dh, &dl);
    return fabs(dh) <= (double)n * 0x1p-52 ? BHT_OK : BHT_E_INVALID;
}

/* (sqrt p - sqrt q)^2 = ((p - q) / (sqrt p + sqrt q))^2 in dd: the
 * difference is exact (TwoSum), so nothing cancels.  Inputs with
 * max(p, q) < 2^-900 are scaled by an even power of two first (exact) so the
 * dd square roots stay accurate; scaling back may lose the low part below
 * 2^-1074 (the absolute term in bht.h).  Relative error <= 30u^2. */
static void hellinger_term(double p, double q, double *th, double *tl)
{
    int half_shift = 0;
    double m = fmax(p, q);
    if (m < 0x1p-900) {
        int e;
        (void)frexp(m, &e);
        half_shift = (1 - e) / 2; /* m 2^(2 half_shift) in [2^-2, 2) */
        p = ldexp(p, 2 * half_shift);
        q = ldexp(q, 2 * half_shift);
    }
    double dh, dl, ph, pl, qh, ql, sh, sl, rh, rl;
    dh = two_sum(p, -q, &dl);
    dd_sqrt(p, 0.0, &ph, &pl);
    dd_sqrt(q, 0.0, &qh, &ql);
    dd_add(ph, pl, qh, ql, &sh, &sl);
    dd_div(dh, dl, sh, sl, &rh, &rl);
    dd_mul(rh, rl, rh, rl, th, tl);
    if (half_shift) {
        *th = ldexp(*th, -2 * half_shift);
        *tl = ldexp(*tl, -2 * half_shift);
    }
}

/* Algorithm: every term in double-double (hellinger_term; |p_i - q_i| exact
 * by TwoSum), positive terms summed with accurate dd additions (JMP17 Alg. 6),
 * halved and rounded once; H = sqrt of the dd H^2 (Karp-Markstein step).
 * Bound: relative error of the dd results <= (30 + 3n) u^2 < 2^-75 for
 * n <= 2^28, so each output is within 0.5 + 2^-20 ulp (plus the absolute
 * n 2^-1075 of tiny entries for H^2 and H). */
bht_status bht_distance(size_t n, const double *p, const double *q, bht_distances *out)
{
    if (!p || !q || !out || n == 0 || n > BHT_DISTANCE_MAX_N)
        return BHT_E_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p[i]) || !isfinite(q[i]))
            return BHT_E_NONFINITE;
        if (p[i] < 0.0 || q[i] < 0.0)
            return BHT_E_INVALID;
    }
    for (size_t i = 0; i < n; i++)
        if (p[i] > BHT_DISTANCE_MAX_ENTRY || q[i] > BHT_DISTANCE_MAX_ENTRY)
            return BHT_E_RANGE; /* sums of terms could overflow (use the oracle) */
    double hh = 0.0, hl = 0.0, vh = 0.0, vl = 0.0;
    for (size_t i = 0; i < n; i++) {
        double pi = p[i], qi = q[i];
        if (pi == qi)
            continue;
        double th, tl;
        hellinger_term(pi, qi, &th, &tl);
        dd_add(hh, hl, th, tl, &hh, &hl);
        double dh, dl;
        dh = two_sum(pi, -qi, &dl);
        if (dh < 0.0) {
            dh = -dh;
            dl = -dl;
        }
        dd_add(vh, vl, dh, dl, &vh, &vl);
    }
    double h2 = dd_round_scaled(hh, hl, -1);
    double tv = dd_round_scaled(vh, vl, -1);
    /* H = sqrt(H^2 / 2 ...): take sqrt of (hh + hl) 2^(2k) with hh 2^(2k)
     * near 1, then scale by 2^-k; the /2 is folded in as sqrt(x/2) = sqrt(2x)/2. */
    double hellinger = 0.0;
    if (hh > 0.0) {
        int e;
        (void)frexp(hh, &e);
        int k = (1 - e) / 2; /* 2 hh 2^(2k) in [2^-1, 2^2) */
        double xh = ldexp(2.0 * hh, 2 * k), xl = ldexp(2.0 * hl, 2 * k);
        double rh, rl;
        dd_sqrt(xh, xl, &rh, &rl);
        hellinger = dd_round_scaled(rh, rl, -k - 1);
    }
    /* No clamp to [0, 1]: inputs that sum to 1 only within n 2^-52 can have
     * TV or H^2 slightly above 1, and the reference value is the formula's. */
    out->hellinger2 = h2;
    out->hellinger = hellinger;
    out->tv = tv;
    return BHT_OK;
}

/* Below this eps both closed forms are their leading Taylor term minus a
 * relative correction under 2^-124 (1 - sech x = x^2/2 - 5x^4/24 + ...,
 * tanh x = x - x^3/3 + ...); the value is that term with the tie broken
 * downward.  Above the upper cut-offs they round to 1: 1 - sech(40) and
 * 1 - tanh(20) are below 2^-56 < 2^-54 (half an ulp below 1). */
#define LEMMA_TAYLOR_BELOW 0x1p-60
#define H2MAX_IS_ONE_FROM 160.0
#define TVMAX_IS_ONE_FROM 80.0

/* x 2^scale minus a relative 2^-120, rounded once (x = m 2^e exact). */
/*@ requires x_hi_range: finite_between(x_hi, 0.25, 1);
    requires x_lo_range: finite_in(x_lo, 0x1p-10);
    requires scale_range: -2200 <= scale <= -2;
    assigns errno;
    ensures unit_range: finite_between(\result, 0, 1);
*/
static double leading_term_rounded(double x_hi, double x_lo, int scale)
{
    double lo = x_lo - x_hi * 0x1p-120;
    double hi = fast_two_sum(x_hi, lo, &lo);
    return dd_round_scaled(hi, lo, scale);
}

/* frexp for 0 < x < 2^-60: x = m 2^e with m in [1/2, 1) (libc contract)
 * and e in [-1073, -59] (admitted: Frama-C's frexp contract does not bound
 * the exponent; proofs/distance/TRUSTED_BASE.md). */
/*@ requires valid_e: \valid(e);
    requires x_range: \is_finite(x) && 0 <= x <= 0x1p-60 && x != 0.0;
    assigns *e;
    ensures mantissa: \is_finite(\result) && 0.5 <= \result <= 1;
    admit ensures exponent_range: -1073 <= *e <= -59;
*/
static double frexp_tiny(double x, int *e)
{
    return frexp(x, e);
}

/* isfinite(v) by comparisons (false for NaN and infinities): the same
 * result, without the libc macro (whose float branch WP reports as dead). */
/*@ assigns \nothing;
    ensures finite: \result != 0 <==> \is_finite(v);
*/
static int finite_double(double v)
{
    if (v >= -DBL_MAX && v <= DBL_MAX) {
        //@ assert finite: \is_finite(v);
        return 1;
    }
    return 0;
}

/* fmin(x, 1.0), written out: the same value for every x (a NaN gives 1.0
 * both ways, -0.0 stays -0.0), but with a contract WP can use. */
/*@ requires x_range: \is_finite(x) && 0 <= x;
    assigns \nothing;
    ensures unit_range: finite_between(\result, 0, 1);
*/
static double min_one(double x)
{
    return x < 1.0 ? x : 1.0;
}

/* Algorithm: y = expm1(eps/4) in dd (dd_expm1, relative error <= 2^-63),
 * then the cancellation-free forms h2max = y^2 / (1 + (1+y)^2) and
 * tvmax = w / (w + 2) with w = y (y + 2) = expm1(eps/2), all terms positive,
 * so the relative error stays <= 2^-62 + 30u^2: within 0.5 + 2^-9 ulp.
 * Tiny and large eps are handled by the cut-offs above. */
/*@ requires valid_out: out == \null || \valid(out);
    assigns *out, errno;
    ensures status: \result == BHT_OK || \result == BHT_E_INVALID ||
                    \result == BHT_E_NONFINITE;
    ensures null_out: out == \null ==> \result == BHT_E_INVALID;
    ensures ok_domain: \result == BHT_OK ==> \is_finite(eps) && 0 <= eps;
    ensures ok_when: out != \null && \is_finite(eps) && 0 <= eps ==> \result == BHT_OK;
    ensures ok_ranges: \result == BHT_OK ==>
      finite_between(out->h2max, 0, 1) && finite_between(out->tvmax, 0, 1);
*/
bht_status bht_lemma_a1(double eps, bht_lemma_a1_bounds *out)
{
    if (!out)
        return BHT_E_INVALID;
    if (!finite_double(eps)) /* NaN or infinite */
        return BHT_E_NONFINITE;
    if (eps < 0.0)
        return BHT_E_INVALID;
    //@ assert eps_nonneg: \is_finite(eps) && 0 <= eps;
    if (eps == 0.0) {
        out->h2max = 0.0;
        out->tvmax = 0.0;
        return BHT_OK;
    }
    if (eps < LEMMA_TAYLOR_BELOW) {
        //@ assert eps_tiny: eps <= 0x1p-60;
        int e;
        double m = frexp_tiny(eps, &e); /* eps = m 2^e, m in [1/2, 1) */
        double sl, sh = two_prod(m, m, &sl); /* m^2 exact: no underflow here */
        out->h2max = leading_term_rounded(sh, sl, 2 * e - 5); /* eps^2 / 32 */
        out->tvmax = leading_term_rounded(m, 0.0, e - 2);      /* eps / 4 */
        return BHT_OK;
    }
    double yh = 0.0, yl = 0.0;
    if (eps < H2MAX_IS_ONE_FROM)
        dd_expm1(eps * 0.25, &yh, &yl);
    if (eps >= H2MAX_IS_ONE_FROM) {
        out->h2max = 1.0;
    } else {
        double nh, nl, ah, al, bh, bl, qh, ql;
        dd_mul(yh, yl, yh, yl, &nh, &nl);
        dd_add(1.0, 0.0, yh, yl, &ah, &al);
        dd_mul(ah, al, ah, al, &bh, &bl);
        dd_add(1.0, 0.0, bh, bl, &bh, &bl);
        dd_div(nh, nl, bh, bl, &qh, &ql);
        out->h2max = min_one(dd_round_scaled(qh, ql, 0));
    }
    if (eps >= TVMAX_IS_ONE_FROM) {
        out->tvmax = 1.0;
    } else {
        double ah, al, wh, wl, bh, bl, qh, ql;
        dd_add(yh, yl, 2.0, 0.0, &ah, &al);
        dd_mul(yh, yl, ah, al, &wh, &wl);
        dd_add(wh, wl, 2.0, 0.0, &bh, &bl);
        dd_div(wh, wl, bh, bl, &qh, &ql);
        out->tvmax = min_one(dd_round_scaled(qh, ql, 0));
    }
    return BHT_OK;
}
