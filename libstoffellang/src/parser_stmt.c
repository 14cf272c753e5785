/*
 * parser_stmt.c - statements and blocks (language.md sections 2.1, 2.3, 2.6), the
 * token helpers and error recovery: a syntax error unwinds to the enclosing statement loop, which
 * skips to the next statement and goes on, so one run reports several syntax errors.
 */
#include <stdio.h>
#include <string.h>

#include "parser.h"

struct token *peek(struct parser *p)
{
    return &p->toks[p->pos];
}

struct token *peek_at(struct parser *p, size_t off)
{
    return p->pos + off < p->n ? &p->toks[p->pos + off] : &p->toks[p->n - 1];
}

struct token *next_tok(struct parser *p)
{
    struct token *t = &p->toks[p->pos];
    if (t->kind != T_EOF)
        p->pos++;
    return t;
}

bool is_op(struct token *t, const char *text)
{
    return t->kind == T_OP && strcmp(t->text, text) == 0;
}

bool is_kw(struct token *t, const char *text)
{
    return t->kind == T_KEYWORD && strcmp(t->text, text) == 0;
}

bool accept_op(struct parser *p, const char *text)
{
    if (is_op(peek(p), text)) {
        next_tok(p);
        return true;
    }
    return false;
}

const char *tok_describe(struct parser *p, struct token *t)
{
    switch (t->kind) {
    case T_EOF: return "end of file";
    case T_NEWLINE: return "newline";
    case T_INDENT: return "indent";
    case T_DEDENT: return "dedent";
    case T_INT: return arena_printf(&p->cx->arena, "integer '%s'", t->text);
    case T_FLOAT: return arena_printf(&p->cx->arena, "float '%s'", t->text);
    case T_STRING: return "string literal";
    case T_FSTRING: return "f-string";
    case T_IDENT: return arena_printf(&p->cx->arena, "identifier '%s'", t->text);
    case T_KEYWORD: return arena_printf(&p->cx->arena, "keyword '%s'", t->text);
    default: return arena_printf(&p->cx->arena, "'%s'", t->text);
    }
}

void parse_fail(struct parser *p, struct token *at, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(&p->cx->arena, fmt, ap);
    va_end(ap);
    diag_add(p->cx, SEV_ERROR, "E001", p->file, at->line, at->col, hint, "%s", msg);
    p->errors++;
    longjmp(*p->recover, 1);
}

void depth_enter(struct parser *p, struct token *at)
{
    if (++p->depth > PARSE_MAX_DEPTH)
        parse_fail(p, at, "split the expression or statement", "Nesting is too deep (more than %d levels)",
                   PARSE_MAX_DEPTH);
}

struct token *expect_op(struct parser *p, const char *text, const char *context)
{
    struct token *t = peek(p);
    if (!is_op(t, text))
        parse_fail(p, t, NULL, "%s Expected '%s', found %s", context, text, tok_describe(p, t));
    return next_tok(p);
}

const char *expect_ident(struct parser *p, const char *context)
{
    struct token *t = peek(p);
    if (t->kind != T_IDENT)
        parse_fail(p, t, NULL, "%s Expected identifier, found %s", context, tok_describe(p, t));
    return next_tok(p)->text;
}

struct stmt *new_stmt(struct parser *p, int kind, struct token *at)
{
    struct stmt *s = arena_alloc(&p->cx->arena, sizeof *s);
    s->kind = kind;
    s->line = at->line;
    s->col = at->col;
    s->file = p->file;
    return s;
}

static void parse_stmt_list(struct parser *p, struct ptrvec *out, bool top);

/* Every simple statement ends at NEWLINE, DEDENT or EOF. */
void end_simple(struct parser *p, const char *what)
{
    struct token *t = peek(p);
    if (t->kind == T_NEWLINE) {
        next_tok(p);
        return;
    }
    if (t->kind == T_DEDENT || t->kind == T_EOF)
        return;
    parse_fail(p, t, NULL, "After %s: Expected newline, found %s", what, tok_describe(p, t));
}

/* block := ':' NL NL* IND stmt+ DED */
void parse_block(struct parser *p, struct block *b, const char *what)
{
    expect_op(p, ":", what);
    if (peek(p)->kind != T_NEWLINE)
        parse_fail(p, peek(p), "put the body on the following lines, indented by 2 spaces",
                   "Expected newline after ':' before indented block");
    while (peek(p)->kind == T_NEWLINE)
        next_tok(p);
    if (peek(p)->kind != T_INDENT)
        parse_fail(p, peek(p), "indent the body by 2 spaces; use 'pass' for an empty block",
                   "%s Expected indented block, found %s", what, tok_describe(p, peek(p)));
    next_tok(p);
    struct ptrvec v = {0};
    parse_stmt_list(p, &v, false);
    if (peek(p)->kind == T_DEDENT)
        next_tok(p);
    b->stmts = (struct stmt **)v.items;
    b->count = v.len;
}

/* if_stmt := 'if' expr block ('elif' expr block)* ['else' block] -- elif nests in else */
static struct stmt *parse_if(struct parser *p)
{
    struct token *kw = next_tok(p);
    struct stmt *s = new_stmt(p, S_IF, kw);
    s->e = parse_expr(p, 0);
    parse_block(p, &s->body, "In if statement:");
    while (peek(p)->kind == T_NEWLINE && (is_kw(peek_at(p, 1), "elif") || is_kw(peek_at(p, 1), "else")))
        next_tok(p);
    if (is_kw(peek(p), "elif")) {
        struct stmt *inner = parse_if(p);
        s->has_else = true;
        s->els.stmts = arena_alloc(&p->cx->arena, sizeof(struct stmt *));
        s->els.stmts[0] = inner;
        s->els.count = 1;
    } else if (is_kw(peek(p), "else")) {
        next_tok(p);
        if (is_kw(peek(p), "if"))
            parse_fail(p, peek(p), "write 'elif'", "'else if' is not supported; use 'elif'");
        s->has_else = true;
        parse_block(p, &s->els, "In else branch:");
    }
    return s;
}

/* for_stmt := 'for' IDENT (',' IDENT)* 'in' iter block      iter := expr@5 ['..' expr@4] */
static struct stmt *parse_for(struct parser *p)
{
    struct token *kw = next_tok(p);
    struct stmt *s = new_stmt(p, S_FOR, kw);
    s->name = expect_ident(p, "In for loop:");
    if (is_op(peek(p), ","))
        parse_fail(p, peek(p), "iterate over indices with one variable", "For-loop with multiple variables not supported yet");
    if (!is_kw(peek(p), "in"))
        parse_fail(p, peek(p), NULL, "In for loop: Expected 'in', found %s", tok_describe(p, peek(p)));
    next_tok(p);
    s->e = parse_expr(p, 5);
    if (accept_op(p, "..")) {
        s->is_range = true;
        s->e2 = parse_expr(p, 4);
    }
    parse_block(p, &s->body, "In for loop:");
    return s;
}

/* match_stmt := 'match' expr ':' NL IND ('case' (expr | '_') block)+ DED
 * desugared to a hidden subject variable and an if/elif chain of `subject == pattern`. */
static struct stmt *parse_match(struct parser *p, struct ptrvec *out)
{
    struct token *kw = next_tok(p);
    struct stmt *subj = new_stmt(p, S_VAR, kw);
    subj->name = arena_printf(&p->cx->arena, "__match_%d", p->cx->hidden_counter++);
    subj->e = parse_expr(p, 0);
    subj->hidden = true;
    expect_op(p, ":", "In match statement:");
    if (peek(p)->kind != T_NEWLINE)
        parse_fail(p, peek(p), NULL, "Expected newline after ':' before indented block");
    while (peek(p)->kind == T_NEWLINE)
        next_tok(p);
    if (peek(p)->kind != T_INDENT)
        parse_fail(p, peek(p), "add at least one `case` arm", "In match statement: Expected indented case list, found %s",
                   tok_describe(p, peek(p)));
    next_tok(p);
    struct stmt *first = NULL, *last = NULL;
    struct block *default_body = NULL;
    while (peek(p)->kind != T_DEDENT && peek(p)->kind != T_EOF) {
        if (peek(p)->kind == T_NEWLINE) {
            next_tok(p);
            continue;
        }
        struct token *c = peek(p);
        if (c->kind != T_IDENT || strcmp(c->text, "case") != 0)
            parse_fail(p, c, NULL, "In match statement: Expected 'case', found %s", tok_describe(p, c));
        next_tok(p);
        if (default_body)
            parse_fail(p, c, "move `case _` to the end", "'case _' must be the last case in a match");
        if (peek(p)->kind == T_IDENT && strcmp(peek(p)->text, "_") == 0 && is_op(peek_at(p, 1), ":")) {
            next_tok(p);
            default_body = arena_alloc(&p->cx->arena, sizeof *default_body);
            parse_block(p, default_body, "In case arm:");
            continue;
        }
        struct stmt *arm = new_stmt(p, S_IF, c);
        struct expr *cmp = new_expr(p, E_BINARY, c);
        cmp->op = OP_EQ;
        cmp->a = new_expr(p, E_IDENT, kw);
        cmp->a->name = subj->name;
        cmp->b = parse_expr(p, 0);
        arm->e = cmp;
        parse_block(p, &arm->body, "In case arm:");
        if (!first)
            first = arm;
        else {
            last->has_else = true;
            last->els.stmts = arena_alloc(&p->cx->arena, sizeof(struct stmt *));
            last->els.stmts[0] = arm;
            last->els.count = 1;
        }
        last = arm;
    }
    if (peek(p)->kind == T_DEDENT)
        next_tok(p);
    ptrvec_push(&p->cx->arena, out, subj);
    if (!first && !default_body)
        parse_fail(p, kw, NULL, "A match statement needs at least one case");
    if (default_body) {
        if (last) {
            last->has_else = true;
            last->els = *default_body;
        } else {
            /* only `case _`: its body runs unconditionally, in a plain if True */
            struct stmt *arm = new_stmt(p, S_IF, kw);
            arm->e = new_expr(p, E_BOOL, kw);
            arm->e->bval = true;
            arm->body = *default_body;
            first = arm;
        }
    }
    return first;
}

static const struct { const char *word, *msg, *hint; } rejected[] = {
    {"let", "The 'let' keyword is no longer supported", "use 'var'"},
    {"proc", "The 'proc' keyword is no longer supported; use 'def'", "use 'def'"},
    {"try", "'try' is not supported: StoffelLang has no exception handling", "check conditions explicitly; assert() aborts"},
    {"except", "'except' is not supported: StoffelLang has no exception handling", NULL},
    {"finally", "'finally' is not supported: StoffelLang has no exception handling", NULL},
    {"raise", "'raise' is not supported: StoffelLang has no exception handling", "use assert(cond, \"message\")"},
    {"with", "'with' statements are not supported", NULL},
    {"yield", "'yield' is not supported: StoffelLang has no generators", "build and return a list"},
    {"lambda", "'lambda' is not supported: StoffelLang has no anonymous functions",
     "define a function with 'def' and use create_closure(\"name\")"},
    {"del", "'del' is not supported", "use delete(xs, i) or remove(xs, v)"},
    {"global", "'global' is not supported", "module-level vars are visible in functions defined after them"},
    {"nonlocal", "'nonlocal' is not supported", NULL},
};

/* Does the statement starting at the current token end with ':' before its NEWLINE? */
static bool line_ends_with_colon(struct parser *p)
{
    int depth = 0;
    for (size_t k = p->pos; k < p->n; k++) {
        struct token *t = &p->toks[k];
        if (t->kind == T_NEWLINE || t->kind == T_EOF)
            return k > p->pos && is_op(&p->toks[k - 1], ":") && depth == 0;
        if (t->kind == T_OP && strchr("([{", t->text[0]))
            depth++;
        if (t->kind == T_OP && strchr(")]}", t->text[0]))
            depth--;
    }
    return false;
}

/*
 * stmt := var_decl | func_def | object_def | enum_def | type_alias | import | builtin
 *       | if_stmt | while_stmt | for_stmt | match_stmt | 'return' [expr] | 'discard' expr
 *       | 'assert' expr [',' expr] | 'break' | 'continue' | 'pass' | assign | expr
 * assign := target '=' expr | target ('+='|'-='|'*='|'/='|'%=') expr
 */
static struct stmt *parse_stmt(struct parser *p, struct ptrvec *out, bool top)
{
    struct token *t = peek(p);
    if (t->kind == T_KEYWORD) {
        const char *k = t->text;
        if (!strcmp(k, "var"))
            return parse_var(p);
        if (!strcmp(k, "def"))
            return parse_func(p);
        if (!strcmp(k, "object"))
            return parse_object(p);
        if (!strcmp(k, "enum"))
            return parse_enum(p);
        if (!strcmp(k, "import"))
            return parse_import(p);
        if (!strcmp(k, "builtin"))
            return parse_builtin(p);
        if (!strcmp(k, "if"))
            return parse_if(p);
        if (!strcmp(k, "for"))
            return parse_for(p);
        if (!strcmp(k, "while")) {
            next_tok(p);
            struct stmt *s = new_stmt(p, S_WHILE, t);
            s->e = parse_expr(p, 0);
            parse_block(p, &s->body, "In while loop:");
            if (peek(p)->kind == T_NEWLINE && is_kw(peek_at(p, 1), "else"))
                next_tok(p);
            if (is_kw(peek(p), "else"))
                parse_fail(p, peek(p), NULL, "'while ... else' is not supported");
            return s;
        }
        if (!strcmp(k, "type") && peek_at(p, 1)->kind == T_IDENT && is_op(peek_at(p, 2), "=")) {
            next_tok(p);
            struct stmt *s = new_stmt(p, S_ALIAS, t);
            s->name = next_tok(p)->text;
            next_tok(p);
            s->type = parse_type(p);
            end_simple(p, "type alias");
            return s;
        }
        if (!strcmp(k, "return")) {
            next_tok(p);
            struct stmt *s = new_stmt(p, S_RETURN, t);
            if (peek(p)->kind != T_NEWLINE && peek(p)->kind != T_DEDENT && peek(p)->kind != T_EOF)
                s->e = parse_expr(p, 0);
            if (is_op(peek(p), ","))
                parse_fail(p, peek(p), "return an object or a list instead", "Tuple return values are not supported");
            end_simple(p, "return");
            return s;
        }
        if (!strcmp(k, "break") || !strcmp(k, "continue") || !strcmp(k, "pass")) {
            next_tok(p);
            struct stmt *s = new_stmt(p, k[0] == 'b' ? S_BREAK : k[0] == 'c' ? S_CONTINUE : S_PASS, t);
            end_simple(p, k);
            return s;
        }
        if (!strcmp(k, "discard")) {
            next_tok(p);
            struct stmt *s = new_stmt(p, S_EXPR, t);
            s->e = parse_expr(p, 0);
            end_simple(p, "discard");
            return s;
        }
        if (!strcmp(k, "secret"))
            parse_fail(p, t, "write `var x: secret int64 = ...`", "The 'secret' descriptor is only valid in type annotations");
        if (!strcmp(k, "elif") || !strcmp(k, "else"))
            parse_fail(p, t, NULL, "'%s' without a matching 'if'", k);
        if (!strcmp(k, "main") && peek_at(p, 1)->kind == T_IDENT)
            parse_fail(p, t, "write `def main(...)`", "The 'main name(...)' entry form is no longer supported; use 'def main'");
    }
    if (t->kind == T_IDENT) {
        for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
            if (!strcmp(t->text, rejected[i].word) && !is_op(peek_at(p, 1), "=") && !is_op(peek_at(p, 1), "(") &&
                !is_op(peek_at(p, 1), ".") && !is_op(peek_at(p, 1), "["))
                parse_fail(p, t, rejected[i].hint, "%s", rejected[i].msg);
        struct token *n1 = peek_at(p, 1);
        bool assigning = is_op(n1, "=") || is_op(n1, "+=") || is_op(n1, "-=") || is_op(n1, "*=") || is_op(n1, "/=") ||
                         is_op(n1, "%=");
        if (!strcmp(t->text, "match") && !assigning && line_ends_with_colon(p))
            return parse_match(p, out);
        if (!strcmp(t->text, "assert") && !assigning && !is_op(n1, "(") && n1->kind != T_NEWLINE) {
            next_tok(p);
            struct expr *args[2];
            size_t n = 0;
            args[n++] = parse_expr(p, 0);
            if (accept_op(p, ","))
                args[n++] = parse_expr(p, 0);
            struct stmt *s = new_stmt(p, S_EXPR, t);
            struct expr *c = new_expr(p, E_CALL, t);
            c->a = new_expr(p, E_IDENT, t);
            c->a->name = "assert";
            c->args = arena_alloc(&p->cx->arena, n * sizeof *c->args);
            for (size_t i = 0; i < n; i++)
                c->args[i].value = args[i];
            c->arg_count = n;
            s->e = c;
            end_simple(p, "assert");
            return s;
        }
    }
    (void)top;
    struct expr *e = parse_expr(p, 0);
    struct token *op = peek(p);
    if (is_op(op, ",") && (e->kind == E_IDENT))
        parse_fail(p, op, "assign one variable at a time", "Tuple unpacking is not supported");
    if (is_op(op, "=") || is_op(op, "+=") || is_op(op, "-=") || is_op(op, "*=") || is_op(op, "/=") || is_op(op, "%=")) {
        if (e->kind != E_IDENT && e->kind != E_FIELD && e->kind != E_INDEX)
            parse_fail(p, op, "assign to a variable, a field (o.f) or an element (xs[i])", "Invalid assignment target");
        next_tok(p);
        struct stmt *s = new_stmt(p, S_ASSIGN, op);
        s->line = e->line;
        s->col = e->col;
        s->target = e;
        struct expr *rhs = parse_expr(p, 0);
        if (op->text[0] != '=') {
            /* x op= e  ->  x = x op e (the target expression is duplicated [RB]) */
            struct expr *b = new_expr(p, E_BINARY, op);
            b->op = op->text[0] == '+' ? OP_ADD : op->text[0] == '-' ? OP_SUB : op->text[0] == '*' ? OP_MUL
                  : op->text[0] == '/' ? OP_DIV : OP_REM;
            b->a = e;
            b->b = rhs;
            rhs = b;
        }
        s->e2 = rhs;
        end_simple(p, "assignment");
        return s;
    }
    struct stmt *s = new_stmt(p, S_EXPR, t);
    s->e = e;
    end_simple(p, "expression");
    return s;
}

/* Skips to the start of the next statement after a syntax error: past the current line and any
 * indented block that belongs to it. */
static void synchronize(struct parser *p)
{
    int depth = 0;
    for (;;) {
        struct token *t = peek(p);
        if (t->kind == T_EOF)
            return;
        if (t->kind == T_INDENT)
            depth++;
        if (t->kind == T_DEDENT) {
            if (depth == 0)
                return;
            depth--;
            next_tok(p);
            if (depth == 0 && !(peek(p)->kind == T_KEYWORD && (is_kw(peek(p), "elif") || is_kw(peek(p), "else"))))
                return;
            continue;
        }
        next_tok(p);
        if (t->kind == T_NEWLINE && depth == 0) {
            struct token *n = peek(p);
            if (n->kind != T_INDENT)
                return;
        }
    }
}

/* program := NL* (stmt NL*)*   (also a block body, which ends at DEDENT) */
static void parse_stmt_list(struct parser *p, struct ptrvec *out, bool top)
{
    jmp_buf here;
    jmp_buf *saved = p->recover;
    int saved_depth = p->depth;
    for (;;) {
        struct token *t = peek(p);
        if (t->kind == T_EOF || (!top && t->kind == T_DEDENT))
            break;
        if (t->kind == T_NEWLINE) {
            next_tok(p);
            continue;
        }
        if (t->kind == T_DEDENT) { /* stray dedent at top level */
            next_tok(p);
            continue;
        }
        if (t->kind == T_INDENT) {
            p->recover = &here;
            if (setjmp(here) == 0)
                parse_fail(p, t, "indent only the body of a block (after ':')", "Unexpected indentation");
            p->depth = saved_depth;
            synchronize(p);
            continue;
        }
        p->recover = &here;
        if (setjmp(here) == 0) {
            struct stmt *s = parse_stmt(p, out, top);
            if (s)
                ptrvec_push(&p->cx->arena, out, s);
        } else {
            p->depth = saved_depth;
            if (p->errors >= PARSE_MAX_ERRORS) {
                while (peek(p)->kind != T_EOF)
                    next_tok(p);
                break;
            }
            synchronize(p);
        }
    }
    p->recover = saved;
}

struct module *parse_module(struct compile_ctx *cx, const char *file, struct token *toks, size_t n)
{
    struct parser p = {.cx = cx, .file = file, .toks = toks, .n = n};
    jmp_buf outer;
    p.recover = &outer;
    struct module *m = arena_alloc(&cx->arena, sizeof *m);
    m->file = file;
    if (setjmp(outer) != 0)
        return m; /* unreachable: every parse_fail happens inside a statement loop */
    struct ptrvec stmts = {0};
    parse_stmt_list(&p, &stmts, true);
    m->top.stmts = (struct stmt **)stmts.items;
    m->top.count = stmts.len;
    return m;
}
