/* fuzz_net_config.c - fuzz target for the network configuration reader and its TOML parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/net.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    stoffel_net_config *cfg = NULL;
    char err[256];
    err[0] = 0;
    int rc = stoffel_net_config_parse((const char *)data, size, "fuzz.toml", &cfg, err, sizeof err);
    if (rc == 0) {
        if (!cfg || stoffel_net_config_party_count(cfg) == 0)
            abort();
        stoffel_net_config_free(cfg);
    } else if (cfg || (rc != STOFFEL_ERR_NOMEM && strncmp(err, "fuzz.toml:", 10) != 0)) {
        abort(); /* every error names the place */
    }
    return 0;
}
