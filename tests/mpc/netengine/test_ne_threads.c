/*
 * test_ne_threads.c - the networked engine with three parties and two clients in ONE process:
 * each party is a thread with its own event base and QUIC endpoint on 127.0.0.1 (the in-memory
 * transport needs all endpoints on one thread, which blocking engines cannot share), the clients
 * run on the main thread. Checks exact results: squares of masked secrets, and the clients'
 * outputs computed from their inputs.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <flint/flint.h>

#include "../../test_util.h"
#include "ne_test_util.h"

#define N 3
#define M 1000

static char dir[64];
static atomic_int parties_done;

typedef struct {
    uint32_t id;
    int failed;
    char why[300];
} party_arg;

#define PTRY(what, call)                                                                           \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_) {                                                                                 \
            snprintf(a->why, sizeof a->why, "%s: %s", what, stoffel_mpc_engine_last_error(E));     \
            a->failed = 1;                                                                         \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

static void *party_thread(void *p)
{
    party_arg *a = p;
    stoffel_net_config *ncfg = NULL;
    stoffel_net_identity *ident = NULL;
    stoffel_net *net = NULL;
    stoffel_mpc_engine *E = NULL;
    struct event_base *base = event_base_new();
    uint8_t *x = NULL, *X = NULL, *R = NULL, *Z = NULL, *o = NULL;
    char err[256] = "";
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.field = STOFFEL_MPC_FIELD_P128;
    cfg.session_id = NE_SESSION;
    cfg.timeout_ms = 60000;
    if (ne_load(dir, "p", a->id, &ncfg, &ident) ||
        stoffel_net_quic_party_new(base, ncfg, a->id, ident, NULL, &net, err, sizeof err) ||
        stoffel_mpc_engine_new_networked(&cfg, base, net, &E, err, sizeof err) || stoffel_net_start(net)) {
        snprintf(a->why, sizeof a->why, "setup: %s", err);
        a->failed = 1;
        goto out;
    }
    const stoffel_mpc_field *F = stoffel_mpc_engine_field(E);
    size_t es = stoffel_mpc_field_elem_size(F), ss = stoffel_mpc_engine_share_size(E);
    x = malloc(M * es);
    X = malloc(M * ss);
    R = malloc(M * ss);
    Z = malloc(M * ss);
    o = malloc(M * es);
    for (int k = 0; k < M; k++)
        stoffel_mpc_field_from_i64(F, k - 300, x + k * es);
    PTRY("preprocess", stoffel_mpc_engine_net_preprocess(E, M, M));
    stoffel_mpc_request rnd = {.kind = STOFFEL_MPC_OP_RANDOM, .count = M, .out = R};
    PTRY("random", stoffel_mpc_engine_execute(E, &rnd, 1));
    PTRY("add_public", stoffel_mpc_engine_add_public(E, R, x, X, M));
    PTRY("sub", stoffel_mpc_engine_sub(E, X, R, X, M));
    stoffel_mpc_request mul = {.kind = STOFFEL_MPC_OP_MUL, .count = M, .a = X, .b = X, .out = Z};
    PTRY("mul", stoffel_mpc_engine_execute(E, &mul, 1));
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = M, .a = Z, .out = o};
    PTRY("open", stoffel_mpc_engine_execute(E, &op, 1));
    for (int k = 0; k < M; k++) {
        int64_t v;
        int fits;
        stoffel_mpc_field_to_i64(F, o + k * es, &v, &fits);
        if (v != (int64_t)(k - 300) * (k - 300)) {
            snprintf(a->why, sizeof a->why, "square %d is %lld", k, (long long)v);
            a->failed = 1;
            goto out;
        }
    }
    /* two clients: both receive [c0[0] + c1[0], c0[1] * c1[1]] */
    PTRY("accept_inputs", stoffel_mpc_engine_net_accept_inputs(E, 2, 60000));
    uint8_t in[2][2][64], res[2 * 64];
    uint64_t ids[2];
    for (size_t c = 0; c < 2; c++) {
        PTRY("client_id", stoffel_mpc_engine_client_id(E, c, &ids[c]));
        for (size_t k = 0; k < 2; k++)
            PTRY("input_get", stoffel_mpc_engine_client_input_get(E, c, k, in[c][k]));
    }
    PTRY("add", stoffel_mpc_engine_add(E, in[0][0], in[1][0], res, 1));
    stoffel_mpc_request m2 = {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = in[0][1], .b = in[1][1], .out = res + ss};
    PTRY("mul", stoffel_mpc_engine_execute(E, &m2, 1));
    stoffel_mpc_request outs[2] = {{.kind = STOFFEL_MPC_OP_OUTPUT, .count = 2, .a = res, .client_id = ids[0]},
                                   {.kind = STOFFEL_MPC_OP_OUTPUT, .count = 2, .a = res, .client_id = ids[1]}};
    PTRY("output", stoffel_mpc_engine_execute(E, outs, 2));
    PTRY("serve_outputs", stoffel_mpc_engine_net_serve_outputs(E, 60000));
    stoffel_net_flush(net, 5000);
    struct timeval linger = {0, 300000};
    event_base_loopexit(base, &linger);
    event_base_dispatch(base);
out:
    free(x);
    free(X);
    free(R);
    free(Z);
    free(o);
    stoffel_mpc_engine_free(E);
    stoffel_net_free(net);
    stoffel_net_identity_free(ident);
    stoffel_net_config_free(ncfg);
    event_base_free(base);
    flint_cleanup(); /* FLINT keeps per-thread caches (the field code uses it); release this thread's */
    atomic_fetch_add(&parties_done, 1);
    return NULL;
}

int main(void)
{
    if (ne_write_network(dir, N, 2))
        return 1;
    pthread_t th[N];
    party_arg args[N];
    for (uint32_t i = 0; i < N; i++) {
        args[i] = (party_arg){.id = i};
        pthread_create(&th[i], NULL, party_thread, &args[i]);
    }
    struct event_base *base = event_base_new();
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.field = STOFFEL_MPC_FIELD_P128;
    cfg.session_id = NE_SESSION;
    stoffel_net_config *ncfg[2] = {0};
    stoffel_net_identity *ident[2] = {0};
    stoffel_net *net[2] = {0};
    stoffel_mpc_client *cl[2] = {0};
    stoffel_mpc_field *F = NULL;
    stoffel_mpc_field_new(STOFFEL_MPC_FIELD_P128, &F);
    const int64_t inputs[2][2] = {{3, 4}, {5, 6}};
    for (uint32_t j = 0; j < 2; j++) {
        char err[256] = "";
        uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
        CHECK_EQ_INT(ne_load(dir, "c", j, &ncfg[j], &ident[j]), 0);
        CHECK_EQ_INT(stoffel_net_quic_client_new(base, ncfg[j], ident[j], NULL, &net[j], err, sizeof err), 0);
        stoffel_net_identity_fingerprint(ident[j], key);
        CHECK_EQ_INT(stoffel_mpc_client_new(&cfg, base, net[j], key, &cl[j], err, sizeof err), 0);
        CHECK_EQ_INT(stoffel_net_start(net[j]), 0);
    }
    for (uint32_t j = 0; j < 2 && cl[0] && cl[1]; j++) {
        uint8_t v[2 * 16];
        for (int k = 0; k < 2; k++)
            stoffel_mpc_field_from_i64(F, inputs[j][k], v + k * 16);
        int rc = stoffel_mpc_client_input(cl[j], v, 2, 60000);
        CHECK_MSG(rc == 0, "client %u input: %s", j, stoffel_mpc_client_last_error(cl[j]));
    }
    for (uint32_t j = 0; j < 2 && cl[0] && cl[1]; j++) {
        uint8_t got[2 * 16];
        int rc = stoffel_mpc_client_fetch_outputs(cl[j], got, 2, 60000);
        CHECK_MSG(rc == 0, "client %u fetch: %s", j, stoffel_mpc_client_last_error(cl[j]));
        int64_t v;
        int fits;
        stoffel_mpc_field_to_i64(F, got, &v, &fits);
        CHECK_EQ_INT(v, 3 + 5);
        stoffel_mpc_field_to_i64(F, got + 16, &v, &fits);
        CHECK_EQ_INT(v, 4 * 6);
    }
    /* keep acknowledging what the parties still send until they are done */
    double end = ne_now_s() + 120;
    while (atomic_load(&parties_done) < N && ne_now_s() < end) {
        struct timeval tv = {0, 20000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
    }
    for (uint32_t i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_MSG(!args[i].failed, "party %u: %s", i, args[i].why);
    }
    for (uint32_t j = 0; j < 2; j++) {
        stoffel_mpc_client_free(cl[j]);
        stoffel_net_free(net[j]);
        stoffel_net_identity_free(ident[j]);
        stoffel_net_config_free(ncfg[j]);
    }
    stoffel_mpc_field_free(F);
    event_base_free(base);
    ne_cleanup(dir, N, 2);
    return test_finish();
}
