/*
 * toml.c - the strict TOML-subset parser declared in toml.h: a hand-written recursive-descent
 * reader over the text with line/column tracking. Every error names the place and the fix.
 */
#include "toml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOML_MAX_DEPTH 64

typedef struct parser {
    const char *s;
    size_t len, pos;
    int line, col;
    const char *name;
    char *err;
    size_t err_len;
    int status; /* 0, -1 syntax, -2 out of memory */
    int depth;
} parser;

const char *toml_kind_name(toml_kind k)
{
    switch (k) {
    case TOML_TABLE: return "table";
    case TOML_ARRAY: return "array";
    case TOML_STRING: return "string";
    case TOML_INTEGER: return "integer";
    case TOML_BOOLEAN: return "boolean";
    }
    return "?";
}

/* "a table", "an array", ... for messages. */
static const char *kind_with_article(toml_kind k)
{
    switch (k) {
    case TOML_TABLE: return "a table";
    case TOML_ARRAY: return "an array";
    case TOML_STRING: return "a string";
    case TOML_INTEGER: return "an integer";
    case TOML_BOOLEAN: return "a boolean";
    }
    return "a value";
}

static int fail_at(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(parser *p, int line, int col, const char *fmt, ...)
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

#define FAIL(p, ...) fail_at((p), (p)->line, (p)->col, __VA_ARGS__)

static int oom(parser *p)
{
    if (!p->status) {
        p->status = -2;
        if (p->err && p->err_len)
            snprintf(p->err, p->err_len, "%s: out of memory", p->name);
    }
    return -2;
}

static int peek(const parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int peek_at(const parser *p, size_t off)
{
    return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : -1;
}

static void advance(parser *p)
{
    if (p->pos >= p->len)
        return;
    if (p->s[p->pos] == '\n') {
        p->line++;
        p->col = 1;
    } else {
        p->col++;
    }
    p->pos++;
}

static void skip_ws(parser *p)
{
    while (peek(p) == ' ' || peek(p) == '\t')
        advance(p);
}

static void skip_comment(parser *p)
{
    if (peek(p) == '#')
        while (peek(p) != -1 && peek(p) != '\n')
            advance(p);
}

/* Whitespace, newlines and comments (inside arrays). */
static void skip_ws_nl(parser *p)
{
    for (;;) {
        skip_ws(p);
        skip_comment(p);
        if (peek(p) == '\n') {
            advance(p);
        } else if (peek(p) == '\r' && peek_at(p, 1) == '\n') {
            advance(p);
            advance(p);
        } else {
            return;
        }
    }
}

/* After a key/value or header: optional comment, then end of line or input. */
static int expect_eol(parser *p)
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

static toml_value *new_value(parser *p, toml_kind k, int line, int col)
{
    toml_value *v = calloc(1, sizeof *v);
    if (!v) {
        oom(p);
        return NULL;
    }
    v->kind = k;
    v->line = line;
    v->column = col;
    return v;
}

void toml_free(toml_value *v)
{
    if (!v)
        return;
    if (v->kind == TOML_TABLE) {
        for (size_t i = 0; i < v->u.table.count; i++) {
            free(v->u.table.entries[i].key);
            toml_free(v->u.table.entries[i].value);
        }
        free(v->u.table.entries);
    } else if (v->kind == TOML_ARRAY) {
        for (size_t i = 0; i < v->u.array.count; i++)
            toml_free(v->u.array.items[i]);
        free(v->u.array.items);
    } else if (v->kind == TOML_STRING) {
        free(v->u.string);
    }
    free(v);
}

const toml_value *toml_get(const toml_value *t, const char *key)
{
    if (!t || t->kind != TOML_TABLE)
        return NULL;
    for (size_t i = 0; i < t->u.table.count; i++)
        if (strcmp(t->u.table.entries[i].key, key) == 0)
            return t->u.table.entries[i].value;
    return NULL;
}

static toml_value *table_get_mut(toml_value *t, const char *key)
{
    return (toml_value *)toml_get(t, key);
}

/* Adds key -> v to t (takes ownership of both). */
static int table_add(parser *p, toml_value *t, char *key, toml_value *v)
{
    if (t->u.table.count == t->u.table.cap) {
        size_t cap = t->u.table.cap ? t->u.table.cap * 2 : 8;
        toml_entry *e = realloc(t->u.table.entries, cap * sizeof *e);
        if (!e) {
            free(key);
            toml_free(v);
            return oom(p);
        }
        t->u.table.entries = e;
        t->u.table.cap = cap;
    }
    t->u.table.entries[t->u.table.count++] = (toml_entry){key, v};
    return 0;
}

static int array_add(parser *p, toml_value *a, toml_value *v)
{
    if (a->u.array.count == a->u.array.cap) {
        size_t cap = a->u.array.cap ? a->u.array.cap * 2 : 8;
        toml_value **items = realloc(a->u.array.items, cap * sizeof *items);
        if (!items) {
            toml_free(v);
            return oom(p);
        }
        a->u.array.items = items;
        a->u.array.cap = cap;
    }
    a->u.array.items[a->u.array.count++] = v;
    return 0;
}

/* Growable string for string literals and keys. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static int sbuf_put(parser *p, sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return oom(p);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

static int put_utf8(parser *p, sbuf *b, uint32_t cp)
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
    return sbuf_put(p, b, u, n);
}

/* basic-string = '"' { char | escape } '"' ; literal-string = "'" { char } "'" (one line) */
static char *parse_string(parser *p)
{
    int quote = peek(p);
    int line = p->line, col = p->col;
    if (peek_at(p, 1) == quote && peek_at(p, 2) == quote) {
        FAIL(p, "multi-line strings are not supported here; write the string on one line");
        return NULL;
    }
    advance(p);
    sbuf b = {0};
    if (sbuf_put(p, &b, "", 0))
        return NULL;
    for (;;) {
        int c = peek(p);
        if (c == -1 || c == '\n' || c == '\r') {
            fail_at(p, line, col, "string is not closed; add the closing %c on the same line",
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
                if (sbuf_put(p, &b, rep, 1)) {
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
                if (put_utf8(p, &b, cp)) {
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
        if (sbuf_put(p, &b, &ch, 1)) {
            free(b.p);
            return NULL;
        }
    }
}

static bool is_bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* simple-key = bare-key | quoted-key */
static char *parse_simple_key(parser *p)
{
    int c = peek(p);
    if (c == '"' || c == '\'')
        return parse_string(p);
    if (!is_bare_key_char(c)) {
        if (c == -1 || c == '\n')
            FAIL(p, "expected a key; write key = value");
        else
            FAIL(p, "unexpected '%c' where a key should be; keys are letters, digits, '_' and '-' "
                    "(or \"quoted\")", c);
        return NULL;
    }
    size_t start = p->pos;
    while (is_bare_key_char(peek(p)))
        advance(p);
    char *k = malloc(p->pos - start + 1);
    if (!k) {
        oom(p);
        return NULL;
    }
    memcpy(k, p->s + start, p->pos - start);
    k[p->pos - start] = 0;
    return k;
}

/* key = simple-key { '.' simple-key } ; returns the parts */
typedef struct key_path {
    char *parts[16];
    size_t n;
    int line, col;
} key_path;

static void key_path_free(key_path *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->parts[i]);
    k->n = 0;
}

static int parse_key(parser *p, key_path *k)
{
    k->n = 0;
    k->line = p->line;
    k->col = p->col;
    for (;;) {
        skip_ws(p);
        if (k->n == 16) {
            key_path_free(k);
            return FAIL(p, "dotted key has more than 16 parts");
        }
        char *part = parse_simple_key(p);
        if (!part) {
            key_path_free(k);
            return p->status;
        }
        k->parts[k->n++] = part;
        skip_ws(p);
        if (peek(p) != '.')
            return 0;
        advance(p);
    }
}

static toml_value *parse_value(parser *p);

/* integer = [+-] digits with '_' between digits | 0x hex | 0o oct | 0b bin */
static toml_value *parse_integer(parser *p)
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
            fail_at(p, line, col, "a sign is not allowed before 0x/0o/0b; remove it");
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
                fail_at(p, p->line, p->col, "'_' in a number must sit between two digits");
                return NULL;
            }
            last_underscore = true;
            advance(p);
            continue;
        }
        if (d < 0 || d >= base)
            break;
        if (base == 10 && digits == 1 && mag == 0) {
            fail_at(p, line, col, "leading zeros are not allowed in decimal integers; drop them");
            return NULL;
        }
        if (mag > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
            fail_at(p, line, col, "integer does not fit in 64 bits");
            return NULL;
        }
        mag = mag * (uint64_t)base + (uint64_t)d;
        digits++;
        last_underscore = false;
        advance(p);
    }
    if (digits == 0 || last_underscore) {
        fail_at(p, line, col, "malformed integer; write digits like 42, -7, 0x2a or 1_000");
        return NULL;
    }
    if (peek(p) == '.' || peek(p) == 'e' || peek(p) == 'E' || peek(p) == ':' ||
        (peek(p) == '-' && base == 10)) {
        fail_at(p, line, col, "floats, dates and times are not supported in this configuration; "
                              "use an integer or a string");
        return NULL;
    }
    if ((neg && mag > (uint64_t)INT64_MAX + 1) || (!neg && mag > (uint64_t)INT64_MAX)) {
        fail_at(p, line, col, "integer does not fit in a signed 64-bit value");
        return NULL;
    }
    toml_value *v = new_value(p, TOML_INTEGER, line, col);
    if (v)
        v->u.integer = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return v;
}

/* array = '[' [ value { ',' value } [','] ] ']' (newlines and comments allowed inside) */
static toml_value *parse_array(parser *p)
{
    toml_value *a = new_value(p, TOML_ARRAY, p->line, p->col);
    if (!a)
        return NULL;
    a->frozen = true;
    advance(p);
    for (;;) {
        skip_ws_nl(p);
        if (peek(p) == ']') {
            advance(p);
            return a;
        }
        toml_value *v = parse_value(p);
        if (!v || array_add(p, a, v)) {
            toml_free(a);
            return NULL;
        }
        skip_ws_nl(p);
        if (peek(p) == ',') {
            advance(p);
            continue;
        }
        if (peek(p) == ']') {
            advance(p);
            return a;
        }
        FAIL(p, "expected ',' or ']' in the array that starts at line %d column %d", a->line,
             a->column);
        toml_free(a);
        return NULL;
    }
}

static int insert_dotted(parser *p, toml_value *table, key_path *k, toml_value *v, bool inline_tab);

/* inline-table = '{' [ key '=' value { ',' key '=' value } ] '}' (one line) */
static toml_value *parse_inline_table(parser *p)
{
    toml_value *t = new_value(p, TOML_TABLE, p->line, p->col);
    if (!t)
        return NULL;
    advance(p);
    skip_ws(p);
    if (peek(p) == '}') {
        advance(p);
        t->frozen = true;
        return t;
    }
    for (;;) {
        key_path k;
        if (parse_key(p, &k)) {
            toml_free(t);
            return NULL;
        }
        skip_ws(p);
        if (peek(p) != '=') {
            FAIL(p, "expected '=' after the key in an inline table");
            key_path_free(&k);
            toml_free(t);
            return NULL;
        }
        advance(p);
        skip_ws(p);
        toml_value *v = parse_value(p);
        if (!v || insert_dotted(p, t, &k, v, true)) {
            key_path_free(&k);
            toml_free(t);
            return NULL;
        }
        key_path_free(&k);
        skip_ws(p);
        if (peek(p) == ',') {
            advance(p);
            skip_ws(p);
            continue;
        }
        if (peek(p) == '}') {
            advance(p);
            t->frozen = true;
            return t;
        }
        FAIL(p, "expected ',' or '}' in the inline table (inline tables must fit on one line)");
        toml_free(t);
        return NULL;
    }
}

static toml_value *parse_value(parser *p)
{
    if (++p->depth > TOML_MAX_DEPTH) {
        FAIL(p, "values nested deeper than %d levels", TOML_MAX_DEPTH);
        return NULL;
    }
    toml_value *v = NULL;
    int c = peek(p);
    int line = p->line, col = p->col;
    if (c == '"' || c == '\'') {
        char *s = parse_string(p);
        if (s) {
            v = new_value(p, TOML_STRING, line, col);
            if (v)
                v->u.string = s;
            else
                free(s);
        }
    } else if (c == '[') {
        v = parse_array(p);
    } else if (c == '{') {
        v = parse_inline_table(p);
    } else if (c == 't' && p->len - p->pos >= 4 && memcmp(p->s + p->pos, "true", 4) == 0 &&
               !is_bare_key_char(peek_at(p, 4))) {
        for (int i = 0; i < 4; i++)
            advance(p);
        v = new_value(p, TOML_BOOLEAN, line, col);
        if (v)
            v->u.boolean = true;
    } else if (c == 'f' && p->len - p->pos >= 5 && memcmp(p->s + p->pos, "false", 5) == 0 &&
               !is_bare_key_char(peek_at(p, 5))) {
        for (int i = 0; i < 5; i++)
            advance(p);
        v = new_value(p, TOML_BOOLEAN, line, col);
    } else if ((c >= '0' && c <= '9') || c == '+' || c == '-') {
        if ((c == '+' || c == '-') && (peek_at(p, 1) == 'i' || peek_at(p, 1) == 'n'))
            FAIL(p, "inf and nan are not supported; use an integer");
        else
            v = parse_integer(p);
    } else if (c == 'i' || c == 'n') {
        FAIL(p, "inf and nan are not supported; use an integer");
    } else if (c == -1 || c == '\n' || c == '\r' || c == '#') {
        FAIL(p, "missing value after '='; write a string (\"...\"), integer, true/false, "
                "array [...] or inline table {...}");
    } else {
        FAIL(p, "unexpected '%c' where a value should be; strings need quotes: \"...\"", c);
    }
    p->depth--;
    return v;
}

/* --- tables and keys ------------------------------------------------------------------------ */

static char *dup_str(parser *p, const char *s)
{
    char *d = strdup(s);
    if (!d)
        oom(p);
    return d;
}

/* Puts v at the dotted key k below table (intermediate tables are created implicitly). */
static int insert_dotted(parser *p, toml_value *table, key_path *k, toml_value *v, bool inline_tab)
{
    toml_value *t = table;
    for (size_t i = 0; i + 1 < k->n; i++) {
        toml_value *next = table_get_mut(t, k->parts[i]);
        if (!next) {
            next = new_value(p, TOML_TABLE, k->line, k->col);
            char *key = dup_str(p, k->parts[i]);
            if (!next || !key) {
                free(key);
                toml_free(next);
                toml_free(v);
                return oom(p);
            }
            if (table_add(p, t, key, next)) {
                toml_free(v);
                return p->status;
            }
        } else if (next->kind != TOML_TABLE || next->frozen || next->explicit_header) {
            toml_free(v);
            return fail_at(p, k->line, k->col,
                           "key '%s' is already defined (line %d) as %s, so it cannot be "
                           "extended with a dotted key; remove one of the definitions",
                           k->parts[i], next->line, kind_with_article(next->kind));
        }
        t = next;
    }
    const char *last = k->parts[k->n - 1];
    const toml_value *old = toml_get(t, last);
    if (old) {
        toml_free(v);
        return fail_at(p, k->line, k->col, "duplicate key '%s' (first defined at line %d); "
                       "remove one of the definitions", last, old->line);
    }
    (void)inline_tab;
    v->frozen = true;
    char *key = dup_str(p, last);
    if (!key) {
        toml_free(v);
        return p->status;
    }
    return table_add(p, t, key, v);
}

/* Adds an empty table or array named name to t; NULL (nothing leaked) when out of memory. */
static toml_value *add_child(parser *p, toml_value *t, const char *name, toml_kind kind, int line,
                             int col)
{
    toml_value *child = new_value(p, kind, line, col);
    if (!child)
        return NULL;
    char *key = dup_str(p, name);
    if (!key) {
        toml_free(child);
        return NULL;
    }
    return table_add(p, t, key, child) ? NULL : child; /* table_add frees both on failure */
}

/* header = '[' key ']' | '[[' key ']]' ; returns the table that following keys go into */
static toml_value *parse_header(parser *p, toml_value *root)
{
    int line = p->line, col = p->col;
    bool array = peek_at(p, 1) == '[';
    advance(p);
    if (array)
        advance(p);
    key_path k;
    if (parse_key(p, &k))
        return NULL;
    skip_ws(p);
    if (peek(p) != ']' || (array && peek_at(p, 1) != ']')) {
        key_path_free(&k);
        fail_at(p, p->line, p->col, "expected '%s' to close the table header", array ? "]]" : "]");
        return NULL;
    }
    advance(p);
    if (array)
        advance(p);
    toml_value *t = root;
    for (size_t i = 0; i < k.n; i++) {
        bool last = i + 1 == k.n;
        toml_value *next = table_get_mut(t, k.parts[i]);
        if (next && next->kind == TOML_ARRAY && next->table_array && !last) {
            t = next->u.array.items[next->u.array.count - 1]; /* [[a]] then [a.b] */
            continue;
        }
        if (last && array) {
            if (next && !(next->kind == TOML_ARRAY && next->table_array)) {
                fail_at(p, line, col, "'%s' is already defined (line %d) as %s, not an array of "
                        "tables; rename one of them", k.parts[i], next->line,
                        kind_with_article(next->kind));
                key_path_free(&k);
                return NULL;
            }
            if (!next) {
                next = add_child(p, t, k.parts[i], TOML_ARRAY, line, col);
                if (!next) {
                    key_path_free(&k);
                    return NULL;
                }
                next->table_array = true;
            }
            toml_value *elem = new_value(p, TOML_TABLE, line, col);
            if (!elem || array_add(p, next, elem)) {
                key_path_free(&k);
                return NULL;
            }
            elem->explicit_header = true;
            key_path_free(&k);
            return elem;
        }
        if (!next) {
            next = add_child(p, t, k.parts[i], TOML_TABLE, line, col);
            if (!next) {
                key_path_free(&k);
                return NULL;
            }
        } else if (next->kind != TOML_TABLE || next->frozen) {
            fail_at(p, line, col, "'%s' is already defined (line %d) as %s; a table header "
                    "cannot reopen it", k.parts[i], next->line, kind_with_article(next->kind));
            key_path_free(&k);
            return NULL;
        }
        if (last) {
            if (next->explicit_header) {
                fail_at(p, line, col, "table [%s] is defined twice (first at line %d); merge "
                        "the two sections", k.parts[i], next->line);
                key_path_free(&k);
                return NULL;
            }
            next->explicit_header = true;
            next->line = line;
            next->column = col;
        }
        t = next;
    }
    key_path_free(&k);
    return t;
}

int toml_parse(const char *text, size_t len, const char *name, toml_value **root, char *err,
               size_t err_len)
{
    parser p = {.s = text, .len = len, .line = 1, .col = 1, .name = name ? name : "<input>",
                .err = err, .err_len = err_len};
    *root = NULL;
    if (memchr(text, 0, len)) {
        size_t at = (size_t)((const char *)memchr(text, 0, len) - text);
        int line = 1, col = 1;
        for (size_t i = 0; i < at; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        fail_at(&p, line, col, "NUL byte in the text; this is not a text file");
        return -1;
    }
    toml_value *top = new_value(&p, TOML_TABLE, 1, 1);
    if (!top)
        return -2;
    toml_value *cur = top;
    while (p.status == 0) {
        skip_ws_nl(&p);
        int c = peek(&p);
        if (c == -1)
            break;
        if (c == '[') {
            cur = parse_header(&p, top);
            if (!cur)
                break;
            expect_eol(&p);
            continue;
        }
        key_path k;
        if (parse_key(&p, &k))
            break;
        skip_ws(&p);
        if (peek(&p) != '=') {
            FAIL(&p, "expected '=' after key '%s'; write key = value", k.parts[k.n - 1]);
            key_path_free(&k);
            break;
        }
        advance(&p);
        skip_ws(&p);
        toml_value *v = parse_value(&p);
        if (!v || insert_dotted(&p, cur, &k, v, false)) {
            key_path_free(&k);
            break;
        }
        key_path_free(&k);
        expect_eol(&p);
    }
    if (p.status) {
        toml_free(top);
        return p.status;
    }
    *root = top;
    return 0;
}
