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
*/

#endif
