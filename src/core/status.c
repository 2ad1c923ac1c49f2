/* status.c: human-readable text for every bht_status (static strings). */
#include "bht.h"

const char *bht_status_message(bht_status status)
{
    switch (status) {
    case BHT_OK: return "ok";
    case BHT_E_INVALID: return "invalid argument (null pointer, zero size or shape mismatch)";
    case BHT_E_NONFINITE: return "input contains NaN or infinity";
    case BHT_E_RANGE: return "input outside the double kernel's proved domain";
    case BHT_E_CONSTRAINT: return "query outside its constraint set";
    case BHT_E_NOMEM: return "out of memory";
    case BHT_E_PRECISION: return "oracle could not decide the rounding within its precision cap";
    case BHT_E_SINGULAR: return "matrix is rank deficient";
    case BHT_E_IO: return "input/output error";
    case BHT_E_PARSE: return "malformed input";
    }
    return "unknown status";
}
