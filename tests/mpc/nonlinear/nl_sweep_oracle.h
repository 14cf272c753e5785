/*
 * nl_sweep_oracle.h - what the sweeps compare with: the clear C result of every nonlinear request
 * kind (an accepted range [lo, hi], a single value for the exact kinds), and the input generators
 * (all 8-bit pairs, edge values, random pairs with close and small-magnitude operands).
 */
#ifndef STOFFEL_TEST_NL_SWEEP_ORACLE_H
#define STOFFEL_TEST_NL_SWEEP_ORACLE_H

#include "nl_harness.h"

/* One request shape: kind, operand width (fixed point: k), shift (fixed point: f), signedness. */
typedef struct {
    stoffel_mpc_op_kind kind;
    unsigned bits;
    unsigned shift;
    int is_signed;
} nlo_op;

static inline int nlo_less(int64_t a, int64_t b, int is_signed)
{
    return is_signed ? a < b : (uint64_t)a < (uint64_t)b;
}

/* Quotient and remainder, truncating toward zero, with the documented edge cases (mpc.h):
 * b = 0 gives q = 0, r = a; min / -1 gives q = 2^(bits-1) (not wrapped; it reads as INT64_MIN
 * at 64 bits, where the opened value's low 64 bits are compared). */
static inline void nlo_divrem(int64_t a, int64_t b, int is_signed, int64_t *q, int64_t *r)
{
    if (b == 0) {
        *q = 0;
        *r = a;
    } else if (!is_signed) {
        *q = (int64_t)((uint64_t)a / (uint64_t)b);
        *r = (int64_t)((uint64_t)a % (uint64_t)b);
    } else {
        nlh_divrem(a, b, q, r);
    }
}

/* The accepted results of op on (a, b): lo <= result <= hi (lo == hi for the exact kinds).
 * FIXED_DIV is checked separately (nlo_fixed_div_ok) since its bound is relative. */
static inline void nlo_expect(const nlo_op *op, int64_t a, int64_t b, int64_t *lo, int64_t *hi)
{
    int64_t q, r;
    *lo = *hi = INT64_MIN;
    switch (op->kind) {
    case STOFFEL_MPC_OP_LT: case STOFFEL_MPC_OP_LE: case STOFFEL_MPC_OP_GT:
    case STOFFEL_MPC_OP_GE: case STOFFEL_MPC_OP_EQ: case STOFFEL_MPC_OP_NE:
        *lo = *hi = nlh_cmp(op->kind, a, b, op->is_signed);
        break;
    case STOFFEL_MPC_OP_DIV: case STOFFEL_MPC_OP_DIV_PUBLIC:
        nlo_divrem(a, b, op->is_signed, &q, &r);
        *lo = *hi = q;
        break;
    case STOFFEL_MPC_OP_REM: case STOFFEL_MPC_OP_REM_PUBLIC:
        nlo_divrem(a, b, op->is_signed, &q, &r);
        *lo = *hi = r;
        break;
    case STOFFEL_MPC_OP_TRUNC:
        *lo = *hi = a >> op->shift; /* arithmetic shift: floor on gcc and clang */
        break;
    case STOFFEL_MPC_OP_TRUNC_PR: /* probabilistic rounding: floor or floor + 1 */
        *lo = a >> op->shift;
        *hi = *lo + 1;
        break;
    case STOFFEL_MPC_OP_FIXED_MUL: { /* documented: error below 2^-f, i.e. floor or floor + 1 */
        __int128 p = ((__int128)a * b) >> op->shift;
        *lo = (int64_t)p;
        *hi = (int64_t)(p + 1);
        break;
    }
    case STOFFEL_MPC_OP_MIN:
        *lo = *hi = nlo_less(a, b, op->is_signed) ? a : b;
        break;
    case STOFFEL_MPC_OP_MAX:
        *lo = *hi = nlo_less(a, b, op->is_signed) ? b : a;
        break;
    case STOFFEL_MPC_OP_ABS: /* |min| = 2^(bits-1), not wrapped */
        *lo = *hi = a < 0 ? (int64_t)((uint64_t)0 - (uint64_t)a) : a;
        break;
    case STOFFEL_MPC_OP_SIGN:
        *lo = *hi = (a > 0) - (a < 0);
        break;
    default:
        break;
    }
}

/* FIXED_DIV at (k, f): the bound of fixed_div.c, "within 2 units in the last place plus a relative
 * 2^-(k-4) of the quotient", against the exact rational a 2^f / b:
 *   |out - a 2^f / b| <= 2 + |a 2^f / b| 2^-(k-4), i.e. (times |b|, all exact in 128 bits)
 *   |out b - a 2^f| 2^(k-4) <= 2 |b| 2^(k-4) + |a 2^f|.
 * A zero divisor gives exactly 0. Callers keep |a 2^f| < 2^96 and |out b| < 2^126 (k <= 64). */
static inline int nlo_fixed_div_ok(unsigned k, unsigned f, int64_t a, int64_t b, int64_t out)
{
    if (b == 0)
        return out == 0;
    __int128 num = (__int128)a * ((__int128)1 << f);
    __int128 diff = (__int128)out * b - num;
    __int128 ab = b < 0 ? -(__int128)b : (__int128)b, an = num < 0 ? -num : num;
    if (diff < 0)
        diff = -diff;
    /* compare diff 2^(k-4) <= 2 |b| 2^(k-4) + |num| without overflowing: divide through by 2^(k-4)
     * is inexact, so scale the small side instead (k - 4 <= 60 and diff < 2^127 / 2^60 is checked) */
    if (diff > ((__int128)1 << 66))
        return 0; /* off by far more than any accepted error of a quotient below 2^64 */
    return diff * ((__int128)1 << (k - 4)) <= 2 * ab * ((__int128)1 << (k - 4)) + an;
}

/* ---- inputs ---------------------------------------------------------------------------------- */

/* All 65,536 pairs of 8-bit values: a = low byte, b = high byte of the index. */
static inline void nlo_all_8bit_pairs(int is_signed, int64_t *a, int64_t *b)
{
    for (int i = 0; i < 65536; i++) {
        a[i] = is_signed ? (int8_t)(i & 0xff) : (i & 0xff);
        b[i] = is_signed ? (int8_t)(i >> 8) : (i >> 8);
    }
}

/* All values of a width up to 8 bits (2^bits of them), in a[0..2^bits). */
static inline size_t nlo_all_values(unsigned bits, int is_signed, int64_t *a)
{
    size_t m = (size_t)1 << bits;
    for (size_t i = 0; i < m; i++)
        a[i] = is_signed ? nlh_min(bits, 1) + (int64_t)i : (int64_t)i;
    return m;
}

/* A random value of a random length 1..bits (small magnitudes are as likely as large ones). */
static inline int64_t nlo_rand_len(uint64_t *st, unsigned bits, int is_signed)
{
    unsigned len = 1 + (unsigned)(nlh_rand_bits(st, 8, 0) % bits);
    if (is_signed && len == 1)
        len = 2; /* a signed 1-bit value is only 0 or -1 */
    if (len > bits)
        len = bits;
    return nlh_rand_bits(st, len, is_signed);
}

/* Edge values crossed with each other (0, 1, -1, min, max, min + 1, max - 1, 2 of the width),
 * then random pairs: a == b, a and b one apart, b of a random length, both full width. */
static inline void nlo_pairs(unsigned bits, int is_signed, uint64_t *st, int64_t *a, int64_t *b,
                             size_t n)
{
    int64_t hi = nlh_max(bits, is_signed);
    size_t m = nlh_edge_pairs(bits, is_signed, a, b, n);
    for (; m < n; m++) {
        a[m] = nlh_rand_bits(st, bits, is_signed);
        switch (m % 4) {
        case 0:
            b[m] = a[m];
            break;
        case 1: /* one apart, staying in range */
            b[m] = a[m] == hi ? a[m] - 1 : a[m] + 1;
            break;
        case 2:
            b[m] = nlo_rand_len(st, bits, is_signed);
            break;
        default:
            b[m] = nlh_rand_bits(st, bits, is_signed);
        }
        if (m % 8 == 5) { /* swap so that the smaller operand is first as often as second */
            int64_t t = a[m];
            a[m] = b[m];
            b[m] = t;
        }
    }
}

#endif
