/*
 * nl_sweep.h - the sweep runner of nl_sweep_test.c: one engine, a size
 * profile (CI, full, sanitizer), and "run this request kind over these inputs in batches and
 * compare every result with the oracle".
 */
#ifndef STOFFEL_TEST_NL_SWEEP_H
#define STOFFEL_TEST_NL_SWEEP_H

#include <stdio.h>

#include "nl_sim_common.h"
#include "nl_sweep_oracle.h"

/* How many inputs a sweep uses. FULL is the list (all 65,536 8-bit pairs of every binary
 * kind, 10^4 random pairs per larger width); CI is what fits CI's time budget with today's protocol
 * speed (exhaustive where cheap, fewer pairs for division and fixed-point division); ASAN is a
 * reduced but real run for the sanitizer build. */
typedef enum { NLS_CI = 0, NLS_FULL = 1, NLS_ASAN = 2 } nls_profile;

typedef struct {
    stoffel_mpc_engine *e;  /* p128 engine of the run */
    uint32_t n;             /* parties (t = 1) */
    nls_profile profile;
    char label[48];
    double t0;
    uint64_t rng;
    int64_t *a, *b, *out;   /* scratch of NLS_MAX elements each */
} nls_sweep;

enum { NLS_MAX = 65536 };

/* Picks the size for the profile. */
static inline size_t nls_size(const nls_sweep *s, size_t ci, size_t full, size_t asan)
{
    return s->profile == NLS_FULL ? full : s->profile == NLS_ASAN ? asan : ci;
}

/* Elements per execute() call: a batch of 8192 comparisons needs about 1.1 GB of preprocessing in
 * the simulator at n = 4; secret division consumes about 18 times the triples of a comparison. */
static inline size_t nls_chunk(const nlo_op *op)
{
    switch (op->kind) {
    case STOFFEL_MPC_OP_DIV: case STOFFEL_MPC_OP_REM: case STOFFEL_MPC_OP_FIXED_DIV:
        return op->bits <= 16 ? 1024 : 256;
    case STOFFEL_MPC_OP_DIV_PUBLIC: case STOFFEL_MPC_OP_REM_PUBLIC:
        return 2048;
    case STOFFEL_MPC_OP_FIXED_MUL:
        return op->bits <= 32 ? 8192 : 2048;
    default:
        return 8192;
    }
}

static inline const char *nls_kind_name(stoffel_mpc_op_kind k)
{
    static const char *const names[STOFFEL_MPC_OP_KIND_COUNT] = {
        "MUL", "OPEN", "RANDOM", "RANDOM_BIT", "RANDOM_INT", "LT", "LE", "GT", "GE", "EQ", "NE",
        "DIV", "REM", "DIV_PUBLIC", "REM_PUBLIC", "TRUNC", "TRUNC_PR", "FIXED_DIV", "OUTPUT",
        "FIXED_MUL", "SELECT", "MIN", "MAX", "ABS", "SIGN", "BIT_DECOMPOSE", "BIT_COMPOSE"};
    return (unsigned)k < STOFFEL_MPC_OP_KIND_COUNT ? names[k] : "?";
}

static inline int nls_unary(stoffel_mpc_op_kind k)
{
    return k == STOFFEL_MPC_OP_TRUNC || k == STOFFEL_MPC_OP_TRUNC_PR || k == STOFFEL_MPC_OP_ABS ||
           k == STOFFEL_MPC_OP_SIGN;
}

/* Runs op on (a[i], b[i]) for i < count on engine e in batches, checks every result, reports the
 * first wrong ones and a timing line. `what` says which inputs ("8-bit exhaustive", ...). */
static inline void nls_check_on(nls_sweep *s, stoffel_mpc_engine *e, const nlo_op *op,
                                const int64_t *a, const int64_t *b, size_t count, const char *what)
{
    size_t chunk = nls_chunk(op), bad = 0;
    /* robust engines build division from Beaver triples: 1024 8-bit divisions peaked at 4.8 GB */
    if (stoffel_mpc_engine_security(e) == STOFFEL_MPC_ROBUST && chunk > 256 &&
        (op->kind == STOFFEL_MPC_OP_DIV || op->kind == STOFFEL_MPC_OP_REM ||
         op->kind == STOFFEL_MPC_OP_FIXED_DIV))
        chunk = 256;
    int rc = 0;
    double t = nls_now();
    const int64_t *bb = nls_unary(op->kind) ? NULL : b;
    for (size_t start = 0; rc == 0 && start < count; start += chunk) {
        size_t m = count - start < chunk ? count - start : chunk;
        rc = nlh_run(e, op->kind, op->bits, op->shift, op->is_signed, a + start,
                     bb ? bb + start : NULL, m, s->out + start);
    }
    CHECK_MSG(rc == 0, "%s: %s %u-bit %s (%s): status %d: %s", s->label, nls_kind_name(op->kind),
              op->bits, op->is_signed ? "signed" : "unsigned", what, rc,
              stoffel_mpc_engine_last_error(e));
    for (size_t i = 0; rc == 0 && i < count; i++) {
        int64_t lo, hi, got = s->out[i];
        int ok;
        if (op->kind == STOFFEL_MPC_OP_FIXED_DIV) {
            ok = nlo_fixed_div_ok(op->bits, op->shift, a[i], b[i], got);
            lo = hi = 0;
        } else {
            nlo_expect(op, a[i], bb ? b[i] : 0, &lo, &hi);
            ok = got >= lo && got <= hi;
        }
        if (!ok && bad++ < 4)
            fprintf(stderr, "%s: %s bits=%u shift=%u %s: a=%lld b=%lld gave %lld, want %lld..%lld\n",
                    s->label, nls_kind_name(op->kind), op->bits, op->shift,
                    op->is_signed ? "signed" : "unsigned", (long long)a[i],
                    bb ? (long long)b[i] : 0LL, (long long)got, (long long)lo, (long long)hi);
    }
    CHECK_MSG(bad == 0, "%s: %s %u-bit %s (%s): %zu of %zu results wrong", s->label,
              nls_kind_name(op->kind), op->bits, op->is_signed ? "signed" : "unsigned", what, bad,
              count);
    fprintf(stderr, "%s: %-13s %2u-bit %-8s %-28s %6zu: %s, %6.1f s (total %.0f s)\n", s->label,
            nls_kind_name(op->kind), op->bits, op->is_signed ? "signed" : "unsigned", what, count,
            rc ? "FAILED" : bad ? "WRONG" : "ok", nls_now() - t, nls_now() - s->t0);
}

static inline void nls_check(nls_sweep *s, const nlo_op *op, const int64_t *a, const int64_t *b,
                             size_t count, const char *what)
{
    nls_check_on(s, s->e, op, a, b, count, what);
}

#endif
