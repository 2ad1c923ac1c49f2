/* test_model_distance.c: distances between two softmax models at a query.
 * The oracle is checked against a literal evaluation of the definitions at
 * 3000 bits in this file (a different formula: sqrt p - sqrt q and |p - q|
 * directly), then the double kernel against the oracle (budget 2 ulp) for
 * models that differ by 1e-12 ... 1 and on named hazard generators (models
 * equal up to rounding, one-ulp changes, subnormal H^2, extreme scaling,
 * huge logits, ties), each printing its instance count, max error and
 * refusals. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "oracle/oracle_internal.h"

#define MODEL_ULP_BUDGET 2.0
#define REF_PREC 3000
#define MAX_N 48
#define MAX_D 6

typedef struct pair {
    size_t n, d;
    double A[MAX_N * MAX_D], B[MAX_N * MAX_D], x[MAX_D];
} pair;

static void random_pair(test_rng *rng, pair *m, double closeness)
{
    m->n = test_rng_int(rng, 1, MAX_N);
    m->d = test_rng_int(rng, 1, MAX_D);
    double scale = ldexp(1.0, (int)test_rng_int(rng, 0, 5) - 1);
    for (size_t k = 0; k < m->n * m->d; k++) {
        m->A[k] = scale * test_rng_normal(rng);
        m->B[k] = m->A[k] + closeness * test_rng_normal(rng);
    }
    for (size_t k = 0; k < m->d; k++)
        m->x[k] = test_rng_normal(rng);
}

/* softmax(M x) at REF_PREC into out[]. */
static void softmax_ref(const pair *m, const double *M, mpfr_t *out)
{
    mpfr_t t, s;
    mpfr_inits2(REF_PREC, t, s, (mpfr_ptr)0);
    for (size_t i = 0; i < m->n; i++) {
        mpfr_set_zero(out[i], 1);
        for (size_t k = 0; k < m->d; k++) {
            mpfr_set_d(t, M[i * m->d + k], MPFR_RNDN);
            mpfr_mul_d(t, t, m->x[k], MPFR_RNDN);
            mpfr_add(out[i], out[i], t, MPFR_RNDN);
        }
    }
    mpfr_set(t, out[0], MPFR_RNDN);
    mpfr_set_zero(s, 1);
    for (size_t i = 0; i < m->n; i++) {
        mpfr_sub(out[i], out[i], t, MPFR_RNDN);
        mpfr_exp(out[i], out[i], MPFR_RNDN);
        mpfr_add(s, s, out[i], MPFR_RNDN);
    }
    for (size_t i = 0; i < m->n; i++)
        mpfr_div(out[i], out[i], s, MPFR_RNDN);
    mpfr_clears(t, s, (mpfr_ptr)0);
}

/* Literal H^2, H, TV at REF_PREC, rounded when the rounding is clear at a
 * generous 2^(100 - REF_PREC) relative margin; returns false if not. */
static bool reference(const pair *m, double out[3])
{
    mpfr_t p[MAX_N], q[MAX_N], h2, tv, t, h;
    for (size_t i = 0; i < m->n; i++)
        mpfr_inits2(REF_PREC, p[i], q[i], (mpfr_ptr)0);
    mpfr_inits2(REF_PREC, h2, tv, t, h, (mpfr_ptr)0);
    softmax_ref(m, m->A, p);
    softmax_ref(m, m->B, q);
    mpfr_set_zero(h2, 1);
    mpfr_set_zero(tv, 1);
    for (size_t i = 0; i < m->n; i++) {
        mpfr_sub(t, p[i], q[i], MPFR_RNDN);
        mpfr_abs(t, t, MPFR_RNDN);
        mpfr_add(tv, tv, t, MPFR_RNDN);
        mpfr_sqrt(p[i], p[i], MPFR_RNDN);
        mpfr_sqrt(q[i], q[i], MPFR_RNDN);
        mpfr_sub(t, p[i], q[i], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_add(h2, h2, t, MPFR_RNDN);
        mpfr_clears(p[i], q[i], (mpfr_ptr)0);
    }
    mpfr_div_2ui(h2, h2, 1, MPFR_RNDN);
    mpfr_div_2ui(tv, tv, 1, MPFR_RNDN);
    mpfr_sqrt(h, h2, MPFR_RNDN);
    bool ok = true;
    mpfr_srcptr v[3] = {h2, h, tv};
    for (int k = 0; k < 3; k++)
        ok = ok && !mpfr_zero_p(v[k])
             && bht__oracle_decide(v[k], mpfr_get_exp(v[k]) - REF_PREC + 100, &out[k]);
    mpfr_clears(h2, tv, t, h, (mpfr_ptr)0);
    return ok;
}

Test(model_distance, oracle_matches_literal_definition_at_3000_bits, .timeout = 300)
{
    test_rng rng = {6060};
    int compared = 0;
    for (int k = 0; k < 150; k++) {
        pair m;
        random_pair(&rng, &m, pow(10.0, -(double)(k % 13)));
        bht_distances o;
        cr_assert_eq(bht_oracle_distance_softmax(m.n, m.d, m.A, m.B, m.x, &o, NULL, NULL), BHT_OK,
                     "pair %d", k);
        double ref[3];
        if (!reference(&m, ref))
            continue;
        compared++;
        cr_assert(ref[0] == o.hellinger2 && ref[1] == o.hellinger && ref[2] == o.tv,
                  "pair %d: H2 %a vs %a, H %a vs %a, TV %a vs %a", k, o.hellinger2, ref[0],
                  o.hellinger, ref[1], o.tv, ref[2]);
    }
    cr_assert_geq(compared, 140, "only %d pairs compared", compared);
}

Test(model_distance, kernel_within_budget_for_close_and_far_models, .timeout = 300)
{
    test_rng rng = {7070};
    double worst = 0.0;
    for (int k = 0; k < 2600; k++) {
        pair m;
        random_pair(&rng, &m, pow(10.0, -test_rng_uniform(&rng, 0.0, 12.0)));
        bht_distances kd, od;
        cr_assert_eq(bht_distance_softmax(m.n, m.d, m.A, m.B, m.x, &kd), BHT_OK);
        cr_assert_eq(bht_oracle_distance_softmax(m.n, m.d, m.A, m.B, m.x, &od, NULL, NULL),
                     BHT_OK);
        double e = fmax(bht_ulp_error(kd.hellinger2, od.hellinger2),
                        fmax(bht_ulp_error(kd.hellinger, od.hellinger),
                             bht_ulp_error(kd.tv, od.tv)));
        cr_assert(e <= MODEL_ULP_BUDGET, "pair %d (n %zu d %zu): H2 %a vs %a, H %a vs %a, "
                  "TV %a vs %a", k, m.n, m.d, kd.hellinger2, od.hellinger2, kd.hellinger,
                  od.hellinger, kd.tv, od.tv);
        worst = fmax(worst, e);
    }
    fprintf(stderr, "distance(softmax models): 2600 pairs, differences 1e-12..1, max error "
            "%.3g ulp (budget %.0f)\n", worst, MODEL_ULP_BUDGET);
}

Test(model_distance, same_model_is_exactly_zero)
{
    const double A[6] = {0.5, -1.0, 2.0, 0.25, -3.0, 1.5}, x[2] = {1.25, -0.5};
    double B[6];
    for (int k = 0; k < 6; k++)
        B[k] = A[k] + ((k % 2) ? 0.75 : -0.5); /* B = A + 1 w^T: the same model */
    bht_distances kd, od;
    cr_assert_eq(bht_oracle_distance_softmax(3, 2, A, A, x, &od, NULL, NULL), BHT_OK);
    cr_assert(od.hellinger2 == 0.0 && od.tv == 0.0);
    cr_assert_eq(bht_oracle_distance_softmax(3, 2, A, B, x, &od, NULL, NULL), BHT_OK);
    cr_assert(od.hellinger2 == 0.0 && od.hellinger == 0.0 && od.tv == 0.0,
              "shifted model: %a %a %a", od.hellinger2, od.hellinger, od.tv);
    cr_assert_eq(bht_distance_softmax(3, 2, A, B, x, &kd), BHT_OK);
    cr_assert(kd.hellinger2 == 0.0 && kd.tv == 0.0, "kernel: %a %a", kd.hellinger2, kd.tv);
}

Test(model_distance, rejects_bad_inputs)
{
    const double A[2] = {1.0, 2.0}, x[1] = {1.0};
    double B[2] = {1.0, NAN};
    bht_distances o;
    cr_assert_eq(bht_distance_softmax(2, 1, A, B, x, &o), BHT_E_NONFINITE);
    cr_assert_eq(bht_oracle_distance_softmax(2, 1, A, B, x, &o, NULL, NULL), BHT_E_NONFINITE);
    /* q_2 / p_2 = e^1998: once refused ("beyond e^700"), now answered */
    const double A2[2] = {2.0, 1.0}, B2[2] = {2.0, 2000.0};
    bht_distances k;
    cr_assert_eq(bht_distance_softmax(2, 1, A2, B2, x, &k), BHT_OK);
    cr_assert_eq(bht_oracle_distance_softmax(2, 1, A2, B2, x, &o, NULL, NULL), BHT_OK);
    cr_assert(o.tv == 1.0 - 0x1p-53 || o.tv <= 1.0, "TV %a", o.tv);
    cr_assert(bht_ulp_error(k.tv, o.tv) <= MODEL_ULP_BUDGET
                  && bht_ulp_error(k.hellinger2, o.hellinger2) <= MODEL_ULP_BUDGET
                  && bht_ulp_error(k.hellinger, o.hellinger) <= MODEL_ULP_BUDGET,
              "H2 %a vs %a, TV %a vs %a", k.hellinger2, o.hellinger2, k.tv, o.tv);
    cr_assert_eq(bht_distance_softmax(0, 1, A, B, x, &o), BHT_E_INVALID);
}

Test(model_distance, fuzz_regression_q_below_the_floor)
{
    /* found by tests/fuzz/fuzz_model_distance.c: q_3 ~ e^-1948 is below the
     * dd softmax floor (stored as 0 with a dummy exponent 0), which pushed
     * p_3 ~ 2^-1342 out of range: H was 2^-693 instead of 0x1.90d1...p-672 */
    const double A[3] = {0x1.48p+4, 0x1.a4p+5, 0x1.58p+4};
    const double B[3] = {0x1.0d1p+5, 0x1.5888p+6, 0x1.52ap+4};
    const double x[1] = {0x1.ep+4};
    bht_distances k, o;
    cr_assert_eq(bht_distance_softmax(3, 1, A, B, x, &k), BHT_OK);
    cr_assert_eq(bht_oracle_distance_softmax(3, 1, A, B, x, &o, NULL, NULL), BHT_OK);
    cr_assert(bht_ulp_error(k.hellinger, o.hellinger) <= MODEL_ULP_BUDGET, "H %a vs %a", k.hellinger,
              o.hellinger);
}

Test(model_distance, fuzz_regression_subnormal_log_ratios_refused)
{
    /* found by tests/fuzz/fuzz_model_distance.c: log-ratios ~2^-1003 (x_2 =
     * 2^-1007): H came out 0 instead of 0x1.6610bcf91d808p-1008 */
    const double a = -0x1.6cp+3, b = -0x1.3764p+4;
    const double A[8] = {a, 0x1.48p+2, a, a, a, a, a, a};
    const double B[8] = {b, 0x1.7b4p+0, b, b, b, b, b, b};
    const double x[2] = {-0x1.3a552c3060102p-419, 0x1.073p-1007};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_softmax(4, 2, A, B, x, &o, NULL, NULL), BHT_OK);
    bht_status s = bht_distance_softmax(4, 2, A, B, x, &k);
    cr_assert(s == BHT_E_RANGE || (s == BHT_OK && bht_ulp_error(k.hellinger, o.hellinger) <= MODEL_ULP_BUDGET),
              "status %d, H %a vs %a", (int)s, k.hellinger, o.hellinger);
}

Test(model_distance, fuzz_regression_tied_rows_under_a_huge_query)
{
    /* found by tests/fuzz/fuzz_model_distance.c (regressions/model_distance-
     * softmax-tied-rows-huge-x): x_1 ~ 2^828, the two most probable rows tie
     * in column 1 in A and in B, so their log-ratio difference comes from
     * column 2 alone; (B_i - A_i) x ~ 2^824 as two separate dot products lost
     * it: H^2 = TV = 0 instead of TV = 1.4e-5 (x_2 = -1) and 2.3e-13 */
    const double A[8] = {-0x1.d4p+3, 0x1.44p+3, 0x1.44p+3, 0x1.f4p+3,
                         0x1.f4p+3,  0x1p+3,    0x1.f4p+3, 0x1.f4p+3};
    const double B[8] = {-0x1.d2d7d8p+3, 0x1.44cd08p+3, 0x1.453c68p+3, 0x1.f5e848p+3,
                         0x1.f5e848p+3,  0x1.00fap+3,   0x1.f5e848p+3, 0x1.f5e848p+3};
    const double xs[3][2] = {{0x1.d422200d5807cp+828, -1.0},
                             {0x1.d422200d5807cp+828, -0x1.cp+1},
                             {0x1p+40, -1.0}};
    for (int t = 0; t < 3; t++) {
        bht_distances k, o;
        cr_assert_eq(bht_oracle_distance_softmax(4, 2, A, B, xs[t], &o, NULL, NULL), BHT_OK);
        cr_assert(o.tv > 1e-13);
        bht_status s = bht_distance_softmax(4, 2, A, B, xs[t], &k);
        cr_assert(s == BHT_E_RANGE || s == BHT_OK, "status %d", (int)s);
        if (s != BHT_OK)
            continue;
        cr_assert(bht_ulp_error(k.hellinger2, o.hellinger2) <= MODEL_ULP_BUDGET
                      && bht_ulp_error(k.hellinger, o.hellinger) <= MODEL_ULP_BUDGET
                      && bht_ulp_error(k.tv, o.tv) <= MODEL_ULP_BUDGET,
                  "x %a: H^2 %a, H %a, TV %a; oracle %a, %a, %a", xs[t][0], k.hellinger2,
                  k.hellinger, k.tv, o.hellinger2, o.hellinger, o.tv);
    }
}

/* A fuzz regression passes when the kernel refuses (exit 3) or answers
 * within its 2-ulp budget of the oracle. */
static void assert_refused_or_within_budget(bht_status s, const bht_distances *k,
                                            const bht_distances *o)
{
    cr_assert(s == BHT_E_RANGE || s == BHT_OK, "status %d", (int)s);
    if (s == BHT_OK)
        cr_assert(bht_ulp_error(k->hellinger2, o->hellinger2) <= MODEL_ULP_BUDGET
                      && bht_ulp_error(k->tv, o->tv) <= MODEL_ULP_BUDGET,
                  "H^2 %a, TV %a; oracle %a, %a", k->hellinger2, k->tv, o->hellinger2, o->tv);
}

Test(model_distance, fuzz_regression_logit_errors_are_checked)
{
    /* found by tests/fuzz/fuzz_model_distance.c (regressions/model_distance-
     * softmax-logit-error-unchecked): logits ~2^113 whose differences are
     * O(1); the Dot2 logits carried errors far beyond the budget, unchecked:
     * H^2 off by 2^-31, TV = 1/2 for 0x1.0000000ebebebp-1 */
    const double A[18] = {-0x1.7979797979797p+111, -0x0p+0, 0x1.cbcbcbcbcbcbcp-1012, -0x1.79797979fd797p+111, -0x1.7979797979797p+111, -0x0p+0, -0x1.cbcbcbcbcbcbcp-52, -0x1.797979fd79797p+111, -0x1.7979797979797p+111, -0x1.797978c179797p-29, 0x0.00000000c0c0cp-1022, 0x0.00000000c0c0cp-1022, 0x0.00000000c0c0cp-1022, 0x1.7979797979797p+111, -0x1.7979797979797p+111, -0x1.7979797979797p+111, -0x1.7979797979797p+111, -0x1.79797979fd797p+111};
    const double B[18] = {-0x1.79797b0a8a8a8p+111, 0x0p+0, 0x1.cbcbc9e343433p-1012, -0x1.79797b0b0e8a8p+111, -0x1.79797b0a8a8a8p+111, 0x0p+0, -0x1.cbcbcdb454545p-52, -0x1.79797b8e8a8b1p+111, -0x1.79797b0a8a8a8p+111, -0x1.797977a65e5eep-29, 0x0.00000000c0c0cp-1022, 0x0.00000000c0c0cp-1022, 0x0.00000000c0c0cp-1022, 0x1.797977e868686p+111, -0x1.79797b0a8a8a8p+111, -0x1.79797b0a8a8a8p+111, -0x1.79797b0a8a8a8p+111, -0x1.79797b0b0e8a8p+111};
    const double x[3] = {0x1.4p+1, 0x1.4p+1, 0x1.4p+1};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_softmax(6, 3, A, B, x, &o, NULL, NULL), BHT_OK);
    cr_assert(o.tv == 0x1.0000000ebebebp-1, "oracle TV %a", o.tv);
    assert_refused_or_within_budget(bht_distance_softmax(6, 3, A, B, x, &k), &k, &o);
}

Test(model_distance, fuzz_regression_twosum_overflow_is_not_a_nan_logit)
{
    /* found by tests/fuzz/fuzz_model_distance.c (regressions/model_distance-
     * softmax-twosum-overflow-nan): a_k - b_k = -1.47 2^1022 + DBL_MAX is
     * finite, but TwoSum's intermediate s - a overflows, so its error term
     * was NaN; the shifted logit became NaN and reached bht_dd_exp (UBSan:
     * NaN converted to int) */
    const double A[10] = {0x1.fffffff815ebap+64,  -0x1.7574404ffffffp+54,
                          -0x1.fffffffffffffp+1023, 0x1.7ffffffffffffp+374,
                          -0x1.797815e57ff57p+1022, 0x1.56e1fc2f8f359p-997,
                          0x1.5d5cp+21,           0x1.56e1fc2f8f359p-997,
                          0x1.5d5cp+21,           0x1.56e1fc2f8f359p-997};
    const double B[10] = {0x1.fffffff815ebap+64,  -0x1.74b0c576561ffp+54,
                          -0x1.fffffffffffffp+1023, 0x1.7ffcfffffffffp+374,
                          -0x1.7aadba6776386p+1022, 0x1.56267899a5334p-997,
                          0x1.5c3d6a88p+21,       0x1.56267899a5334p-997,
                          0x1.5c534048p+21,       0x1.56267899a5334p-997};
    const double x[2] = {-0x1.fa88p-8, 0x1.5cp-66};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_softmax(5, 2, A, B, x, &o, NULL, NULL), BHT_OK);
    for (int model = 0; model < 2; model++) {
        bht_status s = bht_distance_softmax(5, 2, A, model ? A : B, x, &k);
        cr_assert(s == BHT_E_RANGE || s == BHT_OK, "status %d", (int)s);
        if (s == BHT_OK && model == 0)
            cr_assert(bht_ulp_error(k.tv, o.tv) <= MODEL_ULP_BUDGET, "TV %a vs %a", k.tv, o.tv);
        if (s == BHT_OK && model == 1)
            cr_assert(k.tv == 0.0 && k.hellinger2 == 0.0);
    }
    double p[5];
    bht_status s = bht_softmax(5, 2, A, x, p);
    cr_assert(s == BHT_OK || s == BHT_E_RANGE, "softmax: status %d", (int)s);
    if (s == BHT_OK)
        for (int i = 0; i < 5; i++)
            cr_assert(isfinite(p[i]) && p[i] >= 0.0 && p[i] <= 1.0);
}

Test(model_distance, fuzz_regression_tiny_row_with_a_large_logit_error)
{
    /* found by tests/fuzz/fuzz_model_distance.c (regressions/model_distance-
     * softmax-tiny-row-logit-error): TV ~ 2^-78 is carried by rows with
     * p_i ~ e^-54 whose shifted logits have Dot2 errors ~2^6 (columns of
     * size 2^112 cancelling): the p-weighted logit check passed and TV came
     * out 0x1.969d47321e4ccp-93 for 0x1.1152542db2623p-78 */
    const double A[18] = {-0x1.7979797985797p+111, -0x0p+0, 0x1.cbcbcbcbcbcbcp-1012, -0x1.39797979fd797p+111, -0x1.7979797979797p+111, -0x1.79797978c1797p+111, -0x0p+0, 0x0.000bcbcbcbcbcp-1022, -0x1.61affffe7p+355, 0x1.800003ecp+4, -0x0.00000000008p-1022, 0x1.001p-635, 0x1.0ca3080050acp-1018, 0x1.7979797979797p+111, -0x1.7979797979797p+111, -0x1.7979797979791p-451, -0x1.1515151515151p-451, -0x1.1515151515151p-451};
    const double B[18] = {-0x1.79797b0a968a8p+111, 0x0p+0, 0x1.cbcbc9e343433p-1012, -0x1.39797ac70e8a8p+111, -0x1.79797b0a8a8a8p+111, -0x1.79797b09d28a8p+111, 0x0p+0, 0x0.000bcbcbbf433p-1022, -0x1.61affffe7p+355, 0x1.800000ebfff82p+4, -0x0.00000000008p-1022, 0x1.001p-635, 0x1.0ca308c9caf2p-1018, 0x1.797977e868686p+111, -0x1.79797b0a8a8a8p+111, -0x1.79797c317171p-451, -0x1.15151713f3f3fp-451, -0x1.15151713f3f3fp-451};
    const double x[3] = {0x1.2p+1, 0x1.2p+1, 0x1.2p+1};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_softmax(6, 3, A, B, x, &o, NULL, NULL), BHT_OK);
    cr_assert(o.tv == 0x1.1152542db2623p-78, "oracle TV %a", o.tv);
    assert_refused_or_within_budget(bht_distance_softmax(6, 3, A, B, x, &k), &k, &o);
}

/* ------------------------------------------------------- hazard generators */

#define HAZARD_COUNT 1000

typedef void (*pair_generator)(test_rng *rng, pair *m);

static void base_model(test_rng *rng, pair *m)
{
    m->n = test_rng_int(rng, 2, MAX_N);
    m->d = test_rng_int(rng, 1, MAX_D);
    double scale = ldexp(1.0, (int)test_rng_int(rng, 0, 5) - 1);
    for (size_t k = 0; k < m->n * m->d; k++)
        m->A[k] = scale * test_rng_normal(rng);
    for (size_t k = 0; k < m->d; k++)
        m->x[k] = test_rng_normal(rng);
}

/* B = RN(A + 1 w^T): the same model up to rounding (paper Sec. 3.3); w up
 * to 2^40 times A's scale (issue 12: refused as "q_i/p_i exceeds e^700"). */
static void gen_offset_rounded(test_rng *rng, pair *m)
{
    base_model(rng, m);
    int e = (int)test_rng_int(rng, 0, 40) - 4;
    double w[MAX_D];
    for (size_t k = 0; k < m->d; k++)
        w[k] = ldexp(test_rng_normal(rng), e);
    for (size_t i = 0; i < m->n; i++)
        for (size_t k = 0; k < m->d; k++)
            m->B[i * m->d + k] = m->A[i * m->d + k] + w[k];
}

/* B = A with one (or a few) entries moved by one ulp. */
static void gen_one_ulp(test_rng *rng, pair *m)
{
    base_model(rng, m);
    memcpy(m->B, m->A, sizeof m->B);
    size_t changes = test_rng_int(rng, 1, 3);
    for (size_t c = 0; c < changes; c++) {
        size_t k = test_rng_int(rng, 0, m->n * m->d - 1);
        m->B[k] = nextafter(m->B[k], test_rng_unit(rng) < 0.5 ? -INFINITY : INFINITY);
    }
}

/* B = RN(A (1 + 2^-k)), k = 30 ... 52. */
static void gen_relative_scale(test_rng *rng, pair *m)
{
    base_model(rng, m);
    double c = 1.0 + ldexp(1.0, -(int)test_rng_int(rng, 30, 52));
    for (size_t k = 0; k < m->n * m->d; k++)
        m->B[k] = m->A[k] * c;
}

/* H^2 subnormal: B = A + 2^-k N with k = 505 ... 560 (H^2 ~ 2^-2k). */
static void gen_subnormal_h2(test_rng *rng, pair *m)
{
    base_model(rng, m);
    int k = (int)test_rng_int(rng, 505, 560);
    for (size_t j = 0; j < m->n * m->d; j++)
        m->B[j] = m->A[j] + ldexp(test_rng_normal(rng), -k);
}

/* Extreme scaling: columns of A and B by 2^c_k (x by 2^-c_k: the same
 * logits, exactly), |c_k| up to 900, and in every other pair also rows by
 * 2^r_i, |r_i| <= 12 (logits of very different sizes); B - A from 2^-45
 * ... 1. */
static void gen_extreme_scaling(test_rng *rng, pair *m)
{
    base_model(rng, m);
    double closeness = ldexp(1.0, -(int)test_rng_int(rng, 0, 45));
    for (size_t j = 0; j < m->n * m->d; j++)
        m->B[j] = m->A[j] + closeness * test_rng_normal(rng);
    if (test_rng_unit(rng) < 0.5)
        for (size_t i = 0; i < m->n; i++) {
            int r = (int)test_rng_int(rng, 0, 24) - 12;
            for (size_t k = 0; k < m->d; k++) {
                m->A[i * m->d + k] = ldexp(m->A[i * m->d + k], r);
                m->B[i * m->d + k] = ldexp(m->B[i * m->d + k], r);
            }
        }
    for (size_t k = 0; k < m->d; k++) {
        int c = (int)test_rng_int(rng, 0, 1800) - 900;
        m->x[k] = ldexp(m->x[k], -c);
        for (size_t i = 0; i < m->n; i++) {
            m->A[i * m->d + k] = ldexp(m->A[i * m->d + k], c);
            m->B[i * m->d + k] = ldexp(m->B[i * m->d + k], c);
        }
    }
}

/* Logits with a huge common part: A_i = a + small rows, a ~ 2^e up to
 * 2^900 / |x|, so the logits are ~2^e and differ by O(1); B = A + small. */
static void gen_huge_logits(test_rng *rng, pair *m)
{
    base_model(rng, m);
    int e = (int)test_rng_int(rng, 10, 900);
    double closeness = ldexp(1.0, -(int)test_rng_int(rng, 0, 40));
    for (size_t k = 0; k < m->d; k++) {
        double a = ldexp(test_rng_normal(rng), e);
        for (size_t i = 0; i < m->n; i++) {
            m->A[i * m->d + k] += a;
            m->B[i * m->d + k] = m->A[i * m->d + k] + closeness * test_rng_normal(rng);
        }
    }
    for (size_t k = 0; k < m->d; k++)
        m->x[k] = test_rng_uniform(rng, 0.5, 1.0);
}

/* Exact and near ties: rows repeated in A and B, B = A + small. */
static void gen_ties(test_rng *rng, pair *m)
{
    base_model(rng, m);
    double closeness = ldexp(1.0, -(int)test_rng_int(rng, 0, 45));
    for (size_t i = 1; i < m->n; i++)
        if (test_rng_unit(rng) < 0.5) {
            size_t j = test_rng_int(rng, 0, i - 1);
            memcpy(m->A + i * m->d, m->A + j * m->d, m->d * sizeof *m->A);
        }
    for (size_t j = 0; j < m->n * m->d; j++)
        m->B[j] = m->A[j] + closeness * test_rng_normal(rng);
    for (size_t i = 1; i < m->n; i++)
        if (test_rng_unit(rng) < 0.3)
            memcpy(m->B + i * m->d, m->B, m->d * sizeof *m->B);
}

/* Far apart: B = A + 2^e N, e = 4 ... 12, so that q_i / p_i reaches far
 * beyond e^700 (once refused) and TV, H^2 approach 1. */
static void gen_far_apart(test_rng *rng, pair *m)
{
    base_model(rng, m);
    int e = (int)test_rng_int(rng, 4, 12);
    for (size_t j = 0; j < m->n * m->d; j++)
        m->B[j] = m->A[j] + ldexp(test_rng_normal(rng), e);
}

typedef struct pair_stats {
    int instances, refused, oracle_failed;
    double worst;
} pair_stats;

static pair_stats run_pairs(const char *name, uint64_t seed, pair_generator gen)
{
    test_rng rng = {seed};
    pair_stats st = {0, 0, 0, 0.0};
    for (int k = 0; k < HAZARD_COUNT; k++) {
        pair m;
        gen(&rng, &m);
        bht_distances kd, od;
        if (bht_oracle_distance_softmax(m.n, m.d, m.A, m.B, m.x, &od, NULL, NULL) != BHT_OK) {
            st.oracle_failed++;
            continue;
        }
        st.instances++;
        bht_status s = bht_distance_softmax(m.n, m.d, m.A, m.B, m.x, &kd);
        cr_assert(s == BHT_OK || s == BHT_E_RANGE, "%s %d: status %d", name, k, (int)s);
        if (s != BHT_OK) {
            st.refused++;
            if (getenv("BHT_TEST_VERBOSE"))
                fprintf(stderr, "%s %d refused (n %zu d %zu): oracle H2 %a TV %a\n", name, k,
                        m.n, m.d, od.hellinger2, od.tv);
            continue;
        }
        double e = fmax(bht_ulp_error(kd.hellinger2, od.hellinger2),
                        fmax(bht_ulp_error(kd.hellinger, od.hellinger),
                             bht_ulp_error(kd.tv, od.tv)));
        cr_assert(e <= MODEL_ULP_BUDGET, "%s pair %d (n %zu d %zu): H2 %a vs %a, H %a vs %a, "
                  "TV %a vs %a", name, k, m.n, m.d, kd.hellinger2, od.hellinger2, kd.hellinger,
                  od.hellinger, kd.tv, od.tv);
        st.worst = fmax(st.worst, e);
    }
    fprintf(stderr, "distance(softmax models) hazard %-18s %4d pairs, max error %.3g ulp, "
            "%d refused (%d skipped: oracle cap)\n", name, st.instances, st.worst, st.refused,
            st.oracle_failed);
    return st;
}

Test(model_distance_hazards, offset_rounded, .timeout = 600)
{
    pair_stats st = run_pairs("offset_rounded", 2201, gen_offset_rounded);
    cr_assert_eq(st.refused, 0);
}

Test(model_distance_hazards, one_ulp, .timeout = 600)
{
    pair_stats st = run_pairs("one_ulp", 2202, gen_one_ulp);
    cr_assert_eq(st.refused, 0);
}

Test(model_distance_hazards, relative_scale, .timeout = 600)
{
    pair_stats st = run_pairs("relative_scale", 2203, gen_relative_scale);
    cr_assert_eq(st.refused, 0);
}

Test(model_distance_hazards, subnormal_h2, .timeout = 600)
{
    pair_stats st = run_pairs("subnormal_h2", 2204, gen_subnormal_h2);
    cr_assert_eq(st.refused, 0);
}

Test(model_distance_hazards, extreme_scaling, .timeout = 600)
{
    /* refusals: row scalings that push some q_i / p_i beyond e^700 while
     * TV stays below ~2^-100 (L then comes from one row, to 2^-59 only) */
    pair_stats st = run_pairs("extreme_scaling", 2205, gen_extreme_scaling);
    cr_assert_leq(st.refused, 10);
}

Test(model_distance_hazards, huge_logits, .timeout = 600)
{
    pair_stats st = run_pairs("huge_logits", 2206, gen_huge_logits);
    cr_assert_eq(st.refused, 0);
}

Test(model_distance_hazards, ties, .timeout = 600)
{
    pair_stats st = run_pairs("ties", 2207, gen_ties);
    cr_assert_eq(st.refused, 0);
}

Test(model_distance_hazards, issue12_offset_model_is_answered)
{
    /* issue 12, finding 4: B = RN(A + 1 w^T), w = (0.3, -0.1), x = (0.75,
     * -0.5): the same model up to rounding, refused as "a ratio q_i/p_i
     * exceeds e^700"; TV ~ 1e-17 */
    const double A[8] = {0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 1.0, 1.0};
    double B[8];
    for (int k = 0; k < 8; k++)
        B[k] = A[k] + (k % 2 ? -0.1 : 0.3);
    const double x[2] = {0.75, -0.5};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_softmax(4, 2, A, B, x, &o, NULL, NULL), BHT_OK);
    cr_assert(o.tv > 0.0 && o.tv < 1e-15, "oracle TV %a", o.tv);
    cr_assert_eq(bht_distance_softmax(4, 2, A, B, x, &k), BHT_OK);
    cr_assert(bht_ulp_error(k.hellinger2, o.hellinger2) <= 1.0
                  && bht_ulp_error(k.hellinger, o.hellinger) <= 1.0
                  && bht_ulp_error(k.tv, o.tv) <= 1.0,
              "H2 %a vs %a, H %a vs %a, TV %a vs %a", k.hellinger2, o.hellinger2, k.hellinger,
              o.hellinger, k.tv, o.tv);
}

Test(model_distance, fuzz_regression_zero_log_ratio_term)
{
    /* found by tests/fuzz/fuzz_model_distance.c under UBSan (regressions/
     * model_distance-softmax-ilogb-of-zero): B = A, so every p_i expm1(w_i)
     * is 0 and the new check of the terms lost to underflow took ilogb(0) =
     * INT_MIN (signed overflow); the answer must be exactly 0 */
    const double A[2] = {-0x1.ep+0, 0.0}, x[1] = {1.0};
    bht_distances k;
    cr_assert_eq(bht_distance_softmax(2, 1, A, A, x, &k), BHT_OK);
    cr_assert(k.hellinger2 == 0.0 && k.hellinger == 0.0 && k.tv == 0.0);
}

Test(model_distance_hazards, far_apart, .timeout = 600)
{
    /* (found: a term p_i expm1(w_i) ~ 2^965 dropped from s by
     * dd_sum_scaled, which judges a term by its exponent alone) */
    pair_stats st = run_pairs("far_apart", 2208, gen_far_apart);
    cr_assert_eq(st.refused, 0);
}

Test(model_distance, fuzz_regression_far_rows_with_tied_logits)
{
    /* found by tests/fuzz/fuzz_model_distance.c (regressions/model_distance-
     * softmax-h2-two-ulp) in an intermediate version of the far-apart path
     * (L from sum p_j e^(w_j - w_t)): x_1 = -63.5 separates the rows by
     * ~700 in the logits, q_3 / p_3 ~ e^730; H^2 came out 1/3 for
     * 0x1.77d0a3fcf4f08p-3 */
    const double a = -0x1.cp-1, b = -0x1.7cp+3, c = -0x1.7c00002f8p+3;
    const double A[12] = {a, b, a, b, b, b, b, b, 0x1.04p+3, b, 0x1.5p+2, b};
    const double B[12] = {-0x1.c0000038p-1, c, c, c, c, c, c, c, 0x1.040000208p+3, c,
                          0x1.5000002ap+2, c};
    const double x[2] = {-0x1.fcp+5, 0.0};
    bht_distances k, o;
    cr_assert_eq(bht_oracle_distance_softmax(6, 2, A, B, x, &o, NULL, NULL), BHT_OK);
    cr_assert(o.hellinger2 == 0x1.77d0a3fcf4f08p-3, "oracle H^2 %a", o.hellinger2);
    assert_refused_or_within_budget(bht_distance_softmax(6, 2, A, B, x, &k), &k, &o);
    cr_assert(bht_ulp_error(k.hellinger, o.hellinger) <= MODEL_ULP_BUDGET);
}
