/*
 * nl_sim_test.c - the nonlinear protocols on the real simulated engine (all parties in-process,
 * real Shamir sharing, Beaver multiplication, openings) for n=3,t=1 and n=4,t=1: all six
 * comparisons at widths 1, 8, 16, 32, 64 on edge values and random pairs (signed and unsigned),
 * truncation, division by secret and public divisors (zero divisor, min / -1), random bits,
 * robust mode (n=4,t=1 and n=7,t=2) with t parties sending wrong shares in every opening (results
 * exact, exactly the liars blamed), the field capacity check for every kind that widens its values
 * (the message names k, kappa and the field's bits), and online round counts. The large sweeps
 * (all 65,536 8-bit pairs, random pairs per width, every kind) are in nl_sweep_test (suites
 * mpc-sweep and mpc-sweep-asan).
 */
#include <stdio.h>

#include "nl_sim_common.h"

/* Under AddressSanitizer (CI's sanitizer job) the same checks on fewer random pairs. */
#if defined(__SANITIZE_ADDRESS__)
enum { NPAIRS = 72 };
#else
enum { NPAIRS = 80 };
#endif

static void check_config(uint32_t n, uint32_t t)
{
    char label[64];
    snprintf(label, sizeof label, "sim n=%u t=%u", n, t);
    stoffel_mpc_engine *e = nls_new(n, t, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 11 + n);
    if (!e)
        return;
    uint64_t st = 0x2545F4914F6CDD1Dull + n;
    int64_t a[NPAIRS], b[NPAIRS];
    nlc_check_random(e, 300, label);
    static const unsigned widths[] = {1, 8, 16, 32, 64};
    for (size_t w = 0; w < 5; w++)
        for (int sgn = 1; sgn >= 0; sgn--) {
            nls_pairs(widths[w], sgn, &st, a, b, NPAIRS);
            nlc_check_compare(e, widths[w], sgn, a, b, NPAIRS, label);
        }
    nls_pairs(64, 1, &st, a, b, NPAIRS);
    nlc_check_trunc(e, 64, 16, a, NPAIRS, label);
    nlc_check_misc(e, 64, a, b, 24, label);
    nls_pairs(8, 1, &st, a, b, NPAIRS);
    nlc_check_misc(e, 8, a, b, 64, label);
    /* fixed point (28, 8): division needs 3k + 41 < 127 bits of p128 */
    for (size_t i = 0; i < 16; i++) {
        a[i] = nlh_rand_bits(&st, 20, 1);
        b[i] = nlh_rand_bits(&st, 12, 1);
    }
    b[1] = 0;
    nlc_check_fixed(e, 28, 8, a, b, 16, n == 3, label);
    nls_pairs(8, 1, &st, a, b, NPAIRS);
    nlc_check_divide(e, 8, 1, 0, a, b, 64, label); /* includes x / 0 and min / -1 */
    nls_pairs(16, 0, &st, a, b, NPAIRS);
    nlc_check_divide(e, 16, 0, 0, a, b, 24, label);
    nls_pairs(16, 1, &st, a, b, NPAIRS);
    for (size_t i = 0; i < NPAIRS; i++)
        if (b[i] == 0)
            b[i] = -7;
    nlc_check_divide(e, 16, 1, 1, a, b, 64, label);
    stoffel_mpc_engine_free(e);
}

/* 64-bit division needs 2 * 64 + kappa + 1 bits of field: bls12-381. */
static void check_wide_division(void)
{
    stoffel_mpc_engine *e = nls_new(3, 1, STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_SEMI_HONEST, 5);
    if (!e)
        return;
    uint64_t st = 99;
    int64_t a[16], b[16];
    nls_pairs(64, 1, &st, a, b, 16);
    a[0] = INT64_MIN; b[0] = -1;
    a[1] = 1234567890123; b[1] = 0;
    a[2] = -1000000007; b[2] = 3;
    nlc_check_divide(e, 64, 1, 0, a, b, 4, "bls n=3 64-bit secret divisor");
    for (size_t i = 0; i < 16; i++)
        if (b[i] == 0)
            b[i] = 97;
    nlc_check_divide(e, 64, 1, 1, a, b, 16, "bls n=3 64-bit public divisor");
    for (size_t i = 0; i < 16; i++) {
        a[i] = nlh_rand_bits(&st, 40, 1);
        b[i] = nlh_rand_bits(&st, 30, 1);
    }
    b[0] = 0;
    b[1] = -1;
    nlc_check_fixed(e, 64, 16, a, b, 16, 1, "bls n=3 fixed (64, 16)");
    stoffel_mpc_engine_free(e);
}

/* Robust mode: t of n = 3t + 1 parties send wrong shares (a random offset on every share) in every
 * online opening; the robust decoder corrects them. Comparisons (all six kinds at 64 and 8 bits),
 * exact and probabilistic truncation and secret division stay exact, and the liars are blamed (so
 * the corruption really happened), the honest parties are not. */
static void check_robust_liars(uint32_t n, uint32_t t, const uint32_t *liars, size_t npairs)
{
    char label[80];
    snprintf(label, sizeof label, "robust n=%u t=%u, %u liar(s)", n, t, t);
    stoffel_mpc_engine *e = nls_new(n, t, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_ROBUST, 21 + n);
    if (!e)
        return;
    for (uint32_t i = 0; i < t; i++)
        CHECK(stoffel_mpc_engine_sim_set_liar(e, liars[i], STOFFEL_MPC_SIM_WRONG_SHARES) == 0);
    uint64_t st = 7 + n;
    int64_t a[NPAIRS], b[NPAIRS];
    nls_pairs(64, 1, &st, a, b, npairs);
    nlc_check_compare(e, 64, 1, a, b, npairs, label);
    nlc_check_trunc(e, 64, 16, a, npairs, label);
    nls_pairs(8, 1, &st, a, b, npairs);
    nlc_check_compare(e, 8, 1, a, b, npairs, label);
    nlc_check_divide(e, 8, 1, 0, a, b, npairs < 16 ? npairs : 16, label);
    for (uint32_t p = 0; p < n; p++) {
        uint64_t blamed = 0;
        int liar = 0;
        for (uint32_t i = 0; i < t; i++)
            liar |= liars[i] == p;
        CHECK(stoffel_mpc_engine_sim_blame(e, p, &blamed) == 0);
        CHECK_MSG(liar ? blamed > 0 : blamed == 0, "%s: party %u (%s) blamed %llu times", label, p,
                  liar ? "liar" : "honest", (unsigned long long)blamed);
    }
    stoffel_mpc_engine_free(e);
}

static void check_capacity(void)
{
    stoffel_mpc_engine *e = nls_new(3, 1, STOFFEL_MPC_FIELD_GOLDILOCKS, STOFFEL_MPC_SEMI_HONEST, 3);
    if (!e)
        return;
    int64_t a[1] = {5}, b[1] = {6}, out[1];
    CHECK_EQ_INT(nlh_run(e, STOFFEL_MPC_OP_LT, 64, 0, 1, a, b, 1, out), STOFFEL_MPC_ERR_CAPACITY);
    const char *msg = stoffel_mpc_engine_last_error(e);
    CHECK_MSG(strstr(msg, "65 + 40 + 1 = 106") && strstr(msg, "goldilocks has 64 bits"), "%s", msg);
    CHECK_EQ_INT(nlh_run(e, STOFFEL_MPC_OP_TRUNC, 64, 16, 1, a, NULL, 1, out),
                 STOFFEL_MPC_ERR_CAPACITY);
    CHECK(nlh_run(e, STOFFEL_MPC_OP_LT, 16, 0, 1, a, b, 1, out) == 0 && out[0] == 1);
    stoffel_mpc_engine_free(e);

    /* p128 (127 bits) holds 64-bit comparisons but not the wider intermediate values of 64-bit
     * division (2k), public division (2k + 1) and fixed point (2k for FIXED_MUL, 3k for
     * FIXED_DIV): each is refused naming its sizes, and nothing runs */
    e = nls_new(3, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 4);
    if (!e)
        return;
    static const struct {
        stoffel_mpc_op_kind kind;
        unsigned bits, shift;
        const char *sizes;
    } wide[] = {
        {STOFFEL_MPC_OP_DIV, 64, 0, "128 + 40 + 1 = 169"},
        {STOFFEL_MPC_OP_REM, 64, 0, "128 + 40 + 1 = 169"},
        {STOFFEL_MPC_OP_DIV_PUBLIC, 64, 0, "129 + 40 + 1 = 170"},
        {STOFFEL_MPC_OP_FIXED_MUL, 64, 16, "128 + 40 + 1 = 169"},
        {STOFFEL_MPC_OP_FIXED_DIV, 64, 16, "192 + 40 + 1 = 233"},
        {STOFFEL_MPC_OP_FIXED_DIV, 29, 8, "87 + 40 + 1 = 128"},
    };
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        stoffel_mpc_stats s0 = {.struct_size = sizeof s0}, s1 = {.struct_size = sizeof s1};
        stoffel_mpc_engine_get_stats(e, &s0);
        int rc = nlh_run(e, wide[i].kind, wide[i].bits, wide[i].shift, 1, a, b, 1, out);
        msg = stoffel_mpc_engine_last_error(e);
        CHECK_MSG(rc == STOFFEL_MPC_ERR_CAPACITY && strstr(msg, wide[i].sizes) &&
                      strstr(msg, "p128 has 127 bits"),
                  "kind %d at %u bits on p128: status %d, message '%s'", (int)wide[i].kind,
                  wide[i].bits, rc, msg);
        stoffel_mpc_engine_get_stats(e, &s1);
        /* refused before any protocol ran */
        CHECK_EQ_INT(s1.comparisons - s0.comparisons, 0);
    }
    /* one bit narrower fits: FIXED_DIV (28, 8) needs 84 + 40 + 1 = 125 < 127 */
    a[0] = 3 << 8;
    b[0] = 2 << 8;
    CHECK(nlh_run(e, STOFFEL_MPC_OP_FIXED_DIV, 28, 8, 1, a, b, 1, out) == 0);
    CHECK_MSG(out[0] >= 382 && out[0] <= 386, "3 / 2 in (28, 8) gave %lld / 256", (long long)out[0]);
    stoffel_mpc_engine_free(e);
}

/* Online rounds of one batch: the same for 1 and for 2,000 comparisons; 64-bit LT <= 8. */
static void check_rounds(void)
{
    stoffel_mpc_engine *e = nls_new(3, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 8);
    if (!e)
        return;
    size_t sizes[2] = {1, 2000};
    uint64_t rounds[2][2];
    uint64_t st = 3;
    int64_t *a = malloc(2000 * 8), *b = malloc(2000 * 8);
    nls_pairs(64, 1, &st, a, b, 2000);
    size_t ss = stoffel_mpc_engine_share_size(e);
    uint8_t *sa = malloc(2000 * ss), *sb = malloc(2000 * ss), *so = malloc(2000 * ss);
    for (int k = 0; k < 2; k++) {
        stoffel_mpc_op_kind kind = k ? STOFFEL_MPC_OP_EQ : STOFFEL_MPC_OP_LT;
        for (int s = 0; s < 2; s++) {
            CHECK(nlh_input(e, a, sizes[s], 1, sa) == 0 && nlh_input(e, b, sizes[s], 1, sb) == 0);
            stoffel_mpc_stats s0 = {.struct_size = sizeof s0}, s1 = {.struct_size = sizeof s1};
            stoffel_mpc_engine_get_stats(e, &s0);
            stoffel_mpc_request q = {.kind = kind, .count = sizes[s], .a = sa, .b = sb, .out = so,
                                     .bits = 64, .is_signed = 1};
            CHECK(stoffel_mpc_engine_execute(e, &q, 1) == 0);
            stoffel_mpc_engine_get_stats(e, &s1);
            rounds[k][s] = s1.rounds - s0.rounds;
            /* consumed preprocessing is reported: the m random bits of the mask (LT: m = k - 1 = 64,
             * EQ: m = k = 65; the statistical part is dealt), and semi-honest engines use no
             * triple (multiplication by degree reduction, dealt randomness) */
            CHECK_EQ_INT(s1.random_bits_used - s0.random_bits_used, (k ? 65 : 64) * sizes[s]);
            CHECK_EQ_INT(s1.comparisons - s0.comparisons, sizes[s]);
            CHECK_EQ_INT(s1.triples_used - s0.triples_used, 0);
            CHECK(s1.preprocessing_rounds - s0.preprocessing_rounds >= 2);
        }
    }
    /* RANDOM draws from the engine's pool (no round). LT: 2 preprocessing rounds for the random
     * bits (square, open) + 1 masked opening (with the adjacent-bit products) + 5 BitLT levels; EQ: 2 (bits) + 2 (PreMul masks:
     * multiply, open) + 3 online (masked opening, multiply, open). */
    CHECK_EQ_INT(rounds[0][0], rounds[0][1]);
    CHECK_EQ_INT(rounds[1][0], rounds[1][1]);
    CHECK_MSG(rounds[0][1] - 2 <= 8, "64-bit LT took %llu online rounds",
              (unsigned long long)(rounds[0][1] - 2));
    CHECK_MSG(rounds[1][1] - 4 <= 3, "64-bit EQ took %llu online rounds",
              (unsigned long long)(rounds[1][1] - 4));
    fprintf(stderr, "rounds per batch (incl. preprocessing): LT %llu, EQ %llu\n",
            (unsigned long long)rounds[0][1], (unsigned long long)rounds[1][1]);
    free(a);
    free(b);
    free(sa);
    free(sb);
    free(so);
    stoffel_mpc_engine_free(e);
}

int main(void)
{
    double t0 = nls_now();
    check_capacity();
    check_rounds();
    check_config(3, 1);
    check_config(4, 1);
    static const uint32_t one_liar[1] = {2}, two_liars[2] = {0, 5};
    check_robust_liars(4, 1, one_liar, NPAIRS);
    check_robust_liars(7, 2, two_liars, 24);
    check_wide_division();
    fprintf(stderr, "nl_sim_test: %.1f s\n", nls_now() - t0);
    return test_finish();
}
