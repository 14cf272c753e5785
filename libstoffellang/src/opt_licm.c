/*
 * opt_licm.c - loop-invariant code motion (-O1 and up, language.md section 9.3).
 *
 * A pure expression of a loop body whose variables the loop never writes is computed once, in the
 * loop's `hoist` block, which codegen runs after the loop's first test passed (so a loop that runs
 * zero times computes nothing). Inner loops are handled first, so an expression can climb out of
 * several loops.
 *
 * An expression moves only when the first iteration evaluates it unconditionally, before anything
 * that is observable, can fail, or queues an MPC operation (a call, an index, clear integer
 * arithmetic, a secret product or comparison that stays in the loop). Then the hoisted code does
 * exactly what -O0 does at that point of the first iteration, in the same order: a clear integer
 * overflow is reported at the same moment, and reading a value whose reveal or product is still
 * queued opens the same round. A hoisted secret product stays queued until its first use, so it
 * joins the batch it would have joined at -O0, and later iterations read a value instead of
 * opening a round of their own.
 */
#include "opt.h"

struct licm {
    struct opt_ctx *o;
    struct stmt *loop;
    unsigned stamp;
    bool quiet; /* nothing observable or failing has been evaluated yet in the first iteration */
};

static bool invariant(unsigned stamp, const struct expr *e)
{
    switch (e->kind) {
    case E_IDENT: return e->var && e->var->opt_stamp != stamp;
    case E_UNARY: return invariant(stamp, e->a);
    case E_BINARY: return invariant(stamp, e->a) && invariant(stamp, e->b);
    case E_TEMP_DEF: return false; /* a definition stays where it is */
    default: return true; /* literals and enum members */
    }
}

/* May evaluating this node (its operands already evaluated) fail, have an effect or queue an MPC
 * operation? */
static bool noisy(const struct expr *e)
{
    if (e->kind == E_BINARY && opt_interactive(e))
        return true;
    switch (e->kind) {
    case E_INT: case E_FLOAT: case E_BOOL: case E_STRING: case E_NONE: return false;
    case E_IDENT: return !e->var || (e->var->is_global && e->var->used_in_func);
    case E_TEMP_DEF: return false;
    case E_FIELD: return !e->const_folded;
    case E_UNARY:
        return !opt_scalar(e->type) || (e->op == OP_NEG && !e->type->secret && e->type->kind == TY_INT);
    case E_BINARY: {
        if (!opt_scalar(e->type) || !e->a->type || !e->b->type)
            return true;
        if (ty_is_secret(e->type))
            return e->type->kind == TY_FIX && e->op == OP_DIV;
        switch (e->op) {
        case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_AND: case OP_OR: case OP_XOR:
            return false;
        case OP_ADD: case OP_SUB: case OP_MUL: return e->type->kind == TY_INT;
        default: return true;
        }
    }
    default: return true; /* calls, indexing, collections, comprehensions */
    }
}

static void hoist(struct licm *L, struct expr *e)
{
    struct stmt *loop = L->loop;
    for (size_t i = 0; i < loop->hoist.count; i++) {
        struct expr *def = loop->hoist.stmts[i]->e;
        if (opt_expr_equal(def->a, e)) {
            opt_turn_into_read(e, def->var);
            return;
        }
    }
    struct opt_ctx *o = L->o;
    struct var_sym *t = opt_new_temp(o, e->type);
    struct expr *def = arena_alloc(&o->cx->arena, sizeof *def);
    *def = *e;
    opt_turn_into_def(o, def, t);
    struct stmt *s = arena_alloc(&o->cx->arena, sizeof *s);
    s->kind = S_EXPR;
    s->line = e->line;
    s->col = e->col;
    s->file = e->file;
    s->e = def;
    s->hidden = true;
    struct stmt **grown = arena_alloc(&o->cx->arena, (loop->hoist.count + 1) * sizeof *grown);
    for (size_t i = 0; i < loop->hoist.count; i++)
        grown[i] = loop->hoist.stmts[i];
    grown[loop->hoist.count++] = s;
    loop->hoist.stmts = grown;
    opt_add_temp(o, &loop->hoist_temps, &loop->hoist_temp_count, t);
    opt_turn_into_read(e, t);
}

/* Walks e in evaluation order; `first` = this evaluation happens unconditionally in iteration 1
 * (the bodies of nested statements are conditional or repeated: not walked). */
static void walk(struct licm *L, struct expr *e, bool first)
{
    if (!e)
        return;
    if ((e->kind == E_BINARY || e->kind == E_UNARY) && opt_pure(e) && opt_has_var_leaf(e) && invariant(L->stamp, e)) {
        if (first && L->quiet) {
            hoist(L, e);
            return;
        }
    }
    switch (e->kind) {
    case E_COMP:
        L->quiet = false; /* its element expression runs once per element: left alone */
        return;
    case E_CALL:
        for (size_t i = 0; i < e->call_arg_count; i++)
            walk(L, e->call_args[i].value, first);
        break;
    case E_LIST: case E_DICT:
        for (size_t i = 0; i < e->item_count; i++) {
            walk(L, e->items[i], first);
            if (e->kind == E_DICT)
                walk(L, e->values[i], first);
        }
        break;
    default:
        walk(L, e->a, first);
        walk(L, e->b, first);
        walk(L, e->c, first);
        walk(L, e->d, first);
        break;
    }
    if (noisy(e))
        L->quiet = false;
}

static void walk_block(struct licm *L, struct block *b, bool first)
{
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        switch (s->kind) {
        case S_EXPR: case S_VAR: case S_RETURN:
            walk(L, s->e, first);
            if (s->kind == S_RETURN)
                L->quiet = false;
            break;
        case S_ASSIGN:
            if (s->target && s->target->kind != E_IDENT) {
                walk(L, s->target->a, first);
                if (s->target->kind == E_INDEX)
                    walk(L, s->target->b, first);
            }
            walk(L, s->e2, first);
            if (s->target && s->target->kind != E_IDENT)
                L->quiet = false; /* set_field */
            break;
        case S_IF:
            walk(L, s->e, first);
            L->quiet = false;
            break;
        case S_WHILE:
            walk(L, s->e, first);
            L->quiet = false;
            break;
        case S_FOR:
            walk(L, s->e, first);
            walk(L, s->e2, first);
            L->quiet = false;
            break;
        case S_FUNC: break;
        default:
            L->quiet = false; /* break, continue: the rest of the body may not run */
            break;
        }
    }
}

static void licm_loop(struct opt_ctx *o, struct stmt *s)
{
    struct licm L = {.o = o, .loop = s, .stamp = ++o->stamp, .quiet = true};
    opt_stamp_assigned(&s->body, L.stamp);
    opt_stamp_assigned(&s->hoist, L.stamp);
    if (s->var)
        s->var->opt_stamp = L.stamp;
    walk_block(&L, &s->body, true);
}

void opt_licm(struct opt_ctx *o, struct block *body)
{
    for (size_t i = 0; i < body->count; i++) {
        struct stmt *s = body->stmts[i];
        if (s->kind == S_FUNC)
            continue;
        opt_licm(o, &s->body);
        opt_licm(o, &s->els);
        if (s->kind == S_WHILE || s->kind == S_FOR)
            licm_loop(o, s);
    }
}
