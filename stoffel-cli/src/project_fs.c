/*
 * project_fs.c - a project on disk: discovery (walk up to Stoffel.toml, else look 3 levels down
 * and suggest nested projects), its sources, the target layout (net-cli.md section 4.6),
 * freshness, and the small hooks that let check/compile/run act on the project.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stoffel/lang.h>

#include "cli.h"
#include "lang_cli.h"
#include "project.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (64u << 20)) { /* a manifest is small; refuse anything absurd */
                free(buf);
                fclose(f);
                errno = EFBIG;
                return NULL;
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Collects up to max nested directories (depth <= 3) holding a Stoffel.toml, for the hint. */
static void find_nested(const char *dir, int depth, char out[][PATH_MAX], int *count, int max)
{
    if (depth > 3 || *count >= max)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && *count < max) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "target") || !strcmp(e->d_name, "node_modules"))
            continue;
        char sub[PATH_MAX];
        if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub || !is_dir(sub))
            continue;
        char m[PATH_MAX + 16];
        snprintf(m, sizeof m, "%s/" PROJECT_MANIFEST, sub);
        if (is_file(m))
            snprintf(out[(*count)++], PATH_MAX, "%s", sub);
        else
            find_nested(sub, depth + 1, out, count, max);
    }
    closedir(d);
}

static void print_not_found(const char *start)
{
    cli_error("could not find " PROJECT_MANIFEST " in `%s` or any parent directory; run `stoffel init` first or "
              "pass a project path", start);
    char nested[3][PATH_MAX];
    int n = 0;
    find_nested(start, 1, nested, &n, 3);
    for (int i = 0; i < n; i++)
        fprintf(stderr, "Hint: a project exists at `%s`; pass that path or cd into it\n", nested[i]);
}

static project *open_project(const char *start_arg, int quiet, int *found)
{
    *found = 0;
    char start[PATH_MAX];
    if (!realpath(start_arg ? start_arg : ".", start)) {
        if (!quiet)
            cli_error("cannot open `%s`: %s; pass an existing project directory", start_arg ? start_arg : ".",
                      strerror(errno));
        return NULL;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", start);
    if (!is_dir(dir)) { /* a file inside the project: start from its directory */
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir)
            *slash = 0;
    }
    char manifest[PATH_MAX + 16];
    for (;;) {
        snprintf(manifest, sizeof manifest, "%s/" PROJECT_MANIFEST, dir);
        if (is_file(manifest))
            break;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            snprintf(manifest, sizeof manifest, "/" PROJECT_MANIFEST);
            if (is_file(manifest)) {
                snprintf(dir, sizeof dir, "/");
                break;
            }
            if (!quiet)
                print_not_found(start);
            return NULL;
        }
        *slash = 0;
    }
    *found = 1;
    size_t len = 0;
    char *text = read_file(manifest, &len);
    if (!text) {
        cli_error("cannot read `%s`: %s; check the file's permissions", manifest, strerror(errno));
        return NULL;
    }
    project *p = calloc(1, sizeof *p);
    char err[1024];
    if (!p) {
        free(text);
        cli_error("out of memory");
        return NULL;
    }
    if (strlen(text) != len) {
        cli_error("%s: the file holds a NUL byte; save it as UTF-8 text", manifest);
        free(text);
        free(p);
        return NULL;
    }
    if (project_parse(text, len, manifest, p, err, sizeof err) != 0) {
        cli_error("invalid " PROJECT_MANIFEST ": %s", err);
        free(text);
        free(p);
        return NULL;
    }
    free(text);
    p->root = strdup(dir);
    p->manifest = strdup(manifest);
    if (!p->root || !p->manifest) {
        project_free(p);
        cli_error("out of memory");
        return NULL;
    }
    return p;
}

project *project_open(const char *start)
{
    int found;
    return open_project(start, 0, &found);
}

project *project_open_quiet(const char *start, int *found)
{
    return open_project(start, 1, found);
}

void project_free(project *p)
{
    if (!p)
        return;
    project_clear(p);
    free(p);
}

void project_paths_free(char **paths, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && !strcmp(name + n - e, ext);
}

static int push_path(char ***paths, size_t *count, size_t *cap, const char *path)
{
    if (*count == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        char **np = realloc(*paths, nc * sizeof *np);
        if (!np)
            return -1;
        *paths = np;
        *cap = nc;
    }
    if (!((*paths)[*count] = strdup(path)))
        return -1;
    (*count)++;
    return 0;
}

static int collect_stfl(const char *dir, int depth, char ***paths, size_t *count, size_t *cap)
{
    if (depth > 16)
        return 0;
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        char sub[PATH_MAX];
        if (name[0] != '.' && !rc && snprintf(sub, sizeof sub, "%s/%s", dir, name) < (int)sizeof sub) {
            if (is_dir(sub))
                rc = collect_stfl(sub, depth + 1, paths, count, cap);
            else if (has_ext(name, ".stfl") && is_file(sub))
                rc = push_path(paths, count, cap, sub);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

int project_sources(const project *p, char ***paths, size_t *count)
{
    char src[PATH_MAX];
    size_t cap = 0;
    *paths = NULL;
    *count = 0;
    snprintf(src, sizeof src, "%s/%s", p->root, p->source);
    if (is_dir(src)) {
        if (collect_stfl(src, 0, paths, count, &cap)) {
            project_paths_free(*paths, *count);
            return cli_error("cannot list `%s`: %s", src, strerror(errno)), -1;
        }
        if (*count == 0)
            return cli_error("build.source `%s` holds no .stfl file; add one, e.g. %s/main.stfl", p->source, p->source), -1;
        return 0;
    }
    if (!has_ext(src, ".stfl"))
        return cli_error("%s: build.source `%s` is neither a .stfl file nor a directory; point it at src/main.stfl",
                         p->manifest, p->source), -1;
    if (!is_file(src))
        return cli_error("source `%s` not found (build.source in %s); create it or fix build.source",
                         src, p->manifest), -1;
    if (push_path(paths, count, &cap, src))
        return cli_error("out of memory"), -1;
    return 0;
}

int project_list_stfl(const char *dir, char ***paths, size_t *count)
{
    size_t cap = 0;
    *paths = NULL;
    *count = 0;
    return is_dir(dir) ? collect_stfl(dir, 0, paths, count, &cap) : 0;
}

char *project_main_source(const project *p)
{
    char src[PATH_MAX];
    snprintf(src, sizeof src, "%s/%s", p->root, p->source);
    if (is_dir(src))
        strncat(src, "/main.stfl", sizeof src - strlen(src) - 1);
    if (!is_file(src)) {
        cli_error("source `%s` not found (build.source in %s); create it or fix build.source", src, p->manifest);
        return NULL;
    }
    char *r = strdup(src);
    if (!r)
        cli_error("out of memory");
    return r;
}

char *project_output_path(const project *p, const char *source, const char *profile)
{
    char srcdir[PATH_MAX], out[PATH_MAX * 2];
    snprintf(srcdir, sizeof srcdir, "%s/%s", p->root, p->source);
    const char *rel;
    if (is_dir(srcdir) && !strncmp(source, srcdir, strlen(srcdir)) && source[strlen(srcdir)] == '/') {
        rel = source + strlen(srcdir) + 1;
    } else {
        const char *slash = strrchr(source, '/');
        rel = slash ? slash + 1 : source;
    }
    size_t rl = strlen(rel);
    if (rl >= 5 && !strcmp(rel + rl - 5, ".stfl"))
        rl -= 5;
    if (rl == 4 && !strncmp(rel, "main", 4))
        snprintf(out, sizeof out, "%s/%s/%s/%s.stflb", p->root, p->target_dir, profile, p->name);
    else
        snprintf(out, sizeof out, "%s/%s/%s/%.*s.stflb", p->root, p->target_dir, profile, (int)rl, rel);
    return strdup(out);
}

static int mtime_newer(const struct stat *a, const struct stat *b)
{
    return a->st_mtim.tv_sec > b->st_mtim.tv_sec ||
           (a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec > b->st_mtim.tv_nsec);
}

int project_output_fresh(const project *p, const char *out)
{
    struct stat so, sm;
    if (stat(out, &so) != 0 || stat(p->manifest, &sm) != 0 || !mtime_newer(&so, &sm))
        return 0;
    /* Every .stfl of the project counts (imports may reach beyond build.source). */
    char src[PATH_MAX];
    snprintf(src, sizeof src, "%s/src", p->root);
    char **paths = NULL;
    size_t n = 0, cap = 0;
    int fresh = 1;
    if (is_dir(src) && collect_stfl(src, 0, &paths, &n, &cap) != 0)
        fresh = 0;
    char own[PATH_MAX];
    snprintf(own, sizeof own, "%s/%s", p->root, p->source);
    if (is_file(own) && push_path(&paths, &n, &cap, own) != 0)
        fresh = 0;
    for (size_t i = 0; i < n && fresh; i++) {
        struct stat ss;
        if (stat(paths[i], &ss) != 0 || !mtime_newer(&so, &ss))
            fresh = 0;
    }
    project_paths_free(paths, n);
    return fresh;
}

int project_make_parent_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *s = buf + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return 0;
}

int project_opt_level(const project *p, int flag, int release)
{
    if (flag >= 0)
        return flag;
    if (p->opt_level >= 0)
        return p->opt_level;
    return release ? 3 : 2;
}

int project_run_defaults(char *path_out, size_t path_len, int mpc_given, unsigned long *parties,
                         unsigned long *threshold, int *robust)
{
    int found = 0;
    project *p = project_open_quiet(NULL, &found);
    if (!p)
        return found ? -1 : 1;
    char *src = project_main_source(p);
    char *out = src ? project_output_path(p, src, "debug") : NULL;
    int rc = -1;
    if (src && out) {
        /* A fresh `stoffel build` output runs as is; otherwise the source is compiled on the fly. */
        snprintf(path_out, path_len, "%s", project_output_fresh(p, out) ? out : src);
        if (!mpc_given)
            *robust = p->robust;
        if (!(mpc_given & 1))
            *parties = p->parties;
        if (!(mpc_given & 2))
            *threshold = p->threshold;
        rc = 0;
    }
    free(src);
    free(out);
    project_free(p);
    return rc;
}

int project_cli_wants_project(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "--disassemble"))
            return 0;
        if (a[0] != '-')
            return 0;
        /* flags whose value is the next word */
        if (!strcmp(a, "-o") || !strcmp(a, "--out") || !strcmp(a, "-O") || !strcmp(a, "--opt-level") ||
            !strcmp(a, "--mpc-backend") || !strcmp(a, "--mpc-curve"))
            i++;
    }
    return 1;
}

int project_cli_check(void)
{
    project *p = project_open(NULL);
    if (!p) {
        fputs("Hint: outside a project, name the file: stoffel check FILE.stfl\n", stderr);
        return CLI_EXIT_ERROR;
    }
    char **paths = NULL;
    size_t n = 0;
    if (project_sources(p, &paths, &n) != 0) {
        project_free(p);
        return CLI_EXIT_ERROR;
    }
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        stoffel_lang_options o;
        stoffel_lang_options_defaults(&o);
        o.check_only = 1;
        o.mpc_backend = p->backend;
        o.mpc_curve = p->curve;
        stoffel_lang_result *r = NULL;
        int rc = stoffel_lang_compile_file(paths[i], &o, &r);
        const char *rel = paths[i] + strlen(p->root) + (p->root[1] ? 1 : 0);
        if (!r) {
            cli_error("cannot read `%s`: %s", paths[i], stoffel_lang_strerror(rc));
            failed++;
            continue;
        }
        lang_cli_print_diagnostics(r);
        stoffel_lang_result_free(r);
        if (rc) {
            fprintf(stderr, "Check failed: %s\n", rel);
            failed++;
        } else {
            printf("Checked %s\n", rel);
        }
    }
    project_paths_free(paths, n);
    project_free(p);
    if (failed)
        return cli_error("%d source(s) of the project have errors; fix them and run `stoffel check` again", failed);
    return CLI_EXIT_OK;
}
