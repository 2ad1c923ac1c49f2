(** * spec/formulas.h and spec/paper_lemmas.h, transcribed into Coq

    Each ACSL definition of spec/formulas.h is quoted in a comment and
    followed by its Coq transcription: an ACSL array [double *p] read in one
    memory state is a function [Z -> R] (index ↦ value), [integer] is [Z],
    [\exp], [\sqrt], [\abs] are [exp], [sqrt], [Rabs].  A recursive ACSL
    sum is defined through [zsum] and its defining equation (the ACSL text)
    is proved as [<name>_def]; since the recursion is on a decreasing
    nonnegative integer, that equation determines the function.

    Each axiom of spec/paper_lemmas.h is then restated, with the same name,
    the same variables and the same hypotheses, inside [Module ACSL], and
    proved from the main development (Distances.v, Hyperbolic.v,
    Lemma33.v, LemmaA1.v).  So the statements the kernels' contracts may
    assume are exactly the ones proved here, up to the transcription, which
    is checked by reading the two files side by side (proofs/coq/README.md). *)

From Coq Require Import Reals ZArith Lra Lia.
From Bht Require Import Sums Distances Hyperbolic Softmax Lemma33 LemmaA1.
Open Scope R_scope.

Module ACSL.

Definition array := Z -> R.

(** [zsum g k] = g 0 + ... + g (k-1), and 0 when k <= 0. *)
Definition zsum (g : Z -> R) (k : Z) : R := sum (Z.to_nat k) (fun i => g (Z.of_nat i)).

Lemma zsum_eq (g : Z -> R) (k : Z) :
  zsum g k = if (k <=? 0)%Z then 0 else zsum g (k - 1) + g (k - 1)%Z.
Proof.
  unfold zsum. destruct (Z.leb_spec k 0) as [Hk | Hk].
  - replace (Z.to_nat k) with O by lia. reflexivity.
  - replace (Z.to_nat k) with (S (Z.to_nat (k - 1))) by lia. simpl.
    rewrite Z2Nat.id by lia. reflexivity.
Qed.

(** The nat-indexed view used by the main development. *)
Definition view (p : array) : nat -> R := fun i => p (Z.of_nat i).

Lemma zsum_view (g : Z -> R) (k : Z) : zsum g k = sum (Z.to_nat k) (view g).
Proof. reflexivity. Qed.

(* logic real sech(real x) = 2 / (\exp(x) + \exp(-x)); *)
Definition sech (x : R) : R := 2 / (exp x + exp (- x)).

(* logic real tanh(real x) = (\exp(x) - \exp(-x)) / (\exp(x) + \exp(-x)); *)
Definition tanh (x : R) : R := (exp x - exp (- x)) / (exp x + exp (- x)).

(* logic real vector_sum{L}(double *p, integer n) =
     n <= 0 ? 0 : vector_sum(p, n - 1) + p[n - 1]; *)
Definition vector_sum (p : array) (n : Z) : R := zsum p n.
Lemma vector_sum_def p n :
  vector_sum p n = if (n <=? 0)%Z then 0 else vector_sum p (n - 1) + p (n - 1)%Z.
Proof. apply zsum_eq. Qed.

(* predicate is_dist{L}(double *p, integer n) =
     (\forall integer i; 0 <= i < n ==> 0 <= p[i]) && vector_sum(p, n) == 1; *)
Definition is_dist (p : array) (n : Z) : Prop :=
  (forall i, (0 <= i < n)%Z -> 0 <= p i) /\ vector_sum p n = 1.

(* logic real hellinger2_sum{L}(double *p, double *q, integer n) =
     n <= 0 ? 0 :
       hellinger2_sum(p, q, n - 1)
       + (\sqrt(p[n - 1]) - \sqrt(q[n - 1])) * (\sqrt(p[n - 1]) - \sqrt(q[n - 1])); *)
Definition hellinger2_term (p q : array) (i : Z) : R :=
  (sqrt (p i) - sqrt (q i)) * (sqrt (p i) - sqrt (q i)).
Definition hellinger2_sum (p q : array) (n : Z) : R := zsum (hellinger2_term p q) n.
Lemma hellinger2_sum_def p q n :
  hellinger2_sum p q n
  = if (n <=? 0)%Z then 0
    else hellinger2_sum p q (n - 1)
         + (sqrt (p (n - 1)%Z) - sqrt (q (n - 1)%Z)) * (sqrt (p (n - 1)%Z) - sqrt (q (n - 1)%Z)).
Proof. apply zsum_eq. Qed.

(* logic real hellinger2{L}(double *p, double *q, integer n) = hellinger2_sum(p, q, n) / 2; *)
Definition hellinger2 (p q : array) (n : Z) : R := hellinger2_sum p q n / 2.

(* logic real hellinger{L}(double *p, double *q, integer n) = \sqrt(hellinger2(p, q, n)); *)
Definition hellinger (p q : array) (n : Z) : R := sqrt (hellinger2 p q n).

(* logic real tv_sum{L}(double *p, double *q, integer n) =
     n <= 0 ? 0 : tv_sum(p, q, n - 1) + \abs(p[n - 1] - q[n - 1]); *)
Definition tv_sum (p q : array) (n : Z) : R := zsum (fun i => Rabs (p i - q i)) n.
Lemma tv_sum_def p q n :
  tv_sum p q n
  = if (n <=? 0)%Z then 0 else tv_sum p q (n - 1) + Rabs (p (n - 1)%Z - q (n - 1)%Z).
Proof. apply zsum_eq. Qed.

(* logic real tv{L}(double *p, double *q, integer n) = tv_sum(p, q, n) / 2; *)
Definition tv (p q : array) (n : Z) : R := tv_sum p q n / 2.

(* logic real exp_sum{L}(double *a, integer n) =
     n <= 0 ? 0 : exp_sum(a, n - 1) + \exp(a[n - 1]); *)
Definition exp_sum (a : array) (n : Z) : R := zsum (fun i => exp (a i)) n.
Lemma exp_sum_def a n :
  exp_sum a n = if (n <=? 0)%Z then 0 else exp_sum a (n - 1) + exp (a (n - 1)%Z).
Proof. apply zsum_eq. Qed.

(* logic real softmax{L}(double *a, integer n, integer i) = \exp(a[i]) / exp_sum(a, n); *)
Definition softmax (a : array) (n i : Z) : R := exp (a i) / exp_sum a n.

(* logic real hellinger2_softmax_sum{L}(double *a, double *b, integer n, integer k) =
     k <= 0 ? 0 :
       hellinger2_softmax_sum(a, b, n, k - 1)
       + (\sqrt(softmax(a, n, k - 1)) - \sqrt(softmax(b, n, k - 1)))
         * (\sqrt(softmax(a, n, k - 1)) - \sqrt(softmax(b, n, k - 1))); *)
Definition hellinger2_softmax_sum (a b : array) (n k : Z) : R :=
  zsum (fun i => (sqrt (softmax a n i) - sqrt (softmax b n i))
                 * (sqrt (softmax a n i) - sqrt (softmax b n i))) k.
Lemma hellinger2_softmax_sum_def a b n k :
  hellinger2_softmax_sum a b n k
  = if (k <=? 0)%Z then 0
    else hellinger2_softmax_sum a b n (k - 1)
         + (sqrt (softmax a n (k - 1)) - sqrt (softmax b n (k - 1)))
           * (sqrt (softmax a n (k - 1)) - sqrt (softmax b n (k - 1))).
Proof. apply zsum_eq. Qed.

(* logic real hellinger2_softmax{L}(double *a, double *b, integer n) =
     hellinger2_softmax_sum(a, b, n, n) / 2; *)
Definition hellinger2_softmax (a b : array) (n : Z) : R := hellinger2_softmax_sum a b n n / 2.

(* logic real tv_softmax_sum{L}(double *a, double *b, integer n, integer k) =
     k <= 0 ? 0 :
       tv_softmax_sum(a, b, n, k - 1)
       + \abs(softmax(a, n, k - 1) - softmax(b, n, k - 1)); *)
Definition tv_softmax_sum (a b : array) (n k : Z) : R :=
  zsum (fun i => Rabs (softmax a n i - softmax b n i)) k.
Lemma tv_softmax_sum_def a b n k :
  tv_softmax_sum a b n k
  = if (k <=? 0)%Z then 0
    else tv_softmax_sum a b n (k - 1) + Rabs (softmax a n (k - 1) - softmax b n (k - 1)).
Proof. apply zsum_eq. Qed.

(* logic real tv_softmax{L}(double *a, double *b, integer n) = tv_softmax_sum(a, b, n, n) / 2; *)
Definition tv_softmax (a b : array) (n : Z) : R := tv_softmax_sum a b n n / 2.

(** ** Bridges to the main development *)

Lemma sech_main (x : R) : sech x = Hyperbolic.sech x.
Proof. rewrite sech_exp_form. reflexivity. Qed.

Lemma tanh_main (x : R) : tanh x = Rtrigo_def.tanh x.
Proof. rewrite tanh_exp_form. reflexivity. Qed.

(** A distribution has a positive length (its sum is 1, not 0). *)
Lemma is_dist_main (p : array) (n : Z) :
  is_dist p n -> (0 < n)%Z /\ Distances.is_dist (Z.to_nat n) (view p).
Proof.
  intros [Hnn Hs]. destruct (Z_lt_le_dec 0 n) as [Hn | Hn].
  - split; [exact Hn | split; [intros i Hi; apply Hnn; lia | exact Hs]].
  - (* n <= 0: the sum is empty, 0 <> 1 *)
    exfalso. unfold vector_sum, zsum in Hs.
    replace (Z.to_nat n) with O in Hs by lia. simpl in Hs. lra.
Qed.

Lemma hellinger2_main (p q : array) (n : Z) :
  hellinger2 p q n = Distances.hellinger2 (Z.to_nat n) (view p) (view q).
Proof.
  unfold hellinger2, Distances.hellinger2, hellinger2_sum. rewrite zsum_view.
  f_equal. apply sum_ext. intros i _. unfold view, hellinger2_term. ring.
Qed.

Lemma tv_main (p q : array) (n : Z) :
  tv p q n = Distances.tv (Z.to_nat n) (view p) (view q).
Proof. reflexivity. Qed.

Lemma softmax_main (a : array) (n : Z) (i : nat) :
  softmax a n (Z.of_nat i) = Softmax.softmax (Z.to_nat n) (view a) i.
Proof. reflexivity. Qed.

Lemma hellinger2_softmax_main (a b : array) (n : Z) :
  hellinger2_softmax a b n
  = Distances.hellinger2 (Z.to_nat n)
      (Softmax.softmax (Z.to_nat n) (view a)) (Softmax.softmax (Z.to_nat n) (view b)).
Proof.
  unfold hellinger2_softmax, Distances.hellinger2, hellinger2_softmax_sum.
  rewrite zsum_view. f_equal. apply sum_ext. intros i _. unfold view at 1. cbv beta.
  rewrite !softmax_main. ring.
Qed.

Lemma tv_softmax_main (a b : array) (n : Z) :
  tv_softmax a b n
  = Distances.tv (Z.to_nat n)
      (Softmax.softmax (Z.to_nat n) (view a)) (Softmax.softmax (Z.to_nat n) (view b)).
Proof. reflexivity. Qed.

(** An ACSL index range 0 <= i < n is the nat range i < Z.to_nat n. *)
Lemma forall_index (n : Z) (P : Z -> Prop) :
  (forall i, (0 <= i < n)%Z -> P i) ->
  forall i : nat, (i < Z.to_nat n)%nat -> P (Z.of_nat i).
Proof. intros H i Hi. apply H. lia. Qed.

(** ** The statements of spec/paper_lemmas.h *)

(* axiom hellinger2_le_tv{L}:
     \forall double *p, *q, integer n;
       is_dist(p, n) ==> is_dist(q, n) ==> hellinger2(p, q, n) <= tv(p, q, n); *)
Theorem hellinger2_le_tv (p q : array) (n : Z) :
  is_dist p n -> is_dist q n -> hellinger2 p q n <= tv p q n.
Proof.
  intros Hp Hq. apply is_dist_main in Hp as [_ Hp]. apply is_dist_main in Hq as [_ Hq].
  rewrite hellinger2_main, tv_main. apply Distances.hellinger2_le_tv; assumption.
Qed.

(* axiom tv_le_sqrt2_hellinger{L}:
     \forall double *p, *q, integer n;
       is_dist(p, n) ==> is_dist(q, n) ==> tv(p, q, n) <= \sqrt(2) * hellinger(p, q, n); *)
Theorem tv_le_sqrt2_hellinger (p q : array) (n : Z) :
  is_dist p n -> is_dist q n -> tv p q n <= sqrt 2 * hellinger p q n.
Proof.
  intros Hp Hq. apply is_dist_main in Hp as [_ Hp]. apply is_dist_main in Hq as [_ Hq].
  unfold hellinger. rewrite hellinger2_main, tv_main.
  apply Distances.tv_le_sqrt2_hellinger; assumption.
Qed.

(* axiom lemma_a1_identity:
     \forall real eps;
       (1 - \exp(eps / 4)) * (1 - \exp(eps / 4)) / (1 + \exp(eps / 2)) == 1 - sech(eps / 4); *)
Theorem lemma_a1_identity (eps : R) :
  (1 - exp (eps / 4)) * (1 - exp (eps / 4)) / (1 + exp (eps / 2)) = 1 - sech (eps / 4).
Proof.
  rewrite sech_main, <- LemmaA1.lemma_a1_identity. f_equal. ring.
Qed.

(* axiom lemma_a1_tanh_form:
     \forall real eps;
       tanh(eps / 4) == (\exp(eps / 4) - 1) * ((\exp(eps / 4) - 1) + 2)
                        / ((\exp(eps / 4) - 1) * ((\exp(eps / 4) - 1) + 2) + 2); *)
Theorem lemma_a1_tanh_form (eps : R) :
  tanh (eps / 4) = (exp (eps / 4) - 1) * ((exp (eps / 4) - 1) + 2)
                   / ((exp (eps / 4) - 1) * ((exp (eps / 4) - 1) + 2) + 2).
Proof.
  rewrite tanh_main. destruct (LemmaA1.lemma_a1_expm1_forms eps) as [_ H]. rewrite H.
  replace (eps / 2) with (eps / 4 + eps / 4) by field. rewrite exp_plus.
  pose proof (exp_pos (eps / 4)).
  set (r := exp (eps / 4)) in *. clearbody r.
  field. nra.
Qed.

(* axiom lemma_a1_h2{L}:
     \forall double *a, *b, integer n, real eps;
       0 < n ==>
       (\forall integer i; 0 <= i < n ==> b[i] - a[i] == 0 || b[i] - a[i] == eps) ==>
       hellinger2_softmax(a, b, n) <= 1 - sech(eps / 4); *)
Theorem lemma_a1_h2 (a b : array) (n : Z) (eps : R) :
  (0 < n)%Z ->
  (forall i, (0 <= i < n)%Z -> b i - a i = 0 \/ b i - a i = eps) ->
  hellinger2_softmax a b n <= 1 - sech (eps / 4).
Proof.
  intros Hn Hab. rewrite hellinger2_softmax_main, sech_main.
  apply LemmaA1.lemma_a1_h2; [lia | exact (forall_index n _ Hab)].
Qed.

(* axiom lemma_a1_tv{L}:
     \forall double *a, *b, integer n, real eps;
       0 < n ==> 0 <= eps ==>
       (\forall integer i; 0 <= i < n ==> b[i] - a[i] == 0 || b[i] - a[i] == eps) ==>
       tv_softmax(a, b, n) <= tanh(eps / 4); *)
Theorem lemma_a1_tv (a b : array) (n : Z) (eps : R) :
  (0 < n)%Z -> 0 <= eps ->
  (forall i, (0 <= i < n)%Z -> b i - a i = 0 \/ b i - a i = eps) ->
  tv_softmax a b n <= tanh (eps / 4).
Proof.
  intros Hn He Hab. rewrite tv_softmax_main, tanh_main.
  apply LemmaA1.lemma_a1_tv; [lia | exact He | exact (forall_index n _ Hab)].
Qed.

(* axiom lemma_3_3_h2{L}:
     \forall double *a, *b, integer n, real eps;
       0 < n ==>
       (\forall integer i; 0 <= i < n ==> \abs(a[i] - b[i]) <= eps) ==>
       hellinger2_softmax(a, b, n) <= 1 - sech(eps / 2); *)
Theorem lemma_3_3_h2 (a b : array) (n : Z) (eps : R) :
  (0 < n)%Z ->
  (forall i, (0 <= i < n)%Z -> Rabs (a i - b i) <= eps) ->
  hellinger2_softmax a b n <= 1 - sech (eps / 2).
Proof.
  intros Hn Hab. rewrite hellinger2_softmax_main, sech_main.
  apply Lemma33.lemma_3_3_h2; [lia | exact (forall_index n _ Hab)].
Qed.

(* axiom lemma_3_3_tv{L}:
     \forall double *a, *b, integer n, real eps;
       0 < n ==>
       (\forall integer i; 0 <= i < n ==> \abs(a[i] - b[i]) <= eps) ==>
       tv_softmax(a, b, n) <= tanh(eps / 2); *)
Theorem lemma_3_3_tv (a b : array) (n : Z) (eps : R) :
  (0 < n)%Z ->
  (forall i, (0 <= i < n)%Z -> Rabs (a i - b i) <= eps) ->
  tv_softmax a b n <= tanh (eps / 2).
Proof.
  intros Hn Hab. rewrite tv_softmax_main, tanh_main.
  apply Lemma33.lemma_3_3_tv; [lia | exact (forall_index n _ Hab)].
Qed.

(* axiom sech_bound:
     \forall real x; 1 - sech(x) <= x * x / 2; *)
Theorem sech_bound (x : R) : 1 - sech x <= x * x / 2.
Proof. rewrite sech_main. replace (x * x) with (x ^ 2) by ring. apply Hyperbolic.sech_bound. Qed.

(* axiom tanh_bound:
     \forall real x; 0 <= x ==> tanh(x) <= x; *)
Theorem tanh_bound (x : R) : 0 <= x -> tanh x <= x.
Proof. rewrite tanh_main. apply Hyperbolic.tanh_bound. Qed.

End ACSL.
