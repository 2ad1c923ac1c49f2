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
