(** * Lemma 3.3 with explicit, n-independent constants

    If |a_i − b_i| ≤ ε for every i < n, then
      H²(softmax a, softmax b) ≤ 1 − sech(ε/2)   (≤ ε²/8),
      TV(softmax a, softmax b) ≤ tanh(ε/2)       (≤ ε/2).
    The paper states O(ε²) and O(ε) and proves them by chaining Lemma A.1
    along a path with the triangle inequality; the proofs below are direct
    and give the constants that `bht claims` observes; both bounds are
    attained at n = 2 ([lemma_3_3_attained] in LemmaA1.v). *)

From Coq Require Import Reals Lra Psatz.
From Bht Require Import Sums Distances ExpBounds Hyperbolic Softmax.
Open Scope R_scope.

Lemma exp_half_sq (x : R) : exp (x / 2) * exp (x / 2) = exp x.
Proof. rewrite <- exp_plus. f_equal. field. Qed.

Lemma abs_le_between (x e : R) : Rabs x <= e -> - e <= x <= e.
Proof. unfold Rabs. destruct (Rcase_abs x); lra. Qed.

(** |a − b| ≤ ε bounds the ratio exp(b)/exp(a) by exp(±ε). *)
Lemma exp_ratio_bounds (a b e : R) :
  Rabs (a - b) <= e ->
  exp (- e) * exp a <= exp b /\ exp b <= exp e * exp a.
Proof.
  intros H. apply abs_le_between in H.
  rewrite <- !exp_plus. split; apply exp_le_mono; lra.
Qed.

(** ** Hellinger part *)

(** √(softmax(a)_i) = exp(a_i/2) / √N. *)
Lemma sqrt_softmax (n : nat) (a : nat -> R) (i : nat) :
  (0 < n)%nat ->
  sqrt (softmax n a i) = exp (a i / 2) / sqrt (sum n (fun j => exp (a j))).
Proof.
  intros Hn. unfold softmax.
  rewrite sqrt_div_alt by (apply exp_sum_pos; exact Hn).
  rewrite <- exp_half_sq, sqrt_square by (apply Rlt_le, exp_pos).
  reflexivity.
Qed.

(** With N = Σ exp a_i, M = Σ exp b_i and B = Σ exp(a_i/2)·exp(b_i/2):
    H² = 1 − B / (√N·√M). *)
Lemma hellinger2_softmax (n : nat) (a b : nat -> R) :
  (0 < n)%nat ->
  hellinger2 n (softmax n a) (softmax n b)
  = 1 - sum n (fun i => exp (a i / 2) * exp (b i / 2))
        / (sqrt (sum n (fun j => exp (a j))) * sqrt (sum n (fun j => exp (b j)))).
Proof.
  intros Hn.
  pose proof (exp_sum_pos n a Hn) as HN; pose proof (exp_sum_pos n b Hn) as HM.
  set (N := sum n (fun j => exp (a j))) in *.
  set (M := sum n (fun j => exp (b j))) in *.
  assert (HsN : sqrt N * sqrt N = N) by (apply sqrt_sqrt; lra).
  assert (HsM : sqrt M * sqrt M = M) by (apply sqrt_sqrt; lra).
  assert (0 < sqrt N) by (apply sqrt_lt_R0; lra).
  assert (0 < sqrt M) by (apply sqrt_lt_R0; lra).
  unfold hellinger2.
  rewrite (sum_ext n _
             (fun i => exp (a i) * / N + exp (b i) * / M
                       - exp (a i / 2) * exp (b i / 2) * (2 / (sqrt N * sqrt M)))).
  - rewrite sum_minus, sum_plus, !sum_scal_r. fold N M.
    clearbody N M. field. split; lra.
  - intros i _. rewrite !sqrt_softmax by exact Hn. fold N M.
    rewrite <- (exp_half_sq (a i)), <- (exp_half_sq (b i)).
    clearbody N M. set (sN := sqrt N) in *; set (sM := sqrt M) in *.
    rewrite <- HsN, <- HsM. clearbody sN sM. field. split; lra.
Qed.

(** The reverse Cauchy–Schwarz step: if m·α ≤ β ≤ m'·α with m·m' = 1,
    then (β − mα)(m'α − β) ≥ 0, i.e. β² ≤ (m + m')·αβ − α². *)
Lemma reverse_cs_term (alpha beta m m' : R) :
  m * m' = 1 -> m * alpha <= beta -> beta <= m' * alpha ->
  beta * beta <= (m + m') * (alpha * beta) - alpha * alpha.
Proof.
  intros Hmm H1 H2.
  assert (0 <= (beta - m * alpha) * (m' * alpha - beta))
    by (apply Rmult_le_pos; lra).
  nra.
Qed.

Theorem lemma_3_3_h2 (n : nat) (a b : nat -> R) (eps : R) :
  (0 < n)%nat ->
  (forall i, (i < n)%nat -> Rabs (a i - b i) <= eps) ->
  hellinger2 n (softmax n a) (softmax n b) <= 1 - sech (eps / 2).
Proof.
  intros Hn Hab.
  rewrite hellinger2_softmax by exact Hn.
  pose proof (exp_sum_pos n a Hn) as HN; pose proof (exp_sum_pos n b Hn) as HM.
  set (N := sum n (fun j => exp (a j))) in *.
  set (M := sum n (fun j => exp (b j))) in *.
  set (B := sum n (fun i => exp (a i / 2) * exp (b i / 2))).
  set (m := exp (- (eps / 2))); set (m' := exp (eps / 2)).
  assert (Hmm : m * m' = 1)
    by (unfold m, m'; rewrite <- exp_plus, Rplus_opp_l; apply exp_0).
  assert (0 < m) by apply exp_pos; assert (0 < m') by apply exp_pos.
  (* summing the per-term step: M ≤ (m + m')·B − N *)
  assert (HMB : M <= (m + m') * B - N).
  { unfold M, N, B. rewrite <- sum_scal_l, <- sum_minus. apply sum_le.
    intros i Hi.
    assert (Hr : Rabs (a i / 2 - b i / 2) <= eps / 2).
    { replace (a i / 2 - b i / 2) with ((a i - b i) / 2) by field.
      unfold Rdiv. rewrite Rabs_mult, (Rabs_right (/ 2)) by lra.
      specialize (Hab i Hi). lra. }
    destruct (exp_ratio_bounds _ _ _ Hr) as [Hlo Hhi].
    rewrite <- (exp_half_sq (a i)), <- (exp_half_sq (b i)).
    apply reverse_cs_term; assumption. }
  (* so (m + m')·B ≥ N + M = √N² + √M² ≥ 2·√N·√M *)
  assert (0 < sqrt N) by (apply sqrt_lt_R0; lra).
  assert (0 < sqrt M) by (apply sqrt_lt_R0; lra).
  assert (HsN : sqrt N * sqrt N = N) by (apply sqrt_sqrt; lra).
  assert (HsM : sqrt M * sqrt M = M) by (apply sqrt_sqrt; lra).
  assert (Ham : 2 * (sqrt N * sqrt M) <= (m + m') * B).
  { pose proof (pow2_ge_0 (sqrt N - sqrt M)). nra. }
  rewrite sech_exp_form. fold m'.
  replace (exp (- (eps / 2))) with m by reflexivity.
  apply Rplus_le_compat_l, Ropp_le_contravar.
  apply (Rmult_le_reg_r ((m' + m) * (sqrt N * sqrt M))).
  { apply Rmult_lt_0_compat; [lra | apply Rmult_lt_0_compat; lra]. }
  replace (2 / (m' + m) * ((m' + m) * (sqrt N * sqrt M)))
    with (2 * (sqrt N * sqrt M)) by (field; lra).
  replace (B / (sqrt N * sqrt M) * ((m' + m) * (sqrt N * sqrt M)))
    with ((m + m') * B) by (field; split; lra).
  exact Ham.
Qed.

(** ** Total-variation part *)

(** With N = Σ exp a_i and M = Σ exp b_i:
    TV = Σ |exp(a_i)·M − exp(b_i)·N| / (2·N·M). *)
Lemma tv_softmax (n : nat) (a b : nat -> R) :
  (0 < n)%nat ->
  tv n (softmax n a) (softmax n b)
  = sum n (fun i => Rabs (exp (a i) * sum n (fun j => exp (b j))
                          - exp (b i) * sum n (fun j => exp (a j))))
    / (2 * (sum n (fun j => exp (a j)) * sum n (fun j => exp (b j)))).
Proof.
  intros Hn.
  pose proof (exp_sum_pos n a Hn) as HN; pose proof (exp_sum_pos n b Hn) as HM.
  set (N := sum n (fun j => exp (a j))) in *.
  set (M := sum n (fun j => exp (b j))) in *.
  unfold tv, softmax. fold N M.
  rewrite (sum_ext n _ (fun i => Rabs (exp (a i) * M - exp (b i) * N) * / (N * M))).
  - rewrite sum_scal_r. field. split; lra.
  - intros i _.
    replace (exp (a i) / N - exp (b i) / M)
      with ((exp (a i) * M - exp (b i) * N) * / (N * M)) by (field; split; lra).
    rewrite Rabs_mult, (Rabs_right (/ (N * M))); [reflexivity |].
    apply Rle_ge, Rlt_le, Rinv_0_lt_compat, Rmult_lt_0_compat; lra.
Qed.

(** The chord step: |u − μ| lies below the chord of the convex function
    u ↦ |u − μ| on [L, H].  In homogeneous form, with X = Hα − β,
    Y = β − Lα, P = M − LN, Q = HN − M (all ≥ 0):
    (H − L)(αM − βN) = XP − YQ, so (H − L)|αM − βN| ≤ XP + YQ. *)
Lemma chord_term (alpha beta N M L H : R) :
  L <= H -> L * alpha <= beta -> beta <= H * alpha -> L * N <= M -> M <= H * N ->
  (H - L) * Rabs (alpha * M - beta * N)
  <= (H * alpha - beta) * (M - L * N) + (beta - L * alpha) * (H * N - M).
Proof.
  intros HLH H1 H2 H3 H4.
  assert (Id : (H - L) * (alpha * M - beta * N)
               = (H * alpha - beta) * (M - L * N) - (beta - L * alpha) * (H * N - M))
    by ring.
  assert (0 <= (H * alpha - beta) * (M - L * N)) by (apply Rmult_le_pos; lra).
  assert (0 <= (beta - L * alpha) * (H * N - M)) by (apply Rmult_le_pos; lra).
  rewrite <- (Rabs_right (H - L)) by lra. rewrite <- Rabs_mult, Id.
  apply Rabs_le; lra.
Qed.

(** tanh(ε/2)·(e^ε − e^{−ε}) = e^ε + e^{−ε} − 2. *)
Lemma tanh_half_identity (e : R) :
  tanh (e / 2) * (exp e - exp (- e)) = exp e + exp (- e) - 2.
Proof.
  rewrite tanh_exp_form.
  rewrite <- (exp_half_sq e).
  replace (- e) with (- (e / 2) + - (e / 2)) by field.
  rewrite exp_plus.
  set (r := exp (e / 2)); set (s := exp (- (e / 2))).
  assert (Hrs : r * s = 1)
    by (unfold r, s; rewrite <- exp_plus, Rplus_opp_r; apply exp_0).
  assert (0 < r) by apply exp_pos; assert (0 < s) by apply exp_pos.
  apply (Rmult_eq_reg_r (r + s)); [| lra].
  field_simplify; [| lra]. nra.
Qed.

Theorem lemma_3_3_tv (n : nat) (a b : nat -> R) (eps : R) :
  (0 < n)%nat ->
  (forall i, (i < n)%nat -> Rabs (a i - b i) <= eps) ->
  tv n (softmax n a) (softmax n b) <= tanh (eps / 2).
Proof.
  intros Hn Hab.
  assert (He : 0 <= eps) by (pose proof (Hab O Hn); pose proof (Rabs_pos (a O - b O)); lra).
  destruct (Req_dec eps 0) as [E0 | Enz].
  - (* ε = 0: a = b on 0 .. n-1, so TV = 0 = tanh 0 *)
    subst eps.
    rewrite (tv_ext n _ _ (softmax n a) (softmax n a)).
    + unfold tv. rewrite (sum_ext n _ (fun _ => 0 * 0)).
      * rewrite sum_scal_l.
        replace (tanh (0 / 2)) with 0
          by (unfold tanh, sinh, cosh; replace (0 / 2) with 0 by field;
              rewrite Ropp_0, exp_0; field).
        lra.
      * intros i _. rewrite Rminus_diag_eq, Rabs_R0 by reflexivity. ring.
    + intros; reflexivity.
    + (* |a_j − b_j| ≤ 0 gives b_j = a_j *)
      assert (Heq : forall j, (j < n)%nat -> b j = a j)
        by (intros j Hj; pose proof (abs_le_between _ _ (Hab j Hj)); lra).
      intros i Hi. unfold softmax. rewrite Heq by exact Hi. f_equal.
      apply sum_ext. intros j Hj. rewrite Heq by exact Hj. reflexivity.
  - rewrite tv_softmax by exact Hn.
    pose proof (exp_sum_pos n a Hn) as HN; pose proof (exp_sum_pos n b Hn) as HM.
    set (N := sum n (fun j => exp (a j))) in *.
    set (M := sum n (fun j => exp (b j))) in *.
    set (H := exp eps); set (L := exp (- eps)).
    assert (HLH : L * H = 1)
      by (unfold L, H; rewrite <- exp_plus, Rplus_opp_l; apply exp_0).
    assert (HLt : L < H) by (apply exp_lt_mono; lra).
    assert (0 < L) by apply exp_pos.
    (* termwise L·exp a_i ≤ exp b_i ≤ H·exp a_i, and summed L·N ≤ M ≤ H·N *)
    assert (Hterm : forall i, (i < n)%nat ->
              L * exp (a i) <= exp (b i) /\ exp (b i) <= H * exp (a i))
      by (intros i Hi; apply exp_ratio_bounds, Hab, Hi).
    assert (HLo : L * N <= M).
    { unfold N, M. rewrite <- sum_scal_l. apply sum_le. intros i Hi; apply Hterm, Hi. }
    assert (HHi : M <= H * N).
    { unfold N, M. rewrite <- sum_scal_l. apply sum_le. intros i Hi; apply Hterm, Hi. }
    (* summing the chord step: (H − L)·Σ|..| ≤ 2·(M − LN)(HN − M) *)
    assert (Hsum : (H - L) * sum n (fun i => Rabs (exp (a i) * M - exp (b i) * N))
                   <= 2 * ((M - L * N) * (H * N - M))).
    { rewrite <- sum_scal_l.
      apply Rle_trans with
        (sum n (fun i => (H * exp (a i) - exp (b i)) * (M - L * N)
                         + (exp (b i) - L * exp (a i)) * (H * N - M))).
      - apply sum_le. intros i Hi. destruct (Hterm i Hi).
        apply chord_term; lra.
      - right. rewrite sum_plus, !sum_scal_r, !sum_minus, !sum_scal_l.
        fold N M. ring. }
    (* (M − LN)(HN − M) = (H + L)NM − M² − N² ≤ (H + L − 2)·NM *)
    assert (Hq : (M - L * N) * (H * N - M) <= (H + L - 2) * (N * M)).
    { pose proof (pow2_ge_0 (N - M)). nra. }
    pose proof (tanh_half_identity eps) as Ht. fold H L in Ht.
    apply (Rmult_le_reg_l ((H - L) * (2 * (N * M)))).
    { apply Rmult_lt_0_compat; [lra | apply Rmult_lt_0_compat; [lra | nra]]. }
    replace ((H - L) * (2 * (N * M))
             * (sum n (fun i => Rabs (exp (a i) * M - exp (b i) * N)) / (2 * (N * M))))
      with ((H - L) * sum n (fun i => Rabs (exp (a i) * M - exp (b i) * N)))
      by (field; split; lra).
    replace ((H - L) * (2 * (N * M)) * tanh (eps / 2))
      with (2 * (N * M) * (tanh (eps / 2) * (H - L))) by ring.
    rewrite Ht. lra.
Qed.

(** The explicit constants of README's claims section. *)
Corollary lemma_3_3_h2_eps2 (n : nat) (a b : nat -> R) (eps : R) :
  (0 < n)%nat ->
  (forall i, (i < n)%nat -> Rabs (a i - b i) <= eps) ->
  hellinger2 n (softmax n a) (softmax n b) <= eps ^ 2 / 8.
Proof.
  intros Hn Hab. eapply Rle_trans; [apply lemma_3_3_h2; eassumption |].
  eapply Rle_trans; [apply sech_bound | right; field].
Qed.

Corollary lemma_3_3_tv_eps (n : nat) (a b : nat -> R) (eps : R) :
  (0 < n)%nat ->
  (forall i, (i < n)%nat -> Rabs (a i - b i) <= eps) ->
  tv n (softmax n a) (softmax n b) <= eps / 2.
Proof.
  intros Hn Hab.
  assert (0 <= eps) by (pose proof (Hab O Hn); pose proof (Rabs_pos (a O - b O)); lra).
  eapply Rle_trans; [apply lemma_3_3_tv; eassumption |].
  apply tanh_bound; lra.
Qed.
