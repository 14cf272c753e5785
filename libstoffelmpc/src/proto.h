/*
 * proto.h - the driver-facing interface of libstoffelmpc's protocols (sans-I/O state machines).
 *
 * A protocol instance belongs to one node (a party or a client). It never touches a socket, a
 * clock or a thread: a driver (the simulator in sim.c, the network runtime over libstoffelnet)
 * creates it, feeds it messages and drains what it wants sent. The contract:
 *
 *   1. Create the instance with its protocol's constructor (open_new, prep_new, input_party_new,
 *      input_client_new, output_client_new, rbc_new ...). Constructors take the node context
 *      (mpc_party or mpc_client), the instance id (see "Instance ids" below), the inputs, and an
 *      mpc_outbox; messages the instance wants sent at start are appended to the outbox.
 *   2. Drain the outbox: for each mpc_out item, wrap its payload in an envelope
 *      (wire_encode: protocol = p->kind, session, instance = p->instance, round, sender = p->self)
 *      and send it to item.to over an authenticated, confidential, reliable channel. Then
 *      outbox_clear() (the driver owns and frees the payloads).
 *   3. On every frame received: wire_decode it (strict; reject on error), check env.sender equals
 *      the transport-authenticated peer, find the instance by (protocol, session, instance) and call
 *      p->ops->receive(p, env.sender, env.round, env.payload, env.payload_len, outbox). Drain again.
 *      Frames for an instance not created yet are buffered (bounded); frames for finished instances
 *      are dropped.
 *   4. p->done becomes 1 when the result is ready (read it with the protocol's accessor, e.g.
 *      open_result); p->status < 0 when the instance failed (p->error says why). A misbehaving
 *      peer is reported as an event (mpc_party.blame counters), not as a failure, whenever the
 *      protocol can tolerate it (robust mode).
 *   5. When the driver's timer for the instance expires (no progress), call p->ops->timeout(p, out):
 *      the instance completes with what it has if that is enough (e.g. t+1 consistent shares in
 *      semi-honest mode), else fails with STOFFEL_ERR_TIMEOUT naming the missing parties.
 *   6. p->ops->destroy(p) frees it and wipes its secrets.
 *
 * Instance ids: every party derives the same ids without communication. The envelope carries
 * (protocol, session, instance, round, sender): session is the MPC session (64 bits, e.g. a hash of
 * the run id), instance a per-session counter that every party advances identically (one per
 * execute batch / preprocessing batch / client interaction, in program order), round a
 * per-protocol step, sender the node. This is unique per (session, protocol, invocation, round,
 * sender) with no 8-bit limits on parties or clients.
 */
#ifndef STOFFEL_MPC_PROTO_H
#define STOFFEL_MPC_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "rng.h"
#include "shamir.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libstoffelmpc's wire payloads assume a little-endian host"
#endif

enum { MPC_ROLE_PARTY = 0, MPC_ROLE_CLIENT = 1 };

typedef struct {
    uint8_t role;  /* MPC_ROLE_PARTY or MPC_ROLE_CLIENT */
    uint64_t id;   /* party index 0..n-1, or client id */
} mpc_node;

static inline int node_equal(mpc_node a, mpc_node b) { return a.role == b.role && a.id == b.id; }
static inline mpc_node party_node(uint32_t i) { mpc_node n = {MPC_ROLE_PARTY, i}; return n; }
static inline mpc_node client_node(uint64_t id) { mpc_node n = {MPC_ROLE_CLIENT, id}; return n; }

/* Protocol codes carried in envelopes. */
enum {
    MPC_PROTO_OPEN = 1,    /* open share vectors to every party */
    MPC_PROTO_PREP = 2,    /* random sharings, double sharings, Beaver triples */
    MPC_PROTO_INPUT = 3,   /* client input with random masks */
    MPC_PROTO_OUTPUT = 4,  /* shares to a client, who reconstructs */
    MPC_PROTO_RBC = 5,     /* Bracha reliable broadcast */
    MPC_PROTO_RESHARE = 6, /* dealings of parties 0..d-1 (degree reduction, dealt randomness) */
    MPC_PROTO_MAX = 6
};

/* A small cache of large blocks, so a driver running many rounds does not page-fault fresh
 * memory for every share vector and frame. Blocks are zeroed when returned (they held shares).
 * Single-threaded; a NULL cache means plain malloc/free. */
#define MPC_CACHE_SLOTS 64
typedef struct {
    void *block[MPC_CACHE_SLOTS];
    size_t size[MPC_CACHE_SLOTS];
    size_t count;
} mpc_cache;

/* A block of at least `size` bytes (its capacity in *cap); NULL when out of memory. */
void *cache_get(mpc_cache *c, size_t size, size_t *cap);
/* Zeroes the first `used` bytes and keeps the block (or frees it when the cache is full). */
void cache_put(mpc_cache *c, void *block, size_t used, size_t cap);
void cache_free(mpc_cache *c);

/* Bytes reserved in front of every payload, so the envelope header can be written in place and
 * the frame sent without copying the payload (wire_encode_inplace). */
#define MPC_WIRE_HEADROOM 96

/* One message an instance wants sent. `payload` points MPC_WIRE_HEADROOM bytes into `block`;
 * the driver owns the block after draining (returns it with cache_put(outbox cache, ...)). */
typedef struct {
    mpc_node to;
    uint32_t round;
    uint8_t *block;
    size_t block_cap;
    uint8_t *payload;
    size_t len;
} mpc_out;

typedef struct {
    mpc_out *items;
    size_t count, cap;
    mpc_cache *cache;  /* where payload blocks come from (NULL: malloc) */
} mpc_outbox;

/* Appends a message of len bytes to `to`; returns the payload buffer to fill, NULL if out of memory. */
uint8_t *outbox_push(mpc_outbox *out, mpc_node to, uint32_t round, size_t len);
/* Frees every queued payload not taken by the driver (item.block == NULL once taken) and empties
 * the outbox (keeps its storage). */
void outbox_clear(mpc_outbox *out);
void outbox_free(mpc_outbox *out);

/* A party's long-lived context, shared by its protocol instances. */
typedef struct {
    const field *F;
    shamir_ctx S;
    uint32_t n, t, self;
    int robust;            /* STOFFEL_MPC_ROBUST */
    uint64_t session;
    mpc_rng rng;           /* this party's private randomness */
    uint32_t *blame;       /* n counters: misbehaviour seen from each party */
    mpc_cache *cache;      /* optional block cache for share vectors (driver's; may be NULL) */
    int open_check;        /* semi-honest OPEN fan-out. 0 (default): each party sends its share
                            * only to the d parties after it (cyclic, i+1..i+d mod n) and
                            * reconstructs from exactly d+1 shares: half the bytes at n = 3, but
                            * a wrong share goes unnoticed and a silent sender stalls the opening
                            * (semi-honest parties neither lie nor crash by assumption). 1: send
                            * to every party and check the extra shares for consistency (a
                            * wrong share aborts; at the timeout d+1 shares suffice). Robust
                            * mode always sends to every party. */
} mpc_party;

int party_init(mpc_party *P, const field *F, uint32_t n, uint32_t t, uint32_t self, int robust,
               uint64_t session, const uint8_t rng_key[32]);
void party_free(mpc_party *P);

/* A client's context (input provider / output receiver). */
typedef struct {
    const field *F;
    shamir_ctx S;
    uint32_t n, t;
    int robust;
    uint64_t id;
    uint64_t session;
    mpc_cache *cache;      /* optional, as in mpc_party */
} mpc_client;

int client_init(mpc_client *C, const field *F, uint32_t n, uint32_t t, int robust, uint64_t id,
                uint64_t session);
void client_free(mpc_client *C);

typedef struct mpc_proto mpc_proto;

typedef struct {
    const char *name;
    int (*receive)(mpc_proto *p, mpc_node from, uint32_t round, const uint8_t *payload, size_t len,
                   mpc_outbox *out);
    int (*timeout)(mpc_proto *p, mpc_outbox *out);
    void (*destroy)(mpc_proto *p);
} mpc_proto_ops;

struct mpc_proto {
    const mpc_proto_ops *ops;
    uint8_t kind;        /* MPC_PROTO_* */
    uint64_t session, instance;
    mpc_node self;
    int done;            /* 1: result ready */
    int status;          /* < 0: failed */
    char error[200];
};

/* Fills the fields every protocol instance starts with (the rest of *p stays as it is). */
void proto_init(mpc_proto *p, const mpc_proto_ops *ops, uint8_t kind, uint64_t session,
                uint64_t instance, mpc_node self);

/* Marks p failed with a status and a message (printf-style). Returns status. */
int proto_fail(mpc_proto *p, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- share collection and reconstruction (shared by open, output, input, prep) ---- */
typedef struct {
    const field *F;
    shamir_ctx *S;
    uint32_t n, t, degree;
    int robust;
    size_t count;
    uint64_t *recv;      /* n x count: share vector of each party */
    uint8_t *have;       /* n */
    uint32_t nhave;
    uint32_t expect;     /* shares that will come (n unless the sender set is cyclic) */
    const uint8_t *awaited; /* optional (NULL: everyone): the parties expected to send, n flags */
    uint64_t *out;       /* count opened values */
    uint8_t *decoded;    /* robust: per-element done flags */
    size_t remaining;    /* robust: elements not yet decoded */
    uint8_t *suspect;    /* n: parties caught with wrong shares */
    uint32_t *blame;     /* optional (NULL): counters bumped for every party caught */
    int complete;
    mpc_cache *cache;
    size_t recv_cap, out_cap;
} collector;

int collector_init(collector *c, const field *F, shamir_ctx *S, uint32_t n, uint32_t t,
                   uint32_t degree, int robust, size_t count, mpc_cache *cache);
void collector_free(collector *c);
/* Adds party `from`'s share vector (payload bytes). STOFFEL_ERR_MALFORMED for a wrong size or an
 * element >= p, STOFFEL_ERR_STATE for a duplicate; the caller decides whether that is fatal. */
int collector_add(collector *c, uint32_t from, const uint8_t *payload, size_t len);
/* Adds a share vector already in limb form (own share). */
void collector_add_own(collector *c, uint32_t self, const uint64_t *shares);
/* Tries to finish: returns 1 when c->out is complete, 0 when more shares are needed, or a negative
 * status (STOFFEL_MPC_ERR_INCONSISTENT in semi-honest mode, STOFFEL_MPC_ERR_DECODE when every
 * share is in and decoding still fails). `final` = the driver's timeout: finish with what is there.
 * msg receives details on failure. */
int collector_try(collector *c, int final, char *msg, size_t msg_len);

/* ---- protocols ---- */

/* Opens `count` degree-`degree` shares to every party: in robust mode with count >= degree+1 by
 * batch reconstruction (batch_open_new), else in one round (see mpc_party.open_check). */
mpc_proto *open_new(mpc_party *P, uint64_t instance, const uint64_t *shares, size_t count,
                    uint32_t degree, mpc_outbox *out);
/* The opened values (count elements, Montgomery form); valid while the instance lives. */
const uint64_t *open_result(const mpc_proto *p);

/* Batch reconstruction (HBMPC Fig. 2): opens `count` degree-`degree` shares in two rounds with
 * O(n) elements per party per group of degree+1 values; robust decoding in robust mode. Same
 * envelope protocol code as OPEN (the two never share an instance id). */
mpc_proto *batch_open_new(mpc_party *P, uint64_t instance, const uint64_t *shares, size_t count,
                          uint32_t degree, mpc_outbox *out);
const uint64_t *batch_open_result(const mpc_proto *p);

/* Party side of OUTPUT: sends its shares to the client (no instance needed). */
int output_send(mpc_party *P, uint64_t instance, uint64_t client_id, const uint64_t *shares,
                size_t count, mpc_outbox *out);
/* Client side of OUTPUT: collects shares and reconstructs (robustly in robust mode). */
mpc_proto *output_client_new(mpc_client *C, uint64_t instance, size_t count);
const uint64_t *output_client_result(const mpc_proto *p);

/* Client input with random masks (spec mpc.md 7.1). Party side: r = the next `count` random
 * sharings (this party's shares); sends them to the client, waits for the masked values m (one
 * vector, identical at every party: plain send in semi-honest mode, Bracha RBC with the client as
 * dealer in robust mode), outputs [x] = m - [r]. */
mpc_proto *input_party_new(mpc_party *P, uint64_t instance, uint64_t client_id, const uint64_t *r,
                           size_t count, mpc_outbox *out);
const uint64_t *input_party_result(const mpc_proto *p);
/* Client side: values x (Montgomery form). */
mpc_proto *input_client_new(mpc_client *C, uint64_t instance, const uint64_t *x, size_t count,
                            mpc_outbox *out);

/* Resharing, semi-honest mode only (proto_reshare.c): parties 0..dealers-1 each deal `count`
 * secrets of their own (secrets: count elements in Montgomery form when P->self < dealers, else
 * unused) as degree-t sharings; every party collects its share of every dealing in one round.
 * Multiplication by degree reduction reshares the local products of parties 0..2t and combines
 * the dealings with the Lagrange coefficients at 0; dealt randomness uses dealers = t+1. NULL when
 * out of memory or dealers is not in 1..n. */
mpc_proto *reshare_new(mpc_party *P, uint64_t instance, const uint64_t *secrets, size_t count,
                       uint32_t dealers, mpc_outbox *out);
/* dealers x count shares (dealer-major, Montgomery form) once done; valid while the instance
 * lives. */
const uint64_t *reshare_result(const mpc_proto *p);
/* MUL_RESHARE: after an instance with dealers = 2t+1 that reshared the local products is done,
 * out (count elements) = sum_d lambda_d dealing_d, this party's degree-t share of the products.
 * STOFFEL_ERR_STATE if p is not done, STOFFEL_ERR_NOMEM. */
int reshare_product(mpc_party *P, const mpc_proto *p, size_t count, uint64_t *out);
/* DEALT_RANDOM: count uniformly random integers in [0, 2^bits) from the party's own randomness
 * (Montgomery form), the secrets a dealer deals. bits < the field's bit length. */
void reshare_random_ints(mpc_party *P, uint32_t bits, size_t count, uint64_t *out);

/* Preprocessing: random sharings and Beaver triples generated by the parties (spec mpc.md 4):
 * RanSha / RanDouSha by Vandermonde extraction (semi-honest: (n-t) x n, no checks; robust: n x n
 * with verification rows checked by parties 0..2t-1 / t+1..n-1), then DN07 triples by opening
 * [ab - r]_2t. Produces at least `triples` triples and `randoms` random sharings (rounded up to the
 * extraction width). */
mpc_proto *prep_new(mpc_party *P, uint64_t instance, size_t triples, size_t randoms, mpc_outbox *out);
/* Results: counts and vectors (Montgomery form) owned by the instance. */
void prep_result(const mpc_proto *p, size_t *triples, const uint64_t **a, const uint64_t **b,
                 const uint64_t **c, size_t *randoms, const uint64_t **r);

#endif
