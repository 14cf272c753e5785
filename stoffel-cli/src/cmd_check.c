/* cmd_check.c - `stoffel check FILE.stfl`: lexes, parses and type-checks a StoffelLang program
 * without writing anything; prints the diagnostics and exits 1 on errors. */
#include <stdio.h>
#include <string.h>

#include <stoffel/lang.h>

#include "cli.h"
#include "lang_cli.h"
#include "project.h"

int cmd_check(int argc, char **argv)
{
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("Usage: stoffel check FILE.stfl\n\nChecks a StoffelLang program (syntax and types) without "
                 "generating bytecode.");
            return CLI_EXIT_OK;
        }
        if (argv[i][0] == '-')
            return cli_usage_error("unknown option `%s` for `stoffel check`", argv[i]);
        if (file)
            return cli_usage_error("`stoffel check` takes one source file");
        file = argv[i];
    }
    if (!file) /* no file: check the project around the current directory */
        return project_cli_check();
    if (!lang_cli_check_extension(file))
        return CLI_EXIT_USAGE;
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.check_only = 1;
    printf("Compiling %s...\n", file);
    fflush(stdout);
    stoffel_lang_result *r = NULL;
    int rc = stoffel_lang_compile_file(file, &o, &r);
    if (!r)
        return cli_error("cannot read '%s': %s", file, stoffel_lang_strerror(rc));
    lang_cli_print_diagnostics(r);
    stoffel_lang_result_free(r);
    if (rc != 0)
        return CLI_EXIT_ERROR;
    puts("Compilation successful!");
    return CLI_EXIT_OK;
}
