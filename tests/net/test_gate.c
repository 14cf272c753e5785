/*
 * test_gate.c - the optional consensus gate (net.h, spec net-cli 2.5) over QUIC on 127.0.0.1:
 * setting one count alone is refused with a message; three parties and one client agree, and
 * messages queued before the gate opened arrive only after it (the gate frames never reach the
 * application); parties that see different clients fail with STOFFEL_NET_ERR_CONSENSUS naming
 * the party; a client that never comes fails the gate with a timeout within its bound.
 */
#include <stdio.h>
#include <time.h>

#include "net_test_util.h"

#define N 3

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct counter {
    int got;
    int bad;
} counter;

static void on_msg(void *user, const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    counter *c = user;
    c->got++;
    if (len != 5 || memcmp(data, "hello", 5) != 0)
        c->bad++;
}

typedef struct world {
    struct event_base *base;
    stoffel_net_identity *ids[N + 1]; /* parties, then the client */
    stoffel_net_config *cfg;
    stoffel_net *nets[N];
    stoffel_net *client;
    counter cnt[N];
} world;

/* N party endpoints, party i with expected_clients[i] (STOFFEL_NET_GATE_OFF: no gate). */
static void world_new(world *w, const uint32_t *expected_clients, uint32_t timeout_ms)
{
    memset(w, 0, sizeof *w);
    w->base = event_base_new();
    w->cfg = test_config(N, w->ids);
    CHECK(w->cfg != NULL);
    CHECK_EQ_INT(stoffel_net_identity_generate(NULL, &w->ids[N]), 0);
    char err[512];
    for (uint32_t i = 0; i < N; i++) {
        stoffel_net_options o = test_options();
        o.expected_clients = expected_clients[i];
        o.expected_parties = expected_clients[i] == STOFFEL_NET_GATE_OFF ? STOFFEL_NET_GATE_OFF : N;
        o.consensus_timeout_ms = timeout_ms;
        int rc = stoffel_net_quic_party_new(w->base, w->cfg, i, w->ids[i], &o, &w->nets[i], err,
                                            sizeof err);
        CHECK_EQ_INT(rc, 0);
        if (rc)
            fprintf(stderr, "%s\n", err);
        stoffel_net_set_callbacks(w->nets[i], on_msg, NULL, &w->cnt[i]);
    }
    for (uint32_t i = 0; i < N; i++) {
        uint16_t port = stoffel_net_local_port(w->nets[i]);
        stoffel_net_config_set_party(w->cfg, i, "127.0.0.1", port, NULL);
        for (uint32_t j = 0; j < N; j++)
            stoffel_net_set_party_address(w->nets[j], i, "127.0.0.1", port);
    }
    for (uint32_t i = 0; i < N; i++)
        CHECK_EQ_INT(stoffel_net_start(w->nets[i]), 0);
}

/* A client that dials the parties listed in mask (bit i: party i). */
static void world_client(world *w, unsigned mask)
{
    stoffel_net_config *cc = NULL;
    CHECK_EQ_INT(stoffel_net_config_new(N, &cc), 0);
    for (uint32_t i = 0; i < N; i++) {
        uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
        stoffel_net_identity_fingerprint(w->ids[i], fp);
        uint16_t port = (mask >> i) & 1 ? stoffel_net_local_port(w->nets[i]) : 9; /* 9: nobody */
        stoffel_net_config_set_party(cc, i, "127.0.0.1", port, fp);
    }
    stoffel_net_options o = test_options();
    char err[512];
    CHECK_EQ_INT(stoffel_net_quic_client_new(w->base, cc, w->ids[N], &o, &w->client, err,
                                             sizeof err), 0);
    CHECK_EQ_INT(stoffel_net_start(w->client), 0);
    stoffel_net_config_free(cc);
}

static void run_for(world *w, double secs)
{
    struct timeval tv = {(time_t)secs, (suseconds_t)((secs - (time_t)secs) * 1e6)};
    event_base_loopexit(w->base, &tv);
    event_base_dispatch(w->base);
}

static void world_free(world *w)
{
    for (uint32_t i = 0; i < N; i++)
        stoffel_net_free(w->nets[i]);
    stoffel_net_free(w->client);
    for (uint32_t i = 0; i <= N; i++)
        stoffel_net_identity_free(w->ids[i]);
    stoffel_net_config_free(w->cfg);
    event_base_free(w->base);
}

static void test_one_count_is_an_error(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0};
    stoffel_net_config *cfg = test_config(2, ids);
    stoffel_net_options o = test_options();
    o.expected_parties = 2; /* expected_clients left unset */
    stoffel_net *net = NULL;
    char err[512] = "";
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 0, ids[0], &o, &net, err, sizeof err),
                 STOFFEL_ERR_INVALID_ARG);
    CHECK(net == NULL && strstr(err, "expected_clients") != NULL);
    o.expected_parties = STOFFEL_NET_GATE_OFF;
    o.expected_clients = 0;
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 0, ids[0], &o, &net, err, sizeof err),
                 STOFFEL_ERR_INVALID_ARG);
    CHECK(strstr(err, "expected_parties") != NULL);
    o.expected_parties = 5; /* the configuration has 2 */
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 0, ids[0], &o, &net, err, sizeof err),
                 STOFFEL_NET_ERR_CONFIG);
    CHECK(strstr(err, "expected_parties is 5") != NULL);
    for (int i = 0; i < 2; i++)
        stoffel_net_identity_free(ids[i]);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

static void test_agreement(void)
{
    world w;
    const uint32_t ec[N] = {1, 1, 1};
    world_new(&w, ec, 20000);
    /* queued before the gate can open: the client is not there yet */
    CHECK_EQ_INT(stoffel_net_send(w.nets[0], 1, (const uint8_t *)"hello", 5), 0);
    CHECK_EQ_INT(stoffel_net_send(w.nets[2], 0, (const uint8_t *)"hello", 5), 0);
    CHECK_EQ_INT(stoffel_net_wait_connected(w.nets[0], 600), STOFFEL_ERR_TIMEOUT);
    CHECK_EQ_INT(stoffel_net_party_state(w.nets[0], 1), STOFFEL_NET_STATE_CONNECTED);
    run_for(&w, 0.2);
    CHECK_EQ_INT(w.cnt[0].got + w.cnt[1].got + w.cnt[2].got, 0); /* sends wait on the gate */
    world_client(&w, 0x7);
    for (uint32_t i = 0; i < N; i++)
        CHECK_EQ_INT(stoffel_net_wait_connected(w.nets[i], 10000), 0);
    double end = now_s() + 10;
    while ((w.cnt[0].got < 1 || w.cnt[1].got < 1) && now_s() < end)
        event_base_loop(w.base, EVLOOP_ONCE);
    CHECK_EQ_INT(w.cnt[0].got, 1);
    CHECK_EQ_INT(w.cnt[1].got, 1);
    CHECK_EQ_INT(w.cnt[2].got, 0); /* gate frames are not messages */
    CHECK_EQ_INT(w.cnt[0].bad + w.cnt[1].bad, 0);
    /* the client can talk to the parties once they agreed */
    CHECK_EQ_INT(stoffel_net_send(w.client, 2, (const uint8_t *)"hello", 5), 0);
    end = now_s() + 10;
    while (w.cnt[2].got < 1 && now_s() < end)
        event_base_loop(w.base, EVLOOP_ONCE);
    CHECK_EQ_INT(w.cnt[2].got, 1);
    world_free(&w);
}

static void test_mismatch_names_the_party(void)
{
    world w;
    /* party 2 expects no client; the client reaches only parties 0 and 1 */
    const uint32_t ec[N] = {1, 1, 0};
    world_new(&w, ec, 20000);
    world_client(&w, 0x3);
    CHECK_EQ_INT(stoffel_net_send(w.nets[0], 1, (const uint8_t *)"hello", 5), 0);
    double t0 = now_s();
    CHECK_EQ_INT(stoffel_net_wait_connected(w.nets[0], 10000), STOFFEL_NET_ERR_CONSENSUS);
    CHECK(now_s() - t0 < 9);
    const char *msg = stoffel_net_last_error(w.nets[0]);
    CHECK(strstr(msg, "party 2 sees a different network") != NULL);
    CHECK(strstr(msg, "0 clients") != NULL);
    CHECK_EQ_INT(stoffel_net_wait_connected(w.nets[2], 10000), STOFFEL_NET_ERR_CONSENSUS);
    CHECK(strstr(stoffel_net_last_error(w.nets[2]), "party 0 sees a different network") != NULL ||
          strstr(stoffel_net_last_error(w.nets[2]), "party 1 sees a different network") != NULL);
    CHECK_EQ_INT(stoffel_net_send(w.nets[0], 1, (const uint8_t *)"hello", 5),
                 STOFFEL_NET_ERR_CLOSED);
    run_for(&w, 0.2);
    CHECK_EQ_INT(w.cnt[1].got, 0); /* nothing went out past a failed gate */
    world_free(&w);
}

static void test_timeout(void)
{
    world w;
    const uint32_t ec[N] = {1, 1, 1};
    world_new(&w, ec, 700); /* the client never comes */
    double t0 = now_s();
    CHECK_EQ_INT(stoffel_net_wait_connected(w.nets[1], 20000), STOFFEL_ERR_TIMEOUT);
    double took = now_s() - t0;
    CHECK(took >= 0.5 && took < 5);
    CHECK(strstr(stoffel_net_last_error(w.nets[1]), "0 of 1 clients connected") != NULL);
    world_free(&w);
}

int main(void)
{
    fprintf(stderr, "-- one_count\n");
    test_one_count_is_an_error();
    fprintf(stderr, "-- agreement\n");
    test_agreement();
    fprintf(stderr, "-- mismatch\n");
    test_mismatch_names_the_party();
    fprintf(stderr, "-- timeout\n");
    test_timeout();
    return test_finish();
}
