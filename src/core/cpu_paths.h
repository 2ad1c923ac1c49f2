/* cpu_paths.h: the run-time CPU test of the compiled x86-64-v3 code paths
 * (softmax_lanes.c, leverage_build.c), so that every path is chosen on the
 * same features.  GCC on x86-64 only (the callers test the same condition).
 * Not part of the public API. */
#ifndef BHT_CPU_PATHS_H
#define BHT_CPU_PATHS_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__FRAMAC__)
/* 1 when the CPU runs what GCC emits for target("arch=x86-64-v3") in these
 * paths: AVX2, FMA and BMI2. */
static inline int bht__cpu_x86_64_v3(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
           && __builtin_cpu_supports("bmi2");
}
#endif

#endif
