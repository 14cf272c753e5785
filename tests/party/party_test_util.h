/*
 * party_test_util.h - helpers shared by the party tests: a temporary directory and small programs
 * built with the VM's builder (so the tests need no compiler).
 */
#ifndef STOFFEL_PARTY_TEST_UTIL_H
#define STOFFEL_PARTY_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stoffel/vm.h>

/* Makes a fresh directory under $TMPDIR (or /tmp); the path is written to dir. */
static inline int party_test_tmpdir(char *dir, size_t len)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, len, "%s/stoffel-party-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

/* Removes the directory made by party_test_tmpdir and the files in it. */
static inline void party_test_rmdir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* Bytecode of a program whose `main` returns the integer k (and defines `other` returning 0). */
static inline int party_test_program(int64_t k, uint8_t **code, size_t *len)
{
    stoffel_vm_builder *b = NULL;
    stoffel_vm_fn *fn = NULL;
    int rc = stoffel_vm_builder_new(&b);
    if (!rc)
        rc = stoffel_vm_builder_function(b, "main", &fn);
    if (!rc)
        rc = stoffel_vm_fn_ldi_i64(fn, 0, k);
    if (!rc)
        rc = stoffel_vm_fn_ret(fn, 0);
    if (!rc)
        rc = stoffel_vm_builder_function(b, "other", &fn);
    if (!rc)
        rc = stoffel_vm_fn_ldi_i64(fn, 0, 0);
    if (!rc)
        rc = stoffel_vm_fn_ret(fn, 0);
    if (!rc)
        rc = stoffel_vm_builder_write(b, code, len);
    stoffel_vm_builder_free(b);
    return rc;
}

#endif
