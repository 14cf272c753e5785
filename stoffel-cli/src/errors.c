/* errors.c - the CLI's error printing: "Error: ..." on stderr, with the exit code it implies. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

static void print_error(const char *fmt, va_list ap)
{
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_error(fmt, ap);
    va_end(ap);
    return CLI_EXIT_ERROR;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_error(fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}
