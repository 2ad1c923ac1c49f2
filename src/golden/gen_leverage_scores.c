/* gen_leverage_scores.c: golden function leverage_scores (golden/FORMAT.md):
 * the leverage scores h_ii of Diag(s)^-1 A, on leverage's families (the
 * seeds differ by fn, so the vectors differ). */
#include "golden/golden_internal.h"

static void flags(gcase *c) { bht__gold_leverage_flags(c, c->h); }

static void outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_array(b, nomem, "h", 0, c->n, c->h);
}

const golden_fn bht__gold_fn_leverage_scores = {"leverage_scores", 400000, 1.0,
                                           FAMILIES(bht__gold_leverage_families), bht__gold_leverage_expected,
                                           flags, bht__gold_leverage_inputs, outputs};
