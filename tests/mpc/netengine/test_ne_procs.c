/*
 * test_ne_procs.c - the networked MPC engine among party PROCESSES over QUIC on 127.0.0.1
 * (ne_party helpers), checked against the simulator for the same inputs.
 *   mul N T FIELD SECURITY COUNT   preprocessing, COUNT multiplications in one batch, openings and
 *                                  a chain of dependent multiplications, 32 comparisons; every
 *                                  party must open the same values, the simulator must compute the
 *                                  same products and the comparisons must match the clear inputs.
 *   clients N T FIELD SECURITY     two clients (this process) give 3 inputs each with the mask
 *                                  protocol and fetch their outputs; compared with the clear
 *                                  values and with the simulated engine's clients.
 *   crash N T FIELD SECURITY       the last party leaves once connected; every other party's
 *                                  preprocessing must time out naming it (checked by the helpers).
 *   crash_online N T FIELD robust  the last party leaves after preprocessing; the others' online
 *                                  multiplications must complete without it (checked by the helpers).
 *   badclient N T FIELD SECURITY   a client (this process, speaking the wire protocol itself) sends
 *                                  each party a different masked value; every party must refuse it.
 * Usage: test_ne_procs HELPER MODE N T FIELD SECURITY [COUNT]
 */
#include "../../test_util.h"
#include "ne_test_util.h"
#include "netengine/net_driver.h"

#define CHAIN 20
#define CHAIN_WIDTH 16
#define CMP_WIDTH 32

static char dir[64];
static const char *helper;

static int spawn_parties(pid_t *pids, uint32_t n, char **argv, const char *mode, const char *count)
{
    for (uint32_t i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "%u", i);
        pid_t pid = fork();
        if (pid == 0) {
            execl(helper, helper, dir, id, argv[3], argv[4], argv[5], argv[6], mode, count, (char *)NULL);
            _exit(127);
        }
        if (pid < 0)
            return -1;
        pids[i] = pid;
    }
    return 0;
}

static stoffel_mpc_engine *new_sim(uint32_t n, uint32_t t, stoffel_mpc_field_id fid, stoffel_mpc_security sec)
{
    stoffel_mpc_sim_config sc;
    stoffel_mpc_sim_config_defaults(&sc);
    sc.n = n;
    sc.t = t;
    sc.field = fid;
    sc.security = sec;
    sc.seed = 7;
    sc.record_transcript = 0;
    stoffel_mpc_engine *e = NULL;
    char err[256];
    if (stoffel_mpc_engine_new_simulated(&sc, &e, err, sizeof err))
        fprintf(stderr, "simulator: %s\n", err);
    return e;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(l > 0 ? (size_t)l : 1);
    if (b && fread(b, 1, (size_t)l, f) != (size_t)l) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)l;
    return b;
}

/* The simulator's result for the same public inputs: z = (x + r)(y + s) and the chain w. */
static void check_against_simulator(uint32_t n, uint32_t t, stoffel_mpc_field_id fid, stoffel_mpc_security sec,
                                    const uint8_t *opened, size_t count)
{
    stoffel_mpc_engine *S = new_sim(n, t, fid, sec);
    CHECK(S != NULL);
    if (!S)
        return;
    const stoffel_mpc_field *F = stoffel_mpc_engine_field(S);
    size_t es = stoffel_mpc_field_elem_size(F), ss = stoffel_mpc_engine_share_size(S);
    uint8_t *pub = malloc(count * es), *X = malloc(count * ss), *Y = malloc(count * ss), *R = malloc(count * ss),
            *Z = malloc(count * ss), *zo = malloc(count * es), *W = malloc(CHAIN_WIDTH * ss),
            *wo = malloc(CHAIN_WIDTH * es);
    for (int which = 0; which < 2; which++) {
        uint8_t *dst = which ? Y : X;
        for (size_t k = 0; k < count; k++)
            stoffel_mpc_field_from_i64(F, which ? (int64_t)(3 * k * k + 2) : (int64_t)(7 * k + 1), pub + k * es);
        CHECK_EQ_INT(stoffel_mpc_engine_share_public(S, pub, dst, count), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_share_public(S, opened + which * count * es, R, count), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_add(S, dst, R, dst, count), 0);
    }
    stoffel_mpc_request m = {.kind = STOFFEL_MPC_OP_MUL, .count = count, .a = X, .b = Y, .out = Z};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(S, &m, 1), 0);
    memcpy(W, Z, CHAIN_WIDTH * ss);
    for (int round = 0; round < CHAIN; round++) {
        stoffel_mpc_request c = {.kind = STOFFEL_MPC_OP_MUL, .count = CHAIN_WIDTH, .a = W, .b = Y, .out = W};
        CHECK_EQ_INT(stoffel_mpc_engine_execute(S, &c, 1), 0);
    }
    stoffel_mpc_request op[2] = {
        {.kind = STOFFEL_MPC_OP_OPEN, .count = count, .a = Z, .out = zo},
        {.kind = STOFFEL_MPC_OP_OPEN, .count = CHAIN_WIDTH, .a = W, .out = wo},
    };
    CHECK_EQ_INT(stoffel_mpc_engine_execute(S, op, 2), 0);
    CHECK_MSG(memcmp(zo, opened + 2 * count * es, count * es) == 0, "the parties' products differ from the simulator's");
    CHECK_MSG(memcmp(wo, opened + 3 * count * es, CHAIN_WIDTH * es) == 0,
              "the parties' chain of multiplications differs from the simulator's");
    free(pub);
    free(X);
    free(Y);
    free(R);
    free(Z);
    free(zo);
    free(W);
    free(wo);
    stoffel_mpc_engine_free(S);
}

static void test_mul(uint32_t n, uint32_t t, stoffel_mpc_field_id fid, stoffel_mpc_security sec, char **argv,
                     size_t count)
{
    pid_t pids[16];
    char cnt[32];
    snprintf(cnt, sizeof cnt, "%zu", count);
    CHECK_EQ_INT(spawn_parties(pids, n, argv, "mul", cnt), 0);
    double t0 = ne_now_s();
    CHECK_EQ_INT(ne_wait_children(pids, n, 150, NULL), 0);
    fprintf(stderr, "party processes: %.2f s\n", ne_now_s() - t0);
    uint8_t *first = NULL;
    size_t first_len = 0;
    for (uint32_t i = 0; i < n; i++) {
        char path[128];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/out%u.bin", dir, i);
        uint8_t *b = read_file(path, &len);
        CHECK_MSG(b != NULL, "party %u wrote no results", i);
        if (!b)
            continue;
        if (!first) {
            first = b;
            first_len = len;
            continue;
        }
        CHECK_MSG(len == first_len && memcmp(b, first, len) == 0, "party %u opened other values than party 0", i);
        free(b);
    }
    stoffel_mpc_field *F = NULL;
    stoffel_mpc_field_new(fid, &F);
    size_t es = stoffel_mpc_field_elem_size(F);
    stoffel_mpc_field_free(F);
    CHECK_EQ_INT(first_len, (3 * count + CHAIN_WIDTH + CMP_WIDTH) * es);
    if (first && first_len == (3 * count + CHAIN_WIDTH + CMP_WIDTH) * es) {
        check_against_simulator(n, t, fid, sec, first, count);
        /* the comparisons against the clear inputs */
        stoffel_mpc_field *G = NULL;
        stoffel_mpc_field_new(fid, &G);
        int wrong = 0;
        for (size_t k = 0; k < CMP_WIDTH; k++) {
            int64_t v;
            int fits;
            stoffel_mpc_field_to_i64(G, first + (3 * count + CHAIN_WIDTH + k) * es, &v, &fits);
            wrong += v != ((int64_t)(7 * k + 1) < (int64_t)(3 * k * k + 2));
        }
        CHECK_EQ_INT(wrong, 0);
        stoffel_mpc_field_free(G);
    }
    free(first);
}

/* Client j: connects with identity c<j> and returns its client handle. */
static stoffel_mpc_client *open_client(struct event_base *base, const stoffel_mpc_net_config *cfg, uint32_t j,
                                       stoffel_net **net, stoffel_net_config **ncfg, stoffel_net_identity **ident)
{
    char err[256];
    if (ne_load(dir, "c", j, ncfg, ident))
        return NULL;
    if (stoffel_net_quic_client_new(base, *ncfg, *ident, NULL, net, err, sizeof err)) {
        fprintf(stderr, "client endpoint: %s\n", err);
        return NULL;
    }
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
    stoffel_net_identity_fingerprint(*ident, key);
    stoffel_mpc_client *c = NULL;
    if (stoffel_mpc_client_new(cfg, base, *net, key, &c, err, sizeof err)) {
        fprintf(stderr, "client: %s\n", err);
        return NULL;
    }
    if (stoffel_net_start(*net) || stoffel_net_wait_connected(*net, 30000)) {
        fprintf(stderr, "client connect: %s\n", stoffel_net_last_error(*net));
        stoffel_mpc_client_free(c);
        return NULL;
    }
    return c;
}

static void test_clients(uint32_t n, uint32_t t, stoffel_mpc_field_id fid, stoffel_mpc_security sec, char **argv)
{
    pid_t pids[16];
    CHECK_EQ_INT(spawn_parties(pids, n, argv, "clients", "0"), 0);
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = t;
    cfg.field = fid;
    cfg.security = sec;
    cfg.session_id = NE_SESSION;
    struct event_base *base = event_base_new();
    stoffel_net *net[2] = {0};
    stoffel_net_config *ncfg[2] = {0};
    stoffel_net_identity *ident[2] = {0};
    stoffel_mpc_client *cl[2];
    for (uint32_t j = 0; j < 2; j++)
        cl[j] = open_client(base, &cfg, j, &net[j], &ncfg[j], &ident[j]);
    CHECK(cl[0] && cl[1]);
    stoffel_mpc_field *F = NULL;
    stoffel_mpc_field_new(fid, &F);
    size_t es = stoffel_mpc_field_elem_size(F);
    const int64_t inputs[2][3] = {{5, 11, 13}, {7, 17, 19}};
    uint8_t vals[2][3 * 64];
    for (uint32_t j = 0; j < 2; j++)
        for (int k = 0; k < 3; k++)
            stoffel_mpc_field_from_i64(F, inputs[j][k], vals[j] + k * es);
    for (uint32_t j = 0; j < 2 && cl[0] && cl[1]; j++) {
        double ti = ne_now_s();
        int rc = stoffel_mpc_client_input(cl[j], vals[j], 3, 60000);
        if (getenv("NE_VERBOSE"))
            fprintf(stderr, "client %u input: %.3f s\n", j, ne_now_s() - ti);
        CHECK_MSG(rc == 0, "client %u input: %s", j, stoffel_mpc_client_last_error(cl[j]));
    }
    /* the lower id is ClientStore slot 0 and receives [c0[0]*c1[0], c0[1]+c1[1]]; the other c0[2]*c1[2] */
    uint8_t got[2][2 * 64];
    size_t want_count[2];
    if (cl[0] && cl[1]) {
        int low = stoffel_mpc_client_id(cl[0]) < stoffel_mpc_client_id(cl[1]) ? 0 : 1;
        want_count[low] = 2;
        want_count[1 - low] = 1;
        for (uint32_t j = 0; j < 2; j++) {
            double tf = ne_now_s();
            int rc = stoffel_mpc_client_fetch_outputs(cl[j], got[j], want_count[j], 60000);
            if (getenv("NE_VERBOSE"))
                fprintf(stderr, "client %u fetch: %.3f s\n", j, ne_now_s() - tf);
            CHECK_MSG(rc == 0, "client %u fetch: %s", j, stoffel_mpc_client_last_error(cl[j]));
        }
        int64_t v;
        int fits;
        CHECK_EQ_INT(stoffel_mpc_field_to_i64(F, got[low], &v, &fits), 0);
        CHECK_EQ_INT(v, 5 * 7);
        CHECK_EQ_INT(stoffel_mpc_field_to_i64(F, got[low] + es, &v, &fits), 0);
        CHECK_EQ_INT(v, 11 + 17);
        CHECK_EQ_INT(stoffel_mpc_field_to_i64(F, got[1 - low], &v, &fits), 0);
        CHECK_EQ_INT(v, 13 * 19);

        /* the simulator's clients, same inputs and program */
        stoffel_mpc_engine *S = new_sim(n, t, fid, sec);
        uint64_t ids[2] = {stoffel_mpc_client_id(cl[0]), stoffel_mpc_client_id(cl[1])};
        for (uint32_t j = 0; j < 2; j++)
            CHECK_EQ_INT(stoffel_mpc_engine_sim_client_input(S, ids[j], vals[j], 3), 0);
        size_t ss = stoffel_mpc_engine_share_size(S);
        uint8_t *in = malloc(6 * ss), *o0 = malloc(2 * ss), *o1 = malloc(ss);
        for (size_t c = 0; c < 2; c++)
            for (size_t k = 0; k < 3; k++)
                CHECK_EQ_INT(stoffel_mpc_engine_client_input_get(S, c, k, in + (c * 3 + k) * ss), 0);
        stoffel_mpc_request mul[2] = {
            {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = in, .b = in + 3 * ss, .out = o0},
            {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = in + 2 * ss, .b = in + 5 * ss, .out = o1},
        };
        CHECK_EQ_INT(stoffel_mpc_engine_execute(S, mul, 2), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_add(S, in + ss, in + 4 * ss, o0 + ss, 1), 0);
        uint64_t lo = ids[low], hi = ids[1 - low];
        stoffel_mpc_request outs[2] = {
            {.kind = STOFFEL_MPC_OP_OUTPUT, .count = 2, .a = o0, .client_id = lo},
            {.kind = STOFFEL_MPC_OP_OUTPUT, .count = 1, .a = o1, .client_id = hi},
        };
        CHECK_EQ_INT(stoffel_mpc_engine_execute(S, outs, 2), 0);
        uint8_t sim_out[2 * 64];
        size_t cnt = 2;
        CHECK_EQ_INT(stoffel_mpc_engine_sim_client_output(S, lo, sim_out, &cnt), 0);
        CHECK_EQ_INT(cnt, 2);
        CHECK(memcmp(sim_out, got[low], 2 * es) == 0);
        cnt = 1;
        CHECK_EQ_INT(stoffel_mpc_engine_sim_client_output(S, hi, sim_out, &cnt), 0);
        CHECK(memcmp(sim_out, got[1 - low], es) == 0);
        free(in);
        free(o0);
        free(o1);
        stoffel_mpc_engine_free(S);
    }
    CHECK_EQ_INT(ne_wait_children(pids, n, 90, base), 0);
    for (uint32_t j = 0; j < 2; j++) {
        stoffel_mpc_client_free(cl[j]);
        stoffel_net_free(net[j]);
        stoffel_net_identity_free(ident[j]);
        stoffel_net_config_free(ncfg[j]);
    }
    stoffel_mpc_field_free(F);
    event_base_free(base);
}

static void send_env(stoffel_net *net, int to, uint64_t instance, uint32_t round, uint64_t id, const uint8_t *payload,
                     size_t len)
{
    mpc_envelope env = {MPC_PROTO_INPUT, NE_SESSION, instance, round, client_node(id), payload, len};
    uint8_t *buf;
    size_t blen;
    CHECK_EQ_INT(wire_encode(&env, &buf, &blen), 0);
    CHECK_EQ_INT(to < 0 ? stoffel_net_broadcast(net, buf, blen) : stoffel_net_send(net, (uint32_t)to, buf, blen), 0);
    free(buf);
}

/* A client that follows the wire protocol but sends each party a different masked value. */
static void test_badclient(uint32_t n, stoffel_mpc_field_id fid, char **argv)
{
    pid_t pids[16];
    CHECK_EQ_INT(spawn_parties(pids, n, argv, "badclient", "0"), 0);
    struct event_base *base = event_base_new();
    stoffel_net_config *ncfg = NULL;
    stoffel_net_identity *ident = NULL;
    stoffel_net *net = NULL;
    char err[256];
    CHECK_EQ_INT(ne_load(dir, "c", 0, &ncfg, &ident), 0);
    CHECK_EQ_INT(stoffel_net_quic_client_new(base, ncfg, ident, NULL, &net, err, sizeof err), 0);
    CHECK_EQ_INT(stoffel_net_start(net), 0);
    CHECK_EQ_INT(stoffel_net_wait_connected(net, 30000), 0);
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
    stoffel_net_identity_fingerprint(ident, key);
    uint64_t id = stoffel_mpc_client_id_from_key(key);
    uint8_t count[8] = {1};
    send_env(net, -1, 0, NCTRL_INPUT_REQUEST, id, count, sizeof count);
    /* the admission shows as mask shares of some instance */
    uint64_t instance = 0;
    for (int tries = 0; tries < 50 && !instance; tries++) {
        uint8_t *data = NULL;
        size_t len = 0;
        if (stoffel_net_recv(net, 30000, NULL, &data, &len) != 0)
            break;
        mpc_envelope env;
        char why[160];
        if (wire_decode(data, len, &env, why, sizeof why) == 0 && env.protocol == MPC_PROTO_INPUT && env.round == 0)
            instance = env.instance;
        stoffel_net_buffer_free(data);
    }
    CHECK_MSG(instance != 0, "no mask shares arrived");
    stoffel_mpc_field *F = NULL;
    stoffel_mpc_field_new(fid, &F);
    size_t es = stoffel_mpc_field_elem_size(F);
    for (uint32_t j = 0; j < n && instance; j++) {
        uint8_t m[64] = {0};
        m[0] = (uint8_t)(j + 1); /* a small value, a valid element in either form */
        send_env(net, (int)j, instance, 1, id, m, es);
    }
    CHECK_EQ_INT(ne_wait_children(pids, n, 60, base), 0);
    stoffel_mpc_field_free(F);
    stoffel_net_free(net);
    stoffel_net_identity_free(ident);
    stoffel_net_config_free(ncfg);
    event_base_free(base);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: test_ne_procs HELPER MODE N T FIELD SECURITY [COUNT]\n");
        return 2;
    }
    helper = argv[1];
    uint32_t n = (uint32_t)atoi(argv[3]), t = (uint32_t)atoi(argv[4]);
    stoffel_mpc_field_id fid;
    CHECK_EQ_INT(stoffel_mpc_field_id_from_name(argv[5], &fid), 0);
    stoffel_mpc_security sec = strcmp(argv[6], "robust") == 0 ? STOFFEL_MPC_ROBUST : STOFFEL_MPC_SEMI_HONEST;
    if (ne_write_network(dir, n, 2)) {
        fprintf(stderr, "could not write the network files\n");
        return 1;
    }
    double t0 = ne_now_s();
    if (strcmp(argv[2], "badclient") == 0) {
        test_badclient(n, fid, argv);
    } else if (strncmp(argv[2], "crash", 5) == 0) {
        pid_t pids[16];
        CHECK_EQ_INT(spawn_parties(pids, n, argv, argv[2], "0"), 0);
        CHECK_EQ_INT(ne_wait_children(pids, n, 60, NULL), 0);
    } else if (strcmp(argv[2], "mul") == 0)
        test_mul(n, t, fid, sec, argv, argc > 7 ? (size_t)atol(argv[7]) : 10000);
    else
        test_clients(n, t, fid, sec, argv);
    fprintf(stderr, "%s n=%u t=%u %s %s: %.2f s\n", argv[2], n, t, argv[5], argv[6], ne_now_s() - t0);
    ne_cleanup(dir, n, 2);
    return test_finish();
}
