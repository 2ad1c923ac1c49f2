/* dd_round_nonneg.h: the admitted leaf K1 of proofs/TRUSTED_BASE.md,
 * shared by the output stages of the local analysis (local_softmax.c, where
 * it is defined, and local_leverage.c).  Not part of the public API. */
#ifndef BHT_DD_ROUND_NONNEG_H
#define BHT_DD_ROUND_NONNEG_H

#include <errno.h>

/* RN(2^scale (hi + lo)) for a normalized dd with hi >= 0 (dd_round_scaled).
 * Proved by the kernels unit from dd_round_scaled's leaf contract (D5 of
 * proofs/TRUSTED_BASE.md, src/core/dd_leaves.h; tested against MPFR by
 * calling this function in tests/proofs/test_trusted_kernels.c): the result
 * is not negative and not NaN, and for a normalized pair it is RN(2^scale
 * (hi + lo)) whenever it is finite.  ldexp may set errno (ERANGE). */
/*@ requires hi_nonneg: \is_finite(hi) && hi >= 0.0;
    requires lo_finite: \is_finite(lo);
    requires scale_range: -1000000 <= scale <= 1000000;
    assigns errno;
    ensures nonneg: !\is_NaN(\result) && \result >= 0.0;
    ensures rounded: dd_normalized(hi, lo) && \is_finite(\result) ==>
      \result == rn(dd_scaled(hi, lo, scale));
*/
double bht__round_scaled_nonneg(double hi, double lo, int scale);

#endif
