(** * Corollary 3.4 with explicit constants

    If every row of A − B has Euclidean norm at most ε, then for every
    query x the logits Ax and Bx differ by at most ε‖x‖₂ in each entry
    (Cauchy–Schwarz), so Lemma 3.3 gives
      H²(SoftMax_A(x), SoftMax_B(x)) ≤ 1 − sech(ε‖x‖/2)  (≤ ε²‖x‖²/8),
      TV(SoftMax_A(x), SoftMax_B(x)) ≤ tanh(ε‖x‖/2)      (≤ ε‖x‖/2).
    A matrix with n rows and d columns is a function [nat -> nat -> R]. *)

From Coq Require Import Reals Lra Psatz.
From Bht Require Import Sums Distances Hyperbolic Softmax Lemma33.
Open Scope R_scope.

(** (Ax)_j = Σ_{k<d} A_jk x_k and ‖x‖₂. *)
Definition logits (d : nat) (A : nat -> nat -> R) (x : nat -> R) : nat -> R :=
  fun j => sum d (fun k => A j k * x k).

Definition norm2 (d : nat) (x : nat -> R) : R := sqrt (sum d (fun k => x k ^ 2)).

(** ** Cauchy–Schwarz, by induction on the length

    Step: from C² ≤ AB (A, B ≥ 0) to (C + ab)² ≤ (A + a²)(B + b²), i.e.
    2Cab ≤ Ab² + Ba²: both sides squared, (Ab² + Ba²)² ≥ 4ABa²b² ≥ (2Cab)². *)
Lemma cauchy_schwarz_sq (d : nat) (u x : nat -> R) :
  sum d (fun k => u k * x k) ^ 2 <= sum d (fun k => u k ^ 2) * sum d (fun k => x k ^ 2).
Proof.
  induction d as [| d IH]; cbn [sum]; [lra |].
  set (C := sum d (fun k => u k * x k)) in *.
  set (A := sum d (fun k => u k ^ 2)) in *.
  set (B := sum d (fun k => x k ^ 2)) in *.
  assert (HA : 0 <= A) by (apply sum_nonneg; intros; apply pow2_ge_0).
  assert (HB : 0 <= B) by (apply sum_nonneg; intros; apply pow2_ge_0).
  set (a := u d) in *; set (b := x d) in *.
  clearbody C A B a b.
  assert (HP : 0 <= A * b ^ 2 + B * a ^ 2)
    by (pose proof (pow2_ge_0 a); pose proof (pow2_ge_0 b); nra).
  assert (Hsq : (2 * C * a * b) ^ 2 <= (A * b ^ 2 + B * a ^ 2) ^ 2).
  { pose proof (pow2_ge_0 (A * b ^ 2 - B * a ^ 2)).
    assert (0 <= (A * B - C ^ 2) * (a * b) ^ 2) by (apply Rmult_le_pos; [lra | apply pow2_ge_0]).
    nra. }
  assert (Hlin : 2 * C * a * b <= A * b ^ 2 + B * a ^ 2).
  { destruct (Rle_or_lt (2 * C * a * b) (A * b ^ 2 + B * a ^ 2)) as [H | H]; [exact H |].
    exfalso. nra. }
  replace ((C + a * b) ^ 2) with (C ^ 2 + 2 * C * a * b + a ^ 2 * b ^ 2) by ring.
  replace ((A + a ^ 2) * (B + b ^ 2))
    with (A * B + (A * b ^ 2 + B * a ^ 2) + a ^ 2 * b ^ 2) by ring.
  lra.
Qed.

Lemma cauchy_schwarz (d : nat) (u x : nat -> R) :
  Rabs (sum d (fun k => u k * x k)) <= norm2 d u * norm2 d x.
Proof.
  unfold norm2. rewrite <- sqrt_mult_alt by (apply sum_nonneg; intros; apply pow2_ge_0).
  rewrite <- sqrt_Rsqr_abs. apply sqrt_le_1_alt.
  unfold Rsqr. replace (_ * _) with (sum d (fun k => u k * x k) ^ 2) by ring.
  apply cauchy_schwarz_sq.
Qed.

(** Rows of A − B at most ε in norm ⇒ logits at most ε‖x‖ apart. *)
Lemma logits_close (n d : nat) (A B : nat -> nat -> R) (x : nat -> R) (eps : R) :
  (forall j, (j < n)%nat -> norm2 d (fun k => A j k - B j k) <= eps) ->
  forall j, (j < n)%nat -> Rabs (logits d A x j - logits d B x j) <= eps * norm2 d x.
Proof.
  intros Hrow j Hj. unfold logits. rewrite <- sum_minus.
  rewrite (sum_ext d _ (fun k => (A j k - B j k) * x k)) by (intros; ring).
  eapply Rle_trans; [apply cauchy_schwarz |].
  apply Rmult_le_compat_r; [apply sqrt_pos | apply Hrow, Hj].
Qed.

Theorem corollary_3_4_h2 (n d : nat) (A B : nat -> nat -> R) (x : nat -> R) (eps : R) :
  (0 < n)%nat ->
  (forall j, (j < n)%nat -> norm2 d (fun k => A j k - B j k) <= eps) ->
  hellinger2 n (softmax n (logits d A x)) (softmax n (logits d B x))
  <= 1 - sech (eps * norm2 d x / 2).
Proof.
  intros Hn Hrow. apply lemma_3_3_h2; [exact Hn | apply logits_close, Hrow].
Qed.

Theorem corollary_3_4_tv (n d : nat) (A B : nat -> nat -> R) (x : nat -> R) (eps : R) :
  (0 < n)%nat ->
  (forall j, (j < n)%nat -> norm2 d (fun k => A j k - B j k) <= eps) ->
  tv n (softmax n (logits d A x)) (softmax n (logits d B x))
  <= tanh (eps * norm2 d x / 2).
Proof.
  intros Hn Hrow. apply lemma_3_3_tv; [exact Hn | apply logits_close, Hrow].
Qed.
