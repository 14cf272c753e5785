/*
 * party.c - the party runtime: a long-running party's request handling over its stoffel_net
 * endpoint (deploy requests from clients: verify, store, answer with the hash) on top of the
 * party store, and its progress log. The process around it (flags, keys, signals) is the CLI's
 * `stoffel party`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "party_internal.h"

struct stoffel_vm_party {
    stoffel_net *net;
    stoffel_vm_party_store *store;
    stoffel_vm_party_log_fn log;
    void *log_user;
    uint64_t requests;
    char error[512];
};

static void party_log(stoffel_vm_party *party, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void party_log(stoffel_vm_party *party, const char *fmt, ...)
{
    if (!party->log)
        return;
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    party->log(party->log_user, line);
}

/* Sends a reply envelope with two parts to the client that asked. */
static void reply(stoffel_vm_party *party, const stoffel_net_peer *to, uint64_t request_id, const char *kind,
                  const void *body, size_t body_len)
{
    stoffel_net_envelope env = {0};
    env.protocol = PARTY_CONTROL_PROTOCOL;
    env.session_id = request_id;
    env.sender = (uint32_t)stoffel_net_my_id(party->net);
    env.part_count = 2;
    env.parts[0].data = (const uint8_t *)kind;
    env.parts[0].len = strlen(kind);
    env.parts[1].data = body;
    env.parts[1].len = body_len;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = stoffel_net_envelope_encode(&env, &buf, &len);
    if (rc == 0)
        rc = stoffel_net_send_client(party->net, to->key, buf, len);
    stoffel_net_buffer_free(buf);
    if (rc != 0)
        party_log(party, "could not answer a client: %s", stoffel_net_strerror(rc));
}

static void reply_error(stoffel_vm_party *party, const stoffel_net_peer *to, uint64_t request_id,
                        const char *message)
{
    party_log(party, "refused a request: %s", message);
    reply(party, to, request_id, "error", message, strlen(message));
}

static int part_is(const stoffel_net_bytes *part, const char *text)
{
    return part->len == strlen(text) && memcmp(part->data, text, part->len) == 0;
}

static void handle_deploy(stoffel_vm_party *party, const stoffel_net_peer *from, const stoffel_net_envelope *env)
{
    char err[512] = "";
    stoffel_vm_bundle *bundle = NULL;
    int rc = stoffel_vm_bundle_decode(env->parts[1].data, env->parts[1].len, &bundle, err, sizeof err);
    if (rc != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "the bundle does not verify: %s", err);
        reply_error(party, from, env->session_id, msg);
        return;
    }
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN];
    rc = stoffel_vm_party_store_put_bundle(party->store, bundle, hash);
    if (rc != 0) {
        /* A refusal the client can act on (another bundle under this name) is passed on; local
         * failures (disk, damaged store) are logged here and reported without local details. */
        if (rc == STOFFEL_ERR_STATE) {
            reply_error(party, from, env->session_id, stoffel_vm_party_store_last_error(party->store));
        } else {
            party_log(party, "could not store a bundle: %s", stoffel_vm_party_store_last_error(party->store));
            static const char failed[] = "the party could not store the bundle (its log says why)";
            reply(party, from, env->session_id, "error", failed, sizeof failed - 1);
        }
        stoffel_vm_bundle_free(bundle);
        return;
    }
    char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
    stoffel_vm_bundle_hash_to_hex(hash, hex);
    party_log(party, "deployed `%s` (entry %s, %zu bytes of bytecode) as %s", stoffel_vm_bundle_name(bundle),
              stoffel_vm_bundle_entry(bundle), bundle->code_len, hex);
    stoffel_vm_bundle_free(bundle);
    reply(party, from, env->session_id, "deployed", hash, sizeof hash);
}

/* Every message reaching the endpoint. Each request is handled to the end here, its store change
 * committed before the reply is queued, so a shutdown between callbacks never splits one. */
static void on_message(void *user, const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    stoffel_vm_party *party = user;
    stoffel_net_envelope env;
    if (stoffel_net_envelope_decode(data, len, &env) != 0 || env.protocol != PARTY_CONTROL_PROTOCOL) {
        party_log(party, "ignored a message (%zu bytes) that is not a party control request", len);
        return;
    }
    if (from->kind != STOFFEL_NET_PEER_CLIENT) {
        party_log(party, "ignored a control message from party %u (requests come from clients)", from->party_id);
        return;
    }
    party->requests++;
    if (env.part_count == 2 && part_is(&env.parts[0], "deploy")) {
        handle_deploy(party, from, &env);
        return;
    }
    reply_error(party, from, env.session_id,
                "unknown request; this party understands `deploy` (is the client newer than the party?)");
}

static void on_state(void *user, const stoffel_net_peer *peer, stoffel_net_state state, int status)
{
    stoffel_vm_party *party = user;
    static const char *const names[] = {"connecting", "connected", "closing", "closed", "lost"};
    const char *name = (unsigned)state < 5 ? names[state] : "unknown";
    if (peer->kind == STOFFEL_NET_PEER_PARTY)
        party_log(party, "link to party %u: %s%s%s", peer->party_id, name, status ? " - " : "",
                  status ? stoffel_net_strerror(status) : "");
    else if (state == STOFFEL_NET_STATE_CONNECTED || state == STOFFEL_NET_STATE_CLOSED)
        party_log(party, "client %02x%02x%02x%02x..: %s", peer->key[0], peer->key[1], peer->key[2], peer->key[3],
                  name);
}

STOFFEL_API int stoffel_vm_party_new(stoffel_net *net, const char *store_path, stoffel_vm_party **out, char *err,
                                     size_t err_len)
{
    if (!net || !store_path || !out) {
        party_format(err, err_len, "stoffel_vm_party_new: net, store_path and out are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (stoffel_net_my_id(net) < 0) {
        party_format(err, err_len, "stoffel_vm_party_new: the endpoint is a client endpoint, not a party's");
        return STOFFEL_ERR_INVALID_ARG;
    }
    stoffel_vm_party *party = calloc(1, sizeof *party);
    if (!party)
        return STOFFEL_ERR_NOMEM;
    int rc = stoffel_vm_party_store_open(store_path, &party->store, err, err_len);
    if (rc != 0) {
        free(party);
        return rc;
    }
    party->net = net;
    rc = stoffel_net_set_callbacks(net, on_message, on_state, party);
    if (rc != 0) {
        party_format(err, err_len, "could not install the party's message handler: %s", stoffel_net_strerror(rc));
        stoffel_vm_party_store_close(party->store);
        free(party);
        return rc;
    }
    *out = party;
    return 0;
}

STOFFEL_API void stoffel_vm_party_set_log(stoffel_vm_party *party, stoffel_vm_party_log_fn fn, void *user)
{
    if (!party)
        return;
    party->log = fn;
    party->log_user = user;
}

STOFFEL_API stoffel_vm_party_store *stoffel_vm_party_store_of(stoffel_vm_party *party)
{
    return party ? party->store : NULL;
}

STOFFEL_API uint64_t stoffel_vm_party_request_count(const stoffel_vm_party *party)
{
    return party ? party->requests : 0;
}

STOFFEL_API const char *stoffel_vm_party_last_error(const stoffel_vm_party *party)
{
    return party ? party->error : "no party";
}

STOFFEL_API void stoffel_vm_party_free(stoffel_vm_party *party)
{
    if (!party)
        return;
    stoffel_net_set_callbacks(party->net, NULL, NULL, NULL);
    stoffel_vm_party_store_close(party->store);
    sodium_memzero(party, sizeof *party);
    free(party);
}
