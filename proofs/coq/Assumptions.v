(** Prints the axioms each proved statement depends on.  `make coq-proofs`
    compiles this file, and proofs/coq/check_assumptions.py checks that only
    the axioms of Coq's real numbers appear (list and reasons in that
    script); the result is recorded in proofs/coq/assumptions.txt. *)

From Bht Require Import Distances Hyperbolic Lemma33 LemmaA1 Corollary34 Acsl Binary64 Frame.

Goal True. idtac "== hellinger2_le_tv". Abort.
Print Assumptions hellinger2_le_tv.
Goal True. idtac "== tv_le_sqrt2_hellinger". Abort.
Print Assumptions tv_le_sqrt2_hellinger.
Goal True. idtac "== lemma_a1_identity". Abort.
Print Assumptions lemma_a1_identity.
Goal True. idtac "== lemma_a1_h2". Abort.
Print Assumptions lemma_a1_h2.
Goal True. idtac "== lemma_a1_tv". Abort.
Print Assumptions lemma_a1_tv.
Goal True. idtac "== lemma_3_3_h2". Abort.
Print Assumptions lemma_3_3_h2.
Goal True. idtac "== lemma_3_3_tv". Abort.
Print Assumptions lemma_3_3_tv.
Goal True. idtac "== sech_bound". Abort.
Print Assumptions sech_bound.
Goal True. idtac "== tanh_bound". Abort.
Print Assumptions tanh_bound.
Goal True. idtac "== lemma_a1_attained". Abort.
Print Assumptions lemma_a1_attained.
Goal True. idtac "== lemma_a1_printed_equality_fails". Abort.
Print Assumptions lemma_a1_printed_equality_fails.
Goal True. idtac "== lemma_3_3_attained". Abort.
Print Assumptions lemma_3_3_attained.
Goal True. idtac "== lemma_a1_paper_step". Abort.
Print Assumptions lemma_a1_paper_step.
Goal True. idtac "== lemma_a1_expm1_forms". Abort.
Print Assumptions lemma_a1_expm1_forms.
Goal True. idtac "== lemma_3_3_h2_eps2". Abort.
Print Assumptions lemma_3_3_h2_eps2.
Goal True. idtac "== lemma_3_3_tv_eps". Abort.
Print Assumptions lemma_3_3_tv_eps.
Goal True. idtac "== corollary_3_4_h2". Abort.
Print Assumptions corollary_3_4_h2.
Goal True. idtac "== corollary_3_4_tv". Abort.
Print Assumptions corollary_3_4_tv.
Goal True. idtac "== ACSL.hellinger2_le_tv". Abort.
Print Assumptions ACSL.hellinger2_le_tv.
Goal True. idtac "== ACSL.tv_le_sqrt2_hellinger". Abort.
Print Assumptions ACSL.tv_le_sqrt2_hellinger.
Goal True. idtac "== ACSL.lemma_a1_identity". Abort.
Print Assumptions ACSL.lemma_a1_identity.
Goal True. idtac "== ACSL.lemma_a1_tanh_form". Abort.
Print Assumptions ACSL.lemma_a1_tanh_form.
Goal True. idtac "== ACSL.lemma_a1_h2". Abort.
Print Assumptions ACSL.lemma_a1_h2.
Goal True. idtac "== ACSL.lemma_a1_tv". Abort.
Print Assumptions ACSL.lemma_a1_tv.
Goal True. idtac "== ACSL.lemma_3_3_h2". Abort.
Print Assumptions ACSL.lemma_3_3_h2.
Goal True. idtac "== ACSL.lemma_3_3_tv". Abort.
Print Assumptions ACSL.lemma_3_3_tv.
Goal True. idtac "== ACSL.sech_bound". Abort.
Print Assumptions ACSL.sech_bound.
Goal True. idtac "== ACSL.tanh_bound". Abort.
Print Assumptions ACSL.tanh_bound.
Goal True. idtac "== mul_quarter_exact". Abort.
Print Assumptions mul_quarter_exact.
Goal True. idtac "== Frame.logit_ax_frame". Abort.
Print Assumptions Frame.logit_ax_frame.
Goal True. idtac "== Frame.logit_max_frame". Abort.
Print Assumptions Frame.logit_max_frame.
Goal True. idtac "== Frame.shift_ax_frame". Abort.
Print Assumptions Frame.shift_ax_frame.
Goal True. idtac "== two_sum_error_free_holds". Abort.
Print Assumptions two_sum_error_free_holds.
