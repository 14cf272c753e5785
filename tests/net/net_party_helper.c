/*
 * net_party_helper.c - a party process for the multi-process tests (test_procs.c starts it).
 *
 *   net_party_helper CONFIG.toml ID CERT KEY mesh COUNT
 *       sends COUNT numbered messages to every other party, then one broadcast, checks that it
 *       receives COUNT in order from every other party plus every broadcast (own included), then
 *       waits until every party said it is done. Exit 0 when all is right.
 *   net_party_helper CONFIG.toml ID CERT KEY sink
 *       receives numbered messages from the other party until one flagged "end"; checks that
 *       they arrive in order without gaps after the first; prints "got 1000" after the 1000th
 *       message (so the driver knows the stream is flowing) and "first F last L" at the end.
 * Messages: kind byte (1 data, 2 broadcast, 3 done, 4 end), 8-byte little-endian sequence,
 * padding.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <stoffel/net.h>

#define MSG_LEN 64

typedef struct state {
    uint32_t n, me;
    uint64_t count;
    uint64_t next[64];
    uint64_t data_got, bcast_got, done_got;
    bool bad;
    /* sink */
    bool sink, started_seq, ended;
    uint64_t first, last, sink_got;
} state;

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void on_message(void *user, const stoffel_net_peer *from, const uint8_t *d, size_t len)
{
    state *s = user;
    if (len != MSG_LEN || from->kind != STOFFEL_NET_PEER_PARTY || from->party_id >= s->n) {
        fprintf(stderr, "party %u: bad message (len %zu)\n", s->me, len);
        s->bad = true;
        return;
    }
    uint64_t seq = get_u64(d + 1);
    if (s->sink) {
        if (!s->started_seq) {
            s->started_seq = true;
            s->first = seq;
        } else if (seq != s->last + 1) {
            fprintf(stderr, "sink: gap or reorder: %llu after %llu\n", (unsigned long long)seq,
                    (unsigned long long)s->last);
            s->bad = true;
        }
        s->last = seq;
        if (++s->sink_got == 1000) {
            printf("got 1000\n");
            fflush(stdout);
        }
        if (d[0] == 4)
            s->ended = true;
        return;
    }
    switch (d[0]) {
    case 1:
        if (seq != s->next[from->party_id]) {
            fprintf(stderr, "party %u: from %u expected %llu got %llu\n", s->me, from->party_id,
                    (unsigned long long)s->next[from->party_id], (unsigned long long)seq);
            s->bad = true;
        }
        s->next[from->party_id] = seq + 1;
        s->data_got++;
        break;
    case 2:
        s->bcast_got++;
        break;
    case 3:
        s->done_got++;
        break;
    default:
        s->bad = true;
    }
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
}

/* Runs the loop until cond holds or `seconds` pass (a 100 ms tick keeps the loop waking up). */
static bool run_until(struct event_base *base, bool (*cond)(state *), state *s, int seconds)
{
    struct event *ticker = event_new(base, -1, EV_PERSIST, tick, NULL);
    struct timeval tv = {0, 100000};
    event_add(ticker, &tv);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!cond(s)) {
        event_base_loop(base, EVLOOP_ONCE);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > seconds)
            break;
    }
    event_free(ticker);
    return cond(s);
}

static bool mesh_received(state *s)
{
    return s->bad || (s->data_got == s->count * (s->n - 1) && s->bcast_got == s->n);
}

static bool all_done(state *s)
{
    return s->bad || s->done_got == s->n;
}

static bool sink_ended(state *s)
{
    return s->bad || s->ended;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: net_party_helper CONFIG ID CERT KEY mesh COUNT | sink\n");
        return 2;
    }
    char err[512];
    stoffel_net_config *cfg = NULL;
    stoffel_net_identity *id = NULL;
    if (stoffel_net_config_load(argv[1], &cfg, err, sizeof err) ||
        stoffel_net_identity_load(argv[3], argv[4], &id, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    state s = {.n = stoffel_net_config_party_count(cfg), .me = (uint32_t)atoi(argv[2])};
    s.sink = strcmp(argv[5], "sink") == 0;
    s.count = argc > 6 ? strtoull(argv[6], NULL, 10) : 0;
    struct event_base *base = event_base_new();
    stoffel_net_options o;
    stoffel_net_options_defaults(&o);
    o.idle_timeout_ms = 30000; /* dead peers are noticed by stateless resets, not silence */
    o.connect_timeout_ms = 1000;
    o.reconnect_backoff_ms = 50;
    o.reconnect_attempts = 10;
    stoffel_net *net = NULL;
    if (stoffel_net_quic_party_new(base, cfg, s.me, id, &o, &net, err, sizeof err)) {
        fprintf(stderr, "party %u: %s\n", s.me, err);
        return 2;
    }
    stoffel_net_set_callbacks(net, on_message, NULL, &s);
    stoffel_net_start(net);
    if (stoffel_net_wait_connected(net, 20000)) {
        fprintf(stderr, "party %u: %s\n", s.me, stoffel_net_last_error(net));
        return 1;
    }
    int rc = 0;
    if (s.sink) {
        if (!run_until(base, sink_ended, &s, 60) || s.bad)
            rc = 1;
        printf("first %llu last %llu got %llu\n", (unsigned long long)s.first,
               (unsigned long long)s.last, (unsigned long long)s.sink_got);
        fflush(stdout);
        stoffel_net_flush(net, 2000);
    } else {
        uint8_t msg[MSG_LEN] = {0};
        for (uint64_t q = 0; q < s.count; q++) {
            msg[0] = 1;
            put_u64(msg + 1, q);
            for (uint32_t j = 0; j < s.n; j++)
                if (j != s.me && stoffel_net_send(net, j, msg, sizeof msg))
                    rc = 1;
        }
        msg[0] = 2;
        if (stoffel_net_broadcast(net, msg, sizeof msg))
            rc = 1;
        if (!run_until(base, mesh_received, &s, 90) || s.bad) {
            fprintf(stderr, "party %u: received %llu data, %llu broadcasts\n", s.me,
                    (unsigned long long)s.data_got, (unsigned long long)s.bcast_got);
            rc = 1;
        }
        msg[0] = 3;
        stoffel_net_broadcast(net, msg, sizeof msg);
        if (!run_until(base, all_done, &s, 30) || s.bad)
            rc = 1;
        stoffel_net_flush(net, 3000);
        /* Linger so the last acknowledgements reach the others before we close. */
        struct timeval tv = {0, 300000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
    }
    stoffel_net_free(net);
    stoffel_net_identity_free(id);
    stoffel_net_config_free(cfg);
    event_base_free(base);
    return rc;
}
