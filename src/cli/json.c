/* json.c: the JSON reader declared in json.h, on jansson (Debian
 * libjansson-dev): jansson parses (strict RFC 8259, duplicate keys
 * rejected, no NUL), this file converts its tree into json_value (keeping
 * integer and real tokens apart, bounding the depth) and, for results
 * files only, turns the NaN, Infinity and -Infinity tokens that Python's
 * json module writes into strings first.  Also compiled into the
 * golden-corpus tests (build/libbhtcli.a, linked by tests/golden and
 * tests/cli), so it uses
 * nothing from the rest of the CLI. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jansson's type names collide with json.h's: include it under other names
 * and use only those below (jansson's type-test macros are not used). */
#define json_type jansson_type
#define JSON_OBJECT JANSSON_OBJECT
#define JSON_ARRAY JANSSON_ARRAY
#define JSON_STRING JANSSON_STRING
#define JSON_INTEGER JANSSON_INTEGER
#define JSON_REAL JANSSON_REAL
#define JSON_TRUE JANSSON_TRUE
#define JSON_FALSE JANSSON_FALSE
#define JSON_NULL JANSSON_NULL
#include <jansson.h>
#undef json_type
#undef JSON_OBJECT
#undef JSON_ARRAY
#undef JSON_STRING
#undef JSON_INTEGER
#undef JSON_REAL
#undef JSON_TRUE
#undef JSON_FALSE
#undef JSON_NULL

#include "json.h"

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static void set_error(json_error *err, size_t column, const char *reason)
{
    if (!err)
        return;
    err->column = column ? column : 1;
    size_t n = strnlen(reason, sizeof err->reason - 1);
    memcpy(err->reason, reason, n);
    err->reason[n] = '\0';
}

/* Converts jansson's v (depth levels deep) into out; JSON_OK, JSON_SYNTAX
 * (too deep) or JSON_NOMEM.  Numbers keep a token: an integer's digits, a
 * real's shortest round-trip form with a '.' or exponent (so json_to_int64
 * still refuses it). */
static int convert(const json_t *v, int depth, json_value *out, json_error *err)
{
    memset(out, 0, sizeof *out);
    char token[40];
    switch (json_typeof(v)) {
    case JANSSON_NULL:
        out->type = JSON_NULL;
        return JSON_OK;
    case JANSSON_TRUE:
    case JANSSON_FALSE:
        out->type = JSON_BOOL;
        out->boolean = json_typeof(v) == JANSSON_TRUE;
        return JSON_OK;
    case JANSSON_INTEGER:
        snprintf(token, sizeof token, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        out->type = JSON_NUMBER;
        return (out->text = strdup(token)) ? JSON_OK : JSON_NOMEM;
    case JANSSON_REAL: {
        double x = json_real_value(v);
        for (int digits = 1; digits <= 17; digits++) {
            snprintf(token, sizeof token, "%.*g", digits, x);
            if (strtod(token, NULL) == x)
                break;
        }
        if (!strpbrk(token, ".eEni"))
            strcat(token, ".0");
        out->type = JSON_NUMBER;
        return (out->text = strdup(token)) ? JSON_OK : JSON_NOMEM;
    }
    case JANSSON_STRING:
        out->type = JSON_STRING;
        return (out->text = strdup(json_string_value(v))) ? JSON_OK : JSON_NOMEM;
    case JANSSON_ARRAY:
    case JANSSON_OBJECT:
        break;
    }
    if (depth >= JSON_MAX_DEPTH) {
        set_error(err, 1, "nesting too deep");
        return JSON_SYNTAX;
    }
    int object = json_typeof(v) == JANSSON_OBJECT;
    size_t n = object ? json_object_size(v) : json_array_size(v);
    out->type = object ? JSON_OBJECT : JSON_ARRAY;
    if (n == 0)
        return JSON_OK;
    out->items = calloc(n, sizeof *out->items);
    if (object)
        out->keys = calloc(n, sizeof *out->keys);
    if (!out->items || (object && !out->keys))
        return JSON_NOMEM;
    if (!object) {
        for (size_t i = 0; i < n; i++) {
            out->count = i + 1;
            int rc = convert(json_array_get(v, i), depth + 1, &out->items[i], err);
            if (rc != JSON_OK)
                return rc;
        }
        return JSON_OK;
    }
    const char *key;
    json_t *member;
    size_t i = 0;
    json_object_foreach((json_t *)v, key, member)
    {
        out->count = i + 1;
        if (!(out->keys[i] = strdup(key)))
            return JSON_NOMEM;
        int rc = convert(member, depth + 1, &out->items[i], err);
        if (rc != JSON_OK)
            return rc;
        i++;
    }
    return JSON_OK;
}

/* Results files: NaN, Infinity and -Infinity outside strings become the
 * strings "NaN", "Infinity", "-Infinity" (json_to_double reads them as
 * strtod does).  Returns a malloc'd copy (length in *out_length) or NULL. */
static char *quote_nonfinite(const char *text, size_t length, size_t *out_length)
{
    char *out = malloc(2 * length + 1); /* each token grows by 2 <= its length */
    if (!out)
        return NULL;
    size_t o = 0;
    int in_string = 0;
    for (size_t i = 0; i < length;) {
        char c = text[i];
        if (in_string) {
            out[o++] = c;
            i++;
            if (c == '\\' && i < length)
                out[o++] = text[i++];
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"')
            in_string = 1;
        static const char *const words[] = {"NaN", "Infinity", "-Infinity"};
        size_t k = 0, len = 0;
        for (; k < 3; k++) {
            len = strlen(words[k]);
            if (length - i >= len && memcmp(text + i, words[k], len) == 0)
                break;
        }
        if (k < 3) {
            out[o++] = '"';
            memcpy(out + o, words[k], len);
            o += len;
            out[o++] = '"';
            i += len;
            continue;
        }
        out[o++] = c;
        i++;
    }
    *out_length = o;
    return out;
}

static int parse_document(const char *text, size_t length, json_value *out, json_error *err,
                          int allow_nonfinite)
{
    memset(out, 0, sizeof *out);
    if (err) {
        err->column = 0;
        err->reason[0] = '\0';
    }
    if (!text) {
        set_error(err, 1, "no text");
        return JSON_SYNTAX;
    }
    char *copy = NULL;
    if (allow_nonfinite) {
        copy = quote_nonfinite(text, length, &length);
        if (!copy)
            return JSON_NOMEM;
        text = copy;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, length, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    free(copy);
    if (!root) {
        int nomem = json_error_code(&jerr) == json_error_out_of_memory;
        set_error(err, jerr.position > 0 ? (size_t)jerr.position : 1, jerr.text);
        return nomem ? JSON_NOMEM : JSON_SYNTAX;
    }
    int rc = convert(root, 0, out, err);
    json_decref(root);
    if (rc != JSON_OK)
        json_free(out);
    if (rc == JSON_NOMEM && err)
        set_error(err, 1, "out of memory");
    return rc;
}

int json_parse(const char *text, size_t length, json_value *out, json_error *err)
{
    return parse_document(text, length, out, err, 0);
}

int json_parse_results(const char *text, size_t length, json_value *out, json_error *err)
{
    return parse_document(text, length, out, err, 1);
}

void json_free(json_value *v)
{
    if (!v)
        return;
    free(v->text);
    for (size_t i = 0; i < v->count; i++) {
        if (v->items)
            json_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

const json_value *json_member(const json_value *object, const char *key)
{
    if (!object || object->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < object->count; i++)
        if (strcmp(object->keys[i], key) == 0)
            return &object->items[i];
    return NULL;
}

int json_to_double(const json_value *v, int allow_number, double *out)
{
    if (!v || !(v->type == JSON_STRING || (allow_number && v->type == JSON_NUMBER)))
        return -1;
    const char *t = v->text;
    /* strtod skips leading blanks and accepts more spellings than we want;
     * require the first character to start a number. */
    if (!(t[0] == '-' || t[0] == '+' || t[0] == '.' || is_digit((unsigned char)t[0])
          || t[0] == 'i' || t[0] == 'I' || t[0] == 'n' || t[0] == 'N'))
        return -1;
    char *end;
    errno = 0;
    double d = strtod(t, &end);
    if (end == t || *end != '\0')
        return -1;
    /* Underflow (ERANGE with a tiny result) is fine: subnormals are valid. */
    *out = d;
    return 0;
}

int json_to_int64(const json_value *v, int64_t *out)
{
    if (!v || v->type != JSON_NUMBER)
        return -1;
    const char *t = v->text;
    int neg = *t == '-';
    if (neg)
        t++;
    uint64_t acc = 0;
    if (!*t)
        return -1;
    for (; *t; t++) {
        if (!is_digit((unsigned char)*t))
            return -1;
        unsigned d = (unsigned)(*t - '0');
        if (acc > (UINT64_MAX - d) / 10)
            return -1;
        acc = acc * 10 + d;
    }
    if (acc > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? -(int64_t)acc : (int64_t)acc;
    return 0;
}

const char *json_type_name(json_type t)
{
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    default: return "object";
    }
}
