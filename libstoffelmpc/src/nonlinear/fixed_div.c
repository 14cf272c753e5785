/*
 * fixed_div.c - fixed-point division a / b by a reciprocal from Newton iteration (Catrina-Saxena
 * 2010 section 3.3; Catrina-Dragulescu), on (k, f) values with secret a and b:
 *   1. s = [b < 0], z = [b = 0]; B = |b| + z >= 1 (a zero divisor gives 0 at the end).
 *   2. Normalise: bits of B, suffix OR from the top (log-depth), the indicator of the most
 *      significant one gives v = 2^(k-1-msb), and X = B v in [2^(k-1), 2^k): x = X / 2^k in [1/2, 1).
 *   3. Newton for 1/x with P = k fractional bits: w0 = 2.9142 - 2x (relative error <= 0.0858),
 *      w <- w (2 - x w), each step two multiplications and two TruncPr; the error squares per
 *      step, so ceil(log2((P + 2) / 3.54)) steps reach the truncation noise.
 *   4. a / b = a 2^f v w / 2^(P + k): one multiplication by a v, one TruncPr, then the sign and
 *      the zero mask.
 * Error: within 2 units in the last place (2^-f) plus a relative 2^-(k-4) of the quotient.
 * Rounds: 80 in all for k = 64 (5 Newton steps; random-bit generation included), whatever the
 * batch size, against about 9 (k + f) for exact long division.
 * The products reach 3k bits: the field must hold 3k + kappa + 1 bits (bls12-381: k <= 71).
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

/* y[i] = OR_{j >= i} x[j] over bit-major positions 0..m-1 (Sklansky on the reversed order). */
static int suffix_or(nl_ctx *ctx, uint8_t *y, unsigned m, size_t n)
{
    const size_t vec = n * ctx->ss;
    uint8_t *A = nl_sh_alloc(ctx, (size_t)m * n), *B = nl_sh_alloc(ctx, (size_t)m * n);
    uint8_t *R = nl_sh_alloc(ctx, (size_t)m * n);
    int rc = 0;
    if (!A || !B || !R) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (unsigned l = 0; (1u << l) < m && rc == 0; l++) {
        size_t cnt = 0;
        for (unsigned r = 0; r < m; r++) {
            if (!((r >> l) & 1))
                continue;
            unsigned j = ((r >> l) << l) - 1; /* reversed positions: i = m - 1 - r */
            memcpy(A + cnt * vec, y + (m - 1 - r) * vec, vec);
            memcpy(B + cnt * vec, y + (m - 1 - j) * vec, vec);
            cnt++;
        }
        if ((rc = nl_mul(ctx, A, B, R, cnt * n)))
            break;
        cnt = 0;
        for (unsigned r = 0; r < m && rc == 0; r++) {
            if (!((r >> l) & 1))
                continue;
            uint8_t *dst = y + (m - 1 - r) * vec;
            /* x or y = x + y - x y */
            if (!(rc = nl_add(ctx, dst, B + cnt * vec, dst, n)))
                rc = nl_sub(ctx, dst, R + cnt * vec, dst, n);
            cnt++;
        }
    }
done:
    nl_sh_free(ctx, A, (size_t)m * n);
    nl_sh_free(ctx, B, (size_t)m * n);
    nl_sh_free(ctx, R, (size_t)m * n);
    return rc;
}

int nl_reciprocal(nl_ctx *ctx, const uint8_t *B, unsigned W, unsigned P, size_t n, uint8_t *v,
                  uint8_t *w)
{
    const size_t vec = n * ctx->ss, wn = (size_t)W * n;
    int rc = 0;
    uint8_t *bits = nl_sh_alloc(ctx, wn), *y = nl_sh_alloc(ctx, wn), *X = nl_sh_alloc(ctx, n);
    uint8_t *T = nl_sh_alloc(ctx, n), *U = nl_sh_alloc(ctx, n), *pub = nl_pub_alloc(ctx, 1);
    mpz_t c0;
    mpz_init(c0);
    if (!bits || !y || !X || !T || !U || !pub) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for a reciprocal");
        goto done;
    }
    /* bits of B (element-major) -> bit-major y, suffix OR, msb indicator, v */
    if ((rc = nl_bit_decompose(ctx, B, W, n, bits)))
        goto done;
    for (unsigned i = 0; i < W; i++)
        for (size_t e = 0; e < n; e++)
            memcpy(y + i * vec + e * ctx->ss, NL_SH(ctx, bits, e * W + i), ctx->ss);
    if ((rc = suffix_or(ctx, y, W, n)) || (rc = nl_share_const(ctx, ctx->zero, v, n)))
        goto done;
    for (unsigned i = 0; i < W; i++) {
        /* e_i = y_i - y_{i+1}; v += e_i 2^(W-1-i) */
        uint8_t *ei = bits; /* scratch: the bits are no longer needed */
        if (i + 1 < W)
            rc = nl_sub(ctx, y + i * vec, y + (i + 1) * vec, ei, n);
        else
            memcpy(ei, y + i * vec, vec);
        nl_pow2(ctx, W - 1 - i, pub);
        if (rc || (rc = nl_add_scaled(ctx, v, ei, pub, v, n)))
            goto done;
    }
    if ((rc = nl_mul(ctx, B, v, X, n)))
        goto done;
    /* w0 = 2.9142 - 2x with P fractional bits: C0 - 2 X 2^(P - W) */
    mpz_set_si(c0, -2);
    mpz_mul_2exp(c0, c0, P - W);
    nl_from_mpz(ctx, c0, pub);
    if ((rc = nl_mul_const(ctx, X, pub, w, n)))
        goto done;
    mpz_set_str(c0, "29142135623730950", 10);
    mpz_mul_2exp(c0, c0, P);
    mpz_fdiv_q_ui(c0, c0, 10000000000000000ul);
    nl_from_mpz(ctx, c0, pub);
    if ((rc = nl_add_const(ctx, w, pub, w, n)))
        goto done;
    unsigned steps = 0;
    for (double good = 3.54; good < P + 2; good *= 2)
        steps++;
    nl_pow2(ctx, P + 1, pub);
    for (unsigned s = 0; s < steps; s++) {
        /* T = x w (P bits), U = 2 - T, w = w U (P bits) */
        if ((rc = nl_mul(ctx, X, w, T, n)) || (rc = nl_trunc_pr(ctx, T, W + P + 2, W, n, T)) ||
            (rc = nl_const_sub(ctx, pub, T, U, n)) || (rc = nl_mul(ctx, w, U, T, n)) ||
            (rc = nl_trunc_pr(ctx, T, 2 * P + 3, P, n, w)))
            goto done;
    }
done:
    mpz_clear(c0);
    nl_sh_free(ctx, bits, wn);
    nl_sh_free(ctx, y, wn);
    nl_sh_free(ctx, X, n);
    nl_sh_free(ctx, T, n);
    nl_sh_free(ctx, U, n);
    free(pub);
    return rc;
}

int nl_fixed_div(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, unsigned k, unsigned f, size_t n,
                 uint8_t *out)
{
    const unsigned P = k;
    int rc = nl_check_capacity(ctx, "fixed-point division", 3 * k);
    if (rc)
        return rc;
    const size_t vec = n * ctx->ss;
    uint8_t *sz = nl_sh_alloc(ctx, 2 * n), *Bv = nl_sh_alloc(ctx, n), *negb = nl_sh_alloc(ctx, n);
    uint8_t *v = nl_sh_alloc(ctx, n), *W = nl_sh_alloc(ctx, n), *AV = nl_sh_alloc(ctx, n);
    uint8_t *T = nl_sh_alloc(ctx, n), *U = nl_sh_alloc(ctx, n);
    if (!sz || !Bv || !negb || !v || !W || !AV || !T || !U) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for fixed-point division");
        goto done;
    }
    /* 1. s = [b < 0], z = [b = 0], B = |b| + z */
    if ((rc = nl_ltz(ctx, b, k + 1, n, sz)) || (rc = nl_eqz(ctx, b, k + 1, n, sz + vec)) ||
        (rc = nl_mul_const(ctx, b, ctx->minus_one, negb, n)) ||
        (rc = nl_select(ctx, sz, negb, b, n, Bv)) || (rc = nl_add(ctx, Bv, sz + vec, Bv, n)))
        goto done;
    /* 2, 3. 1/B = v w / 2^(P + k) */
    if ((rc = nl_reciprocal(ctx, Bv, k, P, n, v, W)) || (rc = nl_mul(ctx, a, v, AV, n)))
        goto done;
    /* 4. q = a v w 2^f / 2^(P + k), then the sign of b and the zero mask */
    if ((rc = nl_mul(ctx, AV, W, T, n)) ||
        (rc = nl_trunc_pr(ctx, T, 2 * k + P, P + k - f, n, T)))
        goto done;
    if ((rc = nl_mul_const(ctx, T, ctx->minus_one, U, n)) ||
        (rc = nl_select(ctx, sz, U, T, n, T)))
        goto done;
    /* out = T (1 - z) */
    if ((rc = nl_mul(ctx, T, sz + vec, U, n)))
        goto done;
    rc = nl_sub(ctx, T, U, out, n);
done:
    nl_sh_free(ctx, sz, 2 * n);
    nl_sh_free(ctx, Bv, n);
    nl_sh_free(ctx, negb, n);
    nl_sh_free(ctx, v, n);
    nl_sh_free(ctx, W, n);
    nl_sh_free(ctx, AV, n);
    nl_sh_free(ctx, T, n);
    nl_sh_free(ctx, U, n);
    return rc;
}
