/*
 * parser_expr.c - expressions and type annotations (language.md sections 1.4, 2.2 "type", 2.4):
 * a Pratt parser with the reference's precedence table, postfix calls/fields/indexes/slices,
 * list/dict literals and comprehensions, and the f-string and slice desugarings.
 */
#include <stdio.h>
#include <string.h>

#include "parser.h"

struct expr *new_expr(struct parser *p, int kind, struct token *at)
{
    struct expr *e = arena_alloc(&p->cx->arena, sizeof *e);
    e->kind = kind;
    e->line = at->line;
    e->col = at->col;
    e->file = p->file;
    return e;
}

static struct expr *ident_expr(struct parser *p, struct token *at, const char *name)
{
    struct expr *e = new_expr(p, E_IDENT, at);
    e->name = name;
    return e;
}

static struct expr *call_expr(struct parser *p, struct token *at, const char *fn, struct expr **args, size_t n)
{
    struct expr *e = new_expr(p, E_CALL, at);
    e->a = ident_expr(p, at, fn);
    e->args = arena_alloc(&p->cx->arena, (n ? n : 1) * sizeof *e->args);
    for (size_t i = 0; i < n; i++)
        e->args[i].value = args[i];
    e->arg_count = n;
    return e;
}

static struct expr *int_lit(struct parser *p, struct token *at, u128 v)
{
    struct expr *e = new_expr(p, E_INT, at);
    e->ival = v;
    return e;
}

/* Binary operator table: precedence and AST operator of the token, 0 if not a binary operator. */
static int binop_of(struct token *t, int *op)
{
    static const struct { const char *text; int prec, op; } ops[] = {
        {"or", 1, OP_OR}, {"xor", 1, OP_XOR}, {"and", 2, OP_AND},
        {"==", 3, OP_EQ}, {"!=", 3, OP_NE}, {"<", 3, OP_LT}, {"<=", 3, OP_LE}, {">", 3, OP_GT},
        {">=", 3, OP_GE}, {"in", 3, OP_IN}, {"..", 4, OP_RANGE}, {"+", 5, OP_ADD}, {"-", 5, OP_SUB},
        {"*", 6, OP_MUL}, {"/", 6, OP_DIV}, {"%", 6, OP_REM}, {"mod", 6, OP_MOD}, {"shl", 6, OP_SHL},
        {"shr", 6, OP_SHR},
    };
    if (t->kind != T_OP && t->kind != T_KEYWORD)
        return 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(t->text, ops[i].text) == 0) {
            *op = ops[i].op;
            return ops[i].prec;
        }
    return 0;
}

/* A greedy-lexed operator the language does not have ("a*-b" lexes "*-"), in binary position. */
static void check_unknown_operator(struct parser *p, struct token *t)
{
    if (t->kind != T_OP)
        return;
    if (strcmp(t->text, "&&") == 0)
        parse_fail(p, t, "write 'and'", "Unsupported boolean operator '&&'. Use 'and' instead");
    if (strcmp(t->text, "||") == 0)
        parse_fail(p, t, "write 'or'", "Unsupported boolean operator '||'. Use 'or' instead");
    static const char *const known = " ( ) [ ] { } , : . = -> {. .} .. + - * / % < > <= >= == != += -= *= /= %= ";
    char buf[64];
    if (t->len + 3 > sizeof buf)
        parse_fail(p, t, NULL, "Unknown operator '%s'", t->text);
    snprintf(buf, sizeof buf, " %s ", t->text);
    if (!strstr(known, buf)) {
        if (strcmp(t->text, "**") == 0 || strcmp(t->text, "//") == 0 || strcmp(t->text, "&") == 0 ||
            strcmp(t->text, "|") == 0 || strcmp(t->text, "^") == 0 || strcmp(t->text, "~") == 0 ||
            strcmp(t->text, "!") == 0)
            parse_fail(p, t, "StoffelLang has no such operator; use a function or 'and'/'or'/'xor'/'not'",
                       "Unknown operator '%s'", t->text);
        parse_fail(p, t, "operators are lexed greedily: put spaces between them (`a * -b`)",
                   "Unknown operator '%s'", t->text);
    }
}

/*
 * fstring := 'f"' (text | '{' IDENT ('.' IDENT)* '}')* '"'
 * desugared to the left fold "lit" + to_string(x) + "lit" ...
 */
static struct expr *fold_fstring(struct parser *p, struct token *t)
{
    struct expr *acc = NULL;
    for (size_t i = 0; i < t->part_count; i++) {
        struct fstr_part *part = &t->parts[i];
        struct expr *piece;
        if (!part->is_field) {
            piece = new_expr(p, E_STRING, t);
            piece->sval = part->text;
            piece->slen = strlen(part->text);
        } else {
            struct expr *v = ident_expr(p, t, part->names[0]);
            for (size_t k = 1; k < part->name_count; k++) {
                struct expr *f = new_expr(p, E_FIELD, t);
                f->a = v;
                f->name = part->names[k];
                v = f;
            }
            piece = call_expr(p, t, "to_string", &v, 1);
        }
        if (!acc) {
            if (part->is_field) {
                acc = new_expr(p, E_STRING, t);
                acc->sval = "";
            } else {
                acc = piece;
                continue;
            }
        }
        struct expr *b = new_expr(p, E_BINARY, t);
        b->op = OP_ADD;
        b->a = acc;
        b->b = piece;
        acc = b;
    }
    return acc;
}

/*
 * list := '[' [expr (',' expr)*] ']' | '[' expr 'for' IDENT 'in' expr ['if' expr] ']'
 */
static struct expr *parse_list(struct parser *p, struct token *open)
{
    struct ptrvec items = {0};
    if (accept_op(p, "]")) {
        struct expr *e = new_expr(p, E_LIST, open);
        return e;
    }
    struct expr *first = parse_expr(p, 0);
    if (is_kw(peek(p), "for")) {
        next_tok(p);
        struct expr *c = new_expr(p, E_COMP, open);
        c->a = first;
        c->name = expect_ident(p, "In list comprehension:");
        if (accept_op(p, ",")) 
            parse_fail(p, peek(p), NULL, "For-loop with multiple variables not supported yet");
        if (!is_kw(peek(p), "in"))
            parse_fail(p, peek(p), NULL, "In list comprehension: Expected 'in', found %s", tok_describe(p, peek(p)));
        next_tok(p);
        c->b = parse_expr(p, 3);
        if (is_kw(peek(p), "if")) {
            next_tok(p);
            c->c = parse_expr(p, 0);
        }
        expect_op(p, "]", "In list comprehension:");
        return c;
    }
    ptrvec_push(&p->cx->arena, &items, first);
    while (accept_op(p, ",")) {
        if (is_op(peek(p), "]"))
            parse_fail(p, peek(p), "remove the trailing comma", "In list literal: Expected expression, found ']' (trailing commas are not allowed)");
        ptrvec_push(&p->cx->arena, &items, parse_expr(p, 0));
    }
    expect_op(p, "]", "In list literal:");
    struct expr *e = new_expr(p, E_LIST, open);
    e->items = (struct expr **)items.items;
    e->item_count = items.len;
    return e;
}

/* dict := '{' [expr ':' expr (',' expr ':' expr)*] '}' */
static struct expr *parse_dict(struct parser *p, struct token *open)
{
    struct ptrvec keys = {0}, values = {0};
    if (!accept_op(p, "}")) {
        for (;;) {
            ptrvec_push(&p->cx->arena, &keys, parse_expr(p, 0));
            expect_op(p, ":", "In dict literal:");
            ptrvec_push(&p->cx->arena, &values, parse_expr(p, 0));
            if (!accept_op(p, ","))
                break;
            if (is_op(peek(p), "}"))
                parse_fail(p, peek(p), "remove the trailing comma", "In dict literal: Expected expression, found '}' (trailing commas are not allowed)");
        }
        expect_op(p, "}", "In dict literal:");
    }
    struct expr *e = new_expr(p, E_DICT, open);
    e->items = (struct expr **)keys.items;
    e->values = (struct expr **)values.items;
    e->item_count = keys.len;
    return e;
}

/*
 * primary := INT | FLOAT | STRING | fstring | 'True' | 'False' | 'None' | IDENT | 'type'
 *          | '(' expr ')' | list | dict | ('-' | 'not') expr@6
 */
static struct expr *parse_primary(struct parser *p)
{
    struct token *t = peek(p);
    /* a missing operand is reported without consuming the line end, so recovery resumes at the
     * next statement */
    if (t->kind == T_NEWLINE || t->kind == T_INDENT || t->kind == T_DEDENT || t->kind == T_EOF)
        parse_fail(p, t, NULL, "Expected expression, found %s", tok_describe(p, t));
    next_tok(p);
    struct expr *e;
    switch (t->kind) {
    case T_INT:
        e = new_expr(p, E_INT, t);
        e->ival = t->ival;
        e->suffix = t->suffix;
        return e;
    case T_FLOAT:
        e = new_expr(p, E_FLOAT, t);
        e->fval = t->fval;
        return e;
    case T_STRING:
        e = new_expr(p, E_STRING, t);
        e->sval = t->sval;
        e->slen = t->slen;
        return e;
    case T_FSTRING:
        return fold_fstring(p, t);
    case T_IDENT:
        if (strcmp(t->text, "lambda") == 0)
            parse_fail(p, t, "define a function with 'def' and use create_closure(\"name\")",
                       "'lambda' is not supported: StoffelLang has no anonymous functions");
        if (strcmp(t->text, "yield") == 0)
            parse_fail(p, t, NULL, "'yield' is not supported: StoffelLang has no generators");
        return ident_expr(p, t, t->text);
    case T_KEYWORD:
        if (strcmp(t->text, "True") == 0 || strcmp(t->text, "False") == 0) {
            e = new_expr(p, E_BOOL, t);
            e->bval = t->text[0] == 'T';
            return e;
        }
        if (strcmp(t->text, "None") == 0)
            return new_expr(p, E_NONE, t);
        if (strcmp(t->text, "type") == 0 || strcmp(t->text, "main") == 0)
            return ident_expr(p, t, t->text);
        if (strcmp(t->text, "not") == 0) {
            e = new_expr(p, E_UNARY, t);
            e->op = OP_NOT;
            e->a = parse_expr(p, 6);
            return e;
        }
        if (strcmp(t->text, "secret") == 0)
            parse_fail(p, t, "write `var x: secret int64 = ...`", "The 'secret' descriptor is only valid in type annotations");
        break;
    case T_OP:
        if (strcmp(t->text, "-") == 0) {
            e = new_expr(p, E_UNARY, t);
            e->op = OP_NEG;
            e->a = parse_expr(p, 6);
            return e;
        }
        if (strcmp(t->text, "(") == 0) {
            e = parse_expr(p, 0);
            if (is_op(peek(p), ","))
                parse_fail(p, peek(p), "use a list or an object", "Tuples are not supported");
            expect_op(p, ")", "In parenthesized expression:");
            return e;
        }
        if (strcmp(t->text, "[") == 0)
            return parse_list(p, t);
        if (strcmp(t->text, "{") == 0)
            return parse_dict(p, t);
        if (strcmp(t->text, "{.") == 0)
            parse_fail(p, t, NULL, "Pragma '{.' is not valid in an expression");
        check_unknown_operator(p, t);
        break;
    default:
        break;
    }
    parse_fail(p, t, NULL, "Expected expression, found %s", tok_describe(p, t));
}

/* args := [arg (',' arg)* [',']]      arg := IDENT ':' expr | expr */
static void parse_args(struct parser *p, struct expr *call)
{
    struct ptrvec args = {0};
    while (!is_op(peek(p), ")")) {
        struct arg *a = arena_alloc(&p->cx->arena, sizeof *a);
        if (peek(p)->kind == T_IDENT && is_op(peek_at(p, 1), ":")) {
            a->name = next_tok(p)->text;
            next_tok(p);
        }
        a->value = parse_expr(p, 0);
        ptrvec_push(&p->cx->arena, &args, a);
        if (!accept_op(p, ","))
            break;
    }
    expect_op(p, ")", "In call arguments:");
    call->args = arena_alloc(&p->cx->arena, (args.len ? args.len : 1) * sizeof *call->args);
    for (size_t i = 0; i < args.len; i++)
        call->args[i] = *(struct arg *)args.items[i];
    call->arg_count = args.len;
}

static struct expr *int64_max_lit(struct parser *p, struct token *at)
{
    return int_lit(p, at, (u128)INT64_MAX);
}

/* postfix := primary ( '(' args ')' | '.' IDENT | '[' expr ']' | '[' slice ']' )*
 * slice := [expr] ':' [expr] [':' [expr]]   -- desugared to slice(x, a, b, c) */
static struct expr *parse_postfix(struct parser *p)
{
    struct expr *e = parse_primary(p);
    for (int chain = 0;; chain++) {
        struct token *t = peek(p);
        if (chain > PARSE_MAX_CHAIN)
            parse_fail(p, t, "split the expression into several statements",
                       "Expression is too long (more than %d chained calls, fields or indexes)", PARSE_MAX_CHAIN);
        if (is_op(t, "(")) {
            next_tok(p);
            struct expr *c = new_expr(p, E_CALL, t);
            struct expr *start = e; /* a call is located at the start of its callee: `Share.open(x)` */
            while ((start->kind == E_FIELD || start->kind == E_INDEX || start->kind == E_CALL) && start->a)
                start = start->a;
            c->line = start->line;
            c->col = start->col;
            c->a = e;
            parse_args(p, c);
            e = c;
        } else if (is_op(t, ".")) {
            next_tok(p);
            struct token *n = next_tok(p);
            if (n->kind != T_IDENT && n->kind != T_KEYWORD)
                parse_fail(p, n, NULL, "After '.': Expected field or method name, found %s", tok_describe(p, n));
            struct expr *f = new_expr(p, E_FIELD, n);
            f->a = e;
            f->name = n->text;
            e = f;
        } else if (is_op(t, "[")) {
            next_tok(p);
            struct expr *start = NULL, *stop = NULL, *step = NULL;
            bool is_slice = false;
            if (!is_op(peek(p), ":"))
                start = parse_expr(p, 0);
            if (accept_op(p, ":")) {
                is_slice = true;
                if (!is_op(peek(p), ":") && !is_op(peek(p), "]"))
                    stop = parse_expr(p, 0);
                if (accept_op(p, ":") && !is_op(peek(p), "]"))
                    step = parse_expr(p, 0);
            }
            expect_op(p, "]", "In index expression:");
            if (is_slice) {
                struct expr *args[4] = {e, start ? start : int64_max_lit(p, t), stop ? stop : int64_max_lit(p, t),
                                        step ? step : int_lit(p, t, 1)};
                e = call_expr(p, t, "slice", args, 4);
            } else {
                struct expr *ix = new_expr(p, E_INDEX, t);
                ix->a = e;
                ix->b = start;
                e = ix;
            }
        } else {
            return e;
        }
    }
}

/* expr@min := postfix (binop@prec expr@prec)*  while prec > min (all left-associative) */
struct expr *parse_expr(struct parser *p, int min_prec)
{
    depth_enter(p, peek(p));
    int chain = 0;
    struct expr *left = parse_postfix(p);
    for (;;) {
        struct token *t = peek(p);
        int op;
        int prec = binop_of(t, &op);
        if (!prec) {
            if (t->kind == T_OP && (strcmp(t->text, "&&") == 0 || strcmp(t->text, "||") == 0))
                check_unknown_operator(p, t);
            if (t->kind == T_OP && !strchr("()[]{},:.=", t->text[0]) && strcmp(t->text, "->") != 0 &&
                strcmp(t->text, "+=") != 0 && strcmp(t->text, "-=") != 0 && strcmp(t->text, "*=") != 0 &&
                strcmp(t->text, "/=") != 0 && strcmp(t->text, "%=") != 0)
                check_unknown_operator(p, t);
            break;
        }
        if (prec <= min_prec)
            break;
        /* a left-associative chain deepens the tree without recursing here; later passes recurse
         * over it, so it counts against the same bound */
        if (++chain > PARSE_MAX_CHAIN)
            parse_fail(p, t, "split the expression into several statements",
                       "Expression is too long (more than %d chained operators)", PARSE_MAX_CHAIN);
        next_tok(p);
        struct expr *b = new_expr(p, E_BINARY, t);
        b->op = op;
        b->a = left;
        b->b = parse_expr(p, prec);
        left = b;
    }
    p->depth--;
    return left;
}

/* type := ['secret'] IDENT ['[' type (',' type)* ']'] */
struct typeexpr *parse_type(struct parser *p)
{
    depth_enter(p, peek(p));
    struct typeexpr *ty = arena_alloc(&p->cx->arena, sizeof *ty);
    struct token *t = peek(p);
    ty->line = t->line;
    ty->col = t->col;
    if (is_kw(t, "secret")) {
        next_tok(p);
        ty->secret = true;
        t = peek(p);
    }
    if (is_op(t, "("))
        parse_fail(p, t, "return an object or a list instead", "Tuple types are not supported");
    if (t->kind != T_IDENT && !is_kw(t, "None"))
        parse_fail(p, t, NULL, "In type annotation: Expected type name, found %s", tok_describe(p, t));
    next_tok(p);
    ty->name = t->text;
    if (is_op(peek(p), "[")) {
        if (strcmp(t->text, "List") == 0 || strcmp(t->text, "Dict") == 0) {
            /* report, then recover by reading it as the lower-case type */
            const char *lower = t->text[0] == 'L' ? "list" : "dict";
            diag_add(p->cx, SEV_ERROR, "E001", p->file, t->line, t->col,
                     arena_printf(&p->cx->arena, "Did you mean '%s'?", lower), "Unknown generic type: %s", t->text);
            p->errors++;
            ty->name = lower;
        }
        next_tok(p);
        struct ptrvec args = {0};
        do
            ptrvec_push(&p->cx->arena, &args, parse_type(p));
        while (accept_op(p, ","));
        expect_op(p, "]", "In generic type:");
        ty->args = (struct typeexpr **)args.items;
        ty->arg_count = args.len;
    }
    p->depth--;
    return ty;
}
