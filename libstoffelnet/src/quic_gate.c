/*
 * quic_gate.c - the optional consensus gate of party endpoints (spec net-cli 2.5, net.h): once all
 * party links and the expected number of clients are connected, each party sends every other
 * party a digest of the sorted party keys and of the sorted connected client keys, as the first
 * frame of each party connection; sends wait until all of them equal our own. A gate frame is
 * MAGIC(8) | party count (u32 BE) | SHA-256 of the sorted party keys | client count (u32 BE) |
 * SHA-256 of the sorted client keys.
 */
#include <event2/event.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quic_internal.h"

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, STOFFEL_NET_FINGERPRINT_LEN);
}

/* SHA-256 of count keys after sorting them (keys is sorted in place). */
static int digest_sorted(uint8_t *keys, size_t count, uint8_t out[32])
{
    qsort(keys, count, STOFFEL_NET_FINGERPRINT_LEN, cmp_key);
    return gnutls_hash_fast(GNUTLS_DIG_SHA256, keys, count * STOFFEL_NET_FINGERPRINT_LEN, out) < 0
               ? STOFFEL_NET_ERR_CRYPTO
               : STOFFEL_OK;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The gate failed: every party link closes for good with status (the message names the party or
 * what was missing), so waits and sends report it instead of blocking. */
static void gate_fail(quic_endpoint *ep, int status, const char *why)
{
    stoffel_net *net = ep->net;
    if (net->gate != NET_GATE_PENDING)
        return;
    net->gate = NET_GATE_FAILED;
    evtimer_del(ep->gate.timer);
    for (uint32_t j = 0; j < net->n_parties; j++)
        if ((int)j != net->my_id && !ep->parties[j].gave_up)
            quic_ep_link_fail(&ep->parties[j], status, why);
    net_fail(net, status, "consensus gate: %s", why);
}

static void gate_open(quic_endpoint *ep)
{
    stoffel_net *net = ep->net;
    net->gate = NET_GATE_OPEN;
    evtimer_del(ep->gate.timer);
    for (uint32_t j = 0; j < net->n_parties; j++)
        if (ep->parties[j].conn)
            quic_conn_kick(ep->parties[j].conn);
    for (size_t i = 0; i < ep->client_count; i++)
        if (ep->clients[i]->conn)
            quic_conn_kick(ep->clients[i]->conn);
}

/* Compares what arrived with our snapshot; opens the gate when every party agrees. */
static void gate_evaluate(quic_endpoint *ep)
{
    stoffel_net *net = ep->net;
    quic_gate *g = &ep->gate;
    if (net->gate != NET_GATE_PENDING || !g->fired)
        return;
    bool all = true;
    for (uint32_t j = 0; j < net->n_parties; j++) {
        if ((int)j == net->my_id)
            continue;
        if (!g->peer_got[j]) {
            all = false;
            continue;
        }
        const uint8_t *f = g->peer_frame[j];
        if (memcmp(f, g->frame, QUIC_GATE_FRAME_LEN) != 0) {
            char why[300];
            snprintf(why, sizeof why, "party %u sees a different network: %u parties and %u clients "
                     "(key digests %s) where we see %u parties and %u clients; check that every "
                     "party uses the same network configuration and that the same clients "
                     "connected to all", j, get_u32(f + 8), get_u32(f + 44),
                     memcmp(f + 12, g->frame + 12, 32) ? "of the parties differ"
                                                       : "of the clients differ",
                     get_u32(g->frame + 8), get_u32(g->frame + 44));
            gate_fail(ep, STOFFEL_NET_ERR_CONSENSUS, why);
            return;
        }
    }
    if (all)
        gate_open(ep);
}

static size_t connected_clients(const quic_endpoint *ep)
{
    size_t k = 0;
    for (size_t i = 0; i < ep->client_count; i++)
        k += ep->clients[i]->conn && ep->clients[i]->conn->attached;
    return k;
}

static void queue_gate_frame(quic_endpoint *ep, quic_link *l)
{
    if (l->q_head && l->q_head->control)
        return; /* the previous one was not written yet: it serves the new connection */
    out_msg *m = calloc(1, sizeof *m + QUIC_GATE_FRAME_LEN);
    if (!m) {
        gate_fail(ep, STOFFEL_ERR_NOMEM, "out of memory queueing the gate frame");
        return;
    }
    stoffel_net_frame_header(QUIC_GATE_FRAME_LEN, SIZE_MAX, m->hdr);
    memcpy(m + 1, ep->gate.frame, QUIC_GATE_FRAME_LEN);
    m->data = (const uint8_t *)(m + 1);
    m->len = 4 + QUIC_GATE_FRAME_LEN;
    m->control = true;
    quic_ep_link_push_front(l, m);
}

/* Our snapshot: every pinned party key and the connected clients' keys. */
static int take_snapshot(quic_endpoint *ep, size_t clients)
{
    stoffel_net *net = ep->net;
    size_t n = net->n_parties, most = n > clients ? n : clients;
    uint8_t *keys = malloc((most ? most : 1) * STOFFEL_NET_FINGERPRINT_LEN);
    if (!keys)
        return STOFFEL_ERR_NOMEM;
    uint8_t *f = ep->gate.frame;
    memcpy(f, QUIC_GATE_MAGIC, 8);
    put_u32(f + 8, (uint32_t)n);
    for (size_t j = 0; j < n; j++)
        memcpy(keys + j * STOFFEL_NET_FINGERPRINT_LEN, ep->parties[j].key,
               STOFFEL_NET_FINGERPRINT_LEN);
    int rc = digest_sorted(keys, n, f + 12);
    size_t k = 0;
    for (size_t i = 0; i < ep->client_count; i++)
        if (ep->clients[i]->conn && ep->clients[i]->conn->attached)
            memcpy(keys + k++ * STOFFEL_NET_FINGERPRINT_LEN, ep->clients[i]->key,
                   STOFFEL_NET_FINGERPRINT_LEN);
    put_u32(f + 44, (uint32_t)k);
    if (rc == STOFFEL_OK)
        rc = digest_sorted(keys, k, f + 48);
    free(keys);
    return rc;
}

void quic_gate_check(quic_endpoint *ep, quic_link *up)
{
    stoffel_net *net = ep->net;
    quic_gate *g = &ep->gate;
    if (net->gate == NET_GATE_OFF || net->closing)
        return;
    if (g->fired) {
        /* a new connection to a party: its peer expects our gate frame first again */
        if (up && up->kind == STOFFEL_NET_PEER_PARTY)
            queue_gate_frame(ep, up);
        return;
    }
    if (net->gate != NET_GATE_PENDING)
        return;
    for (uint32_t j = 0; j < net->n_parties; j++)
        if (net->party_state[j] != STOFFEL_NET_STATE_CONNECTED)
            return;
    size_t clients = connected_clients(ep);
    if (clients < net->opts.expected_clients)
        return;
    if (clients > net->opts.expected_clients) {
        char why[200];
        snprintf(why, sizeof why, "%zu clients connected, more than the %u expected (raise "
                 "expected_clients or restrict clients in the network configuration)", clients,
                 net->opts.expected_clients);
        gate_fail(ep, STOFFEL_NET_ERR_CONSENSUS, why);
        return;
    }
    if (take_snapshot(ep, clients)) {
        gate_fail(ep, STOFFEL_ERR_NOMEM, "cannot compute the key digests");
        return;
    }
    g->fired = true;
    for (uint32_t j = 0; j < net->n_parties; j++)
        if ((int)j != net->my_id)
            queue_gate_frame(ep, &ep->parties[j]);
    gate_evaluate(ep);
}

bool quic_gate_on_frame(quic_endpoint *ep, quic_conn *c, const uint8_t *msg, size_t len)
{
    stoffel_net *net = ep->net;
    if (net->gate == NET_GATE_OFF || c->gate_seen || !c->link ||
        c->link->kind != STOFFEL_NET_PEER_PARTY)
        return false;
    c->gate_seen = true;
    uint32_t j = c->link->party_id;
    if (len != QUIC_GATE_FRAME_LEN || memcmp(msg, QUIC_GATE_MAGIC, 8) != 0) {
        char why[200];
        snprintf(why, sizeof why, "party %u did not start with a gate frame (is the consensus "
                 "gate, expected_parties/expected_clients, set on every party?)", j);
        gate_fail(ep, STOFFEL_NET_ERR_CONSENSUS, why);
        return true;
    }
    if (net->gate == NET_GATE_OPEN) {
        /* a reconnected party re-sent its snapshot: it must still be ours */
        if (memcmp(msg, ep->gate.frame, QUIC_GATE_FRAME_LEN) != 0)
            net_fail(net, STOFFEL_NET_ERR_CONSENSUS, "consensus gate: party %u reconnected with "
                     "a different view of the network", j);
        return true;
    }
    memcpy(ep->gate.peer_frame[j], msg, QUIC_GATE_FRAME_LEN);
    ep->gate.peer_got[j] = 1;
    gate_evaluate(ep);
    return true;
}

static void gate_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    quic_endpoint *ep = arg;
    stoffel_net *net = ep->net;
    if (net->gate != NET_GATE_PENDING)
        return;
    char why[300];
    if (!ep->gate.fired) {
        uint32_t up = 0;
        for (uint32_t j = 0; j < net->n_parties; j++)
            up += net->party_state[j] == STOFFEL_NET_STATE_CONNECTED;
        snprintf(why, sizeof why, "not reached within %u ms: %u of %u parties and %zu of %u "
                 "clients connected", net->opts.consensus_timeout_ms, up, net->n_parties,
                 connected_clients(ep), net->opts.expected_clients);
    } else {
        size_t off = (size_t)snprintf(why, sizeof why, "no agreement within %u ms: no gate frame "
                                      "from part%s", net->opts.consensus_timeout_ms, "ies");
        for (uint32_t j = 0; j < net->n_parties && off + 16 < sizeof why; j++)
            if ((int)j != net->my_id && !ep->gate.peer_got[j])
                off += (size_t)snprintf(why + off, sizeof why - off, " %u", j);
    }
    gate_fail(ep, STOFFEL_ERR_TIMEOUT, why);
}

int quic_gate_init(quic_endpoint *ep, char *errbuf, size_t errbuf_len)
{
    stoffel_net *net = ep->net;
    if (net->gate == NET_GATE_OFF)
        return STOFFEL_OK;
    if (net->opts.expected_parties != net->n_parties) {
        net_errbuf(errbuf, errbuf_len, "consensus gate: expected_parties is %u but the network "
                   "configuration has %u parties", net->opts.expected_parties, net->n_parties);
        return STOFFEL_NET_ERR_CONFIG;
    }
    ep->gate.peer_frame = calloc(net->n_parties, sizeof *ep->gate.peer_frame);
    ep->gate.peer_got = calloc(net->n_parties, 1);
    ep->gate.timer = evtimer_new(net->base, gate_timeout_cb, ep);
    if (!ep->gate.peer_frame || !ep->gate.peer_got || !ep->gate.timer)
        return STOFFEL_ERR_NOMEM;
    return STOFFEL_OK;
}

void quic_gate_start(quic_endpoint *ep)
{
    stoffel_net *net = ep->net;
    if (net->gate != NET_GATE_PENDING)
        return;
    uint32_t ms = net->opts.consensus_timeout_ms;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(ep->gate.timer, &tv);
    quic_gate_check(ep, NULL); /* a network of one party and no clients agrees at once */
}

void quic_gate_release(quic_endpoint *ep)
{
    if (ep->gate.timer)
        event_free(ep->gate.timer);
    free(ep->gate.peer_frame);
    free(ep->gate.peer_got);
    memset(&ep->gate, 0, sizeof ep->gate);
}
