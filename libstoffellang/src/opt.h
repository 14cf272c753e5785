/* opt.h - the AST passes of -O1..-O3 (language.md section 9.3), run on each checked function body
 * before lowering: dead-code elimination, loop-invariant code motion, common subexpressions and
 * reveal batching of loops. The passes work on the typed AST because it still says what each
 * operation is (clear or secret, which width, whether it can fail); the instruction lists below
 * them are register-allocated and untyped.
 *
 * Ground rules shared by every pass: only pure expressions move or merge (no calls with effects,
 * reveals, client IO, prints, collection or object access); an expression that can fail at run
 * time is only moved to a point where it would have been evaluated first anyway; nothing is added
 * that -O0 does not compute (never more MPC rounds); and no hash-map order reaches the output. */
#ifndef STOFFEL_LANG_OPT_H
#define STOFFEL_LANG_OPT_H

#include "check.h"

struct opt_ctx {
    struct compile_ctx *cx;
    struct checker *ch;
    int level;
    unsigned stamp;            /* last loop stamp handed out (var_sym.opt_stamp) */
};

/* opt_util.c: what the passes agree on */
bool opt_scalar(const struct type *t);
bool opt_pure(const struct expr *e);          /* no effects, no calls; every value a scalar local or literal */
bool opt_cannot_fail(const struct expr *e);   /* pure and never a run-time error */
bool opt_interactive(const struct expr *e);   /* pure and costs MPC communication (secret x secret ...) */
bool opt_has_var_leaf(const struct expr *e);  /* reads at least one variable (else it folds) */
bool opt_expr_equal(const struct expr *a, const struct expr *b);
bool opt_blocks_all(struct block *b);         /* uses closures/upvalues: leave the function alone */
bool opt_block_declares(const struct block *b); /* declares a variable or function (at any depth) */
struct var_sym *opt_new_temp(struct opt_ctx *o, struct type *t);
void opt_turn_into_def(struct opt_ctx *o, struct expr *e, struct var_sym *t);
void opt_turn_into_read(struct expr *e, struct var_sym *t);
void opt_add_temp(struct opt_ctx *o, struct var_sym ***temps, size_t *count, struct var_sym *t);
void opt_stamp_assigned(struct block *b, unsigned stamp);

/* the passes, one file each */
void opt_dce(struct opt_ctx *o, struct block *body);
void opt_licm(struct opt_ctx *o, struct block *body);
void opt_cse(struct opt_ctx *o, struct block *body);
void opt_reveal_loops(struct opt_ctx *o, struct block *body);

/* codegen_opt.c: runs the passes of the level on one function body */
void opt_function_body(struct compile_ctx *cx, struct checker *ch, int level, struct block *body);

#endif
