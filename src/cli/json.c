/* json.c: the small strict JSON reader declared in json.h (recursive
 * descent, depth-limited, every allocation checked).  Also compiled into the
 * golden-corpus tests (tests/test_golden.c includes this file), so it uses
 * nothing from the rest of the CLI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct json_parser {
    const char *s;
    size_t length, pos;
    int depth;
    int status; /* JSON_OK until the first failure */
    json_error *err;
    int allow_nonfinite; /* json_parse_results: NaN, Infinity, -Infinity */
} json_parser;

static void fail(json_parser *p, const char *reason)
{
    if (p->status != JSON_OK)
        return;
    p->status = JSON_SYNTAX;
    if (p->err) {
        p->err->column = p->pos + 1;
        snprintf(p->err->reason, sizeof p->err->reason, "%s", reason);
    }
}

static void fail_nomem(json_parser *p)
{
    if (p->status != JSON_OK)
        return;
    p->status = JSON_NOMEM;
    if (p->err) {
        p->err->column = p->pos + 1;
        snprintf(p->err->reason, sizeof p->err->reason, "out of memory");
    }
}

static void skip_blanks(json_parser *p)
{
    while (p->pos < p->length) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int peek(const json_parser *p) { return p->pos < p->length ? (unsigned char)p->s[p->pos] : -1; }

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

/* A growable byte string for decoding. */
typedef struct sbuf {
    char *data;
    size_t length, capacity;
} sbuf;

static int sbuf_put(sbuf *b, const char *bytes, size_t n)
{
    if (b->capacity - b->length < n + 1) {
        size_t cap = b->capacity ? b->capacity : 32;
        while (cap - b->length < n + 1) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->capacity = cap;
    }
    memcpy(b->data + b->length, bytes, n);
    b->length += n;
    b->data[b->length] = '\0';
    return 0;
}

static int hex4(json_parser *p, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int c = peek(p);
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else {
            fail(p, "bad \\u escape (expected 4 hex digits)");
            return -1;
        }
        v = v * 16 + d;
        p->pos++;
    }
    *out = v;
    return 0;
}

/* Parses a string starting at the opening quote; returns malloc'd text. */
static char *parse_string(json_parser *p)
{
    sbuf b = {NULL, 0, 0};
    p->pos++; /* opening quote */
    if (sbuf_put(&b, "", 0) != 0) {
        fail_nomem(p);
        return NULL;
    }
    for (;;) {
        int c = peek(p);
        if (c < 0) {
            fail(p, "unterminated string");
            break;
        }
        if (c == '"') {
            p->pos++;
            return b.data;
        }
        if (c < 0x20) {
            fail(p, c == 0 ? "NUL byte in string" : "control character in string");
            break;
        }
        if (c != '\\') {
            size_t start = p->pos;
            while (p->pos < p->length && p->s[p->pos] != '"' && p->s[p->pos] != '\\'
                   && (unsigned char)p->s[p->pos] >= 0x20)
                p->pos++;
            if (sbuf_put(&b, p->s + start, p->pos - start) != 0) {
                fail_nomem(p);
                break;
            }
            continue;
        }
        p->pos++;
        int e = peek(p);
        char one;
        switch (e) {
        case '"': one = '"'; break;
        case '\\': one = '\\'; break;
        case '/': one = '/'; break;
        case 'b': one = '\b'; break;
        case 'f': one = '\f'; break;
        case 'n': one = '\n'; break;
        case 'r': one = '\r'; break;
        case 't': one = '\t'; break;
        case 'u': {
            p->pos++;
            unsigned cp;
            if (hex4(p, &cp) != 0)
                goto error;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (peek(p) != '\\' || p->pos + 1 >= p->length || p->s[p->pos + 1] != 'u') {
                    fail(p, "unpaired surrogate in \\u escape");
                    goto error;
                }
                p->pos += 2;
                if (hex4(p, &lo) != 0)
                    goto error;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    fail(p, "unpaired surrogate in \\u escape");
                    goto error;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                fail(p, "unpaired surrogate in \\u escape");
                goto error;
            }
            if (cp == 0) {
                fail(p, "\\u0000 is not supported");
                goto error;
            }
            char utf8[4];
            size_t n;
            if (cp < 0x80) {
                utf8[0] = (char)cp;
                n = 1;
            } else if (cp < 0x800) {
                utf8[0] = (char)(0xc0 | (cp >> 6));
                utf8[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
            } else if (cp < 0x10000) {
                utf8[0] = (char)(0xe0 | (cp >> 12));
                utf8[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                utf8[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
            } else {
                utf8[0] = (char)(0xf0 | (cp >> 18));
                utf8[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                utf8[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                utf8[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
            }
            if (sbuf_put(&b, utf8, n) != 0) {
                fail_nomem(p);
                goto error;
            }
            continue;
        }
        default:
            fail(p, "bad escape in string");
            goto error;
        }
        p->pos++;
        if (sbuf_put(&b, &one, 1) != 0) {
            fail_nomem(p);
            break;
        }
    }
error:
    free(b.data);
    return NULL;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static void set_number_text(json_parser *p, json_value *out, size_t start);
static int match_word(json_parser *p, const char *word);

/* Python's json module writes NaN, Infinity and -Infinity for non-finite
 * floats (allow_nan=True, its default): accepted as number tokens, whose
 * text json_to_double reads as strtod does. */
static int parse_nonfinite(json_parser *p, json_value *out)
{
    size_t start = p->pos;
    if (!p->allow_nonfinite)
        return 0;
    if (match_word(p, "NaN") || match_word(p, "Infinity") || match_word(p, "-Infinity")) {
        set_number_text(p, out, start);
        return 1;
    }
    return 0;
}

static void parse_number(json_parser *p, json_value *out)
{
    size_t start = p->pos;
    if (parse_nonfinite(p, out))
        return;
    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0') {
        p->pos++;
    } else if (is_digit(peek(p))) {
        while (is_digit(peek(p)))
            p->pos++;
    } else {
        fail(p, "bad number");
        return;
    }
    if (peek(p) == '.') {
        p->pos++;
        if (!is_digit(peek(p))) {
            fail(p, "bad number (digit expected after '.')");
            return;
        }
        while (is_digit(peek(p)))
            p->pos++;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!is_digit(peek(p))) {
            fail(p, "bad number (digit expected in exponent)");
            return;
        }
        while (is_digit(peek(p)))
            p->pos++;
    }
    set_number_text(p, out, start);
}

/* The token s[start..pos) as out's number text. */
static void set_number_text(json_parser *p, json_value *out, size_t start)
{
    size_t n = p->pos - start;
    char *t = malloc(n + 1);
    if (!t) {
        fail_nomem(p);
        return;
    }
    memcpy(t, p->s + start, n);
    t[n] = '\0';
    out->type = JSON_NUMBER;
    out->text = t;
}

static int match_word(json_parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->length - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0) {
        p->pos += n;
        return 1;
    }
    return 0;
}

static void parse_value(json_parser *p, json_value *out);

/* Appends *item (moved) to the array/object being built. */
static int push_item(json_parser *p, json_value *out, size_t *capacity, json_value *item,
                     char *key)
{
    if (out->count == *capacity) {
        size_t cap = *capacity ? 2 * *capacity : 4;
        if (cap > SIZE_MAX / sizeof(json_value)) {
            fail_nomem(p);
            return -1;
        }
        json_value *items = realloc(out->items, cap * sizeof *items);
        if (!items) {
            fail_nomem(p);
            return -1;
        }
        out->items = items;
        if (out->type == JSON_OBJECT) {
            char **keys = realloc(out->keys, cap * sizeof *keys);
            if (!keys) {
                fail_nomem(p);
                return -1;
            }
            out->keys = keys;
        }
        *capacity = cap;
    }
    out->items[out->count] = *item;
    if (out->type == JSON_OBJECT)
        out->keys[out->count] = key;
    out->count++;
    return 0;
}

static void parse_array(json_parser *p, json_value *out)
{
    size_t capacity = 0;
    out->type = JSON_ARRAY;
    p->pos++; /* [ */
    skip_blanks(p);
    if (peek(p) == ']') {
        p->pos++;
        return;
    }
    for (;;) {
        json_value item;
        memset(&item, 0, sizeof item);
        skip_blanks(p);
        parse_value(p, &item);
        if (p->status != JSON_OK) {
            json_free(&item);
            return;
        }
        if (push_item(p, out, &capacity, &item, NULL) != 0) {
            json_free(&item);
            return;
        }
        skip_blanks(p);
        int c = peek(p);
        if (c == ',') {
            p->pos++;
            continue;
        }
        if (c == ']') {
            p->pos++;
            return;
        }
        fail(p, c < 0 ? "unterminated array" : "expected ',' or ']' in array");
        return;
    }
}

static void parse_object(json_parser *p, json_value *out)
{
    size_t capacity = 0;
    out->type = JSON_OBJECT;
    p->pos++; /* { */
    skip_blanks(p);
    if (peek(p) == '}') {
        p->pos++;
        return;
    }
    for (;;) {
        skip_blanks(p);
        if (peek(p) != '"') {
            fail(p, peek(p) < 0 ? "unterminated object" : "expected a string key in object");
            return;
        }
        size_t key_pos = p->pos;
        char *key = parse_string(p);
        if (!key)
            return;
        for (size_t i = 0; i < out->count; i++)
            if (strcmp(out->keys[i], key) == 0) {
                p->pos = key_pos;
                fail(p, "duplicate key in object");
                free(key);
                return;
            }
        skip_blanks(p);
        if (peek(p) != ':') {
            fail(p, "expected ':' after key");
            free(key);
            return;
        }
        p->pos++;
        skip_blanks(p);
        json_value item;
        memset(&item, 0, sizeof item);
        parse_value(p, &item);
        if (p->status != JSON_OK) {
            json_free(&item);
            free(key);
            return;
        }
        if (push_item(p, out, &capacity, &item, key) != 0) {
            json_free(&item);
            free(key);
            return;
        }
        skip_blanks(p);
        int c = peek(p);
        if (c == ',') {
            p->pos++;
            continue;
        }
        if (c == '}') {
            p->pos++;
            return;
        }
        fail(p, c < 0 ? "unterminated object" : "expected ',' or '}' in object");
        return;
    }
}

static void parse_value(json_parser *p, json_value *out)
{
    int c = peek(p);
    switch (c) {
    case '{':
    case '[':
        if (p->depth >= JSON_MAX_DEPTH) {
            fail(p, "nesting too deep");
            return;
        }
        p->depth++;
        if (c == '{')
            parse_object(p, out);
        else
            parse_array(p, out);
        p->depth--;
        return;
    case '"':
        out->text = parse_string(p);
        if (out->text)
            out->type = JSON_STRING;
        return;
    case 't':
    case 'f':
    case 'n':
        if (match_word(p, "true")) {
            out->type = JSON_BOOL;
            out->boolean = 1;
        } else if (match_word(p, "false")) {
            out->type = JSON_BOOL;
        } else if (match_word(p, "null")) {
            out->type = JSON_NULL;
        } else {
            fail(p, "unexpected word (expected true, false or null)");
        }
        return;
    case -1:
        fail(p, "unexpected end of text (value expected)");
        return;
    default:
        if (c == '-' || is_digit(c) || (p->allow_nonfinite && (c == 'N' || c == 'I')))
            parse_number(p, out);
        else if (c == 0)
            fail(p, "NUL byte");
        else
            fail(p, "unexpected character (value expected)");
        return;
    }
}

static int parse_document(const char *text, size_t length, json_value *out, json_error *err,
                          int allow_nonfinite)
{
    json_parser p = {text, length, 0, 0, JSON_OK, err, allow_nonfinite};
    memset(out, 0, sizeof *out);
    if (err) {
        err->column = 0;
        err->reason[0] = '\0';
    }
    if (!text) {
        fail(&p, "no text");
        return p.status;
    }
    skip_blanks(&p);
    parse_value(&p, out);
    if (p.status == JSON_OK) {
        skip_blanks(&p);
        if (p.pos != p.length)
            fail(&p, "unexpected text after the value");
    }
    if (p.status != JSON_OK)
        json_free(out);
    return p.status;
}

int json_parse(const char *text, size_t length, json_value *out, json_error *err)
{
    return parse_document(text, length, out, err, 0);
}

int json_parse_results(const char *text, size_t length, json_value *out, json_error *err)
{
    return parse_document(text, length, out, err, 1);
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
