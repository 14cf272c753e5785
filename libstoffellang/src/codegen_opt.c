/*
 * codegen_opt.c - the optimisations (language.md section 9.3): the driver of the AST passes run on
 * each function body before lowering (opt_*.c: reveal batching of loops, dead code, loop-invariant
 * code motion, common subexpressions), and those applied while lowering: constant folding (-O1),
 * inlining of single-return functions and round scheduling of secret arithmetic trees (-O3).
 * Unrolling lives with the loops in codegen.c, the peephole pass in ir.c.
 */
#include <string.h>

#include "codegen.h"
#include "opt.h"

void opt_function_body(struct compile_ctx *cx, struct checker *ch, int level, struct block *body)
{
    if (level < 1 || opt_blocks_all(body))
        return; /* closures and upvalues reach variables by name: leave such functions as written */
    struct opt_ctx o = {.cx = cx, .ch = ch, .level = level};
    if (level >= 2)
        opt_reveal_loops(&o, body);
    opt_dce(&o, body);
    opt_licm(&o, body);
    opt_cse(&o, body);
}

/* -O1 constant folding: clear integer arithmetic on literals, computed in the expression's own
 * width with the VM's checked semantics; anything that would fail at run time (overflow, division
 * by zero) is left to the run time so the error stays observable. */
bool fold_int(struct expr *e, __int128 *out)
{
    const struct type *t = e->type;
    if (!t || t->kind != TY_INT || t->secret)
        return false;
    if (e->kind == E_INT) {
        *out = (__int128)e->ival;
        return e->ival <= ((u128)1 << 64);
    }
    if (e->kind == E_UNARY && e->op == OP_NEG && e->a->kind == E_INT) {
        *out = -(__int128)e->a->ival;
        return e->a->ival <= ((u128)1 << 64);
    }
    if (e->kind != E_BINARY || !(e->op == OP_ADD || e->op == OP_SUB || e->op == OP_MUL || e->op == OP_DIV || e->op == OP_REM))
        return false;
    __int128 a, b, r;
    if (!fold_int(e->a, &a) || !fold_int(e->b, &b))
        return false;
    switch (e->op) {
    case OP_ADD: r = a + b; break;
    case OP_SUB: r = a - b; break;
    case OP_MUL: r = a * b; break;
    case OP_DIV:
        if (b == 0)
            return false;
        r = a / b; /* C truncates toward zero, as the VM does */
        break;
    default:
        if (b == 0)
            return false;
        r = a % b; /* sign of the dividend, as the VM */
        break;
    }
    __int128 lo = t->is_signed ? -((__int128)1 << (t->bits - 1)) : 0;
    __int128 hi = t->is_signed ? ((__int128)1 << (t->bits - 1)) - 1 : ((__int128)1 << t->bits) - 1;
    if (r < lo || r > hi)
        return false;
    *out = r;
    return true;
}

/* Size of an expression tree, or -1 when it cannot be inlined (self call, comprehension, frame-bound
 * builtins such as upvalues and closures). */
static int inline_cost(struct expr *e, struct func_sym *self)
{
    if (!e)
        return 0;
    int n = 1;
    switch (e->kind) {
    case E_COMP: case E_TEMP_DEF: return -1; /* hidden values of the -O passes belong to the callee's frame */
    case E_IDENT: return e->var && e->var->opt_temp ? -1 : 1;
    case E_CALL: {
        if (e->func == self)
            return -1;
        const char *name = e->call_name ? e->call_name : (e->func ? e->func->vm_name : "");
        if (strstr(name, "upvalue") || strstr(name, "closure"))
            return -1;
        for (size_t i = 0; i < e->call_arg_count; i++) {
            int c = inline_cost(e->call_args[i].value, self);
            if (c < 0)
                return -1;
            n += c;
        }
        return n;
    }
    case E_LIST: case E_DICT:
        for (size_t i = 0; i < e->item_count; i++) {
            int c = inline_cost(e->items[i], self);
            int d = e->kind == E_DICT ? inline_cost(e->values[i], self) : 0;
            if (c < 0 || d < 0)
                return -1;
            n += c + d;
        }
        return n;
    default: {
        struct expr *kids[4] = {e->a, e->b, e->c, e->d};
        for (int i = 0; i < 4; i++) {
            int c = inline_cost(kids[i], self);
            if (c < 0)
                return -1;
            n += c;
        }
        return n;
    }
    }
}

#define INLINE_MAX_COST 40

/* -O3 inlining of a function whose body is a single `return expr` (language.md section 9.3): the
 * arguments are evaluated in order, bound to the callee's parameters, and the expression is
 * lowered in place (no frame, no PUSHARG/CALL/RET, and pending secret operations of the caller
 * stay batched with the callee's). */
bool try_inline(struct codegen *cg, struct expr *e, struct func_sym *f, struct loc *out)
{
    struct stmt *d = f->decl;
    if (cg->opt < 3 || !d || f->builtin || f->variadic || d->body.count != 1 || d->body.stmts[0]->kind != S_RETURN ||
        !d->body.stmts[0]->e || e->call_arg_count != f->nparams || f->nparams > 8)
        return false;
    struct expr *body = d->body.stmts[0]->e;
    int cost = inline_cost(body, f);
    if (cost < 0 || cost > INLINE_MAX_COST)
        return false;
    struct var_sym *params[8];
    size_t k = 0;
    for (size_t i = 0; i < f->locals.len && k < f->nparams; i++)
        if (((struct var_sym *)f->locals.items[i])->is_param)
            params[k++] = f->locals.items[i];
    if (k != f->nparams)
        return false;
    for (size_t i = 0; i < k; i++) {
        struct type *at = e->call_args[i].value->type;
        if (ty_is_secret(at) && !cg_secret(params[i]->type))
            return false; /* a share would land in a clear home */
    }
    struct loc args[8];
    int saved_kind[8], saved_home[8];
    for (size_t i = 0; i < k; i++) {
        struct expr *a = e->call_args[i].value;
        struct loc v = cg_expr(cg, a);
        if (cg_secret(params[i]->type) && !v.secret && params[i]->type->kind != TY_SHARE) {
            struct loc p = cg_promote(cg, v, a->type, params[i]->type);
            cg_free(cg, v);
            v = p;
        } else if (v.kind == LOC_REG && v.idx == 0) {
            struct loc t = cg_alloc(cg, v.secret);
            cg_move(cg, t, v);
            v = t;
        }
        args[i] = v;
    }
    for (size_t i = 0; i < k; i++) {
        saved_kind[i] = params[i]->cg_kind;
        saved_home[i] = params[i]->cg_home;
        params[i]->cg_kind = args[i].kind;
        params[i]->cg_home = (int)args[i].idx;
    }
    struct loc r = cg_expr(cg, body);
    for (size_t i = 0; i < k; i++) {
        params[i]->cg_kind = saved_kind[i];
        params[i]->cg_home = saved_home[i];
    }
    /* the result must not alias an argument temporary that is freed now */
    bool aliases = false;
    for (size_t i = 0; i < k; i++)
        if (args[i].temp && args[i].kind == r.kind && args[i].idx == r.idx)
            aliases = true;
    if (!r.temp || aliases) {
        struct loc c = cg_alloc(cg, r.secret);
        cg_move(cg, c, r);
        r = c;
    }
    if (cg_secret(f->ret) && !r.secret && f->ret->kind != TY_SHARE) {
        struct loc p = cg_promote(cg, r, body->type, f->ret);
        cg_free(cg, r);
        r = p;
    }
    for (size_t i = 0; i < k; i++)
        if (!(args[i].kind == r.kind && args[i].idx == r.idx))
            cg_free(cg, args[i]);
    *out = r;
    return true;
}

/* ---- -O3 round scheduling of secret arithmetic trees ----------------------------------------
 * In `a*b + c*d + e*f` evaluated left to right, each + reads a queued product and so forces a
 * round before the next product is even queued. Here the tree's leaves are evaluated first (left
 * to right, so side effects keep their order), then the operations are emitted by multiplicative
 * depth: every secret x secret product of depth 1, then the local operations that need them, then
 * depth 2, and so on. Products of one depth are queued together and open in one round. Only trees
 * of secret integers built from + - * are scheduled (the operations are pure and cannot fail). */

#define SCHED_MAX_NODES 64

struct sched_node {
    struct expr *e;
    int level;          /* multiplicative depth */
    bool is_mul;        /* secret x secret product (interactive) */
    int left, right;    /* operand node indices, or -1 for a leaf */
    int leaf_left, leaf_right;
    struct loc value;
    bool done;
};

struct sched {
    struct sched_node nodes[SCHED_MAX_NODES];
    int count;
    struct expr *leaves[SCHED_MAX_NODES * 2];
    struct loc leaf_values[SCHED_MAX_NODES * 2];
    int leaf_count;
};

static bool sched_is_op(const struct expr *e)
{
    return e->kind == E_BINARY && (e->op == OP_ADD || e->op == OP_SUB || e->op == OP_MUL) && e->type &&
           e->type->secret && e->type->kind == TY_INT && e->a->type && e->b->type &&
           (e->a->type->kind == TY_INT || e->a->type->kind == TY_SHARE) &&
           (e->b->type->kind == TY_INT || e->b->type->kind == TY_SHARE);
}

/* Returns the node index of e (an operation) or -1 with *leaf set for a leaf; -2 when too big. */
static int sched_collect(struct sched *sc, struct expr *e, int *leaf)
{
    if (!sched_is_op(e)) {
        if (sc->leaf_count >= SCHED_MAX_NODES * 2)
            return -2;
        *leaf = sc->leaf_count;
        sc->leaves[sc->leaf_count++] = e;
        return -1;
    }
    int la = -1, lb = -1;
    int a = sched_collect(sc, e->a, &la);
    if (a == -2)
        return -2;
    int b = sched_collect(sc, e->b, &lb);
    if (b == -2 || sc->count >= SCHED_MAX_NODES)
        return -2;
    struct sched_node *n = &sc->nodes[sc->count];
    memset(n, 0, sizeof *n);
    n->e = e;
    n->left = a;
    n->right = b;
    n->leaf_left = la;
    n->leaf_right = lb;
    bool sa = a >= 0 || ty_is_secret(e->a->type), sb = b >= 0 || ty_is_secret(e->b->type);
    int da = a >= 0 ? sc->nodes[a].level : 0, db = b >= 0 ? sc->nodes[b].level : 0;
    n->is_mul = e->op == OP_MUL && sa && sb;
    n->level = (da > db ? da : db) + (n->is_mul ? 1 : 0);
    return sc->count++;
}

static struct loc sched_operand(struct sched *sc, int node, int leaf)
{
    return node >= 0 ? sc->nodes[node].value : sc->leaf_values[leaf];
}

static void sched_emit(struct codegen *cg, struct sched *sc, struct sched_node *n)
{
    struct loc a = sched_operand(sc, n->left, n->leaf_left), b = sched_operand(sc, n->right, n->leaf_right);
    if (n->is_mul)
        count_triple(cg);
    int ins = n->e->op == OP_ADD ? IR_ADD : n->e->op == OP_SUB ? IR_SUB : IR_MUL;
    n->value = binop_instr(cg, ins, a, b, true);
    cg_free(cg, a);
    cg_free(cg, b);
    n->done = true;
}

/* Secret x secret products in the schedulable tree rooted at e (a cheap test before any work). */
static int sched_count_muls(const struct expr *e, int budget)
{
    if (budget <= 0 || !sched_is_op(e))
        return 0;
    int n = e->op == OP_MUL && ty_is_secret(e->a->type) && ty_is_secret(e->b->type) ? 1 : 0;
    n += sched_count_muls(e->a, budget - 1);
    return n + sched_count_muls(e->b, budget - 1 - n);
}

bool try_schedule(struct codegen *cg, struct expr *e, struct loc *out)
{
    if (cg->opt < 3 || !sched_is_op(e) || sched_count_muls(e, SCHED_MAX_NODES) < 2)
        return false;
    struct sched *sc = arena_alloc(&cg->cx->arena, sizeof *sc);
    int root_leaf = -1;
    int root = sched_collect(sc, e, &root_leaf);
    if (root < 0)
        return false;
    int muls_per_level[SCHED_MAX_NODES + 1] = {0};
    int max_level = 0;
    for (int i = 0; i < sc->count; i++) {
        if (sc->nodes[i].is_mul)
            muls_per_level[sc->nodes[i].level]++;
        if (sc->nodes[i].level > max_level)
            max_level = sc->nodes[i].level;
    }
    bool worth = false;
    for (int l = 1; l <= max_level; l++)
        if (muls_per_level[l] > 1)
            worth = true;
    if (!worth)
        return false; /* the left-to-right order is already as good */
    for (int i = 0; i < sc->leaf_count; i++) {
        struct expr *leaf = sc->leaves[i];
        struct loc v = cg_expr(cg, leaf);
        /* a hidden value of the -O passes keeps its home while the tree is emitted (copying it would
         * read a queued product at once) */
        bool stable = leaf->kind == E_TEMP_DEF || (leaf->kind == E_IDENT && leaf->var && leaf->var->opt_temp);
        if ((!v.temp && !stable) || (v.kind == LOC_REG && v.idx == 0)) {
            struct loc t = cg_alloc(cg, v.secret);
            cg_move(cg, t, v);
            v = t;
        }
        sc->leaf_values[i] = v;
    }
    for (int level = 0; level <= max_level; level++) {
        for (int i = 0; i < sc->count; i++) /* the products of this depth, queued together */
            if (!sc->nodes[i].done && sc->nodes[i].is_mul && sc->nodes[i].level == level)
                sched_emit(cg, sc, &sc->nodes[i]);
        for (int i = 0; i < sc->count; i++) /* then the local operations that use them */
            if (!sc->nodes[i].done && !sc->nodes[i].is_mul && sc->nodes[i].level == level)
                sched_emit(cg, sc, &sc->nodes[i]);
    }
    *out = sc->nodes[root].value;
    return true;
}

