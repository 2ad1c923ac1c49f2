/* cmd_demo.c: `bht demo`, a small built-in softmax(A x) example comparing
 * the double kernel with the MPFR oracle component by component. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"

#define DEMO_N 6
#define DEMO_D 3

void cli_demo_help(FILE *out)
{
    fprintf(out,
            "usage: bht demo\n"
            "\n"
            "Computes softmax(A x) for a built-in 6x3 example (logits near +-1000, two\n"
            "equal logits, a subnormal and a zero probability) with the double kernel\n"
            "and the MPFR oracle, and prints both with their difference in ulps.\n"
            "  --json   one JSON object {p_double, p_oracle, ulp, max_ulp}\n");
}

int cli_demo(int argc, char **argv)
{
    int json = 0;
    const cli_option options[] = {{"--json", CLI_FLAG, &json, NULL}};
    int rc = CLI_PARSE_COMMAND(argc, argv, options, cli_demo_help);
    if (rc != CLI_PARSED)
        return rc;
    /* Logits A x = (1000, 999, 999, -1000, 260, 970), all exact in binary64:
     * the shift by the largest logit keeps exp finite; rows 1 and 2 are
     * equal; exp(260 - 1000) ~ 2^-1067.6 gives a subnormal probability and
     * exp(-2000) a zero. */
    static const double A[DEMO_N * DEMO_D] = {
        1000.0, 0.0, 0.0,
        998.0,  2.0, 0.0,
        999.0,  0.0, 0.0,
        -1000.0, 0.0, 0.0,
        250.0, 20.0, 0.0,
        968.0,  2.0, 4.0,
    };
    static const double x[DEMO_D] = {1.0, 0.5, 0.25};
    double p[DEMO_N], ref[DEMO_N];
    bht_status s = bht_softmax(DEMO_N, DEMO_D, A, x, p);
    if (s != BHT_OK)
        return cli_error(s == BHT_E_NOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_NUMERIC,
                         "demo: double kernel failed: %s", bht_status_message(s));
    bht_oracle_report report = {0, 0};
    s = bht_oracle_softmax(DEMO_N, DEMO_D, A, x, ref, NULL, &report);
    if (s != BHT_OK)
        return cli_error(s == BHT_E_NOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_NUMERIC,
                         "demo: oracle failed: %s", bht_status_message(s));

    if (json) {
        double ulps[DEMO_N], worst = 0.0;
        for (size_t i = 0; i < DEMO_N; i++) {
            ulps[i] = bht_ulp_error(p[i], ref[i]);
            worst = ulps[i] > worst ? ulps[i] : worst;
        }
        cli_output out;
        cli_out_begin(&out, 1, 0);
        cli_out_vector(&out, "p_double", p, DEMO_N, 1);
        cli_out_vector(&out, "p_oracle", ref, DEMO_N, 1);
        cli_out_vector(&out, "ulp", ulps, DEMO_N, 1);
        cli_out_number(&out, "max_ulp", worst);
        cli_out_end(&out);
        return cli_finish_output();
    }
    printf("bht %s demo: p = softmax(A x), A 6x3, x = (1, 0.5, 0.25)\n", BHT_VERSION);
    printf("double kernel: %%.17g; oracle (MPFR, correctly rounded): %%a; "
           "oracle precision %ld bits, %d attempt%s\n\n",
           report.precision_used, report.attempts, report.attempts == 1 ? "" : "s");
    printf("%2s %8s  %-24s  %-24s  %s\n", "i", "(Ax)_i", "double kernel", "oracle", "ulp");
    double worst = 0.0;
    for (size_t i = 0; i < DEMO_N; i++) {
        double logit = 0.0;
        for (size_t j = 0; j < DEMO_D; j++)
            logit += A[i * DEMO_D + j] * x[j]; /* exact for these values */
        double ulp = bht_ulp_error(p[i], ref[i]);
        if (ulp > worst)
            worst = ulp;
        printf("%2zu %8g  %-24.17g  %-24a  %g\n", i, logit, p[i], ref[i], ulp);
    }
    printf("\nmax ulp difference: %g\n", worst);
    return cli_finish_output();
}
