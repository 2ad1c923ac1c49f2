/* fixed_acc.c: long accumulator (see fixed_acc.h).  Kulisch's exact
 * accumulation (U. Kulisch, "Computer Arithmetic and Validity", 2008, ch. 8):
 * each product of two doubles is formed exactly as a 106-bit integer times a
 * power of two and added into a fixed-point register wide enough for the
 * whole exponent range, so the sum is exact whatever the cancellation. */
#include <math.h>
#include <string.h>
#include "core/fixed_acc.h"

#define WORD_MASK 0xffffffffULL
#define ACC_BITS (32 * BHT_ACC_WORDS)

void bht_acc_clear(bht_acc *a)
{
    memset(a, 0, sizeof *a);
}

/* |x| = mant 2^e with mant < 2^53 an integer (x finite, nonzero). */
static uint64_t split_double(double x, int *e)
{
    int k;
    double f = frexp(fabs(x), &k); /* f in [1/2, 1) */
    *e = k - 53;
    return (uint64_t)ldexp(f, 53);
}

/* a += (negative ? -1 : 1) q 2^(32 woff), q five words (little endian). */
static void add_words(bht_acc *a, const uint32_t q[5], int woff, int negative)
{
    uint64_t carry = 0;
    for (int j = 0; woff + j < BHT_ACC_WORDS; j++) {
        uint64_t v = j < 5 ? q[j] : 0;
        if (j >= 5 && carry == 0)
            break;
        uint32_t *w = &a->w[woff + j];
        if (!negative) {
            uint64_t t = (uint64_t)*w + v + carry;
            *w = (uint32_t)t;
            carry = t >> 32;
        } else {
            uint64_t sub = v + carry; /* <= 2^32 */
            carry = (uint64_t)*w < sub;
            *w = (uint32_t)((uint64_t)*w + (carry << 32) - sub);
        }
    }
}

void bht_acc_add_product(bht_acc *a, double x, double y, int scale)
{
    if (x == 0.0 || y == 0.0)
        return;
    int ex, ey;
    uint64_t mx = split_double(x, &ex), my = split_double(y, &ey);
    /* 106-bit product hi 2^64 + lo from 32-bit halves */
    uint64_t x0 = mx & WORD_MASK, x1 = mx >> 32, y0 = my & WORD_MASK, y1 = my >> 32;
    uint64_t p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
    uint64_t mid = (p00 >> 32) + (p01 & WORD_MASK) + (p10 & WORD_MASK);
    uint64_t lo = (p00 & WORD_MASK) | (mid << 32);
    uint64_t hi = (mid >> 32) + (p01 >> 32) + (p10 >> 32) + p11;
    long pos = (long)ex + ey + scale - BHT_ACC_LSB;
    if (pos < 0) { /* truncate the bits below the grid */
        long drop = -pos;
        uint64_t dropped;
        if (drop >= 128) {
            dropped = hi | lo;
            hi = lo = 0;
        } else if (drop >= 64) {
            dropped = lo | (drop > 64 ? hi & ((1ULL << (drop - 64)) - 1) : 0);
            lo = drop == 64 ? hi : hi >> (drop - 64);
            hi = 0;
        } else {
            dropped = lo & ((1ULL << drop) - 1);
            lo = (lo >> drop) | (hi << (64 - drop));
            hi >>= drop;
        }
        if (dropped)
            a->lost++;
        pos = 0;
    }
    const uint32_t p[4] = {(uint32_t)lo, (uint32_t)(lo >> 32), (uint32_t)hi, (uint32_t)(hi >> 32)};
    int woff = (int)(pos / 32), sh = (int)(pos % 32);
    uint32_t q[5];
    q[0] = (uint32_t)((uint64_t)p[0] << sh);
    for (int k = 1; k < 4; k++)
        q[k] = (uint32_t)(((uint64_t)p[k] << sh) | (sh ? (uint64_t)p[k - 1] >> (32 - sh) : 0));
    q[4] = sh ? (uint32_t)((uint64_t)p[3] >> (32 - sh)) : 0;
    add_words(a, q, woff, (x < 0.0) != (y < 0.0));
}

void bht_acc_add_acc(bht_acc *a, const bht_acc *b)
{
    uint64_t carry = 0;
    for (int j = 0; j < BHT_ACC_WORDS; j++) {
        uint64_t t = (uint64_t)a->w[j] + b->w[j] + carry;
        a->w[j] = (uint32_t)t;
        carry = t >> 32;
    }
    a->lost += b->lost;
}

void bht_acc_negate(bht_acc *a)
{
    uint64_t carry = 1;
    for (int j = 0; j < BHT_ACC_WORDS; j++) {
        uint64_t t = (uint64_t)(uint32_t)~a->w[j] + carry;
        a->w[j] = (uint32_t)t;
        carry = t >> 32;
    }
}

static int is_negative(const bht_acc *a)
{
    return (a->w[BHT_ACC_WORDS - 1] >> 31) != 0;
}

int bht_acc_sign(const bht_acc *a)
{
    if (is_negative(a))
        return -1;
    for (int j = 0; j < BHT_ACC_WORDS; j++)
        if (a->w[j])
            return 1;
    return 0;
}

/* |a| into m (two's complement negation when negative). */
static void magnitude(const bht_acc *a, uint32_t *m)
{
    if (!is_negative(a)) {
        memcpy(m, a->w, sizeof a->w);
        return;
    }
    uint64_t carry = 1;
    for (int j = 0; j < BHT_ACC_WORDS; j++) {
        uint64_t t = (uint64_t)(uint32_t)~a->w[j] + carry;
        m[j] = (uint32_t)t;
        carry = t >> 32;
    }
}

/* Index of the highest set bit of m, or -1. */
static int top_bit(const uint32_t *m)
{
    for (int j = BHT_ACC_WORDS - 1; j >= 0; j--)
        if (m[j])
            for (int b = 31; b >= 0; b--)
                if ((m[j] >> b) & 1u)
                    return 32 * j + b;
    return -1;
}

/* Bits lo..hi of m (hi - lo < 64) as an integer; clears them in m. */
static uint64_t take_bits(uint32_t *m, int lo, int hi)
{
    uint64_t v = 0;
    for (int b = hi; b >= lo; b--) {
        uint32_t bit = (m[b / 32] >> (b % 32)) & 1u;
        v = (v << 1) | bit;
        m[b / 32] &= ~(1u << (b % 32));
    }
    return v;
}

void bht_acc_get_parts(const bht_acc *a, int count, bht_acc_parts *out)
{
    uint32_t m[BHT_ACC_WORDS];
    magnitude(a, m);
    const double sign = is_negative(a) ? -1.0 : 1.0;
    int top = top_bit(m);
    out->count = 0;
    if (top < 0) { /* zero: the lost bits alone, in units of 2^LSB */
        out->exponent = BHT_ACC_LSB;
        out->rem = (double)a->lost;
        return;
    }
    out->exponent = top + BHT_ACC_LSB;
    int t = top;
    while (out->count < count && t >= 0 && t - top >= -1000) {
        int lo = t - 52 < 0 ? 0 : t - 52;
        uint64_t v = take_bits(m, lo, t);
        out->part[out->count++] = sign * ldexp((double)v, lo - top);
        t = top_bit(m);
    }
    out->rem = t >= 0 ? fmax(ldexp(1.0, t + 1 - top), 0x1p-1074) : 0.0;
    if (a->lost)
        out->rem += fmax(ldexp((double)a->lost, BHT_ACC_LSB - out->exponent), 0x1p-1074);
}

int bht_acc_get_fixed(const bht_acc *a, int words, uint32_t *out)
{
    uint32_t m[BHT_ACC_WORDS];
    magnitude(a, m);
    const int first = -32 * (words - 1) - BHT_ACC_LSB; /* bit of weight 2^-32(words-1) */
    if (top_bit(m) >= first + 32 * words)
        return 0;
    for (int j = 0; j < words; j++) {
        int b = first + 32 * j; /* first >= 0 for words <= 70 */
        uint64_t lo = b / 32 < BHT_ACC_WORDS ? m[b / 32] : 0;
        uint64_t hi = b / 32 + 1 < BHT_ACC_WORDS ? m[b / 32 + 1] : 0;
        int r = b % 32;
        out[j] = (uint32_t)(r ? (lo >> r) | (hi << (32 - r)) : lo);
    }
    return 1;
}
