/* fuzz_common.h: shared pieces of the libFuzzer harnesses (tests/fuzz).
 * The input bytes are consumed front to back by a tiny reader; a failed
 * property prints what went wrong and aborts, which libFuzzer records as a
 * crash (with the input saved as an artifact). */
#ifndef BHT_FUZZ_COMMON_H
#define BHT_FUZZ_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"

typedef struct fuzz_reader {
    const uint8_t *data;
    size_t size, pos;
} fuzz_reader;

static inline uint8_t fuzz_u8(fuzz_reader *r)
{
    return r->pos < r->size ? r->data[r->pos++] : 0;
}

static inline uint64_t fuzz_u64(fuzz_reader *r)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = (v << 8) | fuzz_u8(r);
    return v;
}

/* A finite double, from one of several families so that both ordinary
 * magnitudes and the extremes are reached. */
static inline double fuzz_finite(fuzz_reader *r)
{
    uint8_t mode = fuzz_u8(r);
    switch (mode % 5) {
    case 0: { /* raw bits; non-finite patterns become the largest finite value */
        uint64_t bits = fuzz_u64(r);
        double v;
        memcpy(&v, &bits, sizeof v);
        return isfinite(v) ? v : copysign(0x1.fffffffffffffp1023, v);
    }
    case 1: /* small integers and halves */
        return (double)(int8_t)fuzz_u8(r) / 2.0;
    case 2: { /* 16-bit mantissa, exponent in [-80, 47] */
        int16_t m = (int16_t)((fuzz_u8(r) << 8) | fuzz_u8(r));
        return ldexp((double)m, (int)(fuzz_u8(r) % 128) - 80);
    }
    case 3: { /* full mantissa, exponent in [-1100, 1100] */
        uint64_t bits = fuzz_u64(r);
        double m = (double)(bits >> 11) * 0x1p-53; /* [0, 1) */
        int e = (int)((bits & 0x7ff) % 2201) - 1100;
        double v = ldexp(m, e);
        return (mode & 0x80) ? -v : v;
    }
    default: /* near the boundaries of the kernels' domains */
    {
        static const double edge[] = {0.0, -0.0, 0x1p-1074, 0x1p-1022, 0x1p1020,
                                      -0x1p1020, 0x1.0000000000001p1020, 708.0,
                                      -745.0, 0x1.fffffffffffffp1023, 1e-300, 1.0};
        return edge[fuzz_u8(r) % (sizeof edge / sizeof edge[0])];
    }
    }
}

#define FUZZ_CHECK(cond, ...)                                                                 \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: property failed: %s\n  ", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fprintf(stderr, "\n");                                                            \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* Within budget ulps of the reference, or within an absolute slack. */
static inline int fuzz_close(double computed, double reference, double ulps, double absolute)
{
    return bht_ulp_error(computed, reference) <= ulps ||
           fabs(computed - reference) <= absolute;
}

#endif
