/*
 * test_builtins.c - the clear builtins (spec §5, §8.1, §8.2, §8.4, §8.5): print / to_string /
 * type formatting of every value kind, collections with Pythonic indices, strings, closures and
 * upvalues, module globals, LocalStorage over the in-memory store, bytes, hashes and field
 * arithmetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/vm.h>

#include "test_util.h"
#include "vm_text_asm.h"

static void expect(const char *src, int status, const char *result, const char *printed, int line)
{
    char res[4096], out[8192];
    int rc = run_main(src, res, sizeof res, out, sizeof out);
    if (status == 0)
        CHECK_MSG(rc == 0 && (!result || strcmp(res, result) == 0), "line %d: rc %d, got \"%s\", want \"%s\"", line, rc, res, result ? result : "");
    else
        CHECK_MSG(rc == status && strstr(res, result), "line %d: rc %d (want %d), \"%s\" lacks \"%s\"", line, rc, status, res, result);
    if (printed)
        CHECK_MSG(strcmp(out, printed) == 0, "line %d: printed \"%s\", want \"%s\"", line, out, printed);
}
#define OK(src, want) expect(src, 0, want, NULL, __LINE__)
#define PRINTS(src, printed) expect(src, 0, NULL, printed, __LINE__)
#define ERR(src, status, needle) expect(src, status, needle, NULL, __LINE__)

/* print(<one constant>) */
static const char *print1(char *buf, const char *k)
{
    snprintf(buf, 256, "fn main\n LDI r1 %s\n PUSHARG r1\n CALL print\n RET r0\n", k);
    return buf;
}

/* A list [1..n] in r1 (built with create_array + array_push), then `tail`. */
static const char *with_list(char *buf, int n, const char *tail)
{
    size_t o = (size_t)snprintf(buf, 8192, "fn main\n CALL create_array\n MOV r1 r0\n");
    for (int i = 1; i <= n; i++)
        o += (size_t)snprintf(buf + o, 8192 - o, " LDI r2 i64 %d\n PUSHARG r1\n PUSHARG r2\n CALL array_push\n", i);
    snprintf(buf + o, 8192 - o, "%s", tail);
    return buf;
}

static void test_print_formats(void)
{
    char b[8192];
    PRINTS(print1(b, "i64 -42"), "-42\n");
    PRINTS(print1(b, "i32 7"), "7i32\n");
    PRINTS(print1(b, "i16 3"), "3i16\n");
    PRINTS(print1(b, "i8 -1"), "-1i8\n");
    PRINTS(print1(b, "u8 7"), "7u8\n");
    PRINTS(print1(b, "u16 9"), "9u16\n");
    PRINTS(print1(b, "u32 5"), "5u32\n");
    PRINTS(print1(b, "u64 12"), "12u64\n");
    PRINTS(print1(b, "f64 2.5"), "2.5f64\n");
    PRINTS(print1(b, "f64 2"), "2f64\n");
    PRINTS(print1(b, "f64 1e21"), "1000000000000000000000f64\n");
    PRINTS(print1(b, "f64 1e-7"), "0.0000001f64\n");
    PRINTS(print1(b, "f64 0.1"), "0.1f64\n");
    PRINTS(print1(b, "f64 123456789.125"), "123456789.125f64\n");
    PRINTS(print1(b, "f64 -0.0"), "-0f64\n");
    PRINTS(print1(b, "f64 nan"), "NaNf64\n");
    PRINTS(print1(b, "f64 -inf"), "-inf\x66\x36\x34\n");
    char big[400], tiny[400];
    size_t n = (size_t)snprintf(big, sizeof big, "17976931348623157");
    while (n < 309)
        big[n++] = '0';
    strcpy(big + n, "f64\n");
    PRINTS(print1(b, "f64 1.7976931348623157e308"), big);
    n = (size_t)snprintf(tiny, sizeof tiny, "0.");
    while (n < 2 + 323)
        tiny[n++] = '0';
    strcpy(tiny + n, "5f64\n");
    PRINTS(print1(b, "f64 5e-324"), tiny);
    PRINTS(print1(b, "bool true"), "true\n");
    PRINTS(print1(b, "unit"), "()\n");
    PRINTS(print1(b, "str \"hi there\""), "hi there\n");
    /* Several arguments joined by one space; strings quoted inside containers. */
    PRINTS("fn main\n LDI r1 i64 1\n LDI r2 str \"a\"\n LDI r3 bool false\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL print\n RET r0\n", "1 a false\n");
    PRINTS(with_list(b, 2, " LDI r2 str \"x\\\"y\"\n PUSHARG r1\n PUSHARG r2\n CALL array_push\n PUSHARG r1\n CALL print\n RET r0\n"),
           "[1, 2, \"x\\\"y\"]\n");
    PRINTS(with_list(b, 20, " PUSHARG r1\n CALL print\n RET r0\n"),
           "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, ...(4 more)]\n");
    /* Nesting depth 3 in print. */
    PRINTS("fn main\n CALL create_array\n MOV r1 r0\n CALL create_array\n MOV r2 r0\n CALL create_array\n MOV r3 r0\n CALL create_array\n MOV r4 r0\n"
           " LDI r5 i64 9\n PUSHARG r4\n PUSHARG r5\n CALL array_push\n PUSHARG r3\n PUSHARG r4\n CALL array_push\n"
           " PUSHARG r2\n PUSHARG r3\n CALL array_push\n PUSHARG r1\n PUSHARG r2\n CALL array_push\n PUSHARG r1\n CALL print\n RET r0\n",
           "[[[[...]]]]\n");
    /* Objects print in insertion order; to_string matches print; type names. */
    PRINTS("fn main\n CALL create_object\n MOV r1 r0\n LDI r2 str \"b\"\n LDI r3 i64 1\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL set_field\n"
           " LDI r2 str \"a\"\n LDI r3 u8 2\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL set_field\n PUSHARG r1\n CALL to_string\n MOV r4 r0\n"
           " PUSHARG r4\n CALL print\n PUSHARG r1\n CALL type\n PUSHARG r0\n CALL print\n RET r0\n",
           "{\"b\": 1, \"a\": 2u8}\nobject\n");
    static const char *const types[][2] = {{"i64 1", "int64"}, {"i32 1", "int32"}, {"i16 1", "int16"}, {"i8 1", "int8"},
                                           {"u8 1", "uint8"}, {"u16 1", "uint16"}, {"u32 1", "uint32"}, {"u64 1", "uint64"},
                                           {"f64 1", "float"}, {"bool true", "boolean"}, {"str \"s\"", "string"}, {"unit", "nil"}};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char want[64];
        snprintf(b, sizeof b, "fn main\n LDI r1 %s\n PUSHARG r1\n CALL type\n RET r0\n", types[i][0]);
        snprintf(want, sizeof want, "\"%s\"", types[i][1]);
        OK(b, want);
    }
    OK("fn main\n CALL create_array\n PUSHARG r0\n CALL type\n RET r0\n", "\"array\"");
    /* Program returned: widths plain, floats without suffix, strings quoted, byte arrays as hex. */
    OK("fn main\n LDI r0 u16 300\n RET r0\n", "300");
    OK("fn main\n LDI r0 f64 2.0\n RET r0\n", "2");
    OK("fn main\n LDI r0 str \"q\"\n RET r0\n", "\"q\"");
    OK("fn main\n LDI r1 str \"AB\"\n PUSHARG r1\n CALL Bytes.from_string\n RET r0\n", "byte[2] 0x4142");
    OK("fn main\n CALL create_array\n RET r0\n", "[]");
}

static void test_collections(void)
{
    char b[8192];
    OK(with_list(b, 3, " LDI r2 i64 -1\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n"), "3");
    OK(with_list(b, 3, " LDI r2 i64 -3\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n"), "1");
    ERR(with_list(b, 3, " LDI r2 i64 3\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n"), STOFFEL_VM_ERR_RUNTIME, "array index 3 out of range for length 3");
    ERR(with_list(b, 3, " LDI r2 i64 -4\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n"), STOFFEL_VM_ERR_RUNTIME, "array index -4 out of range");
    /* set_field: negative index normalised; a larger index extends with holes (Unit). */
    OK(with_list(b, 3, " LDI r2 i64 -1\n LDI r3 i64 30\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL set_field\n RET r1\n"), "[1, 2, 30]");
    OK(with_list(b, 1, " LDI r2 i64 3\n LDI r3 i64 7\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL set_field\n PUSHARG r1\n CALL len\n MOV r4 r0\n"
                       " PUSHARG r1\n CALL print\n RET r4\n"), "4");
    PRINTS(with_list(b, 1, " LDI r2 i64 3\n LDI r3 i64 7\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL set_field\n PUSHARG r1\n CALL print\n RET r0\n"),
           "[1, (), (), 7]\n");
    /* A large index goes to the hash part; the length still follows it. */
    OK(with_list(b, 1, " LDI r2 i64 1000000\n LDI r3 i64 7\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL set_field\n PUSHARG r1\n CALL array_length\n RET r0\n"), "1000001");
    /* Only I64 keys are indices: an i32 key is a separate hash entry. */
    OK(with_list(b, 2, " LDI r2 i32 0\n LDI r3 str \"k\"\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL set_field\n LDI r2 i64 0\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n"), "1");
    OK(with_list(b, 2, " LDI r2 i64 9\n PUSHARG r1\n PUSHARG r2\n CALL array_push\n RET r0\n"), "3");
    OK(with_list(b, 3, " PUSHARG r1\n CALL pop\n MOV r2 r0\n PUSHARG r1\n CALL len\n ADD r0 r0 r2\n RET r0\n"), "5");
    OK(with_list(b, 3, " LDI r2 i64 0\n PUSHARG r1\n PUSHARG r2\n CALL pop\n RET r1\n"), "[2, 3]");
    ERR("fn main\n CALL create_array\n PUSHARG r0\n CALL pop\n RET r0\n", STOFFEL_VM_ERR_RUNTIME, "pop from an empty array");
    OK(with_list(b, 3, " LDI r2 i64 -100\n LDI r3 i64 0\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL insert\n LDI r2 i64 100\n LDI r3 i64 9\n"
                       " PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL insert\n RET r1\n"), "[0, 1, 2, 3, 9]");
    OK(with_list(b, 3, " LDI r2 i64 2\n PUSHARG r1\n PUSHARG r2\n CALL remove\n RET r1\n"), "[1, 3]");
    ERR(with_list(b, 3, " LDI r2 i64 5\n PUSHARG r1\n PUSHARG r2\n CALL remove\n RET r1\n"), STOFFEL_VM_ERR_RUNTIME, "remove: value is not in the array");
    OK(with_list(b, 3, " LDI r2 i64 -1\n PUSHARG r1\n PUSHARG r2\n CALL delete\n RET r1\n"), "[1, 2]");
    OK(with_list(b, 3, " LDI r2 i64 3\n PUSHARG r1\n PUSHARG r2\n CALL index\n RET r0\n"), "2");
    ERR(with_list(b, 3, " LDI r2 i64 1\n LDI r3 i64 1\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL index\n RET r0\n"), STOFFEL_VM_ERR_RUNTIME, "index: value is not in the array");
    OK(with_list(b, 3, " LDI r2 i64 2\n PUSHARG r1\n PUSHARG r2\n CALL array_push\n PUSHARG r1\n PUSHARG r2\n CALL count\n RET r0\n"), "2");
    OK(with_list(b, 3, " LDI r2 i64 2\n PUSHARG r1\n PUSHARG r2\n CALL contains\n RET r0\n"), "true");
    OK(with_list(b, 3, " LDI r2 i32 2\n PUSHARG r1\n PUSHARG r2\n CALL contains\n RET r0\n"), "false");
    OK(with_list(b, 3, " PUSHARG r1\n CALL reverse\n RET r1\n"), "[3, 2, 1]");
    OK(with_list(b, 3, " PUSHARG r1\n CALL reverse\n PUSHARG r1\n CALL sort\n RET r1\n"), "[1, 2, 3]");
    ERR(with_list(b, 2, " LDI r2 str \"x\"\n PUSHARG r1\n PUSHARG r2\n CALL array_push\n PUSHARG r1\n CALL sort\n RET r1\n"), STOFFEL_VM_ERR_TYPE, "CannotCompare");
    OK(with_list(b, 2, " PUSHARG r1\n PUSHARG r1\n CALL array_concat\n RET r0\n"), "[1, 2, 1, 2]");
    OK(with_list(b, 2, " LDI r2 i64 3\n PUSHARG r1\n PUSHARG r2\n CALL array_repeat\n RET r0\n"), "[1, 2, 1, 2, 1, 2]");
    OK(with_list(b, 2, " PUSHARG r1\n CALL copy\n MOV r2 r0\n PUSHARG r1\n PUSHARG r2\n CALL array_equals\n MOV r3 r0\n LDI r4 i64 5\n"
                       " PUSHARG r2\n PUSHARG r4\n CALL append\n PUSHARG r1\n PUSHARG r2\n CALL array_equals\n PUSHARG r3\n PUSHARG r0\n CALL print\n RET r1\n"), "[1, 2]");
    PRINTS(with_list(b, 2, " PUSHARG r1\n CALL copy\n MOV r2 r0\n PUSHARG r1\n PUSHARG r2\n CALL array_equals\n MOV r3 r0\n LDI r4 i64 5\n"
                           " PUSHARG r2\n PUSHARG r4\n CALL append\n PUSHARG r1\n PUSHARG r2\n CALL array_equals\n PUSHARG r3\n PUSHARG r0\n CALL print\n RET r1\n"),
           "true false\n");
    OK(with_list(b, 2, " PUSHARG r1\n PUSHARG r1\n CALL extend\n PUSHARG r1\n CALL clear\n PUSHARG r1\n CALL len\n RET r0\n"), "0");
    OK("fn main\n LDI r1 i64 10\n LDI r2 i64 0\n LDI r3 i64 -3\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL range\n RET r0\n", "[10, 7, 4, 1]");
    ERR("fn main\n LDI r1 i64 0\n LDI r2 i64 5\n LDI r3 i64 0\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL range\n RET r0\n", STOFFEL_VM_ERR_RUNTIME, "step must not be zero");
    OK(with_list(b, 6, " LDI r2 i64 1\n LDI r3 i64 -1\n LDI r4 i64 2\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n PUSHARG r4\n CALL slice\n RET r0\n"), "[2, 4]");
    OK(with_list(b, 6, " LDI r2 unit\n LDI r3 unit\n LDI r4 i64 -2\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n PUSHARG r4\n CALL slice\n RET r0\n"), "[6, 4, 2]");
    OK(with_list(b, 3, " LDI r2 i64 1\n LDI r3 i64 9223372036854775807\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL slice\n RET r0\n"), "[2, 3]");
    /* Strings: characters by code point, Pythonic indices, slices, substrings. */
    OK("fn main\n LDI r1 str \"h\xC3\xA9llo\"\n PUSHARG r1\n CALL len\n RET r0\n", "5");
    OK("fn main\n LDI r1 str \"h\xC3\xA9llo\"\n LDI r2 i64 1\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n", "\"\xC3\xA9\"");
    OK("fn main\n LDI r1 str \"hello\"\n LDI r2 i64 -1\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n", "\"o\"");
    ERR("fn main\n LDI r1 str \"hello\"\n LDI r2 i64 5\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n", STOFFEL_VM_ERR_RUNTIME, "string index 5 out of range for length 5");
    OK("fn main\n LDI r1 str \"hello\"\n LDI r2 i64 -4\n LDI r3 unit\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL slice\n RET r0\n", "\"ello\"");
    OK("fn main\n LDI r1 str \"hello\"\n LDI r2 str \"ell\"\n PUSHARG r1\n PUSHARG r2\n CALL contains\n RET r0\n", "true");
    /* Objects: missing keys read Unit; non-table get_field is Unit; autovivified lists. */
    OK("fn main\n CALL create_object\n MOV r1 r0\n LDI r2 str \"nope\"\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n", "()");
    OK("fn main\n LDI r1 i64 5\n LDI r2 str \"x\"\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n", "()");
    OK("fn main\n CALL create_object\n MOV r1 r0\n LDI r2 str \"xs\"\n PUSHARG r1\n PUSHARG r2\n CALL get_or_create_array_field\n MOV r3 r0\n"
       " LDI r4 i64 4\n PUSHARG r3\n PUSHARG r4\n CALL array_push\n PUSHARG r1\n PUSHARG r2\n CALL get_or_create_array_field\n RET r0\n", "[4]");
    OK("fn main\n CALL create_object\n MOV r1 r0\n LDI r2 f64 -0.0\n LDI r3 i64 1\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n CALL set_field\n"
       " LDI r2 f64 0.0\n PUSHARG r1\n PUSHARG r2\n CALL get_field\n RET r0\n", "1"); /* +0 and -0 are one key */
    ERR("fn main\n LDI r1 i64 5\n LDI r2 str \"x\"\n PUSHARG r1\n PUSHARG r2\n PUSHARG r2\n CALL set_field\n RET r0\n", STOFFEL_VM_ERR_TYPE, "set_field: expected an object or array, got int64");
    ERR("fn main\n CALL len\n RET r0\n", STOFFEL_VM_ERR_ARITY, "len expects 1 argument, got 0");
    /* assert */
    ERR("fn main\n LDI r1 bool false\n LDI r2 str \"boom\"\n PUSHARG r1\n PUSHARG r2\n CALL assert\n RET r0\n", STOFFEL_VM_ERR_RUNTIME, "boom");
    ERR("fn main\n LDI r1 bool false\n PUSHARG r1\n CALL assert\n RET r0\n", STOFFEL_VM_ERR_RUNTIME, "assertion failed");
    ERR("fn main\n LDI r1 i64 1\n PUSHARG r1\n CALL assert\n RET r0\n", STOFFEL_VM_ERR_TYPE, "assert: argument 1 must be a boolean, got int64");
}

static void test_closures_globals(void)
{
    /* counter: a closure over `n`; set_upvalue persists across calls. */
    const char *src =
        "fn main\n LDI r1 i64 10\n PUSHARG r1\n CALL make\n MOV r2 r0\n PUSHARG r2\n CALL call_closure\n PUSHARG r2\n CALL call_closure\n"
        " MOV r3 r0\n PUSHARG r2\n CALL print\n RET r3\n"
        "fn make n\n LDI r1 str \"bump\"\n LDI r2 str \"n\"\n PUSHARG r1\n PUSHARG r2\n CALL create_closure\n RET r0\n"
        "fn bump\n upvalue n\n LDI r1 str \"n\"\n PUSHARG r1\n CALL get_upvalue\n LDI r2 i64 1\n ADD r3 r0 r2\n PUSHARG r1\n PUSHARG r3\n CALL set_upvalue\n RET r3\n";
    char res[256], out[256];
    int rc = run_main(src, res, sizeof res, out, sizeof out);
    CHECK_MSG(rc == 0 && strcmp(res, "12") == 0, "closure counter: %d %s", rc, res);
    CHECK_EQ_STR(out, "Function(bump)\n");
    ERR("fn main\n LDI r1 str \"nope\"\n PUSHARG r1\n CALL create_closure\n RET r0\n", STOFFEL_ERR_NOT_FOUND, "create_closure: no VM function 'nope'");
    ERR("fn main\n LDI r1 str \"main\"\n LDI r2 str \"zz\"\n PUSHARG r1\n PUSHARG r2\n CALL create_closure\n RET r0\n", STOFFEL_ERR_NOT_FOUND, "no variable 'zz' to capture");
    /* Module globals. */
    OK("fn main\n LDI r1 str \"g\"\n LDI r2 i64 5\n PUSHARG r1\n PUSHARG r2\n CALL Vm.global_set\n CALL f\n LDI r1 str \"g\"\n PUSHARG r1\n CALL Vm.global_get\n RET r0\n"
       "fn f\n LDI r1 str \"g\"\n PUSHARG r1\n CALL Vm.global_get\n LDI r2 i64 2\n MUL r2 r0 r2\n PUSHARG r1\n PUSHARG r2\n CALL Vm.global_set\n RET r0\n", "10");
    OK("fn main\n LDI r1 str \"unset\"\n PUSHARG r1\n CALL Vm.global_get\n RET r0\n", "()");
}

static void test_storage_crypto(void)
{
    OK("fn main\n LDI r1 str \"k\"\n CALL create_array\n MOV r2 r0\n LDI r3 f64 1.5\n PUSHARG r2\n PUSHARG r3\n CALL array_push\n"
       " PUSHARG r1\n PUSHARG r2\n CALL LocalStorage.store\n PUSHARG r1\n CALL LocalStorage.exists\n MOV r4 r0\n PUSHARG r1\n CALL LocalStorage.load\n"
       " MOV r5 r0\n PUSHARG r1\n CALL LocalStorage.delete\n PUSHARG r1\n CALL LocalStorage.retrieve\n MOV r6 r0\n PUSHARG r4\n PUSHARG r5\n PUSHARG r6\n"
       " CALL print\n RET r5\n", "[1.5]");
    PRINTS("fn main\n LDI r1 str \"k\"\n CALL create_array\n MOV r2 r0\n LDI r3 f64 1.5\n PUSHARG r2\n PUSHARG r3\n CALL array_push\n"
           " PUSHARG r1\n PUSHARG r2\n CALL LocalStorage.store\n PUSHARG r1\n CALL LocalStorage.exists\n MOV r4 r0\n PUSHARG r1\n CALL LocalStorage.load\n"
           " MOV r5 r0\n PUSHARG r1\n CALL LocalStorage.delete\n PUSHARG r1\n CALL LocalStorage.retrieve\n MOV r6 r0\n PUSHARG r4\n PUSHARG r5\n PUSHARG r6\n"
           " CALL print\n RET r5\n", "true [1.5f64] ()\n");
    OK("fn main\n LDI r1 str \"abc\"\n PUSHARG r1\n CALL Bytes.from_string\n PUSHARG r0\n CALL Crypto.sha256\n RET r0\n",
       "byte[32] 0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    OK("fn main\n LDI r1 str \"\"\n PUSHARG r1\n CALL Bytes.from_string\n PUSHARG r0\n CALL Crypto.sha512\n RET r0\n",
       "byte[64] 0xcf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    OK("fn main\n LDI r1 str \"ab\"\n PUSHARG r1\n CALL Bytes.from_string\n MOV r2 r0\n PUSHARG r2\n PUSHARG r2\n CALL Bytes.concat\n RET r0\n", "byte[4] 0x61626162");
    ERR("fn main\n LDI r1 i64 1\n PUSHARG r1\n CALL Crypto.sha256\n RET r0\n", STOFFEL_VM_ERR_TYPE, "Crypto.sha256: argument 1 must be bytes (an array of uint8), got int64");
    /* Field arithmetic in the session field (BLS12-381 Fr without an engine). */
    OK("fn main\n LDI r1 i64 5\n PUSHARG r1\n CALL Field.from_int\n MOV r2 r0\n LDI r1 i64 7\n PUSHARG r1\n CALL Field.from_int\n MOV r3 r0\n"
       " PUSHARG r2\n PUSHARG r3\n CALL Field.add\n MOV r4 r0\n LDI r1 i64 12\n PUSHARG r1\n CALL Field.from_int\n PUSHARG r4\n PUSHARG r0\n CALL Field.eq\n RET r0\n", "true");
    OK("fn main\n LDI r1 i64 2\n PUSHARG r1\n CALL Field.from_int\n MOV r2 r0\n PUSHARG r2\n CALL Field.inverse\n PUSHARG r0\n PUSHARG r2\n CALL Field.mul\n"
       " MOV r3 r0\n CALL Field.one\n PUSHARG r0\n PUSHARG r3\n CALL Field.eq\n RET r0\n", "true");
    OK("fn main\n LDI r1 i64 9\n PUSHARG r1\n CALL Field.from_int\n PUSHARG r0\n CALL Field.sqrt\n MOV r2 r0\n LDI r1 i64 3\n PUSHARG r1\n CALL Field.from_int\n"
       " PUSHARG r0\n PUSHARG r2\n CALL Field.eq\n RET r0\n", "true");
    OK("fn main\n LDI r1 i64 -1\n PUSHARG r1\n CALL Field.from_int\n RET r0\n",
       "byte[32] 0x00000000fffffffffe5bfeff02a4bd5305d8a10908d83933487d9d2953a7ed73");
    ERR("fn main\n CALL Field.zero\n PUSHARG r0\n CALL Field.inverse\n RET r0\n", STOFFEL_VM_ERR_DIV_ZERO, "Field.inverse: zero has no inverse");
    OK("fn main\n LDI r1 str \"abc\"\n PUSHARG r1\n CALL Bytes.from_string\n LDI r2 str \"SECP256K1\"\n PUSHARG r0\n PUSHARG r2\n CALL Crypto.hash_to_field\n RET r0\n",
       "byte[32] 0x6362610000000000000000000000000000000000000000000000000000000000");
    ERR("fn main\n CALL Field.zero\n LDI r2 str \"nope\"\n PUSHARG r0\n PUSHARG r2\n CALL Crypto.field_inv\n RET r0\n", STOFFEL_ERR_NOT_FOUND, "unknown curve 'nope'");
    ERR("fn main\n CALL Rbc.broadcast\n RET r0\n", STOFFEL_ERR_UNSUPPORTED, "Rbc.broadcast is not supported by this engine");
    ERR("fn main\n LDI r1 i64 1\n PUSHARG r1\n CALL Mpc.rand_int\n RET r0\n", STOFFEL_VM_ERR_RUNTIME, "bits must be 8, 16, 32 or 64");
}

/* Without a configured store, LocalStorage fails clearly. */
/* Receiver-bound methods check the runtime type of their first argument (spec §2.4). */
static void test_method_receiver(void)
{
    ERR("fn main\n LDI r1 i64 5\n PUSHARG r1\n CALL Share.open\n RET r0\n", STOFFEL_VM_ERR_TYPE,
        "runtime error in function 'main' at instruction 2 (CALL): method 'Share.open' expects a receiver of type Share, got int64 (MethodReceiverTypeMismatch)");
    /* An object's __type names its runtime type. */
    ERR("fn main\n CALL create_object\n MOV r1 r0\n LDI r2 str \"__type\"\n LDI r3 str \"Point\"\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n"
        " CALL set_field\n LDI r4 i64 3\n PUSHARG r1\n PUSHARG r4\n CALL Share.mul_scalar\n RET r0\n", STOFFEL_VM_ERR_TYPE,
        "method 'Share.mul_scalar' expects a receiver of type Share, got Point (MethodReceiverTypeMismatch)");
    ERR("fn main\n LDI r1 str \"x\"\n LDI r2 i64 8\n PUSHARG r1\n PUSHARG r2\n CALL Share.retag\n RET r0\n", STOFFEL_VM_ERR_TYPE,
        "got string (MethodReceiverTypeMismatch)");
    /* Not methods: the comparison builtins take a clear number on either side. */
    ERR("fn main\n LDI r1 i64 5\n PUSHARG r1\n PUSHARG r1\n CALL Share.lt\n RET r0\n", STOFFEL_VM_ERR_NO_ENGINE,
        "Share.lt needs an MPC engine");
}

static void test_no_storage(void)
{
    stoffel_vm_program *p = tasm_build("fn main\n LDI r1 str \"k\"\n PUSHARG r1\n CALL LocalStorage.load\n RET r0\n");
    stoffel_vm *vm;
    CHECK_EQ_INT(stoffel_vm_new(p, NULL, &vm, NULL, 0), 0);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "main", NULL, 0, NULL), STOFFEL_ERR_STATE);
    CHECK(strstr(stoffel_vm_last_error(vm), "no LocalStorage configured") != NULL);
    stoffel_vm_free(vm);
    /* A VM without builtins does not know print. */
    stoffel_vm_config cfg;
    stoffel_vm_config_defaults(&cfg);
    cfg.with_builtins = 0;
    stoffel_vm_program_free(p);
    p = tasm_build("fn main\n CALL print\n RET r0\n");
    CHECK_EQ_INT(stoffel_vm_new(p, &cfg, &vm, NULL, 0), 0);
    CHECK_EQ_INT(stoffel_vm_execute(vm, "main", NULL, 0, NULL), STOFFEL_ERR_NOT_FOUND);
    stoffel_vm_free(vm);
    stoffel_vm_program_free(p);
}

int main(void)
{
    test_print_formats();
    test_collections();
    test_closures_globals();
    test_storage_crypto();
    test_no_storage();
    test_method_receiver();
    return test_finish();
}
