/*
 * secret_queue.c - the queue of interactive secret operations (DESIGN.md, "Cost model").
 * Multiplications of shares, reveals, secret comparisons and divisions, and the whole-array
 * builtins' own steps (effects) are queued with their destination register, which becomes
 * pending (PendingReveal, spec §2.2); a MOV of a pending register makes its destination wait for
 * the same operation instead of forcing it. When an instruction reads a pending value the whole
 * queue becomes ONE batch of requests (one per kind and width, plus one per effect), run by
 * stoffel_mpc_engine_execute or by the host (resumable mode), so independent operations in
 * straight-line code share rounds.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vm_internal.h"

static size_t elem_size(vm_state *vm)
{
    return stoffel_mpc_field_elem_size(stoffel_mpc_engine_field(vm->engine));
}

int secret_pending(vm_state *vm)
{
    return vm->q.live > 0;
}

static void op_cancel(vm_state *vm, vm_pending_op *op)
{
    if (!op->cancelled) {
        op->cancelled = 1;
        vm->q.live--;
        if (op->sticky)
            vm->q.sticky--;
    }
}

static void share_unref(vm_state *vm, vm_share **s)
{
    if (*s) {
        vm_val x = {.kind = STOFFEL_VM_SHARE};
        x.as.sh = *s;
        val_release(vm, &x);
        *s = NULL;
    }
}

void secret_effect_free(vm_state *vm, vm_effect *e)
{
    if (!e)
        return;
    if (e->a)
        sodium_memzero(e->a, e->a_len);
    if (e->b)
        sodium_memzero(e->b, e->b_len);
    if (e->out)
        sodium_memzero(e->out, e->out_len);
    vm_free(vm, e->a);
    vm_free(vm, e->b);
    vm_free(vm, e->out);
    vm_free(vm, e);
}

static void op_release(vm_state *vm, vm_pending_op *op)
{
    share_unref(vm, &op->a);
    share_unref(vm, &op->b);
    secret_effect_free(vm, op->effect);
    op->effect = NULL;
}

void val_drop(vm_state *vm, vm_val *v)
{
    if (v->kind == VK_PENDING) {
        /* Overwriting the last register that waits for an operation cancels it (spec §3.3). */
        if (v->aux < vm->q.count) {
            vm_pending_op *op = &vm->q.ops[v->aux];
            if (op->refs && --op->refs == 0 && !op->sticky)
                op_cancel(vm, op);
        }
        v->kind = STOFFEL_VM_UNIT;
        v->as.u = 0;
        return;
    }
    val_release(vm, v);
}

int secret_enqueue(vm_state *vm, vm_pending_op *op, vm_frame *f, uint32_t dst)
{
    if (vm->q.count == vm->q.cap) {
        size_t cap = vm->q.cap ? vm->q.cap * 2 : 64;
        vm_pending_op *ops = vm_realloc(vm, vm->q.ops, cap * sizeof *ops);
        if (!ops) {
            op_release(vm, op);
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        }
        vm->q.ops = ops;
        vm->q.cap = cap;
    }
    op->depth = (size_t)(f - vm->frames) + 1;
    op->refs = 1;
    op->cancelled = 0;
    vm->q.ops[vm->q.count] = *op;
    vm_val *slot = &vm->regs[f->reg_base + dst];
    if (IS_DIRTY(slot->kind))
        val_drop(vm, slot);
    slot->kind = VK_PENDING;
    slot->aux = (uint32_t)vm->q.count;
    slot->as.u = 0;
    vm->q.count++;
    vm->q.live++;
    if (op->sticky)
        vm->q.sticky++;
    if (op->kind == STOFFEL_MPC_OP_MUL)
        vm->stats.secret_mul++;
    if (op->kind == STOFFEL_MPC_OP_OPEN)
        vm->stats.reveals++;
    return 0;
}

int secret_enqueue_effect(vm_state *vm, vm_effect *e, int sticky)
{
    vm_pending_op op = {.kind = VM_OP_EFFECT, .effect = e, .sticky = (uint8_t)(sticky != 0)};
    int rc = secret_enqueue(vm, &op, &vm->frames[vm->depth - 1], 0);
    return rc ? rc : VM_DEFERRED;
}

int secret_forward_pending(vm_state *vm, vm_frame *f, uint32_t dst, uint32_t src)
{
    vm_val *R = vm->regs + f->reg_base;
    vm_val v = R[src];
    vm_pending_op *op = &vm->q.ops[v.aux];
    uint32_t ss = vm->cfg.secret_start;
    /* A reveal needs the share itself; a clear result entering the secret bank must be shared
     * (openings and builtin effects produce clear values). */
    if (src >= ss && dst < ss)
        return VM_NEED_FLUSH;
    if (dst >= ss && (op->kind == STOFFEL_MPC_OP_OPEN || op->kind == VM_OP_EFFECT))
        return VM_NEED_FLUSH;
    if (dst == src)
        return 0;
    op->refs++;
    if (IS_DIRTY(R[dst].kind))
        val_drop(vm, &R[dst]);
    R[dst] = v;
    return 0;
}

void secret_discard_from(vm_state *vm, size_t depth)
{
    if (vm->q.count == 0)
        return;
    if (vm->q.in_flight)
        return; /* results of an in-flight batch are dropped at finish for cancelled ops */
    int any = 0;
    for (size_t i = 0; i < vm->q.count; i++) {
        vm_pending_op *op = &vm->q.ops[i];
        if (op->depth >= depth && (!op->sticky || depth == 0))
            op_cancel(vm, op);
        any |= !op->cancelled;
    }
    if (!any) {
        for (size_t i = 0; i < vm->q.count; i++)
            op_release(vm, &vm->q.ops[i]);
        vm->q.count = 0;
        vm->q.live = 0;
        vm->q.sticky = 0;
    }
}

void secret_queue_free(vm_state *vm)
{
    for (size_t i = 0; i < vm->q.count; i++)
        op_release(vm, &vm->q.ops[i]);
    vm_free(vm, vm->q.ops);
    if (vm->q.buf)
        sodium_memzero(vm->q.buf, vm->q.buf_cap);
    vm_free(vm, vm->q.buf);
    vm_free(vm, vm->q.reqs);
    vm_free(vm, vm->q.req_first);
    vm_free(vm, vm->q.order);
    memset(&vm->q, 0, sizeof vm->q);
}

static int same_group(const vm_pending_op *x, const vm_pending_op *y)
{
    return x->kind != VM_OP_EFFECT && x->kind == y->kind && x->bits == y->bits && x->shift == y->shift &&
           x->is_signed == y->is_signed;
}

static size_t out_size(vm_state *vm, stoffel_mpc_op_kind kind)
{
    return kind == STOFFEL_MPC_OP_OPEN ? elem_size(vm) : vm->share_size;
}

static int b_is_public(stoffel_mpc_op_kind k)
{
    return k == STOFFEL_MPC_OP_DIV_PUBLIC || k == STOFFEL_MPC_OP_REM_PUBLIC;
}

/* Bytes of operand and output storage a group of n ops like `op` needs. */
static size_t group_bytes(vm_state *vm, const vm_pending_op *op, size_t n)
{
    size_t ss = vm->share_size;
    size_t b = op->b ? (b_is_public(op->kind) ? elem_size(vm) : ss) : 0;
    return n * (ss + b + out_size(vm, op->kind));
}

int secret_prepare_batch(vm_state *vm)
{
    vm_queue *q = &vm->q;
    int rc = secret_need_engine(vm, "a secret operation");
    if (rc)
        return rc;
    size_t live = 0;
    for (size_t i = 0; i < q->count; i++)
        live += !q->ops[i].cancelled;
    if (live == 0)
        return vm_fail(vm, STOFFEL_ERR_INTERNAL, "a pending register has no queued operation");
    vm_free(vm, q->order);
    vm_free(vm, q->req_first);
    vm_free(vm, q->reqs);
    q->order = vm_malloc(vm, live * sizeof *q->order);
    q->req_first = vm_malloc(vm, (live + 1) * sizeof *q->req_first);
    q->reqs = vm_calloc(vm, live, sizeof *q->reqs);
    uint8_t *done = vm_calloc(vm, q->count, 1);
    if (!q->order || !q->req_first || !q->reqs || !done) {
        vm_free(vm, done);
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    /* Group live ops: one request per (kind, bits, shift, signedness) in first-seen order; each
     * effect is a request of its own. */
    size_t nreq = 0, placed = 0;
    for (size_t i = 0; i < q->count; i++) {
        if (q->ops[i].cancelled || done[i])
            continue;
        q->req_first[nreq] = placed;
        done[i] = 1;
        q->order[placed++] = i;
        for (size_t j = i + 1; j < q->count; j++)
            if (!q->ops[j].cancelled && !done[j] && same_group(&q->ops[i], &q->ops[j])) {
                done[j] = 1;
                q->order[placed++] = j;
            }
        nreq++;
    }
    q->req_first[nreq] = placed;
    vm_free(vm, done);
    /* Storage: operands and outputs of every grouped request, packed. */
    size_t ss = vm->share_size, es = elem_size(vm), total = 0;
    for (size_t r = 0; r < nreq; r++) {
        const vm_pending_op *op = &q->ops[q->order[q->req_first[r]]];
        if (op->kind != VM_OP_EFFECT)
            total += group_bytes(vm, op, q->req_first[r + 1] - q->req_first[r]);
    }
    if (total > q->buf_cap) {
        if (q->buf)
            sodium_memzero(q->buf, q->buf_cap);
        vm_free(vm, q->buf);
        q->buf = vm_malloc(vm, total);
        q->buf_cap = q->buf ? total : 0;
        if (!q->buf)
            return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    uint8_t *p = q->buf;
    for (size_t r = 0; r < nreq; r++) {
        const vm_pending_op *first = &q->ops[q->order[q->req_first[r]]];
        stoffel_mpc_request *req = &q->reqs[r];
        if (first->kind == VM_OP_EFFECT) {
            *req = first->effect->req; /* buffers belong to the effect */
            continue;
        }
        size_t n = q->req_first[r + 1] - q->req_first[r];
        memset(req, 0, sizeof *req);
        req->kind = first->kind;
        req->count = n;
        req->bits = first->bits;
        req->shift = first->shift;
        req->is_signed = first->is_signed;
        size_t bs = b_is_public(first->kind) ? es : ss;
        uint8_t *a = p;
        p += n * ss;
        uint8_t *b = NULL;
        if (first->b) {
            b = p;
            p += n * bs;
        }
        uint8_t *out = p;
        p += n * out_size(vm, first->kind);
        for (size_t k = 0; k < n; k++) {
            const vm_pending_op *op = &q->ops[q->order[q->req_first[r] + k]];
            memcpy(a + k * ss, op->a->bytes, ss);
            if (b)
                memcpy(b + k * bs, op->b->bytes, bs);
        }
        req->a = a;
        req->b = b;
        req->out = out;
    }
    q->nreqs = nreq;
    q->in_flight = 1;
    vm->stats.mpc_batches++;
    return 0;
}

static const char *kind_name(stoffel_mpc_op_kind k)
{
    switch (k) {
    case STOFFEL_MPC_OP_MUL: return "secret multiplication";
    case STOFFEL_MPC_OP_OPEN: return "opening a share";
    case STOFFEL_MPC_OP_LT: case STOFFEL_MPC_OP_LE: case STOFFEL_MPC_OP_GT: case STOFFEL_MPC_OP_GE:
        return "secret comparison";
    case STOFFEL_MPC_OP_EQ: case STOFFEL_MPC_OP_NE: return "secret equality test";
    case STOFFEL_MPC_OP_DIV: case STOFFEL_MPC_OP_DIV_PUBLIC: return "secret integer division";
    case STOFFEL_MPC_OP_REM: case STOFFEL_MPC_OP_REM_PUBLIC: return "secret integer remainder";
    case STOFFEL_MPC_OP_TRUNC: case STOFFEL_MPC_OP_TRUNC_PR: return "secret truncation";
    case STOFFEL_MPC_OP_RANDOM: case STOFFEL_MPC_OP_RANDOM_INT: case STOFFEL_MPC_OP_RANDOM_BIT:
        return "secret randomness";
    case STOFFEL_MPC_OP_OUTPUT: return "client output";
    default: return "an MPC operation";
    }
}

/* The result of one completed op: *out (state 1), or a follow-up op in *next (state 2). */
static int op_complete(vm_state *vm, vm_pending_op *op, const stoffel_mpc_request *req, size_t k,
                       vm_val *out, vm_pending_op *next)
{
    if (op->kind == VM_OP_EFFECT) {
        int rc = op->effect->finish(vm, op->effect, out);
        if (rc == VM_EFFECT_AGAIN) {
            *next = *op;
            next->cancelled = 0;
            op->effect = NULL; /* moved */
            return 2;
        }
        return rc ? rc : 1;
    }
    const uint8_t *res = req->out + k * out_size(vm, req->kind);
    int rc;
    if (req->kind == STOFFEL_MPC_OP_OPEN)
        return (rc = secret_decode(vm, op->a, res, out)) ? rc : 1;
    if ((rc = val_share(vm, op->type, res, vm->share_size, out)))
        return rc;
    if (op->post == POST_OR || op->post == POST_XOR) {
        /* OR = a + b - ab, XOR = a + b - 2ab on 1-bit shares. */
        uint8_t *m = out->as.sh->bytes;
        if (op->post == POST_XOR)
            rc = stoffel_mpc_engine_add(vm->engine, m, m, m, 1);
        if (!rc)
            rc = stoffel_mpc_engine_sub(vm->engine, op->b->bytes, m, m, 1);
        if (!rc)
            rc = stoffel_mpc_engine_add(vm->engine, op->a->bytes, m, m, 1);
        if (rc) {
            val_release(vm, out);
            return secret_engine_error(vm, rc, "local share arithmetic");
        }
    } else if (op->post == POST_TRUNC) {
        /* Fixed point: the product is truncated by f in the next batch. */
        vm_pending_op t = {.kind = STOFFEL_MPC_OP_TRUNC, .depth = op->depth, .refs = op->refs,
                           .type = op->type, .bits = op->type.bits, .shift = op->type.frac,
                           .is_signed = 1, .a = out->as.sh};
        *next = t;
        out->kind = STOFFEL_VM_UNIT; /* the reference moved into t.a */
        return 2;
    }
    return 1;
}

/* Writes finished results into every register waiting for them and points the registers of
 * continuing ops at their new queue index. Pending registers live only in the frame of their
 * op (MOV forwards within a frame; PUSHARG, STS and RET force the value). */
static int deliver(vm_state *vm, const uint8_t *state, vm_val *results, const uint32_t *remap)
{
    vm_queue *q = &vm->q;
    uint8_t *scan = vm_calloc(vm, vm->depth + 1, 1);
    if (!scan)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < q->count; i++)
        if (state[i] && q->ops[i].depth <= vm->depth)
            scan[q->ops[i].depth] = 1;
    for (size_t d = 1; d <= vm->depth; d++) {
        if (!scan[d])
            continue;
        vm_frame *f = &vm->frames[d - 1];
        vm_val *R = vm->regs + f->reg_base;
        for (uint32_t r = 0; r < f->nregs; r++) {
            if (R[r].kind != VK_PENDING || R[r].aux >= q->count)
                continue;
            uint32_t i = R[r].aux;
            if (state[i] == 1) {
                val_retain(results[i]);
                R[r] = results[i];
            } else if (state[i] == 2) {
                R[r].aux = remap[i];
            }
        }
    }
    vm_free(vm, scan);
    return 0;
}

int secret_finish_batch(vm_state *vm, int status)
{
    vm_queue *q = &vm->q;
    q->in_flight = 0;
    if (status != 0) {
        stoffel_mpc_op_kind k = q->nreqs ? q->reqs[0].kind : STOFFEL_MPC_OP_MUL;
        for (size_t r = 0; r < q->nreqs; r++)
            if (!stoffel_mpc_engine_supports(vm->engine, q->reqs[r].kind))
                k = q->reqs[r].kind;
        return secret_engine_error(vm, status, kind_name(k));
    }
    int rc = 0;
    size_t n = q->count, nnext = 0;
    /* Ops that continue (fixed-point truncation, multi-step effects) form the next queue. */
    vm_pending_op *next = vm_calloc(vm, n ? n : 1, sizeof *next);
    vm_val *results = vm_calloc(vm, n ? n : 1, sizeof *results);
    uint8_t *state = vm_calloc(vm, n ? n : 1, 1);
    uint32_t *remap = vm_calloc(vm, n ? n : 1, sizeof *remap);
    if (!next || !results || !state || !remap) {
        rc = vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t r = 0; r < q->nreqs && !rc; r++) {
        const stoffel_mpc_request *req = &q->reqs[r];
        for (size_t k = 0; k < q->req_first[r + 1] - q->req_first[r] && !rc; k++) {
            size_t i = q->order[q->req_first[r] + k];
            vm_pending_op *op = &q->ops[i];
            if (op->cancelled || op->depth > vm->depth)
                continue;
            int st = op_complete(vm, op, req, k, &results[i], &next[nnext]);
            if (st < 0) {
                rc = st;
                break;
            }
            if (st == 2)
                remap[i] = (uint32_t)nnext++;
            state[i] = (uint8_t)st;
        }
    }
    if (!rc)
        rc = deliver(vm, state, results, remap);
out:
    for (size_t i = 0; results && state && i < n; i++)
        if (state[i] == 1)
            val_release(vm, &results[i]);
    for (size_t i = 0; i < q->count; i++)
        op_release(vm, &q->ops[i]);
    q->count = 0;
    q->live = 0;
    q->sticky = 0;
    /* q->cap >= the old count >= nnext: the follow-ups fit. */
    for (size_t i = 0; i < nnext; i++) {
        if (rc) {
            op_release(vm, &next[i]);
            continue;
        }
        q->ops[q->count++] = next[i];
        q->live++;
        q->sticky += next[i].sticky;
    }
    vm_free(vm, next);
    vm_free(vm, results);
    vm_free(vm, state);
    vm_free(vm, remap);
    if (q->buf)
        sodium_memzero(q->buf, q->buf_cap);
    return rc;
}

int secret_flush_now(vm_state *vm)
{
    for (int rounds = 0; rounds < 4 && secret_pending(vm); rounds++) {
        int rc = secret_prepare_batch(vm);
        if (rc)
            return rc;
        int erc = stoffel_mpc_engine_execute(vm->engine, vm->q.reqs, vm->q.nreqs);
        if ((rc = secret_finish_batch(vm, erc)))
            return rc;
    }
    return 0;
}
