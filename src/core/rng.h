/* rng.h: SplitMix64, bht's one pseudo-random stream (golden corpus, plan
 * search, claims, the sketched Newton solver, tests, benches).
 *
 * Why SplitMix64: 64 bits of state, a fixed sequence of integer operations
 * (so every platform draws the same numbers: the golden corpus and the
 * claims' verdicts depend on it), and good equidistribution for its size.
 * Algorithm: Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators" (OOPSLA 2014), with Vigna's mixing constants. */
#ifndef BHT_CORE_RNG_H
#define BHT_CORE_RNG_H

#include <stdint.h>

/* Advances *state by the golden-ratio increment and returns its mix. */
uint64_t bht__splitmix64(uint64_t *state);

#endif
