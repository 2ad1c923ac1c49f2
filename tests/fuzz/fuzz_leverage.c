/* fuzz_leverage.c: libFuzzer harness for bht_leverage, bht_oracle_leverage
 * and bht_check_leverage_query.  Bytes -> n <= 8, d <= 4 (sometimes d > n),
 * A (optionally with a repeated column or a zero row: rank deficiency) and s
 * (sometimes with a zero, sometimes NULL = all ones), then a hazard byte
 * (issue 12: structure-aware, on top of the raw design: exact power-of-two
 * row/column/s scalings over the whole double range, a column supported on
 * one row (h_ii = 1), a dominant row (h_ii near 1), subnormal entries, a
 * nearly dependent column, A R and c A rounded), then c, C.
 * Properties: no crash; only documented statuses; when the kernel answers,
 * the exact oracle must not find A rank deficient, and the condition
 * estimate is written (on BHT_OK finite and positive -- no longer bounded by
 * BHT_LEVERAGE_MAX_COND: graded designs beyond it are certified by the
 * kernel's fallbacks -- and on BHT_E_SINGULAR too); when the oracle answers, p_i and h_ii lie in
 * [0, 1], p sums to 1 and h to d (trace of a rank-d projection) within
 * their rounding errors; when both answer, the kernel's p_i and h_ii lie in
 * [0, 1], are within 1 ulp of the oracle, and p sums to 1 within that
 * budget; the query check agrees with an exact test of c <= s_i^2 <= C (s_i^2
 * split into a double and its fma residual).  The oracle (exact rational
 * rank and scores) is fast at these sizes: it runs on every input. */
#include "fuzz_common.h"

enum { MAX_N = 8, MAX_D = 4 };

/* Exactly: is c <= s^2 <= C? (s^2 = hi + lo exactly.) */
static int square_within(double s, double c, double C)
{
    double hi = s * s, lo = fma(s, s, -hi);
    if (isinf(hi))
        return 0;
    int above_c = hi > c || (hi == c && lo >= 0.0);
    int below_C = hi < C || (hi == C && lo <= 0.0);
    return above_c && below_C;
}

/* x 2^e, or x itself when that is not finite */
static double scaled_or_same(double x, int e)
{
    double v = ldexp(x, e);
    return isfinite(v) ? v : x;
}

/* The hazard byte: one structure-aware transformation of A (and s). */
static void apply_hazard(fuzz_reader *r, size_t n, size_t d, double *A, double *s)
{
    uint8_t hazard = fuzz_u8(r);
    size_t row = (size_t)fuzz_u8(r) % n, col = (size_t)fuzz_u8(r) % d;
    int e = (int)((fuzz_u8(r) << 8) | fuzz_u8(r)) % 2001 - 1000; /* [-1000, 1000] */
    switch (hazard % 8) {
    case 1: /* rows by one power of two, columns by their own, s by another */
        for (size_t j = 0; j < d; j++) {
            int c = (int)fuzz_u8(r) * 4 - 512;
            for (size_t i = 0; i < n; i++)
                A[i * d + j] = scaled_or_same(A[i * d + j], e / 2 + c);
        }
        for (size_t i = 0; i < n; i++)
            s[i] = scaled_or_same(s[i], e);
        break;
    case 2: /* column col supported on row `row` only: h = 1 there */
        for (size_t i = 0; i < n; i++)
            if (i != row)
                A[i * d + col] = 0.0;
        break;
    case 3: /* a dominant row: h near 1 */
        for (size_t j = 0; j < d; j++)
            A[row * d + j] = scaled_or_same(A[row * d + j], 20 + (int)(hazard >> 3) * 6);
        break;
    case 4: /* subnormal entries */
        for (size_t k = 0; k < n * d; k++)
            if (fuzz_u8(r) & 1)
                A[k] = ldexp((double)fuzz_u64(r), -1074 - 11) * 0x1p11;
        break;
    case 5: /* column col = 3/4 column 0 - 5/4 column d-1 + 2^-k noise */
        for (size_t i = 0; i < n && d >= 3; i++) {
            double v = 0.75 * A[i * d] - 1.25 * A[i * d + d - 1]
                       + ldexp((double)(int8_t)fuzz_u8(r), -(int)(hazard >> 3) - 8);
            A[i * d + col] = isfinite(v) ? v : A[i * d + col];
        }
        break;
    case 6: { /* A R rounded, R small integers with a dominant diagonal */
        double R[MAX_D * MAX_D], B[MAX_N * MAX_D];
        for (size_t k = 0; k < d * d; k++)
            R[k] = (double)(int8_t)fuzz_u8(r) / 16.0 + (k % (d + 1) == 0 ? 9.0 : 0.0);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) {
                double v = 0.0;
                for (size_t k = 0; k < d; k++)
                    v += A[i * d + k] * R[k * d + j];
                B[i * d + j] = isfinite(v) ? v : A[i * d + j];
            }
        memcpy(A, B, n * d * sizeof *A);
        break;
    }
    case 7: { /* c A rounded */
        double c = ldexp(1.0 + (double)fuzz_u8(r) / 256.0, e / 4);
        for (size_t k = 0; k < n * d; k++) {
            double v = c * A[k];
            A[k] = isfinite(v) ? v : A[k];
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
    size_t n = 1 + shape % MAX_N, d = 1 + (shape >> 3) % MAX_D;
    double A[MAX_N * MAX_D], s[MAX_N], p[MAX_N], h[MAX_N], po[MAX_N], ho[MAX_N], cond = 0.0;
    for (size_t k = 0; k < n * d; k++)
        A[k] = fuzz_finite(&r);
    if ((mode & 3) == 1 && d >= 2) /* repeated column */
        for (size_t i = 0; i < n; i++)
            A[i * d + 1] = A[i * d];
    if ((mode & 3) == 2) /* zero row */
        for (size_t k = 0; k < d; k++)
            A[(mode >> 2) % n * d + k] = 0.0;
    for (size_t i = 0; i < n; i++)
        s[i] = (mode & 16) ? 1.0 + (double)(fuzz_u8(&r) % 8) : fuzz_finite(&r);
    apply_hazard(&r, n, d, A, s);
    const double *query = (mode & 32) ? NULL : s; /* NULL: all ones */
    int shape_ok = n >= d;
    int s_ok = 1;
    for (size_t i = 0; i < n && query; i++)
        s_ok &= s[i] != 0.0;

    cond = -1.0; /* "not written" */
    bht_status sk = bht_leverage(n, d, A, query, p, h, &cond);
    bht_status so = bht_oracle_leverage(n, d, A, query, po, ho, NULL, NULL, NULL);
    if (sk == BHT_OK)
        FUZZ_CHECK(isfinite(cond) && cond > 0.0, "BHT_OK with condition estimate %g", cond);
    if (sk == BHT_E_SINGULAR)
        FUZZ_CHECK(cond > 0.0, "BHT_E_SINGULAR without a condition estimate (%g)", cond);
    if (!shape_ok || !s_ok) {
        FUZZ_CHECK(sk == BHT_E_INVALID && so == BHT_E_INVALID,
                   "n %zu d %zu: kernel %d, oracle %d (want BHT_E_INVALID)", n, d, (int)sk,
                   (int)so);
    } else {
        FUZZ_CHECK(sk == BHT_OK || sk == BHT_E_SINGULAR, "kernel status %d", (int)sk);
        FUZZ_CHECK(so == BHT_OK || so == BHT_E_SINGULAR, "oracle status %d", (int)so);
        FUZZ_CHECK(!(sk == BHT_OK && so == BHT_E_SINGULAR),
                   "kernel answered (cond %g) for an exactly rank-deficient A", cond);
    }
    if (so == BHT_OK) {
        /* each value correctly rounded (half an ulp) + the sum's own rounding */
        double sum = 0.0, trace = 0.0;
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(po[i] >= 0.0 && po[i] <= 1.0 && ho[i] >= 0.0 && ho[i] <= 1.0,
                       "oracle p_%zu = %a, h = %a", i, po[i], ho[i]);
            sum += po[i];
            trace += ho[i];
        }
        FUZZ_CHECK(fabs(sum - 1.0) <= (double)(2 * n) * 0x1p-53, "oracle sum p = %a", sum);
        FUZZ_CHECK(fabs(trace - (double)d) <= (double)(2 * n) * 0x1p-53 * (double)d,
                   "oracle sum h = %a, d = %zu", trace, d);
    }
    if (sk == BHT_OK && so == BHT_OK) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(p[i] >= 0.0 && p[i] <= 1.0 && h[i] >= 0.0 && h[i] <= 1.0,
                       "p_%zu = %a, h = %a", i, p[i], h[i]);
            FUZZ_CHECK(fuzz_close(p[i], po[i], 1.0, 0.0), "p_%zu = %a, oracle %a (cond %g)", i,
                       p[i], po[i], cond);
            FUZZ_CHECK(fuzz_close(h[i], ho[i], 1.0, 0.0), "h_%zu = %a, oracle %a (cond %g)", i,
                       h[i], ho[i], cond);
            sum += p[i];
        }
        /* 1 ulp each (ulp(p_i) <= 2^-52 p_i) + the sum's rounding */
        FUZZ_CHECK(fabs(sum - 1.0) <= (double)(1 + n) * 0x1p-52, "sum p = %a", sum);
    }

    double c = fabs(fuzz_finite(&r)), C = fabs(fuzz_finite(&r));
    size_t bad = n;
    bht_status sq = bht_check_leverage_query(n, s, c, C, &bad);
    if (!(c > 0.0 && c < C)) {
        FUZZ_CHECK(sq == BHT_E_INVALID, "check_leverage_query(c %a, C %a): %d", c, C, (int)sq);
        return 0;
    }
    size_t first = n;
    for (size_t i = 0; i < n && first == n; i++)
        if (!square_within(s[i], c, C))
            first = i;
    if (first == n)
        FUZZ_CHECK(sq == BHT_OK, "every s_i^2 in [%a, %a] but status %d", c, C, (int)sq);
    else
        FUZZ_CHECK(sq == BHT_E_CONSTRAINT && bad == first,
                   "s_%zu = %a violates [%a, %a]: status %d, index %zu", first, s[first], c, C,
                   (int)sq, bad);
    return 0;
}
