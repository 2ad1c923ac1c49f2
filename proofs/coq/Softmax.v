(** * softmax over n logits (paper, Def. 2.6)

    softmax(a)_i = exp(a_i) / Σ_{j<n} exp(a_j). *)

From Coq Require Import Reals Lra Psatz.
From Bht Require Import Sums Distances.
Open Scope R_scope.

Definition softmax (n : nat) (a : nat -> R) : nat -> R :=
  fun i => exp (a i) / sum n (fun j => exp (a j)).

Lemma exp_sum_pos (n : nat) (a : nat -> R) :
  (0 < n)%nat -> 0 < sum n (fun j => exp (a j)).
Proof. intros Hn. apply sum_pos; auto. intros; apply exp_pos. Qed.

Lemma softmax_is_dist (n : nat) (a : nat -> R) :
  (0 < n)%nat -> is_dist n (softmax n a).
Proof.
  intros Hn. pose proof (exp_sum_pos n a Hn). split.
  - intros i _. unfold softmax. apply Rlt_le, Rdiv_lt_0_compat; auto.
    apply exp_pos.
  - unfold softmax. rewrite sum_div. field. lra.
Qed.

(** Adding the same constant to every logit leaves softmax unchanged
    (paper §3.3). *)
Lemma softmax_shift (n : nat) (a : nat -> R) (c : R) (i : nat) :
  softmax n (fun j => a j + c) i = softmax n a i.
Proof.
  unfold softmax.
  rewrite (sum_ext n (fun j => exp (a j + c)) (fun j => exp (a j) * exp c))
    by (intros; apply exp_plus).
  rewrite sum_scal_r, exp_plus.
  destruct (Req_dec (sum n (fun j => exp (a j))) 0) as [Z | Z].
  - (* n = 0: both sides divide by zero *)
    rewrite Z, Rmult_0_l. unfold Rdiv. rewrite Rinv_0. ring.
  - pose proof (exp_pos c). field. split; lra.
Qed.

(** H² and TV only read indices below n. *)
Lemma hellinger2_ext (n : nat) (p q p' q' : nat -> R) :
  (forall i, (i < n)%nat -> p i = p' i) -> (forall i, (i < n)%nat -> q i = q' i) ->
  hellinger2 n p q = hellinger2 n p' q'.
Proof.
  intros Hp Hq. unfold hellinger2. f_equal. apply sum_ext.
  intros i Hi. rewrite Hp, Hq by exact Hi. reflexivity.
Qed.

Lemma tv_ext (n : nat) (p q p' q' : nat -> R) :
  (forall i, (i < n)%nat -> p i = p' i) -> (forall i, (i < n)%nat -> q i = q' i) ->
  tv n p q = tv n p' q'.
Proof.
  intros Hp Hq. unfold tv. f_equal. apply sum_ext.
  intros i Hi. rewrite Hp, Hq by exact Hi. reflexivity.
Qed.
