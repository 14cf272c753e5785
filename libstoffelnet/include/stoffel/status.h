/*
 * stoffel/status.h - status codes and the export macro shared by every Stoffel-C library.
 *
 * Every public function of libstoffelnet, libstoffelmpc, libstoffelvm and libstoffellang that can
 * fail returns an int status: 0 (STOFFEL_OK) on success, a negative code on failure. The common
 * codes below (-1 .. -99) mean the same thing in every library; each library then owns a block of
 * its own (net -100s, mpc -200s, vm -300s, lang -400s), so an upper layer can pass a lower layer's
 * code through unchanged. Details of a failure are available as a message from the handle involved
 * (for example stoffel_vm_last_error()); the code is for programs, the message for people.
 *
 * This header is installed with libstoffelnet, the bottom layer, and included by every other
 * public header. It declares no functions: stoffel_<lib>_strerror() in each library turns any code
 * (common or its own or a lower layer's) into a static string.
 */
#ifndef STOFFEL_STATUS_H
#define STOFFEL_STATUS_H

/* Marks a function as part of a library's public ABI. The libraries are built with hidden
 * visibility by default, so only functions declared with this macro are exported. */
#if defined(__GNUC__) || defined(__clang__)
#define STOFFEL_API __attribute__((visibility("default")))
#else
#define STOFFEL_API
#endif

/* Common status codes. */
enum {
    STOFFEL_OK = 0,
    STOFFEL_ERR_NOMEM = -1,        /* an allocation failed */
    STOFFEL_ERR_INVALID_ARG = -2,  /* a caller passed an argument outside the documented domain */
    STOFFEL_ERR_MALFORMED = -3,    /* input from outside (bytes, text, a message) is not well formed */
    STOFFEL_ERR_LIMIT = -4,        /* an explicit limit (size, count, depth, budget) was exceeded */
    STOFFEL_ERR_IO = -5,           /* a file or socket operation failed */
    STOFFEL_ERR_TIMEOUT = -6,      /* an operation did not complete within its time bound */
    STOFFEL_ERR_STATE = -7,        /* the call is not valid in the handle's current state */
    STOFFEL_ERR_UNSUPPORTED = -8,  /* the operation is not supported by this build or engine */
    STOFFEL_ERR_NOT_FOUND = -9,    /* a named thing (file, function, key, party) does not exist */
    STOFFEL_ERR_CANCELLED = -10,   /* the operation was cancelled by the caller */
    STOFFEL_ERR_INTERNAL = -99     /* an internal invariant failed: a bug, please report it */
};

#endif /* STOFFEL_STATUS_H */
