/*
 * test_quic.c - the QUIC transport in one process (all endpoints on one event base, real UDP on
 * 127.0.0.1, ports chosen by the OS): a mesh with ordered delivery, broadcast including self, a
 * 64 MiB message, size limits, and the refusals: unpinned party, impostor party, disallowed
 * client, expired and badly signed certificates; and timeouts for a peer that never comes up.
 */
#include <stdbool.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "net_test_util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void free_all(stoffel_net **nets, stoffel_net_identity **ids, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        stoffel_net_free(nets[i]);
        stoffel_net_identity_free(ids[i]);
    }
}

static void test_mesh_order_and_broadcast(uint32_t n, uint64_t per_pair)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[MAX_TEST_PARTIES] = {0};
    stoffel_net *nets[MAX_TEST_PARTIES] = {0};
    stoffel_net_config *cfg = test_config(n, ids);
    stoffel_net_options o = test_options();
    CHECK(cfg != NULL);
    CHECK_EQ_INT(test_quic_mesh(base, cfg, ids, n, &o, nets), 0);
    CHECK_EQ_INT(test_wait_all(nets, n, 5000), 0);
    collector col[MAX_TEST_PARTIES];
    memset(col, 0, sizeof col);
    for (uint32_t i = 0; i < n; i++) {
        col[i].expect_len = 24;
        stoffel_net_set_callbacks(nets[i], collector_on_message, NULL, &col[i]);
    }
    uint8_t msg[24] = {0};
    for (uint64_t s = 0; s < per_pair; s++) {
        put_u64(msg, s);
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++)
                if (i != j)
                    CHECK_EQ_INT(stoffel_net_send(nets[i], j, msg, sizeof msg), 0);
    }
    uint64_t total = 0, target = per_pair * (n - 1) * n;
    double end = now_s() + 60;
    while (total < target && now_s() < end) {
        event_base_loop(base, EVLOOP_ONCE);
        total = 0;
        for (uint32_t i = 0; i < n; i++)
            total += col[i].received;
    }
    CHECK_EQ_INT(total, target);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ_INT(col[i].out_of_order, 0);
        CHECK_EQ_INT(col[i].bad_size, 0);
        for (uint32_t j = 0; j < n; j++)
            CHECK_EQ_INT(col[i].next_seq[j], i == j ? 0 : per_pair);
    }
    /* Broadcast: every party gets one message from every party, its own included. */
    for (uint32_t i = 0; i < n; i++)
        col[i].next_seq[i] = per_pair; /* nobody sent to itself so far */
    for (uint32_t i = 0; i < n; i++) {
        put_u64(msg, per_pair);
        CHECK_EQ_INT(stoffel_net_broadcast(nets[i], msg, sizeof msg), 0);
    }
    target = total + (uint64_t)n * n;
    end = now_s() + 20;
    while (total < target && now_s() < end) {
        event_base_loop(base, EVLOOP_ONCE);
        total = 0;
        for (uint32_t i = 0; i < n; i++)
            total += col[i].received;
    }
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ_INT(col[i].out_of_order, 0);
        for (uint32_t j = 0; j < n; j++)
            CHECK_EQ_INT(col[i].next_seq[j], per_pair + 1);
    }
    for (uint32_t i = 0; i < n; i++)
        CHECK_EQ_INT(stoffel_net_flush(nets[i], 5000), 0);
    free_all(nets, ids, n);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

static void test_big_message(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0};
    stoffel_net *nets[2] = {0};
    stoffel_net_config *cfg = test_config(2, ids);
    stoffel_net_options o = test_options();
    CHECK_EQ_INT(test_quic_mesh(base, cfg, ids, 2, &o, nets), 0);
    CHECK_EQ_INT(test_wait_all(nets, 2, 5000), 0);
    size_t len = STOFFEL_NET_DEFAULT_MAX_MESSAGE_BYTES;
    uint8_t *big = malloc(len + 1);
    uint32_t x = 12345;
    for (size_t i = 0; i < len + 1; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (uint8_t)(x >> 16);
    }
    CHECK_EQ_INT(stoffel_net_send(nets[1], 0, big, len + 1), STOFFEL_ERR_LIMIT);
    CHECK_EQ_INT(stoffel_net_send(nets[1], 0, big, len), 0);
    uint8_t *got = NULL;
    size_t got_len = 0;
    stoffel_net_peer from;
    CHECK_EQ_INT(stoffel_net_recv(nets[0], 30000, &from, &got, &got_len), 0);
    CHECK_EQ_INT(got_len, len);
    CHECK(got && memcmp(got, big, len) == 0);
    CHECK_EQ_INT(from.kind, STOFFEL_NET_PEER_PARTY);
    CHECK_EQ_INT(from.party_id, 1);
    stoffel_net_buffer_free(got);
    /* An empty message is a message too. */
    CHECK_EQ_INT(stoffel_net_send(nets[0], 1, NULL, 0), 0);
    CHECK_EQ_INT(stoffel_net_recv(nets[1], 5000, &from, &got, &got_len), 0);
    CHECK_EQ_INT(got_len, 0);
    CHECK_EQ_INT(from.party_id, 0);
    stoffel_net_buffer_free(got);
    free(big);
    free_all(nets, ids, 2);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

/* Party `rogue_id` runs with an identity that party 0 has not pinned. */
static void test_unpinned_party_refused(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0}, *rogue = NULL;
    stoffel_net_config *cfg = test_config(2, ids);
    CHECK_EQ_INT(stoffel_net_identity_generate(NULL, &rogue), 0);
    stoffel_net_options o = test_options();
    char err[512];
    stoffel_net *p0 = NULL, *p1 = NULL;
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 0, ids[0], &o, &p0, err, sizeof err), 0);
    /* The rogue's own configuration pins its key (else it could not even start). */
    stoffel_net_config *rcfg = NULL;
    uint8_t rfp[STOFFEL_NET_FINGERPRINT_LEN], fp0[STOFFEL_NET_FINGERPRINT_LEN];
    stoffel_net_identity_fingerprint(rogue, rfp);
    stoffel_net_identity_fingerprint(ids[0], fp0);
    stoffel_net_config_new(2, &rcfg);
    stoffel_net_config_set_party(rcfg, 0, "127.0.0.1", stoffel_net_local_port(p0), fp0);
    stoffel_net_config_set_party(rcfg, 1, "127.0.0.1", 0, rfp);
    /* Party 1 must present the pinned key: the rogue identity is rejected locally first. */
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 1, rogue, &o, &p1, err, sizeof err),
                 STOFFEL_NET_ERR_CONFIG);
    CHECK(strstr(err, "not the one pinned") != NULL);
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, rcfg, 1, rogue, &o, &p1, err, sizeof err), 0);
    stoffel_net_start(p0);
    stoffel_net_start(p1);
    double t0 = now_s();
    int rc = stoffel_net_wait_connected(p1, 5000);
    CHECK_EQ_INT(rc, STOFFEL_NET_ERR_PEER_REFUSED);
    CHECK(now_s() - t0 < 4.0);
    CHECK_EQ_INT(stoffel_net_party_state(p1, 0), STOFFEL_NET_STATE_CLOSED);
    CHECK_EQ_INT(stoffel_net_party_state(p0, 1), STOFFEL_NET_STATE_CONNECTING);
    CHECK_MSG(strstr(stoffel_net_last_error(p0), "unknown peer") != NULL, "p0: %s",
              stoffel_net_last_error(p0));
    CHECK_EQ_INT(stoffel_net_send(p1, 0, (const uint8_t *)"x", 1), STOFFEL_NET_ERR_CLOSED);
    stoffel_net_free(p0);
    stoffel_net_free(p1);
    stoffel_net_identity_free(rogue);
    stoffel_net_identity_free(ids[0]);
    stoffel_net_identity_free(ids[1]);
    stoffel_net_config_free(cfg);
    stoffel_net_config_free(rcfg);
    event_base_free(base);
}

/* Party 0 is an impostor: party 1 (the dialler) refuses its certificate. */
static void test_impostor_refused_by_dialler(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0}, *impostor = NULL;
    stoffel_net_config *cfg = test_config(2, ids);
    CHECK_EQ_INT(stoffel_net_identity_generate(NULL, &impostor), 0);
    stoffel_net_options o = test_options();
    char err[512];
    stoffel_net *p0 = NULL, *p1 = NULL;
    stoffel_net_config *icfg = NULL;
    uint8_t ifp[STOFFEL_NET_FINGERPRINT_LEN], fp1[STOFFEL_NET_FINGERPRINT_LEN];
    stoffel_net_identity_fingerprint(impostor, ifp);
    stoffel_net_identity_fingerprint(ids[1], fp1);
    stoffel_net_config_new(2, &icfg);
    stoffel_net_config_set_party(icfg, 0, "127.0.0.1", 0, ifp);
    stoffel_net_config_set_party(icfg, 1, "127.0.0.1", 0, fp1);
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, icfg, 0, impostor, &o, &p0, err, sizeof err), 0);
    stoffel_net_identity_free(impostor); /* the endpoint keeps its own copy */
    impostor = NULL;
    stoffel_net_config_set_party(cfg, 0, "127.0.0.1", stoffel_net_local_port(p0), NULL);
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 1, ids[1], &o, &p1, err, sizeof err), 0);
    stoffel_net_start(p0);
    stoffel_net_start(p1);
    CHECK_EQ_INT(stoffel_net_wait_connected(p1, 5000), STOFFEL_NET_ERR_PEER_REFUSED);
    CHECK_MSG(strstr(stoffel_net_last_error(p1), "not the one pinned") != NULL, "p1: %s",
              stoffel_net_last_error(p1));
    CHECK_EQ_INT(stoffel_net_party_state(p0, 1), STOFFEL_NET_STATE_CONNECTING);
    stoffel_net_free(p0);
    stoffel_net_free(p1);
    stoffel_net_identity_free(impostor);
    stoffel_net_identity_free(ids[0]);
    stoffel_net_identity_free(ids[1]);
    stoffel_net_config_free(cfg);
    stoffel_net_config_free(icfg);
    event_base_free(base);
}

typedef struct client_seen {
    int connected, lost;
} client_seen;

static void on_client_state(void *user, const stoffel_net_peer *peer, stoffel_net_state st,
                            int status)
{
    client_seen *s = user;
    if (peer->kind == STOFFEL_NET_PEER_CLIENT && st == STOFFEL_NET_STATE_CONNECTED)
        s->connected++;
}

static void test_clients(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0}, *good = NULL, *bad = NULL;
    stoffel_net *nets[2] = {0}, *cg = NULL, *cb = NULL;
    stoffel_net_config *cfg = test_config(2, ids);
    stoffel_net_identity_generate(NULL, &good);
    stoffel_net_identity_generate(NULL, &bad);
    uint8_t gfp[STOFFEL_NET_FINGERPRINT_LEN], bfp[STOFFEL_NET_FINGERPRINT_LEN];
    stoffel_net_identity_fingerprint(good, gfp);
    stoffel_net_identity_fingerprint(bad, bfp);
    CHECK_EQ_INT(stoffel_net_config_allow_client(cfg, gfp), 0);
    stoffel_net_options o = test_options();
    CHECK_EQ_INT(test_quic_mesh(base, cfg, ids, 2, &o, nets), 0);
    client_seen seen = {0};
    stoffel_net_set_callbacks(nets[0], NULL, on_client_state, &seen);
    CHECK_EQ_INT(test_wait_all(nets, 2, 5000), 0);
    char err[512];
    o.max_udp_payload_bytes = 100; /* below QUIC's minimum datagram */
    CHECK_EQ_INT(stoffel_net_quic_client_new(base, cfg, good, &o, &cg, err, sizeof err),
                 STOFFEL_ERR_INVALID_ARG);
    o.max_udp_payload_bytes = 1200; /* the smallest allowed: the clients use explicit small packets */
    CHECK_EQ_INT(stoffel_net_quic_client_new(base, cfg, good, &o, &cg, err, sizeof err), 0);
    CHECK_EQ_INT(stoffel_net_quic_client_new(base, cfg, bad, &o, &cb, err, sizeof err), 0);
    CHECK_EQ_INT(stoffel_net_my_id(cg), -1);
    stoffel_net_start(cg);
    stoffel_net_start(cb);
    CHECK_EQ_INT(stoffel_net_wait_connected(cg, 5000), 0);
    CHECK_EQ_INT(stoffel_net_wait_connected(cb, 5000), STOFFEL_NET_ERR_PEER_REFUSED);
    CHECK(seen.connected == 1);
    CHECK_MSG(strstr(stoffel_net_last_error(nets[0]), "not allowed") != NULL, "p0: %s",
              stoffel_net_last_error(nets[0]));
    /* Client -> party and party -> client. */
    CHECK_EQ_INT(stoffel_net_broadcast(cg, (const uint8_t *)"input", 5), 0);
    for (int i = 0; i < 2; i++) {
        uint8_t *d = NULL;
        size_t l = 0;
        stoffel_net_peer from;
        CHECK_EQ_INT(stoffel_net_recv(nets[i], 5000, &from, &d, &l), 0);
        CHECK_EQ_INT(l, 5);
        CHECK(d && memcmp(d, "input", 5) == 0);
        CHECK_EQ_INT(from.kind, STOFFEL_NET_PEER_CLIENT);
        CHECK(memcmp(from.key, gfp, sizeof gfp) == 0);
        stoffel_net_buffer_free(d);
        CHECK_EQ_INT(stoffel_net_send_client(nets[i], gfp, (const uint8_t *)"out", 3), 0);
        CHECK_EQ_INT(stoffel_net_send_client(nets[i], bfp, (const uint8_t *)"out", 3),
                     STOFFEL_ERR_NOT_FOUND);
    }
    for (int i = 0; i < 2; i++) {
        uint8_t *d = NULL;
        size_t l = 0;
        stoffel_net_peer from;
        CHECK_EQ_INT(stoffel_net_recv(cg, 5000, &from, &d, &l), 0);
        CHECK_EQ_INT(l, 3);
        CHECK_EQ_INT(from.kind, STOFFEL_NET_PEER_PARTY);
        stoffel_net_buffer_free(d);
    }
    stoffel_net_free(cg);
    stoffel_net_free(cb);
    free_all(nets, ids, 2);
    stoffel_net_identity_free(good);
    stoffel_net_identity_free(bad);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

/* Writes id's certificate and key to files, optionally corrupting the certificate's signature. */
static void save_pair(stoffel_net_identity *id, const char *cert, const char *key,
                      bool corrupt_signature)
{
    unlink(cert);
    unlink(key);
    char err[256];
    CHECK_EQ_INT(stoffel_net_identity_save(id, cert, key, err, sizeof err), 0);
    if (!corrupt_signature)
        return;
    gnutls_datum_t pem = {0}, der = {0}, out = {0};
    CHECK(gnutls_load_file(cert, &pem) == 0);
    CHECK(gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der) == 0);
    der.data[der.size - 1] ^= 0x55; /* the last byte belongs to the signature */
    CHECK(gnutls_pem_base64_encode2("CERTIFICATE", &der, &out) == 0);
    FILE *f = fopen(cert, "wb");
    fwrite(out.data, 1, out.size, f);
    fclose(f);
    gnutls_free(pem.data);
    gnutls_free(der.data);
    gnutls_free(out.data);
}

/* Party 1 presents a pinned but unacceptable certificate: party 0 refuses it. */
static void check_bad_cert_refused(stoffel_net_identity *bad_id, const char *expect)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0};
    stoffel_net_config *cfg = test_config(2, ids);
    uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
    stoffel_net_identity_fingerprint(bad_id, fp);
    stoffel_net_config_set_party(cfg, 1, "127.0.0.1", 0, fp);
    stoffel_net_options o = test_options();
    char err[512];
    stoffel_net *p0 = NULL, *p1 = NULL;
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 0, ids[0], &o, &p0, err, sizeof err), 0);
    stoffel_net_config_set_party(cfg, 0, "127.0.0.1", stoffel_net_local_port(p0), NULL);
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 1, bad_id, &o, &p1, err, sizeof err), 0);
    stoffel_net_start(p0);
    stoffel_net_start(p1);
    CHECK_EQ_INT(stoffel_net_wait_connected(p1, 5000), STOFFEL_NET_ERR_PEER_REFUSED);
    CHECK_MSG(strstr(stoffel_net_last_error(p0), expect) != NULL, "p0: %s",
              stoffel_net_last_error(p0));
    CHECK_EQ_INT(stoffel_net_party_state(p0, 1), STOFFEL_NET_STATE_CONNECTING);
    stoffel_net_free(p0);
    stoffel_net_free(p1);
    stoffel_net_identity_free(ids[0]);
    stoffel_net_identity_free(ids[1]);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

static void test_bad_certificates(void)
{
    stoffel_net_identity_options io;
    stoffel_net_identity_options_defaults(&io);
    io.not_before = (int64_t)time(NULL) - 10 * 86400;
    io.not_after = (int64_t)time(NULL) - 86400;
    stoffel_net_identity *expired = NULL;
    CHECK_EQ_INT(stoffel_net_identity_generate(&io, &expired), 0);
    check_bad_cert_refused(expired, "expired");
    stoffel_net_identity_free(expired);

    stoffel_net_identity *id = NULL, *badsig = NULL;
    CHECK_EQ_INT(stoffel_net_identity_generate(NULL, &id), 0);
    char cert[64], key[64];
    snprintf(cert, sizeof cert, "/tmp/stoffel_net_test_%d.crt", (int)getpid());
    snprintf(key, sizeof key, "/tmp/stoffel_net_test_%d.key", (int)getpid());
    save_pair(id, cert, key, true);
    char err[256];
    CHECK_EQ_INT(stoffel_net_identity_load(cert, key, &badsig, err, sizeof err), 0);
    if (badsig)
        check_bad_cert_refused(badsig, "not correctly self-signed");
    stoffel_net_identity_free(badsig);
    stoffel_net_identity_free(id);
    unlink(cert);
    unlink(key);
}

static void test_timeouts(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0};
    stoffel_net_config *cfg = test_config(2, ids);
    /* A UDP socket that never answers stands in for party 0. */
    int silent = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    bind(silent, (struct sockaddr *)&a, sizeof a);
    getsockname(silent, (struct sockaddr *)&a, &alen);
    stoffel_net_config_set_party(cfg, 0, "127.0.0.1", ntohs(a.sin_port), NULL);
    stoffel_net_options o = test_options();
    o.connect_timeout_ms = 300;
    o.reconnect_attempts = 2;
    o.reconnect_backoff_ms = 50;
    char err[512];
    stoffel_net *p1 = NULL;
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 1, ids[1], &o, &p1, err, sizeof err), 0);
    stoffel_net_start(p1);
    double t0 = now_s();
    /* 3 attempts x 300 ms + backoff: the bound is about 1.1 s, far below the 10 s wait. */
    CHECK_EQ_INT(stoffel_net_wait_connected(p1, 10000), STOFFEL_ERR_TIMEOUT);
    double took = now_s() - t0;
    CHECK_MSG(took > 0.8 && took < 8.0, "gave up after %.2f s", took);
    CHECK_MSG(strstr(stoffel_net_last_error(p1), "gave up after 3 attempts") != NULL, "%s",
              stoffel_net_last_error(p1));
    CHECK_EQ_INT(stoffel_net_party_state(p1, 0), STOFFEL_NET_STATE_CLOSED);
    stoffel_net_free(p1);
    close(silent);

    /* The acceptor side: party 0 waits for a party 1 that never dials. */
    stoffel_net *p0 = NULL;
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 0, ids[0], &o, &p0, err, sizeof err), 0);
    stoffel_net_start(p0);
    t0 = now_s();
    CHECK_EQ_INT(stoffel_net_wait_connected(p0, 500), STOFFEL_ERR_TIMEOUT);
    took = now_s() - t0;
    CHECK_MSG(took >= 0.45 && took < 2.0, "waited %.2f s", took);
    CHECK(strstr(stoffel_net_last_error(p0), "party 1 not connected") != NULL);
    uint8_t *d;
    size_t l;
    CHECK_EQ_INT(stoffel_net_recv(p0, 100, NULL, &d, &l), STOFFEL_ERR_TIMEOUT);
    stoffel_net_free(p0);
    stoffel_net_identity_free(ids[0]);
    stoffel_net_identity_free(ids[1]);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

typedef struct link_events {
    int lost_limit, connected;
} link_events;

static void on_link_state(void *user, const stoffel_net_peer *peer, stoffel_net_state st,
                          int status)
{
    link_events *e = user;
    if (st == STOFFEL_NET_STATE_LOST && status == STOFFEL_ERR_LIMIT)
        e->lost_limit++;
    if (st == STOFFEL_NET_STATE_CONNECTED)
        e->connected++;
}

/* A frame above the receiver's maximum kills the link (the receiver never buffers it); the
 * dialler reconnects and later messages still arrive. */
static void test_oversized_frame_kills_link(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0};
    stoffel_net *nets[2] = {0};
    stoffel_net_config *cfg = test_config(2, ids);
    stoffel_net_options o = test_options();
    char err[512];
    stoffel_net_options small = o;
    small.max_message_bytes = 1000;
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 0, ids[0], &small, &nets[0], err,
                                            sizeof err), 0);
    stoffel_net_config_set_party(cfg, 0, "127.0.0.1", stoffel_net_local_port(nets[0]), NULL);
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, 1, ids[1], &o, &nets[1], err, sizeof err),
                 0);
    link_events ev = {0};
    stoffel_net_set_callbacks(nets[1], NULL, on_link_state, &ev);
    stoffel_net_start(nets[0]);
    stoffel_net_start(nets[1]);
    CHECK_EQ_INT(test_wait_all(nets, 2, 5000), 0);
    uint8_t big[2000] = {0};
    CHECK_EQ_INT(stoffel_net_send(nets[1], 0, big, sizeof big), 0);
    CHECK_EQ_INT(stoffel_net_send(nets[0], 1, big, sizeof big), STOFFEL_ERR_LIMIT);
    uint8_t *d = NULL;
    size_t l = 0;
    struct timeval tv = {1, 0};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    CHECK_EQ_INT(ev.lost_limit, 1);
    CHECK_MSG(strstr(stoffel_net_last_error(nets[0]), "larger than the maximum of 1000") != NULL,
              "p0: %s", stoffel_net_last_error(nets[0]));
    CHECK_EQ_INT(stoffel_net_wait_connected(nets[1], 5000), 0);
    CHECK_EQ_INT(ev.connected, 2);
    CHECK_EQ_INT(stoffel_net_send(nets[1], 0, (const uint8_t *)"small", 5), 0);
    CHECK_EQ_INT(stoffel_net_recv(nets[0], 5000, NULL, &d, &l), 0);
    CHECK_EQ_INT(l, 5);
    stoffel_net_buffer_free(d);
    free_all(nets, ids, 2);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

typedef struct state_log {
    int seq[16];
    int status[16];
    int count;
} state_log;

static void log_state(void *user, const stoffel_net_peer *peer, stoffel_net_state st, int status)
{
    state_log *l = user;
    if (l->count < 16) {
        l->status[l->count] = status;
        l->seq[l->count++] = (int)st;
    }
}

/* Connection states over a link's life: a peer that closes is LOST for the acceptor; the dialler
 * sees LOST, redials a bounded number of times, then CLOSED. */
static void test_states(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[3] = {0};
    stoffel_net *nets[3] = {0};
    stoffel_net_config *cfg = test_config(3, ids);
    stoffel_net_options o = test_options();
    o.connect_timeout_ms = 300;
    o.reconnect_attempts = 1;
    CHECK_EQ_INT(test_quic_mesh(base, cfg, ids, 3, &o, nets), 0);
    state_log l0 = {0}, l2 = {0};
    stoffel_net_set_callbacks(nets[0], NULL, log_state, &l0);
    stoffel_net_set_callbacks(nets[2], NULL, log_state, &l2);
    CHECK_EQ_INT(test_wait_all(nets, 3, 5000), 0);
    CHECK_EQ_INT(stoffel_net_party_state(nets[0], 0), STOFFEL_NET_STATE_CONNECTED);
    /* Party 1 leaves: party 0 (dialled by 1) sees LOST; party 2 (dials 1) sees LOST, retries, and
     * gives up: CLOSED. */
    int before0 = l0.count, before2 = l2.count;
    stoffel_net_free(nets[1]);
    nets[1] = NULL;
    struct timeval tv = {3, 0};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    CHECK_EQ_INT(l0.count - before0, 1);
    CHECK_EQ_INT(l0.seq[before0], STOFFEL_NET_STATE_LOST);
    CHECK_EQ_INT(l0.status[before0], STOFFEL_NET_ERR_CLOSED);
    CHECK_EQ_INT(stoffel_net_party_state(nets[0], 1), STOFFEL_NET_STATE_LOST);
    CHECK_EQ_INT(l2.count - before2, 2);
    CHECK_EQ_INT(l2.seq[before2], STOFFEL_NET_STATE_LOST);
    CHECK_EQ_INT(l2.seq[before2 + 1], STOFFEL_NET_STATE_CLOSED);
    CHECK_EQ_INT(l2.status[before2 + 1], STOFFEL_ERR_TIMEOUT);
    CHECK_EQ_INT(stoffel_net_send(nets[2], 1, (const uint8_t *)"x", 1), STOFFEL_NET_ERR_CLOSED);
    /* Parties 0 and 2 still talk. */
    CHECK_EQ_INT(stoffel_net_party_state(nets[2], 0), STOFFEL_NET_STATE_CONNECTED);
    CHECK_EQ_INT(stoffel_net_send(nets[2], 0, (const uint8_t *)"still", 5), 0);
    uint8_t *d = NULL;
    size_t len = 0;
    CHECK_EQ_INT(stoffel_net_recv(nets[0], 5000, NULL, &d, &len), 0);
    CHECK_EQ_INT(len, 5);
    stoffel_net_buffer_free(d);
    free_all(nets, ids, 3);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

/* A graceful close: queued messages are delivered first, links go CLOSING then CLOSED, the
 * peers notice at once (LOST), and sending afterwards fails. */
static void test_close(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0};
    stoffel_net *nets[2] = {0};
    stoffel_net_config *cfg = test_config(2, ids);
    stoffel_net_options o = test_options();
    o.reconnect_attempts = 0;
    CHECK_EQ_INT(test_quic_mesh(base, cfg, ids, 2, &o, nets), 0);
    CHECK_EQ_INT(test_wait_all(nets, 2, 5000), 0);
    state_log l0 = {0}, l1 = {0};
    stoffel_net_set_callbacks(nets[0], NULL, log_state, &l0);
    stoffel_net_set_callbacks(nets[1], NULL, log_state, &l1);
    uint8_t msg[1000] = {7};
    for (int i = 0; i < 100; i++)
        CHECK_EQ_INT(stoffel_net_send(nets[0], 1, msg, sizeof msg), 0);
    CHECK_EQ_INT(stoffel_net_close(nets[0], 5000), 0);
    CHECK_EQ_INT(l0.count, 2);
    CHECK_EQ_INT(l0.seq[0], STOFFEL_NET_STATE_CLOSING);
    CHECK_EQ_INT(l0.seq[1], STOFFEL_NET_STATE_CLOSED);
    CHECK_EQ_INT(l0.status[1], 0);
    CHECK_EQ_INT(stoffel_net_send(nets[0], 1, msg, 1), STOFFEL_NET_ERR_CLOSED);
    CHECK_EQ_INT(stoffel_net_close(nets[0], 0), 0); /* again: nothing to do */
    int got = 0;
    uint8_t *d;
    size_t l;
    while (got < 100 && stoffel_net_recv(nets[1], 2000, NULL, &d, &l) == 0) {
        got += l == sizeof msg;
        stoffel_net_buffer_free(d);
    }
    CHECK_EQ_INT(got, 100); /* everything sent before the close arrived */
    struct timeval tv = {0, 300000};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    CHECK(l1.count >= 1 && l1.seq[0] == STOFFEL_NET_STATE_LOST);
    free_all(nets, ids, 2);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

/* Parties on IPv6 loopback. */
static void test_ipv6(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_identity *ids[2] = {0};
    stoffel_net *nets[2] = {0};
    stoffel_net_config *cfg = test_config(2, ids);
    for (uint32_t i = 0; i < 2; i++)
        stoffel_net_config_set_party(cfg, i, "::1", 0, NULL);
    stoffel_net_options o = test_options();
    char err[512];
    for (uint32_t i = 0; i < 2; i++)
        CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, i, ids[i], &o, &nets[i], err, sizeof err),
                     0);
    for (uint32_t i = 0; i < 2; i++)
        for (uint32_t j = 0; j < 2; j++)
            stoffel_net_set_party_address(nets[j], i, "::1", stoffel_net_local_port(nets[i]));
    stoffel_net_start(nets[0]);
    stoffel_net_start(nets[1]);
    CHECK_EQ_INT(test_wait_all(nets, 2, 5000), 0);
    CHECK_EQ_INT(stoffel_net_send(nets[0], 1, (const uint8_t *)"six", 3), 0);
    uint8_t *d = NULL;
    size_t l = 0;
    stoffel_net_peer from;
    CHECK_EQ_INT(stoffel_net_recv(nets[1], 5000, &from, &d, &l), 0);
    CHECK(l == 3 && d && memcmp(d, "six", 3) == 0);
    CHECK_EQ_INT(from.party_id, 0);
    stoffel_net_buffer_free(d);
    free_all(nets, ids, 2);
    stoffel_net_config_free(cfg);
    event_base_free(base);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
#define RUN(name, call)                                                                            \
    if (!only || strcmp(only, name) == 0) {                                                        \
        fprintf(stderr, "-- %s\n", name);                                                          \
        call;                                                                                      \
    }
    RUN("mesh3", test_mesh_order_and_broadcast(3, 2000));
    RUN("big", test_big_message());
    RUN("unpinned", test_unpinned_party_refused());
    RUN("impostor", test_impostor_refused_by_dialler());
    RUN("clients", test_clients());
    RUN("badcert", test_bad_certificates());
    RUN("timeouts", test_timeouts());
    RUN("oversized", test_oversized_frame_kills_link());
    RUN("ipv6", test_ipv6());
    RUN("states", test_states());
    RUN("close", test_close());
    return test_finish();
}
