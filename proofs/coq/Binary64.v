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
From Flocq Require Import Core.
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
