/* distance_stages.h: static helpers of distance.c whose admitted facts
 * (proofs/TRUSTED_BASE.md) tests/proofs/test_trusted_distance.c checks
 * against MPFR, exported under bht__ names so that the test calls the very
 * function the kernel calls.  Internal: hidden in libbht.so. */
#ifndef BHT_DISTANCE_STAGES_H
#define BHT_DISTANCE_STAGES_H

/* T11: RN(x * 0.25), x / 4 exactly for x >= 2^-1020. */
double bht__dist_quarter_of(double x);

#endif
