/* gen_regression_hessian.c: golden function regression_hessian (golden/FORMAT.md):
 * the Hessian A^T (B(x) + diag(w^2)) A (d x d, row-major),
 * budget 16 ulp, on the regression families of golden_regression.c. */
#include "golden/golden_internal.h"

static void outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_array(b, nomem, "hessian", 0, c->d * c->d, c->hess);
}

const golden_fn bht__gold_fn_regression_hessian = {
    "regression_hessian", 1300000, 16.0, FAMILIES(bht__gold_regression_families),
    bht__gold_regression_expected, bht__gold_regression_flags, bht__gold_regression_inputs, outputs};
