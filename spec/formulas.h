/* spec/formulas.h: the paper's formulas as ACSL logic definitions, written
 * once for every contract (ACSL only, no C code; force-include it with
 * -include like spec/bht_spec.h).
 *
 * Vectors are `double *` arrays read in the current memory state; their
 * elements are real numbers in annotations, and + - * / are exact real
 * operations.  Sums are recursive over the length, in the style of ACSL by
 * Example: f(n) = n <= 0 ? 0 : f(n - 1) + term(n - 1).
 *
 * proofs/coq/Acsl.v transcribes every definition below into Coq, line by
 * line, and proves the statements of spec/paper_lemmas.h about them; see
 * proofs/coq/README.md.  No lemma or axiom lives here. */
#ifndef BHT_FORMULAS_H
#define BHT_FORMULAS_H

/*@
  // sech and tanh through \exp alone: WP knows \cosh and \tanh by name only,
  // while \exp comes with exp(x + y) = exp(x) exp(y) and exp(x) > 0.
  logic real sech(real x) = 2 / (\exp(x) + \exp(-x));
  logic real tanh(real x) = (\exp(x) - \exp(-x)) / (\exp(x) + \exp(-x));

  // p[0] + ... + p[n-1]
  logic real vector_sum{L}(double *p, integer n) =
    n <= 0 ? 0 : vector_sum(p, n - 1) + p[n - 1];

  // p[0 .. n-1] is a probability distribution.
  predicate is_dist{L}(double *p, integer n) =
    (\forall integer i; 0 <= i < n ==> 0 <= p[i]) && vector_sum(p, n) == 1;

  // Squared Hellinger distance H^2 = (1/2) sum (sqrt p_i - sqrt q_i)^2.
  logic real hellinger2_sum{L}(double *p, double *q, integer n) =
    n <= 0 ? 0 :
      hellinger2_sum(p, q, n - 1)
      + (\sqrt(p[n - 1]) - \sqrt(q[n - 1])) * (\sqrt(p[n - 1]) - \sqrt(q[n - 1]));
  logic real hellinger2{L}(double *p, double *q, integer n) = hellinger2_sum(p, q, n) / 2;
  logic real hellinger{L}(double *p, double *q, integer n) = \sqrt(hellinger2(p, q, n));

  // Total variation distance TV = (1/2) sum |p_i - q_i|.
  logic real tv_sum{L}(double *p, double *q, integer n) =
    n <= 0 ? 0 : tv_sum(p, q, n - 1) + \abs(p[n - 1] - q[n - 1]);
  logic real tv{L}(double *p, double *q, integer n) = tv_sum(p, q, n) / 2;

  // softmax over the logits a[0 .. n-1]: exp(a_i) / sum_j exp(a_j).
  logic real exp_sum{L}(double *a, integer n) =
    n <= 0 ? 0 : exp_sum(a, n - 1) + \exp(a[n - 1]);
  logic real softmax{L}(double *a, integer n, integer i) = \exp(a[i]) / exp_sum(a, n);

  // H^2 and TV between softmax(a) and softmax(b), both of length n
  // (k counts the terms summed so far).
  logic real hellinger2_softmax_sum{L}(double *a, double *b, integer n, integer k) =
    k <= 0 ? 0 :
      hellinger2_softmax_sum(a, b, n, k - 1)
      + (\sqrt(softmax(a, n, k - 1)) - \sqrt(softmax(b, n, k - 1)))
        * (\sqrt(softmax(a, n, k - 1)) - \sqrt(softmax(b, n, k - 1)));
  logic real hellinger2_softmax{L}(double *a, double *b, integer n) =
    hellinger2_softmax_sum(a, b, n, n) / 2;

  logic real tv_softmax_sum{L}(double *a, double *b, integer n, integer k) =
    k <= 0 ? 0 :
      tv_softmax_sum(a, b, n, k - 1)
      + \abs(softmax(a, n, k - 1) - softmax(b, n, k - 1));
  logic real tv_softmax{L}(double *a, double *b, integer n) = tv_softmax_sum(a, b, n, n) / 2;
*/

#endif
