/* cli.h - declarations shared by the stoffel CLI's files: the command handlers and small helpers. */
#ifndef STOFFEL_CLI_H
#define STOFFEL_CLI_H

#include <stddef.h>

/* Exit codes of the CLI (as in the reference): 0 success, 1 error, 2 usage error. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_ERROR = 1, CLI_EXIT_USAGE = 2 };

/* Every handler gets the arguments after the command name (argv[0] is the command name). */
#define COMMAND(name, handler, summary) int handler(int argc, char **argv);
#define ALIAS(alias, name)
#include "commands.def"
#undef COMMAND
#undef ALIAS

/* Levenshtein distance between two strings (for "did you mean" hints). */
size_t cli_edit_distance(const char *a, const char *b);

/* Prints "Error: <message>" to stderr (printf-style) and returns CLI_EXIT_ERROR. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "Error: <message>" to stderr (printf-style) and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
