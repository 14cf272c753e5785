/* api_test.c - tests of stoffel/lang.h: compiling buffers, the diagnostics list, rendering, the
 * resolver callback, bytecode access and argument errors. */
#include <stdlib.h>
#include <string.h>

#include <stoffel/lang.h>

#include "test_util.h"

static int resolve(void *ud, const char *path, char **source, size_t *len)
{
    (void)ud;
    const char *text = NULL;
    if (!strcmp(path, "dir/util.stfl"))
        text = "def twice(x: int64) -> int64:\n  return x * 2\n";
    else if (!strcmp(path, "dir/a.stfl"))
        text = "import b\ndef fa() -> int64:\n  return 1\n";
    else if (!strcmp(path, "dir/b.stfl"))
        text = "import a\ndef fb() -> int64:\n  return 2\n";
    if (!text)
        return STOFFEL_ERR_NOT_FOUND;
    *source = strdup(text);
    *len = strlen(text);
    return 0;
}

static stoffel_lang_result *compile(const char *src, int opt)
{
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = opt;
    o.resolver = resolve;
    stoffel_lang_result *r = NULL;
    stoffel_lang_compile(src, strlen(src), "dir/main.stfl", &o, &r);
    return r;
}

int main(void)
{
    /* success: bytecode starts with the magic and version 9 */
    stoffel_lang_result *r = compile("var x = 40\nprint(x + 2)\n", 0);
    CHECK(r && stoffel_lang_result_ok(r));
    const uint8_t *b = NULL;
    size_t n = 0;
    CHECK_EQ_INT(stoffel_lang_result_bytecode(r, &b, &n), 0);
    CHECK(n > 6 && memcmp(b, "STFL", 4) == 0 && b[4] == 9 && b[5] == 0);
    CHECK_EQ_INT(stoffel_lang_result_diagnostic_count(r), 0);
    stoffel_vm_program *loaded = NULL;
    CHECK_EQ_INT(stoffel_lang_result_program(r, &loaded), 0);
    CHECK(loaded != NULL);
    stoffel_lang_result_free(r);
    if (loaded) {
        /* the program outlives the result */
        CHECK(stoffel_vm_program_function_count(loaded) == 1);
        stoffel_vm_program_free(loaded);
    }

    /* errors: several reported, with file, line, column, code, message, hint */
    r = compile("var a: uint8 = 500\nvar b = [1, \"x\"]\nvar c = y + 1\n", 0);
    CHECK(r && !stoffel_lang_result_ok(r));
    CHECK_EQ_INT(stoffel_lang_result_diagnostic_count(r), 3);
    stoffel_lang_diagnostic d;
    CHECK_EQ_INT(stoffel_lang_result_diagnostic(r, 0, &d), 0);
    CHECK_EQ_STR(d.code, "E101");
    CHECK_EQ_INT(d.line, 1);
    CHECK_EQ_INT(d.column, 16);
    CHECK(strstr(d.message, "does not fit in 'uint8' (allowed range 0..=255)") != NULL);
    CHECK_EQ_STR(d.file, "dir/main.stfl");
    CHECK_EQ_INT(d.severity, STOFFEL_LANG_SEVERITY_ERROR);
    CHECK_EQ_INT(stoffel_lang_result_diagnostic(r, 2, &d), 0);
    CHECK_EQ_STR(d.code, "E201");
    CHECK(d.hint && strstr(d.hint, "Did you mean") != NULL);
    CHECK_EQ_INT(stoffel_lang_result_diagnostic(r, 3, &d), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_lang_result_bytecode(r, &b, &n), STOFFEL_ERR_STATE);
    stoffel_vm_program *none_prog = (stoffel_vm_program *)1;
    CHECK_EQ_INT(stoffel_lang_result_program(r, &none_prog), STOFFEL_ERR_STATE);
    CHECK(none_prog == NULL);
    char *text = stoffel_lang_result_render(r, 0);
    CHECK(text && strstr(text, "error[E101]: Integer literal 500 does not fit") != NULL);
    CHECK(text && strstr(text, " --> main.stfl:1:16\n") != NULL);
    CHECK(text && strstr(text, "1 | var a: uint8 = 500\n") != NULL);
    CHECK(text && strstr(text, "  |                ^\n") != NULL);
    CHECK(text && strstr(text, "= help: ") != NULL);
    CHECK(text && strstr(text, "\nerror: aborting due to 3 previous errors\n") != NULL);
    CHECK(text && strstr(text, "\x1b[") == NULL);
    free(text);
    text = stoffel_lang_result_render(r, 1);
    CHECK(text && strstr(text, "\x1b[") != NULL);
    free(text);
    stoffel_lang_result_free(r);

    /* one error: singular summary */
    r = compile("var a = \n", 0);
    text = stoffel_lang_result_render(r, 0);
    CHECK(text && strstr(text, "error: aborting due to previous error\n") != NULL);
    free(text);
    stoffel_lang_result_free(r);

    /* imports through the resolver, missing module, circular import */
    r = compile("import util\nprint(twice(21))\nprint(util.twice(1))\n", 0);
    CHECK(r && stoffel_lang_result_ok(r));
    stoffel_lang_result_free(r);
    r = compile("import nothere\nprint(1)\n", 0);
    CHECK(r && !stoffel_lang_result_ok(r));
    CHECK_EQ_INT(stoffel_lang_result_diagnostic(r, 0, &d), 0);
    CHECK(strstr(d.message, "Module 'nothere' not found. Expected file at 'dir/nothere.stfl'") != NULL);
    stoffel_lang_result_free(r);
    r = compile("import a\nprint(fa())\n", 0);
    CHECK(r && !stoffel_lang_result_ok(r));
    CHECK_EQ_INT(stoffel_lang_result_diagnostic(r, 0, &d), 0);
    CHECK(strstr(d.message, "Circular import detected") != NULL);
    stoffel_lang_result_free(r);

    /* determinism at every level */
    const char *dprog = "def f(a: int64, b: int64) -> int64:\n  return a * b + 1\nvar xs = [f(1, 2), f(3, 4)]\nprint(xs)\n";
    for (int opt = 0; opt <= 3; opt++) {
        stoffel_lang_result *r1 = compile(dprog, opt), *r2 = compile(dprog, opt);
        const uint8_t *b1, *b2;
        size_t n1, n2;
        CHECK(stoffel_lang_result_bytecode(r1, &b1, &n1) == 0 && stoffel_lang_result_bytecode(r2, &b2, &n2) == 0);
        CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
        stoffel_lang_result_free(r1);
        stoffel_lang_result_free(r2);
    }

    /* client-IO manifest and preprocessing demand, read back through the VM's program API */
    r = compile("var a: secret int64 = ClientStore.take_share(0, 0)\n"
                "var b: secret uint8 = ClientStore.take_share(0, 1)\n"
                "var f = ClientStore.take_share_fixed(2, 0)\n"
                "var total = a\n"
                "for i in 0..4:\n"
                "  total = total * a\n"
                "MpcOutput.send_to_client(2, total)\n"
                "var k = 5\n"
                "var z: secret bool = ClientStore.take_share_bool(k, 0)\n", 0);
    CHECK(r && stoffel_lang_result_ok(r));
    CHECK_EQ_INT(stoffel_lang_result_bytecode(r, &b, &n), 0);
    stoffel_vm_program *prog = NULL;
    CHECK_EQ_INT(stoffel_vm_program_load(b, n, &prog, NULL, 0), 0);
    if (prog) {
        CHECK_EQ_INT(stoffel_vm_program_client_count(prog), 3);
        stoffel_vm_client_schema c;
        CHECK_EQ_INT(stoffel_vm_program_client(prog, 0, &c), 0);
        CHECK_EQ_INT(c.slot, 0);
        CHECK_EQ_INT(c.input_count, 2);
        CHECK(c.input_count == 2 && c.inputs[0].kind == STOFFEL_VM_SECRET_INT && c.inputs[0].bits == 64);
        CHECK(c.input_count == 2 && c.inputs[1].kind == STOFFEL_VM_SECRET_UINT && c.inputs[1].bits == 8);
        CHECK_EQ_INT(c.output_count, 0);
        CHECK_EQ_INT(stoffel_vm_program_client(prog, 1, &c), 0);
        CHECK_EQ_INT(c.slot, 2);
        CHECK(c.input_count == 1 && c.inputs[0].kind == STOFFEL_VM_SECRET_FIXED && c.inputs[0].bits == 64 &&
              c.inputs[0].frac == 16);
        CHECK(c.output_count == 1 && c.outputs[0].kind == STOFFEL_VM_SECRET_INT && c.outputs[0].bits == 64);
        CHECK_EQ_INT(stoffel_vm_program_client(prog, 2, &c), 0);
        CHECK_EQ_INT(c.slot, 5);
        CHECK(c.input_count == 1 && c.inputs[0].kind == STOFFEL_VM_SECRET_INT && c.inputs[0].bits == 1);
        stoffel_vm_demand dem;
        stoffel_vm_program_demand(prog, &dem);
        CHECK_EQ_INT(dem.triples, 4);
        CHECK_EQ_INT(dem.dynamic, 0);
        CHECK_EQ_INT(stoffel_vm_program_backend(prog), STOFFEL_VM_BACKEND_HONEYBADGER);
        stoffel_vm_program_free(prog);
    }
    stoffel_lang_result_free(r);

    /* an unresolvable slot is a warning, and a while loop makes the demand dynamic */
    r = compile("var i = 0\nwhile i < 2:\n  var x: secret int64 = ClientStore.take_share(i, 0)\n  var y = x * x\n  i += 1\n", 0);
    CHECK(r && stoffel_lang_result_ok(r));
    CHECK_EQ_INT(stoffel_lang_result_diagnostic_count(r), 1);
    CHECK_EQ_INT(stoffel_lang_result_diagnostic(r, 0, &d), 0);
    CHECK_EQ_INT(d.severity, STOFFEL_LANG_SEVERITY_WARNING);
    CHECK(strstr(d.message, "cannot be resolved statically") != NULL);
    CHECK_EQ_INT(stoffel_lang_result_bytecode(r, &b, &n), 0);
    if (stoffel_vm_program_load(b, n, &prog, NULL, 0) == 0) {
        stoffel_vm_demand dem;
        stoffel_vm_program_demand(prog, &dem);
        CHECK_EQ_INT(dem.triples, 1);
        CHECK_EQ_INT(dem.dynamic, 1);
        CHECK_EQ_INT(stoffel_vm_program_client_count(prog), 0);
        stoffel_vm_program_free(prog);
    }
    stoffel_lang_result_free(r);

    /* the demand estimate follows the -O passes: a dead product needs no triple, and the products of
     * a reveal loop batched into one Share.batch_mul need one triple each */
    {
        const char *src = "var xs: list[secret int64] = [1, 2, 3, 4]\n"
                          "var a: secret int64 = 5\n"
                          "var dead = a * a\n"
                          "var out = []\n"
                          "for i in 0..3:\n"
                          "  append(out, (xs[i] * xs[i + 1]).reveal())\n"
                          "print(out)\n";
        static const int expect_triples[4] = {4, 3, 3, 3};
        for (int opt = 0; opt <= 3; opt++) {
            r = compile(src, opt);
            CHECK(r && stoffel_lang_result_ok(r));
            if (r && stoffel_lang_result_bytecode(r, &b, &n) == 0 && stoffel_vm_program_load(b, n, &prog, NULL, 0) == 0) {
                stoffel_vm_demand dem;
                stoffel_vm_program_demand(prog, &dem);
                CHECK_EQ_INT(dem.triples, expect_triples[opt]);
                CHECK_EQ_INT(dem.dynamic, 0);
                stoffel_vm_program_free(prog);
            }
            stoffel_lang_result_free(r);
        }
    }

    /* backend and curve options reach the manifest */
    stoffel_lang_options mo;
    stoffel_lang_options_defaults(&mo);
    mo.mpc_backend = STOFFEL_LANG_BACKEND_AVSS;
    mo.mpc_curve = STOFFEL_LANG_CURVE_SECP256K1;
    CHECK_EQ_INT(stoffel_lang_compile("print(1)\n", 9, "m.stfl", &mo, &r), 0);
    CHECK_EQ_INT(stoffel_lang_result_bytecode(r, &b, &n), 0);
    if (stoffel_vm_program_load(b, n, &prog, NULL, 0) == 0) {
        CHECK_EQ_INT(stoffel_vm_program_backend(prog), STOFFEL_VM_BACKEND_AVSS);
        CHECK_EQ_INT(stoffel_vm_program_curve(prog), STOFFEL_VM_CURVE_SECP256K1);
        CHECK_EQ_INT(stoffel_vm_program_find_function(prog, "main", &n), 0);
        CHECK_EQ_INT(n, 0);
        stoffel_vm_program_free(prog);
    }
    stoffel_lang_result_free(r);

    /* a memory bound: every out-of-memory point unwinds cleanly (no result, nothing leaked; the
     * ASan build checks the leaks) until the bound is large enough */
    {
        const char *big = "object P:\n  x: int64\nvar p = P(x: 1)\nvar xs = [i * 2 for i in range(0, 9)]\n"
                          "def f(a: secret int64) -> secret int64:\n  return a * a + 1\nprint(f(3).reveal(), xs, p.x)\n";
        int nomem = 0, ok = 0;
        for (size_t limit = 64 * 1024; limit <= 8u * 1024 * 1024 && !ok; limit += 64 * 1024) {
            stoffel_lang_options lo;
            stoffel_lang_options_defaults(&lo);
            lo.max_memory_bytes = limit;
            lo.want_ir = 1;
            stoffel_lang_result *lr = (stoffel_lang_result *)1;
            int rc = stoffel_lang_compile(big, strlen(big), "oom.stfl", &lo, &lr);
            if (rc == STOFFEL_ERR_NOMEM) {
                nomem++;
                CHECK(lr == NULL);
            } else {
                CHECK_EQ_INT(rc, 0);
                ok = 1;
                stoffel_lang_result_free(lr);
            }
        }
        CHECK(nomem > 0);
        CHECK(ok == 1);
    }

    /* bad arguments */
    stoffel_lang_result *none = (stoffel_lang_result *)1;
    CHECK_EQ_INT(stoffel_lang_compile(NULL, 0, "x.stfl", NULL, &none), STOFFEL_ERR_INVALID_ARG);
    CHECK(none == NULL);
    CHECK_EQ_INT(stoffel_lang_compile("", 0, NULL, NULL, &none), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_lang_compile("", 0, "x.stfl", NULL, NULL), STOFFEL_ERR_INVALID_ARG);
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = 7;
    CHECK_EQ_INT(stoffel_lang_compile("", 0, "x.stfl", &o, &none), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_lang_compile_file("/nonexistent/x.stfl", NULL, &none), STOFFEL_ERR_IO);
    CHECK_EQ_INT(stoffel_lang_result_ok(NULL), 0);
    CHECK_EQ_INT(stoffel_lang_result_diagnostic_count(NULL), 0);
    stoffel_lang_result_free(NULL);
    CHECK(strcmp(stoffel_lang_strerror(STOFFEL_LANG_ERR_COMPILE), "unknown status code") != 0);
    return test_finish();
}
