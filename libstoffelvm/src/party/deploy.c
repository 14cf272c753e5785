/*
 * deploy.c - the client side of deploy: sends one bundle to every party of a network over a
 * client endpoint and succeeds only when every party answers with the bundle's own hash; any
 * refusal, different hash or silence fails the deploy naming the party.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "party_internal.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends the ids of parties that have not answered to buf ("0, 2"). */
static void list_missing(const uint8_t *answered, uint32_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n && used < len; i++)
        if (!answered[i]) {
            int w = snprintf(buf + used, len - used, "%s%u", used ? ", " : "", i);
            if (w < 0)
                break;
            used += (size_t)w;
        }
}

STOFFEL_API int stoffel_vm_deploy(stoffel_net *net, const stoffel_vm_bundle *bundle, int timeout_ms,
                                  uint8_t hash_out[STOFFEL_VM_BUNDLE_HASH_LEN], char *err, size_t err_len)
{
    if (!net || !bundle) {
        party_format(err, err_len, "stoffel_vm_deploy: net and bundle are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    if (stoffel_net_my_id(net) >= 0) {
        party_format(err, err_len, "stoffel_vm_deploy: needs a client endpoint, got party %d's",
                     stoffel_net_my_id(net));
        return STOFFEL_ERR_INVALID_ARG;
    }
    uint32_t n = stoffel_net_party_count(net);
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN];
    stoffel_vm_bundle_hash(bundle, hash);
    char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
    stoffel_vm_bundle_hash_to_hex(hash, hex);

    uint8_t *encoded = NULL, *request = NULL;
    size_t encoded_len = 0, request_len = 0;
    int rc = stoffel_vm_bundle_encode(bundle, &encoded, &encoded_len);
    if (rc != 0)
        return rc;
    uint64_t request_id = 0;
    randombytes_buf(&request_id, sizeof request_id);
    stoffel_net_envelope env = {0};
    env.protocol = PARTY_CONTROL_PROTOCOL;
    env.session_id = request_id;
    env.part_count = 2;
    env.parts[0].data = (const uint8_t *)"deploy";
    env.parts[0].len = 6;
    env.parts[1].data = encoded;
    env.parts[1].len = encoded_len;
    rc = stoffel_net_envelope_encode(&env, &request, &request_len);
    free(encoded);
    if (rc != 0)
        return rc;
    rc = stoffel_net_broadcast(net, request, request_len);
    stoffel_net_buffer_free(request);
    if (rc != 0) {
        party_format(err, err_len, "could not send the bundle: %s", stoffel_net_last_error(net));
        return rc;
    }

    uint8_t *answered = calloc(n ? n : 1, 1);
    if (!answered)
        return STOFFEL_ERR_NOMEM;
    uint32_t answers = 0;
    int status = 0;
    int64_t deadline = now_ms() + (timeout_ms < 0 ? 30000 : timeout_ms);
    while (answers < n && status == 0) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            char missing[256];
            list_missing(answered, n, missing, sizeof missing);
            party_format(err, err_len,
                         "no answer from party %s within %d ms; check that `stoffel party` runs for it and that "
                         "its address in the network configuration is reachable",
                         missing, timeout_ms);
            status = STOFFEL_ERR_TIMEOUT;
            break;
        }
        stoffel_net_peer from;
        uint8_t *data = NULL;
        size_t len = 0;
        rc = stoffel_net_recv(net, (int)left, &from, &data, &len);
        if (rc == STOFFEL_ERR_TIMEOUT)
            continue; /* the deadline check above names the silent parties */
        if (rc != 0) {
            party_format(err, err_len, "receiving answers failed: %s", stoffel_net_last_error(net));
            status = rc;
            break;
        }
        stoffel_net_envelope r;
        if (from.kind == STOFFEL_NET_PEER_PARTY && from.party_id < n && !answered[from.party_id] &&
            stoffel_net_envelope_decode(data, len, &r) == 0 && r.protocol == PARTY_CONTROL_PROTOCOL &&
            r.session_id == request_id && r.part_count == 2) {
            uint32_t p = from.party_id;
            answered[p] = 1;
            answers++;
            if (r.parts[0].len == 8 && memcmp(r.parts[0].data, "deployed", 8) == 0) {
                if (r.parts[1].len != STOFFEL_VM_BUNDLE_HASH_LEN ||
                    sodium_memcmp(r.parts[1].data, hash, sizeof hash) != 0) {
                    char theirs[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1] = "(malformed)";
                    if (r.parts[1].len == STOFFEL_VM_BUNDLE_HASH_LEN)
                        stoffel_vm_bundle_hash_to_hex(r.parts[1].data, theirs);
                    party_format(err, err_len,
                                 "party %u stored a different bundle (hash %s, expected %s); the bundle was "
                                 "altered on the way or the party runs a different format",
                                 p, theirs, hex);
                    status = STOFFEL_MPC_ERR_PEER;
                }
            } else {
                int shown = (int)(r.parts[1].len > 400 ? 400 : r.parts[1].len);
                party_format(err, err_len, "party %u refused the bundle: %.*s", p, shown,
                             (const char *)r.parts[1].data);
                status = STOFFEL_MPC_ERR_PEER;
            }
        }
        /* Anything else (a late answer to an older request, noise) is ignored. */
        stoffel_net_buffer_free(data);
    }
    free(answered);
    if (status == 0 && hash_out)
        memcpy(hash_out, hash, sizeof hash);
    return status;
}
