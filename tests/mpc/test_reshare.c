/*
 * test_reshare.c - the semi-honest core kinds MUL_RESHARE (multiplication by degree reduction, no
 * triple) and DEALT_RANDOM (random integers dealt by parties 0..t) on the simulated engine:
 * products of random sharings equal the clear products for (n,t) = (3,1), (4,1), (5,2), (7,3)
 * in p128 and bls12-381;
 * they share one round with MUL and OPEN and consume no triple; dealt bits are bits and dealt
 * integers stay below 2^bits and are not all equal; robust engines refuse both kinds; bad bit
 * widths are refused with a message naming the range.
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

static stoffel_mpc_field_id field_id = STOFFEL_MPC_FIELD_P128;

static int ctx_open(ctx *c, uint32_t n, uint32_t t, stoffel_mpc_security sec, int faults)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = t;
    cfg.field = field_id;
    cfg.security = sec;
    cfg.seed = 7 + n * 31 + t;
    cfg.prep_batch = 256;
    if (faults) {
        cfg.reorder = 1;
        cfg.delay_permille = 200;
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

static stoffel_mpc_stats stats_of(ctx *c)
{
    stoffel_mpc_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    stoffel_mpc_engine_get_stats(c->e, &st);
    return st;
}

/* count random products by MUL_RESHARE, in one batch with a MUL and an OPEN. */
static void test_products(uint32_t n, uint32_t t, size_t count, int faults)
{
    ctx c;
    if (ctx_open(&c, n, t, STOFFEL_MPC_SEMI_HONEST, faults))
        return;
    CHECK_EQ_INT(stoffel_mpc_engine_supports(c.e, STOFFEL_MPC_OP_MUL_RESHARE), 1);
    uint8_t *x = malloc(count * c.ss), *y = malloc(count * c.ss), *z = malloc(count * c.ss);
    uint8_t *zb = malloc(count * c.ss), *opened = malloc(3 * count * c.es);
    uint8_t *both = malloc(3 * count * c.ss), *ox = malloc(count * c.es);
    uint8_t *expect = malloc(count * c.es);
    stoffel_mpc_request rnd[2] = {{.kind = STOFFEL_MPC_OP_RANDOM, .count = count, .out = x},
                                  {.kind = STOFFEL_MPC_OP_RANDOM, .count = count, .out = y}};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, rnd, 2), 0);
    stoffel_mpc_stats before = stats_of(&c);
    /* one batch: reshared products, Beaver products of the same pairs, and an opening of x */
    stoffel_mpc_request batch[3] = {
        {.kind = STOFFEL_MPC_OP_MUL_RESHARE, .count = count, .a = x, .b = y, .out = z},
        {.kind = STOFFEL_MPC_OP_MUL, .count = count, .a = x, .b = y, .out = zb},
        {.kind = STOFFEL_MPC_OP_OPEN, .count = count, .a = x, .out = ox},
    };
    int rc = stoffel_mpc_engine_execute(c.e, batch, 3);
    CHECK_MSG(rc == 0, "n=%u t=%u: execute: %d %s", n, t, rc, stoffel_mpc_engine_last_error(c.e));
    stoffel_mpc_stats after = stats_of(&c);
    CHECK_EQ_INT(after.rounds - before.rounds, 1);
    CHECK_EQ_INT(after.triples_used - before.triples_used, count); /* the MUL's only */
    memcpy(both, x, count * c.ss);
    memcpy(both + count * c.ss, y, count * c.ss);
    memcpy(both + 2 * count * c.ss, z, count * c.ss);
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = 3 * count, .a = both, .out = opened};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &op, 1), 0);
    CHECK_EQ_INT(stoffel_mpc_field_mul_vec(c.F, opened, opened + count * c.es, expect, count), 0);
    CHECK_MSG(memcmp(expect, opened + 2 * count * c.es, count * c.es) == 0,
              "n=%u t=%u: reshared products differ from the clear products", n, t);
    CHECK_MSG(memcmp(ox, opened, count * c.es) == 0, "n=%u t=%u: the batch's OPEN is wrong", n, t);
    /* the Beaver products of the same pairs agree */
    stoffel_mpc_request ob = {.kind = STOFFEL_MPC_OP_OPEN, .count = count, .a = zb, .out = ox};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &ob, 1), 0);
    CHECK(memcmp(ox, expect, count * c.es) == 0);
    free(x), free(y), free(z), free(zb), free(opened), free(both), free(ox), free(expect);
    stoffel_mpc_engine_free(c.e);
}

/* Dealt integers of `bits` bits: (t+1) dealings per element, each below 2^bits, not constant. */
static void test_dealt(uint32_t n, uint32_t t, uint32_t bits, size_t count)
{
    ctx c;
    if (ctx_open(&c, n, t, STOFFEL_MPC_SEMI_HONEST, 0))
        return;
    size_t total = (size_t)(t + 1) * count;
    uint8_t *sh = malloc(total * c.ss), *v = malloc(total * c.es);
    stoffel_mpc_request q = {.kind = STOFFEL_MPC_OP_DEALT_RANDOM, .count = count, .out = sh, .bits = bits};
    stoffel_mpc_stats before = stats_of(&c);
    int rc = stoffel_mpc_engine_execute(c.e, &q, 1);
    CHECK_MSG(rc == 0, "dealt %u bits: %d %s", bits, rc, stoffel_mpc_engine_last_error(c.e));
    stoffel_mpc_stats after = stats_of(&c);
    CHECK_EQ_INT(after.rounds - before.rounds, 1);
    CHECK_EQ_INT(after.triples_used - before.triples_used, 0);
    CHECK_EQ_INT(after.dealt_randoms - before.dealt_randoms, total);
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = total, .a = sh, .out = v};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &op, 1), 0);
    size_t ones = 0, differ = 0, top_set = 0;
    for (size_t k = 0; k < total; k++) {
        const uint8_t *el = v + k * c.es;
        int in_range = 1;
        for (size_t byte = 0; byte < c.es; byte++) {
            unsigned lo = (unsigned)byte * 8;
            uint8_t allowed = bits >= lo + 8 ? 0xff : bits > lo ? (uint8_t)((1u << (bits - lo)) - 1) : 0;
            if (el[byte] & ~allowed)
                in_range = 0;
        }
        CHECK_MSG(in_range, "dealt value %zu is not below 2^%u", k, bits);
        if (bits == 1)
            ones += el[0];
        if ((el[(bits - 1) / 8] >> ((bits - 1) % 8)) & 1)
            top_set++;
        if (k && memcmp(el, v, c.es) != 0)
            differ++;
    }
    CHECK_MSG(differ > 0, "all %zu dealt values are equal", total);
    /* the top bit is set about half the time: far from 0 and from all */
    CHECK_MSG(top_set > total / 4 && top_set < total - total / 4, "top bit set in %zu of %zu dealt values",
              top_set, total);
    if (bits == 1)
        CHECK(ones == top_set);
    free(sh);
    free(v);
    stoffel_mpc_engine_free(c.e);
}

static void test_refusals(void)
{
    ctx c;
    if (ctx_open(&c, 4, 1, STOFFEL_MPC_ROBUST, 0))
        return;
    CHECK_EQ_INT(stoffel_mpc_engine_supports(c.e, STOFFEL_MPC_OP_MUL_RESHARE), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_supports(c.e, STOFFEL_MPC_OP_DEALT_RANDOM), 0);
    uint8_t *sh = calloc(4, c.ss);
    stoffel_mpc_request q = {.kind = STOFFEL_MPC_OP_MUL_RESHARE, .count = 1, .a = sh, .b = sh, .out = sh};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &q, 1), STOFFEL_ERR_UNSUPPORTED);
    stoffel_mpc_engine_free(c.e);
    if (ctx_open(&c, 3, 1, STOFFEL_MPC_SEMI_HONEST, 0))
        return;
    const uint32_t bad_bits[] = {0, 126, 1000};
    for (size_t i = 0; i < sizeof bad_bits / sizeof bad_bits[0]; i++) {
        stoffel_mpc_request d = {.kind = STOFFEL_MPC_OP_DEALT_RANDOM, .count = 1, .out = sh, .bits = bad_bits[i]};
        CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &d, 1), STOFFEL_ERR_INVALID_ARG);
        CHECK_MSG(strstr(stoffel_mpc_engine_last_error(c.e), "use 1..125") != NULL, "%s", stoffel_mpc_engine_last_error(c.e));
    }
    stoffel_mpc_request nob = {.kind = STOFFEL_MPC_OP_MUL_RESHARE, .count = 1, .a = sh, .out = sh};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(c.e, &nob, 1), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(c.e), "operand b") != NULL, "%s", stoffel_mpc_engine_last_error(c.e));
    free(sh);
    stoffel_mpc_engine_free(c.e);
}

int main(void)
{
    test_products(3, 1, 1000, 0);
    test_products(4, 1, 500, 1);
    test_products(5, 2, 500, 1);
    test_products(7, 3, 200, 0);
    test_dealt(3, 1, 1, 2000);
    test_dealt(3, 1, 41, 2000);
    test_dealt(4, 1, 100, 1000);
    test_dealt(5, 2, 64, 1000);
    test_refusals();
    /* a 4-limb Montgomery field: seeds expand with rejection of elements >= p */
    field_id = STOFFEL_MPC_FIELD_BLS12_381;
    test_products(3, 1, 500, 0);
    test_products(5, 2, 300, 1);
    test_dealt(4, 1, 200, 500);
    return test_finish();
}
