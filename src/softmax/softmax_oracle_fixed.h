/* softmax_oracle_fixed.h: the 128-bit fixed-point first attempt of the
 * softmax(z) oracle (softmax_oracle_fixed.c has the error analysis). */
#ifndef BHT_SOFTMAX_ORACLE_FIXED_H
#define BHT_SOFTMAX_ORACLE_FIXED_H

#include <stdbool.h>
#include <stddef.h>
#include "bht.h"

/* Working width reported as the oracle's precision when this attempt decides. */
#define BHT_SOFTMAX_ORACLE_FIXED_PREC 128

/* Correctly rounded softmax(z) into p when every component is decided
 * (*decided true); otherwise *decided is false and p is unspecified.
 * z: n finite doubles, 1 <= n <= BHT_SOFTMAX_MAX_N.  BHT_E_NOMEM on
 * allocation failure. */
bht_status bht__softmax_oracle_fixed(size_t n, const double *z, double *p, bool *decided);

#endif
