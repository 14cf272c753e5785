/*
 * bench_nl_quic.c - the nonlinear protocols among party processes over QUIC on 127.0.0.1, with the
 * networked engine (the approach of bench/mpc/netengine: the parent writes ephemeral identities and
 * a network configuration, then spawns itself once per party). Preprocessing is included: every
 * triple and random bit a batch consumes is generated inside the timing (pools start empty).
 * Every result is opened and compared with clear C arithmetic, so a wrong protocol cannot post a
 * figure.
 *
 * JSON lines (printed by party 0):
 *   mpc.cmp_per_s    ops/s of one batch   params op (lt, eq, trunc, div), bits, n, t, batch, driver,
 *                                         process (cold: a fresh process's first batch; warm: the
 *                                         next batch of the same size in that process; pooled: a
 *                                         third batch whose random bits, masks and prefix-mask
 *                                         chains were made ahead by stoffel_mpc_engine_preprocess_for,
 *                                         outside the timing: the online phase alone)
 *   mpc.cmp_rounds   rounds of one batch  (same params; preprocessing rounds included, so pooled
 *                                         shows the online rounds)
 *   mpc.cmp_cpu_ms   CPU time of party 0 for the batch (user + sys)
 *   mpc.prep_s       pooled only: seconds preprocess_for took to make the batch's material
 *
 * Usage: bench_nl_quic [max_batch [ops [parties]]]   defaults 10000, "lt,eq,trunc,div", "3,4"
 *        (64-bit div runs at batch <= 100: it is ~10x the work of lt and needs bls12-381)
 *        bench_nl_quic party DIR ID N BATCH OP   (one party of one batch; spawned by the parent)
 */
#include <malloc.h>
#include <sys/resource.h>

#include "../../../tests/mpc/netengine/ne_test_util.h"
#include "../../../tests/mpc/nonlinear/nl_harness.h"

#define DIV_MAX_BATCH 100

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

typedef struct {
    stoffel_mpc_engine *E;
    struct event_base *base;
    stoffel_net *net;
    stoffel_net_identity *ident;
    stoffel_net_config *ncfg;
} party;

static stoffel_mpc_engine *engine_new(party *P, uint32_t me, uint32_t n, stoffel_mpc_field_id field);

/* This party's QUIC endpoint and networked engine (one batch per process: empty pools). */
static int party_open(party *P, const char *dir, uint32_t me, uint32_t n, stoffel_mpc_field_id field)
{
    memset(P, 0, sizeof *P);
    if (ne_load(dir, "p", me, &P->ncfg, &P->ident))
        return -1;
    struct event_config *ecfg = event_config_new();
    event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    P->base = event_base_new_with_config(ecfg);
    event_config_free(ecfg);
    stoffel_net_options opts;
    stoffel_net_options_defaults(&opts);
    opts.max_message_bytes = (size_t)256 << 20;
    opts.max_udp_payload_bytes = 65000; /* loopback: large datagrams, as bench_netengine */
    char err[256] = "";
    /* the engine installs its callbacks before the endpoint starts, so no early frame is lost */
    if (stoffel_net_quic_party_new(P->base, P->ncfg, me, P->ident, &opts, &P->net, err, sizeof err) ||
        !(P->E = engine_new(P, me, n, field)) || stoffel_net_start(P->net) ||
        stoffel_net_wait_connected(P->net, 60000)) {
        fprintf(stderr, "bench_nl_quic party %u: setup failed: %s %s\n", me, err,
                P->net ? stoffel_net_last_error(P->net) : "");
        return -1;
    }
    return 0;
}

static void party_close(party *P)
{
    if (P->net) {
        stoffel_net_flush(P->net, 5000);
        struct timeval linger = {0, 300000};
        event_base_loopexit(P->base, &linger);
        event_base_dispatch(P->base);
    }
    stoffel_mpc_engine_free(P->E);
    stoffel_net_free(P->net);
    stoffel_net_identity_free(P->ident);
    stoffel_net_config_free(P->ncfg);
    if (P->base)
        event_base_free(P->base);
}

static stoffel_mpc_engine *engine_new(party *P, uint32_t me, uint32_t n, stoffel_mpc_field_id field)
{
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = 1;
    cfg.field = field;
    cfg.session_id = NE_SESSION;
    cfg.timeout_ms = 600000;
    cfg.max_early_frames = 1 << 16;
    stoffel_mpc_engine *E = NULL;
    char err[256] = "";
    if (stoffel_mpc_engine_new_networked(&cfg, P->base, P->net, &E, err, sizeof err)) {
        fprintf(stderr, "bench_nl_quic party %u: engine: %s\n", me, err);
        return NULL;
    }
    return E;
}

static uint64_t rounds_of(stoffel_mpc_engine *e)
{
    stoffel_mpc_stats s = {.struct_size = sizeof s};
    stoffel_mpc_engine_get_stats(e, &s);
    return s.rounds;
}

/* The clear result of `op` on (a, b). */
static int64_t expect(const char *op, int64_t a, int64_t b)
{
    if (strcmp(op, "lt") == 0)
        return a < b;
    if (strcmp(op, "eq") == 0)
        return a == b;
    if (strcmp(op, "trunc") == 0)
        return a >> 16; /* floor */
    int64_t q, r;
    nlh_divrem(a, b, &q, &r);
    return q;
}

/* One batch of `op` on 64-bit operands; party 0 prints the figures (param "process": "cold" for
 * the first batch of a fresh process, "warm" for the next one, whose memory the allocator already
 * holds, as in a long-running party; both generate all their randomness inside the timing).
 * Returns 0 or -1. */
static int bench_op(party *P, uint32_t me, uint32_t n, const char *op, size_t batch, const char *process)
{
    const int pooled = strcmp(process, "pooled") == 0;
    int is_div = strcmp(op, "div") == 0;
    stoffel_mpc_engine *E = P->E;
    size_t ss = stoffel_mpc_engine_share_size(E);
    int64_t *a = malloc(batch * 8), *b = malloc(batch * 8), *got = malloc(batch * 8);
    uint8_t *sa = malloc(batch * ss), *sb = malloc(batch * ss), *so = malloc(batch * ss);
    uint64_t st = 0x1234567887654321ull; /* the same inputs at every party */
    for (size_t i = 0; i < batch; i++) {
        a[i] = nlh_rand_bits(&st, 64, 1);
        b[i] = (i % 5 == 0) ? a[i] : nlh_rand_bits(&st, 64, 1);
        if (is_div && b[i] == 0)
            b[i] = 3;
    }
    int rc = nlh_input(E, a, batch, 1, sa) || nlh_input(E, b, batch, 1, sb);
    stoffel_mpc_request q = {.count = batch, .a = sa, .b = sb, .out = so, .bits = 64, .is_signed = 1};
    q.kind = strcmp(op, "lt") == 0   ? STOFFEL_MPC_OP_LT
             : strcmp(op, "eq") == 0 ? STOFFEL_MPC_OP_EQ
             : is_div                ? STOFFEL_MPC_OP_DIV
                                     : STOFFEL_MPC_OP_TRUNC;
    if (q.kind == STOFFEL_MPC_OP_TRUNC) {
        q.b = NULL;
        q.shift = 16;
    }
    double prep_s = 0;
    if (!rc && pooled) {
        double p0 = ne_now_s();
        rc = stoffel_mpc_engine_preprocess_for(E, &q, 1);
        prep_s = ne_now_s() - p0;
    }
    uint64_t r0 = rounds_of(E);
    double t0 = ne_now_s(), c0 = cpu_s();
    if (!rc)
        rc = stoffel_mpc_engine_execute(E, &q, 1);
    double dt = ne_now_s() - t0, cpu = cpu_s() - c0;
    uint64_t rounds = rounds_of(E) - r0;
    if (!rc)
        rc = nlh_open(E, so, batch, got);
    if (rc) {
        fprintf(stderr, "bench_nl_quic party %u: %s batch %zu failed: %s\n", me, op, batch,
                stoffel_mpc_engine_last_error(E));
    } else {
        for (size_t i = 0; i < batch; i++)
            if (got[i] != expect(op, a[i], b[i])) {
                fprintf(stderr, "bench_nl_quic: %s(%lld, %lld) gave %lld, want %lld\n", op,
                        (long long)a[i], (long long)b[i], (long long)got[i],
                        (long long)expect(op, a[i], b[i]));
                rc = -1;
                break;
            }
    }
    if (rc == 0 && me == 0) {
        const char *fmt = "{\"bench\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"params\": {\"op\": "
                          "\"%s\", \"bits\": 64, \"n\": %u, \"t\": 1, \"batch\": %zu, \"driver\": "
                          "\"quic\", \"field\": \"%s\", \"process\": \"%s\"}}\n";
        const char *fname = stoffel_mpc_field_name(stoffel_mpc_engine_field(E));
        printf(fmt, "mpc.cmp_per_s", (double)batch / dt, "ops/s", op, n, batch, fname, process);
        printf(fmt, "mpc.cmp_rounds", (double)rounds, "rounds", op, n, batch, fname, process);
        printf(fmt, "mpc.cmp_cpu_ms", cpu * 1e3, "ms", op, n, batch, fname, process);
        if (pooled)
            printf(fmt, "mpc.prep_s", prep_s, "s", op, n, batch, fname, process);
        fflush(stdout);
    }
    free(a);
    free(b);
    free(got);
    free(sa);
    free(sb);
    free(so);
    return rc ? -1 : 0;
}

/* One party of one batch size, in a fresh process (empty pools, new session); batches above 1 run
 * three times (cold, warm, pooled). */
static int party_main(char **argv)
{
    const char *dir = argv[2];
    uint32_t me = (uint32_t)atoi(argv[3]), n = (uint32_t)atoi(argv[4]);
    size_t batch = (size_t)atol(argv[5]);
    const char *op = argv[6];
    /* the smallest field that fits: 64-bit comparisons need 65 + 40 + 1 bits (p128); the
     * Newton division 3 * 64 + 6 + 40 + 1 (bls12-381) */
    stoffel_mpc_field_id field =
        strcmp(op, "div") == 0 ? STOFFEL_MPC_FIELD_BLS12_381 : STOFFEL_MPC_FIELD_P128;
    party P;
    int bad = party_open(&P, dir, me, n, field) != 0;
    if (!bad)
        bad = bench_op(&P, me, n, op, batch, "cold") != 0;
    if (!bad && batch > 1)
        bad = bench_op(&P, me, n, op, batch, "warm") != 0;
    if (!bad && batch > 1)
        bad = bench_op(&P, me, n, op, batch, "pooled") != 0;
    party_close(&P);
    return bad;
}

static int run(const char *self, uint32_t n, size_t batch, const char *op)
{
    char dir[64];
    if (ne_write_network(dir, n, 0))
        return 1;
    pid_t pids[16];
    char sn[16], sid[16], sb[32];
    snprintf(sn, sizeof sn, "%u", n);
    snprintf(sb, sizeof sb, "%zu", batch);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(sid, sizeof sid, "%u", i);
        pid_t pid = fork();
        if (pid == 0) {
            execl(self, self, "party", dir, sid, sn, sb, op, (char *)NULL);
            _exit(127);
        }
        pids[i] = pid;
    }
    int bad = ne_wait_children(pids, n, 3600, NULL);
    ne_cleanup(dir, n, 0);
    return bad;
}

int main(int argc, char **argv)
{
    /* As the stoffel CLI: a batch's share vectors are megabytes each, and with glibc's defaults
     * they are mapped, faulted in and unmapped again round after round. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    if (argc >= 7 && strcmp(argv[1], "party") == 0)
        return party_main(argv);
    size_t max_batch = argc > 1 ? (size_t)atol(argv[1]) : 10000;
    const char *ops = argc > 2 ? argv[2] : "lt,eq,trunc,div";
    char parties[32];
    snprintf(parties, sizeof parties, "%s", argc > 3 ? argv[3] : "3,4");
    if (max_batch == 0) {
        fprintf(stderr, "usage: bench_nl_quic [max_batch [ops [parties]]]\n");
        return 2;
    }
    int bad = 0;
    for (char *p = strtok(parties, ","); p; p = strtok(NULL, ",")) {
        char opl[128];
        snprintf(opl, sizeof opl, "%s", ops);
        char *save = NULL;
        for (char *op = strtok_r(opl, ",", &save); op; op = strtok_r(NULL, ",", &save)) {
            size_t top = strcmp(op, "div") == 0 && max_batch > DIV_MAX_BATCH ? DIV_MAX_BATCH : max_batch;
            bad += run(argv[0], (uint32_t)atoi(p), 1, op);
            if (top > 1)
                bad += run(argv[0], (uint32_t)atoi(p), top, op);
        }
    }
    return bad ? 1 : 0;
}
