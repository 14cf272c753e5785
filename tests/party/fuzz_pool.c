/*
 * fuzz_pool.c - fuzz target of the preprocessing pool import (what a party reads back from its
 * store into a new session's engine): any bytes are either imported whole or refused with a status
 * and nothing imported (triples, random sharings, bits, masks, chains); an import is exactly as
 * large as its header says, and exporting right after gives the same bytes back (a version-1
 * import comes back as version 2 with an empty material part).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <stoffel/mpc.h>
#include <stoffel/net.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct event_base *base = event_base_new();
    stoffel_net_mem_hub *hub = NULL;
    stoffel_net *net = NULL;
    stoffel_mpc_engine *e = NULL;
    if (!base || stoffel_net_mem_hub_new(1, &hub) || stoffel_net_mem_party_new(hub, base, 0, NULL, &net))
        abort();
    stoffel_mpc_net_config c;
    stoffel_mpc_net_config_defaults(&c);
    c.n = 1;
    c.t = 0;
    c.field = STOFFEL_MPC_FIELD_P128;
    if (stoffel_mpc_engine_new_networked(&c, base, net, &e, NULL, 0))
        abort();
    int rc = stoffel_mpc_engine_net_pool_import(e, data, size);
    size_t nt = 0, nr = 0;
    stoffel_mpc_engine_net_pool_size(e, &nt, &nr);
    stoffel_mpc_material held = {.struct_size = sizeof held};
    stoffel_mpc_engine_material_held(e, &held);
    uint64_t material = held.random_bits;
    for (int w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++)
        material += held.masks[w] + held.prefix_chains[w];
    if (rc != 0) {
        if (nt || nr || material || stoffel_mpc_engine_last_error(e)[0] == '\0')
            abort(); /* refused: nothing imported, and the message says why */
    } else {
        uint8_t *out = NULL;
        size_t len = 0;
        /* a version-1 export comes back as version 2 with an empty bits / masks / chains part */
        int v1 = memcmp(data, "NEPOOL1", 8) == 0;
        static const uint8_t empty_material[16] = {0};
        if (stoffel_mpc_engine_net_pool_export(e, &out, &len) || len != size + (v1 ? 16 : 0) ||
            memcmp(out + 8, data + 8, size - 8) != 0 || memcmp(out, "NEPOOL2", 8) != 0 ||
            (v1 && memcmp(out + size, empty_material, 16) != 0))
            abort();
        memset(out, 0, len);
        free(out);
    }
    stoffel_mpc_engine_free(e);
    stoffel_net_free(net);
    stoffel_net_mem_hub_free(hub);
    event_base_free(base);
    return 0;
}
