/*
 * nl_field.c - the nonlinear protocols' context and their arithmetic on PUBLIC field elements
 * (opened values, constants) with GMP. The prime is recovered through the public field API as the
 * encoding of -1 plus one, so every field the engine offers works without a table here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../big_alloc.h"
#include "nl_internal.h"

int nl_fail(nl_ctx *ctx, int status, const char *fmt, ...)
{
    if (ctx->msg && ctx->msg_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->msg, ctx->msg_len, fmt, ap);
        va_end(ap);
    }
    return status;
}

uint8_t *nl_sh_alloc(const nl_ctx *ctx, size_t n)
{
    if (n == 0)
        n = 1;
    return big_calloc(n, ctx->ss);
}

void nl_sh_free(const nl_ctx *ctx, uint8_t *buf, size_t n)
{
    if (!buf)
        return;
    if (n == 0)
        n = 1;
    sodium_memzero(buf, n * ctx->ss);
    free(buf);
}

uint8_t *nl_pub_alloc(const nl_ctx *ctx, size_t n)
{
    if (n == 0)
        n = 1;
    return big_calloc(n, ctx->es);
}

void nl_to_mpz(const nl_ctx *ctx, const uint8_t *elem, mpz_t out)
{
    mpz_import(out, ctx->es, -1, 1, 0, 0, elem);
}

void nl_from_mpz(const nl_ctx *ctx, const mpz_t z, uint8_t *out)
{
    mpz_t r;
    mpz_init(r);
    mpz_mod(r, z, ctx->p);
    memset(out, 0, ctx->es);
    mpz_export(out, NULL, -1, 1, 0, 0, r);
    mpz_clear(r);
}

void nl_from_u64(const nl_ctx *ctx, uint64_t x, uint8_t *out)
{
    mpz_t z;
    mpz_init(z);
    mpz_import(z, 1, -1, sizeof x, 0, 0, &x);
    nl_from_mpz(ctx, z, out);
    mpz_clear(z);
}

void nl_pow2(const nl_ctx *ctx, unsigned e, uint8_t *out)
{
    mpz_t z;
    mpz_init(z);
    mpz_setbit(z, e);
    nl_from_mpz(ctx, z, out);
    mpz_clear(z);
}

void nl_inv_pow2(const nl_ctx *ctx, unsigned e, uint8_t *out)
{
    mpz_t z;
    mpz_init(z);
    mpz_setbit(z, e);
    mpz_mod(z, z, ctx->p);
    mpz_invert(z, z, ctx->p);
    nl_from_mpz(ctx, z, out);
    mpz_clear(z);
}

static void sqrt_setup(nl_ctx *ctx)
{
    mpz_inits(ctx->ts_q_half, ctx->ts_c, ctx->sqrt_exp, NULL);
    if (mpz_fdiv_ui(ctx->p, 4) == 3) {
        mpz_add_ui(ctx->sqrt_exp, ctx->p, 1);
        mpz_fdiv_q_2exp(ctx->sqrt_exp, ctx->sqrt_exp, 2);
        ctx->ts_s = 0;
    } else {
        mpz_t q, z;
        mpz_inits(q, z, NULL);
        mpz_sub_ui(q, ctx->p, 1);
        ctx->ts_s = (unsigned)mpz_scan1(q, 0);
        mpz_fdiv_q_2exp(q, q, ctx->ts_s);
        mpz_sub_ui(ctx->ts_q_half, q, 1);
        mpz_fdiv_q_2exp(ctx->ts_q_half, ctx->ts_q_half, 1); /* (Q - 1) / 2 */
        mpz_set_ui(z, 2);
        while (mpz_legendre(z, ctx->p) != -1) /* the smallest non-residue: deterministic */
            mpz_add_ui(z, z, 1);
        mpz_powm(ctx->ts_c, z, q, ctx->p);
        mpz_clears(q, z, NULL);
    }
    ctx->sqrt_ready = 1;
}

int nl_sqrt_canonical(nl_ctx *ctx, const mpz_t a, mpz_t root)
{
    if (!ctx->sqrt_ready)
        sqrt_setup(ctx);
    if (mpz_sgn(a) == 0) {
        mpz_set_ui(root, 0);
        return 0;
    }
    if (ctx->ts_s == 0) {
        mpz_powm(root, a, ctx->sqrt_exp, ctx->p);
    } else {
        /* Tonelli-Shanks: w = a^((Q-1)/2), R = w a = a^((Q+1)/2), t = w^2 a = a^Q */
        mpz_t w, t, c, b;
        mpz_inits(w, t, c, b, NULL);
        mpz_powm(w, a, ctx->ts_q_half, ctx->p);
        mpz_mul(root, w, a);
        mpz_mod(root, root, ctx->p);
        mpz_mul(t, w, root);
        mpz_mod(t, t, ctx->p);
        mpz_set(c, ctx->ts_c);
        unsigned m = ctx->ts_s;
        int ok = 1;
        while (mpz_cmp_ui(t, 1) != 0) {
            unsigned i = 0;
            mpz_set(b, t);
            while (mpz_cmp_ui(b, 1) != 0 && i < m) {
                mpz_mul(b, b, b);
                mpz_mod(b, b, ctx->p);
                i++;
            }
            if (i == m) {
                ok = 0; /* a is not a square */
                break;
            }
            mpz_set(b, c);
            for (unsigned j = 0; j + i + 1 < m; j++) {
                mpz_mul(b, b, b);
                mpz_mod(b, b, ctx->p);
            }
            m = i;
            mpz_mul(c, b, b);
            mpz_mod(c, c, ctx->p);
            mpz_mul(t, t, c);
            mpz_mod(t, t, ctx->p);
            mpz_mul(root, root, b);
            mpz_mod(root, root, ctx->p);
        }
        mpz_clears(w, t, c, b, NULL);
        if (!ok)
            return -1;
    }
    /* Verify (p = 3 mod 4 returns a root of -a for non-squares); every party picks the same
     * root: the one in [0, (p-1)/2]. */
    mpz_t chk;
    mpz_init(chk);
    mpz_mul(chk, root, root);
    mpz_mod(chk, chk, ctx->p);
    int good = mpz_cmp(chk, a) == 0;
    mpz_clear(chk);
    if (!good)
        return -1;
    if (mpz_cmp(root, ctx->half_p) > 0)
        mpz_sub(root, ctx->p, root);
    return 0;
}

int nl_check_capacity(nl_ctx *ctx, const char *what, unsigned k)
{
    /* The masked value 2^(k-1) + a + r with r < 2^(k+kappa) stays below 2^(k+kappa+1) <= p. */
    if ((unsigned long)k + ctx->kappa + 1 < ctx->pbits)
        return 0;
    return nl_fail(ctx, STOFFEL_MPC_ERR_CAPACITY,
                   "%s on %u-bit values needs a prime of more than k + kappa + 1 = %u + %u + 1 = "
                   "%lu bits, but field %s has %u bits: use a larger field (e.g. bls12-381) or "
                   "narrower values",
                   what, k, k, ctx->kappa, (unsigned long)k + ctx->kappa + 1,
                   stoffel_mpc_field_name(ctx->field), ctx->pbits);
}

int nl_ctx_init(nl_ctx *ctx, stoffel_mpc_engine *engine, nonlinear_cost *cost, char *msg,
                size_t msg_len)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->engine = engine;
    ctx->field = stoffel_mpc_engine_field(engine);
    ctx->es = stoffel_mpc_field_elem_size(ctx->field);
    ctx->ss = stoffel_mpc_engine_share_size(engine);
    ctx->kappa = stoffel_mpc_engine_kappa(engine);
    if (ctx->kappa == 0)
        ctx->kappa = NL_KAPPA_DEFAULT;
    ctx->cost = cost;
    ctx->msg = msg;
    ctx->msg_len = msg_len;
    mpz_init(ctx->p);
    mpz_init(ctx->half_p);
    uint8_t *consts = calloc(6, ctx->es);
    if (!consts)
        return STOFFEL_ERR_NOMEM;
    ctx->zero = consts;
    ctx->one = consts + ctx->es;
    ctx->minus_one = consts + 2 * ctx->es;
    ctx->two = consts + 3 * ctx->es;
    ctx->inv2 = consts + 4 * ctx->es;
    ctx->minus_two = consts + 5 * ctx->es;
    stoffel_mpc_field_from_i64(ctx->field, -1, ctx->minus_one);
    stoffel_mpc_field_from_i64(ctx->field, -2, ctx->minus_two);
    ctx->t = stoffel_mpc_engine_t(engine);
    ctx->dealt = stoffel_mpc_engine_supports(engine, STOFFEL_MPC_OP_MUL_RESHARE) &&
                 stoffel_mpc_engine_supports(engine, STOFFEL_MPC_OP_DEALT_RANDOM);
    ctx->pool = nonlinear_material_pool(engine);
    nl_to_mpz(ctx, ctx->minus_one, ctx->p);
    mpz_add_ui(ctx->p, ctx->p, 1);
    mpz_sub_ui(ctx->half_p, ctx->p, 1);
    mpz_fdiv_q_2exp(ctx->half_p, ctx->half_p, 1);
    ctx->pbits = (unsigned)mpz_sizeinbase(ctx->p, 2);
    stoffel_mpc_field_from_i64(ctx->field, 1, ctx->one);
    stoffel_mpc_field_from_i64(ctx->field, 2, ctx->two);
    mpz_t h;
    mpz_init(h);
    mpz_add_ui(h, ctx->half_p, 1); /* (p + 1) / 2 = 1/2 */
    nl_from_mpz(ctx, h, ctx->inv2);
    mpz_clear(h);
    return 0;
}

void nl_ctx_clear(nl_ctx *ctx)
{
    free(ctx->zero);
    mpz_clear(ctx->p);
    mpz_clear(ctx->half_p);
    if (ctx->sqrt_ready)
        mpz_clears(ctx->ts_q_half, ctx->ts_c, ctx->sqrt_exp, NULL);
    ctx->zero = NULL;
}

void nl_mpz_vec_free(mpz_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        mpz_clear(v[i]);
    free(v);
}
