/*
 * bitlt.c - BitLT(c, [r]): is the public m-bit integer c below the secret integer given by its
 * shared bits r_0..r_{m-1}? (Catrina-de Hoogh 2010, section 3; spec mpc.md section 8.)
 *
 * c < r exactly when, at the most significant position where c and r differ, r has the 1. A binary
 * tree over the bit positions carries, per range of positions, e = "c and r differ somewhere in the
 * range" and res = "c < r on the range". Leaves are linear in r (c is public):
 *   e_j = c_j xor r_j = c_j + (1 - 2 c_j) r_j,   res_j = (1 - c_j) r_j.
 * Combining a high range H with the low range L below it:
 *   e = e_H or e_L = e_H + e_L - e_H e_L,   res = res_H + (1 - e_H) res_L.
 * Two multiplications per combination, all combinations of a tree level in one round:
 * ceil(log2 m) rounds and about 2m multiplications per element.
 *
 * First level without a round (nl_bitlt_pairs): with the products q_i = r_{2i+1} r_{2i} of
 * adjacent mask bits, made while the masked value is opened (they do not depend on c), every
 * combination of two leaves is linear in r_H, r_L and q (c public; s_j = 1 - 2 c_j):
 *   res = (1 - c_H) r_H + (1 - c_H)(1 - c_L) r_L - s_H (1 - c_L) q
 *   e   = c_H + c_L - c_H c_L + s_H (1 - c_L) r_H + s_L (1 - c_H) r_L - s_H s_L q
 * so the tree starts at level two: one round less and m/2 multiplications fewer (moved into the
 * opening's round).
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

/* out = sum of coef_j * x_j over three terms plus a constant, coefficients per element. */
static int lin3(nl_ctx *ctx, const uint8_t *k0, const uint8_t *x1, const uint8_t *k1,
                const uint8_t *x2, const uint8_t *k2, const uint8_t *x3, const uint8_t *k3,
                uint8_t *tmp, size_t n, uint8_t *out)
{
    int rc;
    if ((rc = nl_mul_pub(ctx, x1, k1, out, n)) || (rc = nl_mul_pub(ctx, x2, k2, tmp, n)) ||
        (rc = nl_add(ctx, out, tmp, out, n)) || (rc = nl_mul_pub(ctx, x3, k3, tmp, n)) ||
        (rc = nl_add(ctx, out, tmp, out, n)))
        return rc;
    return k0 ? nl_add_pub(ctx, out, k0, out, n) : 0;
}

/* The encoded constant v for v in {-1, 0, 1} (every coefficient of level one is one of them). */
static const uint8_t *unit(const nl_ctx *ctx, long v)
{
    return v > 0 ? ctx->one : v < 0 ? ctx->minus_one : ctx->zero;
}

/* Level one from the pair products (see the file comment): E, R get ceil(m/2) positions. */
static int first_level(nl_ctx *ctx, const mpz_t *c, const uint8_t *rbits, const uint8_t *pairs,
                       unsigned m, size_t n, uint8_t *E, uint8_t *R, uint8_t *tmp)
{
    const size_t vec = n * ctx->ss;
    int rc = 0;
    uint8_t *k = nl_pub_alloc(ctx, 7 * n);
    if (!k)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for BitLT");
    uint8_t *kA = k, *kB = k + n * ctx->es, *kC = k + 2 * n * ctx->es, *kD = k + 3 * n * ctx->es;
    uint8_t *kE = k + 4 * n * ctx->es, *kF = k + 5 * n * ctx->es, *kG = k + 6 * n * ctx->es;
    for (unsigned i = 0; i < m / 2 && rc == 0; i++) {
        for (size_t e = 0; e < n; e++) {
            long cH = mpz_tstbit(c[e], 2 * i + 1), cL = mpz_tstbit(c[e], 2 * i);
            long sH = 1 - 2 * cH, sL = 1 - 2 * cL;
            memcpy(NL_EL(ctx, kA, e), unit(ctx, 1 - cH), ctx->es);
            memcpy(NL_EL(ctx, kB, e), unit(ctx, (1 - cH) * (1 - cL)), ctx->es);
            memcpy(NL_EL(ctx, kC, e), unit(ctx, -sH * (1 - cL)), ctx->es);
            memcpy(NL_EL(ctx, kD, e), unit(ctx, cH + cL - cH * cL), ctx->es);
            memcpy(NL_EL(ctx, kE, e), unit(ctx, sH * (1 - cL)), ctx->es);
            memcpy(NL_EL(ctx, kF, e), unit(ctx, sL * (1 - cH)), ctx->es);
            memcpy(NL_EL(ctx, kG, e), unit(ctx, -sH * sL), ctx->es);
        }
        const uint8_t *rH = rbits + (2 * i + 1) * vec, *rL = rbits + 2 * i * vec;
        const uint8_t *q = pairs + i * vec;
        rc = lin3(ctx, NULL, rH, kA, rL, kB, q, kC, tmp, n, R + i * vec);
        if (rc == 0)
            rc = lin3(ctx, kD, rH, kE, rL, kF, q, kG, tmp, n, E + i * vec);
    }
    free(k);
    return rc;
}

int nl_bitlt(nl_ctx *ctx, const mpz_t *c, const uint8_t *rbits, unsigned m, size_t n, uint8_t *u)
{
    return nl_bitlt_pairs(ctx, c, rbits, NULL, m, n, u);
}

int nl_bitlt_pairs(nl_ctx *ctx, const mpz_t *c, const uint8_t *rbits, const uint8_t *qpairs,
                   unsigned m, size_t n, uint8_t *u)
{
    const size_t ss = ctx->ss;
    const size_t vec = n * ss; /* bytes of one position's vector */
    if (m == 0)
        return nl_share_const(ctx, ctx->zero, u, n);
    int rc = STOFFEL_ERR_NOMEM;
    /* positions the tree starts with (E, R), the products of the widest level (P: two per
     * combination of two positions) and scratch for level one (tmp) */
    const size_t pos = qpairs ? m / 2 + m % 2 : m, ops = pos + 1;
    uint8_t *E = nl_sh_alloc(ctx, pos * n), *R = nl_sh_alloc(ctx, pos * n);
    uint8_t *P = nl_sh_alloc(ctx, ops * n), *tmp = nl_sh_alloc(ctx, n);
    uint8_t *sign = nl_pub_alloc(ctx, n), *cbit = nl_pub_alloc(ctx, n), *notc = nl_pub_alloc(ctx, n);
    if (!E || !R || !P || !tmp || !sign || !cbit || !notc) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for BitLT on %zu x %u bits", n, m);
        goto done;
    }
    /* leaves: all of them, or only the odd top one when level one comes from the pairs */
    for (unsigned j = qpairs ? m - m % 2 : 0; j < m; j++) {
        for (size_t e = 0; e < n; e++) {
            int bit = mpz_tstbit(c[e], j);
            memcpy(NL_EL(ctx, sign, e), bit ? ctx->minus_one : ctx->one, ctx->es);
            memcpy(NL_EL(ctx, cbit, e), bit ? ctx->one : ctx->zero, ctx->es);
            memcpy(NL_EL(ctx, notc, e), bit ? ctx->zero : ctx->one, ctx->es);
        }
        const uint8_t *rj = rbits + j * vec;
        unsigned dst = qpairs ? m / 2 : j;
        if ((rc = nl_mul_pub(ctx, rj, sign, E + dst * vec, n)) ||
            (rc = nl_add_pub(ctx, E + dst * vec, cbit, E + dst * vec, n)) ||
            (rc = nl_mul_pub(ctx, rj, notc, R + dst * vec, n)))
            goto done;
    }
    if (qpairs && m >= 2 && (rc = first_level(ctx, c, rbits, qpairs, m, n, E, R, tmp)))
        goto done;
    unsigned cnt = qpairs ? (m + 1) / 2 : m;
    while (cnt > 1) {
        unsigned pairs = cnt / 2;
        int last = (cnt == 2); /* the final combination needs only res */
        /* one round: e_H res_L (and e_H e_L below the top) for every pair of positions, each
         * product a request on the position vectors in place */
        nl_round rd = {.count = 0};
        for (unsigned i = 0; i < pairs; i++) {
            const uint8_t *e_hi = E + (2 * i + 1) * vec, *e_lo = E + 2 * i * vec;
            nl_round_mul(&rd, e_hi, R + 2 * i * vec, P + i * vec, n);
            if (!last)
                nl_round_mul(&rd, e_hi, e_lo, P + (pairs + i) * vec, n);
        }
        if ((rc = nl_round_run(ctx, &rd, 0)))
            goto done;
        for (unsigned i = 0; i < pairs; i++) {
            uint8_t *e_hi = E + (2 * i + 1) * vec, *e_lo = E + 2 * i * vec;
            uint8_t *r_hi = R + (2 * i + 1) * vec, *r_lo = R + 2 * i * vec;
            /* res = res_H + res_L - e_H res_L, into position i */
            if ((rc = nl_add(ctx, r_hi, r_lo, R + i * vec, n)) ||
                (rc = nl_sub(ctx, R + i * vec, P + i * vec, R + i * vec, n)))
                goto done;
            if (!last) {
                if ((rc = nl_add(ctx, e_hi, e_lo, E + i * vec, n)) ||
                    (rc = nl_sub(ctx, E + i * vec, P + (pairs + i) * vec, E + i * vec, n)))
                    goto done;
            }
        }
        if (cnt % 2) {
            memmove(E + pairs * vec, E + (cnt - 1) * vec, vec);
            memmove(R + pairs * vec, R + (cnt - 1) * vec, vec);
        }
        cnt = pairs + cnt % 2;
    }
    memcpy(u, R, vec);
    rc = 0;
done:
    nl_sh_free(ctx, E, pos * n);
    nl_sh_free(ctx, R, pos * n);
    nl_sh_free(ctx, tmp, n);
    nl_sh_free(ctx, P, ops * n);
    free(sign);
    free(cbit);
    free(notc);
    return rc;
}
