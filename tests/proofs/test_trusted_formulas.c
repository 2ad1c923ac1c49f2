/* test_trusted_formulas.c: the formula definitions of spec/ (issue 14,
 * item 1: spec/leverage.h, spec/nu.h, spec/model_distance.h) checked by
 * calling the real functions (oracles and double kernels of src/bht.h)
 * against an independent MPFR evaluation, at 256 bits, of the DEFINING
 * formulas as the spec writes them -- never an oracle against itself.
 *
 * V1  spec/leverage.h, axiom lev_z_solves: z_i solves G z_i = a_s,i with
 *     G = A_s^T A_s, A_s = Diag(s)^-1 A, and h_ii = a_s,i^T z_i
 *     (leverage_hii), p_i = h_ii / d (leverage_pi).  Here G z_i = a_s,i is
 *     solved by Gaussian elimination in MPFR and h_ii, p_i compared with
 *     bht_oracle_leverage (correctly rounded: <= 1/2 ulp) and bht_leverage
 *     (its 1 ulp budget); the characterising properties sum_i h_ii = d
 *     (rank d) and invariance under A -> A R (R invertible, A R exact) are
 *     checked on the functions' outputs.
 * The definitions of spec/nu.h and spec/model_distance.h are not axioms;
 * they are checked the same way so that their constants (nu / 8, nu / 2 +
 * Z / (2 d), 2 W_ii / d) are the code's: nu_softmax_formula,
 * local_constant_softmax_formula, nu_softmax_derivative against
 * bht_oracle_nu_softmax / bht_nu_softmax; nu_leverage_formula (Var_p(w_s),
 * mean included), local_constant_leverage_formula (Z through
 * sum_k (m_s,i^T z_k)^2), nu_leverage_derivative against
 * bht_oracle_nu_leverage / bht_nu_leverage (and E_p[w_s] = 0, the step
 * nu_leverage_formula = nu_leverage_moment that WP does not prove);
 * hellinger2/hellinger/tv_softmax_models and _leverage_models against
 * bht_oracle_distance_softmax / _leverage and the double kernels.
 * Seeds fixed (SplitMix64). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include "harness.h"

#define PREC 256
#define CASES 40
#define MAXN 12
#define MAXD 4

static mpfr_t *mv_new(size_t k)
{
    mpfr_t *v = malloc((k ? k : 1) * sizeof *v);
    if (!v) abort();
    for (size_t i = 0; i < k; i++) {
        mpfr_init2(v[i], PREC);
        mpfr_set_zero(v[i], 1);
    }
    return v;
}

static void mv_free(mpfr_t *v, size_t k)
{
    for (size_t i = 0; i < k; i++) mpfr_clear(v[i]);
    free(v);
}

/* |got - ref| <= ulps ulp(RN(ref)) + 2^-200 |ref| (ref is accurate to far
 * better than 2^-200 relative here). */
static int close_ulps(double got, mpfr_t ref, double ulps)
{
    if (!isfinite(got)) return 0;
    double r = mpfr_get_d(ref, MPFR_RNDN);
    double u = (r == 0.0 || fabs(r) < DBL_MIN) ? DBL_TRUE_MIN : ldexp(1.0, ilogb(r) - 52);
    mpfr_t e, b;
    mpfr_inits2(PREC, e, b, (mpfr_ptr)0);
    mpfr_sub_d(e, ref, got, MPFR_RNDN);
    mpfr_abs(e, e, MPFR_RNDN);
    mpfr_abs(b, ref, MPFR_RNDN);
    mpfr_mul_2si(b, b, -200, MPFR_RNDN);
    mpfr_add_d(b, b, ulps * u, MPFR_RNDN);
    int ok = mpfr_cmp(e, b) <= 0;
    mpfr_clears(e, b, (mpfr_ptr)0);
    return ok;
}

/* ------------------------------------------------ leverage (spec/leverage.h) */

/* The spec's leverage formulas in MPFR.  Outputs (each may be NULL):
 * h[i] = h_ii, z[i * d + j] = (z_i)_j; with M: W[i] = W_ii, nu (Var_p(w_s),
 * mean included), mean (E_p[w_s]), L (nu / 2 + Z / (2 d)). */
typedef struct lev_ref {
    mpfr_t *h, *z, *W;
    mpfr_t nu, mean, L;
} lev_ref;

static void lev_ref_init(lev_ref *r, size_t n, size_t d)
{
    r->h = mv_new(n);
    r->z = mv_new(n * d);
    r->W = mv_new(n);
    mpfr_inits2(PREC, r->nu, r->mean, r->L, (mpfr_ptr)0);
}

static void lev_ref_clear(lev_ref *r, size_t n, size_t d)
{
    mv_free(r->h, n);
    mv_free(r->z, n * d);
    mv_free(r->W, n);
    mpfr_clears(r->nu, r->mean, r->L, (mpfr_ptr)0);
}

/* B_s = Diag(s)^-1 B (lev_scaled). */
static mpfr_t *scaled(size_t n, size_t d, const double *B, const double *s)
{
    mpfr_t *v = mv_new(n * d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            mpfr_set_d(v[i * d + j], B[i * d + j], MPFR_RNDN);
            mpfr_div_d(v[i * d + j], v[i * d + j], s ? s[i] : 1.0, MPFR_RNDN);
        }
    return v;
}

/* (X^T Y)_jl over the n rows (lev_cross_sum). */
static mpfr_t *cross(size_t n, size_t d, mpfr_t *X, mpfr_t *Y)
{
    mpfr_t *c = mv_new(d * d), t;
    mpfr_init2(t, PREC);
    for (size_t j = 0; j < d; j++)
        for (size_t l = 0; l < d; l++)
            for (size_t r = 0; r < n; r++) {
                mpfr_mul(t, X[r * d + j], Y[r * d + l], MPFR_RNDN);
                mpfr_add(c[j * d + l], c[j * d + l], t, MPFR_RNDN);
            }
    mpfr_clear(t);
    return c;
}

/* Solve G z = b (d-by-d, Gaussian elimination with partial pivoting on a
 * copy); returns 0 when a pivot is exactly zero. */
static int solve(size_t d, mpfr_t *G, mpfr_t *b, mpfr_t *z)
{
    mpfr_t *a = mv_new(d * (d + 1)), t;
    mpfr_init2(t, PREC);
    for (size_t j = 0; j < d; j++) {
        for (size_t l = 0; l < d; l++) mpfr_set(a[j * (d + 1) + l], G[j * d + l], MPFR_RNDN);
        mpfr_set(a[j * (d + 1) + d], b[j], MPFR_RNDN);
    }
    int ok = 1;
    for (size_t c = 0; c < d && ok; c++) {
        size_t best = c;
        for (size_t r = c + 1; r < d; r++)
            if (mpfr_cmpabs(a[r * (d + 1) + c], a[best * (d + 1) + c]) > 0) best = r;
        if (mpfr_zero_p(a[best * (d + 1) + c])) { ok = 0; break; }
        if (best != c)
            for (size_t l = 0; l <= d; l++) mpfr_swap(a[c * (d + 1) + l], a[best * (d + 1) + l]);
        for (size_t r = c + 1; r < d; r++) {
            mpfr_div(t, a[r * (d + 1) + c], a[c * (d + 1) + c], MPFR_RNDN);
            for (size_t l = c; l <= d; l++) {
                mpfr_t u;
                mpfr_init2(u, PREC);
                mpfr_mul(u, t, a[c * (d + 1) + l], MPFR_RNDN);
                mpfr_sub(a[r * (d + 1) + l], a[r * (d + 1) + l], u, MPFR_RNDN);
                mpfr_clear(u);
            }
        }
    }
    for (size_t c = d; ok && c-- > 0;) {
        mpfr_set(t, a[c * (d + 1) + d], MPFR_RNDN);
        for (size_t l = c + 1; l < d; l++) {
            mpfr_t u;
            mpfr_init2(u, PREC);
            mpfr_mul(u, a[c * (d + 1) + l], z[l], MPFR_RNDN);
            mpfr_sub(t, t, u, MPFR_RNDN);
            mpfr_clear(u);
        }
        mpfr_div(z[c], t, a[c * (d + 1) + c], MPFR_RNDN);
    }
    mpfr_clear(t);
    mv_free(a, d * (d + 1));
    return ok;
}

/* The formulas of spec/leverage.h (M == NULL) and spec/nu.h part 1 (leverage model). */
static int lev_reference(size_t n, size_t d, const double *A, const double *M,
                         const double *s, lev_ref *r)
{
    mpfr_t *As = scaled(n, d, A, s), *G = cross(n, d, As, As), t, u;
    mpfr_inits2(PREC, t, u, (mpfr_ptr)0);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        ok = solve(d, G, As + i * d, r->z + i * d); /* lev_z_solves */
        mpfr_set_zero(r->h[i], 1);
        for (size_t j = 0; j < d && ok; j++) { /* leverage_hii */
            mpfr_mul(t, As[i * d + j], r->z[i * d + j], MPFR_RNDN);
            mpfr_add(r->h[i], r->h[i], t, MPFR_RNDN);
        }
    }
    if (ok && M) {
        mpfr_t *Ms = scaled(n, d, M, s), *N = cross(n, d, As, Ms);
        mpfr_t *w = mv_new(n), *p = mv_new(n), Z;
        mpfr_init2(Z, PREC);
        mpfr_set_zero(Z, 1);
        for (size_t i = 0; i < n; i++) {
            mpfr_set_zero(r->W[i], 1); /* nu_leverage_W = m_s,i.z_i - z_i^T N z_i */
            for (size_t j = 0; j < d; j++) {
                mpfr_mul(t, Ms[i * d + j], r->z[i * d + j], MPFR_RNDN);
                mpfr_add(r->W[i], r->W[i], t, MPFR_RNDN);
                mpfr_set_zero(u, 1);
                for (size_t l = 0; l < d; l++) {
                    mpfr_mul(t, N[j * d + l], r->z[i * d + l], MPFR_RNDN);
                    mpfr_add(u, u, t, MPFR_RNDN);
                }
                mpfr_mul(u, u, r->z[i * d + j], MPFR_RNDN);
                mpfr_sub(r->W[i], r->W[i], u, MPFR_RNDN);
            }
            mpfr_div_ui(p[i], r->h[i], (unsigned long)d, MPFR_RNDN); /* leverage_pi */
            if (mpfr_zero_p(r->h[i])) { /* nu_leverage_w = 0; Z term */
                mpfr_set_zero(w[i], 1);
                for (size_t k = 0; k < n; k++) {
                    mpfr_set_zero(u, 1);
                    for (size_t j = 0; j < d; j++) {
                        mpfr_mul(t, Ms[i * d + j], r->z[k * d + j], MPFR_RNDN);
                        mpfr_add(u, u, t, MPFR_RNDN);
                    }
                    mpfr_sqr(u, u, MPFR_RNDN);
                    mpfr_add(Z, Z, u, MPFR_RNDN);
                }
            } else {
                mpfr_div(w[i], r->W[i], r->h[i], MPFR_RNDN);
            }
        }
        mpfr_set_zero(r->mean, 1); /* nu_leverage_mean_sum */
        for (size_t i = 0; i < n; i++) {
            mpfr_mul(t, p[i], w[i], MPFR_RNDN);
            mpfr_add(r->mean, r->mean, t, MPFR_RNDN);
        }
        mpfr_set_zero(r->nu, 1); /* nu_leverage_formula: Var_p(w_s) */
        for (size_t i = 0; i < n; i++) {
            mpfr_sub(t, w[i], r->mean, MPFR_RNDN);
            mpfr_sqr(t, t, MPFR_RNDN);
            mpfr_mul(t, t, p[i], MPFR_RNDN);
            mpfr_add(r->nu, r->nu, t, MPFR_RNDN);
        }
        /* local_constant_leverage_formula = nu / 2 + Z / (2 d) */
        mpfr_div_ui(t, Z, (unsigned long)(2 * d), MPFR_RNDN);
        mpfr_div_2ui(r->L, r->nu, 1, MPFR_RNDN);
        mpfr_add(r->L, r->L, t, MPFR_RNDN);
        mpfr_clear(Z);
        mv_free(w, n);
        mv_free(p, n);
        mv_free(Ms, n * d);
        mv_free(N, d * d);
    }
    mpfr_clears(t, u, (mpfr_ptr)0);
    mv_free(As, n * d);
    mv_free(G, d * d);
    return ok;
}

/* A random n-by-d instance: Gaussian entries scaled by random powers of two
 * per row, some zero rows (rank d kept: at least d + 1 nonzero rows). */
static void random_instance(test_rng *rng, size_t *n, size_t *d, double *A, double *M, double *s,
                            int zero_rows)
{
    *d = test_rng_int(rng, 1, MAXD);
    *n = test_rng_int(rng, *d + 2, MAXN);
    for (size_t i = 0; i < *n; i++) {
        int e = (int)test_rng_int(rng, 0, 6) - 3;
        int zero = zero_rows && i >= *d + 1 && test_rng_int(rng, 0, 3) == 0;
        for (size_t j = 0; j < *d; j++) {
            A[i * *d + j] = zero ? 0.0 : ldexp(test_rng_normal(rng), e);
            if (M) M[i * *d + j] = test_rng_normal(rng);
        }
        s[i] = ldexp(test_rng_uniform(rng, 0.5, 2.0), (int)test_rng_int(rng, 0, 4) - 2)
               * (test_rng_int(rng, 0, 1) ? 1.0 : -1.0);
    }
}

Test(trusted_formulas, leverage_solution_V1)
{
    test_rng rng = {0x6c65767a31ULL};
    double A[MAXN * MAXD], s[MAXN], p[MAXN], h[MAXN], kp[MAXN], kh[MAXN];
    int kernel_ok = 0;
    for (int c = 0; c < CASES; c++) {
        size_t n, d;
        random_instance(&rng, &n, &d, A, NULL, s, c % 2);
        const double *sq = (c % 5 == 0) ? NULL : s;
        lev_ref r;
        lev_ref_init(&r, n, d);
        cr_assert(lev_reference(n, d, A, NULL, sq, &r), "case %d: G singular in MPFR", c);
        cr_assert_eq(bht_oracle_leverage(n, d, A, sq, p, h, NULL, NULL, NULL), BHT_OK, "case %d", c);
        bht_status ks = bht_leverage(n, d, A, sq, kp, kh, NULL);
        kernel_ok += ks == BHT_OK;
        mpfr_t sum, pi, dm;
        mpfr_inits2(PREC, sum, pi, dm, (mpfr_ptr)0);
        mpfr_set_zero(sum, 1);
        double osum = 0.0;
        for (size_t i = 0; i < n; i++) {
            mpfr_div_ui(pi, r.h[i], (unsigned long)d, MPFR_RNDN);
            cr_assert(close_ulps(h[i], r.h[i], 0.5), "case %d row %zu: oracle h %a vs MPFR h_ii %a",
                      c, i, h[i], mpfr_get_d(r.h[i], MPFR_RNDN));
            cr_assert(close_ulps(p[i], pi, 0.5), "case %d row %zu: oracle p %a vs h_ii / d", c, i, p[i]);
            if (ks == BHT_OK) {
                cr_assert(close_ulps(kh[i], r.h[i], 1.0), "case %d row %zu: bht_leverage h %a", c, i, kh[i]);
                cr_assert(close_ulps(kp[i], pi, 1.0), "case %d row %zu: bht_leverage p %a", c, i, kp[i]);
            }
            mpfr_add(sum, sum, r.h[i], MPFR_RNDN);
            osum += h[i];
        }
        /* sum_i h_ii = d (trace of the projector = rank d). */
        mpfr_sub_ui(dm, sum, (unsigned long)d, MPFR_RNDN);
        cr_assert(mpfr_zero_p(dm) || mpfr_get_exp(dm) < -190, "case %d: sum h_ii - d = %g", c,
                  mpfr_get_d(dm, MPFR_RNDN));
        cr_assert(fabs(osum - (double)d) <= 4.0 * (double)n * DBL_EPSILON * (double)d,
                  "case %d: sum of oracle h_ii %a, d = %zu", c, osum, d);
        mpfr_clears(sum, pi, dm, (mpfr_ptr)0);
        lev_ref_clear(&r, n, d);
    }
    cr_assert(kernel_ok >= CASES / 2, "bht_leverage refused %d of %d cases", CASES - kernel_ok, CASES);
}

/* Invariance under A -> A R: small integer A and R, so A R is exact. */
Test(trusted_formulas, leverage_invariant_under_AR)
{
    test_rng rng = {0x6c65766172ULL};
    double A[MAXN * MAXD], AR[MAXN * MAXD], R[MAXD * MAXD], s[MAXN];
    double h1[MAXN], h2[MAXN], p1[MAXN], p2[MAXN], kh[MAXN];
    for (int c = 0; c < CASES; c++) {
        size_t d = test_rng_int(&rng, 2, MAXD), n = test_rng_int(&rng, d + 1, MAXN);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < d; j++) A[i * d + j] = (double)test_rng_int(&rng, 0, 16) - 8.0;
            s[i] = (double)test_rng_int(&rng, 1, 4) * (test_rng_int(&rng, 0, 1) ? 1.0 : -1.0);
        }
        /* R = U P D: U unit upper triangular with integer entries, P a
         * rotation of the columns, D = diag(+-1, +-2): invertible. */
        double U[MAXD * MAXD];
        for (size_t j = 0; j < d; j++)
            for (size_t l = 0; l < d; l++)
                U[j * d + l] = j == l ? 1.0 : (l > j ? (double)test_rng_int(&rng, 0, 6) - 3.0 : 0.0);
        size_t shift = test_rng_int(&rng, 0, d - 1);
        for (size_t j = 0; j < d; j++)
            for (size_t l = 0; l < d; l++) R[j * d + l] = U[j * d + (l + shift) % d];
        for (size_t l = 0; l < d; l++) {
            double dl = (test_rng_int(&rng, 0, 1) ? 1.0 : 2.0) * (test_rng_int(&rng, 0, 1) ? 1.0 : -1.0);
            for (size_t j = 0; j < d; j++) R[j * d + l] *= dl;
        }
        for (size_t i = 0; i < n; i++)
            for (size_t l = 0; l < d; l++) {
                double v = 0.0;
                for (size_t j = 0; j < d; j++) v += A[i * d + j] * R[j * d + l]; /* small integers: exact */
                AR[i * d + l] = v;
            }
        bht_status s1 = bht_oracle_leverage(n, d, A, s, p1, h1, NULL, NULL, NULL);
        if (s1 == BHT_E_SINGULAR) continue; /* integer A may be rank deficient */
        cr_assert_eq(s1, BHT_OK, "case %d", c);
        cr_assert_eq(bht_oracle_leverage(n, d, AR, s, p2, h2, NULL, NULL, NULL), BHT_OK, "case %d", c);
        lev_ref r;
        lev_ref_init(&r, n, d);
        cr_assert(lev_reference(n, d, A, NULL, s, &r));
        bht_status ks = bht_leverage(n, d, AR, s, p2, kh, NULL);
        for (size_t i = 0; i < n; i++) {
            cr_assert(h1[i] == h2[i], "case %d row %zu: h(A) %a != h(A R) %a", c, i, h1[i], h2[i]);
            cr_assert(close_ulps(h2[i], r.h[i], 0.5), "case %d row %zu: oracle h(A R) vs MPFR h(A)", c, i);
            if (ks == BHT_OK)
                cr_assert(close_ulps(kh[i], r.h[i], 1.0), "case %d row %zu: bht_leverage(A R)", c, i);
        }
        (void)p1;
        lev_ref_clear(&r, n, d);
    }
}

/* --------------------------------------------- local analysis (spec/nu.h) */

Test(trusted_formulas, nu_softmax_formula)
{
    test_rng rng = {0x6e75736d78ULL};
    double A[MAXN * MAXD], M[MAXN * MAXD], x[MAXD], der[MAXN], kder[MAXN];
    int kernel_ok = 0;
    for (int c = 0; c < CASES; c++) {
        size_t d = test_rng_int(&rng, 1, MAXD), n = test_rng_int(&rng, 2, MAXN);
        for (size_t i = 0; i < n * d; i++) {
            A[i] = test_rng_normal(&rng);
            M[i] = test_rng_normal(&rng);
        }
        for (size_t j = 0; j < d; j++) x[j] = test_rng_uniform(&rng, -2.0, 2.0);
        mpfr_t *p = mv_new(n), *g = mv_new(n), S, mean, nu, t, L;
        mpfr_inits2(PREC, S, mean, nu, t, L, (mpfr_ptr)0);
        mpfr_set_zero(S, 1);
        for (size_t i = 0; i < n; i++) { /* logit_ax(A), logit_ax(M) */
            mpfr_t z;
            mpfr_init2(z, PREC);
            mpfr_set_zero(z, 1);
            for (size_t j = 0; j < d; j++) {
                mpfr_set_d(t, A[i * d + j], MPFR_RNDN);
                mpfr_mul_d(t, t, x[j], MPFR_RNDN);
                mpfr_add(z, z, t, MPFR_RNDN);
                mpfr_set_d(t, M[i * d + j], MPFR_RNDN);
                mpfr_mul_d(t, t, x[j], MPFR_RNDN);
                mpfr_add(g[i], g[i], t, MPFR_RNDN);
            }
            mpfr_exp(p[i], z, MPFR_RNDN);
            mpfr_add(S, S, p[i], MPFR_RNDN);
            mpfr_clear(z);
        }
        mpfr_set_zero(mean, 1);
        for (size_t i = 0; i < n; i++) { /* softmax_ax, nu_softmax_mean */
            mpfr_div(p[i], p[i], S, MPFR_RNDN);
            mpfr_mul(t, p[i], g[i], MPFR_RNDN);
            mpfr_add(mean, mean, t, MPFR_RNDN);
        }
        mpfr_set_zero(nu, 1);
        for (size_t i = 0; i < n; i++) { /* nu_softmax_formula; g becomes the derivative */
            mpfr_sub(g[i], g[i], mean, MPFR_RNDN);
            mpfr_sqr(t, g[i], MPFR_RNDN);
            mpfr_mul(t, t, p[i], MPFR_RNDN);
            mpfr_add(nu, nu, t, MPFR_RNDN);
            mpfr_mul(g[i], g[i], p[i], MPFR_RNDN); /* nu_softmax_derivative */
        }
        mpfr_div_ui(L, nu, 8, MPFR_RNDN); /* local_constant_softmax_formula */
        bht_local_result o, k;
        cr_assert_eq(bht_oracle_nu_softmax(n, d, A, M, x, &o, der, NULL, NULL), BHT_OK, "case %d", c);
        cr_assert(close_ulps(o.nu, nu, 0.5), "case %d: oracle nu %a vs MPFR %a", c, o.nu,
                  mpfr_get_d(nu, MPFR_RNDN));
        cr_assert(close_ulps(o.local_constant, L, 0.5), "case %d: oracle L %a vs nu / 8", c,
                  o.local_constant);
        for (size_t i = 0; i < n; i++)
            cr_assert(close_ulps(der[i], g[i], 0.5), "case %d: oracle dq_%zu %a", c, i, der[i]);
        if (bht_nu_softmax(n, d, A, M, x, &k, kder) == BHT_OK) {
            kernel_ok++;
            cr_assert(close_ulps(k.nu, nu, 2.0), "case %d: bht_nu_softmax nu %a", c, k.nu);
            cr_assert(close_ulps(k.local_constant, L, 2.0), "case %d: bht_nu_softmax L %a", c,
                      k.local_constant);
            for (size_t i = 0; i < n; i++)
                cr_assert(close_ulps(kder[i], g[i], 2.0), "case %d: bht_nu_softmax dq_%zu", c, i);
        }
        mpfr_clears(S, mean, nu, t, L, (mpfr_ptr)0);
        mv_free(p, n);
        mv_free(g, n);
    }
    cr_assert(kernel_ok >= CASES / 2, "bht_nu_softmax refused %d of %d cases", CASES - kernel_ok, CASES);
}

Test(trusted_formulas, nu_leverage_formula)
{
    test_rng rng = {0x6e756c6576ULL};
    double A[MAXN * MAXD], M[MAXN * MAXD], s[MAXN], der[MAXN], kder[MAXN];
    int kernel_ok = 0, zero_rows = 0;
    for (int c = 0; c < CASES; c++) {
        size_t n, d;
        random_instance(&rng, &n, &d, A, M, s, c % 2);
        lev_ref r;
        lev_ref_init(&r, n, d);
        cr_assert(lev_reference(n, d, A, M, s, &r), "case %d: G singular in MPFR", c);
        for (size_t i = 0; i < n; i++) zero_rows += mpfr_zero_p(r.h[i]) != 0;
        /* E_p[w_s] = tr(W) / d = 0: nu_leverage_formula equals the kernel's
         * form nu_leverage_moment (not proved by WP). */
        cr_assert(mpfr_zero_p(r.mean) || mpfr_get_exp(r.mean) < mpfr_get_exp(r.nu) / 2 - 180,
                  "case %d: E_p[w] = %g", c, mpfr_get_d(r.mean, MPFR_RNDN));
        bht_local_result o, k;
        cr_assert_eq(bht_oracle_nu_leverage(n, d, A, M, s, &o, der, NULL, NULL), BHT_OK, "case %d", c);
        mpfr_t dq;
        mpfr_init2(dq, PREC);
        cr_assert(close_ulps(o.nu, r.nu, 0.5), "case %d: oracle nu %a vs MPFR Var_p(w) %a", c, o.nu,
                  mpfr_get_d(r.nu, MPFR_RNDN));
        cr_assert(close_ulps(o.local_constant, r.L, 0.5), "case %d: oracle L %a vs nu/2 + Z/(2d) %a",
                  c, o.local_constant, mpfr_get_d(r.L, MPFR_RNDN));
        for (size_t i = 0; i < n; i++) {
            mpfr_mul_2ui(dq, r.W[i], 1, MPFR_RNDN);
            mpfr_div_ui(dq, dq, (unsigned long)d, MPFR_RNDN); /* nu_leverage_derivative */
            cr_assert(close_ulps(der[i], dq, 0.5), "case %d: oracle dq_%zu %a vs 2 W_ii / d", c, i, der[i]);
        }
        if (bht_nu_leverage(n, d, A, M, s, &k, kder) == BHT_OK) {
            kernel_ok++;
            cr_assert(close_ulps(k.nu, r.nu, 2.0), "case %d: bht_nu_leverage nu %a", c, k.nu);
            cr_assert(close_ulps(k.local_constant, r.L, 2.0), "case %d: bht_nu_leverage L %a", c,
                      k.local_constant);
            for (size_t i = 0; i < n; i++) {
                mpfr_mul_2ui(dq, r.W[i], 1, MPFR_RNDN);
                mpfr_div_ui(dq, dq, (unsigned long)d, MPFR_RNDN);
                cr_assert(close_ulps(kder[i], dq, 2.0), "case %d: bht_nu_leverage dq_%zu", c, i);
            }
        }
        mpfr_clear(dq);
        lev_ref_clear(&r, n, d);
    }
    cr_assert(zero_rows > 0, "no zero row exercised the Z term");
    cr_assert(kernel_ok >= CASES / 2, "bht_nu_leverage refused %d of %d cases", CASES - kernel_ok, CASES);
}

/* ------------------------------------- model distances (spec/model_distance.h) */

/* H^2, H, TV of two distributions given in MPFR. */
static void distances_of(size_t n, mpfr_t *p, mpfr_t *q, mpfr_t h2, mpfr_t h, mpfr_t tv)
{
    mpfr_t a, b;
    mpfr_inits2(PREC, a, b, (mpfr_ptr)0);
    mpfr_set_zero(h2, 1);
    mpfr_set_zero(tv, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_sqrt(a, p[i], MPFR_RNDN);
        mpfr_sqrt(b, q[i], MPFR_RNDN);
        mpfr_sub(a, a, b, MPFR_RNDN);
        mpfr_sqr(a, a, MPFR_RNDN);
        mpfr_add(h2, h2, a, MPFR_RNDN);
        mpfr_sub(a, p[i], q[i], MPFR_RNDN);
        mpfr_abs(a, a, MPFR_RNDN);
        mpfr_add(tv, tv, a, MPFR_RNDN);
    }
    mpfr_div_2ui(h2, h2, 1, MPFR_RNDN);
    mpfr_div_2ui(tv, tv, 1, MPFR_RNDN);
    mpfr_sqrt(h, h2, MPFR_RNDN);
    mpfr_clears(a, b, (mpfr_ptr)0);
}

static void check_distances(const char *what, int c, const bht_distances *got, mpfr_t h2, mpfr_t h,
                            mpfr_t tv, double ulps)
{
    cr_assert(close_ulps(got->hellinger2, h2, ulps), "%s case %d: H^2 %a vs MPFR %a", what, c,
              got->hellinger2, mpfr_get_d(h2, MPFR_RNDN));
    cr_assert(close_ulps(got->hellinger, h, ulps), "%s case %d: H %a vs MPFR %a", what, c,
              got->hellinger, mpfr_get_d(h, MPFR_RNDN));
    cr_assert(close_ulps(got->tv, tv, ulps), "%s case %d: TV %a vs MPFR %a", what, c, got->tv,
              mpfr_get_d(tv, MPFR_RNDN));
}

Test(trusted_formulas, model_distances)
{
    test_rng rng = {0x6d6f64656cULL};
    double A[MAXN * MAXD], B[MAXN * MAXD], x[MAXD], s[MAXN];
    for (int c = 0; c < CASES; c++) {
        size_t d = test_rng_int(&rng, 1, MAXD), n = test_rng_int(&rng, d + 2, MAXN);
        double scale = ldexp(1.0, -(int)test_rng_int(&rng, 0, 30));
        for (size_t i = 0; i < n * d; i++) {
            A[i] = test_rng_normal(&rng);
            B[i] = A[i] + scale * test_rng_normal(&rng);
        }
        for (size_t j = 0; j < d; j++) x[j] = test_rng_uniform(&rng, -2.0, 2.0);
        for (size_t i = 0; i < n; i++) s[i] = test_rng_uniform(&rng, 0.5, 2.0);
        mpfr_t *p = mv_new(n), *q = mv_new(n), h2, h, tv, S, T, t;
        mpfr_inits2(PREC, h2, h, tv, S, T, t, (mpfr_ptr)0);
        /* softmax_ax(A), softmax_ax(B) */
        mpfr_set_zero(S, 1);
        mpfr_set_zero(T, 1);
        for (size_t i = 0; i < n; i++) {
            mpfr_set_zero(p[i], 1);
            mpfr_set_zero(q[i], 1);
            for (size_t j = 0; j < d; j++) {
                mpfr_set_d(t, A[i * d + j], MPFR_RNDN);
                mpfr_mul_d(t, t, x[j], MPFR_RNDN);
                mpfr_add(p[i], p[i], t, MPFR_RNDN);
                mpfr_set_d(t, B[i * d + j], MPFR_RNDN);
                mpfr_mul_d(t, t, x[j], MPFR_RNDN);
                mpfr_add(q[i], q[i], t, MPFR_RNDN);
            }
            mpfr_exp(p[i], p[i], MPFR_RNDN);
            mpfr_exp(q[i], q[i], MPFR_RNDN);
            mpfr_add(S, S, p[i], MPFR_RNDN);
            mpfr_add(T, T, q[i], MPFR_RNDN);
        }
        for (size_t i = 0; i < n; i++) {
            mpfr_div(p[i], p[i], S, MPFR_RNDN);
            mpfr_div(q[i], q[i], T, MPFR_RNDN);
        }
        distances_of(n, p, q, h2, h, tv); /* hellinger2/hellinger/tv_softmax_models */
        bht_distances o, k;
        cr_assert_eq(bht_oracle_distance_softmax(n, d, A, B, x, &o, NULL, NULL), BHT_OK, "case %d", c);
        check_distances("oracle softmax", c, &o, h2, h, tv, 0.5);
        if (bht_distance_softmax(n, d, A, B, x, &k) == BHT_OK)
            check_distances("bht_distance_softmax", c, &k, h2, h, tv, 2.0);
        /* leverage_pi(A), leverage_pi(B) */
        lev_ref ra, rb;
        lev_ref_init(&ra, n, d);
        lev_ref_init(&rb, n, d);
        cr_assert(lev_reference(n, d, A, NULL, s, &ra) && lev_reference(n, d, B, NULL, s, &rb));
        for (size_t i = 0; i < n; i++) {
            mpfr_div_ui(p[i], ra.h[i], (unsigned long)d, MPFR_RNDN);
            mpfr_div_ui(q[i], rb.h[i], (unsigned long)d, MPFR_RNDN);
        }
        distances_of(n, p, q, h2, h, tv); /* hellinger2/hellinger/tv_leverage_models */
        cr_assert_eq(bht_oracle_distance_leverage(n, d, A, B, s, &o, NULL, NULL), BHT_OK, "case %d", c);
        check_distances("oracle leverage", c, &o, h2, h, tv, 0.5);
        if (bht_distance_leverage(n, d, A, B, s, &k) == BHT_OK)
            check_distances("bht_distance_leverage", c, &k, h2, h, tv, 2.0);
        lev_ref_clear(&ra, n, d);
        lev_ref_clear(&rb, n, d);
        mpfr_clears(h2, h, tv, S, T, t, (mpfr_ptr)0);
        mv_free(p, n);
        mv_free(q, n);
    }
}
