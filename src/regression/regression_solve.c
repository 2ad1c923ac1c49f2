/* regression_solve.c: damped Newton and the sketched Newton of "Attention
 * Scheme Inspired Softmax Regression" for L (bht_regression_solve, bht.h),
 * then the certificate of regression_certify.c at the last iterate.
 *
 * Iteration: the loss and the gradient in double-double (regression_eval.c:
 * the stopping test needs gradients far below 1e-8), the Hessian in binary64
 * (a Newton direction does not need more); the direction solves
 * (H + tau I) p = -g by Cholesky, tau = 0 unless H is not positive definite
 * (then tau grows by 16x from 2^-40 max H_jj: Levenberg); Armijo
 * backtracking L(x + a p) <= L(x) + 1e-4 a g^T p on the dd loss, and where
 * the loss change is below the dd resolution, a step that lowers |g| is
 * taken instead (near the minimizer the loss cannot tell steps apart).
 *
 * Sketched Hessian: hess L = D_r-part + W-part + rank <= 2 with, for the
 * rows centered at the reference row m (a common row offset cancels: B 1 = 0),
 *   hess L = Delta^T diag(r) Delta + A^T diag(w^2) A
 *            - rho fbar^T - fbar rho^T + |f|^2 fbar fbar^T,
 *   Delta = A - 1 a_m^T, fbar = Delta^T f, rho = Delta^T r.
 * The two diagonal-weighted parts are A'^T D A' for the stacked A' =
 * [Delta; A], D = diag(r, w^2); they are replaced by sum over s rows drawn
 * with replacement with probabilities p_k = h_k / d, the leverage scores of
 * |D|^1/2 A' (bht_leverage), each weighted sign(D_k) / (s p_k): an unbiased
 * estimate whose error is within eps of A'^T |D| A' with probability
 * >= 0.99 for s = ceil(4 d ln(200 d) / eps^2) (matrix Chernoff for leverage
 * sampling; Woodruff, "Sketching as a Tool for Numerical Linear Algebra",
 * 2014, Thm 17).  The rank <= 2 part stays exact.  The draws come from
 * SplitMix64(seed, iteration): the run is reproducible. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "regression_oracle_internal.h"
#include "core/rng.h"

#define ARMIJO 1e-4
#define MAX_HALVINGS 60
#define DEFAULT_TOL 1e-12
#define DEFAULT_ITERATIONS 100
#define DEFAULT_SKETCH_EPS 0.5

typedef struct solver {
    regression_problem p;
    bht_regression_solve_options o;
    regression_state st;
    double *H, *L, *dir, *trial, *work, *gtrial;
    /* sketch */
    double *X, *scores, *cumulative;
    size_t *source; /* row of A' behind each row of X */
    signed char *sign;
    size_t sample_rows, fallbacks;
} solver;

static void solver_free(solver *s)
{
    bht__regression_state_free(&s->st);
    free(s->H);
    free(s->L);
    free(s->dir);
    free(s->trial);
    free(s->work);
    free(s->gtrial);
    free(s->X);
    free(s->scores);
    free(s->cumulative);
    free(s->source);
    free(s->sign);
}

static bht_status solver_alloc(solver *s)
{
    const size_t n = s->p.n, d = s->p.d;
    bht_status st = bht__regression_state_init(&s->st, n, d);
    if (st != BHT_OK)
        return st;
    s->H = malloc(d * d * sizeof *s->H);
    s->L = malloc(d * d * sizeof *s->L);
    s->dir = malloc(d * sizeof *s->dir);
    s->trial = malloc(d * sizeof *s->trial);
    s->work = malloc(2 * d * sizeof *s->work);
    s->gtrial = malloc(d * sizeof *s->gtrial);
    if (!s->H || !s->L || !s->dir || !s->trial || !s->work || !s->gtrial)
        return BHT_E_NOMEM;
    if (s->o.method == BHT_REGRESSION_SKETCHED) {
        s->X = malloc(2 * n * d * sizeof *s->X);
        s->scores = malloc(2 * n * sizeof *s->scores);
        s->cumulative = malloc(2 * n * sizeof *s->cumulative);
        s->source = malloc(2 * n * sizeof *s->source);
        s->sign = malloc(2 * n * sizeof *s->sign);
        if (!s->X || !s->scores || !s->cumulative || !s->source || !s->sign)
            return BHT_E_NOMEM;
    }
    return BHT_OK;
}

static double norm2(size_t d, const double *v)
{
    double scale = 0.0, sum = 0.0;
    for (size_t j = 0; j < d; j++)
        scale = fmax(scale, fabs(v[j]));
    if (scale == 0.0)
        return 0.0;
    for (size_t j = 0; j < d; j++)
        sum += (v[j] / scale) * (v[j] / scale);
    return scale * sqrt(sum);
}

static uint64_t splitmix(uint64_t *state)
{
    return bht__splitmix64(state);
}

size_t bht__regression_sample_size(size_t d, double eps)
{
    double s = ceil(4.0 * (double)d * log(200.0 * (double)d) / (eps * eps));
    return s > 1e15 ? (size_t)1 << 50 : (size_t)s;
}

/* The sketched Hessian into s->H; 0 when it fell back to the exact one. */
static int sketched_hessian(solver *s, size_t iteration)
{
    const size_t n = s->p.n, d = s->p.d;
    const double *A = s->p.A, *am = A + s->st.m * d;
    const double *f = s->st.f, *r = s->st.r, *w = s->p.w;
    /* the stacked rows sqrt|D_k| a'_k, the weights' signs */
    size_t rows = 0;
    double biggest = 0.0;
    for (size_t i = 0; i < 2 * n; i++) {
        size_t row = i % n;
        double weight = i < n ? r[row] : (w ? w[row] * w[row] : 0.0);
        if (weight == 0.0 || !isfinite(weight))
            continue;
        double scale = sqrt(fabs(weight));
        for (size_t j = 0; j < d; j++) {
            double a = A[row * d + j] - (i < n ? am[j] : 0.0);
            s->X[rows * d + j] = scale * a;
            biggest = fmax(biggest, fabs(s->X[rows * d + j]));
        }
        s->source[rows] = i;
        s->sign[rows] = weight > 0.0 ? 1 : -1;
        rows++;
    }
    /* entries below 2^-390 of the largest are flushed (a relative change
     * far below the sampling error; keeps bht_leverage's domain) */
    for (size_t k = 0; k < rows * d; k++)
        if (fabs(s->X[k]) < 0x1p-390 * biggest)
            s->X[k] = 0.0;
    s->sample_rows = bht__regression_sample_size(d, s->o.sketch_eps);
    if (s->sample_rows >= rows || rows < d
        || bht_leverage(rows, d, s->X, NULL, s->scores, NULL, NULL) != BHT_OK) {
        if (s->sample_rows < rows)
            s->fallbacks++;
        double *hw = s->work;
        bht__regression_hessian_double(&s->p, &s->st, s->H, hw);
        return 0;
    }
    double total = 0.0;
    for (size_t k = 0; k < rows; k++) {
        total += s->scores[k];
        s->cumulative[k] = total;
    }
    memset(s->H, 0, d * d * sizeof *s->H);
    uint64_t state = s->o.seed ^ (0xd1b54a32d192ed03ULL * (uint64_t)(iteration + 1));
    const double count = (double)s->sample_rows;
    for (size_t t = 0; t < s->sample_rows; t++) {
        double u = (double)(splitmix(&state) >> 11) * 0x1p-53 * total;
        size_t lo = 0, hi = rows - 1;
        while (lo < hi) { /* first k with cumulative[k] > u */
            size_t mid = lo + (hi - lo) / 2;
            if (s->cumulative[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        const double *x = s->X + lo * d;
        double weight = s->sign[lo] / (count * s->scores[lo] / total);
        for (size_t j = 0; j < d; j++)
            for (size_t k = j; k < d; k++)
                s->H[j * d + k] += weight * x[j] * x[k];
    }
    /* the exact rank <= 2 part: - rho fbar^T - fbar rho^T + |f|^2 fbar fbar^T */
    double *fbar = s->work, *rho = s->work + d, f2 = 0.0;
    memset(s->work, 0, 2 * d * sizeof *s->work);
    for (size_t i = 0; i < n; i++) {
        f2 += f[i] * f[i];
        for (size_t j = 0; j < d; j++) {
            double a = A[i * d + j] - am[j];
            fbar[j] += f[i] * a;
            rho[j] += r[i] * a;
        }
    }
    for (size_t j = 0; j < d; j++)
        for (size_t k = j; k < d; k++)
            s->H[j * d + k] += -rho[j] * fbar[k] - fbar[j] * rho[k] + f2 * fbar[j] * fbar[k];
    for (size_t j = 0; j < d; j++)
        for (size_t k = 0; k < j; k++)
            s->H[j * d + k] = s->H[k * d + j];
    return 1;
}

/* Newton direction into s->dir: (H + tau I) dir = -g. */
static int direction(solver *s)
{
    const size_t d = s->p.d;
    double diag = 0.0;
    for (size_t j = 0; j < d; j++)
        diag = fmax(diag, fabs(s->H[j * d + j]));
    double tau = 0.0;
    for (int attempt = 0; attempt < 80; attempt++) {
        if (bht__regression_cholesky(d, s->H, tau, s->L)) {
            for (size_t j = 0; j < d; j++)
                s->dir[j] = -s->st.gradient[j];
            bht__regression_cholesky_solve(d, s->L, s->dir);
            return 1;
        }
        tau = tau == 0.0 ? fmax(0x1p-40 * diag, 0x1p-1000) : 16.0 * tau;
    }
    return 0;
}

/* Armijo backtracking; x advanced on success. */
static int line_search(solver *s, double *x, double gnorm)
{
    const size_t d = s->p.d;
    double slope = 0.0;
    for (size_t j = 0; j < d; j++)
        slope += s->st.gradient[j] * s->dir[j];
    if (!(slope < 0.0))
        return 0;
    const double L0 = s->st.loss, L0l = s->st.loss_lo;
    double alpha = 1.0;
    for (int h = 0; h < MAX_HALVINGS; h++, alpha *= 0.5) {
        for (size_t j = 0; j < d; j++)
            s->trial[j] = x[j] + alpha * s->dir[j];
        regression_problem q = s->p;
        q.x = s->trial;
        double Lh, Ll;
        if (bht__regression_loss_value(&q, &Lh, &Ll) != BHT_OK)
            return 0;
        double change = (Lh - L0) + (Ll - L0l);
        if (change <= ARMIJO * alpha * slope) {
            memcpy(x, s->trial, d * sizeof *x);
            return 1;
        }
        if (fabs(change) <= 0x1p-90 * (fabs(L0) + 0x1p-1000)) {
            /* the loss cannot tell: take the step if it lowers |g| */
            regression_state probe;
            if (bht__regression_state_init(&probe, s->p.n, d) != BHT_OK)
                return 0;
            bht_status st = bht__regression_state_eval(&q, &probe);
            double gn = st == BHT_OK ? norm2(d, probe.gradient) : INFINITY;
            bht__regression_state_free(&probe);
            if (gn < gnorm) {
                memcpy(x, s->trial, d * sizeof *x);
                return 1;
            }
        }
    }
    return 0;
}

bht_status bht_regression_solve(size_t n, size_t d, const double *A, const double *b,
                                const double *w, const double *x0,
                                const bht_regression_solve_options *options, double *x,
                                bht_regression_solution *solution)
{
    if (!A || !b || !x || !solution || n == 0 || d == 0 || n > BHT_REGRESSION_MAX_N
        || d > BHT_REGRESSION_SOLVE_MAX_D || n * d > BHT_MAX_VALUES)
        return BHT_E_INVALID;
    solver s;
    memset(&s, 0, sizeof s);
    if (options)
        s.o = *options;
    if (s.o.sketch_eps == 0.0)
        s.o.sketch_eps = DEFAULT_SKETCH_EPS;
    if (s.o.tol == 0.0)
        s.o.tol = DEFAULT_TOL;
    if (s.o.max_iterations == 0)
        s.o.max_iterations = DEFAULT_ITERATIONS;
    if (!(s.o.sketch_eps > 0.0 && s.o.sketch_eps < 1.0) || !(s.o.tol > 0.0)
        || !isfinite(s.o.tol)
        || (s.o.method != BHT_REGRESSION_NEWTON && s.o.method != BHT_REGRESSION_SKETCHED))
        return BHT_E_INVALID;
    if (bht__regression_inputs_finite(n, d, A, b, w, x0) != BHT_OK)
        return BHT_E_NONFINITE;
    /* the double-double evaluation needs the kernel's domain */
    for (size_t k = 0; k < n * d; k++)
        if (fabs(A[k]) > BHT_REGRESSION_MAX_ABS)
            return BHT_E_RANGE;
    for (size_t i = 0; i < n; i++)
        if (fabs(b[i]) > BHT_REGRESSION_MAX_ABS || (w && fabs(w[i]) > BHT_REGRESSION_MAX_ABS))
            return BHT_E_RANGE;

    s.p = (regression_problem){n, d, A, b, w, x};
    bht_status status = solver_alloc(&s);
    if (status != BHT_OK) {
        solver_free(&s);
        return status;
    }
    for (size_t j = 0; j < d; j++)
        x[j] = x0 ? x0[j] : 0.0;
    int tol_reached = 0;
    size_t iteration = 0;
    s.sample_rows = n;
    for (;; iteration++) {
        int in_domain = 1;
        for (size_t j = 0; j < d; j++)
            in_domain &= fabs(x[j]) <= BHT_REGRESSION_MAX_ABS;
        if (!in_domain || (status = bht__regression_state_eval(&s.p, &s.st)) != BHT_OK)
            break;
        double gnorm = norm2(d, s.st.gradient);
        if (s.o.progress)
            s.o.progress(s.o.context, iteration, x, s.st.loss, gnorm);
        if (gnorm <= s.o.tol) {
            tol_reached = 1;
            break;
        }
        if (iteration >= s.o.max_iterations || !isfinite(gnorm))
            break;
        if (s.o.method == BHT_REGRESSION_SKETCHED)
            sketched_hessian(&s, iteration);
        else
            bht__regression_hessian_double(&s.p, &s.st, s.H, s.work);
        if (!direction(&s) || !line_search(&s, x, gnorm))
            break;
    }
    if (status == BHT_OK) {
        bht_regression_certificate cert;
        status = bht_regression_certify(n, d, A, b, w, x, &cert);
        double loss = 0.0;
        if (status == BHT_OK)
            status = bht_oracle_regression(n, d, A, b, w, x, &loss, NULL, NULL, NULL, NULL);
        if (status == BHT_OK) {
            solution->loss = loss;
            solution->gradient_norm = cert.gradient_norm;
            solution->iterations = iteration;
            solution->converged = tol_reached && cert.certified;
            solution->minimizer_radius = cert.certified ? cert.minimizer_radius : INFINITY;
            solution->sample_rows =
                s.o.method == BHT_REGRESSION_SKETCHED ? s.sample_rows : n;
            solution->exact_fallbacks = s.fallbacks;
        }
    }
    solver_free(&s);
    return status;
}
