/* regression_certify.c: the certified distance to the minimizer
 * (bht_regression_certify, bht.h; derivation in README.md, "The solver's
 * certificate").
 *
 *  1. G >= |grad L(x)|_2 and an enclosure H~ +- E of hess L(x), both from the
 *     MPFR enclosures of regression_oracle.c at 128 bits (the Hessian entries
 *     as binary64 sums of MPFR-rounded terms with an a priori bound,
 *     fast_hessian_entries there).
 *  2. lambda <= lambda_min(hess L(x)): M = RN(H~) in binary64; a shift sigma
 *     just below the Jacobi estimate of lambda_min(M); the binary64 Cholesky
 *     factor L of M - sigma I; the residual R = M - sigma I - L L^T evaluated
 *     exactly-rounded in MPFR (upward and downward sums).  M - sigma I =
 *     L L^T + R >= -|R|_F I, and |H - M|_2 <= |H - M|_F, so (Weyl)
 *     lambda_min(H) >= sigma - |R|_F - |H - M|_F.
 *  3. K >= the Lipschitz constant of hess L on the ball B(x, R):
 *     |hess L(y) - hess L(y')|_2 <= (27/16 p + 7/16 rho_b) rho_A^3 |y - y'|_2,
 *     rho_A = max_ij |a_i - a_j|_2, rho_b = max b - min b, p >= max_i f_i on
 *     the ball: every logit difference moves by at most rho_A R, so
 *     f_i(y) <= e^(rho_A R) f_i(x) and p = min(1, e^(rho_A R) max_i f_i(x))
 *     (p = 1: the global constant, README derivation).
 *  4. On B(x, R), hess L >= (lambda - K R) I = mu I.  If G < mu R, L has a
 *     minimizer over the closed ball that is not on the sphere (there
 *     <grad L(y), y - x> >= mu R^2 - G R > 0), hence a critical point x*,
 *     the only one in the ball (strong convexity), and |x - x*| <= G / mu.
 *     R = 2 G / lambda: certified iff G < lambda^2 / (4 K) (up to rounding).
 * Every bound is rounded outward (MPFR, directed rounding). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "regression_oracle_internal.h"

#define CERT_PREC 128

/* Lower bound of lambda_min over every symmetric matrix within err of mid
 * (d-by-d, both as MPFR vectors), into out (-inf when none is found). */
bht_status bht__regression_lambda_lower(size_t d, const oracle_vector *mid, const oracle_vector *err,
                                   mpfr_ptr out)
{
    double *M = malloc(4 * d * d * sizeof *M);
    if (!M)
        return BHT_E_NOMEM;
    double *L = M + d * d, *work = M + 2 * d * d, *eig = M + 3 * d * d;
    mpfr_t eF, rF, t, up, down;
    mpfr_inits2(REGRESSION_BOUND_PREC, eF, rF, t, up, down, (mpfr_ptr)0);
    mpfr_t diff;
    mpfr_init2(diff, mpfr_get_prec(mid->ptr[0]) + 64);
    /* M and |H - M|_F <= |mid - M|_F + |err|_F (upward) */
    mpfr_set_zero(eF, 1);
    double frob = 0.0;
    for (size_t k = 0; k < d * d; k++) {
        M[k] = mpfr_get_d(mid->ptr[k], MPFR_RNDN);
        mpfr_sub_d(diff, mid->ptr[k], M[k], MPFR_RNDN); /* exact: same binade */
        mpfr_abs(t, diff, MPFR_RNDU);
        mpfr_add(t, t, err->ptr[k], MPFR_RNDU);
        mpfr_sqr(t, t, MPFR_RNDU);
        mpfr_add(eF, eF, t, MPFR_RNDU);
        frob += M[k] * M[k];
    }
    mpfr_sqrt(eF, eF, MPFR_RNDU);
    mpfr_clear(diff);
    bht__regression_symmetric_eigenvalues(d, M, eig, work);
    const double estimate = eig[0];
    mpfr_set_inf(out, -1);
    oracle_vector prod;
    bht_status status = bht__oracle_vector_init(&prod, d + 2, 106);
    for (int attempt = 0; status == BHT_OK && attempt < 4 && isfinite(estimate); attempt++) {
        /* margins 2^-10, 2^-6, 2^-3, 1/2 of |estimate| (plus a floor) */
        static const double margin[4] = {0x1p-10, 0x1p-6, 0x1p-3, 0.5};
        double sigma = estimate - margin[attempt] * fabs(estimate) - 0x1p-40 * sqrt(frob);
        if (!bht__regression_cholesky(d, M, -sigma, L))
            continue;
        /* |R|_F, R_jk = M_jk - sigma [j == k] - sum_l L_jl L_kl, each entry
         * enclosed by an upward and a downward correctly rounded sum of
         * exact products */
        mpfr_set_zero(rF, 1);
        for (size_t j = 0; j < d; j++)
            for (size_t k = 0; k <= j; k++) {
                size_t count = 0;
                mpfr_set_d(prod.ptr[count++], M[j * d + k], MPFR_RNDN);
                if (j == k)
                    mpfr_set_d(prod.ptr[count++], -sigma, MPFR_RNDN);
                for (size_t l = 0; l <= k; l++, count++) { /* exact products */
                    mpfr_set_d(prod.ptr[count], -L[j * d + l], MPFR_RNDN);
                    mpfr_mul_d(prod.ptr[count], prod.ptr[count], L[k * d + l], MPFR_RNDN);
                }
                mpfr_sum(up, prod.ptr, (unsigned long)count, MPFR_RNDU);
                mpfr_sum(down, prod.ptr, (unsigned long)count, MPFR_RNDD);
                mpfr_abs(up, up, MPFR_RNDU);
                mpfr_abs(down, down, MPFR_RNDU);
                mpfr_max(t, up, down, MPFR_RNDU);
                mpfr_sqr(t, t, MPFR_RNDU);
                if (j != k) /* R_jk and R_kj */
                    mpfr_mul_2ui(t, t, 1, MPFR_RNDU);
                mpfr_add(rF, rF, t, MPFR_RNDU);
            }
        mpfr_sqrt(rF, rF, MPFR_RNDU);
        /* lambda >= sigma - |R|_F - |H - M|_F (downward) */
        mpfr_set_d(out, sigma, MPFR_RNDN);
        mpfr_sub(out, out, rF, MPFR_RNDD);
        mpfr_sub(out, out, eF, MPFR_RNDD);
        break;
    }
    bht__oracle_vector_clear(&prod);
    mpfr_clears(eF, rF, t, up, down, (mpfr_ptr)0);
    free(M);
    return status;
}

/* Pairwise row distances exactly for n <= this (O(n^2 d) MPFR operations);
 * above, 2 max_i |a_i - c|_2 with c the midrange of each column. */
#define PAIRWISE_MAX_N 256

/* out >= |u - v|_2 for rows u, v of length d (upward; the difference
 * rounded away from zero). */
static void distance_upper(size_t d, const double *u, const double *v, mpfr_ptr out,
                           mpfr_ptr t)
{
    mpfr_set_zero(out, 1);
    for (size_t j = 0; j < d; j++) {
        mpfr_set_d(t, u[j], MPFR_RNDN);
        mpfr_sub_d(t, t, v[j], MPFR_RNDA);
        mpfr_sqr(t, t, MPFR_RNDU);
        mpfr_add(out, out, t, MPFR_RNDU);
    }
    mpfr_sqrt(out, out, MPFR_RNDU);
}

void bht__regression_rho_upper(const regression_problem *p, mpfr_ptr out)
{
    const size_t n = p->n, d = p->d;
    mpfr_t dist, t;
    mpfr_inits2(REGRESSION_BOUND_PREC, dist, t, (mpfr_ptr)0);
    mpfr_set_zero(out, 1);
    if (n <= PAIRWISE_MAX_N) {
        for (size_t i = 0; i < n; i++)
            for (size_t k = i + 1; k < n; k++) {
                distance_upper(d, p->A + i * d, p->A + k * d, dist, t);
                mpfr_max(out, out, dist, MPFR_RNDU);
            }
    } else {
        double *center = malloc(d * sizeof *center);
        if (!center) {
            mpfr_set_inf(out, 1);
        } else {
            for (size_t j = 0; j < d; j++) {
                double lo = p->A[j], hi = p->A[j];
                for (size_t i = 1; i < n; i++) {
                    lo = fmin(lo, p->A[i * d + j]);
                    hi = fmax(hi, p->A[i * d + j]);
                }
                center[j] = lo / 2 + hi / 2; /* any point will do */
            }
            for (size_t i = 0; i < n; i++) {
                distance_upper(d, p->A + i * d, center, dist, t);
                mpfr_max(out, out, dist, MPFR_RNDU);
            }
            mpfr_mul_2ui(out, out, 1, MPFR_RNDU);
            free(center);
        }
    }
    mpfr_clears(dist, t, (mpfr_ptr)0);
}

void bht__regression_lipschitz_upper(const regression_problem *p, mpfr_srcptr pmax, mpfr_ptr out)
{
    double bmin = p->b[0], bmax = p->b[0];
    for (size_t i = 1; i < p->n; i++) {
        bmin = fmin(bmin, p->b[i]);
        bmax = fmax(bmax, p->b[i]);
    }
    mpfr_t rho, t, u;
    mpfr_inits2(REGRESSION_BOUND_PREC, rho, t, u, (mpfr_ptr)0);
    bht__regression_rho_upper(p, rho);
    /* 27/16 pmax + 7/16 rho_b (pmax <= 1) */
    mpfr_set_ui(u, 1, MPFR_RNDU);
    if (pmax && mpfr_cmp_ui(pmax, 1) < 0)
        mpfr_set(u, pmax, MPFR_RNDU);
    mpfr_mul_ui(u, u, 27, MPFR_RNDU);
    mpfr_div_2ui(u, u, 4, MPFR_RNDU);
    mpfr_set_d(t, bmax, MPFR_RNDN);
    mpfr_sub_d(t, t, bmin, MPFR_RNDU);
    mpfr_mul_ui(t, t, 7, MPFR_RNDU);
    mpfr_div_2ui(t, t, 4, MPFR_RNDU);
    mpfr_add(t, t, u, MPFR_RNDU);
    mpfr_pow_ui(rho, rho, 3, MPFR_RNDU);
    mpfr_mul(out, t, rho, MPFR_RNDU);
    mpfr_clears(rho, t, u, (mpfr_ptr)0);
}

static double up_d(mpfr_srcptr v)
{
    return mpfr_get_d(v, MPFR_RNDU);
}

bht_status bht__regression_inputs_finite(size_t n, size_t d, const double *A, const double *b,
                                         const double *w, const double *x)
{
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]))
            return BHT_E_NONFINITE;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(b[i]) || (w && !isfinite(w[i])))
            return BHT_E_NONFINITE;
    for (size_t j = 0; x && j < d; j++)
        if (!isfinite(x[j]))
            return BHT_E_NONFINITE;
    return BHT_OK;
}

bht_status bht_regression_certify(size_t n, size_t d, const double *A, const double *b,
                                  const double *w, const double *x,
                                  bht_regression_certificate *out)
{
    if (!A || !b || !x || !out || n == 0 || d == 0 || n > BHT_REGRESSION_MAX_N
        || d > BHT_REGRESSION_SOLVE_MAX_D || n * d > BHT_MAX_VALUES)
        return BHT_E_INVALID;
    if (bht__regression_inputs_finite(n, d, A, b, w, x) != BHT_OK)
        return BHT_E_NONFINITE;
    const regression_problem p = {n, d, A, b, w, x};
    regression_enclosure e;
    bht_status status = bht__regression_enclosure_init(
        &e, d, CERT_PREC, REGRESSION_WANT_GRADIENT | REGRESSION_WANT_HESSIAN);
    if (status != BHT_OK)
        return status;
    e.fast_hessian = 1;
    status = bht__regression_enclose(&p, &e);
    mpfr_t G, lambda, K, R, mu, radius, t, fmax, rho;
    mpfr_inits2(REGRESSION_BOUND_PREC, G, lambda, K, R, mu, radius, t, fmax, rho, (mpfr_ptr)0);
    if (status == BHT_OK) {
        /* G = sqrt(sum (|g~_j| + e_j)^2), upward */
        mpfr_set_zero(G, 1);
        for (size_t j = 0; j < d; j++) {
            mpfr_abs(t, e.gradient.ptr[j], MPFR_RNDU);
            mpfr_add(t, t, e.gradient_err.ptr[j], MPFR_RNDU);
            mpfr_sqr(t, t, MPFR_RNDU);
            mpfr_add(G, G, t, MPFR_RNDU);
        }
        mpfr_sqrt(G, G, MPFR_RNDU);
        mpfr_set(fmax, e.fmax, MPFR_RNDU);
        status = bht__regression_lambda_lower(d, &e.hessian, &e.hessian_err, lambda);
    }
    bht__regression_enclosure_clear(&e);
    if (status == BHT_OK) {
        bht__regression_rho_upper(&p, rho);
        bht__regression_lipschitz_upper(&p, NULL, K); /* global: every f_i <= 1 */
        bht_regression_certificate c = {0, up_d(G), mpfr_get_d(lambda, MPFR_RNDD), up_d(K),
                                        0.0, 0.0, INFINITY};
        if (mpfr_sgn(lambda) > 0 && mpfr_number_p(K)) {
            /* R = 2 G / lambda (or lambda / 2K when G = 0) */
            if (mpfr_zero_p(G)) {
                mpfr_div(R, lambda, K, MPFR_RNDD);
                mpfr_div_2ui(R, R, 1, MPFR_RNDD);
            } else {
                mpfr_mul_2ui(R, G, 1, MPFR_RNDU);
                mpfr_div(R, R, lambda, MPFR_RNDU);
            }
            /* on B(x, R) every f_i <= fmax e^(rho_A R): the local constant */
            mpfr_mul(t, rho, R, MPFR_RNDU);
            mpfr_exp(t, t, MPFR_RNDU);
            mpfr_mul(t, t, fmax, MPFR_RNDU);
            bht__regression_lipschitz_upper(&p, t, K);
            c.lipschitz = up_d(K);
            /* mu = lambda - K R */
            mpfr_mul(t, K, R, MPFR_RNDU);
            mpfr_sub(mu, lambda, t, MPFR_RNDD);
            mpfr_mul(t, mu, R, MPFR_RNDD); /* mu R, downward */
            if (mpfr_sgn(mu) > 0 && mpfr_less_p(G, t)) {
                mpfr_div(radius, G, mu, MPFR_RNDU);
                c.certified = 1;
                c.ball_radius = mpfr_get_d(R, MPFR_RNDD);
                c.mu = mpfr_get_d(mu, MPFR_RNDD);
                c.minimizer_radius = up_d(radius);
                /* the doubles must keep G < mu R: R and mu rounded down */
                if (!(c.gradient_norm < c.mu * c.ball_radius) && c.gradient_norm != 0.0) {
                    c.certified = 0;
                    c.minimizer_radius = INFINITY;
                }
            }
        }
        *out = c;
    }
    mpfr_clears(G, lambda, K, R, mu, radius, t, fmax, rho, (mpfr_ptr)0);
    return status;
}
