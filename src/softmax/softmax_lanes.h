/* softmax_lanes.h: the softmax(z) double kernel in lane-structured loops
 * (softmax_lanes.c), with one compiled variant per instruction set. */
#ifndef BHT_SOFTMAX_LANES_H
#define BHT_SOFTMAX_LANES_H

#include <stddef.h>
#include "bht.h"

/* Compiled variants: generic C (any target), and on x86-64 with GCC the same
 * code compiled for x86-64-v3 (AVX2, FMA) and x86-64-v4 (AVX-512). */
typedef enum bht_softmax_path {
    BHT_SOFTMAX_PATH_AUTO = -1, /* the best variant this CPU runs */
    BHT_SOFTMAX_PATH_GENERIC = 0,
    BHT_SOFTMAX_PATH_X86_64_V3 = 1,
    BHT_SOFTMAX_PATH_X86_64_V4 = 2,
    BHT_SOFTMAX_PATH_COUNT = 3
} bht_softmax_path;

/* Nonzero when `path` is compiled in and this CPU can run it. */
int bht_softmax_path_available(bht_softmax_path path);

/* p = softmax(z) by variant `path` (which must be available), same bits on
 * every variant.  Requires 1 <= n <= BHT_SOFTMAX_MAX_N, z finite, p and z
 * not overlapping (unchecked: callers check, see bht_softmax_logits). */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires valid_z: \valid_read(z + (0 .. n - 1)) && all_finite(z, n);
    requires valid_p: \valid(p + (0 .. n - 1));
    requires separated: \separated(z + (0 .. n - 1), p + (0 .. n - 1));
    assigns p[0 .. n - 1];
    ensures result_in_unit: \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
*/
void bht_softmax_lanes(size_t n, const double *z, double *p, bht_softmax_path path);

#endif
