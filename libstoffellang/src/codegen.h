/* codegen.h - the code generator's private state: the IR (one instruction list per function,
 * with symbolic labels and call names), register locations, and the lowering entry points. */
#ifndef STOFFEL_LANG_CODEGEN_H
#define STOFFEL_LANG_CODEGEN_H

#include "check.h"

/* IR opcodes: the VM's opcodes (stoffel_vm_opcode values) plus a label marker. */
enum {
    IR_LD = 0x00, IR_LDI, IR_MOV, IR_ADD, IR_SUB, IR_MUL, IR_DIV, IR_MOD, IR_AND, IR_OR, IR_XOR, IR_NOT, IR_SHL,
    IR_SHR, IR_JMP, IR_JMPEQ, IR_JMPNEQ, IR_CALL, IR_RET, IR_PUSHARG, IR_CMP, IR_JMPLT, IR_JMPGT, IR_NOP, IR_LDS,
    IR_STS, IR_LABEL = 0x40,
};

/* Constant kinds = the VM's value tags 0..11. */
enum { K_UNIT = 0, K_I64, K_I32, K_I16, K_I8, K_U8, K_U16, K_U32, K_U64, K_FLOAT, K_BOOL, K_STRING };

struct ir_const {
    int kind;
    int64_t i;         /* signed kinds, bool */
    uint64_t u;        /* unsigned kinds */
    double f;
    const char *s;
    size_t slen;
};

struct ir_instr {
    uint8_t op;
    uint32_t a, b, c;  /* operands in on-disk order (STS: a = slot, b = src) */
    struct ir_const k; /* LDI */
    const char *name;  /* jump label, CALL name, LABEL name */
};

struct ir_func {
    const char *name;
    struct func_sym *sym;
    struct ir_instr *code;
    size_t len, cap;
};

struct ir_program {
    struct ptrvec funcs;   /* struct ir_func * */
    uint64_t triples, prandbits, prandints;
    bool dynamic;
};

/* A value's place: a register or a spill slot. */
enum { LOC_NONE, LOC_REG, LOC_SLOT };
struct loc {
    int kind;
    uint32_t idx;
    bool secret;
    bool temp;         /* owned by the expression that produced it (free after use) */
};

#define CG_CLEAR_FIRST 1
#define CG_CLEAR_LAST 12   /* r13..r15 are scratch for spilled operands */
#define CG_SECRET_FIRST 16
#define CG_SECRET_LAST 28  /* r29..r31 are scratch */
#define CG_MAX_SLOTS 1000000

struct loop_labels {
    const char *brk, *cont;
};

struct codegen {
    struct compile_ctx *cx;
    struct checker *ch;
    struct ir_program *prog;
    struct ir_func *fn;
    bool reg_used[32];
    uint8_t *slot_used;
    size_t slot_cap, slot_count;
    uint32_t *free_slots;      /* stack of freed spill slots (reused last-freed first) */
    size_t free_slot_count, free_slot_cap;
    int label_counter;
    struct loop_labels loops[256];
    int loop_depth;
    int opt;
    int64_t loop_mult;
    int dyn_loops;
    bool in_entry;
    bool failed;
};

/* ir.c */
void ir_emit(struct codegen *cg, struct ir_instr in);
void ir_op3(struct codegen *cg, int op, uint32_t a, uint32_t b, uint32_t c);
void ir_op2(struct codegen *cg, int op, uint32_t a, uint32_t b);
void ir_op1(struct codegen *cg, int op, uint32_t a);
void ir_ldi(struct codegen *cg, uint32_t dst, struct ir_const k);
void ir_named(struct codegen *cg, int op, const char *name);
const char *ir_new_label(struct codegen *cg, const char *what);
void ir_optimize(struct codegen *cg, struct ir_func *f);
void ir_print(struct ir_program *p, struct strbuf *out);

/* codegen.c */
struct loc cg_alloc(struct codegen *cg, bool secret);
void cg_free(struct codegen *cg, struct loc l);
uint32_t cg_use(struct codegen *cg, struct loc l, int scratch);
uint32_t cg_dst(struct codegen *cg, struct loc l, int scratch);
void cg_store(struct codegen *cg, struct loc l, uint32_t reg);
void cg_move(struct codegen *cg, struct loc dst, struct loc src);
struct loc cg_result_r0(struct codegen *cg, struct type *t);
bool cg_secret(const struct type *t);
void cg_error(struct codegen *cg, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct loc cg_var_read(struct codegen *cg, struct var_sym *v);
void cg_var_write(struct codegen *cg, struct var_sym *v, struct loc val);
void cg_block(struct codegen *cg, struct block *b);

/* codegen_expr.c */
struct loc cg_expr(struct codegen *cg, struct expr *e);
struct ir_const cg_const_of(struct codegen *cg, struct type *t, struct expr *lit);
struct loc cg_const(struct codegen *cg, struct ir_const k, bool secret);
struct loc cg_promote(struct codegen *cg, struct loc v, struct type *from, struct type *to);
void cg_call_values(struct codegen *cg, const char *name, struct loc *args, size_t n);
struct ir_const k_i64(int64_t v);
struct ir_const k_str(const char *s);
void count_triple(struct codegen *cg);
struct loc binop_instr(struct codegen *cg, int op, struct loc a, struct loc b, bool secret);

/* codegen_opt.c */
bool fold_int(struct expr *e, __int128 *out);
bool try_inline(struct codegen *cg, struct expr *e, struct func_sym *f, struct loc *out);
bool try_schedule(struct codegen *cg, struct expr *e, struct loc *out);

#endif
