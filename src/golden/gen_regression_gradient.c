/* gen_regression_gradient.c: golden function regression_gradient (golden/FORMAT.md):
 * the gradient A^T (q + w^2 o A x) (d values),
 * budget 16 ulp, on the regression families of golden_regression.c. */
#include "golden/golden_internal.h"

static void outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_array(b, nomem, "gradient", 0, c->d, c->grad);
}

const golden_fn bht__gold_fn_regression_gradient = {
    "regression_gradient", 1200000, 16.0, FAMILIES(bht__gold_regression_families),
    bht__gold_regression_expected, bht__gold_regression_flags, bht__gold_regression_inputs, outputs};
