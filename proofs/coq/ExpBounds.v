(** * Two bounds on exp, from its power series

    Coq's Reals library proves monotonicity of exp (exp_increasing) and the
    mean value theorem (MVT_cor2) with the axiom of excluded middle
    (Classical_Prop.classic).  To keep the axioms of every lemma down to
    the three that construct the real numbers, this file proves what the
    lemmas need directly from the definition of exp as the limit of
    Σ x^k / k! (Rtrigo_def.exp_in):
      1 + h ≤ exp h for h ≥ 0 (so exp is increasing), and
      exp (2x) ≤ (1 + x) / (1 − x) for 0 ≤ x < 1 (termwise: 2^k / k! ≤ 2
      for k ≥ 1, against the geometric series 1 + 2x + 2x² + …). *)

From Coq Require Import Reals Lra Psatz.
Open Scope R_scope.

Definition exp_term (x : R) (k : nat) : R := / INR (fact k) * x ^ k.

Lemma exp_is_limit (x : R) : infinite_sum (exp_term x) (exp x).
Proof. unfold exp. destruct (exist_exp x) as [l H]. exact H. Qed.

(** A limit is at least any eventual lower bound of the partial sums,
    and at most any upper bound. *)
Lemma limit_lower (s : nat -> R) (l c : R) (N0 : nat) :
  infinite_sum s l -> (forall n, (N0 <= n)%nat -> c <= sum_f_R0 s n) -> c <= l.
Proof.
  intros Hl Hc. destruct (Rle_or_lt c l) as [H | H]; [exact H |].
  destruct (Hl (c - l)) as [N HN]; [lra |].
  specialize (HN (max N N0) (Nat.le_max_l _ _)).
  specialize (Hc (max N N0) (Nat.le_max_r _ _)).
  unfold R_dist in HN. apply Rabs_def2 in HN. lra.
Qed.

Lemma limit_upper (s : nat -> R) (l c : R) :
  infinite_sum s l -> (forall n, c >= sum_f_R0 s n) -> l <= c.
Proof.
  intros Hl Hc. destruct (Rle_or_lt l c) as [H | H]; [exact H |].
  destruct (Hl (l - c)) as [N HN]; [lra |].
  specialize (HN N (Nat.le_refl N)). specialize (Hc N).
  unfold R_dist in HN. apply Rabs_def2 in HN. lra.
Qed.

Lemma exp_term_nonneg (x : R) (k : nat) : 0 <= x -> 0 <= exp_term x k.
Proof.
  intros Hx. unfold exp_term. apply Rmult_le_pos.
  - apply Rlt_le, Rinv_0_lt_compat, INR_fact_lt_0.
  - apply pow_le, Hx.
Qed.

(** ** 1 + h ≤ exp h for h ≥ 0: the partial sums from the second on are
    1 + h plus nonnegative terms. *)
Lemma exp_ge_1_plus (h : R) : 0 <= h -> 1 + h <= exp h.
Proof.
  intros Hh. apply (limit_lower (exp_term h) _ _ 1); [apply exp_is_limit |].
  intros n Hn. destruct n as [| m]; [inversion Hn |]. clear Hn.
  induction m as [| m IH].
  - unfold exp_term. simpl. rewrite Rinv_1. lra.
  - change (sum_f_R0 (exp_term h) (S (S m)))
      with (sum_f_R0 (exp_term h) (S m) + exp_term h (S (S m))).
    pose proof (exp_term_nonneg h (S (S m)) Hh). lra.
Qed.

Lemma exp_le_mono (x y : R) : x <= y -> exp x <= exp y.
Proof.
  intros H. replace y with (x + (y - x)) by ring. rewrite exp_plus.
  pose proof (exp_ge_1_plus (y - x) ltac:(lra)). pose proof (exp_pos x). nra.
Qed.

Lemma exp_lt_mono (x y : R) : x < y -> exp x < exp y.
Proof.
  intros H. replace y with (x + (y - x)) by ring. rewrite exp_plus.
  pose proof (exp_ge_1_plus (y - x) ltac:(lra)). pose proof (exp_pos x). nra.
Qed.

(** ** exp (2x) ≤ (1 + x) / (1 − x) for 0 ≤ x < 1 *)

(** 2^k ≤ 2·k! for k ≥ 1. *)
Lemma pow2_le_fact (n : nat) : 2 ^ S n <= 2 * INR (fact (S n)).
Proof.
  induction n as [| n IH].
  - simpl. lra.
  - rewrite fact_simpl, mult_INR.
    replace (2 ^ S (S n)) with (2 * 2 ^ S n) by reflexivity.
    assert (2 <= INR (S (S n))) by (rewrite !S_INR; pose proof (pos_INR n); lra).
    pose proof (INR_fact_lt_0 (S n)). nra.
Qed.

(** The series of exp (2x) is termwise at most 2x^k for k ≥ 1. *)
Lemma exp_term_2x_le (x : R) (k : nat) :
  0 <= x -> exp_term (2 * x) (S k) <= 2 * x ^ S k.
Proof.
  intros Hx. unfold exp_term. rewrite Rpow_mult_distr.
  pose proof (pow2_le_fact k) as H2. pose proof (INR_fact_lt_0 (S k)) as Hf.
  pose proof (pow_le x (S k) Hx) as Hxk.
  apply (Rmult_le_reg_l (INR (fact (S k)))); [exact Hf |].
  replace (INR (fact (S k)) * (/ INR (fact (S k)) * (2 ^ S k * x ^ S k)))
    with (2 ^ S k * x ^ S k) by (field; lra).
  nra.
Qed.

(** (1 + x + … + x^n)(1 − x) = 1 − x^{n+1}. *)
Lemma geometric_sum (x : R) (n : nat) :
  sum_f_R0 (fun k => x ^ k) n * (1 - x) = 1 - x ^ S n.
Proof.
  induction n as [| n IH]; simpl in *; [ring |].
  rewrite Rmult_plus_distr_r, IH. ring.
Qed.

Lemma exp_2x_le (x : R) : 0 <= x < 1 -> exp (2 * x) <= (1 + x) / (1 - x).
Proof.
  intros [Hx0 Hx1]. apply (limit_upper (exp_term (2 * x))); [apply exp_is_limit |].
  intros n.
  (* partial sums: S_n ≤ −1 + 2 (1 + x + … + x^n) *)
  assert (Hs : sum_f_R0 (exp_term (2 * x)) n <= -1 + 2 * sum_f_R0 (fun k => x ^ k) n).
  { induction n as [| n IH].
    - unfold exp_term. simpl. rewrite Rinv_1. lra.
    - change (sum_f_R0 (exp_term (2 * x)) (S n))
        with (sum_f_R0 (exp_term (2 * x)) n + exp_term (2 * x) (S n)).
      change (sum_f_R0 (fun k => x ^ k) (S n))
        with (sum_f_R0 (fun k => x ^ k) n + x ^ S n).
      pose proof (exp_term_2x_le x n Hx0). lra. }
  pose proof (geometric_sum x n) as G. pose proof (pow_le x (S n) Hx0).
  apply Rle_ge. eapply Rle_trans; [exact Hs |].
  apply (Rmult_le_reg_r (1 - x)); [lra |].
  replace ((1 + x) / (1 - x) * (1 - x)) with (1 + x) by (field; lra).
  nra.
Qed.
