/*
 * test_ne_restore.c - the networked engine's entry points for state kept between sessions (what
 * the party runtime uses): stored client input shares go back into a new session's ClientStore
 * (ascending client id, appended per client, bad shares refused), and unused preprocessing moves
 * from one session's engine to the next (export, import, exact pool sizes, the imported triples
 * still multiply correctly, malformed exports refused), and outputs stored for a client are read
 * back and restored into a later session; random bits, masks and prefix-mask chains move with the
 * triples (version-1 exports without them still import). One party (n = 1, t = 0) on the
 * in-memory transport, so every product can be checked in the clear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <stoffel/mpc.h>
#include <stoffel/net.h>

#include "test_util.h"

typedef struct {
    struct event_base *base;
    stoffel_net_mem_hub *hub;
    stoffel_net *net;
} one_party;

static void up(one_party *w)
{
    w->base = event_base_new();
    CHECK_EQ_INT(stoffel_net_mem_hub_new(1, &w->hub), 0);
    CHECK_EQ_INT(stoffel_net_mem_party_new(w->hub, w->base, 0, NULL, &w->net), 0);
    CHECK_EQ_INT(stoffel_net_start(w->net), 0);
}

static void down(one_party *w)
{
    stoffel_net_free(w->net);
    stoffel_net_mem_hub_free(w->hub);
    event_base_free(w->base);
}

static stoffel_mpc_engine *engine(one_party *w, uint64_t session)
{
    stoffel_mpc_net_config c;
    stoffel_mpc_net_config_defaults(&c);
    c.n = 1;
    c.t = 0;
    c.field = STOFFEL_MPC_FIELD_P128;
    c.session_id = session;
    c.timeout_ms = 5000;
    c.prep_batch = 64;
    stoffel_mpc_engine *e = NULL;
    char err[256] = "";
    CHECK_MSG(stoffel_mpc_engine_new_networked(&c, w->base, w->net, &e, err, sizeof err) == 0, "%s", err);
    return e;
}

static int64_t open_i64(stoffel_mpc_engine *e, const uint8_t *share)
{
    uint8_t v[64];
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = 1, .a = share, .out = v};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(e, &op, 1), 0);
    int64_t x = 0;
    int fits = 0;
    stoffel_mpc_field_to_i64(stoffel_mpc_engine_field(e), v, &x, &fits);
    return x;
}

static void test_restore_inputs(void)
{
    one_party w;
    up(&w);
    stoffel_mpc_engine *e = engine(&w, 11);
    if (!e) {
        down(&w);
        return;
    }
    const stoffel_mpc_field *F = stoffel_mpc_engine_field(e);
    size_t ss = stoffel_mpc_engine_share_size(e);
    /* shares of public values (with one party a share is the value in the engine's layout) */
    uint8_t vals[4][64], shares[4][64];
    int64_t clear[4] = {52000, -7, 0, 123456789};
    for (int k = 0; k < 4; k++) {
        stoffel_mpc_field_from_i64(F, clear[k], vals[k]);
        CHECK_EQ_INT(stoffel_mpc_engine_share_public(e, vals[k], shares[k], 1), 0);
    }
    uint8_t two[2 * 64];
    memcpy(two, shares[0], ss);
    memcpy(two + ss, shares[1], ss);
    /* client 9 first, then client 3 (two records), so the order must be by id */
    CHECK_EQ_INT(stoffel_mpc_engine_net_restore_input(e, 9, two, 2), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_net_restore_input(e, 3, shares[2], 1), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_net_restore_input(e, 3, shares[3], 1), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_client_count(e), 2);
    uint64_t id = 0;
    size_t count = 0;
    CHECK_EQ_INT(stoffel_mpc_engine_client_id(e, 0, &id), 0);
    CHECK_EQ_INT((int)id, 3);
    CHECK_EQ_INT(stoffel_mpc_engine_client_input_count(e, 0, &count), 0);
    CHECK_EQ_INT((int)count, 2);
    CHECK_EQ_INT(stoffel_mpc_engine_client_id(e, 1, &id), 0);
    CHECK_EQ_INT((int)id, 9);
    uint8_t got[64];
    CHECK_EQ_INT(stoffel_mpc_engine_client_input_get(e, 0, 1, got), 0);
    CHECK(open_i64(e, got) == 123456789);
    CHECK_EQ_INT(stoffel_mpc_engine_client_input_get(e, 1, 1, got), 0);
    CHECK(open_i64(e, got) == -7);
    /* errors: nothing, too many, bytes that are no element of the field */
    CHECK_EQ_INT(stoffel_mpc_engine_net_restore_input(e, 1, two, 0), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_mpc_engine_net_restore_input(e, 1, two, 65537), STOFFEL_ERR_LIMIT);
    uint8_t junk[64];
    memset(junk, 0xff, sizeof junk);
    CHECK_EQ_INT(stoffel_mpc_engine_net_restore_input(e, 1, junk, 1), STOFFEL_MPC_ERR_NOT_IN_FIELD);
    CHECK(strstr(stoffel_mpc_engine_last_error(e), "not a") != NULL);
    CHECK_EQ_INT(stoffel_mpc_engine_client_count(e), 2);
    stoffel_mpc_engine_free(e);
    /* not a networked engine */
    stoffel_mpc_sim_config sc;
    stoffel_mpc_sim_config_defaults(&sc);
    stoffel_mpc_engine *S = NULL;
    CHECK_EQ_INT(stoffel_mpc_engine_new_simulated(&sc, &S, NULL, 0), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_net_restore_input(S, 1, two, 1), STOFFEL_ERR_UNSUPPORTED);
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_EQ_INT(stoffel_mpc_engine_net_pool_export(S, &bytes, &len), STOFFEL_ERR_UNSUPPORTED);
    stoffel_mpc_engine_free(S);
    down(&w);
}

static void test_pool_moves(void)
{
    one_party w;
    up(&w);
    stoffel_mpc_engine *a = engine(&w, 21);
    if (!a) {
        down(&w);
        return;
    }
    size_t nt = 0, nr = 0;
    CHECK_EQ_INT(stoffel_mpc_engine_net_pool_size(a, &nt, &nr), 0);
    CHECK(nt == 0 && nr == 0);
    CHECK_EQ_INT(stoffel_mpc_engine_net_preprocess(a, 100, 50), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_net_pool_size(a, &nt, &nr), 0);
    CHECK_MSG(nt >= 100 && nr >= 50, "%zu triples, %zu randoms", nt, nr);
    uint8_t *pool = NULL;
    size_t len = 0;
    CHECK_EQ_INT(stoffel_mpc_engine_net_pool_export(a, &pool, &len), 0);
    size_t ss = stoffel_mpc_engine_share_size(a);
    /* header, triples, randoms, then an empty bits / masks / chains part (u64 + u32 + u32) */
    CHECK_EQ_INT((int)len, (int)(28 + (3 * nt + nr) * ss + 16));
    stoffel_mpc_engine_free(a);

    /* a later session: the imported material is used first, and products are right */
    stoffel_mpc_engine *b = engine(&w, 22);
    if (b) {
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, len), 0);
        size_t bt = 0, br = 0;
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_size(b, &bt, &br), 0);
        CHECK(bt == nt && br == nr);
        const stoffel_mpc_field *F = stoffel_mpc_engine_field(b);
        enum { K = 40 };
        uint8_t x[K * 16], y[K * 16], X[K * 16], Y[K * 16], Z[K * 16], o[K * 16];
        for (int k = 0; k < K; k++) {
            stoffel_mpc_field_from_i64(F, k - 20, x + k * ss);
            stoffel_mpc_field_from_i64(F, 7 * k + 3, y + k * ss);
        }
        CHECK_EQ_INT(stoffel_mpc_engine_share_public(b, x, X, K), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_share_public(b, y, Y, K), 0);
        stoffel_mpc_request mul = {.kind = STOFFEL_MPC_OP_MUL, .count = K, .a = X, .b = Y, .out = Z};
        CHECK_EQ_INT(stoffel_mpc_engine_execute(b, &mul, 1), 0);
        stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = K, .a = Z, .out = o};
        CHECK_EQ_INT(stoffel_mpc_engine_execute(b, &op, 1), 0);
        int bad = 0;
        for (int k = 0; k < K; k++) {
            int64_t v = 0;
            int fits = 0;
            stoffel_mpc_field_to_i64(F, o + k * ss, &v, &fits);
            bad += v != (int64_t)(k - 20) * (7 * k + 3);
        }
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_size(b, &bt, &br), 0);
        CHECK_MSG(bt == nt - K, "%zu triples left of %zu after %d products", bt, nt, K);
        /* malformed exports change nothing */
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, 10), STOFFEL_ERR_MALFORMED);
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, len - 1), STOFFEL_ERR_MALFORMED);
        pool[8] ^= 1; /* element size */
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, len), STOFFEL_ERR_MALFORMED);
        pool[8] ^= 1;
        pool[12] ^= 0x40; /* triple count */
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, len), STOFFEL_ERR_MALFORMED);
        pool[12] ^= 0x40;
        size_t ct = 0;
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_size(b, &ct, NULL), 0);
        CHECK(ct == bt);
        /* a second import appends */
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, len), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_size(b, &ct, NULL), 0);
        CHECK(ct == bt + nt);
        stoffel_mpc_engine_free(b);
    }
    memset(pool, 0, len);
    free(pool);
    down(&w);
}

/* Outputs for a client: what OUTPUT stored can be read back and restored into a later session. */
static void test_outputs(void)
{
    one_party w;
    up(&w);
    stoffel_mpc_engine *a = engine(&w, 31);
    if (!a) {
        down(&w);
        return;
    }
    const stoffel_mpc_field *F = stoffel_mpc_engine_field(a);
    size_t ss = stoffel_mpc_engine_share_size(a);
    uint8_t v[3 * 16], sh[3 * 16], back[3 * 16];
    for (int k = 0; k < 3; k++)
        stoffel_mpc_field_from_i64(F, 100 * k - 1, v + k * ss);
    CHECK_EQ_INT(stoffel_mpc_engine_share_public(a, v, sh, 3), 0);
    stoffel_mpc_request out = {.kind = STOFFEL_MPC_OP_OUTPUT, .count = 3, .a = sh, .client_id = 77};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(a, &out, 1), 0);
    CHECK_EQ_INT((int)stoffel_mpc_engine_net_output_count(a), 1);
    uint64_t client = 0;
    size_t count = 0;
    CHECK_EQ_INT(stoffel_mpc_engine_net_output_get(a, 0, &client, &count, back), 0);
    CHECK(client == 77 && count == 3 && memcmp(back, sh, 3 * ss) == 0);
    CHECK_EQ_INT(stoffel_mpc_engine_net_output_get(a, 1, &client, &count, back), STOFFEL_ERR_NOT_FOUND);
    stoffel_mpc_engine_free(a);
    stoffel_mpc_engine *b = engine(&w, 32);
    if (b) {
        CHECK_EQ_INT((int)stoffel_mpc_engine_net_output_count(b), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_net_restore_output(b, 77, back, 3), 0);
        CHECK_EQ_INT((int)stoffel_mpc_engine_net_output_count(b), 1);
        uint8_t again[3 * 16];
        CHECK_EQ_INT(stoffel_mpc_engine_net_output_get(b, 0, &client, &count, again), 0);
        CHECK(client == 77 && count == 3 && memcmp(again, sh, 3 * ss) == 0);
        uint8_t junk[16];
        memset(junk, 0xff, sizeof junk);
        CHECK_EQ_INT(stoffel_mpc_engine_net_restore_output(b, 77, junk, 1), STOFFEL_MPC_ERR_NOT_IN_FIELD);
        CHECK_EQ_INT(stoffel_mpc_engine_net_restore_output(b, 77, back, 0), STOFFEL_ERR_INVALID_ARG);
        CHECK_EQ_INT((int)stoffel_mpc_engine_net_output_count(b), 1);
        stoffel_mpc_engine_free(b);
    }
    down(&w);
}

static stoffel_mpc_material held(const stoffel_mpc_engine *e)
{
    stoffel_mpc_material m = {.struct_size = sizeof m};
    CHECK_EQ_INT(stoffel_mpc_engine_material_held(e, &m), 0);
    return m;
}

/* Random bits, masks and prefix-mask chains move with the triples: a later session's
 * comparisons and equality tests take them and run no preprocessing round; version-1 exports
 * (no bits) still import; a damaged share in the bits refuses the whole import. */
static void test_material_moves(void)
{
    one_party w;
    up(&w);
    stoffel_mpc_engine *a = engine(&w, 41);
    if (!a) {
        down(&w);
        return;
    }
    enum { K = 24 };
    stoffel_mpc_request shape[2] = {{.kind = STOFFEL_MPC_OP_LT, .count = K, .bits = 64, .is_signed = 1},
                                    {.kind = STOFFEL_MPC_OP_EQ, .count = K, .bits = 32, .is_signed = 1}};
    CHECK_EQ_INT(stoffel_mpc_engine_preprocess_for(a, shape, 2), 0);
    stoffel_mpc_material made = held(a);
    CHECK(made.random_bits > 0 && made.masks[41] == K && made.prefix_chains[33] == K);
    CHECK_EQ_INT(stoffel_mpc_engine_net_preprocess(a, 0, 200), 0); /* EQ's random sharings */
    uint8_t *pool = NULL;
    size_t len = 0;
    CHECK_EQ_INT(stoffel_mpc_engine_net_pool_export(a, &pool, &len), 0);
    stoffel_mpc_engine_free(a);

    stoffel_mpc_engine *b = engine(&w, 42);
    if (b) {
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, len), 0);
        stoffel_mpc_material in = held(b);
        CHECK(memcmp(&in, &made, sizeof in) == 0);
        const stoffel_mpc_field *F = stoffel_mpc_engine_field(b);
        size_t ss = stoffel_mpc_engine_share_size(b);
        uint8_t x[K * 16], y[K * 16], X[K * 16], Y[K * 16], lt[K * 16], eq[K * 16];
        int64_t cx[K], cy[K];
        for (int k = 0; k < K; k++) {
            cx[k] = (k * 7919) % 201 - 100;
            cy[k] = k % 3 == 0 ? cx[k] : (k * 104729) % 199 - 99;
            stoffel_mpc_field_from_i64(F, cx[k], x + k * ss);
            stoffel_mpc_field_from_i64(F, cy[k], y + k * ss);
        }
        CHECK_EQ_INT(stoffel_mpc_engine_share_public(b, x, X, K), 0);
        CHECK_EQ_INT(stoffel_mpc_engine_share_public(b, y, Y, K), 0);
        stoffel_mpc_request req[2] = {
            {.kind = STOFFEL_MPC_OP_LT, .count = K, .a = X, .b = Y, .out = lt, .bits = 64, .is_signed = 1},
            {.kind = STOFFEL_MPC_OP_EQ, .count = K, .a = X, .b = Y, .out = eq, .bits = 32, .is_signed = 1}};
        stoffel_mpc_stats before = {.struct_size = sizeof before}, after = {.struct_size = sizeof after};
        stoffel_mpc_engine_get_stats(b, &before);
        CHECK_MSG(stoffel_mpc_engine_execute(b, req, 2) == 0, "%s", stoffel_mpc_engine_last_error(b));
        stoffel_mpc_engine_get_stats(b, &after);
        CHECK_EQ_INT(after.preprocessing_rounds - before.preprocessing_rounds, 0);
        stoffel_mpc_material left = held(b);
        CHECK(left.random_bits == 0 && left.masks[41] == 0 && left.prefix_chains[33] == 0);
        int wrong = 0;
        for (int k = 0; k < K; k++)
            wrong += open_i64(b, lt + k * ss) != (cx[k] < cy[k]) || open_i64(b, eq + k * ss) != (cx[k] == cy[k]);
        CHECK_EQ_INT(wrong, 0);

        /* a damaged random bit (an out-of-field share): nothing imported, the message says what */
        size_t nt = 0, nr = 0, bits_at = 28 + 0;
        memcpy(&nt, pool + 12, 8);
        memcpy(&nr, pool + 20, 8);
        bits_at = 28 + (3 * nt + nr) * ss + 8; /* the first bit's share */
        uint8_t keep[16];
        memcpy(keep, pool + bits_at, ss);
        memset(pool + bits_at, 0xff, ss);
        size_t tb = 0;
        stoffel_mpc_engine_net_pool_size(b, &tb, NULL);
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, len), STOFFEL_ERR_MALFORMED);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(b), "random bit 0") != NULL, "%s",
                  stoffel_mpc_engine_last_error(b));
        size_t ta = 0;
        stoffel_mpc_engine_net_pool_size(b, &ta, NULL);
        left = held(b);
        CHECK(ta == tb && left.random_bits == 0);
        memcpy(pool + bits_at, keep, ss);
        /* a version-1 export: the triples and randoms alone */
        size_t v1_len = 28 + (3 * nt + nr) * ss;
        memcpy(pool, "NEPOOL1", 8);
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, v1_len), 0);
        stoffel_mpc_engine_net_pool_size(b, &ta, NULL);
        left = held(b);
        CHECK(ta == tb + nt && left.random_bits == 0);
        /* ...and a version-1 header cannot carry bits */
        CHECK_EQ_INT(stoffel_mpc_engine_net_pool_import(b, pool, len), STOFFEL_ERR_MALFORMED);
        stoffel_mpc_engine_free(b);
    }
    memset(pool, 0, len);
    free(pool);
    down(&w);
}

int main(void)
{
    test_material_moves();
    test_outputs();
    test_restore_inputs();
    test_pool_moves();
    return test_finish();
}
