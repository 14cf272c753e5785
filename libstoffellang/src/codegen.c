/*
 * codegen.c - lowering, part 1 (language.md section 8): register allocation over the 16 clear
 * and 16 secret registers with spilling through LDS/STS, module-level variables, statements and
 * whole functions.
 *
 * Allocation is linear and scoped: a variable keeps its home (register or spill slot) until its
 * scope ends, temporaries are freed as soon as they are consumed, and r0 (call results) plus
 * three scratch registers per bank (for spilled operands) are never allocated.
 */
#include <string.h>

#include "codegen.h"
#include "opt.h"

void cg_error(struct codegen *cg, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(&cg->cx->arena, fmt, ap);
    va_end(ap);
    diag_add(cg->cx, SEV_ERROR, "E201", cg->fn && cg->fn->sym && cg->fn->sym->module ? cg->fn->sym->module->file : "", line,
             col, NULL, "%s", msg);
    cg->failed = true;
}

bool cg_secret(const struct type *t)
{
    return ty_is_secret(t);
}

struct loc cg_alloc(struct codegen *cg, bool secret)
{
    struct loc l = {.secret = secret, .temp = true};
    int first = secret ? CG_SECRET_FIRST : CG_CLEAR_FIRST, last = secret ? CG_SECRET_LAST : CG_CLEAR_LAST;
    for (int r = first; r <= last; r++)
        if (!cg->reg_used[r]) {
            cg->reg_used[r] = true;
            l.kind = LOC_REG;
            l.idx = (uint32_t)r;
            return l;
        }
    while (cg->free_slot_count > 0) {
        uint32_t s = cg->free_slots[--cg->free_slot_count];
        if (!cg->slot_used[s]) {
            cg->slot_used[s] = 1;
            l.kind = LOC_SLOT;
            l.idx = s;
            return l;
        }
    }
    if (cg->slot_count == cg->slot_cap) {
        size_t cap = cg->slot_cap ? cg->slot_cap * 2 : 64;
        uint8_t *n = arena_alloc(&cg->cx->arena, cap);
        if (cg->slot_count)
            memcpy(n, cg->slot_used, cg->slot_count);
        cg->slot_used = n;
        cg->slot_cap = cap;
    }
    cg->slot_used[cg->slot_count] = 1;
    l.kind = LOC_SLOT;
    l.idx = (uint32_t)cg->slot_count++;
    return l;
}

void cg_free(struct codegen *cg, struct loc l)
{
    if (!l.temp)
        return;
    if (l.kind == LOC_REG && l.idx != 0)
        cg->reg_used[l.idx] = false;
    else if (l.kind == LOC_SLOT && cg->slot_used[l.idx]) {
        cg->slot_used[l.idx] = 0;
        if (cg->free_slot_count == cg->free_slot_cap) {
            size_t cap = cg->free_slot_cap ? cg->free_slot_cap * 2 : 64;
            uint32_t *n = arena_alloc(&cg->cx->arena, cap * sizeof *n);
            if (cg->free_slot_count)
                memcpy(n, cg->free_slots, cg->free_slot_count * sizeof *n);
            cg->free_slots = n;
            cg->free_slot_cap = cap;
        }
        cg->free_slots[cg->free_slot_count++] = l.idx;
    }
}

static uint32_t scratch_reg(bool secret, int n)
{
    return (uint32_t)((secret ? 29 : 13) + n);
}

/* The register to read l from: its own register, or a scratch loaded from its slot. */
uint32_t cg_use(struct codegen *cg, struct loc l, int scratch)
{
    if (l.kind == LOC_REG)
        return l.idx;
    uint32_t r = scratch_reg(l.secret, scratch);
    ir_op2(cg, IR_LDS, r, l.idx);
    return r;
}

/* The register an instruction should write l through (then cg_store). */
uint32_t cg_dst(struct codegen *cg, struct loc l, int scratch)
{
    (void)cg;
    return l.kind == LOC_REG ? l.idx : scratch_reg(l.secret, scratch);
}

void cg_store(struct codegen *cg, struct loc l, uint32_t reg)
{
    if (l.kind == LOC_SLOT)
        ir_op2(cg, IR_STS, l.idx, reg);
}

/* dst <- src with the bank rules of MOV (clear->secret shares, secret->clear reveals). */
void cg_move(struct codegen *cg, struct loc dst, struct loc src)
{
    if (dst.kind == src.kind && dst.idx == src.idx && dst.secret == src.secret)
        return;
    if (dst.kind == LOC_SLOT && src.kind == LOC_SLOT && dst.secret == src.secret) {
        uint32_t r = cg_use(cg, src, 0);
        ir_op2(cg, IR_STS, dst.idx, r);
        return;
    }
    uint32_t s = cg_use(cg, src, 0);
    if (dst.kind == LOC_SLOT && dst.secret == src.secret) {
        ir_op2(cg, IR_STS, dst.idx, s);
        return;
    }
    uint32_t d = cg_dst(cg, dst, 1);
    ir_op2(cg, IR_MOV, d, s);
    cg_store(cg, dst, d);
}

/* Moves a call result out of r0 into a fresh temporary of the type's bank. */
struct loc cg_result_r0(struct codegen *cg, struct type *t)
{
    struct loc r0 = {.kind = LOC_REG, .idx = 0, .secret = false};
    struct loc l = cg_alloc(cg, cg_secret(t));
    cg_move(cg, l, r0);
    return l;
}

/* ---------------------------------------------------------------- variables */

static bool is_global_storage(struct codegen *cg, struct var_sym *v)
{
    (void)cg;
    return v->is_global && v->used_in_func;
}

struct loc cg_var_read(struct codegen *cg, struct var_sym *v)
{
    if (is_global_storage(cg, v)) {
        struct loc name = cg_const(cg, k_str(v->name), false);
        cg_call_values(cg, "Vm.global_get", &name, 1);
        cg_free(cg, name);
        return cg_result_r0(cg, v->type);
    }
    if (v->cg_kind == LOC_NONE) {
        /* a variable whose declaration was not lowered (cannot happen for checked programs) */
        struct loc l = cg_alloc(cg, cg_secret(v->type));
        l.temp = false;
        v->cg_kind = l.kind;
        v->cg_home = (int)l.idx;
    }
    struct loc l = {.kind = v->cg_kind, .idx = (uint32_t)v->cg_home, .secret = cg_secret(v->type)};
    return l;
}

/* Stores `val` (already of the variable's bank or promotable by MOV) into the variable. */
void cg_var_write(struct codegen *cg, struct var_sym *v, struct loc val)
{
    if (is_global_storage(cg, v)) {
        struct loc args[2];
        args[0] = cg_const(cg, k_str(v->name), false);
        args[1] = val;
        if (cg_secret(v->type) && !val.secret) {
            args[1] = cg_alloc(cg, true);
            cg_move(cg, args[1], val);
        }
        cg_call_values(cg, "Vm.global_set", args, 2);
        cg_free(cg, args[0]);
        if (args[1].idx != val.idx || args[1].kind != val.kind)
            cg_free(cg, args[1]);
        return;
    }
    if (v->cg_kind == LOC_NONE) {
        struct loc l = cg_alloc(cg, cg_secret(v->type));
        v->cg_kind = l.kind;
        v->cg_home = (int)l.idx;
    }
    struct loc home = {.kind = v->cg_kind, .idx = (uint32_t)v->cg_home, .secret = cg_secret(v->type)};
    cg_move(cg, home, val);
}

/* Gives a new local its home (a register or slot held until the end of its scope). */
static void home_var(struct codegen *cg, struct var_sym *v)
{
    if (is_global_storage(cg, v))
        return;
    struct loc l = cg_alloc(cg, cg_secret(v->type));
    v->cg_kind = l.kind;
    v->cg_home = (int)l.idx;
}

static void release_var(struct codegen *cg, struct var_sym *v)
{
    if (is_global_storage(cg, v) || v->cg_kind == LOC_NONE)
        return;
    struct loc l = {.kind = v->cg_kind, .idx = (uint32_t)v->cg_home, .secret = cg_secret(v->type), .temp = true};
    cg_free(cg, l);
}

/* The value to store into a variable of type `vt` from expression e (promotion included). */
static struct loc value_for(struct codegen *cg, struct expr *e, struct type *vt)
{
    struct loc v = cg_expr(cg, e);
    if (cg_secret(vt) && !v.secret && vt->kind != TY_SHARE)
        return cg_promote(cg, v, e->type, vt);
    return v;
}

/* The default value of a declaration without initializer (language.md section 4.4). */
static struct loc default_value(struct codegen *cg, struct type *t)
{
    if (t->kind == TY_LIST && !t->secret) {
        cg_call_values(cg, "create_array", NULL, 0);
        return cg_result_r0(cg, t);
    }
    if (t->kind == TY_DICT) {
        cg_call_values(cg, "create_object", NULL, 0);
        return cg_result_r0(cg, t);
    }
    if (t->kind == TY_OBJECT && t->obj) {
        cg_call_values(cg, "create_object", NULL, 0);
        struct loc obj = cg_result_r0(cg, t);
        for (size_t i = 0; i < t->obj->field_count; i++) {
            struct type *ft = t->obj->field_types[i];
            if (ft->kind != TY_LIST && ft->kind != TY_OBJECT && ft->kind != TY_DICT)
                continue;
            struct loc fv = default_value(cg, ft);
            struct loc args[3] = {obj, cg_const(cg, k_str(t->obj->field_names[i]), false), fv};
            cg_call_values(cg, "set_field", args, 3);
            cg_free(cg, args[1]);
            cg_free(cg, fv);
        }
        return obj;
    }
    if (cg_secret(t)) {
        struct ir_const zero = k_i64(0);
        struct loc z = cg_const(cg, zero, false);
        struct loc s = cg_promote(cg, z, cg->ch->t_i64, t);
        return s;
    }
    return cg_const(cg, (struct ir_const){.kind = K_UNIT}, false);
}

/* ---------------------------------------------------------------- statements */

static void cg_stmt(struct codegen *cg, struct stmt *s);

/* Releases the homes of the hidden values of the -O passes (and forgets them, so code emitted
 * again, such as an unrolled body, defines them afresh). */
static void release_temps(struct codegen *cg, struct var_sym **temps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct var_sym *t = temps[i];
        if (t->cg_kind == LOC_NONE)
            continue;
        struct loc l = {.kind = t->cg_kind, .idx = (uint32_t)t->cg_home, .secret = cg_secret(t->type), .temp = true};
        cg_free(cg, l);
        t->cg_kind = LOC_NONE;
    }
}

void cg_block(struct codegen *cg, struct block *b)
{
    for (size_t i = 0; i < b->count; i++)
        cg_stmt(cg, b->stmts[i]);
    release_temps(cg, b->temps, b->temp_count);
}

/* The loop-invariant definitions of a loop (opt_licm.c), counted for the preprocessing demand as
 * code outside the loop. */
static void emit_hoisted(struct codegen *cg, struct stmt *s, int64_t outer_mult, int outer_dyn)
{
    int64_t mult = cg->loop_mult;
    int dyn = cg->dyn_loops;
    cg->loop_mult = outer_mult;
    cg->dyn_loops = outer_dyn;
    for (size_t i = 0; i < s->hoist.count; i++)
        cg_stmt(cg, s->hoist.stmts[i]);
    cg->loop_mult = mult;
    cg->dyn_loops = dyn;
}

static bool is_clear_scalar_compare(struct expr *e)
{
    if (e->kind != E_BINARY || !(e->op == OP_EQ || e->op == OP_NE || e->op == OP_LT || e->op == OP_LE || e->op == OP_GT ||
                                 e->op == OP_GE))
        return false;
    const struct type *a = e->a->type, *b = e->b->type;
    if (ty_is_secret(a) || ty_is_secret(b) || !a || !b)
        return false;
    return (ty_is_numeric(a) || a->kind == TY_BOOL || a->kind == TY_STRING) &&
           (ty_is_numeric(b) || b->kind == TY_BOOL || b->kind == TY_STRING);
}

/* Lowers `cond` and jumps to `target` when it is false (CMP against false + JMPEQ, §8). From -O1
 * a clear comparison jumps on the inverted flag directly, and `while True` tests nothing. */
static void jump_if_false(struct codegen *cg, struct expr *cond, const char *target)
{
    if (cg->opt >= 1 && cond->kind == E_BOOL && cond->bval)
        return;
    if (cg->opt >= 1 && is_clear_scalar_compare(cond)) {
        struct loc a = cg_expr(cg, cond->a);
        struct loc b = cg_expr(cg, cond->b);
        ir_op2(cg, IR_CMP, cg_use(cg, a, 0), cg_use(cg, b, 1));
        switch (cond->op) {
        case OP_LT: ir_named(cg, IR_JMPGT, target); ir_named(cg, IR_JMPEQ, target); break;
        case OP_LE: ir_named(cg, IR_JMPGT, target); break;
        case OP_GT: ir_named(cg, IR_JMPLT, target); ir_named(cg, IR_JMPEQ, target); break;
        case OP_GE: ir_named(cg, IR_JMPLT, target); break;
        case OP_EQ: ir_named(cg, IR_JMPNEQ, target); break;
        default: ir_named(cg, IR_JMPEQ, target); break;
        }
        cg_free(cg, b);
        cg_free(cg, a);
        return;
    }
    struct loc c = cg_expr(cg, cond);
    struct loc f = cg_const(cg, (struct ir_const){.kind = K_BOOL, .i = 0}, false);
    uint32_t a = cg_use(cg, c, 0), b = cg_use(cg, f, 1);
    ir_op2(cg, IR_CMP, a, b);
    ir_named(cg, IR_JMPEQ, target);
    cg_free(cg, f);
    cg_free(cg, c);
}

static void cg_if(struct codegen *cg, struct stmt *s)
{
    const char *els = ir_new_label(cg, "else");
    const char *end = s->has_else ? ir_new_label(cg, "endif") : els;
    jump_if_false(cg, s->e, els);
    cg_block(cg, &s->body);
    if (s->has_else) {
        ir_named(cg, IR_JMP, end);
        ir_named(cg, IR_LABEL, els);
        cg_block(cg, &s->els);
    }
    ir_named(cg, IR_LABEL, end);
}

static void push_loop(struct codegen *cg, const char *brk, const char *cont)
{
    if (cg->loop_depth < 256) {
        cg->loops[cg->loop_depth].brk = brk;
        cg->loops[cg->loop_depth].cont = cont;
    }
    cg->loop_depth++;
}

static void cg_while(struct codegen *cg, struct stmt *s)
{
    const char *start = ir_new_label(cg, "while");
    const char *end = ir_new_label(cg, "endwhile");
    const char *body = NULL;
    if (s->hoist.count) {
        /* rotated: the first test, the loop-invariant definitions, then the loop proper */
        jump_if_false(cg, s->e, end);
        emit_hoisted(cg, s, cg->loop_mult, cg->dyn_loops);
        body = ir_new_label(cg, "whilebody");
        ir_named(cg, IR_JMP, body);
    }
    ir_named(cg, IR_LABEL, start);
    jump_if_false(cg, s->e, end);
    if (body)
        ir_named(cg, IR_LABEL, body);
    push_loop(cg, end, start);
    cg->dyn_loops++;
    cg_block(cg, &s->body);
    cg->dyn_loops--;
    cg->loop_depth--;
    ir_named(cg, IR_JMP, start);
    ir_named(cg, IR_LABEL, end);
    release_temps(cg, s->hoist_temps, s->hoist_temp_count);
}

static bool literal_int(struct expr *e, int64_t *v)
{
    if (e->kind == E_INT && e->ival <= (u128)INT64_MAX) {
        *v = (int64_t)e->ival;
        return true;
    }
    if (e->kind == E_UNARY && e->op == OP_NEG && e->a->kind == E_INT && e->a->ival <= (u128)INT64_MAX) {
        *v = -(int64_t)e->a->ival;
        return true;
    }
    return false;
}

static bool block_blocks_unroll(struct block *b, struct var_sym *v);

static bool stmt_blocks_unroll(struct stmt *s, struct var_sym *v)
{
    switch (s->kind) {
    case S_BREAK: case S_CONTINUE: case S_FUNC: return true;
    case S_ASSIGN: return s->target->kind == E_IDENT && s->target->var == v;
    case S_IF: return block_blocks_unroll(&s->body, v) || (s->has_else && block_blocks_unroll(&s->els, v));
    case S_WHILE: return block_blocks_unroll(&s->body, v);
    case S_FOR: return false; /* its own break/continue leave only the inner loop */
    default: return false;
    }
}

static bool block_blocks_unroll(struct block *b, struct var_sym *v)
{
    for (size_t i = 0; i < b->count; i++)
        if (stmt_blocks_unroll(b->stmts[i], v))
            return true;
    return false;
}

static size_t block_size(struct block *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++) {
        struct stmt *s = b->stmts[i];
        n++;
        if (s->kind == S_IF || s->kind == S_WHILE || s->kind == S_FOR)
            n += block_size(&s->body) + (s->has_else ? block_size(&s->els) : 0);
    }
    return n;
}

#define UNROLL_MAX_TRIPS 16
#define UNROLL_MAX_WORK 256

/* -O3: a for loop over literal bounds with a small body is emitted once per iteration with the
 * loop variable set to each value (no compare, jump or increment). A body that breaks, continues
 * or assigns the loop variable keeps the loop (the reference semantics of those depend on it). */
static bool try_unroll(struct codegen *cg, struct stmt *s, int64_t lo, int64_t hi)
{
    struct var_sym *v = s->var;
    if (cg->opt < 3 || hi - lo > UNROLL_MAX_TRIPS || hi < lo || v->type->kind != TY_INT ||
        block_blocks_unroll(&s->body, v) || (size_t)(hi - lo) * block_size(&s->body) > UNROLL_MAX_WORK)
        return false;
    home_var(cg, v);
    int saved_depth = cg->loop_depth;
    if (hi > lo)
        emit_hoisted(cg, s, cg->loop_mult, cg->dyn_loops);
    for (int64_t k = lo; k < hi; k++) {
        struct ir_const c = cg_const_of(cg, v->type, NULL);
        c.i = k;
        c.u = (uint64_t)k;
        struct loc kv = cg_const(cg, c, false);
        cg_var_write(cg, v, kv);
        cg_free(cg, kv);
        cg_block(cg, &s->body);
    }
    cg->loop_depth = saved_depth;
    release_var(cg, v);
    release_temps(cg, s->hoist_temps, s->hoist_temp_count);
    return true;
}

static void cg_for(struct codegen *cg, struct stmt *s)
{
    struct var_sym *v = s->var;
    const char *start = ir_new_label(cg, "for");
    const char *cont = ir_new_label(cg, "forcont");
    const char *end = ir_new_label(cg, "endfor");
    int64_t lo, hi;
    bool literal = s->is_range && literal_int(s->e, &lo) && literal_int(s->e2, &hi);
    int64_t saved_mult = cg->loop_mult;
    int saved_dyn = cg->dyn_loops;
    const char *body_label = s->hoist.count ? ir_new_label(cg, "forbody") : NULL;
    if (literal && try_unroll(cg, s, lo, hi))
        return; /* each unrolled copy counts its own preprocessing demand */
    if (literal && hi > lo && cg->loop_mult < ((int64_t)1 << 40))
        cg->loop_mult *= hi - lo;
    else if (!literal)
        cg->dyn_loops++;
    if (s->is_range) {
        if (cg_secret(s->e->type) || cg_secret(s->e2->type)) {
            cg_error(cg, s->line, s->col, "Range bounds in 'for' must be clear integers");
            return;
        }
        struct loc a = cg_expr(cg, s->e);
        home_var(cg, v);
        cg_var_write(cg, v, a);
        cg_free(cg, a);
        struct loc b0 = cg_expr(cg, s->e2);
        struct loc b = b0;
        if (!b0.temp) { /* the bound is evaluated once: copy a variable */
            b = cg_alloc(cg, false);
            cg_move(cg, b, b0);
        }
        if (body_label) {
            /* rotated: the first test, the loop-invariant definitions, then the loop proper */
            struct loc iv0 = cg_var_read(cg, v);
            ir_op2(cg, IR_CMP, cg_use(cg, iv0, 0), cg_use(cg, b, 1));
            ir_named(cg, IR_JMPEQ, end);
            ir_named(cg, IR_JMPGT, end);
            emit_hoisted(cg, s, saved_mult, saved_dyn);
            ir_named(cg, IR_JMP, body_label);
        }
        ir_named(cg, IR_LABEL, start);
        struct loc iv = cg_var_read(cg, v);
        uint32_t ri = cg_use(cg, iv, 0), rb = cg_use(cg, b, 1);
        ir_op2(cg, IR_CMP, ri, rb);
        cg_free(cg, iv);
        ir_named(cg, IR_JMPEQ, end);
        ir_named(cg, IR_JMPGT, end);
        if (body_label)
            ir_named(cg, IR_LABEL, body_label);
        push_loop(cg, end, cont);
        cg_block(cg, &s->body);
        cg->loop_depth--;
        ir_named(cg, IR_LABEL, cont);
        iv = cg_var_read(cg, v);
        struct ir_const one = cg_const_of(cg, v->type, NULL);
        one.i = 1;
        one.u = 1;
        struct loc k = cg_const(cg, one, false);
        struct loc sum = iv.temp ? iv : cg_alloc(cg, false);
        uint32_t d = cg_dst(cg, sum, 2);
        ir_op3(cg, IR_ADD, d, cg_use(cg, iv, 0), cg_use(cg, k, 1));
        cg_store(cg, sum, d);
        cg_free(cg, k);
        cg_var_write(cg, v, sum);
        cg_free(cg, sum);
        ir_named(cg, IR_JMP, start);
        ir_named(cg, IR_LABEL, end);
        cg_free(cg, b);
        release_var(cg, v);
    } else {
        struct loc coll0 = cg_expr(cg, s->e);
        struct loc coll = coll0;
        if (!coll0.temp) {
            coll = cg_alloc(cg, false);
            cg_move(cg, coll, coll0);
        }
        cg_call_values(cg, "array_length", &coll, 1);
        struct loc n = cg_result_r0(cg, cg->ch->t_i64);
        struct loc idx = cg_const(cg, k_i64(0), false);
        home_var(cg, v);
        if (body_label) {
            ir_op2(cg, IR_CMP, cg_use(cg, idx, 0), cg_use(cg, n, 1));
            ir_named(cg, IR_JMPEQ, end);
            ir_named(cg, IR_JMPGT, end);
            emit_hoisted(cg, s, saved_mult, saved_dyn);
            ir_named(cg, IR_JMP, body_label);
        }
        ir_named(cg, IR_LABEL, start);
        ir_op2(cg, IR_CMP, cg_use(cg, idx, 0), cg_use(cg, n, 1));
        ir_named(cg, IR_JMPEQ, end);
        ir_named(cg, IR_JMPGT, end);
        if (body_label)
            ir_named(cg, IR_LABEL, body_label);
        struct loc args[2] = {coll, idx};
        cg_call_values(cg, "get_field", args, 2);
        struct loc r0 = {.kind = LOC_REG, .idx = 0};
        cg_var_write(cg, v, r0);
        push_loop(cg, end, cont);
        cg_block(cg, &s->body);
        cg->loop_depth--;
        ir_named(cg, IR_LABEL, cont);
        struct loc one = cg_const(cg, k_i64(1), false);
        uint32_t d = cg_dst(cg, idx, 2);
        ir_op3(cg, IR_ADD, d, cg_use(cg, idx, 0), cg_use(cg, one, 1));
        cg_store(cg, idx, d);
        cg_free(cg, one);
        ir_named(cg, IR_JMP, start);
        ir_named(cg, IR_LABEL, end);
        release_var(cg, v);
        cg_free(cg, idx);
        cg_free(cg, n);
        cg_free(cg, coll);
    }
    if (!literal)
        cg->dyn_loops--;
    cg->loop_mult = saved_mult;
    release_temps(cg, s->hoist_temps, s->hoist_temp_count);
}

static void cg_assign(struct codegen *cg, struct stmt *s)
{
    struct expr *t = s->target;
    if (t->kind == E_IDENT) {
        struct loc v = value_for(cg, s->e2, t->var->type);
        cg_var_write(cg, t->var, v);
        cg_free(cg, v);
        return;
    }
    struct loc obj = cg_expr(cg, t->a);
    struct loc key;
    if (t->kind == E_FIELD)
        key = cg_const(cg, k_str(t->name), false);
    else
        key = cg_expr(cg, t->b);
    struct type *ft = t->type ? t->type : cg->ch->t_unknown;
    struct loc val = value_for(cg, s->e2, ft);
    struct loc args[3] = {obj, key, val};
    cg_call_values(cg, "set_field", args, 3);
    cg_free(cg, val);
    cg_free(cg, key);
    cg_free(cg, obj);
}

static void cg_return(struct codegen *cg, struct stmt *s)
{
    struct type *rt = cg->fn->sym ? cg->fn->sym->ret : cg->ch->t_void;
    struct loc v;
    if (s->e) {
        v = cg_expr(cg, s->e);
        if (cg_secret(rt) && !v.secret && rt->kind != TY_SHARE) {
            struct loc p = cg_promote(cg, v, s->e->type, rt);
            cg_free(cg, v);
            v = p;
        }
    } else {
        v = cg_const(cg, (struct ir_const){.kind = K_UNIT}, false);
    }
    ir_op1(cg, IR_RET, cg_use(cg, v, 0));
    cg_free(cg, v);
}

static void cg_stmt(struct codegen *cg, struct stmt *s)
{
    switch (s->kind) {
    case S_EXPR: {
        struct loc v = cg_expr(cg, s->e);
        cg_free(cg, v);
        break;
    }
    case S_VAR: {
        struct var_sym *v = s->var;
        struct loc val = s->e ? value_for(cg, s->e, v->type) : default_value(cg, v->type);
        if (v->cg_kind == LOC_NONE) /* an unrolled loop body declares its variables once per copy */
            home_var(cg, v);
        cg_var_write(cg, v, val);
        cg_free(cg, val);
        break;
    }
    case S_ASSIGN: cg_assign(cg, s); break;
    case S_IF: cg_if(cg, s); break;
    case S_WHILE: cg_while(cg, s); break;
    case S_FOR: cg_for(cg, s); break;
    case S_RETURN: cg_return(cg, s); break;
    case S_BREAK:
    case S_CONTINUE:
        if (cg->loop_depth > 0 && cg->loop_depth <= 256)
            ir_named(cg, IR_JMP, s->kind == S_BREAK ? cg->loops[cg->loop_depth - 1].brk : cg->loops[cg->loop_depth - 1].cont);
        break;
    case S_PASS: break;
    default: break;
    }
}

/* ---------------------------------------------------------------- functions */

static void reset_regs(struct codegen *cg)
{
    memset(cg->reg_used, 0, sizeof cg->reg_used);
    cg->slot_count = 0;
    cg->free_slot_count = 0;
    cg->label_counter = 0;
    cg->loop_depth = 0;
}

static struct ir_func *new_func(struct codegen *cg, const char *name, struct func_sym *sym)
{
    struct ir_func *f = arena_alloc(&cg->cx->arena, sizeof *f);
    f->name = name;
    f->sym = sym;
    ptrvec_push(&cg->cx->arena, &cg->prog->funcs, f);
    cg->fn = f;
    reset_regs(cg);
    return f;
}

static void finish_func(struct codegen *cg, struct ir_func *f)
{
    /* falling off the end returns Unit */
    struct loc u = cg_const(cg, (struct ir_const){.kind = K_UNIT}, false);
    ir_op1(cg, IR_RET, cg_use(cg, u, 0));
    cg_free(cg, u);
    if (cg->opt >= 1)
        ir_optimize(cg, f);
}

static void cg_function(struct codegen *cg, struct func_sym *fs, const char *name)
{
    struct ir_func *f = new_func(cg, name, fs);
    struct stmt *s = fs->decl;
    size_t np = s->param_count;
    if (np > 16) {
        cg_error(cg, s->line, s->col, "Function '%s' has %zu parameters; at most 16 are supported", fs->name, np);
        return;
    }
    /* parameter i arrives in register i: clear parameters in r1..r12 stay where they are */
    struct var_sym **pv = arena_alloc(&cg->cx->arena, (np + 1) * sizeof *pv);
    size_t k = 0;
    for (size_t i = 0; i < fs->locals.len && k < np; i++) {
        struct var_sym *v = fs->locals.items[i];
        if (v->is_param)
            pv[k++] = v;
    }
    for (size_t i = 1; i < np && i <= CG_CLEAR_LAST; i++)
        cg->reg_used[i] = true;
    for (size_t i = 0; i < k; i++) {
        struct var_sym *v = pv[i];
        if (i >= 1 && i <= CG_CLEAR_LAST && !cg_secret(v->type)) {
            v->cg_kind = LOC_REG;
            v->cg_home = (int)i;
            continue;
        }
        home_var(cg, v);
        struct loc src = {.kind = LOC_REG, .idx = (uint32_t)i};
        cg_var_write(cg, v, src);
    }
    for (size_t i = 0; i < k; i++)
        if (i >= 1 && i <= CG_CLEAR_LAST && cg_secret(pv[i]->type))
            cg->reg_used[i] = false;
    (void)f;
    if (cg->opt >= 1)
        opt_function_body(cg->cx, cg->ch, cg->opt, &s->body);
    cg_block(cg, &s->body);
    finish_func(cg, cg->fn);
}

static void cg_script_main(struct codegen *cg, struct func_sym *fs)
{
    new_func(cg, "main", fs);
    struct block top = {.stmts = (struct stmt **)cg->ch->script_stmts.items, .count = cg->ch->script_stmts.len};
    if (cg->opt >= 1) {
        opt_function_body(cg->cx, cg->ch, cg->opt, &top);
        cg->ch->script_stmts.items = (void **)top.stmts; /* what --print-ir shows */
        cg->ch->script_stmts.len = cg->ch->script_stmts.cap = top.count;
    }
    cg_block(cg, &top);
    finish_func(cg, cg->fn);
}

bool codegen_program(struct compile_ctx *cx, struct ptrvec *modules)
{
    (void)modules;
    struct checker *ch = cx->checker;
    struct codegen *cg = arena_alloc(&cx->arena, sizeof *cg);
    cg->cx = cx;
    cg->ch = ch;
    cg->opt = cx->opts.opt_level;
    cg->prog = arena_alloc(&cx->arena, sizeof *cg->prog);
    cx->ir = cg->prog;
    cg->loop_mult = 1;
    struct func_sym *entry = ch->main_fn;
    if (entry && entry->is_entry && entry->decl && strcmp(entry->vm_name, "main") != 0)
        entry->vm_name = "main"; /* an {.entry.} function is emitted as main */
    for (size_t i = 0; i < ch->user_funcs.len; i++) {
        struct func_sym *f = ch->user_funcs.items[i];
        if (f->module != ch->entry_module && strcmp(f->name, "main") == 0)
            continue; /* an imported module's entry is not linked */
        cg->in_entry = f == entry;
        cg_function(cg, f, f->vm_name);
    }
    if (entry && !entry->decl) {
        cg->in_entry = true;
        cg_script_main(cg, entry);
    }
    if (!entry) {
        struct func_sym dummy = {.name = "main", .vm_name = "main", .ret = ch->t_void};
        new_func(cg, "main", &dummy);
        finish_func(cg, cg->fn);
        cg->fn->sym = NULL;
    }
    return !cg->failed;
}
