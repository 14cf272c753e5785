/*
 * check_module.c - semantic analysis, part 5: function bodies (two inference passes), type and
 * function declarations, entry selection (def main / {.entry.} / script), imported modules and
 * the prelude.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

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
        f->upvalues.len = 0;
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
        memset(&global->index, 0, sizeof global->index);
        ch->scope = global;
        ch->global = global;
        ch->fn = &top;
        if (script_fn)
            script_fn->locals.len = 0;
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
