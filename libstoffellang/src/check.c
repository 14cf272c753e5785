/*
 * check.c - semantic analysis, part 1 (language.md section 3): symbol tables and scopes,
 * declarations in source order, statements, return paths, entry selection and module linking.
 *
 * Local type inference (section 3.4) runs each function body twice: pass 1 is silent and lets
 * weakly typed variables (`var x = 0`, `[]`, `{}`) take the type later constraints ask for;
 * pass 2 checks again with those types fixed and reports the diagnostics.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* ---------------------------------------------------------------- string map */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void *strmap_get(const struct strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = str_hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

void strmap_put(struct arena *a, struct strmap *m, const char *key, void *val)
{
    if ((m->len + 1) * 2 > m->cap) {
        struct strmap n = {0};
        n.cap = m->cap ? m->cap * 2 : 64;
        n.keys = arena_alloc(a, n.cap * sizeof *n.keys);
        n.vals = arena_alloc(a, n.cap * sizeof *n.vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                strmap_put(a, &n, m->keys[i], m->vals[i]);
        *m = n;
    }
    size_t i = str_hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) {
            m->vals[i] = val;
            return;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->len++;
}

/* ---------------------------------------------------------------- errors and lookups */

void check_error(struct checker *ch, const char *code, int line, int col, const char *hint, const char *fmt, ...)
{
    if (ch->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(&ch->cx->arena, fmt, ap);
    va_end(ap);
    diag_add(ch->cx, SEV_ERROR, code, ch->module ? ch->module->file : "", line, col, hint, "%s", msg);
}

struct type *lookup_type_name(struct checker *ch, const char *name)
{
    for (size_t i = 0; i < ch->cur_generic_count; i++)
        if (strcmp(ch->cur_generics[i], name) == 0) {
            struct type *t = ty_new(ch, TY_TYPEVAR);
            t->name = name;
            return t;
        }
    return strmap_get(&ch->types, name);
}

static const char *best_match(const char *name, const char **cands, size_t n)
{
    size_t len = strlen(name);
    size_t limit = len * 2 / 5 > 2 ? len * 2 / 5 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || cands[i][0] == '_' || strcmp(cands[i], name) == 0)
            continue;
        size_t d = lang_edit_distance(name, cands[i]);
        if (d < best_d || (d == best_d && best && strcmp(cands[i], best) < 0)) {
            best_d = d;
            best = cands[i];
        }
    }
    return best;
}

const char *suggest_type_name(struct checker *ch, const char *name)
{
    static const char *builtin_types[] = {"int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8",
                                          "float", "fix64", "bool", "string", "list", "dict", "bytes", "Share"};
    const char *b = best_match(name, builtin_types, sizeof builtin_types / sizeof builtin_types[0]);
    const char *u = best_match(name, ch->types.keys, ch->types.cap);
    return b ? b : u;
}

const char *suggest_name(struct checker *ch, const char *name, bool funcs_only)
{
    struct ptrvec cands = {0};
    if (!funcs_only)
        for (struct scope *s = ch->scope; s; s = s->parent)
            for (size_t i = 0; i < s->vars.len; i++)
                ptrvec_push(&ch->cx->arena, &cands, (void *)((struct var_sym *)s->vars.items[i])->name);
    for (size_t i = 0; i < ch->funcs.cap; i++)
        if (ch->funcs.keys[i] && !strchr(ch->funcs.keys[i], '.'))
            ptrvec_push(&ch->cx->arena, &cands, (void *)ch->funcs.keys[i]);
    return best_match(name, (const char **)cands.items, cands.len);
}

static struct scope *push_scope(struct checker *ch, bool is_function)
{
    struct scope *s = arena_alloc(&ch->cx->arena, sizeof *s);
    s->parent = ch->scope;
    s->is_function = is_function;
    ch->scope = s;
    return s;
}

static void pop_scope(struct checker *ch)
{
    ch->scope = ch->scope->parent;
}

struct var_sym *lookup_var(struct checker *ch, const char *name)
{
    bool crossed_function = false;
    for (struct scope *s = ch->scope; s; s = s->parent) {
        for (size_t i = s->vars.len; i-- > 0;) {
            struct var_sym *v = s->vars.items[i];
            if (strcmp(v->name, name) == 0) {
                if (v->is_global && crossed_function)
                    v->used_in_func = true;
                return v;
            }
        }
        if (s->is_function)
            crossed_function = true;
    }
    return NULL;
}

struct var_sym *declare_var(struct checker *ch, const char *name, struct type *t, int line, int col)
{
    for (size_t i = 0; i < ch->scope->vars.len; i++) {
        struct var_sym *o = ch->scope->vars.items[i];
        if (strcmp(o->name, name) == 0 && !o->hidden) {
            check_error(ch, "E201", line, col,
                        arena_printf(&ch->cx->arena, "'%s' was first declared at line %d, column %d", name, o->line, o->col),
                        "Symbol '%s' already declared in this scope", name);
            break;
        }
    }
    struct var_sym *v = arena_alloc(&ch->cx->arena, sizeof *v);
    v->name = name;
    v->type = t;
    v->line = line;
    v->col = col;
    v->file = ch->module ? ch->module->file : "";
    v->module = ch->module;
    v->is_global = ch->scope->is_global;
    v->cg_home = -1;
    ptrvec_push(&ch->cx->arena, &ch->scope->vars, v);
    if (ch->fn && ch->fn->fn && !v->is_global)
        ptrvec_push(&ch->cx->arena, &ch->fn->fn->locals, v);
    return v;
}

/* Pass 1 of inference: an unannotated variable meets a constraint `t` (described by `why`). */
void refine_var(struct checker *ch, struct expr *e, struct type *t, const char *why)
{
    if (ch->pass != 1 || !e || e->kind != E_IDENT || !e->var || e->var->annotated || e->var->is_param || ty_is_unknown(t))
        return;
    struct var_sym *v = e->var;
    if (t->kind == TY_NONE || t->kind == TY_VOID)
        return;
    if (ty_is_unknown(v->type) || v->weak) {
        bool list_fill = v->type && v->type->kind == TY_LIST && t->kind == TY_LIST && ty_is_unknown(t->elem);
        bool dict_fill = v->type && v->type->kind == TY_DICT && t->kind == TY_DICT && ty_is_unknown(t->elem);
        if (list_fill || dict_fill)
            return;
        if (v->weak && v->type && (ty_is_numeric(v->type) || v->type->kind == TY_BOOL) &&
            !(ty_is_numeric(t) || t->kind == TY_BOOL || t->kind == TY_SHARE)) {
            /* a weak number meeting a non-number is a real conflict, reported by pass 2 */
            return;
        }
        if (t->kind == TY_SHARE)
            t = ty_secret(ch, v->type && v->type->kind == TY_INT ? v->type : ch->t_i64);
        v->type = t;
        v->weak = false;
        v->constraint = why;
        return;
    }
    if (ty_equal(v->type, t))
        return;
    /* a secret constraint beats a clear numeric one */
    if ((t->secret || t->kind == TY_SHARE) && !v->type->secret && ty_compat(ty_secret(ch, v->type), t) == COMPAT_OK) {
        v->type = ty_secret(ch, v->type);
        return;
    }
    if (ty_compat(v->type, t) == COMPAT_OK)
        return;
    if (!ch->refine_assign)
        return; /* a strongly typed variable meeting another type: the ordinary error reports it */
    if (!v->conflict) {
        v->conflict = arena_printf(&ch->cx->arena, "Cannot infer a single type for variable '%s': %s requires '%s', but %s requires '%s'",
                                   v->name, v->constraint ? v->constraint : "its initializer", ty_name(ch, v->type), why,
                                   ty_name(ch, t));
        v->conflict_line = e->line;
        v->conflict_col = e->col;
    }
}

/* Reports an incompatible value; `what_fmt` is e.g. "Cannot initialize variable '%s' of type". */
bool check_assignable(struct checker *ch, struct type *dst, struct expr *src, int line, int col, const char *what_fmt,
                      const char *name)
{
    struct type *st = src->type;
    int c = ty_compat(dst, st);
    if (c == COMPAT_OK)
        return true;
    if (c == COMPAT_REVEAL) {
        check_error(ch, "E101", line, col, "call .reveal() to open the secret value explicitly",
                    "Cannot implicitly reveal '%s' as '%s'", ty_name(ch, st), ty_name(ch, dst));
        return false;
    }
    char *what = arena_printf(&ch->cx->arena, what_fmt, name ? name : "");
    check_error(ch, "E101", line, col, NULL, "%s '%s' with value of type '%s'", what, ty_name(ch, dst), ty_name(ch, st));
    return false;
}

/* ---------------------------------------------------------------- statements */

static void check_block(struct checker *ch, struct block *b);

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

static void check_var(struct checker *ch, struct stmt *s)
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
    int64_t saved_mult = ch->loop_mult;
    if (literal && hi > lo && ch->loop_mult < (int64_t)1 << 40)
        ch->loop_mult *= hi - lo;
    else if (!literal)
        ch->loop_literal_depth++;
    check_block(ch, &s->body);
    if (!literal)
        ch->loop_literal_depth--;
    ch->loop_mult = saved_mult;
    ch->fn->loop_depth--;
    pop_scope(ch);
}

static void check_stmt(struct checker *ch, struct stmt *s)
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
        ch->loop_literal_depth++;
        check_block(ch, &s->body);
        ch->loop_literal_depth--;
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

static void check_block(struct checker *ch, struct block *b)
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

static bool block_returns(struct block *b);

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

static bool block_returns(struct block *b)
{
    for (size_t i = 0; i < b->count; i++)
        if (stmt_returns(b->stmts[i]))
            return true;
    return false;
}

/* ---------------------------------------------------------------- functions and modules */

static void check_function_body(struct checker *ch, struct func_sym *f)
{
    struct stmt *s = f->decl;
    struct func_ctx fc = {.fn = f, .ret = f->ret};
    struct func_ctx *saved_fn = ch->fn;
    bool saved_quiet = ch->quiet;
    int saved_pass = ch->pass;
    ch->fn = &fc;
    for (int pass = 1; pass <= 2; pass++) {
        ch->pass = pass;
        ch->quiet = pass == 1 || saved_quiet;
        f->locals.len = 0;
        push_scope(ch, true);
        for (size_t i = 0; i < s->param_count; i++) {
            struct type *pt = f->param_types[i];
            if (s->params[i].variadic)
                pt = ty_list(ch, pt);
            struct var_sym *v = declare_var(ch, s->params[i].name, pt, s->params[i].line, s->params[i].col);
            v->is_param = true;
            v->annotated = true;
        }
        check_block(ch, &s->body);
        pop_scope(ch);
    }
    ch->quiet = saved_quiet;
    ch->pass = saved_pass;
    if (f->ret->kind != TY_VOID && !block_returns(&s->body))
        check_error(ch, "E101", s->line, s->col, "add a return statement at the end of the function",
                    "Function '%s' declares return type '%s' but not all paths return a value", s->name, ty_name(ch, f->ret));
    ch->fn = saved_fn;
}

static bool is_code_stmt(struct stmt *s)
{
    switch (s->kind) {
    case S_FUNC: case S_OBJECT: case S_ENUM: case S_ALIAS: case S_IMPORT: case S_BUILTIN_TYPE: case S_BUILTIN_OPAQUE:
    case S_BUILTIN_OBJECT:
        return false;
    default: return true;
    }
}

static bool has_pragma(struct stmt *s, const char *name)
{
    for (size_t i = 0; i < s->pragma_count; i++)
        if (strcmp(s->pragmas[i].name, name) == 0)
            return true;
    return false;
}

static void declare_types(struct checker *ch, struct stmt *s)
{
    struct arena *a = &ch->cx->arena;
    switch (s->kind) {
    case S_OBJECT: {
        if (strmap_get(&ch->types, s->name)) {
            check_error(ch, "E201", s->line, s->col, NULL, "Type '%s' is already declared", s->name);
            return;
        }
        struct type *t = ty_new(ch, TY_OBJECT);
        t->name = s->name;
        struct object_info *o = arena_alloc(a, sizeof *o);
        o->name = s->name;
        struct object_info *base = NULL;
        if (s->type) {
            struct type *bt = ty_resolve(ch, s->type);
            if (bt->kind == TY_OBJECT)
                base = bt->obj;
            else if (!ty_is_unknown(bt))
                check_error(ch, "E101", s->type->line, s->type->col, NULL, "Base of object '%s' must be an object, found '%s'",
                            s->name, ty_name(ch, bt));
        }
        size_t n = (base ? base->field_count : 0) + s->field_count;
        o->field_names = arena_alloc(a, (n + 1) * sizeof(char *));
        o->field_types = arena_alloc(a, (n + 1) * sizeof(struct type *));
        if (base)
            for (size_t i = 0; i < base->field_count; i++) {
                o->field_names[o->field_count] = base->field_names[i];
                o->field_types[o->field_count++] = base->field_types[i];
            }
        t->obj = o;
        strmap_put(a, &ch->types, s->name, t); /* before the fields: a field may refer to its own type */
        for (size_t i = 0; i < s->field_count; i++) {
            for (size_t k = 0; k < o->field_count; k++)
                if (strcmp(o->field_names[k], s->fields[i].name) == 0)
                    check_error(ch, "E201", s->fields[i].line, s->fields[i].col, NULL, "Duplicate field '%s' in object '%s'",
                                s->fields[i].name, s->name);
            o->field_names[o->field_count] = s->fields[i].name;
            o->field_types[o->field_count++] = ty_resolve(ch, s->fields[i].type);
        }
        break;
    }
    case S_ENUM:
        if (strmap_get(&ch->types, s->name)) {
            check_error(ch, "E201", s->line, s->col, NULL, "Type '%s' is already declared", s->name);
            return;
        }
        strmap_put(a, &ch->types, s->name, ch->t_i64);
        strmap_put(a, &ch->enums, s->name, s);
        break;
    case S_ALIAS:
        strmap_put(a, &ch->types, s->name, ty_resolve(ch, s->type));
        break;
    case S_BUILTIN_TYPE:
        strmap_put(a, &ch->types, s->name, s->type ? ty_resolve(ch, s->type) : ch->t_unknown);
        break;
    case S_BUILTIN_OPAQUE: {
        struct type *t = ty_new(ch, TY_OPAQUE);
        t->name = s->name;
        strmap_put(a, &ch->types, s->name, t);
        break;
    }
    case S_BUILTIN_OBJECT: {
        struct type *t = ty_new(ch, TY_OPAQUE);
        t->name = s->name;
        if (!strmap_get(&ch->types, s->name))
            strmap_put(a, &ch->types, s->name, t);
        strmap_put(a, &ch->builtin_objects, s->name, (void *)1);
        for (size_t i = 0; i < s->method_count; i++)
            declare_function(ch, s->methods[i], s->name, true);
        break;
    }
    default: break;
    }
}

static void declare_user_function(struct checker *ch, struct stmt *s)
{
    bool builtin = has_pragma(s, "builtin");
    struct func_sym *old = strmap_get(&ch->funcs, s->name);
    if (old && !old->builtin && old->module == ch->module && !builtin) {
        if (strcmp(s->name, "main") == 0)
            check_error(ch, "E201", s->line, s->col, "keep one entry function", "Duplicate 'def main' entry");
        else
            check_error(ch, "E201", s->line, s->col,
                        arena_printf(&ch->cx->arena, "'%s' was first defined at line %d", s->name, old->decl->line),
                        "Function '%s' is already defined", s->name);
    }
    declare_function(ch, s, NULL, builtin);
    struct func_sym *f = s->func;
    f->shadowed = old;
    static const char *const vm_helpers[] = {"create_array", "create_object", "array_push", "array_length", "get_field",
                                             "set_field", "get_or_create_array_field", "array_concat", "array_repeat",
                                             "array_equals", NULL};
    bool clash = old && old->builtin && !builtin;
    for (int i = 0; vm_helpers[i] && !builtin; i++)
        if (!strcmp(vm_helpers[i], s->name))
            clash = true;
    if (clash) /* builtins and user functions share the VM's one namespace: rename the user's */
        f->vm_name = arena_printf(&ch->cx->arena, "user.%s", s->name);
    if (ch->module != ch->entry_module && !builtin) {
        /* imported: callable as prefix.name, and as the bare name */
        const char *canon = ch->module->prefix ? ch->module->prefix : "module";
        f->vm_name = arena_printf(&ch->cx->arena, "%s.%s", canon, s->name);
        strmap_put(&ch->cx->arena, &ch->funcs, f->vm_name, f);
    }
}

static void check_module(struct checker *ch, struct module *m, bool is_entry)
{
    ch->module = m;
    struct stmt *main_def = NULL, *entry_def = NULL, *first_code = NULL;
    for (size_t i = 0; i < m->top.count; i++) {
        struct stmt *s = m->top.stmts[i];
        if (s->kind == S_FUNC && strcmp(s->name, "main") == 0 && !main_def)
            main_def = s;
        if (s->kind == S_FUNC && has_pragma(s, "entry") && !entry_def)
            entry_def = s;
        if (is_code_stmt(s) && !first_code && !(s->kind == S_PASS))
            first_code = s;
    }
    if (is_entry) {
        if (main_def && first_code)
            check_error(ch, "E201", first_code->line, first_code->col, "move the code into main(), or remove 'def main' to write a script",
                        "Cannot mix top-level code with 'def main' entry");
        if (entry_def && (main_def || first_code))
            check_error(ch, "E201", entry_def->line, entry_def->col, NULL,
                        "An {.entry.} function cannot be combined with 'def main' or top-level code");
    }
    /* type declarations first in source order (they may be used in signatures) */
    for (size_t i = 0; i < m->top.count; i++)
        declare_types(ch, m->top.stmts[i]);
    bool script = is_entry && !main_def && !entry_def;
    struct scope *global = arena_alloc(&ch->cx->arena, sizeof *global);
    global->is_global = true;
    struct func_sym *script_fn = NULL;
    struct func_ctx top = {.toplevel = true};
    if (script) {
        script_fn = arena_alloc(&ch->cx->arena, sizeof *script_fn);
        script_fn->name = "main";
        script_fn->vm_name = "main";
        script_fn->ret = ch->t_void;
        script_fn->module = m;
        script_fn->is_entry = true;
        ch->main_fn = script_fn;
        top.fn = script_fn;
        top.ret = ch->t_void;
    }
    /* top-level code: pass 1 (silent, functions only declared) and pass 2 */
    for (int pass = is_entry ? 1 : 2; pass <= 2; pass++) {
        ch->pass = pass;
        ch->quiet = pass == 1;
        global->vars.len = 0;
        ch->scope = global;
        ch->global = global;
        ch->fn = &top;
        if (script_fn)
            script_fn->locals.len = 0;
        ch->loop_mult = 1;
        for (size_t i = 0; i < m->top.count; i++) {
            struct stmt *s = m->top.stmts[i];
            if (s->kind == S_FUNC) {
                if (pass == 1 || !is_entry) {
                    bool q = ch->quiet;
                    ch->quiet = false;
                    declare_user_function(ch, s);
                    ch->quiet = q;
                    if (pass == 1)
                        continue;
                } else {
                    strmap_put(&ch->cx->arena, &ch->funcs, s->name, s->func);
                }
                if (s->func->builtin)
                    continue;
                ch->scope = global;
                check_function_body(ch, s->func);
                ch->fn = &top;
                ch->scope = global;
                ptrvec_push(&ch->cx->arena, &ch->user_funcs, s->func);
                if (is_entry && (s == main_def || s == entry_def)) {
                    s->func->is_entry = true;
                    ch->main_fn = s->func;
                }
                continue;
            }
            if (!is_code_stmt(s))
                continue;
            if (!is_entry) {
                /* an imported module's own top-level code is dropped; its vars exist only to be
                 * reported if a function uses them */
                if (s->kind == S_VAR) {
                    bool q = ch->quiet;
                    ch->quiet = true;
                    check_var(ch, s);
                    ch->quiet = q;
                }
                continue;
            }
            check_stmt(ch, s);
            if (pass == 2 && script)
                ptrvec_push(&ch->cx->arena, &ch->script_stmts, s);
        }
        /* functions defined in this module are visible again for pass 2 in source order */
        if (pass == 1 && is_entry)
            for (size_t i = 0; i < m->top.count; i++) {
                struct stmt *s = m->top.stmts[i];
                if (s->kind == S_FUNC && s->func && !s->func->builtin && s->func->module == m) {
                    const char *n = s->func->name;
                    struct func_sym *f = strmap_get(&ch->funcs, n);
                    if (f == s->func)
                        strmap_put(&ch->cx->arena, &ch->funcs, n, s->func->shadowed);
                }
            }
    }
    ch->quiet = false;
    ch->fn = NULL;
}

static void load_prelude(struct checker *ch)
{
    struct compile_ctx *cx = ch->cx;
    struct token *toks;
    size_t n;
    const char *file = "<prelude>";
    if (!lex_file(cx, file, stoffel_lang_prelude, strlen(stoffel_lang_prelude), &toks, &n))
        return;
    struct module *m = parse_module(cx, file, toks, n);
    ch->module = m;
    for (size_t i = 0; i < m->top.count; i++) {
        struct stmt *s = m->top.stmts[i];
        if (s->kind == S_FUNC)
            declare_function(ch, s, NULL, true);
        else
            declare_types(ch, s);
    }
}

bool check_program(struct compile_ctx *cx, struct ptrvec *modules)
{
    struct checker *ch = arena_alloc(&cx->arena, sizeof *ch);
    ch->cx = cx;
    cx->checker = ch;
    ty_init(ch);
    ch->loop_mult = 1;
    load_prelude(ch);
    size_t errors_before = cx->error_count;
    if (modules->len == 0)
        return false;
    ch->entry_module = modules->items[modules->len - 1];
    for (size_t i = 0; i < modules->len; i++) {
        struct module *m = modules->items[i];
        for (size_t k = 0; k < m->import_count; k++)
            if (m->imports[k]->prefix)
                strmap_put(&cx->arena, &ch->prefixes, m->imports[k]->prefix, m->imports[k]);
        check_module(ch, m, i + 1 == modules->len);
    }
    ch->module = ch->entry_module;
    return cx->error_count == errors_before;
}
