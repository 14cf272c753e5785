/*
 * store_inputs.c - the party store's secret data: client input shares (written durably before a
 * client is acknowledged) and LocalStorage (the VM's host store interface over SQLite).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "party_internal.h"

enum { MAX_INPUT_COUNT = 65536, MAX_SHARE_SIZE = 1024 };

STOFFEL_API void stoffel_vm_party_secret_free(void *p, size_t len)
{
    if (!p)
        return;
    sodium_memzero(p, len);
    free(p);
}

static int unknown_program(stoffel_vm_party_store *store, const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
    stoffel_vm_bundle_hash_to_hex(program, hex);
    return store_fail(store, STOFFEL_ERR_NOT_FOUND,
                      "no program with hash %s is deployed on this party; deploy it with `stoffel deploy` "
                      "before sending inputs for it",
                      hex);
}

STOFFEL_API int stoffel_vm_party_store_put_input(stoffel_vm_party_store *store,
                                                 const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                 uint64_t client_id, const uint8_t *shares, size_t share_size,
                                                 size_t count, uint64_t *seq)
{
    if (!store || !program || !shares)
        return store ? store_fail(store, STOFFEL_ERR_INVALID_ARG, "put_input: program and shares are required")
                     : STOFFEL_ERR_INVALID_ARG;
    if (count == 0 || count > MAX_INPUT_COUNT || share_size == 0 || share_size > MAX_SHARE_SIZE)
        return store_fail(store, STOFFEL_ERR_INVALID_ARG,
                          "an input record holds 1 to %d shares of 1 to %d bytes (got %zu of %zu)",
                          MAX_INPUT_COUNT, MAX_SHARE_SIZE, count, share_size);
    int status = store_begin(store);
    if (status)
        return status;
    int has = store_has_bundle(store, program);
    if (has <= 0) {
        store_rollback(store);
        return has < 0 ? has : unknown_program(store, program);
    }
    sqlite3_stmt *st;
    if ((status = store_prepare(store,
                                "INSERT INTO inputs (program, client_id, share_size, count, shares, received_at) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, strftime('%s','now'))",
                                &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_blob(st, 1, program, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    /* Client ids are 64-bit key prefixes; stored as the same bits in SQLite's signed integer. */
    sqlite3_bind_int64(st, 2, (sqlite3_int64)client_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)share_size);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)count);
    sqlite3_bind_blob64(st, 5, shares, (sqlite3_uint64)(share_size * count), SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        status = store_sqlite_fail(store, rc, "storing a client input");
        store_rollback(store);
        return status;
    }
    uint64_t id = (uint64_t)sqlite3_last_insert_rowid(store->db);
    if ((status = store_commit(store)) != 0)
        return status;
    if (seq)
        *seq = id;
    return 0;
}

STOFFEL_API int stoffel_vm_party_store_input_count(stoffel_vm_party_store *store,
                                                   const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                   size_t *count)
{
    if (!store || !program || !count)
        return STOFFEL_ERR_INVALID_ARG;
    sqlite3_stmt *st;
    int status = store_prepare(store, "SELECT count(*) FROM inputs WHERE program = ?1", &st);
    if (status)
        return status;
    sqlite3_bind_blob(st, 1, program, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *count = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : store_sqlite_fail(store, rc, "counting inputs");
}

STOFFEL_API int stoffel_vm_party_store_get_input(stoffel_vm_party_store *store,
                                                 const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN], size_t index,
                                                 uint64_t *client_id, uint8_t **shares, size_t *share_size,
                                                 size_t *count)
{
    if (!store || !program || !shares || !share_size || !count)
        return STOFFEL_ERR_INVALID_ARG;
    *shares = NULL;
    sqlite3_stmt *st;
    int status = store_prepare(store,
                               "SELECT client_id, share_size, count, shares FROM inputs WHERE program = ?1 "
                               "ORDER BY seq LIMIT 1 OFFSET ?2",
                               &st);
    if (status)
        return status;
    sqlite3_bind_blob(st, 1, program, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return store_sqlite_fail(store, rc, "reading an input");
        return store_fail(store, STOFFEL_ERR_NOT_FOUND, "no input record %zu for this program", index);
    }
    size_t size = (size_t)sqlite3_column_int64(st, 1), n = (size_t)sqlite3_column_int64(st, 2);
    size_t bytes = (size_t)sqlite3_column_bytes(st, 3);
    if (size == 0 || size > MAX_SHARE_SIZE || n == 0 || n > MAX_INPUT_COUNT || bytes != size * n) {
        sqlite3_finalize(st);
        return store_fail(store, STOFFEL_ERR_MALFORMED, "input record %zu is damaged (%zu bytes for %zu x %zu)",
                          index, bytes, n, size);
    }
    uint8_t *copy = malloc(bytes);
    if (!copy) {
        sqlite3_finalize(st);
        return STOFFEL_ERR_NOMEM;
    }
    memcpy(copy, sqlite3_column_blob(st, 3), bytes);
    if (client_id)
        *client_id = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *shares = copy;
    *share_size = size;
    *count = n;
    return 0;
}

int store_each_input(stoffel_vm_party_store *store, const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                     store_input_fn fn, void *user)
{
    sqlite3_stmt *st;
    int status = store_prepare(store,
                               "SELECT client_id, share_size, count, shares FROM inputs WHERE program = ?1 ORDER BY seq",
                               &st);
    if (status)
        return status;
    sqlite3_bind_blob(st, 1, program, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    size_t index = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t size = (size_t)sqlite3_column_int64(st, 1), n = (size_t)sqlite3_column_int64(st, 2);
        const uint8_t *shares = sqlite3_column_blob(st, 3);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 3);
        if (size == 0 || size > MAX_SHARE_SIZE || n == 0 || n > MAX_INPUT_COUNT || bytes != size * n || !shares) {
            sqlite3_finalize(st);
            return store_fail(store, STOFFEL_ERR_MALFORMED, "input record %zu is damaged (%zu bytes for %zu x %zu)",
                              index, bytes, n, size);
        }
        status = fn(user, index, (uint64_t)sqlite3_column_int64(st, 0), shares, size, n);
        if (status) {
            sqlite3_finalize(st);
            return status;
        }
        index++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_sqlite_fail(store, rc, "reading the inputs");
}

/* ---- LocalStorage over the store. --------------------------------------------------------- */

STOFFEL_API void stoffel_vm_party_store_use_namespace(stoffel_vm_party_store *store,
                                                      const uint8_t ns[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    if (store && ns)
        memcpy(store->storage_ns, ns, STOFFEL_VM_BUNDLE_HASH_LEN);
}

static int storage_put(void *userdata, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    stoffel_vm_party_store *store = userdata;
    int status = store_begin(store);
    if (status)
        return status;
    sqlite3_stmt *st;
    if ((status = store_prepare(store, "INSERT OR REPLACE INTO local_storage (ns, key, value) VALUES (?1, ?2, ?3)",
                                &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_blob(st, 1, store->storage_ns, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 2, key_len ? (const void *)key : (const void *)"", key_len, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 3, value_len ? (const void *)value : (const void *)"", value_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        status = store_sqlite_fail(store, rc, "writing LocalStorage");
        store_rollback(store);
        return status;
    }
    return store_commit(store);
}

static int storage_get(void *userdata, const uint8_t *key, size_t key_len, const uint8_t **value,
                       size_t *value_len)
{
    stoffel_vm_party_store *store = userdata;
    sqlite3_stmt *st;
    int status = store_prepare(store, "SELECT value FROM local_storage WHERE ns = ?1 AND key = ?2", &st);
    if (status)
        return status;
    sqlite3_bind_blob(st, 1, store->storage_ns, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 2, key_len ? (const void *)key : (const void *)"", key_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? STOFFEL_ERR_NOT_FOUND : store_sqlite_fail(store, rc, "reading LocalStorage");
    }
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    /* The previous value may hold shares: zero it before letting go (the VM's contract says the
     * buffer lives until the next call on the store). */
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy) {
        sqlite3_finalize(st);
        return STOFFEL_ERR_NOMEM;
    }
    if (n)
        memcpy(copy, sqlite3_column_blob(st, 0), n);
    sqlite3_finalize(st);
    if (store->storage_value) {
        sodium_memzero(store->storage_value, store->storage_value_len);
        free(store->storage_value);
    }
    store->storage_value = copy;
    store->storage_value_len = n;
    *value = copy;
    *value_len = n;
    return 0;
}

static int storage_remove(void *userdata, const uint8_t *key, size_t key_len, uint8_t *existed)
{
    stoffel_vm_party_store *store = userdata;
    int status = store_begin(store);
    if (status)
        return status;
    sqlite3_stmt *st;
    if ((status = store_prepare(store, "DELETE FROM local_storage WHERE ns = ?1 AND key = ?2", &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_blob(st, 1, store->storage_ns, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 2, key_len ? (const void *)key : (const void *)"", key_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        status = store_sqlite_fail(store, rc, "removing from LocalStorage");
        store_rollback(store);
        return status;
    }
    int changed = sqlite3_changes(store->db);
    if ((status = store_commit(store)) != 0)
        return status;
    if (existed)
        *existed = changed > 0;
    return 0;
}

static const stoffel_vm_storage party_storage_interface = {
    sizeof(stoffel_vm_storage), storage_put, storage_get, storage_remove,
};

STOFFEL_API const stoffel_vm_storage *stoffel_vm_party_store_storage_interface(void)
{
    return &party_storage_interface;
}
