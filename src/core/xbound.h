/* xbound.h: non-negative error bounds as m 2^e with a separate exponent, so
 * that a bound neither underflows nor overflows whatever the scale of the
 * data; every operation rounds up (a relative 2^-50 per operation covers the
 * double rounding of m).  Internal to the local softmax kernels. */
#ifndef BHT_XBOUND_H
#define BHT_XBOUND_H

#include <math.h>

typedef struct xbound {
    double m; /* 0, or in [1/2, 1) */
    int e;
} xbound;

#define XBOUND_UP (1.0 + 0x1p-50)

static inline xbound xb_make(double v, int scale) /* |v| 2^scale, rounded up */
{
    xbound r = {0.0, 0};
    if (v == 0.0)
        return r;
    int k;
    r.m = frexp(fabs(v), &k) * XBOUND_UP;
    r.e = k + scale;
    if (r.m >= 1.0) {
        r.m *= 0.5;
        r.e++;
    }
    return r;
}

static inline xbound xb_mul(xbound a, xbound b)
{
    if (a.m == 0.0 || b.m == 0.0)
        return (xbound){0.0, 0};
    return xb_make(a.m * b.m, a.e + b.e);
}

static inline xbound xb_add(xbound a, xbound b)
{
    if (a.m == 0.0)
        return b;
    if (b.m == 0.0)
        return a;
    if (a.e < b.e) {
        xbound t = a;
        a = b;
        b = t;
    }
    int gap = b.e - a.e; /* <= 0 */
    double small = gap < -1000 ? 0x1p-1000 : ldexp(b.m, gap); /* rounded up */
    return xb_make(a.m + small, a.e);
}

/* a <= b */
static inline int xb_le(xbound a, xbound b)
{
    if (a.m == 0.0)
        return 1;
    if (b.m == 0.0)
        return 0;
    if (a.e != b.e)
        return a.e < b.e;
    return a.m <= b.m;
}

#endif
