/*
 * opt_reveal_loop.c - reveal batching across loop iterations (-O2 and up).
 *
 *   for x in xs:                         var s = []
 *     append(out, (a * b).reveal())  =>  for x in xs: append(s, a * b)      (values stay shares)
 *                                        extend(out, Share.batch_open(s))   (one round)
 *
 * At -O0 each iteration reads its revealed value at once (the append), which opens one round per
 * iteration. The loop qualifies when its body is that append, possibly after declarations of
 * body-local values, and the revealed value is an expression without calls of the loop variable,
 * those locals and values the loop does not write (so the iterations are independent): then all
 * shares are collected first and opened together. When
 * the value is one secret x secret product of non-interactive factors, the factors are collected
 * and multiplied with one Share.batch_mul, so the whole loop costs two rounds instead of two per
 * iteration. The appended values and their order are unchanged, and so is a loop of zero
 * iterations (empty batches cost nothing).
 */
#include <string.h>

#include "opt.h"

static const char *call_target(const struct expr *e)
{
    if (e->kind != E_CALL || !e->func)
        return "";
    return e->call_name ? e->call_name : e->func->vm_name;
}

/* A value the collecting loop may compute in any iteration order: no calls, no writes. */
static bool independent(const struct expr *e, const struct var_sym *out)
{
    if (!e)
        return true;
    switch (e->kind) {
    case E_INT: case E_FLOAT: case E_BOOL: return true;
    case E_IDENT: return e->var && e->var != out && !(e->var->is_global && e->var->used_in_func);
    case E_FIELD: return e->const_folded;
    case E_INDEX: return e->a->kind == E_IDENT && independent(e->a, out) && independent(e->b, out);
    case E_UNARY: return opt_scalar(e->type) && independent(e->a, out);
    case E_BINARY: return opt_scalar(e->type) && independent(e->a, out) && independent(e->b, out);
    default: return false;
    }
}

static bool literal_bound(const struct expr *e, int64_t *v)
{
    bool neg = e->kind == E_UNARY && e->op == OP_NEG;
    const struct expr *l = neg ? e->a : e;
    if (l->kind != E_INT || l->ival > (u128)(1 << 30))
        return false;
    *v = neg ? -(int64_t)l->ival : (int64_t)l->ival;
    return true;
}

static bool secret_int(const struct type *t)
{
    return t && t->secret && t->kind == TY_INT;
}

static struct func_sym *builtin_sym(struct opt_ctx *o, const char *name, size_t nparams, struct type *ret)
{
    struct func_sym *f = arena_alloc(&o->cx->arena, sizeof *f);
    f->name = f->vm_name = name;
    f->builtin = true;
    f->nparams = nparams;
    f->param_types = arena_alloc(&o->cx->arena, nparams * sizeof *f->param_types);
    for (size_t i = 0; i < nparams; i++)
        f->param_types[i] = o->ch->t_unknown; /* no promotion: the arguments are what they are */
    f->ret = ret;
    return f;
}

static struct expr *new_expr(struct opt_ctx *o, int kind, const struct expr *at, struct type *t)
{
    struct expr *e = arena_alloc(&o->cx->arena, sizeof *e);
    e->kind = kind;
    e->line = at->line;
    e->col = at->col;
    e->file = at->file;
    e->type = t;
    return e;
}

static struct expr *call2(struct opt_ctx *o, const char *name, struct type *ret, const struct expr *at, struct expr *a,
                          struct expr *b)
{
    size_t n = b ? 2 : 1;
    struct expr *e = new_expr(o, E_CALL, at, ret);
    e->func = builtin_sym(o, name, n, ret);
    e->call_name = name;
    e->call_kind = CALL_BUILTIN;
    e->call_args = arena_alloc(&o->cx->arena, n * sizeof *e->call_args);
    e->call_args[0].value = a;
    if (b)
        e->call_args[1].value = b;
    e->call_arg_count = n;
    return e;
}

static struct expr *read_of(struct opt_ctx *o, struct var_sym *v, const struct expr *at)
{
    struct expr *e = new_expr(o, E_IDENT, at, v->type);
    e->var = v;
    e->name = v->name;
    return e;
}

static struct stmt *new_stmt(struct opt_ctx *o, int kind, const struct stmt *at)
{
    struct stmt *s = arena_alloc(&o->cx->arena, sizeof *s);
    s->kind = kind;
    s->line = at->line;
    s->col = at->col;
    s->file = at->file;
    s->hidden = true;
    return s;
}

/* `var <hidden>: list[T]` (an empty list) */
static struct stmt *new_list(struct opt_ctx *o, const struct stmt *at, struct type *elem, struct var_sym **out)
{
    struct var_sym *v = arena_alloc(&o->cx->arena, sizeof *v);
    v->name = arena_printf(&o->cx->arena, "__batch_%d", o->cx->hidden_counter++);
    v->type = ty_list(o->ch, elem);
    v->hidden = true;
    struct stmt *s = new_stmt(o, S_VAR, at);
    s->name = v->name;
    s->var = v;
    *out = v;
    return s;
}

static struct stmt *expr_stmt(struct opt_ctx *o, const struct stmt *at, struct expr *e)
{
    struct stmt *s = new_stmt(o, S_EXPR, at);
    s->e = e;
    return s;
}

/* The statements replacing loop s (NULL when it does not qualify); *n gets their count. */
static struct stmt **rewrite(struct opt_ctx *o, struct stmt *s, size_t *n)
{
    if (s->kind != S_FOR || s->body.count < 1 || s->hoist.count)
        return NULL;
    size_t nlocals = s->body.count - 1;
    struct stmt *body = s->body.stmts[nlocals];
    if (body->kind != S_EXPR)
        return NULL;
    struct expr *app = body->e;
    if (strcmp(call_target(app), "append") != 0 || !app->func->builtin || app->call_arg_count != 2)
        return NULL;
    struct expr *list = app->call_args[0].value, *rv = app->call_args[1].value;
    if (list->kind != E_IDENT || !list->var || list->var == s->var || (list->var->is_global && list->var->used_in_func))
        return NULL;
    if (strcmp(call_target(rv), "Share.open") != 0 || rv->call_arg_count != 1)
        return NULL;
    struct expr *val = rv->call_args[0].value;
    if (!ty_is_secret(val->type) || !opt_scalar(val->type) || !independent(val, list->var))
        return NULL;
    for (size_t i = 0; i < nlocals; i++) {
        struct stmt *d = s->body.stmts[i];
        if (d->kind != S_VAR || !d->e || d->var == list->var || !opt_scalar(d->var->type) || !independent(d->e, list->var))
            return NULL;
    }
    struct type *any_list = ty_list(o->ch, o->ch->t_unknown);
    struct stmt **out = arena_alloc(&o->cx->arena, 5 * sizeof *out);
    size_t k = 0;
    struct expr *opened_from;
    struct stmt *loop = s;
    bool product = val->kind == E_BINARY && val->op == OP_MUL && secret_int(val->type) && secret_int(val->a->type) &&
                   secret_int(val->b->type) && val->a->type->bits == val->type->bits &&
                   val->b->type->bits == val->type->bits && !opt_interactive(val->a) && !opt_interactive(val->b);
    if (product) {
        struct var_sym *fa, *fb;
        out[k++] = new_list(o, s, val->a->type, &fa);
        out[k++] = new_list(o, s, val->b->type, &fb);
        struct stmt *pa = expr_stmt(o, body, call2(o, "append", o->ch->t_void, app, read_of(o, fa, app), val->a));
        struct stmt *pb = expr_stmt(o, body, call2(o, "append", o->ch->t_void, app, read_of(o, fb, app), val->b));
        struct stmt **grown = arena_alloc(&o->cx->arena, (nlocals + 2) * sizeof *grown);
        for (size_t i = 0; i < nlocals; i++)
            grown[i] = loop->body.stmts[i];
        grown[nlocals] = pa;
        grown[nlocals + 1] = pb;
        loop->body.stmts = grown;
        loop->body.count = nlocals + 2;
        opened_from = call2(o, "Share.batch_mul", any_list, app, read_of(o, fa, app), read_of(o, fb, app));
        int64_t lo, hi;
        if (s->is_range && literal_bound(s->e, &lo) && literal_bound(s->e2, &hi)) /* for the demand estimate */
            opened_from->aux = (void *)(intptr_t)((hi > lo ? hi - lo : 0) + 1);
    } else if (!opt_interactive(val)) {
        struct var_sym *sh;
        out[k++] = new_list(o, s, val->type, &sh);
        app->call_args[0].value = read_of(o, sh, app);
        app->call_args[1].value = val;
        app->func = builtin_sym(o, "append", 2, o->ch->t_void);
        app->call_name = "append";
        opened_from = read_of(o, sh, app);
    } else {
        return NULL;
    }
    out[k++] = loop;
    struct expr *opened = call2(o, "Share.batch_open", any_list, app, opened_from, NULL);
    out[k++] = expr_stmt(o, s, call2(o, "extend", o->ch->t_void, app, list, opened));
    *n = k;
    return out;
}

void opt_reveal_loops(struct opt_ctx *o, struct block *b)
{
    size_t extra = 0;
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        if (s->kind == S_FUNC)
            continue;
        opt_reveal_loops(o, &s->body);
        opt_reveal_loops(o, &s->els);
        if (s->kind == S_FOR)
            extra += 4;
    }
    if (!extra)
        return;
    struct stmt **out = arena_alloc(&o->cx->arena, (b->count + extra) * sizeof *out);
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++) {
        size_t k = 0;
        struct stmt **rep = rewrite(o, b->stmts[i], &k);
        if (!rep) {
            out[n++] = b->stmts[i];
            continue;
        }
        for (size_t j = 0; j < k; j++)
            out[n++] = rep[j];
    }
    b->stmts = out;
    b->count = n;
}
