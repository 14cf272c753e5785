/*
 * proto_input.c - client input with random masks (spec mpc.md 7.1). The parties hand the client
 * their shares of fresh random sharings [r]; only the client reconstructs r, and sends m = x + r to
 * every party; each party sets [x] = m - [r]. Either arrival order works: a party that receives m
 * before it created its instance gets it from the driver's pending buffer. In robust mode m travels
 * by Bracha reliable broadcast with the client as dealer (rounds 1..3), so a client cannot give
 * different parties different masked values (spec mpc.md 7.1 step 3, defect 10).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"
#include "rbc.h"

typedef struct {
    mpc_proto base;
    mpc_party *P;
    uint64_t client;
    size_t count;
    uint64_t *r;   /* own mask shares */
    uint64_t *x;   /* result shares */
    rbc_state rbc; /* robust mode: the masked values arrive by reliable broadcast */
} input_party;

typedef struct {
    mpc_proto base;
    mpc_client *C;
    size_t count;
    uint64_t *x;   /* the client's values */
    collector col; /* mask shares */
} input_client;

/* [x] = m - [r] once the masked vector m is known (the same at every honest party). */
static int input_apply(input_party *ip, const uint8_t *payload, size_t len)
{
    mpc_proto *p = &ip->base;
    const field *F = ip->P->F;
    if (len != ip->count * F->limbs * sizeof(uint64_t))
        return proto_fail(p, STOFFEL_MPC_ERR_PEER,
                          "client %llu sent a masked input of %zu bytes, expected %zu",
                          (unsigned long long)ip->client, len, ip->count * F->elem_size);
    memcpy(ip->x, payload, len);
    if (fe_vec_first_noncanonical(F, ip->x, ip->count) != ip->count)
        return proto_fail(p, STOFFEL_MPC_ERR_PEER,
                          "client %llu sent a masked input that is not a field element",
                          (unsigned long long)ip->client);
    fe_vec_sub(F, ip->x, ip->x, ip->r, ip->count);
    p->done = 1;
    return 0;
}

static int input_party_receive(mpc_proto *p, mpc_node from, uint32_t round, const uint8_t *payload,
                               size_t len, mpc_outbox *out)
{
    input_party *ip = (input_party *)p;
    if (p->done || p->status)
        return 0;
    if (ip->P->robust) {
        int rc = rbc_receive(&ip->rbc, from, round, payload, len, out);
        if (rc < 0)
            return proto_fail(p, rc, "out of memory");
        return rc == 1 ? input_apply(ip, ip->rbc.out, ip->rbc.out_len) : 0;
    }
    if (from.role != MPC_ROLE_CLIENT || from.id != ip->client || round != 1)
        return 0;
    return input_apply(ip, payload, len);
}

static int input_party_timeout(mpc_proto *p, mpc_outbox *out)
{
    (void)out;
    input_party *ip = (input_party *)p;
    if (!p->done && !p->status)
        return proto_fail(p, STOFFEL_ERR_TIMEOUT, "client %llu never sent its masked input",
                          (unsigned long long)ip->client);
    return 0;
}

static void input_party_destroy(mpc_proto *p)
{
    input_party *ip = (input_party *)p;
    rbc_free(&ip->rbc);
    size_t bytes = ip->count * ip->P->F->limbs * sizeof(uint64_t);
    if (ip->r) {
        sodium_memzero(ip->r, bytes);
        free(ip->r);
    }
    if (ip->x) {
        sodium_memzero(ip->x, bytes);
        free(ip->x);
    }
    free(ip);
}

static const mpc_proto_ops input_party_ops = {"input-party", input_party_receive, input_party_timeout,
                                              input_party_destroy};

mpc_proto *input_party_new(mpc_party *P, uint64_t instance, uint64_t client_id, const uint64_t *r,
                           size_t count, mpc_outbox *out)
{
    input_party *ip = calloc(1, sizeof *ip);
    if (!ip)
        return NULL;
    size_t bytes = (count ? count : 1) * P->F->limbs * sizeof(uint64_t);
    proto_init(&ip->base, &input_party_ops, MPC_PROTO_INPUT, P->session, instance, party_node(P->self));
    ip->P = P;
    ip->client = client_id;
    ip->count = count;
    ip->r = malloc(bytes);
    ip->x = malloc(bytes);
    if (P->robust && rbc_init(&ip->rbc, P->n, P->t, P->self, client_node(client_id), 1)) {
        input_party_destroy(&ip->base);
        return NULL;
    }
    uint8_t *buf = ip->r && ip->x ? outbox_push(out, client_node(client_id), 0, count * P->F->limbs * 8) : NULL;
    if (!buf) {
        input_party_destroy(&ip->base);
        return NULL;
    }
    memcpy(ip->r, r, count * P->F->limbs * sizeof(uint64_t));
    memcpy(buf, r, count * P->F->limbs * sizeof(uint64_t));
    return &ip->base;
}

const uint64_t *input_party_result(const mpc_proto *p)
{
    return p->done ? ((const input_party *)p)->x : NULL;
}

/* ---- client side ---- */

static int input_client_progress(input_client *ic, int final, mpc_outbox *out)
{
    const field *F = ic->C->F;
    char msg[sizeof ic->base.error] = "";
    int r = collector_try(&ic->col, final, msg, sizeof msg);
    if (r < 0)
        return proto_fail(&ic->base, r, "reconstructing the input masks: %s", msg);
    if (r == 0)
        return 0;
    /* m = x + r, sent to every party (the same vector to all) */
    size_t bytes = ic->count * F->limbs * sizeof(uint64_t);
    uint64_t *m = malloc(bytes ? bytes : 1);
    if (!m)
        return proto_fail(&ic->base, STOFFEL_ERR_NOMEM, "out of memory");
    fe_vec_add(F, m, ic->x, ic->col.out, ic->count);
    for (uint32_t j = 0; j < ic->C->n; j++) {
        uint8_t *buf = outbox_push(out, party_node(j), 1, bytes);
        if (!buf) {
            free(m);
            return proto_fail(&ic->base, STOFFEL_ERR_NOMEM, "out of memory");
        }
        memcpy(buf, m, bytes);
    }
    sodium_memzero(m, bytes);
    free(m);
    ic->base.done = 1;
    return 0;
}

static int input_client_receive(mpc_proto *p, mpc_node from, uint32_t round, const uint8_t *payload,
                                size_t len, mpc_outbox *out)
{
    input_client *ic = (input_client *)p;
    if (p->done || p->status)
        return 0;
    if (from.role != MPC_ROLE_PARTY || from.id >= ic->C->n || round != 0)
        return 0;
    int rc = collector_add(&ic->col, (uint32_t)from.id, payload, len);
    if (rc == STOFFEL_ERR_MALFORMED && !ic->C->robust)
        return proto_fail(p, STOFFEL_MPC_ERR_PEER, "party %llu sent malformed mask shares",
                          (unsigned long long)from.id);
    if (rc)
        return 0;
    return input_client_progress(ic, 0, out);
}

static int input_client_timeout(mpc_proto *p, mpc_outbox *out)
{
    input_client *ic = (input_client *)p;
    if (p->done || p->status)
        return 0;
    return input_client_progress(ic, 1, out);
}

static void input_client_destroy(mpc_proto *p)
{
    input_client *ic = (input_client *)p;
    if (ic->x) {
        sodium_memzero(ic->x, ic->count * ic->C->F->limbs * sizeof(uint64_t));
        free(ic->x);
    }
    collector_free(&ic->col);
    free(ic);
}

static const mpc_proto_ops input_client_ops = {"input-client", input_client_receive,
                                               input_client_timeout, input_client_destroy};

mpc_proto *input_client_new(mpc_client *C, uint64_t instance, const uint64_t *x, size_t count,
                            mpc_outbox *out)
{
    (void)out;
    input_client *ic = calloc(1, sizeof *ic);
    if (!ic)
        return NULL;
    proto_init(&ic->base, &input_client_ops, MPC_PROTO_INPUT, C->session, instance, client_node(C->id));
    ic->C = C;
    ic->count = count;
    ic->x = malloc((count ? count : 1) * C->F->limbs * sizeof(uint64_t));
    if (!ic->x || collector_init(&ic->col, C->F, &C->S, C->n, C->t, C->t, C->robust, count, C->cache)) {
        free(ic->x);
        free(ic);
        return NULL;
    }
    memcpy(ic->x, x, count * C->F->limbs * sizeof(uint64_t));
    return &ic->base;
}
