/*
 * bench_nonlinear.c - benchmarks of the nonlinear protocols on the simulated engine, preprocessing
 * included (pools start empty, so every triple and random sharing is generated inside the timing).
 * JSON lines:
 *   mpc.cmp_per_s, mpc.cmp_rounds   params op (lt, eq, trunc, div), bits, n, t, batch, driver
 *   mpc.decision_tree_s             depth-4 tree, 15 secret comparisons; params n, t, driver
 *   mpc.knn40_s                     1-nearest neighbour over 40 2-D points; params n, t, driver
 * Usage: bench_nonlinear [max_batch [ops]] (default 10000 and "lt,eq,trunc,div,fdiv,tree,knn"; the
 * 64-bit division runs at batch <= 100).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stoffel/mpc.h>

#include "../../../tests/mpc/nonlinear/nl_harness.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static stoffel_mpc_engine *sim(uint32_t n, uint32_t t, stoffel_mpc_field_id field)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = t;
    cfg.field = field;
    cfg.seed = 42;
    cfg.record_transcript = 0;
    stoffel_mpc_engine *e = NULL;
    char err[256] = "";
    if (stoffel_mpc_engine_new_simulated(&cfg, &e, err, sizeof err) != 0) {
        fprintf(stderr, "bench_nonlinear: simulated engine: %s\n", err);
        exit(1);
    }
    return e;
}

static uint64_t rounds_of(stoffel_mpc_engine *e)
{
    stoffel_mpc_stats s = {.struct_size = sizeof s};
    stoffel_mpc_engine_get_stats(e, &s);
    return s.rounds;
}

/* One batch of `op` on random 64-bit (div: bits) operands; prints throughput and rounds. */
static void bench_op(const char *op, unsigned bits, uint32_t n, uint32_t t, size_t batch)
{
    int is_div = strcmp(op, "div") == 0 || strcmp(op, "fdiv") == 0;
    stoffel_mpc_engine *e = sim(n, t, is_div && bits > 40 ? STOFFEL_MPC_FIELD_BLS12_381
                                                           : STOFFEL_MPC_FIELD_P128);
    size_t ss = stoffel_mpc_engine_share_size(e);
    int64_t *a = malloc(batch * 8), *b = malloc(batch * 8);
    uint8_t *sa = malloc(batch * ss), *sb = malloc(batch * ss), *so = malloc(batch * ss);
    uint64_t st = 0x1234567887654321ull;
    for (size_t i = 0; i < batch; i++) {
        a[i] = nlh_rand_bits(&st, bits, 1);
        b[i] = nlh_rand_bits(&st, bits, 1);
        if (strcmp(op, "fdiv") == 0) { /* keep the fixed-point quotients inside 64 bits */
            a[i] >>= 24;
            b[i] >>= 8;
        }
    }
    if (nlh_input(e, a, batch, 1, sa) || nlh_input(e, b, batch, 1, sb)) {
        fprintf(stderr, "bench_nonlinear: input failed: %s\n", stoffel_mpc_engine_last_error(e));
        exit(1);
    }
    stoffel_mpc_request q = {.count = batch, .a = sa, .b = sb, .out = so, .bits = bits,
                             .is_signed = 1};
    if (strcmp(op, "lt") == 0)
        q.kind = STOFFEL_MPC_OP_LT;
    else if (strcmp(op, "eq") == 0)
        q.kind = STOFFEL_MPC_OP_EQ;
    else if (strcmp(op, "fdiv") == 0) {
        q.kind = STOFFEL_MPC_OP_FIXED_DIV;
        q.shift = 16;
    } else if (strcmp(op, "trunc") == 0) {
        q.kind = STOFFEL_MPC_OP_TRUNC;
        q.b = NULL;
        q.shift = 16;
    } else
        q.kind = STOFFEL_MPC_OP_DIV;
    uint64_t r0 = rounds_of(e);
    double t0 = now_s();
    int rc = stoffel_mpc_engine_execute(e, &q, 1);
    double dt = now_s() - t0;
    if (rc) {
        fprintf(stderr, "bench_nonlinear: %s failed: %s\n", op, stoffel_mpc_engine_last_error(e));
        exit(1);
    }
    uint64_t rounds = rounds_of(e) - r0;
    const char *fmt = "{\"bench\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"params\": {\"op\": "
                      "\"%s\", \"bits\": %u, \"n\": %u, \"t\": %u, \"batch\": %zu, \"driver\": "
                      "\"sim\", \"field\": \"%s\"}}\n";
    const char *fname = stoffel_mpc_field_name(stoffel_mpc_engine_field(e));
    printf(fmt, "mpc.cmp_per_s", batch / dt, "ops/s", op, bits, n, t, batch, fname);
    printf(fmt, "mpc.cmp_rounds", (double)rounds, "rounds", op, bits, n, t, batch, fname);
    fflush(stdout);
    free(a);
    free(b);
    free(sa);
    free(sb);
    free(so);
    stoffel_mpc_engine_free(e);
}

/* Multiplies k vectors of n shares pairwise down to one (log-depth), into out. */
static int product_tree(stoffel_mpc_engine *e, uint8_t *v, size_t k, size_t n, uint8_t *out)
{
    size_t ss = stoffel_mpc_engine_share_size(e);
    while (k > 1) {
        size_t half = k / 2;
        stoffel_mpc_request q = {.kind = STOFFEL_MPC_OP_MUL, .count = half * n, .a = v,
                                 .b = v + half * n * ss, .out = v};
        if (stoffel_mpc_engine_execute(e, &q, 1))
            return -1;
        if (k % 2)
            memmove(v + half * n * ss, v + (k - 1) * n * ss, n * ss);
        k = half + k % 2;
    }
    memcpy(out, v, n * ss);
    return 0;
}

/* Depth-4 decision tree: 15 internal nodes x_f(i) < thr_i (one batch), leaf indicator = product
 * of the 4 path bits (or their negations), result = sum leaf_value * indicator. */
static void bench_decision_tree(uint32_t n, uint32_t t)
{
    stoffel_mpc_engine *e = sim(n, t, STOFFEL_MPC_FIELD_P128);
    const stoffel_mpc_field *f = stoffel_mpc_engine_field(e);
    size_t ss = stoffel_mpc_engine_share_size(e), es = stoffel_mpc_field_elem_size(f);
    int64_t features[4] = {37, 12, 90, 55}, x[15], thr[15];
    for (int i = 0; i < 15; i++) {
        x[i] = features[i % 4];
        thr[i] = 20 + 5 * i;
    }
    double t0 = now_s();
    uint8_t *sx = malloc(15 * ss), *st = malloc(15 * ss), *bits = malloc(15 * ss);
    uint8_t *terms = malloc(16 * 4 * ss), *ind = malloc(16 * ss), *acc = malloc(ss);
    uint8_t *one = malloc(es), *val = malloc(es), *tmp = malloc(ss);
    int rc = nlh_input(e, x, 15, 1, sx) || nlh_input(e, thr, 15, 1, st);
    stoffel_mpc_request q = {.kind = STOFFEL_MPC_OP_LT, .count = 15, .a = sx, .b = st,
                             .out = bits, .bits = 32, .is_signed = 1};
    rc = rc || stoffel_mpc_engine_execute(e, &q, 1);
    stoffel_mpc_field_from_i64(f, 1, one);
    /* term[d][leaf] (depth-major) = bit or 1 - bit of the node at depth d on the leaf's path */
    for (int leaf = 0; leaf < 16 && !rc; leaf++) {
        int node = 0;
        for (int d = 0; d < 4; d++) {
            int go_right = (leaf >> (3 - d)) & 1;
            uint8_t *dst = terms + ((size_t)d * 16 + leaf) * ss;
            memcpy(dst, bits + node * ss, ss);
            if (!go_right) { /* 1 - bit */
                stoffel_mpc_field_from_i64(f, -1, val);
                rc |= stoffel_mpc_engine_mul_public(e, dst, val, dst, 1);
                rc |= stoffel_mpc_engine_add_public(e, dst, one, dst, 1);
            }
            node = 2 * node + 1 + go_right;
        }
    }
    rc = rc || product_tree(e, terms, 4, 16, ind);
    int64_t leaf_val = 0;
    if (!rc) {
        stoffel_mpc_field_from_i64(f, 0, val);
        rc = stoffel_mpc_engine_share_public(e, val, acc, 1);
        for (int leaf = 0; leaf < 16 && !rc; leaf++) {
            stoffel_mpc_field_from_i64(f, 100 + leaf, val);
            rc |= stoffel_mpc_engine_mul_public(e, ind + leaf * ss, val, tmp, 1);
            rc |= stoffel_mpc_engine_add(e, acc, tmp, acc, 1);
        }
        rc = rc || nlh_open(e, acc, 1, &leaf_val);
    }
    double dt = now_s() - t0;
    /* clear evaluation of the same tree */
    int node = 0, leaf = 0;
    for (int d = 0; d < 4; d++) {
        int right = x[node] < thr[node];
        leaf = leaf * 2 + right;
        node = 2 * node + 1 + right;
    }
    if (rc || leaf_val != 100 + leaf) {
        fprintf(stderr, "bench_nonlinear: decision tree gave %lld, want %d (%s)\n",
                (long long)leaf_val, 100 + leaf, stoffel_mpc_engine_last_error(e));
        exit(1);
    }
    printf("{\"bench\": \"mpc.decision_tree_s\", \"value\": %.6g, \"unit\": \"s\", \"params\": "
           "{\"n\": %u, \"t\": %u, \"driver\": \"sim\", \"comparisons\": 15}}\n", dt, n, t);
    fflush(stdout);
    free(sx); free(st); free(bits); free(terms); free(ind); free(acc); free(one); free(val);
    free(tmp);
    stoffel_mpc_engine_free(e);
}

/* 1-NN over 40 2-D points: squared distances (one MUL batch), then a tournament of MIN-style
 * selections carrying (distance, label): 39 comparisons in 6 levels. */
static void bench_knn40(uint32_t n, uint32_t t)
{
    enum { P = 40 };
    stoffel_mpc_engine *e = sim(n, t, STOFFEL_MPC_FIELD_P128);
    size_t ss = stoffel_mpc_engine_share_size(e);
    int64_t coords[2 * P + 2], labels[P];
    uint64_t st = 77;
    for (int i = 0; i < P; i++) {
        coords[2 * i] = nlh_rand_bits(&st, 10, 0);
        coords[2 * i + 1] = nlh_rand_bits(&st, 10, 0);
        labels[i] = i % 3;
    }
    coords[2 * P] = 500;
    coords[2 * P + 1] = 321;
    double t0 = now_s();
    uint8_t *sc = malloc((2 * P + 2) * ss), *diff = malloc(2 * P * ss), *sq = malloc(2 * P * ss);
    uint8_t *dist = malloc(P * ss), *lab = malloc(P * ss), *c = malloc(P * ss);
    uint8_t *sel_b = malloc(2 * P * ss), *tmp = malloc(2 * P * ss);
    int rc = nlh_input(e, coords, 2 * P + 2, 1, sc) || nlh_input(e, labels, P, 1, lab);
    for (int i = 0; i < P && !rc; i++) {
        rc |= stoffel_mpc_engine_sub(e, sc + 2 * i * ss, sc + 2 * P * ss, diff + 2 * i * ss, 1);
        rc |= stoffel_mpc_engine_sub(e, sc + (2 * i + 1) * ss, sc + (2 * P + 1) * ss,
                                     diff + (2 * i + 1) * ss, 1);
    }
    stoffel_mpc_request m = {.kind = STOFFEL_MPC_OP_MUL, .count = 2 * P, .a = diff, .b = diff,
                             .out = sq};
    rc = rc || stoffel_mpc_engine_execute(e, &m, 1);
    for (int i = 0; i < P && !rc; i++)
        rc |= stoffel_mpc_engine_add(e, sq + 2 * i * ss, sq + (2 * i + 1) * ss, dist + i * ss, 1);
    size_t k = P;
    while (k > 1 && !rc) {
        size_t h = k / 2;
        /* c = [d_lo < d_hi] for pairs (i, i + h); keep the smaller distance and its label */
        stoffel_mpc_request lt = {.kind = STOFFEL_MPC_OP_LT, .count = h, .a = dist,
                                  .b = dist + h * ss, .out = c, .bits = 24, .is_signed = 1};
        rc = stoffel_mpc_engine_execute(e, &lt, 1);
        /* SELECT on both vectors at once: then = lo half, else = hi half */
        memcpy(sel_b, dist, h * ss);
        memcpy(sel_b + h * ss, lab, h * ss);
        memcpy(sel_b + 2 * h * ss, dist + h * ss, h * ss);
        memcpy(sel_b + 3 * h * ss, lab + h * ss, h * ss);
        memcpy(tmp, c, h * ss);
        memcpy(tmp + h * ss, c, h * ss);
        stoffel_mpc_request s = {.kind = STOFFEL_MPC_OP_SELECT, .count = 2 * h, .a = tmp,
                                 .b = sel_b, .out = diff};
        rc = rc || stoffel_mpc_engine_execute(e, &s, 1);
        if (rc)
            break;
        memcpy(dist, diff, h * ss);
        memcpy(lab, diff + h * ss, h * ss);
        if (k % 2) {
            memcpy(dist + h * ss, dist + (k - 1) * ss, ss);
            memcpy(lab + h * ss, lab + (k - 1) * ss, ss);
        }
        k = h + k % 2;
    }
    int64_t got = -1;
    rc = rc || nlh_open(e, lab, 1, &got);
    double dt = now_s() - t0;
    int64_t best = -1, bestd = INT64_MAX;
    for (int i = 0; i < P; i++) {
        int64_t dx = coords[2 * i] - 500, dy = coords[2 * i + 1] - 321, d = dx * dx + dy * dy;
        if (d < bestd) {
            bestd = d;
            best = labels[i];
        }
    }
    if (rc || got != best) {
        fprintf(stderr, "bench_nonlinear: knn gave %lld, want %lld (%s)\n", (long long)got,
                (long long)best, stoffel_mpc_engine_last_error(e));
        exit(1);
    }
    printf("{\"bench\": \"mpc.knn40_s\", \"value\": %.6g, \"unit\": \"s\", \"params\": {\"n\": %u, "
           "\"t\": %u, \"driver\": \"sim\", \"comparisons\": 39}}\n", dt, n, t);
    fflush(stdout);
    free(sc); free(diff); free(sq); free(dist); free(lab); free(c); free(sel_b); free(tmp);
    stoffel_mpc_engine_free(e);
}

int main(int argc, char **argv)
{
    size_t max_batch = argc > 1 ? (size_t)atol(argv[1]) : 10000;
    const char *ops = argc > 2 ? argv[2] : "lt,eq,trunc,div,fdiv,tree,knn";
    if (max_batch == 0)
        max_batch = 1;
    if (strstr(ops, "tree"))
        bench_decision_tree(5, 1);
    if (strstr(ops, "knn"))
        bench_knn40(5, 1);
    static const uint32_t ns[2] = {3, 4};
    for (int i = 0; i < 2; i++) {
        size_t batches[2] = {1, max_batch};
        for (int j = 0; j < 2; j++) {
            if (strstr(ops, "lt"))
                bench_op("lt", 64, ns[i], 1, batches[j]);
            if (strstr(ops, "eq"))
                bench_op("eq", 64, ns[i], 1, batches[j]);
            if (strstr(ops, "trunc"))
                bench_op("trunc", 64, ns[i], 1, batches[j]);
            if (strstr(ops, "div,") || (strlen(ops) >= 3 && !strcmp(ops + strlen(ops) - 3, "div") &&
                                        (strlen(ops) == 3 || ops[strlen(ops) - 4] == ',')))
                bench_op("div", 64, ns[i], 1, batches[j] < 100 ? batches[j] : 100);
            if (strstr(ops, "fdiv"))
                bench_op("fdiv", 64, ns[i], 1, batches[j] < 1000 ? batches[j] : 1000);
        }
    }
    return 0;
}
