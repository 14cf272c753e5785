/*
 * toml.h - a small strict parser for a TOML subset, used for the network configuration and meant
 * for reuse (Stoffel.toml). Supported: comments, bare/quoted/dotted keys, [tables],
 * [[arrays of tables]], basic and literal strings (one line), integers (decimal, 0x, 0o, 0b,
 * underscores), booleans, arrays, inline tables. Not supported (clear error): floats, dates and
 * times, multi-line strings. Errors read "name:line:column: problem; fix".
 *
 * The parse result is a tree of toml_value owned by the root; free it with toml_free.
 */
#ifndef STOFFEL_TOML_H
#define STOFFEL_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum toml_kind { TOML_TABLE, TOML_ARRAY, TOML_STRING, TOML_INTEGER, TOML_BOOLEAN } toml_kind;

typedef struct toml_value toml_value;

typedef struct toml_entry {
    char *key;
    toml_value *value;
} toml_entry;

struct toml_value {
    toml_kind kind;
    int line, column; /* where the value (or table header) starts, 1-based */
    union {
        struct {
            toml_entry *entries;
            size_t count, cap;
        } table;
        struct {
            toml_value **items;
            size_t count, cap;
        } array;
        char *string; /* NUL-terminated UTF-8; may contain no NUL */
        int64_t integer;
        bool boolean;
    } u;
    /* Parser bookkeeping: how the table/array came to be, to reject redefinitions. */
    bool explicit_header; /* defined by a [header] */
    bool frozen;          /* an inline table/array or a value: cannot be extended */
    bool table_array;     /* created by [[header]] */
};

/*
 * Parses text[0..len). name appears in error messages. On success *root is a table. On failure
 * returns -1 and writes "name:line:column: problem; fix" into err (if non-NULL).
 * Returns -2 when out of memory.
 */
int toml_parse(const char *text, size_t len, const char *name, toml_value **root, char *err,
               size_t err_len);

/* Frees a tree returned by toml_parse. NULL is allowed. */
void toml_free(toml_value *v);

/* The value of key in table t, or NULL (also when t is not a table). */
const toml_value *toml_get(const toml_value *t, const char *key);

/* Name of a kind for messages ("table", "array", "string", "integer", "boolean"). */
const char *toml_kind_name(toml_kind k);

#endif
