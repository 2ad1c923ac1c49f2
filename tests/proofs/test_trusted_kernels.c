/* test_trusted_kernels.c: checks, against exact MPFR arithmetic, every fact
 * the kernel WP proofs (proofs/kernels.mk) admit instead of proving; the
 * list is proofs/TRUSTED_BASE.md.  Edge cases first, then seeded
 * random inputs (SplitMix64, seeds below).  Failures print inputs in %a.
 *
 * K1  src/nu/local_softmax.c: bht__round_scaled_nonneg(hi, lo, scale), i.e.
 *     dd_round_scaled, for finite hi >= 0, finite lo, |scale| <= 10^6:
 *     the result is not NaN and >= 0.  For a normalized pair (|lo| <
 *     ulp(hi)/2) it is also checked to equal RN(2^scale (hi + lo)) in
 *     binary64 with subnormals and overflow (MPFR), which is what the
 *     kernel relies on for accuracy.  src/nu/local_leverage.c calls the
 *     same leaf (src/core/dd_round_nonneg.h).
 * K2  src/model_distance/model_distance.c: round_scaled_unit(hi, lo, scale), i.e.
 *     dd_round_scaled, for finite hi >= 0 with hi 2^scale <= 1, finite lo,
 *     |scale| <= 10^6: the result is finite and in [0, 1].
 * K3  src/model_distance/model_distance.c: softmax_hellinger_root(hh, hl, scale), for
 *     0 < hh <= 2^60, |hl| <= 2^-53 hh, hh 2^scale <= 1, |scale| <= 10^6: the
 *     result is finite and in [0, 1] (and within 1 ulp of
 *     RN(sqrt((hh + hl) 2^scale)), checked, not admitted).
 * K4  src/model_distance/model_distance_leverage.c: round_half_unit(hi, lo, scale), i.e.
 *     dd_round_scaled(hi, lo, scale - 1), for finite hi >= 0 with
 *     hi 2^scale <= 2, finite lo, |scale| <= 10^6: the result is finite and
 *     in [0, 1].
 * K5  src/model_distance/model_distance_leverage.c: leverage_hellinger_root(h2h, h2l,
 *     scale), for 0 < h2h <= 2^60, |h2l| <= 2^-53 h2h, h2h 2^scale <= 2,
 *     |scale| <= 10^6: the result is finite and in [0, 1] (and within 1 ulp
 *     of RN(sqrt((h2h + h2l) 2^(scale - 1))), checked).
 * K2 to K5 are static functions of the two kernels; the tests call them
 * through their bht__md_ names (model_distance_stages.h: one-line calls
 * compiled in the same files), so the functions tested are the ones the
 * proofs trust, not copies. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include "harness.h"
#include "core/dd_elementary.h"
#include "core/dd_round_nonneg.h"

#include "model_distance/model_distance_stages.h"

#define EXACT_PREC 2300
#define RANDOM_CASES 200000

/* RN(2^scale (hi + lo)), or RN(sqrt(2^scale (hi + lo))) with root, in
 * binary64, subnormals and overflow included: one rounding to 53 bits. */
static double reference_scaled(double hi, double lo, long scale, int root)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_t s, r;
    mpfr_init2(s, EXACT_PREC);
    mpfr_init2(r, 53);
    mpfr_set_d(s, hi, MPFR_RNDN);
    mpfr_add_d(s, s, lo, MPFR_RNDN); /* exact at EXACT_PREC */
    mpfr_mul_2si(s, s, scale, MPFR_RNDN); /* exact (wide exponent range) */
    mpfr_set_emin(-1073);
    mpfr_set_emax(1024);
    int t = root ? mpfr_sqrt(r, s, MPFR_RNDN) : mpfr_set(r, s, MPFR_RNDN);
    t = mpfr_check_range(r, t, MPFR_RNDN);
    mpfr_subnormalize(r, t, MPFR_RNDN);
    double out = mpfr_get_d(r, MPFR_RNDN);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    mpfr_clear(s);
    mpfr_clear(r);
    return out;
}

/* spec/dd.h's dd_normalized(hi, lo): hi == RN(hi + lo), decided in MPFR
 * (exact sum, one rounding to binary64). */
static int dd_normalized(double hi, double lo)
{
    return reference_scaled(hi, lo, 0, 0) == hi;
}

/* One case of K1, called through the leaf the proofs trust
 * (bht__round_scaled_nonneg): `nonneg` always, and `rounded` -- a normalized
 * pair with a finite result gives RN(2^scale (hi + lo)) -- whenever its
 * hypothesis holds. */
static void check_round_scaled(double hi, double lo, int scale, int normalized)
{
    double got = bht__round_scaled_nonneg(hi, lo, scale);
    cr_assert(!isnan(got) && got >= 0.0,
              "K1 nonneg: bht__round_scaled_nonneg(%a, %a, %d) = %a", hi, lo, scale, got);
    (void)normalized; /* the generators' intent; the hypothesis is decided here */
    if (isfinite(got) && dd_normalized(hi, lo)) {
        double want = reference_scaled(hi, lo, scale, 0);
        cr_assert(got == want || (got == 0.0 && want == 0.0),
                  "K1 rounding: dd_round_scaled(%a, %a, %d) = %a, RN = %a", hi, lo, scale,
                  got, want);
    }
}

/* A low part with |lo| < ulp(hi)/2 strictly (hi = RN(hi + lo)). */
static double normalized_low(test_rng *r, double hi)
{
    if (hi == 0.0)
        return 0.0;
    int e;
    double m = frexp(hi, &e);
    /* ulp(hi)/2 for a normal hi; below a power of two the spacing halves */
    double half_ulp = ldexp(1.0, m == 0.5 ? e - 55 : e - 54);
    if (half_ulp < 0x1p-1074)
        return 0.0; /* subnormal hi: no representable low part below ulp/2 */
    double lo = half_ulp * (2.0 * test_rng_unit(r) - 1.0) * 0.999;
    return lo;
}

Test(trusted_kernels, round_scaled_nonneg_edges)
{
    const double his[] = {0.0, 0x1p-1074, 0x1p-1022, 0x1.fffffffffffffp-1, 0.5, 1.0, 1.5,
                          0x1.fffffffffffffp0, 0x1p-30, 0x1p500, DBL_MAX};
    const int scales[] = {-1000000, -3000, -2200, -1100, -1076, -1075, -1074, -1073,
                          -1023, -1022, -1021, -1, 0, 1, 1023, 1024, 3000, 1000000};
    const double los[] = {0.0, 0x1p-60, -0x1p-60, 0x1p-54, -0x1p-54, 1.0, -1.0, -DBL_MAX,
                          DBL_MAX, 0x1p-1074, -0x1p-1074};
    for (size_t a = 0; a < sizeof his / sizeof his[0]; a++)
        for (size_t b = 0; b < sizeof scales / sizeof scales[0]; b++) {
            for (size_t c = 0; c < sizeof los / sizeof los[0]; c++)
                check_round_scaled(his[a], los[c], scales[b], 0);
            /* ties of the subnormal rounding: lo = +-ulp/4 and normalized */
            test_rng r = {0x6b65726e656c3031ULL + a * 131 + b};
            for (int k = 0; k < 8; k++)
                check_round_scaled(his[a], normalized_low(&r, his[a]), scales[b], 1);
            check_round_scaled(his[a], 0.0, scales[b], 1);
            /* exact ties hi + ulp(hi)/2 (normalized when hi is even) */
            if (his[a] > 0x1p-1000 && his[a] < DBL_MAX) {
                double half = (nextafter(his[a], INFINITY) - his[a]) / 2;
                check_round_scaled(his[a], half, scales[b], 0);
                check_round_scaled(his[a], -half, scales[b], 0);
            }
        }
}

Test(trusted_kernels, round_scaled_nonneg_random)
{
    test_rng r = {0x6b65726e656c3032ULL};
    for (int k = 0; k < RANDOM_CASES; k++) {
        int e = (int)test_rng_int(&r, 0, 2100) - 1075;
        double hi = ldexp(1.0 + test_rng_unit(&r), e);
        if (!isfinite(hi))
            hi = DBL_MAX;
        /* scales concentrated where the result is subnormal or near it */
        int scale;
        switch (test_rng_next(&r) & 3) {
        case 0: scale = (int)test_rng_int(&r, 0, 2000000) - 1000000; break;
        case 1: scale = (int)test_rng_int(&r, 0, 4200) - 2100; break;
        default: scale = -e - 1022 - (int)test_rng_int(&r, 0, 80); break;
        }
        if (test_rng_next(&r) & 1) {
            check_round_scaled(hi, normalized_low(&r, hi), scale, 1);
        } else {
            /* arbitrary finite low part (not normalized): only the fact */
            double lo = ldexp(2.0 * test_rng_unit(&r) - 1.0,
                              (int)test_rng_int(&r, 0, 2100) - 1075);
            check_round_scaled(hi, isfinite(lo) ? lo : -DBL_MAX, scale, 0);
        }
    }
    cr_log_info("K1: %d random cases", RANDOM_CASES);
}

/* Not part of the trusted base (K1 is only the sign fact), recorded here
 * because the MPFR comparison found it: when 2^scale (hi + lo) lies just
 * below the smallest normal 2^-1022 and ldexp(qh, scale) rounds a tie UP to
 * 2^-1022, dd_ldexp_round returns that normal value without breaking the
 * tie with ql < 0, so the result was 1 ulp (2^-1074) too large (fixed in
 * src/core/dd.h: 2^-1022 itself now goes through the tie check). */
Test(trusted_kernels, dd_round_scaled_boundary_tie)
{
    double hi = 0x1.fffffffffffffp-1, lo = -0x1.0344be2594653p-56;
    double want = reference_scaled(hi, lo, -1022, 0);
    cr_assert_eq(want, 0x0.fffffffffffffp-1022);
    cr_assert_eq(dd_round_scaled(hi, lo, -1022), want,
                 "dd_round_scaled(%a, %a, -1022) = %a, RN = %a", hi, lo,
                 dd_round_scaled(hi, lo, -1022), want);
}


/* Found by the K1 `rounded` check: a tie of the subnormal rounding broken
 * by a low part so small that scaling it with hi underflowed to zero, so the
 * tie went to even (fixed in src/core/dd_elementary.h: the sign is kept). */
Test(trusted_kernels, dd_round_scaled_tiny_low_tie)
{
    const double hi = 0x1.2eefc2e7fe0b4p+392, lo = 0x1.8bcc3d8a707fp-716;
    double want = reference_scaled(hi, lo, -1417, 0);
    cr_assert_eq(want, 0x0.25ddf85cffc17p-1022);
    cr_assert_eq(bht__round_scaled_nonneg(hi, lo, -1417), want);
    cr_assert_eq(bht__round_scaled_nonneg(hi, -lo, -1417), 0x0.25ddf85cffc16p-1022);
    cr_assert_eq(reference_scaled(hi, -lo, -1417, 0), 0x0.25ddf85cffc16p-1022);
}

/* ------------------------------------------------------- K2 to K5 */

/* hi 2^scale <= 1 for a finite hi >= 0, decided exactly. */
static int scaled_le_one(double hi, long scale)
{
    if (hi == 0.0)
        return 1;
    int e;
    double m = frexp(hi, &e); /* hi = m 2^e, m in [0.5, 1) */
    return e + scale <= 0 || (e + scale == 1 && m == 0.5);
}

static int within_one_ulp(double got, double want)
{
    return got == want || got == nextafter(want, INFINITY) || got == nextafter(want, -INFINITY);
}

/* |lo| <= 2^-53 hi, decided exactly (2^53 |lo| is exact). */
static int low_within(double hi, double lo)
{
    return ldexp(fabs(lo), 53) <= hi;
}

/* A low part with |lo| <= 2^-53 hi (the leaves' "normalized"), either sign,
 * the bound itself included now and then. */
static double bounded_low(test_rng *r, double hi)
{
    double bound = 0x1p-53 * hi; /* exact unless it underflows (then rounded down below) */
    if (ldexp(bound, 53) > hi)
        bound = nextafter(bound, 0.0);
    double lo;
    switch (test_rng_next(r) & 3) {
    case 0: lo = bound; break;
    case 1: lo = -bound; break;
    default: lo = bound * (2.0 * test_rng_unit(r) - 1.0); break;
    }
    return low_within(hi, lo) ? lo : 0.0;
}

/* spec/model_distance.h's hellinger_of(h, v) with v = (hi + lo) 2^scale:
 * |h - sqrt(v)| <= 2^-51 sqrt(v) + 2^-1073, evaluated at 400 bits (the
 * root and the comparison carry a relative 2^-398, far inside the margin
 * of a result within 1 ulp of RN(sqrt(v))). */
static int hellinger_of(double h, double hi, double lo, long scale)
{
    mpfr_t v, d, rhs;
    mpfr_init2(v, EXACT_PREC);
    mpfr_init2(d, 400);
    mpfr_init2(rhs, 400);
    mpfr_set_d(v, hi, MPFR_RNDN);
    mpfr_add_d(v, v, lo, MPFR_RNDN); /* exact */
    mpfr_mul_2si(v, v, scale, MPFR_RNDN); /* exact */
    mpfr_sqrt(v, v, MPFR_RNDN);
    mpfr_sub_d(d, v, h, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_mul_2si(rhs, v, -51, MPFR_RNDN);
    mpfr_set_ui_2exp(v, 1, -1073, MPFR_RNDN);
    mpfr_add(rhs, rhs, v, MPFR_RNDN);
    int ok = mpfr_lessequal_p(d, rhs);
    mpfr_clears(v, d, rhs, (mpfr_ptr)0);
    return ok;
}

/* K2 (and K1 on the way): the fact, and RN when normalized. */
static void check_round_unit(double hi, double lo, int scale, int normalized)
{
    cr_assert(isfinite(hi) && hi >= 0.0 && isfinite(lo) && scaled_le_one(hi, scale));
    double got = bht__md_round_scaled_unit(hi, lo, scale);
    cr_assert(isfinite(got) && got >= 0.0 && got <= 1.0,
              "K2 unit: round_scaled_unit(%a, %a, %d) = %a", hi, lo, scale, got);
    (void)normalized;
    if (dd_normalized(hi, lo)) {
        double want = reference_scaled(hi, lo, scale, 0);
        cr_assert(got == want || (got == 0.0 && want == 0.0),
                  "K2 rounding: round_scaled_unit(%a, %a, %d) = %a, RN = %a", hi, lo, scale,
                  got, want);
    }
}

/* K3: the fact, and 1 ulp of the correctly rounded root. */
static void check_softmax_root(double hh, double hl, int scale)
{
    cr_assert(isfinite(hl) && hh > 0.0 && hh <= 0x1p60 && low_within(hh, hl)
              && scaled_le_one(hh, scale));
    double got = bht__md_softmax_hellinger_root(hh, hl, scale);
    cr_assert(isfinite(got) && got >= 0.0 && got <= 1.0,
              "K3 unit: softmax_hellinger_root(%a, %a, %d) = %a", hh, hl, scale, got);
    double want = reference_scaled(hh, hl, scale, 1);
    cr_assert(within_one_ulp(got, want),
              "K3 accuracy: softmax_hellinger_root(%a, %a, %d) = %a, RN = %a", hh, hl, scale,
              got, want);
    cr_assert(hellinger_of(got, hh, hl, scale),
              "K3 root: softmax_hellinger_root(%a, %a, %d) = %a", hh, hl, scale, got);
}

/* K4 and K5 (h2h 2^scale <= 2, i.e. h2h 2^(scale - 1) <= 1). */
static void check_leverage_stage(double h2h, double h2l, int scale, int normalized)
{
    cr_assert(isfinite(h2h) && h2h >= 0.0 && isfinite(h2l) && scaled_le_one(h2h, scale - 1L));
    double got = bht__md_round_half_unit(h2h, h2l, scale);
    cr_assert(isfinite(got) && got >= 0.0 && got <= 1.0,
              "K4 unit: round_half_unit(%a, %a, %d) = %a", h2h, h2l, scale, got);
    if (!normalized || h2h == 0.0)
        return;
    cr_assert(low_within(h2h, h2l));
    if (dd_normalized(h2h, h2l)) {
        double want = reference_scaled(h2h, h2l, scale - 1L, 0);
        cr_assert(got == want || (got == 0.0 && want == 0.0),
                  "K4 rounding: round_half_unit(%a, %a, %d) = %a, RN = %a", h2h, h2l, scale,
                  got, want);
    }
    if (h2h > 0x1p60)
        return;
    double root = bht__md_leverage_hellinger_root(h2h, h2l, scale);
    cr_assert(isfinite(root) && root >= 0.0 && root <= 1.0,
              "K5 unit: leverage_hellinger_root(%a, %a, %d) = %a", h2h, h2l, scale, root);
    double wroot = reference_scaled(h2h, h2l, scale - 1L, 1);
    cr_assert(within_one_ulp(root, wroot),
              "K5 accuracy: leverage_hellinger_root(%a, %a, %d) = %a, RN = %a", h2h, h2l, scale,
              root, wroot);
    cr_assert(hellinger_of(root, h2h, h2l, scale - 1L),
              "K5 root: leverage_hellinger_root(%a, %a, %d) = %a", h2h, h2l, scale, root);
}

Test(trusted_kernels, distance_stage_edges)
{
    const int scales[] = {-1000000, -999999, -2200, -1100, -1075, -1074, -1073, -1024, -1023,
                          -1022, -1021, -120, -61, -60, -2, -1, 0, 1, 2, 3, 537, 1021,
                          1022, 1073, 1074, 1075, 2000, 999999, 1000000};
    const double mants[] = {1.0, 0x1.fffffffffffffp-1, 0x1.0000000000001p-1, 0.5, 0.75,
                            0x1p-30, 0x1p-600};
    for (size_t b = 0; b < sizeof scales / sizeof scales[0]; b++)
        for (size_t a = 0; a < sizeof mants / sizeof mants[0]; a++) {
            /* hi = mant 2^-scale: at the bound 1 (mant = 1) and below */
            int sc = scales[b];
            double hi = ldexp(mants[a], -sc);
            if (!(hi > 0.0) || !isfinite(hi) || !scaled_le_one(hi, sc))
                continue;
            const double los[] = {0.0, 0x1p-53 * hi, -0x1p-53 * hi, 0x1p-54 * hi, hi, -hi,
                                  DBL_MAX, -DBL_MAX, 0x1p-1074, -0x1p-1074};
            for (size_t c = 0; c < sizeof los / sizeof los[0]; c++) {
                int normalized = low_within(hi, los[c]);
                check_round_unit(hi, los[c], sc, normalized);
                if (normalized && hi <= 0x1p60)
                    check_softmax_root(hi, los[c], sc);
                if (sc < 1000000) /* K4, K5: hi 2^(sc + 1) <= 2 */
                    check_leverage_stage(hi, los[c], sc + 1, normalized);
            }
        }
    /* the largest and smallest doubles */
    check_round_unit(DBL_MAX, 0.0, -1024, 1);
    check_round_unit(DBL_MAX, DBL_MAX, -1024, 0);
    check_round_unit(0x1p-1074, 0.0, 1074, 1);
    check_round_unit(0x1p-1074, -DBL_MAX, 1074, 0);
    check_round_unit(0.0, 1.0, 1000000, 0);
    check_softmax_root(0x1p-1074, 0.0, 1074);
    check_softmax_root(0x1p-1074, 0.0, 1073);
    check_softmax_root(0x1p-1074, 0.0, -1000000);
    check_softmax_root(0x1p60, 0x1p7, -60);
    check_softmax_root(0x1p60, -0x1p7, -61);
    check_softmax_root(0x1.fffffffffffffp59, 0x1p6, -60);
    /* K4, K5: h2h in (0, 2], at 2 and near it, tiny and subnormal */
    const double his[] = {2.0, 0x1.fffffffffffffp0, 1.0, 0x1.fffffffffffffp-1, 0.5, 0x1p-500,
                          0x1p-1021, 0x1p-1022, 0x1.fffffffffffffp-1023, 0x1p-1073, 0x1p-1074,
                          0.0};
    for (size_t a = 0; a < sizeof his / sizeof his[0]; a++) {
        double h = his[a];
        const double los[] = {0.0, 0x1p-53 * h, -0x1p-53 * h, 0x1p-55 * h, h, -h, DBL_MAX,
                              -DBL_MAX, 0x1p-1074};
        for (size_t c = 0; c < sizeof los / sizeof los[0]; c++)
            check_leverage_stage(h, los[c], 0, low_within(h, los[c]));
    }
}

Test(trusted_kernels, distance_stage_random)
{
    test_rng r = {0x6b65726e656c3033ULL};
    for (int k = 0; k < RANDOM_CASES; k++) {
        /* K2, K3: hi 2^scale in (2^-g, 1], g mostly small (the edge at 1) */
        int e = (int)test_rng_int(&r, 0, 2100) - 1075; /* exponent of hi */
        double hi = ldexp(1.0 + test_rng_unit(&r), e);
        if (!isfinite(hi))
            hi = DBL_MAX;
        int g;
        switch (test_rng_next(&r) & 3) {
        case 0: g = 0; break;
        case 1: g = (int)test_rng_int(&r, 1, 3); break;
        case 2: g = (int)test_rng_int(&r, 4, 2200); break;
        default: g = (int)test_rng_int(&r, 0, 1000000 - 2200); break;
        }
        int fe;
        (void)frexp(hi, &fe);
        long sc = -(long)fe - g; /* hi 2^sc = m 2^-g, m in [0.5, 1) */
        if (g == 0 && e <= 1023 && (test_rng_next(&r) & 1)) { /* exactly 1: a power of two */
            hi = ldexp(1.0, e);
            sc = -(long)e;
        }
        if (sc < -1000000 || sc > 1000000)
            continue;
        if (test_rng_next(&r) & 1) {
            double lo = bounded_low(&r, hi);
            check_round_unit(hi, lo, (int)sc, 1);
            if (hi > 0.0 && hi <= 0x1p60)
                check_softmax_root(hi, lo, (int)sc);
        } else {
            double lo = ldexp(2.0 * test_rng_unit(&r) - 1.0, (int)test_rng_int(&r, 0, 2100) - 1075);
            check_round_unit(hi, isfinite(lo) ? lo : DBL_MAX, (int)sc, 0);
        }
        /* K4, K5: h2h in (0, 2], concentrated near 2 and near underflow */
        double h2h;
        switch (test_rng_next(&r) & 3) {
        case 0: h2h = 2.0 - ldexp(test_rng_unit(&r), -(int)test_rng_int(&r, 0, 60)); break;
        case 1: h2h = ldexp(1.0 + test_rng_unit(&r), -(int)test_rng_int(&r, 1000, 1074)); break;
        default: h2h = ldexp(1.0 + test_rng_unit(&r), -(int)test_rng_int(&r, 1, 1000)); break;
        }
        if (h2h > 2.0)
            h2h = 2.0;
        check_leverage_stage(h2h, bounded_low(&r, h2h), 0, 1);
        /* and scaled: the K2 pair (hi 2^sc <= 1) with scale sc + 1 */
        if (sc < 1000000)
            check_leverage_stage(hi, bounded_low(&r, hi), (int)sc + 1, 1);
    }
    cr_log_info("K2-K5: %d random cases", RANDOM_CASES);
}
