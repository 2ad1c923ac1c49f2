/* leverage_query.c: the leverage query constraint c <= s_i^2 <= C (paper
 * Def. 2.11), decided exactly: s_i^2 is exact at 106 bits, c and C are
 * doubles, so the MPFR comparisons involve no rounding at all. */
#include <math.h>
#include "oracle/oracle_internal.h"

bht_status bht_check_leverage_query(size_t n, const double *s, double c, double C,
                                    size_t *bad_index)
{
    if (!s || n == 0)
        return BHT_E_INVALID;
    if (!isfinite(c) || !isfinite(C))
        return BHT_E_NONFINITE;
    if (!(c > 0.0) || !(c < C))
        return BHT_E_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(s[i]))
            return BHT_E_NONFINITE;
    mpfr_t sq;
    mpfr_init2(sq, 106);
    bht_status status = BHT_OK;
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(sq, s[i], MPFR_RNDN);
        mpfr_sqr(sq, sq, MPFR_RNDN); /* exact */
        if (mpfr_cmp_d(sq, c) < 0 || mpfr_cmp_d(sq, C) > 0) {
            if (bad_index)
                *bad_index = i;
            status = BHT_E_CONSTRAINT;
            break;
        }
    }
    mpfr_clear(sq);
    return status;
}
