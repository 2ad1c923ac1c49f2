/* exp_fixed.h: e^-a to ~2^-300 relative for 0 <= a < 2^12, in 352-bit
 * fixed point (exp_fixed.c).  Used where the dd exponential's 2^-66 is not
 * enough (the exact path of local_softmax_exact.c).  Not public. */
#ifndef BHT_EXP_FIXED_H
#define BHT_EXP_FIXED_H

#include <stdint.h>

/* Fixed-point words: a[0] least significant, a[BHT_FIX_WORDS - 1] the
 * integer part; value = sum a[j] 2^(32 (j - BHT_FIX_WORDS + 1)). */
#define BHT_FIX_WORDS 11
#define BHT_EXP_FIXED_PARTS 5

/* e^-a = 2^-(*k) (part[0] + ... + part[4]), part[0] in [1, 2), the parts
 * non-overlapping and exact; |sum parts - 2^k e^-a| < 2^-262 2^k e^-a.
 * a = 0 gives exactly 1 (k = 0, part = {1, 0, ...}).  Requires a < 2^12. */
void bht_exp_fixed_neg(const uint32_t a[BHT_FIX_WORDS], double part[BHT_EXP_FIXED_PARTS],
                       int *k);

#endif
