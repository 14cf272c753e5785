/*
 * test_toml.c - the TOML-subset parser (libstoffelnet/src/toml.c, compiled in): values, tables,
 * arrays of tables, inline tables, and errors with line:column and a fix.
 */
#include "toml.h"
#include "test_util.h"

static toml_value *parse_ok(const char *text)
{
    toml_value *root = NULL;
    char err[256] = "";
    int rc = toml_parse(text, strlen(text), "t.toml", &root, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    return root;
}

static void expect_error(const char *text, const char *where_and_what)
{
    toml_value *root = NULL;
    char err[256] = "";
    CHECK_EQ_INT(toml_parse(text, strlen(text), "t.toml", &root, err, sizeof err), -1);
    CHECK(root == NULL);
    CHECK_MSG(strstr(err, where_and_what) != NULL, "got \"%s\", want \"%s\"", err, where_and_what);
}

static void test_values(void)
{
    toml_value *r = parse_ok("# comment\na = 42\nneg = -17\nhex = 0xff\noct = 0o17\nbin = 0b101\nbig = 1_000_000\n"
                 "s = \"tab\\there \\u00e9 \\\"q\\\"\"\nlit = 'C:\\path'\nt = true\nf = false\n"
                 "arr = [1, 2,\n  3, # comment\n]\nnested = [[1], [\"x\"]]\n"
                 "inl = { x = 1, y.z = \"deep\" }\n\"quoted key\" = 1\ndotted.key = 5\n");
    CHECK_EQ_INT(toml_get(r, "a")->u.integer, 42);
    CHECK_EQ_INT(toml_get(r, "neg")->u.integer, -17);
    CHECK_EQ_INT(toml_get(r, "hex")->u.integer, 255);
    CHECK_EQ_INT(toml_get(r, "oct")->u.integer, 15);
    CHECK_EQ_INT(toml_get(r, "bin")->u.integer, 5);
    CHECK_EQ_INT(toml_get(r, "big")->u.integer, 1000000);
    CHECK_EQ_STR(toml_get(r, "s")->u.string, "tab\there \xc3\xa9 \"q\"");
    CHECK_EQ_STR(toml_get(r, "lit")->u.string, "C:\\path");
    CHECK(toml_get(r, "t")->u.boolean == true);
    CHECK(toml_get(r, "f")->kind == TOML_BOOLEAN && !toml_get(r, "f")->u.boolean);
    const toml_value *arr = toml_get(r, "arr");
    CHECK(arr->kind == TOML_ARRAY && arr->u.array.count == 3);
    CHECK_EQ_INT(arr->u.array.items[2]->u.integer, 3);
    const toml_value *nested = toml_get(r, "nested");
    CHECK_EQ_STR(nested->u.array.items[1]->u.array.items[0]->u.string, "x");
    const toml_value *inl = toml_get(r, "inl");
    CHECK_EQ_INT(toml_get(inl, "x")->u.integer, 1);
    CHECK_EQ_STR(toml_get(toml_get(inl, "y"), "z")->u.string, "deep");
    CHECK_EQ_INT(toml_get(r, "quoted key")->u.integer, 1);
    CHECK_EQ_INT(toml_get(toml_get(r, "dotted"), "key")->u.integer, 5);
    CHECK_EQ_INT(toml_get(r, "arr")->line, 12);
    toml_free(r);
}

static void test_tables(void)
{
    toml_value *r = parse_ok("[network]\nparties = 2\n\n[[party]]\nid = 0\n[[party]]\nid = 1\n"
                             "[party.extra]\nk = 'v'\n[a.b.c]\nd = 1\n");
    const toml_value *parties = toml_get(r, "party");
    CHECK(parties && parties->kind == TOML_ARRAY && parties->u.array.count == 2);
    CHECK_EQ_INT(toml_get(parties->u.array.items[1], "id")->u.integer, 1);
    CHECK_EQ_STR(toml_get(toml_get(parties->u.array.items[1], "extra"), "k")->u.string, "v");
    CHECK_EQ_INT(toml_get(toml_get(toml_get(toml_get(r, "a"), "b"), "c"), "d")->u.integer, 1);
    CHECK_EQ_INT(toml_get(toml_get(r, "network"), "parties")->u.integer, 2);
    toml_free(r);
}

static void test_errors(void)
{
    expect_error("a = 1\na = 2\n", "t.toml:2:1: duplicate key 'a' (first defined at line 1)");
    expect_error("x = \"open\n", "t.toml:1:5: string is not closed");
    expect_error("x = 1.5\n", "t.toml:1:5: floats, dates and times are not supported");
    expect_error("x = 1979-05-27\n", "t.toml:1:5: floats, dates and times");
    expect_error("x = hello\n", "t.toml:1:5: unexpected 'h' where a value should be; strings need quotes");
    expect_error("x = \n", "t.toml:1:5: missing value");
    expect_error("x = 1 2\n", "t.toml:1:7: unexpected '2' after the value");
    expect_error("[t]\n[t]\n", "t.toml:2:1: table [t] is defined twice (first at line 1)");
    expect_error("t = 1\n[t]\n", "t.toml:2:1: 't' is already defined (line 1) as an integer");
    expect_error("x = [1, 2\n", "expected ',' or ']' in the array that starts at line 1 column 5");
    expect_error("x = {a = 1\n", "expected ',' or '}' in the inline table");
    expect_error("x = 99999999999999999999\n", "t.toml:1:5: integer does not fit");
    expect_error("x = 012\n", "leading zeros");
    expect_error("x = 1__0\n", "'_' in a number must sit between two digits");
    expect_error("x = +0x1\n", "a sign is not allowed before 0x");
    expect_error("x = \"\\q\"\n", "unknown escape '\\q'");
    expect_error("x = \"\"\"multi\"\"\"\n", "multi-line strings are not supported");
    expect_error("[a\n", "t.toml:1:3: expected ']' to close the table header");
    expect_error("= 1\n", "t.toml:1:1: unexpected '=' where a key should be");
    expect_error("k 1\n", "t.toml:1:3: expected '=' after key 'k'");
    expect_error("x = inf\n", "inf and nan are not supported");
    expect_error("a = {b = 1}\na.c = 2\n", "cannot be extended with a dotted key");
    expect_error("[[a]]\n[a]\n", "t.toml:2:1: 'a' is already defined (line 1) as an array");
    expect_error("[a]\n[[a]]\n", "t.toml:2:1: 'a' is already defined (line 1) as a table, not an array of tables");
    char nul[] = "a = 1\nb\0 = 2";
    toml_value *root = NULL;
    char err[200];
    CHECK_EQ_INT(toml_parse(nul, sizeof nul - 1, "t.toml", &root, err, sizeof err), -1);
    CHECK_MSG(strstr(err, "t.toml:2:2: NUL byte") != NULL, "%s", err);
    /* deep nesting is bounded */
    char deep[400];
    size_t k = 0;
    k += (size_t)snprintf(deep, sizeof deep, "x = ");
    for (int i = 0; i < 100; i++)
        deep[k++] = '[';
    deep[k] = 0;
    expect_error(deep, "nested deeper than 64 levels");
}

int main(void)
{
    test_values();
    test_tables();
    test_errors();
    return test_finish();
}
