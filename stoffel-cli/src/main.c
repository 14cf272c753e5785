/*
 * main.c - the stoffel CLI's entry point: finds the command in commands.def and runs it.
 * The CLI is thin: commands parse flags, read files and call library functions.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*handler)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
#define COMMAND(name, handler, summary) {#name, handler, summary},
#define ALIAS(alias, name)
#include "commands.def"
#undef COMMAND
#undef ALIAS
};

struct alias {
    const char *alias;
    const char *name;
};

static const struct alias aliases[] = {
#define COMMAND(name, handler, summary)
#define ALIAS(alias, name) {#alias, #name},
#include "commands.def"
#undef COMMAND
#undef ALIAS
    {NULL, NULL}
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
    for (const struct alias *a = aliases; a->alias; a++)
        if (strcmp(a->alias, name) == 0)
            name = a->name;
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_usage(FILE *out)
{
    fputs("stoffel - develop, build, and run Stoffel (MPC) programs\n\n"
          "Usage: stoffel <command> [options]\n\n"
          "Commands:\n", out);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\nOptions:\n"
          "  -h, --help     Show this help\n"
          "  -V, --version  Print the versions of stoffel and its libraries\n\n"
          "Run `stoffel help <command>` or `stoffel <command> --help` for a command's options.\n", out);
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    const struct command *cmd = find_command(argv[1]);
    if (!cmd)
        return cli_usage_error("unknown command `%s`; `stoffel --help` lists the commands", argv[1]);
    if (cmd->handler == cmd_help) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    char *help_argv[] = {argv[1], "--help", NULL};
    return cmd->handler(2, help_argv);
}

static int unknown_command(const char *name)
{
    fprintf(stderr, "Error: unknown command `%s`.\n", name);
    const char *best = NULL;
    size_t best_distance = 3; /* suggest only within an edit distance of 2 */
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        size_t d = cli_edit_distance(name, commands[i].name);
        if (d < best_distance) {
            best_distance = d;
            best = commands[i].name;
        }
    }
    if (best)
        fprintf(stderr, "Did you mean `stoffel %s`?\n", best);
    else
        fputs("Run `stoffel --help` to list the commands.\n", stderr);
    return CLI_EXIT_USAGE;
}

/* A closed stdout (`stoffel ... | head`) is not an error: exit 0 silently. */
static int finish(int status)
{
    if (fflush(stdout) != 0 && errno == EPIPE)
        return CLI_EXIT_OK;
    return status;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    /* MPC batches move share vectors of megabytes; glibc's defaults map, fault in and unmap such
     * blocks again for every round (a third of a party's CPU time in the comparison benchmark).
     * Keep freed memory in the heap for the next round instead. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        name = "help";
    else if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0)
        name = "version";
    else if (name[0] == '-') {
        fprintf(stderr, "Error: unknown option `%s`.\n", name);
        fputs("Run `stoffel --help` to list the commands and options.\n", stderr);
        return CLI_EXIT_USAGE;
    }
    const struct command *cmd = find_command(name);
    if (!cmd)
        return unknown_command(name);
    return finish(cmd->handler(argc - 1, argv + 1));
}
