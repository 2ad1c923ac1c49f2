/* oracle_internal.h: building blocks shared by every MPFR oracle.
 *
 * Rounding target: binary64, round to nearest even, subnormals exact,
 * overflow to infinity.  The MPFR exponent range is never changed (it is
 * process-wide state); binary64 rounding is emulated by rounding to the
 * precision the binary64 grid has at the value's binade.
 *
 * Ziv's strategy: an oracle evaluates its formula at working precision P
 * together with a rigorous absolute error bound 2^err_exp per output; the
 * output is decided when both ends of [y - 2^err_exp, y + 2^err_exp] round
 * to the same double (round-to-nearest is monotone, so every value in the
 * interval, the exact one included, rounds to it).  Otherwise P grows. */
#ifndef BHT_ORACLE_INTERNAL_H
#define BHT_ORACLE_INTERNAL_H

#include <gmp.h>
#include <mpfr.h>
#include <stdbool.h>
#include "bht.h"

/* Correctly rounded binary64 value of v (exact rounding of v itself). */
double bht__oracle_round_binary64(mpfr_srcptr v);

/* Correctly rounded (ties to even, subnormals, overflow to infinity)
 * binary64 value of a rational of any sign, exactly: no Ziv loop. */
double bht__oracle_round_rational(const mpq_t q);

/* Vectors of GMP rationals: all count entries initialised (to 0), or NULL
 * when out of memory; free accepts NULL. */
mpq_t *bht__oracle_qvec_new(size_t count);
void bht__oracle_qvec_free(mpq_t *v, size_t count);

/* Error-bound building blocks (every operation rounded upward):
 * acc += |a| |b| (tmp is scratch), and out = 2^-prec |v|, the rounding
 * error bound of a value rounded to prec bits. */
void bht__oracle_add_abs_product(mpfr_ptr acc, mpfr_srcptr a, mpfr_srcptr b, mpfr_ptr tmp);
void bht__oracle_relative_bound(mpfr_ptr out, mpfr_srcptr v, mpfr_prec_t prec);

/* The size and finiteness checks shared by the softmax-model oracles (the
 * callers check their own pointers first): BHT_E_INVALID unless
 * 1 <= n, d <= BHT_SOFTMAX_MAX_N and n d doubles fit in size_t, then
 * BHT_E_NONFINITE if x or A (or B, when not NULL) holds a non-finite value. */
bht_status bht__oracle_check_model(size_t n, size_t d, const double *A, const double *B,
                                   const double *x);

/* If every real within 2^err_exp of y rounds to the same double, store it
 * in *out and return true. */
bool bht__oracle_decide(mpfr_srcptr y, mpfr_exp_t err_exp, double *out);

/* As oracle_decide with the bound given as a non-negative MPFR number
 * (computed with upward rounding); a zero bound means y is exact and is
 * rounded directly (this is how exact ties are handled). */
bool bht__oracle_decide_bound(mpfr_srcptr y, mpfr_srcptr bound, double *out);

/* Variants: ORACLE_NONNEGATIVE uses that the exact value is >= 0 (the
 * enclosure is clipped at 0); ORACLE_ZERO_SIGN_FREE accepts +0 when the
 * enclosure rounds to zeros of both signs (the sign of a result below half
 * the least subnormal is then not certified; documented where used). */
enum oracle_decide_mode { ORACLE_PLAIN, ORACLE_NONNEGATIVE, ORACLE_ZERO_SIGN_FREE };
bool bht__oracle_decide_bound_mode(mpfr_srcptr y, mpfr_srcptr bound, enum oracle_decide_mode mode,
                              double *out);

/* One evaluation at precision prec: BHT_OK when every output was decided,
 * BHT_E_PRECISION to ask for more precision, any other status aborts. */
typedef bht_status (*oracle_attempt_fn)(void *context, mpfr_prec_t prec);

/* Ziv driver: calls attempt at precision start, then 1.5x larger, until it
 * decides or the cap of options is exceeded (BHT_E_PRECISION). */
bht_status bht__oracle_ziv(const bht_oracle_options *options, bht_oracle_report *report,
                      mpfr_prec_t automatic_start, oracle_attempt_fn attempt, void *context);

/* n MPFR numbers of one precision in two allocations (significands in one
 * block): cheaper than n mpfr_init2 calls for n up to millions.  ptr[i] is
 * the i-th number, usable wherever an mpfr_ptr is; all start at +0. */
typedef struct oracle_vector {
    size_t n;
    __mpfr_struct *numbers;
    unsigned char *significands;
    mpfr_ptr *ptr;
} oracle_vector;

bht_status bht__oracle_vector_init(oracle_vector *v, size_t n, mpfr_prec_t prec);
void bht__oracle_vector_clear(oracle_vector *v);
/* Clears every vector of a NULL-terminated list, as mpfr_clears does;
 * each must be initialised or zero ({0}). */
void bht__oracle_vectors_clear(oracle_vector *v, ...);

/* ------------------------------------------------ shared model evaluations */

/* softmax(z) (z != NULL) or softmax(A x) (A n-by-d, x of length d). */
typedef struct oracle_softmax_input {
    size_t n, d;
    const double *z;
    const double *A, *x;
} oracle_softmax_input;

/* p~ = softmax at precision prec into p (n numbers of precision prec) with
 * |p~_i - p_i| <= 2^err_exp[i] (softmax_oracle.c has the analysis).  A zero
 * p~_i means p_i < 2^-2164 (err_exp[i] = -2164). */
bht_status bht__oracle_softmax_eval(const oracle_softmax_input *in, mpfr_prec_t prec,
                               oracle_vector *p, mpfr_exp_t *err_exp);

/* Number of bits of n (0 for 0): n < 2^bht__oracle_bits(n). */
int bht__oracle_bits(size_t n);

/* Smallest e with x <= 2^e, for x > 0 a double (a safe upper exponent). */
mpfr_exp_t bht__oracle_ceil_log2(double x);

/* ------------------------------------------------ planner (plan.c) */

/* Fills out from H at the chosen query (at: oracle values) and a rigorous
 * upper bound h2_upper <= 1 of sup H^2: delta_lower, delta_upper and the
 * query counts documented at bht_plan_softmax. */
bht_status bht__plan_fill(const bht_distances *at, double h2_upper, double error,
                     bht_plan_result *out);

#endif
