/*
 * net_test_util.h - helpers of the libstoffelnet tests: identities, configurations on 127.0.0.1
 * with OS-chosen ports, in-process QUIC meshes on one event base, and a message collector.
 */
#ifndef STOFFEL_NET_TEST_UTIL_H
#define STOFFEL_NET_TEST_UTIL_H

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/net.h>

#include "test_util.h"

#define MAX_TEST_PARTIES 8

/* Options for tests on loopback: short timeouts so failures show quickly. */
static inline stoffel_net_options test_options(void)
{
    stoffel_net_options o;
    stoffel_net_options_defaults(&o);
    o.connect_timeout_ms = 2000;
    o.idle_timeout_ms = 5000;
    o.reconnect_attempts = 3;
    o.reconnect_backoff_ms = 50;
    o.reconnect_backoff_max_ms = 400;
    return o;
}

/* n identities and a configuration pinning them, every party on 127.0.0.1 port 0. */
static inline stoffel_net_config *test_config(uint32_t n, stoffel_net_identity **ids)
{
    stoffel_net_config *cfg = NULL;
    if (stoffel_net_config_new(n, &cfg))
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
        if (stoffel_net_identity_generate(NULL, &ids[i]))
            return NULL;
        stoffel_net_identity_fingerprint(ids[i], fp);
        stoffel_net_config_set_party(cfg, i, "127.0.0.1", 0, fp);
    }
    return cfg;
}

/* Creates QUIC endpoints for all n parties on base (ports chosen by the OS), tells every endpoint
 * the others' ports, and starts them. Returns 0 on success. */
static inline int test_quic_mesh(struct event_base *base, stoffel_net_config *cfg,
                                 stoffel_net_identity **ids, uint32_t n,
                                 const stoffel_net_options *o, stoffel_net **nets)
{
    char err[512];
    for (uint32_t i = 0; i < n; i++) {
        int rc = stoffel_net_quic_party_new(base, cfg, i, ids[i], o, &nets[i], err, sizeof err);
        if (rc) {
            fprintf(stderr, "party %u: %s\n", i, err);
            return rc;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        uint16_t port = stoffel_net_local_port(nets[i]);
        stoffel_net_config_set_party(cfg, i, "127.0.0.1", port, NULL);
        for (uint32_t j = 0; j < n; j++)
            stoffel_net_set_party_address(nets[j], i, "127.0.0.1", port);
    }
    for (uint32_t i = 0; i < n; i++)
        stoffel_net_start(nets[i]);
    return 0;
}

/* Runs base until every endpoint is connected or timeout. */
static inline int test_wait_all(stoffel_net **nets, uint32_t n, int timeout_ms)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = stoffel_net_wait_connected(nets[i], timeout_ms);
        if (rc) {
            fprintf(stderr, "party %u: %s\n", i, stoffel_net_last_error(nets[i]));
            return rc;
        }
    }
    return 0;
}

/* Message collector for the callback API: checks per-sender order of 8-byte sequence numbers. */
typedef struct collector {
    uint32_t n;
    uint64_t next_seq[MAX_TEST_PARTIES]; /* expected next sequence number per sender party */
    uint64_t received;
    uint64_t out_of_order;
    uint64_t bad_size;
    size_t expect_len;
} collector;

static inline void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static inline void collector_on_message(void *user, const stoffel_net_peer *from,
                                        const uint8_t *data, size_t len)
{
    collector *c = user;
    c->received++;
    if (len != c->expect_len || len < 8 || from->kind != STOFFEL_NET_PEER_PARTY ||
        from->party_id >= MAX_TEST_PARTIES) {
        c->bad_size++;
        return;
    }
    uint64_t seq = get_u64(data);
    if (seq != c->next_seq[from->party_id])
        c->out_of_order++;
    c->next_seq[from->party_id] = seq + 1;
}

#endif
