(** * Frame facts of the logits of softmax(A x), for the proof of
    softmax_core (issue 14 item 4)

    Status: the ACSL side (axiomatic SoftmaxFrame below, to go into
    spec/softmax.h with a trusted-base row) is not yet in the tree: it is
    used by the work in progress on softmax_core's functional contract
    (p_k == softmax_dd{Pre}), whose proof is not complete.  This file
    proves the statements so that the axioms can be admitted with a proof.

    WP models the memory of doubles as one map from addresses to values
    (Typed model, chunk Mf64) and a logic function with a label reads that
    map.  [reg_dot] and [logit_max] are recursive, so that their value does
    not change when memory they do not read is written needs an induction,
    which the SMT solvers do not perform.  This file transcribes the ACSL
    definitions over a memory [M : Z -> R] (a pointer is its address, [A + j]
    is [shift(A, j)]) and proves the two axioms (shift_ax_frame, logit_max_frame) by induction.

    spec/regression.h:
      logic real reg_dot{L}(double *a, double *x, integer k) =
        k <= 0 ? 0.0 : reg_dot(a, x, k - 1) + a[k - 1] * x[k - 1];
      logic real reg_logit{L}(double *A, double *x, integer d, integer i) =
        reg_dot(A + i * d, x, d);
    spec/softmax.h:
      logic real logit_ax{L}(double *A, double *x, integer d, integer i) =
        reg_logit(A, x, d, i);
      logic real logit_max{L}(double *A, double *x, integer d, integer k) =
        k <= 1 ? logit_ax(A, x, d, 0) :
          (logit_max(A, x, d, k - 1) >= logit_ax(A, x, d, k - 1) ?
             logit_max(A, x, d, k - 1) : logit_ax(A, x, d, k - 1));
      predicate softmax_inputs_same{L1, L2}(double *A, double *x, integer n, integer d) =
        (\forall integer j; 0 <= j < n * d ==> \at(A[j], L1) == \at(A[j], L2))
        && (\forall integer j; 0 <= j < d ==> \at(x[j], L1) == \at(x[j], L2));
      logic real shift_ax{L}(double *A, double *x, integer n, integer d, integer k) =
        logit_ax(A, x, d, k) - logit_max(A, x, d, n);
      axiom shift_ax_frame{L1, L2}:
        \forall double *A, *x, integer n, d, k;
          0 <= k < n && 0 <= d && softmax_inputs_same{L1, L2}(A, x, n, d) ==>
          shift_ax{L1}(A, x, n, d, k) == shift_ax{L2}(A, x, n, d, k);
      axiom logit_max_frame{L1, L2}:
        \forall double *A, *x, integer n, d;
          1 <= n && 0 <= d && softmax_inputs_same{L1, L2}(A, x, n, d) ==>
          logit_max{L1}(A, x, d, n) == logit_max{L2}(A, x, d, n); *)

From Coq Require Import Reals ZArith Lia.
Open Scope R_scope.

Module Frame.

Definition mem := Z -> R.

Fixpoint dot_nat (M : mem) (a x : Z) (k : nat) : R :=
  match k with
  | O => 0
  | S k' => dot_nat M a x k' + M (a + Z.of_nat k')%Z * M (x + Z.of_nat k')%Z
  end.

Definition reg_dot (M : mem) (a x k : Z) : R := dot_nat M a x (Z.to_nat k).

(** [reg_dot] satisfies the ACSL equation. *)
Lemma reg_dot_eq : forall M a x k,
  reg_dot M a x k =
  if (k <=? 0)%Z then 0
  else reg_dot M a x (k - 1) + M (a + (k - 1))%Z * M (x + (k - 1))%Z.
Proof.
  intros M a x k. unfold reg_dot.
  destruct (Z.leb_spec k 0) as [Hk | Hk].
  - replace (Z.to_nat k) with O by lia. reflexivity.
  - replace (Z.to_nat k) with (S (Z.to_nat (k - 1))) by lia.
    simpl. rewrite Z2Nat.id by lia. reflexivity.
Qed.

Definition reg_logit (M : mem) (A x d i : Z) : R := reg_dot M (A + i * d)%Z x d.
Definition logit_ax := reg_logit.

Fixpoint max_nat (M : mem) (A x d : Z) (k : nat) : R :=
  match k with
  | O => logit_ax M A x d 0
  | S k' =>
      match k' with
      | O => logit_ax M A x d 0
      | _ => if Rge_dec (max_nat M A x d k') (logit_ax M A x d (Z.of_nat k'))
             then max_nat M A x d k' else logit_ax M A x d (Z.of_nat k')
      end
  end.

Lemma max_nat_SS : forall M A x d k,
  max_nat M A x d (S (S k)) =
  if Rge_dec (max_nat M A x d (S k)) (logit_ax M A x d (Z.of_nat (S k)))
  then max_nat M A x d (S k) else logit_ax M A x d (Z.of_nat (S k)).
Proof. reflexivity. Qed.

Definition logit_max (M : mem) (A x d k : Z) : R := max_nat M A x d (Z.to_nat k).

(** [logit_max] satisfies the ACSL equation. *)
Lemma logit_max_eq : forall M A x d k,
  logit_max M A x d k =
  if (k <=? 1)%Z then logit_ax M A x d 0
  else if Rge_dec (logit_max M A x d (k - 1)) (logit_ax M A x d (k - 1))
       then logit_max M A x d (k - 1) else logit_ax M A x d (k - 1).
Proof.
  intros M A x d k. unfold logit_max.
  destruct (Z.leb_spec k 1) as [Hk | Hk].
  - destruct (Z.to_nat k) as [| [| k'']] eqn:E; simpl; try reflexivity. lia.
  - replace (Z.to_nat k) with (S (Z.to_nat (k - 1))) by lia.
    destruct (Z.to_nat (k - 1)) as [| k''] eqn:E; [lia |].
    rewrite max_nat_SS.
    replace (Z.of_nat (S k'')) with (k - 1)%Z by lia. reflexivity.
Qed.

Definition inputs_same (M1 M2 : mem) (A x n d : Z) : Prop :=
  (forall j, (0 <= j < n * d)%Z -> M1 (A + j)%Z = M2 (A + j)%Z)
  /\ (forall j, (0 <= j < d)%Z -> M1 (x + j)%Z = M2 (x + j)%Z).

Lemma dot_nat_frame : forall M1 M2 a x k,
  (forall j, (0 <= j < Z.of_nat k)%Z -> M1 (a + j)%Z = M2 (a + j)%Z /\ M1 (x + j)%Z = M2 (x + j)%Z) ->
  dot_nat M1 a x k = dot_nat M2 a x k.
Proof.
  intros M1 M2 a x k. induction k as [| k IH]; intro H; simpl.
  - reflexivity.
  - rewrite IH by (intros j Hj; apply H; lia).
    destruct (H (Z.of_nat k)) as [Ha Hx]; [lia |].
    rewrite Ha, Hx. reflexivity.
Qed.

Theorem logit_ax_frame : forall M1 M2 A x n d k,
  (0 <= k < n)%Z -> (0 <= d)%Z -> inputs_same M1 M2 A x n d ->
  logit_ax M1 A x d k = logit_ax M2 A x d k.
Proof.
  intros M1 M2 A x n d k Hk Hd [HA Hx].
  unfold logit_ax, reg_logit, reg_dot. apply dot_nat_frame.
  intros j Hj. rewrite Z2Nat.id in Hj by lia. split.
  - replace (A + k * d + j)%Z with (A + (k * d + j))%Z by lia.
    apply HA. nia.
  - apply Hx. lia.
Qed.

Theorem logit_max_frame : forall M1 M2 A x n d,
  (1 <= n)%Z -> (0 <= d)%Z -> inputs_same M1 M2 A x n d ->
  logit_max M1 A x d n = logit_max M2 A x d n.
Proof.
  intros M1 M2 A x n d Hn Hd Hs.
  assert (Hrow : forall k, (0 <= k < n)%Z -> logit_ax M1 A x d k = logit_ax M2 A x d k)
    by (intros k Hk; apply (logit_ax_frame M1 M2 A x n d k Hk Hd Hs)).
  unfold logit_max.
  assert (Hall : forall k : nat, (Z.of_nat k <= n)%Z -> max_nat M1 A x d k = max_nat M2 A x d k).
  { induction k as [| k IH]; intro Hkn.
    - simpl. apply Hrow. lia.
    - destruct k as [| k'].
      + simpl. apply Hrow. lia.
      + rewrite !max_nat_SS.
        rewrite IH by lia. rewrite Hrow by lia. reflexivity. }
  apply Hall. lia.
Qed.

Definition shift_ax (M : mem) (A x n d k : Z) : R :=
  logit_ax M A x d k - logit_max M A x d n.

Theorem shift_ax_frame : forall M1 M2 A x n d k,
  (0 <= k < n)%Z -> (0 <= d)%Z -> inputs_same M1 M2 A x n d ->
  shift_ax M1 A x n d k = shift_ax M2 A x n d k.
Proof.
  intros M1 M2 A x n d k Hk Hd Hs. unfold shift_ax.
  rewrite (logit_ax_frame M1 M2 A x n d k Hk Hd Hs).
  rewrite (logit_max_frame M1 M2 A x n d) by (auto; lia).
  reflexivity.
Qed.

End Frame.
