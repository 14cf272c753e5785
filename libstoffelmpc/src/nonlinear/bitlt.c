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
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

int nl_bitlt(nl_ctx *ctx, const mpz_t *c, const uint8_t *rbits, unsigned m, size_t n, uint8_t *u)
{
    const size_t ss = ctx->ss;
    const size_t vec = n * ss; /* bytes of one position's vector */
    if (m == 0)
        return nl_share_const(ctx, ctx->zero, u, n);
    int rc = STOFFEL_ERR_NOMEM;
    uint8_t *E = nl_sh_alloc(ctx, (size_t)m * n), *R = nl_sh_alloc(ctx, (size_t)m * n);
    uint8_t *A = nl_sh_alloc(ctx, (size_t)m * n), *B = nl_sh_alloc(ctx, (size_t)m * n);
    uint8_t *P = nl_sh_alloc(ctx, (size_t)m * n);
    uint8_t *sign = nl_pub_alloc(ctx, n), *cbit = nl_pub_alloc(ctx, n), *notc = nl_pub_alloc(ctx, n);
    if (!E || !R || !A || !B || !P || !sign || !cbit || !notc) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for BitLT on %zu x %u bits", n, m);
        goto done;
    }
    for (unsigned j = 0; j < m; j++) {
        for (size_t e = 0; e < n; e++) {
            int bit = mpz_tstbit(c[e], j);
            memcpy(NL_EL(ctx, sign, e), bit ? ctx->minus_one : ctx->one, ctx->es);
            memcpy(NL_EL(ctx, cbit, e), bit ? ctx->one : ctx->zero, ctx->es);
            memcpy(NL_EL(ctx, notc, e), bit ? ctx->zero : ctx->one, ctx->es);
        }
        const uint8_t *rj = rbits + j * vec;
        if ((rc = nl_mul_pub(ctx, rj, sign, E + j * vec, n)) ||
            (rc = nl_add_pub(ctx, E + j * vec, cbit, E + j * vec, n)) ||
            (rc = nl_mul_pub(ctx, rj, notc, R + j * vec, n)))
            goto done;
    }
    unsigned cnt = m;
    while (cnt > 1) {
        unsigned pairs = cnt / 2;
        int last = (cnt == 2); /* the final combination needs only res */
        for (unsigned i = 0; i < pairs; i++) {
            const uint8_t *e_hi = E + (2 * i + 1) * vec, *e_lo = E + 2 * i * vec;
            const uint8_t *r_lo = R + 2 * i * vec;
            memcpy(A + i * vec, e_hi, vec);
            memcpy(B + i * vec, r_lo, vec);
            if (!last) {
                memcpy(A + (pairs + i) * vec, e_hi, vec);
                memcpy(B + (pairs + i) * vec, e_lo, vec);
            }
        }
        size_t nmul = (size_t)pairs * n * (last ? 1 : 2);
        if ((rc = nl_mul(ctx, A, B, P, nmul)))
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
    nl_sh_free(ctx, E, (size_t)m * n);
    nl_sh_free(ctx, R, (size_t)m * n);
    nl_sh_free(ctx, A, (size_t)m * n);
    nl_sh_free(ctx, B, (size_t)m * n);
    nl_sh_free(ctx, P, (size_t)m * n);
    free(sign);
    free(cbit);
    free(notc);
    return rc;
}
