/* softmax_oracle_fixed.c: first attempt of the softmax(z) oracle in 128-bit
 * fixed point (issue 17: oracle >= 20x faster than mpmath).  Every
 * component it cannot decide sends the whole vector to the MPFR Ziv loop of
 * softmax_oracle.c, so the result is the correctly rounded softmax either way
 * (a correctly rounded value is unique: both paths give the same bits).
 * The arithmetic here is integer only (ln 2 a build-time constant, the
 * reciprocal by integer division; no MPFR call, so no MPFR set-up cost per
 * process); it shares no code with the double kernel's exponentials.
 *
 * Error analysis (units: U = 2^-116 for arguments, u = 2^-127 for values):
 *  m = argmax z (exact), t_i = z_i - z_m = th + tl exactly (TwoSum, th
 *  finite).  th < -1500: p_i < e^-1499 < 2^-2162 rounds to +0 (as in
 *  softmax_oracle.c).  Otherwise x = -t in [0, 1500.001]:
 *  X = trunc(-th 2^116) + trunc(-tl 2^116),        |X - x 2^116| < 2 U;
 *  k >= 0, Y = X - k L1 - floor(k L2 / 2^64), with L1 2^64 + L2 =
 *  floor(ln2 2^180) (constant): |Y - (x - k ln2) 2^116| < 3 U; k is chosen so
 *  that 0 <= Y < L1 (Y < 0 with k = 0 is clamped to 0, within the 3 U).
 *  exp(-y), y = Y U < ln 2, as (exp(-y/256))^(2^8): r = y/256 < 2^-8.5,
 *  Horner on c_j = floor(2^127 / j!), j <= 11, each step truncated:
 *  error <= 2/(1 - r) + 1 (c_0 .. c_11 truncation, products) < 2.2 u,
 *  remainder r^12/12! < 2^-130 (< 0.1 u), so relative eta_0 < 2^-125.8;
 *  each truncated squaring of a value >= 1/2: eta' <= 2 eta + eta^2 + 2^-126,
 *  after 8: eta_8 < 2^8 (2^-125.8 + 2^-126) 1.001 < 2^-116.8.  With the
 *  argument error (e^{3 U} - 1 < 2^-114.4): e~_i = e^{t_i} (1 + eps_i),
 *  |eps_i| < 2^-114.1, as E_i 2^-127 2^-k_i.
 *  S~ = sum of e~_i truncated to multiples of 2^-192 (S >= 1: t_m = 0,
 *  E_m = 2^127 exactly): |S~/S - 1| < 2^-114.1 + n 2^-192 < 2^-114.
 *  R~ = RN_128(1/S~) (integer division, correctly rounded), p~_i = e~_i R~ truncated to 128 bits:
 *  |p~_i/p_i - 1| < 2^-114.1 + 2^-114 (1 + 2^-113) + 2^-128 + 2^-127 +
 *  (products) < 2^-112.9.  With p~_i = M 2^ex, 2^127 <= M < 2^128, the
 *  exact p_i is within D = 2^17 units of M (2^-112.9 2^128 < 2^16).
 * Decision (normal results only, p~_i >= 2^-1022): the binary64 grid
 * drops 75 bits of M; the rounding boundaries are the midpoints, so p_i
 * rounds like M when |rem - 2^74| > D (rem = M mod 2^75).  Near the binade
 * ends the test stays sound: above 2^128 the true midpoints are farther,
 * and just above 2^127 M - D > 2^127 - 2^73 (the lower binade's midpoint).
 * Subnormal or undecided components return false (MPFR path). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "oracle/oracle_internal.h"
#include "softmax/softmax_oracle_fixed.h"

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

#define FIX_ARG_BITS 116          /* X, Y: units 2^-116 */
#define FIX_ONE ((u128)1 << 127)  /* values: units 2^-127 */
#define FIX_TERMS 12              /* Taylor terms c_0 .. c_11 */
#define FIX_SQUARINGS 8
#define FIX_SUM_BITS 192          /* S: units 2^-192 */
#define FIX_DECIDE_MARGIN ((u128)1 << 17)
#define FIX_ZERO_BELOW (-1500.0)

/* Full 256-bit product a b as (hi, lo). */
static inline void mul_full(u128 a, u128 b, u128 *hi, u128 *lo)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1;
    u128 p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
    u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10; /* < 3 2^64 */
    *lo = (mid << 64) | (uint64_t)p00;
    *hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

/* floor(a b / 2^sh), 64 < sh < 128 and the result below 2^128. */
static inline u128 mul_shift(u128 a, u128 b, int sh)
{
    u128 hi, lo;
    mul_full(a, b, &hi, &lo);
    return (hi << (128 - sh)) | (lo >> sh);
}

/* floor(ln2 2^180) in three 64-bit words, most significant first: the
 * value the previous code took from mpfr_const_log2 at 256 bits (RNDZ),
 * equal to mpmath's floor(ln(2) 2^180) at 400 bits.  A build-time constant:
 * the first mpfr_const_log2 call of a process costs about 0.35 ms. */
#define FIX_LN2_W2 UINT64_C(0x000b17217f7d1cf7)
#define FIX_LN2_W1 UINT64_C(0x9abc9e3b39803f2f)
#define FIX_LN2_W0 UINT64_C(0x6af40f343267298b)

/* Fixed-point constants of one call: ln 2 and the Taylor coefficients. */
typedef struct fix_consts {
    u128 ln2_hi;    /* floor(ln2 2^116) */
    uint64_t ln2_lo; /* next 64 bits of ln2 2^180 */
    u128 c[FIX_TERMS];
} fix_consts;

static void fix_consts_init(fix_consts *k)
{
    k->ln2_lo = FIX_LN2_W0;
    k->ln2_hi = ((u128)FIX_LN2_W2 << 64) | FIX_LN2_W1;
    u128 fact = 1;
    for (int j = 0; j < FIX_TERMS; j++) {
        if (j > 1)
            fact *= (u128)j;
        k->c[j] = FIX_ONE / fact;
    }
}

/* e^{-x} = E 2^-127 2^-k for x = -(th + tl) in [0, 1500.001] (analysis
 * above); returns E, sets *k. */
static u128 fix_exp_neg(const fix_consts *c, double xh, double xl, int *k_out)
{
    i128 X = (i128)ldexp(xh, FIX_ARG_BITS) + (i128)ldexp(xl, FIX_ARG_BITS);
    long k = (long)floor(xh * 1.4426950408889634);
    i128 Y;
    for (;;) {
        if (k < 0)
            k = 0;
        Y = X - (i128)((u128)k * c->ln2_hi) - (i128)(((u128)k * c->ln2_lo) >> 64);
        if (Y < 0 && k > 0)
            k--;
        else if (Y >= (i128)c->ln2_hi)
            k++;
        else
            break;
    }
    if (Y < 0)
        Y = 0; /* x < 3 U: within the argument error */
    /* r = Y 2^-124 = y / 256; Horner for exp(-r) in units 2^-127. */
    u128 r = (u128)Y, acc = c->c[FIX_TERMS - 1];
    for (int j = FIX_TERMS - 2; j >= 0; j--)
        acc = c->c[j] - mul_shift(acc, r, FIX_ARG_BITS + FIX_SQUARINGS);
    for (int s = 0; s < FIX_SQUARINGS; s++)
        acc = mul_shift(acc, acc, 127);
    *k_out = (int)k;
    return acc;
}

/* acc += E 2^-127 2^-k in units 2^-192, truncated (acc is 256 bits). */
static void sum_add(u128 acc[2], u128 E, int k)
{
    int sh = FIX_SUM_BITS - 127 - k;
    u128 lo, hi;
    if (sh >= 0) {
        lo = E << sh;
        hi = sh ? E >> (128 - sh) : 0;
    } else {
        lo = -sh < 128 ? E >> -sh : 0;
        hi = 0;
    }
    u128 s = acc[0] + lo;
    acc[1] += hi + (s < lo);
    acc[0] = s;
}

/* Number of significant bits of a nonzero x. */
static int bit_length(u128 x)
{
    int b = 0;
    while (x) {
        x >>= 1;
        b++;
    }
    return b;
}

/* 1/S~ rounded to nearest (ties to even) at 128 bits, as R 2^e_r with
 * 2^127 <= R < 2^128, in integer arithmetic: S~ = A 2^-192 with A = acc
 * (2^192 <= A < 2^256 since S~ >= 1), 2^(L-1) <= A < 2^L, so
 * 1/S~ = 2^(192+127-L) (2^(L+127)/A) and restoring division gives
 * q = floor(2^(L+127)/A) in (2^127, 2^128) (A not a power of two), the
 * next quotient bit and whether the remainder is nonzero: exactly the
 * rounding MPFR's mpfr_ui_div(RNDN) applies, without MPFR's per-process
 * set-up cost. */
static u128 reciprocal(const u128 acc[2], long *e_r)
{
    const u128 ah = acc[1], al = acc[0];
    const int L = 128 + bit_length(ah); /* ah != 0: A >= 2^192 */
    const u128 top = (u128)1 << (L - 1 - 128);
    if (ah == top && al == 0) { /* A = 2^(L-1): 1/S~ = 2^(193-L) exactly */
        *e_r = 66 - L;
        return (u128)1 << 127;
    }
    u128 rh = top, rl = 0, q = 0; /* remainder 2^(L-1) < A */
    int bit = 0;
    for (int i = 0; i <= 128; i++) { /* 128 quotient bits, then the round bit */
        int carry = (int)(rh >> 127); /* remainder doubled >= 2^256 > A */
        rh = (rh << 1) | (rl >> 127);
        rl <<= 1;
        bit = carry || rh > ah || (rh == ah && rl >= al);
        if (bit) {
            u128 borrow = rl < al;
            rl -= al;
            rh -= ah + borrow;
        }
        if (i < 128)
            q = (q << 1) | (u128)bit;
    }
    bool sticky = rh != 0 || rl != 0;
    long e = 65 - L;
    if (bit && (sticky || (q & 1))) {
        q++;
        if (q == 0) { /* carried out of 2^128 */
            q = (u128)1 << 127;
            e++;
        }
    }
    *e_r = e;
    return q;
}

/* The double p~ = E R 2^(e_r - 127 - k) rounds to, if decided. */
static bool decide(u128 E, u128 R, long e_r, int k, double *out)
{
    u128 hi, lo;
    mul_full(E, R, &hi, &lo); /* >= 2^252 */
    long ex = e_r - 127 - k;
    u128 M;
    if (hi >> 127) { /* take the top 128 bits, truncated */
        M = hi;
        ex += 128;
    } else {
        int z = 0;
        while (!((hi << z) >> 127))
            z++;
        M = (hi << z) | (lo >> (128 - z));
        ex += 128 - z;
    }
    if (ex + 127 < -1022)
        return false; /* subnormal range: MPFR path */
    const u128 half = (u128)1 << 74, rem = M & (((u128)1 << 75) - 1);
    u128 dist = rem > half ? rem - half : half - rem;
    if (dist <= FIX_DECIDE_MARGIN)
        return false;
    uint64_t q = (uint64_t)(M >> 75) + (rem > half);
    *out = ldexp((double)q, (int)(ex + 75));
    return true;
}

/* Exact difference z_i - z_m = *th + *tl when *th is finite (Knuth). */
static double exact_diff(double a, double b, double *tl)
{
    double s = a - b;
    double bv = s - a;
    double av = s - bv;
    *tl = (a - av) + (-b - bv);
    return s;
}

bht_status bht__softmax_oracle_fixed(size_t n, const double *z, double *p, bool *decided)
{
    *decided = false;
    u128 *E = malloc(n * sizeof *E);
    int *k = malloc(n * sizeof *k);
    if (!E || !k) {
        free(E);
        free(k);
        return BHT_E_NOMEM;
    }
    fix_consts c;
    fix_consts_init(&c);
    size_t m = 0;
    for (size_t i = 1; i < n; i++)
        if (z[i] > z[m])
            m = i;
    u128 acc[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double tl, th = exact_diff(z[i], z[m], &tl);
        if (!(th >= FIX_ZERO_BELOW)) {
            k[i] = -1; /* p_i < 2^-2162: +0 */
            continue;
        }
        E[i] = fix_exp_neg(&c, -th, -tl, &k[i]);
        sum_add(acc, E[i], k[i]);
    }
    long e_r;
    u128 R = reciprocal(acc, &e_r);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (k[i] < 0)
            p[i] = 0.0;
        else
            ok = decide(E[i], R, e_r, k[i], &p[i]);
    }
    free(E);
    free(k);
    *decided = ok;
    return BHT_OK;
}
