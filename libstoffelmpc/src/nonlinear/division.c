/*
 * division.c - exact integer division and remainder, truncating toward zero, remainder with the
 * dividend's sign (C semantics; spec mpc.md section 8).
 *
 * Secret / public d: with A = |a| < 2^W, D = |d| and m = ceil(2^W / D), floor(A m / 2^W) is
 * floor(A / D) or one more (the error A m / 2^W - A / D lies in [0, A / 2^W) subset [0, 1)), and
 * TruncPr may add one: q^ in {q, q+1, q+2}. With r^ = A - q^ D in [-2D, D), two comparisons done
 * as one vector, q = q^ - [r^ < 0] - [r^ + D < 0]. Signs: q = sgn(d) (1 - 2[a < 0]) q_u.
 * Rounds: LTZ, 1 multiplication, TruncPr, LTZ, 1 multiplication (unsigned: TruncPr and LTZ only).
 *
 * Secret / secret: |a|, |b| from LTZ, z = EQZ(b), B = |b| + z (so B >= 1); the unsigned quotient
 * Q of |a| by B from a Newton reciprocal plus an exact correction (quotient_newton, when the field
 * holds 3W + 6 + kappa + 1 bits) or else by restoring long division (quotient_long, 2W + kappa + 1
 * bits); q = Q (1 - 2([a<0] xor [b<0])) (1 - z), r = a - q b. A zero divisor thus gives q = 0 and
 * r = a and reveals nothing.
 * Note: min / -1 gives the exact quotient 2^(W-1) (outside W-bit two's complement) and remainder 0.
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

/* out = v (1 - 2 s) = v - 2 s v, for secret bits s (one multiplication round). */
static int apply_sign(nl_ctx *ctx, const uint8_t *s, const uint8_t *v, uint8_t *out, size_t n)
{
    uint8_t *sv = nl_sh_alloc(ctx, n), *m2 = nl_pub_alloc(ctx, 1);
    int rc;
    if (!sv || !m2) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    stoffel_mpc_field_from_i64(ctx->field, -2, m2);
    if ((rc = nl_mul(ctx, s, v, sv, n)))
        goto done;
    rc = nl_add_scaled(ctx, v, sv, m2, out, n);
done:
    nl_sh_free(ctx, sv, n);
    free(m2);
    return rc;
}

int nl_div_public(nl_ctx *ctx, const uint8_t *a, const uint8_t *d, unsigned bits, int is_signed,
                  size_t n, uint8_t *q, uint8_t *r)
{
    const unsigned W = bits;
    int rc = nl_check_capacity(ctx, "division by a public divisor", 2 * W + 1);
    if (rc)
        return rc;
    uint8_t *s = nl_sh_alloc(ctx, n), *A = nl_sh_alloc(ctx, n), *prod = nl_sh_alloc(ctx, n);
    uint8_t *rr = nl_sh_alloc(ctx, 2 * n), *cc = nl_sh_alloc(ctx, 2 * n);
    uint8_t *mult = nl_pub_alloc(ctx, n), *negD = nl_pub_alloc(ctx, n), *Dv = nl_pub_alloc(ctx, n);
    uint8_t *sgn = nl_pub_alloc(ctx, n), *keep = nl_pub_alloc(ctx, n);
    mpz_t z, two_w;
    mpz_init(z);
    mpz_init(two_w);
    mpz_setbit(two_w, W);
    if (!s || !A || !prod || !rr || !cc || !mult || !negD || !Dv || !sgn || !keep) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for %zu divisions", n);
        goto done;
    }
    for (size_t e = 0; e < n; e++) {
        /* |d| and its sign from the canonical element: signed divisors are the centred value
         * (-2^63..2^63-1), unsigned ones any 1..2^64-1 */
        nl_to_mpz(ctx, NL_EL(ctx, d, e), z);
        int neg = is_signed && mpz_cmp(z, ctx->half_p) > 0;
        if (neg)
            mpz_sub(z, ctx->p, z);
        size_t width = mpz_sizeinbase(z, 2);
        int min_int64 = neg && width == 64 && mpz_scan1(z, 0) == 63; /* -2^63 */
        if (mpz_sgn(z) == 0 || width > (is_signed ? 63u : 64u) + (size_t)min_int64) {
            rc = nl_fail(ctx, STOFFEL_ERR_INVALID_ARG, "division by a public divisor: divisor %zu is %s", e,
                         mpz_sgn(z) == 0 ? "zero"
                         : is_signed     ? "not a signed 64-bit integer"
                                         : "not an unsigned 64-bit integer (negative, or 2^64 or more)");
            goto done;
        }
        uint64_t D = 0;
        mpz_export(&D, NULL, -1, sizeof D, 0, 0, z);
        stoffel_mpc_field_from_i64(ctx->field, neg ? -1 : 1, NL_EL(ctx, sgn, e));
        mpz_import(z, 1, -1, sizeof D, 0, 0, &D);
        if (mpz_cmp(z, two_w) >= 0) {
            /* |d| >= 2^W > |a|: the quotient is 0; compute with harmless values, then mask. */
            D = 1;
            mpz_set_ui(z, 0);
            memcpy(NL_EL(ctx, keep, e), ctx->zero, ctx->es);
        } else {
            mpz_cdiv_q(z, two_w, z); /* ceil(2^W / D) */
            memcpy(NL_EL(ctx, keep, e), ctx->one, ctx->es);
        }
        nl_from_mpz(ctx, z, NL_EL(ctx, mult, e));
        mpz_import(z, 1, -1, sizeof D, 0, 0, &D);
        nl_from_mpz(ctx, z, NL_EL(ctx, Dv, e));
        mpz_neg(z, z);
        nl_from_mpz(ctx, z, NL_EL(ctx, negD, e));
    }
    if (is_signed) {
        if ((rc = nl_ltz(ctx, a, W + 1, n, s)) || (rc = apply_sign(ctx, s, a, A, n)))
            goto done;
    } else {
        memcpy(A, a, n * ctx->ss);
    }
    /* q^ = TruncPr(A m, 2W + 1, W) */
    if ((rc = nl_mul_pub(ctx, A, mult, prod, n)) ||
        (rc = nl_trunc_pr(ctx, prod, 2 * W + 1, W, n, q)))
        goto done;
    /* r^ = A - q^ D and r^ + D, compared with zero together */
    if ((rc = nl_mul_pub(ctx, q, negD, rr, n)) || (rc = nl_add(ctx, rr, A, rr, n)) ||
        (rc = nl_add_pub(ctx, rr, Dv, NL_SH(ctx, rr, n), n)) ||
        (rc = nl_ltz(ctx, rr, W + 2, 2 * n, cc)))
        goto done;
    if ((rc = nl_sub(ctx, q, cc, q, n)) || (rc = nl_sub(ctx, q, NL_SH(ctx, cc, n), q, n)) ||
        (rc = nl_mul_pub(ctx, q, keep, q, n)))
        goto done;
    if (is_signed && (rc = apply_sign(ctx, s, q, q, n)))
        goto done;
    if ((rc = nl_mul_pub(ctx, q, sgn, q, n)))
        goto done;
    /* r = a - q d (d public) */
    for (size_t e = 0; e < n; e++) {
        nl_to_mpz(ctx, NL_EL(ctx, d, e), z);
        mpz_neg(z, z);
        nl_from_mpz(ctx, z, NL_EL(ctx, negD, e));
    }
    if ((rc = nl_mul_pub(ctx, q, negD, r, n)) || (rc = nl_add(ctx, r, a, r, n)))
        goto done;
done:
    mpz_clear(z);
    mpz_clear(two_w);
    nl_sh_free(ctx, s, n);
    nl_sh_free(ctx, A, n);
    nl_sh_free(ctx, prod, n);
    nl_sh_free(ctx, rr, 2 * n);
    nl_sh_free(ctx, cc, 2 * n);
    free(mult);
    free(negD);
    free(Dv);
    free(sgn);
    free(keep);
    return rc;
}

/* Unsigned quotient of 0 <= A < 2^W by 1 <= B < 2^W by restoring long division: one LTZ (on
 * W + i + 1 bits) and one multiplication per quotient bit. */
static int quotient_long(nl_ctx *ctx, const uint8_t *A, const uint8_t *B, unsigned W, size_t n,
                         uint8_t *q)
{
    const size_t vec = n * ctx->ss;
    int rc;
    uint8_t *R = nl_sh_alloc(ctx, n), *T = nl_sh_alloc(ctx, n), *c = nl_sh_alloc(ctx, n);
    uint8_t *cB = nl_sh_alloc(ctx, n), *pw = nl_pub_alloc(ctx, 1), *npw = nl_pub_alloc(ctx, 1);
    if (!R || !T || !c || !cB || !pw || !npw) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(R, A, vec);
    if ((rc = nl_share_const(ctx, ctx->zero, q, n)))
        goto done;
    for (unsigned i = W; i-- > 0;) {
        /* c = [R >= B 2^i] = 1 - [R - B 2^i < 0]; |R - B 2^i| < 2^(W+i) */
        nl_pow2(ctx, i, pw);
        mpz_t t;
        mpz_init(t);
        mpz_setbit(t, i);
        mpz_neg(t, t);
        nl_from_mpz(ctx, t, npw);
        mpz_clear(t);
        if ((rc = nl_add_scaled(ctx, R, B, npw, T, n)) || (rc = nl_ltz(ctx, T, W + i + 1, n, c)) ||
            (rc = nl_const_sub(ctx, ctx->one, c, c, n)) || (rc = nl_mul(ctx, c, B, cB, n)) ||
            (rc = nl_add_scaled(ctx, R, cB, npw, R, n)) || (rc = nl_add_scaled(ctx, q, c, pw, q, n)))
            goto done;
    }
done:
    nl_sh_free(ctx, R, n);
    nl_sh_free(ctx, T, n);
    nl_sh_free(ctx, c, n);
    nl_sh_free(ctx, cB, n);
    free(pw);
    free(npw);
    return rc;
}

/* The same quotient from a Newton reciprocal with P = W + 5 fractional bits: the estimate
 * q^ = TruncPr(A v w, 2W + P + 1, P + W) is within 2 of floor(A / B) (relative error of w below
 * 2^-(W+2), TruncPr adds at most 1); r^ = A - q^ B and four comparisons of r^ + jB (j = 1, 0,
 * -1, -2) with 0, done as one vector, correct it exactly. About 60 rounds for W = 64. */
static int quotient_newton(nl_ctx *ctx, const uint8_t *A, const uint8_t *B, unsigned W, size_t n,
                           uint8_t *q)
{
    const unsigned P = W + 5;
    const size_t vec = n * ctx->ss;
    int rc;
    uint8_t *v = nl_sh_alloc(ctx, n), *w = nl_sh_alloc(ctx, n), *AV = nl_sh_alloc(ctx, n);
    uint8_t *r = nl_sh_alloc(ctx, 4 * n), *c = nl_sh_alloc(ctx, 4 * n), *pub = nl_pub_alloc(ctx, 1);
    if (!v || !w || !AV || !r || !c || !pub) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = nl_reciprocal(ctx, B, W, P, n, v, w)) || (rc = nl_mul(ctx, A, v, AV, n)) ||
        (rc = nl_mul(ctx, AV, w, AV, n)) || (rc = nl_trunc_pr(ctx, AV, 2 * W + P + 1, P + W, n, q)))
        goto done;
    /* r^ = A - q^ B; rows: r^ + B, r^, r^ - B, r^ - 2B */
    if ((rc = nl_mul(ctx, q, B, r + vec, n)) || (rc = nl_sub(ctx, A, r + vec, r + vec, n)) ||
        (rc = nl_add(ctx, r + vec, B, r, n)) || (rc = nl_sub(ctx, r + vec, B, r + 2 * vec, n)) ||
        (rc = nl_sub(ctx, r + 2 * vec, B, r + 3 * vec, n)) ||
        (rc = nl_ltz(ctx, r, W + 4, 4 * n, c)))
        goto done;
    /* q = q^ - [r^+B<0] - [r^<0] + (1 - [r^-B<0]) + (1 - [r^-2B<0]) */
    if ((rc = nl_sub(ctx, q, c, q, n)) || (rc = nl_sub(ctx, q, c + vec, q, n)) ||
        (rc = nl_sub(ctx, q, c + 2 * vec, q, n)) || (rc = nl_sub(ctx, q, c + 3 * vec, q, n)))
        goto done;
    nl_from_u64(ctx, 2, pub);
    rc = nl_add_const(ctx, q, pub, q, n);
done:
    nl_sh_free(ctx, v, n);
    nl_sh_free(ctx, w, n);
    nl_sh_free(ctx, AV, n);
    nl_sh_free(ctx, r, 4 * n);
    nl_sh_free(ctx, c, 4 * n);
    free(pub);
    return rc;
}

int nl_div_secret(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, unsigned bits, int is_signed,
                  size_t n, uint8_t *q, uint8_t *r)
{
    const unsigned W = bits;
    int rc = nl_check_capacity(ctx, "division by a secret divisor", 2 * W);
    if (rc)
        return rc;
    const size_t vec = n * ctx->ss;
    uint8_t *ab = nl_sh_alloc(ctx, 2 * n), *s = nl_sh_alloc(ctx, 2 * n);
    uint8_t *AB = nl_sh_alloc(ctx, 2 * n), *zb = nl_sh_alloc(ctx, n);
    uint8_t *T = nl_sh_alloc(ctx, n), *c = nl_sh_alloc(ctx, n), *npw = nl_pub_alloc(ctx, 1);
    if (!ab || !s || !AB || !zb || !T || !c || !npw) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for %zu divisions", n);
        goto done;
    }
    memcpy(ab, a, vec);
    memcpy(ab + vec, b, vec);
    /* signs of a and b (one LTZ vector), z = [b = 0] */
    if (is_signed) {
        if ((rc = nl_ltz(ctx, ab, W + 1, 2 * n, s)) || (rc = apply_sign(ctx, s, ab, AB, 2 * n)))
            goto done;
    } else {
        memcpy(AB, ab, 2 * vec);
    }
    if ((rc = nl_eqz(ctx, b, W + 1, n, zb)) || (rc = nl_add(ctx, AB + vec, zb, AB + vec, n)))
        goto done;
    uint8_t *B = AB + vec;
    /* the Newton path's widest values: 3W + 6 bits (and 2P + 3 = 2W + 13 in the iteration) */
    unsigned widest = 3 * W + 6 > 2 * W + 13 ? 3 * W + 6 : 2 * W + 13;
    if (widest + ctx->kappa + 1 < ctx->pbits)
        rc = quotient_newton(ctx, AB, B, W, n, q);
    else
        rc = quotient_long(ctx, AB, B, W, n, q);
    if (rc)
        goto done;
    /* q = Q (1 - 2 (s_a xor s_b)) (1 - z) */
    if (is_signed) {
        uint8_t *x = T;
        if ((rc = nl_mul(ctx, s, s + vec, x, n)))
            goto done;
        /* x = s_a + s_b - 2 s_a s_b */
        stoffel_mpc_field_from_i64(ctx->field, -2, npw);
        if ((rc = nl_mul_const(ctx, x, npw, x, n)) || (rc = nl_add(ctx, x, s, x, n)) ||
            (rc = nl_add(ctx, x, s + vec, x, n)) || (rc = apply_sign(ctx, x, q, q, n)))
            goto done;
    }
    if ((rc = nl_mul(ctx, q, zb, c, n)) || (rc = nl_sub(ctx, q, c, q, n)))
        goto done;
    /* r = a - q b */
    if ((rc = nl_mul(ctx, q, b, c, n)) || (rc = nl_sub(ctx, a, c, r, n)))
        goto done;
done:
    nl_sh_free(ctx, ab, 2 * n);
    nl_sh_free(ctx, s, 2 * n);
    nl_sh_free(ctx, AB, 2 * n);
    nl_sh_free(ctx, zb, n);
    nl_sh_free(ctx, T, n);
    nl_sh_free(ctx, c, n);
    free(npw);
    return rc;
}
