/* test_sup_pool_shared.c: a caller's bht_sup_pool (options.pool) kept
 * across searches.  One pool of 1, 2 or 3 threads runs a sequence of
 * softmax, leverage and planner searches (converged, ended by the cell
 * budget, refused after the pool was taken: a rank-deficient leverage
 * matrix, a softmax problem whose Lipschitz constant overflows); every
 * search must give the status, bracket, cell count and query that a pool
 * of its own (options.threads) and a single thread give, so a failed
 * search leaves the pool usable.  Then the documented refusals: a pool of
 * 0 threads, a pool taken by a search in progress. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "sup_threads.h"

#define MAX_N 6
#define MAX_D 5

typedef struct pool_case {
    sup_fn fn;
    const char *name;
    size_t n, d, max_cells;
    double A[MAX_N * MAX_D], M[MAX_N * MAX_D];
} pool_case;

typedef struct pool_outcome {
    bht_status status;
    bht_sup_result r;
    double query[MAX_N];
} pool_outcome;

static pool_outcome run_case(const pool_case *c, size_t threads, bht_sup_pool *pool)
{
    pool_outcome o;
    memset(&o, 0, sizeof o);
    bht_sup_options opt = {0.01, c->max_cells, NULL, NULL, threads, pool};
    o.status = c->fn(c->n, c->d, c->A, c->M, &opt, o.query, &o.r);
    return o;
}

/* Same status and, on success, the same bits (the outcome structs are
 * zeroed first, so memcmp compares the bits and the unused tail alike). */
static void assert_same(const pool_outcome *got, const pool_outcome *want, const pool_case *c,
                        const char *how)
{
    cr_assert_eq(got->status, want->status, "%s n %zu d %zu cells %zu: status %d %s, %d with 1 thread",
                 c->name, c->n, c->d, c->max_cells, (int)got->status, how, (int)want->status);
    if (want->status != BHT_OK)
        return;
    cr_assert(memcmp(&got->r.nu_lower, &want->r.nu_lower, sizeof got->r.nu_lower) == 0
                  && memcmp(&got->r.nu_upper, &want->r.nu_upper, sizeof got->r.nu_upper) == 0
                  && got->r.cells == want->r.cells && got->r.converged == want->r.converged
                  && memcmp(got->query, want->query, sizeof got->query) == 0,
              "%s n %zu d %zu cells %zu: [%a, %a] %zu cells %s, [%a, %a] %zu cells with 1 thread",
              c->name, c->n, c->d, c->max_cells, got->r.nu_lower, got->r.nu_upper, got->r.cells,
              how, want->r.nu_lower, want->r.nu_upper, want->r.cells);
}

/* The sequence: each model converged and ended by its budget, a refusal
 * of each model after the pool is taken, and searches after the
 * refusals. */
static size_t make_cases(pool_case *cases)
{
    static const struct {
        sup_fn fn;
        const char *name;
        size_t n, d, max_cells;
        int kind; /* 0 random, 1 rank deficient (equal columns), 2 huge A */
    } plan[] = {
        {softmax_sup, "softmax", 5, 2, 20000, 0},   {leverage_sup, "leverage", 6, 5, 20000, 0},
        {leverage_sup, "leverage", 4, 2, 301, 0},   {softmax_sup, "softmax", 4, 3, 150, 0},
        {leverage_sup, "leverage", 5, 2, 20000, 1}, {softmax_sup, "softmax", 5, 2, 20000, 0},
        {softmax_sup, "softmax", 3, 2, 20000, 2},   {plan_sup, "plan", 5, 2, 20000, 0},
        {leverage_sup, "leverage", 6, 3, 1001, 0},  {plan_sup, "plan", 4, 2, 20000, 1},
        {leverage_sup, "leverage", 5, 3, 20000, 0},
    };
    test_rng rng = {424242};
    size_t count = sizeof plan / sizeof plan[0];
    for (size_t k = 0; k < count; k++) {
        pool_case *c = &cases[k];
        *c = (pool_case){plan[k].fn, plan[k].name, plan[k].n, plan[k].d, plan[k].max_cells,
                         {0}, {0}};
        for (size_t i = 0; i < c->n * c->d; i++) {
            c->A[i] = test_rng_normal(&rng);
            c->M[i] = test_rng_normal(&rng);
        }
        if (plan[k].kind == 1) /* row-major n x d: column 1 = column 0 */
            for (size_t i = 0; i < c->n; i++)
                c->A[i * c->d + 1] = c->A[i * c->d];
        if (plan[k].kind == 2)
            for (size_t i = 0; i < c->n * c->d; i++)
                c->A[i] *= 0x1p1000;
    }
    return count;
}

Test(sup_pool_shared, one_pool_for_many_searches_same_bits, .timeout = 900)
{
    pool_case cases[16];
    size_t count = make_cases(cases);
    pool_outcome single[16];
    int refused = 0, budget_ended = 0;
    for (size_t k = 0; k < count; k++) {
        single[k] = run_case(&cases[k], 1, NULL);
        refused += single[k].status != BHT_OK;
        budget_ended += single[k].status == BHT_OK && !single[k].r.converged;
    }
    cr_assert_geq(refused, 3, "the sequence must include refusals after the pool is taken");
    cr_assert_geq(budget_ended, 2, "the sequence must include searches ended by the budget");
    for (size_t threads = 1; threads <= 3; threads++) {
        bht_sup_pool *pool = NULL;
        cr_assert_eq(bht_sup_pool_create(threads, &pool), BHT_OK);
        cr_assert_not_null(pool);
        for (int pass = 0; pass < 2; pass++) /* the pool reused for the whole sequence again */
            for (size_t k = 0; k < count; k++) {
                pool_outcome shared = run_case(&cases[k], 1, pool);
                assert_same(&shared, &single[k], &cases[k], "on a shared pool");
                pool_outcome own = run_case(&cases[k], threads, NULL);
                assert_same(&own, &single[k], &cases[k], "on a pool of its own");
            }
        bht_sup_pool_free(pool);
    }
}

/* options.threads is ignored when a pool is given: 4 threads asked, a
 * 2-thread pool used, the same bits. */
Test(sup_pool_shared, the_pool_wins_over_threads)
{
    pool_case cases[16];
    make_cases(cases);
    bht_sup_pool *pool = NULL;
    cr_assert_eq(bht_sup_pool_create(2, &pool), BHT_OK);
    pool_outcome want = run_case(&cases[0], 1, NULL), got = run_case(&cases[0], 4, pool);
    assert_same(&got, &want, &cases[0], "threads 4 on a 2-thread pool");
    bht_sup_pool_free(pool);
}

Test(sup_pool_shared, bad_input)
{
    bht_sup_pool *pool = (bht_sup_pool *)&pool; /* must be reset */
    cr_assert_eq(bht_sup_pool_create(0, &pool), BHT_E_INVALID);
    cr_assert_null(pool);
    cr_assert_eq(bht_sup_pool_create(2, NULL), BHT_E_INVALID);
    bht_sup_pool_free(NULL);
}

/* A search started from the progress callback of a search running on the
 * same pool: refused with BHT_E_INVALID, and the outer search unaffected. */
typedef struct nested {
    const pool_case *inner;
    bht_sup_pool *pool;
    int calls;
    bht_status status;
} nested;

static void nested_search(void *context, size_t cells, double lower, double upper)
{
    (void)cells;
    (void)lower;
    (void)upper;
    nested *t = context;
    if (t->calls++ == 0) {
        pool_outcome o = run_case(t->inner, 1, t->pool);
        t->status = o.status;
    }
}

Test(sup_pool_shared, a_pool_in_use_is_refused, .timeout = 300)
{
    pool_case cases[16];
    size_t count = make_cases(cases);
    /* the first search of the sequence long enough for a progress call
     * (every 1000 cells) */
    const pool_case *outer = NULL;
    pool_outcome want;
    for (size_t k = 0; k < count && !outer; k++) {
        want = run_case(&cases[k], 1, NULL);
        if (want.status == BHT_OK && want.r.cells > 1000)
            outer = &cases[k];
    }
    cr_assert_not_null(outer, "no search long enough for the progress callback");
    const pool_case *inner = outer == &cases[0] ? &cases[1] : &cases[0];
    for (size_t threads = 1; threads <= 2; threads++) {
        bht_sup_pool *pool = NULL;
        cr_assert_eq(bht_sup_pool_create(threads, &pool), BHT_OK);
        nested t = {inner, pool, 0, BHT_OK};
        pool_outcome got;
        memset(&got, 0, sizeof got);
        bht_sup_options opt = {0.01, outer->max_cells, nested_search, &t, 1, pool};
        got.status = outer->fn(outer->n, outer->d, outer->A, outer->M, &opt, got.query, &got.r);
        cr_assert_gt(t.calls, 0);
        cr_assert_eq(t.status, BHT_E_INVALID, "the nested search on the busy pool: %d",
                     (int)t.status);
        assert_same(&got, &want, outer, "with a refused nested search");
        /* released: the inner problem now runs on it */
        pool_outcome again = run_case(inner, 1, pool), alone = run_case(inner, 1, NULL);
        assert_same(&again, &alone, inner, "on the pool after the refusal");
        bht_sup_pool_free(pool);
    }
}
