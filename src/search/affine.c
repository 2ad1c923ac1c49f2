/* affine.c: first-order affine forms with rigorous remainders (affine.h).
 *
 * An affine form over the box: x[0] + sum_k x[k+1] delta_k + [-x[n+1], x[n+1]]
 * with delta_k = u_k - center_k in [dlo_k, dhi_k] (|delta_k| <= dmax_k).
 * Every coefficient is computed in double; a bound on its rounding error
 * (ERR below: at most four roundings, each <= 2^-53 of the magnitudes
 * involved, or 2^-1075 when subnormal) times dmax_k is added to the
 * radius, and the radius is accumulated with upward steps, so the form
 * always contains the exact quantity.  Products keep the linear part and
 * send (L_x + R_x)(L_y + R_y) + |x_0| R_y + |y_0| R_x to the radius
 * (L = sum |x_k| dmax_k): the enclosure is exact to first order. */

#include <math.h>
#include <mpfr.h>
#include <string.h>
#include "search/affine.h"


double bht__aff_err_bound(double magnitude)
{
    return magnitude * 0x1p-50 + 0x1p-1060;
}

/* Radii are sums and products of at most 4 n + 16 nonnegative terms, each
 * rounded to nearest, per operation: relative error below 2^-44 for
 * n <= 64 (Higham, Accuracy and Stability, Lemma 3.1),
 * plus at most 2^-1074 per underflowing operation.  bht__aff_inflate() covers both,
 * once per operation, instead of a directed rounding per term. */
double bht__aff_inflate(double r)
{
    double v = r * (1.0 + 0x1p-40) + 0x1p-1040;
    return isnan(v) ? INFINITY : v;
}

/* radius += e_0 + sum_k e_k dmax_k for the per-coefficient errors e. */
static void add_error(const aff_ctx *w, double *z, size_t k, double e)
{
    RAD(w, z) = ivl_up(RAD(w, z) + (k == 0 ? e : ivl_up(e * w->dmax[k - 1])));
}

double bht__aff_linear_span(const aff_ctx *w, const double *x)
{
    double L = 0.0;
    for (size_t k = 0; k < w->n; k++)
        L += fabs(x[k + 1]) * w->dmax[k];
    return bht__aff_inflate(L);
}

void bht__aff_constant(const aff_ctx *w, double *z, double value)
{
    memset(z, 0, w->width * sizeof *z);
    z[0] = value;
}

/* z = the interval constant K plus sum_k C[k] delta_k, C[k] intervals. */
void bht__aff_from_intervals(const aff_ctx *w, double *z, ivl K, const ivl *C, size_t stride)
{
    memset(z, 0, w->width * sizeof *z);
    z[0] = K.lo * 0.5 + K.hi * 0.5;
    RAD(w, z) = ivl_up(fmax(K.hi - z[0], z[0] - K.lo));
    for (size_t k = 0; k < w->n; k++) {
        ivl ck = C[k * stride];
        z[k + 1] = ck.lo * 0.5 + ck.hi * 0.5;
        add_error(w, z, k + 1, ivl_up(fmax(ck.hi - z[k + 1], z[k + 1] - ck.lo)));
    }
    if (isnan(RAD(w, z)))
        RAD(w, z) = INFINITY;
}

/* z += s x (s a double); z may not alias x. */
void bht__aff_axpy(const aff_ctx *w, double *z, double s, const double *x)
{
    double rad = RAD(w, z) + fabs(s) * RAD(w, x);
    for (size_t k = 0; k <= w->n; k++) {
        double p = s * x[k], old = z[k];
        z[k] = old + p;
        rad += bht__aff_err_bound(fabs(old) + fabs(p)) * (k == 0 ? 1.0 : w->dmax[k - 1]);
    }
    RAD(w, z) = bht__aff_inflate(rad);
}

/* z = x + sign y (sign = +1 or -1); z may alias x. */
void bht__aff_add(const aff_ctx *w, double *z, const double *x, double sign, const double *y)
{
    double rad = RAD(w, x) + RAD(w, y);
    for (size_t k = 0; k <= w->n; k++) {
        double v = x[k] + sign * y[k];
        z[k] = v;
        rad += bht__aff_err_bound(fabs(v)) * (k == 0 ? 1.0 : w->dmax[k - 1]);
    }
    RAD(w, z) = bht__aff_inflate(rad);
}

/* z = x y; z may alias neither. */
void bht__aff_mul(const aff_ctx *w, double *z, const double *x, const double *y)
{
    const double Lx = bht__aff_linear_span(w, x), Ly = bht__aff_linear_span(w, y);
    const double Rx = RAD(w, x), Ry = RAD(w, y);
    double rad = (Lx + Rx) * (Ly + Ry) + fabs(x[0]) * Ry + fabs(y[0]) * Rx;
    z[0] = x[0] * y[0];
    rad += bht__aff_err_bound(fabs(z[0]));
    for (size_t k = 1; k <= w->n; k++) {
        double p1 = x[0] * y[k], p2 = y[0] * x[k];
        z[k] = p1 + p2;
        rad += bht__aff_err_bound(fabs(p1) + fabs(p2)) * w->dmax[k - 1];
    }
    RAD(w, z) = bht__aff_inflate(rad);
}

/* acc += x y (acc aliases neither): aff_mul and aff_add in one pass; the
 * error term covers the products, their sum and the accumulation. */
void bht__aff_mul_add(const aff_ctx *w, double *acc, const double *x, const double *y)
{
    const double Lx = bht__aff_linear_span(w, x), Ly = bht__aff_linear_span(w, y);
    const double Rx = RAD(w, x), Ry = RAD(w, y);
    double rad = RAD(w, acc) + (Lx + Rx) * (Ly + Ry) + fabs(x[0]) * Ry + fabs(y[0]) * Rx;
    double p0 = x[0] * y[0];
    rad += bht__aff_err_bound(fabs(acc[0]) + 2.0 * fabs(p0));
    acc[0] += p0;
    for (size_t k = 1; k <= w->n; k++) {
        double p1 = x[0] * y[k], p2 = y[0] * x[k];
        rad += bht__aff_err_bound(fabs(acc[k]) + 2.0 * (fabs(p1) + fabs(p2))) * w->dmax[k - 1];
        acc[k] += p1 + p2;
    }
    RAD(w, acc) = bht__aff_inflate(rad);
}

/* z = x / s for a positive double s. */
void bht__aff_div_constant(const aff_ctx *w, double *z, const double *x, double s)
{
    double rad = RAD(w, x) / s;
    for (size_t k = 0; k <= w->n; k++) {
        z[k] = x[k] / s;
        rad += bht__aff_err_bound(fabs(z[k])) * (k == 0 ? 1.0 : w->dmax[k - 1]);
    }
    RAD(w, z) = bht__aff_inflate(rad);
}

/* Lower end of the form over the box (rounded down). */
double bht__aff_lower(const aff_ctx *w, const double *x)
{
    double lo = x[0];
    for (size_t k = 0; k < w->n; k++)
        lo = ivl_down(lo + fmin(ivl_down(x[k + 1] * w->dlo[k]), ivl_down(x[k + 1] * w->dhi[k])));
    return ivl_down(lo - RAD(w, x));
}

double bht__aff_upper(const aff_ctx *w, const double *x)
{
    double hi = x[0];
    for (size_t k = 0; k < w->n; k++)
        hi = ivl_up(hi + fmax(ivl_up(x[k + 1] * w->dlo[k]), ivl_up(x[k + 1] * w->dhi[k])));
    return ivl_up(hi + RAD(w, x));
}

/* z = 1 / y for y > 0 on the box (0 when not certified):
 * 1/y = 1/y0 - (y - y0)/y0^2 + (y - y0)^2 / (y0^2 y). */
int bht__aff_reciprocal(const aff_ctx *w, double *z, const double *y)
{
    const double ylo = bht__aff_lower(w, y);
    if (!(ylo > 0.0) || !(y[0] > 0.0))
        return 0;
    const double a = 1.0 / y[0], a_up = ivl_up(ivl_up(a) * (1.0 + 0x1p-50));
    const double span = ivl_up(bht__aff_linear_span(w, y) + RAD(w, y));
    /* R a^2 and (span a)^2 / ylo, multiplied in this order: a^2 alone
     * overflowed for y ~ 2^-572 (a leverage row 2^-286 below the others,
     * found by the extreme-scales generator) although both terms fit */
    const double sa = ivl_up(span * a_up);
    double rad = ivl_up(ivl_up(ivl_up(RAD(w, y) * a_up) * a_up) + ivl_up(ivl_up(sa * sa) / ylo));
    z[0] = a;
    rad = ivl_up(rad + bht__aff_err_bound(a));
    for (size_t k = 1; k <= w->n; k++) {
        z[k] = -(y[k] * a) * a;
        rad = ivl_up(rad + ivl_up(bht__aff_err_bound(fabs(z[k])) * 2.0 * w->dmax[k - 1]));
    }
    RAD(w, z) = ivl_up(rad);
    return isfinite(RAD(w, z));
}

/* z = sqrt(y) for y > 0 on the box (0 when not certified):
 * sqrt y = sqrt y0 + (y - y0)/(2 sqrt y0) - (y - y0)^2 / (2 sqrt y0 (sqrt y + sqrt y0)^2). */
int bht__aff_sqrt(const aff_ctx *w, double *z, const double *y)
{
    const double ylo = bht__aff_lower(w, y);
    if (!(ylo > 0.0) || !(y[0] > 0.0))
        return 0;
    const double b = sqrt(y[0]), b_lo = ivl_down(ivl_down(b) * (1.0 - 0x1p-50));
    if (!(b_lo > 0.0))
        return 0;
    const double span = ivl_up(bht__aff_linear_span(w, y) + RAD(w, y));
    /* span^2 / (2 b^3) as (span / b)^2 / (2 b): b^3 alone underflows for
     * y below 2^-700 although the quotient fits */
    const double sb = ivl_up(span / b_lo);
    double rad = ivl_up(ivl_up(RAD(w, y) / ivl_down(2.0 * b_lo))
                        + ivl_up(ivl_up(sb * sb) / ivl_down(2.0 * b_lo)));
    z[0] = b;
    rad = ivl_up(rad + bht__aff_err_bound(b));
    for (size_t k = 1; k <= w->n; k++) {
        z[k] = y[k] / (2.0 * b);
        rad = ivl_up(rad + ivl_up(bht__aff_err_bound(fabs(z[k])) * 2.0 * w->dmax[k - 1]));
    }
    RAD(w, z) = ivl_up(rad);
    return isfinite(RAD(w, z));
}


/* z = exp(y): with y = y0 + t, |t| <= s = L + R on the box,
 * e^t = 1 + t + rho, 0 <= rho <= s^2 e^s / 2, and e^y0 in [E_lo, E_hi]
 * (MPFR, directed): e^y = m (1 + Y) + (e^y0 - m)(1 + Y) + e^y0 (r + rho)
 * for the double m ~ e^y0 and the linear part Y, so the radius is
 * |e^y0 - m| (1 + L) + E_hi (R + s^2 e^s / 2) plus rounding. */
int bht__aff_exp(const aff_ctx *w, double *z, const double *y)
{
    const double L = bht__aff_linear_span(w, y), R = RAD(w, y);
    const double s = ivl_up(L + R);
    if (!(s < 700.0) || !(y[0] < 700.0))
        return 0;
    mpfr_t e;
    mpfr_init2(e, 53);
    mpfr_set_d(e, y[0], MPFR_RNDN);
    mpfr_exp(e, e, MPFR_RNDD);
    double e_lo = mpfr_get_d(e, MPFR_RNDD);
    mpfr_set_d(e, y[0], MPFR_RNDN);
    mpfr_exp(e, e, MPFR_RNDU);
    double e_hi = mpfr_get_d(e, MPFR_RNDU);
    mpfr_set_d(e, s, MPFR_RNDN);
    mpfr_exp(e, e, MPFR_RNDU);
    double es = mpfr_get_d(e, MPFR_RNDU);
    mpfr_clear(e);
    const double m = e_lo * 0.5 + e_hi * 0.5;
    const double dm = ivl_up(fmax(e_hi - m, m - e_lo));
    double rad = dm * (1.0 + L) + e_hi * (R + s * s * es * 0.5);
    z[0] = m;
    rad += bht__aff_err_bound(fabs(m));
    for (size_t k = 1; k <= w->n; k++) {
        z[k] = m * y[k];
        rad += bht__aff_err_bound(fabs(z[k])) * w->dmax[k - 1];
    }
    RAD(w, z) = bht__aff_inflate(rad);
    return isfinite(RAD(w, z));
}
