/* fuzz_softmax.c: libFuzzer harness for the softmax kernels and the energy
 * check.  Bytes -> a shape (raw finite doubles, or one of the hazard
 * structures of issue 12: exact ties, near ties, the -745 underflow edge,
 * A x with products that cancel exactly, invariance pairs z + c, A + 1 w^T
 * and column scaling).  Properties: no crash; the double kernel accepts
 * every finite input (BHT_OK), every p_i is finite in [0, 1] and within
 * 1 ulp of the MPFR oracle (n <= 8); the two sides of an exact invariance
 * pair give the same bits; bht_check_energy's verdict agrees with the
 * correctly rounded norm it reports. */
#include <float.h>
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
        FUZZ_CHECK(bht_ulp_error(p[i], ref[i]) <= 1.0, "%s: p[%zu] = %a, oracle %a (%g ulp)",
                   what, i, p[i], ref[i], bht_ulp_error(p[i], ref[i]));
}

static void same_outputs(size_t n, const double *p, const double *q, const char *what)
{
    FUZZ_CHECK(memcmp(p, q, n * sizeof *p) == 0, "%s: an exact invariance pair differs", what);
}

/* x moved by k ulps (k in [-8, 7]). */
static double ulps_away(double x, int k)
{
    for (; k > 0 && x < DBL_MAX; k--) /* never beyond the finite range */
        x = nextafter(x, INFINITY);
    for (; k < 0 && x > -DBL_MAX; k++)
        x = nextafter(x, -INFINITY);
    return x;
}

/* An integer in [-2^bits, 2^bits) from the input (bits <= 62). */
static double fuzz_int(fuzz_reader *r, int bits)
{
    uint64_t v = fuzz_u64(r) & ((UINT64_C(1) << (bits + 1)) - 1u);
    return (double)(int64_t)v - ldexp(1.0, bits);
}

/* The logits of one hazard shape (0 = raw finite doubles). */
static void hazard_logits(fuzz_reader *r, int shape, size_t n, double *z)
{
    double palette[3] = {fuzz_finite(r), fuzz_finite(r), fuzz_finite(r)};
    double base = fuzz_finite(r);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = fuzz_u8(r);
        switch (shape) {
        case 1: z[i] = palette[b % 3]; break;                     /* exact ties */
        case 2: z[i] = ulps_away(base, (int)(b % 16) - 8); break; /* near ties */
        case 3:                                                   /* underflow edge */
            z[i] = i == 0 ? fmod(base, 0x1p40) : fmod(base, 0x1p40) - (700.0 + (double)b / 4.0);
            break;
        default: z[i] = fuzz_finite(r); break;
        }
    }
}

/* A x of one hazard shape: 0 raw; 1 a column pair whose products cancel
 * exactly in every row (a X + b Y = 0, Y = 2^t X, b = -2^-t a) beside raw
 * columns; 2 every entry a huge common part plus a small one. */
static void hazard_affine(fuzz_reader *r, int shape, size_t n, size_t d, double *A, double *x)
{
    for (size_t k = 0; k < n * d; k++)
        A[k] = fuzz_finite(r);
    for (size_t j = 0; j < d; j++)
        x[j] = fuzz_finite(r);
    if (shape == 1 && d >= 2) {
        int t = (int)(fuzz_u8(r) % 11) - 5;
        x[0] = ldexp(1.0 + (double)fuzz_u8(r) / 256.0, (int)(fuzz_u8(r) % 200) + 250);
        x[1] = ldexp(x[0], t);
        for (size_t i = 0; i < n; i++) {
            A[i * d] = ldexp(1.0 + (double)fuzz_u8(r) / 256.0, (int)(fuzz_u8(r) % 200) + 250);
            A[i * d + 1] = -ldexp(A[i * d], -t);
        }
    } else if (shape == 2) {
        double common = ldexp(1.0, (int)(fuzz_u8(r) % 128) + 300);
        for (size_t k = 0; k < n * d; k++)
            A[k] = common + fmod(A[k], 0x1p300);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size, 0};
    uint8_t shape = fuzz_u8(&r), hazard = fuzz_u8(&r);
    size_t n = 1 + shape % MAX_N, d = 1 + (shape / MAX_N) % MAX_D;
    double z[MAX_N], zc[MAX_N], A[MAX_N * MAX_D], B[MAX_N * MAX_D], x[MAX_D], xb[MAX_D];
    double p[MAX_N], q[MAX_N], ref[MAX_N];
    int oracle = n <= ORACLE_N;

    /* softmax(z): every finite logit is accepted */
    hazard_logits(&r, hazard % 4, n, z);
    bht_status s = bht_softmax_logits(n, z, p);
    FUZZ_CHECK(s == BHT_OK, "softmax_logits n=%zu: status %d", n, (int)s);
    check_probabilities(n, p, "softmax_logits");
    if (oracle) {
        bht_status so = bht_oracle_softmax_logits(n, z, ref, NULL, NULL);
        FUZZ_CHECK(so == BHT_OK, "oracle_softmax_logits n=%zu: status %d", n, (int)so);
        check_probabilities(n, ref, "oracle_softmax_logits");
        compare(n, p, ref, "softmax_logits");
    }
    /* z + c with z and c on the grid 2^k (exact): the same bits */
    int k = (int)(fuzz_u8(&r) % 200) * 5 - 500;
    double c = ldexp(fuzz_int(&r, 50), k);
    for (size_t i = 0; i < n; i++) {
        zc[i] = ldexp(fuzz_int(&r, 40), k);
        z[i] = zc[i] + c; /* exact: |.| < 2^52 units of 2^k */
    }
    FUZZ_CHECK(bht_softmax_logits(n, z, p) == BHT_OK && bht_softmax_logits(n, zc, q) == BHT_OK,
               "softmax_logits refused a shift pair");
    same_outputs(n, p, q, "softmax(z + c)");

    /* softmax(A x): every finite A, x is accepted */
    hazard_affine(&r, (hazard / 4) % 3, n, d, A, x);
    s = bht_softmax(n, d, A, x, p);
    FUZZ_CHECK(s == BHT_OK, "softmax n=%zu d=%zu: status %d", n, d, (int)s);
    check_probabilities(n, p, "softmax");
    if (oracle) {
        bht_status so = bht_oracle_softmax(n, d, A, x, ref, NULL, NULL);
        FUZZ_CHECK(so == BHT_OK, "oracle_softmax n=%zu d=%zu: status %d", n, d, (int)so);
        check_probabilities(n, ref, "oracle_softmax");
        compare(n, p, ref, "softmax");
    }
    /* A + 1 w^T on the grid 2^k (exact), and column scaling by 2^s where
     * exact: the same bits as softmax(A x) */
    for (size_t i = 0; i < n * d; i++)
        A[i] = ldexp(fuzz_int(&r, 30), k);
    for (size_t j = 0; j < d; j++) {
        double w = ldexp(fuzz_int(&r, 40), k);
        int sc = (int)(fuzz_u8(&r) % 64) * 30 - 960;
        xb[j] = x[j];
        for (size_t i = 0; i < n; i++)
            B[i * d + j] = A[i * d + j] + w;
        int exact = isfinite(ldexp(x[j], -sc)) && ldexp(ldexp(x[j], -sc), sc) == x[j];
        for (size_t i = 0; i < n; i++) {
            double v = ldexp(B[i * d + j], sc);
            exact &= isfinite(v) && ldexp(v, -sc) == B[i * d + j];
        }
        if (exact) {
            xb[j] = ldexp(x[j], -sc);
            for (size_t i = 0; i < n; i++)
                B[i * d + j] = ldexp(B[i * d + j], sc);
        }
    }
    FUZZ_CHECK(bht_softmax(n, d, A, x, p) == BHT_OK && bht_softmax(n, d, B, xb, q) == BHT_OK,
               "softmax refused an invariance pair");
    same_outputs(n, p, q, "softmax((A + 1 w^T) Diag(2^s) x)");

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
