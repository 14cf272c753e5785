/*
 * cmd_build.c - `stoffel build [PATH]` (and `stoffel compile` without a file): compiles the
 * project's sources (build.source) to bytecode in the target layout of net-cli.md section 4.6,
 * target/<profile>/<package>.stflb for main, and prints the build statistics.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/lang.h>
#include <stoffel/vm.h>

#include "cli.h"
#include "lang_cli.h"
#include "project.h"

static const char build_usage[] =
    "Usage: stoffel build [PATH] [options]\n"
    "\n"
    "Compiles the project at PATH (default: the one around the current directory) to bytecode:\n"
    "target/debug/<package>.stflb for src/main.stfl (target/release/ with --release).\n"
    "\n"
    "Options:\n"
    "  -O N, -ON, --opt-level N   optimisation level 0..3 (default: build.optimization_level, else 2;\n"
    "                             3 with --release)\n"
    "  --release                  release profile: -O3 and target/release/\n"
    "  -o, --out FILE.stflb       output path relative to the project root (one source only)\n"
    "  --mpc-backend B            override [mpc].backend (honeybadger or avss)\n"
    "  --mpc-curve C              override [mpc].curve\n"
    "  --print-ir                 print the generated instructions\n";

/* Compiles one source to out; prints the statistics. Returns 0 or prints the error and returns 1. */
static int build_one(const project *p, const char *src, const char *out, int opt, int backend, int curve,
                     int print_ir, const char *profile)
{
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = opt;
    o.mpc_backend = backend;
    o.mpc_curve = curve;
    o.want_ir = (uint8_t)print_ir;
    stoffel_lang_result *r = NULL;
    int rc = stoffel_lang_compile_file(src, &o, &r);
    if (!r)
        return cli_error("cannot compile `%s`: %s", src, stoffel_lang_strerror(rc));
    lang_cli_print_diagnostics(r);
    if (rc != 0) {
        stoffel_lang_result_free(r);
        return cli_error("`%s` has errors; fix them and run `stoffel build` again", src);
    }
    if (print_ir && stoffel_lang_result_ir(r))
        fputs(stoffel_lang_result_ir(r), stdout);
    const uint8_t *bytes = NULL;
    size_t len = 0;
    stoffel_vm_program *prog = NULL;
    stoffel_lang_result_bytecode(r, &bytes, &len);
    stoffel_lang_result_program(r, &prog);
    if (project_make_parent_dirs(out) != 0) {
        stoffel_lang_result_free(r);
        stoffel_vm_program_free(prog);
        return cli_error("cannot create the directory of `%s`: %s", out, strerror(errno));
    }
    FILE *f = fopen(out, "wb");
    int ok = f && fwrite(bytes, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    stoffel_lang_result_free(r);
    if (!ok) {
        stoffel_vm_program_free(prog);
        return cli_error("cannot write `%s`: %s", out, strerror(errno));
    }
    size_t nfn = prog ? stoffel_vm_program_function_count(prog) : 0, ninstr = 0;
    for (size_t i = 0; i < nfn; i++) {
        stoffel_vm_function_info info;
        if (stoffel_vm_program_function(prog, i, &info) == 0)
            ninstr += info.instruction_count;
    }
    stoffel_vm_program_free(prog);
    const char *rel = out + strlen(p->root) + (p->root[1] ? 1 : 0);
    printf("Built %s\n  Bytecode size: %zu bytes\n  Optimization: O%d%s\n  Profile: %s\n  Functions: %zu\n"
           "  Instructions: %zu\n", rel, len, opt, opt ? " (enabled)" : " (disabled)", profile, nfn, ninstr);
    return 0;
}

int cmd_build(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    int opt = -1, release = 0, print_ir = 0, backend = -1, curve = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(build_usage, stdout);
            return CLI_EXIT_OK;
        } else if (strlen(a) == 3 && a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3') {
            opt = a[2] - '0';
        } else if (!strcmp(a, "-O") || !strcmp(a, "--opt-level")) {
            if (++i >= argc || strlen(argv[i]) != 1 || argv[i][0] < '0' || argv[i][0] > '3')
                return cli_usage_error("%s needs a level 0..3 (e.g. %s 2)", a, a);
            opt = argv[i][0] - '0';
        } else if (!strcmp(a, "--optimize")) {
            opt = 2;
        } else if (!strcmp(a, "--release") || !strcmp(a, "--prod") || !strcmp(a, "--production")) {
            release = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (++i >= argc)
                return cli_usage_error("%s needs an output path ending in .stflb", a);
            out = argv[i];
        } else if (!strcmp(a, "-b") || !strcmp(a, "--binary")) {
            /* `stoffel compile -b` of the reference: building writes bytecode anyway */
        } else if (!strcmp(a, "--print-ir")) {
            print_ir = 1;
        } else if (!strcmp(a, "--mpc-backend") || !strcmp(a, "--backend")) {
            if (++i >= argc || lang_cli_backend(argv[i], &backend) != 0)
                return cli_usage_error("%s needs honeybadger, hb or avss", a);
        } else if (!strcmp(a, "--mpc-curve") || !strcmp(a, "--curve") || !strcmp(a, "--field")) {
            if (++i >= argc || lang_cli_curve(argv[i], &curve) != 0)
                return cli_usage_error("%s needs bls12_381, bn254, curve25519, ed25519, secp256k1 or p-256", a);
        } else if (a[0] == '-') {
            return cli_usage_error("unknown option `%s` for `stoffel build`; see `stoffel build --help`", a);
        } else if (!path) {
            path = a;
        } else {
            return cli_usage_error("`stoffel build` takes one project path, got `%s` and `%s`", path, a);
        }
    }
    if (out) {
        size_t n = strlen(out);
        if (n < 7 || strcmp(out + n - 6, ".stflb") != 0)
            return cli_usage_error("--out `%s` must end in .stflb", out);
        if (out[0] == '/' || strstr(out, "..") || !strncmp(out, "src/", 4))
            return cli_usage_error("--out `%s` must be a path inside the project root, without `..` and not under src/",
                                   out);
    }
    project *p = project_open(path);
    if (!p)
        return CLI_EXIT_ERROR;
    char **srcs = NULL;
    size_t n = 0;
    int status = CLI_EXIT_ERROR;
    if (project_sources(p, &srcs, &n) != 0)
        goto done;
    if (out && n != 1) {
        status = cli_usage_error("--out needs a single source, but build.source `%s` holds %zu", p->source, n);
        goto done;
    }
    if (!p->security_set && !p->robust)
        fprintf(stderr, "note: %s: security defaults to semi-honest (parties %u < 3*threshold+1); set "
                        "[mpc].security to choose\n", p->manifest, p->parties);
    const char *profile = release ? "release" : "debug";
    int level = project_opt_level(p, opt, release);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char *dest;
        if (out) {
            char buf[PATH_MAX * 2];
            snprintf(buf, sizeof buf, "%s/%s", p->root, out);
            dest = strdup(buf);
        } else {
            dest = project_output_path(p, srcs[i], profile);
        }
        if (!dest) {
            cli_error("out of memory");
            failed++;
            break;
        }
        failed += build_one(p, srcs[i], dest, level, backend >= 0 ? backend : p->backend, curve >= 0 ? curve : p->curve,
                            print_ir, profile) != 0;
        free(dest);
    }
    status = failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
done:
    project_paths_free(srcs, n);
    project_free(p);
    return status;
}
