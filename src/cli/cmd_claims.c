/* cmd_claims.c: `bht claims` -- the paper's numerical claims, evaluated now. */
#include <stdlib.h>
#include <string.h>

#include "bht_tools.h"
#include "cli.h"
#include "commands.h"

void cli_claims_help(FILE *out)
{
    fprintf(out,
            "usage: bht claims [--fast] [--json]\n"
            "\n"
            "Evaluates every statement of the paper with numerical content on seeded\n"
            "random and adversarial instances with the MPFR oracles, and prints per\n"
            "claim: id, the statement as printed (with its section), the evidence\n"
            "computed in this run, the verdict (HOLDS, HOLDS_WITH_CORRECTION, FAILS),\n"
            "the corrected statement when it does not simply hold, and the\n"
            "machine-checked proof of the statement (Coq lemma and file) if any.\n"
            "  --fast   fewer instances (seconds instead of minutes)\n"
            "  --json   a JSON array of {id, statement, evidence, verdict, correction,\n"
            "           proof}; proof names the Coq file(s) and lemma(s) under\n"
            "           proofs/coq that prove the statement, or is \"none\"\n");
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_json(const bht_claim *claims, size_t count)
{
    printf("[\n");
    for (size_t k = 0; k < count; k++) {
        const bht_claim *c = &claims[k];
        printf("  {\"id\": ");
        json_string(c->id);
        printf(",\n   \"statement\": ");
        json_string(c->statement);
        printf(",\n   \"evidence\": {");
        for (size_t e = 0; e < c->evidence_count; e++) {
            printf(e ? ",\n                " : "");
            json_string(c->evidence[e].key);
            printf(": ");
            json_string(c->evidence[e].value);
        }
        printf("},\n   \"verdict\": ");
        json_string(c->verdict);
        printf(",\n   \"correction\": ");
        json_string(c->correction);
        printf(",\n   \"proof\": ");
        json_string(c->proof);
        printf("}%s\n", k + 1 < count ? "," : "");
    }
    printf("]\n");
}

static void print_text(const bht_claim *claims, size_t count)
{
    size_t holds = 0, corrected = 0, fails = 0;
    for (size_t k = 0; k < count; k++) {
        const bht_claim *c = &claims[k];
        printf("%s: %s\n", c->id, c->verdict);
        printf("  statement:  %s\n", c->statement);
        for (size_t e = 0; e < c->evidence_count; e++)
            printf("  %s: %s\n", c->evidence[e].key, c->evidence[e].value);
        if (c->correction[0])
            printf("  correction: %s\n", c->correction);
        printf("  proof:      %s\n", c->proof);
        printf("\n");
        if (strcmp(c->verdict, "HOLDS") == 0)
            holds++;
        else if (strcmp(c->verdict, "FAILS") == 0)
            fails++;
        else
            corrected++;
    }
    printf("%zu claims: %zu HOLDS, %zu HOLDS_WITH_CORRECTION, %zu FAILS\n", count, holds,
           corrected, fails);
}

int cli_claims(int argc, char **argv)
{
    int fast = 0, json = 0;
    const char *break_claim = NULL;
    const cli_option options[] = {
        {"--fast", CLI_FLAG, &fast, NULL},
        {"--json", CLI_FLAG, &json, NULL},
        /* test hook (not in --help): perturb one claim's checked constant */
        {"--break-claim", CLI_VALUE, NULL, &break_claim},
    };
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_claims_help);
    if (rc != CLI_PARSED)
        return rc;
    bht_claim *claims = calloc(BHT_CLAIMS_MAX, sizeof *claims);
    if (!claims)
        return cli_error(CLI_EXIT_INTERNAL, "claims: out of memory");
    bht_claims_options opt = {fast, break_claim};
    size_t count = 0;
    bht_status s = bht_claims_run(&opt, claims, BHT_CLAIMS_MAX, &count);
    if (s != BHT_OK) {
        free(claims);
        return cli_error(s == BHT_E_NOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_NUMERIC,
                         "claims: evaluation failed: %s", bht_status_message(s));
    }
    if (json)
        print_json(claims, count);
    else
        print_text(claims, count);
    free(claims);
    return cli_finish_output();
}
