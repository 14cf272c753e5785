/*
 * check.c - semantic analysis, part 1 (language.md section 3): the string map, errors and
 * suggestions, scopes and variable symbols, and the inference constraint rule (refine_var).
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

struct scope *push_scope(struct checker *ch, bool is_function)
{
    struct scope *s = arena_alloc(&ch->cx->arena, sizeof *s);
    s->parent = ch->scope;
    s->is_function = is_function;
    ch->scope = s;
    return s;
}

void pop_scope(struct checker *ch)
{
    ch->scope = ch->scope->parent;
}

#define SCOPE_INDEX_MIN 16

static struct var_sym *scope_find(struct scope *s, const char *name)
{
    if (s->index.cap)
        return strmap_get(&s->index, name);
    for (size_t i = s->vars.len; i-- > 0;) {
        struct var_sym *v = s->vars.items[i];
        if (strcmp(v->name, name) == 0)
            return v;
    }
    return NULL;
}

struct var_sym *lookup_var(struct checker *ch, const char *name)
{
    bool crossed_function = false;
    for (struct scope *s = ch->scope; s; s = s->parent) {
        struct var_sym *v = scope_find(s, name);
        if (v) {
            if (v->is_global && crossed_function)
                v->used_in_func = true;
            return v;
        }
        if (s->is_function)
            crossed_function = true;
    }
    return NULL;
}

struct var_sym *declare_var(struct checker *ch, const char *name, struct type *t, int line, int col)
{
    struct var_sym *o = scope_find(ch->scope, name);
    if (o && !o->hidden)
        check_error(ch, "E201", line, col,
                    arena_printf(&ch->cx->arena, "'%s' was first declared at line %d, column %d", name, o->line, o->col),
                    "Symbol '%s' already declared in this scope", name);
    struct var_sym *v = arena_alloc(&ch->cx->arena, sizeof *v);
    v->name = name;
    v->type = t;
    v->line = line;
    v->col = col;
    v->file = ch->module ? ch->module->file : "";
    v->module = ch->module;
    v->is_global = ch->scope->is_global;
    v->cg_home = -1;
    struct scope *sc = ch->scope;
    ptrvec_push(&ch->cx->arena, &sc->vars, v);
    if (sc->index.cap)
        strmap_put(&ch->cx->arena, &sc->index, name, v);
    else if (sc->vars.len >= SCOPE_INDEX_MIN)
        for (size_t i = 0; i < sc->vars.len; i++) /* build the index once the scope grows */
            strmap_put(&ch->cx->arena, &sc->index, ((struct var_sym *)sc->vars.items[i])->name, sc->vars.items[i]);
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

