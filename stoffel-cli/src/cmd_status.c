/*
 * cmd_status.c - `stoffel status [PATH] [-v]`: a health report of the project (net-cli.md section
 * 4.3): package, root, config, MPC settings (parties, threshold, security), whether every source
 * compiles, and the build state of the main bytecode. Exits 1 when a source fails to compile.
 */
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

static const char status_usage[] =
    "Usage: stoffel status [PATH] [-v]\n"
    "\n"
    "Shows the project around PATH (default: the current directory): package, config, parties,\n"
    "threshold and security mode, whether each source compiles, and whether the bytecode in\n"
    "target/ is up to date. Exits 1 when a source has errors.\n"
    "\n"
    "Options:\n"
    "  -v, --verbose   also print the source, target and test paths\n";

static size_t count_tests(const char *dir)
{
    char **paths = NULL;
    size_t n = 0;
    project_list_stfl(dir, &paths, &n);
    project_paths_free(paths, n);
    return n;
}

/* Compiles one source (check only); prints `Compile: ok|failed <rel>`. Returns 0 when it compiles. */
static int check_source(const project *p, const char *src)
{
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = 0;
    o.mpc_backend = p->backend;
    o.mpc_curve = p->curve;
    stoffel_lang_result *r = NULL;
    int rc = stoffel_lang_compile_file(src, &o, &r);
    const char *rel = src + strlen(p->root) + (p->root[1] ? 1 : 0);
    if (r && rc)
        lang_cli_print_diagnostics(r);
    stoffel_vm_program *prog = NULL;
    if (r && rc == 0 && stoffel_lang_result_program(r, &prog) == 0) {
        printf("Compile: ok %s (", rel);
        size_t nf = stoffel_vm_program_function_count(prog);
        for (size_t i = 0; i < nf; i++) {
            stoffel_vm_function_info info;
            if (stoffel_vm_program_function(prog, i, &info) == 0)
                printf("%s%s", i ? ", " : "", info.name);
        }
        puts(")");
    } else {
        printf("Compile: failed %s\n", rel);
    }
    stoffel_vm_program_free(prog);
    stoffel_lang_result_free(r);
    return rc;
}

int cmd_status(int argc, char **argv)
{
    const char *path = NULL;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(status_usage, stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbose = 1;
        } else if (a[0] == '-') {
            return cli_usage_error("unknown option `%s` for `stoffel status`; see `stoffel status --help`", a);
        } else if (!path) {
            path = a;
        } else {
            return cli_usage_error("`stoffel status` takes one project path, got `%s` and `%s`", path, a);
        }
    }
    project *p = project_open(path);
    if (!p)
        return CLI_EXIT_ERROR;
    printf("Project: %s %s\n", p->name, p->version);
    printf("Root: %s\n", p->root);
    printf("Config: ok (%s)\n", p->manifest);
    char tests[PATH_MAX * 2];
    snprintf(tests, sizeof tests, "%s/tests", p->root);
    size_t ntests = count_tests(tests);
    if (verbose) {
        printf("Source: %s\n", p->source);
        printf("Target: %s\n", p->target_dir);
        printf("Tests: %zu file(s) under tests/\n", ntests);
    }
    printf("MPC: ok (backend %s, curve %s, parties %u, threshold %u, security %s%s)\n", project_backend_name(p->backend),
           project_curve_name(p->curve), p->parties, p->threshold, project_security_name(p),
           p->security_set ? "" : p->robust ? ", chosen because parties >= 3*threshold+1"
                                            : ", chosen because parties < 3*threshold+1; set [mpc].security to choose");
    char **srcs = NULL;
    size_t n = 0;
    int failed = 0;
    if (project_sources(p, &srcs, &n) != 0)
        failed = 1;
    for (size_t i = 0; i < n; i++)
        failed += check_source(p, srcs[i]) != 0;
    for (size_t i = 0; i < n && !failed; i++) {
        char *out = project_output_path(p, srcs[i], "debug");
        struct stat st;
        const char *rel = out ? out + strlen(p->root) + (p->root[1] ? 1 : 0) : "?";
        if (!out || stat(out, &st) != 0)
            printf("Build: not built (%s missing; run `stoffel build`)\n", rel);
        else if (!project_output_fresh(p, out))
            printf("Build: stale (%s is older than the sources or Stoffel.toml; run `stoffel build`)\n", rel);
        else
            printf("Build: up to date (%s, %lld bytes)\n", rel, (long long)st.st_size);
        free(out);
    }
    printf("Tests: %zu file(s)%s\n", ntests, ntests ? "; run `stoffel test`" : " under tests/");
    printf("Network: local %s simulation with %u parties (`stoffel run`); `stoffel run --processes` starts %u party "
           "processes on 127.0.0.1\n", project_backend_name(p->backend), p->parties, p->parties);
    if (failed)
        printf("Next: fix the source error above, then run `stoffel check %s`\n", p->root);
    project_paths_free(srcs, n);
    project_free(p);
    return failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}
