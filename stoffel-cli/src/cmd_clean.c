/*
 * cmd_clean.c - `stoffel clean [PATH] [--dry-run] [--all]`: removes the project's build outputs
 * only: build.target_dir and .stoffel/cache (with --all the whole .stoffel directory). Sources,
 * tests and Stoffel.toml are never touched; symbolic links are removed, not followed.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "project.h"

static const char clean_usage[] =
    "Usage: stoffel clean [PATH] [--dry-run] [--all]\n"
    "\n"
    "Removes the build outputs of the project around PATH: the target directory (build.target_dir,\n"
    "default target/) and .stoffel/cache. Sources and tests are kept.\n"
    "\n"
    "Options:\n"
    "  --dry-run   list what would be removed (aliases --check, --dryrun)\n"
    "  --all       also remove the whole .stoffel directory\n";

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int rc = type == FTW_DP ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT) {
        cli_error("cannot remove `%s`: %s", path, strerror(errno));
        return 1;
    }
    return 0;
}

/* Removes root/rel (file or tree). Returns 1 when something was (or would be) removed, 0 when it
 * did not exist, -1 on error. */
static int remove_output(const char *root, const char *rel, int dry_run)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", root, rel) >= (int)sizeof path)
        return cli_error("path `%s/%s` is too long", root, rel), -1;
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (dry_run) {
        printf("Would remove %s\n", rel);
        return 1;
    }
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return -1;
    printf("Removed %s\n", rel);
    return 1;
}

int cmd_clean(int argc, char **argv)
{
    const char *path = NULL;
    int dry_run = 0, all = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(clean_usage, stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--dry-run") || !strcmp(a, "--check") || !strcmp(a, "--dryrun")) {
            dry_run = 1;
        } else if (!strcmp(a, "--all")) {
            all = 1;
        } else if (a[0] == '-') {
            return cli_usage_error("unknown option `%s` for `stoffel clean`; see `stoffel clean --help`", a);
        } else if (!path) {
            path = a;
        } else {
            return cli_usage_error("`stoffel clean` takes one project path, got `%s` and `%s`", path, a);
        }
    }
    project *p = project_open(path);
    if (!p)
        return CLI_EXIT_ERROR;
    const char *targets[] = {p->target_dir, all ? ".stoffel" : ".stoffel/cache"};
    int removed = 0, failed = 0;
    for (size_t i = 0; i < 2; i++) {
        int rc = remove_output(p->root, targets[i], dry_run);
        if (rc < 0)
            failed = 1;
        else
            removed += rc;
    }
    if (!removed && !failed)
        printf("Nothing to clean in %s\n", p->root);
    project_free(p);
    return failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}
