/*
 * program_internal.h - the in-memory form of a program, shared by the builder, the bytecode reader
 * and writer, the disassembler and the interpreter. A program is immutable once made.
 */
#ifndef STOFFEL_VM_PROGRAM_INTERNAL_H
#define STOFFEL_VM_PROGRAM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <stoffel/vm.h>

/* Limits of the format (spec §6.5). */
#define VM_MAX_CONSTANTS 1000000u
#define VM_MAX_FUNCTIONS 1000000u
#define VM_MAX_MANIFEST 1000000u
#define VM_MAX_INSTRUCTIONS 8000000u
#define VM_MAX_STRING (16u * 1024u * 1024u)
#define VM_FORMAT_VERSION 9u
#define VM_NO_TARGET UINT32_MAX
/* Internal opcode placed after the last instruction of every function: the implicit RET r0.
 * Never read from or written to files (0x1F is no opcode there). */
#define VM_OP_END 0x1F

/* Operand shapes of the opcode table. */
enum { SHAPE_NONE, SHAPE_R, SHAPE_RI, SHAPE_RK, SHAPE_RR, SHAPE_RRR, SHAPE_LABEL, SHAPE_NAME };

/* Shape of an opcode byte, or -1 for a byte that is no opcode. */
int opcode_shape(int op);

/*
 * One decoded instruction. Operand meaning per shape:
 *   R: a = register; RI: a = dst, b = offset (int32 stored as uint32); RK: a = dst, b = constant;
 *   RR: a, b as on disk; RRR: a = dst, b, c; LABEL: a = target index, b = label index in the
 *   function's labels; NAME: a = index in the function's names (CALL targets).
 */
typedef struct {
    uint8_t op;  /* the opcode as in the file */
    uint8_t xop; /* what the interpreter dispatches on: op, or a fused form (VM_XOP_*) */
    uint32_t a, b, c;
} vm_instr;

/* Fused forms chosen by vm_function_normalise: a CMP directly followed by a conditional jump
 * that no label targets runs as one dispatch (the flag is still set). */
#define VM_XOP_CMP_JMPEQ 0x20
#define VM_XOP_CMP_JMPNEQ 0x21
#define VM_XOP_CMP_JMPLT 0x22
#define VM_XOP_CMP_JMPGT 0x23
/* An I64 ADD, SUB or MOD directly followed by such a fused compare-and-jump (the loop step
 * `i = i + 1; if i < n goto loop`): three instructions in one dispatch. The jump condition is
 * the fused form's: EQ, NEQ, LT, GT = 0..3. */
#define VM_XOP_ADD_CJ 0x24 /* + condition */
#define VM_XOP_SUB_CJ 0x28
#define VM_XOP_MOD_CJ 0x2C

typedef struct {
    char *name;
    uint32_t target; /* VM_NO_TARGET while a builder's label is used but not placed */
} vm_label;

typedef struct {
    char *name;
    uint16_t stored_registers;
    uint32_t frame_size;
    size_t param_count;
    char **params;
    int has_types;
    stoffel_vm_type **param_types;
    stoffel_vm_type *return_type;
    size_t upvalue_count;
    char **upvalues;
    char *parent;
    size_t label_count, label_cap;
    vm_label *labels;
    size_t instr_count, instr_cap;
    vm_instr *code;
    size_t name_count, name_cap;
    char **names;
} vm_function;

typedef struct {
    uint64_t slot;
    size_t input_count, output_count;
    stoffel_vm_share_type *inputs, *outputs;
} vm_client;

struct stoffel_vm_program {
    unsigned version;
    size_t const_count;
    stoffel_vm_value *consts; /* strings owned (malloc'd, NUL-terminated) */
    size_t fn_count;
    vm_function *fns;
    stoffel_vm_backend backend;
    stoffel_vm_curve curve;
    stoffel_vm_demand demand;
    size_t client_count;
    vm_client *clients;
    stoffel_vm_client_schema *client_views; /* public views of clients, built lazily at make */
    stoffel_vm_allocator mem; /* every allocation of the program (the builder's: malloc) */
};

/* Frees everything a function owns (not the struct itself), allocated through m. */
void vm_function_clear(const stoffel_vm_allocator *m, vm_function *fn);
/* Deep copy through m; 0 or STOFFEL_ERR_NOMEM (dst is left cleared). */
int vm_function_copy(const stoffel_vm_allocator *m, vm_function *dst, const vm_function *src);
/* Recomputes frame_size = max(stored, 1, #params, 1 + highest register operand) and appends the
 * VM_OP_END sentinel after the code. 0 or STOFFEL_ERR_NOMEM. */
int vm_function_normalise(const stoffel_vm_allocator *m, vm_function *fn);
/* Highest register operand + 1 split by bank (for the disassembler). */
void vm_function_register_use(const vm_function *fn, uint32_t secret_start, uint32_t *clear,
                              uint32_t *secret);

/* Type trees: deep copy (NULL -> NULL) and free. */
stoffel_vm_type *vm_type_copy(const stoffel_vm_allocator *m, const stoffel_vm_type *t, int *nomem);
void vm_type_free(const stoffel_vm_allocator *m, stoffel_vm_type *t);

/* Allocates an empty program whose memory comes from m (copied; NULL: malloc). */
stoffel_vm_program *vm_program_alloc(const stoffel_vm_allocator *m);
/* Builds the public client views; 0 or STOFFEL_ERR_NOMEM. */
int vm_program_finish(stoffel_vm_program *p);
/* Index of a function by name or -1. Linear; callers cache. */
long vm_program_find(const stoffel_vm_program *p, const char *name);

/* 1 when an integer constant's payload fits its width. */
int vm_const_in_range(const stoffel_vm_value *v);
/* Constants: equality (floats by bits) and a hash consistent with it. */
int vm_const_equal(const stoffel_vm_value *a, const stoffel_vm_value *b);
uint64_t vm_const_hash(const stoffel_vm_value *v);
/* Formats a constant as the disassembler does ("I64(5)", "String(\"x\")"); returns length. */
int vm_const_format(const stoffel_vm_value *v, char *buf, size_t len);

/* A deduplicating pool of constants (used by the builder and the writer). */
typedef struct {
    stoffel_vm_value *vals; /* strings owned */
    size_t count, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t slot_cap;
} vm_const_pool;
void vm_const_pool_free(vm_const_pool *pool);
/* Adds (copying strings) or finds; 0 or STOFFEL_ERR_NOMEM / STOFFEL_ERR_LIMIT. */
int vm_const_pool_add(vm_const_pool *pool, const stoffel_vm_value *v, uint32_t *index);

/* UTF-8 validity of a byte string. */
int vm_utf8_valid(const uint8_t *s, size_t len);
/* strndup that never fails silently: NULL on no memory. */
char *vm_strndup(const char *s, size_t len);

/* The allocator to use: *in when complete, else malloc/realloc/free. */
void vm_allocator_resolve(const stoffel_vm_allocator *in, stoffel_vm_allocator *out);
/* malloc/realloc/free as an allocator (static). */
const stoffel_vm_allocator *vm_default_allocator(void);

/* Allocation through a program's allocator (pm_calloc zeroes and checks for overflow). */
static inline void *pm_malloc(const stoffel_vm_allocator *m, size_t n) { return m->alloc(m->userdata, n ? n : 1); }
static inline void *pm_realloc(const stoffel_vm_allocator *m, void *p, size_t n) { return m->realloc(m->userdata, p, n ? n : 1); }
static inline void pm_free(const stoffel_vm_allocator *m, void *p)
{
    if (p)
        m->free(m->userdata, p);
}
void *pm_calloc(const stoffel_vm_allocator *m, size_t n, size_t size);
char *pm_strndup(const stoffel_vm_allocator *m, const char *s, size_t len);

/* printf into a caller buffer when not NULL (used for load error messages). */
void vm_set_err(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
