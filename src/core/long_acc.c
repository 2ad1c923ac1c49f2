/* long_acc.c: the exact long accumulator (see long_acc.h).  Integer code on
 * uint64_t words (wrap-around is the intended carry arithmetic); ACSL for
 * Frama-C/WP (proofs/proofs.mk): memory safety, no run-time error, the word
 * and bit index ranges.  That the integer operations implement exact
 * addition and correct rounding is checked against MPFR by
 * tests/core/test_long_acc.c (exact sums at 4600 bits). */
#include <math.h>
#include "core/long_acc.h"

#define WORDS BHT_LONG_ACC_WORDS
#define BIAS BHT_LONG_ACC_BIAS
/* Bit index of the least subnormal 2^-1074 when scale = 0. */
#define SUBNORMAL_LSB (BIAS - 1074)

/* frexp(|v|): the mantissa in [1/2, 1) (0 for v = 0) and the exponent.  The
 * exponent range is trusted (Frama-C's frexp contract does not bound it;
 * proofs/TRUSTED_BASE.md, row F5): 2^-1074 <= |v| <= DBL_MAX gives e in
 * [-1073, 1024], and v = 0 gives e = 0. */
/*@ requires finite: \is_finite(v);
    requires valid: \valid(e);
    assigns *e;
    ensures mantissa: \is_finite(\result) && 0 <= \result < 1;
    admit ensures exponent_range: -1073 <= *e <= 1024;
*/
static double frexp_abs(double v, int *e)
{
    return frexp(fabs(v), e);
}

/* |v| = *mant 2^*exp with *mant an integer below 2^53: frexp's mantissa
 * times 2^53 is exact and an integer for every finite double (for
 * subnormals frexp's exponent is at most -1022, and v is a multiple of
 * 2^-1074). */
/*@ requires finite: \is_finite(v);
    requires valid: \valid(mant) && \valid(exp) && \separated(mant, exp);
    assigns *mant, *exp;
    ensures exp_range: -1126 <= *exp <= 971;
*/
static void split_double(double v, uint64_t *mant, int *exp)
{
    int e = 0;
    double m = frexp_abs(v, &e);
    double scaled = m * 0x1p53;
    //@ assert scaled_range: 0 <= scaled <= 0x1p53;
    *mant = (uint64_t)scaled;
    *exp = e - 53;
}

/* (*hi 2^64 + *lo) = a b for a, b < 2^53 (schoolbook on 32-bit halves:
 * the middle sum is below 2^54, so nothing is lost). */
/*@ requires valid: \valid(hi) && \valid(lo) && \separated(hi, lo);
    assigns *hi, *lo;
*/
static void mul_53x53(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = p01 + p10;
    uint64_t low = p00 + (mid << 32);
    uint64_t carry = low < p00 ? 1u : 0u;
    *hi = p11 + (mid >> 32) + carry;
    *lo = low;
}

/* *word += v + *carry modulo 2^64, *carry = the carry out (0 or 1).  The
 * two wrap-arounds follow from spec/c_unsigned.h (C's unsigned arithmetic,
 * TRUSTED_BASE F7). */
/*@ requires valid: \valid(word) && \valid(carry) && \separated(word, carry);
    requires carry_bit: *carry <= 1;
    assigns *word, *carry;
    ensures carry_bit: *carry <= 1;
    ensures exact: *word + 18446744073709551616 * *carry == \old(*word) + v + \old(*carry);
*/
static void add_with_carry(uint64_t *word, uint64_t v, uint64_t *carry)
{
    uint64_t s = *word + v;
    /*@ assert s_wraps: s == (\at(*word, Pre) + v < 18446744073709551616 ? \at(*word, Pre) + v
                             : \at(*word, Pre) + v - 18446744073709551616); */
    uint64_t c = s < v ? 1u : 0u;
    //@ assert c_first: s + 18446744073709551616 * c == \at(*word, Pre) + v;
    uint64_t t = s + *carry;
    //@ assert t_wraps: t == (s + *carry < 18446744073709551616 ? s + *carry : 0);
    if (t < s)
        c = 1u;
    //@ assert c_second: t + 18446744073709551616 * c == \at(*word, Pre) + v + *carry;
    *word = t;
    *carry = c;
}

/* *word -= v + *borrow modulo 2^64, *borrow = the borrow out (0 or 1); the
 * wrap-arounds as in add_with_carry (TRUSTED_BASE F7). */
/*@ requires valid: \valid(word) && \valid(borrow) && \separated(word, borrow);
    requires borrow_bit: *borrow <= 1;
    assigns *word, *borrow;
    ensures borrow_bit: *borrow <= 1;
    ensures exact: *word - 18446744073709551616 * *borrow == \old(*word) - v - \old(*borrow);
*/
static void sub_with_borrow(uint64_t *word, uint64_t v, uint64_t *borrow)
{
    uint64_t d = *word - v;
    //@ assert d_wraps: d == (\at(*word, Pre) >= v ? \at(*word, Pre) - v : \at(*word, Pre) - v + 18446744073709551616);
    uint64_t b = *word < v ? 1u : 0u;
    //@ assert b_first: d - 18446744073709551616 * b == \at(*word, Pre) - v;
    uint64_t e = d - *borrow;
    //@ assert e_wraps: e == (d >= *borrow ? d - *borrow : 18446744073709551615);
    if (d < *borrow)
        b = 1u;
    //@ assert b_second: e - 18446744073709551616 * b == \at(*word, Pre) - v - *borrow;
    *word = e;
    *borrow = b;
}

/* words[w .. w+2] += (p2 2^128 + p1 2^64 + p0), the carry propagated
 * upward.  A carry out of the top word cannot occur for the sums the
 * library forms (long_acc.h); it would be dropped.  Returns the highest
 * word written. */
/*@ requires valid: \valid(words + (0 .. WORDS - 1));
    requires index: 0 <= w <= WORDS - 3;
    assigns words[w .. WORDS - 1];
    ensures range: w + 2 <= \result < WORDS;
*/
static int add_words(uint64_t *words, int w, uint64_t p0, uint64_t p1, uint64_t p2)
{
    uint64_t carry = 0;
    add_with_carry(&words[w], p0, &carry);
    add_with_carry(&words[w + 1], p1, &carry);
    add_with_carry(&words[w + 2], p2, &carry);
    int k = w + 3;
    /*@ loop invariant index: w + 3 <= k <= WORDS;
        loop invariant carry_bit: carry <= 1;
        loop assigns k, carry, words[w + 3 .. WORDS - 1];
        loop variant WORDS - k;
    */
    while (carry != 0 && k < WORDS) {
        words[k] += 1u;
        carry = words[k] == 0 ? 1u : 0u;
        k++;
    }
    return k - 1;
}

/* acc += (-1)^negative (hi 2^64 + lo) 2^(pos - BIAS). */
/*@ requires ok: long_acc_ok(acc);
    requires position: 0 <= pos <= 64 * (WORDS - 3) + 63;
    assigns *acc;
    ensures ok: long_acc_ok(acc);
*/
static void add_bits(bht_long_acc *acc, int negative, uint64_t hi, uint64_t lo, int pos)
{
    int w = pos / 64, s = pos % 64;
    uint64_t p0 = lo, p1 = hi, p2 = 0;
    if (s != 0) {
        p0 = lo << s;
        p1 = (hi << s) | (lo >> (64 - s));
        p2 = hi >> (64 - s);
    }
    uint64_t *words = negative ? acc->neg : acc->pos;
    int top = add_words(words, w, p0, p1, p2);
    if (w < acc->bottom)
        acc->bottom = w;
    if (top > acc->top)
        acc->top = top;
}

void bht_long_acc_init(bht_long_acc *acc)
{
    /*@ loop invariant index: 0 <= k <= WORDS;
        loop assigns k, acc->pos[0 .. WORDS - 1], acc->neg[0 .. WORDS - 1];
        loop variant WORDS - k;
    */
    for (int k = 0; k < WORDS; k++) {
        acc->pos[k] = 0;
        acc->neg[k] = 0;
    }
    acc->bottom = WORDS - 1;
    acc->top = 0;
}

void bht_long_acc_reset(bht_long_acc *acc)
{
    /*@ loop invariant index: acc->bottom <= k <= acc->top + 1 || k == acc->bottom;
        loop assigns k, acc->pos[0 .. WORDS - 1], acc->neg[0 .. WORDS - 1];
        loop variant acc->top + 1 - k;
    */
    for (int k = acc->bottom; k <= acc->top; k++) {
        acc->pos[k] = 0;
        acc->neg[k] = 0;
    }
    acc->bottom = WORDS - 1;
    acc->top = 0;
}

void bht_long_acc_add(bht_long_acc *acc, double v)
{
    if (v == 0.0)
        return;
    uint64_t mant;
    int exp;
    split_double(v, &mant, &exp);
    add_bits(acc, v < 0.0, 0, mant, exp + BIAS);
}

void bht_long_acc_add_product(bht_long_acc *acc, double a, double b)
{
    if (a == 0.0 || b == 0.0)
        return;
    uint64_t ma, mb, hi, lo;
    int ea, eb;
    split_double(a, &ma, &ea);
    split_double(b, &mb, &eb);
    mul_53x53(ma, mb, &hi, &lo);
    add_bits(acc, (a < 0.0) != (b < 0.0), hi, lo, ea + eb + BIAS);
}

void bht_long_acc_sub(bht_long_acc *acc, double v)
{
    bht_long_acc_add(acc, -v);
}

void bht_long_acc_add_product_difference(bht_long_acc *acc, double a, double b, double x)
{
    if (a == b)
        return;
    bht_long_acc_add_product(acc, a, x);
    bht_long_acc_add_product(acc, -b, x);
}

/* Makes one of pos, neg zero (the larger minus the smaller; the value is
 * unchanged) and returns the sign of the value. */
/*@ requires ok: long_acc_ok(acc);
    assigns acc->pos[0 .. WORDS - 1], acc->neg[0 .. WORDS - 1];
    ensures ok: long_acc_ok(acc);
    ensures sign: -1 <= \result <= 1;
*/
static int normalize(bht_long_acc *acc)
{
    int cmp = 0;
    /*@ loop invariant index: acc->bottom - 1 <= k <= acc->top || k == acc->top;
        loop invariant cmp_range: -1 <= cmp <= 1;
        loop assigns k, cmp;
        loop variant k + 1;
    */
    for (int k = acc->top; k >= acc->bottom && cmp == 0; k--) {
        if (acc->pos[k] != acc->neg[k])
            cmp = acc->pos[k] > acc->neg[k] ? 1 : -1;
    }
    uint64_t *big = cmp >= 0 ? acc->pos : acc->neg;
    uint64_t *small = cmp >= 0 ? acc->neg : acc->pos;
    uint64_t borrow = 0;
    /*@ loop invariant index: acc->bottom <= k <= acc->top + 1 || k == acc->bottom;
        loop invariant borrow_bit: borrow <= 1;
        loop assigns k, borrow, acc->pos[0 .. WORDS - 1], acc->neg[0 .. WORDS - 1];
        loop variant acc->top + 1 - k;
    */
    for (int k = acc->bottom; k <= acc->top; k++) {
        sub_with_borrow(&big[k], small[k], &borrow);
        small[k] = 0;
    }
    return cmp;
}

int bht_long_acc_sign(bht_long_acc *acc)
{
    return normalize(acc);
}

/* The 64 bits of words at indices q .. q + 63 (bits beyond the top word
 * read as zero). */
/*@ requires valid: \valid_read(words + (0 .. WORDS - 1));
    requires index: 0 <= q < 64 * WORDS;
    assigns \nothing;
*/
static uint64_t bits_at(const uint64_t *words, int q)
{
    int w = q / 64, s = q % 64;
    uint64_t v = words[w] >> s;
    if (s != 0 && w + 1 < WORDS)
        v |= words[w + 1] << (64 - s);
    return v;
}

/* 1 when some bit of index below r is set (words below `from` are zero). */
/*@ requires valid: \valid_read(words + (0 .. WORDS - 1));
    requires index: 0 <= r < 64 * WORDS;
    requires from_range: 0 <= from < WORDS;
    assigns \nothing;
    ensures boolean: \result == 0 || \result == 1;
*/
static int any_bits_below(const uint64_t *words, int r, int from)
{
    int w = r / 64, s = r % 64;
    /*@ loop invariant index: from <= k <= w || k == from;
        loop assigns k;
        loop variant w - k;
    */
    for (int k = from; k < w; k++)
        if (words[k] != 0)
            return 1;
    return (words[w] & ((UINT64_C(1) << s) - 1u)) != 0 ? 1 : 0;
}

/* Index (0 .. 63) of the leading bit of a nonzero word (0 for zero). */
/*@ assigns \nothing;
    ensures range: 0 <= \result <= 63;
*/
static int leading_bit(uint64_t v)
{
    int b = 63;
    /*@ loop invariant range: 0 <= b <= 63;
        loop assigns b;
        loop variant b;
    */
    while (b > 0 && (v >> b) == 0)
        b--;
    return b;
}

/* (-1)^negative m 2^e for an integer m <= 2^53 (converted exactly): exact
 * whenever m 2^e is a double (the caller rounds m first), +-infinity beyond
 * DBL_MAX (the IEEE 754 overflow).  Not in the WP scope: its result may be
 * infinite, and Frama-C's ldexp contract states no value; the contract
 * below (only `assigns errno`) is assumed, and tests/core/test_long_acc.c checks
 * the value against MPFR (proofs/TRUSTED_BASE.md, row F6). */
/*@ assigns errno; */
static double scale_integer(int negative, uint64_t m, int e)
{
    double v = ldexp((double)m, e);
    return negative ? -v : v;
}

/* Round to nearest even at bit index q (the lsb of the result): q is the
 * larger of lead - 52 (53 significant bits) and the index of 2^-1074
 * (subnormal grid), both shifted by scale. */
double bht_long_acc_round(bht_long_acc *acc, int scale)
{
    int sign = normalize(acc);
    if (sign == 0)
        return 0.0;
    const uint64_t *mag = sign > 0 ? acc->pos : acc->neg;
    int t = acc->top;
    /*@ loop invariant index: acc->bottom <= t <= acc->top || t == acc->top;
        loop assigns t;
        loop variant t;
    */
    while (t > acc->bottom && mag[t] == 0)
        t--;
    int lead = 64 * t + leading_bit(mag[t]);
    int q = lead - 52;
    int subnormal_lsb = SUBNORMAL_LSB - scale;
    if (q < subnormal_lsb)
        q = subnormal_lsb;
    uint64_t m = bits_at(mag, q);
    uint64_t round_bit = bits_at(mag, q - 1) & 1u;
    int sticky = any_bits_below(mag, q - 1, acc->bottom);
    if (round_bit != 0 && (sticky || (m & 1u) != 0))
        m += 1u;
    return scale_integer(sign < 0, m, q - BIAS + scale);
}
