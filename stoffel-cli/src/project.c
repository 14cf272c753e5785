/*
 * project.c - parsing and validating Stoffel.toml (net-cli.md section 4.4). Every table rejects
 * unknown keys; every error names the file, the line, the key or value, and the fix. Our rule for
 * parties and threshold: n >= 2t+1 (semi-honest), n >= 3t+1 (robust); mpc.security picks the mode
 * (default: robust when n >= 3t+1, else semi-honest).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stoffel/lang.h>

#include "cli.h"
#include "lang_cli.h"
#include "project.h"
#include "toml.h"

#define MAX_PARTIES 1000

typedef struct {
    const char *file;
    char *err;
    size_t err_len;
} parse_ctx;

__attribute__((format(printf, 3, 4))) static int fail_at(parse_ctx *c, const toml_value *where, const char *fmt, ...)
{
    int n = snprintf(c->err, c->err_len, "%s:%d:%d: ", c->file, where ? where->line : 1, where ? where->column : 1);
    if (n < 0 || (size_t)n >= c->err_len)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->err_len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Known misspellings and renamed keys, with what to write instead. */
static const struct {
    const char *bad, *good;
} typo_hints[] = {
    {"naem", "name"}, {"sorce", "source"}, {"src", "source"}, {"threshhold", "threshold"}, {"treshold", "threshold"},
    {"party_count", "parties"}, {"n_parties", "parties"}, {"num_parties", "parties"}, {"n", "parties"},
    {"t", "threshold"}, {"security_mode", "security"}, {"mode", "security"}, {"output", "target_dir"},
    {"opt_level", "optimization_level"}, {"optimization", "optimization_level"},
};

/* Keys of older Stoffel.toml versions that are no longer accepted. */
static const char *const retired_keys[] = {"edition", "target", "dev", "dependencies", "dev-dependencies", NULL};

static int unknown_key(parse_ctx *c, const char *table, const toml_entry *e, const char *const *allowed)
{
    for (size_t i = 0; i < sizeof typo_hints / sizeof typo_hints[0]; i++)
        if (!strcmp(e->key, typo_hints[i].bad))
            for (const char *const *a = allowed; *a; a++)
                if (!strcmp(*a, typo_hints[i].good))
                    return fail_at(c, e->value, "unknown key `%s` in %s; did you mean `%s`?", e->key, table, *a);
    if (!strcmp(e->key, "instance_id"))
        return fail_at(c, e->value, "`instance_id` does not belong in %s; move it to [mpc]", table);
    if (!strcmp(table, "the top level") && !strcmp(e->key, "network"))
        return fail_at(c, e->value, "a [network] table does not belong in Stoffel.toml; network config is passed to "
                                    "`stoffel run --network network.toml` (see `stoffel network init`)");
    for (const char *const *r = retired_keys; *r; r++)
        if (!strcmp(e->key, *r))
            return fail_at(c, e->value, "`%s` in %s is a key of older Stoffel.toml versions and is not supported; "
                                        "remove it", e->key, table);
    const char *best = NULL;
    size_t best_d = 3;
    for (const char *const *a = allowed; *a; a++) {
        size_t d = cli_edit_distance(e->key, *a);
        if (d < best_d) {
            best_d = d;
            best = *a;
        }
    }
    if (best)
        return fail_at(c, e->value, "unknown key `%s` in %s; did you mean `%s`?", e->key, table, best);
    char list[256] = "";
    for (const char *const *a = allowed; *a; a++) {
        strncat(list, list[0] ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, *a, sizeof list - strlen(list) - 1);
    }
    return fail_at(c, e->value, "unknown key `%s` in %s; the keys allowed there are %s", e->key, table, list);
}

static int check_keys(parse_ctx *c, const char *table, const toml_value *t, const char *const *allowed)
{
    for (size_t i = 0; i < t->u.table.count; i++) {
        const toml_entry *e = &t->u.table.entries[i];
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(e->key, *a);
        if (!ok)
            return unknown_key(c, table, e, allowed);
    }
    return 0;
}

static int get_string(parse_ctx *c, const toml_value *t, const char *table, const char *key, char **out)
{
    const toml_value *v = toml_get(t, key);
    if (!v)
        return 0;
    if (v->kind != TOML_STRING)
        return fail_at(c, v, "[%s].%s must be a string, not %s; write %s = \"...\"", table, key, toml_kind_name(v->kind), key);
    free(*out);
    *out = strdup(v->u.string);
    return *out ? 0 : fail_at(c, v, "out of memory");
}

/* An unsigned integer in [lo, hi]; a quoted number gets the "unquoted" hint. */
static int get_uint(parse_ctx *c, const toml_value *t, const char *table, const char *key, uint64_t lo, uint64_t hi,
                    uint64_t *out, int *present)
{
    const toml_value *v = toml_get(t, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    if (v->kind == TOML_STRING)
        return fail_at(c, v, "[%s].%s is the string \"%s\"; write [%s].%s as an unquoted positive whole number "
                             "(%s = %llu)", table, key, v->u.string, table, key, key,
                       (unsigned long long)(strtoull(v->u.string, NULL, 10) ? strtoull(v->u.string, NULL, 10) : lo));
    if (v->kind != TOML_INTEGER)
        return fail_at(c, v, "[%s].%s must be a whole number, not %s", table, key, toml_kind_name(v->kind));
    if (v->u.integer < 0 || (uint64_t)v->u.integer < lo || (uint64_t)v->u.integer > hi)
        return fail_at(c, v, "[%s].%s = %lld is out of range; use a whole number from %llu to %llu", table, key,
                       (long long)v->u.integer, (unsigned long long)lo, (unsigned long long)hi);
    *out = (uint64_t)v->u.integer;
    return 0;
}

/* build.source / build.target_dir: relative, no "..", not ".". */
static int check_rel_path(parse_ctx *c, const toml_value *v, const char *key, const char *path)
{
    if (!*path || path[0] == '/')
        return fail_at(c, v, "invalid build.%s `%s`; use a path relative to the project root", key, path);
    if (!strcmp(path, ".") || !strcmp(path, "./"))
        return fail_at(c, v, "invalid build.%s `%s`; name a subdirectory or file, not the project root", key, path);
    for (const char *s = path; (s = strstr(s, "..")); s += 2)
        if ((s == path || s[-1] == '/') && (s[2] == 0 || s[2] == '/'))
            return fail_at(c, v, "invalid build.%s `%s`; `..` is not allowed, keep it inside the project", key, path);
    return 0;
}

static int parse_package(parse_ctx *c, const toml_value *pkg, project *p)
{
    static const char *const keys[] = {"name", "version", "authors", "description", NULL};
    if (pkg->kind != TOML_TABLE)
        return fail_at(c, pkg, "`package` must be a table; write [package]");
    if (check_keys(c, "[package]", pkg, keys) || get_string(c, pkg, "package", "name", &p->name) ||
        get_string(c, pkg, "package", "version", &p->version))
        return -1;
    const toml_value *d = toml_get(pkg, "description");
    if (d && d->kind != TOML_STRING)
        return fail_at(c, d, "[package].description must be a string");
    const toml_value *v = toml_get(pkg, "name");
    if (!p->name[0])
        return fail_at(c, v, "[package].name is empty; name the package, e.g. name = \"my-app\"");
    for (const char *s = p->name; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return fail_at(c, v, "[package].name `%s` has the character `%c`; use only letters, digits, `_` and `-` "
                                 "(it names the build artifacts)", p->name, *s);
    if (!p->version[0])
        return fail_at(c, toml_get(pkg, "version"), "[package].version is empty; write version = \"0.1.0\"");
    const toml_value *a = toml_get(pkg, "authors");
    if (a && a->kind != TOML_ARRAY)
        return fail_at(c, a, "[package].authors must be an array of strings, e.g. authors = [\"Ada\"]");
    for (size_t i = 0; a && i < a->u.array.count; i++)
        if (a->u.array.items[i]->kind != TOML_STRING)
            return fail_at(c, a->u.array.items[i], "[package].authors must hold strings, e.g. authors = [\"Ada\"]");
    return 0;
}

static int parse_backend(parse_ctx *c, const toml_value *v, project *p)
{
    const char *s = v->u.string;
    if (!strcasecmp(s, "honeybadger") || !strcasecmp(s, "hb")) {
        p->backend = STOFFEL_LANG_BACKEND_HONEYBADGER;
        return 0;
    }
    if (!strncasecmp(s, "avss", 4) && (s[4] == 0 || s[4] == ':')) {
        p->backend = STOFFEL_LANG_BACKEND_AVSS;
        if (s[4] == ':' && lang_cli_curve(s + 5, &p->curve) != 0)
            return fail_at(c, v, "[mpc].backend `%s` names an unknown curve; use avss:bls12_381, avss:bn254, "
                                 "avss:curve25519, avss:ed25519, avss:secp256k1 or avss:p-256", s);
        return 0;
    }
    return fail_at(c, v, "[mpc].backend `%s` is not a backend; use \"honeybadger\", \"avss\" or \"avss:<curve>\"", s);
}

/* The threshold rule: t >= 1, n >= 2t+1 (semi-honest) or n >= 3t+1 (robust). */
static int check_threshold(parse_ctx *c, const toml_value *mpc, project *p)
{
    const toml_value *where = toml_get(mpc, "parties");
    if (!where)
        where = toml_get(mpc, "threshold");
    unsigned n = p->parties, t = p->threshold;
    if (p->robust && n < 3 * t + 1)
        return fail_at(c, where, "[mpc] parties = %u with threshold = %u violates the robust bound n >= 3t+1 "
                                 "(needs parties >= %u); raise parties, lower threshold, or set security = "
                                 "\"semi-honest\" (n >= 2t+1)", n, t, 3 * t + 1);
    if (n < 2 * t + 1 && n >= 3)
        return fail_at(c, where, "[mpc] parties = %u with threshold = %u violates the bound n >= 2t+1 (needs "
                                 "parties >= %u); raise parties to %u or lower threshold to %u", n, t, 2 * t + 1,
                       2 * t + 1, (n - 1) / 2);
    if (n < 2 * t + 1)
        return fail_at(c, where, "[mpc] parties = %u with threshold = %u violates the bound n >= 2t+1 (needs "
                                 "parties >= %u); raise parties to %u", n, t, 2 * t + 1, 2 * t + 1);
    return 0;
}

static int parse_mpc(parse_ctx *c, const toml_value *mpc, project *p)
{
    static const char *const keys[] = {"backend", "protocol", "curve", "field", "parties", "threshold",
                                       "security", "instance_id", "client_output_counts", NULL};
    if (mpc->kind != TOML_TABLE)
        return fail_at(c, mpc, "`mpc` must be a table; write [mpc]");
    if (check_keys(c, "[mpc]", mpc, keys))
        return -1;
    if (toml_get(mpc, "backend") && toml_get(mpc, "protocol"))
        return fail_at(c, toml_get(mpc, "protocol"), "[mpc] sets both `backend` and its alias `protocol`; keep one");
    if (toml_get(mpc, "curve") && toml_get(mpc, "field"))
        return fail_at(c, toml_get(mpc, "field"), "[mpc] sets both `curve` and its alias `field`; keep one");
    const toml_value *v = toml_get(mpc, "backend") ? toml_get(mpc, "backend") : toml_get(mpc, "protocol");
    if (v && v->kind != TOML_STRING)
        return fail_at(c, v, "[mpc].backend must be a string such as \"honeybadger\"");
    if (v && parse_backend(c, v, p))
        return -1;
    v = toml_get(mpc, "curve") ? toml_get(mpc, "curve") : toml_get(mpc, "field");
    if (v && (v->kind != TOML_STRING || lang_cli_curve(v->u.string, &p->curve) != 0))
        return fail_at(c, v, "[mpc].curve `%s` is not a curve; use bls12_381, bn254, curve25519, ed25519, secp256k1 "
                             "or secp256r1", v->kind == TOML_STRING ? v->u.string : toml_kind_name(v->kind));
    uint64_t x;
    int present;
    if (get_uint(c, mpc, "mpc", "parties", 1, MAX_PARTIES, &x, &present))
        return -1;
    if (present)
        p->parties = (unsigned)x;
    if (get_uint(c, mpc, "mpc", "threshold", 0, MAX_PARTIES, &x, &present))
        return -1;
    if (present && x == 0)
        return fail_at(c, toml_get(mpc, "threshold"), "[mpc].threshold = 0; the threshold must be at least 1 "
                                                      "(threshold = 1 tolerates one corrupt party)");
    if (present)
        p->threshold = (unsigned)x;
    if (get_uint(c, mpc, "mpc", "instance_id", 0, INT64_MAX, &p->instance_id, &p->has_instance_id))
        return -1;
    v = toml_get(mpc, "security");
    if (v) {
        if (v->kind != TOML_STRING || (strcmp(v->u.string, "semi-honest") && strcmp(v->u.string, "robust")))
            return fail_at(c, v, "[mpc].security `%s` is not a mode; use \"semi-honest\" (n >= 2t+1) or \"robust\" "
                                 "(n >= 3t+1)", v->kind == TOML_STRING ? v->u.string : toml_kind_name(v->kind));
        p->robust = !strcmp(v->u.string, "robust");
        p->security_set = 1;
    } else {
        p->robust = p->parties >= 3 * p->threshold + 1;
    }
    const toml_value *co = toml_get(mpc, "client_output_counts");
    if (co && co->kind != TOML_TABLE)
        return fail_at(c, co, "[mpc.client_output_counts] must be a table of \"slot\" = count");
    for (size_t i = 0; co && i < co->u.table.count; i++) {
        const toml_entry *e = &co->u.table.entries[i];
        char *end;
        strtoull(e->key, &end, 10);
        if (!e->key[0] || *end)
            return fail_at(c, e->value, "[mpc.client_output_counts] key `%s` is not a client slot; use \"0\", \"1\", ...",
                           e->key);
        if (e->value->kind != TOML_INTEGER || e->value->u.integer < 0)
            return fail_at(c, e->value, "[mpc.client_output_counts].\"%s\" must be a whole number >= 0", e->key);
    }
    return check_threshold(c, mpc, p);
}

static int parse_build(parse_ctx *c, const toml_value *b, project *p)
{
    static const char *const keys[] = {"source", "target_dir", "output_dir", "optimization_level", "inline_budget",
                                       "unroll_budget", "unroll_max_expansion", NULL};
    if (b->kind != TOML_TABLE)
        return fail_at(c, b, "`build` must be a table; write [build]");
    if (check_keys(c, "[build]", b, keys))
        return -1;
    if (toml_get(b, "target_dir") && toml_get(b, "output_dir"))
        return fail_at(c, toml_get(b, "output_dir"), "[build] sets both `target_dir` and its alias `output_dir`; keep one");
    if (get_string(c, b, "build", "source", &p->source) ||
        get_string(c, b, "build", toml_get(b, "output_dir") ? "output_dir" : "target_dir", &p->target_dir))
        return -1;
    const toml_value *v = toml_get(b, "source");
    if (v && check_rel_path(c, v, "source", p->source))
        return -1;
    v = toml_get(b, "target_dir") ? toml_get(b, "target_dir") : toml_get(b, "output_dir");
    if (v) {
        if (check_rel_path(c, v, "target_dir", p->target_dir))
            return -1;
        if (!strncmp(p->target_dir, "src/", 4) || !strcmp(p->target_dir, "src"))
            return fail_at(c, v, "invalid build.target_dir `%s`; build outputs must not go under src/, use \"target\"",
                           p->target_dir);
        const char *slash = strrchr(p->target_dir, '/'), *dot = strrchr(p->target_dir, '.');
        if (dot && dot > p->target_dir && (!slash || dot > slash))
            return fail_at(c, v, "invalid build.target_dir `%s`; it is a directory, drop the extension", p->target_dir);
    }
    uint64_t x;
    int present;
    if (get_uint(c, b, "build", "optimization_level", 0, 3, &x, &present))
        return -1;
    if (present)
        p->opt_level = (int)x;
    static const char *const budgets[] = {"inline_budget", "unroll_budget", "unroll_max_expansion"};
    for (size_t i = 0; i < 3; i++)
        if (get_uint(c, b, "build", budgets[i], 1, INT64_MAX, &x, NULL))
            return -1;
    return 0;
}

void project_clear(project *p)
{
    free(p->root);
    free(p->manifest);
    free(p->name);
    free(p->version);
    free(p->source);
    free(p->target_dir);
    memset(p, 0, sizeof *p);
}

int project_parse(const char *text, size_t len, const char *name, project *p, char *err, size_t err_len)
{
    memset(p, 0, sizeof *p);
    parse_ctx c = {name, err, err_len};
    toml_value *root = NULL;
    int rc = toml_parse(text, len, name, &root, err, err_len);
    if (rc == -2)
        snprintf(err, err_len, "%s: out of memory", name);
    if (rc)
        return -1;
    p->name = strdup("stoffel-app");
    p->version = strdup("0.1.0");
    p->source = strdup("src/main.stfl");
    p->target_dir = strdup("target");
    p->backend = STOFFEL_LANG_BACKEND_HONEYBADGER;
    p->curve = STOFFEL_LANG_CURVE_BLS12_381;
    p->parties = 5;
    p->threshold = 1;
    p->opt_level = -1;
    rc = -1;
    static const char *const top[] = {"package", "mpc", "build", NULL};
    const toml_value *pkg = toml_get(root, "package");
    if (!p->name || !p->version || !p->source || !p->target_dir)
        snprintf(err, err_len, "%s: out of memory", name);
    else if (check_keys(&c, "the top level", root, top))
        ;
    else if (!pkg)
        fail_at(&c, NULL, "missing [package] table; add [package] with name = \"...\" and version = \"0.1.0\"");
    else if (parse_package(&c, pkg, p))
        ;
    else if (toml_get(root, "mpc") && parse_mpc(&c, toml_get(root, "mpc"), p))
        ;
    else if (!toml_get(root, "mpc") && (p->robust = 1, 0))
        ;
    else if (toml_get(root, "build") && parse_build(&c, toml_get(root, "build"), p))
        ;
    else
        rc = 0;
    toml_free(root);
    if (rc)
        project_clear(p);
    return rc;
}

const char *project_security_name(const project *p)
{
    return p->robust ? "robust" : "semi-honest";
}

const char *project_backend_name(int backend)
{
    return backend == STOFFEL_LANG_BACKEND_AVSS ? "avss" : "honeybadger";
}

const char *project_curve_name(int curve)
{
    static const char *const names[] = {"bls12_381", "bn254", "curve25519", "ed25519", "secp256k1", "secp256r1"};
    return curve >= 0 && curve < 6 ? names[curve] : "?";
}
