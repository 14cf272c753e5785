/* check.h - the semantic analyser's private state, shared by types.c, check_*.c and codegen. */
#ifndef STOFFEL_LANG_CHECK_H
#define STOFFEL_LANG_CHECK_H

#include "lang_internal.h"

enum { COMPAT_OK, COMPAT_MISMATCH, COMPAT_REVEAL };

/* String-keyed hash map (open addressing) in the arena. */
struct strmap {
    const char **keys;
    void **vals;
    size_t cap, len;
};
void *strmap_get(const struct strmap *m, const char *key);
void strmap_put(struct arena *a, struct strmap *m, const char *key, void *val);

struct func_ctx;

struct var_sym {
    const char *name;
    struct type *type;
    bool annotated;
    bool weak;             /* type came from an untyped literal, [] or {} (may be refined) */
    bool is_param;
    bool is_global;        /* declared at module level */
    bool used_in_func;     /* a module-level var read or written inside a function */
    bool reassigned;       /* assigned after its declaration */
    bool hidden;
    bool has_const;        /* never reassigned int constant (for the client-IO manifest) */
    int64_t const_val;
    bool literal_bounded;  /* a for-loop variable over literal bounds */
    int64_t lo, hi;
    const char *file;
    int line, col;
    const char *constraint;      /* where the inferred type came from (pass 1) */
    const char *conflict;        /* "Cannot infer..." message found in pass 1 */
    int conflict_line, conflict_col;
    struct module *module;
    int cg_home;           /* codegen: register or spill home (-1 = none yet) */
    int cg_kind;
    bool opt_temp;         /* a hidden value introduced by an -O pass */
    unsigned opt_stamp;    /* -O passes: marks "assigned in the loop being analysed" */
    unsigned opt_reads;    /* -O dead-code pass: reads counted in the function */
};

enum call_kind {
    CALL_USER, CALL_BUILTIN, CALL_CONSTRUCTOR,
};

struct func_sym {
    const char *name;          /* as called in source */
    const char *vm_name;       /* CALL symbol */
    struct stmt *decl;
    size_t nparams;
    const char **param_names;
    struct type **param_types;
    struct expr **param_defaults;
    bool variadic;
    struct type *ret;
    const char **generics;
    size_t ngenerics;
    bool builtin;
    bool receiver_bound;       /* Share.m whose first parameter is a share */
    bool first_secret;         /* builtin whose first parameter is `secret T` */
    bool named_args_ok;
    struct module *module;
    struct ptrvec locals;      /* every var_sym of the body, in declaration order (codegen) */
    bool is_entry;
    struct func_sym *shadowed; /* the symbol this definition hides (a builtin of the same name) */
    struct ptrvec upvalues;    /* names used literally in get_upvalue/set_upvalue (const char *) */
};

struct object_info {
    const char *name;
    size_t field_count;
    const char **field_names;
    struct type **field_types;
};

struct scope {
    struct scope *parent;
    struct ptrvec vars;
    struct strmap index;       /* name -> latest var_sym, built once a scope holds many names */
    bool is_function;
    bool is_global;
};

struct func_ctx {
    struct func_sym *fn;
    struct type *ret;
    int loop_depth;
    bool toplevel;             /* script top-level code (the implicit main) */
};

/* A recorded client input/output (for the manifest). */
struct client_io {
    int64_t slot, ordinal;
    bool output;
    int share_kind;            /* 0 int, 1 fixed, 2 uint */
    int bits, frac;
    const void *site;          /* the call expression (a call may be checked twice) */
};

struct checker {
    struct compile_ctx *cx;
    struct type *ints[8];
    struct type *t_unknown, *t_float, *t_fix, *t_bool, *t_string, *t_void, *t_none, *t_share, *t_range,
        *t_i64, *t_sbool;
    struct strmap funcs;       /* name -> func_sym (user + builtins, plus qualified names) */
    struct strmap types;       /* name -> type (objects, enums, aliases, opaque, builtin types) */
    struct strmap enums;       /* name -> struct stmt * (enum decl) */
    struct strmap builtin_objects; /* name -> (void *)1 */
    struct strmap prefixes;    /* import prefix/alias -> module */
    struct scope *scope;
    struct scope *global;
    struct func_ctx *fn;
    bool quiet;                /* pass 1 of inference: no diagnostics */
    int pass;
    struct module *module;     /* module being checked */
    struct module *entry_module;
    struct ptrvec user_funcs;  /* func_sym * of bodies to generate, in definition order */
    struct func_sym *main_fn;  /* the entry function (user `def main`, {.entry.} or script) */
    struct block script;       /* script-mode top-level statements (entry module only) */
    struct ptrvec script_stmts;
    struct ptrvec client_io;   /* struct client_io * */
    const char **cur_generics; /* type variables in scope while resolving a signature */
    size_t cur_generic_count;
    bool refine_assign;        /* refine_var called for an assignment (conflicts are errors) */
};

/* types.c */
void ty_init(struct checker *ch);
struct type *ty_new(struct checker *ch, int kind);
struct type *ty_int(struct checker *ch, bool is_signed, int bits);
struct type *ty_secret(struct checker *ch, struct type *t);
struct type *ty_clear(struct checker *ch, struct type *t);
struct type *ty_list(struct checker *ch, struct type *elem);
struct type *ty_dict(struct checker *ch, struct type *k, struct type *v);
bool ty_is_numeric(const struct type *t);
bool ty_is_int(const struct type *t);
bool ty_is_unknown(const struct type *t);
bool ty_is_secret(const struct type *t);
bool ty_equal(const struct type *a, const struct type *b);
bool ty_int_widens(const struct type *from, const struct type *to);
int ty_compat(const struct type *dst, const struct type *src);
const char *ty_name(struct checker *ch, const struct type *t);
struct type *ty_resolve(struct checker *ch, struct typeexpr *te);

/* check.c */
void check_error(struct checker *ch, const char *code, int line, int col, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
struct type *lookup_type_name(struct checker *ch, const char *name);
const char *suggest_type_name(struct checker *ch, const char *name);
struct var_sym *lookup_var(struct checker *ch, const char *name);
struct var_sym *declare_var(struct checker *ch, const char *name, struct type *t, int line, int col);
void refine_var(struct checker *ch, struct expr *e, struct type *t, const char *why);
const char *suggest_name(struct checker *ch, const char *name, bool funcs_only);
bool check_assignable(struct checker *ch, struct type *dst, struct expr *src, int line, int col, const char *what_fmt,
                      const char *name);

struct scope *push_scope(struct checker *ch, bool is_function);
void pop_scope(struct checker *ch);

/* check_stmt.c */
void check_var(struct checker *ch, struct stmt *s);
void check_stmt(struct checker *ch, struct stmt *s);
void check_block(struct checker *ch, struct block *b);
bool block_returns(struct block *b);

/* check_expr.c */
struct type *check_expr(struct checker *ch, struct expr *e, struct type *expected);
bool literal_fits(struct checker *ch, struct expr *e, struct type *target, bool report);

/* check_call.c */
struct type *check_call(struct checker *ch, struct expr *e, struct type *expected);

/* prelude.c */
extern const char stoffel_lang_prelude[];
void declare_function(struct checker *ch, struct stmt *s, const char *qualifier, bool builtin);

#endif
