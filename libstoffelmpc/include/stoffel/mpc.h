/*
 * stoffel/mpc.h - the public API of libstoffelmpc: prime fields, Shamir sharing, robust reconstruction, preprocessing, Beaver multiplication, comparisons, fixed point, client input/output and broadcast, as sans-I/O protocol state machines with a simulator and a network driver.
 *
 * Conventions (see stoffel/status.h): functions return 0 or a negative status code; handles are
 * opaque and come with a matching _free; a function that returns memory says who frees it.
 */
#ifndef STOFFEL_MPC_H
#define STOFFEL_MPC_H

#include <stddef.h>
#include <stdint.h>

#include <stoffel/net.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the headers this program was compiled against. */
#define STOFFEL_MPC_VERSION_MAJOR 0
#define STOFFEL_MPC_VERSION_MINOR 1
#define STOFFEL_MPC_VERSION_PATCH 0
#define STOFFEL_MPC_VERSION_STRING "0.1.0"

/*
 * Returns the version of the library actually loaded, as a static "MAJOR.MINOR.PATCH" string.
 * Compare it with STOFFEL_MPC_VERSION_STRING to detect a header/library mismatch. Never fails.
 */
STOFFEL_API const char *stoffel_mpc_version(void);

/*
 * Returns the version of the library actually loaded as one number,
 * MAJOR * 10000 + MINOR * 100 + PATCH. Never fails.
 */
STOFFEL_API unsigned stoffel_mpc_version_number(void);

/*
 * Returns a static, human-readable description of a status code: a common code (stoffel/status.h),
 * one of this library's own codes, or a code of a library below it. Unknown codes give
 * "unknown status code". The string is never freed by the caller.
 */
STOFFEL_API const char *stoffel_mpc_strerror(int status);

#ifdef __cplusplus
}
#endif

#endif /* STOFFEL_MPC_H */
