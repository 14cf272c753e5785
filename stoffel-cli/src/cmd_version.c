/* cmd_version.c - `stoffel version` / `stoffel --version`: the CLI's and every library's version. */
#include <stdio.h>
#include <string.h>

#include <stoffel/lang.h>

#include "cli.h"

int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("Usage: stoffel version\n\nPrints the versions of stoffel and of every Stoffel-C library.");
        return CLI_EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("`stoffel version` takes no arguments");
    printf("stoffel %s\n", STOFFEL_CLI_VERSION);
    printf("libstoffelnet %s\n", stoffel_net_version());
    printf("libstoffelmpc %s\n", stoffel_mpc_version());
    printf("libstoffelvm %s\n", stoffel_vm_version());
    printf("libstoffellang %s\n", stoffel_lang_version());
    return CLI_EXIT_OK;
}
