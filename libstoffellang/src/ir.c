/*
 * ir.c - the compiler's instruction lists: appending instructions, fresh labels, the peephole
 * pass used from -O1, and the textual dump of --print-ir.
 */
#include <inttypes.h>
#include <string.h>

#include "codegen.h"

void ir_emit(struct codegen *cg, struct ir_instr in)
{
    struct ir_func *f = cg->fn;
    if (f->len == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        struct ir_instr *code = arena_alloc(&cg->cx->arena, cap * sizeof *code);
        if (f->len)
            memcpy(code, f->code, f->len * sizeof *code);
        f->code = code;
        f->cap = cap;
    }
    f->code[f->len++] = in;
}

void ir_op3(struct codegen *cg, int op, uint32_t a, uint32_t b, uint32_t c)
{
    struct ir_instr in = {.op = (uint8_t)op, .a = a, .b = b, .c = c};
    ir_emit(cg, in);
}

void ir_op2(struct codegen *cg, int op, uint32_t a, uint32_t b)
{
    ir_op3(cg, op, a, b, 0);
}

void ir_op1(struct codegen *cg, int op, uint32_t a)
{
    ir_op3(cg, op, a, 0, 0);
}

void ir_ldi(struct codegen *cg, uint32_t dst, struct ir_const k)
{
    struct ir_instr in = {.op = IR_LDI, .a = dst, .k = k};
    ir_emit(cg, in);
}

void ir_named(struct codegen *cg, int op, const char *name)
{
    struct ir_instr in = {.op = (uint8_t)op, .name = name};
    ir_emit(cg, in);
}

const char *ir_new_label(struct codegen *cg, const char *what)
{
    return arena_printf(&cg->cx->arena, "%s_%d", what, cg->label_counter++);
}

static const char *const op_names[] = {
    "LD", "LDI", "MOV", "ADD", "SUB", "MUL", "DIV", "MOD", "AND", "OR", "XOR", "NOT", "SHL", "SHR", "JMP", "JMPEQ",
    "JMPNEQ", "CALL", "RET", "PUSHARG", "CMP", "JMPLT", "JMPGT", "NOP", "LDS", "STS",
};

static bool is_jump(int op)
{
    return op == IR_JMP || op == IR_JMPEQ || op == IR_JMPNEQ || op == IR_JMPLT || op == IR_JMPGT;
}

/* Does the instruction write register a (its first operand)? */
static bool writes_a(int op)
{
    switch (op) {
    case IR_LD: case IR_LDI: case IR_MOV: case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV: case IR_MOD: case IR_AND:
    case IR_OR: case IR_XOR: case IR_NOT: case IR_SHL: case IR_SHR: case IR_LDS:
        return true;
    default: return false;
    }
}

/* Does the instruction read register r? */
static bool reads(const struct ir_instr *in, uint32_t r)
{
    switch (in->op) {
    case IR_MOV: case IR_NOT: return in->b == r;
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_DIV: case IR_MOD: case IR_AND: case IR_OR: case IR_XOR: case IR_SHL:
    case IR_SHR:
        return in->b == r || in->c == r;
    case IR_RET: case IR_PUSHARG: return in->a == r;
    case IR_CMP: return in->a == r || in->b == r;
    case IR_STS: return in->b == r;
    case IR_CALL: return false;
    default: return false;
    }
}

/*
 * Peephole pass (-O1 and up), all local and semantics-preserving:
 *  - `X t, ...; MOV d, t` where t is a scratch/temp register not read afterwards before being
 *    rewritten, and d is in the same bank: write d directly;
 *  - `JMP L` immediately followed by `L:`: drop the jump;
 *  - code after an unconditional JMP/RET up to the next label is unreachable: drop it.
 */
void ir_optimize(struct codegen *cg, struct ir_func *f)
{
    (void)cg;
    size_t out = 0;
    bool dead = false;
    for (size_t i = 0; i < f->len; i++) {
        struct ir_instr in = f->code[i];
        if (in.op == IR_LABEL)
            dead = false;
        if (dead)
            continue;
        if (in.op == IR_JMP && i + 1 < f->len && f->code[i + 1].op == IR_LABEL && strcmp(f->code[i + 1].name, in.name) == 0)
            continue;
        if (in.op == IR_MOV && out > 0) {
            struct ir_instr *prev = &f->code[out - 1];
            uint32_t t = in.b, d = in.a;
            bool same_bank = (t < 16) == (d < 16);
            if (prev->op != IR_LABEL && writes_a(prev->op) && prev->a == t && same_bank && t != 0 && prev->op != IR_LDS &&
                !reads(prev, d)) {
                /* t must be dead after this MOV: next write to t comes before any read */
                bool t_dead = false;
                for (size_t k = i + 1; k < f->len; k++) {
                    const struct ir_instr *n = &f->code[k];
                    if (n->op == IR_LABEL || is_jump(n->op) || n->op == IR_RET)
                        break;
                    if (reads(n, t))
                        break;
                    if (writes_a(n->op) && n->a == t) {
                        t_dead = true;
                        break;
                    }
                }
                if (t_dead) {
                    prev->a = d;
                    continue;
                }
            }
        }
        f->code[out++] = in;
        if (in.op == IR_JMP || in.op == IR_RET)
            dead = true;
    }
    f->len = out;
}

static void print_const(const struct ir_const *k, struct strbuf *out)
{
    switch (k->kind) {
    case K_UNIT: sb_puts(out, "Unit"); break;
    case K_I64: sb_printf(out, "I64(%" PRId64 ")", k->i); break;
    case K_I32: sb_printf(out, "I32(%" PRId64 ")", k->i); break;
    case K_I16: sb_printf(out, "I16(%" PRId64 ")", k->i); break;
    case K_I8: sb_printf(out, "I8(%" PRId64 ")", k->i); break;
    case K_U8: sb_printf(out, "U8(%" PRIu64 ")", k->u); break;
    case K_U16: sb_printf(out, "U16(%" PRIu64 ")", k->u); break;
    case K_U32: sb_printf(out, "U32(%" PRIu64 ")", k->u); break;
    case K_U64: sb_printf(out, "U64(%" PRIu64 ")", k->u); break;
    case K_FLOAT: sb_printf(out, "Float(%.17g)", k->f); break;
    case K_BOOL: sb_printf(out, "Bool(%s)", k->i ? "true" : "false"); break;
    default:
        sb_puts(out, "String(\"");
        for (size_t i = 0; i < k->slen; i++) {
            char c = k->s[i];
            if (c == '\n')
                sb_puts(out, "\\n");
            else if (c == '"' || c == '\\') {
                sb_putc(out, '\\');
                sb_putc(out, c);
            } else
                sb_putc(out, c);
        }
        sb_puts(out, "\")");
    }
}

static void print_func(struct ir_func *f, struct strbuf *out)
{
    sb_printf(out, "function %s:\n", f->name);
    size_t idx = 0;
    struct strbuf labels = {0};
    for (size_t i = 0; i < f->len; i++) {
        struct ir_instr *in = &f->code[i];
        if (in->op == IR_LABEL) {
            sb_printf(&labels, "%s%s: %zu", labels.len ? ", " : "", in->name, idx);
            continue;
        }
        sb_printf(out, "%04zu: %s", idx++, op_names[in->op]);
        switch (in->op) {
        case IR_LDI:
            sb_printf(out, "(%u, ", in->a);
            print_const(&in->k, out);
            sb_puts(out, ")");
            break;
        case IR_JMP: case IR_JMPEQ: case IR_JMPNEQ: case IR_JMPLT: case IR_JMPGT: case IR_CALL:
            sb_printf(out, "(\"%s\")", in->name);
            break;
        case IR_RET: case IR_PUSHARG: sb_printf(out, "(%u)", in->a); break;
        case IR_NOP: break;
        case IR_LD: sb_printf(out, "(%u, %d)", in->a, (int)in->b); break;
        case IR_MOV: case IR_NOT: case IR_CMP: case IR_LDS: case IR_STS: sb_printf(out, "(%u, %u)", in->a, in->b); break;
        default: sb_printf(out, "(%u, %u, %u)", in->a, in->b, in->c); break;
        }
        sb_putc(out, '\n');
    }
    sb_printf(out, "labels: {%s}\n", labels.data ? labels.data : "");
    sb_free(&labels);
}

void ir_print(struct ir_program *p, struct strbuf *out)
{
    sb_puts(out, "--- Generated Bytecode ---\n");
    for (size_t i = 0; i < p->funcs.len; i++)
        if (strcmp(((struct ir_func *)p->funcs.items[i])->name, "main") == 0)
            print_func(p->funcs.items[i], out);
    sb_puts(out, "Compiled Functions:\n");
    /* sorted by name (byte-wise) */
    size_t n = p->funcs.len;
    for (size_t printed = 0, last_set = 0; printed < n; printed++) {
        struct ir_func *best = NULL;
        for (size_t i = 0; i < n; i++) {
            struct ir_func *f = p->funcs.items[i];
            if (!strcmp(f->name, "main"))
                continue;
            if (last_set && strcmp(f->name, ((struct ir_func *)p->funcs.items[last_set - 1])->name) <= 0)
                continue;
            if (!best || strcmp(f->name, best->name) < 0)
                best = f;
        }
        if (!best)
            break;
        for (size_t i = 0; i < n; i++)
            if (p->funcs.items[i] == best)
                last_set = i + 1;
        print_func(best, out);
    }
}
