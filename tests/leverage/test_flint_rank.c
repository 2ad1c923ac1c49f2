/* test_flint_rank.c: the leverage oracle's exact rank decisions
 * (bht_oracle_leverage: BHT_E_SINGULAR iff rank A < d) against FLINT's
 * exact integer rank (fmpz_mat_rank, Debian libflint-dev; used in this test
 * only).  Every double is an integer times 2^-1074, so 2^1074 A is an
 * integer matrix of the same rank, and Diag(s)^-1 does not change the rank.
 * Matrices: fixed-seed random small integers scaled by powers of two over
 * the whole exponent range, with the hazards that make floating-point rank
 * decisions fail -- exact linear dependencies (rank 1 .. d - 1), zero rows,
 * and full-rank matrices within 2^-52 of rank deficient. */
#include <criterion/criterion.h>
#include <flint/fmpz_mat.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

/* The project's one SplitMix64 (src/core/rng.c). */
static uint64_t next(uint64_t *state)
{
    return bht__splitmix64(state);
}

/* FLINT's rank of the n-by-d double matrix A (exact). */
static long flint_rank(size_t n, size_t d, const double *A)
{
    fmpz_mat_t M;
    fmpz_mat_init(M, (slong)n, (slong)d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double x = A[i * d + j];
            fmpz *e = fmpz_mat_entry(M, (slong)i, (slong)j);
            if (x == 0.0) {
                fmpz_zero(e);
                continue;
            }
            int ex;
            double m = ldexp(frexp(x, &ex), 53); /* an integer, |m| < 2^53 */
            fmpz_set_si(e, (slong)m);
            long shift = (long)ex - 53 + 1074;  /* x 2^1074 = m 2^shift */
            if (shift >= 0)
                fmpz_mul_2exp(e, e, (ulong)shift);
            else
                fmpz_tdiv_q_2exp(e, e, (ulong)-shift); /* exact: m has the zero bits */
        }
    long r = (long)fmpz_mat_rank(M);
    fmpz_mat_clear(M);
    return r;
}

/* One random case; kind selects the hazard. */
static void make_case(uint64_t *st, int kind, size_t *n, size_t *d, double *A, double *s)
{
    *d = 1 + next(st) % 4;
    *n = *d + next(st) % 5;
    int scale = (int)(next(st) % 1200) - 600; /* a common power of two, far from 1 */
    for (size_t k = 0; k < *n * *d; k++)
        A[k] = ldexp((double)((int)(next(st) % 17) - 8), scale + (int)(next(st) % 5));
    for (size_t i = 0; i < *n; i++)
        s[i] = ldexp(1.0 + (double)(next(st) % 8) / 8.0, (int)(next(st) % 40) - 20);
    size_t c = *d - 1;
    switch (kind) {
    case 1: /* last column an exact combination of the first (power-of-two weights) */
        for (size_t i = 0; i < *n; i++)
            A[i * *d + c] = *d > 1 ? ldexp(A[i * *d], 1) - A[i * *d + (c > 1 ? 1 : 0)] / 2.0 : 0.0;
        break;
    case 2: /* all rows but d - 1 zero */
        for (size_t i = *d - 1; i < *n; i++)
            memset(A + i * *d, 0, *d * sizeof *A);
        break;
    case 3: { /* rank deficient, then one entry moved by one ulp: full rank exactly */
        for (size_t i = 0; i < *n; i++)
            A[i * *d + c] = *d > 1 ? A[i * *d] : A[i * *d];
        size_t i = next(st) % *n;
        if (A[i * *d + c] != 0.0)
            A[i * *d + c] = nextafter(A[i * *d + c], INFINITY);
        break;
    }
    default:
        break;
    }
}

Test(flint, oracle_rank_decisions_match_exact_integer_rank, .timeout = 120)
{
    uint64_t st = 20261206;
    double A[8 * 4], s[8], p[8];
    int singular = 0, full = 0;
    for (int t = 0; t < 400; t++) {
        size_t n, d;
        make_case(&st, t % 4, &n, &d, A, s);
        long r = flint_rank(n, d, A);
        bht_status status = bht_oracle_leverage(n, d, A, s, p, NULL, NULL, NULL, NULL);
        cr_assert(status == BHT_OK || status == BHT_E_SINGULAR, "case %d: status %d", t,
                  (int)status);
        cr_assert_eq(status == BHT_E_SINGULAR, r < (long)d,
                     "case %d (kind %d, %zu x %zu): oracle %s, FLINT rank %ld", t, t % 4, n, d,
                     status == BHT_E_SINGULAR ? "singular" : "full rank", r);
        /* the double kernel never answers for a rank-deficient matrix */
        if (r < (long)d)
            cr_assert_neq(bht_leverage(n, d, A, s, p, NULL, NULL), BHT_OK, "case %d", t);
        singular += status == BHT_E_SINGULAR;
        full += status == BHT_OK;
    }
    /* both verdicts occur often enough for the comparison to mean something */
    cr_assert(singular >= 100 && full >= 100, "singular %d, full %d", singular, full);
}
