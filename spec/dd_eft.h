/* spec/dd_eft.h: ACSL logic of the error-free transformations and of the
 * exponential's polynomial, step by step as the C code of src/core/dd.h and
 * src/core/dd_exp.h computes them (ACSL only, no C code, no lemma or axiom;
 * included by spec/dd.h).  Each step is one C operation of WP's IEEE model
 * (\add_double, \sub_double, \mul_double): WP proves the functions equal
 * to these chains, so a changed operator or constant no longer proves.
 *
 * Every declaration here is quoted verbatim and transcribed in
 * proofs/coq/Binary64.v (checked by proofs/coq/check_acsl_sync.py), where
 * two_sum_error_free is proved for every pair of binary64 values
 * (two_sum_error_free_holds, Flocq's TwoSum_correct). */
#ifndef BHT_SPEC_DD_EFT_H
#define BHT_SPEC_DD_EFT_H

/*@
  // Knuth's TwoSum (two_sum): s = RN(a + b), bv = RN(s - a),
  // av = RN(s - bv), lo = RN(RN(a - av) + RN(b - bv)); \add_double and
  // \sub_double are the C operations (for finite operands and a finite
  // result: RN of the exact sum or difference, Why3's ieee_float).
  logic double two_sum_hi(double a, double b) = \add_double(a, b);
  logic double two_sum_bv(double a, double b) = \sub_double(two_sum_hi(a, b), a);
  logic double two_sum_av(double a, double b) =
    \sub_double(two_sum_hi(a, b), two_sum_bv(a, b));
  logic double two_sum_lo(double a, double b) =
    \add_double(\sub_double(a, two_sum_av(a, b)), \sub_double(b, two_sum_bv(a, b)));

  // TwoSum is error-free (hi + lo is exactly a + b) and lo is at most half
  // an ulp of hi (Knuth TAOCP vol. 2, 4.2.2, Thm. B; Handbook of FP
  // arithmetic, 2nd ed., 4.3.2).  Holds in binary64 with unbounded
  // exponent; two_sum's bounds keep every step below 2^1022 (no overflow).
  predicate two_sum_error_free(double a, double b) =
    two_sum_hi(a, b) + two_sum_lo(a, b) == a + b
    && \abs(two_sum_lo(a, b)) <= 0x1p-53 * \abs(two_sum_hi(a, b));

  // The Taylor coefficients 1/k! of exp as the C constants of dd_exp.h
  // (`1.0 / 720` etc., which C evaluates to RN(1/k!)); bht_dd_exp_poly's
  // contract checks each against 1/k! (`coefficients`: within half an ulp,
  // so it is RN(1/k!)).
  logic double exp_coef2 = (double)0.5;                   // 1/2!, exact
  logic double exp_coef3 = (double)0x1.5555555555555p-3;  // RN(1/3!) = RN(1/6)
  logic double exp_coef4 = (double)0x1.5555555555555p-5;  // RN(1/4!) = RN(1/24)
  logic double exp_coef5 = (double)0x1.1111111111111p-7;  // RN(1/5!) = RN(1/120)
  logic double exp_coef6 = (double)0x1.6c16c16c16c17p-10; // RN(1/6!) = RN(1/720)
  logic double exp_coef7 = (double)0x1.a01a01a01a01ap-13; // RN(1/7!) = RN(1/5040)

  // P(r) = 1/2! + r/3! + ... + r^5/7! by Horner, one C operation per step
  // (bht_dd_exp_poly): exp(r) ~ 1 + r + r^2 P(r).
  logic double dd_exp_poly(double r) =
    \add_double(exp_coef2, \mul_double(r,
      \add_double(exp_coef3, \mul_double(r,
        \add_double(exp_coef4, \mul_double(r,
          \add_double(exp_coef5, \mul_double(r,
            \add_double(exp_coef6, \mul_double(r, exp_coef7))))))))));
*/

#endif
