/*
 * cmd_compile.c - `stoffel compile FILE.stfl [-O0..-O3] [-o OUT.stflb] [--print-ir]
 * [--disassemble] [--mpc-backend B] [--mpc-curve C]`: compiles a StoffelLang program to
 * version-9 bytecode (language.md section 9.2). `stoffel compile --disassemble X.stflb` prints
 * the disassembly of an existing bytecode file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/lang.h>
#include <stoffel/vm.h>

#include "cli.h"
#include "lang_cli.h"
#include "project.h"

static const char usage[] =
    "Usage: stoffel compile FILE.stfl [options]\n"
    "       stoffel compile --disassemble FILE.stflb\n\n"
    "Compiles a StoffelLang program to bytecode (.stflb, format version 9).\n\n"
    "Options:\n"
    "  -O0, -O1, -O2, -O3      optimisation level (default -O0; --optimize = -O2; -O N, --opt-level N)\n"
    "  -b                      accepted for the reference compiler's command line (a binary is always written)\n"
    "  -o OUT.stflb            output path (default: the source path with .stflb)\n"
    "  --print-ir              print the AST after the -O passes and the generated instructions\n"
    "  --disassemble           print the disassembly of the compiled program\n"
    "  --mpc-backend B         honeybadger (hb) or avss, recorded in the manifest\n"
    "  --mpc-curve C           bls12_381, bn254, curve25519, ed25519, secp256k1, p-256\n";

static int disassemble_bytes(const uint8_t *bytes, size_t len)
{
    stoffel_vm_program *p = NULL;
    char err[256] = {0};
    if (stoffel_vm_program_load(bytes, len, &p, err, sizeof err) != 0)
        return cli_error("cannot load the bytecode: %s", err);
    char *text = NULL;
    size_t n = 0;
    int rc = stoffel_vm_program_disassemble(p, &text, &n);
    stoffel_vm_program_free(p);
    if (rc != 0)
        return cli_error("cannot disassemble: %s", stoffel_vm_strerror(rc));
    fwrite(text, 1, n, stdout);
    stoffel_vm_bytes_free(text);
    return CLI_EXIT_OK;
}

static int disassemble_file(const char *path)
{
    size_t n = strlen(path);
    if (n < 6 || strcmp(path + n - 6, ".stflb") != 0)
        return cli_usage_error("--disassemble requires a .stflb file, got '%s'", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_error("cannot read '%s'", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    size_t got = buf ? fread(buf, 1, (size_t)len, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)len) {
        free(buf);
        return cli_error("cannot read '%s'", path);
    }
    int rc = disassemble_bytes(buf, got);
    free(buf);
    return rc;
}

static char *output_path(const char *src, const char *out)
{
    if (out) {
        size_t n = strlen(out);
        if (n >= 6 && strcmp(out + n - 6, ".stflb") == 0)
            return strdup(out);
        /* a wrong extension is corrected, with a warning */
        const char *dot = strrchr(out, '.');
        const char *slash = strrchr(out, '/');
        size_t base = dot && (!slash || dot > slash) ? (size_t)(dot - out) : n;
        char *p = malloc(base + 7);
        if (!p)
            return NULL;
        memcpy(p, out, base);
        strcpy(p + base, ".stflb");
        fprintf(stderr, "warning: output file '%s' does not end in .stflb; writing '%s'\n", out, p);
        return p;
    }
    size_t n = strlen(src);
    char *p = malloc(n + 2);
    if (!p)
        return NULL;
    memcpy(p, src, n - 5);
    strcpy(p + n - 5, ".stflb");
    return p;
}

int cmd_compile(int argc, char **argv)
{
    if (project_cli_wants_project(argc, argv)) /* no file: build the project (stoffel build) */
        return cmd_build(argc, argv);
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    const char *file = NULL, *out = NULL;
    int print_ir = 0, disasm = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "-O0") || !strcmp(a, "-O1") || !strcmp(a, "-O2") || !strcmp(a, "-O3")) {
            o.opt_level = a[2] - '0';
        } else if (!strncmp(a, "-O", 2) && a[2]) {
            return cli_usage_error("unknown optimisation level `%s`; use -O0, -O1, -O2 or -O3", a);
        } else if (!strcmp(a, "-b")) {
            /* the reference compiler's "write a binary" flag: stoffel compile always writes one */
        } else if (!strcmp(a, "--optimize")) {
            o.opt_level = 2;
        } else if (!strcmp(a, "-O") || !strcmp(a, "--opt-level")) {
            if (++i >= argc || strlen(argv[i]) != 1 || argv[i][0] < '0' || argv[i][0] > '3')
                return cli_usage_error("%s needs a level 0..3", a);
            o.opt_level = argv[i][0] - '0';
        } else if (!strcmp(a, "-o")) {
            if (++i >= argc)
                return cli_usage_error("-o needs an output path");
            out = argv[i];
        } else if (!strcmp(a, "--print-ir")) {
            print_ir = 1;
        } else if (!strcmp(a, "--disassemble")) {
            disasm = 1;
        } else if (!strcmp(a, "--mpc-backend")) {
            if (++i >= argc || lang_cli_backend(argv[i], &o.mpc_backend) != 0)
                return cli_usage_error("--mpc-backend needs honeybadger, hb or avss");
        } else if (!strcmp(a, "--mpc-curve")) {
            if (++i >= argc || lang_cli_curve(argv[i], &o.mpc_curve) != 0)
                return cli_usage_error("--mpc-curve needs bls12_381, bn254, curve25519, ed25519, secp256k1 or p-256");
        } else if (a[0] == '-') {
            return cli_usage_error("unknown option `%s` for `stoffel compile`; see `stoffel compile --help`", a);
        } else if (!file) {
            file = a;
        } else {
            return cli_usage_error("`stoffel compile` takes one source file");
        }
    }
    if (!file)
        return cli_usage_error("`stoffel compile` needs a source file; see `stoffel compile --help`");
    size_t fl = strlen(file);
    if (disasm && fl > 6 && !strcmp(file + fl - 6, ".stflb"))
        return disassemble_file(file);
    if (!lang_cli_check_extension(file))
        return CLI_EXIT_USAGE;
    o.want_ir = (uint8_t)print_ir;
    printf("Compiling %s...\n", file);
    fflush(stdout);
    stoffel_lang_result *r = NULL;
    int rc = stoffel_lang_compile_file(file, &o, &r);
    if (!r)
        return cli_error("cannot compile '%s': %s", file, stoffel_lang_strerror(rc));
    lang_cli_print_diagnostics(r);
    if (rc != 0) {
        stoffel_lang_result_free(r);
        return CLI_EXIT_ERROR;
    }
    if (print_ir && stoffel_lang_result_ir(r))
        fputs(stoffel_lang_result_ir(r), stdout);
    const uint8_t *bytes = NULL;
    size_t len = 0;
    stoffel_lang_result_bytecode(r, &bytes, &len);
    if (disasm)
        disassemble_bytes(bytes, len);
    char *path = output_path(file, out);
    if (!path) {
        stoffel_lang_result_free(r);
        return cli_error("out of memory");
    }
    puts("Generating VM-compatible binary...");
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(bytes, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    stoffel_lang_result_free(r);
    if (!ok) {
        int e = cli_error("cannot write '%s'", path);
        free(path);
        return e;
    }
    printf("Binary saved to %s\n", path);
    free(path);
    return CLI_EXIT_OK;
}
