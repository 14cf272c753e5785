/*
 * net_driver.h - the network driver of the sans-I/O protocols (proto.h) over libstoffelnet: one
 * node (a party or a client) of a session. It owns the node's table of live protocol instances,
 * encodes their outboxes as wire envelopes and hands them to the transport, decodes every frame
 * that arrives (strictly), checks that the envelope's sender is the peer the transport
 * authenticated, routes it to its instance, buffers frames of instances not created yet (bounded),
 * drops frames of finished ones, and runs the caller's event base until a set of instances
 * settles, with a deadline whose expiry names the parties that stayed silent.
 *
 * Instance 0 of every protocol code is the control channel of the session (no protocol instance
 * ever has id 0): its frames go to the node's control handler (client requests, admissions).
 */
#ifndef STOFFEL_MPC_NET_DRIVER_H
#define STOFFEL_MPC_NET_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include <stoffel/mpc.h>
#include <stoffel/net.h>

#include "../proto.h"
#include "../wire.h"

/* Rounds of the control instance (instance 0). */
enum {
    NCTRL_INPUT_REQUEST = 1, /* client -> parties (protocol INPUT): u64 count */
    NCTRL_INPUT_ADMIT = 2,   /* party 0 -> parties (protocol INPUT): u64 client, count, instance */
    NCTRL_INPUT_DIGEST = 3,  /* party -> parties (protocol INPUT): u64 instance, 32-byte digest of m */
    NCTRL_OUTPUT_FETCH = 1   /* client -> parties (protocol OUTPUT): empty */
};

/* The part of the early-frame buffer clients may use (all clients together). */
#define NE_EARLY_CLIENT_FRAMES 256
#define NE_EARLY_CLIENT_BYTES ((size_t)64 << 20)

typedef struct nd_driver nd_driver;

/* Outbox blocks lent to the transport (stoffel_net_send_owned) come back to the cache through this
 * pool. The transport may hold blocks beyond the driver's life (until acknowledged, or until the
 * endpoint is freed): nd_free orphans the pool and the last returned block frees it. */
typedef struct {
    mpc_cache *cache;
    size_t lent;   /* blocks the transport holds */
    int orphaned;  /* the driver is gone: returned blocks are wiped and freed */
} nd_pool;

/* Hooks of the node that owns the driver (all optional). They run inside the transport's message
 * callback: they may queue work and send, but must not run the event loop. */
typedef struct {
    /* a frame of the control instance 0 */
    void (*control)(void *user, mpc_node from, const mpc_envelope *env);
    /* a frame for an instance that is not live: return 1 to drop it (finished), 0 to buffer it */
    int (*is_finished)(void *user, uint8_t protocol, uint64_t instance);
    /* a frame was just buffered for an unknown instance (clients count such frames as votes) */
    void (*buffered)(void *user, mpc_node from, const mpc_envelope *env);
    void *user;
} nd_hooks;

typedef struct {
    mpc_proto *p;
    uint8_t *heard;       /* n flags: some frame from party j arrived for this instance */
    int heard_client;
} nd_inst;

typedef struct {
    uint8_t *bytes;       /* copy of the frame (a block of the driver's cache) */
    size_t len, cap;
    mpc_node from;
    uint8_t protocol;
    uint64_t instance;
} nd_early;

typedef struct {
    uint64_t id;
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
} nd_client_key;

struct nd_driver {
    struct event_base *base;
    stoffel_net *net;
    const field *F;
    uint32_t n;
    uint64_t session;
    mpc_node self;
    mpc_cache *cache;
    nd_pool *pool;
    nd_hooks hooks;
    nd_inst *inst;
    size_t ninst, icap;
    nd_early *early;
    size_t nearly, ecap, early_bytes, max_early, max_early_bytes;
    size_t early_client, early_client_bytes; /* of which from clients */
    uint64_t early_refused;          /* frames refused because the buffer was full */
    nd_client_key *clients;          /* keys of clients heard from (to answer them) */
    size_t nclients, ccap;
    uint8_t *link_closed;            /* n flags: the transport closed the link for good */
    struct event *timer;
    stoffel_mpc_net_foreign_fn foreign; /* the host's handler for frames that are not MPC frames */
    void *foreign_user;
    uint64_t msgs_sent, bytes_sent, rejected;
    int fatal;                       /* an allocation failed inside a callback */
    char note[320];                  /* the last rejected frame, for error messages */
};

int nd_init(nd_driver *d, struct event_base *base, stoffel_net *net, const field *F, uint32_t n,
            uint64_t session, mpc_node self, mpc_cache *cache, size_t max_early,
            size_t max_early_bytes, const nd_hooks *hooks);
void nd_free(nd_driver *d);

/* Makes p live and hands it the frames buffered for it. p stays the caller's. */
int nd_register(nd_driver *d, mpc_proto *p);
/* Removes p from the live table (call before destroying it). */
void nd_unregister(nd_driver *d, mpc_proto *p);
/* Registers p and sends what its constructor put in out. */
int nd_start(nd_driver *d, mpc_proto *p, mpc_outbox *out);

/* Sends every message of out as node `from`'s instance (protocol, instance); clears out. */
int nd_send(nd_driver *d, uint8_t protocol, uint64_t instance, mpc_outbox *out);
/* Sends one control frame (instance 0) to `to` (a party or a client heard from). */
int nd_send_control(nd_driver *d, mpc_node to, uint8_t protocol, uint32_t round,
                    const uint8_t *payload, size_t len);

/* The transport key of client id (learned when it sent something), or NULL. */
const uint8_t *nd_client_key_of(const nd_driver *d, uint64_t id);

/* Absolute deadline in ns for a wait of timeout_ms from now. */
uint64_t nd_deadline(int timeout_ms);
uint64_t nd_now_ns(void);
/* Runs the event base once (blocking at most until deadline). Returns 1 if the deadline passed. */
int nd_loop_once(nd_driver *d, uint64_t deadline_ns);

/* Runs the event base until every instance in watch (NULL entries skipped) is done or failed, or
 * the deadline passes; then gives the unfinished instances their timeout event. Returns 0 when all
 * are done, else the first failure status with a message in msg naming the instance and, on
 * timeout, the parties never heard from. `what` names the operation for messages. */
int nd_wait(nd_driver *d, mpc_proto *const *watch, size_t count, uint64_t deadline_ns,
            const char *what, char *msg, size_t msg_len);

#endif
