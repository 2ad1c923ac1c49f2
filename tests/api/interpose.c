/* interpose.c: a user program that defines its own is_broken, evidence and
 * rng_next (names libbht once exported) and links libbht.so.  The library
 * must keep its own definitions (hidden, see BHT_API in bht.h): the claims
 * it prints, one "id: verdict" line each, must be those of `bht claims
 * --fast` (statically linked; `make api-test` compares them), and none may
 * FAIL.  Before hidden visibility, this program's is_broken replaced the
 * library's and 9 of 12 claims reported FAILS (issue 13). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bht_tools.h"

/* The user's own functions, with the names (not the meaning) of libbht's
 * former internals: if the library called these, every claim would be
 * "broken" and its evidence lost. */
int is_broken(const void *options, const char *id);
void evidence(void *claim, const char *key, const char *fmt, ...);
uint64_t rng_next(void *state);

int is_broken(const void *options, const char *id)
{
    (void)options;
    (void)id;
    return 1;
}

void evidence(void *claim, const char *key, const char *fmt, ...)
{
    (void)claim;
    (void)key;
    (void)fmt;
}

uint64_t rng_next(void *state)
{
    (void)state;
    return 0;
}

int main(void)
{
    if (!is_broken(NULL, "x") || rng_next(NULL) != 0)
        return 1; /* the program's own definitions are the ones it calls */
    evidence(NULL, "k", "v");
    bht_claims_options options = {1, NULL};
    bht_claim *claims = calloc(BHT_CLAIMS_MAX, sizeof *claims);
    if (!claims) {
        fprintf(stderr, "interpose: out of memory\n");
        return 1;
    }
    size_t count = 0, fails = 0;
    bht_status s = bht_claims_run(&options, claims, BHT_CLAIMS_MAX, &count);
    if (s != BHT_OK) {
        fprintf(stderr, "interpose: bht_claims_run: %s\n", bht_status_message(s));
        free(claims);
        return 1;
    }
    for (size_t k = 0; k < count; k++) {
        printf("%s: %s\n", claims[k].id, claims[k].verdict);
        fails += strcmp(claims[k].verdict, "FAILS") == 0;
    }
    free(claims);
    if (count == 0 || fails) {
        fprintf(stderr, "interpose: %zu claims, %zu FAILS\n", count, fails);
        return 1;
    }
    return 0;
}
