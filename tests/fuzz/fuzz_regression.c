/* fuzz_regression.c: libFuzzer harness for the softmax regression:
 * bht_regression (double kernel), bht_oracle_regression and
 * bht_regression_certify.  Bytes -> n <= 6, d <= 3, A, b, w (or NULL), x.
 * Properties: no crash; only documented statuses (the kernel: BHT_OK or
 * BHT_E_RANGE, whose refusal names a value its bound does not certify or an
 * input beyond 2^100); every value the kernel returns is within budget of
 * the oracle (loss 4 ulp, gradient and Hessian entries 16 ulp), the loss
 * >= 0, the Hessian symmetric; the oracle's loss >= 0 and its Hessian
 * symmetric; a certificate, when given, has G >= the oracle's |grad L|
 * (rounded down), mu > 0, G < mu R and radius <= R.
 * The oracle runs with a precision cap of 2^12 bits (BHT_E_PRECISION is
 * then accepted and nothing is compared) so that inputs spanning thousands
 * of binades do not stall the fuzzer. */
#include "fuzz_common.h"

enum { MAX_N = 6, MAX_D = 3 };

static const bht_oracle_options capped = {0, 1L << 12};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size, 0};
    const size_t n = 1 + fuzz_u8(&r) % MAX_N, d = 1 + fuzz_u8(&r) % MAX_D;
    const int weighted = fuzz_u8(&r) & 1;
    double A[MAX_N * MAX_D], b[MAX_N], w[MAX_N], x[MAX_D];
    for (size_t k = 0; k < n * d; k++)
        A[k] = fuzz_finite(&r);
    for (size_t i = 0; i < n; i++) {
        b[i] = fuzz_finite(&r);
        w[i] = fuzz_finite(&r);
    }
    for (size_t j = 0; j < d; j++)
        x[j] = fuzz_finite(&r);
    const double *wp = weighted ? w : NULL;

    double L, g[MAX_D], H[MAX_D * MAX_D], Lo, go[MAX_D], Ho[MAX_D * MAX_D];
    bht_regression_refusal ref;
    bht_status ks = bht_regression(n, d, A, b, wp, x, &L, g, H, &ref);
    FUZZ_CHECK(ks == BHT_OK || ks == BHT_E_RANGE, "kernel status %d", ks);
    if (ks == BHT_E_RANGE) {
        const double tol = ref.output == BHT_REGRESSION_LOSS ? 0x1p-52 : 0x1p-50;
        FUZZ_CHECK(ref.output == BHT_REGRESSION_DOMAIN || !(ref.bound <= tol * fabs(ref.value))
                       || fabs(ref.value) < 0x1p-969 || ref.value < 0.0,
                   "refused a certified value %a (bound %a)", ref.value, ref.bound);
    }
    bht_status os = bht_oracle_regression(n, d, A, b, wp, x, &Lo, go, Ho, &capped, NULL);
    FUZZ_CHECK(os == BHT_OK || os == BHT_E_PRECISION, "oracle status %d", os);
    if (os == BHT_OK) {
        FUZZ_CHECK(Lo >= 0.0, "oracle loss %a", Lo);
        for (size_t j = 0; j < d; j++)
            for (size_t k = 0; k < d; k++)
                FUZZ_CHECK(Ho[j * d + k] == Ho[k * d + j] || (isnan(Ho[j * d + k])
                                                             && isnan(Ho[k * d + j])),
                           "oracle hessian not symmetric");
    }
    if (ks == BHT_OK) {
        FUZZ_CHECK(L >= 0.0 && isfinite(L), "kernel loss %a", L);
        for (size_t j = 0; j < d; j++)
            for (size_t k = 0; k < d; k++)
                FUZZ_CHECK(H[j * d + k] == H[k * d + j], "kernel hessian not symmetric");
    }
    if (ks == BHT_OK && os == BHT_OK) {
        FUZZ_CHECK(bht_ulp_error(L, Lo) <= 4.0, "loss %a, oracle %a", L, Lo);
        for (size_t j = 0; j < d; j++)
            FUZZ_CHECK(bht_ulp_error(g[j], go[j]) <= 16.0, "gradient[%zu] %a, oracle %a", j,
                       g[j], go[j]);
        for (size_t j = 0; j < d * d; j++)
            FUZZ_CHECK(bht_ulp_error(H[j], Ho[j]) <= 16.0, "hessian[%zu] %a, oracle %a", j,
                       H[j], Ho[j]);
    }
    /* the certificate on moderate inputs (the enclosures cost more) */
    int moderate = 1;
    for (size_t k = 0; k < n * d; k++)
        moderate &= fabs(A[k]) <= 64.0;
    for (size_t j = 0; j < d; j++)
        moderate &= fabs(x[j]) <= 64.0;
    if (moderate && os == BHT_OK) {
        bht_regression_certificate c;
        bht_status cs = bht_regression_certify(n, d, A, b, wp, x, &c);
        FUZZ_CHECK(cs == BHT_OK, "certify status %d", cs);
        /* |oracle gradient|, scaled so that tiny components do not
         * underflow when squared (found by this harness: the unscaled sum
         * of squares of 2^-534 components lost 5e-5 relative) */
        double scale = 0.0, norm2 = 0.0;
        for (size_t j = 0; j < d; j++)
            scale = fmax(scale, fabs(go[j]));
        for (size_t j = 0; j < d && scale > 0.0; j++)
            norm2 += (go[j] / scale) * (go[j] / scale);
        double norm = scale * sqrt(norm2);
        /* the oracle's components are rounded: up to half an ulp each
         * (2^-1075 for subnormals) above the exact ones */
        FUZZ_CHECK(norm * (1.0 - 0x1p-40) - (double)d * 0x1p-1074 <= c.gradient_norm
                       || !isfinite(norm),
                   "G %a below |oracle gradient| %a", c.gradient_norm, norm);
        if (c.certified)
            FUZZ_CHECK(c.mu > 0.0 && c.gradient_norm < c.mu * c.ball_radius + 0.0
                           && c.minimizer_radius <= c.ball_radius,
                       "certificate mu %a R %a G %a radius %a", c.mu, c.ball_radius,
                       c.gradient_norm, c.minimizer_radius);
    }
    return 0;
}
