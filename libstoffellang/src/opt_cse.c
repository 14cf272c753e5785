/*
 * opt_cse.c - common subexpression elimination (-O1 and up, language.md section 9.3).
 *
 * Within a run of straight-line statements of one block (expression statements, declarations,
 * assignments, return), a pure expression that is computed again while none of its variables was
 * written in between is computed once: its first occurrence keeps its value in a hidden variable
 * (evaluated exactly where it was, so evaluation order and run-time errors do not move) and the
 * later occurrences read that variable. For secret values this saves the Beaver triples and the
 * rounds of repeated products and comparisons. A control-flow statement ends the run; the blocks
 * inside it are runs of their own. The hidden variables are released at the end of the block.
 */
#include "opt.h"

#define CSE_MAX_AVAIL 256

struct cse {
    struct opt_ctx *o;
    struct block *block;
    struct expr *avail[CSE_MAX_AVAIL]; /* first occurrences, in evaluation order */
    size_t count;
};

static bool reads_var(const struct expr *e, const struct var_sym *v)
{
    if (!e)
        return false;
    if (e->kind == E_IDENT)
        return e->var == v;
    if (e->kind == E_TEMP_DEF)
        return e->var == v || reads_var(e->a, v);
    return reads_var(e->a, v) || reads_var(e->b, v);
}

static void kill(struct cse *c, const struct var_sym *v)
{
    size_t n = 0;
    for (size_t i = 0; i < c->count; i++)
        if (!reads_var(c->avail[i], v))
            c->avail[n++] = c->avail[i];
    c->count = n;
}

static bool candidate(const struct expr *e)
{
    return (e->kind == E_BINARY || e->kind == E_UNARY) && opt_pure(e) && opt_has_var_leaf(e);
}

static void visit(struct cse *c, struct expr *e)
{
    if (!e)
        return;
    switch (e->kind) {
    case E_COMP: return; /* its parts run once per element */
    case E_CALL:
        for (size_t i = 0; i < e->call_arg_count; i++)
            visit(c, e->call_args[i].value);
        return;
    case E_LIST: case E_DICT:
        for (size_t i = 0; i < e->item_count; i++) {
            visit(c, e->items[i]);
            if (e->kind == E_DICT)
                visit(c, e->values[i]);
        }
        return;
    case E_TEMP_DEF:
        visit(c, e->a);
        return;
    default: break;
    }
    visit(c, e->a);
    visit(c, e->b);
    visit(c, e->c);
    visit(c, e->d);
    if (!candidate(e))
        return;
    for (size_t i = 0; i < c->count; i++) {
        struct expr *first = c->avail[i];
        if (first == e)
            return; /* the same node reached twice (a duplicated compound-assignment target) */
        bool same = first->kind == E_TEMP_DEF ? opt_expr_equal(first->a, e) : opt_expr_equal(first, e);
        if (!same)
            continue;
        if (first->kind != E_TEMP_DEF) {
            struct var_sym *t = opt_new_temp(c->o, first->type);
            opt_turn_into_def(c->o, first, t);
            opt_add_temp(c->o, &c->block->temps, &c->block->temp_count, t);
        }
        opt_turn_into_read(e, first->var);
        return;
    }
    if (c->count < CSE_MAX_AVAIL)
        c->avail[c->count++] = e;
}

static void cse_block(struct opt_ctx *o, struct block *b);

static void cse_nested(struct opt_ctx *o, struct stmt *s)
{
    cse_block(o, &s->body);
    cse_block(o, &s->els);
}

static void cse_block(struct opt_ctx *o, struct block *b)
{
    struct cse c = {.o = o, .block = b};
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        switch (s->kind) {
        case S_EXPR: case S_RETURN:
            visit(&c, s->e);
            break;
        case S_VAR:
            visit(&c, s->e);
            if (s->var)
                kill(&c, s->var);
            break;
        case S_ASSIGN:
            if (s->target && s->target->kind != E_IDENT) {
                visit(&c, s->target->a);
                if (s->target->kind == E_INDEX)
                    visit(&c, s->target->b);
            }
            visit(&c, s->e2);
            if (s->target && s->target->kind == E_IDENT)
                kill(&c, s->target->var);
            break;
        case S_FUNC: break;
        default:
            c.count = 0;
            cse_nested(o, s);
            break;
        }
    }
}

void opt_cse(struct opt_ctx *o, struct block *body)
{
    cse_block(o, body);
}
