/* gen_leverage.c: golden function leverage (golden/FORMAT.md).
 *
 * leverage: the leverage distribution p_i = h_ii / d of Diag(s)^-1 A for a
 * design A (n by d, full column rank) and query weights s (budget 1 ulp).
 * Its families and hooks are shared with leverage_scores (golden_leverage.c);
 * the seeds differ by fn, so the vectors differ. */
#include "golden/golden_internal.h"

const golden_fn bht__gold_fn_leverage = {
    "leverage", 300000, 1.0, FAMILIES(bht__gold_leverage_families),
    &bht__gold_leverage_hooks};
