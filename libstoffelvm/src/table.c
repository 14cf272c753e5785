/*
 * table.c - objects and arrays (spec §2.6): one id counter from 1, never reused; objects are
 * insertion-ordered hash maps; arrays are hybrid (a dense vector for small I64 indices, a map for
 * the rest) with length = highest I64 index set + 1.
 */
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

/* ---- insertion-ordered map ---------------------------------------------------------------- */

static int map_reindex(vm_state *vm, vm_map *m, size_t cap)
{
    uint32_t *idx = vm_calloc(vm, cap, sizeof *idx);
    if (!idx)
        return STOFFEL_ERR_NOMEM;
    for (size_t i = 0; i < m->count; i++) {
        if (!m->entries[i].live)
            continue;
        size_t s = val_hash(m->entries[i].key) & (cap - 1);
        while (idx[s])
            s = (s + 1) & (cap - 1);
        idx[s] = (uint32_t)i + 1;
    }
    vm_free(vm, m->index);
    m->index = idx;
    m->index_cap = cap;
    return 0;
}

/* Slot of key in the index, or the empty slot where it would go. */
static size_t map_slot(const vm_map *m, vm_val key, int *found)
{
    size_t s = val_hash(key) & (m->index_cap - 1);
    for (;;) {
        uint32_t e = m->index[s];
        if (e == 0) {
            *found = 0;
            return s;
        }
        if (m->entries[e - 1].live && val_equal(NULL, m->entries[e - 1].key, key, 64)) {
            *found = 1;
            return s;
        }
        s = (s + 1) & (m->index_cap - 1);
    }
}

static vm_val map_get(const vm_map *m, vm_val key)
{
    if (!m->index_cap)
        return val_unit();
    int found;
    size_t s = map_slot(m, key, &found);
    return found ? m->entries[m->index[s] - 1].val : val_unit();
}

static void map_compact(vm_state *vm, vm_map *m)
{
    size_t w = 0;
    for (size_t i = 0; i < m->count; i++)
        if (m->entries[i].live)
            m->entries[w++] = m->entries[i];
    m->count = w;
    (void)vm;
}

static int map_set(vm_state *vm, vm_map *m, vm_val key, vm_val val)
{
    /* Keep the index at most half full, counting dead entries (they still occupy slots). */
    if ((m->count + 1) * 2 > m->index_cap) {
        if (m->live * 2 < m->count)
            map_compact(vm, m);
        size_t cap = m->index_cap ? m->index_cap : 8;
        while ((m->count + 1) * 2 > cap)
            cap *= 2;
        if (map_reindex(vm, m, cap))
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    int found;
    size_t s = map_slot(m, key, &found);
    if (found) {
        val_assign(vm, &m->entries[m->index[s] - 1].val, val);
        return 0;
    }
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4;
        int rc = vm_mem_charge(vm, (cap - m->cap) * sizeof(vm_entry));
        if (rc)
            return rc;
        vm_entry *e = vm_realloc(vm, m->entries, cap * sizeof *e);
        if (!e)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        m->entries = e;
        m->cap = cap;
    }
    val_retain(key);
    val_retain(val);
    m->entries[m->count] = (vm_entry){.key = key, .val = val, .live = 1};
    m->index[s] = (uint32_t)m->count + 1;
    m->count++;
    m->live++;
    return 0;
}

static int map_delete(vm_state *vm, vm_map *m, vm_val key)
{
    if (!m->index_cap)
        return 0;
    int found;
    size_t s = map_slot(m, key, &found);
    if (!found)
        return 0;
    vm_entry *e = &m->entries[m->index[s] - 1];
    val_release(vm, &e->key);
    val_release(vm, &e->val);
    e->live = 0;
    m->live--;
    /* The index slot keeps pointing at a dead entry (a tombstone); reindexing drops it. */
    return 1;
}

static void map_free(vm_state *vm, vm_map *m)
{
    for (size_t i = 0; i < m->count; i++)
        if (m->entries[i].live) {
            val_release(vm, &m->entries[i].key);
            val_release(vm, &m->entries[i].val);
        }
    vm_free(vm, m->entries);
    vm_free(vm, m->index);
    memset(m, 0, sizeof *m);
}

size_t map_count(const vm_map *m) { return m->live; }

/* ---- tables ------------------------------------------------------------------------------- */

int table_new(vm_state *vm, int is_array, vm_val *out)
{
    *out = val_unit();
    int rc = vm_mem_charge(vm, sizeof(vm_table) + sizeof(void *));
    if (rc)
        return rc;
    if (vm->ntables == vm->tables_cap) {
        size_t cap = vm->tables_cap ? vm->tables_cap * 2 : 64;
        vm_table **t = vm_realloc(vm, vm->tables, cap * sizeof *t);
        if (!t)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        vm->tables = t;
        vm->tables_cap = cap;
    }
    vm_table *t = vm_calloc(vm, 1, sizeof *t);
    if (!t)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    t->is_array = (uint8_t)(is_array != 0);
    vm->tables[vm->ntables++] = t;
    out->kind = is_array ? STOFFEL_VM_ARRAY : STOFFEL_VM_OBJECT;
    out->as.id = vm->ntables; /* ids start at 1 and are never reused */
    return 0;
}

vm_table *table_get(vm_state *vm, vm_val v)
{
    if ((v.kind != STOFFEL_VM_ARRAY && v.kind != STOFFEL_VM_OBJECT) || v.as.id == 0 || v.as.id > vm->ntables)
        return NULL;
    return vm->tables[v.as.id - 1];
}

vm_val array_at(vm_table *t, uint64_t i)
{
    if (i < t->dense_len)
        return t->dense[i];
    return map_get(&t->map, val_i64((int64_t)i));
}

/* Dense growth policy: index i joins the dense part when it is at most twice the current size
 * plus 32 (so appending and small gaps stay dense, a lone huge index goes to the map). */
int array_set(vm_state *vm, vm_table *t, uint64_t i, vm_val v)
{
    if (i < t->dense_len) {
        val_assign(vm, &t->dense[i], v);
    } else if (i < t->dense_len * 2 + 32) {
        if (i >= t->dense_cap) {
            size_t cap = t->dense_cap ? t->dense_cap : 8;
            while (cap <= i)
                cap *= 2;
            int rc = vm_mem_charge(vm, (cap - t->dense_cap) * sizeof(vm_val));
            if (rc)
                return rc;
            vm_val *d = vm_realloc(vm, t->dense, cap * sizeof *d);
            if (!d)
                return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
            t->dense = d;
            t->dense_cap = cap;
        }
        /* Move entries of the map that now fall into the dense part. */
        for (size_t k = t->dense_len; k <= i; k++) {
            vm_val key = val_i64((int64_t)k);
            vm_val old = map_get(&t->map, key);
            t->dense[k] = val_unit();
            if (old.kind != STOFFEL_VM_UNIT) {
                val_assign(vm, &t->dense[k], old);
                map_delete(vm, &t->map, key);
            }
        }
        t->dense_len = i + 1;
        val_assign(vm, &t->dense[i], v);
    } else {
        int rc = map_set(vm, &t->map, val_i64((int64_t)i), v);
        if (rc)
            return rc;
    }
    if (i + 1 > t->length)
        t->length = i + 1;
    return 0;
}

int array_push(vm_state *vm, vm_table *t, vm_val v)
{
    return array_set(vm, t, t->length, v);
}

int array_assign(vm_state *vm, vm_table *t, const vm_val *vals, size_t n)
{
    /* Retain first: vals may point into this very table. */
    for (size_t i = 0; i < n; i++)
        val_retain(vals[i]);
    vm_val *copy = n ? vm_malloc(vm, n * sizeof *copy) : NULL;
    if (n && !copy) {
        for (size_t i = 0; i < n; i++) {
            vm_val x = vals[i];
            val_release(vm, &x);
        }
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    if (n)
        memcpy(copy, vals, n * sizeof *copy);
    for (size_t i = 0; i < t->dense_len; i++)
        val_release(vm, &t->dense[i]);
    t->dense_len = 0;
    /* Keep non-index keys of the map; drop I64 index keys. */
    for (size_t i = 0; i < t->map.count; i++) {
        vm_entry *e = &t->map.entries[i];
        if (e->live && e->key.kind == STOFFEL_VM_I64)
            map_delete(vm, &t->map, e->key);
    }
    t->length = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rc)
            rc = array_set(vm, t, i, copy[i]);
        val_release(vm, &copy[i]);
    }
    vm_free(vm, copy);
    return rc;
}

vm_val table_raw_get(vm_table *t, vm_val key)
{
    if (t->is_array && key.kind == STOFFEL_VM_I64 && key.as.i >= 0)
        return array_at(t, (uint64_t)key.as.i);
    return map_get(&t->map, key);
}

int table_raw_set(vm_state *vm, vm_table *t, vm_val key, vm_val val)
{
    if (t->is_array && key.kind == STOFFEL_VM_I64 && key.as.i >= 0)
        return array_set(vm, t, (uint64_t)key.as.i, val);
    return map_set(vm, &t->map, key, val);
}

int table_raw_delete(vm_state *vm, vm_table *t, vm_val key)
{
    return map_delete(vm, &t->map, key);
}

void table_free_all(vm_state *vm)
{
    for (size_t i = 0; i < vm->ntables; i++) {
        vm_table *t = vm->tables[i];
        for (size_t k = 0; k < t->dense_len; k++)
            val_release(vm, &t->dense[k]);
        vm_free(vm, t->dense);
        map_free(vm, &t->map);
        vm_free(vm, t);
    }
    vm_free(vm, vm->tables);
    vm->tables = NULL;
    vm->ntables = vm->tables_cap = 0;
}
