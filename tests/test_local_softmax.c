/* test_local_softmax.c: the softmax local analysis (nu, local constant,
 * dq/deps).  The oracle's closed forms are checked against quantities that
 * do not use them: Richardson-extrapolated central differences of the model
 * itself, and H^2(P, Q_eps)/eps^2 at shrinking eps, both evaluated directly
 * in MPFR at 600 bits in this file.  The double kernel is then checked
 * against the oracle (budget 16 ulp). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "oracle_internal.h"

#define LOCAL_ULP_BUDGET 16.0
#define REF_PREC 2200
#define MAX_N 64
#define MAX_D 8

typedef struct instance {
    size_t n, d;
    double A[MAX_N * MAX_D], M[MAX_N * MAX_D], x[MAX_D];
} instance;

static void random_instance(test_rng *rng, instance *in, int family)
{
    in->n = test_rng_int(rng, 1, MAX_N);
    in->d = test_rng_int(rng, 1, MAX_D);
    double scale = ldexp(1.0, (int)test_rng_int(rng, 0, 6) - 2);
    for (size_t k = 0; k < in->n * in->d; k++) {
        in->A[k] = scale * test_rng_normal(rng);
        in->M[k] = test_rng_normal(rng);
    }
    for (size_t k = 0; k < in->d; k++)
        in->x[k] = test_rng_normal(rng);
    if (family == 1) /* M = 1 w^T + small: the shift-invariant direction plus noise */
        for (size_t i = 1; i < in->n; i++)
            for (size_t k = 0; k < in->d; k++)
                in->M[i * in->d + k] = in->M[k] + ldexp(test_rng_normal(rng), -30);
    if (family == 2) /* peaked distribution: some components far below the top */
        for (size_t k = 0; k < in->n * in->d; k++)
            in->A[k] *= 40.0;
}

/* Reference model at REF_PREC: q(eps) = softmax(A x + eps M x) into q[]. */
static void model_at(const instance *in, mpfr_srcptr eps, mpfr_ptr *q)
{
    mpfr_t acc, tmp, sum;
    mpfr_inits2(REF_PREC, acc, tmp, sum, (mpfr_ptr)0);
    mpfr_set_zero(sum, 1);
    for (size_t i = 0; i < in->n; i++) {
        mpfr_set_zero(acc, 1);
        for (size_t k = 0; k < in->d; k++) {
            mpfr_set_d(tmp, in->M[i * in->d + k], MPFR_RNDN);
            mpfr_mul(tmp, tmp, eps, MPFR_RNDN);
            mpfr_add_d(tmp, tmp, in->A[i * in->d + k], MPFR_RNDN);
            mpfr_mul_d(tmp, tmp, in->x[k], MPFR_RNDN);
            mpfr_add(acc, acc, tmp, MPFR_RNDN);
        }
        mpfr_set(q[i], acc, MPFR_RNDN);
    }
    /* shift by the first logit (any shift is exact in value) */
    mpfr_set(tmp, q[0], MPFR_RNDN);
    for (size_t i = 0; i < in->n; i++) {
        mpfr_sub(q[i], q[i], tmp, MPFR_RNDN);
        mpfr_exp(q[i], q[i], MPFR_RNDN);
        mpfr_add(sum, sum, q[i], MPFR_RNDN);
    }
    for (size_t i = 0; i < in->n; i++)
        mpfr_div(q[i], q[i], sum, MPFR_RNDN);
    mpfr_clears(acc, tmp, sum, (mpfr_ptr)0);
}

/* Richardson-extrapolated central difference at h = 2^-30:
 * D(h) = (q(h) - q(-h)) / 2h, deriv = (4 D(h/2) - D(h)) / 3, error O(h^4). */
static void reference_derivative(const instance *in, mpfr_ptr *deriv)
{
    mpfr_ptr qp[MAX_N], qm[MAX_N];
    mpfr_t store[2 * MAX_N], eps, coarse[MAX_N];
    for (size_t i = 0; i < in->n; i++) {
        mpfr_init2(store[i], REF_PREC);
        mpfr_init2(store[MAX_N + i], REF_PREC);
        mpfr_init2(coarse[i], REF_PREC);
        qp[i] = store[i];
        qm[i] = store[MAX_N + i];
    }
    mpfr_init2(eps, REF_PREC);
    for (int level = 0; level < 2; level++) {
        long e = -30 - level;
        mpfr_set_ui_2exp(eps, 1, e, MPFR_RNDN);
        model_at(in, eps, qp);
        mpfr_neg(eps, eps, MPFR_RNDN);
        model_at(in, eps, qm);
        for (size_t i = 0; i < in->n; i++) {
            mpfr_ptr out = level == 0 ? coarse[i] : deriv[i];
            mpfr_sub(out, qp[i], qm[i], MPFR_RNDN);
            mpfr_mul_2si(out, out, -e - 1, MPFR_RNDN); /* / 2h */
        }
    }
    for (size_t i = 0; i < in->n; i++) {
        mpfr_mul_ui(deriv[i], deriv[i], 4, MPFR_RNDN);
        mpfr_sub(deriv[i], deriv[i], coarse[i], MPFR_RNDN);
        mpfr_div_ui(deriv[i], deriv[i], 3, MPFR_RNDN);
        mpfr_clears(store[i], store[MAX_N + i], coarse[i], (mpfr_ptr)0);
    }
    mpfr_clear(eps);
}

/* H^2(P, Q_eps) / eps^2 at eps = 2^e, straight from the definition. */
static void hellinger_ratio(const instance *in, long e, mpfr_ptr ratio)
{
    mpfr_ptr p[MAX_N], q[MAX_N];
    mpfr_t store[2 * MAX_N], eps, t;
    for (size_t i = 0; i < in->n; i++) {
        mpfr_init2(store[i], REF_PREC);
        mpfr_init2(store[MAX_N + i], REF_PREC);
        p[i] = store[i];
        q[i] = store[MAX_N + i];
    }
    mpfr_inits2(REF_PREC, eps, t, (mpfr_ptr)0);
    mpfr_set_zero(eps, 1);
    model_at(in, eps, p);
    mpfr_set_ui_2exp(eps, 1, e, MPFR_RNDN);
    model_at(in, eps, q);
    mpfr_set_zero(ratio, 1);
    for (size_t i = 0; i < in->n; i++) {
        mpfr_sqrt(p[i], p[i], MPFR_RNDN);
        mpfr_sqrt(q[i], q[i], MPFR_RNDN);
        mpfr_sub(t, p[i], q[i], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_add(ratio, ratio, t, MPFR_RNDN);
        mpfr_clears(store[i], store[MAX_N + i], (mpfr_ptr)0);
    }
    mpfr_mul_2si(ratio, ratio, -1 - 2 * e, MPFR_RNDN); /* 1/2 and / eps^2 */
    mpfr_clears(eps, t, (mpfr_ptr)0);
}

/* |oracle - reference| <= (1/2 + slack) ulp(oracle): correct rounding up to
 * the reference's own error. */
static void assert_rounds_to(double oracle, mpfr_srcptr ref, double slack_ulp, const char *what)
{
    mpfr_t diff;
    mpfr_init2(diff, REF_PREC);
    mpfr_sub_d(diff, ref, oracle, MPFR_RNDN);
    mpfr_abs(diff, diff, MPFR_RNDN);
    double ulp = fabs(oracle) < 0x1p-1022 ? 0x1p-1074 : ldexp(1.0, ilogb(oracle) - 52);
    double err = mpfr_get_d(diff, MPFR_RNDU) / ulp;
    cr_assert(err <= 0.5 + slack_ulp, "%s: oracle %a is %.6g ulp from the reference %a",
              what, oracle, err, mpfr_get_d(ref, MPFR_RNDN));
    mpfr_clear(diff);
}

Test(local_softmax, derivative_matches_richardson_finite_differences, .timeout = 300)
{
    test_rng rng = {8080};
    for (int k = 0; k < 200; k++) {
        instance in;
        random_instance(&rng, &in, k % 3);
        double deriv[MAX_N];
        bht_local_result r;
        cr_assert_eq(bht_oracle_nu_softmax(in.n, in.d, in.A, in.M, in.x, &r, deriv, NULL, NULL),
                     BHT_OK);
        mpfr_t store[MAX_N];
        mpfr_ptr ref[MAX_N];
        for (size_t i = 0; i < in.n; i++) {
            mpfr_init2(store[i], REF_PREC);
            ref[i] = store[i];
        }
        reference_derivative(&in, ref);
        for (size_t i = 0; i < in.n; i++) {
            char what[64];
            snprintf(what, sizeof what, "instance %d component %zu", k, i);
            /* reference error O(h^4) = 2^-120 relative to the scale of q'''' */
            if (fabs(deriv[i]) > 0x1p-900)
                assert_rounds_to(deriv[i], ref[i], 0x1p-40, what);
            mpfr_clear(store[i]);
        }
    }
}

Test(local_softmax, local_constant_is_the_limit_of_h2_over_eps2, .timeout = 300)
{
    test_rng rng = {9090};
    for (int k = 0; k < 60; k++) {
        instance in;
        random_instance(&rng, &in, k % 3);
        bht_local_result r;
        cr_assert_eq(bht_oracle_nu_softmax(in.n, in.d, in.A, in.M, in.x, &r, NULL, NULL, NULL),
                     BHT_OK);
        mpfr_t r1, r2;
        mpfr_inits2(REF_PREC, r1, r2, (mpfr_ptr)0);
        hellinger_ratio(&in, -40, r1);
        hellinger_ratio(&in, -41, r2);
        /* Richardson: r(eps) = L + c eps + O(eps^2)  =>  L ~ 2 r(eps/2) - r(eps). */
        mpfr_mul_2ui(r2, r2, 1, MPFR_RNDN);
        mpfr_sub(r2, r2, r1, MPFR_RNDN);
        double limit = mpfr_get_d(r2, MPFR_RNDN);
        cr_assert(fabs(limit - r.local_constant) <= 0x1p-60 + 0x1p-70 * fabs(limit) * 0x1p+40,
                  "instance %d: H^2/eps^2 -> %.17g, oracle local constant %.17g (nu/8), "
                  "nu/2 would be %.17g",
                  k, limit, r.local_constant, r.nu / 2);
        mpfr_clears(r1, r2, (mpfr_ptr)0);
    }
}

Test(local_softmax, kernel_within_budget_of_oracle, .timeout = 300)
{
    test_rng rng = {4711};
    double worst = 0.0;
    for (int k = 0; k < 3000; k++) {
        instance in;
        random_instance(&rng, &in, k % 3);
        double dk[MAX_N], doo[MAX_N];
        bht_local_result rk, ro;
        cr_assert_eq(bht_nu_softmax(in.n, in.d, in.A, in.M, in.x, &rk, dk), BHT_OK);
        cr_assert_eq(bht_oracle_nu_softmax(in.n, in.d, in.A, in.M, in.x, &ro, doo, NULL, NULL),
                     BHT_OK);
        double e = fmax(bht_ulp_error(rk.nu, ro.nu), bht_ulp_error(rk.local_constant,
                                                                   ro.local_constant));
        for (size_t i = 0; i < in.n; i++)
            e = fmax(e, bht_ulp_error(dk[i], doo[i]));
        cr_assert(e <= LOCAL_ULP_BUDGET, "instance %d (n %zu d %zu family %d): nu %a vs %a, "
                  "%.3g ulp", k, in.n, in.d, k % 3, rk.nu, ro.nu, e);
        worst = fmax(worst, e);
    }
    fprintf(stderr, "nu (softmax): 3000 random instances, max error %.3g ulp (budget %.0f)\n",
            worst, LOCAL_ULP_BUDGET);
}

Test(local_softmax, common_row_offset_gives_exactly_zero)
{
    /* M = 1 w^T: B_eps = A + eps 1 w^T is the same model (paper Sec. 3.3). */
    const double A[6] = {0.5, -1.0, 2.0, 0.25, -3.0, 1.5};
    const double M[6] = {0.1, 0.7, 0.1, 0.7, 0.1, 0.7};
    const double x[2] = {1.25, -0.5};
    double dk[3], doo[3];
    bht_local_result rk, ro;
    cr_assert_eq(bht_nu_softmax(3, 2, A, M, x, &rk, dk), BHT_OK);
    cr_assert_eq(bht_oracle_nu_softmax(3, 2, A, M, x, &ro, doo, NULL, NULL), BHT_OK);
    cr_assert(rk.nu == 0.0 && ro.nu == 0.0 && rk.local_constant == 0.0 && ro.local_constant == 0.0);
    for (int i = 0; i < 3; i++)
        cr_assert(dk[i] == 0.0 && doo[i] == 0.0);
}

Test(local_softmax, fuzz_regression_huge_row_difference_is_refused)
{
    /* found by tests/fuzz/fuzz_local.c: (M_1 - M_2) x ~ 2^403, nu ~ 2^803 is
     * finite, but the dd mean and deviations overflowed: the kernel returned
     * BHT_OK with nu = NaN.  Now: an answer within budget, or BHT_E_RANGE. */
    const double A[2] = {0x1.08p+5, 0x1.9p+3};
    const double M[2] = {0x1.0000000000001p+1020, -0x1.fffffffffffffp+1023};
    const double x[1] = {0x1.dff42424242p-622};
    bht_local_result k, o;
    double dk[2];
    cr_assert_eq(bht_oracle_nu_softmax(2, 1, A, M, x, &o, NULL, NULL, NULL), BHT_OK);
    cr_assert(isfinite(o.nu) && o.nu > 0x1p800);
    bht_status s = bht_nu_softmax(2, 1, A, M, x, &k, dk);
    cr_assert(s == BHT_E_RANGE || (s == BHT_OK && bht_ulp_error(k.nu, o.nu) <= 16.0),
              "status %d, nu %a vs %a", (int)s, k.nu, o.nu);
}

Test(local_softmax, fuzz_regressions_large_logits)
{
    /* found by tests/fuzz/fuzz_local.c.  (1) logits ~2^398 whose differences
     * (2^156) lie below the dd resolution of z_i - z_m: p_0 came out 1/6
     * instead of 0 and nu was 13% off; (2) a row difference a_i - a_m that
     * overflows (entries +-DBL_MAX): a NaN shifted logit reached the
     * exponential (UBSan: NaN to int); (3) an exact-cancellation g' (terms
     * 2^962) where Dot2 loses the result: nu 2^-246 times too small.  Each:
     * within the budget or refused. */
    const double t = -0x1.f4p+5, X = -0x1.fffffffffffffp+1023, r = -0x1.edfp-62;
    const double A1[18] = {t, 0x1.07c6edd158083p+150, t, t, t, t, t, t, t,
                           t, t, t, t, t, t, t, t, t};
    const double M1[18] = {1, t, t, t, t, t, t, t, t, t, t, 1, t, t, t, t, t, t};
    const double x1[3] = {t, t, -0x1.ababababababap+392};
    const double A2[4] = {0.0, -0x1p+1020, -0x1p+1020, 0x1.fffffffffffffp+1023};
    const double M2[4] = {-0x1p+1020, -0x1p+1020, -0x1p+1020, 0.0};
    const double x2[1] = {0x0.6ffffffp-1022};
    const double A3[18] = {r, r, r, r, r, r, r, r, r, r, X, X, X, X, r, r, r, r};
    const double M3[18] = {r, r, r, r, r, r, r, r, r, -0x1.edfp+61, X, X, X, X, r, r, r, r};
    const double x3[3] = {r, r, r};
    const struct { size_t n, d; const double *A, *M, *x; } cases[3] = {
        {6, 3, A1, M1, x1}, {4, 1, A2, M2, x2}, {6, 3, A3, M3, x3}};
    for (int c = 0; c < 3; c++) {
        bht_local_result k, o;
        double dk[6], dor[6];
        cr_assert_eq(bht_oracle_nu_softmax(cases[c].n, cases[c].d, cases[c].A, cases[c].M,
                                           cases[c].x, &o, dor, NULL, NULL),
                     BHT_OK);
        bht_status s = bht_nu_softmax(cases[c].n, cases[c].d, cases[c].A, cases[c].M,
                                      cases[c].x, &k, dk);
        cr_assert(s == BHT_E_RANGE || (s == BHT_OK && bht_ulp_error(k.nu, o.nu) <= 16.0),
                  "case %d: status %d, nu %a vs %a", c, (int)s, k.nu, o.nu);
    }
}

Test(local_softmax, rejects_bad_inputs)
{
    const double A[2] = {1.0, 2.0}, x[1] = {1.0};
    double M[2] = {0.0, NAN};
    bht_local_result r;
    cr_assert_eq(bht_nu_softmax(2, 1, A, M, x, &r, NULL), BHT_E_NONFINITE);
    cr_assert_eq(bht_oracle_nu_softmax(2, 1, A, M, x, &r, NULL, NULL, NULL), BHT_E_NONFINITE);
    M[1] = 1e308;
    cr_assert_eq(bht_nu_softmax(2, 1, A, M, (const double[]){1e300}, &r, NULL), BHT_E_RANGE);
    cr_assert_eq(bht_nu_softmax(0, 1, A, M, x, &r, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_nu_softmax(2, 1, A, M, x, NULL, NULL), BHT_E_INVALID);
}

Test(local_softmax, fuzz_regression_infinite_nu_does_not_pass_the_check)
{
    /* found by tests/fuzz/fuzz_local.c (regressions/local-softmax-infinite-
     * nu-check): rows 2 and 3 have the same logit ~2^665 (exact difference
     * 0), so p = (0, 1/2, 1/2, 0, 0, 0), and nu = +inf (correctly rounded);
     * the a-posteriori test "error <= 2^-56 nu" was true for nu = inf, and
     * the kernel answered with a logit difference of 4.4 (p = 0.988, 0.012)
     * and derivative components 21 times too small */
    const double b = 0x1.9696969696969p+663, c = 0x1.0d0cp+1;
    const double A[18] = {-0x1.ep+4, -0x1.ep+4, c, c, b, b, b, b, c,
                          c,         c,         c, c, c, 0x1.0e3cp-65, 0x1.4d0cp+1, c, c};
    const double M[18] = {-0x1.ep+4, c, c, b, b, b, b, 0x1.9696969434343p+663, c,
                          c,         c, c, c, c, c, c, c, c};
    const double x[3] = {c, c, c};
    bht_local_result k, o;
    double dk[6], doo[6];
    cr_assert_eq(bht_oracle_nu_softmax(6, 3, A, M, x, &o, doo, NULL, NULL), BHT_OK);
    cr_assert(isinf(o.nu) && doo[1] == 0x1.ab4f4b4dccc94p+662 && doo[2] == -doo[1]);
    bht_status s = bht_nu_softmax(6, 3, A, M, x, &k, dk);
    cr_assert(s == BHT_E_RANGE || s == BHT_OK, "status %d", (int)s);
    if (s == BHT_OK)
        for (int i = 0; i < 6; i++)
            cr_assert(bht_ulp_error(dk[i], doo[i]) <= 16.0, "derivative %d: %a vs %a", i,
                      dk[i], doo[i]);
}

Test(local_softmax, fuzz_regression_lost_logit_tie_is_refused)
{
    /* found by tests/fuzz/fuzz_local.c (regressions/local-softmax-lost-tie-
     * zero-nu): rows 4 and 5 tie exactly at logits ~2^310, but Dot2 left an
     * error ~2^205 in their difference: p = (0, 0, 0, 0, 1) instead of
     * (0, 0, 0, 1/2, 1/2), and nu = 0 passed the absolute test (nu_err <=
     * 2^-1000) for nu = 0x1.5e5ce72b4d11p+63 */
    const double c = 0x1.4948p+16, b = 0x1.2fd2352525252p+294;
    const double A[15] = {c, c, c, c, c, c, c, c, c, c, c, b, c, b, c};
    const double M[15] = {c, c, 0x1.4949494949494p-508, c, c, c, 0x1.252p+14, c, c,
                          c, 0x1p-72, c, 0x1p-72, c, c};
    const double x[3] = {0x1.4948p-48, c, c};
    bht_local_result k, o;
    double dk[5], doo[5];
    cr_assert_eq(bht_oracle_nu_softmax(5, 3, A, M, x, &o, doo, NULL, NULL), BHT_OK);
    cr_assert(o.nu == 0x1.5e5ce72b4d11p+63, "oracle nu %a", o.nu);
    bht_status s = bht_nu_softmax(5, 3, A, M, x, &k, dk);
    cr_assert(s == BHT_E_RANGE || s == BHT_OK, "status %d", (int)s);
    if (s == BHT_OK)
        cr_assert(bht_ulp_error(k.nu, o.nu) <= 16.0, "nu %a vs %a", k.nu, o.nu);
}
