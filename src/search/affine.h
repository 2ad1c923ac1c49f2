/* affine.h: affine forms with rigorous remainders, used for the certified
 * upper bounds of the sup searches (leverage_sup.c, nu_sup.c).
 * First order (order 1): width = n + 2 doubles: [0] the value at the
 * center, [1..n] the coefficients of the symbols delta_k in [dlo_k, dhi_k]
 * (|delta_k| <= dmax_k), [n+1] a radius.  Second order (order 2): after the
 * n linear coefficients, those of delta_k delta_l for k <= l (row by row:
 * (0,0), (0,1), .., (0,n-1), (1,1), ..), then the radius; width = n + 2 +
 * n (n + 1) / 2, and qweight holds the bounds dmax_k dmax_l (rounded up)
 * of those monomials.  Either way the form encloses every value the
 * quantity takes on the box.  affine.c has the error analysis.  Not part
 * of the API. */
#ifndef BHT_AFFINE_H
#define BHT_AFFINE_H

#include <stddef.h>
#include "core/interval.h"

typedef struct aff_ctx {
    size_t n, width;           /* symbols; doubles per form */
    double *dlo, *dhi, *dmax;  /* n each */
    int order;                 /* 2: second-order forms; anything else: first order */
    double *qweight;           /* order 2: n (n + 1) / 2 monomial bounds (aff_set_qweights) */
    double *scratch;           /* order 2: two forms for aff_reciprocal */
} aff_ctx;

/* Width of a form over n symbols (order 2: with the quadratic terms). */
size_t bht__aff_width(size_t n, int order);
/* Order 2: qweight from dmax (call after setting the box). */
void bht__aff_set_qweights(const aff_ctx *w);

#define AFF(w, base, i) ((base) + (size_t)(i) * (w)->width)
#define RAD(w, x) ((x)[(w)->width - 1])

/* Bound on the rounding error of an operation on these magnitudes. */
double bht__aff_err_bound(double magnitude);
/* A radius computed to nearest, made an upper bound (see affine.c). */
double bht__aff_inflate(double r);
/* sum_k |x_k| dmax_k (order 2: plus the quadratic coefficients times
 * qweight), rounded up: a bound on |x - x_0 - radius part| over the box. */
double bht__aff_linear_span(const aff_ctx *w, const double *x);

void bht__aff_constant(const aff_ctx *w, double *z, double value);
/* z = K + sum_k C[k stride] delta_k for intervals K and C. */
void bht__aff_from_intervals(const aff_ctx *w, double *z, ivl K, const ivl *C, size_t stride);
/* z += s x; z must not alias x. */
void bht__aff_axpy(const aff_ctx *w, double *z, double s, const double *x);
/* z = x + sign y (sign +1 or -1); z may alias x. */
void bht__aff_add(const aff_ctx *w, double *z, const double *x, double sign, const double *y);
/* z = x y; z aliases neither. */
void bht__aff_mul(const aff_ctx *w, double *z, const double *x, const double *y);
/* acc += x y; acc aliases neither. */
void bht__aff_mul_add(const aff_ctx *w, double *acc, const double *x, const double *y);
/* z = x / s for a positive double s. */
void bht__aff_div_constant(const aff_ctx *w, double *z, const double *x, double s);
/* Ends of the form over the box, rounded outward. */
double bht__aff_lower(const aff_ctx *w, const double *x);
double bht__aff_upper(const aff_ctx *w, const double *x);
/* z = 1 / y, z = sqrt(y), z = exp(y): 1 on success, 0 when y is not
 * certified positive on the box (1/y, sqrt) or the bound overflows; sqrt
 * and exp take first-order forms only (0 for order 2). */
int bht__aff_reciprocal(const aff_ctx *w, double *z, const double *y);
int bht__aff_sqrt(const aff_ctx *w, double *z, const double *y);
int bht__aff_exp(const aff_ctx *w, double *z, const double *y);

/* nu_sup.c, for the tests: the affine upper bound of Var_softmax(Ax)(Mx)
 * over the cube |x_k - center_k| <= half (+inf when not certified, NaN
 * when out of memory). */
double bht__nu_softmax_cube_upper(size_t n, size_t d, const double *A, const double *M,
                             const double *center, double half);

#endif
