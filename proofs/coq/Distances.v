(** * Hellinger and total-variation distances (paper, Def. 2.2 and §2.1)

    A distribution of length [n] is a vector [p : nat -> R] with
    [p i >= 0] for [i < n] and [p 0 + ... + p (n-1) = 1].
      H²(P,Q) = ½ Σ (√p_i − √q_i)²,   H = √H²,   TV(P,Q) = ½ Σ |p_i − q_i|. *)

From Coq Require Import Reals Lra Psatz.
From Bht Require Import Sums.
Open Scope R_scope.

Definition is_dist (n : nat) (p : nat -> R) : Prop :=
  (forall i, (i < n)%nat -> 0 <= p i) /\ sum n p = 1.

Definition hellinger2 (n : nat) (p q : nat -> R) : R :=
  sum n (fun i => (sqrt (p i) - sqrt (q i)) ^ 2) / 2.

Definition hellinger (n : nat) (p q : nat -> R) : R := sqrt (hellinger2 n p q).

Definition tv (n : nat) (p q : nat -> R) : R :=
  sum n (fun i => Rabs (p i - q i)) / 2.

Lemma hellinger2_nonneg n p q : 0 <= hellinger2 n p q.
Proof.
  unfold hellinger2. apply Rmult_le_pos; [| lra].
  apply sum_nonneg; intros; apply pow2_ge_0.
Qed.

(** ** H² ≤ TV

    Termwise: with a = √p, b = √q, (a − b)² = |a − b|·|a − b|
    ≤ |a − b|·(a + b) = |p − q|. *)
Lemma sqrt_diff_sq_le_abs (x y : R) :
  0 <= x -> 0 <= y -> (sqrt x - sqrt y) ^ 2 <= Rabs (x - y).
Proof.
  intros Hx Hy.
  pose proof (sqrt_pos x) as Ha; pose proof (sqrt_pos y) as Hb.
  rewrite <- (sqrt_sqrt x Hx) at 2; rewrite <- (sqrt_sqrt y Hy) at 2.
  set (a := sqrt x) in *; set (b := sqrt y) in *.
  destruct (Rle_dec b a).
  - rewrite Rabs_right by nra. nra.
  - rewrite Rabs_left1 by nra. nra.
Qed.

Theorem hellinger2_le_tv (n : nat) (p q : nat -> R) :
  is_dist n p -> is_dist n q -> hellinger2 n p q <= tv n p q.
Proof.
  intros [Hp _] [Hq _]. unfold hellinger2, tv.
  apply Rmult_le_compat_r; [lra |].
  apply sum_le; intros i Hi. apply sqrt_diff_sq_le_abs; auto.
Qed.

(** ** TV ≤ √2·H

    Termwise, with u = √p − √q, v = √p + √q and any λ > 0:
    |p − q| = |u|·v ≤ (λu² + v²/λ)/2 and v² ≤ 2(p + q).  Summing,
    2·TV ≤ λ·H² + 2/λ; λ = √2/H gives TV ≤ √2·H when H > 0, and
    letting λ grow gives TV = 0 when H = 0. *)
Lemma abs_sq_diff_le_family (a b lam : R) :
  0 <= a -> 0 <= b -> 0 < lam ->
  Rabs (a * a - b * b) <= (lam * (a - b) ^ 2 + 2 * (a * a + b * b) / lam) / 2.
Proof.
  intros Ha Hb Hl.
  (* multiply through by 2·λ > 0 *)
  apply (Rmult_le_reg_l (2 * lam)); [lra |].
  replace (2 * lam * ((lam * (a - b) ^ 2 + 2 * (a * a + b * b) / lam) / 2))
    with (lam ^ 2 * (a - b) ^ 2 + 2 * (a * a + b * b)) by (field; lra).
  (* |a² − b²| = |a − b|(a + b); 2λ|a − b|(a + b) ≤ λ²(a − b)² + (a + b)²
     and (a + b)² ≤ 2(a² + b²) *)
  assert (Hamgm : forall u v, 2 * u * v <= u ^ 2 + v ^ 2)
    by (intros u v; pose proof (pow2_ge_0 (u - v)); nra).
  assert (Hsum : (a + b) ^ 2 <= 2 * (a * a + b * b))
    by (pose proof (pow2_ge_0 (a - b)); nra).
  destruct (Rle_dec b a).
  - rewrite Rabs_right by nra.
    pose proof (Hamgm (lam * (a - b)) (a + b)). nra.
  - rewrite Rabs_left1 by nra.
    pose proof (Hamgm (lam * (b - a)) (a + b)). nra.
Qed.

Lemma abs_diff_le_family (x y lam : R) :
  0 <= x -> 0 <= y -> 0 < lam ->
  Rabs (x - y) <= (lam * (sqrt x - sqrt y) ^ 2 + 2 * (x + y) / lam) / 2.
Proof.
  intros Hx Hy Hl.
  pose proof (abs_sq_diff_le_family (sqrt x) (sqrt y) lam
                (sqrt_pos x) (sqrt_pos y) Hl) as H.
  rewrite !sqrt_sqrt in H by assumption. exact H.
Qed.

Lemma tv_le_family (n : nat) (p q : nat -> R) (lam : R) :
  is_dist n p -> is_dist n q -> 0 < lam ->
  tv n p q <= (lam * hellinger2 n p q + 2 / lam) / 2.
Proof.
  intros [Hp Sp] [Hq Sq] Hl. unfold tv.
  apply Rle_trans with
    (sum n (fun i => (lam * (sqrt (p i) - sqrt (q i)) ^ 2
                      + 2 * (p i + q i) / lam) / 2) / 2).
  - apply Rmult_le_compat_r; [lra |].
    apply sum_le; intros i Hi. apply abs_diff_le_family; auto.
  - (* the bound sums to (λ·2H² + 2·(1 + 1)/λ)/2 *)
    assert (E : sum n (fun i => (lam * (sqrt (p i) - sqrt (q i)) ^ 2
                                 + 2 * (p i + q i) / lam) / 2)
                = (lam * sum n (fun i => (sqrt (p i) - sqrt (q i)) ^ 2)
                   + 2 * (sum n p + sum n q) / lam) / 2).
    { rewrite sum_div, sum_plus, sum_scal_l, sum_div, sum_scal_l, sum_plus.
      reflexivity. }
    rewrite E, Sp, Sq. unfold hellinger2. right. field. lra.
Qed.

Theorem tv_le_sqrt2_hellinger (n : nat) (p q : nat -> R) :
  is_dist n p -> is_dist n q -> tv n p q <= sqrt 2 * hellinger n p q.
Proof.
  intros Hp Hq.
  pose proof (hellinger2_nonneg n p q) as H2pos.
  unfold hellinger.
  destruct (Req_dec (hellinger2 n p q) 0) as [H0 | Hne].
  - (* H = 0: TV ≤ 1/λ for every λ > 0, hence TV ≤ 0 *)
    rewrite H0, sqrt_0, Rmult_0_r.
    destruct (Rle_dec (tv n p q) 0) as [| Hpos]; [assumption | exfalso].
    assert (Ht : 0 < tv n p q) by lra.
    pose proof (tv_le_family n p q (2 / tv n p q) Hp Hq) as Hf.
    rewrite H0 in Hf.
    assert (0 < 2 / tv n p q) by (apply Rdiv_lt_0_compat; lra).
    specialize (Hf H).
    replace ((2 / tv n p q * 0 + 2 / (2 / tv n p q)) / 2) with (tv n p q / 2)
      in Hf by (field; lra).
    lra.
  - (* H > 0: λ = √2 / H *)
    set (h := sqrt (hellinger2 n p q)).
    assert (Hh : 0 < h) by (apply sqrt_lt_R0; lra).
    assert (Hhh : h * h = hellinger2 n p q) by (apply sqrt_sqrt; lra).
    set (s := sqrt 2).
    assert (Hs : 0 < s) by (apply sqrt_lt_R0; lra).
    assert (Hss : s * s = 2) by (apply sqrt_sqrt; lra).
    assert (Hl : 0 < s / h) by (apply Rdiv_lt_0_compat; lra).
    pose proof (tv_le_family n p q (s / h) Hp Hq Hl) as Hf.
    assert (E : 2 / (s / h) = s * h) by (rewrite <- Hss; field; lra).
    rewrite E, <- Hhh in Hf.
    replace ((s / h * (h * h) + s * h) / 2) with (s * h) in Hf
      by (field; lra).
    exact Hf.
Qed.
