/* vm_input.h - parsing `--input` / `--client-input` values (net-cli.md §4.3) into VM values. */
#ifndef STOFFEL_CLI_VM_INPUT_H
#define STOFFEL_CLI_VM_INPUT_H

#include <stddef.h>

#include <stoffel/vm.h>

/* Parses text into *out; lists and objects are created in vm. Strings in *out point into text
 * (bare) or into memory that lives until exit (quoted). Returns 0, or -1 with a message in err. */
int vm_input_parse(stoffel_vm *vm, const char *text, stoffel_vm_value *out, char *err, size_t err_len);

#endif
