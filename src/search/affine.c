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
 * (L = sum |x_k| dmax_k): the enclosure is exact to first order.
 *
 * Second order (order 2, affine.h): the coefficients of delta_k delta_l
 * are kept too, so products are exact to second order: x y keeps x_0 y_0,
 * x_0 Y + y_0 X and the product of the linear parts, and sends
 * L_x Q_y + Q_x L_y + Q_x Q_y + (|x_0| + L_x + Q_x) R_y + (|y_0| + L_y + Q_y) R_x
 * + R_x R_y to the radius (Q = sum |x_kl| dmax_k dmax_l; the dropped terms
 * are exactly those).  Rounding as above: each coefficient is at most 8
 * roundings of terms whose magnitudes sum to m, so 2 ERR(m) times the
 * monomial's bound covers it; radii sum at most n (n + 1) / 2 + 4 n + 16
 * terms, within the 2^-40 of bht__aff_inflate for n <= 64.  On the wide
 * boxes of the leverage search (n = 8, d = 3, weights varying by 25 %)
 * first-order remainders overestimated nu's variation about 300-fold:
 * every intermediate (S^-1, g_i, r_i, 1/gamma_i) varies 10 times more than
 * nu, and the products of those spans were all sent to the radius. */

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

size_t bht__aff_width(size_t n, int order)
{
    return n + 2 + (order == 2 ? n * (n + 1) / 2 : 0);
}

void bht__aff_set_qweights(const aff_ctx *w)
{
    size_t q = 0;
    for (size_t k = 0; k < w->n; k++)
        for (size_t l = k; l < w->n; l++)
            w->qweight[q++] = ivl_up(w->dmax[k] * w->dmax[l]);
}

/* The bound of coefficient j's monomial: 1, dmax_k, or dmax_k dmax_l. */
static double coef_weight(const aff_ctx *w, size_t j)
{
    return j == 0 ? 1.0 : j <= w->n ? w->dmax[j - 1] : w->qweight[j - w->n - 1];
}

/* Quadratic part's bound sum |x_kl| dmax_k dmax_l (0 for order 1), to nearest. */
static double quad_span(const aff_ctx *w, const double *x)
{
    double Q = 0.0;
    if (w->order == 2)
        for (size_t j = w->n + 1; j + 1 < w->width; j++)
            Q += fabs(x[j]) * w->qweight[j - w->n - 1];
    return Q;
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
    return bht__aff_inflate(w->order == 2 ? L + quad_span(w, x) : L);
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
    for (size_t k = 0; k + 1 < w->width; k++) {
        double p = s * x[k], old = z[k];
        z[k] = old + p;
        rad += bht__aff_err_bound(fabs(old) + fabs(p)) * coef_weight(w, k);
    }
    RAD(w, z) = bht__aff_inflate(rad);
}

/* z = x + sign y (sign = +1 or -1); z may alias x. */
void bht__aff_add(const aff_ctx *w, double *z, const double *x, double sign, const double *y)
{
    double rad = RAD(w, x) + RAD(w, y);
    for (size_t k = 0; k + 1 < w->width; k++) {
        double v = x[k] + sign * y[k];
        z[k] = v;
        rad += bht__aff_err_bound(fabs(v)) * coef_weight(w, k);
    }
    RAD(w, z) = bht__aff_inflate(rad);
}

/* z = x y; z may alias neither. */
/* Order 2: z = x y, or z += x y when accumulate (z aliases neither).
 * Rounding: coefficient j is 8 roundings of terms of magnitudes m_j =
 * |z_j| + |x_0 y_j| + |y_0 x_j| + (|x_k y_l| + |x_l y_k|), so its error
 * is at most ERR(2 m_j); summed with the monomials' bounds w_j these give
 * 2^-49 (Z + |x_0| Y + |y_0| X + ...) + 2^-1060 sum_j w_j, with X, Y, Z the
 * sums |.|_j w_j of x, y and the old z (the products' part Lx Ly for the
 * quadratic coefficients).  Coordinates with dmax = 0 (the face's) are
 * skipped in the quadratic terms: their monomials vanish on the box. */
static void quad_mul(const aff_ctx *w, double *z, const double *x, const double *y,
                     int accumulate)
{
    const size_t n = w->n;
    double Lx = 0.0, Ly = 0.0, Lz = 0.0, dsum = 0.0;
    for (size_t k = 0; k < n; k++) {
        Lx += fabs(x[k + 1]) * w->dmax[k];
        Ly += fabs(y[k + 1]) * w->dmax[k];
        dsum += w->dmax[k];
    }
    const double Qx = quad_span(w, x), Qy = quad_span(w, y), Rx = RAD(w, x), Ry = RAD(w, y);
    double rad = Lx * Qy + Qx * Ly + Qx * Qy + (fabs(x[0]) + Lx + Qx) * Ry
                 + (fabs(y[0]) + Ly + Qy) * Rx + Rx * Ry;
    double old = 0.0; /* Z */
    if (accumulate) {
        rad += RAD(w, z);
        for (size_t k = 0; k < n; k++)
            Lz += fabs(z[k + 1]) * w->dmax[k];
        old = fabs(z[0]) + Lz + quad_span(w, z);
    } else {
        memset(z, 0, w->width * sizeof *z);
    }
    const double x0 = x[0], y0 = y[0];
    z[0] += x0 * y0;
    for (size_t k = 1; k <= n; k++)
        z[k] += x0 * y[k] + y0 * x[k];
    size_t j = n + 1;
    for (size_t k = 0; k < n; k++) {
        if (w->dmax[k] == 0.0) {
            j += n - k;
            continue;
        }
        const double xk = x[k + 1], yk = y[k + 1];
        z[j] += (x0 * y[j] + y0 * x[j]) + xk * yk;
        j++;
        for (size_t l = k + 1; l < n; l++, j++)
            if (w->dmax[l] != 0.0)
                z[j] += (x0 * y[j] + y0 * x[j]) + (xk * y[l + 1] + x[l + 1] * yk);
    }
    const double magnitudes = old + fabs(x0) * (fabs(y0) + Ly + Qy) + fabs(y0) * (Lx + Qx) + Lx * Ly;
    rad += magnitudes * 0x1p-49 + (1.0 + dsum + dsum * dsum) * 0x1p-1060;
    RAD(w, z) = bht__aff_inflate(rad);
}

void bht__aff_mul(const aff_ctx *w, double *z, const double *x, const double *y)
{
    if (w->order == 2) {
        quad_mul(w, z, x, y, 0);
        return;
    }
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
    if (w->order == 2) {
        quad_mul(w, acc, x, y, 1);
        return;
    }
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
    for (size_t k = 0; k + 1 < w->width; k++) {
        z[k] = x[k] / s;
        rad += bht__aff_err_bound(fabs(z[k])) * coef_weight(w, k);
    }
    RAD(w, z) = bht__aff_inflate(rad);
}

/* Order 2: the upper end (sign 1) or minus the lower end (sign -1) of
 * sign x: per coordinate the exact range of a delta + q delta^2 on
 * [dlo, dhi] (ends, and the vertex -a / 2q when q < 0 and it lies within
 * rounding of the interval; a^2 / 4|q| bounds the parabola everywhere),
 * the cross terms by interval products, all rounded up. */
static double quad_upper(const aff_ctx *w, const double *x, double sign)
{
    const size_t n = w->n;
    double hi = sign * x[0];
    size_t j = n + 1;
    for (size_t k = 0; k < n; k++) {
        const double a = sign * x[k + 1], lo_k = w->dlo[k], hi_k = w->dhi[k];
        for (size_t l = k; l < n; l++, j++) {
            const double q = sign * x[j];
            if (l == k) {
                ivl at_lo = ivl_add(ivl_mul(ivl_point(a), ivl_point(lo_k)),
                                    ivl_mul(ivl_point(q), ivl_sqr(ivl_point(lo_k))));
                ivl at_hi = ivl_add(ivl_mul(ivl_point(a), ivl_point(hi_k)),
                                    ivl_mul(ivl_point(q), ivl_sqr(ivl_point(hi_k))));
                double best = fmax(at_lo.hi, at_hi.hi);
                if (q < 0.0) {
                    double vertex = -a / (2.0 * q), margin = fabs(vertex) * 0x1p-50 + 0x1p-1060;
                    if (vertex >= lo_k - margin && vertex <= hi_k + margin)
                        best = fmax(best, ivl_up(ivl_up(a * a) / ivl_down(-4.0 * q)));
                }
                hi = ivl_up(hi + best);
            } else if (q != 0.0) {
                ivl t = ivl_mul(ivl_point(q),
                                ivl_mul((ivl){lo_k, hi_k}, (ivl){w->dlo[l], w->dhi[l]}));
                hi = ivl_up(hi + t.hi);
            }
        }
    }
    return ivl_up(hi + RAD(w, x));
}

/* Lower end of the form over the box (rounded down). */
double bht__aff_lower(const aff_ctx *w, const double *x)
{
    if (w->order == 2)
        return -quad_upper(w, x, -1.0);
    double lo = x[0];
    for (size_t k = 0; k < w->n; k++)
        lo = ivl_down(lo + fmin(ivl_down(x[k + 1] * w->dlo[k]), ivl_down(x[k + 1] * w->dhi[k])));
    return ivl_down(lo - RAD(w, x));
}

double bht__aff_upper(const aff_ctx *w, const double *x)
{
    if (w->order == 2)
        return quad_upper(w, x, 1.0);
    double hi = x[0];
    for (size_t k = 0; k < w->n; k++)
        hi = ivl_up(hi + fmax(ivl_up(x[k + 1] * w->dlo[k]), ivl_up(x[k + 1] * w->dhi[k])));
    return ivl_up(hi + RAD(w, x));
}

/* Order 2: z = 1 / y for y > 0 on the box.  For the double a ~ 1/y0 and
 * e = 1 - a y (a form), 1/y = a / (1 - e) = a (1 + e + e^2) + e^3 / y
 * exactly (any a > 0), and |e^3 / y| <= max|e|^3 / min y. */
static int quad_reciprocal(const aff_ctx *w, double *z, const double *y)
{
    const double ylo = bht__aff_lower(w, y);
    const double a = 1.0 / y[0];
    if (!(ylo > 0.0) || !(y[0] > 0.0) || !(a > 0.0) || !isfinite(a))
        return 0;
    double *e = w->scratch, *s = w->scratch + w->width;
    bht__aff_constant(w, e, 1.0);
    bht__aff_axpy(w, e, -a, y);
    const double emax = ivl_up(ivl_up(fabs(e[0]) + bht__aff_linear_span(w, e)) + RAD(w, e));
    bht__aff_constant(w, s, 1.0);
    bht__aff_add(w, s, s, 1.0, e);
    bht__aff_mul_add(w, s, e, e);
    bht__aff_constant(w, z, 0.0);
    bht__aff_axpy(w, z, a, s);
    const double tail = ivl_up(ivl_up(ivl_up(emax * emax) * emax) / ylo);
    RAD(w, z) = ivl_up(RAD(w, z) + tail);
    return isfinite(RAD(w, z));
}

/* z = 1 / y for y > 0 on the box (0 when not certified):
 * 1/y = 1/y0 - (y - y0)/y0^2 + (y - y0)^2 / (y0^2 y). */
int bht__aff_reciprocal(const aff_ctx *w, double *z, const double *y)
{
    if (w->order == 2)
        return quad_reciprocal(w, z, y);
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
    if (w->order == 2)
        return 0;
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
    if (w->order == 2)
        return 0;
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
