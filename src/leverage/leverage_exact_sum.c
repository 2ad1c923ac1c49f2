/* leverage_exact_sum.c: the long accumulator of leverage_exact_sum.h.
 *
 * Algorithm (Kulisch's exact dot product, in software): every term
 * x y 2^e is split exactly into p + r with p = RN(fx fy), r = fx fy - p
 * (TwoProduct of the frexp mantissas fx, fy in [1/2, 1): no underflow, no
 * overflow, both exact multiples of 2^-106), and each of p, r is added as a
 * 53-bit integer at its bit position into base-2^32 digits kept in int64
 * (at most 2^21 added per digit before the carries are propagated, far
 * below 2^63).  The window spans the terms' exponents plus 160 bits below
 * (the lowest bit of any r) and 64 above (carries), so the digit sum is the
 * exact value.  After carry propagation the top five nonzero digits (160
 * bits) are added exactly into a double-double: relative error <= 2^-104
 * from the dd rounding and the 2^-128 of the digits left out.  Zero is
 * exact: all digits vanish iff the sum is 0. */
#include "leverage/leverage_exact_sum.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include "core/dd.h"

#define DIGIT_BITS 32
#define DIGIT_MASK ((int64_t)0xffffffff)

void bht__lev_sum_init(lev_sum *s)
{
    s->digit = NULL;
    s->capacity = 0;
}

void bht__lev_sum_free(lev_sum *s)
{
    free(s->digit);
    bht__lev_sum_init(s);
}

/* Adds the double v 2^e (v finite, nonzero) at bit position e - base. */
static void add_double(int64_t *digit, long base, double v, long e)
{
    int ev;
    double fv = frexp(v, &ev);            /* |fv| in [1/2, 1) */
    int64_t m = (int64_t)ldexp(fv, 53);   /* exact: |m| < 2^53 */
    long pos = (long)ev - 53 + e - base; /* >= 0 by the window choice */
    size_t q = (size_t)(pos / DIGIT_BITS);
    int o = (int)(pos % DIGIT_BITS);
    uint64_t mag = (uint64_t)(m < 0 ? -m : m);
    uint64_t low = (mag & 0xffffffffu) << o; /* < 2^63 */
    uint64_t high = (mag >> 32) << o;        /* < 2^52 */
    int64_t d0 = (int64_t)(low & 0xffffffffu);
    int64_t d1 = (int64_t)(low >> 32) + (int64_t)(high & 0xffffffffu);
    int64_t d2 = (int64_t)(high >> 32);
    if (m < 0) {
        d0 = -d0;
        d1 = -d1;
        d2 = -d2;
    }
    digit[q] += d0;
    digit[q + 1] += d1;
    digit[q + 2] += d2;
}

/* Carry propagation: digits 0 .. count-2 into [0, 2^32), the signed rest in
 * the top digit. */
static void propagate(int64_t *digit, size_t count)
{
    for (size_t i = 0; i + 1 < count; i++) {
        int64_t r = digit[i] & DIGIT_MASK; /* two's complement: the residue mod 2^32 */
        digit[i + 1] += (digit[i] - r) / ((int64_t)1 << DIGIT_BITS);
        digit[i] = r;
    }
}

bht_status bht__lev_sum_exact(lev_sum *s, const lev_term *terms, size_t count, double *hi,
                         double *lo, long *exponent)
{
    *hi = *lo = 0.0;
    *exponent = 0;
    long emin = LONG_MAX, emax = LONG_MIN;
    for (size_t k = 0; k < count; k++) {
        if (terms[k].x == 0.0 || terms[k].y == 0.0)
            continue;
        int ex, ey;
        (void)frexp(terms[k].x, &ex);
        (void)frexp(terms[k].y, &ey);
        long e = terms[k].e + ex + ey;
        emin = e < emin ? e : emin;
        emax = e > emax ? e : emax;
    }
    if (emin == LONG_MAX)
        return BHT_OK; /* every term is 0 */
    /* window: bits [base, top); base a multiple of the digit size */
    long base = emin - 160;
    base -= ((base % DIGIT_BITS) + DIGIT_BITS) % DIGIT_BITS;
    long top = emax + 64;
    size_t digits = (size_t)((top - base) / DIGIT_BITS) + 4;
    if (digits > s->capacity) {
        int64_t *grown = realloc(s->digit, digits * sizeof *grown);
        if (!grown)
            return BHT_E_NOMEM;
        s->digit = grown;
        s->capacity = digits;
    }
    int64_t *digit = s->digit;
    for (size_t i = 0; i < digits; i++)
        digit[i] = 0;
    size_t since_carry = 0;
    for (size_t k = 0; k < count; k++) {
        if (terms[k].x == 0.0 || terms[k].y == 0.0)
            continue;
        int ex, ey;
        double fx = frexp(terms[k].x, &ex), fy = frexp(terms[k].y, &ey);
        double r;
        double p = two_prod(fx, fy, &r); /* exact: fx fy in [1/4, 1) */
        long e = terms[k].e + ex + ey;
        add_double(digit, base, p, e);
        if (r != 0.0)
            add_double(digit, base, r, e);
        if (++since_carry == ((size_t)1 << 20)) {
            propagate(digit, digits);
            since_carry = 0;
        }
    }
    propagate(digit, digits);
    int negative = digit[digits - 1] < 0;
    if (negative) {
        for (size_t i = 0; i < digits; i++)
            digit[i] = -digit[i];
        propagate(digit, digits);
    }
    size_t t = digits;
    while (t > 0 && digit[t - 1] == 0)
        t--;
    if (t == 0)
        return BHT_OK; /* exactly 0 */
    t--; /* top nonzero digit */
    /* S = sum_{j=0..4} digit[t-j] 2^(32(4-j)) < 2^160, summed exactly into dd
     * up to the final renormalisation (every partial sum is exact in two
     * doubles but the last: rounding <= 2^-106 relative) */
    double sh = 0.0, sl = 0.0;
    for (int j = 0; j < 5; j++) {
        if ((size_t)j > t)
            break;
        double part = ldexp((double)digit[t - (size_t)j], DIGIT_BITS * (4 - j));
        double err;
        sh = two_sum(sh, part, &err);
        sl += err;
    }
    sh = fast_two_sum(sh, sl, &sl);
    int e;
    (void)frexp(sh, &e);
    *hi = ldexp(sh, 1 - e); /* in [1, 2) */
    *lo = ldexp(sl, 1 - e);
    if (negative) {
        *hi = -*hi;
        *lo = -*lo;
    }
    *exponent = (e - 1) + base + (long)DIGIT_BITS * ((long)t - 4);
    return BHT_OK;
}
