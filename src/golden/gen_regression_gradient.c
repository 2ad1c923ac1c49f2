/* gen_regression_gradient.c: golden function regression_gradient
 * (golden/FORMAT.md).
 *
 * regression_gradient: the gradient A^T (q + w^2 o A x) of the regression
 * loss (d values, budget 16 ulp).  Its families and hooks are shared with
 * regression_loss and regression_hessian (golden_regression.c); the seeds
 * differ by fn, so the vectors differ. */
#include "golden/golden_internal.h"

const golden_fn bht__gold_fn_regression_gradient = {
    "regression_gradient", 1200000, 16.0, FAMILIES(bht__gold_regression_families),
    &bht__gold_regression_hooks};
