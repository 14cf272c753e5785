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
static inline void nlc_check_compare(stoffel_mpc_engine *e, unsigned bits, int is_signed,
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
static inline void nlc_check_divide(stoffel_mpc_engine *e, unsigned bits, int is_signed, int public_b,
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
static inline void nlc_check_trunc(stoffel_mpc_engine *e, unsigned bits, unsigned shift, const int64_t *a,
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
static inline void nlc_check_random(stoffel_mpc_engine *e, size_t n, const char *label)
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

/* MIN, MAX, ABS, SIGN (signed `bits`-bit values), SELECT on c = a & 1, BIT_DECOMPOSE and
 * BIT_COMPOSE back (two's complement bits). */
static inline void nlc_check_misc(stoffel_mpc_engine *e, unsigned bits, const int64_t *a, const int64_t *b,
                           size_t n, const char *label)
{
    int64_t *out = malloc(n * sizeof *out);
    size_t bad = 0;
    int rc = nlh_run(e, STOFFEL_MPC_OP_MIN, bits, 0, 1, a, b, n, out);
    CHECK_MSG(rc == 0, "%s: MIN: %s", label, stoffel_mpc_engine_last_error(e));
    for (size_t i = 0; rc == 0 && i < n; i++)
        bad += out[i] != (a[i] < b[i] ? a[i] : b[i]);
    rc = nlh_run(e, STOFFEL_MPC_OP_MAX, bits, 0, 1, a, b, n, out);
    CHECK_MSG(rc == 0, "%s: MAX: %s", label, stoffel_mpc_engine_last_error(e));
    for (size_t i = 0; rc == 0 && i < n; i++)
        bad += out[i] != (a[i] < b[i] ? b[i] : a[i]);
    CHECK_MSG(bad == 0, "%s: %zu wrong MIN/MAX at %u bits", label, bad, bits);
    bad = 0;
    rc = nlh_run(e, STOFFEL_MPC_OP_ABS, bits, 0, 1, a, NULL, n, out);
    CHECK_MSG(rc == 0, "%s: ABS: %s", label, stoffel_mpc_engine_last_error(e));
    for (size_t i = 0; rc == 0 && i < n; i++)
        bad += (uint64_t)out[i] != (a[i] < 0 ? (uint64_t)0 - (uint64_t)a[i] : (uint64_t)a[i]);
    rc = nlh_run(e, STOFFEL_MPC_OP_SIGN, bits, 0, 1, a, NULL, n, out);
    CHECK_MSG(rc == 0, "%s: SIGN: %s", label, stoffel_mpc_engine_last_error(e));
    for (size_t i = 0; rc == 0 && i < n; i++)
        bad += out[i] != (a[i] > 0) - (a[i] < 0);
    CHECK_MSG(bad == 0, "%s: %zu wrong ABS/SIGN at %u bits", label, bad, bits);

    size_t ss = stoffel_mpc_engine_share_size(e);
    uint8_t *sa = malloc(n * ss * bits + ss), *sb = malloc(2 * n * ss), *so = malloc(n * ss * bits + ss);
    uint8_t *sc = malloc(n * ss);
    int64_t *cv = malloc(n * sizeof *cv), *ab = malloc(2 * n * sizeof *ab);
    for (size_t i = 0; i < n; i++) {
        cv[i] = a[i] & 1;
        ab[i] = a[i];
        ab[n + i] = b[i];
    }
    bad = 0;
    CHECK(nlh_input(e, cv, n, 1, sc) == 0 && nlh_input(e, ab, 2 * n, 1, sb) == 0);
    stoffel_mpc_request sel = {.kind = STOFFEL_MPC_OP_SELECT, .count = n, .a = sc, .b = sb, .out = so};
    rc = stoffel_mpc_engine_execute(e, &sel, 1);
    CHECK_MSG(rc == 0, "%s: SELECT: %s", label, stoffel_mpc_engine_last_error(e));
    if (rc == 0 && nlh_open(e, so, n, out) == 0)
        for (size_t i = 0; i < n; i++)
            bad += out[i] != (cv[i] ? a[i] : b[i]);
    CHECK_MSG(bad == 0, "%s: %zu wrong SELECT", label, bad);

    bad = 0;
    int64_t *bitv = malloc(n * bits * sizeof *bitv);
    CHECK(nlh_input(e, a, n, 1, sa) == 0);
    stoffel_mpc_request dec = {.kind = STOFFEL_MPC_OP_BIT_DECOMPOSE, .count = n, .a = sa, .out = so,
                               .bits = bits, .is_signed = 1};
    rc = stoffel_mpc_engine_execute(e, &dec, 1);
    CHECK_MSG(rc == 0, "%s: BIT_DECOMPOSE: %s", label, stoffel_mpc_engine_last_error(e));
    if (rc == 0 && nlh_open(e, so, n * bits, bitv) == 0)
        for (size_t i = 0; i < n; i++)
            for (unsigned j = 0; j < bits; j++)
                bad += bitv[i * bits + j] != (int64_t)(((uint64_t)a[i] >> j) & 1);
    CHECK_MSG(bad == 0, "%s: %zu wrong decomposed bits at %u bits", label, bad, bits);
    stoffel_mpc_request com = {.kind = STOFFEL_MPC_OP_BIT_COMPOSE, .count = n, .a = so, .out = sa,
                               .bits = bits};
    rc = stoffel_mpc_engine_execute(e, &com, 1);
    CHECK_MSG(rc == 0, "%s: BIT_COMPOSE: %s", label, stoffel_mpc_engine_last_error(e));
    bad = 0;
    if (rc == 0 && nlh_open(e, sa, n, out) == 0)
        for (size_t i = 0; i < n; i++) {
            uint64_t want = bits == 64 ? (uint64_t)a[i] : (uint64_t)a[i] & (((uint64_t)1 << bits) - 1);
            bad += (uint64_t)out[i] != want;
        }
    CHECK_MSG(bad == 0, "%s: %zu wrong recomposed values", label, bad);
    free(bitv);
    free(sa);
    free(sb);
    free(so);
    free(sc);
    free(cv);
    free(ab);
    free(out);
}

/* FIXED_MUL within one unit (probabilistic rounding) and FIXED_DIV exact (truncated), at (k, f). */
static inline void nlc_check_fixed(stoffel_mpc_engine *e, unsigned k, unsigned f, const int64_t *a,
                            const int64_t *b, size_t n, int with_div, const char *label)
{
    int64_t *out = malloc(n * sizeof *out);
    int rc = nlh_run(e, STOFFEL_MPC_OP_FIXED_MUL, k, f, 1, a, b, n, out);
    CHECK_MSG(rc == 0, "%s: FIXED_MUL: %s", label, stoffel_mpc_engine_last_error(e));
    size_t bad = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        __int128 p = (__int128)a[i] * b[i];
        __int128 lo = p >> f; /* floor */
        if ((out[i] != (int64_t)lo && out[i] != (int64_t)(lo + 1)) && bad++ < 3)
            fprintf(stderr, "%s: fixmul %lld * %lld = %lld, want %lld (+1)\n", label,
                    (long long)a[i], (long long)b[i], (long long)out[i], (long long)lo);
    }
    CHECK_MSG(bad == 0, "%s: %zu wrong fixed-point products", label, bad);
    if (with_div) {
        rc = nlh_run(e, STOFFEL_MPC_OP_FIXED_DIV, k, f, 1, a, b, n, out);
        CHECK_MSG(rc == 0, "%s: FIXED_DIV: %s", label, stoffel_mpc_engine_last_error(e));
        bad = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            /* documented bound: 2 ulp + |q| 2^-(k-4) */
            __int128 num = (__int128)a[i] * ((__int128)1 << f);
            __int128 want = b[i] == 0 ? 0 : num / b[i];
            __int128 err = (__int128)out[i] - want, mag = want < 0 ? -want : want;
            if (err < 0)
                err = -err;
            if (err > 2 + (mag >> (k - 4)) && bad++ < 3)
                fprintf(stderr, "%s: fixdiv %lld / %lld = %lld, want %lld\n", label,
                        (long long)a[i], (long long)b[i], (long long)out[i], (long long)want);
        }
        CHECK_MSG(bad == 0, "%s: %zu wrong fixed-point quotients", label, bad);
    }
    free(out);
}

#endif
