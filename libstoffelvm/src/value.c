/* value.c - run-time values: reference-counted strings, closures and shares, equality, hashing,
 * type names, integer widths, and conversion to and from the public value struct. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vm_internal.h"

void val_release(vm_state *vm, vm_val *v)
{
    switch (v->kind) {
    case STOFFEL_VM_STRING:
        if (--v->as.s->rc == 0) {
            if (vm)
                vm->mem_used -= sizeof(vm_str) + v->as.s->len + 1;
            vm_free(vm, v->as.s);
        }
        break;
    case STOFFEL_VM_CLOSURE:
        if (--v->as.c->rc == 0) {
            vm_closure *c = v->as.c;
            for (size_t i = 0; i < c->n_up; i++) {
                vm_free(vm, c->names[i]);
                val_release(vm, &c->vals[i]);
            }
            vm_free(vm, c->names);
            vm_free(vm, c->vals);
            vm_free(vm, c->fn_name);
            vm_free(vm, c);
        }
        break;
    case STOFFEL_VM_SHARE:
        if (--v->as.sh->rc == 0) {
            vm_share *sh = v->as.sh;
            sodium_memzero(sh->bytes, sh->len);
            vm_free(vm, sh);
        }
        break;
    default: break;
    }
    v->kind = STOFFEL_VM_UNIT;
    v->as.u = 0;
}

int val_string(vm_state *vm, const char *s, size_t len, vm_val *out)
{
    *out = val_unit();
    if (len > VM_MAX_STRING * 4u)
        return vm_fail(vm, STOFFEL_ERR_LIMIT, "string of %zu bytes exceeds the string size limit", len);
    int rc = vm_mem_charge(vm, sizeof(vm_str) + len + 1);
    if (rc)
        return rc;
    vm_str *str = vm_malloc(vm, sizeof(vm_str) + len + 1);
    if (!str) {
        vm->mem_used -= sizeof(vm_str) + len + 1;
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    str->rc = 1;
    str->len = len;
    if (len)
        memcpy(str->data, s, len);
    str->data[len] = 0;
    out->kind = STOFFEL_VM_STRING;
    out->as.s = str;
    return 0;
}

int val_share(vm_state *vm, stoffel_vm_share_type type, const uint8_t *bytes, size_t len, vm_val *out)
{
    *out = val_unit();
    vm_share *sh = vm_malloc(vm, sizeof(vm_share) + len);
    if (!sh)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    sh->rc = 1;
    sh->type = type;
    sh->len = len;
    if (bytes)
        memcpy(sh->bytes, bytes, len);
    else
        memset(sh->bytes, 0, len);
    out->kind = STOFFEL_VM_SHARE;
    out->as.sh = sh;
    return 0;
}

int val_closure(vm_state *vm, const char *fn_name, size_t n_up, vm_val *out)
{
    *out = val_unit();
    vm_closure *c = vm_calloc(vm, 1, sizeof *c);
    if (!c)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    c->rc = 1;
    c->fn_name = vm_strdup_n(vm, fn_name, strlen(fn_name));
    if (n_up) {
        c->names = vm_calloc(vm, n_up, sizeof *c->names);
        c->vals = vm_calloc(vm, n_up, sizeof *c->vals);
    }
    if (!c->fn_name || (n_up && (!c->names || !c->vals))) {
        vm_free(vm, c->fn_name);
        vm_free(vm, c->names);
        vm_free(vm, c->vals);
        vm_free(vm, c);
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    c->n_up = n_up;
    out->kind = STOFFEL_VM_CLOSURE;
    out->as.c = c;
    return 0;
}

static uint64_t float_key_bits(double f)
{
    if (isnan(f))
        return 0x7ff8000000000000ull; /* all NaNs are one key */
    if (f == 0)
        return 0; /* +0 and -0 are one key */
    uint64_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

int val_equal(vm_state *vm, vm_val a, vm_val b, int depth)
{
    if (a.kind != b.kind)
        return 0;
    switch (a.kind) {
    case STOFFEL_VM_UNIT: return 1;
    case STOFFEL_VM_FLOAT: return float_key_bits(a.as.f) == float_key_bits(b.as.f);
    case STOFFEL_VM_BOOL: return a.as.b == b.as.b;
    case STOFFEL_VM_STRING:
        return a.as.s == b.as.s ||
               (a.as.s->len == b.as.s->len && memcmp(a.as.s->data, b.as.s->data, a.as.s->len) == 0);
    case STOFFEL_VM_ARRAY:
        if (a.as.id == b.as.id)
            return 1;
        if (vm && depth < 64) {
            vm_table *x = table_get(vm, a), *y = table_get(vm, b);
            if (!x || !y || x->length != y->length || x->length > VM_ITER_LIMIT)
                return 0;
            for (uint64_t i = 0; i < x->length; i++)
                if (!val_equal(vm, array_at(x, i), array_at(y, i), depth + 1))
                    return 0;
            return 1;
        }
        return 0;
    case STOFFEL_VM_CLOSURE:
        return a.as.c == b.as.c;
    case STOFFEL_VM_SHARE:
        return a.as.sh == b.as.sh ||
               (a.as.sh->len == b.as.sh->len && a.as.sh->type.kind == b.as.sh->type.kind &&
                a.as.sh->type.bits == b.as.sh->type.bits &&
                sodium_memcmp(a.as.sh->bytes, b.as.sh->bytes, a.as.sh->len) == 0);
    default: return a.as.u == b.as.u;
    }
}

uint64_t val_hash(vm_val v)
{
    uint64_t h = 0x9e3779b97f4a7c15ull * (v.kind + 1u);
    uint64_t x;
    switch (v.kind) {
    case STOFFEL_VM_UNIT: x = 0; break;
    case STOFFEL_VM_FLOAT: x = float_key_bits(v.as.f); break;
    case STOFFEL_VM_BOOL: x = v.as.b; break;
    case STOFFEL_VM_STRING:
        x = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < v.as.s->len; i++)
            x = (x ^ (uint8_t)v.as.s->data[i]) * 0x100000001b3ull;
        break;
    case STOFFEL_VM_CLOSURE: x = (uint64_t)(uintptr_t)v.as.c; break;
    case STOFFEL_VM_SHARE: x = v.as.sh->len; break;
    default: x = v.as.u; break;
    }
    x ^= h;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

const char *val_type_name(vm_state *vm, vm_val v)
{
    (void)vm;
    switch (v.kind) {
    case STOFFEL_VM_UNIT: return "nil";
    case STOFFEL_VM_I64: return "int64";
    case STOFFEL_VM_I32: return "int32";
    case STOFFEL_VM_I16: return "int16";
    case STOFFEL_VM_I8: return "int8";
    case STOFFEL_VM_U8: return "uint8";
    case STOFFEL_VM_U16: return "uint16";
    case STOFFEL_VM_U32: return "uint32";
    case STOFFEL_VM_U64: return "uint64";
    case STOFFEL_VM_FLOAT: return "float";
    case STOFFEL_VM_BOOL: return "boolean";
    case STOFFEL_VM_STRING: return "string";
    case STOFFEL_VM_OBJECT: return "object";
    case STOFFEL_VM_ARRAY: return "array";
    case STOFFEL_VM_FOREIGN: return "cffi_function";
    case STOFFEL_VM_CLOSURE: return "function";
    case STOFFEL_VM_SHARE: return "share";
    default: return "pending";
    }
}

int int_bits(uint8_t kind)
{
    switch (kind) {
    case STOFFEL_VM_I64: case STOFFEL_VM_U64: return 64;
    case STOFFEL_VM_I32: case STOFFEL_VM_U32: return 32;
    case STOFFEL_VM_I16: case STOFFEL_VM_U16: return 16;
    case STOFFEL_VM_I8: case STOFFEL_VM_U8: return 8;
    default: return 0;
    }
}

int int_fits(uint8_t kind, int64_t x)
{
    switch (kind) {
    case STOFFEL_VM_I32: return x >= INT32_MIN && x <= INT32_MAX;
    case STOFFEL_VM_I16: return x >= INT16_MIN && x <= INT16_MAX;
    case STOFFEL_VM_I8: return x >= INT8_MIN && x <= INT8_MAX;
    default: return 1;
    }
}

int uint_fits(uint8_t kind, uint64_t x)
{
    switch (kind) {
    case STOFFEL_VM_U32: return x <= UINT32_MAX;
    case STOFFEL_VM_U16: return x <= UINT16_MAX;
    case STOFFEL_VM_U8: return x <= UINT8_MAX;
    default: return 1;
    }
}

int val_as_i64(vm_val v, int64_t *out)
{
    if (IS_SIGNED_KIND(v.kind)) {
        *out = v.as.i;
        return 1;
    }
    if (v.kind >= STOFFEL_VM_U8 && v.kind <= STOFFEL_VM_U64) {
        if (v.as.u > (uint64_t)INT64_MAX)
            return 0;
        *out = (int64_t)v.as.u;
        return 1;
    }
    return 0;
}

int val_from_public(vm_state *vm, const stoffel_vm_value *in, vm_val *out)
{
    *out = val_unit();
    switch (in->kind) {
    case STOFFEL_VM_UNIT: return 0;
    case STOFFEL_VM_I64: case STOFFEL_VM_I32: case STOFFEL_VM_I16: case STOFFEL_VM_I8:
        if (!int_fits((uint8_t)in->kind, in->as.i))
            return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "integer %lld does not fit %s", (long long)in->as.i, val_type_name(vm, val_int_kind((uint8_t)in->kind, 0)));
        *out = val_int_kind((uint8_t)in->kind, in->as.i);
        return 0;
    case STOFFEL_VM_U8: case STOFFEL_VM_U16: case STOFFEL_VM_U32: case STOFFEL_VM_U64:
        if (!uint_fits((uint8_t)in->kind, in->as.u))
            return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "integer %llu does not fit %s", (unsigned long long)in->as.u, val_type_name(vm, val_int_kind((uint8_t)in->kind, 0)));
        out->kind = (uint8_t)in->kind;
        out->as.u = in->as.u;
        return 0;
    case STOFFEL_VM_FLOAT: *out = val_float(in->as.f); return 0;
    case STOFFEL_VM_BOOL: *out = val_bool(in->as.b); return 0;
    case STOFFEL_VM_STRING:
        if (in->as.str.len && !in->as.str.ptr)
            return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "string value without bytes");
        return val_string(vm, in->as.str.ptr, in->as.str.len, out);
    case STOFFEL_VM_OBJECT: case STOFFEL_VM_ARRAY: {
        vm_val t = {.kind = (uint8_t)in->kind};
        t.as.id = in->as.handle;
        vm_table *tb = table_get(vm, t);
        if (!tb || tb->is_array != (in->kind == STOFFEL_VM_ARRAY))
            return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "no %s with handle %llu in this VM", in->kind == STOFFEL_VM_ARRAY ? "array" : "object", (unsigned long long)in->as.handle);
        *out = t;
        return 0;
    }
    case STOFFEL_VM_FOREIGN:
        if (in->as.handle == 0 || in->as.handle > vm->nforeign)
            return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "no foreign object with id %llu", (unsigned long long)in->as.handle);
        out->kind = STOFFEL_VM_FOREIGN;
        out->as.id = in->as.handle;
        return 0;
    case STOFFEL_VM_CLOSURE: {
        if (!in->as.closure.name)
            return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "closure value without a function name");
        char *name = vm_strdup_n(vm, in->as.closure.name, in->as.closure.name_len);
        if (!name)
            return vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
        int rc = val_closure(vm, name, 0, out);
        vm_free(vm, name);
        return rc;
    }
    case STOFFEL_VM_SHARE:
        if (!vm->engine)
            return vm_error(vm, STOFFEL_VM_ERR_NO_ENGINE, "a share value needs an MPC engine attached to the VM");
        if (in->as.share.len != vm->share_size || !in->as.share.bytes)
            return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "share of %zu bytes, but the engine's shares have %zu", in->as.share.len, vm->share_size);
        return val_share(vm, in->as.share.type, in->as.share.bytes, in->as.share.len, out);
    default:
        return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "unknown value kind %d", (int)in->kind);
    }
}

void val_to_public(vm_state *vm, vm_val v, stoffel_vm_value *out)
{
    (void)vm;
    memset(out, 0, sizeof *out);
    out->kind = v.kind == VK_PENDING ? STOFFEL_VM_UNIT : (stoffel_vm_value_kind)v.kind;
    switch (v.kind) {
    case STOFFEL_VM_I64: case STOFFEL_VM_I32: case STOFFEL_VM_I16: case STOFFEL_VM_I8: out->as.i = v.as.i; break;
    case STOFFEL_VM_U8: case STOFFEL_VM_U16: case STOFFEL_VM_U32: case STOFFEL_VM_U64: out->as.u = v.as.u; break;
    case STOFFEL_VM_FLOAT: out->as.f = v.as.f; break;
    case STOFFEL_VM_BOOL: out->as.b = v.as.b; break;
    case STOFFEL_VM_STRING:
        out->as.str.ptr = v.as.s->data;
        out->as.str.len = v.as.s->len;
        break;
    case STOFFEL_VM_OBJECT: case STOFFEL_VM_ARRAY: case STOFFEL_VM_FOREIGN: out->as.handle = v.as.id; break;
    case STOFFEL_VM_CLOSURE:
        out->as.closure.name = v.as.c->fn_name;
        out->as.closure.name_len = strlen(v.as.c->fn_name);
        break;
    case STOFFEL_VM_SHARE:
        out->as.share.type = v.as.sh->type;
        out->as.share.bytes = v.as.sh->bytes;
        out->as.share.len = v.as.sh->len;
        break;
    default: break;
    }
}
