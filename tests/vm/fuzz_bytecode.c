/*
 * fuzz_bytecode.c - fuzz target of the .stflb reader: any bytes either load or fail with a status
 * and a message; a loaded program must write, re-load, re-write to identical bytes and
 * disassemble; and its `main`, if it takes no arguments, runs under tight limits without an
 * engine (it may fail, but never crash or hang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/vm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void discard_output(void *ud, const char *text, size_t len)
{
    (void)ud;
    (void)text;
    (void)len;
}

static void run_main(const stoffel_vm_program *p)
{
    size_t fi;
    stoffel_vm_function_info info;
    if (stoffel_vm_program_find_function(p, "main", &fi) || stoffel_vm_program_function(p, fi, &info) ||
        info.param_count != 0)
        return;
    stoffel_vm_config cfg;
    stoffel_vm_config_defaults(&cfg);
    cfg.instruction_budget = 20000;
    cfg.max_call_depth = 200;
    cfg.max_memory_bytes = 8u << 20;
    cfg.max_spill_slots = 4096;
    stoffel_vm *vm;
    if (stoffel_vm_new(p, &cfg, &vm, NULL, 0))
        return;
    stoffel_vm_set_output(vm, discard_output, NULL);
    stoffel_vm_value r;
    if (stoffel_vm_execute(vm, "main", NULL, 0, &r) == 0) {
        char *text;
        if (stoffel_vm_format_value(vm, &r, STOFFEL_VM_FORMAT_RESULT, &text) == 0)
            stoffel_vm_bytes_free(text);
    } else if (stoffel_vm_last_error(vm)[0] == 0) {
        abort(); /* a failed run must say why */
    }
    stoffel_vm_free(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    stoffel_vm_program *p = NULL;
    char err[256];
    int rc = stoffel_vm_program_load(data, size, &p, err, sizeof err);
    if (rc != 0) {
        if (p != NULL || err[0] == 0)
            abort(); /* a failure must leave no program and must say why */
        return 0;
    }
    uint8_t *w1 = NULL, *w2 = NULL;
    size_t n1 = 0, n2 = 0;
    if (stoffel_vm_program_write(p, &w1, &n1) == 0) {
        stoffel_vm_program *q = NULL;
        if (stoffel_vm_program_load(w1, n1, &q, err, sizeof err) != 0)
            abort(); /* what we write, we must read */
        if (stoffel_vm_program_write(q, &w2, &n2) != 0 || n1 != n2 || memcmp(w1, w2, n1) != 0)
            abort(); /* writing is deterministic and idempotent */
        stoffel_vm_program_free(q);
    }
    char *text = NULL;
    if (stoffel_vm_program_disassemble(p, &text, NULL) == 0)
        stoffel_vm_bytes_free(text);
    run_main(p);
    stoffel_vm_bytes_free(w1);
    stoffel_vm_bytes_free(w2);
    stoffel_vm_program_free(p);
    return 0;
}
