/* fuzz_model_distance.c: libFuzzer harness for the distances between two
 * models computed from their parameters: bht_distance_softmax /
 * bht_oracle_distance_softmax and bht_distance_leverage /
 * bht_oracle_distance_leverage.  Bytes -> n <= 6, d <= 3, A, a perturbation
 * M and its size 2^-k (k <= 40), B = A + 2^-k M, the query.  Properties: no
 * crash; only documented statuses (the leverage kernel answers only when
 * the exact oracle finds both models of rank d); every value finite in
 * [0, 1 + 2^-50]; H^2 <= TV <= sqrt(2) H (with rounding slack); the kernel
 * within its budget of the oracle where bht.h promises it: softmax 2 ulp for
 * every pair (the kernel certifies or refuses), after one byte picks a
 * hazard shape of B (the same model up to rounding, A + 1 w^T; one entry
 * one ulp off; A (1 + 2^-k); tied rows); leverage 8 ulp for models 1e-12
 * ... 1 apart (oracle TV >= 1e-12) and inside its
 * documented domain (the rows of A_s = Diag(s)^-1 A, through s or through
 * A, span less than 2^40 in scale; the kernel refuses beyond).  Leverage
 * models less than 1e-12 apart -- the same model written differently
 * (B = A R) or nearly so (B ~ c A, d = 1) -- within the documented residue
 * H^2 1e-15, H 3.5e-8, TV 5e-8 of the oracle (golden/FORMAT.md).
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

static void compare(const bht_distances *k, const bht_distances *o, const char *what)
{
    FUZZ_CHECK(fuzz_close(k->hellinger2, o->hellinger2, 8.0, 0.0), "%s: H^2 %a, oracle %a", what,
               k->hellinger2, o->hellinger2);
    FUZZ_CHECK(fuzz_close(k->hellinger, o->hellinger, 8.0, 0.0), "%s: H %a, oracle %a", what,
               k->hellinger, o->hellinger);
    FUZZ_CHECK(fuzz_close(k->tv, o->tv, 8.0, 0.0), "%s: TV %a, oracle %a", what, k->tv, o->tv);
}

/* Softmax hazard shapes of B (one byte; the generators of the same names
 * are in tests/test_model_distance.c). */
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
    /* spread of the row scales of A_s = Diag(s)^-1 A (nonzero rows) */
    int s_ok = 1;
    double smin = INFINITY, smax = 0.0;
    for (size_t i = 0; i < n; i++) {
        s_ok &= q[i] != 0.0;
        double row = 0.0;
        for (size_t j = 0; j < d; j++)
            row = fmax(row, fmax(fabs(A[i * d + j]), fabs(B[i * d + j])));
        if (row > 0.0 && q[i] != 0.0) {
            smin = fmin(smin, row / fabs(q[i]));
            smax = fmax(smax, row / fabs(q[i]));
        }
    }
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
    if (sk == BHT_OK && so == BHT_OK && o.tv < 1e-12) {
        /* the same model written differently (B = A R), or nearly so:
         * documented limit, a residue with H^2 <= 1e-15 (golden/FORMAT.md) */
        FUZZ_CHECK(fabs(k.hellinger2 - o.hellinger2) <= 1e-15
                       && fabs(k.hellinger - o.hellinger) <= 3.5e-8
                       && fabs(k.tv - o.tv) <= 5e-8,
                   "(nearly) the same model: H^2 %a, H %a, TV %a; oracle %a, %a, %a",
                   k.hellinger2, k.hellinger, k.tv, o.hellinger2, o.hellinger, o.tv);
    } else if (sk == BHT_OK && so == BHT_OK && smax < 0x1p40 * smin) {
        compare(&k, &o, "leverage");
    }
    return 0;
}
