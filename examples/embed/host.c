/*
 * host.c - embedding libstoffelvm in a C program (built through pkg-config, see run_examples.sh).
 *
 * 1. builds a small program with the program-building API and writes it as .stflb bytes,
 * 2. loads those bytes back (as a host would load a compiler's output),
 * 3. registers a host ("foreign") function with userdata,
 * 4. runs `main` on the in-process simulated MPC engine: a secret multiplication and a reveal.
 *
 *   main(x):  r16 <- x (shared); r17 <- host_offset(x); r18 <- r16 * r17; return reveal(r18)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/vm.h>

/* The host function: x + *(int64_t *)userdata. */
static int host_offset(stoffel_vm_call *call, const stoffel_vm_value *args, size_t nargs,
                       stoffel_vm_value *result, void *userdata)
{
    if (nargs != 1 || args[0].kind != STOFFEL_VM_I64)
        return stoffel_vm_call_fail(call, "expected one int64");
    *result = stoffel_vm_value_int(STOFFEL_VM_I64, args[0].as.i + *(const int64_t *)userdata);
    return 0;
}

static int build(uint8_t **bytes, size_t *len)
{
    stoffel_vm_builder *b;
    stoffel_vm_fn *f;
    if (stoffel_vm_builder_new(&b))
        return 1;
    stoffel_vm_builder_function(b, "main", &f);
    stoffel_vm_fn_add_param(f, "x", NULL);
    stoffel_vm_fn_mov(f, 16, 0);        /* share x */
    stoffel_vm_fn_pusharg(f, 0);
    stoffel_vm_fn_call(f, "host_offset");
    stoffel_vm_fn_mov(f, 17, 0);        /* share x + offset */
    stoffel_vm_fn_binop(f, STOFFEL_VM_OP_MUL, 18, 16, 17);
    stoffel_vm_fn_mov(f, 0, 18);        /* reveal */
    stoffel_vm_fn_ret(f, 0);
    int rc = stoffel_vm_builder_write(b, bytes, len);
    if (rc)
        fprintf(stderr, "build failed: %s\n", stoffel_vm_builder_last_error(b));
    stoffel_vm_builder_free(b);
    return rc != 0;
}

int main(void)
{
    uint8_t *bytes;
    size_t len;
    if (build(&bytes, &len))
        return 1;
    char err[256];
    stoffel_vm_program *prog;
    if (stoffel_vm_program_load(bytes, len, &prog, err, sizeof err)) {
        fprintf(stderr, "load failed: %s\n", err);
        return 1;
    }
    stoffel_vm_bytes_free(bytes);

    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg); /* 3 parties, threshold 1 */
    stoffel_mpc_engine *engine;
    if (stoffel_mpc_engine_new_simulated(&cfg, &engine, err, sizeof err)) {
        fprintf(stderr, "engine: %s\n", err);
        return 1;
    }
    stoffel_vm *vm;
    if (stoffel_vm_new(prog, NULL, &vm, err, sizeof err)) {
        fprintf(stderr, "vm: %s\n", err);
        return 1;
    }
    stoffel_vm_attach_engine(vm, engine);
    int64_t offset = 2;
    stoffel_vm_register_function(vm, "host_offset", host_offset, &offset);

    stoffel_vm_value x = stoffel_vm_value_int(STOFFEL_VM_I64, 5), result;
    if (stoffel_vm_execute(vm, "main", &x, 1, &result)) {
        fprintf(stderr, "run failed: %s\n", stoffel_vm_last_error(vm));
        return 1;
    }
    char *text;
    stoffel_vm_format_value(vm, &result, STOFFEL_VM_FORMAT_RESULT, &text);
    printf("Program returned: %s\n", text);
    int ok = result.kind == STOFFEL_VM_I64 && result.as.i == 35; /* 5 * (5 + 2) */
    stoffel_vm_bytes_free(text);
    stoffel_vm_free(vm);
    stoffel_mpc_engine_free(engine);
    stoffel_vm_program_free(prog);
    return ok ? 0 : 1;
}
