/*
 * engine_sim.h - private state of the simulated engine, shared by engine_sim.c (local operations,
 * preprocessing pools, execute, lifetime) and engine_sim_clients.c (ClientStore, simulated clients,
 * fault controls).
 */
#ifndef STOFFEL_MPC_ENGINE_SIM_H
#define STOFFEL_MPC_ENGINE_SIM_H

#include "engine_internal.h"
#include "field.h"
#include "proto.h"
#include "sim.h"

typedef struct {
    uint64_t *a, *b, *c; /* triples [pos, len) are unused */
    size_t pos, len, cap;
    uint64_t *r;         /* random sharings */
    size_t rpos, rlen, rcap;
} party_pools;

typedef struct {
    uint64_t client_id;
    uint64_t *shares;    /* this party's shares of the client's inputs */
    size_t count, cap;
} store_entry;

typedef struct {
    store_entry *entries; /* ascending client id */
    size_t count, cap;
} client_store;

typedef struct {
    mpc_client C;
    uint8_t *outputs;    /* reconstructed outputs, canonical bytes */
    size_t nout, cap;
} sim_client;

typedef struct {
    stoffel_mpc_engine base;
    stoffel_mpc_sim_config cfg;
    const field *F;
    mpc_sim *sim;
    mpc_party *parties;
    party_pools *pools;
    client_store *stores;
    sim_client *clients;
    size_t nclients, ccap;
    uint64_t session, next_instance;
    mpc_cache cache;     /* big blocks reused across rounds (share vectors, frames) */
    /* counters */
    uint64_t rounds, prep_rounds, triples_used, randoms_used, mults, openings, dealt;
    uint64_t online_ns, prep_ns;
} sim_engine;

static inline sim_engine *SE(stoffel_mpc_engine *e) { return (sim_engine *)e; }
static inline const sim_engine *CSE(const stoffel_mpc_engine *e) { return (const sim_engine *)e; }

uint64_t sime_now_ns(void);
/* Zeroes `bytes` and frees p (NULL is a no-op). */
void sime_wipe_free(void *p, size_t bytes);
/* Party i's element of each of `count` engine shares <-> a packed limb vector. */
void sime_gather(const sim_engine *s, const uint8_t *shares, size_t count, uint32_t i, uint64_t *dst);
void sime_scatter(const sim_engine *s, uint8_t *shares, size_t count, uint32_t i, const uint64_t *src);
/* Decodes canonical public elements; STOFFEL_MPC_ERR_NOT_IN_FIELD naming the first bad one. */
int sime_read_public(sim_engine *s, const uint8_t *bytes, size_t count, uint64_t *dst, const char *what);
/* 1 while party i has not crashed. */
int sime_live(const sim_engine *s, uint32_t i);
/* Registers p with the simulator and sends what it produced at creation. */
int sime_start_instance(sim_engine *s, mpc_proto *p, mpc_outbox *out);
/* Unregisters and destroys the non-NULL instances of v. */
void sime_drop_instances(sim_engine *s, mpc_proto **v, size_t count);
/* Grows a limb vector to hold `need` elements (copying and wiping the old one). */
int sime_grow(uint64_t **v, size_t *cap, size_t need, size_t L);
/* Runs preprocessing when the pools hold fewer than `triples` triples or `randoms` sharings. */
int sime_ensure_pools(sim_engine *s, size_t triples, size_t randoms);
int sime_run_prep(sim_engine *s, size_t triples, size_t randoms);
/* The simulated client with this id (created on demand when create is set); NULL if none / OOM. */
sim_client *sime_find_client(sim_engine *s, uint64_t id, int create);
int sime_is_sim(const stoffel_mpc_engine *e);

/* ClientStore (engine_sim_clients.c) */
size_t sime_client_count(const stoffel_mpc_engine *e);
int sime_client_id(const stoffel_mpc_engine *e, size_t idx, uint64_t *id);
int sime_client_input_count(const stoffel_mpc_engine *e, size_t idx, size_t *count);
int sime_client_input_get(stoffel_mpc_engine *e, size_t idx, size_t input, uint8_t *share_out);
int sime_store_append(sim_engine *s, uint32_t party, uint64_t client, const uint64_t *shares, size_t count);

#endif
