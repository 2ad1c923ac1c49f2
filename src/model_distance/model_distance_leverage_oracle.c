/* model_distance_leverage_oracle.c: correctly rounded H^2, H and TV between
 * Leverage_A(s) and Leverage_B(s) (bht.h).
 *
 * Route: p_i = h_ii(A)/d and q_i = h_ii(B)/d exactly as rationals
 * (lev_exact_build: Gauss-Jordan over Q, exact rank decision), then
 *  - TV = 1/2 sum |p_i - q_i|: an exact rational, rounded exactly;
 *  - H^2 = 1/2 sum D_i^2 / (sqrt p_i + sqrt q_i)^2, D_i = p_i - q_i exact:
 *    enclosed at MPFR precision P by directed rounding only (no error
 *    analysis to trust beyond monotonicity): with sqrt rounded down/up,
 *    den_lo <= sqrt p + sqrt q <= den_hi, the term lies in
 *    [RD(RD(D^2)/RU(den_hi^2)), RU(RU(D^2)/RD(den_lo^2))] (terms with
 *    p_i = q_i are exactly 0), the sums of the lower/upper ends rounded
 *    down/up enclose 2 H^2;
 *  - H = sqrt(H^2): [RD(sqrt(lo)), RU(sqrt(hi))].
 * A value is decided when both ends of its enclosure round to the same
 * double (round-to-nearest is monotone); else P grows x1.5 from 128 bits
 * (Ziv) up to the precision cap (BHT_E_PRECISION there: only an H^2 or H
 * exactly on a rounding midpoint can fail, which needs every p_i q_i to be
 * a rational square). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nu/leverage_local_internal.h"
#include "oracle/oracle_internal.h"

typedef struct lev_dist_job {
    size_t n;
    mpq_t *p, *q, *diff2; /* p_i, q_i, (p_i - q_i)^2 */
    bht_distances *out;
} lev_dist_job;

static bool decide_interval(mpfr_srcptr lo, mpfr_srcptr hi, double *out)
{
    double a = bht__oracle_round_binary64(lo), b = bht__oracle_round_binary64(hi);
    if (a != b)
        return false;
    *out = a;
    return true;
}

static bht_status lev_dist_attempt(void *context, mpfr_prec_t prec)
{
    lev_dist_job *job = context;
    mpfr_t lo, hi, t, u, dlo, dhi, slo, shi;
    mpfr_inits2(prec, lo, hi, t, u, dlo, dhi, slo, shi, (mpfr_ptr)0);
    mpfr_set_zero(slo, 1);
    mpfr_set_zero(shi, 1);
    for (size_t i = 0; i < job->n; i++) {
        if (mpq_sgn(job->diff2[i]) == 0)
            continue;
        /* den_lo, den_hi */
        mpfr_set_q(t, job->p[i], MPFR_RNDD);
        mpfr_sqrt(t, t, MPFR_RNDD);
        mpfr_set_q(u, job->q[i], MPFR_RNDD);
        mpfr_sqrt(u, u, MPFR_RNDD);
        mpfr_add(dlo, t, u, MPFR_RNDD);
        mpfr_set_q(t, job->p[i], MPFR_RNDU);
        mpfr_sqrt(t, t, MPFR_RNDU);
        mpfr_set_q(u, job->q[i], MPFR_RNDU);
        mpfr_sqrt(u, u, MPFR_RNDU);
        mpfr_add(dhi, t, u, MPFR_RNDU);
        /* term bounds */
        mpfr_sqr(u, dhi, MPFR_RNDU);
        mpfr_set_q(t, job->diff2[i], MPFR_RNDD);
        mpfr_div(t, t, u, MPFR_RNDD);
        mpfr_add(slo, slo, t, MPFR_RNDD);
        mpfr_sqr(u, dlo, MPFR_RNDD);
        mpfr_set_q(t, job->diff2[i], MPFR_RNDU);
        mpfr_div(t, t, u, MPFR_RNDU); /* dlo > 0: p_i != q_i, so one of them is > 0 */
        mpfr_add(shi, shi, t, MPFR_RNDU);
    }
    mpfr_div_2ui(slo, slo, 1, MPFR_RNDD);
    mpfr_div_2ui(shi, shi, 1, MPFR_RNDU);
    bht_distances r = *job->out; /* tv already set */
    bool ok = decide_interval(slo, shi, &r.hellinger2);
    if (ok) {
        mpfr_sqrt(lo, slo, MPFR_RNDD);
        mpfr_sqrt(hi, shi, MPFR_RNDU);
        ok = decide_interval(lo, hi, &r.hellinger);
    }
    if (ok)
        *job->out = r;
    mpfr_clears(lo, hi, t, u, dlo, dhi, slo, shi, (mpfr_ptr)0);
    return ok ? BHT_OK : BHT_E_PRECISION;
}

bht_status bht_oracle_distance_leverage(size_t n, size_t d, const double *A, const double *B,
                                        const double *s, bht_distances *out,
                                        const bht_oracle_options *options,
                                        bht_oracle_report *report)
{
    if (!out || !A || !B || d == 0 || n < d || n > BHT_LEVERAGE_ORACLE_MAX_N
        || d > BHT_LEVERAGE_ORACLE_MAX_D)
        return BHT_E_INVALID;
    for (size_t i = 0; s && i < n; i++)
        if (!isfinite(s[i]))
            return BHT_E_NONFINITE;
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(A[k]) || !isfinite(B[k]))
            return BHT_E_NONFINITE;
    for (size_t i = 0; s && i < n; i++)
        if (s[i] == 0.0)
            return BHT_E_INVALID;
    lev_exact ea, eb;
    bht_status status = bht__lev_exact_build(n, d, A, s, &ea);
    if (status != BHT_OK)
        return status;
    status = bht__lev_exact_build(n, d, B, s, &eb);
    if (status != BHT_OK) {
        bht__lev_exact_free(&ea);
        return status;
    }
    mpq_t *diff2 = malloc(n * sizeof *diff2);
    if (!diff2) {
        bht__lev_exact_free(&ea);
        bht__lev_exact_free(&eb);
        return BHT_E_NOMEM;
    }
    mpq_t tv, t, dq;
    mpq_inits(tv, t, dq, (mpq_ptr)0);
    mpq_set_ui(dq, 1, (unsigned long)d);
    for (size_t i = 0; i < n; i++) {
        mpq_init(diff2[i]);
        mpq_mul(ea.h[i], ea.h[i], dq); /* p_i */
        mpq_mul(eb.h[i], eb.h[i], dq); /* q_i */
        mpq_sub(t, ea.h[i], eb.h[i]);
        mpq_mul(diff2[i], t, t);
        mpq_abs(t, t);
        mpq_add(tv, tv, t);
    }
    mpq_div_2exp(tv, tv, 1);
    bht_distances r = {0.0, 0.0, bht__oracle_round_rational(tv)};
    lev_dist_job job = {n, ea.h, eb.h, diff2, &r};
    status = bht__oracle_ziv(options, report, 128, lev_dist_attempt, &job);
    if (status == BHT_OK)
        *out = r;
    for (size_t i = 0; i < n; i++)
        mpq_clear(diff2[i]);
    free(diff2);
    mpq_clears(tv, t, dq, (mpq_ptr)0);
    bht__lev_exact_free(&ea);
    bht__lev_exact_free(&eb);
    return status;
}
