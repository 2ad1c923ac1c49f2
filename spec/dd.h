/* spec/dd.h: ACSL logic shared by the contracts of the double-double (dd)
 * primitives and of every output stage that rounds a dd value (ACSL only,
 * no C code; included by spec/bht_spec.h).  No lemma or axiom lives here.
 *
 * A dd value is an unevaluated sum hi + lo of two doubles; the kernels carry
 * it as a mantissa pair with a separate binary exponent e, the value being
 * (hi + lo) 2^e.  Every output of a kernel is one rounding RN of such a
 * value: the contracts say which value, so that a changed constant,
 * exponent or operand at an output stage no longer proves. */
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
*/

#endif
