/* regression_oracle_internal.h: MPFR enclosures of the softmax-regression
 * loss, gradient and Hessian, shared by the oracle (Ziv's loop around
 * them), the certificate and the claims.  Private to src/regression/. */
#ifndef BHT_REGRESSION_ORACLE_INTERNAL_H
#define BHT_REGRESSION_ORACLE_INTERNAL_H

#include <mpfr.h>
#include <gmp.h>
#include "oracle/oracle_internal.h"
#include "regression_internal.h"

/* BHT_OK when A (n by d), b, w (NULL: unit weights) and x (d values; NULL:
 * not checked) are finite, BHT_E_NONFINITE otherwise. */
REGRESSION_HIDDEN bht_status bht__regression_inputs_finite(size_t n, size_t d, const double *A,
                                                         const double *b, const double *w,
                                                         const double *x);

/* Precision of every error bound (rounded upward). */
#define REGRESSION_BOUND_PREC 64

/* Values at precision prec with absolute error bounds (BOUND_PREC, upward):
 * |loss - L| <= loss_err, |gradient[j] - g_j| <= gradient_err[j],
 * |hessian[j d + k] - H_jk| <= hessian_err[j d + k] (full, symmetric). */
typedef struct regression_enclosure {
    mpfr_prec_t prec;
    int want;
    /* Hessian entries as binary64 sums with an a priori bound (O(n d) MPFR
     * work; for the certificate): set after regression_enclosure_init */
    int fast_hessian;
    mpfr_t loss, loss_err;
    mpfr_t fmax; /* >= max_i softmax(A x)_i (BOUND_PREC, upward) */
    oracle_vector gradient, gradient_err;
    oracle_vector hessian, hessian_err;
} regression_enclosure;

REGRESSION_HIDDEN bht_status bht__regression_enclosure_init(regression_enclosure *e, size_t d,
                                                       mpfr_prec_t prec, int want);
REGRESSION_HIDDEN void bht__regression_enclosure_clear(regression_enclosure *e);

/* Evaluates the wanted outputs at e->prec (inputs: any finite values). */
REGRESSION_HIDDEN bht_status bht__regression_enclose(const regression_problem *p,
                                                regression_enclosure *e);

/* 1 when every logit (A x)_i is the same real number (decided exactly). */
REGRESSION_HIDDEN int bht__regression_logits_tied(const regression_problem *p);

/* Exact rational evaluation for tied logits (f = 1/n): the wanted outputs,
 * correctly rounded (loss, gradient, hessian may be NULL). */
REGRESSION_HIDDEN bht_status bht__regression_rational(const regression_problem *p, double *loss,
                                                 double *gradient, double *hessian);

/* Certificate helpers (regression_certify.c), bounds rounded outward:
 * a lower bound of lambda_min over the symmetric d-by-d matrices within err
 * of mid (-inf when none was established); rho_A >= max |a_i - a_j|_2; the
 * Hessian Lipschitz constant on a region where every f_i <= pmax (pmax =
 * NULL: 1, i.e. everywhere): K = (27/16 pmax + 7/16 rho_b) rho_A^3,
 * rho_b = max b - min b. */
REGRESSION_HIDDEN bht_status bht__regression_lambda_lower(size_t d, const oracle_vector *mid,
                                                     const oracle_vector *err, mpfr_ptr out);
REGRESSION_HIDDEN void bht__regression_rho_upper(const regression_problem *p, mpfr_ptr out);
REGRESSION_HIDDEN void bht__regression_lipschitz_upper(const regression_problem *p, mpfr_srcptr pmax,
                                                  mpfr_ptr out);

#endif
