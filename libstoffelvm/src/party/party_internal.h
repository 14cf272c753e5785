/*
 * party_internal.h - private declarations shared by the party runtime's files (bundle.c, store.c,
 * store_inputs.c): the bundle struct, the store handle and the small helpers they share.
 */
#ifndef STOFFEL_VM_PARTY_INTERNAL_H
#define STOFFEL_VM_PARTY_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <stoffel/vm.h>

struct stoffel_vm_bundle {
    char *name;
    char *entry;
    uint8_t *code;
    size_t code_len;
};

struct stoffel_vm_party_store {
    sqlite3 *db;
    char *path;
    uint32_t schema;
    uint8_t storage_ns[STOFFEL_VM_BUNDLE_HASH_LEN]; /* LocalStorage namespace */
    uint8_t *storage_value;                         /* last `get` result, zeroed on replace */
    size_t storage_value_len;
    char error[512];
};

/* Writes a printf-style message into buf (NUL-terminated, truncated); buf may be NULL. */
void party_format(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Sets the store's message and returns status. */
int store_fail(stoffel_vm_party_store *store, int status, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Maps an SQLite result to a status and sets a message naming what was being done. */
int store_sqlite_fail(stoffel_vm_party_store *store, int rc, const char *doing);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; begin and commit return a status (message set). */
int store_begin(stoffel_vm_party_store *store);
int store_commit(stoffel_vm_party_store *store);
void store_rollback(stoffel_vm_party_store *store);

/* Prepares sql; 0 or a status with message. */
int store_prepare(stoffel_vm_party_store *store, const char *sql, sqlite3_stmt **stmt);

/* 1 when a bundle with this hash is stored, 0 when not, negative status on error. */
int store_has_bundle(stoffel_vm_party_store *store, const uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN]);

/* ---- The party control protocol (party.c serves it, deploy.c is its client). ------------------
 * Requests and replies are stoffel_net envelopes with protocol PARTY_CONTROL_PROTOCOL, session_id
 * = the client's request id (echoed in the reply), round 0, and parts:
 *   request  ["deploy", bundle encoding]
 *   reply    ["deployed", hash (32 bytes)]  or  ["error", message text]
 * Version 1 of the protocol; a new version gets a new protocol number. */
enum { PARTY_CONTROL_PROTOCOL = 0x50435431 /* "PCT1" */ };

#endif
