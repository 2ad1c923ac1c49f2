/* regression_run.c: bht_regression after its checks -- the dd evaluation
 * (regression_eval.c) and every requested value through the output stages
 * of regression.c.  A refusal names the first value whose bound does not
 * certify it. */
#include <stdlib.h>
#include "regression_internal.h"

static bht_status refuse(bht_regression_refusal *refusal, bht_regression_output output,
                         size_t row, size_t col, double value, double bound)
{
    if (refusal) {
        refusal->output = output;
        refusal->row = row;
        refusal->col = col;
        refusal->value = value;
        refusal->bound = bound;
    }
    return BHT_E_RANGE;
}

bht_status bht__regression_run(size_t n, size_t d, const double *A, const double *b,
                          const double *w, const double *x, double *loss, double *gradient,
                          double *hessian, bht_regression_refusal *refusal)
{
    const regression_problem p = {n, d, A, b, w, x};
    int want = (loss ? REGRESSION_WANT_LOSS : 0) | (gradient ? REGRESSION_WANT_GRADIENT : 0)
               | (hessian ? REGRESSION_WANT_HESSIAN : 0);
    if (!want)
        return BHT_OK;
    double *g = malloc(2 * d * sizeof *g);
    double *h = hessian ? malloc(2 * d * d * sizeof *h) : NULL;
    if (!g || (hessian && !h)) {
        free(g);
        free(h);
        return BHT_E_NOMEM;
    }
    double *gb = g + d, *hb = h ? h + d * d : NULL;
    double l = 0.0, lb = 0.0;
    bht_status status = bht__regression_evaluate(&p, want, &l, &lb, g, gb, h, hb);
    double certified_loss = 0.0;
    if (status == BHT_OK && loss && !bht__regression_store_loss(l, lb, &certified_loss))
        status = refuse(refusal, BHT_REGRESSION_LOSS, 0, 0, l, lb);
    for (size_t j = 0; status == BHT_OK && gradient && j < d; j++)
        if (!bht__regression_accept(g[j], gb[j], 0x1p-50))
            status = refuse(refusal, BHT_REGRESSION_GRADIENT, j, 0, g[j], gb[j]);
    for (size_t j = 0; status == BHT_OK && hessian && j < d; j++)
        for (size_t k = j; status == BHT_OK && k < d; k++)
            if (!bht__regression_accept(h[j * d + k], hb[j * d + k], 0x1p-50))
                status = refuse(refusal, BHT_REGRESSION_HESSIAN, j, k, h[j * d + k],
                                hb[j * d + k]);
    if (status == BHT_OK) { /* outputs written on success only */
        if (loss)
            *loss = certified_loss;
        if (gradient)
            bht__regression_store_values(d, g, gradient);
        if (hessian) /* h is symmetric: regression_evaluate writes (j,k) and (k,j) together */
            bht__regression_store_values(d * d, h, hessian);
    }
    free(g);
    free(h);
    return status;
}
