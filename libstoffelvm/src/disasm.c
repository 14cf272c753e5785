/* disasm.c - the disassembler (language.md §9.4) and the one-instruction formatter it is built on. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program_internal.h"

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_printf(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *s, const char *fmt, ...)
{
    if (s->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(s->buf ? s->buf + s->len : NULL, s->buf ? s->cap - s->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            s->failed = 1;
            return;
        }
        if (s->buf && s->len + (size_t)n < s->cap) {
            s->len += (size_t)n;
            return;
        }
        size_t cap = s->cap ? s->cap : 1024;
        while (cap <= s->len + (size_t)n)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b) {
            s->failed = 1;
            return;
        }
        s->buf = b;
        s->cap = cap;
    }
}

static void quote(sbuf *s, const char *str)
{
    stoffel_vm_value v = stoffel_vm_value_string(str, strlen(str));
    int n = vm_const_format(&v, NULL, 0);
    char *tmp = malloc((size_t)n + 1);
    if (!tmp) {
        s->failed = 1;
        return;
    }
    vm_const_format(&v, tmp, (size_t)n + 1);
    /* Drop the String( ) wrapper: keep the quoted, escaped text. */
    tmp[n - 1] = 0;
    sb_printf(s, "%s", tmp + 7);
    free(tmp);
}

static void format_instr(sbuf *s, const stoffel_vm_program *p, const vm_function *f, const vm_instr *in)
{
    const char *name = stoffel_vm_opcode_name(in->op);
    switch (opcode_shape(in->op)) {
    case SHAPE_NONE: sb_printf(s, "%s", name); break;
    case SHAPE_R: sb_printf(s, "%s(%u)", name, in->a); break;
    case SHAPE_RI: sb_printf(s, "%s(%u, %d)", name, in->a, (int32_t)in->b); break;
    case SHAPE_RK: {
        char tmp[128];
        if (in->b < p->const_count) {
            int n = vm_const_format(&p->consts[in->b], tmp, sizeof tmp);
            if (n >= (int)sizeof tmp) {
                /* Long strings: format in full. */
                char *big = malloc((size_t)n + 1);
                if (!big) {
                    s->failed = 1;
                    return;
                }
                vm_const_format(&p->consts[in->b], big, (size_t)n + 1);
                sb_printf(s, "%s(%u, %s)", name, in->a, big);
                free(big);
                return;
            }
        } else {
            snprintf(tmp, sizeof tmp, "#%u", in->b);
        }
        sb_printf(s, "%s(%u, %s)", name, in->a, tmp);
        break;
    }
    case SHAPE_RR: sb_printf(s, "%s(%u, %u)", name, in->a, in->b); break;
    case SHAPE_RRR: sb_printf(s, "%s(%u, %u, %u)", name, in->a, in->b, in->c); break;
    case SHAPE_LABEL:
        sb_printf(s, "%s(", name);
        quote(s, f->labels[in->b].name);
        sb_printf(s, ")");
        break;
    case SHAPE_NAME:
        sb_printf(s, "%s(", name);
        quote(s, f->names[in->a]);
        sb_printf(s, ")");
        break;
    default: sb_printf(s, "?"); break;
    }
}

int stoffel_vm_program_format_instruction(const stoffel_vm_program *p, size_t fi, size_t index,
                                          char *buf, size_t buf_len)
{
    if (!p || fi >= p->fn_count || index >= p->fns[fi].instr_count)
        return STOFFEL_ERR_INVALID_ARG;
    sbuf s = {0};
    format_instr(&s, p, &p->fns[fi], &p->fns[fi].code[index]);
    if (s.failed) {
        free(s.buf);
        return STOFFEL_ERR_NOMEM;
    }
    int n = (int)s.len;
    if (buf && buf_len) {
        size_t c = s.len < buf_len - 1 ? s.len : buf_len - 1;
        memcpy(buf, s.buf, c);
        buf[c] = 0;
    }
    free(s.buf);
    return n;
}

static const char *type_name(const stoffel_vm_type *t, char *buf, size_t len)
{
    if (!t)
        return "unknown";
    switch (t->kind) {
    case STOFFEL_VM_TYPE_INT: snprintf(buf, len, "%c%u", t->is_signed ? 'i' : 'u', t->bits); return buf;
    case STOFFEL_VM_TYPE_FLOAT: return "float";
    case STOFFEL_VM_TYPE_STRING: return "string";
    case STOFFEL_VM_TYPE_BOOL: return "bool";
    case STOFFEL_VM_TYPE_NIL: return "unit";
    case STOFFEL_VM_TYPE_VOID: return "void";
    case STOFFEL_VM_TYPE_SECRET: return "secret";
    case STOFFEL_VM_TYPE_LIST: return "array";
    case STOFFEL_VM_TYPE_DICT: return "object";
    case STOFFEL_VM_TYPE_OBJECT: return "object";
    case STOFFEL_VM_TYPE_FIXED64: return "fix64";
    case STOFFEL_VM_TYPE_FIXED: snprintf(buf, len, "fix%u", t->bits); return buf;
    default: return "unknown";
    }
}

/* ---- type inference for the listing (language.md §9.4) ------------------------------------ */

static int is_numeric(const char *t)
{
    return t[0] == 'i' || t[0] == 'u' || !strcmp(t, "float") || !strcmp(t, "number");
}

/* Unifies two inferred types: equal stays, two numbers become "number", else "unknown". */
static const char *unify(const char *a, const char *b)
{
    if (!a)
        return b;
    if (!b || !strcmp(a, b))
        return a;
    if (is_numeric(a) && is_numeric(b) && strcmp(a, "unit") && strcmp(b, "unit"))
        return "number";
    return "unknown";
}

static const char *const_type(const stoffel_vm_value *v)
{
    static const char *const names[] = {"unit", "i64", "i32", "i16", "i8", "u8", "u16", "u32", "u64", "float", "bool", "string"};
    return (unsigned)v->kind <= STOFFEL_VM_STRING ? names[v->kind] : "unknown";
}

/*
 * One linear pass over every function, tracking the type of the last write to each register:
 * the PUSHARG registers before `CALL target` give target's parameter types, and target's own RET
 * registers its return type. Control flow is ignored (a listing aid, not a type checker).
 */
static int infer_types(const stoffel_vm_program *p, const vm_function *target, const char **params, const char **ret)
{
    for (size_t i = 0; i < target->param_count; i++)
        params[i] = NULL;
    *ret = NULL;
    for (size_t fi = 0; fi < p->fn_count; fi++) {
        const vm_function *f = &p->fns[fi];
        /* Registers past the first 65536 (only a hostile file has them) are not tracked. */
        uint32_t ntrack = f->frame_size < 65536 ? f->frame_size : 65536;
        const char **reg = calloc(ntrack ? ntrack : 1, sizeof *reg);
        const char **pushed = calloc(f->instr_count + 1, sizeof *pushed);
        if (!reg || !pushed) {
            free(reg);
            free(pushed);
            return STOFFEL_ERR_NOMEM;
        }
        size_t npushed = 0;
        for (size_t k = 0; k < ntrack; k++)
            reg[k] = k >= 16 ? "secret" : "unknown";
#define RD(r) ((r) < ntrack ? reg[(r)] : (r) >= 16 ? "secret" : "unknown")
#define WR(r, v)                   \
    do {                           \
        if ((r) < ntrack)          \
            reg[(r)] = (v);        \
    } while (0)
        for (size_t i = 0; i < f->instr_count; i++) {
            const vm_instr *in = &f->code[i];
            const char *t;
            switch (in->op) {
            case STOFFEL_VM_OP_LDI:
                WR(in->a, in->a >= 16 ? "secret" : in->b < p->const_count ? const_type(&p->consts[in->b]) : "unknown");
                break;
            case STOFFEL_VM_OP_MOV:
                WR(in->a, in->a >= 16 ? "secret" : in->b >= 16 ? "unknown" : RD(in->b));
                break;
            case STOFFEL_VM_OP_NOT: WR(in->a, in->a >= 16 ? "secret" : RD(in->b)); break;
            case STOFFEL_VM_OP_LD:
            case STOFFEL_VM_OP_LDS: WR(in->a, in->a >= 16 ? "secret" : "unknown"); break;
            case STOFFEL_VM_OP_PUSHARG: pushed[npushed++] = RD(in->a); break;
            case STOFFEL_VM_OP_RET:
                if (f == target)
                    *ret = unify(*ret, RD(in->a));
                break;
            case STOFFEL_VM_OP_CALL: {
                const char *name = f->names[in->a];
                if (!strcmp(name, target->name))
                    for (size_t k = 0; k < npushed && k < target->param_count; k++)
                        params[k] = unify(params[k], pushed[k]);
                npushed = 0;
                WR(0u, !strcmp(name, "create_array") ? "array" : !strcmp(name, "create_object") ? "object"
                       : !strcmp(name, "create_closure") ? "closure" : "unknown");
                break;
            }
            default:
                if (opcode_shape(in->op) == SHAPE_RRR) {
                    const char *a = RD(in->b), *b = RD(in->c);
                    if (in->a >= 16 || !strcmp(a, "secret") || !strcmp(b, "secret"))
                        t = "secret";
                    else if (!strcmp(a, b))
                        t = a;
                    else if (!strcmp(a, "unknown")) /* operands share a variant (or int64 with float) */
                        t = b;
                    else if (!strcmp(b, "unknown"))
                        t = a;
                    else if ((!strcmp(a, "float") && !strcmp(b, "i64")) || (!strcmp(a, "i64") && !strcmp(b, "float")))
                        t = "float";
                    else
                        t = "unknown";
                    WR(in->a, t);
                }
                break;
            }
        }
#undef RD
#undef WR
        free(reg);
        free((void *)pushed);
    }
    return 0;
}

static int fn_name_cmp(const void *a, const void *b)
{
    return strcmp((*(const vm_function *const *)a)->name, (*(const vm_function *const *)b)->name);
}

static int label_target_cmp(const void *a, const void *b)
{
    const vm_label *x = *(const vm_label *const *)a, *y = *(const vm_label *const *)b;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    return strcmp(x->name, y->name);
}

static const char *const backend_names[] = {"HoneyBadger", "AVSS"};

int stoffel_vm_program_disassemble(const stoffel_vm_program *p, char **text, size_t *len)
{
    if (!p || !text)
        return STOFFEL_ERR_INVALID_ARG;
    sbuf s = {0};
    char tmp[64];
    sb_printf(&s, "; Stoffel Disassembly\n; Format version: %u\n; MPC backend: %s\n", p->version,
              backend_names[p->backend == STOFFEL_VM_BACKEND_AVSS]);
    sb_printf(&s, ".constants (%zu entries):\n", p->const_count);
    for (size_t i = 0; i < p->const_count && !s.failed; i++) {
        int n = vm_const_format(&p->consts[i], NULL, 0);
        char *c = malloc((size_t)n + 1);
        if (!c) {
            s.failed = 1;
            break;
        }
        vm_const_format(&p->consts[i], c, (size_t)n + 1);
        sb_printf(&s, "  %04zu: %s\n", i, c);
        free(c);
    }
    const vm_function **order = p->fn_count ? malloc(p->fn_count * sizeof *order) : NULL;
    if (p->fn_count && !order)
        s.failed = 1;
    for (size_t i = 0; order && i < p->fn_count; i++)
        order[i] = &p->fns[i];
    if (order)
        qsort(order, p->fn_count, sizeof *order, fn_name_cmp);
    for (size_t fi = 0; order && fi < p->fn_count && !s.failed; fi++) {
        const vm_function *f = order[fi];
        sb_printf(&s, ".function %s\n", f->name);
        if (f->parent)
            sb_printf(&s, "; parent: %s\n", f->parent);
        sb_printf(&s, "; params (%zu): ", f->param_count);
        for (size_t i = 0; i < f->param_count; i++)
            sb_printf(&s, "%s%s", i ? ", " : "", f->params[i]);
        const char **pt = f->param_count ? calloc(f->param_count, sizeof *pt) : NULL;
        const char *rt = NULL;
        if ((f->param_count && !pt) || infer_types(p, f, pt, &rt)) {
            free((void *)pt);
            s.failed = 1;
            break;
        }
        /* Without call sites, fall back to the file's declared types (v5+), else unknown. */
        sb_printf(&s, "\n; inferred param types: (");
        for (size_t i = 0; i < f->param_count; i++)
            sb_printf(&s, "%s%s", i ? ", " : "",
                      pt[i] ? pt[i] : f->param_types && f->param_types[i] ? type_name(f->param_types[i], tmp, sizeof tmp) : "unknown");
        sb_printf(&s, ")\n; inferred return: %s\n",
                  rt ? rt : f->return_type ? type_name(f->return_type, tmp, sizeof tmp) : "unknown");
        free((void *)pt);
        uint32_t clear, secret;
        vm_function_register_use(f, 16, &clear, &secret);
        sb_printf(&s, "; registers: %u (clear %u, secret %u)\n", f->frame_size, clear, secret);
        sb_printf(&s, "; labels: {");
        const vm_label **labels = f->label_count ? malloc(f->label_count * sizeof *labels) : NULL;
        if (f->label_count && !labels) {
            s.failed = 1;
            break;
        }
        for (size_t i = 0; i < f->label_count; i++)
            labels[i] = &f->labels[i];
        if (labels)
            qsort(labels, f->label_count, sizeof *labels, label_target_cmp);
        for (size_t i = 0; i < f->label_count; i++)
            sb_printf(&s, "%s%s: %u", i ? ", " : "", labels[i]->name, labels[i]->target);
        free(labels);
        sb_printf(&s, "}\n; instructions (%zu):\n", f->instr_count);
        for (size_t i = 0; i < f->instr_count; i++) {
            sb_printf(&s, "  %04zu: ", i);
            format_instr(&s, p, f, &f->code[i]);
            sb_printf(&s, "\n");
        }
        sb_printf(&s, ".endfunction\n");
    }
    free((void *)order);
    if (s.failed) {
        free(s.buf);
        return STOFFEL_ERR_NOMEM;
    }
    if (!s.buf) {
        s.buf = malloc(1);
        if (!s.buf)
            return STOFFEL_ERR_NOMEM;
        s.buf[0] = 0;
    }
    *text = s.buf;
    if (len)
        *len = s.len;
    return 0;
}
