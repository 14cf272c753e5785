/* client_batch.c - client input values and `--batch` files (client_batch.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_batch.h"

int client_value_parse(const char *text, int64_t *out)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *out = text[0] == 't';
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text)
        return -1;
    static const char *const suffixes[] = {"", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", NULL};
    for (const char *const *s = suffixes; *s; s++)
        if (strcmp(end, *s) == 0) {
            if ((*s)[0] == 'u' && v < 0)
                return -1;
            *out = v;
            return 0;
        }
    return -1;
}

void client_batch_free(client_batch *b)
{
    for (size_t i = 0; i < b->count; i++) {
        client_batch_entry *e = &b->entries[i];
        free(e->key);
        if (e->values)
            memset(e->values, 0, e->count * sizeof *e->values); /* the providers' secrets */
        free(e->values);
    }
    free(b->entries);
    b->entries = NULL;
    b->count = 0;
}

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && len)
        vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next whitespace-separated token of [*p, end): its start and length (0 at the end). */
static const char *next_token(const char **p, const char *end, size_t *len)
{
    const char *s = *p;
    while (s < end && is_space(*s))
        s++;
    const char *t = s;
    while (t < end && !is_space(*t))
        t++;
    *p = t;
    *len = (size_t)(t - s);
    return s;
}

/* One non-empty line [s, end) (comment already cut) into e. */
static int parse_line(const char *s, const char *end, const char *path, size_t lineno, client_batch_entry *e,
                      char *err, size_t err_len)
{
    size_t klen, n = 0, len;
    const char *key = next_token(&s, end, &klen);
    for (const char *p = s; next_token(&p, end, &len), len > 0;)
        n++;
    if (n == 0 || n > CLIENT_BATCH_MAX_VALUES)
        return fail(err, err_len, "%s:%zu: a line is `KEYFILE VALUE...` with 1 to %d values after the key file", path,
                    lineno, CLIENT_BATCH_MAX_VALUES);
    e->line = lineno;
    e->key = malloc(klen + 1);
    e->values = calloc(n, sizeof *e->values);
    if (!e->key || !e->values)
        return fail(err, err_len, "out of memory");
    memcpy(e->key, key, klen);
    e->key[klen] = 0;
    for (const char *tok; (tok = next_token(&s, end, &len)), len > 0;) {
        char buf[32];
        if (len >= sizeof buf) /* no integer or boolean is that long */
            return fail(err, err_len, "%s:%zu: input value `%.*s...` is not an integer (42, -7, 9u32) or a boolean",
                        path, lineno, 24, tok);
        memcpy(buf, tok, len);
        buf[len] = 0;
        if (client_value_parse(buf, &e->values[e->count]) != 0)
            return fail(err, err_len, "%s:%zu: input value `%s` is not an integer (42, -7, 9u32) or a boolean", path,
                        lineno, buf);
        e->count++;
    }
    return 0;
}

int client_batch_parse(const char *text, size_t len, const char *path, client_batch *out, char *err,
                       size_t err_len)
{
    out->entries = NULL;
    out->count = 0;
    size_t cap = 0, lineno = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        lineno++;
        const char *hash = memchr(p, '#', (size_t)(line_end - p));
        const char *content_end = hash ? hash : line_end;
        int rc = 0;
        if (memchr(p, 0, (size_t)(line_end - p))) {
            rc = fail(err, err_len, "%s:%zu: the line holds a NUL byte; a batch file is text", path, lineno);
        } else {
            size_t tlen;
            const char *q = p;
            next_token(&q, content_end, &tlen);
            if (tlen > 0) {
                if (out->count == CLIENT_BATCH_MAX_LINES) {
                    rc = fail(err, err_len, "%s:%zu: more than %d inputs in one batch file; split it", path, lineno,
                              CLIENT_BATCH_MAX_LINES);
                } else if (out->count == cap) {
                    size_t ncap = cap ? cap * 2 : 64;
                    client_batch_entry *nb = realloc(out->entries, ncap * sizeof *nb);
                    if (!nb) {
                        rc = fail(err, err_len, "out of memory");
                    } else {
                        out->entries = nb;
                        cap = ncap;
                    }
                }
                if (rc == 0) {
                    client_batch_entry *e = &out->entries[out->count++];
                    memset(e, 0, sizeof *e);
                    rc = parse_line(p, content_end, path, lineno, e, err, err_len);
                }
            }
        }
        if (rc) {
            client_batch_free(out);
            return -1;
        }
        p = eol ? eol + 1 : end;
    }
    if (out->count == 0)
        return fail(err, err_len, "the batch file %s holds no inputs (one `KEYFILE VALUE...` per line)", path);
    return 0;
}
