/* regression_oracle.c: correctly rounded softmax-regression loss, gradient
 * and Hessian (bht_oracle_regression) from MPFR enclosures and Ziv's loop.
 *
 * Error analysis at working precision P, u = 2^-P.  Every bound below is
 * evaluated in MPFR at 64 bits with upward rounding; the rounding term of
 * an operation, written rnd(v) = u |v|, is counted only when MPFR reports
 * it inexact (so exact evaluations carry a zero bound and are rounded
 * directly: exact zeros are decided).  f~ = true value + error, |error| <= e.
 *   p~_i   oracle_softmax_eval: |p~_i - f_i| <= ep_i
 *   c~_i   = RN(p~_i - b_i):            ec_i = ep_i + rnd(c~_i)
 *   z~_i   = RN(sum_j a_ij x_j) (mpfr_sum of exact products): ez_i = rnd(z~_i)
 *   loss   = RN(sum RN(c~_i^2) + RN(RN(w_i z~_i)^2)) / 2 with
 *            |c~^2 - c^2| <= 2|c~| ec + ec^2, |(wz~)^2 - (wz)^2| likewise
 *   cs~_i  = c_i - <f, c> = RN(RN(c~_i - c~_m) + sigma~), sigma~ = RN(sum_{k != m}
 *            RN(p~_k RN(c~_m - c~_k))) (sum f = 1; no cancellation when f_m ~ 1),
 *            bounds in centered_part; |p~ y~ - f y| <= ep |y~| + (p~ + ep) ey
 *   q~_i   = RN(p~_i cs~_i)              eq = ep |cs~| + (p~ + ep) ecs + rnd
 *   v~_i   = RN(w_i^2 z~_i) (w_i^2 exact) ev = w_i^2 ez + rnd
 *   g_j    = RN(sum_i RN(q~_i delta_ij) + RN(v~_i a_ij)), delta_ij = RN(a_ij - a_mj)
 *            (sum q_i = 0 allows the reference row m); a term errs by at most
 *            |delta~| (2u |q~| + (1 + u) eq), resp. |a| (ev + u |v~|)
 *   dbar_j = RN(sum_i RN(p~_i delta_ij)),  dev_ij = RN(delta_ij - dbar_j) with
 *            |dev~_ij - dev_ij| <= eta_j (a bound over all i)
 *   r~_i   = RN(p~_i RN(p~_i + cs~_i)):  er = ep |t~| + (p~ + ep) et + rnd
 *   H_jk   = RN(sum_i RN(r~_i RN(dev_ij dev_ik)) + w_i^2 a_ij a_ik), the
 *            weighted terms exact (212 bits); with D_ij = |dev~_ij|,
 *            S_j = sum |r~_i| D_ij, R = sum |r~_i|, T_j = sum er_i (D_ij + eta_j)^2,
 *            U_j = sum |r~_i| D_ij^2 (2 |xy| <= x^2 + y^2 bounds the mixed sums):
 *            |H~_jk - H_jk| <= eta_k S_j + eta_j S_k + eta_j eta_k R
 *                              + (T_j + T_k) / 2 + 1.01 u (U_j + U_k) + rnd(H~_jk).
 * Each output is then decided (bht__oracle_decide_bound_mode); Ziv raises P by
 * 1.5x until all are.  When every logit is tied the quantities are rational
 * and are computed exactly instead (regression_rational.c). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "regression_oracle_internal.h"

#define BP REGRESSION_BOUND_PREC

/* out = u |v| (upward) when inexact != 0, else 0. */
static void rnd_bound(mpfr_ptr out, mpfr_srcptr v, int inexact, mpfr_prec_t prec)
{
    if (inexact == 0) {
        mpfr_set_zero(out, 1);
        return;
    }
    bht__oracle_relative_bound(out, v, prec);
}

/* out = |v| + e (upward). */
static void abs_plus(mpfr_ptr out, mpfr_srcptr v, mpfr_srcptr e)
{
    mpfr_abs(out, v, MPFR_RNDU);
    mpfr_add(out, out, e, MPFR_RNDU);
}

bht_status bht__regression_enclosure_init(regression_enclosure *e, size_t d, mpfr_prec_t prec,
                                     int want)
{
    memset(e, 0, sizeof *e);
    e->prec = prec;
    e->want = want;
    mpfr_init2(e->loss, prec);
    mpfr_init2(e->loss_err, BP);
    mpfr_init2(e->fmax, BP);
    bht_status s = bht__oracle_vector_init(&e->gradient, d, prec);
    if (s == BHT_OK)
        s = bht__oracle_vector_init(&e->gradient_err, d, BP);
    if (s == BHT_OK && (want & REGRESSION_WANT_HESSIAN))
        s = bht__oracle_vector_init(&e->hessian, d * d, prec);
    if (s == BHT_OK && (want & REGRESSION_WANT_HESSIAN))
        s = bht__oracle_vector_init(&e->hessian_err, d * d, BP);
    if (s != BHT_OK)
        bht__regression_enclosure_clear(e);
    return s;
}

void bht__regression_enclosure_clear(regression_enclosure *e)
{
    if (e->prec == 0)
        return;
    mpfr_clear(e->loss);
    mpfr_clear(e->loss_err);
    mpfr_clear(e->fmax);
    bht__oracle_vector_clear(&e->gradient);
    bht__oracle_vector_clear(&e->gradient_err);
    bht__oracle_vector_clear(&e->hessian);
    bht__oracle_vector_clear(&e->hessian_err);
    e->prec = 0;
}

/* Per-row quantities of one evaluation. */
typedef struct enclose_rows {
    oracle_vector p, ep, c, ec, z, ez, cs, ecs;
    oracle_vector terms;  /* n (or 2n) summands at P */
    oracle_vector wterms; /* n exact weighted summands at 212 + P bits */
    oracle_vector prod;   /* d exact products at 106 bits */
    mpfr_ptr *summands;   /* 2n pointers */
    mpfr_exp_t *err_exp;
} enclose_rows;

static void rows_clear(enclose_rows *r)
{
    oracle_vector *all[] = {&r->p, &r->ep, &r->c, &r->ec, &r->z, &r->ez,
                            &r->cs, &r->ecs, &r->terms, &r->wterms, &r->prod};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        bht__oracle_vector_clear(all[k]);
    free(r->summands);
    free(r->err_exp);
}

static bht_status rows_init(enclose_rows *r, size_t n, size_t d, mpfr_prec_t prec)
{
    memset(r, 0, sizeof *r);
    bht_status s = BHT_OK;
    oracle_vector *at_prec[] = {&r->p, &r->c, &r->z, &r->cs};
    oracle_vector *at_bound[] = {&r->ep, &r->ec, &r->ez, &r->ecs};
    for (size_t k = 0; k < 4 && s == BHT_OK; k++)
        s = bht__oracle_vector_init(at_prec[k], n, prec);
    for (size_t k = 0; k < 4 && s == BHT_OK; k++)
        s = bht__oracle_vector_init(at_bound[k], n, BP);
    if (s == BHT_OK)
        s = bht__oracle_vector_init(&r->terms, 2 * n, prec);
    if (s == BHT_OK)
        s = bht__oracle_vector_init(&r->wterms, n, 212 + prec);
    if (s == BHT_OK)
        s = bht__oracle_vector_init(&r->prod, d, 106);
    if (s == BHT_OK) {
        r->summands = malloc(2 * n * sizeof *r->summands);
        r->err_exp = malloc(n * sizeof *r->err_exp);
        if (!r->summands || !r->err_exp)
            s = BHT_E_NOMEM;
    }
    if (s != BHT_OK)
        rows_clear(r);
    return s;
}

/* z~_i = RN_P(a_i^T x) from exact products; returns the ternary value. */
static int row_logit(const regression_problem *p, size_t i, mpfr_ptr *prod, mpfr_ptr out)
{
    for (size_t j = 0; j < p->d; j++) {
        mpfr_set_d(prod[j], p->A[i * p->d + j], MPFR_RNDN);
        mpfr_mul_d(prod[j], prod[j], p->x[j], MPFR_RNDN); /* exact at 106 bits */
    }
    return mpfr_sum(out, prod, (unsigned long)p->d, MPFR_RNDN);
}

static int weighted(const regression_problem *p, size_t i)
{
    return p->w && p->w[i] != 0.0;
}

int bht__regression_logits_tied(const regression_problem *p)
{
    /* (a_i - a_0)^T x summed exactly-rounded: zero iff the exact value is */
    oracle_vector prod;
    if (bht__oracle_vector_init(&prod, 2 * p->d, 106) != BHT_OK)
        return 0;
    mpfr_t t;
    mpfr_init2(t, 64);
    int tied = 1;
    for (size_t i = 1; i < p->n && tied; i++) {
        for (size_t j = 0; j < p->d; j++) {
            mpfr_set_d(prod.ptr[j], p->A[i * p->d + j], MPFR_RNDN);
            mpfr_mul_d(prod.ptr[j], prod.ptr[j], p->x[j], MPFR_RNDN);
            mpfr_set_d(prod.ptr[p->d + j], p->A[j], MPFR_RNDN);
            mpfr_mul_d(prod.ptr[p->d + j], prod.ptr[p->d + j], -p->x[j], MPFR_RNDN);
        }
        mpfr_sum(t, prod.ptr, (unsigned long)(2 * p->d), MPFR_RNDN);
        tied = mpfr_zero_p(t);
    }
    mpfr_clear(t);
    bht__oracle_vector_clear(&prod);
    return tied;
}

/* Scalars of one evaluation. */
typedef struct enclose_scalars {
    mpfr_t s, es, v, ev, t, et, tmp, tmp2;
} enclose_scalars;

/* err += eta_l S_j + eta_j S_l + eta_j eta_l R + (T_j + T_l) / 2, rounded
 * up: the terms of the bound on Hessian entry (j, l) that the fast and the
 * exact paths share (eta, S, T non-negative). */
static void hessian_err_shared(mpfr_ptr err, const oracle_vector *eta, const oracle_vector *S,
                               const oracle_vector *T, mpfr_srcptr R, size_t j, size_t l,
                               enclose_scalars *k)
{
    bht__oracle_add_abs_product(err, eta->ptr[l], S->ptr[j], k->tmp2);
    bht__oracle_add_abs_product(err, eta->ptr[j], S->ptr[l], k->tmp2);
    mpfr_mul(k->tmp, eta->ptr[j], eta->ptr[l], MPFR_RNDU);
    bht__oracle_add_abs_product(err, k->tmp, R, k->tmp2);
    mpfr_add(k->tmp, T->ptr[j], T->ptr[l], MPFR_RNDU);
    mpfr_div_2ui(k->tmp, k->tmp, 1, MPFR_RNDU);
    mpfr_add(err, err, k->tmp, MPFR_RNDU);
}

static void loss_part(const regression_problem *p, enclose_rows *r, enclose_scalars *k,
                      regression_enclosure *e)
{
    const size_t n = p->n;
    const mpfr_prec_t P = e->prec;
    size_t count = 0;
    mpfr_ptr err = e->loss_err;
    mpfr_set_zero(err, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_ptr term = r->terms.ptr[count];
        int inexact = mpfr_sqr(term, r->c.ptr[i], MPFR_RNDN);
        r->summands[count++] = term;
        /* (2 |c~| + ec) ec + rnd */
        mpfr_abs(k->tmp, r->c.ptr[i], MPFR_RNDU);
        mpfr_mul_2ui(k->tmp, k->tmp, 1, MPFR_RNDU);
        mpfr_add(k->tmp, k->tmp, r->ec.ptr[i], MPFR_RNDU);
        bht__oracle_add_abs_product(err, k->tmp, r->ec.ptr[i], k->tmp2);
        rnd_bound(k->tmp, term, inexact, P);
        mpfr_add(err, err, k->tmp, MPFR_RNDU);
        if (!weighted(p, i))
            continue;
        term = r->terms.ptr[count];
        inexact = mpfr_mul_d(k->v, r->z.ptr[i], p->w[i], MPFR_RNDN); /* wz~ */
        mpfr_set_d(k->tmp, fabs(p->w[i]), MPFR_RNDU);
        mpfr_mul(k->ev, k->tmp, r->ez.ptr[i], MPFR_RNDU);
        rnd_bound(k->tmp, k->v, inexact, P);
        mpfr_add(k->ev, k->ev, k->tmp, MPFR_RNDU);
        inexact = mpfr_sqr(term, k->v, MPFR_RNDN);
        r->summands[count++] = term;
        mpfr_abs(k->tmp, k->v, MPFR_RNDU);
        mpfr_mul_2ui(k->tmp, k->tmp, 1, MPFR_RNDU);
        mpfr_add(k->tmp, k->tmp, k->ev, MPFR_RNDU);
        bht__oracle_add_abs_product(err, k->tmp, k->ev, k->tmp2);
        rnd_bound(k->tmp, term, inexact, P);
        mpfr_add(err, err, k->tmp, MPFR_RNDU);
    }
    int inexact = mpfr_sum(e->loss, r->summands, (unsigned long)count, MPFR_RNDN);
    rnd_bound(k->tmp, e->loss, inexact, P);
    mpfr_add(err, err, k->tmp, MPFR_RNDU);
    mpfr_div_2ui(e->loss, e->loss, 1, MPFR_RNDN); /* exact */
    mpfr_div_2ui(err, err, 1, MPFR_RNDU);
}

/* cs_i = c_i - <f, c> as RN(RN(c~_i - c~_m) + sigma~), sigma~ = RN(sum_{k != m}
 * RN(p~_k RN(c~_m - c~_k))) (= c_m - <f, c> since sum f = 1; no cancellation
 * when f_m is close to 1):
 *   e(c_m - c_k) = ec_m + ec_k + rnd,  term: ep_k |d~| + (p~_k + ep_k) e_d + rnd,
 *   esigma = sum + rnd,  ecs_i = ec_i + ec_m + rnd(diff) + esigma + rnd;  cs_m = sigma. */
static void centered_part(const regression_problem *p, enclose_rows *r, enclose_scalars *k,
                          size_t m, mpfr_prec_t P)
{
    const size_t n = p->n;
    size_t count = 0;
    mpfr_set_zero(k->es, 1);
    for (size_t i = 0; i < n; i++) {
        if (i == m)
            continue;
        int inexact = mpfr_sub(k->t, r->c.ptr[m], r->c.ptr[i], MPFR_RNDN);
        mpfr_add(k->et, r->ec.ptr[m], r->ec.ptr[i], MPFR_RNDU);
        rnd_bound(k->tmp, k->t, inexact, P);
        mpfr_add(k->et, k->et, k->tmp, MPFR_RNDU);
        mpfr_ptr term = r->terms.ptr[count];
        inexact = mpfr_mul(term, r->p.ptr[i], k->t, MPFR_RNDN);
        r->summands[count++] = term;
        bht__oracle_add_abs_product(k->es, r->ep.ptr[i], k->t, k->tmp2);
        mpfr_add(k->tmp, r->p.ptr[i], r->ep.ptr[i], MPFR_RNDU);
        bht__oracle_add_abs_product(k->es, k->tmp, k->et, k->tmp2);
        rnd_bound(k->tmp, term, inexact, P);
        mpfr_add(k->es, k->es, k->tmp, MPFR_RNDU);
    }
    int inexact = mpfr_sum(k->s, r->summands, (unsigned long)count, MPFR_RNDN);
    rnd_bound(k->tmp, k->s, inexact, P);
    mpfr_add(k->es, k->es, k->tmp, MPFR_RNDU);
    for (size_t i = 0; i < n; i++) {
        if (i == m) {
            mpfr_set(r->cs.ptr[i], k->s, MPFR_RNDN); /* same precision: exact */
            mpfr_set(r->ecs.ptr[i], k->es, MPFR_RNDU);
            continue;
        }
        inexact = mpfr_sub(k->t, r->c.ptr[i], r->c.ptr[m], MPFR_RNDN);
        mpfr_add(r->ecs.ptr[i], r->ec.ptr[i], r->ec.ptr[m], MPFR_RNDU);
        rnd_bound(k->tmp, k->t, inexact, P);
        mpfr_add(r->ecs.ptr[i], r->ecs.ptr[i], k->tmp, MPFR_RNDU);
        inexact = mpfr_add(r->cs.ptr[i], k->t, k->s, MPFR_RNDN);
        mpfr_add(r->ecs.ptr[i], r->ecs.ptr[i], k->es, MPFR_RNDU);
        rnd_bound(k->tmp, r->cs.ptr[i], inexact, P);
        mpfr_add(r->ecs.ptr[i], r->ecs.ptr[i], k->tmp, MPFR_RNDU);
    }
}

/* delta = RN_P(a_ij - a_mj) and its bound. */
static void row_difference(const regression_problem *p, size_t i, size_t m, size_t j,
                           mpfr_ptr delta, mpfr_ptr edelta, mpfr_prec_t P)
{
    mpfr_set_d(delta, p->A[i * p->d + j], MPFR_RNDN);
    int inexact = mpfr_sub_d(delta, delta, p->A[m * p->d + j], MPFR_RNDN);
    rnd_bound(edelta, delta, inexact, P);
}

/* q~_i, v~_i with their bounds, then every g_j. */
static bht_status gradient_part(const regression_problem *p, enclose_rows *r,
                                enclose_scalars *k, size_t m, regression_enclosure *e)
{
    const size_t n = p->n, d = p->d;
    const mpfr_prec_t P = e->prec;
    oracle_vector q, eq, v, ev;
    bht_status s = bht__oracle_vector_init(&q, n, P);
    if (s == BHT_OK)
        s = bht__oracle_vector_init(&eq, n, BP);
    if (s == BHT_OK)
        s = bht__oracle_vector_init(&v, n, P);
    if (s == BHT_OK)
        s = bht__oracle_vector_init(&ev, n, BP);
    if (s != BHT_OK) {
        bht__oracle_vector_clear(&q);
        bht__oracle_vector_clear(&eq);
        bht__oracle_vector_clear(&v);
        return s;
    }
    mpfr_t w2;
    mpfr_init2(w2, 106);
    for (size_t i = 0; i < n; i++) {
        int inexact = mpfr_mul(q.ptr[i], r->p.ptr[i], r->cs.ptr[i], MPFR_RNDN);
        mpfr_set_zero(eq.ptr[i], 1);
        bht__oracle_add_abs_product(eq.ptr[i], r->ep.ptr[i], r->cs.ptr[i], k->tmp2);
        mpfr_add(k->tmp, r->p.ptr[i], r->ep.ptr[i], MPFR_RNDU);
        bht__oracle_add_abs_product(eq.ptr[i], k->tmp, r->ecs.ptr[i], k->tmp2);
        rnd_bound(k->tmp, q.ptr[i], inexact, P);
        mpfr_add(eq.ptr[i], eq.ptr[i], k->tmp, MPFR_RNDU);
        mpfr_set_zero(v.ptr[i], 1);
        mpfr_set_zero(ev.ptr[i], 1);
        if (weighted(p, i)) {
            mpfr_set_d(w2, p->w[i], MPFR_RNDN);
            mpfr_sqr(w2, w2, MPFR_RNDN); /* exact at 106 bits */
            inexact = mpfr_mul(v.ptr[i], w2, r->z.ptr[i], MPFR_RNDN);
            mpfr_mul(ev.ptr[i], w2, r->ez.ptr[i], MPFR_RNDU);
            rnd_bound(k->tmp, v.ptr[i], inexact, P);
            mpfr_add(ev.ptr[i], ev.ptr[i], k->tmp, MPFR_RNDU);
        }
    }
    /* per-row weights: the error of RN(q~ delta~) against q delta is at most
     * |delta~| (2u |q~| + (1 + u) eq) (delta~ = RN(a_ij - a_mj) errs by
     * u |delta~|); of RN(v~ a) against v a at most |a| (ev + u |v~|) */
    for (size_t i = 0; i < n; i++) {
        mpfr_abs(k->tmp, q.ptr[i], MPFR_RNDU);
        mpfr_mul_2si(k->tmp, k->tmp, -(long)P, MPFR_RNDU);
        mpfr_mul_d(k->tmp, k->tmp, 2.01, MPFR_RNDU);
        mpfr_mul_d(eq.ptr[i], eq.ptr[i], 1.01, MPFR_RNDU);
        mpfr_add(eq.ptr[i], eq.ptr[i], k->tmp, MPFR_RNDU);
        mpfr_abs(k->tmp, v.ptr[i], MPFR_RNDU);
        mpfr_mul_2si(k->tmp, k->tmp, -(long)P, MPFR_RNDU);
        mpfr_mul_d(k->tmp, k->tmp, 1.01, MPFR_RNDU);
        mpfr_add(ev.ptr[i], ev.ptr[i], k->tmp, MPFR_RNDU);
    }
    for (size_t j = 0; j < d; j++) {
        mpfr_ptr err = e->gradient_err.ptr[j];
        mpfr_set_zero(err, 1);
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            mpfr_set_d(k->t, p->A[i * d + j], MPFR_RNDN);
            mpfr_sub_d(k->t, k->t, p->A[m * d + j], MPFR_RNDN);
            mpfr_ptr term = r->terms.ptr[count];
            mpfr_mul(term, q.ptr[i], k->t, MPFR_RNDN);
            r->summands[count++] = term;
            mpfr_mul(k->tmp, eq.ptr[i], k->t, MPFR_RNDA);
            mpfr_abs(k->tmp, k->tmp, MPFR_RNDU);
            mpfr_add(err, err, k->tmp, MPFR_RNDU);
            if (!weighted(p, i))
                continue;
            term = r->terms.ptr[count];
            mpfr_mul_d(term, v.ptr[i], p->A[i * d + j], MPFR_RNDN);
            r->summands[count++] = term;
            mpfr_mul_d(k->tmp, ev.ptr[i], fabs(p->A[i * d + j]), MPFR_RNDU);
            mpfr_add(err, err, k->tmp, MPFR_RNDU);
        }
        int inexact = mpfr_sum(e->gradient.ptr[j], r->summands, (unsigned long)count, MPFR_RNDN);
        rnd_bound(k->tmp, e->gradient.ptr[j], inexact, P);
        mpfr_add(err, err, k->tmp, MPFR_RNDU);
    }
    mpfr_clear(w2);
    bht__oracle_vector_clear(&q);
    bht__oracle_vector_clear(&eq);
    bht__oracle_vector_clear(&v);
    bht__oracle_vector_clear(&ev);
    return BHT_OK;
}

/* The Hessian entries in binary64 from the MPFR quantities, for the
 * certificate (O(n d) MPFR operations instead of O(n d^2)).  rd_i = RN(r~_i),
 * devd_ij = RN(dev~_ij), wad_ij = RN(w_i a_ij) are binary64 with errors
 * er'_i = er_i + 2^-53 |r~_i| + 2^-1074, eta'_j = eta_j + 2^-53 max_i |dev~_ij|
 * + 2^-1074 and 2^-53 |wad_ij| + 2^-1074; M_jl = fl(sum_i (rd_i devd_ij) devd_il
 * + wad_ij wad_il) in this order, so (Higham, Sec. 3.1, gamma_k = k u /
 * (1 - k u)) |M_jl - sum of the exact products of the binary64 inputs| <=
 * gamma_{n+3} sum_i (|rd devd_j devd_l| + |wad_j wad_l|).  With D = |devd|,
 * S'_j = sum |rd| D_ij, R' = sum |rd|, T'_j = sum er'_i (D_ij + eta'_j)^2,
 * U'_j = sum |rd| D_ij^2, V_j = sum wad_ij^2 (2|xy| <= x^2 + y^2):
 *   |M_jl - H_jl| <= eta'_l S'_j + eta'_j S'_l + eta'_j eta'_l R' + (T'_j + T'_l) / 2
 *                    + (gamma_{n+3} + 2^-52 (1 + 2^-50)) (U'_j + U'_l + V_j + V_l) / 2
 *                    + n 2^-1070 (underflow of the products). */
static bht_status fast_hessian_entries(const regression_problem *p, const oracle_vector *rr,
                                       const oracle_vector *er, const oracle_vector *dev,
                                       const oracle_vector *eta, enclose_scalars *k,
                                       regression_enclosure *e)
{
    const size_t n = p->n, d = p->d;
    double *rd = malloc(n * sizeof *rd), *devd = malloc(n * d * sizeof *devd);
    double *wad = p->w ? malloc(n * d * sizeof *wad) : NULL, *M = malloc(d * d * sizeof *M);
    oracle_vector erd, etad, S, T, U, V;
    memset(&erd, 0, sizeof erd);
    memset(&etad, 0, sizeof etad);
    memset(&S, 0, sizeof S);
    memset(&T, 0, sizeof T);
    memset(&U, 0, sizeof U);
    memset(&V, 0, sizeof V);
    bht_status s = (rd && devd && M && (wad || !p->w)) ? BHT_OK : BHT_E_NOMEM;
    if (s == BHT_OK) s = bht__oracle_vector_init(&erd, n, BP);
    if (s == BHT_OK) s = bht__oracle_vector_init(&etad, d, BP);
    if (s == BHT_OK) s = bht__oracle_vector_init(&S, d, BP);
    if (s == BHT_OK) s = bht__oracle_vector_init(&T, d, BP);
    if (s == BHT_OK) s = bht__oracle_vector_init(&U, d, BP);
    if (s == BHT_OK) s = bht__oracle_vector_init(&V, d, BP);
    mpfr_t R, gamma;
    mpfr_inits2(BP, R, gamma, (mpfr_ptr)0);
    if (s != BHT_OK)
        goto done;
    mpfr_set_zero(R, 1);
    for (size_t i = 0; i < n; i++) {
        rd[i] = mpfr_get_d(rr->ptr[i], MPFR_RNDN);
        mpfr_abs(k->tmp, rr->ptr[i], MPFR_RNDU);
        mpfr_mul_2si(k->tmp, k->tmp, -53, MPFR_RNDU);
        mpfr_add(erd.ptr[i], er->ptr[i], k->tmp, MPFR_RNDU);
        mpfr_add_d(erd.ptr[i], erd.ptr[i], 0x1p-1074, MPFR_RNDU);
        mpfr_add_d(R, R, fabs(rd[i]), MPFR_RNDU);
    }
    for (size_t j = 0; j < d; j++) {
        mpfr_set_zero(k->tmp2, 1); /* max |dev~_ij| */
        for (size_t i = 0; i < n; i++) {
            devd[i * d + j] = mpfr_get_d(dev->ptr[i * d + j], MPFR_RNDN);
            mpfr_abs(k->tmp, dev->ptr[i * d + j], MPFR_RNDU);
            mpfr_max(k->tmp2, k->tmp2, k->tmp, MPFR_RNDU);
            if (wad)
                wad[i * d + j] = p->w[i] * p->A[i * d + j];
        }
        mpfr_mul_2si(k->tmp2, k->tmp2, -53, MPFR_RNDU);
        mpfr_add(etad.ptr[j], eta->ptr[j], k->tmp2, MPFR_RNDU);
        mpfr_add_d(etad.ptr[j], etad.ptr[j], 0x1p-1074, MPFR_RNDU);
    }
    for (size_t j = 0; j < d; j++) {
        mpfr_set_zero(S.ptr[j], 1);
        mpfr_set_zero(T.ptr[j], 1);
        mpfr_set_zero(U.ptr[j], 1);
        mpfr_set_zero(V.ptr[j], 1);
        for (size_t i = 0; i < n; i++) {
            double D = fabs(devd[i * d + j]);
            mpfr_set_d(k->tmp, D, MPFR_RNDN);
            mpfr_mul_d(k->tmp, k->tmp, fabs(rd[i]), MPFR_RNDU);
            mpfr_add(S.ptr[j], S.ptr[j], k->tmp, MPFR_RNDU);
            mpfr_mul_d(k->tmp, k->tmp, D, MPFR_RNDU);
            mpfr_add(U.ptr[j], U.ptr[j], k->tmp, MPFR_RNDU);
            mpfr_add_d(k->tmp, etad.ptr[j], D, MPFR_RNDU);
            mpfr_sqr(k->tmp, k->tmp, MPFR_RNDU);
            mpfr_mul(k->tmp, k->tmp, erd.ptr[i], MPFR_RNDU);
            mpfr_add(T.ptr[j], T.ptr[j], k->tmp, MPFR_RNDU);
            if (wad) {
                mpfr_set_d(k->tmp, wad[i * d + j], MPFR_RNDN);
                mpfr_sqr(k->tmp, k->tmp, MPFR_RNDU);
                mpfr_add(V.ptr[j], V.ptr[j], k->tmp, MPFR_RNDU);
            }
        }
    }
    /* the entries, in the order the bound assumes */
    for (size_t q = 0; q < d * d; q++)
        M[q] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *row = devd + i * d;
        for (size_t j = 0; j < d; j++) {
            const double rj = rd[i] * row[j];
            for (size_t l = j; l < d; l++) {
                double term = rj * row[l];
                if (wad)
                    term = term + wad[i * d + j] * wad[i * d + l];
                M[j * d + l] += term;
            }
        }
    }
    /* gamma_{n+3} + 2^-52 (1 + 2^-50) */
    mpfr_set_d(gamma, (double)(n + 3), MPFR_RNDU);
    mpfr_mul_2si(gamma, gamma, -53, MPFR_RNDU);
    mpfr_ui_sub(k->tmp, 1, gamma, MPFR_RNDD);
    mpfr_div(gamma, gamma, k->tmp, MPFR_RNDU);
    mpfr_add_d(gamma, gamma, 0x1p-52 * (1.0 + 0x1p-50), MPFR_RNDU);
    for (size_t j = 0; j < d; j++)
        for (size_t l = j; l < d; l++) {
            mpfr_ptr err = e->hessian_err.ptr[j * d + l];
            mpfr_set_d(e->hessian.ptr[j * d + l], M[j * d + l], MPFR_RNDN);
            mpfr_set_d(err, (double)n * 0x1p-1070, MPFR_RNDU);
            hessian_err_shared(err, &etad, &S, &T, R, j, l, k);
            mpfr_add(k->tmp, U.ptr[j], U.ptr[l], MPFR_RNDU);
            mpfr_add(k->tmp, k->tmp, V.ptr[j], MPFR_RNDU);
            mpfr_add(k->tmp, k->tmp, V.ptr[l], MPFR_RNDU);
            mpfr_div_2ui(k->tmp, k->tmp, 1, MPFR_RNDU);
            bht__oracle_add_abs_product(err, k->tmp, gamma, k->tmp2);
            if (l != j) {
                mpfr_set(e->hessian.ptr[l * d + j], e->hessian.ptr[j * d + l], MPFR_RNDN);
                mpfr_set(e->hessian_err.ptr[l * d + j], err, MPFR_RNDU);
            }
        }
done:
    mpfr_clears(R, gamma, (mpfr_ptr)0);
    bht__oracle_vector_clear(&erd);
    bht__oracle_vector_clear(&etad);
    bht__oracle_vector_clear(&S);
    bht__oracle_vector_clear(&T);
    bht__oracle_vector_clear(&U);
    bht__oracle_vector_clear(&V);
    free(rd);
    free(devd);
    free(wad);
    free(M);
    return s;
}

static bht_status hessian_part(const regression_problem *p, enclose_rows *r,
                               enclose_scalars *k, size_t m, regression_enclosure *e)
{
    const size_t n = p->n, d = p->d;
    const mpfr_prec_t P = e->prec;
    oracle_vector dev, rr, er, dbar, eta, S, T, U;
    memset(&dev, 0, sizeof dev);
    bht_status s = bht__oracle_vector_init(&dev, n * d, P);
    oracle_vector *small[] = {&rr, &er, &dbar, &eta, &S, &T, &U};
    const size_t small_n[] = {n, n, d, d, d, d, d};
    const mpfr_prec_t small_p[] = {P, BP, P, BP, BP, BP, BP};
    for (size_t t = 0; t < 7; t++)
        memset(small[t], 0, sizeof *small[t]);
    for (size_t t = 0; t < 7 && s == BHT_OK; t++)
        s = bht__oracle_vector_init(small[t], small_n[t], small_p[t]);
    oracle_vector wa; /* w_i a_ij, exact at 106 bits (weighted rows) */
    memset(&wa, 0, sizeof wa);
    if (s == BHT_OK && p->w)
        s = bht__oracle_vector_init(&wa, n * d, 106);
    mpfr_t R;
    mpfr_init2(R, BP);
    if (s != BHT_OK)
        goto done;
    for (size_t q = 0; p->w && q < n * d; q++) {
        mpfr_set_d(wa.ptr[q], p->w[q / d], MPFR_RNDN);
        mpfr_mul_d(wa.ptr[q], wa.ptr[q], p->A[q], MPFR_RNDN); /* exact */
    }

    /* r~_i and er_i */
    mpfr_set_zero(R, 1);
    for (size_t i = 0; i < n; i++) {
        int inexact = mpfr_add(k->t, r->p.ptr[i], r->cs.ptr[i], MPFR_RNDN);
        mpfr_add(k->et, r->ep.ptr[i], r->ecs.ptr[i], MPFR_RNDU);
        rnd_bound(k->tmp, k->t, inexact, P);
        mpfr_add(k->et, k->et, k->tmp, MPFR_RNDU);
        inexact = mpfr_mul(rr.ptr[i], r->p.ptr[i], k->t, MPFR_RNDN);
        mpfr_set_zero(er.ptr[i], 1);
        bht__oracle_add_abs_product(er.ptr[i], r->ep.ptr[i], k->t, k->tmp2);
        mpfr_add(k->tmp, r->p.ptr[i], r->ep.ptr[i], MPFR_RNDU);
        bht__oracle_add_abs_product(er.ptr[i], k->tmp, k->et, k->tmp2);
        rnd_bound(k->tmp, rr.ptr[i], inexact, P);
        mpfr_add(er.ptr[i], er.ptr[i], k->tmp, MPFR_RNDU);
        mpfr_abs(k->tmp, rr.ptr[i], MPFR_RNDU);
        mpfr_add(R, R, k->tmp, MPFR_RNDU);
    }
    /* dbar_j with its bound (kept in eta_j for now) */
    for (size_t j = 0; j < d; j++) {
        mpfr_ptr err = eta.ptr[j];
        mpfr_set_zero(err, 1);
        for (size_t i = 0; i < n; i++) {
            row_difference(p, i, m, j, k->t, k->et, P);
            mpfr_ptr term = r->terms.ptr[i];
            int inexact = mpfr_mul(term, r->p.ptr[i], k->t, MPFR_RNDN);
            r->summands[i] = term;
            abs_plus(k->tmp, k->t, k->et);
            bht__oracle_add_abs_product(err, r->ep.ptr[i], k->tmp, k->tmp2);
            bht__oracle_add_abs_product(err, r->p.ptr[i], k->et, k->tmp2);
            rnd_bound(k->tmp, term, inexact, P);
            mpfr_add(err, err, k->tmp, MPFR_RNDU);
        }
        int inexact = mpfr_sum(dbar.ptr[j], r->summands, (unsigned long)n, MPFR_RNDN);
        rnd_bound(k->tmp, dbar.ptr[j], inexact, P);
        mpfr_add(err, err, k->tmp, MPFR_RNDU);
    }
    /* dev_ij; eta_j = e_dbar_j + max_i (rnd(delta_ij) + rnd(dev_ij)) */
    for (size_t j = 0; j < d; j++) {
        mpfr_set_zero(k->v, 1);
        for (size_t i = 0; i < n; i++) {
            row_difference(p, i, m, j, k->t, k->et, P);
            int inexact = mpfr_sub(dev.ptr[i * d + j], k->t, dbar.ptr[j], MPFR_RNDN);
            rnd_bound(k->tmp, dev.ptr[i * d + j], inexact, P);
            mpfr_add(k->tmp, k->tmp, k->et, MPFR_RNDU);
            mpfr_max(k->v, k->v, k->tmp, MPFR_RNDU);
        }
        mpfr_add(eta.ptr[j], eta.ptr[j], k->v, MPFR_RNDU);
    }
    if (e->fast_hessian) {
        s = fast_hessian_entries(p, &rr, &er, &dev, &eta, k, e);
        goto done;
    }
    /* S_j, T_j, U_j */
    for (size_t j = 0; j < d; j++) {
        mpfr_set_zero(S.ptr[j], 1);
        mpfr_set_zero(T.ptr[j], 1);
        mpfr_set_zero(U.ptr[j], 1);
        for (size_t i = 0; i < n; i++) {
            mpfr_srcptr dv = dev.ptr[i * d + j];
            bht__oracle_add_abs_product(S.ptr[j], rr.ptr[i], dv, k->tmp2);
            mpfr_abs(k->tmp, dv, MPFR_RNDU);
            mpfr_sqr(k->tmp, k->tmp, MPFR_RNDU);
            bht__oracle_add_abs_product(U.ptr[j], rr.ptr[i], k->tmp, k->tmp2);
            abs_plus(k->tmp, dv, eta.ptr[j]);
            mpfr_sqr(k->tmp, k->tmp, MPFR_RNDU);
            bht__oracle_add_abs_product(T.ptr[j], er.ptr[i], k->tmp, k->tmp2);
        }
    }
    /* the entries */
    for (size_t j = 0; j < d; j++)
        for (size_t l = j; l < d; l++) {
            size_t count = 0;
            for (size_t i = 0; i < n; i++) {
                mpfr_ptr term = r->terms.ptr[count];
                mpfr_mul(term, dev.ptr[i * d + j], dev.ptr[i * d + l], MPFR_RNDN);
                mpfr_mul(term, term, rr.ptr[i], MPFR_RNDN);
                r->summands[count++] = term;
                if (!weighted(p, i))
                    continue;
                /* (w a_ij)(w a_il): exact at 212 bits */
                mpfr_mul(r->wterms.ptr[i], wa.ptr[i * d + j], wa.ptr[i * d + l], MPFR_RNDN);
                r->summands[count++] = r->wterms.ptr[i];
            }
            mpfr_ptr H = e->hessian.ptr[j * d + l], err = e->hessian_err.ptr[j * d + l];
            int inexact = mpfr_sum(H, r->summands, (unsigned long)count, MPFR_RNDN);
            rnd_bound(err, H, inexact, P);
            /* eta_l S_j + eta_j S_l + eta_j eta_l R + (T_j + T_l) / 2 + 1.01 u (U_j + U_l) */
            hessian_err_shared(err, &eta, &S, &T, R, j, l, k);
            mpfr_add(k->tmp, U.ptr[j], U.ptr[l], MPFR_RNDU);
            mpfr_mul_d(k->tmp, k->tmp, 1.01, MPFR_RNDU);
            mpfr_mul_2si(k->tmp, k->tmp, -(long)P, MPFR_RNDU);
            mpfr_add(err, err, k->tmp, MPFR_RNDU);
            if (l != j) {
                mpfr_set(e->hessian.ptr[l * d + j], H, MPFR_RNDN);
                mpfr_set(e->hessian_err.ptr[l * d + j], err, MPFR_RNDU);
            }
        }
done:
    mpfr_clear(R);
    bht__oracle_vector_clear(&wa);
    bht__oracle_vector_clear(&dev);
    for (size_t t = 0; t < 7; t++)
        bht__oracle_vector_clear(small[t]);
    return s;
}

bht_status bht__regression_enclose(const regression_problem *p, regression_enclosure *e)
{
    const size_t n = p->n;
    const mpfr_prec_t P = e->prec;
    enclose_rows r;
    bht_status status = rows_init(&r, n, p->d, P);
    if (status != BHT_OK)
        return status;
    enclose_scalars k;
    mpfr_inits2(P, k.s, k.v, k.t, (mpfr_ptr)0);
    mpfr_inits2(BP, k.es, k.ev, k.et, k.tmp, k.tmp2, (mpfr_ptr)0);

    oracle_softmax_input in = {n, p->d, NULL, p->A, p->x};
    status = bht__oracle_softmax_eval(&in, P, &r.p, r.err_exp);
    if (status != BHT_OK)
        goto done;
    size_t m = 0;
    mpfr_set_zero(e->fmax, 1);
    for (size_t i = 0; i < n; i++) {
        if (mpfr_greater_p(r.p.ptr[i], r.p.ptr[m]))
            m = i;
        mpfr_set_ui_2exp(r.ep.ptr[i], 1, r.err_exp[i], MPFR_RNDU);
        mpfr_add(k.tmp, r.p.ptr[i], r.ep.ptr[i], MPFR_RNDU);
        mpfr_max(e->fmax, e->fmax, k.tmp, MPFR_RNDU);
        int inexact = mpfr_sub_d(r.c.ptr[i], r.p.ptr[i], p->b[i], MPFR_RNDN);
        rnd_bound(k.tmp, r.c.ptr[i], inexact, P);
        mpfr_add(r.ec.ptr[i], r.ep.ptr[i], k.tmp, MPFR_RNDU);
        if (weighted(p, i)) {
            inexact = row_logit(p, i, r.prod.ptr, r.z.ptr[i]);
            rnd_bound(r.ez.ptr[i], r.z.ptr[i], inexact, P);
        }
    }
    if (e->want & REGRESSION_WANT_LOSS)
        loss_part(p, &r, &k, e);
    if (e->want & (REGRESSION_WANT_GRADIENT | REGRESSION_WANT_HESSIAN))
        centered_part(p, &r, &k, m, P);
    if (e->want & REGRESSION_WANT_GRADIENT)
        status = gradient_part(p, &r, &k, m, e);
    if (status == BHT_OK && (e->want & REGRESSION_WANT_HESSIAN))
        status = hessian_part(p, &r, &k, m, e);
done:
    mpfr_clears(k.s, k.v, k.t, k.es, k.ev, k.et, k.tmp, k.tmp2, (mpfr_ptr)0);
    rows_clear(&r);
    return status;
}

/* ------------------------------------------------------------- the oracle */

typedef struct regression_job {
    regression_problem p;
    double *loss, *gradient, *hessian;
} regression_job;

static bht_status regression_attempt(void *context, mpfr_prec_t prec)
{
    const regression_job *job = context;
    const size_t d = job->p.d;
    int want = (job->loss ? REGRESSION_WANT_LOSS : 0)
               | (job->gradient ? REGRESSION_WANT_GRADIENT : 0)
               | (job->hessian ? REGRESSION_WANT_HESSIAN : 0);
    regression_enclosure e;
    bht_status status = bht__regression_enclosure_init(&e, d, prec, want);
    if (status != BHT_OK)
        return status;
    status = bht__regression_enclose(&job->p, &e);
    int decided = status == BHT_OK;
    if (decided && job->loss)
        decided = bht__oracle_decide_bound_mode(e.loss, e.loss_err, ORACLE_NONNEGATIVE, job->loss);
    for (size_t j = 0; decided && job->gradient && j < d; j++)
        decided = bht__oracle_decide_bound_mode(e.gradient.ptr[j], e.gradient_err.ptr[j],
                                           ORACLE_ZERO_SIGN_FREE, &job->gradient[j]);
    for (size_t j = 0; decided && job->hessian && j < d * d; j++)
        decided = bht__oracle_decide_bound_mode(e.hessian.ptr[j], e.hessian_err.ptr[j],
                                           ORACLE_ZERO_SIGN_FREE, &job->hessian[j]);
    bht__regression_enclosure_clear(&e);
    if (status != BHT_OK)
        return status;
    return decided ? BHT_OK : BHT_E_PRECISION;
}

bht_status bht_oracle_regression(size_t n, size_t d, const double *A, const double *b,
                                 const double *w, const double *x, double *loss,
                                 double *gradient, double *hessian,
                                 const bht_oracle_options *options, bht_oracle_report *report)
{
    if (!A || !b || !x || n == 0 || d == 0 || n > BHT_REGRESSION_MAX_N
        || d > BHT_REGRESSION_MAX_D || n * d > BHT_MAX_VALUES)
        return BHT_E_INVALID;
    if (bht__regression_inputs_finite(n, d, A, b, w, x) != BHT_OK)
        return BHT_E_NONFINITE;
    regression_job job = {{n, d, A, b, w, x}, loss, gradient, hessian};
    if (!loss && !gradient && !hessian)
        return BHT_OK;
    if (bht__regression_logits_tied(&job.p)) {
        if (report) {
            report->precision_used = 0; /* exact rational arithmetic */
            report->attempts = 1;
        }
        return bht__regression_rational(&job.p, loss, gradient, hessian);
    }
    /* results are written by the attempt only when all are decided: keep
     * the caller's arrays untouched on failure */
    double *scratch = malloc((1 + d + d * d) * sizeof *scratch);
    if (!scratch)
        return BHT_E_NOMEM;
    regression_job inner = job;
    inner.loss = loss ? scratch : NULL;
    inner.gradient = gradient ? scratch + 1 : NULL;
    inner.hessian = hessian ? scratch + 1 + d : NULL;
    bht_status s = bht__oracle_ziv(options, report, 128 + 2 * bht__oracle_bits(n), regression_attempt,
                              &inner);
    if (s == BHT_OK) {
        if (loss)
            *loss = scratch[0];
        if (gradient)
            memcpy(gradient, scratch + 1, d * sizeof *gradient);
        if (hessian)
            memcpy(hessian, scratch + 1 + d, d * d * sizeof *hessian);
    }
    free(scratch);
    return s;
}
