/* regression_softmax.c: a double-double exponential with relative error
 * below 2^-96 and the softmax the regression kernels build on.
 *
 * Why not bht_dd_exp (2^-66): the loss and its derivatives depend on
 * c = f - b, and when f is close to b the absolute error of f becomes a
 * relative error of c amplified by f / |c|.  With 2^-96 the kernels certify
 * c down to |c| ~ 2^-40 f instead of ~2^-10 f. */
#include <math.h>
#include <stdint.h>
#include "regression_internal.h"
#include "softmax/softmax_dd.h"

/* ln 2 = LN2_1 + LN2_2 + LN2_3 + O(2^-157); LN2_1 has 41 significant bits,
 * so k LN2_1 is exact for |k| < 2^12.  Generated with MPFR 4.2.0 at 1000
 * bits (successive round-to-nearest remainders); checked in
 * tests/regression/test_regression.c. */
#define LN2_1 0x1.62e42fefa4p-1
#define LN2_2 (-0x1.8432a1b0e2634p-43)
#define LN2_3 0x1.f97b57a079a19p-103
#define INV_LN2 0x1.71547652b82fep+0

/* Taylor degree of expm1 on |r'| <= 2^-9.5 (remainder < 2^-117 relative)
 * and the number of squarings undoing r' = r 2^-SQUARINGS. */
#define TAYLOR_DEGREE 10
#define SQUARINGS 8

/* Algorithm: k = round(t / ln 2), r = t - k ln 2 in dd (three-part ln 2,
 * |r| <= 0.35, absolute error < 2^-130); expm1(r 2^-8) by Horner in dd
 * (each step 1 + (r'/j) p: the dd addition errs by 3u^2, the rest is scaled
 * by |r'|/j < 2^-9, total < 36u^2 + 2^-117); eight steps E <- E (2 + E)
 * (expm1 of the doubled argument; relative error grows by a factor
 * prod (1 + E_k / 2) < 1.53 plus 8u^2 per step); finally 1 + E.
 * Total relative error < 1.53 (36 + 64) u^2 + 3u^2 + 2^-117 < 160 u^2 <
 * 2^-98.6, stated as 2^-96 (REGRESSION_EXP_REL_ERROR) and measured against
 * MPFR in tests/regression/test_regression.c (exp_dd). */
void bht__regression_exp_dd(double th, double tl, double *mh, double *ml, int *scale)
{
    double k = nearbyint(th * INV_LN2);
    double rh, rl;
    /* th - k LN2_1: k LN2_1 exact; the difference as an exact dd */
    rh = two_sum(th, -k * LN2_1, &rl);
    dd_add(rh, rl, tl, 0.0, &rh, &rl);
    double p2l, p2h = two_prod(k, LN2_2, &p2l);
    dd_add(rh, rl, -p2h, -p2l, &rh, &rl);
    dd_add(rh, rl, -k * LN2_3, 0.0, &rh, &rl);
    /* r' = r 2^-8 (exact) */
    rh = ldexp(rh, -SQUARINGS);
    rl = ldexp(rl, -SQUARINGS);
    /* p = 1 + r'/2 (1 + r'/3 (... (1 + r'/N))) */
    double ph = 1.0, pl = 0.0;
    for (int j = TAYLOR_DEGREE; j >= 2; j--) {
        double th2, tl2;
        dd_mul(rh, rl, ph, pl, &th2, &tl2);
        dd_div(th2, tl2, (double)j, 0.0, &th2, &tl2);
        dd_add(1.0, 0.0, th2, tl2, &ph, &pl);
    }
    double eh, el;
    dd_mul(rh, rl, ph, pl, &eh, &el); /* expm1(r') */
    for (int j = 0; j < SQUARINGS; j++) {
        double sh, sl;
        dd_add(2.0, 0.0, eh, el, &sh, &sl);
        dd_mul(eh, el, sh, sl, &eh, &el);
    }
    dd_add(1.0, 0.0, eh, el, mh, ml);
    *scale = (int)k;
}

/* Dot2 error of sum_k (a_k - b_k) x_k over 2d products (b != NULL) or
 * sum a_k x_k over d (b == NULL), unevaluated result: <= gamma_N^2
 * sum |terms| (Ogita, Rump & Oishi, SIAM J. Sci. Comput. 26(6) 2005,
 * Prop. 4.5 without the final rounding); twice that, plus underflow. */
static double dot_error(size_t d, const double *a, const double *b, const double *x)
{
    const double terms = (double)(b ? 2 * d : d);
    const double gamma = terms * 0x1p-53 / (1.0 - terms * 0x1p-53);
    double sum = 0.0;
    int nonzero = 0;
    for (size_t k = 0; k < d; k++) {
        double diff = b ? a[k] - b[k] : a[k];
        sum += fabs(diff) * fabs(x[k]);
        nonzero += diff != 0.0 && x[k] != 0.0;
    }
    /* no nonzero term: the sum is exactly 0 (differences of doubles that
     * round to 0 are exactly 0) */
    return nonzero ? 2.0 * gamma * gamma * sum * 1.01 + terms * 0x1p-1070 : 0.0;
}

/* Below this shifted logit f_i < e^-2000 / 1: reported as 0 (absolute error
 * far below the 2^-1072 every component carries anyway). */
#define LOGIT_FLOOR (-2000.0)

void bht__regression_softmax(const regression_problem *p, tdd *f, double *work, size_t *m_out)
{
    const size_t n = p->n, d = p->d;
    double *th = work, *tl = work + n;
    /* the reference row: bht_softmax_dd re-picks it until no shifted logit
     * is positive as computed (its probabilities are not used) */
    size_t m = bht_softmax_dd(n, d, p->A, p->x, th, tl, NULL);
    double logit_err = 0.0;
    for (size_t i = 0; i < n; i++) {
        bht_dot_difference_dd(d, p->A + i * d, p->A + m * d, p->x, &th[i], &tl[i]);
        if (th[i] >= LOGIT_FLOOR && i != m)
            logit_err = fmax(logit_err, dot_error(d, p->A + i * d, p->A + m * d, p->x));
    }
    /* S = sum exp(t_i) >= 1 (t_m = 0), accurate dd sum with its running
     * error; terms below 2^-1100 are dropped (n 2^-1074 covers them) */
    /* every logit tied, exactly: f_i = 1/n, exact for n a power of two
     * (dd division otherwise, 15u^2) */
    int tied = logit_err == 0.0;
    for (size_t i = 0; i < n && tied; i++)
        tied = th[i] == 0.0 && tl[i] == 0.0;
    if (tied) {
        double qh, ql;
        dd_div(1.0, 0.0, (double)n, 0.0, &qh, &ql);
        for (size_t i = 0; i < n; i++) {
            f[i].h = qh;
            f[i].l = ql;
            f[i].e = (n & (n - 1)) == 0 ? 0.0 : 15.1 * REGRESSION_U2 * qh;
        }
        *m_out = m;
        return;
    }
    double sh = 0.0, sl = 0.0, running = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (th[i] < LOGIT_FLOOR)
            continue;
        double mh, ml;
        int scale;
        bht__regression_exp_dd(th[i], tl[i], &mh, &ml, &scale);
        th[i] = mh; /* keep exp(t_i) = (th + tl) 2^scale for the quotient */
        tl[i] = ml;
        f[i].e = (double)scale; /* scale parked in e until the quotient */
        if (scale > -1100) {
            dd_add(sh, sl, ldexp(mh, scale), ldexp(ml, scale), &sh, &sl);
            running += fabs(sh);
        }
    }
    /* relative error of every f_i: exp of the numerator and of each term of
     * S (2 e_exp), the sum (3.01u^2 running / S, plus dropped terms), the
     * quotient (15u^2 + 56u^3, JMP17 Thm 7.1), and the logits: moving each
     * t_j by at most delta moves log f_i by at most 2 delta, and
     * e^(2 delta) - 1 <= 2.01 delta for delta <= 2^-20 */
    double rel = 2.0 * REGRESSION_EXP_REL_ERROR
                 + (3.01 * REGRESSION_U2 * running + (double)n * 0x1p-1073) / sh
                 + 15.1 * REGRESSION_U2 + 2.01 * logit_err;
    if (!(logit_err <= 0x1p-20))
        rel = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (th[i] < LOGIT_FLOOR) {
            f[i].h = f[i].l = 0.0;
            f[i].e = 0x1p-1072;
            continue;
        }
        int scale = (int)f[i].e;
        double qh, ql;
        dd_div(th[i], tl[i], sh, sl, &qh, &ql);
        /* ldexp may round both words in the subnormal range (2^-1075 each) */
        f[i].h = ldexp(qh, scale);
        f[i].l = ldexp(ql, scale);
        double hi = fast_two_sum(f[i].h, f[i].l, &f[i].l);
        f[i].h = hi;
        f[i].e = rel * tdd_abs(f[i]) * 1.01 + 0x1p-1072;
    }
    *m_out = m;
}
