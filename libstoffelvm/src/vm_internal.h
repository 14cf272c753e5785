/*
 * vm_internal.h - the VM's private state shared by the interpreter, values, tables, builtins and
 * the secret-execution layer.
 */
#ifndef STOFFEL_VM_INTERNAL_H
#define STOFFEL_VM_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stoffel/vm.h>

#include "program_internal.h"

/* ---- values ------------------------------------------------------------------------------ */

/* Internal-only kind: a register waiting for a queued secret operation (PendingReveal). */
#define VK_PENDING 31

typedef struct vm_str {
    uint32_t rc;
    size_t len;
    char data[]; /* NUL-terminated */
} vm_str;

typedef struct vm_closure {
    uint32_t rc;
    char *fn_name;
    size_t n_up;
    char **names;
    struct vm_val *vals;
} vm_closure;

typedef struct vm_share {
    uint32_t rc;
    stoffel_vm_share_type type;
    size_t len;
    uint8_t bytes[];
} vm_share;

typedef struct vm_val {
    uint8_t kind;
    uint32_t aux; /* VK_PENDING: index of the queued operation */
    union {
        int64_t i;
        uint64_t u;
        double f;
        uint8_t b;
        vm_str *s;
        uint64_t id; /* OBJECT, ARRAY, FOREIGN */
        vm_closure *c;
        vm_share *sh;
    } as;
} vm_val;

#define HEAP_KINDS ((1u << STOFFEL_VM_STRING) | (1u << STOFFEL_VM_CLOSURE) | (1u << STOFFEL_VM_SHARE))
#define IS_HEAP(k) ((HEAP_KINDS >> (k)) & 1u)
#define IS_INT_KIND(k) ((k) >= STOFFEL_VM_I64 && (k) <= STOFFEL_VM_U64)
#define IS_SIGNED_KIND(k) ((k) >= STOFFEL_VM_I64 && (k) <= STOFFEL_VM_I8)

typedef struct stoffel_vm vm_state;

#define DIRTY_KINDS (HEAP_KINDS | (1u << VK_PENDING))
#define IS_DIRTY(k) ((DIRTY_KINDS >> (k)) & 1u)

void val_release(vm_state *vm, vm_val *v); /* drops a reference held by *v; leaves Unit */
/* Like val_release, and a pending register's queued operation is cancelled. */
void val_drop(vm_state *vm, vm_val *v);
static inline void val_retain(vm_val v)
{
    if (v.kind == STOFFEL_VM_STRING)
        v.as.s->rc++;
    else if (v.kind == STOFFEL_VM_CLOSURE)
        v.as.c->rc++;
    else if (v.kind == STOFFEL_VM_SHARE)
        v.as.sh->rc++;
}
/* *dst = src with reference counting (dst's old value released). */
static inline void val_assign(vm_state *vm, vm_val *dst, vm_val src)
{
    val_retain(src);
    if (IS_DIRTY(dst->kind))
        val_drop(vm, dst);
    *dst = src;
}

static inline vm_val val_unit(void) { vm_val v = {0}; return v; }
static inline vm_val val_i64(int64_t x) { vm_val v = {0}; v.kind = STOFFEL_VM_I64; v.as.i = x; return v; }
static inline vm_val val_bool(int b) { vm_val v = {0}; v.kind = STOFFEL_VM_BOOL; v.as.b = b != 0; return v; }
static inline vm_val val_float(double f) { vm_val v = {0}; v.kind = STOFFEL_VM_FLOAT; v.as.f = f; return v; }
static inline vm_val val_int_kind(uint8_t kind, int64_t x)
{
    vm_val v = {0};
    v.kind = kind;
    v.as.i = x;
    return v;
}

/* New string value (rc 1) or a Unit with kind 0xFF on no memory/limit: check with val_ok. */
int val_string(vm_state *vm, const char *s, size_t len, vm_val *out);
int val_share(vm_state *vm, stoffel_vm_share_type type, const uint8_t *bytes, size_t len, vm_val *out);
int val_closure(vm_state *vm, const char *fn_name, size_t n_up, vm_val *out);

/* Value equality as used by tables, contains/index/count and array_equals (deep for arrays). */
int val_equal(vm_state *vm, vm_val a, vm_val b, int depth);
uint64_t val_hash(vm_val v);
/* type() name of a value. */
const char *val_type_name(vm_state *vm, vm_val v);
/* Bit width of an integer kind and its range. */
int int_bits(uint8_t kind);
int int_fits(uint8_t kind, int64_t x);   /* for signed kinds */
int uint_fits(uint8_t kind, uint64_t x); /* for unsigned kinds */
/* Reads any integer kind as int64 (U64 beyond INT64_MAX fails: returns 0). */
int val_as_i64(vm_val v, int64_t *out);

/* ---- tables ------------------------------------------------------------------------------- */

typedef struct {
    vm_val key, val;
    uint8_t live;
} vm_entry;

/* An insertion-ordered hash map (objects, and the hash part of arrays). */
typedef struct {
    vm_entry *entries;
    size_t count, cap, live;
    uint32_t *index; /* entry + 1; 0 empty */
    size_t index_cap;
} vm_map;

typedef struct {
    uint8_t is_array;
    vm_val *dense;       /* arrays: indices 0..dense_len-1 */
    size_t dense_len, dense_cap;
    vm_map map;          /* objects: all entries; arrays: the sparse/non-integer part */
    uint64_t length;     /* arrays: highest I64 index set + 1 */
} vm_table;

/* Arrays longer than this (necessarily sparse: their elements would not fit the default memory
 * limit) are refused by builtins that walk every index, so no builtin loops for ages. [OURS] */
#define VM_ITER_LIMIT ((uint64_t)1 << 26)

int table_new(vm_state *vm, int is_array, vm_val *out);
vm_table *table_get(vm_state *vm, vm_val v); /* NULL if v is no table */
/* Raw get/set (no index normalisation): missing keys read as Unit. */
vm_val table_raw_get(vm_table *t, vm_val key);
int table_raw_set(vm_state *vm, vm_table *t, vm_val key, vm_val val);
int table_raw_delete(vm_state *vm, vm_table *t, vm_val key);
/* Arrays: element i (0 <= i < length). */
vm_val array_at(vm_table *t, uint64_t i);
int array_set(vm_state *vm, vm_table *t, uint64_t i, vm_val v);
int array_push(vm_state *vm, vm_table *t, vm_val v);
/* Replaces an array's contents with vals[0..n) (retained). */
int array_assign(vm_state *vm, vm_table *t, const vm_val *vals, size_t n);
/* Iteration over an object's live entries in insertion order. */
size_t map_count(const vm_map *m);
void table_free_all(vm_state *vm);

/* ---- functions, frames -------------------------------------------------------------------- */

typedef struct vm_call_ctx vm_call_ctx;

/* Internal builtin: args borrowed; *out preset to Unit; returns 0 or a status after vm_fail. */
typedef int (*vm_builtin_fn)(vm_state *vm, vm_val *args, size_t nargs, vm_val *out);

typedef enum { TARGET_VM = 0, TARGET_BUILTIN = 1, TARGET_HOST = 2 } target_kind;

typedef struct {
    char *name;
    target_kind kind;
    uint32_t fn_index;       /* TARGET_VM */
    vm_builtin_fn builtin;   /* TARGET_BUILTIN */
    stoffel_vm_foreign_fn host;
    void *userdata;
    const char *receiver;    /* a method: the runtime type its first argument must have (static) */
} vm_target;

typedef struct vm_frame {
    uint32_t fn;          /* function index in the program */
    size_t reg_base;      /* first register in vm->regs */
    uint32_t nregs;
    size_t ip;
    int8_t flag;          /* -1 Less, 0 Equal, 1 Greater */
    size_t arg_base;      /* argument stack height at frame entry */
    vm_val *spill;
    size_t nspill;
    vm_val *locals;       /* parameter values at call time (for upvalue capture) */
    size_t nlocals;
    char **up_names;      /* borrowed from the function or closure */
    vm_val *up_vals;      /* owned */
    size_t nup;
    vm_closure *closure;  /* when entered through call_closure (retained) */
    uint8_t native_return; /* 1: RET leaves the interpreter loop (frame pushed by a builtin) */
    /* Tracing (hooks.c): the instruction that ran last in this frame (ip + 1, 0 = none), the
     * register it writes (-1 none) and that register's value before it. */
    size_t hook_ip;
    long hook_reg;
    vm_val hook_old;
} vm_frame;

/* ---- the secret layer (secret.c, secret_queue.c) --------------------------------------------- */

/* Local step applied when a queued multiplication completes. */
enum { POST_NONE = 0, POST_OR, POST_XOR, POST_TRUNC };

/*
 * A builtin's own interactive step (whole-array builtins such as Share.batch_mul, randomness,
 * client output): its request joins the next batch like a queued operation, so a host driving
 * the VM step by step never blocks inside a builtin. When the results are in, finish() makes the
 * builtin's result value, or re-arms `req` for one more batch (returns VM_EFFECT_AGAIN).
 */
typedef struct vm_effect vm_effect;
struct vm_effect {
    stoffel_mpc_request req;   /* buffers below; the host fills req.out */
    uint8_t *a, *b, *out;      /* secret scratch, zeroed and freed with the effect */
    size_t a_len, b_len, out_len;
    size_t n;                  /* elements */
    stoffel_vm_share_type type;
    uint8_t wrap;              /* Share.random: the result is a share object */
    int (*finish)(vm_state *vm, vm_effect *e, vm_val *out);
};
#define VM_EFFECT_AGAIN 4
/* Pseudo kind of a queued effect (never handed to an engine as such). */
#define VM_OP_EFFECT ((stoffel_mpc_op_kind)1000)

typedef struct {
    stoffel_mpc_op_kind kind;
    size_t depth;      /* frame depth of the destination registers */
    uint32_t refs;     /* registers pending on this op (MOV copies a pending register) */
    uint8_t cancelled;
    uint8_t sticky;    /* a side effect (client output): runs even when nothing reads the result */
    uint8_t decode;    /* OPEN: decode into a clear value per share type */
    stoffel_vm_share_type type; /* result / decode type */
    uint32_t bits, shift;
    uint8_t is_signed;
    uint8_t post;      /* local step after the result arrives (secret.c) */
    vm_share *a, *b;   /* retained operands */
    vm_effect *effect; /* VM_OP_EFFECT */
} vm_pending_op;

typedef struct {
    vm_pending_op *ops;
    size_t count, cap;
    size_t live;       /* ops not cancelled */
    size_t sticky;     /* live sticky ops: flushed before any frame returns */
    /* The batch handed to the host: one request per kind with its operands packed. */
    stoffel_mpc_request *reqs;
    size_t nreqs;
    uint8_t *buf;      /* operand and output storage */
    size_t buf_cap;
    size_t *req_first; /* per request: indices of its ops (into order[]) */
    size_t *order;
    int in_flight;     /* 1 between NEED_MPC and complete */
} vm_queue;

/* ---- the VM ------------------------------------------------------------------------------- */

struct stoffel_vm {
    const stoffel_vm_program *prog;
    stoffel_vm_config cfg;
    stoffel_vm_allocator mem; /* every allocation of the VM (vm_malloc & co.) */
    char error[512];

    /* one namespace of callables */
    vm_target *targets;
    size_t ntargets, targets_cap;
    uint32_t *target_index; /* hash: target + 1 */
    size_t target_index_cap;
    vm_val *consts;         /* per-VM copies of the program's constants */
    uint32_t **call_cache;  /* per function, per CALL name: target + 1 (0 = unresolved) */

    /* registers, frames, argument stack */
    vm_val *regs;
    size_t nregs_used, regs_cap;
    vm_frame *frames;
    size_t depth, frames_cap;
    vm_val *args;
    size_t nargs, args_cap;

    /* tables and host objects */
    vm_table **tables;
    size_t ntables, tables_cap;
    void **foreign;
    size_t nforeign, foreign_cap;
    size_t mem_used;

    /* run state */
    int running;
    int finished;
    int cancel;
    uint64_t budget_left;
    vm_val result;
    size_t entry_depth;

    /* MPC */
    stoffel_mpc_engine *engine;
    size_t share_size;
    vm_queue q;

    /* host interfaces */
    stoffel_vm_output_fn out_fn;
    void *out_ud;
    stoffel_vm_storage storage;
    void *storage_ud;
    int has_storage;
    stoffel_vm_hook_fn hook;
    void *hook_ud;

    /* Vm.global_get/set */
    vm_map globals;

    stoffel_vm_stats stats;
    /* scratch for values handed out (strings of results etc.) */
    vm_val handout;
};

/* Allocation through the VM's allocator. vm_calloc zeroes and checks n * size for overflow. */
static inline void *vm_malloc(vm_state *vm, size_t n) { return vm->mem.alloc(vm->mem.userdata, n ? n : 1); }
static inline void *vm_realloc(vm_state *vm, void *p, size_t n) { return vm->mem.realloc(vm->mem.userdata, p, n ? n : 1); }
static inline void vm_free(vm_state *vm, void *p)
{
    if (p)
        vm->mem.free(vm->mem.userdata, p);
}
void *vm_calloc(vm_state *vm, size_t n, size_t size);
char *vm_strdup_n(vm_state *vm, const char *s, size_t len);

/* Records a run-time error "in function F at instruction I: <cause>" and returns status. */
int vm_fail(vm_state *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records a plain message (API errors). */
int vm_error(vm_state *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Accounts bytes against the memory limit; STOFFEL_ERR_LIMIT when over. */
int vm_mem_charge(vm_state *vm, size_t bytes);

/* Registers a builtin; used by the builtin tables at VM creation. */
int vm_register_builtin(vm_state *vm, const char *name, vm_builtin_fn fn);
/* Registers a builtin method: CALL checks its first argument's runtime type (spec §2.4). */
int vm_register_method(vm_state *vm, const char *name, vm_builtin_fn fn, const char *receiver);
int register_core_builtins(vm_state *vm);
int register_collection_builtins(vm_state *vm);
int register_mpc_builtins(vm_state *vm);
int register_crypto_builtins(vm_state *vm);
long vm_find_target(vm_state *vm, const char *name);

/* Pushes a VM frame for function fn_index with args (used by CALL and call_closure). */
int vm_push_frame(vm_state *vm, uint32_t fn_index, vm_val *args, size_t nargs, vm_closure *closure);
/* Pops the top frame, releasing its registers, spill slots, upvalues and queued operations. */
void vm_pop_frame(vm_state *vm);
/* Bank-aware register write (clear value into a secret register is shared). */
int vm_write_reg(vm_state *vm, vm_frame *f, uint32_t reg, vm_val v);

/* Tracing (hooks.c). Each emit returns 0 or, when the hook aborts, a status after vm_fail. */
int vm_hook_emit(vm_state *vm, stoffel_vm_event *ev); /* fills function/ip/depth when unset */
void vm_hook_value(vm_state *vm, vm_val v, stoffel_vm_value *out, uint8_t *pending);
int vm_hook_before(vm_state *vm, vm_frame *f, size_t ip);
void vm_hook_frame_clear(vm_state *vm, vm_frame *f);
int vm_hook_access(vm_state *vm, stoffel_vm_event_kind kind, vm_val table, vm_val key, vm_val old, vm_val value);
int vm_hook_named(vm_state *vm, stoffel_vm_event_kind kind, const char *name, vm_val old, vm_val value);

/* Formatting (format_value.c). Appends to a growable buffer. */
typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
    vm_state *vm; /* allocate through this VM; NULL: malloc (text handed to the caller) */
} vm_sbuf;
/* Frees a buffer's memory the way it was allocated. */
void sbuf_free(vm_sbuf *s);
void sbuf_put(vm_sbuf *s, const char *p, size_t n);
void sbuf_printf(vm_sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void format_value(vm_state *vm, vm_sbuf *s, vm_val v, stoffel_vm_format_style style, int depth);

/* Conversion between internal and public values. */
int val_from_public(vm_state *vm, const stoffel_vm_value *in, vm_val *out);
void val_to_public(vm_state *vm, vm_val v, stoffel_vm_value *out);

/* Arithmetic and comparison (arith.c). Return 0, VM_NEED_FLUSH when an operand is pending, or
 * a negative status after vm_fail. */
#define VM_NEED_FLUSH 1
#define VM_DEFERRED 2    /* a builtin queued its result into the caller's r0 */
#define VM_FRAME_PUSHED 3 /* a builtin pushed a VM frame (call_closure) */
int arith_binop(vm_state *vm, vm_frame *f, int op, uint32_t dst, vm_val a, vm_val b);
int arith_binop_value(vm_state *vm, int op, vm_val a, vm_val b, vm_val *out); /* clear only */
int arith_not(vm_state *vm, vm_frame *f, uint32_t dst, vm_val a);
int vm_compare(vm_state *vm, vm_val a, vm_val b, int *ord);

/* The interpreter loop: runs until the entry frame returns, an MPC batch is needed (returns 1),
 * or an error (negative). */
int interp_run(vm_state *vm);

/* Secret layer (secret.c, secret_queue.c). */
/* STOFFEL_VM_ERR_NO_ENGINE (MpcEngineNotConfigured) when no engine is attached, else 0. */
int secret_need_engine(vm_state *vm, const char *what);
/* Records an engine failure of `what` ("... is not supported by this engine" for UNSUPPORTED). */
int secret_engine_error(vm_state *vm, int rc, const char *what);
int secret_share_clear(vm_state *vm, vm_val clear, vm_val *out);            /* input_share */
int secret_share_typed(vm_state *vm, vm_val clear, stoffel_vm_share_type t, vm_val *out);
int secret_decode(vm_state *vm, const vm_share *sh, const uint8_t *field_elem, vm_val *out);
int secret_binop(vm_state *vm, int op, vm_val a, vm_val b, vm_frame *f, uint32_t dst);
int secret_not(vm_state *vm, vm_val a, vm_frame *f, uint32_t dst);
int secret_queue_open(vm_state *vm, vm_val share, vm_frame *f, uint32_t dst);
/* Enqueue an interactive op with destination (frame f, register dst); result written on flush. */
int secret_enqueue(vm_state *vm, vm_pending_op *op, vm_frame *f, uint32_t dst);
/* 1 when anything is queued. */
int secret_pending(vm_state *vm);
/* Builds the request batch from the queue (called when a pending value is read). */
int secret_prepare_batch(vm_state *vm);
/* Writes completed results into the registers. */
int secret_finish_batch(vm_state *vm, int status);
/* Runs the queue to completion right now through the engine (builtins that need results). */
int secret_flush_now(vm_state *vm);
/* Queues a builtin's effect (ownership passes to the queue) with the caller's r0 as destination;
 * sticky effects run even when r0 is overwritten. Returns VM_DEFERRED or an error. */
int secret_enqueue_effect(vm_state *vm, vm_effect *e, int sticky);
/* Frees an effect's buffers (zeroed) and its retained argument. */
void secret_effect_free(vm_state *vm, vm_effect *e);
/* MOV of a pending register: the destination waits for the same operation (0), or the value is
 * needed now (VM_NEED_FLUSH). */
int secret_forward_pending(vm_state *vm, vm_frame *f, uint32_t dst, uint32_t src);
/* Discards queued ops of frames at depth >= depth (sticky ones only when depth is 0). */
void secret_discard_from(vm_state *vm, size_t depth);
void secret_queue_free(vm_state *vm);
/* Unwraps a share object (__type == "Share") or a share; NULL if neither. */
vm_share *secret_unwrap(vm_state *vm, vm_val v);

#endif
