/*
 * diag.c - the diagnostics engine: collects errors and warnings with their location, code and
 * hint, and renders them rustc-style (language.md section 9.5) or in the plain library form.
 */
#include <stdio.h>
#include <string.h>

#include "lang_internal.h"

void diag_add(struct compile_ctx *cx, int sev, const char *code, const char *file, int line, int col,
              const char *hint, const char *fmt, ...)
{
    struct diag *d = arena_alloc(&cx->arena, sizeof *d);
    va_list ap;
    va_start(ap, fmt);
    d->message = arena_vprintf(&cx->arena, fmt, ap);
    va_end(ap);
    d->severity = sev;
    d->code = code;
    d->file = file ? file : "";
    d->line = line;
    d->col = col;
    d->hint = hint ? arena_strdup(&cx->arena, hint) : NULL;
    ptrvec_push(&cx->arena, &cx->diags, d);
    if (sev == SEV_ERROR)
        cx->error_count++;
}

void ctx_add_source(struct compile_ctx *cx, const char *file, const char *text, size_t len)
{
    ptrvec_push(&cx->arena, &cx->src_files, (void *)file);
    ptrvec_push(&cx->arena, &cx->src_texts, (void *)text);
    ptrvec_push(&cx->arena, &cx->src_lens, (void *)(uintptr_t)len);
}

const char *ctx_file_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Finds the start and length of 1-based line `line` of a source text. */
static bool find_line(const char *text, size_t len, int line, const char **start, size_t *n)
{
    int cur = 1;
    size_t i = 0;
    while (cur < line && i < len) {
        if (text[i] == '\n')
            cur++;
        i++;
    }
    if (cur != line || (i >= len && line > 1 && (i == 0 || text[i - 1] != '\n')))
        return false;
    size_t j = i;
    while (j < len && text[j] != '\n')
        j++;
    if (j > i && text[j - 1] == '\r')
        j--;
    *start = text + i;
    *n = j - i;
    return true;
}

static int count_lines(const char *text, size_t len)
{
    int lines = 1;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' && i + 1 < len)
            lines++;
    return lines;
}

static const char *color_on(bool color, const char *code)
{
    return color ? code : "";
}

static void render_snippet(struct compile_ctx *cx, const struct diag *d, struct strbuf *out, bool color,
                           int gutter)
{
    const char *text = NULL;
    size_t len = 0;
    for (size_t i = 0; i < cx->src_files.len; i++) {
        if (strcmp(cx->src_files.items[i], d->file) == 0) {
            text = cx->src_texts.items[i];
            len = (size_t)(uintptr_t)cx->src_lens.items[i];
        }
    }
    if (!text)
        return;
    const char *blue = color_on(color, "\x1b[1;34m"), *reset = color_on(color, "\x1b[0m");
    const char *red = color_on(color, d->severity == SEV_ERROR ? "\x1b[1;31m" : "\x1b[1;33m");
    int last = count_lines(text, len);
    int from = d->line - 2 < 1 ? 1 : d->line - 2;
    int to = d->line + 2 > last ? last : d->line + 2;
    sb_printf(out, "%*s %s|%s\n", gutter, "", blue, reset);
    for (int l = from; l <= to; l++) {
        const char *s;
        size_t n;
        if (!find_line(text, len, l, &s, &n))
            continue;
        sb_printf(out, "%s%*d |%s ", blue, gutter, l, reset);
        sb_put(out, s, n);
        sb_putc(out, '\n');
        if (l == d->line) {
            sb_printf(out, "%*s %s|%s ", gutter, "", blue, reset);
            /* The caret goes under the 1-based column counted in characters; keep tabs as tabs
             * so the caret lines up with the source line above it. */
            int col = 1;
            for (size_t i = 0; i < n && col < d->col; i++) {
                unsigned char c = (unsigned char)s[i];
                if ((c & 0xC0) == 0x80)
                    continue;
                sb_putc(out, c == '\t' ? '\t' : ' ');
                col++;
            }
            sb_printf(out, "%s^%s\n", red, reset);
        }
    }
}

void diag_render(struct compile_ctx *cx, struct strbuf *out, bool color)
{
    const char *bold = color_on(color, "\x1b[1m"), *reset = color_on(color, "\x1b[0m");
    const char *blue = color_on(color, "\x1b[1;34m");
    for (size_t i = 0; i < cx->diags.len; i++) {
        const struct diag *d = cx->diags.items[i];
        bool err = d->severity == SEV_ERROR;
        const char *sevcol = color_on(color, err ? "\x1b[1;31m" : "\x1b[1;33m");
        if (strcmp(d->code, "E901") == 0)
            sb_printf(out, "%s%s[%s]%s%s: internal compiler error: %s%s\n", sevcol, err ? "error" : "warning",
                      d->code, reset, bold, d->message, reset);
        else
            sb_printf(out, "%s%s[%s]%s%s: %s%s\n", sevcol, err ? "error" : "warning", d->code, reset, bold,
                      d->message, reset);
        int gutter = 1;
        for (int l = d->line + 2; l >= 10; l /= 10)
            gutter++;
        if (d->line > 0) {
            sb_printf(out, "%*s%s-->%s %s:%d:%d\n", gutter, "", blue, reset, ctx_file_basename(d->file), d->line,
                      d->col);
            render_snippet(cx, d, out, color, gutter);
        }
        if (d->hint)
            sb_printf(out, "%*s %s=%s %shelp%s: %s\n", gutter, "", blue, reset, bold, reset, d->hint);
        sb_putc(out, '\n');
    }
    if (cx->error_count == 1)
        sb_printf(out, "%serror%s: aborting due to previous error\n", color_on(color, "\x1b[1;31m"), reset);
    else if (cx->error_count > 1)
        sb_printf(out, "%serror%s: aborting due to %zu previous errors\n", color_on(color, "\x1b[1;31m"), reset,
                  cx->error_count);
}
