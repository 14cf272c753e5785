/*
 * bitdec.c - bit decomposition of shared integers and composition back (Damgard-Fitzi-Kiltz-
 * Nielsen-Toft 2006; Catrina-de Hoogh 2010, section 3).
 *
 * For an m-bit value a (two's complement when signed), a masked opening gives the public
 * c' = (a + r) mod 2^m for random shared bits r_i, so a mod 2^m = c' - r = C + y mod 2^m with the
 * public C = c' + 1 and the secret bits y_i = 1 - r_i (c' + ~r + 1). The sum's carries come from a
 * parallel prefix (Sklansky) over generate/propagate pairs g_i = C_i y_i, p_i = C_i xor y_i
 * (linear, C public) with (g, p) o (g', p') = (g + p g', p p'): ceil(log2 m) rounds of 2
 * multiplications per combination; then s_i = p_i xor carry_i (one more round).
 * Online rounds: 1 + ceil(log2 m) + 1.
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

int nl_bit_decompose(nl_ctx *ctx, const uint8_t *a, unsigned m, size_t n, uint8_t *out)
{
    /* as a signed (m + 1)-bit value, so unsigned m-bit inputs are in range too */
    mpz_t *c = NULL;
    uint8_t *rbits = NULL;
    const unsigned k = m + 1;
    const size_t vec = n * ctx->ss, mn = (size_t)m * n;
    int rc = nl_masked_open(ctx, a, k, m, n, &c, &rbits);
    if (rc)
        return rc;
    uint8_t *G = nl_sh_alloc(ctx, mn), *P = nl_sh_alloc(ctx, mn), *P0 = nl_sh_alloc(ctx, mn);
    uint8_t *A = nl_sh_alloc(ctx, 2 * mn), *B = nl_sh_alloc(ctx, 2 * mn), *R = nl_sh_alloc(ctx, 2 * mn);
    uint8_t *cb = nl_pub_alloc(ctx, n), *sg = nl_pub_alloc(ctx, n);
    if (!G || !P || !P0 || !A || !B || !R || !cb || !sg) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for bit decomposition");
        goto done;
    }
    for (size_t e = 0; e < n; e++) {
        mpz_add_ui(c[e], c[e], 1);
        mpz_fdiv_r_2exp(c[e], c[e], m);
    }
    /* y_i = 1 - r_i (in place); g_i = C_i y_i; p_i = C_i + (1 - 2 C_i) y_i */
    for (unsigned i = 0; i < m; i++) {
        uint8_t *y = rbits + i * vec;
        if ((rc = nl_const_sub(ctx, ctx->one, y, y, n)))
            goto done;
        for (size_t e = 0; e < n; e++) {
            int bit = mpz_tstbit(c[e], i);
            memcpy(NL_EL(ctx, cb, e), bit ? ctx->one : ctx->zero, ctx->es);
            memcpy(NL_EL(ctx, sg, e), bit ? ctx->minus_one : ctx->one, ctx->es);
        }
        if ((rc = nl_mul_pub(ctx, y, cb, G + i * vec, n)) ||
            (rc = nl_mul_pub(ctx, y, sg, P + i * vec, n)) ||
            (rc = nl_add_pub(ctx, P + i * vec, cb, P + i * vec, n)))
            goto done;
    }
    memcpy(P0, P, mn * ctx->ss);
    /* Sklansky prefix: at level l, position i with bit l set absorbs j = (i >> l << l) - 1. */
    for (unsigned l = 0; (1u << l) < m; l++) {
        size_t cnt = 0;
        for (unsigned i = 0; i < m; i++) {
            if (!((i >> l) & 1))
                continue;
            unsigned j = ((i >> l) << l) - 1;
            memcpy(A + cnt * vec, P + i * vec, vec);
            memcpy(B + cnt * vec, G + j * vec, vec);
            memcpy(A + (mn + cnt * n) * ctx->ss, P + i * vec, vec);
            memcpy(B + (mn + cnt * n) * ctx->ss, P + j * vec, vec);
            cnt++;
        }
        nl_round rd = {.count = 0};
        nl_round_mul(&rd, A, B, R, cnt * n);
        nl_round_mul(&rd, A + mn * ctx->ss, B + mn * ctx->ss, R + mn * ctx->ss, cnt * n);
        if ((rc = nl_round_run(ctx, &rd, 0)))
            goto done;
        cnt = 0;
        for (unsigned i = 0; i < m; i++) {
            if (!((i >> l) & 1))
                continue;
            if ((rc = nl_add(ctx, G + i * vec, R + cnt * vec, G + i * vec, n)))
                goto done;
            memcpy(P + i * vec, R + (mn + cnt * n) * ctx->ss, vec);
            cnt++;
        }
    }
    /* carry into position i is G_{i-1} (prefix generate); s_i = p_i + carry - 2 p_i carry */
    if (m > 1) {
        size_t len = (size_t)(m - 1) * n;
        if ((rc = nl_mul(ctx, P0 + vec, G, R, len)))
            goto done;
        uint8_t *m2 = nl_pub_alloc(ctx, 1);
        if (!m2) {
            rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
            goto done;
        }
        stoffel_mpc_field_from_i64(ctx->field, -2, m2);
        rc = nl_add(ctx, P0 + vec, G, P0 + vec, len);
        if (!rc)
            rc = nl_add_scaled(ctx, P0 + vec, R, m2, P0 + vec, len);
        free(m2);
        if (rc)
            goto done;
    }
    /* bit-major P0 -> element-major out */
    for (unsigned i = 0; i < m; i++)
        for (size_t e = 0; e < n; e++)
            memcpy(NL_SH(ctx, out, e * m + i), P0 + i * vec + e * ctx->ss, ctx->ss);
done:
    nl_mpz_vec_free(c, n);
    nl_sh_free(ctx, rbits, mn);
    nl_sh_free(ctx, G, mn);
    nl_sh_free(ctx, P, mn);
    nl_sh_free(ctx, P0, mn);
    nl_sh_free(ctx, A, 2 * mn);
    nl_sh_free(ctx, B, 2 * mn);
    nl_sh_free(ctx, R, 2 * mn);
    free(cb);
    free(sg);
    return rc;
}

int nl_bit_compose(nl_ctx *ctx, const uint8_t *bits, unsigned m, size_t n, uint8_t *out)
{
    /* element-major input: transpose to bit-major, then the shared composition */
    uint8_t *t = nl_sh_alloc(ctx, (size_t)m * n);
    if (!t)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; i < m; i++)
        for (size_t e = 0; e < n; e++)
            memcpy(t + ((size_t)i * n + e) * ctx->ss, NL_SH(ctx, bits, e * m + i), ctx->ss);
    int rc = nl_compose_bits(ctx, t, m, n, out);
    nl_sh_free(ctx, t, (size_t)m * n);
    return rc;
}
