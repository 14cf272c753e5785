/*
 * material_demand.c - how many random bits and masks a request takes
 * (stoffel_mpc_engine_material_demand), measured rather than tabulated: the request runs once,
 * with count 1, on a private engine that computes in the clear (a share is the value itself) and
 * has the target engine's field, n, t, kappa and kind of randomness; its pool records what the
 * protocols asked for, and the answer is that times the request's count. Every protocol takes
 * material in proportion to its count, and which material it takes depends only on the shape
 * measured here, so the figure is exact, and it stays exact when a protocol changes.
 *
 * The clear engine is built from host callbacks (stoffel_mpc_engine_new_from_ops); its
 * randomness is not secret (nothing it computes is), only well-formed.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine_internal.h"
#include "nonlinear/nonlinear.h"

typedef struct {
    const stoffel_mpc_field *field;
    size_t es;
    unsigned fbits;
    uint32_t t;
    int dealt;
    uint8_t *minus_one;
} clear_ctx;

static int clear_share_public(void *u, const uint8_t *v, uint8_t *out, size_t count)
{
    memmove(out, v, count * ((clear_ctx *)u)->es);
    return 0;
}

static int clear_add(void *u, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    return stoffel_mpc_field_add_vec(((clear_ctx *)u)->field, a, b, out, count);
}

static int clear_sub(void *u, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    return stoffel_mpc_field_sub_vec(((clear_ctx *)u)->field, a, b, out, count);
}

static int clear_neg(void *u, const uint8_t *a, uint8_t *out, size_t count)
{
    clear_ctx *c = u;
    return stoffel_mpc_field_scale_vec(c->field, a, c->minus_one, out, count);
}

static int clear_mul(void *u, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    return stoffel_mpc_field_mul_vec(((clear_ctx *)u)->field, a, b, out, count);
}

/* Random integers below 2^bits as canonical elements (bits < field bits, so all are below p). */
static void clear_random_ints(const clear_ctx *c, unsigned bits, uint8_t *out, size_t count)
{
    randombytes_buf(out, count * c->es);
    for (size_t k = 0; k < count; k++) {
        uint8_t *el = out + k * c->es;
        for (size_t byte = 0; byte < c->es; byte++) {
            size_t low = byte * 8;
            if (low >= bits)
                el[byte] = 0;
            else if (low + 8 > bits)
                el[byte] &= (uint8_t)((1u << (bits - low)) - 1);
        }
    }
}

static int clear_execute(void *u, stoffel_mpc_request *req, size_t count)
{
    clear_ctx *c = u;
    for (size_t i = 0; i < count; i++) {
        stoffel_mpc_request *r = &req[i];
        switch (r->kind) {
        case STOFFEL_MPC_OP_MUL:
        case STOFFEL_MPC_OP_MUL_RESHARE: {
            int rc = clear_mul(c, r->a, r->b, r->out, r->count);
            if (rc)
                return rc;
            break;
        }
        case STOFFEL_MPC_OP_OPEN:
            memmove(r->out, r->a, r->count * c->es);
            break;
        case STOFFEL_MPC_OP_RANDOM:
            clear_random_ints(c, c->fbits - 1, r->out, r->count);
            break;
        case STOFFEL_MPC_OP_DEALT_RANDOM:
            clear_random_ints(c, r->bits, r->out, ((size_t)c->t + 1) * r->count);
            break;
        default:
            return STOFFEL_ERR_UNSUPPORTED;
        }
    }
    return 0;
}

static int clear_supports(void *u, stoffel_mpc_op_kind kind)
{
    const clear_ctx *c = u;
    if (kind == STOFFEL_MPC_OP_MUL || kind == STOFFEL_MPC_OP_OPEN || kind == STOFFEL_MPC_OP_RANDOM)
        return 1;
    return c->dealt && (kind == STOFFEL_MPC_OP_MUL_RESHARE || kind == STOFFEL_MPC_OP_DEALT_RANDOM);
}

/* A clear engine shaped like e. */
static int clear_engine_like(stoffel_mpc_engine *e, clear_ctx *c, stoffel_mpc_engine **out)
{
    memset(c, 0, sizeof *c);
    c->field = e->field;
    c->es = stoffel_mpc_field_elem_size(e->field);
    c->fbits = stoffel_mpc_field_bits(e->field);
    c->t = e->t;
    c->dealt = engine_deals_randomness(e);
    if (!(c->minus_one = malloc(c->es)))
        return STOFFEL_ERR_NOMEM;
    stoffel_mpc_field_from_i64(e->field, -1, c->minus_one);
    stoffel_mpc_engine_ops ops;
    stoffel_mpc_engine_ops_defaults(&ops);
    ops.n = e->n;
    ops.t = e->t;
    ops.security = STOFFEL_MPC_SEMI_HONEST; /* the bound n >= 2t+1 holds for every engine */
    ops.field = stoffel_mpc_field_get_id(e->field);
    ops.share_size = c->es;
    ops.protocol_name = "clear (demand measurement)";
    ops.user_data = c;
    ops.share_public = clear_share_public;
    ops.add = clear_add;
    ops.sub = clear_sub;
    ops.neg = clear_neg;
    ops.add_public = clear_add;
    ops.mul_public = clear_mul;
    ops.execute = clear_execute;
    ops.supports = clear_supports;
    int rc = stoffel_mpc_engine_new_from_ops(&ops, out, NULL, 0);
    if (rc == 0)
        rc = stoffel_mpc_engine_set_kappa(*out, stoffel_mpc_engine_kappa(e));
    return rc;
}

int stoffel_mpc_engine_material_demand(stoffel_mpc_engine *e, const stoffel_mpc_request *requests, size_t count,
                                       stoffel_mpc_material *out)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    e->last_error[0] = 0;
    if (!out || out->struct_size != sizeof *out || (count && !requests))
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG,
                           "material_demand: out must be a stoffel_mpc_material with its struct_size set, and "
                           "requests non-NULL when count > 0");
    memset((uint8_t *)out + sizeof(size_t), 0, sizeof *out - sizeof(size_t));
    clear_ctx c;
    stoffel_mpc_engine *clear = NULL;
    int rc = clear_engine_like(e, &c, &clear);
    /* operands for one element of any kind: bit decomposition writes `bits` shares, SELECT
     * reads two; every operand is 1 (a valid bit, divisor and value at every width) */
    const size_t elems = 2 * (size_t)STOFFEL_MPC_MASK_WIDTHS + 2;
    uint8_t *a = rc ? NULL : malloc(elems * c.es), *b = rc ? NULL : malloc(elems * c.es);
    uint8_t *res = rc ? NULL : malloc(elems * c.es);
    if (rc == 0 && (!a || !b || !res))
        rc = STOFFEL_ERR_NOMEM;
    for (size_t k = 0; rc == 0 && k < elems; k++) {
        stoffel_mpc_field_from_i64(e->field, 1, a + k * c.es);
        memcpy(b + k * c.es, a + k * c.es, c.es);
    }
    if (rc)
        engine_fail(e, rc, "material_demand: %s", rc == STOFFEL_ERR_NOMEM ? "out of memory" : stoffel_mpc_strerror(rc));
    material_pool *pool = rc ? NULL : nonlinear_material_pool(clear);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (requests[i].count == 0 || engine_is_core_kind(requests[i].kind))
            continue;
        stoffel_mpc_request one = requests[i];
        one.count = 1;
        one.a = a;
        one.b = b;
        one.out = res;
        pool->asked_bits = 0;
        memset(pool->asked_masks, 0, sizeof pool->asked_masks);
        memset(pool->asked_chains, 0, sizeof pool->asked_chains);
        if ((rc = stoffel_mpc_engine_execute(clear, &one, 1)) != 0) {
            engine_fail(e, rc, "request %zu: %s", i, stoffel_mpc_engine_last_error(clear));
            break;
        }
        out->random_bits += pool->asked_bits * requests[i].count;
        for (size_t w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++) {
            out->masks[w] += pool->asked_masks[w] * requests[i].count;
            out->prefix_chains[w] += pool->asked_chains[w] * requests[i].count;
        }
    }
    stoffel_mpc_engine_free(clear);
    free(c.minus_one);
    free(a);
    free(b);
    free(res);
    return rc;
}
