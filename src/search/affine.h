/* affine.h: first-order affine forms with rigorous remainders, used for the
 * certified upper bounds of the sup searches (leverage_sup.c, nu_sup.c).
 * A form is width = n + 2 doubles: [0] the value at the center, [1..n] the
 * coefficients of the symbols delta_k in [dlo_k, dhi_k] (|delta_k| <=
 * dmax_k), [n+1] a radius; it encloses every value the quantity takes on
 * the box.  affine.c has the error analysis.  Not part of the API. */
#ifndef BHT_AFFINE_H
#define BHT_AFFINE_H

#include <stddef.h>
#include "core/interval.h"

typedef struct aff_ctx {
    size_t n, width;           /* symbols; doubles per form (n + 2) */
    double *dlo, *dhi, *dmax;  /* n each */
} aff_ctx;

#define AFF(w, base, i) ((base) + (size_t)(i) * (w)->width)
#define RAD(w, x) ((x)[(w)->width - 1])

/* Bound on the rounding error of an operation on these magnitudes. */
double bht__aff_err_bound(double magnitude);
/* A radius computed to nearest, made an upper bound (see affine.c). */
double bht__aff_inflate(double r);
/* sum_k |x_k| dmax_k, rounded up. */
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
 * certified positive on the box (1/y, sqrt) or the bound overflows. */
int bht__aff_reciprocal(const aff_ctx *w, double *z, const double *y);
int bht__aff_sqrt(const aff_ctx *w, double *z, const double *y);
int bht__aff_exp(const aff_ctx *w, double *z, const double *y);

/* nu_sup.c, for the tests: the affine upper bound of Var_softmax(Ax)(Mx)
 * over the cube |x_k - center_k| <= half (+inf when not certified, NaN
 * when out of memory). */
double bht__nu_softmax_cube_upper(size_t n, size_t d, const double *A, const double *M,
                             const double *center, double half);

#endif
