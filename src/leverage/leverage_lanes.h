/* leverage_lanes.h: what leverage_build.c (the build of the leverage basis)
 * and leverage_lanes.c (its x86-64-v3 4-wide code) share: the code-path
 * macros, the lane count, the exact exponent helpers, lev_dd_div_one and
 * lev_scale_row, and the prototypes of the 4-wide functions.  Internal to
 * src/leverage; not analysed by Frama-C. */
#ifndef BHT_LEVERAGE_LANES_H
#define BHT_LEVERAGE_LANES_H

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "bht.h"
#include "core/dd_elementary.h"
#include "core/dd_leaves.h"
#include "leverage/leverage_core.h"

/* Code paths (issue 17): build_pass, with everything it calls on every
 * row inlined (LEV_HOT), is compiled twice, for baseline x86-64 (fma() a
 * libm call) and for x86-64-v3 (fma() one instruction), and chosen at run
 * time (bht__lev_basis_build_path).  Both perform the same IEEE operations
 * in the same order (-ffp-contract=off, no reassociation; fma and sqrt are
 * correctly rounded wherever they are computed), so their results are the
 * same bits on every CPU: tests/leverage/test_leverage_paths.c compares
 * them.  On the x86-64-v3 path the hot loops are explicit 4-wide code (GCC
 * vectors, leverage_lanes.c): the lanes' substitutions, bounds
 * and divisions, C += b b^T, the Householder QR on W stored by rows, the
 * exact scalings and |q_i|^2; each vector element performs the scalar
 * code's operations on its row or column in the scalar order, and whatever
 * the vector code does not cover (subnormal entries, scales out of range,
 * the dd fallback) runs the scalar code.  Frama-C sees the generic path
 * only. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__FRAMAC__)
#define LEV_X86 1
#define LEV_HOT inline __attribute__((always_inline))
#include <immintrin.h>
#else
#define LEV_X86 0
#define LEV_HOT inline
#endif

/* ------------------------------------ exact exponent arithmetic (speed) */

/* ldexp(x, e), the same bits: for -1022 <= e <= 1023, 2^e is a normal
 * double built from its bits and x * 2^e is one correctly rounded
 * multiplication, as ldexp is (C11 7.12.6.13, F.10.3.13: both round the
 * exact x 2^e once, in the current (nearest) mode; overflow and subnormal
 * results alike).  Other e: libm's ldexp. */
static LEV_HOT double lev_ldexp(double x, int e)
{
    if (e < -1022 || e > 1023)
        return ldexp(x, e);
    uint64_t bits = (uint64_t)(e + 1023) << 52;
    double p;
    memcpy(&p, &bits, sizeof p);
    return x * p;
}

/* ilogb(x) for a finite nonzero x, the same value: the biased exponent
 * field minus 1023 when x is normal; subnormals by libm's ilogb. */
static LEV_HOT int lev_ilogb(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int field = (int)((bits >> 52) & 0x7ff);
    return field != 0 ? field - 1023 : ilogb(x);
}

/* dd_div(xh, xl, 1.0, 0.0, ..), the same bits, for a normalized pair
 * (xh = RN(xh + xl), as every dd_div result is) with xh finite and
 * nonzero: in dd_div, th = xh, the product th * (1 + 0) is (xh, +0)
 * exactly (two_prod's fma error term is +0), so pi_h = xh - xh = +0,
 * delta = +0 + (xl - +0) = xl + 0.0 (xl, or +0 for xl = -0), tl = delta,
 * and fast_two_sum(xh, delta) = (xh, delta) since xh = RN(xh + delta).
 * Other inputs: dd_div itself. */
static LEV_HOT void lev_dd_div_one(double *xh, double *xl)
{
    if (isfinite(*xh) && *xh != 0.0)
        *xl = *xl + 0.0;
    else
        dd_div(*xh, *xl, 1.0, 0.0, xh, xl);
}

/* Rows are solved LEV_LANES at a time (lane l of the arrays below is row
 * i0 + l; entry j of lane l at j * LEV_LANES + l): each lane performs the
 * operations of solve_rt (R^ in double, y in double, s' = 1) or solve_l on
 * its row, in the same order, so the results are those of the one-row
 * functions bit for bit; the independent lanes only let the CPU overlap
 * the long dependency chains of the dd sums. */
#define LEV_LANES 16

static LEV_HOT int lev_scale_row(const lev_basis *b, const double *v, double *vh, int *ev)
{
    int e = INT_MIN;
    for (size_t j = 0; j < b->d; j++)
        if (v[j] != 0.0 && lev_ilogb(v[j]) + b->c[j] > e)
            e = lev_ilogb(v[j]) + b->c[j];
    if (e == INT_MIN) {
        for (size_t j = 0; j < b->d; j++)
            vh[j] = 0.0;
        *ev = 0;
        return 0;
    }
    for (size_t j = 0; j < b->d; j++)
        vh[j] = lev_ldexp(v[j], b->c[j] - e); /* exact unless 2^1022 below the largest */
    *ev = e;
    return 1;
}

#if LEV_X86
/* The x86-64-v3 4-wide functions (leverage_lanes.c; each documented there),
 * called by build_pass_v3 and bht__lev_row_sumsq on that path only. */
#define LEV_V3 __attribute__((target("arch=x86-64-v3")))
#define LEV_V3_HOT LEV_V3 inline __attribute__((always_inline))
typedef double lev_v4 __attribute__((vector_size(4 * sizeof(double))));
typedef int64_t lev_m4 __attribute__((vector_size(4 * sizeof(int64_t))));
LEV_V3 void bht__lev_solve_lanes_v4(size_t d, const double *mh, const double *ml, size_t sj,
    size_t sk, const double *yh, const double *yl, double *bh, double *bl);
LEV_V3 void bht__lev_substitution_error_v4(size_t d, const double *r, const double *rinv,
    const double *ly, const double *lbh, double *lw, double *eps);
LEV_V3 void bht__lev_householder_r_v4(size_t n, size_t d, double *w, double *r);
LEV_V3 void bht__lev_divide_lanes_v4(size_t d, double *lbh, double *lbl, const double *sp);
LEV_V3 void bht__lev_gram_add_v4(size_t d, size_t dp, const double *sh, const double *sl,
    double *ch, double *cl);
LEV_V3 int bht__lev_scalings_v4(size_t n, size_t d, const double *A, const int *t, int *c);
LEV_V3 void bht__lev_scale_pow2_v4(size_t d, const double *x, int e, double *out);
LEV_V3 void bht__lev_w_row_v4(size_t d, const double *a, const int *c, int ti, double sprime,
    double *out);
LEV_V3 void bht__lev_lanes_copy_v4(size_t d, double *q, const size_t *rows, size_t count,
    double *lanes, int to_lanes);
LEV_V3 void bht__lev_scale_rows_v4(const lev_basis *b, const double *A, size_t i0, size_t cnt,
    double *ly, double *tmp, int *nz, int *e);
LEV_V3 void bht__lev_row_sumsq8_v4(const lev_basis *b, size_t i, double *hh, double *hl);
#endif

#endif
