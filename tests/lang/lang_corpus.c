/*
 * lang_corpus.c - the golden-file runner of the StoffelLang corpus (Wren style). Each .stfl
 * program carries its expectations in comments:
 *
 *   # expect: TEXT            a line the program prints (in order; all lines must match)
 *   # returns: TEXT           the entry's result as the runner prints it (Program returned: TEXT)
 *   # error: CODE L:C TEXT    a compile error with that code, location and message substring
 *   # warning: CODE TEXT      a compile warning with that code and message substring
 *   # runtime-error: TEXT     the run fails with a message containing TEXT
 *   # secret                  run on the simulated MPC engine with n=3 (t=1) and n=5 (t=2)
 *   # client: SLOT=V1,V2      simulated client SLOT inputs these integers (in order)
 *   # client-output: SLOT=V   client SLOT reconstructs V (integers, in order)
 *   # compile-only            no run (e.g. needs a network or storage)
 *   # fewer-rounds-at: N      the program must use strictly fewer MPC rounds at -ON (2 or 3) than -O0
 *   # ir-count: N OP K        the instructions generated at -ON (all functions, --print-ir) hold
 *                             exactly K instructions OP (shows that an optimisation happened)
 *   # ir-text: N TEXT         the --print-ir text at -ON (AST after the -O passes, instructions)
 *                             contains TEXT; `# ir-text: N !TEXT`: does not contain it
 *
 * For every positive program: compiles at -O0, -O1, -O2 and -O3, each twice (byte-identical output
 * required), runs each level and checks output and result, and checks that -O2 never uses more
 * MPC rounds than -O0 (nor -O1, -O3). Negative programs must fail with exactly the listed errors.
 *
 * usage: lang_corpus FILE_OR_DIR...
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stoffel/lang.h>
#include <stoffel/vm.h>

#define MAX_LINES 256

struct expect {
    char *out[MAX_LINES];
    size_t out_count;
    char *ret;
    char *err_code[32], *err_msg[32];
    int err_line[32], err_col[32];
    size_t err_count;
    char *warn_code[8], *warn_msg[8];
    size_t warn_count;
    char *runtime_error;
    int secret;
    int compile_only;
    int fewer_rounds_at;
    int ir_level[16];
    char ir_op[16][16];
    long ir_count[16];
    size_t ir_checks;
    int text_level[8];
    char *ir_text[8];
    size_t text_checks;
    uint64_t client_slot[8];
    int64_t client_vals[8][32];
    size_t client_nvals[8];
    size_t client_count;
    uint64_t cout_slot[8];
    int64_t cout_vals[8][32];
    size_t cout_nvals[8];
    size_t cout_count;
};

struct capture {
    char *lines[MAX_LINES * 4];
    size_t count;
};

static int failures, programs;
static const char *current;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s: ", current);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failures++;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = (size_t)n;
    }
    return buf;
}

static void parse_ints(const char *s, int64_t *vals, size_t *n)
{
    *n = 0;
    while (*s && *n < 32) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s)
            break;
        vals[(*n)++] = v;
        s = end;
        while (*s == ',' || *s == ' ')
            s++;
    }
}

static void parse_expect(char *src, struct expect *e)
{
    memset(e, 0, sizeof *e);
    for (char *line = strtok(src, "\n"); line; line = strtok(NULL, "\n")) {
        char *h = strstr(line, "# ");
        if (!h)
            continue;
        h += 2;
        size_t n = strlen(h);
        if (n && h[n - 1] == '\r')
            h[--n] = 0;
        if (!strncmp(h, "expect: ", 8) && e->out_count < MAX_LINES)
            e->out[e->out_count++] = strdup(h + 8);
        else if (!strcmp(h, "expect:") && e->out_count < MAX_LINES)
            e->out[e->out_count++] = strdup("");
        else if (!strncmp(h, "returns: ", 9))
            e->ret = strdup(h + 9);
        else if (!strncmp(h, "error: ", 7) && e->err_count < 32) {
            char code[16] = {0};
            int l = 0, c = 0, used = 0;
            if (sscanf(h + 7, "%15s %d:%d %n", code, &l, &c, &used) >= 3) {
                e->err_code[e->err_count] = strdup(code);
                e->err_line[e->err_count] = l;
                e->err_col[e->err_count] = c;
                e->err_msg[e->err_count++] = strdup(h + 7 + used);
            }
        } else if (!strncmp(h, "warning: ", 9) && e->warn_count < 8) {
            char code[16] = {0};
            int used = 0;
            if (sscanf(h + 9, "%15s %n", code, &used) >= 1) {
                e->warn_code[e->warn_count] = strdup(code);
                e->warn_msg[e->warn_count++] = strdup(h + 9 + used);
            }
        } else if (!strncmp(h, "runtime-error: ", 15))
            e->runtime_error = strdup(h + 15);
        else if (!strcmp(h, "secret"))
            e->secret = 1;
        else if (!strncmp(h, "fewer-rounds-at: ", 17))
            e->fewer_rounds_at = atoi(h + 17);
        else if (!strncmp(h, "ir-count: ", 10) && e->ir_checks < 16) {
            size_t k = e->ir_checks;
            if (sscanf(h + 10, "%d %15s %ld", &e->ir_level[k], e->ir_op[k], &e->ir_count[k]) == 3)
                e->ir_checks++;
        } else if (!strncmp(h, "ir-text: ", 9) && e->text_checks < 8) {
            int used = 0;
            if (sscanf(h + 9, "%d %n", &e->text_level[e->text_checks], &used) >= 1 && used > 0)
                e->ir_text[e->text_checks++] = strdup(h + 9 + used);
        } else if (!strcmp(h, "compile-only"))
            e->compile_only = 1;
        else if (!strncmp(h, "client: ", 8) && e->client_count < 8) {
            e->client_slot[e->client_count] = strtoull(h + 8, NULL, 10);
            char *eq = strchr(h, '=');
            if (eq)
                parse_ints(eq + 1, e->client_vals[e->client_count], &e->client_nvals[e->client_count]);
            e->client_count++;
            e->secret = 1;
        } else if (!strncmp(h, "client-output: ", 15) && e->cout_count < 8) {
            e->cout_slot[e->cout_count] = strtoull(h + 15, NULL, 10);
            char *eq = strchr(h, '=');
            if (eq)
                parse_ints(eq + 1, e->cout_vals[e->cout_count], &e->cout_nvals[e->cout_count]);
            e->cout_count++;
            e->secret = 1;
        }
    }
}

static void free_expect(struct expect *e)
{
    for (size_t i = 0; i < e->out_count; i++)
        free(e->out[i]);
    for (size_t i = 0; i < e->err_count; i++) {
        free(e->err_code[i]);
        free(e->err_msg[i]);
    }
    for (size_t i = 0; i < e->warn_count; i++) {
        free(e->warn_code[i]);
        free(e->warn_msg[i]);
    }
    for (size_t i = 0; i < e->text_checks; i++)
        free(e->ir_text[i]);
    free(e->ret);
    free(e->runtime_error);
}

static void on_output(void *ud, const char *text, size_t len)
{
    struct capture *c = ud;
    if (c->count < sizeof c->lines / sizeof c->lines[0]) {
        char *s = malloc(len + 1);
        memcpy(s, text, len);
        s[len] = 0;
        c->lines[c->count++] = s;
    }
}

static void capture_free(struct capture *c)
{
    for (size_t i = 0; i < c->count; i++)
        free(c->lines[i]);
    c->count = 0;
}

static int compile_at(const char *src, size_t len, const char *path, int opt, stoffel_lang_result **r)
{
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = opt;
    return stoffel_lang_compile(src, len, path, &o, r);
}

/* Does the --print-ir text at -Oopt contain text? (-1: compile failed) */
static int ir_contains(const char *src, size_t len, const char *path, int opt, const char *text)
{
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = opt;
    o.want_ir = 1;
    stoffel_lang_result *r = NULL;
    int found = -1;
    if (stoffel_lang_compile(src, len, path, &o, &r) == 0 && stoffel_lang_result_ir(r))
        found = strstr(stoffel_lang_result_ir(r), text) != NULL;
    stoffel_lang_result_free(r);
    return found;
}

/* Counts the instructions OP in the --print-ir text of the program compiled at -Oopt. */
static long ir_instructions(const char *src, size_t len, const char *path, int opt, const char *op)
{
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = opt;
    o.want_ir = 1;
    stoffel_lang_result *r = NULL;
    long n = -1;
    if (stoffel_lang_compile(src, len, path, &o, &r) == 0 && stoffel_lang_result_ir(r)) {
        char pat[32];
        snprintf(pat, sizeof pat, ": %s(", op);
        const char *ir = strstr(stoffel_lang_result_ir(r), "--- Generated Bytecode ---");
        n = 0;
        for (const char *p = ir; p && (p = strstr(p, pat)); p += strlen(pat))
            n++;
    }
    stoffel_lang_result_free(r);
    return n;
}

static void check_errors(const char *src, size_t len, const char *path, struct expect *e)
{
    stoffel_lang_result *r = NULL;
    int rc = compile_at(src, len, path, 0, &r);
    if (!r) {
        fail("compile returned %d without a result", rc);
        return;
    }
    size_t n = stoffel_lang_result_diagnostic_count(r), errors = 0;
    int *matched = calloc(e->err_count + 1, sizeof *matched);
    for (size_t i = 0; i < n; i++) {
        stoffel_lang_diagnostic d;
        stoffel_lang_result_diagnostic(r, i, &d);
        if (d.severity != STOFFEL_LANG_SEVERITY_ERROR)
            continue;
        errors++;
        bool found = false;
        for (size_t k = 0; k < e->err_count && !found; k++)
            if (!matched[k] && !strcmp(d.code, e->err_code[k]) && d.line == e->err_line[k] && d.column == e->err_col[k] &&
                strstr(d.message, e->err_msg[k]))
                matched[k] = found = true;
        if (!found)
            fail("unexpected error %s %d:%d %s", d.code, d.line, d.column, d.message);
    }
    for (size_t k = 0; k < e->err_count; k++)
        if (!matched[k])
            fail("missing error %s %d:%d '%s'", e->err_code[k], e->err_line[k], e->err_col[k], e->err_msg[k]);
    if (rc != STOFFEL_LANG_ERR_COMPILE || stoffel_lang_result_ok(r))
        fail("compilation did not fail (rc %d)", rc);
    (void)errors;
    free(matched);
    stoffel_lang_result_free(r);
}

static void check_warnings(stoffel_lang_result *r, struct expect *e)
{
    for (size_t k = 0; k < e->warn_count; k++) {
        bool found = false;
        for (size_t i = 0; i < stoffel_lang_result_diagnostic_count(r); i++) {
            stoffel_lang_diagnostic d;
            stoffel_lang_result_diagnostic(r, i, &d);
            if (d.severity == STOFFEL_LANG_SEVERITY_WARNING && !strcmp(d.code, e->warn_code[k]) && strstr(d.message, e->warn_msg[k]))
                found = true;
        }
        if (!found)
            fail("missing warning %s '%s'", e->warn_code[k], e->warn_msg[k]);
    }
}

/* Runs the program; returns the engine's round count (0 without engine), -1 on failure. */
static long run_program(const uint8_t *bytes, size_t len, struct expect *e, uint32_t n, uint32_t t, int opt)
{
    char err[512] = {0};
    stoffel_vm_program *prog = NULL;
    if (stoffel_vm_program_load(bytes, len, &prog, err, sizeof err)) {
        fail("-O%d: bytecode does not load: %s", opt, err);
        return -1;
    }
    stoffel_vm *vm = NULL;
    if (stoffel_vm_new(prog, NULL, &vm, err, sizeof err)) {
        fail("-O%d: vm_new: %s", opt, err);
        stoffel_vm_program_free(prog);
        return -1;
    }
    struct capture cap = {0};
    stoffel_vm_set_output(vm, on_output, &cap);
    stoffel_mpc_engine *eng = NULL;
    if (n) {
        stoffel_mpc_sim_config cfg;
        stoffel_mpc_sim_config_defaults(&cfg);
        cfg.n = n;
        cfg.t = t;
        cfg.seed = 42;
        cfg.record_transcript = 0;
        if (stoffel_mpc_engine_new_simulated(&cfg, &eng, err, sizeof err)) {
            fail("simulated engine: %s", err);
            stoffel_vm_free(vm);
            stoffel_vm_program_free(prog);
            return -1;
        }
        const stoffel_mpc_field *fld = stoffel_mpc_engine_field(eng);
        size_t es = stoffel_mpc_field_elem_size(fld);
        for (size_t c = 0; c < e->client_count; c++) {
            uint8_t *vals = calloc(e->client_nvals[c] + 1, es);
            for (size_t i = 0; i < e->client_nvals[c]; i++)
                stoffel_mpc_field_from_i64(fld, e->client_vals[c][i], vals + i * es);
            if (stoffel_mpc_engine_sim_client_input(eng, e->client_slot[c], vals, e->client_nvals[c]))
                fail("client input: %s", stoffel_mpc_engine_last_error(eng));
            free(vals);
        }
        stoffel_vm_attach_engine(vm, eng);
    }
    stoffel_vm_value result;
    int rc = stoffel_vm_execute(vm, "main", NULL, 0, &result);
    long rounds = 0;
    const char *tag = n ? (n == 3 ? "n=3" : "n=5") : "clear";
    if (rc) {
        const char *msg = stoffel_vm_last_error(vm);
        if (!e->runtime_error || !strstr(msg, e->runtime_error))
            fail("-O%d %s: run failed: %s", opt, tag, msg);
        rounds = -2;
    } else {
        if (e->runtime_error)
            fail("-O%d %s: expected runtime error '%s' but the run succeeded", opt, tag, e->runtime_error);
        for (size_t i = 0; i < e->out_count || i < cap.count; i++) {
            const char *want = i < e->out_count ? e->out[i] : "(nothing)";
            const char *got = i < cap.count ? cap.lines[i] : "(nothing)";
            if (strcmp(want, got) != 0) {
                fail("-O%d %s: output line %zu: expected '%s', got '%s'", opt, tag, i + 1, want, got);
                break;
            }
        }
        if (e->ret) {
            char *text = NULL;
            if (result.kind == STOFFEL_VM_SHARE) {
                fail("-O%d %s: the result is still a share", opt, tag);
            } else if (stoffel_vm_format_value(vm, &result, STOFFEL_VM_FORMAT_RESULT, &text) == 0) {
                if (strcmp(text, e->ret) != 0)
                    fail("-O%d %s: returned '%s', expected '%s'", opt, tag, text, e->ret);
                stoffel_vm_bytes_free(text);
            }
        }
        if (eng) {
            const stoffel_mpc_field *fld = stoffel_mpc_engine_field(eng);
            size_t es = stoffel_mpc_field_elem_size(fld);
            for (size_t c = 0; c < e->cout_count; c++) {
                uint8_t buf[64 * 64];
                size_t cnt = sizeof buf / es;
                if (stoffel_mpc_engine_sim_client_output(eng, e->cout_slot[c], buf, &cnt)) {
                    fail("client output %" PRIu64 ": %s", e->cout_slot[c], stoffel_mpc_engine_last_error(eng));
                    continue;
                }
                if (cnt != e->cout_nvals[c])
                    fail("-O%d %s: client %" PRIu64 " got %zu outputs, expected %zu", opt, tag, e->cout_slot[c], cnt,
                         e->cout_nvals[c]);
                for (size_t i = 0; i < cnt && i < e->cout_nvals[c]; i++) {
                    int64_t v = 0;
                    int fits = 0;
                    stoffel_mpc_field_to_i64(fld, buf + i * es, &v, &fits);
                    if (v != e->cout_vals[c][i])
                        fail("-O%d %s: client %" PRIu64 " output %zu = %" PRId64 ", expected %" PRId64, opt, tag,
                             e->cout_slot[c], i, v, e->cout_vals[c][i]);
                }
            }
            stoffel_mpc_stats st = {.struct_size = sizeof st};
            stoffel_mpc_engine_get_stats(eng, &st);
            rounds = (long)st.rounds;
        }
    }
    capture_free(&cap);
    stoffel_vm_free(vm);
    if (eng)
        stoffel_mpc_engine_free(eng);
    stoffel_vm_program_free(prog);
    return rounds;
}

static void run_file(const char *path)
{
    size_t len = 0;
    char *src = read_file(path, &len);
    if (!src) {
        current = path;
        fail("cannot read");
        return;
    }
    current = path;
    programs++;
    char *copy = strdup(src);
    struct expect e;
    parse_expect(copy, &e);
    free(copy);
    if (e.err_count) {
        check_errors(src, len, path, &e);
        free_expect(&e);
        free(src);
        return;
    }
    static const int levels[4] = {0, 2, 3, 1};
    long rounds[4] = {0};
    for (int li = 0; li < 4; li++) {
        int opt = levels[li];
        stoffel_lang_result *r1 = NULL, *r2 = NULL;
        int rc1 = compile_at(src, len, path, opt, &r1);
        int rc2 = compile_at(src, len, path, opt, &r2);
        if (rc1 || rc2) {
            char *text = r1 ? stoffel_lang_result_render(r1, 0) : NULL;
            fail("-O%d: compile failed (rc %d):\n%s", opt, rc1, text ? text : "");
            free(text);
            stoffel_lang_result_free(r1);
            stoffel_lang_result_free(r2);
            break;
        }
        if (li == 0)
            check_warnings(r1, &e);
        const uint8_t *b1, *b2;
        size_t l1, l2;
        stoffel_lang_result_bytecode(r1, &b1, &l1);
        stoffel_lang_result_bytecode(r2, &b2, &l2);
        if (l1 != l2 || memcmp(b1, b2, l1) != 0)
            fail("-O%d: two compilations gave different bytes", opt);
        if (!e.compile_only) {
            rounds[li] = run_program(b1, l1, &e, e.secret ? 3 : 0, 1, opt);
            if (e.secret && opt == 0)
                run_program(b1, l1, &e, 5, 2, opt);
        }
        stoffel_lang_result_free(r1);
        stoffel_lang_result_free(r2);
    }
    if (e.secret && rounds[0] >= 0 && rounds[1] >= 0 && rounds[1] > rounds[0])
        fail("-O2 used %ld rounds, more than -O0 (%ld)", rounds[1], rounds[0]);
    if (e.secret && rounds[0] >= 0 && rounds[2] >= 0 && rounds[2] > rounds[0])
        fail("-O3 used %ld rounds, more than -O0 (%ld)", rounds[2], rounds[0]);
    if (e.secret && rounds[0] >= 0 && rounds[3] >= 0 && rounds[3] > rounds[0])
        fail("-O1 used %ld rounds, more than -O0 (%ld)", rounds[3], rounds[0]);
    for (size_t k = 0; k < e.ir_checks; k++) {
        long n = ir_instructions(src, len, path, e.ir_level[k], e.ir_op[k]);
        if (n != e.ir_count[k])
            fail("-O%d generated %ld %s instructions, expected %ld", e.ir_level[k], n, e.ir_op[k], e.ir_count[k]);
    }
    for (size_t k = 0; k < e.text_checks; k++) {
        bool negate = e.ir_text[k][0] == '!';
        int found = ir_contains(src, len, path, e.text_level[k], e.ir_text[k] + negate);
        if (found < 0 || found == negate)
            fail("-O%d: the IR %s '%s'", e.text_level[k], negate ? "contains" : "does not contain", e.ir_text[k] + negate);
    }
    if (e.fewer_rounds_at == 2 || e.fewer_rounds_at == 3) {
        long r = rounds[e.fewer_rounds_at == 2 ? 1 : 2];
        if (!(r >= 0 && rounds[0] > 0 && r < rounds[0]))
            fail("-O%d used %ld rounds, not fewer than -O0 (%ld)", e.fewer_rounds_at, r, rounds[0]);
    }
    if (getenv("LANG_CORPUS_ROUNDS") && e.secret)
        printf("{\"program\": \"%s\", \"rounds_O0\": %ld, \"rounds_O2\": %ld, \"rounds_O3\": %ld}\n", path, rounds[0],
               rounds[1], rounds[2]);
    free_expect(&e);
    free(src);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        current = path;
        fail("no such file");
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    DIR *d = opendir(path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.')
            continue;
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, de->d_name);
        struct stat s2;
        if (stat(full, &s2) == 0 && S_ISDIR(s2.st_mode)) {
            if (strcmp(de->d_name, "modules") != 0) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 64;
                    names = realloc(names, cap * sizeof *names);
                }
                names[n++] = strdup(full);
            }
            continue;
        }
        if (l < 6 || strcmp(de->d_name + l - 5, ".stfl") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(full);
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        run_path(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        run_path(argv[i]);
    fprintf(stderr, "%d programs, %d failures\n", programs, failures);
    if (programs == 0)
        return 1;
    return failures ? 1 : 0;
}
