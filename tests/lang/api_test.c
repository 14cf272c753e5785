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
    stoffel_lang_result_free(r);

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
    const char *prog = "def f(a: int64, b: int64) -> int64:\n  return a * b + 1\nvar xs = [f(1, 2), f(3, 4)]\nprint(xs)\n";
    for (int opt = 0; opt <= 3; opt++) {
        stoffel_lang_result *r1 = compile(prog, opt), *r2 = compile(prog, opt);
        const uint8_t *b1, *b2;
        size_t n1, n2;
        CHECK(stoffel_lang_result_bytecode(r1, &b1, &n1) == 0 && stoffel_lang_result_bytecode(r2, &b2, &n2) == 0);
        CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
        stoffel_lang_result_free(r1);
        stoffel_lang_result_free(r2);
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
