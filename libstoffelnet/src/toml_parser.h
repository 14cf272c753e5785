/*
 * toml_parser.h - private declarations shared by the two halves of the TOML-subset parser:
 * toml_scan.c (characters, strings, keys, integers) and toml.c (values, tables, the entry point).
 */
#ifndef STOFFEL_TOML_PARSER_H
#define STOFFEL_TOML_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toml.h"

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

/* key = simple-key { '.' simple-key } ; returns the parts */
typedef struct key_path {
    char *parts[16];
    size_t n;
    int line, col;
} key_path;

/* Records the first error as "name:line:column: message"; returns -1. */
int toml_fail_at(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define FAIL(p, ...) toml_fail_at((p), (p)->line, (p)->col, __VA_ARGS__)
/* Records out of memory; returns -2. */
int toml_oom(parser *p);
/* A new empty value of kind k at line:col; NULL after recording out of memory. */
toml_value *toml_new_value(parser *p, toml_kind k, int line, int col);
/* After a key/value or header: optional comment, then end of line or input. */
int toml_expect_eol(parser *p);
/* A basic "..." or literal '...' string at the cursor: malloc'd UTF-8, or NULL on error. */
char *toml_parse_string(parser *p);
/* Letters, digits, '_' and '-'. */
bool toml_is_bare_key_char(int c);
/* A bare or quoted key: malloc'd, or NULL on error. */
char *toml_parse_simple_key(parser *p);
void toml_key_path_free(key_path *k);
/* A dotted key into k (parts malloc'd; free with toml_key_path_free); 0 or the error status. */
int toml_parse_key(parser *p, key_path *k);
/* An integer value (decimal, 0x, 0o, 0b, underscores); NULL on error. */
toml_value *toml_parse_integer(parser *p);

/* Character-level cursor helpers. */

static inline int peek(const parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static inline int peek_at(const parser *p, size_t off)
{
    return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : -1;
}

static inline void advance(parser *p)
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

static inline void skip_ws(parser *p)
{
    while (peek(p) == ' ' || peek(p) == '\t')
        advance(p);
}

static inline void skip_comment(parser *p)
{
    if (peek(p) == '#')
        while (peek(p) != -1 && peek(p) != '\n')
            advance(p);
}

/* Whitespace, newlines and comments (inside arrays). */
static inline void skip_ws_nl(parser *p)
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

#endif
