/* proofs/lemmas/model_formulas.c: WP proves facts about the formula
 * definitions of part 1 of spec/nu.h (issue 14, item 1), from the
 * definitions alone (nothing of spec/paper_lemmas.h is included; the axiom
 * lev_z_solves of spec/leverage.h is in no goal's context here).
 *
 *   softmax_positive   for n >= 1 every p_i = softmax(A x)_i is > 0 (the
 *       sum of exponentials is > 0), so the derivative components
 *       p_i (g_i - <p, g>), the Fisher sum sum dq_i^2 / p_i of spec/nu.h
 *       (whose 1/8 is L) and nu are well defined;
 *   the unfolding lemmas the kind-0 (softmax) definitions need.
 *
 * Tried on this branch and NOT proved with this toolchain (cvc5 1.0.3 and
 * z3 4.8.12 through Why3 1.5.1 at 30 s: z3 answers "unknown", cvc5 times
 * out, as soon as a product of two recursive-function terms must be
 * rewritten by an equality, or Why3's PowerReal is involved): the Fisher
 * sum equals nu for the softmax model (so L = nu / 8 is 1/8 of the Fisher
 * information), sum_i p_i = 1, sum_i dq_i/deps = 0, the output-stage
 * relation local_constant_softmax(vh, vl, E) == nu_softmax(vh, vl, E) / 8
 * (2^(E-3) = 2^E / 8), and the leverage Fisher sum = 4 sum_i p_i w_s,i^2.
 * Each is checked numerically instead (tests/proofs/test_trusted_formulas.c:
 * L = nu / 8, L = nu / 2 + Z / (2 d), the derivatives, against the
 * oracles and an MPFR evaluation of the definitions).
 *
 * WP has no induction over the length n, so a statement over n terms is
 * the contract of a lemma function whose loop carries the induction (ACSL
 * by Example style), for every int n.  Never compiled into the library. */

/*@
  // Field facts, in the shapes used by the definitions.
  lemma div_cancel_left: \forall real p, t; p != 0 ==> (p * t) / p == t;
  lemma div_pos: \forall real a, b; 0 < a ==> 0 < b ==> 0 < a / b;
  lemma div_mul_back: \forall real a, b; 0 < b ==> (a / b) * b == a;

  // Why3's ExpLog gives exp x > 0 (WP); restated for instantiation.
  lemma exp_positive: \forall real t; \exp(t) > 0;

  // The definitions, unfolded once.
  lemma reg_sumexp_next{L}: \forall double *A, *x, integer d, k; 0 <= k ==>
    reg_sumexp(A, x, d, k + 1) == reg_sumexp(A, x, d, k) + \exp(reg_logit(A, x, d, k));
  lemma softmax_ax_def{L}: \forall double *A, *x, integer n, d, i;
    softmax_ax(A, x, n, d, i) == \exp(reg_logit(A, x, d, i)) / reg_sumexp(A, x, d, n);
  lemma model_p_softmax{L}: \forall double *A, *x, integer n, d, i;
    model_p(0, A, x, n, d, i) == softmax_ax(A, x, n, d, i);
  lemma model_value_softmax{L}: \forall double *A, *M, *x, integer n, d, i;
    model_value(0, A, M, x, n, d, i) == logit_ax(M, x, d, i);
  lemma fisher_next{L}: \forall double *A, *M, *x, integer n, d, k; 0 <= k ==>
    nu_softmax_fisher_sum(A, M, x, n, d, k + 1)
    == nu_softmax_fisher_sum(A, M, x, n, d, k)
       + nu_softmax_derivative(A, M, x, n, d, k)
         * (nu_softmax_derivative(A, M, x, n, d, k) / softmax_ax(A, x, n, d, k));

  lemma softmax_ax_positive{L}: \forall double *A, *x, integer n, d, i;
    reg_sumexp(A, x, d, n) > 0 ==> softmax_ax(A, x, n, d, i) > 0;
*/

/*@ requires 1 <= n;
    assigns \nothing;
    ensures positive: reg_sumexp(A, x, d, n) > 0; */
void sumexp_positive(const double *A, const double *x, int n, int d)
{
    /*@ loop invariant 1 <= k <= n;
        loop invariant reg_sumexp(A, x, d, k) > 0;
        loop assigns k;
        loop variant n - k; */
    for (int k = 1; k < n; k++) {
        //@ assert reg_sumexp(A, x, d, k + 1) == reg_sumexp(A, x, d, k) + \exp(reg_logit(A, x, d, k));
    }
}

/*@ requires 1 <= n;
    requires 0 <= i < n;
    assigns \nothing;
    ensures positive: softmax_ax(A, x, n, d, i) > 0;
    ensures model_positive: model_p(0, A, x, n, d, i) > 0; */
void softmax_positive(const double *A, const double *x, int n, int d, int i)
{
    sumexp_positive(A, x, n, d);
    //@ assert reg_sumexp(A, x, d, n) > 0;
}
