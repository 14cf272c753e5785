/*
 * storage.c - LocalStorage.* builtins over the host's key-value store (spec §8.2), the value
 * encoding stored there (ours: tag byte + little-endian payload, nested tables recursively), and
 * the in-memory store for tests and simple hosts.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "builtins.h"

/* ---- value encoding ------------------------------------------------------------------------ */

static void put_le(vm_sbuf *s, uint64_t x, int n)
{
    char b[8];
    for (int i = 0; i < n; i++)
        b[i] = (char)(x >> (8 * i));
    sbuf_put(s, b, (size_t)n);
}

static int encode(vm_state *vm, vm_sbuf *s, vm_val v, int depth)
{
    if (depth > 64)
        return vm_fail(vm, STOFFEL_ERR_LIMIT, "LocalStorage.store: value nested deeper than 64 levels");
    char tag = (char)v.kind;
    sbuf_put(s, &tag, 1);
    switch (v.kind) {
    case STOFFEL_VM_UNIT: return 0;
    case STOFFEL_VM_FLOAT: {
        uint64_t b;
        memcpy(&b, &v.as.f, 8);
        put_le(s, b, 8);
        return 0;
    }
    case STOFFEL_VM_BOOL: put_le(s, v.as.b, 1); return 0;
    case STOFFEL_VM_STRING:
        put_le(s, v.as.s->len, 4);
        sbuf_put(s, v.as.s->data, v.as.s->len);
        return 0;
    case STOFFEL_VM_ARRAY: {
        vm_table *t = table_get(vm, v);
        if (t->length > VM_ITER_LIMIT)
            return vm_fail(vm, STOFFEL_ERR_LIMIT, "LocalStorage.store: array of length %llu is too long", (unsigned long long)t->length);
        put_le(s, t->length, 4);
        for (uint64_t i = 0; i < t->length; i++) {
            int rc = encode(vm, s, array_at(t, i), depth + 1);
            if (rc)
                return rc;
        }
        return 0;
    }
    case STOFFEL_VM_OBJECT: {
        vm_table *t = table_get(vm, v);
        put_le(s, map_count(&t->map), 4);
        for (size_t i = 0; i < t->map.count; i++) {
            if (!t->map.entries[i].live)
                continue;
            int rc = encode(vm, s, t->map.entries[i].key, depth + 1);
            if (!rc)
                rc = encode(vm, s, t->map.entries[i].val, depth + 1);
            if (rc)
                return rc;
        }
        return 0;
    }
    case STOFFEL_VM_SHARE:
        put_le(s, v.as.sh->type.kind, 1);
        put_le(s, v.as.sh->type.bits, 4);
        put_le(s, v.as.sh->type.frac, 4);
        put_le(s, v.as.sh->len, 4);
        sbuf_put(s, (const char *)v.as.sh->bytes, v.as.sh->len);
        return 0;
    default:
        if (IS_INT_KIND(v.kind)) {
            put_le(s, v.as.u, 8);
            return 0;
        }
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "LocalStorage.store cannot store a %s", val_type_name(vm, v));
    }
}

typedef struct {
    const uint8_t *p;
    size_t n, pos;
} rd;

static int rd_le(rd *r, int n, uint64_t *x)
{
    if (r->n - r->pos < (size_t)n)
        return 0;
    *x = 0;
    for (int i = 0; i < n; i++)
        *x |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
    r->pos += (size_t)n;
    return 1;
}

static int decode(vm_state *vm, rd *r, vm_val *out, int depth)
{
    *out = val_unit();
    uint64_t tag, x, n;
    if (depth > 64 || !rd_le(r, 1, &tag))
        goto bad;
    switch (tag) {
    case STOFFEL_VM_UNIT: return 0;
    case STOFFEL_VM_FLOAT:
        if (!rd_le(r, 8, &x))
            goto bad;
        out->kind = STOFFEL_VM_FLOAT;
        memcpy(&out->as.f, &x, 8);
        return 0;
    case STOFFEL_VM_BOOL:
        if (!rd_le(r, 1, &x))
            goto bad;
        *out = val_bool(x != 0);
        return 0;
    case STOFFEL_VM_STRING:
        if (!rd_le(r, 4, &n) || r->n - r->pos < n)
            goto bad;
        r->pos += n;
        return val_string(vm, (const char *)r->p + r->pos - n, n, out);
    case STOFFEL_VM_ARRAY:
    case STOFFEL_VM_OBJECT: {
        if (!rd_le(r, 4, &n) || n > r->n - r->pos)
            goto bad;
        int rc = table_new(vm, tag == STOFFEL_VM_ARRAY, out);
        vm_table *t = rc ? NULL : table_get(vm, *out);
        for (uint64_t i = 0; i < n && !rc; i++) {
            vm_val k = val_i64((int64_t)i), v;
            if (tag == STOFFEL_VM_OBJECT && (rc = decode(vm, r, &k, depth + 1)))
                break;
            if ((rc = decode(vm, r, &v, depth + 1))) {
                val_release(vm, &k);
                break;
            }
            rc = table_raw_set(vm, t, k, v);
            val_release(vm, &k);
            val_release(vm, &v);
        }
        return rc;
    }
    case STOFFEL_VM_SHARE: {
        uint64_t kind, bits, frac;
        if (!rd_le(r, 1, &kind) || !rd_le(r, 4, &bits) || !rd_le(r, 4, &frac) || !rd_le(r, 4, &n) || r->n - r->pos < n)
            goto bad;
        if (n != vm->share_size)
            return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "LocalStorage: a stored share has %llu bytes, but this engine's shares have %zu", (unsigned long long)n, vm->share_size);
        r->pos += n;
        return val_share(vm, (stoffel_vm_share_type){(stoffel_vm_share_kind)kind, (uint32_t)bits, (uint32_t)frac}, r->p + r->pos - n, n, out);
    }
    default:
        if (tag >= STOFFEL_VM_I64 && tag <= STOFFEL_VM_U64) {
            if (!rd_le(r, 8, &x))
                goto bad;
            out->kind = (uint8_t)tag;
            out->as.u = x;
            return 0;
        }
        goto bad;
    }
bad:
    return vm_fail(vm, STOFFEL_ERR_MALFORMED, "LocalStorage: stored value is malformed at byte %zu", r->pos);
}

/* ---- builtins ---------------------------------------------------------------------------- */

static int storage_key(vm_state *vm, const char *name, vm_val *args, uint8_t **key, size_t *len)
{
    if (!vm->has_storage)
        return vm_fail(vm, STOFFEL_ERR_STATE, "%s: no LocalStorage configured (the host must call stoffel_vm_set_storage)", name);
    if (args[0].kind == STOFFEL_VM_STRING) {
        *len = args[0].as.s->len;
        *key = vm_malloc(vm, *len);
        if (!*key)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        memcpy(*key, args[0].as.s->data, *len);
        return 0;
    }
    return bytes_read(vm, name, 0, args[0], key, len);
}

static int b_store(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "LocalStorage.store", nargs, 2, 2);
    uint8_t *key = NULL;
    size_t klen;
    if (rc || (rc = storage_key(vm, "LocalStorage.store", args, &key, &klen)))
        return rc;
    vm_sbuf s = {.vm = vm};
    sbuf_put(&s, "", 0);
    rc = encode(vm, &s, args[1], 0);
    if (!rc && s.failed)
        rc = vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    if (!rc && (rc = vm->storage.put(vm->storage_ud, key, klen, (const uint8_t *)s.buf, s.len)))
        rc = vm_fail(vm, rc, "LocalStorage.store: the store failed (%s)", stoffel_vm_strerror(rc));
    if (s.buf)
        sodium_memzero(s.buf, s.len); /* may hold shares */
    sbuf_free(&s);
    vm_free(vm, key);
    if (!rc)
        *out = val_bool(1);
    return rc;
}

static int b_load(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "LocalStorage.load", nargs, 1, 1);
    uint8_t *key = NULL;
    size_t klen;
    if (rc || (rc = storage_key(vm, "LocalStorage.load", args, &key, &klen)))
        return rc;
    const uint8_t *val;
    size_t vlen;
    rc = vm->storage.get(vm->storage_ud, key, klen, &val, &vlen);
    vm_free(vm, key);
    if (rc == STOFFEL_ERR_NOT_FOUND)
        return 0; /* missing -> Unit */
    if (rc)
        return vm_fail(vm, rc, "LocalStorage.load: the store failed (%s)", stoffel_vm_strerror(rc));
    rd r = {.p = val, .n = vlen};
    return decode(vm, &r, out, 0);
}

static int b_delete(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "LocalStorage.delete", nargs, 1, 1);
    uint8_t *key = NULL;
    size_t klen;
    if (rc || (rc = storage_key(vm, "LocalStorage.delete", args, &key, &klen)))
        return rc;
    uint8_t existed = 0;
    rc = vm->storage.remove(vm->storage_ud, key, klen, &existed);
    vm_free(vm, key);
    if (rc)
        return vm_fail(vm, rc, "LocalStorage.delete: the store failed (%s)", stoffel_vm_strerror(rc));
    *out = val_bool(existed);
    return 0;
}

static int b_exists(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "LocalStorage.exists", nargs, 1, 1);
    uint8_t *key = NULL;
    size_t klen;
    if (rc || (rc = storage_key(vm, "LocalStorage.exists", args, &key, &klen)))
        return rc;
    const uint8_t *val;
    size_t vlen;
    rc = vm->storage.get(vm->storage_ud, key, klen, &val, &vlen);
    vm_free(vm, key);
    if (rc && rc != STOFFEL_ERR_NOT_FOUND)
        return vm_fail(vm, rc, "LocalStorage.exists: the store failed (%s)", stoffel_vm_strerror(rc));
    *out = val_bool(rc == 0);
    return 0;
}

int register_storage_builtins(vm_state *vm)
{
    int rc = vm_register_builtin(vm, "LocalStorage.store", b_store);
    if (!rc)
        rc = vm_register_builtin(vm, "LocalStorage.load", b_load);
    if (!rc)
        rc = vm_register_builtin(vm, "LocalStorage.retrieve", b_load);
    if (!rc)
        rc = vm_register_builtin(vm, "LocalStorage.delete", b_delete);
    if (!rc)
        rc = vm_register_builtin(vm, "LocalStorage.exists", b_exists);
    return rc;
}

/* ---- the in-memory store ------------------------------------------------------------------ */

typedef struct {
    uint8_t *key, *val;
    size_t klen, vlen;
} mem_entry;

struct stoffel_vm_memory_store {
    mem_entry *e;
    size_t n;
};

int stoffel_vm_memory_store_new(stoffel_vm_memory_store **out)
{
    if (!out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? 0 : STOFFEL_ERR_NOMEM;
}

static void entry_free(mem_entry *e)
{
    sodium_memzero(e->val, e->vlen);
    free(e->key);
    free(e->val);
}

void stoffel_vm_memory_store_free(stoffel_vm_memory_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        entry_free(&s->e[i]);
    free(s->e);
    free(s);
}

static long mem_find(stoffel_vm_memory_store *s, const uint8_t *k, size_t kl)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].klen == kl && (kl == 0 || memcmp(s->e[i].key, k, kl) == 0))
            return (long)i;
    return -1;
}

static int mem_put(void *ud, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    stoffel_vm_memory_store *s = ud;
    uint8_t *val = malloc(vl ? vl : 1);
    if (!val)
        return STOFFEL_ERR_NOMEM;
    memcpy(val, v, vl);
    long i = mem_find(s, k, kl);
    if (i >= 0) {
        sodium_memzero(s->e[i].val, s->e[i].vlen);
        free(s->e[i].val);
        s->e[i].val = val;
        s->e[i].vlen = vl;
        return 0;
    }
    mem_entry *e = realloc(s->e, (s->n + 1) * sizeof *e);
    uint8_t *key = malloc(kl ? kl : 1);
    if (!e || !key) {
        if (e)
            s->e = e;
        free(key);
        free(val);
        return STOFFEL_ERR_NOMEM;
    }
    memcpy(key, k, kl);
    s->e = e;
    s->e[s->n++] = (mem_entry){.key = key, .klen = kl, .val = val, .vlen = vl};
    return 0;
}

static int mem_get(void *ud, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl)
{
    stoffel_vm_memory_store *s = ud;
    long i = mem_find(s, k, kl);
    if (i < 0)
        return STOFFEL_ERR_NOT_FOUND;
    *v = s->e[i].val;
    *vl = s->e[i].vlen;
    return 0;
}

static int mem_remove(void *ud, const uint8_t *k, size_t kl, uint8_t *existed)
{
    stoffel_vm_memory_store *s = ud;
    long i = mem_find(s, k, kl);
    *existed = i >= 0;
    if (i >= 0) {
        entry_free(&s->e[i]);
        s->e[i] = s->e[--s->n];
    }
    return 0;
}

const stoffel_vm_storage *stoffel_vm_memory_store_interface(void)
{
    static const stoffel_vm_storage iface = {sizeof(stoffel_vm_storage), mem_put, mem_get, mem_remove};
    return &iface;
}
