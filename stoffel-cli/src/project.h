/*
 * project.h - a Stoffel project: finding Stoffel.toml (walking up from a path), parsing and
 * validating it (net-cli.md section 4.4, with n >= 2t+1 accepted and mpc.security choosing
 * semi-honest or robust), and the paths derived from it (sources, target layout of section 4.6).
 * Used by init, build, test, status, clean and by check/compile/run without a file argument.
 */
#ifndef STOFFEL_CLI_PROJECT_H
#define STOFFEL_CLI_PROJECT_H

#include <stddef.h>
#include <stdint.h>

#define PROJECT_MANIFEST "Stoffel.toml"

typedef struct project {
    char *root;          /* absolute directory holding Stoffel.toml */
    char *manifest;      /* root/Stoffel.toml */
    char *name;          /* package.name ([A-Za-z0-9_-]) */
    char *version;       /* package.version */
    int backend;         /* STOFFEL_LANG_BACKEND_* */
    int curve;           /* STOFFEL_LANG_CURVE_* */
    unsigned parties;    /* mpc.parties (n) */
    unsigned threshold;  /* mpc.threshold (t) */
    int robust;          /* 1: robust (n >= 3t+1), 0: semi-honest (n >= 2t+1) */
    int security_set;    /* 1: mpc.security was written; 0: chosen from n and t */
    int has_instance_id;
    uint64_t instance_id;
    char *source;        /* build.source, relative to root: a .stfl file or a directory */
    char *target_dir;    /* build.target_dir, relative to root */
    int opt_level;       /* build.optimization_level, -1 when unset */
} project;

/*
 * Parses Stoffel.toml text (name is the path shown in errors) into *p (zeroed first; free its
 * strings with project_clear). Returns 0, or -1 with "file:line:col: problem; fix" in err.
 */
int project_parse(const char *text, size_t len, const char *name, project *p, char *err, size_t err_len);

/* Frees the strings of a project filled by project_parse (not p itself). */
void project_clear(project *p);

/*
 * Finds the project containing start (a directory or a file; NULL = the current directory) by
 * walking up to the first directory with Stoffel.toml, loads and validates it. On success returns
 * a project (free with project_free). On failure prints the error (naming the file and line, or the
 * directory searched, with the fix) and returns NULL.
 */
project *project_open(const char *start);

/* Like project_open, but silently returns NULL when there is no Stoffel.toml above start (other
 * errors are still printed; *found tells them apart: 0 = no project, 1 = project with errors). */
project *project_open_quiet(const char *start, int *found);

void project_free(project *p);

/* "semi-honest" or "robust". */
const char *project_security_name(const project *p);

/* Backend and curve names for messages ("honeybadger", "bls12_381"). */
const char *project_backend_name(int backend);
const char *project_curve_name(int curve);

/*
 * The .stfl sources selected by build.source: the file itself, or every .stfl file under the
 * directory (sorted). *paths is a malloc'd array of malloc'd absolute paths (project_paths_free).
 * Returns 0, or -1 after printing the error (missing source, with the fix).
 */
int project_sources(const project *p, char ***paths, size_t *count);
void project_paths_free(char **paths, size_t count);

/* Lists the .stfl files under dir, recursively and sorted (none when dir does not exist):
 * *paths is malloc'd (project_paths_free). Returns 0 or -1 (no memory, unreadable directory). */
int project_list_stfl(const char *dir, char ***paths, size_t *count);

/* The main source for `run`: build.source when it is a file, else <dir>/main.stfl. Returns a
 * malloc'd absolute path, or NULL after printing the error. */
char *project_main_source(const project *p);

/*
 * The bytecode path of a source (§4.6): <target>/<profile>/<package>.stflb for a source whose stem
 * is `main`, else <target>/<profile>/<path relative to the source dir, .stflb>. profile is "debug"
 * or "release". Returns a malloc'd absolute path or NULL (no memory).
 */
char *project_output_path(const project *p, const char *source, const char *profile);

/* 1 when out exists and is newer than Stoffel.toml and every source; 0 otherwise. */
int project_output_fresh(const project *p, const char *out);

/* Creates every missing directory of path's parent (mkdir -p of dirname). Returns 0 or -1. */
int project_make_parent_dirs(const char *path);

/* The optimisation level of a build: flag (>= 0) if given, else build.optimization_level, else 3
 * for release, else 2. */
int project_opt_level(const project *p, int flag, int release);

/*
 * Hook for `stoffel run` without a program file: fills path_out with the project's fresh bytecode
 * (or its main source when no fresh build exists), and parties/threshold/robust from Stoffel.toml
 * unless given by flags (mpc_given: bit 0 --parties, bit 1 --threshold; with either flag the
 * security mode follows the flags: robust when n >= 3t+1 is not required, so semi-honest).
 * Returns 0 when filled, 1 when there is no project (nothing printed), -1 after printing an error.
 */
int project_run_defaults(char *path_out, size_t path_len, int mpc_given, unsigned long *parties,
                         unsigned long *threshold, int *robust);

/* Hook for `stoffel check`/`compile` without a file: 1 when argv holds no positional argument and
 * no --help/--disassemble, i.e. the command should act on the project. */
int project_cli_wants_project(int argc, char **argv);

/* Hook for `stoffel check` without a file: checks every source of the project around the current
 * directory; returns the exit code. */
int project_cli_check(void);

#endif
