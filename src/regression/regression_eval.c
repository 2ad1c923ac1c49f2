/* regression_eval.c: the double-double evaluation of the softmax-regression
 * loss, gradient and Hessian with a running error bound (the numerical core
 * of bht_regression), and the cheaper evaluation the solver iterates with.
 * Formulas and notation: regression_internal.h and README.md. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "regression_internal.h"
#include "softmax/softmax_dd.h"

/* z_i = a_i^T x as a tracked dd (Dot2; error bound as in
 * regression_softmax.c: twice gamma_d^2 sum |a_ij x_j|, plus underflow). */
static tdd logit(const regression_problem *p, size_t i)
{
    const size_t d = p->d;
    const double *a = p->A + i * d;
    tdd z;
    bht_dot_difference_dd(d, a, NULL, p->x, &z.h, &z.l);
    const double gamma = (double)d * 0x1p-53 / (1.0 - (double)d * 0x1p-53);
    double sum = 0.0;
    int nonzero = 0;
    for (size_t k = 0; k < d; k++) {
        sum += fabs(a[k]) * fabs(p->x[k]);
        nonzero += a[k] != 0.0 && p->x[k] != 0.0;
    }
    /* no nonzero product: z = 0 exactly */
    z.e = nonzero ? 2.0 * gamma * gamma * sum * 1.01 + (double)d * 0x1p-1070 : 0.0;
    return z;
}

static int has_weight(const regression_problem *p, size_t i)
{
    return p->w && p->w[i] != 0.0;
}

/* Working storage of one evaluation (every pointer NULL or owned). */
typedef struct eval_scratch {
    tdd *f, *c, *cs, *z, *row, *acc, *dbar, *wa;
    double *work;
} eval_scratch;

static void scratch_free(eval_scratch *s)
{
    free(s->f);
    free(s->c);
    free(s->cs);
    free(s->z);
    free(s->row);
    free(s->acc);
    free(s->dbar);
    free(s->wa);
    free(s->work);
}

static bht_status scratch_alloc(eval_scratch *s, size_t n, size_t d)
{
    memset(s, 0, sizeof *s);
    /* n <= 2^28 and d <= 2^12 (checked by the callers): no size overflow */
    s->f = malloc(n * sizeof *s->f);
    s->c = malloc(n * sizeof *s->c);
    s->cs = malloc(n * sizeof *s->cs);
    s->z = malloc(n * sizeof *s->z);
    s->row = malloc(d * sizeof *s->row);
    s->acc = malloc(d * d * sizeof *s->acc);
    s->dbar = malloc(d * sizeof *s->dbar);
    s->wa = malloc(d * sizeof *s->wa);
    s->work = malloc(2 * n * sizeof *s->work);
    if (!s->f || !s->c || !s->cs || !s->z || !s->row || !s->acc || !s->dbar || !s->wa
        || !s->work) {
        scratch_free(s);
        return BHT_E_NOMEM;
    }
    return BHT_OK;
}

/* The common first stage: f, c = f - b, z (where w_i != 0), m. */
static void first_stage(const regression_problem *p, eval_scratch *s, size_t *m)
{
    bht__regression_softmax(p, s->f, s->work, m);
    for (size_t i = 0; i < p->n; i++) {
        s->c[i] = tdd_add(s->f[i], tdd_exact(-p->b[i]));
        s->z[i] = has_weight(p, i) ? logit(p, i) : tdd_exact(0.0);
    }
}

/* Scratch allocated and the first stage run (BHT_E_NOMEM: nothing to free). */
static bht_status scratch_first_stage(const regression_problem *p, eval_scratch *s, size_t *m)
{
    bht_status status = scratch_alloc(s, p->n, p->d);
    if (status == BHT_OK)
        first_stage(p, s, m);
    return status;
}

/* cs_i = c_i - s, s = <f, c>, as (c_i - c_m) + sigma with sigma = c_m - s
 * = sum_{k != m} f_k (c_m - c_k) (sum f = 1): when f_m is close to 1 the
 * form c_m - <f, c> cancels (found by the large-logit generator: gradients
 * refused), this one does not, and cs_m = sigma exactly. */
static void centered_residuals(const regression_problem *p, eval_scratch *s, size_t m)
{
    tdd sigma = tdd_exact(0.0);
    for (size_t k = 0; k < p->n; k++)
        if (k != m)
            sigma = tdd_add(sigma, tdd_mul(s->f[k], tdd_add(s->c[m], tdd_neg(s->c[k]))));
    for (size_t i = 0; i < p->n; i++)
        s->cs[i] = i == m ? sigma : tdd_add(tdd_add(s->c[i], tdd_neg(s->c[m])), sigma);
}

/* L = 1/2 (sum c_i^2 + sum (w_i z_i)^2): every term non-negative. */
static tdd eval_loss_dd(const regression_problem *p, const eval_scratch *s)
{
    tdd sum = tdd_exact(0.0);
    for (size_t i = 0; i < p->n; i++) {
        sum = tdd_add(sum, tdd_mul(s->c[i], s->c[i]));
        if (has_weight(p, i)) {
            tdd wz = tdd_mul_d(s->z[i], p->w[i]);
            sum = tdd_add(sum, tdd_mul(wz, wz));
        }
    }
    /* halving is exact unless the sum is subnormal */
    tdd half = {sum.h * 0.5, sum.l * 0.5,
                sum.e * 0.5 + (tdd_abs(sum) < 0x1p-1000 && sum.h != 0.0 ? REGRESSION_TINY : 0.0)};
    return half;
}

static void eval_loss(const regression_problem *p, const eval_scratch *s, double *loss,
                      double *bound)
{
    tdd half = eval_loss_dd(p, s);
    *loss = half.h;
    *bound = tdd_output_bound(half);
}

/* grad_j = sum_i q_i (a_ij - a_mj) + sum_i w_i^2 z_i a_ij, q_i = f_i (c_i - s).
 * sum q_i = 0, so the reference row m may be subtracted: the rows enter as
 * exact differences and a common row offset cancels exactly. */
static void eval_gradient(const regression_problem *p, eval_scratch *s, size_t m,
                          double *gradient, double *bound)
{
    const size_t d = p->d;
    const double *am = p->A + m * d;
    for (size_t j = 0; j < d; j++)
        s->acc[j] = tdd_exact(0.0);
    for (size_t i = 0; i < p->n; i++) {
        const double *a = p->A + i * d;
        tdd q = tdd_mul(s->f[i], s->cs[i]);
        int weighted = has_weight(p, i);
        tdd v = tdd_exact(0.0);
        if (weighted)
            v = tdd_mul_d(tdd_mul_d(s->z[i], p->w[i]), p->w[i]);
        for (size_t j = 0; j < d; j++) {
            s->acc[j] = tdd_add(s->acc[j], tdd_mul(q, tdd_diff(a[j], am[j])));
            if (weighted)
                s->acc[j] = tdd_add(s->acc[j], tdd_mul_d(v, a[j]));
        }
    }
    for (size_t j = 0; j < d; j++) {
        gradient[j] = s->acc[j].h;
        bound[j] = tdd_output_bound(s->acc[j]);
    }
}

/* H_jk = sum_i r_i dev_ij dev_ik + sum_i (w_i a_ij)(w_i a_ik), r_i = f_i
 * (f_i + c_i - s), dev_i = (a_i - a_m) - sum_l f_l (a_l - a_m): the center
 * is formed from exact row differences, so a common row offset cancels
 * exactly; w_i a_ij is exact (TwoProduct). */
static void eval_hessian(const regression_problem *p, eval_scratch *s, size_t m,
                         double *hessian, double *bound)
{
    const size_t n = p->n, d = p->d;
    const double *am = p->A + m * d;
    for (size_t j = 0; j < d; j++)
        s->dbar[j] = tdd_exact(0.0);
    for (size_t i = 0; i < n; i++) {
        const double *a = p->A + i * d;
        for (size_t j = 0; j < d; j++)
            s->dbar[j] = tdd_add(s->dbar[j], tdd_mul(s->f[i], tdd_diff(a[j], am[j])));
    }
    for (size_t k = 0; k < d * d; k++)
        s->acc[k] = tdd_exact(0.0);
    for (size_t i = 0; i < n; i++) {
        const double *a = p->A + i * d;
        tdd r = tdd_mul(s->f[i], tdd_add(s->f[i], s->cs[i]));
        int weighted = has_weight(p, i);
        for (size_t j = 0; j < d; j++) {
            s->row[j] = tdd_add(tdd_diff(a[j], am[j]), tdd_neg(s->dbar[j]));
            if (weighted) {
                s->wa[j].h = two_prod(p->w[i], a[j], &s->wa[j].l);
                s->wa[j].e = tdd_underflow(fabs(p->w[i]), fabs(a[j]));
            }
        }
        for (size_t j = 0; j < d; j++) {
            tdd rj = tdd_mul(r, s->row[j]);
            for (size_t k = j; k < d; k++) {
                tdd term = tdd_mul(rj, s->row[k]);
                if (weighted)
                    term = tdd_add(term, tdd_mul(s->wa[j], s->wa[k]));
                s->acc[j * d + k] = tdd_add(s->acc[j * d + k], term);
            }
        }
    }
    for (size_t j = 0; j < d; j++)
        for (size_t k = j; k < d; k++) {
            hessian[j * d + k] = hessian[k * d + j] = s->acc[j * d + k].h;
            bound[j * d + k] = bound[k * d + j] = tdd_output_bound(s->acc[j * d + k]);
        }
}

bht_status bht__regression_evaluate(const regression_problem *p, int want, double *loss,
                               double *loss_bound, double *gradient, double *gradient_bound,
                               double *hessian, double *hessian_bound)
{
    eval_scratch s;
    size_t m;
    bht_status status = scratch_first_stage(p, &s, &m);
    if (status != BHT_OK)
        return status;
    if (want & REGRESSION_WANT_LOSS)
        eval_loss(p, &s, loss, loss_bound);
    if (want & (REGRESSION_WANT_GRADIENT | REGRESSION_WANT_HESSIAN))
        centered_residuals(p, &s, m);
    if (want & REGRESSION_WANT_GRADIENT)
        eval_gradient(p, &s, m, gradient, gradient_bound);
    if (want & REGRESSION_WANT_HESSIAN)
        eval_hessian(p, &s, m, hessian, hessian_bound);
    scratch_free(&s);
    return BHT_OK;
}

/* ------------------------------------------------ solver-grade evaluation */

bht_status bht__regression_state_init(regression_state *s, size_t n, size_t d)
{
    s->loss = 0.0;
    s->m = 0;
    s->gradient = malloc(d * sizeof *s->gradient);
    s->f = malloc(n * sizeof *s->f);
    s->r = malloc(n * sizeof *s->r);
    if (!s->gradient || !s->f || !s->r) {
        bht__regression_state_free(s);
        return BHT_E_NOMEM;
    }
    return BHT_OK;
}

void bht__regression_state_free(regression_state *s)
{
    free(s->gradient);
    free(s->f);
    free(s->r);
    s->gradient = s->f = s->r = NULL;
}

/* The same dd formulas as regression_evaluate for the loss and the gradient
 * (the solver's stopping test needs gradients far below 1e-8), without the
 * Hessian; f and r rounded to binary64 for regression_hessian_double. */
bht_status bht__regression_state_eval(const regression_problem *p, regression_state *st)
{
    eval_scratch s;
    bht_status status = scratch_alloc(&s, p->n, p->d);
    if (status != BHT_OK)
        return status;
    size_t m;
    double *gb = malloc(p->d * sizeof *gb);
    if (!gb) {
        scratch_free(&s);
        return BHT_E_NOMEM;
    }
    first_stage(p, &s, &m);
    tdd loss = eval_loss_dd(p, &s);
    st->loss = loss.h;
    st->loss_lo = loss.l;
    centered_residuals(p, &s, m);
    eval_gradient(p, &s, m, st->gradient, gb);
    for (size_t i = 0; i < p->n; i++) {
        st->f[i] = s.f[i].h;
        tdd r = tdd_mul(s.f[i], tdd_add(s.f[i], s.cs[i]));
        st->r[i] = r.h;
    }
    st->m = m;
    free(gb);
    scratch_free(&s);
    return BHT_OK;
}

bht_status bht__regression_loss_value(const regression_problem *p, double *hi, double *lo)
{
    eval_scratch s;
    size_t m;
    bht_status status = scratch_first_stage(p, &s, &m);
    if (status != BHT_OK)
        return status;
    tdd loss = eval_loss_dd(p, &s);
    *hi = loss.h;
    *lo = loss.l;
    scratch_free(&s);
    return BHT_OK;
}

void bht__regression_hessian_double(const regression_problem *p, const regression_state *st,
                               double *H, double *work)
{
    const size_t n = p->n, d = p->d;
    const double *am = p->A + st->m * d;
    double *dbar = work, *row = work + d;
    for (size_t j = 0; j < d; j++)
        dbar[j] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            dbar[j] += st->f[i] * (p->A[i * d + j] - am[j]);
    for (size_t k = 0; k < d * d; k++)
        H[k] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *a = p->A + i * d;
        const double wi = p->w ? p->w[i] : 0.0, w2 = wi * wi;
        for (size_t j = 0; j < d; j++)
            row[j] = (a[j] - am[j]) - dbar[j];
        const double ri = st->r[i];
        for (size_t j = 0; j < d; j++) {
            const double rj = ri * row[j], wj = w2 * a[j];
            for (size_t k = j; k < d; k++)
                H[j * d + k] += rj * row[k] + wj * a[k];
        }
    }
    for (size_t j = 0; j < d; j++)
        for (size_t k = 0; k < j; k++)
            H[j * d + k] = H[k * d + j];
}
