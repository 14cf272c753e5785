/*
 * stoffel/vm.h - the public API of libstoffelvm: the .stflb bytecode format, the register VM, its builtins, the embedding API and the link to an MPC engine.
 *
 * Conventions (see stoffel/status.h): functions return 0 or a negative status code; handles are
 * opaque and come with a matching _free; a function that returns memory says who frees it.
 */
#ifndef STOFFEL_VM_H
#define STOFFEL_VM_H

#include <stddef.h>
#include <stdint.h>

#include <stoffel/mpc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the headers this program was compiled against. */
#define STOFFEL_VM_VERSION_MAJOR 0
#define STOFFEL_VM_VERSION_MINOR 1
#define STOFFEL_VM_VERSION_PATCH 0
#define STOFFEL_VM_VERSION_STRING "0.1.0"

/*
 * Returns the version of the library actually loaded, as a static "MAJOR.MINOR.PATCH" string.
 * Compare it with STOFFEL_VM_VERSION_STRING to detect a header/library mismatch. Never fails.
 */
STOFFEL_API const char *stoffel_vm_version(void);

/*
 * Returns the version of the library actually loaded as one number,
 * MAJOR * 10000 + MINOR * 100 + PATCH. Never fails.
 */
STOFFEL_API unsigned stoffel_vm_version_number(void);

/*
 * Returns a static, human-readable description of a status code: a common code (stoffel/status.h),
 * one of this library's own codes, or a code of a library below it. Unknown codes give
 * "unknown status code". The string is never freed by the caller.
 */
STOFFEL_API const char *stoffel_vm_strerror(int status);

/* ============================================================================================== */
/* Status codes of libstoffelvm (-300 .. -399).                                                   */
/* ============================================================================================== */
enum {
    STOFFEL_VM_ERR_RUNTIME = -300,     /* the program failed at run time (message names fn, ip, cause) */
    STOFFEL_VM_ERR_TYPE = -301,        /* an operation got values of the wrong kind */
    STOFFEL_VM_ERR_OVERFLOW = -302,    /* checked integer arithmetic overflowed */
    STOFFEL_VM_ERR_DIV_ZERO = -303,    /* division or modulo by zero */
    STOFFEL_VM_ERR_NO_ENGINE = -304,   /* a secret operation ran without an MPC engine attached */
    STOFFEL_VM_ERR_DUPLICATE = -305,   /* a name was registered twice (function, label, client) */
    STOFFEL_VM_ERR_ARITY = -306        /* a function was called with the wrong number of arguments */
};

/* ============================================================================================== */
/* Instructions: the one table of truth.                                                          */
/* ============================================================================================== */
/*
 * X(NAME, byte, operand shape). Shapes (operands as stored on disk, §3.1 of the spec):
 *   NONE   nothing                       NOP
 *   R      one register                  RET src, PUSHARG src
 *   RI     register, signed offset i32   LD dst, off
 *   RK     register, constant index      LDI dst, const
 *   RR     two u32 operands              MOV dst, src; NOT dst, src; CMP a, b;
 *                                        LDS dst, slot; STS slot, src
 *   RRR    three registers               ADD..XOR, SHL, SHR: dst, a, b
 *   LABEL  a label name                  JMP, JMPEQ, JMPNEQ, JMPLT, JMPGT
 *   NAME   a function name               CALL
 * The enum, the disassembler's names, the reader, the writer and the interpreter's dispatch table
 * are all generated from this list.
 */
#define STOFFEL_VM_OPCODES(X)  \
    X(LD, 0x00, RI)            \
    X(LDI, 0x01, RK)           \
    X(MOV, 0x02, RR)           \
    X(ADD, 0x03, RRR)          \
    X(SUB, 0x04, RRR)          \
    X(MUL, 0x05, RRR)          \
    X(DIV, 0x06, RRR)          \
    X(MOD, 0x07, RRR)          \
    X(AND, 0x08, RRR)          \
    X(OR, 0x09, RRR)           \
    X(XOR, 0x0A, RRR)          \
    X(NOT, 0x0B, RR)           \
    X(SHL, 0x0C, RRR)          \
    X(SHR, 0x0D, RRR)          \
    X(JMP, 0x0E, LABEL)        \
    X(JMPEQ, 0x0F, LABEL)      \
    X(JMPNEQ, 0x10, LABEL)     \
    X(CALL, 0x11, NAME)        \
    X(RET, 0x12, R)            \
    X(PUSHARG, 0x13, R)        \
    X(CMP, 0x14, RR)           \
    X(JMPLT, 0x15, LABEL)      \
    X(JMPGT, 0x16, LABEL)      \
    X(NOP, 0x17, NONE)         \
    X(LDS, 0x18, RR)           \
    X(STS, 0x19, RR)

/* Opcodes; the value is the on-disk byte. */
typedef enum {
#define STOFFEL_VM_OP_ENUM_(name, byte, shape) STOFFEL_VM_OP_##name = byte,
    STOFFEL_VM_OPCODES(STOFFEL_VM_OP_ENUM_)
#undef STOFFEL_VM_OP_ENUM_
    STOFFEL_VM_OP_COUNT
} stoffel_vm_opcode;

/* The mnemonic of an opcode ("ADD"), or NULL for a byte that is no opcode. Static string. */
STOFFEL_API const char *stoffel_vm_opcode_name(int opcode);

/* ============================================================================================== */
/* Values.                                                                                        */
/* ============================================================================================== */

/* Value variants (spec §4.1). UNIT..STRING equal the constant tags of the bytecode format. */
typedef enum {
    STOFFEL_VM_UNIT = 0,
    STOFFEL_VM_I64 = 1,
    STOFFEL_VM_I32 = 2,
    STOFFEL_VM_I16 = 3,
    STOFFEL_VM_I8 = 4,
    STOFFEL_VM_U8 = 5,
    STOFFEL_VM_U16 = 6,
    STOFFEL_VM_U32 = 7,
    STOFFEL_VM_U64 = 8,
    STOFFEL_VM_FLOAT = 9,
    STOFFEL_VM_BOOL = 10,
    STOFFEL_VM_STRING = 11,
    STOFFEL_VM_OBJECT = 12,  /* table handle (as.handle = table id) */
    STOFFEL_VM_ARRAY = 13,   /* table handle (as.handle = table id) */
    STOFFEL_VM_FOREIGN = 14, /* host object id (as.handle) */
    STOFFEL_VM_CLOSURE = 15, /* as.closure: function name; upvalues stay inside the VM */
    STOFFEL_VM_SHARE = 16    /* as.share: type and the engine's share bytes */
} stoffel_vm_value_kind;

/* Kinds of secret share (tags as in the bytecode manifest, §6.6). */
typedef enum {
    STOFFEL_VM_SECRET_INT = 0,   /* bits = bit length; bool is SecretInt{1} */
    STOFFEL_VM_SECRET_FIXED = 1, /* bits = k (total), frac = f (fractional), f < k */
    STOFFEL_VM_SECRET_UINT = 2   /* bits = bit length */
} stoffel_vm_share_kind;

typedef struct {
    stoffel_vm_share_kind kind;
    uint32_t bits;
    uint32_t frac;
} stoffel_vm_share_type;

/*
 * A value crossing the API, keeping its exact variant. Pointers inside (string bytes, closure
 * names, share bytes) are either the caller's (values passed in: the VM copies what it keeps) or
 * borrowed from the VM (values handed out: valid until the next call on that VM or program,
 * unless the function says otherwise). Strings are UTF-8, not NUL-terminated necessarily.
 */
typedef struct {
    stoffel_vm_value_kind kind;
    union {
        int64_t i;       /* I64, I32, I16, I8 (sign-extended) */
        uint64_t u;      /* U8, U16, U32, U64 */
        double f;        /* FLOAT */
        uint8_t b;       /* BOOL: 0 or 1 */
        struct { const char *ptr; size_t len; } str;           /* STRING */
        uint64_t handle;                                       /* OBJECT, ARRAY, FOREIGN */
        struct { const char *name; size_t name_len; } closure; /* CLOSURE */
        struct {
            stoffel_vm_share_type type;
            const uint8_t *bytes; /* stoffel_mpc_engine_share_size() bytes of the engine's format */
            size_t len;
        } share;
    } as;
} stoffel_vm_value;

/* Convenience constructors (no allocation; str borrows s, which must stay valid for the call). */
STOFFEL_API stoffel_vm_value stoffel_vm_value_unit(void);
STOFFEL_API stoffel_vm_value stoffel_vm_value_int(stoffel_vm_value_kind kind, int64_t x);
STOFFEL_API stoffel_vm_value stoffel_vm_value_uint(stoffel_vm_value_kind kind, uint64_t x);
STOFFEL_API stoffel_vm_value stoffel_vm_value_float(double x);
STOFFEL_API stoffel_vm_value stoffel_vm_value_bool(int b);
STOFFEL_API stoffel_vm_value stoffel_vm_value_string(const char *s, size_t len);

/* ============================================================================================== */
/* Function type metadata (bytecode v5+; the VM ignores it, SDKs validate entry arguments).        */
/* ============================================================================================== */

/* FunctionType tags (§6.4). */
typedef enum {
    STOFFEL_VM_TYPE_INT = 0,      /* is_signed, bits (!= 0) */
    STOFFEL_VM_TYPE_FLOAT = 1,
    STOFFEL_VM_TYPE_STRING = 2,
    STOFFEL_VM_TYPE_BOOL = 3,
    STOFFEL_VM_TYPE_NIL = 4,
    STOFFEL_VM_TYPE_VOID = 5,
    STOFFEL_VM_TYPE_SECRET = 6,   /* inner */
    STOFFEL_VM_TYPE_LIST = 7,     /* inner */
    STOFFEL_VM_TYPE_DICT = 8,     /* inner = key, value = value type */
    STOFFEL_VM_TYPE_OBJECT = 9,   /* name */
    STOFFEL_VM_TYPE_GENERIC = 10, /* name, args[arg_count] */
    STOFFEL_VM_TYPE_TYPEVAR = 11, /* name */
    STOFFEL_VM_TYPE_UNKNOWN = 12,
    STOFFEL_VM_TYPE_FIXED64 = 13,
    STOFFEL_VM_TYPE_FIXED = 14    /* bits (!= 0) */
} stoffel_vm_type_kind;

/* A type tree. Passed in: the caller's memory, deep-copied by the builder. Handed out by a
 * program: borrowed, valid as long as the program. */
typedef struct stoffel_vm_type {
    stoffel_vm_type_kind kind;
    uint8_t is_signed;
    uint8_t bits;
    const char *name; /* NUL-terminated; OBJECT, GENERIC, TYPEVAR */
    const struct stoffel_vm_type *inner;
    const struct stoffel_vm_type *value;
    const struct stoffel_vm_type *const *args;
    size_t arg_count;
} stoffel_vm_type;

/*
 * A memory allocator for a program or VM handle (STYLE.md: tests make the Nth allocation fail to
 * prove every out-of-memory path returns STOFFEL_ERR_NOMEM and leaks nothing). Every allocation a
 * handle makes for itself (values, strings, tables, frames, the loader's tables) goes through it;
 * memory the library hands to the caller (stoffel_vm_bytes_free) and the engine's own memory do
 * not. alloc returns NULL on failure; realloc(ptr = NULL) allocates; free(NULL) is a no-op. The
 * struct is copied; userdata is passed to every call and must outlive the handle.
 */
typedef struct {
    size_t struct_size; /* sizeof(stoffel_vm_allocator) */
    void *(*alloc)(void *userdata, size_t size);
    void *(*realloc)(void *userdata, void *ptr, size_t size);
    void (*free)(void *userdata, void *ptr);
    void *userdata;
} stoffel_vm_allocator;

/* ============================================================================================== */
/* Programs: loading, introspection, writing.                                                     */
/* ============================================================================================== */

/* An immutable loaded or built program. Several VMs may run one program; it must outlive them.
 * A program is safe to read from several threads at once. */
typedef struct stoffel_vm_program stoffel_vm_program;

/* MPC backend and curve of the manifest (§6.6). */
typedef enum { STOFFEL_VM_BACKEND_HONEYBADGER = 0, STOFFEL_VM_BACKEND_AVSS = 1 } stoffel_vm_backend;
typedef enum {
    STOFFEL_VM_CURVE_BLS12_381 = 0,
    STOFFEL_VM_CURVE_BN254 = 1,
    STOFFEL_VM_CURVE_CURVE25519 = 2,
    STOFFEL_VM_CURVE_ED25519 = 3,
    STOFFEL_VM_CURVE_SECP256K1 = 4,
    STOFFEL_VM_CURVE_P256 = 5
} stoffel_vm_curve;

/* The static preprocessing demand of a program (manifest v8+). */
typedef struct {
    uint64_t triples;   /* one per secret x secret multiply */
    uint64_t randoms;
    uint64_t prandbits;
    uint64_t prandints;
    uint8_t dynamic;    /* 1 = the estimate may undercount (loops, recursion) */
} stoffel_vm_demand;

/* One client of the manifest: its slot and the share types of its inputs and outputs. */
typedef struct {
    uint64_t slot;
    size_t input_count;
    const stoffel_vm_share_type *inputs;
    size_t output_count;
    const stoffel_vm_share_type *outputs;
} stoffel_vm_client_schema;

/* Introspection of one function. All pointers borrowed from the program. */
typedef struct {
    const char *name;
    size_t param_count;
    const char *const *param_names;
    const stoffel_vm_type *const *param_types; /* NULL when the file has no type metadata (v < 5) */
    const stoffel_vm_type *return_type;        /* NULL when the file has no type metadata */
    size_t upvalue_count;
    const char *const *upvalue_names;
    const char *parent;            /* NULL when none */
    uint32_t register_count;       /* the normalised frame size (§6.5) */
    size_t instruction_count;
    size_t label_count;
} stoffel_vm_function_info;

/*
 * Loads a program from .stflb bytes (versions 0..9, §6). The bytes are not kept. On success *out
 * is the caller's (free with stoffel_vm_program_free). Errors: STOFFEL_ERR_MALFORMED (bad magic,
 * truncated data, unknown tag or opcode, invalid UTF-8, bad label, conflicting duplicate function),
 * STOFFEL_ERR_LIMIT (a count over the spec's limits), STOFFEL_ERR_NOMEM. On failure, when err is
 * not NULL, a message "byte offset N: <what was expected>" is written there (NUL-terminated,
 * truncated to err_len).
 */
STOFFEL_API int stoffel_vm_program_load(const uint8_t *bytes, size_t len, stoffel_vm_program **out,
                                        char *err, size_t err_len);

/*
 * As stoffel_vm_program_load, with every allocation of the loader and of the program made through
 * allocator (copied; userdata must outlive the program; NULL = malloc). STOFFEL_ERR_INVALID_ARG
 * for an allocator without struct_size or one of its functions.
 */
STOFFEL_API int stoffel_vm_program_load_with(const uint8_t *bytes, size_t len,
                                             const stoffel_vm_allocator *allocator,
                                             stoffel_vm_program **out, char *err, size_t err_len);

/* As stoffel_vm_program_load, reading the file at path. STOFFEL_ERR_IO when it cannot be read. */
STOFFEL_API int stoffel_vm_program_load_file(const char *path, stoffel_vm_program **out, char *err,
                                             size_t err_len);

/* Frees a program; NULL is a no-op. Every VM created from it must be freed first. */
STOFFEL_API void stoffel_vm_program_free(stoffel_vm_program *program);

/* The format version the program was read from (9 for built programs). */
STOFFEL_API unsigned stoffel_vm_program_version(const stoffel_vm_program *program);
STOFFEL_API stoffel_vm_backend stoffel_vm_program_backend(const stoffel_vm_program *program);
STOFFEL_API stoffel_vm_curve stoffel_vm_program_curve(const stoffel_vm_program *program);
/* Copies the preprocessing demand (zeros when the file predates v8). */
STOFFEL_API void stoffel_vm_program_demand(const stoffel_vm_program *program, stoffel_vm_demand *out);
/* Manifest clients, in file order. STOFFEL_ERR_INVALID_ARG for index >= count. Pointers in *out
 * are borrowed from the program. */
STOFFEL_API size_t stoffel_vm_program_client_count(const stoffel_vm_program *program);
STOFFEL_API int stoffel_vm_program_client(const stoffel_vm_program *program, size_t index,
                                          stoffel_vm_client_schema *out);

/* Functions, in the order of the file (for built programs: main first, then by name). */
STOFFEL_API size_t stoffel_vm_program_function_count(const stoffel_vm_program *program);
/* STOFFEL_ERR_INVALID_ARG for index >= count. */
STOFFEL_API int stoffel_vm_program_function(const stoffel_vm_program *program, size_t index,
                                            stoffel_vm_function_info *out);
/* Index of a function by name; STOFFEL_ERR_NOT_FOUND when absent. */
STOFFEL_API int stoffel_vm_program_find_function(const stoffel_vm_program *program, const char *name,
                                                 size_t *index);

/* The constant pool. *out borrows from the program. STOFFEL_ERR_INVALID_ARG for a bad index. */
STOFFEL_API size_t stoffel_vm_program_constant_count(const stoffel_vm_program *program);
STOFFEL_API int stoffel_vm_program_constant(const stoffel_vm_program *program, size_t index,
                                            stoffel_vm_value *out);

/*
 * Writes the program as a version-9 .stflb (§6.7, deterministic: main first then functions by
 * byte-wise name, constants deduplicated in first-use order, labels by target then name, full
 * manifest). On success *bytes (malloc'd, free with stoffel_vm_bytes_free) and *len are set.
 * Errors: STOFFEL_ERR_NOMEM, STOFFEL_ERR_LIMIT (a count that does not fit the format).
 */
STOFFEL_API int stoffel_vm_program_write(const stoffel_vm_program *program, uint8_t **bytes,
                                         size_t *len);

/* Writes the v9 bytes to a file. STOFFEL_ERR_IO when it cannot be written. */
STOFFEL_API int stoffel_vm_program_write_file(const stoffel_vm_program *program, const char *path);

/*
 * Disassembles the program in the format of language.md §9.4 (`; Stoffel Disassembly`, the
 * constants, then every function sorted by name). *text is malloc'd and NUL-terminated (free
 * with stoffel_vm_bytes_free); *len excludes the NUL. Errors: STOFFEL_ERR_NOMEM.
 */
STOFFEL_API int stoffel_vm_program_disassemble(const stoffel_vm_program *program, char **text,
                                               size_t *len);

/*
 * Formats instruction `index` of function `function_index` as the disassembler does
 * ("ADD(0, 1, 2)", "LDI(1, I64(5))", "JMP(\"loop\")", "CALL(\"print\")") into buf (NUL-terminated,
 * truncated to buf_len). Returns the untruncated length, or a negative status for bad indices.
 */
STOFFEL_API int stoffel_vm_program_format_instruction(const stoffel_vm_program *program,
                                                      size_t function_index, size_t index,
                                                      char *buf, size_t buf_len);

/* Frees memory this library returned as bytes or text; NULL is a no-op. */
STOFFEL_API void stoffel_vm_bytes_free(void *p);

/* ============================================================================================== */
/* Building programs (the compiler's back end).                                                   */
/* ============================================================================================== */
/*
 * A builder collects constants, functions (with their labels and instructions) and the manifest,
 * then produces a program (stoffel_vm_builder_build) or v9 bytes (stoffel_vm_builder_write).
 * Every call returns 0 or a negative status and leaves a message in stoffel_vm_builder_last_error.
 * A builder is used by one thread at a time. Typical use:
 *
 *   stoffel_vm_builder *b; stoffel_vm_builder_new(&b);
 *   stoffel_vm_fn *f; stoffel_vm_builder_function(b, "main", &f);
 *   stoffel_vm_fn_ldi_i64(f, 1, 40);              // r1 <- 40
 *   stoffel_vm_fn_ldi_i64(f, 2, 2);
 *   stoffel_vm_fn_binop(f, STOFFEL_VM_OP_ADD, 0, 1, 2);
 *   stoffel_vm_fn_ret(f, 0);
 *   stoffel_vm_program *p; stoffel_vm_builder_build(b, &p);
 *   stoffel_vm_builder_free(b);
 */
typedef struct stoffel_vm_builder stoffel_vm_builder;

/* A function under construction; owned by its builder (never freed separately). */
typedef struct stoffel_vm_fn stoffel_vm_fn;

/* Creates an empty builder (no functions, no constants, backend HoneyBadger, curve BLS12-381, no
 * clients, zero demand). Errors: STOFFEL_ERR_NOMEM, STOFFEL_ERR_INVALID_ARG (out NULL). */
STOFFEL_API int stoffel_vm_builder_new(stoffel_vm_builder **out);
/* Frees a builder and every function in it; NULL is a no-op. Programs built from it stay valid. */
STOFFEL_API void stoffel_vm_builder_free(stoffel_vm_builder *builder);
/* The message of the last failed call on this builder ("" if none); valid until the next call. */
STOFFEL_API const char *stoffel_vm_builder_last_error(const stoffel_vm_builder *builder);

/*
 * Adds a constant (UNIT..STRING only; strings are copied) to the pool and returns its index in
 * *index. Equal constants (same variant and payload; floats by bit pattern) get the same index.
 * Errors: STOFFEL_ERR_INVALID_ARG (a non-constant kind, invalid UTF-8), STOFFEL_ERR_LIMIT.
 */
STOFFEL_API int stoffel_vm_builder_constant(stoffel_vm_builder *builder, const stoffel_vm_value *value,
                                            uint32_t *index);

/* Starts a new function `name` (copied) and returns its handle in *fn. Errors:
 * STOFFEL_VM_ERR_DUPLICATE (a function of that name exists), STOFFEL_ERR_INVALID_ARG (empty or
 * longer than 65535 bytes or not UTF-8). Functions may be filled in any order. */
STOFFEL_API int stoffel_vm_builder_function(stoffel_vm_builder *builder, const char *name,
                                            stoffel_vm_fn **fn);

/* Manifest: backend, curve, preprocessing demand, and clients (slots must be unique:
 * STOFFEL_VM_ERR_DUPLICATE; share types are validated: bits > 0, frac < bits for fixed). */
STOFFEL_API int stoffel_vm_builder_set_backend(stoffel_vm_builder *builder, stoffel_vm_backend backend);
STOFFEL_API int stoffel_vm_builder_set_curve(stoffel_vm_builder *builder, stoffel_vm_curve curve);
STOFFEL_API int stoffel_vm_builder_set_demand(stoffel_vm_builder *builder, const stoffel_vm_demand *demand);
STOFFEL_API int stoffel_vm_builder_add_client(stoffel_vm_builder *builder, uint64_t slot,
                                              const stoffel_vm_share_type *inputs, size_t input_count,
                                              const stoffel_vm_share_type *outputs, size_t output_count);

/*
 * Produces the program: resolves every jump's label (an unknown label is
 * STOFFEL_ERR_INVALID_ARG naming function and label), computes frame sizes, and checks constant
 * indices. *out is the caller's (stoffel_vm_program_free). The builder stays usable.
 */
STOFFEL_API int stoffel_vm_builder_build(stoffel_vm_builder *builder, stoffel_vm_program **out);

/* Builds and writes v9 bytes in one step (see stoffel_vm_program_write for ownership). */
STOFFEL_API int stoffel_vm_builder_write(stoffel_vm_builder *builder, uint8_t **bytes, size_t *len);

/* ---- Function metadata. Names are copied. --------------------------------------------------- */

/* Appends a parameter; type may be NULL (Unknown). Parameter i arrives in register i. */
STOFFEL_API int stoffel_vm_fn_add_param(stoffel_vm_fn *fn, const char *name, const stoffel_vm_type *type);
/* Sets the return type (default Unknown). */
STOFFEL_API int stoffel_vm_fn_set_return_type(stoffel_vm_fn *fn, const stoffel_vm_type *type);
/* Appends an upvalue name (captured by name when the function is called or a closure created). */
STOFFEL_API int stoffel_vm_fn_add_upvalue(stoffel_vm_fn *fn, const char *name);
/* Sets the parent function name (nested functions `outer::inner`); NULL clears it. */
STOFFEL_API int stoffel_vm_fn_set_parent(stoffel_vm_fn *fn, const char *name);
/* Current number of instructions (the index the next emitted instruction gets). */
STOFFEL_API size_t stoffel_vm_fn_instruction_count(const stoffel_vm_fn *fn);
/* The function's name (borrowed from the builder). */
STOFFEL_API const char *stoffel_vm_fn_name(const stoffel_vm_fn *fn);

/* ---- Labels. -------------------------------------------------------------------------------- */

/* Places label `name` at the current position (the next instruction's index; at the end it means
 * "return"). Labels may be used by jumps before they are placed. Placing one name twice is
 * STOFFEL_VM_ERR_DUPLICATE. */
STOFFEL_API int stoffel_vm_fn_label(stoffel_vm_fn *fn, const char *name);

/* ---- Instructions. Registers are absolute frame indices (r0..r15 clear, r16.. secret by default).
 * Each returns 0 or STOFFEL_ERR_INVALID_ARG (wrong shape for the opcode, bad name) /
 * STOFFEL_ERR_LIMIT (more than 8,000,000 instructions) / STOFFEL_ERR_NOMEM. ------------------- */

/* LD dst, off: dst <- argument stack[top + off] (off <= 0). */
STOFFEL_API int stoffel_vm_fn_ld(stoffel_vm_fn *fn, uint32_t dst, int32_t offset);
/* LDI dst, k: k is an index from stoffel_vm_builder_constant. */
STOFFEL_API int stoffel_vm_fn_ldi(stoffel_vm_fn *fn, uint32_t dst, uint32_t constant);
/* LDI with the constant added to the pool first (copied). */
STOFFEL_API int stoffel_vm_fn_ldi_value(stoffel_vm_fn *fn, uint32_t dst, const stoffel_vm_value *value);
/* Shorthands for LDI of an I64, a Bool, a String (s NUL-terminated) and Unit. */
STOFFEL_API int stoffel_vm_fn_ldi_i64(stoffel_vm_fn *fn, uint32_t dst, int64_t x);
STOFFEL_API int stoffel_vm_fn_ldi_bool(stoffel_vm_fn *fn, uint32_t dst, int b);
STOFFEL_API int stoffel_vm_fn_ldi_string(stoffel_vm_fn *fn, uint32_t dst, const char *s);
STOFFEL_API int stoffel_vm_fn_ldi_unit(stoffel_vm_fn *fn, uint32_t dst);
/* MOV dst, src (copy, share or reveal depending on the banks). */
STOFFEL_API int stoffel_vm_fn_mov(stoffel_vm_fn *fn, uint32_t dst, uint32_t src);
/* ADD SUB MUL DIV MOD AND OR XOR SHL SHR: dst <- a op b. */
STOFFEL_API int stoffel_vm_fn_binop(stoffel_vm_fn *fn, stoffel_vm_opcode op, uint32_t dst, uint32_t a,
                                    uint32_t b);
/* NOT dst, src. */
STOFFEL_API int stoffel_vm_fn_not(stoffel_vm_fn *fn, uint32_t dst, uint32_t src);
/* CMP a, b: sets the frame's compare flag. */
STOFFEL_API int stoffel_vm_fn_cmp(stoffel_vm_fn *fn, uint32_t a, uint32_t b);
/* JMP JMPEQ JMPNEQ JMPLT JMPGT to a label of this function (placed before or after). */
STOFFEL_API int stoffel_vm_fn_jump(stoffel_vm_fn *fn, stoffel_vm_opcode op, const char *label);
/* CALL name (a VM function, builtin or host function, resolved at run time). */
STOFFEL_API int stoffel_vm_fn_call(stoffel_vm_fn *fn, const char *name);
/* RET src / PUSHARG src. */
STOFFEL_API int stoffel_vm_fn_ret(stoffel_vm_fn *fn, uint32_t src);
STOFFEL_API int stoffel_vm_fn_pusharg(stoffel_vm_fn *fn, uint32_t src);
/* NOP. */
STOFFEL_API int stoffel_vm_fn_nop(stoffel_vm_fn *fn);
/* LDS dst, slot (dst <- spill[slot]) and STS slot, src (spill[slot] <- src). */
STOFFEL_API int stoffel_vm_fn_lds(stoffel_vm_fn *fn, uint32_t dst, uint32_t slot);
STOFFEL_API int stoffel_vm_fn_sts(stoffel_vm_fn *fn, uint32_t slot, uint32_t src);


/* ============================================================================================== */
/* Running programs: the VM handle.                                                               */
/* ============================================================================================== */
/*
 * A VM runs one program (borrowed: it must outlive the VM). It owns its tables, strings and
 * registers; values it hands out borrow from it until the next call on the VM unless stated
 * otherwise. A VM is used by one thread at a time; several VMs may share a program and run on
 * different threads. The library starts no threads and keeps no global state.
 */
typedef struct stoffel_vm stoffel_vm;

/* VM configuration; initialise with stoffel_vm_config_defaults(). */
typedef struct {
    size_t struct_size;          /* sizeof(stoffel_vm_config) */
    uint32_t secret_start;       /* first secret register (default 16) */
    uint64_t instruction_budget; /* instructions per run before STOFFEL_ERR_LIMIT; 0 = unlimited (default) */
    uint32_t max_call_depth;     /* default 10000 frames */
    size_t max_memory_bytes;     /* strings, tables, registers; default 1 GiB; 0 = unlimited */
    uint32_t max_spill_slots;    /* per frame; default 1048576 */
    uint8_t with_builtins;       /* 1 (default): register every builtin of spec §8 */
    uint8_t batch_reveals;       /* 1 (default): queue secret ops and flush them as one batch */
    const stoffel_vm_allocator *allocator; /* NULL (default): malloc, realloc and free */
} stoffel_vm_config;

/* Fills *config with the defaults above (struct_size included). */
STOFFEL_API void stoffel_vm_config_defaults(stoffel_vm_config *config);

/*
 * Creates a VM for a program (NULL config = defaults). Every bytecode function and builtin is
 * registered in one namespace; a bytecode function named like a builtin is
 * STOFFEL_VM_ERR_DUPLICATE. *out is the caller's (stoffel_vm_free). On failure a message is
 * written to err (NUL-terminated, truncated to err_len) when err is not NULL.
 */
STOFFEL_API int stoffel_vm_new(const stoffel_vm_program *program, const stoffel_vm_config *config,
                               stoffel_vm **out, char *err, size_t err_len);

/* Frees a VM, every table and string it made, and zeroes every share it held; NULL is a no-op. */
STOFFEL_API void stoffel_vm_free(stoffel_vm *vm);

/* The message of the last failed call on this VM ("" if none). A run-time error names the
 * function, the instruction index and the cause. Valid until the next call on the VM. */
STOFFEL_API const char *stoffel_vm_last_error(const stoffel_vm *vm);

/* Attaches an MPC engine (borrowed; must outlive its use by the VM); NULL detaches. Secret
 * registers, Share.*, Mpc.* and ClientStore.* builtins need one (else STOFFEL_VM_ERR_NO_ENGINE). */
STOFFEL_API int stoffel_vm_attach_engine(stoffel_vm *vm, stoffel_mpc_engine *engine);

/* Output sink for print: called once per line, without the newline; text is borrowed for the
 * call. NULL restores the default (stdout). */
typedef void (*stoffel_vm_output_fn)(void *userdata, const char *text, size_t len);
STOFFEL_API int stoffel_vm_set_output(stoffel_vm *vm, stoffel_vm_output_fn fn, void *userdata);

/* ---- LocalStorage: a key-value store supplied by the host. -------------------------------- */

/*
 * The store interface. Keys and values are byte strings (values are the VM's own encoding of a
 * value). Every callback returns 0 or a negative status. `get` returns STOFFEL_ERR_NOT_FOUND for a
 * missing key, else stores a buffer in *value that stays valid until the next call on the store.
 * `remove` sets *existed to 1 when the key was present.
 */
typedef struct {
    size_t struct_size; /* sizeof(stoffel_vm_storage) */
    int (*put)(void *userdata, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len);
    int (*get)(void *userdata, const uint8_t *key, size_t key_len, const uint8_t **value, size_t *value_len);
    int (*remove)(void *userdata, const uint8_t *key, size_t key_len, uint8_t *existed);
} stoffel_vm_storage;

/* Sets the VM's store (the struct is copied; userdata is passed to each callback). NULL removes
 * it; LocalStorage builtins then fail with "no LocalStorage configured". */
STOFFEL_API int stoffel_vm_set_storage(stoffel_vm *vm, const stoffel_vm_storage *storage, void *userdata);

/* An in-memory store for tests and simple hosts. */
typedef struct stoffel_vm_memory_store stoffel_vm_memory_store;
STOFFEL_API int stoffel_vm_memory_store_new(stoffel_vm_memory_store **out);
/* Frees the store and zeroes its contents; NULL is a no-op. */
STOFFEL_API void stoffel_vm_memory_store_free(stoffel_vm_memory_store *store);
/* The interface to pass to stoffel_vm_set_storage together with the store as userdata. Static. */
STOFFEL_API const stoffel_vm_storage *stoffel_vm_memory_store_interface(void);

/* ---- Foreign (host) functions. ------------------------------------------------------------ */

/* The context of one foreign call. Valid only during the call. */
typedef struct stoffel_vm_call stoffel_vm_call;

/*
 * A host function. args are borrowed for the call. Write the result to *result (preset to Unit);
 * strings and shares in it are copied by the VM after the return. Return 0, or a negative status
 * after stoffel_vm_call_fail() to abort the program with that message.
 */
typedef int (*stoffel_vm_foreign_fn)(stoffel_vm_call *call, const stoffel_vm_value *args, size_t nargs,
                                     stoffel_vm_value *result, void *userdata);

/* Registers a host function under `name` (copied). STOFFEL_VM_ERR_DUPLICATE when the name is
 * taken by a bytecode function, a builtin or an earlier registration. */
STOFFEL_API int stoffel_vm_register_function(stoffel_vm *vm, const char *name, stoffel_vm_foreign_fn fn,
                                             void *userdata);

/* The VM a foreign call runs in (for the table and value functions below). */
STOFFEL_API stoffel_vm *stoffel_vm_call_vm(stoffel_vm_call *call);

/* Records an error message (printf-style) for the running call; returns STOFFEL_VM_ERR_RUNTIME
 * for the function to return. */
STOFFEL_API int stoffel_vm_call_fail(stoffel_vm_call *call, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- Tables and host objects from C. ------------------------------------------------------- */

/* Creates an empty array / object; *out is a handle value. STOFFEL_ERR_NOMEM, STOFFEL_ERR_LIMIT. */
STOFFEL_API int stoffel_vm_new_array(stoffel_vm *vm, stoffel_vm_value *out);
STOFFEL_API int stoffel_vm_new_object(stoffel_vm *vm, stoffel_vm_value *out);
/* Reads table[key] (missing = Unit). *out borrows from the VM. STOFFEL_VM_ERR_TYPE when table is
 * no table; array indices as in get_field (negative from the end; out of range is an error). */
STOFFEL_API int stoffel_vm_table_get(stoffel_vm *vm, const stoffel_vm_value *table,
                                     const stoffel_vm_value *key, stoffel_vm_value *out);
/* table[key] = value (strings and shares copied). */
STOFFEL_API int stoffel_vm_table_set(stoffel_vm *vm, const stoffel_vm_value *table,
                                     const stoffel_vm_value *key, const stoffel_vm_value *value);
/* Array length (highest index set + 1) or object entry count. */
STOFFEL_API int stoffel_vm_table_length(stoffel_vm *vm, const stoffel_vm_value *table, size_t *len);
/* Wraps a host pointer as a Foreign value (the VM never dereferences it) / unwraps it. */
STOFFEL_API int stoffel_vm_new_foreign(stoffel_vm *vm, void *ptr, stoffel_vm_value *out);
STOFFEL_API int stoffel_vm_foreign_get(stoffel_vm *vm, const stoffel_vm_value *value, void **ptr);

/* ---- Execution. ---------------------------------------------------------------------------- */

typedef enum {
    STOFFEL_VM_RUN_DONE = 0,    /* the entry function returned; see stoffel_vm_result */
    STOFFEL_VM_RUN_NEED_MPC = 1 /* a batch of interactive requests waits; see stoffel_vm_pending_mpc */
} stoffel_vm_run_state;

/* Prepares a run of `entry` with args (copied). STOFFEL_ERR_NOT_FOUND (no such function),
 * STOFFEL_VM_ERR_ARITY, STOFFEL_ERR_INVALID_ARG (entry declares upvalues). A previous run is
 * discarded. */
STOFFEL_API int stoffel_vm_start(stoffel_vm *vm, const char *entry, const stoffel_vm_value *args,
                                 size_t nargs);

/*
 * Runs until the entry returns (*state = DONE) or until queued secret operations must be
 * completed (*state = NEED_MPC). Instruction-level operations (MUL of shares, reveals, DIV/MOD
 * on shares) and the single-value builtins (Share.mul, Share.open, Share.lt..ne, Share.div/rem)
 * are queued and handed out this way; builtins over whole arrays or with side effects
 * (Share.batch_mul, Share.batch_open, Share.random*, Share.open_field, *.send_to_client) call
 * stoffel_mpc_engine_execute on the attached engine themselves, synchronously. Errors: STOFFEL_VM_ERR_* / STOFFEL_ERR_LIMIT (budget, depth,
 * memory) / STOFFEL_ERR_CANCELLED, with the message in stoffel_vm_last_error; the run is over.
 */
STOFFEL_API int stoffel_vm_run(stoffel_vm *vm, stoffel_vm_run_state *state);

/* After NEED_MPC: the pending requests (borrowed; input and output buffers belong to the VM).
 * The host runs them (stoffel_mpc_engine_execute on the attached engine, or its own event loop
 * driving the same engine), then calls stoffel_vm_complete_mpc. */
STOFFEL_API int stoffel_vm_pending_mpc(stoffel_vm *vm, stoffel_mpc_request **requests, size_t *count);

/* Reports the outcome of the pending batch: 0 when every out buffer is filled, else the
 * engine's status (the run then fails with message). Then call stoffel_vm_run again. */
STOFFEL_API int stoffel_vm_complete_mpc(stoffel_vm *vm, int status);

/* The entry's return value after DONE; borrowed until the next start/execute/free. */
STOFFEL_API int stoffel_vm_result(stoffel_vm *vm, stoffel_vm_value *out);

/* Runs `entry` to completion: start, then run, executing every pending batch on the attached
 * engine. *result (may be NULL) as for stoffel_vm_result. */
STOFFEL_API int stoffel_vm_execute(stoffel_vm *vm, const char *entry, const stoffel_vm_value *args,
                                   size_t nargs, stoffel_vm_value *result);

/* Asks a run to stop: the next instruction boundary fails with STOFFEL_ERR_CANCELLED. Callable
 * from a hook, a foreign function or an output sink. */
STOFFEL_API int stoffel_vm_cancel(stoffel_vm *vm);

/* Opens a share value through the attached engine (one OPEN request, run at once) and decodes
 * it per its share type (spec §4.3: SecretInt{1} -> bool, SecretInt{8/16/32} -> i8/i16/i32,
 * SecretUInt -> u8..u64, fixed point -> float). Non-share values are copied through unchanged.
 * *out borrows from the VM like stoffel_vm_result. Errors: STOFFEL_VM_ERR_NO_ENGINE, the
 * engine's status. */
STOFFEL_API int stoffel_vm_reveal(stoffel_vm *vm, const stoffel_vm_value *value, stoffel_vm_value *out);

/* Value formatting styles. */
typedef enum {
    STOFFEL_VM_FORMAT_PRINT = 0, /* print / to_string (spec §5.1) */
    STOFFEL_VM_FORMAT_RESULT = 1 /* the `Program returned:` value (spec §5.2) */
} stoffel_vm_format_style;

/* Formats a value; *text is malloc'd, NUL-terminated (stoffel_vm_bytes_free). */
STOFFEL_API int stoffel_vm_format_value(stoffel_vm *vm, const stoffel_vm_value *value,
                                        stoffel_vm_format_style style, char **text);

/* Counters of a VM (cumulative over runs). */
typedef struct {
    size_t struct_size;        /* sizeof(stoffel_vm_stats) */
    uint64_t instructions;
    uint64_t calls;            /* VM and foreign calls */
    uint64_t mpc_batches;      /* NEED_MPC batches (each one execute() call) */
    uint64_t secret_mul;       /* share x share multiplications queued */
    uint64_t reveals;          /* openings queued */
} stoffel_vm_stats;
STOFFEL_API int stoffel_vm_get_stats(const stoffel_vm *vm, stoffel_vm_stats *stats);

/* ---- Hooks (tracing, spec §2.7). ------------------------------------------------------------ */

typedef enum {
    STOFFEL_VM_EVENT_INSTRUCTION = 0,       /* before an instruction: opcode, text */
    STOFFEL_VM_EVENT_CALL = 1,              /* before a call: callee, nargs */
    STOFFEL_VM_EVENT_RETURN = 2,            /* after a call returned: callee, value (the result) */
    STOFFEL_VM_EVENT_AFTER_INSTRUCTION = 3, /* after an instruction completed in its frame */
    STOFFEL_VM_EVENT_REGISTER_READ = 4,     /* an operand register read: reg, value */
    STOFFEL_VM_EVENT_REGISTER_WRITE = 5,    /* a register written: reg, old_value, value */
    STOFFEL_VM_EVENT_FIELD_READ = 6,        /* get_field on an object: table, key, value */
    STOFFEL_VM_EVENT_FIELD_WRITE = 7,       /* set_field on an object: table, key, old_value, value */
    STOFFEL_VM_EVENT_ELEMENT_READ = 8,      /* get_field on an array: table, key (index), value */
    STOFFEL_VM_EVENT_ELEMENT_WRITE = 9,     /* set_field on an array: table, key, old_value, value */
    STOFFEL_VM_EVENT_STACK_PUSH = 10,       /* PUSHARG: value; nargs = stack height after */
    STOFFEL_VM_EVENT_STACK_POP = 11,        /* CALL drained the argument stack: nargs values */
    STOFFEL_VM_EVENT_VARIABLE_READ = 12,    /* Vm.global_get: name, value */
    STOFFEL_VM_EVENT_VARIABLE_WRITE = 13,   /* Vm.global_set: name, old_value, value */
    STOFFEL_VM_EVENT_UPVALUE_READ = 14,     /* get_upvalue: name, value */
    STOFFEL_VM_EVENT_UPVALUE_WRITE = 15,    /* set_upvalue: name, old_value, value */
    STOFFEL_VM_EVENT_CLOSURE_CREATED = 16   /* create_closure: name (the target), value */
} stoffel_vm_event_kind;

/*
 * One event. function, ip, depth and opcode describe the instruction running (for builtin events:
 * the CALL). Values and strings are borrowed for the call. A register waiting for a queued secret
 * operation reads as Unit with pending = 1 (no value exists yet; hooks make secret operations
 * complete one at a time, so this is rare).
 */
typedef struct {
    stoffel_vm_event_kind kind;
    const char *function; /* the running function */
    size_t ip;            /* instruction index in it */
    int opcode;
    const char *text;     /* INSTRUCTION, AFTER_INSTRUCTION: the disassembled instruction */
    const char *callee;   /* CALL, RETURN: the called name */
    size_t nargs;         /* CALL, STACK_POP: arguments; STACK_PUSH: stack height */
    size_t depth;         /* call depth (entry = 1) */
    uint32_t reg;         /* REGISTER_*: the register */
    uint8_t pending;      /* value is a pending register (see above) */
    uint8_t old_pending;  /* old_value is a pending register */
    const char *name;     /* VARIABLE_*, UPVALUE_*: the name; CLOSURE_CREATED: the function */
    stoffel_vm_value value;     /* the value read, written, pushed or returned */
    stoffel_vm_value old_value; /* *_WRITE: the value before */
    stoffel_vm_value table;     /* FIELD_*, ELEMENT_*: the object or array */
    stoffel_vm_value key;       /* FIELD_*, ELEMENT_*: the key or index */
} stoffel_vm_event;

/*
 * Sets the hook called for every event (NULL removes it); return 0 to go on, non-zero to abort
 * the run with that status. A hook makes secret operations complete one at a time (no batching)
 * and turns off the fused fast paths; without one, tracing costs nothing.
 */
typedef int (*stoffel_vm_hook_fn)(void *userdata, const stoffel_vm_event *event);
STOFFEL_API int stoffel_vm_set_hook(stoffel_vm *vm, stoffel_vm_hook_fn fn, void *userdata);

/* ============================================================================================== */
/* Party runtime (src/party): deployed bundles and the party store (SQLite).                     */
/* ============================================================================================== */
/*
 * A bundle is what `stoffel deploy` ships to every party: a program name, its entry function and
 * the program's .stflb bytes (which carry the manifest: backend, curve, client slots, demand). It
 * is identified by the SHA-256 of its canonical encoding, so two parties hold the same program
 * exactly when they hold the same hash. Encoding (all integers big-endian):
 *   "STFLBNDL" | u8 version (1) | u16 name_len | name | u16 entry_len | entry | u32 code_len | code
 * name: 1..128 bytes of [A-Za-z0-9_.-]; entry: a 1..128 byte identifier; code: a loadable .stflb
 * of at most STOFFEL_VM_BUNDLE_MAX_CODE bytes. Nothing may follow the code.
 *
 * The party store is one SQLite database per party (WAL journal, synchronous=FULL, secure_delete,
 * schema version in PRAGMA user_version) holding bundles by hash, the names they were deployed
 * under, client input shares, run records and LocalStorage data. Every state change is one
 * transaction: when a call that changes state returns 0, the change is on disk and survives a
 * crash; when it fails, nothing changed. A store handle is used by one thread at a time.
 */
#define STOFFEL_VM_BUNDLE_HASH_LEN 32                 /* SHA-256 */
#define STOFFEL_VM_BUNDLE_HASH_HEX_LEN 64             /* lower-case hex, without NUL */
#define STOFFEL_VM_BUNDLE_MAX_CODE (64u * 1024 * 1024) /* largest .stflb in a bundle */
#define STOFFEL_VM_PARTY_STORE_SCHEMA 2               /* the schema version this build writes */

typedef struct stoffel_vm_bundle stoffel_vm_bundle;

/*
 * Makes a bundle from a program name, its entry function (NULL = "main") and .stflb bytes
 * (copied). The bytes must load (stoffel_vm_program_load) and define the entry. Errors:
 * STOFFEL_ERR_INVALID_ARG (bad name or entry), STOFFEL_ERR_MALFORMED (bytecode does not load),
 * STOFFEL_ERR_NOT_FOUND (no such entry function), STOFFEL_ERR_LIMIT, STOFFEL_ERR_NOMEM; a message
 * goes to err when it is not NULL. *out is the caller's (stoffel_vm_bundle_free).
 */
STOFFEL_API int stoffel_vm_bundle_new(const char *name, const char *entry, const uint8_t *code,
                                      size_t code_len, stoffel_vm_bundle **out, char *err,
                                      size_t err_len);

/* Decodes a bundle strictly (format above) and verifies its bytecode as stoffel_vm_bundle_new
 * does. Errors and ownership as there; the message names the byte offset or the field. */
STOFFEL_API int stoffel_vm_bundle_decode(const uint8_t *bytes, size_t len, stoffel_vm_bundle **out,
                                         char *err, size_t err_len);

/* Encodes the bundle canonically; *bytes is malloc'd (stoffel_vm_bytes_free). STOFFEL_ERR_NOMEM. */
STOFFEL_API int stoffel_vm_bundle_encode(const stoffel_vm_bundle *bundle, uint8_t **bytes, size_t *len);

/* The bundle's hash: SHA-256 of its encoding. Never fails for a valid bundle. */
STOFFEL_API void stoffel_vm_bundle_hash(const stoffel_vm_bundle *bundle,
                                        uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN]);

/* Name, entry (borrowed from the bundle) and bytecode (borrowed; *len set). */
STOFFEL_API const char *stoffel_vm_bundle_name(const stoffel_vm_bundle *bundle);
STOFFEL_API const char *stoffel_vm_bundle_entry(const stoffel_vm_bundle *bundle);
STOFFEL_API const uint8_t *stoffel_vm_bundle_code(const stoffel_vm_bundle *bundle, size_t *len);

/* Frees a bundle; NULL is a no-op. */
STOFFEL_API void stoffel_vm_bundle_free(stoffel_vm_bundle *bundle);

/* Writes a hash as 64 lower-case hex digits plus NUL into out. Never fails. */
STOFFEL_API void stoffel_vm_bundle_hash_to_hex(const uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN],
                                               char out[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1]);

/* Parses exactly 64 hex digits (either case; an optional "sha256:" prefix). STOFFEL_ERR_MALFORMED
 * for anything else. */
STOFFEL_API int stoffel_vm_bundle_hash_from_hex(const char *text,
                                                uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN]);

typedef struct stoffel_vm_party_store stoffel_vm_party_store;

/*
 * Opens (creating when absent) the party store at path and brings a fresh file to the current
 * schema. Runs left RUNNING by a crash are marked FAILED ("interrupted") in one transaction.
 * Errors: STOFFEL_ERR_IO (cannot open or write), STOFFEL_ERR_MALFORMED (not a party store: another
 * SQLite database or not SQLite at all), STOFFEL_ERR_UNSUPPORTED (written by a newer schema; the
 * message says which), STOFFEL_ERR_NOMEM; the message goes to err when not NULL. *out is the
 * caller's (stoffel_vm_party_store_close).
 */
STOFFEL_API int stoffel_vm_party_store_open(const char *path, stoffel_vm_party_store **out, char *err,
                                            size_t err_len);

/* Closes the store (checkpointing the WAL) and zeroes its buffers; NULL is a no-op. */
STOFFEL_API void stoffel_vm_party_store_close(stoffel_vm_party_store *store);

/* The message of the last failed call on this store ("" if none); valid until the next call. */
STOFFEL_API const char *stoffel_vm_party_store_last_error(const stoffel_vm_party_store *store);

/* The schema version of the open database (STOFFEL_VM_PARTY_STORE_SCHEMA). */
STOFFEL_API uint32_t stoffel_vm_party_store_schema(const stoffel_vm_party_store *store);

/*
 * Stores a bundle under its hash and its name (one transaction); the hash is written to hash_out
 * when not NULL. Storing the same bundle again is a no-op success. A different bundle already
 * deployed under the same name is STOFFEL_ERR_STATE (message names the name and both hashes);
 * nothing changes then. Bundles are immutable: there is no update or delete.
 */
STOFFEL_API int stoffel_vm_party_store_put_bundle(stoffel_vm_party_store *store,
                                                  const stoffel_vm_bundle *bundle,
                                                  uint8_t hash_out[STOFFEL_VM_BUNDLE_HASH_LEN]);

/* Loads the bundle with this hash, re-verifying its bytes against the hash (a mismatch is
 * STOFFEL_ERR_MALFORMED: the file was altered). STOFFEL_ERR_NOT_FOUND when absent. *out is the
 * caller's (stoffel_vm_bundle_free). */
STOFFEL_API int stoffel_vm_party_store_get_bundle(stoffel_vm_party_store *store,
                                                  const uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                  stoffel_vm_bundle **out);

/* The hash of the bundle deployed under name. STOFFEL_ERR_NOT_FOUND when none. */
STOFFEL_API int stoffel_vm_party_store_find_bundle(stoffel_vm_party_store *store, const char *name,
                                                   uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN]);

/*
 * Records a client's input for a deployed program: `count` shares of share_size bytes each (this
 * party's shares of the client's values, as the networked engine's input protocol produced them),
 * in one transaction, durable when this returns 0: acknowledge the client only after that. The
 * record's sequence number (1, 2, ... in arrival order per store) goes to *seq when not NULL.
 * Errors: STOFFEL_ERR_NOT_FOUND (no bundle with that hash; nothing is stored),
 * STOFFEL_ERR_INVALID_ARG (count or share_size 0, or over 65536 / 1024), STOFFEL_ERR_IO.
 */
STOFFEL_API int stoffel_vm_party_store_put_input(stoffel_vm_party_store *store,
                                                 const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                 uint64_t client_id, const uint8_t *shares,
                                                 size_t share_size, size_t count, uint64_t *seq);

/* Number of input records stored for a program (0 for an unknown program). */
STOFFEL_API int stoffel_vm_party_store_input_count(stoffel_vm_party_store *store,
                                                   const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                   size_t *count);

/* One input record of a program, by position 0..count-1 in arrival order. *shares (count *
 * share_size bytes) is secret: free it with stoffel_vm_party_secret_free(*shares, len), which
 * zeroes it. STOFFEL_ERR_NOT_FOUND for index >= count. */
STOFFEL_API int stoffel_vm_party_store_get_input(stoffel_vm_party_store *store,
                                                 const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                 size_t index, uint64_t *client_id, uint8_t **shares,
                                                 size_t *share_size, size_t *count);

/* Zeroes len bytes at p and frees it (for secret buffers returned by the store); NULL is a no-op. */
STOFFEL_API void stoffel_vm_party_secret_free(void *p, size_t len);

/* The state of a run record. */
typedef enum {
    STOFFEL_VM_PARTY_RUN_RUNNING = 0,
    STOFFEL_VM_PARTY_RUN_DONE = 1,
    STOFFEL_VM_PARTY_RUN_FAILED = 2
} stoffel_vm_party_run_state;

/* Records the start of a run of a deployed program; *run_id gets its id (1, 2, ...).
 * STOFFEL_ERR_NOT_FOUND for an unknown program. */
STOFFEL_API int stoffel_vm_party_store_begin_run(stoffel_vm_party_store *store,
                                                 const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                                 uint64_t *run_id);

/* Ends a RUNNING run: DONE with its revealed result (text or bytes, copied; may be empty), or
 * FAILED with the message as result. STOFFEL_ERR_NOT_FOUND (no such run), STOFFEL_ERR_STATE (the
 * run is not RUNNING), STOFFEL_ERR_INVALID_ARG (state RUNNING). */
STOFFEL_API int stoffel_vm_party_store_finish_run(stoffel_vm_party_store *store, uint64_t run_id,
                                                  stoffel_vm_party_run_state state,
                                                  const uint8_t *result, size_t result_len);

/* Reads a run record: its program hash, state and result (*result malloc'd and NUL-terminated,
 * free with stoffel_vm_bytes_free; NULL while RUNNING). Any out pointer may be NULL.
 * STOFFEL_ERR_NOT_FOUND when no such run. */
STOFFEL_API int stoffel_vm_party_store_get_run(stoffel_vm_party_store *store, uint64_t run_id,
                                               uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                               stoffel_vm_party_run_state *state, uint8_t **result,
                                               size_t *result_len);

/* Records this party's shares of the `count` values run run_id produced for a client (output
 * records are immutable: a second record for the same run and client is STOFFEL_ERR_STATE). One
 * transaction. Errors: STOFFEL_ERR_NOT_FOUND (no such run), STOFFEL_ERR_INVALID_ARG (count or
 * share_size 0, or over 65536 / 1024), STOFFEL_ERR_IO. */
STOFFEL_API int stoffel_vm_party_store_put_output(stoffel_vm_party_store *store, uint64_t run_id,
                                                  uint64_t client_id, const uint8_t *shares,
                                                  size_t share_size, size_t count);

/* Reads the output record of a run for a client. *shares (count * share_size bytes) is secret:
 * free it with stoffel_vm_party_secret_free. STOFFEL_ERR_NOT_FOUND when there is none. */
STOFFEL_API int stoffel_vm_party_store_get_output(stoffel_vm_party_store *store, uint64_t run_id,
                                                  uint64_t client_id, uint8_t **shares,
                                                  size_t *share_size, size_t *count);

/*
 * LocalStorage backed by the store: stoffel_vm_set_storage(vm,
 * stoffel_vm_party_store_storage_interface(), store) makes the VM's LocalStorage builtins read and
 * write the namespace selected with stoffel_vm_party_store_use_namespace (each put and remove is
 * one transaction). Values live in the database until removed.
 */
STOFFEL_API const stoffel_vm_storage *stoffel_vm_party_store_storage_interface(void);

/* Selects the LocalStorage namespace (normally the running program's hash; all zeros by default). */
STOFFEL_API void stoffel_vm_party_store_use_namespace(stoffel_vm_party_store *store,
                                                      const uint8_t ns[STOFFEL_VM_BUNDLE_HASH_LEN]);

/*
 * A party: the runtime of `stoffel party` over the party's own endpoint (QUIC, or in-memory in
 * tests). It answers clients' control requests (deploy: the bundle is decoded, verified, stored
 * and answered with its hash, or refused with the reason) and logs its progress through the log
 * callback, never logging secrets. Every request is handled to the end inside one callback of the
 * event base, its store change committed before the answer is sent, so stopping the event loop
 * between callbacks (on SIGTERM) never leaves a change half done.
 *
 * With MPC enabled (stoffel_vm_party_enable_mpc) the parties also run collective operations:
 * admitting a client's input (mask protocol; every party commits its shares to its store before
 * it acknowledges), running a deployed program over the stored inputs, and generating
 * preprocessing in the background up to configured levels. Party 0 sequences them: it announces
 * each operation with a fresh MPC session id, every party creates a networked engine for that
 * session only (so an operation survives a restart of any party between operations), reports
 * ready, and party 0 starts it. Unused preprocessing is kept in the store between operations and
 * used only when every taking part holds the same pool (else it is regenerated). Operations run
 * in stoffel_vm_party_poll, outside the event loop's callbacks. Party 0 must be up for any
 * operation; in robust mode (n >= 3t+1) a run goes ahead without up to t parties that are down.
 */
typedef struct stoffel_vm_party stoffel_vm_party;

/* A log line (NUL-terminated, without newline), borrowed for the call. */
typedef void (*stoffel_vm_party_log_fn)(void *user, const char *line);

/*
 * Creates the party over net, a party endpoint (borrowed; must outlive the party), opening (or
 * creating) its store at store_path. Installs the party's message and state callbacks on net;
 * the caller starts net (stoffel_net_start) and runs its event base. Errors: those of
 * stoffel_vm_party_store_open, STOFFEL_ERR_INVALID_ARG (a client endpoint); message in err.
 * Free with stoffel_vm_party_free (before net).
 */
STOFFEL_API int stoffel_vm_party_new(stoffel_net *net, const char *store_path, stoffel_vm_party **out,
                                     char *err, size_t err_len);

/* Sets the progress log (NULL: silent). */
STOFFEL_API void stoffel_vm_party_set_log(stoffel_vm_party *party, stoffel_vm_party_log_fn fn, void *user);

/* The party's store (borrowed; valid until stoffel_vm_party_free). */
STOFFEL_API stoffel_vm_party_store *stoffel_vm_party_store_of(stoffel_vm_party *party);

/* Number of control requests received from clients so far. */
STOFFEL_API uint64_t stoffel_vm_party_request_count(const stoffel_vm_party *party);

/* The message of the last failed call on this party ("" if none). */
STOFFEL_API const char *stoffel_vm_party_last_error(const stoffel_vm_party *party);

/* Removes the party's callbacks from its endpoint, closes the store; NULL is a no-op. */
STOFFEL_API void stoffel_vm_party_free(stoffel_vm_party *party);

/* MPC settings of a party; initialise with stoffel_vm_party_mpc_config_defaults(). */
typedef struct {
    size_t struct_size;       /* sizeof(stoffel_vm_party_mpc_config) */
    uint32_t threshold;       /* t (default 1); the same at every party */
    int security;             /* -1 (default): robust when n >= 3t+1, else semi-honest; or a
                               * stoffel_mpc_security value */
    uint32_t timeout_ms;      /* bound on every wait of an operation (default 30000) */
    uint64_t prep_triples;    /* background preprocessing keeps at least this many triples and */
    uint64_t prep_randoms;    /* random sharings in the store (party 0 decides; default 0: none) */
    stoffel_mpc_field_id prep_field; /* the field of background preprocessing (default BLS12-381) */
    /* Added after prep_field (a caller compiled before it passes the shorter struct_size and gets
     * 0): background preprocessing also keeps the random bits, masks and prefix-mask chains
     * (stoffel_mpc_material) that this many signed 64-bit comparisons (LT) plus as many 64-bit
     * equality tests (EQ) take, as stoffel_mpc_engine_material_demand measures them for the
     * parties' field, threshold and mode, so runs find them in the store instead of making them in
     * preprocessing rounds of their own. A preprocessing operation adds at most 4096
     * comparisons' worth, so a large level is reached over several operations and client
     * requests are served in between. Party 0 decides (its three levels are sent to the others
     * with each preprocessing operation). Default 0: none; at most 100,000 (the store keeps a
     * field's pool in one SQLite value, at most 1 GB: 100,000 comparisons' material is about
     * 740 MB in the BLS12-381 field). */
    uint64_t prep_comparisons;
} stoffel_vm_party_mpc_config;

/* Largest prep_triples / prep_randoms and prep_comparisons stoffel_vm_party_enable_mpc accepts. */
#define STOFFEL_VM_PARTY_PREP_MAX 100000000u
#define STOFFEL_VM_PARTY_PREP_COMPARISONS_MAX 100000u

/* Fills *config with the defaults above (struct_size included). */
STOFFEL_API void stoffel_vm_party_mpc_config_defaults(stoffel_vm_party_mpc_config *config);

/*
 * Lets the party run collective operations on base, the event base of its endpoint (borrowed;
 * must outlive the party). Without it, input and run requests are refused with a message saying
 * so. Errors: STOFFEL_ERR_INVALID_ARG (config: its struct_size, a level above its maximum, or a
 * threshold the party count does not allow: the message names the rule); message in err.
 */
STOFFEL_API int stoffel_vm_party_enable_mpc(stoffel_vm_party *party, struct event_base *base,
                                            const stoffel_vm_party_mpc_config *config, char *err,
                                            size_t err_len);

/*
 * Runs the next collective operation that is ready (blocking until it is done, at most about
 * twice the timeout), or does nothing. Call it after every turn of the event loop
 * (event_base_loop(base, EVLOOP_ONCE)) and on a periodic timer; never from inside a callback.
 * Returns 1 when it ran an operation, 0 when there was none (failed operations are logged and
 * answered to the client; they return 1 too).
 */
STOFFEL_API int stoffel_vm_party_poll(stoffel_vm_party *party);

/* Number of collective operations this party completed successfully so far. */
STOFFEL_API uint64_t stoffel_vm_party_operation_count(const stoffel_vm_party *party);

/*
 * Deploys a bundle: sends it to every party over net, a started client endpoint (borrowed; its
 * message callback must be unset: answers are read with stoffel_net_recv), and waits at most
 * timeout_ms (negative: 30000) for every party's answer. Succeeds only when every party answers
 * with the bundle's own hash, which then goes to hash_out (may be NULL). Errors:
 * STOFFEL_MPC_ERR_PEER (a party refused the bundle or reported another hash; the message names
 * the party and its reason), STOFFEL_ERR_TIMEOUT (the message names the silent parties),
 * STOFFEL_ERR_INVALID_ARG (a party endpoint), transport errors; message in err.
 */
STOFFEL_API int stoffel_vm_deploy(stoffel_net *net, const stoffel_vm_bundle *bundle, int timeout_ms,
                                  uint8_t hash_out[STOFFEL_VM_BUNDLE_HASH_LEN], char *err, size_t err_len);

/*
 * Gives input to a deployed program as a client: secret-shares `count` (1..65536) integers with
 * the parties' mask protocol over net, a started client endpoint on base whose certificate
 * fingerprint is key (both borrowed; net's message callback must be unset). Blocks until every
 * party has committed its shares to its store and acknowledged (then the client may go offline)
 * or timeout_ms (negative: 30000) passes. The record's sequence number at party 0 goes to *seq
 * when not NULL. Errors: STOFFEL_ERR_NOT_FOUND (a party has no such program; nothing was
 * stored), STOFFEL_MPC_ERR_PEER (a party refused; the message names it and its reason),
 * STOFFEL_ERR_TIMEOUT (the message names the parties that did not acknowledge), the MPC client's
 * errors; message in err.
 */
STOFFEL_API int stoffel_vm_client_input(stoffel_net *net, struct event_base *base,
                                        const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                                        const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                        const int64_t *values, size_t count, int timeout_ms,
                                        uint64_t *seq, char *err, size_t err_len);

/*
 * Fetches this client's outputs of the latest run of a deployed program that sent it any
 * (Share.send_to_client / MpcOutput.send_to_client): the parties serve their stored shares and
 * the client reconstructs the values itself (robustly in robust mode). net, base, key as for
 * stoffel_vm_client_input. *values (malloc'd, *count integers, decoded as signed 64-bit) is the
 * caller's: free it with stoffel_vm_party_secret_free(*values, *count * 8). Errors:
 * STOFFEL_ERR_NOT_FOUND (no such program, or no run sent this client outputs),
 * STOFFEL_MPC_ERR_PEER, STOFFEL_ERR_TIMEOUT, the MPC client's errors; message in err.
 */
STOFFEL_API int stoffel_vm_client_output(stoffel_net *net, struct event_base *base,
                                         const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                                         const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                         int64_t **values, size_t *count, int timeout_ms, char *err,
                                         size_t err_len);

/* What one networked run returned (stoffel_vm_run_network). */
typedef struct {
    uint64_t run_id;           /* party 0's run record */
    char *result;              /* the `Program returned:` value, formatted */
    char *output;              /* what the program printed, lines separated by '\n' */
    uint32_t answers;          /* parties that answered (all with this result and output) */
    double input_s, preprocessing_s, online_s, total_s; /* party 0's time per phase */
    uint64_t preprocessing_rounds, preprocessing_bytes, online_rounds, online_bytes;
} stoffel_vm_network_result;

/*
 * Asks every party to run the deployed program `program` over the client inputs they store, over
 * net (a started client endpoint; message callback unset), and waits at most timeout_ms
 * (negative: 120000). Succeeds when at least min_answers parties (0: all) answered with the same
 * result and output; once that many answered, stragglers get 2 more seconds. *out is the
 * caller's (stoffel_vm_network_result_free). Errors: STOFFEL_ERR_NOT_FOUND (no such program),
 * STOFFEL_MPC_ERR_PEER (a party failed the run, or two parties disagree; the message names them),
 * STOFFEL_ERR_TIMEOUT (names the silent parties); message in err.
 */
STOFFEL_API int stoffel_vm_run_network(stoffel_net *net, const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                       uint32_t min_answers, int timeout_ms,
                                       stoffel_vm_network_result **out, char *err, size_t err_len);

/* Frees a result; NULL is a no-op. */
STOFFEL_API void stoffel_vm_network_result_free(stoffel_vm_network_result *result);

#ifdef __cplusplus
}
#endif

#endif /* STOFFEL_VM_H */
