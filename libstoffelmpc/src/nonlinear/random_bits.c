/*
 * random_bits.c - shared random bits and random integers composed from them.
 *
 * Semi-honest engines with dealt randomness (ctx->dealt): parties 0..t each deal random bits
 * (DEALT_RANDOM); the XOR of the t+1 dealings, t multiplications by degree reduction, is a random
 * bit no t parties know. Statistical masks are sums of t+1 dealt integers (nl_dealt_masks). No
 * triple, no square root.
 *
 * Otherwise (robust engines, host engines) the square trick:
 * Square trick (spec mpc.md section 4; Damgard et al. TCC 2006, section 5): take a random [a],
 * compute [a^2] by Beaver, open a^2; if it is 0 try again; otherwise let b be the canonical square
 * root (the one <= (p-1)/2, so every party picks the same one), so a/b is +1 or -1 with probability
 * 1/2 each, independent of the opened a^2; [bit] = (a/b + 1) / 2. Works in any odd prime field.
 * Two rounds (the multiplication's opening and the opening of a^2) for any number of bits.
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

/* Fresh attempts allowed when opened squares are zero (probability n/p each). */
#define NL_BIT_RETRIES 8

static int random_bits_once(nl_ctx *ctx, uint8_t *out, size_t n, size_t *zero_idx, size_t *nzero)
{
    int rc = STOFFEL_ERR_NOMEM;
    uint8_t *a = nl_sh_alloc(ctx, n), *sq = nl_sh_alloc(ctx, n);
    uint8_t *opened = nl_pub_alloc(ctx, n), *coef = nl_pub_alloc(ctx, n);
    mpz_t v, root;
    mpz_init(v);
    mpz_init(root);
    if (!a || !sq || !opened || !coef) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for %zu random bits", n);
        goto done;
    }
    nl_round r = {.count = 0};
    nl_round_random(&r, a, n);
    if ((rc = nl_round_run(ctx, &r, 1)))
        goto done;
    nl_round_mul(&r, a, a, sq, n);
    if ((rc = nl_round_run(ctx, &r, 1)))
        goto done;
    nl_round_open(&r, sq, opened, n);
    if ((rc = nl_round_run(ctx, &r, 1)))
        goto done;
    *nzero = 0;
    for (size_t i = 0; i < n; i++) {
        nl_to_mpz(ctx, NL_EL(ctx, opened, i), v);
        if (mpz_sgn(v) == 0) {
            zero_idx[(*nzero)++] = i;
            memcpy(NL_EL(ctx, coef, i), ctx->zero, ctx->es);
            continue;
        }
        if (nl_sqrt_canonical(ctx, v, root) != 0) {
            rc = nl_fail(ctx, STOFFEL_MPC_ERR_PEER,
                         "random bit generation: an opened square is not a quadratic residue "
                         "(a party sent a wrong share)");
            goto done;
        }
        /* coefficient 1 / (2 b), so that [bit] = [a] / (2b) + 1/2 */
        mpz_mul_2exp(root, root, 1);
        mpz_invert(root, root, ctx->p);
        nl_from_mpz(ctx, root, NL_EL(ctx, coef, i));
    }
    if ((rc = nl_mul_pub(ctx, a, coef, out, n)))
        goto done;
    rc = nl_add_const(ctx, out, ctx->inv2, out, n);
done:
    mpz_clear(v);
    mpz_clear(root);
    nl_sh_free(ctx, a, n);
    nl_sh_free(ctx, sq, n);
    free(opened);
    free(coef);
    return rc;
}

/* One slice of nl_dealt_masks: a round of dealings, then t rounds of XORs. */
static int dealt_slice(nl_ctx *ctx, uint8_t *bits, size_t nbits, unsigned int_bits, uint8_t *ints,
                       size_t n)
{
    const size_t dealers = (size_t)ctx->t + 1, nints = ints ? n : 0, ss = ctx->ss;
    uint8_t *db = nl_sh_alloc(ctx, dealers * nbits), *di = nl_sh_alloc(ctx, dealers * nints);
    uint8_t *prod = nl_sh_alloc(ctx, nbits);
    int rc;
    if (!db || !di || !prod) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for %zu dealt masks", nbits + nints);
        goto done;
    }
    /* one round: every dealer's bits and integers */
    nl_round r = {.count = 0};
    nl_round_dealt(&r, 1, db, nbits);
    nl_round_dealt(&r, int_bits, di, nints);
    if ((rc = nl_round_run(ctx, &r, 1)))
        goto done;
    if (nints) {
        memcpy(ints, di, n * ss);
        for (size_t j = 1; j < dealers && rc == 0; j++)
            rc = nl_add(ctx, ints, di + j * n * ss, ints, n);
    }
    /* b = b_0 xor b_1 xor ... = fold of x + y - 2xy: t rounds of multiplications */
    if (nbits)
        memcpy(bits, db, nbits * ss);
    for (size_t j = 1; j < dealers && rc == 0 && nbits; j++) {
        const uint8_t *dj = db + j * nbits * ss;
        nl_round_mul(&r, bits, dj, prod, nbits);
        if ((rc = nl_round_run(ctx, &r, 1)) || (rc = nl_add(ctx, bits, dj, bits, nbits)))
            break;
        rc = nl_add_scaled(ctx, bits, prod, ctx->minus_two, bits, nbits);
    }
done:
    nl_sh_free(ctx, db, dealers * nbits);
    nl_sh_free(ctx, di, dealers * nints);
    nl_sh_free(ctx, prod, nbits);
    return rc;
}

/* Bits dealt per slice. A batch of 10^4 64-bit comparisons needs 6.4e5 bits; in slices the
 * vectors a party allocates for them (and faults in: about 15 shares' worth per bit across the
 * dealing, the XOR and the engine's buffers) stay near 30 MB instead of 150 MB, at 1 + t rounds
 * per slice. Batches of up to 2,000 comparisons take one slice. */
#define NL_DEALT_SLICE ((size_t)1 << 17)

int nl_dealt_masks(nl_ctx *ctx, uint8_t *bits, size_t nbits, unsigned int_bits, uint8_t *ints,
                   size_t n)
{
    size_t done = 0;
    int rc;
    do {
        size_t len = nbits - done < NL_DEALT_SLICE ? nbits - done : NL_DEALT_SLICE;
        rc = dealt_slice(ctx, bits + done * ctx->ss, len, int_bits, done == 0 ? ints : NULL, n);
        done += len;
    } while (rc == 0 && done < nbits);
    return rc;
}

/* Makes n random bits now (no pool). */
static int make_bits(nl_ctx *ctx, uint8_t *out, size_t n)
{
    if (n == 0)
        return 0;
    if (ctx->dealt)
        return nl_dealt_masks(ctx, out, n, 0, NULL, 0);
    size_t *zero_idx = malloc(n * sizeof *zero_idx);
    if (!zero_idx)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for %zu random bits", n);
    size_t nzero = 0;
    int rc = random_bits_once(ctx, out, n, zero_idx, &nzero);
    /* Rare: redo the positions whose square opened to zero. */
    for (int attempt = 0; rc == 0 && nzero > 0; attempt++) {
        if (attempt == NL_BIT_RETRIES) {
            rc = nl_fail(ctx, STOFFEL_MPC_ERR_PREPROCESSING,
                         "random bit generation kept opening zero squares");
            break;
        }
        size_t m = nzero;
        uint8_t *redo = nl_sh_alloc(ctx, m);
        size_t *idx2 = malloc(m * sizeof *idx2);
        if (!redo || !idx2) {
            nl_sh_free(ctx, redo, m);
            free(idx2);
            rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
            break;
        }
        size_t nzero2 = 0;
        rc = random_bits_once(ctx, redo, m, idx2, &nzero2);
        if (rc == 0) {
            size_t keep = 0;
            for (size_t j = 0, z = 0; j < m; j++) {
                if (z < nzero2 && idx2[z] == j) {
                    zero_idx[keep++] = zero_idx[j];
                    z++;
                    continue;
                }
                memcpy(NL_SH(ctx, out, zero_idx[j]), NL_SH(ctx, redo, j), ctx->ss);
            }
            nzero = keep;
        }
        nl_sh_free(ctx, redo, m);
        free(idx2);
    }
    free(zero_idx);
    return rc;
}

int nl_random_bits(nl_ctx *ctx, uint8_t *out, size_t n)
{
    size_t got = 0;
    if (ctx->pool) {
        ctx->pool->asked_bits += n;
        got = material_take(ctx->pool, &ctx->pool->bits, out, n);
    }
    int rc = make_bits(ctx, NL_SH(ctx, out, got), n - got);
    if (rc == 0 && ctx->cost)
        ctx->cost->random_bits += n;
    return rc;
}

int nl_mask_material(nl_ctx *ctx, uint8_t *bits, size_t nbits, unsigned width, uint8_t *masks,
                     size_t n)
{
    size_t got_bits = 0, got_masks = 0;
    if (ctx->pool) {
        material_pool *pool = ctx->pool;
        pool->asked_bits += nbits;
        pool->asked_masks[width] += n;
        got_bits = material_take(pool, &pool->bits, bits, nbits);
        got_masks = material_take(pool, &pool->masks[width], masks, n);
    }
    int rc = 0;
    if (got_bits < nbits || got_masks < n)
        rc = nl_dealt_masks(ctx, NL_SH(ctx, bits, got_bits), nbits - got_bits, width,
                            NL_SH(ctx, masks, got_masks), n - got_masks);
    if (rc == 0 && ctx->cost)
        ctx->cost->random_bits += nbits;
    return rc;
}

/* Material is made ahead in chunks of this many shares, which bounds the scratch memory. */
#define NL_FILL_CHUNK ((size_t)1 << 17)

int nl_fill_material(nl_ctx *ctx, uint64_t nbits, unsigned width, uint64_t nmasks)
{
    if (!ctx->pool)
        return nl_fail(ctx, STOFFEL_ERR_UNSUPPORTED, "this engine keeps no pool of preprocessed material");
    /* the engine core refuses such requests with a full message (engine_material.c); this only
     * keeps the pool's index in range */
    if (nmasks && (!ctx->dealt || width == 0 || width >= STOFFEL_MPC_MASK_WIDTHS))
        return nl_fail(ctx, STOFFEL_ERR_UNSUPPORTED, "masks of width %u cannot be dealt by this engine", width);
    material_pool *pool = ctx->pool;
    const size_t chunk = NL_FILL_CHUNK, mask_buf = nmasks ? chunk : 0;
    uint8_t *bits = nl_sh_alloc(ctx, chunk), *masks = mask_buf ? nl_sh_alloc(ctx, mask_buf) : NULL;
    int rc = 0;
    if (!bits || (nmasks && !masks))
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for preprocessing");
    while (rc == 0 && (nbits || nmasks)) {
        size_t nb = nbits < chunk ? (size_t)nbits : chunk, nm = nmasks < chunk ? (size_t)nmasks : chunk;
        rc = nm ? nl_dealt_masks(ctx, bits, nb, width, masks, nm) : make_bits(ctx, bits, nb);
        if (rc == 0 && (material_put(pool, &pool->bits, bits, nb) ||
                        material_put(pool, &pool->masks[width], masks, nm)))
            rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for the preprocessing pool");
        nbits -= nb;
        nmasks -= nm;
    }
    nl_sh_free(ctx, bits, chunk);
    nl_sh_free(ctx, masks, mask_buf);
    return rc;
}

int nl_compose_bits(nl_ctx *ctx, const uint8_t *bits, unsigned m, size_t n, uint8_t *out)
{
    uint8_t *pw = nl_pub_alloc(ctx, 1);
    if (!pw)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
    int rc = 0;
    if (m == 0) {
        rc = nl_share_const(ctx, ctx->zero, out, n);
    } else {
        memmove(out, bits, n * ctx->ss);
        for (unsigned i = 1; i < m && rc == 0; i++) {
            nl_pow2(ctx, i, pw);
            rc = nl_add_scaled(ctx, out, bits + (size_t)i * n * ctx->ss, pw, out, n);
        }
    }
    free(pw);
    return rc;
}

int nl_random_ints(nl_ctx *ctx, unsigned bits, uint8_t *out, size_t n)
{
    if (bits == 0)
        return nl_share_const(ctx, ctx->zero, out, n);
    uint8_t *b = nl_sh_alloc(ctx, (size_t)bits * n);
    if (!b)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for %zu random bits",
                       (size_t)bits * n);
    int rc = nl_random_bits(ctx, b, (size_t)bits * n);
    if (!rc)
        rc = nl_compose_bits(ctx, b, bits, n, out);
    nl_sh_free(ctx, b, (size_t)bits * n);
    return rc;
}
