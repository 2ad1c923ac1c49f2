/* bench_clock.h: the wall clock and the median shared by the C benchmark
 * drivers (tests/bench/bench_*.c), so that every ratio in `make bench` is
 * timed and summarised the same way. */
#ifndef BHT_BENCH_CLOCK_H
#define BHT_BENCH_CLOCK_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in seconds; exits (status 1) if the clock cannot be read. */
static inline double bench_seconds(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0) {
        perror("clock_gettime");
        exit(1);
    }
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline int bench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0 .. count - 1], count >= 1 (the mean of the middle two
 * for an even count).  Sorts v in place, so v[0] is then the minimum. */
static inline double bench_median(double *v, size_t count)
{
    qsort(v, count, sizeof *v, bench_compare_doubles);
    return count % 2 ? v[count / 2] : 0.5 * (v[count / 2 - 1] + v[count / 2]);
}

#endif
