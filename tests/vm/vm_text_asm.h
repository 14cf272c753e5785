/*
 * vm_text_asm.h - a small text assembler over the program-building API, so VM tests read like
 * the disassembly they exercise:
 *
 *   fn main            (or: fn add a b   - parameters a, b)
 *     LDI r1 i64 40    constants: i64 i32 i16 i8 u8 u16 u32 u64 N | f64 X | bool true | str "..." | unit
 *     ADD r0 r1 r2
 *     JMPEQ done
 *   done:
 *     RET r0
 *
 * One instruction per line; `;` starts a comment. Also: `upvalue NAME`, `parent NAME`.
 * Then run_main() executes `main` and renders the result the way `Program returned:` does.
 */
#ifndef VM_TEXT_ASM_H
#define VM_TEXT_ASM_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/vm.h>

static int tasm_reg(const char *t) { return atoi(t[0] == 'r' ? t + 1 : t); }

/* Parses a constant starting at tokens[i]; returns the number of tokens used or 0. */
static int tasm_const(char **tok, int ntok, int i, stoffel_vm_value *v, char *strbuf)
{
    if (i >= ntok)
        return 0;
    const char *k = tok[i];
    static const struct { const char *n; stoffel_vm_value_kind kind; } ints[] = {
        {"i64", STOFFEL_VM_I64}, {"i32", STOFFEL_VM_I32}, {"i16", STOFFEL_VM_I16}, {"i8", STOFFEL_VM_I8},
        {"u8", STOFFEL_VM_U8}, {"u16", STOFFEL_VM_U16}, {"u32", STOFFEL_VM_U32}, {"u64", STOFFEL_VM_U64}};
    for (size_t n = 0; n < sizeof ints / sizeof *ints; n++)
        if (!strcmp(k, ints[n].n) && i + 1 < ntok) {
            if (ints[n].kind >= STOFFEL_VM_U8)
                *v = stoffel_vm_value_uint(ints[n].kind, strtoull(tok[i + 1], NULL, 0));
            else
                *v = stoffel_vm_value_int(ints[n].kind, strtoll(tok[i + 1], NULL, 0));
            return 2;
        }
    if (!strcmp(k, "f64") && i + 1 < ntok) {
        *v = stoffel_vm_value_float(strtod(tok[i + 1], NULL));
        return 2;
    }
    if (!strcmp(k, "bool") && i + 1 < ntok) {
        *v = stoffel_vm_value_bool(!strcmp(tok[i + 1], "true"));
        return 2;
    }
    if (!strcmp(k, "unit")) {
        *v = stoffel_vm_value_unit();
        return 1;
    }
    if (!strcmp(k, "str") && i + 1 < ntok) {
        strcpy(strbuf, tok[i + 1]);
        *v = stoffel_vm_value_string(strbuf, strlen(strbuf));
        return 2;
    }
    return 0;
}

/* Tokenises a line: words, and "quoted strings" (with \n and \" escapes) as one token. */
static int tasm_tokens(char *line, char **tok, int max)
{
    int n = 0;
    char *p = line;
    while (*p && n < max) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == ';')
            break;
        if (*p == '"') {
            char *w = ++p;
            tok[n++] = w;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) {
                    p++;
                    *w++ = *p == 'n' ? '\n' : *p;
                    p++;
                } else {
                    *w++ = *p++;
                }
            }
            if (*p)
                p++;
            *w = 0;
            continue;
        }
        tok[n++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (*p)
            *p++ = 0;
    }
    return n;
}

/* Builds a program from text. On failure prints the builder's error and returns NULL. */
static stoffel_vm_program *tasm_build_with(const char *src, stoffel_vm_builder *b)
{
    char *text = strdup(src);
    stoffel_vm_fn *fn = NULL;
    int ok = 1;
    char strbuf[4096];
    for (char *line = strtok(text, "\n"); line && ok; line = strtok(NULL, "\n")) {
        char *tok[16];
        int n = tasm_tokens(line, tok, 16);
        if (n == 0)
            continue;
        const char *op = tok[0];
        size_t len = strlen(op);
        int rc = 0;
        if (!strcmp(op, "fn")) {
            rc = stoffel_vm_builder_function(b, tok[1], &fn);
            for (int i = 2; !rc && i < n; i++)
                rc = stoffel_vm_fn_add_param(fn, tok[i], NULL);
        } else if (!strcmp(op, "upvalue")) {
            rc = stoffel_vm_fn_add_upvalue(fn, tok[1]);
        } else if (!strcmp(op, "parent")) {
            rc = stoffel_vm_fn_set_parent(fn, tok[1]);
        } else if (op[len - 1] == ':') {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)len - 1, op);
            rc = stoffel_vm_fn_label(fn, name);
        } else if (!strcmp(op, "LDI")) {
            stoffel_vm_value v;
            if (!tasm_const(tok, n, 2, &v, strbuf)) {
                fprintf(stderr, "tasm: bad constant in '%s'\n", line);
                ok = 0;
                break;
            }
            rc = stoffel_vm_fn_ldi_value(fn, (uint32_t)tasm_reg(tok[1]), &v);
        } else if (!strcmp(op, "LD")) {
            rc = stoffel_vm_fn_ld(fn, (uint32_t)tasm_reg(tok[1]), atoi(tok[2]));
        } else if (!strcmp(op, "MOV")) {
            rc = stoffel_vm_fn_mov(fn, (uint32_t)tasm_reg(tok[1]), (uint32_t)tasm_reg(tok[2]));
        } else if (!strcmp(op, "NOT")) {
            rc = stoffel_vm_fn_not(fn, (uint32_t)tasm_reg(tok[1]), (uint32_t)tasm_reg(tok[2]));
        } else if (!strcmp(op, "CMP")) {
            rc = stoffel_vm_fn_cmp(fn, (uint32_t)tasm_reg(tok[1]), (uint32_t)tasm_reg(tok[2]));
        } else if (!strcmp(op, "CALL")) {
            rc = stoffel_vm_fn_call(fn, tok[1]);
        } else if (!strcmp(op, "RET")) {
            rc = stoffel_vm_fn_ret(fn, (uint32_t)tasm_reg(tok[1]));
        } else if (!strcmp(op, "PUSHARG")) {
            rc = stoffel_vm_fn_pusharg(fn, (uint32_t)tasm_reg(tok[1]));
        } else if (!strcmp(op, "NOP")) {
            rc = stoffel_vm_fn_nop(fn);
        } else if (!strcmp(op, "LDS")) {
            rc = stoffel_vm_fn_lds(fn, (uint32_t)tasm_reg(tok[1]), (uint32_t)atoi(tok[2]));
        } else if (!strcmp(op, "STS")) {
            rc = stoffel_vm_fn_sts(fn, (uint32_t)atoi(tok[1]), (uint32_t)tasm_reg(tok[2]));
        } else if (!strncmp(op, "JMP", 3)) {
            stoffel_vm_opcode jo = !strcmp(op, "JMP") ? STOFFEL_VM_OP_JMP : !strcmp(op, "JMPEQ") ? STOFFEL_VM_OP_JMPEQ
                                 : !strcmp(op, "JMPNEQ") ? STOFFEL_VM_OP_JMPNEQ : !strcmp(op, "JMPLT") ? STOFFEL_VM_OP_JMPLT
                                                                                                         : STOFFEL_VM_OP_JMPGT;
            rc = stoffel_vm_fn_jump(fn, jo, tok[1]);
        } else {
            static const char *const bin[] = {"ADD", "SUB", "MUL", "DIV", "MOD", "AND", "OR", "XOR", "SHL", "SHR"};
            static const stoffel_vm_opcode binop[] = {STOFFEL_VM_OP_ADD, STOFFEL_VM_OP_SUB, STOFFEL_VM_OP_MUL, STOFFEL_VM_OP_DIV, STOFFEL_VM_OP_MOD,
                                                      STOFFEL_VM_OP_AND, STOFFEL_VM_OP_OR, STOFFEL_VM_OP_XOR, STOFFEL_VM_OP_SHL, STOFFEL_VM_OP_SHR};
            size_t k;
            for (k = 0; k < 10 && strcmp(op, bin[k]); k++)
                ;
            if (k == 10) {
                fprintf(stderr, "tasm: unknown line '%s'\n", line);
                ok = 0;
                break;
            }
            rc = stoffel_vm_fn_binop(fn, binop[k], (uint32_t)tasm_reg(tok[1]), (uint32_t)tasm_reg(tok[2]), (uint32_t)tasm_reg(tok[3]));
        }
        if (rc) {
            fprintf(stderr, "tasm: '%s': %s\n", line, stoffel_vm_builder_last_error(b));
            ok = 0;
        }
    }
    free(text);
    stoffel_vm_program *p = NULL;
    if (ok && stoffel_vm_builder_build(b, &p) != 0) {
        fprintf(stderr, "tasm: build: %s\n", stoffel_vm_builder_last_error(b));
        p = NULL;
    }
    return p;
}

static stoffel_vm_program *tasm_build(const char *src)
{
    stoffel_vm_builder *b;
    if (stoffel_vm_builder_new(&b))
        return NULL;
    stoffel_vm_program *p = tasm_build_with(src, b);
    stoffel_vm_builder_free(b);
    return p;
}

/* Output sink collecting printed lines, each followed by '\n'. */
typedef struct {
    char buf[8192];
    size_t len;
} tasm_output;

static void tasm_sink(void *ud, const char *text, size_t len)
{
    tasm_output *o = ud;
    if (o->len + len + 2 < sizeof o->buf) {
        memcpy(o->buf + o->len, text, len);
        o->len += len;
        o->buf[o->len++] = '\n';
        o->buf[o->len] = 0;
    }
}

/* Runs main of src (with an optional engine). On success *result gets the `Program returned:`
 * text; on failure the VM's error message. printed gets the print output. Returns the status. */
__attribute__((unused)) static int run_main_engine(const char *src, stoffel_mpc_engine *engine, char *result, size_t rlen, char *printed, size_t plen)
{
    stoffel_vm_program *p = tasm_build(src);
    if (!p) {
        snprintf(result, rlen, "(build failed)");
        return -9999;
    }
    stoffel_vm *vm;
    char err[512];
    int rc = stoffel_vm_new(p, NULL, &vm, err, sizeof err);
    if (rc) {
        snprintf(result, rlen, "%s", err);
        stoffel_vm_program_free(p);
        return rc;
    }
    tasm_output out = {.len = 0};
    out.buf[0] = 0;
    stoffel_vm_set_output(vm, tasm_sink, &out);
    stoffel_vm_memory_store *store;
    stoffel_vm_memory_store_new(&store);
    stoffel_vm_set_storage(vm, stoffel_vm_memory_store_interface(), store);
    if (engine)
        stoffel_vm_attach_engine(vm, engine);
    stoffel_vm_value v;
    rc = stoffel_vm_execute(vm, "main", NULL, 0, &v);
    if (rc == 0) {
        char *text;
        if (stoffel_vm_format_value(vm, &v, STOFFEL_VM_FORMAT_RESULT, &text) == 0) {
            snprintf(result, rlen, "%s", text);
            stoffel_vm_bytes_free(text);
        }
    } else {
        snprintf(result, rlen, "%s", stoffel_vm_last_error(vm));
    }
    if (printed)
        snprintf(printed, plen, "%s", out.buf);
    stoffel_vm_free(vm);
    stoffel_vm_memory_store_free(store);
    stoffel_vm_program_free(p);
    return rc;
}

__attribute__((unused)) static int run_main(const char *src, char *result, size_t rlen, char *printed, size_t plen)
{
    return run_main_engine(src, NULL, result, rlen, printed, plen);
}

#endif
