/*
 * builtins_mpc.c - MPC builtins (spec §8.2-8.5): Share.*, the secret comparisons and divisions,
 * Mpc.*, ClientStore.*, MpcOutput.*. Interactive builtins put their result in the caller's r0
 * through the secret queue (secret_queue.c), so they batch like instructions and never run the
 * engine themselves: single-value operations as queued ops, whole-array operations, randomness
 * and client output as effects.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "builtins.h"

static vm_frame *caller(vm_state *vm) { return &vm->frames[vm->depth - 1]; }

static vm_share *want_share(vm_state *vm, const char *name, vm_val *args, size_t i)
{
    vm_share *s = secret_unwrap(vm, args[i]);
    if (!s)
        bi_type(vm, name, i, args[i], "a share");
    return s;
}

static const char *share_kind_name(stoffel_vm_share_type t)
{
    return t.kind == STOFFEL_VM_SECRET_INT ? "SecretInt" : t.kind == STOFFEL_VM_SECRET_UINT ? "SecretUInt" : "SecretFixedPoint";
}

static int set_str_field(vm_state *vm, vm_table *t, const char *key, vm_val v)
{
    vm_val k;
    int rc = val_string(vm, key, strlen(key), &k);
    if (rc)
        return rc;
    rc = table_raw_set(vm, t, k, v);
    val_release(vm, &k);
    return rc;
}

/* Wraps a share into a share object (spec §4.2). */
static int make_share_object(vm_state *vm, vm_val share, vm_val *out)
{
    int rc = table_new(vm, 0, out);
    if (rc)
        return rc;
    vm_table *t = table_get(vm, *out);
    stoffel_vm_share_type ty = share.as.sh->type;
    vm_val s;
    if ((rc = val_string(vm, "Share", 5, &s)))
        return rc;
    rc = set_str_field(vm, t, "__type", s);
    val_release(vm, &s);
    const char *kn = share_kind_name(ty);
    if (!rc && !(rc = val_string(vm, kn, strlen(kn), &s))) {
        rc = set_str_field(vm, t, "__share_type", s);
        val_release(vm, &s);
    }
    if (!rc)
        rc = set_str_field(vm, t, "__data", share);
    if (!rc)
        rc = set_str_field(vm, t, "__party_id", val_i64(stoffel_mpc_engine_party_id(vm->engine)));
    if (!rc && ty.kind == STOFFEL_VM_SECRET_FIXED) {
        rc = set_str_field(vm, t, "__precision_k", val_i64(ty.bits));
        if (!rc)
            rc = set_str_field(vm, t, "__precision_f", val_i64(ty.frac));
    } else if (!rc) {
        rc = set_str_field(vm, t, "__bit_length", val_i64(ty.bits));
    }
    return rc;
}

static int share_object_result(vm_state *vm, vm_val clear, stoffel_vm_share_type t, vm_val *out)
{
    vm_val sh;
    int rc = secret_share_typed(vm, clear, t, &sh);
    if (rc)
        return rc;
    rc = make_share_object(vm, sh, out);
    val_release(vm, &sh);
    return rc;
}

static int want_bits(vm_state *vm, const char *name, vm_val *args, size_t i, uint32_t *bits)
{
    int64_t b;
    int rc = bi_int(vm, name, args, i, &b);
    if (rc)
        return rc;
    if (b <= 0 || b > 64)
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "%s: bit length must be 1..64, got %lld", name, (long long)b);
    *bits = (uint32_t)b;
    return 0;
}

static int b_from_clear(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.from_clear", 1, 1);
    ENGINE("Share.from_clear");
    stoffel_vm_share_type t = {STOFFEL_VM_SECRET_INT, 64, 0};
    if (args[0].kind == STOFFEL_VM_FLOAT)
        t = (stoffel_vm_share_type){STOFFEL_VM_SECRET_FIXED, 64, 16};
    else if (args[0].kind == STOFFEL_VM_BOOL)
        t.bits = 1;
    else if (!IS_INT_KIND(args[0].kind))
        return bi_type(vm, "Share.from_clear", 0, args[0], "an integer, float or bool");
    return share_object_result(vm, args[0], t, out);
}

static int from_clear_bits(vm_state *vm, vm_val *args, size_t nargs, vm_val *out, const char *name,
                           stoffel_vm_share_kind kind)
{
    ARITY(name, 2, 2);
    ENGINE(name);
    uint32_t bits = 0;
    int rc = want_bits(vm, name, args, 1, &bits);
    if (rc)
        return rc;
    return share_object_result(vm, args[0], (stoffel_vm_share_type){kind, bits, 0}, out);
}

static int b_from_clear_int(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    return from_clear_bits(vm, args, nargs, out, "Share.from_clear_int", STOFFEL_VM_SECRET_INT);
}

static int b_from_clear_uint(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    return from_clear_bits(vm, args, nargs, out, "Share.from_clear_uint", STOFFEL_VM_SECRET_UINT);
}

static int b_from_clear_fixed(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.from_clear_fixed", 3, 3);
    ENGINE("Share.from_clear_fixed");
    int64_t k, f;
    int rc = bi_int(vm, "Share.from_clear_fixed", args, 1, &k);
    if (!rc)
        rc = bi_int(vm, "Share.from_clear_fixed", args, 2, &f);
    if (rc)
        return rc;
    if (k <= 0 || k > 64 || f < 0 || f >= k)
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "Share.from_clear_fixed: need 0 < k <= 64 and 0 <= f < k, got k=%lld f=%lld", (long long)k, (long long)f);
    return share_object_result(vm, args[0], (stoffel_vm_share_type){STOFFEL_VM_SECRET_FIXED, (uint32_t)k, (uint32_t)f}, out);
}

/* Binary share arithmetic through the instruction semantics, result into the caller's r0. */
static int share_binop(vm_state *vm, const char *name, int op, vm_val *args, size_t nargs, int need_both)
{
    ARITY(name, 2, 2);
    ENGINE(name);
    if (!want_share(vm, name, args, 0))
        return STOFFEL_VM_ERR_TYPE;
    if (need_both && !want_share(vm, name, args, 1))
        return STOFFEL_VM_ERR_TYPE;
    int rc = secret_binop(vm, op, args[0], args[1], caller(vm), 0);
    return rc ? rc : VM_DEFERRED;
}

static int b_add(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return share_binop(vm, "Share.add", STOFFEL_VM_OP_ADD, a, n, 1); }
static int b_sub(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return share_binop(vm, "Share.sub", STOFFEL_VM_OP_SUB, a, n, 1); }
static int b_mul(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return share_binop(vm, "Share.mul", STOFFEL_VM_OP_MUL, a, n, 0); }
static int b_add_scalar(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return share_binop(vm, "Share.add_scalar", STOFFEL_VM_OP_ADD, a, n, 0); }
static int b_mul_scalar(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return share_binop(vm, "Share.mul_scalar", STOFFEL_VM_OP_MUL, a, n, 0); }
static int b_div(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return share_binop(vm, "Share.div", STOFFEL_VM_OP_DIV, a, n, 0); }
static int b_rem(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return share_binop(vm, "Share.rem", STOFFEL_VM_OP_MOD, a, n, 0); }

static int b_neg(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.neg", 1, 1);
    ENGINE("Share.neg");
    vm_share *s = want_share(vm, "Share.neg", args, 0);
    if (!s)
        return STOFFEL_VM_ERR_TYPE;
    int rc = val_share(vm, s->type, NULL, vm->share_size, out);
    if (!rc && (rc = stoffel_mpc_engine_neg(vm->engine, s->bytes, out->as.sh->bytes, 1)))
        rc = vm_fail(vm, rc, "Share.neg failed: %s", stoffel_mpc_engine_last_error(vm->engine));
    return rc;
}

static int b_open(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("Share.open", 1, 1);
    ENGINE("Share.open");
    vm_share *s = want_share(vm, "Share.open", args, 0);
    if (!s)
        return STOFFEL_VM_ERR_TYPE;
    vm_val v = {.kind = STOFFEL_VM_SHARE};
    v.as.sh = s;
    int rc = secret_queue_open(vm, v, caller(vm), 0);
    return rc ? rc : VM_DEFERRED;
}

int bi_compare_type(vm_state *vm, const char *name, const stoffel_vm_share_type *ta,
                    const stoffel_vm_share_type *tb, stoffel_vm_share_type *t)
{
    *t = ta ? *ta : *tb;
    if (ta && tb && (ta->kind != tb->kind || (t->kind == STOFFEL_VM_SECRET_FIXED && ta->frac != tb->frac))) {
        if (ta->kind == STOFFEL_VM_SECRET_FIXED || tb->kind == STOFFEL_VM_SECRET_FIXED)
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s: fixed-point operands must share one precision (ShareTypeMismatch)", name);
    }
    if (ta && tb && ta->bits != tb->bits) {
        /* Mixed integer widths compare by value at the larger width + 1 bit (language.md §10 d). */
        t->bits = (ta->bits > tb->bits ? ta->bits : tb->bits) + 1;
    }
    return 0;
}

/* Secret comparison: each side a share, share object or clear number (>= 1 share). */
static int compare_op(vm_state *vm, const char *name, stoffel_mpc_op_kind kind, vm_val *args, size_t nargs)
{
    ARITY(name, 2, 2);
    ENGINE(name);
    vm_share *a = secret_unwrap(vm, args[0]), *b = secret_unwrap(vm, args[1]);
    if (!a && !b)
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s needs at least one share operand", name);
    vm_val ta = val_unit(), tb = val_unit();
    stoffel_vm_share_type t;
    int rc = bi_compare_type(vm, name, a ? &a->type : NULL, b ? &b->type : NULL, &t);
    if (rc)
        return rc;
    if (!a) {
        if ((rc = secret_share_typed(vm, args[0], t, &ta)))
            return rc;
        a = ta.as.sh;
    }
    if (!b) {
        if ((rc = secret_share_typed(vm, args[1], t, &tb))) {
            val_release(vm, &ta);
            return rc;
        }
        b = tb.as.sh;
    }
    if (t.bits > 64)
        t.bits = 64;
    vm_pending_op op = {.kind = kind, .type = {STOFFEL_VM_SECRET_INT, 1, 0}, .bits = t.bits,
                        .shift = t.kind == STOFFEL_VM_SECRET_FIXED ? t.frac : 0,
                        .is_signed = t.kind != STOFFEL_VM_SECRET_UINT};
    a->rc++;
    b->rc++;
    op.a = a;
    op.b = b;
    rc = secret_enqueue(vm, &op, caller(vm), 0);
    val_release(vm, &ta);
    val_release(vm, &tb);
    return rc ? rc : VM_DEFERRED;
}

static int b_lt(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return compare_op(vm, "Share.lt", STOFFEL_MPC_OP_LT, a, n); }
static int b_le(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return compare_op(vm, "Share.le", STOFFEL_MPC_OP_LE, a, n); }
static int b_gt(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return compare_op(vm, "Share.gt", STOFFEL_MPC_OP_GT, a, n); }
static int b_ge(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return compare_op(vm, "Share.ge", STOFFEL_MPC_OP_GE, a, n); }
static int b_eq(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return compare_op(vm, "Share.eq", STOFFEL_MPC_OP_EQ, a, n); }
static int b_ne(vm_state *vm, vm_val *a, size_t n, vm_val *o) { (void)o; return compare_op(vm, "Share.ne", STOFFEL_MPC_OP_NE, a, n); }

/* Randomness and client output queue an effect (builtins_batch.c has the helpers). */
static int output_finish(vm_state *vm, vm_effect *e, vm_val *out)
{
    (void)vm;
    (void)e;
    *out = val_bool(1);
    return 0;
}

/* Client output of one share or an array of shares: a sticky effect (it runs even when nothing
 * reads its result; every frame's return waits for it). */
static int send_output(vm_state *vm, const char *name, uint64_t client, vm_val *args, size_t i, vm_val *out)
{
    vm_effect *e = bi_effect_new(vm);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    vm_share *s = secret_unwrap(vm, args[i]);
    int rc = 0;
    if (s) {
        e->n = 1;
        e->a_len = vm->share_size;
        if (!(e->a = vm_malloc(vm, e->a_len)))
            rc = vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        else
            memcpy(e->a, s->bytes, vm->share_size);
    } else {
        rc = bi_collect_shares(vm, name, args, i, &e->a, &e->n, &e->a_len, NULL);
    }
    if (rc || e->n == 0) {
        secret_effect_free(vm, e);
        if (!rc)
            *out = val_bool(1);
        return rc;
    }
    e->req = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_OUTPUT, .count = e->n, .a = e->a, .client_id = client};
    e->finish = output_finish;
    return secret_enqueue_effect(vm, e, 1);
}

static int b_mpc_output_send(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("MpcOutput.send_to_client", 2, 2);
    ENGINE("MpcOutput.send_to_client");
    int64_t client;
    int rc = bi_int(vm, "MpcOutput.send_to_client", args, 0, &client);
    return rc ? rc : send_output(vm, "MpcOutput.send_to_client", (uint64_t)client, args, 1, out);
}

static int b_share_send(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.send_to_client", 2, 2);
    ENGINE("Share.send_to_client");
    int64_t client;
    if (!want_share(vm, "Share.send_to_client", args, 0))
        return STOFFEL_VM_ERR_TYPE;
    int rc = bi_int(vm, "Share.send_to_client", args, 1, &client);
    return rc ? rc : send_output(vm, "Share.send_to_client", (uint64_t)client, args, 0, out);
}

static int b_get_type(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.get_type", 1, 1);
    vm_share *s = want_share(vm, "Share.get_type", args, 0);
    if (!s)
        return STOFFEL_VM_ERR_TYPE;
    const char *n = share_kind_name(s->type);
    return val_string(vm, n, strlen(n), out);
}

static int b_get_party_id(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.get_party_id", 1, 1);
    ENGINE("Share.get_party_id");
    if (!want_share(vm, "Share.get_party_id", args, 0))
        return STOFFEL_VM_ERR_TYPE;
    *out = val_i64(stoffel_mpc_engine_party_id(vm->engine));
    return 0;
}

static int random_finish(vm_state *vm, vm_effect *e, vm_val *out)
{
    vm_val s;
    int rc = val_share(vm, e->type, e->out, vm->share_size, &s);
    if (rc || !e->wrap) {
        if (!rc)
            *out = s;
        return rc;
    }
    rc = make_share_object(vm, s, out);
    val_release(vm, &s);
    return rc;
}

/* A random share from the engine's preprocessing (wrap: as a share object, spec §4.2). */
static int random_share(vm_state *vm, stoffel_mpc_op_kind kind, uint32_t bits, int wrap)
{
    vm_effect *e = bi_effect_new(vm);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    int rc = bi_effect_out(vm, e, vm->share_size);
    if (rc) {
        secret_effect_free(vm, e);
        return rc;
    }
    e->n = 1;
    e->wrap = (uint8_t)wrap;
    e->type = (stoffel_vm_share_type){STOFFEL_VM_SECRET_INT, kind == STOFFEL_MPC_OP_RANDOM ? 64 : bits, 0};
    e->req = (stoffel_mpc_request){.kind = kind, .count = 1, .out = e->out, .bits = bits};
    e->finish = random_finish;
    return secret_enqueue_effect(vm, e, 0);
}

static int b_random(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)args;
    (void)out;
    ARITY("Share.random", 0, 0);
    ENGINE("Share.random");
    return random_share(vm, STOFFEL_MPC_OP_RANDOM, 0, 1);
}

static int b_random_int(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.random_int", 1, 1);
    ENGINE("Share.random_int");
    uint32_t bits = 0;
    (void)out;
    int rc = want_bits(vm, "Share.random_int", args, 0, &bits);
    return rc ? rc : random_share(vm, STOFFEL_MPC_OP_RANDOM_INT, bits, 0);
}

static int b_retag(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.retag", 2, 2);
    vm_share *s = want_share(vm, "Share.retag", args, 0);
    uint32_t bits = 0;
    if (!s)
        return STOFFEL_VM_ERR_TYPE;
    int rc = want_bits(vm, "Share.retag", args, 1, &bits);
    if (rc)
        return rc;
    return val_share(vm, (stoffel_vm_share_type){STOFFEL_VM_SECRET_INT, bits, 0}, s->bytes, s->len, out);
}

static int open_field_finish(vm_state *vm, vm_effect *e, vm_val *out)
{
    return bytes_make(vm, e->out, e->out_len, out);
}

static int b_open_field(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    ARITY("Share.open_field", 1, 1);
    ENGINE("Share.open_field");
    vm_share *s = want_share(vm, "Share.open_field", args, 0);
    if (!s)
        return STOFFEL_VM_ERR_TYPE;
    vm_effect *e = bi_effect_new(vm);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    int rc = bi_effect_out(vm, e, stoffel_mpc_field_elem_size(stoffel_mpc_engine_field(vm->engine)));
    if (!rc && !(e->a = vm_malloc(vm, vm->share_size)))
        rc = vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    if (rc) {
        secret_effect_free(vm, e);
        return rc;
    }
    e->a_len = vm->share_size;
    memcpy(e->a, s->bytes, vm->share_size);
    e->n = 1;
    e->req = (stoffel_mpc_request){.kind = STOFFEL_MPC_OP_OPEN, .count = 1, .a = e->a, .out = e->out};
    e->finish = open_field_finish;
    return secret_enqueue_effect(vm, e, 0);
}

static int field_operand(vm_state *vm, const char *name, vm_val *args, size_t i, uint8_t *elem)
{
    uint8_t *b;
    size_t n;
    int rc = bytes_read(vm, name, i, args[i], &b, &n);
    if (rc)
        return rc;
    size_t es = stoffel_mpc_field_elem_size(stoffel_mpc_engine_field(vm->engine));
    if (n != es) {
        vm_free(vm, b);
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "%s: a field element has %zu bytes, got %zu", name, es, n);
    }
    memcpy(elem, b, n);
    vm_free(vm, b);
    int64_t x;
    int fits;
    if (stoffel_mpc_field_to_i64(stoffel_mpc_engine_field(vm->engine), elem, &x, &fits))
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "%s: the bytes are not a field element (value >= p)", name);
    return 0;
}

static int field_local(vm_state *vm, vm_val *args, size_t nargs, vm_val *out, const char *name, int mul)
{
    ARITY(name, 2, 2);
    ENGINE(name);
    vm_share *s = want_share(vm, name, args, 0);
    if (!s)
        return STOFFEL_VM_ERR_TYPE;
    uint8_t elem[128];
    int rc = field_operand(vm, name, args, 1, elem);
    if (rc)
        return rc;
    if ((rc = val_share(vm, s->type, NULL, vm->share_size, out)))
        return rc;
    rc = mul ? stoffel_mpc_engine_mul_public(vm->engine, s->bytes, elem, out->as.sh->bytes, 1)
             : stoffel_mpc_engine_add_public(vm->engine, s->bytes, elem, out->as.sh->bytes, 1);
    if (rc) {
        val_release(vm, out);
        return vm_fail(vm, rc, "%s failed: %s", name, stoffel_mpc_engine_last_error(vm->engine));
    }
    return 0;
}

static int b_mul_field(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_local(vm, a, n, o, "Share.mul_field", 1); }
static int b_add_field(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_local(vm, a, n, o, "Share.add_field", 0); }

static int b_commitment_count(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.commitment_count", 1, 1);
    if (!want_share(vm, "Share.commitment_count", args, 0))
        return STOFFEL_VM_ERR_TYPE;
    *out = val_i64(0); /* HoneyBadger-style shares carry no Feldman commitments */
    return 0;
}

static int b_has_commitments(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Share.has_commitments", 1, 1);
    if (!want_share(vm, "Share.has_commitments", args, 0))
        return STOFFEL_VM_ERR_TYPE;
    *out = val_bool(0);
    return 0;
}

/* ---- Mpc.* ------------------------------------------------------------------------------- */

static int b_party_id(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.party_id", 0, 0);
    ENGINE("Mpc.party_id");
    *out = val_i64(stoffel_mpc_engine_party_id(vm->engine));
    return 0;
}

static int b_n_parties(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.n_parties", 0, 0);
    ENGINE("Mpc.n_parties");
    *out = val_i64(stoffel_mpc_engine_n(vm->engine));
    return 0;
}

static int b_threshold(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.threshold", 0, 0);
    ENGINE("Mpc.threshold");
    *out = val_i64(stoffel_mpc_engine_t(vm->engine));
    return 0;
}

static int b_is_ready(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.is_ready", 0, 0);
    *out = val_bool(vm->engine != NULL);
    return 0;
}

static int b_instance_id(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.instance_id", 0, 0);
    ENGINE("Mpc.instance_id");
    out->kind = STOFFEL_VM_U64;
    out->as.u = 0; /* one session per engine: instance 0 */
    return 0;
}

static int b_protocol_name(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.protocol_name", 0, 0);
    ENGINE("Mpc.protocol_name");
    const char *n = stoffel_mpc_engine_protocol_name(vm->engine);
    return val_string(vm, n, strlen(n), out);
}

static const char *const curve_names[] = {"bls12-381", "bn254", "curve25519", "ed25519", "secp256k1", "p-256"};

static int b_curve(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.curve", 0, 0);
    ENGINE("Mpc.curve");
    const char *n = curve_names[vm->prog->curve <= 5 ? vm->prog->curve : 0];
    return val_string(vm, n, strlen(n), out);
}

static int b_field(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.field", 0, 0);
    ENGINE("Mpc.field");
    const char *n = stoffel_mpc_field_name(stoffel_mpc_engine_field(vm->engine));
    return val_string(vm, n, strlen(n), out);
}

static const char *const capability_names[] = {"multiplication", "client-input", "client-output", "randomness", "field-open"};

static int b_capabilities(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.capabilities", 0, 0);
    int rc = table_new(vm, 1, out);
    vm_table *t = rc ? NULL : table_get(vm, *out);
    for (size_t i = 0; vm->engine && !rc && i < sizeof capability_names / sizeof *capability_names; i++) {
        vm_val s;
        if ((rc = val_string(vm, capability_names[i], strlen(capability_names[i]), &s)))
            break;
        rc = array_push(vm, t, s);
        val_release(vm, &s);
    }
    return rc;
}

static int b_has_capability(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Mpc.has_capability", 1, 1);
    if (args[0].kind != STOFFEL_VM_STRING)
        return bi_type(vm, "Mpc.has_capability", 0, args[0], "a capability name");
    int has = 0;
    for (size_t i = 0; vm->engine && i < sizeof capability_names / sizeof *capability_names; i++)
        has |= strcmp(capability_names[i], args[0].as.s->data) == 0;
    *out = val_bool(has);
    return 0;
}

static int b_rand(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("Mpc.rand", 0, 0);
    uint8_t buf[32];
    randombytes_buf(buf, sizeof buf); /* local randomness, NOT jointly random */
    return bytes_make(vm, buf, sizeof buf, out);
}

static int b_rand_int(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Mpc.rand_int", 1, 1);
    int64_t bits;
    int rc = bi_int(vm, "Mpc.rand_int", args, 0, &bits);
    if (rc)
        return rc;
    uint64_t r;
    randombytes_buf(&r, sizeof r);
    switch (bits) {
    case 8: out->kind = STOFFEL_VM_U8; out->as.u = r & 0xFF; return 0;
    case 16: out->kind = STOFFEL_VM_U16; out->as.u = r & 0xFFFF; return 0;
    case 32: out->kind = STOFFEL_VM_U32; out->as.u = r & 0xFFFFFFFFu; return 0;
    case 64: out->kind = STOFFEL_VM_U64; out->as.u = r; return 0;
    default: return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "Mpc.rand_int: bits must be 8, 16, 32 or 64, got %lld", (long long)bits);
    }
}

/* ---- ClientStore -------------------------------------------------------------------------- */

static int b_number_clients(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("ClientStore.get_number_clients", 0, 0);
    ENGINE("ClientStore.get_number_clients");
    *out = val_i64((int64_t)stoffel_mpc_engine_client_count(vm->engine));
    return 0;
}

static int b_number_output_clients(vm_state *vm, vm_val *a, size_t nargs, vm_val *out)
{
    (void)a;
    ARITY("ClientStore.get_number_output_clients", 0, 0);
    int64_t n = 0;
    for (size_t i = 0; i < vm->prog->client_count; i++)
        n += vm->prog->clients[i].output_count > 0;
    *out = val_i64(n);
    return 0;
}

/* The manifest's share type of (client index in ascending slot order, input index). */
static int manifest_input_type(vm_state *vm, size_t client_index, size_t input_index, stoffel_vm_share_type *t)
{
    const stoffel_vm_program *p = vm->prog;
    if (client_index >= p->client_count)
        return 0;
    /* The roster position counts clients by ascending slot. */
    size_t pos = 0;
    for (size_t i = 0; i < p->client_count; i++) {
        size_t rank = 0;
        for (size_t k = 0; k < p->client_count; k++)
            rank += p->clients[k].slot < p->clients[i].slot;
        if (rank == client_index) {
            pos = i;
            break;
        }
    }
    if (input_index >= p->clients[pos].input_count)
        return 0;
    *t = p->clients[pos].inputs[input_index];
    return 1;
}

static int take_share(vm_state *vm, vm_val *args, size_t nargs, vm_val *out, const char *name, int force)
{
    ARITY(name, 2, 2);
    ENGINE(name);
    int64_t ci, ii;
    int rc = bi_int(vm, name, args, 0, &ci);
    if (!rc)
        rc = bi_int(vm, name, args, 1, &ii);
    if (rc)
        return rc;
    size_t count = stoffel_mpc_engine_client_count(vm->engine), ninputs = 0;
    if (ci < 0 || (size_t)ci >= count)
        return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "%s: no client at index %lld (%zu clients have inputs)", name, (long long)ci, count);
    stoffel_mpc_engine_client_input_count(vm->engine, (size_t)ci, &ninputs);
    if (ii < 0 || (size_t)ii >= ninputs)
        return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "%s: client %lld has no input %lld (it has %zu)", name, (long long)ci, (long long)ii, ninputs);
    stoffel_vm_share_type t = {STOFFEL_VM_SECRET_INT, 64, 0};
    if (force == 1)
        t.bits = 1;
    else if (force == 2)
        t = (stoffel_vm_share_type){STOFFEL_VM_SECRET_FIXED, 64, 16};
    else
        manifest_input_type(vm, (size_t)ci, (size_t)ii, &t);
    if ((rc = val_share(vm, t, NULL, vm->share_size, out)))
        return rc;
    if ((rc = stoffel_mpc_engine_client_input_get(vm->engine, (size_t)ci, (size_t)ii, out->as.sh->bytes))) {
        val_release(vm, out);
        return vm_fail(vm, rc, "%s failed: %s", name, stoffel_mpc_engine_last_error(vm->engine));
    }
    return 0;
}

static int b_take_share(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return take_share(vm, a, n, o, "ClientStore.take_share", 0); }
static int b_take_share_bool(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return take_share(vm, a, n, o, "ClientStore.take_share_bool", 1); }
static int b_take_share_fixed(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return take_share(vm, a, n, o, "ClientStore.take_share_fixed", 2); }

/* ---- builtins this engine cannot serve ---------------------------------------------------- */

static int b_unsupported(vm_state *vm, vm_val *a, size_t n, vm_val *o)
{
    (void)a;
    (void)n;
    (void)o;
    const vm_frame *f = &vm->frames[vm->depth - 1];
    const vm_function *fn = &vm->prog->fns[f->fn];
    const char *name = f->ip < fn->instr_count && fn->code[f->ip].op == STOFFEL_VM_OP_CALL ? fn->names[fn->code[f->ip].a] : "this builtin";
    return vm_fail(vm, STOFFEL_ERR_UNSUPPORTED, "%s is not supported by this engine (%s)", name,
                   vm->engine ? stoffel_mpc_engine_protocol_name(vm->engine) : "no engine");
}

int register_mpc_builtins(vm_state *vm)
{
    static const struct {
        const char *name;
        vm_builtin_fn fn;
    } table[] = {
        {"Share.from_clear", b_from_clear}, {"Share.from_clear_int", b_from_clear_int},
        {"Share.from_clear_uint", b_from_clear_uint}, {"Share.from_clear_fixed", b_from_clear_fixed},
        {"Share.add", b_add}, {"Share.sub", b_sub}, {"Share.neg", b_neg},
        {"Share.add_scalar", b_add_scalar}, {"Share.mul_scalar", b_mul_scalar}, {"Share.mul", b_mul},
        {"Share.open", b_open},
        {"Share.send_to_client", b_share_send}, {"Share.get_type", b_get_type},
        {"Share.get_party_id", b_get_party_id}, {"Share.random", b_random}, {"Share.random_field", b_random},
        {"Share.random_int", b_random_int}, {"Share.open_field", b_open_field},
        {"Share.mul_field", b_mul_field}, {"Share.add_field", b_add_field}, {"Share.retag", b_retag},
        {"Share.commitment_count", b_commitment_count}, {"Share.has_commitments", b_has_commitments},
        {"Share.lt", b_lt}, {"Share.le", b_le}, {"Share.gt", b_gt}, {"Share.ge", b_ge},
        {"Share.eq", b_eq}, {"Share.ne", b_ne}, {"Share.div", b_div}, {"Share.rem", b_rem},
        {"Mpc.party_id", b_party_id}, {"Mpc.n_parties", b_n_parties}, {"Mpc.threshold", b_threshold},
        {"Mpc.is_ready", b_is_ready}, {"Mpc.instance_id", b_instance_id},
        {"Mpc.protocol_name", b_protocol_name}, {"Mpc.curve", b_curve}, {"Mpc.field", b_field},
        {"Mpc.has_capability", b_has_capability}, {"Mpc.capabilities", b_capabilities},
        {"Mpc.rand", b_rand}, {"Mpc.rand_int", b_rand_int},
        {"ClientStore.get_number_clients", b_number_clients},
        {"ClientStore.get_number_input_clients", b_number_clients},
        {"ClientStore.get_number_output_clients", b_number_output_clients},
        {"ClientStore.take_share", b_take_share}, {"ClientStore.take_share_bool", b_take_share_bool},
        {"ClientStore.take_share_fixed", b_take_share_fixed},
        {"MpcOutput.send_to_client", b_mpc_output_send},
        /* AVSS / elliptic-curve / broadcast builtins: our engines do not offer these yet. */
        {"Share.interpolate_local", b_unsupported}, {"Share.open_exp", b_unsupported},
        {"Share.open_exp_custom", b_unsupported}, {"Share.get_commitment", b_unsupported},
        {"Rbc.broadcast", b_unsupported}, {"Rbc.receive", b_unsupported}, {"Rbc.receive_any", b_unsupported},
        {"Avss.get_commitment", b_unsupported}, {"Avss.get_key_name", b_unsupported},
        {"Avss.commitment_count", b_unsupported}, {"Avss.is_avss_share", b_unsupported},
        {"Crypto.point_x_to_field", b_unsupported}, {"Crypto.field_to_scalar_bytes", b_unsupported},
        {"Crypto.point_to_sec1", b_unsupported}, {"Crypto.hash_to_g1", b_unsupported},
    };
    /* Receiver-bound methods (language.md: the Share builtins whose first parameter is a Share). */
    static const char *const methods[] = {
        "Share.add", "Share.sub", "Share.neg", "Share.add_scalar", "Share.mul_scalar", "Share.mul",
        "Share.open", "Share.send_to_client", "Share.get_type", "Share.get_party_id", "Share.open_exp",
        "Share.open_exp_custom", "Share.get_commitment", "Share.commitment_count", "Share.has_commitments",
        "Share.mul_field", "Share.add_field", "Share.retag", "Share.open_field",
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const char *receiver = NULL;
        for (size_t m = 0; m < sizeof methods / sizeof *methods && !receiver; m++)
            if (strcmp(methods[m], table[i].name) == 0)
                receiver = "Share";
        int rc = vm_register_method(vm, table[i].name, table[i].fn, receiver);
        if (rc)
            return rc;
    }
    return register_batch_builtins(vm);
}
