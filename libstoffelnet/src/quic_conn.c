/*
 * quic_conn.c - one QUIC connection: ngtcp2 callbacks, packet input, the write loop that moves
 * frames from the link's queue onto the single stream, acknowledgement bookkeeping, the expiry
 * timer (retransmission, idle timeout, keep-alive) and closing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <event2/event.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quic_internal.h"

/* Stream data vectors handed to ngtcp2 per call. */
#define QUIC_WRITE_VECS 64

/* Application error codes in CONNECTION_CLOSE. */
enum { APP_NO_ERROR = 0, APP_PROTOCOL_ERROR = 1, APP_FRAME_TOO_LARGE = 2 };

static void rand_cb(uint8_t *dest, size_t destlen, const ngtcp2_rand_ctx *ctx)
{
    randombytes_buf(dest, destlen);
}

static void make_cid(quic_conn *c, ngtcp2_cid *cid)
{
    uint8_t b[QUIC_CID_LEN];
    memcpy(b, c->tag, QUIC_CID_TAG_LEN);
    randombytes_buf(b + QUIC_CID_TAG_LEN, QUIC_CID_LEN - QUIC_CID_TAG_LEN);
    ngtcp2_cid_init(cid, b, QUIC_CID_LEN);
}

static int get_new_cid_cb(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen,
                          void *user)
{
    quic_conn *c = user;
    make_cid(c, cid);
    if (ngtcp2_crypto_generate_stateless_reset_token(token, c->ep->static_secret,
                                                     sizeof c->ep->static_secret, cid) != 0)
        return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
}

static int handshake_completed_cb(ngtcp2_conn *conn, void *user)
{
    quic_conn *c = user;
    c->handshake_done = true;
    if (!c->peer_ok)
        return NGTCP2_ERR_CALLBACK_FAILURE; /* cannot happen: verification ran first */
    if (c->is_dialer) {
        int64_t sid;
        if (ngtcp2_conn_open_bidi_stream(conn, &sid, NULL) != 0)
            return NGTCP2_ERR_CALLBACK_FAILURE;
        c->stream_id = sid;
        return 0; /* established once the acceptor confirms, see below */
    }
    c->confirmed = true;
    quic_ep_conn_established(c->ep, c);
    return 0;
}

/* The dialler's handshake completes before the acceptor has checked the dialler's certificate
 * (TLS 1.3 client authentication); HANDSHAKE_DONE from the acceptor confirms it was accepted. */
static int handshake_confirmed_cb(ngtcp2_conn *conn, void *user)
{
    quic_conn *c = user;
    if (c->is_dialer && !c->confirmed) {
        c->confirmed = true;
        quic_ep_conn_established(c->ep, c);
    }
    return 0;
}

static int recv_stream_data_cb(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id,
                               uint64_t offset, const uint8_t *data, size_t datalen, void *user,
                               void *stream_user)
{
    quic_conn *c = user;
    if (c->stream_id < 0 && !c->is_dialer)
        c->stream_id = stream_id;
    if (stream_id != c->stream_id || c->dead)
        return 0; /* only one stream per connection is used; extra ones are ignored */
    size_t pos = 0;
    if (!c->is_dialer) {
        while (c->hello_in < QUIC_HELLO_LEN && pos < datalen) {
            if (data[pos] != (uint8_t)QUIC_HELLO[c->hello_in]) {
                snprintf(c->why, sizeof c->why, "the peer's stream does not start with the "
                         "Stoffel hello (wrong protocol or version)");
                c->fail_status = STOFFEL_ERR_MALFORMED;
                return NGTCP2_ERR_CALLBACK_FAILURE;
            }
            c->hello_in++;
            pos++;
        }
    }
    while (pos < datalen) {
        size_t used = 0;
        const uint8_t *msg = NULL;
        size_t msg_len = 0;
        int r = net_frame_reader_feed(&c->reader, data + pos, datalen - pos, &used, &msg, &msg_len);
        pos += used;
        if (r < 0) {
            if (r == STOFFEL_ERR_LIMIT)
                snprintf(c->why, sizeof c->why, "the peer sent a frame larger than the maximum "
                         "of %zu bytes", c->reader.max);
            else
                snprintf(c->why, sizeof c->why, "out of memory receiving a message");
            c->fail_status = r;
            return NGTCP2_ERR_CALLBACK_FAILURE;
        }
        if (r == 1)
            quic_ep_deliver(c->ep, c, msg, msg_len);
        if (c->dead)
            return 0;
    }
    ngtcp2_conn_extend_max_stream_offset(conn, stream_id, datalen);
    ngtcp2_conn_extend_max_offset(conn, datalen);
    return 0;
}

static int acked_cb(ngtcp2_conn *conn, int64_t stream_id, uint64_t offset, uint64_t datalen,
                    void *user, void *stream_user)
{
    quic_conn *c = user;
    uint64_t acked = offset + datalen;
    while (c->unacked_head && c->unacked_head->end_offset <= acked) {
        out_msg *m = c->unacked_head;
        c->unacked_head = m->next;
        if (!c->unacked_head)
            c->unacked_tail = NULL;
        out_msg_free(m);
    }
    return 0;
}

static int extend_stream_cb(ngtcp2_conn *conn, int64_t stream_id, uint64_t max_data, void *user,
                            void *stream_user)
{
    quic_conn_kick(user);
    return 0;
}

static void fill_callbacks(ngtcp2_callbacks *cb, bool dialer)
{
    memset(cb, 0, sizeof *cb);
    if (dialer) {
        cb->client_initial = ngtcp2_crypto_client_initial_cb;
        cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
    } else {
        cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    }
    cb->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb->encrypt = ngtcp2_crypto_encrypt_cb;
    cb->decrypt = ngtcp2_crypto_decrypt_cb;
    cb->hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb->update_key = ngtcp2_crypto_update_key_cb;
    cb->delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb->delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb->get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb->version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    cb->rand = rand_cb;
    cb->get_new_connection_id = get_new_cid_cb;
    cb->handshake_completed = handshake_completed_cb;
    cb->handshake_confirmed = handshake_confirmed_cb;
    cb->recv_stream_data = recv_stream_data_cb;
    cb->acked_stream_data_offset = acked_cb;
    cb->extend_max_stream_data = extend_stream_cb;
}

static void fill_settings(quic_endpoint *ep, ngtcp2_settings *s, ngtcp2_transport_params *p,
                          bool dialer, size_t max_pkt)
{
    const stoffel_net_options *o = &ep->net->opts;
    ngtcp2_settings_default(s);
    s->initial_ts = net_now_ns();
    s->max_tx_udp_payload_size = max_pkt;
    s->no_tx_udp_payload_size_shaping = 1;
    s->handshake_timeout = (ngtcp2_duration)o->connect_timeout_ms * NGTCP2_MILLISECONDS;
    /* BBR paces by measured bandwidth instead of growing the window until packets are lost: with
     * CUBIC, about one loopback benchmark run in three fell to a fifth of its throughput (most
     * likely 64 KB datagrams overflowing the receiver's socket buffer, then loss recovery). */
    s->cc_algo = NGTCP2_CC_ALGO_BBR;
    s->max_window = 64u * 1024 * 1024;
    s->max_stream_window = 64u * 1024 * 1024;
    ngtcp2_transport_params_default(p);
    p->initial_max_stream_data_bidi_local = 8u * 1024 * 1024;
    p->initial_max_stream_data_bidi_remote = 8u * 1024 * 1024;
    p->initial_max_data = 16u * 1024 * 1024;
    /* Only the dialler opens the one stream; the acceptor allows exactly one. */
    p->initial_max_streams_bidi = dialer ? 0 : 1;
    p->initial_max_streams_uni = 0;
    p->max_idle_timeout = (ngtcp2_duration)o->idle_timeout_ms * NGTCP2_MILLISECONDS;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg);
static void write_cb(evutil_socket_t fd, short what, void *arg);

static bool is_loopback(const struct sockaddr *a)
{
    if (a->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
    if (a->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
    return false;
}

static quic_conn *conn_alloc(quic_endpoint *ep, bool dialer, const struct sockaddr *remote,
                             socklen_t remote_len)
{
    quic_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ep = ep;
    c->is_dialer = dialer;
    c->peer_party = -1;
    c->stream_id = -1;
    if (!dialer)
        c->hello_out = QUIC_HELLO_LEN; /* only the dialler writes the hello */
    memcpy(&c->remote, remote, remote_len);
    c->remote_len = remote_len;
    c->max_pkt = ep->net->opts.max_udp_payload_bytes;
    if (c->max_pkt == 0) /* automatic: loopback carries large datagrams without fragmenting */
        c->max_pkt = is_loopback(remote) ? QUIC_LOOPBACK_UDP_PAYLOAD : QUIC_DEFAULT_UDP_PAYLOAD;
    randombytes_buf(c->tag, sizeof c->tag);
    net_frame_reader_init(&c->reader, ep->net->opts.max_message_bytes);
    c->timer_ev = evtimer_new(ep->net->base, timer_cb, c);
    c->write_ev = event_new(ep->net->base, -1, 0, write_cb, c);
    if (!c->timer_ev || !c->write_ev) {
        if (c->timer_ev)
            event_free(c->timer_ev);
        if (c->write_ev)
            event_free(c->write_ev);
        free(c);
        return NULL;
    }
    c->next = ep->conns;
    ep->conns = c;
    return c;
}

int quic_conn_dial(quic_endpoint *ep, quic_link *link, const struct sockaddr *addr,
                   socklen_t addrlen)
{
    quic_conn *c = conn_alloc(ep, true, addr, addrlen);
    if (!c)
        return STOFFEL_ERR_NOMEM;
    c->link = link;
    c->link_kind = link->kind;
    link->conn = c;
    ngtcp2_cid dcid, scid;
    uint8_t d[QUIC_CID_LEN];
    randombytes_buf(d, sizeof d);
    ngtcp2_cid_init(&dcid, d, sizeof d);
    make_cid(c, &scid);
    ngtcp2_path path = {
        .local = {(ngtcp2_sockaddr *)&ep->local, ep->local_len},
        .remote = {(ngtcp2_sockaddr *)&c->remote, c->remote_len},
    };
    ngtcp2_callbacks cb;
    ngtcp2_settings s;
    ngtcp2_transport_params p;
    fill_callbacks(&cb, true);
    fill_settings(ep, &s, &p, true, c->max_pkt);
    int rc = STOFFEL_ERR_NOMEM;
    if (ngtcp2_conn_client_new(&c->conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb, &s, &p,
                               NULL, c) != 0)
        goto fail;
    if ((rc = quic_tls_session_new(c)))
        goto fail;
    ngtcp2_conn_set_tls_native_handle(c->conn, c->tls);
    ngtcp2_conn_set_keep_alive_timeout(
        c->conn, (ngtcp2_duration)ep->net->opts.idle_timeout_ms / 3 * NGTCP2_MILLISECONDS);
    quic_conn_write(c);
    if (c->dead) /* failed at once; the endpoint already heard about it */
        quic_conn_free(c);
    return STOFFEL_OK;
fail:
    c->dead = true;
    link->conn = NULL;
    c->link = NULL;
    quic_conn_free(c);
    return rc;
}

int quic_conn_accept(quic_endpoint *ep, const uint8_t *pkt, size_t len,
                     const struct sockaddr *from, socklen_t fromlen, quic_conn **out)
{
    ngtcp2_pkt_hd hd;
    if (ngtcp2_accept(&hd, pkt, len) != 0)
        return STOFFEL_ERR_MALFORMED;
    quic_conn *c = conn_alloc(ep, false, from, fromlen);
    if (!c)
        return STOFFEL_ERR_NOMEM;
    memcpy(c->odcid, hd.dcid.data, hd.dcid.datalen);
    c->odcid_len = hd.dcid.datalen;
    ngtcp2_cid scid;
    make_cid(c, &scid);
    ngtcp2_path path = {
        .local = {(ngtcp2_sockaddr *)&ep->local, ep->local_len},
        .remote = {(ngtcp2_sockaddr *)&c->remote, c->remote_len},
    };
    ngtcp2_callbacks cb;
    ngtcp2_settings s;
    ngtcp2_transport_params p;
    fill_callbacks(&cb, false);
    fill_settings(ep, &s, &p, false, c->max_pkt);
    p.original_dcid = hd.dcid;
    p.stateless_reset_token_present = 1;
    if (ngtcp2_crypto_generate_stateless_reset_token(p.stateless_reset_token,
                                                     ep->static_secret, sizeof ep->static_secret,
                                                     &scid) != 0) {
        c->dead = true;
        quic_conn_free(c);
        return STOFFEL_NET_ERR_CRYPTO;
    }
    int rc = STOFFEL_ERR_NOMEM;
    if (ngtcp2_conn_server_new(&c->conn, &hd.scid, &scid, &path, hd.version, &cb, &s, &p, NULL,
                               c) != 0)
        goto fail;
    if ((rc = quic_tls_session_new(c)))
        goto fail;
    ngtcp2_conn_set_tls_native_handle(c->conn, c->tls);
    ngtcp2_conn_set_keep_alive_timeout(
        c->conn, (ngtcp2_duration)ep->net->opts.idle_timeout_ms / 3 * NGTCP2_MILLISECONDS);
    *out = c;
    return STOFFEL_OK;
fail:
    c->dead = true;
    quic_conn_free(c);
    return rc;
}

bool quic_conn_all_acked(const quic_conn *c)
{
    return c->unacked_head == NULL;
}

/* Ends the connection after a fatal error rv from ngtcp2 (or our own callback failure). */
static void conn_fatal(quic_conn *c, int rv)
{
    if (c->dead)
        return;
    if (rv == NGTCP2_ERR_DRAINING || rv == NGTCP2_ERR_IDLE_CLOSE ||
        rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT || rv == NGTCP2_ERR_CLOSING ||
        rv == NGTCP2_ERR_DROP_CONN) {
        /* Peer closed, or silence: nothing to send. */
        if (!c->fail_status) {
            if (rv == NGTCP2_ERR_DRAINING) {
                ngtcp2_connection_close_error ccerr;
                ngtcp2_conn_get_connection_close_error(c->conn, &ccerr);
                bool tls = ccerr.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT &&
                           (ccerr.error_code & ~0xffull) == NGTCP2_CRYPTO_ERROR;
                if (tls && !c->confirmed) {
                    c->fail_status = STOFFEL_NET_ERR_PEER_REFUSED;
                    snprintf(c->why, sizeof c->why, "the peer refused the handshake (TLS alert "
                             "%u): is our certificate pinned/allowed in its configuration?",
                             (unsigned)(ccerr.error_code & 0xff));
                } else if (ccerr.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION &&
                           ccerr.error_code == APP_FRAME_TOO_LARGE) {
                    c->fail_status = STOFFEL_ERR_LIMIT;
                    snprintf(c->why, sizeof c->why, "the peer closed the link: we sent a message "
                             "larger than its maximum");
                } else {
                    c->fail_status = STOFFEL_NET_ERR_CLOSED;
                    snprintf(c->why, sizeof c->why, "the peer closed the connection (or it "
                             "restarted and reset it)");
                }
            } else if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
                c->fail_status = STOFFEL_ERR_TIMEOUT;
                snprintf(c->why, sizeof c->why, "no handshake within %u ms",
                         c->ep->net->opts.connect_timeout_ms);
            } else {
                c->fail_status = STOFFEL_ERR_TIMEOUT;
                snprintf(c->why, sizeof c->why, "the connection was idle for %u ms (peer gone?)",
                         c->ep->net->opts.idle_timeout_ms);
            }
        }
        c->dead = true;
        quic_ep_conn_ended(c->ep, c);
        return;
    }
    ngtcp2_connection_close_error ccerr;
    ngtcp2_connection_close_error_default(&ccerr);
    if (rv == NGTCP2_ERR_CRYPTO) {
        ngtcp2_connection_close_error_set_transport_error_tls_alert(
            &ccerr, ngtcp2_conn_get_tls_alert(c->conn), NULL, 0);
        if (!c->fail_status)
            c->fail_status = c->why[0] ? STOFFEL_NET_ERR_PEER_REFUSED : STOFFEL_NET_ERR_HANDSHAKE;
        if (!c->why[0])
            snprintf(c->why, sizeof c->why, "TLS handshake failed (alert %u)",
                     (unsigned)ngtcp2_conn_get_tls_alert(c->conn));
    } else if (rv == NGTCP2_ERR_CALLBACK_FAILURE && c->fail_status) {
        ngtcp2_connection_close_error_set_application_error(
            &ccerr, c->fail_status == STOFFEL_ERR_LIMIT ? APP_FRAME_TOO_LARGE : APP_PROTOCOL_ERROR,
            NULL, 0);
    } else {
        ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, rv, NULL, 0);
        if (!c->fail_status) {
            c->fail_status = c->handshake_done ? STOFFEL_NET_ERR_CLOSED : STOFFEL_NET_ERR_HANDSHAKE;
            snprintf(c->why, sizeof c->why, "QUIC error: %s", ngtcp2_strerror(rv));
        }
    }
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi;
    ngtcp2_ssize n = ngtcp2_conn_write_connection_close(c->conn, &ps.path, &pi, c->ep->pkt_buf,
                                                        c->max_pkt,
                                                        &ccerr, net_now_ns());
    if (n > 0)
        quic_ep_send_packet(c->ep, (struct sockaddr *)&c->remote, c->remote_len, c->ep->pkt_buf,
                            (size_t)n);
    c->dead = true;
    quic_ep_conn_ended(c->ep, c);
}

static void update_timer(quic_conn *c)
{
    if (c->dead)
        return;
    ngtcp2_tstamp expiry = ngtcp2_conn_get_expiry(c->conn);
    if (expiry == UINT64_MAX) {
        evtimer_del(c->timer_ev);
        return;
    }
    uint64_t now = net_now_ns();
    uint64_t d = expiry > now ? expiry - now : 0;
    struct timeval tv = {(time_t)(d / 1000000000u), (suseconds_t)(d % 1000000000u / 1000)};
    evtimer_add(c->timer_ev, &tv);
}

void quic_conn_read(quic_conn *c, const uint8_t *pkt, size_t len)
{
    if (c->dead)
        return;
    ngtcp2_path path = {
        .local = {(ngtcp2_sockaddr *)&c->ep->local, c->ep->local_len},
        .remote = {(ngtcp2_sockaddr *)&c->remote, c->remote_len},
    };
    ngtcp2_pkt_info pi = {0};
    int rv = ngtcp2_conn_read_pkt(c->conn, &path, &pi, pkt, len, net_now_ns());
    if (rv != 0) {
        conn_fatal(c, rv);
        return;
    }
    quic_conn_kick(c);
}

/* Marks n stream bytes as written: hello first, then the link's queue. */
/* Marks n stream bytes as written: the hello (always written alone), or bytes of the link's queue,
 * which may span several messages. A fully written message moves to the unacknowledged list. */
static void consume(quic_conn *c, size_t n)
{
    if (c->hello_out < QUIC_HELLO_LEN) {
        c->tx_offset += n;
        c->hello_out += n;
        return;
    }
    quic_link *l = c->link;
    while (n > 0) {
        size_t take = l->q_head->len - l->q_cursor;
        if (take > n)
            take = n;
        l->q_cursor += take;
        c->tx_offset += take;
        n -= take;
        if (l->q_cursor < l->q_head->len)
            break;
        out_msg *m = l->q_head;
        l->q_head = m->next;
        if (!l->q_head)
            l->q_tail = NULL;
        l->q_bytes -= m->len;
        l->q_cursor = 0;
        m->next = NULL;
        m->end_offset = c->tx_offset;
        if (c->unacked_tail)
            c->unacked_tail->next = m;
        else
            c->unacked_head = m;
        c->unacked_tail = m;
    }
}

void quic_conn_write(quic_conn *c)
{
    if (c->dead)
        return;
    quic_endpoint *ep = c->ep;
    size_t maxpkt = c->max_pkt;
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi;
    uint64_t ts = net_now_ns();
    bool blocked = false;
    /* Only sent packets count toward the batch limit: leaving the loop between WRITE_MORE and
     * the packet's completion would leave ngtcp2 with a half-built packet. */
    int sent = 0;
    size_t lens[QUIC_SEND_BATCH];
    int nbatch = 0;
    for (;;) {
        ngtcp2_vec vec[QUIC_WRITE_VECS];
        int64_t sid = -1;
        size_t nvec = 0;
        bool can_stream = c->stream_id >= 0 && c->attached && !blocked;
        if (can_stream && c->is_dialer && c->hello_out < QUIC_HELLO_LEN) {
            vec[0].base = (uint8_t *)QUIC_HELLO + c->hello_out;
            vec[0].len = QUIC_HELLO_LEN - c->hello_out;
            nvec = 1;
        } else if (can_stream && c->link && c->link->q_head) {
            /* Several small messages per call: one packet can carry many of them. */
            size_t bytes = 0, skip = c->link->q_cursor;
            /* while the consensus gate is closed only gate frames go out */
            bool hold = ep->net->gate == NET_GATE_PENDING || ep->net->gate == NET_GATE_FAILED;
            for (out_msg *m = c->link->q_head; m && nvec + 1 < QUIC_WRITE_VECS && bytes < maxpkt;
                 m = m->next) {
                if (hold && !m->control)
                    break;
                if (skip < 4) { /* the header, then the payload from where it lies */
                    vec[nvec].base = m->hdr + skip;
                    vec[nvec].len = 4 - skip;
                    bytes += vec[nvec++].len;
                    skip = 4;
                }
                if (m->len > skip) {
                    vec[nvec].base = (uint8_t *)m->data + (skip - 4);
                    vec[nvec].len = m->len - skip;
                    bytes += vec[nvec++].len;
                }
                skip = 0;
            }
        }
        if (nvec)
            sid = c->stream_id;
        ngtcp2_ssize ndatalen = -1;
        /* packets are built in consecutive batch slots and leave in one sendmmsg */
        uint8_t *slot = ep->batch_buf + (size_t)nbatch * QUIC_PKT_BUF;
        ngtcp2_ssize n = ngtcp2_conn_writev_stream(c->conn, &ps.path, &pi, slot, maxpkt,
                                                   &ndatalen, NGTCP2_WRITE_STREAM_FLAG_MORE, sid,
                                                   nvec ? vec : NULL, nvec, ts);
        if (n < 0) {
            if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED || n == NGTCP2_ERR_STREAM_SHUT_WR) {
                blocked = true;
                continue;
            }
            if (n == NGTCP2_ERR_WRITE_MORE) {
                consume(c, (size_t)ndatalen);
                continue;
            }
            quic_ep_send_batch(ep, (struct sockaddr *)&c->remote, c->remote_len, lens, nbatch);
            conn_fatal(c, (int)n);
            return;
        }
        if (ndatalen > 0)
            consume(c, (size_t)ndatalen);
        if (n == 0)
            break;
        lens[nbatch++] = (size_t)n;
        if (nbatch == QUIC_SEND_BATCH) {
            quic_ep_send_batch(ep, (struct sockaddr *)&c->remote, c->remote_len, lens, nbatch);
            nbatch = 0;
        }
        if (++sent == 1024) {
            quic_conn_kick(c); /* let other events (reads, acks) run, then continue */
            break;
        }
    }
    quic_ep_send_batch(ep, (struct sockaddr *)&c->remote, c->remote_len, lens, nbatch);
    update_timer(c);
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
    quic_conn *c = arg;
    quic_conn_write(c);
    if (c->dead)
        quic_conn_free(c);
}

void quic_conn_kick(quic_conn *c)
{
    if (!c->dead)
        event_active(c->write_ev, 0, 0);
}

void quic_conn_retire(quic_conn *c)
{
    quic_conn_close(c, APP_NO_ERROR);
    event_active(c->write_ev, 0, 0); /* write_cb frees it from the event loop */
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    quic_conn *c = arg;
    int rv = ngtcp2_conn_handle_expiry(c->conn, net_now_ns());
    if (rv != 0)
        conn_fatal(c, rv);
    else
        quic_conn_write(c);
    if (c->dead)
        quic_conn_free(c);
}

void quic_conn_close(quic_conn *c, uint64_t app_error)
{
    if (c->dead)
        return;
    if (!ngtcp2_conn_is_in_closing_period(c->conn) && !ngtcp2_conn_is_in_draining_period(c->conn)) {
        ngtcp2_connection_close_error ccerr;
        ngtcp2_connection_close_error_default(&ccerr);
        ngtcp2_connection_close_error_set_application_error(&ccerr, app_error, NULL, 0);
        ngtcp2_path_storage ps;
        ngtcp2_path_storage_zero(&ps);
        ngtcp2_pkt_info pi;
        ngtcp2_ssize n = ngtcp2_conn_write_connection_close(
            c->conn, &ps.path, &pi, c->ep->pkt_buf, c->max_pkt, &ccerr,
            net_now_ns());
        if (n > 0)
            quic_ep_send_packet(c->ep, (struct sockaddr *)&c->remote, c->remote_len,
                                c->ep->pkt_buf, (size_t)n);
    }
    c->dead = true;
}

void quic_conn_free(quic_conn *c)
{
    if (!c)
        return;
    quic_endpoint *ep = c->ep;
    for (quic_conn **pp = &ep->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    if (c->link && c->link->conn == c)
        c->link->conn = NULL;
    while (c->unacked_head) {
        out_msg *m = c->unacked_head;
        c->unacked_head = m->next;
        out_msg_free(m);
    }
    net_frame_reader_release(&c->reader);
    if (c->conn)
        ngtcp2_conn_del(c->conn);
    if (c->tls)
        gnutls_deinit(c->tls);
    event_free(c->timer_ev);
    event_free(c->write_ev);
    free(c);
}
