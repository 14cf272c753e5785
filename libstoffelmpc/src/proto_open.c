/*
 * proto_open.c - opening share vectors: to every party (OPEN, one round, spec mpc.md 5.3: in
 * robust mode, or semi-honest with open_check, each party sends its share vector to every other
 * party; in semi-honest mode by default only to the d parties after it, each reconstructing from
 * exactly d+1 shares; robust vectors of at least d+1 values go through batch reconstruction,
 * proto_batch.c) and to one client
 * (OUTPUT, spec 7.2: parties send their shares, only the client reconstructs).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"

typedef struct {
    mpc_proto base;
    mpc_party *P;
    mpc_client *C; /* client-side instances */
    collector col;
    uint8_t *senders; /* cyclic semi-honest fan-out: the d parties that send to this one */
} open_proto;

static int open_progress(open_proto *o, int final)
{
    char msg[sizeof o->base.error] = "";
    int r = collector_try(&o->col, final, msg, sizeof msg);
    if (r < 0)
        return proto_fail(&o->base, r, "%s", msg);
    if (r == 1)
        o->base.done = 1;
    return 0;
}

static int open_receive(mpc_proto *p, mpc_node from, uint32_t round, const uint8_t *payload, size_t len,
                        mpc_outbox *out)
{
    open_proto *o = (open_proto *)p;
    (void)out;
    if (p->done || p->status)
        return 0;
    if (from.role != MPC_ROLE_PARTY || from.id >= o->col.n || round != 0) {
        if (o->P && from.role == MPC_ROLE_PARTY && from.id < o->P->n)
            o->P->blame[from.id]++;
        return 0; /* not a share message of this protocol: ignore */
    }
    if (o->senders && !o->senders[from.id]) {
        o->P->blame[from.id]++; /* not one of the d parties before this one: not expected */
        return 0;
    }
    int rc = collector_add(&o->col, (uint32_t)from.id, payload, len);
    if (rc == STOFFEL_ERR_MALFORMED) {
        if (o->P)
            o->P->blame[from.id]++;
        if (!o->col.robust)
            return proto_fail(p, STOFFEL_MPC_ERR_PEER,
                              "party %llu sent a malformed share vector (%zu bytes, expected %zu of valid field elements)",
                              (unsigned long long)from.id, len, o->col.count * o->col.F->elem_size);
        return 0; /* robust mode: treat it as a missing share */
    }
    if (rc)
        return 0; /* duplicate: ignore */
    return open_progress(o, 0);
}

static int open_timeout(mpc_proto *p, mpc_outbox *out)
{
    (void)out;
    open_proto *o = (open_proto *)p;
    if (p->done || p->status)
        return 0;
    return open_progress(o, 1);
}

static void open_destroy(mpc_proto *p)
{
    open_proto *o = (open_proto *)p;
    collector_free(&o->col);
    free(o->senders);
    free(o);
}

static const mpc_proto_ops open_ops = {"open", open_receive, open_timeout, open_destroy};
static const mpc_proto_ops output_ops = {"output", open_receive, open_timeout, open_destroy};

/* Sends `count` elements to `to` as one payload. */
static int send_vec(mpc_outbox *out, mpc_node to, uint32_t round, const uint64_t *v, size_t count,
                    size_t limbs)
{
    size_t len = count * limbs * sizeof(uint64_t);
    uint8_t *buf = outbox_push(out, to, round, len);
    if (!buf)
        return STOFFEL_ERR_NOMEM;
    memcpy(buf, v, len);
    return 0;
}

mpc_proto *open_new(mpc_party *P, uint64_t instance, const uint64_t *shares, size_t count,
                    uint32_t degree, mpc_outbox *out)
{
    /* Robust mode, at least one group of d+1 values: batch reconstruction (spec mpc.md 3.4, two
     * rounds, (n-1)(2/(d+1)) elements per party per value instead of n-1; robust decoding of
     * every round, liars named) */
    if (P->robust && count >= (size_t)degree + 1)
        return batch_open_new(P, instance, shares, count, degree, out);
    open_proto *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    proto_init(&o->base, &open_ops, MPC_PROTO_OPEN, P->session, instance, party_node(P->self));
    o->P = P;
    if (collector_init(&o->col, P->F, &P->S, P->n, P->t, degree, P->robust, count, P->cache)) {
        free(o);
        return NULL;
    }
    o->col.blame = P->blame;
    /* Semi-honest: d+1 shares determine a degree-d sharing, so party i sends only to i+1..i+d
     * (mod n) and hears from i-1..i-d: d elements per party per value instead of n-1. */
    int cyclic = !P->robust && !P->open_check && degree + 1 < P->n;
    if (cyclic) {
        o->senders = calloc(P->n, 1);
        if (!o->senders) {
            open_destroy(&o->base);
            return NULL;
        }
        for (uint32_t k = 1; k <= degree; k++)
            o->senders[(P->self + P->n - k) % P->n] = 1;
        o->senders[P->self] = 1;
        o->col.expect = degree + 1;
        o->col.awaited = o->senders;
    }
    for (uint32_t j = 0; j < P->n; j++) {
        uint32_t ahead = (j + P->n - P->self) % P->n; /* j = self + ahead (mod n) */
        if (j == P->self || (cyclic && ahead > degree))
            continue;
        if (send_vec(out, party_node(j), 0, shares, count, P->F->limbs)) {
            open_destroy(&o->base);
            return NULL;
        }
    }
    collector_add_own(&o->col, P->self, shares);
    open_progress(o, 0);
    return &o->base;
}

const uint64_t *open_result(const mpc_proto *p)
{
    if (p->ops != &open_ops && p->ops != &output_ops)
        return batch_open_result(p); /* open_new chose batch reconstruction */
    const open_proto *o = (const open_proto *)p;
    return p->done ? o->col.out : NULL;
}

int output_send(mpc_party *P, uint64_t instance, uint64_t client_id, const uint64_t *shares,
                size_t count, mpc_outbox *out)
{
    (void)instance;
    return send_vec(out, client_node(client_id), 0, shares, count, P->F->limbs);
}

mpc_proto *output_client_new(mpc_client *C, uint64_t instance, size_t count)
{
    open_proto *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    proto_init(&o->base, &output_ops, MPC_PROTO_OUTPUT, C->session, instance, client_node(C->id));
    o->C = C;
    if (collector_init(&o->col, C->F, &C->S, C->n, C->t, C->t, C->robust, count, C->cache)) {
        free(o);
        return NULL;
    }
    return &o->base;
}

const uint64_t *output_client_result(const mpc_proto *p)
{
    return open_result(p);
}
