/* interval.h: closed intervals of doubles with outward rounding, for the
 * certified upper bounds of leverage_sup.c.  Every IEEE operation is
 * correctly rounded (round to nearest), so the exact result lies strictly
 * within one step of nextafter of the computed one, including subnormals
 * and overflow to +-inf; each end is moved one step outward.  NaN (from
 * 0 * inf or inf - inf) widens to the whole line.  Not part of the API. */
#ifndef BHT_INTERVAL_H
#define BHT_INTERVAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct ivl {
    double lo, hi;
} ivl;

/* nextafter(v, +inf) by the bit pattern (ordered like the magnitudes). */
static inline double ivl_up(double v)
{
    if (isnan(v) || v == INFINITY)
        return v;
    if (v == 0.0)
        return 0x1p-1074;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits = v > 0.0 ? bits + 1 : bits - 1;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static inline double ivl_down(double v)
{
    return -ivl_up(-v);
}

static inline ivl ivl_point(double v)
{
    return (ivl){v, v};
}

static inline ivl ivl_whole(void)
{
    return (ivl){-INFINITY, INFINITY};
}

static inline ivl ivl_checked(double lo, double hi)
{
    if (isnan(lo) || isnan(hi))
        return ivl_whole();
    return (ivl){lo, hi};
}

static inline ivl ivl_add(ivl a, ivl b)
{
    return ivl_checked(ivl_down(a.lo + b.lo), ivl_up(a.hi + b.hi));
}

static inline ivl ivl_sub(ivl a, ivl b)
{
    return ivl_checked(ivl_down(a.lo - b.hi), ivl_up(a.hi - b.lo));
}

static inline ivl ivl_mul(ivl a, ivl b)
{
    double p1 = a.lo * b.lo, p2 = a.lo * b.hi, p3 = a.hi * b.lo, p4 = a.hi * b.hi;
    if (isnan(p1) || isnan(p2) || isnan(p3) || isnan(p4))
        return ivl_whole();
    double lo = fmin(fmin(p1, p2), fmin(p3, p4)), hi = fmax(fmax(p1, p2), fmax(p3, p4));
    return (ivl){ivl_down(lo), ivl_up(hi)};
}

static inline ivl ivl_sqr(ivl a)
{
    if (a.lo >= 0.0)
        return (ivl){ivl_down(a.lo * a.lo), ivl_up(a.hi * a.hi)};
    if (a.hi <= 0.0)
        return (ivl){ivl_down(a.hi * a.hi), ivl_up(a.lo * a.lo)};
    return (ivl){0.0, ivl_up(fmax(a.lo * a.lo, a.hi * a.hi))};
}

/* a / b; the whole line when b may contain 0. */
static inline ivl ivl_div(ivl a, ivl b)
{
    if (!(b.lo > 0.0 || b.hi < 0.0))
        return ivl_whole();
    double p1 = a.lo / b.lo, p2 = a.lo / b.hi, p3 = a.hi / b.lo, p4 = a.hi / b.hi;
    if (isnan(p1) || isnan(p2) || isnan(p3) || isnan(p4))
        return ivl_whole();
    double lo = fmin(fmin(p1, p2), fmin(p3, p4)), hi = fmax(fmax(p1, p2), fmax(p3, p4));
    return (ivl){ivl_down(lo), ivl_up(hi)};
}

/* sqrt of a quantity known to be >= 0 (a negative lower end is clipped). */
static inline ivl ivl_sqrt_nonnegative(ivl a)
{
    if (!(a.hi >= 0.0))
        return ivl_whole();
    double lo = a.lo > 0.0 ? fmax(ivl_down(sqrt(a.lo)), 0.0) : 0.0;
    return (ivl){lo, ivl_up(sqrt(a.hi))};
}

/* max |v| over the interval. */
static inline double ivl_mag(ivl a)
{
    return fmax(fabs(a.lo), fabs(a.hi));
}

#endif
