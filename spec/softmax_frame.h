/* spec/softmax_frame.h: the axioms that the proof of softmax_core
 * (src/softmax/softmax.c) uses, rows S6 and S7 of proofs/TRUSTED_BASE.md.
 * Force-included by the root unit (proofs/proofs.mk, WP_SPECS) after
 * spec/softmax.h: every global axiom enters every goal of the unit, so a
 * change here re-proves the whole unit (its cache no longer matches).
 * ACSL only; after spec/softmax.h. */
#ifndef BHT_SPEC_SOFTMAX_FRAME_H
#define BHT_SPEC_SOFTMAX_FRAME_H

/*@
  // Frame facts (row S6): the logits and their maximum read A[0 .. n d - 1]
  // and x[0 .. d - 1] only.  True by induction on d (reg_dot) and on n
  // (logit_max), which no SMT solver here performs: proved in Coq over a
  // transcription of these definitions (proofs/coq/Frame.v).  Stated on
  // shift_ax and logit_max so that each conclusion names every variable
  // (the provers' triggers).
  axiomatic SoftmaxFrame {
    axiom shift_ax_frame{L1, L2}:
      \forall double *A, *x, integer n, d, k;
        0 <= k < n && 0 <= d && softmax_inputs_same{L1, L2}(A, x, n, d) ==>
        shift_ax{L1}(A, x, n, d, k) == shift_ax{L2}(A, x, n, d, k);
    axiom logit_max_frame{L1, L2}:
      \forall double *A, *x, integer n, d;
        1 <= n && 0 <= d && softmax_inputs_same{L1, L2}(A, x, n, d) ==>
        logit_max{L1}(A, x, d, n) == logit_max{L2}(A, x, d, n);
  }

  // Row S7: the named dd steps are functions of the real values of their
  // arguments (WP's doubles carry signed zeros, equal as reals): the C
  // functions give results of equal value for +0 and -0 arguments.
  axiomatic SoftmaxRealArgs {
    axiom dd_exp_real_args:
      \forall double a, b, c, e; a == c && b == e ==>
        dd_exp_hi(a, b) == dd_exp_hi(c, e) && dd_exp_lo(a, b) == dd_exp_lo(c, e)
        && dd_exp_scale(a, b) == dd_exp_scale(c, e);
    axiom dd_add_real_args:
      \forall double a, b, c, e, a1, b1, c1, e1;
        a == a1 && b == b1 && c == c1 && e == e1 ==>
        dd_add_hi(a, b, c, e) == dd_add_hi(a1, b1, c1, e1)
        && dd_add_lo(a, b, c, e) == dd_add_lo(a1, b1, c1, e1);
    axiom dd_div_real_args:
      \forall double a, b, c, e, a1, b1, c1, e1;
        a == a1 && b == b1 && c == c1 && e == e1 ==>
        dd_div_hi(a, b, c, e) == dd_div_hi(a1, b1, c1, e1)
        && dd_div_lo(a, b, c, e) == dd_div_lo(a1, b1, c1, e1);
  }
*/

#endif
