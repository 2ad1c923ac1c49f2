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
