/* exp_fixed.c: e^-a in fixed point with 320 fraction bits (exp_fixed.h).
 *
 * Algorithm: k = the integer with k ln2 - a in [0, ln2) (ln2 truncated to
 * 320 bits), r = k ln2 - a, then e^-a = 2^-k e^r with e^r = (e^(r/2^8))^(2^8):
 * the Taylor series of e^y, y = r/2^8 < 2^-8.5, to degree 26 by Horner
 * (s = 1 + y s / j), then eight squarings.  Every operation truncates
 * (rounds down) on the 2^-320 grid.  Error (u = 2^-320, all one-sided):
 *   r: ln2's truncation times k <= 2^12 gives |r - r*| <= 2^12 u;
 *   y: + u;  Horner: each step truncates twice (2u) and the earlier error is
 *   multiplied by y/j < 1: <= 2 26 u; series tail y^27/27! < 2^-322;
 *   so e^y is known to < 2^-313 relative; each squaring doubles the
 *   relative error and adds u: after eight, < 2^8 (2^-313 + u) + 2^12 u
 *   (from r) < 2^-304.
 * The 53-bit truncations of the output parts add < 2^-264. */
#include <math.h>
#include <string.h>
#include "core/exp_fixed.h"

#define FW BHT_FIX_WORDS /* words; the top one is the integer part */
#define TAYLOR_DEGREE 26
#define SQUARINGS 8

typedef uint32_t fix[FW];

/* ln 2 truncated to 320 bits (mpmath at 400 bits; checked against MPFR in
 * tests/nu/test_local_softmax.c through the exponential). */
static const fix LN2 = {0x6debac98u, 0xe7b87620u, 0x8baafa2bu, 0x8a0d175bu,
                        0x7298b62du, 0x40f34326u, 0x03f2f6afu, 0xc9e3b398u,
                        0xd1cf79abu, 0xb17217f7u, 0x00000000u};

static int fix_cmp(const fix x, const fix y)
{
    for (int j = FW - 1; j >= 0; j--)
        if (x[j] != y[j])
            return x[j] < y[j] ? -1 : 1;
    return 0;
}

static void fix_add(const fix x, const fix y, fix r)
{
    uint64_t carry = 0;
    for (int j = 0; j < FW; j++) {
        uint64_t t = (uint64_t)x[j] + y[j] + carry;
        r[j] = (uint32_t)t;
        carry = t >> 32;
    }
}

/* r = x - y for x >= y. */
static void fix_sub(const fix x, const fix y, fix r)
{
    uint64_t borrow = 0;
    for (int j = 0; j < FW; j++) {
        uint64_t sub = (uint64_t)y[j] + borrow;
        borrow = (uint64_t)x[j] < sub;
        r[j] = (uint32_t)((uint64_t)x[j] + (borrow << 32) - sub);
    }
}

/* r = x k (exact while it stays below 2^32). */
static void fix_mul_small(const fix x, uint32_t k, fix r)
{
    uint64_t carry = 0;
    for (int j = 0; j < FW; j++) {
        uint64_t t = (uint64_t)x[j] * k + carry;
        r[j] = (uint32_t)t;
        carry = t >> 32;
    }
}

/* r = x / k truncated. */
static void fix_div_small(const fix x, uint32_t k, fix r)
{
    uint64_t rem = 0;
    for (int j = FW - 1; j >= 0; j--) {
        uint64_t cur = (rem << 32) | x[j];
        r[j] = (uint32_t)(cur / k);
        rem = cur % k;
    }
}

/* r = x y truncated (the product must be below 2^32). */
static void fix_mul(const fix x, const fix y, fix r)
{
    uint32_t full[2 * FW];
    memset(full, 0, sizeof full);
    for (int i = 0; i < FW; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < FW; j++) {
            uint64_t t = (uint64_t)x[i] * y[j] + full[i + j] + carry;
            full[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        full[i + FW] = (uint32_t)carry;
    }
    memcpy(r, full + FW - 1, FW * sizeof *r);
}

/* r = x / 2^s truncated, 0 < s < 32. */
static void fix_shift_right(const fix x, int s, fix r)
{
    for (int j = 0; j < FW; j++) {
        uint64_t hi = j + 1 < FW ? x[j + 1] : 0;
        r[j] = (uint32_t)(((uint64_t)x[j] >> s) | (hi << (32 - s)));
    }
}

static double fix_to_double(const fix x) /* approximate */
{
    return (double)x[FW - 1] + ldexp((double)x[FW - 2], -32) + ldexp((double)x[FW - 3], -64);
}

/* Bits [hi - 52, hi] of x (bit 0 = least significant) as an integer. */
static uint64_t fix_bits(const fix x, int hi)
{
    uint64_t v = 0;
    for (int b = hi; b > hi - 53; b--)
        v = (v << 1) | (b >= 0 ? (x[b / 32] >> (b % 32)) & 1u : 0u);
    return v;
}

void bht_exp_fixed_neg(const uint32_t a[BHT_FIX_WORDS], double part[BHT_EXP_FIXED_PARTS], int *k)
{
    fix K, r, y, s, t, one;
    memset(one, 0, sizeof one);
    one[FW - 1] = 1;
    int kk = (int)ceil(fix_to_double(a) / 0x1.62e42fefa39efp-1);
    if (kk < 0)
        kk = 0;
    fix_mul_small(LN2, (uint32_t)kk, K);
    while (fix_cmp(K, a) < 0) { /* k ln2 < a: one more */
        fix_add(K, LN2, K);
        kk++;
    }
    fix_sub(K, a, r);
    while (fix_cmp(r, LN2) >= 0) { /* r >= ln2: one less */
        fix_sub(r, LN2, r);
        kk--;
    }
    fix_shift_right(r, SQUARINGS, y);
    memcpy(s, one, sizeof s);
    for (uint32_t j = TAYLOR_DEGREE; j >= 1; j--) {
        fix_mul(y, s, t);
        fix_div_small(t, j, t);
        fix_add(one, t, s);
    }
    for (int q = 0; q < SQUARINGS; q++) {
        fix_mul(s, s, t);
        memcpy(s, t, sizeof s);
    }
    /* s in [1, 2): bit 320 is the integer bit */
    const int top = 32 * (FW - 1);
    for (int p = 0; p < BHT_EXP_FIXED_PARTS; p++)
        part[p] = ldexp((double)fix_bits(s, top - 53 * p), -53 * p - 52);
    *k = kk;
}
