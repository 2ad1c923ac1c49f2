/* fuzz_json.c: libFuzzer harness for the CLI's JSON reader (src/cli/json.c:
 * jansson underneath, plus this project's conversion, depth bound and the
 * NaN / Infinity pre-pass for results files).  Any bytes, both entry points:
 * no crash or leak; on success a consistent tree (counts, distinct object
 * keys, number tokens that json_to_double reads); on failure a non-empty
 * printable-or-UTF-8 reason and a column >= 1. */
#include "fuzz_common.h"
#include "cli/json.h"

static void walk(const json_value *v, int depth)
{
    FUZZ_CHECK(depth <= JSON_MAX_DEPTH, "depth %d", depth);
    double d;
    switch (v->type) {
    case JSON_NUMBER:
        FUZZ_CHECK(v->text && json_to_double(v, 1, &d) == 0, "number token '%s'",
                   v->text ? v->text : "(null)");
        break;
    case JSON_STRING:
        FUZZ_CHECK(v->text != NULL, "string without text");
        break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        FUZZ_CHECK(v->count == 0 || v->items, "%zu items, no array", v->count);
        for (size_t i = 0; i < v->count; i++) {
            if (v->type == JSON_OBJECT) {
                FUZZ_CHECK(v->keys && v->keys[i], "object member %zu without key", i);
                for (size_t j = 0; j < i; j++)
                    FUZZ_CHECK(strcmp(v->keys[i], v->keys[j]) != 0, "duplicate key '%s'",
                               v->keys[i]);
                FUZZ_CHECK(json_member(v, v->keys[i]) == &v->items[i], "member lookup");
            }
            walk(&v->items[i], depth + 1);
        }
        break;
    default:
        break;
    }
}

static void check(const uint8_t *data, size_t size, int results)
{
    json_value v;
    json_error err;
    int rc = results ? json_parse_results((const char *)data, size, &v, &err)
                     : json_parse((const char *)data, size, &v, &err);
    if (rc == JSON_OK) {
        walk(&v, 0);
        json_free(&v);
        return;
    }
    FUZZ_CHECK(rc == JSON_SYNTAX || rc == JSON_NOMEM, "status %d", rc);
    FUZZ_CHECK(v.type == JSON_NULL && v.text == NULL && v.items == NULL, "tree left on failure");
    FUZZ_CHECK(err.column >= 1 && err.reason[0] != '\0', "no position or reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, 0);
    check(data, size, 1);
    return 0;
}
