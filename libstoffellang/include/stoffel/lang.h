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

#ifdef __cplusplus
}
#endif

#endif /* STOFFEL_LANG_H */
