/* golden_shared.c: helpers every golden generator uses: the text buffer and
 * the exact hex format, the flag table, comments, the worst-case search
 * score, the value flags, rendering, and the two input draws (lengths,
 * designs) that several functions share. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "golden/golden_internal.h"

/* ------------------------------------------------------------- buffer */

void bht__gold_append_raw(bht_golden_buffer *b, const char *s, size_t len, int *nomem)
{
    if (*nomem)
        return;
    if (b->capacity - b->length < len + 1) {
        size_t cap = b->capacity ? b->capacity : 4096;
        while (cap - b->length < len + 1) {
            if (cap > SIZE_MAX / 2) {
                *nomem = 1;
                return;
            }
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d) {
            *nomem = 1;
            return;
        }
        b->data = d;
        b->capacity = cap;
    }
    memcpy(b->data + b->length, s, len);
    b->length += len;
    b->data[b->length] = '\0';
}

void bht__gold_append(bht_golden_buffer *b, int *nomem, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof small) {
        *nomem = 1; /* every fragment rendered here is short */
        return;
    }
    bht__gold_append_raw(b, small, (size_t)n, nomem);
}

/* Frees the text and leaves the buffer empty (zero-initialised) again. */
void bht_golden_buffer_free(bht_golden_buffer *b)
{
    if (b) {
        free(b->data);
        *b = (bht_golden_buffer){0};
    }
}

void bht_golden_format_double(double x, char out[BHT_GOLDEN_HEX_SIZE])
{
    if (isnan(x)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(x)) {
        strcpy(out, x < 0 ? "-inf" : "inf");
        return;
    }
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    char *o = out;
    if (bits >> 63)
        *o++ = '-';
    unsigned biased = (unsigned)((bits >> 52) & 0x7ff);
    uint64_t mant = bits & (((uint64_t)1 << 52) - 1);
    if (biased == 0 && mant == 0) {
        strcpy(o, "0x0p+0");
        return;
    }
    int exponent = biased ? (int)biased - 1023 : -1022;
    *o++ = '0';
    *o++ = 'x';
    *o++ = biased ? '1' : '0';
    if (mant) {
        static const char hex[] = "0123456789abcdef";
        char digits[13];
        int last = -1;
        for (int k = 0; k < 13; k++) {
            digits[k] = hex[(mant >> (48 - 4 * k)) & 0xf];
            if (digits[k] != '0')
                last = k;
        }
        *o++ = '.';
        for (int k = 0; k <= last; k++)
            *o++ = digits[k];
    }
    snprintf(o, 8, "p%+d", exponent);
}

/* ---------------------------------------------------------------- flags */

static const struct {
    const char *name, *description;
} flag_table[F_COUNT] = {
    {"special", "hand-picked special value"},
    {"n1", "a single outcome (n = 1)"},
    {"equal_logits", "all logits equal (uniform result)"},
    {"large_logits", "some |logit| >= 700: exp(logit) overflows or underflows in binary64"},
    {"gap_underflow", "logit gaps of 700 to 800: probabilities in the subnormal range or 0"},
    {"zero_output", "an expected value is (a rounded-to) zero"},
    {"subnormal_output", "an expected value is subnormal"},
    {"subnormal_input", "an input value is subnormal"},
    {"signed_zero", "an input is -0"},
    {"beyond_kernel_domain",
     "valid, but bht's double kernel cannot certify its budget there and refuses with "
     "BHT_E_RANGE (derived from the kernel's verdict; e.g. cancellation in a local-analysis "
     "or model-distance sum beyond what the kernel certifies); an implementation may reject "
     "it or must meet tol"},
    {"domain_boundary",
     "at a former edge of the double kernel's domain (|logit| = 2^1020, |a_ij x_j| = 2^1030; "
     "leverage: exponent -400 or 400), kept as a test point: the kernel now accepts every "
     "finite input"},
    {"large_n", "more than 64 outcomes"},
    {"random", "drawn from a seeded SplitMix64 stream (see comment for the family)"},
    {"worst_case_search",
     "the largest double-kernel-vs-oracle ulp error among the candidates of a bounded "
     "deterministic search (comment gives the error and the number of candidates)"},
    {"ill_conditioned",
     "ill-conditioned design: cancellation in the dot products A x, nearly collinear rows or "
     "(leverage) nearly collinear columns"},
    {"near_identical", "P and Q nearly identical (tiny H^2 and TV)"},
    {"disjoint_support", "P and Q have disjoint supports (H^2 = TV = 1)"},
    {"log_spaced", "eps on a binary log-spaced grid (1 + k/4) 2^e covering [1e-300, 200]"},
    {"cutoff_boundary", "at or next to a branch cut-off of bht's double kernel"},
    {"invalid_nonfinite", "invalid: an input is NaN or infinite"},
    {"invalid_negative", "invalid: a probability or eps is negative"},
    {"invalid_shape",
     "invalid: inconsistent shapes (lengths, A's columns vs x, B or M vs A, s vs A's rows, "
     "n < d for leverage)"},
    {"invalid_empty", "invalid: an empty vector or matrix"},
    {"invalid_sum", "invalid: a distribution does not sum to 1 within n 2^-52"},
    {"beyond_kernel_conditioning",
     "valid (A has full rank, decided exactly), but bht's leverage double kernel cannot "
     "certify it: after its fallbacks (exact-residual refinement, a residual-certified or "
     "comparison-matrix bound on R^-1, a double-double QR preconditioner) the error bound it "
     "computes for some h_ii still exceeds 2^-54 (rows graded beyond about 2^100), and it "
     "refuses with BHT_E_SINGULAR; an implementation may reject it or must meet tol"},
    {"vandermonde", "Vandermonde design a_ij = t_i^j, degree 8 to 14 (ill-conditioned)"},
    {"scaled_design", "rows and/or columns of the design scaled by factors up to 2^+-300"},
    {"n_equals_d",
     "square design (n = d): every leverage score is exactly 1 (so distance_leverage is 0 "
     "and nu_leverage is 0)"},
    {"d1", "a single column (d = 1)"},
    {"varying_s",
     "the query weights |s_i| span a factor of 2^20 or more (leverage, distance_leverage, "
     "nu_leverage)"},
    {"identical_models",
     "the two models give the same distribution (softmax: B = A, B = A + 1 w^T exactly, "
     "x = 0 or n = 1; leverage: B = A R exactly for an invertible R, or n = d): every "
     "distance is exactly 0"},
    {"shifted_model",
     "B = A + 1 w^T (or M = M0 + 1 w^T) exactly: adding a common row leaves the softmax "
     "unchanged (any difference comes from the other perturbation only); nu_leverage: "
     "M = M0 + A S exactly, which leaves nu, local_constant and derivative unchanged"},
    {"invalid_zero_s", "invalid: some query weight s_i is 0 or -0 (Diag(s)^-1 undefined)"},
    {"invalid_rank_deficient",
     "invalid: A is exactly rank deficient (rank < d, decided in exact arithmetic): the "
     "leverage scores are undefined"},
    {"tied_logits",
     "some logits (A x)_i are exactly equal (repeated rows of A) but not all of them"},
    {"near_target",
     "b is within 2^-20 (relative) of softmax(A x): f - b cancels, and the gradient and "
     "Hessian terms that carry it lose their leading digits"},
    {"regularized", "some regression weight w_i is nonzero"},
};

size_t bht_golden_flag_count(void) { return F_COUNT; }

const char *bht_golden_flag_name(size_t k) { return k < F_COUNT ? flag_table[k].name : NULL; }

const char *bht_golden_flag_description(size_t k)
{
    return k < F_COUNT ? flag_table[k].description : NULL;
}
const char *bht__gold_flag_name(size_t k) { return flag_table[k].name; }

void bht__gold_flag_subnormal_in(gcase *c, size_t n, const double *v)
{
    for (size_t i = 0; i < n; i++)
        if (is_subnormal(v[i]))
            c->flags |= FLAG(F_SUBNORMAL_IN);
}

void bht__gold_flag_outputs(gcase *c, size_t n, const double *v)
{
    for (size_t i = 0; i < n; i++) {
        if (is_subnormal(v[i]))
            c->flags |= FLAG(F_SUBNORMAL_OUT);
        if (v[i] == 0.0)
            c->flags |= FLAG(F_ZERO_OUT);
    }
}

/* Subnormal weights, and varying_s when max |s_i| >= 2^20 min |s_i|. */
void bht__gold_flag_query(gcase *c)
{
    double lo = INFINITY, hi = 0.0;
    for (size_t i = 0; i < c->slen; i++) {
        double v = fabs(c->s[i]);
        if (is_subnormal(v))
            c->flags |= FLAG(F_SUBNORMAL_IN);
        if (v > 0.0 && isfinite(v)) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    if (hi >= lo * 0x1p20)
        c->flags |= FLAG(F_VARYING_S);
}

/* The double kernel's verdict on a valid vector. */
void bht__gold_flag_verdict(gcase *c, bht_status st)
{
    if (st == BHT_E_RANGE)
        c->flags |= FLAG(F_BEYOND);
    else if (st == BHT_E_SINGULAR)
        c->flags |= FLAG(F_BEYOND_COND);
}

/* d1 and n1 of a valid model vector. */
void bht__gold_flag_shape(gcase *c)
{
    if (!c->invalid && c->d == 1)
        c->flags |= FLAG(F_D1);
    if (!c->invalid && c->n == 1)
        c->flags |= FLAG(F_N1);
}

/* ------------------------------------------------------------- search */

void bht__gold_comment(gcase *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->comment, sizeof c->comment, fmt, ap);
    va_end(ap);
}

void bht__gold_label(gcase *c, uint64_t flags, const char *comment)
{
    c->flags |= flags;
    bht__gold_comment(c, "%s", comment);
}

/* Max ulp error of computed[] against reference[]. */
static double max_ulp(size_t n, const double *computed, const double *reference)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = bht_ulp_error(computed[i], reference[i]);
        if (e > worst)
            worst = e;
    }
    return worst;
}

/* Search score: the max ulp error, ties broken by the number of misrounded
 * entries (each adds 2^-20, far below one ulp). */
double bht__gold_search_score(size_t n, const double *computed, const double *reference)
{
    double score = max_ulp(n, computed, reference);
    for (size_t i = 0; i < n; i++)
        if (bht_ulp_error(computed[i], reference[i]) > 0.0)
            score += 0x1p-20;
    return score;
}


/* The length an edit names, or NULL (an array). */
static size_t *edited_length(gcase *c, const char *what)
{
    static const struct {
        const char *name;
        size_t offset;
    } L[] = {{"n", offsetof(gcase, n)},         {"d", offsetof(gcase, d)},
             {"xlen", offsetof(gcase, xlen)},   {"rows2", offsetof(gcase, rows2)},
             {"cols2", offsetof(gcase, cols2)}, {"slen", offsetof(gcase, slen)},
             {"blen", offsetof(gcase, blen)},   {"wlen", offsetof(gcase, wlen)}};
    for (size_t k = 0; k < COUNT_OF(L); k++)
        if (strcmp(what, L[k].name) == 0)
            return (size_t *)((char *)c + L[k].offset);
    return NULL;
}

static double *edited_array(gcase *c, const char *what)
{
    switch (what[0]) {
    case 'A':
        return c->A;
    case 'B':
        return gold_other(c);
    case 'x':
        return c->x;
    case 's':
        return c->s;
    case 'b':
        return c->b;
    default:
        return c->w;
    }
}

int bht__gold_invalid_entry(gcase *c, const gold_invalid *t, size_t count, size_t i)
{
    if (i >= count || !t[i].comment)
        return 0;
    for (size_t k = 0; k < 4 && t[i].edit[k].what; k++) {
        const gold_edit *e = &t[i].edit[k];
        size_t *len = edited_length(c, e->what);
        if (len)
            *len = (size_t)e->v;
        else
            edited_array(c, e->what)[e->k] = e->v;
    }
    c->flags |= t[i].flags;
    bht__gold_comment(c, t[i].comment, gold_other_name(c));
    return 1;
}

void bht__gold_softmax_keep(const void *cand, gcase *c)
{
    const gold_softmax_cand *t = cand;
    c->n = t->n;
    if (c->fn == FN_SOFTMAX_LOGITS) {
        memcpy(c->z, t->z, t->n * sizeof *t->z);
    } else {
        c->d = c->xlen = t->d;
        memcpy(c->A, t->A, t->n * t->d * sizeof *t->A);
        memcpy(c->x, t->x, t->d * sizeof *t->x);
    }
    memcpy(c->p, t->q, t->n * sizeof *t->q);
}

/* The softmax kernel and oracle of fn (softmax_logits: z; softmax: A, x). */
static bht_status softmax_kernel(int fn, size_t n, size_t d, const double *z, const double *A,
                                 const double *x, double *p)
{
    return fn == FN_SOFTMAX_LOGITS ? bht_softmax_logits(n, z, p) : bht_softmax(n, d, A, x, p);
}

static bht_status softmax_oracle(int fn, size_t n, size_t d, const double *z, const double *A,
                                 const double *x, double *p)
{
    return fn == FN_SOFTMAX_LOGITS ? bht_oracle_softmax_logits(n, z, p, NULL, NULL)
                                   : bht_oracle_softmax(n, d, A, x, p, NULL, NULL);
}

bht_status bht__gold_softmax_try(const gold_search *s, int fn, void *cand, grng *r, double *err,
                                 uint64_t *fl)
{
    gold_softmax_cand *t = cand;
    s->draw(t, r, fl);
    if (softmax_kernel(fn, t->n, t->d, t->z, t->A, t->x, t->p) != BHT_OK)
        return BHT_OK;
    bht_status st = softmax_oracle(fn, t->n, t->d, t->z, t->A, t->x, t->q);
    if (st == BHT_OK)
        *err = bht__gold_search_score(t->n, t->p, t->q);
    return st;
}

static bht_status softmax_expected(gcase *c)
{
    return softmax_oracle(c->fn, c->n, c->d, c->z, c->A, c->x, c->p);
}

static void softmax_flags(gcase *c)
{
    int logits = c->fn == FN_SOFTMAX_LOGITS;
    if (logits)
        for (size_t i = 0; i < c->n; i++)
            if (fabs(c->z[i]) >= 700.0 && isfinite(c->z[i]))
                c->flags |= FLAG(F_LARGE_LOGITS);
    if (!c->invalid) {
        double tmp[G_MAX_N];
        if (softmax_kernel(c->fn, c->n, c->d, c->z, c->A, c->x, tmp) == BHT_E_RANGE)
            c->flags |= FLAG(F_BEYOND);
    }
    if (logits) {
        bht__gold_flag_subnormal_in(c, c->n, c->z);
    } else {
        bht__gold_flag_subnormal_in(c, c->xlen, c->x);
        bht__gold_flag_subnormal_in(c, c->n * c->d, c->A);
    }
    bht__gold_flag_outputs(c, c->invalid ? 0 : c->n, c->p);
    if (c->n > 64)
        c->flags |= FLAG(F_LARGE_N);
}

static void softmax_inputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    if (c->fn == FN_SOFTMAX_LOGITS) {
        bht__gold_put_array(b, nomem, "z", 0, c->n, c->z);
    } else {
        bht__gold_put_matrix(b, nomem, "A", 0, c->n, c->d, c->A);
        bht__gold_put_array(b, nomem, "x", 1, c->xlen, c->x);
    }
}

static void softmax_outputs(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_array(b, nomem, "p", 0, c->n, c->p);
}

const gold_hooks bht__gold_softmax_hooks = {softmax_expected, softmax_flags, softmax_inputs,
                                            softmax_outputs};

/* The scores of the distance triple and of the local analysis (nu, its
 * local constant and the n derivatives). */
double bht__gold_distances_score(const bht_distances *kernel, const bht_distances *oracle)
{
    const double kv[3] = {kernel->hellinger2, kernel->hellinger, kernel->tv};
    const double ov[3] = {oracle->hellinger2, oracle->hellinger, oracle->tv};
    return bht__gold_search_score(3, kv, ov);
}

double bht__gold_local_score(size_t n, const bht_local_result *kernel, const double *kderiv,
                             const bht_local_result *oracle, const double *oderiv)
{
    const double kv[2] = {kernel->nu, kernel->local_constant};
    const double ov[2] = {oracle->nu, oracle->local_constant};
    double e = bht__gold_search_score(2, kv, ov), e2 = bht__gold_search_score(n, kderiv, oderiv);
    return e > e2 ? e : e2;
}

/* The worst-case search of every "worst" family (its search): draw
 * s->candidates candidates, keep the one whose kernel error (ulp against the
 * oracle) is largest, and label the vector; no usable candidate:
 * BHT_E_PRECISION (the generator draws again). */
bht_status bht__gold_worst(gcase *c, size_t i, grng *r)
{
    const gold_search *s = c->family->search;
    void *cand = calloc(1, s->size);
    if (!cand)
        return BHT_E_NOMEM;
    double best = -1.0;
    uint64_t best_flags = 0;
    bht_status st = BHT_OK;
    for (int k = 0; k < s->candidates && st == BHT_OK; k++) {
        double e = -1.0;
        uint64_t fl = 0;
        st = s->try_one(s, c->fn, cand, r, &e, &fl);
        if (st == BHT_OK && e > best) {
            best = e;
            best_flags = fl;
            s->keep(cand, c);
        }
    }
    free(cand);
    if (st != BHT_OK)
        return st;
    if (best < 0.0)
        return BHT_E_PRECISION;
    c->expected_done = 1;
    c->flags |= FLAG(F_WORST) | best_flags;
    bht__gold_comment(c, best < 1e15 ? "worst of %d candidates (search block %zu): kernel error %.0f ulp"
                                     : "worst of %d candidates (search block %zu): kernel error %.3g ulp",
                      s->candidates, i, best < 1e15 ? floor(best) : best);
    return BHT_OK;
}

/* -------------------------------------------------------------- draws */

long bht__gold_draw_tiered(grng *r, const gold_tier *t)
{
    long u = bht__rng_int(r, 0, 99);
    while (u >= t->below)
        t++;
    return t->lo == t->hi ? t->lo : bht__rng_int(r, t->lo, t->hi);
}

size_t bht__gold_draw_n(grng *r)
{
    static const gold_tier T[] = {{70, 1, 16}, {95, 17, 64}, {100, 65, 300}};
    return (size_t)bht__gold_draw_tiered(r, T);
}


/* Fills A (n by d) with one of five designs; returns its name. */
const char *bht__gold_draw_design(grng *r, size_t n, size_t d, double *A, uint64_t *flags)
{
    static const double scales[] = {1e-3, 0.1, 1.0, 10.0, 1e3};
    double s = scales[bht__rng_int(r, 0, 4)];
    switch (bht__rng_int(r, 0, 4)) {
    case 0:
        for (size_t k = 0; k < n * d; k++)
            A[k] = s * rng_sym(r);
        return "uniform";
    case 1:
        for (size_t k = 0; k < n * d; k++)
            A[k] = s * 0.5 * (rng_sym(r) + rng_sym(r) + rng_sym(r) + rng_sym(r));
        return "sum of 4 uniforms";
    case 2:
        for (size_t k = 0; k < n * d; k++)
            A[k] = (double)bht__rng_int(r, -9, 9);
        return "integer";
    case 3: {
        /* Nearly collinear rows: a base row plus 2^-k perturbations. */
        int sh = (int)bht__rng_int(r, 20, 50);
        for (size_t j = 0; j < d; j++)
            A[j] = s * rng_sym(r);
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < d; j++)
                A[i * d + j] = A[j] + ldexp(s * rng_sym(r), -sh);
        *flags |= FLAG(F_ILL);
        return "nearly collinear rows";
    }
    default:
        for (size_t j = 0; j < d; j++) {
            int e = (int)bht__rng_int(r, -20, 20);
            for (size_t i = 0; i < n; i++)
                A[i * d + j] = ldexp(rng_sym(r), e);
        }
        return "columns scaled by 2^[-20, 20]";
    }
}

/* -------------------------------------------------------------- render */

static void put_values(bht_golden_buffer *b, int *nomem, size_t n, const double *v)
{
    char hex[BHT_GOLDEN_HEX_SIZE];
    bht__gold_append_raw(b, "[", 1, nomem);
    for (size_t i = 0; i < n; i++) {
        bht_golden_format_double(v[i], hex);
        bht__gold_append(b, nomem, "%s\"%s\"", i ? "," : "", hex);
    }
    bht__gold_append_raw(b, "]", 1, nomem);
}

void bht__gold_put_array(bht_golden_buffer *b, int *nomem, const char *key, int comma, size_t n,
                    const double *v)
{
    bht__gold_append(b, nomem, "%s\"%s\":", comma ? "," : "", key);
    put_values(b, nomem, n, v);
}

void bht__gold_put_scalar(bht_golden_buffer *b, int *nomem, const char *key, int comma, double v)
{
    char hex[BHT_GOLDEN_HEX_SIZE];
    bht_golden_format_double(v, hex);
    bht__gold_append(b, nomem, "%s\"%s\":\"%s\"", comma ? "," : "", key, hex);
}

void bht__gold_put_matrix(bht_golden_buffer *b, int *nomem, const char *key, int comma, size_t rows,
                     size_t cols, const double *v)
{
    bht__gold_append(b, nomem, "%s\"%s\":{\"rows\":%zu,\"cols\":%zu,\"data\":", comma ? "," : "", key,
                rows, cols);
    put_values(b, nomem, rows * cols, v);
    bht__gold_append_raw(b, "}", 1, nomem);
}

void bht__gold_put_string(bht_golden_buffer *b, int *nomem, const char *s)
{
    bht__gold_append_raw(b, "\"", 1, nomem);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            bht__gold_append(b, nomem, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            bht__gold_append(b, nomem, "\\u%04x", ch);
        else
            bht__gold_append_raw(b, s, 1, nomem);
    }
    bht__gold_append_raw(b, "\"", 1, nomem);
}


void bht__gold_put_distances(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_scalar(b, nomem, "hellinger2", 0, c->dist.hellinger2);
    bht__gold_put_scalar(b, nomem, "hellinger", 1, c->dist.hellinger);
    bht__gold_put_scalar(b, nomem, "tv", 1, c->dist.tv);
}

void bht__gold_put_local(const gcase *c, bht_golden_buffer *b, int *nomem)
{
    bht__gold_put_scalar(b, nomem, "nu", 0, c->local.nu);
    bht__gold_put_scalar(b, nomem, "local_constant", 1, c->local.local_constant);
    bht__gold_put_array(b, nomem, "derivative", 1, c->n, c->deriv);
}

void bht__gold_flag_distance_outputs(gcase *c)
{
    const double out[3] = {c->dist.hellinger2, c->dist.hellinger, c->dist.tv};
    bht__gold_flag_outputs(c, c->invalid ? 0 : 3, out);
}

void bht__gold_flag_local_outputs(gcase *c)
{
    if (c->invalid)
        return;
    const double out[2] = {c->local.nu, c->local.local_constant};
    bht__gold_flag_outputs(c, 2, out);
    bht__gold_flag_outputs(c, c->n, c->deriv);
}
