/*
 * engine_ops.c - an engine built from a host's table of callbacks (stoffel_mpc_engine_new_from_ops).
 * The generic layer (engine.c) still routes nonlinear requests to src/nonlinear, which issue
 * core MUL / OPEN / RANDOM requests back through the host's execute callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

typedef struct {
    stoffel_mpc_engine base;
    stoffel_mpc_engine_ops ops;
} ops_engine;

static ops_engine *OE(stoffel_mpc_engine *e) { return (ops_engine *)e; }
static const ops_engine *COE(const stoffel_mpc_engine *e) { return (const ops_engine *)e; }

/* Wraps a callback's status with the host's message. */
static int host_status(ops_engine *o, int rc, const char *what)
{
    if (rc == 0)
        return 0;
    const char *msg = o->ops.last_error ? o->ops.last_error(o->ops.user_data) : NULL;
    return engine_fail(&o->base, rc, "host engine %s: %s", what, msg && msg[0] ? msg : stoffel_mpc_strerror(rc));
}

static int ops_supports(const stoffel_mpc_engine *e, stoffel_mpc_op_kind kind)
{
    const ops_engine *o = COE(e);
    if (o->ops.supports)
        return o->ops.supports(o->ops.user_data, kind) ? 1 : 0;
    return kind == STOFFEL_MPC_OP_MUL || kind == STOFFEL_MPC_OP_OPEN || kind == STOFFEL_MPC_OP_RANDOM;
}

static int ops_share_public(stoffel_mpc_engine *e, const uint8_t *v, uint8_t *out, size_t count)
{
    ops_engine *o = OE(e);
    return host_status(o, o->ops.share_public(o->ops.user_data, v, out, count), "share_public");
}

static int ops_add(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    ops_engine *o = OE(e);
    return host_status(o, o->ops.add(o->ops.user_data, a, b, out, count), "add");
}

static int ops_sub(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    ops_engine *o = OE(e);
    return host_status(o, o->ops.sub(o->ops.user_data, a, b, out, count), "sub");
}

static int ops_neg(stoffel_mpc_engine *e, const uint8_t *a, uint8_t *out, size_t count)
{
    ops_engine *o = OE(e);
    return host_status(o, o->ops.neg(o->ops.user_data, a, out, count), "neg");
}

static int ops_add_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count)
{
    ops_engine *o = OE(e);
    return host_status(o, o->ops.add_public(o->ops.user_data, a, c, out, count), "add_public");
}

static int ops_mul_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count)
{
    ops_engine *o = OE(e);
    return host_status(o, o->ops.mul_public(o->ops.user_data, a, c, out, count), "mul_public");
}

static int ops_execute(stoffel_mpc_engine *e, stoffel_mpc_request *req, size_t count)
{
    ops_engine *o = OE(e);
    return host_status(o, o->ops.execute(o->ops.user_data, req, count), "execute");
}

static size_t ops_client_count(const stoffel_mpc_engine *e)
{
    const ops_engine *o = COE(e);
    return o->ops.client_count ? o->ops.client_count(o->ops.user_data) : 0;
}

static int ops_client_id(const stoffel_mpc_engine *e, size_t idx, uint64_t *id)
{
    const ops_engine *o = COE(e);
    return o->ops.client_id ? o->ops.client_id(o->ops.user_data, idx, id) : STOFFEL_ERR_NOT_FOUND;
}

static int ops_client_input_count(const stoffel_mpc_engine *e, size_t idx, size_t *count)
{
    const ops_engine *o = COE(e);
    return o->ops.client_input_count ? o->ops.client_input_count(o->ops.user_data, idx, count)
                                     : STOFFEL_ERR_NOT_FOUND;
}

static int ops_client_input_get(stoffel_mpc_engine *e, size_t idx, size_t input, uint8_t *out)
{
    ops_engine *o = OE(e);
    if (!o->ops.client_input_get)
        return engine_fail(e, STOFFEL_ERR_NOT_FOUND, "this host engine has no client inputs");
    return host_status(o, o->ops.client_input_get(o->ops.user_data, idx, input, out), "client_input_get");
}

static void ops_fill_stats(const stoffel_mpc_engine *e, stoffel_mpc_stats *st)
{
    const ops_engine *o = COE(e);
    if (o->ops.get_stats) {
        st->struct_size = sizeof *st;
        if (o->ops.get_stats(o->ops.user_data, st) != 0)
            memset(st, 0, sizeof *st);
    }
}

static void ops_destroy(stoffel_mpc_engine *e)
{
    ops_engine *o = OE(e);
    if (o->ops.destroy)
        o->ops.destroy(o->ops.user_data);
    free(o);
}

static const engine_vtable ops_vtable = {
    "host", ops_supports, ops_share_public, ops_add, ops_sub, ops_neg, ops_add_public, ops_mul_public,
    ops_execute, ops_client_count, ops_client_id, ops_client_input_count, ops_client_input_get,
    ops_fill_stats, ops_destroy,
};

void stoffel_mpc_engine_ops_defaults(stoffel_mpc_engine_ops *ops)
{
    if (!ops)
        return;
    memset(ops, 0, sizeof *ops);
    ops->struct_size = sizeof *ops;
    ops->n = 3;
    ops->t = 1;
    ops->field = STOFFEL_MPC_FIELD_BLS12_381;
    ops->security = STOFFEL_MPC_SEMI_HONEST;
}

static int fail_new(char *buf, size_t len, int rc, const char *msg)
{
    if (buf && len)
        snprintf(buf, len, "%s", msg);
    return rc;
}

int stoffel_mpc_engine_new_from_ops(const stoffel_mpc_engine_ops *ops, stoffel_mpc_engine **out, char *error_buf,
                                    size_t error_len)
{
    if (!ops || !out)
        return fail_new(error_buf, error_len, STOFFEL_ERR_INVALID_ARG, "ops and out must not be NULL");
    *out = NULL;
    if (ops->struct_size != sizeof *ops)
        return fail_new(error_buf, error_len, STOFFEL_ERR_INVALID_ARG,
                        "stoffel_mpc_engine_ops: struct_size is wrong (initialise with stoffel_mpc_engine_ops_defaults)");
    static const char *const names[] = {"share_public", "add", "sub", "neg", "add_public", "mul_public", "execute"};
    const void *req[] = {(const void *)ops->share_public, (const void *)ops->add, (const void *)ops->sub,
                         (const void *)ops->neg, (const void *)ops->add_public, (const void *)ops->mul_public,
                         (const void *)ops->execute};
    char msg[256];
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (!req[i]) {
            snprintf(msg, sizeof msg, "stoffel_mpc_engine_ops: the required callback '%s' is NULL", names[i]);
            return fail_new(error_buf, error_len, STOFFEL_ERR_INVALID_ARG, msg);
        }
    if (ops->share_size == 0)
        return fail_new(error_buf, error_len, STOFFEL_ERR_INVALID_ARG, "stoffel_mpc_engine_ops: share_size must be > 0");
    if (ops->n == 0 || ops->party_id >= ops->n) {
        snprintf(msg, sizeof msg, "stoffel_mpc_engine_ops: party_id %u is not below n = %u", ops->party_id, ops->n);
        return fail_new(error_buf, error_len, STOFFEL_ERR_INVALID_ARG, msg);
    }
    int rc = engine_check_bound(ops->n, ops->t, ops->security, msg, sizeof msg);
    if (rc)
        return fail_new(error_buf, error_len, rc, msg);
    stoffel_mpc_field *F;
    if ((rc = stoffel_mpc_field_new(ops->field, &F)) != 0)
        return fail_new(error_buf, error_len, rc, "stoffel_mpc_engine_ops: unknown field id");
    ops_engine *o = calloc(1, sizeof *o);
    if (!o) {
        stoffel_mpc_field_free(F);
        return fail_new(error_buf, error_len, STOFFEL_ERR_NOMEM, "out of memory");
    }
    o->ops = *ops;
    o->base.vt = &ops_vtable;
    o->base.party_id = ops->party_id;
    o->base.n = ops->n;
    o->base.t = ops->t;
    o->base.security = ops->security;
    o->base.field = F;
    o->base.owned_field = F;
    o->base.share_size = ops->share_size;
    o->base.protocol_name = ops->protocol_name;
    *out = &o->base;
    return 0;
}
