/*
 * interp.c - the interpreter loop: threaded dispatch (computed goto) over the decoded
 * instructions, with inline fast paths for clear I64 arithmetic, compares and jumps; frames and
 * the calling convention (spec §2.3, §2.4); the bank rules of register writes (§2.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- frames ------------------------------------------------------------------------------- */

/* Finds a captured variable by name, searching the call stack from the top (spec §2.5). */
static int capture_by_name(vm_state *vm, const char *name, vm_val *out)
{
    for (size_t d = vm->depth; d-- > 0;) {
        const vm_frame *f = &vm->frames[d];
        const vm_function *fn = &vm->prog->fns[f->fn];
        for (size_t i = 0; i < f->nlocals && i < fn->param_count; i++)
            if (strcmp(fn->params[i], name) == 0) {
                *out = f->locals[i];
                return 1;
            }
        for (size_t i = 0; i < f->nup; i++)
            if (strcmp(f->up_names[i], name) == 0) {
                *out = f->up_vals[i];
                return 1;
            }
    }
    return 0;
}

int vm_write_reg(vm_state *vm, vm_frame *f, uint32_t reg, vm_val v)
{
    vm_val *slot = &vm->regs[f->reg_base + reg];
    if (reg >= vm->cfg.secret_start && v.kind != STOFFEL_VM_SHARE && v.kind != STOFFEL_VM_UNIT) {
        /* A clear value entering the secret bank is shared (a share object is unwrapped). */
        vm_share *sh = secret_unwrap(vm, v);
        vm_val s;
        if (sh) {
            s.kind = STOFFEL_VM_SHARE;
            s.as.sh = sh;
            val_assign(vm, slot, s);
            return 0;
        }
        int rc = secret_share_clear(vm, v, &s);
        if (rc)
            return rc;
        if (IS_DIRTY(slot->kind))
            val_drop(vm, slot);
        *slot = s;
        return 0;
    }
    val_assign(vm, slot, v);
    return 0;
}

int vm_push_frame(vm_state *vm, uint32_t fn_index, vm_val *args, size_t nargs, vm_closure *closure)
{
    const vm_function *fn = &vm->prog->fns[fn_index];
    if (nargs != fn->param_count)
        return vm_fail(vm, STOFFEL_VM_ERR_ARITY, "function '%s' takes %zu arguments, got %zu (FunctionArityMismatch)", fn->name, fn->param_count, nargs);
    if (vm->depth >= vm->cfg.max_call_depth)
        return vm_fail(vm, STOFFEL_ERR_LIMIT, "call depth limit of %u frames exceeded calling '%s'", vm->cfg.max_call_depth, fn->name);
    if (vm->depth == vm->frames_cap) {
        size_t cap = vm->frames_cap ? vm->frames_cap * 2 : 16;
        vm_frame *fr = vm_realloc(vm, vm->frames, cap * sizeof *fr);
        if (!fr)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        vm->frames = fr;
        vm->frames_cap = cap;
    }
    /* Registers, then the parameter values at call time (locals, for upvalue capture). */
    size_t need = (size_t)fn->frame_size + nargs;
    if (vm->nregs_used + need > vm->regs_cap) {
        size_t cap = vm->regs_cap ? vm->regs_cap : 256;
        while (cap < vm->nregs_used + need)
            cap *= 2;
        int rc = vm_mem_charge(vm, (cap - vm->regs_cap) * sizeof(vm_val));
        if (rc)
            return rc;
        vm_val *r = vm_realloc(vm, vm->regs, cap * sizeof *r);
        if (!r)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        vm->regs = r;
        vm->regs_cap = cap;
    }
    size_t base = vm->nregs_used;
    memset(vm->regs + base, 0, need * sizeof(vm_val));
    vm->nregs_used += need;
    vm_frame *f = &vm->frames[vm->depth];
    memset(f, 0, sizeof *f);
    f->fn = fn_index;
    f->reg_base = base;
    f->nregs = (uint32_t)need;
    f->arg_base = vm->nargs;
    f->locals = NULL;
    f->nlocals = 0;
    /* Upvalues: from the closure, else captured by name from the stack at call time. */
    if (fn->upvalue_count) {
        f->up_vals = vm_calloc(vm, fn->upvalue_count, sizeof *f->up_vals);
        if (!f->up_vals)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        f->up_names = fn->upvalues;
        f->nup = fn->upvalue_count;
        for (size_t i = 0; i < fn->upvalue_count; i++) {
            vm_val v = val_unit();
            int found = 0;
            if (closure)
                for (size_t k = 0; k < closure->n_up && !found; k++)
                    if (strcmp(closure->names[k], fn->upvalues[i]) == 0) {
                        v = closure->vals[k];
                        found = 1;
                    }
            if (!found)
                capture_by_name(vm, fn->upvalues[i], &v);
            val_retain(v);
            f->up_vals[i] = v;
        }
    }
    if (closure) {
        closure->rc++;
        f->closure = closure;
    }
    vm->depth++;
    /* Arguments go through the bank rules (an argument landing at r16+ is shared). */
    for (size_t i = 0; i < nargs; i++) {
        vm_val *loc = &vm->regs[base + fn->frame_size + i];
        val_retain(args[i]);
        *loc = args[i];
        int rc = vm_write_reg(vm, f, (uint32_t)i, args[i]);
        if (rc)
            return rc;
    }
    f->locals = vm->regs + base + fn->frame_size;
    f->nlocals = nargs;
    vm->stats.calls++;
    return 0;
}

/* Pops the top frame; its registers, spill slots, upvalues and queued operations go. */
void vm_pop_frame(vm_state *vm)
{
    vm_frame *f = &vm->frames[vm->depth - 1];
    secret_discard_from(vm, vm->depth);
    vm_hook_frame_clear(vm, f);
    /* Closure upvalues persist across calls: copy the frame's values back (spec §2.5). */
    if (f->closure)
        for (size_t i = 0; i < f->nup; i++)
            for (size_t k = 0; k < f->closure->n_up; k++)
                if (strcmp(f->closure->names[k], f->up_names[i]) == 0)
                    val_assign(vm, &f->closure->vals[k], f->up_vals[i]);
    for (uint32_t i = 0; i < f->nregs; i++)
        if (IS_DIRTY(vm->regs[f->reg_base + i].kind))
            val_drop(vm, &vm->regs[f->reg_base + i]);
    vm->nregs_used = f->reg_base;
    for (size_t i = 0; i < f->nspill; i++)
        val_release(vm, &f->spill[i]);
    vm_free(vm, f->spill);
    for (size_t i = 0; i < f->nup; i++)
        val_release(vm, &f->up_vals[i]);
    vm_free(vm, f->up_vals);
    if (f->closure) {
        vm_val c = {.kind = STOFFEL_VM_CLOSURE};
        c.as.c = f->closure;
        val_release(vm, &c);
    }
    while (vm->nargs > f->arg_base)
        val_release(vm, &vm->args[--vm->nargs]);
    vm->depth--;
}

/* ---- calls -------------------------------------------------------------------------------- */

struct vm_call_ctx {
    vm_state *vm;
    const char *name;
    int failed;
};

/* The runtime type of a method receiver (spec §2.4): "Share" for shares and share objects, an
 * object's `__type` string field when present, else its type() name. Borrowed string. */
static const char *receiver_type(vm_state *vm, vm_val r)
{
    if (r.kind == STOFFEL_VM_SHARE || secret_unwrap(vm, r))
        return "Share";
    if (r.kind == STOFFEL_VM_OBJECT) {
        vm_table *tb = table_get(vm, r);
        for (size_t i = 0; tb && i < tb->map.count; i++) {
            const vm_entry *e = &tb->map.entries[i];
            if (e->live && e->key.kind == STOFFEL_VM_STRING && e->key.as.s->len == 6 &&
                memcmp(e->key.as.s->data, "__type", 6) == 0 && e->val.kind == STOFFEL_VM_STRING)
                return e->val.as.s->data;
        }
    }
    return val_type_name(vm, r);
}

/* Resolves CALL name index `ni` of function `fi` (cached per VM). Method fallback: a bare name
 * that is not registered dispatches on the receiver's runtime type ("Share.open"). */
static long resolve_call(vm_state *vm, uint32_t fi, uint32_t ni, vm_val *args, size_t nargs)
{
    uint32_t *cache = vm->call_cache[fi];
    if (cache[ni])
        return (long)cache[ni] - 1;
    const char *name = vm->prog->fns[fi].names[ni];
    long t = vm_find_target(vm, name);
    if (t >= 0) {
        cache[ni] = (uint32_t)t + 1;
        return t;
    }
    if (nargs >= 1 && !strchr(name, '.')) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s.%s", receiver_type(vm, args[0]), name);
        return vm_find_target(vm, buf); /* not cached: depends on the receiver */
    }
    return -1;
}

static int call_host(vm_state *vm, const vm_target *t, vm_val *args, size_t nargs, vm_val *out)
{
    stoffel_vm_value stack_args[8];
    stoffel_vm_value *pargs = nargs <= 8 ? stack_args : vm_calloc(vm, nargs, sizeof *pargs);
    if (!pargs)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nargs; i++)
        val_to_public(vm, args[i], &pargs[i]);
    stoffel_vm_value res = stoffel_vm_value_unit();
    struct vm_call_ctx ctx = {.vm = vm, .name = t->name};
    vm->error[0] = 0;
    int rc = t->host((stoffel_vm_call *)&ctx, pargs, nargs, &res, t->userdata);
    if (pargs != stack_args)
        vm_free(vm, pargs);
    if (rc) {
        if (!ctx.failed)
            return vm_fail(vm, rc < 0 ? rc : STOFFEL_VM_ERR_RUNTIME, "foreign function '%s' failed with status %d", t->name, rc);
        return rc < 0 ? rc : STOFFEL_VM_ERR_RUNTIME;
    }
    rc = val_from_public(vm, &res, out);
    if (rc)
        return vm_fail(vm, rc, "foreign function '%s' returned an invalid value: %s", t->name, vm->error);
    return 0;
}

stoffel_vm *stoffel_vm_call_vm(stoffel_vm_call *call) { return call ? ((struct vm_call_ctx *)call)->vm : NULL; }

int stoffel_vm_call_fail(stoffel_vm_call *call, const char *fmt, ...)
{
    struct vm_call_ctx *ctx = (struct vm_call_ctx *)call;
    if (!ctx)
        return STOFFEL_VM_ERR_RUNTIME;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->failed = 1;
    return vm_fail(ctx->vm, STOFFEL_VM_ERR_RUNTIME, "%s: %s", ctx->name, msg);
}

/* Executes CALL: drains the frame's argument stack, dispatches. Returns 0 (continue in the
 * caller), VM_FRAME_PUSHED (continue in a new frame), VM_NEED_FLUSH, or an error. */
static int do_call(vm_state *vm, vm_frame *f, uint32_t ni)
{
    size_t nargs = vm->nargs - f->arg_base;
    vm_val *args = vm->args ? vm->args + f->arg_base : NULL;
    for (size_t i = 0; i < nargs; i++)
        if (args[i].kind == VK_PENDING)
            return VM_NEED_FLUSH;
    long t = resolve_call(vm, f->fn, ni, args, nargs);
    const char *name = vm->prog->fns[f->fn].names[ni];
    if (t < 0)
        return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "function '%s' is not defined (FunctionNotFound)", name);
    if (UNLIKELY(vm->hook != NULL)) {
        stoffel_vm_event ev = {.kind = STOFFEL_VM_EVENT_CALL, .callee = name, .nargs = nargs};
        int rc = vm_hook_emit(vm, &ev);
        if (!rc) {
            stoffel_vm_event pop = {.kind = STOFFEL_VM_EVENT_STACK_POP, .nargs = nargs};
            rc = vm_hook_emit(vm, &pop);
        }
        if (rc)
            return rc;
    }
    const vm_target *tg = &vm->targets[t];
    if (tg->receiver && nargs >= 1) {
        const char *rt = receiver_type(vm, args[0]);
        if (strcmp(rt, tg->receiver) != 0)
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "method '%s' expects a receiver of type %s, got %s (MethodReceiverTypeMismatch)", tg->name, tg->receiver, rt);
    }
    if (tg->kind == TARGET_VM) {
        /* Move the arguments out of the stack before the callee frame takes its base. */
        vm_val small[8];
        vm_val *moved = nargs <= 8 ? small : vm_malloc(vm, nargs * sizeof *moved);
        if (!moved)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        if (nargs)
            memcpy(moved, args, nargs * sizeof *moved);
        vm->nargs = f->arg_base;
        int rc = vm_push_frame(vm, tg->fn_index, moved, nargs, NULL);
        for (size_t i = 0; i < nargs; i++)
            val_release(vm, &moved[i]);
        if (moved != small)
            vm_free(vm, moved);
        return rc ? rc : VM_FRAME_PUSHED;
    }
    vm->stats.calls++;
    vm_val out = val_unit();
    size_t depth_before = vm->depth;
    int rc = tg->kind == TARGET_BUILTIN ? tg->builtin(vm, args, nargs, &out) : call_host(vm, tg, args, nargs, &out);
    /* The frame array may have moved (call_closure); find the caller again by depth. */
    vm_frame *caller = &vm->frames[depth_before - 1];
    /* Drain the caller's argument stack (it sits under any frame a builtin pushed). */
    if (rc == VM_FRAME_PUSHED) {
        /* call_closure took its arguments already; the pushed frame's arg_base accounts for that. */
        val_release(vm, &out);
        return VM_FRAME_PUSHED;
    }
    while (vm->nargs > caller->arg_base)
        val_release(vm, &vm->args[--vm->nargs]);
    if (rc < 0) {
        val_release(vm, &out);
        return rc;
    }
    if (rc != VM_DEFERRED) /* else the result arrives in r0 when the queue is flushed */
        rc = vm_write_reg(vm, caller, 0, out);
    else
        rc = 0;
    val_release(vm, &out);
    if (!rc && UNLIKELY(vm->hook != NULL)) {
        stoffel_vm_event ev = {.kind = STOFFEL_VM_EVENT_RETURN, .callee = name};
        vm_hook_value(vm, vm->regs[caller->reg_base], &ev.value, &ev.pending);
        rc = vm_hook_emit(vm, &ev);
    }
    return rc;
}

/* ---- the loop ----------------------------------------------------------------------------- */

static int spill_store(vm_state *vm, vm_frame *f, uint32_t slot, vm_val v)
{
    if (slot >= f->nspill) {
        if (slot >= vm->cfg.max_spill_slots)
            return vm_fail(vm, STOFFEL_ERR_LIMIT, "spill slot %u is past the limit of %u slots per frame", slot, vm->cfg.max_spill_slots);
        size_t n = (size_t)slot + 1;
        int rc = vm_mem_charge(vm, (n - f->nspill) * sizeof(vm_val));
        if (rc)
            return rc;
        vm_val *s = vm_realloc(vm, f->spill, n * sizeof *s);
        if (!s)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        memset(s + f->nspill, 0, (n - f->nspill) * sizeof *s);
        f->spill = s;
        f->nspill = n;
    }
    val_assign(vm, &f->spill[slot], v);
    return 0;
}

static int do_mov(vm_state *vm, vm_frame *f, uint32_t dst, uint32_t src)
{
    vm_val v = vm->regs[f->reg_base + src];
    if (v.kind == VK_PENDING)
        return secret_forward_pending(vm, f, dst, src);
    uint32_t ss = vm->cfg.secret_start;
    if (src >= ss && dst < ss) {
        /* secret -> clear: the implicit reveal. */
        if (v.kind == STOFFEL_VM_UNIT)
            return vm_write_reg(vm, f, dst, v);
        if (v.kind != STOFFEL_VM_SHARE)
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "cannot reveal a %s: only shares can be opened", val_type_name(vm, v));
        return secret_queue_open(vm, v, f, dst);
    }
    vm_val copy = v;
    val_retain(copy);
    int rc = vm_write_reg(vm, f, dst, copy);
    val_release(vm, &copy);
    return rc;
}

/* The arithmetic of the fused loop-step forms: 1 with *r set, or 0 when the plain handler must
 * run (overflow, a divisor that is not positive). */
static inline int fast_add(int64_t a, int64_t b, int64_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline int fast_sub(int64_t a, int64_t b, int64_t *r) { return !__builtin_sub_overflow(a, b, r); }
static inline int fast_mod(int64_t a, int64_t b, int64_t *r)
{
    if (b <= 0)
        return 0;
    *r = a % b;
    return 1;
}

/* Threaded dispatch only pays off when every handler ends in its own indirect jump: stop GCC
 * from merging them into one shared jump (cross-jumping, GCSE). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-gcse", "no-crossjumping")))
#endif
static int interp_loop(vm_state *vm)
{
    /* Every byte defaults to op_bad, then the opcode table overrides its entries. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
    static const void *const ops[256] = {
        [0 ... 255] = &&op_bad,
#define DISPATCH_ENTRY_(name, byte, shape) [byte] = &&op_##name,
        STOFFEL_VM_OPCODES(DISPATCH_ENTRY_)
#undef DISPATCH_ENTRY_
        [VM_OP_END] = &&implicit_return,
        [VM_XOP_CMP_JMPEQ] = &&xop_CMP_JMPEQ,
        [VM_XOP_CMP_JMPNEQ] = &&xop_CMP_JMPNEQ,
        [VM_XOP_CMP_JMPLT] = &&xop_CMP_JMPLT,
        [VM_XOP_CMP_JMPGT] = &&xop_CMP_JMPGT,
        [VM_XOP_ADD_CJ + 0] = &&xop_ADD_CJ_EQ, [VM_XOP_ADD_CJ + 1] = &&xop_ADD_CJ_NEQ,
        [VM_XOP_ADD_CJ + 2] = &&xop_ADD_CJ_LT, [VM_XOP_ADD_CJ + 3] = &&xop_ADD_CJ_GT,
        [VM_XOP_SUB_CJ + 0] = &&xop_SUB_CJ_EQ, [VM_XOP_SUB_CJ + 1] = &&xop_SUB_CJ_NEQ,
        [VM_XOP_SUB_CJ + 2] = &&xop_SUB_CJ_LT, [VM_XOP_SUB_CJ + 3] = &&xop_SUB_CJ_GT,
        [VM_XOP_MOD_CJ + 0] = &&xop_MOD_CJ_EQ, [VM_XOP_MOD_CJ + 1] = &&xop_MOD_CJ_NEQ,
        [VM_XOP_MOD_CJ + 2] = &&xop_MOD_CJ_LT, [VM_XOP_MOD_CJ + 3] = &&xop_MOD_CJ_GT,
    };
#pragma GCC diagnostic pop
    const uint32_t ss = vm->cfg.secret_start;
    const int batching = vm->cfg.batch_reveals && !vm->hook;

    vm_frame *F;
    const vm_function *fn;
    const vm_instr *code, *pc;
    int flag;
    vm_val *R;
    /*
     * The instruction budget is checked on every dispatch. With a hook, `budget` is held at 1 so
     * that every instruction takes the out_of_budget path, which calls the hook and counts the
     * real budget in hook_budget: tracing costs nothing when it is off.
     */
    const int hooking = vm->hook != NULL;
    uint64_t hook_budget = vm->budget_left;
    uint64_t budget = hooking ? 1 : vm->budget_left;
    int rc;
#define BUDGET_LEFT() (hooking ? hook_budget : budget)

#define LOAD_FRAME()                               \
    do {                                           \
        F = &vm->frames[vm->depth - 1];            \
        fn = &vm->prog->fns[F->fn];                \
        code = fn->code;                           \
        pc = code + F->ip;                         \
        flag = F->flag;                            \
        R = vm->regs + F->reg_base;                \
    } while (0)
#define SAVE() (F->ip = (size_t)(pc - code), F->flag = (int8_t)flag)
#define NEXT()                                     \
    do {                                           \
        if (UNLIKELY(--budget == 0))               \
            goto out_of_budget;                    \
        goto *ops[pc->xop];                    \
    } while (0)
    /* After a slow path: handle flush requests, errors and unbatched secret ops. */
#define AFTER_SLOW(rc_)                            \
    do {                                           \
        if (UNLIKELY((rc_) != 0)) {                \
            if ((rc_) == VM_NEED_FLUSH)            \
                goto need_flush;                   \
            goto fail;                             \
        }                                          \
        pc++;                                      \
        if (UNLIKELY(secret_pending(vm)) && (!batching || vm->q.count >= 1024)) { \
            SAVE();                                \
            goto flush_now;                        \
        }                                          \
        NEXT();                                    \
    } while (0)

    LOAD_FRAME();
    NEXT();

op_hook: {
    SAVE();
    if ((rc = vm_hook_before(vm, F, (size_t)(pc - code))))
        goto fail;
    if (vm->cancel)
        goto cancelled;
    goto *ops[pc->op];
}

op_bad:
    SAVE();
    rc = vm_fail(vm, STOFFEL_ERR_INTERNAL, "invalid opcode 0x%02x", pc->op);
    goto fail;

op_NOP:
    pc++;
    NEXT();

op_LD: {
    SAVE();
    int32_t off = (int32_t)pc->b;
    size_t have = vm->nargs - F->arg_base;
    if (off > 0 || (size_t)(-(int64_t)off) >= have) {
        rc = vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "LD offset %d is out of bounds of the argument stack (%zu values)", off, have);
        goto fail;
    }
    vm_val v = vm->args[vm->nargs - 1 - (size_t)(-(int64_t)off)];
    rc = vm_write_reg(vm, F, pc->a, v);
    AFTER_SLOW(rc);
}

op_LDI: {
    vm_val k = vm->consts[pc->b];
    vm_val *d = &R[pc->a];
    if (LIKELY(pc->a < ss && !IS_HEAP(k.kind) && !IS_DIRTY(d->kind))) {
        *d = k;
        pc++;
        NEXT();
    }
    SAVE();
    rc = vm_write_reg(vm, F, pc->a, k);
    AFTER_SLOW(rc);
}

op_MOV: {
    vm_val *s = &R[pc->b], *d = &R[pc->a];
    if (LIKELY(pc->a < ss && pc->b < ss && !IS_DIRTY(s->kind) && !IS_DIRTY(d->kind))) {
        *d = *s;
        pc++;
        NEXT();
    }
    SAVE();
    rc = do_mov(vm, F, pc->a, pc->b);
    AFTER_SLOW(rc);
}

#define ARITH_I64(NAME, OPC, BUILTIN)                                                           \
    op_##NAME: {                                                                                \
        vm_val *a = &R[pc->b], *b = &R[pc->c], *d = &R[pc->a];                                     \
        int64_t r;                                                                              \
        if (LIKELY(a->kind == STOFFEL_VM_I64 && b->kind == STOFFEL_VM_I64 && pc->a < ss &&       \
                   !IS_DIRTY(d->kind) && !BUILTIN(a->as.i, b->as.i, &r))) {                     \
            d->kind = STOFFEL_VM_I64;                                                           \
            d->as.i = r;                                                                        \
            pc++;                                                                               \
            NEXT();                                                                             \
        }                                                                                       \
        SAVE();                                                                                 \
        rc = arith_binop(vm, F, OPC, pc->a, *a, *b);                                             \
        R = vm->regs + F->reg_base;                                                             \
        AFTER_SLOW(rc);                                                                         \
    }
    ARITH_I64(ADD, STOFFEL_VM_OP_ADD, __builtin_add_overflow)
    ARITH_I64(SUB, STOFFEL_VM_OP_SUB, __builtin_sub_overflow)
    ARITH_I64(MUL, STOFFEL_VM_OP_MUL, __builtin_mul_overflow)
#undef ARITH_I64

op_MOD: {
    vm_val *a = &R[pc->b], *b = &R[pc->c], *d = &R[pc->a];
    if (LIKELY(a->kind == STOFFEL_VM_I64 && b->kind == STOFFEL_VM_I64 && pc->a < ss && !IS_DIRTY(d->kind) &&
               b->as.i > 0)) {
        d->kind = STOFFEL_VM_I64;
        d->as.i = a->as.i % b->as.i;
        pc++;
        NEXT();
    }
    SAVE();
    rc = arith_binop(vm, F, STOFFEL_VM_OP_MOD, pc->a, *a, *b);
    AFTER_SLOW(rc);
}

op_DIV:
op_AND:
op_OR:
op_XOR:
op_SHL:
op_SHR:
    SAVE();
    rc = arith_binop(vm, F, pc->op, pc->a, R[pc->b], R[pc->c]);
    AFTER_SLOW(rc);

op_NOT:
    SAVE();
    rc = arith_not(vm, F, pc->a, R[pc->b]);
    AFTER_SLOW(rc);

op_CMP: {
    vm_val *a = &R[pc->a], *b = &R[pc->b];
    if (LIKELY(a->kind == STOFFEL_VM_I64 && b->kind == STOFFEL_VM_I64)) {
        flag = (a->as.i > b->as.i) - (a->as.i < b->as.i);
        pc++;
        NEXT();
    }
    SAVE();
    if (a->kind == VK_PENDING || b->kind == VK_PENDING)
        goto need_flush;
    int ord;
    if ((rc = vm_compare(vm, *a, *b, &ord)))
        goto fail;
    flag = ord;
    pc++;
    NEXT();
}

    /* CMP + conditional jump in one dispatch; anything but two I64s takes the plain CMP path. */
#define CMP_JUMP(NAME, COND)                                               \
    xop_CMP_##NAME: {                                                      \
        vm_val *a = &R[pc->a], *b = &R[pc->b];                             \
        if (UNLIKELY(a->kind != STOFFEL_VM_I64 || b->kind != STOFFEL_VM_I64)) \
            goto op_CMP;                                                   \
        flag = (a->as.i > b->as.i) - (a->as.i < b->as.i);                  \
        if (budget > 1)                                                    \
            budget--; /* the jump counts as an instruction */              \
        if (COND) {                                                        \
            const vm_instr *t = code + pc[1].a;                            \
            if (UNLIKELY(t <= pc && vm->cancel))                           \
                goto cancelled;                                            \
            pc = t;                                                        \
        } else {                                                           \
            pc += 2;                                                       \
        }                                                                  \
        NEXT();                                                            \
    }
    CMP_JUMP(JMPEQ, flag == 0)
    CMP_JUMP(JMPNEQ, flag != 0)
    CMP_JUMP(JMPLT, flag < 0)
    CMP_JUMP(JMPGT, flag > 0)
#undef CMP_JUMP

    /*
     * I64 arithmetic + CMP + conditional jump in one dispatch. Anything unusual (other kinds,
     * overflow, a secret or dirty destination, a budget about to run out) runs the plain
     * arithmetic handler, after which the CMP runs as its own (fused) instruction.
     */
#define ARITH_CMP_JUMP(NAME, COND_NAME, FAST, COND)                                          \
    xop_##NAME##_CJ_##COND_NAME: {                                                           \
        vm_val *a = &R[pc->b], *b = &R[pc->c], *d = &R[pc->a];                               \
        int64_t r;                                                                           \
        if (UNLIKELY(budget <= 2 || a->kind != STOFFEL_VM_I64 || b->kind != STOFFEL_VM_I64 || \
                     pc->a >= ss || IS_DIRTY(d->kind) || !FAST(a->as.i, b->as.i, &r)))       \
            goto op_##NAME;                                                                  \
        d->kind = STOFFEL_VM_I64;                                                            \
        d->as.i = r;                                                                         \
        vm_val *x = &R[pc[1].a], *y = &R[pc[1].b];                                           \
        if (UNLIKELY(x->kind != STOFFEL_VM_I64 || y->kind != STOFFEL_VM_I64)) {              \
            pc++;                                                                            \
            budget--;                                                                        \
            goto op_CMP;                                                                     \
        }                                                                                    \
        flag = (x->as.i > y->as.i) - (x->as.i < y->as.i);                                    \
        budget -= 2; /* the CMP and the jump */                                              \
        if (COND) {                                                                          \
            const vm_instr *t = code + pc[2].a;                                              \
            if (UNLIKELY(t <= pc && vm->cancel))                                             \
                goto cancelled;                                                              \
            pc = t;                                                                          \
        } else {                                                                             \
            pc += 3;                                                                         \
        }                                                                                    \
        NEXT();                                                                              \
    }
#define ARITH_CMP_JUMPS(NAME, FAST)                   \
    ARITH_CMP_JUMP(NAME, EQ, FAST, flag == 0)         \
    ARITH_CMP_JUMP(NAME, NEQ, FAST, flag != 0)        \
    ARITH_CMP_JUMP(NAME, LT, FAST, flag < 0)          \
    ARITH_CMP_JUMP(NAME, GT, FAST, flag > 0)
    ARITH_CMP_JUMPS(ADD, fast_add)
    ARITH_CMP_JUMPS(SUB, fast_sub)
    ARITH_CMP_JUMPS(MOD, fast_mod)
#undef ARITH_CMP_JUMPS
#undef ARITH_CMP_JUMP

#define JUMP_IF(NAME, COND)                        \
    op_##NAME:                                     \
    if (COND) {                                    \
        if (UNLIKELY(code + pc->a <= pc && vm->cancel))    \
            goto cancelled;                        \
        pc = code + pc->a;                                 \
    } else {                                       \
        pc++;                                      \
    }                                              \
    NEXT();
    JUMP_IF(JMP, 1)
    JUMP_IF(JMPEQ, flag == 0)
    JUMP_IF(JMPNEQ, flag != 0)
    JUMP_IF(JMPLT, flag < 0)
    JUMP_IF(JMPGT, flag > 0)
#undef JUMP_IF

op_PUSHARG: {
    vm_val v = R[pc->a];
    SAVE();
    if (v.kind == VK_PENDING)
        goto need_flush;
    if (vm->nargs == vm->args_cap) {
        size_t cap = vm->args_cap ? vm->args_cap * 2 : 64;
        vm_val *a = vm_realloc(vm, vm->args, cap * sizeof *a);
        if (!a) {
            rc = vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
            goto fail;
        }
        vm->args = a;
        vm->args_cap = cap;
    }
    val_retain(v);
    vm->args[vm->nargs++] = v;
    if (UNLIKELY(hooking)) {
        stoffel_vm_event ev = {.kind = STOFFEL_VM_EVENT_STACK_PUSH, .nargs = vm->nargs - F->arg_base};
        vm_hook_value(vm, v, &ev.value, &ev.pending);
        if ((rc = vm_hook_emit(vm, &ev)))
            goto fail;
    }
    pc++;
    NEXT();
}

op_CALL:
    SAVE();
    if (vm->cancel)
        goto cancelled;
    rc = do_call(vm, F, pc->a);
    if (rc == VM_FRAME_PUSHED) {
        /* The caller resumes after the CALL when the callee returns. */
        vm->frames[vm->depth - 2].ip = (size_t)(pc - code) + 1;
        LOAD_FRAME();
        NEXT();
    }
    F = &vm->frames[vm->depth - 1];
    R = vm->regs + F->reg_base;
    AFTER_SLOW(rc);

op_LDS: {
    SAVE();
    vm_val v = pc->b < F->nspill ? F->spill[pc->b] : val_unit();
    /* Raw: no bank conversion. */
    vm_val copy = v;
    val_retain(copy);
    val_assign(vm, &R[pc->a], copy);
    val_release(vm, &copy);
    pc++;
    NEXT();
}

op_STS: {
    SAVE();
    vm_val v = R[pc->b];
    if (v.kind == VK_PENDING)
        goto need_flush;
    rc = spill_store(vm, F, pc->a, v);
    AFTER_SLOW(rc);
}

op_RET: {
    SAVE();
    vm_val v = R[pc->a];
    /* Client output still queued runs before any frame returns. */
    if (v.kind == VK_PENDING || UNLIKELY(vm->q.sticky != 0))
        goto need_flush;
    goto do_return;
}

implicit_return:
    /* Running past the last instruction is RET r0. */
    SAVE();
    if (R[0].kind == VK_PENDING || UNLIKELY(vm->q.sticky != 0))
        goto need_flush;
    goto do_return;

do_return: {
    vm_val v = pc->op == STOFFEL_VM_OP_RET ? R[pc->a] : R[0];
    val_retain(v);
    if (hooking) {
        stoffel_vm_event ev = {.kind = STOFFEL_VM_EVENT_RETURN, .function = fn->name, .ip = (size_t)(pc - code),
                               .opcode = STOFFEL_VM_OP_RET, .callee = fn->name, .depth = vm->depth};
        vm_hook_value(vm, v, &ev.value, NULL);
        if ((rc = vm_hook_emit(vm, &ev))) {
            val_release(vm, &v);
            goto fail;
        }
    }
    vm_pop_frame(vm);
    if (vm->depth < vm->entry_depth) {
        val_release(vm, &vm->result);
        vm->result = v;
        vm->budget_left = BUDGET_LEFT();
        return 0;
    }
    LOAD_FRAME();
    rc = vm_write_reg(vm, F, 0, v);
    val_release(vm, &v);
    if (rc)
        goto fail;
    NEXT();
}

need_flush:
    /* An instruction read a value whose secret operation is queued: hand the batch out and
     * re-execute the instruction when the results are in. */
    SAVE();
    vm->budget_left = BUDGET_LEFT() + 1;
    if ((rc = secret_prepare_batch(vm)))
        goto fail;
    return 1;

flush_now:
    vm->budget_left = BUDGET_LEFT();
    if ((rc = secret_prepare_batch(vm)))
        goto fail;
    return 1;

out_of_budget:
    if (hooking && --hook_budget != 0) {
        budget = 1;
        goto op_hook;
    }
    SAVE();
    vm->budget_left = 1; /* this dispatch did not run: the count stays at the budget */
    return vm_fail(vm, STOFFEL_ERR_LIMIT, "instruction budget of %llu exhausted", (unsigned long long)vm->cfg.instruction_budget);

cancelled:
    SAVE();
    vm->budget_left = BUDGET_LEFT();
    return vm_fail(vm, STOFFEL_ERR_CANCELLED, "the run was cancelled");

fail:
    vm->budget_left = BUDGET_LEFT();
    return rc < 0 ? rc : STOFFEL_ERR_INTERNAL;
}

int interp_run(vm_state *vm)
{
    uint64_t before = vm->budget_left;
    int rc = interp_loop(vm);
    /* need_flush re-executes its instruction: budget_left was credited back for it. */
    if (before >= vm->budget_left)
        vm->stats.instructions += before - vm->budget_left;
    return rc;
}
