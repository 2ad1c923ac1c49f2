/* spec/leverage.h: leverage scores (paper Def. 2.7): h_ii = a_i^T (A^T A)^-1
 * a_i and p_i = h_ii / d, as ACSL logic (ACSL only; included by
 * spec/bht_spec.h).  No lemma; one axiom (part 1, at the end: V1).
 *
 * h_ii lies in [0, 1] and sum_i h_ii = d (rank d), so p is a distribution;
 * the kernel clamps each rounded output to that range (a NaN stays NaN). */
#ifndef BHT_SPEC_LEVERAGE_H
#define BHT_SPEC_LEVERAGE_H

/*@
  // The clamp to the mathematical range [0, 1] of h_ii and p_i.
  logic real clamp_unit(real x) = x < 0 ? 0 : (x > 1 ? 1 : x);

  // h_ii = ||q_i||^2 2^(2 qe) (q_i the i-th row of the scaled orthonormal
  // factor, summed in dd as hh + hl) and p_i = h_ii / d (the dd quotient
  // ph + pl): the values the output stage rounds.
  logic real leverage_h(real hh, real hl, integer qe) = dd_scaled(hh, hl, 2 * qe);
  logic real leverage_p(real ph, real pl, integer qe) = dd_scaled(ph, pl, 2 * qe);

  // The kernel's row stage: the dd sum of squares hh + hl of the row of Q
  // (mantissas, exponent qe; renormalized by TwoSum), divided by d with
  // one dd_div (error bound dd_div_err, spec/dd.h); p_i = RN of that
  // quotient scaled by 2^(2 qe), h_ii = RN((hh + hl) 2^(2 qe)).
  logic real leverage_row_p(real hh, real hl, real d, integer qe) =
    leverage_p(dd_div_hi(hh, hl, d, 0.0), dd_div_lo(hh, hl, d, 0.0), qe);
  logic real leverage_row_h(real hh, real hl, integer qe) = leverage_h(hh, hl, qe);

  // Exactly d nonzero rows of rank d: h_ii = 1 and p_i = 1/d (the high part
  // of the dd quotient, within dd_div_err of 1/d), 0 for a zero row.
  logic real leverage_unit_p(real d) = dd_div_hi(1.0, 0.0, d, 0.0);
*/

#endif

/* ---- Part 1: the formulas over the reals (issue 14, item 1) ----
 * Leverage scores (paper Def. 2.9) from A and s: A_s = Diag(s)^-1 A, the Gram
 * matrix G = A_s^T A_s, z_i = G^-1 a_s,i (the one axiom of bht's spec/
 * headers, lev_z_solves, row V1 of proofs/TRUSTED_BASE.md), h_ii =
 * a_s,i^T z_i, p_i = h_ii / d.  leverage_h / leverage_row_h approximate
 * leverage_hii, leverage_p / leverage_row_p / leverage_unit_p approximate
 * leverage_pi (bht_leverage); that hh + hl is ||q_i||^2 of the QR factor,
 * i.e. h_ii up to the QR's error, is not proved (proofs/COVERAGE.md).
 * The definitions above (part 2) are the rounded double-double values the
 * output stages round; they approximate the part 1 formulas named in the
 * comment of each part 1 definition below.  Part 1 is compiled only where
 * BHT_SPEC_FORMULAS is defined and spec/softmax.h has been included before
 * this header is included (again) (proofs/lemmas/lemmas.mk: the lemma unit
 * and the type-check step of `make proofs-lemmas`), outside the include
 * guard above: it uses softmax(A x) of
 * spec/softmax.h (softmax_ax, logit_ax over reg_* of spec/regression.h),
 * which only the root unit force-includes (its dd-pipeline declarations
 * must stay out of the other units), and this keeps every existing unit's
 * ACSL text, hence its goals and committed cache, unchanged.  A unit whose
 * contracts use part 1 defines BHT_SPEC_FORMULAS in its CPPFLAGS and
 * force-includes spec/softmax.h, then this header, after spec/bht_spec.h. */
#if defined(BHT_SPEC_FORMULAS) && defined(BHT_SPEC_SOFTMAX_H) && !defined(BHT_SPEC_LEVERAGE_FORMULAS)
#define BHT_SPEC_LEVERAGE_FORMULAS

/*@
  // A is n-by-d row-major (A[i * d + j]); s has n entries, s == \null
  // meaning all ones (as bht_leverage).  Division by s_i is exact real
  // division (bht requires s_i != 0).
  logic real lev_s{L}(double *s, integer i) = s == \null ? 1.0 : s[i];

  // (A_s)_ij = A_ij / s_i; with M for A it is (M_s)_ij (spec/nu.h).
  logic real lev_scaled{L}(double *A, double *s, integer d, integer i, integer j) =
    A[i * d + j] / lev_s(s, i);

  // (A_s^T B_s)_jl summed over the rows r < k: the Gram matrix
  // G = A_s^T A_s is lev_cross_sum(A, A, s, d, j, l, n); spec/nu.h uses
  // N = A_s^T M_s = lev_cross_sum(A, M, s, d, j, l, n).
  logic real lev_cross_sum{L}(double *A, double *B, double *s, integer d,
                              integer j, integer l, integer k) =
    k <= 0 ? 0.0 :
      lev_cross_sum(A, B, s, d, j, l, k - 1)
      + lev_scaled(A, s, d, k - 1, j) * lev_scaled(B, s, d, k - 1, l);
  logic real lev_gram{L}(double *A, double *s, integer n, integer d, integer j, integer l) =
    lev_cross_sum(A, A, s, d, j, l, n);

  // z_i = G^-1 a_s,i (a_s,i the i-th row of A_s, as a column), defined by
  // the linear system it solves: G z_i = a_s,i.  The axiom is consistent for
  // EVERY A and s (every memory state, n, d, i): G = A_s^T A_s, and a_s,i =
  // A_s^T e_i lies in range(A_s^T) = range(A_s^T A_s) = range(G), so a
  // solution exists (e.g. G^+ a_s,i); a model of lev_z picks one per
  // (state, A, s, n, d, i).  When rank A = d (bht's domain: the kernel and
  // the oracle refuse otherwise) G is invertible and z_i = G^-1 a_s,i is
  // unique.  Without full rank z_i is not unique, but h_ii = a_s,i^T z_i
  // still is (two solutions differ by v with G v = 0, i.e. A_s v = 0, so
  // a_s,i^T v = (A_s v)_i = 0): h_ii is then the i-th diagonal entry of the
  // orthogonal projector on range(A_s).  Trusted, not proved: row V1 of
  // proofs/TRUSTED_BASE.md, tested against an MPFR solve in
  // tests/proofs/test_trusted_formulas.c.
  axiomatic LeverageSolution {
    // z depends on the memory state through A and s (the reads clause: without
    // it WP would take lev_z as reading nothing, and the axiom, which holds
    // in each state, would be false across states).
    logic real lev_z{L}(double *A, double *s, integer n, integer d, integer i, integer k)
      reads A[0 .. n * d - 1], s[0 .. n - 1];

    // (G z_i)_j summed over k < m.
    logic real lev_gram_z_sum{L}(double *A, double *s, integer n, integer d,
                                 integer i, integer j, integer m) =
      m <= 0 ? 0.0 :
        lev_gram_z_sum(A, s, n, d, i, j, m - 1)
        + lev_gram(A, s, n, d, j, m - 1) * lev_z(A, s, n, d, i, m - 1);

    axiom lev_z_solves{L}:
      \forall double *A, *s, integer n, d, i, j;
        0 <= i < n ==> 0 <= j < d ==>
        lev_gram_z_sum(A, s, n, d, i, j, d) == lev_scaled(A, s, d, i, j);
  }

  // b_s,i^T z_k summed over j < m (row i of B_s = Diag(s)^-1 B, z_k of A):
  // with B = A, k = i it gives h_ii; spec/nu.h uses B = M.
  logic real lev_row_z_sum{L}(double *B, double *A, double *s, integer n, integer d,
                              integer i, integer k, integer m) =
    m <= 0 ? 0.0 :
      lev_row_z_sum(B, A, s, n, d, i, k, m - 1)
      + lev_scaled(B, s, d, i, m - 1) * lev_z(A, s, n, d, k, m - 1);

  // The leverage score h_ii = a_s,i^T G^-1 a_s,i = (A_s G^-1 A_s^T)_ii.
  logic real leverage_hii{L}(double *A, double *s, integer n, integer d, integer i) =
    lev_row_z_sum(A, A, s, n, d, i, i, d);

  // The leverage model's probability p_i = h_ii / d (paper Def. 2.9).
  logic real leverage_pi{L}(double *A, double *s, integer n, integer d, integer i) =
    leverage_hii(A, s, n, d, i) / d;

  // sum_{i < k} h_ii (= d for k = n when rank A = d: sum_i h_ii = tr(H) =
  // rank; tested, not proved).
  logic real leverage_hii_sum{L}(double *A, double *s, integer n, integer d, integer k) =
    k <= 0 ? 0.0 : leverage_hii_sum(A, s, n, d, k - 1) + leverage_hii(A, s, n, d, k - 1);

  // Both models' output distributions under one name, so that the
  // definitions over a model (nu in spec/nu.h, the distances in
  // spec/model_distance.h) are written once: kind 0 is SoftMax_A at the
  // query x = q (softmax_ax, spec/softmax.h), kind 1 is Leverage_A at the
  // query s = q (leverage_pi).
  logic real model_p{L}(integer kind, double *A, double *q, integer n, integer d, integer i) =
    kind == 0 ? softmax_ax(A, q, n, d, i) : leverage_pi(A, q, n, d, i);
*/
#endif
