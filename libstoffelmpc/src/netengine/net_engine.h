/*
 * net_engine.h - private state of the networked party engine, shared by its files:
 *   net_engine.c   construction, local share algebra, stats, teardown (the engine vtable)
 *   net_exec.c     preprocessing and the batched execute (MUL, OPEN, RANDOM, OUTPUT)
 *   net_party_io.c the party side of client input (admission, masks) and output (store, serve)
 *   net_client.c   the client entry point
 * A share of this engine is one field element in Montgomery form (limbs * 8 bytes), this party's.
 */
#ifndef STOFFEL_MPC_NET_ENGINE_H
#define STOFFEL_MPC_NET_ENGINE_H

#include <stdint.h>

#include "../engine_internal.h"
#include "../field.h"
#include "../proto.h"
#include "net_driver.h"

/* Inputs per client message (spec mpc.md 7.1). */
#define NE_MAX_CLIENT_INPUTS 65536
/* Client requests and admissions queued while no accept_inputs call runs. */
#define NE_MAX_QUEUED_REQUESTS 4096

typedef struct {
    uint64_t *a, *b, *c; /* triples; [pos, len) unused */
    size_t pos, len, cap;
    uint64_t *r;         /* random sharings; [rpos, rlen) unused */
    size_t rpos, rlen, rcap;
} ne_pools;

typedef struct {
    uint64_t client_id;
    uint64_t *shares;    /* this party's shares of the client's inputs */
    size_t count, cap;
} ne_store_entry;

typedef struct {
    uint64_t client_id;
    uint64_t instance;   /* the OUTPUT instance id the client reconstructs under */
    uint64_t *shares;
    size_t count;
    int sent;            /* handed to the client at least once after it asked */
} ne_output;

typedef struct {
    uint64_t client_id, count, instance; /* instance: admissions only */
} ne_request;

/* Another party's digest of the masked input vector m it received for an input instance. */
typedef struct {
    uint32_t party;
    uint64_t instance;
    uint8_t digest[32];
} ne_digest;

typedef struct {
    stoffel_mpc_engine base;
    stoffel_mpc_net_config cfg;
    const field *F;
    mpc_cache cache;
    mpc_party P;
    nd_driver d;
    uint64_t next_instance;   /* advanced identically by every party (proto.h, instance ids) */
    ne_pools pools;
    ne_store_entry *store;    /* ClientStore, ascending client id */
    size_t nstore, store_cap;
    ne_output *outputs;
    size_t noutputs, outputs_cap;
    uint64_t *subscribed;     /* clients that asked for their outputs */
    size_t nsubscribed, sub_cap;
    ne_request *requests;     /* client input requests in arrival order */
    size_t nrequests, req_cap;
    ne_request *admits;       /* party 0's admissions in its order (other parties) */
    size_t nadmits, admit_cap;
    ne_digest *digests;       /* digests of m from the other parties, not checked yet */
    size_t ndigests, digest_cap;
    int ctrl_error;           /* a control message that cannot be followed */
    char ctrl_msg[200];
    uint64_t rounds, prep_rounds, triples_used, randoms_used, mults, openings, dealt;
    uint64_t online_ns, prep_ns;
} net_engine;

static inline net_engine *NE(stoffel_mpc_engine *e) { return (net_engine *)e; }
static inline const net_engine *CNE(const stoffel_mpc_engine *e) { return (const net_engine *)e; }

void ne_wipe_free(void *p, size_t bytes);
/* Grows a limb vector of `cap` elements to hold `need` (copying and wiping the old one). */
int ne_grow(uint64_t **v, size_t *cap, size_t need, size_t limbs);

/* net_exec.c */
int ne_execute(stoffel_mpc_engine *e, stoffel_mpc_request *req, size_t count);
int ne_run_prep(net_engine *s, size_t triples, size_t randoms);
int ne_ensure_pools(net_engine *s, size_t triples, size_t randoms);

/* net_party_io.c */
void ne_control(void *user, mpc_node from, const mpc_envelope *env);
/* Driver hook: a frame for an instance this party already finished (id below next_instance). */
int ne_is_finished(void *user, uint8_t protocol, uint64_t instance);
/* Compacts the pools (drops consumed items) and grows them to hold `triples` more triples and
 * `randoms` more random sharings after pl->len / pl->rlen. Errors: STOFFEL_ERR_NOMEM. */
int ne_pools_reserve(ne_pools *pl, size_t L, size_t triples, size_t randoms);

/* The ClientStore entry of client id; when absent and create is set, a new empty entry is inserted
 * in ascending id order (NULL: absent, or out of memory). */
ne_store_entry *ne_store_find(net_engine *s, uint64_t id, int create);
int ne_store_output(net_engine *s, uint64_t client_id, uint64_t instance, const uint64_t *shares, size_t count);
size_t ne_client_count(const stoffel_mpc_engine *e);
int ne_client_id(const stoffel_mpc_engine *e, size_t idx, uint64_t *id);
int ne_client_input_count(const stoffel_mpc_engine *e, size_t idx, size_t *count);
int ne_client_input_get(stoffel_mpc_engine *e, size_t idx, size_t input, uint8_t *share_out);
void ne_party_io_free(net_engine *s);

/* net_engine.c */
int ne_is_networked(const stoffel_mpc_engine *e);
/* Copies a caller's config over the defaults and checks it (party engine and client). */
int ne_config_check(const stoffel_mpc_net_config *in, stoffel_mpc_net_config *cfg, char *err, size_t err_len);

#endif
