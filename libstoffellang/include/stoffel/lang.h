/*
 * stoffel/lang.h - the public API of libstoffellang: the StoffelLang compiler (lexer, parser, type checker, code generator), its diagnostics and the disassembler.
 *
 * Conventions (see stoffel/status.h): functions return 0 or a negative status code; handles are
 * opaque and come with a matching _free; a function that returns memory says who frees it.
 */
#ifndef STOFFEL_LANG_H
#define STOFFEL_LANG_H

#include <stddef.h>
#include <stdint.h>

#include <stoffel/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the headers this program was compiled against. */
#define STOFFEL_LANG_VERSION_MAJOR 0
#define STOFFEL_LANG_VERSION_MINOR 1
#define STOFFEL_LANG_VERSION_PATCH 0
#define STOFFEL_LANG_VERSION_STRING "0.1.0"

/*
 * Returns the version of the library actually loaded, as a static "MAJOR.MINOR.PATCH" string.
 * Compare it with STOFFEL_LANG_VERSION_STRING to detect a header/library mismatch. Never fails.
 */
STOFFEL_API const char *stoffel_lang_version(void);

/*
 * Returns the version of the library actually loaded as one number,
 * MAJOR * 10000 + MINOR * 100 + PATCH. Never fails.
 */
STOFFEL_API unsigned stoffel_lang_version_number(void);

/*
 * Returns a static, human-readable description of a status code: a common code (stoffel/status.h),
 * one of this library's own codes, or a code of a library below it. Unknown codes give
 * "unknown status code". The string is never freed by the caller.
 */
STOFFEL_API const char *stoffel_lang_strerror(int status);

/* Status codes of libstoffellang (the -400 block; see stoffel/status.h for the common ones). */
enum {
    STOFFEL_LANG_ERR_COMPILE = -400    /* the source has errors (missing or unreadable imports
                                          included): see the result's diagnostics */
};

/* MPC backends and curves recorded in the program's manifest (vm-bytecode.md section 6.6). */
enum { STOFFEL_LANG_BACKEND_HONEYBADGER = 0, STOFFEL_LANG_BACKEND_AVSS = 1 };
enum {
    STOFFEL_LANG_CURVE_BLS12_381 = 0, STOFFEL_LANG_CURVE_BN254 = 1, STOFFEL_LANG_CURVE_CURVE25519 = 2,
    STOFFEL_LANG_CURVE_ED25519 = 3, STOFFEL_LANG_CURVE_SECP256K1 = 4, STOFFEL_LANG_CURVE_P256 = 5
};

/*
 * Import resolver: called once per imported module with the path the compiler derived
 * (`import a.b` in dir/x.stfl gives "dir/a/b.stfl"; `import "r/p.stfl"` gives "dir/r/p.stfl").
 * On success it stores in *source a buffer allocated with malloc() holding the module text and its
 * length in *len, and returns 0; the compiler takes ownership and frees it with free(). It returns
 * STOFFEL_ERR_NOT_FOUND when the module does not exist (reported as "Module 'x' not found"), any
 * other negative code for other failures. `user_data` is the pointer given in the options.
 */
typedef int (*stoffel_lang_resolver)(void *user_data, const char *path, char **source, size_t *len);

/* Compile options. Initialise with stoffel_lang_options_defaults() and then change fields. */
typedef struct stoffel_lang_options {
    size_t struct_size;            /* sizeof(stoffel_lang_options), set by _defaults */
    int opt_level;                 /* 0..3 (default 0) */
    int mpc_backend;               /* STOFFEL_LANG_BACKEND_* (default HoneyBadger) */
    int mpc_curve;                 /* STOFFEL_LANG_CURVE_* (default BLS12-381) */
    stoffel_lang_resolver resolver;/* NULL: imports read files from disk relative to the importer */
    void *resolver_data;           /* passed to resolver */
    uint8_t check_only;            /* 1: stop after semantic analysis (no bytecode) */
    uint8_t want_ir;               /* 1: keep a textual IR dump (stoffel_lang_result_ir) */
    size_t max_memory_bytes;       /* bound on the compiler's working memory; 0 = unlimited.
                                      Exceeding it fails the compilation with STOFFEL_ERR_NOMEM */
} stoffel_lang_options;

/* Fills *opts with the defaults: -O0, HoneyBadger, BLS12-381, file-system imports. */
STOFFEL_API void stoffel_lang_options_defaults(stoffel_lang_options *opts);

/* Diagnostic severities. */
enum { STOFFEL_LANG_SEVERITY_ERROR = 0, STOFFEL_LANG_SEVERITY_WARNING = 1 };

/*
 * One diagnostic. Strings are borrowed from the result that produced it and live until
 * stoffel_lang_result_free(). line/column are 1-based; 0 means the location is unknown.
 * code is "E001" (syntax), "E101" (type), "E201" (semantic) or "E901" (internal).
 */
typedef struct stoffel_lang_diagnostic {
    const char *file;
    int line;
    int column;
    const char *code;
    int severity;
    const char *message;
    const char *hint;              /* NULL when there is no hint */
} stoffel_lang_diagnostic;

/* The outcome of one compilation: diagnostics and, on success, the bytecode. Opaque. */
typedef struct stoffel_lang_result stoffel_lang_result;

/*
 * Compiles the source text `src` (`len` bytes, need not be NUL-terminated) named `filename`
 * (used in diagnostics and to resolve imports). opts may be NULL for the defaults.
 * On return *out holds a new result (free it with stoffel_lang_result_free) whenever the
 * return value is 0 or STOFFEL_LANG_ERR_COMPILE; it is NULL for other errors.
 * Returns 0 on success, STOFFEL_LANG_ERR_COMPILE when the program has errors (read them from
 * the result), STOFFEL_ERR_INVALID_ARG for NULL arguments, STOFFEL_ERR_NOMEM.
 */
STOFFEL_API int stoffel_lang_compile(const char *src, size_t len, const char *filename,
                                     const stoffel_lang_options *opts, stoffel_lang_result **out);

/*
 * Reads the file at `path` and compiles it like stoffel_lang_compile (imports are resolved
 * relative to it). Returns STOFFEL_ERR_IO (with *out NULL) when the file cannot be read.
 */
STOFFEL_API int stoffel_lang_compile_file(const char *path, const stoffel_lang_options *opts,
                                          stoffel_lang_result **out);

/* Frees a result and everything borrowed from it. NULL is ignored. */
STOFFEL_API void stoffel_lang_result_free(stoffel_lang_result *r);

/* 1 if the compilation succeeded (no errors), else 0. */
STOFFEL_API int stoffel_lang_result_ok(const stoffel_lang_result *r);

/* Number of diagnostics (errors and warnings) in the result. */
STOFFEL_API size_t stoffel_lang_result_diagnostic_count(const stoffel_lang_result *r);

/*
 * Copies diagnostic `i` into *out (its strings are borrowed from r). Returns 0, or
 * STOFFEL_ERR_INVALID_ARG when i is out of range or an argument is NULL.
 */
STOFFEL_API int stoffel_lang_result_diagnostic(const stoffel_lang_result *r, size_t i,
                                               stoffel_lang_diagnostic *out);

/*
 * The bytecode (.stflb, version 9) of a successful compilation, borrowed from r: *bytes points
 * into r and stays valid until stoffel_lang_result_free. Returns STOFFEL_ERR_STATE when the
 * compilation failed or was check-only.
 */
STOFFEL_API int stoffel_lang_result_bytecode(const stoffel_lang_result *r, const uint8_t **bytes,
                                             size_t *len);

/*
 * Loads the bytecode of a successful compilation as a VM program (stoffel_vm_program_load) and
 * stores it in *out; the caller frees it with stoffel_vm_program_free (it does not depend on r).
 * Returns STOFFEL_ERR_STATE when the compilation failed or was check-only, or the loader's status.
 */
STOFFEL_API int stoffel_lang_result_program(const stoffel_lang_result *r, stoffel_vm_program **out);

/*
 * Renders every diagnostic rustc-style (code, "--> file:line:col", snippet with gutter and caret,
 * "help:"), followed by the abort summary when there were errors. color != 0 adds ANSI colours.
 * Returns a NUL-terminated string allocated with malloc (the caller frees it with free()), or
 * NULL when out of memory.
 */
STOFFEL_API char *stoffel_lang_result_render(const stoffel_lang_result *r, int color);

/*
 * The textual IR dump (tokens summary, functions, constants, instructions with labels) kept when
 * opts->want_ir was set, borrowed from r; NULL otherwise.
 */
STOFFEL_API const char *stoffel_lang_result_ir(const stoffel_lang_result *r);

#ifdef __cplusplus
}
#endif

#endif /* STOFFEL_LANG_H */
