/*
 * bench_netengine.c - online multiplication throughput and dependent-multiplication latency of the
 * networked MPC engine among party processes over QUIC on 127.0.0.1.
 *
 * Prints JSON lines:
 *   mpc.mul_online_per_s       driver=quic, n, t, batch, field: Beaver multiplications per second,
 *                              batches of `batch` independent MULs (one opening round each),
 *                              preprocessing excluded (generated before the clock starts)
 *   mpc.mul_chain_ms_per_round driver=quic, n, t: ms per round of a chain of dependent MULs
 *
 * Usage: bench_netengine [quick]            (the parent; spawns itself as the parties)
 *        bench_netengine one N FIELD BATCH ITERS CHAIN   (one configuration, t = 1)
 *        bench_netengine party DIR ID N T FIELD BATCH ITERS CHAIN
 */
#include <sys/resource.h>

#include "../../../tests/mpc/netengine/ne_test_util.h"

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Profiling the online phase alone: with PERF_CTL_FIFO set (perf record -D -1 --control
 * fifo:PATH), the parties switch the profiler on for the timed loop and off after it. */
static void perf_ctl(const char *cmd)
{
    const char *path = getenv("PERF_CTL_FIFO");
    if (!path)
        return;
    /* a party may finish the warm-up before a slower one has stored its preprocessing (t + 1
     * shares suffice to open): let every party reach the loop before profiling starts */
    if (strcmp(cmd, "enable\n") == 0)
        usleep(300000);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(cmd, f);
        fclose(f);
    }
}

static int party_main(char **argv)
{
    const char *dir = argv[2];
    uint32_t me = (uint32_t)atoi(argv[3]);
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.n = (uint32_t)atoi(argv[4]);
    cfg.t = (uint32_t)atoi(argv[5]);
    if (stoffel_mpc_field_id_from_name(argv[6], &cfg.field))
        return 2;
    size_t batch = (size_t)atol(argv[7]), iters = (size_t)atol(argv[8]), chain = (size_t)atol(argv[9]);
    cfg.session_id = NE_SESSION;
    cfg.timeout_ms = 120000;
    cfg.max_early_frames = 1 << 16;
    stoffel_net_config *ncfg = NULL;
    stoffel_net_identity *ident = NULL;
    if (ne_load(dir, "p", me, &ncfg, &ident))
        return 1;
    /* a precise timer (timerfd): QUIC pacing and loss timers are sub-millisecond on loopback,
     * and epoll's millisecond timeouts would round each of them up */
    struct event_config *ecfg = event_config_new();
    if (!getenv("NE_COARSE_TIMER"))
        event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    struct event_base *base = event_base_new_with_config(ecfg);
    event_config_free(ecfg);
    stoffel_net *net = NULL;
    stoffel_mpc_engine *E = NULL;
    char err[256];
    stoffel_net_options opts;
    stoffel_net_options_defaults(&opts);
    opts.max_message_bytes = (size_t)256 << 20;
    /* loopback carries large datagrams: far fewer packets (and syscalls) per round; the size is
     * a parameter of the run (env NE_UDP_PAYLOAD, default 65000 here, 1452 on a real network) */
    opts.max_udp_payload_bytes = getenv("NE_UDP_PAYLOAD") ? (uint32_t)atoi(getenv("NE_UDP_PAYLOAD")) : 65000;
    if (stoffel_net_quic_party_new(base, ncfg, me, ident, &opts, &net, err, sizeof err) ||
        stoffel_mpc_engine_new_networked(&cfg, base, net, &E, err, sizeof err) || stoffel_net_start(net) ||
        stoffel_net_wait_connected(net, 30000)) {
        fprintf(stderr, "bench party %u: setup failed: %s %s\n", me, err, net ? stoffel_net_last_error(net) : "");
        return 1;
    }
    size_t ss = stoffel_mpc_engine_share_size(E);
    uint8_t *X = malloc(batch * ss), *Y = malloc(batch * ss), *Z = malloc(batch * ss);
    int rc = stoffel_mpc_engine_net_preprocess(E, batch * (iters + 1) + chain, 2 * batch);
    stoffel_mpc_request rnd[2] = {{.kind = STOFFEL_MPC_OP_RANDOM, .count = batch, .out = X},
                                  {.kind = STOFFEL_MPC_OP_RANDOM, .count = batch, .out = Y}};
    if (rc == 0)
        rc = stoffel_mpc_engine_execute(E, rnd, 2);
    stoffel_mpc_request mul = {.kind = STOFFEL_MPC_OP_MUL, .count = batch, .a = X, .b = Y, .out = Z};
    if (rc == 0)
        rc = stoffel_mpc_engine_execute(E, &mul, 1); /* warm-up: caches, congestion windows */
    perf_ctl("enable\n");
    double t0 = ne_now_s(), c0 = cpu_s();
    for (size_t i = 0; i < iters && rc == 0; i++)
        rc = stoffel_mpc_engine_execute(E, &mul, 1);
    double t1 = ne_now_s(), c1 = cpu_s();
    perf_ctl("disable\n");
    double cpu_ns = (c1 - c0) * 1e9 / (double)(batch * (iters ? iters : 1));
    stoffel_mpc_request link = {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = Z, .b = Y, .out = Z};
    for (size_t i = 0; i < chain && rc == 0; i++)
        rc = stoffel_mpc_engine_execute(E, &link, 1);
    double t2 = ne_now_s();
    if (rc) {
        fprintf(stderr, "bench party %u: %s\n", me, stoffel_mpc_engine_last_error(E));
        return 1;
    }
    if (me == 0) {
        /* the wall-clock rate depends on what else the machine runs; the CPU time one party
         * spends per multiplication (user + sys) says what the code costs */
        if (iters) {
            printf("{\"bench\": \"mpc.mul_online_per_s\", \"value\": %.0f, \"unit\": \"mul/s\", \"params\": "
                   "{\"driver\": \"quic\", \"n\": %u, \"t\": %u, \"batch\": %zu, \"field\": \"%s\", "
                   "\"udp_payload\": %u}}\n",
                   (double)(batch * iters) / (t1 - t0), cfg.n, cfg.t, batch, argv[6], opts.max_udp_payload_bytes);
            printf("{\"bench\": \"mpc.mul_online_cpu_ns\", \"value\": %.1f, \"unit\": \"ns/mul\", \"params\": "
                   "{\"driver\": \"quic\", \"n\": %u, \"t\": %u, \"batch\": %zu, \"field\": \"%s\", "
                   "\"udp_payload\": %u, \"party\": 0}}\n",
                   cpu_ns, cfg.n, cfg.t, batch, argv[6], opts.max_udp_payload_bytes);
        }
        if (chain)
            printf("{\"bench\": \"mpc.mul_chain_ms_per_round\", \"value\": %.4f, \"unit\": \"ms\", \"params\": "
                   "{\"driver\": \"quic\", \"n\": %u, \"t\": %u, \"field\": \"%s\"}}\n",
                   (t2 - t1) * 1000.0 / (double)chain, cfg.n, cfg.t, argv[6]);
        fflush(stdout);
    }
    stoffel_net_flush(net, 5000);
    struct timeval linger = {0, 300000};
    event_base_loopexit(base, &linger);
    event_base_dispatch(base);
    free(X);
    free(Y);
    free(Z);
    stoffel_mpc_engine_free(E);
    stoffel_net_free(net);
    stoffel_net_identity_free(ident);
    stoffel_net_config_free(ncfg);
    event_base_free(base);
    return 0;
}

static int run(const char *self, uint32_t n, uint32_t t, const char *field, size_t batch, size_t iters, size_t chain)
{
    char dir[64];
    if (ne_write_network(dir, n, 0))
        return 1;
    pid_t pids[16];
    char args[6][32];
    snprintf(args[0], 32, "%u", n);
    snprintf(args[1], 32, "%u", t);
    snprintf(args[2], 32, "%zu", batch);
    snprintf(args[3], 32, "%zu", iters);
    snprintf(args[4], 32, "%zu", chain);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(args[5], 32, "%u", i);
        pid_t pid = fork();
        if (pid == 0) {
            execl(self, self, "party", dir, args[5], args[0], args[1], field, args[2], args[3], args[4], (char *)NULL);
            _exit(127);
        }
        pids[i] = pid;
    }
    int bad = ne_wait_children(pids, n, 300, NULL);
    ne_cleanup(dir, n, 0);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc >= 10 && strcmp(argv[1], "party") == 0)
        return party_main(argv);
    if (argc >= 7 && strcmp(argv[1], "one") == 0)
        return run(argv[0], (uint32_t)atoi(argv[2]), 1, argv[3], (size_t)atol(argv[4]), (size_t)atol(argv[5]),
                   (size_t)atol(argv[6]));
    int quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    size_t batch = quick ? 10000 : 100000, iters = quick ? 2 : 5;
    int bad = 0;
    bad += run(argv[0], 3, 1, "p128", batch, iters, quick ? 200 : 2000);
    bad += run(argv[0], 4, 1, "p128", batch, iters, 0);
    bad += run(argv[0], 3, 1, "bls12_381", batch, iters, 0);
    bad += run(argv[0], 4, 1, "bls12_381", batch, iters, 0);
    return bad ? 1 : 0;
}
