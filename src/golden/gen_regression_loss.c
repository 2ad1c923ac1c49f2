/* gen_regression_loss.c: golden function regression_loss (golden/FORMAT.md):
 * the loss L(x) = 1/2 |softmax(A x) - b|^2 + 1/2 |diag(w) A x|^2,
 * budget 4 ulp, on the regression families of golden_regression.c. */
#include "golden/golden_internal.h"

static void outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_scalar(b, nomem, "loss", 0, c->loss);
}

const golden_fn bht__gold_fn_regression_loss = {
    "regression_loss", 1100000, 4.0, FAMILIES(bht__gold_regression_families),
    bht__gold_regression_expected, bht__gold_regression_flags, bht__gold_regression_inputs, outputs};
