/*
 * store.c - the party store: opening a party's SQLite database (WAL, synchronous=FULL,
 * secure_delete), its versioned schema, transactions and messages, deployed bundles and run records.
 * Client inputs and LocalStorage are in store_inputs.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "party_internal.h"

/* Marks the file as a Stoffel party store ("STFP"), so another SQLite database is recognised. */
enum { STORE_APPLICATION_ID = 0x53544650 };

/* Schema version 1. Each statement runs once, in the transaction that sets user_version. */
static const char *const schema_v1 =
    "CREATE TABLE bundles (hash BLOB PRIMARY KEY CHECK(length(hash) = 32), name TEXT NOT NULL,"
    " entry TEXT NOT NULL, code BLOB NOT NULL, deployed_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE bundle_names (name TEXT PRIMARY KEY, hash BLOB NOT NULL REFERENCES bundles(hash));"
    "CREATE TABLE inputs (seq INTEGER PRIMARY KEY AUTOINCREMENT, program BLOB NOT NULL REFERENCES"
    " bundles(hash), client_id INTEGER NOT NULL, share_size INTEGER NOT NULL, count INTEGER NOT NULL,"
    " shares BLOB NOT NULL, received_at INTEGER NOT NULL);"
    "CREATE INDEX inputs_by_program ON inputs(program, seq);"
    "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, program BLOB NOT NULL REFERENCES"
    " bundles(hash), state INTEGER NOT NULL, result BLOB, started_at INTEGER NOT NULL,"
    " finished_at INTEGER);"
    "CREATE TABLE outputs (run INTEGER NOT NULL REFERENCES runs(id), client_id INTEGER NOT NULL,"
    " share_size INTEGER NOT NULL, count INTEGER NOT NULL, shares BLOB NOT NULL,"
    " PRIMARY KEY (run, client_id)) WITHOUT ROWID;"
    "CREATE TABLE local_storage (ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
    " PRIMARY KEY (ns, key)) WITHOUT ROWID;";

/* Schema version 2 adds the preprocessing pools: per field, this party's unused material (an
 * engine export, secret) and the tag of the operation that left it, which all parties compare
 * before using it. */
static const char *const schema_v2 =
    "CREATE TABLE prep_pools (field INTEGER PRIMARY KEY, tag INTEGER NOT NULL, material BLOB NOT NULL,"
    " updated_at INTEGER NOT NULL);";

int store_fail(stoffel_vm_party_store *store, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(store->error, sizeof store->error, fmt, ap);
    va_end(ap);
    return status;
}

int store_sqlite_fail(stoffel_vm_party_store *store, int rc, const char *doing)
{
    int status = STOFFEL_ERR_IO;
    if (rc == SQLITE_NOMEM)
        status = STOFFEL_ERR_NOMEM;
    else if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
        status = STOFFEL_ERR_MALFORMED;
    return store_fail(store, status, "party store %s: %s failed: %s", store->path ? store->path : "",
                      doing, store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
}

int store_prepare(stoffel_vm_party_store *store, const char *sql, sqlite3_stmt **stmt)
{
    int rc = sqlite3_prepare_v2(store->db, sql, -1, stmt, NULL);
    return rc == SQLITE_OK ? 0 : store_sqlite_fail(store, rc, "preparing a statement");
}

int store_begin(stoffel_vm_party_store *store)
{
    /* IMMEDIATE takes the write lock up front, so a second process fails here, not mid-change. */
    int rc = sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : store_sqlite_fail(store, rc, "starting a transaction");
}

int store_commit(stoffel_vm_party_store *store)
{
    int rc = sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return 0;
    int status = store_sqlite_fail(store, rc, "committing");
    store_rollback(store);
    return status;
}

void store_rollback(stoffel_vm_party_store *store)
{
    if (!sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Reads an integer PRAGMA. */
static int pragma_int(stoffel_vm_party_store *store, const char *sql, int64_t *value)
{
    sqlite3_stmt *st;
    int status = store_prepare(store, sql, &st);
    if (status)
        return status;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *value = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : store_sqlite_fail(store, rc, "reading the schema version");
}

/* Brings an empty database to the current schema, or checks an existing one. */
static int store_check_schema(stoffel_vm_party_store *store)
{
    int status = store_begin(store);
    if (status)
        return status;
    int64_t version = 0, app_id = 0, tables = 0;
    if ((status = pragma_int(store, "PRAGMA user_version", &version)) ||
        (status = pragma_int(store, "PRAGMA application_id", &app_id)) ||
        (status = pragma_int(store, "SELECT count(*) FROM sqlite_master", &tables))) {
        store_rollback(store);
        return status;
    }
    if (version == 0 && app_id == 0 && tables == 0) {
        char *msg = NULL;
        int rc = sqlite3_exec(store->db, schema_v1, NULL, NULL, &msg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(store->db, schema_v2, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
        {
            char stamp[96];
            snprintf(stamp, sizeof stamp, "PRAGMA application_id = %d; PRAGMA user_version = %d",
                     STORE_APPLICATION_ID, STOFFEL_VM_PARTY_STORE_SCHEMA);
            rc = sqlite3_exec(store->db, stamp, NULL, NULL, NULL);
        }
        sqlite3_free(msg);
        if (rc != SQLITE_OK) {
            status = store_sqlite_fail(store, rc, "creating the schema");
            store_rollback(store);
            return status;
        }
        version = STOFFEL_VM_PARTY_STORE_SCHEMA;
        app_id = STORE_APPLICATION_ID;
    }
    if (app_id != STORE_APPLICATION_ID) {
        store_rollback(store);
        return store_fail(store, STOFFEL_ERR_MALFORMED,
                          "`%s` is an SQLite database but not a Stoffel party store; pass a new or existing "
                          "party data directory with --data",
                          store->path);
    }
    if (version > STOFFEL_VM_PARTY_STORE_SCHEMA) {
        store_rollback(store);
        return store_fail(store, STOFFEL_ERR_UNSUPPORTED,
                          "party store `%s` has schema version %lld, newer than the %d this build knows; "
                          "run it with the newer stoffel that wrote it",
                          store->path, (long long)version, STOFFEL_VM_PARTY_STORE_SCHEMA);
    }
    if (version < 1) {
        store_rollback(store);
        return store_fail(store, STOFFEL_ERR_MALFORMED, "party store `%s` has no schema version; it is damaged",
                          store->path);
    }
    if (version == 1) {
        /* an older store: add what version 2 adds, in this transaction */
        int rc = sqlite3_exec(store->db, schema_v2, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(store->db, "PRAGMA user_version = 2", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            status = store_sqlite_fail(store, rc, "upgrading the schema to version 2");
            store_rollback(store);
            return status;
        }
        version = 2;
    }
    store->schema = (uint32_t)version;
    /* A run left RUNNING was interrupted by a crash or kill: its result will never come. */
    int rc = sqlite3_exec(store->db,
                          "UPDATE runs SET state = 2, result = CAST('interrupted: the party stopped during the "
                          "run' AS BLOB), finished_at = strftime('%s','now') WHERE state = 0",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        status = store_sqlite_fail(store, rc, "closing interrupted runs");
        store_rollback(store);
        return status;
    }
    return store_commit(store);
}

STOFFEL_API int stoffel_vm_party_store_open(const char *path, stoffel_vm_party_store **out, char *err,
                                            size_t err_len)
{
    if (!path || !out) {
        party_format(err, err_len, "stoffel_vm_party_store_open: path and out are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (sodium_init() < 0) {
        party_format(err, err_len, "libsodium could not be initialised");
        return STOFFEL_ERR_INTERNAL;
    }
    stoffel_vm_party_store *store = calloc(1, sizeof *store);
    if (!store || !(store->path = strdup(path))) {
        free(store);
        return STOFFEL_ERR_NOMEM;
    }
    int rc = sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    int status = 0;
    if (rc != SQLITE_OK) {
        status = store_fail(store, rc == SQLITE_NOMEM ? STOFFEL_ERR_NOMEM : STOFFEL_ERR_IO,
                            "cannot open party store `%s`: %s; check that the data directory exists and is "
                            "writable",
                            path, store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(store->db, 0);
    /* Another process holding the write lock briefly (a backup) should not fail us at once. */
    sqlite3_busy_timeout(store->db, 5000);
    /* WAL + synchronous=FULL: a committed transaction is on disk (fsync'd) before COMMIT returns,
     * which is what acknowledging a client's input promises. secure_delete overwrites freed pages,
     * so removed shares do not linger in the file. */
    const char *setup = "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;";
    rc = sqlite3_exec(store->db, setup, NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(store->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
            rc = (mode && strcmp(mode, "wal") == 0) ? SQLITE_OK : (rc == SQLITE_ROW ? SQLITE_CANTOPEN : rc);
            sqlite3_finalize(st);
        }
    }
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_NOTADB)
            status = store_fail(store, STOFFEL_ERR_MALFORMED,
                                "`%s` is not a Stoffel party store (not an SQLite database); pass a new or "
                                "existing party data directory with --data",
                                path);
        else
            status = store_sqlite_fail(store, rc, "setting up (WAL journal, synchronous=FULL)");
        goto fail;
    }
    if ((status = store_check_schema(store)) != 0)
        goto fail;
    *out = store;
    return 0;
fail:
    party_format(err, err_len, "%s", store->error);
    stoffel_vm_party_store_close(store);
    return status;
}

STOFFEL_API void stoffel_vm_party_store_close(stoffel_vm_party_store *store)
{
    if (!store)
        return;
    if (store->db)
        sqlite3_close_v2(store->db); /* the last connection checkpoints and removes the WAL */
    if (store->storage_value) {
        sodium_memzero(store->storage_value, store->storage_value_len);
        free(store->storage_value);
    }
    free(store->path);
    sodium_memzero(store, sizeof *store);
    free(store);
}

STOFFEL_API const char *stoffel_vm_party_store_last_error(const stoffel_vm_party_store *store)
{
    return store ? store->error : "no party store";
}

STOFFEL_API uint32_t stoffel_vm_party_store_schema(const stoffel_vm_party_store *store)
{
    return store ? store->schema : 0;
}

int store_has_bundle(stoffel_vm_party_store *store, const uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    sqlite3_stmt *st;
    int status = store_prepare(store, "SELECT 1 FROM bundles WHERE hash = ?1", &st);
    if (status)
        return status;
    sqlite3_bind_blob(st, 1, hash, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : store_sqlite_fail(store, rc, "looking up a bundle");
}

/* The hash deployed under name: 1 and *hash set, 0 when none, negative status on error. */
static int lookup_name(stoffel_vm_party_store *store, const char *name, uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    sqlite3_stmt *st;
    int status = store_prepare(store, "SELECT hash FROM bundle_names WHERE name = ?1", &st);
    if (status)
        return status;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int found = 0;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == STOFFEL_VM_BUNDLE_HASH_LEN) {
        memcpy(hash, sqlite3_column_blob(st, 0), STOFFEL_VM_BUNDLE_HASH_LEN);
        found = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_sqlite_fail(store, rc, "looking up a bundle name");
    return found;
}

/* Runs one INSERT/UPDATE with blob and text parameters bound by the caller-supplied function. */
static int step_done(stoffel_vm_party_store *store, sqlite3_stmt *st, const char *doing)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_sqlite_fail(store, rc, doing);
}

STOFFEL_API int stoffel_vm_party_store_put_bundle(stoffel_vm_party_store *store, const stoffel_vm_bundle *bundle,
                                                  uint8_t hash_out[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    if (!store || !bundle)
        return STOFFEL_ERR_INVALID_ARG;
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN], named[STOFFEL_VM_BUNDLE_HASH_LEN];
    stoffel_vm_bundle_hash(bundle, hash);
    if (hash_out)
        memcpy(hash_out, hash, sizeof hash);
    int status = store_begin(store);
    if (status)
        return status;
    int found = lookup_name(store, bundle->name, named);
    if (found < 0) {
        store_rollback(store);
        return found;
    }
    if (found && memcmp(named, hash, sizeof hash) != 0) {
        char have[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1], want[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
        stoffel_vm_bundle_hash_to_hex(named, have);
        stoffel_vm_bundle_hash_to_hex(hash, want);
        store_rollback(store);
        return store_fail(store, STOFFEL_ERR_STATE,
                          "a different bundle named `%s` is already deployed (hash %s, this one %s); "
                          "deployed bundles are immutable: deploy under a new name",
                          bundle->name, have, want);
    }
    int has = found ? 1 : store_has_bundle(store, hash);
    sqlite3_stmt *st;
    if (has < 0) {
        store_rollback(store);
        return has;
    }
    if (has) {
        /* Already stored: answer with this hash only if the stored bytes still hash to it. */
        stoffel_vm_bundle *stored = NULL;
        status = stoffel_vm_party_store_get_bundle(store, hash, &stored);
        stoffel_vm_bundle_free(stored);
        if (status != 0) {
            store_rollback(store);
            return status;
        }
    }
    if (found) { /* the same bundle again: nothing to change */
        store_rollback(store);
        return 0;
    }
    if (!has) {
        if ((status = store_prepare(store,
                                    "INSERT INTO bundles (hash, name, entry, code, deployed_at) "
                                    "VALUES (?1, ?2, ?3, ?4, strftime('%s','now'))",
                                    &st)) != 0) {
            store_rollback(store);
            return status;
        }
        sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, bundle->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, bundle->entry, -1, SQLITE_STATIC);
        sqlite3_bind_blob64(st, 4, bundle->code, bundle->code_len, SQLITE_STATIC);
        if ((status = step_done(store, st, "storing a bundle")) != 0) {
            store_rollback(store);
            return status;
        }
    }
    if ((status = store_prepare(store, "INSERT INTO bundle_names (name, hash) VALUES (?1, ?2)", &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_text(st, 1, bundle->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, hash, sizeof hash, SQLITE_STATIC);
    if ((status = step_done(store, st, "naming a bundle")) != 0) {
        store_rollback(store);
        return status;
    }
    return store_commit(store);
}

STOFFEL_API int stoffel_vm_party_store_get_bundle(stoffel_vm_party_store *store,
                                                  const uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                  stoffel_vm_bundle **out)
{
    if (!store || !hash || !out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
    stoffel_vm_bundle_hash_to_hex(hash, hex);
    sqlite3_stmt *st;
    int status = store_prepare(store, "SELECT name, entry, code FROM bundles WHERE hash = ?1", &st);
    if (status)
        return status;
    sqlite3_bind_blob(st, 1, hash, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return store_fail(store, STOFFEL_ERR_NOT_FOUND,
                          "no program with hash %s is deployed on this party; run `stoffel deploy` first", hex);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return store_sqlite_fail(store, rc, "reading a bundle");
    }
    const char *name = (const char *)sqlite3_column_text(st, 0);
    const char *entry = (const char *)sqlite3_column_text(st, 1);
    const uint8_t *code = sqlite3_column_blob(st, 2);
    size_t code_len = (size_t)sqlite3_column_bytes(st, 2);
    char err[300] = "";
    status = stoffel_vm_bundle_new(name ? name : "", entry ? entry : "", code, code ? code_len : 0, out, err,
                                   sizeof err);
    sqlite3_finalize(st);
    if (status != 0)
        return store_fail(store, status == STOFFEL_ERR_NOMEM ? status : STOFFEL_ERR_MALFORMED,
                          "stored bundle %s is damaged: %s", hex, err);
    uint8_t check[STOFFEL_VM_BUNDLE_HASH_LEN];
    stoffel_vm_bundle_hash(*out, check);
    if (sodium_memcmp(check, hash, sizeof check) != 0) {
        stoffel_vm_bundle_free(*out);
        *out = NULL;
        return store_fail(store, STOFFEL_ERR_MALFORMED,
                          "stored bundle %s does not match its hash; the party store was altered", hex);
    }
    return 0;
}

STOFFEL_API int stoffel_vm_party_store_find_bundle(stoffel_vm_party_store *store, const char *name,
                                                   uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    if (!store || !name || !hash)
        return STOFFEL_ERR_INVALID_ARG;
    int found = lookup_name(store, name, hash);
    if (found < 0)
        return found;
    if (!found)
        return store_fail(store, STOFFEL_ERR_NOT_FOUND,
                          "no program named `%s` is deployed on this party; run `stoffel deploy` first", name);
    return 0;
}

STOFFEL_API int stoffel_vm_party_store_begin_run(stoffel_vm_party_store *store,
                                                 const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                 uint64_t *run_id)
{
    if (!store || !program || !run_id)
        return STOFFEL_ERR_INVALID_ARG;
    int status = store_begin(store);
    if (status)
        return status;
    int has = store_has_bundle(store, program);
    if (has <= 0) {
        store_rollback(store);
        if (has < 0)
            return has;
        char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
        stoffel_vm_bundle_hash_to_hex(program, hex);
        return store_fail(store, STOFFEL_ERR_NOT_FOUND,
                          "no program with hash %s is deployed on this party; run `stoffel deploy` first", hex);
    }
    sqlite3_stmt *st;
    if ((status = store_prepare(store,
                                "INSERT INTO runs (program, state, started_at) "
                                "VALUES (?1, 0, strftime('%s','now'))",
                                &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_blob(st, 1, program, STOFFEL_VM_BUNDLE_HASH_LEN, SQLITE_STATIC);
    if ((status = step_done(store, st, "recording a run")) != 0) {
        store_rollback(store);
        return status;
    }
    uint64_t id = (uint64_t)sqlite3_last_insert_rowid(store->db);
    if ((status = store_commit(store)) != 0)
        return status;
    *run_id = id;
    return 0;
}

STOFFEL_API int stoffel_vm_party_store_finish_run(stoffel_vm_party_store *store, uint64_t run_id,
                                                  stoffel_vm_party_run_state state, const uint8_t *result,
                                                  size_t result_len)
{
    if (!store || (!result && result_len))
        return STOFFEL_ERR_INVALID_ARG;
    if (state != STOFFEL_VM_PARTY_RUN_DONE && state != STOFFEL_VM_PARTY_RUN_FAILED)
        return store_fail(store, STOFFEL_ERR_INVALID_ARG, "a run can only finish as DONE or FAILED");
    int status = store_begin(store);
    if (status)
        return status;
    sqlite3_stmt *st;
    if ((status = store_prepare(store, "SELECT state FROM runs WHERE id = ?1", &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)run_id);
    int rc = sqlite3_step(st);
    int current = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        store_rollback(store);
        if (rc != SQLITE_DONE)
            return store_sqlite_fail(store, rc, "reading a run");
        return store_fail(store, STOFFEL_ERR_NOT_FOUND, "no run %llu on this party", (unsigned long long)run_id);
    }
    if (current != STOFFEL_VM_PARTY_RUN_RUNNING) {
        store_rollback(store);
        return store_fail(store, STOFFEL_ERR_STATE, "run %llu has already finished", (unsigned long long)run_id);
    }
    if ((status = store_prepare(store,
                                "UPDATE runs SET state = ?2, result = ?3, finished_at = strftime('%s','now') "
                                "WHERE id = ?1",
                                &st)) != 0) {
        store_rollback(store);
        return status;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)run_id);
    sqlite3_bind_int(st, 2, (int)state);
    sqlite3_bind_blob64(st, 3, result ? (const void *)result : (const void *)"", result_len, SQLITE_STATIC);
    if ((status = step_done(store, st, "recording a run's result")) != 0) {
        store_rollback(store);
        return status;
    }
    return store_commit(store);
}

STOFFEL_API int stoffel_vm_party_store_get_run(stoffel_vm_party_store *store, uint64_t run_id,
                                               uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                               stoffel_vm_party_run_state *state, uint8_t **result,
                                               size_t *result_len)
{
    if (!store)
        return STOFFEL_ERR_INVALID_ARG;
    if (result)
        *result = NULL;
    if (result_len)
        *result_len = 0;
    sqlite3_stmt *st;
    int status = store_prepare(store, "SELECT program, state, result FROM runs WHERE id = ?1", &st);
    if (status)
        return status;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)run_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return store_sqlite_fail(store, rc, "reading a run");
        return store_fail(store, STOFFEL_ERR_NOT_FOUND, "no run %llu on this party", (unsigned long long)run_id);
    }
    if (program && sqlite3_column_bytes(st, 0) == STOFFEL_VM_BUNDLE_HASH_LEN)
        memcpy(program, sqlite3_column_blob(st, 0), STOFFEL_VM_BUNDLE_HASH_LEN);
    int s = sqlite3_column_int(st, 1);
    if (state)
        *state = (stoffel_vm_party_run_state)s;
    if (result && s != STOFFEL_VM_PARTY_RUN_RUNNING) {
        size_t n = (size_t)sqlite3_column_bytes(st, 2);
        const void *p = sqlite3_column_blob(st, 2);
        uint8_t *copy = malloc(n + 1);
        if (!copy) {
            sqlite3_finalize(st);
            return STOFFEL_ERR_NOMEM;
        }
        if (n)
            memcpy(copy, p, n);
        copy[n] = '\0';
        *result = copy;
        if (result_len)
            *result_len = n;
    }
    sqlite3_finalize(st);
    return 0;
}
