/*
 * types.c - semantic types (language.md section 4): construction, names as printed in
 * diagnostics, resolution of written type annotations, and the compatibility rules used for
 * initialisation, assignment, arguments and returns.
 */
#include <string.h>

#include "check.h"

struct type *ty_new(struct checker *ch, int kind)
{
    struct type *t = arena_alloc(&ch->cx->arena, sizeof *t);
    t->kind = kind;
    return t;
}

struct type *ty_int(struct checker *ch, bool is_signed, int bits)
{
    int idx = (is_signed ? 0 : 4) + (bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3);
    return ch->ints[idx];
}

struct type *ty_secret(struct checker *ch, struct type *t)
{
    if (!t || t->secret || t->kind == TY_UNKNOWN)
        return t;
    struct type *s = ty_new(ch, t->kind);
    *s = *t;
    s->secret = true;
    return s;
}

struct type *ty_clear(struct checker *ch, struct type *t)
{
    if (!t || !t->secret)
        return t;
    if (t->kind == TY_SHARE)
        return ch->t_unknown;
    struct type *s = ty_new(ch, t->kind);
    *s = *t;
    s->secret = false;
    return s;
}

struct type *ty_list(struct checker *ch, struct type *elem)
{
    struct type *t = ty_new(ch, TY_LIST);
    t->elem = elem ? elem : ch->t_unknown;
    return t;
}

struct type *ty_dict(struct checker *ch, struct type *k, struct type *v)
{
    struct type *t = ty_new(ch, TY_DICT);
    t->key = k ? k : ch->t_unknown;
    t->elem = v ? v : ch->t_unknown;
    return t;
}

void ty_init(struct checker *ch)
{
    static const int bits[4] = {8, 16, 32, 64};
    for (int i = 0; i < 8; i++) {
        struct type *t = ty_new(ch, TY_INT);
        t->is_signed = i < 4;
        t->bits = bits[i % 4];
        ch->ints[i] = t;
    }
    ch->t_unknown = ty_new(ch, TY_UNKNOWN);
    ch->t_float = ty_new(ch, TY_FLOAT);
    ch->t_fix = ty_new(ch, TY_FIX);
    ch->t_fix->bits = 64;
    ch->t_bool = ty_new(ch, TY_BOOL);
    ch->t_string = ty_new(ch, TY_STRING);
    ch->t_void = ty_new(ch, TY_VOID);
    ch->t_none = ty_new(ch, TY_NONE);
    ch->t_share = ty_new(ch, TY_SHARE);
    ch->t_share->secret = true;
    ch->t_range = ty_new(ch, TY_RANGE);
    ch->t_i64 = ty_int(ch, true, 64);
    ch->t_sbool = ty_secret(ch, ch->t_bool);
}

bool ty_is_numeric(const struct type *t)
{
    return t && (t->kind == TY_INT || t->kind == TY_FLOAT || t->kind == TY_FIX);
}

bool ty_is_int(const struct type *t)
{
    return t && t->kind == TY_INT;
}

bool ty_is_unknown(const struct type *t)
{
    return !t || t->kind == TY_UNKNOWN || t->kind == TY_TYPEVAR;
}

bool ty_is_secret(const struct type *t)
{
    return t && (t->secret || t->kind == TY_SHARE);
}

static void ty_name_into(const struct type *t, struct strbuf *sb)
{
    if (!t) {
        sb_puts(sb, "unknown");
        return;
    }
    if (t->secret && t->kind != TY_SHARE)
        sb_puts(sb, "secret ");
    switch (t->kind) {
    case TY_UNKNOWN: sb_puts(sb, "unknown"); break;
    case TY_INT: sb_printf(sb, "%sint%d", t->is_signed ? "" : "u", t->bits); break;
    case TY_FLOAT: sb_puts(sb, "float64"); break;
    case TY_FIX: sb_printf(sb, "fix%d", t->bits); break;
    case TY_BOOL: sb_puts(sb, "bool"); break;
    case TY_STRING: sb_puts(sb, "string"); break;
    case TY_VOID: sb_puts(sb, "void"); break;
    case TY_NONE: sb_puts(sb, "None"); break;
    case TY_SHARE: sb_puts(sb, "Share"); break;
    case TY_RANGE: sb_puts(sb, "range"); break;
    case TY_LIST:
        sb_puts(sb, "list[");
        ty_name_into(t->elem, sb);
        sb_puts(sb, "]");
        break;
    case TY_DICT:
        sb_puts(sb, "dict[");
        ty_name_into(t->key, sb);
        sb_puts(sb, ", ");
        ty_name_into(t->elem, sb);
        sb_puts(sb, "]");
        break;
    default: sb_puts(sb, t->name ? t->name : "?"); break;
    }
}

const char *ty_name(struct checker *ch, const struct type *t)
{
    struct strbuf sb = {.arena = &ch->cx->arena};
    ty_name_into(t, &sb);
    const char *s = arena_strdup(&ch->cx->arena, sb.data ? sb.data : "?");
    sb_free(&sb);
    return s;
}

bool ty_equal(const struct type *a, const struct type *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->secret != b->secret)
        return false;
    switch (a->kind) {
    case TY_INT: return a->is_signed == b->is_signed && a->bits == b->bits;
    case TY_FIX: return a->bits == b->bits;
    case TY_LIST: return ty_equal(a->elem, b->elem);
    case TY_DICT: return ty_equal(a->key, b->key) && ty_equal(a->elem, b->elem);
    case TY_OBJECT: case TY_OPAQUE: case TY_TYPEVAR: return strcmp(a->name, b->name) == 0;
    default: return true;
    }
}

/* Value-preserving implicit integer widening (language.md section 4.2). */
bool ty_int_widens(const struct type *from, const struct type *to)
{
    if (from->is_signed && to->is_signed)
        return to->bits >= from->bits;
    if (!from->is_signed && !to->is_signed)
        return to->bits >= from->bits;
    if (!from->is_signed && to->is_signed)
        return to->bits > from->bits;
    return false;
}

/* Element types of collections: Unknown matches anything, otherwise base compatibility. */
static bool elem_compat(const struct type *dst, const struct type *src)
{
    if (ty_is_unknown(dst) || ty_is_unknown(src))
        return true;
    if (dst->kind == TY_SHARE && ty_is_secret(src))
        return true;
    if (src->kind == TY_SHARE && ty_is_secret(dst))
        return true;
    if (dst->kind != src->kind)
        return false;
    if (dst->kind == TY_LIST)
        return elem_compat(dst->elem, src->elem);
    if (dst->kind == TY_DICT)
        return elem_compat(dst->key, src->key) && elem_compat(dst->elem, src->elem);
    if (dst->secret != src->secret)
        return false;
    return ty_equal(dst, src) || (dst->kind == TY_INT && ty_int_widens(src, dst));
}

int ty_compat(const struct type *dst, const struct type *src)
{
    if (ty_is_unknown(dst) || ty_is_unknown(src))
        return COMPAT_OK;
    if (src->kind == TY_NONE)
        return COMPAT_OK;
    if (dst->kind == TY_SHARE)
        return ty_is_secret(src) || ty_is_numeric(src) || src->kind == TY_BOOL ? COMPAT_OK : COMPAT_MISMATCH;
    if (src->kind == TY_SHARE)
        return dst->secret ? COMPAT_OK : COMPAT_REVEAL;
    if (src->secret && !dst->secret)
        return COMPAT_REVEAL;
    /* clear -> secret is implicit: compare the underlying types */
    if (dst->kind == TY_INT && src->kind == TY_INT)
        return ty_int_widens(src, dst) ? COMPAT_OK : COMPAT_MISMATCH;
    if (dst->kind == TY_FIX && (src->kind == TY_FLOAT || src->kind == TY_FIX))
        return COMPAT_OK;
    if (dst->kind == TY_FLOAT && src->kind == TY_FIX && !src->secret)
        return COMPAT_OK;
    if (dst->kind != src->kind)
        return COMPAT_MISMATCH;
    switch (dst->kind) {
    case TY_LIST: return elem_compat(dst->elem, src->elem) ? COMPAT_OK : COMPAT_MISMATCH;
    case TY_DICT:
        return elem_compat(dst->key, src->key) && elem_compat(dst->elem, src->elem) ? COMPAT_OK : COMPAT_MISMATCH;
    case TY_OBJECT: case TY_OPAQUE:
        return strcmp(dst->name, src->name) == 0 ? COMPAT_OK : COMPAT_MISMATCH;
    default: return COMPAT_OK;
    }
}

/* Resolves a written type; reports unknown names. Returns Unknown after an error. */
struct type *ty_resolve(struct checker *ch, struct typeexpr *te)
{
    if (!te)
        return ch->t_void;
    const char *n = te->name;
    struct type *t = NULL;
    static const struct { const char *name; bool s; int bits; } ints[] = {
        {"int64", true, 64}, {"int", true, 64}, {"i64", true, 64}, {"int32", true, 32}, {"i32", true, 32},
        {"int16", true, 16}, {"i16", true, 16}, {"int8", true, 8}, {"i8", true, 8},
        {"uint64", false, 64}, {"u64", false, 64}, {"uint32", false, 32}, {"u32", false, 32},
        {"uint16", false, 16}, {"u16", false, 16}, {"uint8", false, 8}, {"u8", false, 8},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (strcmp(n, ints[i].name) == 0)
            t = ty_int(ch, ints[i].s, ints[i].bits);
    if (t) {
    } else if (!strcmp(n, "float") || !strcmp(n, "float64") || !strcmp(n, "f64")) {
        if (te->secret) {
            check_error(ch, "E101", te->line, te->col, "use secret fix64 (fixed point)",
                        "secret float64 is not supported by the current MPC protocol");
            return ch->t_unknown;
        }
        t = ch->t_float;
    } else if (!strcmp(n, "fix64") || !strcmp(n, "fixed") || !strcmp(n, "fixed64")) {
        t = ch->t_fix;
    } else if (!strcmp(n, "fix32") || !strcmp(n, "fixed32")) {
        t = ty_new(ch, TY_FIX);
        t->bits = 32;
    } else if (!strcmp(n, "bool")) {
        t = ch->t_bool;
    } else if (!strcmp(n, "string")) {
        t = ch->t_string;
    } else if (!strcmp(n, "None") || !strcmp(n, "void")) {
        t = ch->t_void;
    } else if (!strcmp(n, "bytes") || !strcmp(n, "ByteArray")) {
        t = ty_list(ch, ty_int(ch, false, 8));
    } else if (!strcmp(n, "list")) {
        t = ty_list(ch, te->arg_count ? ty_resolve(ch, te->args[0]) : ch->t_unknown);
    } else if (!strcmp(n, "dict")) {
        t = ty_dict(ch, te->arg_count > 0 ? ty_resolve(ch, te->args[0]) : ch->t_unknown,
                    te->arg_count > 1 ? ty_resolve(ch, te->args[1]) : ch->t_unknown);
    } else if (!strcmp(n, "Share")) {
        t = ch->t_share;
    } else {
        struct type *named = lookup_type_name(ch, n);
        if (named)
            t = named;
        else {
            const char *best = suggest_type_name(ch, n);
            check_error(ch, "E101", te->line, te->col, best ? arena_printf(&ch->cx->arena, "Did you mean '%s'?", best) : NULL,
                        "Unknown type '%s'", n);
            return ch->t_unknown;
        }
    }
    if (te->secret) {
        if (t->kind == TY_FLOAT) {
            check_error(ch, "E101", te->line, te->col, "use secret fix64 (fixed point)",
                        "secret float64 is not supported by the current MPC protocol");
            return ch->t_unknown;
        }
        t = ty_secret(ch, t);
    }
    return t;
}
