/* constraints.c: exact membership tests for the paper's constraint sets. */
#include <math.h>
#include "search/constraints_internal.h"
#include "oracle/oracle_internal.h"

/* Sum of squares of doubles, exactly: each x_j^2 is exact at 106 bits and
 * lies in [2^-2148, 2^2048), so the sum is exact at 4200 + bits(d) bits. */
static mpfr_prec_t exact_square_sum_prec(size_t d)
{
    return 4200 + bht__oracle_bits(d) + 8;
}

bht_status bht_check_energy(size_t d, const double *x, double energy, double *norm)
{
    if (!x || d == 0)
        return BHT_E_INVALID;
    if (isnan(energy) || isinf(energy))
        return BHT_E_NONFINITE;
    if (energy < 0.0)
        return BHT_E_INVALID;
    for (size_t j = 0; j < d; j++)
        if (!isfinite(x[j]))
            return BHT_E_NONFINITE;

    mpfr_t sq, sum, bound, root;
    mpfr_init2(sq, 106);
    mpfr_inits2(exact_square_sum_prec(d), sum, bound, (mpfr_ptr)0);
    mpfr_set_zero(sum, 1);
    for (size_t j = 0; j < d; j++) {
        mpfr_set_d(sq, x[j], MPFR_RNDN);
        mpfr_sqr(sq, sq, MPFR_RNDN);         /* exact */
        mpfr_add(sum, sum, sq, MPFR_RNDN);   /* exact at this precision */
    }
    mpfr_set_d(bound, energy, MPFR_RNDN);
    mpfr_sqr(bound, bound, MPFR_RNDN);       /* exact */
    bht_status status = mpfr_lessequal_p(sum, bound) ? BHT_OK : BHT_E_CONSTRAINT;

    if (norm) {
        /* Correctly rounded sqrt: an exact root is rounded directly, an
         * inexact one at precision Q has error < 2^(EXP - Q) (Ziv). */
        for (mpfr_prec_t q = 128;; q *= 2) {
            mpfr_init2(root, q);
            int inexact = mpfr_sqrt(root, sum, MPFR_RNDN);
            bool decided;
            if (inexact == 0) {
                *norm = bht__oracle_round_binary64(root);
                decided = true;
            } else {
                decided = bht__oracle_decide(root, mpfr_get_exp(root) - q, norm);
            }
            mpfr_clear(root);
            if (decided)
                break;
            if (q > 4 * exact_square_sum_prec(d)) {
                /* sqrt of a non-square is never this close to a midpoint;
                 * report the faithful value rather than loop forever. */
                status = (status == BHT_OK) ? BHT_E_PRECISION : status;
                break;
            }
        }
    }
    mpfr_clears(sq, sum, bound, (mpfr_ptr)0);
    return status;
}

/* Normalised by the largest |x_k| first, so neither the norm nor the scale
 * factor under- or overflows (a sum of squares underflowed for subnormal x,
 * and E / ||x|| for a subnormal E: both found by fuzzing). */
void bht__energy_ball_point(size_t d, double *x, double energy)
{
    double big = 0.0;
    for (size_t k = 0; k < d; k++)
        big = fmax(big, fabs(x[k]));
    if (big > 0.0) {
        double norm = 0.0;
        for (size_t k = 0; k < d; k++) {
            x[k] /= big;
            norm = hypot(norm, x[k]); /* in [1, sqrt d] */
        }
        for (size_t k = 0; k < d; k++)
            x[k] = x[k] / norm * energy; /* |x_k / norm| <= 1: no overflow */
    } else {
        x[0] = energy;
        for (size_t k = 1; k < d; k++)
            x[k] = 0.0;
    }
    /* Rounding can leave ||x|| above E, by a few ulps, or by more when E is
     * subnormal.  Every pass moves each nonzero x_k strictly towards 0 (also
     * where x_k (1 - t) rounds back to a subnormal x_k) and the step t
     * doubles, so this ends within about 50 passes. */
    for (double t = 0x1p-50; bht_check_energy(d, x, energy, NULL) == BHT_E_CONSTRAINT;
         t = fmin(2.0 * t, 0.5))
        for (size_t k = 0; k < d; k++)
            x[k] = nextafter(x[k] * (1.0 - t), 0.0);
}
