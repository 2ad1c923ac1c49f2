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
*/

#endif
