/* fuzz_parse.c: libFuzzer harness for the input parser (bht_parse_matrix,
 * bht_parse_vector).  Any bytes: no crash; on success the shape is sane and
 * every value finite; on failure a status of the parser's kind and a
 * printable, non-empty reason with a position inside the text. */
#include "fuzz_common.h"

static void check(int matrix, const uint8_t *data, size_t size)
{
    bht_matrix m = {0, 0, NULL};
    bht_parse_error err;
    bht_status s = matrix ? bht_parse_matrix("fuzz", (const char *)data, size, &m, &err)
                          : bht_parse_vector("fuzz", (const char *)data, size, &m, &err);
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
    check(1, data, size);
    check(0, data, size);
    return 0;
}
