/* gen_leverage_scores.c: golden function leverage_scores (golden/FORMAT.md).
 *
 * leverage_scores: the scores h_ii of Diag(s)^-1 A for a design A (n by d,
 * full column rank) and query weights s (budget 1 ulp).  Its families and
 * hooks are shared with leverage (golden_leverage.c); the seeds differ by
 * fn, so the vectors differ. */
#include "golden/golden_internal.h"

const golden_fn bht__gold_fn_leverage_scores = {
    "leverage_scores", 400000, 1.0, FAMILIES(bht__gold_leverage_families),
    &bht__gold_leverage_hooks};
