/*
 * eqz.c - constant-round equality to zero (Damgard-Fitzi-Kiltz-Nielsen-Toft 2006, section 5;
 * Catrina-de Hoogh 2010; spec mpc.md section 8).
 *
 * 1. Masked opening with m = k: c' = (a + r') mod 2^k for k random bits r_i; a = 0 exactly when
 *    the bits of c' equal the r_i.
 * 2. s = sum_i (c'_i xor r_i) counts the differing bits (linear, 0 <= s <= k); x = s + 1 lies in
 *    [1, k + 1] and is never zero.
 * 3. [a = 0] = P(x) for the degree-k polynomial with P(1) = 1 and P(2..k+1) = 0; the powers
 *    x^1..x^k come from an unbounded fan-in prefix product (Bar-Ilan-Beaver / PreMul): with random
 *    invertible r_i, open m_i = r_i x r_{i-1}^-1, so prod_{j<=i} m_j = r_i x^i and
 *    x^i = r_i^-1 prod m_j. The masks r_i r_{i-1}^-1 and r_i^-1 come from preprocessing
 *    (random r_i, s_i; open u_i = r_i s_i; r_i^-1 = s_i / u_i; r_{i+1} r_i^-1 = r_{i+1} s_i / u_i),
 *    taken from the engine's pool of prefix-mask chains when it holds them.
 * Online rounds: 3 (opening c, the multiplication w_i x, opening m_i) for every k.
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

/* Coefficients (k + 1 of them, constant first) of P with P(1) = 1, P(2..k+1) = 0. */
static void indicator_poly(const nl_ctx *ctx, unsigned k, mpz_t *coef)
{
    for (unsigned i = 0; i <= k; i++)
        mpz_set_ui(coef[i], 0);
    mpz_set_ui(coef[0], 1);
    mpz_t denom, t;
    mpz_init_set_ui(denom, 1);
    mpz_init(t);
    /* numerator prod_{v=2}^{k+1} (X - v), one factor at a time */
    for (unsigned v = 2; v <= k + 1; v++) {
        unsigned deg = v - 2; /* current degree */
        mpz_set(coef[deg + 1], coef[deg]);
        for (unsigned i = deg; i >= 1; i--) {
            mpz_mul_ui(t, coef[i], v);
            mpz_sub(coef[i], coef[i - 1], t);
            mpz_mod(coef[i], coef[i], ctx->p);
        }
        mpz_mul_ui(coef[0], coef[0], v);
        mpz_neg(coef[0], coef[0]);
        mpz_mod(coef[0], coef[0], ctx->p);
        mpz_mul_si(denom, denom, 1 - (long)v);
        mpz_mod(denom, denom, ctx->p);
    }
    mpz_invert(denom, denom, ctx->p);
    for (unsigned i = 0; i <= k; i++) {
        mpz_mul(coef[i], coef[i], denom);
        mpz_mod(coef[i], coef[i], ctx->p);
    }
    mpz_clear(denom);
    mpz_clear(t);
}

/* Makes the masks of n prefix products of length L (position-major: W[i * n + e], Z[i * n + e]):
 * R, S random; U = R S (opened); V_i = R_{i+1} S_i; W_1 = R_1, W_i = V_i / u_{i-1}; Z_i = S_i / u_i.
 * Three preprocessing rounds. */
static int make_prefix_masks(nl_ctx *ctx, unsigned L, size_t n, uint8_t *W, uint8_t *Z)
{
    const size_t N = (size_t)L * n, vec = n * ctx->ss;
    if (N == 0)
        return 0;
    int rc;
    uint8_t *U = nl_sh_alloc(ctx, N), *V = nl_sh_alloc(ctx, N), *pub = nl_pub_alloc(ctx, N);
    if (!U || !V || !pub) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for equality tests");
        goto done;
    }
    uint8_t *R = W, *S = Z; /* made in place */
    nl_round rd = {.count = 0};
    nl_round_random(&rd, R, N);
    nl_round_random(&rd, S, N);
    if ((rc = nl_round_run(ctx, &rd, 1)))
        goto done;
    nl_round_mul(&rd, R, S, U, N);
    nl_round_mul(&rd, R + vec, S, V + vec, N - n); /* V_{i+1} = R_{i+1} S_i at position i+1 */
    if ((rc = nl_round_run(ctx, &rd, 1)))
        goto done;
    nl_round_open(&rd, U, pub, N);
    if ((rc = nl_round_run(ctx, &rd, 1)))
        goto done;
    /* one inversion for all of them (Montgomery's trick, on the public vector) */
    int inv = stoffel_mpc_field_batch_inv(ctx->field, pub, pub, N);
    if (inv) {
        rc = inv == STOFFEL_ERR_INVALID_ARG
                 ? nl_fail(ctx, STOFFEL_MPC_ERR_PREPROCESSING,
                           "prefix-product masks opened to zero; retry the batch")
                 : nl_fail(ctx, inv, "inverting prefix-product masks: %s", stoffel_mpc_strerror(inv));
        goto done;
    }
    /* W_1 = R_1 (kept), W_i = V_i / u_{i-1}; Z_i = S_i / u_i */
    if ((rc = nl_mul_pub(ctx, V + vec, pub, W + vec, N - n)))
        goto done;
    rc = nl_mul_pub(ctx, S, pub, Z, N);
done:
    nl_sh_free(ctx, U, N);
    nl_sh_free(ctx, V, N);
    free(pub);
    return rc;
}

/* Pooled chains are element-major: W_1..W_L then Z_1..Z_L of one element (2L shares). Copies
 * chains [0, n) of `chains` into elements [first, first + n) of the position-major W and Z of
 * `total` elements, or back when to_chains is set. */
static void chain_layout(const nl_ctx *ctx, unsigned L, uint8_t *chains, size_t n, uint8_t *W, uint8_t *Z,
                         size_t first, size_t total, int to_chains)
{
    const size_t ss = ctx->ss;
    for (size_t e = 0; e < n; e++)
        for (unsigned i = 0; i < L; i++) {
            uint8_t *cw = chains + ((e * 2 * L) + i) * ss, *cz = cw + (size_t)L * ss;
            uint8_t *pw = W + ((size_t)i * total + first + e) * ss, *pz = Z + ((size_t)i * total + first + e) * ss;
            if (to_chains) {
                memcpy(cw, pw, ss);
                memcpy(cz, pz, ss);
            } else {
                memcpy(pw, cw, ss);
                memcpy(pz, cz, ss);
            }
        }
}

/* The masks of n prefix products of length L: pooled chains first, the rest made now. */
static int prefix_masks(nl_ctx *ctx, unsigned L, size_t n, uint8_t *W, uint8_t *Z)
{
    size_t got = 0;
    if (ctx->pool && L < STOFFEL_MPC_MASK_WIDTHS) {
        material_pool *pool = ctx->pool;
        const size_t per = 2 * (size_t)L;
        pool->asked_chains[L] += n;
        size_t avail = (pool->chains[L].len - pool->chains[L].pos) / per;
        got = avail < n ? avail : n;
        uint8_t *chains = got ? nl_sh_alloc(ctx, got * per) : NULL;
        if (got && !chains)
            return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for equality tests");
        if (got) {
            material_take(pool, &pool->chains[L], chains, got * per);
            chain_layout(ctx, L, chains, got, W, Z, 0, n, 0);
            nl_sh_free(ctx, chains, got * per);
        }
    }
    if (got == 0) /* nothing pooled: made in place */
        return make_prefix_masks(ctx, L, n, W, Z);
    if (got == n)
        return 0;
    const size_t rest = n - got, N = (size_t)L * rest;
    uint8_t *w = nl_sh_alloc(ctx, N), *z = nl_sh_alloc(ctx, N), *chains = nl_sh_alloc(ctx, 2 * N);
    int rc = !w || !z || !chains ? nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for equality tests")
                                 : make_prefix_masks(ctx, L, rest, w, z);
    if (rc == 0) { /* position-major over `rest` elements -> chains -> positions got.. of n */
        chain_layout(ctx, L, chains, rest, w, z, 0, rest, 1);
        chain_layout(ctx, L, chains, rest, W, Z, got, n, 0);
    }
    nl_sh_free(ctx, w, N);
    nl_sh_free(ctx, z, N);
    nl_sh_free(ctx, chains, 2 * N);
    return rc;
}

/* Chains are made ahead in slices of this many elements (bounds the scratch memory). */
#define NL_CHAIN_SLICE ((size_t)4096)

int nl_fill_prefix_masks(nl_ctx *ctx, unsigned L, uint64_t count)
{
    if (!ctx->pool)
        return nl_fail(ctx, STOFFEL_ERR_UNSUPPORTED, "this engine keeps no pool of preprocessed material");
    const size_t per = 2 * (size_t)L;
    int rc = 0;
    while (rc == 0 && count) {
        size_t n = count < NL_CHAIN_SLICE ? (size_t)count : NL_CHAIN_SLICE, N = (size_t)L * n;
        uint8_t *w = nl_sh_alloc(ctx, N), *z = nl_sh_alloc(ctx, N), *chains = nl_sh_alloc(ctx, 2 * N);
        rc = !w || !z || !chains ? nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for prefix masks")
                                 : make_prefix_masks(ctx, L, n, w, z);
        if (rc == 0) {
            chain_layout(ctx, L, chains, n, w, z, 0, n, 1);
            if (material_put(ctx->pool, &ctx->pool->chains[L], chains, n * per))
                rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for the preprocessing pool");
        }
        nl_sh_free(ctx, w, N);
        nl_sh_free(ctx, z, N);
        nl_sh_free(ctx, chains, 2 * N);
        count -= n;
    }
    return rc;
}

/* x (n shares, all non-zero) -> out = sum_{i=0}^{L} coef[i] x^i, in 2 online rounds. */
static int premul_poly(nl_ctx *ctx, const uint8_t *x, unsigned L, const mpz_t *coef, size_t n,
                       uint8_t *out)
{
    const size_t N = (size_t)L * n, vec = n * ctx->ss;
    int rc = STOFFEL_ERR_NOMEM;
    uint8_t *R = nl_sh_alloc(ctx, N), *S = nl_sh_alloc(ctx, N), *U = nl_sh_alloc(ctx, N);
    uint8_t *X = nl_sh_alloc(ctx, N);
    uint8_t *pub = nl_pub_alloc(ctx, N);
    uint8_t *acc = nl_pub_alloc(ctx, n), *cf = nl_pub_alloc(ctx, 1);
    if (!R || !S || !U || !X || !pub || !acc || !cf) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for equality tests");
        goto done;
    }
    /* the masks W (into R) and Z (into S) */
    if ((rc = prefix_masks(ctx, L, n, R, S)))
        goto done;
    /* Online: M_i = open(W_i x). */
    for (unsigned i = 0; i < L; i++)
        memcpy(X + i * vec, x, vec);
    if ((rc = nl_mul(ctx, R, X, U, N)) || (rc = nl_open(ctx, U, pub, N)))
        goto done;
    /* coefficient of Z_i for element e: coef[i+1] * prod_{j<=i} m_j (prefix products over i, a
     * vector of all elements at a time) */
    const size_t pvec = n * ctx->es;
    memcpy(acc, pub, pvec);
    for (unsigned i = 0; i < L; i++) {
        uint8_t *mi = pub + i * pvec;
        int frc = i ? stoffel_mpc_field_mul_vec(ctx->field, acc, mi, acc, n) : 0;
        nl_from_mpz(ctx, coef[i + 1], cf);
        if (!frc)
            frc = stoffel_mpc_field_scale_vec(ctx->field, acc, cf, mi, n);
        if (frc) {
            rc = nl_fail(ctx, frc, "prefix products: %s", stoffel_mpc_strerror(frc));
            goto done;
        }
    }
    if ((rc = nl_mul_pub(ctx, S, pub, S, N)))
        goto done;
    nl_from_mpz(ctx, coef[0], NL_EL(ctx, pub, 0));
    if ((rc = nl_share_const(ctx, pub, out, n)))
        goto done;
    for (unsigned i = 0; i < L; i++)
        if ((rc = nl_add(ctx, out, S + i * vec, out, n)))
            goto done;
    rc = 0;
done:
    free(acc);
    free(cf);
    nl_sh_free(ctx, R, N);
    nl_sh_free(ctx, S, N);
    nl_sh_free(ctx, U, N);
    nl_sh_free(ctx, X, N);
    free(pub);
    return rc;
}

int nl_eqz(nl_ctx *ctx, const uint8_t *a, unsigned k, size_t n, uint8_t *out)
{
    if (k < 1)
        return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG, "EQZ needs k >= 1");
    mpz_t *c = NULL, *coef = NULL;
    uint8_t *rbits = NULL, *x = NULL, *sign = NULL, *cnt = NULL;
    const size_t vec = n * ctx->ss;
    int rc = nl_masked_open(ctx, a, k, k, n, &c, &rbits);
    if (rc)
        return rc;
    x = nl_sh_alloc(ctx, n);
    sign = nl_pub_alloc(ctx, n);
    cnt = nl_pub_alloc(ctx, n);
    coef = calloc(k + 1, sizeof *coef);
    if (!x || !sign || !cnt || !coef) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (unsigned i = 0; i <= k; i++)
        mpz_init(coef[i]);
    /* x = 1 + sum_i c'_i + sum_i (1 - 2 c'_i) r_i */
    for (size_t e = 0; e < n; e++)
        nl_from_u64(ctx, 1 + mpz_popcount(c[e]), NL_EL(ctx, cnt, e));
    if ((rc = nl_share_const(ctx, ctx->zero, x, n)))
        goto done;
    for (unsigned i = 0; i < k; i++) {
        for (size_t e = 0; e < n; e++)
            memcpy(NL_EL(ctx, sign, e), mpz_tstbit(c[e], i) ? ctx->minus_one : ctx->one, ctx->es);
        uint8_t *t = rbits + i * vec; /* r_i is not needed afterwards: scale in place */
        if ((rc = nl_mul_pub(ctx, t, sign, t, n)) || (rc = nl_add(ctx, x, t, x, n)))
            goto done;
    }
    if ((rc = nl_add_pub(ctx, x, cnt, x, n)))
        goto done;
    indicator_poly(ctx, k, coef);
    rc = premul_poly(ctx, x, k, (const mpz_t *)coef, n, out);
    if (rc == 0 && ctx->cost)
        ctx->cost->comparisons += n;
done:
    if (coef)
        for (unsigned i = 0; i <= k; i++)
            mpz_clear(coef[i]);
    free(coef);
    nl_mpz_vec_free(c, n);
    nl_sh_free(ctx, rbits, (size_t)k * n);
    nl_sh_free(ctx, x, n);
    free(sign);
    free(cnt);
    return rc;
}
