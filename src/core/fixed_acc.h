/* fixed_acc.h: a long (Kulisch) accumulator for exact sums of products of
 * doubles, used by the exact paths of the local softmax analysis
 * (local_softmax_exact.c).  Not part of the public API.
 *
 * Fixed point, two's complement, 32-bit words: bit b has weight
 * 2^(b + BHT_ACC_LSB).  Every product of two finite doubles times 2^s with
 * -8600 <= s <= 0 lies on that grid and below 2^2049, and a sum of up to
 * 2^60 such products cannot reach the sign bit: adding them is exact (the
 * low end leaves room for e^t down to e^-4096 times the spread of 2^-G
 * scaled products in local_softmax_exact.c).
 * Bits below 2^BHT_ACC_LSB (only from a negative scale) are truncated, and
 * each truncating addition is counted in `lost` (error < 2^BHT_ACC_LSB per
 * addition). */
#ifndef BHT_FIXED_ACC_H
#define BHT_FIXED_ACC_H

#include <stdint.h>

#define BHT_ACC_LSB (-10816)
#define BHT_ACC_WORDS 405 /* 12960 bits: 2^-10816 ... 2^2143 and the sign */
#define BHT_ACC_PARTS 5

typedef struct bht_acc {
    uint32_t w[BHT_ACC_WORDS];
    unsigned long lost; /* truncating additions, each off by < 2^BHT_ACC_LSB */
} bht_acc;

/* The value as parts[0..count-1] 2^exponent (+ a remainder): parts[0] in
 * [1, 2) in magnitude (with the value's sign), later parts lower bits of the
 * same sign, each exact, truncated (not rounded); |value 2^-exponent -
 * sum parts| <= rem (rem = 0: exact, lost bits included). */
typedef struct bht_acc_parts {
    double part[BHT_ACC_PARTS];
    int count, exponent;
    double rem;
} bht_acc_parts;

void bht_acc_clear(bht_acc *a);
/* a += x y 2^scale (exact when no bit falls below 2^BHT_ACC_LSB). */
void bht_acc_add_product(bht_acc *a, double x, double y, int scale);
/* a += b (exact; lost counts add up). */
void bht_acc_add_acc(bht_acc *a, const bht_acc *b);
/* a = -a (exact). */
void bht_acc_negate(bht_acc *a);
/* -1, 0 or 1 (0: every bit is zero). */
int bht_acc_sign(const bht_acc *a);
/* Leading parts (count <= BHT_ACC_PARTS) of the value, see bht_acc_parts. */
void bht_acc_get_parts(const bht_acc *a, int count, bht_acc_parts *out);
/* |value| truncated to the fixed-point grid 2^-32(words-1): out[0] is the
 * least significant word, out[words-1] the integer part (must be < 2^32;
 * returns 0 if |value| >= 2^32, else 1). */
int bht_acc_get_fixed(const bht_acc *a, int words, uint32_t *out);

#endif
