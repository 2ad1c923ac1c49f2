/* leverage_nu_interval.h: the leverage model's nu alone, correctly rounded,
 * by MPFR interval arithmetic with the exact oracle as fallback
 * (leverage_nu_interval.c).  Internal: the sup search's certifications
 * (src/search/leverage_sup_search.c) need nu only. */
#ifndef BHT_LEVERAGE_NU_INTERVAL_H
#define BHT_LEVERAGE_NU_INTERVAL_H

#include <stddef.h>
#include "bht.h"

/* The same nu (bits) and status as bht_oracle_nu_leverage(n, d, A, M, s,
 * &r, NULL, NULL, NULL) gives in r.nu.  *route (may be NULL) is the
 * precision in bits of the interval evaluation that decided the rounding,
 * or 0 when the exact oracle was called (inputs it refuses, rank < d, an
 * enclosure too wide to decide). */
bht_status bht__oracle_nu_leverage_value(size_t n, size_t d, const double *A, const double *M,
                                         const double *s, double *nu, long *route);

#endif
