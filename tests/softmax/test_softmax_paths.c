/* test_softmax_paths.c: the softmax(z) kernel gives the same bits on every
 * compiled variant (generic C, x86-64-v3, x86-64-v4: those this CPU runs),
 * through the public entry point, at any alignment of z and p, for every n
 * (lane tails included) and when called from several threads at once.
 * Accuracy against the oracle is tested in test_softmax.c; here each variant
 * is compared with the generic build of the same code, which is an
 * independent compilation (no vector instructions, libm fma). */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "harness.h"
#include "softmax/softmax_lanes.h"

#define MAX_N 5000
/* Offsets in doubles from a 64-byte boundary: aligned, 8-byte, 32-byte. */
static const size_t OFFSETS[] = {0, 1, 4};

static size_t bits_differ(size_t n, const double *a, const double *b)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x, y;
        memcpy(&x, &a[i], sizeof x);
        memcpy(&y, &b[i], sizeof y);
        if (x != y)
            return i + 1;
    }
    return 0;
}

/* Logits of one of six families, chosen to reach every branch: ordinary,
 * exact ties, the underflow edge (t near -700 and -746, subnormal and zero
 * results), huge magnitudes (differences beyond the double range), a single
 * dominant logit, and near-uniform values. */
static void make_logits(test_rng *r, size_t n, int family, double *z)
{
    double top = 50.0 * test_rng_normal(r);
    for (size_t i = 0; i < n; i++) {
        switch (family) {
        case 0: z[i] = 30.0 * test_rng_normal(r); break;
        case 1: z[i] = top - (double)(test_rng_next(r) % 4); break;
        case 2: z[i] = top - (test_rng_next(r) % 2 ? 700.0 + 50.0 * test_rng_unit(r)
                                                   : 5.0 * test_rng_unit(r)); break;
        case 3: z[i] = (test_rng_next(r) % 2 ? -1.0 : 1.0)
                       * ldexp(1.0 + test_rng_unit(r), (int)test_rng_int(r, 0, 1023)); break;
        case 4: z[i] = top - 800.0 - test_rng_unit(r); break;
        default: z[i] = 1e-9 * test_rng_uniform(r, -1.0, 1.0); break;
        }
    }
    z[test_rng_int(r, 0, n - 1)] = top;
}

Test(softmax_paths, every_variant_same_bits_any_alignment)
{
    double *zbuf = test_alloc(MAX_N + 16), *ref = test_alloc(MAX_N);
    double *pbuf = test_alloc(MAX_N + 16);
    test_rng r = {20261206};
    size_t variants = 0, cases = 0;
    for (int v = 0; v < BHT_SOFTMAX_PATH_COUNT; v++)
        variants += (size_t)bht_softmax_path_available((bht_softmax_path)v);
    cr_assert(bht_softmax_path_available(BHT_SOFTMAX_PATH_GENERIC));
    for (size_t k = 0; k < 600; k++) {
        /* n = 1..40 covers every lane tail; some n span several blocks. */
        size_t n = k < 400 ? 1 + k % 40 : test_rng_int(&r, 41, MAX_N);
        int family = (int)(k % 6);
        double *z = zbuf + OFFSETS[k % 3];
        make_logits(&r, n, family, z);
        bht_softmax_lanes(n, z, ref, BHT_SOFTMAX_PATH_GENERIC);
        for (int v = BHT_SOFTMAX_PATH_AUTO; v < BHT_SOFTMAX_PATH_COUNT; v++) {
            if (!bht_softmax_path_available((bht_softmax_path)v))
                continue;
            for (size_t o = 0; o < 3; o++) {
                double *p = pbuf + OFFSETS[o];
                memset(p, 0xff, n * sizeof *p);
                bht_softmax_lanes(n, z, p, (bht_softmax_path)v);
                size_t at = bits_differ(n, p, ref);
                cr_assert_eq(at, 0, "case %zu (n %zu, family %d), variant %d, offset %zu: "
                             "p[%zu] = %a, generic %a", k, n, family, v, OFFSETS[o],
                             at - 1, p[at - 1], ref[at - 1]);
                cases++;
            }
        }
        double *p = pbuf + OFFSETS[(k + 1) % 3];
        cr_assert_eq(bht_softmax_logits(n, z, p), BHT_OK);
        cr_assert_eq(bits_differ(n, p, ref), 0, "case %zu: bht_softmax_logits differs", k);
    }
    cr_log_info("softmax paths: %zu variants on this CPU, %zu comparisons", variants, cases);
    free(zbuf);
    free(ref);
    free(pbuf);
}

typedef struct thread_job {
    size_t n;
    const double *z;
    double *p;
} thread_job;

static void *run_kernel(void *arg)
{
    thread_job *job = arg;
    for (int rep = 0; rep < 20; rep++)
        if (bht_softmax_logits(job->n, job->z, job->p) != BHT_OK)
            return arg;
    return NULL;
}

/* The kernel keeps no state between calls: four threads running it at once
 * on the same logits get the single-threaded bits. */
Test(softmax_paths, concurrent_calls_same_bits)
{
    enum { THREADS = 4 };
    const size_t n = 4099;
    double *z = test_alloc(n), *ref = test_alloc(n), *p[THREADS];
    test_rng r = {77};
    make_logits(&r, n, 2, z);
    cr_assert_eq(bht_softmax_logits(n, z, ref), BHT_OK);
    pthread_t t[THREADS];
    thread_job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        p[i] = test_alloc(n);
        jobs[i] = (thread_job){n, z, p[i]};
        cr_assert_eq(pthread_create(&t[i], NULL, run_kernel, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        void *ret;
        cr_assert_eq(pthread_join(t[i], &ret), 0);
        cr_assert_null(ret, "thread %d: kernel refused", i);
        cr_assert_eq(bits_differ(n, p[i], ref), 0, "thread %d differs", i);
        free(p[i]);
    }
    free(z);
    free(ref);
}
