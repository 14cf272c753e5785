/*
 * mem_transport.c - the in-memory transport: endpoints of one process exchange messages through a
 * hub, with the semantics of the QUIC transport (per-sender order, self-delivery, broadcast,
 * connection states, messages to a party that is not up yet wait for it). Delivery always goes
 * through the destination's event base, never directly from the sender's call.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

typedef struct mem_client {
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
    stoffel_net *net; /* NULL once freed */
} mem_client;

struct stoffel_net_mem_hub {
    uint32_t n;
    stoffel_net **parties;  /* endpoint of each party id, or NULL */
    net_msg_queue *pending; /* per party id: messages not delivered yet */
    mem_client *clients;
    size_t client_count;
};

typedef struct mem_impl {
    stoffel_net_mem_hub *hub;
    struct event *deliver_ev;
    bool is_client;
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
    net_msg_queue client_in; /* a client's incoming messages */
} mem_impl;

int stoffel_net_mem_hub_new(uint32_t n_parties, stoffel_net_mem_hub **out)
{
    if (!out || n_parties == 0 || n_parties > 1024)
        return STOFFEL_ERR_INVALID_ARG;
    stoffel_net_mem_hub *h = calloc(1, sizeof *h);
    if (!h)
        return STOFFEL_ERR_NOMEM;
    h->n = n_parties;
    h->parties = calloc(n_parties, sizeof *h->parties);
    h->pending = calloc(n_parties, sizeof *h->pending);
    if (!h->parties || !h->pending) {
        stoffel_net_mem_hub_free(h);
        return STOFFEL_ERR_NOMEM;
    }
    *out = h;
    return STOFFEL_OK;
}

void stoffel_net_mem_hub_free(stoffel_net_mem_hub *hub)
{
    if (!hub)
        return;
    if (hub->pending)
        for (uint32_t i = 0; i < hub->n; i++)
            net_msg_queue_clear(&hub->pending[i]);
    free(hub->pending);
    free(hub->parties);
    free(hub->clients);
    free(hub);
}

static mem_impl *impl_of(const stoffel_net *net)
{
    return net->impl;
}

static void deliver_cb(evutil_socket_t fd, short what, void *arg)
{
    stoffel_net *net = arg;
    mem_impl *m = impl_of(net);
    net_msg_queue *q = m->is_client ? &m->client_in : &m->hub->pending[net->my_id];
    size_t budget = q->count; /* bounded per run so one busy sender cannot starve the loop */
    while (budget-- > 0 && !net->closing) {
        net_msg *msg = net_msg_queue_pop(q);
        if (!msg)
            break;
        net_deliver_owned(net, &msg->from, msg->data, msg->len);
        free(msg);
        q = m->is_client ? &m->client_in : &m->hub->pending[net->my_id]; /* callbacks may free */
    }
    if (q->count)
        event_active(m->deliver_ev, 0, 0);
}

static stoffel_net_peer self_peer(const stoffel_net *net)
{
    mem_impl *m = impl_of(net);
    stoffel_net_peer p = {0};
    if (m->is_client) {
        p.kind = STOFFEL_NET_PEER_CLIENT;
        memcpy(p.key, m->key, sizeof p.key);
    } else {
        p.kind = STOFFEL_NET_PEER_PARTY;
        p.party_id = (uint32_t)net->my_id;
    }
    return p;
}

static int mem_send_party(stoffel_net *net, uint32_t to, const uint8_t *data, size_t len)
{
    mem_impl *m = impl_of(net);
    stoffel_net_peer from = self_peer(net);
    net_msg *msg = net_msg_new(&from, data, len);
    if (!msg)
        return net_fail(net, STOFFEL_ERR_NOMEM, "out of memory queueing a message");
    net_msg_queue_push(&m->hub->pending[to], msg);
    stoffel_net *dst = m->hub->parties[to];
    if (dst && dst->started)
        event_active(impl_of(dst)->deliver_ev, 0, 0);
    return STOFFEL_OK;
}

static int mem_send_client(stoffel_net *net, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                           const uint8_t *data, size_t len)
{
    mem_impl *m = impl_of(net);
    for (size_t i = 0; i < m->hub->client_count; i++) {
        mem_client *c = &m->hub->clients[i];
        if (!c->net || !c->net->started || memcmp(c->key, key, sizeof c->key) != 0)
            continue;
        stoffel_net_peer from = self_peer(net);
        net_msg *msg = net_msg_new(&from, data, len);
        if (!msg)
            return net_fail(net, STOFFEL_ERR_NOMEM, "out of memory queueing a message");
        mem_impl *cm = impl_of(c->net);
        net_msg_queue_push(&cm->client_in, msg);
        event_active(cm->deliver_ev, 0, 0);
        return STOFFEL_OK;
    }
    return net_fail(net, STOFFEL_ERR_NOT_FOUND, "send_client: no such client is connected");
}

static int mem_start(stoffel_net *net)
{
    mem_impl *m = impl_of(net);
    stoffel_net_mem_hub *hub = m->hub;
    if (m->is_client) {
        for (uint32_t j = 0; j < hub->n; j++) {
            stoffel_net *p = hub->parties[j];
            if (p && p->started) {
                net_set_party_state(net, j, STOFFEL_NET_STATE_CONNECTED, 0);
                net_client_state(p, m->key, STOFFEL_NET_STATE_CONNECTED, 0);
            }
        }
        return STOFFEL_OK;
    }
    uint32_t me = (uint32_t)net->my_id;
    for (uint32_t j = 0; j < hub->n; j++) {
        stoffel_net *p = hub->parties[j];
        if (j == me || !p || !p->started)
            continue;
        net_set_party_state(net, j, STOFFEL_NET_STATE_CONNECTED, 0);
        net_set_party_state(p, me, STOFFEL_NET_STATE_CONNECTED, 0);
    }
    for (size_t i = 0; i < hub->client_count; i++) {
        stoffel_net *c = hub->clients[i].net;
        if (c && c->started) {
            net_set_party_state(c, me, STOFFEL_NET_STATE_CONNECTED, 0);
            net_client_state(net, hub->clients[i].key, STOFFEL_NET_STATE_CONNECTED, 0);
        }
    }
    if (hub->pending[me].count)
        event_active(m->deliver_ev, 0, 0);
    return STOFFEL_OK;
}

static bool mem_has_pending(stoffel_net *net, bool *failed)
{
    mem_impl *m = impl_of(net);
    for (uint32_t i = 0; i < m->hub->n; i++)
        if ((int)i != net->my_id && m->hub->pending[i].count)
            return true;
    for (size_t i = 0; i < m->hub->client_count; i++)
        if (m->hub->clients[i].net && impl_of(m->hub->clients[i].net)->client_in.count)
            return true;
    return false;
}

/* Leaves the hub: peers see the link LOST (as when a process exits); nothing reaches us any more. */
static void mem_leave(stoffel_net *net)
{
    mem_impl *m = impl_of(net);
    stoffel_net_mem_hub *hub = m->hub;
    if (m->is_client) {
        bool member = false;
        for (size_t i = 0; i < hub->client_count; i++) {
            if (hub->clients[i].net == net) {
                hub->clients[i].net = NULL;
                member = true;
            }
        }
        for (uint32_t j = 0; j < hub->n; j++)
            if (member && hub->parties[j] && net->started)
                net_client_state(hub->parties[j], m->key, STOFFEL_NET_STATE_CLOSED,
                                 STOFFEL_NET_ERR_CLOSED);
    } else if (net->my_id >= 0 && hub->parties[net->my_id] == net) {
        hub->parties[net->my_id] = NULL;
        for (uint32_t j = 0; j < hub->n; j++)
            if (hub->parties[j] && net->started)
                net_set_party_state(hub->parties[j], (uint32_t)net->my_id, STOFFEL_NET_STATE_LOST,
                                    STOFFEL_NET_ERR_CLOSED);
        for (size_t i = 0; i < hub->client_count; i++)
            if (hub->clients[i].net && net->started)
                net_set_party_state(hub->clients[i].net, (uint32_t)net->my_id,
                                    STOFFEL_NET_STATE_LOST, STOFFEL_NET_ERR_CLOSED);
    }
}

static void mem_destroy(stoffel_net *net)
{
    mem_impl *m = impl_of(net);
    if (m) {
        mem_leave(net);
        net_msg_queue_clear(&m->client_in);
        if (m->deliver_ev)
            event_free(m->deliver_ev);
        free(m);
    }
    net_core_release(net);
    free(net);
}

static const net_ops mem_ops = {
    .start = mem_start,
    .send_party = mem_send_party,
    .send_client = mem_send_client,
    .has_pending = mem_has_pending,
    .close_links = mem_leave,
    .destroy = mem_destroy,
};

static int mem_new(stoffel_net_mem_hub *hub, struct event_base *base, int my_id, const uint8_t *key,
                   const stoffel_net_options *opts, stoffel_net **out)
{
    stoffel_net *net = calloc(1, sizeof *net);
    mem_impl *m = calloc(1, sizeof *m);
    if (!net || !m) {
        free(net);
        free(m);
        return STOFFEL_ERR_NOMEM;
    }
    net->ops = &mem_ops;
    net->impl = m;
    m->hub = hub;
    int rc = net_core_init(net, base, hub->n, my_id, opts);
    net->gate = NET_GATE_OFF; /* one process, one hub: every party sees the same network */
    if (!rc) {
        m->deliver_ev = event_new(base, -1, 0, deliver_cb, net);
        if (!m->deliver_ev)
            rc = STOFFEL_ERR_NOMEM;
    }
    if (!rc && key) {
        mem_client *nc = realloc(hub->clients, (hub->client_count + 1) * sizeof *nc);
        if (!nc) {
            rc = STOFFEL_ERR_NOMEM;
        } else {
            hub->clients = nc;
            memcpy(nc[hub->client_count].key, key, STOFFEL_NET_FINGERPRINT_LEN);
            nc[hub->client_count++].net = net;
            m->is_client = true;
            memcpy(m->key, key, STOFFEL_NET_FINGERPRINT_LEN);
        }
    }
    if (rc) {
        net->impl = m;
        mem_destroy(net);
        return rc;
    }
    if (!key)
        hub->parties[my_id] = net;
    *out = net;
    return STOFFEL_OK;
}

int stoffel_net_mem_party_new(stoffel_net_mem_hub *hub, struct event_base *base, uint32_t my_id,
                              const stoffel_net_options *opts, stoffel_net **out)
{
    if (!hub || !base || !out || my_id >= hub->n)
        return STOFFEL_ERR_INVALID_ARG;
    if (hub->parties[my_id])
        return STOFFEL_ERR_STATE;
    return mem_new(hub, base, (int)my_id, NULL, opts, out);
}

int stoffel_net_mem_client_new(stoffel_net_mem_hub *hub, struct event_base *base,
                               const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                               const stoffel_net_options *opts, stoffel_net **out)
{
    if (!hub || !base || !key || !out)
        return STOFFEL_ERR_INVALID_ARG;
    return mem_new(hub, base, -1, key, opts, out);
}
