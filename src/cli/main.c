/* main.c: the bht command-line tool.  Dispatches to a subcommand from a
 * table of {name, handler, help, summary}; later subcommands (leverage,
 * distances, local, golden, check, claims) add one row each.  The CLI only
 * parses, calls libbht and prints; it never calls setlocale, so numbers are
 * read and written in the "C" locale. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const cli_command commands[] = {
    {"claims", cli_claims, cli_claims_help, "check the paper's numerical claims (the main job)"},
    {"softmax", cli_softmax, cli_softmax_help, "softmax(z) or softmax(A x), double kernel or oracle"},
    {"distance", cli_distance, cli_distance_help, "Hellinger and TV distances between P and Q"},
    {"lemma-a1", cli_lemma_a1, cli_lemma_a1_help, "the Lemma A.1 closed forms h2max, tvmax at eps"},
    {"leverage", cli_leverage, cli_leverage_help, "leverage scores p_i = h_ii / d of Diag(s)^-1 A"},
    {"nu", cli_nu, cli_nu_help, "local analysis: nu, local constant, dq/deps at a query"},
    {"plan", cli_plan, cli_plan_help, "bracket delta and the number of queries (Thm 3.1)"},
    {"simulate", cli_simulate, cli_simulate_help, "simulate the likelihood-ratio test"},
    {"regression", cli_regression, cli_regression_help,
     "softmax regression: loss, gradient, Hessian; --solve with a certified minimizer"},
    {"demo", cli_demo, cli_demo_help, "built-in example: double kernel vs MPFR oracle"},
    {"golden", cli_golden, cli_golden_help, "write the golden test-vector corpus (JSON Lines)"},
    {"check", cli_check, cli_check_help, "grade another implementation's results against the corpus"},
    {"eval", cli_eval, cli_eval_help, "run bht's kernels or oracles over golden inputs (results file)"},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out,
            "usage: bht COMMAND [options]\n"
            "       bht --help | --version\n"
            "\n"
            "A verified numerical reference for \"Binary Hypothesis Testing for Softmax\n"
            "Models and Leverage Score Models\".\n"
            "\n"
            "commands:\n");
    for (size_t k = 0; k < COMMAND_COUNT; k++)
        fprintf(out, "  %-10s %s\n", commands[k].name, commands[k].summary);
    fprintf(out,
            "\n"
            "`bht COMMAND --help` describes a command.  Exit codes: 0 ok, 1 internal\n"
            "error, 2 bad input or usage, 3 numerical refusal, 4 regression --solve\n"
            "stopped without a certified minimizer.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_error(CLI_EXIT_USAGE, "missing command (see bht --help)");
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2) {
            for (size_t k = 0; k < COMMAND_COUNT; k++)
                if (strcmp(argv[2], commands[k].name) == 0) {
                    commands[k].help(stdout);
                    return cli_finish_output();
                }
            return cli_error(CLI_EXIT_USAGE, "unknown command '%s' (see bht --help)", argv[2]);
        }
        usage(stdout);
        return cli_finish_output();
    }
    if (strcmp(name, "--version") == 0) {
        printf("bht %s\n", BHT_VERSION);
        return cli_finish_output();
    }
    for (size_t k = 0; k < COMMAND_COUNT; k++)
        if (strcmp(name, commands[k].name) == 0)
            return commands[k].run(argc - 1, argv + 1);
    if (name[0] == '-')
        return cli_error(CLI_EXIT_USAGE, "unknown option '%s' (see bht --help)", name);
    return cli_error(CLI_EXIT_USAGE, "unknown command '%s' (see bht --help)", name);
}
