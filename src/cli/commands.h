/* commands.h: the bht subcommands (one handler and one help printer each).
 * A new subcommand adds its pair here and one row to the table in main.c. */
#ifndef BHT_CLI_COMMANDS_H
#define BHT_CLI_COMMANDS_H

#include <stdio.h>

int cli_softmax(int argc, char **argv);
void cli_softmax_help(FILE *out);

int cli_demo(int argc, char **argv);
void cli_demo_help(FILE *out);

int cli_distance(int argc, char **argv);
void cli_distance_help(FILE *out);

int cli_lemma_a1(int argc, char **argv);
void cli_lemma_a1_help(FILE *out);

int cli_golden(int argc, char **argv);
void cli_golden_help(FILE *out);

int cli_check(int argc, char **argv);
void cli_check_help(FILE *out);

int cli_eval(int argc, char **argv);
void cli_eval_help(FILE *out);

int cli_nu(int argc, char **argv);
void cli_nu_help(FILE *out);

int cli_leverage(int argc, char **argv);
void cli_leverage_help(FILE *out);

int cli_claims(int argc, char **argv);
void cli_claims_help(FILE *out);

int cli_plan(int argc, char **argv);
void cli_plan_help(FILE *out);
int cli_simulate(int argc, char **argv);
void cli_simulate_help(FILE *out);

int cli_regression(int argc, char **argv);
void cli_regression_help(FILE *out);

#endif
