/* test_model_distance_leverage.c: distances between two leverage-score
 * models at a query s (bht_distance_leverage and its oracle).
 * The oracle is checked against a literal evaluation of Def. 2.9 and of the
 * distance definitions at REF_PREC bits in this file (Gauss-Jordan on
 * X_s^T X_s, sqrt p - sqrt q and |p - q| directly); then the double kernel
 * against the oracle (budget 8 ulp) for models 1e-12 ... 1 apart. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "oracle_internal.h"

#define MODEL_ULP_BUDGET 8.0
#define REF_PREC 2000
#define MAX_N 24
#define MAX_D 6

typedef struct pair {
    size_t n, d;
    int has_s;
    double A[MAX_N * MAX_D], B[MAX_N * MAX_D], s[MAX_N];
} pair;

/* Families: 0 Gaussian; 1 rows and s scaled over 2^+-8; 2 polynomial
 * (Vandermonde, degree <= 5); B = A + closeness N. */
static void random_pair(test_rng *rng, pair *m, int family, double closeness)
{
    m->d = test_rng_int(rng, 1, MAX_D);
    m->n = test_rng_int(rng, m->d + 1, MAX_N);
    m->has_s = (int)(test_rng_next(rng) & 1);
    for (size_t i = 0; i < m->n; i++) {
        double x = test_rng_uniform(rng, -1.0, 1.0);
        double rs = family == 1 ? ldexp(1.0, (int)test_rng_int(rng, 0, 16) - 8) : 1.0;
        for (size_t j = 0; j < m->d; j++) {
            double a = family == 2 ? (j == 0 ? 1.0 : x * m->A[i * m->d + j - 1])
                                   : test_rng_normal(rng);
            m->A[i * m->d + j] = a * rs;
            m->B[i * m->d + j] = m->A[i * m->d + j] + closeness * rs * test_rng_normal(rng);
        }
        m->s[i] = test_rng_uniform(rng, 0.5, 2.0)
                  * (family == 1 ? ldexp(1.0, (int)test_rng_int(rng, 0, 16) - 8) : 1.0);
    }
}

/* p = diag(X (X^T X)^-1 X^T) / d at REF_PREC, X = Diag(s)^-1 M. */
static void leverage_ref(const pair *m, const double *M, mpfr_t *p)
{
    const size_t n = m->n, d = m->d, w = 2 * d;
    mpfr_t x[MAX_N * MAX_D], g[MAX_D * 2 * MAX_D], t, f;
    mpfr_inits2(REF_PREC, t, f, (mpfr_ptr)0);
    for (size_t k = 0; k < n * d; k++) {
        mpfr_init2(x[k], REF_PREC);
        mpfr_set_d(x[k], M[k], MPFR_RNDN);
        if (m->has_s)
            mpfr_div_d(x[k], x[k], m->s[k / d], MPFR_RNDN);
    }
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < w; b++) {
            mpfr_init2(g[a * w + b], REF_PREC);
            mpfr_set_ui(g[a * w + b], b == d + a, MPFR_RNDN);
            for (size_t i = 0; b < d && i < n; i++) {
                mpfr_mul(t, x[i * d + a], x[i * d + b], MPFR_RNDN);
                mpfr_add(g[a * w + b], g[a * w + b], t, MPFR_RNDN);
            }
        }
    for (size_t k = 0; k < d; k++) {
        size_t piv = k;
        for (size_t a = k + 1; a < d; a++)
            if (mpfr_cmpabs(g[a * w + k], g[piv * w + k]) > 0)
                piv = a;
        for (size_t b = 0; b < w && piv != k; b++)
            mpfr_swap(g[k * w + b], g[piv * w + b]);
        mpfr_set(f, g[k * w + k], MPFR_RNDN);
        for (size_t b = 0; b < w; b++)
            mpfr_div(g[k * w + b], g[k * w + b], f, MPFR_RNDN);
        for (size_t a = 0; a < d; a++) {
            if (a == k)
                continue;
            mpfr_set(f, g[a * w + k], MPFR_RNDN);
            for (size_t b = 0; b < w; b++) {
                mpfr_mul(t, f, g[k * w + b], MPFR_RNDN);
                mpfr_sub(g[a * w + b], g[a * w + b], t, MPFR_RNDN);
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        mpfr_set_zero(p[i], 1);
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++) {
                mpfr_mul(t, x[i * d + a], g[a * w + d + b], MPFR_RNDN);
                mpfr_mul(t, t, x[i * d + b], MPFR_RNDN);
                mpfr_add(p[i], p[i], t, MPFR_RNDN);
            }
        mpfr_div_ui(p[i], p[i], (unsigned long)d, MPFR_RNDN);
    }
    for (size_t k = 0; k < n * d; k++)
        mpfr_clear(x[k]);
    for (size_t k = 0; k < d * w; k++)
        mpfr_clear(g[k]);
    mpfr_clears(t, f, (mpfr_ptr)0);
}

/* |oracle - ref| <= (1/2 + 2^-40) ulp(oracle). */
static void assert_rounds_to(double oracle, mpfr_srcptr ref, const char *what)
{
    mpfr_t diff;
    mpfr_init2(diff, REF_PREC);
    mpfr_sub_d(diff, ref, oracle, MPFR_RNDN);
    mpfr_abs(diff, diff, MPFR_RNDN);
    double ulp = fabs(oracle) < 0x1p-1022 ? 0x1p-1074 : ldexp(1.0, ilogb(oracle) - 52);
    double err = mpfr_get_d(diff, MPFR_RNDU) / ulp;
    cr_assert(err <= 0.5 + 0x1p-40, "%s: oracle %a is %.6g ulp from the reference %a", what,
              oracle, err, mpfr_get_d(ref, MPFR_RNDN));
    mpfr_clear(diff);
}

Test(model_distance_leverage, oracle_matches_literal_definition, .timeout = 300)
{
    test_rng rng = {0xd157};
    mpfr_t p[MAX_N], q[MAX_N], h2, h, tv, t;
    for (size_t i = 0; i < MAX_N; i++)
        mpfr_inits2(REF_PREC, p[i], q[i], (mpfr_ptr)0);
    mpfr_inits2(REF_PREC, h2, h, tv, t, (mpfr_ptr)0);
    for (int k = 0; k < 60; k++) {
        pair m;
        random_pair(&rng, &m, k % 3, pow(10.0, -(double)(k % 13)));
        bht_distances o;
        cr_assert_eq(bht_oracle_distance_leverage(m.n, m.d, m.A, m.B, m.has_s ? m.s : NULL, &o,
                                                  NULL, NULL), BHT_OK);
        leverage_ref(&m, m.A, p);
        leverage_ref(&m, m.B, q);
        mpfr_set_zero(h2, 1);
        mpfr_set_zero(tv, 1);
        for (size_t i = 0; i < m.n; i++) {
            mpfr_sub(t, p[i], q[i], MPFR_RNDN);
            mpfr_abs(t, t, MPFR_RNDN);
            mpfr_add(tv, tv, t, MPFR_RNDN);
            mpfr_sqrt(p[i], p[i], MPFR_RNDN);
            mpfr_sqrt(q[i], q[i], MPFR_RNDN);
            mpfr_sub(t, p[i], q[i], MPFR_RNDN);
            mpfr_sqr(t, t, MPFR_RNDN);
            mpfr_add(h2, h2, t, MPFR_RNDN);
        }
        mpfr_div_2ui(h2, h2, 1, MPFR_RNDN);
        mpfr_div_2ui(tv, tv, 1, MPFR_RNDN);
        mpfr_sqrt(h, h2, MPFR_RNDN);
        char what[64];
        snprintf(what, sizeof what, "instance %d H^2", k);
        assert_rounds_to(o.hellinger2, h2, what);
        snprintf(what, sizeof what, "instance %d H", k);
        assert_rounds_to(o.hellinger, h, what);
        snprintf(what, sizeof what, "instance %d TV", k);
        assert_rounds_to(o.tv, tv, what);
    }
    for (size_t i = 0; i < MAX_N; i++)
        mpfr_clears(p[i], q[i], (mpfr_ptr)0);
    mpfr_clears(h2, h, tv, t, (mpfr_ptr)0);
}

Test(model_distance_leverage, kernel_within_budget_of_oracle, .timeout = 300)
{
    test_rng rng = {0xd15c};
    double worst[3] = {0}, worst_close = 0.0;
    int refused = 0;
    const int count = 780;
    for (int k = 0; k < count; k++) {
        pair m;
        int family = k % 3;
        double closeness = pow(10.0, -(double)((k / 3) % 13)); /* 1 ... 1e-12 */
        random_pair(&rng, &m, family, closeness);
        const double *s = m.has_s ? m.s : NULL;
        bht_distances dk, doo;
        bht_status sk = bht_distance_leverage(m.n, m.d, m.A, m.B, s, &dk);
        if (sk == BHT_E_SINGULAR && family == 2) {
            refused++;
            continue;
        }
        cr_assert_eq(sk, BHT_OK, "instance %d family %d", k, family);
        cr_assert_eq(bht_oracle_distance_leverage(m.n, m.d, m.A, m.B, s, &doo, NULL, NULL),
                     BHT_OK);
        double e = fmax(bht_ulp_error(dk.hellinger2, doo.hellinger2),
                        fmax(bht_ulp_error(dk.hellinger, doo.hellinger),
                             bht_ulp_error(dk.tv, doo.tv)));
        cr_assert(e <= MODEL_ULP_BUDGET, "instance %d (n %zu d %zu family %d, closeness %g): "
                  "H^2 %a vs %a, H %a vs %a, TV %a vs %a: %.3g ulp", k, m.n, m.d, family,
                  closeness, dk.hellinger2, doo.hellinger2, dk.hellinger, doo.hellinger, dk.tv,
                  doo.tv, e);
        worst[family] = fmax(worst[family], e);
        if (closeness <= 1e-9)
            worst_close = fmax(worst_close, e);
    }
    cr_assert(refused * 10 <= count / 3, "%d refusals", refused);
    fprintf(stderr, "distance (leverage): %d pairs 1e-12..1 apart, max ulp: gaussian %.3g, "
            "row-scaled %.3g, polynomial %.3g (%d refused); pairs <= 1e-9 apart %.3g "
            "(budget %.0f)\n", count, worst[0], worst[1], worst[2], refused, worst_close,
            MODEL_ULP_BUDGET);
}

Test(model_distance_leverage, identical_and_invariant_models_are_at_distance_zero)
{
    const double A[6] = {1.0, 0.5, -2.0, 0.25, 0.75, 3.0};
    double AR[6];
    for (int i = 0; i < 3; i++) { /* R = [[2, 1], [0, -1]] */
        AR[2 * i] = 2.0 * A[2 * i];
        AR[2 * i + 1] = A[2 * i] - A[2 * i + 1];
    }
    bht_distances dk, doo;
    cr_assert_eq(bht_distance_leverage(3, 2, A, A, NULL, &dk), BHT_OK);
    cr_assert(dk.hellinger2 == 0.0 && dk.hellinger == 0.0 && dk.tv == 0.0);
    cr_assert_eq(bht_oracle_distance_leverage(3, 2, A, AR, NULL, &doo, NULL, NULL), BHT_OK);
    cr_assert(doo.hellinger2 == 0.0 && doo.hellinger == 0.0 && doo.tv == 0.0);
    cr_assert_eq(bht_distance_leverage(3, 2, A, AR, NULL, &dk), BHT_OK);
    cr_assert(dk.tv <= 0x1p-100, "kernel TV %a for A R vs A", dk.tv);
}

Test(model_distance_leverage, rejects_bad_inputs)
{
    const double A[6] = {1.0, 0.0, 0.0, 1.0, 1.0, 1.0};
    const double B[6] = {1.0, 2.0, 2.0, 4.0, -1.0, -2.0};
    const double s0[3] = {1.0, 0.0, 2.0};
    double Bn[6] = {1.0, 0.0, 0.0, 1.0, NAN, 1.0};
    bht_distances d;
    cr_assert_eq(bht_distance_leverage(3, 2, A, B, NULL, &d), BHT_E_SINGULAR);
    cr_assert_eq(bht_oracle_distance_leverage(3, 2, A, B, NULL, &d, NULL, NULL),
                 BHT_E_SINGULAR);
    cr_assert_eq(bht_distance_leverage(3, 2, A, A, s0, &d), BHT_E_INVALID);
    cr_assert_eq(bht_oracle_distance_leverage(3, 2, A, A, s0, &d, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_distance_leverage(3, 2, A, Bn, NULL, &d), BHT_E_NONFINITE);
    cr_assert_eq(bht_oracle_distance_leverage(3, 2, A, Bn, NULL, &d, NULL, NULL),
                 BHT_E_NONFINITE);
    cr_assert_eq(bht_distance_leverage(1, 2, A, A, NULL, &d), BHT_E_INVALID);
    cr_assert_eq(bht_distance_leverage(3, 2, A, A, NULL, NULL), BHT_E_INVALID);
}

Test(model_distance_leverage, fuzz_regression_d_nonzero_rows_give_exact_values)
{
    /* found by tests/fuzz/fuzz_model_distance.c: with exactly d nonzero rows
     * p is uniform on them for every A and s, so B = A (1 + 2^-12) is the same
     * model; the kernel returned H^2 = 2^-241 instead of 0 */
    const double A[6] = {-0x1p-3, 0, 0, 0, 0, 0}, B[6] = {-0x1.fff4p-4, 0, 0, 0, 0, 0};
    const double C[6] = {0, 0, 0x1p-3, 0, 0, 0};
    bht_distances k, o;
    cr_assert_eq(bht_distance_leverage(6, 1, A, B, NULL, &k), BHT_OK);
    cr_assert(k.hellinger2 == 0.0 && k.hellinger == 0.0 && k.tv == 0.0);
    /* disjoint supports: H^2 = TV = 1 */
    cr_assert_eq(bht_distance_leverage(6, 1, A, C, NULL, &k), BHT_OK);
    cr_assert_eq(bht_oracle_distance_leverage(6, 1, A, C, NULL, &o, NULL, NULL), BHT_OK);
    cr_assert(k.hellinger2 == o.hellinger2 && k.tv == o.tv && k.hellinger == o.hellinger);
    cr_assert(o.hellinger2 == 1.0);
}

Test(model_distance_leverage, fuzz_regression_underflowing_hellinger_is_refused)
{
    /* found by tests/fuzz/fuzz_model_distance.c (regressions/model_distance-
     * leverage-underflowing-hellinger): B = A R (rows 2-4 equal, so h = (1,
     * 1/3, 1/3, 1/3) for both; the oracle's distance is exactly 0), and the
     * kernel's rounding-level difference TV ~ 2^-764 (the documented "same
     * model written differently" limit) had H^2 terms ~2^-1528 that
     * underflowed: H = 0 < TV / sqrt 2, an inconsistent answer.  Now the
     * kernel refuses when 0 < H^2 < 2^-961. */
    const double a = -0x1.5b5b5b5b5b5b5p+352, b = -0x1.1e4c4c4c4c4c4p+353;
    const double A[8] = {0x1.5ap-28, a, a, a, a, a, a, a};
    const double B[8] = {0x1.e69p-30, b, b, b, b, b, b, b};
    const double s[4] = {2.625, 2.625, 2.625, 2.625};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_leverage(4, 2, A, B, s, &o, NULL, NULL), BHT_OK);
    cr_assert(o.tv == 0.0 && o.hellinger2 == 0.0 && o.hellinger == 0.0);
    bht_status st = bht_distance_leverage(4, 2, A, B, s, &k);
    cr_assert(st == BHT_E_RANGE || st == BHT_OK, "status %d", (int)st);
    if (st == BHT_OK) /* consistent: H^2 <= TV <= sqrt(2) H */
        cr_assert(k.hellinger2 <= k.tv && k.tv <= sqrt(2.0) * k.hellinger * (1 + 0x1p-48),
                  "H^2 %a, H %a, TV %a", k.hellinger2, k.hellinger, k.tv);
}
