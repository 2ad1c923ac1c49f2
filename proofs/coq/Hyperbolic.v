(** * sech and tanh: the two bounds used with Lemma 3.3

    [cosh], [sinh] and [tanh] are those of Coq's Reals library
    (Rtrigo_def: cosh x = (exp x + exp (-x)) / 2, tanh = sinh / cosh);
    [sech] is 1 / cosh.  [sech_exp_form] and [tanh_exp_form] restate both
    with [exp] only, which is how spec/formulas.h defines them for WP. *)

From Coq Require Import Reals Lra Psatz.
From Bht Require Import ExpBounds.
Open Scope R_scope.

Definition sech (x : R) : R := / cosh x.

Lemma cosh_pos' (x : R) : 0 < cosh x.
Proof.
  unfold cosh. pose proof (exp_pos x); pose proof (exp_pos (- x)). lra.
Qed.

Lemma exp_opp (x : R) : exp (- x) = / exp x.
Proof. apply exp_Ropp. Qed.

Lemma sech_exp_form (x : R) : sech x = 2 / (exp x + exp (- x)).
Proof.
  unfold sech, cosh. pose proof (exp_pos x); pose proof (exp_pos (- x)).
  field. lra.
Qed.

Lemma tanh_exp_form (x : R) :
  tanh x = (exp x - exp (- x)) / (exp x + exp (- x)).
Proof.
  unfold tanh, sinh, cosh. pose proof (exp_pos x); pose proof (exp_pos (- x)).
  field. lra.
Qed.

Lemma sech_even (x : R) : sech (- x) = sech x.
Proof. rewrite !sech_exp_form, Ropp_involutive, Rplus_comm. reflexivity. Qed.

Lemma sinh_nonneg (x : R) : 0 <= x -> 0 <= sinh x.
Proof.
  intros Hx. unfold sinh.
  assert (exp (- x) <= exp x) by (apply exp_le_mono; lra).
  lra.
Qed.

(** tanh x = (e^{2x} − 1) / (e^{2x} + 1). *)
Lemma tanh_exp2 (x : R) : tanh x = (exp (2 * x) - 1) / (exp (2 * x) + 1).
Proof.
  rewrite tanh_exp_form, exp_opp.
  replace (2 * x) with (x + x) by ring. rewrite exp_plus.
  pose proof (exp_pos x). field. split; nra.
Qed.

(** ** tanh x ≤ x for x ≥ 0 (so tanh(ε/2) ≤ ε/2)

    For x < 1: with E = e^{2x} ≤ (1 + x)/(1 − x) (ExpBounds.v),
    (E − 1)/(E + 1) ≤ x ⇔ E(1 − x) ≤ 1 + x.  For x ≥ 1: tanh x < 1 ≤ x. *)
Theorem tanh_bound (x : R) : 0 <= x -> tanh x <= x.
Proof.
  intros Hx. rewrite tanh_exp2. pose proof (exp_pos (2 * x)) as HE.
  apply (Rmult_le_reg_r (exp (2 * x) + 1)); [lra |].
  replace ((exp (2 * x) - 1) / (exp (2 * x) + 1) * (exp (2 * x) + 1))
    with (exp (2 * x) - 1) by (field; lra).
  destruct (Rlt_or_le x 1) as [Hx1 | Hx1].
  - pose proof (exp_2x_le x (conj Hx Hx1)) as Hb.
    apply (Rmult_le_compat_r (1 - x)) in Hb; [| lra].
    replace ((1 + x) / (1 - x) * (1 - x)) with (1 + x) in Hb by (field; lra).
    nra.
  - nra.
Qed.

(** sinh x ≤ x·cosh x for x ≥ 0 (tanh x ≤ x, times cosh x > 0). *)
Lemma sinh_le_x_cosh (x : R) : 0 <= x -> sinh x <= x * cosh x.
Proof.
  intros Hx. pose proof (cosh_pos' x) as Hc. pose proof (tanh_bound x Hx) as Ht.
  unfold tanh in Ht.
  replace (sinh x) with (sinh x / cosh x * cosh x) by (field; lra).
  apply Rmult_le_compat_r; lra.
Qed.

(** |sinh y| ≤ |y|·cosh y for every y (sinh is odd, cosh even). *)
Lemma sinh_sq_le (y : R) : sinh y ^ 2 <= y ^ 2 * cosh y ^ 2.
Proof.
  pose proof (cosh_pos' y) as Hc.
  destruct (Rle_dec 0 y) as [Hy | Hy].
  - pose proof (sinh_le_x_cosh y Hy). pose proof (sinh_nonneg y Hy). nra.
  - pose proof (sinh_le_x_cosh (- y) ltac:(lra)) as H.
    pose proof (sinh_nonneg (- y) ltac:(lra)) as H0.
    assert (Es : sinh (- y) = - sinh y)
      by (unfold sinh; rewrite Ropp_involutive; field).
    assert (Ec : cosh (- y) = cosh y)
      by (unfold cosh; rewrite Ropp_involutive; field).
    rewrite Es, Ec in *. nra.
Qed.

(** cosh x = cosh²(x/2) + sinh²(x/2) and cosh²(x/2) − sinh²(x/2) = 1. *)
Lemma cosh_half_angle (x : R) :
  cosh x = cosh (x / 2) ^ 2 + sinh (x / 2) ^ 2 /\
  cosh (x / 2) ^ 2 - sinh (x / 2) ^ 2 = 1.
Proof.
  assert (Ex : exp x = exp (x / 2) * exp (x / 2))
    by (rewrite <- exp_plus; f_equal; field).
  assert (Emx : exp (- x) = exp (- (x / 2)) * exp (- (x / 2)))
    by (rewrite <- exp_plus; f_equal; field).
  assert (E1 : exp (x / 2) * exp (- (x / 2)) = 1)
    by (rewrite <- exp_plus, Rplus_opp_r; apply exp_0).
  unfold cosh, sinh. rewrite Ex, Emx. split; nra.
Qed.

(** ** 1 − sech x ≤ x²/2 for every real x (so 1 − sech(ε/2) ≤ ε²/8)

    With c = cosh(x/2), s = sinh(x/2): cosh x = c² + s² and
    cosh x − 1 = 2s², so 1 − sech x = 2s² / (c² + s²); and
    4s² ≤ x²c² ≤ x²(c² + s²) by [sinh_sq_le]. *)
Theorem sech_bound (x : R) : 1 - sech x <= x ^ 2 / 2.
Proof.
  destruct (cosh_half_angle x) as [Ecosh Epyth].
  pose proof (sinh_sq_le (x / 2)) as Hs.
  pose proof (cosh_pos' x) as Hc.
  unfold sech. rewrite Ecosh in *.
  set (c := cosh (x / 2)) in *; set (s := sinh (x / 2)) in *.
  apply (Rmult_le_reg_r (c ^ 2 + s ^ 2)); [exact Hc |].
  replace ((1 - / (c ^ 2 + s ^ 2)) * (c ^ 2 + s ^ 2)) with (c ^ 2 + s ^ 2 - 1)
    by (field; lra).
  assert (0 <= s ^ 2) by apply pow2_ge_0.
  assert (0 <= x ^ 2) by apply pow2_ge_0.
  replace ((x / 2) ^ 2) with (x ^ 2 / 4) in Hs by field.
  nra.
Qed.
