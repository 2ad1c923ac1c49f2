/* json.h: a small strict JSON reader (RFC 8259; json_parse_results also
 * takes the NaN, Infinity and -Infinity of Python's json module) for `bht check` and the
 * golden-corpus tests.  One document per call (a JSON Lines line); the result
 * is a tree of malloc'd nodes freed with json_free.  Robust to any input:
 * every failure is reported with a column and a reason, nesting is limited,
 * and nothing is read beyond the given length (embedded NULs are errors). */
#ifndef BHT_CLI_JSON_H
#define BHT_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value {
    json_type type;
    int boolean;              /* JSON_BOOL */
    char *text;               /* JSON_STRING: decoded text; JSON_NUMBER: the token */
    size_t count;             /* JSON_ARRAY / JSON_OBJECT: number of items */
    struct json_value *items; /* elements, or member values */
    char **keys;              /* JSON_OBJECT: member names (distinct) */
} json_value;

typedef struct json_error {
    size_t column; /* 1-based byte column of the error */
    char reason[128];
} json_error;

#define JSON_MAX_DEPTH 32

enum { JSON_OK = 0, JSON_SYNTAX = -1, JSON_NOMEM = -2 };

/* Parses text[0..length) as exactly one JSON value (surrounding blanks
 * allowed).  Returns JSON_OK, JSON_SYNTAX (err filled) or JSON_NOMEM.  On
 * failure *out is left empty (JSON_NULL, nothing to free). */
int json_parse(const char *text, size_t length, json_value *out, json_error *err);
/* The same, also accepting NaN, Infinity and -Infinity as number tokens
 * (Python's json.dumps writes them for non-finite floats); for results
 * files, never for golden files. */
int json_parse_results(const char *text, size_t length, json_value *out, json_error *err);
void json_free(json_value *v);

/* The member of an object with this key, or NULL (also for non-objects). */
const json_value *json_member(const json_value *object, const char *key);

/* A double from a JSON string holding a whole number in strtod syntax
 * (decimal, C99 hex, "inf", "-inf", "nan"; no blanks) or, when allow_number,
 * from a JSON number.  Returns 0 on success, -1 otherwise. */
int json_to_double(const json_value *v, int allow_number, double *out);

/* An integer JSON number (no fraction or exponent) within int64_t. */
int json_to_int64(const json_value *v, int64_t *out);

/* Name of a type, for messages ("string", "array", ...). */
const char *json_type_name(json_type t);

#endif
