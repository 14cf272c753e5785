/*
 * test_material.c - the engine's pool of preprocessed random bits and masks, on the simulated
 * engine (BLS12-381):
 *   - for every nonlinear kind, stoffel_mpc_engine_preprocess_for fills the pool with exactly
 *     the demand stoffel_mpc_engine_material_demand reports, and executing the request then
 *     empties it exactly and runs no preprocessing round; the result equals the result of the
 *     same request made with an empty pool (which does run preprocessing rounds), and comparisons
 *     and equality also equal the clear answer;
 *   - a pool holding part of the demand is used and the rest is made on the spot;
 *   - equality tests take one prefix-mask chain per element;
 *   - top_up fills to levels and no further; masks of a width the field cannot hold, and masks on
 *     a robust engine (which makes its masks from bits), are refused with a message;
 *   - a robust engine (n = 4, t = 1) pools bits only, and its comparisons take them;
 *   - a malformed request gets execute()'s error, naming the request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/mpc.h>

#include "test_util.h"

enum { COUNT = 40, MAXBITS = 64 };

typedef struct {
    stoffel_mpc_engine *e;
    const stoffel_mpc_field *F;
    size_t es, ss;
} sim;

static int sim_open(sim *s, uint32_t n, uint32_t t, stoffel_mpc_security sec)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = t;
    cfg.security = sec;
    cfg.seed = 99 + n;
    cfg.record_transcript = 0;
    char err[256] = "";
    int rc = stoffel_mpc_engine_new_simulated(&cfg, &s->e, err, sizeof err);
    CHECK_MSG(rc == 0, "new_simulated: %s", err);
    if (rc)
        return rc;
    s->F = stoffel_mpc_engine_field(s->e);
    s->es = stoffel_mpc_field_elem_size(s->F);
    s->ss = stoffel_mpc_engine_share_size(s->e);
    /* random sharings (EQ's and division's masks) come from the engine's own pool: fill it
     * first, so that any preprocessing round counted below is the bits' and masks' */
    CHECK_EQ_INT(stoffel_mpc_engine_sim_preprocess(s->e, 20000, 200000), 0);
    return 0;
}

static stoffel_mpc_stats stats_of(const sim *s)
{
    stoffel_mpc_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    stoffel_mpc_engine_get_stats(s->e, &st);
    return st;
}

static stoffel_mpc_material held_of(const sim *s)
{
    stoffel_mpc_material m = {.struct_size = sizeof m};
    CHECK_EQ_INT(stoffel_mpc_engine_material_held(s->e, &m), 0);
    return m;
}

/* Masks and prefix-mask chains together. */
static uint64_t total_masks(const stoffel_mpc_material *m)
{
    uint64_t sum = 0;
    for (int w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++)
        sum += m->masks[w] + m->prefix_chains[w];
    return sum;
}

static int same_material(const stoffel_mpc_material *a, const stoffel_mpc_material *b)
{
    return a->random_bits == b->random_bits && memcmp(a->masks, b->masks, sizeof a->masks) == 0 &&
           memcmp(a->prefix_chains, b->prefix_chains, sizeof a->prefix_chains) == 0;
}

/* A deterministic value generator (xorshift). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_u64(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random value of `bits` bits, signed or not, never 0 when nonzero is set. */
static int64_t random_value(unsigned bits, int is_signed, int nonzero)
{
    for (;;) {
        uint64_t v = bits >= 64 ? next_u64() : next_u64() & ((1ull << bits) - 1);
        int64_t x;
        if (is_signed && bits < 64 && (v >> (bits - 1)))
            x = (int64_t)(v | ~((1ull << bits) - 1));
        else
            x = (int64_t)v;
        if (!is_signed && bits >= 64)
            x = (int64_t)(v >> 1); /* stay in int64 */
        if (!nonzero || x != 0)
            return x;
    }
}

typedef struct {
    stoffel_mpc_op_kind kind;
    uint32_t bits, shift;
    uint8_t is_signed;
    int exact; /* deterministic result: pooled and unpooled runs must agree */
    const char *name;
} shape;

static const shape shapes[] = {
    {STOFFEL_MPC_OP_LT, 64, 0, 1, 1, "LT64"},
    {STOFFEL_MPC_OP_LE, 32, 0, 1, 1, "LE32"},
    {STOFFEL_MPC_OP_GT, 16, 0, 0, 1, "GT16u"},
    {STOFFEL_MPC_OP_GE, 8, 0, 1, 1, "GE8"},
    {STOFFEL_MPC_OP_EQ, 64, 0, 1, 1, "EQ64"},
    {STOFFEL_MPC_OP_NE, 32, 0, 1, 1, "NE32"},
    {STOFFEL_MPC_OP_DIV, 32, 0, 1, 1, "DIV32"},
    {STOFFEL_MPC_OP_REM, 16, 0, 0, 1, "REM16u"},
    {STOFFEL_MPC_OP_DIV_PUBLIC, 64, 0, 1, 1, "DIV_PUBLIC64"},
    {STOFFEL_MPC_OP_REM_PUBLIC, 32, 0, 1, 1, "REM_PUBLIC32"},
    {STOFFEL_MPC_OP_TRUNC, 64, 16, 1, 1, "TRUNC64/16"},
    {STOFFEL_MPC_OP_TRUNC_PR, 64, 16, 1, 0, "TRUNC_PR64/16"},
    {STOFFEL_MPC_OP_FIXED_MUL, 64, 16, 1, 0, "FIXED_MUL64/16"},
    {STOFFEL_MPC_OP_FIXED_DIV, 32, 8, 1, 0, "FIXED_DIV32/8"},
    {STOFFEL_MPC_OP_MIN, 64, 0, 1, 1, "MIN64"},
    {STOFFEL_MPC_OP_MAX, 16, 0, 0, 1, "MAX16u"},
    {STOFFEL_MPC_OP_ABS, 64, 0, 1, 1, "ABS64"},
    {STOFFEL_MPC_OP_SIGN, 32, 0, 1, 1, "SIGN32"},
    {STOFFEL_MPC_OP_BIT_DECOMPOSE, 64, 0, 1, 1, "BIT_DECOMPOSE64"},
    {STOFFEL_MPC_OP_RANDOM_BIT, 0, 0, 0, 0, "RANDOM_BIT"},
    {STOFFEL_MPC_OP_RANDOM_INT, 20, 0, 0, 0, "RANDOM_INT20"},
    {STOFFEL_MPC_OP_SELECT, 0, 0, 0, 1, "SELECT"},
};

/* Operands of one shape: a and b as shares (b public elements for DIV_PUBLIC / REM_PUBLIC, 2 *
 * COUNT values for SELECT, a bits for SELECT); the clear a and b in xa, xb. */
static void make_operands(const sim *s, const shape *sh, uint8_t *a, uint8_t *b, int64_t *xa, int64_t *xb)
{
    uint8_t *el = malloc(2 * COUNT * s->es);
    int divides = sh->kind == STOFFEL_MPC_OP_DIV || sh->kind == STOFFEL_MPC_OP_REM ||
                  sh->kind == STOFFEL_MPC_OP_DIV_PUBLIC || sh->kind == STOFFEL_MPC_OP_REM_PUBLIC ||
                  sh->kind == STOFFEL_MPC_OP_FIXED_DIV;
    unsigned bits = sh->bits ? sh->bits : 32;
    for (int k = 0; k < COUNT; k++) {
        xa[k] = sh->kind == STOFFEL_MPC_OP_SELECT ? (int64_t)(next_u64() & 1) : random_value(bits, sh->is_signed, 0);
        xb[k] = random_value(sh->kind == STOFFEL_MPC_OP_FIXED_DIV ? bits / 2 : bits, sh->is_signed, divides);
        if (k % 5 == 0 && sh->kind != STOFFEL_MPC_OP_SELECT && !divides)
            xb[k] = xa[k]; /* equal pairs, so EQ and LE see both answers */
        stoffel_mpc_field_from_i64(s->F, xa[k], el + k * s->es);
    }
    stoffel_mpc_engine_share_public(s->e, el, a, COUNT);
    size_t nb = sh->kind == STOFFEL_MPC_OP_SELECT ? 2 * COUNT : COUNT;
    for (size_t k = 0; k < nb; k++)
        stoffel_mpc_field_from_i64(s->F, k < COUNT ? xb[k] : -xb[k - COUNT], el + k * s->es);
    if (sh->kind == STOFFEL_MPC_OP_DIV_PUBLIC || sh->kind == STOFFEL_MPC_OP_REM_PUBLIC)
        memcpy(b, el, COUNT * s->es);
    else
        stoffel_mpc_engine_share_public(s->e, el, b, nb);
    free(el);
}

static size_t out_count(const shape *sh)
{
    return sh->kind == STOFFEL_MPC_OP_BIT_DECOMPOSE ? (size_t)COUNT * sh->bits : COUNT;
}

/* Opens count shares into int64 values. */
static void open_values(const sim *s, const uint8_t *shares, size_t count, int64_t *out)
{
    uint8_t *el = malloc(count * s->es);
    stoffel_mpc_request op = {.kind = STOFFEL_MPC_OP_OPEN, .count = count, .a = shares, .out = el};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(s->e, &op, 1), 0);
    for (size_t k = 0; k < count; k++) {
        int fits = 0;
        stoffel_mpc_field_to_i64(s->F, el + k * s->es, &out[k], &fits);
    }
    free(el);
}

/* The clear answer where it is simple to state (comparisons, equality); -1: not checked. */
static int64_t clear_answer(const shape *sh, int64_t a, int64_t b)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    int s = sh->is_signed;
    switch (sh->kind) {
    case STOFFEL_MPC_OP_LT: return s ? a < b : ua < ub;
    case STOFFEL_MPC_OP_LE: return s ? a <= b : ua <= ub;
    case STOFFEL_MPC_OP_GT: return s ? a > b : ua > ub;
    case STOFFEL_MPC_OP_GE: return s ? a >= b : ua >= ub;
    case STOFFEL_MPC_OP_EQ: return a == b;
    case STOFFEL_MPC_OP_NE: return a != b;
    default: return -1;
    }
}

static void test_every_kind(void)
{
    sim s;
    if (sim_open(&s, 3, 1, STOFFEL_MPC_SEMI_HONEST))
        return;
    size_t big = (size_t)COUNT * MAXBITS * s.ss;
    uint8_t *a = malloc(big), *b = malloc(2 * COUNT * s.ss), *pooled = malloc(big), *inline_out = malloc(big);
    int64_t xa[COUNT], xb[COUNT], *got = malloc(COUNT * MAXBITS * sizeof *got), *again = malloc(COUNT * MAXBITS * sizeof *again);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const shape *sh = &shapes[i];
        make_operands(&s, sh, a, b, xa, xb);
        stoffel_mpc_request r = {.kind = sh->kind, .count = COUNT, .a = a, .b = b, .out = pooled,
                                 .bits = sh->bits, .shift = sh->shift, .is_signed = sh->is_signed};
        stoffel_mpc_material demand = {.struct_size = sizeof demand};
        CHECK_EQ_INT(stoffel_mpc_engine_material_demand(s.e, &r, 1, &demand), 0);
        int needs = demand.random_bits + total_masks(&demand) > 0;
        CHECK_MSG(needs == (sh->kind != STOFFEL_MPC_OP_SELECT), "%s: demand %llu bits, %llu masks", sh->name,
                  (unsigned long long)demand.random_bits, (unsigned long long)total_masks(&demand));
        /* dealt engines pool masks for every masked opening; they are not bits */
        if (sh->kind == STOFFEL_MPC_OP_EQ) /* EQZ of the 65-bit difference: one chain of 65 each */
            CHECK_MSG(demand.prefix_chains[65] == COUNT, "EQ64: %llu chains of length 65",
                      (unsigned long long)demand.prefix_chains[65]);
        if (sh->kind == STOFFEL_MPC_OP_LT)
            CHECK_MSG(demand.masks[41] == COUNT && demand.random_bits == 64 * COUNT,
                      "LT64: %llu masks of width 41 (kappa 40 + 1), %llu bits", (unsigned long long)demand.masks[41],
                      (unsigned long long)demand.random_bits);
        stoffel_mpc_material empty = held_of(&s);
        CHECK_MSG(empty.random_bits == 0 && total_masks(&empty) == 0, "%s: the pool starts empty", sh->name);
        CHECK_EQ_INT(stoffel_mpc_engine_preprocess_for(s.e, &r, 1), 0);
        stoffel_mpc_material filled = held_of(&s);
        CHECK_MSG(same_material(&filled, &demand), "%s: the pool holds the demand (%llu bits, want %llu)", sh->name,
                  (unsigned long long)filled.random_bits, (unsigned long long)demand.random_bits);

        stoffel_mpc_stats before = stats_of(&s);
        CHECK_MSG(stoffel_mpc_engine_execute(s.e, &r, 1) == 0, "%s: %s", sh->name, stoffel_mpc_engine_last_error(s.e));
        stoffel_mpc_stats after = stats_of(&s);
        stoffel_mpc_material left = held_of(&s);
        CHECK_MSG(left.random_bits == 0 && total_masks(&left) == 0, "%s: %llu bits, %llu masks left over", sh->name,
                  (unsigned long long)left.random_bits, (unsigned long long)total_masks(&left));
        CHECK_MSG(after.preprocessing_rounds == before.preprocessing_rounds, "%s: %llu preprocessing rounds with a full pool",
                  sh->name, (unsigned long long)(after.preprocessing_rounds - before.preprocessing_rounds));
        CHECK_MSG(after.random_bits_used - before.random_bits_used == demand.random_bits, "%s: random_bits_used", sh->name);
        uint64_t pooled_rounds = after.rounds - before.rounds;

        /* the same request with an empty pool: makes its material in rounds of its own */
        r.out = inline_out;
        before = stats_of(&s);
        CHECK_EQ_INT(stoffel_mpc_engine_execute(s.e, &r, 1), 0);
        after = stats_of(&s);
        if (needs)
            CHECK_MSG(after.preprocessing_rounds > before.preprocessing_rounds &&
                          after.rounds - before.rounds > pooled_rounds,
                      "%s: inline material costs rounds (%llu vs %llu pooled)", sh->name,
                      (unsigned long long)(after.rounds - before.rounds), (unsigned long long)pooled_rounds);
        size_t nout = out_count(sh);
        open_values(&s, pooled, nout, got);
        open_values(&s, inline_out, nout, again);
        if (sh->exact)
            CHECK_MSG(memcmp(got, again, nout * sizeof *got) == 0, "%s: pooled and inline results differ", sh->name);
        int wrong = 0;
        for (int k = 0; k < COUNT; k++) {
            int64_t want = clear_answer(sh, xa[k], xb[k]);
            wrong += want >= 0 && got[k] != want;
            if (sh->kind == STOFFEL_MPC_OP_RANDOM_BIT)
                wrong += got[k] != 0 && got[k] != 1;
            if (sh->kind == STOFFEL_MPC_OP_SELECT)
                wrong += got[k] != (xa[k] ? xb[k] : -xb[k]);
        }
        CHECK_MSG(wrong == 0, "%s: %d wrong results with pooled material", sh->name, wrong);
    }
    free(a);
    free(b);
    free(pooled);
    free(inline_out);
    free(got);
    free(again);
    stoffel_mpc_engine_free(s.e);
}

/* Part of the demand in the pool: taken first, the rest made; answers stay right. */
static void test_partial_pool(void)
{
    sim s;
    if (sim_open(&s, 3, 1, STOFFEL_MPC_SEMI_HONEST))
        return;
    const shape lt = shapes[0];
    uint8_t *a = malloc(COUNT * s.ss), *b = malloc(2 * COUNT * s.ss), *out = malloc(COUNT * s.ss);
    int64_t xa[COUNT], xb[COUNT], got[COUNT];
    make_operands(&s, &lt, a, b, xa, xb);
    stoffel_mpc_request half = {.kind = STOFFEL_MPC_OP_LT, .count = COUNT / 2, .bits = 64, .is_signed = 1};
    CHECK_EQ_INT(stoffel_mpc_engine_preprocess_for(s.e, &half, 1), 0);
    stoffel_mpc_request r = {.kind = STOFFEL_MPC_OP_LT, .count = COUNT, .a = a, .b = b, .out = out, .bits = 64,
                             .is_signed = 1};
    stoffel_mpc_stats before = stats_of(&s);
    CHECK_EQ_INT(stoffel_mpc_engine_execute(s.e, &r, 1), 0);
    stoffel_mpc_stats after = stats_of(&s);
    CHECK(after.preprocessing_rounds > before.preprocessing_rounds);
    stoffel_mpc_material left = held_of(&s);
    CHECK(left.random_bits == 0 && total_masks(&left) == 0);
    open_values(&s, out, COUNT, got);
    int wrong = 0;
    for (int k = 0; k < COUNT; k++)
        wrong += got[k] != (xa[k] < xb[k]);
    CHECK_EQ_INT(wrong, 0);
    free(a);
    free(b);
    free(out);
    stoffel_mpc_engine_free(s.e);
}

static void test_top_up(void)
{
    sim s;
    if (sim_open(&s, 3, 1, STOFFEL_MPC_SEMI_HONEST))
        return;
    stoffel_mpc_material want = {.struct_size = sizeof want, .random_bits = 1000};
    want.masks[41] = 10;
    want.masks[104] = 3;
    want.prefix_chains[9] = 5;
    CHECK_EQ_INT(stoffel_mpc_engine_material_top_up(s.e, &want), 0);
    stoffel_mpc_material held = held_of(&s);
    CHECK(same_material(&held, &want));
    /* at the levels already: nothing is made, no round runs */
    stoffel_mpc_stats before = stats_of(&s);
    CHECK_EQ_INT(stoffel_mpc_engine_material_top_up(s.e, &want), 0);
    stoffel_mpc_stats after = stats_of(&s);
    CHECK_EQ_INT(after.rounds - before.rounds, 0);
    held = held_of(&s);
    CHECK(same_material(&held, &want));
    /* a width the 255-bit field cannot deal */
    stoffel_mpc_material wide = {.struct_size = sizeof wide};
    wide.masks[254] = 1;
    CHECK_EQ_INT(stoffel_mpc_engine_material_top_up(s.e, &wide), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(s.e), "1..253") != NULL, "%s", stoffel_mpc_engine_last_error(s.e));
    wide.struct_size = 8;
    CHECK_EQ_INT(stoffel_mpc_engine_material_top_up(s.e, &wide), STOFFEL_ERR_INVALID_ARG);
    /* a malformed request: execute()'s error, naming the request */
    stoffel_mpc_request bad[2] = {{.kind = STOFFEL_MPC_OP_LT, .count = 1, .bits = 64, .is_signed = 1},
                                  {.kind = STOFFEL_MPC_OP_LT, .count = 1, .bits = 300}};
    stoffel_mpc_material d = {.struct_size = sizeof d};
    CHECK(stoffel_mpc_engine_material_demand(s.e, bad, 2, &d) != 0);
    CHECK_MSG(strncmp(stoffel_mpc_engine_last_error(s.e), "request 1:", 10) == 0, "%s",
              stoffel_mpc_engine_last_error(s.e));
    stoffel_mpc_engine_free(s.e);
}

/* Robust engines make masks from bits: they pool bits only. */
static void test_robust(void)
{
    sim s;
    if (sim_open(&s, 4, 1, STOFFEL_MPC_ROBUST))
        return;
    const shape lt = shapes[0];
    uint8_t *a = malloc(COUNT * s.ss), *b = malloc(2 * COUNT * s.ss), *out = malloc(COUNT * s.ss);
    int64_t xa[COUNT], xb[COUNT], got[COUNT];
    make_operands(&s, &lt, a, b, xa, xb);
    stoffel_mpc_request r = {.kind = STOFFEL_MPC_OP_LT, .count = COUNT, .a = a, .b = b, .out = out, .bits = 64,
                             .is_signed = 1};
    stoffel_mpc_material demand = {.struct_size = sizeof demand};
    CHECK_EQ_INT(stoffel_mpc_engine_material_demand(s.e, &r, 1, &demand), 0);
    CHECK_MSG(total_masks(&demand) == 0 && demand.random_bits == (64 + 40 + 1) * COUNT,
              "robust LT64 takes k + 1 + kappa bits each: %llu", (unsigned long long)demand.random_bits);
    CHECK_EQ_INT(stoffel_mpc_engine_preprocess_for(s.e, &r, 1), 0);
    stoffel_mpc_stats before = stats_of(&s);
    CHECK_EQ_INT(stoffel_mpc_engine_execute(s.e, &r, 1), 0);
    stoffel_mpc_stats after = stats_of(&s);
    CHECK_EQ_INT(after.preprocessing_rounds - before.preprocessing_rounds, 0);
    stoffel_mpc_material left = held_of(&s);
    CHECK_EQ_INT(left.random_bits, 0);
    open_values(&s, out, COUNT, got);
    int wrong = 0;
    for (int k = 0; k < COUNT; k++)
        wrong += got[k] != (xa[k] < xb[k]);
    CHECK_EQ_INT(wrong, 0);
    stoffel_mpc_material masks = {.struct_size = sizeof masks};
    masks.masks[41] = 1;
    CHECK_EQ_INT(stoffel_mpc_engine_material_top_up(s.e, &masks), STOFFEL_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(s.e), "random bits") != NULL, "%s",
              stoffel_mpc_engine_last_error(s.e));
    free(a);
    free(b);
    free(out);
    stoffel_mpc_engine_free(s.e);
}

int main(void)
{
    test_every_kind();
    test_partial_pool();
    test_top_up();
    test_robust();
    return test_finish();
}
