/* leverage_nu_interval.c: nu of the leverage model alone, correctly rounded,
 * without exact rationals when an interval enclosure decides the rounding
 * (see leverage_nu_interval.h).  The sup search certifies a candidate by
 * the oracle's nu at one query; bht_oracle_nu_leverage also rounds L and
 * the n derivatives, and its exact rationals (GMP mpq, a gcd after every
 * operation) cost about 3.5 ms for n = 6, d = 5, 56 % of the samples of
 * that search in __gmpn_hgcd2.
 *
 * Route: the exact oracle's formulas (local_leverage_oracle.c), term by
 * term, on intervals [lo, hi] of MPFR numbers at precision p:
 *   w_k = 1 / s_k^2,  G = sum_k w_k a_k a_k^T,  N = sum_k w_k a_k m_k^T,
 *   G^-1 by Gauss-Jordan on [G | I] (no row exchanges: G is symmetric
 *   positive definite when rank A = d, so every exact pivot is > 0),
 *   K = G^-1 N,  g_i = G^-1 a_i,  h_i = w_i a_i . g_i,
 *   W_i = w_i (m_i - K^T a_i) . g_i,  nu = (1/d) sum_{a_i != 0} W_i^2 / h_i.
 *
 * Error analysis (why [lo, hi] contains the exact nu):
 *  - Every input is a double, held exactly (p >= 53), and s_k^2 is exact at
 *    p >= 106; w_k is enclosed by 1/s_k^2 rounded down and up.
 *  - Each operation below maps intervals X, Y that contain exact values x,
 *    y to an interval that contains x op y: sums and differences take the
 *    ends rounded down (lower) and up (upper) (MPFR's directed rounding is
 *    correct rounding in that direction); products take the extreme
 *    products of the ends by the sign table of interval multiplication,
 *    each rounded outward; a reciprocal or quotient needs a divisor interval
 *    that excludes 0, which is checked (pivots: lower end > 0; h_i: lower
 *    end > 0; else the route gives up); squares of W_i are taken as
 *    [min, max] of the square over the interval (0 when it straddles 0).
 *    Entries known to be exactly 0 or 1 in exact arithmetic (the eliminated
 *    column, the normalised pivot) are not read again.
 *  - By induction over the operations, in the order of the exact oracle's
 *    formulas, every interval contains the exact rational the oracle
 *    computes, so lo <= nu <= hi.
 *  - Round to nearest (ties to even) is monotone, so RN(lo) <= RN(nu) <=
 *    RN(hi): when RN(lo) and RN(hi) are the same double it is RN(nu), the
 *    oracle's r.nu (bht__oracle_round_rational, also RN ties to even).
 *    bht__oracle_round_binary64 is the oracle's rounding of an MPFR number
 *    (subnormals included).
 *  - Overflow and underflow of MPFR's exponent range (2^(+-(2^30 - 1)))
 *    cannot occur: the exact quantities are ratios of polynomials of
 *    degree O(d) in doubles and in w_k <= 2^2148, i.e. a few times 10^4 bits
 *    of exponent at most, and an interval's ends stay within a factor
 *    (1 + 2^-p)^(operations) of such values.  NaN needs an overflow or a
 *    division by an interval containing 0, so none arises; the ends are
 *    still checked to be numbers before they are rounded.
 * When the ends round differently (the exact nu is near a rounding
 * boundary, or cancellation widened the enclosure), the route retries at a
 * higher precision, then calls the exact oracle, so the result is always
 * the oracle's.  Inputs the oracle refuses are refused identically
 * (bht__lev_oracle_check), and a pivot whose enclosure reaches 0 (rank < d
 * or a near-singular G) goes to the exact oracle, which decides the rank. */
#include <math.h>
#include <stdlib.h>
#include <mpfr.h>
#include "nu/leverage_local_internal.h"
#include "nu/leverage_nu_interval.h"
#include "oracle/oracle_internal.h"

typedef struct nu_ivl {
    mpfr_t lo, hi;
} nu_ivl;

/* The interval route's storage: one array of intervals carved below, and
 * four scratch numbers. */
typedef struct nu_space {
    size_t count;
    nu_ivl *all;
    nu_ivl *w, *aug, *nm, *km, *g, *h, *z, *acc, *t;
    mpfr_t s0, s1, s2, s3;
} nu_space;

static void space_free(nu_space *sp)
{
    for (size_t k = 0; k < sp->count; k++)
        mpfr_clears(sp->all[k].lo, sp->all[k].hi, (mpfr_ptr)0);
    free(sp->all);
    mpfr_clears(sp->s0, sp->s1, sp->s2, sp->s3, (mpfr_ptr)0);
}

/* 0, or -1 out of memory (nothing to free then). */
static int space_init(nu_space *sp, size_t n, size_t d, mpfr_prec_t prec)
{
    /* w n, aug 2 d^2, nm d^2, km d^2, g n d, h n, z d, acc 2, t 1 */
    size_t count = 2 * n + 4 * d * d + n * d + d + 3;
    sp->all = malloc(count * sizeof *sp->all);
    if (!sp->all)
        return -1;
    sp->count = count;
    for (size_t k = 0; k < count; k++)
        mpfr_inits2(prec, sp->all[k].lo, sp->all[k].hi, (mpfr_ptr)0);
    mpfr_inits2(prec, sp->s0, sp->s1, sp->s2, sp->s3, (mpfr_ptr)0);
    sp->w = sp->all;
    sp->aug = sp->w + n;
    sp->nm = sp->aug + 2 * d * d;
    sp->km = sp->nm + d * d;
    sp->g = sp->km + d * d;
    sp->h = sp->g + n * d;
    sp->z = sp->h + n;
    sp->acc = sp->z + d;
    sp->t = sp->acc + 2;
    return 0;
}

static void iv_zero(nu_ivl *r)
{
    mpfr_set_zero(r->lo, 1);
    mpfr_set_zero(r->hi, 1);
}

static void iv_set_d(nu_ivl *r, double x)
{
    mpfr_set_d(r->lo, x, MPFR_RNDD); /* exact: precision >= 53 */
    mpfr_set_d(r->hi, x, MPFR_RNDU);
}

static void iv_set(nu_ivl *r, const nu_ivl *a)
{
    mpfr_set(r->lo, a->lo, MPFR_RNDD);
    mpfr_set(r->hi, a->hi, MPFR_RNDU);
}

/* r = a + b (r may be a, not b). */
static void iv_add(nu_ivl *r, const nu_ivl *a, const nu_ivl *b)
{
    mpfr_add(r->lo, a->lo, b->lo, MPFR_RNDD);
    mpfr_add(r->hi, a->hi, b->hi, MPFR_RNDU);
}

/* r = a - b (r may be a, not b). */
static void iv_sub(nu_ivl *r, const nu_ivl *a, const nu_ivl *b)
{
    mpfr_sub(r->lo, a->lo, b->hi, MPFR_RNDD);
    mpfr_sub(r->hi, a->hi, b->lo, MPFR_RNDU);
}

/* r = a x (r may be a). */
static void iv_mul_d(nu_space *sp, nu_ivl *r, const nu_ivl *a, double x)
{
    if (x >= 0.0) {
        mpfr_mul_d(r->lo, a->lo, x, MPFR_RNDD);
        mpfr_mul_d(r->hi, a->hi, x, MPFR_RNDU);
    } else {
        mpfr_mul_d(sp->s0, a->hi, x, MPFR_RNDD);
        mpfr_mul_d(r->hi, a->lo, x, MPFR_RNDU);
        mpfr_swap(r->lo, sp->s0);
    }
}

/* Sign class of an interval: 1 (lo >= 0), -1 (hi <= 0), 0 (straddles 0). */
static int iv_sign(const nu_ivl *a)
{
    if (mpfr_sgn(a->lo) >= 0)
        return 1;
    return mpfr_sgn(a->hi) <= 0 ? -1 : 0;
}

/* r = a b (r may be a or b): the sign table of interval multiplication. */
static void iv_mul(nu_space *sp, nu_ivl *r, const nu_ivl *a, const nu_ivl *b)
{
    int sa = iv_sign(a), sb = iv_sign(b);
    mpfr_ptr lo = sp->s0, hi = sp->s1;
    if (sa == 0 && sb == 0) {
        /* [min(alo bhi, ahi blo), max(alo blo, ahi bhi)] */
        mpfr_mul(lo, a->lo, b->hi, MPFR_RNDD);
        mpfr_mul(sp->s2, a->hi, b->lo, MPFR_RNDD);
        mpfr_mul(hi, a->lo, b->lo, MPFR_RNDU);
        mpfr_mul(sp->s3, a->hi, b->hi, MPFR_RNDU);
        mpfr_swap(r->lo, mpfr_less_p(sp->s2, lo) ? sp->s2 : lo);
        mpfr_swap(r->hi, mpfr_greater_p(sp->s3, hi) ? sp->s3 : hi);
        return;
    }
    /* the ends giving the lower and the upper product */
    mpfr_srcptr la, lb, ua, ub;
    if (sa == 1 && sb == 1) {
        la = a->lo, lb = b->lo, ua = a->hi, ub = b->hi;
    } else if (sa == 1 && sb == -1) {
        la = a->hi, lb = b->lo, ua = a->lo, ub = b->hi;
    } else if (sa == 1) { /* b straddles */
        la = a->hi, lb = b->lo, ua = a->hi, ub = b->hi;
    } else if (sa == -1 && sb == 1) {
        la = a->lo, lb = b->hi, ua = a->hi, ub = b->lo;
    } else if (sa == -1 && sb == -1) {
        la = a->hi, lb = b->hi, ua = a->lo, ub = b->lo;
    } else if (sa == -1) { /* b straddles */
        la = a->lo, lb = b->hi, ua = a->lo, ub = b->lo;
    } else if (sb == 1) { /* a straddles */
        la = a->lo, lb = b->hi, ua = a->hi, ub = b->hi;
    } else { /* a straddles, b <= 0 */
        la = a->hi, lb = b->lo, ua = a->lo, ub = b->lo;
    }
    mpfr_mul(lo, la, lb, MPFR_RNDD);
    mpfr_mul(hi, ua, ub, MPFR_RNDU);
    mpfr_swap(r->lo, lo);
    mpfr_swap(r->hi, hi);
}

/* The interval evaluation at the space's precision: 1 with *nu when the
 * enclosure decides RN(nu), 0 when it does not (or a divisor's enclosure
 * reaches 0). */
static int nu_enclose(nu_space *sp, size_t n, size_t d, const double *A, const double *M,
                      const double *s, double *nu)
{
    const size_t w2 = 2 * d;
    nu_ivl *w = sp->w, *aug = sp->aug, *t = sp->t;
    /* w_k = 1 / s_k^2 */
    for (size_t k = 0; k < n; k++) {
        if (!s) {
            iv_set_d(&w[k], 1.0);
            continue;
        }
        mpfr_set_d(sp->s1, s[k], MPFR_RNDN);
        mpfr_sqr(sp->s1, sp->s1, MPFR_RNDN); /* exact: precision >= 106 */
        mpfr_ui_div(w[k].lo, 1, sp->s1, MPFR_RNDD);
        mpfr_ui_div(w[k].hi, 1, sp->s1, MPFR_RNDU);
    }
    /* [G | I], G = sum_k w_k a_k a_k^T (lower triangle, mirrored) */
    for (size_t k = 0; k < 2 * d * d; k++)
        iv_zero(&aug[k]);
    for (size_t k = 0; k < n; k++)
        for (size_t a = 0; a < d; a++) {
            if (A[k * d + a] == 0.0)
                continue;
            for (size_t c = 0; c <= a; c++) {
                if (A[k * d + c] == 0.0)
                    continue;
                iv_mul_d(sp, t, &w[k], A[k * d + a]);
                iv_mul_d(sp, t, t, A[k * d + c]);
                iv_add(&aug[a * w2 + c], &aug[a * w2 + c], t);
            }
        }
    for (size_t a = 0; a < d; a++) {
        for (size_t c = a + 1; c < d; c++)
            iv_set(&aug[a * w2 + c], &aug[c * w2 + a]);
        iv_set_d(&aug[a * w2 + d + a], 1.0);
    }
    /* Gauss-Jordan without row exchanges; column k is not read after step k */
    for (size_t k = 0; k < d; k++) {
        nu_ivl *piv = &aug[k * w2 + k];
        if (!mpfr_number_p(piv->hi) || !(mpfr_sgn(piv->lo) > 0))
            return 0;
        /* t = 1 / pivot */
        mpfr_ui_div(t->lo, 1, piv->hi, MPFR_RNDD);
        mpfr_ui_div(t->hi, 1, piv->lo, MPFR_RNDU);
        for (size_t c = k + 1; c < w2; c++)
            iv_mul(sp, &aug[k * w2 + c], &aug[k * w2 + c], t);
        for (size_t a = 0; a < d; a++) {
            if (a == k)
                continue;
            nu_ivl *u = &aug[a * w2 + k];
            if (mpfr_zero_p(u->lo) && mpfr_zero_p(u->hi))
                continue;
            for (size_t c = k + 1; c < w2; c++) {
                iv_mul(sp, t, u, &aug[k * w2 + c]);
                iv_sub(&aug[a * w2 + c], &aug[a * w2 + c], t);
            }
        }
    }
    /* G^-1 is the right half: entry (a, c) at aug[a * w2 + d + c] */
#define GINV(a, c) (&aug[(a) * w2 + d + (c)])
    /* N = sum_k w_k a_k m_k^T, then K = G^-1 N */
    nu_ivl *nm = sp->nm, *km = sp->km;
    for (size_t k = 0; k < d * d; k++) {
        iv_zero(&nm[k]);
        iv_zero(&km[k]);
    }
    for (size_t k = 0; k < n; k++)
        for (size_t a = 0; a < d; a++) {
            if (A[k * d + a] == 0.0)
                continue;
            for (size_t c = 0; c < d; c++) {
                if (M[k * d + c] == 0.0)
                    continue;
                iv_mul_d(sp, t, &w[k], A[k * d + a]);
                iv_mul_d(sp, t, t, M[k * d + c]);
                iv_add(&nm[a * d + c], &nm[a * d + c], t);
            }
        }
    for (size_t a = 0; a < d; a++)
        for (size_t c = 0; c < d; c++)
            for (size_t k = 0; k < d; k++) {
                iv_mul(sp, t, GINV(a, k), &nm[k * d + c]);
                iv_add(&km[a * d + c], &km[a * d + c], t);
            }
    nu_ivl *sum = &sp->acc[0], *wii = &sp->acc[1], *z = sp->z;
    iv_zero(sum);
    for (size_t i = 0; i < n; i++) {
        const double *ai = A + i * d, *mi = M + i * d;
        size_t nonzero = 0;
        for (size_t a = 0; a < d; a++)
            nonzero += ai[a] != 0.0;
        if (nonzero == 0)
            continue; /* a_i = 0: no term of nu (only of L) */
        /* g_i = G^-1 a_i, h_i = w_i a_i . g_i */
        nu_ivl *g = sp->g + i * d, *h = &sp->h[i];
        iv_zero(h);
        for (size_t a = 0; a < d; a++) {
            iv_zero(&g[a]);
            for (size_t c = 0; c < d; c++) {
                if (ai[c] == 0.0)
                    continue;
                iv_mul_d(sp, t, GINV(a, c), ai[c]);
                iv_add(&g[a], &g[a], t);
            }
        }
        for (size_t a = 0; a < d; a++) {
            if (ai[a] == 0.0)
                continue;
            iv_mul_d(sp, t, &g[a], ai[a]);
            iv_add(h, h, t);
        }
        iv_mul(sp, h, h, &w[i]);
        if (!mpfr_number_p(h->hi) || !(mpfr_sgn(h->lo) > 0))
            return 0;
        /* z = m_i - K^T a_i, W_i = w_i z . g_i */
        for (size_t c = 0; c < d; c++) {
            iv_set_d(&z[c], mi[c]);
            for (size_t a = 0; a < d; a++) {
                if (ai[a] == 0.0)
                    continue;
                iv_mul_d(sp, t, &km[a * d + c], ai[a]);
                iv_sub(&z[c], &z[c], t);
            }
        }
        iv_zero(wii);
        for (size_t c = 0; c < d; c++) {
            iv_mul(sp, t, &z[c], &g[c]);
            iv_add(wii, wii, t);
        }
        iv_mul(sp, wii, wii, &w[i]);
        /* W_i^2 / h_i: the square's range over the interval, then / h_i > 0 */
        int sw = iv_sign(wii);
        mpfr_srcptr small = sw == 1 ? wii->lo : wii->hi, large = sw == 1 ? wii->hi : wii->lo;
        if (sw == 0) {
            mpfr_set_zero(t->lo, 1);
            large = mpfr_cmpabs(wii->lo, wii->hi) > 0 ? wii->lo : wii->hi;
        } else {
            mpfr_sqr(t->lo, small, MPFR_RNDD);
        }
        mpfr_sqr(t->hi, large, MPFR_RNDU);
        mpfr_div(t->lo, t->lo, h->hi, MPFR_RNDD);
        mpfr_div(t->hi, t->hi, h->lo, MPFR_RNDU);
        iv_add(sum, sum, t);
    }
#undef GINV
    mpfr_div_ui(sum->lo, sum->lo, (unsigned long)d, MPFR_RNDD);
    mpfr_div_ui(sum->hi, sum->hi, (unsigned long)d, MPFR_RNDU);
    if (!mpfr_number_p(sum->lo) || !mpfr_number_p(sum->hi))
        return 0;
    double lo = bht__oracle_round_binary64(sum->lo), hi = bht__oracle_round_binary64(sum->hi);
    if (!(lo == hi) || signbit(lo) != signbit(hi) || !isfinite(lo))
        return 0;
    *nu = lo;
    return 1;
}

bht_status bht__oracle_nu_leverage_value(size_t n, size_t d, const double *A, const double *M,
                                         const double *s, double *nu, long *route)
{
    static const mpfr_prec_t precisions[] = {128, 320};
    if (route)
        *route = 0;
    bht_status status = bht__lev_oracle_check(n, d, A, M, s);
    if (status != BHT_OK)
        return status;
    for (size_t k = 0; k < sizeof precisions / sizeof precisions[0]; k++) {
        nu_space sp;
        if (space_init(&sp, n, d, precisions[k]) != 0)
            return BHT_E_NOMEM;
        double v = 0.0;
        int decided = nu_enclose(&sp, n, d, A, M, s, &v);
        space_free(&sp);
        if (decided) {
            *nu = v;
            if (route)
                *route = (long)precisions[k];
            return BHT_OK;
        }
    }
    bht_local_result r;
    status = bht_oracle_nu_leverage(n, d, A, M, s, &r, NULL, NULL, NULL);
    if (status == BHT_OK)
        *nu = r.nu;
    return status;
}
