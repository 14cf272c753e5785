/*
 * lexer.c - turns a StoffelLang source file into tokens (language.md section 1): significant
 * indentation (INDENT/DEDENT/NEWLINE), implicit joining inside brackets, integer/float/string and
 * f-string literals, and the reference's greedy operator lexing. The first lexical error stops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang_internal.h"

static const char *const keywords[] = {
    "var", "def", "main", "builtin", "type", "object", "enum", "if", "elif", "else", "while", "for",
    "in", "break", "continue", "pass", "return", "secret", "discard", "import", "as",
    "and", "or", "xor", "not", "shl", "shr", "mod", "True", "False", "None", NULL,
};

struct lexer {
    struct compile_ctx *cx;
    const char *file;
    const char *src;
    size_t len, pos;
    int line, col;
    int depth;                 /* open ( [ { */
    int indents[256];
    int indent_count;
    struct token *toks;
    size_t count, cap;
    bool failed;
};

static void lex_error(struct lexer *lx, int line, int col, const char *hint, const char *fmt, const char *arg)
{
    if (lx->failed)
        return;
    lx->failed = true;
    diag_add(lx->cx, SEV_ERROR, "E001", lx->file, line, col, hint, fmt, arg);
}

static struct token *push(struct lexer *lx, int kind, int line, int col)
{
    if (lx->count == lx->cap) {
        size_t cap = lx->cap ? lx->cap * 2 : 256;
        struct token *t = arena_alloc(&lx->cx->arena, cap * sizeof *t);
        if (lx->count)
            memcpy(t, lx->toks, lx->count * sizeof *t);
        lx->toks = t;
        lx->cap = cap;
    }
    struct token *t = &lx->toks[lx->count++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = line;
    t->col = col;
    t->file = lx->file;
    t->text = "";
    return t;
}

static int peekc(struct lexer *lx, size_t off)
{
    return lx->pos + off < lx->len ? (unsigned char)lx->src[lx->pos + off] : -1;
}

/* Advances one byte; columns count characters, so UTF-8 continuation bytes do not count. */
static void advance(struct lexer *lx)
{
    unsigned char c = (unsigned char)lx->src[lx->pos++];
    if (c == '\n') {
        lx->line++;
        lx->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        lx->col++;
    }
}

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_line_end(struct lexer *lx)
{
    int c = peekc(lx, 0);
    return c == '\n' || (c == '\r' && peekc(lx, 1) == '\n');
}

static void skip_line_end(struct lexer *lx)
{
    if (peekc(lx, 0) == '\r')
        lx->pos++; /* \r of \r\n: no column */
    advance(lx);
}

/* Processes the indentation at the start of a logical line. Returns false when the line is blank
 * or comment-only (such lines emit only NEWLINE). */
static void handle_indent(struct lexer *lx)
{
    int spaces = 0;
    int line = lx->line;
    while (peekc(lx, 0) == ' ') {
        advance(lx);
        spaces++;
    }
    int c = peekc(lx, 0);
    if (c == '\t') {
        lex_error(lx, lx->line, lx->col, "indent with spaces (2 per level)", "%s", "Tabs are not allowed for indentation");
        return;
    }
    if (c == -1 || c == '\n' || c == '#' || (c == '\r' && peekc(lx, 1) == '\n'))
        return; /* blank or comment-only line */
    int cur = lx->indents[lx->indent_count - 1];
    if (spaces > cur) {
        if (spaces != cur + 2) {
            char msg[128];
            snprintf(msg, sizeof msg, "Invalid indentation. Expected an indent of exactly 2 spaces, found %d",
                     spaces - cur);
            lex_error(lx, line, 1, "StoffelLang uses exactly 2 spaces per indentation level", "%s", msg);
            return;
        }
        if (lx->indent_count >= 255) {
            lex_error(lx, line, 1, NULL, "%s", "Too many indentation levels");
            return;
        }
        lx->indents[lx->indent_count++] = spaces;
        push(lx, T_INDENT, line, spaces + 1);
    } else if (spaces < cur) {
        while (lx->indent_count > 1 && lx->indents[lx->indent_count - 1] > spaces) {
            lx->indent_count--;
            push(lx, T_DEDENT, line, spaces + 1);
        }
        if (lx->indents[lx->indent_count - 1] != spaces) {
            char msg[128];
            snprintf(msg, sizeof msg, "Inconsistent dedentation. Expected indent level %d, got %d",
                     lx->indents[lx->indent_count - 1], spaces);
            lex_error(lx, line, 1, "a dedent must return to an enclosing indentation level", "%s", msg);
        }
    }
}

static int suffix_of(const char *s, size_t n)
{
    static const char *const names[] = {"i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"};
    for (int i = 0; i < 8; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return SUF_I8 + i;
    return SUF_NONE;
}

static int digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

static void lex_number(struct lexer *lx)
{
    int line = lx->line, col = lx->col;
    size_t start = lx->pos;
    int base = 10;
    if (peekc(lx, 0) == '0') {
        int p = peekc(lx, 1);
        if (p == 'x' || p == 'X')
            base = 16;
        else if (p == 'b' || p == 'B')
            base = 2;
        else if (p == 'o' || p == 'O')
            base = 8;
        if (base != 10) {
            advance(lx);
            advance(lx);
        }
    }
    bool is_float = false;
    if (base == 10) {
        /* A float needs a digit after the dot (`1.` is int 1 then `.`), or an exponent. */
        size_t p = lx->pos;
        while (p < lx->len && ((lx->src[p] >= '0' && lx->src[p] <= '9') || lx->src[p] == '_'))
            p++;
        if (p + 1 < lx->len && lx->src[p] == '.' && lx->src[p + 1] >= '0' && lx->src[p + 1] <= '9')
            is_float = true;
        else if (p < lx->len && (lx->src[p] == 'e' || lx->src[p] == 'E')) {
            size_t q = p + 1;
            if (q < lx->len && (lx->src[q] == '+' || lx->src[q] == '-'))
                q++;
            if (q < lx->len && lx->src[q] >= '0' && lx->src[q] <= '9')
                is_float = true;
        }
        if (is_float || peekc(lx, 0) == '.') {
            /* `.5` style floats start at the dot */
        }
    }
    if (is_float || peekc(lx, 0) == '.') {
        char buf[128];
        size_t n = 0;
        bool seen_exp = false;
        while (lx->pos < lx->len) {
            int c = peekc(lx, 0);
            if ((c >= '0' && c <= '9') || c == '.') {
                if (c == '.' && (seen_exp || !(peekc(lx, 1) >= '0' && peekc(lx, 1) <= '9')))
                    break;
            } else if (c == '_') {
                advance(lx);
                continue;
            } else if ((c == 'e' || c == 'E') && !seen_exp) {
                int d = peekc(lx, 1);
                int d2 = peekc(lx, 2);
                if (!((d >= '0' && d <= '9') || ((d == '+' || d == '-') && d2 >= '0' && d2 <= '9')))
                    break;
                seen_exp = true;
                if (n < sizeof buf - 2)
                    buf[n++] = (char)c;
                advance(lx);
                c = peekc(lx, 0);
                if (c == '+' || c == '-') {
                    if (n < sizeof buf - 2)
                        buf[n++] = (char)c;
                    advance(lx);
                }
                continue;
            } else {
                break;
            }
            if (n < sizeof buf - 2)
                buf[n++] = (char)c;
            advance(lx);
        }
        buf[n] = 0;
        struct token *t = push(lx, T_FLOAT, line, col);
        t->fval = strtod(buf, NULL);
        t->text = arena_strndup(&lx->cx->arena, lx->src + start, lx->pos - start);
        t->len = lx->pos - start;
        return;
    }
    u128 v = 0;
    bool overflow = false, any = false;
    while (lx->pos < lx->len) {
        int c = peekc(lx, 0);
        if (c == '_') {
            advance(lx);
            continue;
        }
        int d = digit_value(c);
        if (d >= base)
            break;
        any = true;
        u128 nv = v * (u128)base + (u128)d;
        if ((nv - (u128)d) / (u128)base != v)
            overflow = true;
        v = nv;
        advance(lx);
    }
    const char *text = arena_strndup(&lx->cx->arena, lx->src + start, lx->pos - start);
    if (!any) {
        lex_error(lx, line, col, NULL, "Invalid integer literal '%s'", text);
        return;
    }
    if (overflow) {
        lex_error(lx, line, col, "integer literals hold at most 128 bits", "Integer literal '%s' is too large (max 128 bits)", text);
        return;
    }
    /* Width suffix: look at up to 4 alphanumerics, take them only on an exact match [RB]. */
    size_t n = 0;
    while (n < 4 && lx->pos + n < lx->len && is_ident_char((unsigned char)lx->src[lx->pos + n]) &&
           lx->src[lx->pos + n] != '_')
        n++;
    int suf = suffix_of(lx->src + lx->pos, n);
    if (suf != SUF_NONE)
        for (size_t i = 0; i < n; i++)
            advance(lx);
    struct token *t = push(lx, T_INT, line, col);
    t->ival = v;
    t->suffix = suf;
    t->text = arena_strndup(&lx->cx->arena, lx->src + start, lx->pos - start);
    t->len = lx->pos - start;
}

/* Reads a double-quoted string body after the opening quote; returns the decoded text or NULL. */
static char *lex_string_body(struct lexer *lx, int qline, int qcol, size_t *out_len)
{
    struct strbuf sb = {.arena = &lx->cx->arena};
    for (;;) {
        int c = peekc(lx, 0);
        if (c == -1) {
            sb_free(&sb);
            lex_error(lx, qline, qcol, "close the string with a double quote", "%s", "Unterminated string literal");
            return NULL;
        }
        if (c == '"') {
            advance(lx);
            break;
        }
        if (c == '\n' || (c == '\r' && peekc(lx, 1) == '\n')) {
            /* A raw newline inside a string is dropped and the string continues [RB]. */
            skip_line_end(lx);
            continue;
        }
        if (c == '\\') {
            int e = peekc(lx, 1);
            int eline = lx->line, ecol = lx->col;
            char out;
            if (e == 'n')
                out = '\n';
            else if (e == 't')
                out = '\t';
            else if (e == '\\')
                out = '\\';
            else if (e == '"')
                out = '"';
            else {
                sb_free(&sb);
                char s[3] = {'\\', e > 0 ? (char)e : 0, 0};
                lex_error(lx, eline, ecol, "supported escapes: \\n \\t \\\\ \\\"", "Invalid escape sequence '%s'", s);
                return NULL;
            }
            advance(lx);
            advance(lx);
            sb_putc(&sb, out);
            continue;
        }
        if (c == '\r') {
            sb_free(&sb);
            lex_error(lx, lx->line, lx->col, NULL, "%s", "Unexpected character '\\r'");
            return NULL;
        }
        sb_putc(&sb, (char)c);
        advance(lx);
    }
    char *s = arena_strndup(&lx->cx->arena, sb.data ? sb.data : "", sb.len);
    *out_len = sb.len;
    sb_free(&sb);
    return s;
}

/* Splits an f-string body into literal and interpolation parts (language.md section 1.3). */
static void split_fstring(struct lexer *lx, struct token *t, const char *s, size_t n)
{
    struct arena *a = &lx->cx->arena;
    struct fstr_part *parts = arena_alloc(a, (n + 1) * sizeof *parts);
    size_t count = 0;
    struct strbuf lit = {.arena = &lx->cx->arena};
    size_t i = 0;
    while (i < n && !lx->failed) {
        char c = s[i];
        if (c == '{' && i + 1 < n && s[i + 1] == '{') {
            sb_putc(&lit, '{');
            i += 2;
        } else if (c == '}' && i + 1 < n && s[i + 1] == '}') {
            sb_putc(&lit, '}');
            i += 2;
        } else if (c == '}') {
            lex_error(lx, t->line, t->col, "write '}}' for a literal brace", "%s", "Single '}' is not allowed in f-string");
        } else if (c == '{') {
            size_t close = i + 1;
            while (close < n && s[close] != '}')
                close++;
            if (close >= n) {
                lex_error(lx, t->line, t->col, "close the interpolation with '}'", "%s", "Unclosed '{' in f-string");
                break;
            }
            /* trim and validate: identifier ('.' identifier)* */
            size_t b = i + 1, e = close;
            while (b < e && s[b] == ' ')
                b++;
            while (e > b && s[e - 1] == ' ')
                e--;
            const char *names[64];
            size_t nc = 0;
            bool ok = b < e;
            size_t p = b;
            while (ok && p < e) {
                size_t q = p;
                if (!is_ident_start((unsigned char)s[q]))
                    ok = false;
                while (q < e && is_ident_char((unsigned char)s[q]))
                    q++;
                if (!ok || nc >= 64)
                    break;
                names[nc++] = arena_strndup(a, s + p, q - p);
                if (q < e) {
                    if (s[q] != '.' || q + 1 >= e)
                        ok = false;
                    q++;
                }
                p = q;
            }
            if (!ok) {
                char *inner = arena_strndup(a, s + i + 1, close - i - 1);
                lex_error(lx, t->line, t->col, "bind the value to a variable first",
                          "f-string interpolation '{%s}' must be a variable or dotted field access", inner);
                break;
            }
            if (lit.len) {
                parts[count].text = arena_strndup(a, lit.data, lit.len);
                count++;
                lit.len = 0;
            }
            parts[count].is_field = true;
            parts[count].names = arena_alloc(a, nc * sizeof(char *));
            memcpy(parts[count].names, names, nc * sizeof(char *));
            parts[count].name_count = nc;
            count++;
            i = close + 1;
        } else {
            sb_putc(&lit, c);
            i++;
        }
    }
    if (lit.len || count == 0) {
        parts[count].text = arena_strndup(a, lit.data ? lit.data : "", lit.len);
        count++;
    }
    sb_free(&lit);
    t->parts = parts;
    t->part_count = count;
}

static bool in_set(int c, const char *set)
{
    return c > 0 && strchr(set, c) != NULL;
}

static void lex_operator(struct lexer *lx)
{
    int line = lx->line, col = lx->col;
    size_t start = lx->pos;
    int c = peekc(lx, 0), n1 = peekc(lx, 1);
    static const char *const greedy_start = "+*/%<>&|^!~?";
    static const char *const greedy_rest = "+-*/%=<>&|^!~?:.";
    if (c == '{' && n1 == '.') {
        advance(lx);
        advance(lx);
        lx->depth++;
    } else if (c == '.' && n1 == '}') {
        advance(lx);
        advance(lx);
        if (lx->depth > 0)
            lx->depth--;
    } else if (c == '.' && n1 == '.') {
        advance(lx);
        advance(lx);
    } else if (in_set(c, greedy_start)) {
        advance(lx);
        while (in_set(peekc(lx, 0), greedy_rest))
            advance(lx);
    } else if (c == '=') {
        advance(lx);
        if (peekc(lx, 0) == '=')
            advance(lx);
    } else if (c == '-') {
        advance(lx);
        if (n1 == '>' || n1 == '=')
            advance(lx);
        else
            while (in_set(peekc(lx, 0), greedy_rest) && peekc(lx, 0) != '>' && peekc(lx, 0) != '=')
                advance(lx);
    } else if (strchr("()[]{},:.", c)) {
        if (c == '(' || c == '[' || c == '{')
            lx->depth++;
        else if ((c == ')' || c == ']' || c == '}') && lx->depth > 0)
            lx->depth--;
        advance(lx);
    } else {
        char s[8] = {0};
        if (c < 0x80 && c >= 0x20)
            s[0] = (char)c;
        else
            snprintf(s, sizeof s, "\\x%02x", c);
        lex_error(lx, line, col, NULL, "Unexpected character '%s'", s);
        return;
    }
    struct token *t = push(lx, T_OP, line, col);
    t->text = arena_strndup(&lx->cx->arena, lx->src + start, lx->pos - start);
    t->len = lx->pos - start;
}

static void lex_word(struct lexer *lx)
{
    int line = lx->line, col = lx->col;
    size_t start = lx->pos;
    while (lx->pos < lx->len && is_ident_char((unsigned char)lx->src[lx->pos]))
        advance(lx);
    size_t n = lx->pos - start;
    /* f"..." / F"...": an f-string */
    if (n == 1 && (lx->src[start] == 'f' || lx->src[start] == 'F') && peekc(lx, 0) == '"') {
        int qline = lx->line, qcol = lx->col;
        advance(lx);
        size_t slen = 0;
        char *s = lex_string_body(lx, qline, qcol, &slen);
        if (!s)
            return;
        struct token *t = push(lx, T_FSTRING, line, col);
        t->sval = s;
        t->slen = slen;
        split_fstring(lx, t, s, slen);
        return;
    }
    char *text = arena_strndup(&lx->cx->arena, lx->src + start, n);
    int kind = T_IDENT;
    for (int i = 0; keywords[i]; i++)
        if (strcmp(keywords[i], text) == 0)
            kind = T_KEYWORD;
    struct token *t = push(lx, kind, line, col);
    t->text = text;
    t->len = n;
}

bool lex_file(struct compile_ctx *cx, const char *file, const char *src, size_t len, struct token **out,
              size_t *out_count)
{
    struct lexer lx = {.cx = cx, .file = file, .src = src, .len = len, .line = 1, .col = 1};
    lx.indents[0] = 0;
    lx.indent_count = 1;
    bool at_line_start = true;
    /* a UTF-8 byte order mark is not part of the program */
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
        lx.pos = 3;
    while (!lx.failed) {
        if (at_line_start && lx.depth == 0) {
            handle_indent(&lx);
            at_line_start = false;
            if (lx.failed)
                break;
        }
        int c = peekc(&lx, 0);
        if (c == -1)
            break;
        if (c == ' ' || c == '\t') {
            advance(&lx);
        } else if (c == '#') {
            while (lx.pos < lx.len && !is_line_end(&lx))
                advance(&lx);
        } else if (is_line_end(&lx)) {
            int line = lx.line, col = lx.col;
            skip_line_end(&lx);
            if (lx.depth == 0) {
                push(&lx, T_NEWLINE, line, col);
                at_line_start = true;
            }
        } else if (c == '\r') {
            lex_error(&lx, lx.line, lx.col, "save the file with \\n or \\r\\n line endings", "%s", "Unexpected character '\\r'");
        } else if (c >= '0' && c <= '9') {
            lex_number(&lx);
        } else if (c == '.' && peekc(&lx, 1) >= '0' && peekc(&lx, 1) <= '9' &&
                   !(lx.count && (lx.toks[lx.count - 1].kind == T_IDENT || lx.toks[lx.count - 1].kind == T_INT ||
                                  (lx.toks[lx.count - 1].kind == T_OP &&
                                   strchr(")]", lx.toks[lx.count - 1].text[0]))))) {
            lex_number(&lx);
        } else if (c == '"') {
            int line = lx.line, col = lx.col;
            advance(&lx);
            size_t slen = 0;
            char *s = lex_string_body(&lx, line, col, &slen);
            if (s) {
                struct token *t = push(&lx, T_STRING, line, col);
                t->sval = s;
                t->slen = slen;
            }
        } else if (c == '\'') {
            lex_error(&lx, lx.line, lx.col, "use double quotes: \"...\"", "%s", "Single-quoted strings are not supported");
        } else if (is_ident_start(c)) {
            lex_word(&lx);
        } else {
            lex_operator(&lx);
        }
    }
    if (lx.failed)
        return false;
    if (lx.count && lx.toks[lx.count - 1].kind != T_NEWLINE && lx.toks[lx.count - 1].kind != T_DEDENT &&
        lx.toks[lx.count - 1].kind != T_INDENT)
        push(&lx, T_NEWLINE, lx.line, lx.col);
    while (lx.indent_count > 1) {
        lx.indent_count--;
        push(&lx, T_DEDENT, lx.line, lx.col);
    }
    push(&lx, T_EOF, lx.line, lx.col);
    *out = lx.toks;
    *out_count = lx.count;
    return true;
}
