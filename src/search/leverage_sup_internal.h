/* leverage_sup_internal.h: the interval enclosures behind bht_nu_leverage_sup
 * and bht_plan_leverage (leverage_sup.c), exposed for the tests only.
 *
 * Both objectives depend on the query s only through the weights
 * u_i = 1 / s_i^2 (signs cancel) and are invariant under u -> t u, so the
 * search runs over weight boxes.  With S = A^T U A, G = S^-1,
 * g_i = G a_i, N = A^T U M (rows with a_i = 0 drop out):
 *   nu(u) = (1/d) sum_i u_i r_i^2 / (a_i^T g_i),  r_i = m_i^T g_i - g_i^T N g_i
 * (W_ii = u_i r_i and h_ii = u_i a_i^T g_i), and for two models with
 * p_i = u_i a_i^T G_A a_i / d, q_i = u_i b_i^T G_B b_i / d:
 *   H^2(u) = (1/2) sum_i (sqrt p_i - sqrt q_i)^2.
 * Each is enclosed over a box by affine forms in u - center
 * (leverage_sup.c): exact linear part (nu, n <= 16: and quadratic part),
 * rigorous remainder.
 * Complement (d < n): N with A^T N = 0, D with A^T D = -M^T N, v = 1/u,
 * T = N^T V N, k_i = v_i n_i^T T^-1 n_i = 1 - h_ii and, with r_i formed from
 * (N, D, v) as above, W_ii = -v_i r_i, so
 *   nu(u) = (1/d) sum_i v_i^2 r_i^2 / (1 - k_i),  p_i = (1 - k_i) / d. */
#ifndef BHT_LEVERAGE_SUP_INTERNAL_H
#define BHT_LEVERAGE_SUP_INTERNAL_H

#include <stddef.h>
#include "bht.h"
#include "core/interval.h"

enum lsup_objective { LSUP_NU, LSUP_H2 };

typedef struct lsup_work lsup_work;

/* Workspace for n-by-d models A and X (X = M for LSUP_NU, B for LSUP_H2).
 * Internally the columns are scaled by powers of two and M by 2^-k (entries
 * that underflow kept as intervals); lsup_enclose undoes the factor, so its
 * ranges are those of the objective for the given A, X.  NULL when out of
 * memory. */
lsup_work *bht__lsup_work_new(enum lsup_objective objective, size_t n, size_t d, const double *A,
                         const double *X);
void bht__lsup_work_free(lsup_work *w);

/* The same objective in the complement formulation (d < n): design rows
 * from an exact null basis N of A^T (A^T N = 0) and, for nu, D with
 * A^T D = -M^T N (for H^2, X's own null basis), held as intervals; box
 * coordinates v = 1/u.  NULL with *status BHT_E_NOMEM, BHT_E_SINGULAR
 * (rank A < d) or BHT_E_RANGE (a basis entry beyond double range). */
lsup_work *bht__lsup_work_new_complement(enum lsup_objective objective, size_t n, size_t d,
                                    const double *A, const double *X, bht_status *status);

/* A copy of w (built by either constructor) that encloses every box to the
 * same bits: the constructors' results copied, without recomputing them
 * (the complement's exact null basis costs 0.4 ms at n = 6, d = 5).  NULL
 * when out of memory. */
lsup_work *bht__lsup_work_clone(const lsup_work *w);

/* Exact N (n-by-(n-d)) spanning the null space of A^T and, when M is not
 * NULL, D with A^T D = -M^T N, enclosed entrywise (leverage_sup_null.c). */
bht_status bht__lsup_null_basis(size_t n, size_t d, const double *A, const double *M, ivl *N,
                           ivl *D);

/* 1 when every column of X (n-by-d) lies in the column span of A, decided
 * exactly over Q; 0 when not; -1 out of memory (leverage_sup_null.c). */
int bht__lsup_columns_in_span(size_t n, size_t d, const double *A, const double *X);

/* Encloses the objective over the box lo <= u <= hi (0 < lo, center inside)
 * in *range; *center_value is the form's constant term (an approximation
 * of the objective at center, for choosing candidates) and score (may be
 * NULL) gets, per coordinate, its share of the enclosure's width.  Returns
 * 0, or -1 when the box is too wide for the enclosure of S^-1 (or of a
 * reciprocal or square root): then nothing is certified and score gets the
 * shares of whatever failed (for splitting). */
int bht__lsup_enclose(lsup_work *w, const double *lo, const double *hi, const double *center,
                 ivl *range, double *center_value, double *score);

/* The objective's affine form from the last successful bht__lsup_enclose, in
 * the workspace's internal units (nu: times 2^-2k, see bht__lsup_work_new):
 * [0] constant, [1..n] coefficients of u_k - center_k (complement: of
 * v_k - 1/center_k), then (second order, search/affine.h) the quadratic
 * coefficients, last the radius. */
const double *bht__lsup_last_form(const lsup_work *w);
/* The objective the workspace encloses. */
enum lsup_objective bht__lsup_objective_of(const lsup_work *w);

#endif
