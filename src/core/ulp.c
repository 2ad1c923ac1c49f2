/* ulp.c: ulp distance used by every differential test and report. */
#include <math.h>
#include <string.h>
#include "bht.h"

/* ulp(r) = 2^(e-53) for |r| in [2^(e-1), 2^e) normal; 2^-1074 below 2^-1022. */
static double ulp_of(double r)
{
    if (fabs(r) < 0x1p-1022)
        return 0x1p-1074;
    int e;
    (void)frexp(r, &e);
    return ldexp(1.0, e - 53);
}

double bht_ulp_error(double computed, double reference)
{
    if (memcmp(&computed, &reference, sizeof computed) == 0)
        return 0.0;
    if (!isfinite(computed) || !isfinite(reference))
        return (computed == reference) ? 0.0 : INFINITY;
    /* Scale both by 2^k first so the subtraction stays finite for huge values;
     * the quotient is only a measurement, its own rounding is irrelevant. */
    double ulp = ulp_of(reference);
    return fabs(computed / ulp - reference / ulp);
}
