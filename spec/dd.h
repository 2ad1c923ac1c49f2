/* spec/dd.h: ACSL logic shared by the contracts of the double-double (dd)
 * primitives and of every output stage that rounds a dd value (ACSL only,
 * no C code; included by spec/bht_spec.h).  No lemma or axiom lives here.
 *
 * A dd value is an unevaluated sum hi + lo of two doubles; the kernels carry
 * it as a mantissa pair with a separate binary exponent e, the value being
 * (hi + lo) 2^e.  Every output of a kernel is one rounding RN of such a
 * value: the contracts say which value, so that a changed constant,
 * exponent or operand at an output stage no longer proves.
 *
 * The axiomatic block DdPrimitives only declares function symbols (no
 * axiom): dd_add_hi(ah, al, bh, bl) and dd_add_lo(...) name the pair that
 * dd_add computes from those operands, and likewise for dd_mul, dd_div,
 * dd_sqrt.  What is known about them comes from the primitives' leaf
 * contracts (src/core/dd_leaves.h: the error bounds below, rows D1-D5 of
 * proofs/TRUSTED_BASE.md). */
#ifndef BHT_SPEC_DD_H
#define BHT_SPEC_DD_H

/*@
  // RN(x): the binary64 value nearest the real x, ties to even (what one
  // C operation or one correctly rounded conversion produces).
  logic double rn(real x) = \round_double(\NearestEven, x);

  // (hi + lo) 2^e: the real value of a dd mantissa pair with an exponent.
  logic real dd_scaled(real hi, real lo, integer e) = (hi + lo) * \pow(2.0, e);

  // hi + lo is a normalized dd: hi is already RN(hi + lo).
  predicate dd_normalized(double hi, double lo) = hi == rn(hi + lo);

  // The dd pair is finite, hi >= 0 and normalized (the shape of every
  // non-negative sum the kernels round at their output stage).
  predicate dd_nonneg_normalized(double hi, double lo) =
    \is_finite(hi) && \is_finite(lo) && hi >= 0.0 && dd_normalized(hi, lo);

  // (h, l) is an operand in the range where the primitives' error bounds
  // hold: finite, |h| <= 2^1000, |l| <= 2^-53 |h| (so a zero h has l == 0).
  predicate dd_operand(double h, double l) =
    \is_finite(h) && \is_finite(l) && \abs(h) <= 0x1p1000 && \abs(l) <= 0x1p-53 * \abs(h);

  axiomatic DdPrimitives {
    logic real dd_add_hi(real ah, real al, real bh, real bl);
    logic real dd_add_lo(real ah, real al, real bh, real bl);
    logic real dd_mul_hi(real xh, real xl, real yh, real yl);
    logic real dd_mul_lo(real xh, real xl, real yh, real yl);
    logic real dd_div_hi(real xh, real xl, real yh, real yl);
    logic real dd_div_lo(real xh, real xl, real yh, real yl);
    logic real dd_sqrt_hi(real ah, real al);
    logic real dd_sqrt_lo(real ah, real al);
  }

  // Error bounds of the primitives (JMP17 = Joldes, Muller, Popescu, ACM
  // TOMS 44(2), 2017; u = 2^-53), each with an absolute slack 2^-1070 for
  // partial results in the subnormal range (at most a few roundings of
  // 2^-1075 each).  r is the real value hi + lo of the result pair.
  // dd_add, JMP17 Alg. 6: 3u^2 + 13u^3 <= 2^-104.
  predicate dd_add_err(real r, real a, real b) =
    \abs(r - (a + b)) <= 0x1p-104 * \abs(a + b) + 0x1p-1070;
  // dd_mul, JMP17 Alg. 12: 5u^2 <= 2^-103.
  predicate dd_mul_err(real r, real x, real y) =
    \abs(r - x * y) <= 0x1p-103 * \abs(x * y) + 0x1p-1070;
  // dd_div, JMP17 Alg. 17: 15u^2 + 56u^3 <= 2^-102 (y != 0).
  predicate dd_div_err(real r, real x, real y) =
    y != 0 && \abs(r - x / y) <= 0x1p-102 * \abs(x / y) + 0x1p-1070;
  // dd_sqrt (Karp-Markstein, one Newton step): 3u^2 <= 2^-104, for a
  // normalized pair with ah >= 2^-960 (the FMA residual is then exact).
  predicate dd_sqrt_err(real r, real ah, real al) =
    ah >= 0x1p-960 && \abs(al) <= 0x1p-53 * ah ==>
      \abs(r - \sqrt(ah + al)) <= 0x1p-104 * \sqrt(ah + al);

  // bht_dd_exp(th, tl) (src/core/dd_exp.h): exp(th + tl) ~ (hi + lo) 2^scale.
  // Names only; the facts are the admitted ensures of leaf S1.
  axiomatic DdExpResults {
    logic double dd_exp_hi(double th, double tl);
    logic double dd_exp_lo(double th, double tl);
    logic integer dd_exp_scale(double th, double tl);
  }
*/

/* The error-free transformations step by step (uses rn above). */
#include "dd_eft.h"

#endif
