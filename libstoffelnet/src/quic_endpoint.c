/*
 * quic_endpoint.c - the QUIC transport's endpoint: the UDP socket on libevent, routing packets to
 * connections by connection ID, accepting connections, links to parties and clients (send queues
 * that survive reconnects), dialling with bounded reconnect and exponential backoff, and the
 * net_ops the transport-independent core calls.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quic_internal.h"

#define QUIC_RECV_BATCH 128
#define QUIC_MAX_HANDSHAKING 64
#define QUIC_MAX_RESETS_PER_SECOND 100
#define QUIC_SOCKET_BUFFER_BYTES (8 * 1024 * 1024)

static quic_endpoint *ep_of(const stoffel_net *net)
{
    return net->impl;
}

static int resolve(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *len = sizeof *a4;
        return STOFFEL_OK;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *len = sizeof *a6;
        return STOFFEL_OK;
    }
    return STOFFEL_ERR_INVALID_ARG;
}

static bool same_addr(const struct sockaddr_storage *a, socklen_t alen, const struct sockaddr *b,
                      socklen_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

int quic_ep_send_packet(quic_endpoint *ep, const struct sockaddr *to, socklen_t tolen,
                        const uint8_t *pkt, size_t len)
{
    for (;;) {
        ssize_t n = sendto(ep->fd, pkt, len, 0, to, tolen);
        if (n >= 0)
            return STOFFEL_OK;
        if (errno == EINTR)
            continue;
        /* EAGAIN/ENOBUFS/ECONNREFUSED: the packet counts as lost; QUIC retransmits. */
        return STOFFEL_ERR_IO;
    }
}

void quic_ep_send_batch(quic_endpoint *ep, const struct sockaddr *to, socklen_t tolen,
                        const size_t *lens, int count)
{
    struct mmsghdr msgs[QUIC_SEND_BATCH];
    struct iovec iov[QUIC_SEND_BATCH];
    int done = 0;
    while (done < count && ep->use_sendmmsg) {
        int k = count - done;
        for (int i = 0; i < k; i++) {
            iov[i].iov_base = ep->batch_buf + (size_t)(done + i) * QUIC_PKT_BUF;
            iov[i].iov_len = lens[done + i];
            memset(&msgs[i], 0, sizeof msgs[i]);
            msgs[i].msg_hdr.msg_name = (void *)to;
            msgs[i].msg_hdr.msg_namelen = tolen;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int r = sendmmsg(ep->fd, msgs, (unsigned)k, 0);
        if (r > 0) {
            done += r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == ENOSYS || errno == EOPNOTSUPP)) {
            ep->use_sendmmsg = false; /* fall back to one sendto per packet from now on */
            break;
        }
        done++; /* EAGAIN/ENOBUFS/ECONNREFUSED on this packet: lost, QUIC retransmits */
    }
    for (; done < count; done++)
        quic_ep_send_packet(ep, to, tolen, ep->batch_buf + (size_t)done * QUIC_PKT_BUF, lens[done]);
}

/* --- links -------------------------------------------------------------------------------- */

static stoffel_net_peer link_peer(const quic_link *l)
{
    stoffel_net_peer p = {.kind = l->kind, .party_id = l->party_id};
    memcpy(p.key, l->key, sizeof p.key);
    return p;
}

static void dial_now(quic_link *l);

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    dial_now(arg);
}

static uint32_t backoff_ms(const stoffel_net_options *o, uint32_t failures)
{
    uint64_t d = o->reconnect_backoff_ms;
    for (uint32_t i = 1; i < failures && d < o->reconnect_backoff_max_ms; i++)
        d *= 2;
    return (uint32_t)(d < o->reconnect_backoff_max_ms ? d : o->reconnect_backoff_max_ms);
}

static void link_give_up(quic_link *l, int status, const char *why)
{
    stoffel_net *net = l->ep->net;
    l->gave_up = true;
    net_fail(net, status, "party %u at %s:%u: %s", l->party_id, l->host, l->port, why);
    net_set_party_state(net, l->party_id, STOFFEL_NET_STATE_CLOSED, status);
}

void quic_ep_link_fail(quic_link *l, int status, const char *why)
{
    if (l->retry_ev)
        evtimer_del(l->retry_ev);
    link_give_up(l, status, why);
}

static void schedule_retry(quic_link *l, int status, const char *why)
{
    const stoffel_net_options *o = &l->ep->net->opts;
    if (l->failures > o->reconnect_attempts) {
        char msg[320];
        snprintf(msg, sizeof msg, "gave up after %u attempts: %s", l->failures, why);
        link_give_up(l, status, msg);
        return;
    }
    uint32_t ms = backoff_ms(o, l->failures ? l->failures : 1);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(l->retry_ev, &tv);
}

static void dial_now(quic_link *l)
{
    quic_endpoint *ep = l->ep;
    if (ep->net->closing || l->conn || l->gave_up)
        return;
    struct sockaddr_storage ss;
    socklen_t len;
    if (resolve(l->host, l->port, &ss, &len) || l->port == 0) {
        link_give_up(l, STOFFEL_NET_ERR_CONFIG, "no usable address to dial (port 0 or bad host)");
        return;
    }
    int rc = quic_conn_dial(ep, l, (struct sockaddr *)&ss, len);
    if (rc) {
        l->failures++;
        schedule_retry(l, rc, "cannot create a connection");
    }
}

void out_msg_free(out_msg *m)
{
    if (m->release)
        m->release(m->release_user, (uint8_t *)m->data, m->len - 4);
    free(m);
}

static void link_release(quic_link *l)
{
    while (l->q_head) {
        out_msg *m = l->q_head;
        l->q_head = m->next;
        out_msg_free(m);
    }
    l->q_tail = NULL;
    if (l->retry_ev)
        event_free(l->retry_ev);
    l->retry_ev = NULL;
}

static void link_push(quic_link *l, out_msg *m)
{
    if (l->q_tail)
        l->q_tail->next = m;
    else
        l->q_head = m;
    l->q_tail = m;
    l->q_bytes += m->len;
    if (l->conn && l->conn->attached)
        quic_conn_kick(l->conn);
}

void quic_ep_link_push_front(quic_link *l, out_msg *m)
{
    if (l->q_cursor > 0 && l->q_head) {
        /* cannot go before a message half written on the current connection: right after it */
        m->next = l->q_head->next;
        l->q_head->next = m;
        if (l->q_tail == l->q_head)
            l->q_tail = m;
    } else {
        m->next = l->q_head;
        l->q_head = m;
        if (!l->q_tail)
            l->q_tail = m;
    }
    l->q_bytes += m->len;
    if (l->conn && l->conn->attached)
        quic_conn_kick(l->conn);
}

/* Queues a copy of data: one allocation holds the message and the payload. */
static int link_enqueue(quic_link *l, const uint8_t *data, size_t len)
{
    out_msg *m = malloc(sizeof *m + len);
    if (!m)
        return STOFFEL_ERR_NOMEM;
    memset(m, 0, sizeof *m);
    stoffel_net_frame_header(len, SIZE_MAX, m->hdr);
    if (len)
        memcpy(m + 1, data, len);
    m->data = (const uint8_t *)(m + 1);
    m->len = len + 4;
    link_push(l, m);
    return STOFFEL_OK;
}

/* Queues the caller's buffer itself (stoffel_net_send_owned); released by out_msg_free. */
static int link_enqueue_owned(quic_link *l, uint8_t *data, size_t len,
                              stoffel_net_release_fn release, void *user)
{
    out_msg *m = calloc(1, sizeof *m);
    if (!m)
        return STOFFEL_ERR_NOMEM;
    stoffel_net_frame_header(len, SIZE_MAX, m->hdr);
    m->data = data;
    m->len = len + 4;
    m->release = release;
    m->release_user = user;
    link_push(l, m);
    return STOFFEL_OK;
}

static quic_link *client_link(quic_endpoint *ep, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                              bool create)
{
    for (size_t i = 0; i < ep->client_count; i++)
        if (memcmp(ep->clients[i]->key, key, STOFFEL_NET_FINGERPRINT_LEN) == 0)
            return ep->clients[i];
    if (!create)
        return NULL;
    quic_link **nc = realloc(ep->clients, (ep->client_count + 1) * sizeof *nc);
    if (!nc)
        return NULL;
    ep->clients = nc;
    quic_link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->kind = STOFFEL_NET_PEER_CLIENT;
    l->ep = ep;
    memcpy(l->key, key, STOFFEL_NET_FINGERPRINT_LEN);
    ep->clients[ep->client_count++] = l;
    return l;
}

/* --- events from connections ----------------------------------------------------------------- */

void quic_ep_conn_established(quic_endpoint *ep, quic_conn *c)
{
    stoffel_net *net = ep->net;
    quic_link *l = c->link;
    if (!c->is_dialer) {
        l = c->link_kind == STOFFEL_NET_PEER_PARTY ? &ep->parties[c->peer_party]
                                                   : client_link(ep, c->peer_fp, true);
        if (!l) {
            c->fail_status = STOFFEL_ERR_NOMEM;
            return;
        }
        if (l->conn && l->conn != c) {
            /* The peer came back (restarted) while we still held its old connection. */
            quic_conn *old = l->conn;
            old->link = NULL;
            l->conn = NULL;
            l->q_cursor = 0;
            quic_conn_retire(old);
            if (l->kind == STOFFEL_NET_PEER_PARTY)
                net_set_party_state(net, l->party_id, STOFFEL_NET_STATE_LOST,
                                    STOFFEL_NET_ERR_CLOSED);
            else
                net_client_state(net, l->key, STOFFEL_NET_STATE_LOST, STOFFEL_NET_ERR_CLOSED);
        }
        l->conn = c;
        c->link = l;
    }
    c->attached = true;
    l->failures = 0;
    if (l->kind == STOFFEL_NET_PEER_PARTY)
        net_set_party_state(net, l->party_id, STOFFEL_NET_STATE_CONNECTED, 0);
    else
        net_client_state(net, l->key, STOFFEL_NET_STATE_CONNECTED, 0);
    quic_gate_check(ep, l);
    quic_conn_kick(c);
}

void quic_ep_conn_ended(quic_endpoint *ep, quic_conn *c)
{
    stoffel_net *net = ep->net;
    quic_link *l = c->link;
    if (!l || l->conn != c) {
        if (!c->is_dialer && c->why[0] && !net->closing)
            net_fail(net, c->fail_status ? c->fail_status : STOFFEL_NET_ERR_PEER_REFUSED, "%s",
                     c->why); /* a refused or failed incoming connection */
        return;
    }
    l->conn = NULL;
    l->q_cursor = 0; /* a partly written message restarts on the next connection */
    c->link = NULL;
    if (net->closing)
        return;
    int status = c->fail_status ? c->fail_status : STOFFEL_NET_ERR_CLOSED;
    const char *why = c->why[0] ? c->why : "connection ended";
    if (l->kind == STOFFEL_NET_PEER_CLIENT) {
        net_client_state(net, l->key, STOFFEL_NET_STATE_LOST, status);
        return;
    }
    if (!l->dialer) {
        net_fail(net, status, "party %u: %s", l->party_id, why);
        net_set_party_state(net, l->party_id, STOFFEL_NET_STATE_LOST, status);
        return;
    }
    if (status == STOFFEL_NET_ERR_PEER_REFUSED) {
        link_give_up(l, status, why); /* retrying cannot change the peer's mind */
        return;
    }
    if (c->confirmed) {
        l->failures = 0;
        net_set_party_state(net, l->party_id, STOFFEL_NET_STATE_LOST, status);
    }
    l->failures++;
    schedule_retry(l, status, why);
}

void quic_ep_deliver(quic_endpoint *ep, quic_conn *c, const uint8_t *msg, size_t len)
{
    if (!c->link || quic_gate_on_frame(ep, c, msg, len))
        return;
    stoffel_net_peer from = link_peer(c->link);
    net_deliver(ep->net, &from, msg, len);
}

/* --- socket --------------------------------------------------------------------------------- */

/* A short packet for a connection we do not know: most likely our previous process's, after a
 * restart. A stateless reset (RFC 9000 10.3) tells the peer at once instead of after its idle
 * timeout; the token is valid because the secret is derived from our private key, which the
 * previous process shared. Rate-limited, and always smaller than the packet that caused it. */
static void send_stateless_reset(quic_endpoint *ep, const ngtcp2_version_cid *vc, size_t len,
                                 const struct sockaddr *from, socklen_t fromlen)
{
    if (vc->dcidlen != QUIC_CID_LEN || len < 1 + 16 + NGTCP2_MIN_STATELESS_RESET_RANDLEN + 2)
        return;
    uint64_t now = net_now_ns();
    if (now - ep->reset_window_start > 1000000000u) {
        ep->reset_window_start = now;
        ep->resets_in_window = 0;
    }
    if (++ep->resets_in_window > QUIC_MAX_RESETS_PER_SECOND)
        return;
    ngtcp2_cid cid;
    ngtcp2_cid_init(&cid, vc->dcid, vc->dcidlen);
    uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN], rand[40], pkt[64];
    if (ngtcp2_crypto_generate_stateless_reset_token(token, ep->static_secret,
                                                     sizeof ep->static_secret, &cid) != 0)
        return;
    size_t randlen = len - 1 - 1 - NGTCP2_STATELESS_RESET_TOKENLEN;
    if (randlen > sizeof rand)
        randlen = sizeof rand;
    randombytes_buf(rand, randlen);
    ngtcp2_ssize n = ngtcp2_pkt_write_stateless_reset(pkt, sizeof pkt, token, rand, randlen);
    if (n > 0)
        quic_ep_send_packet(ep, from, fromlen, pkt, (size_t)n);
}

static void dispatch(quic_endpoint *ep, const uint8_t *pkt, size_t len, const struct sockaddr *from,
                     socklen_t fromlen)
{
    ngtcp2_version_cid vc;
    if (ngtcp2_pkt_decode_version_cid(&vc, pkt, len, QUIC_CID_LEN) != 0)
        return; /* not QUIC v1 or garbage: drop */
    quic_conn *c = NULL;
    for (quic_conn *it = ep->conns; it; it = it->next) {
        if (it->dead)
            continue;
        if (vc.dcidlen == QUIC_CID_LEN && memcmp(vc.dcid, it->tag, QUIC_CID_TAG_LEN) == 0) {
            c = it;
            break;
        }
        if (!it->is_dialer && vc.dcidlen == it->odcid_len &&
            memcmp(vc.dcid, it->odcid, vc.dcidlen) == 0 &&
            same_addr(&it->remote, it->remote_len, from, fromlen)) {
            c = it;
            break;
        }
    }
    if (!c && !(pkt[0] & 0x80)) {
        /* A stateless reset carries a random connection ID: offer it to the connections with
         * that peer (ngtcp2 recognises the token); otherwise it may be for our predecessor. */
        for (quic_conn *it = ep->conns; it; it = it->next) {
            if (it->dead || !same_addr(&it->remote, it->remote_len, from, fromlen))
                continue;
            quic_conn_read(it, pkt, len);
            if (it->dead) {
                quic_conn_free(it);
                return;
            }
        }
        send_stateless_reset(ep, &vc, len, from, fromlen);
        return;
    }
    if (!c) {
        if (ep->net->my_id < 0 || ep->net->closing)
            return; /* clients accept nothing */
        /* Bound the connections still handshaking, so a flood of Initials costs little memory;
         * legitimate peers retransmit their Initial. */
        size_t handshaking = 0;
        for (quic_conn *it = ep->conns; it; it = it->next)
            handshaking += !it->is_dialer && !it->attached && !it->dead;
        if (handshaking >= QUIC_MAX_HANDSHAKING)
            return;
        if (quic_conn_accept(ep, pkt, len, from, fromlen, &c))
            return;
    }
    quic_conn_read(c, pkt, len);
    if (c->dead)
        quic_conn_free(c);
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    quic_endpoint *ep = arg;
    uint8_t *buf = ep->pkt_buf + QUIC_PKT_BUF; /* second half; the first is for sending */
    for (int i = 0; i < QUIC_RECV_BATCH; i++) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(ep->fd, buf, QUIC_PKT_BUF, 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0)
            break;
        dispatch(ep, buf, (size_t)n, (struct sockaddr *)&from, fromlen);
    }
}

static int socket_open(quic_endpoint *ep, const char *host, uint16_t port, char *errbuf,
                       size_t errbuf_len)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (resolve(host, port, &ss, &len)) {
        net_errbuf(errbuf, errbuf_len, "cannot bind: \"%s\" is not a numeric IP address", host);
        return STOFFEL_ERR_INVALID_ARG;
    }
    ep->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ep->fd < 0) {
        net_errbuf(errbuf, errbuf_len, "cannot create a UDP socket: %s", strerror(errno));
        return STOFFEL_ERR_IO;
    }
    int size = QUIC_SOCKET_BUFFER_BYTES;
    setsockopt(ep->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(ep->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (bind(ep->fd, (struct sockaddr *)&ss, len) != 0) {
        net_errbuf(errbuf, errbuf_len, "cannot bind UDP %s:%u: %s%s", host, port, strerror(errno),
                   errno == EADDRINUSE ? " (another process uses this port; change the address "
                                         "in the network configuration)" : "");
        return STOFFEL_ERR_IO;
    }
    ep->local_len = sizeof ep->local;
    if (getsockname(ep->fd, (struct sockaddr *)&ep->local, &ep->local_len) != 0) {
        net_errbuf(errbuf, errbuf_len, "getsockname: %s", strerror(errno));
        return STOFFEL_ERR_IO;
    }
    ep->read_ev = event_new(ep->net->base, ep->fd, EV_READ | EV_PERSIST, read_cb, ep);
    if (!ep->read_ev || event_add(ep->read_ev, NULL) != 0)
        return STOFFEL_ERR_NOMEM;
    return STOFFEL_OK;
}

/* --- net_ops ------------------------------------------------------------------------------- */

static int quic_start(stoffel_net *net)
{
    quic_endpoint *ep = ep_of(net);
    for (uint32_t j = 0; j < net->n_parties; j++)
        if (ep->parties[j].dialer)
            dial_now(&ep->parties[j]);
    quic_gate_start(ep);
    return STOFFEL_OK;
}

static int quic_send_party(stoffel_net *net, uint32_t to, const uint8_t *data, size_t len)
{
    int rc = link_enqueue(&ep_of(net)->parties[to], data, len);
    return rc ? net_fail(net, rc, "out of memory queueing a message for party %u", to) : rc;
}

static int quic_send_party_owned(stoffel_net *net, uint32_t to, uint8_t *data, size_t len,
                                 stoffel_net_release_fn release, void *user)
{
    int rc = link_enqueue_owned(&ep_of(net)->parties[to], data, len, release, user);
    if (rc) {
        release(user, data, len);
        return net_fail(net, rc, "out of memory queueing a message for party %u", to);
    }
    return STOFFEL_OK;
}

static int quic_send_client(stoffel_net *net, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                            const uint8_t *data, size_t len)
{
    quic_link *l = client_link(ep_of(net), key, false);
    if (!l)
        return net_fail(net, STOFFEL_ERR_NOT_FOUND, "send_client: this client never connected");
    int rc = link_enqueue(l, data, len);
    return rc ? net_fail(net, rc, "out of memory queueing a message for a client") : rc;
}

static bool link_pending(const quic_link *l, bool *failed)
{
    bool p = l->q_head || (l->conn && !quic_conn_all_acked(l->conn));
    if (p && l->gave_up)
        *failed = true;
    return p;
}

static bool quic_has_pending(stoffel_net *net, bool *failed)
{
    quic_endpoint *ep = ep_of(net);
    bool p = false;
    for (uint32_t j = 0; j < net->n_parties; j++)
        p |= link_pending(&ep->parties[j], failed);
    for (size_t i = 0; i < ep->client_count; i++)
        p |= link_pending(ep->clients[i], failed);
    return p;
}

static int quic_set_party_address(stoffel_net *net, uint32_t id, const char *host, uint16_t port)
{
    quic_link *l = &ep_of(net)->parties[id];
    snprintf(l->host, sizeof l->host, "%s", host);
    l->port = port;
    return stoffel_net_config_set_party(ep_of(net)->cfg, id, host, port, NULL);
}

static uint16_t quic_local_port(const stoffel_net *net)
{
    const quic_endpoint *ep = ep_of(net);
    if (ep->local.ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)&ep->local)->sin_port);
    if (ep->local.ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)&ep->local)->sin6_port);
    return 0;
}

static void quic_close_links(stoffel_net *net)
{
    quic_endpoint *ep = ep_of(net);
    for (uint32_t j = 0; j < net->n_parties; j++) {
        ep->parties[j].gave_up = true; /* no more dialling */
        if (ep->parties[j].retry_ev)
            evtimer_del(ep->parties[j].retry_ev);
    }
    while (ep->conns) {
        quic_conn *c = ep->conns;
        if (c->link && c->link->conn == c) {
            if (c->link->kind == STOFFEL_NET_PEER_CLIENT)
                net_client_state(net, c->link->key, STOFFEL_NET_STATE_CLOSED, STOFFEL_OK);
            c->link->conn = NULL;
        }
        c->link = NULL;
        quic_conn_close(c, 0);
        quic_conn_free(c);
    }
}

static void quic_destroy(stoffel_net *net)
{
    quic_endpoint *ep = ep_of(net);
    if (ep) {
        while (ep->conns) {
            quic_conn *c = ep->conns;
            if (c->link && c->link->conn == c)
                c->link->conn = NULL;
            c->link = NULL;
            if (c->conn)
                quic_conn_close(c, 0);
            c->dead = true;
            quic_conn_free(c);
        }
        if (ep->parties)
            for (uint32_t j = 0; j < net->n_parties; j++)
                link_release(&ep->parties[j]);
        free(ep->parties);
        for (size_t i = 0; i < ep->client_count; i++) {
            link_release(ep->clients[i]);
            free(ep->clients[i]);
        }
        free(ep->clients);
        if (ep->read_ev)
            event_free(ep->read_ev);
        if (ep->fd >= 0)
            close(ep->fd);
        if (ep->cred)
            gnutls_certificate_free_credentials(ep->cred);
        quic_gate_release(ep);
        stoffel_net_config_free(ep->cfg);
        free(ep->pkt_buf);
        free(ep->batch_buf);
        sodium_memzero(ep->static_secret, sizeof ep->static_secret);
        free(ep);
    }
    net_core_release(net);
    free(net);
}

static const net_ops quic_ops = {
    .start = quic_start,
    .send_party = quic_send_party,
    .send_client = quic_send_client,
    .send_party_owned = quic_send_party_owned,
    .has_pending = quic_has_pending,
    .set_party_address = quic_set_party_address,
    .local_port = quic_local_port,
    .close_links = quic_close_links,
    .destroy = quic_destroy,
};

/* The stateless-reset secret: HMAC-SHA-256 keyed with the private key (DER), so a restarted
 * process with the same identity can reset its predecessor's connections. */
static int derive_static_secret(const stoffel_net_identity *id, uint8_t out[32])
{
    gnutls_datum_t der = {0};
    static const char label[] = "stoffel-net stateless reset v1";
    if (gnutls_x509_privkey_export2(id->key, GNUTLS_X509_FMT_DER, &der) < 0)
        return STOFFEL_NET_ERR_CRYPTO;
    int r = gnutls_hmac_fast(GNUTLS_MAC_SHA256, der.data, der.size, label, sizeof label - 1, out);
    sodium_memzero(der.data, der.size);
    gnutls_free(der.data);
    return r < 0 ? STOFFEL_NET_ERR_CRYPTO : STOFFEL_OK;
}

static int endpoint_new(struct event_base *base, const stoffel_net_config *cfg, int my_id,
                        const stoffel_net_identity *id, const stoffel_net_options *opts,
                        stoffel_net **out, char *errbuf, size_t errbuf_len)
{
    if (!base || !cfg || !id || !out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    if (sodium_init() < 0)
        return STOFFEL_NET_ERR_CRYPTO;
    uint32_t n = stoffel_net_config_party_count(cfg);
    if (my_id >= 0 && (uint32_t)my_id >= n) {
        net_errbuf(errbuf, errbuf_len, "party id %d is out of range: the network has %u parties",
                   my_id, n);
        return STOFFEL_ERR_INVALID_ARG;
    }
    stoffel_net *net = calloc(1, sizeof *net);
    quic_endpoint *ep = calloc(1, sizeof *ep);
    if (!net || !ep) {
        free(net);
        free(ep);
        return STOFFEL_ERR_NOMEM;
    }
    net->ops = &quic_ops;
    net->impl = ep;
    ep->net = net;
    ep->fd = -1;
    ep->id = id;
    int rc = net_core_init(net, base, n, my_id, opts);
    if (rc) {
        bool gp = opts && opts->struct_size >= sizeof *opts &&
                  opts->expected_parties != STOFFEL_NET_GATE_OFF;
        bool gc = opts && opts->struct_size >= sizeof *opts &&
                  opts->expected_clients != STOFFEL_NET_GATE_OFF;
        if (gp != gc)
            net_errbuf(errbuf, errbuf_len, "consensus gate: expected_%s is set but expected_%s "
                       "is not; set both (or neither)", gp ? "parties" : "clients",
                       gp ? "clients" : "parties");
        else
            net_errbuf(errbuf, errbuf_len, "invalid options (or out of memory)");
        goto fail;
    }
    if ((rc = net_config_clone(cfg, &ep->cfg)))
        goto fail;
    if ((rc = derive_static_secret(id, ep->static_secret))) {
        net_errbuf(errbuf, errbuf_len, "cannot read the identity's private key");
        goto fail;
    }
    ep->pkt_buf = malloc(2 * QUIC_PKT_BUF);
    ep->batch_buf = malloc((size_t)QUIC_SEND_BATCH * QUIC_PKT_BUF);
    ep->use_sendmmsg = true;
    ep->parties = calloc(n, sizeof *ep->parties);
    if (!ep->pkt_buf || !ep->batch_buf || !ep->parties) {
        rc = STOFFEL_ERR_NOMEM;
        goto fail;
    }
    for (uint32_t j = 0; j < n; j++) {
        quic_link *l = &ep->parties[j];
        const char *host;
        l->ep = ep;
        l->kind = STOFFEL_NET_PEER_PARTY;
        l->party_id = j;
        stoffel_net_config_party(cfg, j, &host, &l->port, l->key);
        snprintf(l->host, sizeof l->host, "%s", host[0] ? host : "127.0.0.1");
        l->dialer = my_id < 0 || j < (uint32_t)my_id; /* the higher id dials */
        l->retry_ev = evtimer_new(base, retry_cb, l);
        if (!l->retry_ev) {
            rc = STOFFEL_ERR_NOMEM;
            goto fail;
        }
    }
    if (my_id >= 0) {
        uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
        stoffel_net_identity_fingerprint(id, fp);
        if (memcmp(fp, ep->parties[my_id].key, sizeof fp) != 0) {
            char a[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1], b[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1];
            stoffel_net_fingerprint_format(fp, a);
            stoffel_net_fingerprint_format(ep->parties[my_id].key, b);
            net_errbuf(errbuf, errbuf_len, "this identity (%s) is not the one pinned for party %d "
                       "(%s); use that party's key or fix the network configuration", a, my_id, b);
            rc = STOFFEL_NET_ERR_CONFIG;
            goto fail;
        }
        rc = socket_open(ep, ep->parties[my_id].host, ep->parties[my_id].port, errbuf, errbuf_len);
    } else {
        bool v6 = strchr(ep->parties[0].host, ':') != NULL;
        rc = socket_open(ep, v6 ? "::" : "0.0.0.0", 0, errbuf, errbuf_len);
    }
    if (rc)
        goto fail;
    if ((rc = quic_gate_init(ep, errbuf, errbuf_len)))
        goto fail;
    if ((rc = quic_tls_cred_new(ep))) {
        net_errbuf(errbuf, errbuf_len, "cannot set up TLS credentials from the identity");
        goto fail;
    }
    ep->id = NULL; /* GnuTLS copied the certificate and key: the caller may free the identity */
    *out = net;
    return STOFFEL_OK;
fail:
    quic_destroy(net);
    return rc;
}

int stoffel_net_quic_party_new(struct event_base *base, const stoffel_net_config *cfg,
                               uint32_t my_id, const stoffel_net_identity *id,
                               const stoffel_net_options *opts, stoffel_net **out, char *errbuf,
                               size_t errbuf_len)
{
    if (my_id > 0x7fffffffu)
        return STOFFEL_ERR_INVALID_ARG;
    return endpoint_new(base, cfg, (int)my_id, id, opts, out, errbuf, errbuf_len);
}

int stoffel_net_quic_client_new(struct event_base *base, const stoffel_net_config *cfg,
                                const stoffel_net_identity *id, const stoffel_net_options *opts,
                                stoffel_net **out, char *errbuf, size_t errbuf_len)
{
    return endpoint_new(base, cfg, -1, id, opts, out, errbuf, errbuf_len);
}
