/* builtins_core.c - core builtins (spec §8.1): print, type, to_string, assert, closures and
 * upvalues, and the module-level globals Vm.global_get / Vm.global_set (§8.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"

int bi_arity(vm_state *vm, const char *name, size_t nargs, size_t lo, size_t hi)
{
    if (nargs >= lo && nargs <= hi)
        return 0;
    if (lo == hi)
        return vm_fail(vm, STOFFEL_VM_ERR_ARITY, "%s expects %zu argument%s, got %zu", name, lo, lo == 1 ? "" : "s", nargs);
    if (hi == SIZE_MAX)
        return vm_fail(vm, STOFFEL_VM_ERR_ARITY, "%s expects at least %zu argument%s, got %zu", name, lo, lo == 1 ? "" : "s", nargs);
    return vm_fail(vm, STOFFEL_VM_ERR_ARITY, "%s expects %zu to %zu arguments, got %zu", name, lo, hi, nargs);
}

int bi_type(vm_state *vm, const char *name, size_t i, vm_val v, const char *expected)
{
    return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s: argument %zu must be %s, got %s", name, i + 1, expected, val_type_name(vm, v));
}

int bi_int(vm_state *vm, const char *name, vm_val *args, size_t i, int64_t *out)
{
    if (!IS_INT_KIND(args[i].kind) || !val_as_i64(args[i], out))
        return bi_type(vm, name, i, args[i], "an integer");
    return 0;
}

int bi_string_out(vm_state *vm, const char *s, size_t len, vm_val *out)
{
    return val_string(vm, s, len, out);
}

static int to_text(vm_state *vm, vm_val v, vm_sbuf *s)
{
    format_value(vm, s, v, STOFFEL_VM_FORMAT_PRINT, 0);
    if (s->failed)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    return 0;
}

static int b_print(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    vm_sbuf s = {.vm = vm};
    sbuf_put(&s, "", 0);
    for (size_t i = 0; i < nargs; i++) {
        if (i)
            sbuf_put(&s, " ", 1);
        format_value(vm, &s, args[i], STOFFEL_VM_FORMAT_PRINT, 0);
    }
    if (s.failed) {
        sbuf_free(&s);
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    if (vm->out_fn) {
        vm->out_fn(vm->out_ud, s.buf, s.len);
    } else {
        fwrite(s.buf, 1, s.len, stdout);
        fputc('\n', stdout);
    }
    sbuf_free(&s);
    return 0;
}

static int b_type(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "type", nargs, 1, 1);
    if (rc)
        return rc;
    const char *n = val_type_name(vm, args[0]);
    return val_string(vm, n, strlen(n), out);
}

static int b_to_string(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "to_string", nargs, 1, 1);
    if (rc)
        return rc;
    vm_sbuf s = {.vm = vm};
    sbuf_put(&s, "", 0);
    if ((rc = to_text(vm, args[0], &s)) == 0)
        rc = val_string(vm, s.buf, s.len, out);
    sbuf_free(&s);
    return rc;
}

static int b_assert(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    int rc = bi_arity(vm, "assert", nargs, 1, 2);
    if (rc)
        return rc;
    if (args[0].kind != STOFFEL_VM_BOOL)
        return bi_type(vm, "assert", 0, args[0], "a boolean");
    if (args[0].as.b)
        return 0;
    if (nargs == 2) {
        vm_sbuf s = {.vm = vm};
        sbuf_put(&s, "", 0);
        if ((rc = to_text(vm, args[1], &s)) == 0)
            rc = vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "%s", s.buf);
        sbuf_free(&s);
        return rc;
    }
    return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "assertion failed");
}

/* ---- closures ----------------------------------------------------------------------------- */

static int find_on_stack(vm_state *vm, const char *name, vm_val *out)
{
    for (size_t d = vm->depth; d-- > 0;) {
        const vm_frame *f = &vm->frames[d];
        const vm_function *fn = &vm->prog->fns[f->fn];
        for (size_t i = 0; i < f->nlocals && i < fn->param_count; i++)
            if (strcmp(fn->params[i], name) == 0) {
                *out = f->locals[i];
                return 1;
            }
        for (size_t i = 0; i < f->nup; i++)
            if (strcmp(f->up_names[i], name) == 0) {
                *out = f->up_vals[i];
                return 1;
            }
    }
    return 0;
}

static int b_create_closure(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "create_closure", nargs, 1, SIZE_MAX);
    if (rc)
        return rc;
    if (args[0].kind != STOFFEL_VM_STRING)
        return bi_type(vm, "create_closure", 0, args[0], "a function name string");
    long t = vm_find_target(vm, args[0].as.s->data);
    if (t < 0 || vm->targets[t].kind != TARGET_VM)
        return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "create_closure: no VM function '%s'", args[0].as.s->data);
    for (size_t i = 1; i < nargs; i++)
        if (args[i].kind != STOFFEL_VM_STRING)
            return bi_type(vm, "create_closure", i, args[i], "an upvalue name string");
    if ((rc = val_closure(vm, args[0].as.s->data, nargs - 1, out)))
        return rc;
    vm_closure *c = out->as.c;
    for (size_t i = 1; i < nargs; i++) {
        c->names[i - 1] = vm_strdup_n(vm, args[i].as.s->data, args[i].as.s->len);
        if (!c->names[i - 1]) {
            val_release(vm, out);
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        }
        vm_val v = val_unit();
        if (!find_on_stack(vm, args[i].as.s->data, &v)) {
            val_release(vm, out);
            return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "create_closure: no variable '%s' to capture", args[i].as.s->data);
        }
        val_retain(v);
        c->vals[i - 1] = v;
    }
    if (vm->hook && (rc = vm_hook_named(vm, STOFFEL_VM_EVENT_CLOSURE_CREATED, c->fn_name, val_unit(), *out))) {
        val_release(vm, out);
        return rc;
    }
    return 0;
}

static int b_call_closure(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    int rc = bi_arity(vm, "call_closure", nargs, 1, SIZE_MAX);
    if (rc)
        return rc;
    if (args[0].kind != STOFFEL_VM_CLOSURE)
        return bi_type(vm, "call_closure", 0, args[0], "a closure");
    vm_closure *c = args[0].as.c;
    long t = vm_find_target(vm, c->fn_name);
    if (t < 0 || vm->targets[t].kind != TARGET_VM)
        return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "call_closure: no VM function '%s'", c->fn_name);
    /* Take the arguments off the caller's stack, then push the callee frame. */
    size_t n = nargs - 1;
    vm_val *moved = n ? vm_malloc(vm, n * sizeof *moved) : NULL;
    if (n && !moved)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        moved[i] = args[i + 1];
        val_retain(moved[i]);
    }
    c->rc++;
    vm_frame *caller = &vm->frames[vm->depth - 1];
    while (vm->nargs > caller->arg_base)
        val_release(vm, &vm->args[--vm->nargs]);
    rc = vm_push_frame(vm, vm->targets[t].fn_index, moved, n, c);
    for (size_t i = 0; i < n; i++)
        val_release(vm, &moved[i]);
    vm_free(vm, moved);
    vm_val cv = {.kind = STOFFEL_VM_CLOSURE};
    cv.as.c = c;
    val_release(vm, &cv);
    return rc ? rc : VM_FRAME_PUSHED;
}

static int b_get_upvalue(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "get_upvalue", nargs, 1, 1);
    if (rc)
        return rc;
    if (args[0].kind != STOFFEL_VM_STRING)
        return bi_type(vm, "get_upvalue", 0, args[0], "a name string");
    vm_frame *f = &vm->frames[vm->depth - 1];
    for (size_t i = 0; i < f->nup; i++)
        if (strcmp(f->up_names[i], args[0].as.s->data) == 0) {
            *out = f->up_vals[i];
            val_retain(*out);
            return vm->hook ? vm_hook_named(vm, STOFFEL_VM_EVENT_UPVALUE_READ, f->up_names[i], val_unit(), *out) : 0;
        }
    return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "get_upvalue: no upvalue '%s' in this function", args[0].as.s->data);
}

static int b_set_upvalue(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    int rc = bi_arity(vm, "set_upvalue", nargs, 2, 2);
    if (rc)
        return rc;
    if (args[0].kind != STOFFEL_VM_STRING)
        return bi_type(vm, "set_upvalue", 0, args[0], "a name string");
    vm_frame *f = &vm->frames[vm->depth - 1];
    for (size_t i = 0; i < f->nup; i++)
        if (strcmp(f->up_names[i], args[0].as.s->data) == 0) {
            if (vm->hook && (rc = vm_hook_named(vm, STOFFEL_VM_EVENT_UPVALUE_WRITE, f->up_names[i], f->up_vals[i], args[1])))
                return rc;
            val_assign(vm, &f->up_vals[i], args[1]);
            /* The closure object is shared by reference, so every holder sees the update. */
            if (f->closure)
                for (size_t k = 0; k < f->closure->n_up; k++)
                    if (strcmp(f->closure->names[k], f->up_names[i]) == 0)
                        val_assign(vm, &f->closure->vals[k], args[1]);
            return 0;
        }
    return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "set_upvalue: no upvalue '%s' in this function", args[0].as.s->data);
}

/* ---- module-level globals ----------------------------------------------------------------- */

static int b_global_get(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    int rc = bi_arity(vm, "Vm.global_get", nargs, 1, 1);
    if (rc)
        return rc;
    if (args[0].kind != STOFFEL_VM_STRING)
        return bi_type(vm, "Vm.global_get", 0, args[0], "a name string");
    vm_table t = {.map = vm->globals};
    *out = table_raw_get(&t, args[0]);
    val_retain(*out);
    return vm->hook ? vm_hook_named(vm, STOFFEL_VM_EVENT_VARIABLE_READ, args[0].as.s->data, val_unit(), *out) : 0;
}

static int b_global_set(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)out;
    int rc = bi_arity(vm, "Vm.global_set", nargs, 2, 2);
    if (rc)
        return rc;
    if (args[0].kind != STOFFEL_VM_STRING)
        return bi_type(vm, "Vm.global_set", 0, args[0], "a name string");
    vm_table t = {.map = vm->globals};
    if (vm->hook && (rc = vm_hook_named(vm, STOFFEL_VM_EVENT_VARIABLE_WRITE, args[0].as.s->data, table_raw_get(&t, args[0]), args[1])))
        return rc;
    rc = table_raw_set(vm, &t, args[0], args[1]);
    vm->globals = t.map;
    return rc;
}

int register_core_builtins(vm_state *vm)
{
    static const struct {
        const char *name;
        vm_builtin_fn fn;
    } table[] = {
        {"print", b_print},
        {"type", b_type},
        {"to_string", b_to_string},
        {"assert", b_assert},
        {"create_closure", b_create_closure},
        {"call_closure", b_call_closure},
        {"get_upvalue", b_get_upvalue},
        {"set_upvalue", b_set_upvalue},
        {"Vm.global_get", b_global_get},
        {"Vm.global_set", b_global_set},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        int rc = vm_register_builtin(vm, table[i].name, table[i].fn);
        if (rc)
            return rc;
    }
    return 0;
}
