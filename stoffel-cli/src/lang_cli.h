/* lang_cli.h - helpers shared by `stoffel compile` and `stoffel check`: option parsing for the
 * compiler and diagnostics printing (colour only on a TTY, never with NO_COLOR). */
#ifndef STOFFEL_LANG_CLI_H
#define STOFFEL_LANG_CLI_H

#include <stoffel/lang.h>

/* Prints the result's diagnostics to stderr, rustc-style. */
void lang_cli_print_diagnostics(const stoffel_lang_result *r);

/* Checks that path ends in .stfl; prints the error and hint and returns 0 otherwise. */
int lang_cli_check_extension(const char *path);

/* Parses a backend / curve name; returns 0 on success. */
int lang_cli_backend(const char *name, int *out);
int lang_cli_curve(const char *name, int *out);

/* Compiles a .stfl file (-O2) for `stoffel run`: prints diagnostics; on success stores the
 * program in *out (stoffel_vm_program_free) and returns 0, else returns non-zero. */
int lang_cli_compile_to_program(const char *path, stoffel_vm_program **out);

#endif
