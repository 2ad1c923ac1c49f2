/* fuzz_local.c: libFuzzer harness for the local analysis (paper Thm 3.5,
 * 4.3): bht_nu_softmax / bht_oracle_nu_softmax and bht_nu_leverage /
 * bht_oracle_nu_leverage.  Bytes -> model (softmax or leverage), n <= 6,
 * d <= 3, A, M and the query (x, or s).  Properties: no crash; only
 * documented statuses; when both answer: nu >= 0 and local_constant >= 0
 * (softmax: local_constant = nu/8; leverage: local_constant >= nu/2, = nu/2
 * when A has no zero row), every value finite, the kernel within 16 ulp of
 * the oracle (bht.h; softmax: 2 ulp for nu, the local constant and every
 * derivative component, with no absolute term -- the kernel certifies them
 * or refuses; leverage: 16 ulp); the derivative components
 * sum to 0 (softmax: sum p_i (g_i - <p, g>) = 0; leverage: 2 tr W / d = 0)
 * within their rounding errors, for the oracle and for the kernel; for the
 * leverage model the kernel must not answer when the exact oracle finds A
 * rank deficient, and is held to 2 ulp (issue 12), with one more input
 * byte for a structure-aware hazard (leverage_hazard).
 * Speed: the softmax oracles run with a precision cap of 2^12 bits
 * (BHT_E_PRECISION is then accepted and nothing is compared): inputs whose
 * exponents span thousands of binades take up to 0.15 s each in Ziv's loop
 * at the default cap 2^16 (often to end in BHT_E_PRECISION anyway), and the
 * harness would not reach 10^6 executions in 300 s. */
#include "fuzz_common.h"

enum { MAX_N = 6, MAX_D = 3 };

static const bht_oracle_options capped = {0, 1L << 12};

/* |sum v_i| within the rounding errors of the summands: ulps each (relative
 * to |v_i|), absolute[i] each (may be NULL), plus the harness's own
 * summation error; true when some v_i is infinite (nothing to check). */
static int sums_to_zero(size_t n, const double *v, double ulps, const double *absolute)
{
    double sum = 0.0, mag = 0.0, slack = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return 1;
        sum += v[i];
        mag += fabs(v[i]);
        slack += absolute ? absolute[i] : 0.0;
    }
    return fabs(sum) <= (ulps + (double)n + 1.0) * 0x1p-52 * mag + slack
                            + (double)(n + 1) * 0x1p-1074;
}

static double plain_sum(size_t n, const double *v)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    return sum;
}

static void check_pair(const bht_local_result *k, const bht_local_result *o, const char *model)
{
    /* nu may exceed DBL_MAX: then +inf is the correctly rounded value */
    FUZZ_CHECK(k->nu >= 0.0 && k->local_constant >= 0.0 && (isfinite(k->nu) || isinf(o->nu))
                   && (isfinite(k->local_constant) || isinf(o->local_constant)),
               "%s: nu %a, local constant %a (oracle %a, %a)", model, k->nu, k->local_constant,
               o->nu, o->local_constant);
    FUZZ_CHECK(o->nu >= 0.0 && o->local_constant >= 0.0, "%s oracle: nu %a, local %a", model,
               o->nu, o->local_constant);
    FUZZ_CHECK(fuzz_close(k->nu, o->nu, 16.0, 0.0), "%s: nu %a, oracle %a", model, k->nu, o->nu);
    FUZZ_CHECK(fuzz_close(k->local_constant, o->local_constant, 16.0, 0.0),
               "%s: local constant %a, oracle %a", model, k->local_constant, o->local_constant);
}

/* Softmax hazard shapes, chosen by one byte after the data (random bytes
 * rarely land on a hazard): the names are those of the generators in
 * tests/nu/test_local_softmax.c. */
enum softmax_hazard {
    HAZARD_NONE,
    HAZARD_COMMON_OFFSET, /* M + 1 w^T, w up to 2^127 times the byte value */
    HAZARD_TIES,          /* rows copied (A, and M as is or mirrored) */
    HAZARD_MEAN_CANCELS,  /* g = M x shifted by its p-mean (one column) */
    HAZARD_SUBNORMAL_P,   /* shifted logits near the -745 edge and below */
    HAZARD_COUNT
};

static void shape_softmax(fuzz_reader *r, size_t n, size_t d, double *A, double *M, double *x)
{
    uint8_t h = fuzz_u8(r), arg = fuzz_u8(r);
    switch (h % HAZARD_COUNT) {
    case HAZARD_COMMON_OFFSET:
        for (size_t k = 0; k < d; k++) {
            double w = ldexp((double)arg - 128.0, (int)(h >> 3) * 4);
            for (size_t i = 0; i < n; i++)
                if (isfinite(M[i * d + k] + w))
                    M[i * d + k] += w;
        }
        break;
    case HAZARD_TIES:
        for (size_t i = 1; i < n; i++)
            if ((arg >> (i % 8)) & 1u)
                for (size_t k = 0; k < d; k++) {
                    A[i * d + k] = A[(i - 1) * d + k];
                    M[i * d + k] = (h & 8) ? -M[(i - 1) * d + k] : M[(i - 1) * d + k];
                }
        break;
    case HAZARD_MEAN_CANCELS: {
        double p[MAX_N];
        if (x[0] == 0.0)
            x[0] = 1.0;
        if (bht_oracle_softmax(n, d, A, x, p, &capped, NULL) != BHT_OK)
            break;
        long double mean = 0.0L;
        for (size_t i = 0; i < n; i++) {
            M[i * d] = ldexp((double)(int8_t)(arg + 37 * i), -(int)(h >> 4));
            for (size_t k = 1; k < d; k++)
                M[i * d + k] = 0.0;
            mean += (long double)p[i] * (long double)M[i * d] * (long double)x[0];
        }
        for (size_t i = 0; i < n; i++) {
            double shifted = (double)((long double)M[i * d] - mean / (long double)x[0]);
            if (isfinite(shifted))
                M[i * d] = shifted;
        }
        break;
    }
    case HAZARD_SUBNORMAL_P:
        for (size_t i = 1; i < n; i++) {
            double z = -(700.0 + (double)((arg + 13 * i) % 64) + ldexp((double)h, -8));
            for (size_t k = 0; k < d; k++)
                A[i * d + k] = k == 0 ? A[k] + z : A[k];
        }
        x[0] = 1.0;
        break;
    default:
        break;
    }
}

static void softmax_case(fuzz_reader *r, size_t n, size_t d)
{
    double A[MAX_N * MAX_D], M[MAX_N * MAX_D], x[MAX_D], dk[MAX_N], dor[MAX_N];
    for (size_t k = 0; k < n * d; k++) {
        A[k] = fuzz_finite(r);
        M[k] = fuzz_finite(r);
    }
    for (size_t j = 0; j < d; j++)
        x[j] = fuzz_finite(r);
    shape_softmax(r, n, d, A, M, x);
    for (size_t k = 0; k < n * d; k++) /* a shape may overflow: then no case */
        if (!isfinite(A[k]) || !isfinite(M[k]))
            return;
    const bht_oracle_options *options = &capped;
    bht_local_result k, o;
    bht_status sk = bht_nu_softmax(n, d, A, M, x, &k, dk);
    FUZZ_CHECK(sk == BHT_OK || sk == BHT_E_RANGE, "nu_softmax: status %d", (int)sk);
    bht_status so = bht_oracle_nu_softmax(n, d, A, M, x, &o, dor, options, NULL);
    FUZZ_CHECK(so == BHT_OK || so == BHT_E_PRECISION, "oracle_nu_softmax: status %d", (int)so);
    if (so == BHT_OK && o.nu >= 0x1p-1019 && isfinite(o.nu)) /* nu/8 may be finite */
        FUZZ_CHECK(o.local_constant == o.nu / 8.0, "oracle local constant %a, nu %a",
                   o.local_constant, o.nu);
    if (so == BHT_OK)
        FUZZ_CHECK(sums_to_zero(n, dor, 1.0, NULL), "oracle softmax derivatives sum to %a",
                   plain_sum(n, dor));
    if (sk != BHT_OK || so != BHT_OK)
        return;
    check_pair(&k, &o, "softmax");
    FUZZ_CHECK(fuzz_close(k.nu, o.nu, 2.0, 0.0), "softmax: nu %a, oracle %a (2 ulp)", k.nu, o.nu);
    FUZZ_CHECK(fuzz_close(k.local_constant, o.local_constant, 2.0, 0.0),
               "softmax: local constant %a, oracle %a (2 ulp)", k.local_constant,
               o.local_constant);
    for (size_t i = 0; i < n; i++) {
        /* |p_i (g_i - <p, g>)| beyond DBL_MAX rounds to +-inf (the exact path
         * takes any finite M x; found by this harness) */
        FUZZ_CHECK(isfinite(dk[i]) || isinf(dor[i]), "derivative_%zu = %a, oracle %a", i, dk[i],
                   dor[i]);
        FUZZ_CHECK(fuzz_close(dk[i], dor[i], 2.0, 0.0),
                   "softmax derivative_%zu = %a, oracle %a (2 ulp)", i, dk[i], dor[i]);
    }
    FUZZ_CHECK(sums_to_zero(n, dk, 2.0, NULL), "softmax derivatives sum to %a",
               plain_sum(n, dk));
}

/* x 2^e, or x itself when that is not finite */
static double scaled_or_same(double x, int e)
{
    double v = ldexp(x, e);
    return isfinite(v) ? v : x;
}

/* Structure-aware hazards for the leverage model (issue 12), from one more
 * byte after the raw data: M = A X, exact power-of-two scalings over the
 * whole range, h_ii = 1 exactly or nearly, subnormal entries, zero rows. */
static void leverage_hazard(fuzz_reader *r, size_t n, size_t d, double *A, double *M,
                            double *s)
{
    uint8_t hazard = fuzz_u8(r);
    size_t row = (size_t)fuzz_u8(r) % n, col = (size_t)fuzz_u8(r) % d;
    int e = (int)((fuzz_u8(r) << 8) | fuzz_u8(r)) % 2001 - 1000;
    switch (hazard % 8) {
    case 1:   /* M = A X (+ 2^-k noise when hazard & 8): X short dyadic */
    case 2: { /* M = M + A X */
        double X[MAX_D * MAX_D];
        for (size_t q = 0; q < d * d; q++)
            X[q] = (double)(int8_t)fuzz_u8(r) / 8.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) {
                double v = hazard % 8 == 2 ? M[i * d + j] : 0.0;
                for (size_t q = 0; q < d; q++)
                    v += A[i * d + q] * X[q * d + j];
                if (hazard & 8)
                    v += ldexp((double)(int8_t)fuzz_u8(r), -(int)(hazard >> 4) * 4 - 20);
                M[i * d + j] = isfinite(v) ? v : M[i * d + j];
            }
        break;
    }
    case 3: /* rows of A and M, columns (A and M together), s: powers of two */
        for (size_t j = 0; j < d; j++) {
            int c = (int)fuzz_u8(r) * 2 - 256;
            for (size_t i = 0; i < n; i++) {
                A[i * d + j] = scaled_or_same(A[i * d + j], e / 2 + c);
                M[i * d + j] = scaled_or_same(M[i * d + j], e / 2 + c + (int)(hazard >> 3) - 16);
            }
        }
        for (size_t i = 0; i < n; i++)
            s[i] = scaled_or_same(s[i], e);
        break;
    case 4: /* column col supported on row `row` only: h = 1, W = 0 there */
        for (size_t i = 0; i < n; i++)
            if (i != row)
                A[i * d + col] = 0.0;
        break;
    case 5: /* a dominant row: h near 1 */
        for (size_t j = 0; j < d; j++)
            A[row * d + j] = scaled_or_same(A[row * d + j], 10 + (int)(hazard >> 3) * 2);
        break;
    case 6: /* subnormal entries */
        for (size_t k = 0; k < n * d; k++) {
            uint8_t b = fuzz_u8(r);
            if (b & 1)
                A[k] = ldexp((double)(b >> 1) + 1.0, -1074);
            if (b & 2)
                M[k] = ldexp((double)fuzz_u8(r) + 1.0, -1074);
        }
        break;
    case 7: /* row `row` of A zero (its m_i enters the local constant only) */
        for (size_t j = 0; j < d; j++)
            A[row * d + j] = 0.0;
        break;
    default:
        break;
    }
}

static void leverage_case(fuzz_reader *r, size_t n, size_t d, uint8_t mode)
{
    double A[MAX_N * MAX_D], M[MAX_N * MAX_D], s[MAX_N], dk[MAX_N], dor[MAX_N];
    for (size_t k = 0; k < n * d; k++) {
        A[k] = (mode & 1) ? (double)(int8_t)fuzz_u8(r) / 4.0 : fuzz_finite(r);
        M[k] = fuzz_finite(r);
    }
    for (size_t i = 0; i < n; i++)
        s[i] = (mode & 2) ? 1.0 + (double)(fuzz_u8(r) % 16) / 4.0 : fuzz_finite(r);
    leverage_hazard(r, n, d, A, M, s);
    int s_ok = 1;
    for (size_t i = 0; i < n; i++)
        s_ok &= s[i] != 0.0;
    bht_local_result k, o;
    bht_status sk = bht_nu_leverage(n, d, A, M, s, &k, dk);
    bht_status so = bht_oracle_nu_leverage(n, d, A, M, s, &o, dor, NULL, NULL);
    if (n < d || !s_ok) {
        FUZZ_CHECK(sk == BHT_E_INVALID && so == BHT_E_INVALID, "n %zu d %zu: %d / %d", n, d,
                   (int)sk, (int)so);
        return;
    }
    FUZZ_CHECK(sk == BHT_OK || sk == BHT_E_RANGE || sk == BHT_E_SINGULAR,
               "nu_leverage: status %d", (int)sk);
    FUZZ_CHECK(so == BHT_OK || so == BHT_E_SINGULAR, "oracle_nu_leverage: status %d", (int)so);
    FUZZ_CHECK(!(sk == BHT_OK && so == BHT_E_SINGULAR), "kernel answered for a rank-deficient A");
    /* without the derivative the kernel answers at least as often */
    bht_local_result kn;
    bht_status sn = bht_nu_leverage(n, d, A, M, s, &kn, NULL);
    FUZZ_CHECK(sk != BHT_OK || sn == BHT_OK, "answered with the derivative, not without");
    if (sn == BHT_OK && so == BHT_OK)
        FUZZ_CHECK(fuzz_close(kn.nu, o.nu, 2.0, 0.0)
                       && fuzz_close(kn.local_constant, o.local_constant, 2.0, 0.0),
                   "leverage (no derivative): nu %a, L %a; oracle %a, %a", kn.nu,
                   kn.local_constant, o.nu, o.local_constant);
    if (sk != BHT_OK || so != BHT_OK)
        return;
    check_pair(&k, &o, "leverage");
    /* leverage budget (bht.h, issue 12): 2 ulp for nu, L and every dq_i */
    FUZZ_CHECK(fuzz_close(k.nu, o.nu, 2.0, 0.0), "leverage: nu %a, oracle %a", k.nu, o.nu);
    FUZZ_CHECK(fuzz_close(k.local_constant, o.local_constant, 2.0, 0.0),
               "leverage: local constant %a, oracle %a", k.local_constant, o.local_constant);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(fuzz_close(dk[i], dor[i], 2.0, 0.0),
                   "leverage derivative_%zu = %a, oracle %a", i, dk[i], dor[i]);
    /* derivative_i = 2 W_ii / d and tr W = 0 */
    FUZZ_CHECK(sums_to_zero(n, dor, 1.0, NULL), "oracle leverage derivatives sum to %a",
               plain_sum(n, dor));
    FUZZ_CHECK(sums_to_zero(n, dk, 2.0, NULL), "leverage derivatives sum to %a",
               plain_sum(n, dk));
    /* local_constant = nu/2 + (1/(2d)) sum over zero rows of A (>= 0) */
    int zero_row = 0;
    for (size_t i = 0; i < n; i++) {
        int zero = 1;
        for (size_t j = 0; j < d; j++)
            zero &= A[i * d + j] == 0.0;
        zero_row |= zero;
    }
    if (isfinite(o.nu) && o.nu >= 0x1p-1020) {
        FUZZ_CHECK(zero_row ? o.local_constant >= o.nu / 2.0 : o.local_constant == o.nu / 2.0,
                   "oracle local constant %a, nu %a (zero row: %d)", o.local_constant, o.nu,
                   zero_row);
        FUZZ_CHECK(k.local_constant >= k.nu / 2.0 * (1.0 - 0x1p-50),
                   "local constant %a below nu/2, nu %a", k.local_constant, k.nu);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size, 0};
    uint8_t shape = fuzz_u8(&r);
    size_t n = 1 + shape % MAX_N, d = 1 + (shape >> 4) % MAX_D;
    if (shape & 8)
        leverage_case(&r, n, d, fuzz_u8(&r));
    else
        softmax_case(&r, n, d);
    return 0;
}
