/* fuzz_parse.c: libFuzzer harness for the input parser (bht_parse_matrix,
 * bht_parse_vector, and their _ex forms with delimiter / skip-rows options
 * taken from the first input byte, plus bht_locate_value).  Any bytes: no
 * crash; on success the shape is sane and every value finite, a vector is
 * one row or one column, and every value is located inside the text; on
 * failure a status of the parser's kind and a printable, non-empty reason
 * with a position inside the text. */
#include "fuzz_common.h"

static void check(int matrix, const bht_parse_options *opt, const uint8_t *data, size_t size)
{
    bht_matrix m = {0, 0, NULL};
    bht_parse_error err;
    const char *text = (const char *)data;
    bht_status s = opt ? (matrix ? bht_parse_matrix_ex("fuzz", text, size, opt, &m, &err)
                                 : bht_parse_vector_ex("fuzz", text, size, opt, &m, &err))
                       : (matrix ? bht_parse_matrix("fuzz", text, size, &m, &err)
                                 : bht_parse_vector("fuzz", text, size, &m, &err));
    if (s == BHT_OK && opt) {
        size_t lines = 1;
        for (size_t k = 0; k < size; k++)
            lines += data[k] == '\n';
        /* the first, a middle and the last value are found inside the text */
        size_t count = m.rows * m.cols, probe[3] = {0, count / 2, count - 1};
        for (int k = 0; k < 3; k++) {
            size_t line = 0, column = 0;
            bht_status ls = bht_locate_value(text, size, opt, probe[k], &line, &column);
            FUZZ_CHECK(ls == BHT_OK && line >= 1 && line <= lines && column >= 1
                           && column <= size,
                       "value %zu located at %zu:%zu (status %d)", probe[k], line, column,
                       (int)ls);
        }
        FUZZ_CHECK(bht_locate_value(text, size, opt, count, &(size_t){0}, &(size_t){0})
                       == BHT_E_INVALID,
                   "a value past the last one was located");
    }
    if (s == BHT_OK) {
        FUZZ_CHECK(m.data != NULL && m.rows >= 1 && m.cols >= 1, "rows %zu cols %zu", m.rows,
                   m.cols);
        FUZZ_CHECK(matrix || m.cols == 1, "vector with %zu columns", m.cols);
        FUZZ_CHECK(m.rows * m.cols <= size, "%zu values from %zu bytes", m.rows * m.cols, size);
        for (size_t k = 0; k < m.rows * m.cols; k++)
            FUZZ_CHECK(isfinite(m.data[k]), "value %zu is %a", k, m.data[k]);
        bht_matrix_free(&m);
        return;
    }
    FUZZ_CHECK(s == BHT_E_PARSE || s == BHT_E_NOMEM, "status %d (%s)", (int)s,
               bht_status_message(s));
    FUZZ_CHECK(m.data == NULL, "data left allocated on failure");
    size_t len = strnlen(err.reason, sizeof err.reason);
    FUZZ_CHECK(len > 0 && len < sizeof err.reason, "reason unterminated or empty");
    for (size_t k = 0; k < len; k++)
        FUZZ_CHECK((unsigned char)err.reason[k] >= 0x20 && err.reason[k] != 0x7f,
                   "control character in reason '%s'", err.reason);
    FUZZ_CHECK(strcmp(err.file, "fuzz") == 0, "file '%s'", err.file);
    if (err.line > 0) {
        size_t lines = 1;
        for (size_t k = 0; k < size; k++)
            lines += data[k] == '\n';
        FUZZ_CHECK(err.line <= lines && err.column >= 1 && err.column <= size + 1,
                   "position %zu:%zu outside a %zu-byte, %zu-line text", err.line,
                   err.column, size, lines);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(1, NULL, data, size);
    check(0, NULL, data, size);
    if (size == 0)
        return 0;
    /* first byte: delimiter (low 3 bits) and skip_rows (next 2 bits) */
    static const int delimiters[8] = {0, 0, 0, ' ', ',', ';', '\t', 0};
    bht_parse_options opt = {delimiters[data[0] & 7], (size_t)((data[0] >> 3) & 3)};
    check(1, &opt, data + 1, size - 1);
    check(0, &opt, data + 1, size - 1);
    return 0;
}
