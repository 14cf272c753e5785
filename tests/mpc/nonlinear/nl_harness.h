/*
 * nl_harness.h - helpers shared by the nonlinear tests and benchmarks: secret-share clear int64
 * vectors on an engine (through a random sharing, so shares look like real ones), open results,
 * run one request kind over vectors, and the clear C oracles the results are compared with.
 */
#ifndef STOFFEL_TEST_NL_HARNESS_H
#define STOFFEL_TEST_NL_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/mpc.h>

/* [x] = [r] + (x - r) with a fresh random [r] opened for the purpose (2 rounds for any n). */
static inline int nlh_input(stoffel_mpc_engine *e, const int64_t *vals, size_t n, int is_signed,
                     uint8_t *shares)
{
    const stoffel_mpc_field *f = stoffel_mpc_engine_field(e);
    size_t es = stoffel_mpc_field_elem_size(f);
    uint8_t *r = malloc(n * es + 1), *pub = malloc(n * es + 1);
    int rc = STOFFEL_ERR_NOMEM;
    if (!r || !pub)
        goto done;
    stoffel_mpc_request q[1] = {{.kind = STOFFEL_MPC_OP_RANDOM, .count = n, .out = shares}};
    if ((rc = stoffel_mpc_engine_execute(e, q, 1)))
        goto done;
    stoffel_mpc_request o[1] = {{.kind = STOFFEL_MPC_OP_OPEN, .count = n, .a = shares, .out = r}};
    if ((rc = stoffel_mpc_engine_execute(e, o, 1)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        if (is_signed)
            stoffel_mpc_field_from_i64(f, vals[i], pub + i * es);
        else if ((rc = stoffel_mpc_field_from_u64(f, (uint64_t)vals[i], pub + i * es)))
            goto done;
    }
    /* shares = [r] - r + x: subtract the opened r as a public sharing, then add x. */
    {
        size_t ss = stoffel_mpc_engine_share_size(e);
        uint8_t *rs = malloc(n * ss + 1);
        if (!rs) {
            rc = STOFFEL_ERR_NOMEM;
            goto done;
        }
        if ((rc = stoffel_mpc_engine_share_public(e, r, rs, n)) == 0 &&
            (rc = stoffel_mpc_engine_sub(e, shares, rs, shares, n)) == 0)
            rc = stoffel_mpc_engine_add_public(e, shares, pub, shares, n);
        free(rs);
    }
done:
    free(r);
    free(pub);
    return rc;
}

/* Opens n shares and decodes them as centred int64 (low 64 bits when they do not fit). */
static inline int nlh_open(stoffel_mpc_engine *e, const uint8_t *shares, size_t n, int64_t *out)
{
    const stoffel_mpc_field *f = stoffel_mpc_engine_field(e);
    size_t es = stoffel_mpc_field_elem_size(f);
    uint8_t *pub = malloc(n * es + 1);
    if (!pub)
        return STOFFEL_ERR_NOMEM;
    stoffel_mpc_request o[1] = {{.kind = STOFFEL_MPC_OP_OPEN, .count = n, .a = shares, .out = pub}};
    int rc = stoffel_mpc_engine_execute(e, o, 1);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int fits;
        rc = stoffel_mpc_field_to_i64(f, pub + i * es, &out[i], &fits);
    }
    free(pub);
    return rc;
}

/* Runs one request of `kind` on clear vectors a (and b: shares, or public elements for the
 * *_PUBLIC kinds; NULL for unary kinds) and opens the result into out. */
static inline int nlh_run(stoffel_mpc_engine *e, stoffel_mpc_op_kind kind, uint32_t bits, uint32_t shift,
                   int is_signed, const int64_t *a, const int64_t *b, size_t n, int64_t *out)
{
    const stoffel_mpc_field *f = stoffel_mpc_engine_field(e);
    size_t ss = stoffel_mpc_engine_share_size(e), es = stoffel_mpc_field_elem_size(f);
    int pub_b = kind == STOFFEL_MPC_OP_DIV_PUBLIC || kind == STOFFEL_MPC_OP_REM_PUBLIC;
    uint8_t *sa = malloc(n * ss + 1), *sb = malloc(n * (pub_b ? es : ss) + 1);
    uint8_t *so = malloc(n * ss + 1);
    int rc = STOFFEL_ERR_NOMEM;
    if (!sa || !sb || !so)
        goto done;
    if (a && (rc = nlh_input(e, a, n, is_signed, sa)))
        goto done;
    if (b) {
        if (pub_b) {
            for (size_t i = 0; i < n; i++)
                if (is_signed)
                    stoffel_mpc_field_from_i64(f, b[i], sb + i * es);
                else
                    stoffel_mpc_field_from_u64(f, (uint64_t)b[i], sb + i * es);
        } else if ((rc = nlh_input(e, b, n, is_signed, sb))) {
            goto done;
        }
    }
    stoffel_mpc_request q[1] = {{.kind = kind, .count = n, .a = a ? sa : NULL, .b = b ? sb : NULL,
                                 .out = so, .bits = bits, .shift = shift,
                                 .is_signed = (uint8_t)is_signed}};
    if ((rc = stoffel_mpc_engine_execute(e, q, 1)))
        goto done;
    rc = nlh_open(e, so, n, out);
done:
    free(sa);
    free(sb);
    free(so);
    return rc;
}

/* ---- clear oracles ---------------------------------------------------------------------------- */
static inline int64_t nlh_cmp(stoffel_mpc_op_kind kind, int64_t a, int64_t b, int is_signed)
{
    int lt, eq;
    if (is_signed) {
        lt = a < b;
        eq = a == b;
    } else {
        lt = (uint64_t)a < (uint64_t)b;
        eq = a == b;
    }
    switch (kind) {
    case STOFFEL_MPC_OP_LT: return lt;
    case STOFFEL_MPC_OP_LE: return lt || eq;
    case STOFFEL_MPC_OP_GT: return !lt && !eq;
    case STOFFEL_MPC_OP_GE: return !lt;
    case STOFFEL_MPC_OP_EQ: return eq;
    case STOFFEL_MPC_OP_NE: return !eq;
    default: return -1;
    }
}

/* Truncating quotient and remainder with the documented edge cases (b = 0: q = 0, r = a;
 * min / -1: q = 2^(bits-1), which wraps to min in int64 when bits = 64). */
static inline void nlh_divrem(int64_t a, int64_t b, int64_t *q, int64_t *r)
{
    if (b == 0) {
        *q = 0;
        *r = a;
    } else if (b == -1) {
        *q = (int64_t)((uint64_t)0 - (uint64_t)a);
        *r = 0;
    } else {
        *q = a / b;
        *r = a % b;
    }
}

/* A random value of `bits` bits (signed: in [-2^(bits-1), 2^(bits-1)); unsigned: [0, 2^bits)). */
static inline int64_t nlh_rand_bits(uint64_t *state, unsigned bits, int is_signed)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    uint64_t v = *state;
    if (bits < 64)
        v &= ((uint64_t)1 << bits) - 1;
    if (is_signed && bits < 64 && (v >> (bits - 1)))
        v |= ~(((uint64_t)1 << bits) - 1);
    return (int64_t)v;
}

/* The smallest and largest value of a width (unsigned 64-bit: the all-ones pattern, -1). */
static inline int64_t nlh_min(unsigned bits, int is_signed)
{
    return is_signed ? (bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1))) : 0;
}

static inline int64_t nlh_max(unsigned bits, int is_signed)
{
    return is_signed ? (bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1)
                     : (bits == 64 ? -1 : (int64_t)(((uint64_t)1 << bits) - 1));
}

/* The edge pairs of a width: 0, 1, -1, min, max, min + 1, max - 1 and 2 crossed with each other
 * (unsigned values masked into range, 1-bit signed ones read as 0 or -1), at most n of them.
 * Returns how many were written (64 when n allows). */
static inline size_t nlh_edge_pairs(unsigned bits, int is_signed, int64_t *a, int64_t *b, size_t n)
{
    int64_t lo = nlh_min(bits, is_signed), hi = nlh_max(bits, is_signed);
    int64_t v[] = {0, 1, -1, lo, hi, lo + 1, hi - 1, 2};
    size_t m = 0;
    for (size_t i = 0; i < 8 && m < n; i++)
        for (size_t j = 0; j < 8 && m < n; j++) {
            int64_t x = v[i], y = v[j];
            if (!is_signed && bits < 64) {
                x &= hi;
                y &= hi;
            }
            if (is_signed && bits == 1) {
                x = x & 1 ? -1 : 0;
                y = y & 1 ? -1 : 0;
            }
            a[m] = x;
            b[m] = y;
            m++;
        }
    return m;
}


#endif
