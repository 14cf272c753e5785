/* net_driver.c - routing protocol frames between libstoffelnet and protocol instances (net_driver.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "net_driver.h"

uint64_t nd_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t nd_deadline(int timeout_ms)
{
    if (timeout_ms < 0)
        return UINT64_MAX;
    return nd_now_ns() + (uint64_t)timeout_ms * 1000000u;
}

static void nd_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    /* only wakes the loop so that the waiter can look at the clock */
    (void)fd;
    (void)what;
    (void)arg;
}

static uint64_t id_from_key(const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN])
{
    uint64_t id = 0;
    for (int i = 7; i >= 0; i--)
        id = (id << 8) | key[i];
    return id;
}

/* Records which key speaks for client id. The first key wins: a second certificate whose
 * fingerprint starts with the same 8 bytes (the id) must not receive the first client's outputs.
 * Returns 0, or -1 when id already belongs to another key. */
static int remember_client(nd_driver *d, uint64_t id, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN])
{
    for (size_t i = 0; i < d->nclients; i++)
        if (d->clients[i].id == id)
            return sodium_memcmp(d->clients[i].key, key, STOFFEL_NET_FINGERPRINT_LEN) == 0 ? 0 : -1;
    if (d->nclients == d->ccap) {
        size_t cap = d->ccap ? d->ccap * 2 : 8;
        nd_client_key *c = realloc(d->clients, cap * sizeof *c);
        if (!c) {
            d->fatal = 1;
            return -1;
        }
        d->clients = c;
        d->ccap = cap;
    }
    d->clients[d->nclients].id = id;
    memcpy(d->clients[d->nclients].key, key, STOFFEL_NET_FINGERPRINT_LEN);
    d->nclients++;
    return 0;
}

const uint8_t *nd_client_key_of(const nd_driver *d, uint64_t id)
{
    for (size_t i = 0; i < d->nclients; i++)
        if (d->clients[i].id == id)
            return d->clients[i].key;
    return NULL;
}

static void describe(mpc_node who, char *buf, size_t len)
{
    snprintf(buf, len, "%s %llu", who.role == MPC_ROLE_PARTY ? "party" : "client", (unsigned long long)who.id);
}

/* A frame that fails the checks is dropped: the peer is the one misbehaving, and a protocol that
 * needed it will time out naming it. The note keeps the reason for that message. */
static void reject(nd_driver *d, mpc_node who, const char *why)
{
    char w[48];
    describe(who, w, sizeof w);
    d->rejected++;
    snprintf(d->note, sizeof d->note, "last rejected frame: from %s: %s", w, why);
}

static nd_inst *find_inst(nd_driver *d, uint8_t protocol, uint64_t instance)
{
    for (size_t i = 0; i < d->ninst; i++)
        if (d->inst[i].p->kind == protocol && d->inst[i].p->instance == instance)
            return &d->inst[i];
    return NULL;
}

/* Hands a decoded frame to a live instance and sends what it answers. */
static void deliver(nd_driver *d, nd_inst *in, mpc_node from, const mpc_envelope *env)
{
    if (from.role == MPC_ROLE_PARTY && from.id < d->n)
        in->heard[from.id] = 1;
    else
        in->heard_client = 1;
    mpc_proto *p = in->p;
    mpc_outbox out = {0};
    out.cache = d->cache;
    p->ops->receive(p, from, env->round, env->payload, env->payload_len, &out);
    if (nd_send(d, p->kind, p->instance, &out) == STOFFEL_ERR_NOMEM)
        d->fatal = 1;
    outbox_free(&out);
}

static void buffer_early(nd_driver *d, mpc_node from, const mpc_envelope *env, const uint8_t *data, size_t len)
{
    /* clients get a small share of the buffer (a client's only early frame is its masked input,
     * at most 65536 elements), so one client cannot crowd out the parties' frames */
    int client = from.role == MPC_ROLE_CLIENT;
    if (client && (d->early_client >= NE_EARLY_CLIENT_FRAMES ||
                   d->early_client_bytes + len > NE_EARLY_CLIENT_BYTES)) {
        d->early_refused++;
        reject(d, from, "too many frames from clients for protocol instances not started yet");
        return;
    }
    if (d->nearly >= d->max_early || d->early_bytes + len > d->max_early_bytes) {
        d->early_refused++;
        reject(d, from, "too many frames for protocol instances not started yet (raise max_early_frames / max_early_bytes)");
        return;
    }
    if (d->nearly == d->ecap) {
        size_t cap = d->ecap ? d->ecap * 2 : 16;
        nd_early *e = realloc(d->early, cap * sizeof *e);
        if (!e) {
            d->fatal = 1;
            return;
        }
        d->early = e;
        d->ecap = cap;
    }
    /* from the block cache: a peer running one batch ahead sends multi-megabyte frames every
     * round, and fresh memory for each would cost a page fault per 4 KiB */
    size_t cap;
    uint8_t *copy = cache_get(d->cache, len, &cap);
    if (!copy) {
        d->fatal = 1;
        return;
    }
    memcpy(copy, data, len);
    nd_early *e = &d->early[d->nearly++];
    e->bytes = copy;
    e->cap = cap;
    e->len = len;
    e->from = from;
    e->protocol = env->protocol;
    e->instance = env->instance;
    d->early_bytes += len;
    if (client) {
        d->early_client++;
        d->early_client_bytes += len;
    }
    if (d->hooks.buffered)
        d->hooks.buffered(d->hooks.user, from, env);
}

static void early_drop(nd_driver *d, size_t k)
{
    nd_early *e = &d->early[k];
    cache_put(d->cache, e->bytes, e->len, e->cap); /* zeroes: share vectors */
    d->early_bytes -= e->len;
    if (e->from.role == MPC_ROLE_CLIENT) {
        d->early_client--;
        d->early_client_bytes -= e->len;
    }
    /* keep arrival order: frames of one sender must be handed over in the order they came */
    memmove(&d->early[k], &d->early[k + 1], (d->nearly - k - 1) * sizeof *d->early);
    d->nearly--;
}

static void nd_on_message(void *user, const stoffel_net_peer *peer, const uint8_t *data, size_t len)
{
    nd_driver *d = user;
    /* A host that shares the endpoint with the engine (the party runtime's control messages)
     * sees every frame first and keeps the ones that are its own. */
    if (d->foreign && d->foreign(d->foreign_user, peer, data, len))
        return;
    mpc_node from;
    if (peer->kind == STOFFEL_NET_PEER_PARTY) {
        if (peer->party_id >= d->n)
            return;
        from = party_node(peer->party_id);
    } else {
        from = client_node(id_from_key(peer->key));
    }
    mpc_envelope env;
    char err[160];
    if (wire_decode(data, len, &env, err, sizeof err) != 0) {
        reject(d, from, err);
        return;
    }
    if (!node_equal(env.sender, from)) {
        char claimed[48];
        describe(env.sender, claimed, sizeof claimed);
        char why[96];
        snprintf(why, sizeof why, "the envelope claims to come from %s", claimed);
        reject(d, from, why);
        return;
    }
    if (env.session != d->session) {
        reject(d, from, "frame of another session (check that every node uses the same session_id)");
        return;
    }
    if (from.role == MPC_ROLE_CLIENT && d->self.role == MPC_ROLE_PARTY &&
        remember_client(d, from.id, peer->key) != 0) {
        reject(d, from, "another certificate already speaks for this client id");
        return;
    }
    if (env.instance == 0) {
        if (d->hooks.control)
            d->hooks.control(d->hooks.user, from, &env);
        return;
    }
    nd_inst *in = find_inst(d, env.protocol, env.instance);
    if (in) {
        deliver(d, in, from, &env);
        return;
    }
    if (d->hooks.is_finished && d->hooks.is_finished(d->hooks.user, env.protocol, env.instance))
        return;
    buffer_early(d, from, &env, data, len);
}

static void nd_on_state(void *user, const stoffel_net_peer *peer, stoffel_net_state state, int status)
{
    nd_driver *d = user;
    (void)status;
    if (peer->kind == STOFFEL_NET_PEER_PARTY && peer->party_id < d->n)
        d->link_closed[peer->party_id] = state == STOFFEL_NET_STATE_CLOSED;
}

int nd_init(nd_driver *d, struct event_base *base, stoffel_net *net, const field *F, uint32_t n,
            uint64_t session, mpc_node self, mpc_cache *cache, size_t max_early, size_t max_early_bytes,
            const nd_hooks *hooks)
{
    memset(d, 0, sizeof *d);
    d->base = base;
    d->net = net;
    d->F = F;
    d->n = n;
    d->session = session;
    d->self = self;
    d->cache = cache;
    d->max_early = max_early;
    d->max_early_bytes = max_early_bytes;
    if (hooks)
        d->hooks = *hooks;
    d->link_closed = calloc(n, 1);
    d->timer = evtimer_new(base, nd_timer_cb, d);
    d->pool = calloc(1, sizeof *d->pool);
    if (d->pool)
        d->pool->cache = cache;
    if (!d->link_closed || !d->timer || !d->pool) {
        nd_free(d);
        return STOFFEL_ERR_NOMEM;
    }
    return stoffel_net_set_callbacks(net, nd_on_message, nd_on_state, d);
}

void nd_free(nd_driver *d)
{
    if (d->net)
        stoffel_net_set_callbacks(d->net, NULL, NULL, NULL);
    if (d->timer)
        event_free(d->timer);
    while (d->nearly)
        early_drop(d, d->nearly - 1);
    free(d->early);
    for (size_t i = 0; i < d->ninst; i++)
        free(d->inst[i].heard);
    free(d->inst);
    free(d->clients);
    free(d->link_closed);
    if (d->pool) {
        d->pool->orphaned = 1;
        d->pool->cache = NULL;
        if (d->pool->lent == 0)
            free(d->pool);
    }
    memset(d, 0, sizeof *d);
}

int nd_register(nd_driver *d, mpc_proto *p)
{
    if (d->ninst == d->icap) {
        size_t cap = d->icap ? d->icap * 2 : 8;
        nd_inst *in = realloc(d->inst, cap * sizeof *in);
        if (!in)
            return STOFFEL_ERR_NOMEM;
        d->inst = in;
        d->icap = cap;
    }
    uint8_t *heard = calloc(d->n, 1);
    if (!heard)
        return STOFFEL_ERR_NOMEM;
    d->inst[d->ninst].p = p;
    d->inst[d->ninst].heard = heard;
    d->inst[d->ninst].heard_client = 0;
    d->ninst++;
    /* hand over the frames that arrived before the instance existed, in arrival order */
    for (size_t k = 0; k < d->nearly;) {
        nd_early *e = &d->early[k];
        if (e->protocol != p->kind || e->instance != p->instance) {
            k++;
            continue;
        }
        mpc_envelope env;
        char err[160];
        if (wire_decode(e->bytes, e->len, &env, err, sizeof err) == 0) {
            nd_inst *in = find_inst(d, p->kind, p->instance);
            if (in)
                deliver(d, in, e->from, &env);
        }
        early_drop(d, k);
    }
    return d->fatal ? STOFFEL_ERR_NOMEM : 0;
}

void nd_unregister(nd_driver *d, mpc_proto *p)
{
    for (size_t i = 0; i < d->ninst; i++)
        if (d->inst[i].p == p) {
            free(d->inst[i].heard);
            d->inst[i] = d->inst[--d->ninst];
            return;
        }
}

int nd_start(nd_driver *d, mpc_proto *p, mpc_outbox *out)
{
    int rc = nd_send(d, p->kind, p->instance, out);
    if (rc == 0)
        rc = nd_register(d, p);
    outbox_clear(out);
    return rc;
}

static int send_frame(nd_driver *d, mpc_node to, const uint8_t *frame, size_t len)
{
    int rc;
    if (to.role == MPC_ROLE_PARTY) {
        if (to.id >= d->n)
            return STOFFEL_ERR_INVALID_ARG;
        rc = stoffel_net_send(d->net, (uint32_t)to.id, frame, len);
    } else {
        const uint8_t *key = nd_client_key_of(d, to.id);
        if (!key) {
            snprintf(d->note, sizeof d->note, "client %llu is not connected", (unsigned long long)to.id);
            return STOFFEL_ERR_NOT_FOUND;
        }
        rc = stoffel_net_send_client(d->net, key, frame, len);
    }
    if (rc == 0) {
        d->msgs_sent++;
        d->bytes_sent += len;
    } else {
        char w[48];
        describe(to, w, sizeof w);
        snprintf(d->note, sizeof d->note, "sending to %s failed: %s", w, stoffel_net_last_error(d->net));
    }
    return rc;
}

/* What a lent block carries in its first bytes (the headroom in front of the envelope header,
 * which never needs them): where it goes back to, and its capacity. */
typedef struct {
    nd_pool *pool;
    size_t cap;
} nd_lent;

/* stoffel_net_release_fn of a lent outbox block (user is the block). */
static void nd_block_returned(void *user, uint8_t *data, size_t len)
{
    uint8_t *block = user;
    nd_lent meta;
    memcpy(&meta, block, sizeof meta);
    size_t used = (size_t)(data - block) + len;
    nd_pool *pool = meta.pool;
    pool->lent--;
    if (!pool->orphaned) {
        cache_put(pool->cache, block, used, meta.cap); /* zeroes: the frame held shares */
        return;
    }
    sodium_memzero(block, used);
    free(block);
    if (pool->lent == 0)
        free(pool);
}

/* Sends an encoded frame lying in outbox item o's block by lending the block to the transport
 * (no copy); the block comes back through nd_block_returned. */
static int send_lent(nd_driver *d, mpc_out *o, uint8_t *frame, size_t len)
{
    nd_lent meta = {d->pool, o->block_cap};
    uint8_t *block = o->block;
    memcpy(block, &meta, sizeof meta);
    o->block = NULL; /* the transport has it now, whatever happens */
    d->pool->lent++;
    int rc = stoffel_net_send_owned(d->net, (uint32_t)o->to.id, frame, len, nd_block_returned, block);
    if (rc == 0) {
        d->msgs_sent++;
        d->bytes_sent += len;
    } else {
        char w[48];
        describe(o->to, w, sizeof w);
        snprintf(d->note, sizeof d->note, "sending to %s failed: %s", w, stoffel_net_last_error(d->net));
    }
    return rc;
}

int nd_send(nd_driver *d, uint8_t protocol, uint64_t instance, mpc_outbox *out)
{
    int first = 0;
    for (size_t i = 0; i < out->count; i++) {
        mpc_out *o = &out->items[i];
        mpc_envelope env = {protocol, d->session, instance, o->round, d->self, o->payload, o->len};
        uint8_t *frame;
        size_t len;
        int rc = wire_encode_inplace(&env, &frame, &len);
        if (rc == 0 && o->to.role == MPC_ROLE_PARTY && o->to.id < d->n && o->block &&
            (size_t)(frame - o->block) >= sizeof(nd_lent))
            rc = send_lent(d, o, frame, len);
        else if (rc == 0)
            rc = send_frame(d, o->to, frame, len);
        /* a link that is down does not stop the others: the protocol copes (or times out) */
        if (rc && !first)
            first = rc;
    }
    outbox_clear(out);
    return first == STOFFEL_ERR_NOMEM ? first : 0;
}

int nd_send_control(nd_driver *d, mpc_node to, uint8_t protocol, uint32_t round, const uint8_t *payload,
                    size_t len)
{
    mpc_envelope env = {protocol, d->session, 0, round, d->self, payload, len};
    uint8_t *frame;
    size_t flen;
    int rc = wire_encode(&env, &frame, &flen);
    if (rc)
        return rc;
    rc = send_frame(d, to, frame, flen);
    free(frame);
    return rc;
}

int nd_loop_once(nd_driver *d, uint64_t deadline_ns)
{
    uint64_t now = nd_now_ns();
    if (now >= deadline_ns)
        return 1;
    if (deadline_ns != UINT64_MAX) {
        uint64_t left = deadline_ns - now;
        struct timeval tv = {(time_t)(left / 1000000000u), (suseconds_t)((left % 1000000000u) / 1000u)};
        evtimer_add(d->timer, &tv);
    }
    event_base_loop(d->base, EVLOOP_ONCE);
    /* leave no timer of ours behind in the caller's base between calls */
    evtimer_del(d->timer);
    return nd_now_ns() >= deadline_ns;
}

static int settled(mpc_proto *const *watch, size_t count, int *failed)
{
    int all = 1;
    *failed = -1;
    for (size_t i = 0; i < count; i++) {
        if (!watch[i])
            continue;
        if (watch[i]->status < 0) {
            if (*failed < 0)
                *failed = (int)i;
        } else if (!watch[i]->done) {
            all = 0;
        }
    }
    return all;
}

static void list_silent(nd_driver *d, const mpc_proto *p, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    nd_inst *in = NULL;
    for (size_t i = 0; i < d->ninst; i++)
        if (d->inst[i].p == p)
            in = &d->inst[i];
    if (!in)
        return;
    for (uint32_t j = 0; j < d->n && off + 24 < len; j++) {
        if (d->self.role == MPC_ROLE_PARTY && j == d->self.id)
            continue;
        if (!in->heard[j])
            off += (size_t)snprintf(buf + off, len - off, "%s%u%s", off ? ", " : "", j,
                                    d->link_closed[j] ? " (link closed)" : "");
    }
}

int nd_wait(nd_driver *d, mpc_proto *const *watch, size_t count, uint64_t deadline_ns, const char *what,
            char *msg, size_t msg_len)
{
    int failed;
    int timed_out = 0;
    for (;;) {
        int all = settled(watch, count, &failed);
        if (failed >= 0)
            break;
        if (all)
            return 0;
        if (d->fatal) {
            snprintf(msg, msg_len, "%s: out of memory while receiving", what);
            return STOFFEL_ERR_NOMEM;
        }
        if (timed_out)
            break;
        timed_out = nd_loop_once(d, deadline_ns);
        if (timed_out) {
            /* the clock says no more help is coming: let every waiting instance finish with what
             * it has, if that is enough (proto.h, step 5) */
            for (size_t i = 0; i < count; i++) {
                mpc_proto *p = watch[i];
                if (!p || p->done || p->status < 0)
                    continue;
                mpc_outbox out = {0};
                out.cache = d->cache;
                p->ops->timeout(p, &out);
                nd_send(d, p->kind, p->instance, &out);
                outbox_free(&out);
            }
        }
    }
    if (failed < 0) {
        for (size_t i = 0; i < count; i++)
            if (watch[i] && !watch[i]->done) {
                failed = (int)i;
                break;
            }
    }
    const mpc_proto *p = watch[failed];
    char silent[160];
    list_silent(d, p, silent, sizeof silent);
    int status = p->status < 0 ? p->status : STOFFEL_ERR_TIMEOUT;
    char me[48];
    describe(d->self, me, sizeof me);
    snprintf(msg, msg_len, "%s: %s, protocol '%s' instance %llu: %s%s%s%s%s", what, me, p->ops->name,
             (unsigned long long)p->instance, p->error[0] ? p->error : "timed out",
             silent[0] ? "; nothing arrived from parties " : "", silent, d->note[0] ? "; " : "", d->note);
    return status;
}
