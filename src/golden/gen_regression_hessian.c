/* gen_regression_hessian.c: golden function regression_hessian
 * (golden/FORMAT.md).
 *
 * regression_hessian: the Hessian A^T (B(x) + diag(w^2)) A of the regression
 * loss (d x d, row-major, budget 16 ulp).  Its families and hooks are shared
 * with regression_loss and regression_gradient (golden_regression.c); the
 * seeds differ by fn, so the vectors differ. */
#include "golden/golden_internal.h"

const golden_fn bht__gold_fn_regression_hessian = {
    "regression_hessian", 1300000, 16.0, FAMILIES(bht__gold_regression_families),
    &bht__gold_regression_hooks};
