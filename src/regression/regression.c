/* regression.c: the double kernel bht_regression (bht.h) -- argument
 * checks, the input domain and the output stage, proved by Frama-C WP
 * (proofs/regression.mk; contract in spec/regression.h) -- around the
 * double-double evaluation with its running error bound (regression_run.c,
 * regression_eval.c; not proved, checked against the oracle by the tests). */
#include <float.h>
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

/* Output stage: is value certified by its error bound?  Accepts an exact
 * value (bound 0), or a finite value with |value| >= 2^-969 and bound <=
 * tolerance |value| (tolerance 2^-52 or 2^-50; tolerance |value| >= 2^-1021
 * is then a normal number, so the product below is exact). */
/*@ requires tolerance: tolerance == 0x1p-52 || tolerance == 0x1p-50;
    assigns \nothing;
    ensures boolean: \result == 0 || \result == 1;
    ensures accepted: \result == 1 ==>
      \is_finite(value) && \is_finite(bound) && 0.0 <= bound
      && bound <= tolerance * \abs(value);
*/
int regression_accept(double value, double bound, double tolerance)
{
    if (!(bound >= 0.0 && bound <= DBL_MAX && value >= -DBL_MAX && value <= DBL_MAX))
        return 0;
    //@ assert finite: \is_finite(value) && \is_finite(bound);
    double magnitude = value < 0.0 ? -value : value;
    //@ assert magnitude: magnitude == \abs(value);
    if (bound == 0.0)
        return 1;
    if (!(magnitude >= 0x1p-969))
        return 0;
    double limit = magnitude * tolerance;
    //@ assert exact_scaling: limit == magnitude * tolerance;
    return bound <= limit ? 1 : 0;
}

/* Output stage of the loss: stores an accepted, non-negative value. */
/*@ requires valid: \valid(loss);
    assigns *loss;
    ensures boolean: \result == 0 || \result == 1;
    ensures stored: \result == 1 ==>
      *loss == value && \is_finite(value) && value >= 0.0 && 0.0 <= bound
      && bound <= 0x1p-52 * \abs(value);
*/
int regression_store_loss(double value, double bound, double *loss)
{
    if (!(value >= 0.0) || !regression_accept(value, bound, 0x1p-52))
        return 0;
    *loss = value;
    return 1;
}

/* Output stage of the Hessian: entry (j, k) and (k, j) both come from the
 * upper triangle of values (row-major d-by-d), so the result is symmetric
 * whatever values holds below its diagonal. */
/*@ requires dims: 0 < d <= BHT_REGRESSION_MAX_D;
    requires valid_values: \valid_read(values + (0 .. d * d - 1));
    requires valid_hessian: \valid(hessian + (0 .. d * d - 1));
    requires separated: \separated(values + (0 .. d * d - 1), hessian + (0 .. d * d - 1));
    assigns hessian[0 .. d * d - 1];
    ensures upper: \forall integer j, k; 0 <= j <= k < d ==>
      hessian[j * d + k] == values[j * d + k];
    ensures lower: \forall integer j, k; 0 <= k < j < d ==>
      hessian[j * d + k] == values[k * d + j];
    ensures symmetric: \forall integer j, k; 0 <= j < d && 0 <= k < d ==>
      hessian[j * d + k] == hessian[k * d + j];
*/
void regression_store_hessian(size_t d, const double *values, double *hessian)
{
    /*@ loop invariant rows: 0 <= j <= d;
        loop invariant upper_done: \forall integer r, c; 0 <= r < j && r <= c < d ==>
          hessian[r * d + c] == values[r * d + c];
        loop invariant lower_done: \forall integer r, c; 0 <= c < r < d && c < j ==>
          hessian[r * d + c] == values[c * d + r];
        loop assigns j, hessian[0 .. d * d - 1];
        loop variant d - j;
    */
    for (size_t j = 0; j < d; j++) {
        /*@ loop invariant cols: j <= k <= d;
            loop invariant upper_done: \forall integer r, c; 0 <= r < j && r <= c < d ==>
              hessian[r * d + c] == values[r * d + c];
            loop invariant lower_done: \forall integer r, c; 0 <= c < r < d && c < j ==>
              hessian[r * d + c] == values[c * d + r];
            loop invariant row_upper: \forall integer c; j <= c < k ==>
              hessian[j * d + c] == values[j * d + c];
            loop invariant col_lower: \forall integer r; j < r < k ==>
              hessian[r * d + j] == values[j * d + r];
            loop assigns k, hessian[0 .. d * d - 1];
            loop variant d - k;
        */
        for (size_t k = j; k < d; k++) {
            //@ assert index_upper: j * d + k < d * d;
            //@ assert index_lower: k * d + j < d * d;
            double v = values[j * d + k];
            hessian[j * d + k] = v;
            hessian[k * d + j] = v;
        }
    }
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

bht_status bht_regression(size_t n, size_t d, const double *A, const double *b,
                          const double *w, const double *x, double *loss, double *gradient,
                          double *hessian, bht_regression_refusal *refusal)
{
    if (!A || !b || !x || n == 0 || d == 0 || n > BHT_REGRESSION_MAX_N
        || d > BHT_REGRESSION_MAX_D || n * d > BHT_MAX_VALUES)
        return BHT_E_INVALID;
    /* NaN or infinity anywhere first, then the domain (refusal->col
     * numbers the arrays: 0 A, 1 b, 2 w, 3 x) */
    size_t first_A = 0, first_b = 0, first_w = 0, first_x = 0;
    bht_status in_A = scan(A, n * d, &first_A);
    if (in_A == BHT_E_NONFINITE)
        return in_A;
    bht_status in_b = scan(b, n, &first_b);
    if (in_b == BHT_E_NONFINITE)
        return in_b;
    bht_status in_w = w ? scan(w, n, &first_w) : BHT_OK;
    if (in_w == BHT_E_NONFINITE)
        return in_w;
    bht_status in_x = scan(x, d, &first_x);
    if (in_x == BHT_E_NONFINITE)
        return in_x;
    if (in_A != BHT_OK)
        return domain_refusal(refusal, 0, first_A);
    if (in_b != BHT_OK)
        return domain_refusal(refusal, 1, first_b);
    if (in_w != BHT_OK)
        return domain_refusal(refusal, 2, first_w);
    if (in_x != BHT_OK)
        return domain_refusal(refusal, 3, first_x);
    return regression_run(n, d, A, b, w, x, loss, gradient, hessian, refusal);
}
