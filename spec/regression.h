/* spec/regression.h: ACSL logic of the softmax regression ("Attention
 * Scheme Inspired Softmax Regression"; README.md, "Softmax regression") and
 * the contract of the double kernel bht_regression.  Force-included (with
 * spec/bht_spec.h) before src/regression/regression.c by
 * proofs/regression.mk; gcc never sees it.
 *
 * Every definition is over the reals (in annotations + - * / are exact and
 * \exp is the real exponential); no lemma or axiom lives here.  Matrices are
 * row-major: A[i * d + j] is row i, column j; w == \null means w = 0.
 *
 *   z_i   = (A x)_i                       reg_logit
 *   f_i   = exp(z_i) / sum_k exp(z_k)     reg_softmax
 *   c_i   = f_i - b_i                     reg_residual
 *   s     = sum_i f_i c_i                 reg_mean_residual
 *   q_i   = f_i (c_i - s)                 reg_q
 *   r_i   = f_i (f_i + c_i - s)           reg_r
 *   L     = 1/2 sum c_i^2 + 1/2 sum (w_i z_i)^2                       reg_loss
 *   g_j   = sum_i (q_i + w_i^2 z_i) A_ij                               reg_gradient
 *   abar_j = sum_i f_i A_ij                                            reg_abar
 *   H_jk  = sum_i r_i (A_ij - abar_j)(A_ik - abar_k) + w_i^2 A_ij A_ik  reg_hessian
 * (g = grad L and H = hess L: derivation in README.md, checked against
 * finite differences of the oracle in tests/regression/test_regression.c.) */
#ifndef BHT_SPEC_REGRESSION_H
#define BHT_SPEC_REGRESSION_H

#include "bht.h"

/*@
  // sum_{j < k} a[j] x[j]
  logic real reg_dot{L}(double *a, double *x, integer k) =
    k <= 0 ? 0.0 : reg_dot(a, x, k - 1) + a[k - 1] * x[k - 1];

  logic real reg_logit{L}(double *A, double *x, integer d, integer i) =
    reg_dot(A + i * d, x, d);

  // sum_{i < k} exp(z_i)
  logic real reg_sumexp{L}(double *A, double *x, integer d, integer k) =
    k <= 0 ? 0.0 : reg_sumexp(A, x, d, k - 1) + \exp(reg_logit(A, x, d, k - 1));

  logic real reg_softmax{L}(double *A, double *x, integer n, integer d, integer i) =
    \exp(reg_logit(A, x, d, i)) / reg_sumexp(A, x, d, n);

  logic real reg_weight{L}(double *w, integer i) = w == \null ? 0.0 : w[i];

  logic real reg_residual{L}(double *A, double *b, double *x, integer n, integer d,
                             integer i) =
    reg_softmax(A, x, n, d, i) - b[i];

  // sum_{i < k} f_i c_i
  logic real reg_mean_residual_sum{L}(double *A, double *b, double *x, integer n,
                                      integer d, integer k) =
    k <= 0 ? 0.0
           : reg_mean_residual_sum(A, b, x, n, d, k - 1)
             + reg_softmax(A, x, n, d, k - 1) * reg_residual(A, b, x, n, d, k - 1);

  logic real reg_mean_residual{L}(double *A, double *b, double *x, integer n, integer d) =
    reg_mean_residual_sum(A, b, x, n, d, n);

  logic real reg_q{L}(double *A, double *b, double *x, integer n, integer d, integer i) =
    reg_softmax(A, x, n, d, i)
    * (reg_residual(A, b, x, n, d, i) - reg_mean_residual(A, b, x, n, d));

  logic real reg_r{L}(double *A, double *b, double *x, integer n, integer d, integer i) =
    reg_softmax(A, x, n, d, i)
    * (reg_softmax(A, x, n, d, i) + reg_residual(A, b, x, n, d, i)
       - reg_mean_residual(A, b, x, n, d));

  // sum_{i < k} c_i^2 + (w_i z_i)^2
  logic real reg_loss_sum{L}(double *A, double *b, double *w, double *x, integer n,
                             integer d, integer k) =
    k <= 0 ? 0.0
           : reg_loss_sum(A, b, w, x, n, d, k - 1)
             + reg_residual(A, b, x, n, d, k - 1) * reg_residual(A, b, x, n, d, k - 1)
             + (reg_weight(w, k - 1) * reg_logit(A, x, d, k - 1))
               * (reg_weight(w, k - 1) * reg_logit(A, x, d, k - 1));

  logic real reg_loss{L}(double *A, double *b, double *w, double *x, integer n, integer d) =
    reg_loss_sum(A, b, w, x, n, d, n) / 2;

  // sum_{i < k} (q_i + w_i^2 z_i) A_ij
  logic real reg_gradient_sum{L}(double *A, double *b, double *w, double *x, integer n,
                                 integer d, integer j, integer k) =
    k <= 0 ? 0.0
           : reg_gradient_sum(A, b, w, x, n, d, j, k - 1)
             + (reg_q(A, b, x, n, d, k - 1)
                + reg_weight(w, k - 1) * reg_weight(w, k - 1) * reg_logit(A, x, d, k - 1))
               * A[(k - 1) * d + j];

  logic real reg_gradient{L}(double *A, double *b, double *w, double *x, integer n,
                             integer d, integer j) =
    reg_gradient_sum(A, b, w, x, n, d, j, n);

  // sum_{i < k} f_i A_ij
  logic real reg_abar_sum{L}(double *A, double *x, integer n, integer d, integer j,
                             integer k) =
    k <= 0 ? 0.0
           : reg_abar_sum(A, x, n, d, j, k - 1)
             + reg_softmax(A, x, n, d, k - 1) * A[(k - 1) * d + j];

  logic real reg_abar{L}(double *A, double *x, integer n, integer d, integer j) =
    reg_abar_sum(A, x, n, d, j, n);

  // sum_{i < k} r_i dev_ij dev_il + w_i^2 A_ij A_il
  logic real reg_hessian_sum{L}(double *A, double *b, double *w, double *x, integer n,
                                integer d, integer j, integer l, integer k) =
    k <= 0 ? 0.0
           : reg_hessian_sum(A, b, w, x, n, d, j, l, k - 1)
             + reg_r(A, b, x, n, d, k - 1)
               * (A[(k - 1) * d + j] - reg_abar(A, x, n, d, j))
               * (A[(k - 1) * d + l] - reg_abar(A, x, n, d, l))
             + reg_weight(w, k - 1) * reg_weight(w, k - 1)
               * A[(k - 1) * d + j] * A[(k - 1) * d + l];

  logic real reg_hessian{L}(double *A, double *b, double *w, double *x, integer n,
                            integer d, integer j, integer l) =
    reg_hessian_sum(A, b, w, x, n, d, j, l, n);

  // The inputs of one problem are readable (w may be \null).
  predicate reg_inputs_valid{L}(double *A, double *b, double *w, double *x, integer n,
                                integer d) =
    \valid_read(A + (0 .. n * d - 1)) && \valid_read(b + (0 .. n - 1))
    && \valid_read(x + (0 .. d - 1))
    && (w != \null ==> \valid_read(w + (0 .. n - 1)));

  // The outputs (each may be \null) are writable and overlap no input.
  predicate reg_outputs_separated{L}(double *A, double *b, double *w, double *x,
                                     integer n, integer d, double *loss,
                                     double *gradient, double *hessian) =
    (loss != \null ==> \valid(loss)
       && \separated(loss, A + (0 .. n * d - 1), b + (0 .. n - 1), x + (0 .. d - 1))
       && (w != \null ==> \separated(loss, w + (0 .. n - 1))))
    && (gradient != \null ==> \valid(gradient + (0 .. d - 1))
       && \separated(gradient + (0 .. d - 1), A + (0 .. n * d - 1), b + (0 .. n - 1),
                     x + (0 .. d - 1))
       && (w != \null ==> \separated(gradient + (0 .. d - 1), w + (0 .. n - 1)))
       && (loss != \null ==> \separated(gradient + (0 .. d - 1), loss)))
    && (hessian != \null ==> \valid(hessian + (0 .. d * d - 1))
       && \separated(hessian + (0 .. d * d - 1), A + (0 .. n * d - 1), b + (0 .. n - 1),
                     x + (0 .. d - 1))
       && (w != \null ==> \separated(hessian + (0 .. d * d - 1), w + (0 .. n - 1)))
       && (loss != \null ==> \separated(hessian + (0 .. d * d - 1), loss))
       && (gradient != \null ==>
             \separated(hessian + (0 .. d * d - 1), gradient + (0 .. d - 1))));

  // Every entry is finite and at most BHT_REGRESSION_MAX_ABS in magnitude.
  predicate reg_all_in_range{L}(double *a, integer k) =
    \forall integer i; 0 <= i < k ==> finite_in(a[i], 0x1p100);

  // What an accepted output satisfies: finite, and within tolerance |v| of
  // the exact value (2^-52 for the loss, 2^-50 for gradient and Hessian
  // entries; README.md, "Softmax regression": <= 2.5 and <= 8.5 ulp).
  predicate reg_certified(double v, real exact, real tolerance) =
    \is_finite(v) && \abs(v - exact) <= tolerance * \abs(v);

  // Named forms of the kernel's guarantees (shared by the contracts of
  // bht_regression and of the numerical core bht__regression_run, so that one
  // follows from the other without quantifier instantiation).
  predicate reg_inputs_in_range{L}(double *A, double *b, double *w, double *x, integer n,
                                   integer d) =
    reg_all_in_range(A, n * d) && reg_all_in_range(b, n) && reg_all_in_range(x, d)
    && (w != \null ==> reg_all_in_range(w, n));

  predicate reg_loss_certified{L}(double *A, double *b, double *w, double *x, integer n,
                                  integer d, double *loss) =
    *loss >= 0.0 && reg_certified(*loss, reg_loss(A, b, w, x, n, d), 0x1p-52);

  predicate reg_gradient_certified{L}(double *A, double *b, double *w, double *x, integer n,
                                      integer d, double *g) =
    \forall integer j; 0 <= j < d ==>
      reg_certified(g[j], reg_gradient(A, b, w, x, n, d, j), 0x1p-50);

  predicate reg_hessian_certified{L}(double *A, double *b, double *w, double *x, integer n,
                                     integer d, double *H) =
    \forall integer j, k; 0 <= j < d && 0 <= k < d ==>
      reg_certified(H[j * d + k], reg_hessian(A, b, w, x, n, d, j, k), 0x1p-50);

  predicate reg_symmetric{L}(double *H, integer d) =
    \forall integer j, k; 0 <= j < d && 0 <= k < d ==> H[j * d + k] == H[k * d + j];
*/

/* The double kernel (src/regression/regression.c).  The accuracy clauses
 * rest on the contract of bht__regression_run (the dd evaluation with its running
 * error bound, not proved: src/regression/regression_internal.h and
 * proofs/regression/README.md); everything else is proved. */
/*@ requires inputs: A != \null && b != \null && x != \null && 0 < n <= BHT_REGRESSION_MAX_N
                     && 0 < d <= BHT_REGRESSION_MAX_D
                     ==> reg_inputs_valid(A, b, w, x, n, d);
    requires outputs: A != \null && b != \null && x != \null && 0 < n <= BHT_REGRESSION_MAX_N
                      && 0 < d <= BHT_REGRESSION_MAX_D
                      ==> reg_outputs_separated(A, b, w, x, n, d, loss, gradient, hessian);
    requires refusal: refusal != \null ==> \valid(refusal)
                      && \separated(refusal, A + (0 .. n * d - 1), b + (0 .. n - 1),
                                    x + (0 .. d - 1))
                      && (loss != \null ==> \separated(refusal, loss))
                      && (gradient != \null ==> \separated(refusal, gradient + (0 .. d - 1)))
                      && (hessian != \null ==> \separated(refusal, hessian + (0 .. d * d - 1)))
                      && (w != \null ==> \separated(refusal, w + (0 .. n - 1)));
    assigns *loss, gradient[0 .. d - 1], hessian[0 .. d * d - 1], *refusal;
    ensures invalid: A == \null || b == \null || x == \null || n == 0 || d == 0
                     || n > BHT_REGRESSION_MAX_N || d > BHT_REGRESSION_MAX_D
                     || n * d > BHT_MAX_VALUES ==> \result == BHT_E_INVALID;
    ensures status: \result == BHT_OK || \result == BHT_E_INVALID || \result == BHT_E_NONFINITE
                    || \result == BHT_E_RANGE || \result == BHT_E_NOMEM;
    ensures ok_inputs_in_range: \result == BHT_OK ==>
      \old(reg_inputs_in_range(A, b, w, x, n, d));
    ensures loss_certified: \result == BHT_OK && loss != \null ==>
      reg_loss_certified(A, b, w, x, n, d, loss);
    ensures gradient_certified: \result == BHT_OK && gradient != \null ==>
      reg_gradient_certified(A, b, w, x, n, d, gradient);
    ensures hessian_certified: \result == BHT_OK && hessian != \null ==>
      reg_hessian_certified(A, b, w, x, n, d, hessian);
    ensures hessian_symmetric: \result == BHT_OK && hessian != \null ==>
      reg_symmetric(hessian, d);
*/
bht_status bht_regression(size_t n, size_t d, const double *A, const double *b,
                          const double *w, const double *x, double *loss, double *gradient,
                          double *hessian, bht_regression_refusal *refusal);

/* The oracle, the certificate and the solver (src/regression/*_oracle.c,
 * regression_certify.c, regression_solve.c) are MPFR/GMP code outside the
 * WP units; their contracts are stated here and checked by the tests. */
/*@ requires inputs: reg_inputs_valid(A, b, w, x, n, d);
    requires outputs: reg_outputs_separated(A, b, w, x, n, d, loss, gradient, hessian);
    assigns *loss, gradient[0 .. d - 1], hessian[0 .. d * d - 1], *report;
    ensures loss_rounded: \result == BHT_OK && loss != \null ==>
      *loss == \round_double(\NearestEven, reg_loss(A, b, w, x, n, d));
    ensures gradient_rounded: \result == BHT_OK && gradient != \null ==>
      \forall integer j; 0 <= j < d ==>
        gradient[j] == \round_double(\NearestEven, reg_gradient(A, b, w, x, n, d, j));
    ensures hessian_rounded: \result == BHT_OK && hessian != \null ==>
      \forall integer j, k; 0 <= j < d && 0 <= k < d ==>
        hessian[j * d + k]
          == \round_double(\NearestEven, reg_hessian(A, b, w, x, n, d, j, k));
*/
bht_status bht_oracle_regression(size_t n, size_t d, const double *A, const double *b,
                                 const double *w, const double *x, double *loss,
                                 double *gradient, double *hessian,
                                 const bht_oracle_options *options, bht_oracle_report *report);

/*@
  // |grad L|^2
  logic real reg_gradient_norm2_sum{L}(double *A, double *b, double *w, double *x, integer n,
                                       integer d, integer k) =
    k <= 0 ? 0.0
           : reg_gradient_norm2_sum(A, b, w, x, n, d, k - 1)
             + reg_gradient(A, b, w, x, n, d, k - 1) * reg_gradient(A, b, w, x, n, d, k - 1);
  logic real reg_gradient_norm2{L}(double *A, double *b, double *w, double *x, integer n,
                                   integer d) =
    reg_gradient_norm2_sum(A, b, w, x, n, d, d);
*/

/* The certificate.  In words (ACSL has no real vectors to quantify over):
 * when out->certified, the Hessian is >= out->mu I on the ball of radius
 * out->ball_radius around x and L has exactly one critical point x* there,
 * a strict local minimizer, with |x - x*|_2 <= out->minimizer_radius
 * (README.md, "The solver's certificate"). */
/*@ requires inputs: reg_inputs_valid(A, b, w, x, n, d);
    requires output: \valid(out);
    assigns *out;
    ensures gradient_bound: \result == BHT_OK ==>
      \sqrt(reg_gradient_norm2(A, b, w, x, n, d)) <= out->gradient_norm;
    ensures radius: \result == BHT_OK && out->certified ==>
      out->minimizer_radius <= out->ball_radius
      && out->gradient_norm < out->mu * out->ball_radius;
*/
bht_status bht_regression_certify(size_t n, size_t d, const double *A, const double *b,
                                  const double *w, const double *x,
                                  bht_regression_certificate *out);

/* The solver: x and *solution written on BHT_OK; converged only with a
 * certified radius (the certificate's guarantee, see above). */
/*@ requires inputs: reg_inputs_valid(A, b, w, x0 == \null ? x : x0, n, d);
    requires output: \valid(x + (0 .. d - 1)) && \valid(solution);
    assigns x[0 .. d - 1], *solution;
    ensures certified: \result == BHT_OK && solution->converged ==>
      \is_finite(solution->minimizer_radius) && solution->minimizer_radius >= 0.0
      && \sqrt(reg_gradient_norm2(A, b, w, x, n, d)) <= solution->gradient_norm;
    ensures loss_rounded: \result == BHT_OK ==>
      solution->loss == \round_double(\NearestEven, reg_loss(A, b, w, x, n, d));
*/
bht_status bht_regression_solve(size_t n, size_t d, const double *A, const double *b,
                                const double *w, const double *x0,
                                const bht_regression_solve_options *options, double *x,
                                bht_regression_solution *solution);

#endif
