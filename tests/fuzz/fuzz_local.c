/* fuzz_local.c: libFuzzer harness for the local analysis (paper Thm 3.5,
 * 4.3): bht_nu_softmax / bht_oracle_nu_softmax and bht_nu_leverage /
 * bht_oracle_nu_leverage.  Bytes -> model (softmax or leverage), n <= 6,
 * d <= 3, A, M and the query (x, or s).  Properties: no crash; only
 * documented statuses; when both answer: nu >= 0 and local_constant >= 0
 * (softmax: local_constant = nu/8), every value finite, the kernel within
 * 16 ulp of the oracle (bht.h) -- a softmax derivative component also
 * within the documented absolute term 2^-100 p_i max_j |g_j - <p, g>|,
 * bounded here by 2^-95 p_i max_j |g_j| with p from the oracle; for the
 * leverage model the kernel must not answer when the exact oracle finds A
 * rank deficient. */
#include "fuzz_common.h"

enum { MAX_N = 6, MAX_D = 3 };

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

static void softmax_case(fuzz_reader *r, size_t n, size_t d)
{
    double A[MAX_N * MAX_D], M[MAX_N * MAX_D], x[MAX_D], dk[MAX_N], dor[MAX_N], p[MAX_N];
    for (size_t k = 0; k < n * d; k++) {
        A[k] = fuzz_finite(r);
        M[k] = fuzz_finite(r);
    }
    for (size_t j = 0; j < d; j++)
        x[j] = fuzz_finite(r);
    bht_local_result k, o;
    bht_status sk = bht_nu_softmax(n, d, A, M, x, &k, dk);
    FUZZ_CHECK(sk == BHT_OK || sk == BHT_E_RANGE, "nu_softmax: status %d", (int)sk);
    bht_status so = bht_oracle_nu_softmax(n, d, A, M, x, &o, dor, NULL, NULL);
    FUZZ_CHECK(so == BHT_OK || so == BHT_E_PRECISION, "oracle_nu_softmax: status %d", (int)so);
    if (so == BHT_OK && o.nu >= 0x1p-1019 && isfinite(o.nu)) /* nu/8 may be finite */
        FUZZ_CHECK(o.local_constant == o.nu / 8.0, "oracle local constant %a, nu %a",
                   o.local_constant, o.nu);
    if (sk != BHT_OK || so != BHT_OK)
        return;
    check_pair(&k, &o, "softmax");
    if (bht_oracle_softmax(n, d, A, x, p, NULL, NULL) != BHT_OK)
        return;
    double gmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        double g = 0.0;
        for (size_t j = 0; j < d; j++)
            g += fabs(M[i * d + j] * x[j]);
        gmax = fmax(gmax, g);
    }
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(isfinite(dk[i]), "derivative_%zu = %a", i, dk[i]);
        double slack = 0x1p-95 * p[i] * gmax * 1.5 + 0x1p-1070;
        FUZZ_CHECK(fuzz_close(dk[i], dor[i], 16.0, slack),
                   "softmax derivative_%zu = %a, oracle %a (slack %a)", i, dk[i], dor[i], slack);
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
    if (sk != BHT_OK || so != BHT_OK)
        return;
    check_pair(&k, &o, "leverage");
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(fuzz_close(dk[i], dor[i], 16.0, 0.0),
                   "leverage derivative_%zu = %a, oracle %a", i, dk[i], dor[i]);
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
