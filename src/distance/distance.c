/* distance.c: double kernels for the Hellinger and total-variation
 * distances and the Lemma A.1 closed forms (see bht.h). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include "bht.h"
#include "core/dd_elementary.h"
#include "core/long_acc.h"
#include "distance/distance_stages.h"

/* ACSL for Frama-C/WP (proofs/distance.mk; proofs/distance/README.md).
 * The prototypes below are redundant C redeclarations of dd.h and
 * dd_elementary.h functions: they carry contracts that Frama-C merges with
 * the definitions (gcc sees only a prototype).  Every `admit ensures` is
 * trusted (not proved), listed in proofs/TRUSTED_BASE.md and checked
 * against MPFR by tests/proofs/test_trusted_distance.c; dd_add, dd_mul, dd_div,
 * dd_expm1 and dd_round_scaled are not in the proved list, so their whole
 * contract is assumed. */

/*@ // (h, l) is a finite non-negative dd value at most b with |l| <= 2^-52 h.
    predicate dd_nonneg(double h, double l, real b) =
      \is_finite(h) && \is_finite(l) && 0 <= h <= b && \abs(l) <= 0x1p-52 * h;
*/

/*@ ensures sum_value: \result == \add_double(a, b);
    ensures err_value: *err == \sub_double(b, \sub_double(\add_double(a, b), a));
    admit ensures fast_two_sum_monotone: 0.125 <= a + b <= 2 ==> 0.125 <= \result <= 2;
*/
static inline double fast_two_sum(double a, double b, double *err);

/*@ ensures product_value: \result == \mul_double(a, b);
    admit ensures value: \result == two_prod_hi(a, b) && *err == two_prod_lo(a, b);
    admit ensures two_prod_monotone: 0.25 <= a * b <= 1 ==> 0.25 <= \result <= 1;
*/
static inline double two_prod(double a, double b, double *err);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires a_range: dd_nonneg(ah, al, 0x1p1000);
    requires b_range: dd_nonneg(bh, bl, 0x1p1000);
    assigns *rh, *rl;
    admit ensures dd_add_range: dd_nonneg(*rh, *rl, 0x1p1002) &&
                                (ah + bh) / 2 <= *rh <= 2 * (ah + bh);
    admit ensures value: *rh == dd_add_hi(ah, al, bh, bl) && *rl == dd_add_lo(ah, al, bh, bl);
    admit ensures accuracy: 0x1p-900 <= ah && 0x1p-900 <= bh &&
                            \abs(al) <= 0x1p-53 * ah && \abs(bl) <= 0x1p-53 * bh ==>
      \abs(*rl) <= 0x1p-53 * *rh && rel_err(*rh + *rl, (ah + al) + (bh + bl), 0x1p-104);
*/
static inline void dd_add(double ah, double al, double bh, double bl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires x_range: dd_nonneg(xh, xl, 0x1p500) && 0x1p-400 <= xh;
    requires y_range: dd_nonneg(yh, yl, 0x1p500) && 0x1p-400 <= yh;
    assigns *rh, *rl;
    admit ensures dd_mul_range: dd_nonneg(*rh, *rl, 0x1p1002) &&
                                xh * yh / 2 <= *rh <= 2 * (xh * yh);
    admit ensures value: *rh == dd_mul_hi(xh, xl, yh, yl) && *rl == dd_mul_lo(xh, xl, yh, yl);
    admit ensures accuracy: \abs(xl) <= 0x1p-53 * xh && \abs(yl) <= 0x1p-53 * yh ==>
      \abs(*rl) <= 0x1p-53 * *rh && rel_err(*rh + *rl, (xh + xl) * (yh + yl), 0x1p-103);
*/
static inline void dd_mul(double xh, double xl, double yh, double yl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires x_range: dd_nonneg(xh, xl, 0x1p500) && 0x1p-400 <= xh;
    requires y_range: dd_nonneg(yh, yl, 0x1p500) && 0x1p-10 <= yh;
    assigns *rh, *rl;
    admit ensures dd_div_range: dd_nonneg(*rh, *rl, 0x1p1000) && *rh <= 2 * (xh / yh)
                                && xh <= 2 * (*rh * yh);
    admit ensures value: *rh == dd_div_hi(xh, xl, yh, yl) && *rl == dd_div_lo(xh, xl, yh, yl);
    admit ensures accuracy: \abs(xl) <= 0x1p-53 * xh && \abs(yl) <= 0x1p-53 * yh ==>
      \abs(*rl) <= 0x1p-53 * *rh && rel_err(*rh + *rl, (xh + xl) / (yh + yl), 0x1p-102);
*/
static inline void dd_div(double xh, double xl, double yh, double yl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires a_range: \is_finite(a) && 0x1p-64 <= a <= 40;
    assigns *rh, *rl, errno;
    admit ensures dd_expm1_range: dd_nonneg(*rh, *rl, 0x1p58) && a / 2 <= *rh;
    admit ensures value: *rh == dd_expm1_hi(a) && *rl == dd_expm1_lo(a);
    admit ensures accuracy: \abs(*rl) <= 0x1p-53 * *rh && rel_err(*rh + *rl, \exp(a) - 1, 0x1p-60);
*/
static inline void dd_expm1(double a, double *rh, double *rl);

/*@ requires hi_range: \is_finite(hi) && 0 <= hi <= 0x1p1000;
    requires lo_finite: \is_finite(lo);
    requires scale_range: -2200 <= scale <= 1100;
    assigns errno;
    admit ensures round_nonneg: scale <= 1 ==> \is_finite(\result) && 0 <= \result;
    admit ensures round_small: scale <= -2 && hi <= 2 ==> \result <= 1;
    admit ensures value: \result == dd_round_scaled_value(hi, lo, scale);
    admit ensures zero_scale: scale == 0 && 0x1p-1000 <= hi ==> \result == hi;
*/
static inline double dd_round_scaled(double hi, double lo, int scale);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires a_range: \is_finite(ah) && 0 <= ah <= 0x1p1000 && \is_finite(al);
    assigns *rh, *rl;
    admit ensures dd_sqrt_range: ah <= 1 && al == 0 ==> dd_nonneg(*rh, *rl, 1);
    admit ensures value: al == 0 ==> *rh == dd_sqrt_hi(ah) && *rl == dd_sqrt_lo(ah);
    admit ensures value_pair: *rh == dd_sqrt_hi(ah, al) && *rl == dd_sqrt_lo(ah, al);
    admit ensures operand: \abs(al) <= ah ==>
      \is_finite(*rh) && \is_finite(*rl) && 0 <= *rh <= 0x1p501;
*/
static inline void dd_sqrt(double ah, double al, double *rh, double *rl);

/* bht_long_acc_round returns RN(2^scale v) for the exact value v of the
 * accumulator: its admitted contract in src/core/long_acc.h (leaf row of
 * proofs/TRUSTED_BASE.md). */

/* Algorithm: the exact sum of the entries in the long accumulator
 * (src/core/long_acc.h), so the verdict |sum - 1| <= n 2^-52 is decided exactly
 * and *sum is the correctly rounded sum. */
bht_status bht_check_distribution(size_t n, const double *p, size_t *bad_index, double *sum)
{
    if (!p || n == 0 || n > BHT_DISTANCE_MAX_N)
        return BHT_E_INVALID;
    bht_long_acc acc;
    bht_long_acc_init(&acc);
    size_t negative = n;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p[i]))
            return BHT_E_NONFINITE;
        if (p[i] < 0.0 && negative == n)
            negative = i;
        bht_long_acc_add(&acc, p[i]);
    }
    if (sum)
        *sum = bht_long_acc_round(&acc, 0);
    if (bad_index)
        *bad_index = negative;
    if (negative < n)
        return BHT_E_INVALID;
    /* sum - 1 - n 2^-52 <= 0 <= sum - 1 + n 2^-52, both exact (n 2^-52 is a
     * double for n <= 2^28) */
    double tolerance = (double)n * 0x1p-52;
    bht_long_acc_add(&acc, -1.0);
    bht_long_acc_add(&acc, -tolerance);
    int above = bht_long_acc_sign(&acc) > 0;
    bht_long_acc_add(&acc, tolerance);
    bht_long_acc_add(&acc, tolerance);
    int below = bht_long_acc_sign(&acc) < 0;
    return above || below ? BHT_E_INVALID : BHT_OK;
}

/* Exponent e of v > 0 in frexp's sense: v in [2^(e-1), 2^e). */
static int binade(double v)
{
    int e;
    (void)frexp(v, &e);
    return e;
}

/* sqrt p + sqrt q in dd for scaled entries p, q in [0, 1]: the two dd
 * roots (Karp-Markstein, relative error <= 3u^2) added by dd_add (JMP17
 * Alg. 6); the denominator of the Hellinger term below. */
/*@ requires valid: \valid(sh) && \valid(sl) && \separated(sh, sl);
    requires p_range: \is_finite(p) && 0 <= p <= 1;
    requires q_range: \is_finite(q) && 0 <= q <= 1;
    assigns *sh, *sl;
    ensures value:
      *sh == dd_add_hi(dd_sqrt_hi(p), dd_sqrt_lo(p), dd_sqrt_hi(q), dd_sqrt_lo(q)) &&
      *sl == dd_add_lo(dd_sqrt_hi(p), dd_sqrt_lo(p), dd_sqrt_hi(q), dd_sqrt_lo(q));
*/
static void sqrt_sum(double p, double q, double *sh, double *sl)
{
    double ph, pl, qh, ql;
    dd_sqrt(p, 0.0, &ph, &pl);
    dd_sqrt(q, 0.0, &qh, &ql);
    dd_add(ph, pl, qh, ql, sh, sl);
}

/* (sqrt p - sqrt q)^2 = ((p - q) / (sqrt p + sqrt q))^2 = (*th + *tl) 2^*te
 * for p != q, with every operation in the normal range whatever p and q:
 * both are scaled by the even power 2^(2h) (exact) that puts max(p, q) in
 * [1/4, 1); then the difference is exact (TwoSum), the dd square roots
 * accurate (argument >= 2^-960 or negligible: a scaled entry below 2^-960
 * sits beside one >= 1/4, where it changes the term by a relative 2^-479 at
 * most, and the same bound covers an entry that the scaling of a huge
 * partner rounds), and the term lies in [2^-112, 1].  Relative error <=
 * 30u^2 (JMP17 bounds of the dd steps). */
static void hellinger_term(double p, double q, double *th, double *tl, int *te)
{
    int e = binade(fmax(p, q));
    int h = e >= 0 ? -((e + 1) / 2) : (-e) / 2; /* max(p, q) 2^(2h) in [1/4, 1) */
    p = ldexp(p, 2 * h);
    q = ldexp(q, 2 * h);
    double dh, dl, sh, sl, rh, rl;
    dh = two_sum(p, -q, &dl);
    sqrt_sum(p, q, &sh, &sl);
    dd_div(dh, dl, sh, sl, &rh, &rl);
    dd_mul(rh, rl, rh, rl, th, tl);
    *te = -2 * h;
}

/* Output stage of bht_distance: H^2 = (1/2) (hh + hl) 2^top rounded once,
 * TV = (1/2) sum |p_i - q_i| (the exact value of acc) rounded once (exact
 * scalings by 2^-1: dd_round_scaled and bht_long_acc_round round once). */
/*@ requires valid_out: \valid(out);
    requires acc_ok: long_acc_ok(acc);
    requires separated: \separated(out, acc);
    requires hh_range: \is_finite(hh) && 0 <= hh <= 0x1p1000;
    requires hl_finite: \is_finite(hl);
    requires top_range: -1073 <= top <= 1024;
    assigns out->hellinger2, out->tv, *acc, errno;
    ensures hellinger2_rounded: out->hellinger2 == dd_round_scaled_value(hh, hl, top - 1);
    ensures tv_rounded: \let v = \at(long_acc_value(acc), Pre) * \pow(2.0, -1);
      \abs(v) <= 0x1.fffffffffffffp1023 ==> out->tv == rn(v);
*/
static void store_h2_tv(double hh, double hl, int top, bht_long_acc *acc, bht_distances *out)
{
    double tv = bht_long_acc_round(acc, -1);
    out->hellinger2 = dd_round_scaled(hh, hl, top - 1);
    out->tv = tv;
}

/* Output stage of bht_distance for H: sqrt((hh + hl) 2^(top - 1)) with an
 * even power of two (the pair doubled, exactly, when top - 1 is odd), one
 * dd square root (Karp-Markstein), the root scaled by half the exponent and
 * rounded once (spec/model_distance.h: even_mantissa, half_exponent, the
 * same H as the model distances).  hh <= 2^999: the caller's hh is a sum of
 * at most 2^28 terms in [0, 2]. */
/*@ requires hh_range: \is_finite(hh) && 0 < hh <= 0x1p999;
    requires hl_range: \is_finite(hl) && \abs(hl) <= hh;
    // The same bound after the exact doubling (it follows from hl_range
    // since both products are exact, but no prover here links a binary64
    // product to the real one: proofs/TRUSTED_BASE.md T11).
    requires even_range:
      \abs(even_mantissa(hl, top - 1)) <= even_mantissa(hh, top - 1);
    requires top_range: -1073 <= top <= 1024;
    assigns errno;
    ensures root_rounded: \result == dd_round_scaled_value(
      dd_sqrt_hi(even_mantissa(hh, top - 1), even_mantissa(hl, top - 1)),
      dd_sqrt_lo(even_mantissa(hh, top - 1), even_mantissa(hl, top - 1)),
      half_exponent(top - 1));
*/
static double hellinger_root(double hh, double hl, int top)
{
    int half = top - 1, odd = half % 2 != 0;
    double xh = odd ? hh * 2.0 : hh, xl = odd ? hl * 2.0 : hl;
    //@ assert operand: 0 <= xh <= 0x1p1000 && \abs(xl) <= xh;
    double rh, rl;
    dd_sqrt(xh, xl, &rh, &rl);
    //@ assert root_range: \is_finite(rh) && \is_finite(rl) && 0 <= rh <= 0x1p501;
    return dd_round_scaled(rh, rl, (half - odd) / 2);
}

/* Algorithm: E = the largest binade of max(p_i, q_i) over the entries that
 * differ.  H^2: every term (hellinger_term, its own exponent) rescaled by
 * 2^-E, so each lies in [0, 2] and the largest is >= 2^-112, summed with
 * accurate dd additions (JMP17 Alg. 6; terms that the rescaling takes below
 * 2^-1022 are below 2^-900 of the sum) and rounded once by
 * dd_round_scaled: no intermediate underflows or overflows, however small
 * (subnormal) or large the result.  H = sqrt of that unrounded dd sum
 * (Karp-Markstein step) with the power of two halved.  Relative error of
 * both dd values <= (30 + 3n) u^2 < 2^-76 for n <= 2^28: each rounded
 * output is within 0.5 + 2^-22 ulp.  TV: 2 TV = sum |p_i - q_i| summed
 * exactly in the long accumulator (src/core/long_acc.h) and rounded once with
 * the halving: correctly rounded.  Every finite non-negative input is
 * accepted; a result beyond DBL_MAX is +inf (IEEE overflow, as the
 * oracle). */
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
    int top = 0, differ = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == q[i])
            continue;
        int e = binade(fmax(p[i], q[i]));
        if (!differ || e > top)
            top = e;
        differ = 1;
    }
    bht_long_acc acc;
    bht_long_acc_init(&acc);
    double hh = 0.0, hl = 0.0;
    for (size_t i = 0; i < n && differ; i++) {
        double pi = p[i], qi = q[i];
        if (pi == qi)
            continue;
        double th, tl;
        int te;
        hellinger_term(pi, qi, &th, &tl, &te);
        dd_add(hh, hl, ldexp(th, te - top), ldexp(tl, te - top), &hh, &hl);
        bht_long_acc_add(&acc, pi > qi ? pi : qi);
        bht_long_acc_add(&acc, pi > qi ? -qi : -pi);
    }
    double hellinger = 0.0;
    if (hh > 0.0)
        hellinger = hellinger_root(hh, hl, top);
    store_h2_tv(hh, hl, top, &acc, out);
    out->hellinger = hellinger;
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
    ensures steps:
      \let lo = \sub_double(x_lo, \mul_double(x_hi, (double)0x1p-120));
      \let hi = \add_double(x_hi, lo);
      \result == dd_round_scaled_value(hi, \sub_double(lo, \sub_double(hi, x_hi)), scale);
    admit ensures value: \result == lead_rounded(x_hi, x_lo, scale);
*/
static double leading_term_rounded(double x_hi, double x_lo, int scale)
{
    double lo = x_lo - x_hi * 0x1p-120;
    double hi = fast_two_sum(x_hi, lo, &lo);
    return dd_round_scaled(hi, lo, scale);
}

/* frexp for 0 < x < 2^-60: x = m 2^e with m in [1/2, 1) (libc contract)
 * and e in [-1073, -59] (admitted: Frama-C's frexp contract does not bound
 * the exponent; proofs/TRUSTED_BASE.md). */
/*@ requires valid_e: \valid(e);
    requires x_range: \is_finite(x) && 0 <= x <= 0x1p-60 && x != 0.0;
    assigns *e;
    ensures mantissa: \is_finite(\result) && 0.5 <= \result <= 1;
    admit ensures exponent_range: -1073 <= *e <= -59;
    admit ensures value: \result == frexp_mantissa(x) && *e == frexp_exponent(x);
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
    ensures value: \result == min1(x);
*/
static double min_one(double x)
{
    return x < 1.0 ? x : 1.0;
}

/* eps / 4 for eps in [2^-60, 160]: RN(x * 0.25) (proved), which is x / 4
 * exactly, since a product by 2^-2 that stays in the normal range loses no
 * bit.  That float fact is admitted here (no prover available to WP relates
 * the binary64 product of a parameter to its real value) and proved in Coq
 * with Flocq (proofs/coq/Binary64.v, mul_quarter_exact; proofs/TRUSTED_BASE.md,
 * row T11); it is stated about x alone, so a changed body fails `value`. */
/*@ requires x_range: \is_finite(x) && 0x1p-60 <= x <= 160;
    assigns \nothing;
    ensures finite: \is_finite(\result);
    ensures value: \result == \mul_double(x, (double)0.25);
    admit ensures exact: \mul_double(x, (double)0.25) == x / 4;
*/
static double quarter_of(double x)
{
    return x * 0.25;
}

/* h2max = y^2 / (1 + (1 + y)^2) from the dd y = yh + yl (all terms
 * positive: no cancellation), rounded once and clamped at 1; relative error
 * <= 2^-53 + 2^-57 given y within 2^-60 (proofs/gappa/h2max_dd_chain.gappa). */
/*@ requires y_range: dd_nonneg(yh, yl, 0x1p58) && 0x1p-64 <= yh;
    requires y_tight: \abs(yl) <= 0x1p-53 * yh;
    assigns errno;
    ensures unit_range: finite_between(\result, 0, 1);
    ensures value: \result == a1_h2_value(yh, yl);
    ensures budget: \forall real Y; 0x1p-64 <= Y <= 0x1p59 && rel_err(yh + yl, Y, 0x1p-60) ==>
      rel_err(\result, h2max_closed(Y), 0x1.1p-53);
*/
static double h2max_closed(double yh, double yl)
{
    double nh, nl, ah, al, bh, bl, ch, cl, qh, ql;
    dd_mul(yh, yl, yh, yl, &nh, &nl);
    dd_add(1.0, 0.0, yh, yl, &ah, &al);
    dd_mul(ah, al, ah, al, &bh, &bl);
    dd_add(1.0, 0.0, bh, bl, &ch, &cl);
    dd_div(nh, nl, ch, cl, &qh, &ql);
    //@ assert n_low: 0x1p-129 <= nh;
    //@ assert c_high: ch <= 0x1p123;
    //@ assert q_low: 0x1p-1000 <= qh;
    double r = dd_round_scaled(qh, ql, 0);
    //@ assert s_n: rel_err(nh + nl, (yh + yl) * (yh + yl), 0x1p-103);
    //@ assert s_a: rel_err(ah + al, 1 + (yh + yl), 0x1p-104);
    //@ assert s_b: rel_err(bh + bl, (ah + al) * (ah + al), 0x1p-103);
    //@ assert s_c: rel_err(ch + cl, 1 + (bh + bl), 0x1p-104);
    //@ assert s_q: rel_err(qh + ql, (nh + nl) / (ch + cl), 0x1p-102);
    //@ assert r_is_q: r == qh && \abs(ql) <= 0x1p-53 * qh;
    //@ assert s_r: rel_err(r, qh + ql, 0x1.0000000000001p-53);
    /*@ assert chain: \forall real Y; 0x1p-64 <= Y <= 0x1p59 && rel_err(yh + yl, Y, 0x1p-60) ==>
          a1_h2_chain(Y, yh + yl, nh + nl, ah + al, bh + bl, ch + cl, qh + ql, r); */
    /*@ assert r_budget: \forall real Y; 0x1p-64 <= Y <= 0x1p59 && rel_err(yh + yl, Y, 0x1p-60) ==>
          rel_err(r, h2max_closed(Y), 0x1.1p-53); */
    return min_one(r);
}

/* tvmax = w / (w + 2), w = y (y + 2) = expm1(eps/2), from the dd y,
 * rounded once and clamped at 1; relative error <= 2^-53 + 2^-57
 * (proofs/gappa/tvmax_dd_chain.gappa). */
/*@ requires y_range: dd_nonneg(yh, yl, 0x1p58) && 0x1p-64 <= yh;
    requires y_tight: \abs(yl) <= 0x1p-53 * yh;
    assigns errno;
    ensures unit_range: finite_between(\result, 0, 1);
    ensures value: \result == a1_tv_value(yh, yl);
    ensures budget: \forall real Y; 0x1p-64 <= Y <= 0x1p59 && rel_err(yh + yl, Y, 0x1p-60) ==>
      rel_err(\result, tvmax_closed(Y), 0x1.1p-53);
*/
static double tvmax_closed(double yh, double yl)
{
    double ah, al, wh, wl, bh, bl, qh, ql;
    dd_add(yh, yl, 2.0, 0.0, &ah, &al);
    dd_mul(yh, yl, ah, al, &wh, &wl);
    dd_add(wh, wl, 2.0, 0.0, &bh, &bl);
    dd_div(wh, wl, bh, bl, &qh, &ql);
    //@ assert w_low: 0x1p-64 <= wh;
    //@ assert b_high: bh <= 0x1p124;
    //@ assert q_low: 0x1p-1000 <= qh;
    double r = dd_round_scaled(qh, ql, 0);
    //@ assert r_is_q: r == qh && \abs(ql) <= 0x1p-53 * qh;
    //@ assert s_r: rel_err(r, qh + ql, 0x1.0000000000001p-53);
    /*@ assert chain: \forall real Y; 0x1p-64 <= Y <= 0x1p59 && rel_err(yh + yl, Y, 0x1p-60) ==>
          a1_tv_chain(Y, yh + yl, ah + al, wh + wl, bh + bl, qh + ql, r); */
    /*@ assert r_budget: \forall real Y; 0x1p-64 <= Y <= 0x1p59 && rel_err(yh + yl, Y, 0x1p-60) ==>
          rel_err(r, tvmax_closed(Y), 0x1.1p-53); */
    return min_one(r);
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
    ensures zero: \result == BHT_OK && eps == 0 ==> out->h2max == 0 && out->tvmax == 0;
    ensures tiny_h2: \result == BHT_OK && 0 < eps < 0x1p-60 ==>
      \let m = frexp_mantissa(eps);
      out->h2max == lead_rounded(two_prod_hi(m, m), two_prod_lo(m, m), 2 * frexp_exponent(eps) - 5);
    ensures tiny_tv: \result == BHT_OK && 0 < eps < 0x1p-60 ==>
      out->tvmax == lead_rounded(frexp_mantissa(eps), 0, frexp_exponent(eps) - 2);
    ensures h2_closed: \result == BHT_OK && 0x1p-60 <= eps < 160 ==>
      \let a = \mul_double(eps, (double)0.25);
      out->h2max == a1_h2_value(dd_expm1_hi(a), dd_expm1_lo(a));
    ensures h2_one: \result == BHT_OK && 160 <= eps ==> out->h2max == 1;
    ensures tv_closed: \result == BHT_OK && 0x1p-60 <= eps < 80 ==>
      \let a = \mul_double(eps, (double)0.25);
      out->tvmax == a1_tv_value(dd_expm1_hi(a), dd_expm1_lo(a));
    ensures tv_one: \result == BHT_OK && 80 <= eps ==> out->tvmax == 1;
    ensures h2_budget: \result == BHT_OK && 0x1p-60 <= eps < 160 ==>
      rel_err(out->h2max, h2max(eps), 0x1.1p-53);
    ensures tv_budget: \result == BHT_OK && 0x1p-60 <= eps < 80 ==>
      rel_err(out->tvmax, tvmax(eps), 0x1.1p-53);
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
    //@ assert out_fields: \valid(&out->h2max) && \valid(&out->tvmax);
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
    if (eps < H2MAX_IS_ONE_FROM) {
        double quarter = quarter_of(eps); /* exact: eps >= 2^-60 */
        dd_expm1(quarter, &yh, &yl);
        //@ assert y_close: rel_err(yh + yl, lemma_a1_y(eps), 0x1p-60);
        //@ assert y_value_range: 0x1p-64 <= yh + yl <= 0x1.1p58;
        //@ assert y_exact_positive: 0 < lemma_a1_y(eps);
        //@ assert y_exact_upper: lemma_a1_y(eps) * (1 - 0x1p-60) <= yh + yl;
        //@ assert y_exact_range: 0x1p-64 <= lemma_a1_y(eps) <= 0x1p59;
    }
    if (eps >= H2MAX_IS_ONE_FROM)
        out->h2max = 1.0;
    else
        out->h2max = h2max_closed(yh, yl);
    if (eps >= TVMAX_IS_ONE_FROM)
        out->tvmax = 1.0;
    else
        out->tvmax = tvmax_closed(yh, yl);
    return BHT_OK;
}

/* quarter_of under its internal name (distance_stages.h). */
double bht__dist_quarter_of(double x)
{
    return quarter_of(x);
}
