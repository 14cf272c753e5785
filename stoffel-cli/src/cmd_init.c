/*
 * cmd_init.c - `stoffel init [--lib] [--force] [PATH]`: creates a Stoffel project (net-cli.md
 * section 4.5): Stoffel.toml (3 parties, threshold 1, semi-honest), src/main.stfl (or src/lib.stfl
 * with --lib), a test under tests/, .gitignore and README.md. The project builds, runs and passes
 * its tests out of the box.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "project.h"

static const char init_usage[] =
    "Usage: stoffel init [--lib] [--force] [PATH]\n"
    "\n"
    "Creates a Stoffel project in PATH (default: the current directory): Stoffel.toml, src/main.stfl\n"
    "(src/lib.stfl with --lib), tests/, .gitignore and README.md. Then `stoffel build`, `stoffel run`\n"
    "and `stoffel test` work in it.\n"
    "\n"
    "Options:\n"
    "  --lib      a library project (src/lib.stfl with an `add` function) instead of a program\n"
    "  --force    write the template files into a non-empty directory (other files are kept)\n"
    "  --name N   the package name (default: the directory name)\n";

static const char manifest_fmt[] =
    "[package]\n"
    "name = \"%s\"\n"
    "version = \"0.1.0\"\n"
    "authors = []\n"
    "\n"
    "[mpc]\n"
    "backend = \"honeybadger\"\n"
    "parties = 3\n"
    "threshold = 1\n"
    "# semi-honest needs parties >= 2*threshold+1; robust needs parties >= 3*threshold+1\n"
    "security = \"semi-honest\"\n"
    "\n"
    "[build]\n"
    "source = \"%s\"\n"
    "target_dir = \"target\"\n";

static const char main_stfl[] =
    "# A small secret computation: three parties hold shares of three votes and reveal only\n"
    "# whether a majority voted yes. No party sees any single vote.\n"
    "\n"
    "# 1 when at least two of the three bits are 1: ab + ac + bc - 2abc, from secret gates only.\n"
    "def majority(a: secret int64, b: secret int64, c: secret int64) -> secret int64:\n"
    "  var ab = a * b\n"
    "  return ab + a * c + b * c - 2 * ab * c\n"
    "\n"
    "def main() -> bool:\n"
    "  var a: secret int64 = 1\n"
    "  var b: secret int64 = 0\n"
    "  var c: secret int64 = 1\n"
    "  return majority(a, b, c).reveal() == 1\n";

static const char main_test_stfl[] =
    "# `stoffel test` runs every tests/**.stfl in the simulator: a test passes when its main\n"
    "# (or the function named with --test) finishes without error; assert() fails it.\n"
    "import \"../src/main.stfl\"\n"
    "\n"
    "def main():\n"
    "  var one: secret int64 = 1\n"
    "  var zero: secret int64 = 0\n"
    "  assert(majority(one, one, zero).reveal() == 1, \"two of three is a majority\")\n"
    "  assert(majority(zero, one, zero).reveal() == 0, \"one of three is not\")\n"
    "  assert(majority(one, one, one).reveal() == 1, \"three of three is a majority\")\n";

static const char lib_stfl[] =
    "# A Stoffel library: functions for other programs to import (import \"lib.stfl\").\n"
    "\n"
    "# The sum of two secret numbers; still secret.\n"
    "def add(a: secret int64, b: secret int64) -> secret int64:\n"
    "  return a + b\n";

static const char lib_test_stfl[] =
    "# `stoffel test` runs every tests/**.stfl in the simulator; assert() fails a test.\n"
    "import \"../src/lib.stfl\"\n"
    "\n"
    "def main():\n"
    "  var a: secret int64 = 40\n"
    "  var b: secret int64 = 2\n"
    "  assert(add(a, b).reveal() == 42, \"40 + 2 is 42\")\n";

static const char gitignore[] = "/target/\n/.stoffel/\n";

static const char readme_fmt[] =
    "# %s\n"
    "\n"
    "A Stoffel project (secure multi-party computation in StoffelLang).\n"
    "\n"
    "    stoffel build      # compile %s to target/debug/\n"
    "%s"
    "    stoffel test       # run tests/**.stfl on simulated parties\n"
    "    stoffel status     # project, parties, threshold, security and build state\n"
    "    stoffel clean      # remove target/\n"
    "\n"
    "Stoffel.toml sets the parties (n), the threshold (t) and the security mode: semi-honest needs\n"
    "n >= 2t+1, robust needs n >= 3t+1.\n";

/* Package name from a directory name: lower case, runs of other characters become one '-'. */
static void name_from_dir(const char *dir, char *out, size_t len)
{
    char abs[PATH_MAX];
    const char *base = realpath(dir, abs) ? abs : dir;
    const char *slash = strrchr(base, '/');
    if (slash && slash[1])
        base = slash + 1;
    size_t n = 0;
    int dash = 0;
    for (const char *s = base; *s && n + 1 < len; s++) {
        if (isalnum((unsigned char)*s) || *s == '_') {
            if (dash && n > 0 && n + 2 < len)
                out[n++] = '-';
            dash = 0;
            out[n++] = (char)tolower((unsigned char)*s);
        } else {
            dash = 1;
        }
    }
    out[n] = 0;
    if (!n)
        snprintf(out, len, "stoffel-app");
}

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

static int write_file(const char *root, const char *rel, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    if (project_make_parent_dirs(path) != 0)
        return cli_error("cannot create the directory of `%s`: %s", path, strerror(errno));
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_error("cannot write `%s`: %s", path, strerror(errno));
    int ok = fputs(text, f) >= 0;
    ok &= fclose(f) == 0;
    return ok ? 0 : cli_error("cannot write `%s`: %s", path, strerror(errno));
}

int cmd_init(int argc, char **argv)
{
    const char *path = NULL, *name = NULL;
    int lib = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(init_usage, stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--lib")) {
            lib = 1;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--name")) {
            if (++i >= argc)
                return cli_usage_error("--name needs a package name");
            name = argv[i];
        } else if (!strcmp(a, "--template")) {
            if (++i >= argc)
                return cli_usage_error("--template needs a name");
            if (strcasecmp(argv[i], "stoffel"))
                return cli_usage_error("unknown template `%s`; the templates are `stoffel` (default) and --lib", argv[i]);
        } else if (a[0] == '-') {
            return cli_usage_error("unknown option `%s` for `stoffel init`; see `stoffel init --help`", a);
        } else if (!path) {
            path = a;
        } else {
            return cli_usage_error("`stoffel init` takes one directory, got `%s` and `%s`", path, a);
        }
    }
    if (!path)
        path = ".";
    char pkg[128];
    if (name) {
        for (const char *s = name; *s; s++)
            if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
                return cli_usage_error("--name `%s` has the character `%c`; use letters, digits, `_` and `-`", name, *s);
        if (!*name || strlen(name) >= sizeof pkg)
            return cli_usage_error("--name needs 1 to %zu characters", sizeof pkg - 1);
        snprintf(pkg, sizeof pkg, "%s", name);
    }
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return cli_error("`%s` is a file; pass a directory path for the new project", path);
        if (!force && !dir_is_empty(path))
            return cli_error("`%s` is not empty; pick a new directory or pass --force to add the template files "
                             "(existing other files are kept)", path);
    } else {
        char probe[PATH_MAX];
        snprintf(probe, sizeof probe, "%s/x", path);
        if (project_make_parent_dirs(probe) != 0)
            return cli_error("cannot create `%s`: %s", path, strerror(errno));
    }
    if (!name)
        name_from_dir(path, pkg, sizeof pkg);
    const char *source = lib ? "src/lib.stfl" : "src/main.stfl";
    char manifest[1024], readme[2048];
    snprintf(manifest, sizeof manifest, manifest_fmt, pkg, source);
    snprintf(readme, sizeof readme, readme_fmt, pkg, source,
             lib ? "" : "    stoffel run        # run main on 3 simulated parties\n");
    if (write_file(path, PROJECT_MANIFEST, manifest) || write_file(path, source, lib ? lib_stfl : main_stfl) ||
        write_file(path, lib ? "tests/lib_test.stfl" : "tests/main_test.stfl", lib ? lib_test_stfl : main_test_stfl) ||
        write_file(path, ".gitignore", gitignore) || write_file(path, "README.md", readme))
        return CLI_EXIT_ERROR;
    printf("Created Stoffel %s at %s (package `%s`)\n", lib ? "library" : "project", path, pkg);
    printf("Next: cd %s && stoffel %s\n", path, lib ? "test" : "run");
    return CLI_EXIT_OK;
}
