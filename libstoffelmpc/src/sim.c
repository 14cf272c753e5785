/* sim.c - the seeded scheduler and in-process message routing of sim.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "wire.h"

#define SIM_MAX_PENDING 4096

typedef struct {
    uint64_t seq, ready;
    size_t to;          /* node slot */
    mpc_node from;
    uint8_t *block;     /* owned buffer holding the frame */
    size_t block_cap;
    uint8_t *bytes;     /* the frame inside block */
    size_t len;
} sim_msg;

typedef struct {
    mpc_node addr;
    mpc_proto **inst;
    size_t ninst, cap;
    int registered_any;
    uint64_t max_registered; /* highest instance id ever registered */
    sim_msg *pending;        /* frames for instances not registered yet */
    size_t npending, pcap;
    int crashed;
    uint64_t crash_step;
    int liar;
    uint64_t msgs_sent, bytes_sent;
} sim_node;

struct mpc_sim {
    const field *F;
    uint32_t n;
    mpc_rng rng;
    sim_faults faults;
    sim_node *nodes;
    size_t nnodes, ncap;
    sim_msg *q;
    size_t qlen, qcap;
    uint64_t step, seq;
    int liars_active;
    mpc_cache *cache;
    crypto_generichash_state th;
    char error[320];
};

static int node_slot(mpc_sim *sim, mpc_node addr, size_t *slot)
{
    if (addr.role == MPC_ROLE_PARTY) {
        if (addr.id >= sim->n)
            return STOFFEL_ERR_NOT_FOUND;
        *slot = (size_t)addr.id;
        return 0;
    }
    for (size_t i = sim->n; i < sim->nnodes; i++)
        if (node_equal(sim->nodes[i].addr, addr)) {
            *slot = i;
            return 0;
        }
    if (sim->nnodes == sim->ncap) {
        size_t cap = sim->ncap * 2;
        sim_node *nodes = realloc(sim->nodes, cap * sizeof *nodes);
        if (!nodes)
            return STOFFEL_ERR_NOMEM;
        sim->nodes = nodes;
        sim->ncap = cap;
    }
    memset(&sim->nodes[sim->nnodes], 0, sizeof(sim_node));
    sim->nodes[sim->nnodes].addr = addr;
    sim->nodes[sim->nnodes].crash_step = UINT64_MAX;
    *slot = sim->nnodes++;
    return 0;
}

int sim_new(const field *F, uint32_t n, uint64_t seed, const sim_faults *faults, mpc_cache *cache,
            mpc_sim **out)
{
    mpc_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        return STOFFEL_ERR_NOMEM;
    sim->cache = cache;
    sim->F = F;
    sim->n = n;
    sim->faults = *faults;
    rng_init(&sim->rng, seed, 0, "stoffel-sim-scheduler");
    sim->ncap = n + 8;
    sim->nodes = calloc(sim->ncap, sizeof *sim->nodes);
    if (!sim->nodes) {
        free(sim);
        return STOFFEL_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        sim->nodes[i].addr = party_node(i);
        sim->nodes[i].crash_step = UINT64_MAX;
    }
    sim->nnodes = n;
    crypto_generichash_init(&sim->th, NULL, 0, 32);
    *out = sim;
    return 0;
}

static void msg_free(mpc_sim *sim, sim_msg *m)
{
    if (m->block)
        cache_put(sim->cache, m->block, (size_t)(m->bytes - m->block) + m->len, m->block_cap);
    m->block = m->bytes = NULL;
}

void sim_free(mpc_sim *sim)
{
    if (!sim)
        return;
    for (size_t i = 0; i < sim->qlen; i++)
        msg_free(sim, &sim->q[i]);
    free(sim->q);
    for (size_t i = 0; i < sim->nnodes; i++) {
        for (size_t k = 0; k < sim->nodes[i].npending; k++)
            msg_free(sim, &sim->nodes[i].pending[k]);
        free(sim->nodes[i].pending);
        free(sim->nodes[i].inst);
    }
    free(sim->nodes);
    rng_wipe(&sim->rng);
    free(sim);
}

const char *sim_error(const mpc_sim *sim) { return sim->error; }
uint64_t sim_step(const mpc_sim *sim) { return sim->step; }

static int node_is_down(const sim_node *nd, uint64_t step)
{
    return nd->crashed || step >= nd->crash_step;
}

void sim_crash(mpc_sim *sim, uint32_t party, uint64_t at_step)
{
    if (party >= sim->n)
        return;
    if (at_step == 0 || at_step <= sim->step)
        sim->nodes[party].crashed = 1;
    else
        sim->nodes[party].crash_step = at_step;
}

int sim_is_crashed(const mpc_sim *sim, uint32_t party)
{
    return party < sim->n && node_is_down(&sim->nodes[party], sim->step);
}

void sim_set_liar(mpc_sim *sim, uint32_t party, int mode)
{
    if (party < sim->n)
        sim->nodes[party].liar = mode;
}

void sim_set_liars_active(mpc_sim *sim, int on) { sim->liars_active = on; }

void sim_party_traffic(const mpc_sim *sim, uint32_t party, uint64_t *messages, uint64_t *bytes)
{
    *messages = party < sim->n ? sim->nodes[party].msgs_sent : 0;
    *bytes = party < sim->n ? sim->nodes[party].bytes_sent : 0;
}

void sim_transcript_hash(const mpc_sim *sim, uint8_t out[32])
{
    crypto_generichash_state copy = sim->th;
    crypto_generichash_final(&copy, out, 32);
}

static int find_inst(const sim_node *nd, uint8_t protocol, uint64_t session, uint64_t instance)
{
    for (size_t i = 0; i < nd->ninst; i++) {
        const mpc_proto *p = nd->inst[i];
        if (p->kind == protocol && p->session == session && p->instance == instance)
            return (int)i;
    }
    return -1;
}

static int deliver(mpc_sim *sim, sim_msg *m);

int sim_register(mpc_sim *sim, mpc_proto *p)
{
    size_t slot;
    int rc = node_slot(sim, p->self, &slot);
    if (rc)
        return rc;
    sim_node *nd = &sim->nodes[slot];
    if (nd->ninst == nd->cap) {
        size_t cap = nd->cap ? nd->cap * 2 : 8;
        mpc_proto **inst = realloc(nd->inst, cap * sizeof *inst);
        if (!inst)
            return STOFFEL_ERR_NOMEM;
        nd->inst = inst;
        nd->cap = cap;
    }
    nd->inst[nd->ninst++] = p;
    if (!nd->registered_any || p->instance > nd->max_registered)
        nd->max_registered = p->instance;
    nd->registered_any = 1;
    /* hand over frames that arrived early (decoded again: they are kept as raw frames) */
    for (size_t k = 0; k < nd->npending;) {
        sim_msg m = nd->pending[k];
        mpc_envelope env;
        char err[160];
        if (wire_decode(m.bytes, m.len, &env, err, sizeof err) == 0 && env.protocol == p->kind &&
            env.session == p->session && env.instance == p->instance) {
            nd->pending[k] = nd->pending[--nd->npending];
            rc = deliver(sim, &m);
            msg_free(sim, &m);
            if (rc)
                return rc;
            /* the table may have changed under us; restart the scan */
            nd = &sim->nodes[slot];
            k = 0;
            continue;
        }
        k++;
    }
    return 0;
}

void sim_unregister(mpc_sim *sim, mpc_proto *p)
{
    size_t slot;
    if (node_slot(sim, p->self, &slot))
        return;
    sim_node *nd = &sim->nodes[slot];
    for (size_t i = 0; i < nd->ninst; i++)
        if (nd->inst[i] == p) {
            memmove(&nd->inst[i], &nd->inst[i + 1], (nd->ninst - i - 1) * sizeof *nd->inst);
            nd->ninst--;
            return;
        }
}

/* A lying party's share messages: every element replaced by a wrong one, or the payload by
 * random garbage. */
static void corrupt_payload(mpc_sim *sim, mpc_out *o, int mode)
{
    const field *F = sim->F;
    const size_t eb = F->limbs * sizeof(uint64_t);
    if (mode == SIM_LIAR_WRONG_SHARES && o->len % eb == 0) {
        uint64_t delta[FIELD_MAX_LIMBS];
        for (size_t off = 0; off < o->len; off += eb) {
            uint64_t v[FIELD_MAX_LIMBS];
            memcpy(v, o->payload + off, eb);
            rng_field_nonzero(&sim->rng, F, delta);
            fe_add(F, v, v, delta);
            memcpy(o->payload + off, v, eb);
        }
        return;
    }
    /* garbage: random bytes of a slightly wrong length */
    size_t len = o->len + 1 + (size_t)rng_below(&sim->rng, 7), cap;
    uint8_t *g = cache_get(sim->cache, MPC_WIRE_HEADROOM + len, &cap);
    if (!g)
        return;
    rng_bytes(&sim->rng, g + MPC_WIRE_HEADROOM, len);
    cache_put(sim->cache, o->block, MPC_WIRE_HEADROOM + o->len, o->block_cap);
    o->block = g;
    o->block_cap = cap;
    o->payload = g + MPC_WIRE_HEADROOM;
    o->len = len;
}

static int enqueue(mpc_sim *sim, size_t to, mpc_node from, uint8_t *block, size_t block_cap, uint8_t *bytes,
                   size_t len)
{
    if (sim->qlen == sim->qcap) {
        size_t cap = sim->qcap ? sim->qcap * 2 : 64;
        sim_msg *q = realloc(sim->q, cap * sizeof *q);
        if (!q)
            return STOFFEL_ERR_NOMEM;
        sim->q = q;
        sim->qcap = cap;
    }
    sim_msg *m = &sim->q[sim->qlen++];
    m->seq = sim->seq++;
    m->ready = sim->step;
    m->to = to;
    m->from = from;
    m->block = block;
    m->block_cap = block_cap;
    m->bytes = bytes;
    m->len = len;
    if (sim->faults.delay_permille && rng_below(&sim->rng, 1000) < sim->faults.delay_permille)
        m->ready = sim->step + 1 + rng_below(&sim->rng, 64);
    if (sim->faults.drop_permille && rng_below(&sim->rng, 1000) < sim->faults.drop_permille)
        m->ready = sim->step + 64 + rng_below(&sim->rng, 256); /* lost, retransmitted later */
    return 0;
}

int sim_send(mpc_sim *sim, mpc_node from, uint8_t protocol, uint64_t session, uint64_t instance,
             mpc_outbox *out)
{
    size_t from_slot;
    int rc = node_slot(sim, from, &from_slot);
    if (rc) {
        outbox_clear(out);
        return rc;
    }
    sim_node *src = &sim->nodes[from_slot];
    int down = node_is_down(src, sim->step);
    for (size_t i = 0; i < out->count && rc == 0; i++) {
        mpc_out *o = &out->items[i];
        if (down)
            continue;
        if (src->liar && sim->liars_active && from.role == MPC_ROLE_PARTY) {
            if (src->liar != SIM_BAD_DEALER && (protocol == MPC_PROTO_OPEN || protocol == MPC_PROTO_OUTPUT))
                corrupt_payload(sim, o, src->liar);
            else if (src->liar == SIM_BAD_DEALER && protocol == MPC_PROTO_PREP && o->round == 0)
                corrupt_payload(sim, o, SIM_LIAR_WRONG_SHARES);
        }
        size_t to_slot;
        if ((rc = node_slot(sim, o->to, &to_slot)) != 0)
            break;
        src = &sim->nodes[from_slot]; /* node_slot may have grown the table */
        mpc_envelope env = {protocol, session, instance, o->round, from, o->payload, o->len};
        uint8_t *bytes;
        size_t len;
        if ((rc = wire_encode_inplace(&env, &bytes, &len)) != 0)
            break;
        src->msgs_sent++;
        src->bytes_sent += len;
        rc = enqueue(sim, to_slot, from, o->block, o->block_cap, bytes, len);
        if (rc == 0)
            o->block = NULL; /* the frame now lives in the queue */
    }
    outbox_clear(out);
    return rc;
}

static int deliver(mpc_sim *sim, sim_msg *m)
{
    sim_node *nd = &sim->nodes[m->to];
    if (node_is_down(nd, sim->step))
        return 0;
    if (sim->faults.record_transcript) {
        uint8_t hdr[24];
        memcpy(hdr, &m->from.id, 8);
        hdr[8] = m->from.role;
        memcpy(hdr + 9, &nd->addr.id, 8);
        hdr[17] = nd->addr.role;
        uint32_t l = (uint32_t)m->len;
        memcpy(hdr + 18, &l, 4);
        crypto_generichash_update(&sim->th, hdr, 22);
        crypto_generichash_update(&sim->th, m->bytes, m->len);
    }
    mpc_envelope env;
    char err[160];
    if (wire_decode(m->bytes, m->len, &env, err, sizeof err) != 0)
        return 0; /* a strict decoder rejects it; the sender is the one misbehaving */
    if (!node_equal(env.sender, m->from))
        return 0; /* inner sender must match the authenticated transport sender */
    int i = find_inst(nd, env.protocol, env.session, env.instance);
    if (i < 0) {
        if (nd->registered_any && env.instance <= nd->max_registered)
            return 0; /* finished (or never ours): drop */
        if (nd->npending >= SIM_MAX_PENDING)
            return 0;
        if (nd->npending == nd->pcap) {
            size_t cap = nd->pcap ? nd->pcap * 2 : 16;
            sim_msg *pm = realloc(nd->pending, cap * sizeof *pm);
            if (!pm)
                return STOFFEL_ERR_NOMEM;
            nd->pending = pm;
            nd->pcap = cap;
        }
        nd->pending[nd->npending++] = *m;
        m->block = m->bytes = NULL; /* ownership moved */
        return 0;
    }
    mpc_proto *p = nd->inst[i];
    mpc_outbox out = {0};
    out.cache = sim->cache;
    p->ops->receive(p, env.sender, env.round, env.payload, env.payload_len, &out);
    int rc = sim_send(sim, p->self, p->kind, p->session, p->instance, &out);
    outbox_free(&out);
    return rc;
}

static int watched_settled(mpc_sim *sim, mpc_proto *const *watch, size_t count, int *failed)
{
    int all = 1;
    *failed = -1;
    for (size_t i = 0; i < count; i++) {
        mpc_proto *p = watch[i];
        if (!p)
            continue;
        if (p->self.role == MPC_ROLE_PARTY && sim_is_crashed(sim, (uint32_t)p->self.id))
            continue;
        if (p->status < 0) {
            if (*failed < 0)
                *failed = (int)i;
            continue;
        }
        if (!p->done)
            all = 0;
    }
    return all;
}

int sim_run(mpc_sim *sim, mpc_proto *const *watch, size_t count)
{
    int timeouts_sent = 0;
    sim->error[0] = 0;
    for (;;) {
        int failed;
        int all = watched_settled(sim, watch, count, &failed);
        if (failed >= 0) {
            const mpc_proto *p = watch[failed];
            snprintf(sim->error, sizeof sim->error, "%s %llu: %s",
                     p->self.role == MPC_ROLE_PARTY ? "party" : "client",
                     (unsigned long long)p->self.id, p->error);
            return p->status;
        }
        if (all)
            return 0;
        if (sim->qlen == 0) {
            if (timeouts_sent) {
                for (size_t i = 0; i < count; i++) {
                    const mpc_proto *p = watch[i];
                    if (p && !p->done && !(p->self.role == MPC_ROLE_PARTY &&
                                           sim_is_crashed(sim, (uint32_t)p->self.id))) {
                        snprintf(sim->error, sizeof sim->error,
                                 "%s %llu: protocol '%s' cannot finish: no messages left to deliver",
                                 p->self.role == MPC_ROLE_PARTY ? "party" : "client",
                                 (unsigned long long)p->self.id, p->ops->name);
                        break;
                    }
                }
                return STOFFEL_ERR_TIMEOUT;
            }
            /* quiescent: the network will bring nothing more, which a real driver learns from
             * its timer; give every waiting instance its timeout event once */
            timeouts_sent = 1;
            for (size_t i = 0; i < count; i++) {
                mpc_proto *p = watch[i];
                if (!p || p->done || p->status < 0)
                    continue;
                if (p->self.role == MPC_ROLE_PARTY && sim_is_crashed(sim, (uint32_t)p->self.id))
                    continue;
                mpc_outbox out = {0};
                out.cache = sim->cache;
                p->ops->timeout(p, &out);
                int rc = sim_send(sim, p->self, p->kind, p->session, p->instance, &out);
                outbox_free(&out);
                if (rc)
                    return rc;
            }
            continue;
        }
        /* pick the next message among those ready now; advance time if none is */
        uint64_t min_ready = UINT64_MAX;
        size_t nready = 0;
        for (size_t i = 0; i < sim->qlen; i++) {
            if (sim->q[i].ready <= sim->step)
                nready++;
            if (sim->q[i].ready < min_ready)
                min_ready = sim->q[i].ready;
        }
        if (nready == 0) {
            sim->step = min_ready;
            continue;
        }
        size_t pick = SIZE_MAX;
        if (sim->faults.reorder) {
            uint64_t r = rng_below(&sim->rng, nready);
            for (size_t i = 0; i < sim->qlen; i++)
                if (sim->q[i].ready <= sim->step && r-- == 0) {
                    pick = i;
                    break;
                }
        } else {
            for (size_t i = 0; i < sim->qlen; i++)
                if (sim->q[i].ready <= sim->step && (pick == SIZE_MAX || sim->q[i].seq < sim->q[pick].seq))
                    pick = i;
        }
        sim_msg m = sim->q[pick];
        sim->q[pick] = sim->q[--sim->qlen];
        sim->step++;
        int rc = deliver(sim, &m);
        msg_free(sim, &m);
        if (rc)
            return rc;
    }
}
