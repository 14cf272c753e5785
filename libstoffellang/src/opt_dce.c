/*
 * opt_dce.c - dead-code elimination (-O1 and up, language.md section 9.3 "dead-binding
 * elimination"):
 *  - statements after a return, break or continue in the same block are dropped;
 *  - `if True/False` keeps only the branch taken, `while False` disappears;
 *  - an expression statement that is pure and cannot fail (`pass`, a discarded sum) is dropped;
 *  - a local variable that is never read loses its declaration and assignments: a value that is
 *    pure and cannot fail is not computed at all (a dead secret product costs no triple and no
 *    round), anything else is still evaluated for its effects and errors, then discarded.
 * Code that declares a variable is never dropped by the first two rules (its scope reaches past
 * the branch, so its home must still exist).
 */
#include <string.h>

#include "opt.h"

static bool droppable_stmt_expr(const struct expr *e)
{
    if (!e)
        return true;
    if (e->kind == E_NONE || e->kind == E_STRING)
        return true;
    return opt_cannot_fail(e);
}

static void count_reads_expr(struct expr *e)
{
    if (!e)
        return;
    if (e->kind == E_IDENT && e->var)
        e->var->opt_reads++;
    for (size_t i = 0; i < e->call_arg_count; i++)
        count_reads_expr(e->call_args[i].value);
    if (e->kind == E_CALL && !e->call_args)
        for (size_t i = 0; i < e->arg_count; i++)
            count_reads_expr(e->args[i].value);
    for (size_t i = 0; i < e->item_count; i++) {
        count_reads_expr(e->items[i]);
        if (e->values)
            count_reads_expr(e->values[i]);
    }
    count_reads_expr(e->a);
    count_reads_expr(e->b);
    count_reads_expr(e->c);
    count_reads_expr(e->d);
}

static void reset_reads(struct block *b)
{
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        if (s->var)
            s->var->opt_reads = 0;
        if (s->target && s->target->kind == E_IDENT && s->target->var)
            s->target->var->opt_reads = 0;
        reset_reads(&s->body);
        reset_reads(&s->els);
    }
}

static void count_reads(struct block *b)
{
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        if (s->kind == S_FUNC)
            continue;
        count_reads_expr(s->e);
        count_reads_expr(s->e2);
        if (s->target && s->target->kind != E_IDENT)
            count_reads_expr(s->target); /* xs[i] = v reads xs and i */
        count_reads(&s->body);
        count_reads(&s->els);
    }
}

static bool dead_local(const struct var_sym *v)
{
    return v && !v->is_param && !(v->is_global && v->used_in_func) && !v->hidden && !v->opt_temp && v->opt_reads == 0;
}

static bool ends_flow(const struct stmt *s)
{
    return s->kind == S_RETURN || s->kind == S_BREAK || s->kind == S_CONTINUE;
}

/* One sweep over b; returns whether anything changed. */
static bool sweep(struct opt_ctx *o, struct block *b)
{
    bool changed = false;
    struct stmt **out = arena_alloc(&o->cx->arena, (b->count + 1) * sizeof *out);
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        switch (s->kind) {
        case S_IF:
            changed |= sweep(o, &s->body);
            changed |= sweep(o, &s->els);
            if (s->e && s->e->kind == E_BOOL) {
                struct block *taken = s->e->bval ? &s->body : &s->els;
                struct block *dropped = s->e->bval ? &s->els : &s->body;
                if (!opt_block_declares(dropped)) {
                    /* if/else bodies are not scopes: the taken branch joins this block */
                    struct stmt **grown = arena_alloc(&o->cx->arena, (b->count + taken->count + 1) * sizeof *grown);
                    memcpy(grown, out, n * sizeof *out);
                    out = grown;
                    for (size_t k = 0; k < taken->count; k++)
                        out[n++] = taken->stmts[k];
                    changed = true;
                    continue;
                }
            }
            break;
        case S_WHILE:
            changed |= sweep(o, &s->body);
            if (s->e && s->e->kind == E_BOOL && !s->e->bval && !opt_block_declares(&s->body)) {
                changed = true;
                continue;
            }
            break;
        case S_FOR:
            changed |= sweep(o, &s->body);
            break;
        case S_EXPR:
            if (droppable_stmt_expr(s->e)) {
                changed = true;
                continue;
            }
            break;
        case S_VAR:
            if (dead_local(s->var)) {
                if (!s->e || droppable_stmt_expr(s->e)) {
                    changed = true;
                    continue;
                }
                s->kind = S_EXPR; /* still evaluated: effects and run-time errors stay */
                changed = true;
            }
            break;
        case S_ASSIGN:
            if (s->target && s->target->kind == E_IDENT && dead_local(s->target->var)) {
                if (droppable_stmt_expr(s->e2)) {
                    changed = true;
                    continue;
                }
                s->kind = S_EXPR;
                s->e = s->e2;
                s->e2 = NULL;
                s->target = NULL;
                changed = true;
            }
            break;
        default: break;
        }
        out[n++] = s;
        if (ends_flow(s)) {
            struct block tail = {.stmts = b->stmts + i + 1, .count = b->count - i - 1};
            if (tail.count && !opt_block_declares(&tail)) {
                changed = true;
                break;
            }
        }
    }
    b->stmts = out;
    b->count = n;
    return changed;
}

void opt_dce(struct opt_ctx *o, struct block *body)
{
    for (int round = 0; round < 4; round++) {
        reset_reads(body);
        count_reads(body);
        if (!sweep(o, body))
            break;
    }
}
