/* test_claims.c: the claims report reaches its verdicts from its numbers:
 * perturbing the constant a claim checks (the library's test hook) must flip
 * that claim's verdict and leave the others alone.  The proofs it names exist:
 * every file is in the source tree and declares every lemma named with it. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "bht_tools.h"

static size_t run(const char *broken, bht_claim *claims)
{
    bht_claims_options opt = {1, broken};
    size_t count = 0;
    cr_assert_eq(bht_claims_run(&opt, claims, BHT_CLAIMS_MAX, &count), BHT_OK);
    cr_assert_geq(count, 8);
    return count;
}

Test(claims, every_claim_has_evidence_and_a_valid_verdict, .timeout = 120)
{
    static bht_claim claims[BHT_CLAIMS_MAX];
    size_t count = run(NULL, claims);
    for (size_t k = 0; k < count; k++) {
        const bht_claim *c = &claims[k];
        cr_assert(strcmp(c->verdict, "HOLDS") == 0 || strcmp(c->verdict, "FAILS") == 0
                      || strcmp(c->verdict, "HOLDS_WITH_CORRECTION") == 0,
                  "%s: verdict %s", c->id, c->verdict);
        cr_assert_geq(c->evidence_count, 2, "%s has no evidence", c->id);
        cr_assert_eq(strcmp(c->verdict, "HOLDS") != 0, c->correction[0] != '\0',
                     "%s: a correction exactly when the verdict is not HOLDS", c->id);
        for (size_t j = 0; j < k; j++)
            cr_assert_neq(strcmp(c->id, claims[j].id), 0, "duplicate id %s", c->id);
    }
}

Test(claims, a_deliberately_broken_constant_flips_exactly_its_claim, .timeout = 600)
{
    static bht_claim base[BHT_CLAIMS_MAX], broken[BHT_CLAIMS_MAX];
    size_t count = run(NULL, base);
    for (size_t k = 0; k < count; k++) {
        size_t again = run(base[k].id, broken);
        cr_assert_eq(again, count);
        for (size_t j = 0; j < count; j++) {
            int same = strcmp(base[j].verdict, broken[j].verdict) == 0;
            if (j == k)
                cr_assert(!same, "breaking %s left its verdict at %s", base[k].id,
                          base[k].verdict);
            else
                cr_assert(same, "breaking %s changed %s", base[k].id, base[j].id);
        }
    }
}

/* The whole file as a NUL-terminated malloc'd string (NULL if unreadable). */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
        if (fread(text, 1, (size_t)size, f) == (size_t)size) {
            text[size] = '\0';
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(f);
    return text;
}

/* Whether a line of the Coq source starts with "Theorem NAME", "Lemma NAME"
 * or "Corollary NAME" followed by a blank, '(' or ':' (a declaration, not a
 * use, and not a longer name with NAME as prefix). */
static int declares(const char *text, const char *name)
{
    static const char *const keywords[] = {"Theorem ", "Lemma ", "Corollary "};
    size_t len = strlen(name);
    for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
            size_t kw = strlen(keywords[k]);
            if (strncmp(line, keywords[k], kw) == 0 && strncmp(line + kw, name, len) == 0) {
                char next = line[kw + len];
                if (next == ' ' || next == '(' || next == ':' || next == '\n')
                    return 1;
            }
        }
    }
    return 0;
}

static void trim(char **s)
{
    while (isspace((unsigned char)**s))
        (*s)++;
    char *end = *s + strlen(*s);
    while (end > *s && isspace((unsigned char)end[-1]))
        *--end = '\0';
}

/* The nine lemmas of issue 15 must each be named by some claim. */
static const char *const required_lemmas[] = {
    "hellinger2_le_tv", "tv_le_sqrt2_hellinger", "lemma_a1_identity", "lemma_a1_h2",
    "lemma_a1_tv",      "lemma_3_3_h2",          "lemma_3_3_tv",      "sech_bound",
    "tanh_bound"};
#define REQUIRED_COUNT (sizeof required_lemmas / sizeof required_lemmas[0])

Test(claims, every_named_proof_file_declares_its_lemmas, .timeout = 120)
{
    const char *data = getenv("BHT_TESTDATA");
    cr_assert_not_null(data, "BHT_TESTDATA is not set (run through `make unit`)");
    static bht_claim claims[BHT_CLAIMS_MAX];
    size_t count = run(NULL, claims);
    int named[REQUIRED_COUNT] = {0};
    size_t proved_claims = 0;
    for (size_t k = 0; k < count; k++) {
        const bht_claim *c = &claims[k];
        cr_assert_not_null(c->proof, "%s: proof is NULL", c->id);
        if (strcmp(c->proof, "none") == 0)
            continue;
        proved_claims++;
        char buf[512];
        cr_assert_lt(strlen(c->proof), sizeof buf, "%s: proof string too long", c->id);
        strcpy(buf, c->proof);
        /* "FILE: name, name; FILE: name" */
        char *save_group = NULL;
        for (char *group = strtok_r(buf, ";", &save_group); group;
             group = strtok_r(NULL, ";", &save_group)) {
            char *colon = strchr(group, ':');
            cr_assert_not_null(colon, "%s: no 'FILE:' in \"%s\"", c->id, group);
            *colon = '\0';
            char *file = group;
            trim(&file);
            char path[1024];
            snprintf(path, sizeof path, "%s/../../%s", data, file);
            char *text = read_file(path);
            cr_assert_not_null(text, "%s: cannot read %s", c->id, path);
            size_t names = 0;
            char *save_name = NULL;
            for (char *name = strtok_r(colon + 1, ",", &save_name); name;
                 name = strtok_r(NULL, ",", &save_name)) {
                trim(&name);
                names++;
                int found = declares(text, name);
                if (!found)
                    free(text);
                cr_assert(found, "%s: %s declares no lemma %s", c->id, file, name);
                for (size_t r = 0; r < REQUIRED_COUNT; r++)
                    if (strcmp(name, required_lemmas[r]) == 0)
                        named[r] = 1;
            }
            free(text);
            cr_assert_gt(names, 0, "%s: no lemma named for %s", c->id, file);
        }
    }
    cr_assert_geq(proved_claims, 4, "only %zu claims name a proof", proved_claims);
    for (size_t r = 0; r < REQUIRED_COUNT; r++)
        cr_assert(named[r], "no claim names the lemma %s", required_lemmas[r]);
}

Test(claims, the_declaration_check_rejects_a_prefix_or_a_use)
{
    const char *text = "Theorem lemma_3_3_h2_eps2 (n : nat) :\n"
                       "  apply lemma_a1_h2.\n"
                       "Lemma sech_bound: True.\n";
    cr_assert(!declares(text, "lemma_3_3_h2"));
    cr_assert(!declares(text, "lemma_a1_h2"));
    cr_assert(declares(text, "sech_bound"));
    cr_assert(declares(text, "lemma_3_3_h2_eps2"));
}
