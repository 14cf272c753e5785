/*
 * toml_scan.c - the lexical half of the TOML-subset parser: position tracking and errors, strings
 * (basic and literal, with escapes), bare and quoted keys, dotted keys and integers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml_parser.h"

int toml_fail_at(parser *p, int line, int col, const char *fmt, ...)
{
    if (p->status)
        return -1;
    p->status = -1;
    if (p->err && p->err_len) {
        int n = snprintf(p->err, p->err_len, "%s:%d:%d: ", p->name, line, col);
        if (n >= 0 && (size_t)n < p->err_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + n, p->err_len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

int toml_oom(parser *p)
{
    if (!p->status) {
        p->status = -2;
        if (p->err && p->err_len)
            snprintf(p->err, p->err_len, "%s: out of memory", p->name);
    }
    return -2;
}

/* After a key/value or header: optional comment, then end of line or input. */
int toml_expect_eol(parser *p)
{
    skip_ws(p);
    skip_comment(p);
    if (peek(p) == '\r' && peek_at(p, 1) == '\n')
        advance(p);
    if (peek(p) == -1)
        return 0;
    if (peek(p) == '\n') {
        advance(p);
        return 0;
    }
    return FAIL(p, "unexpected '%c' after the value; put each key = value on its own line "
                   "(a comment starts with '#')", peek(p));
}

/* --- values ------------------------------------------------------------------------------- */

toml_value *toml_new_value(parser *p, toml_kind k, int line, int col)
{
    toml_value *v = calloc(1, sizeof *v);
    if (!v) {
        toml_oom(p);
        return NULL;
    }
    v->kind = k;
    v->line = line;
    v->column = col;
    return v;
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static int toml_sbuf_put(parser *p, sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return toml_oom(p);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

static int toml_put_utf8(parser *p, sbuf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return toml_sbuf_put(p, b, u, n);
}

/* basic-string = '"' { char | escape } '"' ; literal-string = "'" { char } "'" (one line) */
char *toml_parse_string(parser *p)
{
    int quote = peek(p);
    int line = p->line, col = p->col;
    if (peek_at(p, 1) == quote && peek_at(p, 2) == quote) {
        FAIL(p, "multi-line strings are not supported here; write the string on one line");
        return NULL;
    }
    advance(p);
    sbuf b = {0};
    if (toml_sbuf_put(p, &b, "", 0))
        return NULL;
    for (;;) {
        int c = peek(p);
        if (c == -1 || c == '\n' || c == '\r') {
            toml_fail_at(p, line, col, "string is not closed; add the closing %c on the same line",
                    quote);
            free(b.p);
            return NULL;
        }
        if (c == quote) {
            advance(p);
            return b.p;
        }
        if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7f) {
            FAIL(p, "control character 0x%02x in a string; write it as an escape (\\u%04x)", c, c);
            free(b.p);
            return NULL;
        }
        if (c == '\\' && quote == '"') {
            advance(p);
            int e = peek(p);
            const char *rep = e == '"' ? "\"" : e == '\\' ? "\\" : e == 'n' ? "\n" : e == 't' ? "\t"
                            : e == 'r' ? "\r" : e == 'b' ? "\b" : e == 'f' ? "\f" : NULL;
            if (rep) {
                advance(p);
                if (toml_sbuf_put(p, &b, rep, 1)) {
                    free(b.p);
                    return NULL;
                }
                continue;
            }
            if (e == 'u' || e == 'U') {
                int digits = e == 'u' ? 4 : 8;
                advance(p);
                uint32_t cp = 0;
                for (int i = 0; i < digits; i++) {
                    int h = peek(p);
                    int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                          : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                    if (d < 0) {
                        FAIL(p, "\\%c needs %d hex digits", e, digits);
                        free(b.p);
                        return NULL;
                    }
                    cp = cp * 16 + (uint32_t)d;
                    advance(p);
                }
                if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                    FAIL(p, "\\%c escape U+%X is not a valid Unicode scalar value (or is NUL)", e,
                         cp);
                    free(b.p);
                    return NULL;
                }
                if (toml_put_utf8(p, &b, cp)) {
                    free(b.p);
                    return NULL;
                }
                continue;
            }
            FAIL(p, "unknown escape '\\%c'; use \\\\ for a backslash or a 'literal string'",
                 e > 0x20 && e < 0x7f ? e : '?');
            free(b.p);
            return NULL;
        }
        char ch = (char)c;
        advance(p);
        if (toml_sbuf_put(p, &b, &ch, 1)) {
            free(b.p);
            return NULL;
        }
    }
}

bool toml_is_bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* simple-key = bare-key | quoted-key */
char *toml_parse_simple_key(parser *p)
{
    int c = peek(p);
    if (c == '"' || c == '\'')
        return toml_parse_string(p);
    if (!toml_is_bare_key_char(c)) {
        if (c == -1 || c == '\n')
            FAIL(p, "expected a key; write key = value");
        else
            FAIL(p, "unexpected '%c' where a key should be; keys are letters, digits, '_' and '-' "
                    "(or \"quoted\")", c);
        return NULL;
    }
    size_t start = p->pos;
    while (toml_is_bare_key_char(peek(p)))
        advance(p);
    char *k = malloc(p->pos - start + 1);
    if (!k) {
        toml_oom(p);
        return NULL;
    }
    memcpy(k, p->s + start, p->pos - start);
    k[p->pos - start] = 0;
    return k;
}

void toml_key_path_free(key_path *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->parts[i]);
    k->n = 0;
}

int toml_parse_key(parser *p, key_path *k)
{
    k->n = 0;
    k->line = p->line;
    k->col = p->col;
    for (;;) {
        skip_ws(p);
        if (k->n == 16) {
            toml_key_path_free(k);
            return FAIL(p, "dotted key has more than 16 parts");
        }
        char *part = toml_parse_simple_key(p);
        if (!part) {
            toml_key_path_free(k);
            return p->status;
        }
        k->parts[k->n++] = part;
        skip_ws(p);
        if (peek(p) != '.')
            return 0;
        advance(p);
    }
}

/* integer = [+-] digits with '_' between digits | 0x hex | 0o oct | 0b bin */
toml_value *toml_parse_integer(parser *p)
{
    int line = p->line, col = p->col;
    bool neg = false;
    if (peek(p) == '+' || peek(p) == '-') {
        neg = peek(p) == '-';
        advance(p);
    }
    int base = 10;
    if (peek(p) == '0' && (peek_at(p, 1) == 'x' || peek_at(p, 1) == 'o' || peek_at(p, 1) == 'b')) {
        base = peek_at(p, 1) == 'x' ? 16 : peek_at(p, 1) == 'o' ? 8 : 2;
        if (p->col != col) {
            toml_fail_at(p, line, col, "a sign is not allowed before 0x/0o/0b; remove it");
            return NULL;
        }
        advance(p);
        advance(p);
    }
    uint64_t mag = 0;
    size_t digits = 0;
    bool last_underscore = false;
    for (;;) {
        int c = peek(p);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (c == '_') {
            if (digits == 0 || last_underscore) {
                toml_fail_at(p, p->line, p->col, "'_' in a number must sit between two digits");
                return NULL;
            }
            last_underscore = true;
            advance(p);
            continue;
        }
        if (d < 0 || d >= base)
            break;
        if (base == 10 && digits == 1 && mag == 0) {
            toml_fail_at(p, line, col, "leading zeros are not allowed in decimal integers; drop them");
            return NULL;
        }
        if (mag > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
            toml_fail_at(p, line, col, "integer does not fit in 64 bits");
            return NULL;
        }
        mag = mag * (uint64_t)base + (uint64_t)d;
        digits++;
        last_underscore = false;
        advance(p);
    }
    if (digits == 0 || last_underscore) {
        toml_fail_at(p, line, col, "malformed integer; write digits like 42, -7, 0x2a or 1_000");
        return NULL;
    }
    if (peek(p) == '.' || peek(p) == 'e' || peek(p) == 'E' || peek(p) == ':' ||
        (peek(p) == '-' && base == 10)) {
        toml_fail_at(p, line, col, "floats, dates and times are not supported in this configuration; "
                              "use an integer or a string");
        return NULL;
    }
    if ((neg && mag > (uint64_t)INT64_MAX + 1) || (!neg && mag > (uint64_t)INT64_MAX)) {
        toml_fail_at(p, line, col, "integer does not fit in a signed 64-bit value");
        return NULL;
    }
    toml_value *v = toml_new_value(p, TOML_INTEGER, line, col);
    if (v)
        v->u.integer = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return v;
}

