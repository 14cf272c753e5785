/*
 * dispatch.c - routes nonlinear requests to their protocols (see nonlinear.h): validates each
 * request, then runs all comparisons of one kind family and width as one vector (so a batch of
 * 10^4 comparisons takes the rounds of one) and every other request as its own job, each
 * vectorised over its elements; independent jobs run concurrently (nl_sched.c), so a mixed batch
 * takes the rounds of its deepest job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

/* Widest integer operand: values cross the API as int64 (spec vm-bytecode.md section 4.3). */
#define NL_MAX_INT_BITS 64

static const char *kind_name(stoffel_mpc_op_kind kind)
{
    switch (kind) {
    case STOFFEL_MPC_OP_RANDOM_BIT: return "RANDOM_BIT";
    case STOFFEL_MPC_OP_RANDOM_INT: return "RANDOM_INT";
    case STOFFEL_MPC_OP_LT: return "LT";
    case STOFFEL_MPC_OP_LE: return "LE";
    case STOFFEL_MPC_OP_GT: return "GT";
    case STOFFEL_MPC_OP_GE: return "GE";
    case STOFFEL_MPC_OP_EQ: return "EQ";
    case STOFFEL_MPC_OP_NE: return "NE";
    case STOFFEL_MPC_OP_DIV: return "DIV";
    case STOFFEL_MPC_OP_REM: return "REM";
    case STOFFEL_MPC_OP_DIV_PUBLIC: return "DIV_PUBLIC";
    case STOFFEL_MPC_OP_REM_PUBLIC: return "REM_PUBLIC";
    case STOFFEL_MPC_OP_TRUNC: return "TRUNC";
    case STOFFEL_MPC_OP_TRUNC_PR: return "TRUNC_PR";
    case STOFFEL_MPC_OP_FIXED_DIV: return "FIXED_DIV";
    case STOFFEL_MPC_OP_FIXED_MUL: return "FIXED_MUL";
    case STOFFEL_MPC_OP_SELECT: return "SELECT";
    case STOFFEL_MPC_OP_MIN: return "MIN";
    case STOFFEL_MPC_OP_MAX: return "MAX";
    case STOFFEL_MPC_OP_ABS: return "ABS";
    case STOFFEL_MPC_OP_SIGN: return "SIGN";
    case STOFFEL_MPC_OP_BIT_DECOMPOSE: return "BIT_DECOMPOSE";
    case STOFFEL_MPC_OP_BIT_COMPOSE: return "BIT_COMPOSE";
    default: return "?";
    }
}

int nonlinear_supports(stoffel_mpc_op_kind kind)
{
    switch (kind) {
    case STOFFEL_MPC_OP_RANDOM_BIT:
    case STOFFEL_MPC_OP_RANDOM_INT:
    case STOFFEL_MPC_OP_LT:
    case STOFFEL_MPC_OP_LE:
    case STOFFEL_MPC_OP_GT:
    case STOFFEL_MPC_OP_GE:
    case STOFFEL_MPC_OP_EQ:
    case STOFFEL_MPC_OP_NE:
    case STOFFEL_MPC_OP_DIV:
    case STOFFEL_MPC_OP_REM:
    case STOFFEL_MPC_OP_DIV_PUBLIC:
    case STOFFEL_MPC_OP_REM_PUBLIC:
    case STOFFEL_MPC_OP_TRUNC:
    case STOFFEL_MPC_OP_TRUNC_PR:
    case STOFFEL_MPC_OP_FIXED_DIV:
    case STOFFEL_MPC_OP_FIXED_MUL:
    case STOFFEL_MPC_OP_SELECT:
    case STOFFEL_MPC_OP_MIN:
    case STOFFEL_MPC_OP_MAX:
    case STOFFEL_MPC_OP_ABS:
    case STOFFEL_MPC_OP_SIGN:
    case STOFFEL_MPC_OP_BIT_DECOMPOSE:
    case STOFFEL_MPC_OP_BIT_COMPOSE:
        return 1;
    default:
        return 0;
    }
}

static int is_ltz_family(stoffel_mpc_op_kind k)
{
    return k == STOFFEL_MPC_OP_LT || k == STOFFEL_MPC_OP_LE || k == STOFFEL_MPC_OP_GT ||
           k == STOFFEL_MPC_OP_GE;
}

static int is_eqz_family(stoffel_mpc_op_kind k)
{
    return k == STOFFEL_MPC_OP_EQ || k == STOFFEL_MPC_OP_NE;
}

static int validate(nl_ctx *ctx, size_t idx, const stoffel_mpc_request *r)
{
    const char *name = kind_name(r->kind);
    if (!nonlinear_supports(r->kind))
        return nl_fail(ctx, STOFFEL_ERR_UNSUPPORTED,
                       "request %zu: MPC operation %d is not a nonlinear protocol", idx,
                       (int)r->kind);
    if (r->count == 0)
        return 0;
    if (!r->out)
        return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG, "request %zu (%s): out is NULL", idx, name);
    int needs_a = r->kind != STOFFEL_MPC_OP_RANDOM_BIT && r->kind != STOFFEL_MPC_OP_RANDOM_INT;
    int needs_b = needs_a && r->kind != STOFFEL_MPC_OP_TRUNC && r->kind != STOFFEL_MPC_OP_TRUNC_PR &&
                  r->kind != STOFFEL_MPC_OP_ABS && r->kind != STOFFEL_MPC_OP_SIGN &&
                  r->kind != STOFFEL_MPC_OP_BIT_DECOMPOSE && r->kind != STOFFEL_MPC_OP_BIT_COMPOSE;
    if ((needs_a && !r->a) || (needs_b && !r->b))
        return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG, "request %zu (%s): operand %s is NULL", idx,
                       name, !r->a ? "a" : "b");
    if (r->kind == STOFFEL_MPC_OP_RANDOM_BIT)
        return 0;
    if (r->kind == STOFFEL_MPC_OP_RANDOM_INT) {
        if (r->bits == 0 || r->bits + 1 >= ctx->pbits)
            return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG,
                           "request %zu (RANDOM_INT): bits = %u, must be in 1..%u for field %s",
                           idx, r->bits, ctx->pbits - 2, stoffel_mpc_field_name(ctx->field));
        return 0;
    }
    if (r->kind == STOFFEL_MPC_OP_TRUNC || r->kind == STOFFEL_MPC_OP_TRUNC_PR) {
        if (r->bits < 2 || r->shift == 0 || r->shift >= r->bits)
            return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG,
                           "request %zu (%s): need 2 <= bits and 0 < shift < bits (bits = %u, "
                           "shift = %u)",
                           idx, name, r->bits, r->shift);
        return nl_check_capacity(ctx, name, r->bits);
    }
    if (r->kind == STOFFEL_MPC_OP_FIXED_DIV || r->kind == STOFFEL_MPC_OP_FIXED_MUL) {
        if (r->bits < 2 || r->bits > NL_MAX_INT_BITS || r->shift >= r->bits)
            return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG,
                           "request %zu (%s): need 2 <= k <= 64 and f < k (k = %u, f = %u)", idx,
                           name, r->bits, r->shift);
        return r->kind == STOFFEL_MPC_OP_FIXED_MUL ? nl_check_capacity(ctx, name, 2 * r->bits)
                                                   : nl_check_capacity(ctx, name, 3 * r->bits);
    }
    if (r->kind == STOFFEL_MPC_OP_SELECT)
        return 0;
    if (r->kind == STOFFEL_MPC_OP_BIT_COMPOSE) {
        if (r->bits == 0 || r->bits + 1 >= ctx->pbits)
            return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG,
                           "request %zu (BIT_COMPOSE): bits = %u, must be in 1..%u", idx, r->bits,
                           ctx->pbits - 2);
        return 0;
    }
    if (r->bits == 0 || r->bits > NL_MAX_INT_BITS)
        return nl_fail(ctx, STOFFEL_ERR_INVALID_ARG,
                       "request %zu (%s): bits = %u, must be in 1..%d", idx, name, r->bits,
                       NL_MAX_INT_BITS);
    if (r->kind == STOFFEL_MPC_OP_DIV || r->kind == STOFFEL_MPC_OP_REM)
        return nl_check_capacity(ctx, name, 2 * r->bits);
    if (r->kind == STOFFEL_MPC_OP_DIV_PUBLIC || r->kind == STOFFEL_MPC_OP_REM_PUBLIC)
        return nl_check_capacity(ctx, name, 2 * r->bits + 1);
    /* comparisons, MIN, MAX, ABS, SIGN, BIT_DECOMPOSE: (bits + 1)-bit masked openings */
    return nl_check_capacity(ctx, name, r->bits + 1);
}

/* A vector of comparisons: every LT/LE/GT/GE (ltz = 1) or EQ/NE (ltz = 0) request of one width. */
typedef struct {
    stoffel_mpc_request *reqs;
    size_t count;
    unsigned bits;
    int ltz;
} cmp_group;

static int in_group(const cmp_group *g, const stoffel_mpc_request *r)
{
    return r->count > 0 && r->bits == g->bits &&
           (g->ltz ? is_ltz_family(r->kind) : is_eqz_family(r->kind));
}

/* One vector of differences, one LTZ or EQZ, then per request out = x or 1 - x. */
static int run_comparisons(nl_ctx *ctx, void *arg)
{
    const cmp_group *g = arg;
    size_t total = 0;
    for (size_t i = 0; i < g->count; i++)
        if (in_group(g, &g->reqs[i]))
            total += g->reqs[i].count;
    uint8_t *d = nl_sh_alloc(ctx, total), *res = nl_sh_alloc(ctx, total);
    int rc = 0;
    if (!d || !res) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for %zu comparisons", total);
        goto done;
    }
    size_t off = 0;
    for (size_t i = 0; i < g->count && rc == 0; i++) {
        stoffel_mpc_request *r = &g->reqs[i];
        if (!in_group(g, r))
            continue;
        /* a < b = [a - b < 0], a > b = [b - a < 0], a <= b = 1 - [b - a < 0], a >= b = 1 - [a - b < 0] */
        int swap = r->kind == STOFFEL_MPC_OP_GT || r->kind == STOFFEL_MPC_OP_LE;
        rc = nl_sub(ctx, swap ? r->b : r->a, swap ? r->a : r->b, NL_SH(ctx, d, off), r->count);
        off += r->count;
    }
    if (rc)
        goto done;
    /* Differences of two N-bit values (signed or unsigned) are signed (N + 1)-bit values. */
    rc = g->ltz ? nl_ltz(ctx, d, g->bits + 1, total, res) : nl_eqz(ctx, d, g->bits + 1, total, res);
    off = 0;
    for (size_t i = 0; i < g->count && rc == 0; i++) {
        stoffel_mpc_request *r = &g->reqs[i];
        if (!in_group(g, r))
            continue;
        int negate = r->kind == STOFFEL_MPC_OP_LE || r->kind == STOFFEL_MPC_OP_GE ||
                     r->kind == STOFFEL_MPC_OP_NE;
        if (negate)
            rc = nl_const_sub(ctx, ctx->one, NL_SH(ctx, res, off), r->out, r->count);
        else
            memcpy(r->out, NL_SH(ctx, res, off), r->count * ctx->ss);
        off += r->count;
    }
done:
    nl_sh_free(ctx, d, total);
    nl_sh_free(ctx, res, total);
    return rc;
}

static int run_one(nl_ctx *ctx, void *arg)
{
    stoffel_mpc_request *r = arg;
    size_t n = r->count;
    int rc = 0;
    uint8_t *other = NULL;
    switch (r->kind) {
    case STOFFEL_MPC_OP_RANDOM_BIT:
        return nl_random_bits(ctx, r->out, n);
    case STOFFEL_MPC_OP_RANDOM_INT:
        return nl_random_ints(ctx, r->bits, r->out, n);
    case STOFFEL_MPC_OP_TRUNC:
        return nl_trunc(ctx, r->a, r->bits, r->shift, n, r->out);
    case STOFFEL_MPC_OP_TRUNC_PR:
        return nl_trunc_pr(ctx, r->a, r->bits, r->shift, n, r->out);
    case STOFFEL_MPC_OP_DIV:
    case STOFFEL_MPC_OP_REM:
    case STOFFEL_MPC_OP_DIV_PUBLIC:
    case STOFFEL_MPC_OP_REM_PUBLIC: {
        int is_div = r->kind == STOFFEL_MPC_OP_DIV || r->kind == STOFFEL_MPC_OP_DIV_PUBLIC;
        int pub = r->kind == STOFFEL_MPC_OP_DIV_PUBLIC || r->kind == STOFFEL_MPC_OP_REM_PUBLIC;
        other = nl_sh_alloc(ctx, n);
        if (!other)
            return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        uint8_t *q = is_div ? r->out : other, *rem = is_div ? other : r->out;
        rc = pub ? nl_div_public(ctx, r->a, r->b, r->bits, r->is_signed, n, q, rem)
                 : nl_div_secret(ctx, r->a, r->b, r->bits, r->is_signed, n, q, rem);
        nl_sh_free(ctx, other, n);
        return rc;
    }
    case STOFFEL_MPC_OP_FIXED_DIV:
        return nl_fixed_div(ctx, r->a, r->b, r->bits, r->shift, n, r->out);
    case STOFFEL_MPC_OP_FIXED_MUL:
        return nl_fixed_mul(ctx, r->a, r->b, r->bits, r->shift, n, r->out);
    case STOFFEL_MPC_OP_SELECT:
        return nl_select(ctx, r->a, r->b, r->b + n * ctx->ss, n, r->out);
    case STOFFEL_MPC_OP_MIN:
    case STOFFEL_MPC_OP_MAX:
        return nl_min_max(ctx, r->a, r->b, r->bits, r->kind == STOFFEL_MPC_OP_MAX, n, r->out);
    case STOFFEL_MPC_OP_ABS:
        return nl_abs(ctx, r->a, r->bits, n, r->out);
    case STOFFEL_MPC_OP_SIGN:
        return nl_sign(ctx, r->a, r->bits, n, r->out);
    case STOFFEL_MPC_OP_BIT_DECOMPOSE:
        return nl_bit_decompose(ctx, r->a, r->bits, n, r->out);
    case STOFFEL_MPC_OP_BIT_COMPOSE:
        return nl_bit_compose(ctx, r->a, r->bits, n, r->out);
    default:
        return nl_fail(ctx, STOFFEL_ERR_UNSUPPORTED, "MPC operation %d is not a nonlinear protocol",
                       (int)r->kind);
    }
}

/* Splits a batch into independent jobs: one per comparison group (kind family and width), one
 * per other request. */
static size_t plan_jobs(stoffel_mpc_request *reqs, size_t count, cmp_group *groups, nl_job_fn *fns,
                        void **args)
{
    size_t njobs = 0, ngroups = 0;
    for (size_t i = 0; i < count; i++) {
        stoffel_mpc_request *r = &reqs[i];
        if (r->count == 0)
            continue;
        if (is_ltz_family(r->kind) || is_eqz_family(r->kind)) {
            int ltz = is_ltz_family(r->kind), seen = 0;
            for (size_t g = 0; g < ngroups && !seen; g++)
                seen = groups[g].ltz == ltz && groups[g].bits == r->bits;
            if (seen)
                continue;
            groups[ngroups] = (cmp_group){reqs, count, r->bits, ltz};
            fns[njobs] = run_comparisons;
            args[njobs++] = &groups[ngroups++];
        } else {
            fns[njobs] = run_one;
            args[njobs++] = r;
        }
    }
    return njobs;
}

int nonlinear_execute_batch(stoffel_mpc_engine *engine, stoffel_mpc_request *core, size_t ncore,
                            stoffel_mpc_request *requests, size_t count, nonlinear_cost *cost,
                            char *msg, size_t msg_len)
{
    if (msg && msg_len)
        msg[0] = '\0';
    if (!engine || (count && !requests) || (ncore && !core)) {
        if (msg && msg_len)
            snprintf(msg, msg_len, "nonlinear_execute: engine or requests is NULL");
        return STOFFEL_ERR_INVALID_ARG;
    }
    nl_ctx ctx;
    int rc = nl_ctx_init(&ctx, engine, cost, msg, msg_len);
    if (rc) {
        nl_ctx_clear(&ctx);
        return nl_fail(&ctx, rc, "out of memory");
    }
    cmp_group *groups = calloc(count ? count : 1, sizeof *groups);
    nl_job_fn *fns = calloc(count ? count : 1, sizeof *fns);
    void **args = calloc(count ? count : 1, sizeof *args);
    if (!groups || !fns || !args) {
        rc = nl_fail(&ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* every request is checked before anything runs: a bad one fails the batch untouched */
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = validate(&ctx, i, &requests[i]);
    if (rc)
        goto out;
    size_t njobs = plan_jobs(requests, count, groups, fns, args);
    if (njobs == 1 && ncore == 0) {
        rc = fns[0](&ctx, args[0]); /* alone: no merging needed */
    } else if (njobs == 0) {
        rc = ncore ? stoffel_mpc_engine_execute(engine, core, ncore) : 0;
        if (rc)
            nl_fail(&ctx, rc, "%s", stoffel_mpc_engine_last_error(engine));
        else if (ncore && cost)
            cost->rounds++;
    } else {
        rc = nl_run_concurrent(&ctx, fns, args, njobs, core, ncore);
    }
out:
    free(groups);
    free(fns);
    free(args);
    nl_ctx_clear(&ctx);
    return rc;
}

int nonlinear_execute_counted(stoffel_mpc_engine *engine, stoffel_mpc_request *requests,
                              size_t count, nonlinear_cost *cost, char *msg, size_t msg_len)
{
    return nonlinear_execute_batch(engine, NULL, 0, requests, count, cost, msg, msg_len);
}

int nonlinear_execute(stoffel_mpc_engine *engine, stoffel_mpc_request *requests, size_t count,
                      char *msg, size_t msg_len)
{
    return nonlinear_execute_counted(engine, requests, count, NULL, msg, msg_len);
}

int nonlinear_fill_material(stoffel_mpc_engine *engine, const stoffel_mpc_material *amounts,
                            nonlinear_cost *cost, char *msg, size_t msg_len)
{
    if (msg && msg_len)
        msg[0] = '\0';
    nl_ctx ctx;
    int rc = nl_ctx_init(&ctx, engine, cost, msg, msg_len);
    if (rc) {
        rc = nl_fail(&ctx, rc, "out of memory");
        nl_ctx_clear(&ctx);
        return rc;
    }
    uint64_t bits = amounts->random_bits;
    for (unsigned w = 1; w < STOFFEL_MPC_MASK_WIDTHS && rc == 0; w++)
        if (amounts->masks[w]) {
            rc = nl_fill_material(&ctx, bits, w, amounts->masks[w]);
            bits = 0;
        }
    if (rc == 0 && bits)
        rc = nl_fill_material(&ctx, bits, 0, 0);
    for (unsigned L = 1; L < STOFFEL_MPC_MASK_WIDTHS && rc == 0; L++)
        if (amounts->prefix_chains[L])
            rc = nl_fill_prefix_masks(&ctx, L, amounts->prefix_chains[L]);
    nl_ctx_clear(&ctx);
    return rc;
}
