/*
 * check_stmt.c - semantic analysis, part 4: statements (language.md sections 2.3, 3.1, 3.3, 4.4,
 * 5.3): declarations with inference, assignments, conditions (no secret branching), loops, returns
 * and the return-path rule.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* ---------------------------------------------------------------- statements */


static bool is_int_const(struct expr *e, int64_t *out)
{
    if (e->kind == E_INT && e->ival <= (u128)INT64_MAX) {
        *out = (int64_t)e->ival;
        return true;
    }
    if (e->kind == E_UNARY && e->op == OP_NEG && e->a->kind == E_INT && e->a->ival <= (u128)INT64_MAX) {
        *out = -(int64_t)e->a->ival;
        return true;
    }
    return false;
}

void check_var(struct checker *ch, struct stmt *s)
{
    struct var_sym *prev = s->var;
    struct type *t = NULL;
    bool annotated = s->type != NULL;
    if (annotated)
        t = ty_resolve(ch, s->type);
    else if (ch->pass == 2 && prev && !ty_is_unknown(prev->type))
        t = prev->type;
    if (s->e) {
        /* an inferred type guides literals, not calls (Share.random() needs an annotation) */
        struct type *it = check_expr(ch, s->e, !annotated && s->e->kind == E_CALL ? NULL : t);
        if (!t) {
            t = it;
            if (it->kind == TY_VOID) {
                check_error(ch, "E101", s->e->line, s->e->col, NULL, "Cannot initialize variable '%s' with a value of type 'void'", s->name);
                t = ch->t_unknown;
            }
            if (it->kind == TY_SHARE)
                t = ty_secret(ch, ch->t_i64);
        } else {
            check_assignable(ch, t, s->e, s->e->line, s->e->col, "Cannot initialize variable '%s' of type", s->name);
        }
    }
    if (!t)
        t = ch->t_unknown;
    if (t->kind == TY_NONE)
        t = ch->t_unknown;
    struct var_sym *v = declare_var(ch, s->name, t, s->line, s->col);
    v->annotated = annotated;
    v->hidden = s->hidden;
    if (ch->pass == 1 && !annotated && s->e) {
        struct expr *e = s->e;
        v->weak = e->untyped_int || (e->kind == E_LIST && e->item_count == 0) || (e->kind == E_DICT && e->item_count == 0) ||
                  e->kind == E_NONE;
        v->constraint = arena_printf(&ch->cx->arena, "the initializer at %d:%d", e->line, e->col);
    }
    if (ch->pass == 2 && prev) {
        if (prev->conflict)
            check_error(ch, "E101", prev->conflict_line, prev->conflict_col, "annotate the variable with the type you mean",
                        "%s", prev->conflict);
        v->reassigned = prev->reassigned;
        v->conflict = prev->conflict;
    }
    int64_t c;
    if (s->e && is_int_const(s->e, &c) && ty_is_int(t) && !t->secret) {
        v->has_const = true;
        v->const_val = c;
    }
    s->var = v;
}

static void mark_reassigned(struct checker *ch, struct expr *target)
{
    (void)ch;
    if (target->kind == E_IDENT && target->var)
        target->var->reassigned = true;
}

static void check_assign(struct checker *ch, struct stmt *s)
{
    struct expr *t = s->target;
    if (t->kind == E_IDENT) {
        struct var_sym *v = lookup_var(ch, t->name);
        if (!v) {
            const char *best = suggest_name(ch, t->name, false);
            check_error(ch, "E201", t->line, t->col, best ? arena_printf(&ch->cx->arena, "Did you mean '%s'?", best) : "declare it first with 'var'",
                        "Use of undeclared variable '%s'", t->name);
            check_expr(ch, s->e2, NULL);
            return;
        }
        t->var = v;
        t->type = v->type;
        if (v->is_global && v->module != ch->entry_module && ch->fn && !ch->fn->toplevel)
            check_error(ch, "E201", t->line, t->col, "pass the value as a parameter instead",
                        "Module-level variable '%s' of an imported module cannot be used in a function", v->name);
        check_expr(ch, s->e2, v->type);
        ch->refine_assign = true;
        refine_var(ch, t, s->e2->type, arena_printf(&ch->cx->arena, "the assignment at %d:%d", s->line, s->col));
        ch->refine_assign = false;
        t->type = v->type;
        mark_reassigned(ch, t);
        if (ch->pass == 1)
            return;
        int c = ty_compat(v->type, s->e2->type);
        if (c == COMPAT_REVEAL)
            check_error(ch, "E101", s->e2->line, s->e2->col, "call .reveal() to open the secret value explicitly",
                        "Cannot implicitly reveal '%s' as '%s'", ty_name(ch, s->e2->type), ty_name(ch, v->type));
        else if (c != COMPAT_OK && !(v->conflict))
            check_error(ch, "E101", s->e2->line, s->e2->col, NULL, "Cannot assign value of type '%s' to variable '%s' of type '%s'",
                        ty_name(ch, s->e2->type), v->name, ty_name(ch, v->type));
        return;
    }
    struct type *tt = check_expr(ch, t, NULL);
    if (t->kind == E_INDEX && t->a->type && t->a->type->kind == TY_STRING)
        check_error(ch, "E101", t->line, t->col, "build a new string instead", "Strings are immutable; cannot assign to a string index");
    check_expr(ch, s->e2, ty_is_unknown(tt) ? NULL : tt);
    if (ch->pass == 2 && !ty_is_unknown(tt)) {
        int c = ty_compat(tt, s->e2->type);
        if (c == COMPAT_REVEAL)
            check_error(ch, "E101", s->e2->line, s->e2->col, "call .reveal() to open the secret value explicitly",
                        "Cannot implicitly reveal '%s' as '%s'", ty_name(ch, s->e2->type), ty_name(ch, tt));
        else if (c != COMPAT_OK)
            check_error(ch, "E101", s->e2->line, s->e2->col, NULL, "Type mismatch. Expected '%s', found '%s'", ty_name(ch, tt),
                        ty_name(ch, s->e2->type));
    }
}

static void check_condition(struct checker *ch, struct expr *cond, const char *what)
{
    struct type *t = check_expr(ch, cond, ch->t_bool);
    if (ch->pass == 1 && cond->kind == E_IDENT && cond->var && cond->var->weak && cond->var->has_const &&
        (cond->var->const_val == 0 || cond->var->const_val == 1))
        refine_var(ch, cond, ch->t_bool, arena_printf(&ch->cx->arena, "the %s-condition at %d:%d", what, cond->line, cond->col));
    if (ty_is_secret(t)) {
        check_error(ch, "E101", cond->line, cond->col, "compute both branches and select: b * x + (1 - b) * y, or reveal the condition",
                    "Branching with secret values isn't supported yet (secret condition in '%s')", what);
        return;
    }
    if (!ty_is_unknown(t) && t->kind != TY_BOOL) {
        if (cond->kind == E_IDENT && cond->var && cond->var->type->kind == TY_BOOL)
            return;
        check_error(ch, "E101", cond->line, cond->col, "compare explicitly, e.g. `x != 0`", "%s-condition must be of type 'bool', found '%s'",
                    what[0] == 'i' ? "If" : "While", ty_name(ch, t));
    }
}

static bool literal_loop_bounds(struct stmt *s, int64_t *lo, int64_t *hi)
{
    return s->is_range && is_int_const(s->e, lo) && is_int_const(s->e2, hi);
}

static void check_for(struct checker *ch, struct stmt *s)
{
    struct var_sym *prev = s->var;
    struct type *vt;
    int64_t lo = 0, hi = 0;
    bool literal = false;
    if (s->is_range) {
        struct type *a = check_expr(ch, s->e, NULL);
        struct type *b = check_expr(ch, s->e2, ty_is_int(a) ? a : NULL);
        if (ty_is_secret(a) || ty_is_secret(b))
            check_error(ch, "E101", s->e->line, s->e->col, "reveal the bound first", "Range bounds in 'for' must be clear integers, found a secret value");
        else if ((!ty_is_unknown(a) && !ty_is_int(a)) || (!ty_is_unknown(b) && !ty_is_int(b)))
            check_error(ch, "E101", s->e->line, s->e->col, NULL, "Range bounds in 'for' must be integers, found '%s' and '%s'",
                        ty_name(ch, a), ty_name(ch, b));
        vt = ch->t_i64;
        literal = literal_loop_bounds(s, &lo, &hi);
    } else {
        struct type *it = check_expr(ch, s->e, NULL);
        if (it->kind == TY_LIST)
            vt = it->elem;
        else if (it->kind == TY_STRING)
            vt = ch->t_string;
        else if (it->kind == TY_DICT)
            vt = it->key;
        else if (ty_is_unknown(it))
            vt = ch->t_unknown;
        else {
            check_error(ch, "E101", s->e->line, s->e->col, "iterate over a list, a string or a range lo..hi",
                        "Cannot iterate over a value of type '%s'", ty_name(ch, it));
            vt = ch->t_unknown;
        }
    }
    push_scope(ch, false);
    struct var_sym *v = declare_var(ch, s->name, vt, s->line, s->col);
    v->annotated = true;
    v->literal_bounded = literal;
    v->lo = lo;
    v->hi = hi;
    (void)prev;
    s->var = v;
    ch->fn->loop_depth++;
    check_block(ch, &s->body);
    ch->fn->loop_depth--;
    pop_scope(ch);
}

void check_stmt(struct checker *ch, struct stmt *s)
{
    switch (s->kind) {
    case S_EXPR: {
        struct type *t = check_expr(ch, s->e, NULL);
        (void)t;
        break;
    }
    case S_VAR: check_var(ch, s); break;
    case S_ASSIGN: check_assign(ch, s); break;
    case S_IF:
        check_condition(ch, s->e, "if");
        check_block(ch, &s->body);
        if (s->has_else)
            check_block(ch, &s->els);
        break;
    case S_WHILE:
        check_condition(ch, s->e, "while");
        ch->fn->loop_depth++;
        check_block(ch, &s->body);
        ch->fn->loop_depth--;
        break;
    case S_FOR: check_for(ch, s); break;
    case S_RETURN:
        if (!ch->fn || ch->fn->toplevel) {
            check_error(ch, "E201", s->line, s->col, "return only inside a function body", "'return' statement outside of function");
            if (s->e)
                check_expr(ch, s->e, NULL);
            break;
        }
        if (s->e) {
            struct type *rt = ch->fn->ret;
            check_expr(ch, s->e, rt->kind == TY_VOID ? NULL : rt);
            if (rt->kind == TY_VOID) {
                if (s->e->type->kind != TY_VOID && s->e->type->kind != TY_NONE && !ty_is_unknown(s->e->type))
                    check_error(ch, "E101", s->e->line, s->e->col, "declare a return type with -> T",
                                "Cannot return value of type '%s' from function returning 'None'", ty_name(ch, s->e->type));
            } else {
                refine_var(ch, s->e, rt, arena_printf(&ch->cx->arena, "the return at %d:%d", s->line, s->col));
                if (ch->pass == 2) {
                    int c = ty_compat(rt, s->e->type);
                    if (c == COMPAT_REVEAL)
                        check_error(ch, "E101", s->e->line, s->e->col, "call .reveal() to open the secret value explicitly",
                                    "Cannot implicitly reveal '%s' as '%s'", ty_name(ch, s->e->type), ty_name(ch, rt));
                    else if (c != COMPAT_OK)
                        check_error(ch, "E101", s->e->line, s->e->col, NULL,
                                    "Cannot return value of type '%s' from function returning '%s'", ty_name(ch, s->e->type),
                                    ty_name(ch, rt));
                }
            }
        } else if (ch->fn->ret->kind != TY_VOID) {
            check_error(ch, "E101", s->line, s->col, NULL, "Cannot return value of type 'None' from function returning '%s'",
                        ty_name(ch, ch->fn->ret));
        }
        break;
    case S_BREAK:
    case S_CONTINUE:
        if (!ch->fn || ch->fn->loop_depth == 0)
            check_error(ch, "E201", 0, 0, "use it inside a while or for loop", "'%s' outside of a loop",
                        s->kind == S_BREAK ? "break" : "continue");
        break;
    case S_PASS: break;
    case S_FUNC:
        check_error(ch, "E201", s->line, s->col, "define functions at module level", "Nested function definitions are not supported");
        break;
    case S_OBJECT: case S_ENUM: case S_ALIAS: case S_IMPORT: case S_BUILTIN_TYPE: case S_BUILTIN_OPAQUE: case S_BUILTIN_OBJECT:
        check_error(ch, "E201", s->line, s->col, NULL, "Declarations are only allowed at module level");
        break;
    }
}

void check_block(struct checker *ch, struct block *b)
{
    for (size_t i = 0; i < b->count; i++)
        check_stmt(ch, b->stmts[i]);
}

/* ---------------------------------------------------------------- return paths */

static bool block_has_break(struct block *b);

static bool stmt_has_break(struct stmt *s)
{
    if (s->kind == S_BREAK)
        return true;
    if (s->kind == S_IF)
        return block_has_break(&s->body) || (s->has_else && block_has_break(&s->els));
    return false; /* a break inside a nested loop leaves only that loop */
}

static bool block_has_break(struct block *b)
{
    for (size_t i = 0; i < b->count; i++)
        if (stmt_has_break(b->stmts[i]))
            return true;
    return false;
}


static bool stmt_returns(struct stmt *s)
{
    switch (s->kind) {
    case S_RETURN: return true;
    case S_IF: return s->has_else && block_returns(&s->body) && block_returns(&s->els);
    case S_WHILE: return s->e->kind == E_BOOL && s->e->bval && !block_has_break(&s->body);
    case S_EXPR:
        /* assert(False) never returns normally */
        return false;
    default: return false;
    }
}

bool block_returns(struct block *b)
{
    for (size_t i = 0; i < b->count; i++)
        if (stmt_returns(b->stmts[i]))
            return true;
    return false;
}

