/* dd_round_nonneg.h: the admitted leaf K1 of proofs/kernels/TRUSTED_BASE.md,
 * shared by the output stages of the local analysis (local_softmax.c, where
 * it is defined, and local_leverage.c).  Not part of the public API. */
#ifndef BHT_DD_ROUND_NONNEG_H
#define BHT_DD_ROUND_NONNEG_H

/* RN(2^scale (hi + lo)) for a normalized dd with hi >= 0 (dd_round_scaled).
 * Leaf fact trusted (tested against MPFR in tests/proofs/test_trusted_kernels.c):
 * the result is not negative and not NaN. */
/*@ requires hi_nonneg: \is_finite(hi) && hi >= 0.0;
    requires lo_finite: \is_finite(lo);
    requires scale_range: -1000000 <= scale <= 1000000;
    assigns \nothing;
    admit ensures nonneg: !\is_NaN(\result) && \result >= 0.0;
*/
double bht__round_scaled_nonneg(double hi, double lo, int scale);

#endif
