/* leverage_sup.c: the enclosures of certified brackets on sup over the queries c <= s_i^2 <= C
 * of the leverage model's nu (paper Thm 4.3) and of H^2(P_A(s), P_B(s))
 * (Thm 4.1), by branch and bound on boxes of weights u_i = 1 / s_i^2.
 *
 * Reduction: both objectives depend on u only up to scale, and every
 * admissible u scaled so that max_i u_i = 1 lies in one of the n faces
 * F_f = {u_f = 1, rho <= u_j <= 1}, rho <= c / C (rounded down).
 * Upper bound on a box: the objective as an affine form in u - center
 * (exact linear part, rigorous remainder; see the forms below; for nu and
 * n <= LSUP_QUADRATIC_MAX_N second-order forms, exact quadratic part),
 * after two exact invariances chosen at the box's center: (A, M) -> (A R,
 * M R) with R = L^-T, L L^T ~ A^T U_c A (Cholesky, or a pivoted QR of the
 * weighted rows when it breaks down, refined until the transformed Gram
 * matrix is within 2^-20 of I; so S ~ I and S^-1 is a short Neumann series),
 * and M -> M - A X with X ~ A^T U_c M (so r_i does not cancel).  Before
 * that, columns are scaled by powers of two and M by 2^-k (nu by 2^-2k,
 * undone at the end), entries that underflow kept as intervals.  The bound
 * is second order in the box size (third order with second-order forms).
 * Complement (when n - d <= d; for n = 2 d alongside the direct form, the
 * smaller upper end counts): with an exact null basis N of A^T (A^T N = 0,
 * GMP, leverage_sup_null.c) the leverage scores are h_i = 1 - k_i, k_i the
 * leverage scores of N under weights v = 1/u; under A -> A + eps M the span
 * of N moves by D with A^T D = -M^T N, so dh_i = -dk_i and nu, H^2 follow
 * from (N, D, v) with the same forms, only n - d columns wide (enclose_nu).
 * The branch and bound over the boxes, the entry points and the lower
 * bound: leverage_sup_search.c. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/work_alloc.h"
#include "search/affine.h"
#include "search/leverage_sup_internal.h"
#include "oracle/oracle_internal.h"
#include "search/sup_heap.h"

/* ------------------------------------------------------ enclosures */

struct lsup_work {
    enum lsup_objective objective;
    int complement;                  /* coordinates v = 1/u, designs are null bases */
    aff_ctx ac;                      /* the forms' symbols: box coordinate k minus c_k */
    size_t n, d, dm, width;          /* d design columns (n - dm for the complement);
                                        dm the model's d; width = n + 2 */
    ivl *Y, *Z;                      /* n*d each: design rows and second rows (M or D
                                        for nu; B or its null basis for H^2) */
    unsigned char *zero_y, *zero_z;  /* design rows that are exactly zero */
    unsigned char *zero_p, *zero_q;  /* model rows a_i (b_i) = 0: p_i (q_i) = 0 */
    double *dlo, *dhi, *dmax, *c;    /* n each: the box around its center */
    double *R, *gj, *Sm;             /* d*d, d*2d, d*d */
    double *qr;                      /* n*d: weighted rows for the QR preconditioner */
    size_t *perm;                    /* d: its column pivoting */
    ivl *v, *q, *E0, *K;             /* n*d, n*d, d*d, d*d, then n of scratch */
    ivl *mp;                         /* n*d: M - A X (nu) */
    double *Xp;                      /* d*d: the X of M - A X */
    double *G, *N, *g, *Ng, *t;      /* forms: d*d, d*d, d, d, 8 scratch */
    double *roots;                   /* forms: 2 n (square roots of p and q) */
    double *E2, *Pa, *Pb;            /* forms: d*d each (E^2, higher powers) */
    double *bounds;                  /* 4 d*d: entrywise bounds of |E|, |E^2 E^m|, their sum */
    double *row_weight;              /* n: |y_k|^2 + |z_k|^2, to split failing boxes */
    double *fail_score;              /* n: per coordinate, its share of ||E|| (to split) */
    double *doubles;                 /* the one block of the double arrays above */
    const double *fail_form;         /* the form whose reciprocal or root failed */
    int beta_failed;
    int scale_exp;                   /* the objective is 2^scale_exp times the forms' value
                                        (nu: the second rows carry a factor 2^-k, exp 2k) */
};

void bht__lsup_work_free(lsup_work *w)
{
    if (!w)
        return;
    free(w->zero_y);
    free(w->doubles);
    free(w->perm);
    free(w->v);
    free(w->Y);
    free(w);
}

/* nu's forms are second order up to this n (affine.h: a form holds
 * n (n + 1) / 2 more doubles, a product costs O(n^2)); H^2's are first
 * order (aff_sqrt takes first-order forms). */
#define LSUP_QUADRATIC_MAX_N 16

/* Workspace for design dimension d (model dimension dm); Y, Z and the flags
 * are left for the caller to fill. */
static lsup_work *work_alloc(enum lsup_objective objective, size_t n, size_t dm, size_t d,
                             int complement)
{
    lsup_work *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->objective = objective;
    w->complement = complement;
    w->n = n;
    w->d = d;
    w->dm = dm;
    const int order = objective == LSUP_NU && n <= LSUP_QUADRATIC_MAX_N ? 2 : 1;
    w->width = bht__aff_width(n, order);
    const size_t dd = d * d, width = w->width;
    /* in the order of the former separate blocks: the box (n each); R (d*d),
     * the Gauss-Jordan rows (d*2d), Sm, Xp (d*d), qr (n*d); the forms (a
     * coefficient: width doubles) G, N (d*d), g, Ng (d), t (8), roots (2n),
     * E2 (d*d) */
    double **const box[] = {&w->dlo, &w->dhi, &w->dmax, &w->c, &w->row_weight, &w->fail_score};
    double **const r[] = {&w->R}, **const gj[] = {&w->gj}, **const sm_xp[] = {&w->Sm, &w->Xp};
    double **const qr[] = {&w->qr}, **const g_n[] = {&w->G, &w->N};
    double **const g_ng[] = {&w->g, &w->Ng}, **const t[] = {&w->t};
    double **const roots[] = {&w->roots}, **const e2[] = {&w->E2, &w->Pa, &w->Pb};
    double **const quad[] = {&w->ac.qweight}, **const scratch[] = {&w->ac.scratch};
    double **const bounds[] = {&w->bounds};
    const bht__double_group groups[] = {{box, 6, n}, {r, 1, dd}, {gj, 1, 2 * dd}, {sm_xp, 2, dd},
                                        {qr, 1, n * d}, {g_n, 2, dd * width},
                                        {g_ng, 2, d * width}, {t, 1, 8 * width},
                                        {roots, 1, 2 * n * width}, {e2, 3, dd * width},
                                        {quad, 1, n * (n + 1) / 2}, {scratch, 1, 2 * width},
                                        {bounds, 1, 4 * dd}};
    w->doubles = bht__alloc_doubles(groups, sizeof groups / sizeof groups[0]);
    w->zero_y = calloc(4 * n, 1);
    w->perm = malloc(d * sizeof *w->perm);
    w->v = malloc((3 * n * d + 2 * d * d + n) * sizeof *w->v);
    w->Y = malloc(2 * n * d * sizeof *w->Y);
    if (!w->doubles || !w->zero_y || !w->perm || !w->v || !w->Y) {
        bht__lsup_work_free(w);
        return NULL;
    }
    w->Z = w->Y + n * d;
    w->zero_z = w->zero_y + n;
    w->zero_p = w->zero_z + n;
    w->zero_q = w->zero_p + n;
    w->ac.n = n;
    w->ac.width = w->width;
    w->ac.dlo = w->dlo;
    w->ac.dhi = w->dhi;
    w->ac.dmax = w->dmax;
    w->ac.order = order;
    w->q = w->v + n * d;
    w->E0 = w->q + n * d;
    w->K = w->E0 + d * d;
    w->mp = w->K + d * d + n;
    return w;
}

static double midpoint(ivl a)
{
    return a.lo * 0.5 + a.hi * 0.5;
}

/* Zero-row flags of Y and Z and the split weights, once Y and Z are set. */
static void design_flags(lsup_work *w)
{
    const size_t d = w->d;
    for (size_t i = 0; i < w->n; i++) {
        int zy = 1, zz = 1;
        double weight = 0.0;
        for (size_t k = 0; k < d; k++) {
            ivl y = w->Y[i * d + k], z = w->Z[i * d + k];
            zy &= y.lo == 0.0 && y.hi == 0.0;
            zz &= z.lo == 0.0 && z.hi == 0.0;
            weight += midpoint(y) * midpoint(y) + midpoint(z) * midpoint(z);
        }
        w->zero_y[i] = (unsigned char)zy;
        w->zero_z[i] = (unsigned char)zz;
        w->row_weight[i] = weight;
    }
}

/* Rows of the n-by-d model X that are exactly zero. */
static void zero_rows(size_t n, size_t d, const double *X, unsigned char *zero)
{
    for (size_t i = 0; i < n; i++) {
        int z = 1;
        for (size_t k = 0; k < d; k++)
            z &= X[i * d + k] == 0.0;
        zero[i] = (unsigned char)z;
    }
}

/* x 2^e as an interval: the point when exact, else its two neighbours
 * (ldexp rounds only when the result is subnormal). */
static ivl scaled_interval(ivl x, int e)
{
    ivl r;
    for (int end = 0; end < 2; end++) {
        double v = end ? x.hi : x.lo, t = ldexp(v, e);
        if (ldexp(t, -e) != v)
            t = end ? ivl_up(t) : ivl_down(t);
        if (end)
            r.hi = t;
        else
            r.lo = t;
    }
    return r;
}

/* The exponent of the largest |entry| of column j of the n-by-d matrix X (0 for a zero column). */
static int column_exponent(size_t n, size_t d, const double *X, size_t j)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(X[i * d + j]));
    return m > 0.0 ? ilogb(m) : 0;
}

/* The exponent of the largest magnitude among count intervals (0 when all are 0). */
static int interval_exponent(size_t count, const ivl *v)
{
    double m = 0.0;
    for (size_t k = 0; k < count; k++)
        m = fmax(m, ivl_mag(v[k]));
    return m > 0.0 && isfinite(m) ? ilogb(m) : 0;
}

/* The design is used up to invariances that keep every form in range: each
 * column of A scaled by the power of two of its largest entry, B by its own
 * (H^2 is invariant under column scaling of either model), M by A's (nu(A D,
 * M D) = nu(A, M)) and then by 2^-k so that its largest entry is ~1 (nu
 * scales by 2^-2k, undone in bht__lsup_enclose).  Entries that underflow are
 * enclosed in intervals: nothing is refused (rows 2^+-500 apart made the
 * exact rescaling fail, and nu ~ 2^800 overflowed the forms' radii: found
 * by the extreme-scales generator of tests/sup_hazards.h). */
lsup_work *bht__lsup_work_new(enum lsup_objective objective, size_t n, size_t d, const double *A,
                         const double *X)
{
    lsup_work *w = work_alloc(objective, n, d, d, 0);
    if (!w)
        return NULL;
    int k = 0, first = 1;
    for (size_t j = 0; j < d; j++) {
        int ea = column_exponent(n, d, A, j);
        int ex = objective == LSUP_NU ? ea : column_exponent(n, d, X, j);
        for (size_t i = 0; i < n; i++) {
            w->Y[i * d + j] = scaled_interval(ivl_point(A[i * d + j]), -ea);
            if (objective == LSUP_NU && X[i * d + j] != 0.0) { /* k = max_ij exp(m_ij 2^-ea) */
                int e = ilogb(X[i * d + j]) - ea;
                k = first || e > k ? e : k;
                first = 0;
            }
        }
        if (objective == LSUP_H2)
            for (size_t i = 0; i < n; i++)
                w->Z[i * d + j] = scaled_interval(ivl_point(X[i * d + j]), -ex);
    }
    if (objective == LSUP_NU) {
        for (size_t j = 0; j < d; j++) {
            int ea = column_exponent(n, d, A, j);
            for (size_t i = 0; i < n; i++) /* one scaling, ea + k: no intermediate overflow */
                w->Z[i * d + j] = scaled_interval(ivl_point(X[i * d + j]), -(ea + k));
        }
        w->scale_exp = 2 * k;
    }
    design_flags(w);
    memcpy(w->zero_p, w->zero_y, n);
    memcpy(w->zero_q, w->zero_z, n);
    return w;
}

lsup_work *bht__lsup_work_new_complement(enum lsup_objective objective, size_t n, size_t d,
                                    const double *A, const double *X, bht_status *status)
{
    if (d == 0 || d >= n) {
        *status = BHT_E_INVALID;
        return NULL;
    }
    lsup_work *w = work_alloc(objective, n, d, n - d, 1);
    if (!w) {
        *status = BHT_E_NOMEM;
        return NULL;
    }
    bht_status st = objective == LSUP_NU ? bht__lsup_null_basis(n, d, A, X, w->Y, w->Z)
                                         : bht__lsup_null_basis(n, d, A, NULL, w->Y, NULL);
    if (st == BHT_OK && objective == LSUP_H2)
        st = bht__lsup_null_basis(n, d, X, NULL, w->Z, NULL);
    if (st != BHT_OK) {
        bht__lsup_work_free(w);
        *status = st;
        return NULL;
    }
    /* any basis of the null space will do: column t of N (and of its D, so
     * that A^T D = -M^T N still holds) scaled by the power of two of N's
     * largest entry; B's null basis by its own; then D by 2^-k as M in
     * bht__lsup_work_new (nu scales by 2^-2k) */
    const size_t m = n - d;
    for (int pass = 0; pass < (objective == LSUP_H2 ? 2 : 1); pass++) {
        ivl *basis = pass ? w->Z : w->Y;
        for (size_t t = 0; t < m; t++) {
            double big = 0.0;
            for (size_t i = 0; i < n; i++)
                big = fmax(big, ivl_mag(basis[i * m + t]));
            int e = big > 0.0 ? ilogb(big) : 0;
            for (size_t i = 0; i < n; i++) {
                basis[i * m + t] = scaled_interval(basis[i * m + t], -e);
                if (objective == LSUP_NU)
                    w->Z[i * m + t] = scaled_interval(w->Z[i * m + t], -e);
            }
        }
    }
    if (objective == LSUP_NU) {
        int k = interval_exponent(n * m, w->Z);
        for (size_t i = 0; i < n * m; i++)
            w->Z[i] = scaled_interval(w->Z[i], -k);
        w->scale_exp = 2 * k;
    }
    design_flags(w);
    zero_rows(n, d, A, w->zero_p);
    zero_rows(n, d, X, w->zero_q);
    *status = BHT_OK;
    return w;
}

lsup_work *bht__lsup_work_clone(const lsup_work *src)
{
    const size_t n = src->n;
    lsup_work *w = work_alloc(src->objective, n, src->dm, src->d, src->complement);
    if (!w)
        return NULL;
    /* what the constructors set; everything else is scratch of enclose */
    memcpy(w->Y, src->Y, 2 * n * src->d * sizeof *w->Y); /* Y, then Z */
    memcpy(w->zero_y, src->zero_y, 4 * n);               /* zero_y, _z, _p, _q */
    memcpy(w->row_weight, src->row_weight, n * sizeof *w->row_weight);
    w->scale_exp = src->scale_exp;
    return w;
}

/* sqrt(sum x_k^2) for x_k = X[k stride], k < count, scaled by the largest
 * |x_k| so that neither squares of tiny entries underflow nor big ones
 * overflow. */
static double scaled_norm(size_t count, const double *X, size_t stride)
{
    double big = 0.0, sum = 0.0;
    for (size_t k = 0; k < count; k++)
        big = fmax(big, fabs(X[k * stride]));
    if (!(big > 0.0) || !isfinite(big))
        return big;
    for (size_t k = 0; k < count; k++) {
        double t = X[k * stride] / big;
        sum += t * t;
    }
    return big * sqrt(sum);
}

/* R with W P = Q R (Householder, rows sorted by decreasing size and
 * columns pivoted by remaining norm; perm[j] is the column of W in position
 * j): for row-graded designs (rows 2^+-300 apart) its rows are accurate
 * row by row (Cox and Higham, BIT 38, 1998), where the Cholesky factor of the
 * Gram matrix broke down or missed S by more than beta = 1/2 (found by the
 * extreme-scales generator of tests/sup_hazards.h).  Columns are pivoted
 * only when pivot is set.  W (n-by-d) is overwritten.  Only an approximation is needed: the enclosures hold for
 * any invertible R.  0 when a pivot vanishes. */
static int pivoted_qr(size_t n, size_t d, double *W, double *R, size_t *perm, int pivot)
{
    for (size_t i = 1; i < n; i++) { /* insertion sort of the rows by their largest entry */
        for (size_t j = i; j > 0; j--) {
            double a = 0.0, b = 0.0;
            for (size_t k = 0; k < d; k++) {
                a = fmax(a, fabs(W[(j - 1) * d + k]));
                b = fmax(b, fabs(W[j * d + k]));
            }
            if (!(b > a))
                break;
            for (size_t k = 0; k < d; k++) {
                double t = W[j * d + k];
                W[j * d + k] = W[(j - 1) * d + k];
                W[(j - 1) * d + k] = t;
            }
        }
    }
    for (size_t j = 0; j < d; j++)
        perm[j] = j;
    memset(R, 0, d * d * sizeof *R);
    for (size_t k = 0; k < d; k++) {
        size_t best = k;
        double best_norm = -1.0;
        for (size_t j = k; j < (pivot ? d : k + 1); j++) {
            double t = scaled_norm(n - k, W + k * d + j, d);
            if (t > best_norm) {
                best_norm = t;
                best = j;
            }
        }
        if (!(best_norm > 0.0) || !isfinite(best_norm))
            return 0;
        if (best != k) {
            for (size_t i = 0; i < n; i++) {
                double t = W[i * d + k];
                W[i * d + k] = W[i * d + best];
                W[i * d + best] = t;
            }
            size_t t = perm[k];
            perm[k] = perm[best];
            perm[best] = t;
        }
        /* v = x - alpha e_1 with alpha = -sign(x_0) ||x||, so v^T v = -2 alpha v_0
         * and H = I - 2 v v^T / v^T v maps x to alpha e_1:
         * H y = y + v (v^T y) / (alpha v_0) */
        double alpha = W[k * d + k] >= 0.0 ? -best_norm : best_norm;
        double v0 = W[k * d + k] - alpha;
        for (size_t j = k + 1; j < d; j++) {
            double dot = v0 * W[k * d + j];
            for (size_t i = k + 1; i < n; i++)
                dot += W[i * d + k] * W[i * d + j];
            double f = dot / v0 / alpha;
            W[k * d + j] += f * v0;
            for (size_t i = k + 1; i < n; i++)
                W[i * d + j] += f * W[i * d + k];
        }
        W[k * d + k] = alpha; /* row k of W is now row k of R (later pivots swap it too) */
    }
    for (size_t k = 0; k < d; k++)
        for (size_t j = k; j < d; j++)
            R[k * d + j] = W[k * d + j];
    for (size_t k = 0; k < d * d; k++)
        if (!isfinite(R[k]))
            return 0;
    return 1;
}

/* rows[l] <- R^-T P^T rows[l] for interval rows (forward substitution in
 * interval arithmetic); tmp holds d intervals. */
static void transform_rows(size_t n, size_t d, const double *R, const size_t *perm,
                           const ivl *src, ivl *dst, ivl *tmp)
{
    for (size_t l = 0; l < n; l++) {
        for (size_t j = 0; j < d; j++)
            tmp[j] = src[l * d + perm[j]];
        for (size_t j = 0; j < d; j++) { /* solve R^T z = tmp */
            ivl t = tmp[j];
            for (size_t k = 0; k < j; k++)
                t = ivl_sub(t, ivl_mul(ivl_point(R[k * d + j]), dst[l * d + k]));
            dst[l * d + j] = ivl_div(t, ivl_point(R[j * d + j]));
        }
    }
}

/* Sm = sum_l c_l mid(y_l) mid(y_l)^T for the interval rows. */
static void weighted_gram(lsup_work *w, const ivl *rows)
{
    const size_t n = w->n, d = w->d;
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            double acc = 0.0;
            for (size_t l = 0; l < n; l++)
                acc += w->c[l] * midpoint(rows[l * d + a]) * midpoint(rows[l * d + b]);
            w->Sm[a * d + b] = acc;
        }
}

/* R upper triangular with R^T R = Sm (Cholesky; R = L^T), identity
 * permutation.  0 on a non-positive or non-finite pivot. */
static int cholesky_r(size_t d, const double *Sm, double *R, size_t *perm)
{
    memset(R, 0, d * d * sizeof *R);
    for (size_t j = 0; j < d; j++) {
        perm[j] = j;
        double diag = Sm[j * d + j];
        for (size_t k = 0; k < j; k++)
            diag -= R[k * d + j] * R[k * d + j];
        if (!(diag > 0.0) || !isfinite(diag))
            return 0;
        R[j * d + j] = sqrt(diag);
        for (size_t i = j + 1; i < d; i++) {
            double t = Sm[j * d + i];
            for (size_t k = 0; k < j; k++)
                t -= R[k * d + i] * R[k * d + j];
            R[j * d + i] = t / R[j * d + j];
        }
    }
    return 1;
}

/* Preconditioning by the invariance (Y, Z) -> (Y T, Z T), T = P R^-1 with
 * R^T R ~ P^T Y^T U_c Y P at the midpoints: from the Cholesky factor of that
 * Gram matrix, or, when it breaks down, from the pivoted QR of the rows
 * (pivoted_qr).  The transformed interval rows are checked: while their Gram
 * matrix is not within 2^-20 of I (a graded or nearly rank-deficient design
 * leaves the first factor accurate only row by row), the step is repeated
 * on them, as in iterative refinement.  Exact on the intervals whatever T
 * is; the aim is a new S close to I at the center.  0 when every
 * factorisation fails. */
static int precondition(lsup_work *w, const ivl *Y, const ivl *Z, ivl *ys, ivl *zs)
{
    const size_t n = w->n, d = w->d;
    ivl *tmp = w->K; /* free until inverse_forms */
    for (int pass = 0; pass < 4; pass++) {
        const ivl *rows = pass ? ys : Y;
        weighted_gram(w, rows);
        if (pass > 0) {
            double deviation = 0.0;
            for (size_t a = 0; a < d; a++)
                for (size_t b = 0; b < d; b++)
                    deviation = fmax(deviation, fabs(w->Sm[a * d + b] - (a == b)));
            if (deviation < 0x1p-20)
                break;
        }
        if (!cholesky_r(d, w->Sm, w->R, w->perm)) {
            for (size_t l = 0; l < n; l++) {
                double weight = sqrt(w->c[l]);
                for (size_t a = 0; a < d; a++)
                    w->qr[l * d + a] = weight * midpoint(rows[l * d + a]);
            }
            if (!pivoted_qr(n, d, w->qr, w->R, w->perm, 1))
                return pass > 0; /* the rows of an earlier pass are still valid */
        }
        transform_rows(n, d, w->R, w->perm, rows, ys, tmp);
        if (Z) /* the second rows: in place after the first pass */
            transform_rows(n, d, w->R, w->perm, pass ? zs : Z, zs, tmp);
    }
    return 1;
}

/* Second-order forms (inverse_forms, with E and E^2 as forms): G = I + E +
 * E^2 + sum_{m >= 1} E^2 E^m.  E is affine in the box coordinates, so the
 * terms m >= 1 are of third order and forms would only carry their bounds:
 * they are bounded entrywise instead, |E^2 E^m| <= P B^m for the entrywise
 * bounds P of |E^2| and B of |E| (max |form| over the box), summed while a
 * term adds more than 2^-24 of the sum (at most 64 terms), the rest at most
 * ||P B^m||_inf b / (1 - b) in every entry (b = ||B||_inf, about beta;
 * 0 unless b < 1/2); every step rounded up.  Costs d^3 operations per
 * term, not d^3 products of forms (the first-order code stops at E^8;
 * with second-order forms at n = 8, d = 3 this is 2.5 times faster per
 * box on the wide boxes, the bounds about the same). */
static int inverse_tail_bounds(lsup_work *w)
{
    const size_t d = w->d, dd = d * d;
    double *B = w->bounds, *term = B + dd, *next = term + dd, *sum = next + dd;
    double beta = 0.0;
    for (size_t i = 0; i < d; i++) {
        double row = 0.0;
        for (size_t j = 0; j < d; j++) {
            const size_t k = i * d + j;
            const double *e = AFF(w, w->N, k), *e2 = AFF(w, w->E2, k);
            B[k] = ivl_up(ivl_up(fabs(e[0]) + bht__aff_linear_span(&w->ac, e)) + RAD(w, e));
            term[k] = ivl_up(ivl_up(fabs(e2[0]) + bht__aff_linear_span(&w->ac, e2)) + RAD(w, e2));
            sum[k] = 0.0;
            row = ivl_up(row + B[k]);
        }
        beta = fmax(beta, row);
    }
    if (!(beta < 0.5)) {
        w->beta_failed = 1;
        return 0;
    }
    double norm = 0.0; /* ||term||_inf, rounded up */
    for (int m = 1; m <= 64; m++) {
        double added = 0.0, total = 0.0;
        norm = 0.0;
        for (size_t i = 0; i < d; i++) {
            double row = 0.0;
            for (size_t j = 0; j < d; j++) {
                double t = 0.0;
                for (size_t k = 0; k < d; k++)
                    t = ivl_up(t + ivl_up(term[i * d + k] * B[k * d + j]));
                next[i * d + j] = t;
                sum[i * d + j] = ivl_up(sum[i * d + j] + t);
                row = ivl_up(row + t);
                added = fmax(added, t);
                total = fmax(total, sum[i * d + j]);
            }
            norm = fmax(norm, row);
        }
        memcpy(term, next, dd * sizeof *term);
        if (!(added > total * 0x1p-24))
            break;
    }
    const double rest = ivl_up(ivl_up(norm * beta) / ivl_down(1.0 - beta));
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double *g = AFF(w, w->G, i * d + j);
            memcpy(g, AFF(w, w->N, i * d + j), w->width * sizeof *g);
            g[0] += i == j ? 1.0 : 0.0; /* |E_ii| < 1/2: exact enough, error below */
            RAD(w, g) = bht__aff_inflate(RAD(w, g) + bht__aff_err_bound(fabs(g[0])));
            bht__aff_add(&w->ac, g, g, 1.0, AFF(w, w->E2, i * d + j));
            RAD(w, g) = ivl_up(RAD(w, g) + ivl_up(sum[i * d + j] + rest));
        }
    return isfinite(rest);
}

/* The highest power of E kept as forms in inverse_forms. */
#define INVERSE_MAX_POWER 8

/* G = (Y^T U Y)^-1 as affine forms (d*d) for preconditioned interval rows
 * Y: S = I - E, E = E0 - sum_l delta_l y_l y_l^T, E0 = I - sum_l c_l y_l y_l^T,
 * beta >= ||E||_inf < 1/2: S^-1 = I + E + ... + E^K + E^(K+1) (I - E)^-1, with
 * E, ..., E^K as forms (products of forms, so the higher terms are bounded
 * entry by entry; K = 3, more for wide boxes, see below) and the last term at
 * most beta^(K+1) / (1 - beta) in every entry; second-order forms: E and E^2
 * as forms, the rest bounded entrywise (inverse_tail_bounds).
 * Uses w->N for E; adds each coordinate's part of ||E|| to w->fail_score.
 * 0 when beta >= 1/2. */
static int inverse_forms(lsup_work *w, const ivl *Y, const unsigned char *zero)
{
    const size_t n = w->n, d = w->d;
    ivl *coefficient = w->K + d * d; /* n intervals */
    double *E = w->N;
    double beta = 0.0;
    for (size_t i = 0; i < d; i++) {
        double row = 0.0;
        for (size_t j = 0; j < d; j++) {
            ivl e = ivl_point(i == j ? 1.0 : 0.0);
            double varying = 0.0;
            for (size_t l = 0; l < n; l++) {
                if (zero[l]) {
                    coefficient[l] = ivl_point(0.0);
                    continue;
                }
                ivl yy = ivl_mul(Y[l * d + i], Y[l * d + j]);
                e = ivl_sub(e, ivl_mul(ivl_point(w->c[l]), yy));
                varying = ivl_up(varying + ivl_up(ivl_mag(yy) * w->dmax[l]));
                w->fail_score[l] += ivl_mag(yy) * w->dmax[l];
                coefficient[l] = (ivl){-yy.hi, -yy.lo};
            }
            row = ivl_up(row + ivl_up(ivl_mag(e) + varying));
            bht__aff_from_intervals(&w->ac, AFF(w, E, i * d + j), e, coefficient, 1);
        }
        beta = fmax(beta, row);
    }
    if (!(beta < 0.5)) {
        w->beta_failed = 1;
        return 0;
    }
    double *E2 = w->E2;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double *e2 = AFF(w, E2, i * d + j);
            bht__aff_constant(&w->ac, e2, 0.0);
            for (size_t t = 0; t < d; t++) {
                bht__aff_mul_add(&w->ac, e2, AFF(w, E, i * d + t), AFF(w, E, t * d + j));
            }
        }
    if (w->ac.order == 2)
        return inverse_tail_bounds(w);
    /* the last power: 3, or more (up to 8) while the tail would exceed
     * 2^-12 (wide boxes, beta ~ 0.3-0.5: at n = 8, d = 3 the bound at
     * 400,000 cells fell from 1.13 to 0.85; a box with beta below 0.12
     * costs what it did) */
    int top = 3;
    double betak = ivl_up(ivl_up(beta * beta) * ivl_up(beta * beta)); /* beta^(top + 1) */
    const double shrink = ivl_down(1.0 - beta);
    while (top < INVERSE_MAX_POWER && ivl_up(betak / shrink) > 0x1p-12) {
        top++;
        betak = ivl_up(betak * beta);
    }
    const double tail = ivl_up(betak / shrink);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double *g = AFF(w, w->G, i * d + j);
            memcpy(g, AFF(w, E, i * d + j), w->width * sizeof *g);
            g[0] += i == j ? 1.0 : 0.0; /* |E_ii| < 1/2: exact enough, error below */
            RAD(w, g) = bht__aff_inflate(RAD(w, g) + bht__aff_err_bound(fabs(g[0])));
            bht__aff_add(&w->ac, g, g, 1.0, AFF(w, E2, i * d + j));
        }
    const double *power = E2;
    for (int k = 3; k <= top; k++) { /* E^k = E^(k-1) E */
        double *next = power == w->Pa ? w->Pb : w->Pa;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                double *p = AFF(w, next, i * d + j);
                bht__aff_constant(&w->ac, p, 0.0);
                for (size_t t = 0; t < d; t++)
                    bht__aff_mul_add(&w->ac, p, AFF(w, power, i * d + t), AFF(w, E, t * d + j));
                double *g = AFF(w, w->G, i * d + j);
                bht__aff_add(&w->ac, g, g, 1.0, p);
            }
        power = next;
    }
    for (size_t i = 0; i < d * d; i++) {
        double *g = AFF(w, w->G, i);
        RAD(w, g) = bht__aff_inflate(RAD(w, g) + tail);
    }
    return 1;
}

/* dst = sum_b F[b] y_b for interval coefficients y_b (their radii times
 * |F[b]| go to the radius); dst distinct from F. */
static void combine_intervals(const lsup_work *w, double *dst, const double *F, const ivl *y)
{
    bht__aff_constant(&w->ac, dst, 0.0);
    double extra = 0.0;
    for (size_t b = 0; b < w->d; b++) {
        const double *f = AFF(w, F, b);
        double mid = y[b].lo * 0.5 + y[b].hi * 0.5;
        double r = ivl_up(fmax(y[b].hi - mid, mid - y[b].lo));
        if (mid != 0.0)
            bht__aff_axpy(&w->ac, dst, mid, f);
        extra += r * (fabs(f[0]) + bht__aff_linear_span(&w->ac, f) + RAD(w, f));
    }
    RAD(w, dst) = bht__aff_inflate(RAD(w, dst) + bht__aff_inflate(extra));
}

/* u_i as a form: center c_i, coefficient 1 on delta_i. */
static void weight_form(const lsup_work *w, double *z, size_t i)
{
    bht__aff_constant(&w->ac, z, w->c[i]);
    z[i + 1] = 1.0;
}

/* Forms for interval row y: g = G y (d forms in w->g) and gamma = y^T g. */
static void row_forms(lsup_work *w, const ivl *y, double *gamma)
{
    const size_t d = w->d;
    for (size_t a = 0; a < d; a++) /* row a of G: forms a d .. a d + d - 1 */
        combine_intervals(w, AFF(w, w->g, a), AFF(w, w->G, a * d), y);
    combine_intervals(w, gamma, w->g, y);
}

/* nu over the box.  Direct: (Y, Z) = (A, M), weights u, terms
 * u_i r_i^2 / gamma_i.  Complement: (Y, Z) = (N, D) with A^T N = 0 and
 * A^T D = -M^T N, weights v = 1/u; then h_i = 1 - k_i, k_i = v_i gamma_i the
 * leverage of N, dh_i = -dk_i, so W_ii = -v_i r_i and the terms are
 * v_i^2 r_i^2 / (1 - v_i gamma_i) (r_i, gamma_i formed from (N, D) exactly as
 * from (A, M)).  Either way the sum is divided by the model's d. */
static int enclose_nu(lsup_work *w, double *sum)
{
    const size_t n = w->n, d = w->d;
    double *gamma = AFF(w, w->t, 0), *mu = AFF(w, w->t, 1), *eta = AFF(w, w->t, 2);
    double *p = AFF(w, w->t, 3), *q = AFF(w, w->t, 4), *term = AFF(w, w->t, 5);
    ivl *ya = w->v, *ym = w->mp;
    if (!precondition(w, w->Y, w->Z, ya, ym) || !inverse_forms(w, ya, w->zero_y))
        return 0;
    /* M' = M - A X for X ~ S(center)^-1 A^T U_c M = A^T U_c M (S ~ I now);
     * any X leaves nu unchanged, and this one makes N = A^T U M' small on
     * the box, so r_i = m'_i^T g_i - g_i^T N g_i no longer cancels. */
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            double acc = 0.0;
            for (size_t l = 0; l < n; l++)
                acc += w->c[l] * (ya[l * d + a].lo * 0.5 + ya[l * d + a].hi * 0.5)
                       * (ym[l * d + b].lo * 0.5 + ym[l * d + b].hi * 0.5);
            w->Xp[a * d + b] = isfinite(acc) ? acc : 0.0;
        }
    for (size_t l = 0; l < n; l++) {
        ivl *row = w->q + l * d; /* m'_l, then copied back */
        for (size_t b = 0; b < d; b++) {
            ivl m = ym[l * d + b];
            for (size_t t = 0; t < d; t++)
                m = ivl_sub(m, ivl_mul(ya[l * d + t], ivl_point(w->Xp[t * d + b])));
            row[b] = m;
        }
        memcpy(ym + l * d, row, d * sizeof *row);
    }
    ivl *coefficient = w->K + d * d;
    for (size_t a = 0; a < d; a++) /* N = sum_l u_l a_l m'_l^T */
        for (size_t b = 0; b < d; b++) {
            ivl k0 = ivl_point(0.0);
            for (size_t l = 0; l < n; l++) {
                coefficient[l] = ivl_mul(ya[l * d + a], ym[l * d + b]);
                k0 = ivl_add(k0, ivl_mul(ivl_point(w->c[l]), coefficient[l]));
            }
            bht__aff_from_intervals(&w->ac, AFF(w, w->N, a * d + b), k0, coefficient, 1);
        }
    bht__aff_constant(&w->ac, sum, 0.0);
    for (size_t i = 0; i < n; i++) {
        if (w->zero_p[i] || w->zero_y[i]) /* p_i = 0, or (complement) k_i = 0 and r_i = 0 */
            continue;
        row_forms(w, ya + i * d, gamma);
        combine_intervals(w, mu, w->g, ym + i * d);
        for (size_t a = 0; a < d; a++) { /* (N g)_a */
            double *Nga = AFF(w, w->Ng, a);
            bht__aff_constant(&w->ac, Nga, 0.0);
            for (size_t b = 0; b < d; b++) {
                bht__aff_mul_add(&w->ac, Nga, AFF(w, w->N, a * d + b), AFF(w, w->g, b));
            }
        }
        bht__aff_constant(&w->ac, eta, 0.0);
        for (size_t a = 0; a < d; a++) {
            bht__aff_mul_add(&w->ac, eta, AFF(w, w->g, a), AFF(w, w->Ng, a));
        }
        bht__aff_add(&w->ac, mu, mu, -1.0, eta); /* r_i */
        weight_form(w, q, i);
        if (w->complement) {
            bht__aff_mul(&w->ac, p, q, mu);     /* v_i r_i */
            bht__aff_mul(&w->ac, term, p, p);   /* v_i^2 r_i^2 */
            bht__aff_mul(&w->ac, mu, q, gamma); /* k_i */
            bht__aff_constant(&w->ac, eta, 1.0);
            bht__aff_add(&w->ac, gamma, eta, -1.0, mu); /* h_i = 1 - k_i */
        } else {
            bht__aff_mul(&w->ac, p, mu, mu);
            bht__aff_mul(&w->ac, term, q, p); /* u_i r_i^2 */
        }
        if (!bht__aff_reciprocal(&w->ac, p, gamma)) {
            w->fail_form = gamma;
            return 0;
        }
        bht__aff_mul_add(&w->ac, sum, term, p);
    }
    bht__aff_div_constant(&w->ac, AFF(w, w->t, 6), sum, (double)w->dm);
    memcpy(sum, AFF(w, w->t, 6), w->width * sizeof *sum);
    return 1;
}

/* sqrt(p_i) = sqrt(u_i gamma_ii / d) for all rows of one model, into out
 * (n forms; rows with p_i = 0 give 0); for the complement (Y a null basis,
 * weights v) sqrt((1 - v_i gamma_ii) / d). */
static int root_forms(lsup_work *w, const ivl *Y, const unsigned char *zero_design,
                      const unsigned char *zero_model, double *out)
{
    double *gamma = AFF(w, w->t, 0), *p = AFF(w, w->t, 1), *u = AFF(w, w->t, 2);
    ivl *ys = w->v;
    if (!precondition(w, Y, NULL, ys, NULL) || !inverse_forms(w, ys, zero_design))
        return 0;
    for (size_t i = 0; i < w->n; i++) {
        double *z = AFF(w, out, i);
        if (zero_model[i]) {
            bht__aff_constant(&w->ac, z, 0.0);
            continue;
        }
        row_forms(w, ys + i * w->d, gamma);
        weight_form(w, u, i);
        bht__aff_mul(&w->ac, p, u, gamma); /* h_i, or k_i for the complement */
        if (w->complement) {          /* h_i = 1 - k_i */
            bht__aff_constant(&w->ac, u, 1.0);
            bht__aff_add(&w->ac, u, u, -1.0, p);
        }
        bht__aff_div_constant(&w->ac, gamma, w->complement ? u : p, (double)w->dm);
        if (!bht__aff_sqrt(&w->ac, z, gamma)) {
            w->fail_form = gamma;
            return 0;
        }
    }
    return 1;
}

static int enclose_h2(lsup_work *w, double *sum, double *roots)
{
    const size_t n = w->n;
    double *sp = roots, *sq = roots + n * w->width, *p = AFF(w, w->t, 3);
    if (!root_forms(w, w->Y, w->zero_y, w->zero_p, sp)
        || !root_forms(w, w->Z, w->zero_z, w->zero_q, sq))
        return 0;
    bht__aff_constant(&w->ac, sum, 0.0);
    for (size_t i = 0; i < n; i++) {
        double *diff = AFF(w, sp, i);
        bht__aff_add(&w->ac, diff, diff, -1.0, AFF(w, sq, i));
        bht__aff_mul_add(&w->ac, sum, diff, diff);
    }
    bht__aff_div_constant(&w->ac, p, sum, 2.0);
    memcpy(sum, p, w->width * sizeof *sum);
    return 1;
}

int bht__lsup_enclose(lsup_work *w, const double *lo, const double *hi, const double *center,
                 ivl *range, double *center_value, double *score)
{
    const size_t n = w->n;
    double total = 0.0;
    for (size_t k = 0; k < n; k++) {
        double l = lo[k], h = hi[k], c = center[k];
        if (w->complement) { /* v = 1/u on [1/hi, 1/lo], rounded outward */
            l = ivl_down(1.0 / hi[k]);
            h = ivl_up(1.0 / lo[k]);
            c = fmin(fmax(1.0 / center[k], l), h);
        }
        w->c[k] = c;
        w->dlo[k] = l == h && c == l ? 0.0 : ivl_down(l - c); /* a face's u_f = 1: delta = 0 */
        w->dhi[k] = l == h && c == l ? 0.0 : ivl_up(h - c);
        w->dmax[k] = fmax(-w->dlo[k], w->dhi[k]);
        total += (h - l) / c;
    }
    if (w->ac.order == 2)
        bht__aff_set_qweights(&w->ac);
    double *value = AFF(w, w->t, 7);
    w->fail_form = NULL;
    w->beta_failed = 0;
    memset(w->fail_score, 0, n * sizeof *w->fail_score); /* summed over H^2's two models */
    int ok = w->objective == LSUP_NU ? enclose_nu(w, value) : enclose_h2(w, value, w->roots);
    ok = ok && isfinite(RAD(w, value));
    if (ok) {
        range->lo = bht__aff_lower(&w->ac, value);
        range->hi = bht__aff_upper(&w->ac, value);
        *center_value = value[0];
        if (w->scale_exp != 0) { /* back to the caller's M: times 2^scale_exp, outward */
            *range = scaled_interval(*range, w->scale_exp);
            *center_value = ldexp(*center_value, w->scale_exp);
        }
    }
    /* where to split: the coordinate whose halving shrinks the bound most.
     * A coordinate's part of the upper end is its linear term, plus its
     * share of the remainder: its share of ||E|| (the spread of S over the
     * box, which the remainders of every later product grow from), or, when
     * that is not available, of the box's relative width.  (The remainder
     * by relative width alone took 2-5x more cells on the bench_sup shapes
     * n 6, d 1, 4, 5.)  On failure, where the failing quantity varies
     * most. */
    const double *form = ok ? value : w->fail_form;
    double spread = 0.0;
    for (size_t k = 0; k < n; k++)
        spread += w->fail_score[k];
    int by_spread = ok && spread > 0.0 && isfinite(spread);
    for (size_t k = 0; score && k < n; k++) {
        double width = w->dhi[k] - w->dlo[k];
        if (form && by_spread)
            score[k] = fabs(form[k + 1]) * w->dmax[k] + RAD(w, form) * (w->fail_score[k] / spread);
        else if (form) /* linear part, plus the remainder by width */
            score[k] = fabs(form[k + 1]) * width
                       + (total > 0.0 ? RAD(w, form) * (width / w->c[k]) / total : 0.0);
        else if (w->beta_failed) /* the coordinate's share of ||E|| */
            score[k] = w->fail_score[k];
        else
            score[k] = width / w->c[k] * w->row_weight[k];
    }
    if (score && form && by_spread && w->ac.order == 2) {
        /* second order: each quadratic term's bound counts for both of its
         * coordinates (halving either halves the term at least) */
        size_t j = n + 1;
        for (size_t k = 0; k < n; k++)
            for (size_t l = k; l < n; l++, j++) {
                double term = fabs(form[j]) * w->ac.qweight[j - n - 1];
                score[k] += term;
                if (l != k)
                    score[l] += term;
            }
    }
    if (!ok)
        return -1;
    return isnan(range->lo) || isnan(range->hi) ? -1 : 0;
}

const double *bht__lsup_last_form(const lsup_work *w)
{
    return AFF(w, w->t, 7);
}

enum lsup_objective bht__lsup_objective_of(const lsup_work *w) { return w->objective; }
