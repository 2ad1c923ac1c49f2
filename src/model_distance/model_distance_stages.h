/* model_distance_stages.h: the output stages of the two model-distance
 * kernels (static in model_distance.c / model_distance_leverage.c, where WP
 * proves or admits their contracts: proofs/TRUSTED_BASE.md rows K2-K5),
 * exported under bht__ names so that tests/proofs/test_trusted_kernels.c
 * checks the very functions the kernels call, against MPFR.  Internal:
 * hidden in libbht.so. */
#ifndef BHT_MODEL_DISTANCE_STAGES_H
#define BHT_MODEL_DISTANCE_STAGES_H

/* K2: RN(2^scale (hi + lo)), the pair in [0, 1]. */
double bht__md_round_scaled_unit(double hi, double lo, int scale);
/* K3: RN(sqrt(2^scale (hh + hl))) for the softmax H. */
double bht__md_softmax_hellinger_root(double hh, double hl, int scale);
/* K4: RN(2^scale (hi + lo) / 2) for the leverage H^2. */
double bht__md_round_half_unit(double hi, double lo, int scale);
/* K5: RN(sqrt(2^scale (h2h + h2l) / 2)) for the leverage H. */
double bht__md_leverage_hellinger_root(double h2h, double h2l, int scale);

#endif
