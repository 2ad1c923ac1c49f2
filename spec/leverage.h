/* spec/leverage.h: leverage scores (paper Def. 2.7): h_ii = a_i^T (A^T A)^-1
 * a_i and p_i = h_ii / d, as ACSL logic (ACSL only; included by
 * spec/bht_spec.h).  No lemma or axiom lives here.
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
*/

#endif
