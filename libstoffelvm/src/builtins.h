/* builtins.h - helpers shared by the builtin tables (argument checks, results). */
#ifndef STOFFEL_VM_BUILTINS_H
#define STOFFEL_VM_BUILTINS_H

#include <stdint.h>

#include "vm_internal.h"

/* Fails with an arity error unless lo <= nargs <= hi (hi = SIZE_MAX: no upper bound). */
int bi_arity(vm_state *vm, const char *name, size_t nargs, size_t lo, size_t hi);

/* Inside a builtin (vm, nargs in scope): return the arity error / the missing-engine error. */
#define ARITY(name, lo, hi)                                     \
    do {                                                        \
        int arc_ = bi_arity(vm, name, nargs, lo, hi);           \
        if (arc_)                                               \
            return arc_;                                        \
    } while (0)
#define ENGINE(name)                                                                                   \
    do {                                                                                               \
        if (!vm->engine)                                                                               \
            return vm_fail(vm, STOFFEL_VM_ERR_NO_ENGINE, "%s needs an MPC engine, and none is configured (MpcEngineNotConfigured)", name); \
    } while (0)

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

/* The type two shares compare at (Share.lt and friends): ta or tb may be NULL (a clear operand,
 * promoted to the other's type); fixed-point operands must share a precision; mixed integer
 * widths compare at the larger width + 1. Fails with a type error naming `name`. */
int bi_compare_type(vm_state *vm, const char *name, const stoffel_vm_share_type *ta,
                    const stoffel_vm_share_type *tb, stoffel_vm_share_type *t);

/* Effects of the whole-array builtins, randomness and client output (builtins_batch.c). */
/* A zeroed effect, or NULL (message set). */
vm_effect *bi_effect_new(vm_state *vm);
/* Gives the effect an output buffer of len bytes. */
int bi_effect_out(vm_state *vm, vm_effect *e, size_t len);
/* Collects the shares of array argument i into a packed buffer of *n shares (*len bytes); *type
 * (may be NULL) gets the first element's share type. Errors name `name` and the element. */
int bi_collect_shares(vm_state *vm, const char *name, vm_val *args, size_t i, uint8_t **buf, size_t *n,
                      size_t *len, stoffel_vm_share_type *type);
/* Share.batch_mul, Share.batch_open, Share.batch_lt. */
int register_batch_builtins(vm_state *vm);

#endif
