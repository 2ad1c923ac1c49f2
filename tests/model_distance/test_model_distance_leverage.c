/* test_model_distance_leverage.c: distances between two leverage-score
 * models at a query s (bht_distance_leverage and its oracle).
 * The oracle is checked against a literal evaluation of Def. 2.9 and of the
 * distance definitions at REF_PREC bits in this file (Gauss-Jordan on
 * X_s^T X_s, sqrt p - sqrt q and |p - q| directly); then the double kernel
 * against the oracle (budget 2 ulp) for models 1e-12 ... 1 apart, and on
 * hazard generators (models equal up to rounding: c A, A R, 1e-5 A, B = A
 * + 2^-k N down to 1 ulp and 2^-600; exact invariance pairs, which must
 * give exactly 0; extreme scalings; rows spread in scale; zero rows), each
 * printing its instance count, maximum error and refusals. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "oracle/oracle_internal.h"

#define MODEL_ULP_BUDGET 2.0
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
    /* R^-1 = [[1/2, 1/2], [0, -1]] is a double matrix: the kernel proves
     * B R^-1 = A with an exact residual and returns exactly 0 (issue 12) */
    cr_assert_eq(bht_distance_leverage(3, 2, A, AR, NULL, &dk), BHT_OK);
    cr_assert(dk.hellinger2 == 0.0 && dk.hellinger == 0.0 && dk.tv == 0.0, "kernel TV %a",
              dk.tv);
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
     * kernel's rounding-level difference TV ~ 2^-764 had H^2 terms ~2^-1528
     * that underflowed: H = 0 < TV / sqrt 2, an inconsistent answer.  Now the
     * sums carry their own exponents, and the distance is certified or
     * refused: 0 here (or a refusal), never the noise. */
    const double a = -0x1.5b5b5b5b5b5b5p+352, b = -0x1.1e4c4c4c4c4c4p+353;
    const double A[8] = {0x1.5ap-28, a, a, a, a, a, a, a};
    const double B[8] = {0x1.e69p-30, b, b, b, b, b, b, b};
    const double s[4] = {2.625, 2.625, 2.625, 2.625};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_leverage(4, 2, A, B, s, &o, NULL, NULL), BHT_OK);
    cr_assert(o.tv == 0.0 && o.hellinger2 == 0.0 && o.hellinger == 0.0);
    bht_status st = bht_distance_leverage(4, 2, A, B, s, &k);
    cr_assert(st == BHT_E_RANGE || st == BHT_OK, "status %d", (int)st);
    if (st == BHT_OK)
        cr_assert(k.hellinger2 == 0.0 && k.tv == 0.0 && k.hellinger == 0.0,
                  "H^2 %a, H %a, TV %a", k.hellinger2, k.hellinger, k.tv);
}

/* The issue-12 findings, each against the oracle: models whose leverage
 * distributions agree to ~1e-17 although B - A is O(1), B - A below 1e-150
 * relative, and an exactly equal model. */
Test(model_distance_leverage, issue12_close_models_within_budget)
{
    test_rng rng = {0x1212};
    double A[24], B[24], R[4] = {0.3, 1.7, -0.9, 0.4};
    for (int k = 0; k < 24; k++)
        A[k] = test_rng_normal(&rng);
    bht_distances dk, dor;
    for (int form = 0; form < 5; form++) {
        for (int i = 0; i < 12; i++)
            for (int j = 0; j < 2; j++) {
                double a = A[2 * i + j];
                switch (form) {
                case 0: B[2 * i + j] = 1.1 * a; break;                /* c A, c rounded */
                case 1: B[2 * i + j] = 1e-5 * a; break;               /* 1e-5 A */
                case 2: B[2 * i + j] = A[2 * i] * R[j] + A[2 * i + 1] * R[2 + j]; break; /* A R */
                case 3: B[2 * i + j] = a; break; /* below: tiny entries moved */
                default: B[2 * i + j] = a; break;                     /* B = A */
                }
            }
        if (form == 3) { /* B - A ~ 2^-610 of the columns' scale (was "out of scale") */
            A[5] = ldexp(A[5], -600);
            B[5] = A[5] * (1.0 + 0x1p-10);
            A[14] = B[14] = ldexp(A[14], -700);
        }
        cr_assert_eq(bht_oracle_distance_leverage(12, 2, A, B, NULL, &dor, NULL, NULL), BHT_OK);
        cr_assert_eq(bht_distance_leverage(12, 2, A, B, NULL, &dk), BHT_OK, "form %d", form);
        double e = fmax(bht_ulp_error(dk.hellinger2, dor.hellinger2),
                        fmax(bht_ulp_error(dk.hellinger, dor.hellinger),
                             bht_ulp_error(dk.tv, dor.tv)));
        cr_assert(e <= MODEL_ULP_BUDGET, "form %d: H^2 %a vs %a, H %a vs %a, TV %a vs %a", form,
                  dk.hellinger2, dor.hellinger2, dk.hellinger, dor.hellinger, dk.tv, dor.tv);
        if (form == 4)
            cr_assert(dk.hellinger2 == 0.0 && dk.hellinger == 0.0 && dk.tv == 0.0);
        if (form < 4)
            cr_assert(dor.tv > 0.0 && dor.tv < 1e-10, "form %d: TV %a", form, dor.tv);
        if (form == 3) /* restore A for the next form */
            A[5] = A[14] = 1.0;
    }
}

/* ------------------------------------------------------ hazard generators */

#define HZ_N 24
#define HZ_D 5

typedef struct hz_pair {
    size_t n, d;
    int has_s, exact_zero; /* exact_zero: the same model, exactly */
    double A[HZ_N * HZ_D], B[HZ_N * HZ_D], s[HZ_N];
} hz_pair;

typedef void (*hz_generator)(test_rng *rng, int k, hz_pair *m);

static void hz_base(test_rng *rng, hz_pair *m)
{
    m->d = test_rng_int(rng, 1, HZ_D);
    m->n = m->d + test_rng_int(rng, 1, HZ_N - m->d);
    m->has_s = (int)(test_rng_next(rng) & 1);
    m->exact_zero = 0;
    for (size_t q = 0; q < m->n * m->d; q++)
        m->A[q] = m->B[q] = test_rng_normal(rng);
    for (size_t i = 0; i < m->n; i++)
        m->s[i] = test_rng_uniform(rng, 0.5, 2.0);
}

static void hz_times(size_t n, size_t d, const double *X, const double *R, double *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double v = 0.0;
            for (size_t q = 0; q < d; q++)
                v += X[i * d + q] * R[q * d + j];
            out[i * d + j] = v;
        }
}

/* B = A + 2^-k N |A| entrywise, k in [1, 60], or B = A with random entries
 * moved by 1 ulp */
static void hz_near_equal(test_rng *rng, int k, hz_pair *m)
{
    hz_base(rng, m);
    int e = -(int)test_rng_int(rng, 1, 60);
    for (size_t q = 0; q < m->n * m->d; q++) {
        if (k % 2)
            m->B[q] = (test_rng_next(rng) & 1) ? nextafter(m->A[q], 2.0 * m->A[q]) : m->A[q];
        else
            m->B[q] = m->A[q] + ldexp(m->A[q] * test_rng_normal(rng), e);
    }
}

/* B = c A rounded: c in 2^[-60, 60], and c = 1e-5 */
static void hz_times_c(test_rng *rng, int k, hz_pair *m)
{
    hz_base(rng, m);
    double c = k % 4 == 0 ? 1e-5 : ldexp(1.0 + test_rng_unit(rng), (int)test_rng_int(rng, 0, 120) - 60);
    for (size_t q = 0; q < m->n * m->d; q++)
        m->B[q] = c * m->A[q];
}

/* B = A R rounded: R Gaussian, graded (10^-6 between columns) or I + 2^-30 N */
static void hz_times_r(test_rng *rng, int k, hz_pair *m)
{
    hz_base(rng, m);
    double R[HZ_D * HZ_D];
    size_t d = m->d;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double g = test_rng_normal(rng);
            R[i * d + j] = k % 3 == 0 ? g
                           : k % 3 == 1 ? g * pow(10.0, -6.0 * (double)j / (double)d)
                                        : (i == j) + ldexp(g, -30);
        }
    hz_times(m->n, d, m->A, R, m->B);
}

/* B = A R exactly with R^-1 a double matrix (small dyadic A; R = P U D with
 * U unit upper triangular of small integers): the distance is exactly 0 */
static void hz_times_r_exact(test_rng *rng, int k, hz_pair *m)
{
    (void)k;
    hz_base(rng, m);
    size_t d = m->d;
    for (size_t q = 0; q < m->n * d; q++)
        m->A[q] = (double)((long)test_rng_int(rng, 0, 16) - 8);
    double R[HZ_D * HZ_D];
    size_t perm[HZ_D];
    for (size_t j = 0; j < d; j++)
        perm[j] = j;
    for (size_t j = d; j-- > 1;) {
        size_t t = test_rng_int(rng, 0, j), x = perm[j];
        perm[j] = perm[t];
        perm[t] = x;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double u = i == j ? 1.0 : (i < j ? (double)((long)test_rng_int(rng, 0, 4) - 2) : 0.0);
            R[i * d + perm[j]] = ldexp(u, (int)test_rng_int(rng, 0, 6) - 3);
        }
    hz_times(m->n, d, m->A, R, m->B);
    m->exact_zero = 1;
}

/* B = 3 A (exact: small integers) or A with columns scaled by odd
 * integers: R^-1 is not a double matrix, but B = A Diag(r) exactly */
static void hz_column_multiples(test_rng *rng, int k, hz_pair *m)
{
    hz_base(rng, m);
    for (size_t q = 0; q < m->n * m->d; q++)
        m->A[q] = (double)((long)test_rng_int(rng, 0, 64) - 32);
    for (size_t j = 0; j < m->d; j++) {
        double r = k % 2 ? 3.0 : (double)(2 * test_rng_int(rng, 1, 20) + 1);
        for (size_t i = 0; i < m->n; i++)
            m->B[i * m->d + j] = r * m->A[i * m->d + j];
    }
    m->exact_zero = 1;
}

/* B - A at 2^-200 ... 2^-1000 of the columns' scale (the former "out of
 * scale"): a few entries of A tiny, B differing from A only there (by a
 * relative 2^-1 ... 2^-50) */
static void hz_tiny_difference(test_rng *rng, int k, hz_pair *m)
{
    (void)k;
    hz_base(rng, m);
    size_t count = test_rng_int(rng, 1, m->n);
    for (size_t c = 0; c < count; c++) {
        size_t q = test_rng_int(rng, 0, m->n * m->d - 1);
        m->A[q] = ldexp(m->A[q], -(int)test_rng_int(rng, 200, 1000));
        m->B[q] = m->A[q] * (1.0 + ldexp(test_rng_normal(rng), -(int)test_rng_int(rng, 1, 50)));
    }
}

/* A, B (a close pair or independent) scaled over the whole range: rows
 * 2^(R + jitter), columns 2^c_j (the same for A and B), s 2^(S + jitter) */
static void hz_scaled(test_rng *rng, int k, hz_pair *m)
{
    hz_base(rng, m);
    if (k % 2)
        for (size_t q = 0; q < m->n * m->d; q++)
            m->B[q] = m->A[q] + 0x1p-20 * test_rng_normal(rng);
    else
        for (size_t q = 0; q < m->n * m->d; q++)
            m->B[q] = test_rng_normal(rng);
    int r = (int)test_rng_int(rng, 0, 1000) - 500, so = (int)test_rng_int(rng, 0, 2000) - 1000;
    int c[HZ_D];
    for (size_t j = 0; j < m->d; j++)
        c[j] = (int)test_rng_int(rng, 0, 800) - 400;
    for (size_t i = 0; i < m->n; i++) {
        int jit = (int)test_rng_int(rng, 0, 16) - 8;
        for (size_t j = 0; j < m->d; j++) {
            m->A[i * m->d + j] = ldexp(m->A[i * m->d + j], r + jit + c[j]);
            m->B[i * m->d + j] = ldexp(m->B[i * m->d + j], r + jit + c[j]);
        }
        m->s[i] = ldexp(m->s[i], so + (int)test_rng_int(rng, 0, 16) - 8);
    }
}

/* rows (and s) spread over 2^+-30: the class refused before as "rows
 * spanning 2^40"; B close to A (2^-30 N) or independent */
static void hz_rows_spread(test_rng *rng, int k, hz_pair *m)
{
    hz_base(rng, m);
    for (size_t i = 0; i < m->n; i++) {
        int e = (int)test_rng_int(rng, 0, 60) - 30;
        for (size_t j = 0; j < m->d; j++) {
            m->A[i * m->d + j] = ldexp(m->A[i * m->d + j], e);
            m->B[i * m->d + j] = k % 2 ? ldexp(test_rng_normal(rng), e)
                                       : m->A[i * m->d + j] * (1.0 + 0x1p-30 * test_rng_normal(rng));
        }
        m->s[i] = ldexp(m->s[i], (int)test_rng_int(rng, 0, 20) - 10);
    }
}

/* zero rows in A, in B, or in both (disjoint or shared supports) */
static void hz_zero_rows(test_rng *rng, int k, hz_pair *m)
{
    hz_base(rng, m);
    if (k % 2)
        for (size_t q = 0; q < m->n * m->d; q++)
            m->B[q] = m->A[q] * (1.0 + 0x1p-25 * test_rng_normal(rng));
    size_t zeros = test_rng_int(rng, 1, m->n - m->d);
    for (size_t z = 0; z < zeros; z++) {
        size_t i = test_rng_int(rng, 0, m->n - 1);
        int which = (int)(test_rng_next(rng) % 3);
        for (size_t j = 0; j < m->d; j++) {
            if (which != 1)
                m->A[i * m->d + j] = 0.0;
            if (which != 0)
                m->B[i * m->d + j] = 0.0;
        }
    }
}

/* subnormal entries in A and B (B = A + subnormal N, or independent) */
static void hz_subnormal(test_rng *rng, int k, hz_pair *m)
{
    hz_base(rng, m);
    for (size_t q = 0; q < m->n * m->d; q++) {
        if (test_rng_next(rng) % 3 == 0)
            m->A[q] = ldexp((double)(test_rng_next(rng) >> 12), -1074);
        m->B[q] = k % 2 ? m->A[q] + ldexp((double)(test_rng_next(rng) % 64), -1074)
                        : (test_rng_next(rng) % 3 ? test_rng_normal(rng)
                                                  : ldexp((double)(test_rng_next(rng) >> 12), -1074));
    }
}

static void run_hazard(const char *name, uint64_t seed, int count, hz_generator gen)
{
    test_rng rng = {seed};
    hz_pair m;
    double worst = 0.0;
    int refused = 0, singular = 0;
    for (int k = 0; k < count; k++) {
        gen(&rng, k, &m);
        const double *s = m.has_s ? m.s : NULL;
        bht_distances dk, dor;
        bht_status so = bht_oracle_distance_leverage(m.n, m.d, m.A, m.B, s, &dor, NULL, NULL);
        bht_status sk = bht_distance_leverage(m.n, m.d, m.A, m.B, s, &dk);
        if (so == BHT_E_SINGULAR) {
            cr_assert_eq(sk, BHT_E_SINGULAR, "%s %d: A or B exactly deficient, kernel %d", name,
                         k, (int)sk);
            singular++;
            continue;
        }
        cr_assert_eq(so, BHT_OK, "%s %d: oracle %d", name, k, (int)so);
        cr_assert(sk == BHT_OK || sk == BHT_E_RANGE || sk == BHT_E_SINGULAR, "%s %d: %d", name, k,
                  (int)sk);
        if (sk != BHT_OK) {
            refused++;
            continue;
        }
        double e = fmax(bht_ulp_error(dk.hellinger2, dor.hellinger2),
                        fmax(bht_ulp_error(dk.hellinger, dor.hellinger),
                             bht_ulp_error(dk.tv, dor.tv)));
        cr_assert(e <= MODEL_ULP_BUDGET, "%s %d (n %zu d %zu): H^2 %a vs %a, H %a vs %a, "
                  "TV %a vs %a", name, k, m.n, m.d, dk.hellinger2, dor.hellinger2, dk.hellinger,
                  dor.hellinger, dk.tv, dor.tv);
        if (m.exact_zero)
            cr_assert(dk.hellinger2 == 0.0 && dk.hellinger == 0.0 && dk.tv == 0.0,
                      "%s %d: the same model, TV %a", name, k, dk.tv);
        worst = fmax(worst, e);
    }
    fprintf(stderr, "distance hazard %s: %d instances, max %.3g ulp, %d refused, %d exactly "
            "rank deficient\n", name, count, worst, refused, singular);
}

Test(model_distance_leverage_hazards, every_generator, .timeout = 900)
{
    run_hazard("near_equal_2^-k_and_1ulp", 0xd501, 200, hz_near_equal);
    run_hazard("times_c_rounded", 0xd502, 200, hz_times_c);
    run_hazard("times_R_rounded", 0xd503, 200, hz_times_r);
    run_hazard("times_R_exact", 0xd504, 150, hz_times_r_exact);
    run_hazard("column_multiples_exact", 0xd505, 100, hz_column_multiples);
    run_hazard("difference_2^-200..-1000", 0xd506, 150, hz_tiny_difference);
    run_hazard("scaled_2^+-1000", 0xd507, 150, hz_scaled);
    run_hazard("rows_spread_2^+-30", 0xd508, 150, hz_rows_spread);
    run_hazard("zero_rows", 0xd509, 150, hz_zero_rows);
    run_hazard("subnormal_entries", 0xd50a, 150, hz_subnormal);
}

Test(model_distance_leverage, fuzz_regression_singular_i_plus_f_is_not_used)
{
    /* found by tests/fuzz/fuzz_model_distance.c (regressions/model_distance-
     * leverage-singular-i-plus-f): d = 1, A dominated by its first row, B
     * zero there: I + F = |B_s T_A^-1|^2 ~ 1e-212 is 0 in dd, the difference
     * route's x = (I + F)^-1 r came out infinite, and a NaN reached the
     * scaled sums (UBSan: ilogb(NaN) negated).  The condition of I + F is
     * now bounded by ||L^-1||_F^2 (the pivot ratio is 1 for d = 1), which
     * rules the route out; the direct route answers. */
    const double A[3] = {0x1.7575757575757p+374, 2861952.0, 2861952.0};
    const double B[3] = {0.0, 6752418.0, 6752418.0}, s[3] = {1.875, 1.875, 1.875};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_leverage(3, 1, A, B, s, &o, NULL, NULL), BHT_OK);
    cr_assert_eq(bht_distance_leverage(3, 1, A, B, s, &k), BHT_OK);
    cr_assert(k.hellinger2 == o.hellinger2 && k.hellinger == o.hellinger && k.tv == o.tv,
              "H^2 %a vs %a, TV %a vs %a", k.hellinger2, o.hellinger2, k.tv, o.tv);
}
