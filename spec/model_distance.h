/* spec/model_distance.h: Hellinger and total-variation distances between
 * two models at one query (paper Def. 2.4 applied to softmax(Ax),
 * softmax(Bx), and to the leverage distributions of A and B), as ACSL logic
 * (ACSL only; included by spec/bht_spec.h).  No lemma or axiom lives here.
 *
 * The kernels sum in double-double and hand their output stage the sums as
 * mantissa pairs with exponents; the definitions are the values rounded. */
#ifndef BHT_SPEC_MODEL_DISTANCE_H
#define BHT_SPEC_MODEL_DISTANCE_H

/*@
  // Softmax models: S_H = sum (sqrt p_i - sqrt q_i)^2 = (hh + hl) 2^He and
  // S_TV = sum |p_i - q_i| = (vh + vl) 2^Ve; H^2 = S_H / 2, TV = S_TV / 2,
  // H = sqrt(H^2).
  logic real softmax_models_h2(real hh, real hl, integer He) = dd_scaled(hh, hl, He - 1);
  logic real softmax_models_tv(real vh, real vl, integer Ve) = dd_scaled(vh, vl, Ve - 1);

  // Leverage models: 2 H^2 = (h2h + h2l) 2^e2 and 2 TV = (tvh + tvl) 2^et.
  logic real leverage_models_h2(real h2h, real h2l, integer e2) = dd_scaled(h2h, h2l, e2 - 1);
  logic real leverage_models_tv(real tvh, real tvl, integer et) = dd_scaled(tvh, tvl, et - 1);

  // H from H^2 within the root's budget: |H - sqrt(h2)| <= 2^-51 sqrt(h2)
  // + 2^-1073 (within 1 ulp of RN(sqrt(h2)), subnormal results included).
  predicate hellinger_of(real h, real h2) =
    \abs(h - \sqrt(h2)) <= 0x1p-51 * \sqrt(h2) + 0x1p-1073;

  // H from a dd H^2 = (h + l) 2^k as both kernels form it: the exponent made
  // even (the pair doubled by a C multiplication when k is odd: exact, as
  // the mantissas are at most 2^60), one dd square root
  // (dd_sqrt_hi/lo, error bound dd_sqrt_err of spec/dd.h), the root scaled
  // by 2^(k/2).  (h' + l') 2^(2 half_exponent(k)) == (h + l) 2^k, so the
  // value is sqrt((h + l) 2^k) up to dd_sqrt_err; the kernel rounds it once.
  logic double even_mantissa(double x, integer k) = k % 2 == 0 ? x : \mul_double(x, (double)2.0);
  logic integer half_exponent(integer k) = k % 2 == 0 ? k / 2 : (k - 1) / 2;
  logic real hellinger_root_value(double h, double l, integer k) =
    dd_scaled(dd_sqrt_hi(even_mantissa(h, k), even_mantissa(l, k)),
              dd_sqrt_lo(even_mantissa(h, k), even_mantissa(l, k)), half_exponent(k));

  // The direct Hellinger term (sqrt p - sqrt q)^2 = ((p - q) / (sqrt p +
  // sqrt q))^2 of two dd probabilities as the softmax kernel forms it: one
  // dd primitive per operation (spec/dd.h), each within its error bound
  // (dd_add_err, dd_sqrt_err, dd_div_err, dd_mul_err) of the exact
  // operation on its operands.  S = sqrt p + sqrt q, D = p - q, R = D / S.
  logic real direct_s_hi(double ph, double pl, double qh, double ql) =
    dd_add_hi(dd_sqrt_hi(ph, pl), dd_sqrt_lo(ph, pl), dd_sqrt_hi(qh, ql), dd_sqrt_lo(qh, ql));
  logic real direct_s_lo(double ph, double pl, double qh, double ql) =
    dd_add_lo(dd_sqrt_hi(ph, pl), dd_sqrt_lo(ph, pl), dd_sqrt_hi(qh, ql), dd_sqrt_lo(qh, ql));
  logic real direct_r_hi(double ph, double pl, double qh, double ql) =
    dd_div_hi(dd_add_hi(ph, pl, \neg_double(qh), \neg_double(ql)),
              dd_add_lo(ph, pl, \neg_double(qh), \neg_double(ql)),
              direct_s_hi(ph, pl, qh, ql), direct_s_lo(ph, pl, qh, ql));
  logic real direct_r_lo(double ph, double pl, double qh, double ql) =
    dd_div_lo(dd_add_hi(ph, pl, \neg_double(qh), \neg_double(ql)),
              dd_add_lo(ph, pl, \neg_double(qh), \neg_double(ql)),
              direct_s_hi(ph, pl, qh, ql), direct_s_lo(ph, pl, qh, ql));
  // The term pair: R^2 by dd_mul, or 0 when S rounds to 0 (p = q = 0).
  predicate direct_term_of(real th, real tl, double ph, double pl, double qh, double ql) =
    direct_s_hi(ph, pl, qh, ql) == 0 ? th == 0 && tl == 0 :
      th == dd_mul_hi(direct_r_hi(ph, pl, qh, ql), direct_r_lo(ph, pl, qh, ql),
                      direct_r_hi(ph, pl, qh, ql), direct_r_lo(ph, pl, qh, ql)) &&
      tl == dd_mul_lo(direct_r_hi(ph, pl, qh, ql), direct_r_lo(ph, pl, qh, ql),
                      direct_r_hi(ph, pl, qh, ql), direct_r_lo(ph, pl, qh, ql));
*/

#endif

/* ---- Part 1: the formulas over the reals (issue 14, item 1) ----
 * H^2 = (1/2) sum (sqrt p_i - sqrt q_i)^2, H = sqrt(H^2), TV = (1/2) sum
 * |p_i - q_i| between two models from their parameters (the definitions of
 * spec/formulas.h, which take the distributions as double arrays in
 * memory; here p and q are the real model_p of spec/leverage.h: softmax_ax
 * or leverage_pi of two parameter matrices).  softmax_models_h2/tv
 * approximate hellinger2/tv_softmax_models (bht_distance_softmax),
 * leverage_models_h2/tv approximate hellinger2/tv_leverage_models
 * (bht_distance_leverage); hellinger_root_value approximates the H of each.
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
#if defined(BHT_SPEC_FORMULAS) && defined(BHT_SPEC_SOFTMAX_H) && !defined(BHT_SPEC_MODEL_DISTANCE_FORMULAS)
#define BHT_SPEC_MODEL_DISTANCE_FORMULAS
#include "leverage.h"

/*@
  // ---- Part 1: between model kind (spec/leverage.h, model_p: 0 softmax,
  // 1 leverage) with parameters A and with parameters B, at the query q ----
  // 2 H^2 and 2 TV over the first k terms.
  logic real hellinger2_models_sum{L}(integer kind, double *A, double *B, double *q,
                                      integer n, integer d, integer k) =
    k <= 0 ? 0.0 :
      hellinger2_models_sum(kind, A, B, q, n, d, k - 1)
      + (\sqrt(model_p(kind, A, q, n, d, k - 1)) - \sqrt(model_p(kind, B, q, n, d, k - 1)))
        * (\sqrt(model_p(kind, A, q, n, d, k - 1)) - \sqrt(model_p(kind, B, q, n, d, k - 1)));
  logic real tv_models_sum{L}(integer kind, double *A, double *B, double *q, integer n,
                              integer d, integer k) =
    k <= 0 ? 0.0 :
      tv_models_sum(kind, A, B, q, n, d, k - 1)
      + \abs(model_p(kind, A, q, n, d, k - 1) - model_p(kind, B, q, n, d, k - 1));

  // softmax(A x) and softmax(B x) (bht_distance_softmax).
  logic real hellinger2_softmax_models{L}(double *A, double *B, double *x, integer n, integer d) =
    hellinger2_models_sum(0, A, B, x, n, d, n) / 2;
  logic real hellinger_softmax_models{L}(double *A, double *B, double *x, integer n, integer d) =
    \sqrt(hellinger2_softmax_models(A, B, x, n, d));
  logic real tv_softmax_models{L}(double *A, double *B, double *x, integer n, integer d) =
    tv_models_sum(0, A, B, x, n, d, n) / 2;

  // Leverage_A(s) and Leverage_B(s) (bht_distance_leverage).
  logic real hellinger2_leverage_models{L}(double *A, double *B, double *s, integer n, integer d) =
    hellinger2_models_sum(1, A, B, s, n, d, n) / 2;
  logic real hellinger_leverage_models{L}(double *A, double *B, double *s, integer n, integer d) =
    \sqrt(hellinger2_leverage_models(A, B, s, n, d));
  logic real tv_leverage_models{L}(double *A, double *B, double *s, integer n, integer d) =
    tv_models_sum(1, A, B, s, n, d, n) / 2;
*/
#endif
