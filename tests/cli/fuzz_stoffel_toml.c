/* fuzz_stoffel_toml.c - fuzz target for the Stoffel.toml parser and validator (project_parse):
 * any bytes must give a project or an error message, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../stoffel-cli/src/project.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    project p;
    char err[512];
    if (project_parse((const char *)data, size, "Stoffel.toml", &p, err, sizeof err) == 0) {
        /* a valid project satisfies the threshold rule it was checked against */
        if (p.parties < 2 * p.threshold + 1 || (p.robust && p.parties < 3 * p.threshold + 1) || !p.name || !p.source)
            abort();
        project_clear(&p);
    } else if (!memchr(err, 0, sizeof err) || !err[0]) {
        abort(); /* every failure explains itself */
    }
    return 0;
}
