/*
 * test_mem.c - the in-memory transport has the QUIC transport's semantics: ordered delivery per
 * sender in 3- and 5-party meshes (10^4 messages per pair), broadcast including self, a 64 MiB
 * message, size limit, clients, queued delivery to a party that starts late, connection states,
 * and the timeout of waiting for a party that never comes up.
 */
#include "net_test_util.h"

static void test_mesh(uint32_t n, uint64_t per_pair)
{
    /* the QUIC-suited base (precise timers) carries the mesh: it is an ordinary libevent base */
    struct event_base *base = stoffel_net_event_base_new();
    CHECK(base != NULL);
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *nets[MAX_TEST_PARTIES] = {0};
    collector col[MAX_TEST_PARTIES];
    memset(col, 0, sizeof col);
    CHECK_EQ_INT(stoffel_net_mem_hub_new(n, &hub), 0);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, i, NULL, &nets[i]), 0);
        col[i].expect_len = 16;
        stoffel_net_set_callbacks(nets[i], collector_on_message, NULL, &col[i]);
    }
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 0, NULL, &nets[n]), STOFFEL_ERR_STATE);
    for (uint32_t i = 0; i < n; i++)
        CHECK_EQ_INT(stoffel_net_start(nets[i]), 0);
    CHECK_EQ_INT(stoffel_net_start(nets[0]), STOFFEL_ERR_STATE);
    for (uint32_t i = 0; i < n; i++)
        CHECK_EQ_INT(stoffel_net_wait_connected(nets[i], 1000), 0);
    uint8_t msg[16] = {0};
    for (uint64_t s = 0; s < per_pair; s++) {
        put_u64(msg, s);
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++)
                if (i != j)
                    CHECK_EQ_INT(stoffel_net_send(nets[i], j, msg, sizeof msg), 0);
    }
    for (uint32_t i = 0; i < n; i++)
        col[i].next_seq[i] = per_pair;
    put_u64(msg, per_pair);
    for (uint32_t i = 0; i < n; i++)
        CHECK_EQ_INT(stoffel_net_broadcast(nets[i], msg, sizeof msg), 0);
    /* Nothing is delivered inside send: only the event loop delivers. */
    CHECK_EQ_INT(col[0].received, 0);
    CHECK_EQ_INT(stoffel_net_flush(nets[0], 5000), 0);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ_INT(col[i].received, per_pair * (n - 1) + n);
        CHECK_EQ_INT(col[i].out_of_order, 0);
        CHECK_EQ_INT(col[i].bad_size, 0);
        for (uint32_t j = 0; j < n; j++)
            CHECK_EQ_INT(col[i].next_seq[j], per_pair + 1);
    }
    for (uint32_t i = 0; i < n; i++)
        stoffel_net_free(nets[i]);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
}

typedef struct states {
    int connected[4], lost[4];
} states;

static void on_state(void *user, const stoffel_net_peer *p, stoffel_net_state st, int status)
{
    states *s = user;
    if (p->kind != STOFFEL_NET_PEER_PARTY || p->party_id >= 4)
        return;
    if (st == STOFFEL_NET_STATE_CONNECTED)
        s->connected[p->party_id]++;
    if (st == STOFFEL_NET_STATE_LOST)
        s->lost[p->party_id]++;
}

static void test_semantics(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *a = NULL, *b = NULL, *c = NULL;
    CHECK_EQ_INT(stoffel_net_mem_hub_new(2, &hub), 0);
    stoffel_net_options o = test_options();
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 0, &o, &a), 0);
    states sa = {0};
    stoffel_net_set_callbacks(a, NULL, on_state, &sa);
    CHECK_EQ_INT(stoffel_net_start(a), 0);
    /* Party 1 never comes up: a bounded wait. */
    CHECK_EQ_INT(stoffel_net_wait_connected(a, 200), STOFFEL_ERR_TIMEOUT);
    CHECK(strstr(stoffel_net_last_error(a), "party 1 not connected within 200 ms") != NULL);
    CHECK_EQ_INT(stoffel_net_party_state(a, 1), STOFFEL_NET_STATE_CONNECTING);
    /* Messages to a party that is not up yet wait for it. */
    CHECK_EQ_INT(stoffel_net_send(a, 1, (const uint8_t *)"early", 5), 0);
    CHECK_EQ_INT(stoffel_net_send(a, 2, (const uint8_t *)"x", 1), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 1, &o, &b), 0);
    CHECK_EQ_INT(stoffel_net_start(b), 0);
    CHECK_EQ_INT(sa.connected[1], 1);
    uint8_t *d = NULL;
    size_t l = 0;
    stoffel_net_peer from;
    CHECK_EQ_INT(stoffel_net_recv(b, 1000, &from, &d, &l), 0);
    CHECK_EQ_INT(l, 5);
    CHECK(memcmp(d, "early", 5) == 0);
    CHECK_EQ_INT(from.party_id, 0);
    stoffel_net_buffer_free(d);
    /* Self-delivery through the loop, with the sender's id. */
    CHECK_EQ_INT(stoffel_net_send(b, 1, (const uint8_t *)"me", 2), 0);
    CHECK_EQ_INT(stoffel_net_recv(b, 1000, &from, &d, &l), 0);
    CHECK_EQ_INT(from.party_id, 1);
    CHECK_EQ_INT(l, 2);
    stoffel_net_buffer_free(d);
    /* A 64 MiB message; one byte more is refused locally. */
    size_t big_len = STOFFEL_NET_DEFAULT_MAX_MESSAGE_BYTES;
    uint8_t *big = malloc(big_len + 1);
    for (size_t i = 0; i < big_len + 1; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 24);
    CHECK_EQ_INT(stoffel_net_send(a, 1, big, big_len + 1), STOFFEL_ERR_LIMIT);
    CHECK(strstr(stoffel_net_last_error(a), "exceeds the maximum") != NULL);
    CHECK_EQ_INT(stoffel_net_send(a, 1, big, big_len), 0);
    CHECK_EQ_INT(stoffel_net_recv(b, 1000, &from, &d, &l), 0);
    CHECK_EQ_INT(l, big_len);
    CHECK(memcmp(d, big, big_len) == 0);
    stoffel_net_buffer_free(d);
    free(big);
    /* Clients. */
    uint8_t key[32] = {9};
    CHECK_EQ_INT(stoffel_net_mem_client_new(hub, base, key, &o, &c), 0);
    CHECK_EQ_INT(stoffel_net_start(c), 0);
    CHECK_EQ_INT(stoffel_net_wait_connected(c, 100), 0);
    CHECK_EQ_INT(stoffel_net_broadcast(c, (const uint8_t *)"in", 2), 0);
    CHECK_EQ_INT(stoffel_net_recv(a, 1000, &from, &d, &l), 0);
    CHECK_EQ_INT(from.kind, STOFFEL_NET_PEER_CLIENT);
    CHECK(from.key[0] == 9);
    stoffel_net_buffer_free(d);
    CHECK_EQ_INT(stoffel_net_recv(b, 1000, &from, &d, &l), 0);
    stoffel_net_buffer_free(d);
    CHECK_EQ_INT(stoffel_net_send_client(a, key, (const uint8_t *)"out", 3), 0);
    CHECK_EQ_INT(stoffel_net_recv(c, 1000, &from, &d, &l), 0);
    CHECK_EQ_INT(from.kind, STOFFEL_NET_PEER_PARTY);
    CHECK_EQ_INT(l, 3);
    stoffel_net_buffer_free(d);
    uint8_t other[32] = {1};
    CHECK_EQ_INT(stoffel_net_send_client(a, other, (const uint8_t *)"x", 1), STOFFEL_ERR_NOT_FOUND);
    CHECK_EQ_INT(stoffel_net_send_client(c, key, (const uint8_t *)"x", 1), STOFFEL_ERR_STATE);
    /* recv is refused while a message callback is set. */
    stoffel_net_set_callbacks(c, collector_on_message, NULL, NULL);
    CHECK_EQ_INT(stoffel_net_recv(c, 0, &from, &d, &l), STOFFEL_ERR_STATE);
    /* Party 1 goes away: party 0 sees LOST; a new party 1 reconnects. */
    stoffel_net_free(b);
    CHECK_EQ_INT(sa.lost[1], 1);
    CHECK_EQ_INT(stoffel_net_party_state(a, 1), STOFFEL_NET_STATE_LOST);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 1, &o, &b), 0);
    CHECK_EQ_INT(stoffel_net_start(b), 0);
    CHECK_EQ_INT(sa.connected[1], 2);
    /* A graceful close: CLOSING then CLOSED locally, LOST at the peer, sends refused. */
    states sb = {0};
    stoffel_net_set_callbacks(b, NULL, on_state, &sb);
    CHECK_EQ_INT(stoffel_net_close(a, 1000), 0);
    CHECK_EQ_INT(stoffel_net_party_state(a, 1), STOFFEL_NET_STATE_CLOSED);
    CHECK_EQ_INT(sb.lost[0], 1);
    CHECK_EQ_INT(stoffel_net_send(a, 1, (const uint8_t *)"x", 1), STOFFEL_NET_ERR_CLOSED);
    stoffel_net_free(c);
    stoffel_net_free(a);
    stoffel_net_free(b);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
}

int main(void)
{
    test_mesh(3, 10000);
    test_mesh(5, 10000);
    test_semantics();
    return test_finish();
}
