/* softmax.c: double kernels for p = softmax(z) and p = softmax(A x)
 * (paper Def. 2.6).  See bht.h for the interface. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include "bht.h"
#include "core/dd.h"
#include "core/dd_exp.h"
#include "core/long_acc.h"
#include "softmax/softmax_lanes.h"

/* Shifted logits below this give p_i < 2^-1075 (since the sum S >= 1 - 2^-50),
 * which rounds to +0: no exponential is needed. */
#define SHIFTED_LOGIT_FLOOR (-746.0)

/* Where the logits come from: either z or the rows of A x. */
typedef struct softmax_source {
    const double *z;
    const double *A;
    const double *x;
    size_t d;
} softmax_source;

/* ACSL for Frama-C/WP (proofs/proofs.mk).  The prototypes below are
 * redundant C redeclarations of src/core/dd.h functions: they carry
 * contracts that Frama-C merges with the definitions (gcc sees only a
 * prototype).  These functions are not in WP_FUNCTIONS: each contract is a
 * leaf fact of proofs/TRUSTED_BASE.md (S3-S5), checked against MPFR by
 * calling the function (tests/proofs/test_trusted_softmax.c).  The `named`
 * clauses only name the results (spec/softmax.h: the functions are
 * deterministic); the facts are the ranges and roundings. */

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires a_range: \is_finite(ah) && \is_finite(al) && 0 <= ah <= 0x1p31
                      && \abs(al) <= 0x1p-52 * ah;
    requires b_range: \is_finite(bh) && \is_finite(bl) && 0 <= bh <= 2 && \abs(bl) <= bh;
    assigns *rh, *rl;
    ensures named: *rh == dd_add_hi(ah, al, bh, bl) && *rl == dd_add_lo(ah, al, bh, bl);
    admit ensures dd_add_sum: \is_finite(*rh) && \is_finite(*rl)
      && 0 <= *rh <= ah + 2 * bh + 0x1p-18 && \abs(*rl) <= 0x1p-52 * *rh
      && *rh + *rl >= (ah + al + bh + bl) * (1 - 0x1p-100);
*/
static inline void dd_add(double ah, double al, double bh, double bl, double *rh, double *rl);

/*@ requires valid: \valid(rh) && \valid(rl) && \separated(rh, rl);
    requires x_range: \is_finite(xh) && \is_finite(xl) && 0.99 < xh < 2 && \abs(xl) <= 0x1p-53;
    requires y_range: \is_finite(yh) && \is_finite(yl) && 0.5 <= yh <= 0x1p31
                      && \abs(yl) <= 0x1p-52 * yh;
    assigns *rh, *rl;
    ensures named: *rh == dd_div_hi(xh, xl, yh, yl) && *rl == dd_div_lo(xh, xl, yh, yl);
    admit ensures dd_div_range: \is_finite(*rh) && \is_finite(*rl)
      && 0x1p-64 <= *rh < 4 && dd_normalized(*rh, *rl);
*/
static inline void dd_div(double xh, double xl, double yh, double yl, double *rh, double *rl);

/*@ requires q_range: \is_finite(qh) && \is_finite(ql) && 0x1p-64 <= qh < 4
                      && dd_normalized(qh, ql);
    requires scale_range: -1600 <= scale <= 0;
    assigns errno;
    admit ensures dd_ldexp_rounded: \is_finite(\result) && 0 <= \result
      && \result == rn(dd_scaled(qh, ql, scale));
*/
static inline double dd_ldexp_round(double qh, double ql, int scale);

/* acc = (a - b) x exactly: the 2d products a_j x_j and -b_j x_j added to
 * the long accumulator (Kulisch's exact dot product, src/core/long_acc.h), so a
 * common part of the two rows cancels exactly however large it is, and no
 * product overflows or underflows.  Equal entries add nothing. */
/*@ requires ok: long_acc_ok(acc);
    requires d_range: 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires valid: \valid_read(a + (0 .. d - 1)) && \valid_read(b + (0 .. d - 1))
                    && \valid_read(x + (0 .. d - 1));
    requires finite: all_finite(a, d) && all_finite(b, d) && all_finite(x, d);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    ensures value: long_acc_value(acc) == reg_dot(a, x, d) - reg_dot(b, x, d);
*/
static void row_difference(bht_long_acc *acc, size_t d, const double *a, const double *b,
                           const double *x)
{
    bht_long_acc_reset(acc);
    /*@ loop invariant index: 0 <= j <= d;
        loop invariant ok: long_acc_ok(acc);
        loop invariant value: long_acc_value(acc) == reg_dot(a, x, j) - reg_dot(b, x, j);
        loop assigns j, *acc;
        loop variant d - j;
    */
    for (size_t j = 0; j < d; j++) {
        //@ assert step: reg_dot(a, x, j + 1) - reg_dot(b, x, j + 1) == reg_dot(a, x, j) - reg_dot(b, x, j) + (a[j] - b[j]) * x[j];
        bht_long_acc_add_product_difference(acc, a[j], b[j], x[j]);
    }
}

/* Row r of A (n-by-d, row-major): a lemma function for WP (no code).  Its
 * goals are nonlinear in n, d, r and have a small context here; a caller
 * gets the facts of one row as ground terms (no quantifier over the rows to
 * instantiate, no product to bound). */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires d_range: 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires r_range: 0 <= r < n;
    requires valid: \valid_read(A + (0 .. n * d - 1)) && all_finite(A, n * d);
    assigns \nothing;
    ensures offset: 0 <= r * d && r * d + d <= n * d && r * d <= 0x1p56;
    ensures row: \valid_read(A + r * d + (0 .. d - 1)) && all_finite(A + r * d, d);
*/
static void matrix_row(size_t n, const double *A, size_t d, size_t r)
{
    (void)n;
    (void)A;
    (void)d;
    (void)r;
    //@ assert below: 0 <= (n - 1 - r) * d && 0 <= r * d;
    //@ assert end: r * d + d <= n * d;
    //@ assert top: r * d <= 0x1p28 * d && 0x1p28 * d <= 0x1p56;
    //@ assert valid_row: \valid_read(A + r * d + (0 .. d - 1));
    //@ assert finite_row: \forall integer k; 0 <= k < d ==> \is_finite(A[r * d + k]);
    /* all_finite(A + r d, d) element by element: the provers do not match
     * (A + r d)[k] (all_finite unfolded) with A[r d + k] under a quantifier,
     * but do for one k (ghost loop, no code). */
    /*@ ghost
      /@ loop invariant k_range: 0 <= k <= d;
         loop invariant done: all_finite(A + r * d, k);
         loop assigns k;
         loop variant d - k;
      @/
      for (size_t k = 0; k < d; k++) {
        /@ assert elem: \is_finite(A[r * d + k]); @/
      }
    */
}

/* The index of the largest logit (A x)_i, decided exactly from the sign of
 * the exact row difference (ties: the first one). */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires d_range: 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires ok: long_acc_ok(acc);
    requires matrix: \valid_read(A + (0 .. n * d - 1)) && all_finite(A, n * d);
    requires first_row: \valid_read(A + (0 .. d - 1)) && all_finite(A, d);
    requires valid: \valid_read(x + (0 .. d - 1)) && all_finite(x, d);
    assigns *acc;
    ensures ok: long_acc_ok(acc);
    ensures index: 0 <= \result < n;
    ensures largest: logit_ax(A, x, d, \result) == logit_max(A, x, d, n);
    ensures is_max: \forall integer k; 0 <= k < n ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, \result);
*/
static size_t argmax_logit(size_t n, const double *A, const double *x, size_t d,
                           bht_long_acc *acc)
{
    /* Row pointers walked by d (no product i d: linear bounds for WP). */
    size_t m = 0;
    const double *best = A, *row = A;
    /*@ loop invariant index: 1 <= i <= n;
        loop invariant m_index: 0 <= m < i;
        loop invariant row: \forall integer k; k + 1 == i ==> row == A + k * d;
        loop invariant best: best == A + m * d;
        loop invariant best_rows: \valid_read(best + (0 .. d - 1)) && all_finite(best, d);
        loop invariant largest: logit_ax(A, x, d, m) == logit_max(A, x, d, i);
        loop invariant is_max: \forall integer k; 0 <= k < i ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, m);
        loop invariant ok: long_acc_ok(acc);
        loop assigns i, m, row, best, *acc;
        loop variant n - i;
    */
    for (size_t i = 1; i < n; i++) {
        //@ assert step: (i - 1) * d + d == i * d;
        row += d;
        //@ assert row_i: row == A + i * d;
        matrix_row(n, A, d, i);
        //@ assert row_valid: \valid_read(A + i * d + (0 .. d - 1)) && all_finite(A + i * d, d);
        row_difference(acc, d, row, best, x);
        //@ assert diff: long_acc_value(acc) == logit_ax(A, x, d, i) - logit_ax(A, x, d, m);
        //@ assert kept: \forall integer k; 0 <= k < i ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, m);
        if (bht_long_acc_sign(acc) > 0) {
            //@ assert above: logit_ax(A, x, d, i) > logit_ax(A, x, d, m);
            //@ assert up: \forall integer k; 0 <= k < i + 1 ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, i);
            m = i;
            best = row;
        } else {
            //@ assert below: logit_ax(A, x, d, i) <= logit_ax(A, x, d, m);
            //@ assert down: \forall integer k; 0 <= k < i + 1 ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, m);
        }
        //@ assert next_row: row == A + i * d && best == A + m * d;
        //@ assert next_largest: logit_ax(A, x, d, m) == logit_max(A, x, d, i + 1);
        //@ assert next_is_max: \forall integer k; 0 <= k < i + 1 ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, m);
        //@ assert no_wrap: (size_t)(i + 1) == i + 1;
    }
    return m;
}

/* t_i = (A x)_i - (A x)_m <= 0 as a double-double th + tl: th = RN(t_i) and
 * tl = RN(t_i - th) from the exact row difference in the long accumulator,
 * so |th + tl - t_i| <= 2^-106 |t_i|.  Returns 0 (and no t) when t_i <
 * SHIFTED_LOGIT_FLOOR, which includes differences beyond the double range
 * (2^2000 from A x): such p_i round to +0. */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires d_range: 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires indices: 0 <= i < n && 0 <= m < n;
    requires ok: long_acc_ok(acc);
    requires rows: ai == A + i * d && am == A + m * d
      && \valid_read(ai + (0 .. d - 1)) && all_finite(ai, d)
      && \valid_read(am + (0 .. d - 1)) && all_finite(am, d);
    requires valid: \valid_read(x + (0 .. d - 1)) && all_finite(x, d);
    requires valid_t: \valid(th) && \valid(tl) && \separated(th, tl);
    assigns *acc, *th, *tl, errno;
    ensures ok: long_acc_ok(acc);
    ensures result: \result == 0 || \result == 1;
    ensures range: \result == 1 ==> \is_finite(*th) && \is_finite(*tl)
                   && -746 <= *th <= 0 && \abs(*tl) <= 0x1p-40;
    ensures self: ai == am ==> \result == 1 && *th == 0 && *tl == 0;
    behavior at_max:
      assumes largest: logit_ax(A, x, d, m) == logit_max(A, x, d, n);
      assumes is_max: \forall integer k; 0 <= k < n ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, m);
      ensures kept: \result == 1 <==> \at(shift_kept(A, x, n, d, i), Pre);
      ensures pair: \result == 1 ==> *th == \old(shift_hi(A, x, n, d, i))
                                     && *tl == \old(shift_lo(A, x, n, d, i));
*/
static int shifted_logit(size_t n, const double *A, const double *x, size_t d, size_t i,
                         size_t m, const double *ai, const double *am, bht_long_acc *acc,
                         double *th, double *tl)
{
    /* n, A, i, m: used by the contract only (ai, am are rows i, m of A). */
    (void)n;
    (void)A;
    (void)i;
    (void)m;
    //@ for at_max: assert value_is_shift: logit_ax(A, x, d, i) - logit_ax(A, x, d, m) == shift_ax(A, x, n, d, i);
    row_difference(acc, d, ai, am, x);
    //@ assert diff: long_acc_value(acc) == logit_ax(A, x, d, i) - logit_ax(A, x, d, m);
    //@ assert self_zero: ai == am ==> long_acc_value(acc) == 0;
    //@ for at_max: assert value: long_acc_value(acc) == shift_ax(A, x, n, d, i) <= 0;
    double hi = bht_long_acc_round(acc, 0);
    //@ assert hi_big: \abs(long_acc_value(acc)) > 0x1.fffffffffffffp1023 ==> \abs(hi) >= 0x1.fffffffffffffp1023;
    //@ assert hi_rn_v: \abs(long_acc_value(acc)) <= 0x1.fffffffffffffp1023 ==> \is_finite(hi) && hi == rn(long_acc_value(acc)) && \abs(hi - long_acc_value(acc)) <= 0x1p-53 * \abs(long_acc_value(acc)) + 0x1p-1075;
    //@ assert self_hi: ai == am ==> \is_finite(hi) && hi == 0;
    //@ for at_max: assert hi_nonpos: !\is_NaN(hi) && hi <= 0;
    //@ for at_max: assert hi_huge: shift_ax(A, x, n, d, i) < -0x1.fffffffffffffp1023 ==> hi <= -0x1.fffffffffffffp1023;
    //@ for at_max: assert hi_rn: -0x1.fffffffffffffp1023 <= shift_ax(A, x, n, d, i) ==> hi == shift_hi(A, x, n, d, i);
    /* hi <= 0 holds whenever m is the largest logit (the value is <= 0);
     * testing it as well tells WP that hi is not +infinity (the rounding's
     * contract speaks of its real value only), so that the kept hi is
     * finite.  Same results. */
    if (!(hi >= SHIFTED_LOGIT_FLOOR && hi <= 0.0)) {
        //@ for at_max: assert dropped: !shift_kept(A, x, n, d, i);
        return 0;
    }
    //@ assert hi_finite0: \is_finite(hi);
    //@ assert ge: -746 <= hi <= 0;
    //@ assert v_range: \abs(long_acc_value(acc)) <= 0x1.fffffffffffffp1023;
    //@ assert v_near: \abs(long_acc_value(acc) - hi) <= 0x1p-43;
    //@ for at_max: assert in_range: -0x1.fffffffffffffp1023 <= shift_ax(A, x, n, d, i);
    //@ for at_max: assert hi_finite: \is_finite(hi) && hi == shift_hi(A, x, n, d, i);
    //@ for at_max: assert kept: shift_kept(A, x, n, d, i);
    bht_long_acc_sub(acc, hi);
    //@ for at_max: assert rest: long_acc_value(acc) == shift_ax(A, x, n, d, i) - shift_hi(A, x, n, d, i);
    //@ assert self_rest: ai == am ==> long_acc_value(acc) == 0;
    //@ assert rest_small: \abs(long_acc_value(acc)) <= 0x1p-43;
    double lo = bht_long_acc_round(acc, 0);
    //@ for at_max: assert lo_val: lo == shift_lo(A, x, n, d, i);
    *th = hi;
    *tl = lo;
    return 1;
}

/* Every row of A, in quantified form, and its first row (argmax_logit's
 * first_row): a lemma function for WP, by induction over the rows
 * (matrix_row; argmax_logit calls matrix_row for each row itself).  The loop
 * has no effect (the compiler removes it). */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires d_range: 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires valid: \valid_read(A + (0 .. n * d - 1)) && all_finite(A, n * d);
    assigns \nothing;
    ensures rows: \forall integer r; 0 <= r < n ==> r * d <= 0x1p56
      && \valid_read(A + r * d + (0 .. d - 1)) && all_finite(A + r * d, d);
    ensures first_row: \valid_read(A + (0 .. d - 1)) && all_finite(A, d);
*/
static void matrix_rows(size_t n, const double *A, size_t d)
{
    matrix_row(n, A, d, 0);
    //@ assert first_row: \valid_read(A + (0 .. d - 1)) && all_finite(A, d);
    /*@ loop invariant index: 0 <= r <= n;
        loop invariant rows: \forall integer k; 0 <= k < r ==> k * d <= 0x1p56
          && \valid_read(A + k * d + (0 .. d - 1)) && all_finite(A + k * d, d);
        loop assigns r;
        loop variant n - r;
    */
    for (size_t r = 0; r < n; r++)
        matrix_row(n, A, d, r);
}

/* The exponential of the self term t_m = 0 (ghost lemma function; its goal
 * has no other context).  In softmax_exp_term the case i == m makes Qed fold
 * t = th + tl = 0 into the \exp(th + tl) of bht_dd_exp's contract, and the
 * folded goal is ill-typed for Why3 ("Type mismatch between real and int"):
 * there the call's premises and the conclusions of the case i == m are
 * closed by Qed alone. */
/*@ ghost
  /@ requires e: eh == exp_hi(A, x, n, d, i) && el == exp_lo(A, x, n, d, i);
     requires sum: eh + el >= 0.99;
     assigns \nothing;
     ensures sum: exp_hi(A, x, n, d, i) + exp_lo(A, x, n, d, i) >= 0.99;
  @/
  static void self_exp_bound(const double *A, const double *x, size_t n, size_t d, size_t i,
                             double eh, double el)
  {
  }
*/

/* Term i of the sum S (step 3 of softmax_core): (bh, bl) = (RN(e_h 2^s),
 * RN(e_l 2^s)) with (e_h, e_l, s) the dd exponential of t_i; returns 0 (no
 * term) when t_i is below the floor.  A separate function so that the
 * proof of each step has a small context; same operations as inline. */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires d_range: 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires indices: 0 <= i < n && 0 <= m < n;
    requires ok: long_acc_ok(acc);
    requires rows: ai == A + i * d && am == A + m * d
      && \valid_read(ai + (0 .. d - 1)) && all_finite(ai, d)
      && \valid_read(am + (0 .. d - 1)) && all_finite(am, d);
    requires valid: \valid_read(x + (0 .. d - 1)) && all_finite(x, d);
    requires largest: logit_ax(A, x, d, m) == logit_max(A, x, d, n);
    requires is_max: \forall integer k; 0 <= k < n ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, m);
    requires valid_b: \valid(bh) && \valid(bl) && \separated(bh, bl);
    assigns *acc, *bh, *bl, errno;
    ensures ok: long_acc_ok(acc);
    ensures result: \result == 0 || \result == 1;
    ensures kept: \result == 1 <==> \old(shift_kept(A, x, n, d, i));
    ensures term: \result == 1 ==>
      *bh == \old(rn(exp_hi(A, x, n, d, i) * \pow(2.0, exp_scale(A, x, n, d, i))))
      && *bl == \old(rn(exp_lo(A, x, n, d, i) * \pow(2.0, exp_scale(A, x, n, d, i))));
    ensures range: \result == 1 ==> \is_finite(*bh) && \is_finite(*bl)
                                    && 0 <= *bh <= 2 && \abs(*bl) <= *bh;
    ensures self: i == m ==> \result == 1 && \old(exp_scale(A, x, n, d, i)) == 0
                             && \old(exp_hi(A, x, n, d, i)) + \old(exp_lo(A, x, n, d, i)) >= 0.99;
    ensures unscaled: \result == 1 && \old(exp_scale(A, x, n, d, i)) == 0 ==>
                      *bh == \old(exp_hi(A, x, n, d, i)) && *bl == \old(exp_lo(A, x, n, d, i));
*/
static int softmax_exp_term(size_t n, const double *A, const double *x, size_t d, size_t i,
                            size_t m, const double *ai, const double *am, bht_long_acc *acc,
                            double *bh, double *bl)
{
    double th, tl, eh, el, b_h, b_l;
    int scale;
    if (!shifted_logit(n, A, x, d, i, m, ai, am, acc, &th, &tl))
        return 0;
    //@ assert self_t: i == m ==> th == 0 && tl == 0;
    //@ assert t_pair: th == shift_hi(A, x, n, d, i) && tl == shift_lo(A, x, n, d, i);
    bht_dd_exp(th, tl, &eh, &el, &scale);
    //@ assert e_args: dd_exp_hi(th, tl) == exp_hi(A, x, n, d, i) && dd_exp_lo(th, tl) == exp_lo(A, x, n, d, i) && dd_exp_scale(th, tl) == exp_scale(A, x, n, d, i);
    //@ assert e_pre: eh == exp_hi(A, x, n, d, i) && el == exp_lo(A, x, n, d, i) && scale == exp_scale(A, x, n, d, i);
    //@ assert self_e: i == m ==> scale == 0 && eh + el >= 0.99;
    //@ ghost if (i == m) self_exp_bound(A, x, n, d, i, eh, el);
    bht_dd_exp_scale_pair(eh, el, scale, &b_h, &b_l);
    *bh = b_h;
    *bl = b_l;
    return 1;
}

/* The code's comparison v > 1.0 as a real one (ghost lemma function: in
 * softmax_term's large context the provers do not derive v <= 1 from the
 * comparison being false). */
/*@ ghost
  /@ requires finite: \is_finite(v);
     assigns \nothing;
     ensures gt: \gt_double(v, (double)1.0) <==> v > 1;
  @/
  static void compare_one(double v)
  {
  }
*/

/* p_i given the sum (sum_hi, sum_lo) (step 4 of softmax_core): the dd
 * quotient of exp(t_i) by S, scaled and rounded once, clamped to 1; 0 when
 * t_i is below the floor.  A separate function for the same reason. */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires d_range: 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires indices: 0 <= i < n && 0 <= m < n;
    requires ok: long_acc_ok(acc);
    requires rows: ai == A + i * d && am == A + m * d
      && \valid_read(ai + (0 .. d - 1)) && all_finite(ai, d)
      && \valid_read(am + (0 .. d - 1)) && all_finite(am, d);
    requires valid: \valid_read(x + (0 .. d - 1)) && all_finite(x, d);
    requires largest: logit_ax(A, x, d, m) == logit_max(A, x, d, n);
    requires is_max: \forall integer k; 0 <= k < n ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, m);
    requires sum: \is_finite(sum_hi) && \is_finite(sum_lo) && 0.5 <= sum_hi <= 5 * n
                  && \abs(sum_lo) <= 0x1p-52 * sum_hi;
    assigns *acc, errno;
    ensures ok: long_acc_ok(acc);
    ensures range: finite_between(\result, 0.0, 1.0);
    ensures value: \result == \old(softmax_dd_out(A, x, n, d, i, sum_hi, sum_lo));
*/
static double softmax_term(size_t n, const double *A, const double *x, size_t d, size_t i,
                           size_t m, const double *ai, const double *am, bht_long_acc *acc,
                           double sum_hi, double sum_lo)
{
    double th, tl, eh, el, qh, ql;
    int scale;
    if (!shifted_logit(n, A, x, d, i, m, ai, am, acc, &th, &tl))
        return 0.0;
    //@ assert t_pair: th == shift_hi(A, x, n, d, i) && tl == shift_lo(A, x, n, d, i);
    bht_dd_exp(th, tl, &eh, &el, &scale);
    //@ assert e_args: dd_exp_hi(th, tl) == exp_hi(A, x, n, d, i) && dd_exp_lo(th, tl) == exp_lo(A, x, n, d, i) && dd_exp_scale(th, tl) == exp_scale(A, x, n, d, i);
    //@ assert e_pre: eh == exp_hi(A, x, n, d, i) && el == exp_lo(A, x, n, d, i) && scale == exp_scale(A, x, n, d, i);
    dd_div(eh, el, sum_hi, sum_lo, &qh, &ql);
    /*@ assert q_pre: qh == dd_div_hi(exp_hi(A, x, n, d, i), exp_lo(A, x, n, d, i), sum_hi, sum_lo)
                   && ql == dd_div_lo(exp_hi(A, x, n, d, i), exp_lo(A, x, n, d, i), sum_hi, sum_lo); */
    double pi = dd_ldexp_round(qh, ql, scale);
    /*@ assert r_pre: pi == rn(dd_scaled(dd_div_hi(exp_hi(A, x, n, d, i), exp_lo(A, x, n, d, i), sum_hi, sum_lo),
                                         dd_div_lo(exp_hi(A, x, n, d, i), exp_lo(A, x, n, d, i), sum_hi, sum_lo),
                                         exp_scale(A, x, n, d, i))); */
    /* Mathematical range [0, 1]; the clamp keeps it under rounding (pi
     * >= 0 already: dd_ldexp_round, leaf S5, so no lower clamp). */
    //@ ghost double p0 = pi;
    //@ assert p0_range: \is_finite(p0) && 0 <= p0;
    //@ ghost compare_one(p0);
    if (pi > 1.0)
        pi = 1.0;
    //@ assert clamp_then: p0 > 1 ==> pi == 1;
    //@ assert clamp_else: p0 <= 1 ==> pi == p0;
    //@ assert clamp_p0: pi == clamp01(p0);
    //@ assert pi_range: finite_between(pi, 0.0, 1.0);
    /*@ assert clamped: pi == clamp01(rn(dd_scaled(dd_div_hi(exp_hi(A, x, n, d, i), exp_lo(A, x, n, d, i), sum_hi, sum_lo),
                                                   dd_div_lo(exp_hi(A, x, n, d, i), exp_lo(A, x, n, d, i), sum_hi, sum_lo),
                                                   exp_scale(A, x, n, d, i)))); */
    return pi;
}

/* No cell of a[0 .. len d - 1] is q + k when the two ranges are separated
 * (ghost lemma function): the disequalities that the frame of the write
 * p[i] in store_output needs, without unfolding \separated there. */
/*@ ghost
  /@ requires sep: \separated(a + (0 .. len * d - 1), q + (0 .. m - 1));
     requires k: 0 <= k < m;
     assigns \nothing;
     ensures ne: \forall integer j; 0 <= j < len * d ==> a + j != q + k;
  @/
  static void cells_distinct(const double *a, size_t len, size_t d, const double *q, size_t m,
                             size_t k)
  {
  }
*/

/* p[i] = v, the write of step 4 (a separate function, no other effect:
 * the frame facts that softmax_core's second loop needs come from this
 * contract, proved in a small context; inline, the loop's goals time out). */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires d_range: 1 <= d <= BHT_SOFTMAX_MAX_N;
    requires i_range: 0 <= i < n;
    requires valid_p: \valid(p + (0 .. n - 1));
    requires separated: \separated(A + (0 .. n * d - 1), p + (0 .. n - 1))
                        && \separated(x + (0 .. d - 1), p + (0 .. n - 1));
    requires finite: all_finite(A, n * d) && all_finite(x, d);
    assigns p[i];
    ensures stored: p[i] == v && (\is_finite(p[i]) <==> \is_finite(v));
    ensures others: \forall integer k; 0 <= k < n && k != i ==> p[k] == \old(p[k]);
    ensures same_A: \forall integer j; 0 <= j < n * d ==> A[j] == \old(A[j]);
    ensures same_x: \forall integer j; 0 <= j < d ==> x[j] == \old(x[j]);
    ensures finite: all_finite(A, n * d) && all_finite(x, d);
*/
static void store_output(double *p, size_t i, double v, const double *A, const double *x,
                         size_t n, size_t d)
{
    /* A, x, n, d: used by the contract and the ghost calls only. */
    (void)A;
    (void)x;
    (void)n;
    (void)d;
    //@ ghost cells_distinct(A, n, d, p, n, i);
    //@ ghost cells_distinct(x, 1, d, p, n, i);
    p[i] = v;
}

/* Shared core.  Algorithm: (1) the largest logit z_m, decided exactly,
 * (2) shifted logits t_i = z_i - z_m <= 0 in double-double (for A x the
 * exact row difference rounded to dd), (3) S = sum exp(t_j)
 * with the double-double exponential and accurate dd additions, (4) p_i =
 * exp(t_i) / S in dd, rounded once to binary64 (subnormals included).
 * Bound: t_i is within 2^-106 |t_i| (746 2^-106 < 2^-96 absolute where it
 * matters), the dd quotient then has relative error < 2^-64 (exp 2^-66,
 * n <= 2^28 dd additions 2^-77, division 2^-102) and is rounded once, so
 * p_i is within 0.5 + 2^-11 ulp of the exact value (budget: 1 ulp).
 * Logits z: the vectorised kernel (softmax_lanes.c; same algorithm with the
 * sum in 8 fixed lanes, same bits on every instruction set; its contract is
 * assumed here).  A x path: proved by WP (proofs/proofs.mk): no run-time
 * error, every p_k finite in [0, 1], and p_k == softmax_dd(A, x, n, d, k)
 * (spec/softmax.h: the dd pipeline over the leaf facts S1-S5, LA1-LA7).
 * Steps 3 and 4 are softmax_exp_term and softmax_term (the write p[i]:
 * store_output).  The writes p[i] of
 * step 4 change the memory that A and x live in, so the second loop carries
 * softmax_inputs_same{Pre, Here} (A and x unchanged) and the frame axioms
 * of spec/softmax_frame.h (row S6, proved in Coq) move the logits back to
 * Pre; `result_dd` is the loop invariant `value` at i = n. */
/*@ requires n_range: 1 <= n <= BHT_SOFTMAX_MAX_N;
    requires valid_src: \valid_read(src);
    requires valid_p: \valid(p + (0 .. n - 1));
    requires separated_src: \separated(src, p + (0 .. n - 1));
    requires logits: src->z != \null ==>
        \valid_read(src->z + (0 .. n - 1)) && all_finite(src->z, n)
        && \separated(src->z + (0 .. n - 1), p + (0 .. n - 1));
    requires matrix: src->z == \null ==>
        1 <= src->d <= BHT_SOFTMAX_MAX_N
        && \valid_read(src->A + (0 .. n * src->d - 1)) && all_finite(src->A, n * src->d)
        && \valid_read(src->x + (0 .. src->d - 1)) && all_finite(src->x, src->d)
        && \separated(src->A + (0 .. n * src->d - 1), p + (0 .. n - 1))
        && \separated(src->x + (0 .. src->d - 1), p + (0 .. n - 1));
    assigns p[0 .. n - 1], errno;
    ensures result_in_unit: \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
    ensures result_dd: \old(src->z) == \null ==> \forall integer k; 0 <= k < n ==>
      p[k] == softmax_dd{Pre}(\old(src->A), \old(src->x), n, \old(src->d), k);
*/
static void softmax_core(size_t n, const softmax_source *src, double *p)
{
    if (src->z) {
        bht_softmax_lanes(n, src->z, p, BHT_SOFTMAX_PATH_AUTO);
        return;
    }
    const double *A = src->A, *x = src->x;
    size_t d = src->d;
    bht_long_acc acc;
    bht_long_acc_init(&acc);
    matrix_rows(n, A, d);
    size_t m = argmax_logit(n, A, x, d, &acc);
    matrix_row(n, A, d, m);
    //@ assert same_m: softmax_inputs_same{Pre, Here}(A, x, n, d);
    //@ assert m_largest: logit_ax{Pre}(A, x, d, m) == logit_max{Pre}(A, x, d, n);
    //@ assert m_is_max: \forall integer k; 0 <= k < n ==> logit_ax{Pre}(A, x, d, k) <= logit_ax{Pre}(A, x, d, m);

    double sum_hi = 0.0, sum_lo = 0.0;
    /*@ loop invariant index: 0 <= i <= n;
        loop invariant ok: long_acc_ok(&acc);
        loop invariant sum_range: \is_finite(sum_hi) && \is_finite(sum_lo)
                                  && 0 <= sum_hi <= 5 * i && \abs(sum_lo) <= 0x1p-52 * sum_hi;
        loop invariant sum_below: i > m ==> sum_hi + sum_lo >= 0.9 - i * 0x1p-60;
        loop invariant sum_hi_is: sum_hi == softmax_sum{Pre}(A, x, n, d, i, 0);
        loop invariant sum_lo_is: sum_lo == softmax_sum{Pre}(A, x, n, d, i, 1);
        loop assigns i, acc, sum_hi, sum_lo, errno;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        double bh, bl;
        matrix_row(n, A, d, i);
        if (!softmax_exp_term(n, A, x, d, i, m, A + i * d, A + m * d, &acc, &bh, &bl)) {
            //@ assert skipped_not_m: i != m;
            continue;
        }
        //@ assert term_pre: bh == rn(exp_hi{Pre}(A, x, n, d, i) * \pow(2.0, exp_scale{Pre}(A, x, n, d, i))) && bl == rn(exp_lo{Pre}(A, x, n, d, i) * \pow(2.0, exp_scale{Pre}(A, x, n, d, i)));
        //@ assert term: bh + bl >= 0;
        //@ assert self_term: i == m ==> bh + bl >= 0.99;
        //@ ghost double sh0 = sum_hi, sl0 = sum_lo;
        dd_add(sum_hi, sum_lo, bh, bl, &sum_hi, &sum_lo);
        //@ assert s_args: sum_hi == dd_add_hi(sh0, sl0, bh, bl) && sum_lo == dd_add_lo(sh0, sl0, bh, bl);
        //@ assert s_lower: sum_hi + sum_lo >= (sh0 + sl0 + bh + bl) * (1 - 0x1p-100);
        //@ assert s0_nonneg: 0 <= sh0 + sl0 <= 5 * i + 1;
        //@ assert s_below: i >= m ==> sum_hi + sum_lo >= 0.9 - (i + 1) * 0x1p-60;
        /*@ assert s_pre: sum_hi == dd_add_hi(softmax_sum{Pre}(A, x, n, d, i, 0), softmax_sum{Pre}(A, x, n, d, i, 1),
                                              rn(exp_hi{Pre}(A, x, n, d, i) * \pow(2.0, exp_scale{Pre}(A, x, n, d, i))),
                                              rn(exp_lo{Pre}(A, x, n, d, i) * \pow(2.0, exp_scale{Pre}(A, x, n, d, i))))
                         && sum_lo == dd_add_lo(softmax_sum{Pre}(A, x, n, d, i, 0), softmax_sum{Pre}(A, x, n, d, i, 1),
                                              rn(exp_hi{Pre}(A, x, n, d, i) * \pow(2.0, exp_scale{Pre}(A, x, n, d, i))),
                                              rn(exp_lo{Pre}(A, x, n, d, i) * \pow(2.0, exp_scale{Pre}(A, x, n, d, i)))); */
    }
    //@ assert sum_low: 0.5 <= sum_hi;
    //@ assert same_2: softmax_inputs_same{Pre, Here}(A, x, n, d);
    //@ assert a_ok: \valid_read(A + (0 .. n * d - 1)) && all_finite(A, n * d);

    /*@ loop invariant index: 0 <= i <= n;
        loop invariant ok: long_acc_ok(&acc);
        loop invariant a_ok: \valid_read(A + (0 .. n * d - 1)) && all_finite(A, n * d);
        loop invariant x_ok: \valid_read(x + (0 .. d - 1)) && all_finite(x, d);
        loop invariant same: softmax_inputs_same{Pre, Here}(A, x, n, d);
        loop invariant done: \forall integer k; 0 <= k < i ==> finite_between(p[k], 0.0, 1.0);
        loop invariant value: \forall integer k; 0 <= k < i ==> p[k] == softmax_dd{Pre}(A, x, n, d, k);
        loop assigns i, acc, p[0 .. n - 1], errno;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        matrix_row(n, A, d, i);
        matrix_row(n, A, d, m);
        //@ assert here_max: logit_max(A, x, d, n) == logit_max{Pre}(A, x, d, n);
        /*@ assert here_logits: \forall integer k; 0 <= k < n ==>
              shift_ax(A, x, n, d, k) == shift_ax{Pre}(A, x, n, d, k)
              && logit_ax(A, x, d, k) == logit_ax{Pre}(A, x, d, k); */
        //@ assert here_largest: logit_ax(A, x, d, m) == logit_max(A, x, d, n);
        //@ assert here_is_max: \forall integer k; 0 <= k < n ==> logit_ax(A, x, d, k) <= logit_ax(A, x, d, m);
        //@ assert here_shift: shift_ax(A, x, n, d, i) == shift_ax{Pre}(A, x, n, d, i);
        //@ assert here_hi: shift_hi(A, x, n, d, i) == shift_hi{Pre}(A, x, n, d, i);
        /*@ assert here_t: shift_ax(A, x, n, d, i) - shift_hi(A, x, n, d, i)
              == shift_ax{Pre}(A, x, n, d, i) - shift_hi{Pre}(A, x, n, d, i); */
        /*@ assert here_rn: rn(shift_ax(A, x, n, d, i) - shift_hi(A, x, n, d, i))
              == rn(shift_ax{Pre}(A, x, n, d, i) - shift_hi{Pre}(A, x, n, d, i)); */
        //@ assert here_lo_def: shift_lo(A, x, n, d, i) == rn(shift_ax(A, x, n, d, i) - shift_hi(A, x, n, d, i));
        //@ assert here_lo_pre: shift_lo{Pre}(A, x, n, d, i) == rn(shift_ax{Pre}(A, x, n, d, i) - shift_hi{Pre}(A, x, n, d, i));
        //@ assert here_lo: shift_lo(A, x, n, d, i) == shift_lo{Pre}(A, x, n, d, i);
        /*@ assert here_e: exp_hi(A, x, n, d, i) == exp_hi{Pre}(A, x, n, d, i)
              && exp_lo(A, x, n, d, i) == exp_lo{Pre}(A, x, n, d, i)
              && exp_scale(A, x, n, d, i) == exp_scale{Pre}(A, x, n, d, i); */
        /*@ assert here_exp: shift_hi(A, x, n, d, i) == shift_hi{Pre}(A, x, n, d, i)
              && exp_hi(A, x, n, d, i) == exp_hi{Pre}(A, x, n, d, i)
              && exp_lo(A, x, n, d, i) == exp_lo{Pre}(A, x, n, d, i)
              && exp_scale(A, x, n, d, i) == exp_scale{Pre}(A, x, n, d, i); */
        //@ assert here_out: softmax_dd_out(A, x, n, d, i, sum_hi, sum_lo) == softmax_dd_out{Pre}(A, x, n, d, i, sum_hi, sum_lo);
        double pi = softmax_term(n, A, x, d, i, m, A + i * d, A + m * d, &acc, sum_hi, sum_lo);
        //@ assert pi_out: pi == softmax_dd_out{Pre}(A, x, n, d, i, sum_hi, sum_lo);
        /*@ assert pi_sum: softmax_dd_out{Pre}(A, x, n, d, i, sum_hi, sum_lo)
              == softmax_dd_out{Pre}(A, x, n, d, i, softmax_sum{Pre}(A, x, n, d, n, 0), softmax_sum{Pre}(A, x, n, d, n, 1)); */
        //@ assert pi_pre: pi == softmax_dd{Pre}(A, x, n, d, i);
        store_output(p, i, pi, A, x, n, d);
        //@ assert value_i: p[i] == softmax_dd{Pre}(A, x, n, d, i);
    }
}

/* isfinite(v) by comparisons (false for NaN and infinities): the same
 * result, without the libc macro (whose float branch WP reports as dead). */
/*@ assigns \nothing;
    ensures finite: \result != 0 <==> \is_finite(v);
*/
static int finite_double(double v)
{
    if (v >= -DBL_MAX && v <= DBL_MAX) {
        //@ assert finite: \is_finite(v);
        return 1;
    }
    return 0;
}

/*@ requires valid_z: z != \null ==> \valid_read(z + (0 .. n - 1));
    requires valid_p: p != \null ==> \valid(p + (0 .. n - 1));
    requires separated: z != \null && p != \null ==>
                          \separated(z + (0 .. n - 1), p + (0 .. n - 1));
    assigns p[0 .. n - 1], errno;
    behavior invalid_arguments:
      assumes z == \null || p == \null || n == 0 || n > BHT_SOFTMAX_MAX_N;
      assigns \nothing;
      ensures invalid: \result == BHT_E_INVALID;
    behavior valid_arguments:
      assumes z != \null && p != \null && 0 < n <= BHT_SOFTMAX_MAX_N;
      ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE;
      ensures ok_iff_finite: \result == BHT_OK <==> all_finite(z, n);
      ensures result_in_unit: \result == BHT_OK ==>
        \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
    complete behaviors;
    disjoint behaviors;
*/
bht_status bht_softmax_logits(size_t n, const double *z, double *p)
{
    if (!z || !p || n == 0 || n > BHT_SOFTMAX_MAX_N)
        return BHT_E_INVALID;
    /*@ loop invariant index: 0 <= i <= n;
        loop invariant prefix_finite: all_finite(z, i);
        loop assigns i;
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++)
        if (!finite_double(z[i]))
            return BHT_E_NONFINITE;
    softmax_source src = {z, NULL, NULL, 0};
    softmax_core(n, &src, p);
    return BHT_OK;
}

/*@ requires valid_A: A != \null ==> \valid_read(A + (0 .. n * d - 1));
    requires valid_x: x != \null ==> \valid_read(x + (0 .. d - 1));
    requires valid_p: p != \null ==> \valid(p + (0 .. n - 1));
    requires separated: A != \null && x != \null && p != \null ==>
      \separated(A + (0 .. n * d - 1), p + (0 .. n - 1))
      && \separated(x + (0 .. d - 1), p + (0 .. n - 1));
    assigns p[0 .. n - 1], errno;
    behavior invalid_arguments:
      assumes A == \null || x == \null || p == \null || n == 0 || d == 0
              || n > BHT_SOFTMAX_MAX_N || d > BHT_SOFTMAX_MAX_N;
      assigns \nothing;
      ensures invalid: \result == BHT_E_INVALID;
    behavior valid_arguments:
      assumes A != \null && x != \null && p != \null && 0 < n <= BHT_SOFTMAX_MAX_N
              && 0 < d <= BHT_SOFTMAX_MAX_N;
      ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE;
      ensures ok_inputs_finite: \result == BHT_OK ==> all_finite(A, n * d) && all_finite(x, d);
      ensures nonfinite_input: \result == BHT_E_NONFINITE ==>
        (\exists integer j; 0 <= j < d && !\is_finite(x[j]))
        || (\exists integer k; 0 <= k < n * d && !\is_finite(A[k]));
      ensures result_in_unit: \result == BHT_OK ==>
        \forall integer k; 0 <= k < n ==> finite_between(p[k], 0.0, 1.0);
    complete behaviors;
    disjoint behaviors;
*/
bht_status bht_softmax(size_t n, size_t d, const double *A, const double *x, double *p)
{
    /* n, d <= 2^28 already keep n * d * sizeof(double) far from SIZE_MAX (a
     * run-time test of it could never fail, and WP's smoke test flags it). */
    _Static_assert(BHT_SOFTMAX_MAX_N <= SIZE_MAX / sizeof(double) / BHT_SOFTMAX_MAX_N,
                   "n * d * sizeof(double) must not wrap");
    if (!A || !x || !p || n == 0 || d == 0 || n > BHT_SOFTMAX_MAX_N
        || d > BHT_SOFTMAX_MAX_N)
        return BHT_E_INVALID;
    /* n * d <= 2^56 in two steps (each linear in one of n, d). */
    //@ assert nd_n: n * d <= 268435456 * d;
    //@ assert nd_d: 268435456 * d <= 268435456 * 268435456;
    //@ assert no_wrap: n * d <= SIZE_MAX / sizeof(double);
    /*@ loop invariant index: 0 <= j <= d;
        loop invariant prefix_finite: all_finite(x, j);
        loop assigns j;
        loop variant d - j;
    */
    for (size_t j = 0; j < d; j++)
        if (!finite_double(x[j])) {
            //@ assert nonfinite: !\is_finite(x[j]);
            return BHT_E_NONFINITE;
        }
    /*@ loop invariant index: 0 <= k <= n * d;
        loop invariant prefix_finite: all_finite(A, k);
        loop assigns k;
        loop variant n * d - k;
    */
    for (size_t k = 0; k < n * d; k++)
        if (!finite_double(A[k])) {
            //@ assert nonfinite: !\is_finite(A[k]);
            return BHT_E_NONFINITE;
        }
    softmax_source src = {NULL, A, x, d};
    softmax_core(n, &src, p);
    return BHT_OK;
}
