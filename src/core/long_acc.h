/* long_acc.h: exact sums of doubles and of products of two doubles in a
 * long fixed-point accumulator (Kulisch's exact dot product: U. Kulisch,
 * "Computer Arithmetic and Validity", de Gruyter 2013, ch. 8).
 *
 * Every finite double is m 2^e with an integer m < 2^53 and -1126 <= e <= 971
 * (frexp's form, subnormals included), so a product of two doubles is an
 * integer below 2^106 times 2^e, -2252 <= e <= 1942: its bits lie between
 * 2^-2252 and 2^2048.  The accumulator holds two unsigned integers (the sums
 * of the positive and of the negative terms) of BHT_LONG_ACC_WORDS 64-bit
 * words, bit 0 of word 0 weighing 2^-BHT_LONG_ACC_BIAS: 4480 bits, from
 * 2^-2252 to 2^2227, so up to 2^150 products are added without overflow
 * (every sum the library forms has at most 2^29 terms).  Addition is exact
 * integer addition; the value is rounded only when read
 * (bht_long_acc_round: round to nearest even, subnormals and overflow to
 * infinity as IEEE 754 binary64).  Integer code only: WP proves memory
 * safety, absence of run-time errors and the word-index ranges
 * (proofs/proofs.mk); one frexp fact is admitted (proofs/TRUSTED_BASE.md). */
#ifndef BHT_LONG_ACC_H
#define BHT_LONG_ACC_H

#include <errno.h>
#include <stdint.h>

#define BHT_LONG_ACC_WORDS 70
#define BHT_LONG_ACC_BIAS 2252

typedef struct bht_long_acc {
    uint64_t pos[BHT_LONG_ACC_WORDS]; /* sum of the positive terms */
    uint64_t neg[BHT_LONG_ACC_WORDS]; /* sum of the magnitudes of the negative terms */
    int bottom, top; /* every word outside [bottom, top] is zero in both */
} bht_long_acc;

/*@ predicate long_acc_ok(bht_long_acc *acc) =
      \valid(acc) && 0 <= acc->bottom < BHT_LONG_ACC_WORDS
      && 0 <= acc->top < BHT_LONG_ACC_WORDS;

*/

/*@ axiomatic LongAccValue {
      // The exact value held: sum over the words w of (pos[w] - neg[w])
      // 2^(64 w - BHT_LONG_ACC_BIAS).  Declared, not defined, so that no
      // prover unfolds the 70 words; the `admit ensures` clauses below that
      // mention it are leaf facts (proofs/TRUSTED_BASE.md, LA1-LA7), checked
      // against MPFR by calling the functions (tests/core/test_long_acc.c,
      // tests/proofs/test_trusted_softmax.c).
      logic real long_acc_value{L}(bht_long_acc *acc) reads *acc;
    }
*/

/* acc = 0 (every word; use once on a fresh accumulator). */
/*@ requires valid: \valid(acc);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    admit ensures zero: long_acc_value(acc) == 0;
*/
void bht_long_acc_init(bht_long_acc *acc);

/* acc = 0 (only the words touched since the last reset). */
/*@ requires ok: long_acc_ok(acc);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    admit ensures zero: long_acc_value(acc) == 0;
*/
void bht_long_acc_reset(bht_long_acc *acc);

/* acc += v exactly, for a finite double v. */
/*@ requires ok: long_acc_ok(acc);
    requires finite: \is_finite(v);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    admit ensures exact: long_acc_value(acc) == \old(long_acc_value(acc)) + v;
*/
void bht_long_acc_add(bht_long_acc *acc, double v);

/* acc += a b exactly (no rounding, no underflow, no overflow), for finite
 * doubles a and b. */
/*@ requires ok: long_acc_ok(acc);
    requires finite: \is_finite(a) && \is_finite(b);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    admit ensures exact: long_acc_value(acc) == \old(long_acc_value(acc)) + a * b;
*/
void bht_long_acc_add_product(bht_long_acc *acc, double a, double b);

/* acc -= v exactly, for a finite double v (leaf LA6 of proofs/TRUSTED_BASE.md:
 * not in WP_FUNCTIONS, its contract is assumed). */
/*@ requires ok: long_acc_ok(acc);
    requires finite: \is_finite(v);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    admit ensures exact: long_acc_value(acc) == \old(long_acc_value(acc)) - v;
*/
void bht_long_acc_sub(bht_long_acc *acc, double v);

/* acc += (a - b) x exactly, for finite doubles a, b, x: nothing when a == b,
 * else the products a x and -b x (leaf LA7, contract assumed). */
/*@ requires ok: long_acc_ok(acc);
    requires finite: \is_finite(a) && \is_finite(b) && \is_finite(x);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    admit ensures exact: long_acc_value(acc) == \old(long_acc_value(acc)) + (a - b) * x;
*/
void bht_long_acc_add_product_difference(bht_long_acc *acc, double a, double b, double x);

/* Sign of the exact value: -1, 0 or 1 (normalizes the representation; the
 * value is unchanged). */
/*@ requires ok: long_acc_ok(acc);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    ensures sign: -1 <= \result <= 1;
    admit ensures unchanged: long_acc_value(acc) == \old(long_acc_value(acc));
    admit ensures exact_sign: (\result > 0 <==> long_acc_value(acc) > 0)
                              && (\result == 0 <==> long_acc_value(acc) == 0);
*/
int bht_long_acc_sign(bht_long_acc *acc);

/* RN(2^scale * value): binary64 round to nearest even, subnormal results
 * and overflow to +-infinity included (one rounding of the exact value);
 * -64 <= scale <= 64.  An exact zero gives +0; a nonzero value keeps its
 * sign (an underflow to zero gives a signed zero).  The value is unchanged. */
/*@ requires ok: long_acc_ok(acc);
    requires scale_range: -64 <= scale <= 64;
    assigns *acc, errno;
    ensures ok: long_acc_ok(acc);
    admit ensures unchanged: long_acc_value(acc) == \old(long_acc_value(acc));
    admit ensures rounded: \let v = long_acc_value(acc) * \pow(2.0, scale);
      !\is_NaN(\result) && (v <= 0 ==> \result <= 0) && (v >= 0 ==> \result >= 0)
      && (\abs(v) <= 0x1.fffffffffffffp1023 ==>
            \is_finite(\result) && \result == rn(v)
            && \abs(\result - v) <= 0x1p-53 * \abs(v) + 0x1p-1075)
      && (\abs(v) > 0x1.fffffffffffffp1023 ==> \abs(\result) >= 0x1.fffffffffffffp1023);
    admit ensures rounded_unscaled: scale == 0 ==> \let v = long_acc_value(acc);
      !\is_NaN(\result) && (v <= 0 ==> \result <= 0) && (v >= 0 ==> \result >= 0)
      && (\abs(v) <= 0x1.fffffffffffffp1023 ==>
            \is_finite(\result) && \result == rn(v)
            && \abs(\result - v) <= 0x1p-53 * \abs(v) + 0x1p-1075)
      && (\abs(v) > 0x1.fffffffffffffp1023 ==> \abs(\result) >= 0x1.fffffffffffffp1023);
*/
double bht_long_acc_round(bht_long_acc *acc, int scale);

#endif
