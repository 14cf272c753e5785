/*
 * check_call.c - semantic analysis, part 3: calls (language.md sections 2.5, 3.2, 5.2, 7):
 * UFCS resolution, builtin objects, named/default/variadic arguments, object constructors,
 * generics, the secret-argument rules, and recording of client inputs/outputs for the manifest.
 */
#include <string.h>

#include "check.h"

static const char *method_hint(struct checker *ch, const char *name)
{
    static const struct { const char *name, *hint; } hints[] = {
        {"pop", "use pop(arr) (array_pop(arr))"}, {"get", "use arr[index]"}, {"set", "use arr[index] = value"},
        {"open", "use Share.open(value) or value.reveal()"}, {"push", "use append(xs, v)"},
        {"length", "use len(xs)"}, {"size", "use len(xs)"},
    };
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
        if (strcmp(hints[i].name, name) == 0)
            return hints[i].hint;
    const char *best = suggest_name(ch, name, true);
    return best ? arena_printf(&ch->cx->arena, "Did you mean '%s'?", best) : NULL;
}

/* Binds type variables of `pat` against `actual` (both sides may be nested lists/dicts). */
static void unify(struct checker *ch, struct type *pat, struct type *actual, const char **names, struct type **bound, size_t n)
{
    if (!pat || !actual || (ty_is_unknown(actual) && actual->kind != TY_TYPEVAR))
        return;
    if (pat->kind == TY_TYPEVAR) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(names[i], pat->name) == 0) {
                struct type *a = actual;
                if (pat->secret)
                    a = actual->kind == TY_SHARE ? ch->t_i64 : ty_clear(ch, actual);
                if (!bound[i])
                    bound[i] = a;
            }
        return;
    }
    if (pat->kind == TY_LIST && actual->kind == TY_LIST)
        unify(ch, pat->elem, actual->elem, names, bound, n);
    if (pat->kind == TY_DICT && actual->kind == TY_DICT) {
        unify(ch, pat->key, actual->key, names, bound, n);
        unify(ch, pat->elem, actual->elem, names, bound, n);
    }
}

static struct type *subst(struct checker *ch, struct type *t, const char **names, struct type **bound, size_t n)
{
    if (!t)
        return t;
    if (t->kind == TY_TYPEVAR) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(names[i], t->name) == 0)
                return bound[i] ? (t->secret ? ty_secret(ch, bound[i]) : bound[i]) : ch->t_unknown;
        return ch->t_unknown;
    }
    if (t->kind == TY_LIST)
        return ty_list(ch, subst(ch, t->elem, names, bound, n));
    if (t->kind == TY_DICT)
        return ty_dict(ch, subst(ch, t->key, names, bound, n), subst(ch, t->elem, names, bound, n));
    return t;
}

static const char *arity_text(struct checker *ch, struct func_sym *f)
{
    size_t min = 0, max = f->nparams;
    for (size_t i = 0; i < f->nparams; i++)
        if (!f->param_defaults[i] && !(f->variadic && i + 1 == f->nparams))
            min++;
    if (f->variadic)
        return arena_printf(&ch->cx->arena, "at least %zu argument(s)", min);
    if (min != max)
        return arena_printf(&ch->cx->arena, "%zu to %zu argument(s)", min, max);
    return arena_printf(&ch->cx->arena, "%zu argument(s)", max);
}

/* Can this expression be resolved to a fixed set of int values at compile time? */
static bool static_ints(struct expr *e, int64_t *lo, int64_t *hi)
{
    if (e->kind == E_INT && e->ival <= (u128)INT64_MAX) {
        *lo = *hi = (int64_t)e->ival;
        return true;
    }
    if (e->kind == E_IDENT && e->var) {
        if (e->var->literal_bounded && e->var->hi > e->var->lo && e->var->hi - e->var->lo <= 4096) {
            *lo = e->var->lo;
            *hi = e->var->hi - 1;
            return true;
        }
        if (e->var->has_const && !e->var->reassigned) {
            *lo = *hi = e->var->const_val;
            return true;
        }
    }
    return false;
}

static void record_io(struct checker *ch, struct expr *call, struct expr *slot, struct expr *ordinal, bool output,
                      struct type *t, const char *what)
{
    if (ch->pass != 2 || ch->quiet)
        return;
    int64_t slo, shi, olo = 0, ohi = 0;
    bool ok = static_ints(slot, &slo, &shi) && (output || static_ints(ordinal, &olo, &ohi));
    if (!ok || slo < 0 || olo < 0) {
        diag_add(ch->cx, SEV_WARNING, "W001", ch->module->file, call->line, call->col,
                 "use a literal, a literal-bounded loop variable or a never-reassigned int constant",
                 "client %s call `%s` uses a client slot that cannot be resolved statically; it is left out of the client-IO manifest",
                 output ? "output" : "input", what);
        return;
    }
    struct type *b = t && t->kind != TY_SHARE ? ty_clear(ch, t) : ch->t_i64;
    for (int64_t s = slo; s <= shi; s++)
        for (int64_t o = olo; o <= ohi; o++) {
            struct client_io *io = arena_alloc(&ch->cx->arena, sizeof *io);
            io->slot = s;
            io->ordinal = output ? -1 : o;
            io->output = output;
            io->site = call;
            if (b && b->kind == TY_FIX) {
                io->share_kind = 1;
                io->bits = 64;
                io->frac = 16;
            } else if (b && b->kind == TY_BOOL) {
                io->bits = 1;
            } else if (b && b->kind == TY_INT) {
                io->share_kind = b->is_signed ? 0 : 2;
                io->bits = b->bits;
            } else if (b && b->kind == TY_LIST) {
                struct type *el = b->elem && b->elem->kind != TY_SHARE ? ty_clear(ch, b->elem) : ch->t_i64;
                io->share_kind = el->kind == TY_FIX ? 1 : (el->kind == TY_INT && !el->is_signed) ? 2 : 0;
                io->bits = el->kind == TY_BOOL ? 1 : el->kind == TY_INT ? el->bits : 64;
                io->frac = el->kind == TY_FIX ? 16 : 0;
            } else {
                io->bits = 64;
            }
            ptrvec_push(&ch->cx->arena, &ch->client_io, io);
        }
}

static struct type *check_constructor(struct checker *ch, struct expr *e, struct type *ot)
{
    struct object_info *o = ot->obj;
    bool *seen = arena_alloc(&ch->cx->arena, o->field_count + 1);
    for (size_t i = 0; i < e->arg_count; i++) {
        struct arg *a = &e->args[i];
        if (!a->name) {
            check_error(ch, "E201", a->value->line, a->value->col, arena_printf(&ch->cx->arena, "write %s(field: value, ...)", o->name),
                        "Constructor for '%s' expects named field arguments", o->name);
            check_expr(ch, a->value, NULL);
            continue;
        }
        size_t k = 0;
        while (k < o->field_count && strcmp(o->field_names[k], a->name) != 0)
            k++;
        if (k == o->field_count) {
            check_error(ch, "E101", a->value->line, a->value->col, NULL, "Unknown field '%s' for object '%s'", a->name, o->name);
            check_expr(ch, a->value, NULL);
            continue;
        }
        if (seen[k])
            check_error(ch, "E201", a->value->line, a->value->col, NULL, "Duplicate field '%s' in constructor for '%s'", a->name, o->name);
        seen[k] = true;
        check_expr(ch, a->value, o->field_types[k]);
        check_assignable(ch, o->field_types[k], a->value, a->value->line, a->value->col, "Cannot initialize field '%s' of type", a->name);
    }
    e->call_kind = CALL_CONSTRUCTOR;
    e->call_args = e->args;
    e->call_arg_count = e->arg_count;
    return ot;
}

/* Orders the arguments of a user function call: positional, named, defaults, variadic. */
static bool bind_user_args(struct checker *ch, struct expr *e, struct func_sym *f, struct arg *args, size_t n)
{
    size_t np = f->nparams;
    size_t fixed = f->variadic ? np - 1 : np;
    struct expr **slot = arena_alloc(&ch->cx->arena, (np + 1) * sizeof *slot);
    struct ptrvec extra = {0};
    bool named_seen = false, ok = true;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        struct arg *a = &args[i];
        if (a->name) {
            if (f->variadic) {
                check_error(ch, "E201", a->value->line, a->value->col, NULL, "Named arguments are not allowed in a call to variadic function '%s'",
                            f->name);
                ok = false;
                continue;
            }
            named_seen = true;
            size_t k = 0;
            while (k < np && strcmp(f->param_names[k], a->name) != 0)
                k++;
            if (k == np) {
                check_error(ch, "E201", a->value->line, a->value->col, NULL, "Function '%s' has no parameter named '%s'", f->name, a->name);
                ok = false;
            } else if (slot[k]) {
                check_error(ch, "E201", a->value->line, a->value->col, NULL, "Argument '%s' given more than once in call to '%s'", a->name,
                            f->name);
                ok = false;
            } else {
                slot[k] = a->value;
            }
            continue;
        }
        if (named_seen) {
            check_error(ch, "E201", a->value->line, a->value->col, "put positional arguments first", "Positional argument after named argument in call to '%s'",
                        f->name);
            ok = false;
            continue;
        }
        if (pos < fixed)
            slot[pos++] = a->value;
        else if (f->variadic)
            ptrvec_push(&ch->cx->arena, &extra, a->value);
        else {
            check_error(ch, "E201", e->line, e->col, NULL, "Function '%s' expects %s, but %zu were provided", f->name, arity_text(ch, f), n);
            return false;
        }
    }
    for (size_t k = 0; k < fixed; k++)
        if (!slot[k]) {
            if (f->param_defaults[k])
                slot[k] = f->param_defaults[k];
            else {
                if (ok)
                    check_error(ch, "E201", e->line, e->col, NULL, "Function '%s' expects %s, but %zu were provided (missing argument '%s')",
                                f->name, arity_text(ch, f), n, f->param_names[k]);
                return false;
            }
        }
    if (f->variadic) {
        struct expr *l = arena_alloc(&ch->cx->arena, sizeof *l);
        l->kind = E_LIST;
        l->line = e->line;
        l->col = e->col;
        l->file = e->file;
        l->items = (struct expr **)extra.items;
        l->item_count = extra.len;
        slot[np - 1] = l;
    }
    e->call_args = arena_alloc(&ch->cx->arena, (np + 1) * sizeof *e->call_args);
    for (size_t k = 0; k < np; k++)
        e->call_args[k].value = slot[k];
    e->call_arg_count = np;
    return ok;
}

static struct type *check_function_call(struct checker *ch, struct expr *e, struct func_sym *f, struct arg *args, size_t n,
                                        struct type *expected)
{
    e->func = f;
    e->call_name = f->vm_name;
    e->call_kind = f->builtin ? CALL_BUILTIN : CALL_USER;
    if (f->builtin) {
        size_t min = 0;
        for (size_t i = 0; i < f->nparams; i++)
            if (!f->param_defaults[i] && !(f->variadic && i + 1 == f->nparams))
                min++;
        for (size_t i = 0; i < n; i++)
            if (args[i].name) {
                check_error(ch, "E201", args[i].value->line, args[i].value->col, "pass the arguments by position",
                            "Builtin function '%s' does not accept named arguments", f->name);
                return f->ret;
            }
        if (n < min || (!f->variadic && n > f->nparams)) {
            check_error(ch, "E201", e->line, e->col, NULL, "Function '%s' expects %s, but %zu were provided", f->name, arity_text(ch, f), n);
            for (size_t i = 0; i < n; i++)
                check_expr(ch, args[i].value, NULL);
            return f->ret;
        }
        e->call_args = args;
        e->call_arg_count = n;
    } else if (!bind_user_args(ch, e, f, args, n)) {
        for (size_t i = 0; i < n; i++)
            if (!args[i].value->type)
                check_expr(ch, args[i].value, NULL);
        return f->ret;
    }
    struct type **bound = arena_alloc(&ch->cx->arena, (f->ngenerics + 1) * sizeof *bound);
    for (size_t i = 0; i < e->call_arg_count; i++) {
        struct expr *a = e->call_args[i].value;
        size_t pi = i < f->nparams ? i : f->nparams - 1;
        struct type *pt = f->param_types[pi];
        bool vararg = f->variadic && pi + 1 == f->nparams;
        if (vararg && !f->builtin)
            pt = ty_list(ch, pt);
        struct type *want = subst(ch, pt, f->generics, bound, f->ngenerics);
        if (want->kind == TY_SHARE)
            want = NULL;
        struct type *at = check_expr(ch, a, ty_is_unknown(want) ? NULL : want);
        unify(ch, pt, at, f->generics, bound, f->ngenerics);
        if (f->first_secret && i == 0 && !ty_is_unknown(at) && !ty_is_secret(at)) {
            check_error(ch, "E101", a->line, a->col, "only secret values can be revealed", "Expected secret value, found '%s'", ty_name(ch, at));
            continue;
        }
        struct type *target = subst(ch, pt, f->generics, bound, f->ngenerics);
        if (ty_is_unknown(target))
            continue;
        refine_var(ch, a, target, arena_printf(&ch->cx->arena, "argument %zu of '%s' at %d:%d", i + 1, f->name, a->line, a->col));
        if (ch->pass == 1)
            continue;
        int c = ty_compat(target, a->type);
        if (c == COMPAT_REVEAL)
            check_error(ch, "E101", a->line, a->col, "call .reveal() to open the secret value explicitly",
                        "Cannot implicitly reveal '%s' as '%s' (argument %zu to function '%s')", ty_name(ch, a->type),
                        ty_name(ch, target), i + 1, f->name);
        else if (c != COMPAT_OK)
            check_error(ch, "E101", a->line, a->col, NULL, "Argument %zu to function '%s' has type '%s', but parameter expects '%s'", i + 1,
                        f->name, ty_name(ch, a->type), ty_name(ch, target));
    }
    /* a return-only type variable is bound from the expected type */
    if (f->ret->kind == TY_TYPEVAR && expected)
        unify(ch, f->ret, expected, f->generics, bound, f->ngenerics);
    struct type *ret = subst(ch, f->ret, f->generics, bound, f->ngenerics);
    return ret;
}

/* Builtins whose result type or lowering depends on the call site. */
static struct type *special_builtin(struct checker *ch, struct expr *e, struct type *ret, struct type *expected)
{
    const char *n = e->func->name;
    struct type *exp_clear = expected && expected->kind != TY_SHARE ? ty_clear(ch, expected) : NULL;
    if (!strcmp(n, "slice") && e->call_arg_count > 0)
        return e->call_args[0].value->type;
    if (!strcmp(n, "pop") && e->call_arg_count > 0 && e->call_args[0].value->type->kind == TY_LIST)
        return e->call_args[0].value->type->elem;
    if (!strcmp(n, "Share.random")) {
        if (!expected || !ty_is_secret(expected) || !(exp_clear && (exp_clear->kind == TY_INT || exp_clear->kind == TY_BOOL))) {
            check_error(ch, "E101", e->line, e->col, "write `var r: secret int64 = Share.random()`",
                        "Share.random() requires an expected secret integer type");
            return ch->t_share;
        }
        e->call_name = "Share.random_int";
        e->aux = (void *)(intptr_t)(exp_clear->kind == TY_BOOL ? 1 : exp_clear->bits);
        return expected;
    }
    if (!strncmp(n, "ClientStore.take_share", 22) && e->call_arg_count == 2) {
        struct type *t;
        if (!strcmp(n, "ClientStore.take_share_bool"))
            t = ch->t_sbool;
        else if (!strcmp(n, "ClientStore.take_share_fixed"))
            t = ty_secret(ch, ch->t_fix);
        else if (expected && ty_is_secret(expected) && expected->kind != TY_SHARE)
            t = expected;
        else
            t = ty_secret(ch, ch->t_i64);
        record_io(ch, e, e->call_args[0].value, e->call_args[1].value, false, t, n);
        return t;
    }
    if (!strcmp(n, "MpcOutput.send_to_client") && e->call_arg_count == 2) {
        record_io(ch, e, e->call_args[0].value, NULL, true, e->call_args[1].value->type, n);
        return ret;
    }
    if (!strcmp(n, "Share.send_to_client") && e->call_arg_count == 2) {
        record_io(ch, e, e->call_args[1].value, NULL, true, e->call_args[0].value->type, n);
        return ret;
    }
    return ret;
}

struct type *check_call(struct checker *ch, struct expr *e, struct type *expected)
{
    struct expr *callee = e->a;
    struct func_sym *f = NULL;
    struct arg *args = e->args;
    size_t n = e->arg_count;
    if (callee->kind == E_IDENT) {
        const char *name = callee->name;
        struct var_sym *v = lookup_var(ch, name);
        struct type *ot = strmap_get(&ch->types, name);
        if (!v && ot && ot->kind == TY_OBJECT)
            return check_constructor(ch, e, ot);
        f = strmap_get(&ch->funcs, name);
        if (!f || strchr(name, '.')) {
            if (v)
                check_error(ch, "E201", callee->line, callee->col, "use call_closure(c) for closures", "'%s' is not a function", name);
            else {
                const char *hint = method_hint(ch, name);
                check_error(ch, "E201", callee->line, callee->col, hint, "Use of undeclared function '%s'", name);
            }
            for (size_t i = 0; i < n; i++)
                check_expr(ch, args[i].value, NULL);
            return ch->t_unknown;
        }
    } else if (callee->kind == E_FIELD) {
        struct expr *recv = callee->a;
        const char *m = callee->name;
        bool recv_is_var = recv->kind == E_IDENT && lookup_var(ch, recv->name);
        if (recv->kind == E_IDENT && !recv_is_var && strmap_get(&ch->builtin_objects, recv->name)) {
            const char *q = arena_printf(&ch->cx->arena, "%s.%s", recv->name, m);
            f = strmap_get(&ch->funcs, q);
            if (!f) {
                check_error(ch, "E201", callee->line, callee->col, NULL, "Unknown builtin '%s'", q);
                for (size_t i = 0; i < n; i++)
                    check_expr(ch, args[i].value, NULL);
                return ch->t_unknown;
            }
        } else if (recv->kind == E_IDENT && !recv_is_var && strmap_get(&ch->prefixes, recv->name)) {
            struct module *mod = strmap_get(&ch->prefixes, recv->name);
            f = strmap_get(&ch->funcs, arena_printf(&ch->cx->arena, "%s.%s", mod->prefix, m));
            if (!f) {
                check_error(ch, "E201", callee->line, callee->col, NULL, "Module '%s' has no function '%s'", recv->name, m);
                for (size_t i = 0; i < n; i++)
                    check_expr(ch, args[i].value, NULL);
                return ch->t_unknown;
            }
        } else {
            /* UFCS: e.m(args) -> m(e, args), else a receiver-bound Share method */
            struct type *rt = check_expr(ch, recv, NULL);
            if (!strcmp(m, "length") || !strcmp(m, "push")) {
                check_error(ch, "E201", callee->line, callee->col, !strcmp(m, "push") ? "use append(xs, v)" : "use len(xs)",
                            "'.%s' is not supported; %s", m, !strcmp(m, "push") ? "use append(xs, v)" : "use len(xs)");
                for (size_t i = 0; i < n; i++)
                    check_expr(ch, args[i].value, NULL);
                return ch->t_unknown;
            }
            f = strmap_get(&ch->funcs, m);
            if (!f && ty_is_secret(rt)) {
                f = strmap_get(&ch->funcs, arena_printf(&ch->cx->arena, "Share.%s", m));
                if (f && !f->receiver_bound)
                    f = NULL;
            }
            if (!f) {
                check_error(ch, "E201", callee->line, callee->col, method_hint(ch, m), "Use of undeclared function '%s'", m);
                for (size_t i = 0; i < n; i++)
                    check_expr(ch, args[i].value, NULL);
                return ch->t_unknown;
            }
            struct arg *all = arena_alloc(&ch->cx->arena, (n + 1) * sizeof *all);
            all[0].value = recv;
            for (size_t i = 0; i < n; i++)
                all[i + 1] = args[i];
            args = all;
            n++;
        }
    } else {
        check_expr(ch, callee, NULL);
        check_error(ch, "E201", e->line, e->col, NULL, "This expression is not callable");
        return ch->t_unknown;
    }
    struct type *ret = check_function_call(ch, e, f, args, n, expected);
    /* a function reading or writing an upvalue by a literal name declares it (vm-bytecode.md 2.5) */
    if (f->builtin && (!strcmp(f->name, "get_upvalue") || !strcmp(f->name, "set_upvalue")) && n > 0 &&
        args[0].value->kind == E_STRING && ch->fn && ch->fn->fn && !ch->fn->toplevel) {
        struct ptrvec *uv = &ch->fn->fn->upvalues;
        bool seen = false;
        for (size_t i = 0; i < uv->len; i++)
            if (!strcmp(uv->items[i], args[0].value->sval))
                seen = true;
        if (!seen)
            ptrvec_push(&ch->cx->arena, uv, (void *)args[0].value->sval);
    }
    if (f->builtin)
        ret = special_builtin(ch, e, ret, expected);
    return ret;
}
