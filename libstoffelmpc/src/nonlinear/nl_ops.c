/*
 * nl_ops.c - thin wrappers over the engine's public primitives: local share algebra (with public
 * constants broadcast over a vector) and rounds of batched MUL / OPEN / RANDOM requests. Everything
 * the nonlinear protocols do to shares goes through here, so they run on every engine.
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

/* Broadcasting a constant needs a vector of it; do it in chunks to bound the scratch memory. */
#define NL_CONST_CHUNK 1024

static int engine_status(nl_ctx *ctx, int rc, const char *what)
{
    if (rc == 0)
        return 0;
    const char *detail = stoffel_mpc_engine_last_error(ctx->engine);
    return nl_fail(ctx, rc, "%s failed: %s", what,
                   detail && *detail ? detail : stoffel_mpc_strerror(rc));
}

int nl_add(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n)
{
    return engine_status(ctx, stoffel_mpc_engine_add(ctx->engine, a, b, out, n), "share addition");
}

int nl_sub(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n)
{
    return engine_status(ctx, stoffel_mpc_engine_sub(ctx->engine, a, b, out, n),
                         "share subtraction");
}

int nl_add_pub(nl_ctx *ctx, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t n)
{
    return engine_status(ctx, stoffel_mpc_engine_add_public(ctx->engine, a, c, out, n),
                         "public addition");
}

int nl_mul_pub(nl_ctx *ctx, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t n)
{
    return engine_status(ctx, stoffel_mpc_engine_mul_public(ctx->engine, a, c, out, n),
                         "public multiplication");
}

typedef int (*const_op)(nl_ctx *, const uint8_t *, const uint8_t *, uint8_t *, size_t);

static int broadcast_op(nl_ctx *ctx, const_op op, const uint8_t *a, const uint8_t *c, uint8_t *out,
                        size_t n)
{
    size_t chunk = n < NL_CONST_CHUNK ? n : NL_CONST_CHUNK;
    uint8_t *cv = nl_pub_alloc(ctx, chunk);
    if (!cv)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < chunk; i++)
        memcpy(NL_EL(ctx, cv, i), c, ctx->es);
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += chunk) {
        size_t len = n - off < chunk ? n - off : chunk;
        rc = op(ctx, NL_SH(ctx, a, off), cv, NL_SH(ctx, out, off), len);
    }
    free(cv);
    return rc;
}

int nl_add_const(nl_ctx *ctx, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t n)
{
    return broadcast_op(ctx, nl_add_pub, a, c, out, n);
}

int nl_mul_const(nl_ctx *ctx, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t n)
{
    return broadcast_op(ctx, nl_mul_pub, a, c, out, n);
}

int nl_const_sub(nl_ctx *ctx, const uint8_t *c, const uint8_t *a, uint8_t *out, size_t n)
{
    int rc = nl_mul_const(ctx, a, ctx->minus_one, out, n);
    return rc ? rc : nl_add_const(ctx, out, c, out, n);
}

int nl_add_scaled(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, const uint8_t *c, uint8_t *out,
                  size_t n)
{
    uint8_t *tmp = nl_sh_alloc(ctx, n);
    if (!tmp)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
    int rc = nl_mul_const(ctx, b, c, tmp, n);
    if (!rc)
        rc = nl_add(ctx, a, tmp, out, n);
    nl_sh_free(ctx, tmp, n);
    return rc;
}

int nl_share_const(nl_ctx *ctx, const uint8_t *c, uint8_t *out, size_t n)
{
    size_t chunk = n < NL_CONST_CHUNK ? n : NL_CONST_CHUNK;
    uint8_t *cv = nl_pub_alloc(ctx, chunk);
    if (!cv)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < chunk; i++)
        memcpy(NL_EL(ctx, cv, i), c, ctx->es);
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += chunk) {
        size_t len = n - off < chunk ? n - off : chunk;
        rc = engine_status(ctx,
                           stoffel_mpc_engine_share_public(ctx->engine, cv, NL_SH(ctx, out, off), len),
                           "public sharing");
    }
    free(cv);
    return rc;
}

static void round_add(nl_round *r, stoffel_mpc_op_kind kind, const uint8_t *a, const uint8_t *b,
                      uint8_t *out, size_t n)
{
    if (n == 0)
        return;
    /* Callers never put more than NL_ROUND_MAX requests in one round (internal invariant). */
    if (r->count >= NL_ROUND_MAX)
        abort();
    stoffel_mpc_request *q = &r->req[r->count++];
    memset(q, 0, sizeof *q);
    q->kind = kind;
    q->count = n;
    q->a = a;
    q->b = b;
    q->out = out;
}

void nl_round_mul(nl_round *r, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n)
{
    round_add(r, STOFFEL_MPC_OP_MUL, a, b, out, n);
}

void nl_round_open(nl_round *r, const uint8_t *a, uint8_t *out, size_t n)
{
    round_add(r, STOFFEL_MPC_OP_OPEN, a, NULL, out, n);
}

void nl_round_random(nl_round *r, uint8_t *out, size_t n)
{
    round_add(r, STOFFEL_MPC_OP_RANDOM, NULL, NULL, out, n);
}

void nl_round_dealt(nl_round *r, uint32_t bits, uint8_t *out, size_t n)
{
    round_add(r, STOFFEL_MPC_OP_DEALT_RANDOM, NULL, NULL, out, n);
    if (n)
        r->req[r->count - 1].bits = bits;
}

int nl_round_run(nl_ctx *ctx, nl_round *r, int preprocessing)
{
    if (r->count == 0)
        return 0;
    const char *what = preprocessing ? "preprocessing round" : "online round";
    size_t count = r->count;
    r->count = 0;
    int local = 1; /* RANDOM only: drawn from the pool, no communication round */
    for (size_t i = 0; i < count; i++) {
        local &= r->req[i].kind == STOFFEL_MPC_OP_RANDOM;
        /* no triples: degree reduction, in the same round */
        if (ctx->dealt && r->req[i].kind == STOFFEL_MPC_OP_MUL)
            r->req[i].kind = STOFFEL_MPC_OP_MUL_RESHARE;
    }
    if (ctx->task && !local) {
        /* merged with the other tasks' rounds; the scheduler counts the merged round */
        const char *detail = NULL;
        int rc = nl_task_round(ctx->task, r->req, count, preprocessing, &detail);
        if (rc == 0)
            return 0;
        return nl_fail(ctx, rc, "%s failed: %s", what,
                       detail && *detail ? detail : stoffel_mpc_strerror(rc));
    }
    int rc = stoffel_mpc_engine_execute(ctx->engine, r->req, count);
    if (ctx->cost) {
        ctx->cost->rounds++;
        if (preprocessing)
            ctx->cost->preprocessing_rounds++;
    }
    return engine_status(ctx, rc, what);
}

int nl_mul(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n)
{
    nl_round r = {.count = 0};
    nl_round_mul(&r, a, b, out, n);
    return nl_round_run(ctx, &r, 0);
}

int nl_open(nl_ctx *ctx, const uint8_t *a, uint8_t *out, size_t n)
{
    nl_round r = {.count = 0};
    nl_round_open(&r, a, out, n);
    return nl_round_run(ctx, &r, 0);
}
