/* claims_internal.h: helpers shared by the claim evaluations (claims.c and
 * the model-specific claims files). */
#ifndef BHT_CLAIMS_INTERNAL_H
#define BHT_CLAIMS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <mpfr.h>
#include "bht_tools.h"

/* SplitMix64 stream; every claim seeds its own. */
typedef struct claims_rng {
    uint64_t state;
} claims_rng;

uint64_t bht__rng_next(claims_rng *r);
/* Uniform integer in [lo, hi]. */
long bht__rng_int(claims_rng *r, long lo, long hi);
/* A multiple of 2^-20 in [-range, range] (exact in binary64). */
double bht__rng_dyadic(claims_rng *r, double range);
/* Uniform in [0, 1) with 53 bits. */
double bht__rng_unit(claims_rng *r);

/* Appends one evidence item (printf-style value). */
void bht__evidence(bht_claim *c, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Sets the verdict (FAILS or HOLDS_WITH_CORRECTION) and its correction text
 * (printf-style). */
void bht__claim_verdict(bht_claim *c, const char *verdict, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The usual end of a claim: verdict FAILS with this correction text
 * (printf-style) when failed, the verdict left as it is otherwise; returns
 * BHT_OK (the claim was evaluated). */
bht_status bht__claim_fails_if(bht_claim *c, int failed, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Verdict of a measured local constant lim H^2/(eps^2 Var) in [lo, hi]
 * (measured: some instance contributed): HOLDS at paper, HOLDS_WITH_CORRECTION
 * at corrected (with that correction text), each within 1e-9; FAILS
 * otherwise. */
void bht__constant_verdict(bht_claim *c, int measured, double lo, double hi, double paper,
                           double corrected, const char *correction);
/* ------------------------------------- reference models in MPFR (limits) */

/* The largest n of a reference model below. */
#define CLAIMS_MODEL_MAX_N 12

/* A model's output distribution q(eps) (n numbers) on the perturbation
 * B = A + eps M of one instance, evaluated from the definition at the
 * precision of q. */
typedef void (*claims_model_fn)(const void *instance, mpfr_srcptr eps, mpfr_t *q);

/* dq/deps at eps = 0: central differences D(h) = (q(h) - q(-h)) / 2h at
 * h = 2^e and 2^(e-1), Richardson-extrapolated to (4 D(h/2) - D(h)) / 3,
 * into deriv (n <= CLAIMS_MODEL_MAX_N numbers; scratch at their precision). */
void bht__claims_central_derivative(claims_model_fn model, const void *instance, size_t n,
                                    long e, mpfr_t *deriv);

/* lim_{eps -> 0} H^2(P, Q_eps) / eps^2 with P = q(0): r(eps) =
 * (1/2) sum_i (sqrt p_i - sqrt q_i(eps))^2 / eps^2 at eps = 2^e and 2^(e-1),
 * lim = 2 r(2^(e-1)) - r(2^e) (Richardson: the O(eps) term cancels), at
 * prec bits; n <= CLAIMS_MODEL_MAX_N.  Returns lim rounded to double and sets
 * *ratio to lim / nu (divided at prec bits, then rounded). */
double bht__claims_h2_limit(claims_model_fn model, const void *instance, size_t n, long e,
                            mpfr_prec_t prec, double nu, double *ratio);

/* ------------------------------------------------------ claims as data */

/* One evaluation of a claim: its generator, seeded with the claim's seed;
 * the number of instances for this run (--fast or not); whether the run is
 * --fast (for a claim's other sizes); whether the test hook
 * (options->break_claim) perturbs this claim's checked constant, which must
 * flip its verdict. */
typedef struct claim_run {
    claims_rng rng;
    int instances, fast, broken;
} claim_run;

/* The evaluations of the claims about the leverage-score model
 * (claims_leverage.c) and about softmax regression
 * (regression/claims_regression.c); claims.c holds the table of all claims. */
bht_status bht__claim_invariance_leverage(claim_run *run, bht_claim *c);
bht_status bht__claim_appendix_a4_derivative(claim_run *run, bht_claim *c);
bht_status bht__claim_theorem_4_3(claim_run *run, bht_claim *c);
bht_status bht__claim_regression_decomposition(claim_run *run, bht_claim *c);
bht_status bht__claim_regression_positive_definite(claim_run *run, bht_claim *c);
bht_status bht__claim_regression_lipschitz(claim_run *run, bht_claim *c);
bht_status bht__claim_regression_sketched_newton(claim_run *run, bht_claim *c);

#endif
