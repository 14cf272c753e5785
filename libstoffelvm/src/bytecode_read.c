/*
 * bytecode_read.c - the .stflb reader for format versions 0..9 (spec §6). Every count is checked
 * against the bytes that remain before anything is allocated for it, and every error names the
 * byte offset and what was expected there.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program_internal.h"

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    unsigned version;
    int status;
    char *err;
    size_t err_len;
    const stoffel_vm_allocator *m; /* the program's */
} reader;

static int fail(reader *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(reader *r, int status, const char *fmt, ...)
{
    if (r->status)
        return r->status;
    r->status = status;
    if (r->err && r->err_len) {
        char what[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        vm_set_err(r->err, r->err_len, "byte offset %zu: %s", r->pos, what);
    }
    return status;
}

static size_t left(const reader *r) { return r->len - r->pos; }

static int need(reader *r, size_t n, const char *what)
{
    if (r->status)
        return r->status;
    if (left(r) < n)
        return fail(r, STOFFEL_ERR_MALFORMED, "expected %s (%zu bytes), but only %zu bytes remain", what, n, left(r));
    return 0;
}

static uint64_t rd_le(reader *r, int n, const char *what)
{
    if (need(r, (size_t)n, what))
        return 0;
    uint64_t x = 0;
    for (int i = 0; i < n; i++)
        x |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
    r->pos += (size_t)n;
    return x;
}

#define RD_U8(r, what) ((uint8_t)rd_le((r), 1, (what)))
#define RD_U16(r, what) ((uint16_t)rd_le((r), 2, (what)))
#define RD_U32(r, what) ((uint32_t)rd_le((r), 4, (what)))
#define RD_U64(r, what) (rd_le((r), 8, (what)))

/* Reads a string with a u16 (or u32) length prefix; returns a malloc'd NUL-terminated copy. */
static char *rd_str(reader *r, int len_bytes, const char *what, size_t *out_len)
{
    size_t start = r->pos;
    size_t n = (size_t)rd_le(r, len_bytes, what);
    if (r->status)
        return NULL;
    if (n > VM_MAX_STRING) {
        r->pos = start;
        fail(r, STOFFEL_ERR_LIMIT, "%s of %zu bytes exceeds the 16 MiB limit", what, n);
        return NULL;
    }
    if (left(r) < n) {
        fail(r, STOFFEL_ERR_MALFORMED, "expected %zu bytes of %s, but only %zu bytes remain", n, what, left(r));
        return NULL;
    }
    if (!vm_utf8_valid(r->p + r->pos, n)) {
        fail(r, STOFFEL_ERR_MALFORMED, "%s is not valid UTF-8", what);
        return NULL;
    }
    char *s = pm_strndup(r->m, (const char *)r->p + r->pos, n);
    if (!s) {
        fail(r, STOFFEL_ERR_NOMEM, "out of memory reading %s", what);
        return NULL;
    }
    r->pos += n;
    if (out_len)
        *out_len = n;
    return s;
}

/* Checks that `count` records of at least `min_size` bytes each can still follow. */
static int check_count(reader *r, uint64_t count, size_t min_size, uint64_t limit, const char *what)
{
    if (r->status)
        return r->status;
    if (count > limit)
        return fail(r, STOFFEL_ERR_LIMIT, "%s count %llu exceeds the limit of %llu", what, (unsigned long long)count, (unsigned long long)limit);
    if (min_size && count > left(r) / min_size)
        return fail(r, STOFFEL_ERR_MALFORMED, "%s count %llu needs at least %llu bytes, but only %zu bytes remain", what, (unsigned long long)count, (unsigned long long)count * min_size, left(r));
    return 0;
}

static void read_const(reader *r, stoffel_vm_value *v)
{
    memset(v, 0, sizeof *v);
    size_t at = r->pos;
    uint8_t tag = RD_U8(r, "a constant tag");
    if (r->status)
        return;
    v->kind = (stoffel_vm_value_kind)tag;
    switch (tag) {
    case 0: break;
    case 1: v->as.i = (int64_t)RD_U64(r, "an I64 constant"); break;
    case 2: v->as.i = (int32_t)RD_U32(r, "an I32 constant"); break;
    case 3: v->as.i = (int16_t)RD_U16(r, "an I16 constant"); break;
    case 4: v->as.i = (int8_t)RD_U8(r, "an I8 constant"); break;
    case 5: v->as.u = RD_U8(r, "a U8 constant"); break;
    case 6: v->as.u = RD_U16(r, "a U16 constant"); break;
    case 7: v->as.u = RD_U32(r, "a U32 constant"); break;
    case 8: v->as.u = RD_U64(r, "a U64 constant"); break;
    case 9: {
        uint64_t bits = RD_U64(r, "a Float constant");
        memcpy(&v->as.f, &bits, sizeof bits);
        break;
    }
    case 10: v->as.b = RD_U8(r, "a Bool constant") != 0; break;
    case 11: {
        size_t n = 0;
        char *s = rd_str(r, 4, "a String constant", &n);
        if (!s) {
            v->kind = STOFFEL_VM_UNIT;
            return;
        }
        v->as.str.ptr = s;
        v->as.str.len = n;
        break;
    }
    default:
        r->pos = at;
        v->kind = STOFFEL_VM_UNIT;
        fail(r, STOFFEL_ERR_MALFORMED, "expected a constant tag 0..11, found %u", tag);
    }
}

static stoffel_vm_type *read_type(reader *r, int depth)
{
    if (depth > 64) {
        fail(r, STOFFEL_ERR_LIMIT, "function type nested deeper than 64 levels");
        return NULL;
    }
    size_t at = r->pos;
    uint8_t tag = RD_U8(r, "a function type tag");
    if (r->status)
        return NULL;
    if (tag > STOFFEL_VM_TYPE_FIXED) {
        r->pos = at;
        fail(r, STOFFEL_ERR_MALFORMED, "expected a function type tag 0..14, found %u", tag);
        return NULL;
    }
    stoffel_vm_type *t = pm_calloc(r->m, 1, sizeof *t);
    if (!t) {
        fail(r, STOFFEL_ERR_NOMEM, "out of memory");
        return NULL;
    }
    t->kind = (stoffel_vm_type_kind)tag;
    switch (t->kind) {
    case STOFFEL_VM_TYPE_INT:
        t->is_signed = RD_U8(r, "the Int type's signed flag") != 0;
        at = r->pos;
        t->bits = RD_U8(r, "the Int type's bit width");
        if (!r->status && t->bits == 0) {
            r->pos = at;
            fail(r, STOFFEL_ERR_MALFORMED, "expected a non-zero Int type bit width");
        }
        break;
    case STOFFEL_VM_TYPE_SECRET:
    case STOFFEL_VM_TYPE_LIST: t->inner = read_type(r, depth + 1); break;
    case STOFFEL_VM_TYPE_DICT:
        t->inner = read_type(r, depth + 1);
        if (!r->status)
            t->value = read_type(r, depth + 1);
        break;
    case STOFFEL_VM_TYPE_OBJECT:
    case STOFFEL_VM_TYPE_TYPEVAR: t->name = rd_str(r, 2, "a type name", NULL); break;
    case STOFFEL_VM_TYPE_GENERIC: {
        t->name = rd_str(r, 2, "a generic type name", NULL);
        uint16_t n = RD_U16(r, "a generic argument count");
        if (check_count(r, n, 1, 65535, "generic argument"))
            break;
        if (n) {
            stoffel_vm_type **args = pm_calloc(r->m, n, sizeof *args);
            if (!args) {
                fail(r, STOFFEL_ERR_NOMEM, "out of memory");
                break;
            }
            t->args = (const stoffel_vm_type *const *)args;
            for (uint16_t i = 0; i < n && !r->status; i++) {
                args[i] = read_type(r, depth + 1);
                t->arg_count = i + 1u;
            }
        }
        break;
    }
    case STOFFEL_VM_TYPE_FIXED:
        at = r->pos;
        t->bits = RD_U8(r, "the Fixed type's bit width");
        if (!r->status && t->bits == 0) {
            r->pos = at;
            fail(r, STOFFEL_ERR_MALFORMED, "expected a non-zero Fixed type bit width");
        }
        break;
    default: break;
    }
    if (r->status) {
        vm_type_free(r->m, t);
        return NULL;
    }
    return t;
}

static char **read_names(reader *r, uint16_t count, const char *what)
{
    if (count == 0 || check_count(r, count, 2, 65535, what))
        return NULL;
    char **names = pm_calloc(r->m, count, sizeof *names);
    if (!names) {
        fail(r, STOFFEL_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (uint16_t i = 0; i < count && !r->status; i++)
        names[i] = rd_str(r, 2, what, NULL);
    if (r->status) {
        for (uint16_t i = 0; i < count; i++)
            pm_free(r->m, names[i]);
        pm_free(r->m, names);
        return NULL;
    }
    return names;
}

static int label_name_cmp(const void *a, const void *b)
{
    return strcmp(((const vm_label *)a)->name, ((const vm_label *)b)->name);
}

static long find_label(const vm_function *f, const char *name)
{
    vm_label key = {.name = (char *)name};
    const vm_label *l = f->label_count ? bsearch(&key, f->labels, f->label_count, sizeof key, label_name_cmp) : NULL;
    return l ? (long)(l - f->labels) : -1;
}

/* Reads one function record into *f (cleared by the caller on failure). */
static void read_function(reader *r, vm_function *f)
{
    f->name = rd_str(r, 2, "a function name", NULL);
    f->stored_registers = RD_U16(r, "the register count");
    uint16_t params = RD_U16(r, "the parameter count");
    if (r->status)
        return;
    f->params = read_names(r, params, "a parameter name");
    if (r->status)
        return;
    f->param_count = params;
    if (r->version >= 5) {
        size_t at = r->pos;
        uint16_t types = RD_U16(r, "the parameter type count");
        if (r->status)
            return;
        if (types != params) {
            r->pos = at;
            fail(r, STOFFEL_ERR_MALFORMED, "expected %u parameter types (one per parameter), found %u", params, types);
            return;
        }
        f->has_types = 1;
        if (params) {
            if (check_count(r, params, 1, 65535, "parameter type"))
                return;
            f->param_types = pm_calloc(r->m, params, sizeof *f->param_types);
            if (!f->param_types) {
                fail(r, STOFFEL_ERR_NOMEM, "out of memory");
                return;
            }
            for (uint16_t i = 0; i < params && !r->status; i++)
                f->param_types[i] = read_type(r, 0);
        }
        if (!r->status)
            f->return_type = read_type(r, 0);
    }
    uint16_t ups = RD_U16(r, "the upvalue count");
    if (r->status)
        return;
    f->upvalues = read_names(r, ups, "an upvalue name");
    if (r->status)
        return;
    f->upvalue_count = ups;
    size_t at = r->pos;
    uint8_t has_parent = RD_U8(r, "the has-parent flag");
    if (r->status)
        return;
    if (has_parent == 1) {
        f->parent = rd_str(r, 2, "the parent function name", NULL);
    } else if (has_parent != 0) {
        r->pos = at;
        fail(r, STOFFEL_ERR_MALFORMED, "expected a has-parent flag of 0 or 1, found %u", has_parent);
        return;
    }
    uint16_t nlabels = RD_U16(r, "the label count");
    if (check_count(r, nlabels, 6, 65535, "label"))
        return;
    if (nlabels) {
        f->labels = pm_calloc(r->m, nlabels, sizeof *f->labels);
        if (!f->labels) {
            fail(r, STOFFEL_ERR_NOMEM, "out of memory");
            return;
        }
    }
    size_t labels_at = r->pos;
    for (uint16_t i = 0; i < nlabels && !r->status; i++) {
        f->labels[i].name = rd_str(r, 2, "a label name", NULL);
        f->labels[i].target = RD_U32(r, "a label target");
        f->label_count = i + 1u;
    }
    if (r->status)
        return;
    /* Sort by name for lookup; drop identical duplicates, reject conflicting ones. */
    if (f->label_count)
        qsort(f->labels, f->label_count, sizeof *f->labels, label_name_cmp);
    size_t w = 0;
    for (size_t i = 0; i < f->label_count; i++) {
        if (w > 0 && strcmp(f->labels[w - 1].name, f->labels[i].name) == 0) {
            if (f->labels[w - 1].target != f->labels[i].target) {
                r->pos = labels_at;
                fail(r, STOFFEL_ERR_MALFORMED, "function '%s': label '%s' is defined twice with different targets (%u and %u)", f->name, f->labels[i].name, f->labels[w - 1].target, f->labels[i].target);
                /* Entries from i on were not kept: free them; the first w stay owned. */
                for (size_t k = i; k < f->label_count; k++)
                    pm_free(r->m, f->labels[k].name);
                f->label_count = w;
                return;
            }
            pm_free(r->m, f->labels[i].name);
            continue;
        }
        f->labels[w++] = f->labels[i];
    }
    f->label_count = w;

    at = r->pos;
    uint32_t ninstr = RD_U32(r, "the instruction count");
    if (check_count(r, ninstr, 1, VM_MAX_INSTRUCTIONS, "instruction"))
        return;
    if (ninstr) {
        f->code = pm_malloc(r->m, (size_t)ninstr * sizeof *f->code);
        if (!f->code) {
            fail(r, STOFFEL_ERR_NOMEM, "out of memory");
            return;
        }
    }
    for (uint32_t i = 0; i < ninstr && !r->status; i++) {
        vm_instr *in = &f->code[i];
        memset(in, 0, sizeof *in);
        size_t op_at = r->pos;
        in->op = RD_U8(r, "an opcode");
        if (r->status)
            return;
        int shape = opcode_shape(in->op);
        if (shape < 0) {
            r->pos = op_at;
            fail(r, STOFFEL_ERR_MALFORMED, "function '%s' instruction %u: expected an opcode 0x00..0x19, found 0x%02x", f->name, i, in->op);
            return;
        }
        switch (shape) {
        case SHAPE_NONE: break;
        case SHAPE_R: in->a = RD_U32(r, "a register operand"); break;
        case SHAPE_RI:
        case SHAPE_RR:
        case SHAPE_RK:
            in->a = RD_U32(r, "an operand");
            in->b = RD_U32(r, "an operand");
            break;
        case SHAPE_RRR:
            in->a = RD_U32(r, "a register operand");
            in->b = RD_U32(r, "a register operand");
            in->c = RD_U32(r, "a register operand");
            break;
        case SHAPE_LABEL: {
            size_t lab_at = r->pos;
            char *name = rd_str(r, 2, "a jump label", NULL);
            if (!name)
                return;
            long li = find_label(f, name);
            if (li < 0) {
                r->pos = lab_at;
                fail(r, STOFFEL_ERR_MALFORMED, "function '%s' instruction %u: jump to unknown label '%s'", f->name, i, name);
                pm_free(r->m, name);
                return;
            }
            pm_free(r->m, name);
            in->b = (uint32_t)li;
            in->a = f->labels[li].target;
            break;
        }
        case SHAPE_NAME: {
            char *name = rd_str(r, 2, "a CALL target name", NULL);
            if (!name)
                return;
            if (f->name_count == f->name_cap) {
                size_t cap = f->name_cap ? f->name_cap * 2 : 8;
                char **names = pm_realloc(r->m, f->names, cap * sizeof *names);
                if (!names) {
                    pm_free(r->m, name);
                    fail(r, STOFFEL_ERR_NOMEM, "out of memory");
                    return;
                }
                f->names = names;
                f->name_cap = cap;
            }
            f->names[f->name_count] = name;
            in->a = (uint32_t)f->name_count++;
            break;
        }
        }
        f->instr_count = i + 1u;
    }
    if (r->status)
        return;
    for (size_t i = 0; i < f->label_count; i++)
        if (f->labels[i].target > f->instr_count) {
            r->pos = at;
            fail(r, STOFFEL_ERR_MALFORMED, "function '%s': label '%s' targets instruction %u, past the end (%zu instructions)", f->name, f->labels[i].name, f->labels[i].target, f->instr_count);
            return;
        }
    if (vm_function_normalise(r->m, f))
        fail(r, STOFFEL_ERR_NOMEM, "out of memory");
}

static void read_share_type(reader *r, stoffel_vm_share_type *t)
{
    size_t at = r->pos;
    uint8_t tag = RD_U8(r, "a share type tag");
    if (r->status)
        return;
    t->frac = 0;
    if (tag == 0 || tag == 2) {
        t->kind = tag == 0 ? STOFFEL_VM_SECRET_INT : STOFFEL_VM_SECRET_UINT;
        t->bits = RD_U32(r, "a share type bit length");
        if (!r->status && t->bits == 0) {
            r->pos = at;
            fail(r, STOFFEL_ERR_MALFORMED, "expected a share type bit length > 0");
        }
    } else if (tag == 1) {
        t->kind = STOFFEL_VM_SECRET_FIXED;
        t->bits = RD_U32(r, "a fixed-point total bit count");
        t->frac = RD_U32(r, "a fixed-point fractional bit count");
        if (!r->status && (t->bits == 0 || t->frac >= t->bits)) {
            r->pos = at;
            fail(r, STOFFEL_ERR_MALFORMED, "expected a fixed-point share type with 0 < fractional < total bits (got total %u, fractional %u)", t->bits, t->frac);
        }
    } else {
        r->pos = at;
        fail(r, STOFFEL_ERR_MALFORMED, "expected a share type tag 0, 1 or 2, found %u", tag);
    }
}

static void read_manifest(reader *r, stoffel_vm_program *p)
{
    size_t at;
    if (r->version >= 3) {
        at = r->pos;
        uint8_t b = RD_U8(r, "the MPC backend byte");
        if (!r->status && b > 1) {
            r->pos = at;
            fail(r, STOFFEL_ERR_MALFORMED, "expected an MPC backend 0 (HoneyBadger) or 1 (AVSS), found %u", b);
        }
        p->backend = (stoffel_vm_backend)b;
    }
    if (r->version >= 4) {
        at = r->pos;
        uint8_t c = RD_U8(r, "the curve byte");
        if (!r->status && c > 5) {
            r->pos = at;
            fail(r, STOFFEL_ERR_MALFORMED, "expected a curve 0..5, found %u", c);
        }
        p->curve = (stoffel_vm_curve)c;
    }
    uint32_t nclients = RD_U32(r, "the manifest client count");
    if (check_count(r, nclients, 16, VM_MAX_MANIFEST, "manifest client"))
        return;
    if (nclients) {
        p->clients = pm_calloc(r->m, nclients, sizeof *p->clients);
        if (!p->clients) {
            fail(r, STOFFEL_ERR_NOMEM, "out of memory");
            return;
        }
    }
    for (uint32_t c = 0; c < nclients && !r->status; c++) {
        vm_client *cl = &p->clients[c];
        p->client_count = c + 1u;
        cl->slot = RD_U64(r, "a client slot");
        uint32_t nin = RD_U32(r, "a client input count");
        if (check_count(r, nin, 5, VM_MAX_MANIFEST, "client input"))
            return;
        if (nin && !(cl->inputs = pm_calloc(r->m, nin, sizeof *cl->inputs))) {
            fail(r, STOFFEL_ERR_NOMEM, "out of memory");
            return;
        }
        for (uint32_t i = 0; i < nin && !r->status; i++) {
            read_share_type(r, &cl->inputs[i]);
            cl->input_count = i + 1u;
        }
        uint32_t nout = RD_U32(r, "a client output count");
        if (check_count(r, nout, 5, VM_MAX_MANIFEST, "client output"))
            return;
        if (nout && !(cl->outputs = pm_calloc(r->m, nout, sizeof *cl->outputs))) {
            fail(r, STOFFEL_ERR_NOMEM, "out of memory");
            return;
        }
        for (uint32_t i = 0; i < nout && !r->status; i++) {
            read_share_type(r, &cl->outputs[i]);
            cl->output_count = i + 1u;
        }
    }
    if (r->version >= 8 && !r->status) {
        p->demand.triples = RD_U64(r, "the triple demand");
        p->demand.randoms = RD_U64(r, "the random-share demand");
        p->demand.prandbits = RD_U64(r, "the random-bit demand");
        p->demand.prandints = RD_U64(r, "the random-integer demand");
        p->demand.dynamic = RD_U8(r, "the dynamic-demand flag") != 0;
    }
}

/* Two function records are identical when their bytes are. */
typedef struct {
    size_t start, end;
} byte_range;

int stoffel_vm_program_load(const uint8_t *bytes, size_t len, stoffel_vm_program **out, char *err,
                            size_t err_len)
{
    return stoffel_vm_program_load_with(bytes, len, NULL, out, err, err_len);
}

int stoffel_vm_program_load_with(const uint8_t *bytes, size_t len, const stoffel_vm_allocator *allocator,
                                 stoffel_vm_program **out, char *err, size_t err_len)
{
    if (err && err_len)
        err[0] = 0;
    if (!out || (!bytes && len)) {
        vm_set_err(err, err_len, "invalid argument");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (allocator && (allocator->struct_size < sizeof *allocator || !allocator->alloc || !allocator->realloc ||
                      !allocator->free)) {
        vm_set_err(err, err_len, "stoffel_vm_allocator needs struct_size and all three functions");
        return STOFFEL_ERR_INVALID_ARG;
    }
    stoffel_vm_program *p = vm_program_alloc(allocator);
    if (!p) {
        vm_set_err(err, err_len, "out of memory creating the program");
        return STOFFEL_ERR_NOMEM;
    }
    reader rd = {.p = bytes, .len = len, .err = err, .err_len = err_len, .m = &p->mem};
    reader *r = &rd;
    byte_range *ranges = NULL;
    if (need(r, 4, "the magic \"STFL\"") == 0 && memcmp(bytes, "STFL", 4) != 0)
        fail(r, STOFFEL_ERR_MALFORMED, "expected the magic \"STFL\" (not a .stflb file)");
    if (!r->status)
        r->pos = 4;
    size_t at = r->pos;
    unsigned version = RD_U16(r, "the format version");
    if (!r->status && version > VM_FORMAT_VERSION) {
        r->pos = at;
        fail(r, STOFFEL_ERR_MALFORMED, "expected a format version 0..9, found %u (written by a newer compiler?)", version);
    }
    if (version == 0)
        version = 1; /* version 0 is read as 1 */
    r->version = version;
    p->version = version;

    uint32_t nconst = RD_U32(r, "the constant count");
    if (check_count(r, nconst, 1, VM_MAX_CONSTANTS, "constant") == 0 && nconst) {
        p->consts = pm_calloc(r->m, nconst, sizeof *p->consts);
        if (!p->consts)
            fail(r, STOFFEL_ERR_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < nconst && !r->status; i++) {
        read_const(r, &p->consts[i]);
        p->const_count = i + 1u;
    }

    uint32_t nfn = RD_U32(r, "the function count");
    if (check_count(r, nfn, 15, VM_MAX_FUNCTIONS, "function") == 0 && nfn) {
        p->fns = pm_calloc(r->m, nfn, sizeof *p->fns);
        ranges = pm_calloc(r->m, nfn, sizeof *ranges);
        if (!p->fns || !ranges)
            fail(r, STOFFEL_ERR_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < nfn && !r->status; i++) {
        size_t start = r->pos;
        vm_function *f = &p->fns[p->fn_count];
        read_function(r, f);
        p->fn_count++;
        if (r->status)
            break;
        ranges[p->fn_count - 1] = (byte_range){start, r->pos};
        /* Constant indices must exist in the pool. */
        for (size_t k = 0; k < f->instr_count; k++)
            if (f->code[k].op == STOFFEL_VM_OP_LDI && f->code[k].b >= p->const_count) {
                r->pos = start;
                fail(r, STOFFEL_ERR_MALFORMED, "function '%s' instruction %zu: LDI of constant %u, but the pool has %zu constants", f->name, k, f->code[k].b, p->const_count);
                break;
            }
        if (r->status)
            break;
        /* Duplicate names: identical records are dropped, conflicting ones rejected. */
        for (size_t k = 0; k + 1 < p->fn_count; k++) {
            if (strcmp(p->fns[k].name, f->name) != 0)
                continue;
            size_t a = ranges[k].end - ranges[k].start, b = r->pos - start;
            if (a == b && memcmp(bytes + ranges[k].start, bytes + start, a) == 0) {
                vm_function_clear(r->m, f);
                p->fn_count--;
            } else {
                r->pos = start;
                fail(r, STOFFEL_ERR_MALFORMED, "function '%s' is defined twice with different contents", p->fns[k].name);
            }
            break;
        }
    }
    if (!r->status && version >= 2)
        read_manifest(r, p);
    /* Trailing bytes after the manifest are not checked (reference behaviour). */
    pm_free(r->m, ranges);
    if (!r->status && vm_program_finish(p))
        fail(r, STOFFEL_ERR_NOMEM, "out of memory");
    if (r->status) {
        stoffel_vm_program_free(p);
        return r->status;
    }
    *out = p;
    return 0;
}

int stoffel_vm_program_load_file(const char *path, stoffel_vm_program **out, char *err, size_t err_len)
{
    if (!path || !out) {
        vm_set_err(err, err_len, "invalid argument");
        return STOFFEL_ERR_INVALID_ARG;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        vm_set_err(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return STOFFEL_ERR_IO;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                vm_set_err(err, err_len, "out of memory reading %s", path);
                return STOFFEL_ERR_NOMEM;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        vm_set_err(err, err_len, "cannot read %s", path);
        return STOFFEL_ERR_IO;
    }
    int rc = stoffel_vm_program_load(buf, len, out, err, err_len);
    free(buf);
    return rc;
}
