/* spec/softmax.h: softmax(A x) (paper Def. 2.6) and the double-double
 * pipeline of src/softmax/softmax.c that evaluates it, as ACSL logic (ACSL
 * only; force-included after spec/bht_spec.h by the root unit, proofs/proofs.mk).  No lemma or axiom lives here.
 * softmax(z) over a logit vector is `softmax` in spec/formulas.h (quoted by
 * proofs/coq/Acsl.v); softmax(A x) is `reg_softmax` of spec/regression.h
 * (the softmax regression's f = softmax(A x)), named softmax_ax here.
 *
 * The pipeline (softmax_core, A x path): m = an index of a largest logit;
 * t_k = (A x)_k - (A x)_m, carried as the dd pair RN(t_k), RN(t_k - RN(t_k));
 * e_k = the dd exponential of that pair (bht_dd_exp: mantissa pair and
 * exponent); S = the dd sum of the e_k (dd_add, in index order, terms with
 * RN(t_k) < -746 skipped); p_k = clamp01(RN(2^scale_k (q_h + q_l))) with
 * (q_h, q_l) the dd quotient of the mantissa pair of e_k by S.  The values
 * of bht_dd_exp, dd_add and dd_div are named below (abstract functions of
 * their arguments: the C functions are deterministic); what is known of them
 * is stated by their leaf facts (proofs/TRUSTED_BASE.md, rows S1-S5, LA1-LA7). */
#ifndef BHT_SPEC_SOFTMAX_H
#define BHT_SPEC_SOFTMAX_H

#include "regression.h"

/*@
  // The logit (A x)_i of row i of the n-by-d row-major matrix A, exact
  // (reg_logit: spec/regression.h, the same softmax(A x) as the regression).
  logic real logit_ax{L}(double *A, double *x, integer d, integer i) = reg_logit(A, x, d, i);

  // The largest of the logits 0 .. k-1 (k >= 1).
  logic real logit_max{L}(double *A, double *x, integer d, integer k) =
    k <= 1 ? logit_ax(A, x, d, 0) :
      (logit_max(A, x, d, k - 1) >= logit_ax(A, x, d, k - 1) ?
         logit_max(A, x, d, k - 1) : logit_ax(A, x, d, k - 1));

  // softmax(A x)_i = exp((A x)_i) / sum_j exp((A x)_j) (paper Def. 2.6).
  logic real softmax_ax{L}(double *A, double *x, integer n, integer d, integer i) =
    reg_softmax(A, x, n, d, i);

  // t_k = (A x)_k - max_j (A x)_j <= 0 and its dd pair.
  logic real shift_ax{L}(double *A, double *x, integer n, integer d, integer k) =
    logit_ax(A, x, d, k) - logit_max(A, x, d, n);
  logic double shift_hi{L}(double *A, double *x, integer n, integer d, integer k) =
    rn(shift_ax(A, x, n, d, k));
  logic double shift_lo{L}(double *A, double *x, integer n, integer d, integer k) =
    rn(shift_ax(A, x, n, d, k) - shift_hi(A, x, n, d, k));
  // Term k enters the sum (SHIFTED_LOGIT_FLOOR = -746: below it p_k rounds to
  // +0); written out again in the conditionals below (a predicate is not a term).
  predicate shift_kept{L}(double *A, double *x, integer n, integer d, integer k) =
    -0x1.fffffffffffffp1023 <= shift_ax(A, x, n, d, k)
    && shift_hi(A, x, n, d, k) >= -746.0;

  axiomatic SoftmaxDdSteps {
    // dd_exp_hi/lo/scale (bht_dd_exp, leaf S1) are named in spec/dd.h.
    // dd_add, dd_div of src/core/dd.h: high and low parts (leaves S3, S4).
    logic double dd_add_hi(double ah, double al, double bh, double bl);
    logic double dd_add_lo(double ah, double al, double bh, double bl);
    logic double dd_div_hi(double xh, double xl, double yh, double yl);
    logic double dd_div_lo(double xh, double xl, double yh, double yl);
  }

  // e_k: the mantissa pair and exponent of the dd exponential of t_k.
  logic double exp_hi{L}(double *A, double *x, integer n, integer d, integer k) =
    dd_exp_hi(shift_hi(A, x, n, d, k), shift_lo(A, x, n, d, k));
  logic double exp_lo{L}(double *A, double *x, integer n, integer d, integer k) =
    dd_exp_lo(shift_hi(A, x, n, d, k), shift_lo(A, x, n, d, k));
  logic integer exp_scale{L}(double *A, double *x, integer n, integer d, integer k) =
    dd_exp_scale(shift_hi(A, x, n, d, k), shift_lo(A, x, n, d, k));

  // S after the terms 0 .. k-1: part w = 0 (high) or 1 (low) of the dd sum
  // of RN(hi_j 2^scale_j) + RN(lo_j 2^scale_j) (what ldexp returns).
  logic double softmax_sum{L}(double *A, double *x, integer n, integer d, integer k, integer w) =
    k <= 0 ? (double)0.0 :
    !(-0x1.fffffffffffffp1023 <= shift_ax(A, x, n, d, k - 1)
      && shift_hi(A, x, n, d, k - 1) >= -746.0) ? softmax_sum(A, x, n, d, k - 1, w) :
    w == 0 ? dd_add_hi(softmax_sum(A, x, n, d, k - 1, 0), softmax_sum(A, x, n, d, k - 1, 1),
                       rn(exp_hi(A, x, n, d, k - 1) * \pow(2.0, exp_scale(A, x, n, d, k - 1))),
                       rn(exp_lo(A, x, n, d, k - 1) * \pow(2.0, exp_scale(A, x, n, d, k - 1))))
           : dd_add_lo(softmax_sum(A, x, n, d, k - 1, 0), softmax_sum(A, x, n, d, k - 1, 1),
                       rn(exp_hi(A, x, n, d, k - 1) * \pow(2.0, exp_scale(A, x, n, d, k - 1))),
                       rn(exp_lo(A, x, n, d, k - 1) * \pow(2.0, exp_scale(A, x, n, d, k - 1))));

  // v clamped to [0, 1] (the code's two comparisons).
  logic double clamp01(double v) = v > 1.0 ? (double)1.0 : v < 0.0 ? (double)0.0 : v;

  // p_k given the sum (sh, sl): 0 for a skipped term, else the clamped
  // RN(2^scale_k (q_h + q_l)), (q_h, q_l) = e_k / S in dd.
  logic double softmax_dd_out{L}(double *A, double *x, integer n, integer d, integer k,
                                 double sh, double sl) =
    !(-0x1.fffffffffffffp1023 <= shift_ax(A, x, n, d, k)
      && shift_hi(A, x, n, d, k) >= -746.0) ? (double)0.0 :
      clamp01(rn(dd_scaled(dd_div_hi(exp_hi(A, x, n, d, k), exp_lo(A, x, n, d, k), sh, sl),
                           dd_div_lo(exp_hi(A, x, n, d, k), exp_lo(A, x, n, d, k), sh, sl),
                           exp_scale(A, x, n, d, k))));

  // p_k of softmax(A x) as the kernel computes it.
  logic double softmax_dd{L}(double *A, double *x, integer n, integer d, integer k) =
    softmax_dd_out(A, x, n, d, k, softmax_sum(A, x, n, d, n, 0), softmax_sum(A, x, n, d, n, 1));

  // The inputs A[0 .. n d - 1] and x[0 .. d - 1] hold the same values at
  // labels L1 and L2 (softmax_core writes p and its own locals only).  The
  // frame axioms over it (row S6) and the real-argument axioms (row S7) are
  // in spec/softmax_frame.h (force-included by the root unit after this file).
  predicate softmax_inputs_same{L1, L2}(double *A, double *x, integer n, integer d) =
    (\forall integer j; 0 <= j < n * d ==> \at(A[j], L1) == \at(A[j], L2))
    && (\forall integer j; 0 <= j < d ==> \at(x[j], L1) == \at(x[j], L2));
*/

#endif
