/* test_trusted_base.c: checks, against exact MPFR arithmetic, every fact the
 * WP proofs admit instead of proving (proofs/TRUSTED_BASE.md lists them):
 * edge cases (powers of two, neighbours of binade limits, subnormals, the
 * largest magnitudes the contracts allow) first, then seeded random inputs
 * spread over the whole exponent range.  A failure prints the inputs in %a. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include "harness.h"
#include "core/dd.h"

#define EXACT_PREC 2300 /* any sum or product of two doubles is exact at this precision */
#define RANDOM_CASES 200000

/* A double with random sign, random exponent in [emin, emax] and random
 * significand; subnormals and zero included when emin < -1022. */
static double random_double(test_rng *r, int emin, int emax)
{
    int e = (int)test_rng_int(r, 0, (size_t)(emax - emin)) + emin;
    double m = 1.0 + test_rng_unit(r); /* [1, 2) */
    double v = ldexp(m, e);            /* rounds into the subnormal range when e < -1022 */
    if (test_rng_next(r) & 1)
        v = -v;
    if ((test_rng_next(r) & 1023) == 0)
        v = 0.0;
    return v;
}

/* Edge values: 0, powers of two and their neighbours, subnormal limits,
 * and the largest magnitude allowed (limit). */
static size_t edge_values(double limit, double *out, size_t cap)
{
    size_t k = 0;
    const double base[] = {0.0, 0x1p-1074, 0x1p-1073, 0x1.fffffffffffffp-1023, 0x1p-1022,
                           0x1p-600, 0x1p-53, 0.5, 1.0, 1.5, 0x1.fffffffffffffp0, 3.0,
                           0x1p52, 0x1p53, 0x1p500, 0x1p1000};
    for (size_t i = 0; i < sizeof base / sizeof base[0] && k + 6 <= cap; i++) {
        double v = base[i];
        if (v > limit)
            continue;
        out[k++] = v;
        out[k++] = -v;
        out[k++] = nextafter(v, 0.0);
        out[k++] = -nextafter(v, 0.0);
        if (nextafter(v, INFINITY) <= limit) {
            out[k++] = nextafter(v, INFINITY);
            out[k++] = -nextafter(v, INFINITY);
        }
    }
    if (k + 4 <= cap) {
        out[k++] = limit;
        out[k++] = -limit;
        out[k++] = nextafter(limit, 0.0);
        out[k++] = -nextafter(limit, 0.0);
    }
    return k;
}

/* ------------------------------------------------------------------ two_sum */

/* Admitted: s + err == a + b exactly and |err| <= 2^-53 |s|, for finite
 * |a| <= 2^1021, |b| <= 2^1020. */
static void check_two_sum(double a, double b, mpfr_t x, mpfr_t y)
{
    double err;
    double s = two_sum(a, b, &err);
    cr_assert(isfinite(s) && isfinite(err), "two_sum(%a, %a) not finite", a, b);
    mpfr_set_d(x, a, MPFR_RNDN);
    mpfr_add_d(x, x, b, MPFR_RNDN);  /* exact */
    mpfr_set_d(y, s, MPFR_RNDN);
    mpfr_add_d(y, y, err, MPFR_RNDN);  /* exact */
    cr_assert(mpfr_equal_p(x, y), "two_sum_exact fails for a=%a b=%a (s=%a err=%a)", a, b, s, err);
    cr_assert(fabs(err) <= 0x1p-53 * fabs(s),
              "two_sum_err_small fails for a=%a b=%a (s=%a err=%a)", a, b, s, err);
}

Test(trusted_base, two_sum)
{
    mpfr_t x, y;
    mpfr_inits2(EXACT_PREC, x, y, (mpfr_ptr)0);
    double ea[64], eb[64];
    size_t na = edge_values(0x1p1021, ea, 64), nb = edge_values(0x1p1020, eb, 64);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            check_two_sum(ea[i], eb[j], x, y);
    test_rng r = {0x7a11ba5e0001ULL};
    for (int t = 0; t < RANDOM_CASES; t++) {
        double a = random_double(&r, -1074, 1020);
        /* b near a in magnitude half of the time (cancellation), anywhere otherwise */
        double b = (t & 1) ? random_double(&r, -1074, 1019)
                           : -a * (1.0 + (test_rng_unit(&r) - 0.5) * 0x1p-20);
        if (fabs(b) > 0x1p1020)
            b = copysign(0x1p1020, b);
        check_two_sum(a, b, x, y);
    }
    mpfr_clears(x, y, (mpfr_ptr)0);
}

/* ---------------------------------------------------------- fma, two_prod */

/* Admitted: dd_fma(a, b, c) is finite when |a*b + c| <= 2^1023;
 * two_prod: |err| <= 2^-53 |p| + 2^-1074 when |a*b| <= 2^1022.  The fma is
 * also compared with the correctly rounded a*b + c (its C11 definition). */
static void check_two_prod(double a, double b, mpfr_t x, mpfr_t y53)
{
    double err;
    double p = two_prod(a, b, &err);
    cr_assert(isfinite(p) && isfinite(err), "two_prod(%a, %a) not finite", a, b);
    cr_assert(fabs(err) <= 0x1p-53 * fabs(p) + 0x1p-1074,
              "two_prod_err_small fails for a=%a b=%a (p=%a err=%a)", a, b, p, err);
    /* fma_def: err == RN(a*b - p), computed exactly then rounded once to binary64 */
    mpfr_set_d(x, a, MPFR_RNDN);
    mpfr_mul_d(x, x, b, MPFR_RNDN); /* exact */
    mpfr_sub_d(x, x, p, MPFR_RNDN); /* exact */
    /* Binary64 rounding with subnormals (MPFR manual, mpfr_subnormalize):
     * round to 53 bits in the wide range, then restrict the range. */
    int inex = mpfr_set(y53, x, MPFR_RNDN);
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(-1073);
    mpfr_set_emax(1024);
    inex = mpfr_check_range(y53, inex, MPFR_RNDN);
    inex = mpfr_subnormalize(y53, inex, MPFR_RNDN);
    double want = mpfr_get_d(y53, MPFR_RNDN);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    cr_assert(err == want, "fma(%a, %a, %a) = %a, correctly rounded %a", a, b, -p, err, want);
}

Test(trusted_base, fma_and_two_prod)
{
    mpfr_t x, y;
    mpfr_init2(x, EXACT_PREC);
    mpfr_init2(y, 53);
    double e[64];
    size_t ne = edge_values(0x1p511, e, 64);
    for (size_t i = 0; i < ne; i++)
        for (size_t j = 0; j < ne; j++)
            check_two_prod(e[i], e[j], x, y);
    test_rng r = {0x7a11ba5e0002ULL};
    for (int t = 0; t < RANDOM_CASES; t++) {
        double a = random_double(&r, -1074, 1021);
        int ea;
        (void)frexp(a, &ea);
        /* b such that |a b| <= 2^1022, products underflowing included */
        int hi = 1020 - ea;
        if (hi > 1023)
            hi = 1023;
        int lo = -1074 - ea - 60;
        if (lo < -1074)
            lo = -1074;
        double b = random_double(&r, lo, hi > lo ? hi : lo);
        if (!(fabs(a * b) <= 0x1p1022))
            continue;
        check_two_prod(a, b, x, y);
    }
    /* fma_finite at the edge: |a*b + c| just below 2^1023 */
    double big = dd_fma(0x1.fffffffffffffp511, 0x1.fffffffffffffp510, 0x1p1022);
    cr_assert(isfinite(big));
    mpfr_clear(x);
    mpfr_clear(y);
}

/* ------------------------------------------------ frexp (long_acc: frexp_abs) */

/* Admitted (frexp_abs in src/core/long_acc.c, which is frexp(fabs(v))): for
 * finite v the exponent e lies in [-1073, 1024] (v == 0 gives e == 0), and
 * |v| lies in [2^(e-1), 2^e), so the mantissa times 2^53 is an integer
 * below 2^53 (what split_double uses).  Exhaustive over binades: every
 * exponent, both ends of each. */
static void check_frexp(double v)
{
    int e = 12345;
    double m = frexp(fabs(v), &e);
    cr_assert(e >= -1073 && e <= 1024, "frexp(%a) exponent %d", v, e);
    cr_assert(v == 0.0 ? m == 0.0 : (m >= 0.5 && m < 1.0), "frexp(%a) mantissa %a", v, m);
    double scaled = m * 0x1p53;
    cr_assert(scaled == floor(scaled) && ldexp(scaled, e - 53) == fabs(v),
              "|%a| != %a 2^%d", v, scaled, e - 53);
    if (v == 0.0)
        cr_assert(e == 0);
    else
        cr_assert(fabs(v) < ldexp(1.0, e) || e == 1024, "|%a| >= 2^%d", v, e);
    if (v != 0.0 && e > -1073)
        cr_assert(fabs(v) >= ldexp(1.0, e - 1), "|%a| < 2^(%d-1)", v, e);
}

Test(trusted_base, frexp_exponent_range)
{
    check_frexp(0.0);
    check_frexp(-0.0);
    check_frexp(DBL_MAX);
    check_frexp(-DBL_MAX);
    for (int k = -1074; k <= 1023; k++) {
        double v = ldexp(1.0, k);
        check_frexp(v);
        check_frexp(-v);
        check_frexp(nextafter(v, 0.0));
        check_frexp(nextafter(v, INFINITY));
    }
    test_rng r = {0x7a11ba5e0003ULL};
    for (int t = 0; t < RANDOM_CASES; t++)
        check_frexp(random_double(&r, -1074, 1023));
}
