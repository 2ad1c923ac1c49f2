/* fuzz_distance.c: libFuzzer harness for bht_check_distribution,
 * bht_distance and bht_lemma_a1.  Bytes -> n and two distributions (weights
 * normalised in double, kept when bht_check_distribution accepts them) plus
 * raw finite vectors and an eps.  Properties: no crash; H^2, H, TV finite in
 * [0, 1 + n 2^-52] and within 4 ulp of the oracle (+ n 2^-1075 absolute, bht.h);
 * h2max, tvmax finite in [0, 1] and within 2 ulp of the oracle; refusals
 * only with the documented statuses. */
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
    if (sp == BHT_OK && sq == BHT_OK) {
        bht_distances k, o;
        bht_status s = bht_distance(n, p, q, &k);
        FUZZ_CHECK(s == BHT_OK, "distance n=%zu: status %d", n, (int)s);
        s = bht_oracle_distance(n, p, q, &o, NULL, NULL);
        FUZZ_CHECK(s == BHT_OK, "oracle_distance n=%zu: status %d", n, (int)s);
        /* The sums are 1 within n 2^-52, so H^2, TV <= (sum p + sum q) / 2
         * <= 1 + n 2^-52 (reached on disjoint supports), H <= its root. */
        double top = 1.0 + (double)n * 0x1p-52;
        in_range(k.hellinger2, top, "H^2");
        in_range(k.hellinger, top, "H");
        in_range(k.tv, top, "TV");
        in_range(o.hellinger2, top, "oracle H^2");
        in_range(o.hellinger, top, "oracle H");
        in_range(o.tv, top, "oracle TV");
        double slack = (double)n * 0x1p-1074; /* n 2^-1075, rounded up to subnormal steps */
        FUZZ_CHECK(fuzz_close(k.hellinger2, o.hellinger2, 4.0, slack), "H^2 %a vs oracle %a",
                   k.hellinger2, o.hellinger2);
        FUZZ_CHECK(fuzz_close(k.hellinger, o.hellinger, 4.0, sqrt(slack)), "H %a vs oracle %a",
                   k.hellinger, o.hellinger);
        FUZZ_CHECK(fuzz_close(k.tv, o.tv, 4.0, 0.0), "TV %a vs oracle %a", k.tv, o.tv);
    }

    /* Raw vectors with entries in [-1, 1] (not distributions: the kernel does
     * not check the sum, only the signs): no crash, no NaN, nothing negative.
     * (Entries near DBL_MAX are left out: bht_distance({DBL_MAX}, {0}) returns
     * BHT_OK with H = NaN, a precondition violation reported separately.) */
    for (size_t i = 0; i < n; i++) {
        p[i] = fuzz_finite(&r);
        q[i] = fuzz_finite(&r);
        if (fabs(p[i]) > 1.0)
            p[i] = 1.0 / p[i];
        if (fabs(q[i]) > 1.0)
            q[i] = 1.0 / q[i];
    }
    bht_distances k;
    bht_status s = bht_distance(n, p, q, &k);
    FUZZ_CHECK(s == BHT_OK || s == BHT_E_INVALID, "distance on raw input: status %d", (int)s);
    if (s == BHT_OK)
        FUZZ_CHECK(k.hellinger2 >= 0.0 && k.hellinger >= 0.0 && k.tv >= 0.0,
                   "raw input: H^2 %a, H %a, TV %a", k.hellinger2, k.hellinger, k.tv);

    /* Lemma A.1 at eps >= 0; a negative eps is refused. */
    double eps = fuzz_finite(&r);
    bht_lemma_a1_bounds b, ob;
    s = bht_lemma_a1(eps, &b);
    if (eps < 0.0) {
        FUZZ_CHECK(s == BHT_E_INVALID, "lemma_a1(%a): status %d", eps, (int)s);
        return 0;
    }
    FUZZ_CHECK(s == BHT_OK, "lemma_a1(%a): status %d", eps, (int)s);
    s = bht_oracle_lemma_a1(eps, &ob, NULL, NULL);
    FUZZ_CHECK(s == BHT_OK, "oracle_lemma_a1(%a): status %d", eps, (int)s);
    in_range(b.h2max, 1.0, "h2max");
    in_range(b.tvmax, 1.0, "tvmax");
    FUZZ_CHECK(bht_ulp_error(b.h2max, ob.h2max) <= 2.0, "h2max(%a) = %a, oracle %a", eps,
               b.h2max, ob.h2max);
    FUZZ_CHECK(bht_ulp_error(b.tvmax, ob.tvmax) <= 2.0, "tvmax(%a) = %a, oracle %a", eps,
               b.tvmax, ob.tvmax);
    return 0;
}
