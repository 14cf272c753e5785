/*
 * bench_sim.c - the simulated engine (all parties on one core): triples generated per second and
 * online multiplications per second for n=3,t=1 and n=4,t=1 at batch sizes 1, 10^3, 10^5, for the
 * fast 128-bit field and BLS12-381; rounds and bytes sent per party per multiplication. Median of
 * several runs, in process CPU time. JSON lines: mpc.triples_per_s, mpc.mul_online_per_s, mpc.bytes_per_mul,
 * mpc.rounds_per_mul with params n, t, batch, driver, field.
 * usage: bench_sim [--quick] [--field p128|bls12-381] [--n 3|4] [--batch 1|1000|100000]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stoffel/mpc.h>

/* Process CPU time: the benchmark machine is shared, and all simulated parties run on this one
 * thread anyway, so CPU time is the cost of the computation itself. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void emit(const char *metric, double value, const char *unit, uint32_t n, uint32_t t, size_t batch,
                 const char *field)
{
    printf("{\"bench\": \"%s\", \"value\": %.4g, \"unit\": \"%s\", \"params\": {\"n\": %u, \"t\": %u, \"batch\": %zu, \"driver\": \"sim\", \"field\": \"%s\"}}\n",
           metric, value, unit, n, t, batch, field);
    fflush(stdout);
}

static stoffel_mpc_engine *make(uint32_t n, uint32_t t, stoffel_mpc_field_id f, size_t prep_batch)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = t;
    cfg.field = f;
    cfg.seed = 1;
    cfg.record_transcript = 0;
    cfg.prep_batch = prep_batch;
    stoffel_mpc_engine *e = NULL;
    char err[256];
    if (stoffel_mpc_engine_new_simulated(&cfg, &e, err, sizeof err)) {
        fprintf(stderr, "bench_sim: %s\n", err);
        exit(1);
    }
    return e;
}

static void run(uint32_t n, uint32_t t, stoffel_mpc_field_id f, size_t batch, int runs)
{
    stoffel_mpc_engine *e = make(n, t, f, batch < 4096 ? 4096 : batch);
    const char *fname = stoffel_mpc_field_name(stoffel_mpc_engine_field(e));
    size_t ss = stoffel_mpc_engine_share_size(e);
    size_t total = batch >= 1000 ? (batch >= 100000 ? batch : 20 * batch) : 2000;
    size_t iters = total / batch;
    double tri[8], mul[8];
    uint8_t *x = malloc(batch * ss), *y = malloc(batch * ss), *z = malloc(batch * ss);
    stoffel_mpc_request rr[2] = {{.kind = STOFFEL_MPC_OP_RANDOM, .count = batch, .out = x},
                                 {.kind = STOFFEL_MPC_OP_RANDOM, .count = batch, .out = y}};
    uint64_t bytes0 = 0, rounds0 = 0, mults0 = 0, bytes_online = 0, rounds_online = 0, mults = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        if (stoffel_mpc_engine_sim_preprocess(e, total, 2 * batch)) {
            fprintf(stderr, "bench_sim: %s\n", stoffel_mpc_engine_last_error(e));
            exit(1);
        }
        tri[r] = (double)total / (now_s() - t0);
        stoffel_mpc_engine_execute(e, rr, 2);
        stoffel_mpc_stats st = {.struct_size = sizeof st};
        stoffel_mpc_engine_get_stats(e, &st);
        bytes0 = st.bytes_sent;
        rounds0 = st.rounds;
        mults0 = st.multiplications;
        stoffel_mpc_request m = {.kind = STOFFEL_MPC_OP_MUL, .count = batch, .a = x, .b = y, .out = z};
        t0 = now_s();
        for (size_t i = 0; i < iters; i++)
            if (stoffel_mpc_engine_execute(e, &m, 1)) {
                fprintf(stderr, "bench_sim: %s\n", stoffel_mpc_engine_last_error(e));
                exit(1);
            }
        mul[r] = (double)total / (now_s() - t0);
        stoffel_mpc_engine_get_stats(e, &st);
        bytes_online = st.bytes_sent - bytes0;
        rounds_online = st.rounds - rounds0;
        mults = st.multiplications - mults0;
    }
    qsort(tri, runs, sizeof *tri, cmp_double);
    qsort(mul, runs, sizeof *mul, cmp_double);
    emit("mpc.triples_per_s", tri[runs / 2], "triples/s", n, t, batch, fname);
    emit("mpc.mul_online_per_s", mul[runs / 2], "mul/s", n, t, batch, fname);
    emit("mpc.bytes_per_mul", (double)bytes_online / (double)mults, "bytes/party/mul", n, t, batch, fname);
    emit("mpc.rounds_per_mul", (double)rounds_online / (double)mults, "rounds/mul", n, t, batch, fname);
    free(x);
    free(y);
    free(z);
    stoffel_mpc_engine_free(e);
}

int main(int argc, char **argv)
{
    int quick = 0;
    long only_n = 0, only_batch = -1;
    const char *only_field = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--field") == 0 && i + 1 < argc)
            only_field = argv[++i];
        else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
            only_n = atol(argv[++i]);
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            only_batch = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_sim [--quick] [--field p128|bls12-381] [--n 3|4] [--batch 1|1000|100000]\n");
            return 2;
        }
    }
    const size_t batches[] = {1, 1000, 100000};
    const stoffel_mpc_field_id fields[] = {STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_FIELD_BLS12_381};
    const char *names[] = {"p128", "bls12-381"};
    for (size_t f = 0; f < 2; f++)
        for (uint32_t n = 3; n <= 4; n++)
            for (size_t b = 0; b < 3; b++) {
                if ((only_field && strcmp(only_field, names[f]) != 0) || (only_n && only_n != (long)n) ||
                    (only_batch >= 0 && (size_t)only_batch != batches[b]))
                    continue;
                run(n, 1, fields[f], batches[b], quick ? 1 : 3);
            }
    return 0;
}
