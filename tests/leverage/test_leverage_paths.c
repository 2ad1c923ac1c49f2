/* test_leverage_paths.c: the leverage basis (leverage_core.h, behind
 * bht_leverage, the local analysis and the model distances) is the same
 * bits on every compiled path of its build (generic C with libm's fma,
 * x86-64-v3: those this CPU runs): status, condition estimate, R^, its
 * computed inverse, L, every row of Q with its exponent and certified
 * error, the bounds, and the rows' |q_i|^2 (bht_leverage's last step).  Designs reach every branch of the build: the
 * plain fast path, exact-residual refinement (ill-conditioned polynomial
 * and near-deficient columns), certification of the inverse and the
 * comparison-matrix bounds (graded rows), the double-double fallback and
 * refusals (rows spread over 2^+-500), subnormal entries and scalings,
 * extreme column scales, zero rows.  Accuracy against the oracle is tested
 * in test_leverage.c; here every path is compared with the generic build of
 * the same code, an independent compilation (no vector instructions, libm
 * fma). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "leverage/leverage_core.h"

#define P_MAX_N 1000
#define P_MAX_D 12

typedef struct p_design {
    size_t n, d;
    int has_s;
    double A[P_MAX_N * P_MAX_D], s[P_MAX_N];
} p_design;

static int same_bits(size_t count, const void *a, const void *b)
{
    return count == 0 || memcmp(a, b, count) == 0;
}

static double p_scaled(test_rng *r, int e)
{
    double v = ldexp(1.0 + test_rng_unit(r), e);
    return (test_rng_next(r) & 1) ? -v : v;
}

/* Family k % 9 of the designs (see the header). */
static void make_design(test_rng *r, int k, p_design *m)
{
    int family = k % 9;
    m->d = test_rng_int(r, 1, family == 8 ? 10 : 8);
    m->n = m->d + test_rng_int(r, 0, family == 8 ? 990 : 60);
    m->has_s = k % 2;
    for (size_t q = 0; q < m->n * m->d; q++)
        m->A[q] = test_rng_normal(r);
    for (size_t i = 0; i < m->n; i++)
        m->s[i] = p_scaled(r, (int)test_rng_int(r, 0, 8) - 4);
    switch (family) {
    case 1: /* rows spread over 2^+-500: graded, dd fallback, refusals */
        for (size_t i = 0; i < m->n; i++) {
            int e = (int)test_rng_int(r, 0, 1000) - 500;
            for (size_t j = 0; j < m->d; j++)
                m->A[i * m->d + j] = ldexp(m->A[i * m->d + j], e);
        }
        break;
    case 2: /* rows graded over 2^[-60, 0]: comparison-matrix bounds */
        for (size_t i = 0; i < m->n; i++) {
            int e = -(int)test_rng_int(r, 0, 60);
            for (size_t j = 0; j < m->d; j++)
                m->A[i * m->d + j] = ldexp(m->A[i * m->d + j], e);
        }
        break;
    case 3: /* columns 2^[-1000, 1000], s_i over 2^+-1000 */
        for (size_t j = 0; j < m->d; j++) {
            int c = (int)test_rng_int(r, 0, 2000) - 1000;
            for (size_t i = 0; i < m->n; i++)
                m->A[i * m->d + j] = ldexp(m->A[i * m->d + j] / 4.0, c);
        }
        for (size_t i = 0; i < m->n; i++)
            m->s[i] = p_scaled(r, (int)test_rng_int(r, 0, 2000) - 1000);
        break;
    case 4: /* subnormal entries and scalings */
        for (size_t q = 0; q < m->n * m->d; q++)
            if (test_rng_next(r) % 3 == 0)
                m->A[q] = ldexp((double)(test_rng_next(r) >> 12), -1074);
        for (size_t i = 0; i < m->n; i++)
            if (test_rng_next(r) % 4 == 0)
                m->s[i] = ldexp(1.0 + test_rng_unit(r), -1060);
        break;
    case 5: /* zero rows */
        for (size_t z = test_rng_int(r, 1, m->n); z > 0; z--) {
            size_t i = test_rng_int(r, 0, m->n - 1);
            for (size_t j = 0; j < m->d; j++)
                m->A[i * m->d + j] = 0.0;
        }
        break;
    case 6: /* last column nearly a combination of two others (2^-10 ... 2^-45) */
        if (m->d >= 2) {
            int e = -(int)test_rng_int(r, 10, 45);
            for (size_t i = 0; i < m->n; i++)
                m->A[i * m->d + m->d - 1] = 0.75 * m->A[i * m->d]
                                            - 1.25 * m->A[i * m->d + m->d / 2]
                                            + ldexp(test_rng_normal(r), e);
        }
        break;
    case 7: { /* Vandermonde on [-9, -3]: ill-conditioned, refinement */
        m->d = test_rng_int(r, 4, 12);
        m->n = m->d + test_rng_int(r, 0, 80);
        for (size_t i = 0; i < m->n; i++) {
            double x = test_rng_uniform(r, -9.0, -3.0), v = 1.0;
            for (size_t j = 0; j < m->d; j++) {
                m->A[i * m->d + j] = v;
                v *= x;
            }
        }
        break;
    }
    case 8: /* the benchmark's shape: scales 10^(-2..2), a near-collinear column */
        for (size_t i = 0; i < m->n; i++) {
            for (size_t j = 0; j < m->d; j++)
                m->A[i * m->d + j] *= pow(10.0, (double)(j % 5) - 2.0);
            if (m->d >= 3)
                m->A[i * m->d + m->d - 1] = m->A[i * m->d] * 100.0 - m->A[i * m->d + 1]
                                            + 1e-4 * test_rng_normal(r);
        }
        break;
    default: /* Gaussian */
        break;
    }
}

/* Builds on path and compares with ref (built on the generic path). */
static void compare_path(const p_design *m, const double *s, int path, bht_status ref_status,
                         double ref_cond, const lev_basis *ref, const char *what)
{
    lev_basis b;
    double cond = 0.0;
    bht_status st = bht__lev_basis_build_path(m->n, m->d, m->A, s, &b, &cond, LEV_CERTIFIED_ERR,
                                              path);
    cr_assert_eq(st, ref_status, "%s, path %d: status %d, generic %d", what, path, (int)st,
                 (int)ref_status);
    cr_assert(same_bits(sizeof cond, &cond, &ref_cond), "%s, path %d: condition estimate %a, "
              "generic %a", what, path, cond, ref_cond);
    if (st != BHT_OK)
        return;
    const size_t n = m->n, d = m->d, dsz = sizeof(double);
    cr_assert_eq(b.graded, ref->graded, "%s, path %d: graded", what, path);
    cr_assert_eq(b.rl == NULL, ref->rl == NULL, "%s, path %d: dd R^", what, path);
    cr_assert(same_bits(d * d * dsz, b.r, ref->r), "%s, path %d: R^", what, path);
    cr_assert(!b.rl || same_bits(d * d * dsz, b.rl, ref->rl), "%s, path %d: R^ lo", what, path);
    cr_assert(same_bits(d * d * dsz, b.rinv, ref->rinv), "%s, path %d: R^-1", what, path);
    for (size_t i = 0; i < d; i++) /* L: its lower triangle (the rest is not written) */
        cr_assert(same_bits((i + 1) * dsz, b.lh + i * d, ref->lh + i * d)
                  && same_bits((i + 1) * dsz, b.ll + i * d, ref->ll + i * d),
                  "%s, path %d: row %zu of L", what, path, i);
    cr_assert(same_bits(n * d * dsz, b.qh, ref->qh) && same_bits(n * d * dsz, b.ql, ref->ql),
              "%s, path %d: rows of Q", what, path);
    cr_assert(same_bits(n * sizeof(int), b.qe, ref->qe), "%s, path %d: row exponents", what,
              path);
    cr_assert(same_bits(n * dsz, b.err_q, ref->err_q), "%s, path %d: row errors", what, path);
    cr_assert(same_bits(dsz, &b.gram, &ref->gram) && same_bits(dsz, &b.err_h_max, &ref->err_h_max),
              "%s, path %d: bounds", what, path);
    /* bht_leverage's |q_i|^2 on this path and on the generic one */
    double *hh = test_alloc(2 * n), *rh = test_alloc(2 * n);
    for (size_t i = 0; i < 2 * n; i++)
        hh[i] = rh[i] = 0.0;
    bht__lev_row_sumsq(&b, hh, hh + n, path);
    bht__lev_row_sumsq(ref, rh, rh + n, LEV_PATH_GENERIC);
    cr_assert(same_bits(2 * n * dsz, hh, rh), "%s, path %d: |q_i|^2", what, path);
    free(hh);
    free(rh);
    bht__lev_basis_free(&b);
}

/* Builds m on the generic path and compares every other available path
 * with it; returns the generic status (*dd_r, *graded: the basis had a dd
 * R^, comparison-matrix bounds). */
static bht_status check_design(const p_design *m, const char *what, int *dd_r, int *graded)
{
    const double *s = m->has_s ? m->s : NULL;
    lev_basis ref;
    double ref_cond = 0.0;
    bht_status ref_status = bht__lev_basis_build_path(m->n, m->d, m->A, s, &ref, &ref_cond,
                                                      LEV_CERTIFIED_ERR, LEV_PATH_GENERIC);
    if (ref_status == BHT_OK) {
        *dd_r += ref.rl != NULL;
        *graded += ref.graded;
    }
    for (int v = LEV_PATH_AUTO; v < LEV_PATH_COUNT; v++)
        if (v != LEV_PATH_GENERIC && bht__lev_path_available(v))
            compare_path(m, s, v, ref_status, ref_cond, &ref, what);
    if (ref_status == BHT_OK)
        bht__lev_basis_free(&ref);
    return ref_status;
}

Test(leverage_paths, every_path_same_bits)
{
    cr_assert(bht__lev_path_available(LEV_PATH_GENERIC));
    int paths = 0;
    for (int v = LEV_PATH_AUTO; v < LEV_PATH_COUNT; v++)
        paths += bht__lev_path_available(v);
    fprintf(stderr, "leverage paths: %d available (auto and generic included)\n", paths);
    static p_design m;
    test_rng rng = {0x1e7e4a9e};
    int outcome[2] = {0, 0}; /* answered, refused */
    int dd_r = 0, graded = 0; /* answered with a dd R^, with comparison-matrix bounds */
    for (int k = 0; k < 360; k++) {
        make_design(&rng, k, &m);
        char what[80];
        snprintf(what, sizeof what, "design %d (family %d, n %zu, d %zu)", k, k % 9, m.n, m.d);
        outcome[check_design(&m, what, &dd_r, &graded) != BHT_OK]++;
    }
    fprintf(stderr, "leverage paths: %d designs answered (%d with a dd R^, %d graded), %d refused\n",
            outcome[0], dd_r, graded, outcome[1]);
    /* both outcomes compared, not only one */
    cr_assert_gt(outcome[0], 100);
    cr_assert_gt(outcome[1], 5);
}

/* Designs outside make_design's families: wider ones (d 13 to 40: the
 * x86-64-v3 QR's passes over several groups of columns, the transposes'
 * 4-by-4 blocks), partly zero (exactly zero reflector columns, zero rows
 * in the last lane group), non-finite entries (the status on every path),
 * subnormal entries and column scales 2^+-1000. */
Test(leverage_paths, wide_and_special_designs_same_bits)
{
    static p_design m;
    test_rng rng = {0x77a1de5};
    int outcome[2] = {0, 0}, dd_r = 0, graded = 0, nonfinite = 0;
    for (int k = 0; k < 60; k++) {
        int kind = k % 5;
        m.d = test_rng_int(&rng, 13, 40);
        m.n = m.d + test_rng_int(&rng, 0, P_MAX_N * P_MAX_D / m.d - m.d);
        m.has_s = (k / 5) % 2;
        for (size_t q = 0; q < m.n * m.d; q++)
            m.A[q] = test_rng_normal(&rng) * pow(10.0, (double)(q % m.d % 5) - 2.0);
        for (size_t i = 0; i < m.n; i++)
            m.s[i] = p_scaled(&rng, (int)test_rng_int(&rng, 0, 8) - 4);
        size_t at = test_rng_int(&rng, 0, m.n * m.d - 1);
        switch (kind) {
        case 1: /* columns 0 and 1 equal to 1.5 e_1: column 1 is exactly zero below row 0
                 * after the first reflector; zero rows at the end */
            for (size_t i = 0; i < m.n; i++)
                m.A[i * m.d] = m.A[i * m.d + 1] = i == 0 ? 1.5 : 0.0;
            for (size_t i = m.n - test_rng_int(&rng, 1, 20); i < m.n; i++)
                for (size_t j = 0; j < m.d; j++)
                    m.A[i * m.d + j] = 0.0;
            break;
        case 2: /* a non-finite entry of A or of s */
            if (test_rng_next(&rng) & 1)
                m.A[at] = (test_rng_next(&rng) & 1) ? NAN : -INFINITY;
            else
                m.s[at % m.n] = INFINITY;
            break;
        case 3: /* subnormal entries */
            for (size_t q = 0; q < m.n * m.d; q++)
                if (test_rng_next(&rng) % 5 == 0)
                    m.A[q] = ldexp((double)(test_rng_next(&rng) >> 12), -1074);
            break;
        case 4: /* columns 2^[-1000, 1000] */
            for (size_t j = 0; j < m.d; j++) {
                int c = (int)test_rng_int(&rng, 0, 2000) - 1000;
                for (size_t i = 0; i < m.n; i++)
                    m.A[i * m.d + j] = ldexp(m.A[i * m.d + j] / 4.0, c);
            }
            break;
        default: /* scaled Gaussian */
            break;
        }
        char what[80];
        snprintf(what, sizeof what, "wide design %d (kind %d, n %zu, d %zu)", k, kind, m.n, m.d);
        bht_status st = check_design(&m, what, &dd_r, &graded);
        outcome[st != BHT_OK]++;
        nonfinite += st == BHT_E_NONFINITE;
    }
    fprintf(stderr, "leverage paths, wide designs: %d answered, %d refused (%d non-finite)\n",
            outcome[0], outcome[1], nonfinite);
    cr_assert_gt(outcome[0], 20);
    cr_assert_gt(nonfinite, 5);
}
