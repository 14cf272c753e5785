/*
 * toml.c - the structural half of the TOML-subset parser declared in toml.h: values (arrays,
 * inline tables), dotted-key insertion, [table] and [[array of tables]] headers, and the entry
 * point. The lexical half is toml_scan.c. Every error names the place and the fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml_parser.h"

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
            return toml_oom(p);
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
            return toml_oom(p);
        }
        a->u.array.items = items;
        a->u.array.cap = cap;
    }
    a->u.array.items[a->u.array.count++] = v;
    return 0;
}

/* Growable string for string literals and keys. */
static toml_value *parse_value(parser *p);

/* array = '[' [ value { ',' value } [','] ] ']' (newlines and comments allowed inside) */
static toml_value *parse_array(parser *p)
{
    toml_value *a = toml_new_value(p, TOML_ARRAY, p->line, p->col);
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
    toml_value *t = toml_new_value(p, TOML_TABLE, p->line, p->col);
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
        if (toml_parse_key(p, &k)) {
            toml_free(t);
            return NULL;
        }
        skip_ws(p);
        if (peek(p) != '=') {
            FAIL(p, "expected '=' after the key in an inline table");
            toml_key_path_free(&k);
            toml_free(t);
            return NULL;
        }
        advance(p);
        skip_ws(p);
        toml_value *v = parse_value(p);
        if (!v || insert_dotted(p, t, &k, v, true)) {
            toml_key_path_free(&k);
            toml_free(t);
            return NULL;
        }
        toml_key_path_free(&k);
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
        char *s = toml_parse_string(p);
        if (s) {
            v = toml_new_value(p, TOML_STRING, line, col);
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
               !toml_is_bare_key_char(peek_at(p, 4))) {
        for (int i = 0; i < 4; i++)
            advance(p);
        v = toml_new_value(p, TOML_BOOLEAN, line, col);
        if (v)
            v->u.boolean = true;
    } else if (c == 'f' && p->len - p->pos >= 5 && memcmp(p->s + p->pos, "false", 5) == 0 &&
               !toml_is_bare_key_char(peek_at(p, 5))) {
        for (int i = 0; i < 5; i++)
            advance(p);
        v = toml_new_value(p, TOML_BOOLEAN, line, col);
    } else if ((c >= '0' && c <= '9') || c == '+' || c == '-') {
        if ((c == '+' || c == '-') && (peek_at(p, 1) == 'i' || peek_at(p, 1) == 'n'))
            FAIL(p, "inf and nan are not supported; use an integer");
        else
            v = toml_parse_integer(p);
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
        toml_oom(p);
    return d;
}

/* Puts v at the dotted key k below table (intermediate tables are created implicitly). */
static int insert_dotted(parser *p, toml_value *table, key_path *k, toml_value *v, bool inline_tab)
{
    toml_value *t = table;
    for (size_t i = 0; i + 1 < k->n; i++) {
        toml_value *next = table_get_mut(t, k->parts[i]);
        if (!next) {
            next = toml_new_value(p, TOML_TABLE, k->line, k->col);
            char *key = dup_str(p, k->parts[i]);
            if (!next || !key) {
                free(key);
                toml_free(next);
                toml_free(v);
                return toml_oom(p);
            }
            if (table_add(p, t, key, next)) {
                toml_free(v);
                return p->status;
            }
        } else if (next->kind != TOML_TABLE || next->frozen || next->explicit_header) {
            toml_free(v);
            return toml_fail_at(p, k->line, k->col,
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
        return toml_fail_at(p, k->line, k->col, "duplicate key '%s' (first defined at line %d); "
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
    toml_value *child = toml_new_value(p, kind, line, col);
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
    if (toml_parse_key(p, &k))
        return NULL;
    skip_ws(p);
    if (peek(p) != ']' || (array && peek_at(p, 1) != ']')) {
        toml_key_path_free(&k);
        toml_fail_at(p, p->line, p->col, "expected '%s' to close the table header", array ? "]]" : "]");
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
                toml_fail_at(p, line, col, "'%s' is already defined (line %d) as %s, not an array of "
                        "tables; rename one of them", k.parts[i], next->line,
                        kind_with_article(next->kind));
                toml_key_path_free(&k);
                return NULL;
            }
            if (!next) {
                next = add_child(p, t, k.parts[i], TOML_ARRAY, line, col);
                if (!next) {
                    toml_key_path_free(&k);
                    return NULL;
                }
                next->table_array = true;
            }
            toml_value *elem = toml_new_value(p, TOML_TABLE, line, col);
            if (!elem || array_add(p, next, elem)) {
                toml_key_path_free(&k);
                return NULL;
            }
            elem->explicit_header = true;
            toml_key_path_free(&k);
            return elem;
        }
        if (!next) {
            next = add_child(p, t, k.parts[i], TOML_TABLE, line, col);
            if (!next) {
                toml_key_path_free(&k);
                return NULL;
            }
        } else if (next->kind != TOML_TABLE || next->frozen) {
            toml_fail_at(p, line, col, "'%s' is already defined (line %d) as %s; a table header "
                    "cannot reopen it", k.parts[i], next->line, kind_with_article(next->kind));
            toml_key_path_free(&k);
            return NULL;
        }
        if (last) {
            if (next->explicit_header) {
                toml_fail_at(p, line, col, "table [%s] is defined twice (first at line %d); merge "
                        "the two sections", k.parts[i], next->line);
                toml_key_path_free(&k);
                return NULL;
            }
            next->explicit_header = true;
            next->line = line;
            next->column = col;
        }
        t = next;
    }
    toml_key_path_free(&k);
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
        toml_fail_at(&p, line, col, "NUL byte in the text; this is not a text file");
        return -1;
    }
    toml_value *top = toml_new_value(&p, TOML_TABLE, 1, 1);
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
            toml_expect_eol(&p);
            continue;
        }
        key_path k;
        if (toml_parse_key(&p, &k))
            break;
        skip_ws(&p);
        if (peek(&p) != '=') {
            FAIL(&p, "expected '=' after key '%s'; write key = value", k.parts[k.n - 1]);
            toml_key_path_free(&k);
            break;
        }
        advance(&p);
        skip_ws(&p);
        toml_value *v = parse_value(&p);
        if (!v || insert_dotted(&p, cur, &k, v, false)) {
            toml_key_path_free(&k);
            break;
        }
        toml_key_path_free(&k);
        toml_expect_eol(&p);
    }
    if (p.status) {
        toml_free(top);
        return p.status;
    }
    *root = top;
    return 0;
}
