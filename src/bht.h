/* bht.h: public interface of libbht, a verified numerical reference for
 * "Binary Hypothesis Testing for Softmax Models and Leverage Score Models".
 *
 * Conventions shared by every formula:
 *  - dimensions are explicit size_t arguments; matrices are row-major double
 *    arrays (A[i*d + j] is row i, column j);
 *  - every fallible call returns a bht_status; outputs are written only when
 *    the call returns BHT_OK (on error their content is unspecified);
 *  - the library never prints, never exits, keeps no global mutable state;
 *  - "double kernel" = plain binary64 code with a stated ulp budget, proved
 *    free of run-time errors by Frama-C WP; "oracle" = MPFR code returning the
 *    correctly rounded binary64 result (subnormals included). */
#ifndef BHT_H
#define BHT_H

#include <stddef.h>
#include <stdint.h>

/* BHT_API marks every exported declaration: libbht.so is built with
 * -fvisibility=hidden, so only these names (all bht_*) are visible to a
 * program that links it, and the library's internal names (bht__*) can
 * neither clash with nor be replaced by the program's. */
#if defined(__GNUC__) && !defined(__FRAMAC__)
#define BHT_API __attribute__((visibility("default")))
#else
#define BHT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define BHT_VERSION "0.1.0"

typedef enum bht_status {
    BHT_OK = 0,
    BHT_E_INVALID,    /* argument violates a documented precondition (NULL, zero size, shape) */
    BHT_E_NONFINITE,  /* an input value is NaN or infinite */
    BHT_E_RANGE,      /* input outside the domain where the double kernel's bound holds */
    BHT_E_CONSTRAINT, /* query outside its constraint set (||x||_2 > E, s_i^2 outside [c, C]) */
    BHT_E_NOMEM,      /* allocation failed or the size computation would overflow */
    BHT_E_PRECISION,  /* oracle: rounding not decided within the precision cap */
    BHT_E_SINGULAR,   /* matrix is (numerically) rank deficient */
    BHT_E_IO,         /* file could not be opened or read */
    BHT_E_PARSE       /* malformed input text (details in bht_parse_error) */
} bht_status;

/* Short, static, human-readable description of a status. */
BHT_API const char *bht_status_message(bht_status status);

/* ---------------------------------------------------------------- softmax */

/* Largest n accepted by the softmax kernels (keeps every index and the
 * compensated-sum error term within the proved range). */
#define BHT_SOFTMAX_MAX_N ((size_t)1 << 28)
/* Not a limit any more: the double kernels accept every finite logit (and
 * every finite A, x) since issue 12.  Until then |logit| > 2^1020 was
 * refused; the value is kept for golden/v1's flags (src/golden/golden.c). */
#define BHT_SOFTMAX_MAX_LOGIT 0x1p1020

/* p = softmax(z), z of length n >= 1.  Double kernel, every p_i within 1 ulp
 * of the correctly rounded value for every finite z (see softmax.c);
 * BHT_E_NONFINITE for NaN or infinite logits. */
BHT_API bht_status bht_softmax_logits(size_t n, const double *z, double *p);

/* p = softmax(A x), A n-by-d row-major, x of length d.  Double kernel within
 * 1 ulp for every finite A and x: the logit differences (A_i - A_m) x are
 * exact (long accumulator), then rounded to double-double. */
BHT_API bht_status bht_softmax(size_t n, size_t d, const double *A, const double *x, double *p);

/* ----------------------------------------------------------------- oracle */

/* Options for every oracle call; a NULL pointer means the defaults. */
typedef struct bht_oracle_options {
    long precision_start; /* first working precision in bits (0: automatic) */
    long precision_cap;   /* give up with BHT_E_PRECISION above this (0: 1 << 16) */
} bht_oracle_options;

/* What an oracle call did (may be NULL). */
typedef struct bht_oracle_report {
    long precision_used; /* working precision at which every rounding was decided */
    int attempts;        /* number of Ziv iterations */
} bht_oracle_report;

#define BHT_ORACLE_DEFAULT_CAP (1L << 16)

/* Correctly rounded (round-to-nearest-even, binary64 with subnormals)
 * softmax(z) and softmax(A x).  Any finite input is accepted. */
BHT_API bht_status bht_oracle_softmax_logits(size_t n, const double *z, double *p,
                                     const bht_oracle_options *options,
                                     bht_oracle_report *report);
BHT_API bht_status bht_oracle_softmax(size_t n, size_t d, const double *A, const double *x,
                              double *p, const bht_oracle_options *options,
                              bht_oracle_report *report);

/* ------------------------------------------------------------ constraints */

/* Energy constraint (paper Def. 2.8): decides ||x||_2 <= E exactly (no
 * rounding in the comparison).  Writes the correctly rounded ||x||_2 to
 * *norm (may be NULL).  Returns BHT_OK when it holds, BHT_E_CONSTRAINT when
 * it does not, BHT_E_NONFINITE / BHT_E_INVALID for bad arguments (E < 0). */
BHT_API bht_status bht_check_energy(size_t d, const double *x, double energy, double *norm);

/* ----------------------------------------------------------- ulp helpers */

/* Distance between a computed double and a reference double in units of
 * the reference's ulp (spacing of binary64 at |reference|; 2^-1074 for
 * subnormals and zero).  +inf when exactly one of them is non-finite or
 * they are non-finite and differ; 0 when bit-identical. */
BHT_API double bht_ulp_error(double computed, double reference);

/* -------------------------------------------------------------- distances */

/* Hellinger and total-variation distances (paper Def. 2.2):
 * H^2 = 1/2 sum (sqrt p_i - sqrt q_i)^2, H = sqrt(H^2), TV = 1/2 sum |p_i - q_i|. */
typedef struct bht_distances {
    double hellinger2, hellinger, tv;
} bht_distances;

/* Largest n accepted by the distance kernels. */
#define BHT_DISTANCE_MAX_N ((size_t)1 << 28)

/* Checks that p (length n) is a distribution: finite (BHT_E_NONFINITE),
 * non-negative and summing to 1 within n 2^-52 (BHT_E_INVALID), the sum
 * exact, so the verdict is exact.  On BHT_E_INVALID, *bad_index is the
 * first negative entry or n when the sum is off; *sum gets the correctly
 * rounded sum.  Outputs may be NULL. */
BHT_API bht_status bht_check_distribution(size_t n, const double *p, size_t *bad_index, double *sum);

/* Double kernel: H^2, H and TV within 1 ulp of the correctly rounded
 * values (TV correctly rounded) for every finite non-negative p, q,
 * subnormal results included (see distance.c); a result beyond DBL_MAX is
 * +inf, as the oracle's.  BHT_E_INVALID for a negative entry. */
BHT_API bht_status bht_distance(size_t n, const double *p, const double *q, bht_distances *out);
/* Oracle: each of the three values correctly rounded. */
BHT_API bht_status bht_oracle_distance(size_t n, const double *p, const double *q, bht_distances *out,
                               const bht_oracle_options *options, bht_oracle_report *report);

/* Distances between two softmax models at one query x, computed from the
 * parameters (log-ratio form), so they stay accurate when A and B are close:
 * P = softmax(A x), Q = softmax(B x), A and B n-by-d.  Double kernel within
 * 2 ulp of the oracle however close the models (equal models give exactly
 * 0, models equal up to rounding such as RN(A + 1 w^T) their tiny distance),
 * checked a posteriori; BHT_E_RANGE when some |a_ij x_j| or |b_ij x_j|
 * exceeds 2^(1018 - log2 d), some log(q_i / p_i) relative to the others is
 * nonzero but below 2^-960, or the rounding of the logits or of the
 * log-ratios could exceed the budget (e.g. some q_i / p_i beyond e^700
 * with TV below ~2^-100) (use the oracle). */
BHT_API bht_status bht_distance_softmax(size_t n, size_t d, const double *A, const double *B,
                                const double *x, bht_distances *out);
BHT_API bht_status bht_oracle_distance_softmax(size_t n, size_t d, const double *A, const double *B,
                                       const double *x, bht_distances *out,
                                       const bht_oracle_options *options,
                                       bht_oracle_report *report);

/* ------------------------------------------------------------- Lemma A.1 */

/* The Lemma A.1 closed forms at eps >= 0:
 * h2max = (1 - e^{eps/4})^2 / (1 + e^{eps/2}) = 1 - sech(eps/4),
 * tvmax = tanh(eps/4).  (They bound H^2 and TV; equality at s = t e^{-eps/2}.) */
typedef struct bht_lemma_a1_bounds {
    double h2max, tvmax;
} bht_lemma_a1_bounds;

/* Double kernel within 1 ulp for every finite eps >= 0 (BHT_E_INVALID for
 * eps < 0, BHT_E_NONFINITE for NaN/inf). */
BHT_API bht_status bht_lemma_a1(double eps, bht_lemma_a1_bounds *out);
BHT_API bht_status bht_oracle_lemma_a1(double eps, bht_lemma_a1_bounds *out,
                               const bht_oracle_options *options, bht_oracle_report *report);

/* ------------------------------------------------- local analysis: softmax */

/* Local quantities of the softmax model at query x for B_eps = A + eps M
 * (paper Thm 3.5, Appendix A.3), with g = M x and p = softmax(A x):
 *   nu             = Var_p(g) = sum p_i (g_i - <p, g>)^2  (the variance at x)
 *   local_constant = lim_{eps->0} H^2(P_A(x), P_{B_eps}(x)) / eps^2 = nu / 8
 *   derivative_i   = dq_i/deps at eps = 0 = p_i (g_i - <p, g>).
 * (The paper's A.3 prints H^2 = eps^2 nu / 2 + O(eps^3); the constant is 1/8,
 * see `bht claims`.) */
typedef struct bht_local_result {
    double nu, local_constant;
} bht_local_result;

/* Double kernel: nu, local_constant and every derivative component (derivative
 * may be NULL) within 2 ulp of the correctly rounded value (certified a
 * posteriori to 1 ulp, see local_softmax.c), for every finite A, M, x; or
 * BHT_E_RANGE where a value cannot be certified (g_i - <p, g> cancelling
 * beyond ~2^-200 of sum_j p_j |g_j - g_m|, or nu below ~2^-1000 of the
 * scale of M x squared). */
BHT_API bht_status bht_nu_softmax(size_t n, size_t d, const double *A, const double *M,
                          const double *x, bht_local_result *out, double *derivative);
/* As bht_nu_softmax; on BHT_E_RANGE *uncertified (if not NULL) is the
 * derivative component that could not be certified, or n for nu itself. */
BHT_API bht_status bht_nu_softmax_explained(size_t n, size_t d, const double *A, const double *M,
                                    const double *x, bht_local_result *out,
                                    double *derivative, size_t *uncertified);
/* Oracle: nu, local_constant and every derivative component correctly rounded. */
BHT_API bht_status bht_oracle_nu_softmax(size_t n, size_t d, const double *A, const double *M,
                                 const double *x, bht_local_result *out, double *derivative,
                                 const bht_oracle_options *options, bht_oracle_report *report);

/* Supremum of nu over the energy ball ||x||_2 <= E (paper Thm 3.5), as a
 * certified bracket by branch and bound on cubes: nu is Lipschitz on the
 * ball with K = rho_A rho_M^2 E^2 / 4 + rho_M^2 E / 2, rho_X = max_{i,j}
 * ||X_i - X_j||_2 (d nu/dv = Cov_p(Av, (g - <p,g>)^2) + 2 Cov_p(Mx, Mv) and
 * |Cov(X,Y)| <= range(X) range(Y) / 4), so each cell's sup is at most nu at
 * a ball point of the cell (oracle, rounded up) + K diam(cell); a second,
 * second-order bound evaluates nu over the whole cube in affine arithmetic
 * (affine.h), and the smaller of the two is used.  nu_lower is
 * the oracle's nu at *query rounded down.  Stops when the width is <= rel_width
 * nu_lower or after max_cells evaluations (deterministic).  progress (may be
 * NULL) is called now and then with the current bracket. */

/* A thread pool for the sup searches (bht_nu_softmax_sup, bht_nu_leverage_sup,
 * bht_plan_leverage_search), kept by the caller across searches so that a
 * search does not start and join threads (and a fresh thread's first oracle
 * calls are not cold).  threads counts the calling thread: 1 starts no
 * thread, more start threads - 1 workers (capped at 64); 0 or out NULL:
 * BHT_E_INVALID (*out NULL).  One search at a time uses a pool: a search
 * given a pool another search is using returns BHT_E_INVALID.  A search
 * leaves the pool idle and reusable, whatever its status.  bht_sup_pool_free
 * joins the workers (NULL: nothing); never while a search uses the pool. */
typedef struct bht_sup_pool bht_sup_pool;
BHT_API bht_status bht_sup_pool_create(size_t threads, bht_sup_pool **out);
BHT_API void bht_sup_pool_free(bht_sup_pool *pool);

typedef struct bht_sup_options {
    double rel_width;  /* target (nu_upper - nu_lower) / nu_lower, e.g. 0.01 */
    size_t max_cells;  /* evaluation budget, e.g. 200000 */
    void (*progress)(void *context, size_t cells, double nu_lower, double nu_upper);
    void *context;
    size_t threads;    /* threads evaluating cells (0 or 1: the caller only); the
                          result is the same bits for any value */
    bht_sup_pool *pool; /* NULL: the search starts and joins a pool of threads
                           threads; otherwise it runs on this pool (with its
                           thread count; threads is then ignored).  Same bits
                           either way. */
} bht_sup_options;

typedef struct bht_sup_result {
    double nu_lower, nu_upper;
    size_t cells;
    int converged; /* 1: nu_upper <= nu_lower (1 + rel_width) or nu_upper = 0 (the target
                      was met); 0: the budget max_cells ran out first */
} bht_sup_result;

BHT_API bht_status bht_nu_softmax_sup(size_t n, size_t d, const double *A, const double *M,
                              double energy, const bht_sup_options *options, double *query,
                              bht_sup_result *out);

/* --------------------------------------------- planner and simulation */

/* Query planning for SoftMax_A vs SoftMax_B under ||x||_2 <= E (paper Thm 3.1):
 * delta = sup_x H(P_A(x), P_B(x)).  delta_lower is H at the returned query
 * (correctly rounded by the oracle, rounded down), delta_upper a rigorous
 * bound: the log-ratio log(q_i/p_i) ranges over an interval of width
 * W <= E max_{i,j} ||(B-A)_i - (B-A)_j||_2, and H^2 <= 1 - sech(W/4) for any
 * such pair (the two-point extremal of Lemma A.1).
 * Criterion for the query counts: both error probabilities <= error (the
 * paper's "success >= 2/3 under both hypotheses" is error = 1/3), repeating
 * one query m times.  queries_upper: the likelihood-ratio test at the
 * returned query errs with probability <= BC^m under each hypothesis (BC =
 * 1 - H^2), so m = ceil(ln(error) / ln BC) suffices; queries_lower: any m
 * queries have Bhattacharyya coefficient >= (1 - delta_upper^2)^m and the
 * Bayes error with equal priors is >= (1 - sqrt(1 - BC^(2m)))/2, which must
 * be <= error. */
typedef struct bht_plan_result {
    double delta_lower, delta_upper;
    double queries_lower, queries_upper; /* integers; +inf when delta is 0 */
} bht_plan_result;

BHT_API bht_status bht_plan_softmax(size_t n, size_t d, const double *A, const double *B, double energy,
                            double error, double *query, bht_plan_result *out);

/* Likelihood-ratio test simulation: `trials` runs under each hypothesis of
 * `queries` samples at the query x, from a SplitMix64 stream seeded with
 * seed, sampling by inversion of the correctly rounded cumulative
 * probabilities and summing correctly rounded log-ratios (MPFR): the same
 * results on every machine. */
typedef struct bht_simulation {
    double error_rate;        /* (errors under A + errors under B) / (2 trials) */
    double ci_lower, ci_upper; /* Wilson 95% interval of error_rate */
    double error_under_a, error_under_b;
    double bayes_lower, bayes_upper; /* (1 - sqrt(1 - BC^(2m)))/2 and BC^m / 2 */
} bht_simulation;

BHT_API bht_status bht_simulate_softmax(size_t n, size_t d, const double *A, const double *B,
                                const double *x, unsigned long queries, unsigned long trials,
                                uint64_t seed, bht_simulation *out);

/* ------------------------------------------------------------ input files */

/* A dense matrix read from text; a vector file is read as rows = count, cols = 1. */
typedef struct bht_matrix {
    size_t rows, cols;
    double *data; /* rows*cols values, row-major; owned, free with bht_matrix_free */
} bht_matrix;

/* Where and why parsing failed.  line/column are 1-based; 0 when not
 * applicable (e.g. the file could not be opened). */
typedef struct bht_parse_error {
    char file[256];
    size_t line, column;
    char reason[160];
} bht_parse_error;

/* Largest number of values accepted in one input file (checked before allocating). */
#define BHT_MAX_VALUES ((size_t)1 << 28)

/* Matrix text: one row per line, numbers separated by blanks, '#' starts a
 * comment; decimal or C99 hex-float (strtod syntax).  Rejects NaN, infinities,
 * overflow, non-numbers, ragged rows and files without numbers. */
BHT_API bht_status bht_read_matrix(const char *path, bht_matrix *out, bht_parse_error *err);
/* Vector text: every number of the file, in order (any line layout). */
BHT_API bht_status bht_read_vector(const char *path, bht_matrix *out, bht_parse_error *err);
/* The same from memory; name is used in error reports only. */
BHT_API bht_status bht_parse_matrix(const char *name, const char *text, size_t length,
                            bht_matrix *out, bht_parse_error *err);
BHT_API bht_status bht_parse_vector(const char *name, const char *text, size_t length,
                            bht_matrix *out, bht_parse_error *err);
BHT_API void bht_matrix_free(bht_matrix *m);

/* Input as spreadsheets and NumPy/R write it (the CLI's reader).  With
 * options: a UTF-8 byte-order mark is skipped, then skip_rows lines; numbers
 * are separated by blanks or by one delimiter (',', ';' or tab; blanks around
 * a field ignored, an empty field an error), delimiter 0 meaning "detect from
 * the first data line: ';' if present, else ',', else blanks"; a vector must
 * be one column or one row.  Errors carry line and column; a ',' or ';' the
 * format does not expect, or a non-number on the first data line, gets a
 * hint in the reason. */
typedef struct bht_parse_options {
    int delimiter;    /* 0 (detect), ' ' (blanks), ',', ';' or '\t' */
    size_t skip_rows; /* header lines skipped after the byte-order mark */
} bht_parse_options;
BHT_API bht_status bht_parse_matrix_ex(const char *name, const char *text, size_t length,
                               const bht_parse_options *options, bht_matrix *out,
                               bht_parse_error *err);
BHT_API bht_status bht_parse_vector_ex(const char *name, const char *text, size_t length,
                               const bht_parse_options *options, bht_matrix *out,
                               bht_parse_error *err);
/* The whole file into *text (malloc'd, not NUL-terminated; free with
 * bht_text_free); the path "-" is standard input.  The path forms accept "-"
 * as well. */
BHT_API bht_status bht_read_text(const char *path, char **text, size_t *length, bht_parse_error *err);
BHT_API void bht_text_free(char *text);
/* 1-based line and column of the index-th value (0-based, row-major) of a
 * text that parses with these options; BHT_E_INVALID when it has fewer. */
BHT_API bht_status bht_locate_value(const char *text, size_t length, const bht_parse_options *options,
                            size_t index, size_t *line, size_t *column);


/* ============================================================ leverage ====
 * (src/leverage/.)  Paper Def. 2.9: A_s = Diag(s)^-1 A (n-by-d, n >= d,
 * rank d), h_ii = (A_s (A_s^T A_s)^-1 A_s^T)_ii, p_i = h_ii / d. */
/* Shape limits of both leverage routines. */
#define BHT_LEVERAGE_MAX_N ((size_t)1 << 24)
#define BHT_LEVERAGE_MAX_D ((size_t)1 << 10)
/* Double kernel domain: every finite A and every finite s with s_i != 0
 * (subnormals and the whole exponent range included: rows and columns are
 * scaled by exact powers of two first).  Within it the kernel refuses
 * (BHT_E_SINGULAR) what it cannot certify: an a-posteriori error bound of
 * some h_ii above 2^-54 after its fallbacks (see leverage.c).  Above
 * d times BHT_LEVERAGE_MAX_COND (its condition estimate of the
 * column-equilibrated A_s) the inverse of R is certified by its exact
 * residual or by the comparison matrix instead of the normwise bound. */
#define BHT_LEVERAGE_MAX_COND 0x1p50

/* Double kernel: p (length n) gets p_i = h_ii / d, h (may be NULL) the raw
 * scores h_ii, each within 1 ulp of the correctly rounded value (certified:
 * within 1 ulp of the exact value) whenever the kernel does not refuse; s
 * may be NULL (all ones).
 * Workspace: about 3 n d + 6 d^2 doubles, malloc'd and freed inside
 * (BHT_E_NOMEM when that fails).
 * cond_estimate (may be NULL) gets the kernel's estimate of the 1-norm
 * condition number of the column-equilibrated A_s; it is written on BHT_OK
 * AND on BHT_E_SINGULAR (+inf for an exactly zero pivot), the one exception
 * to the "outputs only on BHT_OK" rule.  BHT_E_SINGULAR means the double
 * kernel cannot certify full rank or its 1-ulp bound: use the oracle, which
 * decides exact rank deficiency.  Errors: BHT_E_INVALID (NULL, d = 0,
 * n < d, sizes above the limits, some s_i = 0), BHT_E_NONFINITE. */
BHT_API bht_status bht_leverage(size_t n, size_t d, const double *A, const double *s, double *p,
                        double *h, double *cond_estimate);

/* Oracle: correctly rounded p_i and h_ii (any finite A, s with s_i != 0).
 * Rank is decided exactly (integer arithmetic): BHT_E_SINGULAR iff rank A < d.
 * cond_estimate (may be NULL) as above, from the oracle's Cholesky factor
 * (written on BHT_OK only). */
BHT_API bht_status bht_oracle_leverage(size_t n, size_t d, const double *A, const double *s, double *p,
                               double *h, double *cond_estimate,
                               const bht_oracle_options *options, bht_oracle_report *report);

/* Query constraint (paper Def. 2.11): decides c <= s_i^2 <= C for every i
 * exactly (s_i^2 is not rounded).  BHT_OK when all hold; BHT_E_CONSTRAINT
 * with *bad_index (may be NULL) = first violating i; BHT_E_INVALID for
 * NULL / n = 0 / not 0 < c < C; BHT_E_NONFINITE for NaN or inf anywhere. */
BHT_API bht_status bht_check_leverage_query(size_t n, const double *s, double c, double C,
                                    size_t *bad_index);


/* ============================================ leverage local analysis ====
 * (src/nu/local_leverage*.c, src/model_distance/model_distance_leverage*.c.)
 * Perturbation B_eps = A + eps M of the leverage model at query s (paper
 * Thm 4.3, App. A.4), A_s = Diag(s)^-1 A, M_s = Diag(s)^-1 M, G = A_s^T A_s,
 * H = A_s G^-1 A_s^T, W = (I - H) M_s G^-1 A_s^T, w_i = W_ii / h_ii (0 when
 * h_ii = 0, i.e. a_i = 0):
 *   nu             = Var_p(w_s) = (1/d) sum W_ii^2 / h_ii   (E_p[w] = tr W / d = 0)
 *   local_constant = lim_{eps->0} H^2(P_A(s), P_{B_eps}(s)) / eps^2
 *                  = nu / 2 + (1/(2d)) sum_{a_i = 0} m_s,i^T G^-1 m_s,i
 *   derivative_i   = dq_i/deps at eps = 0 = 2 W_ii / d.
 * (The paper's A.4 prints dq_i/deps = 2 W_ii, without 1/d, and H^2 = eps^2 nu
 * + O(eps^3), constant 1 instead of 1/2; see `bht claims`.)  Invariances:
 * (A, M) -> (A R, M R) for invertible R, M -> M + A S for any d-by-d S, and
 * s -> c s leave all three unchanged. */
/* Double kernel: nu, local_constant and every derivative component within
 * 2 ulp of the correctly rounded values (certified: within 1.5 ulp of the
 * exact values), or a refusal.
 * Domain: every finite A, M and s with s_i != 0, as bht_leverage (and its
 * BHT_E_SINGULAR); BHT_E_RANGE when the a-posteriori bound cannot certify
 * the outputs (with derivative != NULL: every W_ii) -- M within rounding
 * noise of the range of A with X = (A^T A)^-1 A^T M not representable, or
 * a W_ii far below the noise of its row.  M = A X exactly with X a double
 * matrix gives exactly 0 (proved by an exact residual).  Cost O(n d^2),
 * up to 4 times when M is nearly in the range of A, plus O(n d^2) per row
 * with h_ii > 1/2 that needs the leave-one-out form (at most 2d rows).
 * s may be NULL (all ones); derivative (length n) may be NULL. */
BHT_API bht_status bht_nu_leverage(size_t n, size_t d, const double *A, const double *M,
                           const double *s, bht_local_result *out, double *derivative);

/* Oracle sizes (exact rational route). */
#define BHT_LEVERAGE_ORACLE_MAX_N ((size_t)4096)
#define BHT_LEVERAGE_ORACLE_MAX_D ((size_t)64)
/* Oracle: nu, local_constant and every derivative component correctly
 * rounded, computed in exact rational arithmetic (any finite A, M, s with
 * s_i != 0; BHT_E_SINGULAR iff rank A < d, decided exactly; BHT_E_INVALID
 * above the oracle sizes).  options are accepted for uniformity (unused). */
BHT_API bht_status bht_oracle_nu_leverage(size_t n, size_t d, const double *A, const double *M,
                                  const double *s, bht_local_result *out, double *derivative,
                                  const bht_oracle_options *options,
                                  bht_oracle_report *report);

/* Distances between Leverage_A(s) and Leverage_B(s), A and B n-by-d, from the
 * parameters: q - p is formed from B R - A (R aligning B to A, the residual
 * formed exactly) in the basis of A (see model_distance_leverage.c), so
 * close models keep full relative accuracy, models equal up to rounding
 * included.  Double kernel within 2 ulp of the oracle (certified: 1.5 ulp
 * of the exact values) for any finite A, B, s (s_i != 0) that bht_leverage
 * accepts for both A and B (or, when each has exactly d nonzero rows, whose
 * rank it certifies), however close or far apart the models are; exactly 0
 * for B = A, for B = A P Diag(r) and for B = A R^-1 with R representable
 * (proved by an exact residual).  BHT_E_RANGE (use the oracle) when the a-posteriori bound
 * is not below 2^-53 of each value: models that agree far below the
 * rounding noise of their inputs in a way the alignment cannot expose
 * (e.g. B = A R exactly with R^-1 not representable, distance 0). */
BHT_API bht_status bht_distance_leverage(size_t n, size_t d, const double *A, const double *B,
                                 const double *s, bht_distances *out);
/* Oracle: each value correctly rounded (exact rational p_i, q_i; MPFR with
 * rigorous bounds for the square roots).  Same sizes as the nu oracle. */
BHT_API bht_status bht_oracle_distance_leverage(size_t n, size_t d, const double *A, const double *B,
                                        const double *s, bht_distances *out,
                                        const bht_oracle_options *options,
                                        bht_oracle_report *report);


/* ==================================== leverage optimal queries and planner */
/* Supremum of nu (above) over the queries c <= s_i^2 <= C (paper Thm 4.3),
 * as a certified bracket by branch and bound over boxes of the weights
 * u_i = 1/s_i^2 (leverage_sup.c): nu depends on u only up to scale, so the
 * search covers the n faces {u_f = 1, c/C <= u_j <= 1}; a box's bound is the
 * upper end of nu evaluated over the whole box in first-order affine
 * arithmetic (exact linear part, a remainder radius covering the nonlinear
 * terms and every rounding; affine.h), on the design itself when n - d > d
 * and on an exact null basis of A^T (h = 1 - k, weights 1/u) when
 * n - d <= d (both at n = 2d, the smaller counts; README.md, "How sup nu is
 * certified").  nu_lower is the oracle's nu at
 * *query (admissible, rounded down).  Options and stopping as for
 * bht_nu_softmax_sup; n <= BHT_LEVERAGE_SUP_MAX_N, d <= n, rank A = d
 * (BHT_E_SINGULAR otherwise); BHT_E_CONSTRAINT when no double s has
 * c <= s^2 <= C (C within an ulp or two of c); BHT_E_RANGE when c / C is
 * below 2^-1074, nu exceeds the double range, or no box could be bounded
 * within the budget.  When the columns
 * of M lie in the span of A's (decided exactly) nu is identically 0 and the
 * bracket is [0, 0]. */
#define BHT_LEVERAGE_SUP_MAX_N ((size_t)64)
BHT_API bht_status bht_nu_leverage_sup(size_t n, size_t d, const double *A, const double *M, double c,
                               double C, const bht_sup_options *options, double *query,
                               bht_sup_result *out);

/* Query planning for Leverage_A vs Leverage_B under c <= s_i^2 <= C (paper
 * Thm 4.1), with the criterion and query counts of bht_plan_softmax.
 * delta = sup_s H(P_A(s), P_B(s)) is bracketed by the branch and bound of
 * bht_nu_leverage_sup applied to H^2 (target width 1% of H^2, at most
 * max_cells boxes); delta_lower is H at *query from the oracle.  Statuses
 * as bht_nu_leverage_sup; [0, 0] when span B = span A (decided exactly). */
BHT_API bht_status bht_plan_leverage(size_t n, size_t d, const double *A, const double *B, double c,
                             double C, double error, size_t max_cells, double *query,
                             bht_plan_result *out);
/* The same with the search's options (rel_width, max_cells, progress over
 * the H^2 bracket) and its outcome: *h2 (may be NULL) gets the certified H^2
 * bracket (nu_lower, nu_upper hold H^2), the boxes evaluated and whether the
 * target width was met. */
BHT_API bht_status bht_plan_leverage_search(size_t n, size_t d, const double *A, const double *B,
                                    double c, double C, double error,
                                    const bht_sup_options *options, double *query,
                                    bht_plan_result *out, bht_sup_result *h2);

/* bht_simulate_softmax for Leverage_A vs Leverage_B at the query s (s_i != 0;
 * probabilities from the exact oracle). */
BHT_API bht_status bht_simulate_leverage(size_t n, size_t d, const double *A, const double *B,
                                 const double *s, unsigned long queries, unsigned long trials,
                                 uint64_t seed, bht_simulation *out);


/* ================================================== softmax regression ====
 * (src/regression/; README.md, "Softmax regression".)  The regression of
 * "Attention Scheme Inspired Softmax Regression": A n-by-d, b and w of
 * length n (w NULL: w = 0), x of length d; with z = A x, f = softmax(z),
 * c = f - b, s = <f, c>, q_i = f_i (c_i - s), r_i = f_i (f_i + c_i - s):
 *   L(x)      = 1/2 |f - b|^2 + 1/2 |diag(w) A x|^2
 *   grad L(x) = A^T (q + w^2 o z)
 *   hess L(x) = A^T (B(x) + diag(w^2)) A,
 *               B = diag(r) - r f^T - f r^T + |f|^2 f f^T  (diagonal + rank <= 2)
 *             = sum_i r_i (a_i - abar)(a_i - abar)^T + sum_i w_i^2 a_i a_i^T,
 *               abar = A^T f.
 * Contracts in spec/regression.h. */
/* Shape limits of every regression routine (n d <= BHT_MAX_VALUES too). */
#define BHT_REGRESSION_MAX_N ((size_t)1 << 28)
#define BHT_REGRESSION_MAX_D ((size_t)1 << 12)
/* Double kernel domain: every |a_ij|, |b_i|, |w_i|, |x_j| at most this
 * (BHT_E_RANGE above; the oracle takes any finite input). */
#define BHT_REGRESSION_MAX_ABS 0x1p100

/* Which value a refusal could not certify (bht_regression_refusal). */
typedef enum bht_regression_output {
    BHT_REGRESSION_DOMAIN = 0, /* an input beyond BHT_REGRESSION_MAX_ABS: row = its index
                                * in the array, col = the array (0 A, 1 b, 2 w, 3 x) */
    BHT_REGRESSION_LOSS,
    BHT_REGRESSION_GRADIENT,   /* component row */
    BHT_REGRESSION_HESSIAN     /* entry (row, col) */
} bht_regression_output;

/* Written on BHT_E_RANGE (may be NULL): the first value that failed, its
 * computed value and the kernel's bound on its error. */
typedef struct bht_regression_refusal {
    bht_regression_output output;
    size_t row, col;
    double value, bound;
} bht_regression_refusal;

/* Double kernel: loss, gradient (d) and Hessian (d*d, row-major, symmetric);
 * any output may be NULL (not computed).  Algorithm: double-double
 * evaluation (softmax from exact row differences and a 2^-96 exponential,
 * residuals, centered rows) with a running error bound, then each value is
 * delivered only when its bound certifies it: within 2^-52 |value| for the
 * loss (<= 2.5 ulp; budget 4) and 2^-50 |value| for every gradient and
 * Hessian entry (<= 8.5 ulp; budget 16), exact zeros included.  Otherwise
 * BHT_E_RANGE with *refusal naming the value (cancellation, e.g. f ~ b or a
 * gradient near a minimizer; values below 2^-969 unless exact).  Errors:
 * BHT_E_INVALID (NULL input, n or d zero or too large), BHT_E_NONFINITE,
 * BHT_E_RANGE (domain, see BHT_REGRESSION_MAX_ABS), BHT_E_NOMEM.  Cost
 * O(n d^2) double-double operations for the Hessian, O(n d) otherwise. */
BHT_API bht_status bht_regression(size_t n, size_t d, const double *A, const double *b,
                          const double *w, const double *x, double *loss, double *gradient,
                          double *hessian, bht_regression_refusal *refusal);

/* Oracle: each output correctly rounded (any finite input).  MPFR with a
 * rigorous error bound per output and Ziv's escalation; when every logit
 * is the same (e.g. x = 0) all quantities are rational and are computed
 * exactly with GMP.  An output that is exactly zero for a reason other
 * than tied logits (a symmetry of the data) cannot be decided:
 * BHT_E_PRECISION at the cap. */
BHT_API bht_status bht_oracle_regression(size_t n, size_t d, const double *A, const double *b,
                                 const double *w, const double *x, double *loss,
                                 double *gradient, double *hessian,
                                 const bht_oracle_options *options, bht_oracle_report *report);

/* Largest d of the certificate and the solver (dense d-by-d algebra). */
#define BHT_REGRESSION_SOLVE_MAX_D ((size_t)256)

/* Certificate at x (README.md, "The solver's certificate"): with G >= |grad
 * L(x)|_2 and lambda <= lambda_min(hess L(x)) from MPFR enclosures, and the
 * Hessian Lipschitz constant K = (5/4 + 7 rho_c / 16) rho_A^3 (rho_A >=
 * max_ij |a_i - a_j|_2, rho_c = 1 + max b - min b), hess L >= mu I on the
 * ball B(x, R) with mu = lambda - K R; when G < mu R, L has exactly one
 * critical point x* in the ball (a strict local minimizer) and
 * |x - x*| <= G / mu = minimizer_radius.  R = 2 G / lambda (certified
 * whenever G < lambda^2 / (4 K)).  Every bound rounded outward. */
typedef struct bht_regression_certificate {
    int certified;
    double gradient_norm;    /* G (upper bound) */
    double lambda_lower;     /* lambda (lower bound; may be <= 0) */
    double lipschitz;        /* K (upper bound) */
    double ball_radius;      /* R */
    double mu;               /* lambda - K R (lower bound) */
    double minimizer_radius; /* G / mu rounded up; +inf when not certified */
} bht_regression_certificate;

BHT_API bht_status bht_regression_certify(size_t n, size_t d, const double *A, const double *b,
                                  const double *w, const double *x,
                                  bht_regression_certificate *out);

typedef enum bht_regression_method {
    BHT_REGRESSION_NEWTON = 0,  /* damped Newton, exact Hessian */
    BHT_REGRESSION_SKETCHED = 1 /* A^T D A from a leverage-score row sample of D^1/2 A */
} bht_regression_method;

typedef struct bht_regression_solve_options {
    bht_regression_method method;
    double sketch_eps;     /* sample-size accuracy in (0, 1); 0: 0.5 */
    uint64_t seed;         /* sampling stream (SplitMix64) */
    double tol;            /* stop when |grad L|_2 <= tol; 0: 1e-12 */
    size_t max_iterations; /* 0: 100 */
    /* called at every iterate x (iteration 0 is x0; may be NULL) */
    void (*progress)(void *context, size_t iteration, const double *x, double loss,
                     double gradient_norm);
    void *context;
} bht_regression_solve_options;

typedef struct bht_regression_solution {
    double loss;             /* oracle loss at x (correctly rounded) */
    double gradient_norm;    /* certified upper bound on |grad L(x)|_2 */
    size_t iterations;
    int converged;           /* tolerance reached and the certificate holds */
    double minimizer_radius; /* certified |x - x*|_2 bound; +inf when not certified */
    size_t sample_rows;      /* sketched: rows per Hessian sample (n for Newton) */
    size_t exact_fallbacks;  /* sketched iterations that used the exact Hessian */
} bht_regression_solution;

/* Minimizes L from x0 (NULL: 0) into x (length d).  Damped Newton with an
 * Armijo backtracking line search (a Levenberg shift when the Hessian is
 * not positive definite); the sketched method replaces the A^T D A part
 * (D = diag(r + w^2)) by sum over s sampled rows D_i a_i a_i^T / (s p_i),
 * p the leverage scores of |D|^1/2 A (bht_leverage), the rank <= 2 part kept
 * exact; s = ceil(4 d ln(200 d) / eps^2) (at most n).  Deterministic for a
 * given seed.  Then bht_regression_certify at x.  BHT_OK whenever x and
 * *solution are written (converged says whether the run is certified);
 * errors: BHT_E_INVALID (also d > BHT_REGRESSION_SOLVE_MAX_D or options out
 * of range), BHT_E_NONFINITE, BHT_E_NOMEM, BHT_E_PRECISION (oracle). */
BHT_API bht_status bht_regression_solve(size_t n, size_t d, const double *A, const double *b,
                                const double *w, const double *x0,
                                const bht_regression_solve_options *options, double *x,
                                bht_regression_solution *solution);

#ifdef __cplusplus
}
#endif

#endif /* BHT_H */
