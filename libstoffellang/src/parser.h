/* parser.h - the parser's private state, shared by parser_stmt.c and parser_expr.c. */
#ifndef STOFFEL_LANG_PARSER_H
#define STOFFEL_LANG_PARSER_H

#include "lang_internal.h"

#define PARSE_MAX_DEPTH 200
#define PARSE_MAX_ERRORS 50
#define PARSE_MAX_CHAIN 2000

struct parser {
    struct compile_ctx *cx;
    const char *file;
    struct token *toks;
    size_t n, pos;
    jmp_buf *recover;      /* unwinds to the statement loop after a syntax error */
    int depth;             /* recursion depth guard */
    size_t errors;
};

struct token *peek(struct parser *p);
struct token *peek_at(struct parser *p, size_t off);
struct token *next_tok(struct parser *p);
bool is_op(struct token *t, const char *text);
bool is_kw(struct token *t, const char *text);
bool accept_op(struct parser *p, const char *text);
struct token *expect_op(struct parser *p, const char *text, const char *context);
const char *expect_ident(struct parser *p, const char *context);
const char *tok_describe(struct parser *p, struct token *t);
void parse_fail(struct parser *p, struct token *at, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));
void depth_enter(struct parser *p, struct token *at);

struct expr *new_expr(struct parser *p, int kind, struct token *at);
struct stmt *new_stmt(struct parser *p, int kind, struct token *at);
void end_simple(struct parser *p, const char *what);
void parse_block(struct parser *p, struct block *b, const char *what);

/* parser_decl.c */
struct stmt *parse_func(struct parser *p);
struct stmt *parse_var(struct parser *p);
struct stmt *parse_object(struct parser *p);
struct stmt *parse_enum(struct parser *p);
struct stmt *parse_import(struct parser *p);
struct stmt *parse_builtin(struct parser *p);
struct expr *parse_expr(struct parser *p, int min_prec);
struct typeexpr *parse_type(struct parser *p);

#endif
