/* softmax_dd.c: double-double softmax (see softmax_dd.h). */
#include <math.h>
#include <stdint.h>
#include "softmax/softmax_dd.h"
#include "core/dd_elementary.h"

/* Below this shifted logit p_i < 2^-1076: taken as 0 (scaled output off). */
#define SHIFTED_LOGIT_FLOOR (-746.0)
/* With separate exponents, shifted logits down to this are evaluated:
 * p_i >= e^-1600 > 2^-2309, so every p_i that matters for a product with a
 * finite double (< 2^1024) against a result >= 2^-1075 is kept. */
#define SCALED_LOGIT_FLOOR (-1600.0)
/* ln 2 = LN2_HI + LN2_LO + O(2^-110) */
#define LN2_HI 0x1.62e42fefa39efp-1
#define LN2_LO 0x1.abc9e3b39803fp-56

/* exp(th + tl) = (mh + ml) 2^scale for th >= SCALED_LOGIT_FLOOR: below the
 * dd exponential's domain the argument is first raised by N ln 2 (N an
 * integer, N ln 2 in dd with error < N 2^-108 < 2^-96), which only moves
 * the power of two. */
static void exp_scaled(double th, double tl, double *mh, double *ml, int *scale)
{
    int shift = 0;
    if (th < BHT_DD_EXP_MIN + 1.0) {
        shift = (int)((-700.0 - th) / LN2_HI);
        double nl, nh = two_prod((double)shift, LN2_HI, &nl);
        nl += (double)shift * LN2_LO;
        dd_add(th, tl, nh, nl, &th, &tl);
    }
    bht_dd_exp(th, tl, mh, ml, scale);
    *scale -= shift;
}

void bht_dot_difference_dd(size_t d, const double *a, const double *b, const double *x,
                           double *hi, double *lo)
{
    double sh = 0.0, sl = 0.0;
    for (size_t k = 0; k < d; k++) {
        double dl = 0.0, xk = x[k];
        double dh = b ? two_sum(a[k], -b[k], &dl) : a[k];
        if (b && !(isfinite(dh) && isfinite(dl))) {
            /* a_k - b_k overflows (entries near DBL_MAX; found by fuzzing):
             * halve both (exact at that size) and double x_k (exact: the
             * affine range check keeps |x_k| small then).  Also when only
             * TwoSum's error term is NaN: its intermediate s - a overflows
             * for a finite sum near DBL_MAX (a = -1.47 2^1022, b = DBL_MAX:
             * found by tests/fuzz/fuzz_model_distance.c, NaN logit, UBSan in
             * bht_dd_exp) */
            dh = two_sum(a[k] / 2.0, -b[k] / 2.0, &dl);
            xk = 2.0 * x[k];
        }
        double pl, el, ql;
        double ph = two_prod(dh, xk, &pl);
        sh = two_sum(sh, ph, &el);
        sl += el + pl;
        double qh = two_prod(dl, xk, &ql);
        sh = two_sum(sh, qh, &el);
        sl += el + ql;
    }
    *hi = fast_two_sum(sh, sl, lo);
}

static int exponent_of(double v)
{
    int e = 0;
    (void)frexp(v, &e);
    return e;
}

bht_status bht_check_affine_range(size_t n, size_t d, const double *A, const double *x)
{
    int bits = 0;
    while (bits < 62 && ((size_t)1 << bits) < d)
        bits++;
    const int limit = 1018 - bits;
    for (size_t k = 0; k < d; k++)
        if (!isfinite(x[k]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++)
        if (exponent_of(A[k]) + exponent_of(x[k % d]) > limit)
            return BHT_E_RANGE;
    return BHT_OK;
}

/* Logits by Dot2 to find the most probable row m, then the shifted logits
 * (A_i - A_m) x from the exact row differences (TwoSum) by Dot2 -- not
 * z_i - z_m, which loses differences below the dd resolution of large
 * logits (found by fuzzing) -- re-picking m while some difference is
 * positive; the dd exponential (2^-66), accurate dd sum and quotient
 * (JMP17): relative error < 2^-63 per component plus the Dot2 error of the
 * shifted logit (gamma_2d^2 sum_k |a_ik - a_mk| |x_k|, see local_softmax.c). */
size_t bht_softmax_dd(size_t n, size_t d, const double *A, const double *x, double *ph,
                      double *pl, int *pe)
{
    const double floor = pe ? SCALED_LOGIT_FLOOR : SHIFTED_LOGIT_FLOOR;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bht_dot_difference_dd(d, A + i * d, NULL, x, &ph[i], &pl[i]);
        if (ph[i] > ph[m] || (ph[i] == ph[m] && pl[i] > pl[m]))
            m = i;
    }
    for (size_t round = 0; round < n; round++) {
        size_t best = m;
        for (size_t i = 0; i < n; i++) {
            bht_dot_difference_dd(d, A + i * d, A + m * d, x, &ph[i], &pl[i]);
            if (ph[i] > 0.0 && (best == m || ph[i] > ph[best]))
                best = i;
        }
        if (best == m)
            break;
        m = best;
    }
    double sh = 0.0, sl = 0.0;
    for (size_t i = 0; i < n; i++) {
        double th = ph[i], tl = pl[i];
        ph[i] = pl[i] = 0.0;
        if (pe)
            pe[i] = 0;
        if (th < floor)
            continue;
        double xh, xl;
        int scale;
        exp_scaled(th, tl, &xh, &xl, &scale);
        if (pe) {
            ph[i] = xh;
            pl[i] = xl;
            pe[i] = scale;
        } else {
            ph[i] = ldexp(xh, scale);
            pl[i] = ldexp(xl, scale);
        }
        if (scale > -1100) /* smaller terms are far below the sum's rounding */
            dd_add(sh, sl, ldexp(xh, scale), ldexp(xl, scale), &sh, &sl);
    }
    for (size_t i = 0; i < n; i++)
        if (ph[i] != 0.0)
            dd_div(ph[i], pl[i], sh, sl, &ph[i], &pl[i]);
    return m;
}
