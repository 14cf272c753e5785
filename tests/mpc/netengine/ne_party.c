/*
 * ne_party.c - one MPC party process for the networked-engine tests: loads its identity and the
 * network configuration from DIR, connects over QUIC, creates the networked engine and runs a
 * scenario, writing what it opened to DIR/out<ID>.bin for the test to compare with the simulator.
 *
 * Usage: ne_party DIR ID N T FIELD SECURITY MODE [COUNT]
 *   FIELD     a field name (p128, bls12-381, ...)      SECURITY  semi-honest | robust
 *   MODE mul      preprocessing, COUNT masked multiplications in one batch plus openings, a
 *                 chain of CHAIN dependent multiplications and CMP_WIDTH comparisons x < y
 *                 (the second half with its random bits and masks made ahead: no
 *                 preprocessing round, the pool empty afterwards); writes r, s, z = (x+r)(y+s),
 *                 w and the comparison bits
 *   MODE clients  accepts input from 2 clients (3 values each), computes c0[0]*c1[0],
 *                 c0[1]+c1[1] (to client 0) and c0[2]*c1[2] (to client 1), serves the outputs
 *   MODE crash    the last party exits once connected; the others' preprocessing must time out
 *                 within its 2 s bound with a message naming it
 *   MODE badclient  accepts one client input, which must be refused (the test's client sends
 *                 different masked values to different parties)
 *   MODE crash_online  (robust) the last party exits after preprocessing; the others' 1000
 *                 multiplications and openings must still complete, with the right squares
 * Exit status 0 on success; messages on stderr.
 */
#include "ne_test_util.h"

#define CHAIN 20
#define CHAIN_WIDTH 16
#define CMP_WIDTH 32

static stoffel_mpc_engine *E;

static int die(const char *what, int rc)
{
    fprintf(stderr, "ne_party %u: %s: %s (%s)\n", E ? stoffel_mpc_engine_party_id(E) : 0, what,
            stoffel_mpc_strerror(rc), E ? stoffel_mpc_engine_last_error(E) : "");
    return 1;
}

#define TRY(what, call)                                                                            \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_)                                                                                   \
            return die(what, rc_);                                                                 \
    } while (0)

static int run_mul(const char *dir, size_t count)
{
    const stoffel_mpc_field *F = stoffel_mpc_engine_field(E);
    size_t es = stoffel_mpc_field_elem_size(F), ss = stoffel_mpc_engine_share_size(E);
    uint8_t *pub = malloc(2 * count * es), *rs = malloc(2 * count * ss), *X = malloc(count * ss),
            *Y = malloc(count * ss), *Z = malloc(count * ss), *opened = malloc((3 * count + CHAIN_WIDTH + CMP_WIDTH) * es),
            *W = malloc(CHAIN_WIDTH * ss);
    if (!pub || !rs || !X || !Y || !Z || !opened || !W)
        return die("malloc", STOFFEL_ERR_NOMEM);
    double t0 = ne_now_s();
    TRY("preprocess", stoffel_mpc_engine_net_preprocess(E, count + CHAIN * CHAIN_WIDTH, 2 * count));
    double t1 = ne_now_s();
    stoffel_mpc_request rnd = {.kind = STOFFEL_MPC_OP_RANDOM, .count = 2 * count, .out = rs};
    TRY("random", stoffel_mpc_engine_execute(E, &rnd, 1));
    for (size_t k = 0; k < count; k++) {
        stoffel_mpc_field_from_i64(F, (int64_t)(7 * k + 1), pub + k * es);
        stoffel_mpc_field_from_i64(F, (int64_t)(3 * k * k + 2), pub + (count + k) * es);
    }
    /* [X] = x + [r], [Y] = y + [s]: secret, and reproducible by the simulator once r, s are open */
    TRY("add_public", stoffel_mpc_engine_add_public(E, rs, pub, X, count));
    TRY("add_public", stoffel_mpc_engine_add_public(E, rs + count * ss, pub + count * es, Y, count));
    stoffel_mpc_request batch[2] = {
        {.kind = STOFFEL_MPC_OP_MUL, .count = count, .a = X, .b = Y, .out = Z},
        {.kind = STOFFEL_MPC_OP_OPEN, .count = 2 * count, .a = rs, .out = opened},
    };
    TRY("mul batch", stoffel_mpc_engine_execute(E, batch, 2));
    double t2 = ne_now_s();
    memcpy(W, Z, CHAIN_WIDTH * ss);
    for (int round = 0; round < CHAIN; round++) {
        stoffel_mpc_request m = {.kind = STOFFEL_MPC_OP_MUL, .count = CHAIN_WIDTH, .a = W, .b = Y, .out = W};
        TRY("chain", stoffel_mpc_engine_execute(E, &m, 1));
    }
    /* a nonlinear kind over the network: [x] = [X] - [r] < [y] = [Y] - [s] (bits 32, signed) */
    uint8_t *xs = malloc(CMP_WIDTH * ss), *ys = malloc(CMP_WIDTH * ss), *lt = malloc(CMP_WIDTH * ss);
    TRY("sub", stoffel_mpc_engine_sub(E, X, rs, xs, CMP_WIDTH));
    TRY("sub", stoffel_mpc_engine_sub(E, Y, rs + count * ss, ys, CMP_WIDTH));
    /* the first half makes its random bits and masks on the spot; the second half's are made
     * ahead (stoffel_mpc_engine_preprocess_for) and it must run its online rounds only */
    const size_t half = CMP_WIDTH / 2;
    stoffel_mpc_request cmp = {.kind = STOFFEL_MPC_OP_LT, .count = half, .a = xs, .b = ys, .out = lt,
                               .bits = 32, .is_signed = 1};
    TRY("lt", stoffel_mpc_engine_execute(E, &cmp, 1));
    cmp.a = xs + half * ss;
    cmp.b = ys + half * ss;
    cmp.out = lt + half * ss;
    TRY("preprocess_for", stoffel_mpc_engine_preprocess_for(E, &cmp, 1));
    stoffel_mpc_stats pre = {.struct_size = sizeof pre}, post = {.struct_size = sizeof post};
    stoffel_mpc_engine_get_stats(E, &pre);
    TRY("pooled lt", stoffel_mpc_engine_execute(E, &cmp, 1));
    stoffel_mpc_engine_get_stats(E, &post);
    stoffel_mpc_material left = {.struct_size = sizeof left};
    stoffel_mpc_engine_material_held(E, &left);
    uint64_t left_masks = 0;
    for (int w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++)
        left_masks += left.masks[w];
    if (post.preprocessing_rounds != pre.preprocessing_rounds || left.random_bits != 0 || left_masks != 0) {
        fprintf(stderr, "ne_party: pooled comparisons ran %llu preprocessing rounds and left %llu bits, %llu masks\n",
                (unsigned long long)(post.preprocessing_rounds - pre.preprocessing_rounds),
                (unsigned long long)left.random_bits, (unsigned long long)left_masks);
        return 1;
    }
    stoffel_mpc_request op[3] = {
        {.kind = STOFFEL_MPC_OP_OPEN, .count = count, .a = Z, .out = opened + 2 * count * es},
        {.kind = STOFFEL_MPC_OP_OPEN, .count = CHAIN_WIDTH, .a = W, .out = opened + 3 * count * es},
        {.kind = STOFFEL_MPC_OP_OPEN, .count = CMP_WIDTH, .a = lt, .out = opened + (3 * count + CHAIN_WIDTH) * es},
    };
    TRY("open", stoffel_mpc_engine_execute(E, op, 3));
    free(xs);
    free(ys);
    free(lt);
    if (getenv("NE_VERBOSE"))
        fprintf(stderr, "party %u: preprocessing %.3f s, batch %.3f s, chain and openings %.3f s\n",
                stoffel_mpc_engine_party_id(E), t1 - t0, t2 - t1, ne_now_s() - t2);
    stoffel_mpc_stats st = {.struct_size = sizeof st};
    stoffel_mpc_engine_get_stats(E, &st);
    if (st.multiplications < count + CHAIN * CHAIN_WIDTH || st.comparisons != CMP_WIDTH) {
        fprintf(stderr, "ne_party: stats say %llu multiplications in %llu rounds\n",
                (unsigned long long)st.multiplications, (unsigned long long)st.rounds);
        return 1;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/out%u.bin", dir, stoffel_mpc_engine_party_id(E));
    FILE *f = fopen(path, "wb");
    size_t total = 3 * count + CHAIN_WIDTH + CMP_WIDTH;
    if (!f || fwrite(opened, es, total, f) != total)
        return die("writing the output file", STOFFEL_ERR_IO);
    fclose(f);
    free(pub);
    free(rs);
    free(X);
    free(Y);
    free(Z);
    free(W);
    free(opened);
    return 0;
}

static int run_clients(void)
{
    size_t ss = stoffel_mpc_engine_share_size(E);
    TRY("accept_inputs", stoffel_mpc_engine_net_accept_inputs(E, 2, 60000));
    if (stoffel_mpc_engine_client_count(E) != 2) {
        fprintf(stderr, "ne_party: %zu clients in the store\n", stoffel_mpc_engine_client_count(E));
        return 1;
    }
    uint64_t id[2];
    uint8_t in[2][3][64];
    for (size_t c = 0; c < 2; c++) {
        size_t cnt = 0;
        TRY("client_id", stoffel_mpc_engine_client_id(E, c, &id[c]));
        TRY("input_count", stoffel_mpc_engine_client_input_count(E, c, &cnt));
        if (cnt != 3) {
            fprintf(stderr, "ne_party: client %zu has %zu inputs\n", c, cnt);
            return 1;
        }
        for (size_t k = 0; k < 3; k++)
            TRY("input_get", stoffel_mpc_engine_client_input_get(E, c, k, in[c][k]));
    }
    if (id[0] >= id[1]) {
        fprintf(stderr, "ne_party: ClientStore not in ascending id order\n");
        return 1;
    }
    uint8_t out0[2 * 64], out1[64];
    stoffel_mpc_request mul[2] = {
        {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = in[0][0], .b = in[1][0], .out = out0},
        {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = in[0][2], .b = in[1][2], .out = out1},
    };
    TRY("mul", stoffel_mpc_engine_execute(E, mul, 2));
    TRY("add", stoffel_mpc_engine_add(E, in[0][1], in[1][1], out0 + ss, 1));
    stoffel_mpc_request outs[2] = {
        {.kind = STOFFEL_MPC_OP_OUTPUT, .count = 2, .a = out0, .client_id = id[0]},
        {.kind = STOFFEL_MPC_OP_OUTPUT, .count = 1, .a = out1, .client_id = id[1]},
    };
    TRY("output", stoffel_mpc_engine_execute(E, outs, 2));
    TRY("serve_outputs", stoffel_mpc_engine_net_serve_outputs(E, 60000));
    return 0;
}

/* The last party has left (crash mode): preprocessing must fail within the bound, naming it. */
static int run_crash(void)
{
    uint32_t gone = stoffel_mpc_engine_n(E) - 1;
    double t0 = ne_now_s();
    int rc = stoffel_mpc_engine_net_preprocess(E, 100, 100);
    double dt = ne_now_s() - t0;
    char want[48];
    snprintf(want, sizeof want, "nothing arrived from parties %u", gone);
    const char *msg = stoffel_mpc_engine_last_error(E);
    if (rc != STOFFEL_ERR_TIMEOUT || !strstr(msg, want) || dt > 10.0) {
        fprintf(stderr, "ne_party %u: expected a timeout naming party %u within 10 s; got %d after %.1f s: %s\n",
                stoffel_mpc_engine_party_id(E), gone, rc, dt, msg);
        return 1;
    }
    return 0;
}

/* Robust mode, the last party leaves after preprocessing: the online phase must go on without it
 * (openings complete from 2t+1 shares). Products of public sharings are checkable in clear. */
static int run_crash_online(stoffel_net *net)
{
    enum { M = 1000 };
    uint32_t me = stoffel_mpc_engine_party_id(E), gone = stoffel_mpc_engine_n(E) - 1;
    TRY("preprocess", stoffel_mpc_engine_net_preprocess(E, M, M));
    if (me == gone) {
        stoffel_net_flush(net, 5000);
        _exit(0);
    }
    const stoffel_mpc_field *F = stoffel_mpc_engine_field(E);
    size_t es = stoffel_mpc_field_elem_size(F), ss = stoffel_mpc_engine_share_size(E);
    uint8_t *x = malloc(M * es), *X = malloc(M * ss), *R = malloc(M * ss), *Z = malloc(M * ss), *o = malloc(M * es);
    for (int k = 0; k < M; k++)
        stoffel_mpc_field_from_i64(F, 1000 + k, x + k * es);
    stoffel_mpc_request rnd = {.kind = STOFFEL_MPC_OP_RANDOM, .count = M, .out = R};
    TRY("random", stoffel_mpc_engine_execute(E, &rnd, 1));
    TRY("add_public", stoffel_mpc_engine_add_public(E, R, x, X, M));
    TRY("sub", stoffel_mpc_engine_sub(E, X, R, X, M)); /* [x] through a real random sharing */
    stoffel_mpc_request m = {.kind = STOFFEL_MPC_OP_MUL, .count = M, .a = X, .b = X, .out = Z};
    TRY("mul without the last party", stoffel_mpc_engine_execute(E, &m, 1));
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = M, .a = Z, .out = o};
    TRY("open without the last party", stoffel_mpc_engine_execute(E, &op, 1));
    int wrong = 0;
    for (int k = 0; k < M; k++) {
        int64_t v;
        int fits;
        stoffel_mpc_field_to_i64(F, o + k * es, &v, &fits);
        wrong += v != (int64_t)(1000 + k) * (1000 + k);
    }
    free(x);
    free(X);
    free(R);
    free(Z);
    free(o);
    if (wrong)
        fprintf(stderr, "ne_party %u: %d wrong squares without the last party\n", me, wrong);
    return wrong != 0;
}

/* A malicious client sends different masked values to different parties: the input must be
 * refused by every party, naming the client. */
static int run_badclient(void)
{
    int rc = stoffel_mpc_engine_net_accept_inputs(E, 1, 30000);
    const char *msg = stoffel_mpc_engine_last_error(E);
    if (rc != STOFFEL_MPC_ERR_PEER || !strstr(msg, "sent different values to different parties") ||
        stoffel_mpc_engine_client_count(E) != 0) {
        fprintf(stderr, "ne_party %u: expected the input to be refused; got %d: %s\n", stoffel_mpc_engine_party_id(E),
                rc, msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: ne_party DIR ID N T FIELD SECURITY MODE [COUNT]\n");
        return 2;
    }
    const char *dir = argv[1];
    uint32_t me = (uint32_t)atoi(argv[2]);
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.n = (uint32_t)atoi(argv[3]);
    cfg.t = (uint32_t)atoi(argv[4]);
    if (stoffel_mpc_field_id_from_name(argv[5], &cfg.field)) {
        fprintf(stderr, "unknown field %s\n", argv[5]);
        return 2;
    }
    cfg.security = strcmp(argv[6], "robust") == 0 ? STOFFEL_MPC_ROBUST : STOFFEL_MPC_SEMI_HONEST;
    cfg.session_id = NE_SESSION;
    cfg.timeout_ms = strcmp(argv[7], "crash") == 0 ? 2000 : 60000;
    size_t count = argc > 8 ? (size_t)atol(argv[8]) : 10000;

    stoffel_net_config *ncfg = NULL;
    stoffel_net_identity *ident = NULL;
    if (ne_load(dir, "p", me, &ncfg, &ident))
        return 1;
    struct event_base *base = event_base_new();
    stoffel_net *net = NULL;
    char err[256];
    int rc = stoffel_net_quic_party_new(base, ncfg, me, ident, NULL, &net, err, sizeof err);
    if (rc) {
        fprintf(stderr, "ne_party %u: endpoint: %s\n", me, err);
        return 1;
    }
    rc = stoffel_mpc_engine_new_networked(&cfg, base, net, &E, err, sizeof err);
    if (rc) {
        fprintf(stderr, "ne_party %u: engine: %s\n", me, err);
        return 1;
    }
    if (stoffel_net_start(net) || stoffel_net_wait_connected(net, 30000)) {
        fprintf(stderr, "ne_party %u: connecting: %s\n", me, stoffel_net_last_error(net));
        return 1;
    }
    int bad;
    if (strcmp(argv[7], "crash") == 0 && me == cfg.n - 1)
        _exit(0); /* leaves without a word, like a killed process */
    if (strcmp(argv[7], "crash") == 0)
        bad = run_crash();
    else if (strcmp(argv[7], "badclient") == 0)
        bad = run_badclient();
    else if (strcmp(argv[7], "crash_online") == 0)
        bad = run_crash_online(net);
    else
        bad = strcmp(argv[7], "mul") == 0 ? run_mul(dir, count) : run_clients();
    /* our last shares must reach the others before the connections close, and a party that
     * finished early (robust openings complete from 2t+1 shares) stays a moment to acknowledge
     * the shares still coming to it, so that the others' flushes complete too */
    int gone_party = strncmp(argv[7], "crash", 5) == 0;
    stoffel_net_flush(net, gone_party ? 200 : 5000); /* nobody acks for the gone party */
    struct timeval linger = {0, 300000};
    event_base_loopexit(base, &linger);
    event_base_dispatch(base);
    stoffel_mpc_engine_free(E);
    stoffel_net_free(net);
    stoffel_net_identity_free(ident);
    stoffel_net_config_free(ncfg);
    event_base_free(base);
    return bad;
}
