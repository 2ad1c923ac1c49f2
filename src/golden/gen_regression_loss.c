/* gen_regression_loss.c: golden function regression_loss (golden/FORMAT.md).
 *
 * regression_loss: L(x) = 1/2 |softmax(A x) - b|^2 + 1/2 |diag(w) A x|^2
 * (budget 4 ulp).  Its families and hooks are shared with
 * regression_gradient and regression_hessian (golden_regression.c); the
 * seeds differ by fn, so the vectors differ. */
#include "golden/golden_internal.h"

const golden_fn bht__gold_fn_regression_loss = {
    "regression_loss", 1100000, 4.0, FAMILIES(bht__gold_regression_families),
    &bht__gold_regression_hooks};
