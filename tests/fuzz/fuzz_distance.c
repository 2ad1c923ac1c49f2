/* fuzz_distance.c: libFuzzer harness for bht_check_distribution,
 * bht_distance and bht_lemma_a1.  Bytes -> n and two distributions
 * (weights normalised in double, kept when bht_check_distribution accepts
 * them), raw non-negative vectors of one of the hazard shapes of issue 12
 * (any finite entries; tiny entries that differ so that H^2 is subnormal;
 * entries one ulp apart; P = Q but one entry; one-hot against spread), a
 * near-distribution whose exact sum is 1 + j 2^-52 (+ 2^-1074), and an eps
 * (raw, or near a cut-off 2^-60, 0.25, 80, 160, or subnormal).
 * Properties: no crash; H^2, H, TV within 1 ulp of the oracle for every
 * finite non-negative input (never refused), in [0, 1 + n 2^-52] for
 * distributions; the distribution check's verdict equals the exact one
 * (MPFR); h2max, tvmax in [0, 1] and within 1 ulp of the oracle. */
#include <mpfr.h>
#include <float.h>
#include "fuzz_common.h"

enum { MAX_N = 16 };

static void weights(fuzz_reader *r, size_t n, double *p)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w = fabs(fuzz_finite(r));
        p[i] = w > 0x1p1000 ? 0x1p1000 : w;
        sum += p[i];
    }
    for (size_t i = 0; i < n; i++)
        p[i] = sum > 0.0 ? p[i] / sum : 1.0 / (double)n;
}

/* v finite in [0, upper]. */
static void in_range(double v, double upper, const char *what)
{
    FUZZ_CHECK(isfinite(v) && v >= 0.0 && v <= upper, "%s = %a (upper bound %a)", what, v, upper);
}

static double ulps_away(double x, int k)
{
    for (; k > 0 && x < DBL_MAX; k--) /* never beyond the finite range */
        x = nextafter(x, INFINITY);
    for (; k < 0 && x > -DBL_MAX; k++)
        x = nextafter(x, 0.0);
    return x;
}

/* 2^e (1 + b/256) with e in [lo, lo + 255]. */
static double scaled(fuzz_reader *r, int lo)
{
    return ldexp(1.0 + (double)fuzz_u8(r) / 256.0, lo + fuzz_u8(r));
}

/* Kernel against oracle, within 1 ulp, never refused (finite, >= 0). */
static void compare_distances(size_t n, const double *p, const double *q, const char *what)
{
    bht_distances k, o;
    bht_status s = bht_distance(n, p, q, &k);
    FUZZ_CHECK(s == BHT_OK, "%s n=%zu: status %d", what, n, (int)s);
    s = bht_oracle_distance(n, p, q, &o, NULL, NULL);
    FUZZ_CHECK(s == BHT_OK, "%s: oracle status %d", what, (int)s);
    FUZZ_CHECK(bht_ulp_error(k.hellinger2, o.hellinger2) <= 1.0, "%s: H^2 %a vs oracle %a", what,
               k.hellinger2, o.hellinger2);
    FUZZ_CHECK(bht_ulp_error(k.hellinger, o.hellinger) <= 1.0, "%s: H %a vs oracle %a", what,
               k.hellinger, o.hellinger);
    FUZZ_CHECK(bht_ulp_error(k.tv, o.tv) <= 1.0, "%s: TV %a vs oracle %a", what, k.tv, o.tv);
}

/* Raw non-negative vectors of one hazard shape. */
static void hazard_pair(fuzz_reader *r, int shape, size_t n, double *p, double *q)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = fabs(fuzz_finite(r));
        q[i] = fabs(fuzz_finite(r));
    }
    size_t at = fuzz_u8(r) % n;
    switch (shape) {
    case 1: /* tiny entries that differ: H^2 subnormal or below 2^-1075 */
        for (size_t i = 0; i < n; i++)
            q[i] = p[i];
        p[at] = scaled(r, -1074);
        q[at] = (fuzz_u8(r) & 1) ? ulps_away(p[at], 1 + fuzz_u8(r) % 4)
                                 : p[at] * (1.0 + ldexp(1.0, -(int)(fuzz_u8(r) % 40)));
        break;
    case 2: /* one ulp apart on a subset */
        for (size_t i = 0; i < n; i++)
            q[i] = (fuzz_u8(r) & 1) ? ulps_away(p[i], 1) : p[i];
        break;
    case 3: /* P = Q except one entry */
        for (size_t i = 0; i < n; i++)
            q[i] = p[i];
        q[at] = (fuzz_u8(r) & 1) ? 0.0 : fabs(fuzz_finite(r));
        break;
    case 4: /* one-hot against spread */
        for (size_t i = 0; i < n; i++) {
            p[i] = i == at ? 1.0 : 0.0;
            q[i] = scaled(r, -1074 + fuzz_u8(r) * 4);
        }
        break;
    default: break; /* any finite non-negative entries */
    }
}

/* The exact verdict |sum p - 1| <= n 2^-52 (p non-negative). */
static int exact_verdict(size_t n, const double *p)
{
    mpfr_t sum, tol;
    mpfr_inits2(2400, sum, tol, (mpfr_ptr)0);
    mpfr_set_si(sum, -1, MPFR_RNDN);
    for (size_t i = 0; i < n; i++)
        mpfr_add_d(sum, sum, p[i], MPFR_RNDN); /* exact at 2400 bits */
    mpfr_abs(sum, sum, MPFR_RNDN);
    mpfr_set_ui(tol, (unsigned long)n, MPFR_RNDN);
    mpfr_mul_2si(tol, tol, -52, MPFR_RNDN);
    int ok = mpfr_cmp(sum, tol) <= 0;
    mpfr_clears(sum, tol, (mpfr_ptr)0);
    return ok;
}

/* eps of one shape: raw, near a cut-off (+-128 ulps), or subnormal. */
static double hazard_eps(fuzz_reader *r)
{
    static const double cut[] = {0x1p-60, 0.25, 76.25, 80.0, 152.5, 160.0};
    uint8_t shape = fuzz_u8(r);
    switch (shape % 3) {
    case 1: return ulps_away(cut[fuzz_u8(r) % 6], (int)fuzz_u8(r) - 128);
    case 2: return ldexp((double)(fuzz_u64(r) >> 12), -1074);
    default: return fuzz_finite(r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size, 0};
    size_t n = 1 + fuzz_u8(&r) % MAX_N;
    double p[MAX_N], q[MAX_N];
    weights(&r, n, p);
    weights(&r, n, q);
    bht_status sp = bht_check_distribution(n, p, NULL, NULL);
    bht_status sq = bht_check_distribution(n, q, NULL, NULL);
    FUZZ_CHECK(sp == BHT_OK || sp == BHT_E_INVALID, "check_distribution: %d", (int)sp);
    FUZZ_CHECK(sq == BHT_OK || sq == BHT_E_INVALID, "check_distribution: %d", (int)sq);
    FUZZ_CHECK((sp == BHT_OK) == exact_verdict(n, p), "check_distribution verdict %d", (int)sp);
    if (sp == BHT_OK && sq == BHT_OK) {
        compare_distances(n, p, q, "distributions");
        bht_distances k;
        bht_distance(n, p, q, &k);
        /* The sums are 1 within n 2^-52, so H^2, TV <= (sum p + sum q) / 2
         * <= 1 + n 2^-52 (reached on disjoint supports), H <= its root. */
        double top = 1.0 + (double)n * 0x1p-52;
        in_range(k.hellinger2, top, "H^2");
        in_range(k.hellinger, top, "H");
        in_range(k.tv, top, "TV");
    }

    /* Raw non-negative vectors of a hazard shape: never refused, 1 ulp. */
    hazard_pair(&r, fuzz_u8(&r) % 5, n, p, q);
    compare_distances(n, p, q, "raw vectors");

    /* A near-distribution: exact sum 1 + j 2^-52 (+ 2^-1074), |j| <= n + 2. */
    if (n >= 3) {
        double sum = 0.0;
        for (size_t i = 1; i + 1 < n; i++) {
            p[i] = ldexp((double)(fuzz_u64(&r) >> 24), -60); /* < 2^-20, multiple of 2^-60 */
            sum += p[i];                                     /* exact */
        }
        int j = (int)(fuzz_u8(&r) % (2 * n + 5)) - (int)n - 2;
        p[0] = (1.0 - sum) + ldexp((double)j, -52);
        p[n - 1] = (fuzz_u8(&r) & 1) ? 0x1p-1074 : 0.0;
        sp = bht_check_distribution(n, p, NULL, NULL);
        FUZZ_CHECK((sp == BHT_OK) == exact_verdict(n, p), "near-distribution j=%d: verdict %d",
                   j, (int)sp);
    }

    /* A negative entry is refused. */
    q[0] = -fabs(fuzz_finite(&r)) - 0x1p-1074;
    bht_distances k;
    FUZZ_CHECK(bht_distance(n, p, q, &k) == BHT_E_INVALID, "negative entry accepted");

    /* Lemma A.1 at eps >= 0; a negative eps is refused. */
    double eps = hazard_eps(&r);
    bht_lemma_a1_bounds b, ob;
    bht_status s = bht_lemma_a1(eps, &b);
    if (eps < 0.0) {
        FUZZ_CHECK(s == BHT_E_INVALID, "lemma_a1(%a): status %d", eps, (int)s);
        return 0;
    }
    FUZZ_CHECK(s == BHT_OK, "lemma_a1(%a): status %d", eps, (int)s);
    s = bht_oracle_lemma_a1(eps, &ob, NULL, NULL);
    FUZZ_CHECK(s == BHT_OK, "oracle_lemma_a1(%a): status %d", eps, (int)s);
    in_range(b.h2max, 1.0, "h2max");
    in_range(b.tvmax, 1.0, "tvmax");
    FUZZ_CHECK(bht_ulp_error(b.h2max, ob.h2max) <= 1.0, "h2max(%a) = %a, oracle %a", eps,
               b.h2max, ob.h2max);
    FUZZ_CHECK(bht_ulp_error(b.tvmax, ob.tvmax) <= 1.0, "tvmax(%a) = %a, oracle %a", eps,
               b.tvmax, ob.tvmax);
    return 0;
}
