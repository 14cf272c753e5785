/*
 * engine.c - the public engine API: argument checks, error messages, and the split of a request
 * batch between the engine's own protocols (MUL, OPEN, RANDOM, OUTPUT) and the nonlinear protocols
 * (src/nonlinear), which are written over this same API and may call execute() re-entrantly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine_internal.h"
#include "nonlinear/nonlinear.h"

int engine_fail(stoffel_mpc_engine *e, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->last_error, sizeof e->last_error, fmt, ap);
    va_end(ap);
    return status;
}

int engine_check_bound(uint32_t n, uint32_t t, stoffel_mpc_security security, char *msg, size_t msg_len)
{
    if (security == STOFFEL_MPC_ROBUST) {
        if ((uint64_t)n < 3 * (uint64_t)t + 1) {
            snprintf(msg, msg_len,
                     "robust mode needs n >= 3t+1 parties (got n = %u, t = %u; with t = %u use n >= %u, or semi-honest mode with n >= 2t+1)",
                     n, t, t, 3 * t + 1);
            return STOFFEL_MPC_ERR_BOUND;
        }
    } else if ((uint64_t)n < 2 * (uint64_t)t + 1) {
        snprintf(msg, msg_len,
                 "semi-honest mode needs an honest majority, n >= 2t+1 parties (got n = %u, t = %u; with t = %u use n >= %u)",
                 n, t, t, 2 * t + 1);
        return STOFFEL_MPC_ERR_BOUND;
    }
    return 0;
}

int engine_is_core_kind(stoffel_mpc_op_kind k)
{
    return k == STOFFEL_MPC_OP_MUL || k == STOFFEL_MPC_OP_OPEN || k == STOFFEL_MPC_OP_RANDOM ||
           k == STOFFEL_MPC_OP_OUTPUT || k == STOFFEL_MPC_OP_MUL_RESHARE ||
           k == STOFFEL_MPC_OP_DEALT_RANDOM;
}

int engine_deals_randomness(const stoffel_mpc_engine *e)
{
    return e->vt->supports(e, STOFFEL_MPC_OP_MUL_RESHARE) && e->vt->supports(e, STOFFEL_MPC_OP_DEALT_RANDOM);
}

uint32_t stoffel_mpc_engine_party_id(const stoffel_mpc_engine *e) { return e->party_id; }
uint32_t stoffel_mpc_engine_n(const stoffel_mpc_engine *e) { return e->n; }
uint32_t stoffel_mpc_engine_t(const stoffel_mpc_engine *e) { return e->t; }
stoffel_mpc_security stoffel_mpc_engine_security(const stoffel_mpc_engine *e) { return e->security; }
const stoffel_mpc_field *stoffel_mpc_engine_field(const stoffel_mpc_engine *e) { return e->field; }
const char *stoffel_mpc_engine_protocol_name(const stoffel_mpc_engine *e)
{
    return e->protocol_name ? e->protocol_name : e->vt->protocol_name;
}
size_t stoffel_mpc_engine_share_size(const stoffel_mpc_engine *e) { return e->share_size; }

int stoffel_mpc_engine_supports(const stoffel_mpc_engine *e, stoffel_mpc_op_kind kind)
{
    if (!e || (int)kind < 0 || kind >= STOFFEL_MPC_OP_KIND_COUNT)
        return 0;
    if (engine_is_core_kind(kind))
        return e->vt->supports(e, kind);
    return nonlinear_supports(kind);
}

#define CHECK_BUFS(e, cond)                                                                        \
    do {                                                                                           \
        if (!(e))                                                                                  \
            return STOFFEL_ERR_INVALID_ARG;                                                        \
        (e)->last_error[0] = 0;                                                                    \
        if (!(cond))                                                                               \
            return engine_fail((e), STOFFEL_ERR_INVALID_ARG, "%s: NULL buffer with a non-zero count", __func__); \
    } while (0)

int stoffel_mpc_engine_share_public(stoffel_mpc_engine *e, const uint8_t *values, uint8_t *out, size_t count)
{
    CHECK_BUFS(e, count == 0 || (values && out));
    return e->vt->share_public(e, values, out, count);
}

int stoffel_mpc_engine_add(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    CHECK_BUFS(e, count == 0 || (a && b && out));
    return e->vt->add(e, a, b, out, count);
}

int stoffel_mpc_engine_sub(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    CHECK_BUFS(e, count == 0 || (a && b && out));
    return e->vt->sub(e, a, b, out, count);
}

int stoffel_mpc_engine_neg(stoffel_mpc_engine *e, const uint8_t *a, uint8_t *out, size_t count)
{
    CHECK_BUFS(e, count == 0 || (a && out));
    return e->vt->neg(e, a, out, count);
}

int stoffel_mpc_engine_add_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out,
                                  size_t count)
{
    CHECK_BUFS(e, count == 0 || (a && c && out));
    return e->vt->add_public(e, a, c, out, count);
}

int stoffel_mpc_engine_mul_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out,
                                  size_t count)
{
    CHECK_BUFS(e, count == 0 || (a && c && out));
    return e->vt->mul_public(e, a, c, out, count);
}

/* Operands each request kind reads and writes (mpc.h documents the conventions): the one table
 * check_request reads, so a malformed request is refused here with a message, never crashes. */
enum { NEEDS_A = 1, NEEDS_B = 2, NEEDS_OUT = 4 };
static const struct {
    const char *name;
    unsigned needs;
    const char *b_is; /* what operand b holds, for the message */
} kind_info[STOFFEL_MPC_OP_KIND_COUNT] = {
    [STOFFEL_MPC_OP_MUL] = {"MUL", NEEDS_A | NEEDS_B | NEEDS_OUT, "the second factors"},
    [STOFFEL_MPC_OP_OPEN] = {"OPEN", NEEDS_A | NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_RANDOM] = {"RANDOM", NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_RANDOM_BIT] = {"RANDOM_BIT", NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_RANDOM_INT] = {"RANDOM_INT", NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_LT] = {"LT", NEEDS_A | NEEDS_B | NEEDS_OUT, "the right-hand operands"},
    [STOFFEL_MPC_OP_LE] = {"LE", NEEDS_A | NEEDS_B | NEEDS_OUT, "the right-hand operands"},
    [STOFFEL_MPC_OP_GT] = {"GT", NEEDS_A | NEEDS_B | NEEDS_OUT, "the right-hand operands"},
    [STOFFEL_MPC_OP_GE] = {"GE", NEEDS_A | NEEDS_B | NEEDS_OUT, "the right-hand operands"},
    [STOFFEL_MPC_OP_EQ] = {"EQ", NEEDS_A | NEEDS_B | NEEDS_OUT, "the right-hand operands"},
    [STOFFEL_MPC_OP_NE] = {"NE", NEEDS_A | NEEDS_B | NEEDS_OUT, "the right-hand operands"},
    [STOFFEL_MPC_OP_DIV] = {"DIV", NEEDS_A | NEEDS_B | NEEDS_OUT, "the divisors"},
    [STOFFEL_MPC_OP_REM] = {"REM", NEEDS_A | NEEDS_B | NEEDS_OUT, "the divisors"},
    [STOFFEL_MPC_OP_DIV_PUBLIC] = {"DIV_PUBLIC", NEEDS_A | NEEDS_B | NEEDS_OUT, "the public divisors"},
    [STOFFEL_MPC_OP_REM_PUBLIC] = {"REM_PUBLIC", NEEDS_A | NEEDS_B | NEEDS_OUT, "the public divisors"},
    [STOFFEL_MPC_OP_TRUNC] = {"TRUNC", NEEDS_A | NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_TRUNC_PR] = {"TRUNC_PR", NEEDS_A | NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_FIXED_DIV] = {"FIXED_DIV", NEEDS_A | NEEDS_B | NEEDS_OUT, "the divisors"},
    [STOFFEL_MPC_OP_OUTPUT] = {"OUTPUT", NEEDS_A, NULL},
    [STOFFEL_MPC_OP_FIXED_MUL] = {"FIXED_MUL", NEEDS_A | NEEDS_B | NEEDS_OUT, "the second factors"},
    [STOFFEL_MPC_OP_SELECT] = {"SELECT", NEEDS_A | NEEDS_B | NEEDS_OUT,
                               "the then values followed by the else values"},
    [STOFFEL_MPC_OP_MIN] = {"MIN", NEEDS_A | NEEDS_B | NEEDS_OUT, "the second operands"},
    [STOFFEL_MPC_OP_MAX] = {"MAX", NEEDS_A | NEEDS_B | NEEDS_OUT, "the second operands"},
    [STOFFEL_MPC_OP_ABS] = {"ABS", NEEDS_A | NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_SIGN] = {"SIGN", NEEDS_A | NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_BIT_DECOMPOSE] = {"BIT_DECOMPOSE", NEEDS_A | NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_BIT_COMPOSE] = {"BIT_COMPOSE", NEEDS_A | NEEDS_OUT, NULL},
    [STOFFEL_MPC_OP_MUL_RESHARE] = {"MUL_RESHARE", NEEDS_A | NEEDS_B | NEEDS_OUT, "the second factors"},
    [STOFFEL_MPC_OP_DEALT_RANDOM] = {"DEALT_RANDOM", NEEDS_OUT, NULL},
};

static int check_request(stoffel_mpc_engine *e, const stoffel_mpc_request *r, size_t i)
{
    if ((int)r->kind < 0 || r->kind >= STOFFEL_MPC_OP_KIND_COUNT || !kind_info[r->kind].name)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG,
                           "request %zu: unknown kind %d (valid kinds are 0..%d, see stoffel_mpc_op_kind)", i,
                           (int)r->kind, (int)STOFFEL_MPC_OP_KIND_COUNT - 1);
    if (r->count == 0)
        return 0;
    unsigned needs = kind_info[r->kind].needs;
    const char *name = kind_info[r->kind].name;
    if ((needs & NEEDS_A) && !r->a)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "request %zu (%s): operand a is NULL with count %zu", i,
                           name, r->count);
    if ((needs & NEEDS_B) && !r->b)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "request %zu (%s): operand b (%s) is NULL with count %zu",
                           i, name, kind_info[r->kind].b_is, r->count);
    if ((needs & NEEDS_OUT) && !r->out)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "request %zu (%s): output buffer out is NULL with count %zu",
                           i, name, r->count);
    if (r->kind == STOFFEL_MPC_OP_DEALT_RANDOM) {
        unsigned fbits = stoffel_mpc_field_bits(e->field);
        if (r->bits < 1 || r->bits + 2 > fbits)
            return engine_fail(e, STOFFEL_ERR_INVALID_ARG,
                               "request %zu (DEALT_RANDOM): bits = %u is out of range: use 1..%u for the %u-bit field %s",
                               i, r->bits, fbits - 2, fbits, stoffel_mpc_field_name(e->field));
    }
    return 0;
}

int stoffel_mpc_engine_execute(stoffel_mpc_engine *e, stoffel_mpc_request *requests, size_t count)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    e->last_error[0] = 0;
    if (count == 0)
        return 0;
    if (!requests)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "execute: NULL request array");
    size_t ncore = 0, nnon = 0;
    for (size_t i = 0; i < count; i++) {
        int rc = check_request(e, &requests[i], i);
        if (rc)
            return rc;
        if (engine_is_core_kind(requests[i].kind)) {
            if (!e->vt->supports(e, requests[i].kind))
                return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "request %zu: this engine cannot serve kind %d",
                                   i, (int)requests[i].kind);
            ncore++;
        } else {
            if (!nonlinear_supports(requests[i].kind))
                return engine_fail(e, STOFFEL_ERR_UNSUPPORTED,
                                   "request %zu: MPC operation kind %d is not supported by this build yet", i,
                                   (int)requests[i].kind);
            nnon++;
        }
    }
    if (nnon == 0)
        return e->vt->execute(e, requests, count);
    stoffel_mpc_request *core = ncore ? malloc(ncore * sizeof *core) : NULL;
    stoffel_mpc_request *non = malloc(nnon * sizeof *non);
    if ((ncore && !core) || !non) {
        free(core);
        free(non);
        return engine_fail(e, STOFFEL_ERR_NOMEM, "execute: out of memory");
    }
    size_t ic = 0, in = 0;
    for (size_t i = 0; i < count; i++) {
        if (engine_is_core_kind(requests[i].kind))
            core[ic++] = requests[i];
        else
            non[in++] = requests[i];
    }
    /* one batch: the core requests join the first round of the nonlinear protocols, and
     * independent nonlinear requests share rounds (nonlinear_execute_batch) */
    char msg[sizeof e->last_error];
    msg[0] = 0;
    nonlinear_cost cost;
    memset(&cost, 0, sizeof cost);
    int rc = nonlinear_execute_batch(e, core, ncore, non, nnon, &cost, msg, sizeof msg);
    if (rc)
        engine_fail(e, rc, "%s", msg[0] ? msg : e->last_error);
    /* the protocols' own rounds went through execute() and are in `rounds`; those that
     * generated random bits and masks are also reported as preprocessing rounds */
    e->comparisons += cost.comparisons;
    e->random_bits += cost.random_bits;
    e->nl_prep_rounds += cost.preprocessing_rounds;
    free(core);
    free(non);
    return rc;
}

size_t stoffel_mpc_engine_client_count(const stoffel_mpc_engine *e)
{
    return e ? e->vt->client_count(e) : 0;
}

int stoffel_mpc_engine_client_id(const stoffel_mpc_engine *e, size_t client_index, uint64_t *client_id)
{
    if (!e || !client_id)
        return STOFFEL_ERR_INVALID_ARG;
    return e->vt->client_id(e, client_index, client_id);
}

int stoffel_mpc_engine_client_input_count(const stoffel_mpc_engine *e, size_t client_index, size_t *count)
{
    if (!e || !count)
        return STOFFEL_ERR_INVALID_ARG;
    return e->vt->client_input_count(e, client_index, count);
}

int stoffel_mpc_engine_client_input_get(stoffel_mpc_engine *e, size_t client_index, size_t input_index,
                                        uint8_t *share_out)
{
    if (!e || !share_out)
        return STOFFEL_ERR_INVALID_ARG;
    e->last_error[0] = 0;
    return e->vt->client_input_get(e, client_index, input_index, share_out);
}

int stoffel_mpc_engine_get_stats(const stoffel_mpc_engine *e, stoffel_mpc_stats *stats)
{
    if (!e || !stats || stats->struct_size < sizeof(size_t))
        return STOFFEL_ERR_INVALID_ARG;
    stoffel_mpc_stats full;
    memset(&full, 0, sizeof full);
    e->vt->fill_stats(e, &full);
    full.comparisons += e->comparisons;
    full.random_bits_used += e->random_bits;
    /* rounds stays the total of every execute round (the nonlinear tests count on it);
     * preprocessing_rounds adds the nonlinear batches' mask-generation rounds as well */
    full.preprocessing_rounds += e->nl_prep_rounds;
    full.preprocessing_ns += e->nl_prep_ns;
    size_t n = stats->struct_size < sizeof full ? stats->struct_size : sizeof full;
    full.struct_size = stats->struct_size;
    memcpy(stats, &full, n);
    return 0;
}

const char *stoffel_mpc_engine_last_error(const stoffel_mpc_engine *e)
{
    return e ? e->last_error : "";
}

/* The masking protocols' default statistical security (spec mpc.md 6: kappa >= 40). */
#define ENGINE_KAPPA_DEFAULT 40u

uint32_t stoffel_mpc_engine_kappa(const stoffel_mpc_engine *e)
{
    return e && e->kappa ? e->kappa : ENGINE_KAPPA_DEFAULT;
}

int stoffel_mpc_engine_set_kappa(stoffel_mpc_engine *e, uint32_t kappa)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    e->last_error[0] = 0;
    if (kappa < ENGINE_KAPPA_DEFAULT)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG,
                           "kappa = %u is below the minimum statistical security of %u bits", kappa,
                           ENGINE_KAPPA_DEFAULT);
    unsigned bits = stoffel_mpc_field_bits(e->field);
    /* the narrowest masked opening (a 1-bit comparison: 2-bit differences) needs 2 + kappa + 1 < bits */
    if ((uint64_t)kappa + 3 >= bits)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG,
                           "kappa = %u does not fit field %s (%u bits): even a 1-bit comparison needs "
                           "2 + kappa + 1 = %llu < %u bits; use kappa <= %u or a larger field",
                           kappa, stoffel_mpc_field_name(e->field), bits, (unsigned long long)kappa + 3, bits,
                           bits > 4 ? bits - 4 : 0);
    e->kappa = kappa;
    return 0;
}

void stoffel_mpc_engine_free(stoffel_mpc_engine *e)
{
    if (!e)
        return;
    stoffel_mpc_field *owned = e->owned_field;
    engine_material_free(e);
    e->vt->destroy(e);
    stoffel_mpc_field_free(owned);
}

/* ---- local share algebra shared by the simulated and networked engines ---- */

void engine_wipe_free(void *p, size_t bytes)
{
    if (!p)
        return;
    sodium_memzero(p, bytes);
    free(p);
}

int engine_local_binop(stoffel_mpc_engine *e, const field *F, engine_vec_binop op, const uint8_t *a,
                       const uint8_t *b, uint8_t *out, size_t elems)
{
    if (((uintptr_t)a | (uintptr_t)b | (uintptr_t)out) % 8 == 0) {
        op(F, (uint64_t *)out, (const uint64_t *)a, (const uint64_t *)b, elems);
        return 0;
    }
    size_t bytes = elems * F->elem_size;
    uint64_t *ta = malloc(bytes ? bytes : 1), *tb = malloc(bytes ? bytes : 1);
    if (!ta || !tb) {
        free(ta);
        free(tb);
        return engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    }
    memcpy(ta, a, bytes);
    memcpy(tb, b, bytes);
    op(F, ta, ta, tb, elems);
    memcpy(out, ta, bytes);
    engine_wipe_free(ta, bytes);
    engine_wipe_free(tb, bytes);
    return 0;
}

void engine_vec_neg(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *unused, size_t count)
{
    (void)unused;
    fe_vec_neg(F, r, a, count);
}

int engine_read_public(stoffel_mpc_engine *e, const field *F, const uint8_t *bytes, size_t count,
                       uint64_t *dst, const char *what)
{
    const size_t L = F->limbs;
    for (size_t k = 0; k < count; k++)
        if (fe_from_bytes(F, dst + k * L, bytes + k * F->elem_size))
            return engine_fail(e, STOFFEL_MPC_ERR_NOT_IN_FIELD,
                               "%s: element %zu is not a canonical %s field element (value >= p)", what, k,
                               F->name);
    return 0;
}
