/* proofs/lemmas/hellinger2_le_tv.c: WP proves hellinger2_le_tv of
 * spec/paper_lemmas.h from the definitions of spec/formulas.h alone (this
 * unit does not include spec/paper_lemmas.h, so nothing is assumed).
 *
 * WP has no induction over the length n, so the statement is the contract
 * of a lemma function whose loop carries the induction (ACSL by Example
 * style): for every int n >= 0 and all arrays p, q,
 * is_dist(p, n) && is_dist(q, n) ==> hellinger2(p, q, n) <= tv(p, q, n).
 * For n < 0 the axiom's hypotheses are false (an empty sum is 0, not 1).
 * The full statement, for every integer n, is proved in Coq
 * (proofs/coq/Distances.v and Acsl.v).  Never compiled into the library. */

/*@
  // Why3's sqrt axioms, in the form used below.
  lemma sqrt_nonneg: \forall real x; 0 <= x ==> 0 <= \sqrt(x);
  lemma sqrt_sq: \forall real x; 0 <= x ==> \sqrt(x) * \sqrt(x) == x;

  // (a - b)^2 = |a - b| |a - b| <= |a - b| (a + b) = |a^2 - b^2| for a, b >= 0.
  lemma diff_sq_le_abs: \forall real a, b; 0 <= a ==> 0 <= b ==>
    (a - b) * (a - b) <= \abs(a * a - b * b);

  // The term of H^2, named: the provers instantiate a lemma at array
  // elements (doubles) through a named function, not through \sqrt.
  logic real sqrt_gap(real x, real y) = (\sqrt(x) - \sqrt(y)) * (\sqrt(x) - \sqrt(y));

  // The term of H^2 is at most the term of TV (a = sqrt x, b = sqrt y).
  lemma sqrt_gap_le_abs: \forall real x, y; 0 <= x ==> 0 <= y ==>
    sqrt_gap(x, y) <= \abs(x - y);

  // One more term of each sum (the recursive definitions, unfolded once).
  lemma hellinger2_sum_next{L}: \forall double *p, *q, integer k; 0 <= k ==>
    hellinger2_sum(p, q, k + 1) == hellinger2_sum(p, q, k) + sqrt_gap(p[k], q[k]);
  lemma tv_sum_next{L}: \forall double *p, *q, integer k; 0 <= k ==>
    tv_sum(p, q, k + 1) == tv_sum(p, q, k) + \abs(p[k] - q[k]);

  // The induction step, stated with the sums of spec/formulas.h (WP gives
  // a function's goals only the lemmas that mention its logic symbols).
  lemma hellinger2_le_tv_step{L}: \forall double *p, *q, integer k;
    0 <= k ==> 0 <= p[k] ==> 0 <= q[k] ==>
    hellinger2_sum(p, q, k + 1) - hellinger2_sum(p, q, k)
      <= tv_sum(p, q, k + 1) - tv_sum(p, q, k);
*/

/*@ requires 0 <= n;
    requires is_dist(p, n) && is_dist(q, n);
    assigns \nothing;
    ensures hellinger2(p, q, n) <= tv(p, q, n); */
void hellinger2_le_tv_by_induction(const double *p, const double *q, int n)
{
    /*@ loop invariant 0 <= k <= n;
        loop invariant hellinger2_sum(p, q, k) <= tv_sum(p, q, k);
        loop assigns k;
        loop variant n - k; */
    for (int k = 0; k < n; k++) {
        //@ assert 0 <= p[k] && 0 <= q[k];
    }
}
