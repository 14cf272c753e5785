/* program.c - the program object: lifetime, introspection, and helpers on functions and types. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program_internal.h"

static const char *const opcode_names[256] = {
#define NAME_(name, byte, shape) [byte] = #name,
    STOFFEL_VM_OPCODES(NAME_)
#undef NAME_
};

static const signed char opcode_shapes[256] = {
#define SHAPE_(name, byte, shape) [byte] = SHAPE_##shape + 1,
    STOFFEL_VM_OPCODES(SHAPE_)
#undef SHAPE_
};

const char *stoffel_vm_opcode_name(int opcode)
{
    if (opcode < 0 || opcode > 255)
        return NULL;
    return opcode_names[opcode];
}

int opcode_shape(int op)
{
    if (op < 0 || op > 255 || opcode_shapes[op] == 0)
        return -1;
    return opcode_shapes[op] - 1;
}

void vm_set_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || err_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

char *vm_strndup(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (!d)
        return NULL;
    if (len)
        memcpy(d, s, len);
    d[len] = 0;
    return d;
}

void *pm_calloc(const stoffel_vm_allocator *m, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    void *p = pm_malloc(m, bytes);
    if (p)
        memset(p, 0, bytes ? bytes : 1);
    return p;
}

char *pm_strndup(const stoffel_vm_allocator *m, const char *s, size_t len)
{
    char *p = pm_malloc(m, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = 0;
    }
    return p;
}

int vm_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* Reject overlong forms, surrogates and values past U+10FFFF. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* ---- types -------------------------------------------------------------------------------- */

void vm_type_free(const stoffel_vm_allocator *m, stoffel_vm_type *t)
{
    if (!t)
        return;
    vm_type_free(m, (stoffel_vm_type *)t->inner);
    vm_type_free(m, (stoffel_vm_type *)t->value);
    for (size_t i = 0; i < t->arg_count; i++)
        vm_type_free(m, (stoffel_vm_type *)t->args[i]);
    pm_free(m, (void *)t->args);
    pm_free(m, (char *)t->name);
    pm_free(m, t);
}

stoffel_vm_type *vm_type_copy(const stoffel_vm_allocator *m, const stoffel_vm_type *t, int *nomem)
{
    if (!t)
        return NULL;
    stoffel_vm_type *c = pm_calloc(m, 1, sizeof *c);
    if (!c)
        goto oom;
    c->kind = t->kind;
    c->is_signed = t->is_signed;
    c->bits = t->bits;
    if (t->name && !(c->name = pm_strndup(m, t->name, strlen(t->name))))
        goto oom_c;
    if (t->inner && !(c->inner = vm_type_copy(m, t->inner, nomem)))
        goto oom_c;
    if (t->value && !(c->value = vm_type_copy(m, t->value, nomem)))
        goto oom_c;
    if (t->arg_count) {
        stoffel_vm_type **args = pm_calloc(m, t->arg_count, sizeof *args);
        if (!args)
            goto oom_c;
        c->args = (const stoffel_vm_type *const *)args;
        c->arg_count = t->arg_count;
        for (size_t i = 0; i < t->arg_count; i++)
            if (!(args[i] = vm_type_copy(m, t->args[i], nomem)))
                goto oom_c;
    }
    return c;
oom_c:
    vm_type_free(m, c);
oom:
    *nomem = 1;
    return NULL;
}

/* ---- functions ---------------------------------------------------------------------------- */

static void free_names(const stoffel_vm_allocator *m, char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pm_free(m, names[i]);
    pm_free(m, names);
}

void vm_function_clear(const stoffel_vm_allocator *m, vm_function *fn)
{
    pm_free(m, fn->name);
    free_names(m, fn->params, fn->param_count);
    if (fn->param_types)
        for (size_t i = 0; i < fn->param_count; i++)
            vm_type_free(m, fn->param_types[i]);
    pm_free(m, fn->param_types);
    vm_type_free(m, fn->return_type);
    free_names(m, fn->upvalues, fn->upvalue_count);
    pm_free(m, fn->parent);
    for (size_t i = 0; i < fn->label_count; i++)
        pm_free(m, fn->labels[i].name);
    pm_free(m, fn->labels);
    pm_free(m, fn->code);
    free_names(m, fn->names, fn->name_count);
    memset(fn, 0, sizeof *fn);
}

static char **copy_names(const stoffel_vm_allocator *m, char *const *src, size_t n, int *nomem)
{
    if (n == 0)
        return NULL;
    char **d = pm_calloc(m, n, sizeof *d);
    if (!d) {
        *nomem = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!(d[i] = pm_strndup(m, src[i], strlen(src[i]))))
            *nomem = 1;
    return d;
}

int vm_function_copy(const stoffel_vm_allocator *m, vm_function *dst, const vm_function *src)
{
    int nomem = 0;
    memset(dst, 0, sizeof *dst);
    dst->stored_registers = src->stored_registers;
    dst->frame_size = src->frame_size;
    dst->has_types = src->has_types;
    dst->name = pm_strndup(m, src->name, strlen(src->name));
    nomem |= !dst->name;
    dst->param_count = src->param_count;
    dst->params = copy_names(m, src->params, src->param_count, &nomem);
    if (src->param_types && src->param_count) {
        dst->param_types = pm_calloc(m, src->param_count, sizeof *dst->param_types);
        nomem |= !dst->param_types;
        for (size_t i = 0; dst->param_types && i < src->param_count; i++)
            dst->param_types[i] = vm_type_copy(m, src->param_types[i], &nomem);
    }
    dst->return_type = vm_type_copy(m, src->return_type, &nomem);
    dst->upvalue_count = src->upvalue_count;
    dst->upvalues = copy_names(m, src->upvalues, src->upvalue_count, &nomem);
    if (src->parent) {
        dst->parent = pm_strndup(m, src->parent, strlen(src->parent));
        nomem |= !dst->parent;
    }
    if (src->label_count) {
        dst->labels = pm_calloc(m, src->label_count, sizeof *dst->labels);
        nomem |= !dst->labels;
        for (size_t i = 0; dst->labels && i < src->label_count; i++) {
            dst->labels[i].target = src->labels[i].target;
            dst->labels[i].name = pm_strndup(m, src->labels[i].name, strlen(src->labels[i].name));
            nomem |= !dst->labels[i].name;
        }
        if (dst->labels)
            dst->label_count = dst->label_cap = src->label_count;
    }
    if (src->instr_count) {
        dst->code = pm_malloc(m, src->instr_count * sizeof *dst->code);
        nomem |= !dst->code;
        if (dst->code) {
            memcpy(dst->code, src->code, src->instr_count * sizeof *dst->code);
            dst->instr_count = dst->instr_cap = src->instr_count;
        }
    }
    dst->name_count = dst->name_cap = src->name_count;
    dst->names = copy_names(m, src->names, src->name_count, &nomem);
    if (src->name_count && !dst->names)
        dst->name_count = 0;
    if (nomem) {
        vm_function_clear(m, dst);
        return STOFFEL_ERR_NOMEM;
    }
    return 0;
}

static void note_reg(uint32_t r, uint64_t *max)
{
    if ((uint64_t)r + 1 > *max)
        *max = (uint64_t)r + 1;
}

/* Calls note on every register operand of instruction in. */
static void instr_registers(const vm_instr *in, void (*note)(uint32_t, uint64_t *), uint64_t *acc)
{
    switch (opcode_shape(in->op)) {
    case SHAPE_R:
    case SHAPE_RI:
    case SHAPE_RK:
        note(in->a, acc);
        break;
    case SHAPE_RR:
        if (in->op == STOFFEL_VM_OP_LDS)
            note(in->a, acc);
        else if (in->op == STOFFEL_VM_OP_STS)
            note(in->b, acc);
        else {
            note(in->a, acc);
            note(in->b, acc);
        }
        break;
    case SHAPE_RRR:
        note(in->a, acc);
        note(in->b, acc);
        note(in->c, acc);
        break;
    default:
        break;
    }
}

int vm_function_normalise(const stoffel_vm_allocator *m, vm_function *fn)
{
    vm_instr *code = pm_realloc(m, fn->code, (fn->instr_count + 1) * sizeof *code);
    if (!code)
        return STOFFEL_ERR_NOMEM;
    fn->code = code;
    fn->instr_cap = fn->instr_count + 1;
    code[fn->instr_count] = (vm_instr){.op = VM_OP_END, .xop = VM_OP_END};
    for (size_t i = 0; i < fn->instr_count; i++)
        code[i].xop = code[i].op;
    /* Fuse CMP + conditional jump unless the jump is itself a jump target. */
    uint8_t *target = pm_calloc(m, fn->instr_count + 1, 1);
    if (!target)
        return STOFFEL_ERR_NOMEM;
    for (size_t i = 0; i < fn->instr_count; i++)
        if (opcode_shape(code[i].op) == SHAPE_LABEL && code[i].a <= fn->instr_count)
            target[code[i].a] = 1;
    for (size_t i = 0; i + 1 < fn->instr_count; i++) {
        if (code[i].op != STOFFEL_VM_OP_CMP || target[i + 1])
            continue;
        switch (code[i + 1].op) {
        case STOFFEL_VM_OP_JMPEQ: code[i].xop = VM_XOP_CMP_JMPEQ; break;
        case STOFFEL_VM_OP_JMPNEQ: code[i].xop = VM_XOP_CMP_JMPNEQ; break;
        case STOFFEL_VM_OP_JMPLT: code[i].xop = VM_XOP_CMP_JMPLT; break;
        case STOFFEL_VM_OP_JMPGT: code[i].xop = VM_XOP_CMP_JMPGT; break;
        default: break;
        }
    }
    pm_free(m, target);
    /* Fuse an ADD, SUB or MOD into a fused compare-and-jump that follows it. A jump landing on
     * the CMP still runs the CMP's own fused form. */
    for (size_t i = 0; i + 1 < fn->instr_count; i++) {
        int cond = code[i + 1].xop - VM_XOP_CMP_JMPEQ;
        if (cond < 0 || cond > 3)
            continue;
        switch (code[i].op) {
        case STOFFEL_VM_OP_ADD: code[i].xop = (uint8_t)(VM_XOP_ADD_CJ + cond); break;
        case STOFFEL_VM_OP_SUB: code[i].xop = (uint8_t)(VM_XOP_SUB_CJ + cond); break;
        case STOFFEL_VM_OP_MOD: code[i].xop = (uint8_t)(VM_XOP_MOD_CJ + cond); break;
        default: break;
        }
    }
    uint64_t frame = fn->stored_registers;
    if (frame < 1)
        frame = 1;
    if (fn->param_count > frame)
        frame = fn->param_count;
    for (size_t i = 0; i < fn->instr_count; i++)
        instr_registers(&fn->code[i], note_reg, &frame);
    fn->frame_size = frame > UINT32_MAX ? UINT32_MAX : (uint32_t)frame;
    return 0;
}

static void note_bank(uint32_t r, uint64_t *acc)
{
    /* acc[0] = clear max + 1, acc[1] = secret max + 1 (relative to the default split, 16). */
    if (r < 16) {
        if (r + 1u > acc[0])
            acc[0] = r + 1u;
    } else if ((uint64_t)r - 16 + 1 > acc[1]) {
        acc[1] = (uint64_t)r - 16 + 1;
    }
}

void vm_function_register_use(const vm_function *fn, uint32_t secret_start, uint32_t *clear,
                              uint32_t *secret)
{
    (void)secret_start;
    uint64_t acc[2] = {0, 0};
    for (size_t i = 0; i < fn->instr_count; i++)
        instr_registers(&fn->code[i], note_bank, acc);
    *clear = (uint32_t)acc[0];
    *secret = acc[1] > UINT32_MAX ? UINT32_MAX : (uint32_t)acc[1];
}

/* ---- program ------------------------------------------------------------------------------ */

stoffel_vm_program *vm_program_alloc(const stoffel_vm_allocator *m)
{
    stoffel_vm_allocator mem;
    vm_allocator_resolve(m, &mem);
    stoffel_vm_program *p = pm_calloc(&mem, 1, sizeof *p);
    if (p) {
        p->version = VM_FORMAT_VERSION;
        p->mem = mem;
    }
    return p;
}

int vm_program_finish(stoffel_vm_program *p)
{
    const stoffel_vm_allocator *m = &p->mem;
    if (p->client_count) {
        p->client_views = pm_calloc(m, p->client_count, sizeof *p->client_views);
        if (!p->client_views)
            return STOFFEL_ERR_NOMEM;
        for (size_t i = 0; i < p->client_count; i++) {
            p->client_views[i].slot = p->clients[i].slot;
            p->client_views[i].input_count = p->clients[i].input_count;
            p->client_views[i].inputs = p->clients[i].inputs;
            p->client_views[i].output_count = p->clients[i].output_count;
            p->client_views[i].outputs = p->clients[i].outputs;
        }
    }
    return 0;
}

long vm_program_find(const stoffel_vm_program *p, const char *name)
{
    for (size_t i = 0; i < p->fn_count; i++)
        if (strcmp(p->fns[i].name, name) == 0)
            return (long)i;
    return -1;
}

void stoffel_vm_program_free(stoffel_vm_program *p)
{
    if (!p)
        return;
    stoffel_vm_allocator mem = p->mem;
    for (size_t i = 0; i < p->const_count; i++)
        if (p->consts[i].kind == STOFFEL_VM_STRING)
            pm_free(&mem, (char *)p->consts[i].as.str.ptr);
    pm_free(&mem, p->consts);
    for (size_t i = 0; i < p->fn_count; i++)
        vm_function_clear(&mem, &p->fns[i]);
    pm_free(&mem, p->fns);
    for (size_t i = 0; i < p->client_count; i++) {
        pm_free(&mem, p->clients[i].inputs);
        pm_free(&mem, p->clients[i].outputs);
    }
    pm_free(&mem, p->clients);
    pm_free(&mem, p->client_views);
    pm_free(&mem, p);
}

unsigned stoffel_vm_program_version(const stoffel_vm_program *p) { return p->version; }
stoffel_vm_backend stoffel_vm_program_backend(const stoffel_vm_program *p) { return p->backend; }
stoffel_vm_curve stoffel_vm_program_curve(const stoffel_vm_program *p) { return p->curve; }

void stoffel_vm_program_demand(const stoffel_vm_program *p, stoffel_vm_demand *out)
{
    *out = p->demand;
}

size_t stoffel_vm_program_client_count(const stoffel_vm_program *p) { return p->client_count; }

int stoffel_vm_program_client(const stoffel_vm_program *p, size_t index, stoffel_vm_client_schema *out)
{
    if (!p || !out || index >= p->client_count)
        return STOFFEL_ERR_INVALID_ARG;
    *out = p->client_views[index];
    return 0;
}

size_t stoffel_vm_program_function_count(const stoffel_vm_program *p) { return p->fn_count; }

int stoffel_vm_program_function(const stoffel_vm_program *p, size_t index, stoffel_vm_function_info *out)
{
    if (!p || !out || index >= p->fn_count)
        return STOFFEL_ERR_INVALID_ARG;
    const vm_function *fn = &p->fns[index];
    memset(out, 0, sizeof *out);
    out->name = fn->name;
    out->param_count = fn->param_count;
    out->param_names = (const char *const *)fn->params;
    out->param_types = fn->has_types ? (const stoffel_vm_type *const *)fn->param_types : NULL;
    out->return_type = fn->has_types ? fn->return_type : NULL;
    out->upvalue_count = fn->upvalue_count;
    out->upvalue_names = (const char *const *)fn->upvalues;
    out->parent = fn->parent;
    out->register_count = fn->frame_size;
    out->instruction_count = fn->instr_count;
    out->label_count = fn->label_count;
    return 0;
}

int stoffel_vm_program_find_function(const stoffel_vm_program *p, const char *name, size_t *index)
{
    if (!p || !name || !index)
        return STOFFEL_ERR_INVALID_ARG;
    long i = vm_program_find(p, name);
    if (i < 0)
        return STOFFEL_ERR_NOT_FOUND;
    *index = (size_t)i;
    return 0;
}

size_t stoffel_vm_program_constant_count(const stoffel_vm_program *p) { return p->const_count; }

int stoffel_vm_program_constant(const stoffel_vm_program *p, size_t index, stoffel_vm_value *out)
{
    if (!p || !out || index >= p->const_count)
        return STOFFEL_ERR_INVALID_ARG;
    *out = p->consts[index];
    return 0;
}

void stoffel_vm_bytes_free(void *ptr) { free(ptr); }
