/* builder.c - the program-building API the compiler generates code through. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program_internal.h"

struct stoffel_vm_fn {
    stoffel_vm_builder *owner;
    vm_function f;
    int sticky_error; /* set when an emit failed; build reports it */
};

struct stoffel_vm_builder {
    vm_const_pool pool;
    stoffel_vm_fn **fns;
    size_t fn_count, fn_cap;
    stoffel_vm_backend backend;
    stoffel_vm_curve curve;
    stoffel_vm_demand demand;
    vm_client *clients;
    size_t client_count;
    char error[256];
};

static int berr(stoffel_vm_builder *b, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int berr(stoffel_vm_builder *b, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->error, sizeof b->error, fmt, ap);
    va_end(ap);
    return status;
}

int stoffel_vm_builder_new(stoffel_vm_builder **out)
{
    if (!out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? 0 : STOFFEL_ERR_NOMEM;
}

void stoffel_vm_builder_free(stoffel_vm_builder *b)
{
    if (!b)
        return;
    vm_const_pool_free(&b->pool);
    for (size_t i = 0; i < b->fn_count; i++) {
        vm_function_clear(vm_default_allocator(), &b->fns[i]->f);
        free(b->fns[i]);
    }
    free(b->fns);
    for (size_t i = 0; i < b->client_count; i++) {
        free(b->clients[i].inputs);
        free(b->clients[i].outputs);
    }
    free(b->clients);
    free(b);
}

const char *stoffel_vm_builder_last_error(const stoffel_vm_builder *b)
{
    return b ? b->error : "no builder";
}

int stoffel_vm_builder_constant(stoffel_vm_builder *b, const stoffel_vm_value *v, uint32_t *index)
{
    if (!b || !v || !index)
        return STOFFEL_ERR_INVALID_ARG;
    if ((unsigned)v->kind > STOFFEL_VM_STRING)
        return berr(b, STOFFEL_ERR_INVALID_ARG, "only unit, integers, floats, bools and strings can be constants (got kind %d)", (int)v->kind);
    if (!vm_const_in_range(v))
        return berr(b, STOFFEL_ERR_INVALID_ARG, "integer constant out of range for its width");
    if (v->kind == STOFFEL_VM_STRING) {
        if (v->as.str.len > VM_MAX_STRING)
            return berr(b, STOFFEL_ERR_LIMIT, "string constant of %zu bytes exceeds 16 MiB", v->as.str.len);
        if (!vm_utf8_valid((const uint8_t *)v->as.str.ptr, v->as.str.len))
            return berr(b, STOFFEL_ERR_INVALID_ARG, "string constant is not valid UTF-8");
    }
    int rc = vm_const_pool_add(&b->pool, v, index);
    if (rc == STOFFEL_ERR_LIMIT)
        return berr(b, rc, "more than %u constants", VM_MAX_CONSTANTS);
    if (rc)
        return berr(b, rc, "out of memory");
    return 0;
}

static int check_name(stoffel_vm_builder *b, const char *what, const char *name)
{
    if (!name || !*name)
        return berr(b, STOFFEL_ERR_INVALID_ARG, "%s name is empty", what);
    size_t n = strlen(name);
    if (n > 65535)
        return berr(b, STOFFEL_ERR_INVALID_ARG, "%s name longer than 65535 bytes", what);
    if (!vm_utf8_valid((const uint8_t *)name, n))
        return berr(b, STOFFEL_ERR_INVALID_ARG, "%s name is not valid UTF-8", what);
    return 0;
}

int stoffel_vm_builder_function(stoffel_vm_builder *b, const char *name, stoffel_vm_fn **fn)
{
    if (!b || !fn)
        return STOFFEL_ERR_INVALID_ARG;
    int rc = check_name(b, "function", name);
    if (rc)
        return rc;
    for (size_t i = 0; i < b->fn_count; i++)
        if (strcmp(b->fns[i]->f.name, name) == 0)
            return berr(b, STOFFEL_VM_ERR_DUPLICATE, "function '%s' is defined twice", name);
    if (b->fn_count >= VM_MAX_FUNCTIONS)
        return berr(b, STOFFEL_ERR_LIMIT, "more than %u functions", VM_MAX_FUNCTIONS);
    if (b->fn_count == b->fn_cap) {
        size_t cap = b->fn_cap ? b->fn_cap * 2 : 8;
        stoffel_vm_fn **fns = realloc(b->fns, cap * sizeof *fns);
        if (!fns)
            return berr(b, STOFFEL_ERR_NOMEM, "out of memory");
        b->fns = fns;
        b->fn_cap = cap;
    }
    stoffel_vm_fn *f = calloc(1, sizeof *f);
    if (!f || !(f->f.name = vm_strndup(name, strlen(name)))) {
        free(f);
        return berr(b, STOFFEL_ERR_NOMEM, "out of memory");
    }
    f->owner = b;
    b->fns[b->fn_count++] = f;
    *fn = f;
    return 0;
}

static int check_share_type(stoffel_vm_builder *b, const stoffel_vm_share_type *t)
{
    if (t->kind != STOFFEL_VM_SECRET_INT && t->kind != STOFFEL_VM_SECRET_UINT &&
        t->kind != STOFFEL_VM_SECRET_FIXED)
        return berr(b, STOFFEL_ERR_INVALID_ARG, "unknown share kind %d", (int)t->kind);
    if (t->bits == 0)
        return berr(b, STOFFEL_ERR_INVALID_ARG, "share type with 0 bits");
    if (t->kind == STOFFEL_VM_SECRET_FIXED && t->frac >= t->bits)
        return berr(b, STOFFEL_ERR_INVALID_ARG, "fixed-point share type needs fractional bits < total bits (%u >= %u)", t->frac, t->bits);
    return 0;
}

int stoffel_vm_builder_set_backend(stoffel_vm_builder *b, stoffel_vm_backend backend)
{
    if (!b || (backend != STOFFEL_VM_BACKEND_HONEYBADGER && backend != STOFFEL_VM_BACKEND_AVSS))
        return STOFFEL_ERR_INVALID_ARG;
    b->backend = backend;
    return 0;
}

int stoffel_vm_builder_set_curve(stoffel_vm_builder *b, stoffel_vm_curve curve)
{
    if (!b || (unsigned)curve > STOFFEL_VM_CURVE_P256)
        return STOFFEL_ERR_INVALID_ARG;
    b->curve = curve;
    return 0;
}

int stoffel_vm_builder_set_demand(stoffel_vm_builder *b, const stoffel_vm_demand *demand)
{
    if (!b || !demand)
        return STOFFEL_ERR_INVALID_ARG;
    b->demand = *demand;
    b->demand.dynamic = demand->dynamic != 0;
    return 0;
}

int stoffel_vm_builder_add_client(stoffel_vm_builder *b, uint64_t slot, const stoffel_vm_share_type *inputs,
                                  size_t input_count, const stoffel_vm_share_type *outputs,
                                  size_t output_count)
{
    if (!b || (input_count && !inputs) || (output_count && !outputs))
        return STOFFEL_ERR_INVALID_ARG;
    for (size_t i = 0; i < b->client_count; i++)
        if (b->clients[i].slot == slot)
            return berr(b, STOFFEL_VM_ERR_DUPLICATE, "client slot %llu added twice", (unsigned long long)slot);
    if (b->client_count >= VM_MAX_MANIFEST || input_count > VM_MAX_MANIFEST || output_count > VM_MAX_MANIFEST)
        return berr(b, STOFFEL_ERR_LIMIT, "manifest collections are limited to %u entries", VM_MAX_MANIFEST);
    for (size_t i = 0; i < input_count; i++)
        if (check_share_type(b, &inputs[i]))
            return STOFFEL_ERR_INVALID_ARG;
    for (size_t i = 0; i < output_count; i++)
        if (check_share_type(b, &outputs[i]))
            return STOFFEL_ERR_INVALID_ARG;
    vm_client *cl = realloc(b->clients, (b->client_count + 1) * sizeof *cl);
    if (!cl)
        return berr(b, STOFFEL_ERR_NOMEM, "out of memory");
    b->clients = cl;
    vm_client *c = &cl[b->client_count];
    memset(c, 0, sizeof *c);
    c->slot = slot;
    if (input_count && !(c->inputs = malloc(input_count * sizeof *inputs)))
        return berr(b, STOFFEL_ERR_NOMEM, "out of memory");
    if (output_count && !(c->outputs = malloc(output_count * sizeof *outputs))) {
        free(c->inputs);
        return berr(b, STOFFEL_ERR_NOMEM, "out of memory");
    }
    if (input_count)
        memcpy(c->inputs, inputs, input_count * sizeof *inputs);
    if (output_count)
        memcpy(c->outputs, outputs, output_count * sizeof *outputs);
    c->input_count = input_count;
    c->output_count = output_count;
    b->client_count++;
    return 0;
}

static int client_slot_cmp(const void *a, const void *b)
{
    uint64_t x = ((const vm_client *)a)->slot, y = ((const vm_client *)b)->slot;
    return x < y ? -1 : x > y;
}

int stoffel_vm_builder_build(stoffel_vm_builder *b, stoffel_vm_program **out)
{
    if (!b || !out)
        return STOFFEL_ERR_INVALID_ARG;
    for (size_t i = 0; i < b->fn_count; i++) {
        const vm_function *f = &b->fns[i]->f;
        if (b->fns[i]->sticky_error)
            return berr(b, STOFFEL_ERR_INVALID_ARG, "function '%s' had a failed emit; see the earlier error", f->name);
        for (size_t k = 0; k < f->label_count; k++)
            if (f->labels[k].target == VM_NO_TARGET)
                return berr(b, STOFFEL_ERR_INVALID_ARG, "function '%s' jumps to label '%s', which is never placed", f->name, f->labels[k].name);
        for (size_t k = 0; k < f->instr_count; k++)
            if (f->code[k].op == STOFFEL_VM_OP_LDI && f->code[k].b >= b->pool.count)
                return berr(b, STOFFEL_ERR_INVALID_ARG, "function '%s' instruction %zu: LDI of constant %u, but the pool has %zu", f->name, k, f->code[k].b, b->pool.count);
    }
    stoffel_vm_program *p = vm_program_alloc(NULL);
    if (!p)
        return berr(b, STOFFEL_ERR_NOMEM, "out of memory");
    p->backend = b->backend;
    p->curve = b->curve;
    p->demand = b->demand;
    int rc = 0;
    if (b->pool.count) {
        p->consts = calloc(b->pool.count, sizeof *p->consts);
        if (!p->consts)
            goto oom;
        for (size_t i = 0; i < b->pool.count; i++) {
            p->consts[i] = b->pool.vals[i];
            if (p->consts[i].kind == STOFFEL_VM_STRING) {
                p->consts[i].as.str.ptr = vm_strndup(b->pool.vals[i].as.str.ptr, b->pool.vals[i].as.str.len);
                if (!p->consts[i].as.str.ptr) {
                    p->consts[i].kind = STOFFEL_VM_UNIT;
                    p->const_count = i;
                    goto oom;
                }
            }
        }
        p->const_count = b->pool.count;
    }
    if (b->fn_count) {
        p->fns = calloc(b->fn_count, sizeof *p->fns);
        if (!p->fns)
            goto oom;
        for (size_t i = 0; i < b->fn_count; i++) {
            if (vm_function_copy(vm_default_allocator(), &p->fns[i], &b->fns[i]->f))
                goto oom;
            p->fn_count = i + 1;
            vm_function *f = &p->fns[i];
            f->has_types = 1;
            /* Built programs always carry type metadata; missing entries mean Unknown. */
            if (f->param_count && !f->param_types) {
                f->param_types = calloc(f->param_count, sizeof *f->param_types);
                if (!f->param_types)
                    goto oom;
            }
            for (size_t k = 0; k < f->instr_count; k++) {
                vm_instr *in = &f->code[k];
                if (opcode_shape(in->op) == SHAPE_LABEL)
                    in->a = f->labels[in->b].target;
            }
            f->stored_registers = 0;
            if (vm_function_normalise(vm_default_allocator(), f))
                goto oom;
            f->stored_registers = f->frame_size > 65535 ? 65535 : (uint16_t)f->frame_size;
        }
    }
    if (b->client_count) {
        p->clients = calloc(b->client_count, sizeof *p->clients);
        if (!p->clients)
            goto oom;
        for (size_t i = 0; i < b->client_count; i++) {
            vm_client *d = &p->clients[i];
            const vm_client *s = &b->clients[i];
            d->slot = s->slot;
            d->input_count = s->input_count;
            d->output_count = s->output_count;
            if (s->input_count && !(d->inputs = malloc(s->input_count * sizeof *d->inputs)))
                goto oom;
            if (s->output_count && !(d->outputs = malloc(s->output_count * sizeof *d->outputs)))
                goto oom;
            if (s->input_count)
                memcpy(d->inputs, s->inputs, s->input_count * sizeof *d->inputs);
            if (s->output_count)
                memcpy(d->outputs, s->outputs, s->output_count * sizeof *d->outputs);
            p->client_count = i + 1;
        }
        /* Manifest clients in ascending slot order (language.md §10 c). */
        qsort(p->clients, p->client_count, sizeof *p->clients, client_slot_cmp);
    }
    if ((rc = vm_program_finish(p)))
        goto oom;
    *out = p;
    b->error[0] = 0;
    return 0;
oom:
    stoffel_vm_program_free(p);
    return berr(b, STOFFEL_ERR_NOMEM, "out of memory");
}

int stoffel_vm_builder_write(stoffel_vm_builder *b, uint8_t **bytes, size_t *len)
{
    stoffel_vm_program *p;
    int rc = stoffel_vm_builder_build(b, &p);
    if (rc)
        return rc;
    rc = stoffel_vm_program_write(p, bytes, len);
    stoffel_vm_program_free(p);
    if (rc)
        return berr(b, rc, "writing the program failed: %s", stoffel_vm_strerror(rc));
    return 0;
}

/* ---- function metadata -------------------------------------------------------------------- */

static int fn_fail(stoffel_vm_fn *fn, int status)
{
    fn->sticky_error = 1;
    return status;
}

static int append_name(stoffel_vm_fn *fn, char ***arr, size_t *count, const char *what, const char *name)
{
    int rc = check_name(fn->owner, what, name);
    if (rc)
        return rc;
    if (*count >= 65535)
        return berr(fn->owner, STOFFEL_ERR_LIMIT, "function '%s': more than 65535 %ss", fn->f.name, what);
    char **a = realloc(*arr, (*count + 1) * sizeof *a);
    if (!a)
        return berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory");
    *arr = a;
    if (!(a[*count] = vm_strndup(name, strlen(name))))
        return berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory");
    (*count)++;
    return 0;
}

int stoffel_vm_fn_add_param(stoffel_vm_fn *fn, const char *name, const stoffel_vm_type *type)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    stoffel_vm_type **types = realloc(fn->f.param_types, (fn->f.param_count + 1) * sizeof *types);
    if (!types)
        return berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory");
    fn->f.param_types = types;
    int nomem = 0;
    stoffel_vm_type *copy = vm_type_copy(vm_default_allocator(), type, &nomem);
    if (nomem)
        return berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory");
    int rc = append_name(fn, &fn->f.params, &fn->f.param_count, "parameter", name);
    if (rc) {
        vm_type_free(vm_default_allocator(), copy);
        return rc;
    }
    types[fn->f.param_count - 1] = copy;
    return 0;
}

int stoffel_vm_fn_set_return_type(stoffel_vm_fn *fn, const stoffel_vm_type *type)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    int nomem = 0;
    stoffel_vm_type *copy = vm_type_copy(vm_default_allocator(), type, &nomem);
    if (nomem)
        return berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory");
    vm_type_free(vm_default_allocator(), fn->f.return_type);
    fn->f.return_type = copy;
    return 0;
}

int stoffel_vm_fn_add_upvalue(stoffel_vm_fn *fn, const char *name)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return append_name(fn, &fn->f.upvalues, &fn->f.upvalue_count, "upvalue", name);
}

int stoffel_vm_fn_set_parent(stoffel_vm_fn *fn, const char *name)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    char *copy = NULL;
    if (name) {
        int rc = check_name(fn->owner, "parent", name);
        if (rc)
            return rc;
        if (!(copy = vm_strndup(name, strlen(name))))
            return berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory");
    }
    free(fn->f.parent);
    fn->f.parent = copy;
    return 0;
}

size_t stoffel_vm_fn_instruction_count(const stoffel_vm_fn *fn) { return fn ? fn->f.instr_count : 0; }
const char *stoffel_vm_fn_name(const stoffel_vm_fn *fn) { return fn ? fn->f.name : NULL; }

/* ---- labels --------------------------------------------------------------------------------- */

/* Finds or adds a label; *index is its position. */
static int label_ref(stoffel_vm_fn *fn, const char *name, size_t *index)
{
    int rc = check_name(fn->owner, "label", name);
    if (rc)
        return rc;
    for (size_t i = 0; i < fn->f.label_count; i++)
        if (strcmp(fn->f.labels[i].name, name) == 0) {
            *index = i;
            return 0;
        }
    if (fn->f.label_count >= 65535)
        return berr(fn->owner, STOFFEL_ERR_LIMIT, "function '%s': more than 65535 labels", fn->f.name);
    if (fn->f.label_count == fn->f.label_cap) {
        size_t cap = fn->f.label_cap ? fn->f.label_cap * 2 : 8;
        vm_label *l = realloc(fn->f.labels, cap * sizeof *l);
        if (!l)
            return berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory");
        fn->f.labels = l;
        fn->f.label_cap = cap;
    }
    vm_label *l = &fn->f.labels[fn->f.label_count];
    if (!(l->name = vm_strndup(name, strlen(name))))
        return berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory");
    l->target = VM_NO_TARGET;
    *index = fn->f.label_count++;
    return 0;
}

int stoffel_vm_fn_label(stoffel_vm_fn *fn, const char *name)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    size_t i;
    int rc = label_ref(fn, name, &i);
    if (rc)
        return fn_fail(fn, rc);
    if (fn->f.labels[i].target != VM_NO_TARGET)
        return fn_fail(fn, berr(fn->owner, STOFFEL_VM_ERR_DUPLICATE, "function '%s': label '%s' placed twice", fn->f.name, name));
    fn->f.labels[i].target = (uint32_t)fn->f.instr_count;
    return 0;
}

/* ---- instructions ------------------------------------------------------------------------- */

static int emit(stoffel_vm_fn *fn, uint8_t op, uint32_t a, uint32_t b, uint32_t c)
{
    if (fn->f.instr_count >= VM_MAX_INSTRUCTIONS)
        return fn_fail(fn, berr(fn->owner, STOFFEL_ERR_LIMIT, "function '%s': more than %u instructions", fn->f.name, VM_MAX_INSTRUCTIONS));
    if (fn->f.instr_count == fn->f.instr_cap) {
        size_t cap = fn->f.instr_cap ? fn->f.instr_cap * 2 : 32;
        vm_instr *code = realloc(fn->f.code, cap * sizeof *code);
        if (!code)
            return fn_fail(fn, berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory"));
        fn->f.code = code;
        fn->f.instr_cap = cap;
    }
    fn->f.code[fn->f.instr_count++] = (vm_instr){.op = op, .a = a, .b = b, .c = c};
    return 0;
}

int stoffel_vm_fn_ld(stoffel_vm_fn *fn, uint32_t dst, int32_t offset)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_LD, dst, (uint32_t)offset, 0);
}

int stoffel_vm_fn_ldi(stoffel_vm_fn *fn, uint32_t dst, uint32_t constant)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    if (constant >= fn->owner->pool.count)
        return fn_fail(fn, berr(fn->owner, STOFFEL_ERR_INVALID_ARG, "LDI of constant %u, but the pool has %zu", constant, fn->owner->pool.count));
    return emit(fn, STOFFEL_VM_OP_LDI, dst, constant, 0);
}

int stoffel_vm_fn_ldi_value(stoffel_vm_fn *fn, uint32_t dst, const stoffel_vm_value *value)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    uint32_t k;
    int rc = stoffel_vm_builder_constant(fn->owner, value, &k);
    if (rc)
        return fn_fail(fn, rc);
    return emit(fn, STOFFEL_VM_OP_LDI, dst, k, 0);
}

int stoffel_vm_fn_ldi_i64(stoffel_vm_fn *fn, uint32_t dst, int64_t x)
{
    stoffel_vm_value v = stoffel_vm_value_int(STOFFEL_VM_I64, x);
    return stoffel_vm_fn_ldi_value(fn, dst, &v);
}

int stoffel_vm_fn_ldi_bool(stoffel_vm_fn *fn, uint32_t dst, int b)
{
    stoffel_vm_value v = stoffel_vm_value_bool(b);
    return stoffel_vm_fn_ldi_value(fn, dst, &v);
}

int stoffel_vm_fn_ldi_string(stoffel_vm_fn *fn, uint32_t dst, const char *s)
{
    if (!s)
        return STOFFEL_ERR_INVALID_ARG;
    stoffel_vm_value v = stoffel_vm_value_string(s, strlen(s));
    return stoffel_vm_fn_ldi_value(fn, dst, &v);
}

int stoffel_vm_fn_ldi_unit(stoffel_vm_fn *fn, uint32_t dst)
{
    stoffel_vm_value v = stoffel_vm_value_unit();
    return stoffel_vm_fn_ldi_value(fn, dst, &v);
}

int stoffel_vm_fn_mov(stoffel_vm_fn *fn, uint32_t dst, uint32_t src)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_MOV, dst, src, 0);
}

int stoffel_vm_fn_binop(stoffel_vm_fn *fn, stoffel_vm_opcode op, uint32_t dst, uint32_t a, uint32_t b)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    if (opcode_shape((int)op) != SHAPE_RRR)
        return fn_fail(fn, berr(fn->owner, STOFFEL_ERR_INVALID_ARG, "stoffel_vm_fn_binop: opcode %d is not a three-register operation", (int)op));
    return emit(fn, (uint8_t)op, dst, a, b);
}

int stoffel_vm_fn_not(stoffel_vm_fn *fn, uint32_t dst, uint32_t src)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_NOT, dst, src, 0);
}

int stoffel_vm_fn_cmp(stoffel_vm_fn *fn, uint32_t a, uint32_t b)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_CMP, a, b, 0);
}

int stoffel_vm_fn_jump(stoffel_vm_fn *fn, stoffel_vm_opcode op, const char *label)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    if (opcode_shape((int)op) != SHAPE_LABEL)
        return fn_fail(fn, berr(fn->owner, STOFFEL_ERR_INVALID_ARG, "stoffel_vm_fn_jump: opcode %d is not a jump", (int)op));
    size_t li;
    int rc = label_ref(fn, label, &li);
    if (rc)
        return fn_fail(fn, rc);
    return emit(fn, (uint8_t)op, VM_NO_TARGET, (uint32_t)li, 0);
}

int stoffel_vm_fn_call(stoffel_vm_fn *fn, const char *name)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    int rc = append_name(fn, &fn->f.names, &fn->f.name_count, "call target", name);
    /* append_name caps at 65535 for metadata; CALL names are per instruction, so undo that cap. */
    if (rc == STOFFEL_ERR_LIMIT) {
        char **a = realloc(fn->f.names, (fn->f.name_count + 1) * sizeof *a);
        if (!a || !(a[fn->f.name_count] = vm_strndup(name, strlen(name))))
            return fn_fail(fn, berr(fn->owner, STOFFEL_ERR_NOMEM, "out of memory"));
        fn->f.names = a;
        fn->f.name_count++;
        rc = 0;
    }
    if (rc)
        return fn_fail(fn, rc);
    return emit(fn, STOFFEL_VM_OP_CALL, (uint32_t)(fn->f.name_count - 1), 0, 0);
}

int stoffel_vm_fn_ret(stoffel_vm_fn *fn, uint32_t src)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_RET, src, 0, 0);
}

int stoffel_vm_fn_pusharg(stoffel_vm_fn *fn, uint32_t src)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_PUSHARG, src, 0, 0);
}

int stoffel_vm_fn_nop(stoffel_vm_fn *fn)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_NOP, 0, 0, 0);
}

int stoffel_vm_fn_lds(stoffel_vm_fn *fn, uint32_t dst, uint32_t slot)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_LDS, dst, slot, 0);
}

int stoffel_vm_fn_sts(stoffel_vm_fn *fn, uint32_t slot, uint32_t src)
{
    if (!fn)
        return STOFFEL_ERR_INVALID_ARG;
    return emit(fn, STOFFEL_VM_OP_STS, slot, src, 0);
}

/* ---- value constructors ------------------------------------------------------------------- */

stoffel_vm_value stoffel_vm_value_unit(void)
{
    stoffel_vm_value v;
    memset(&v, 0, sizeof v);
    v.kind = STOFFEL_VM_UNIT;
    return v;
}

stoffel_vm_value stoffel_vm_value_int(stoffel_vm_value_kind kind, int64_t x)
{
    stoffel_vm_value v = stoffel_vm_value_unit();
    v.kind = kind;
    if (kind >= STOFFEL_VM_U8 && kind <= STOFFEL_VM_U64)
        v.as.u = (uint64_t)x;
    else
        v.as.i = x;
    return v;
}

stoffel_vm_value stoffel_vm_value_uint(stoffel_vm_value_kind kind, uint64_t x)
{
    stoffel_vm_value v = stoffel_vm_value_unit();
    v.kind = kind;
    if (kind >= STOFFEL_VM_I64 && kind <= STOFFEL_VM_I8)
        v.as.i = (int64_t)x;
    else
        v.as.u = x;
    return v;
}

stoffel_vm_value stoffel_vm_value_float(double x)
{
    stoffel_vm_value v = stoffel_vm_value_unit();
    v.kind = STOFFEL_VM_FLOAT;
    v.as.f = x;
    return v;
}

stoffel_vm_value stoffel_vm_value_bool(int b)
{
    stoffel_vm_value v = stoffel_vm_value_unit();
    v.kind = STOFFEL_VM_BOOL;
    v.as.b = b != 0;
    return v;
}

stoffel_vm_value stoffel_vm_value_string(const char *s, size_t len)
{
    stoffel_vm_value v = stoffel_vm_value_unit();
    v.kind = STOFFEL_VM_STRING;
    v.as.str.ptr = s;
    v.as.str.len = len;
    return v;
}
