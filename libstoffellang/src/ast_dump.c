/*
 * ast_dump.c - the free-form AST dump of --print-ir (language.md section 9.4): one S-expression
 * per statement, after parsing, desugaring and semantic analysis (resolved call names and types).
 */
#include <inttypes.h>
#include <string.h>

#include "check.h"

static const char *const binop_names[] = {"+", "-", "*", "/", "%", "mod", "shl", "shr", "==", "!=", "<", "<=", ">", ">=",
                                          "in", "and", "or", "xor", "..", "neg", "not"};

static void dump_expr(struct checker *ch, const struct expr *e, struct strbuf *out, int depth)
{
    if (!e) {
        sb_puts(out, "()");
        return;
    }
    if (depth > 64) {
        sb_puts(out, "...");
        return;
    }
    switch (e->kind) {
    case E_INT: sb_printf(out, "%" PRIu64, (uint64_t)e->ival); break;
    case E_FLOAT: sb_printf(out, "%.17g", e->fval); break;
    case E_STRING: sb_printf(out, "\"%.*s\"", (int)(e->slen > 40 ? 40 : e->slen), e->sval ? e->sval : ""); break;
    case E_BOOL: sb_puts(out, e->bval ? "True" : "False"); break;
    case E_NONE: sb_puts(out, "None"); break;
    case E_IDENT: sb_puts(out, e->name); break;
    case E_UNARY:
    case E_BINARY:
        sb_printf(out, "(%s ", binop_names[e->op]);
        dump_expr(ch, e->a, out, depth + 1);
        if (e->kind == E_BINARY) {
            sb_putc(out, ' ');
            dump_expr(ch, e->b, out, depth + 1);
        }
        sb_putc(out, ')');
        break;
    case E_CALL:
        sb_printf(out, "(call %s", e->call_name ? e->call_name : e->a && e->a->kind == E_IDENT ? e->a->name : "?");
        for (size_t i = 0; i < (e->call_args ? e->call_arg_count : e->arg_count); i++) {
            const struct arg *a = e->call_args ? &e->call_args[i] : &e->args[i];
            sb_putc(out, ' ');
            if (a->name)
                sb_printf(out, "%s: ", a->name);
            dump_expr(ch, a->value, out, depth + 1);
        }
        sb_putc(out, ')');
        break;
    case E_FIELD:
        sb_puts(out, "(. ");
        dump_expr(ch, e->a, out, depth + 1);
        sb_printf(out, " %s)", e->name);
        break;
    case E_INDEX:
        sb_puts(out, "(index ");
        dump_expr(ch, e->a, out, depth + 1);
        sb_putc(out, ' ');
        dump_expr(ch, e->b, out, depth + 1);
        sb_putc(out, ')');
        break;
    case E_LIST: case E_DICT:
        sb_puts(out, e->kind == E_LIST ? "(list" : "(dict");
        for (size_t i = 0; i < e->item_count; i++) {
            sb_putc(out, ' ');
            dump_expr(ch, e->items[i], out, depth + 1);
            if (e->kind == E_DICT) {
                sb_puts(out, ": ");
                dump_expr(ch, e->values[i], out, depth + 1);
            }
        }
        sb_putc(out, ')');
        break;
    case E_COMP:
        sb_puts(out, "(comprehension ");
        dump_expr(ch, e->a, out, depth + 1);
        sb_printf(out, " for %s in ", e->name);
        dump_expr(ch, e->b, out, depth + 1);
        if (e->c) {
            sb_puts(out, " if ");
            dump_expr(ch, e->c, out, depth + 1);
        }
        sb_putc(out, ')');
        break;
    case E_TEMP_DEF:
        sb_printf(out, "(let %s ", e->name ? e->name : "?");
        dump_expr(ch, e->a, out, depth + 1);
        sb_putc(out, ')');
        break;
    default: sb_puts(out, "?"); break;
    }
    if (e->type && ch && e->kind != E_IDENT)
        sb_printf(out, ":%s", ty_name(ch, e->type));
}

static void dump_block(struct checker *ch, const struct block *b, struct strbuf *out, int indent);

/* The loop-invariant definitions -O moved in front of a loop (run once, after its first test). */
static void dump_hoisted(struct checker *ch, const struct stmt *s, struct strbuf *out, int indent)
{
    if (!s->hoist.count)
        return;
    sb_printf(out, "%*s(hoisted\n", (indent + 1) * 2, "");
    dump_block(ch, &s->hoist, out, indent + 2);
    sb_printf(out, "%*s)\n", (indent + 1) * 2, "");
}

static void dump_stmt(struct checker *ch, const struct stmt *s, struct strbuf *out, int indent)
{
    sb_printf(out, "%*s", indent * 2, "");
    switch (s->kind) {
    case S_EXPR: dump_expr(ch, s->e, out, 0); break;
    case S_VAR:
        sb_printf(out, "(var %s%s%s ", s->name, s->var && ch ? ": " : "", s->var && ch ? ty_name(ch, s->var->type) : "");
        dump_expr(ch, s->e, out, 0);
        sb_putc(out, ')');
        break;
    case S_ASSIGN:
        sb_puts(out, "(= ");
        dump_expr(ch, s->target, out, 0);
        sb_putc(out, ' ');
        dump_expr(ch, s->e2, out, 0);
        sb_putc(out, ')');
        break;
    case S_IF: case S_WHILE:
        sb_puts(out, s->kind == S_IF ? "(if " : "(while ");
        dump_expr(ch, s->e, out, 0);
        sb_putc(out, '\n');
        dump_hoisted(ch, s, out, indent);
        dump_block(ch, &s->body, out, indent + 1);
        if (s->has_else) {
            sb_printf(out, "%*selse\n", indent * 2, "");
            dump_block(ch, &s->els, out, indent + 1);
        }
        sb_printf(out, "%*s)", indent * 2, "");
        break;
    case S_FOR:
        sb_printf(out, "(for %s in ", s->name);
        dump_expr(ch, s->e, out, 0);
        if (s->is_range) {
            sb_puts(out, " .. ");
            dump_expr(ch, s->e2, out, 0);
        }
        sb_putc(out, '\n');
        dump_hoisted(ch, s, out, indent);
        dump_block(ch, &s->body, out, indent + 1);
        sb_printf(out, "%*s)", indent * 2, "");
        break;
    case S_RETURN:
        sb_puts(out, "(return ");
        dump_expr(ch, s->e, out, 0);
        sb_putc(out, ')');
        break;
    case S_BREAK: sb_puts(out, "(break)"); break;
    case S_CONTINUE: sb_puts(out, "(continue)"); break;
    case S_PASS: sb_puts(out, "(pass)"); break;
    case S_FUNC:
        sb_printf(out, "(def %s (", s->name);
        for (size_t i = 0; i < s->param_count; i++)
            sb_printf(out, "%s%s%s", i ? " " : "", s->params[i].variadic ? "*" : "", s->params[i].name);
        sb_printf(out, ")%s\n", s->has_body ? "" : " builtin");
        dump_block(ch, &s->body, out, indent + 1);
        sb_printf(out, "%*s)", indent * 2, "");
        break;
    case S_OBJECT: sb_printf(out, "(object %s, %zu fields)", s->name, s->field_count); break;
    case S_ENUM: sb_printf(out, "(enum %s, %zu members)", s->name, s->member_count); break;
    case S_ALIAS: sb_printf(out, "(type %s)", s->name); break;
    case S_IMPORT: sb_printf(out, "(import %s)", s->path); break;
    default: sb_printf(out, "(builtin %s)", s->name ? s->name : ""); break;
    }
    sb_putc(out, '\n');
}

static void dump_block(struct checker *ch, const struct block *b, struct strbuf *out, int indent)
{
    for (size_t i = 0; i < b->count; i++)
        dump_stmt(ch, b->stmts[i], out, indent);
}

void ast_dump(struct compile_ctx *cx, struct ptrvec *modules, struct strbuf *out)
{
    for (size_t i = 0; i < modules->len; i++) {
        struct module *m = modules->items[i];
        sb_printf(out, "--- AST of %s (after parsing, desugaring, checking and the -O passes) ---\n", m->file);
        struct checker *ch = cx->checker;
        if (!ch || m != ch->entry_module || !ch->script_stmts.len) {
            dump_block(ch, &m->top, out, 0);
            continue;
        }
        /* a script: its declarations, then the top-level code as the entry was generated */
        for (size_t k = 0; k < m->top.count; k++)
            if (m->top.stmts[k]->kind > S_PASS)
                dump_stmt(ch, m->top.stmts[k], out, 0);
        for (size_t k = 0; k < ch->script_stmts.len; k++)
            dump_stmt(ch, ch->script_stmts.items[k], out, 0);
    }
}
