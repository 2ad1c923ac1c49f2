/* spec/distance.h: ACSL logic of the distance unit (src/distance/distance.c):
 * the Lemma A.1 budgets h2max(eps) = 1 - sech(eps/4), tvmax(eps) =
 * tanh(eps/4), their cancellation-free closed forms in y = expm1(eps/4), and
 * the value model of the double-double (dd) chain bht_lemma_a1 runs.  ACSL
 * only, no C code (proofs/distance.mk force-includes it after
 * spec/bht_spec.h; it includes spec/paper_lemmas.h); its one axiomatic block states
 * the two Gappa-proved chain bounds (row G1 of proofs/TRUSTED_BASE.md), its
 * lemmas are proved by WP (`make proofs-distance-lemmas`, a run of its own:
 * WP proves no lemma in a run restricted to functions).  H^2, H and TV themselves (hellinger2, hellinger,
 * tv) and sech, tanh stay in spec/formulas.h, which proofs/coq/Acsl.v
 * transcribes line by line; this header includes it.
 *
 * The dd helpers are deterministic C functions of their arguments: the
 * uninterpreted logic functions below name the two doubles each returns
 * (an `admit ensures value` clause at each helper in distance.c says that
 * it returns them; proofs/TRUSTED_BASE.md, rows T4-T10).  Their accuracy
 * (JMP17 relative error bounds, admitted `accuracy` clauses, row T12,
 * tested against MPFR) and the Gappa chain bounds (G1) relate the named
 * chain to the closed forms, hence to the budgets (`h2_budget`,
 * `tv_budget` of bht_lemma_a1, proved). */
#ifndef BHT_SPEC_DISTANCE_H
#define BHT_SPEC_DISTANCE_H

#include "formulas.h"

/*@
  // Real-arithmetic steps, stated before any axiom of the unit (so that the
  // provers see only these when proving them): a quotient by d > 0.
  lemma div_mul_hint: \forall real x, d; 0 < d ==> (x / d) * d == x;
  lemma mul_le_cancel_hint: \forall real a, b, d; 0 < d ==> a * d <= b * d ==> a <= b;
  lemma div_nonneg: \forall real x, d; 0 < d ==> 0 <= x ==> 0 <= x / d;
  lemma div_le_one: \forall real x, d; 0 < d ==> x <= d ==> x / d <= 1;
  lemma div_unit_hint: \forall real x, d; 0 < d ==> 0 <= x <= d ==> 0 <= x / d <= 1;

  // |v - x| <= e |x|: v approximates x within a relative e.
  predicate rel_err(real v, real x, real e) = \abs(v - x) <= e * \abs(x);
  // Rounding a tight dd (h, l) to h: within 2^-53 (1 + 2^-52) of h + l.
  lemma rel_err_round_tight: \forall real h, l; 0 < h ==> \abs(l) <= 0x1p-53 * h ==>
    rel_err(h, h + l, 0x1.0000000000001p-53);
*/

#include "paper_lemmas.h"

/*@
  // Lemma A.1 (paper, appendix A): the budgets for an eps-shift of a
  // subset of the logits.
  logic real h2max(real eps) = 1 - sech(eps / 4);
  logic real tvmax(real eps) = tanh(eps / 4);

  // Their closed forms in y = expm1(eps/4), all terms positive (no
  // cancellation): h2max = y^2 / (1 + (1 + y)^2) (spec/paper_lemmas.h,
  // lemma_a1_identity, proved in Coq) and tvmax = w / (w + 2) with
  // w = y (y + 2) = expm1(eps/2).
  logic real lemma_a1_y(real eps) = \exp(eps / 4) - 1;
  logic real h2max_closed(real y) = y * y / (1 + (1 + y) * (1 + y));
  logic real tvmax_closed(real y) = y * (y + 2) / (y * (y + 2) + 2);

  // min(x, 1): the clamp of the output stages.
  logic real min1(real x) = x < 1 ? x : 1;

  axiomatic DistanceDdValues {
    // The pair (hi, lo) that dd_add / dd_mul / dd_div return for the dd
    // arguments (ah, al), (bh, bl); dd_sqrt's pair for (a, 0); dd_expm1's
    // pair for the double a (one argument: the overload of spec/dd.h's
    // two-argument dd_sqrt_hi/lo for a low part 0); two_prod's pair (RN(a b), a b - RN(a b));
    // dd_round_scaled's double for (hi, lo, scale); leading_term_rounded's
    // double; frexp's mantissa and exponent.  Real-valued functions of the
    // real values of the arguments; no axiom: only the admitted `value`
    // clauses of the helpers in distance.c mention them.
    // dd_add_hi/lo, dd_mul_hi/lo, dd_div_hi/lo: declared once in spec/dd.h.
    logic real dd_sqrt_hi(real a);
    logic real dd_sqrt_lo(real a);
    logic real dd_expm1_hi(real a);
    logic real dd_expm1_lo(real a);
    logic real two_prod_hi(real a, real b);
    logic real two_prod_lo(real a, real b);
    logic real dd_round_scaled_value(real hi, real lo, integer scale);
    logic real lead_rounded(real xh, real xl, integer scale);
    logic real frexp_mantissa(real x);
    logic integer frexp_exponent(real x);
  }

  // leading_term_rounded(x_hi, x_lo, scale) is proved to be, step by step,
  // lo = x_lo - x_hi 2^-120 (one rounding), (hi, lo) = Fast2Sum(x_hi, lo),
  // dd_round_scaled(hi, lo, scale): (x_hi + x_lo)(1 - 2^-120) 2^scale rounded
  // once (distance.c, `steps`).  For tiny eps = m 2^e (frexp, m in [1/2, 1))
  // bht_lemma_a1 returns lead_rounded(m^2 as the exact pair two_prod(m, m),
  // 2e - 5) ~ eps^2/32 and lead_rounded(m, 0, e - 2) ~ eps/4.

  // h2max: n = y^2, a = 1 + y, b = a^2, c = 1 + b, q = n / c.
  logic real a1_h2_q(real yh, real yl, boolean hi) =
    \let nh = dd_mul_hi(yh, yl, yh, yl); \let nl = dd_mul_lo(yh, yl, yh, yl);
    \let ah = dd_add_hi(1, 0, yh, yl);   \let al = dd_add_lo(1, 0, yh, yl);
    \let bh = dd_mul_hi(ah, al, ah, al); \let bl = dd_mul_lo(ah, al, ah, al);
    \let ch = dd_add_hi(1, 0, bh, bl);   \let cl = dd_add_lo(1, 0, bh, bl);
    hi ? dd_div_hi(nh, nl, ch, cl) : dd_div_lo(nh, nl, ch, cl);

  // tvmax: a = y + 2, w = y a, b = w + 2, q = w / b.
  logic real a1_tv_q(real yh, real yl, boolean hi) =
    \let ah = dd_add_hi(yh, yl, 2, 0);   \let al = dd_add_lo(yh, yl, 2, 0);
    \let wh = dd_mul_hi(yh, yl, ah, al); \let wl = dd_mul_lo(yh, yl, ah, al);
    \let bh = dd_add_hi(wh, wl, 2, 0);   \let bl = dd_add_lo(wh, wl, 2, 0);
    hi ? dd_div_hi(wh, wl, bh, bl) : dd_div_lo(wh, wl, bh, bl);

  // What bht_lemma_a1 returns for 2^-60 <= eps < 160 (h2max), < 80 (tvmax),
  // with (yh, yl) = dd_expm1(eps/4) (eps/4 exact): the dd quotient rounded
  // once (dd_round_scaled at scale 0), clamped at 1.
  // proofs/gappa/{h2max,tvmax}_dd_chain.gappa bound these chains, step by
  // step, within a relative 2^-53 + 2^-57 of h2max_closed(Y), tvmax_closed(Y),
  // Y = lemma_a1_y(eps).
  logic real a1_h2_value(real yh, real yl) =
    min1(dd_round_scaled_value(a1_h2_q(yh, yl, \true), a1_h2_q(yh, yl, \false), 0));
  logic real a1_tv_value(real yh, real yl) =
    min1(dd_round_scaled_value(a1_tv_q(yh, yl, \true), a1_tv_q(yh, yl, \false), 0));


  // The hypotheses of proofs/gappa/h2max_dd_chain.gappa and
  // tvmax_dd_chain.gappa, transcribed ((v - x)/x in [-e, e] is rel_err(v, x, e)
  // for x != 0): Y = expm1(eps/4) exactly, y its dd value, then one relative
  // error per dd step (the `accuracy` clauses of the helpers in distance.c)
  // and the final rounding r of the dd quotient q.
  predicate a1_h2_chain(real Y, real y, real n, real a, real b, real c, real q, real r) =
    0x1p-64 <= Y <= 0x1p59 && rel_err(y, Y, 0x1p-60) && rel_err(n, y * y, 0x1p-103)
    && rel_err(a, 1 + y, 0x1p-104) && rel_err(b, a * a, 0x1p-103)
    && rel_err(c, 1 + b, 0x1p-104) && rel_err(q, n / c, 0x1p-102)
    && rel_err(r, q, 0x1.0000000000001p-53);
  predicate a1_tv_chain(real Y, real y, real a, real w, real b, real q, real r) =
    0x1p-64 <= Y <= 0x1p59 && rel_err(y, Y, 0x1p-60) && rel_err(a, y + 2, 0x1p-104)
    && rel_err(w, y * a, 0x1p-103) && rel_err(b, w + 2, 0x1p-104)
    && rel_err(q, w / b, 0x1p-102) && rel_err(r, q, 0x1.0000000000001p-53);

  // Proved by Gappa (`make proofs-gappa` runs both scripts; their statements
  // are these two axioms, transcribed by hand: proofs/TRUSTED_BASE.md, G1).
  // SMT solvers cannot follow relative errors through seven steps; Gappa
  // does, with the rewriting hints in the scripts.
  axiomatic LemmaA1GappaChains {
    axiom a1_h2_chain_bound: \forall real Y, y, n, a, b, c, q, r;
      a1_h2_chain(Y, y, n, a, b, c, q, r) ==> rel_err(r, h2max_closed(Y), 0x1.1p-53);
    axiom a1_tv_chain_bound: \forall real Y, y, a, w, b, q, r;
      a1_tv_chain(Y, y, a, w, b, q, r) ==> rel_err(r, tvmax_closed(Y), 0x1.1p-53);
  }

  // The closed forms are the budgets (proved by WP from the Coq-proved
  // lemma_a1_identity and lemma_a1_tanh_form of spec/paper_lemmas.h).
  lemma exp_half_square: \forall real eps; \exp(eps / 2) == \exp(eps / 4) * \exp(eps / 4);
  lemma h2max_closed_form: \forall real eps; h2max(eps) == h2max_closed(lemma_a1_y(eps));
  lemma tvmax_closed_form: \forall real eps; tvmax(eps) == tvmax_closed(lemma_a1_y(eps));
  // Both closed forms lie in [0, 1] for y >= 0 (so the clamp at 1 keeps a
  // relative error bound).
  lemma h2max_closed_parts: \forall real y; 0 <= y ==>
    0 < 1 + (1 + y) * (1 + y) && 0 <= y * y <= 1 + (1 + y) * (1 + y);
  lemma h2max_closed_unit: \forall real y; 0 <= y ==> 0 <= h2max_closed(y) <= 1;
  lemma tvmax_closed_unit: \forall real y; 0 <= y ==> 0 <= tvmax_closed(y) <= 1;
  lemma min1_rel_err: \forall real r, x, e; 0 <= x <= 1 ==> rel_err(r, x, e) ==> rel_err(min1(r), x, e);
  // The clamp at 1 keeps the budget of h2max_closed / tvmax_closed.
  lemma h2max_min1_rel_err: \forall real r, y, e; 0 <= y ==>
    rel_err(r, h2max_closed(y), e) ==> rel_err(min1(r), h2max_closed(y), e);
  lemma tvmax_min1_rel_err: \forall real r, y, e; 0 <= y ==>
    rel_err(r, tvmax_closed(y), e) ==> rel_err(min1(r), tvmax_closed(y), e);
*/

#endif
