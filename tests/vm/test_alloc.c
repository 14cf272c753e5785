/*
 * test_alloc.c - out-of-memory paths (STYLE.md): a test allocator makes allocation N fail, for
 * every N from 1 until a load and a run of a non-trivial program (strings, tables, closures,
 * globals, calls, printing, secret arithmetic, a whole-array builtin) succeed. Every failure must
 * be STOFFEL_ERR_NOMEM with a message, and once the handles are freed nothing may be left
 * allocated. The ASan build runs it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/vm.h>

#include "test_util.h"
#include "vm_text_asm.h"

typedef struct {
    long fail_at; /* the call that fails (1-based); 0 = none */
    long calls;
    long live;    /* blocks allocated and not freed */
} counting_alloc;

static void *t_alloc(void *ud, size_t n)
{
    counting_alloc *c = ud;
    if (++c->calls == c->fail_at)
        return NULL;
    void *p = malloc(n);
    c->live += p != NULL;
    return p;
}

static void *t_realloc(void *ud, void *p, size_t n)
{
    counting_alloc *c = ud;
    if (++c->calls == c->fail_at)
        return NULL;
    void *q = realloc(p, n);
    c->live += q != NULL && p == NULL;
    return q;
}

static void t_free(void *ud, void *p)
{
    counting_alloc *c = ud;
    if (p) {
        c->live--;
        free(p);
    }
}

static const char *const PROGRAM =
    "fn main\n"
    " LDI r1 str \"count\"\n LDI r2 i64 3\n PUSHARG r1\n PUSHARG r2\n CALL Vm.global_set\n"
    " CALL create_object\n MOV r3 r0\n LDI r4 str \"name\"\n LDI r5 str \"stoffel\"\n"
    " PUSHARG r3\n PUSHARG r4\n PUSHARG r5\n CALL set_field\n"
    " CALL create_array\n MOV r6 r0\n LDI r7 i64 0\n"
    "loop:\n PUSHARG r6\n PUSHARG r7\n CALL array_push\n LDI r8 i64 1\n ADD r7 r7 r8\n LDI r8 i64 40\n CMP r7 r8\n JMPLT loop\n"
    " PUSHARG r6\n CALL to_string\n MOV r9 r0\n PUSHARG r5\n PUSHARG r9\n CALL print\n"
    " LDI r10 i64 6\n PUSHARG r10\n CALL twice\n MOV r11 r0\n"
    " ADD r12 r5 r5\n PUSHARG r12\n CALL len\n MOV r13 r0\n"
    " LDI r16 i64 6\n LDI r17 i64 7\n MUL r18 r16 r17\n MOV r14 r18\n"
    " CALL create_array\n MOV r15 r0\n PUSHARG r15\n PUSHARG r16\n PUSHARG r17\n CALL array_push\n"
    " PUSHARG r15\n PUSHARG r15\n CALL Share.batch_mul\n PUSHARG r0\n CALL Share.batch_open\n MOV r2 r0\n"
    " PUSHARG r11\n PUSHARG r13\n PUSHARG r14\n PUSHARG r2\n CALL print\n"
    " ADD r0 r11 r14\n RET r0\n"
    "fn twice x\n ADD r1 r0 r0\n RET r1\n";

static void test_allocation_failures(void)
{
    /* The program as .stflb bytes: the loader's allocations are counted too. */
    stoffel_vm_program *built = tasm_build(PROGRAM);
    CHECK(built != NULL);
    if (!built)
        return;
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_EQ_INT(stoffel_vm_program_write(built, &bytes, &len), 0);
    stoffel_vm_program_free(built);
    stoffel_mpc_sim_config sc;
    stoffel_mpc_sim_config_defaults(&sc);
    sc.n = 3;
    sc.t = 1;
    stoffel_mpc_engine *e = NULL;
    CHECK_EQ_INT(stoffel_mpc_engine_new_simulated(&sc, &e, NULL, 0), 0);
    int succeeded = 0;
    long n, failures = 0, load_failures = 0;
    for (n = 1; n < 100000 && !succeeded; n++) {
        counting_alloc c = {.fail_at = n};
        stoffel_vm_allocator a = {sizeof a, t_alloc, t_realloc, t_free, &c};
        stoffel_vm_program *p = NULL;
        char err[512] = "";
        int rc = stoffel_vm_program_load_with(bytes, len, &a, &p, err, sizeof err);
        if (rc) {
            CHECK_MSG(rc == STOFFEL_ERR_NOMEM && strstr(err, "out of memory"), "N=%ld: load returned %d \"%s\"", n, rc, err);
            CHECK_MSG(c.live == 0, "N=%ld: %ld blocks leaked by a failed load", n, c.live);
            load_failures++;
            continue;
        }
        stoffel_vm_config cfg;
        stoffel_vm_config_defaults(&cfg);
        cfg.allocator = &a;
        stoffel_vm *vm = NULL;
        rc = stoffel_vm_new(p, &cfg, &vm, err, sizeof err);
        if (rc) {
            stoffel_vm_program_free(p);
            CHECK_MSG(rc == STOFFEL_ERR_NOMEM && err[0], "N=%ld: stoffel_vm_new returned %d \"%s\"", n, rc, err);
            CHECK_MSG(c.live == 0, "N=%ld: %ld blocks leaked by a failed stoffel_vm_new", n, c.live);
            failures++;
            continue;
        }
        tasm_output out = {.len = 0};
        out.buf[0] = 0;
        stoffel_vm_set_output(vm, tasm_sink, &out);
        stoffel_vm_attach_engine(vm, e);
        stoffel_vm_value r;
        rc = stoffel_vm_execute(vm, "main", NULL, 0, &r);
        if (rc == 0) {
            CHECK_MSG(r.kind == STOFFEL_VM_I64 && r.as.i == 54, "N=%ld: result kind %d", n, (int)r.kind);
            CHECK_EQ_STR(out.buf, "stoffel [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, ...(24 more)]\n12 14 42 [36, 49]\n");
            succeeded = 1;
        } else {
            const char *msg = stoffel_vm_last_error(vm);
            CHECK_MSG(rc == STOFFEL_ERR_NOMEM && strstr(msg, "out of memory"), "N=%ld: run returned %d \"%s\"", n, rc, msg);
            failures++;
        }
        stoffel_vm_free(vm);
        stoffel_vm_program_free(p);
        CHECK_MSG(c.live == 0, "N=%ld: %ld blocks leaked", n, c.live);
    }
    CHECK(succeeded);
    CHECK(failures > 100 && load_failures > 20); /* the program really allocates */
    fprintf(stderr, "%ld load and %ld VM allocation failures checked\n", load_failures, failures);
    stoffel_mpc_engine_free(e);
    stoffel_vm_bytes_free(bytes);
}

/* An incomplete allocator is refused, not used. */
static void test_bad_allocator(void)
{
    stoffel_vm_allocator a = {0, t_alloc, t_realloc, NULL, NULL};
    stoffel_vm_program *p = NULL;
    char err[256] = "";
    static const uint8_t empty_v1[] = {'S', 'T', 'F', 'L', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_EQ_INT(stoffel_vm_program_load_with(empty_v1, sizeof empty_v1, &a, &p, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK(p == NULL && strstr(err, "stoffel_vm_allocator needs struct_size and all three functions"));
    CHECK_EQ_INT(stoffel_vm_program_load_with(empty_v1, sizeof empty_v1, NULL, &p, err, sizeof err), 0);
    stoffel_vm_config cfg;
    stoffel_vm_config_defaults(&cfg);
    cfg.allocator = &a;
    stoffel_vm *vm = NULL;
    CHECK_EQ_INT(stoffel_vm_new(p, &cfg, &vm, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK(vm == NULL && strstr(err, "stoffel_vm_allocator needs struct_size and all three functions"));
    stoffel_vm_program_free(p);
}

int main(void)
{
    test_bad_allocator();
    test_allocation_failures();
    return test_finish();
}
