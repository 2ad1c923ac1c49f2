/* golden_internal.h: what the golden generators share (private to src/golden).
 *
 * One generator file per golden function (gen_<fn>.c) defines its golden_fn
 * record, which names its families (tables of case makers) and the hooks
 * (oracle, flag derivation, rendering) of its kind; the families are the
 * file's own, or those its sibling functions draw from too, defined once in
 * a shared file (golden_leverage.c: leverage and leverage_scores;
 * golden_regression.c: the three regression functions).  golden.c holds the
 * one dispatch table and bht_golden_render; golden_shared.c and
 * golden_models.c hold the helpers used by more than one generator.
 * Determinism rules: golden.c's header. */
#ifndef BHT_GOLDEN_INTERNAL_H
#define BHT_GOLDEN_INTERNAL_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "bht_tools.h"
#include "core/rng.h"

/* ------------------------------------------------------------ the stream */

typedef struct grng {
    uint64_t state;
} grng;

static inline uint64_t bht__rng_next(grng *r)
{
    return bht__splitmix64(&r->state);
}

/* Uniform in [0, 1): 53 random bits times 2^-53 (exact). */
static inline double bht__rng_unit(grng *r) { return (double)(bht__rng_next(r) >> 11) * 0x1p-53; }

/* Uniform in [-1, 1): (k - 2^52) 2^-52 for a 53-bit k (exact). */
static inline double rng_sym(grng *r)
{
    int64_t k = (int64_t)(bht__rng_next(r) >> 11) - ((int64_t)1 << 52);
    return (double)k * 0x1p-52;
}

/* Uniform integer in [lo, hi] (small ranges; modulo bias is irrelevant). */
static inline long bht__rng_int(grng *r, long lo, long hi)
{
    return lo + (long)(bht__rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* ---------------------------------------------------------------- flags */

enum {
    F_SPECIAL = 0,
    F_N1,
    F_EQUAL,
    F_LARGE_LOGITS,
    F_GAP,
    F_ZERO_OUT,
    F_SUBNORMAL_OUT,
    F_SUBNORMAL_IN,
    F_SIGNED_ZERO,
    F_BEYOND,
    F_BOUNDARY,
    F_LARGE_N,
    F_RANDOM,
    F_WORST,
    F_ILL,
    F_NEAR,
    F_DISJOINT,
    F_LOGSPACED,
    F_CUTOFF,
    F_INV_NONFINITE,
    F_INV_NEGATIVE,
    F_INV_SHAPE,
    F_INV_EMPTY,
    F_INV_SUM,
    /* Added with the leverage and softmax-model functions (appended, so the
     * flag order of existing vectors is unchanged). */
    F_BEYOND_COND,
    F_VANDERMONDE,
    F_SCALED,
    F_SQUARE,
    F_D1,
    F_VARYING_S,
    F_IDENTICAL,
    F_SHIFTED,
    F_INV_ZERO_S,
    F_INV_RANK,
    /* Added with the softmax-regression functions. */
    F_TIED_LOGITS,
    F_NEAR_TARGET,
    F_REGULARIZED,
    F_COUNT
};

#define FLAG(f) ((uint64_t)1 << (f))

/* ----------------------------------------------------------------- cases */

#define G_MAX_N 320
#define G_MAX_A 4096
#define G_MAX_D 64

/* The functions, in tcId-base order (FNS in golden.c). */
enum {
    FN_SOFTMAX_LOGITS,
    FN_SOFTMAX,
    FN_LEVERAGE,
    FN_LEVERAGE_SCORES,
    FN_DISTANCE,
    FN_DISTANCE_SOFTMAX,
    FN_DISTANCE_LEVERAGE,
    FN_LEMMA_A1,
    FN_NU_SOFTMAX,
    FN_NU_LEVERAGE,
    FN_REGRESSION_LOSS,
    FN_REGRESSION_GRADIENT,
    FN_REGRESSION_HESSIAN,
    FN_COUNT
};

typedef struct family family;

typedef struct gcase {
    int fn; /* the fn being generated (for searches that score its outputs) */
    const family *family; /* the family being generated (its parameters) */
    uint64_t flags;
    int invalid;
    int expected_done; /* the family already filled the expected values */
    char comment[200];
    size_t n;    /* length of z / P; rows of A */
    size_t d;    /* columns of A */
    size_t xlen; /* length of x (== d unless the shape is invalid) */
    size_t qlen; /* length of Q (== n unless the shape is invalid) */
    size_t rows2, cols2; /* shape of the second matrix: B (distance_*) or M (nu_*) */
    size_t slen;         /* length of s (== n unless the shape is invalid) */
    double eps;
    double z[G_MAX_N], P[G_MAX_N], Q[G_MAX_N], A[G_MAX_A], x[G_MAX_D];
    double B[G_MAX_A]; /* distance_softmax, distance_leverage */
    double M[G_MAX_A]; /* nu_softmax, nu_leverage */
    double s[G_MAX_N]; /* leverage query */
    double p[G_MAX_N]; /* expected softmax / leverage p */
    double h[G_MAX_N]; /* expected leverage scores */
    double deriv[G_MAX_N]; /* expected derivative (nu_*) */
    double b[G_MAX_N], w[G_MAX_N]; /* regression target and weights (w = 0: none) */
    size_t blen, wlen;             /* (== n unless the shape is invalid) */
    double loss, grad[G_MAX_D], hess[G_MAX_A]; /* expected regression outputs */
    bht_distances dist;
    bht_lemma_a1_bounds lemma;
    bht_local_result local;
} gcase;

/* The second matrix of a model pair: M for the nu_* functions, B otherwise
 * (families shared by distance_* and nu_* fill it through this). */
static inline int gold_is_nu(const gcase *c)
{
    return c->fn == FN_NU_SOFTMAX || c->fn == FN_NU_LEVERAGE;
}
static inline double *gold_other(gcase *c) { return gold_is_nu(c) ? c->M : c->B; }
static inline const char *gold_other_name(const gcase *c) { return gold_is_nu(c) ? "M" : "B"; }

static inline int is_subnormal(double v) { return v != 0.0 && fabs(v) < DBL_MIN; }

typedef bht_status (*family_make)(gcase *c, size_t i, grng *r);

typedef struct gold_search gold_search;

struct family {
    const char *name;
    size_t count;
    family_make make;
    uint64_t flags; /* given to every vector of the family */
    const gold_search *search; /* a "worst" family's search (make: bht__gold_worst) */
};

/* The hooks that fill the expected values (oracle), derive the value flags
 * and render the "inputs" and "expected" objects of a vector; the functions
 * of one kind share them (they read c->fn where the functions differ). */
typedef struct gold_hooks {
    bht_status (*expected)(gcase *c);
    void (*flags)(gcase *c);
    void (*inputs)(const gcase *c, bht_golden_buffer *b, int *nomem);
    void (*outputs)(const gcase *c, bht_golden_buffer *b, int *nomem);
} gold_hooks;

/* One golden function: its tcId base, tolerance, families and hooks. */
typedef struct golden_fn {
    const char *name;
    int64_t base;
    double tol_ulp;
    const family *families;
    size_t family_count;
    const gold_hooks *hooks;
} golden_fn;

/* softmax_logits and softmax; the model pairs (distance_softmax,
 * nu_softmax, distance_leverage, nu_leverage). */
extern const gold_hooks bht__gold_softmax_hooks, bht__gold_pair_hooks;

#define COUNT_OF(t) (sizeof t / sizeof t[0])
#define FAMILIES(t) t, COUNT_OF(t)

/* An array literal for the tables of hand-picked vectors. */
#define VALUES(...) ((const double[]){__VA_ARGS__})

extern const golden_fn bht__gold_fn_softmax_logits, bht__gold_fn_softmax, bht__gold_fn_leverage,
    bht__gold_fn_leverage_scores, bht__gold_fn_distance, bht__gold_fn_distance_softmax,
    bht__gold_fn_distance_leverage, bht__gold_fn_lemma_a1, bht__gold_fn_nu_softmax, bht__gold_fn_nu_leverage,
    bht__gold_fn_regression_loss, bht__gold_fn_regression_gradient, bht__gold_fn_regression_hessian;

/* ------------------------------------------------- golden_shared.c */

/* One invalid case: up to four edits of the valid inputs, each setting
 * entry k of the array "A", "B" (the second matrix, B or M), "x", "s", "b"
 * or "w" to v, or the length "n", "d", "xlen", "rows2", "cols2", "slen",
 * "blen" or "wlen" to v (k unused; NULL: no edit); then its flags and its
 * comment ("%s": the second matrix's name).  bht__gold_invalid_entry
 * applies t[i] when it is such a case (i < count, comment set) and returns
 * 1, else 0. */
typedef struct gold_edit {
    const char *what;
    unsigned char k;
    double v;
} gold_edit;
typedef struct gold_invalid {
    gold_edit edit[4];
    uint64_t flags;
    const char *comment;
} gold_invalid;
int bht__gold_invalid_entry(gcase *c, const gold_invalid *t, size_t count, size_t i);
#define INVALID_ENTRY(c, t, i) bht__gold_invalid_entry(c, t, COUNT_OF(t), i)


void bht__gold_comment(gcase *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A hand-picked vector's flags and comment. */
void bht__gold_label(gcase *c, uint64_t flags, const char *comment);
double bht__gold_search_score(size_t n, const double *computed, const double *reference);
double bht__gold_distances_score(const bht_distances *kernel, const bht_distances *oracle);
double bht__gold_local_score(size_t n, const bht_local_result *kernel, const double *kderiv,
                             const bht_local_result *oracle, const double *oderiv);
/* A candidate of the softmax_logits (inputs z) or softmax (inputs A, x)
 * searches: kernel p, oracle q; the family's draw fills n, then z, or d, A
 * and x (at most 12 by 6). */
typedef struct gold_softmax_cand {
    size_t n, d;
    double z[12], A[48], x[6], p[12], q[12];
} gold_softmax_cand;
bht_status bht__gold_softmax_try(const gold_search *s, int fn, void *cand, grng *r, double *err,
                                 uint64_t *flags);
void bht__gold_softmax_keep(const void *cand, gcase *c);

/* One worst-case search: bht__gold_worst, the maker of every "worst"
 * family, draws `candidates` candidates into a zeroed block of `size` bytes
 * and keeps the worst.  try_one draws a candidate into cand (the shared
 * softmax and model-pair searches with s->draw) and runs the kernel and the
 * oracle of fn on it: *err = its score (left at -1: skip it), *flags = its
 * flags; a status other than BHT_OK ends the search.  keep copies the
 * candidate into the vector. */
struct gold_search {
    int candidates;
    size_t size;
    bht_status (*try_one)(const gold_search *s, int fn, void *cand, grng *r, double *err,
                          uint64_t *flags);
    void (*keep)(const void *cand, gcase *c);
    void (*draw)(void *cand, grng *r, uint64_t *flags);
};
bht_status bht__gold_worst(gcase *c, size_t i, grng *r);
/* A size drawn by tiers: u uniform in 0..99 picks the first tier with
 * u < below, then a uniform integer in [lo, hi] (lo == hi: lo, no draw);
 * the last tier has below = 100. */
typedef struct gold_tier {
    long below, lo, hi;
} gold_tier;
long bht__gold_draw_tiered(grng *r, const gold_tier *t);
size_t bht__gold_draw_n(grng *r);
const char *bht__gold_draw_design(grng *r, size_t n, size_t d, double *A, uint64_t *flags);

/* Flag helpers: subnormal inputs, zero/subnormal outputs, the spread of the
 * query weights s, the kernel's verdict. */
void bht__gold_flag_subnormal_in(gcase *c, size_t n, const double *v);
void bht__gold_flag_outputs(gcase *c, size_t n, const double *v);
void bht__gold_flag_query(gcase *c);
void bht__gold_flag_verdict(gcase *c, bht_status st);
void bht__gold_flag_shape(gcase *c);

/* Rendering into the buffer (*nomem set on allocation failure). */
void bht__gold_append_raw(bht_golden_buffer *b, const char *s, size_t len, int *nomem);
void bht__gold_append(bht_golden_buffer *b, int *nomem, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* "key":value, preceded by a comma when comma is set. */
void bht__gold_put_array(bht_golden_buffer *b, int *nomem, const char *key, int comma, size_t n,
                    const double *v);
void bht__gold_put_scalar(bht_golden_buffer *b, int *nomem, const char *key, int comma, double v);
void bht__gold_put_matrix(bht_golden_buffer *b, int *nomem, const char *key, int comma, size_t rows,
                     size_t cols, const double *v);
void bht__gold_put_string(bht_golden_buffer *b, int *nomem, const char *s);
const char *bht__gold_flag_name(size_t k);
void bht__gold_put_distances(const gcase *c, bht_golden_buffer *b, int *nomem);
void bht__gold_put_local(const gcase *c, bht_golden_buffer *b, int *nomem);
/* Output flags of the distance triple and of the local analysis (valid only). */
void bht__gold_flag_distance_outputs(gcase *c);
void bht__gold_flag_local_outputs(gcase *c);

/* ------------------------------------------------- golden_models.c */

/* Softmax models (distance_softmax, nu_softmax). */
size_t bht__gold_draw_model_n(grng *r);
void bht__gold_model_shape(gcase *c, size_t n, size_t d);
void bht__gold_model_fill(gcase *c, size_t n, size_t d, const double *A, const double *B,
                     const double *x);
double bht__gold_draw_query_x(grng *r, size_t d, double *x);
double bht__gold_grid_value(grng *r);
bht_status bht__gold_model_invalid(gcase *c, size_t i, grng *r);
/* Two independent random designs A and B (M for nu) and a query x. */
bht_status bht__gold_model_random(gcase *c, size_t i, grng *r);
#define MODEL_INVALID_COUNT 11

/* One hand-picked vector of a model-pair function: A and the second matrix
 * B (B or M; NULL: a copy of A), n by d, the query q (softmax models: x;
 * leverage models: s, NULL: ones), its flags and its comment. */
typedef struct gold_model_row {
    size_t n, d;
    const double *A, *B, *q;
    uint64_t flags;
    const char *comment;
} gold_model_row;
bht_status bht__gold_model_row(gcase *c, const gold_model_row *t); /* BHT_OK */

/* Leverage models (distance_leverage, nu_leverage). */
double bht__gold_short_dyadic(grng *r);
void bht__gold_draw_lm_shape(grng *r, size_t *n, size_t *d);
void bht__gold_lm_shape(gcase *c, size_t n, size_t d);
void bht__gold_lm_fill(gcase *c, size_t n, size_t d, const double *A, const double *B,
                  const double *s);
const char *bht__gold_lm_query(grng *r, size_t n, double *s);
const char *bht__gold_lm_design(grng *r, size_t n, size_t d, double *A);
/* A random leverage-model vector: lm_begin draws the shape (c->n, c->d)
 * and A (returns A's description); the family then fills the second
 * matrix; lm_end draws s (returns its description). */
const char *bht__gold_lm_begin(gcase *c, grng *r);
const char *bht__gold_lm_end(gcase *c, grng *r);
bht_status bht__gold_lm_full(gcase *c, size_t i, grng *r);
bht_status bht__gold_lm_invalid(gcase *c, size_t i, grng *r);
/* The last families of distance_leverage and nu_leverage, shared:
 * full-precision entries, the worst-case search (search: the function's
 * own, of LM_CANDIDATES candidates) and the invalid inputs. */
#define LM_LAST_FAMILIES(search)                         \
    {"full", 30, bht__gold_lm_full, 0, NULL},            \
    {"worst", 20, bht__gold_worst, 0, search},           \
    {"invalid", 14, bht__gold_lm_invalid, 0, NULL}
enum { LM_CANDIDATES = 20 };

/* A worst-case candidate of the model-pair functions (distance_softmax,
 * nu_softmax, distance_leverage, nu_leverage): its inputs (B is the second
 * matrix, B or M; x for softmax models, s for leverage models), drawn by the
 * family's draw, and the oracle's outputs. */
typedef struct gold_pair_cand {
    size_t n, d;
    double A[40], B[40], x[4], s[10];
    bht_distances dist;
    bht_local_result local;
    double deriv[10];
} gold_pair_cand;
bht_status bht__gold_pair_try(const gold_search *s, int fn, void *cand, grng *r, double *err,
                              uint64_t *flags);
void bht__gold_pair_keep(const void *cand, gcase *c);
/* The softmax-model candidates: n in 2..8, d in 1..4 and A; the family's
 * draw then fills B and x. */
void bht__gold_pair_draw_A(gold_pair_cand *t, grng *r, uint64_t *flags);

/* ------------------------------------------------- golden_leverage.c */

/* The families and hooks of leverage (graded output p) and leverage_scores
 * (h); the hooks read c->fn for the graded output. */
extern const family bht__gold_leverage_families[7];
extern const gold_hooks bht__gold_leverage_hooks;

/* ------------------------------------------------- golden_regression.c */

/* The families and hooks of regression_loss, regression_gradient and
 * regression_hessian; the hooks read c->fn for the graded output. */
extern const family bht__gold_regression_families[8];
extern const gold_hooks bht__gold_regression_hooks;

#endif
