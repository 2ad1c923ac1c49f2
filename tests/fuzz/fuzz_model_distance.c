/* fuzz_model_distance.c: libFuzzer harness for the distances between two
 * models computed from their parameters: bht_distance_softmax /
 * bht_oracle_distance_softmax and bht_distance_leverage /
 * bht_oracle_distance_leverage.  Bytes -> n <= 6, d <= 3, A, a perturbation
 * M and its size 2^-k (k <= 40), B = A + 2^-k M, the query.  Properties: no
 * crash; only documented statuses (the leverage kernel answers only when
 * the exact oracle finds both models of rank d); every value finite in
 * [0, 1 + 2^-50]; H^2 <= TV <= sqrt(2) H (with rounding slack).  Softmax:
 * the kernel within 2 ulp of the oracle for every pair (the kernel certifies
 * or refuses), after one byte picks a hazard shape of B (the same model up
 * to rounding, A + 1 w^T; one entry one ulp off; A (1 + 2^-k); tied rows).
 * Leverage: the kernel within 2 ulp whenever it answers (issue 12: models
 * equal up to rounding and exact zeros included); its inputs get one more
 * byte, a structure-aware hazard (leverage_pair_hazard).
 * Speed: the softmax oracle runs with a precision cap of 2^12 bits
 * (BHT_E_PRECISION is then accepted and nothing is compared): inputs with
 * logits spanning thousands of binades take up to 0.2 s each in Ziv's loop
 * at the default cap 2^16, and with them in the corpus the harness ran at
 * 2600 executions/s, short of 10^6 in 300 s. */
#include "fuzz_common.h"

enum { MAX_N = 6, MAX_D = 3 };

static const bht_oracle_options capped = {0, 1L << 12};

static void check_values(const bht_distances *v, const char *what)
{
    const double top = 1.0 + 0x1p-50;
    FUZZ_CHECK(isfinite(v->hellinger2) && v->hellinger2 >= 0.0 && v->hellinger2 <= top
                   && isfinite(v->hellinger) && v->hellinger >= 0.0 && v->hellinger <= top
                   && isfinite(v->tv) && v->tv >= 0.0 && v->tv <= top,
               "%s: H^2 %a, H %a, TV %a", what, v->hellinger2, v->hellinger, v->tv);
    FUZZ_CHECK(v->hellinger2 <= v->tv * (1 + 0x1p-48) + 0x1p-1060,
               "%s: H^2 %a above TV %a", what, v->hellinger2, v->tv);
    FUZZ_CHECK(v->tv <= sqrt(2.0) * v->hellinger * (1 + 0x1p-48) + 0x1p-1060,
               "%s: TV %a above sqrt(2) H = %a", what, v->tv, sqrt(2.0) * v->hellinger);
}

/* Softmax hazard shapes of B (one byte; the generators of the same names
 * are in tests/model_distance/test_model_distance.c). */
static void shape_softmax_pair(fuzz_reader *r, size_t n, size_t d, const double *A, double *B)
{
    uint8_t h = fuzz_u8(r), arg = fuzz_u8(r);
    switch (h % 5) {
    case 1: /* offset_rounded: B = RN(A + 1 w^T), w up to 2^60 */
        for (size_t k = 0; k < d; k++) {
            double w = ldexp((double)(int8_t)(arg + 29 * k), (int)(h >> 3) * 2 - 6);
            for (size_t i = 0; i < n; i++)
                B[i * d + k] = isfinite(A[i * d + k] + w) ? A[i * d + k] + w : A[i * d + k];
        }
        break;
    case 2: /* one_ulp: one entry moved by one ulp */
        memcpy(B, A, n * d * sizeof *B);
        B[arg % (n * d)] = nextafter(A[arg % (n * d)], (h & 8) ? INFINITY : -INFINITY);
        if (!isfinite(B[arg % (n * d)]))
            B[arg % (n * d)] = A[arg % (n * d)];
        break;
    case 3: /* relative_scale: B = RN(A (1 + 2^-k)), k = 20 ... 52 */
        for (size_t k = 0; k < n * d; k++) {
            double b = A[k] * (1.0 + ldexp(1.0, -20 - (int)(arg % 33)));
            B[k] = isfinite(b) ? b : A[k];
        }
        break;
    case 4: /* ties: row 0 of B copied to the rows picked by arg */
        for (size_t i = 1; i < n; i++)
            if ((arg >> i) & 1u)
                memcpy(B + i * d, B, d * sizeof *B);
        break;
    default:
        break;
    }
}

/* x 2^e, or x itself when that is not finite */
static double scaled_or_same(double x, int e)
{
    double v = ldexp(x, e);
    return isfinite(v) ? v : x;
}

/* Structure-aware hazards for two leverage models (issue 12), from one more
 * byte after the raw data: B = c A, B = A R (rounded or exact with R^-1 a
 * double matrix), B = A with entries moved by 1 ulp or by 2^-k of a tiny
 * entry, the pair scaled over the whole double range, zero rows. */
static void leverage_pair_hazard(fuzz_reader *r, size_t n, size_t d, double *A, double *B,
                                 double *q)
{
    uint8_t hazard = fuzz_u8(r);
    int e = (int)((fuzz_u8(r) << 8) | fuzz_u8(r)) % 2001 - 1000;
    switch (hazard % 8) {
    case 1: { /* B = c A rounded (c = 1e-5 when hazard & 8) */
        double c = (hazard & 8) ? 1e-5 : ldexp(1.0 + (double)fuzz_u8(r) / 256.0, e / 16);
        for (size_t k = 0; k < n * d; k++) {
            double v = c * A[k];
            B[k] = isfinite(v) ? v : A[k];
        }
        break;
    }
    case 2:   /* B = A R rounded, R small dyadic with a dominant diagonal */
    case 3: { /* B = A R exact-ish: R unit upper triangular with power-of-two steps */
        double R[MAX_D * MAX_D];
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                double b = (double)(int8_t)fuzz_u8(r);
                R[i * d + j] = hazard % 8 == 2 ? b / 32.0 + (i == j ? 5.0 : 0.0)
                                               : (i == j ? 1.0 : (i < j ? ldexp(b, -4) : 0.0));
            }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) {
                double v = 0.0;
                for (size_t k = 0; k < d; k++)
                    v += A[i * d + k] * R[k * d + j];
                B[i * d + j] = isfinite(v) ? v : A[i * d + j];
            }
        break;
    }
    case 4: /* B = A with entries moved by 1 ulp */
        for (size_t k = 0; k < n * d; k++)
            B[k] = (fuzz_u8(r) & 1) ? nextafter(A[k], 0.0) : A[k];
        break;
    case 5: /* a tiny entry (2^-200 ... 2^-1000 of the rest) moved by 2^-k */
        for (size_t k = 0; k < n * d; k++) {
            uint8_t b = fuzz_u8(r);
            B[k] = A[k];
            if (b & 1) {
                A[k] = scaled_or_same(A[k], -200 - (int)b * 3);
                B[k] = A[k] * (1.0 + ldexp(1.0, -1 - (int)(b >> 3)));
            }
        }
        break;
    case 6: /* both models' rows, columns and s by powers of two */
        for (size_t j = 0; j < d; j++) {
            int c = (int)fuzz_u8(r) * 2 - 256;
            for (size_t i = 0; i < n; i++) {
                A[i * d + j] = scaled_or_same(A[i * d + j], e / 2 + c);
                B[i * d + j] = scaled_or_same(B[i * d + j], e / 2 + c);
            }
        }
        for (size_t i = 0; i < n; i++)
            q[i] = scaled_or_same(q[i], e);
        break;
    case 7: { /* zero rows in A, B or both */
        size_t row = (size_t)fuzz_u8(r) % n;
        for (size_t j = 0; j < d; j++) {
            if (hazard & 8)
                A[row * d + j] = 0.0;
            if (hazard & 16)
                B[row * d + j] = 0.0;
        }
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size, 0};
    uint8_t shape = fuzz_u8(&r), mode = fuzz_u8(&r);
    size_t n = 1 + shape % MAX_N, d = 1 + (shape >> 4) % MAX_D;
    int leverage = (shape & 8) != 0;
    double A[MAX_N * MAX_D], B[MAX_N * MAX_D], q[MAX_N];
    double eps = ldexp(1.0, -(int)(fuzz_u8(&r) % 41));
    for (size_t k = 0; k < n * d; k++) {
        A[k] = (mode & 1) ? (double)(int8_t)fuzz_u8(&r) / 8.0 : fuzz_finite(&r);
        double m = (double)(int8_t)fuzz_u8(&r) / 64.0;
        B[k] = A[k] + eps * m * (A[k] != 0.0 ? fabs(A[k]) : 1.0);
        if (!isfinite(B[k])) /* A near DBL_MAX */
            B[k] = A[k];
    }
    size_t length = leverage ? n : d;
    for (size_t i = 0; i < length; i++)
        q[i] = (mode & 2) ? 1.0 + (double)(fuzz_u8(&r) % 16) / 8.0 : fuzz_finite(&r);
    bht_distances k, o;
    if (!leverage) {
        shape_softmax_pair(&r, n, d, A, B);
        if ((fuzz_u8(&r) & 1) && n > 1) /* tie rows 0 and 1 of A too */
            memcpy(A + d, A, d * sizeof *A);
        bht_status sk = bht_distance_softmax(n, d, A, B, q, &k);
        FUZZ_CHECK(sk == BHT_OK || sk == BHT_E_RANGE, "distance_softmax: status %d", (int)sk);
        bht_status so = bht_oracle_distance_softmax(n, d, A, B, q, &o, &capped, NULL);
        FUZZ_CHECK(so == BHT_OK || so == BHT_E_PRECISION, "oracle: status %d", (int)so);
        if (so == BHT_OK)
            check_values(&o, "softmax oracle");
        if (sk == BHT_OK)
            check_values(&k, "softmax kernel");
        if (sk == BHT_OK && so == BHT_OK) { /* 2 ulp, however close the models */
            FUZZ_CHECK(fuzz_close(k.hellinger2, o.hellinger2, 2.0, 0.0),
                       "softmax: H^2 %a, oracle %a (2 ulp)", k.hellinger2, o.hellinger2);
            FUZZ_CHECK(fuzz_close(k.hellinger, o.hellinger, 2.0, 0.0),
                       "softmax: H %a, oracle %a (2 ulp)", k.hellinger, o.hellinger);
            FUZZ_CHECK(fuzz_close(k.tv, o.tv, 2.0, 0.0), "softmax: TV %a, oracle %a (2 ulp)",
                       k.tv, o.tv);
        }
        return 0;
    }
    leverage_pair_hazard(&r, n, d, A, B, q);
    int s_ok = 1;
    for (size_t i = 0; i < n; i++)
        s_ok &= q[i] != 0.0;
    bht_status sk = bht_distance_leverage(n, d, A, B, q, &k);
    bht_status so = bht_oracle_distance_leverage(n, d, A, B, q, &o, NULL, NULL);
    if (n < d || !s_ok) {
        FUZZ_CHECK(sk == BHT_E_INVALID && so == BHT_E_INVALID, "n %zu d %zu: %d / %d", n, d,
                   (int)sk, (int)so);
        return 0;
    }
    FUZZ_CHECK(sk == BHT_OK || sk == BHT_E_RANGE || sk == BHT_E_SINGULAR,
               "distance_leverage: status %d", (int)sk);
    FUZZ_CHECK(so == BHT_OK || so == BHT_E_SINGULAR, "oracle: status %d", (int)so);
    FUZZ_CHECK(!(sk == BHT_OK && so == BHT_E_SINGULAR), "kernel answered for rank-deficient input");
    if (so == BHT_OK)
        check_values(&o, "leverage oracle");
    if (sk == BHT_OK)
        check_values(&k, "leverage kernel");
    /* issue 12: 2 ulp whenever the kernel answers, however close or far
     * apart the models and however they are scaled (an exact 0 included) */
    if (sk == BHT_OK && so == BHT_OK) {
        FUZZ_CHECK(fuzz_close(k.hellinger2, o.hellinger2, 2.0, 0.0), "leverage: H^2 %a, oracle %a",
                   k.hellinger2, o.hellinger2);
        FUZZ_CHECK(fuzz_close(k.hellinger, o.hellinger, 2.0, 0.0), "leverage: H %a, oracle %a",
                   k.hellinger, o.hellinger);
        FUZZ_CHECK(fuzz_close(k.tv, o.tv, 2.0, 0.0), "leverage: TV %a, oracle %a", k.tv, o.tv);
    }
    return 0;
}
