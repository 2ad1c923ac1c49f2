/* softmax_dd.c: double-double softmax (see softmax_dd.h). */
#include <math.h>
#include <stdint.h>
#include "softmax_dd.h"
#include "dd_elementary.h"

/* Below this shifted logit p_i < 2^-1076: taken as 0. */
#define SHIFTED_LOGIT_FLOOR (-746.0)

void bht_dot_difference_dd(size_t d, const double *a, const double *b, const double *x,
                           double *hi, double *lo)
{
    double sh = 0.0, sl = 0.0;
    for (size_t k = 0; k < d; k++) {
        double dl = 0.0;
        double dh = b ? two_sum(a[k], -b[k], &dl) : a[k];
        double pl, el, ql;
        double ph = two_prod(dh, x[k], &pl);
        sh = two_sum(sh, ph, &el);
        sl += el + pl;
        double qh = two_prod(dl, x[k], &ql);
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

/* Logits by Dot2, shift by the dd maximum (exact TwoSum differences, one
 * accurate dd addition), the dd exponential (2^-66), accurate dd sum and
 * quotient (JMP17): relative error < 2^-63 per component. */
size_t bht_softmax_dd(size_t n, size_t d, const double *A, const double *x, double *ph,
                      double *pl)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bht_dot_difference_dd(d, A + i * d, NULL, x, &ph[i], &pl[i]);
        if (ph[i] > ph[m] || (ph[i] == ph[m] && pl[i] > pl[m]))
            m = i;
    }
    const double zh = ph[m], zl = pl[m];
    double sh = 0.0, sl = 0.0;
    for (size_t i = 0; i < n; i++) {
        double th, tl, dl, el;
        double dh = two_sum(ph[i], -zh, &dl);
        double eh = two_sum(pl[i], -zl, &el);
        dd_add(dh, dl, eh, el, &th, &tl);
        ph[i] = pl[i] = 0.0;
        if (th < SHIFTED_LOGIT_FLOOR)
            continue;
        double xh, xl;
        int scale;
        bht_dd_exp(th, tl, &xh, &xl, &scale);
        ph[i] = ldexp(xh, scale);
        pl[i] = ldexp(xl, scale);
        dd_add(sh, sl, ph[i], pl[i], &sh, &sl);
    }
    for (size_t i = 0; i < n; i++)
        if (ph[i] != 0.0)
            dd_div(ph[i], pl[i], sh, sl, &ph[i], &pl[i]);
    return m;
}
