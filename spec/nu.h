/* spec/nu.h: the local analysis (paper Thm 4.3 and App. A.3-A.4): nu and
 * the local constants of both models, as ACSL logic definitions (ACSL only;
 * included by spec/bht_spec.h).  No lemma or axiom lives here.
 *
 * The double kernels (src/nu/) evaluate nu in double-double and hand their
 * output stage a mantissa pair and an exponent; the definitions below are
 * the values the output stages round (spec/dd.h: dd_scaled). */
#ifndef BHT_SPEC_NU_H
#define BHT_SPEC_NU_H

/*@
  // Softmax model: nu = Var_p(M x) = sum_i p_i (g_i - <p, g>)^2, delivered
  // as (vh + vl) 2^E.
  logic real nu_softmax(real vh, real vl, integer E) = dd_scaled(vh, vl, E);

  // Softmax model: the local constant nu / 8 (paper Thm 4.3: the second
  // derivative of H^2 along the path is at most nu / 8).  2^(E-3) = 2^E / 8
  // exactly, so this is nu_softmax(vh, vl, E) / 8 with the division folded
  // into the exponent, which is what the kernel rounds.
  logic real local_constant_softmax(real vh, real vl, integer E) = dd_scaled(vh, vl, E - 3);

  // Leverage model: nu and its local constant, each delivered by the dd
  // evaluation (src/nu/local_leverage.c) as a mantissa pair and exponent.
  logic real nu_leverage(real nh, real nl, integer ne) = dd_scaled(nh, nl, ne);
  logic real local_constant_leverage(real lh, real ll, integer le) = dd_scaled(lh, ll, le);

  // Leverage model, output stage of bht_nu_leverage: nu = S / d and the
  // local constant L = (S + Z) / (2 d) (L = nu / 2 + Z / (2 d)), S and S + Z
  // the dd sums (mantissa pair h + l, exponent e) and dv = d (or 2 d) as a
  // double: one dd_div by (dv, 0) (error bound dd_div_err, spec/dd.h), a
  // negative quotient (not expected) clamped to 0, the exponent floored at
  // -100000 (2^-100000 times a quotient below 2^1001 rounds to 0 anyway).
  logic real nu_leverage_quotient(real h, real l, real dv, integer e) =
    dd_div_hi(h, l, dv, 0.0) < 0 ? 0 :
      dd_scaled(dd_div_hi(h, l, dv, 0.0), dd_div_lo(h, l, dv, 0.0), e < -100000 ? -100000 : e);

  // Softmax model, fast path: one term p_i dev_i^2 of nu as the kernel
  // forms it, with p_i = (ph + pl) 2^pe and dev_i = (dh + dl) 2^e (the
  // mantissa scaled into [1/2, 1)): u = the mantissa squared by one dd_mul,
  // then p times u by one dd_mul (each within dd_mul_err of the exact
  // product, spec/dd.h), exponent pe + 2 e.  So (th + tl) 2^te is p_i dev_i^2
  // up to two dd_mul errors.
  predicate nu_term_of(real th, real tl, integer te, real ph, real pl, integer pe,
                       real dh, real dl, integer e) =
    th == dd_mul_hi(ph, pl, dd_mul_hi(dh, dl, dh, dl), dd_mul_lo(dh, dl, dh, dl)) &&
    tl == dd_mul_lo(ph, pl, dd_mul_hi(dh, dl, dh, dl), dd_mul_lo(dh, dl, dh, dl)) &&
    te == pe + 2 * e;

  // Softmax model: the derivative component dq_i/deps = p_i dev_i with
  // p_i = (ph + pl) 2^pe and dev_i = dh + dl: one dd_mul (dd_mul_err), then
  // one rounding of the product scaled by 2^pe.
  logic real nu_derivative_value(real ph, real pl, integer pe, real dh, real dl) =
    dd_scaled(dd_mul_hi(ph, pl, dh, dl), dd_mul_lo(ph, pl, dh, dl), pe);
*/

#endif

/* ---- Part 1: the formulas over the reals (issue 14, item 1) ----
 * nu, the local constants and the derivative components of both models
 * from A, M and the query (paper Thm 3.5, 4.3, App. A.3-A.4), with the
 * constants of bht.h, checked by `bht claims` against finite differences of
 * the oracle (the paper's A.3 prints H^2 = eps^2 nu / 2; A.4 omits 1/d in
 * dq_i/deps and prints the constant 1 instead of 1/2); the mean and the
 * variance are written once for both models, over model_p of
 * spec/leverage.h.  Softmax model (bht_nu_softmax, store_nu): nu_softmax
 * approximates nu_softmax_formula, local_constant_softmax approximates
 * local_constant_softmax_formula (= nu_softmax(vh, vl, E) / 8 as reals:
 * 2^(E-3) = 2^E / 8; not proved by WP here, see model_formulas.c),
 * nu_derivative_value approximates nu_softmax_derivative, nu_term_of is a
 * term of model_spread_sum (kind 0).  Leverage model (bht_nu_leverage):
 * nu_leverage and nu_leverage_quotient(S) approximate nu_leverage_formula
 * (the kernel's S / d is nu_leverage_moment), local_constant_leverage and
 * nu_leverage_quotient(S + Z) approximate local_constant_leverage_formula.
 * That the dd sums before these stages are within their budgets of the
 * formulas is tested against the oracles, not proved (proofs/COVERAGE.md).
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
#if defined(BHT_SPEC_FORMULAS) && defined(BHT_SPEC_SOFTMAX_H) && !defined(BHT_SPEC_NU_FORMULAS)
#define BHT_SPEC_NU_FORMULAS
#include "leverage.h"

/*@
  // B_eps = A + eps M.
  // A and M are n-by-d row-major.  Softmax model (kind 0 of model_p,
  // spec/leverage.h) at the query x: p = softmax(A x) (softmax_ax,
  // spec/softmax.h), g = M x (g_i = logit_ax(M, x, d, i)).  Leverage model
  // (kind 1) at the query s: A_s, M_s, G, z_i = G^-1 a_s,i, h_ii,
  // p_i = h_ii / d of spec/leverage.h; with H = A_s G^-1 A_s^T and
  // N = A_s^T M_s,
  //   W = (I - H) M_s G^-1 A_s^T,  W_ii = m_s,i^T z_i - z_i^T N z_i
  // (H_ik = z_i^T a_s,k, so sum_k H_ik m_s,k^T z_i = z_i^T N z_i).

  // (N z_i)_j summed over l < m, then z_i^T N z_i summed over j < m.
  logic real nu_lev_nz_sum{L}(double *A, double *M, double *s, integer n, integer d,
                              integer i, integer j, integer m) =
    m <= 0 ? 0.0 :
      nu_lev_nz_sum(A, M, s, n, d, i, j, m - 1)
      + lev_cross_sum(A, M, s, d, j, m - 1, n) * lev_z(A, s, n, d, i, m - 1);
  logic real nu_lev_znz_sum{L}(double *A, double *M, double *s, integer n, integer d,
                               integer i, integer m) =
    m <= 0 ? 0.0 :
      nu_lev_znz_sum(A, M, s, n, d, i, m - 1)
      + lev_z(A, s, n, d, i, m - 1) * nu_lev_nz_sum(A, M, s, n, d, i, m - 1, d);

  // W_ii.
  logic real nu_leverage_W{L}(double *A, double *M, double *s, integer n, integer d,
                              integer i) =
    lev_row_z_sum(M, A, s, n, d, i, i, d) - nu_lev_znz_sum(A, M, s, n, d, i, d);

  // w_s,i = W_ii / h_ii, 0 where h_ii = 0 (a zero row a_i, rank d).
  logic real nu_leverage_w{L}(double *A, double *M, double *s, integer n, integer d,
                              integer i) =
    leverage_hii(A, s, n, d, i) == 0 ? 0.0 :
      nu_leverage_W(A, M, s, n, d, i) / leverage_hii(A, s, n, d, i);

  // The quantity whose variance is nu, at row i: g_i (kind 0, q = x) or
  // w_s,i (kind 1, q = s).
  logic real model_value{L}(integer kind, double *A, double *M, double *q, integer n,
                            integer d, integer i) =
    kind == 0 ? logit_ax(M, q, d, i) : nu_leverage_w(A, M, q, n, d, i);

  // E_p[value] over the first k terms: sum_{i < k} p_i value_i.
  logic real model_mean_sum{L}(integer kind, double *A, double *M, double *q, integer n,
                               integer d, integer k) =
    k <= 0 ? 0.0 :
      model_mean_sum(kind, A, M, q, n, d, k - 1)
      + model_p(kind, A, q, n, d, k - 1) * model_value(kind, A, M, q, n, d, k - 1);

  // sum_{i < k} p_i (value_i - c)^2: Var_p(value) for c = E_p[value].
  logic real model_spread_sum{L}(integer kind, double *A, double *M, double *q, integer n,
                                 integer d, real c, integer k) =
    k <= 0 ? 0.0 :
      model_spread_sum(kind, A, M, q, n, d, c, k - 1)
      + model_p(kind, A, q, n, d, k - 1)
        * ((model_value(kind, A, M, q, n, d, k - 1) - c)
           * (model_value(kind, A, M, q, n, d, k - 1) - c));

  // -- Softmax model (paper Thm 3.5, App. A.3; bht_nu_softmax) --
  // <p, g> and the deviation g_i - <p, g>.
  logic real nu_softmax_mean{L}(double *A, double *M, double *x, integer n, integer d) =
    model_mean_sum(0, A, M, x, n, d, n);
  logic real nu_softmax_dev{L}(double *A, double *M, double *x, integer n, integer d,
                               integer i) =
    model_value(0, A, M, x, n, d, i) - nu_softmax_mean(A, M, x, n, d);

  // The derivative component dq_i/deps at eps = 0, q = softmax(B_eps x):
  // p_i (g_i - <p, g>) (paper eq. 4).
  logic real nu_softmax_derivative{L}(double *A, double *M, double *x, integer n, integer d,
                                      integer i) =
    softmax_ax(A, x, n, d, i) * nu_softmax_dev(A, M, x, n, d, i);

  // nu = Var_p(g) = sum_i p_i (g_i - <p, g>)^2.
  logic real nu_softmax_formula{L}(double *A, double *M, double *x, integer n, integer d) =
    model_spread_sum(0, A, M, x, n, d, nu_softmax_mean(A, M, x, n, d), n);

  // The local constant L = lim_{eps -> 0} H^2(P_A(x), P_{B_eps}(x)) / eps^2
  // = nu / 8 (bht.h; `bht claims` measures 1/8 where the paper prints 1/2).
  logic real local_constant_softmax_formula{L}(double *A, double *M, double *x, integer n,
                                               integer d) =
    nu_softmax_formula(A, M, x, n, d) / 8;

  // Why nu / 8: sqrt(q_i) = sqrt(p_i) + eps dq_i / (2 sqrt(p_i)) + O(eps^2),
  // so H^2 = (1/2) sum (sqrt p_i - sqrt q_i)^2 = (eps^2 / 8) sum dq_i^2 / p_i
  // + O(eps^3): L is 1/8 of the Fisher sum below (every p_i > 0: WP,
  // proofs/lemmas/model_formulas.c, softmax_positive), and the Fisher sum
  // is nu term by term, (p t)((p t) / p) = p t^2 (not proved by WP here:
  // see model_formulas.c; tested), i.e. L = fisher / 8 = nu / 8.
  logic real nu_softmax_fisher_sum{L}(double *A, double *M, double *x, integer n, integer d,
                                      integer k) =
    k <= 0 ? 0.0 :
      nu_softmax_fisher_sum(A, M, x, n, d, k - 1)
      + nu_softmax_derivative(A, M, x, n, d, k - 1)
        * (nu_softmax_derivative(A, M, x, n, d, k - 1) / softmax_ax(A, x, n, d, k - 1));

  // -- Leverage model (paper Thm 4.3, App. A.4; bht_nu_leverage) --
  // The derivative component dq_i/deps at eps = 0: 2 W_ii / d (the paper's
  // A.4 omits the 1/d; `bht claims`).
  logic real nu_leverage_derivative{L}(double *A, double *M, double *s, integer n, integer d,
                                       integer i) =
    2 * nu_leverage_W(A, M, s, n, d, i) / d;

  // nu = Var_p(w_s) = sum_i p_i (w_s,i - E_p[w_s])^2 (paper, App. A.4).
  logic real nu_leverage_mean{L}(double *A, double *M, double *s, integer n, integer d) =
    model_mean_sum(1, A, M, s, n, d, n);
  logic real nu_leverage_formula{L}(double *A, double *M, double *s, integer n, integer d) =
    model_spread_sum(1, A, M, s, n, d, nu_leverage_mean(A, M, s, n, d), n);

  // The kernel's form of nu: sum_i p_i w_s,i^2 = (1/d) sum_{h_ii != 0}
  // W_ii^2 / h_ii.  Equal to nu_leverage_formula when rank A = d, because
  // E_p[w_s] = tr(W) / d = 0 (A_s^T (I - H) = 0): tested
  // (tests/proofs/test_trusted_formulas.c), not proved.
  logic real nu_leverage_moment{L}(double *A, double *M, double *s, integer n, integer d) =
    model_spread_sum(1, A, M, s, n, d, 0.0, n);

  // m_s,i^T G^-1 m_s,i for rank A = d, as sum_k (m_s,i^T z_k)^2 (summed
  // over k < m): G^-1 = G^-1 G G^-1 = sum_k z_k z_k^T.  (This is the code's
  // |y_i|^2, Y = M_s T^-1 with A_s = Q T.)
  logic real nu_lev_mgm_sum{L}(double *A, double *M, double *s, integer n, integer d,
                               integer i, integer m) =
    m <= 0 ? 0.0 :
      nu_lev_mgm_sum(A, M, s, n, d, i, m - 1)
      + lev_row_z_sum(M, A, s, n, d, i, m - 1, d) * lev_row_z_sum(M, A, s, n, d, i, m - 1, d);

  // Z = sum_{h_ii = 0} m_s,i^T G^-1 m_s,i over the first k rows: a zero row
  // has q_i(eps) = eps^2 m_s,i^T G^-1 m_s,i / d + O(eps^3), which enters
  // H^2 at order eps^2 but not nu.
  logic real nu_lev_zero_rows_sum{L}(double *A, double *M, double *s, integer n, integer d,
                                     integer k) =
    k <= 0 ? 0.0 :
      nu_lev_zero_rows_sum(A, M, s, n, d, k - 1)
      + (leverage_hii(A, s, n, d, k - 1) == 0 ? nu_lev_mgm_sum(A, M, s, n, d, k - 1, n) : 0.0);

  // The local constant as the code computes it (bht.h):
  // L = lim H^2 / eps^2 = nu / 2 + Z / (2 d) (the paper prints nu).
  logic real local_constant_leverage_formula{L}(double *A, double *M, double *s, integer n,
                                                integer d) =
    nu_leverage_formula(A, M, s, n, d) / 2 + nu_lev_zero_rows_sum(A, M, s, n, d, n) / (2 * d);

  // Why nu / 2: for h_ii != 0 the term of H^2 is (eps^2 / 8) dq_i^2 / p_i
  // (as for softmax); over the first k rows the Fisher sum below is 4 times
  // model_spread_sum(1, ..., 0.0, k) (term by term: (2W/d)((2W/d)/(h/d))
  // = 4 (h/d)(W/h)^2; not proved by WP here, see
  // proofs/lemmas/model_formulas.c), so L = moment / 2 + Z / (2 d).
  logic real nu_leverage_fisher_sum{L}(double *A, double *M, double *s, integer n, integer d,
                                       integer k) =
    k <= 0 ? 0.0 :
      nu_leverage_fisher_sum(A, M, s, n, d, k - 1)
      + (leverage_hii(A, s, n, d, k - 1) == 0 ? 0.0 :
           nu_leverage_derivative(A, M, s, n, d, k - 1)
           * (nu_leverage_derivative(A, M, s, n, d, k - 1) / leverage_pi(A, s, n, d, k - 1)));
*/
#endif
