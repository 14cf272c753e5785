/*
 * rbc.h - Bracha reliable broadcast (G. Bracha, "Asynchronous Byzantine agreement protocols",
 * 1987), for n >= 3t+1: the dealer sends INIT(m); a party ECHOes the first INIT from the dealer;
 * sends READY(H(m)) after ceil((n+t+1)/2) matching ECHOs or t+1 matching READYs; delivers m after
 * 2t+1 matching READYs. Counting is by BLAKE2b-256 digest; each party's ECHO and READY count once;
 * INIT is accepted only from the designated dealer. Either every honest party delivers the same m
 * or none does.
 *
 * rbc_state is a component embedded in protocols that need a broadcast step (robust client input)
 * and is also wrapped as a stand-alone protocol instance (MPC_PROTO_RBC).
 */
#ifndef STOFFEL_MPC_RBC_H
#define STOFFEL_MPC_RBC_H

#include "proto.h"

#define RBC_MAX_PAYLOAD ((size_t)64 << 20)

typedef struct {
    uint8_t digest[32];
    uint8_t *payload;  /* the first payload seen with this digest (from INIT or an ECHO) */
    size_t len;
    uint32_t echoes, readies;
} rbc_candidate;

typedef struct {
    uint32_t n, t, self;
    uint32_t round_base;   /* rounds used: base (INIT), base+1 (ECHO), base+2 (READY) */
    mpc_node dealer;
    uint8_t *echoed_from, *readied_from; /* n flags */
    rbc_candidate *cand;   /* at most n distinct digests are tracked */
    uint32_t ncand;
    int sent_echo, sent_ready, delivered;
    const uint8_t *out;    /* delivered payload (points into a candidate) */
    size_t out_len;
} rbc_state;

int rbc_init(rbc_state *r, uint32_t n, uint32_t t, uint32_t self, mpc_node dealer, uint32_t round_base);
void rbc_free(rbc_state *r);
/* Dealer side: broadcast `payload` (sends INIT to every party, including itself via `out`). */
int rbc_deal(mpc_outbox *out, uint32_t n, uint32_t round_base, const uint8_t *payload, size_t len);
/* Feeds one message of this broadcast. Returns 1 when it delivered now, 0 otherwise, negative on
 * out of memory. Messages that do not belong (wrong round, INIT from a non-dealer, duplicates) are
 * ignored. */
int rbc_receive(rbc_state *r, mpc_node from, uint32_t round, const uint8_t *payload, size_t len,
                mpc_outbox *out);

/* Stand-alone broadcast instance of party P; dealer = party `dealer`. The dealer passes its
 * payload, the others NULL. */
mpc_proto *rbc_new(mpc_party *P, uint64_t instance, uint32_t dealer, const uint8_t *payload, size_t len,
                   mpc_outbox *out);
const uint8_t *rbc_result(const mpc_proto *p, size_t *len);

#endif
