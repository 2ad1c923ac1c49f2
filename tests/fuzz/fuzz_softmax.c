/* fuzz_softmax.c: libFuzzer harness for the softmax kernels and the energy
 * check.  Bytes -> n, d and finite doubles.  Properties: no crash; the double
 * kernel either answers (every p_i finite in [0, 1], within 2 ulp of the MPFR
 * oracle when n <= 8) or refuses with BHT_E_RANGE, and for softmax(z) only
 * when some |z_i| > 2^1020; bht_check_energy's verdict agrees with the
 * correctly rounded norm it reports. */
#include "fuzz_common.h"

enum { MAX_N = 24, MAX_D = 6, ORACLE_N = 8 };

static void check_probabilities(size_t n, const double *p, const char *what)
{
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(isfinite(p[i]) && p[i] >= 0.0 && p[i] <= 1.0, "%s: p[%zu] = %a", what, i,
                   p[i]);
}

static void compare(size_t n, const double *p, const double *ref, const char *what)
{
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(bht_ulp_error(p[i], ref[i]) <= 2.0, "%s: p[%zu] = %a, oracle %a (%g ulp)",
                   what, i, p[i], ref[i], bht_ulp_error(p[i], ref[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size, 0};
    uint8_t shape = fuzz_u8(&r);
    size_t n = 1 + shape % MAX_N, d = 1 + (shape / MAX_N) % MAX_D;
    double z[MAX_N], A[MAX_N * MAX_D], x[MAX_D], p[MAX_N], ref[MAX_N];

    /* softmax(z) */
    int huge = 0;
    for (size_t i = 0; i < n; i++) {
        z[i] = fuzz_finite(&r);
        huge |= fabs(z[i]) > BHT_SOFTMAX_MAX_LOGIT;
    }
    bht_status s = bht_softmax_logits(n, z, p);
    FUZZ_CHECK(s == BHT_OK || (s == BHT_E_RANGE && huge), "softmax_logits n=%zu: status %d", n,
               (int)s);
    int oracle = n <= ORACLE_N;
    if (s == BHT_OK)
        check_probabilities(n, p, "softmax_logits");
    if (oracle) {
        bht_status so = bht_oracle_softmax_logits(n, z, ref, NULL, NULL);
        FUZZ_CHECK(so == BHT_OK, "oracle_softmax_logits n=%zu: status %d", n, (int)so);
        check_probabilities(n, ref, "oracle_softmax_logits");
        if (s == BHT_OK)
            compare(n, p, ref, "softmax_logits");
    }

    /* softmax(A x) */
    for (size_t k = 0; k < n * d; k++)
        A[k] = fuzz_finite(&r);
    for (size_t j = 0; j < d; j++)
        x[j] = fuzz_finite(&r);
    s = bht_softmax(n, d, A, x, p);
    FUZZ_CHECK(s == BHT_OK || s == BHT_E_RANGE, "softmax n=%zu d=%zu: status %d", n, d, (int)s);
    if (s == BHT_OK)
        check_probabilities(n, p, "softmax");
    if (oracle) {
        bht_status so = bht_oracle_softmax(n, d, A, x, ref, NULL, NULL);
        FUZZ_CHECK(so == BHT_OK, "oracle_softmax n=%zu d=%zu: status %d", n, d, (int)so);
        check_probabilities(n, ref, "oracle_softmax");
        if (s == BHT_OK)
            compare(n, p, ref, "softmax");
    }

    /* ||x||_2 <= E, decided exactly: the rounded norm is on the right side. */
    double energy = fabs(fuzz_finite(&r)), norm = -1.0;
    s = bht_check_energy(d, x, energy, &norm);
    FUZZ_CHECK(s == BHT_OK || s == BHT_E_CONSTRAINT, "check_energy: status %d", (int)s);
    FUZZ_CHECK(norm >= 0.0, "norm %a", norm);
    if (s == BHT_OK)
        FUZZ_CHECK(norm <= energy, "accepted, but rounded norm %a > E %a", norm, energy);
    else
        FUZZ_CHECK(norm >= energy, "rejected, but rounded norm %a < E %a", norm, energy);
    return 0;
}
