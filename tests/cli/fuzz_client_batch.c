/* fuzz_client_batch.c - fuzz target for the `stoffel client input --batch` file parser
 * (client_batch_parse): any bytes must give entries that obey the limits, or an error message
 * naming the file, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../stoffel-cli/src/client_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    client_batch b;
    char err[512];
    if (client_batch_parse((const char *)data, size, "inputs.txt", &b, err, sizeof err) == 0) {
        if (b.count == 0 || b.count > CLIENT_BATCH_MAX_LINES)
            abort();
        for (size_t i = 0; i < b.count; i++) {
            const client_batch_entry *e = &b.entries[i];
            if (!e->key[0] || e->count == 0 || e->count > CLIENT_BATCH_MAX_VALUES || e->line == 0)
                abort();
        }
        client_batch_free(&b);
    } else if (!memchr(err, 0, sizeof err) || !strstr(err, "inputs.txt") || b.count != 0) {
        if (!strstr(err, "out of memory"))
            abort(); /* every failure names the file */
    }
    return 0;
}
