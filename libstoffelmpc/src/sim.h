/*
 * sim.h - the deterministic simulator driver: all parties' and clients' protocol instances in one
 * process, messages encoded as wire envelopes and delivered by a seeded scheduler that can
 * reorder, delay and drop (with redelivery, as a reliable channel retransmits) messages, crash
 * parties at a chosen step and make chosen parties send wrong shares or garbage. Same seed, same
 * delivery order, same transcript hash.
 */
#ifndef STOFFEL_MPC_SIM_H
#define STOFFEL_MPC_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "proto.h"

enum { SIM_HONEST = 0, SIM_LIAR_WRONG_SHARES = 1, SIM_LIAR_GARBAGE = 2, SIM_BAD_DEALER = 3 };

typedef struct {
    int reorder;              /* deliver ready messages in random order */
    uint32_t delay_permille;  /* chance a message is held back a random number of steps */
    uint32_t drop_permille;   /* chance a message is lost and retransmitted later */
    int record_transcript;    /* hash every delivered frame (costs a pass over the bytes) */
} sim_faults;

typedef struct mpc_sim mpc_sim;

/* cache: where outbox blocks come from and frames go back to (may be NULL). */
int sim_new(const field *F, uint32_t n, uint64_t seed, const sim_faults *faults, mpc_cache *cache,
            mpc_sim **out);
void sim_free(mpc_sim *sim);

/* Registers an instance owned by node `at` (the caller keeps ownership of p). Buffered messages
 * for it are delivered now. */
int sim_register(mpc_sim *sim, mpc_proto *p);
/* Removes p from its node's table (call before destroying p). */
void sim_unregister(mpc_sim *sim, mpc_proto *p);
/* Encodes every message in `out` as sent by `from` for (protocol, instance), queues them, and
 * clears the outbox. */
int sim_send(mpc_sim *sim, mpc_node from, uint8_t protocol, uint64_t session, uint64_t instance,
             mpc_outbox *out);
/* Delivers messages until every watched instance is done or failed (instances of crashed parties
 * are not waited for). When no message is left, the remaining instances get their timeout event
 * once; if they still cannot finish the run ends. Returns 0 when all watched instances of live
 * nodes are done, else the first failure status (details: sim_error). */
int sim_run(mpc_sim *sim, mpc_proto *const *watch, size_t count);
const char *sim_error(const mpc_sim *sim);

/* Fault controls. crash_at: the party stops sending and receiving from that delivery step on
 * (0 = now). */
void sim_crash(mpc_sim *sim, uint32_t party, uint64_t at_step);
int sim_is_crashed(const mpc_sim *sim, uint32_t party);
void sim_set_liar(mpc_sim *sim, uint32_t party, int mode);
/* Liars (modes 1, 2) lie in online protocols (OPEN, OUTPUT); bad dealers (mode 3) deal
 * preprocessing shares that are not sharings of the right degree. Only while this is on. */
void sim_set_liars_active(mpc_sim *sim, int on);

uint64_t sim_step(const mpc_sim *sim);
/* Messages and bytes sent by party i. */
void sim_party_traffic(const mpc_sim *sim, uint32_t party, uint64_t *messages, uint64_t *bytes);
/* BLAKE2b-256 of the delivery transcript so far (record_transcript must be on). */
void sim_transcript_hash(const mpc_sim *sim, uint8_t out[32]);

#endif
