/* leverage_lanes.c: the x86-64-v3 4-wide code of the leverage basis build
 * (leverage_build.c; prototypes in leverage_lanes.h), split from it (issue
 * 13: no source file over 1,000 lines).  GCC vectors of 4 doubles, one
 * element per lane (row) or per column; each operation is the element-wise
 * IEEE operation of the scalar code of leverage_build.c in the same order
 * (fma: vfmadd, one rounding like fma(); sqrt and division correctly
 * rounded; |x| clears the sign bit, as fabs), so every element is the
 * scalar path's value bit for bit (tests/leverage/test_leverage_paths.c).
 * Not analysed by Frama-C. */
#include "leverage/leverage_lanes.h"

#if LEV_X86
#include <float.h>

static LEV_V3_HOT lev_v4 v4_load(const double *p)
{
    lev_v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static LEV_V3_HOT void v4_store(double *p, lev_v4 v)
{
    memcpy(p, &v, sizeof v);
}

static LEV_V3_HOT lev_v4 v4_set(double x)
{
    return (lev_v4){x, x, x, x};
}

static LEV_V3_HOT lev_v4 v4_fma(lev_v4 a, lev_v4 b, lev_v4 c)
{
    return (lev_v4)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
}

static LEV_V3_HOT lev_v4 v4_sqrt(lev_v4 x)
{
    return (lev_v4)_mm256_sqrt_pd((__m256d)x);
}

static LEV_V3_HOT lev_v4 v4_abs(lev_v4 x)
{
    lev_m4 m;
    memcpy(&m, &x, sizeof m);
    m &= (lev_m4){INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    memcpy(&x, &m, sizeof x);
    return x;
}

/* two_sum, fast_two_sum, two_prod of dd.h */
static LEV_V3_HOT lev_v4 v4_two_sum(lev_v4 a, lev_v4 b, lev_v4 *err)
{
    lev_v4 s = a + b;
    lev_v4 b_virtual = s - a;
    lev_v4 a_virtual = s - b_virtual;
    *err = (a - a_virtual) + (b - b_virtual);
    return s;
}

static LEV_V3_HOT lev_v4 v4_fast_two_sum(lev_v4 a, lev_v4 b, lev_v4 *err)
{
    lev_v4 s = a + b;
    *err = b - (s - a);
    return s;
}

static LEV_V3_HOT lev_v4 v4_two_prod(lev_v4 a, lev_v4 b, lev_v4 *err)
{
    lev_v4 p = a * b;
    *err = v4_fma(a, b, -p);
    return p;
}

/* lev_dot2_add */
static LEV_V3_HOT void v4_dot2_add(lev_v4 *sh, lev_v4 *sl, lev_v4 ph, lev_v4 pl, lev_v4 qh,
                                   lev_v4 ql)
{
    lev_v4 pe, se;
    lev_v4 p = v4_two_prod(ph, qh, &pe);
    *sh = v4_two_sum(*sh, p, &se);
    *sl += se + (pe + (ph * ql + pl * qh));
}

/* dd_div of dd.h (with dd_mul_d) */
static LEV_V3_HOT void v4_dd_div(lev_v4 xh, lev_v4 xl, lev_v4 yh, lev_v4 yl, lev_v4 *rh,
                                 lev_v4 *rl)
{
    lev_v4 th = xh / yh, cl1, tl1, ph, pl;
    lev_v4 ch = v4_two_prod(yh, th, &cl1);
    lev_v4 cl2 = yl * th;
    lev_v4 mh = v4_fast_two_sum(ch, cl2, &tl1);
    lev_v4 tl2 = tl1 + cl1;
    ph = v4_fast_two_sum(mh, tl2, &pl);
    lev_v4 pi_h = xh - ph;
    lev_v4 delta_l = xl - pl;
    lev_v4 delta = pi_h + delta_l;
    lev_v4 tl = delta / yh;
    *rh = v4_fast_two_sum(th, tl, rl);
}

/* solve_lanes with the LEV_LANES lanes in LEV_LANES / 4 vectors. */
#define LEV_NV (LEV_LANES / 4)
LEV_V3 void bht__lev_solve_lanes_v4(size_t d, const double *mh, const double *ml, size_t sj,
                                  size_t sk, const double *yh, const double *yl, double *bh,
                                  double *bl)
{
    _Static_assert(LEV_LANES % 4 == 0, "whole vectors of lanes");
    for (size_t j = 0; j < d; j++) {
        const size_t o = j * LEV_LANES;
        lev_v4 sh[LEV_NV], sl[LEV_NV];
#pragma GCC unroll 4
        for (size_t v = 0; v < LEV_NV; v++) {
            sh[v] = v4_load(yh + o + 4 * v);
            sl[v] = yl ? v4_load(yl + o + 4 * v) : v4_set(0.0);
        }
        for (size_t k = 0; k < j; k++) {
            const double eh = -mh[j * sj + k * sk], el = ml ? -ml[j * sj + k * sk] : 0.0;
            const lev_v4 veh = v4_set(eh), vel = v4_set(el);
            const size_t q = k * LEV_LANES;
#pragma GCC unroll 4
            for (size_t v = 0; v < LEV_NV; v++)
                v4_dot2_add(&sh[v], &sl[v], veh, vel, v4_load(bh + q + 4 * v),
                            v4_load(bl + q + 4 * v));
        }
        const double dh = mh[j * (sj + sk)], dl = ml ? ml[j * (sj + sk)] : 0.0;
#pragma GCC unroll 4
        for (size_t v = 0; v < LEV_NV; v++) {
            lev_v4 vh, vl, rh, rl;
            vh = v4_two_sum(sh[v], sl[v], &vl);
            v4_dd_div(vh, vl, v4_set(dh), v4_set(dl), &rh, &rl);
            v4_store(bh + o + 4 * v, rh);
            v4_store(bl + o + 4 * v, rl);
        }
    }
}

/* substitution_error (double R^, rl NULL) of the LEV_LANES lanes' rows: y
 * in ly, b^ in lbh (lane layout); eps[l] for lane l; lw: LEV_LANES d
 * doubles of work (w of substitution_error and abs_inv_t_norm). */
LEV_V3 void bht__lev_substitution_error_v4(size_t d, const double *r, const double *rinv,
                                         const double *ly, const double *lbh, double *lw,
                                         double *eps)
{
    const double up = 1.0; /* |R| of a double R^ */
    const double g = ((double)d * (double)d + 2.0 * (double)d + 17.0) * 0x1p-106;
    lev_v4 bnorm2[LEV_NV], vnorm2[LEV_NV], norm[LEV_NV];
#pragma GCC unroll 4
    for (size_t v = 0; v < LEV_NV; v++)
        bnorm2[v] = vnorm2[v] = v4_set(0.0);
    for (size_t j = 0; j < d; j++) { /* w = |y| + |R^T| |b^| */
        const size_t o = j * LEV_LANES;
        lev_v4 t[LEV_NV];
#pragma GCC unroll 4
        for (size_t v = 0; v < LEV_NV; v++)
            t[v] = v4_abs(v4_load(ly + o + 4 * v));
        for (size_t l = 0; l <= j; l++) {
            const lev_v4 a = v4_set(fabs(r[l * d + j]) * up);
#pragma GCC unroll 4
            for (size_t v = 0; v < LEV_NV; v++)
                t[v] += a * v4_abs(v4_load(lbh + l * LEV_LANES + 4 * v));
        }
#pragma GCC unroll 4
        for (size_t v = 0; v < LEV_NV; v++) {
            v4_store(lw + o + 4 * v, t[v]);
            const lev_v4 bj = v4_load(lbh + o + 4 * v);
            bnorm2[v] += bj * bj;
        }
    }
    /* abs_inv_t_norm (dn = up = 1) */
    if (rinv) {
        for (size_t k = 0; k < d; k++) {
            lev_v4 t[LEV_NV];
#pragma GCC unroll 4
            for (size_t v = 0; v < LEV_NV; v++)
                t[v] = v4_set(0.0);
            for (size_t j = 0; j <= k; j++) {
                const lev_v4 a = v4_set(fabs(rinv[j * d + k]));
#pragma GCC unroll 4
                for (size_t v = 0; v < LEV_NV; v++)
                    t[v] += a * v4_load(lw + j * LEV_LANES + 4 * v);
            }
#pragma GCC unroll 4
            for (size_t v = 0; v < LEV_NV; v++)
                vnorm2[v] += t[v] * t[v];
        }
#pragma GCC unroll 4
        for (size_t v = 0; v < LEV_NV; v++)
            norm[v] = v4_set(4.0 / 3.0) * v4_sqrt(vnorm2[v]) * v4_set(1.0 + 0x1p-40);
    } else {
        for (size_t k = 0; k < d; k++) {
            lev_v4 t[LEV_NV];
#pragma GCC unroll 4
            for (size_t v = 0; v < LEV_NV; v++)
                t[v] = v4_load(lw + k * LEV_LANES + 4 * v);
            for (size_t j = 0; j < k; j++) {
                const lev_v4 a = v4_set(fabs(r[j * d + k]) * up);
#pragma GCC unroll 4
                for (size_t v = 0; v < LEV_NV; v++)
                    t[v] += a * v4_load(lw + j * LEV_LANES + 4 * v);
            }
            const lev_v4 dk = v4_set(fabs(r[k * d + k]) * 1.0);
#pragma GCC unroll 4
            for (size_t v = 0; v < LEV_NV; v++) {
                const lev_v4 wk = t[v] / dk;
                v4_store(lw + k * LEV_LANES + 4 * v, wk);
                vnorm2[v] += wk * wk;
            }
        }
        const double dd3 = (double)d + 3.0;
#pragma GCC unroll 4
        for (size_t v = 0; v < LEV_NV; v++)
            norm[v] = (v4_sqrt(vnorm2[v]) + v4_set((double)d * 0x1p-1000))
                      * v4_set(1.0 + dd3 * dd3 * 0x1p-52);
    }
    double bn[LEV_LANES];
#pragma GCC unroll 4
    for (size_t v = 0; v < LEV_NV; v++) {
        v4_store(bn + 4 * v, bnorm2[v]);
        v4_store(eps + 4 * v, v4_set(g) * norm[v] / v4_sqrt(bnorm2[v]) * v4_set(1.0 + 0x1p-40));
    }
    for (size_t l = 0; l < LEV_LANES; l++)
        if (!(bn[l] > 0.0))
            eps[l] = INFINITY;
}
/* householder_r on W stored by rows with stride ds = d + 3 (entry (i, j) at
 * w[i * ds + j]; 3 columns of padding, zeros, that the last group of
 * columns may cover): for each reflector, the dots and the updates of the
 * columns right of k four columns at a time (one vector per group, up to 4
 * groups per pass over the rows), each column's dot summed over i in the
 * same order as householder_r, and the next column's norm2 summed in the
 * same order while that column is updated. */
LEV_V3 void bht__lev_householder_r_v4(size_t n, size_t d, double *w, double *r)
{
    const size_t ds = d + 3;
    double next_norm2 = 0.0;
    int have_next = 0; /* next_norm2 is column k's */
    for (size_t k = 0; k < d; k++) {
        double norm2 = 0.0;
        if (have_next) {
            norm2 = next_norm2;
        } else {
            for (size_t i = k; i < n; i++)
                norm2 += w[i * ds + k] * w[i * ds + k];
        }
        have_next = 0;
        double norm = sqrt(norm2);
        double xk = w[k * ds + k];
        double alpha = (xk >= 0.0) ? -norm : norm;
        if (norm == 0.0) {
            for (size_t j = 0; j < d; j++)
                r[k * d + j] = (j <= k) ? 0.0 : w[k * ds + j];
            continue;
        }
        double vk = xk - alpha;
        double vtv = vk * vk + (norm2 - xk * xk);
        double beta = 2.0 / vtv;
        w[k * ds + k] = vk;
        const size_t gc = (d - k - 1 + 3) / 4; /* groups of columns k + 1 .. */
        for (size_t g0 = 0; g0 < gc; g0 += 4) {
            const size_t cnt = gc - g0 < 4 ? gc - g0 : 4, j = k + 1 + 4 * g0;
            lev_v4 a0 = v4_set(0.0), a1 = a0, a2 = a0, a3 = a0;
            for (size_t i = k; i < n; i++) { /* dots */
                const double *row = w + i * ds + j;
                const lev_v4 xi = v4_set(w[i * ds + k]);
                a0 += xi * v4_load(row);
                if (cnt > 1)
                    a1 += xi * v4_load(row + 4);
                if (cnt > 2)
                    a2 += xi * v4_load(row + 8);
                if (cnt > 3)
                    a3 += xi * v4_load(row + 12);
            }
            const lev_v4 vb = v4_set(beta);
            a0 = vb * a0;
            a1 = vb * a1;
            a2 = vb * a2;
            a3 = vb * a3;
            lev_v4 nacc = v4_set(0.0); /* column k + 1: lane 0 of the first group */
            for (size_t i = k; i < n; i++) { /* updates */
                double *row = w + i * ds + j;
                const lev_v4 xi = v4_set(w[i * ds + k]);
                lev_v4 y = v4_load(row) - a0 * xi;
                v4_store(row, y);
                if (g0 == 0 && i > k)
                    nacc += y * y;
                if (cnt > 1)
                    v4_store(row + 4, v4_load(row + 4) - a1 * xi);
                if (cnt > 2)
                    v4_store(row + 8, v4_load(row + 8) - a2 * xi);
                if (cnt > 3)
                    v4_store(row + 12, v4_load(row + 12) - a3 * xi);
            }
            if (g0 == 0) {
                double nv[4];
                v4_store(nv, nacc);
                next_norm2 = nv[0];
                have_next = 1;
            }
        }
        r[k * d + k] = alpha;
        for (size_t j = k + 1; j < d; j++)
            r[k * d + j] = w[k * ds + j];
        for (size_t j = 0; j < k; j++)
            r[k * d + j] = 0.0;
    }
}

/* Step 2's divisions of the lanes' b^ (build_pass_body: lev_dd_div_one,
 * then lev_dd_div_one when s' = 1, else dd_div by s'), element by element;
 * sp[l]: lane l's s'.  An element whose b^ is not finite and nonzero in
 * every lane (lev_dd_div_one's fast case) is done by the scalar code.  The
 * 4 lanes at lbh[j * LEV_LANES]. */
LEV_V3 void bht__lev_divide_lanes_v4(size_t d, double *lbh, double *lbl, const double *sp)
{
    const lev_v4 s = v4_load(sp);
    const lev_m4 is_one = s == v4_set(1.0);
    const int ones = _mm256_movemask_pd((__m256d)is_one) == 0xf;
    for (size_t j = 0; j < d; j++) {
        lev_v4 xh = v4_load(lbh + j * LEV_LANES), xl = v4_load(lbl + j * LEV_LANES);
        const lev_v4 a = v4_abs(xh);
        const lev_m4 fast = (a > v4_set(0.0)) & (a <= v4_set(DBL_MAX));
        if (_mm256_movemask_pd((__m256d)fast) != 0xf) {
            for (size_t l = 0; l < 4; l++) {
                double *h = lbh + j * LEV_LANES + l, *lo = lbl + j * LEV_LANES + l;
                lev_dd_div_one(h, lo);
                if (sp[l] == 1.0)
                    lev_dd_div_one(h, lo);
                else
                    dd_div(*h, *lo, sp[l], 0.0, h, lo);
            }
            continue;
        }
        xl = xl + v4_set(0.0);
        if (ones) {
            xl = xl + v4_set(0.0);
        } else {
            lev_v4 qh, ql;
            v4_dd_div(xh, xl, s, v4_set(0.0), &qh, &ql);
            xl = xl + v4_set(0.0);
            lev_m4 mh, ml, nh, nl;
            memcpy(&mh, &xh, sizeof mh);
            memcpy(&ml, &xl, sizeof ml);
            memcpy(&nh, &qh, sizeof nh);
            memcpy(&nl, &ql, sizeof nl);
            mh = (mh & is_one) | (nh & ~is_one);
            ml = (ml & is_one) | (nl & ~is_one);
            memcpy(&xh, &mh, sizeof xh);
            memcpy(&xl, &ml, sizeof xl);
        }
        v4_store(lbh + j * LEV_LANES, xh);
        v4_store(lbl + j * LEV_LANES, xl);
    }
}

/* Step 3's C += b b^T of one row (lev_dot2_add on each entry), 4 columns y
 * at a time: C has row stride dp (d rounded up to 4), the row's sh and sl
 * are padded with zeros to dp; the entries above the diagonal this also
 * touches are never read. */
LEV_V3 void bht__lev_gram_add_v4(size_t d, size_t dp, const double *sh, const double *sl,
                               double *ch, double *cl)
{
    for (size_t x = 0; x < d; x++) {
        const lev_v4 ph = v4_set(sh[x]), pl = v4_set(sl[x]);
        for (size_t y = 0; y <= x; y += 4) {
            lev_v4 h = v4_load(ch + x * dp + y), l = v4_load(cl + x * dp + y);
            v4_dot2_add(&h, &l, ph, pl, v4_load(sh + y), v4_load(sl + y));
            v4_store(ch + x * dp + y, h);
            v4_store(cl + x * dp + y, l);
        }
    }
}

/* scalings' check of A and its maxima c[j] = max_i ilogb(a_ij) - t_i
 * (INT_MIN for a zero column), 4 columns at a time with the exponent
 * fields read from the bits.  Returns -1 when an entry is not finite, 0
 * when an entry is subnormal (then scalings does it all), else 1. */
LEV_V3 int bht__lev_scalings_v4(size_t n, size_t d, const double *A, const int *t, int *c)
{
    const size_t d4 = d / 4 * 4;
    const lev_m4 field_mask = {0x7ff, 0x7ff, 0x7ff, 0x7ff}, none = {INT_MIN, INT_MIN, INT_MIN,
                                                                    INT_MIN};
    const lev_m4 mag = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    lev_m4 cm[BHT_LEVERAGE_MAX_D / 4], bad = {0, 0, 0, 0}, sub = bad;
    int64_t ct[3] = {INT_MIN, INT_MIN, INT_MIN}, bad_t = 0, sub_t = 0;
    for (size_t g = 0; g < d4 / 4; g++)
        cm[g] = none;
    for (size_t i = 0; i < n; i++) {
        const int64_t ti = t[i];
        const double *row = A + i * d;
        for (size_t j = 0; j < d4; j += 4) {
            lev_m4 bits;
            memcpy(&bits, row + j, sizeof bits);
            const lev_m4 field = (bits >> 52) & field_mask;
            const lev_m4 nz = (bits & mag) != 0;
            bad |= field == field_mask;
            sub |= nz & (field == 0);
            const lev_m4 val = ((field - 1023 - ti) & nz) | (none & ~nz);
            const lev_m4 gt = val > cm[j / 4];
            cm[j / 4] = (val & gt) | (cm[j / 4] & ~gt);
        }
        for (size_t j = d4; j < d; j++) {
            uint64_t bits;
            memcpy(&bits, row + j, sizeof bits);
            const int64_t field = (int64_t)((bits >> 52) & 0x7ff);
            bad_t |= field == 0x7ff;
            if ((bits & INT64_MAX) == 0)
                continue;
            sub_t |= field == 0;
            ct[j - d4] = field - 1023 - ti > ct[j - d4] ? field - 1023 - ti : ct[j - d4];
        }
    }
    int64_t m[4];
    memcpy(m, &bad, sizeof m);
    if (bad_t | m[0] | m[1] | m[2] | m[3])
        return -1;
    memcpy(m, &sub, sizeof m);
    if (sub_t | m[0] | m[1] | m[2] | m[3])
        return 0;
    for (size_t j = 0; j < d4; j += 4) {
        memcpy(m, &cm[j / 4], sizeof m);
        for (size_t l = 0; l < 4; l++)
            c[j + l] = (int)m[l];
    }
    for (size_t j = d4; j < d; j++)
        c[j] = (int)ct[j - d4];
    return 1;
}

/* out[j] = lev_ldexp(x[j], e), j < d: for -1022 <= e <= 1023 the same
 * product by 2^e, 4 entries at a time. */
LEV_V3 void bht__lev_scale_pow2_v4(size_t d, const double *x, int e, double *out)
{
    size_t j = 0;
    if (e >= -1022 && e <= 1023) {
        const uint64_t bits = (uint64_t)(e + 1023) << 52;
        double p;
        memcpy(&p, &bits, sizeof p);
        for (; j + 4 <= d; j += 4)
            v4_store(out + j, v4_load(x + j) * v4_set(p));
    }
    for (; j < d; j++)
        out[j] = lev_ldexp(x[j], e);
}

/* Row i of W for householder_r_v4 (build_pass_body's step 1: entry j is
 * lev_ldexp(a_ij, c_j - t_i) / s'), 4 entries at a time where c_j - t_i is
 * in [-1022, 1023] (the product by 2^(c_j - t_i) built from its bits), and
 * its 3 entries of padding (zeros). */
LEV_V3 void bht__lev_w_row_v4(size_t d, const double *a, const int *c, int ti, double sprime,
                            double *out)
{
    size_t j = 0;
    for (; j + 4 <= d; j += 4) {
        const lev_m4 sc =
            (lev_m4)_mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(c + j))) - ti;
        const lev_m4 out_of_range = (sc < -1022) | (sc > 1023);
        if (!_mm256_testz_si256((__m256i)out_of_range, (__m256i)out_of_range)) {
            for (size_t q = j; q < j + 4; q++)
                out[q] = lev_ldexp(a[q], c[q] - ti) / sprime;
            continue;
        }
        const lev_m4 pbits = (sc + 1023) << 52;
        lev_v4 p;
        memcpy(&p, &pbits, sizeof p);
        v4_store(out + j, v4_load(a + j) * p / v4_set(sprime));
    }
    for (; j < d; j++)
        out[j] = lev_ldexp(a[j], c[j] - ti) / sprime;
    out[d] = out[d + 1] = out[d + 2] = 0.0;
}

/* In place 4-by-4 transpose of the rows x[0 .. 3] (data movement only). */
static LEV_V3_HOT void v4_transpose(lev_v4 *x)
{
    const __m256d t0 = _mm256_unpacklo_pd((__m256d)x[0], (__m256d)x[1]);
    const __m256d t1 = _mm256_unpackhi_pd((__m256d)x[0], (__m256d)x[1]);
    const __m256d t2 = _mm256_unpacklo_pd((__m256d)x[2], (__m256d)x[3]);
    const __m256d t3 = _mm256_unpackhi_pd((__m256d)x[2], (__m256d)x[3]);
    x[0] = (lev_v4)_mm256_permute2f128_pd(t0, t2, 0x20);
    x[1] = (lev_v4)_mm256_permute2f128_pd(t1, t3, 0x20);
    x[2] = (lev_v4)_mm256_permute2f128_pd(t0, t2, 0x31);
    x[3] = (lev_v4)_mm256_permute2f128_pd(t1, t3, 0x31);
}

/* Copies between rows (row rows[l] of the n-by-d q, l < count) and the lane
 * layout (entry j of lane l at lanes[j * LEV_LANES + l]): to_lanes, the
 * rows into lanes 0 .. count - 1 and zeros into the others; else the lanes
 * back into the rows.  4-by-4 blocks by transposes, the rest one by one. */
LEV_V3 void bht__lev_lanes_copy_v4(size_t d, double *q, const size_t *rows, size_t count,
                                 double *lanes, int to_lanes)
{
    const size_t d4 = d / 4 * 4, c4 = count / 4 * 4;
    for (size_t l = 0; l < c4; l += 4) {
        double *r0 = q + rows[l] * d, *r1 = q + rows[l + 1] * d;
        double *r2 = q + rows[l + 2] * d, *r3 = q + rows[l + 3] * d;
        for (size_t j = 0; j < d4; j += 4) {
            double *c = lanes + j * LEV_LANES + l;
            lev_v4 x[4];
            if (to_lanes) {
                x[0] = v4_load(r0 + j);
                x[1] = v4_load(r1 + j);
                x[2] = v4_load(r2 + j);
                x[3] = v4_load(r3 + j);
            } else {
                x[0] = v4_load(c);
                x[1] = v4_load(c + LEV_LANES);
                x[2] = v4_load(c + 2 * LEV_LANES);
                x[3] = v4_load(c + 3 * LEV_LANES);
            }
            v4_transpose(x);
            if (to_lanes) {
                v4_store(c, x[0]);
                v4_store(c + LEV_LANES, x[1]);
                v4_store(c + 2 * LEV_LANES, x[2]);
                v4_store(c + 3 * LEV_LANES, x[3]);
            } else {
                v4_store(r0 + j, x[0]);
                v4_store(r1 + j, x[1]);
                v4_store(r2 + j, x[2]);
                v4_store(r3 + j, x[3]);
            }
        }
    }
    for (size_t l = 0; l < (to_lanes ? LEV_LANES : count); l++)
        for (size_t j = (l < c4 ? d4 : 0); j < d; j++) {
            if (!to_lanes)
                q[rows[l] * d + j] = lanes[j * LEV_LANES + l];
            else
                lanes[j * LEV_LANES + l] = l < count ? q[rows[l] * d + j] : 0.0;
        }
}

/* Columns j .. j + m - 1 (m = min(4, d - j), returned) of the 4 rows r0,
 * r0 + d, r0 + 2 d, r0 + 3 d: x[q] holds column j + q, lane l row l. */
static LEV_V3_HOT size_t v4_columns(const double *r0, size_t d, size_t j, lev_v4 *x)
{
    const double *r1 = r0 + d, *r2 = r1 + d, *r3 = r2 + d;
    if (j + 4 <= d) {
        x[0] = v4_load(r0 + j);
        x[1] = v4_load(r1 + j);
        x[2] = v4_load(r2 + j);
        x[3] = v4_load(r3 + j);
        v4_transpose(x);
        return 4;
    }
    for (size_t q = 0; q < d - j; q++)
        x[q] = (lev_v4){r0[j + q], r1[j + q], r2[j + q], r3[j + q]};
    return d - j;
}

/* The lanes' y of build_pass_body's step 2: lev_scale_row of the rows i0 +
 * l, l < cnt, into lane l of ly (lane layout), zeros in the lanes from cnt
 * on (nz[l] = 0); nz[l], e[l] as lev_scale_row returns them.  4 rows at a
 * time: entries moved into vectors over the rows by 4-by-4 transposes, the
 * exponent fields read from the bits (lev_ilogb's normal case), the rows'
 * maxima taken lane by lane, 2^(c_j - e) built from its bits (lev_ldexp's
 * in-range case); a row with a subnormal entry or a scale out of that
 * range, and a zero row, by lev_scale_row itself (tmp: d doubles). */
LEV_V3 void bht__lev_scale_rows_v4(const lev_basis *b, const double *A, size_t i0, size_t cnt,
                                 double *ly, double *tmp, int *nz, int *e)
{
    const size_t d = b->d;
    const lev_m4 field_mask = {0x7ff, 0x7ff, 0x7ff, 0x7ff}, none = {INT_MIN, INT_MIN, INT_MIN,
                                                                    INT_MIN};
    const lev_m4 mag = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    for (size_t l0 = 0; l0 < LEV_LANES; l0 += 4) {
        int64_t fb[4] = {-1, -1, -1, -1}; /* lanes left to lev_scale_row */
        if (l0 + 4 <= cnt) {
            const double *r0 = A + (i0 + l0) * d;
            lev_m4 emax = none, bad = {0, 0, 0, 0};
            for (size_t j = 0; j < d; j += 4) {
                lev_v4 x[4];
                const size_t m = v4_columns(r0, d, j, x);
                for (size_t q = 0; q < m; q++) {
                    lev_m4 bits;
                    memcpy(&bits, &x[q], sizeof bits);
                    const lev_m4 field = (bits >> 52) & field_mask;
                    const lev_m4 nzv = (bits & mag) != 0;
                    bad |= nzv & (field == 0);
                    const lev_m4 val = ((field - 1023 + b->c[j + q]) & nzv) | (none & ~nzv);
                    const lev_m4 gt = val > emax;
                    emax = (val & gt) | (emax & ~gt);
                }
            }
            bad |= emax == none;
            for (size_t j = 0; j < d; j++) {
                const lev_m4 sc = b->c[j] - emax;
                bad |= (sc < -1022) | (sc > 1023);
            }
            for (size_t j = 0; j < d; j += 4) {
                lev_v4 x[4];
                const size_t m = v4_columns(r0, d, j, x);
                for (size_t q = 0; q < m; q++) {
                    const lev_m4 pbits = (b->c[j + q] - emax + 1023) << 52;
                    lev_v4 p;
                    memcpy(&p, &pbits, sizeof p);
                    v4_store(ly + (j + q) * LEV_LANES + l0, x[q] * p);
                }
            }
            int64_t em[4];
            memcpy(em, &emax, sizeof em);
            memcpy(fb, &bad, sizeof fb);
            for (size_t l = 0; l < 4; l++) {
                nz[l0 + l] = 1;
                e[l0 + l] = (int)em[l];
            }
        }
        for (size_t l = l0; l < l0 + 4; l++) {
            if (!fb[l - l0])
                continue;
            nz[l] = l < cnt && lev_scale_row(b, A + (i0 + l) * d, tmp, &e[l]);
            for (size_t j = 0; j < d; j++) /* no row, or a zero row: a lane left unused */
                ly[j * LEV_LANES + l] = nz[l] ? tmp[j] : 0.0;
        }
    }
}

/* |q_i|^2 of the rows i .. i + 7 (none a zero row): row_sumsq_body's dot2
 * sums in two vectors (entry j of 4 rows gathered into one vector). */
LEV_V3 void bht__lev_row_sumsq8_v4(const lev_basis *b, size_t i, double *hh, double *hl)
{
    const size_t d = b->d;
    const double *qh = b->qh + i * d, *ql = b->ql + i * d;
    lev_v4 sh0 = v4_set(0.0), sl0 = sh0, sh1 = sh0, sl1 = sh0;
    for (size_t j = 0; j < d; j++) {
        const lev_v4 h0 = {qh[j], qh[d + j], qh[2 * d + j], qh[3 * d + j]};
        const lev_v4 l0 = {ql[j], ql[d + j], ql[2 * d + j], ql[3 * d + j]};
        const lev_v4 h1 = {qh[4 * d + j], qh[5 * d + j], qh[6 * d + j], qh[7 * d + j]};
        const lev_v4 l1 = {ql[4 * d + j], ql[5 * d + j], ql[6 * d + j], ql[7 * d + j]};
        v4_dot2_add(&sh0, &sl0, h0, l0, h0, l0);
        v4_dot2_add(&sh1, &sl1, h1, l1, h1, l1);
    }
    lev_v4 e0, e1;
    v4_store(hh + i, v4_two_sum(sh0, sl0, &e0));
    v4_store(hl + i, e0);
    v4_store(hh + i + 4, v4_two_sum(sh1, sl1, &e1));
    v4_store(hl + i + 4, e1);
}
#else
typedef int lev_lanes_none; /* no x86-64-v3 code (ISO C: no empty translation unit) */
#endif
