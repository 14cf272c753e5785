/*
 * net_core.c - the transport-independent half of an endpoint: options, callbacks, the inbox of
 * the blocking receive, self-delivery through the event base, link states, waiting loops, and the
 * public functions that dispatch to the transport (net_ops).
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net_internal.h"

void stoffel_net_options_defaults(stoffel_net_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->max_message_bytes = STOFFEL_NET_DEFAULT_MAX_MESSAGE_BYTES;
    opts->connect_timeout_ms = 5000;
    opts->idle_timeout_ms = 30000;
    opts->reconnect_attempts = 5;
    opts->reconnect_backoff_ms = 100;
    opts->reconnect_backoff_max_ms = 5000;
    opts->max_udp_payload_bytes = 0; /* automatic, per destination */
    opts->expected_parties = STOFFEL_NET_GATE_OFF;
    opts->expected_clients = STOFFEL_NET_GATE_OFF;
    opts->consensus_timeout_ms = 60000;
}

void stoffel_net_buffer_free(void *buf)
{
    free(buf);
}

uint64_t net_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void net_errbuf(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

int net_fail(stoffel_net *net, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(net->err, sizeof net->err, fmt, ap);
    va_end(ap);
    return status;
}

/* --- message queues --------------------------------------------------------------------------- */

net_msg *net_msg_new(const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    net_msg *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->data = malloc(len ? len : 1);
    if (!m->data) {
        free(m);
        return NULL;
    }
    if (len)
        memcpy(m->data, data, len);
    m->len = len;
    if (from)
        m->from = *from;
    return m;
}

void net_msg_queue_push(net_msg_queue *q, net_msg *m)
{
    m->next = NULL;
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    q->count++;
}

net_msg *net_msg_queue_pop(net_msg_queue *q)
{
    net_msg *m = q->head;
    if (!m)
        return NULL;
    q->head = m->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    m->next = NULL;
    return m;
}

void net_msg_queue_clear(net_msg_queue *q)
{
    net_msg *m;
    while ((m = net_msg_queue_pop(q))) {
        free(m->data);
        free(m);
    }
}

/* --- delivery ------------------------------------------------------------------------------- */

void net_deliver_owned(stoffel_net *net, const stoffel_net_peer *from, uint8_t *data, size_t len)
{
    if (net->on_message) {
        net->on_message(net->user, from, data, len);
        free(data);
        return;
    }
    net_msg *m = calloc(1, sizeof *m);
    if (!m) {
        /* Dropping is the only option left; say so where the program can see it. */
        net_fail(net, STOFFEL_ERR_NOMEM, "out of memory: a received message was dropped");
        free(data);
        return;
    }
    m->from = *from;
    m->data = data;
    m->len = len;
    net_msg_queue_push(&net->inbox, m);
}

void net_deliver(stoffel_net *net, const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    if (net->on_message) {
        static const uint8_t empty[1];
        net->on_message(net->user, from, len ? data : empty, len);
        return;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        net_fail(net, STOFFEL_ERR_NOMEM, "out of memory: a received message was dropped");
        return;
    }
    if (len)
        memcpy(copy, data, len);
    net_deliver_owned(net, from, copy, len);
}

/* Self-delivery runs from the event loop, never inside stoffel_net_send, so a callback that sends
 * to itself does not recurse. */
static void self_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
    stoffel_net *net = arg;
    size_t budget = net->self_q.count; /* what is queued now; later sends wait for the next run */
    while (budget-- > 0) {
        net_msg *m = net_msg_queue_pop(&net->self_q);
        if (!m)
            break;
        net_deliver_owned(net, &m->from, m->data, m->len);
        free(m);
    }
    if (net->self_q.count)
        event_active(net->self_ev, 0, 0);
}

void net_set_party_state(stoffel_net *net, uint32_t id, stoffel_net_state state, int status)
{
    if (id >= net->n_parties || net->party_state[id] == state)
        return;
    net->party_state[id] = state;
    if (state == STOFFEL_NET_STATE_CLOSED || state == STOFFEL_NET_STATE_LOST)
        net->party_status[id] = status;
    if (net->on_state) {
        stoffel_net_peer p = {.kind = STOFFEL_NET_PEER_PARTY, .party_id = id};
        net->on_state(net->user, &p, state, status);
    }
}

void net_client_state(stoffel_net *net, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                      stoffel_net_state state, int status)
{
    if (net->on_state) {
        stoffel_net_peer p = {.kind = STOFFEL_NET_PEER_CLIENT};
        memcpy(p.key, key, STOFFEL_NET_FINGERPRINT_LEN);
        net->on_state(net->user, &p, state, status);
    }
}

int net_core_init(stoffel_net *net, struct event_base *base, uint32_t n_parties, int my_id,
                  const stoffel_net_options *opts)
{
    net->base = base;
    stoffel_net_options_defaults(&net->opts);
    if (opts) {
        /* Copy only the fields this caller's version of the struct has. */
        size_t sz = opts->struct_size < sizeof net->opts ? opts->struct_size : sizeof net->opts;
        if (sz < sizeof(uint32_t))
            return STOFFEL_ERR_INVALID_ARG;
        memcpy(&net->opts, opts, sz);
        net->opts.struct_size = sizeof net->opts;
    }
    if (net->opts.max_message_bytes == 0 || net->opts.max_message_bytes > 0xffffffffu)
        return STOFFEL_ERR_INVALID_ARG;
    if (net->opts.max_udp_payload_bytes != 0 &&
        (net->opts.max_udp_payload_bytes < 1200 || net->opts.max_udp_payload_bytes > 65527))
        return STOFFEL_ERR_INVALID_ARG;
    if (net->opts.connect_timeout_ms == 0 || net->opts.idle_timeout_ms == 0)
        return STOFFEL_ERR_INVALID_ARG;
    bool gate_p = net->opts.expected_parties != STOFFEL_NET_GATE_OFF;
    bool gate_c = net->opts.expected_clients != STOFFEL_NET_GATE_OFF;
    if (gate_p != gate_c || (gate_p && net->opts.consensus_timeout_ms == 0))
        return STOFFEL_ERR_INVALID_ARG;
    net->gate = gate_p && my_id >= 0 ? NET_GATE_PENDING : NET_GATE_OFF;
    net->n_parties = n_parties;
    net->my_id = my_id;
    net->party_state = calloc(n_parties, sizeof *net->party_state);
    net->party_status = calloc(n_parties, sizeof *net->party_status);
    net->self_ev = event_new(base, -1, 0, self_deliver_cb, net);
    if (!net->party_state || !net->party_status || !net->self_ev)
        return STOFFEL_ERR_NOMEM;
    for (uint32_t i = 0; i < n_parties; i++)
        net->party_state[i] = STOFFEL_NET_STATE_CONNECTING;
    if (my_id >= 0)
        net->party_state[my_id] = STOFFEL_NET_STATE_CONNECTED;
    return STOFFEL_OK;
}

void net_core_release(stoffel_net *net)
{
    if (net->self_ev)
        event_free(net->self_ev);
    net_msg_queue_clear(&net->inbox);
    net_msg_queue_clear(&net->self_q);
    free(net->party_state);
    free(net->party_status);
}

/* --- public functions ----------------------------------------------------------------------- */

int stoffel_net_set_callbacks(stoffel_net *net, stoffel_net_message_fn on_message,
                              stoffel_net_state_fn on_state, void *user)
{
    if (!net)
        return STOFFEL_ERR_INVALID_ARG;
    net->on_message = on_message;
    net->on_state = on_state;
    net->user = user;
    return STOFFEL_OK;
}

int stoffel_net_start(stoffel_net *net)
{
    if (!net)
        return STOFFEL_ERR_INVALID_ARG;
    if (net->started)
        return net_fail(net, STOFFEL_ERR_STATE, "stoffel_net_start: the endpoint is already started");
    net->started = true;
    return net->ops->start(net);
}

static int send_self(stoffel_net *net, const uint8_t *data, size_t len)
{
    stoffel_net_peer me = {.kind = STOFFEL_NET_PEER_PARTY, .party_id = (uint32_t)net->my_id};
    net_msg *m = net_msg_new(&me, data, len);
    if (!m)
        return net_fail(net, STOFFEL_ERR_NOMEM, "out of memory queueing a message to oneself");
    net_msg_queue_push(&net->self_q, m);
    event_active(net->self_ev, 0, 0);
    return STOFFEL_OK;
}

static int check_send(stoffel_net *net, const uint8_t *data, size_t len)
{
    if (!data && len)
        return net_fail(net, STOFFEL_ERR_INVALID_ARG, "send: data is NULL but len is %zu", len);
    if (len > net->opts.max_message_bytes)
        return net_fail(net, STOFFEL_ERR_LIMIT,
                        "send: message of %zu bytes exceeds the maximum of %zu bytes "
                        "(raise stoffel_net_options.max_message_bytes on every endpoint)",
                        len, net->opts.max_message_bytes);
    if (net->closing)
        return net_fail(net, STOFFEL_NET_ERR_CLOSED, "send: the endpoint is closing");
    return STOFFEL_OK;
}

int stoffel_net_send(stoffel_net *net, uint32_t to, const uint8_t *data, size_t len)
{
    if (!net)
        return STOFFEL_ERR_INVALID_ARG;
    int rc = check_send(net, data, len);
    if (rc)
        return rc;
    if (to >= net->n_parties)
        return net_fail(net, STOFFEL_ERR_INVALID_ARG, "send: party %u does not exist (n = %u)", to,
                        net->n_parties);
    if (net->my_id >= 0 && to == (uint32_t)net->my_id)
        return send_self(net, data, len);
    if (net->party_state[to] == STOFFEL_NET_STATE_CLOSED)
        return net_fail(net, STOFFEL_NET_ERR_CLOSED, "send: the link to party %u is closed (%s)",
                        to, stoffel_net_strerror(net->party_status[to]));
    return net->ops->send_party(net, to, data, len);
}

int stoffel_net_broadcast(stoffel_net *net, const uint8_t *data, size_t len)
{
    if (!net)
        return STOFFEL_ERR_INVALID_ARG;
    int rc = check_send(net, data, len);
    if (rc)
        return rc;
    int first_err = STOFFEL_OK;
    for (uint32_t i = 0; i < net->n_parties; i++) {
        rc = stoffel_net_send(net, i, data, len);
        if (rc && !first_err)
            first_err = rc;
    }
    return first_err;
}

static int copied(int rc)
{
    return rc ? rc : 1;
}

int stoffel_net_send_owned(stoffel_net *net, uint32_t to, uint8_t *data, size_t len,
                           stoffel_net_release_fn release, void *user)
{
    if (!release)
        return net ? net_fail(net, STOFFEL_ERR_INVALID_ARG, "send_owned: release is NULL")
                   : STOFFEL_ERR_INVALID_ARG;
    int rc = !net ? STOFFEL_ERR_INVALID_ARG : check_send(net, data, len);
    if (rc == STOFFEL_OK && to >= net->n_parties)
        rc = net_fail(net, STOFFEL_ERR_INVALID_ARG, "send: party %u does not exist (n = %u)", to,
                      net->n_parties);
    /* rc 1 below: sent by copying, the buffer goes back at once */
    if (rc == STOFFEL_OK && net->my_id >= 0 && to == (uint32_t)net->my_id)
        rc = copied(send_self(net, data, len));
    else if (rc == STOFFEL_OK && net->party_state[to] == STOFFEL_NET_STATE_CLOSED)
        rc = net_fail(net, STOFFEL_NET_ERR_CLOSED, "send: the link to party %u is closed (%s)", to,
                      stoffel_net_strerror(net->party_status[to]));
    else if (rc == STOFFEL_OK && net->ops->send_party_owned)
        return net->ops->send_party_owned(net, to, data, len, release, user);
    else if (rc == STOFFEL_OK)
        rc = copied(net->ops->send_party(net, to, data, len));
    release(user, data, len);
    return rc == 1 ? STOFFEL_OK : rc;
}

/* A buffer shared by the destinations of one broadcast: released after the last one. */
typedef struct shared_buf {
    stoffel_net_release_fn release;
    void *user;
    uint8_t *data;
    size_t len;
    uint32_t refs;
} shared_buf;

static void shared_release(void *user, uint8_t *data, size_t len)
{
    shared_buf *sb = user;
    if (--sb->refs == 0) {
        sb->release(sb->user, sb->data, sb->len);
        free(sb);
    }
}

int stoffel_net_broadcast_owned(stoffel_net *net, uint8_t *data, size_t len,
                                stoffel_net_release_fn release, void *user)
{
    if (!release)
        return net ? net_fail(net, STOFFEL_ERR_INVALID_ARG, "broadcast_owned: release is NULL")
                   : STOFFEL_ERR_INVALID_ARG;
    int rc = !net ? STOFFEL_ERR_INVALID_ARG : check_send(net, data, len);
    shared_buf *sb = rc ? NULL : malloc(sizeof *sb);
    if (!sb) {
        release(user, data, len);
        return rc ? rc : net_fail(net, STOFFEL_ERR_NOMEM, "out of memory queueing a broadcast");
    }
    *sb = (shared_buf){release, user, data, len, 1}; /* our own reference until the loop ends */
    int first_err = STOFFEL_OK;
    for (uint32_t i = 0; i < net->n_parties; i++) {
        sb->refs++;
        rc = stoffel_net_send_owned(net, i, data, len, shared_release, sb);
        if (rc && !first_err)
            first_err = rc;
    }
    shared_release(sb, data, len);
    return first_err;
}

int stoffel_net_send_client(stoffel_net *net, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                            const uint8_t *data, size_t len)
{
    if (!net || !key)
        return STOFFEL_ERR_INVALID_ARG;
    if (net->my_id < 0)
        return net_fail(net, STOFFEL_ERR_STATE, "send_client: a client cannot send to clients");
    int rc = check_send(net, data, len);
    if (rc)
        return rc;
    return net->ops->send_client(net, key, data, len);
}

/* Runs the loop until done(net) or the deadline; returns STOFFEL_OK or STOFFEL_ERR_TIMEOUT, or the
 * status done() reports through *status. */
typedef bool (*net_done_fn)(stoffel_net *net, int *status);

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    *(bool *)arg = true;
}

static int run_until(stoffel_net *net, int timeout_ms, net_done_fn done, bool *timed_out)
{
    int status = STOFFEL_OK;
    *timed_out = false;
    if (done(net, &status))
        return status;
    bool expired = false;
    struct event *deadline = NULL;
    if (timeout_ms >= 0) {
        deadline = evtimer_new(net->base, deadline_cb, &expired);
        if (!deadline)
            return STOFFEL_ERR_NOMEM;
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        evtimer_add(deadline, &tv);
    }
    for (;;) {
        int r = event_base_loop(net->base, EVLOOP_ONCE);
        if (done(net, &status))
            break;
        if (expired) {
            status = STOFFEL_ERR_TIMEOUT;
            *timed_out = true;
            break;
        }
        if (r != 0) { /* nothing left that could make progress */
            status = STOFFEL_ERR_STATE;
            break;
        }
    }
    if (deadline)
        event_free(deadline);
    return status;
}

static bool inbox_ready(stoffel_net *net, int *status)
{
    return net->inbox.head != NULL;
}

int stoffel_net_recv(stoffel_net *net, int timeout_ms, stoffel_net_peer *from, uint8_t **data,
                     size_t *len)
{
    if (!net || !data || !len)
        return STOFFEL_ERR_INVALID_ARG;
    if (net->on_message)
        return net_fail(net, STOFFEL_ERR_STATE,
                        "recv: a message callback is set, so messages go there, not to recv");
    bool timed_out;
    int rc = run_until(net, timeout_ms, inbox_ready, &timed_out);
    if (timed_out)
        return net_fail(net, rc, "recv: no message within %d ms", timeout_ms);
    if (rc)
        return net_fail(net, rc, "recv: nothing can arrive (no events left on the event base)");
    net_msg *m = net_msg_queue_pop(&net->inbox);
    if (from)
        *from = m->from;
    *data = m->data;
    *len = m->len;
    free(m);
    return STOFFEL_OK;
}

static bool all_connected(stoffel_net *net, int *status)
{
    bool all = net->gate != NET_GATE_PENDING; /* sends wait on the gate, so does this */
    for (uint32_t i = 0; i < net->n_parties; i++) {
        if (net->party_state[i] == STOFFEL_NET_STATE_CLOSED) {
            *status = net->party_status[i] ? net->party_status[i] : STOFFEL_NET_ERR_CLOSED;
            /* The transport already wrote the detailed reason into net->err; keep it. */
            if (!net->err[0])
                net_fail(net, *status, "party %u: link closed for good (%s)", i,
                         stoffel_net_strerror(*status));
            return true;
        }
        if (net->party_state[i] != STOFFEL_NET_STATE_CONNECTED)
            all = false;
    }
    return all;
}

int stoffel_net_wait_connected(stoffel_net *net, int timeout_ms)
{
    if (!net)
        return STOFFEL_ERR_INVALID_ARG;
    if (!net->started)
        return net_fail(net, STOFFEL_ERR_STATE, "wait_connected: call stoffel_net_start first");
    bool timed_out;
    int rc = run_until(net, timeout_ms, all_connected, &timed_out);
    if (timed_out) {
        uint32_t i = 0;
        while (i < net->n_parties && net->party_state[i] == STOFFEL_NET_STATE_CONNECTED)
            i++;
        return net_fail(net, rc, "party %u not connected within %d ms (is it running, and is its "
                        "address in the network configuration right?)", i, timeout_ms);
    }
    return rc;
}

static bool nothing_pending(stoffel_net *net, int *status)
{
    bool failed = false;
    bool pending = net->self_q.head != NULL || net->ops->has_pending(net, &failed);
    if (failed) {
        *status = STOFFEL_NET_ERR_CLOSED;
        return true;
    }
    return !pending;
}

int stoffel_net_flush(stoffel_net *net, int timeout_ms)
{
    if (!net)
        return STOFFEL_ERR_INVALID_ARG;
    bool timed_out;
    int rc = run_until(net, timeout_ms, nothing_pending, &timed_out);
    if (timed_out)
        return net_fail(net, rc, "flush: messages still unacknowledged after %d ms", timeout_ms);
    if (rc == STOFFEL_NET_ERR_CLOSED)
        return net_fail(net, rc, "flush: a link with undelivered messages closed for good");
    return rc;
}

int stoffel_net_close(stoffel_net *net, int timeout_ms)
{
    if (!net)
        return STOFFEL_ERR_INVALID_ARG;
    if (net->closing)
        return STOFFEL_OK;
    int rc = net->started ? stoffel_net_flush(net, timeout_ms) : STOFFEL_OK;
    net->closing = true;
    for (uint32_t i = 0; i < net->n_parties; i++)
        if ((int)i != net->my_id && net->party_state[i] != STOFFEL_NET_STATE_CLOSED)
            net_set_party_state(net, i, STOFFEL_NET_STATE_CLOSING, STOFFEL_OK);
    net->ops->close_links(net);
    for (uint32_t i = 0; i < net->n_parties; i++)
        if ((int)i != net->my_id)
            net_set_party_state(net, i, STOFFEL_NET_STATE_CLOSED, STOFFEL_OK);
    return rc;
}

stoffel_net_state stoffel_net_party_state(const stoffel_net *net, uint32_t id)
{
    if (!net || id >= net->n_parties)
        return STOFFEL_NET_STATE_CLOSED;
    return net->party_state[id];
}

int stoffel_net_my_id(const stoffel_net *net)
{
    return net ? net->my_id : -1;
}

uint32_t stoffel_net_party_count(const stoffel_net *net)
{
    return net ? net->n_parties : 0;
}

const char *stoffel_net_last_error(const stoffel_net *net)
{
    return net ? net->err : "";
}

uint16_t stoffel_net_local_port(const stoffel_net *net)
{
    return net && net->ops->local_port ? net->ops->local_port(net) : 0;
}

int stoffel_net_set_party_address(stoffel_net *net, uint32_t id, const char *host, uint16_t port)
{
    if (!net || !host || id >= net->n_parties || !net_host_valid(host))
        return STOFFEL_ERR_INVALID_ARG;
    return net->ops->set_party_address ? net->ops->set_party_address(net, id, host, port)
                                       : STOFFEL_OK;
}

void stoffel_net_free(stoffel_net *net)
{
    if (!net)
        return;
    net->closing = true;
    net->ops->destroy(net); /* releases the transport part, then the core, then net */
}

struct event_base *stoffel_net_event_base_new(void)
{
    struct event_config *cfg = event_config_new();
    if (!cfg)
        return NULL;
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    /* a libevent built without a precise backend still gives a working base */
    return base ? base : event_base_new();
}
