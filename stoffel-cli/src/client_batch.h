/* client_batch.h - values of `stoffel client input` and the lines of a `--batch` file: one
 * `KEYFILE VALUE...` per line (# starts a comment), each a separate client's input. */
#ifndef STOFFEL_CLIENT_BATCH_H
#define STOFFEL_CLIENT_BATCH_H

#include <stddef.h>
#include <stdint.h>

/* Limits of one batch file. */
enum { CLIENT_BATCH_MAX_VALUES = 65536, CLIENT_BATCH_MAX_LINES = 1000000 };

/* An integer, optionally with an integer-type suffix (42, -7i64, 9u32), or true/false. Returns 0,
 * or -1 when text is none of these. */
int client_value_parse(const char *text, int64_t *out);

typedef struct {
    char *key;        /* the client's key file, as written */
    int64_t *values;  /* its values (secret: zeroed by client_batch_free) */
    size_t count;
    size_t line;      /* 1-based line of the file */
} client_batch_entry;

typedef struct {
    client_batch_entry *entries;
    size_t count;
} client_batch;

/* Parses the text of a batch file (len bytes, NUL bytes allowed and refused). On success fills
 * *out (free with client_batch_free) and returns 0; on error returns -1 with a message naming
 * `path`, the line and the fix in err, and *out empty. */
int client_batch_parse(const char *text, size_t len, const char *path, client_batch *out, char *err,
                       size_t err_len);

/* Frees the entries and zeroes their values; *b is left empty. */
void client_batch_free(client_batch *b);

#endif
