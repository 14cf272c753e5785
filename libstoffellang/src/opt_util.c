/*
 * opt_util.c - what the -O passes (opt.h) agree on: which expressions are pure, which cannot fail,
 * which cost MPC communication, structural equality, and the hidden variables they introduce.
 */
#include <string.h>

#include "opt.h"

/* Values the passes may keep in a hidden variable: numbers and bools, clear or secret. */
bool opt_scalar(const struct type *t)
{
    return t && (t->kind == TY_INT || t->kind == TY_FLOAT || t->kind == TY_FIX || t->kind == TY_BOOL);
}

static bool local_value(const struct var_sym *v)
{
    /* a module-level variable used by functions lives in VM globals that any call may change */
    return v && !(v->is_global && v->used_in_func) && opt_scalar(v->type);
}

static bool pure_op(int op)
{
    switch (op) {
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_REM: case OP_MOD: case OP_SHL: case OP_SHR:
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_AND: case OP_OR: case OP_XOR:
        return true;
    default: return false;
    }
}

bool opt_pure(const struct expr *e)
{
    if (!e)
        return false;
    switch (e->kind) {
    case E_INT: case E_FLOAT: case E_BOOL: return opt_scalar(e->type);
    case E_IDENT: return local_value(e->var);
    case E_FIELD: return e->const_folded && opt_scalar(e->type); /* an enum member */
    case E_TEMP_DEF: return opt_pure(e->a);
    case E_UNARY:
        return (e->op == OP_NEG || e->op == OP_NOT) && opt_scalar(e->type) && opt_pure(e->a);
    case E_BINARY:
        return pure_op(e->op) && opt_scalar(e->type) && opt_pure(e->a) && opt_pure(e->b);
    default: return false;
    }
}

bool opt_cannot_fail(const struct expr *e)
{
    if (!opt_pure(e))
        return false;
    switch (e->kind) {
    case E_TEMP_DEF: return opt_cannot_fail(e->a);
    case E_UNARY:
        if (e->op == OP_NEG && !e->type->secret && e->type->kind == TY_INT)
            return false; /* negating the smallest integer overflows */
        return opt_cannot_fail(e->a);
    case E_BINARY: {
        if (!opt_cannot_fail(e->a) || !opt_cannot_fail(e->b))
            return false;
        bool secret = ty_is_secret(e->type);
        switch (e->op) {
        case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_AND: case OP_OR: case OP_XOR:
            return true;
        case OP_ADD: case OP_SUB: case OP_MUL:
            /* secret arithmetic is field arithmetic; clear reals do not trap; clear integers overflow */
            return secret || e->type->kind != TY_INT;
        case OP_DIV: case OP_REM: case OP_MOD:
            /* a secret integer divisor of zero gives a fixed value (section 10 e); anything else may trap */
            return secret && e->type->kind == TY_INT;
        default: return false;
        }
    }
    default: return true;
    }
}

bool opt_interactive(const struct expr *e)
{
    if (e && e->kind == E_TEMP_DEF)
        return opt_interactive(e->a);
    if (!e || (e->kind != E_BINARY && e->kind != E_UNARY))
        return false;
    if (e->kind == E_BINARY && ty_is_secret(e->type)) {
        bool both = ty_is_secret(e->a->type) && ty_is_secret(e->b->type);
        switch (e->op) {
        case OP_MUL: case OP_AND: case OP_OR: case OP_XOR:
            if (both)
                return true;
            break;
        case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_DIV: case OP_REM: case OP_MOD:
            return true;
        default: break;
        }
    }
    return opt_interactive(e->a) || (e->kind == E_BINARY && opt_interactive(e->b));
}

bool opt_has_var_leaf(const struct expr *e)
{
    if (!e)
        return false;
    if (e->kind == E_IDENT || e->kind == E_TEMP_DEF)
        return true;
    if (e->kind == E_UNARY)
        return opt_has_var_leaf(e->a);
    if (e->kind == E_BINARY)
        return opt_has_var_leaf(e->a) || opt_has_var_leaf(e->b);
    return false;
}

bool opt_expr_equal(const struct expr *a, const struct expr *b)
{
    if (a == b)
        return true;
    if (a && b && a->kind == E_TEMP_DEF && b->kind == E_TEMP_DEF)
        return a->var == b->var || opt_expr_equal(a->a, b->a);
    if (b && b->kind == E_TEMP_DEF) {
        const struct expr *t = a;
        a = b;
        b = t;
    }
    if (a && a->kind == E_TEMP_DEF) /* `t := x` equals x, and equals a read of t */
        return (b && b->kind == E_IDENT && b->var == a->var) || opt_expr_equal(a->a, b);
    if (!a || !b || a->kind != b->kind || !ty_equal(a->type, b->type))
        return false;
    switch (a->kind) {
    case E_INT: return a->ival == b->ival && a->suffix == b->suffix;
    case E_FLOAT: return memcmp(&a->fval, &b->fval, sizeof a->fval) == 0;
    case E_BOOL: return a->bval == b->bval;
    case E_IDENT: return a->var == b->var;
    case E_FIELD: return a->const_folded && b->const_folded && a->ival == b->ival;
    case E_UNARY: return a->op == b->op && opt_expr_equal(a->a, b->a);
    case E_BINARY: return a->op == b->op && opt_expr_equal(a->a, b->a) && opt_expr_equal(a->b, b->b);
    default: return false;
    }
}

/* ---- walking statements ---------------------------------------------------------------- */

static bool expr_blocks_all(const struct expr *e)
{
    if (!e)
        return false;
    if (e->kind == E_CALL) {
        const char *name = e->call_name ? e->call_name : e->func ? e->func->vm_name : NULL;
        if (name && (strstr(name, "upvalue") || strstr(name, "closure")))
            return true;
        for (size_t i = 0; i < e->call_arg_count; i++)
            if (expr_blocks_all(e->call_args[i].value))
                return true;
        for (size_t i = 0; i < e->arg_count; i++)
            if (expr_blocks_all(e->args[i].value))
                return true;
        return false;
    }
    for (size_t i = 0; i < e->item_count; i++)
        if (expr_blocks_all(e->items[i]) || (e->values && expr_blocks_all(e->values[i])))
            return true;
    return expr_blocks_all(e->a) || expr_blocks_all(e->b) || expr_blocks_all(e->c) || expr_blocks_all(e->d);
}

bool opt_blocks_all(struct block *b)
{
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        if (s->kind == S_FUNC)
            continue; /* a nested definition is optimised on its own */
        if (expr_blocks_all(s->e) || expr_blocks_all(s->e2) || expr_blocks_all(s->target) || opt_blocks_all(&s->body) ||
            opt_blocks_all(&s->els))
            return true;
    }
    return false;
}

bool opt_block_declares(const struct block *b)
{
    for (size_t i = 0; i < b->count; i++) {
        const struct stmt *s = b->stmts[i];
        if (s->kind == S_VAR || s->kind == S_FUNC || opt_block_declares(&s->body) || opt_block_declares(&s->els))
            return true;
    }
    return false;
}

static void stamp_expr(struct expr *e, unsigned stamp)
{
    if (!e)
        return;
    if ((e->kind == E_COMP || e->kind == E_TEMP_DEF) && e->var)
        e->var->opt_stamp = stamp;
    for (size_t i = 0; i < e->call_arg_count; i++)
        stamp_expr(e->call_args[i].value, stamp);
    for (size_t i = 0; i < e->item_count; i++) {
        stamp_expr(e->items[i], stamp);
        if (e->values)
            stamp_expr(e->values[i], stamp);
    }
    stamp_expr(e->a, stamp);
    stamp_expr(e->b, stamp);
    stamp_expr(e->c, stamp);
    stamp_expr(e->d, stamp);
}

/* Marks every variable written anywhere in b (assignments, declarations, loop variables). */
void opt_stamp_assigned(struct block *b, unsigned stamp)
{
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        if (s->kind == S_FUNC)
            continue;
        if ((s->kind == S_VAR || s->kind == S_FOR) && s->var)
            s->var->opt_stamp = stamp;
        if (s->kind == S_ASSIGN && s->target && s->target->kind == E_IDENT && s->target->var)
            s->target->var->opt_stamp = stamp;
        stamp_expr(s->e, stamp);
        stamp_expr(s->e2, stamp);
        stamp_expr(s->target, stamp);
        opt_stamp_assigned(&s->body, stamp);
        opt_stamp_assigned(&s->els, stamp);
        opt_stamp_assigned(&s->hoist, stamp);
    }
}

/* ---- hidden values --------------------------------------------------------------------- */

struct var_sym *opt_new_temp(struct opt_ctx *o, struct type *t)
{
    struct var_sym *v = arena_alloc(&o->cx->arena, sizeof *v);
    v->name = arena_printf(&o->cx->arena, "__opt_%d", o->cx->hidden_counter++);
    v->type = t;
    v->hidden = true;
    v->opt_temp = true;
    return v;
}

/* e becomes `t := <what e was>` (evaluated where e was, value kept in t). */
void opt_turn_into_def(struct opt_ctx *o, struct expr *e, struct var_sym *t)
{
    struct expr *inner = arena_alloc(&o->cx->arena, sizeof *inner);
    *inner = *e;
    struct expr def = {.kind = E_TEMP_DEF, .line = e->line, .col = e->col, .file = e->file, .type = e->type,
                       .a = inner, .var = t, .name = t->name};
    *e = def;
}

/* e becomes a read of t. */
void opt_turn_into_read(struct expr *e, struct var_sym *t)
{
    struct expr rd = {.kind = E_IDENT, .line = e->line, .col = e->col, .file = e->file, .type = e->type, .var = t,
                      .name = t->name};
    *e = rd;
}

void opt_add_temp(struct opt_ctx *o, struct var_sym ***temps, size_t *count, struct var_sym *t)
{
    struct var_sym **n = arena_alloc(&o->cx->arena, (*count + 1) * sizeof *n);
    if (*count)
        memcpy(n, *temps, *count * sizeof *n);
    n[(*count)++] = t;
    *temps = n;
}
