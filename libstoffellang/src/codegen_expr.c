/*
 * codegen_expr.c - lowering, part 2 (language.md sections 8, 10 d/e/g): constants, operators
 * (clear instructions; secret comparisons and integer division through the Share.* builtins),
 * calls with their argument conventions, collections, comprehensions and promotion of clear
 * values to typed shares.
 */
#include <string.h>

#include "codegen.h"

struct ir_const k_i64(int64_t v)
{
    struct ir_const k = {.kind = K_I64, .i = v};
    return k;
}

struct ir_const k_str(const char *s)
{
    struct ir_const k = {.kind = K_STRING, .s = s, .slen = strlen(s)};
    return k;
}

/* The constant of type t for literal `lit` (NULL: zero of that type). */
struct ir_const cg_const_of(struct codegen *cg, struct type *t, struct expr *lit)
{
    (void)cg;
    struct ir_const k = {.kind = K_I64};
    bool neg = lit && lit->kind == E_UNARY;
    struct expr *l = neg ? lit->a : lit;
    u128 mag = l && l->kind == E_INT ? l->ival : 0;
    struct type *b = t;
    if (!b || b->kind == TY_UNKNOWN || b->kind == TY_SHARE)
        b = NULL;
    if (l && l->kind == E_FLOAT) {
        k.kind = K_FLOAT;
        k.f = neg ? -l->fval : l->fval;
        return k;
    }
    if (b && (b->kind == TY_FLOAT || b->kind == TY_FIX)) {
        k.kind = K_FLOAT;
        k.f = neg ? -(double)mag : (double)mag;
        return k;
    }
    if (b && b->kind == TY_BOOL) {
        k.kind = K_BOOL;
        k.i = mag != 0;
        return k;
    }
    if (b && b->kind == TY_INT) {
        static const int sk[4] = {K_I8, K_I16, K_I32, K_I64}, uk[4] = {K_U8, K_U16, K_U32, K_U64};
        int w = b->bits == 8 ? 0 : b->bits == 16 ? 1 : b->bits == 32 ? 2 : 3;
        k.kind = b->is_signed ? sk[w] : uk[w];
        if (b->is_signed)
            k.i = neg ? -(int64_t)mag : (int64_t)mag;
        else
            k.u = (uint64_t)mag;
        return k;
    }
    k.i = neg ? -(int64_t)mag : (int64_t)mag;
    return k;
}

struct loc cg_const(struct codegen *cg, struct ir_const k, bool secret)
{
    struct loc l = cg_alloc(cg, secret);
    uint32_t d = cg_dst(cg, l, 2);
    ir_ldi(cg, d, k);
    cg_store(cg, l, d);
    return l;
}

void cg_call_values(struct codegen *cg, const char *name, struct loc *args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ir_op1(cg, IR_PUSHARG, cg_use(cg, args[i], 0));
    ir_named(cg, IR_CALL, name);
}

static struct loc call_to(struct codegen *cg, const char *name, struct loc *args, size_t n, struct type *rt)
{
    cg_call_values(cg, name, args, n);
    if (!rt || rt->kind == TY_VOID)
        return (struct loc){.kind = LOC_REG, .idx = 0};
    return cg_result_r0(cg, rt);
}

/* Clear value v of type `from` into a share of secret type `to` (language.md section 5.2). */
struct loc cg_promote(struct codegen *cg, struct loc v, struct type *from, struct type *to)
{
    struct type *b = ty_clear(cg->ch, to);
    struct loc s;
    if (b->kind == TY_INT && b->is_signed && b->bits == 64 && (!from || from->kind != TY_BOOL)) {
        s = cg_alloc(cg, true);
        cg_move(cg, s, v); /* MOV into the secret bank shares the value as SecretInt{64} */
        return s;
    }
    struct loc args[3];
    args[0] = v;
    const char *fn;
    size_t n = 2;
    if (b->kind == TY_FIX) {
        fn = "Share.from_clear_fixed"; /* an integer for a fixed type is taken as that integer's float */
        args[1] = cg_const(cg, k_i64(b->bits ? b->bits : 64), false);
        args[2] = cg_const(cg, k_i64(16), false);
        n = 3;
    } else if (b->kind == TY_BOOL) {
        fn = "Share.from_clear_int";
        args[1] = cg_const(cg, k_i64(1), false);
    } else if (b->kind == TY_INT && !b->is_signed) {
        fn = "Share.from_clear_uint";
        args[1] = cg_const(cg, k_i64(b->bits), false);
    } else if (b->kind == TY_INT) {
        fn = "Share.from_clear_int";
        args[1] = cg_const(cg, k_i64(b->bits), false);
    } else {
        s = cg_alloc(cg, true);
        cg_move(cg, s, v);
        return s;
    }
    cg_call_values(cg, fn, args, n);
    for (size_t i = 1; i < n; i++)
        cg_free(cg, args[i]);
    s = cg_alloc(cg, true);
    struct loc r0 = {.kind = LOC_REG, .idx = 0};
    cg_move(cg, s, r0); /* MOV unwraps the share object into the secret register */
    return s;
}

static bool is_secret_bool_t(struct type *t)
{
    return t && t->secret && t->kind == TY_BOOL;
}

/* A secret bit used with a wider secret integer is retagged to that width (Share.retag). */
static struct loc widen_bit(struct codegen *cg, struct loc v, struct type *vt, struct type *result)
{
    if (!is_secret_bool_t(vt) || !result || !result->secret || result->kind != TY_INT)
        return v;
    struct loc args[2] = {v, cg_const(cg, k_i64(result->bits), false)};
    struct loc r = call_to(cg, "Share.retag", args, 2, result);
    cg_free(cg, args[1]);
    cg_free(cg, v);
    return r;
}

void count_triple(struct codegen *cg)
{
    cg->prog->triples += (uint64_t)cg->loop_mult;
    if (cg->dyn_loops > 0 || !cg->in_entry)
        cg->prog->dynamic = true;
}

struct loc binop_instr(struct codegen *cg, int op, struct loc a, struct loc b, bool secret)
{
    struct loc d = cg_alloc(cg, secret);
    uint32_t rd = cg_dst(cg, d, 2);
    uint32_t ra = cg_use(cg, a, 0), rb = cg_use(cg, b, 1);
    ir_op3(cg, op, rd, ra, rb);
    cg_store(cg, d, rd);
    return d;
}

/* Clear comparison into a bool: CMP; conditional jump; LDI false; JMP; LDI true. */
static struct loc clear_compare(struct codegen *cg, int op, struct loc a, struct loc b)
{
    struct loc d = cg_alloc(cg, false);
    uint32_t ra = cg_use(cg, a, 0), rb = cg_use(cg, b, 1);
    ir_op2(cg, IR_CMP, ra, rb);
    const char *t = ir_new_label(cg, "cmp_true"), *e = ir_new_label(cg, "cmp_end");
    bool invert = op == OP_LE || op == OP_GE;
    int jump = op == OP_EQ ? IR_JMPEQ : op == OP_NE ? IR_JMPNEQ : op == OP_LT ? IR_JMPLT : op == OP_GT ? IR_JMPGT
             : op == OP_LE ? IR_JMPGT : IR_JMPLT;
    ir_named(cg, jump, t);
    uint32_t rd = cg_dst(cg, d, 2);
    ir_ldi(cg, rd, (struct ir_const){.kind = K_BOOL, .i = invert});
    cg_store(cg, d, rd);
    ir_named(cg, IR_JMP, e);
    ir_named(cg, IR_LABEL, t);
    rd = cg_dst(cg, d, 2);
    ir_ldi(cg, rd, (struct ir_const){.kind = K_BOOL, .i = !invert});
    cg_store(cg, d, rd);
    ir_named(cg, IR_LABEL, e);
    return d;
}

static const char *secret_cmp_builtin(int op)
{
    switch (op) {
    case OP_LT: return "Share.lt";
    case OP_LE: return "Share.le";
    case OP_GT: return "Share.gt";
    case OP_GE: return "Share.ge";
    case OP_EQ: return "Share.eq";
    default: return "Share.ne";
    }
}

/* A clear float operand meeting a secret fixed-point operand in + or -: share it first. */
static struct loc fix_operand(struct codegen *cg, struct loc v, struct type *vt, struct type *res)
{
    if (v.secret || !res || !res->secret || res->kind != TY_FIX || !vt || (vt->kind != TY_FLOAT && vt->kind != TY_FIX))
        return v;
    struct loc p = cg_promote(cg, v, vt, res);
    cg_free(cg, v);
    return p;
}

static struct loc cg_binary(struct codegen *cg, struct expr *e)
{
    struct loc scheduled;
    if (try_schedule(cg, e, &scheduled))
        return scheduled;
    int op = e->op;
    struct type *rt = e->type;
    struct loc a = cg_expr(cg, e->a);
    struct loc b = cg_expr(cg, e->b);
    struct type *at = e->a->type, *bt = e->b->type;
    bool secret = a.secret || b.secret || ty_is_secret(at) || ty_is_secret(bt);
    struct loc r;
    switch (op) {
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_REM: case OP_MOD: {
        if (at && bt && at->kind == TY_LIST && bt->kind == TY_LIST && op == OP_ADD) {
            struct loc args[2] = {a, b};
            r = call_to(cg, "array_concat", args, 2, rt);
            break;
        }
        if (op == OP_MUL && at && bt && (at->kind == TY_LIST || bt->kind == TY_LIST)) {
            struct loc args[2] = {at->kind == TY_LIST ? a : b, at->kind == TY_LIST ? b : a};
            r = call_to(cg, "array_repeat", args, 2, rt);
            break;
        }
        if (secret) {
            a = widen_bit(cg, a, at, rt);
            b = widen_bit(cg, b, bt, rt);
            if (op == OP_ADD || op == OP_SUB) {
                a = fix_operand(cg, a, at, rt);
                b = fix_operand(cg, b, bt, rt);
            }
        }
        bool int_secret = secret && rt && rt->kind == TY_INT;
        if (op == OP_MUL && a.secret && b.secret)
            count_triple(cg);
        if (secret && rt && rt->kind == TY_FIX && op == OP_DIV) {
            cg->prog->prandbits += 16 * (uint64_t)cg->loop_mult;
            cg->prog->prandints += (uint64_t)cg->loop_mult;
            if (cg->dyn_loops > 0 || !cg->in_entry)
                cg->prog->dynamic = true;
        }
        if (int_secret && (op == OP_DIV || op == OP_REM || op == OP_MOD)) {
            /* secret integer division and remainder: the MPC division protocol (section 10 e) */
            struct loc args[2] = {a, b};
            if (op == OP_MOD) {
                struct loc q = call_to(cg, "Share.rem", args, 2, rt);
                struct loc s = binop_instr(cg, IR_ADD, q, b, true);
                cg_free(cg, q);
                struct loc args2[2] = {s, b};
                r = call_to(cg, "Share.rem", args2, 2, rt);
                cg_free(cg, s);
            } else {
                r = call_to(cg, op == OP_DIV ? "Share.div" : "Share.rem", args, 2, rt);
            }
            break;
        }
        if (op == OP_MOD) {
            /* floored modulo: ((a % b) + b) % b */
            struct loc m1 = binop_instr(cg, IR_MOD, a, b, secret);
            struct loc s = binop_instr(cg, IR_ADD, m1, b, secret);
            cg_free(cg, m1);
            r = binop_instr(cg, IR_MOD, s, b, secret);
            cg_free(cg, s);
            break;
        }
        int ins = op == OP_ADD ? IR_ADD : op == OP_SUB ? IR_SUB : op == OP_MUL ? IR_MUL : op == OP_DIV ? IR_DIV : IR_MOD;
        r = binop_instr(cg, ins, a, b, secret && cg_secret(rt ? rt : at));
        break;
    }
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        if (secret) {
            struct loc args[2] = {a, b};
            r = call_to(cg, secret_cmp_builtin(op), args, 2, cg->ch->t_sbool);
        } else if (at && bt && at->kind == TY_LIST && bt->kind == TY_LIST) {
            struct loc args[2] = {a, b};
            r = call_to(cg, "array_equals", args, 2, cg->ch->t_bool);
            if (op == OP_NE) {
                struct loc n = cg_alloc(cg, false);
                uint32_t d = cg_dst(cg, n, 2);
                ir_op2(cg, IR_NOT, d, cg_use(cg, r, 0));
                cg_store(cg, n, d);
                cg_free(cg, r);
                r = n;
            }
        } else {
            r = clear_compare(cg, op, a, b);
        }
        break;
    case OP_AND: case OP_OR: case OP_XOR:
        if (a.secret && b.secret)
            count_triple(cg);
        r = binop_instr(cg, op == OP_AND ? IR_AND : op == OP_OR ? IR_OR : IR_XOR, a, b, secret);
        break;
    case OP_SHL: case OP_SHR:
        r = binop_instr(cg, op == OP_SHL ? IR_SHL : IR_SHR, a, b, false);
        break;
    case OP_IN: {
        struct loc args[2] = {b, a};
        r = call_to(cg, "contains", args, 2, cg->ch->t_bool);
        break;
    }
    default:
        r = cg_const(cg, (struct ir_const){.kind = K_UNIT}, false);
        break;
    }
    cg_free(cg, a);
    cg_free(cg, b);
    return r;
}

static struct loc cg_unary(struct codegen *cg, struct expr *e)
{
    if (e->op == OP_NEG && e->a->kind == E_INT)
        return cg_const(cg, cg_const_of(cg, e->type, e), false);
    if (e->op == OP_NEG && e->a->kind == E_FLOAT)
        return cg_const(cg, cg_const_of(cg, e->type, e), false);
    struct loc v = cg_expr(cg, e->a);
    struct type *t = e->a->type;
    struct loc r;
    if (e->op == OP_NEG) {
        struct type *zt = t && t->kind != TY_SHARE ? ty_clear(cg->ch, t) : cg->ch->t_i64;
        struct loc z = cg_const(cg, cg_const_of(cg, zt, NULL), false);
        r = binop_instr(cg, IR_SUB, z, v, v.secret);
        cg_free(cg, z);
    } else {
        r = cg_alloc(cg, v.secret);
        uint32_t d = cg_dst(cg, r, 2);
        ir_op2(cg, IR_NOT, d, cg_use(cg, v, 0));
        cg_store(cg, r, d);
    }
    cg_free(cg, v);
    return r;
}

static struct loc cg_list(struct codegen *cg, struct expr *e)
{
    struct loc cap = cg_const(cg, k_i64((int64_t)e->item_count), false);
    struct loc l = call_to(cg, "create_array", &cap, 1, e->type);
    cg_free(cg, cap);
    struct type *et = e->type && e->type->kind == TY_LIST ? e->type->elem : NULL;
    for (size_t i = 0; i < e->item_count; i++) {
        struct loc v = cg_expr(cg, e->items[i]);
        if (et && cg_secret(et) && !v.secret && et->kind != TY_SHARE && !ty_is_unknown(et)) {
            struct loc p = cg_promote(cg, v, e->items[i]->type, et);
            cg_free(cg, v);
            v = p;
        }
        struct loc args[2] = {l, v};
        cg_call_values(cg, "array_push", args, 2);
        cg_free(cg, v);
    }
    return l;
}

static struct loc cg_dict(struct codegen *cg, struct expr *e)
{
    struct loc d = call_to(cg, "create_object", NULL, 0, e->type);
    for (size_t i = 0; i < e->item_count; i++) {
        struct loc k = cg_expr(cg, e->items[i]);
        struct loc v = cg_expr(cg, e->values[i]);
        struct loc args[3] = {d, k, v};
        cg_call_values(cg, "set_field", args, 3);
        cg_free(cg, v);
        cg_free(cg, k);
    }
    return d;
}

/* [elem for x in iterable if cond]: a hidden list, a loop over the iterable, append. */
static struct loc cg_comp(struct codegen *cg, struct expr *e)
{
    struct loc zero = cg_const(cg, k_i64(0), false);
    struct loc out = call_to(cg, "create_array", &zero, 1, e->type);
    cg_free(cg, zero);
    struct loc coll0 = cg_expr(cg, e->b);
    struct loc coll = coll0;
    if (!coll0.temp) {
        coll = cg_alloc(cg, false);
        cg_move(cg, coll, coll0);
    }
    struct loc n = call_to(cg, "array_length", &coll, 1, cg->ch->t_i64);
    struct loc idx = cg_const(cg, k_i64(0), false);
    struct var_sym *v = e->var;
    struct loc home = cg_alloc(cg, cg_secret(v->type));
    v->cg_kind = home.kind;
    v->cg_home = (int)home.idx;
    const char *start = ir_new_label(cg, "comp"), *next = ir_new_label(cg, "compnext"), *end = ir_new_label(cg, "endcomp");
    ir_named(cg, IR_LABEL, start);
    ir_op2(cg, IR_CMP, cg_use(cg, idx, 0), cg_use(cg, n, 1));
    ir_named(cg, IR_JMPEQ, end);
    ir_named(cg, IR_JMPGT, end);
    struct loc args[2] = {coll, idx};
    cg_call_values(cg, "get_field", args, 2);
    cg_move(cg, (struct loc){.kind = home.kind, .idx = home.idx, .secret = home.secret},
            (struct loc){.kind = LOC_REG, .idx = 0});
    if (e->c) {
        struct loc c = cg_expr(cg, e->c);
        struct loc f = cg_const(cg, (struct ir_const){.kind = K_BOOL, .i = 0}, false);
        ir_op2(cg, IR_CMP, cg_use(cg, c, 0), cg_use(cg, f, 1));
        ir_named(cg, IR_JMPEQ, next);
        cg_free(cg, f);
        cg_free(cg, c);
    }
    struct loc val = cg_expr(cg, e->a);
    struct loc pargs[2] = {out, val};
    cg_call_values(cg, "array_push", pargs, 2);
    cg_free(cg, val);
    ir_named(cg, IR_LABEL, next);
    struct loc one = cg_const(cg, k_i64(1), false);
    uint32_t d = cg_dst(cg, idx, 2);
    ir_op3(cg, IR_ADD, d, cg_use(cg, idx, 0), cg_use(cg, one, 1));
    cg_store(cg, idx, d);
    cg_free(cg, one);
    ir_named(cg, IR_JMP, start);
    ir_named(cg, IR_LABEL, end);
    cg_free(cg, home);
    cg_free(cg, idx);
    cg_free(cg, n);
    cg_free(cg, coll);
    return out;
}

static struct loc cg_constructor(struct codegen *cg, struct expr *e)
{
    struct loc obj = call_to(cg, "create_object", NULL, 0, e->type);
    struct object_info *o = e->type && e->type->obj ? e->type->obj : NULL;
    for (size_t i = 0; i < e->call_arg_count; i++) {
        struct arg *a = &e->call_args[i];
        if (!a->name)
            continue;
        struct type *ft = NULL;
        if (o)
            for (size_t k = 0; k < o->field_count; k++)
                if (!strcmp(o->field_names[k], a->name))
                    ft = o->field_types[k];
        struct loc v = cg_expr(cg, a->value);
        if (ft && cg_secret(ft) && !v.secret && ft->kind != TY_SHARE) {
            struct loc p = cg_promote(cg, v, a->value->type, ft);
            cg_free(cg, v);
            v = p;
        }
        struct loc args[3] = {obj, cg_const(cg, k_str(a->name), false), v};
        cg_call_values(cg, "set_field", args, 3);
        cg_free(cg, args[1]);
        cg_free(cg, v);
    }
    return obj;
}

static struct loc cg_call(struct codegen *cg, struct expr *e)
{
    if (e->call_kind == CALL_CONSTRUCTOR)
        return cg_constructor(cg, e);
    struct loc inlined;
    if (e->call_kind == CALL_USER && e->func && try_inline(cg, e, e->func, &inlined))
        return inlined;
    struct func_sym *f = e->func;
    if (!f)
        return cg_const(cg, (struct ir_const){.kind = K_UNIT}, false);
    const char *name = e->call_name ? e->call_name : f->vm_name;
    size_t n = e->call_arg_count;
    /* reveal batching from -O1: Share.open of one share becomes a MOV into the clear bank, which the
     * VM queues and opens together with every other pending reveal in one round */
    if (cg->opt >= 1 && strcmp(name, "Share.open") == 0 && n == 1) {
        struct loc v = cg_expr(cg, e->call_args[0].value);
        if (v.secret) {
            struct loc r = cg_alloc(cg, false);
            cg_move(cg, r, v);
            cg_free(cg, v);
            return r;
        }
        struct loc r = call_to(cg, name, &v, 1, e->type);
        cg_free(cg, v);
        return r;
    }
    if (!strcmp(name, "Share.batch_mul")) {
        /* one triple per element: known for the batches of a literal-bound loop (opt_reveal_loop.c
         * stores the trip count + 1 in aux), unknown otherwise */
        intptr_t trips = (intptr_t)e->aux - 1;
        if (trips >= 0) {
            cg->prog->triples += (uint64_t)trips * (uint64_t)cg->loop_mult;
            if (cg->dyn_loops > 0 || !cg->in_entry)
                cg->prog->dynamic = true;
        } else {
            cg->prog->dynamic = true;
        }
    }
    size_t extra = e->aux && !strcmp(name, "Share.random_int") ? 1 : 0;
    struct loc *args = arena_alloc(&cg->cx->arena, (n + extra + 1) * sizeof *args);
    for (size_t i = 0; i < n; i++) {
        struct expr *a = e->call_args[i].value;
        struct loc v = cg_expr(cg, a);
        size_t pi = i < f->nparams ? i : (f->nparams ? f->nparams - 1 : 0);
        struct type *pt = f->nparams ? f->param_types[pi] : NULL;
        if (f->variadic && pi + 1 == f->nparams && !f->builtin)
            pt = NULL;
        if (pt && (pt->kind == TY_SHARE || (pt->secret && pt->kind != TY_TYPEVAR)) && !v.secret && !ty_is_unknown(a->type) &&
            !(a->type && (a->type->kind == TY_LIST || a->type->kind == TY_OBJECT || a->type->kind == TY_OPAQUE))) {
            struct loc p = pt->kind == TY_SHARE ? cg_promote(cg, v, a->type, ty_secret(cg->ch, ty_clear(cg->ch, a->type)))
                                                : cg_promote(cg, v, a->type, pt);
            cg_free(cg, v);
            v = p;
        }
        if (!v.temp && v.kind == LOC_REG && v.idx == 0) {
            struct loc t = cg_alloc(cg, v.secret);
            cg_move(cg, t, v);
            v = t;
        }
        args[i] = v;
    }
    if (extra)
        args[n++] = cg_const(cg, k_i64((int64_t)(intptr_t)e->aux), false);
    struct loc r = call_to(cg, name, args, n, e->type);
    for (size_t i = 0; i < n; i++)
        cg_free(cg, args[i]);
    return r;
}

/* `t := value` of the -O passes (opt.h): the value's own temporary becomes t's home, so no MOV is
 * emitted (a MOV would read a queued secret product at once and open a round early). The home is
 * released at the end of the block (or loop) that owns t. */
static struct loc cg_temp_def(struct codegen *cg, struct expr *e)
{
    struct var_sym *t = e->var;
    bool secret = cg_secret(t->type);
    struct loc v = cg_expr(cg, e->a);
    if (t->cg_kind != LOC_NONE) { /* defined again by the same code (a duplicated target) */
        struct loc home = {.kind = t->cg_kind, .idx = (uint32_t)t->cg_home, .secret = secret};
        cg_move(cg, home, v);
        cg_free(cg, v);
        return home;
    }
    if (!v.temp || (v.kind == LOC_REG && v.idx == 0) || v.secret != secret) {
        struct loc c = cg_alloc(cg, secret);
        cg_move(cg, c, v);
        cg_free(cg, v);
        v = c;
    }
    t->cg_kind = v.kind;
    t->cg_home = (int)v.idx;
    v.temp = false;
    return v;
}

struct loc cg_expr(struct codegen *cg, struct expr *e)
{
    __int128 folded;
    if (cg->opt >= 1 && e->kind == E_BINARY && fold_int(e, &folded)) {
        struct ir_const k = cg_const_of(cg, e->type, NULL);
        k.i = (int64_t)folded;
        k.u = (uint64_t)folded;
        return cg_const(cg, k, false);
    }
    switch (e->kind) {
    case E_INT: case E_FLOAT:
        return cg_const(cg, cg_const_of(cg, e->type, e), false);
    case E_STRING: {
        struct ir_const k = {.kind = K_STRING, .s = e->sval, .slen = e->slen};
        return cg_const(cg, k, false);
    }
    case E_BOOL: return cg_const(cg, (struct ir_const){.kind = K_BOOL, .i = e->bval}, false);
    case E_NONE: return cg_const(cg, (struct ir_const){.kind = K_UNIT}, false);
    case E_IDENT: {
        if (!e->var)
            return cg_const(cg, (struct ir_const){.kind = K_UNIT}, false);
        return cg_var_read(cg, e->var);
    }
    case E_UNARY: return cg_unary(cg, e);
    case E_BINARY: return cg_binary(cg, e);
    case E_CALL: return cg_call(cg, e);
    case E_FIELD: {
        if (e->const_folded)
            return cg_const(cg, k_i64((int64_t)e->ival), false);
        struct loc o = cg_expr(cg, e->a);
        struct loc args[2] = {o, cg_const(cg, k_str(e->name), false)};
        struct loc r = call_to(cg, "get_field", args, 2, e->type ? e->type : cg->ch->t_unknown);
        cg_free(cg, args[1]);
        cg_free(cg, o);
        return r;
    }
    case E_INDEX: {
        struct loc o = cg_expr(cg, e->a);
        struct loc i = cg_expr(cg, e->b);
        struct loc args[2] = {o, i};
        struct loc r = call_to(cg, "get_field", args, 2, e->type ? e->type : cg->ch->t_unknown);
        cg_free(cg, i);
        cg_free(cg, o);
        return r;
    }
    case E_LIST: return cg_list(cg, e);
    case E_DICT: return cg_dict(cg, e);
    case E_COMP: return cg_comp(cg, e);
    case E_TEMP_DEF: return cg_temp_def(cg, e);
    default: return cg_const(cg, (struct ir_const){.kind = K_UNIT}, false);
    }
}
