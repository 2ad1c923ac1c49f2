/* bht_tools.h: the tooling interface of libbht (installed next to bht.h):
 * the paper's claims checked at run time (`bht claims`) and the golden
 * test-vector corpus generator (`bht golden`).  The numerical library is
 * bht.h; these are the programs' engines, kept out of it so that its
 * interface is the formulas only. */
#ifndef BHT_TOOLS_H
#define BHT_TOOLS_H

#include "bht.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------- claims */

/* One numerical claim of the paper, evaluated at run time with the oracles
 * (claims.c).  Strings are owned by the struct (id/statement/verdict static). */
#define BHT_CLAIM_MAX_EVIDENCE 12
typedef struct bht_claim_evidence {
    char key[48];
    char value[200];
} bht_claim_evidence;

typedef struct bht_claim {
    const char *id;        /* e.g. "lemma-A.1" */
    const char *statement; /* as printed in the paper, with its section */
    const char *verdict;   /* "HOLDS", "HOLDS_WITH_CORRECTION" or "FAILS" */
    char correction[480];  /* corrected statement ("" when HOLDS) */
    const char *proof;     /* machine-checked proof: "FILE: lemma, lemma[; FILE: ...]"
                            * (Coq files under proofs/coq), or "none" */
    size_t evidence_count;
    bht_claim_evidence evidence[BHT_CLAIM_MAX_EVIDENCE];
} bht_claim;

typedef struct bht_claims_options {
    int fast;                /* fewer instances (the --fast run) */
    const char *break_claim; /* test hook: id of a claim whose checked constant is
                              * deliberately perturbed (NULL: none) */
} bht_claims_options;

#define BHT_CLAIMS_MAX 24
/* Evaluates every claim into claims[0 .. *count) (capacity >= BHT_CLAIMS_MAX). */
BHT_API bht_status bht_claims_run(const bht_claims_options *options, bht_claim *claims,
                          size_t capacity, size_t *count);

/* ====================================================== golden corpus ====
 * (src/golden/; see golden/FORMAT.md.)
 * The corpus generator: every vector is a pure function of (fn, index),
 * rendered as one JSON line into a caller-owned buffer.  Nothing is printed
 * or written to files here; `bht golden` does that. */
#define BHT_GOLDEN_SCHEMA "bht-golden/1"
/* Size of a buffer for bht_golden_format_double ("-0x1.fffffffffffffp+1023"). */
#define BHT_GOLDEN_HEX_SIZE 32

/* A growable text buffer; zero-initialise, free with bht_golden_buffer_free. */
typedef struct bht_golden_buffer {
    char *data; /* NUL-terminated when non-NULL */
    size_t length, capacity;
} bht_golden_buffer;
BHT_API void bht_golden_buffer_free(bht_golden_buffer *buffer);

/* One function ("fn") of the corpus; its vectors are written to NAME.jsonl
 * and have tcIds tcid_base + 1 ... tcid_base + cases. */
typedef struct bht_golden_fn_info {
    const char *name;
    int64_t tcid_base;
    size_t cases;
    double tol_ulp;
} bht_golden_fn_info;

BHT_API size_t bht_golden_fn_count(void);
BHT_API bht_status bht_golden_fn_get(size_t fn, bht_golden_fn_info *info);

/* The flag vocabulary (names and one-line descriptions, for the manifest). */
BHT_API size_t bht_golden_flag_count(void);
BHT_API const char *bht_golden_flag_name(size_t k);
BHT_API const char *bht_golden_flag_description(size_t k);

/* Appends vector `index` (0-based) of function `fn` as one JSON line ending
 * in '\n' to *out; *valid (may be NULL) gets 1 for a valid vector, 0 for an
 * invalid one.  BHT_E_INVALID for an index out of range, BHT_E_NOMEM, or an
 * oracle failure (BHT_E_PRECISION).  On failure *out is unchanged. */
BHT_API bht_status bht_golden_render(size_t fn, size_t index, bht_golden_buffer *out, int *valid);

/* Canonical C99 hex of x, identical to glibc's printf("%a") on every
 * platform: "0x1.8p+1", "-0x0p+0", "0x0.0000000000001p-1022", "inf",
 * "-inf", "nan". */
BHT_API void bht_golden_format_double(double x, char out[BHT_GOLDEN_HEX_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* BHT_TOOLS_H */
