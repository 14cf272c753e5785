/*
 * test_bytecode.c - the .stflb reader and writer: hand-assembled files of versions 0/1/3/5/8/9,
 * builder -> writer -> reader round trips with deterministic bytes, every malformed-input rule of
 * spec §6 with its error, and the disassembler's layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/vm.h>

#include "stflb_asm.h"
#include "test_util.h"
#include "vm_text_asm.h"

/* The constants and `main` of a small program valid in every version: returns 40 + 2 after a
 * jump over a dead instruction. Version >= 5 adds type metadata, 9 a spill round trip. */
static void asm_program(asm_buf *a, uint16_t version)
{
    a_header(a, version);
    a_u32(a, 2);
    a_u8(a, 1);
    a_u64(a, 40);
    a_u8(a, 1);
    a_u64(a, 2);
    a_u32(a, 1);
    a_s16(a, "main");
    a_u16(a, 2); /* compact register count, as the reference writes it */
    a_u16(a, 0);
    if (version >= 5) {
        a_u16(a, 0); /* no parameter types; return type Int(signed, 64) */
        a_u8(a, 0);
        a_u8(a, 1);
        a_u8(a, 64);
    }
    a_u16(a, 0);
    a_u8(a, 0);
    a_u16(a, 1);
    a_s16(a, "end");
    a_u32(a, version >= 9 ? 7 : 5); /* "end" = the RET */
    a_u32(a, version >= 9 ? 8 : 6);
    a_op_rr(a, 0x01, 1, 0);
    a_op_rr(a, 0x01, 2, 1);
    a_op_rrr(a, 0x03, 0, 1, 2);
    a_op_s(a, 0x0E, "end");
    a_op_rr(a, 0x01, 0, 0);
    if (version >= 9) {
        a_op_rr(a, 0x19, 3, 0); /* STS slot 3, r0 */
        a_op_rr(a, 0x18, 0, 3); /* LDS r0, slot 3 */
    }
    a_op_r(a, 0x12, 0);
    if (version >= 2) {
        if (version >= 3)
            a_u8(a, 1); /* AVSS */
        if (version >= 4)
            a_u8(a, 4); /* secp256k1 */
        a_u32(a, 1);
        a_u64(a, 7);
        a_u32(a, 2);
        a_u8(a, 0);
        a_u32(a, 64);
        a_u8(a, 1);
        a_u32(a, 64);
        a_u32(a, 16);
        a_u32(a, 1);
        a_u8(a, 2);
        a_u32(a, 8);
        if (version >= 8) {
            a_u64(a, 3);
            a_u64(a, 4);
            a_u64(a, 5);
            a_u64(a, 6);
            a_u8(a, 1);
        }
    }
}

static void test_versions(void)
{
    static const uint16_t versions[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    for (size_t v = 0; v < sizeof versions / sizeof *versions; v++) {
        asm_buf a;
        asm_program(&a, versions[v]);
        stoffel_vm_program *p = NULL;
        char err[256];
        int rc = stoffel_vm_program_load(a.b, a.n, &p, err, sizeof err);
        CHECK_MSG(rc == 0, "version %u: %s", versions[v], err);
        if (rc)
            continue;
        CHECK_EQ_INT(stoffel_vm_program_version(p), versions[v] == 0 ? 1 : versions[v]);
        stoffel_vm_function_info fi;
        CHECK_EQ_INT(stoffel_vm_program_function(p, 0, &fi), 0);
        CHECK_EQ_STR(fi.name, "main");
        /* Frame size recomputed from operands: r0..r2 used, stored count 2. */
        CHECK_EQ_INT(fi.register_count, 3);
        CHECK_EQ_INT(fi.instruction_count, versions[v] >= 9 ? 8 : 6);
        CHECK_EQ_INT(fi.return_type == NULL, versions[v] < 5);
        if (versions[v] >= 5) {
            CHECK(fi.return_type && fi.return_type->kind == STOFFEL_VM_TYPE_INT && fi.return_type->bits == 64);
        }
        CHECK_EQ_INT(stoffel_vm_program_backend(p), versions[v] >= 3 ? STOFFEL_VM_BACKEND_AVSS : STOFFEL_VM_BACKEND_HONEYBADGER);
        CHECK_EQ_INT(stoffel_vm_program_curve(p), versions[v] >= 4 ? STOFFEL_VM_CURVE_SECP256K1 : STOFFEL_VM_CURVE_BLS12_381);
        CHECK_EQ_INT(stoffel_vm_program_client_count(p), versions[v] >= 2 ? 1 : 0);
        if (versions[v] >= 2) {
            stoffel_vm_client_schema cs;
            CHECK_EQ_INT(stoffel_vm_program_client(p, 0, &cs), 0);
            CHECK_EQ_INT(cs.slot, 7);
            CHECK_EQ_INT(cs.input_count, 2);
            CHECK_EQ_INT(cs.inputs[1].kind, STOFFEL_VM_SECRET_FIXED);
            CHECK_EQ_INT(cs.inputs[1].frac, 16);
            CHECK_EQ_INT(cs.outputs[0].kind, STOFFEL_VM_SECRET_UINT);
            CHECK_EQ_INT(cs.outputs[0].bits, 8);
        }
        stoffel_vm_demand d;
        stoffel_vm_program_demand(p, &d);
        CHECK_EQ_INT(d.triples, versions[v] >= 8 ? 3 : 0);
        CHECK_EQ_INT(d.dynamic, versions[v] >= 8);

        /* Every version runs: 40 + 2, the dead instruction jumped over. */
        stoffel_vm *vm = NULL;
        CHECK_EQ_INT(stoffel_vm_new(p, NULL, &vm, err, sizeof err), 0);
        stoffel_vm_value result;
        CHECK_EQ_INT(stoffel_vm_execute(vm, "main", NULL, 0, &result), 0);
        CHECK(result.kind == STOFFEL_VM_I64 && result.as.i == 42);
        stoffel_vm_free(vm);

        /* Re-written as v9 and read back: same meaning, and writing again gives the same bytes. */
        uint8_t *w1, *w2;
        size_t n1, n2;
        CHECK_EQ_INT(stoffel_vm_program_write(p, &w1, &n1), 0);
        stoffel_vm_program *q = NULL;
        CHECK_EQ_INT(stoffel_vm_program_load(w1, n1, &q, err, sizeof err), 0);
        if (q) {
            CHECK_EQ_INT(stoffel_vm_program_version(q), 9);
            CHECK_EQ_INT(stoffel_vm_program_write(q, &w2, &n2), 0);
            CHECK(n1 == n2 && memcmp(w1, w2, n1) == 0);
            stoffel_vm_bytes_free(w2);
            stoffel_vm_program_function(q, 0, &fi);
            CHECK_EQ_INT(fi.register_count, 3);
            CHECK_EQ_INT(stoffel_vm_program_backend(q), stoffel_vm_program_backend(p));
            stoffel_vm_program_free(q);
        }
        stoffel_vm_bytes_free(w1);
        stoffel_vm_program_free(p);
    }
}

/* Loads bytes that must fail; checks the status and that the message contains `needle`. */
static void expect_fail(const asm_buf *a, int status, const char *needle, int line)
{
    stoffel_vm_program *p = (stoffel_vm_program *)1;
    char err[256] = "";
    int rc = stoffel_vm_program_load(a->b, a->n, &p, err, sizeof err);
    CHECK_MSG(rc == status, "line %d: status %d, expected %d (%s)", line, rc, status, err);
    CHECK_MSG(strstr(err, needle) != NULL, "line %d: message \"%s\" lacks \"%s\"", line, err, needle);
    CHECK_MSG(strncmp(err, "byte offset ", 12) == 0, "line %d: message \"%s\" names no offset", line, err);
    CHECK(p == NULL);
}
#define EXPECT_FAIL(a, status, needle) expect_fail((a), (status), (needle), __LINE__)

/* A minimal v9 file with one function; the caller appends `main`'s body parts. */
static void start_min(asm_buf *a, uint32_t nconst)
{
    a_header(a, 9);
    a_u32(a, nconst);
}

static void fn_head(asm_buf *a, const char *name, uint16_t regs)
{
    a_s16(a, name);
    a_u16(a, regs);
    a_u16(a, 0); /* params */
    a_u16(a, 0); /* param types */
    a_u8(a, 12); /* return type Unknown */
    a_u16(a, 0); /* upvalues */
    a_u8(a, 0);  /* no parent */
    a_u16(a, 0); /* labels */
}

static void manifest9(asm_buf *a)
{
    a_u8(a, 0);
    a_u8(a, 0);
    a_u32(a, 0);
    for (int i = 0; i < 4; i++)
        a_u64(a, 0);
    a_u8(a, 0);
}

static void test_malformed(void)
{
    asm_buf a;

    a.n = 0;
    a_raw(&a, "STF", 3);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "magic");
    a.n = 0;
    a_raw(&a, "XTFL", 4);
    a_u16(&a, 9);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "magic");
    a_header(&a, 10);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "version 0..9, found 10");
    a_header(&a, 9);
    a.n--;
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "format version");

    /* Every strict prefix of a valid file is truncated input. */
    asm_buf full;
    asm_program(&full, 9);
    for (size_t cut = 0; cut < full.n; cut++) {
        asm_buf t = full;
        t.n = cut;
        stoffel_vm_program *p = NULL;
        char err[256] = "";
        int rc = stoffel_vm_program_load(t.b, t.n, &p, err, sizeof err);
        CHECK_MSG(rc == STOFFEL_ERR_MALFORMED && strstr(err, "remain"), "cut %zu: %d %s", cut, rc, err);
    }
    /* Trailing bytes after the manifest are accepted (reference behaviour). */
    {
        asm_buf t = full;
        a_u8(&t, 0xAB);
        stoffel_vm_program *p = NULL;
        CHECK_EQ_INT(stoffel_vm_program_load(t.b, t.n, &p, NULL, 0), 0);
        stoffel_vm_program_free(p);
    }

    /* Counts are checked against the remaining bytes before anything is allocated. */
    start_min(&a, 999999);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "constant count 999999 needs");
    start_min(&a, 1000001);
    EXPECT_FAIL(&a, STOFFEL_ERR_LIMIT, "exceeds the limit");
    start_min(&a, 0);
    a_u32(&a, 0xFFFFFFFFu);
    EXPECT_FAIL(&a, STOFFEL_ERR_LIMIT, "function count");
    start_min(&a, 0);
    a_u32(&a, 5000);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "function count 5000 needs");

    /* Constant tags and payloads. */
    start_min(&a, 1);
    a_u8(&a, 12);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "constant tag 0..11, found 12");
    start_min(&a, 1);
    a_u8(&a, 11);
    a_u32(&a, 2);
    a_u8(&a, 0xC3);
    a_u8(&a, 0x28);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "not valid UTF-8");
    start_min(&a, 1);
    a_u8(&a, 11);
    a_u32(&a, 17u * 1024 * 1024);
    EXPECT_FAIL(&a, STOFFEL_ERR_LIMIT, "16 MiB");
    start_min(&a, 1);
    a_u8(&a, 11);
    a_u32(&a, 100);
    a_raw(&a, "abc", 3);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "expected 100 bytes of a String constant");

    /* Function records. */
    start_min(&a, 0);
    a_u32(&a, 1);
    fn_head(&a, "main", 1);
    a.n -= 3; /* rewrite: has_parent = 2 */
    a_u8(&a, 2);
    a_u16(&a, 0);
    a_u32(&a, 0);
    manifest9(&a);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "has-parent flag of 0 or 1, found 2");

    start_min(&a, 0);
    a_u32(&a, 1);
    a_s16(&a, "f");
    a_u16(&a, 1);
    a_u16(&a, 1);
    a_s16(&a, "x");
    a_u16(&a, 0); /* type count 0 != 1 parameter */
    a_raw(&a, "padpadpadpadpad", 15);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "expected 1 parameter types");

    start_min(&a, 0);
    a_u32(&a, 1);
    a_s16(&a, "f");
    a_u16(&a, 1);
    a_u16(&a, 0);
    a_u16(&a, 0);
    a_u8(&a, 15); /* unknown FunctionType tag */
    a_raw(&a, "padpadpadpadpad", 15);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "function type tag 0..14, found 15");

    start_min(&a, 0);
    a_u32(&a, 1);
    a_s16(&a, "f");
    a_u16(&a, 1);
    a_u16(&a, 0);
    a_u16(&a, 0);
    a_u8(&a, 0);
    a_u8(&a, 1);
    a_u8(&a, 0); /* Int with 0 bits */
    a_raw(&a, "padpadpadpadpad", 15);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "non-zero Int type bit width");

    /* Fixed(0) and a type tree nested past 64 levels (Secret(Secret(...))). */
    start_min(&a, 0);
    a_u32(&a, 1);
    a_s16(&a, "f");
    a_u16(&a, 1);
    a_u16(&a, 0);
    a_u16(&a, 0);
    a_u8(&a, 14);
    a_u8(&a, 0);
    a_raw(&a, "padpadpadpadpad", 15);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "non-zero Fixed type bit width");
    start_min(&a, 0);
    a_u32(&a, 1);
    a_s16(&a, "f");
    a_u16(&a, 1);
    a_u16(&a, 0);
    a_u16(&a, 0);
    for (int i = 0; i < 70; i++)
        a_u8(&a, 6);
    a_u8(&a, 12);
    a_raw(&a, "padpadpadpadpad", 15);
    EXPECT_FAIL(&a, STOFFEL_ERR_LIMIT, "function type nested deeper than 64 levels");

    /* A function name that is not UTF-8. */
    start_min(&a, 0);
    a_u32(&a, 1);
    fn_head(&a, "m\xC3\x28", 1);
    a_u32(&a, 0);
    manifest9(&a);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "not valid UTF-8");

    /* Instruction count over 8,000,000 (checked before the remaining bytes). */
    start_min(&a, 0);
    a_u32(&a, 1);
    fn_head(&a, "main", 1);
    a_u32(&a, 8000001u);
    a_raw(&a, "padpadpadpadpad", 15);
    EXPECT_FAIL(&a, STOFFEL_ERR_LIMIT, "instruction count 8000001 exceeds the limit of 8000000");

    /* Manifest client count over 1,000,000, and one that the bytes cannot hold. */
    start_min(&a, 0);
    a_u32(&a, 0);
    a_u8(&a, 0);
    a_u8(&a, 0);
    a_u32(&a, 1000001u);
    EXPECT_FAIL(&a, STOFFEL_ERR_LIMIT, "manifest client count 1000001 exceeds the limit of 1000000");
    start_min(&a, 0);
    a_u32(&a, 0);
    a_u8(&a, 0);
    a_u8(&a, 0);
    a_u32(&a, 3);
    a_raw(&a, "padpadpadpadpad", 15);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "manifest client count 3 needs at least 48 bytes");

    start_min(&a, 0);
    a_u32(&a, 1);
    fn_head(&a, "main", 1);
    a_u32(&a, 1);
    a_u8(&a, 0x1A);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "opcode 0x00..0x19, found 0x1a");

    start_min(&a, 0);
    a_u32(&a, 1);
    fn_head(&a, "main", 1);
    a_u32(&a, 1);
    a_op_s(&a, 0x0E, "nowhere");
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "unknown label 'nowhere'");

    start_min(&a, 0);
    a_u32(&a, 1);
    fn_head(&a, "main", 1);
    a.n -= 2;
    a_u16(&a, 1);
    a_s16(&a, "far");
    a_u32(&a, 2);
    a_u32(&a, 1);
    a_u8(&a, 0x17);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "label 'far' targets instruction 2, past the end");

    start_min(&a, 0);
    a_u32(&a, 1);
    fn_head(&a, "main", 1);
    a.n -= 2;
    a_u16(&a, 2);
    a_s16(&a, "l");
    a_u32(&a, 0);
    a_s16(&a, "l");
    a_u32(&a, 1);
    a_u32(&a, 1);
    a_u8(&a, 0x17);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "label 'l' is defined twice");

    start_min(&a, 1);
    a_u8(&a, 0);
    a_u32(&a, 1);
    fn_head(&a, "main", 1);
    a_u32(&a, 1);
    a_op_rr(&a, 0x01, 0, 1); /* LDI of constant 1, pool has 1 */
    manifest9(&a);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "LDI of constant 1");

    /* Duplicate functions: identical records deduplicated, conflicting rejected. */
    start_min(&a, 0);
    a_u32(&a, 2);
    for (int i = 0; i < 2; i++) {
        fn_head(&a, "main", 1);
        a_u32(&a, 1);
        a_op_r(&a, 0x12, 0);
    }
    manifest9(&a);
    {
        stoffel_vm_program *p = NULL;
        char err[256];
        CHECK_EQ_INT(stoffel_vm_program_load(a.b, a.n, &p, err, sizeof err), 0);
        if (p)
            CHECK_EQ_INT(stoffel_vm_program_function_count(p), 1);
        stoffel_vm_program_free(p);
    }
    start_min(&a, 0);
    a_u32(&a, 2);
    for (int i = 0; i < 2; i++) {
        fn_head(&a, "main", 1);
        a_u32(&a, 1);
        a_op_r(&a, 0x12, (uint32_t)i);
    }
    manifest9(&a);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "'main' is defined twice with different contents");

    /* Manifest values. */
    start_min(&a, 0);
    a_u32(&a, 0);
    a_u8(&a, 2);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "MPC backend 0 (HoneyBadger) or 1 (AVSS), found 2");
    start_min(&a, 0);
    a_u32(&a, 0);
    a_u8(&a, 0);
    a_u8(&a, 6);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "curve 0..5, found 6");
    start_min(&a, 0);
    a_u32(&a, 0);
    a_u8(&a, 0);
    a_u8(&a, 0);
    a_u32(&a, 1);
    a_u64(&a, 1);
    a_u32(&a, 1);
    a_u8(&a, 3);
    a_u32(&a, 8);
    a_u32(&a, 0);
    a_raw(&a, "padpadpadpadpadpadpadpadpadpadpadpadpad", 36);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "share type tag 0, 1 or 2, found 3");
    start_min(&a, 0);
    a_u32(&a, 0);
    a_u8(&a, 0);
    a_u8(&a, 0);
    a_u32(&a, 1);
    a_u64(&a, 1);
    a_u32(&a, 1);
    a_u8(&a, 1);
    a_u32(&a, 16);
    a_u32(&a, 16);
    a_u32(&a, 0);
    a_raw(&a, "padpadpadpadpadpadpadpadpadpadpadpadpad", 33);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "0 < fractional < total");
    start_min(&a, 0);
    a_u32(&a, 0);
    a_u8(&a, 0);
    a_u8(&a, 0);
    a_u32(&a, 1);
    a_u64(&a, 1);
    a_u32(&a, 1);
    a_u8(&a, 0);
    a_u32(&a, 0);
    a_raw(&a, "padpadpadpadpadpadpadpadpadpadpadpadpad", 37);
    EXPECT_FAIL(&a, STOFFEL_ERR_MALFORMED, "bit length > 0");
}

/* Builds the same program with functions and constants added in different orders. */
static int build_variant(int reversed, uint8_t **bytes, size_t *len)
{
    stoffel_vm_builder *b;
    if (stoffel_vm_builder_new(&b))
        return -1;
    stoffel_vm_fn *m = NULL, *h = NULL, *g = NULL;
    const char *names[3] = {"helper", "main", "g"};
    for (int i = 0; i < 3; i++) {
        const char *n = names[reversed ? 2 - i : i];
        stoffel_vm_fn *f;
        stoffel_vm_builder_function(b, n, &f);
        if (!strcmp(n, "main"))
            m = f;
        else if (!strcmp(n, "helper"))
            h = f;
        else
            g = f;
    }
    stoffel_vm_value fl = stoffel_vm_value_float(-0.0);
    if (reversed) {
        uint32_t k;
        stoffel_vm_builder_constant(b, &fl, &k); /* added first, used late */
    }
    stoffel_vm_type i64 = {.kind = STOFFEL_VM_TYPE_INT, .is_signed = 1, .bits = 64};
    stoffel_vm_type list = {.kind = STOFFEL_VM_TYPE_LIST, .inner = &i64};
    stoffel_vm_fn_add_param(h, "x", &i64);
    stoffel_vm_fn_add_param(h, "xs", &list);
    stoffel_vm_fn_set_return_type(h, &i64);
    stoffel_vm_fn_add_upvalue(h, "u");
    stoffel_vm_fn_set_parent(h, "main");
    stoffel_vm_fn_ldi_i64(h, 2, 1);
    stoffel_vm_fn_binop(h, STOFFEL_VM_OP_ADD, 0, 0, 2);
    stoffel_vm_fn_ret(h, 0);
    stoffel_vm_fn_ldi_value(g, 0, &fl);
    stoffel_vm_fn_ret(g, 0);
    stoffel_vm_fn_jump(m, STOFFEL_VM_OP_JMP, "start");
    stoffel_vm_fn_label(m, "b_dead");
    stoffel_vm_fn_label(m, "a_dead");
    stoffel_vm_fn_nop(m);
    stoffel_vm_fn_label(m, "start");
    stoffel_vm_fn_ldi_string(m, 1, "hi \"there\"\n");
    stoffel_vm_fn_ldi_i64(m, 16, 5);
    stoffel_vm_fn_pusharg(m, 1);
    stoffel_vm_fn_call(m, "print");
    stoffel_vm_fn_sts(m, 0, 16);
    stoffel_vm_fn_lds(m, 17, 0);
    stoffel_vm_fn_ld(m, 3, -1);
    stoffel_vm_fn_cmp(m, 1, 1);
    stoffel_vm_fn_jump(m, STOFFEL_VM_OP_JMPEQ, "end");
    stoffel_vm_fn_not(m, 2, 2);
    stoffel_vm_fn_label(m, "end");
    stoffel_vm_fn_ret(m, 0);
    stoffel_vm_share_type ins[2] = {{STOFFEL_VM_SECRET_INT, 64, 0}, {STOFFEL_VM_SECRET_FIXED, 64, 16}};
    stoffel_vm_share_type outs[1] = {{STOFFEL_VM_SECRET_UINT, 8, 0}};
    if (reversed) {
        stoffel_vm_builder_add_client(b, 9, NULL, 0, outs, 1);
        stoffel_vm_builder_add_client(b, 2, ins, 2, NULL, 0);
    } else {
        stoffel_vm_builder_add_client(b, 2, ins, 2, NULL, 0);
        stoffel_vm_builder_add_client(b, 9, NULL, 0, outs, 1);
    }
    stoffel_vm_demand d = {1, 2, 3, 4, 1};
    stoffel_vm_builder_set_demand(b, &d);
    stoffel_vm_builder_set_curve(b, STOFFEL_VM_CURVE_ED25519);
    int rc = stoffel_vm_builder_write(b, bytes, len);
    if (rc)
        fprintf(stderr, "build: %s\n", stoffel_vm_builder_last_error(b));
    stoffel_vm_builder_free(b);
    return rc;
}

static void test_builder_round_trip(void)
{
    uint8_t *x, *y;
    size_t nx, ny;
    CHECK_EQ_INT(build_variant(0, &x, &nx), 0);
    CHECK_EQ_INT(build_variant(1, &y, &ny), 0);
    CHECK_MSG(nx == ny && memcmp(x, y, nx) == 0, "building in another order changed the bytes");
    /* main is written first: its name follows the constant pool. */
    stoffel_vm_program *p = NULL;
    char err[256];
    CHECK_EQ_INT(stoffel_vm_program_load(x, nx, &p, err, sizeof err), 0);
    if (p) {
        stoffel_vm_function_info fi;
        stoffel_vm_program_function(p, 0, &fi);
        CHECK_EQ_STR(fi.name, "main");
        CHECK_EQ_INT(fi.register_count, 18);
        CHECK_EQ_INT(fi.label_count, 4);
        stoffel_vm_program_function(p, 1, &fi);
        CHECK_EQ_STR(fi.name, "g");
        stoffel_vm_program_function(p, 2, &fi);
        CHECK_EQ_STR(fi.name, "helper");
        CHECK_EQ_INT(fi.param_count, 2);
        CHECK_EQ_STR(fi.param_names[1], "xs");
        CHECK(fi.param_types[1]->kind == STOFFEL_VM_TYPE_LIST && fi.param_types[1]->inner->bits == 64);
        CHECK_EQ_STR(fi.parent, "main");
        CHECK_EQ_STR(fi.upvalue_names[0], "u");
        CHECK_EQ_INT(fi.register_count, 3);
        /* Constants in first-use order: the string, 5, then -0.0 (g), then 1 (helper). */
        stoffel_vm_value v;
        CHECK_EQ_INT(stoffel_vm_program_constant_count(p), 4);
        stoffel_vm_program_constant(p, 0, &v);
        CHECK(v.kind == STOFFEL_VM_STRING && v.as.str.len == 11);
        stoffel_vm_program_constant(p, 2, &v);
        CHECK(v.kind == STOFFEL_VM_FLOAT && v.as.f == 0 && 1 / v.as.f < 0);
        stoffel_vm_client_schema cs;
        stoffel_vm_program_client(p, 0, &cs);
        CHECK_EQ_INT(cs.slot, 2);
        CHECK_EQ_INT(stoffel_vm_program_curve(p), STOFFEL_VM_CURVE_ED25519);

        char *text;
        size_t tl;
        CHECK_EQ_INT(stoffel_vm_program_disassemble(p, &text, &tl), 0);
        CHECK(strstr(text, "; Stoffel Disassembly\n; Format version: 9\n; MPC backend: HoneyBadger\n.constants (4 entries):\n  0000: String(\"hi \\\"there\\\"\\n\")\n  0001: I64(5)\n  0002: Float(-0)\n  0003: I64(1)\n.function g\n") == text);
        CHECK(strstr(text, ".function helper\n; parent: main\n; params (2): x, xs\n; inferred param types: (i64, array)\n; inferred return: i64\n; registers: 3 (clear 3, secret 0)\n; labels: {}\n; instructions (3):\n  0000: LDI(2, I64(1))\n  0001: ADD(0, 0, 2)\n  0002: RET(0)\n.endfunction\n") != NULL);
        CHECK(strstr(text, "; labels: {a_dead: 1, b_dead: 1, start: 2, end: 12}\n") != NULL);
        CHECK(strstr(text, "  0000: JMP(\"start\")\n  0001: NOP\n") != NULL);
        /* main never returns a typed register (r0 is never written); g returns a float. */
        CHECK(strstr(text, ".function main\n; params (0): \n; inferred param types: ()\n; inferred return: unknown\n") != NULL);
        CHECK(strstr(text, ".function g\n; params (0): \n; inferred param types: ()\n; inferred return: float\n") != NULL);
        CHECK(strstr(text, "  0004: PUSHARG(1)\n  0005: CALL(\"print\")\n  0006: STS(0, 16)\n  0007: LDS(17, 0)\n  0008: LD(3, -1)\n  0009: CMP(1, 1)\n  0010: JMPEQ(\"end\")\n  0011: NOT(2, 2)\n") != NULL);
        CHECK(strstr(text, "; registers: 18 (clear 4, secret 2)\n") != NULL);
        stoffel_vm_bytes_free(text);
        char ins[64];
        CHECK_EQ_INT(stoffel_vm_program_format_instruction(p, 0, 3, ins, sizeof ins), 15);
        CHECK_EQ_STR(ins, "LDI(16, I64(5))");
        stoffel_vm_program_free(p);
    }
    stoffel_vm_bytes_free(x);
    stoffel_vm_bytes_free(y);
}

static void test_builder_errors(void)
{
    stoffel_vm_builder *b;
    CHECK_EQ_INT(stoffel_vm_builder_new(&b), 0);
    stoffel_vm_fn *f, *f2;
    CHECK_EQ_INT(stoffel_vm_builder_function(b, "main", &f), 0);
    CHECK_EQ_INT(stoffel_vm_builder_function(b, "main", &f2), STOFFEL_VM_ERR_DUPLICATE);
    CHECK(strstr(stoffel_vm_builder_last_error(b), "'main' is defined twice") != NULL);
    CHECK_EQ_INT(stoffel_vm_builder_function(b, "", &f2), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_vm_fn_binop(f, STOFFEL_VM_OP_JMP, 0, 0, 0), STOFFEL_ERR_INVALID_ARG);
    stoffel_vm_value bad = stoffel_vm_value_int(STOFFEL_VM_I8, 200);
    uint32_t k;
    CHECK_EQ_INT(stoffel_vm_builder_constant(b, &bad, &k), STOFFEL_ERR_INVALID_ARG);
    stoffel_vm_value obj = {.kind = STOFFEL_VM_ARRAY};
    CHECK_EQ_INT(stoffel_vm_builder_constant(b, &obj, &k), STOFFEL_ERR_INVALID_ARG);
    stoffel_vm_builder_free(b);

    CHECK_EQ_INT(stoffel_vm_builder_new(&b), 0);
    stoffel_vm_builder_function(b, "main", &f);
    CHECK_EQ_INT(stoffel_vm_fn_jump(f, STOFFEL_VM_OP_JMPLT, "missing"), 0);
    stoffel_vm_program *p = NULL;
    CHECK_EQ_INT(stoffel_vm_builder_build(b, &p), STOFFEL_ERR_INVALID_ARG);
    CHECK(strstr(stoffel_vm_builder_last_error(b), "label 'missing', which is never placed") != NULL);
    CHECK_EQ_INT(stoffel_vm_fn_label(f, "missing"), 0);
    CHECK_EQ_INT(stoffel_vm_fn_label(f, "missing"), STOFFEL_VM_ERR_DUPLICATE);
    stoffel_vm_share_type bt = {STOFFEL_VM_SECRET_FIXED, 16, 16};
    CHECK_EQ_INT(stoffel_vm_builder_add_client(b, 1, &bt, 1, NULL, 0), STOFFEL_ERR_INVALID_ARG);
    stoffel_vm_builder_free(b);
}

/* Parameter types are inferred from the PUSHARG registers at every call site. */
static void test_disasm_inference(void)
{
    stoffel_vm_program *p = tasm_build("fn main\n LDI r1 i64 1\n LDI r2 f64 2.5\n PUSHARG r1\n PUSHARG r2\n CALL f\n"
                                       " LDI r1 u8 3\n PUSHARG r1\n PUSHARG r2\n CALL f\n LDI r16 i64 1\n PUSHARG r16\n PUSHARG r2\n CALL f\n RET r0\n"
                                       "fn f a b\n LDI r3 str \"s\"\n RET r3\n");
    CHECK(p != NULL);
    if (!p)
        return;
    char *text;
    CHECK_EQ_INT(stoffel_vm_program_disassemble(p, &text, NULL), 0);
    CHECK(strstr(text, ".function f\n; params (2): a, b\n; inferred param types: (unknown, float)\n; inferred return: string\n") != NULL);
    stoffel_vm_bytes_free(text);
    stoffel_vm_program_free(p);
    p = tasm_build("fn main\n LDI r1 i64 1\n PUSHARG r1\n CALL f\n LDI r1 u8 3\n PUSHARG r1\n CALL f\n RET r0\nfn f a\n RET r0\n");
    CHECK_EQ_INT(stoffel_vm_program_disassemble(p, &text, NULL), 0);
    CHECK(strstr(text, "; inferred param types: (number)\n") != NULL);
    stoffel_vm_bytes_free(text);
    stoffel_vm_program_free(p);
}

int main(void)
{
    test_versions();
    test_disasm_inference();
    test_malformed();
    test_builder_round_trip();
    test_builder_errors();
    return test_finish();
}
