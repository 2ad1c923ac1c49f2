/* regression_internal.h: private interface of the softmax-regression code
 * (src/regression/).  Double-double (dd) evaluation with a running error
 * bound, shared by the double kernel (regression.c), the solver and the
 * claims.  Nothing here is public: the functions carry the regression_
 * prefix and hidden visibility (absent from libbht.so's symbol table).
 *
 * Notation (README.md, "Softmax regression"): z = A x, f = softmax(z),
 * c = f - b, s = <f, c>, q_i = f_i (c_i - s), r_i = f_i (f_i + c_i - s),
 * v_i = w_i^2 z_i, abar = A^T f, dev_i = a_i - abar.
 *   L        = 1/2 sum c_i^2 + 1/2 sum (w_i z_i)^2
 *   grad L   = A^T (q + v)
 *   hess L   = sum_i r_i dev_i dev_i^T + sum_i w_i^2 a_i a_i^T
 *            = A^T (B + diag(w^2)) A,  B = diag(r) - r f^T - f r^T + |f|^2 f f^T. */
#ifndef BHT_REGRESSION_INTERNAL_H
#define BHT_REGRESSION_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include "bht.h"
#include "core/dd.h"
#include "core/dd_elementary.h"

#if defined(__GNUC__)
#define REGRESSION_HIDDEN __attribute__((visibility("hidden")))
#else
#define REGRESSION_HIDDEN
#endif

/* One problem instance; w == NULL means w = 0. */
typedef struct regression_problem {
    size_t n, d;
    const double *A, *b, *w, *x;
} regression_problem;

/* ------------------------------------------------------------ tracked dd */

/* u^2 = 2^-106 (u = 2^-53, round to nearest). */
#define REGRESSION_U2 0x1p-106
/* Absolute slack of a product whose partial products may underflow (each
 * elementary step then errs by <= 2^-1075, a dd product has fewer than 16
 * of them).  A product of two dd values whose magnitudes multiply to at
 * least 2^-900 has every partial product (down to lo * lo ~ 2^-106 |ab|)
 * in the normal range, and a product with an exact zero is exact: no slack,
 * so exact results (zeros) keep a zero bound. */
#define REGRESSION_TINY 0x1p-1060

/* A dd value h + l with a bound e >= |h + l - exact| (running error
 * analysis, Higham, "Accuracy and Stability of Numerical Algorithms", 2nd
 * ed., Sec. 3.3: each operation adds the bound of its own rounding to the
 * propagated input bounds).  The bounds are computed in binary64 with
 * rounding to nearest; every chain has fewer than 2^31 operations, so the
 * computed bound is below the exact one by a factor at most 1 - 2^-22, which
 * the final REGRESSION_BOUND_INFLATE absorbs. */
typedef struct tdd {
    double h, l, e;
} tdd;

#define REGRESSION_BOUND_INFLATE (1.0 + 0x1p-20)

static inline double tdd_underflow(double abs_a, double abs_b)
{
    return (abs_a != 0.0 && abs_b != 0.0 && abs_a * abs_b < 0x1p-900) ? REGRESSION_TINY : 0.0;
}

static inline tdd tdd_exact(double v)
{
    tdd r = {v, 0.0, 0.0};
    return r;
}

static inline double tdd_abs(tdd a)
{
    return fabs(a.h) + fabs(a.l);
}

/* Sum: AccurateDWPlusDW, relative error <= 3u^2 + 13u^3 (JMP17 Thm 3.3). */
static inline tdd tdd_add(tdd a, tdd b)
{
    tdd r;
    dd_add(a.h, a.l, b.h, b.l, &r.h, &r.l);
    /* additions never underflow inexactly (TwoSum stays exact) */
    r.e = a.e + b.e + 3.01 * REGRESSION_U2 * fabs(r.h);
    return r;
}

static inline tdd tdd_neg(tdd a)
{
    tdd r = {-a.h, -a.l, a.e};
    return r;
}

/* Product: DWTimesDW3, relative error <= 5u^2 (JMP17 Thm 5.3, with FMA),
 * plus the propagated bounds |a| e_b + |b| e_a + e_a e_b. */
static inline tdd tdd_mul(tdd a, tdd b)
{
    tdd r;
    dd_mul(a.h, a.l, b.h, b.l, &r.h, &r.l);
    r.e = tdd_abs(a) * b.e + tdd_abs(b) * a.e + a.e * b.e
          + 5.01 * REGRESSION_U2 * fabs(r.h) + tdd_underflow(tdd_abs(a), tdd_abs(b));
    return r;
}

/* Product by an exact double: DWTimesFP1, relative error <= 2u^2 (JMP17). */
static inline tdd tdd_mul_d(tdd a, double v)
{
    tdd r;
    dd_mul_d(a.h, a.l, v, &r.h, &r.l);
    r.e = fabs(v) * a.e + 2.01 * REGRESSION_U2 * fabs(r.h) + tdd_underflow(tdd_abs(a), fabs(v));
    return r;
}

/* a - b for doubles, exact (TwoSum) unless it overflows. */
static inline tdd tdd_diff(double a, double b)
{
    tdd r;
    r.h = two_sum(a, -b, &r.l);
    r.e = 0.0;
    return r;
}

/* The double delivered for a tracked value (h = RN(h + l) for every
 * normalized result) and a bound on its distance to the exact value. */
static inline double tdd_output_bound(tdd a)
{
    return (a.e + fabs(a.l)) * REGRESSION_BOUND_INFLATE;
}

/* -------------------------------------------------------- softmax, exp */

/* Relative error bound of bht__regression_exp_dd (regression_softmax.c). */
#define REGRESSION_EXP_REL_ERROR 0x1p-96
/* Domain of regression_exp_dd: -2000 <= th <= 2, |tl| <= 2^-40. */
#define REGRESSION_EXP_MIN (-2000.0)

/* exp(th + tl) = 2^(*scale) (*mh + *ml) with *mh in [0.7, 1.5) and
 * relative error below REGRESSION_EXP_REL_ERROR. */
REGRESSION_HIDDEN void bht__regression_exp_dd(double th, double tl, double *mh, double *ml, int *scale);

/* f = softmax(A x) as tracked dd values (f[i].e = rel f_i + 2^-1072); *m
 * gets the reference row (a most probable one: every shifted logit
 * (a_i - a_m)^T x is <= 0 as computed).  work: 2n doubles.  The relative
 * part rel covers the exponential, the sum, the quotient and the error of
 * the shifted logits (Dot2 on exact row differences); it is +inf when the
 * logits are not known to 2^-20 (the caller then refuses). */
REGRESSION_HIDDEN void bht__regression_softmax(const regression_problem *p, tdd *f, double *work, size_t *m);

/* ------------------------------------------------------ the evaluation */

/* Which outputs to compute (any subset). */
enum { REGRESSION_WANT_LOSS = 1, REGRESSION_WANT_GRADIENT = 2, REGRESSION_WANT_HESSIAN = 4 };

/* Loss, gradient (d) and Hessian (d*d, row-major, symmetric) as doubles
 * with a bound on each one's distance to the exact value (the running error
 * bound of the dd evaluation plus the final rounding; +inf or NaN when some
 * step overflowed).  Arrays for outputs not wanted may be NULL.  Inputs must
 * be finite with |entries| <= BHT_REGRESSION_MAX_ABS (checked by the
 * callers).  BHT_E_NOMEM or BHT_OK. */
REGRESSION_HIDDEN bht_status bht__regression_evaluate(const regression_problem *p, int want, double *loss,
                               double *loss_bound, double *gradient, double *gradient_bound,
                               double *hessian, double *hessian_bound);

/* -------------------------------------------- the kernel around it */

/* Output stages (regression.c, proved by WP; contracts there). */
REGRESSION_HIDDEN int bht__regression_accept(double value, double bound, double tolerance);
REGRESSION_HIDDEN int bht__regression_store_loss(double value, double bound, double *loss);
REGRESSION_HIDDEN void bht__regression_store_values(size_t k, const double *values, double *out);
REGRESSION_HIDDEN double bht__regression_scale_exact(double m, double t);

/* bht_regression after its checks (regression_run.c): bht__regression_evaluate,
 * then every requested value through the output stages.  Its accuracy
 * clauses rest on the running error bound of bht__regression_evaluate (the
 * README's analysis; not proved, tested against the oracle): for each
 * output, |value - exact| <= its bound, and the stages accept a value only
 * when bound <= tolerance |value|. */
/*@ requires dims: 0 < n <= BHT_REGRESSION_MAX_N && 0 < d <= BHT_REGRESSION_MAX_D
                   && n * d <= BHT_MAX_VALUES;
    requires inputs: reg_inputs_valid(A, b, w, x, n, d);
    requires in_range: reg_inputs_in_range(A, b, w, x, n, d);
    requires outputs: reg_outputs_separated(A, b, w, x, n, d, loss, gradient, hessian);
    requires refusal: refusal != \null ==> \valid(refusal);
    assigns *loss, gradient[0 .. d - 1], hessian[0 .. d * d - 1], *refusal;
    ensures status: \result == BHT_OK || \result == BHT_E_RANGE || \result == BHT_E_NOMEM;
    ensures loss_certified: \result == BHT_OK && loss != \null ==>
      reg_loss_certified(A, b, w, x, n, d, loss);
    ensures gradient_certified: \result == BHT_OK && gradient != \null ==>
      reg_gradient_certified(A, b, w, x, n, d, gradient);
    ensures hessian_certified: \result == BHT_OK && hessian != \null ==>
      reg_hessian_certified(A, b, w, x, n, d, hessian);
    ensures hessian_symmetric: \result == BHT_OK && hessian != \null ==>
      reg_symmetric(hessian, d);
*/
REGRESSION_HIDDEN bht_status bht__regression_run(size_t n, size_t d, const double *A,
                                            const double *b, const double *w,
                                            const double *x, double *loss, double *gradient,
                                            double *hessian, bht_regression_refusal *refusal);

/* ------------------------------------------------ solver-grade evaluation */

/* What one Newton step needs, in plain binary64 (dd where cancellation
 * matters: the loss and the gradient sums).  Owned buffers of n and d
 * doubles. */
typedef struct regression_state {
    double loss, loss_lo; /* the dd loss */
    double *gradient;  /* d */
    double *f, *r;     /* n: softmax and the middle weights r_i */
    size_t m;          /* reference row of the softmax */
} regression_state;

REGRESSION_HIDDEN bht_status bht__regression_state_init(regression_state *s, size_t n, size_t d);
REGRESSION_HIDDEN void bht__regression_state_free(regression_state *s);
/* Fills s at p->x (tdd scratch: 5n doubles + 3d tdd, allocated inside). */
REGRESSION_HIDDEN bht_status bht__regression_state_eval(const regression_problem *p, regression_state *s);
/* Loss only (dd evaluation, hi + lo). */
REGRESSION_HIDDEN bht_status bht__regression_loss_value(const regression_problem *p, double *hi,
                                                   double *lo);
/* Exact-form Hessian in binary64: sum r_i dev_i dev_i^T + sum w_i^2 a_i a_i^T
 * (rows centered at the reference row, so a common row offset cancels),
 * H d-by-d; work: 2d doubles. */
REGRESSION_HIDDEN void bht__regression_hessian_double(const regression_problem *p,
                                                 const regression_state *s, double *H,
                                                 double *work);

/* Rows drawn per sketched Hessian: ceil(4 d ln(200 d) / eps^2). */
REGRESSION_HIDDEN size_t bht__regression_sample_size(size_t d, double eps);

/* ----------------------------------------------------- small dense algebra */

/* Cholesky factor of the symmetric d-by-d M + shift I into L (lower, row
 * major); 0 when a pivot is not positive (or not finite). */
REGRESSION_HIDDEN int bht__regression_cholesky(size_t d, const double *M, double shift, double *L);
/* Solves L L^T y = rhs in place. */
REGRESSION_HIDDEN void bht__regression_cholesky_solve(size_t d, const double *L, double *y);
/* Eigenvalues of the symmetric d-by-d M (cyclic Jacobi), ascending, into
 * eig; work: d*d doubles.  Returns the number of sweeps. */
REGRESSION_HIDDEN int bht__regression_symmetric_eigenvalues(size_t d, const double *M, double *eig, double *work);

#endif
