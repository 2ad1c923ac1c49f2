(** * Binary64 facts that the WP proof of src/distance/distance.c assumes

    WP's float model states [\mul_double(x, y)] as the real product rounded
    to nearest-even in binary64 (Why3's ieee_float, axiom [mul_finite], for
    finite operands and a finite result).  No prover available to WP here
    relates such a product to its real value when the operand is a
    parameter: Gappa is not told that a parameter is a double, and cvc5 and
    z3 time out on [fp.to_real] (proofs/distance/README.md).  So the fact is
    admitted at one leaf helper of distance.c and proved here, with Flocq's
    definition of binary64 ([FLT_exp (-1074) 53]) and of rounding to
    nearest-even ([ZnearestE]).

    Flocq's core library uses the axiom of excluded middle
    ([Classical_Prop.classic]); proofs/coq/check_assumptions.py allows it
    for the statements of this file only (FLOCQ_LEMMAS there). *)

From Coq Require Import Reals ZArith Lra Lia.
From Flocq Require Import Core Plus_error Pff2Flocq.
Open Scope R_scope.

(** A real is a binary64 value (subnormals included; the format has no
    upper bound, the caller bounds the range). *)
Definition binary64 (x : R) : Prop := generic_format radix2 (FLT_exp (-1074) 53) x.

(** Rounding to nearest, ties to even, in binary64. *)
Definition rnd64 (x : R) : R := round radix2 (FLT_exp (-1074) 53) ZnearestE x.

(* src/distance/distance.c, quarter_of:
     requires x_range: \is_finite(x) && 0x1p-60 <= x <= 160;
     ensures value: \result == \mul_double(x, (double)0.25);
     ensures exact: \mul_double(x, (double)0.25) == x / 4;   (admitted in WP)
   with \result = \mul_double(x, (double)0.25) = rnd64(x * (1/4)) (the
   product 0.25 x is at most 40: no overflow).  Stated here for every
   binary64 x >= 2^-1020 (then x / 4 >= 2^-1022 is normal). *)
Theorem mul_quarter_exact (x : R) :
  binary64 x -> bpow radix2 (-1020) <= x -> rnd64 (x * (1 / 4)) = x / 4.
Proof.
  intros Hx Hlow. unfold rnd64. replace (x * (1 / 4)) with (x / 4) by field.
  apply round_generic; [apply valid_rnd_N |].
  apply generic_format_FLT. apply FLT_format_generic in Hx; [| reflexivity].
  destruct Hx as [[mx ex] Hxf Hm He]. simpl in Hm, He.
  (* x = mx 2^ex with |mx| < 2^53 and x >= 2^-1020: ex >= -1072 *)
  assert (Hex : (-1072 <= ex)%Z).
  { destruct (Z_lt_le_dec ex (-1072)) as [Hlt | Hle]; [exfalso | exact Hle].
    assert (Hm' : IZR (Z.abs mx) < bpow radix2 53).
    { change (bpow radix2 53) with (IZR (Zpower radix2 53)). apply IZR_lt. exact Hm. }
    assert (Hx' : x <= IZR (Z.abs mx) * bpow radix2 ex).
    { rewrite Hxf. unfold F2R. simpl. rewrite abs_IZR.
      apply Rmult_le_compat_r; [apply bpow_ge_0 | apply Rle_abs]. }
    assert (Hb : bpow radix2 ex <= bpow radix2 (-1073)) by (apply bpow_le; lia).
    assert (Hp : IZR (Z.abs mx) * bpow radix2 ex < bpow radix2 53 * bpow radix2 (-1073)).
    { apply Rle_lt_trans with (IZR (Z.abs mx) * bpow radix2 (-1073)).
      - apply Rmult_le_compat_l; [apply IZR_le; lia | exact Hb].
      - apply Rmult_lt_compat_r; [apply bpow_gt_0 | exact Hm']. }
    rewrite <- bpow_plus in Hp. simpl (53 + -1073)%Z in Hp. lra. }
  (* so x / 4 = mx 2^(ex - 2) with ex - 2 >= -1074: a binary64 value *)
  apply (FLT_spec _ _ _ _ (Float radix2 mx (ex - 2))).
  - rewrite Hxf. unfold F2R. simpl. replace (ex - 2)%Z with (ex + -2)%Z by lia.
    rewrite bpow_plus. change (bpow radix2 (-2)) with (/ IZR (Zpower radix2 2)). simpl. lra.
  - exact Hm.
  - simpl. lia.
Qed.

(** * TwoSum (src/core/dd.h, two_sum) and the exponential's polynomial

    spec/dd_eft.h defines, step by step, the values that [two_sum] and
    [bht_dd_exp_poly] compute; WP proves that the C functions return them
    (their [check ensures steps] and [ensures value] clauses).  Each ACSL
    declaration is quoted below verbatim (proofs/coq/check_acsl_sync.py
    checks the quotes) and transcribed with [\add_double(x, y)] as
    [rnd64 (x + y)], [\sub_double(x, y)] as [rnd64 (x - y)],
    [\mul_double(x, y)] as [rnd64 (x * y)] and [(double)c] as [rnd64 c]:
    WP's model of these operations (Why3's ieee_float, [add_finite] and
    the like) is RN of the exact result for finite operands and a finite
    result, and Flocq's [FLT_exp (-1074) 53] is binary64 with subnormals and
    no upper bound, so the two agree whenever nothing overflows, which
    two_sum's preconditions ensure (every step is below 2^1022). *)

(* logic double two_sum_hi(double a, double b) = \add_double(a, b); *)
Definition two_sum_hi (a b : R) : R := rnd64 (a + b).

(* logic double two_sum_bv(double a, double b) = \sub_double(two_sum_hi(a, b), a); *)
Definition two_sum_bv (a b : R) : R := rnd64 (two_sum_hi a b - a).

(* logic double two_sum_av(double a, double b) =
     \sub_double(two_sum_hi(a, b), two_sum_bv(a, b)); *)
Definition two_sum_av (a b : R) : R := rnd64 (two_sum_hi a b - two_sum_bv a b).

(* logic double two_sum_lo(double a, double b) =
     \add_double(\sub_double(a, two_sum_av(a, b)), \sub_double(b, two_sum_bv(a, b))); *)
Definition two_sum_lo (a b : R) : R :=
  rnd64 (rnd64 (a - two_sum_av a b) + rnd64 (b - two_sum_bv a b)).

(* predicate two_sum_error_free(double a, double b) =
     two_sum_hi(a, b) + two_sum_lo(a, b) == a + b
     && \abs(two_sum_lo(a, b)) <= 0x1p-53 * \abs(two_sum_hi(a, b)); *)
Definition two_sum_error_free (a b : R) : Prop :=
  two_sum_hi a b + two_sum_lo a b = a + b
  /\ Rabs (two_sum_lo a b) <= bpow radix2 (-53) * Rabs (two_sum_hi a b).

(* logic double exp_coef2 = (double)0.5; *)
Definition exp_coef2 : R := rnd64 (1 / 2).
(* logic double exp_coef3 = (double)0x1.5555555555555p-3; *)
Definition exp_coef3 : R := rnd64 (IZR 6004799503160661 * bpow radix2 (-55)).
(* logic double exp_coef4 = (double)0x1.5555555555555p-5; *)
Definition exp_coef4 : R := rnd64 (IZR 6004799503160661 * bpow radix2 (-57)).
(* logic double exp_coef5 = (double)0x1.1111111111111p-7; *)
Definition exp_coef5 : R := rnd64 (IZR 4803839602528529 * bpow radix2 (-59)).
(* logic double exp_coef6 = (double)0x1.6c16c16c16c17p-10; *)
Definition exp_coef6 : R := rnd64 (IZR 6405119470038039 * bpow radix2 (-62)).
(* logic double exp_coef7 = (double)0x1.a01a01a01a01ap-13; *)
Definition exp_coef7 : R := rnd64 (IZR 7320136537186330 * bpow radix2 (-65)).

(* logic double dd_exp_poly(double r) =
     \add_double(exp_coef2, \mul_double(r,
       \add_double(exp_coef3, \mul_double(r,
         \add_double(exp_coef4, \mul_double(r,
           \add_double(exp_coef5, \mul_double(r,
             \add_double(exp_coef6, \mul_double(r, exp_coef7)))))))))); *)
Definition dd_exp_poly (r : R) : R :=
  rnd64 (exp_coef2 + rnd64 (r *
    rnd64 (exp_coef3 + rnd64 (r *
      rnd64 (exp_coef4 + rnd64 (r *
        rnd64 (exp_coef5 + rnd64 (r *
          rnd64 (exp_coef6 + rnd64 (r * exp_coef7)))))))))).

(** Flocq's TwoSum_correct is stated for any tie-breaking rule symmetric
    under x -> -(x + 1); ties to even is one. *)
Lemma ne_choice_sym (x : Z) :
  negb (Z.even x) = negb (negb (Z.even (- (x + 1)))).
Proof. rewrite Z.even_opp, Z.even_add. destruct (Z.even x); reflexivity. Qed.

(** TwoSum is error-free: Flocq's [TwoSum_correct] (Pff2Flocq) is the same
    chain of roundings ([a], [x'], [dx], [dy], [b] there are [two_sum_hi],
    [two_sum_bv], [rnd64 (a - two_sum_av a b)], [rnd64 (b - two_sum_bv a b)],
    [two_sum_lo] here). *)
Theorem two_sum_exact (a b : R) :
  binary64 a -> binary64 b -> two_sum_hi a b + two_sum_lo a b = a + b.
Proof.
  intros Ha Hb. unfold two_sum_lo, two_sum_av, two_sum_bv, two_sum_hi, rnd64.
  apply (TwoSum_correct (-1074) 53 (fun x => negb (Z.even x))); try easy.
  exact ne_choice_sym.
Qed.

(** The predicate [two_sum_error_free] of spec/dd_eft.h holds for every
    pair of binary64 values: it is the admitted assertion [error_free] in
    the body of two_sum (proofs/TRUSTED_BASE.md, F1).  The low part is
    [(a + b) - RN(a + b)]: zero when [|a + b| <= 2^-1021] (such a sum of two
    binary64 values is one, [FLT_format_plus_small]), otherwise at most half
    an ulp of the normal [RN(a + b)], i.e. at most 2^-53 of it. *)
Theorem two_sum_error_free_holds (a b : R) :
  binary64 a -> binary64 b -> two_sum_error_free a b.
Proof.
  intros Ha Hb. split; [now apply two_sum_exact |].
  assert (Hlo : two_sum_lo a b = (a + b) - two_sum_hi a b)
    by (generalize (two_sum_exact a b Ha Hb); lra).
  rewrite Hlo.
  destruct (Rle_or_lt (Rabs (a + b)) (bpow radix2 (53 + -1074))) as [Hs | Hl].
  - assert (Hf : binary64 (a + b)) by (now apply FLT_format_plus_small).
    unfold two_sum_hi, rnd64. rewrite round_generic; [| apply valid_rnd_N | exact Hf].
    replace (a + b - (a + b)) with 0 by ring. rewrite Rabs_R0.
    apply Rmult_le_pos; [apply bpow_ge_0 | apply Rabs_pos].
  - assert (Hn : bpow radix2 (-1074 + 53 - 1) <= Rabs (two_sum_hi a b)).
    { unfold two_sum_hi, rnd64. apply abs_round_ge_generic;
        [apply FLT_exp_valid; reflexivity | apply valid_rnd_N
        | apply generic_format_bpow; unfold FLT_exp; simpl; lia |].
      apply Rle_trans with (bpow radix2 (53 + -1074)); [apply bpow_le; lia | lra]. }
    rewrite <- Rabs_Ropp.
    replace (- (a + b - two_sum_hi a b)) with (two_sum_hi a b - (a + b)) by ring.
    apply Rle_trans with (/ 2 * ulp radix2 (FLT_exp (-1074) 53) (two_sum_hi a b)).
    + unfold two_sum_hi, rnd64. apply error_le_half_ulp_round;
        [apply FLT_exp_valid; reflexivity | apply FLT_exp_monotone].
    + apply Rle_trans with (/ 2 * (Rabs (two_sum_hi a b) * bpow radix2 (1 - 53))).
      * apply Rmult_le_compat_l; [lra |]. now apply ulp_FLT_le.
      * replace (bpow radix2 (1 - 53)) with (2 * bpow radix2 (-53)).
        -- lra.
        -- replace (1 - 53)%Z with (1 + -53)%Z by lia. rewrite bpow_plus. reflexivity.
Qed.
