/* format_value.c - print / to_string (spec §5.1) and `Program returned:` (§5.2) formatting. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "vm_internal.h"

void sbuf_put(vm_sbuf *s, const char *p, size_t n)
{
    if (s->failed)
        return;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *b = s->vm ? vm_realloc(s->vm, s->buf, cap) : realloc(s->buf, cap);
        if (!b) {
            s->failed = 1;
            return;
        }
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = 0;
}

void sbuf_printf(vm_sbuf *s, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        s->failed = 1;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        sbuf_put(s, tmp, (size_t)n);
        return;
    }
    char *big = s->vm ? vm_malloc(s->vm, (size_t)n + 1) : malloc((size_t)n + 1);
    if (!big) {
        s->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sbuf_put(s, big, (size_t)n);
    if (s->vm)
        vm_free(s->vm, big);
    else
        free(big);
}

void sbuf_free(vm_sbuf *s)
{
    if (s->vm)
        vm_free(s->vm, s->buf);
    else
        free(s->buf);
    s->buf = NULL;
}

static void put_quoted(vm_sbuf *s, const char *p, size_t n)
{
    sbuf_put(s, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '"' || c == '\\') {
            sbuf_put(s, "\\", 1);
            sbuf_put(s, &c, 1);
        } else if (c == '\n') {
            sbuf_put(s, "\\n", 2);
        } else if (c == '\t') {
            sbuf_put(s, "\\t", 2);
        } else if (c == '\r') {
            sbuf_put(s, "\\r", 2);
        } else {
            sbuf_put(s, &c, 1);
        }
    }
    sbuf_put(s, "\"", 1);
}

static void put_share_type(vm_sbuf *s, stoffel_vm_share_type t)
{
    switch (t.kind) {
    case STOFFEL_VM_SECRET_INT: sbuf_printf(s, "SecretInt { bit_length: %u }", t.bits); break;
    case STOFFEL_VM_SECRET_UINT: sbuf_printf(s, "SecretUInt { bit_length: %u }", t.bits); break;
    default: sbuf_printf(s, "SecretFixedPoint { precision: FixedPointPrecision { k: %u, f: %u } }", t.bits, t.frac); break;
    }
}

static const char *int_suffix(uint8_t kind)
{
    switch (kind) {
    case STOFFEL_VM_I32: return "i32";
    case STOFFEL_VM_I16: return "i16";
    case STOFFEL_VM_I8: return "i8";
    case STOFFEL_VM_U8: return "u8";
    case STOFFEL_VM_U16: return "u16";
    case STOFFEL_VM_U32: return "u32";
    case STOFFEL_VM_U64: return "u64";
    default: return "";
    }
}

/* depth: 0 = top level. Containers nest at most 3 levels deep in print [RB]. */
void format_value(vm_state *vm, vm_sbuf *s, vm_val v, stoffel_vm_format_style style, int depth)
{
    int result = style == STOFFEL_VM_FORMAT_RESULT;
    char tmp[400];
    switch (v.kind) {
    case STOFFEL_VM_UNIT: sbuf_put(s, "()", 2); return;
    case STOFFEL_VM_I64: case STOFFEL_VM_I32: case STOFFEL_VM_I16: case STOFFEL_VM_I8:
        sbuf_printf(s, "%" PRId64 "%s", v.as.i, result ? "" : int_suffix(v.kind));
        return;
    case STOFFEL_VM_U8: case STOFFEL_VM_U16: case STOFFEL_VM_U32: case STOFFEL_VM_U64:
        sbuf_printf(s, "%" PRIu64 "%s", v.as.u, result ? "" : int_suffix(v.kind));
        return;
    case STOFFEL_VM_FLOAT:
        fmt_f64_display(v.as.f, tmp, sizeof tmp);
        sbuf_printf(s, "%s%s", tmp, result ? "" : "f64");
        return;
    case STOFFEL_VM_BOOL: sbuf_printf(s, "%s", v.as.b ? "true" : "false"); return;
    case STOFFEL_VM_STRING:
        if (result || depth > 0)
            put_quoted(s, v.as.s->data, v.as.s->len);
        else
            sbuf_put(s, v.as.s->data, v.as.s->len);
        return;
    case STOFFEL_VM_ARRAY: {
        vm_table *t = table_get(vm, v);
        if (!t) {
            sbuf_put(s, "[]", 2);
            return;
        }
        if (result && t->length > 0 && t->length <= VM_ITER_LIMIT) {
            /* A non-empty array of U8 values prints as bytes. */
            int all_u8 = 1;
            for (uint64_t i = 0; i < t->length && all_u8; i++)
                all_u8 = array_at(t, i).kind == STOFFEL_VM_U8;
            if (all_u8) {
                sbuf_printf(s, "byte[%" PRIu64 "] 0x", t->length);
                for (uint64_t i = 0; i < t->length; i++)
                    sbuf_printf(s, "%02x", (unsigned)array_at(t, i).as.u);
                return;
            }
        }
        if (depth >= 3) {
            sbuf_put(s, "[...]", 5);
            return;
        }
        uint64_t limit = result ? 64 : 16;
        sbuf_put(s, "[", 1);
        for (uint64_t i = 0; i < t->length && i < limit; i++) {
            if (i)
                sbuf_put(s, ", ", 2);
            format_value(vm, s, array_at(t, i), style, depth + 1);
        }
        if (t->length > limit)
            sbuf_printf(s, ", ...(%" PRIu64 " more)", t->length - limit);
        sbuf_put(s, "]", 1);
        return;
    }
    case STOFFEL_VM_OBJECT: {
        vm_table *t = table_get(vm, v);
        if (!t) {
            sbuf_put(s, "{}", 2);
            return;
        }
        if (depth >= 3) {
            sbuf_put(s, "{...}", 5);
            return;
        }
        sbuf_put(s, "{", 1);
        int first = 1;
        for (size_t i = 0; i < t->map.count; i++) {
            vm_entry *e = &t->map.entries[i];
            if (!e->live)
                continue;
            if (!first)
                sbuf_put(s, ", ", 2);
            first = 0;
            format_value(vm, s, e->key, style, depth + 1);
            sbuf_put(s, ": ", 2);
            format_value(vm, s, e->val, style, depth + 1);
        }
        sbuf_put(s, "}", 1);
        return;
    }
    case STOFFEL_VM_FOREIGN: sbuf_printf(s, "Foreign(%" PRIu64 ")", v.as.id); return;
    case STOFFEL_VM_CLOSURE: sbuf_printf(s, "Function(%s)", v.as.c->fn_name); return;
    case STOFFEL_VM_SHARE:
        sbuf_put(s, "Share(", 6);
        put_share_type(s, v.as.sh->type);
        sbuf_put(s, ")", 1);
        return;
    default: sbuf_put(s, "<pending>", 9); return;
    }
}
