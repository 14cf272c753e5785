/*
 * lang_internal.h - private declarations shared by the compiler's files: the arena, the token
 * and AST shapes, semantic types, diagnostics and the compile context that ties them together.
 *
 * The pipeline is a straight line of files (as in chibicc): lexer.c -> parser_*.c -> check_*.c ->
 * codegen_*.c -> emit.c. Every allocation of one compilation lives in one arena freed at the end,
 * and running out of memory unwinds to the API entry through a jmp_buf (as Lua does), so no pass
 * needs to propagate allocation failures by hand.
 */
#ifndef STOFFEL_LANG_INTERNAL_H
#define STOFFEL_LANG_INTERNAL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stoffel/lang.h>

typedef unsigned __int128 u128;

/* ---------------------------------------------------------------- arena */

struct arena_block;
struct arena {
    struct arena_block *head;
    jmp_buf *oom;          /* where to unwind when malloc fails */
    size_t total_bytes;
    size_t limit_bytes;    /* 0 = unlimited; exceeding it behaves like out of memory */
};

void arena_init(struct arena *a, jmp_buf *oom);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t size);            /* zeroed */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* A growable array of pointers kept in the arena (old storage is abandoned on growth). */
struct ptrvec {
    void **items;
    size_t len, cap;
};
void ptrvec_push(struct arena *a, struct ptrvec *v, void *item);

/* A growable byte buffer on the C heap (used for text output and bytecode). */
struct strbuf {
    char *data;
    size_t len, cap;
    bool failed;
    struct arena *arena;   /* non-NULL: storage comes from this arena (nothing to free, and an
                              out-of-memory unwind cannot leak it); NULL: the C heap */
};
void sb_putc(struct strbuf *b, char c);
void sb_puts(struct strbuf *b, const char *s);
void sb_put(struct strbuf *b, const char *s, size_t n);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(struct strbuf *b);

/* ---------------------------------------------------------------- diagnostics */

enum diag_severity { SEV_ERROR = 0, SEV_WARNING = 1 };

struct diag {
    int severity;
    const char *code;      /* "E001" syntax, "E101" type, "E201" semantic, "E901" internal */
    const char *file;      /* file name as given */
    int line, col;         /* 1-based; 0 = unknown */
    const char *message;
    const char *hint;      /* NULL if none */
};

/* ---------------------------------------------------------------- tokens */

enum tok_kind {
    T_EOF, T_NEWLINE, T_INDENT, T_DEDENT,
    T_IDENT, T_INT, T_FLOAT, T_STRING, T_FSTRING,
    T_OP,       /* punctuation and operators; text says which */
    T_KEYWORD,  /* text says which */
};

enum int_suffix { SUF_NONE, SUF_I8, SUF_I16, SUF_I32, SUF_I64, SUF_U8, SUF_U16, SUF_U32, SUF_U64 };

struct fstr_part {
    bool is_field;         /* true: dotted field chain in `names`; false: literal text */
    const char *text;      /* literal text */
    const char **names;
    size_t name_count;
};

struct token {
    int kind;
    const char *text;      /* identifier / keyword / operator text, NUL-terminated */
    size_t len;            /* length of text */
    int line, col;
    const char *file;
    u128 ival;
    int suffix;
    double fval;
    const char *sval;      /* decoded string */
    size_t slen;
    struct fstr_part *parts;
    size_t part_count;
};

/* ---------------------------------------------------------------- AST */

struct type;

struct typeexpr {
    bool secret;
    const char *name;
    struct typeexpr **args;
    size_t arg_count;
    int line, col;
};

enum expr_kind {
    E_INT, E_FLOAT, E_STRING, E_BOOL, E_NONE, E_IDENT,
    E_UNARY, E_BINARY, E_CALL, E_FIELD, E_INDEX, E_SLICE,
    E_LIST, E_DICT, E_COMP,
    E_TEMP_DEF,            /* -O passes: evaluate a, keep the value in the hidden variable `var` */
};

enum binop {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_REM, OP_MOD, OP_SHL, OP_SHR,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN,
    OP_AND, OP_OR, OP_XOR, OP_RANGE,
    OP_NEG, OP_NOT, /* unary */
};

struct expr;
struct arg {
    const char *name;      /* named argument, or NULL */
    struct expr *value;
};

struct func_sym;
struct var_sym;

struct expr {
    int kind;
    int line, col;
    const char *file;
    /* literals */
    u128 ival;
    int suffix;
    double fval;
    const char *sval;
    size_t slen;
    bool bval;
    const char *name;      /* E_IDENT name, E_FIELD field name, E_COMP loop variable */
    int op;
    struct expr *a, *b, *c, *d;  /* operands: unary a; binary a b; field a; index a b; slice a b c d;
                                    comp: a element, b iterable, c condition */
    struct arg *args;      /* E_CALL (callee in a) */
    size_t arg_count;
    struct expr **items;   /* E_LIST items; E_DICT keys */
    struct expr **values;  /* E_DICT values */
    size_t item_count;
    /* filled by the checker */
    struct type *type;
    bool untyped_int;      /* an integer literal (or negation of one) without suffix */
    struct var_sym *var;   /* E_IDENT resolved to a variable; E_COMP loop var */
    struct func_sym *func; /* E_CALL resolved to a function */
    const char *call_name; /* E_CALL: the VM symbol to call */
    struct arg *call_args; /* E_CALL: arguments after named/default/variadic resolution */
    size_t call_arg_count;
    int call_kind;         /* see check.h */
    bool const_folded;     /* enum members folded to ival */
    void *aux;
};

enum stmt_kind {
    S_EXPR, S_VAR, S_ASSIGN, S_IF, S_WHILE, S_FOR, S_RETURN, S_BREAK, S_CONTINUE, S_PASS,
    S_FUNC, S_OBJECT, S_ENUM, S_ALIAS, S_IMPORT, S_BUILTIN_TYPE, S_BUILTIN_OPAQUE, S_BUILTIN_OBJECT,
};

struct stmt;
struct block {
    struct stmt **stmts;
    size_t count;
    struct var_sym **temps;    /* -O passes: hidden values defined in this block, released at its end */
    size_t temp_count;
};

struct param {
    const char *name;
    struct typeexpr *type;
    struct expr *def;      /* default literal */
    bool variadic;
    int line, col;
};

struct pragma {
    const char *name;
    struct expr *value;
};

struct field_decl {
    const char *name;
    struct typeexpr *type;
    int line, col;
};

struct enum_member {
    const char *name;
    int64_t value;
    int line, col;
};

struct stmt {
    int kind;
    int line, col;
    const char *file;
    const char *name;          /* var / func / object / enum / alias / import alias / for var */
    struct typeexpr *type;     /* var annotation, alias target, builtin type target, object base */
    struct expr *e;            /* expr stmt, var init, return value, condition, for iterable/low */
    struct expr *e2;           /* assign value; for range upper bound */
    struct expr *target;       /* assign target */
    struct block body, els;
    bool has_else;
    /* func */
    const char **generics;
    size_t generic_count;
    struct param *params;
    size_t param_count;
    struct typeexpr *ret;      /* NULL = void */
    struct pragma *pragmas;
    size_t pragma_count;
    bool has_body;
    /* object / enum / builtin object */
    struct field_decl *fields;
    size_t field_count;
    struct enum_member *members;
    size_t member_count;
    struct stmt **methods;
    size_t method_count;
    /* import */
    const char *path;          /* dotted name or path string */
    bool path_is_string;
    /* filled by the checker */
    struct var_sym *var;
    struct func_sym *func;
    bool hidden;               /* compiler-generated (match subject, comprehension) */
    bool is_range;             /* for over a lo..hi header range */
    /* -O loop-invariant code motion: definitions run once, after the loop's first test passed,
       and the hidden variables they define (released after the loop) */
    struct block hoist;
    struct var_sym **hoist_temps;
    size_t hoist_temp_count;
};

/* A parsed module (one file). */
struct module {
    const char *file;          /* file name as given */
    const char *path;          /* resolver path */
    const char *prefix;        /* import prefix / alias */
    struct block top;
    struct module **imports;
    size_t import_count;
    bool checked;
};

/* ---------------------------------------------------------------- types */

enum type_kind {
    TY_UNKNOWN, TY_INT, TY_FLOAT, TY_FIX, TY_BOOL, TY_STRING, TY_VOID, TY_NONE,
    TY_LIST, TY_DICT, TY_OBJECT, TY_SHARE, TY_OPAQUE, TY_TYPEVAR, TY_RANGE,
};

struct object_info;

struct type {
    int kind;
    bool secret;
    bool is_signed;
    int bits;                  /* int / fix */
    struct type *elem;         /* list element, dict value */
    struct type *key;          /* dict key */
    const char *name;          /* object / opaque / typevar name */
    struct object_info *obj;
};

/* ---------------------------------------------------------------- compile context */

struct compile_ctx {
    struct arena arena;
    jmp_buf oom;
    stoffel_lang_options opts;
    struct ptrvec diags;       /* struct diag * */
    size_t error_count;
    /* sources: file name -> text, for snippets */
    struct ptrvec src_files;   /* const char * */
    struct ptrvec src_texts;   /* const char * (NUL-terminated) */
    struct ptrvec src_lens;    /* size_t stored as uintptr_t */
    stoffel_lang_resolver resolver;
    void *resolver_data;
    int hidden_counter;
    struct checker *checker;
    struct ir_program *ir;
    /* heap objects held across arena allocations, released if an out-of-memory unwind happens */
    void *pending_heap;               /* a resolver's source buffer (free) */
    stoffel_vm_builder *pending_builder;
};

void diag_add(struct compile_ctx *cx, int sev, const char *code, const char *file, int line, int col,
              const char *hint, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void diag_render(struct compile_ctx *cx, struct strbuf *out, bool color);
void ctx_add_source(struct compile_ctx *cx, const char *file, const char *text, size_t len);
const char *ctx_file_basename(const char *path);

/* lexer.c: tokenizes a whole file; on a lexical error adds one diagnostic and returns false. */
bool lex_file(struct compile_ctx *cx, const char *file, const char *src, size_t len,
              struct token **out, size_t *out_count);

/* parser: builds a module from tokens, collecting syntax errors with recovery. */
struct module *parse_module(struct compile_ctx *cx, const char *file, struct token *toks, size_t n);

/* imports.c: loads the entry module and its imports, in dependency order. */
bool load_program(struct compile_ctx *cx, const char *file, const char *src, size_t len,
                  struct ptrvec *modules_out);

/* check: semantic analysis over all modules (dependency order, entry last). */
bool check_program(struct compile_ctx *cx, struct ptrvec *modules);

/* codegen: lowers the checked program to IR. */
bool codegen_program(struct compile_ctx *cx, struct ptrvec *modules);

/* ast_dump.c: the AST part of --print-ir */
void ast_dump(struct compile_ctx *cx, struct ptrvec *modules, struct strbuf *out);

/* edit distance for suggestions */
size_t lang_edit_distance(const char *a, const char *b);

#endif
