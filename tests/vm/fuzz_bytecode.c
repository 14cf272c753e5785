/*
 * fuzz_bytecode.c - fuzz target of the .stflb reader: any bytes either load or fail with a status
 * and a message; a loaded program must write, re-load, re-write to identical bytes and
 * disassemble.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/vm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    stoffel_vm_bytes_free(w1);
    stoffel_vm_bytes_free(w2);
    stoffel_vm_program_free(p);
    return 0;
}
