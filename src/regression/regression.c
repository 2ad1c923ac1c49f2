/* regression.c: the double kernel bht_regression (bht.h) -- argument
 * checks, the input domain and the output stage, proved by Frama-C WP
 * (proofs/regression.mk; contract in spec/regression.h) -- around the
 * double-double evaluation with its running error bound (regression_run.c,
 * regression_eval.c; not proved, checked against the oracle by the tests). */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include "bht.h"
#include "regression_internal.h"

/* v within the kernel's domain: finite, |v| <= 2^100.  Plain comparisons
 * (false for NaN) instead of isfinite/fabs: no libc contract needed. */
/*@ assigns \nothing;
    ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE || \result == BHT_E_RANGE;
    ensures ok_in_range: \result == BHT_OK <==> finite_in(v, 0x1p100);
    ensures nonfinite: \result == BHT_E_NONFINITE <==> !\is_finite(v);
*/
static bht_status classify(double v)
{
    if (v >= -BHT_REGRESSION_MAX_ABS && v <= BHT_REGRESSION_MAX_ABS) {
        //@ assert finite: \is_finite(v);
        return BHT_OK;
    }
    if (v >= -DBL_MAX && v <= DBL_MAX) {
        //@ assert finite: \is_finite(v);
        return BHT_E_RANGE;
    }
    return BHT_E_NONFINITE;
}

/* Scans a[0 .. k-1]: BHT_E_NONFINITE if any entry is NaN or infinite
 * (that takes precedence), else BHT_E_RANGE with *first = the first entry
 * beyond 2^100, else BHT_OK. */
/*@ requires valid: \valid_read(a + (0 .. k - 1));
    requires valid_first: \valid(first) && \separated(first, a + (0 .. k - 1));
    requires size: k <= BHT_MAX_VALUES;
    assigns *first;
    ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE || \result == BHT_E_RANGE;
    ensures ok_in_range: \result == BHT_OK ==> reg_all_in_range(a, k);
    ensures first_index: \result == BHT_E_RANGE ==> 0 <= *first < k;
*/
static bht_status scan(const double *a, size_t k, size_t *first)
{
    bht_status worst = BHT_OK;
    *first = 0;
    /*@ loop invariant index: 0 <= i <= k;
        loop invariant worst_kind: worst == BHT_OK || worst == BHT_E_RANGE;
        loop invariant prefix_in_range: worst == BHT_OK ==> reg_all_in_range(a, i);
        loop invariant first_seen: worst == BHT_E_RANGE ==> 0 <= *first < i;
        loop assigns i, worst, *first;
        loop variant k - i;
    */
    for (size_t i = 0; i < k; i++) {
        bht_status s = classify(a[i]);
        if (s == BHT_E_NONFINITE)
            return s;
        if (s == BHT_E_RANGE && worst == BHT_OK) {
            worst = s;
            *first = i;
        }
    }
    return worst;
}

/* m t for t = 2^-52 or 2^-50 and m in [2^-969, DBL_MAX]: the product is a
 * normal number (>= 2^-1021) and a power-of-two scaling of a double, hence
 * exact.  Trusted leaf R1 (proofs/TRUSTED_BASE.md; WP's provers
 * do not derive exactness of scalings), tested against MPFR in
 * tests/regression/test_regression.c (trusted_scaling). */
/*@ requires range: 0x1p-969 <= m <= 0x1.fffffffffffffp1023;
    requires tolerance: t == 0x1p-52 || t == 0x1p-50;
    assigns \nothing;
    ensures finite: \is_finite(\result);
    admit ensures exact: \result == m * t;
*/
double bht__regression_scale_exact(double m, double t)
{
    return m * t;
}

/* Output stage: is value certified by its error bound?  Accepts an exact
 * value (bound 0), or a finite value with |value| >= 2^-969 and bound <=
 * tolerance |value| (tolerance 2^-52 or 2^-50; the product is exact: R1). */
/*@ requires tolerance: tolerance == 0x1p-52 || tolerance == 0x1p-50;
    assigns \nothing;
    ensures boolean: \result == 0 || \result == 1;
    ensures accepted: \result == 1 ==>
      \is_finite(value) && \is_finite(bound) && 0.0 <= bound
      && bound <= tolerance * \abs(value);
*/
int bht__regression_accept(double value, double bound, double tolerance)
{
    if (!(bound >= 0.0 && bound <= DBL_MAX && value >= -DBL_MAX && value <= DBL_MAX))
        return 0;
    //@ assert finite: \is_finite(value) && \is_finite(bound);
    double magnitude = fabs(value); /* libc contract: >= 0 and = +-value */
    //@ assert magnitude: magnitude == \abs(value);
    if (bound == 0.0)
        return 1;
    if (!(magnitude >= 0x1p-969))
        return 0;
    double limit = bht__regression_scale_exact(magnitude, tolerance);
    //@ assert limit: limit == tolerance * \abs(value);
    if (bound <= limit) {
        //@ assert certified: bound <= tolerance * \abs(value);
        return 1;
    }
    return 0;
}

/* Output stage of the loss: stores an accepted, non-negative value. */
/*@ requires valid: \valid(loss);
    assigns *loss;
    ensures boolean: \result == 0 || \result == 1;
    ensures stored: \result == 1 ==>
      *loss == value && \is_finite(value) && value >= 0.0 && 0.0 <= bound
      && bound <= 0x1p-52 * \abs(value);
*/
int bht__regression_store_loss(double value, double bound, double *loss)
{
    if (!(value >= 0.0) || !bht__regression_accept(value, bound, 0x1p-52))
        return 0;
    *loss = value;
    return 1;
}

/* Output stage of the gradient and the Hessian: copies k accepted values
 * (a loop, not memcpy: WP's typed model cannot use memcpy's char contract). */
/*@ requires size: k <= BHT_MAX_VALUES;
    requires valid_values: \valid_read(values + (0 .. k - 1));
    requires valid_out: \valid(out + (0 .. k - 1));
    requires separated: \separated(values + (0 .. k - 1), out + (0 .. k - 1));
    assigns out[0 .. k - 1];
    ensures copied: \forall integer t; 0 <= t < k ==> out[t] == values[t];
*/
void bht__regression_store_values(size_t k, const double *values, double *out)
{
    /*@ loop invariant index: 0 <= t <= k;
        loop invariant copied: \forall integer u; 0 <= u < t ==> out[u] == values[u];
        loop assigns t, out[0 .. k - 1];
        loop variant k - t;
    */
    for (size_t t = 0; t < k; t++)
        out[t] = values[t];
}

/* BHT_E_RANGE for an input beyond the domain, with its place. */
/*@ requires valid: refusal != \null ==> \valid(refusal);
    assigns *refusal;
    ensures range: \result == BHT_E_RANGE;
*/
static bht_status domain_refusal(bht_regression_refusal *refusal, size_t array, size_t index)
{
    if (refusal) {
        refusal->output = BHT_REGRESSION_DOMAIN;
        refusal->row = index;
        refusal->col = array;
        refusal->value = 0.0;
        refusal->bound = 0.0;
    }
    return BHT_E_RANGE;
}

/* Scans the four inputs: NaN or infinity anywhere first (BHT_E_NONFINITE),
 * then the domain (BHT_E_RANGE with *array, *index naming the first entry
 * beyond 2^100: array 0 A, 1 b, 2 w, 3 x). */
/*@ requires dims: 0 < n <= BHT_REGRESSION_MAX_N && 0 < d <= BHT_REGRESSION_MAX_D
                   && n * d <= BHT_MAX_VALUES;
    requires inputs: reg_inputs_valid(A, b, w, x, n, d);
    requires places: \valid(array) && \valid(index) && \separated(array, index);
    assigns *array, *index;
    ensures status: \result == BHT_OK || \result == BHT_E_NONFINITE || \result == BHT_E_RANGE;
    ensures ok_in_range: \result == BHT_OK ==> reg_inputs_in_range(A, b, w, x, n, d);
    ensures which: \result == BHT_E_RANGE ==> 0 <= *array <= 3;
*/
static bht_status check_inputs(size_t n, size_t d, const double *A, const double *b,
                               const double *w, const double *x, size_t *array, size_t *index)
{
    size_t first_A = 0, first_b = 0, first_w = 0, first_x = 0;
    *array = 0;
    *index = 0;
    bht_status in_A = scan(A, n * d, &first_A);
    if (in_A == BHT_E_NONFINITE)
        return in_A;
    bht_status in_b = scan(b, n, &first_b);
    if (in_b == BHT_E_NONFINITE)
        return in_b;
    bht_status in_w = BHT_OK;
    if (w) {
        in_w = scan(w, n, &first_w);
        if (in_w == BHT_E_NONFINITE)
            return in_w;
    }
    bht_status in_x = scan(x, d, &first_x);
    if (in_x == BHT_E_NONFINITE)
        return in_x;
    if (in_A != BHT_OK) {
        *index = first_A;
        return BHT_E_RANGE;
    }
    if (in_b != BHT_OK) {
        *array = 1;
        *index = first_b;
        return BHT_E_RANGE;
    }
    if (in_w != BHT_OK) {
        *array = 2;
        *index = first_w;
        return BHT_E_RANGE;
    }
    if (in_x != BHT_OK) {
        *array = 3;
        *index = first_x;
        return BHT_E_RANGE;
    }
    return BHT_OK;
}

bht_status bht_regression(size_t n, size_t d, const double *A, const double *b,
                          const double *w, const double *x, double *loss, double *gradient,
                          double *hessian, bht_regression_refusal *refusal)
{
    if (!A || !b || !x || n == 0 || d == 0 || n > BHT_REGRESSION_MAX_N
        || d > BHT_REGRESSION_MAX_D || n * d > BHT_MAX_VALUES)
        return BHT_E_INVALID;
    size_t array = 0, index = 0;
    bht_status status = check_inputs(n, d, A, b, w, x, &array, &index);
    if (status == BHT_E_RANGE)
        return domain_refusal(refusal, array, index);
    if (status != BHT_OK)
        return status;
    return bht__regression_run(n, d, A, b, w, x, loss, gradient, hessian, refusal);
}
