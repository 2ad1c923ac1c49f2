/* test_parse.c: the text input format (README.md, "Input format"; parse.c).
 * Order: valid inputs (layouts, number syntax, exact values), then every
 * error class with its line, column and reason, then files on disk
 * (tests/data/bad via BHT_TESTDATA). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

/* ------------------------------------------------------------------ helpers */

static bht_matrix parse_matrix_ok(const char *text)
{
    bht_matrix m;
    bht_parse_error err;
    bht_status s = bht_parse_matrix("t", text, strlen(text), &m, &err);
    cr_assert_eq(s, BHT_OK, "parsing \"%s\" failed: %zu:%zu: %s", text, err.line, err.column,
                 err.reason);
    return m;
}

static bht_matrix parse_vector_ok(const char *text)
{
    bht_matrix m;
    bht_parse_error err;
    bht_status s = bht_parse_vector("t", text, strlen(text), &m, &err);
    cr_assert_eq(s, BHT_OK, "parsing \"%s\" failed: %zu:%zu: %s", text, err.line, err.column,
                 err.reason);
    cr_assert_eq(m.cols, 1);
    return m;
}

/* Parses one number through the vector parser. */
static double number(const char *text)
{
    bht_matrix m = parse_vector_ok(text);
    cr_assert_eq(m.rows, 1, "\"%s\" gave %zu values", text, m.rows);
    double v = m.data[0];
    bht_matrix_free(&m);
    return v;
}

/* Asserts a parse error of the given length-explicit text at line:column
 * whose reason contains `reason`. */
static void expect_error_n(int matrix, const char *text, size_t length, size_t line,
                           size_t column, const char *reason)
{
    bht_matrix m = {7, 7, NULL};
    bht_parse_error err;
    bht_status s = matrix ? bht_parse_matrix("input.txt", text, length, &m, &err)
                          : bht_parse_vector("input.txt", text, length, &m, &err);
    cr_assert_eq(s, BHT_E_PARSE, "\"%s\": status %d, expected BHT_E_PARSE", text, (int)s);
    cr_assert_str_eq(err.file, "input.txt");
    cr_assert_eq(err.line, line, "\"%s\": line %zu, expected %zu (%s)", text, err.line, line,
                 err.reason);
    cr_assert_eq(err.column, column, "\"%s\": column %zu, expected %zu (%s)", text, err.column,
                 column, err.reason);
    cr_assert(strstr(err.reason, reason) != NULL, "\"%s\": reason '%s' lacks '%s'", text,
              err.reason, reason);
    cr_assert_eq(m.data, NULL, "no data on error");
}

static void expect_error(int matrix, const char *text, size_t line, size_t column,
                         const char *reason)
{
    expect_error_n(matrix, text, strlen(text), line, column, reason);
}

static const char *testdata(const char *relative, char *buf, size_t size)
{
    const char *root = getenv("BHT_TESTDATA");
    cr_assert(root != NULL, "BHT_TESTDATA is not set (run through `make unit`)");
    snprintf(buf, size, "%s/%s", root, relative);
    return buf;
}

/* ------------------------------------------------------------------ layouts */

Test(parse_valid, matrix_rows_and_columns)
{
    bht_matrix m = parse_matrix_ok("1 2 3\n4 5 6\n");
    cr_assert_eq(m.rows, 2);
    cr_assert_eq(m.cols, 3);
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(m.data[i], (double)(i + 1));
    bht_matrix_free(&m);
    cr_assert_eq(m.data, NULL);
    cr_assert_eq(m.rows, 0);
    bht_matrix_free(&m); /* twice is harmless */
    bht_matrix_free(NULL);
}

Test(parse_valid, comments_blank_lines_and_whitespace_variants)
{
    const char *text = "# header comment\n"
                       "\n"
                       "   \t  \n"
                       "  1\t2   # trailing comment 9 9 9\n"
                       "\t3 \t 4\t\n"
                       "# 1 2 3 inside a comment\n"
                       "5 6#comment right after a number\n"
                       "7\v8\f\n"
                       "   # indented comment";
    bht_matrix m = parse_matrix_ok(text);
    cr_assert_eq(m.rows, 4);
    cr_assert_eq(m.cols, 2);
    for (size_t i = 0; i < 8; i++)
        cr_assert_eq(m.data[i], (double)(i + 1));
    bht_matrix_free(&m);
}

Test(parse_valid, crlf_line_endings_and_no_final_newline)
{
    bht_matrix m = parse_matrix_ok("1 2\r\n3 4\r\n\r\n5 6 # c\r\n7 8");
    cr_assert_eq(m.rows, 4);
    cr_assert_eq(m.cols, 2);
    cr_assert_eq(m.data[7], 8.0);
    bht_matrix_free(&m);
    m = parse_matrix_ok("1\r\n");
    cr_assert_eq(m.rows, 1);
    cr_assert_eq(m.cols, 1);
    bht_matrix_free(&m);
}

Test(parse_valid, vector_takes_every_number_in_order)
{
    bht_matrix m = parse_vector_ok("1 2 3\n4\n\n5 6 # 99\n7 8 9\t10 11");
    cr_assert_eq(m.rows, 11);
    for (size_t i = 0; i < 11; i++)
        cr_assert_eq(m.data[i], (double)(i + 1), "value %zu", i);
    bht_matrix_free(&m);
}

Test(parse_valid, single_column_matrix)
{
    bht_matrix m = parse_matrix_ok("1\n2\n3\n");
    cr_assert_eq(m.rows, 3);
    cr_assert_eq(m.cols, 1);
    bht_matrix_free(&m);
}

Test(parse_valid, text_need_not_be_nul_terminated)
{
    const char text[] = {'1', ' ', '2', '\n', '3', ' ', '4', '5', '6'};
    bht_matrix m;
    bht_parse_error err;
    /* Length 7 stops inside "456": the last row is "3 4". */
    cr_assert_eq(bht_parse_matrix("t", text, 7, &m, &err), BHT_OK, "%s", err.reason);
    cr_assert_eq(m.rows, 2);
    cr_assert_eq(m.data[3], 4.0);
    bht_matrix_free(&m);
}

/* ------------------------------------------------------------- number syntax */

Test(parse_numbers, decimal_forms)
{
    cr_assert_eq(number("0"), 0.0);
    cr_assert_eq(number("-0"), 0.0);
    cr_assert(signbit(number("-0")), "-0 keeps its sign");
    cr_assert_eq(number("+1.5"), 1.5);
    cr_assert_eq(number("-2.5e-3"), -2.5e-3);
    cr_assert_eq(number(".5"), 0.5);
    cr_assert_eq(number("5."), 5.0);
    cr_assert_eq(number("1E3"), 1000.0);
    cr_assert_eq(number("1e+3"), 1000.0);
    cr_assert_eq(number("0.1"), 0.1);
    cr_assert_eq(number("00012"), 12.0);
    cr_assert_eq(number("1.7976931348623157e308"), DBL_MAX);
    cr_assert_eq(number("-1.7976931348623157e308"), -DBL_MAX);
}

Test(parse_numbers, hex_floats_are_exact)
{
    cr_assert_eq(number("0x1.8p+1"), 3.0);
    cr_assert_eq(number("0X1.8P1"), 3.0);
    cr_assert_eq(number("-0x1p-3"), -0.125);
    cr_assert_eq(number("0x10"), 16.0);
    cr_assert_eq(number("0x.8p1"), 1.0);
    cr_assert_eq(number("0x1.fffffffffffffp1023"), DBL_MAX);
    cr_assert_eq(number("0x1.0000000000001p0"), 1.0 + DBL_EPSILON);
    cr_assert_eq(number("0x1p-1074"), 0x1p-1074);
    cr_assert_eq(number("0x1.23456789abcdep-1022"), 0x1.23456789abcdep-1022);
}

Test(parse_numbers, subnormals_round_correctly_and_underflow_is_allowed)
{
    cr_assert_eq(number("4.9406564584124654e-324"), 0x1p-1074);
    cr_assert_eq(number("5e-324"), 0x1p-1074);
    cr_assert_eq(number("2.2250738585072009e-308"), 0x0.fffffffffffffp-1022);
    cr_assert_eq(number("1e-310"), 1e-310);
    /* 2^-1075 is the tie between 0 and 2^-1074: ties to even gives 0;
     * anything above it rounds up. */
    cr_assert_eq(number("0x1p-1075"), 0.0);
    cr_assert_eq(number("0x1.0000000000001p-1075"), 0x1p-1074);
    cr_assert_eq(number("2.4703282292062328e-324"), 0x1p-1074);
    cr_assert_eq(number("2e-324"), 0.0);
    cr_assert_eq(number("1e-400"), 0.0);
    double neg = number("-1e-400");
    cr_assert(neg == 0.0 && signbit(neg), "-1e-400 is -0");
    cr_assert_eq(number("0x1.8p-1074"), 0x1p-1073, "1.5 * 2^-1074 ties to even 2^-1073");
}

Test(parse_numbers, long_tokens)
{
    /* A 300-digit decimal (beyond the parser's small buffer). */
    char text[400];
    memset(text, '0', sizeof text);
    text[0] = '0';
    text[1] = '.';
    text[299] = '1';
    text[300] = '\0';
    cr_assert_eq(number(text), 1e-298);
}

/* ------------------------------------------------------------------- errors */

Test(parse_errors, nan_in_any_spelling)
{
    const char *nans[] = {"nan", "NaN", "NAN", "-nan", "+nan", "nan(0x1)", "NaN(123)"};
    for (size_t k = 0; k < sizeof nans / sizeof nans[0]; k++)
        expect_error(0, nans[k], 1, 1, "NaN is not allowed");
}

Test(parse_errors, infinity_in_any_spelling)
{
    const char *infs[] = {"inf", "INF", "-inf", "+Inf", "infinity", "-INFINITY", "InFiNiTy"};
    for (size_t k = 0; k < sizeof infs / sizeof infs[0]; k++)
        expect_error(0, infs[k], 1, 1, "infinity is not allowed");
}

Test(parse_errors, overflow)
{
    expect_error(0, "1e400", 1, 1, "value overflows binary64");
    expect_error(0, "1 -1e309", 1, 3, "value overflows binary64");
    expect_error(0, "0x1p1024", 1, 1, "value overflows binary64");
    expect_error(0, "1.7976931348623159e308", 1, 1, "value overflows binary64");
}

Test(parse_errors, non_numbers_and_partial_tokens)
{
    const char *bad[] = {"abc", "1.2.3", "1,5", "1e", "1e+", "0x", "0xp1", "0x1p", "--1",
                         "+-1", ".", "-", "+", "e5", "1f", "1.5x", "0x1.8p+1.5", "infx",
                         "nanny", "nan(", "1_000", "\xc2\xbd", "1e5e5", "0x1g"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        expect_error(0, bad[k], 1, 1, "not a number: '");
}

Test(parse_errors, reason_quotes_and_escapes_the_token)
{
    bht_matrix m;
    bht_parse_error err;
    cr_assert_eq(bht_parse_vector("f", "1 abc 2", 7, &m, &err), BHT_E_PARSE);
    cr_assert_str_eq(err.reason, "not a number: 'abc'");
    cr_assert_eq(bht_parse_vector("f", "1,5", 3, &m, &err), BHT_E_PARSE);
    cr_assert_str_eq(err.reason, "not a number: '1,5'");
    cr_assert_eq(bht_parse_vector("f", "a\x01\xff", 3, &m, &err), BHT_E_PARSE);
    cr_assert_str_eq(err.reason, "not a number: 'a\\x01\\xff'");
    /* A long token is truncated, and the reason stays within its buffer. */
    char text[1000];
    memset(text, 'z', sizeof text);
    cr_assert_eq(bht_parse_vector("f", text, sizeof text, &m, &err), BHT_E_PARSE);
    cr_assert(strlen(err.reason) < 80, "reason: %s", err.reason);
    cr_assert(strstr(err.reason, "...'") != NULL, "reason: %s", err.reason);
}

Test(parse_errors, line_and_column_of_the_offending_token)
{
    expect_error(1, "1 2\n3 x\n", 2, 3, "'x'");
    expect_error(1, "# c\n\n  1   2\n\t 3  4.5.6\n", 4, 6, "'4.5.6'");
    expect_error(0, "1\r\n2\r\n  nan\r\n", 3, 3, "NaN");
    expect_error(0, "1 2 3 4 5 6 7 8 9 10 11 inf", 1, 25, "infinity");
    expect_error(1, "1 2 # ok\n3 4 # ok\n5 6 7\n", 3, 5, "row has 3 values, expected 2 (as on line 1)");
}

Test(parse_errors, ragged_rows)
{
    expect_error(1, "1 2\n3 4 5\n", 2, 5, "row has 3 values, expected 2 (as on line 1)");
    /* Too few: the column just after the last value. */
    expect_error(1, "1 2\n3\n", 2, 2, "row has 1 value, expected 2 (as on line 1)");
    expect_error(1, "# c\n\n1 2 3\n4 5 6\n7 8  # short\n", 5, 4,
                 "row has 2 values, expected 3 (as on line 3)");
    expect_error(1, "1\r\n2 3\r\n", 2, 3, "row has 2 values, expected 1 (as on line 1)");
}

Test(parse_errors, empty_and_comment_only_inputs)
{
    expect_error(1, "", 0, 0, "no numbers in file");
    expect_error(0, "", 0, 0, "no numbers in file");
    expect_error(1, "\n\n  \t\n", 0, 0, "no numbers in file");
    expect_error(0, "# only\n  # comments\n#1 2 3\n", 0, 0, "no numbers in file");
    expect_error(1, "\r\n", 0, 0, "no numbers in file");
    bht_matrix m;
    bht_parse_error err;
    cr_assert_eq(bht_parse_vector("null", NULL, 0, &m, &err), BHT_E_PARSE);
}

Test(parse_errors, nul_bytes)
{
    expect_error_n(0, "1 2\n3\0 4\n", 9, 2, 2, "NUL byte");
    expect_error_n(1, "\0", 1, 1, 1, "NUL byte");
    /* Even inside a comment. */
    expect_error_n(0, "1 # a\0b\n", 8, 1, 6, "NUL byte");
}

Test(parse_errors, invalid_arguments)
{
    bht_matrix m;
    bht_parse_error err;
    cr_assert_eq(bht_parse_matrix("t", "1", 1, NULL, &err), BHT_E_INVALID);
    cr_assert_eq(bht_parse_matrix("t", NULL, 3, &m, &err), BHT_E_INVALID);
    cr_assert_eq(bht_read_matrix(NULL, &m, &err), BHT_E_INVALID);
    /* err and name are optional. */
    cr_assert_eq(bht_parse_vector(NULL, "1 2", 3, &m, NULL), BHT_OK);
    bht_matrix_free(&m);
    cr_assert_eq(bht_parse_vector(NULL, "x", 1, &m, NULL), BHT_E_PARSE);
}

Test(parse_errors, error_report_is_reset_on_success)
{
    bht_matrix m;
    bht_parse_error err;
    cr_assert_eq(bht_parse_vector("a", "x", 1, &m, &err), BHT_E_PARSE);
    cr_assert_eq(bht_parse_vector("b", "1", 1, &m, &err), BHT_OK);
    cr_assert_eq(err.line, 0);
    cr_assert_str_eq(err.reason, "");
    bht_matrix_free(&m);
}

/* -------------------------------------------------------------------- files */

Test(parse_files, reads_matrix_and_vector_files)
{
    char path[4096];
    bht_matrix m;
    bht_parse_error err;
    cr_assert_eq(bht_read_matrix(testdata("cli/A.txt", path, sizeof path), &m, &err), BHT_OK,
                 "%s", err.reason);
    cr_assert_eq(m.rows, 3);
    cr_assert_eq(m.cols, 2);
    cr_assert_eq(m.data[5], 3.0, "0x1.8p+1");
    bht_matrix_free(&m);
    cr_assert_eq(bht_read_matrix(testdata("cli/crlf.txt", path, sizeof path), &m, &err), BHT_OK,
                 "%s", err.reason);
    cr_assert_eq(m.rows, 2);
    cr_assert_eq(m.cols, 2);
    bht_matrix_free(&m);
    cr_assert_eq(bht_read_vector(testdata("cli/logits.txt", path, sizeof path), &m, &err), BHT_OK,
                 "%s", err.reason);
    cr_assert_eq(m.rows, 3);
    cr_assert_eq(m.data[2], -1000.0);
    bht_matrix_free(&m);
}

static void expect_file_error(int matrix, const char *relative, bht_status status, size_t line,
                              size_t column, const char *reason)
{
    char path[4096];
    bht_matrix m;
    bht_parse_error err;
    testdata(relative, path, sizeof path);
    bht_status s = matrix ? bht_read_matrix(path, &m, &err) : bht_read_vector(path, &m, &err);
    cr_assert_eq(s, status, "%s: status %d (%s)", relative, (int)s, err.reason);
    cr_assert_str_eq(err.file, path);
    cr_assert_eq(err.line, line, "%s: line %zu (%s)", relative, err.line, err.reason);
    cr_assert_eq(err.column, column, "%s: column %zu (%s)", relative, err.column, err.reason);
    cr_assert(strstr(err.reason, reason) != NULL, "%s: reason '%s'", relative, err.reason);
}

Test(parse_files, bad_files)
{
    expect_file_error(1, "bad/ragged.txt", BHT_E_PARSE, 2, 5, "row has 3 values, expected 2");
    expect_file_error(1, "bad/nan.txt", BHT_E_PARSE, 2, 3, "NaN is not allowed");
    expect_file_error(0, "bad/overflow.txt", BHT_E_PARSE, 3, 3, "value overflows binary64");
    expect_file_error(1, "bad/comments_only.txt", BHT_E_PARSE, 0, 0, "no numbers in file");
    expect_file_error(0, "bad/empty.txt", BHT_E_PARSE, 0, 0, "no numbers in file");
    expect_file_error(0, "bad/nul.txt", BHT_E_PARSE, 2, 2, "NUL byte");
    expect_file_error(0, "bad/comma.txt", BHT_E_PARSE, 3, 1, "not a number: '1,5'");
}

Test(parse_files, unreadable_paths)
{
    expect_file_error(1, "bad/does-not-exist.txt", BHT_E_IO, 0, 0, "No such file or directory");
    expect_file_error(0, "bad", BHT_E_IO, 0, 0, "Is a directory");
}

Test(parse_files, file_above_the_size_cap_is_refused_before_reading)
{
    /* resource limit (issue 8): a sparse file of 2^33 + 1 bytes (no disk
     * blocks) is refused from its size, at once, without allocating */
    char path[] = "/tmp/bht-parse-huge-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(ftruncate(fd, ((off_t)1 << 33) + 1), 0);
    close(fd);
    bht_matrix m;
    bht_parse_error err;
    bht_status s = bht_read_matrix(path, &m, &err);
    unlink(path);
    cr_assert_eq(s, BHT_E_PARSE, "status %d (%s)", (int)s, err.reason);
    cr_assert_eq(err.line, 0);
    cr_assert_str_eq(err.reason, "file too large (8589934593 bytes; at most 8589934592)");
}
