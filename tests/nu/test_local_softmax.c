/* test_local_softmax.c: the softmax local analysis (nu, local constant,
 * dq/deps).  The oracle's closed forms are checked against quantities that
 * do not use them: Richardson-extrapolated central differences of the model
 * itself, and H^2(P, Q_eps)/eps^2 at shrinking eps, both evaluated directly
 * in MPFR at 600 bits in this file.  The double kernel is then checked
 * against the oracle (budget 2 ulp), on random instances and on named
 * hazard generators (cancellation in <p, g>, common offsets, ties,
 * subnormal p, huge logits, tiny nu), each printing its instance count,
 * max error and refusals.  The exact path's building blocks (long
 * accumulator, fixed-point exponential) are checked against MPFR. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "oracle/oracle_internal.h"
#include "core/exp_fixed.h"
#include "core/fixed_acc.h"

#define LOCAL_ULP_BUDGET 2.0
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
    cr_assert(s == BHT_E_RANGE || (s == BHT_OK && bht_ulp_error(k.nu, o.nu) <= LOCAL_ULP_BUDGET),
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
        cr_assert(s == BHT_E_RANGE || (s == BHT_OK && bht_ulp_error(k.nu, o.nu) <= LOCAL_ULP_BUDGET),
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
    /* |m x| = 1e608, logits 1e300 apart: answered by the exact path (the
     * oracle reaches its precision cap on e^-1e300): p = (e^-1e300, 1),
     * nu = p_1 p_2 1e1216 and both derivatives (-+p_1 p_2 1e608) round to
     * zeros of the signs of g_i - <p, g> */
    M[1] = 1e308;
    double dk[2];
    cr_assert_eq(bht_nu_softmax(2, 1, A, M, (const double[]){1e300}, &r, dk), BHT_OK);
    cr_assert(r.nu == 0.0 && r.local_constant == 0.0 && dk[0] == 0.0 && signbit(dk[0])
                  && dk[1] == 0.0 && !signbit(dk[1]),
              "nu %a, derivative %a %a", r.nu, dk[0], dk[1]);
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
            cr_assert(bht_ulp_error(dk[i], doo[i]) <= LOCAL_ULP_BUDGET, "derivative %d: %a vs %a", i,
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
        cr_assert(bht_ulp_error(k.nu, o.nu) <= LOCAL_ULP_BUDGET, "nu %a vs %a", k.nu, o.nu);
}

/* ------------------------------------------------ exact-path building blocks */

Test(local_softmax, fixed_point_exponential_matches_mpfr, .timeout = 120)
{
    /* e^-a for a on the 2^-320 grid, 0 <= a < 4096: the five parts against
     * MPFR at 700 bits, relative error < 2^-262 (exp_fixed.h) */
    test_rng rng = {31337};
    mpfr_t ref, sum, a_m, t;
    mpfr_inits2(700, ref, sum, a_m, t, (mpfr_ptr)0);
    double worst = 0.0;
    for (int k = 0; k < 3000; k++) {
        uint32_t a[BHT_FIX_WORDS];
        for (int j = 0; j < BHT_FIX_WORDS - 1; j++)
            a[j] = (uint32_t)test_rng_next(&rng);
        a[BHT_FIX_WORDS - 1] = (uint32_t)(k < 1000 ? test_rng_int(&rng, 0, 4095)
                                                   : test_rng_int(&rng, 0, 3));
        if (k == 0)
            memset(a, 0, sizeof a);
        if (k == 1) { /* just below ln 2 and 1 */
            memset(a, 0xff, sizeof a);
            a[BHT_FIX_WORDS - 1] = 0;
        }
        mpfr_set_zero(a_m, 1);
        for (int j = BHT_FIX_WORDS - 1; j >= 0; j--) {
            mpfr_mul_2ui(a_m, a_m, 32, MPFR_RNDN);
            mpfr_add_ui(a_m, a_m, a[j], MPFR_RNDN);
        }
        mpfr_div_2ui(a_m, a_m, 32 * (BHT_FIX_WORDS - 1), MPFR_RNDN); /* exact */
        mpfr_neg(t, a_m, MPFR_RNDN);
        mpfr_exp(ref, t, MPFR_RNDN);
        double part[BHT_EXP_FIXED_PARTS];
        int e2;
        bht_exp_fixed_neg(a, part, &e2);
        cr_assert(part[0] >= 1.0 && part[0] < 2.0, "part[0] %a", part[0]);
        mpfr_set_zero(sum, 1);
        for (int j = 0; j < BHT_EXP_FIXED_PARTS; j++)
            mpfr_add_d(sum, sum, part[j], MPFR_RNDN); /* exact at 700 bits */
        mpfr_div_2ui(sum, sum, (unsigned long)e2, MPFR_RNDN);
        mpfr_sub(t, sum, ref, MPFR_RNDN);
        mpfr_div(t, t, ref, MPFR_RNDN);
        double rel = fabs(mpfr_get_d(t, MPFR_RNDU));
        if (k == 0)
            cr_assert(rel == 0.0 && e2 == 0 && part[0] == 1.0, "e^0 not exact");
        cr_assert(rel < 0x1p-262, "a %a: relative error %a", mpfr_get_d(a_m, MPFR_RNDN), rel);
        worst = fmax(worst, rel);
    }
    mpfr_clears(ref, sum, a_m, t, (mpfr_ptr)0);
    fprintf(stderr, "fixed-point exponential: 3000 arguments, max relative error %a "
            "(bound 2^-262)\n", worst);
}

Test(local_softmax, long_accumulator_is_exact, .timeout = 120)
{
    /* sums of products of doubles over the whole exponent range (and
     * scales), cancelling to nothing or to a few bits, against MPFR's exact
     * sum; the parts read back, the remainder bound holds */
    test_rng rng = {2718};
    mpfr_t exact, t, back;
    mpfr_inits2(16000, exact, t, back, (mpfr_ptr)0);
    for (int k = 0; k < 400; k++) {
        bht_acc acc;
        bht_acc_clear(&acc);
        mpfr_set_zero(exact, 1);
        int terms = (int)test_rng_int(&rng, 1, 40);
        double xs[40], ys[40];
        int sc[40];
        for (int j = 0; j < terms; j++) {
            xs[j] = ldexp(test_rng_normal(&rng), (int)test_rng_int(&rng, 0, 2090) - 1070);
            ys[j] = ldexp(test_rng_normal(&rng), (int)test_rng_int(&rng, 0, 2090) - 1070);
            if (k % 4 == 1) { /* subnormal factors */
                xs[j] = ldexp(test_rng_normal(&rng), -1060 - (int)test_rng_int(&rng, 0, 13));
            }
            sc[j] = k % 3 == 0 ? -(int)test_rng_int(&rng, 0, 6000) : 0;
        }
        for (int pass = 0; pass < (k % 2 ? 2 : 1); pass++) /* odd k: + then - */
            for (int j = 0; j < terms; j++) {
                double y = pass ? -ys[j] : ys[j];
                bht_acc_add_product(&acc, xs[j], y, sc[j]);
                mpfr_set_d(t, xs[j], MPFR_RNDN);
                mpfr_mul_d(t, t, y, MPFR_RNDN);
                mpfr_mul_2si(t, t, sc[j], MPFR_RNDN);
                mpfr_add(exact, exact, t, MPFR_RNDN);
            }
        if (k % 2) {
            cr_assert(bht_acc_sign(&acc) == 0, "sum minus itself is not 0 (pair %d)", k);
            continue;
        }
        bht_acc_parts parts;
        bht_acc_get_parts(&acc, BHT_ACC_PARTS, &parts);
        mpfr_set_zero(back, 1);
        for (int j = 0; j < parts.count; j++)
            mpfr_add_d(back, back, parts.part[j], MPFR_RNDN);
        mpfr_mul_2si(back, back, parts.exponent, MPFR_RNDN);
        mpfr_sub(t, exact, back, MPFR_RNDN);
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_div_2si(t, t, parts.exponent, MPFR_RNDN);
        cr_assert(mpfr_get_d(t, MPFR_RNDU) <= parts.rem, "case %d: |sum - parts| %a > rem %a",
                  k, mpfr_get_d(t, MPFR_RNDU), parts.rem);
        cr_assert(mpfr_sgn(exact) == bht_acc_sign(&acc) || acc.lost, "case %d: sign", k);
        if (acc.lost == 0 && parts.rem == 0.0)
            cr_assert(mpfr_equal_p(exact, back), "case %d: exact but different", k);
    }
    mpfr_clears(exact, t, back, (mpfr_ptr)0);
}

/* ------------------------------------------------------- hazard generators */

#define HAZARD_COUNT 1000

typedef void (*hazard_generator)(test_rng *rng, instance *in);

/* e^z for a logit z, in MPFR. */
static void mpfr_exp_d(mpfr_ptr out, double z)
{
    mpfr_set_d(out, z, MPFR_RNDN);
    mpfr_exp(out, out, MPFR_RNDN);
}

/* Cancellation in <p, g> constructed (the issue's class): g integers with
 * both signs, random logits but the last, which is solved (at 600 bits) so
 * that sum e^z_i g_i = 0 and then split over 1-5 columns, x = (1, 2^-55,
 * 2^-110, ...): the exact logit matches the solution to 2^-53, 2^-108, ...
 * 2^-273, so <p, g> cancels to that size while g is O(1).  Four and five
 * columns lie beyond the exact path's ~2^-200: refusals are expected there
 * (and only there). */
static void gen_mean_cancels_constructed(test_rng *rng, instance *in)
{
    in->n = test_rng_int(rng, 3, 12);
    in->d = test_rng_int(rng, 1, 5);
    memset(in->A, 0, sizeof in->A);
    memset(in->M, 0, sizeof in->M);
    for (size_t k = 0; k < in->d; k++)
        in->x[k] = ldexp(1.0, -55 * (int)k);
    mpfr_t sum, t;
    mpfr_inits2(600, sum, t, (mpfr_ptr)0);
    mpfr_set_zero(sum, 1);
    size_t last = in->n - 1;
    for (size_t i = 0; i < in->n; i++) {
        double g = (double)((int)test_rng_int(rng, 0, 8) - 4);
        if (g == 0.0 && i == last)
            g = 3.0;
        in->M[i * in->d] = g;
        if (i == last)
            break;
        double z = test_rng_uniform(rng, -4.0, 4.0);
        in->A[i * in->d] = z;
        mpfr_exp_d(t, z);
        mpfr_mul_d(t, t, g, MPFR_RNDN);
        mpfr_add(sum, sum, t, MPFR_RNDN);
    }
    /* e^z_last g_last = -sum: needs the opposite sign */
    if (mpfr_sgn(sum) == 0 || (mpfr_sgn(sum) > 0) == (in->M[last * in->d] > 0)) {
        in->M[last * in->d] = -in->M[last * in->d];
    }
    if (mpfr_sgn(sum) == 0) {
        in->A[last * in->d] = 0.0;
    } else {
        mpfr_div_d(t, sum, -in->M[last * in->d], MPFR_RNDN);
        mpfr_log(t, t, MPFR_RNDN);
        for (size_t k = 0; k < in->d; k++) {
            double part = mpfr_get_d(t, MPFR_RNDN);
            in->A[last * in->d + k] = part;
            mpfr_sub_d(t, t, part, MPFR_RNDN);
            mpfr_mul_2ui(t, t, 55, MPFR_RNDN);
        }
    }
    mpfr_clears(sum, t, (mpfr_ptr)0);
}

/* Near-cancelling weights: random p and g, then g shifted by its p-mean
 * (600 bits) and rounded: <p, g> is rounding noise, ~2^-53 of |g|. */
static void gen_mean_cancels_random(test_rng *rng, instance *in)
{
    in->n = test_rng_int(rng, 2, 24);
    in->d = test_rng_int(rng, 1, 3);
    for (size_t k = 0; k < in->n * in->d; k++)
        in->A[k] = test_rng_normal(rng);
    for (size_t k = 0; k < in->d; k++)
        in->x[k] = test_rng_normal(rng);
    memset(in->M, 0, sizeof in->M);
    mpfr_t num, den, t, z;
    mpfr_inits2(600, num, den, t, z, (mpfr_ptr)0);
    mpfr_set_zero(num, 1);
    mpfr_set_zero(den, 1);
    double g[MAX_N];
    for (size_t i = 0; i < in->n; i++) {
        g[i] = ldexp(test_rng_normal(rng), (int)test_rng_int(rng, 0, 8) - 4);
        mpfr_set_zero(z, 1);
        for (size_t k = 0; k < in->d; k++) {
            mpfr_set_d(t, in->A[i * in->d + k], MPFR_RNDN);
            mpfr_mul_d(t, t, in->x[k], MPFR_RNDN);
            mpfr_add(z, z, t, MPFR_RNDN);
        }
        mpfr_exp(z, z, MPFR_RNDN);
        mpfr_add(den, den, z, MPFR_RNDN);
        mpfr_mul_d(z, z, g[i], MPFR_RNDN);
        mpfr_add(num, num, z, MPFR_RNDN);
    }
    mpfr_div(num, num, den, MPFR_RNDN);
    /* M = column (g - mean) against x_0 = 1 in a column of its own */
    in->d = in->d < MAX_D ? in->d + 1 : in->d;
    size_t d = in->d;
    double Aold[MAX_N * MAX_D];
    memcpy(Aold, in->A, sizeof Aold);
    for (size_t i = 0; i < in->n; i++)
        for (size_t k = 0; k < d; k++) {
            in->A[i * d + k] = k + 1 < d ? Aold[i * (d - 1) + k] : 0.0;
            in->M[i * d + k] = 0.0;
        }
    in->x[d - 1] = 1.0;
    for (size_t i = 0; i < in->n; i++) {
        mpfr_set_d(t, g[i], MPFR_RNDN);
        mpfr_sub(t, t, num, MPFR_RNDN);
        in->M[i * d + d - 1] = mpfr_get_d(t, MPFR_RNDN);
    }
    mpfr_clears(num, den, t, z, (mpfr_ptr)0);
}

/* M + 1 w^T with a huge w (2^0 ... 2^80 times M's scale), rounded: the
 * kernel must match the oracle of the rounded pair (g has a huge common
 * offset; the exact row differences remove it). */
static void gen_huge_common_offset(test_rng *rng, instance *in)
{
    random_instance(rng, in, 0);
    double w[MAX_D];
    int e = (int)test_rng_int(rng, 0, 80);
    for (size_t k = 0; k < in->d; k++)
        w[k] = ldexp(test_rng_normal(rng), e);
    for (size_t i = 0; i < in->n; i++)
        for (size_t k = 0; k < in->d; k++)
            in->M[i * in->d + k] += w[k];
}

/* Exact and near ties: rows repeated (same logit, same or mirrored g),
 * logits and g moved by one ulp, g = 0 on tied rows. */
static void gen_ties(test_rng *rng, instance *in)
{
    random_instance(rng, in, 0);
    size_t n = in->n, d = in->d;
    for (size_t i = 1; i < n; i++) {
        size_t j = test_rng_int(rng, 0, i - 1);
        int kind = (int)test_rng_int(rng, 0, 5);
        for (size_t k = 0; k < d; k++) {
            if (kind <= 2)
                in->A[i * d + k] = in->A[j * d + k];
            if (kind == 1)
                in->M[i * d + k] = in->M[j * d + k];
            if (kind == 2)
                in->M[i * d + k] = -in->M[j * d + k];
            if (kind == 3)
                in->A[i * d + k] = nextafter(in->A[j * d + k], INFINITY);
            if (kind == 4) {
                in->A[i * d + k] = in->A[j * d + k];
                in->M[i * d + k] = nextafter(in->M[j * d + k], -INFINITY);
            }
        }
    }
    if (test_rng_int(rng, 0, 3) == 0) /* uniform p: every logit tied */
        for (size_t i = 1; i < n; i++)
            memcpy(in->A + i * d, in->A, d * sizeof *in->A);
}

/* Subnormal and vanishing p_i: shifted logits spread over -700 ... -800
 * (the -745 edge) and far below, large g on those rows. */
static void gen_subnormal_p(test_rng *rng, instance *in)
{
    in->n = test_rng_int(rng, 2, 16);
    in->d = 1;
    in->x[0] = 1.0;
    for (size_t i = 0; i < in->n; i++) {
        int kind = (int)test_rng_int(rng, 0, 3);
        in->A[i] = kind == 0 ? test_rng_normal(rng)
                 : kind == 1 ? -test_rng_uniform(rng, 700.0, 800.0)
                 : kind == 2 ? -745.0 - test_rng_uniform(rng, -1.0, 1.0)
                             : -test_rng_uniform(rng, 1000.0, 5000.0);
        in->M[i] = ldexp(test_rng_normal(rng), kind == 0 ? 0 : (int)test_rng_int(rng, 0, 900));
    }
}

/* Logits and g up to 2^+-1000 (beyond the dd path's affine range too:
 * the exact path takes them). */
static void gen_huge_logits(test_rng *rng, instance *in)
{
    in->n = test_rng_int(rng, 1, 8);
    in->d = test_rng_int(rng, 1, 3);
    int ea = (int)test_rng_int(rng, 0, 2000) - 1000, em = (int)test_rng_int(rng, 0, 2000) - 1000;
    for (size_t k = 0; k < in->n * in->d; k++) {
        in->A[k] = ldexp(test_rng_normal(rng), ea);
        in->M[k] = ldexp(test_rng_normal(rng), em);
    }
    for (size_t k = 0; k < in->d; k++)
        in->x[k] = ldexp(test_rng_normal(rng), (int)test_rng_int(rng, 0, 40) - 20);
    if (test_rng_int(rng, 0, 3) == 0) { /* logits that differ by O(1) only */
        for (size_t i = 1; i < in->n; i++)
            for (size_t k = 0; k < in->d; k++)
                in->A[i * in->d + k] = in->A[k] + test_rng_normal(rng);
    }
}

/* Tiny nu: M = 1 w^T + 2^-k N (rank one in the null direction plus a
 * perturbation 2^-20 ... 2^-400). */
static void gen_tiny_nu(test_rng *rng, instance *in)
{
    random_instance(rng, in, 0);
    int k = (int)test_rng_int(rng, 20, 400);
    for (size_t i = 1; i < in->n; i++)
        for (size_t j = 0; j < in->d; j++)
            in->M[i * in->d + j] = in->M[j] + ldexp(test_rng_normal(rng), -k);
}

typedef struct hazard_stats {
    int instances, refused, oracle_failed;
    int refused_by_d[MAX_D + 1]; /* refusals by the number of columns */
    double worst;
} hazard_stats;

static hazard_stats run_hazard(const char *name, uint64_t seed, hazard_generator gen)
{
    test_rng rng = {seed};
    hazard_stats st;
    memset(&st, 0, sizeof st);
    for (int k = 0; k < HAZARD_COUNT; k++) {
        instance in;
        gen(&rng, &in);
        double dk[MAX_N], doo[MAX_N];
        bht_local_result rk, ro;
        bht_status so = bht_oracle_nu_softmax(in.n, in.d, in.A, in.M, in.x, &ro, doo, NULL, NULL);
        if (so != BHT_OK) {
            st.oracle_failed++;
            continue;
        }
        st.instances++;
        size_t which = 0;
        bht_status sk = bht_nu_softmax_explained(in.n, in.d, in.A, in.M, in.x, &rk, dk, &which);
        cr_assert(sk == BHT_OK || sk == BHT_E_RANGE, "%s %d: status %d", name, k, (int)sk);
        if (sk != BHT_OK) {
            cr_assert(which <= in.n, "%s %d: refusal names component %zu of %zu", name, k,
                      which, in.n);
            st.refused++;
            st.refused_by_d[in.d]++;
            if (getenv("BHT_TEST_VERBOSE")) {
                fprintf(stderr, "%s %d refused at %zu (n %zu d %zu): oracle nu %a", name, k,
                        which, in.n, in.d, ro.nu);
                if (which < in.n)
                    fprintf(stderr, " derivative %a", doo[which]);
                fprintf(stderr, "\n");
            }
            continue;
        }
        double e = fmax(bht_ulp_error(rk.nu, ro.nu),
                        bht_ulp_error(rk.local_constant, ro.local_constant));
        size_t at = in.n;
        for (size_t i = 0; i < in.n; i++)
            if (bht_ulp_error(dk[i], doo[i]) > e) {
                e = bht_ulp_error(dk[i], doo[i]);
                at = i;
            }
        cr_assert(e <= LOCAL_ULP_BUDGET, "%s instance %d (n %zu d %zu): %.3g ulp at %s %zu: "
                  "nu %a vs %a, derivative %a vs %a", name, k, in.n, in.d, e,
                  at < in.n ? "derivative" : "nu", at, rk.nu, ro.nu,
                  at < in.n ? dk[at] : 0.0, at < in.n ? doo[at] : 0.0);
        st.worst = fmax(st.worst, e);
    }
    fprintf(stderr, "nu (softmax) hazard %-26s %4d instances, max error %.3g ulp, %d refused"
            " (%d skipped: oracle cap)\n", name, st.instances, st.worst, st.refused,
            st.oracle_failed);
    return st;
}

Test(local_softmax_hazards, mean_cancels_constructed, .timeout = 600)
{
    hazard_stats st = run_hazard("mean_cancels_constructed", 1201, gen_mean_cancels_constructed);
    /* refusals only where the cancellation lies beyond 2^-200 (four or
     * five columns) */
    cr_assert(st.refused == st.refused_by_d[4] + st.refused_by_d[5],
              "%d refusals, %d with four or five columns", st.refused,
              st.refused_by_d[4] + st.refused_by_d[5]);
}

Test(local_softmax_hazards, mean_cancels_random, .timeout = 600)
{
    hazard_stats st = run_hazard("mean_cancels_random", 1202, gen_mean_cancels_random);
    cr_assert_eq(st.refused, 0);
}

Test(local_softmax_hazards, huge_common_offset, .timeout = 600)
{
    hazard_stats st = run_hazard("huge_common_offset", 1203, gen_huge_common_offset);
    cr_assert_eq(st.refused, 0);
}

Test(local_softmax_hazards, ties, .timeout = 600)
{
    hazard_stats st = run_hazard("ties", 1204, gen_ties);
    cr_assert_eq(st.refused, 0);
}

Test(local_softmax_hazards, subnormal_p, .timeout = 600)
{
    hazard_stats st = run_hazard("subnormal_p", 1205, gen_subnormal_p);
    cr_assert_eq(st.refused, 0);
}

Test(local_softmax_hazards, huge_logits, .timeout = 600)
{
    hazard_stats st = run_hazard("huge_logits", 1206, gen_huge_logits);
    cr_assert_eq(st.refused, 0);
}

Test(local_softmax_hazards, tiny_nu, .timeout = 600)
{
    hazard_stats st = run_hazard("tiny_nu", 1207, gen_tiny_nu);
    cr_assert_eq(st.refused, 0);
}

Test(local_softmax_hazards, common_offset_is_invisible_when_exact)
{
    /* M + 1 w^T with the addition exact (M on a 2^-20 grid, |M| < 2^10,
     * w a multiple of 2^-20 below 2^30): nu, nu/8 and dq/deps equal those
     * of M bit for bit, and the oracle's */
    test_rng rng = {1208};
    for (int k = 0; k < 200; k++) {
        instance in;
        random_instance(&rng, &in, k % 3);
        double M2[MAX_N * MAX_D];
        for (size_t j = 0; j < in.n * in.d; j++)
            in.M[j] = ldexp(round(ldexp(in.M[j], 20)), -20);
        double w[MAX_D];
        for (size_t j = 0; j < in.d; j++)
            w[j] = ldexp(round(ldexp(test_rng_normal(&rng), 40)), -20);
        for (size_t i = 0; i < in.n; i++)
            for (size_t j = 0; j < in.d; j++)
                M2[i * in.d + j] = in.M[i * in.d + j] + w[j]; /* exact */
        bht_local_result r1, r2, ro;
        double d1[MAX_N], d2[MAX_N], doo[MAX_N];
        cr_assert_eq(bht_nu_softmax(in.n, in.d, in.A, in.M, in.x, &r1, d1), BHT_OK);
        cr_assert_eq(bht_nu_softmax(in.n, in.d, in.A, M2, in.x, &r2, d2), BHT_OK);
        cr_assert_eq(bht_oracle_nu_softmax(in.n, in.d, in.A, M2, in.x, &ro, doo, NULL, NULL),
                     BHT_OK);
        cr_assert(r1.nu == r2.nu && r1.local_constant == r2.local_constant,
                  "instance %d: nu %a vs %a", k, r1.nu, r2.nu);
        cr_assert(bht_ulp_error(r2.nu, ro.nu) <= LOCAL_ULP_BUDGET);
        for (size_t i = 0; i < in.n; i++)
            cr_assert(d1[i] == d2[i] && bht_ulp_error(d2[i], doo[i]) <= LOCAL_ULP_BUDGET,
                      "instance %d component %zu: %a, %a, oracle %a", k, i, d1[i], d2[i],
                      doo[i]);
    }
}

Test(local_softmax_hazards, issue12_mean_cancels)
{
    /* issue 12, finding 2: A = (0, 0, RN(log(1 - 3e^-3)), -3), M = (-1, 0,
     * 1, 3), x = 1: <p, M x> ~ 3.7e-18; the dd path printed derivative_1 =
     * -1.2842881622917353e-18 (off by 6.7e-7 relative), exit 0 */
    const double A[4] = {0.0, 0.0, log1p(-3.0 * exp(-3.0)), -3.0};
    const double M[4] = {-1.0, 0.0, 1.0, 3.0}, x[1] = {1.0};
    bht_local_result k, o;
    double dk[4], doo[4];
    cr_assert_eq(bht_oracle_nu_softmax(4, 1, A, M, x, &o, doo, NULL, NULL), BHT_OK);
    cr_assert(fabs(doo[1]) < 1e-16 && doo[1] != 0.0, "oracle derivative_1 %a", doo[1]);
    cr_assert_eq(bht_nu_softmax(4, 1, A, M, x, &k, dk), BHT_OK);
    for (int i = 0; i < 4; i++)
        cr_assert(bht_ulp_error(dk[i], doo[i]) <= 1.0, "derivative %d: %a vs %a", i, dk[i],
                  doo[i]);
    cr_assert(k.nu == o.nu && k.local_constant == o.local_constant);
}

Test(local_softmax_hazards, zero_mean_by_symmetry_is_exact)
{
    /* uniform p and g = (-1, 0, 1): <p, g> = 0 exactly, derivative_2 = 0 */
    const double A[3] = {0.5, 0.5, 0.5}, M[3] = {-1.0, 0.0, 1.0}, x[1] = {1.0};
    bht_local_result k;
    double dk[3];
    cr_assert_eq(bht_nu_softmax(3, 1, A, M, x, &k, dk), BHT_OK);
    cr_assert(dk[1] == 0.0 && dk[0] == -1.0 / 3.0 && dk[2] == 1.0 / 3.0,
              "%a %a %a", dk[0], dk[1], dk[2]);
    cr_assert(k.nu == 2.0 / 3.0, "nu %a", k.nu);
}

Test(local_softmax_hazards, logits_beyond_the_affine_range_are_answered)
{
    /* n = 1 with logit 1e308 (p = 1, nu = 0), and two logits ~1e300 apart
     * by 1: the dd path's range check once refused these */
    const double A1[1] = {1e308}, M1[1] = {5.0}, x1[1] = {1.0};
    bht_local_result k, o;
    double dk[2], doo[2];
    cr_assert_eq(bht_nu_softmax(1, 1, A1, M1, x1, &k, dk), BHT_OK);
    cr_assert(k.nu == 0.0 && dk[0] == 0.0);
    const double A2[4] = {1e300, 1.0, 1e300, 0.0}, M2[4] = {1e300, 2.0, 1e300, -1.0};
    const double x2[2] = {1e8, 1.0};
    cr_assert_eq(bht_oracle_nu_softmax(2, 2, A2, M2, x2, &o, doo, NULL, NULL), BHT_OK);
    cr_assert_eq(bht_nu_softmax(2, 2, A2, M2, x2, &k, dk), BHT_OK);
    cr_assert(bht_ulp_error(k.nu, o.nu) <= 1.0 && bht_ulp_error(dk[0], doo[0]) <= 1.0
                  && bht_ulp_error(dk[1], doo[1]) <= 1.0,
              "nu %a vs %a", k.nu, o.nu);
}

Test(local_softmax, fuzz_regression_derivative_beyond_dbl_max)
{
    /* found by tests/fuzz/fuzz_local.c (regressions/local-softmax-
     * derivative-overflows): tied logits, g = M x = (-307.5, 20.5 DBL_MAX):
     * nu and p_i (g_i - <p, g>) = -+10.25 DBL_MAX + ... exceed DBL_MAX; their
     * correctly rounded values are infinities (the dd path refused such
     * M x, the exact path takes it; the harness asserted finite values) */
    const double A[2] = {0x1p-1074, 0x1p-1074}, M[2] = {-0x1.ep+3, 0x1.fffffffffffffp+1023};
    const double x[1] = {0x1.48p+4};
    bht_local_result k, o;
    double dk[2], doo[2];
    cr_assert_eq(bht_oracle_nu_softmax(2, 1, A, M, x, &o, doo, NULL, NULL), BHT_OK);
    cr_assert_eq(bht_nu_softmax(2, 1, A, M, x, &k, dk), BHT_OK);
    cr_assert(isinf(o.nu) && k.nu == o.nu && k.local_constant == o.local_constant);
    cr_assert(dk[0] == doo[0] && dk[1] == doo[1] && isinf(dk[0]) && dk[0] < 0.0,
              "%a %a vs %a %a", dk[0], dk[1], doo[0], doo[1]);
}
