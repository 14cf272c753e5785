/*
 * hooks.c - tracing events (spec §2.7). With a hook set, the interpreter sends every instruction
 * through its slow path (interp.c, op_hook), which reports the instruction, the registers it
 * reads, and, when the next instruction of the same frame starts, that it completed and the
 * register it wrote (old and new value). Builtins report field and element accesses, variables,
 * upvalues and closures; PUSHARG and CALL report the argument stack. Without a hook none of this
 * code runs.
 */
#include <stdio.h>
#include <string.h>

#include "vm_internal.h"

void vm_hook_value(vm_state *vm, vm_val v, stoffel_vm_value *out, uint8_t *pending)
{
    if (pending)
        *pending = v.kind == VK_PENDING;
    val_to_public(vm, v, out);
}

int vm_hook_emit(vm_state *vm, stoffel_vm_event *ev)
{
    if (!vm->hook)
        return 0;
    if (!ev->function && vm->depth > 0) {
        const vm_frame *f = &vm->frames[vm->depth - 1];
        const vm_function *fn = &vm->prog->fns[f->fn];
        ev->function = fn->name;
        ev->ip = f->ip;
        ev->opcode = f->ip < fn->instr_count ? fn->code[f->ip].op : STOFFEL_VM_OP_RET;
    }
    if (!ev->depth)
        ev->depth = vm->depth;
    int rc = vm->hook(vm->hook_ud, ev);
    if (rc)
        return vm_fail(vm, rc < 0 ? rc : STOFFEL_ERR_CANCELLED, "aborted by a hook (status %d)", rc);
    return 0;
}

int vm_hook_access(vm_state *vm, stoffel_vm_event_kind kind, vm_val table, vm_val key, vm_val old, vm_val value)
{
    stoffel_vm_event ev = {.kind = kind};
    vm_hook_value(vm, table, &ev.table, NULL);
    vm_hook_value(vm, key, &ev.key, NULL);
    vm_hook_value(vm, old, &ev.old_value, &ev.old_pending);
    vm_hook_value(vm, value, &ev.value, &ev.pending);
    return vm_hook_emit(vm, &ev);
}

int vm_hook_named(vm_state *vm, stoffel_vm_event_kind kind, const char *name, vm_val old, vm_val value)
{
    stoffel_vm_event ev = {.kind = kind, .name = name};
    vm_hook_value(vm, old, &ev.old_value, &ev.old_pending);
    vm_hook_value(vm, value, &ev.value, &ev.pending);
    return vm_hook_emit(vm, &ev);
}

/* The register an instruction writes, or -1 (CALL: r0, through the calling convention). */
static long written_register(const vm_instr *in)
{
    switch (in->op) {
    case STOFFEL_VM_OP_LD: case STOFFEL_VM_OP_LDI: case STOFFEL_VM_OP_MOV: case STOFFEL_VM_OP_NOT:
    case STOFFEL_VM_OP_LDS: case STOFFEL_VM_OP_ADD: case STOFFEL_VM_OP_SUB: case STOFFEL_VM_OP_MUL:
    case STOFFEL_VM_OP_DIV: case STOFFEL_VM_OP_MOD: case STOFFEL_VM_OP_AND: case STOFFEL_VM_OP_OR:
    case STOFFEL_VM_OP_XOR: case STOFFEL_VM_OP_SHL: case STOFFEL_VM_OP_SHR:
        return in->a;
    case STOFFEL_VM_OP_CALL:
        return 0;
    default:
        return -1;
    }
}

/* The registers an instruction reads (at most two). */
static int read_registers(const vm_instr *in, uint32_t regs[2])
{
    switch (in->op) {
    case STOFFEL_VM_OP_ADD: case STOFFEL_VM_OP_SUB: case STOFFEL_VM_OP_MUL: case STOFFEL_VM_OP_DIV:
    case STOFFEL_VM_OP_MOD: case STOFFEL_VM_OP_AND: case STOFFEL_VM_OP_OR: case STOFFEL_VM_OP_XOR:
    case STOFFEL_VM_OP_SHL: case STOFFEL_VM_OP_SHR:
        regs[0] = in->b;
        regs[1] = in->c;
        return 2;
    case STOFFEL_VM_OP_CMP:
        regs[0] = in->a;
        regs[1] = in->b;
        return 2;
    case STOFFEL_VM_OP_MOV: case STOFFEL_VM_OP_NOT: case STOFFEL_VM_OP_STS:
        regs[0] = in->b;
        return 1;
    case STOFFEL_VM_OP_RET: case STOFFEL_VM_OP_PUSHARG:
        regs[0] = in->a;
        return 1;
    default:
        return 0;
    }
}

void vm_hook_frame_clear(vm_state *vm, vm_frame *f)
{
    if (f->hook_ip)
        val_release(vm, &f->hook_old);
    f->hook_ip = 0;
}

/* Reports that the frame's previous instruction completed, and its register write. */
static int hook_after(vm_state *vm, vm_frame *f, size_t depth)
{
    const vm_function *fn = &vm->prog->fns[f->fn];
    size_t ip = f->hook_ip - 1;
    char text[256] = "";
    stoffel_vm_program_format_instruction(vm->prog, f->fn, ip, text, sizeof text);
    stoffel_vm_event ev = {.kind = STOFFEL_VM_EVENT_AFTER_INSTRUCTION, .function = fn->name, .ip = ip,
                           .opcode = fn->code[ip].op, .text = text, .depth = depth};
    int rc = vm_hook_emit(vm, &ev);
    if (!rc && f->hook_reg >= 0) {
        stoffel_vm_event w = {.kind = STOFFEL_VM_EVENT_REGISTER_WRITE, .function = fn->name, .ip = ip,
                              .opcode = fn->code[ip].op, .depth = depth, .reg = (uint32_t)f->hook_reg};
        vm_hook_value(vm, f->hook_old, &w.old_value, &w.old_pending);
        vm_hook_value(vm, vm->regs[f->reg_base + (uint32_t)f->hook_reg], &w.value, &w.pending);
        rc = vm_hook_emit(vm, &w);
    }
    vm_hook_frame_clear(vm, f);
    return rc;
}

int vm_hook_before(vm_state *vm, vm_frame *f, size_t ip)
{
    size_t depth = (size_t)(f - vm->frames) + 1;
    const vm_function *fn = &vm->prog->fns[f->fn];
    int rc;
    if (f->hook_ip && (rc = hook_after(vm, f, depth)))
        return rc;
    char text[256] = "RET(0) (end of code)";
    stoffel_vm_program_format_instruction(vm->prog, f->fn, ip, text, sizeof text);
    const vm_instr *in = &fn->code[ip];
    int op = ip < fn->instr_count ? in->op : STOFFEL_VM_OP_RET;
    stoffel_vm_event ev = {.kind = STOFFEL_VM_EVENT_INSTRUCTION, .function = fn->name, .ip = ip,
                           .opcode = op, .text = text, .depth = depth};
    if ((rc = vm_hook_emit(vm, &ev)))
        return rc;
    if (ip >= fn->instr_count)
        return 0; /* the implicit RET r0 */
    uint32_t regs[2];
    int nread = read_registers(in, regs);
    for (int i = 0; i < nread; i++) {
        stoffel_vm_event r = {.kind = STOFFEL_VM_EVENT_REGISTER_READ, .function = fn->name, .ip = ip,
                              .opcode = op, .depth = depth, .reg = regs[i]};
        vm_hook_value(vm, vm->regs[f->reg_base + regs[i]], &r.value, &r.pending);
        if ((rc = vm_hook_emit(vm, &r)))
            return rc;
    }
    if (op == STOFFEL_VM_OP_RET)
        return 0; /* reported as RETURN */
    /* Remember what the instruction will overwrite; reported when the frame runs on. */
    f->hook_ip = ip + 1;
    f->hook_reg = written_register(in);
    f->hook_old = f->hook_reg >= 0 ? vm->regs[f->reg_base + (uint32_t)f->hook_reg] : val_unit();
    val_retain(f->hook_old);
    return 0;
}
