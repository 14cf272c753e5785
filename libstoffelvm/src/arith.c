/*
 * arith.c - clear arithmetic, bitwise operations and comparison (spec §3.2, §3.4): same-variant
 * integers with checked results in every width, Float with I64 mixing, string concatenation,
 * booleans. Operations with a share operand go to the secret layer.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

static const char *op_name(int op) { return stoffel_vm_opcode_name(op); }

static const char *op_symbol(int op)
{
    switch (op) {
    case STOFFEL_VM_OP_ADD: return "+";
    case STOFFEL_VM_OP_SUB: return "-";
    case STOFFEL_VM_OP_MUL: return "*";
    case STOFFEL_VM_OP_DIV: return "/";
    case STOFFEL_VM_OP_MOD: return "%";
    case STOFFEL_VM_OP_SHL: return "<<";
    case STOFFEL_VM_OP_SHR: return ">>";
    default: return "?";
    }
}

static int type_error(vm_state *vm, int op, vm_val a, vm_val b)
{
    return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "type error: %s is not defined for %s and %s", op_name(op),
                   val_type_name(vm, a), val_type_name(vm, b));
}

static int signed_op(vm_state *vm, int op, uint8_t kind, int64_t x, int64_t y, vm_val *out)
{
    int64_t r = 0;
    int bits = int_bits(kind);
    switch (op) {
    case STOFFEL_VM_OP_ADD:
        if (__builtin_add_overflow(x, y, &r) || !int_fits(kind, r))
            goto overflow;
        break;
    case STOFFEL_VM_OP_SUB:
        if (__builtin_sub_overflow(x, y, &r) || !int_fits(kind, r))
            goto overflow;
        break;
    case STOFFEL_VM_OP_MUL:
        if (__builtin_mul_overflow(x, y, &r) || !int_fits(kind, r))
            goto overflow;
        break;
    case STOFFEL_VM_OP_DIV:
        if (y == 0)
            return vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "division by zero (DivisionByZero)");
        if (y == -1 && (x == INT64_MIN || !int_fits(kind, -x)))
            goto overflow;
        r = x / y;
        break;
    case STOFFEL_VM_OP_MOD:
        if (y == 0)
            return vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "modulo by zero (ModuloByZero)");
        if (y == -1) {
            if (x == INT64_MIN || !int_fits(kind, -x))
                goto overflow; /* Rust's checked_rem fails exactly where checked_div does */
            r = 0;
        } else {
            r = x % y;
        }
        break;
    case STOFFEL_VM_OP_AND: r = x & y; break;
    case STOFFEL_VM_OP_OR: r = x | y; break;
    case STOFFEL_VM_OP_XOR: r = x ^ y; break;
    case STOFFEL_VM_OP_SHL:
    case STOFFEL_VM_OP_SHR:
        if (y < 0 || y >= bits)
            return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "shift amount %" PRId64 " out of range 0..%d for %s", y, bits - 1, val_type_name(vm, val_int_kind(kind, 0)));
        if (op == STOFFEL_VM_OP_SHL) {
            uint64_t u = (uint64_t)x << y;
            /* Bits shifted out of the width are dropped (Rust checked_shl checks only the amount). */
            if (bits < 64) {
                u &= (1ull << bits) - 1;
                if (u >> (bits - 1))
                    u |= ~((1ull << bits) - 1);
            }
            r = (int64_t)u;
        } else {
            r = x >> y; /* arithmetic shift for signed values */
        }
        break;
    default: return -1;
    }
    *out = val_int_kind(kind, r);
    return 0;
overflow:
    return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "integer overflow: %" PRId64 " %s %" PRId64 " does not fit %s (IntegerOverflow)", x, op_symbol(op), y, val_type_name(vm, val_int_kind(kind, 0)));
}

static int unsigned_op(vm_state *vm, int op, uint8_t kind, uint64_t x, uint64_t y, vm_val *out)
{
    uint64_t r = 0;
    int bits = int_bits(kind);
    switch (op) {
    case STOFFEL_VM_OP_ADD:
        if (__builtin_add_overflow(x, y, &r) || !uint_fits(kind, r))
            goto overflow;
        break;
    case STOFFEL_VM_OP_SUB:
        if (__builtin_sub_overflow(x, y, &r))
            goto overflow;
        break;
    case STOFFEL_VM_OP_MUL:
        if (__builtin_mul_overflow(x, y, &r) || !uint_fits(kind, r))
            goto overflow;
        break;
    case STOFFEL_VM_OP_DIV:
        if (y == 0)
            return vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "division by zero (DivisionByZero)");
        r = x / y;
        break;
    case STOFFEL_VM_OP_MOD:
        if (y == 0)
            return vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "modulo by zero (ModuloByZero)");
        r = x % y;
        break;
    case STOFFEL_VM_OP_AND: r = x & y; break;
    case STOFFEL_VM_OP_OR: r = x | y; break;
    case STOFFEL_VM_OP_XOR: r = x ^ y; break;
    case STOFFEL_VM_OP_SHL:
    case STOFFEL_VM_OP_SHR:
        if (y >= (uint64_t)bits)
            return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "shift amount %" PRIu64 " out of range 0..%d for %s", y, bits - 1, val_type_name(vm, val_int_kind(kind, 0)));
        r = op == STOFFEL_VM_OP_SHL ? x << y : x >> y;
        if (bits < 64)
            r &= (1ull << bits) - 1;
        break;
    default: return -1;
    }
    out->kind = kind;
    out->aux = 0;
    out->as.u = r;
    return 0;
overflow:
    return vm_fail(vm, STOFFEL_VM_ERR_OVERFLOW, "integer overflow: %" PRIu64 " %s %" PRIu64 " does not fit %s (IntegerOverflow)", x, op_symbol(op), y, val_type_name(vm, val_int_kind(kind, 0)));
}

static int float_op(vm_state *vm, int op, double x, double y, vm_val *out)
{
    double r;
    switch (op) {
    case STOFFEL_VM_OP_ADD: r = x + y; break;
    case STOFFEL_VM_OP_SUB: r = x - y; break;
    case STOFFEL_VM_OP_MUL: r = x * y; break;
    case STOFFEL_VM_OP_DIV:
        if (y == 0)
            return vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "division by zero (DivisionByZero)");
        r = x / y;
        break;
    case STOFFEL_VM_OP_MOD:
        if (y == 0)
            return vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "modulo by zero (ModuloByZero)");
        r = fmod(x, y);
        break;
    default: return -1;
    }
    *out = val_float(r);
    return 0;
}

int arith_binop_value(vm_state *vm, int op, vm_val a, vm_val b, vm_val *out)
{
    *out = val_unit();
    if (IS_INT_KIND(a.kind) && a.kind == b.kind) {
        int rc = IS_SIGNED_KIND(a.kind) ? signed_op(vm, op, a.kind, a.as.i, b.as.i, out)
                                        : unsigned_op(vm, op, a.kind, a.as.u, b.as.u, out);
        return rc == -1 ? type_error(vm, op, a, b) : rc;
    }
    if ((a.kind == STOFFEL_VM_FLOAT || a.kind == STOFFEL_VM_I64) &&
        (b.kind == STOFFEL_VM_FLOAT || b.kind == STOFFEL_VM_I64) &&
        (a.kind == STOFFEL_VM_FLOAT || b.kind == STOFFEL_VM_FLOAT)) {
        double x = a.kind == STOFFEL_VM_FLOAT ? a.as.f : (double)a.as.i;
        double y = b.kind == STOFFEL_VM_FLOAT ? b.as.f : (double)b.as.i;
        int rc = float_op(vm, op, x, y, out);
        return rc == -1 ? type_error(vm, op, a, b) : rc;
    }
    if (a.kind == STOFFEL_VM_BOOL && b.kind == STOFFEL_VM_BOOL) {
        switch (op) {
        case STOFFEL_VM_OP_AND: *out = val_bool(a.as.b && b.as.b); return 0;
        case STOFFEL_VM_OP_OR: *out = val_bool(a.as.b || b.as.b); return 0;
        case STOFFEL_VM_OP_XOR: *out = val_bool(a.as.b != b.as.b); return 0;
        default: break;
        }
    }
    if (op == STOFFEL_VM_OP_ADD && a.kind == STOFFEL_VM_STRING && b.kind == STOFFEL_VM_STRING) {
        size_t n = a.as.s->len + b.as.s->len;
        int rc;
        char *tmp = vm_malloc(vm, n + 1);
        if (!tmp)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        memcpy(tmp, a.as.s->data, a.as.s->len);
        memcpy(tmp + a.as.s->len, b.as.s->data, b.as.s->len);
        rc = val_string(vm, tmp, n, out);
        vm_free(vm, tmp);
        return rc;
    }
    if (IS_INT_KIND(a.kind) && IS_INT_KIND(b.kind))
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "type error: %s needs integers of the same type, got %s and %s", op_name(op), val_type_name(vm, a), val_type_name(vm, b));
    return type_error(vm, op, a, b);
}

int arith_binop(vm_state *vm, vm_frame *f, int op, uint32_t dst, vm_val a, vm_val b)
{
    if (a.kind == VK_PENDING || b.kind == VK_PENDING)
        return VM_NEED_FLUSH;
    if (a.kind == STOFFEL_VM_SHARE || b.kind == STOFFEL_VM_SHARE ||
        ((op == STOFFEL_VM_OP_ADD || op == STOFFEL_VM_OP_SUB || op == STOFFEL_VM_OP_MUL || op == STOFFEL_VM_OP_DIV) &&
         (secret_unwrap(vm, a) || secret_unwrap(vm, b))))
        return secret_binop(vm, op, a, b, f, dst);
    vm_val r;
    int rc = arith_binop_value(vm, op, a, b, &r);
    if (rc)
        return rc;
    rc = vm_write_reg(vm, f, dst, r);
    val_release(vm, &r);
    return rc;
}

int arith_not(vm_state *vm, vm_frame *f, uint32_t dst, vm_val a)
{
    vm_val r;
    switch (a.kind) {
    case VK_PENDING: return VM_NEED_FLUSH;
    case STOFFEL_VM_BOOL: r = val_bool(!a.as.b); break;
    case STOFFEL_VM_I64: case STOFFEL_VM_I32: case STOFFEL_VM_I16: case STOFFEL_VM_I8:
        r = val_int_kind(a.kind, ~a.as.i);
        break;
    case STOFFEL_VM_U8: case STOFFEL_VM_U16: case STOFFEL_VM_U32: case STOFFEL_VM_U64: {
        int bits = int_bits(a.kind);
        r = a;
        r.as.u = ~a.as.u & (bits == 64 ? ~0ull : ((1ull << bits) - 1));
        break;
    }
    case STOFFEL_VM_SHARE: return secret_not(vm, a, f, dst);
    default:
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "type error: NOT is not defined for %s", val_type_name(vm, a));
    }
    return vm_write_reg(vm, f, dst, r);
}

/* Exact comparison of an int64 with a double (not NaN). */
static int cmp_i64_f64(int64_t x, double d)
{
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double t = trunc(d);
    int64_t ti = (int64_t)t;
    if (x != ti)
        return x < ti ? -1 : 1;
    double frac = d - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int cmp_u64_f64(uint64_t x, double d)
{
    if (d >= 18446744073709551616.0)
        return -1;
    if (d < 0)
        return 1;
    double t = trunc(d);
    uint64_t ti = (uint64_t)t;
    if (x != ti)
        return x < ti ? -1 : 1;
    return d - t > 0 ? -1 : 0;
}

int vm_compare(vm_state *vm, vm_val a, vm_val b, int *ord)
{
    if (a.kind == STOFFEL_VM_SHARE || b.kind == STOFFEL_VM_SHARE)
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "CMP on secret shares is not supported (use Share.lt / Share.eq and friends)");
    int ai = IS_INT_KIND(a.kind), bi = IS_INT_KIND(b.kind);
    int as = IS_SIGNED_KIND(a.kind), bs = IS_SIGNED_KIND(b.kind);
    if (ai && bi) {
        if (as && bs)
            *ord = (a.as.i > b.as.i) - (a.as.i < b.as.i);
        else if (!as && !bs)
            *ord = (a.as.u > b.as.u) - (a.as.u < b.as.u);
        else if (as)
            *ord = a.as.i < 0 ? -1 : ((uint64_t)a.as.i > b.as.u) - ((uint64_t)a.as.i < b.as.u);
        else
            *ord = b.as.i < 0 ? 1 : (a.as.u > (uint64_t)b.as.i) - (a.as.u < (uint64_t)b.as.i);
        return 0;
    }
    if ((ai || a.kind == STOFFEL_VM_FLOAT) && (bi || b.kind == STOFFEL_VM_FLOAT)) {
        if ((a.kind == STOFFEL_VM_FLOAT && isnan(a.as.f)) || (b.kind == STOFFEL_VM_FLOAT && isnan(b.as.f)))
            goto cannot;
        if (a.kind == STOFFEL_VM_FLOAT && b.kind == STOFFEL_VM_FLOAT)
            *ord = (a.as.f > b.as.f) - (a.as.f < b.as.f);
        else if (a.kind == STOFFEL_VM_FLOAT)
            *ord = -(bs ? cmp_i64_f64(b.as.i, a.as.f) : cmp_u64_f64(b.as.u, a.as.f));
        else
            *ord = as ? cmp_i64_f64(a.as.i, b.as.f) : cmp_u64_f64(a.as.u, b.as.f);
        return 0;
    }
    if (a.kind == STOFFEL_VM_STRING && b.kind == STOFFEL_VM_STRING) {
        size_t n = a.as.s->len < b.as.s->len ? a.as.s->len : b.as.s->len;
        int c = memcmp(a.as.s->data, b.as.s->data, n);
        if (c == 0)
            c = (a.as.s->len > b.as.s->len) - (a.as.s->len < b.as.s->len);
        *ord = (c > 0) - (c < 0);
        return 0;
    }
    if (a.kind == STOFFEL_VM_BOOL && b.kind == STOFFEL_VM_BOOL) {
        *ord = (a.as.b > b.as.b) - (a.as.b < b.as.b);
        return 0;
    }
cannot:
    return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "cannot compare %s with %s (CannotCompare)", val_type_name(vm, a), val_type_name(vm, b));
}
