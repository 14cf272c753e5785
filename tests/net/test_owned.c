/*
 * test_owned.c - sends without copies (stoffel_net_send_owned, stoffel_net_broadcast_owned) and
 * the receive path that reuses its frame buffer: over QUIC among 3 parties on 127.0.0.1 every
 * message arrives intact and in order whatever its size (single-packet frames delivered in place,
 * multi-packet frames assembled in a reused buffer, growing and shrinking), every buffer is
 * released exactly once with the pointer and length it was sent with; errors release at once; an
 * endpoint freed with queued messages releases them; the in-memory transport copies and releases.
 */
#include <stdio.h>
#include <time.h>

#include "net_test_util.h"

#define N 3
#define PER_PAIR 24

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A buffer lent to the transport: its release must come once, with these values. */
typedef struct lent {
    uint8_t *data;
    size_t len;
    int released;
    int bad_release; /* released with another pointer or length */
} lent;

static void on_release(void *user, uint8_t *data, size_t len)
{
    lent *l = user;
    if (data != l->data || len != l->len)
        l->bad_release++;
    l->released++;
    free(l->data);
    l->data = NULL;
}

/* Message k from sender s: sizes cycle through one-packet, multi-packet and huge frames, so the
 * receiver's buffer is reused, outgrown and replaced. Bytes: seq (8), sender (4), pattern. */
static size_t msg_size(uint64_t k)
{
    static const size_t sizes[] = {64, 200000, 1024, 3000000, 16, 65536, 1500000, 12};
    return sizes[k % (sizeof sizes / sizeof *sizes)];
}

static uint8_t pattern(uint32_t s, uint64_t k, size_t i)
{
    return (uint8_t)(i * 31u + k * 7u + s * 101u);
}

static uint8_t *make_msg(uint32_t s, uint64_t k, size_t len)
{
    uint8_t *m = malloc(len);
    for (size_t i = 0; i < len; i++)
        m[i] = pattern(s, k, i);
    if (len >= 12) {
        put_u64(m, k);
        m[8] = (uint8_t)s;
    }
    return m;
}

typedef struct receiver {
    uint64_t next[N];
    uint64_t received, bad;
} receiver;

static void on_msg(void *user, const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    receiver *r = user;
    r->received++;
    uint32_t s = from->party_id;
    if (from->kind != STOFFEL_NET_PEER_PARTY || s >= N) {
        r->bad++;
        return;
    }
    uint64_t k = r->next[s]++;
    if (len != msg_size(k) || get_u64(data) != k || data[8] != s) {
        r->bad++;
        return;
    }
    for (size_t i = 12; i < len; i++)
        if (data[i] != pattern(s, k, i)) {
            r->bad++;
            return;
        }
}

static void run_until(struct event_base *base, receiver *r, uint64_t target, double secs)
{
    double end = now_s() + secs;
    for (;;) {
        uint64_t total = 0;
        for (int i = 0; i < N; i++)
            total += r[i].received;
        if (total >= target || now_s() > end)
            return;
        event_base_loop(base, EVLOOP_ONCE);
    }
}

static void test_quic_owned(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[N] = {0};
    stoffel_net *nets[N] = {0};
    stoffel_net_config *cfg = test_config(N, ids);
    stoffel_net_options o = test_options();
    CHECK(cfg != NULL);
    CHECK_EQ_INT(test_quic_mesh(base, cfg, ids, N, &o, nets), 0);
    CHECK_EQ_INT(test_wait_all(nets, N, 5000), 0);
    receiver r[N];
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++)
        stoffel_net_set_callbacks(nets[i], on_msg, NULL, &r[i]);
    static lent sent[N][N][PER_PAIR];
    memset(sent, 0, sizeof sent);
    for (uint64_t k = 0; k < PER_PAIR; k++)
        for (uint32_t s = 0; s < N; s++)
            for (uint32_t d = 0; d < N; d++) {
                if (s == d)
                    continue;
                lent *l = &sent[s][d][k];
                l->len = msg_size(k);
                l->data = make_msg(s, k, l->len);
                CHECK_EQ_INT(stoffel_net_send_owned(nets[s], d, l->data, l->len, on_release, l), 0);
            }
    run_until(base, r, (uint64_t)N * (N - 1) * PER_PAIR, 60);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(r[i].bad, 0);
        CHECK_EQ_INT(r[i].received, (N - 1) * PER_PAIR);
        CHECK_EQ_INT(stoffel_net_flush(nets[i], 10000), 0);
    }
    int released = 0, bad = 0;
    for (uint32_t s = 0; s < N; s++)
        for (uint32_t d = 0; d < N; d++)
            for (int k = 0; k < PER_PAIR; k++) {
                released += sent[s][d][k].released;
                bad += sent[s][d][k].bad_release;
            }
    CHECK_EQ_INT(released, N * (N - 1) * PER_PAIR); /* acknowledged means given back, once */
    CHECK_EQ_INT(bad, 0);

    /* One buffer broadcast by each party reaches all, itself included, and is released once. */
    lent bc[N];
    memset(bc, 0, sizeof bc);
    for (int i = 0; i < N; i++)
        r[i].next[i] = PER_PAIR; /* nobody sent to itself so far */
    for (uint32_t s = 0; s < N; s++) {
        bc[s].len = msg_size(PER_PAIR);
        bc[s].data = make_msg(s, PER_PAIR, bc[s].len);
        CHECK_EQ_INT(stoffel_net_broadcast_owned(nets[s], bc[s].data, bc[s].len, on_release, &bc[s]),
                     0);
    }
    run_until(base, r, (uint64_t)N * (N - 1) * PER_PAIR + N * N, 30);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(stoffel_net_flush(nets[i], 10000), 0);
        CHECK_EQ_INT(r[i].bad, 0);
        for (int s = 0; s < N; s++)
            CHECK_EQ_INT(r[i].next[s], PER_PAIR + 1);
    }
    for (int s = 0; s < N; s++) {
        CHECK_EQ_INT(bc[s].released, 1);
        CHECK_EQ_INT(bc[s].bad_release, 0);
    }

    /* Failures release at once, before returning. */
    lent e = {.len = 10};
    e.data = malloc(e.len);
    CHECK_EQ_INT(stoffel_net_send_owned(nets[0], N, e.data, e.len, on_release, &e),
                 STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(e.released, 1);
    e = (lent){.len = o.max_message_bytes + 1};
    e.data = malloc(1); /* never read: the size check comes first */
    e.len = o.max_message_bytes + 1;
    CHECK_EQ_INT(stoffel_net_send_owned(nets[0], 1, e.data, e.len, on_release, &e),
                 STOFFEL_ERR_LIMIT);
    CHECK_EQ_INT(e.released, 1);
    uint8_t keep[4] = {0};
    CHECK_EQ_INT(stoffel_net_send_owned(nets[0], 1, keep, 4, NULL, NULL), STOFFEL_ERR_INVALID_ARG);
    for (int i = 0; i < N; i++)
        stoffel_net_free(nets[i]);

    /* An endpoint freed with messages still queued (its peer never came up) releases them. */
    stoffel_net *lone = NULL;
    char err[256];
    stoffel_net_config_set_party(cfg, 0, "127.0.0.1", 9, NULL); /* discard port: nobody there */
    stoffel_net_config_set_party(cfg, 1, "127.0.0.1", 0, NULL);
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 1, ids[1], &o, &lone, err, sizeof err), 0);
    CHECK_EQ_INT(stoffel_net_start(lone), 0);
    lent q[3];
    memset(q, 0, sizeof q);
    for (int i = 0; i < 3; i++) {
        q[i].len = 100 + (size_t)i;
        q[i].data = make_msg(1, (uint64_t)i, q[i].len);
        CHECK_EQ_INT(stoffel_net_send_owned(lone, 0, q[i].data, q[i].len, on_release, &q[i]), 0);
        CHECK_EQ_INT(q[i].released, 0);
    }
    stoffel_net_free(lone);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(q[i].released, 1);
    for (int i = 0; i < N; i++)
        stoffel_net_identity_free(ids[i]);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

/* The in-memory transport copies: the buffer comes back before the call returns. */
static void test_mem_owned(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *a = NULL, *b = NULL;
    CHECK_EQ_INT(stoffel_net_mem_hub_new(2, &hub), 0);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 0, NULL, &a), 0);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 1, NULL, &b), 0);
    stoffel_net_start(a);
    stoffel_net_start(b);
    lent l = {.len = 5000};
    l.data = make_msg(0, 0, l.len);
    CHECK_EQ_INT(stoffel_net_send_owned(a, 1, l.data, l.len, on_release, &l), 0);
    CHECK_EQ_INT(l.released, 1);
    lent bc = {.len = 64};
    bc.data = make_msg(0, 1, bc.len);
    CHECK_EQ_INT(stoffel_net_broadcast_owned(a, bc.data, bc.len, on_release, &bc), 0);
    CHECK_EQ_INT(bc.released, 1);
    CHECK_EQ_INT(bc.bad_release, 0);
    uint8_t *d = NULL;
    size_t len = 0;
    CHECK_EQ_INT(stoffel_net_recv(b, 2000, NULL, &d, &len), 0);
    CHECK(len == 5000 && get_u64(d) == 0 && d[100] == pattern(0, 0, 100));
    stoffel_net_buffer_free(d);
    CHECK_EQ_INT(stoffel_net_recv(b, 2000, NULL, &d, &len), 0);
    CHECK(len == 64 && get_u64(d) == 1);
    stoffel_net_buffer_free(d);
    CHECK_EQ_INT(stoffel_net_recv(a, 2000, NULL, &d, &len), 0); /* to itself */
    CHECK(len == 64 && get_u64(d) == 1);
    stoffel_net_buffer_free(d);
    stoffel_net_free(a);
    stoffel_net_free(b);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
}

int main(void)
{
    fprintf(stderr, "-- quic_owned\n");
    test_quic_owned();
    fprintf(stderr, "-- mem_owned\n");
    test_mem_owned();
    return test_finish();
}
