/*
 * test_engine.c - the simulated engine end to end through the public API: preprocessing, then
 * 10^4 multiplications and 10^4 openings checked against clear arithmetic for (n,t) = (3,1),
 * (4,1), (7,2) with reordering, delays and lost-then-retransmitted messages; robust mode with t
 * parties crashed after preprocessing and with t parties sending wrong shares or garbage; a
 * semi-honest liar aborts instead of giving a wrong value; 5 clients input and output; the same
 * seed gives the same transcript hash; bound errors name the bound.
 */
#include <stdlib.h>
#include <string.h>

#include <stoffel/mpc.h>

#include "test_util.h"

typedef struct {
    stoffel_mpc_engine *e;
    const stoffel_mpc_field *F;
    size_t es, ss;
} ctx;

/* ctx_open flags: 1 = scheduler faults (reorder, delays, drops); CHECK_OPENINGS = semi-honest
 * openings send to every party and check every share */
#define CHECK_OPENINGS 2

static int ctx_open(ctx *c, uint32_t n, uint32_t t, stoffel_mpc_field_id f, stoffel_mpc_security sec,
                    uint64_t seed, int faults)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = t;
    cfg.field = f;
    cfg.security = sec;
    cfg.seed = seed;
    cfg.prep_batch = 1000;
    cfg.check_openings = (faults & CHECK_OPENINGS) != 0;
    if (faults & 1) {
        cfg.reorder = 1;
        cfg.delay_permille = 200;
        cfg.drop_permille = 50;
    }
    char err[256] = "";
    int rc = stoffel_mpc_engine_new_simulated(&cfg, &c->e, err, sizeof err);
    CHECK_MSG(rc == 0, "engine_new_simulated(n=%u, t=%u): %d %s", n, t, rc, err);
    if (rc)
        return rc;
    c->F = stoffel_mpc_engine_field(c->e);
    c->es = stoffel_mpc_field_elem_size(c->F);
    c->ss = stoffel_mpc_engine_share_size(c->e);
    return 0;
}

static void share_ints(ctx *c, const int64_t *v, size_t count, uint8_t *shares)
{
    uint8_t *pub = malloc(count * c->es);
    for (size_t k = 0; k < count; k++)
        stoffel_mpc_field_from_i64(c->F, v[k], pub + k * c->es);
    CHECK_EQ_INT(stoffel_mpc_engine_share_public(c->e, pub, shares, count), 0);
    free(pub);
}

static int64_t to_int(ctx *c, const uint8_t *elem)
{
    int64_t v = 0;
    int fits = 0;
    stoffel_mpc_field_to_i64(c->F, elem, &v, &fits);
    return fits ? v : INT64_MIN;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* `total` multiplications in batches: z = x*y then w = z*x + y (two dependent rounds), the
 * products opened with a random share added and the random share opened too; every opened
 * value checked against clear arithmetic. Returns the number of wrong values (or -1 on error). */
static long mul_open_run(ctx *c, size_t total, size_t batch, uint64_t seed)
{
    int64_t *x = malloc(batch * sizeof *x), *y = malloc(batch * sizeof *y);
    uint8_t *sx = malloc(batch * c->ss), *sy = malloc(batch * c->ss), *sz = malloc(batch * c->ss);
    uint8_t *sw = malloc(batch * c->ss), *r = malloc(batch * c->ss);
    uint8_t *oz = malloc(batch * c->es), *ow = malloc(batch * c->es), *orr = malloc(batch * c->es);
    long wrong = 0;
    for (size_t done = 0; done < total && wrong >= 0; done += batch) {
        for (size_t k = 0; k < batch; k++) {
            x[k] = (int64_t)(lcg(&seed) % 2000001) - 1000000;
            y[k] = (int64_t)(lcg(&seed) % 2000001) - 1000000;
        }
        share_ints(c, x, batch, sx);
        share_ints(c, y, batch, sy);
        stoffel_mpc_request q1[2] = {
            {.kind = STOFFEL_MPC_OP_MUL, .count = batch, .a = sx, .b = sy, .out = sz},
            {.kind = STOFFEL_MPC_OP_RANDOM, .count = batch, .out = r},
        };
        int rc = stoffel_mpc_engine_execute(c->e, q1, 2);
        CHECK_MSG(rc == 0, "execute mul: %d %s", rc, stoffel_mpc_engine_last_error(c->e));
        if (rc) {
            wrong = -1;
            break;
        }
        stoffel_mpc_request q2 = {.kind = STOFFEL_MPC_OP_MUL, .count = batch, .a = sz, .b = sx, .out = sw};
        rc = stoffel_mpc_engine_execute(c->e, &q2, 1);
        CHECK_MSG(rc == 0, "execute mul 2: %d %s", rc, stoffel_mpc_engine_last_error(c->e));
        if (rc) {
            wrong = -1;
            break;
        }
        CHECK_EQ_INT(stoffel_mpc_engine_add(c->e, sw, sy, sw, batch), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_add(c->e, sz, r, sz, batch), 0);
        stoffel_mpc_request q3[3] = {
            {.kind = STOFFEL_MPC_OP_OPEN, .count = batch, .a = sz, .out = oz},
            {.kind = STOFFEL_MPC_OP_OPEN, .count = batch, .a = sw, .out = ow},
            {.kind = STOFFEL_MPC_OP_OPEN, .count = batch, .a = r, .out = orr},
        };
        rc = stoffel_mpc_engine_execute(c->e, q3, 3);
        CHECK_MSG(rc == 0, "execute open: %d %s", rc, stoffel_mpc_engine_last_error(c->e));
        if (rc) {
            wrong = -1;
            break;
        }
        /* direct clear check: products fit below 2^63 (|x*y*x| <= 10^18) */
        for (size_t k = 0; k < batch; k++) {
            int64_t z = x[k] * y[k], w = z * x[k] + y[k];
            if (to_int(c, ow + k * c->es) != w)
                wrong++;
            /* oz = z + r in the field: check oz - r == z by encoding */
            uint8_t zb[32], rb[32];
            stoffel_mpc_field_from_i64(c->F, z, zb);
            memcpy(rb, orr + k * c->es, c->es);
            /* z + r mod p computed with the engine's public arithmetic */
            uint8_t *ps = malloc(c->ss), *ps2 = malloc(c->ss);
            stoffel_mpc_engine_share_public(c->e, zb, ps, 1);
            stoffel_mpc_engine_add_public(c->e, ps, rb, ps2, 1);
            stoffel_mpc_engine_share_public(c->e, oz + k * c->es, ps, 1);
            stoffel_mpc_engine_sub(c->e, ps, ps2, ps, 1);
            /* a public sharing of 0 is all-zero bytes in every engine layout */
            int zero = 1;
            for (size_t b = 0; b < c->ss; b++)
                zero &= ps[b] == 0;
            if (!zero)
                wrong++;
            free(ps);
            free(ps2);
        }
    }
    free(x);
    free(y);
    free(sx);
    free(sy);
    free(sz);
    free(sw);
    free(r);
    free(oz);
    free(ow);
    free(orr);
    return wrong;
}

static void test_end_to_end(uint32_t n, uint32_t t, stoffel_mpc_field_id f, stoffel_mpc_security sec, int faults)
{
    ctx c;
    if (ctx_open(&c, n, t, f, sec, 1000 + n, faults))
        return;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_preprocess(c.e, 20000, 20000), 0);
    long wrong = mul_open_run(&c, 10000, 2500, n * 31 + t);
    CHECK_MSG(wrong == 0, "n=%u t=%u: %ld wrong values", n, t, wrong);
    stoffel_mpc_stats st = {.struct_size = sizeof st};
    CHECK_EQ_INT(stoffel_mpc_engine_get_stats(c.e, &st), 0);
    CHECK_EQ_INT(st.multiplications, 20000);
    CHECK_EQ_INT(st.rounds, 4 * 3); /* 4 batches x (mul, mul, open) */
    CHECK_EQ_INT(st.openings, 30000);
    CHECK(st.preprocessing_rounds >= 2);
    CHECK(st.bytes_sent > 0);
    stoffel_mpc_engine_free(c.e);
}

/* Robust mode: t parties crash after preprocessing (mode 0) or in the middle of a batch (3), or
 * lie (1: wrong shares, 2: garbage); results stay exact. */
static void test_robust_faults(uint32_t n, uint32_t t, int mode)
{
    ctx c;
    if (ctx_open(&c, n, t, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_ROBUST, 77 + n + mode, 1))
        return;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_preprocess(c.e, 20000, 10100), 0); /* the pools must last: preprocessing waits for every party */
    for (uint32_t i = 0; i < t; i++) {
        uint32_t party = (i * 3 + 1) % n;
        if (mode == 0)
            CHECK_EQ_INT(stoffel_mpc_engine_sim_crash_party(c.e, party, 0), 0);
        else if (mode == 3) /* mid-protocol: after a few more deliveries, inside the first batch */
            CHECK_EQ_INT(stoffel_mpc_engine_sim_crash_party(c.e, party, 3 + i), 0);
        else
            CHECK_EQ_INT(stoffel_mpc_engine_sim_set_liar(c.e, party, mode == 1 ? STOFFEL_MPC_SIM_WRONG_SHARES
                                                                             : STOFFEL_MPC_SIM_GARBAGE), 0);
    }
    long wrong = mul_open_run(&c, 10000, 5000, 5);
    CHECK_MSG(wrong == 0, "robust n=%u t=%u mode %d: %ld wrong values", n, t, mode, wrong);
    /* a client still reconstructs its output correctly (robust decoding on the client side) and
     * gives input through the reliable broadcast with t parties down or lying */
    uint8_t v[16], got[16], *s = malloc(c.ss), *in = malloc(c.ss), *sum = malloc(c.ss);
    stoffel_mpc_field_from_i64(c.F, -4242, v);
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_input(c.e, 9, v, 1), 0);
    stoffel_mpc_field_from_i64(c.F, 1000, v);
    stoffel_mpc_engine_share_public(c.e, v, s, 1);
    CHECK_EQ_INT(stoffel_mpc_engine_client_input_get(c.e, 0, 0, in), 0);
    stoffel_mpc_engine_add(c.e, s, in, sum, 1);
    stoffel_mpc_request o = {.kind = STOFFEL_MPC_OP_OUTPUT, .count = 1, .a = sum, .client_id = 9};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &o, 1), 0);
    size_t cnt = 1;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_output(c.e, 9, got, &cnt), 0);
    CHECK_EQ_INT(cnt, 1);
    CHECK_EQ_INT(to_int(&c, got), 1000 - 4242);
    free(s);
    free(in);
    free(sum);
    if (mode == 1 || mode == 2) {
        for (uint32_t i = 0; i < t; i++) {
            uint64_t blamed = 0;
            CHECK_EQ_INT(stoffel_mpc_engine_sim_blame(c.e, (i * 3 + 1) % n, &blamed), 0);
            CHECK_MSG(blamed > 0, "liar %u not named", (i * 3 + 1) % n);
        }
        uint64_t honest = 99;
        stoffel_mpc_engine_sim_blame(c.e, 0, &honest);
        CHECK_EQ_INT(honest, 0);
    }
    stoffel_mpc_engine_free(c.e);
}

/* Semi-honest, n = 3, a party that stops answering after preprocessing. With check_openings
 * (shares to everyone) the others open from the t+1 shares they have once the network has nothing
 * more to deliver (the timeout event). With the default cyclic fan-out (each party hears only from
 * the t parties before it) semi-honest mode does not tolerate the crash: the party that waits for
 * the crashed one times out, and the error names the crashed party. */
static void test_semi_honest_crash(int check_openings)
{
    ctx c;
    if (ctx_open(&c, 3, 1, STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_SEMI_HONEST, 55,
                 1 | (check_openings ? CHECK_OPENINGS : 0)))
        return;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_preprocess(c.e, 600, 300), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_sim_crash_party(c.e, 1, 0), 0);
    if (check_openings) {
        long wrong = mul_open_run(&c, 300, 100, 8);
        CHECK_EQ_INT(wrong, 0);
    } else {
        int64_t v[2] = {5, 6};
        uint8_t *s = malloc(2 * c.ss), out[64];
        share_ints(&c, v, 2, s);
        stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = 2, .a = s, .out = out};
        CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &op, 1), STOFFEL_ERR_TIMEOUT);
        const char *msg = stoffel_mpc_engine_last_error(c.e);
        CHECK_MSG(strstr(msg, "missing from parties 1)") != NULL, "message: %s", msg);
        free(s);
    }
    stoffel_mpc_engine_free(c.e);
}

/* Semi-honest openings: bytes per party per opened value. The cyclic fan-out sends t elements
 * per value (n = 3, t = 1: one), check_openings n - 1 (two); both open the right values. */
static void test_semi_honest_open_bytes(void)
{
    uint64_t bytes[2];
    for (int check = 0; check < 2; check++) {
        ctx c;
        if (ctx_open(&c, 3, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 5, check ? CHECK_OPENINGS : 0))
            return;
        enum { K = 1000 };
        int64_t v[K];
        for (int k = 0; k < K; k++)
            v[k] = k * 7 - 3000;
        uint8_t *s = malloc(K * c.ss), *r = malloc(K * c.ss), *out = malloc(K * c.es);
        share_ints(&c, v, K, s);
        stoffel_mpc_request rr = {.kind = STOFFEL_MPC_OP_RANDOM, .count = K, .out = r};
        CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &rr, 1), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_add(c.e, s, r, s, K), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_sub(c.e, s, r, s, K), 0);
        stoffel_mpc_stats st0 = {.struct_size = sizeof st0}, st1 = {.struct_size = sizeof st1};
        CHECK_EQ_INT(stoffel_mpc_engine_get_stats(c.e, &st0), 0);
        stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = K, .a = s, .out = out};
        CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &op, 1), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_get_stats(c.e, &st1), 0);
        int wrong = 0;
        for (int k = 0; k < K; k++)
            wrong += to_int(&c, out + k * c.es) != v[k];
        CHECK_EQ_INT(wrong, 0);
        bytes[check] = st1.bytes_sent - st0.bytes_sent;
        free(s);
        free(r);
        free(out);
        stoffel_mpc_engine_free(c.e);
    }
    /* payload K * 16 bytes per message, plus one envelope header each */
    CHECK_MSG(bytes[0] >= 1000 * 16 && bytes[0] < 1000 * 16 + 200, "cyclic: %llu bytes", (unsigned long long)bytes[0]);
    CHECK_MSG(bytes[1] >= 2 * 1000 * 16 && bytes[1] < 2 * 1000 * 16 + 400, "check_openings: %llu bytes",
              (unsigned long long)bytes[1]);
}

/* Robust openings of vectors go through batch reconstruction: at n = 7, t = 2 each party sends
 * 2 (n-1) elements per group of t+1 = 3 values (4 per value) instead of n-1 = 6, and the opened
 * values are exact even with t parties sending wrong shares in both rounds. */
static void test_robust_open_batch(int liars)
{
    ctx c;
    if (ctx_open(&c, 7, 2, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_ROBUST, 17 + liars, 0))
        return;
    enum { K = 999 };
    int64_t *v = malloc(K * sizeof *v);
    for (int k = 0; k < K; k++)
        v[k] = (int64_t)k * 1001 - 400000;
    uint8_t *s = malloc(K * c.ss), *r = malloc(K * c.ss), *out = malloc(K * c.es);
    share_ints(&c, v, K, s);
    stoffel_mpc_request rr = {.kind = STOFFEL_MPC_OP_RANDOM, .count = K, .out = r};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &rr, 1), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_add(c.e, s, r, s, K), 0); /* a random degree-t sharing */
    CHECK_EQ_INT(stoffel_mpc_engine_sub(c.e, s, r, s, K), 0);
    for (int i = 0; i < liars; i++)
        CHECK_EQ_INT(stoffel_mpc_engine_sim_set_liar(c.e, (uint32_t)(2 * i + 1), STOFFEL_MPC_SIM_WRONG_SHARES), 0);
    stoffel_mpc_stats st0 = {.struct_size = sizeof st0}, st1 = {.struct_size = sizeof st1};
    CHECK_EQ_INT(stoffel_mpc_engine_get_stats(c.e, &st0), 0);
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = K, .a = s, .out = out};
    int rc = stoffel_mpc_engine_execute(c.e, &op, 1);
    CHECK_MSG(rc == 0, "robust batch open: %d %s", rc, stoffel_mpc_engine_last_error(c.e));
    CHECK_EQ_INT(stoffel_mpc_engine_get_stats(c.e, &st1), 0);
    int wrong = 0;
    for (int k = 0; k < K && rc == 0; k++)
        wrong += to_int(&c, out + k * c.es) != v[k];
    CHECK_EQ_INT(wrong, 0);
    uint64_t bytes = st1.bytes_sent - st0.bytes_sent, payload = 2 * 6 * (K / 3) * 16;
    CHECK_MSG(bytes >= payload && bytes < payload + 12 * 200, "robust open: %llu bytes per party (payload %llu)",
              (unsigned long long)bytes, (unsigned long long)payload);
    for (int i = 0; i < liars; i++) {
        uint64_t blamed = 0;
        CHECK_EQ_INT(stoffel_mpc_engine_sim_blame(c.e, (uint32_t)(2 * i + 1), &blamed), 0);
        CHECK_MSG(blamed > 0, "liar %d not named", 2 * i + 1);
    }
    uint64_t honest = 99;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_blame(c.e, 0, &honest), 0);
    CHECK_EQ_INT(honest, 0);
    free(v);
    free(s);
    free(r);
    free(out);
    stoffel_mpc_engine_free(c.e);
}

/* Semi-honest: a lying party makes the opening abort, never return a wrong value: the parties
 * detect it with check_openings; with the cyclic fan-out only the simulator (which sees every
 * party's result) can, and it reports the disagreement as an inconsistency too. */
static void test_semi_honest_liar(int check_openings)
{
    ctx c;
    if (ctx_open(&c, 3, 1, STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_SEMI_HONEST, 9,
                 check_openings ? CHECK_OPENINGS : 0))
        return;
    int64_t v[2] = {5, 6};
    uint8_t *s = malloc(2 * c.ss), *r = malloc(2 * c.ss), out[64];
    share_ints(&c, v, 2, s);
    stoffel_mpc_request rr = {.kind = STOFFEL_MPC_OP_RANDOM, .count = 2, .out = r};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &rr, 1), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_add(c.e, s, r, s, 2), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_sim_set_liar(c.e, 2, STOFFEL_MPC_SIM_WRONG_SHARES), 0);
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = 2, .a = s, .out = out};
    int rc = stoffel_mpc_engine_execute(c.e, &op, 1);
    CHECK_EQ_INT(rc, STOFFEL_MPC_ERR_INCONSISTENT);
    CHECK(strstr(stoffel_mpc_engine_last_error(c.e), "inconsistent") != NULL);
    free(s);
    free(r);
    stoffel_mpc_engine_free(c.e);
}

/* 5 clients input values; the parties compute the sum and the product of everybody's first value
 * and each client's own sum of inputs, and send each client its results; only that client gets
 * them. */
static void test_clients(stoffel_mpc_security sec, uint32_t n, uint32_t t)
{
    ctx c;
    if (ctx_open(&c, n, t, STOFFEL_MPC_FIELD_BLS12_381, sec, 4242, 1))
        return;
    enum { CLIENTS = 5, PER = 3 };
    int64_t in[CLIENTS][PER];
    uint64_t ids[CLIENTS] = {900, 17, 4000000000ULL, 5, 300}; /* ids beyond 8 bits, any order */
    for (int i = 0; i < CLIENTS; i++) {
        uint8_t vals[PER * 32];
        for (int k = 0; k < PER; k++) {
            in[i][k] = (i + 1) * 10 + k - 7;
            stoffel_mpc_field_from_i64(c.F, in[i][k], vals + k * c.es);
        }
        int rc = stoffel_mpc_engine_sim_client_input(c.e, ids[i], vals, PER);
        CHECK_MSG(rc == 0, "client input: %d %s", rc, stoffel_mpc_engine_last_error(c.e));
    }
    CHECK_EQ_INT(stoffel_mpc_engine_client_count(c.e), CLIENTS);
    /* ClientStore order: ascending client id */
    uint64_t prev = 0;
    for (size_t i = 0; i < CLIENTS; i++) {
        uint64_t id = 0;
        size_t cnt = 0;
        CHECK_EQ_INT(stoffel_mpc_engine_client_id(c.e, i, &id), 0);
        CHECK(i == 0 || id > prev);
        prev = id;
        CHECK_EQ_INT(stoffel_mpc_engine_client_input_count(c.e, i, &cnt), 0);
        CHECK_EQ_INT(cnt, PER);
    }
    /* sum and product of every client's first input; per-client sums */
    uint8_t *sum = calloc(1, c.ss), *prod = malloc(c.ss), *x = malloc(c.ss), *own = malloc(CLIENTS * c.ss);
    int64_t csum = 0, cprod = 1;
    for (size_t ci = 0; ci < CLIENTS; ci++) {
        uint64_t id;
        stoffel_mpc_engine_client_id(c.e, ci, &id);
        int slot = 0;
        while (ids[slot] != id)
            slot++;
        CHECK_EQ_INT(stoffel_mpc_engine_client_input_get(c.e, ci, 0, x), 0);
        stoffel_mpc_engine_add(c.e, sum, x, sum, 1);
        if (ci == 0) {
            memcpy(prod, x, c.ss);
        } else {
            stoffel_mpc_request m = {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = prod, .b = x, .out = prod};
            CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &m, 1), 0);
        }
        csum += in[slot][0];
        cprod *= in[slot][0];
        memset(own + ci * c.ss, 0, c.ss);
        for (int k = 0; k < PER; k++) {
            CHECK_EQ_INT(stoffel_mpc_engine_client_input_get(c.e, ci, k, x), 0);
            stoffel_mpc_engine_add(c.e, own + ci * c.ss, x, own + ci * c.ss, 1);
        }
    }
    CHECK_EQ_INT(stoffel_mpc_engine_client_input_get(c.e, 0, PER, x), STOFFEL_ERR_NOT_FOUND);
    /* one batch: every client gets [sum, prod, own sum] */
    stoffel_mpc_request outs[CLIENTS * 3];
    for (size_t ci = 0; ci < CLIENTS; ci++) {
        uint64_t id;
        stoffel_mpc_engine_client_id(c.e, ci, &id);
        outs[3 * ci] = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_OUTPUT, .count = 1, .a = sum, .client_id = id};
        outs[3 * ci + 1] = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_OUTPUT, .count = 1, .a = prod, .client_id = id};
        outs[3 * ci + 2] = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_OUTPUT, .count = 1, .a = own + ci * c.ss, .client_id = id};
    }
    int rc = stoffel_mpc_engine_execute(c.e, outs, CLIENTS * 3);
    CHECK_MSG(rc == 0, "outputs: %d %s", rc, stoffel_mpc_engine_last_error(c.e));
    for (int i = 0; i < CLIENTS; i++) {
        uint8_t got[8 * 32];
        size_t cnt = 8;
        CHECK_EQ_INT(stoffel_mpc_engine_sim_client_output(c.e, ids[i], got, &cnt), 0);
        CHECK_EQ_INT(cnt, 3);
        CHECK_EQ_INT(to_int(&c, got), csum);
        CHECK_EQ_INT(to_int(&c, got + c.es), cprod);
        CHECK_EQ_INT(to_int(&c, got + 2 * c.es), in[i][0] + in[i][1] + in[i][2]);
    }
    size_t none = 4;
    uint8_t buf[4 * 32];
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_output(c.e, 123456, buf, &none), 0);
    CHECK_EQ_INT(none, 0); /* a client nobody sent anything to has nothing */
    free(sum);
    free(prod);
    free(x);
    free(own);
    stoffel_mpc_engine_free(c.e);
}

static void transcript_of(uint64_t seed, uint8_t out[32])
{
    ctx c;
    memset(out, 0, 32);
    if (ctx_open(&c, 4, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_ROBUST, seed, 1))
        return;
    mul_open_run(&c, 200, 100, 3);
    uint8_t v[16];
    stoffel_mpc_field_from_i64(c.F, 12, v);
    stoffel_mpc_engine_sim_client_input(c.e, 7, v, 1);
    CHECK_EQ_INT(stoffel_mpc_engine_sim_transcript_hash(c.e, out), 0);
    stoffel_mpc_engine_free(c.e);
}

static void test_determinism(void)
{
    uint8_t a[32], b[32], d[32];
    transcript_of(11, a);
    transcript_of(11, b);
    transcript_of(12, d);
    CHECK(memcmp(a, b, 32) == 0);
    CHECK(memcmp(a, d, 32) != 0);
}

/* Robust preprocessing checks the degree of dealt sharings: a bad dealer makes it abort cleanly,
 * naming the checker that caught it, instead of producing bad triples. */
static void test_bad_dealer(void)
{
    ctx c;
    if (ctx_open(&c, 4, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_ROBUST, 31, 1))
        return;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_preprocess(c.e, 100, 100), 0); /* honest run first */
    CHECK_EQ_INT(stoffel_mpc_engine_sim_set_liar(c.e, 2, STOFFEL_MPC_SIM_BAD_DEALER), 0);
    int rc = stoffel_mpc_engine_sim_preprocess(c.e, 100, 100);
    CHECK_EQ_INT(rc, STOFFEL_MPC_ERR_PREPROCESSING);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(c.e), "wrong degree") != NULL, "%s",
              stoffel_mpc_engine_last_error(c.e));
    stoffel_mpc_engine_free(c.e);
}

static void test_bounds(void)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_engine *e = NULL;
    char err[256];
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = 3;
    cfg.t = 1;
    cfg.security = STOFFEL_MPC_ROBUST;
    CHECK_EQ_INT(stoffel_mpc_engine_new_simulated(&cfg, &e, err, sizeof err), STOFFEL_MPC_ERR_BOUND);
    CHECK(strstr(err, "n >= 3t+1") != NULL);
    CHECK(e == NULL);
    cfg.security = STOFFEL_MPC_SEMI_HONEST;
    cfg.n = 4;
    cfg.t = 2;
    CHECK_EQ_INT(stoffel_mpc_engine_new_simulated(&cfg, &e, err, sizeof err), STOFFEL_MPC_ERR_BOUND);
    CHECK(strstr(err, "n >= 2t+1") != NULL);
    cfg.n = 3;
    cfg.t = 1;
    cfg.struct_size = 3;
    CHECK_EQ_INT(stoffel_mpc_engine_new_simulated(&cfg, &e, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK(strstr(stoffel_mpc_strerror(STOFFEL_MPC_ERR_BOUND), "bound") != NULL);
}

static void test_bad_inputs(void)
{
    ctx c;
    if (ctx_open(&c, 3, 1, STOFFEL_MPC_FIELD_GOLDILOCKS, STOFFEL_MPC_SEMI_HONEST, 1, 0))
        return;
    uint8_t bad[8];
    memset(bad, 0xff, sizeof bad);
    uint8_t *s = malloc(c.ss);
    CHECK_EQ_INT(stoffel_mpc_engine_share_public(c.e, bad, s, 1), STOFFEL_MPC_ERR_NOT_IN_FIELD);
    CHECK(strstr(stoffel_mpc_engine_last_error(c.e), "element 0") != NULL);
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_input(c.e, 1, bad, 1), STOFFEL_MPC_ERR_NOT_IN_FIELD);
    stoffel_mpc_request r = {.kind = STOFFEL_MPC_OP_MUL, .count = 1, .a = s, .b = NULL, .out = s};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &r, 1), STOFFEL_ERR_INVALID_ARG);
    r = (stoffel_mpc_request){.kind = (stoffel_mpc_op_kind)77, .count = 1, .a = s, .out = s};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &r, 1), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_mpc_engine_supports(c.e, STOFFEL_MPC_OP_MUL), 1);
    CHECK_EQ_INT(stoffel_mpc_engine_supports(c.e, STOFFEL_MPC_OP_OUTPUT), 1);
    free(s);
    stoffel_mpc_engine_free(c.e);
}

int main(void)
{
    test_end_to_end(3, 1, STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_SEMI_HONEST, 1);
    test_end_to_end(4, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 1);
    test_end_to_end(4, 1, STOFFEL_MPC_FIELD_BN254, STOFFEL_MPC_ROBUST, 1);
    test_end_to_end(7, 2, STOFFEL_MPC_FIELD_ED25519, STOFFEL_MPC_ROBUST, 1);
    test_end_to_end(7, 2, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 0);
    for (int mode = 0; mode < 4; mode++) {
        test_robust_faults(4, 1, mode);
        test_robust_faults(7, 2, mode);
    }
    test_semi_honest_liar(1);
    test_semi_honest_liar(0);
    test_semi_honest_crash(1);
    test_semi_honest_crash(0);
    test_semi_honest_open_bytes();
    test_robust_open_batch(0);
    test_robust_open_batch(2);
    test_clients(STOFFEL_MPC_SEMI_HONEST, 3, 1);
    test_clients(STOFFEL_MPC_ROBUST, 4, 1);
    test_determinism();
    test_bad_dealer();
    test_bounds();
    test_bad_inputs();
    return test_finish();
}
