/*
 * net_internal.h - private declarations shared by libstoffelnet's files: the endpoint structure
 * common to both transports (callbacks, inbox, self-delivery, link states, error message), the
 * transport operations table, and helpers.
 */
#ifndef STOFFEL_NET_INTERNAL_H
#define STOFFEL_NET_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>

#include <stoffel/net.h>

struct event;

/* A received or self-sent message waiting for delivery. */
typedef struct net_msg {
    struct net_msg *next;
    stoffel_net_peer from;
    size_t len;
    uint8_t *data; /* malloc'd, owned; non-NULL even when len == 0 */
} net_msg;

typedef struct net_msg_queue {
    net_msg *head, *tail;
    size_t count;
} net_msg_queue;

void net_msg_queue_push(net_msg_queue *q, net_msg *m);
net_msg *net_msg_queue_pop(net_msg_queue *q);
void net_msg_queue_clear(net_msg_queue *q);
/* A new message holding a copy of data (or taking ownership of owned_data if non-NULL). */
net_msg *net_msg_new(const stoffel_net_peer *from, const uint8_t *data, size_t len);

/* What differs between the QUIC and the in-memory transport. */
typedef struct net_ops {
    int (*start)(stoffel_net *net);
    /* to != own id, len already checked against the maximum. */
    int (*send_party)(stoffel_net *net, uint32_t to, const uint8_t *data, size_t len);
    int (*send_client)(stoffel_net *net, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                       const uint8_t *data, size_t len);
    /* Optional: like send_party, taking ownership of data (released through release(user)
     * exactly once, also on failure). Without it the core copies and releases at once. */
    int (*send_party_owned)(stoffel_net *net, uint32_t to, uint8_t *data, size_t len,
                            stoffel_net_release_fn release, void *user);
    /* True when messages are still queued or unacknowledged; *failed set when such a link is
     * closed for good. */
    bool (*has_pending)(stoffel_net *net, bool *failed);
    int (*set_party_address)(stoffel_net *net, uint32_t id, const char *host, uint16_t port);
    uint16_t (*local_port)(const stoffel_net *net);
    /* Closes every connection now (no callbacks); later sends are refused by the core. */
    void (*close_links)(stoffel_net *net);
    void (*destroy)(stoffel_net *net);
} net_ops;

struct stoffel_net {
    const net_ops *ops;
    void *impl;
    struct event_base *base;
    stoffel_net_options opts;
    uint32_t n_parties;
    int my_id; /* -1 for a client */
    stoffel_net_message_fn on_message;
    stoffel_net_state_fn on_state;
    void *user;
    net_msg_queue inbox;     /* messages for stoffel_net_recv */
    net_msg_queue self_q;    /* messages to oneself, delivered from self_ev */
    struct event *self_ev;
    stoffel_net_state *party_state; /* per party id */
    int *party_status;              /* status of the last CLOSED/LOST per party */
    int gate; /* NET_GATE_* (consensus gate of party endpoints) */
    bool started;
    bool closing;
    char err[320];
};

enum { NET_GATE_OFF = 0, NET_GATE_PENDING = 1, NET_GATE_OPEN = 2, NET_GATE_FAILED = 3 };

/* Initialises the common part; opts may be NULL. */
int net_core_init(stoffel_net *net, struct event_base *base, uint32_t n_parties, int my_id,
                  const stoffel_net_options *opts);
/* Releases the common part (not net itself). */
void net_core_release(stoffel_net *net);
/* Hands a received message to the callback (no copy: data is only lent for the call) or to the
 * inbox (a copy). */
void net_deliver(stoffel_net *net, const stoffel_net_peer *from, const uint8_t *data, size_t len);
/* Like net_deliver but takes ownership of a malloc'd buffer. */
void net_deliver_owned(stoffel_net *net, const stoffel_net_peer *from, uint8_t *data, size_t len);
/* Records a party link's new state and tells the state callback (no call if unchanged). */
void net_set_party_state(stoffel_net *net, uint32_t id, stoffel_net_state state, int status);
/* Tells the state callback about a client link. */
void net_client_state(stoffel_net *net, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                      stoffel_net_state state, int status);
/* Formats the endpoint's error message; returns status. */
int net_fail(stoffel_net *net, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* printf into a caller buffer that may be NULL. */
void net_errbuf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Incremental reader of frames from a byte stream (a QUIC stream). Its assembly buffer is reused
 * from frame to frame. */
typedef struct net_frame_reader {
    uint8_t hdr[4];
    size_t hdr_have;
    uint8_t *buf; /* payload being assembled (kept between frames) */
    size_t need, have, cap;
    size_t max;
    bool assembling; /* a header was read and buf is collecting its payload */
} net_frame_reader;

void net_frame_reader_init(net_frame_reader *r, size_t max_payload_bytes);
/* Frees (and zeroes) the buffer. */
void net_frame_reader_release(net_frame_reader *r);
/* Consumes bytes from data[0..len) (*used says how many). Returns 1 with a complete message in
 * *msg / *msg_len: a view into data when the whole frame was there, else into the reader's
 * buffer; valid until the next call (or data's end of life). 0 when all of the input was used
 * without completing a frame, STOFFEL_ERR_LIMIT for an oversized frame, or NOMEM. */
int net_frame_reader_feed(net_frame_reader *r, const uint8_t *data, size_t len, size_t *used,
                          const uint8_t **msg, size_t *msg_len);

/* Monotonic time in nanoseconds. */
uint64_t net_now_ns(void);

/* Copies a configuration (for endpoints). */
int net_config_clone(const stoffel_net_config *cfg, stoffel_net_config **out);
/* The restriction flag and allowlist of a configuration. */
bool net_config_client_allowed(const stoffel_net_config *cfg,
                               const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN]);
/* Finds the party whose pinned fingerprint is fp; -1 if none. */
int net_config_party_by_fingerprint(const stoffel_net_config *cfg,
                                    const uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN]);
/* Checks a host string (numeric address or "localhost"). */
bool net_host_valid(const char *host);

#endif
