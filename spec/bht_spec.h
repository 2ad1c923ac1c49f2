/* spec/bht_spec.h: shared ACSL logic for the WP proofs of bht's double
 * kernels.  ACSL only (no C code): proofs/proofs.mk force-includes it before
 * every analysed source (-include), and gcc never sees it.
 *
 * Conventions: in annotations + - * / are exact real operations;
 * \round_double(\NearestEven, e) is the binary64 rounding of the real e (the
 * value a C operation produces).  No lemma or axiom lives here: a false
 * lemma would make every goal Valid.  The facts that are trusted, not proved,
 * are the `admit` clauses listed in proofs/TRUSTED_BASE.md. */
#ifndef BHT_SPEC_H
#define BHT_SPEC_H

/* Per-formula logic definitions (each ACSL only, no lemma or axiom). */
#include "dd.h"
#include "nu.h"
#include "leverage.h"
#include "model_distance.h"

/*@
  // v is a finite double of magnitude at most b.
  predicate finite_in(double v, real b) = \is_finite(v) && \abs(v) <= b;

  // v is a finite double in [lo, hi].
  predicate finite_between(double v, real lo, real hi) =
    \is_finite(v) && lo <= v <= hi;

  // Every element of a[0 .. n-1] is finite.
  predicate all_finite{L}(double *a, integer n) =
    \forall integer k; 0 <= k < n ==> \is_finite(a[k]);

  // Every element of a[0 .. n-1] is finite with magnitude at most b.
  predicate all_finite_in{L}(double *a, integer n, real b) =
    \forall integer k; 0 <= k < n ==> finite_in(a[k], b);
*/

#endif
