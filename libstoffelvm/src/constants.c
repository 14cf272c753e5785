/* constants.c - bytecode constants: equality, hashing, formatting, and the deduplicating pool. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program_internal.h"
#include "format.h"

static uint64_t float_bits(double f)
{
    uint64_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

int vm_const_in_range(const stoffel_vm_value *v)
{
    switch (v->kind) {
    case STOFFEL_VM_I32: return v->as.i >= INT32_MIN && v->as.i <= INT32_MAX;
    case STOFFEL_VM_I16: return v->as.i >= INT16_MIN && v->as.i <= INT16_MAX;
    case STOFFEL_VM_I8: return v->as.i >= INT8_MIN && v->as.i <= INT8_MAX;
    case STOFFEL_VM_U8: return v->as.u <= UINT8_MAX;
    case STOFFEL_VM_U16: return v->as.u <= UINT16_MAX;
    case STOFFEL_VM_U32: return v->as.u <= UINT32_MAX;
    default: return 1;
    }
}

int vm_const_equal(const stoffel_vm_value *a, const stoffel_vm_value *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case STOFFEL_VM_UNIT: return 1;
    case STOFFEL_VM_I64: case STOFFEL_VM_I32: case STOFFEL_VM_I16: case STOFFEL_VM_I8:
        return a->as.i == b->as.i;
    case STOFFEL_VM_U8: case STOFFEL_VM_U16: case STOFFEL_VM_U32: case STOFFEL_VM_U64:
        return a->as.u == b->as.u;
    case STOFFEL_VM_FLOAT: return float_bits(a->as.f) == float_bits(b->as.f);
    case STOFFEL_VM_BOOL: return !a->as.b == !b->as.b;
    case STOFFEL_VM_STRING:
        return a->as.str.len == b->as.str.len &&
               (a->as.str.len == 0 || memcmp(a->as.str.ptr, b->as.str.ptr, a->as.str.len) == 0);
    default: return 0;
    }
}

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

uint64_t vm_const_hash(const stoffel_vm_value *v)
{
    uint64_t h = mix(0x12345, (uint64_t)v->kind);
    switch (v->kind) {
    case STOFFEL_VM_I64: case STOFFEL_VM_I32: case STOFFEL_VM_I16: case STOFFEL_VM_I8:
        return mix(h, (uint64_t)v->as.i);
    case STOFFEL_VM_U8: case STOFFEL_VM_U16: case STOFFEL_VM_U32: case STOFFEL_VM_U64:
        return mix(h, v->as.u);
    case STOFFEL_VM_FLOAT: return mix(h, float_bits(v->as.f));
    case STOFFEL_VM_BOOL: return mix(h, v->as.b != 0);
    case STOFFEL_VM_STRING:
        for (size_t i = 0; i < v->as.str.len; i++)
            h = (h ^ (uint8_t)v->as.str.ptr[i]) * 0x100000001b3ull;
        return mix(h, v->as.str.len);
    default: return h;
    }
}

int vm_const_format(const stoffel_vm_value *v, char *buf, size_t len)
{
    char tmp[64];
    switch (v->kind) {
    case STOFFEL_VM_UNIT: return snprintf(buf, len, "Unit");
    case STOFFEL_VM_I64: return snprintf(buf, len, "I64(%" PRId64 ")", v->as.i);
    case STOFFEL_VM_I32: return snprintf(buf, len, "I32(%" PRId64 ")", v->as.i);
    case STOFFEL_VM_I16: return snprintf(buf, len, "I16(%" PRId64 ")", v->as.i);
    case STOFFEL_VM_I8: return snprintf(buf, len, "I8(%" PRId64 ")", v->as.i);
    case STOFFEL_VM_U8: return snprintf(buf, len, "U8(%" PRIu64 ")", v->as.u);
    case STOFFEL_VM_U16: return snprintf(buf, len, "U16(%" PRIu64 ")", v->as.u);
    case STOFFEL_VM_U32: return snprintf(buf, len, "U32(%" PRIu64 ")", v->as.u);
    case STOFFEL_VM_U64: return snprintf(buf, len, "U64(%" PRIu64 ")", v->as.u);
    case STOFFEL_VM_FLOAT:
        fmt_f64_display(v->as.f, tmp, sizeof tmp);
        return snprintf(buf, len, "Float(%s)", tmp);
    case STOFFEL_VM_BOOL: return snprintf(buf, len, "Bool(%s)", v->as.b ? "true" : "false");
    case STOFFEL_VM_STRING: {
        /* Quote and escape like Rust's Debug for str (quotes, backslashes, control characters). */
        size_t n = 0;
        int total = 0;
#define PUT_(c)                      \
    do {                             \
        if (n + 1 < len)             \
            buf[n++] = (char)(c);    \
        total++;                     \
    } while (0)
        const char *pre = "String(\"";
        for (const char *p = pre; *p; p++)
            PUT_(*p);
        for (size_t i = 0; i < v->as.str.len; i++) {
            unsigned char c = (unsigned char)v->as.str.ptr[i];
            if (c == '"' || c == '\\') {
                PUT_('\\');
                PUT_(c);
            } else if (c == '\n') {
                PUT_('\\');
                PUT_('n');
            } else if (c == '\t') {
                PUT_('\\');
                PUT_('t');
            } else if (c == '\r') {
                PUT_('\\');
                PUT_('r');
            } else if (c < 0x20 || c == 0x7f) {
                char e[12];
                snprintf(e, sizeof e, "\\u{%x}", c);
                for (char *p = e; *p; p++)
                    PUT_(*p);
            } else {
                PUT_(c);
            }
        }
        PUT_('"');
        PUT_(')');
#undef PUT_
        if (len)
            buf[n < len ? n : len - 1] = 0;
        return total;
    }
    default: return snprintf(buf, len, "?");
    }
}

void vm_const_pool_free(vm_const_pool *pool)
{
    for (size_t i = 0; i < pool->count; i++)
        if (pool->vals[i].kind == STOFFEL_VM_STRING)
            free((char *)pool->vals[i].as.str.ptr);
    free(pool->vals);
    free(pool->slots);
    memset(pool, 0, sizeof *pool);
}

static int pool_rehash(vm_const_pool *pool, size_t cap)
{
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return STOFFEL_ERR_NOMEM;
    for (size_t i = 0; i < pool->count; i++) {
        size_t s = vm_const_hash(&pool->vals[i]) & (cap - 1);
        while (slots[s])
            s = (s + 1) & (cap - 1);
        slots[s] = (uint32_t)i + 1;
    }
    free(pool->slots);
    pool->slots = slots;
    pool->slot_cap = cap;
    return 0;
}

int vm_const_pool_add(vm_const_pool *pool, const stoffel_vm_value *v, uint32_t *index)
{
    if ((pool->count + 1) * 2 > pool->slot_cap &&
        pool_rehash(pool, pool->slot_cap ? pool->slot_cap * 2 : 64))
        return STOFFEL_ERR_NOMEM;
    uint64_t h = vm_const_hash(v);
    size_t s = h & (pool->slot_cap - 1);
    while (pool->slots[s]) {
        uint32_t i = pool->slots[s] - 1;
        if (vm_const_equal(&pool->vals[i], v)) {
            *index = i;
            return 0;
        }
        s = (s + 1) & (pool->slot_cap - 1);
    }
    if (pool->count >= VM_MAX_CONSTANTS)
        return STOFFEL_ERR_LIMIT;
    if (pool->count == pool->cap) {
        size_t cap = pool->cap ? pool->cap * 2 : 16;
        stoffel_vm_value *vals = realloc(pool->vals, cap * sizeof *vals);
        if (!vals)
            return STOFFEL_ERR_NOMEM;
        pool->vals = vals;
        pool->cap = cap;
    }
    stoffel_vm_value c = *v;
    if (v->kind == STOFFEL_VM_STRING) {
        c.as.str.ptr = vm_strndup(v->as.str.ptr, v->as.str.len);
        if (!c.as.str.ptr)
            return STOFFEL_ERR_NOMEM;
    }
    if (v->kind == STOFFEL_VM_BOOL)
        c.as.b = v->as.b != 0;
    pool->vals[pool->count] = c;
    pool->slots[s] = (uint32_t)pool->count + 1;
    *index = (uint32_t)pool->count++;
    return 0;
}
