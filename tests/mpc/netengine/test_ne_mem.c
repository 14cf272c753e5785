/*
 * test_ne_mem.c - in-process tests of the networked engine over libstoffelnet's in-memory
 * transport (one thread, one event base): configuration errors, a one-party session running
 * preprocessing, multiplications, openings and a comparison through the real protocols, waits that
 * time out within their bound naming the silent parties, and frames that the driver must refuse
 * (garbage, a forged sender, another session).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <stoffel/mpc.h>
#include <stoffel/net.h>

#include "../../test_util.h"
#include "ne_test_util.h"
#include "wire.h"

static stoffel_mpc_net_config config(uint32_t n, uint32_t t)
{
    stoffel_mpc_net_config c;
    stoffel_mpc_net_config_defaults(&c);
    c.n = n;
    c.t = t;
    c.field = STOFFEL_MPC_FIELD_P128;
    c.session_id = 42;
    c.timeout_ms = 300;
    return c;
}

static void test_config_errors(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *p0 = NULL, *cl = NULL;
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN] = {1, 2, 3};
    CHECK_EQ_INT(stoffel_net_mem_hub_new(3, &hub), 0);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 0, NULL, &p0), 0);
    CHECK_EQ_INT(stoffel_net_mem_client_new(hub, base, key, NULL, &cl), 0);
    stoffel_mpc_engine *e = NULL;
    char err[256] = "";
    stoffel_mpc_net_config c = config(3, 2);
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, p0, &e, err, sizeof err), STOFFEL_MPC_ERR_BOUND);
    CHECK_MSG(strstr(err, "2t+1") != NULL, "%s", err);
    c = config(4, 1);
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, p0, &e, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err, "make them agree") != NULL, "%s", err);
    c = config(3, 1);
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, cl, &e, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err, "client endpoint") != NULL, "%s", err);
    c.struct_size = 4;
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, p0, &e, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    c = config(3, 1);
    c.security = STOFFEL_MPC_ROBUST;
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, p0, &e, err, sizeof err), STOFFEL_MPC_ERR_BOUND);
    CHECK_MSG(strstr(err, "3t+1") != NULL, "%s", err);
    stoffel_mpc_client *client = NULL;
    c = config(3, 1);
    CHECK_EQ_INT(stoffel_mpc_client_new(&c, base, p0, key, &client, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err, "party endpoint") != NULL, "%s", err);
    CHECK(e == NULL && client == NULL);
    CHECK_EQ_INT(stoffel_mpc_client_id_from_key(key), 0x030201);
    /* the simulated engine has no networked entry points */
    stoffel_mpc_sim_config sc;
    stoffel_mpc_sim_config_defaults(&sc);
    stoffel_mpc_engine *S = NULL;
    CHECK_EQ_INT(stoffel_mpc_engine_new_simulated(&sc, &S, NULL, 0), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_net_preprocess(S, 1, 1), STOFFEL_ERR_UNSUPPORTED);
    CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(S, 1, 10), STOFFEL_ERR_UNSUPPORTED);
    stoffel_mpc_engine_free(S);
    stoffel_net_free(cl);
    stoffel_net_free(p0);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
}

/* n = 1, t = 0: the whole protocol stack with a single party; the products are checkable in clear. */
static void test_single_party(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *p0 = NULL;
    CHECK_EQ_INT(stoffel_net_mem_hub_new(1, &hub), 0);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 0, NULL, &p0), 0);
    CHECK_EQ_INT(stoffel_net_start(p0), 0);
    stoffel_mpc_net_config c = config(1, 0);
    c.timeout_ms = 5000;
    stoffel_mpc_engine *E = NULL;
    char err[256] = "";
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, p0, &E, err, sizeof err), 0);
    if (!E)
        goto out;
    CHECK_EQ_STR(stoffel_mpc_engine_protocol_name(E), "honeybadger-mpc (networked)");
    CHECK_EQ_INT(stoffel_mpc_engine_share_size(E), 16);
    enum { N = 1000 };
    const stoffel_mpc_field *F = stoffel_mpc_engine_field(E);
    size_t es = 16;
    uint8_t *x = malloc(N * es), *y = malloc(N * es), *X = malloc(N * es), *Y = malloc(N * es), *Z = malloc(N * es),
            *R = malloc(N * es), *o = malloc(2 * N * es);
    CHECK_EQ_INT(stoffel_mpc_engine_net_preprocess(E, N, N), 0);
    for (int k = 0; k < N; k++) {
        stoffel_mpc_field_from_i64(F, k - 500, x + k * es);
        stoffel_mpc_field_from_i64(F, 3 * k + 1, y + k * es);
    }
    stoffel_mpc_request rnd = {.kind = STOFFEL_MPC_OP_RANDOM, .count = N, .out = R};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(E, &rnd, 1), 0);
    /* [X] = x + [r] - [r] as a sharing that went through the random pool */
    CHECK_EQ_INT(stoffel_mpc_engine_add_public(E, R, x, X, N), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_sub(E, X, R, X, N), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_share_public(E, y, Y, N), 0);
    stoffel_mpc_request b[2] = {{.kind = STOFFEL_MPC_OP_MUL, .count = N, .a = X, .b = Y, .out = Z},
                                {.kind = STOFFEL_MPC_OP_OPEN, .count = N, .a = X, .out = o + N * es}};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(E, b, 2), 0);
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = N, .a = Z, .out = o};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(E, &op, 1), 0);
    int bad = 0;
    for (int k = 0; k < N; k++) {
        int64_t v, w;
        int fits;
        stoffel_mpc_field_to_i64(F, o + k * es, &v, &fits);
        stoffel_mpc_field_to_i64(F, o + (N + k) * es, &w, &fits);
        bad += v != (int64_t)(k - 500) * (3 * k + 1) || w != k - 500;
    }
    CHECK_EQ_INT(bad, 0);
    /* a nonlinear kind runs over the engine's own primitives: (k - 500) < 3k + 1 */
    uint8_t *lt = malloc(N * es);
    stoffel_mpc_request cmp = {.kind = STOFFEL_MPC_OP_LT, .count = 64, .a = X, .b = Y, .out = lt, .bits = 32, .is_signed = 1};
    int rc = stoffel_mpc_engine_execute(E, &cmp, 1);
    CHECK_MSG(rc == 0, "LT: %s", stoffel_mpc_engine_last_error(E));
    stoffel_mpc_request op2 = {.kind = STOFFEL_MPC_OP_OPEN, .count = 64, .a = lt, .out = o};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(E, &op2, 1), 0);
    bad = 0;
    for (int k = 0; k < 64 && rc == 0; k++) {
        int64_t v;
        int fits;
        stoffel_mpc_field_to_i64(F, o + k * es, &v, &fits);
        bad += v != 1;
    }
    CHECK_EQ_INT(bad, 0);
    stoffel_mpc_stats st = {.struct_size = sizeof st};
    CHECK_EQ_INT(stoffel_mpc_engine_get_stats(E, &st), 0);
    CHECK(st.multiplications >= N);
    CHECK(st.openings >= 2 * N);
    CHECK(st.comparisons == 64);
    /* a value that is not a field element */
    memset(x, 0xff, es);
    CHECK_EQ_INT(stoffel_mpc_engine_share_public(E, x, X, 1), STOFFEL_MPC_ERR_NOT_IN_FIELD);
    free(lt);
    free(x);
    free(y);
    free(X);
    free(Y);
    free(Z);
    free(R);
    free(o);
    stoffel_mpc_engine_free(E);
out:
    stoffel_net_free(p0);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
}

/* Parties 1 and 2 never run an engine: preprocessing must fail within its bound and say who. */
static void test_timeout_names_parties(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *p0 = NULL;
    CHECK_EQ_INT(stoffel_net_mem_hub_new(3, &hub), 0);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 0, NULL, &p0), 0);
    CHECK_EQ_INT(stoffel_net_start(p0), 0);
    stoffel_mpc_net_config c = config(3, 1);
    stoffel_mpc_engine *E = NULL;
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, p0, &E, NULL, 0), 0);
    if (E) {
        uint8_t a[16] = {5}, out[16];
        stoffel_mpc_request m = {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = a, .b = a, .out = out};
        double t0 = ne_now_s();
        CHECK_EQ_INT(stoffel_mpc_engine_execute(E, &m, 1), STOFFEL_ERR_TIMEOUT);
        double dt = ne_now_s() - t0;
        CHECK_MSG(dt >= 0.25 && dt < 3.0, "the wait took %.2f s with a 300 ms bound", dt);
        const char *msg = stoffel_mpc_engine_last_error(E);
        CHECK_MSG(strstr(msg, "nothing arrived from parties 1, 2") != NULL, "%s", msg);
        CHECK_MSG(strstr(msg, "preprocessing") != NULL, "%s", msg);
        /* accept_inputs with no client: a bounded wait too */
        t0 = ne_now_s();
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 200), STOFFEL_ERR_TIMEOUT);
        CHECK(ne_now_s() - t0 < 3.0);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "served 0 of 1 clients") != NULL, "%s",
                  stoffel_mpc_engine_last_error(E));
        stoffel_mpc_engine_free(E);
    }
    stoffel_net_free(p0);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
}

static void send_raw_to(stoffel_net *from, uint64_t session, uint8_t role, uint64_t id, uint64_t instance,
                        uint32_t round)
{
    uint8_t payload[8] = {3};
    mpc_envelope env = {MPC_PROTO_INPUT, session, instance, round, {role, id}, payload, sizeof payload};
    uint8_t *buf;
    size_t len;
    CHECK_EQ_INT(wire_encode(&env, &buf, &len), 0);
    CHECK_EQ_INT(stoffel_net_broadcast(from, buf, len), 0);
    free(buf);
}

static void send_raw(stoffel_net *from, uint64_t session, uint8_t role, uint64_t id, uint32_t round)
{
    send_raw_to(from, session, role, id, 0, round);
}

/* A raw client endpoint sends frames the driver must refuse; the party's timeout says why. */
static void test_rejected_frames(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *p0 = NULL, *cl = NULL;
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN] = {9, 9, 9, 9};
    CHECK_EQ_INT(stoffel_net_mem_hub_new(1, &hub), 0);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 0, NULL, &p0), 0);
    CHECK_EQ_INT(stoffel_net_mem_client_new(hub, base, key, NULL, &cl), 0);
    CHECK_EQ_INT(stoffel_net_start(p0), 0);
    CHECK_EQ_INT(stoffel_net_start(cl), 0);
    stoffel_mpc_net_config c = config(1, 0);
    stoffel_mpc_engine *E = NULL;
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, p0, &E, NULL, 0), 0);
    if (E) {
        uint64_t me = stoffel_mpc_client_id_from_key(key);
        /* garbage */
        const uint8_t junk[] = {0x98, 0x01, 0xff, 0x00};
        CHECK_EQ_INT(stoffel_net_broadcast(cl, junk, sizeof junk), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 150), STOFFEL_ERR_TIMEOUT);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "message envelope") != NULL, "%s",
                  stoffel_mpc_engine_last_error(E));
        /* an input request in the name of another client */
        send_raw(cl, 42, MPC_ROLE_CLIENT, me + 1, 1);
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 150), STOFFEL_ERR_TIMEOUT);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "claims to come from client") != NULL, "%s",
                  stoffel_mpc_engine_last_error(E));
        /* claiming to be a party */
        send_raw(cl, 42, MPC_ROLE_PARTY, 0, 1);
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 150), STOFFEL_ERR_TIMEOUT);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "claims to come from party 0") != NULL, "%s",
                  stoffel_mpc_engine_last_error(E));
        /* another session */
        send_raw(cl, 43, MPC_ROLE_CLIENT, me, 1);
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 150), STOFFEL_ERR_TIMEOUT);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "another session") != NULL, "%s",
                  stoffel_mpc_engine_last_error(E));
        /* a client flooding frames for instances that do not exist yet fills only its share of
         * the early-frame buffer */
        for (int k = 0; k < 300; k++)
            send_raw_to(cl, 42, MPC_ROLE_CLIENT, me, 1000 + (uint64_t)k, 1);
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 150), STOFFEL_ERR_TIMEOUT);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "too many frames from clients") != NULL, "%s",
                  stoffel_mpc_engine_last_error(E));
        CHECK_EQ_INT(stoffel_mpc_engine_client_count(E), 0);
        /* a second certificate whose fingerprint starts like the first (same client id) must not
         * be able to speak for that client */
        uint8_t key2[STOFFEL_NET_FINGERPRINT_LEN] = {9, 9, 9, 9};
        key2[20] = 1;
        stoffel_net *cl2 = NULL;
        CHECK_EQ_INT(stoffel_net_mem_client_new(hub, base, key2, NULL, &cl2), 0);
        CHECK_EQ_INT(stoffel_net_start(cl2), 0);
        send_raw(cl, 42, MPC_ROLE_CLIENT, me, 1);  /* the real client asks to give input */
        send_raw(cl2, 42, MPC_ROLE_CLIENT, me, 1); /* the impostor */
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 150), STOFFEL_ERR_TIMEOUT);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "another certificate already speaks for this client id") != NULL,
                  "%s", stoffel_mpc_engine_last_error(E));
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "never sent its masked input") != NULL, "%s",
                  stoffel_mpc_engine_last_error(E));
        stoffel_mpc_engine_free(E);
        stoffel_net_free(cl2);
    }
    stoffel_net_free(cl);
    stoffel_net_free(p0);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
}

/* The foreign handler sees a frame that starts with its own marker and keeps it; everything
 * else still reaches the engine's driver (which then complains about the garbage). */
typedef struct {
    int kept;
    size_t len;
    uint8_t first;
} foreign_seen;

static int keep_marked(void *user, const stoffel_net_peer *peer, const uint8_t *data, size_t len)
{
    foreign_seen *seen = user;
    if (peer->kind != STOFFEL_NET_PEER_CLIENT || len == 0 || data[0] != 0xEE)
        return 0;
    seen->kept++;
    seen->len = len;
    seen->first = data[len - 1];
    return 1;
}

static void test_foreign_frames(void)
{
    struct event_base *base = event_base_new();
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *p0 = NULL, *cl = NULL;
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN] = {7, 7, 7};
    CHECK_EQ_INT(stoffel_net_mem_hub_new(1, &hub), 0);
    CHECK_EQ_INT(stoffel_net_mem_party_new(hub, base, 0, NULL, &p0), 0);
    CHECK_EQ_INT(stoffel_net_mem_client_new(hub, base, key, NULL, &cl), 0);
    CHECK_EQ_INT(stoffel_net_start(p0), 0);
    CHECK_EQ_INT(stoffel_net_start(cl), 0);
    stoffel_mpc_net_config c = config(1, 0);
    stoffel_mpc_engine *E = NULL;
    CHECK_EQ_INT(stoffel_mpc_engine_new_networked(&c, base, p0, &E, NULL, 0), 0);
    if (E) {
        CHECK_EQ_INT(stoffel_mpc_engine_net_set_foreign_handler(NULL, keep_marked, NULL), STOFFEL_ERR_INVALID_ARG);
        foreign_seen seen = {0};
        CHECK_EQ_INT(stoffel_mpc_engine_net_set_foreign_handler(E, keep_marked, &seen), 0);
        const uint8_t mine[] = {0xEE, 1, 2, 42};
        CHECK_EQ_INT(stoffel_net_broadcast(cl, mine, sizeof mine), 0);
        const uint8_t junk[] = {0x98, 0x01, 0xff, 0x00};
        CHECK_EQ_INT(stoffel_net_broadcast(cl, junk, sizeof junk), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 150), STOFFEL_ERR_TIMEOUT);
        CHECK_EQ_INT(seen.kept, 1);
        CHECK_EQ_INT((int)seen.len, 4);
        CHECK_EQ_INT(seen.first, 42);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(E), "message envelope") != NULL, "%s",
                  stoffel_mpc_engine_last_error(E));
        /* removed: the marked frame goes to the driver again, which refuses it */
        CHECK_EQ_INT(stoffel_mpc_engine_net_set_foreign_handler(E, NULL, NULL), 0);
        CHECK_EQ_INT(stoffel_net_broadcast(cl, mine, sizeof mine), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_net_accept_inputs(E, 1, 150), STOFFEL_ERR_TIMEOUT);
        CHECK_EQ_INT(seen.kept, 1);
        stoffel_mpc_engine_free(E);
    }
    /* a simulated engine has no endpoint */
    stoffel_mpc_engine *S = NULL;
    stoffel_mpc_sim_config sc;
    stoffel_mpc_sim_config_defaults(&sc);
    CHECK_EQ_INT(stoffel_mpc_engine_new_simulated(&sc, &S, NULL, 0), 0);
    if (S) {
        CHECK_EQ_INT(stoffel_mpc_engine_net_set_foreign_handler(S, keep_marked, NULL), STOFFEL_ERR_UNSUPPORTED);
        stoffel_mpc_engine_free(S);
    }
    stoffel_net_free(cl);
    stoffel_net_free(p0);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
}

int main(void)
{
    test_config_errors();
    test_single_party();
    test_timeout_names_parties();
    test_rejected_frames();
    test_foreign_frames();
    return test_finish();
}
