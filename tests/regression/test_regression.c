/* test_regression.c: the softmax-regression loss, gradient and Hessian
 * (bht_regression, bht_oracle_regression), in MPFR's order: special values
 * (hand-derived), the 2^-96 exponential against MPFR, the derivation
 * (gradient and Hessian against finite differences of the oracle's own loss
 * and gradient at 400 bits), the oracle against mpmath (data file), then the
 * double kernel against the oracle under hazard generators: every value the
 * kernel returns is within budget (loss 4 ulp, entries 16 ulp), every error
 * bound it computes holds (also for refused values), and the refusals are
 * counted.  One line per generator reports the maximum ulp errors. */
#include <criterion/criterion.h>
#include <mpfr.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "regression/regression_oracle_internal.h"

/* ------------------------------------------------------------ instances */

typedef struct instance {
    size_t n, d;
    double *A, *b, *w, *x; /* w may be NULL */
} instance;

static instance instance_new(size_t n, size_t d, int weighted)
{
    instance in = {n, d, test_alloc(n * d), test_alloc(n), weighted ? test_alloc(n) : NULL,
                   test_alloc(d)};
    return in;
}

static void instance_free(instance *in)
{
    free(in->A);
    free(in->b);
    free(in->w);
    free(in->x);
}

/* b uniform on the simplex (exponential spacings), rounded. */
static void simplex(test_rng *r, size_t n, double *b)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        b[i] = -log(1.0 - test_rng_unit(r));
        sum += b[i];
    }
    for (size_t i = 0; i < n; i++)
        b[i] /= sum;
}

static void fill_random(test_rng *r, instance *in, double a_scale, double x_scale,
                        double w_scale)
{
    for (size_t k = 0; k < in->n * in->d; k++)
        in->A[k] = a_scale * test_rng_normal(r);
    for (size_t j = 0; j < in->d; j++)
        in->x[j] = x_scale * test_rng_normal(r);
    simplex(r, in->n, in->b);
    for (size_t i = 0; in->w && i < in->n; i++)
        in->w[i] = w_scale * test_rng_unit(r);
}

/* ------------------------------------------------------------ statistics */

typedef struct stats {
    const char *name;
    int instances, refused_loss, refused_gradient, refused_hessian;
    double max_loss, max_gradient, max_hessian;
} stats;

static void report(const stats *s)
{
    printf("regression %-16s %4d instances, max ulp loss %g gradient %g hessian %g; "
           "refused: loss %d, gradient %d, hessian %d\n",
           s->name, s->instances, s->max_loss, s->max_gradient, s->max_hessian,
           s->refused_loss, s->refused_gradient, s->refused_hessian);
    fflush(stdout);
}

/* |computed - exact| <= bound, checked through the oracle's correctly
 * rounded value o: |computed - o| <= bound + ulp(o) / 2 (so a bound that is
 * too small by more than half an ulp fails). */
static void check_bound(double computed, double bound, double oracle, const char *what,
                        size_t j, size_t k)
{
    if (!isfinite(computed) || !isfinite(bound))
        return; /* overflowed evaluation: refused, nothing claimed */
    double half_ulp = 0.5 * (nextafter(fabs(oracle), INFINITY) - fabs(oracle));
    cr_assert(fabs(computed - oracle) <= bound * (1.0 + 0x1p-40) + half_ulp,
              "%s[%zu,%zu]: kernel %a, bound %a, oracle %a", what, j, k, computed, bound,
              oracle);
}

/* The kernel against the oracle on one instance. */
static void check_instance(const instance *in, stats *s)
{
    const size_t n = in->n, d = in->d;
    double *g = test_alloc(d), *H = test_alloc(d * d);
    double *go = test_alloc(d), *Ho = test_alloc(d * d);
    double *gv = test_alloc(2 * d), *Hv = test_alloc(2 * d * d);
    double L = 0.0, Lo = 0.0;
    bht_regression_refusal ref;
    memset(&ref, 0, sizeof ref);
    bht_status ks = bht_regression(n, d, in->A, in->b, in->w, in->x, &L, g, H, &ref);
    bht_status os = bht_oracle_regression(n, d, in->A, in->b, in->w, in->x, &Lo, go, Ho,
                                          NULL, NULL);
    cr_assert_eq(os, BHT_OK, "%s: oracle status %d (n %zu d %zu)", s->name, os, n, d);
    cr_assert(ks == BHT_OK || ks == BHT_E_RANGE, "%s: kernel status %d", s->name, ks);
    s->instances++;

    /* the running error bounds, for every value (refused or not) */
    const regression_problem p = {n, d, in->A, in->b, in->w, in->x};
    double lv, lb;
    cr_assert_eq(bht__regression_evaluate(&p, 7, &lv, &lb, gv, gv + d, Hv, Hv + d * d), BHT_OK);
    check_bound(lv, lb, Lo, "loss", 0, 0);
    for (size_t j = 0; j < d; j++)
        check_bound(gv[j], gv[d + j], go[j], "gradient", j, 0);
    for (size_t j = 0; j < d * d; j++)
        check_bound(Hv[j], Hv[d * d + j], Ho[j], "hessian", j / d, j % d);

    if (ks == BHT_E_RANGE) {
        cr_assert(ref.output != BHT_REGRESSION_DOMAIN, "%s: domain refusal", s->name);
        cr_assert(!(ref.bound <= (ref.output == BHT_REGRESSION_LOSS ? 0x1p-52 : 0x1p-50)
                                     * fabs(ref.value))
                      || fabs(ref.value) < 0x1p-969 || ref.value < 0.0,
                  "%s: refusal of a value its bound certifies (%a, bound %a)", s->name,
                  ref.value, ref.bound);
        s->refused_loss += ref.output == BHT_REGRESSION_LOSS;
        s->refused_gradient += ref.output == BHT_REGRESSION_GRADIENT;
        s->refused_hessian += ref.output == BHT_REGRESSION_HESSIAN;
        /* the parts that can be certified on their own */
        double L1;
        if (bht_regression(n, d, in->A, in->b, in->w, in->x, &L1, NULL, NULL, NULL) == BHT_OK) {
            double e = bht_ulp_error(L1, Lo);
            cr_assert(e <= 4.0, "%s: loss %a vs oracle %a (%g ulp)", s->name, L1, Lo, e);
            s->max_loss = fmax(s->max_loss, e);
        }
    } else {
        double e = bht_ulp_error(L, Lo);
        cr_assert(e <= 4.0, "%s: loss %a vs oracle %a (%g ulp)", s->name, L, Lo, e);
        s->max_loss = fmax(s->max_loss, e);
        size_t at;
        e = test_max_ulp(d, g, go, &at);
        cr_assert(e <= 16.0, "%s: gradient[%zu] %a vs %a (%g ulp)", s->name, at, g[at], go[at], e);
        s->max_gradient = fmax(s->max_gradient, e);
        e = test_max_ulp(d * d, H, Ho, &at);
        cr_assert(e <= 16.0, "%s: hessian[%zu] %a vs %a (%g ulp)", s->name, at, H[at], Ho[at], e);
        s->max_hessian = fmax(s->max_hessian, e);
        for (size_t j = 0; j < d; j++)
            for (size_t k = 0; k < d; k++)
                cr_assert(H[j * d + k] == H[k * d + j]);
    }
    free(g);
    free(H);
    free(go);
    free(Ho);
    free(gv);
    free(Hv);
}

/* ------------------------------------------------------------ special values */

/* n = 2, d = 1, A = (1, -1), x = 0, b = (1/4, 3/4), w = 0: f = (1/2, 1/2),
 * c = (1/4, -1/4), L = 1/16, s = 0, q = (1/8, -1/8), g = 1/4,
 * r = (3/8, 1/8), abar = 0, H = 1/2 (by hand from the definitions). */
Test(regression_special, two_rows_at_zero)
{
    const double A[2] = {1.0, -1.0}, b[2] = {0.25, 0.75}, x[1] = {0.0};
    double L, g, H, Lo, go, Ho;
    cr_assert_eq(bht_regression(2, 1, A, b, NULL, x, &L, &g, &H, NULL), BHT_OK);
    cr_assert_eq(bht_oracle_regression(2, 1, A, b, NULL, x, &Lo, &go, &Ho, NULL, NULL), BHT_OK);
    cr_assert(L == 0.0625 && g == 0.25 && H == 0.5, "kernel %a %a %a", L, g, H);
    cr_assert(Lo == 0.0625 && go == 0.25 && Ho == 0.5, "oracle %a %a %a", Lo, go, Ho);
}

/* n = 1: f = 1, the softmax part vanishes exactly: L = (1-b)^2/2 + (w a x)^2/2,
 * g = w^2 (a x) a, H = w^2 a^2. */
Test(regression_special, one_row)
{
    const double A[2] = {3.0, -2.0}, b[1] = {0.25}, w[1] = {0.5}, x[2] = {0.5, 0.25};
    /* a x = 1: L = 9/32 + 1/8 = 13/32, g = (3/4, -1/2), H = 1/4 (9, -6; -6, 4) */
    double L, g[2], H[4], Lo, go[2], Ho[4];
    cr_assert_eq(bht_regression(1, 2, A, b, w, x, &L, g, H, NULL), BHT_OK);
    cr_assert_eq(bht_oracle_regression(1, 2, A, b, w, x, &Lo, go, Ho, NULL, NULL), BHT_OK);
    const double eL = 13.0 / 32, eg[2] = {0.75, -0.5}, eH[4] = {2.25, -1.5, -1.5, 1.0};
    cr_assert(L == eL && Lo == eL, "%a %a", L, Lo);
    for (int k = 0; k < 2; k++)
        cr_assert(g[k] == eg[k] && go[k] == eg[k]);
    for (int k = 0; k < 4; k++)
        cr_assert(H[k] == eH[k] && Ho[k] == eH[k], "%d: %a %a", k, H[k], Ho[k]);
}

/* f = b exactly (x = 0, b uniform, n a power of 2): L = 0, g = 0 exactly;
 * and a constant column gives exact zeros in the gradient and the Hessian. */
Test(regression_special, exact_zeros)
{
    const double A[8] = {1, 5, -1, 5, 2, 5, 0.5, 5}, b[4] = {0.25, 0.25, 0.25, 0.25};
    const double x[2] = {0.0, 0.0};
    double L, g[2], H[4], Lo, go[2], Ho[4];
    cr_assert_eq(bht_regression(4, 2, A, b, NULL, x, &L, g, H, NULL), BHT_OK);
    cr_assert_eq(bht_oracle_regression(4, 2, A, b, NULL, x, &Lo, go, Ho, NULL, NULL), BHT_OK);
    cr_assert(L == 0.0 && Lo == 0.0);
    cr_assert(g[0] == 0.0 && g[1] == 0.0 && go[0] == 0.0 && go[1] == 0.0);
    /* column 2 constant: H_12 = H_21 = H_22 = 0 exactly, at x = 0 and elsewhere */
    cr_assert(H[1] == 0.0 && H[2] == 0.0 && H[3] == 0.0 && Ho[3] == 0.0);
    cr_assert(H[0] > 0.0 && H[0] == Ho[0]);
    const double x1[2] = {0.75, -3.0};
    cr_assert_eq(bht_regression(4, 2, A, b, NULL, x1, NULL, g, H, NULL), BHT_OK);
    cr_assert(g[1] == 0.0 && H[1] == 0.0 && H[3] == 0.0);
}

Test(regression_special, argument_errors)
{
    const double A[2] = {1.0, 2.0}, b[2] = {0.5, 0.5}, x[1] = {1.0};
    double L;
    bht_regression_refusal ref;
    cr_assert_eq(bht_regression(2, 1, NULL, b, NULL, x, &L, NULL, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_regression(0, 1, A, b, NULL, x, &L, NULL, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_regression(2, 0, A, b, NULL, x, &L, NULL, NULL, NULL), BHT_E_INVALID);
    cr_assert_eq(bht_oracle_regression(2, 1, A, NULL, NULL, x, &L, NULL, NULL, NULL, NULL),
                 BHT_E_INVALID);
    const double bad[2] = {1.0, NAN}, big[2] = {1.0, 0x1p101};
    cr_assert_eq(bht_regression(2, 1, bad, b, NULL, x, &L, NULL, NULL, NULL), BHT_E_NONFINITE);
    cr_assert_eq(bht_oracle_regression(2, 1, A, b, bad, x, &L, NULL, NULL, NULL, NULL),
                 BHT_E_NONFINITE);
    /* NaN anywhere wins over an out-of-range entry elsewhere */
    cr_assert_eq(bht_regression(2, 1, big, bad, NULL, x, &L, NULL, NULL, NULL), BHT_E_NONFINITE);
    cr_assert_eq(bht_regression(2, 1, A, b, big, x, &L, NULL, NULL, &ref), BHT_E_RANGE);
    cr_assert(ref.output == BHT_REGRESSION_DOMAIN && ref.col == 2 && ref.row == 1);
    /* the oracle takes the same input */
    cr_assert_eq(bht_oracle_regression(2, 1, A, b, big, x, &L, NULL, NULL, NULL, NULL), BHT_OK);
}

/* ------------------------------------------------------------ exp and ln 2 */

Test(regression_exp, against_mpfr)
{
    mpfr_t exact, got, err;
    mpfr_inits2(300, exact, got, err, (mpfr_ptr)0);
    test_rng r = {0x5eed};
    double worst = 0.0, worst_at = 0.0;
    for (int k = 0; k < 20000; k++) {
        double th;
        switch (k % 4) {
        case 0: th = -2000.0 * test_rng_unit(&r); break;
        case 1: th = -1.0 * test_rng_unit(&r); break;
        case 2: th = ldexp(test_rng_unit(&r), -(int)test_rng_int(&r, 0, 60)); break;
        default: th = -(double)test_rng_int(&r, 0, 2885) * 0.6931471805599453 + 1e-3 * test_rng_normal(&r);
        }
        if (th < REGRESSION_EXP_MIN)
            th = REGRESSION_EXP_MIN;
        double tl = ldexp(th, -53) * (test_rng_unit(&r) - 0.5);
        double mh, ml;
        int scale;
        bht__regression_exp_dd(th, tl, &mh, &ml, &scale);
        cr_assert(mh >= 0.7 && mh < 1.5, "mantissa %a", mh);
        mpfr_set_d(exact, th, MPFR_RNDN);
        mpfr_add_d(exact, exact, tl, MPFR_RNDN);
        mpfr_exp(exact, exact, MPFR_RNDN);
        mpfr_set_d(got, mh, MPFR_RNDN);
        mpfr_add_d(got, got, ml, MPFR_RNDN);
        mpfr_mul_2si(got, got, scale, MPFR_RNDN);
        mpfr_sub(err, got, exact, MPFR_RNDN);
        mpfr_div(err, err, exact, MPFR_RNDN);
        double rel = fabs(mpfr_get_d(err, MPFR_RNDN));
        if (rel > worst) {
            worst = rel;
            worst_at = th;
        }
    }
    mpfr_clears(exact, got, err, (mpfr_ptr)0);
    printf("regression exp_dd: 20000 arguments in [-2000, 1], max relative error 2^%.2f "
           "(at %a; stated 2^-96)\n", log2(worst), worst_at);
    cr_assert(worst <= REGRESSION_EXP_REL_ERROR, "2^%.2f at %a", log2(worst), worst_at);
}

/* ------------------------------------------------------- derivation (FD) */

/* L (or g) at x from the enclosure at 400 bits, as an MPFR number. */
static void enclose_at(const instance *in, const double *x, int want, mpfr_ptr loss,
                       mpfr_ptr *gradient)
{
    regression_problem p = {in->n, in->d, in->A, in->b, in->w, x};
    regression_enclosure e;
    cr_assert_eq(bht__regression_enclosure_init(&e, in->d, 400, want), BHT_OK);
    cr_assert_eq(bht__regression_enclose(&p, &e), BHT_OK);
    if (loss) {
        mpfr_set(loss, e.loss, MPFR_RNDN);
        cr_assert(mpfr_get_exp(e.loss_err) < -300, "loss error too large");
    }
    for (size_t j = 0; gradient && j < in->d; j++)
        mpfr_set(gradient[j], e.gradient.ptr[j], MPFR_RNDN);
    bht__regression_enclosure_clear(&e);
}

/* Richardson-extrapolated central differences at h = 2^-20 and 2^-21
 * (x dyadic, so x +- h is exact): error O(h^4) ~ 2^-80. */
Test(regression_derivation, gradient_and_hessian_match_finite_differences, .timeout = 60)
{
    test_rng r = {0xfd};
    mpfr_t lp, lm, d1, d2, t;
    mpfr_inits2(400, lp, lm, d1, d2, t, (mpfr_ptr)0);
    mpfr_ptr gp[8], gm[8];
    for (int k = 0; k < 8; k++) {
        gp[k] = malloc(sizeof(__mpfr_struct));
        gm[k] = malloc(sizeof(__mpfr_struct));
        mpfr_inits2(400, gp[k], gm[k], (mpfr_ptr)0);
    }
    double worst_g = 0.0, worst_h = 0.0;
    for (int inst = 0; inst < 12; inst++) {
        size_t n = test_rng_int(&r, 1, 9), d = test_rng_int(&r, 1, 4);
        instance in = instance_new(n, d, inst % 3 != 0);
        fill_random(&r, &in, 1.0, 1.0, 1.0);
        for (size_t j = 0; j < d; j++)
            in.x[j] = ldexp(round(ldexp(in.x[j], 10)), -10);
        double *g = test_alloc(d), *H = test_alloc(d * d);
        cr_assert_eq(bht_oracle_regression(n, d, in.A, in.b, in.w, in.x, NULL, g, H, NULL, NULL),
                     BHT_OK);
        double *xs = test_alloc(d);
        for (size_t j = 0; j < d; j++) {
            double fd_g = 0.0;
            double fd_h[8] = {0};
            mpfr_t hd[8];
            for (size_t k = 0; k < d; k++)
                mpfr_init2(hd[k], 400);
            for (int level = 0; level < 2; level++) {
                double h = ldexp(1.0, -20 - level);
                memcpy(xs, in.x, d * sizeof *xs);
                xs[j] = in.x[j] + h;
                enclose_at(&in, xs, 3, lp, gp);
                xs[j] = in.x[j] - h;
                enclose_at(&in, xs, 3, lm, gm);
                mpfr_sub(t, lp, lm, MPFR_RNDN);
                mpfr_mul_2si(t, t, 19 + level, MPFR_RNDN); /* / 2h */
                mpfr_set(level ? d2 : d1, t, MPFR_RNDN);
                for (size_t k = 0; k < d; k++) {
                    mpfr_sub(t, gp[k], gm[k], MPFR_RNDN);
                    mpfr_mul_2si(t, t, 19 + level, MPFR_RNDN);
                    if (level == 0) {
                        mpfr_set(hd[k], t, MPFR_RNDN);
                        continue;
                    }
                    mpfr_mul_2ui(t, t, 2, MPFR_RNDN); /* (4 D(h/2) - D(h)) / 3 */
                    mpfr_sub(t, t, hd[k], MPFR_RNDN);
                    mpfr_div_ui(t, t, 3, MPFR_RNDN);
                    fd_h[k] = mpfr_get_d(t, MPFR_RNDN);
                }
            }
            for (size_t k = 0; k < d; k++)
                mpfr_clear(hd[k]);
            mpfr_mul_2ui(d2, d2, 2, MPFR_RNDN);
            mpfr_sub(d2, d2, d1, MPFR_RNDN);
            mpfr_div_ui(d2, d2, 3, MPFR_RNDN);
            fd_g = mpfr_get_d(d2, MPFR_RNDN);
            /* FD (error ~2^-80 relative to the scale) against the oracle */
            double scale_g = 1.0 + fabs(g[j]);
            double eg = fabs(fd_g - g[j]) / scale_g;
            worst_g = fmax(worst_g, eg);
            cr_assert(eg <= 0x1p-50, "g[%zu]: oracle %a, finite differences %a", j, g[j], fd_g);
            for (size_t k = 0; k < d; k++) {
                double eh = fabs(fd_h[k] - H[k * d + j]) / (1.0 + fabs(H[k * d + j]));
                worst_h = fmax(worst_h, eh);
                cr_assert(eh <= 0x1p-50, "H[%zu,%zu]: oracle %a, finite differences %a", k, j,
                          H[k * d + j], fd_h[k]);
            }
        }
        free(xs);
        free(g);
        free(H);
        instance_free(&in);
    }
    printf("regression derivation: 12 instances, max |FD - oracle| / (1 + |oracle|): "
           "gradient %g, hessian %g (FD at 400 bits, rounded)\n", worst_g, worst_h);
    for (int k = 0; k < 8; k++) {
        mpfr_clears(gp[k], gm[k], (mpfr_ptr)0);
        free(gp[k]);
        free(gm[k]);
    }
    mpfr_clears(lp, lm, d1, d2, t, (mpfr_ptr)0);
}

/* ---------------------------------------------------- hazard generators */

#define GENERATOR_COUNT 300

Test(regression_differential, random, .timeout = 120)
{
    stats s = {"random", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x1001};
    for (int k = 0; k < GENERATOR_COUNT; k++) {
        instance in = instance_new(test_rng_int(&r, 1, 48), test_rng_int(&r, 1, 6), k % 2);
        fill_random(&r, &in, 1.0, 1.0, 2.0);
        check_instance(&in, &s);
        instance_free(&in);
    }
    report(&s);
    cr_assert_leq(s.refused_loss + s.refused_gradient + s.refused_hessian, GENERATOR_COUNT / 20);
}

/* logits up to ~2^12 apart: most probabilities underflow, p one-hot-ish */
Test(regression_differential, large_logits, .timeout = 120)
{
    stats s = {"large_logits", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x1002};
    for (int k = 0; k < GENERATOR_COUNT; k++) {
        instance in = instance_new(test_rng_int(&r, 2, 32), test_rng_int(&r, 1, 5), k % 2);
        fill_random(&r, &in, ldexp(1.0, (int)test_rng_int(&r, 3, 10)), 1.0, 1.0);
        check_instance(&in, &s);
        instance_free(&in);
    }
    report(&s);
}

/* f ~ b: b = softmax(A x) rounded, times (1 + 2^-k u_i), k = 0 .. 52 */
Test(regression_differential, f_near_b, .timeout = 120)
{
    stats s = {"f_near_b", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x1003};
    int certified_loss_at_30 = 0, total_at_30 = 0;
    for (int k = 0; k < GENERATOR_COUNT; k++) {
        instance in = instance_new(test_rng_int(&r, 2, 24), test_rng_int(&r, 1, 5), k % 3 == 0);
        fill_random(&r, &in, 1.0, 1.0, 0.0);
        cr_assert_eq(bht_oracle_softmax(in.n, in.d, in.A, in.x, in.b, NULL, NULL), BHT_OK);
        int e = k % 53;
        for (size_t i = 0; i < in.n; i++)
            in.b[i] *= 1.0 + ldexp(test_rng_unit(&r) - 0.5, -e);
        check_instance(&in, &s);
        if (e <= 30 && !in.w) {
            double L;
            total_at_30++;
            certified_loss_at_30 +=
                bht_regression(in.n, in.d, in.A, in.b, NULL, in.x, &L, NULL, NULL, NULL) == BHT_OK;
        }
        instance_free(&in);
    }
    report(&s);
    printf("regression f_near_b: loss certified in %d of %d instances with |f - b| >= 2^-31 f\n",
           certified_loss_at_30, total_at_30);
    cr_assert_eq(certified_loss_at_30, total_at_30);
}

/* ties: duplicated rows, x = 0 (every logit tied: the rational oracle) */
Test(regression_differential, ties, .timeout = 120)
{
    stats s = {"ties", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x1004};
    for (int k = 0; k < GENERATOR_COUNT; k++) {
        instance in = instance_new(test_rng_int(&r, 2, 24), test_rng_int(&r, 1, 5), k % 2);
        fill_random(&r, &in, 1.0, 1.0, 1.0);
        for (size_t i = 1; i < in.n; i++)
            if (test_rng_unit(&r) < 0.5)
                memcpy(in.A + i * in.d, in.A + (i - 1) * in.d, in.d * sizeof *in.A);
        if (k % 3 == 0)
            memset(in.x, 0, in.d * sizeof *in.x);
        check_instance(&in, &s);
        instance_free(&in);
    }
    report(&s);
}

/* extreme scaling: A 2^s, x 2^-s (same logits), w 2^t, entries up to the
 * domain's 2^100; the loss is invariant, g scales by 2^s, H by 2^2s
 * (exactly, for the oracle, while no value over- or underflows) */
Test(regression_differential, extreme_scaling, .timeout = 120)
{
    stats s = {"extreme_scaling", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x1005};
    for (int k = 0; k < GENERATOR_COUNT; k++) {
        size_t n = test_rng_int(&r, 1, 16), d = test_rng_int(&r, 1, 4);
        instance in = instance_new(n, d, k % 2);
        fill_random(&r, &in, 1.0, 1.0, 1.0);
        int sc = (int)test_rng_int(&r, 0, 160) - 80, wt = (int)test_rng_int(&r, 0, 40) - 20;
        for (size_t q = 0; q < n * d; q++)
            in.A[q] = ldexp(in.A[q], sc);
        for (size_t j = 0; j < d; j++)
            in.x[j] = ldexp(in.x[j], -sc);
        for (size_t i = 0; in.w && i < n; i++)
            in.w[i] = ldexp(in.w[i], wt);
        check_instance(&in, &s);
        instance_free(&in);
    }
    report(&s);
}

Test(regression_differential, scaling_invariance_of_the_oracle)
{
    test_rng r = {0x1006};
    for (int k = 0; k < 40; k++) {
        size_t n = test_rng_int(&r, 2, 10), d = test_rng_int(&r, 1, 3);
        instance in = instance_new(n, d, 1), sc = instance_new(n, d, 1);
        fill_random(&r, &in, 1.0, 1.0, 1.0);
        int e = (int)test_rng_int(&r, 0, 60) - 30;
        for (size_t q = 0; q < n * d; q++)
            sc.A[q] = ldexp(in.A[q], e);
        for (size_t j = 0; j < d; j++)
            sc.x[j] = ldexp(in.x[j], -e);
        memcpy(sc.b, in.b, n * sizeof *in.b);
        for (size_t i = 0; i < n; i++)
            sc.w[i] = in.w[i]; /* L(A 2^e, x 2^-e) = L(A, x): same function of 2^e x */
        double L1, L2, g1[3], g2[3], H1[9], H2[9];
        cr_assert_eq(bht_oracle_regression(n, d, in.A, in.b, in.w, in.x, &L1, g1, H1, NULL, NULL), BHT_OK);
        cr_assert_eq(bht_oracle_regression(n, d, sc.A, sc.b, sc.w, sc.x, &L2, g2, H2, NULL, NULL), BHT_OK);
        cr_assert(L1 == L2, "%a %a", L1, L2);
        for (size_t j = 0; j < d; j++)
            cr_assert(g2[j] == ldexp(g1[j], e), "g[%zu] %a %a (e %d)", j, g1[j], g2[j], e);
        for (size_t j = 0; j < d * d; j++)
            cr_assert(H2[j] == ldexp(H1[j], 2 * e), "H[%zu] %a %a", j, H1[j], H2[j]);
        instance_free(&in);
        instance_free(&sc);
    }
}

/* w = 0 (NULL and explicit zeros agree bit for bit) and w huge (2^40) */
Test(regression_differential, weights_zero_and_huge, .timeout = 120)
{
    stats s = {"w_zero_huge", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x1007};
    for (int k = 0; k < GENERATOR_COUNT; k++) {
        instance in = instance_new(test_rng_int(&r, 1, 24), test_rng_int(&r, 1, 5), 1);
        fill_random(&r, &in, 1.0, 1.0, 1.0);
        int huge = k % 2;
        for (size_t i = 0; i < in.n; i++)
            in.w[i] = huge ? ldexp(1.0 + test_rng_unit(&r), 40) : 0.0;
        check_instance(&in, &s);
        if (!huge) {
            double L1, L2, g1[5], g2[5];
            cr_assert_eq(bht_oracle_regression(in.n, in.d, in.A, in.b, in.w, in.x, &L1, g1, NULL, NULL, NULL), BHT_OK);
            cr_assert_eq(bht_oracle_regression(in.n, in.d, in.A, in.b, NULL, in.x, &L2, g2, NULL, NULL, NULL), BHT_OK);
            cr_assert(L1 == L2);
            for (size_t j = 0; j < in.d; j++)
                cr_assert(g1[j] == g2[j]);
        }
        instance_free(&in);
    }
    report(&s);
}

/* d = 1 and n = 1 */
Test(regression_differential, small_shapes, .timeout = 120)
{
    stats s = {"d1_n1", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x1008};
    for (int k = 0; k < GENERATOR_COUNT; k++) {
        int which = k % 3;
        size_t n = which == 1 ? 1 : test_rng_int(&r, 1, 32);
        size_t d = which == 0 ? 1 : test_rng_int(&r, 1, 5);
        instance in = instance_new(n, d, k % 2);
        fill_random(&r, &in, 1.0, 2.0, 1.0);
        check_instance(&in, &s);
        instance_free(&in);
    }
    report(&s);
}

/* A + 1 u^T with |u| up to 2^40: the softmax part is invariant; the kernel
 * works on exact row differences, so the offset does not cost accuracy */
Test(regression_differential, common_row_offset, .timeout = 120)
{
    stats s = {"row_offset", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x1009};
    for (int k = 0; k < GENERATOR_COUNT; k++) {
        instance in = instance_new(test_rng_int(&r, 2, 24), test_rng_int(&r, 1, 5), 0);
        fill_random(&r, &in, 1.0, 1.0, 0.0);
        for (size_t j = 0; j < in.d; j++) {
            double u = ldexp(test_rng_normal(&r), (int)test_rng_int(&r, 0, 40));
            for (size_t i = 0; i < in.n; i++)
                in.A[i * in.d + j] += u;
        }
        check_instance(&in, &s);
        instance_free(&in);
    }
    report(&s);
    cr_assert_leq(s.refused_gradient + s.refused_hessian, GENERATOR_COUNT / 10);
}

/* ------------------------------------------------------ mpmath references */

/* Reads every number after the keyword of the next line starting with
 * keyword into out (at most max); returns the count ("none" gives 0). */
static size_t read_line(FILE *f, const char *keyword, double *out, size_t max)
{
    static char line[1 << 16];
    cr_assert(fgets(line, sizeof line, f) != NULL, "missing '%s' line", keyword);
    size_t len = strlen(keyword);
    cr_assert(strncmp(line, keyword, len) == 0 && line[len] == ' ', "expected '%s': %s",
              keyword, line);
    char *s = line + len, *end;
    size_t count = 0;
    if (strncmp(s, " none", 5) == 0)
        return 0;
    for (;;) {
        double v = strtod(s, &end);
        if (end == s)
            break;
        cr_assert(count < max, "too many values on '%s'", keyword);
        out[count++] = v;
        s = end;
    }
    return count;
}

/* The oracle reproduces the mpmath roundings bit for bit; the kernel is
 * within budget of them (or refuses). */
Test(regression_mpmath, oracle_bit_for_bit_kernel_within_budget)
{
    const char *root = getenv("BHT_TESTDATA");
    cr_assert(root != NULL, "BHT_TESTDATA is not set (run through `make unit`)");
    char path[4096];
    snprintf(path, sizeof path, "%s/regression_mpmath.txt", root);
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "cannot open %s", path);
    char line[256];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        char name[96];
        size_t n, d;
        if (sscanf(line, "case %95s %zu %zu", name, &n, &d) != 3)
            continue;
        double A[64], b[16], w[16], x[4], L[1], g[4], H[16];
        cr_assert_eq(read_line(f, "A", A, 64), n * d);
        cr_assert_eq(read_line(f, "b", b, 16), n);
        size_t nw = read_line(f, "w", w, 16);
        cr_assert_eq(read_line(f, "x", x, 4), d);
        cr_assert_eq(read_line(f, "loss", L, 1), 1);
        cr_assert_eq(read_line(f, "gradient", g, 4), d);
        cr_assert_eq(read_line(f, "hessian", H, 16), d * d);
        const double *wp = nw ? w : NULL;
        double Lo, go[4], Ho[16];
        cr_assert_eq(bht_oracle_regression(n, d, A, b, wp, x, &Lo, go, Ho, NULL, NULL), BHT_OK);
        cr_assert(Lo == L[0], "%s: loss %a, mpmath %a", name, Lo, L[0]);
        for (size_t j = 0; j < d; j++)
            cr_assert(go[j] == g[j], "%s: gradient[%zu] %a, mpmath %a", name, j, go[j], g[j]);
        for (size_t j = 0; j < d * d; j++)
            cr_assert(Ho[j] == H[j], "%s: hessian[%zu] %a, mpmath %a", name, j, Ho[j], H[j]);
        double Lk, gk[4], Hk[16];
        if (bht_regression(n, d, A, b, wp, x, &Lk, gk, Hk, NULL) == BHT_OK) {
            cr_assert(bht_ulp_error(Lk, L[0]) <= 4.0, "%s: kernel loss", name);
            cr_assert(test_max_ulp(d, gk, g, NULL) <= 16.0, "%s: kernel gradient", name);
            cr_assert(test_max_ulp(d * d, Hk, H, NULL) <= 16.0, "%s: kernel hessian", name);
        }
        cases++;
    }
    fclose(f);
    printf("regression mpmath: %d cases, oracle bit for bit\n", cases);
    cr_assert_geq(cases, 15);
}

/* ------------------------------------------------------- trusted base R1 */

/* proofs/TRUSTED_BASE.md, R1: for m in [2^-969, DBL_MAX] and t in
 * {2^-52, 2^-50}, bht__regression_scale_exact(m, t) equals the exact product
 * (checked against MPFR on edges and 200000 seeded random m). */
Test(regression_trusted, scaling_is_exact)
{
    const double tolerances[2] = {0x1p-52, 0x1p-50};
    const double edges[] = {0x1p-969, 0x1.0000000000001p-969, 0x1.fffffffffffffp-969, 1.0,
                            0x1.fffffffffffffp1023, 0x1p1023, 0x1.8p-969, 3.0};
    mpfr_t exact;
    mpfr_init2(exact, 200);
    test_rng r = {0x71};
    for (size_t k = 0; k < 200000 + sizeof edges / sizeof edges[0]; k++) {
        double m = k < sizeof edges / sizeof edges[0]
                       ? edges[k]
                       : ldexp(1.0 + test_rng_unit(&r), (int)test_rng_int(&r, 0, 1992) - 969);
        if (m > 0x1.fffffffffffffp1023)
            m = 0x1.fffffffffffffp1023;
        for (int t = 0; t < 2; t++) {
            double got = bht__regression_scale_exact(m, tolerances[t]);
            mpfr_set_d(exact, m, MPFR_RNDN);
            mpfr_mul_d(exact, exact, tolerances[t], MPFR_RNDN); /* exact at 200 bits */
            cr_assert(isfinite(got) && mpfr_cmp_d(exact, got) == 0, "m %a t %a: %a", m,
                      tolerances[t], got);
        }
    }
    mpfr_clear(exact);
}

/* n up to 4096: the dd sums' error grows with n, the kernel must still
 * certify (or refuse) honestly */
Test(regression_differential, large_n, .timeout = 120)
{
    stats s = {"large_n", 0, 0, 0, 0, 0.0, 0.0, 0.0};
    test_rng r = {0x100a};
    for (int k = 0; k < 20; k++) {
        instance in = instance_new(test_rng_int(&r, 1000, 4096), test_rng_int(&r, 1, 4), k % 2);
        fill_random(&r, &in, 1.0, 1.0, 1.0 / (double)in.n);
        check_instance(&in, &s);
        instance_free(&in);
    }
    report(&s);
}
