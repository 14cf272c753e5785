/*
 * nl_batch_test.c - the engine's batch contract for nonlinear requests on the simulated engine:
 *   - a mixed batch {LT, EQ, MUL, OPEN} (and {TRUNC, DIV_PUBLIC, SELECT, MAX}) gives exact results
 *     and takes the rounds of its deepest request, not their sum;
 *   - a malformed request of any kind (missing operand a, b or out) is refused with
 *     STOFFEL_ERR_INVALID_ARG and a message naming the request, the kind and the operand, and
 *     nothing runs;
 *   - kappa is configurable (sim config, stoffel_mpc_engine_set_kappa): it changes the random bits
 *     a comparison consumes, and a field too small for k + kappa is refused naming the sizes.
 */
#include <stdio.h>

#include "nl_sim_common.h"

enum { N = 40 };

static uint64_t rounds_of(stoffel_mpc_engine *e)
{
    stoffel_mpc_stats s = {.struct_size = sizeof s};
    stoffel_mpc_engine_get_stats(e, &s);
    return s.rounds;
}

static stoffel_mpc_engine *sim_kappa(stoffel_mpc_field_id field, uint32_t kappa, char *err,
                                     size_t err_len, int *rc)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.field = field;
    cfg.kappa = kappa;
    cfg.seed = 77;
    cfg.record_transcript = 0;
    stoffel_mpc_engine *e = NULL;
    *rc = stoffel_mpc_engine_new_simulated(&cfg, &e, err, err_len);
    return e;
}

/* Rounds of one request alone (fresh engine with the same seed, so pools start alike). */
static uint64_t rounds_alone(stoffel_mpc_op_kind kind, const int64_t *a, const int64_t *b)
{
    stoffel_mpc_engine *e = nls_new(3, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 5);
    size_t ss = stoffel_mpc_engine_share_size(e);
    uint8_t *sa = malloc(N * ss), *sb = malloc(N * ss), *so = malloc(N * ss);
    CHECK(nlh_input(e, a, N, 1, sa) == 0 && nlh_input(e, b, N, 1, sb) == 0);
    stoffel_mpc_request q = {.kind = kind, .count = N, .a = sa, .b = sb, .out = so, .bits = 64,
                             .is_signed = 1};
    uint64_t r0 = rounds_of(e);
    CHECK(stoffel_mpc_engine_execute(e, &q, 1) == 0);
    uint64_t r = rounds_of(e) - r0;
    free(sa);
    free(sb);
    free(so);
    stoffel_mpc_engine_free(e);
    return r;
}

static void check_mixed_batch(void)
{
    uint64_t st = 0x9E3779B97F4A7C15ull;
    int64_t a[N], b[N], out[N];
    nls_pairs(64, 1, &st, a, b, N);
    uint64_t lt_rounds = rounds_alone(STOFFEL_MPC_OP_LT, a, b);
    uint64_t eq_rounds = rounds_alone(STOFFEL_MPC_OP_EQ, a, b);

    stoffel_mpc_engine *e = nls_new(3, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 5);
    const stoffel_mpc_field *f = stoffel_mpc_engine_field(e);
    size_t ss = stoffel_mpc_engine_share_size(e), es = stoffel_mpc_field_elem_size(f);
    uint8_t *sa = malloc(N * ss), *sb = malloc(N * ss), *lt = malloc(N * ss), *eq = malloc(N * ss);
    uint8_t *prod = malloc(N * ss), *opened = malloc(N * es);
    int64_t small_a[N], small_b[N];
    for (size_t i = 0; i < N; i++) {
        small_a[i] = a[i] >> 33; /* products fit 64 bits */
        small_b[i] = b[i] >> 33;
    }
    uint8_t *ma = malloc(N * ss), *mb = malloc(N * ss);
    CHECK(nlh_input(e, a, N, 1, sa) == 0 && nlh_input(e, b, N, 1, sb) == 0);
    CHECK(nlh_input(e, small_a, N, 1, ma) == 0 && nlh_input(e, small_b, N, 1, mb) == 0);
    stoffel_mpc_request q[4] = {
        {.kind = STOFFEL_MPC_OP_LT, .count = N, .a = sa, .b = sb, .out = lt, .bits = 64, .is_signed = 1},
        {.kind = STOFFEL_MPC_OP_EQ, .count = N, .a = sa, .b = sb, .out = eq, .bits = 64, .is_signed = 1},
        {.kind = STOFFEL_MPC_OP_MUL, .count = N, .a = ma, .b = mb, .out = prod},
        {.kind = STOFFEL_MPC_OP_OPEN, .count = N, .a = sa, .out = opened},
    };
    uint64_t r0 = rounds_of(e);
    int rc = stoffel_mpc_engine_execute(e, q, 4);
    CHECK_MSG(rc == 0, "mixed batch: %s", stoffel_mpc_engine_last_error(e));
    uint64_t mixed = rounds_of(e) - r0;
    uint64_t deepest = lt_rounds > eq_rounds ? lt_rounds : eq_rounds;
    CHECK_MSG(mixed == deepest, "{LT, EQ, MUL, OPEN} took %llu rounds; LT alone %llu, EQ alone %llu",
              (unsigned long long)mixed, (unsigned long long)lt_rounds,
              (unsigned long long)eq_rounds);
    fprintf(stderr, "rounds: LT %llu, EQ %llu, {LT, EQ, MUL, OPEN} %llu\n",
            (unsigned long long)lt_rounds, (unsigned long long)eq_rounds, (unsigned long long)mixed);
    CHECK(nlh_open(e, lt, N, out) == 0);
    for (size_t i = 0; i < N; i++)
        CHECK_MSG(out[i] == (a[i] < b[i]), "LT %lld %lld gave %lld", (long long)a[i],
                  (long long)b[i], (long long)out[i]);
    CHECK(nlh_open(e, eq, N, out) == 0);
    for (size_t i = 0; i < N; i++)
        CHECK_MSG(out[i] == (a[i] == b[i]), "EQ %lld %lld gave %lld", (long long)a[i],
                  (long long)b[i], (long long)out[i]);
    CHECK(nlh_open(e, prod, N, out) == 0);
    for (size_t i = 0; i < N; i++)
        CHECK(out[i] == small_a[i] * small_b[i]);
    for (size_t i = 0; i < N; i++) {
        int64_t v;
        int fits;
        CHECK(stoffel_mpc_field_to_i64(f, opened + i * es, &v, &fits) == 0 && v == a[i]);
    }

    /* four other kinds in one batch: exact results */
    uint8_t *tr = malloc(N * ss), *dq = malloc(N * ss), *sel = malloc(N * ss), *mx = malloc(N * ss);
    uint8_t *pubd = malloc(N * es), *branches = malloc(2 * N * ss);
    int64_t d[N];
    for (size_t i = 0; i < N; i++) {
        d[i] = (int64_t)(i % 7) + 2;
        stoffel_mpc_field_from_i64(f, d[i], pubd + i * es);
    }
    memcpy(branches, sa, N * ss);
    memcpy(branches + N * ss, sb, N * ss);
    stoffel_mpc_request q2[4] = {
        {.kind = STOFFEL_MPC_OP_TRUNC, .count = N, .a = sa, .out = tr, .bits = 64, .shift = 16},
        {.kind = STOFFEL_MPC_OP_DIV_PUBLIC, .count = N, .a = ma, .b = pubd, .out = dq, .bits = 32,
         .is_signed = 1},
        {.kind = STOFFEL_MPC_OP_SELECT, .count = N, .a = lt, .b = branches, .out = sel},
        {.kind = STOFFEL_MPC_OP_MAX, .count = N, .a = sa, .b = sb, .out = mx, .bits = 64, .is_signed = 1},
    };
    rc = stoffel_mpc_engine_execute(e, q2, 4);
    CHECK_MSG(rc == 0, "second mixed batch: %s", stoffel_mpc_engine_last_error(e));
    CHECK(nlh_open(e, tr, N, out) == 0);
    for (size_t i = 0; i < N; i++)
        CHECK_MSG(out[i] == (a[i] >> 16), "TRUNC %lld gave %lld", (long long)a[i], (long long)out[i]);
    CHECK(nlh_open(e, dq, N, out) == 0);
    for (size_t i = 0; i < N; i++)
        CHECK(out[i] == small_a[i] / d[i]);
    CHECK(nlh_open(e, sel, N, out) == 0);
    for (size_t i = 0; i < N; i++)
        CHECK(out[i] == (a[i] < b[i] ? a[i] : b[i]));
    CHECK(nlh_open(e, mx, N, out) == 0);
    for (size_t i = 0; i < N; i++)
        CHECK(out[i] == (a[i] > b[i] ? a[i] : b[i]));
    free(tr); free(dq); free(sel); free(mx); free(pubd); free(branches);
    free(sa); free(sb); free(lt); free(eq); free(prod); free(opened); free(ma); free(mb);
    stoffel_mpc_engine_free(e);
}

/* Every kind with each operand it needs missing in turn, alone and next to a good request. */
static void check_malformed(void)
{
    stoffel_mpc_engine *e = nls_new(3, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 9);
    size_t ss = stoffel_mpc_engine_share_size(e);
    uint8_t *buf = calloc(8, ss), *out = calloc(8, ss), *good_out = calloc(8, ss);
    int64_t one[2] = {1, 2};
    CHECK(nlh_input(e, one, 2, 1, buf) == 0);
    memcpy(buf + 2 * ss, buf, 2 * ss);
    static const struct {
        stoffel_mpc_op_kind kind;
        const char *name;
        int a, b, out;
    } kinds[] = {
        {STOFFEL_MPC_OP_MUL, "MUL", 1, 1, 1},         {STOFFEL_MPC_OP_OPEN, "OPEN", 1, 0, 1},
        {STOFFEL_MPC_OP_RANDOM, "RANDOM", 0, 0, 1},   {STOFFEL_MPC_OP_RANDOM_BIT, "RANDOM_BIT", 0, 0, 1},
        {STOFFEL_MPC_OP_RANDOM_INT, "RANDOM_INT", 0, 0, 1},
        {STOFFEL_MPC_OP_LT, "LT", 1, 1, 1},           {STOFFEL_MPC_OP_LE, "LE", 1, 1, 1},
        {STOFFEL_MPC_OP_GT, "GT", 1, 1, 1},           {STOFFEL_MPC_OP_GE, "GE", 1, 1, 1},
        {STOFFEL_MPC_OP_EQ, "EQ", 1, 1, 1},           {STOFFEL_MPC_OP_NE, "NE", 1, 1, 1},
        {STOFFEL_MPC_OP_DIV, "DIV", 1, 1, 1},         {STOFFEL_MPC_OP_REM, "REM", 1, 1, 1},
        {STOFFEL_MPC_OP_DIV_PUBLIC, "DIV_PUBLIC", 1, 1, 1},
        {STOFFEL_MPC_OP_REM_PUBLIC, "REM_PUBLIC", 1, 1, 1},
        {STOFFEL_MPC_OP_TRUNC, "TRUNC", 1, 0, 1},     {STOFFEL_MPC_OP_TRUNC_PR, "TRUNC_PR", 1, 0, 1},
        {STOFFEL_MPC_OP_FIXED_DIV, "FIXED_DIV", 1, 1, 1},
        {STOFFEL_MPC_OP_OUTPUT, "OUTPUT", 1, 0, 0},
        {STOFFEL_MPC_OP_FIXED_MUL, "FIXED_MUL", 1, 1, 1},
        {STOFFEL_MPC_OP_SELECT, "SELECT", 1, 1, 1},   {STOFFEL_MPC_OP_MIN, "MIN", 1, 1, 1},
        {STOFFEL_MPC_OP_MAX, "MAX", 1, 1, 1},         {STOFFEL_MPC_OP_ABS, "ABS", 1, 0, 1},
        {STOFFEL_MPC_OP_SIGN, "SIGN", 1, 0, 1},
        {STOFFEL_MPC_OP_BIT_DECOMPOSE, "BIT_DECOMPOSE", 1, 0, 1},
        {STOFFEL_MPC_OP_BIT_COMPOSE, "BIT_COMPOSE", 1, 0, 1},
        {STOFFEL_MPC_OP_MUL_RESHARE, "MUL_RESHARE", 1, 1, 1},
        {STOFFEL_MPC_OP_DEALT_RANDOM, "DEALT_RANDOM", 0, 0, 1},
    };
    CHECK_EQ_INT(sizeof kinds / sizeof kinds[0], STOFFEL_MPC_OP_KIND_COUNT);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (int missing = 0; missing < 3; missing++) {
            int needed = missing == 0 ? kinds[k].a : missing == 1 ? kinds[k].b : kinds[k].out;
            if (!needed)
                continue;
            stoffel_mpc_request q[2] = {
                {.kind = STOFFEL_MPC_OP_MUL, .count = 2, .a = buf, .b = buf, .out = good_out},
                {.kind = kinds[k].kind, .count = 2, .a = buf, .b = buf, .out = out, .bits = 8,
                 .shift = 2, .is_signed = 1},
            };
            if (missing == 0)
                q[1].a = NULL;
            else if (missing == 1)
                q[1].b = NULL;
            else
                q[1].out = NULL;
            uint64_t r0 = rounds_of(e);
            int rc = stoffel_mpc_engine_execute(e, q, 2);
            const char *msg = stoffel_mpc_engine_last_error(e);
            const char *operand = missing == 0 ? "operand a" : missing == 1 ? "operand b" : "out";
            CHECK_MSG(rc == STOFFEL_ERR_INVALID_ARG, "%s without %s: status %d", kinds[k].name,
                      operand, rc);
            char want[64];
            snprintf(want, sizeof want, "request 1 (%s)", kinds[k].name);
            CHECK_MSG(strstr(msg, want) && strstr(msg, operand), "%s without %s: message '%s'",
                      kinds[k].name, operand, msg);
            CHECK_MSG(rounds_of(e) == r0, "%s without %s: something ran", kinds[k].name, operand);
        }
    }
    /* count 0 needs no buffers; an unknown kind is named */
    stoffel_mpc_request empty = {.kind = STOFFEL_MPC_OP_SELECT, .count = 0};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(e, &empty, 1), 0);
    stoffel_mpc_request bad = {.kind = (stoffel_mpc_op_kind)99, .count = 1, .a = buf, .out = out};
    CHECK_EQ_INT(stoffel_mpc_engine_execute(e, &bad, 1), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(e), "unknown kind 99"), "%s",
              stoffel_mpc_engine_last_error(e));
    free(buf);
    free(out);
    free(good_out);
    stoffel_mpc_engine_free(e);
}

static void check_kappa(void)
{
    char err[256] = "";
    int rc;
    /* the simulated engine takes kappa from its config and refuses less than 40 */
    stoffel_mpc_engine *e = sim_kappa(STOFFEL_MPC_FIELD_P128, 39, err, sizeof err, &rc);
    CHECK(e == NULL && rc == STOFFEL_ERR_INVALID_ARG && strstr(err, "kappa = 39"));
    e = sim_kappa(STOFFEL_MPC_FIELD_P128, 60, err, sizeof err, &rc);
    CHECK_MSG(rc == 0, "kappa 60: %s", err);
    CHECK_EQ_INT(stoffel_mpc_engine_kappa(e), 60);
    int64_t a[3] = {-5, 7, INT64_MAX}, b[3] = {3, 7, INT64_MIN}, out[3];
    stoffel_mpc_stats s0 = {.struct_size = sizeof s0}, s1 = {.struct_size = sizeof s1};
    stoffel_mpc_engine_get_stats(e, &s0);
    /* 65 + 60 + 1 = 126 < 127 bits of p128: fits */
    CHECK(nlh_run(e, STOFFEL_MPC_OP_LT, 64, 0, 1, a, b, 3, out) == 0);
    CHECK(out[0] == 1 && out[1] == 0 && out[2] == 0);
    stoffel_mpc_engine_get_stats(e, &s1);
    CHECK_EQ_INT(s1.random_bits_used - s0.random_bits_used, 3 * (65 + 60));
    /* raised to 62: 65 + 62 + 1 = 128 does not fit p128's 127 bits */
    CHECK_EQ_INT(stoffel_mpc_engine_set_kappa(e, 62), 0);
    CHECK_EQ_INT(stoffel_mpc_engine_kappa(e), 62);
    CHECK_EQ_INT(nlh_run(e, STOFFEL_MPC_OP_LT, 64, 0, 1, a, b, 3, out), STOFFEL_MPC_ERR_CAPACITY);
    const char *msg = stoffel_mpc_engine_last_error(e);
    CHECK_MSG(strstr(msg, "65 + 62 + 1 = 128") && strstr(msg, "p128 has 127 bits"), "%s", msg);
    /* a narrower comparison still fits */
    CHECK(nlh_run(e, STOFFEL_MPC_OP_LT, 32, 0, 1, a, b, 2, out) == 0 && out[0] == 1 && out[1] == 0);
    /* refused settings name the sizes */
    CHECK_EQ_INT(stoffel_mpc_engine_set_kappa(e, 20), STOFFEL_ERR_INVALID_ARG);
    CHECK(strstr(stoffel_mpc_engine_last_error(e), "kappa = 20"));
    CHECK_EQ_INT(stoffel_mpc_engine_set_kappa(e, 124), STOFFEL_ERR_INVALID_ARG);
    msg = stoffel_mpc_engine_last_error(e);
    CHECK_MSG(strstr(msg, "kappa = 124") && strstr(msg, "p128 (127 bits)"), "%s", msg);
    CHECK_EQ_INT(stoffel_mpc_engine_kappa(e), 62);
    stoffel_mpc_engine_free(e);
    /* the default */
    e = sim_kappa(STOFFEL_MPC_FIELD_GOLDILOCKS, 40, err, sizeof err, &rc);
    CHECK_EQ_INT(stoffel_mpc_engine_kappa(e), 40);
    stoffel_mpc_engine_free(e);
}

int main(void)
{
    check_malformed();
    check_kappa();
    check_mixed_batch();
    return test_finish();
}
