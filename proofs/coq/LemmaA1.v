(** * Lemma A.1: a bound, attained, not an identity

    If b_i − a_i ∈ {0, ε} for every i < n, then
      H²(softmax a, softmax b) ≤ (1 − e^{ε/4})² / (1 + e^{ε/2}) = 1 − sech(ε/4),
      TV(softmax a, softmax b) ≤ tanh(ε/4)                      (ε ≥ 0).
    The paper prints both as equalities; its own proof maximises over the
    split of the mass and so proves bounds.  [lemma_a1_attained] shows that
    the bounds are reached (n = 2, a = (−ε/2, 0), b = (ε/2, 0), i.e. the
    paper's s = t·e^{−ε/2}), and it is easy to see they are not reached in
    general (b = a + ε everywhere gives H² = TV = 0).

    Proof of the bounds: subtracting ε/2 from every b_i does not change
    softmax(b) and makes |a_i − b_i| = |ε|/2 for all i, so Lemma 3.3
    (Lemma33.v) with ε' = |ε|/2 applies.  The H² bound holds for every real
    ε (sech is even); the TV bound needs the paper's ε ≥ 0, since
    tanh(ε/4) < 0 for ε < 0. *)

From Coq Require Import Reals Lra Psatz.
From Bht Require Import Sums Distances ExpBounds Hyperbolic Softmax Lemma33.
Open Scope R_scope.

(** The printed closed form equals 1 − sech(ε/4): with r = e^{ε/4},
    (1 − r)² / (1 + r²) = 1 − 2r / (1 + r²). *)
Theorem lemma_a1_identity (eps : R) :
  (1 - exp (eps / 4)) ^ 2 / (1 + exp (eps / 2)) = 1 - sech (eps / 4).
Proof.
  rewrite sech_exp_form.
  replace (eps / 2) with (eps / 4 + eps / 4) by field.
  rewrite exp_plus, exp_opp.
  pose proof (exp_pos (eps / 4)).
  set (r := exp (eps / 4)) in *. clearbody r.
  field. split; nra.
Qed.

(** The form the paper's proof reaches before its last step (line 822):
    1 − 2/√((e^{−ε/2} + 1)(e^{ε/2} + 1)) = 1 − sech(ε/4), since the product
    under the root is (r + 1/r)² with r = e^{ε/4}. *)
Theorem lemma_a1_paper_step (eps : R) :
  1 - 2 / sqrt ((exp (- (eps / 2)) + 1) * (exp (eps / 2) + 1)) = 1 - sech (eps / 4).
Proof.
  rewrite sech_exp_form.
  replace (eps / 2) with (eps / 4 + eps / 4) by field.
  replace (- (eps / 4 + eps / 4)) with (- (eps / 4) + - (eps / 4)) by ring.
  rewrite !exp_plus, exp_opp.
  pose proof (exp_pos (eps / 4)).
  set (r := exp (eps / 4)) in *. clearbody r.
  assert (Hsq : (/ r * / r + 1) * (r * r + 1) = (r + / r) * (r + / r))
    by (field; lra).
  assert (0 < / r) by (apply Rinv_0_lt_compat; lra).
  rewrite Hsq, sqrt_square by lra. reflexivity.
Qed.

(** The forms bht's kernels evaluate, accurate for small ε:
    1 − sech(ε/4) = y² / (1 + (1 + y)²) with y = e^{ε/4} − 1, and
    tanh(ε/4) = w / (w + 2) with w = e^{ε/2} − 1. *)
Theorem lemma_a1_expm1_forms (eps : R) :
  1 - sech (eps / 4)
  = (exp (eps / 4) - 1) ^ 2 / (1 + (1 + (exp (eps / 4) - 1)) ^ 2) /\
  tanh (eps / 4) = (exp (eps / 2) - 1) / ((exp (eps / 2) - 1) + 2).
Proof.
  split.
  - rewrite <- lemma_a1_identity.
    replace (eps / 2) with (eps / 4 + eps / 4) by field. rewrite exp_plus.
    pose proof (exp_pos (eps / 4)). field. nra.
  - rewrite tanh_exp_form, exp_opp.
    replace (eps / 2) with (eps / 4 + eps / 4) by field. rewrite exp_plus.
    pose proof (exp_pos (eps / 4)).
    set (r := exp (eps / 4)) in *. clearbody r.
    field. split; nra.
Qed.

(** Shifting b by −ε/2 puts every |a_i − b_i| at |ε|/2. *)
Lemma a1_shifted_close (n : nat) (a b : nat -> R) (eps : R) :
  (forall i, (i < n)%nat -> b i - a i = 0 \/ b i - a i = eps) ->
  forall i, (i < n)%nat -> Rabs (a i - (b i + - (eps / 2))) <= Rabs eps / 2.
Proof.
  intros Hab i Hi. right.
  destruct (Hab i Hi) as [E | E].
  - replace (a i - (b i + - (eps / 2))) with (eps / 2) by lra.
    unfold Rdiv. rewrite Rabs_mult, (Rabs_right (/ 2)) by lra. reflexivity.
  - replace (a i - (b i + - (eps / 2))) with (- (eps / 2)) by lra.
    rewrite Rabs_Ropp. unfold Rdiv.
    rewrite Rabs_mult, (Rabs_right (/ 2)) by lra. reflexivity.
Qed.

Lemma softmax_shift_back (n : nat) (b : nat -> R) (c : R) :
  forall i, (i < n)%nat -> softmax n b i = softmax n (fun j => b j + c) i.
Proof. intros i _. symmetry. apply softmax_shift. Qed.

Theorem lemma_a1_h2 (n : nat) (a b : nat -> R) (eps : R) :
  (0 < n)%nat ->
  (forall i, (i < n)%nat -> b i - a i = 0 \/ b i - a i = eps) ->
  hellinger2 n (softmax n a) (softmax n b) <= 1 - sech (eps / 4).
Proof.
  intros Hn Hab.
  rewrite (hellinger2_ext n _ _ (softmax n a) (softmax n (fun j => b j + - (eps / 2))))
    by (reflexivity || apply softmax_shift_back).
  eapply Rle_trans.
  { apply lemma_3_3_h2; [exact Hn | apply a1_shifted_close, Hab]. }
  (* 1 − sech(|ε|/4) = 1 − sech(ε/4) *)
  right. f_equal. unfold Rabs. destruct (Rcase_abs eps).
  - rewrite <- sech_even. f_equal. field.
  - f_equal. field.
Qed.

Theorem lemma_a1_tv (n : nat) (a b : nat -> R) (eps : R) :
  (0 < n)%nat -> 0 <= eps ->
  (forall i, (i < n)%nat -> b i - a i = 0 \/ b i - a i = eps) ->
  tv n (softmax n a) (softmax n b) <= tanh (eps / 4).
Proof.
  intros Hn He Hab.
  rewrite (tv_ext n _ _ (softmax n a) (softmax n (fun j => b j + - (eps / 2))))
    by (reflexivity || apply softmax_shift_back).
  eapply Rle_trans.
  { apply lemma_3_3_tv; [exact Hn | apply a1_shifted_close, Hab]. }
  rewrite Rabs_right by lra. right. f_equal. field.
Qed.

(** ** Equality at the two-point configuration *)

Definition a1_extremal_a (eps : R) (i : nat) : R :=
  match i with O => - (eps / 2) | _ => 0 end.
Definition a1_extremal_b (eps : R) (i : nat) : R :=
  match i with O => eps / 2 | _ => 0 end.

Theorem lemma_a1_attained (eps : R) :
  (forall i, (i < 2)%nat ->
     a1_extremal_b eps i - a1_extremal_a eps i = 0 \/
     a1_extremal_b eps i - a1_extremal_a eps i = eps) /\
  hellinger2 2 (softmax 2 (a1_extremal_a eps)) (softmax 2 (a1_extremal_b eps))
    = 1 - sech (eps / 4) /\
  (0 <= eps ->
   tv 2 (softmax 2 (a1_extremal_a eps)) (softmax 2 (a1_extremal_b eps))
   = tanh (eps / 4)).
Proof.
  (* with r = e^{ε/4}: P = (1, r²)/(1 + r²), Q = (r², 1)/(1 + r²) *)
  pose proof (exp_pos (eps / 4)) as Hr.
  assert (E2 : exp (eps / 2) = exp (eps / 4) * exp (eps / 4))
    by (rewrite <- exp_plus; f_equal; field).
  assert (Em2 : exp (- (eps / 2)) = / (exp (eps / 4) * exp (eps / 4)))
    by (rewrite exp_opp, E2; reflexivity).
  assert (Hid : 1 - sech (eps / 4)
                = (1 - exp (eps / 4)) ^ 2 / (1 + exp (eps / 4) * exp (eps / 4)))
    by (rewrite <- lemma_a1_identity, E2; reflexivity).
  assert (Htanh : tanh (eps / 4)
                  = (exp (eps / 4) - / exp (eps / 4)) / (exp (eps / 4) + / exp (eps / 4)))
    by (rewrite tanh_exp_form, exp_opp; reflexivity).
  assert (Hr1 : 0 <= eps -> 1 <= exp (eps / 4))
    by (intros; rewrite <- exp_0; apply exp_le_mono; lra).
  set (r := exp (eps / 4)) in *. clearbody r.
  assert (Hs : 0 < 1 + r * r) by nra.
  assert (P0 : softmax 2 (a1_extremal_a eps) 0 = 1 * 1 / (1 + r * r))
    by (unfold softmax; simpl; rewrite Em2, exp_0; field; split; nra).
  assert (P1 : softmax 2 (a1_extremal_a eps) 1 = r * r / (1 + r * r))
    by (unfold softmax; simpl; rewrite Em2, exp_0; field; split; nra).
  assert (Q0 : softmax 2 (a1_extremal_b eps) 0 = r * r / (1 + r * r))
    by (unfold softmax; simpl; rewrite E2, exp_0; field; nra).
  assert (Q1 : softmax 2 (a1_extremal_b eps) 1 = 1 * 1 / (1 + r * r))
    by (unfold softmax; simpl; rewrite E2, exp_0; field; nra).
  assert (Sq : forall x, 0 <= x -> sqrt (x * x / (1 + r * r)) = x / sqrt (1 + r * r))
    by (intros x Hx; rewrite sqrt_div_alt, sqrt_square by lra; reflexivity).
  assert (Hss : sqrt (1 + r * r) * sqrt (1 + r * r) = 1 + r * r)
    by (apply sqrt_sqrt; lra).
  assert (0 < sqrt (1 + r * r)) by (apply sqrt_lt_R0; lra).
  split; [| split].
  - intros i Hi. unfold a1_extremal_a, a1_extremal_b.
    destruct i as [| i]; [right; field | left; destruct i; [ring | lia]].
  - unfold hellinger2. simpl.
    rewrite P0, P1, Q0, Q1, !Sq by lra.
    rewrite Hid.
    set (s := sqrt (1 + r * r)) in *. rewrite <- Hss. clearbody s.
    field. lra.
  - intros He. unfold tv. simpl. rewrite P0, P1, Q0, Q1.
    specialize (Hr1 He). rewrite Htanh.
    rewrite Rabs_left1, Rabs_right.
    + field. split; nra.
    + apply Rle_ge. unfold Rdiv. rewrite <- Rmult_minus_distr_r.
      apply Rmult_le_pos; [nra | apply Rlt_le, Rinv_0_lt_compat; lra].
    + unfold Rdiv. rewrite <- Rmult_minus_distr_r.
      assert (0 < / (1 + r * r)) by (apply Rinv_0_lt_compat; lra).
      assert (1 * 1 - r * r <= 0) by nra. nra.
Qed.

(** The printed equalities are false: with n = 1 (or b = a + ε on every
    coordinate) P = Q, so H² = 0, while the closed form is positive for
    ε ≠ 0. *)
Theorem lemma_a1_printed_equality_fails (eps : R) :
  eps <> 0 ->
  (forall i, (i < 1)%nat -> (fun _ => eps) i - (fun _ => 0) i = 0 \/
                            (fun _ => eps) i - (fun _ => 0) i = eps) /\
  hellinger2 1 (softmax 1 (fun _ => 0)) (softmax 1 (fun _ => eps)) = 0 /\
  0 < (1 - exp (eps / 4)) ^ 2 / (1 + exp (eps / 2)).
Proof.
  intros Hne. split; [| split].
  - intros i _. right. ring.
  - unfold hellinger2, softmax. simpl.
    replace (exp 0 / (0 + exp 0)) with 1 by (rewrite exp_0; field).
    replace (exp eps / (0 + exp eps)) with 1 by (pose proof (exp_pos eps); field; lra).
    field.
  - assert (Hr : exp (eps / 4) <> 1).
    { rewrite <- exp_0. intros E.
      destruct (Rlt_or_le (eps / 4) 0) as [H | H].
      - pose proof (exp_lt_mono _ _ H). lra.
      - destruct (Req_dec (eps / 4) 0) as [H0 | H0]; [lra |].
        pose proof (exp_lt_mono 0 (eps / 4) ltac:(lra)). lra. }
    pose proof (exp_pos (eps / 2)).
    apply Rdiv_lt_0_compat; [| lra].
    assert (Hd : 1 - exp (eps / 4) <> 0) by lra.
    replace ((1 - exp (eps / 4)) ^ 2) with (Rsqr (1 - exp (eps / 4)))
      by (unfold Rsqr; ring).
    apply Rsqr_pos_lt, Hd.
Qed.

(** Lemma 3.3's bounds are sharp too: a = (−ε/2, ε/2), b = (ε/2, −ε/2)
    differ by ε in every entry, and shifting them by ∓ε/2 (which does not
    change softmax) gives the configuration above for 2ε. *)
Definition l33_extremal_a (eps : R) (i : nat) : R := a1_extremal_a (2 * eps) i + eps / 2.
Definition l33_extremal_b (eps : R) (i : nat) : R := a1_extremal_b (2 * eps) i + - (eps / 2).

Theorem lemma_3_3_attained (eps : R) :
  0 <= eps ->
  (forall i, (i < 2)%nat -> Rabs (l33_extremal_a eps i - l33_extremal_b eps i) <= eps) /\
  hellinger2 2 (softmax 2 (l33_extremal_a eps)) (softmax 2 (l33_extremal_b eps))
    = 1 - sech (eps / 2) /\
  tv 2 (softmax 2 (l33_extremal_a eps)) (softmax 2 (l33_extremal_b eps)) = tanh (eps / 2).
Proof.
  intros He.
  destruct (lemma_a1_attained (2 * eps)) as [_ [Hh Ht]].
  replace (2 * eps / 4) with (eps / 2) in Hh, Ht by field.
  unfold l33_extremal_a, l33_extremal_b.
  split; [| split].
  - intros i Hi. unfold a1_extremal_a, a1_extremal_b.
    destruct i as [| [| i]]; [| | lia];
      [replace (- (2 * eps / 2) + eps / 2 - (2 * eps / 2 + - (eps / 2))) with (- eps) by field
      | replace (0 + eps / 2 - (0 + - (eps / 2))) with eps by field];
      rewrite ?Rabs_Ropp, Rabs_right; lra.
  - rewrite <- Hh. apply hellinger2_ext; intros i _; apply softmax_shift.
  - rewrite <- Ht by lra. apply tv_ext; intros i _; apply softmax_shift.
Qed.
