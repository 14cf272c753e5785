/*
 * mod2m.c - masked openings and what is built on them (Catrina-Saxena 2010, Catrina-de Hoogh
 * 2010; spec mpc.md sections 6 and 8):
 *   Mod2m(a, k, m)   exact a mod 2^m:   c' - r' + 2^m [c' < r']            (ceil(log2 m) rounds: BitLT level one rides on the opening)
 *   Trunc(a, k, m)   exact floor(a / 2^m) = (a - Mod2m) / 2^m
 *   TruncPr(a, k, m) floor or floor + 1  = (a - (c' - r')) / 2^m           (1 round)
 *   LTZ(a, k)        [a < 0] = -Trunc(a, k, k - 1)
 * where a is a signed k-bit value, r' = sum 2^i r_i from m random bits, r'' random below
 * 2^(k + kappa - m), c = open(2^(k-1) + a + 2^m r'' + r') and c' = (c - 2^(k-1)) mod 2^m.
 * The opened c hides a statistically (distance < 2^-kappa) and fits p when k + kappa + 1 < log2 p.
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

int nl_masked_open(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, mpz_t **cpub,
                   uint8_t **rbits)
{
    return nl_masked_open_pairs(ctx, a, k, m, n, cpub, rbits, NULL);
}

int nl_masked_open_pairs(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n,
                         mpz_t **cpub, uint8_t **rbits, uint8_t **pairs)
{
    *cpub = NULL;
    *rbits = NULL;
    const size_t npairs = pairs ? (size_t)(m / 2) * n : 0;
    uint8_t *q = NULL;
    if (pairs)
        *pairs = NULL;
    int rc = nl_check_capacity(ctx, "masked opening", k);
    if (rc)
        return rc;
    const unsigned total = k + ctx->kappa; /* r' (m bits) and r'' (k + kappa - m bits) */
    /* a dealt r'' (sum of t+1 dealings) needs ceil(log2(t+1)) bits more room than r'' from bits */
    unsigned extra = 0;
    while (((uint64_t)1 << extra) < (uint64_t)ctx->t + 1)
        extra++;
    const int dealt = ctx->dealt && (unsigned long)total + 1 + extra < ctx->pbits;
    const size_t nbits = (size_t)(dealt ? m : total) * n;
    uint8_t *bits = nl_sh_alloc(ctx, nbits), *high = dealt ? nl_sh_alloc(ctx, n) : NULL;
    uint8_t *x = nl_sh_alloc(ctx, n);
    uint8_t *opened = nl_pub_alloc(ctx, n), *offset = nl_pub_alloc(ctx, 1);
    mpz_t *c = calloc(n ? n : 1, sizeof *c);
    if (npairs)
        q = nl_sh_alloc(ctx, npairs);
    if (!bits || !x || !opened || !offset || !c || (npairs && !q) || (dealt && !high)) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for a masked opening of %zu values", n);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        mpz_init(c[i]);
    if (dealt) {
        /* r = 2^m r'' + r' with r'' the sum of t+1 dealt integers below 2^(total - m) */
        if ((rc = nl_mask_material(ctx, bits, nbits, total - m, high, n)) ||
            (rc = nl_compose_bits(ctx, bits, m, n, x)))
            goto fail;
        nl_pow2(ctx, m, offset);
        if ((rc = nl_add_scaled(ctx, x, high, offset, x, n)))
            goto fail;
    } else if ((rc = nl_random_bits(ctx, bits, nbits)) || (rc = nl_compose_bits(ctx, bits, total, n, x))) {
        goto fail;
    }
    if ((rc = nl_add(ctx, x, a, x, n)))
        goto fail;
    nl_pow2(ctx, k - 1, offset);
    if ((rc = nl_add_const(ctx, x, offset, x, n)))
        goto fail;
    /* one round: the opening, and the products of adjacent mask bits (position 2i+1 of r times
     * position 2i, each a vector of n shares in the bit-major layout) */
    nl_round rd = {.count = 0};
    nl_round_open(&rd, x, opened, n);
    if (npairs) {
        const size_t vec = n * ctx->ss;
        for (unsigned i = 0; i < m / 2; i++)
            nl_round_mul(&rd, bits + (2 * (size_t)i + 1) * vec, bits + 2 * (size_t)i * vec, q + i * vec, n);
    }
    if ((rc = nl_round_run(ctx, &rd, 0)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        nl_to_mpz(ctx, NL_EL(ctx, opened, i), c[i]);
        /* (c - 2^(k-1)) mod 2^m: modulo 2^k, subtracting 2^(k-1) flips bit k-1 (m <= k) */
        mpz_combit(c[i], k - 1);
        mpz_fdiv_r_2exp(c[i], c[i], m);
    }
    nl_sh_free(ctx, x, n);
    nl_sh_free(ctx, high, n);
    free(opened);
    free(offset);
    if (!dealt) { /* hand out the m bits of r' only */
        uint8_t *low = nl_sh_alloc(ctx, (size_t)m * n);
        if (!low) {
            rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
            nl_sh_free(ctx, q, npairs);
            nl_mpz_vec_free(c, n);
            nl_sh_free(ctx, bits, nbits);
            return rc;
        }
        memcpy(low, bits, (size_t)m * n * ctx->ss);
        nl_sh_free(ctx, bits, nbits);
        bits = low;
    }
    *cpub = c;
    *rbits = bits;
    if (pairs)
        *pairs = q;
    return 0;
fail:
    nl_sh_free(ctx, q, npairs);
    nl_mpz_vec_free(c, c ? n : 0);
    nl_sh_free(ctx, bits, nbits);
    nl_sh_free(ctx, high, n);
    nl_sh_free(ctx, x, n);
    free(opened);
    free(offset);
    return rc;
}

/* Public c' (mpz) as a vector of field elements. */
static uint8_t *encode_pub(nl_ctx *ctx, mpz_t *c, size_t n)
{
    uint8_t *v = nl_pub_alloc(ctx, n);
    if (v)
        for (size_t i = 0; i < n; i++)
            nl_from_mpz(ctx, c[i], NL_EL(ctx, v, i));
    return v;
}

/* out = c' - r' (+ 2^m u when with_carry), the common tail of Mod2m and TruncPr. */
static int low_bits(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, int exact,
                    uint8_t *out)
{
    mpz_t *c = NULL;
    uint8_t *rbits = NULL, *rlow = NULL, *u = NULL, *cv = NULL, *pw = NULL, *q = NULL;
    int rc = exact ? nl_masked_open_pairs(ctx, a, k, m, n, &c, &rbits, &q)
                   : nl_masked_open(ctx, a, k, m, n, &c, &rbits);
    if (rc)
        return rc;
    rlow = nl_sh_alloc(ctx, n);
    u = nl_sh_alloc(ctx, n);
    cv = encode_pub(ctx, c, n);
    pw = nl_pub_alloc(ctx, 1);
    if (!rlow || !u || !cv || !pw) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = nl_compose_bits(ctx, rbits, m, n, rlow)))
        goto done;
    /* out = c' - r' */
    if ((rc = nl_mul_const(ctx, rlow, ctx->minus_one, out, n)) ||
        (rc = nl_add_pub(ctx, out, cv, out, n)))
        goto done;
    if (exact) {
        if ((rc = nl_bitlt_pairs(ctx, c, rbits, q, m, n, u)))
            goto done;
        nl_pow2(ctx, m, pw);
        rc = nl_add_scaled(ctx, out, u, pw, out, n);
    }
done:
    nl_mpz_vec_free(c, n);
    nl_sh_free(ctx, rbits, (size_t)m * n);
    nl_sh_free(ctx, q, exact ? (size_t)(m / 2) * n : 0);
    nl_sh_free(ctx, rlow, n);
    nl_sh_free(ctx, u, n);
    free(cv);
    free(pw);
    return rc;
}

int nl_mod2m(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, uint8_t *out)
{
    if (m == 0 || m > k)
        return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG, "Mod2m needs 0 < m <= k (m = %u, k = %u)", m, k);
    return low_bits(ctx, a, k, m, n, 1, out);
}

/* (a - low) / 2^m */
static int shift_down(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, int exact,
                      uint8_t *out)
{
    if (m == 0) {
        memmove(out, a, n * ctx->ss);
        return 0;
    }
    if (m >= k)
        return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG,
                       "truncation by %u bits of %u-bit values: the shift must be below the width",
                       m, k);
    uint8_t *low = nl_sh_alloc(ctx, n), *inv = nl_pub_alloc(ctx, 1);
    int rc;
    if (!low || !inv) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = low_bits(ctx, a, k, m, n, exact, low)) || (rc = nl_sub(ctx, a, low, out, n)))
        goto done;
    nl_inv_pow2(ctx, m, inv);
    rc = nl_mul_const(ctx, out, inv, out, n);
done:
    nl_sh_free(ctx, low, n);
    free(inv);
    return rc;
}

int nl_trunc(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, uint8_t *out)
{
    return shift_down(ctx, a, k, m, n, 1, out);
}

int nl_trunc_pr(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, uint8_t *out)
{
    return shift_down(ctx, a, k, m, n, 0, out);
}

int nl_ltz(nl_ctx *ctx, const uint8_t *a, unsigned k, size_t n, uint8_t *out)
{
    if (k < 2)
        return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG, "LTZ needs k >= 2 (k = %u)", k);
    int rc = nl_trunc(ctx, a, k, k - 1, n, out);
    if (rc == 0)
        rc = nl_mul_const(ctx, out, ctx->minus_one, out, n);
    if (rc == 0 && ctx->cost)
        ctx->cost->comparisons += n;
    return rc;
}
