/* vm_input.h - parsing `--input` / `--client-input` values (net-cli.md §4.3) into VM values. */
#ifndef STOFFEL_CLI_VM_INPUT_H
#define STOFFEL_CLI_VM_INPUT_H

#include <stddef.h>

#include <stoffel/vm.h>

/* Parses text into *out; lists and objects are created in vm. A string in *out points into text
 * (bare) or into a buffer returned in *to_free (quoted; free it after the VM copied the value,
 * e.g. after stoffel_vm_start). Returns 0, or -1 with a message in err. */
int vm_input_parse(stoffel_vm *vm, const char *text, stoffel_vm_value *out, char **to_free, char *err,
                   size_t err_len);

#endif
