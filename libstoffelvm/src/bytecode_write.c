/* bytecode_write.c - the deterministic version-9 .stflb writer (spec §6.7). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program_internal.h"

typedef struct {
    uint8_t *buf;
    size_t len, cap;
    int failed;
} wbuf;

static void wb_reserve(wbuf *w, size_t n)
{
    if (w->failed || w->len + n <= w->cap)
        return;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n)
        cap *= 2;
    uint8_t *b = realloc(w->buf, cap);
    if (!b) {
        w->failed = STOFFEL_ERR_NOMEM;
        return;
    }
    w->buf = b;
    w->cap = cap;
}

static void wb_bytes(wbuf *w, const void *p, size_t n)
{
    wb_reserve(w, n);
    if (w->failed)
        return;
    if (n)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void wb_le(wbuf *w, uint64_t x, int n)
{
    uint8_t b[8];
    for (int i = 0; i < n; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    wb_bytes(w, b, (size_t)n);
}

static void wb_u8(wbuf *w, uint8_t x) { wb_le(w, x, 1); }
static void wb_u16(wbuf *w, uint16_t x) { wb_le(w, x, 2); }
static void wb_u32(wbuf *w, uint32_t x) { wb_le(w, x, 4); }
static void wb_u64(wbuf *w, uint64_t x) { wb_le(w, x, 8); }

static void wb_str16(wbuf *w, const char *s)
{
    size_t n = strlen(s);
    if (n > 65535) {
        w->failed = STOFFEL_ERR_LIMIT;
        return;
    }
    wb_u16(w, (uint16_t)n);
    wb_bytes(w, s, n);
}

static void write_const(wbuf *w, const stoffel_vm_value *v)
{
    wb_u8(w, (uint8_t)v->kind);
    switch (v->kind) {
    case STOFFEL_VM_UNIT: break;
    case STOFFEL_VM_I64: wb_u64(w, (uint64_t)v->as.i); break;
    case STOFFEL_VM_I32: wb_u32(w, (uint32_t)v->as.i); break;
    case STOFFEL_VM_I16: wb_u16(w, (uint16_t)v->as.i); break;
    case STOFFEL_VM_I8: wb_u8(w, (uint8_t)v->as.i); break;
    case STOFFEL_VM_U8: wb_u8(w, (uint8_t)v->as.u); break;
    case STOFFEL_VM_U16: wb_u16(w, (uint16_t)v->as.u); break;
    case STOFFEL_VM_U32: wb_u32(w, (uint32_t)v->as.u); break;
    case STOFFEL_VM_U64: wb_u64(w, v->as.u); break;
    case STOFFEL_VM_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &v->as.f, sizeof bits);
        wb_u64(w, bits);
        break;
    }
    case STOFFEL_VM_BOOL: wb_u8(w, v->as.b ? 1 : 0); break;
    case STOFFEL_VM_STRING:
        if (v->as.str.len > VM_MAX_STRING) {
            w->failed = STOFFEL_ERR_LIMIT;
            return;
        }
        wb_u32(w, (uint32_t)v->as.str.len);
        wb_bytes(w, v->as.str.ptr, v->as.str.len);
        break;
    default: w->failed = STOFFEL_ERR_INTERNAL; break;
    }
}

static void write_type(wbuf *w, const stoffel_vm_type *t, int depth)
{
    if (depth > 64) {
        w->failed = STOFFEL_ERR_LIMIT;
        return;
    }
    if (!t) {
        wb_u8(w, STOFFEL_VM_TYPE_UNKNOWN);
        return;
    }
    wb_u8(w, (uint8_t)t->kind);
    switch (t->kind) {
    case STOFFEL_VM_TYPE_INT:
        wb_u8(w, t->is_signed ? 1 : 0);
        wb_u8(w, t->bits ? t->bits : 64);
        break;
    case STOFFEL_VM_TYPE_SECRET:
    case STOFFEL_VM_TYPE_LIST: write_type(w, t->inner, depth + 1); break;
    case STOFFEL_VM_TYPE_DICT:
        write_type(w, t->inner, depth + 1);
        write_type(w, t->value, depth + 1);
        break;
    case STOFFEL_VM_TYPE_OBJECT:
    case STOFFEL_VM_TYPE_TYPEVAR: wb_str16(w, t->name ? t->name : ""); break;
    case STOFFEL_VM_TYPE_GENERIC:
        wb_str16(w, t->name ? t->name : "");
        if (t->arg_count > 65535) {
            w->failed = STOFFEL_ERR_LIMIT;
            return;
        }
        wb_u16(w, (uint16_t)t->arg_count);
        for (size_t i = 0; i < t->arg_count; i++)
            write_type(w, t->args[i], depth + 1);
        break;
    case STOFFEL_VM_TYPE_FIXED: wb_u8(w, t->bits ? t->bits : 64); break;
    default: break;
    }
}

static void write_share_type(wbuf *w, const stoffel_vm_share_type *t)
{
    wb_u8(w, (uint8_t)t->kind);
    wb_u32(w, t->bits);
    if (t->kind == STOFFEL_VM_SECRET_FIXED)
        wb_u32(w, t->frac);
}

/* Function order: main first, then byte-wise by name. */
static int fn_order_cmp(const void *a, const void *b)
{
    const vm_function *x = *(const vm_function *const *)a, *y = *(const vm_function *const *)b;
    int xm = strcmp(x->name, "main") == 0, ym = strcmp(y->name, "main") == 0;
    if (xm != ym)
        return ym - xm;
    return strcmp(x->name, y->name); /* strcmp compares as unsigned char: byte-wise */
}

/* Label order: target index, then name. */
static int label_order_cmp(const void *a, const void *b)
{
    const vm_label *x = *(const vm_label *const *)a, *y = *(const vm_label *const *)b;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void write_function(wbuf *w, const vm_function *f, const uint32_t *const_map)
{
    wb_str16(w, f->name);
    uint32_t regs = f->frame_size;
    wb_u16(w, (uint16_t)(regs > 65535 ? 65535 : regs));
    if (f->param_count > 65535 || f->upvalue_count > 65535 || f->label_count > 65535) {
        w->failed = STOFFEL_ERR_LIMIT;
        return;
    }
    wb_u16(w, (uint16_t)f->param_count);
    for (size_t i = 0; i < f->param_count; i++)
        wb_str16(w, f->params[i]);
    wb_u16(w, (uint16_t)f->param_count);
    for (size_t i = 0; i < f->param_count; i++)
        write_type(w, f->param_types ? f->param_types[i] : NULL, 0);
    write_type(w, f->return_type, 0);
    wb_u16(w, (uint16_t)f->upvalue_count);
    for (size_t i = 0; i < f->upvalue_count; i++)
        wb_str16(w, f->upvalues[i]);
    if (f->parent) {
        wb_u8(w, 1);
        wb_str16(w, f->parent);
    } else {
        wb_u8(w, 0);
    }
    const vm_label **labels = NULL;
    if (f->label_count) {
        labels = malloc(f->label_count * sizeof *labels);
        if (!labels) {
            w->failed = STOFFEL_ERR_NOMEM;
            return;
        }
        for (size_t i = 0; i < f->label_count; i++)
            labels[i] = &f->labels[i];
        qsort(labels, f->label_count, sizeof *labels, label_order_cmp);
    }
    wb_u16(w, (uint16_t)f->label_count);
    for (size_t i = 0; i < f->label_count; i++) {
        wb_str16(w, labels[i]->name);
        wb_u32(w, labels[i]->target);
    }
    free(labels);
    wb_u32(w, (uint32_t)f->instr_count);
    for (size_t i = 0; i < f->instr_count && !w->failed; i++) {
        const vm_instr *in = &f->code[i];
        wb_u8(w, in->op);
        switch (opcode_shape(in->op)) {
        case SHAPE_NONE: break;
        case SHAPE_R: wb_u32(w, in->a); break;
        case SHAPE_RI:
        case SHAPE_RR:
            wb_u32(w, in->a);
            wb_u32(w, in->b);
            break;
        case SHAPE_RK:
            wb_u32(w, in->a);
            wb_u32(w, const_map[in->b]);
            break;
        case SHAPE_RRR:
            wb_u32(w, in->a);
            wb_u32(w, in->b);
            wb_u32(w, in->c);
            break;
        case SHAPE_LABEL: wb_str16(w, f->labels[in->b].name); break;
        case SHAPE_NAME: wb_str16(w, f->names[in->a]); break;
        default: w->failed = STOFFEL_ERR_INTERNAL; break;
        }
    }
}

int stoffel_vm_program_write(const stoffel_vm_program *p, uint8_t **bytes, size_t *len)
{
    if (!p || !bytes || !len)
        return STOFFEL_ERR_INVALID_ARG;
    wbuf w = {0};
    int rc = 0;
    const vm_function **order = NULL;
    uint32_t *const_map = NULL;
    vm_const_pool pool = {0};
    if (p->fn_count) {
        order = malloc(p->fn_count * sizeof *order);
        if (!order)
            return STOFFEL_ERR_NOMEM;
        for (size_t i = 0; i < p->fn_count; i++)
            order[i] = &p->fns[i];
        qsort(order, p->fn_count, sizeof *order, fn_order_cmp);
    }
    /* Constants: deduplicated, in order of first use by LDI in the written function order. */
    if (p->const_count) {
        const_map = malloc(p->const_count * sizeof *const_map);
        if (!const_map) {
            rc = STOFFEL_ERR_NOMEM;
            goto done;
        }
        for (size_t i = 0; i < p->const_count; i++)
            const_map[i] = UINT32_MAX;
        for (size_t f = 0; f < p->fn_count; f++)
            for (size_t i = 0; i < order[f]->instr_count; i++) {
                const vm_instr *in = &order[f]->code[i];
                if (in->op != STOFFEL_VM_OP_LDI || const_map[in->b] != UINT32_MAX)
                    continue;
                if ((rc = vm_const_pool_add(&pool, &p->consts[in->b], &const_map[in->b])))
                    goto done;
            }
    }
    wb_bytes(&w, "STFL", 4);
    wb_u16(&w, VM_FORMAT_VERSION);
    wb_u32(&w, (uint32_t)pool.count);
    for (size_t i = 0; i < pool.count; i++)
        write_const(&w, &pool.vals[i]);
    wb_u32(&w, (uint32_t)p->fn_count);
    for (size_t f = 0; f < p->fn_count && !w.failed; f++)
        write_function(&w, order[f], const_map);
    /* Manifest (v9: backend, curve, clients, demand). */
    wb_u8(&w, (uint8_t)p->backend);
    wb_u8(&w, (uint8_t)p->curve);
    wb_u32(&w, (uint32_t)p->client_count);
    for (size_t c = 0; c < p->client_count; c++) {
        const vm_client *cl = &p->clients[c];
        wb_u64(&w, cl->slot);
        wb_u32(&w, (uint32_t)cl->input_count);
        for (size_t i = 0; i < cl->input_count; i++)
            write_share_type(&w, &cl->inputs[i]);
        wb_u32(&w, (uint32_t)cl->output_count);
        for (size_t i = 0; i < cl->output_count; i++)
            write_share_type(&w, &cl->outputs[i]);
    }
    wb_u64(&w, p->demand.triples);
    wb_u64(&w, p->demand.randoms);
    wb_u64(&w, p->demand.prandbits);
    wb_u64(&w, p->demand.prandints);
    wb_u8(&w, p->demand.dynamic ? 1 : 0);
    rc = w.failed;
done:
    vm_const_pool_free(&pool);
    free(const_map);
    free((void *)order);
    if (rc) {
        free(w.buf);
        return rc;
    }
    *bytes = w.buf;
    *len = w.len;
    return 0;
}

int stoffel_vm_program_write_file(const stoffel_vm_program *p, const char *path)
{
    if (!p || !path)
        return STOFFEL_ERR_INVALID_ARG;
    uint8_t *bytes;
    size_t len;
    int rc = stoffel_vm_program_write(p, &bytes, &len);
    if (rc)
        return rc;
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(bytes);
        return STOFFEL_ERR_IO;
    }
    size_t n = fwrite(bytes, 1, len, f);
    int closed = fclose(f);
    free(bytes);
    return (n != len || closed != 0) ? STOFFEL_ERR_IO : 0;
}
