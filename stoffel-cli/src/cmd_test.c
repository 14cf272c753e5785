/*
 * cmd_test.c - `stoffel test [PATH]`: runs every .stfl below the project's tests/ (or one .stfl file) on
 * the in-process simulated MPC engine with the project's parties, threshold and security
 * (net-cli.md section 4.3). A test file's entry is the function named by --test when the file has
 * it, else main; it takes no parameters. A test passes when the entry returns without error
 * (assert() raises one). Prints `ok FILE` per passing test and `FAILED FILE: error` on stderr,
 * then a summary; exits 1 when a test failed.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stoffel/lang.h>
#include <stoffel/vm.h>

#include "cli.h"
#include "lang_cli.h"
#include "project.h"

static const char test_usage[] =
    "Usage: stoffel test [PATH] [options]\n"
    "\n"
    "Runs every tests/**.stfl of the project at PATH (default: the current one), or the one .stfl\n"
    "file PATH, on simulated parties (the project's [mpc] parties, threshold and security). A test\n"
    "passes when its entry (main, or the function named by --test) finishes without error;\n"
    "assert(cond, \"message\") fails it.\n"
    "\n"
    "Options:\n"
    "  --test NAME       only files whose stem is NAME, or the function NAME in each file (alias --name)\n"
    "  --integration     only files whose stem contains \"integration\"\n"
    "  -v, --verbose     print every test's returned value\n";

typedef struct {
    const project *p;
    const char *only;
    int verbose;
    int passed, failed;
} test_run;

static const char *stem_of(const char *path, size_t *len)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    *len = n > 5 && !strcmp(base + n - 5, ".stfl") ? n - 5 : n;
    return base;
}

/* Runs fn of prog on a fresh simulated engine; on success stores the formatted result in *text. */
static int run_entry(const test_run *tr, stoffel_vm_program *prog, const char *fn, char **text, char *err,
                     size_t err_len)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = tr->p ? tr->p->parties : 3;
    cfg.t = tr->p ? tr->p->threshold : 1;
    cfg.security = tr->p && tr->p->robust ? STOFFEL_MPC_ROBUST : STOFFEL_MPC_SEMI_HONEST;
    stoffel_mpc_engine *engine = NULL;
    stoffel_vm *vm = NULL;
    stoffel_vm_memory_store *store = NULL;
    int rc = -1;
    if (stoffel_mpc_engine_new_simulated(&cfg, &engine, err, err_len))
        return -1;
    if (stoffel_vm_new(prog, NULL, &vm, err, err_len))
        goto done;
    stoffel_vm_attach_engine(vm, engine);
    if (stoffel_vm_memory_store_new(&store) == 0)
        stoffel_vm_set_storage(vm, stoffel_vm_memory_store_interface(), store);
    stoffel_vm_value result, shown;
    if (stoffel_vm_execute(vm, fn, NULL, 0, &result)) {
        snprintf(err, err_len, "%s", stoffel_vm_last_error(vm));
        goto done;
    }
    shown = result;
    if ((result.kind == STOFFEL_VM_SHARE || result.kind == STOFFEL_VM_OBJECT) && stoffel_vm_reveal(vm, &result, &shown)) {
        snprintf(err, err_len, "%s", stoffel_vm_last_error(vm));
        goto done;
    }
    *text = NULL;
    if (stoffel_vm_format_value(vm, &shown, STOFFEL_VM_FORMAT_RESULT, text)) {
        snprintf(err, err_len, "%s", stoffel_vm_last_error(vm));
        goto done;
    }
    rc = 0;
done:
    stoffel_vm_free(vm);
    stoffel_vm_memory_store_free(store);
    stoffel_mpc_engine_free(engine);
    return rc;
}

static void fail_test(test_run *tr, const char *shown, const char *fmt, const char *detail)
{
    fprintf(stderr, "FAILED %s: ", shown);
    fprintf(stderr, fmt, detail);
    fputc('\n', stderr);
    tr->failed++;
}

static void run_test_file(test_run *tr, const char *path, const char *shown)
{
    size_t sl;
    const char *stem = stem_of(path, &sl);
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = 2;
    if (tr->p) {
        o.mpc_backend = tr->p->backend;
        o.mpc_curve = tr->p->curve;
    }
    stoffel_lang_result *r = NULL;
    int rc = stoffel_lang_compile_file(path, &o, &r);
    stoffel_vm_program *prog = NULL;
    if (r) {
        lang_cli_print_diagnostics(r);
        if (rc == 0)
            rc = stoffel_lang_result_program(r, &prog);
    }
    stoffel_lang_result_free(r);
    if (rc || !prog) {
        fail_test(tr, shown, "%s", "does not compile (see the diagnostics above)");
        stoffel_vm_program_free(prog);
        return;
    }
    const char *entry = "main";
    size_t fi;
    if (tr->only) {
        if (stoffel_vm_program_find_function(prog, tr->only, &fi) == 0)
            entry = tr->only;
        else if (strlen(tr->only) != sl || strncmp(tr->only, stem, sl)) {
            stoffel_vm_program_free(prog); /* neither the file nor a function in it is selected */
            return;
        }
    }
    if (stoffel_vm_program_find_function(prog, entry, &fi) != 0) {
        fail_test(tr, shown, "has no function `%s`; a test file needs `def main():` (or the function named by --test)",
                  entry);
        stoffel_vm_program_free(prog);
        return;
    }
    stoffel_vm_function_info info;
    stoffel_vm_program_function(prog, fi, &info);
    if (info.param_count) {
        char msg[512];
        snprintf(msg, sizeof msg, "`%s` takes %zu parameter(s); a test takes none (to pass inputs use `stoffel run %s "
                 "--entry %s --input %s=VALUE`)", entry, info.param_count, shown, entry, info.param_names[0]);
        fail_test(tr, shown, "%s", msg);
        stoffel_vm_program_free(prog);
        return;
    }
    char err[1024] = "", *text = NULL;
    fflush(stdout);
    if (run_entry(tr, prog, entry, &text, err, sizeof err) != 0) {
        fail_test(tr, shown, "%s", err);
    } else {
        if (text && (tr->verbose || strcmp(text, "()")))
            printf("ok %s => %s\n", shown, text);
        else
            printf("ok %s\n", shown);
        tr->passed++;
    }
    stoffel_vm_bytes_free(text);
    stoffel_vm_program_free(prog);
}

int cmd_test(int argc, char **argv)
{
    const char *path = NULL, *only = NULL;
    int integration = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(test_usage, stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--test") || !strcmp(a, "--name")) {
            if (++i >= argc)
                return cli_usage_error("%s needs a test file stem or function name", a);
            only = argv[i];
        } else if (!strcmp(a, "--integration")) {
            integration = 1;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbose = 1;
        } else if (!strcmp(a, "--input") || !strcmp(a, "--inputs") || !strcmp(a, "--entry")) {
            return cli_usage_error("`stoffel test` does not take %s: a test's entry takes no parameters; use "
                                   "`stoffel run FILE --entry F --input NAME=VALUE` to run a function with inputs", a);
        } else if (a[0] == '-') {
            return cli_usage_error("unknown option `%s` for `stoffel test`; see `stoffel test --help`", a);
        } else if (!path) {
            path = a;
        } else {
            return cli_usage_error("`stoffel test` takes one project path or .stfl file, got `%s` and `%s`", path, a);
        }
    }
    size_t pl = path ? strlen(path) : 0;
    int single = pl > 5 && !strcmp(path + pl - 5, ".stfl");
    struct stat st;
    if (single && stat(path, &st) != 0)
        return cli_error("test file `%s` not found; pass an existing .stfl file or a project directory", path);
    int found = 0;
    project *p = single ? project_open_quiet(path, &found) : project_open(path);
    if (!p && (!single || found))
        return CLI_EXIT_ERROR;
    test_run tr = {.p = p, .only = only, .verbose = verbose};
    char **paths = NULL;
    size_t n = 0;
    char tests_dir[PATH_MAX * 2] = "";
    if (single) {
        if ((paths = malloc(sizeof *paths)) && (paths[0] = strdup(path)))
            n = 1;
    } else {
        snprintf(tests_dir, sizeof tests_dir, "%s/tests", p->root);
        if (project_list_stfl(tests_dir, &paths, &n) != 0) {
            project_free(p);
            return cli_error("cannot list `%s`; check its permissions", tests_dir);
        }
    }
    size_t selected = 0;
    for (size_t i = 0; i < n; i++) {
        size_t sl;
        const char *stem = stem_of(paths[i], &sl);
        char stem_buf[PATH_MAX];
        snprintf(stem_buf, sizeof stem_buf, "%.*s", (int)sl, stem);
        if (integration && !strstr(stem_buf, "integration"))
            continue;
        const char *shown = paths[i];
        if (!single && p && !strncmp(paths[i], p->root, strlen(p->root)))
            shown = paths[i] + strlen(p->root) + (p->root[1] ? 1 : 0);
        int before = tr.passed + tr.failed;
        run_test_file(&tr, paths[i], shown);
        selected += (size_t)(tr.passed + tr.failed - before);
    }
    int status = CLI_EXIT_OK;
    if (selected == 0) {
        if (only)
            status = cli_error("no test matches --test `%s`; name a file stem under tests/ or a function in one", only);
        else
            printf("No Stoffel tests found under %s\n", single ? path : "tests/");
    } else {
        printf("test result: %s. %d passed; %d failed\n", tr.failed ? "FAILED" : "ok", tr.passed, tr.failed);
        if (tr.failed)
            status = cli_error("%d Stoffel test(s) failed", tr.failed);
    }
    project_paths_free(paths, n);
    project_free(p);
    return status;
}
