/*
 * fuzz_ne_frames.c - fuzz target for what a networked party engine does with frames from its
 * peers: strict envelope decoding, the sender check against the authenticated peer, the session
 * check, control messages (client input requests, party 0's admissions, output fetches), routing
 * and the bounded buffer of early frames. The engine is party 1 of 2 on the in-memory transport;
 * the first input byte picks the sender (even: party 0, odd: a client), the rest is the frame.
 * After each frame the engine gets a zero-time accept_inputs call, so admissions that match a
 * request start (and time out) the input protocol. Properties: no crash, no leak, bounded memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <stoffel/mpc.h>
#include <stoffel/net.h>

static struct event_base *base;
static stoffel_net_mem_hub *hub;
static stoffel_net *p0, *p1, *client;
static stoffel_mpc_engine *engine;

static int setup(void)
{
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
    memset(key, 7, sizeof key);
    base = event_base_new();
    if (!base || stoffel_net_mem_hub_new(2, &hub) || stoffel_net_mem_party_new(hub, base, 0, NULL, &p0) ||
        stoffel_net_mem_party_new(hub, base, 1, NULL, &p1) || stoffel_net_mem_client_new(hub, base, key, NULL, &client))
        return -1;
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.n = 2;
    cfg.t = 0;
    cfg.field = STOFFEL_MPC_FIELD_P128;
    cfg.session_id = 42;
    cfg.timeout_ms = 1;
    cfg.max_early_frames = 64;
    cfg.max_early_bytes = 1 << 20;
    if (stoffel_mpc_engine_new_networked(&cfg, base, p1, &engine, NULL, 0))
        return -1;
    if (stoffel_net_start(p0) || stoffel_net_start(p1) || stoffel_net_start(client))
        return -1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine && setup() != 0)
        abort();
    if (size < 1)
        return 0;
    stoffel_net *from = data[0] % 2 == 0 ? p0 : client;
    if (from == p0)
        stoffel_net_send(p0, 1, data + 1, size - 1);
    else
        stoffel_net_send(client, 1, data + 1, size - 1);
    for (int i = 0; i < 4; i++)
        event_base_loop(base, EVLOOP_NONBLOCK);
    stoffel_mpc_engine_net_accept_inputs(engine, 1, 0);
    return 0;
}
