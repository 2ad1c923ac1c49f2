/* dd_leaves.h: contracts of the double-double primitives as the kernels
 * proof unit (proofs/kernels.mk) uses them.  The prototypes below are
 * redundant C redeclarations of dd.h and dd_elementary.h functions: they
 * carry ACSL contracts that Frama-C merges with the definitions (gcc sees
 * only a prototype).  No primitive is analysed by the kernels unit, so each
 * whole contract is assumed: the rows D1-D6 of proofs/TRUSTED_BASE.md, each
 * checked against MPFR by calling the function itself in
 * tests/proofs/test_trusted_kernels.c.
 *
 * Each primitive has two kinds of clauses (logic of spec/dd.h):
 *  - `value`: its outputs are the dd_*_hi / dd_*_lo of its operands.  This
 *    only names what the (deterministic, stateless) code computes, so that
 *    a caller's contract can state which operands each step received.
 *  - the error bound relating that value to the exact operation (dd_add_err,
 *    dd_mul_err, dd_div_err, dd_sqrt_err), and the normalization of the
 *    result pair (every primitive ends with a Fast2Sum), for operands in
 *    range (dd_operand; products and quotients not below 2^-900 for the
 *    bound: below, the partial results underflow and the error is absolute,
 *    up to 2^-1075 / |y| for a quotient, found by the test). */
#ifndef BHT_DD_LEAVES_H
#define BHT_DD_LEAVES_H

#include <errno.h>
#include "core/dd_elementary.h"

/* TwoSum's first output is the rounded sum (its first line is s = a + b). */
/*@ admit ensures rounded: \result == rn(a + b); */
static inline double two_sum(double a, double b, double *err);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    assigns *rh, *rl;
    admit ensures value: *rh == dd_add_hi(ah, al, bh, bl) && *rl == dd_add_lo(ah, al, bh, bl);
    admit ensures bound: dd_operand(ah, al) && dd_operand(bh, bl) ==>
      \is_finite(*rh) && \is_finite(*rl) && dd_normalized(*rh, *rl) &&
      dd_add_err(*rh + *rl, ah + al, bh + bl);
*/
static inline void dd_add(double ah, double al, double bh, double bl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    assigns *rh, *rl;
    admit ensures value: *rh == dd_mul_hi(xh, xl, yh, yl) && *rl == dd_mul_lo(xh, xl, yh, yl);
    admit ensures normalized: dd_operand(xh, xl) && dd_operand(yh, yl) &&
                              \abs(xh * yh) <= 0x1p1000 ==>
      \is_finite(*rh) && \is_finite(*rl) && dd_normalized(*rh, *rl);
    admit ensures bound: dd_operand(xh, xl) && dd_operand(yh, yl) && \abs(xh * yh) <= 0x1p1000 &&
                         (xh * yh == 0 || \abs(xh * yh) >= 0x1p-900) ==>
      dd_mul_err(*rh + *rl, xh + xl, yh + yl);
*/
static inline void dd_mul(double xh, double xl, double yh, double yl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    assigns *rh, *rl;
    admit ensures value: *rh == dd_div_hi(xh, xl, yh, yl) && *rl == dd_div_lo(xh, xl, yh, yl);
    admit ensures normalized: dd_operand(xh, xl) && dd_operand(yh, yl) && \abs(yh) >= 0x1p-500 &&
                              \abs(xh / yh) <= 0x1p1000 ==>
      \is_finite(*rh) && \is_finite(*rl) && dd_normalized(*rh, *rl) &&
      (xh >= 0 && yh > 0 ==> *rh >= 0);
    admit ensures bound: dd_operand(xh, xl) && dd_operand(yh, yl) && \abs(yh) >= 0x1p-500 &&
                         \abs(xh / yh) <= 0x1p1000 &&
                         (xh == 0 || (\abs(xh) >= 0x1p-900 && \abs(xh / yh) >= 0x1p-900)) ==>
      dd_div_err(*rh + *rl, xh + xl, yh + yl);
*/
static inline void dd_div(double xh, double xl, double yh, double yl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    assigns *rh, *rl, errno;
    admit ensures value: *rh == dd_sqrt_hi(ah, al) && *rl == dd_sqrt_lo(ah, al);
    admit ensures finite: \is_finite(ah) && 0.0 <= ah <= 0x1p1000 && \is_finite(al) ==>
      \is_finite(*rh) && \is_finite(*rl) && *rh >= 0.0 && dd_normalized(*rh, *rl);
    admit ensures operand: \is_finite(ah) && 0.0 <= ah <= 0x1p1000 && \is_finite(al) &&
                           \abs(al) <= ah ==>
      *rh <= 0x1p501 && \abs(*rl) <= 0x1p-53 * *rh;
    admit ensures bound: dd_sqrt_err(*rh + *rl, ah, al);
*/
static inline void dd_sqrt(double ah, double al, double *rh, double *rl);

/*@ requires hi_nonneg: \is_finite(hi) && hi >= 0.0;
    requires lo_finite: \is_finite(lo);
    requires scale_range: -2000000 <= scale <= 2000000;
    assigns errno;
    admit ensures nonneg: !\is_NaN(\result) && \result >= 0.0;
    admit ensures unit: hi * \pow(2.0, scale) <= 1.0 ==> \is_finite(\result) && \result <= 1.0;
    admit ensures rounded: dd_normalized(hi, lo) ==> \result == rn(dd_scaled(hi, lo, scale));
    admit ensures rounded_finite: dd_normalized(hi, lo) && \is_finite(rn(dd_scaled(hi, lo, scale))) ==>
      \is_finite(\result);
*/
static inline double dd_round_scaled(double hi, double lo, int scale);

/*@ requires hi_finite: \is_finite(hi);
    requires lo_finite: \is_finite(lo);
    requires scale_range: -2000000 <= scale <= 2000000;
    assigns errno;
    admit ensures rounded: dd_normalized(hi, lo) ==> \result == rn(dd_scaled(hi, lo, scale));
*/
static inline double dd_round_scaled_signed(double hi, double lo, int scale);

#endif
