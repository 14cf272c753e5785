/*
 * test_interp.c - the clear VM: every opcode, checked arithmetic in every width, floats, strings,
 * compares across types, jumps and the compare flag, calls and the calling convention, spill
 * slots, limits, and run-time error messages (function, instruction, cause).
 */
#include <stdio.h>
#include <string.h>

#include <stoffel/vm.h>

#include "test_util.h"
#include "vm_text_asm.h"

static void expect_ok(const char *src, const char *want, int line)
{
    char res[4096], out[8192];
    int rc = run_main(src, res, sizeof res, out, sizeof out);
    CHECK_MSG(rc == 0 && strcmp(res, want) == 0, "line %d: rc %d, got \"%s\", want \"%s\"", line, rc, res, want);
}

static void expect_print(const char *src, const char *want, int line)
{
    char res[4096], out[8192];
    int rc = run_main(src, res, sizeof res, out, sizeof out);
    CHECK_MSG(rc == 0 && strcmp(out, want) == 0, "line %d: rc %d (%s), printed \"%s\", want \"%s\"", line, rc, res, out, want);
}

static void expect_err(const char *src, int status, const char *needle, int line)
{
    char res[4096], out[8192];
    int rc = run_main(src, res, sizeof res, out, sizeof out);
    CHECK_MSG(rc == status && strstr(res, needle), "line %d: rc %d (want %d), message \"%s\" lacks \"%s\"", line, rc, status, res, needle);
}

#define OK(src, want) expect_ok(src, want, __LINE__)
#define PRINTS(src, want) expect_print(src, want, __LINE__)
#define ERR(src, status, needle) expect_err(src, status, needle, __LINE__)

/* A binary operation on two constants of one type; returns the program text. */
static const char *binop(char *buf, const char *op, const char *a, const char *b)
{
    snprintf(buf, 512, "fn main\n LDI r1 %s\n LDI r2 %s\n %s r0 r1 r2\n RET r0\n", a, b, op);
    return buf;
}

static void test_arith_widths(void)
{
    char b[512];
    OK(binop(b, "ADD", "i64 40", "i64 2"), "42");
    OK(binop(b, "SUB", "i64 2", "i64 40"), "-38");
    OK(binop(b, "MUL", "i64 -6", "i64 7"), "-42");
    OK(binop(b, "DIV", "i64 -7", "i64 2"), "-3"); /* truncates toward zero */
    OK(binop(b, "MOD", "i64 -7", "i64 2"), "-1"); /* sign of the dividend */
    OK(binop(b, "MOD", "i64 7", "i64 -2"), "1");
    ERR(binop(b, "ADD", "i64 9223372036854775807", "i64 1"), STOFFEL_VM_ERR_OVERFLOW, "integer overflow: 9223372036854775807 + 1 does not fit int64");
    ERR(binop(b, "SUB", "i64 -9223372036854775808", "i64 1"), STOFFEL_VM_ERR_OVERFLOW, "IntegerOverflow");
    ERR(binop(b, "MUL", "i64 4611686018427387904", "i64 2"), STOFFEL_VM_ERR_OVERFLOW, "IntegerOverflow");
    ERR(binop(b, "DIV", "i64 -9223372036854775808", "i64 -1"), STOFFEL_VM_ERR_OVERFLOW, "IntegerOverflow");
    ERR(binop(b, "DIV", "i64 1", "i64 0"), STOFFEL_VM_ERR_DIV_ZERO, "division by zero (DivisionByZero)");
    ERR(binop(b, "MOD", "i64 1", "i64 0"), STOFFEL_VM_ERR_DIV_ZERO, "modulo by zero (ModuloByZero)");

    OK(binop(b, "ADD", "i32 2147483600", "i32 47"), "2147483647");
    ERR(binop(b, "ADD", "i32 2147483600", "i32 48"), STOFFEL_VM_ERR_OVERFLOW, "does not fit int32");
    ERR(binop(b, "MUL", "i16 200", "i16 200"), STOFFEL_VM_ERR_OVERFLOW, "does not fit int16");
    OK(binop(b, "SUB", "i8 -100", "i8 28"), "-128");
    ERR(binop(b, "SUB", "i8 -100", "i8 29"), STOFFEL_VM_ERR_OVERFLOW, "does not fit int8");
    ERR(binop(b, "DIV", "i8 -128", "i8 -1"), STOFFEL_VM_ERR_OVERFLOW, "int8");
    OK(binop(b, "ADD", "u8 200", "u8 55"), "255");
    ERR(binop(b, "ADD", "u8 200", "u8 56"), STOFFEL_VM_ERR_OVERFLOW, "does not fit uint8");
    ERR(binop(b, "SUB", "u16 1", "u16 2"), STOFFEL_VM_ERR_OVERFLOW, "does not fit uint16");
    OK(binop(b, "MUL", "u32 65536", "u32 65535"), "4294901760");
    ERR(binop(b, "MUL", "u32 65536", "u32 65536"), STOFFEL_VM_ERR_OVERFLOW, "uint32");
    OK(binop(b, "ADD", "u64 18446744073709551614", "u64 1"), "18446744073709551615");
    ERR(binop(b, "ADD", "u64 18446744073709551615", "u64 1"), STOFFEL_VM_ERR_OVERFLOW, "uint64");
    OK(binop(b, "DIV", "u64 18446744073709551615", "u64 16"), "1152921504606846975");
    ERR(binop(b, "MOD", "u16 5", "u16 0"), STOFFEL_VM_ERR_DIV_ZERO, "ModuloByZero");
    /* Mixed widths are type errors. */
    ERR(binop(b, "ADD", "i64 1", "i32 1"), STOFFEL_VM_ERR_TYPE, "ADD needs integers of the same type, got int64 and int32");
    ERR(binop(b, "MUL", "u8 1", "i8 1"), STOFFEL_VM_ERR_TYPE, "uint8 and int8");
    /* Bitwise and shifts. */
    OK(binop(b, "AND", "i64 12", "i64 10"), "8");
    OK(binop(b, "OR", "u8 12", "u8 3"), "15");
    OK(binop(b, "XOR", "i32 -1", "i32 5"), "-6");
    OK(binop(b, "SHL", "i64 1", "i64 62"), "4611686018427387904");
    OK(binop(b, "SHR", "i64 -16", "i64 2"), "-4"); /* arithmetic for signed */
    OK(binop(b, "SHR", "u8 240", "u8 4"), "15");
    OK(binop(b, "SHL", "u8 255", "u8 4"), "240");
    OK(binop(b, "SHL", "i8 1", "i8 7"), "-128");
    ERR(binop(b, "SHL", "i64 1", "i64 64"), STOFFEL_VM_ERR_OVERFLOW, "shift amount 64 out of range 0..63");
    ERR(binop(b, "SHR", "u16 1", "u16 16"), STOFFEL_VM_ERR_OVERFLOW, "0..15");
    ERR(binop(b, "SHL", "i32 1", "i32 -1"), STOFFEL_VM_ERR_OVERFLOW, "shift amount -1");
    OK(binop(b, "AND", "bool true", "bool false"), "false");
    OK(binop(b, "OR", "bool true", "bool false"), "true");
    OK(binop(b, "XOR", "bool true", "bool true"), "false");
    ERR(binop(b, "AND", "f64 1", "f64 1"), STOFFEL_VM_ERR_TYPE, "AND is not defined for float and float");
    OK("fn main\n LDI r1 i16 5\n NOT r0 r1\n RET r0\n", "-6");
    OK("fn main\n LDI r1 u8 5\n NOT r0 r1\n RET r0\n", "250");
    OK("fn main\n LDI r1 bool true\n NOT r0 r1\n RET r0\n", "false");
    ERR("fn main\n LDI r1 str \"x\"\n NOT r0 r1\n RET r0\n", STOFFEL_VM_ERR_TYPE, "NOT is not defined for string");
}

static void test_floats_strings(void)
{
    char b[512];
    OK(binop(b, "ADD", "f64 1.5", "f64 1"), "2.5");
    OK(binop(b, "MUL", "f64 0.1", "i64 3"), "0.30000000000000004");
    OK(binop(b, "SUB", "i64 1", "f64 0.5"), "0.5");
    OK(binop(b, "DIV", "f64 1", "f64 3"), "0.3333333333333333");
    OK(binop(b, "MOD", "f64 7.5", "f64 2"), "1.5");
    ERR(binop(b, "DIV", "f64 1", "f64 0"), STOFFEL_VM_ERR_DIV_ZERO, "DivisionByZero");
    ERR(binop(b, "ADD", "f64 1", "i32 1"), STOFFEL_VM_ERR_TYPE, "ADD is not defined for float and int32");
    OK(binop(b, "MUL", "f64 1e300", "f64 1e300"), "inf");
    OK(binop(b, "ADD", "str \"ab\"", "str \"cd\""), "\"abcd\"");
    ERR(binop(b, "SUB", "str \"ab\"", "str \"cd\""), STOFFEL_VM_ERR_TYPE, "SUB is not defined for string and string");
    ERR(binop(b, "ADD", "str \"ab\"", "i64 1"), STOFFEL_VM_ERR_TYPE, "string and int64");
}

/* x = a CMP b rendered as "<" / "=" / ">" via the jump idioms. */
static const char *cmp_prog(char *buf, const char *a, const char *b)
{
    snprintf(buf, 1024,
             "fn main\n LDI r1 %s\n LDI r2 %s\n CMP r1 r2\n JMPLT lt\n JMPGT gt\n JMPNEQ bad\n"
             " LDI r0 str \"=\"\n RET r0\nlt:\n LDI r0 str \"<\"\n RET r0\ngt:\n LDI r0 str \">\"\n RET r0\n"
             "bad:\n LDI r0 str \"?\"\n RET r0\n", a, b);
    return buf;
}

static void test_compare(void)
{
    char b[1024];
    OK(cmp_prog(b, "i64 1", "i64 2"), "\"<\"");
    OK(cmp_prog(b, "i64 2", "i64 2"), "\"=\"");
    OK(cmp_prog(b, "i8 -1", "u64 18446744073709551615"), "\"<\"");
    OK(cmp_prog(b, "u64 18446744073709551615", "i64 -1"), "\">\"");
    OK(cmp_prog(b, "u8 200", "i32 200"), "\"=\"");
    OK(cmp_prog(b, "i64 9007199254740993", "f64 9007199254740992"), "\">\""); /* exact, no rounding */
    OK(cmp_prog(b, "f64 0.5", "i64 0"), "\">\"");
    OK(cmp_prog(b, "f64 -0.5", "i64 0"), "\"<\"");
    OK(cmp_prog(b, "i64 9223372036854775807", "f64 inf"), "\"<\"");
    OK(cmp_prog(b, "f64 -inf", "i64 -9223372036854775808"), "\"<\"");
    OK(cmp_prog(b, "str \"abc\"", "str \"abd\""), "\"<\"");
    OK(cmp_prog(b, "str \"ab\"", "str \"a\""), "\">\"");
    OK(cmp_prog(b, "bool false", "bool true"), "\"<\"");
    ERR(cmp_prog(b, "f64 nan", "f64 1"), STOFFEL_VM_ERR_TYPE, "cannot compare float with float (CannotCompare)");
    ERR(cmp_prog(b, "str \"1\"", "i64 1"), STOFFEL_VM_ERR_TYPE, "cannot compare string with int64");
    ERR(cmp_prog(b, "unit", "unit"), STOFFEL_VM_ERR_TYPE, "CannotCompare");
    /* The flag starts Equal: JMPEQ with no CMP is taken. */
    OK("fn main\n JMPEQ yes\n LDI r0 i64 0\n RET r0\nyes:\n LDI r0 i64 1\n RET r0\n", "1");
}

static void test_control_and_calls(void)
{
    /* Loop: sum of 0..9 with a modulo filter (even numbers) = 20. */
    OK("fn main\n LDI r1 i64 0\n LDI r2 i64 0\n LDI r3 i64 10\n LDI r4 i64 2\n LDI r5 i64 0\n LDI r7 i64 1\n"
       "loop:\n MOD r6 r1 r4\n CMP r6 r5\n JMPNEQ skip\n ADD r2 r2 r1\nskip:\n ADD r1 r1 r7\n CMP r1 r3\n JMPLT loop\n"
       " MOV r0 r2\n RET r0\n", "20");
    /* Calls: arguments in r0.., result in the caller's r0; recursion (factorial 10). */
    OK("fn main\n LDI r1 i64 10\n PUSHARG r1\n CALL fact\n RET r0\n"
       "fn fact n\n LDI r1 i64 1\n CMP r0 r1\n JMPGT rec\n RET r1\nrec:\n MOV r2 r0\n SUB r3 r0 r1\n"
       " PUSHARG r3\n CALL fact\n MUL r0 r0 r2\n RET r0\n", "3628800");
    ERR("fn main\n LDI r1 i64 1\n PUSHARG r1\n CALL two\n RET r0\nfn two a b\n RET r0\n", STOFFEL_VM_ERR_ARITY,
        "function 'two' takes 2 arguments, got 1 (FunctionArityMismatch)");
    ERR("fn main\n CALL nowhere\n RET r0\n", STOFFEL_ERR_NOT_FOUND, "runtime error in function 'main' at instruction 0 (CALL): function 'nowhere' is not defined");
    /* Implicit return at the end of code returns r0; a jump to the end returns too. */
    OK("fn main\n LDI r0 i64 7\n", "7");
    OK("fn main\n LDI r0 i64 8\n JMP end\n LDI r0 i64 9\nend:\n", "8");
    OK("fn main\n", "()");
    PRINTS("fn main\n NOP\n LDI r1 i64 3\n NOP\n PUSHARG r1\n CALL print\n RET r0\n", "3\n");
    /* LD reads the pending argument stack (offset 0 = top). */
    OK("fn main\n LDI r1 i64 5\n LDI r2 i64 6\n PUSHARG r1\n PUSHARG r2\n LD r3 0\n LD r4 -1\n SUB r0 r3 r4\n RET r0\n", "1");
    ERR("fn main\n LD r3 -1\n RET r3\n", STOFFEL_VM_ERR_RUNTIME, "LD offset -1 is out of bounds");
    /* Spill slots: raw store/load; unset slots read Unit. */
    OK("fn main\n LDI r1 i64 11\n STS 5 r1\n LDS r0 5\n RET r0\n", "11");
    OK("fn main\n LDS r0 3\n RET r0\n", "()");
    /* A clear value written to a secret register needs an engine. */
    ERR("fn main\n LDI r16 i64 1\n RET r0\n", STOFFEL_VM_ERR_NO_ENGINE, "ClearValueInSecretRegister");
    /* A bytecode function named like a builtin collides. */
    ERR("fn main\n RET r0\nfn print\n RET r0\n", STOFFEL_VM_ERR_DUPLICATE, "FunctionAlreadyRegistered");
    /* Deep recursion hits the call depth limit, not the C stack. */
    ERR("fn main\n CALL main\n", STOFFEL_ERR_LIMIT, "call depth limit of 10000 frames exceeded");
}

static void test_limits(void)
{
    stoffel_vm_program *p = tasm_build("fn main\nloop:\n JMP loop\n");
    CHECK(p != NULL);
    stoffel_vm_config cfg;
    stoffel_vm_config_defaults(&cfg);
    cfg.instruction_budget = 1000;
    stoffel_vm *vm;
    CHECK_EQ_INT(stoffel_vm_new(p, &cfg, &vm, NULL, 0), 0);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "main", NULL, 0, NULL), STOFFEL_ERR_LIMIT);
    CHECK(strstr(stoffel_vm_last_error(vm), "instruction budget of 1000 exhausted") != NULL);
    stoffel_vm_free(vm);
    stoffel_vm_program_free(p);

    p = tasm_build("fn main\n LDI r1 i64 1\n STS 100 r1\n RET r0\n");
    stoffel_vm_config_defaults(&cfg);
    cfg.max_spill_slots = 64;
    CHECK_EQ_INT(stoffel_vm_new(p, &cfg, &vm, NULL, 0), 0);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "main", NULL, 0, NULL), STOFFEL_ERR_LIMIT);
    CHECK(strstr(stoffel_vm_last_error(vm), "spill slot 100 is past the limit of 64") != NULL);
    stoffel_vm_free(vm);
    stoffel_vm_program_free(p);

    /* Memory limit: an ever-growing array. */
    p = tasm_build("fn main\n CALL create_array\n MOV r1 r0\n LDI r2 i64 1\nloop:\n PUSHARG r1\n PUSHARG r2\n CALL array_push\n JMP loop\n");
    stoffel_vm_config_defaults(&cfg);
    cfg.max_memory_bytes = 1 << 20;
    CHECK_EQ_INT(stoffel_vm_new(p, &cfg, &vm, NULL, 0), 0);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "main", NULL, 0, NULL), STOFFEL_ERR_LIMIT);
    CHECK(strstr(stoffel_vm_last_error(vm), "memory limit of 1048576 bytes exceeded") != NULL);
    stoffel_vm_free(vm);
    stoffel_vm_program_free(p);
}

/* Entry with arguments, exact values in and out, and a host function with userdata. */
static int host_scale(stoffel_vm_call *call, const stoffel_vm_value *args, size_t nargs, stoffel_vm_value *result, void *ud)
{
    if (nargs != 1 || args[0].kind != STOFFEL_VM_I64)
        return stoffel_vm_call_fail(call, "expected one int64, got %zu arguments", nargs);
    *result = stoffel_vm_value_int(STOFFEL_VM_I64, args[0].as.i * *(int64_t *)ud);
    return 0;
}

static int host_make_list(stoffel_vm_call *call, const stoffel_vm_value *args, size_t nargs, stoffel_vm_value *result, void *ud)
{
    (void)args;
    (void)nargs;
    (void)ud;
    stoffel_vm *vm = stoffel_vm_call_vm(call);
    stoffel_vm_value arr, k, v;
    stoffel_vm_new_array(vm, &arr);
    for (int i = 0; i < 3; i++) {
        k = stoffel_vm_value_int(STOFFEL_VM_I64, i);
        v = stoffel_vm_value_string(i == 1 ? "b" : "a", 1);
        stoffel_vm_table_set(vm, &arr, &k, &v);
    }
    *result = arr;
    return 0;
}

static void test_embedding(void)
{
    stoffel_vm_program *p = tasm_build(
        "fn main\n RET r0\n"
        "fn entry x y\n PUSHARG r0\n CALL scale\n ADD r0 r0 r1\n RET r0\n"
        "fn lists\n CALL make_list\n RET r0\n"
        "fn bad\n CALL scale\n RET r0\n");
    stoffel_vm *vm;
    CHECK_EQ_INT(stoffel_vm_new(p, NULL, &vm, NULL, 0), 0);
    int64_t factor = 3;
    CHECK_EQ_INT(stoffel_vm_register_function(vm, "scale", host_scale, &factor), 0);
    CHECK_EQ_INT(stoffel_vm_register_function(vm, "scale", host_scale, &factor), STOFFEL_VM_ERR_DUPLICATE);
    CHECK_EQ_INT(stoffel_vm_register_function(vm, "print", host_scale, &factor), STOFFEL_VM_ERR_DUPLICATE);
    CHECK_EQ_INT(stoffel_vm_register_function(vm, "make_list", host_make_list, NULL), 0);
    stoffel_vm_value args[2] = {stoffel_vm_value_int(STOFFEL_VM_I64, 5), stoffel_vm_value_int(STOFFEL_VM_I64, 2)};
    stoffel_vm_value r;
    CHECK_EQ_INT(stoffel_vm_execute(vm, "entry", args, 2, &r), 0);
    CHECK(r.kind == STOFFEL_VM_I64 && r.as.i == 17);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "entry", args, 1, &r), STOFFEL_VM_ERR_ARITY);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "missing", NULL, 0, &r), STOFFEL_ERR_NOT_FOUND);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "lists", NULL, 0, &r), 0);
    CHECK(r.kind == STOFFEL_VM_ARRAY);
    size_t len = 0;
    CHECK_EQ_INT(stoffel_vm_table_length(vm, &r, &len), 0);
    CHECK_EQ_INT(len, 3);
    stoffel_vm_value key = stoffel_vm_value_int(STOFFEL_VM_I64, -2), elem;
    CHECK_EQ_INT(stoffel_vm_table_get(vm, &r, &key, &elem), 0);
    CHECK(elem.kind == STOFFEL_VM_STRING && elem.as.str.len == 1 && elem.as.str.ptr[0] == 'b');
    char *text;
    CHECK_EQ_INT(stoffel_vm_format_value(vm, &r, STOFFEL_VM_FORMAT_RESULT, &text), 0);
    CHECK_EQ_STR(text, "[\"a\", \"b\", \"a\"]");
    stoffel_vm_bytes_free(text);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "bad", NULL, 0, &r), STOFFEL_VM_ERR_RUNTIME);
    CHECK(strstr(stoffel_vm_last_error(vm), "scale: expected one int64, got 0 arguments") != NULL);
    /* Stats count what ran. */
    stoffel_vm_stats st = {.struct_size = sizeof st};
    CHECK_EQ_INT(stoffel_vm_get_stats(vm, &st), 0);
    CHECK(st.calls >= 4);
    stoffel_vm_free(vm);
    stoffel_vm_program_free(p);
}

/* Hooks see every instruction; cancellation stops a run. */
typedef struct {
    int instructions;
    int calls;
    char first[64];
} hook_log;

static int hook_fn(void *ud, const stoffel_vm_event *ev)
{
    hook_log *h = ud;
    if (ev->kind == STOFFEL_VM_EVENT_INSTRUCTION) {
        if (h->instructions++ == 0)
            snprintf(h->first, sizeof h->first, "%s@%zu:%s", ev->function, ev->ip, ev->text);
    } else if (ev->kind == STOFFEL_VM_EVENT_CALL) {
        h->calls++;
    }
    return h->instructions > 50 ? 7 : 0;
}

static void test_hooks(void)
{
    stoffel_vm_program *p = tasm_build("fn main\n LDI r1 i64 2\n PUSHARG r1\n CALL type\n RET r0\nfn spin\nl:\n JMP l\n");
    stoffel_vm *vm;
    CHECK_EQ_INT(stoffel_vm_new(p, NULL, &vm, NULL, 0), 0);
    hook_log h = {0};
    stoffel_vm_set_hook(vm, hook_fn, &h);
    stoffel_vm_value r;
    CHECK_EQ_INT(stoffel_vm_execute(vm, "main", NULL, 0, &r), 0);
    CHECK_EQ_INT(h.instructions, 4);
    CHECK_EQ_INT(h.calls, 1);
    CHECK_EQ_STR(h.first, "main@0:LDI(1, I64(2))");
    CHECK_EQ_INT(stoffel_vm_execute(vm, "spin", NULL, 0, &r), STOFFEL_ERR_CANCELLED);
    CHECK(strstr(stoffel_vm_last_error(vm), "aborted by a hook (status 7)") != NULL);
    stoffel_vm_free(vm);
    stoffel_vm_program_free(p);
}

/* Runs main with an instruction budget (0 = none); the status, result and instruction count. */
static int run_budget(const char *src, uint64_t budget, int64_t *result, uint64_t *instructions, char *err, size_t err_len)
{
    stoffel_vm_program *p = tasm_build(src);
    stoffel_vm_config cfg;
    stoffel_vm_config_defaults(&cfg);
    cfg.instruction_budget = budget;
    stoffel_vm *vm;
    int rc = stoffel_vm_new(p, &cfg, &vm, err, err_len);
    if (rc == 0) {
        stoffel_vm_value r;
        rc = stoffel_vm_execute(vm, "main", NULL, 0, &r);
        *result = rc == 0 && r.kind == STOFFEL_VM_I64 ? r.as.i : -1;
        stoffel_vm_stats st = {.struct_size = sizeof st};
        stoffel_vm_get_stats(vm, &st);
        *instructions = st.instructions;
        snprintf(err, err_len, "%s", stoffel_vm_last_error(vm));
        stoffel_vm_free(vm);
    }
    stoffel_vm_program_free(p);
    return rc;
}

/*
 * The fused loop step (ADD/SUB/MOD + CMP + conditional jump in one dispatch) behaves exactly like
 * the three instructions: same results, instruction counts, budget and errors. A label on the
 * jump (never used) keeps the second program from being fused.
 */
static void test_fused_loop_step(void)
{
    static const char *const fused =
        "fn main\n LDI r1 i64 0\n LDI r2 i64 10\n LDI r3 i64 1\n LDI r4 i64 0\n LDI r5 i64 -3\n LDI r6 i64 0\n"
        "loop:\n ADD r1 r1 r3\n MOD r7 r1 r5\n CMP r7 r6\n JMPNEQ skip\n ADD r4 r4 r1\nskip:\n CMP r1 r2\n JMPLT loop\n RET r4\n";
    static const char *const plain =
        "fn main\n LDI r1 i64 0\n LDI r2 i64 10\n LDI r3 i64 1\n LDI r4 i64 0\n LDI r5 i64 -3\n LDI r6 i64 0\n"
        "loop:\n ADD r1 r1 r3\n MOD r7 r1 r5\n CMP r7 r6\nx:\n JMPNEQ skip\n ADD r4 r4 r1\nskip:\n CMP r1 r2\ny:\n JMPLT loop\n RET r4\n";
    char err[512];
    int64_t r1 = 0, r2 = 0;
    uint64_t n1 = 0, n2 = 0;
    CHECK_EQ_INT(run_budget(fused, 0, &r1, &n1, err, sizeof err), 0);
    CHECK_EQ_INT(run_budget(plain, 0, &r2, &n2, err, sizeof err), 0);
    CHECK_EQ_INT(r1, 18); /* 3 + 6 + 9 */
    CHECK_EQ_INT(r2, 18);
    CHECK_EQ_INT(n1, 6 + 10 * 6 + 3 + 1); /* 3 of the 10 steps take the ADD */
    CHECK_EQ_INT(n1, n2);
    /* A budget of N instructions runs exactly N, fused or not. */
    CHECK_EQ_INT(run_budget(fused, n1, &r1, &n2, err, sizeof err), 0);
    CHECK_EQ_INT(run_budget(plain, n1, &r2, &n2, err, sizeof err), 0);
    for (uint64_t b = n1 - 1; b + 8 > n1; b--) {
        CHECK_EQ_INT(run_budget(fused, b, &r1, &n2, err, sizeof err), STOFFEL_ERR_LIMIT);
        char err2[512];
        uint64_t m = 0;
        CHECK_EQ_INT(run_budget(plain, b, &r2, &m, err2, sizeof err2), STOFFEL_ERR_LIMIT);
        CHECK_MSG(n2 == b && m == b && strstr(err, "instruction budget of") && strstr(err2, "instruction budget of"),
                  "budget %llu: ran %llu fused, %llu plain", (unsigned long long)b, (unsigned long long)n2, (unsigned long long)m);
    }
    /* Overflow inside the fused step is the ADD's error, at the ADD. */
    CHECK_EQ_INT(run_budget("fn main\n LDI r1 i64 9223372036854775805\n LDI r2 i64 0\n LDI r3 i64 1\n"
                            "loop:\n ADD r1 r1 r3\n CMP r1 r2\n JMPGT loop\n RET r1\n", 0, &r1, &n1, err, sizeof err),
                 STOFFEL_VM_ERR_OVERFLOW);
    CHECK_MSG(strstr(err, "at instruction 3 (ADD)") && strstr(err, "(IntegerOverflow)"), "%s", err);
    /* A non-I64 operand leaves the fast path: floats step and compare as usual. */
    CHECK_EQ_INT(run_budget("fn main\n LDI r1 f64 0\n LDI r2 f64 2.5\n LDI r3 f64 0.5\n LDI r4 i64 0\n LDI r5 i64 1\n"
                            "loop:\n ADD r4 r4 r5\n ADD r1 r1 r3\n CMP r1 r2\n JMPLT loop\n RET r4\n", 0, &r1, &n1, err, sizeof err), 0);
    CHECK_EQ_INT(r1, 5);
}

/* Every event of a small program, one line each, in order (spec §2.7). */
typedef struct {
    char text[8192];
    size_t len;
} event_log;

static void value_text(char *buf, size_t n, const stoffel_vm_value *v, int pending)
{
    if (pending)
        snprintf(buf, n, "pending");
    else if (v->kind == STOFFEL_VM_I64)
        snprintf(buf, n, "%lld", (long long)v->as.i);
    else if (v->kind == STOFFEL_VM_UNIT)
        snprintf(buf, n, "()");
    else if (v->kind == STOFFEL_VM_ARRAY)
        snprintf(buf, n, "array#%llu", (unsigned long long)v->as.handle);
    else if (v->kind == STOFFEL_VM_STRING)
        snprintf(buf, n, "\"%.*s\"", (int)v->as.str.len, v->as.str.ptr);
    else
        snprintf(buf, n, "kind%d", (int)v->kind);
}

static int event_logger(void *ud, const stoffel_vm_event *ev)
{
    event_log *l = ud;
    char v[64], o[64], t[64], k[64], line[512];
    value_text(v, sizeof v, &ev->value, ev->pending);
    value_text(o, sizeof o, &ev->old_value, ev->old_pending);
    value_text(t, sizeof t, &ev->table, 0);
    value_text(k, sizeof k, &ev->key, 0);
    switch (ev->kind) {
    case STOFFEL_VM_EVENT_INSTRUCTION: snprintf(line, sizeof line, "%s@%zu %s", ev->function, ev->ip, ev->text); break;
    case STOFFEL_VM_EVENT_AFTER_INSTRUCTION: snprintf(line, sizeof line, "  done %s@%zu", ev->function, ev->ip); break;
    case STOFFEL_VM_EVENT_REGISTER_READ: snprintf(line, sizeof line, "  read r%u = %s", ev->reg, v); break;
    case STOFFEL_VM_EVENT_REGISTER_WRITE: snprintf(line, sizeof line, "  write r%u %s -> %s", ev->reg, o, v); break;
    case STOFFEL_VM_EVENT_CALL: snprintf(line, sizeof line, "  call %s (%zu args) depth %zu", ev->callee, ev->nargs, ev->depth); break;
    case STOFFEL_VM_EVENT_RETURN: snprintf(line, sizeof line, "  return %s = %s", ev->callee, v); break;
    case STOFFEL_VM_EVENT_STACK_PUSH: snprintf(line, sizeof line, "  push %s (height %zu)", v, ev->nargs); break;
    case STOFFEL_VM_EVENT_STACK_POP: snprintf(line, sizeof line, "  pop %zu", ev->nargs); break;
    case STOFFEL_VM_EVENT_ELEMENT_WRITE: snprintf(line, sizeof line, "  element write %s[%s] %s -> %s", t, k, o, v); break;
    case STOFFEL_VM_EVENT_ELEMENT_READ: snprintf(line, sizeof line, "  element read %s[%s] = %s", t, k, v); break;
    case STOFFEL_VM_EVENT_FIELD_WRITE: snprintf(line, sizeof line, "  field write %s[%s] %s -> %s", t, k, o, v); break;
    case STOFFEL_VM_EVENT_FIELD_READ: snprintf(line, sizeof line, "  field read %s[%s] = %s", t, k, v); break;
    case STOFFEL_VM_EVENT_VARIABLE_WRITE: snprintf(line, sizeof line, "  variable write %s %s -> %s", ev->name, o, v); break;
    case STOFFEL_VM_EVENT_VARIABLE_READ: snprintf(line, sizeof line, "  variable read %s = %s", ev->name, v); break;
    default: snprintf(line, sizeof line, "  event %d", (int)ev->kind); break;
    }
    l->len += (size_t)snprintf(l->text + l->len, sizeof l->text - l->len, "%s\n", line);
    return 0;
}

static void test_hook_events(void)
{
    stoffel_vm_program *p = tasm_build("fn main\n LDI r1 i64 2\n PUSHARG r1\n CALL double\n CALL create_array\n MOV r3 r0\n"
                                       " PUSHARG r3\n PUSHARG r1\n PUSHARG r1\n CALL set_field\n"
                                       " LDI r5 str \"g\"\n PUSHARG r5\n PUSHARG r3\n CALL Vm.global_set\n"
                                       " PUSHARG r5\n CALL Vm.global_get\n PUSHARG r0\n PUSHARG r1\n CALL get_field\n RET r0\n"
                                       "fn double a\n ADD r1 r0 r0\n RET r1\n");
    stoffel_vm *vm;
    CHECK_EQ_INT(stoffel_vm_new(p, NULL, &vm, NULL, 0), 0);
    event_log l = {.len = 0};
    stoffel_vm_set_hook(vm, event_logger, &l);
    stoffel_vm_value r;
    CHECK_EQ_INT(stoffel_vm_execute(vm, "main", NULL, 0, &r), 0);
    CHECK(r.kind == STOFFEL_VM_I64 && r.as.i == 2);
    CHECK_EQ_STR(l.text,
        "main@0 LDI(1, I64(2))\n"
        "  done main@0\n"
        "  write r1 () -> 2\n"
        "main@1 PUSHARG(1)\n"
        "  read r1 = 2\n"
        "  push 2 (height 1)\n"
        "  done main@1\n"
        "main@2 CALL(\"double\")\n"
        "  call double (1 args) depth 1\n"
        "  pop 1\n"
        "double@0 ADD(1, 0, 0)\n"
        "  read r0 = 2\n"
        "  read r0 = 2\n"
        "  done double@0\n"
        "  write r1 () -> 4\n"
        "double@1 RET(1)\n"
        "  read r1 = 4\n"
        "  return double = 4\n"
        "  done main@2\n"
        "  write r0 () -> 4\n"
        "main@3 CALL(\"create_array\")\n"
        "  call create_array (0 args) depth 1\n"
        "  pop 0\n"
        "  return create_array = array#1\n"
        "  done main@3\n"
        "  write r0 4 -> array#1\n"
        "main@4 MOV(3, 0)\n"
        "  read r0 = array#1\n"
        "  done main@4\n"
        "  write r3 () -> array#1\n"
        "main@5 PUSHARG(3)\n"
        "  read r3 = array#1\n"
        "  push array#1 (height 1)\n"
        "  done main@5\n"
        "main@6 PUSHARG(1)\n"
        "  read r1 = 2\n"
        "  push 2 (height 2)\n"
        "  done main@6\n"
        "main@7 PUSHARG(1)\n"
        "  read r1 = 2\n"
        "  push 2 (height 3)\n"
        "  done main@7\n"
        "main@8 CALL(\"set_field\")\n"
        "  call set_field (3 args) depth 1\n"
        "  pop 3\n"
        "  element write array#1[2] () -> 2\n"
        "  return set_field = ()\n"
        "  done main@8\n"
        "  write r0 array#1 -> ()\n"
        "main@9 LDI(5, String(\"g\"))\n"
        "  done main@9\n"
        "  write r5 () -> \"g\"\n"
        "main@10 PUSHARG(5)\n"
        "  read r5 = \"g\"\n"
        "  push \"g\" (height 1)\n"
        "  done main@10\n"
        "main@11 PUSHARG(3)\n"
        "  read r3 = array#1\n"
        "  push array#1 (height 2)\n"
        "  done main@11\n"
        "main@12 CALL(\"Vm.global_set\")\n"
        "  call Vm.global_set (2 args) depth 1\n"
        "  pop 2\n"
        "  variable write g () -> array#1\n"
        "  return Vm.global_set = ()\n"
        "  done main@12\n"
        "  write r0 () -> ()\n"
        "main@13 PUSHARG(5)\n"
        "  read r5 = \"g\"\n"
        "  push \"g\" (height 1)\n"
        "  done main@13\n"
        "main@14 CALL(\"Vm.global_get\")\n"
        "  call Vm.global_get (1 args) depth 1\n"
        "  pop 1\n"
        "  variable read g = array#1\n"
        "  return Vm.global_get = array#1\n"
        "  done main@14\n"
        "  write r0 () -> array#1\n"
        "main@15 PUSHARG(0)\n"
        "  read r0 = array#1\n"
        "  push array#1 (height 1)\n"
        "  done main@15\n"
        "main@16 PUSHARG(1)\n"
        "  read r1 = 2\n"
        "  push 2 (height 2)\n"
        "  done main@16\n"
        "main@17 CALL(\"get_field\")\n"
        "  call get_field (2 args) depth 1\n"
        "  pop 2\n"
        "  element read array#1[2] = 2\n"
        "  return get_field = 2\n"
        "  done main@17\n"
        "  write r0 array#1 -> 2\n"
        "main@18 RET(0)\n"
        "  read r0 = 2\n"
        "  return main = 2\n");
    stoffel_vm_free(vm);
    stoffel_vm_program_free(p);
}

int main(void)
{
    test_arith_widths();
    test_floats_strings();
    test_compare();
    test_control_and_calls();
    test_limits();
    test_embedding();
    test_hooks();
    test_hook_events();
    test_fused_loop_step();
    return test_finish();
}
