/*
 * vm_input.c - the input value grammar of `stoffel run --input NAME=VALUE` and
 * `--client-input SLOT=VALUE` (net-cli.md §4.3): [..] list; {k: v} object (identifier or quoted
 * keys); "..." string with \" \\ \n \r \t; bare a,b list; 0x.. bytes (even digit count); integer
 * with optional suffix u8..u64 / uint8..uint64 / i8..i64 / int8..int64 (case-insensitive); i64;
 * u64; bool; f64; else a bare string.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_input.h"

typedef struct {
    stoffel_vm *vm;
    const char *s;
    size_t pos, len;
    char *err;
    size_t err_len;
    int depth;
    char scratch[4096];
} parser;

static int perr(parser *p, const char *what)
{
    snprintf(p->err, p->err_len, "%s at character %zu of `%.*s`", what, p->pos + 1, (int)p->len, p->s);
    return -1;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

/* A scalar from the text [a, b). */
static int scalar(parser *p, const char *t, size_t n, stoffel_vm_value *out)
{
    char buf[256];
    while (n && isspace((unsigned char)t[n - 1]))
        n--;
    while (n && isspace((unsigned char)*t)) {
        t++;
        n--;
    }
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, t, n);
    buf[n] = 0;
    if (!strcmp(buf, "true") || !strcmp(buf, "false")) {
        *out = stoffel_vm_value_bool(buf[0] == 't');
        return 0;
    }
    if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
        size_t digits = n - 2;
        int all_hex = 1;
        for (size_t i = 2; i < n; i++)
            all_hex &= isxdigit((unsigned char)buf[i]) != 0;
        if (all_hex) {
            if (digits % 2)
                return perr(p, "hex bytes need an even number of digits");
            stoffel_vm_value arr;
            if (stoffel_vm_new_array(p->vm, &arr))
                return perr(p, "cannot create an array");
            for (size_t i = 0; i < digits / 2; i++) {
                char h[3] = {buf[2 + 2 * i], buf[3 + 2 * i], 0};
                stoffel_vm_value k = stoffel_vm_value_int(STOFFEL_VM_I64, (int64_t)i);
                stoffel_vm_value b = stoffel_vm_value_uint(STOFFEL_VM_U8, strtoul(h, NULL, 16));
                stoffel_vm_table_set(p->vm, &arr, &k, &b);
            }
            *out = arr;
            return 0;
        }
    }
    /* Integer with an optional width suffix. */
    size_t i = 0;
    if (buf[i] == '-' || buf[i] == '+')
        i++;
    size_t dstart = i;
    while (i < n && isdigit((unsigned char)buf[i]))
        i++;
    if (i > dstart) {
        static const struct { const char *sfx; stoffel_vm_value_kind kind; } sfx[] = {
            {"u8", STOFFEL_VM_U8}, {"u16", STOFFEL_VM_U16}, {"u32", STOFFEL_VM_U32}, {"u64", STOFFEL_VM_U64},
            {"uint8", STOFFEL_VM_U8}, {"uint16", STOFFEL_VM_U16}, {"uint32", STOFFEL_VM_U32}, {"uint64", STOFFEL_VM_U64},
            {"i8", STOFFEL_VM_I8}, {"i16", STOFFEL_VM_I16}, {"i32", STOFFEL_VM_I32}, {"i64", STOFFEL_VM_I64},
            {"int8", STOFFEL_VM_I8}, {"int16", STOFFEL_VM_I16}, {"int32", STOFFEL_VM_I32}, {"int64", STOFFEL_VM_I64}};
        const char *rest = buf + i;
        stoffel_vm_value_kind kind = (stoffel_vm_value_kind)-1;
        if (*rest == 0)
            kind = STOFFEL_VM_I64;
        for (size_t k = 0; *rest && k < sizeof sfx / sizeof *sfx; k++)
            if (!strcasecmp(rest, sfx[k].sfx))
                kind = sfx[k].kind;
        if ((int)kind != -1) {
            char num[64];
            snprintf(num, sizeof num, "%.*s", (int)i, buf);
            errno = 0;
            if (kind >= STOFFEL_VM_U8 && kind <= STOFFEL_VM_U64) {
                if (num[0] == '-')
                    return perr(p, "an unsigned integer cannot be negative");
                unsigned long long u = strtoull(num, NULL, 10);
                uint64_t max = kind == STOFFEL_VM_U8 ? 0xFF : kind == STOFFEL_VM_U16 ? 0xFFFF : kind == STOFFEL_VM_U32 ? 0xFFFFFFFFu : UINT64_MAX;
                if (errno || u > max)
                    return perr(p, "integer out of range for its type");
                *out = stoffel_vm_value_uint(kind, u);
                return 0;
            }
            long long v = strtoll(num, NULL, 10);
            if (errno == ERANGE && kind == STOFFEL_VM_I64 && *rest == 0 && num[0] != '-') {
                /* Past i64: a plain integer that fits u64 becomes u64. */
                errno = 0;
                unsigned long long u = strtoull(num, NULL, 10);
                if (errno)
                    return perr(p, "integer out of range for u64");
                *out = stoffel_vm_value_uint(STOFFEL_VM_U64, u);
                return 0;
            }
            int64_t lo = kind == STOFFEL_VM_I8 ? INT8_MIN : kind == STOFFEL_VM_I16 ? INT16_MIN : kind == STOFFEL_VM_I32 ? INT32_MIN : INT64_MIN;
            int64_t hi = kind == STOFFEL_VM_I8 ? INT8_MAX : kind == STOFFEL_VM_I16 ? INT16_MAX : kind == STOFFEL_VM_I32 ? INT32_MAX : INT64_MAX;
            if (errno || v < lo || v > hi)
                return perr(p, "integer out of range for its type");
            *out = stoffel_vm_value_int(kind, v);
            return 0;
        }
    }
    char *end;
    double d = strtod(buf, &end);
    if (n && *end == 0 && (isdigit((unsigned char)buf[0]) || buf[0] == '-' || buf[0] == '+' || buf[0] == '.')) {
        *out = stoffel_vm_value_float(d);
        return 0;
    }
    /* A bare string: the VM copies it when it is stored, so keep it alive in the parser text. */
    *out = stoffel_vm_value_string(t, n);
    return 0;
}

static int value(parser *p, stoffel_vm_value *out, const char *stops);

static int quoted(parser *p, stoffel_vm_value *out, char *scratch, size_t cap)
{
    size_t w = 0;
    p->pos++; /* opening quote */
    while (p->pos < p->len && p->s[p->pos] != '"') {
        char c = p->s[p->pos++];
        if (c == '\\' && p->pos < p->len) {
            char e = p->s[p->pos++];
            c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
        }
        if (w + 1 >= cap)
            return perr(p, "string too long");
        scratch[w++] = c;
    }
    if (p->pos >= p->len)
        return perr(p, "unterminated string");
    p->pos++;
    *out = stoffel_vm_value_string(scratch, w);
    return 0;
}

/* Appends v to arr; strings are copied by the VM at once, so scratch buffers may be reused. */
static int push(parser *p, stoffel_vm_value *arr, size_t i, const stoffel_vm_value *v)
{
    stoffel_vm_value k = stoffel_vm_value_int(STOFFEL_VM_I64, (int64_t)i);
    return stoffel_vm_table_set(p->vm, arr, &k, v) ? perr(p, "cannot store a list element") : 0;
}

static int list(parser *p, stoffel_vm_value *out)
{
    p->pos++;
    if (stoffel_vm_new_array(p->vm, out))
        return perr(p, "cannot create an array");
    skip_ws(p);
    size_t i = 0;
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        stoffel_vm_value v;
        if (value(p, &v, ",]") || push(p, out, i++, &v))
            return -1;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            return 0;
        }
        return perr(p, "expected `,` or `]`");
    }
}

static int object(parser *p, stoffel_vm_value *out)
{
    p->pos++;
    if (stoffel_vm_new_object(p->vm, out))
        return perr(p, "cannot create an object");
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        char kbuf[256];
        stoffel_vm_value k;
        if (p->pos < p->len && p->s[p->pos] == '"') {
            if (quoted(p, &k, kbuf, sizeof kbuf))
                return -1;
        } else {
            size_t st = p->pos;
            while (p->pos < p->len && (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_'))
                p->pos++;
            if (p->pos == st)
                return perr(p, "expected an object key");
            k = stoffel_vm_value_string(p->s + st, p->pos - st);
        }
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':')
            return perr(p, "expected `:` after an object key");
        p->pos++;
        stoffel_vm_value v;
        if (value(p, &v, ",}"))
            return -1;
        if (stoffel_vm_table_set(p->vm, out, &k, &v))
            return perr(p, "cannot store an object field");
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            return 0;
        }
        return perr(p, "expected `,` or `}`");
    }
}

static int value(parser *p, stoffel_vm_value *out, const char *stops)
{
    if (++p->depth > 32)
        return perr(p, "value nested too deeply");
    skip_ws(p);
    int rc;
    /* Quoted strings are unescaped into the parser's scratch; tables copy them at once. */
    if (p->pos < p->len && p->s[p->pos] == '[')
        rc = list(p, out);
    else if (p->pos < p->len && p->s[p->pos] == '{')
        rc = object(p, out);
    else if (p->pos < p->len && p->s[p->pos] == '"')
        rc = quoted(p, out, p->scratch, sizeof p->scratch);
    else {
        size_t st = p->pos;
        while (p->pos < p->len && !strchr(stops, p->s[p->pos]))
            p->pos++;
        rc = scalar(p, p->s + st, p->pos - st, out);
    }
    p->depth--;
    return rc;
}

static int parse_top(parser *pp, stoffel_vm_value *out);

int vm_input_parse(stoffel_vm *vm, const char *text, stoffel_vm_value *out, char **to_free, char *err, size_t err_len)
{
    *to_free = NULL;
    parser *pp = calloc(1, sizeof *pp);
    if (!pp) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    pp->vm = vm;
    pp->s = text;
    pp->len = strlen(text);
    pp->err = err;
    pp->err_len = err_len;
    int rc = parse_top(pp, out);
    if (rc == 0 && out->kind == STOFFEL_VM_STRING && out->as.str.ptr == pp->scratch) {
        /* A top-level quoted string: hand out a copy that outlives the parser. */
        char *copy = malloc(out->as.str.len + 1);
        if (!copy) {
            free(pp);
            return -1;
        }
        memcpy(copy, pp->scratch, out->as.str.len);
        copy[out->as.str.len] = 0;
        out->as.str.ptr = copy;
        *to_free = copy; /* the caller frees it once the VM has copied the value */
    }
    free(pp);
    return rc;
}

static int parse_top(parser *pp, stoffel_vm_value *out)
{
    skip_ws(pp);
    int top_list = pp->pos < pp->len && pp->s[pp->pos] != '[' && pp->s[pp->pos] != '{' && pp->s[pp->pos] != '"' && memchr(pp->s, ',', pp->len);
    if (top_list) {
        /* A bare a,b list. */
        if (stoffel_vm_new_array(pp->vm, out))
            return perr(pp, "cannot create an array");
        size_t i = 0;
        for (;;) {
            stoffel_vm_value v;
            if (value(pp, &v, ",") || push(pp, out, i++, &v))
                return -1;
            if (pp->pos < pp->len && pp->s[pp->pos] == ',') {
                pp->pos++;
                continue;
            }
            break;
        }
        return 0;
    }
    if (value(pp, out, ""))
        return -1;
    skip_ws(pp);
    if (pp->pos != pp->len)
        return perr(pp, "unexpected text after the value");
    return 0;
}
