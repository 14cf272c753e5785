/*
 * store_pools.c - the party store's preprocessing pools: per field, the unused material of the
 * last operation (a networked engine's export: this party's shares, secret) and the tag of that
 * operation. Parties compare tags before using their pools, so a party whose pool is not the
 * others' (it crashed between operations, or missed one) makes everyone start afresh instead of
 * using triples that no longer match.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "party_internal.h"

int store_get_pool(stoffel_vm_party_store *store, int field, uint64_t *tag, uint8_t **material, size_t *len)
{
    *material = NULL;
    *len = 0;
    *tag = 0;
    sqlite3_stmt *st;
    int status = store_prepare(store, "SELECT tag, material FROM prep_pools WHERE field = ?1", &st);
    if (status)
        return status;
    sqlite3_bind_int(st, 1, field);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        const void *blob = sqlite3_column_blob(st, 1);
        uint8_t *copy = malloc(n ? n : 1);
        if (!copy) {
            sqlite3_finalize(st);
            return store_fail(store, STOFFEL_ERR_NOMEM, "out of memory reading the preprocessing pool");
        }
        if (n)
            memcpy(copy, blob, n);
        *tag = (uint64_t)sqlite3_column_int64(st, 0);
        *material = copy;
        *len = n;
        status = 0;
    } else if (rc == SQLITE_DONE) {
        status = STOFFEL_ERR_NOT_FOUND;
    } else {
        status = store_sqlite_fail(store, rc, "reading the preprocessing pool");
    }
    sqlite3_finalize(st);
    return status;
}

int store_get_pool_header(stoffel_vm_party_store *store, int field, uint64_t *tag, uint8_t *header, size_t len)
{
    *tag = 0;
    memset(header, 0, len);
    sqlite3_stmt *st;
    int status = store_prepare(store, "SELECT tag FROM prep_pools WHERE field = ?1", &st);
    if (status)
        return status;
    sqlite3_bind_int(st, 1, field);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *tag = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return STOFFEL_ERR_NOT_FOUND;
    if (rc != SQLITE_ROW)
        return store_sqlite_fail(store, rc, "reading the preprocessing pool's tag");
    /* field is the table's INTEGER PRIMARY KEY, so it is the row id: read the first bytes only */
    sqlite3_blob *blob = NULL;
    rc = sqlite3_blob_open(store->db, "main", "prep_pools", "material", field, 0, &blob);
    if (rc == SQLITE_OK) {
        int n = sqlite3_blob_bytes(blob);
        size_t take = (size_t)n < len ? (size_t)n : len;
        rc = take ? sqlite3_blob_read(blob, header, (int)take, 0) : SQLITE_OK;
    }
    sqlite3_blob_close(blob);
    return rc == SQLITE_OK ? 0 : store_sqlite_fail(store, rc, "reading the preprocessing pool's header");
}

int store_put_pool(stoffel_vm_party_store *store, int field, uint64_t tag, const uint8_t *material, size_t len)
{
    int status = store_begin(store);
    if (status)
        return status;
    sqlite3_stmt *st;
    if ((status = store_prepare(store,
                                "INSERT OR REPLACE INTO prep_pools (field, tag, material, updated_at) "
                                "VALUES (?1, ?2, ?3, strftime('%s','now'))",
                                &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_int(st, 1, field);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)tag);
    sqlite3_bind_blob64(st, 3, material ? (const void *)material : (const void *)"", (sqlite3_uint64)len,
                        SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        status = store_sqlite_fail(store, rc, "storing the preprocessing pool");
        store_rollback(store);
        return status;
    }
    return store_commit(store);
}

int store_drop_pool(stoffel_vm_party_store *store, int field)
{
    sqlite3_stmt *st;
    int status = store_prepare(store, "DELETE FROM prep_pools WHERE field = ?1", &st);
    if (status)
        return status;
    sqlite3_bind_int(st, 1, field);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_sqlite_fail(store, rc, "dropping the preprocessing pool");
}
