/* test_oracle.c: the MPFR oracle's building blocks and softmax oracle.
 * The binary64 rounding emulation is checked against the hardware: IEEE 754
 * addition, multiplication and division of doubles are correctly rounded
 * (subnormals included), and MPFR computes the same operations exactly, so
 * oracle_round_binary64 of the exact value must equal the hardware result.
 * That reference is independent of bht's code. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "oracle/oracle_internal.h"

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* A double with random sign, significand and exponent in [emin, emax]. */
static double random_double(test_rng *rng, int emin, int emax)
{
    double m = 1.0 + test_rng_unit(rng);
    double v = ldexp(m, (int)test_rng_int(rng, 0, (size_t)(emax - emin)) + emin);
    return (test_rng_next(rng) & 1) ? -v : v;
}

/* ----------------------------------------------------- binary64 rounding */

Test(oracle_rounding, special_values)
{
    mpfr_t v;
    mpfr_init2(v, 200);
    mpfr_set_zero(v, -1);
    cr_assert(same_bits(bht__oracle_round_binary64(v), -0.0));
    mpfr_set_ui_2exp(v, 1, -1075, MPFR_RNDN); /* tie between 0 and 2^-1074: even is 0 */
    cr_assert(same_bits(bht__oracle_round_binary64(v), 0.0));
    mpfr_nextabove(v);
    cr_assert(same_bits(bht__oracle_round_binary64(v), 0x1p-1074));
    mpfr_set_ui_2exp(v, 3, -1075, MPFR_RNDN); /* tie between 2^-1074 and 2^-1073: even is 2^-1073 */
    cr_assert(same_bits(bht__oracle_round_binary64(v), 0x1p-1073));
    mpfr_set_d(v, DBL_MAX, MPFR_RNDN);
    mpfr_add_d(v, v, ldexp(1.0, 970), MPFR_RNDN); /* overflow midpoint rounds to inf */
    cr_assert(isinf(bht__oracle_round_binary64(v)));
    mpfr_nextbelow(v);
    cr_assert(same_bits(bht__oracle_round_binary64(v), DBL_MAX));
    mpfr_set_ui_2exp(v, 1, 5000, MPFR_RNDN);
    mpfr_neg(v, v, MPFR_RNDN);
    cr_assert(same_bits(bht__oracle_round_binary64(v), -INFINITY));
    mpfr_set_ui_2exp(v, 1, -5000, MPFR_RNDN);
    cr_assert(same_bits(bht__oracle_round_binary64(v), 0.0));
    mpfr_clear(v);
}

/* Hardware a op b against oracle_round_binary64 of the exact result, over
 * operand exponents that reach overflow, the subnormal range and the ties. */
Test(oracle_rounding, matches_ieee_arithmetic_on_200000_operations)
{
    test_rng rng = {4242};
    mpfr_t a, b, exact;
    mpfr_inits2(2200, a, b, exact, (mpfr_ptr)0);
    for (int k = 0; k < 200000; k++) {
        int op = k % 3;
        double x, y, hw;
        if (op == 0) { /* additions near the subnormal range and near ties */
            x = random_double(&rng, -1074, -1000);
            y = ldexp(random_double(&rng, -60, 0), -1022);
            hw = x + y;
            mpfr_set_d(a, x, MPFR_RNDN);
            mpfr_add_d(exact, a, y, MPFR_RNDN); /* exact at 2200 bits */
        } else if (op == 1) { /* products over the whole range */
            x = random_double(&rng, -600, 600);
            y = random_double(&rng, -560, 520);
            hw = x * y;
            mpfr_set_d(a, x, MPFR_RNDN);
            mpfr_mul_d(exact, a, y, MPFR_RNDN); /* exact: 106 bits */
        } else { /* quotients: not exact in MPFR, but rounded to 2200 bits a
                  * quotient of doubles is never a binary64 midpoint */
            x = random_double(&rng, -1022, 0);
            y = random_double(&rng, 0, 100);
            hw = x / y;
            mpfr_set_d(a, x, MPFR_RNDN);
            mpfr_set_d(b, y, MPFR_RNDN);
            mpfr_div(exact, a, b, MPFR_RNDN);
        }
        double emulated = bht__oracle_round_binary64(exact);
        cr_assert(same_bits(emulated, hw), "op %d: %a, %a: hardware %a, oracle %a", op, x, y,
                  hw, emulated);
    }
    mpfr_clears(a, b, exact, (mpfr_ptr)0);
}

Test(oracle_rounding, decide_refuses_intervals_that_straddle_a_midpoint)
{
    mpfr_t y;
    mpfr_init2(y, 200);
    double out = 42.0;
    mpfr_set_d(y, 1.0, MPFR_RNDN);
    mpfr_add_d(y, y, 0x1p-53, MPFR_RNDN); /* the midpoint of 1 and 1 + 2^-52 */
    cr_assert_not(bht__oracle_decide(y, -120, &out));
    mpfr_add_d(y, y, 0x1p-100, MPFR_RNDN);
    cr_assert_not(bht__oracle_decide(y, -99, &out));
    cr_assert(bht__oracle_decide(y, -101, &out));
    cr_assert(same_bits(out, 1.0 + 0x1p-52));
    mpfr_set_ui_2exp(y, 1, -1075, MPFR_RNDN); /* subnormal midpoint */
    cr_assert_not(bht__oracle_decide(y, -1200, &out));
    mpfr_set_ui_2exp(y, 1, -1076, MPFR_RNDN);
    cr_assert(bht__oracle_decide(y, -1200, &out));
    cr_assert(same_bits(out, 0.0));
    mpfr_clear(y);
}

/* ------------------------------------------------------------- Ziv driver */

Test(bht__oracle_ziv, cap_too_small_is_a_status_not_a_guess)
{
    /* Shifted logits near -700: the bound needs about 53 + 11 bits of
     * headroom, so P = 64 cannot decide them. */
    const double z[] = {0.0, -700.25, -3.5, -699.75};
    double p[4];
    bht_oracle_options tight = {64, 64};
    bht_oracle_report report = {0, 0};
    cr_assert_eq(bht_oracle_softmax_logits(4, z, p, &tight, &report), BHT_E_PRECISION);
    cr_assert_eq(report.precision_used, 64);
    bht_oracle_options cap_below_start = {200, 100};
    cr_assert_eq(bht_oracle_softmax_logits(4, z, p, &cap_below_start, NULL), BHT_E_PRECISION);
    cr_assert_eq(bht_oracle_softmax_logits(4, z, p, NULL, &report), BHT_OK);
    cr_assert_geq(report.attempts, 1);
}

/* Two different working precisions (start 64 escalating; start 3000) and
 * two caps must give bit-identical results. */
Test(bht__oracle_ziv, two_precisions_agree_on_random_inputs, .timeout = 300)
{
    test_rng rng = {99};
    double z[300], p1[300], p2[300];
    bht_oracle_options low = {64, 1L << 12}, high = {3000, 1L << 20};
    for (int k = 0; k < 300; k++) {
        size_t n = test_rng_int(&rng, 1, 300);
        for (size_t i = 0; i < n; i++)
            z[i] = test_rng_uniform(&rng, -1000.0, 1000.0) * ((k & 1) ? 1.0 : 1e-3);
        cr_assert_eq(bht_oracle_softmax_logits(n, z, p1, &low, NULL), BHT_OK);
        cr_assert_eq(bht_oracle_softmax_logits(n, z, p2, &high, NULL), BHT_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert(same_bits(p1[i], p2[i]), "instance %d component %zu: %a vs %a", k, i,
                      p1[i], p2[i]);
    }
}

/* ---------------------------------------------------------- softmax oracle */

Test(oracle_softmax, exact_cases)
{
    double p[5];
    const double equal[] = {7.0, 7.0, 7.0, 7.0};
    cr_assert_eq(bht_oracle_softmax_logits(4, equal, p, NULL, NULL), BHT_OK);
    for (int i = 0; i < 4; i++)
        cr_assert(same_bits(p[i], 0.25));
    const double huge[] = {1e308, -1e308, 1e308};
    cr_assert_eq(bht_oracle_softmax_logits(3, huge, p, NULL, NULL), BHT_OK);
    cr_assert(same_bits(p[0], 0.5) && same_bits(p[1], 0.0) && same_bits(p[2], 0.5));
    /* A x with products near the top of the range: logits 2^1023 - 2^1023 = 0. */
    const double A[] = {0x1p600, 0x1p600, 0.0, 0.0};
    const double x[] = {0x1p423, -0x1p423};
    cr_assert_eq(bht_oracle_softmax(2, 2, A, x, p, NULL, NULL), BHT_OK);
    cr_assert(same_bits(p[0], 0.5) && same_bits(p[1], 0.5));
}

/* Subnormal outputs: softmax(0, -t) for t = 708 .. 745.5 gives p_2 =
 * 1/(1 + e^t), subnormal from t > 708.4; the hardware division 1/(1+e^t)
 * is not a reference (exp is not correctly rounded), so compare with a
 * direct MPFR evaluation at 400 bits of the same closed form, which is a
 * different formula from the oracle's shifted sum. */
Test(oracle_softmax, subnormal_outputs_match_closed_form)
{
    mpfr_t t, q;
    mpfr_inits2(400, t, q, (mpfr_ptr)0);
    for (double gap = 700.0; gap <= 746.0; gap += 0.125) {
        const double z[] = {0.0, -gap};
        double p[2];
        cr_assert_eq(bht_oracle_softmax_logits(2, z, p, NULL, NULL), BHT_OK);
        mpfr_set_d(t, gap, MPFR_RNDN);
        mpfr_exp(q, t, MPFR_RNDN);
        mpfr_add_ui(q, q, 1, MPFR_RNDN);
        mpfr_ui_div(q, 1, q, MPFR_RNDN);
        double expected = 0.0;
        cr_assert(bht__oracle_decide(q, mpfr_get_exp(q) - 390, &expected));
        cr_assert(same_bits(p[1], expected), "gap %g: %a vs %a", gap, p[1], expected);
        cr_assert(same_bits(p[0], 1.0));
    }
    mpfr_clears(t, q, (mpfr_ptr)0);
}

Test(oracle_softmax, rejects_bad_arguments)
{
    double z[2] = {0.0, NAN}, p[2];
    cr_assert_eq(bht_oracle_softmax_logits(2, z, p, NULL, NULL), BHT_E_NONFINITE);
    z[1] = INFINITY;
    cr_assert_eq(bht_oracle_softmax_logits(2, z, p, NULL, NULL), BHT_E_NONFINITE);
    cr_assert_eq(bht_oracle_softmax_logits(0, z, p, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_oracle_softmax_logits(1, NULL, p, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_oracle_softmax(1, 0, z, z, p, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_oracle_softmax(2, SIZE_MAX / 2, z, z, p, NULL, NULL), BHT_E_INVALID);
}

/* ------------------------------------------------------------ energy check */

Test(constraints, energy_is_decided_exactly)
{
    const double x[] = {3.0, 4.0};
    double norm = 0.0;
    cr_assert_eq(bht_check_energy(2, x, 5.0, &norm), BHT_OK);
    cr_assert(same_bits(norm, 5.0));
    cr_assert_eq(bht_check_energy(2, x, nextafter(5.0, 0.0), &norm), BHT_E_CONSTRAINT);
    /* Below the subnormal range of the squares: a double evaluation of
     * x_1^2 + x_2^2 gives 0 here and would accept any E. */
    const double tiny[] = {0x1p-1074, 0x1p-1074};
    cr_assert_eq(bht_check_energy(2, tiny, 0x1p-1074, &norm), BHT_E_CONSTRAINT);
    cr_assert(same_bits(norm, 0x1p-1074)); /* sqrt(2) 2^-1074 rounds to 2^-1074 */
    cr_assert_eq(bht_check_energy(2, tiny, 0x1p-1073, &norm), BHT_OK);
    const double big[] = {DBL_MAX, DBL_MAX};
    cr_assert_eq(bht_check_energy(2, big, DBL_MAX, &norm), BHT_E_CONSTRAINT);
    cr_assert(isinf(norm)); /* sqrt(2) DBL_MAX overflows */
    cr_assert_eq(bht_check_energy(1, big, DBL_MAX, &norm), BHT_OK);
    cr_assert_eq(bht_check_energy(2, x, -1.0, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_check_energy(2, x, NAN, NULL), BHT_E_NONFINITE);
}

/* The exact decision against the hardware: for random x the correctly
 * rounded norm must agree with a hypot-free double evaluation within 1 ulp,
 * and the decision at E = norm must be consistent with the rounding. */
Test(constraints, norm_is_correctly_rounded_on_random_vectors)
{
    test_rng rng = {5};
    mpfr_t s, sq;
    mpfr_inits2(400, s, sq, (mpfr_ptr)0);
    for (int k = 0; k < 2000; k++) {
        double x[8];
        size_t d = test_rng_int(&rng, 1, 8);
        mpfr_set_zero(s, 1);
        for (size_t j = 0; j < d; j++) {
            x[j] = random_double(&rng, -20, 20);
            mpfr_set_d(sq, x[j], MPFR_RNDN);
            mpfr_sqr(sq, sq, MPFR_RNDN);
            mpfr_add(s, s, sq, MPFR_RNDN); /* exact: exponents within 80 bits */
        }
        mpfr_sqrt(s, s, MPFR_RNDN);
        double expected = mpfr_get_d(s, MPFR_RNDN); /* normal range: direct rounding */
        double norm = 0.0;
        bht_status st = bht_check_energy(d, x, expected, &norm);
        cr_assert(same_bits(norm, expected), "norm %a vs %a", norm, expected);
        /* ||x|| <= RN(||x||) iff rounding went up or was exact. */
        int cmp = mpfr_cmp_d(s, expected);
        cr_assert_eq(st, cmp <= 0 ? BHT_OK : BHT_E_CONSTRAINT);
    }
    mpfr_clears(s, sq, (mpfr_ptr)0);
}

/* ---------------------------------------------------------------- ulp error */

Test(ulp, distances)
{
    cr_assert_eq(bht_ulp_error(1.0, 1.0), 0.0);
    cr_assert_eq(bht_ulp_error(1.0 + 0x1p-52, 1.0), 1.0);
    cr_assert_eq(bht_ulp_error(1.0 - 0x1p-53, 1.0), 0.5); /* ulp of the reference */
    cr_assert_eq(bht_ulp_error(0x1p-1073, 0.0), 2.0);
    cr_assert_eq(bht_ulp_error(-0.0, 0.0), 0.0);
    cr_assert(isinf(bht_ulp_error(NAN, 1.0)));
    cr_assert(isinf(bht_ulp_error(INFINITY, DBL_MAX)));
    cr_assert_eq(bht_ulp_error(INFINITY, INFINITY), 0.0);
    cr_assert_eq(bht_ulp_error(DBL_MAX, nextafter(DBL_MAX, 0.0)), 1.0);
}
