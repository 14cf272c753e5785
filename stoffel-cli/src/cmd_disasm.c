/* cmd_disasm.c - `stoffel disasm FILE.stflb`: prints the disassembly of a compiled program
 * (language.md §9.4 layout), produced by libstoffelvm's disassembler. */
#include <stdio.h>
#include <string.h>

#include <stoffel/vm.h>

#include "cli.h"

int cmd_disasm(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts("Usage: stoffel disasm FILE.stflb\n\nPrints the constants, functions, labels and instructions of a compiled\nprogram (any format version 0..9).");
            return CLI_EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("unknown option `%s` for `stoffel disasm`", argv[i]);
        if (path)
            return cli_usage_error("`stoffel disasm` takes one file, got `%s` and `%s`", path, argv[i]);
        path = argv[i];
    }
    if (!path)
        return cli_usage_error("`stoffel disasm` needs a program file: stoffel disasm FILE.stflb");
    char err[512];
    stoffel_vm_program *p;
    if (stoffel_vm_program_load_file(path, &p, err, sizeof err))
        return cli_error("cannot load %s: %s", path, err);
    char *text;
    size_t len;
    int rc = stoffel_vm_program_disassemble(p, &text, &len);
    stoffel_vm_program_free(p);
    if (rc)
        return cli_error("cannot disassemble %s: %s", path, stoffel_vm_strerror(rc));
    fwrite(text, 1, len, stdout);
    stoffel_vm_bytes_free(text);
    return CLI_EXIT_OK;
}
