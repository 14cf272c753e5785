/*
 * builtins_batch.c - whole-array builtins (spec §8.3, §8.5): Share.batch_mul, Share.batch_open and
 * Share.batch_lt, and the effect helpers they share with randomness and client output
 * (builtins_mpc.c). Each queues one effect: its request joins the next batch (with the queued
 * multiplications, openings and comparisons), so a whole array costs the rounds of one element
 * and a host driving the VM step by step (stoffel_vm_run) never blocks inside a builtin. The
 * result lands in r0 when the batch completes.
 */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"

vm_effect *bi_effect_new(vm_state *vm)
{
    vm_effect *e = vm_calloc(vm, 1, sizeof *e);
    if (!e)
        vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    return e;
}

int bi_effect_out(vm_state *vm, vm_effect *e, size_t len)
{
    e->out = vm_malloc(vm, len);
    if (!e->out)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    e->out_len = len;
    return 0;
}

int bi_collect_shares(vm_state *vm, const char *name, vm_val *args, size_t i, uint8_t **buf, size_t *n,
                      size_t *len, stoffel_vm_share_type *type)
{
    vm_table *t = table_get(vm, args[i]);
    if (!t || !t->is_array)
        return bi_type(vm, name, i, args[i], "an array of shares");
    if (t->length > VM_ITER_LIMIT)
        return vm_fail(vm, STOFFEL_ERR_LIMIT, "%s: array of length %llu is too long", name, (unsigned long long)t->length);
    *n = (size_t)t->length;
    *len = *n * vm->share_size;
    *buf = vm_malloc(vm, *len);
    if (!*buf)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < *n; k++) {
        vm_share *s = secret_unwrap(vm, array_at(t, k));
        if (!s) {
            vm_free(vm, *buf);
            *buf = NULL;
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s: element %zu is not a share", name, k);
        }
        if (k == 0 && type)
            *type = s->type;
        memcpy(*buf + k * vm->share_size, s->bytes, vm->share_size);
    }
    return 0;
}

/* A new array of n shares of type t read from packed bytes. */
static int shares_array(vm_state *vm, stoffel_vm_share_type t, const uint8_t *bytes, size_t n, vm_val *out)
{
    int rc = table_new(vm, 1, out);
    vm_table *arr = rc ? NULL : table_get(vm, *out);
    for (size_t k = 0; k < n && !rc; k++) {
        vm_val s;
        if ((rc = val_share(vm, t, bytes + k * vm->share_size, vm->share_size, &s)))
            break;
        rc = array_push(vm, arr, s);
        val_release(vm, &s);
    }
    return rc;
}

static int batch_mul_finish(vm_state *vm, vm_effect *e, vm_val *out)
{
    if (e->type.kind == STOFFEL_VM_SECRET_FIXED && e->req.kind == STOFFEL_MPC_OP_MUL) {
        /* Fixed point: the products are truncated by f in one more batch. */
        memcpy(e->a, e->out, e->n * vm->share_size);
        e->req = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_TRUNC, .count = e->n, .a = e->a, .out = e->out,
                                       .bits = e->type.bits, .shift = e->type.frac, .is_signed = 1};
        return VM_EFFECT_AGAIN;
    }
    return shares_array(vm, e->type, e->out, e->n, out);
}

/* The two share lists of a pairwise builtin (Share.batch_mul, Share.batch_lt) into e->a and
 * e->b; they must be equally long. When type is not NULL it receives the first list's share type
 * (and the second list's types are checked the same way). */
static int collect_pairs(vm_state *vm, const char *name, vm_val *args, vm_effect *e,
                         stoffel_vm_share_type *type)
{
    size_t nb = 0;
    stoffel_vm_share_type tb = {0};
    int rc = bi_collect_shares(vm, name, args, 0, &e->a, &e->n, &e->a_len, type);
    if (!rc)
        rc = bi_collect_shares(vm, name, args, 1, &e->b, &nb, &e->b_len, type ? &tb : NULL);
    if (!rc && e->n != nb)
        rc = vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "%s: arrays differ in length (%zu and %zu)", name, e->n, nb);
    return rc;
}

static int b_batch_mul(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.batch_mul", 2, 2);
    ENGINE("Share.batch_mul");
    vm_effect *e = bi_effect_new(vm);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    int rc = collect_pairs(vm, "Share.batch_mul", args, e, &e->type);
    if (!rc && e->n == 0) {
        secret_effect_free(vm, e);
        return table_new(vm, 1, out);
    }
    if (!rc)
        rc = bi_effect_out(vm, e, e->n * vm->share_size);
    if (rc) {
        secret_effect_free(vm, e);
        return rc;
    }
    e->req = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_MUL, .count = e->n, .a = e->a, .b = e->b, .out = e->out};
    e->finish = batch_mul_finish;
    return secret_enqueue_effect(vm, e, 0);
}

/* batch_open: e->b holds the share type of each element (captured at the call). */
static int batch_open_finish(vm_state *vm, vm_effect *e, vm_val *out)
{
    size_t es = stoffel_mpc_field_elem_size(stoffel_mpc_engine_field(vm->engine));
    const stoffel_vm_share_type *types = (const stoffel_vm_share_type *)(void *)e->b;
    int rc = table_new(vm, 1, out);
    vm_table *t = rc ? NULL : table_get(vm, *out);
    for (size_t k = 0; k < e->n && !rc; k++) {
        vm_share tmp = {.type = types[k]};
        vm_val v;
        if ((rc = secret_decode(vm, &tmp, e->out + k * es, &v)))
            break;
        rc = array_push(vm, t, v);
    }
    return rc;
}

static int b_batch_open(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.batch_open", 1, 1);
    ENGINE("Share.batch_open");
    vm_effect *e = bi_effect_new(vm);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    int rc = bi_collect_shares(vm, "Share.batch_open", args, 0, &e->a, &e->n, &e->a_len, NULL);
    if (!rc && e->n == 0) {
        secret_effect_free(vm, e);
        return table_new(vm, 1, out);
    }
    size_t es = stoffel_mpc_field_elem_size(stoffel_mpc_engine_field(vm->engine));
    if (!rc)
        rc = bi_effect_out(vm, e, e->n * es);
    if (!rc && !(e->b = vm_malloc(vm, e->n * sizeof(stoffel_vm_share_type))))
        rc = vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    if (rc) {
        secret_effect_free(vm, e);
        return rc;
    }
    e->b_len = e->n * sizeof(stoffel_vm_share_type);
    vm_table *in = table_get(vm, args[0]);
    for (size_t k = 0; k < e->n; k++)
        ((stoffel_vm_share_type *)(void *)e->b)[k] = secret_unwrap(vm, array_at(in, k))->type;
    e->req = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_OPEN, .count = e->n, .a = e->a, .out = e->out};
    e->finish = batch_open_finish;
    return secret_enqueue_effect(vm, e, 0);
}

/* batch_lt: the comparison results are 1-bit shares. */
static int batch_lt_finish(vm_state *vm, vm_effect *e, vm_val *out)
{
    stoffel_vm_share_type bit = {STOFFEL_VM_SECRET_INT, 1, 0};
    return shares_array(vm, bit, e->out, e->n, out);
}

/* The comparison width of the pairs of xs and ys (arrays of the same length, shares checked by
 * bi_collect_shares): each pair's type follows Share.lt; one request needs one signedness and
 * one fixed-point precision, and takes the widest pair's width (exact for the narrower ones). */
static int batch_lt_type(vm_state *vm, vm_table *xs, vm_table *ys, size_t n, stoffel_vm_share_type *t)
{
    for (size_t k = 0; k < n; k++) {
        stoffel_vm_share_type tk;
        int rc = bi_compare_type(vm, "Share.batch_lt", &secret_unwrap(vm, array_at(xs, k))->type,
                                 &secret_unwrap(vm, array_at(ys, k))->type, &tk);
        if (rc)
            return rc;
        if (k == 0) {
            *t = tk;
            continue;
        }
        int fixed = tk.kind == STOFFEL_VM_SECRET_FIXED, fixed0 = t->kind == STOFFEL_VM_SECRET_FIXED;
        if ((tk.kind == STOFFEL_VM_SECRET_UINT) != (t->kind == STOFFEL_VM_SECRET_UINT) || fixed != fixed0 ||
            (fixed && tk.frac != t->frac))
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE,
                           "Share.batch_lt: pair %zu has another kind of share than pair 0 (signed, unsigned and "
                           "fixed-point values need separate calls)", k);
        if (tk.bits > t->bits)
            t->bits = tk.bits;
    }
    return 0;
}

static int b_batch_lt(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.batch_lt", 2, 2);
    ENGINE("Share.batch_lt");
    vm_effect *e = bi_effect_new(vm);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    stoffel_vm_share_type t = {0};
    int rc = collect_pairs(vm, "Share.batch_lt", args, e, NULL);
    if (!rc && e->n == 0) {
        secret_effect_free(vm, e);
        return table_new(vm, 1, out);
    }
    if (!rc)
        rc = batch_lt_type(vm, table_get(vm, args[0]), table_get(vm, args[1]), e->n, &t);
    if (!rc)
        rc = bi_effect_out(vm, e, e->n * vm->share_size);
    if (rc) {
        secret_effect_free(vm, e);
        return rc;
    }
    e->req = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_LT, .count = e->n, .a = e->a, .b = e->b, .out = e->out,
                                   .bits = t.bits > 64 ? 64 : t.bits,
                                   .shift = t.kind == STOFFEL_VM_SECRET_FIXED ? t.frac : 0,
                                   .is_signed = t.kind != STOFFEL_VM_SECRET_UINT};
    e->finish = batch_lt_finish;
    return secret_enqueue_effect(vm, e, 0);
}

int register_batch_builtins(vm_state *vm)
{
    int rc = vm_register_method(vm, "Share.batch_mul", b_batch_mul, NULL);
    if (!rc)
        rc = vm_register_method(vm, "Share.batch_open", b_batch_open, NULL);
    if (!rc)
        rc = vm_register_method(vm, "Share.batch_lt", b_batch_lt, NULL);
    return rc;
}
