/* local_leverage.c: double kernel for the leverage-model local analysis
 * (bht.h, "leverage local analysis").
 *
 * Mathematics (paper Thm 4.3, App. A.4; derived and checked numerically in
 * tests/nu/test_local_leverage.c).  A_s = Diag(s)^-1 A, G = A_s^T A_s,
 * H = A_s G^-1 A_s^T, B_eps = A + eps M, M_s = Diag(s)^-1 M.  The derivative
 * of the projector is dH/deps = (I - H) M_s G^-1 A_s^T + (its transpose), so
 * with W = (I - H) M_s G^-1 A_s^T:
 *   dq_i/deps = 2 W_ii / d                  (the paper's A.4 omits the 1/d);
 *   w_i = W_ii / h_ii (0 where h_ii = 0), E_p[w] = tr(W)/d = 0 because
 *   A_s^T (I - H) = 0, so nu = Var_p(w_s) = (1/d) sum W_ii^2 / h_ii;
 *   L = lim H^2/eps^2 = (1/8) sum (dq_i)^2 / p_i + (zero rows)
 *     = nu / 2 + (1/(2d)) sum_{a_i = 0} m_s,i^T G^-1 m_s,i,
 * where a zero row a_i (h_ii = 0) has q_i(eps) = eps^2 m_s,i^T G^-1 m_s,i / d
 * + O(eps^3), contributing to H^2 at order eps^2 but not to nu.
 * Computational form: A_s = Q T with Q^T Q = I (leverage_core.h); with
 * Y = M_s T^-1, K = Q^T Y and Z = Y - Q K: W_ii = z_i . q_i, h_ii = |q_i|^2
 * and m_s,i^T G^-1 m_s,i = |y_i|^2.  Every one of W, nu, L, dq/deps is
 * unchanged by M -> M - A X for any d-by-d X (A + eps (M - A X) =
 * (A + eps M)(I - eps X) + O(eps^2), and a zero row of A keeps m_i). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bht.h"
#include "core/dd_elementary.h"
#include "core/dd_leaves.h"
#include "core/dd_round_nonneg.h"
#include "nu/leverage_local_internal.h"

/* Refinement passes M -> M - A X (after the first pass on M itself). */
#define NU_REFINEMENTS 3
/* Certified relative error of every output before its final rounding: the
 * result is then within 0.5 + 2^53 2^-53 = 1.5 ulp of the exact value,
 * under 2 ulp from the correctly rounded one (budget 2 ulp). */
#define NU_CERTIFIED_ERR 0x1p-53

/* ================================================================ outputs */

/* Final stage of bht_nu_leverage: nu = RN((nh + nl) 2^ne) and the local
 * constant RN((lh + ll) 2^le), each a non-negative dd. */
/*@ requires valid_out: \valid(out);
    requires nu_sum: dd_nonneg_normalized(nh, nl);
    requires constant_sum: dd_nonneg_normalized(lh, ll);
    requires exponents: -100000 <= ne <= 100000 && -100000 <= le <= 100000;
    assigns out->nu, out->local_constant, errno;
    ensures nu_nonneg: !\is_NaN(out->nu) && out->nu >= 0.0;
    ensures local_constant_nonneg:
      !\is_NaN(out->local_constant) && out->local_constant >= 0.0;
    ensures nu_rounded: \is_finite(out->nu) ==> out->nu == rn(nu_leverage(nh, nl, ne));
    ensures local_constant_rounded: \is_finite(out->local_constant) ==>
      out->local_constant == rn(local_constant_leverage(lh, ll, le));
*/
static void store_nu_leverage(bht_local_result *out, double nh, double nl, int ne, double lh,
                              double ll, int le)
{
    double nu = bht__round_scaled_nonneg(nh, nl, ne);
    //@ assert nu_rounded: \is_finite(nu) ==> nu == rn(nu_leverage(nh, nl, ne));
    double local_constant = bht__round_scaled_nonneg(lh, ll, le);
    /*@ assert local_constant_rounded: \is_finite(local_constant) ==>
          local_constant == rn(local_constant_leverage(lh, ll, le)); */
    out->nu = nu;
    out->local_constant = local_constant;
}

/* Output stage of bht_nu_leverage: nu = S / d and the local constant
 * L = (S + Z) / (2 d), with S = (sh + sl) 2^se and S + Z = (lh + ll) 2^le
 * the dd sums of the evaluation (spec/nu.h, nu_leverage_quotient): one
 * dd_div each (2 d = dv 2 exactly, dv = d <= 2^20), a negative quotient
 * (not expected: sums of non-negative terms) clamped to 0, the exponents
 * floored at -100000, then store_nu_leverage rounds each once. */
/*@ requires valid_out: \valid(out);
    requires nu_sum: dd_operand(sh, sl);
    requires local_sum: dd_operand(lh, ll);
    requires d_range: \is_finite(dv) && 1.0 <= dv <= 0x1p20;
    requires exponents: -0x1p40 <= se <= 100000 && -0x1p40 <= le <= 100000;
    assigns out->nu, out->local_constant, errno;
    ensures nu_nonneg: !\is_NaN(out->nu) && out->nu >= 0.0;
    ensures local_constant_nonneg:
      !\is_NaN(out->local_constant) && out->local_constant >= 0.0;
    ensures nu_quotient: \is_finite(out->nu) ==>
      out->nu == rn(nu_leverage_quotient(sh, sl, dv, se));
    ensures local_constant_quotient: \is_finite(out->local_constant) ==>
      out->local_constant == rn(nu_leverage_quotient(lh, ll, \mul_double(dv, (double)2.0), le));
*/
static void store_nu_leverage_quotients(bht_local_result *out, double sh, double sl, long se,
                                        double lh, double ll, long le, double dv)
{
    int ne = se < -100000 ? -100000 : (int)se;
    int qe = le < -100000 ? -100000 : (int)le;
    //@ assert exponents_range: -100000 <= ne <= 100000 && -100000 <= qe <= 100000;
    double nh, nl, qh, ql;
    double dv2 = dv * 2.0;
    //@ assert dv2_range: 2.0 <= dv2 <= 0x1p21;
    //@ assert quotients_range: \abs(sh / dv) <= 0x1p1000 && \abs(lh / dv2) <= 0x1p1000;
    dd_div(sh, sl, dv, 0.0, &nh, &nl);
    //@ assert nu_pair: \is_finite(nh) && \is_finite(nl) && dd_normalized(nh, nl);
    dd_div(lh, ll, dv2, 0.0, &qh, &ql);
    //@ assert local_pair: \is_finite(qh) && \is_finite(ql) && dd_normalized(qh, ql);
    if (nh < 0.0) /* a dd sum of non-negative terms: not expected */
        nh = nl = 0.0;
    //@ assert nu_sum: dd_nonneg_normalized(nh, nl);
    if (qh < 0.0)
        qh = ql = 0.0;
    //@ assert local_sum: dd_nonneg_normalized(qh, ql);
    //@ assert nu_value: nu_leverage(nh, nl, ne) == nu_leverage_quotient(sh, sl, dv, se);
    //@ assert local_value: local_constant_leverage(qh, ql, qe) == nu_leverage_quotient(lh, ll, dv2, le);
    store_nu_leverage(out, nh, nl, ne, qh, ql, qe);
}

/* The derivative, copied out on success only (derivative may be NULL).  A
 * loop, not memcpy: WP's typed memory model cannot follow memcpy's char*
 * contract on doubles (the bits copied are the same). */
/*@ requires n_range: n <= 16777216;
    requires valid_src: \valid_read(dk + (0 .. n - 1));
    requires valid_dst: derivative == \null || \valid(derivative + (0 .. n - 1));
    requires separated:
      derivative == \null || \separated(derivative + (0 .. n - 1), dk + (0 .. n - 1));
    assigns derivative[0 .. n - 1];
    ensures copied: derivative != \null ==>
      \forall integer i; 0 <= i < n ==> derivative[i] == dk[i];
*/
static void store_derivative(double *derivative, const double *dk, size_t n)
{
    if (!derivative)
        return;
    /*@ loop invariant bound: 0 <= i <= n;
        loop invariant copied: \forall integer j; 0 <= j < i ==> derivative[j] == dk[j];
        loop assigns i, derivative[0 .. n - 1];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++)
        derivative[i] = dk[i];
}

/* ================================================================ helpers */

static int zero_row(size_t d, const double *row)
{
    for (size_t j = 0; j < d; j++)
        if (row[j] != 0.0)
            return 0;
    return 1;
}

/* Euclidean norm of a dd row's high parts (for error bounds; relative
 * error far below the bounds' factor-2 margins). */
static double norm(size_t d, const double *xh)
{
    double s = 0.0;
    for (size_t j = 0; j < d; j++)
        s += xh[j] * xh[j];
    return sqrt(s);
}

/* A double bound b 2^e added to a scaled accumulator (error bounds). */
static void add_bound(lev_scaled *acc, double b, long e)
{
    if (b > 0.0)
        bht__lev_scaled_add(acc, b, 0.0, e);
}

/* Is the bound err 2^ee at most rel times the value v (exponent-aware)? */
static int within(const lev_scaled *err, const lev_scaled *v, double rel)
{
    if (err->h == 0.0)
        return 1;
    if (v->h <= 0.0)
        return 0;
    long shift = err->e - v->e;
    if (shift < -2000)
        return 1;
    if (shift > 2000)
        return 0;
    return ldexp(err->h, (int)shift) <= rel * (v->h + v->l);
}

/* ====================================================== the working state */

typedef struct nu_work {
    double *rh, *rl;  /* n*d: the entries of M - A X, (rh + rl) 2^re, exact up */
    long *re;         /*      to their dd rounding, each with its own exponent */
    double *vh, *vl;  /* n*d: the rows of M - A X in A's column-scaled form */
    int *ev;          /* their exponents */
    double *yh, *yl;  /* n*d: rows of Y = (M - A X)_s T^-1, mantissas */
    int *ey;          /* their exponents (INT_MIN: zero row) */
    double *err_y;    /* n: their certified relative errors */
    double *kh, *kl;  /* d*d: K = Q^T Y, mantissas; exponent ek */
    double *x;        /* NU_REFINEMENTS * d*d: X increments (scaled), ex[] */
    int ex[NU_REFINEMENTS];
    double *snap;     /* d*d: the double nearest to their sum, exponent ex[0] */
    double *scratch;  /* 2 d*d */
    double *dk;       /* n: the derivative */
    unsigned char *exact_zero; /* n: W_ii = 0 proved */
    lev_work_store st; /* the double arrays above, ev and ey, NU_REFINEMENTS d + 1 terms */
} nu_work;

static void work_free(nu_work *w)
{
    free(w->re);
    free(w->exact_zero);
    bht__lev_work_free(&w->st);
}

static bht_status work_alloc(nu_work *w, size_t n, size_t d)
{
    memset(w, 0, sizeof *w);
    const size_t nd = n * d, dd2 = d * d;
    double **const rows[] = {&w->rh, &w->rl, &w->vh, &w->vl, &w->yh, &w->yl};
    double **const columns[] = {&w->err_y, &w->dk};
    double **const squares[] = {&w->kh, &w->kl, &w->snap};
    double **const x[] = {&w->x}, **const scratch[] = {&w->scratch};
    const bht__double_group groups[] = {{rows, 6, nd}, {columns, 2, n}, {squares, 3, dd2},
                                        {x, 1, NU_REFINEMENTS * dd2}, {scratch, 1, 2 * dd2}};
    w->re = malloc(nd * sizeof *w->re);
    w->exact_zero = calloc(n, 1);
    if (!w->re || !w->exact_zero
        || bht__lev_work_alloc(&w->st, groups, sizeof groups / sizeof groups[0], 2 * n,
                               NU_REFINEMENTS * d + 1) != BHT_OK) {
        work_free(w);
        return BHT_E_NOMEM;
    }
    w->ev = w->st.ints;
    w->ey = w->st.ints + n;
    return BHT_OK;
}

bht_status bht__lev_work_alloc(lev_work_store *st, const bht__double_group *groups,
                               size_t ngroups, size_t nints, size_t nterms)
{
    memset(st, 0, sizeof *st);
    bht__lev_sum_init(&st->acc);
    st->doubles = bht__alloc_doubles(groups, ngroups);
    st->ints = malloc(nints * sizeof *st->ints);
    st->terms = malloc(nterms * sizeof *st->terms);
    if (st->doubles && st->ints && st->terms)
        return BHT_OK;
    bht__lev_work_free(st);
    return BHT_E_NOMEM;
}

void bht__lev_work_free(lev_work_store *st)
{
    free(st->doubles);
    free(st->ints);
    free(st->terms);
    bht__lev_sum_free(&st->acc);
    memset(st, 0, sizeof *st);
}

/* ============================================ residual rows M - A X, exactly */

/* Row i of M - A X, X = sum_s D X_s D^-1 2^ex_s (steps increments): every
 * entry m_ij - sum_k a_ik X_kj = (rh + rl) 2^re with its own exponent,
 * exact up to its dd rounding (leverage_exact_sum.h), so that it can be put
 * in any basis's column scaling without a second rounding.  Returns 1 for a
 * nonzero row, 0 for an exactly zero one, -1 on allocation failure. */
static int residual_row(const lev_basis *b, nu_work *w, const double *A, const double *M,
                        size_t i, int steps, const double *xs, const int *ex)
{
    const size_t d = b->d;
    double *rh = w->rh + i * d, *rl = w->rl + i * d;
    long *re = w->re + i * d;
    int nonzero = 0;
    for (size_t j = 0; j < d; j++) {
        if (steps == 0) {
            rh[j] = M[i * d + j];
            rl[j] = 0.0;
            re[j] = 0;
        } else {
            size_t count = 0;
            w->st.terms[count++] = (lev_term){M[i * d + j], 1.0, 0};
            for (int st = 0; st < steps; st++)
                for (size_t k = 0; k < d; k++)
                    w->st.terms[count++] = (lev_term){A[i * d + k],
                                                      -xs[(size_t)st * d * d + k * d + j],
                                                      (long)b->c[k] - b->c[j] + ex[st]};
            if (bht__lev_sum_exact(&w->st.acc, w->st.terms, count, &rh[j], &rl[j], &re[j])
                != BHT_OK)
                return -1;
        }
        nonzero |= rh[j] != 0.0;
    }
    return nonzero;
}

/* A row of exact entries (rh + rl) 2^re in the column scaling c of a
 * basis: entry_j 2^c_j = (oh_j + ol_j) 2^(*eo), the largest |oh_j| in
 * [1, 2) (entries 2^1022 below it may round: 2^-1074 of the row).  0 for a
 * zero row. */
static int scale_row(size_t d, const double *rh, const double *rl, const long *re,
                     const int *c, double *oh, double *ol, int *eo)
{
    long emax = LONG_MIN;
    for (size_t j = 0; j < d; j++)
        if (rh[j] != 0.0 && (long)ilogb(rh[j]) + re[j] + c[j] > emax)
            emax = (long)ilogb(rh[j]) + re[j] + c[j];
    if (emax == LONG_MIN) {
        for (size_t j = 0; j < d; j++)
            oh[j] = ol[j] = 0.0;
        *eo = 0;
        return 0;
    }
    for (size_t j = 0; j < d; j++) {
        if (rh[j] == 0.0) {
            oh[j] = ol[j] = 0.0;
            continue;
        }
        long shift = re[j] + c[j] - emax;
        int sh = shift < -1200 ? -1200 : (int)shift;
        oh[j] = ldexp(rh[j], sh);
        ol[j] = ldexp(rl[j], sh);
    }
    *eo = (int)emax;
    return 1;
}

/* out = in U for d-by-d row-major in, out and U upper triangular with
 * U_qj = u[q rs + j cs] (rs = d, cs = 1: u row-major; rs = 1, cs = d: u
 * holds U^T row-major), in double. */
static void times_upper(size_t d, const double *in, const double *u, size_t rs, size_t cs,
                        double *out)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double sum = 0.0;
            for (size_t q = 0; q <= j; q++)
                sum += in[i * d + q] * u[q * rs + j * cs];
            out[i * d + j] = sum;
        }
}

/* out = U^-1 in (U as in times_upper; in and out distinct), by back
 * substitution per column, in double. */
static void solve_upper(size_t d, const double *u, size_t rs, size_t cs, const double *in,
                        double *out)
{
    for (size_t col = 0; col < d; col++)
        for (size_t i = d; i-- > 0;) {
            double sum = in[i * d + col];
            for (size_t q = i + 1; q < d; q++)
                sum -= u[i * rs + q * cs] * out[q * d + col];
            out[i * d + col] = sum / u[i * (rs + cs)];
        }
}

/* The next increment of X from K = T X T^-1 (K = 2^ek (kh + kl)):
 * X = T^-1 K T = D R^-1 L^-T K L^T R^ D^-1 = D X_s D^-1 2^ek with
 * X_s = R^-1 L^-T K L^T R^ computed in double (it only needs to shrink the
 * part of M - A X in the range of A: its accuracy does not enter the
 * result, which is exact for whatever X is used). */
static void refinement_step(const lev_basis *b, nu_work *w, int ek, int step)
{
    const size_t d = b->d;
    double *p = w->scratch, *z = w->scratch + d * d, *x = w->x + (size_t)step * d * d;
    /* p = K L^T (L lower: (L^T)_{qj} = L_{jq}, strides 1, d), then p R^
     * (strides d, 1) */
    times_upper(d, w->kh, b->lh, 1, d, z);
    times_upper(d, z, b->r, d, 1, p);
    /* z = L^-T p, then x = R^-1 z */
    solve_upper(d, b->lh, 1, d, p, z);
    solve_upper(d, b->r, d, 1, z, x);
    for (size_t k = 0; k < d * d; k++)
        if (!isfinite(x[k]))
            x[k] = 0.0; /* no correction rather than a non-finite one */
    w->ex[step] = ek;
}

/* ================================================================= a pass */

void bht__lev_map_row(const lev_basis *b, size_t i, int nonzero, const double *vh,
                      const double *vl, const int *ev, double *oh, double *ol, int *eo,
                      double *err)
{
    if (nonzero) {
        bht__lev_basis_map(b, lev_s(b, i), vh, vl, *ev, oh, ol, eo, err);
        return;
    }
    *eo = INT_MIN;
    *err = 0.0;
    for (size_t j = 0; j < b->d; j++)
        oh[j] = ol[j] = 0.0;
}

/* G = sum_i x_i y_i^T in dd (leverage_local_internal.h); also the model
 * distance's cross products (model_distance_leverage.c). */
long bht__lev_cross(size_t n, size_t d, const double *xh, const double *xl, const int *xe,
                    const double *ex, const double *yh, const double *yl, const int *ye,
                    const double *ey, double *gh, double *gl, double *mag, double *werr)
{
    long eg = LONG_MIN;
    for (size_t i = 0; i < n; i++)
        if (xe[i] != LEV_ZERO_ROW && ye[i] != INT_MIN && (long)xe[i] + ye[i] > eg)
            eg = (long)xe[i] + ye[i];
    for (size_t k = 0; k < d * d; k++)
        gh[k] = gl[k] = 0.0;
    *mag = *werr = 0.0;
    if (eg == LONG_MIN)
        return eg;
    for (size_t i = 0; i < n; i++) {
        if (xe[i] == LEV_ZERO_ROW || ye[i] == INT_MIN)
            continue;
        long shift = (long)xe[i] + ye[i] - eg;
        double m = norm(d, xh + i * d) * norm(d, yh + i * d);
        if (shift < -1000) {
            *mag += ldexp(m, -1000);
            *werr += ldexp(m, -1000);
            continue;
        }
        *mag += ldexp(m, (int)shift);
        *werr += 1.01 * (ex[i] + ey[i]) * ldexp(m, (int)shift);
        for (size_t x = 0; x < d; x++) {
            double sh = ldexp(xh[i * d + x], (int)shift), sl = ldexp(xl[i * d + x], (int)shift);
            for (size_t y = 0; y < d; y++)
                bht__lev_dot2_add(&gh[x * d + y], &gl[x * d + y], sh, sl, yh[i * d + y], yl[i * d + y]);
        }
    }
    for (size_t k = 0; k < d * d; k++)
        gh[k] = two_sum(gh[k], gl[k], &gl[k]);
    return eg;
}

/* K = sum_k q_k y_k^T = (kh + kl) 2^(*ek) over the rows with both nonzero
 * (qe LEV_ZERO_ROW or ye INT_MIN: zero), each row with its certified
 * relative errors eq_k, ey_k; *kerr bounds |K - computed K| in units of
 * 2^(*ek): the factors' errors, Dot2's gamma_n^2 (n^2 + 3) u^2 of
 * sum |q_k| |y_k|, terms dropped below 2^-1000.  Returns 0 when every term
 * is 0 (then K = 0 exactly and *ek = 0). */
static int accumulate_k(size_t n, size_t d, const double *qh, const double *ql, const int *qe,
                        const double *eq, const double *yh, const double *yl, const int *ye,
                        const double *ey, double *kh, double *kl, long *ek, double *kerr)
{
    const double u2 = 0x1p-106;
    double kabs, werr;
    long e = bht__lev_cross(n, d, qh, ql, qe, eq, yh, yl, ye, ey, kh, kl, &kabs, &werr);
    *kerr = 0.0;
    *ek = 0;
    if (e == LONG_MIN)
        return 0;
    *kerr = werr + (((double)n * (double)n + 3.0) * u2 + 0x1p-1000) * kabs;
    *ek = e;
    return 1;
}

/* A value (h + l) 2^e with an error bound err 2^e. */
typedef struct wvalue {
    double h, l, err;
    long e;
} wvalue;

/* (y - K^T v) . v (the W_ii of the header, or the leave-one-out numerator)
 * for the row v = (vh + vl) 2^ve (relative error ev), y = (yh + yl) 2^ye
 * (ye INT_MIN: y = 0; relative error ey) and K = (kh + kl) 2^ek with
 * Frobenius norm knorm and error bound kerr (units 2^ek); gram bounds
 * ||Q^T Q - I||.  Bound (bht_nu_leverage): 1.01 ((ey + ev + g + c) |y| +
 * (2 ev + 3 g + c) |K| |v|) |v| + |dK| |v|^2, c = 4 (d^2 + 2) u^2, plus
 * 2^-1000 of the scale for parts below the double range. */
static wvalue projected_dot(size_t d, const double *vh, const double *vl, long ve, double ev,
                            const double *yh, const double *yl, long ye, double ey,
                            const double *kh, const double *kl, long ek, double knorm,
                            double kerr, double gram)
{
    const double u2 = 0x1p-106;
    long ez = ek + ve; /* z = y - K^T v in units 2^ez */
    if (ye != INT_MIN && ye > ez)
        ez = ye;
    long sy = ye == INT_MIN ? -2000 : ye - ez, sk = ek + ve - ez;
    int iy = sy < -1100 ? -1100 : (int)sy, ik = sk < -1100 ? -1100 : (int)sk;
    double wh = 0.0, wl = 0.0;
    for (size_t y = 0; y < d; y++) {
        double sh = 0.0, sl = 0.0;
        if (sy > -2000) {
            sh = ldexp(yh[y], iy);
            sl = ldexp(yl[y], iy);
        }
        for (size_t x = 0; x < d; x++)
            bht__lev_dot2_add(&sh, &sl, -ldexp(kh[x * d + y], ik), -ldexp(kl[x * d + y], ik), vh[x],
                         vl[x]);
        sh = two_sum(sh, sl, &sl);
        bht__lev_dot2_add(&wh, &wl, sh, sl, vh[y], vl[y]);
    }
    wh = two_sum(wh, wl, &wl);
    double vn = norm(d, vh), yn = sy > -2000 ? ldexp(norm(d, yh), iy) : 0.0;
    double kv = ldexp(knorm * vn, ik);
    double c = 4.0 * ((double)d * (double)d + 2.0) * u2 + 0x1p-1000;
    double err = ((ey + ev + gram + c) * yn + (2.0 * ev + 3.0 * gram + c) * kv) * vn * 1.01
                 + ldexp(kerr * vn * vn, ik);
    return (wvalue){wh, wl, err, ez + ve};
}

/* W_ii by the leave-one-out form, for a row of high leverage.  With A_(i),
 * M_(i) the data without row i (M the current M - A X), A_(i),s = Q' T',
 * v = a_s,i T'^-1, y' = m_s,i T'^-1, K' = Q'^T M_(i),s T'^-1 (Sherman-Morrison
 * on G = G_(i) + a_s,i a_s,i^T):
 *   1 - h_ii = 1 / (1 + |v|^2),  W_ii = (y' - K'^T v) . v / (1 + |v|^2)^2,
 * free of the cancellation y_i - K^T q_i suffers when 1 - h_ii is tiny.
 * Bound: that of projected_dot over (1 + |v|^2)^2, plus 4.1 e_v |W| for the
 * denominator.  Returns 1 with *out, 0 when A_(i) is not certified of rank
 * d, -1 on allocation failure. */
static int leave_one_out(const lev_basis *b, nu_work *w, const double *A, size_t i,
                         wvalue *out)
{
    const size_t n = b->n, d = b->d, m = n - 1;
    double *buf = malloc((5 * m * d + m + 2 * d * d + 4 * d) * sizeof *buf);
    int *ints = malloc(2 * m * sizeof *ints);
    double *errs = malloc(2 * m * sizeof *errs);
    if (!buf || !ints || !errs) {
        free(buf);
        free(ints);
        free(errs);
        return -1;
    }
    double *ai = buf, *yh = ai + m * d, *yl = yh + m * d, *rh = yl + m * d, *rl = rh + m * d;
    double *si = rl + m * d, *kh = si + m, *kl = kh + d * d, *vh = kl + d * d, *vl = vh + d;
    double *zh = vl + d, *zl = zh + d;
    int *ey = ints, *unused = ints + m;
    double *eq = errs, *erry = errs + m;
    (void)unused;
    for (size_t k = 0, r = 0; k < n; k++) {
        if (k == i)
            continue;
        memcpy(ai + r * d, A + k * d, d * sizeof *ai);
        si[r] = lev_s(b, k);
        r++;
    }
    lev_basis b2;
    int got = 0;
    if (bht__lev_basis_build(m, d, ai, si, &b2, NULL, LEV_CERTIFIED_ERR) == BHT_OK) {
        got = 1;
        for (size_t k = 0, r = 0; k < n; k++) {
            if (k == i)
                continue;
            int e;
            eq[r] = b2.err_q[r];
            if (w->ey[k] == INT_MIN
                || !scale_row(d, w->rh + k * d, w->rl + k * d, w->re + k * d, b2.c, rh, rl,
                              &e)) {
                ey[r] = INT_MIN;
                erry[r] = 0.0;
                for (size_t j = 0; j < d; j++)
                    yh[r * d + j] = yl[r * d + j] = 0.0;
            } else {
                bht__lev_basis_map(&b2, si[r], rh, rl, e, yh + r * d, yl + r * d, &ey[r], &erry[r]);
            }
            r++;
        }
        long ek;
        double kerr;
        accumulate_k(m, d, b2.qh, b2.ql, b2.qe, eq, yh, yl, ey, erry, kh, kl, &ek, &kerr);
        double knorm = norm(d * d, kh) * (1.0 + 0x1p-40);
        /* v = a_s,i T'^-1 and y' = m_s,i T'^-1 */
        int ev, eyi = INT_MIN;
        double errv, erryi = 0.0;
        (void)bht__lev_basis_scale_row(&b2, A + i * d, rh, &ev); /* nonzero: h_ii > 1/2 */
        bht__lev_basis_map(&b2, lev_s(b, i), rh, NULL, ev, vh, vl, &ev, &errv);
        int e;
        if (w->ey[i] != INT_MIN
            && scale_row(d, w->rh + i * d, w->rl + i * d, w->re + i * d, b2.c, rh, rl, &e))
            bht__lev_basis_map(&b2, lev_s(b, i), rh, rl, e, zh, zl, &eyi, &erryi);
        wvalue num = projected_dot(d, vh, vl, ev, errv, zh, zl, eyi, erryi, kh, kl, ek, knorm,
                                   kerr, b2.gram * 1.01);
        /* D = 1 + |v|^2 = (dh + dl) 2^de */
        double nh = 0.0, nl = 0.0;
        for (size_t j = 0; j < d; j++)
            bht__lev_dot2_add(&nh, &nl, vh[j], vl[j], vh[j], vl[j]);
        nh = two_sum(nh, nl, &nl);
        lev_scaled den = {1.0, 0.0, 0};
        bht__lev_scaled_add(&den, nh, nl, 2L * ev);
        double qh, ql;
        dd_mul(den.h, den.l, den.h, den.l, &qh, &ql); /* D^2, exponent 2 de */
        double th, tl;
        dd_div(num.h, num.l, qh, ql, &th, &tl);
        out->h = th;
        out->l = tl;
        out->e = num.e - 2 * den.e;
        out->err = num.err / qh * (1.0 + 0x1p-50) + fabs(th) * (4.1 * errv + 0x1p-100);
        bht__lev_basis_free(&b2);
    }
    free(buf);
    free(ints);
    free(errs);
    return got;
}

typedef struct nu_pass {
    lev_scaled nu, nu_err;     /* sum W_ii^2 / h_ii and its error bound */
    lev_scaled zero, zero_err; /* sum over zero rows of |y_i|^2, and its bound */
    int derivative_ok;         /* every W_ii certified (or proved 0) */
    int ek;                    /* exponent of K */
    int k_nonzero;             /* some term of K is nonzero */
} nu_pass;

/* One evaluation on the rows of M - A X (steps increments): Y, K, W_ii,
 * the sums and their certified error bounds (see bht_nu_leverage). */
static bht_status evaluate(const lev_basis *b, nu_work *w, const double *A, const double *M,
                           int steps, nu_pass *out)
{
    const size_t n = b->n, d = b->d;
    const double u2 = 0x1p-106, gram = b->gram * 1.01;
    memset(out, 0, sizeof *out);
    out->derivative_ok = 1;
    /* Y */
    for (size_t i = 0; i < n; i++) {
        int got = residual_row(b, w, A, M, i, steps, w->x, w->ex);
        if (got < 0)
            return BHT_E_NOMEM;
        if (got)
            got = scale_row(d, w->rh + i * d, w->rl + i * d, w->re + i * d, b->c, w->vh + i * d,
                            w->vl + i * d, &w->ev[i]);
        bht__lev_map_row(b, i, got, w->vh + i * d, w->vl + i * d, &w->ev[i], w->yh + i * d,
                         w->yl + i * d, &w->ey[i], &w->err_y[i]);
    }
    long ek;
    double kerr;
    out->k_nonzero = accumulate_k(n, d, b->qh, b->ql, b->qe, b->err_q, w->yh, w->yl, w->ey,
                                  w->err_y, w->kh, w->kl, &ek, &kerr);
    out->ek = (int)ek;
    const double knorm = norm(d * d, w->kh) * (1.0 + 0x1p-40);
    for (size_t i = 0; i < n; i++) {
        const double *yh = w->yh + i * d, *yl = w->yl + i * d;
        w->dk[i] = 0.0;
        if (b->qe[i] == LEV_ZERO_ROW) {
            /* zero row of A: m_s,i^T G^-1 m_s,i = y_i^T (Q^T Q)^-1 y_i ~ |y_i|^2,
             * relative error 2 err_y + gram + dd sums */
            if (w->ey[i] == INT_MIN)
                continue;
            double th = 0.0, tl = 0.0;
            for (size_t j = 0; j < d; j++)
                bht__lev_dot2_add(&th, &tl, yh[j], yl[j], yh[j], yl[j]);
            th = two_sum(th, tl, &tl);
            bht__lev_scaled_add(&out->zero, th, tl, 2L * w->ey[i]);
            add_bound(&out->zero_err, th * (2.1 * w->err_y[i] + gram + (double)(d + 4) * u2),
                      2L * w->ey[i]);
            continue;
        }
        if (w->exact_zero[i])
            continue; /* W_ii = 0 proved: contributes 0 to nu and dq/deps */
        const double *qh = b->qh + i * d, *ql = b->ql + i * d;
        double hh = 0.0, hl = 0.0;
        for (size_t j = 0; j < d; j++)
            bht__lev_dot2_add(&hh, &hl, qh[j], ql[j], qh[j], ql[j]);
        hh = two_sum(hh, hl, &hl);
        wvalue wv = projected_dot(d, qh, ql, b->qe[i], b->err_q[i], yh, yl, w->ey[i],
                                  w->err_y[i], w->kh, w->kl, ek, knorm, kerr, gram);
        if (!(wv.err <= NU_CERTIFIED_ERR * fabs(wv.h)) && ldexp(hh, 2 * b->qe[i]) > 0.5) {
            /* h_ii > 1/2: the leave-one-out form, when its bound is smaller */
            wvalue lo;
            int got = leave_one_out(b, w, A, i, &lo);
            if (got < 0)
                return BHT_E_NOMEM;
            if (got && isfinite(lo.h) && isfinite(lo.err)) {
                long shift = lo.e - wv.e;
                double a = shift < -2000 ? 0.0
                           : (shift > 2000 ? INFINITY : ldexp(lo.err, (int)shift));
                if (a < wv.err)
                    wv = lo;
            }
        }
        if (!isfinite(wv.h) || !isfinite(wv.err))
            return BHT_E_RANGE; /* not expected: every mantissa is O(2^60) at most */
        /* the derivative 2 W_ii / d */
        double th, tl;
        dd_div(2.0 * wv.h, 2.0 * wv.l, (double)d, 0.0, &th, &tl);
        w->dk[i] = dd_round_scaled_signed(th, tl, (int)wv.e);
        if (!(wv.err * (1.0 + 0x1p-50) <= NU_CERTIFIED_ERR * fabs(wv.h)))
            out->derivative_ok = 0;
        /* W^2 / h = (wh^2 / |q|^2) 2^(2 eW - 2 qe): value and error bound
         * (2 |W| werr + werr^2) / h + value (err_h + 2^-100) */
        double rh, rl, vh, vl;
        dd_div(wv.h, wv.l, hh, hl, &rh, &rl);
        dd_mul(rh, rl, wv.h, wv.l, &vh, &vl);
        long et = 2 * (wv.e - b->qe[i]);
        bht__lev_scaled_add(&out->nu, vh, vl, et);
        double terr = (2.0 * fabs(wv.h) + wv.err) * wv.err / hh * (1.0 + 0x1p-50)
                      + vh * (bht__lev_basis_err_h(b, i) + 0x1p-100);
        add_bound(&out->nu_err, terr, et);
    }
    return BHT_OK;
}

/* For an exactly representable X: is M - A X^ exactly zero, X^ the double
 * matrix nearest to the sum of the increments so far, or that with its
 * entries below 2^-80 of the largest set to 0 (an exact 0 of X carries the
 * increments' noise)?  Then W = 0, and the zero rows of A have m_i = 0:
 * every output is exactly 0.  1 yes, 0 no, -1 no memory. */
static int snapped_exact_zero(const lev_basis *b, nu_work *w, const double *A, const double *M,
                              int steps)
{
    const size_t d = b->d;
    double big = 0.0;
    for (size_t k = 0; k < d * d; k++) {
        double h = 0.0, l = 0.0;
        for (int st = 0; st < steps; st++) {
            long shift = (long)w->ex[st] - w->ex[0];
            double v = ldexp(w->x[(size_t)st * d * d + k],
                             (int)(shift < -1100 ? -1100 : (shift > 1100 ? 1100 : shift)));
            dd_add(h, l, v, 0.0, &h, &l);
        }
        w->snap[k] = h;
        big = fmax(big, fabs(h));
    }
    for (int candidate = 0; candidate < 2; candidate++) {
        int changed = 0;
        if (candidate == 1)
            for (size_t k = 0; k < d * d; k++)
                if (w->snap[k] != 0.0 && fabs(w->snap[k]) <= 0x1p-80 * big) {
                    w->snap[k] = 0.0;
                    changed = 1;
                }
        if (candidate == 1 && !changed)
            break;
        int zero = 1;
        for (size_t i = 0; i < b->n && zero; i++) {
            int got = residual_row(b, w, A, M, i, 1, w->snap, w->ex);
            if (got < 0)
                return -1;
            zero = got == 0;
        }
        if (zero)
            return 1;
    }
    return 0;
}

/* Algorithm: the dd basis Q, T of A_s (leverage_core.h), rows y_i of
 * Y = M_s T^-1 (each with its own exponent), K = Q^T Y and
 * W_ii = (y_i - K^T q_i) . q_i with Dot2 sums (Ogita-Rump-Oishi 2005; dd
 * operations JMP17), h_ii = |q_i|^2, the sums of W_ii^2 / h_ii and of the
 * zero rows' |y_i|^2 with separate exponents, each output rounded once.
 * Certified bound, per row (e_q, e_y the certified relative errors of q_i
 * and y_i, g the bound on ||Q^T Q - I||, leverage_core.h; c = 4 (d^2 + 2)
 * u^2 for the Dot2 sums): |error of W_ii| <= 1.01 ((e_y + e_q + g + c) |y_i|
 * + (2 e_q + 3 g + c) |K| |q_i|) |q_i| + |dK| |q_i|^2, with |dK| <=
 * sum_k 1.01 (e_q,k + e_y,k) |q_k| |y_k| + (n^2 + 3) u^2 sum_k |q_k| |y_k|
 * (first order in the errors: z = y - K^T q, W = z.q, and the exact
 * formula with (Q^T Q)^-1 in place of I); each term of nu gets
 * (2 |W| dW + dW^2)/h + err_h W^2/h.  nu, L (and every dq_i/deps when
 * the derivative is asked for) are returned when their bound is at most
 * 2^-53 of the value (so within 1.5 ulp of the exact value; budget 2 ulp).  Otherwise the part of
 * M in the range of A is removed exactly -- M -> M - A X (same nu, L, W),
 * X from K, the residual formed exactly in a long accumulator
 * (leverage_exact_sum.h) -- and the pass is repeated (at most 3 times): this
 * answers M = A X + (rounding noise) and h_ii near 1 (the cancellation in
 * y_i - K^T q_i is gone).  An exactly zero residual proves W = 0 (M = A X
 * with X a double matrix); a row of A alone in some column has h_ii = 1 and
 * W_ii = 0 exactly.  What remains uncertified -- a W_ii far below
 * |z_i| |q_i| that the derivative needs, M in the range of A with X not
 * representable, or nu below its terms' noise -- is refused (BHT_E_RANGE). */
bht_status bht_nu_leverage(size_t n, size_t d, const double *A, const double *M,
                           const double *s, bht_local_result *out, double *derivative)
{
    if (!out || !A || !M || d == 0 || n < d || n > BHT_LEVERAGE_MAX_N
        || d > BHT_LEVERAGE_MAX_D)
        return BHT_E_INVALID;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(M[k]))
            return BHT_E_NONFINITE;
    /* n = d (H = I, W = 0) or M = 0: every quantity is exactly 0, once rank
     * d is certified; otherwise the basis must meet the accuracy bound */
    const int trivial = n == d || zero_row(n * d, M);
    lev_basis b;
    bht_status status = bht__lev_basis_build(n, d, A, s, &b, NULL,
                                        trivial ? LEV_RANK_ONLY : LEV_CERTIFIED_ERR);
    if (status != BHT_OK)
        return status;
    if (trivial) {
        out->nu = out->local_constant = 0.0;
        if (derivative)
            for (size_t i = 0; i < n; i++)
                derivative[i] = 0.0;
        bht__lev_basis_free(&b);
        return BHT_OK;
    }
    nu_work w;
    status = work_alloc(&w, n, d);
    if (status != BHT_OK) {
        bht__lev_basis_free(&b);
        return status;
    }
    /* Rows with h_ii = 1 exactly have W_ii = 0: every nonzero row when
     * exactly d rows are nonzero (rank d certified), and a row that is the
     * only nonzero one of some column (then e_i is in the range of A). */
    size_t nonzero_rows = 0;
    for (size_t i = 0; i < n; i++)
        nonzero_rows += !zero_row(d, A + i * d);
    for (size_t i = 0; i < n; i++)
        w.exact_zero[i] = nonzero_rows == d && !zero_row(d, A + i * d);
    for (size_t j = 0; j < d; j++) {
        size_t count = 0, last = 0;
        for (size_t i = 0; i < n; i++)
            if (A[i * d + j] != 0.0) {
                count++;
                last = i;
            }
        if (count == 1)
            w.exact_zero[last] = 1;
    }
    nu_pass pass;
    int certified = 0, exact = 0;
    for (int step = 0; step <= NU_REFINEMENTS; step++) {
        status = evaluate(&b, &w, A, M, step, &pass);
        if (status != BHT_OK)
            break;
        lev_scaled total = pass.nu, total_err = pass.nu_err;
        /* L = nu / 2 + zero / (2d): in units of 2d L = nu + zero */
        bht__lev_scaled_add(&total, pass.zero.h, pass.zero.l, pass.zero.e);
        bht__lev_scaled_add(&total_err, pass.zero_err.h, pass.zero_err.l, pass.zero_err.e);
        certified = within(&pass.nu_err, &pass.nu, NU_CERTIFIED_ERR * (1.0 - 0x1p-50))
                    && within(&total_err, &total, NU_CERTIFIED_ERR * (1.0 - 0x1p-50))
                    && (!derivative || pass.derivative_ok);
        if (certified || !pass.k_nonzero || step == NU_REFINEMENTS)
            break;
        refinement_step(&b, &w, pass.ek, step);
        if (step >= 1) { /* two increments or more: X may be exact now */
            int snapped = snapped_exact_zero(&b, &w, A, M, step + 1);
            if (snapped < 0) {
                status = BHT_E_NOMEM;
                break;
            }
            if (snapped) {
                exact = certified = 1;
                break;
            }
        }
    }
    if (status == BHT_OK && !certified)
        status = BHT_E_RANGE;
    if (status == BHT_OK && exact) {
        for (size_t i = 0; i < n; i++)
            w.dk[i] = 0.0;
        pass.nu = pass.zero = (lev_scaled){0.0, 0.0, 0};
    }
    if (status == BHT_OK) {
        lev_scaled local = pass.nu;
        bht__lev_scaled_add(&local, pass.zero.h, pass.zero.l, pass.zero.e);
        /* proved (proofs/kernels): nu = RN(S / d), the local constant
         * RN((S + Z) / (2 d)) through one dd_div each, both not NaN and
         * >= 0, given dd_operand sums and exponents <= 10^5 (assumed here:
         * this caller is not analysed) */
        store_nu_leverage_quotients(out, pass.nu.h, pass.nu.l, pass.nu.e, local.h, local.l,
                                    local.e, (double)d);
        store_derivative(derivative, w.dk, n);
    }
    work_free(&w);
    bht__lev_basis_free(&b);
    return status;
}
