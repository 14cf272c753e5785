/*
 * parser_decl.c - declarations (language.md section 2.2): functions with generics, parameters and
 * pragmas, variables, objects, enums, imports and builtin declarations.
 */
#include <stdio.h>
#include <string.h>

#include "parser.h"

/* pragma := '{.' pitem ('.' pitem)* '.}'      pitem := NAME [':' expr] */
static void parse_pragma(struct parser *p, struct stmt *s)
{
    struct ptrvec items = {0};
    do {
        struct pragma *pr = arena_alloc(&p->cx->arena, sizeof *pr);
        struct token *t = next_tok(p);
        if (t->kind != T_IDENT && t->kind != T_KEYWORD)
            parse_fail(p, t, NULL, "In pragma: Expected pragma name, found %s", tok_describe(p, t));
        pr->name = t->text;
        if (accept_op(p, ":"))
            pr->value = parse_expr(p, 0);
        ptrvec_push(&p->cx->arena, &items, pr);
    } while (accept_op(p, "."));
    expect_op(p, ".}", "In pragma:");
    s->pragmas = arena_alloc(&p->cx->arena, items.len * sizeof *s->pragmas);
    for (size_t i = 0; i < items.len; i++)
        s->pragmas[i] = *(struct pragma *)items.items[i];
    s->pragma_count = items.len;
}

static bool has_pragma(struct stmt *s, const char *name)
{
    for (size_t i = 0; i < s->pragma_count; i++)
        if (strcmp(s->pragmas[i].name, name) == 0)
            return true;
    return false;
}

/* param := ['*'] IDENT [':' type] ['=' expr] */
static void parse_params(struct parser *p, struct stmt *s)
{
    struct ptrvec params = {0};
    while (!is_op(peek(p), ")")) {
        struct param *pa = arena_alloc(&p->cx->arena, sizeof *pa);
        struct token *t = peek(p);
        pa->line = t->line;
        pa->col = t->col;
        if (accept_op(p, "*"))
            pa->variadic = true;
        if (is_kw(peek(p), "secret"))
            parse_fail(p, peek(p), "write `name: secret T`", "The 'secret' descriptor is only valid in type annotations");
        pa->name = expect_ident(p, "In parameter list:");
        if (accept_op(p, ":"))
            pa->type = parse_type(p);
        if (accept_op(p, "="))
            pa->def = parse_expr(p, 0);
        ptrvec_push(&p->cx->arena, &params, pa);
        if (!accept_op(p, ","))
            break;
    }
    expect_op(p, ")", "In parameter list:");
    s->params = arena_alloc(&p->cx->arena, (params.len ? params.len : 1) * sizeof *s->params);
    for (size_t i = 0; i < params.len; i++)
        s->params[i] = *(struct param *)params.items[i];
    s->param_count = params.len;
}

/*
 * func_def := 'def' NAME ['[' IDENT (',' IDENT)* ']'] '(' params ')'
 *             ['->' (type | 'None')] [pragma] ':' (NL block | nothing, for builtins)
 */
struct stmt *parse_func(struct parser *p)
{
    struct token *def = next_tok(p);
    struct stmt *s = new_stmt(p, S_FUNC, def);
    struct token *name = next_tok(p);
    if (name->kind != T_IDENT && !is_kw(name, "main") && !is_kw(name, "type"))
        parse_fail(p, name, NULL, "In function definition: Expected function name, found %s", tok_describe(p, name));
    s->name = name->text;
    s->line = name->line;
    s->col = name->col;
    if (accept_op(p, "[")) {
        struct ptrvec g = {0};
        do
            ptrvec_push(&p->cx->arena, &g, (void *)expect_ident(p, "In generic parameter list:"));
        while (accept_op(p, ","));
        expect_op(p, "]", "In generic parameter list:");
        s->generics = (const char **)g.items;
        s->generic_count = g.len;
    }
    expect_op(p, "(", "In function definition:");
    parse_params(p, s);
    if (accept_op(p, "->")) {
        if (is_op(peek(p), "("))
            parse_fail(p, peek(p), "return an object or a list instead", "Tuple return types are not supported");
        if (is_kw(peek(p), "None"))
            next_tok(p);
        else
            s->ret = parse_type(p);
    }
    if (accept_op(p, "{."))
        parse_pragma(p, s);
    bool builtin = has_pragma(s, "builtin");
    if (builtin && !is_op(peek(p), ":")) {
        end_simple(p, "builtin declaration");
        return s;
    }
    if (builtin) {
        /* `def f(...) {.builtin.}:` with no body */
        size_t save = p->pos;
        next_tok(p);
        if (peek(p)->kind == T_NEWLINE) {
            size_t k = p->pos;
            while (p->toks[k].kind == T_NEWLINE)
                k++;
            if (p->toks[k].kind != T_INDENT) {
                p->pos = k;
                return s;
            }
        }
        p->pos = save;
    }
    parse_block(p, &s->body, "In function body:");
    s->has_body = true;
    return s;
}

/* var_decl := 'var' IDENT [':' type] ['=' expr] */
struct stmt *parse_var(struct parser *p)
{
    struct token *v = next_tok(p);
    struct stmt *s = new_stmt(p, S_VAR, v);
    if (is_kw(peek(p), "secret"))
        parse_fail(p, peek(p), "write `var x: secret int64 = ...`", "The 'secret' descriptor is only valid in type annotations");
    struct token *n = peek(p);
    s->name = expect_ident(p, "In variable declaration:");
    s->line = n->line;
    s->col = n->col;
    if (is_op(peek(p), ","))
        parse_fail(p, peek(p), "declare one variable per 'var'", "Tuple unpacking is not supported");
    if (accept_op(p, ":"))
        s->type = parse_type(p);
    if (accept_op(p, "="))
        s->e = parse_expr(p, 0);
    if (!s->type && !s->e)
        parse_fail(p, peek(p), "write `var x: T` or `var x = value`",
                   "Variable '%s' needs a type annotation or an initializer", s->name);
    end_simple(p, "variable declaration");
    return s;
}

/* object_def := 'object' IDENT ['(' type ')'] ':' NL IND (IDENT ':' type NL)+ DED */
struct stmt *parse_object(struct parser *p)
{
    struct token *kw = next_tok(p);
    struct stmt *s = new_stmt(p, S_OBJECT, kw);
    s->name = expect_ident(p, "In object definition:");
    if (accept_op(p, "(")) {
        s->type = parse_type(p);
        expect_op(p, ")", "In object definition:");
    }
    expect_op(p, ":", "In object definition:");
    if (peek(p)->kind != T_NEWLINE)
        parse_fail(p, peek(p), NULL, "Expected newline after ':' before indented block");
    while (peek(p)->kind == T_NEWLINE)
        next_tok(p);
    if (peek(p)->kind != T_INDENT)
        parse_fail(p, peek(p), "declare at least one field: `name: type`", "In object definition: Expected indented field list, found %s",
                   tok_describe(p, peek(p)));
    next_tok(p);
    struct ptrvec fields = {0};
    while (peek(p)->kind != T_DEDENT && peek(p)->kind != T_EOF) {
        if (peek(p)->kind == T_NEWLINE) {
            next_tok(p);
            continue;
        }
        if (is_kw(peek(p), "secret"))
            parse_fail(p, peek(p), "write `name: secret T`", "The 'secret' descriptor is only valid in type annotations, not before a field name");
        struct field_decl *f = arena_alloc(&p->cx->arena, sizeof *f);
        f->line = peek(p)->line;
        f->col = peek(p)->col;
        f->name = expect_ident(p, "In object field:");
        expect_op(p, ":", "In object field:");
        f->type = parse_type(p);
        ptrvec_push(&p->cx->arena, &fields, f);
        end_simple(p, "object field");
    }
    if (peek(p)->kind == T_DEDENT)
        next_tok(p);
    s->fields = arena_alloc(&p->cx->arena, fields.len * sizeof *s->fields + 1);
    for (size_t i = 0; i < fields.len; i++)
        s->fields[i] = *(struct field_decl *)fields.items[i];
    s->field_count = fields.len;
    return s;
}

/* enum_def := 'enum' IDENT ':' NL IND (IDENT ['=' expr] NL)+ DED */
struct stmt *parse_enum(struct parser *p)
{
    struct token *kw = next_tok(p);
    struct stmt *s = new_stmt(p, S_ENUM, kw);
    s->name = expect_ident(p, "In enum definition:");
    expect_op(p, ":", "In enum definition:");
    if (peek(p)->kind != T_NEWLINE)
        parse_fail(p, peek(p), NULL, "Expected newline after ':' before indented block");
    while (peek(p)->kind == T_NEWLINE)
        next_tok(p);
    if (peek(p)->kind != T_INDENT)
        parse_fail(p, peek(p), NULL, "In enum definition: Expected indented member list, found %s", tok_describe(p, peek(p)));
    next_tok(p);
    struct ptrvec members = {0};
    int64_t counter = 0;
    while (peek(p)->kind != T_DEDENT && peek(p)->kind != T_EOF) {
        if (peek(p)->kind == T_NEWLINE) {
            next_tok(p);
            continue;
        }
        struct enum_member *m = arena_alloc(&p->cx->arena, sizeof *m);
        m->line = peek(p)->line;
        m->col = peek(p)->col;
        m->name = expect_ident(p, "In enum member:");
        if (accept_op(p, "=")) {
            struct token *v = peek(p);
            if (v->kind != T_INT || v->suffix != SUF_NONE || v->ival > (u128)INT64_MAX)
                parse_fail(p, v, "write a non-negative integer such as `= 3`",
                           "Enum member '%s' must use an integer literal value", m->name);
            next_tok(p);
            counter = (int64_t)v->ival;
        }
        for (size_t i = 0; i < members.len; i++)
            if (strcmp(((struct enum_member *)members.items[i])->name, m->name) == 0)
                parse_fail(p, &p->toks[p->pos - 1], NULL, "Duplicate enum member '%s' in enum '%s'", m->name, s->name);
        m->value = counter++;
        ptrvec_push(&p->cx->arena, &members, m);
        end_simple(p, "enum member");
    }
    if (peek(p)->kind == T_DEDENT)
        next_tok(p);
    s->members = arena_alloc(&p->cx->arena, members.len * sizeof *s->members + 1);
    for (size_t i = 0; i < members.len; i++)
        s->members[i] = *(struct enum_member *)members.items[i];
    s->member_count = members.len;
    return s;
}

/* import := 'import' (dotted_name | STRING) ['as' IDENT] */
struct stmt *parse_import(struct parser *p)
{
    struct token *kw = next_tok(p);
    struct stmt *s = new_stmt(p, S_IMPORT, kw);
    if (peek(p)->kind == T_STRING) {
        s->path = next_tok(p)->sval;
        s->path_is_string = true;
    } else {
        struct strbuf sb = {.arena = &p->cx->arena};
        sb_puts(&sb, expect_ident(p, "In import:"));
        while (accept_op(p, ".")) {
            sb_putc(&sb, '.');
            struct token *t = peek(p);
            if (t->kind != T_IDENT) {
                sb_free(&sb);
                parse_fail(p, t, NULL, "In import: Expected module name, found %s", tok_describe(p, t));
            }
            sb_puts(&sb, next_tok(p)->text);
        }
        s->path = arena_strdup(&p->cx->arena, sb.data ? sb.data : "");
        sb_free(&sb);
    }
    if (is_kw(peek(p), "as")) {
        next_tok(p);
        s->name = expect_ident(p, "In import alias:");
    }
    end_simple(p, "import");
    return s;
}

/* builtin := 'builtin' 'type' NAME ['=' type] | 'builtin' 'opaque' IDENT
 *          | 'builtin' 'object' IDENT ':' NL IND func_def+ DED */
struct stmt *parse_builtin(struct parser *p)
{
    struct token *kw = next_tok(p);
    struct token *t = peek(p);
    if (is_kw(t, "type")) {
        next_tok(p);
        struct stmt *s = new_stmt(p, S_BUILTIN_TYPE, kw);
        s->name = next_tok(p)->text;
        if (accept_op(p, "="))
            s->type = parse_type(p);
        end_simple(p, "builtin type");
        return s;
    }
    if (t->kind == T_IDENT && strcmp(t->text, "opaque") == 0) {
        next_tok(p);
        struct stmt *s = new_stmt(p, S_BUILTIN_OPAQUE, kw);
        s->name = expect_ident(p, "In builtin opaque:");
        end_simple(p, "builtin opaque");
        return s;
    }
    if (is_kw(t, "object")) {
        next_tok(p);
        struct stmt *s = new_stmt(p, S_BUILTIN_OBJECT, kw);
        s->name = expect_ident(p, "In builtin object:");
        expect_op(p, ":", "In builtin object:");
        while (peek(p)->kind == T_NEWLINE)
            next_tok(p);
        if (peek(p)->kind != T_INDENT)
            parse_fail(p, peek(p), NULL, "In builtin object: Expected indented method list, found %s", tok_describe(p, peek(p)));
        next_tok(p);
        struct ptrvec methods = {0};
        while (peek(p)->kind != T_DEDENT && peek(p)->kind != T_EOF) {
            if (peek(p)->kind == T_NEWLINE) {
                next_tok(p);
                continue;
            }
            if (!is_kw(peek(p), "def"))
                parse_fail(p, peek(p), NULL, "In builtin object: Expected 'def', found %s", tok_describe(p, peek(p)));
            ptrvec_push(&p->cx->arena, &methods, parse_func(p));
        }
        if (peek(p)->kind == T_DEDENT)
            next_tok(p);
        s->methods = (struct stmt **)methods.items;
        s->method_count = methods.len;
        return s;
    }
    parse_fail(p, t, NULL, "After 'builtin': Expected 'type', 'opaque' or 'object', found %s", tok_describe(p, t));
}

