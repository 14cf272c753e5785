/*
 * quic_internal.h - private structures of the QUIC transport: the endpoint (UDP socket, links,
 * connections), a link (the lasting relation to one peer, with its send queue and reconnect state)
 * and a connection (one ngtcp2 connection + GnuTLS session carrying one stream).
 */
#ifndef STOFFEL_QUIC_INTERNAL_H
#define STOFFEL_QUIC_INTERNAL_H

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <sys/socket.h>

#include "net_identity.h"
#include "net_internal.h"

#define QUIC_ALPN_PARTY "stoffel-party/1"
#define QUIC_ALPN_CLIENT "stoffel-client/1"
#define QUIC_CID_LEN 18
/* UDP payload sizes when max_udp_payload_bytes is 0 (automatic); the buffers fit the largest. */
#define QUIC_DEFAULT_UDP_PAYLOAD 1452
#define QUIC_LOOPBACK_UDP_PAYLOAD 16384
#define QUIC_PKT_BUF 65536
/* Packets of one connection handed to the kernel per sendmmsg call. */
#define QUIC_SEND_BATCH 16
#define QUIC_CID_TAG_LEN 8
/* The first bytes the dialler writes on the stream: magic and wire version 1. */
#define QUIC_HELLO "STN\x01"
#define QUIC_HELLO_LEN 4

typedef struct quic_conn quic_conn;
typedef struct quic_endpoint quic_endpoint;

/* A message waiting to be written to a stream or acknowledged: the frame header, kept here, and
 * the payload, written from where it lies (no copy). A copied payload lives in the same
 * allocation right after the struct (release == NULL); an owned one (stoffel_net_send_owned) is
 * the caller's buffer, given back through release once acknowledged or dropped. */
typedef struct out_msg {
    struct out_msg *next;
    uint8_t hdr[4];
    const uint8_t *data;
    size_t len;          /* frame bytes: 4 + payload length */
    stoffel_net_release_fn release;
    void *release_user;
    uint64_t end_offset; /* stream offset just past this message, once written */
    bool control;        /* a gate frame: written even while the consensus gate is closed */
} out_msg;

/* Frees a message (and gives an owned payload back). */
void out_msg_free(out_msg *m);

/* The lasting relation to one peer (a party, or a client seen by a party). */
typedef struct quic_link {
    int kind; /* STOFFEL_NET_PEER_PARTY or _CLIENT */
    uint32_t party_id;
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN]; /* pinned (party) or presented (client) fingerprint */
    quic_conn *conn;                          /* current connection, or NULL */
    out_msg *q_head, *q_tail;                 /* not yet fully written */
    size_t q_cursor;                          /* bytes of q_head written on the current stream */
    size_t q_bytes;
    /* Dialling (links we initiate). */
    bool dialer;
    char host[64];
    uint16_t port;
    uint32_t failures; /* consecutive failed attempts */
    struct event *retry_ev;
    bool gave_up;
    quic_endpoint *ep;
} quic_link;

struct quic_conn {
    quic_endpoint *ep;
    struct quic_conn *next; /* in ep->conns */
    ngtcp2_conn *conn;
    gnutls_session_t tls;
    ngtcp2_crypto_conn_ref conn_ref;
    struct sockaddr_storage remote;
    socklen_t remote_len;
    bool is_dialer;
    bool handshake_done;
    bool confirmed; /* both sides accepted each other: the link is established */
    bool attached;
    bool dead; /* to be freed once the current dispatch returns */
    int link_kind;  /* from ALPN (acceptor) or by construction (dialler) */
    int peer_party; /* identified party, -1 if none */
    uint8_t peer_fp[STOFFEL_NET_FINGERPRINT_LEN];
    bool peer_ok;
    quic_link *link; /* the link this connection serves (dialler: from the start) */
    int64_t stream_id;
    size_t hello_out;  /* hello bytes written (dialler) */
    size_t hello_in;   /* hello bytes checked (acceptor) */
    bool gate_seen;    /* the peer's first frame (its gate frame) was handled */
    net_frame_reader reader;
    out_msg *unacked_head, *unacked_tail;
    uint64_t tx_offset;
    uint8_t tag[QUIC_CID_TAG_LEN];
    uint8_t odcid[NGTCP2_MAX_CIDLEN]; /* acceptor: the client's first destination CID */
    size_t odcid_len;
    struct event *timer_ev;
    struct event *write_ev;
    size_t max_pkt;    /* largest datagram we send on this connection */
    int fail_status;   /* why the connection ended */
    char why[200];     /* refusal reason, when we refused the peer */
};

/* The consensus gate (net.h): our snapshot as a frame, and what each party sent. */
#define QUIC_GATE_MAGIC "STNGATE1"
#define QUIC_GATE_FRAME_LEN (8 + 4 + 32 + 4 + 32)
typedef struct quic_gate {
    struct event *timer;
    bool fired; /* our snapshot is taken and queued to every party */
    uint8_t frame[QUIC_GATE_FRAME_LEN];
    uint8_t (*peer_frame)[QUIC_GATE_FRAME_LEN];
    uint8_t *peer_got; /* n flags */
} quic_gate;

struct quic_endpoint {
    stoffel_net *net;
    stoffel_net_config *cfg;
    const stoffel_net_identity *id; /* only during creation */
    int fd;
    struct sockaddr_storage local;
    socklen_t local_len;
    struct event *read_ev;
    gnutls_certificate_credentials_t cred;
    quic_link *parties;  /* [n_parties]; own slot unused */
    quic_link **clients; /* party endpoints: client links */
    size_t client_count;
    quic_conn *conns;
    uint8_t static_secret[32]; /* stateless-reset key, derived from the private key */
    uint64_t reset_window_start;
    uint32_t resets_in_window;
    uint8_t *pkt_buf; /* send buffer, max_udp_payload_bytes */
    uint8_t *batch_buf; /* QUIC_SEND_BATCH slots of QUIC_PKT_BUF: packets awaiting sendmmsg */
    bool in_dispatch;
    bool use_sendmmsg;
    quic_gate gate;
};

/* quic_tls.c */
int quic_tls_cred_new(quic_endpoint *ep);
int quic_tls_session_new(quic_conn *c);

/* quic_conn.c */
int quic_conn_dial(quic_endpoint *ep, quic_link *link, const struct sockaddr *addr,
                   socklen_t addrlen);
int quic_conn_accept(quic_endpoint *ep, const uint8_t *pkt, size_t len,
                     const struct sockaddr *from, socklen_t fromlen, quic_conn **out);
/* Feeds one received packet; the connection may end up dead (check c->dead). */
void quic_conn_read(quic_conn *c, const uint8_t *pkt, size_t len);
/* Writes whatever can be written now. */
void quic_conn_write(quic_conn *c);
/* Schedules a write from the event loop (safe from callbacks). */
void quic_conn_kick(quic_conn *c);
/* Sends CONNECTION_CLOSE (if possible) and marks dead. */
void quic_conn_close(quic_conn *c, uint64_t app_error);
/* Closes a connection that nothing on the stack uses and frees it from the event loop. */
void quic_conn_retire(quic_conn *c);
/* Frees a dead connection (unlinks from the endpoint list). */
void quic_conn_free(quic_conn *c);
/* True when c's unacked list is empty. */
bool quic_conn_all_acked(const quic_conn *c);

/* quic_endpoint.c: called by connections */
void quic_ep_conn_established(quic_endpoint *ep, quic_conn *c);
void quic_ep_conn_ended(quic_endpoint *ep, quic_conn *c);
/* Lends a received message to the endpoint's callback (or copies it into the inbox). */
void quic_ep_deliver(quic_endpoint *ep, quic_conn *c, const uint8_t *msg, size_t len);
int quic_ep_send_packet(quic_endpoint *ep, const struct sockaddr *to, socklen_t tolen,
                        const uint8_t *pkt, size_t len);
/* Sends the first count packets of ep->batch_buf (slot i holds lens[i] bytes) to one peer with
 * as few system calls as the kernel allows. A packet the kernel refuses counts as lost. */
void quic_ep_send_batch(quic_endpoint *ep, const struct sockaddr *to, socklen_t tolen,
                        const size_t *lens, int count);
/* Closes a party link for good with status and a message naming the party. */
void quic_ep_link_fail(quic_link *l, int status, const char *why);
/* Puts m at the head of the link's queue (before anything not yet written). */
void quic_ep_link_push_front(quic_link *l, out_msg *m);

/* quic_gate.c: the consensus gate (net.h) */
int quic_gate_init(quic_endpoint *ep, char *errbuf, size_t errbuf_len);
void quic_gate_start(quic_endpoint *ep);
/* Called when links come up: takes the snapshot once all are there, re-sends it on new links. */
void quic_gate_check(quic_endpoint *ep, quic_link *up);
/* True when msg was the connection's gate frame (consumed, not for the application). */
bool quic_gate_on_frame(quic_endpoint *ep, quic_conn *c, const uint8_t *msg, size_t len);
void quic_gate_release(quic_endpoint *ep);

#endif
