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
