/*
 * emit.c - the last stage: lowers the checked program to IR (codegen.c), then hands functions,
 * labels, instructions, type metadata and the client-IO manifest to libstoffelvm's program
 * builder, which writes deterministic version-9 bytes (language.md section 10 c).
 */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

int lang_emit_program(struct compile_ctx *cx, struct ptrvec *modules, uint8_t **bytes, size_t *len, char **ir);

static const stoffel_vm_type *vm_type(struct compile_ctx *cx, const struct type *t)
{
    stoffel_vm_type *v = arena_alloc(&cx->arena, sizeof *v);
    if (!t) {
        v->kind = STOFFEL_VM_TYPE_UNKNOWN;
        return v;
    }
    if (t->secret && t->kind != TY_SHARE) {
        struct type inner = *t;
        inner.secret = false;
        v->kind = STOFFEL_VM_TYPE_SECRET;
        v->inner = vm_type(cx, &inner);
        return v;
    }
    switch (t->kind) {
    case TY_INT:
        v->kind = STOFFEL_VM_TYPE_INT;
        v->is_signed = t->is_signed;
        v->bits = (uint8_t)t->bits;
        break;
    case TY_FLOAT: v->kind = STOFFEL_VM_TYPE_FLOAT; break;
    case TY_FIX:
        if (t->bits == 64)
            v->kind = STOFFEL_VM_TYPE_FIXED64;
        else {
            v->kind = STOFFEL_VM_TYPE_FIXED;
            v->bits = (uint8_t)t->bits;
        }
        break;
    case TY_BOOL: v->kind = STOFFEL_VM_TYPE_BOOL; break;
    case TY_STRING: v->kind = STOFFEL_VM_TYPE_STRING; break;
    case TY_VOID: v->kind = STOFFEL_VM_TYPE_VOID; break;
    case TY_NONE: v->kind = STOFFEL_VM_TYPE_NIL; break;
    case TY_LIST:
        v->kind = STOFFEL_VM_TYPE_LIST;
        v->inner = vm_type(cx, t->elem);
        break;
    case TY_DICT:
        v->kind = STOFFEL_VM_TYPE_DICT;
        v->inner = vm_type(cx, t->key);
        v->value = vm_type(cx, t->elem);
        break;
    case TY_OBJECT: case TY_OPAQUE:
        v->kind = STOFFEL_VM_TYPE_OBJECT;
        v->name = t->name;
        break;
    case TY_SHARE: {
        stoffel_vm_type *inner = arena_alloc(&cx->arena, sizeof *inner);
        inner->kind = STOFFEL_VM_TYPE_UNKNOWN;
        v->kind = STOFFEL_VM_TYPE_SECRET;
        v->inner = inner;
        break;
    }
    default: v->kind = STOFFEL_VM_TYPE_UNKNOWN; break;
    }
    return v;
}

static stoffel_vm_value const_value(const struct ir_const *k)
{
    switch (k->kind) {
    case K_UNIT: return stoffel_vm_value_unit();
    case K_I64: return stoffel_vm_value_int(STOFFEL_VM_I64, k->i);
    case K_I32: return stoffel_vm_value_int(STOFFEL_VM_I32, k->i);
    case K_I16: return stoffel_vm_value_int(STOFFEL_VM_I16, k->i);
    case K_I8: return stoffel_vm_value_int(STOFFEL_VM_I8, k->i);
    case K_U8: return stoffel_vm_value_uint(STOFFEL_VM_U8, k->u);
    case K_U16: return stoffel_vm_value_uint(STOFFEL_VM_U16, k->u);
    case K_U32: return stoffel_vm_value_uint(STOFFEL_VM_U32, k->u);
    case K_U64: return stoffel_vm_value_uint(STOFFEL_VM_U64, k->u);
    case K_FLOAT: return stoffel_vm_value_float(k->f);
    case K_BOOL: return stoffel_vm_value_bool(k->i != 0);
    default: return stoffel_vm_value_string(k->s, k->slen);
    }
}

static int emit_instr(stoffel_vm_fn *fn, const struct ir_instr *in)
{
    switch (in->op) {
    case IR_LABEL: return stoffel_vm_fn_label(fn, in->name);
    case IR_LD: return stoffel_vm_fn_ld(fn, in->a, (int32_t)in->b);
    case IR_LDI: {
        stoffel_vm_value v = const_value(&in->k);
        return stoffel_vm_fn_ldi_value(fn, in->a, &v);
    }
    case IR_MOV: return stoffel_vm_fn_mov(fn, in->a, in->b);
    case IR_NOT: return stoffel_vm_fn_not(fn, in->a, in->b);
    case IR_CMP: return stoffel_vm_fn_cmp(fn, in->a, in->b);
    case IR_JMP: case IR_JMPEQ: case IR_JMPNEQ: case IR_JMPLT: case IR_JMPGT:
        return stoffel_vm_fn_jump(fn, (stoffel_vm_opcode)in->op, in->name);
    case IR_CALL: return stoffel_vm_fn_call(fn, in->name);
    case IR_RET: return stoffel_vm_fn_ret(fn, in->a);
    case IR_PUSHARG: return stoffel_vm_fn_pusharg(fn, in->a);
    case IR_NOP: return stoffel_vm_fn_nop(fn);
    case IR_LDS: return stoffel_vm_fn_lds(fn, in->a, in->b);
    case IR_STS: return stoffel_vm_fn_sts(fn, in->a, in->b);
    default: return stoffel_vm_fn_binop(fn, (stoffel_vm_opcode)in->op, in->a, in->b, in->c);
    }
}

static stoffel_vm_share_type share_type_of(const struct client_io *io)
{
    stoffel_vm_share_type st = {.kind = io->share_kind == 1 ? STOFFEL_VM_SECRET_FIXED
                                        : io->share_kind == 2 ? STOFFEL_VM_SECRET_UINT : STOFFEL_VM_SECRET_INT,
                                .bits = (uint32_t)io->bits, .frac = (uint32_t)io->frac};
    return st;
}

/* Clients in ascending slot order; inputs by ordinal (gaps default to SecretInt{64}); outputs in
 * program order, one per call site. */
static int emit_manifest(struct compile_ctx *cx, stoffel_vm_builder *b)
{
    struct checker *ch = cx->checker;
    size_t n = ch->client_io.len;
    int64_t prev_slot = -1;
    for (;;) {
        int64_t slot = -1;
        for (size_t i = 0; i < n; i++) {
            struct client_io *io = ch->client_io.items[i];
            if (io->slot > prev_slot && (slot < 0 || io->slot < slot))
                slot = io->slot;
        }
        if (slot < 0)
            break;
        prev_slot = slot;
        int64_t max_ord = -1;
        size_t outs = 0;
        for (size_t i = 0; i < n; i++) {
            struct client_io *io = ch->client_io.items[i];
            if (io->slot != slot)
                continue;
            if (!io->output && io->ordinal > max_ord)
                max_ord = io->ordinal;
            if (io->output)
                outs++;
        }
        if (max_ord > 100000)
            max_ord = 100000;
        stoffel_vm_share_type *in = arena_alloc(&cx->arena, (size_t)(max_ord + 2) * sizeof *in);
        for (int64_t o = 0; o <= max_ord; o++) {
            in[o].kind = STOFFEL_VM_SECRET_INT;
            in[o].bits = 64;
        }
        for (size_t i = 0; i < n; i++) {
            struct client_io *io = ch->client_io.items[i];
            if (io->slot == slot && !io->output && io->ordinal <= max_ord)
                in[io->ordinal] = share_type_of(io);
        }
        stoffel_vm_share_type *out = arena_alloc(&cx->arena, (outs + 1) * sizeof *out);
        size_t no = 0;
        for (size_t i = 0; i < n; i++) {
            struct client_io *io = ch->client_io.items[i];
            if (io->slot != slot || !io->output)
                continue;
            bool dup = false;
            for (size_t k = 0; k < i; k++) {
                struct client_io *o2 = ch->client_io.items[k];
                if (o2->output && o2->slot == slot && o2->site == io->site)
                    dup = true;
            }
            if (!dup)
                out[no++] = share_type_of(io);
        }
        int rc = stoffel_vm_builder_add_client(b, (uint64_t)slot, in, (size_t)(max_ord + 1), out, no);
        if (rc)
            return rc;
    }
    return 0;
}

static void add_metadata(struct compile_ctx *cx, stoffel_vm_fn *fn, struct ir_func *f)
{
    struct func_sym *s = f->sym;
    if (!s || !s->decl) {
        stoffel_vm_fn_set_return_type(fn, vm_type(cx, s ? s->ret : NULL));
        return;
    }
    for (size_t i = 0; i < s->nparams; i++) {
        struct type *pt = s->param_types[i];
        if (s->variadic && i + 1 == s->nparams) {
            struct type lt = {.kind = TY_LIST, .elem = pt};
            stoffel_vm_fn_add_param(fn, s->param_names[i], vm_type(cx, &lt));
        } else {
            stoffel_vm_fn_add_param(fn, s->param_names[i], vm_type(cx, pt));
        }
    }
    stoffel_vm_fn_set_return_type(fn, vm_type(cx, s->ret));
    for (size_t i = 0; i < s->upvalues.len; i++)
        stoffel_vm_fn_add_upvalue(fn, s->upvalues.items[i]);
}

int lang_emit_program(struct compile_ctx *cx, struct ptrvec *modules, uint8_t **bytes, size_t *len, char **ir)
{
    if (!codegen_program(cx, NULL))
        return STOFFEL_LANG_ERR_COMPILE;
    struct ir_program *p = cx->ir;
    if (ir) {
        struct strbuf sb = {0};
        ast_dump(cx, modules, &sb);
        ir_print(p, &sb);
        if (sb.failed) {
            sb_free(&sb);
            return STOFFEL_ERR_NOMEM;
        }
        *ir = sb.data;
    }
    stoffel_vm_builder *b = NULL;
    int rc = stoffel_vm_builder_new(&b);
    if (rc)
        return rc;
    cx->pending_builder = b;
    rc = stoffel_vm_builder_set_backend(b, (stoffel_vm_backend)cx->opts.mpc_backend);
    if (!rc)
        rc = stoffel_vm_builder_set_curve(b, (stoffel_vm_curve)cx->opts.mpc_curve);
    stoffel_vm_demand demand = {.triples = p->triples, .prandbits = p->prandbits, .prandints = p->prandints,
                                .dynamic = p->dynamic};
    if (!rc)
        rc = stoffel_vm_builder_set_demand(b, &demand);
    if (!rc)
        rc = emit_manifest(cx, b);
    for (size_t i = 0; i < p->funcs.len && !rc; i++) {
        struct ir_func *f = p->funcs.items[i];
        stoffel_vm_fn *fn = NULL;
        rc = stoffel_vm_builder_function(b, f->name, &fn);
        if (rc)
            break;
        add_metadata(cx, fn, f);
        for (size_t k = 0; k < f->len && !rc; k++)
            rc = emit_instr(fn, &f->code[k]);
    }
    if (!rc)
        rc = stoffel_vm_builder_write(b, bytes, len);
    if (rc && rc != STOFFEL_ERR_NOMEM)
        diag_add(cx, SEV_ERROR, "E901", "", 0, 0, NULL, "bytecode builder failed: %s", stoffel_vm_builder_last_error(b));
    cx->pending_builder = NULL;
    stoffel_vm_builder_free(b);
    return rc;
}
