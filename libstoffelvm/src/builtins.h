/* builtins.h - helpers shared by the builtin tables (argument checks, results). */
#ifndef STOFFEL_VM_BUILTINS_H
#define STOFFEL_VM_BUILTINS_H

#include <stdint.h>

#include "vm_internal.h"

/* Fails with an arity error unless lo <= nargs <= hi (hi = SIZE_MAX: no upper bound). */
int bi_arity(vm_state *vm, const char *name, size_t nargs, size_t lo, size_t hi);
/* Fails with "name: argument i must be <expected>, got <type>". */
int bi_type(vm_state *vm, const char *name, size_t i, vm_val v, const char *expected);
/* Reads args[i] as an integer of any width. */
int bi_int(vm_state *vm, const char *name, vm_val *args, size_t i, int64_t *out);
int bi_string_out(vm_state *vm, const char *s, size_t len, vm_val *out);

/* get_field / set_field semantics (also used by the C table API). */
int field_get(vm_state *vm, vm_val table, vm_val key, vm_val *out);
int field_set(vm_state *vm, vm_val table, vm_val key, vm_val val);

/* Byte arrays (arrays of U8): read into a malloc'd buffer / make a new one. */
int bytes_read(vm_state *vm, const char *name, size_t i, vm_val v, uint8_t **buf, size_t *len);
int bytes_make(vm_state *vm, const uint8_t *buf, size_t len, vm_val *out);

int register_storage_builtins(vm_state *vm);

#endif
