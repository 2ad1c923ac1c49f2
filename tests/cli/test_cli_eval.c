/* test_cli_eval.c: `bht eval` (issue 16): bht's kernels and oracles run over
 * golden inputs produce a results file that `bht check` grades.  The oracle
 * run must reproduce the committed corpus's expectations bit for bit through
 * a different path (eval parses the inputs back from JSON; golden renders
 * them), the kernel run must pass within each vector's tol, and malformed
 * input is reported with FILE:LINE. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "cli_harness.h"

static void golden_dir(char *buf, size_t size)
{
    const char *root = getenv("BHT_TESTDATA");
    cr_assert(root != NULL, "BHT_TESTDATA is not set (run through `make unit`)");
    snprintf(buf, size, "%s/../../golden/v1", root);
}

static void eval_then_check(int oracle)
{
    char golden[4096], out[] = "/tmp/bht-eval-XXXXXX";
    golden_dir(golden, sizeof golden);
    int fd = mkstemp(out);
    cr_assert(fd >= 0);
    close(fd);
    run_result r = oracle ? RUN("eval", "--oracle", golden, "--out", out)
                          : RUN("eval", golden, "--out", out);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_empty(r.out);
    run_free(&r);
    r = RUN("check", golden, out);
    cr_assert_eq(r.status, 0, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "PASS: 17018 vectors") != NULL, "%s", r.out);
    /* the oracle: every valid vector checked at 0 ulp; the kernels: within tol
     * (some valid vectors flagged beyond the kernels' domain are refused) */
    if (oracle)
        cr_assert(strstr(r.out, "\nall                16848   16848     0.000     0.000") != NULL,
                  "%s", r.out);
    run_free(&r);
    unlink(out);
}

Test(eval, oracle_reproduces_the_corpus, .timeout = 120) { eval_then_check(1); }
Test(eval, kernels_pass_the_corpus, .timeout = 120) { eval_then_check(0); }

Test(eval, malformed_and_usage)
{
    char f[32], out[64];
    const char *bad = "{\"tcId\":1,\"fn\":\"lemma_a1\",\"inputs\":{\"eps\":\"0x1p-2\"}}\n"
                      "{\"tcId\":2,\"fn\":\"no_such_fn\",\"inputs\":{}}\n";
    temp_file(f, bad, strlen(bad));
    snprintf(out, sizeof out, "%s.results", f);
    run_result r = RUN("eval", f, "--out", out);
    expect_failure(&r, 2, ":2: unknown fn 'no_such_fn'", NULL);
    cr_assert(access(out, F_OK) != 0, "a partial results file was left");
    const char *bad2 = "{\"tcId\":1,\"fn\":\"softmax\"}\n";
    unlink(f);
    temp_file(f, bad2, strlen(bad2));
    r = RUN("eval", f);
    expect_failure(&r, 2, ":1: a golden vector needs", NULL);
    /* an input the library refuses is a rejected result, not an error */
    const char *neg = "{\"tcId\":7,\"fn\":\"lemma_a1\",\"inputs\":{\"eps\":\"-1\"}}\n"
                      "{\"tcId\":8,\"fn\":\"lemma_a1\",\"inputs\":{\"eps\":0.5}}\n";
    unlink(f);
    temp_file(f, neg, strlen(neg));
    r = RUN("eval", "--oracle", f);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strncmp(r.out, "{\"tcId\":7,\"rejected\":true}\n{\"tcId\":8,\"outputs\":{\"h2max\":\"",
                      strlen("{\"tcId\":7,\"rejected\":true}\n{\"tcId\":8,\"outputs\":{\"h2max\":\""))
                  == 0,
              "%s", r.out);
    run_free(&r);
    r = RUN("eval");
    expect_failure(&r, 2, "give GOLDEN files", NULL);
    r = RUN("eval", f, "--bogus");
    expect_failure(&r, 2, "--bogus", NULL);
    unlink(f);
}
