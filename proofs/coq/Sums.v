(** * Finite sums over {0, ..., n-1}

    A vector of length [n] is a function [nat -> R] of which only the
    values at [0 .. n-1] matter; [sum n f] is [f 0 + ... + f (n-1)].
    The recursion is the one of the ACSL definitions in spec/formulas.h
    ([n <= 0 ? 0 : sum(n-1) + f(n-1)]), so a statement about [sum] reads
    the same on both sides.  [sum_eq_sum_f_R0] relates it to the Reals
    library's [sum_f_R0]. *)

From Coq Require Import Reals Lra.
Open Scope R_scope.

Fixpoint sum (n : nat) (f : nat -> R) : R :=
  match n with
  | O => 0
  | S k => sum k f + f k
  end.

Lemma sum_eq_sum_f_R0 (n : nat) (f : nat -> R) :
  sum (S n) f = sum_f_R0 f n.
Proof.
  induction n as [| n IH]; simpl in *; [ring | rewrite <- IH; reflexivity].
Qed.

(** Only the values at indices below [n] matter. *)
Lemma sum_ext (n : nat) (f g : nat -> R) :
  (forall i, (i < n)%nat -> f i = g i) -> sum n f = sum n g.
Proof.
  induction n as [| n IH]; intros H; simpl; [reflexivity |].
  rewrite IH, H; auto.
Qed.

Lemma sum_le (n : nat) (f g : nat -> R) :
  (forall i, (i < n)%nat -> f i <= g i) -> sum n f <= sum n g.
Proof.
  induction n as [| n IH]; intros H; simpl; [lra |].
  apply Rplus_le_compat; auto.
Qed.

Lemma sum_nonneg (n : nat) (f : nat -> R) :
  (forall i, (i < n)%nat -> 0 <= f i) -> 0 <= sum n f.
Proof.
  intros H. replace 0 with (sum n (fun _ => 0)).
  - apply sum_le; auto.
  - induction n; simpl; [reflexivity | rewrite IHn; [ring | auto]].
Qed.

(** A sum of positive terms over a nonempty range is positive. *)
Lemma sum_pos (n : nat) (f : nat -> R) :
  (0 < n)%nat -> (forall i, (i < n)%nat -> 0 < f i) -> 0 < sum n f.
Proof.
  destruct n as [| n]; intros Hn H; [inversion Hn |]; simpl.
  assert (0 <= sum n f) by (apply sum_nonneg; intros; apply Rlt_le; auto).
  specialize (H n (Nat.lt_succ_diag_r n)). lra.
Qed.

Lemma sum_plus (n : nat) (f g : nat -> R) :
  sum n (fun i => f i + g i) = sum n f + sum n g.
Proof. induction n; simpl; [ring | rewrite IHn; ring]. Qed.

Lemma sum_minus (n : nat) (f g : nat -> R) :
  sum n (fun i => f i - g i) = sum n f - sum n g.
Proof. induction n; simpl; [ring | rewrite IHn; ring]. Qed.

Lemma sum_scal_l (n : nat) (c : R) (f : nat -> R) :
  sum n (fun i => c * f i) = c * sum n f.
Proof. induction n; simpl; [ring | rewrite IHn; ring]. Qed.

Lemma sum_scal_r (n : nat) (c : R) (f : nat -> R) :
  sum n (fun i => f i * c) = sum n f * c.
Proof. induction n; simpl; [ring | rewrite IHn; ring]. Qed.

Lemma sum_div (n : nat) (c : R) (f : nat -> R) :
  sum n (fun i => f i / c) = sum n f / c.
Proof. unfold Rdiv; apply sum_scal_r. Qed.
