/* test_cli_input.c: input as NumPy, R and spreadsheets write it (issue 16):
 * '-' for standard input, delimiters detected per file or forced,
 * --skip-rows, a UTF-8 byte-order mark, positions of value errors, the comma
 * hint, batched softmax --logits and vectors that must be vectors.  The
 * expected outputs are those of the same numbers in the blank-separated
 * format (parsed by the established reader), bit for bit (--hex). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "cli_harness.h"

/* A temporary file holding text (NUL-terminated); path unlinked by the caller. */
static void tmp(char path[static 32], const char *text) { temp_file(path, text, strlen(text)); }
/* The same after removing the previous file at path. */
static void retmp(char path[static 32], const char *text)
{
    unlink(path);
    tmp(path, text);
}

/* Runs $BHT args with standard input read from the file in_path. */
static run_result run_stdin(const char *in_path, char **args)
{
    const char *bht = getenv("BHT");
    cr_assert(bht != NULL);
    char *argv[32];
    size_t argc = 0;
    argv[argc++] = (char *)bht;
    for (size_t k = 0; args[k]; k++)
        argv[argc++] = args[k];
    argv[argc] = NULL;
    char out_name[] = "/tmp/bht-test-out-XXXXXX", err_name[] = "/tmp/bht-test-err-XXXXXX";
    int out_fd = mkstemp(out_name), err_fd = mkstemp(err_name);
    cr_assert(out_fd >= 0 && err_fd >= 0);
    unlink(out_name);
    unlink(err_name);
    posix_spawn_file_actions_t actions;
    cr_assert_eq(posix_spawn_file_actions_init(&actions), 0);
    cr_assert_eq(posix_spawn_file_actions_addopen(&actions, 0, in_path, O_RDONLY, 0), 0);
    cr_assert_eq(posix_spawn_file_actions_adddup2(&actions, out_fd, 1), 0);
    cr_assert_eq(posix_spawn_file_actions_adddup2(&actions, err_fd, 2), 0);
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, bht, &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0)
        cr_assert_eq(errno, EINTR);
    run_result r = {WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, 0, 0, slurp_fd(out_fd),
                    slurp_fd(err_fd)};
    close(out_fd);
    close(err_fd);
    return r;
}
#define RUN_STDIN(in, ...) run_stdin(in, (char *[]){__VA_ARGS__, NULL})

/* stdout of a successful run (caller frees). */
static char *ok_output(run_result r)
{
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_str_empty(r.err, "stderr: %s", r.err);
    free(r.err);
    return r.out;
}

/* ----------------------------------------------------------------- formats */

/* The 2x3 matrix of every format below, as blank-separated hex floats. */
static const char blank_text[] = "0x1p-3 -0x1.8p+0 2\n0.25 0.5 -0.75\n";

static void expect_same_as_blank(const char *text, const char *const *extra)
{
    char ref[32], alt[32];
    tmp(ref, blank_text);
    tmp(alt, text);
    char *want = ok_output(RUN("softmax", "--logits", ref, "--hex"));
    char *args[12] = {"softmax", "--logits", alt, "--hex"};
    size_t n = 4;
    for (size_t k = 0; extra && extra[k]; k++)
        args[n++] = (char *)extra[k];
    args[n] = NULL;
    char *got = ok_output(run_argv(args));
    cr_assert_str_eq(got, want, "input %s", text);
    free(want);
    free(got);
    unlink(ref);
    unlink(alt);
}

Test(cli_input, numpy_savetxt_comma)
{
    /* np.savetxt(f, A, delimiter=',') writes %.18e with ',' */
    expect_same_as_blank("1.250000000000000000e-01,-1.500000000000000000e+00,"
                         "2.000000000000000000e+00\n2.500000000000000000e-01,"
                         "5.000000000000000000e-01,-7.500000000000000000e-01\n", NULL);
}

Test(cli_input, semicolon_tab_crlf_spaces_around_fields)
{
    expect_same_as_blank("0.125;-1.5;2\r\n0.25;0.5;-0.75\r\n", NULL);
    expect_same_as_blank("0.125\t-1.5\t2\n0.25\t0.5\t-0.75\n", NULL);
    expect_same_as_blank(" 0.125 , -1.5 ,2 # comment, with commas\n\n0.25,0.5 , -0.75\n", NULL);
    const char *tab[] = {"--delimiter", "tab", NULL};
    expect_same_as_blank("0.125\t-1.5\t2\n0.25\t0.5\t-0.75\n", tab);
    const char *comma[] = {"--delimiter=,", NULL};
    expect_same_as_blank("0.125,-1.5,2\n0.25,0.5,-0.75\n", comma);
}

Test(cli_input, header_rows_and_byte_order_mark)
{
    const char *skip1[] = {"--skip-rows", "1", NULL};
    expect_same_as_blank("a,b,c\n0.125,-1.5,2\n0.25,0.5,-0.75\n", skip1);
    expect_same_as_blank("\xEF\xBB\xBF" "0.125,-1.5,2\n0.25,0.5,-0.75\n", NULL);
    const char *skip2[] = {"--skip-rows", "2", NULL};
    expect_same_as_blank("\xEF\xBB\xBF# R write.csv\n\"V1\";\"V2\";\"V3\"\n"
                         "0.125;-1.5;2\n0.25;0.5;-0.75\n", skip2);
}

Test(cli_input, stdin_dash)
{
    char ref[32];
    tmp(ref, blank_text);
    char *want = ok_output(RUN("softmax", "--logits", ref, "--hex"));
    char *got = ok_output(RUN_STDIN(ref, "softmax", "--logits", "-", "--hex"));
    cr_assert_str_eq(got, want);
    free(got);
    /* '-' for -x while -A is a file */
    char A[32], x[32];
    tmp(A, "1 2\n3 4\n-1 0.5\n");
    tmp(x, "0.5\n-0.25\n");
    free(want);
    want = ok_output(RUN("softmax", "-A", A, "-x", x, "--oracle", "--hex"));
    got = ok_output(RUN_STDIN(x, "softmax", "-A", A, "-x", "-", "--oracle", "--hex"));
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    /* only once per command */
    run_result r = RUN_STDIN(x, "distance", "-P", "-", "-Q", "-");
    expect_failure(&r, 2, "standard input can be read for one file option only", NULL);
    /* errors name (stdin) with the position */
    char bad[32];
    tmp(bad, "1\n2\n3 x\n");
    r = RUN_STDIN(bad, "softmax", "--logits", "-");
    expect_failure(&r, 2, "(stdin):3:3: not a number: 'x'", NULL);
    unlink(ref);
    unlink(A);
    unlink(x);
    unlink(bad);
}

/* ---------------------------------------------------------- batch softmax */

Test(cli_input, logits_rows_are_a_batch)
{
    char all[32], r1[32], r2[32];
    tmp(all, "1 2 3\n1000 999 -1000\n");
    tmp(r1, "1 2 3\n");
    tmp(r2, "1000\n999\n-1000\n");
    char *batch = ok_output(RUN("softmax", "--logits", all, "--oracle", "--hex"));
    char *a = ok_output(RUN("softmax", "--logits", r1, "--oracle", "--hex"));
    char *b = ok_output(RUN("softmax", "--logits", r2, "--oracle", "--hex"));
    /* row k of the batch is the softmax of row k, values separated by one space */
    char want[512];
    size_t n = 0;
    for (const char *s = a; *s; s++)
        want[n++] = *s == '\n' && s[1] ? ' ' : *s;
    for (const char *s = b; *s; s++)
        want[n++] = *s == '\n' && s[1] ? ' ' : *s;
    want[n] = '\0';
    cr_assert_str_eq(batch, want);
    free(batch);
    batch = ok_output(RUN("softmax", "--logits", all, "--json"));
    cr_assert(strstr(batch, "\"p\": [[\"") != NULL && strstr(batch, "\"], [\"") != NULL,
              "%s", batch);
    free(batch);
    free(a);
    free(b);
    unlink(all);
    unlink(r1);
    unlink(r2);
}

/* ------------------------------------------------------------------ errors */

Test(cli_input, comma_hint_points_at_the_comma)
{
    char f[32];
    tmp(f, "1 2\n3 4,5\n");
    run_result r = RUN("softmax", "--logits", f);
    expect_failure(&r, 2, ":2:4: not a number: '4,5'", "use --delimiter ,", NULL);
    retmp(f, "1.5;2,5\n");
    r = RUN("softmax", "--logits", f);
    expect_failure(&r, 2, ":1:6: not a number: '2,5'", "decimal commas are not accepted", NULL);
    retmp(f, "0.125,-1.5,2\n");
    r = RUN("softmax", "--logits", f, "--delimiter", "space");
    expect_failure(&r, 2, ":1:6: not a number", "use --delimiter ,", NULL);
    unlink(f);
}

Test(cli_input, header_hint_and_empty_fields)
{
    char f[32];
    tmp(f, "x,y\n1,2\n");
    run_result r = RUN("softmax", "--logits", f);
    expect_failure(&r, 2, ":1:1: not a number: 'x'", "--skip-rows", NULL);
    retmp(f, "1,,2\n");
    r = RUN("softmax", "--logits", f);
    expect_failure(&r, 2, ":1:3: empty field (two delimiters in a row)", NULL);
    retmp(f, "1,2,\n");
    r = RUN("softmax", "--logits", f);
    expect_failure(&r, 2, ":1:5: empty field (a delimiter at the end of the line)", NULL);
    retmp(f, ",1,2\n");
    r = RUN("softmax", "--logits", f);
    expect_failure(&r, 2, ":1:1: empty field (the line starts with a delimiter)", NULL);
    retmp(f, "1\t\t2\n");
    r = RUN("softmax", "--logits", f, "--delimiter", "tab");
    expect_failure(&r, 2, ":1:3: empty field", NULL);
    unlink(f);
}

Test(cli_input, option_errors)
{
    char f[32];
    tmp(f, "1 2\n");
    run_result r = RUN("softmax", "--logits", f, "--delimiter", "|");
    expect_failure(&r, 2, "--delimiter: expected ',', ';', tab or space", NULL);
    r = RUN("softmax", "--logits", f, "--skip-rows", "-1");
    expect_failure(&r, 2, "--skip-rows: not a positive integer", NULL);
    r = RUN("softmax", "--logits", f, "--skip-rows", "1");
    expect_failure(&r, 2, "no numbers in file", NULL);
    unlink(f);
}

Test(cli_input, vector_option_given_a_matrix)
{
    char A[32], x[32];
    tmp(A, "1 2\n3 4\n");
    tmp(x, "0.5 1\n2 3\n");
    run_result r = RUN("softmax", "-A", A, "-x", x);
    expect_failure(&r, 2, ":1:5: expected a vector (one value per line, or one row), got 2 rows",
                   NULL);
    /* one row and one column are both vectors */
    retmp(x, "0.5, 1\n");
    char *row = ok_output(RUN("softmax", "-A", A, "-x", x, "--hex"));
    retmp(x, "0.5\n1\n");
    char *col = ok_output(RUN("softmax", "-A", A, "-x", x, "--hex"));
    cr_assert_str_eq(row, col);
    free(row);
    free(col);
    unlink(A);
    unlink(x);
}

Test(cli_input, value_errors_carry_line_and_column)
{
    char P[32], Q[32], A[32], s[32];
    tmp(P, "# distribution\n0.5\n0.75\n-0.25\n");
    tmp(Q, "0.25,0.25,0.5\n");
    run_result r = RUN("distance", "-P", P, "-Q", Q);
    expect_failure(&r, 2, ":4:1: value 3 is negative (-0.25)", NULL);
    retmp(P, "0.25;0.25;0.5\n");
    retmp(Q, "0.5, -0.5,1\n");
    r = RUN("distance", "-P", P, "-Q", Q, "--oracle");
    expect_failure(&r, 2, ":1:6: value 2 is negative (-0.5)", NULL);
    tmp(A, "1,0\n0,1\n1,1\n");
    tmp(s, "1\n\n 2\n  0\n");
    r = RUN("leverage", "-A", A, "-s", s);
    expect_failure(&r, 2, ":4:3: s_3 = 0", NULL);
    retmp(s, "1,2,0.25\n");
    r = RUN("nu", "--leverage", "-A", A, "-M", A, "-s", s, "--bounds", "0.5,4");
    expect_failure(&r, 2, ":1:5: s_3 = 0.25 violates --bounds", NULL);
    unlink(P);
    unlink(Q);
    unlink(A);
    unlink(s);
}

/* -------------------------------------------------------------- library */

Test(parse_options, detection_locate_and_legacy)
{
    bht_parse_options opt = {0, 0};
    bht_matrix m;
    bht_parse_error err;
    const char *text = "# h\n1;2;3\n4;5;6\n";
    cr_assert_eq(bht_parse_matrix_ex("t", text, strlen(text), &opt, &m, &err), BHT_OK);
    cr_assert(m.rows == 2 && m.cols == 3 && m.data[5] == 6.0);
    bht_matrix_free(&m);
    size_t line = 0, col = 0;
    cr_assert_eq(bht_locate_value(text, strlen(text), &opt, 4, &line, &col), BHT_OK);
    cr_assert(line == 3 && col == 3, "%zu:%zu", line, col);
    cr_assert_eq(bht_locate_value(text, strlen(text), &opt, 6, &line, &col), BHT_E_INVALID);
    /* legacy functions: blanks only, commas rejected, any vector layout */
    cr_assert_eq(bht_parse_vector("t", "1,5", 3, &m, &err), BHT_E_PARSE);
    cr_assert_str_eq(err.reason, "not a number: '1,5'");
    cr_assert_eq(bht_parse_vector("t", "1 2\n3 4\n", 8, &m, &err), BHT_OK);
    cr_assert_eq(m.rows, 4);
    bht_matrix_free(&m);
    cr_assert_eq(bht_parse_vector_ex("t", "1 2\n3 4\n", 8, &opt, &m, &err), BHT_E_PARSE);
    cr_assert(err.line == 1 && err.column == 3, "%zu:%zu %s", err.line, err.column, err.reason);
    /* skip_rows counts physical lines, so positions stay physical */
    opt.skip_rows = 2;
    cr_assert_eq(bht_parse_matrix_ex("t", "a\nb\n1 x\n", 8, &opt, &m, &err), BHT_E_PARSE);
    cr_assert(err.line == 3 && err.column == 3);
}
