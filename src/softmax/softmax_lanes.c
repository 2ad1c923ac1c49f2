/* softmax_lanes.c: p = softmax(z) (paper Def. 2.6) in lane-structured loops
 * that GCC vectorises, compiled once per instruction set (generic, and on
 * x86-64 with GCC also x86-64-v3 and x86-64-v4) and dispatched at run time.
 *
 * Bit-identical on every variant: each element goes through the same
 * sequence of IEEE operations (+ - * / and explicit fma only, no
 * contraction, no fast-math), and the normaliser S is summed in a fixed
 * association that depends on n only: element i is added to lane i mod 8 in
 * increasing i, and the 8 lane sums are combined as ((0+1)+(2+3))+((4+5)+(6+7)).
 * So the result does not depend on the CPU, the alignment of z or p, or the
 * block size.  tests/softmax/test_softmax.c (every_path_same_bits) runs every
 * variant the CPU supports on the same inputs and compares bits.
 *
 * Algorithm: (1) z_m = max z_i (exact, lane maxima), (2) t_i = z_i - z_m by
 * TwoSum (exact), (3) e_i = exp(t_i) by bht_dd_exp_inline (relative error
 * < 2^-66), S = sum of e_i over t_i >= -700 in dd (8 lanes of JMP17
 * AccurateDWPlusDW, each 3u^2 + 13u^3: < n 2^-104 < 2^-76 for n <= 2^28),
 * the dropped terms total < 2^28 e^-700 < 2^-981 while S >= 1, (4) R = 1/S by
 * dd division (JMP17 DWDivDW2, 15u^2 + 56u^3), (5) q_i = e_i R by Dekker's
 * dd product (< 7u^2), rounded once: p_i = RN(q_i) 2^k, exact scaling when
 * the result is normal; otherwise (t_i < -700 or p_i <= 2^-1022) the element
 * is redone with dd_ldexp_round, which rounds the dd once into the subnormal
 * range; t_i < -746 gives +0 (p_i < 2^-1075 since S >= 1).
 * Bound: |q_i / p_i - 1| < 2^-66 (e_i) + 2^-66 (the e_k summed in S: their
 * errors reach S as a weighted mean) + 2^-76 + 2^-101 + 2^-102 < 2^-64.9,
 * so p_i is within 0.5 + 2^-11.9 ulp of the exact value (budget 1 ulp). */
#include <stdint.h>
#include <string.h>
#include "core/cpu_paths.h"
#include "core/dd.h"
#include "core/dd_exp.h"
#include "softmax/softmax_lanes.h"

#define LANES 8
/* Elements per block: the exponentials of one block stay in L1 (24 KiB);
 * when n <= BLOCK they are computed once for both passes. */
#define BLOCK 1024
/* t_i below this: e_i < 2^-1009, left out of S and finished by the scalar
 * path (2^k stays a normal double for every t_i >= SUM_FLOOR). */
#define SUM_FLOOR (-700.0)
/* t_i below this: p_i < 2^-1075 rounds to +0. */
#define ZERO_FLOOR (-746.0)

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__FRAMAC__)
#define LANES_X86 1
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define LANES_X86 0
#define ALWAYS_INLINE
#endif

/* 2^k for -1022 <= k <= 1023, from its bits (vectorises, unlike ldexp). */
static inline ALWAYS_INLINE double pow2_normal(int64_t k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* (rh, rl) = (ah, al) (bh, bl): Dekker's product with an exact TwoProduct,
 * relative error < 7u^2 (JMP17 §5, DWTimesDW1). */
static inline ALWAYS_INLINE void dd_mul_dd(double ah, double al, double bh, double bl,
                                           double *rh, double *rl)
{
    double e;
    double ph = two_prod(ah, bh, &e);
    e += ah * bl + al * bh;
    *rh = fast_two_sum(ph, e, rl);
}

/* e_i = exp(z_i - zm) = (eh_i + el_i) s_i with s_i = 2^k_i, for one block;
 * s_i = 0 when t_i < SUM_FLOOR (then the exponential of 0 is computed and
 * ignored, which keeps the loop branch-free). */
static inline ALWAYS_INLINE void exp_block(size_t len, const double *restrict z, double zm,
                                           double *restrict eh, double *restrict el,
                                           double *restrict s)
{
    for (size_t i = 0; i < len; i++) {
        double tl;
        double th = two_sum(z[i], -zm, &tl);
        int kept = th >= SUM_FLOOR;
        int64_t k;
        double lo;
        eh[i] = bht_dd_exp_inline(kept ? th : 0.0, kept ? tl : 0.0, &lo, &k);
        el[i] = lo;
        s[i] = kept ? pow2_normal(k) : 0.0;
    }
}

/* The scalar path for one element whose result may be subnormal or zero. */
static inline double tiny_element(double zi, double zm, double rh, double rl)
{
    double tl;
    double th = two_sum(zi, -zm, &tl);
    if (!(th >= ZERO_FLOOR)) /* also -inf and NaN from an overflowing difference */
        return 0.0;
    int64_t k;
    double el, qh, ql;
    double eh = bht_dd_exp_inline(th, tl, &el, &k);
    dd_mul_dd(eh, el, rh, rl, &qh, &ql);
    double v = dd_ldexp_round(qh, ql, (int)k);
    return v < 0.0 ? 0.0 : v;
}

/* The 8 lane sums as one GCC vector (element-wise IEEE operations, the same
 * as 8 scalar dd_add calls, which GCC would not combine into vector code). */
typedef double lane_vec __attribute__((vector_size(LANES * sizeof(double))));

/* (h, l) += (eh, el) s: dd_add (dd.h, JMP17 AccurateDWPlusDW) on 8 lanes.
 * Vectors are passed by address (no vector-ABI dependence). */
static inline ALWAYS_INLINE void lane_dd_add(lane_vec *h, lane_vec *l, const double *eh,
                                             const double *el, const double *s)
{
    lane_vec sv, bh, bl;
    memcpy(&sv, s, sizeof sv);
    memcpy(&bh, eh, sizeof bh);
    memcpy(&bl, el, sizeof bl);
    bh *= sv; /* exact: normal range */
    bl *= sv;
    lane_vec sh = *h + bh;
    lane_vec bv = sh - *h;
    lane_vec sl = (*h - (sh - bv)) + (bh - bv);
    lane_vec th = *l + bl;
    lane_vec cv = th - *l;
    lane_vec tl = (*l - (th - cv)) + (bl - cv);
    lane_vec c = sl + th;
    lane_vec vh = sh + c;
    lane_vec vl = c - (vh - sh);
    lane_vec w = tl + vl;
    *h = vh + w;
    *l = w - (*h - vh);
}

/* *m = max(*m, z[0 .. 7]) lane by lane (finite values: a select by the
 * comparison's mask, as z > m ? z : m). */
typedef int64_t lane_mask __attribute__((vector_size(LANES * sizeof(int64_t))));
static inline ALWAYS_INLINE void lane_max(lane_vec *m, const double *z)
{
    lane_vec zv;
    lane_mask zb, mb;
    memcpy(&zv, z, sizeof zv);
    lane_mask gt = zv > *m;
    memcpy(&zb, &zv, sizeof zb);
    memcpy(&mb, m, sizeof mb);
    mb = (zb & gt) | (mb & ~gt);
    memcpy(m, &mb, sizeof mb);
}

static inline ALWAYS_INLINE void lanes_body(size_t n, const double *restrict z,
                                            double *restrict p)
{
    double eh[BLOCK], el[BLOCK], s[BLOCK];

    /* (1) The largest logit, by lane maxima (exact in any order). */
    double mx[LANES];
    for (size_t l = 0; l < LANES; l++)
        mx[l] = z[0];
    size_t full = n / LANES * LANES;
    lane_vec mv;
    memcpy(&mv, mx, sizeof mv);
    for (size_t i = 0; i < full; i += LANES)
        lane_max(&mv, z + i);
    memcpy(mx, &mv, sizeof mx);
    for (size_t i = full; i < n; i++)
        mx[0] = z[i] > mx[0] ? z[i] : mx[0];
    double zm = mx[0];
    for (size_t l = 1; l < LANES; l++)
        zm = mx[l] > zm ? mx[l] : zm;

    /* (2, 3) S in 8 lanes: element i into lane i mod 8 (BLOCK is a multiple
     * of LANES, so block boundaries keep the lane of every element). */
    lane_vec vh = {0}, vl = {0};
    double sh[LANES], sl[LANES];
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t len = n - b < BLOCK ? n - b : BLOCK;
        exp_block(len, z + b, zm, eh, el, s);
        size_t lfull = len / LANES * LANES;
        for (size_t i = 0; i < lfull; i += LANES)
            lane_dd_add(&vh, &vl, eh + i, el + i, s + i);
        memcpy(sh, &vh, sizeof sh);
        memcpy(sl, &vl, sizeof sl);
        for (size_t i = lfull; i < len; i++) {
            size_t l = i - lfull;
            dd_add(sh[l], sl[l], eh[i] * s[i], el[i] * s[i], &sh[l], &sl[l]);
        }
        memcpy(&vh, sh, sizeof sh);
        memcpy(&vl, sl, sizeof sl);
    }
    for (size_t w = 1; w < LANES; w *= 2)
        for (size_t l = 0; l + w < LANES; l += 2 * w)
            dd_add(sh[l], sl[l], sh[l + w], sl[l + w], &sh[l], &sl[l]);

    /* (4) R = 1/S. */
    double rh, rl;
    dd_div(1.0, 0.0, sh[0], sl[0], &rh, &rl);

    /* (5) p_i = RN(e_i R) 2^k; results up to 2^-1022 (and dropped terms,
     * s_i = 0) are redone by the scalar path. */
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t len = n - b < BLOCK ? n - b : BLOCK;
        if (n > BLOCK) /* else the one block's exponentials are still there */
            exp_block(len, z + b, zm, eh, el, s);
        for (size_t i = 0; i < len; i++) {
            double qh, ql;
            dd_mul_dd(eh[i], el[i], rh, rl, &qh, &ql);
            double v = qh * s[i];
            p[b + i] = v > 1.0 ? 1.0 : v;
        }
        int tiny = 0; /* a separate OR-reduction, so that both loops vectorise */
        for (size_t i = 0; i < len; i++)
            tiny |= p[b + i] <= 0x1p-1022;
        if (tiny)
            for (size_t i = 0; i < len; i++)
                if (p[b + i] <= 0x1p-1022)
                    p[b + i] = tiny_element(z[b + i], zm, rh, rl);
    }
}

static void lanes_generic(size_t n, const double *restrict z, double *restrict p)
{
    lanes_body(n, z, p);
}

#if LANES_X86
__attribute__((target("arch=x86-64-v3"))) static void lanes_v3(size_t n,
                                                               const double *restrict z,
                                                               double *restrict p)
{
    lanes_body(n, z, p);
}

__attribute__((target("arch=x86-64-v4"))) static void lanes_v4(size_t n,
                                                               const double *restrict z,
                                                               double *restrict p)
{
    lanes_body(n, z, p);
}
#endif

int bht_softmax_path_available(bht_softmax_path path)
{
    switch (path) {
    case BHT_SOFTMAX_PATH_AUTO:
    case BHT_SOFTMAX_PATH_GENERIC:
        return 1;
#if LANES_X86
    case BHT_SOFTMAX_PATH_X86_64_V3:
        return bht__cpu_x86_64_v3();
    case BHT_SOFTMAX_PATH_X86_64_V4:
        return bht_softmax_path_available(BHT_SOFTMAX_PATH_X86_64_V3)
               && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
               && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
#endif
    default:
        return 0;
    }
}

void bht_softmax_lanes(size_t n, const double *z, double *p, bht_softmax_path path)
{
    if (path == BHT_SOFTMAX_PATH_AUTO) {
        path = BHT_SOFTMAX_PATH_GENERIC;
        for (int v = BHT_SOFTMAX_PATH_COUNT - 1; v > 0; v--)
            if (bht_softmax_path_available((bht_softmax_path)v)) {
                path = (bht_softmax_path)v;
                break;
            }
    }
    switch (path) {
#if LANES_X86
    case BHT_SOFTMAX_PATH_X86_64_V4:
        lanes_v4(n, z, p);
        return;
    case BHT_SOFTMAX_PATH_X86_64_V3:
        lanes_v3(n, z, p);
        return;
#endif
    default:
        lanes_generic(n, z, p);
        return;
    }
}
