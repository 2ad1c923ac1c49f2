/* local_softmax_exact.c: the exact-logit path of the softmax local analysis
 * (local_softmax_exact.h).
 *
 * Algorithm.  Exact shifted logits t_i = (A_i - A_m) x and exact g'_i =
 * (M_i - M_m) x in a long accumulator (fixed_acc.h; m the exact argmax, so
 * t_i <= 0), e_i = e^t_i from the 320-bit fixed-point exponential
 * (exp_fixed.h, relative error < 2^-262; exactly 1 for t_i = 0; rows with
 * t_i <= -4096 are left out, e_i < 2^-5909), then, everything scaled by
 * 2^-G (G the exponent of max |g'_i|),
 *   T = sum e_i,  S = sum e_i g'_i   (exact sums of the products of the
 *       expansions of e_i and g'_i: the cancellation in <p, g'> = S/T costs
 *       nothing),
 *   D_i = g'_i - S/T = (g'_i T - S) / T, the numerator again exact, and
 *   p_i D_i, nu = sum p_i D_i^2 in double-double.
 * Error bound (a posteriori, xbound.h), with E_T the relative error of T:
 *   |S/T - <p, g'>| <= [sum e_i |g'_i| (2^-262 + rel. truncation of g'_i)
 *                       + |S| E_T] / T =: mean_err,
 *   |D_i - dev_i| <= e_i := mean_err + |g'_i| (truncation) + 2^-99 |D_i|;
 *   p_i to 2^-99 relative; a derivative component is certified when e_i <=
 *   2^-54 |D_i| (total error <= 1/2 + 1/2 + 2^-45 ulp), nu when
 *   sum p_i (2 |D_i| e_i + e_i^2) + 2^-96 nu <= 2^-54 nu (or when nu plus
 *   that bound is below 2^-1077: then nu = nu/8 = 0).  Otherwise
 *   an uncertified component is tested for an exact zero
 *   (deviation_is_zero: Lindemann-Weierstrass), else BHT_E_RANGE, naming
 *   the component: the cancellation in g_i - <p, g> exceeds ~2^-200 of
 *   sum p_j |g_j - g_m|.
 * Reference: Kulisch's exact dot product (fixed_acc.c); Ogita, Rump & Oishi
 * 2005 for the a-posteriori style of bound. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nu/local_softmax_exact.h"
#include "core/dd_elementary.h"
#include "core/exp_fixed.h"
#include "core/fixed_acc.h"
#include "core/xbound.h"

#define EXP_PARTS BHT_EXP_FIXED_PARTS
#define G_PARTS BHT_ACC_PARTS
/* |t_i| at or beyond this: e_i < 2^-5909, left out (and bounded) */
#define LOGIT_FLOOR 4096u
/* relative error of the fixed-point exponential's parts (exp_fixed.h) */
#define EXP_REL 0x1p-262

/* acc = sum_k (a_k - b_k) x_k exactly (b may be NULL). */
static void row_dot(bht_acc *acc, size_t d, const double *a, const double *b, const double *x)
{
    bht_acc_clear(acc);
    for (size_t k = 0; k < d; k++) {
        bht_acc_add_product(acc, a[k], x[k], 0);
        if (b)
            bht_acc_add_product(acc, b[k], -x[k], 0);
    }
}

typedef struct row_data {
    double e[EXP_PARTS]; /* e_i 2^k = sum e[] */
    double g[G_PARTS];   /* g'_i 2^-gexp = sum g[] (gcount parts) */
    double grem;         /* truncation of g[], relative to 2^gexp */
    int k, gexp, gcount;
    unsigned char skipped, exact_e;
} row_data;

typedef struct row_ref {
    const row_data *r;
    size_t i;
} row_ref;

/* Order by the computed e_i (rows left out first), then by index. */
static int compare_rows(const void *pa, const void *pb)
{
    const row_ref *a = pa, *b = pb;
    const row_data *x = a->r, *y = b->r;
    if (x->skipped != y->skipped)
        return x->skipped > y->skipped ? -1 : 1;
    if (!x->skipped) {
        if (x->k != y->k)
            return x->k < y->k ? -1 : 1;
        for (int j = 0; j < EXP_PARTS; j++)
            if (x->e[j] != y->e[j])
                return x->e[j] < y->e[j] ? -1 : 1;
    }
    return a->i < b->i ? -1 : (a->i > b->i);
}

/* Groups of rows with the same exact logit: order[] sorted so that each
 * group is a run (equal logits give bitwise equal e_i; runs of equal e_i
 * are then checked to have equal exact logits); start[g] = first position
 * of run g.  Returns the number of runs, or 0 when a run of equal e_i
 * holds different logits (then no exact statement is made). */
static size_t logit_groups(size_t n, size_t d, const double *A, const double *x,
                           const row_data *rows, row_ref *order, size_t *start, bht_acc *t)
{
    for (size_t i = 0; i < n; i++)
        order[i] = (row_ref){&rows[i], i};
    qsort(order, n, sizeof *order, compare_rows);
    size_t groups = 0;
    for (size_t q = 0; q < n; q++) {
        const row_data *r = order[q].r, *first = groups ? order[start[groups - 1]].r : NULL;
        int same = first && r->skipped == first->skipped
                   && (r->skipped || (r->k == first->k
                                      && memcmp(r->e, first->e, sizeof r->e) == 0));
        if (!same) {
            start[groups++] = q;
            continue;
        }
        row_dot(t, d, A + order[q].i * d, A + order[start[groups - 1]].i * d, x);
        if (bht_acc_sign(t) != 0)
            return 0;
    }
    start[groups] = n;
    return groups;
}

/* Is g_i - <p, g> exactly 0?  <p, g'> - g'_i = sum_j e^t_j (g'_j - g'_i) / T
 * with rational t_j and g'_j: by the Lindemann-Weierstrass theorem (the
 * e^t for distinct rational t are linearly independent over the algebraic
 * numbers) it vanishes exactly when, for every value of t, the sum of
 * g'_j - g'_i over the rows with that logit does: e.g. tied rows with g
 * = +-1 and a row with g = 0 (found by the mean_cancels_constructed
 * generator: the bound alone could not certify the zero). */
static int deviation_is_zero(size_t i, size_t d, const double *M, const double *x,
                             const row_ref *order, const size_t *start, size_t groups,
                             bht_acc *t)
{
    for (size_t g = 0; g < groups; g++) {
        bht_acc_clear(t);
        for (size_t q = start[g]; q < start[g + 1]; q++) {
            const double *row = M + order[q].i * d;
            for (size_t k = 0; k < d; k++) {
                bht_acc_add_product(t, row[k], x[k], 0);
                bht_acc_add_product(t, M[i * d + k], -x[k], 0);
            }
        }
        if (bht_acc_sign(t) != 0)
            return 0;
    }
    return 1;
}

/* Is |hi| 2^scale, known to a relative 2^-53, too close to the overflow
 * threshold 2^1024 (1 - 2^-54) to tell whether it rounds to +-inf? */
static int near_overflow(double hi, int scale)
{
    const xbound threshold = {1.0 - 0x1p-54, 1024}; /* m in [1/2, 1) */
    xbound up = xb_make(hi * (1.0 + 0x1p-52), scale);
    xbound low = xb_make(hi * (1.0 - 0x1p-52), scale);
    return xb_le(threshold, up) && !xb_le(threshold, low);
}

/* (hi, lo) from the first two parts of an expansion (renormalised). */
static void leading_dd(const double *part, int count, double *hi, double *lo)
{
    double a = count > 0 ? part[0] : 0.0, b = count > 1 ? part[1] : 0.0;
    *hi = fast_two_sum(a, b, lo);
}

bht_status bht_nu_softmax_exact(size_t n, size_t d, const double *A, const double *M,
                                const double *x, double *nu_hi, double *nu_lo, int *nu_exp,
                                double *derivative, size_t *uncertified)
{
    row_data *rows = malloc(n * sizeof *rows);
    double *th = malloc(2 * n * sizeof *th);
    int *te = malloc(n * sizeof *te);
    bht_acc *acc = malloc(3 * sizeof *acc);
    if (!rows || !th || !te || !acc) {
        free(rows);
        free(th);
        free(te);
        free(acc);
        return BHT_E_NOMEM;
    }
    double *tl = th + n;
    bht_acc *t = &acc[0], *T = &acc[1], *S = &acc[2];

    /* the exact argmax of the logits: a tournament of exact comparisons */
    size_t m = 0;
    for (size_t i = 1; i < n; i++) {
        row_dot(t, d, A + i * d, A + m * d, x);
        if (bht_acc_sign(t) > 0)
            m = i;
    }

    /* e_i, T and g'_i */
    bht_acc_clear(T);
    int gmax = INT32_MIN, inexact_e = 0;
    size_t skipped = 0;
    for (size_t i = 0; i < n; i++) {
        row_data *r = &rows[i];
        memset(r, 0, sizeof *r);
        row_dot(t, d, A + i * d, A + m * d, x);
        uint32_t a[BHT_FIX_WORDS];
        if (bht_acc_sign(t) == 0) {
            r->e[0] = 1.0;
            r->exact_e = 1;
        } else if (!bht_acc_get_fixed(t, BHT_FIX_WORDS, a) || a[BHT_FIX_WORDS - 1] >= LOGIT_FLOOR) {
            r->skipped = 1;
            skipped++;
        } else {
            bht_exp_fixed_neg(a, r->e, &r->k);
            inexact_e = 1;
        }
        if (!r->skipped)
            for (int j = 0; j < EXP_PARTS; j++)
                bht_acc_add_product(T, r->e[j], 1.0, -r->k);
        row_dot(t, d, M + i * d, M + m * d, x);
        bht_acc_parts gp;
        bht_acc_get_parts(t, G_PARTS, &gp);
        r->gcount = gp.count;
        r->gexp = gp.exponent;
        r->grem = gp.rem;
        for (int j = 0; j < gp.count; j++)
            r->g[j] = gp.part[j];
        if (gp.count > 0 && gp.exponent > gmax)
            gmax = gp.exponent;
    }
    bht_status status = BHT_OK;
    if (gmax == INT32_MIN) { /* g' = 0 exactly: nu = 0 and dq/deps = 0 */
        *nu_hi = *nu_lo = 0.0;
        *nu_exp = 0;
        for (size_t i = 0; derivative && i < n; i++)
            derivative[i] = 0.0;
        goto done;
    }

    /* S = sum e_i g'_i 2^-G exactly, and its error bound S_err */
    bht_acc_clear(S);
    xbound s_err = {0.0, 0};
    for (size_t i = 0; i < n; i++) {
        const row_data *r = &rows[i];
        if (r->gcount == 0)
            continue;
        if (r->skipped) { /* e_i < 2^-5909, |g'_i| 2^-G < 2 */
            s_err = xb_add(s_err, xb_make(1.0, -5908));
            continue;
        }
        for (int a = 0; a < EXP_PARTS; a++)
            for (int b = 0; b < r->gcount; b++)
                bht_acc_add_product(S, r->e[a], r->g[b], r->gexp - gmax - r->k);
        /* e_i |g'_i| 2^-G < 4 2^(gexp - G - k) */
        double rel = (r->exact_e ? 0.0 : EXP_REL) + r->grem;
        if (rel > 0.0)
            s_err = xb_add(s_err, xb_make(4.0 * rel, r->gexp - gmax - r->k));
    }
    if (S->lost)
        s_err = xb_add(s_err, xb_make((double)S->lost, BHT_ACC_LSB));
    bht_acc_parts Tp, Sp;
    bht_acc_get_parts(T, G_PARTS, &Tp); /* T >= 1 (e_m = 1): Tp.count > 0 */
    bht_acc_get_parts(S, 1, &Sp);
    /* relative error of T: truncation, the exponentials, the rows left out */
    xbound eps_t = xb_make(Tp.rem, 0);
    if (inexact_e)
        eps_t = xb_add(eps_t, xb_make(1.0, -261));
    if (skipped)
        eps_t = xb_add(eps_t, xb_make((double)skipped, -5909));
    /* mean_err = (S_err + (|S| + S_err) E_T) / T, 1/T <= 2^-Et */
    xbound s_abs = xb_add(Sp.count ? xb_make(2.0, Sp.exponent) : (xbound){0.0, 0}, s_err);
    xbound mean_err = xb_mul(xb_add(s_err, xb_mul(xb_mul(s_abs, eps_t), xb_make(1.01, 0))),
                             xb_make(1.0, -Tp.exponent));
    double Th, Tl;
    leading_dd(Tp.part, Tp.count, &Th, &Tl);

    /* D_i = (g'_i T - S) / T, p_i, the derivative and the terms of nu */
    bht_acc_negate(S); /* now -S */
    xbound nu_err = {0.0, 0};
    row_ref *order = NULL;
    size_t *start = NULL, groups = 0;
    int groups_done = 0;
    for (size_t i = 0; i < n && status == BHT_OK; i++) {
        const row_data *r = &rows[i];
        memcpy(t, S, sizeof *t);
        for (int b = 0; b < r->gcount; b++)
            for (int c = 0; c < Tp.count; c++)
                bht_acc_add_product(t, r->g[b], Tp.part[c], r->gexp - gmax + Tp.exponent);
        bht_acc_parts Np;
        bht_acc_get_parts(t, 2, &Np);
        double Nh, Nl, dh = 0.0, dl = 0.0;
        int dexp = 0;
        xbound e_i = mean_err, d_abs = {0.0, 0};
        if (r->gcount > 0 && r->grem > 0.0)
            e_i = xb_add(e_i, xb_make(2.0 * r->grem, r->gexp - gmax));
        if (Np.count > 0) {
            leading_dd(Np.part, Np.count, &Nh, &Nl);
            dd_div(Nh, Nl, Th, Tl, &dh, &dl);
            dexp = Np.exponent - Tp.exponent;
            d_abs = xb_make(dh, dexp);
            /* truncation of N (relative), dd division and T's own dd */
            e_i = xb_add(e_i, xb_mul(d_abs, xb_add(xb_make(Np.rem, 0), xb_make(1.0, -99))));
        } else if (Np.rem > 0.0) { /* N = 0 but lost bits */
            e_i = xb_add(e_i, xb_make(Np.rem, Np.exponent - Tp.exponent));
        }
        /* |D_i| + e_i, and |D_i| from below */
        xbound d_low = xb_make(dh * (1.0 - 0x1p-50), dexp);
        int certified = xb_le(e_i, xb_mul(d_low, xb_make(1.0, -54)));
        if (!certified && derivative) { /* an exact zero? (computed once) */
            if (!groups_done) {
                groups_done = 1;
                order = malloc(n * sizeof *order);
                start = malloc((n + 1) * sizeof *start);
                if (order && start)
                    groups = logit_groups(n, d, A, x, rows, order, start, t);
            }
            if (groups && deviation_is_zero(i, d, M, x, order, start, groups, t)) {
                dh = dl = 0.0;
                d_abs = e_i = (xbound){0.0, 0};
                certified = 1;
            }
        }
        xbound d_up = xb_add(d_abs, e_i);
        if (r->skipped) { /* p_i < 2^-5909: the derivative rounds to a zero */
            if (derivative)
                derivative[i] = certified && dh < 0.0 ? -0.0 : 0.0;
            nu_err = xb_add(nu_err, xb_mul(xb_make(1.0, -5909), xb_mul(d_up, d_up)));
            th[i] = tl[i] = 0.0;
            te[i] = 0;
            continue;
        }
        double eh, el, ph, pl;
        leading_dd(r->e, EXP_PARTS, &eh, &el);
        dd_div(eh, el, Th, Tl, &ph, &pl);
        const int pexp = -r->k - Tp.exponent;
        if (derivative) {
            double uh, ul;
            dd_mul(ph, pl, dh, dl, &uh, &ul);
            const int scale = pexp + dexp + gmax;
            /* |p_i D_i| 2^G below 2^-1076: a zero, sign free */
            xbound bound = xb_mul(xb_mul(xb_make(2.0 * ph, pexp), d_up), xb_make(1.0, gmax));
            if ((certified || e_i.m == 0.0) && !near_overflow(uh, scale))
                derivative[i] = dd_round_scaled_signed(uh, ul, scale);
            else if (xb_le(bound, xb_make(1.0, -1076)))
                derivative[i] = 0.0;
            else {
                status = BHT_E_RANGE;
                if (uncertified)
                    *uncertified = i;
                break;
            }
        }
        /* term p_i D_i^2 (D scaled to [1/2, 1) first) */
        int e = 0;
        if (dh != 0.0)
            (void)frexp(dh, &e);
        double sh = ldexp(dh, -e), sl = ldexp(dl, -e), qh, ql;
        dd_mul(sh, sl, sh, sl, &qh, &ql);
        dd_mul(ph, pl, qh, ql, &th[i], &tl[i]);
        te[i] = pexp + 2 * (e + dexp);
        /* its error: p_i (2 |D_i| e_i + e_i^2), p_i <= 2 ph 2^pexp */
        xbound twice_d = xb_add(xb_mul(d_abs, xb_make(2.0, 0)), e_i);
        nu_err = xb_add(nu_err, xb_mul(xb_make(2.0 * ph, pexp), xb_mul(twice_d, e_i)));
    }
    if (status == BHT_OK) {
        double vh, vl;
        int E;
        dd_sum_scaled(n, th, tl, te, &vh, &vl, &E);
        /* relative: p (2^-99), squaring and products (2^-100), the dd sum
         * (3 n 2^-106) */
        xbound nu_abs = xb_make(vh, E);
        nu_err = xb_add(nu_err, xb_mul(nu_abs, xb_add(xb_make(1.0, -96),
                                                      xb_make(3.0 * (double)n, -106))));
        xbound nu_low = xb_make(vh * (1.0 - 0x1p-50), E);
        /* nu 2^(2G) below 2^-1077 (e.g. carried by rows left out): nu and
         * nu/8 both round to 0 */
        if (xb_le(xb_add(nu_abs, nu_err), xb_make(1.0, -1077 - 2 * gmax))) {
            vh = vl = 0.0;
            E = 0;
            nu_err.m = 0.0;
        }
        if ((nu_err.m != 0.0 && !xb_le(nu_err, xb_mul(nu_low, xb_make(1.0, -54))))
            || near_overflow(vh, E + 2 * gmax) || near_overflow(vh, E + 2 * gmax - 3)) {
            status = BHT_E_RANGE;
            if (uncertified)
                *uncertified = n;
        } else {
            *nu_hi = vh;
            *nu_lo = vl;
            *nu_exp = E + 2 * gmax;
        }
    }
    free(order);
    free(start);
done:
    free(rows);
    free(th);
    free(te);
    free(acc);
    return status;
}
