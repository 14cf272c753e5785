/*
 * api.c - the public entry points of libstoffellang (stoffel/lang.h): options, compiling a buffer
 * or a file, and reading the result (diagnostics, bytecode, IR text, rendering).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang_internal.h"

struct stoffel_lang_result {
    struct compile_ctx *cx;    /* owns the arena with every diagnostic string */
    bool ok;
    uint8_t *bytecode;         /* malloc'd by the VM builder (stoffel_vm_bytes_free) */
    size_t bytecode_len;
    char *ir;                  /* malloc'd */
};

void stoffel_lang_options_defaults(stoffel_lang_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->opt_level = 0;
    opts->mpc_backend = STOFFEL_LANG_BACKEND_HONEYBADGER;
    opts->mpc_curve = STOFFEL_LANG_CURVE_BLS12_381;
}

int lang_emit_program(struct compile_ctx *cx, struct ptrvec *modules, uint8_t **bytes, size_t *len, char **ir);

int stoffel_lang_compile(const char *src, size_t len, const char *filename, const stoffel_lang_options *opts,
                         stoffel_lang_result **out)
{
    if (!out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    if (!src || !filename)
        return STOFFEL_ERR_INVALID_ARG;
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    if (opts) {
        size_t n = opts->struct_size && opts->struct_size < sizeof o ? opts->struct_size : sizeof o;
        memcpy(&o, opts, n);
        o.struct_size = sizeof o;
    }
    if (o.opt_level < 0 || o.opt_level > 3 || o.mpc_backend < 0 || o.mpc_backend > 1 || o.mpc_curve < 0 || o.mpc_curve > 5)
        return STOFFEL_ERR_INVALID_ARG;
    stoffel_lang_result *r = calloc(1, sizeof *r);
    struct compile_ctx *cx = calloc(1, sizeof *cx);
    if (!r || !cx) {
        free(r);
        free(cx);
        return STOFFEL_ERR_NOMEM;
    }
    r->cx = cx;
    arena_init(&cx->arena, &cx->oom);
    cx->opts = o;
    cx->arena.limit_bytes = o.max_memory_bytes;
    cx->resolver = o.resolver;
    cx->resolver_data = o.resolver_data;
    if (setjmp(cx->oom) != 0) {
        free(cx->pending_heap);
        stoffel_vm_builder_free(cx->pending_builder);
        free(r->ir);
        if (r->bytecode)
            stoffel_vm_bytes_free(r->bytecode);
        arena_free(&cx->arena);
        free(cx);
        free(r);
        return STOFFEL_ERR_NOMEM;
    }
    const char *file = arena_strdup(&cx->arena, filename);
    char *text = arena_strndup(&cx->arena, src, len);
    struct ptrvec modules = {0};
    bool ok = load_program(cx, file, text, len, &modules);
    if (ok && cx->error_count == 0 && !check_program(cx, &modules))
        ok = false;
    else if (ok && cx->error_count > 0)
        check_program(cx, &modules); /* syntax errors: still report the semantic errors */
    ok = ok && cx->error_count == 0;
    if (ok && !o.check_only) {
        int rc = lang_emit_program(cx, &modules, &r->bytecode, &r->bytecode_len, o.want_ir ? &r->ir : NULL);
        if (rc == STOFFEL_ERR_NOMEM)
            longjmp(cx->oom, 1);
        ok = rc == 0 && cx->error_count == 0;
    }
    r->ok = ok;
    *out = r;
    return ok ? 0 : STOFFEL_LANG_ERR_COMPILE;
}

int stoffel_lang_compile_file(const char *path, const stoffel_lang_options *opts, stoffel_lang_result **out)
{
    if (!out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    if (!path)
        return STOFFEL_ERR_INVALID_ARG;
    FILE *f = fopen(path, "rb");
    if (!f)
        return STOFFEL_ERR_IO;
    struct strbuf sb = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_put(&sb, buf, n);
    bool err = ferror(f);
    fclose(f);
    if (sb.failed) {
        sb_free(&sb);
        return STOFFEL_ERR_NOMEM;
    }
    if (err) {
        sb_free(&sb);
        return STOFFEL_ERR_IO;
    }
    int rc = stoffel_lang_compile(sb.data ? sb.data : "", sb.len, path, opts, out);
    sb_free(&sb);
    return rc;
}

void stoffel_lang_result_free(stoffel_lang_result *r)
{
    if (!r)
        return;
    if (r->bytecode)
        stoffel_vm_bytes_free(r->bytecode);
    free(r->ir);
    arena_free(&r->cx->arena);
    free(r->cx);
    free(r);
}

int stoffel_lang_result_ok(const stoffel_lang_result *r)
{
    return r && r->ok ? 1 : 0;
}

size_t stoffel_lang_result_diagnostic_count(const stoffel_lang_result *r)
{
    return r ? r->cx->diags.len : 0;
}

int stoffel_lang_result_diagnostic(const stoffel_lang_result *r, size_t i, stoffel_lang_diagnostic *out)
{
    if (!r || !out || i >= r->cx->diags.len)
        return STOFFEL_ERR_INVALID_ARG;
    const struct diag *d = r->cx->diags.items[i];
    out->file = d->file;
    out->line = d->line;
    out->column = d->col;
    out->code = d->code;
    out->severity = d->severity == SEV_ERROR ? STOFFEL_LANG_SEVERITY_ERROR : STOFFEL_LANG_SEVERITY_WARNING;
    out->message = d->message;
    out->hint = d->hint;
    return 0;
}

int stoffel_lang_result_bytecode(const stoffel_lang_result *r, const uint8_t **bytes, size_t *len)
{
    if (!r || !bytes || !len)
        return STOFFEL_ERR_INVALID_ARG;
    if (!r->ok || !r->bytecode)
        return STOFFEL_ERR_STATE;
    *bytes = r->bytecode;
    *len = r->bytecode_len;
    return 0;
}

int stoffel_lang_result_program(const stoffel_lang_result *r, stoffel_vm_program **out)
{
    if (!out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    if (!r)
        return STOFFEL_ERR_INVALID_ARG;
    if (!r->ok || !r->bytecode)
        return STOFFEL_ERR_STATE;
    return stoffel_vm_program_load(r->bytecode, r->bytecode_len, out, NULL, 0);
}

char *stoffel_lang_result_render(const stoffel_lang_result *r, int color)
{
    if (!r)
        return NULL;
    struct strbuf sb = {0};
    diag_render(r->cx, &sb, color != 0);
    if (sb.failed) {
        sb_free(&sb);
        return NULL;
    }
    if (!sb.data) {
        char *empty = malloc(1);
        if (empty)
            empty[0] = 0;
        return empty;
    }
    return sb.data;
}

const char *stoffel_lang_result_ir(const stoffel_lang_result *r)
{
    return r ? r->ir : NULL;
}
