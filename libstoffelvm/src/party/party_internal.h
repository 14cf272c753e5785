/*
 * party_internal.h - private declarations shared by the party runtime's files (bundle.c, store.c,
 * store_inputs.c): the bundle struct, the store handle and the small helpers they share.
 */
#ifndef STOFFEL_VM_PARTY_INTERNAL_H
#define STOFFEL_VM_PARTY_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* Preprocessing pools (store_pools.c). get: STOFFEL_ERR_NOT_FOUND when none; *material is
 * malloc'd and secret (stoffel_vm_party_secret_free). put replaces, in one transaction. */
int store_get_pool(stoffel_vm_party_store *store, int field, uint64_t *tag, uint8_t **material, size_t *len);
int store_put_pool(stoffel_vm_party_store *store, int field, uint64_t tag, const uint8_t *material, size_t len);
int store_drop_pool(stoffel_vm_party_store *store, int field);
/* The tag and the first len bytes of the stored pool (zeros past its end), without reading the
 * rest: pools grow to hundreds of megabytes, and party 0 looks at its pool's levels every time it
 * is idle. STOFFEL_ERR_NOT_FOUND when none. The header bytes hold counts, not shares. */
int store_get_pool_header(stoffel_vm_party_store *store, int field, uint64_t *tag, uint8_t *header, size_t len);

/* Calls fn for every stored input record of program in storage order (one query, so reading n
 * records is linear in n): index from 0, the client, and its shares (count x share_size bytes,
 * valid only during the call). A non-zero return of fn stops the walk and is returned; a damaged
 * record gives STOFFEL_ERR_MALFORMED (message set). */
typedef int (*store_input_fn)(void *user, size_t index, uint64_t client_id, const uint8_t *shares,
                              size_t share_size, size_t count);
int store_each_input(stoffel_vm_party_store *store, const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                     store_input_fn fn, void *user);

/* The latest finished run of program with an output record for client_id (store_outputs.c);
 * STOFFEL_ERR_NOT_FOUND when none. */
int store_latest_output_run(stoffel_vm_party_store *store, const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                            uint64_t client_id, uint64_t *run_id);

/* ---- The party control protocol (party.c serves it, deploy.c and client.c are its clients). ---
 * Messages are stoffel_net envelopes with protocol PARTY_CONTROL_PROTOCOL, round 0, and parts:
 * client -> every party (session_id = the client's request id, echoed in every reply):
 *   ["deploy", bundle encoding]          -> ["deployed", hash (32)]
 *   ["input", program (32), count (u64)] -> party 0: ["session", session (u64), field (u8),
 *                                           t (u32), robust (u8)]; then every party, once the
 *                                           shares are committed to its store: ["stored", seq (u64)]
 *   ["run", program (32)]                -> ["result", run id (u64), result text, printed output,
 *                                           stats (8 x u64, see PARTY_STATS_*)]
 *   ["output", program (32)]             -> party 0: ["session", session, field, t, robust,
 *                                           count (u64)]; then the outputs of the latest run for
 *                                           this client travel as the MPC engine's outputs
 *   any request may instead be answered ["error", message text]
 * party 0 -> the other parties (session_id = the operation's MPC session id):
 *   ["op", kind (u8), client keys (32 k), request ids (8 k)]   the next collective operation, for
 *                                           k clients' requests: 1 to PARTY_INPUT_BATCH for an
 *                                           input, exactly 1 for the others
 *   ["go", use stored pools (u8)]  or  ["abort", reason]; for background preprocessing the go
 *                                           part is 25 bytes: use stored pools (u8), then party
 *                                           0's levels triples, randoms, comparisons (3 x u64),
 *                                           which every party uses (its own may differ)
 * party -> party 0 (session_id = the operation's session):
 *   ["ready", pool tag (u64), digest of the stored inputs (32)]  or  ["notready", reason]
 * Integers are little-endian. Version 1 of the protocol; a new version gets a new number. */
enum { PARTY_CONTROL_PROTOCOL = 0x50435431 /* "PCT1" */ };

/* ---- The party runtime's state (party.c takes messages in, party_ops.c runs operations). ---- */

enum { PARTY_MAX_QUEUED = 1024 };

/* Queued input requests for one program that party 0 admits in one operation (one session, one
 * barrier, one engine): with thousands of data providers the per-operation cost, not the mask
 * protocol, would otherwise bound how fast inputs are taken. */
enum { PARTY_INPUT_BATCH = 32 };

/* A client's request for a collective operation, queued until party 0 runs it. */
typedef struct {
    uint8_t kind;                                 /* PARTY_OP_* */
    uint8_t client_key[STOFFEL_NET_FINGERPRINT_LEN];
    uint64_t request_id;
    uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN];
    uint64_t count;                               /* inputs */
    int64_t received_ms;
} party_request;

/* Party 0's announcement of an operation (other parties): the clients' requests it serves. */
typedef struct {
    uint8_t kind;
    uint64_t session;
    size_t nclients;
    uint8_t client_keys[PARTY_INPUT_BATCH][STOFFEL_NET_FINGERPRINT_LEN];
    uint64_t request_ids[PARTY_INPUT_BATCH];
    int64_t received_ms;
} party_announce;

/* The levels of background preprocessing (stoffel_vm_party_mpc_config's prep_*): party 0's
 * travel in the "go" of a preprocessing operation, since the collective calls that fill the pool
 * must ask every engine for the same amounts. */
typedef struct {
    uint64_t triples, randoms, comparisons;
} party_prep_levels;

/* Bytes of a "go" that carries levels: use_pool (u8) and the three levels (u64 each). */
enum { PARTY_GO_LEVELS_LEN = 1 + 3 * 8 };

/* A party's answer to an announcement (party 0), or party 0's go / abort (the others). */
typedef struct {
    uint64_t session;
    uint32_t party;
    int ready;                                    /* 1 ready, 0 not ready / abort */
    uint64_t pool_tag;
    uint8_t digest[32];
    uint8_t use_pool;                             /* go */
    int has_levels;                               /* go: levels below were sent */
    party_prep_levels levels;
    char reason[256];
} party_signal;

struct stoffel_vm_party {
    stoffel_net *net;
    stoffel_vm_party_store *store;
    stoffel_vm_party_log_fn log;
    void *log_user;
    uint64_t requests;
    uint64_t operations;
    uint32_t n, me;
    /* MPC (stoffel_vm_party_enable_mpc) */
    struct event_base *base;
    struct event *wake;                           /* bounds each wait of an operation */
    stoffel_vm_party_mpc_config mpc;
    stoffel_mpc_security security;
    int mpc_enabled;
    party_request *queue;
    size_t nqueue;
    party_announce *announced;
    size_t nannounced;
    party_signal *signals;
    size_t nsignals;
    int64_t idle_since_ms;
    /* Party 0: the tag of the stored pool that is known to hold the comparison material of
     * mpc.prep_comparisons (0: none known). Set after each operation that stores a pool (party_ops.c
     * prep_due says why the count lives here rather than in the stored bytes). */
    uint64_t material_ok_tag;
    char error[512];
};

void party_log(stoffel_vm_party *party, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Sends a control reply to a client; logs a failure. */
void party_reply(stoffel_vm_party *party, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN], uint64_t request_id,
                 const char *kind, const stoffel_net_bytes *parts, size_t count);
void party_reply_error(stoffel_vm_party *party, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                       uint64_t request_id, const char *message);
/* Sends a control message to party `to`. */
void party_send(stoffel_vm_party *party, uint32_t to, uint64_t session, const char *kind,
                const stoffel_net_bytes *parts, size_t count);

/* The endpoint's message handler while no engine runs, and the engine's foreign handler while
 * one does: returns 1 when the frame was a control message (handled), 0 otherwise. */
int party_take_frame(void *user, const stoffel_net_peer *from, const uint8_t *data, size_t len);
/* Reinstalls the party's own callbacks on its endpoint (after an engine is freed). */
void party_install_callbacks(stoffel_vm_party *party);

int64_t party_now_ms(void);

/* party_ops.c: runs the next ready operation (stoffel_vm_party_poll). */
int party_ops_poll(stoffel_vm_party *party);

/* party_prep.c: background preprocessing.
 * party_prep_due: party 0 only; 1 when a preprocessing operation should start now (a level of
 * the stored pool is short, every link is up, the parties have been idle for a moment).
 * party_prep_top_up: collective; fills the engine's pool towards levels (party 0's): the random
 * bits, masks and chains of levels->comparisons 64-bit LT and EQ each (at most a step of them per
 * operation, party_prep.c), then triples and random sharings up to their levels; logs what it
 * holds then. 0, or a status with a message in err.
 * party_prep_note_stored: after the engine's pool was stored under tag (field's pool): party 0
 * remembers whether it holds the comparison material of its configured level. */
int party_prep_due(stoffel_vm_party *p);
int party_prep_top_up(stoffel_vm_party *p, stoffel_mpc_engine *e, const party_prep_levels *levels, char *err,
                      size_t err_len);
void party_prep_note_stored(stoffel_vm_party *p, stoffel_mpc_engine *e, stoffel_mpc_field_id field, uint64_t tag);

/* Collective operations party 0 sequences. */
enum { PARTY_OP_INPUT = 1, PARTY_OP_RUN = 2, PARTY_OP_PREP = 3, PARTY_OP_OUTPUT = 4 };

/* The stats part of a "result": u64 values in this order. */
enum {
    PARTY_STATS_INPUT_NS, PARTY_STATS_PREP_NS, PARTY_STATS_PREP_ROUNDS, PARTY_STATS_PREP_BYTES,
    PARTY_STATS_ONLINE_NS, PARTY_STATS_ONLINE_ROUNDS, PARTY_STATS_ONLINE_BYTES, PARTY_STATS_TOTAL_NS,
    PARTY_STATS_COUNT
};

/* Encodes a control envelope of `count` parts (kind text first) and returns it (malloc'd, free
 * with stoffel_net_buffer_free) or NULL when out of memory. */
uint8_t *party_envelope(uint64_t session, uint32_t sender, const char *kind, const stoffel_net_bytes *parts,
                        size_t count, size_t *len);

/* 1 when an envelope part holds exactly this text. */
int party_part_is(const stoffel_net_bytes *part, const char *text);

static inline void party_put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint64_t party_get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* The MPC field of a program's curve (the field of its shares). */
stoffel_mpc_field_id party_field_of(const stoffel_vm_program *program);

#endif
