/*
 * check_expr.c - semantic analysis, part 2: expression typing (language.md sections 4.3-4.5, 5):
 * literals and their ranges, operators with literal adoption and the secret rules, fields,
 * indexing, collections, comprehensions and enum members.
 */
#include <string.h>

#include "check.h"

static const char *op_text(int op)
{
    static const char *const t[] = {"+", "-", "*", "/", "%", "mod", "shl", "shr", "==", "!=", "<", "<=", ">", ">=",
                                    "in", "and", "or", "xor", "..", "-", "not"};
    return t[op];
}

/* An integer literal without suffix, or the negation of one. */
static bool is_untyped_lit(const struct expr *e)
{
    return (e->kind == E_INT && e->suffix == SUF_NONE) ||
           (e->kind == E_UNARY && e->op == OP_NEG && e->a->kind == E_INT && e->a->suffix == SUF_NONE);
}

static void int_range(const struct type *t, __int128 *lo, __int128 *hi)
{
    if (t->is_signed) {
        *hi = ((__int128)1 << (t->bits - 1)) - 1;
        *lo = -((__int128)1 << (t->bits - 1));
    } else {
        *lo = 0;
        *hi = ((__int128)1 << t->bits) - 1;
    }
}

static const char *i128_str(struct checker *ch, __int128 v)
{
    char buf[64];
    int n = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-v) : (unsigned __int128)v;
    do {
        buf[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && n < 60);
    if (neg)
        buf[n++] = '-';
    char out[64];
    for (int i = 0; i < n; i++)
        out[i] = buf[n - 1 - i];
    out[n] = 0;
    return arena_strdup(&ch->cx->arena, out);
}

/* Checks that an integer literal fits the target integer (or bool) type. */
bool literal_fits(struct checker *ch, struct expr *e, struct type *target, bool report)
{
    struct expr *lit = e->kind == E_UNARY ? e->a : e;
    if (lit->kind != E_INT || !target)
        return true;
    bool neg = e->kind == E_UNARY;
    if (lit->ival > ((u128)1 << 64)) {
        if (report) {
            char digits[48];
            int n = 0;
            u128 v = lit->ival;
            char rev[48];
            do {
                rev[n++] = (char)('0' + (int)(v % 10));
                v /= 10;
            } while (v && n < 45);
            for (int i = 0; i < n; i++)
                digits[i] = rev[n - 1 - i];
            digits[n] = 0;
            check_error(ch, "E101", e->line, e->col, "integers are at most 64 bits wide",
                        "Integer literal %s%s is too large for any integer type", neg ? "-" : "", digits);
        }
        return false;
    }
    __int128 v = neg ? -(__int128)lit->ival : (__int128)lit->ival;
    if (target->kind == TY_BOOL) {
        if (v != 0 && v != 1) {
            if (report)
                check_error(ch, "E101", e->line, e->col, "use True or False",
                            "Integer literal %s cannot initialize 'bool' (allowed values are 0 or 1)", i128_str(ch, v));
            return false;
        }
        return true;
    }
    if (target->kind != TY_INT)
        return true;
    __int128 lo, hi;
    int_range(target, &lo, &hi);
    if (v < lo || v > hi) {
        if (report)
            check_error(ch, "E101", e->line, e->col, "use a wider type or a smaller value",
                        "Integer literal %s does not fit in '%s' (allowed range %s..=%s)", i128_str(ch, v),
                        ty_name(ch, ty_clear(ch, target)), i128_str(ch, lo), i128_str(ch, hi));
        return false;
    }
    return true;
}

static struct type *suffix_type(struct checker *ch, int suffix)
{
    switch (suffix) {
    case SUF_I8: return ty_int(ch, true, 8);
    case SUF_I16: return ty_int(ch, true, 16);
    case SUF_I32: return ty_int(ch, true, 32);
    case SUF_I64: return ty_int(ch, true, 64);
    case SUF_U8: return ty_int(ch, false, 8);
    case SUF_U16: return ty_int(ch, false, 16);
    case SUF_U32: return ty_int(ch, false, 32);
    case SUF_U64: return ty_int(ch, false, 64);
    default: return NULL;
    }
}

/* Type an untyped integer literal (possibly negated) takes in the context `expected`. */
static struct type *literal_type(struct checker *ch, struct expr *e, struct type *expected)
{
    struct type *base = expected ? ty_clear(ch, expected) : NULL;
    if (base && (base->kind == TY_INT || base->kind == TY_FLOAT || base->kind == TY_FIX)) {
        literal_fits(ch, e, base, true);
        return base;
    }
    if (base && base->kind == TY_BOOL) {
        literal_fits(ch, e, base, true);
        return base;
    }
    literal_fits(ch, e, ch->t_i64, true);
    return ch->t_i64;
}

static bool is_secret_bool(const struct type *t)
{
    return t && t->secret && t->kind == TY_BOOL;
}

static struct type *weak_refine_operands(struct checker *ch, struct expr *e, struct type *lt, struct type *rt)
{
    if (ch->pass != 1)
        return NULL;
    const char *why = arena_printf(&ch->cx->arena, "the operand of '%s' at %d:%d", op_text(e->op), e->line, e->col);
    if (e->a->kind == E_IDENT && e->a->var && e->a->var->weak && !is_untyped_lit(e->b) && ty_is_numeric(rt))
        refine_var(ch, e->a, rt, why);
    if (e->b->kind == E_IDENT && e->b->var && e->b->var->weak && !is_untyped_lit(e->a) && ty_is_numeric(lt))
        refine_var(ch, e->b, lt, why);
    return NULL;
}

static struct type *check_arith(struct checker *ch, struct expr *e, struct type *lt, struct type *rt)
{
    const char *op = op_text(e->op);
    bool secret = ty_is_secret(lt) || ty_is_secret(rt);
    if (ty_is_unknown(lt) || ty_is_unknown(rt)) {
        struct type *other = ty_is_unknown(lt) ? rt : lt;
        if (other && ty_is_secret(other) && other->kind != TY_SHARE)
            return other;
        return ch->t_unknown;
    }
    if (lt->kind == TY_SHARE || rt->kind == TY_SHARE) {
        struct type *other = lt->kind == TY_SHARE ? rt : lt;
        if (other->kind == TY_SHARE)
            return ch->t_share;
        if (ty_is_numeric(other) || other->kind == TY_BOOL)
            return ty_secret(ch, other->kind == TY_FLOAT ? ch->t_fix : other);
    }
    struct type *a = ty_clear(ch, lt), *b = ty_clear(ch, rt);
    if (e->op == OP_ADD && a->kind == TY_STRING && b->kind == TY_STRING && !secret)
        return ch->t_string;
    if (e->op == OP_ADD && a->kind == TY_LIST && b->kind == TY_LIST) {
        if (ty_compat(a, b) != COMPAT_OK && ty_compat(b, a) != COMPAT_OK)
            check_error(ch, "E101", e->line, e->col, NULL, "Cannot concatenate '%s' and '%s'", ty_name(ch, a), ty_name(ch, b));
        return ty_is_unknown(a->elem) ? b : a;
    }
    if (e->op == OP_MUL && ((a->kind == TY_LIST && b->kind == TY_INT) || (a->kind == TY_INT && b->kind == TY_LIST)))
        return a->kind == TY_LIST ? a : b;
    /* secret bool arithmetic on bits: + - * with secret bools or 0/1 literals */
    if ((is_secret_bool(lt) || is_secret_bool(rt)) && (e->op == OP_ADD || e->op == OP_SUB || e->op == OP_MUL)) {
        struct type *other = is_secret_bool(lt) ? rt : lt;
        struct expr *oe = is_secret_bool(lt) ? e->b : e->a;
        if (other->kind == TY_BOOL || (is_untyped_lit(oe) && literal_fits(ch, oe, ch->t_bool, false)))
            return ch->t_sbool;
        if (other->kind == TY_INT && (ty_is_secret(other) || e->op == OP_MUL || !is_untyped_lit(oe))) {
            /* b * x: selection with a secret bit; the bit is retagged to the other operand's width */
            return ty_secret(ch, other);
        }
    }
    if (!ty_is_numeric(a) || !ty_is_numeric(b)) {
        check_error(ch, "E101", e->line, e->col, NULL, "Operands to '%s' must be numeric, found '%s' and '%s'", op, ty_name(ch, lt),
                    ty_name(ch, rt));
        return ch->t_unknown;
    }
    struct type *res = NULL;
    if (ty_equal(a, b))
        res = a;
    else if (a->kind == TY_FIX && b->kind == TY_FLOAT)
        res = a;
    else if (b->kind == TY_FIX && a->kind == TY_FLOAT)
        res = b;
    else if (a->kind == TY_INT && a->is_signed && a->bits == 64 && (b->kind == TY_FLOAT || b->kind == TY_FIX))
        res = b;
    else if (b->kind == TY_INT && b->is_signed && b->bits == 64 && (a->kind == TY_FLOAT || a->kind == TY_FIX))
        res = a;
    if (!res) {
        check_error(ch, "E101", e->line, e->col, "give literals a width suffix such as 10i32, or keep both operands one type",
                    "Arithmetic '%s' requires matching numeric types, found '%s' and '%s'", op, ty_name(ch, lt),
                    ty_name(ch, rt));
        return ch->t_unknown;
    }
    if (secret && res->kind == TY_FLOAT)
        res = ch->t_fix;
    if (secret && (e->op == OP_DIV || e->op == OP_REM || e->op == OP_MOD) && res->kind == TY_FIX && ty_is_secret(rt))
        check_error(ch, "E101", e->line, e->col, "divide by a clear constant instead",
                    "Fixed-point division by a secret value is not supported");
    if (secret && (e->op == OP_REM || e->op == OP_MOD) && res->kind == TY_FIX)
        check_error(ch, "E101", e->line, e->col, NULL, "'%s' is not supported on secret fixed-point values", op);
    return secret ? ty_secret(ch, res) : res;
}

static struct type *check_compare(struct checker *ch, struct expr *e, struct type *lt, struct type *rt)
{
    const char *op = op_text(e->op);
    bool secret = ty_is_secret(lt) || ty_is_secret(rt);
    bool eq = e->op == OP_EQ || e->op == OP_NE;
    if (ty_is_unknown(lt) || ty_is_unknown(rt) || lt->kind == TY_NONE || rt->kind == TY_NONE)
        return secret ? ch->t_sbool : ch->t_bool;
    struct type *a = lt->kind == TY_SHARE ? ch->t_i64 : ty_clear(ch, lt);
    struct type *b = rt->kind == TY_SHARE ? ch->t_i64 : ty_clear(ch, rt);
    bool ok = (ty_is_numeric(a) && ty_is_numeric(b)) || (a->kind == TY_BOOL && b->kind == TY_BOOL) ||
              (a->kind == TY_STRING && b->kind == TY_STRING && !secret) ||
              (eq && a->kind == TY_LIST && b->kind == TY_LIST && !secret) ||
              (eq && a->kind == b->kind && (a->kind == TY_OBJECT || a->kind == TY_DICT || a->kind == TY_OPAQUE) && !secret);
    if (ok && secret && (a->kind == TY_BOOL || b->kind == TY_BOOL) && !eq)
        ok = false;
    if (ok && secret && (a->kind == TY_FIX || b->kind == TY_FIX) && (a->kind == TY_INT || b->kind == TY_INT) &&
        !(is_untyped_lit(e->a) || is_untyped_lit(e->b) || (a->kind == TY_INT && a->bits == 64 && a->is_signed) ||
          (b->kind == TY_INT && b->bits == 64 && b->is_signed)))
        ok = false;
    if (!ok) {
        check_error(ch, "E101", e->line, e->col, NULL,
                    "Operands to '%s' must be numeric (ints or float), or matching bool/string values, found '%s' and '%s'", op,
                    ty_name(ch, lt), ty_name(ch, rt));
        return ch->t_bool;
    }
    return secret ? ch->t_sbool : ch->t_bool;
}

static struct type *check_logic(struct checker *ch, struct expr *e, struct type *lt, struct type *rt)
{
    const char *op = op_text(e->op);
    bool secret = ty_is_secret(lt) || ty_is_secret(rt);
    if (ty_is_unknown(lt) || ty_is_unknown(rt))
        return secret ? ch->t_sbool : ch->t_unknown;
    struct type *a = ty_clear(ch, lt), *b = ty_clear(ch, rt);
    if (a->kind == TY_BOOL && b->kind == TY_BOOL)
        return secret ? ch->t_sbool : ch->t_bool;
    if ((a->kind == TY_INT || lt->kind == TY_SHARE) && (b->kind == TY_INT || rt->kind == TY_SHARE)) {
        if (secret) {
            check_error(ch, "E101", e->line, e->col, "use secret bool operands, or reveal first",
                        "Bitwise '%s' is not supported on secret integers (only secret bool)", op);
            return ch->t_unknown;
        }
        if (!ty_equal(a, b)) {
            check_error(ch, "E101", e->line, e->col, "give literals a width suffix such as 1u64",
                        "Bitwise '%s' requires matching integer types, found '%s' and '%s'", op, ty_name(ch, lt), ty_name(ch, rt));
            return ch->t_unknown;
        }
        return a;
    }
    check_error(ch, "E101", e->line, e->col, NULL, "Operands to '%s' must be bool or matching integers, found '%s' and '%s'", op,
                ty_name(ch, lt), ty_name(ch, rt));
    return ch->t_unknown;
}

static struct type *check_binary(struct checker *ch, struct expr *e, struct type *expected)
{
    int op = e->op;
    bool arith = op == OP_ADD || op == OP_SUB || op == OP_MUL || op == OP_DIV || op == OP_REM || op == OP_MOD;
    bool cmp = op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
    struct type *num_expected = NULL;
    if (arith && expected && (ty_is_numeric(ty_clear(ch, expected))))
        num_expected = ty_clear(ch, expected);
    struct type *lt, *rt;
    if (op == OP_RANGE) {
        check_expr(ch, e->a, NULL);
        check_expr(ch, e->b, NULL);
        check_error(ch, "E101", e->line, e->col, "use range(a, b) for a list of integers",
                    "A range 'a..b' is only valid in a for-loop header");
        return ch->t_unknown;
    }
    bool adopt = arith || cmp;
    if (adopt && is_untyped_lit(e->a) && !is_untyped_lit(e->b)) {
        rt = check_expr(ch, e->b, num_expected);
        struct type *bt = ty_clear(ch, rt);
        lt = check_expr(ch, e->a, ty_is_numeric(bt) ? bt : num_expected);
    } else {
        lt = check_expr(ch, e->a, adopt ? num_expected : NULL);
        struct type *at = ty_clear(ch, lt);
        rt = check_expr(ch, e->b, adopt && is_untyped_lit(e->b) && ty_is_numeric(at) ? at : (adopt ? num_expected : NULL));
    }
    if (arith || cmp)
        weak_refine_operands(ch, e, lt, rt);
    if (arith)
        return check_arith(ch, e, lt, rt);
    if (cmp)
        return check_compare(ch, e, lt, rt);
    if (op == OP_AND || op == OP_OR || op == OP_XOR)
        return check_logic(ch, e, lt, rt);
    if (op == OP_SHL || op == OP_SHR) {
        if (ty_is_secret(lt) || ty_is_secret(rt)) {
            check_error(ch, "E101", e->line, e->col, "reveal first, or multiply by a power of two", "'%s' is not supported on secret values",
                        op_text(op));
            return ch->t_unknown;
        }
        if (ty_is_unknown(lt) || ty_is_unknown(rt))
            return ty_is_unknown(lt) ? ch->t_unknown : lt;
        if (!ty_is_int(lt) || !ty_is_int(rt) || !ty_equal(lt, rt)) {
            check_error(ch, "E101", e->line, e->col, "give the shift amount the same type, e.g. `v shr 1u64`",
                        "'%s' requires two integers of the same type, found '%s' and '%s'", op_text(op), ty_name(ch, lt),
                        ty_name(ch, rt));
            return ch->t_unknown;
        }
        return lt;
    }
    /* in */
    if (ty_is_secret(lt) || ty_is_secret(rt)) {
        check_error(ch, "E101", e->line, e->col, NULL, "'in' is not supported on secret values");
        return ch->t_bool;
    }
    if (!ty_is_unknown(rt) && rt->kind != TY_LIST && rt->kind != TY_DICT && rt->kind != TY_STRING)
        check_error(ch, "E101", e->b->line, e->b->col, NULL, "Right side of 'in' must be a list, dict, or string, found '%s'",
                    ty_name(ch, rt));
    return ch->t_bool;
}

static struct type *check_unary(struct checker *ch, struct expr *e, struct type *expected)
{
    if (e->op == OP_NEG && e->a->kind == E_INT && e->a->suffix == SUF_NONE) {
        e->untyped_int = true;
        struct type *t = literal_type(ch, e, expected);
        e->a->type = t;
        return t;
    }
    struct type *t = check_expr(ch, e->a, e->op == OP_NEG ? expected : NULL);
    if (ty_is_unknown(t))
        return t;
    if (e->op == OP_NEG) {
        struct type *b = t->kind == TY_SHARE ? ch->t_i64 : ty_clear(ch, t);
        if (b->kind == TY_INT && !b->is_signed) {
            check_error(ch, "E101", e->line, e->col, NULL, "Unary '-' requires a signed numeric operand, found '%s'", ty_name(ch, t));
            return t;
        }
        if (!ty_is_numeric(b)) {
            check_error(ch, "E101", e->line, e->col, NULL, "Unary '-' requires a signed numeric operand, found '%s'", ty_name(ch, t));
            return ch->t_unknown;
        }
        return t;
    }
    if (t->kind == TY_BOOL)
        return t;
    if (ty_is_secret(t)) {
        check_error(ch, "E101", e->line, e->col, "only secret bool supports 'not'", "Bitwise 'not' is not supported on secret integers");
        return ch->t_unknown;
    }
    if (t->kind == TY_INT)
        return t;
    check_error(ch, "E101", e->line, e->col, NULL, "Operand of 'not' must be bool or an integer, found '%s'", ty_name(ch, t));
    return ch->t_unknown;
}

static struct type *check_field(struct checker *ch, struct expr *e)
{
    struct expr *a = e->a;
    if (a->kind == E_IDENT && !lookup_var(ch, a->name)) {
        struct stmt *en = strmap_get(&ch->enums, a->name);
        if (en) {
            for (size_t i = 0; i < en->member_count; i++)
                if (strcmp(en->members[i].name, e->name) == 0) {
                    e->const_folded = true;
                    e->ival = (u128)en->members[i].value;
                    a->type = ch->t_i64;
                    return ch->t_i64;
                }
            check_error(ch, "E201", e->line, e->col, NULL, "Enum '%s' has no member '%s'", a->name, e->name);
            return ch->t_i64;
        }
        if (strmap_get(&ch->prefixes, a->name) || strmap_get(&ch->builtin_objects, a->name)) {
            check_error(ch, "E201", e->line, e->col, NULL, "'%s.%s' is not a value; module constants are not supported", a->name, e->name);
            return ch->t_unknown;
        }
    }
    struct type *t = check_expr(ch, a, NULL);
    if (strcmp(e->name, "length") == 0 && (t->kind == TY_LIST || t->kind == TY_STRING || ty_is_unknown(t))) {
        check_error(ch, "E201", e->line, e->col, "use len(xs)", "'.length' is not supported; use len(xs)");
        return ch->t_i64;
    }
    if (t->kind == TY_OBJECT && t->obj) {
        for (size_t i = 0; i < t->obj->field_count; i++)
            if (strcmp(t->obj->field_names[i], e->name) == 0)
                return t->obj->field_types[i];
        check_error(ch, "E101", e->line, e->col, NULL, "Unknown field '%s' for object '%s'", e->name, t->name);
        return ch->t_unknown;
    }
    if (ty_is_secret(t)) {
        check_error(ch, "E101", e->line, e->col, NULL, "Cannot access field '%s' of a secret value", e->name);
        return ch->t_unknown;
    }
    return ch->t_unknown;
}

static struct type *check_index(struct checker *ch, struct expr *e)
{
    struct type *t = check_expr(ch, e->a, NULL);
    struct type *key_expected = t->kind == TY_DICT ? t->key : ch->t_i64;
    struct type *it = check_expr(ch, e->b, key_expected);
    if (ty_is_secret(it)) {
        check_error(ch, "E101", e->b->line, e->b->col, "reveal the index first", "Cannot index with a secret value");
        return ch->t_unknown;
    }
    if (t->kind == TY_LIST || t->kind == TY_STRING) {
        if (!ty_is_unknown(it) && it->kind != TY_INT)
            check_error(ch, "E101", e->b->line, e->b->col, NULL, "Index must be an integer, found '%s'", ty_name(ch, it));
        return t->kind == TY_LIST ? t->elem : ch->t_string;
    }
    if (t->kind == TY_DICT) {
        if (!ty_is_unknown(it) && !ty_is_unknown(t->key) && ty_compat(t->key, it) != COMPAT_OK)
            check_error(ch, "E101", e->b->line, e->b->col, NULL, "Type mismatch. Expected '%s', found '%s'", ty_name(ch, t->key),
                        ty_name(ch, it));
        return t->elem;
    }
    if (ty_is_secret(t)) {
        check_error(ch, "E101", e->line, e->col, NULL, "Cannot index a secret value");
        return ch->t_unknown;
    }
    if (!ty_is_unknown(t) && t->kind != TY_OBJECT && t->kind != TY_OPAQUE)
        check_error(ch, "E101", e->line, e->col, NULL, "Cannot index a value of type '%s'", ty_name(ch, t));
    return ch->t_unknown;
}

static struct type *check_list(struct checker *ch, struct expr *e, struct type *expected)
{
    struct type *elem = expected && expected->kind == TY_LIST && !ty_is_unknown(expected->elem) ? expected->elem : NULL;
    bool from_context = elem != NULL;
    /* the element type is the type of the first element that is not an untyped integer literal;
     * untyped literals adapt to a numeric element type, otherwise the first element decides */
    if (!elem)
        for (size_t i = 0; i < e->item_count; i++)
            if (!is_untyped_lit(e->items[i])) {
                elem = check_expr(ch, e->items[i], NULL);
                if (!ty_is_numeric(ty_clear(ch, elem)) && elem->kind != TY_SHARE && i > 0)
                    elem = NULL;
                break;
            }
    for (size_t i = 0; i < e->item_count; i++) {
        struct type *t = check_expr(ch, e->items[i], elem);
        if (!elem) {
            elem = t;
            continue;
        }
        if (ty_is_unknown(t) || ty_is_unknown(elem))
            continue;
        int c = ty_compat(elem, t);
        if (c != COMPAT_OK && !(from_context && c == COMPAT_REVEAL && false)) {
            check_error(ch, "E101", e->items[i]->line, e->items[i]->col, "a list holds values of one type",
                        "List elements must share one type: expected '%s', found '%s'", ty_name(ch, elem), ty_name(ch, t));
            break;
        }
    }
    if (elem && elem->kind == TY_SHARE)
        elem = ty_secret(ch, ch->t_i64);
    return ty_list(ch, elem ? elem : ch->t_unknown);
}

static struct type *check_dict(struct checker *ch, struct expr *e, struct type *expected)
{
    struct type *k = expected && expected->kind == TY_DICT && !ty_is_unknown(expected->key) ? expected->key : NULL;
    struct type *v = expected && expected->kind == TY_DICT && !ty_is_unknown(expected->elem) ? expected->elem : NULL;
    for (size_t i = 0; i < e->item_count; i++) {
        struct type *kt = check_expr(ch, e->items[i], k);
        struct type *vt = check_expr(ch, e->values[i], v);
        if (!k)
            k = kt;
        else if (ty_compat(k, kt) != COMPAT_OK)
            check_error(ch, "E101", e->items[i]->line, e->items[i]->col, NULL, "Dict keys must share one type: expected '%s', found '%s'",
                        ty_name(ch, k), ty_name(ch, kt));
        if (!v)
            v = vt;
        else if (ty_compat(v, vt) != COMPAT_OK)
            check_error(ch, "E101", e->values[i]->line, e->values[i]->col, NULL,
                        "Dict values must share one type: expected '%s', found '%s'", ty_name(ch, v), ty_name(ch, vt));
    }
    return ty_dict(ch, k, v);
}

static struct type *check_comp(struct checker *ch, struct expr *e)
{
    struct type *it = check_expr(ch, e->b, NULL);
    struct type *vt = it->kind == TY_LIST ? it->elem : it->kind == TY_STRING ? ch->t_string : ch->t_unknown;
    if (!ty_is_unknown(it) && it->kind != TY_LIST && it->kind != TY_STRING)
        check_error(ch, "E101", e->b->line, e->b->col, NULL, "Cannot iterate over a value of type '%s'", ty_name(ch, it));
    struct scope *s = arena_alloc(&ch->cx->arena, sizeof *s);
    s->parent = ch->scope;
    ch->scope = s;
    struct var_sym *v = declare_var(ch, e->name, vt, e->line, e->col);
    v->annotated = true;
    e->var = v;
    if (e->c) {
        struct type *ct = check_expr(ch, e->c, NULL);
        if (ty_is_secret(ct))
            check_error(ch, "E101", e->c->line, e->c->col, NULL,
                        "Branching with secret values isn't supported yet (secret condition in 'if')");
        else if (!ty_is_unknown(ct) && ct->kind != TY_BOOL)
            check_error(ch, "E101", e->c->line, e->c->col, NULL, "If-condition must be of type 'bool', found '%s'", ty_name(ch, ct));
    }
    struct type *et = check_expr(ch, e->a, NULL);
    ch->scope = s->parent;
    /* hidden result list and index live in the enclosing function */
    if (et->kind == TY_SHARE)
        et = ty_secret(ch, ch->t_i64);
    return ty_list(ch, et);
}

struct type *check_expr(struct checker *ch, struct expr *e, struct type *expected)
{
    struct type *t = ch->t_unknown;
    switch (e->kind) {
    case E_INT:
        if (e->suffix != SUF_NONE) {
            t = suffix_type(ch, e->suffix);
            literal_fits(ch, e, t, true);
        } else {
            e->untyped_int = true;
            t = literal_type(ch, e, expected);
        }
        break;
    case E_FLOAT: {
        struct type *b = expected ? ty_clear(ch, expected) : NULL;
        t = b && b->kind == TY_FIX ? b : ch->t_float;
        break;
    }
    case E_STRING: t = ch->t_string; break;
    case E_BOOL: t = ch->t_bool; break;
    case E_NONE: t = ch->t_none; break;
    case E_IDENT: {
        struct var_sym *v = lookup_var(ch, e->name);
        if (!v) {
            if (strmap_get(&ch->funcs, e->name)) {
                check_error(ch, "E201", e->line, e->col, arena_printf(&ch->cx->arena, "call it: %s(...), or use create_closure(\"%s\")", e->name, e->name),
                            "Function '%s' used as a value", e->name);
            } else {
                const char *best = suggest_name(ch, e->name, false);
                check_error(ch, "E201", e->line, e->col, best ? arena_printf(&ch->cx->arena, "Did you mean '%s'?", best) : NULL,
                            "Use of undeclared variable '%s'", e->name);
            }
            break;
        }
        if (v->is_global && v->module != ch->entry_module && ch->fn && !ch->fn->toplevel)
            check_error(ch, "E201", e->line, e->col, "pass the value as a parameter instead",
                        "Module-level variable '%s' of an imported module cannot be used in a function", v->name);
        e->var = v;
        t = v->type;
        break;
    }
    case E_UNARY: t = check_unary(ch, e, expected); break;
    case E_BINARY: t = check_binary(ch, e, expected); break;
    case E_CALL: t = check_call(ch, e, expected); break;
    case E_FIELD: t = check_field(ch, e); break;
    case E_INDEX: t = check_index(ch, e); break;
    case E_SLICE: t = ch->t_unknown; break;
    case E_LIST: t = check_list(ch, e, expected); break;
    case E_DICT: t = check_dict(ch, e, expected); break;
    case E_COMP: t = check_comp(ch, e); break;
    }
    if (!t)
        t = ch->t_unknown;
    e->type = t;
    return t;
}
