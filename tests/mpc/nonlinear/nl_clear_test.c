/*
 * nl_clear_test.c - the nonlinear protocols' arithmetic on the clear test engine (clear_engine.c):
 * comparisons, truncation, division, random bits, capacity check, against clear C arithmetic.
 * Fast, and independent of the engine core; the multi-party runs are in nl_sim_test.c.
 */
#include <stdio.h>

#include "clear_engine.h"
#include "nl_ops_check.h"

static void edge_pairs(unsigned bits, int is_signed, int64_t *a, int64_t *b, size_t *n)
{
    *n = nlh_edge_pairs(bits, is_signed, a, b, 64);
}

static void check_field(stoffel_mpc_field_id id, const char *label)
{
    stoffel_mpc_engine *e;
    CHECK(clear_engine_new(id, 7, &e) == 0);
    nlc_check_random(e, 2000, label);

    uint64_t st = 0x9e3779b97f4a7c15ull;
    enum { N = 200 };
    int64_t a[N], b[N];
    static const unsigned widths[] = {1, 8, 16, 32, 64};
    for (size_t w = 0; w < 5; w++) {
        for (int sgn = 1; sgn >= 0; sgn--) {
            unsigned bits = widths[w];
            size_t n;
            edge_pairs(bits, sgn, a, b, &n);
            for (; n < N; n++) {
                a[n] = nlh_rand_bits(&st, bits, sgn);
                b[n] = (n % 5 == 0) ? a[n] : nlh_rand_bits(&st, bits, sgn);
            }
            nlc_check_compare(e, bits, sgn, a, b, N, label);
            /* division needs 2 bits + kappa + 1 bits of field: only bls12-381 at 64 bits */
            size_t nd = bits >= 32 ? 8 : 60;
            if (bits >= 2 && 2 * bits + 42 < stoffel_mpc_field_bits(stoffel_mpc_engine_field(e))) {
                nlc_check_divide(e, bits, sgn, 0, a, b, nd, label);
                for (size_t i = 0; i < nd; i++)
                    if (b[i] == 0 || (!sgn && b[i] < 0))
                        b[i] = 3;
                nlc_check_divide(e, bits, sgn, 1, a, b, nd, label);
            }
            if (sgn && bits >= 8)
                nlc_check_trunc(e, bits, bits / 4, a, N, label);
            if (sgn)
                nlc_check_misc(e, bits, a, b, 100, label);
        }
    }
    /* fixed point (k, f) = (28, 8) on values below 2^20 in magnitude (3k + 41 < 127) */
    for (size_t i = 0; i < 100; i++) {
        a[i] = nlh_rand_bits(&st, 20, 1);
        b[i] = nlh_rand_bits(&st, 12, 1);
    }
    b[0] = 0;
    nlc_check_fixed(e, 28, 8, a, b, 100, 1, label);
    clear_engine_free(e);
}

/* What needs the big field: 64-bit division and (64, 16) fixed point. */
static void check_wide(void)
{
    stoffel_mpc_engine *e;
    CHECK(clear_engine_new(STOFFEL_MPC_FIELD_BLS12_381, 9, &e) == 0);
    uint64_t st = 12345;
    int64_t a[16], b[16];
    for (size_t i = 0; i < 16; i++) {
        a[i] = nlh_rand_bits(&st, 64, 1);
        b[i] = nlh_rand_bits(&st, i < 8 ? 64 : 20, 1);
    }
    a[0] = INT64_MIN;
    b[0] = -1;
    b[1] = 0;
    nlc_check_divide(e, 64, 1, 0, a, b, 6, "bls12-381");
    b[1] = 5;
    nlc_check_divide(e, 64, 1, 1, a, b, 16, "bls12-381");
    for (size_t i = 0; i < 16; i++) {
        a[i] = nlh_rand_bits(&st, 40, 1);
        b[i] = nlh_rand_bits(&st, 30, 1);
    }
    b[0] = 0;
    b[1] = 1;
    b[2] = -1;
    a[3] = -((int64_t)1 << 39);
    nlc_check_fixed(e, 64, 16, a, b, 16, 1, "bls12-381 fixed (64, 16)");
    clear_engine_free(e);
}

static void check_capacity(void)
{
    stoffel_mpc_engine *e;
    CHECK(clear_engine_new(STOFFEL_MPC_FIELD_GOLDILOCKS, 1, &e) == 0);
    int64_t a[1] = {5}, b[1] = {6}, out[1];
    int rc = nlh_run(e, STOFFEL_MPC_OP_LT, 64, 0, 1, a, b, 1, out);
    CHECK_EQ_INT(rc, STOFFEL_MPC_ERR_CAPACITY);
    const char *msg = stoffel_mpc_engine_last_error(e);
    CHECK_MSG(strstr(msg, "65 + 40 + 1 = 106") && strstr(msg, "goldilocks has 64 bits"), "%s", msg);
    /* 16-bit comparisons fit the 64-bit field: 17 + 40 + 1 < 64 */
    rc = nlh_run(e, STOFFEL_MPC_OP_LT, 16, 0, 1, a, b, 1, out);
    CHECK(rc == 0 && out[0] == 1);
    clear_engine_free(e);
}

/* Bad requests get an error naming the request and the fix, never a wrong answer. */
static void check_bad_requests(void)
{
    stoffel_mpc_engine *e;
    CHECK(clear_engine_new(STOFFEL_MPC_FIELD_P128, 2, &e) == 0);
    int64_t a[2] = {5, -9}, b[2] = {0, 3}, out[2];
    CHECK_EQ_INT(nlh_run(e, STOFFEL_MPC_OP_TRUNC, 16, 16, 1, a, NULL, 2, out),
                 STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(e), "shift < bits"), "%s",
              stoffel_mpc_engine_last_error(e));
    CHECK_EQ_INT(nlh_run(e, STOFFEL_MPC_OP_LT, 65, 0, 1, a, b, 2, out), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(e), "bits = 65"), "%s",
              stoffel_mpc_engine_last_error(e));
    CHECK_EQ_INT(nlh_run(e, STOFFEL_MPC_OP_RANDOM_INT, 0, 0, 1, NULL, NULL, 2, out),
                 STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(nlh_run(e, STOFFEL_MPC_OP_DIV_PUBLIC, 16, 0, 1, a, b, 2, out),
                 STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(e), "divisor 0 is zero"), "%s",
              stoffel_mpc_engine_last_error(e));
    /* 64-bit division does not fit p128 (2 * 64 + 40 + 1 bits) */
    b[0] = 2;
    CHECK_EQ_INT(nlh_run(e, STOFFEL_MPC_OP_DIV, 64, 0, 1, a, b, 2, out), STOFFEL_MPC_ERR_CAPACITY);
    CHECK_MSG(strstr(stoffel_mpc_engine_last_error(e), "p128 has 127 bits"), "%s",
              stoffel_mpc_engine_last_error(e));
    /* and 16-bit division works on the same engine afterwards */
    CHECK(nlh_run(e, STOFFEL_MPC_OP_DIV_PUBLIC, 16, 0, 1, a, b, 2, out) == 0 && out[0] == 2 &&
          out[1] == -3);
    clear_engine_free(e);
}

int main(void)
{
    check_bad_requests();
    check_capacity();
    check_field(STOFFEL_MPC_FIELD_P128, "p128");
    check_wide();
    return test_finish();
}
