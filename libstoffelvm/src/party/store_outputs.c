/*
 * store_outputs.c - the party store's output records: this party's shares of the values a run
 * produced for a client, kept (one record per run and client, immutable) until the client fetches
 * and reconstructs them, across restarts.
 */
#include <stdlib.h>
#include <string.h>

#include "party_internal.h"

enum { MAX_OUTPUT_COUNT = 65536, MAX_SHARE_SIZE = 1024 };

STOFFEL_API int stoffel_vm_party_store_put_output(stoffel_vm_party_store *store, uint64_t run_id,
                                                  uint64_t client_id, const uint8_t *shares, size_t share_size,
                                                  size_t count)
{
    if (!store || !shares)
        return STOFFEL_ERR_INVALID_ARG;
    if (count == 0 || count > MAX_OUTPUT_COUNT || share_size == 0 || share_size > MAX_SHARE_SIZE)
        return store_fail(store, STOFFEL_ERR_INVALID_ARG,
                          "an output record holds 1 to %d shares of 1 to %d bytes (got %zu of %zu)",
                          MAX_OUTPUT_COUNT, MAX_SHARE_SIZE, count, share_size);
    int status = store_begin(store);
    if (status)
        return status;
    sqlite3_stmt *st;
    if ((status = store_prepare(store, "SELECT (SELECT count(*) FROM runs WHERE id = ?1),"
                                       " (SELECT count(*) FROM outputs WHERE run = ?1 AND client_id = ?2)",
                                &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)run_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)client_id);
    int rc = sqlite3_step(st);
    int64_t runs = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int64_t existing = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        status = store_sqlite_fail(store, rc, "looking up a run");
        store_rollback(store);
        return status;
    }
    if (runs == 0) {
        store_rollback(store);
        return store_fail(store, STOFFEL_ERR_NOT_FOUND, "no run %llu on this party", (unsigned long long)run_id);
    }
    if (existing) {
        store_rollback(store);
        return store_fail(store, STOFFEL_ERR_STATE, "run %llu already has outputs for client %016llx",
                          (unsigned long long)run_id, (unsigned long long)client_id);
    }
    if ((status = store_prepare(store,
                                "INSERT INTO outputs (run, client_id, share_size, count, shares) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)",
                                &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)run_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)client_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)share_size);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)count);
    sqlite3_bind_blob64(st, 5, shares, (sqlite3_uint64)(share_size * count), SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        status = store_sqlite_fail(store, rc, "storing an output");
        store_rollback(store);
        return status;
    }
    return store_commit(store);
}

STOFFEL_API int stoffel_vm_party_store_get_output(stoffel_vm_party_store *store, uint64_t run_id,
                                                  uint64_t client_id, uint8_t **shares, size_t *share_size,
                                                  size_t *count)
{
    if (!store || !shares || !share_size || !count)
        return STOFFEL_ERR_INVALID_ARG;
    *shares = NULL;
    sqlite3_stmt *st;
    int status = store_prepare(store,
                               "SELECT share_size, count, shares FROM outputs WHERE run = ?1 AND client_id = ?2",
                               &st);
    if (status)
        return status;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)run_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)client_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return store_sqlite_fail(store, rc, "reading an output");
        return store_fail(store, STOFFEL_ERR_NOT_FOUND, "run %llu has no outputs for client %016llx",
                          (unsigned long long)run_id, (unsigned long long)client_id);
    }
    size_t size = (size_t)sqlite3_column_int64(st, 0), n = (size_t)sqlite3_column_int64(st, 1);
    size_t bytes = (size_t)sqlite3_column_bytes(st, 2);
    if (size == 0 || size > MAX_SHARE_SIZE || n == 0 || n > MAX_OUTPUT_COUNT || bytes != size * n) {
        sqlite3_finalize(st);
        return store_fail(store, STOFFEL_ERR_MALFORMED, "output record of run %llu is damaged",
                          (unsigned long long)run_id);
    }
    uint8_t *copy = malloc(bytes);
    if (!copy) {
        sqlite3_finalize(st);
        return STOFFEL_ERR_NOMEM;
    }
    memcpy(copy, sqlite3_column_blob(st, 2), bytes);
    sqlite3_finalize(st);
    *shares = copy;
    *share_size = size;
    *count = n;
    return 0;
}

int store_latest_output_run(stoffel_vm_party_store *store, const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                            uint64_t client_id, uint64_t *run_id)
{
    sqlite3_stmt *st;
    int status = store_prepare(store,
                               "SELECT max(o.run) FROM outputs o JOIN runs r ON r.id = o.run "
                               "WHERE r.program = ?1 AND o.client_id = ?2 AND r.state = 1",
                               &st);
    if (status)
        return status;
    sqlite3_bind_blob(st, 1, program, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)client_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *run_id = (uint64_t)sqlite3_column_int64(st, 0);
        status = 0;
    } else if (rc == SQLITE_ROW) {
        status = store_fail(store, STOFFEL_ERR_NOT_FOUND, "no run of this program produced outputs for this client");
    } else {
        status = store_sqlite_fail(store, rc, "looking up outputs");
    }
    sqlite3_finalize(st);
    return status;
}
