/* gen_regression_gradient.c: golden function regression_gradient (golden/FORMAT.md):
 * the gradient A^T (q + w^2 o A x) (d values),
 * budget 16 ulp, on the regression families of golden_regression.c. */
#include "golden/golden_internal.h"

static void outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    gold_put_array(b, nomem, "gradient", 0, c->d, c->grad);
}

const golden_fn gold_fn_regression_gradient = {
    "regression_gradient", 1200000, 16.0, FAMILIES(gold_regression_families),
    gold_regression_expected, gold_regression_flags, gold_regression_inputs, outputs};
