/* vm.c - the VM handle: creation, the namespace of callables, errors, limits, host interfaces,
 * and the run / resume / execute entry points around the interpreter loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vm_internal.h"

void stoffel_vm_config_defaults(stoffel_vm_config *c)
{
    if (!c)
        return;
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    c->secret_start = 16;
    c->instruction_budget = 0;
    c->max_call_depth = 10000;
    c->max_memory_bytes = (size_t)1 << 30;
    c->max_spill_slots = 1u << 20;
    c->with_builtins = 1;
    c->batch_reveals = 1;
}

/* ---- memory ------------------------------------------------------------------------------ */

static void *std_alloc(void *ud, size_t n)
{
    (void)ud;
    return malloc(n);
}
static void *std_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return realloc(p, n);
}
static void std_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

const stoffel_vm_allocator *vm_default_allocator(void)
{
    static const stoffel_vm_allocator std = {sizeof std, std_alloc, std_realloc, std_free, NULL};
    return &std;
}

void vm_allocator_resolve(const stoffel_vm_allocator *in, stoffel_vm_allocator *out)
{
    if (in && in->struct_size >= sizeof *in && in->alloc && in->realloc && in->free) {
        *out = *in;
        out->struct_size = sizeof *out;
        return;
    }
    *out = (stoffel_vm_allocator){sizeof *out, std_alloc, std_realloc, std_free, NULL};
}

void *vm_calloc(vm_state *vm, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    void *p = vm_malloc(vm, bytes);
    if (p)
        memset(p, 0, bytes ? bytes : 1);
    return p;
}

char *vm_strdup_n(vm_state *vm, const char *s, size_t len)
{
    char *p = vm_malloc(vm, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = 0;
    }
    return p;
}

int vm_error(vm_state *vm, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->error, sizeof vm->error, fmt, ap);
    va_end(ap);
    return status;
}

int vm_fail(vm_state *vm, int status, const char *fmt, ...)
{
    char cause[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cause, sizeof cause, fmt, ap);
    va_end(ap);
    if (vm->depth > 0) {
        const vm_frame *f = &vm->frames[vm->depth - 1];
        const vm_function *fn = &vm->prog->fns[f->fn];
        const char *op = f->ip < fn->instr_count ? stoffel_vm_opcode_name(fn->code[f->ip].op) : "RET";
        snprintf(vm->error, sizeof vm->error, "runtime error in function '%s' at instruction %zu (%s): %s",
                 fn->name, f->ip, op ? op : "?", cause);
    } else {
        snprintf(vm->error, sizeof vm->error, "%s", cause);
    }
    return status;
}

int vm_mem_charge(vm_state *vm, size_t bytes)
{
    vm->mem_used += bytes;
    if (vm->cfg.max_memory_bytes && vm->mem_used > vm->cfg.max_memory_bytes) {
        vm->mem_used -= bytes;
        return vm_fail(vm, STOFFEL_ERR_LIMIT, "memory limit of %zu bytes exceeded", vm->cfg.max_memory_bytes);
    }
    return 0;
}

/* ---- the namespace ------------------------------------------------------------------------ */

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

long vm_find_target(vm_state *vm, const char *name)
{
    if (!vm->target_index_cap)
        return -1;
    size_t s = name_hash(name) & (vm->target_index_cap - 1);
    while (vm->target_index[s]) {
        uint32_t t = vm->target_index[s] - 1;
        if (strcmp(vm->targets[t].name, name) == 0)
            return t;
        s = (s + 1) & (vm->target_index_cap - 1);
    }
    return -1;
}

static int target_reindex(vm_state *vm, size_t cap)
{
    uint32_t *idx = vm_calloc(vm, cap, sizeof *idx);
    if (!idx)
        return STOFFEL_ERR_NOMEM;
    for (size_t i = 0; i < vm->ntargets; i++) {
        size_t s = name_hash(vm->targets[i].name) & (cap - 1);
        while (idx[s])
            s = (s + 1) & (cap - 1);
        idx[s] = (uint32_t)i + 1;
    }
    vm_free(vm, vm->target_index);
    vm->target_index = idx;
    vm->target_index_cap = cap;
    return 0;
}

static int add_target(vm_state *vm, const vm_target *t)
{
    if (vm_find_target(vm, t->name) >= 0)
        return vm_error(vm, STOFFEL_VM_ERR_DUPLICATE, "function '%s' is already registered (FunctionAlreadyRegistered)", t->name);
    if (vm->ntargets == vm->targets_cap) {
        size_t cap = vm->targets_cap ? vm->targets_cap * 2 : 256;
        vm_target *n = vm_realloc(vm, vm->targets, cap * sizeof *n);
        if (!n)
            return vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
        vm->targets = n;
        vm->targets_cap = cap;
    }
    vm_target c = *t;
    if (!(c.name = vm_strdup_n(vm, t->name, strlen(t->name))))
        return vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
    vm->targets[vm->ntargets++] = c;
    if (vm->ntargets * 2 > vm->target_index_cap &&
        target_reindex(vm, vm->target_index_cap ? vm->target_index_cap * 2 : 512))
        return vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
    /* Reindex covers the new entry; otherwise insert it. */
    if (vm_find_target(vm, c.name) < 0) {
        size_t s = name_hash(c.name) & (vm->target_index_cap - 1);
        while (vm->target_index[s])
            s = (s + 1) & (vm->target_index_cap - 1);
        vm->target_index[s] = (uint32_t)vm->ntargets;
    }
    return 0;
}

int vm_register_builtin(vm_state *vm, const char *name, vm_builtin_fn fn)
{
    vm_target t = {.name = (char *)name, .kind = TARGET_BUILTIN, .builtin = fn};
    return add_target(vm, &t);
}

int vm_register_method(vm_state *vm, const char *name, vm_builtin_fn fn, const char *receiver)
{
    vm_target t = {.name = (char *)name, .kind = TARGET_BUILTIN, .builtin = fn, .receiver = receiver};
    return add_target(vm, &t);
}

int stoffel_vm_register_function(stoffel_vm *vm, const char *name, stoffel_vm_foreign_fn fn, void *userdata)
{
    if (!vm || !name || !*name || !fn)
        return STOFFEL_ERR_INVALID_ARG;
    if (vm->running)
        return vm_error(vm, STOFFEL_ERR_STATE, "cannot register functions while a run is in progress");
    vm_target t = {.name = (char *)name, .kind = TARGET_HOST, .host = fn, .userdata = userdata};
    return add_target(vm, &t);
}

/* ---- creation ----------------------------------------------------------------------------- */

int stoffel_vm_new(const stoffel_vm_program *p, const stoffel_vm_config *config, stoffel_vm **out,
                   char *err, size_t err_len)
{
    if (err && err_len)
        err[0] = 0;
    if (!p || !out) {
        vm_set_err(err, err_len, "invalid argument");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (sodium_init() < 0) {
        vm_set_err(err, err_len, "libsodium failed to initialise");
        return STOFFEL_ERR_INTERNAL;
    }
    /* Configs from before the allocator field was added are accepted (the allocator defaults). */
    size_t min_size = offsetof(stoffel_vm_config, allocator);
    if (config && config->struct_size < min_size) {
        vm_set_err(err, err_len, "stoffel_vm_config.struct_size is %zu, expected %zu (use stoffel_vm_config_defaults)", config->struct_size, sizeof(stoffel_vm_config));
        return STOFFEL_ERR_INVALID_ARG;
    }
    stoffel_vm_allocator mem;
    vm_allocator_resolve(config && config->struct_size >= sizeof *config ? config->allocator : NULL, &mem);
    if (config && config->struct_size >= sizeof *config && config->allocator &&
        (config->allocator->struct_size < sizeof mem || !config->allocator->alloc ||
         !config->allocator->realloc || !config->allocator->free)) {
        vm_set_err(err, err_len, "stoffel_vm_allocator needs struct_size and all three functions");
        return STOFFEL_ERR_INVALID_ARG;
    }
    vm_state *vm = mem.alloc(mem.userdata, sizeof *vm);
    if (!vm) {
        vm_set_err(err, err_len, "out of memory creating the VM");
        return STOFFEL_ERR_NOMEM;
    }
    memset(vm, 0, sizeof *vm);
    vm->mem = mem;
    stoffel_vm_config_defaults(&vm->cfg);
    if (config) {
        memcpy(&vm->cfg, config, config->struct_size < sizeof vm->cfg ? config->struct_size : sizeof vm->cfg);
        vm->cfg.struct_size = sizeof(stoffel_vm_config);
        vm->cfg.allocator = NULL; /* copied into vm->mem */
    }
    vm->prog = p;
    int rc = 0;
    if (p->const_count) {
        vm->consts = vm_calloc(vm, p->const_count, sizeof *vm->consts);
        if (!vm->consts) {
            rc = vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < p->const_count && !rc; i++)
            rc = val_from_public(vm, &p->consts[i], &vm->consts[i]);
        if (rc)
            goto fail;
    }
    if (p->fn_count) {
        vm->call_cache = vm_calloc(vm, p->fn_count, sizeof *vm->call_cache);
        if (!vm->call_cache) {
            rc = vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    for (size_t i = 0; i < p->fn_count; i++) {
        if (p->fns[i].name_count) {
            vm->call_cache[i] = vm_calloc(vm, p->fns[i].name_count, sizeof **vm->call_cache);
            if (!vm->call_cache[i]) {
                rc = vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
                goto fail;
            }
        }
    }
    if (vm->cfg.with_builtins) {
        if ((rc = register_core_builtins(vm)) || (rc = register_collection_builtins(vm)) ||
            (rc = register_mpc_builtins(vm)) || (rc = register_crypto_builtins(vm)))
            goto fail;
    }
    for (size_t i = 0; i < p->fn_count; i++) {
        vm_target t = {.name = p->fns[i].name, .kind = TARGET_VM, .fn_index = (uint32_t)i};
        if ((rc = add_target(vm, &t)))
            goto fail;
    }
    *out = vm;
    return 0;
fail:
    vm_set_err(err, err_len, "%s", vm->error);
    stoffel_vm_free(vm);
    return rc;
}

static void frames_unwind(vm_state *vm, size_t to_depth)
{
    while (vm->depth > to_depth)
        vm_pop_frame(vm);
}

static void run_reset(vm_state *vm)
{
    frames_unwind(vm, 0);
    while (vm->nargs)
        val_release(vm, &vm->args[--vm->nargs]);
    vm->q.in_flight = 0;
    secret_discard_from(vm, 0);
    val_release(vm, &vm->result);
    val_release(vm, &vm->handout);
    vm->running = 0;
    vm->finished = 0;
    vm->cancel = 0;
}

void stoffel_vm_free(stoffel_vm *vm)
{
    if (!vm)
        return;
    run_reset(vm);
    secret_queue_free(vm);
    table_free_all(vm);
    for (size_t i = 0; vm->consts && i < vm->prog->const_count; i++)
        val_release(vm, &vm->consts[i]);
    vm_free(vm, vm->consts);
    for (size_t i = 0; vm->call_cache && i < vm->prog->fn_count; i++)
        vm_free(vm, vm->call_cache[i]);
    vm_free(vm, vm->call_cache);
    for (size_t i = 0; i < vm->ntargets; i++)
        vm_free(vm, vm->targets[i].name);
    vm_free(vm, vm->targets);
    vm_free(vm, vm->target_index);
    vm_free(vm, vm->regs);
    vm_free(vm, vm->frames);
    vm_free(vm, vm->args);
    vm_free(vm, vm->foreign);
    /* globals map */
    for (size_t i = 0; i < vm->globals.count; i++)
        if (vm->globals.entries[i].live) {
            val_release(vm, &vm->globals.entries[i].key);
            val_release(vm, &vm->globals.entries[i].val);
        }
    vm_free(vm, vm->globals.entries);
    vm_free(vm, vm->globals.index);
    stoffel_vm_allocator mem = vm->mem;
    mem.free(mem.userdata, vm);
}

const char *stoffel_vm_last_error(const stoffel_vm *vm) { return vm ? vm->error : "no VM"; }

int stoffel_vm_attach_engine(stoffel_vm *vm, stoffel_mpc_engine *engine)
{
    if (!vm)
        return STOFFEL_ERR_INVALID_ARG;
    if (vm->running)
        return vm_error(vm, STOFFEL_ERR_STATE, "cannot change the engine while a run is in progress");
    vm->engine = engine;
    vm->share_size = engine ? stoffel_mpc_engine_share_size(engine) : 0;
    return 0;
}

int stoffel_vm_set_output(stoffel_vm *vm, stoffel_vm_output_fn fn, void *userdata)
{
    if (!vm)
        return STOFFEL_ERR_INVALID_ARG;
    vm->out_fn = fn;
    vm->out_ud = userdata;
    return 0;
}

int stoffel_vm_set_storage(stoffel_vm *vm, const stoffel_vm_storage *storage, void *userdata)
{
    if (!vm)
        return STOFFEL_ERR_INVALID_ARG;
    if (!storage) {
        vm->has_storage = 0;
        return 0;
    }
    if (storage->struct_size < sizeof *storage || !storage->put || !storage->get || !storage->remove)
        return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "stoffel_vm_storage needs struct_size and all three callbacks");
    vm->storage = *storage;
    vm->storage_ud = userdata;
    vm->has_storage = 1;
    return 0;
}

int stoffel_vm_set_hook(stoffel_vm *vm, stoffel_vm_hook_fn fn, void *userdata)
{
    if (!vm)
        return STOFFEL_ERR_INVALID_ARG;
    vm->hook = fn;
    vm->hook_ud = userdata;
    return 0;
}

int stoffel_vm_cancel(stoffel_vm *vm)
{
    if (!vm)
        return STOFFEL_ERR_INVALID_ARG;
    vm->cancel = 1;
    return 0;
}

int stoffel_vm_get_stats(const stoffel_vm *vm, stoffel_vm_stats *stats)
{
    if (!vm || !stats || stats->struct_size < sizeof *stats)
        return STOFFEL_ERR_INVALID_ARG;
    *stats = vm->stats;
    stats->struct_size = sizeof *stats;
    return 0;
}

/* ---- tables and host objects from C -------------------------------------------------------- */

int stoffel_vm_new_array(stoffel_vm *vm, stoffel_vm_value *out)
{
    if (!vm || !out)
        return STOFFEL_ERR_INVALID_ARG;
    vm_val v;
    int rc = table_new(vm, 1, &v);
    if (!rc)
        val_to_public(vm, v, out);
    return rc;
}

int stoffel_vm_new_object(stoffel_vm *vm, stoffel_vm_value *out)
{
    if (!vm || !out)
        return STOFFEL_ERR_INVALID_ARG;
    vm_val v;
    int rc = table_new(vm, 0, &v);
    if (!rc)
        val_to_public(vm, v, out);
    return rc;
}

/* Implemented in builtins_collections.c: get_field / set_field semantics. */
int field_get(vm_state *vm, vm_val table, vm_val key, vm_val *out);
int field_set(vm_state *vm, vm_val table, vm_val key, vm_val val);

int stoffel_vm_table_get(stoffel_vm *vm, const stoffel_vm_value *table, const stoffel_vm_value *key,
                         stoffel_vm_value *out)
{
    if (!vm || !table || !key || !out)
        return STOFFEL_ERR_INVALID_ARG;
    vm_val t, k, r;
    int rc = val_from_public(vm, table, &t);
    if (rc)
        return rc;
    if (!table_get(vm, t))
        return vm_error(vm, STOFFEL_VM_ERR_TYPE, "not a table");
    if ((rc = val_from_public(vm, key, &k)))
        return rc;
    rc = field_get(vm, t, k, &r);
    val_release(vm, &k);
    if (rc)
        return rc;
    /* r borrows from the table; keep a reference in handout so strings stay valid. */
    val_assign(vm, &vm->handout, r);
    val_release(vm, &r); /* field_get returned a reference of its own */
    val_to_public(vm, vm->handout, out);
    return 0;
}

int stoffel_vm_table_set(stoffel_vm *vm, const stoffel_vm_value *table, const stoffel_vm_value *key,
                         const stoffel_vm_value *value)
{
    if (!vm || !table || !key || !value)
        return STOFFEL_ERR_INVALID_ARG;
    vm_val t, k, v;
    int rc = val_from_public(vm, table, &t);
    if (rc)
        return rc;
    if (!table_get(vm, t))
        return vm_error(vm, STOFFEL_VM_ERR_TYPE, "not a table");
    if ((rc = val_from_public(vm, key, &k)))
        return rc;
    if ((rc = val_from_public(vm, value, &v))) {
        val_release(vm, &k);
        return rc;
    }
    rc = field_set(vm, t, k, v);
    val_release(vm, &k);
    val_release(vm, &v);
    return rc;
}

int stoffel_vm_table_length(stoffel_vm *vm, const stoffel_vm_value *table, size_t *len)
{
    if (!vm || !table || !len)
        return STOFFEL_ERR_INVALID_ARG;
    vm_val t;
    int rc = val_from_public(vm, table, &t);
    if (rc)
        return rc;
    vm_table *tb = table_get(vm, t);
    if (!tb)
        return vm_error(vm, STOFFEL_VM_ERR_TYPE, "not a table");
    *len = tb->is_array ? (size_t)tb->length : map_count(&tb->map);
    return 0;
}

int stoffel_vm_new_foreign(stoffel_vm *vm, void *ptr, stoffel_vm_value *out)
{
    if (!vm || !out)
        return STOFFEL_ERR_INVALID_ARG;
    if (vm->nforeign == vm->foreign_cap) {
        size_t cap = vm->foreign_cap ? vm->foreign_cap * 2 : 16;
        void **f = vm_realloc(vm, vm->foreign, cap * sizeof *f);
        if (!f)
            return vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
        vm->foreign = f;
        vm->foreign_cap = cap;
    }
    vm->foreign[vm->nforeign++] = ptr;
    memset(out, 0, sizeof *out);
    out->kind = STOFFEL_VM_FOREIGN;
    out->as.handle = vm->nforeign;
    return 0;
}

int stoffel_vm_foreign_get(stoffel_vm *vm, const stoffel_vm_value *value, void **ptr)
{
    if (!vm || !value || !ptr)
        return STOFFEL_ERR_INVALID_ARG;
    if (value->kind != STOFFEL_VM_FOREIGN || value->as.handle == 0 || value->as.handle > vm->nforeign)
        return vm_error(vm, STOFFEL_VM_ERR_TYPE, "not a foreign object of this VM");
    *ptr = vm->foreign[value->as.handle - 1];
    return 0;
}

int stoffel_vm_format_value(stoffel_vm *vm, const stoffel_vm_value *value, stoffel_vm_format_style style,
                            char **text)
{
    if (!vm || !value || !text)
        return STOFFEL_ERR_INVALID_ARG;
    vm_val v;
    int rc = val_from_public(vm, value, &v);
    if (rc)
        return rc;
    vm_sbuf s = {0};
    format_value(vm, &s, v, style, 0);
    sbuf_put(&s, "", 0);
    val_release(vm, &v);
    if (s.failed || !s.buf) {
        sbuf_free(&s);
        return vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
    }
    *text = s.buf;
    return 0;
}

/* ---- running ------------------------------------------------------------------------------ */

int stoffel_vm_start(stoffel_vm *vm, const char *entry, const stoffel_vm_value *args, size_t nargs)
{
    if (!vm || !entry || (nargs && !args))
        return STOFFEL_ERR_INVALID_ARG;
    run_reset(vm);
    vm->error[0] = 0;
    long t = vm_find_target(vm, entry);
    if (t < 0 || vm->targets[t].kind != TARGET_VM)
        return vm_error(vm, STOFFEL_ERR_NOT_FOUND, "no function '%s' in the program", entry);
    uint32_t fi = vm->targets[t].fn_index;
    const vm_function *fn = &vm->prog->fns[fi];
    if (fn->upvalue_count)
        return vm_error(vm, STOFFEL_ERR_INVALID_ARG, "entry function '%s' declares upvalues; entry functions may not", entry);
    if (nargs != fn->param_count)
        return vm_error(vm, STOFFEL_VM_ERR_ARITY, "function '%s' takes %zu arguments, got %zu (FunctionArityMismatch)", entry, fn->param_count, nargs);
    vm_val *vals = nargs ? vm_calloc(vm, nargs, sizeof *vals) : NULL;
    if (nargs && !vals)
        return vm_error(vm, STOFFEL_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < nargs && !rc; i++)
        rc = val_from_public(vm, &args[i], &vals[i]);
    if (!rc)
        rc = vm_push_frame(vm, fi, vals, nargs, NULL);
    for (size_t i = 0; i < nargs; i++)
        val_release(vm, &vals[i]);
    vm_free(vm, vals);
    if (rc) {
        run_reset(vm);
        return rc;
    }
    vm->entry_depth = 1;
    vm->running = 1;
    /* Every dispatch takes one from the budget and stops at 0: N instructions need N + 1. */
    vm->budget_left = vm->cfg.instruction_budget && vm->cfg.instruction_budget < UINT64_MAX ? vm->cfg.instruction_budget + 1 : UINT64_MAX;
    return 0;
}

int stoffel_vm_run(stoffel_vm *vm, stoffel_vm_run_state *state)
{
    if (!vm || !state)
        return STOFFEL_ERR_INVALID_ARG;
    if (vm->finished) {
        *state = STOFFEL_VM_RUN_DONE;
        return 0;
    }
    if (!vm->running)
        return vm_error(vm, STOFFEL_ERR_STATE, "no run in progress: call stoffel_vm_start first");
    if (vm->q.in_flight)
        return vm_error(vm, STOFFEL_ERR_STATE, "an MPC batch is pending: complete it with stoffel_vm_complete_mpc first");
    int rc = interp_run(vm);
    if (rc < 0) {
        char msg[sizeof vm->error];
        memcpy(msg, vm->error, sizeof msg);
        run_reset(vm);
        memcpy(vm->error, msg, sizeof msg);
        return rc;
    }
    if (rc == 1) {
        *state = STOFFEL_VM_RUN_NEED_MPC;
        return 0;
    }
    vm->running = 0;
    vm->finished = 1;
    *state = STOFFEL_VM_RUN_DONE;
    return 0;
}

int stoffel_vm_pending_mpc(stoffel_vm *vm, stoffel_mpc_request **requests, size_t *count)
{
    if (!vm || !requests || !count)
        return STOFFEL_ERR_INVALID_ARG;
    if (!vm->q.in_flight)
        return vm_error(vm, STOFFEL_ERR_STATE, "no MPC batch is pending");
    *requests = vm->q.reqs;
    *count = vm->q.nreqs;
    return 0;
}

int stoffel_vm_complete_mpc(stoffel_vm *vm, int status)
{
    if (!vm)
        return STOFFEL_ERR_INVALID_ARG;
    if (!vm->q.in_flight)
        return vm_error(vm, STOFFEL_ERR_STATE, "no MPC batch is pending");
    int rc = secret_finish_batch(vm, status);
    if (rc) {
        char msg[sizeof vm->error];
        memcpy(msg, vm->error, sizeof msg);
        run_reset(vm);
        memcpy(vm->error, msg, sizeof msg);
    }
    return rc;
}

int stoffel_vm_result(stoffel_vm *vm, stoffel_vm_value *out)
{
    if (!vm || !out)
        return STOFFEL_ERR_INVALID_ARG;
    if (!vm->finished)
        return vm_error(vm, STOFFEL_ERR_STATE, "no finished run");
    val_to_public(vm, vm->result, out);
    return 0;
}

int stoffel_vm_execute(stoffel_vm *vm, const char *entry, const stoffel_vm_value *args, size_t nargs,
                       stoffel_vm_value *result)
{
    int rc = stoffel_vm_start(vm, entry, args, nargs);
    if (rc)
        return rc;
    for (;;) {
        stoffel_vm_run_state st;
        if ((rc = stoffel_vm_run(vm, &st)))
            return rc;
        if (st == STOFFEL_VM_RUN_DONE)
            break;
        int erc = stoffel_mpc_engine_execute(vm->engine, vm->q.reqs, vm->q.nreqs);
        if ((rc = stoffel_vm_complete_mpc(vm, erc)))
            return rc;
    }
    return result ? stoffel_vm_result(vm, result) : 0;
}
