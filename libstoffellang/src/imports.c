/*
 * imports.c - loads the entry module and, recursively, the modules it imports (language.md
 * section 9.1): path derivation, the resolver callback (or the file system), cycle detection, and
 * dependency order (imports before importers, the entry last).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang_internal.h"

#define MAX_IMPORT_DEPTH 64
#define MAX_SOURCE_BYTES (64u * 1024 * 1024)

static int read_file_resolver(void *ud, const char *path, char **source, size_t *len)
{
    (void)ud;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? STOFFEL_ERR_NOT_FOUND : STOFFEL_ERR_IO;
    struct strbuf sb = {0};
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        sb_put(&sb, buf, n);
        if (sb.len > MAX_SOURCE_BYTES)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (sb.failed || err || sb.len > MAX_SOURCE_BYTES) {
        sb_free(&sb);
        return sb.failed ? STOFFEL_ERR_NOMEM : STOFFEL_ERR_IO;
    }
    if (!sb.data) {
        sb.data = malloc(1);
        if (!sb.data)
            return STOFFEL_ERR_NOMEM;
        sb.data[0] = 0;
    }
    *source = sb.data;
    *len = sb.len;
    return 0;
}

struct loader {
    struct compile_ctx *cx;
    struct ptrvec *order;      /* modules in dependency order */
    struct ptrvec loading;     /* paths on the current import chain */
    struct ptrvec loaded;      /* struct module * already loaded (by path) */
};

static struct module *load_one(struct loader *ld, const char *path, const char *src, size_t len, int depth);

static char *dir_of(struct arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? arena_strndup(a, path, (size_t)(slash - path + 1)) : arena_strdup(a, "");
}

static void resolve_imports(struct loader *ld, struct module *m, int depth)
{
    struct compile_ctx *cx = ld->cx;
    struct ptrvec imports = {0};
    for (size_t i = 0; i < m->top.count; i++) {
        struct stmt *s = m->top.stmts[i];
        if (s->kind != S_IMPORT)
            continue;
        if (!s->path_is_string && strncmp(s->path, "std.", 4) == 0)
            continue; /* the standard prelude is built in */
        char *rel;
        if (s->path_is_string)
            rel = arena_strdup(&cx->arena, s->path);
        else {
            rel = arena_printf(&cx->arena, "%s.stfl", s->path);
            for (char *c = rel; *c; c++)
                if (*c == '.' && strcmp(c, ".stfl") != 0)
                    *c = '/';
        }
        char *full = arena_printf(&cx->arena, "%s%s", dir_of(&cx->arena, m->path), rel);
        struct module *found = NULL;
        for (size_t k = 0; k < ld->loading.len; k++)
            if (strcmp(ld->loading.items[k], full) == 0) {
                struct strbuf chain = {.arena = &cx->arena};
                for (size_t j = k; j < ld->loading.len; j++) {
                    sb_puts(&chain, ctx_file_basename(ld->loading.items[j]));
                    sb_puts(&chain, " -> ");
                }
                sb_puts(&chain, ctx_file_basename(full));
                diag_add(cx, SEV_ERROR, "E201", m->file, s->line, s->col, "break the cycle by moving shared code into a third module",
                         "Circular import detected: %s", chain.data ? chain.data : "");
                sb_free(&chain);
                found = (struct module *)-1;
                break;
            }
        if (found == (struct module *)-1)
            continue;
        for (size_t k = 0; k < ld->loaded.len; k++) {
            struct module *o = ld->loaded.items[k];
            if (strcmp(o->path, full) == 0)
                found = o;
        }
        if (!found) {
            if (depth >= MAX_IMPORT_DEPTH) {
                diag_add(cx, SEV_ERROR, "E201", m->file, s->line, s->col, NULL, "Imports nested too deeply (more than %d levels)",
                         MAX_IMPORT_DEPTH);
                continue;
            }
            char *text = NULL;
            size_t len = 0;
            stoffel_lang_resolver r = cx->resolver ? cx->resolver : read_file_resolver;
            int rc = r(cx->resolver_data, full, &text, &len);
            if (rc != 0 || !text) {
                free(text);
                if (rc == STOFFEL_ERR_NOT_FOUND || rc == 0)
                    diag_add(cx, SEV_ERROR, "E201", m->file, s->line, s->col, "check the module name and the file's location",
                             "Module '%s' not found. Expected file at '%s'", s->path, full);
                else
                    diag_add(cx, SEV_ERROR, "E201", m->file, s->line, s->col, NULL, "Module '%s' could not be read from '%s': %s",
                             s->path, full, stoffel_lang_strerror(rc));
                continue;
            }
            cx->pending_heap = text;
            char *copy = arena_strndup(&cx->arena, text, len);
            cx->pending_heap = NULL;
            free(text);
            found = load_one(ld, full, copy, len, depth + 1);
            if (!found)
                continue;
        }
        found->prefix = s->name ? s->name : s->path;
        ptrvec_push(&cx->arena, &imports, found);
    }
    m->imports = (struct module **)imports.items;
    m->import_count = imports.len;
}

static struct module *load_one(struct loader *ld, const char *path, const char *src, size_t len, int depth)
{
    struct compile_ctx *cx = ld->cx;
    ctx_add_source(cx, path, src, len);
    struct token *toks;
    size_t n;
    if (!lex_file(cx, path, src, len, &toks, &n))
        return NULL;
    struct module *m = parse_module(cx, path, toks, n);
    m->path = path;
    ptrvec_push(&cx->arena, &ld->loading, (void *)path);
    resolve_imports(ld, m, depth);
    ld->loading.len--;
    ptrvec_push(&cx->arena, &ld->loaded, m);
    ptrvec_push(&cx->arena, ld->order, m);
    return m;
}

bool load_program(struct compile_ctx *cx, const char *file, const char *src, size_t len, struct ptrvec *modules_out)
{
    struct loader ld = {.cx = cx, .order = modules_out};
    struct module *m = load_one(&ld, file, src, len, 0);
    return m != NULL;
}
