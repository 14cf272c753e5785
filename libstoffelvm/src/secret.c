/*
 * secret.c - secret execution through the MPC engine (stoffel/mpc.h): public sharing of clear
 * values, clear <-> field encoding (spec §4.3) and share arithmetic by operand kind (§4.4). Local
 * share arithmetic completes at once; interactive operations go to the queue (secret_queue.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vm_internal.h"

/* Post-processing applied locally when a queued multiplication completes. */

static const stoffel_vm_share_type TYPE_INT64 = {STOFFEL_VM_SECRET_INT, 64, 0};
static const stoffel_vm_share_type TYPE_BOOL = {STOFFEL_VM_SECRET_INT, 1, 0};
static const stoffel_vm_share_type TYPE_FIXED = {STOFFEL_VM_SECRET_FIXED, 64, 16};

static const stoffel_mpc_field *field_of(vm_state *vm) { return stoffel_mpc_engine_field(vm->engine); }
static size_t elem_size(vm_state *vm) { return stoffel_mpc_field_elem_size(field_of(vm)); }

int secret_need_engine(vm_state *vm, const char *what)
{
    if (!vm->engine)
        return vm_fail(vm, STOFFEL_VM_ERR_NO_ENGINE, "%s needs an MPC engine, and none is configured (MpcEngineNotConfigured)", what);
    return 0;
}

int secret_engine_error(vm_state *vm, int rc, const char *what)
{
    const char *detail = vm->engine ? stoffel_mpc_engine_last_error(vm->engine) : "";
    if (rc == STOFFEL_ERR_UNSUPPORTED)
        return vm_fail(vm, rc, "%s is not supported by this engine (%s)%s%s", what,
                       vm->engine ? stoffel_mpc_engine_protocol_name(vm->engine) : "none",
                       detail && *detail ? ": " : "", detail ? detail : "");
    return vm_fail(vm, rc, "%s failed: %s%s%s", what, stoffel_vm_strerror(rc), detail && *detail ? ": " : "",
                   detail ? detail : "");
}

vm_share *secret_unwrap(vm_state *vm, vm_val v)
{
    if (v.kind == STOFFEL_VM_SHARE)
        return v.as.sh;
    if (v.kind != STOFFEL_VM_OBJECT)
        return NULL;
    vm_table *t = table_get(vm, v);
    if (!t)
        return NULL;
    /* A share object: {__type: "Share", __data: <share>, ...}. */
    for (size_t i = 0; i < t->map.count; i++) {
        vm_entry *e = &t->map.entries[i];
        if (e->live && e->key.kind == STOFFEL_VM_STRING && e->key.as.s->len == 6 &&
            memcmp(e->key.as.s->data, "__data", 6) == 0)
            return e->val.kind == STOFFEL_VM_SHARE ? e->val.as.sh : NULL;
    }
    return NULL;
}

/* Encodes a clear value for share type t into a field element (spec §4.3). */
static int encode_clear(vm_state *vm, vm_val v, stoffel_vm_share_type t, uint8_t *elem)
{
    const stoffel_mpc_field *fld = field_of(vm);
    if (t.kind == STOFFEL_VM_SECRET_FIXED) {
        double x;
        int64_t iv;
        if (v.kind == STOFFEL_VM_FLOAT)
            x = v.as.f;
        else if (val_as_i64(v, &iv))
            x = (double)iv;
        else
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "cannot encode a %s as a fixed-point share", val_type_name(vm, v));
        double scaled = trunc(x * ldexp(1.0, (int)t.frac));
        if (!isfinite(scaled) || scaled >= 9223372036854775808.0 || scaled < -9223372036854775808.0)
            return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "value %g does not fit fixed point with %u fractional bits", x, t.frac);
        stoffel_mpc_field_from_i64(fld, (int64_t)scaled, elem);
        return 0;
    }
    if (v.kind == STOFFEL_VM_BOOL) {
        stoffel_mpc_field_from_i64(fld, v.as.b, elem);
        return 0;
    }
    if (IS_SIGNED_KIND(v.kind)) {
        stoffel_mpc_field_from_i64(fld, v.as.i, elem);
        return 0;
    }
    if (IS_INT_KIND(v.kind)) {
        int rc = stoffel_mpc_field_from_u64(fld, v.as.u, elem);
        return rc ? vm_fail(vm, rc, "value %llu does not fit the field", (unsigned long long)v.as.u) : 0;
    }
    return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "cannot share a %s (only integers, floats and bools)", val_type_name(vm, v));
}

int secret_share_typed(vm_state *vm, vm_val clear, stoffel_vm_share_type t, vm_val *out)
{
    int rc = secret_need_engine(vm, "sharing a clear value");
    if (rc)
        return rc;
    uint8_t elem[128];
    if (elem_size(vm) > sizeof elem)
        return vm_fail(vm, STOFFEL_ERR_INTERNAL, "field elements of %zu bytes are too large", elem_size(vm));
    if ((rc = encode_clear(vm, clear, t, elem)))
        return rc;
    if ((rc = val_share(vm, t, NULL, vm->share_size, out)))
        return rc;
    rc = stoffel_mpc_engine_share_public(vm->engine, elem, out->as.sh->bytes, 1);
    if (rc) {
        val_release(vm, out);
        return secret_engine_error(vm, rc, "public sharing");
    }
    return 0;
}

int secret_share_clear(vm_state *vm, vm_val clear, vm_val *out)
{
    if (!vm->engine)
        return vm_fail(vm, STOFFEL_VM_ERR_NO_ENGINE, "a clear %s was written to a secret register, which needs an MPC engine (ClearValueInSecretRegister)", val_type_name(vm, clear));
    stoffel_vm_share_type t;
    if (IS_INT_KIND(clear.kind))
        t = TYPE_INT64;
    else if (clear.kind == STOFFEL_VM_FLOAT)
        t = TYPE_FIXED;
    else if (clear.kind == STOFFEL_VM_BOOL)
        t = TYPE_BOOL;
    else
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "cannot share a %s (only integers, floats and bools)", val_type_name(vm, clear));
    return secret_share_typed(vm, clear, t, out);
}

int secret_decode(vm_state *vm, const vm_share *sh, const uint8_t *elem, vm_val *out)
{
    int64_t x;
    int fits;
    int rc = stoffel_mpc_field_to_i64(field_of(vm), elem, &x, &fits);
    if (rc)
        return vm_fail(vm, rc, "opened value is not a field element");
    stoffel_vm_share_type t = sh->type;
    if (t.kind == STOFFEL_VM_SECRET_FIXED) {
        if (!fits)
            return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "opened fixed-point value does not fit 64 bits");
        *out = val_float((double)x / ldexp(1.0, (int)t.frac));
        return 0;
    }
    uint64_t u = (uint64_t)x;
    if (t.kind == STOFFEL_VM_SECRET_INT) {
        if (t.bits == 1) {
            *out = val_bool(x != 0);
            return 0;
        }
        if (t.bits < 64) {
            uint64_t mask = (1ull << t.bits) - 1;
            u &= mask;
            if (u >> (t.bits - 1))
                u |= ~mask; /* sign-extend: two's-complement wrap */
        }
        uint8_t kind = t.bits == 8 ? STOFFEL_VM_I8 : t.bits == 16 ? STOFFEL_VM_I16 : t.bits == 32 ? STOFFEL_VM_I32 : STOFFEL_VM_I64;
        *out = val_int_kind(kind, (int64_t)u);
        return 0;
    }
    if (t.bits < 64)
        u &= (1ull << t.bits) - 1;
    uint8_t kind = t.bits == 8 ? STOFFEL_VM_U8 : t.bits == 16 ? STOFFEL_VM_U16 : t.bits == 32 ? STOFFEL_VM_U32 : STOFFEL_VM_U64;
    *out = val_unit();
    out->kind = kind;
    out->as.u = u;
    return 0;
}

/* ---- share arithmetic --------------------------------------------------------------------- */

static int types_equal(stoffel_vm_share_type x, stoffel_vm_share_type y)
{
    return x.kind == y.kind && x.bits == y.bits && (x.kind != STOFFEL_VM_SECRET_FIXED || x.frac == y.frac);
}

static int type_mismatch(vm_state *vm, vm_share *a, vm_share *b)
{
    (void)a;
    (void)b;
    return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "share types differ (ShareTypeMismatch): convert with Share.from_clear_* or Share.retag");
}

/* Public field element of a clear integer, scaled by 2^f for a fixed-point share. */
static int clear_scalar(vm_state *vm, vm_val c, stoffel_vm_share_type t, uint8_t *elem)
{
    int64_t x;
    if (!val_as_i64(c, &x))
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "expected a clear integer next to a share, got %s", val_type_name(vm, c));
    if (t.kind == STOFFEL_VM_SECRET_FIXED) {
        int64_t s;
        if (t.frac >= 63 || __builtin_mul_overflow(x, (int64_t)1 << t.frac, &s))
            return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "%lld scaled by 2^%u overflows", (long long)x, t.frac);
        x = s;
    }
    stoffel_mpc_field_from_i64(field_of(vm), x, elem);
    return 0;
}

static int new_share_like(vm_state *vm, stoffel_vm_share_type t, vm_val *out)
{
    return val_share(vm, t, NULL, vm->share_size, out);
}

static int finish_local(vm_state *vm, int erc, vm_val *res, vm_frame *f, uint32_t dst)
{
    if (erc) {
        val_release(vm, res);
        return secret_engine_error(vm, erc, "local share arithmetic");
    }
    int rc = vm_write_reg(vm, f, dst, *res);
    val_release(vm, res);
    return rc;
}

static int enqueue_binary(vm_state *vm, stoffel_mpc_op_kind kind, vm_share *a, vm_share *b,
                          stoffel_vm_share_type result, int post, vm_frame *f, uint32_t dst)
{
    vm_pending_op op = {.kind = kind, .type = result, .bits = a->type.bits, .shift = 0,
                        .is_signed = a->type.kind != STOFFEL_VM_SECRET_UINT, .post = (uint8_t)post};
    if (a->type.kind == STOFFEL_VM_SECRET_FIXED)
        op.shift = a->type.frac;
    a->rc++;
    op.a = a;
    if (b) {
        b->rc++;
        op.b = b;
    }
    return secret_enqueue(vm, &op, f, dst);
}

/* Shares a clear operand with the other share's type so both sides are shares. */
static int promote(vm_state *vm, vm_val c, stoffel_vm_share_type t, vm_val *tmp, vm_share **out)
{
    int rc = secret_share_typed(vm, c, t, tmp);
    if (rc)
        return rc;
    *out = tmp->as.sh;
    return 0;
}

int secret_binop(vm_state *vm, int op, vm_val a, vm_val b, vm_frame *f, uint32_t dst)
{
    int rc = secret_need_engine(vm, "arithmetic on shares");
    if (rc)
        return rc;
    vm_share *sa = secret_unwrap(vm, a), *sb = secret_unwrap(vm, b);
    const char *name = stoffel_vm_opcode_name(op);
    vm_val res = val_unit(), tmp = val_unit();
    uint8_t elem[128];
    size_t n = 1;

    switch (op) {
    case STOFFEL_VM_OP_ADD:
    case STOFFEL_VM_OP_SUB:
        if (sa && sb) {
            if (!types_equal(sa->type, sb->type))
                return type_mismatch(vm, sa, sb);
            if ((rc = new_share_like(vm, sa->type, &res)))
                return rc;
            rc = op == STOFFEL_VM_OP_ADD ? stoffel_mpc_engine_add(vm->engine, sa->bytes, sb->bytes, res.as.sh->bytes, n)
                                         : stoffel_mpc_engine_sub(vm->engine, sa->bytes, sb->bytes, res.as.sh->bytes, n);
            return finish_local(vm, rc, &res, f, dst);
        } else {
            vm_share *s = sa ? sa : sb;
            vm_val c = sa ? b : a;
            if (c.kind == STOFFEL_VM_FLOAT || !IS_INT_KIND(c.kind))
                goto type_err;
            if ((rc = clear_scalar(vm, c, s->type, elem)) || (rc = new_share_like(vm, s->type, &res)))
                return rc;
            if (op == STOFFEL_VM_OP_SUB && sa) {
                /* share - c = -((-share) + c) */
                rc = stoffel_mpc_engine_neg(vm->engine, s->bytes, res.as.sh->bytes, n);
                if (!rc)
                    rc = stoffel_mpc_engine_add_public(vm->engine, res.as.sh->bytes, elem, res.as.sh->bytes, n);
                if (!rc)
                    rc = stoffel_mpc_engine_neg(vm->engine, res.as.sh->bytes, res.as.sh->bytes, n);
            } else if (op == STOFFEL_VM_OP_SUB) {
                /* c - share */
                rc = stoffel_mpc_engine_neg(vm->engine, s->bytes, res.as.sh->bytes, n);
                if (!rc)
                    rc = stoffel_mpc_engine_add_public(vm->engine, res.as.sh->bytes, elem, res.as.sh->bytes, n);
            } else {
                rc = stoffel_mpc_engine_add_public(vm->engine, s->bytes, elem, res.as.sh->bytes, n);
            }
            return finish_local(vm, rc, &res, f, dst);
        }
    case STOFFEL_VM_OP_MUL:
        if (sa && sb) {
            if (!types_equal(sa->type, sb->type))
                return type_mismatch(vm, sa, sb);
            return enqueue_binary(vm, STOFFEL_MPC_OP_MUL, sa, sb, sa->type,
                                  sa->type.kind == STOFFEL_VM_SECRET_FIXED ? POST_TRUNC : POST_NONE, f, dst);
        } else {
            vm_share *s = sa ? sa : sb;
            vm_val c = sa ? b : a;
            if (c.kind == STOFFEL_VM_FLOAT) {
                /* int share x Float -> Fixed{64,16} locally; fixed share x Float -> multiply by
                 * round(c * 2^f), then truncate by f (interactive). */
                stoffel_vm_share_type rt = s->type.kind == STOFFEL_VM_SECRET_FIXED ? s->type : TYPE_FIXED;
                double sc = nearbyint(c.as.f * ldexp(1.0, (int)rt.frac));
                if (!isfinite(sc) || fabs(sc) >= 9.2e18)
                    return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "float %g is out of range for fixed point", c.as.f);
                stoffel_mpc_field_from_i64(field_of(vm), (int64_t)sc, elem);
                if ((rc = new_share_like(vm, rt, &res)))
                    return rc;
                rc = stoffel_mpc_engine_mul_public(vm->engine, s->bytes, elem, res.as.sh->bytes, n);
                if (rc || s->type.kind != STOFFEL_VM_SECRET_FIXED)
                    return finish_local(vm, rc, &res, f, dst);
                vm_pending_op t = {.kind = STOFFEL_MPC_OP_TRUNC, .type = rt, .bits = rt.bits, .shift = rt.frac,
                                   .is_signed = 1, .a = res.as.sh};
                return secret_enqueue(vm, &t, f, dst);
            }
            if (!IS_INT_KIND(c.kind))
                goto type_err;
            int64_t x;
            if (!val_as_i64(c, &x))
                return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "clear operand does not fit int64");
            stoffel_mpc_field_from_i64(field_of(vm), x, elem); /* no scaling: int x fixed = fixed */
            if ((rc = new_share_like(vm, s->type, &res)))
                return rc;
            rc = stoffel_mpc_engine_mul_public(vm->engine, s->bytes, elem, res.as.sh->bytes, n);
            return finish_local(vm, rc, &res, f, dst);
        }
    case STOFFEL_VM_OP_DIV:
    case STOFFEL_VM_OP_MOD: {
        int is_div = op == STOFFEL_VM_OP_DIV;
        vm_share *s = sa ? sa : sb;
        if (s->type.kind == STOFFEL_VM_SECRET_FIXED) {
            if (!is_div || (sa && sb))
                return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s on fixed-point shares is not supported (only division by a clear number)", name);
            if (!sa)
                goto type_err;
            /* fixed / c: multiply by round(2^f / c), then truncate by f. */
            double c;
            int64_t ci;
            if (b.kind == STOFFEL_VM_FLOAT)
                c = b.as.f;
            else if (val_as_i64(b, &ci))
                c = (double)ci;
            else
                goto type_err;
            if (c == 0)
                return vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "division by zero (DivisionByZero)");
            double sc = nearbyint(ldexp(1.0, (int)sa->type.frac) / c);
            stoffel_mpc_field_from_i64(field_of(vm), (int64_t)sc, elem);
            if ((rc = new_share_like(vm, sa->type, &res)))
                return rc;
            if ((rc = stoffel_mpc_engine_mul_public(vm->engine, sa->bytes, elem, res.as.sh->bytes, n)))
                return finish_local(vm, rc, &res, f, dst);
            vm_pending_op t = {.kind = STOFFEL_MPC_OP_TRUNC, .type = sa->type, .bits = sa->type.bits,
                               .shift = sa->type.frac, .is_signed = 1, .a = res.as.sh};
            return secret_enqueue(vm, &t, f, dst);
        }
        if (sa && sb) {
            if (!types_equal(sa->type, sb->type))
                return type_mismatch(vm, sa, sb);
            return enqueue_binary(vm, is_div ? STOFFEL_MPC_OP_DIV : STOFFEL_MPC_OP_REM, sa, sb, sa->type, POST_NONE, f, dst);
        }
        if (sa) {
            /* share / clear: exact truncating division by a public divisor. */
            int64_t c;
            if (!val_as_i64(b, &c) || b.kind == STOFFEL_VM_FLOAT)
                goto type_err;
            if (c == 0)
                return vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "%s by zero", is_div ? "division (DivisionByZero)" : "modulo (ModuloByZero)");
            /* The divisor travels as a public field element in b. */
            if ((rc = val_share(vm, sa->type, NULL, elem_size(vm), &tmp)))
                return rc;
            stoffel_mpc_field_from_i64(field_of(vm), c, tmp.as.sh->bytes);
            rc = enqueue_binary(vm, is_div ? STOFFEL_MPC_OP_DIV_PUBLIC : STOFFEL_MPC_OP_REM_PUBLIC, sa, tmp.as.sh, sa->type, POST_NONE, f, dst);
            val_release(vm, &tmp);
            return rc;
        }
        /* clear / share: share the clear value with the divisor's type. */
        if (!IS_INT_KIND(a.kind))
            goto type_err;
        if ((rc = promote(vm, a, sb->type, &tmp, &sa)))
            return rc;
        rc = enqueue_binary(vm, is_div ? STOFFEL_MPC_OP_DIV : STOFFEL_MPC_OP_REM, sa, sb, sb->type, POST_NONE, f, dst);
        val_release(vm, &tmp);
        return rc;
    }
    case STOFFEL_VM_OP_AND:
    case STOFFEL_VM_OP_OR:
    case STOFFEL_VM_OP_XOR:
        if (!sa || !sb || a.kind != STOFFEL_VM_SHARE || b.kind != STOFFEL_VM_SHARE)
            goto type_err;
        if (sa->type.kind != STOFFEL_VM_SECRET_INT || sa->type.bits != 1 || !types_equal(sa->type, sb->type))
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s on shares needs two 1-bit shares (secret bools)", name);
        return enqueue_binary(vm, STOFFEL_MPC_OP_MUL, sa, sb, sa->type,
                              op == STOFFEL_VM_OP_AND ? POST_NONE : op == STOFFEL_VM_OP_OR ? POST_OR : POST_XOR, f, dst);
    default:
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s is not supported on secret shares", name);
    }
type_err:
    return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "type error: %s is not defined for %s and %s", name, val_type_name(vm, a), val_type_name(vm, b));
}

int secret_not(vm_state *vm, vm_val a, vm_frame *f, uint32_t dst)
{
    int rc = secret_need_engine(vm, "NOT on a share");
    if (rc)
        return rc;
    vm_share *s = a.as.sh;
    if (s->type.kind != STOFFEL_VM_SECRET_INT || s->type.bits != 1)
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "NOT on shares needs a 1-bit share (secret bool)");
    uint8_t one[128];
    stoffel_mpc_field_from_i64(field_of(vm), 1, one);
    vm_val res;
    if ((rc = new_share_like(vm, s->type, &res)))
        return rc;
    rc = stoffel_mpc_engine_neg(vm->engine, s->bytes, res.as.sh->bytes, 1);
    if (!rc)
        rc = stoffel_mpc_engine_add_public(vm->engine, res.as.sh->bytes, one, res.as.sh->bytes, 1);
    return finish_local(vm, rc, &res, f, dst);
}

int secret_queue_open(vm_state *vm, vm_val share, vm_frame *f, uint32_t dst)
{
    int rc = secret_need_engine(vm, "revealing a share");
    if (rc)
        return rc;
    vm_pending_op op = {.kind = STOFFEL_MPC_OP_OPEN, .decode = 1, .type = share.as.sh->type};
    share.as.sh->rc++;
    op.a = share.as.sh;
    return secret_enqueue(vm, &op, f, dst);
}

int stoffel_vm_reveal(stoffel_vm *vm, const stoffel_vm_value *value, stoffel_vm_value *out)
{
    if (!vm || !value || !out)
        return STOFFEL_ERR_INVALID_ARG;
    vm_val v;
    int rc = val_from_public(vm, value, &v);
    if (rc)
        return rc;
    vm_share *sh = secret_unwrap(vm, v);
    if (!sh) {
        val_assign(vm, &vm->handout, v);
        val_release(vm, &v);
        val_to_public(vm, vm->handout, out);
        return 0;
    }
    uint8_t elem[128];
    stoffel_mpc_request req = {.kind = STOFFEL_MPC_OP_OPEN, .count = 1, .a = sh->bytes, .out = elem};
    rc = stoffel_mpc_engine_execute(vm->engine, &req, 1);
    if (rc) {
        val_release(vm, &v);
        return vm_error(vm, rc, "opening the share failed: %s", stoffel_mpc_engine_last_error(vm->engine));
    }
    vm_val clear;
    rc = secret_decode(vm, sh, elem, &clear);
    val_release(vm, &v);
    if (rc)
        return rc;
    val_assign(vm, &vm->handout, clear);
    val_to_public(vm, vm->handout, out);
    return 0;
}
