#define _GNU_SOURCE /* memmem */
/* builtins_collections.c - objects, arrays and strings as collections (spec §8.1): field access
 * with Pythonic indices, the list operations, range, slice and contains. */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"

/* ---- strings as sequences of characters (code points) ---------------------------------- */

static size_t utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((uint8_t)s[i] & 0xC0) != 0x80;
    return c;
}

/* Byte offset of character index ci (ci <= count). */
static size_t utf8_offset(const char *s, size_t n, size_t ci)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (((uint8_t)s[i] & 0xC0) != 0x80) {
            if (c == ci)
                return i;
            c++;
        }
    }
    return n;
}

/* Normalises a Pythonic index against len; 0 when out of range. */
static int norm_index(int64_t i, uint64_t len, uint64_t *out)
{
    if (i < 0) {
        if ((uint64_t)(-(i + 1)) >= len)
            return 0;
        *out = len - (uint64_t)(-(i + 1)) - 1;
        return 1;
    }
    if ((uint64_t)i >= len)
        return 0;
    *out = (uint64_t)i;
    return 1;
}

int field_get(vm_state *vm, vm_val table, vm_val key, vm_val *out)
{
    *out = val_unit();
    if (table.kind == STOFFEL_VM_STRING) {
        int64_t i;
        if (!IS_INT_KIND(key.kind) || !val_as_i64(key, &i))
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "get_field: a string index must be an integer, got %s", val_type_name(vm, key));
        const char *s = table.as.s->data;
        size_t n = table.as.s->len, count = utf8_count(s, n);
        uint64_t ci;
        if (!norm_index(i, count, &ci))
            return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "string index %lld out of range for length %zu", (long long)i, count);
        size_t a = utf8_offset(s, n, (size_t)ci), b = utf8_offset(s, n, (size_t)ci + 1);
        return val_string(vm, s + a, b - a, out);
    }
    vm_table *t = table_get(vm, table);
    if (!t)
        return 0; /* non-table -> Unit [RB] */
    if (t->is_array && IS_INT_KIND(key.kind)) {
        int64_t i;
        uint64_t idx;
        if (!val_as_i64(key, &i) || !norm_index(i, t->length, &idx))
            return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "array index %lld out of range for length %llu", (long long)key.as.i, (unsigned long long)t->length);
        if (key.kind == STOFFEL_VM_I64) {
            *out = array_at(t, idx);
        } else {
            /* Only I64 keys are indices; other widths live in the hash part. */
            *out = table_raw_get(t, key);
            if (out->kind == STOFFEL_VM_UNIT)
                *out = array_at(t, idx);
        }
        val_retain(*out);
        return 0;
    }
    *out = table_raw_get(t, key);
    val_retain(*out);
    return 0;
}

int field_set(vm_state *vm, vm_val table, vm_val key, vm_val val)
{
    vm_table *t = table_get(vm, table);
    if (!t)
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "set_field: expected an object or array, got %s", val_type_name(vm, table));
    if (key.kind == VK_PENDING || val.kind == VK_PENDING)
        return vm_fail(vm, STOFFEL_ERR_INTERNAL, "pending value stored");
    if (t->is_array && key.kind == STOFFEL_VM_I64) {
        int64_t i = key.as.i;
        if (i < 0) {
            if ((uint64_t)(-(i + 1)) >= t->length)
                return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "array index %lld out of range for length %llu", (long long)i, (unsigned long long)t->length);
            i = (int64_t)(t->length - (uint64_t)(-(i + 1)) - 1);
        }
        return array_set(vm, t, (uint64_t)i, val);
    }
    return table_raw_set(vm, t, key, val);
}

static vm_table *want_array(vm_state *vm, const char *name, vm_val *args, size_t i)
{
    vm_table *t = table_get(vm, args[i]);
    if (!t || !t->is_array) {
        bi_type(vm, name, i, args[i], "an array");
        return NULL;
    }
    if (t->length > VM_ITER_LIMIT) {
        vm_fail(vm, STOFFEL_ERR_LIMIT, "%s: array of length %llu is longer than the %llu elements it can walk", name,
                (unsigned long long)t->length, (unsigned long long)VM_ITER_LIMIT);
        return NULL;
    }
    return t;
}

#define WANT_ARRAY(var, name, i)                   \
    vm_table *var = want_array(vm, name, args, i); \
    if (!var)                                      \
        return table_get(vm, args[i]) ? STOFFEL_ERR_LIMIT : STOFFEL_VM_ERR_TYPE;

static int b_create_object(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)args;
    ARITY("create_object", 0, 0);
    return table_new(vm, 0, out);
}

static int b_create_array(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("create_array", 0, 1);
    if (nargs == 1 && !IS_INT_KIND(args[0].kind))
        return bi_type(vm, "create_array", 0, args[0], "an integer capacity");
    return table_new(vm, 1, out); /* the capacity is only a hint */
}

/* FIELD_* for objects, ELEMENT_* for arrays. */
static stoffel_vm_event_kind access_kind(vm_state *vm, vm_val table, int write)
{
    vm_table *t = table_get(vm, table);
    if (t && t->is_array)
        return write ? STOFFEL_VM_EVENT_ELEMENT_WRITE : STOFFEL_VM_EVENT_ELEMENT_READ;
    return write ? STOFFEL_VM_EVENT_FIELD_WRITE : STOFFEL_VM_EVENT_FIELD_READ;
}

static int b_get_field(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("get_field", 2, 2);
    int rc = field_get(vm, args[0], args[1], out);
    if (!rc && vm->hook && table_get(vm, args[0]))
        rc = vm_hook_access(vm, access_kind(vm, args[0], 0), args[0], args[1], val_unit(), *out);
    return rc;
}

static int b_set_field(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("set_field", 3, 3);
    vm_val old = val_unit();
    if (vm->hook && table_get(vm, args[0]) && field_get(vm, args[0], args[1], &old))
        old = val_unit(); /* an index out of range: the write reports the error */
    int rc = field_set(vm, args[0], args[1], args[2]);
    if (!rc && vm->hook)
        rc = vm_hook_access(vm, access_kind(vm, args[0], 1), args[0], args[1], old, args[2]);
    val_release(vm, &old);
    return rc;
}

static int b_get_or_create_array_field(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("get_or_create_array_field", 2, 2);
    vm_table *t = table_get(vm, args[0]);
    if (!t)
        return bi_type(vm, "get_or_create_array_field", 0, args[0], "an object or array");
    vm_val cur = table_raw_get(t, args[1]);
    if (cur.kind == STOFFEL_VM_ARRAY) {
        *out = cur;
        return 0;
    }
    int rc = table_new(vm, 1, out);
    if (!rc)
        rc = field_set(vm, args[0], args[1], *out);
    return rc;
}

static int b_len(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("len", 1, 1);
    if (args[0].kind == STOFFEL_VM_STRING) {
        *out = val_i64((int64_t)utf8_count(args[0].as.s->data, args[0].as.s->len));
        return 0;
    }
    vm_table *t = table_get(vm, args[0]);
    if (!t)
        return bi_type(vm, "len", 0, args[0], "an array or string");
    *out = val_i64(t->is_array ? (int64_t)t->length : (int64_t)map_count(&t->map));
    return 0;
}

static int b_array_push(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("array_push", 1, SIZE_MAX);
    WANT_ARRAY(t, "array_push", 0);
    for (size_t i = 1; i < nargs; i++) {
        int rc = array_push(vm, t, args[i]);
        if (rc)
            return rc;
    }
    *out = val_i64((int64_t)t->length);
    return 0;
}

static int b_append(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = b_array_push(vm, args, nargs, out);
    *out = val_unit();
    return rc;
}

static int b_extend(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("extend", 2, 2);
    WANT_ARRAY(a, "extend", 0);
    WANT_ARRAY(b, "extend", 1);
    uint64_t n = b->length;
    for (uint64_t i = 0; i < n; i++) {
        int rc = array_push(vm, a, array_at(b, i));
        if (rc)
            return rc;
    }
    return 0;
}

static int b_array_concat(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("array_concat", 2, 2);
    WANT_ARRAY(a, "array_concat", 0);
    WANT_ARRAY(b, "array_concat", 1);
    int rc = table_new(vm, 1, out);
    if (rc)
        return rc;
    vm_table *r = table_get(vm, *out);
    a = table_get(vm, args[0]);
    b = table_get(vm, args[1]);
    for (uint64_t i = 0; i < a->length && !rc; i++)
        rc = array_push(vm, r, array_at(a, i));
    for (uint64_t i = 0; i < b->length && !rc; i++)
        rc = array_push(vm, r, array_at(b, i));
    return rc;
}

static int b_array_repeat(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("array_repeat", 2, 2);
    WANT_ARRAY(a, "array_repeat", 0);
    int64_t n;
    int rc = bi_int(vm, "array_repeat", args, 1, &n);
    if (rc)
        return rc;
    if ((rc = table_new(vm, 1, out)))
        return rc;
    vm_table *r = table_get(vm, *out);
    a = table_get(vm, args[0]);
    for (int64_t k = 0; k < n && !rc; k++)
        for (uint64_t i = 0; i < a->length && !rc; i++)
            rc = array_push(vm, r, array_at(a, i));
    return rc;
}

static int b_array_equals(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("array_equals", 2, 2);
    WANT_ARRAY(a, "array_equals", 0);
    WANT_ARRAY(b, "array_equals", 1);
    (void)a;
    (void)b;
    *out = val_bool(val_equal(vm, args[0], args[1], 0));
    return 0;
}

static int b_copy(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("copy", 1, 1);
    WANT_ARRAY(a, "copy", 0);
    (void)a;
    int rc = table_new(vm, 1, out);
    vm_table *r = table_get(vm, *out);
    a = table_get(vm, args[0]);
    for (uint64_t i = 0; i < a->length && !rc; i++)
        rc = array_push(vm, r, array_at(a, i));
    return rc;
}

static int b_count(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("count", 2, 2);
    WANT_ARRAY(a, "count", 0);
    int64_t c = 0;
    for (uint64_t i = 0; i < a->length; i++)
        c += val_equal(vm, array_at(a, i), args[1], 0);
    *out = val_i64(c);
    return 0;
}

/* Clamps a Pythonic slice bound into [0, len]. */
static uint64_t clamp_bound(int64_t i, uint64_t len)
{
    if (i < 0) {
        uint64_t back = (uint64_t)(-(i + 1)) + 1;
        return back >= len ? 0 : len - back;
    }
    return (uint64_t)i > len ? len : (uint64_t)i;
}

static int b_index(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("index", 2, 4);
    WANT_ARRAY(a, "index", 0);
    uint64_t start = 0, stop = a->length;
    int64_t x;
    if (nargs >= 3) {
        int rc = bi_int(vm, "index", args, 2, &x);
        if (rc)
            return rc;
        start = clamp_bound(x, a->length);
    }
    if (nargs >= 4) {
        int rc = bi_int(vm, "index", args, 3, &x);
        if (rc)
            return rc;
        stop = clamp_bound(x, a->length);
    }
    for (uint64_t i = start; i < stop; i++)
        if (val_equal(vm, array_at(a, i), args[1], 0)) {
            *out = val_i64((int64_t)i);
            return 0;
        }
    return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "index: value is not in the array");
}

/* Copies an array's elements out (retained) for in-place rewrites. */
static vm_val *array_elems(vm_state *vm, vm_table *t, uint64_t *n)
{
    *n = t->length;
    vm_val *e = vm_malloc(vm, (t->length ? t->length : 1) * sizeof *e);
    if (!e) {
        vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (uint64_t i = 0; i < t->length; i++)
        e[i] = array_at(t, i);
    return e;
}

static int b_pop(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("pop", 1, 2);
    WANT_ARRAY(a, "pop", 0);
    if (a->length == 0)
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "pop from an empty array");
    uint64_t idx = a->length - 1;
    if (nargs == 2) {
        int64_t i;
        int rc = bi_int(vm, "pop", args, 1, &i);
        if (rc)
            return rc;
        if (!norm_index(i, a->length, &idx))
            return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "pop index %lld out of range for length %llu", (long long)i, (unsigned long long)a->length);
    }
    uint64_t n;
    vm_val *e = array_elems(vm, a, &n);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    *out = e[idx];
    val_retain(*out);
    memmove(e + idx, e + idx + 1, (n - idx - 1) * sizeof *e);
    int rc = array_assign(vm, a, e, n - 1);
    vm_free(vm, e);
    return rc;
}

static int b_remove(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("remove", 2, 2);
    WANT_ARRAY(a, "remove", 0);
    for (uint64_t i = 0; i < a->length; i++)
        if (val_equal(vm, array_at(a, i), args[1], 0)) {
            uint64_t n;
            vm_val *e = array_elems(vm, a, &n);
            if (!e)
                return STOFFEL_ERR_NOMEM;
            memmove(e + i, e + i + 1, (n - i - 1) * sizeof *e);
            int rc = array_assign(vm, a, e, n - 1);
            vm_free(vm, e);
            return rc;
        }
    return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "remove: value is not in the array");
}

static int b_insert(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("insert", 3, 3);
    WANT_ARRAY(a, "insert", 0);
    int64_t i;
    int rc = bi_int(vm, "insert", args, 1, &i);
    if (rc)
        return rc;
    uint64_t at = clamp_bound(i, a->length), n;
    vm_val *e = array_elems(vm, a, &n);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    vm_val *g = vm_realloc(vm, e, (n + 1) * sizeof *g);
    if (!g) {
        vm_free(vm, e);
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    memmove(g + at + 1, g + at, (n - at) * sizeof *g);
    g[at] = args[2];
    rc = array_assign(vm, a, g, n + 1);
    vm_free(vm, g);
    return rc;
}

static int b_delete(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("delete", 2, 2);
    vm_table *t = table_get(vm, args[0]);
    if (t && !t->is_array) {
        table_raw_delete(vm, t, args[1]);
        return 0;
    }
    WANT_ARRAY(a, "delete", 0);
    int64_t i;
    int rc = bi_int(vm, "delete", args, 1, &i);
    if (rc)
        return rc;
    uint64_t idx, n;
    if (!norm_index(i, a->length, &idx))
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "delete index %lld out of range for length %llu", (long long)i, (unsigned long long)a->length);
    vm_val *e = array_elems(vm, a, &n);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    memmove(e + idx, e + idx + 1, (n - idx - 1) * sizeof *e);
    rc = array_assign(vm, a, e, n - 1);
    vm_free(vm, e);
    return rc;
}

static int b_clear(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("clear", 1, 1);
    WANT_ARRAY(a, "clear", 0);
    return array_assign(vm, a, NULL, 0);
}

static int b_reverse(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("reverse", 1, 1);
    WANT_ARRAY(a, "reverse", 0);
    uint64_t n;
    vm_val *e = array_elems(vm, a, &n);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    for (uint64_t i = 0; i < n / 2; i++) {
        vm_val t = e[i];
        e[i] = e[n - 1 - i];
        e[n - 1 - i] = t;
    }
    int rc = array_assign(vm, a, e, n);
    vm_free(vm, e);
    return rc;
}

/* Stable merge sort with CMP ordering; an incomparable pair fails. */
static int merge_sort(vm_state *vm, vm_val *e, vm_val *tmp, uint64_t n)
{
    if (n < 2)
        return 0;
    uint64_t m = n / 2;
    int rc = merge_sort(vm, e, tmp, m);
    if (!rc)
        rc = merge_sort(vm, e + m, tmp, n - m);
    if (rc)
        return rc;
    uint64_t i = 0, j = m, k = 0;
    while (i < m && j < n) {
        int ord;
        if ((rc = vm_compare(vm, e[j], e[i], &ord)))
            return rc;
        tmp[k++] = ord < 0 ? e[j++] : e[i++];
    }
    while (i < m)
        tmp[k++] = e[i++];
    while (j < n)
        tmp[k++] = e[j++];
    memcpy(e, tmp, n * sizeof *e);
    return 0;
}

static int b_sort(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("sort", 1, 1);
    WANT_ARRAY(a, "sort", 0);
    uint64_t n;
    vm_val *e = array_elems(vm, a, &n);
    vm_val *tmp = vm_malloc(vm, (n ? n : 1) * sizeof *tmp);
    if (!e || !tmp) {
        vm_free(vm, e);
        vm_free(vm, tmp);
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    int rc = merge_sort(vm, e, tmp, n);
    if (!rc)
        rc = array_assign(vm, a, e, n);
    vm_free(vm, e);
    vm_free(vm, tmp);
    return rc;
}

static int b_range(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("range", 2, 3);
    int64_t start, stop, step = 1;
    int rc = bi_int(vm, "range", args, 0, &start);
    if (!rc)
        rc = bi_int(vm, "range", args, 1, &stop);
    if (!rc && nargs == 3)
        rc = bi_int(vm, "range", args, 2, &step);
    if (rc)
        return rc;
    if (step == 0)
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "range: step must not be zero");
    if ((rc = table_new(vm, 1, out)))
        return rc;
    vm_table *t = table_get(vm, *out);
    for (int64_t i = start; (step > 0 ? i < stop : i > stop) && !rc;) {
        rc = array_push(vm, t, val_i64(i));
        if (__builtin_add_overflow(i, step, &i))
            break;
    }
    return rc;
}

/* Python slice indices for (start, stop, step) over len. */
static int slice_bound(vm_state *vm, vm_val v, int64_t dflt, int64_t len, int64_t step, int64_t *out, size_t argi)
{
    if (v.kind == STOFFEL_VM_UNIT || (v.kind == STOFFEL_VM_I64 && v.as.i == INT64_MAX && argi == 2)) {
        *out = dflt;
        return 0;
    }
    int64_t x;
    if (!IS_INT_KIND(v.kind) || !val_as_i64(v, &x))
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "slice: bounds must be integers or nil, got %s", val_type_name(vm, v));
    if (v.kind == STOFFEL_VM_I64 && x == INT64_MAX) {
        *out = dflt;
        return 0;
    }
    if (x < 0) {
        x += len;
        if (x < 0)
            x = step < 0 ? -1 : 0;
    } else if (x >= len) {
        x = step < 0 ? len - 1 : len;
    }
    *out = x;
    return 0;
}

static int b_slice(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("slice", 3, 4);
    int64_t step = 1;
    if (nargs == 4 && args[3].kind != STOFFEL_VM_UNIT) {
        int rc = bi_int(vm, "slice", args, 3, &step);
        if (rc)
            return rc;
        if (step == 0)
            return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "slice: step must not be zero");
    }
    int is_str = args[0].kind == STOFFEL_VM_STRING;
    vm_table *t = is_str ? NULL : table_get(vm, args[0]);
    if (!is_str && (!t || !t->is_array))
        return bi_type(vm, "slice", 0, args[0], "an array or string");
    int64_t len = is_str ? (int64_t)utf8_count(args[0].as.s->data, args[0].as.s->len) : (int64_t)t->length;
    int64_t start, stop;
    int rc = slice_bound(vm, args[1], step > 0 ? 0 : len - 1, len, step, &start, 1);
    if (!rc)
        rc = slice_bound(vm, args[2], step > 0 ? len : -1, len, step, &stop, 2);
    if (rc)
        return rc;
    if (is_str) {
        const char *s = args[0].as.s->data;
        size_t n = args[0].as.s->len;
        vm_sbuf b = {.vm = vm};
        sbuf_put(&b, "", 0);
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            size_t x = utf8_offset(s, n, (size_t)i), y = utf8_offset(s, n, (size_t)i + 1);
            sbuf_put(&b, s + x, y - x);
        }
        rc = b.failed ? vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory") : val_string(vm, b.buf, b.len, out);
        sbuf_free(&b);
        return rc;
    }
    if ((rc = table_new(vm, 1, out)))
        return rc;
    vm_table *r = table_get(vm, *out);
    t = table_get(vm, args[0]);
    for (int64_t i = start; (step > 0 ? i < stop : i > stop) && !rc; i += step)
        rc = array_push(vm, r, array_at(t, (uint64_t)i));
    return rc;
}

static int b_contains(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("contains", 2, 2);
    if (args[0].kind == STOFFEL_VM_STRING) {
        if (args[1].kind != STOFFEL_VM_STRING)
            return bi_type(vm, "contains", 1, args[1], "a string");
        *out = val_bool(memmem(args[0].as.s->data, args[0].as.s->len, args[1].as.s->data, args[1].as.s->len) != NULL);
        return 0;
    }
    vm_table *t = table_get(vm, args[0]);
    if (!t)
        return bi_type(vm, "contains", 0, args[0], "a string, array or object");
    if (t->is_array) {
        if (t->length > VM_ITER_LIMIT)
            return vm_fail(vm, STOFFEL_ERR_LIMIT, "contains: array of length %llu is too long to walk", (unsigned long long)t->length);
        for (uint64_t i = 0; i < t->length; i++)
            if (val_equal(vm, array_at(t, i), args[1], 0)) {
                *out = val_bool(1);
                return 0;
            }
        *out = val_bool(0);
        return 0;
    }
    vm_val v = table_raw_get(t, args[1]);
    int found = v.kind != STOFFEL_VM_UNIT;
    if (!found)
        for (size_t i = 0; i < t->map.count && !found; i++)
            found = t->map.entries[i].live && val_equal(vm, t->map.entries[i].key, args[1], 0);
    *out = val_bool(found);
    return 0;
}

int register_collection_builtins(vm_state *vm)
{
    static const struct {
        const char *name;
        vm_builtin_fn fn;
    } table[] = {
        {"create_object", b_create_object}, {"create_array", b_create_array},
        {"get_field", b_get_field}, {"set_field", b_set_field},
        {"get_or_create_array_field", b_get_or_create_array_field},
        {"array_length", b_len}, {"len", b_len},
        {"array_push", b_array_push}, {"append", b_append}, {"extend", b_extend},
        {"array_concat", b_array_concat}, {"array_repeat", b_array_repeat},
        {"array_equals", b_array_equals}, {"copy", b_copy}, {"count", b_count},
        {"index", b_index}, {"pop", b_pop}, {"remove", b_remove}, {"insert", b_insert},
        {"delete", b_delete}, {"clear", b_clear}, {"reverse", b_reverse}, {"sort", b_sort},
        {"range", b_range}, {"slice", b_slice}, {"contains", b_contains},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        int rc = vm_register_builtin(vm, table[i].name, table[i].fn);
        if (rc)
            return rc;
    }
    return 0;
}
