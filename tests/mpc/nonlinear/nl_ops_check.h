/*
 * nl_ops_check.h - the checks every engine must pass, run by nl_clear_test (clear engine) and
 * nl_sim_test (simulated engine): each operation on vectors of inputs compared with clear C
 * arithmetic. Failures go through CHECK (test_util.h).
 */
#ifndef STOFFEL_TEST_NL_OPS_CHECK_H
#define STOFFEL_TEST_NL_OPS_CHECK_H

#include "../../test_util.h"
#include "nl_harness.h"

static const stoffel_mpc_op_kind nlc_cmp_kinds[6] = {
    STOFFEL_MPC_OP_LT, STOFFEL_MPC_OP_LE, STOFFEL_MPC_OP_GT,
    STOFFEL_MPC_OP_GE, STOFFEL_MPC_OP_EQ, STOFFEL_MPC_OP_NE};

/* All six comparisons on the pairs (a[i], b[i]); each kind runs on all n pairs. */
static void nlc_check_compare(stoffel_mpc_engine *e, unsigned bits, int is_signed,
                              const int64_t *a, const int64_t *b, size_t n, const char *label)
{
    int64_t *out = malloc(n * sizeof *out);
    for (int k = 0; k < 6; k++) {
        int rc = nlh_run(e, nlc_cmp_kinds[k], bits, 0, is_signed, a, b, n, out);
        CHECK_MSG(rc == 0, "%s: kind %d failed: %d %s", label, (int)nlc_cmp_kinds[k], rc,
                  stoffel_mpc_engine_last_error(e));
        if (rc)
            continue;
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t want = nlh_cmp(nlc_cmp_kinds[k], a[i], b[i], is_signed);
            if (out[i] != want && bad++ < 3)
                fprintf(stderr, "%s: kind %d bits %u: %lld vs %lld gave %lld, want %lld\n", label,
                        (int)nlc_cmp_kinds[k], bits, (long long)a[i], (long long)b[i],
                        (long long)out[i], (long long)want);
        }
        CHECK_MSG(bad == 0, "%s: %zu wrong results of kind %d", label, bad, (int)nlc_cmp_kinds[k]);
    }
    free(out);
}

/* DIV and REM (secret divisor) and DIV_PUBLIC / REM_PUBLIC (public divisor, b[i] != 0). */
static void nlc_check_divide(stoffel_mpc_engine *e, unsigned bits, int is_signed, int public_b,
                             const int64_t *a, const int64_t *b, size_t n, const char *label)
{
    int64_t *q = malloc(n * sizeof *q), *r = malloc(n * sizeof *r);
    stoffel_mpc_op_kind kq = public_b ? STOFFEL_MPC_OP_DIV_PUBLIC : STOFFEL_MPC_OP_DIV;
    stoffel_mpc_op_kind kr = public_b ? STOFFEL_MPC_OP_REM_PUBLIC : STOFFEL_MPC_OP_REM;
    int rc = nlh_run(e, kq, bits, 0, is_signed, a, b, n, q);
    CHECK_MSG(rc == 0, "%s: DIV failed: %d %s", label, rc, stoffel_mpc_engine_last_error(e));
    int rc2 = nlh_run(e, kr, bits, 0, is_signed, a, b, n, r);
    CHECK_MSG(rc2 == 0, "%s: REM failed: %d %s", label, rc2, stoffel_mpc_engine_last_error(e));
    if (rc == 0 && rc2 == 0) {
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t wq, wr;
            if (is_signed) {
                nlh_divrem(a[i], b[i], &wq, &wr);
            } else if (b[i] == 0) {
                wq = 0;
                wr = a[i];
            } else {
                wq = (int64_t)((uint64_t)a[i] / (uint64_t)b[i]);
                wr = (int64_t)((uint64_t)a[i] % (uint64_t)b[i]);
            }
            if ((q[i] != wq || r[i] != wr) && bad++ < 3)
                fprintf(stderr, "%s: %u bits %s: %lld / %lld gave q %lld r %lld, want %lld %lld\n",
                        label, bits, is_signed ? "signed" : "unsigned", (long long)a[i],
                        (long long)b[i], (long long)q[i], (long long)r[i], (long long)wq,
                        (long long)wr);
        }
        CHECK_MSG(bad == 0, "%s: %zu wrong quotients/remainders", label, bad);
    }
    free(q);
    free(r);
}

/* TRUNC exact (floor) and TRUNC_PR (floor or floor + 1) of signed `bits`-bit values. */
static void nlc_check_trunc(stoffel_mpc_engine *e, unsigned bits, unsigned shift, const int64_t *a,
                            size_t n, const char *label)
{
    int64_t *out = malloc(n * sizeof *out);
    int rc = nlh_run(e, STOFFEL_MPC_OP_TRUNC, bits, shift, 1, a, NULL, n, out);
    CHECK_MSG(rc == 0, "%s: TRUNC failed: %d %s", label, rc, stoffel_mpc_engine_last_error(e));
    size_t bad = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int64_t want = a[i] >> shift; /* arithmetic shift = floor on gcc/clang */
        if (out[i] != want && bad++ < 3)
            fprintf(stderr, "%s: trunc(%lld, %u) = %lld, want %lld\n", label, (long long)a[i],
                    shift, (long long)out[i], (long long)want);
    }
    CHECK_MSG(bad == 0, "%s: %zu wrong exact truncations", label, bad);
    rc = nlh_run(e, STOFFEL_MPC_OP_TRUNC_PR, bits, shift, 1, a, NULL, n, out);
    CHECK_MSG(rc == 0, "%s: TRUNC_PR failed: %d %s", label, rc, stoffel_mpc_engine_last_error(e));
    bad = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int64_t lo = a[i] >> shift;
        if ((out[i] != lo && out[i] != lo + 1) && bad++ < 3)
            fprintf(stderr, "%s: truncpr(%lld, %u) = %lld, want %lld or +1\n", label,
                    (long long)a[i], shift, (long long)out[i], (long long)lo);
    }
    CHECK_MSG(bad == 0, "%s: %zu wrong probabilistic truncations", label, bad);
    free(out);
}

/* RANDOM_BIT gives 0/1 with both values frequent; RANDOM_INT stays below 2^bits. */
static void nlc_check_random(stoffel_mpc_engine *e, size_t n, const char *label)
{
    int64_t *out = malloc(n * sizeof *out);
    int rc = nlh_run(e, STOFFEL_MPC_OP_RANDOM_BIT, 0, 0, 1, NULL, NULL, n, out);
    CHECK_MSG(rc == 0, "%s: RANDOM_BIT failed: %d %s", label, rc, stoffel_mpc_engine_last_error(e));
    size_t ones = 0, bad = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bad += out[i] != 0 && out[i] != 1;
        ones += out[i] == 1;
    }
    CHECK_MSG(bad == 0, "%s: %zu random bits not 0/1", label, bad);
    /* binomial(n, 1/2): 5 sigma bounds cannot fail by chance in practice */
    CHECK_MSG(ones * 10 > n * 4 && ones * 10 < n * 6, "%s: %zu ones of %zu bits", label, ones, n);
    rc = nlh_run(e, STOFFEL_MPC_OP_RANDOM_INT, 12, 0, 1, NULL, NULL, n, out);
    CHECK_MSG(rc == 0, "%s: RANDOM_INT failed: %d", label, rc);
    int64_t mx = 0;
    bad = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bad += out[i] < 0 || out[i] >= 4096;
        if (out[i] > mx)
            mx = out[i];
    }
    CHECK_MSG(bad == 0 && mx >= 2048, "%s: random 12-bit ints out of range (max %lld)", label,
              (long long)mx);
    free(out);
}

#endif
