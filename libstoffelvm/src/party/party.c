/*
 * party.c - the party runtime: a long-running party's message intake over its stoffel_net
 * endpoint (deploy requests answered at once; input and run requests and party 0's operation
 * messages queued for party_ops.c), the party's lifecycle and its progress log. The process
 * around it (flags, keys, signals, the event loop) is the CLI's `stoffel party`.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "party_internal.h"

int64_t party_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void party_log(stoffel_vm_party *party, const char *fmt, ...)
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

uint8_t *party_envelope(uint64_t session, uint32_t sender, const char *kind, const stoffel_net_bytes *parts,
                        size_t count, size_t *len)
{
    stoffel_net_envelope env = {0};
    env.protocol = PARTY_CONTROL_PROTOCOL;
    env.session_id = session;
    env.sender = sender;
    env.part_count = count + 1;
    env.parts[0].data = (const uint8_t *)kind;
    env.parts[0].len = strlen(kind);
    for (size_t i = 0; i < count && i + 1 < STOFFEL_NET_ENVELOPE_MAX_PARTS; i++)
        env.parts[i + 1] = parts[i];
    uint8_t *buf = NULL;
    if (stoffel_net_envelope_encode(&env, &buf, len) != 0)
        return NULL;
    return buf;
}

int party_part_is(const stoffel_net_bytes *part, const char *text)
{
    return part->len == strlen(text) && memcmp(part->data, text, part->len) == 0;
}

void party_reply(stoffel_vm_party *party, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN], uint64_t request_id,
                 const char *kind, const stoffel_net_bytes *parts, size_t count)
{
    size_t len = 0;
    uint8_t *buf = party_envelope(request_id, party->me, kind, parts, count, &len);
    int rc = buf ? stoffel_net_send_client(party->net, key, buf, len) : STOFFEL_ERR_NOMEM;
    stoffel_net_buffer_free(buf);
    if (rc != 0)
        party_log(party, "could not answer a client: %s", stoffel_net_strerror(rc));
}

void party_reply_error(stoffel_vm_party *party, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                       uint64_t request_id, const char *message)
{
    party_log(party, "refused a request: %s", message);
    stoffel_net_bytes part = {(const uint8_t *)message, strlen(message)};
    party_reply(party, key, request_id, "error", &part, 1);
}

void party_send(stoffel_vm_party *party, uint32_t to, uint64_t session, const char *kind,
                const stoffel_net_bytes *parts, size_t count)
{
    size_t len = 0;
    uint8_t *buf = party_envelope(session, party->me, kind, parts, count, &len);
    int rc = buf ? stoffel_net_send(party->net, to, buf, len) : STOFFEL_ERR_NOMEM;
    stoffel_net_buffer_free(buf);
    if (rc != 0)
        party_log(party, "could not send `%s` to party %u: %s", kind, to, stoffel_net_strerror(rc));
}

static void handle_deploy(stoffel_vm_party *party, const stoffel_net_peer *from, const stoffel_net_envelope *env)
{
    char err[512] = "";
    stoffel_vm_bundle *bundle = NULL;
    int rc = stoffel_vm_bundle_decode(env->parts[1].data, env->parts[1].len, &bundle, err, sizeof err);
    if (rc != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "the bundle does not verify: %s", err);
        party_reply_error(party, from->key, env->session_id, msg);
        return;
    }
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN];
    rc = stoffel_vm_party_store_put_bundle(party->store, bundle, hash);
    if (rc != 0) {
        /* A refusal the client can act on (another bundle under this name) is passed on; local
         * failures (disk, damaged store) are logged here and reported without local details. */
        if (rc == STOFFEL_ERR_STATE) {
            party_reply_error(party, from->key, env->session_id, stoffel_vm_party_store_last_error(party->store));
        } else {
            party_log(party, "could not store a bundle: %s", stoffel_vm_party_store_last_error(party->store));
            party_reply_error(party, from->key, env->session_id,
                              "the party could not store the bundle (its log says why)");
        }
        stoffel_vm_bundle_free(bundle);
        return;
    }
    char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
    stoffel_vm_bundle_hash_to_hex(hash, hex);
    party_log(party, "deployed `%s` (entry %s, %zu bytes of bytecode) as %s", stoffel_vm_bundle_name(bundle),
              stoffel_vm_bundle_entry(bundle), bundle->code_len, hex);
    stoffel_vm_bundle_free(bundle);
    stoffel_net_bytes part = {hash, sizeof hash};
    party_reply(party, from->key, env->session_id, "deployed", &part, 1);
}

/* An input or run request: checked here (so a bad one is refused at once and stores nothing),
 * then queued for party 0's sequencing. */
static void handle_operation_request(stoffel_vm_party *party, const stoffel_net_peer *from,
                                     const stoffel_net_envelope *env, uint8_t kind)
{
    const char *what = kind == PARTY_OP_INPUT ? "input" : kind == PARTY_OP_RUN ? "run" : "output";
    if (!party->mpc_enabled) {
        party_reply_error(party, from->key, env->session_id,
                          "this party does not run MPC operations (the host did not enable them)");
        return;
    }
    size_t want_parts = kind == PARTY_OP_INPUT ? 3 : 2;
    if (env->part_count != want_parts || env->parts[1].len != STOFFEL_VM_BUNDLE_HASH_LEN ||
        (kind == PARTY_OP_INPUT && env->parts[2].len != 8)) {
        char msg[160];
        snprintf(msg, sizeof msg, "malformed `%s` request (is the client newer than the party?)", what);
        party_reply_error(party, from->key, env->session_id, msg);
        return;
    }
    party_request r = {0};
    r.kind = kind;
    memcpy(r.client_key, from->key, sizeof r.client_key);
    r.request_id = env->session_id;
    memcpy(r.program, env->parts[1].data, sizeof r.program);
    r.received_ms = party_now_ms();
    if (kind == PARTY_OP_INPUT) {
        r.count = party_get_u64(env->parts[2].data);
        if (r.count == 0 || r.count > 65536) {
            party_reply_error(party, from->key, env->session_id,
                              "an input holds 1 to 65536 values; split larger inputs");
            return;
        }
    }
    char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
    stoffel_vm_bundle_hash_to_hex(r.program, hex);
    int has = store_has_bundle(party->store, r.program);
    if (has <= 0) {
        char msg[400];
        if (has < 0) {
            party_log(party, "could not read the store: %s", stoffel_vm_party_store_last_error(party->store));
            snprintf(msg, sizeof msg, "the party could not read its store (its log says why)");
        } else {
            snprintf(msg, sizeof msg,
                     "no program with hash %s is deployed on party %u; deploy it with `stoffel deploy` first",
                     hex, party->me);
        }
        party_reply_error(party, from->key, env->session_id, msg);
        return;
    }
    if (party->nqueue >= PARTY_MAX_QUEUED) {
        party_reply_error(party, from->key, env->session_id, "the party is busy (too many queued requests); retry later");
        return;
    }
    party_request *q = realloc(party->queue, (party->nqueue + 1) * sizeof *q);
    if (!q) {
        party_reply_error(party, from->key, env->session_id, "the party is out of memory");
        return;
    }
    party->queue = q;
    party->queue[party->nqueue++] = r;
    party_log(party, "queued a %s request for %.16s.. from client %02x%02x%02x%02x..", what, hex, from->key[0],
              from->key[1], from->key[2], from->key[3]);
}

static int push_signal(stoffel_vm_party *party, const party_signal *sig)
{
    if (party->nsignals >= PARTY_MAX_QUEUED)
        return -1;
    party_signal *s = realloc(party->signals, (party->nsignals + 1) * sizeof *s);
    if (!s)
        return -1;
    party->signals = s;
    party->signals[party->nsignals++] = *sig;
    return 0;
}

/* Operation messages between parties. */
static void handle_party_message(stoffel_vm_party *party, uint32_t from, const stoffel_net_envelope *env)
{
    const stoffel_net_bytes *p = env->parts;
    if (from == 0 && party->me != 0 && env->part_count == 4 && party_part_is(&p[0], "op") && p[1].len == 1) {
        size_t nclients = p[3].len / 8;
        if (p[3].len % 8 != 0 || nclients == 0 || nclients > PARTY_INPUT_BATCH ||
            p[2].len != nclients * STOFFEL_NET_FINGERPRINT_LEN || (nclients > 1 && p[1].data[0] != PARTY_OP_INPUT)) {
            party_log(party, "ignored a malformed operation announcement from party 0");
            return;
        }
        for (size_t i = 0; i < nclients; i++)
            for (size_t k = i + 1; k < nclients; k++)
                if (memcmp(p[2].data + i * STOFFEL_NET_FINGERPRINT_LEN, p[2].data + k * STOFFEL_NET_FINGERPRINT_LEN,
                           STOFFEL_NET_FINGERPRINT_LEN) == 0) {
                    party_log(party, "ignored an operation announcement naming one client twice");
                    return;
                }
        if (party->nannounced >= PARTY_MAX_QUEUED)
            return;
        party_announce *a = realloc(party->announced, (party->nannounced + 1) * sizeof *a);
        if (!a)
            return;
        party->announced = a;
        party_announce *x = &party->announced[party->nannounced++];
        x->kind = p[1].data[0];
        x->session = env->session_id;
        x->nclients = nclients;
        for (size_t k = 0; k < nclients; k++) {
            memcpy(x->client_keys[k], p[2].data + k * STOFFEL_NET_FINGERPRINT_LEN, STOFFEL_NET_FINGERPRINT_LEN);
            x->request_ids[k] = party_get_u64(p[3].data + 8 * k);
        }
        x->received_ms = party_now_ms();
        return;
    }
    party_signal sig = {0};
    sig.session = env->session_id;
    sig.party = from;
    if (party->me == 0 && env->part_count == 3 && party_part_is(&p[0], "ready") && p[1].len == 8 && p[2].len == 32) {
        sig.ready = 1;
        sig.pool_tag = party_get_u64(p[1].data);
        memcpy(sig.digest, p[2].data, 32);
    } else if (party->me == 0 && env->part_count == 2 && party_part_is(&p[0], "notready")) {
        snprintf(sig.reason, sizeof sig.reason, "%.*s", (int)(p[1].len > 200 ? 200 : p[1].len), (const char *)p[1].data);
    } else if (from == 0 && env->part_count == 2 && party_part_is(&p[0], "go")) {
        if (p[1].len != 1 && p[1].len != PARTY_GO_LEVELS_LEN) {
            party_log(party, "ignored a malformed `go` from party 0 (%zu bytes; 1, or %d with preprocessing "
                      "levels: is party 0 another version?)", p[1].len, PARTY_GO_LEVELS_LEN);
            return;
        }
        sig.ready = 1;
        sig.use_pool = p[1].data[0];
        if (p[1].len == PARTY_GO_LEVELS_LEN) {
            sig.has_levels = 1;
            sig.levels.triples = party_get_u64(p[1].data + 1);
            sig.levels.randoms = party_get_u64(p[1].data + 9);
            sig.levels.comparisons = party_get_u64(p[1].data + 17);
            /* the same limits as a party's own configuration: party 0 cannot make the others
             * allocate more than they would agree to themselves */
            if (sig.levels.triples > STOFFEL_VM_PARTY_PREP_MAX || sig.levels.randoms > STOFFEL_VM_PARTY_PREP_MAX ||
                sig.levels.comparisons > STOFFEL_VM_PARTY_PREP_COMPARISONS_MAX) {
                party_log(party, "ignored a `go` from party 0 with preprocessing levels above the limits "
                          "(%llu triples, %llu randoms, %llu comparisons)", (unsigned long long)sig.levels.triples,
                          (unsigned long long)sig.levels.randoms, (unsigned long long)sig.levels.comparisons);
                return;
            }
        }
    } else if (from == 0 && env->part_count == 2 && party_part_is(&p[0], "abort")) {
        snprintf(sig.reason, sizeof sig.reason, "%.*s", (int)(p[1].len > 200 ? 200 : p[1].len), (const char *)p[1].data);
    } else {
        party_log(party, "ignored a malformed control message from party %u", from);
        return;
    }
    if (push_signal(party, &sig) != 0)
        party_log(party, "dropped a control message from party %u (queue full)", from);
}

int party_take_frame(void *user, const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    stoffel_vm_party *party = user;
    stoffel_net_envelope env;
    if (stoffel_net_envelope_decode(data, len, &env) != 0 || env.protocol != PARTY_CONTROL_PROTOCOL ||
        env.part_count < 1)
        return 0;
    if (from->kind == STOFFEL_NET_PEER_PARTY) {
        if (from->party_id < party->n && from->party_id != party->me)
            handle_party_message(party, from->party_id, &env);
        return 1;
    }
    party->requests++;
    if (env.part_count == 2 && party_part_is(&env.parts[0], "deploy"))
        handle_deploy(party, from, &env);
    else if (party_part_is(&env.parts[0], "input"))
        handle_operation_request(party, from, &env, PARTY_OP_INPUT);
    else if (party_part_is(&env.parts[0], "run"))
        handle_operation_request(party, from, &env, PARTY_OP_RUN);
    else if (party_part_is(&env.parts[0], "output"))
        handle_operation_request(party, from, &env, PARTY_OP_OUTPUT);
    else
        party_reply_error(party, from->key, env.session_id,
                          "unknown request; this party understands `deploy`, `input`, `run` and `output` (is the "
                          "client newer than the party?)");
    return 1;
}

/* Every message reaching the endpoint while no engine runs. Each request is handled to the end
 * here or queued, its store change committed before the reply is queued, so a shutdown between
 * callbacks never splits one. */
static void on_message(void *user, const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    stoffel_vm_party *party = user;
    if (!party_take_frame(party, from, data, len))
        party_log(party, "ignored a message (%zu bytes) that is not a party control message (a late frame of "
                  "a finished operation?)", len);
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

void party_install_callbacks(stoffel_vm_party *party)
{
    stoffel_net_set_callbacks(party->net, on_message, on_state, party);
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
    party->n = stoffel_net_party_count(net);
    party->me = (uint32_t)stoffel_net_my_id(net);
    stoffel_vm_party_mpc_config_defaults(&party->mpc);
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

STOFFEL_API void stoffel_vm_party_mpc_config_defaults(stoffel_vm_party_mpc_config *config)
{
    if (!config)
        return;
    memset(config, 0, sizeof *config);
    config->struct_size = sizeof *config;
    config->threshold = 1;
    config->security = -1;
    config->timeout_ms = 30000;
    config->prep_field = STOFFEL_MPC_FIELD_BLS12_381;
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg; /* only ends a turn of the loop, so a waiting operation looks at the clock */
}

STOFFEL_API int stoffel_vm_party_enable_mpc(stoffel_vm_party *party, struct event_base *base,
                                            const stoffel_vm_party_mpc_config *config, char *err, size_t err_len)
{
    /* a caller compiled before prep_comparisons was added passes the struct up to prep_field */
    const size_t before_comparisons = offsetof(stoffel_vm_party_mpc_config, prep_comparisons);
    if (!party || !base || !config ||
        (config->struct_size != sizeof *config && config->struct_size != before_comparisons)) {
        party_format(err, err_len, "stoffel_vm_party_enable_mpc: party, base and a config initialised with "
                                   "stoffel_vm_party_mpc_config_defaults are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    stoffel_vm_party_mpc_config cfg;
    stoffel_vm_party_mpc_config_defaults(&cfg);
    memcpy(&cfg, config, config->struct_size);
    cfg.struct_size = sizeof cfg;
    config = &cfg;
    if (config->prep_triples > STOFFEL_VM_PARTY_PREP_MAX || config->prep_randoms > STOFFEL_VM_PARTY_PREP_MAX ||
        config->prep_comparisons > STOFFEL_VM_PARTY_PREP_COMPARISONS_MAX) {
        party_format(err, err_len,
                     "preprocessing levels too high: prep_triples and prep_randoms go up to %u, prep_comparisons "
                     "up to %u", STOFFEL_VM_PARTY_PREP_MAX, STOFFEL_VM_PARTY_PREP_COMPARISONS_MAX);
        return STOFFEL_ERR_INVALID_ARG;
    }
    uint32_t n = party->n, t = config->threshold;
    int security = config->security;
    if (security < 0)
        security = n >= 3 * t + 1 ? STOFFEL_MPC_ROBUST : STOFFEL_MPC_SEMI_HONEST;
    if (t < 1 || n < 2 * t + 1 || (security == STOFFEL_MPC_ROBUST && n < 3 * t + 1) ||
        (security != STOFFEL_MPC_ROBUST && security != STOFFEL_MPC_SEMI_HONEST)) {
        party_format(err, err_len,
                     "threshold %u does not fit %u parties: semi-honest needs parties >= 2t+1 and t >= 1, robust "
                     "needs parties >= 3t+1; change threshold in the network configuration",
                     t, n);
        return STOFFEL_ERR_INVALID_ARG;
    }
    if (config->timeout_ms == 0) {
        party_format(err, err_len, "timeout_ms must be positive (default 30000)");
        return STOFFEL_ERR_INVALID_ARG;
    }
    if (!party->wake && !(party->wake = evtimer_new(base, on_wake, party)))
        return STOFFEL_ERR_NOMEM;
    party->base = base;
    party->mpc = *config;
    party->material_ok_tag = 0; /* measured against the levels configured before */
    party->security = (stoffel_mpc_security)security;
    party->mpc_enabled = 1;
    party->idle_since_ms = party_now_ms();
    return 0;
}

STOFFEL_API int stoffel_vm_party_poll(stoffel_vm_party *party)
{
    if (!party || !party->mpc_enabled)
        return 0;
    return party_ops_poll(party);
}

STOFFEL_API uint64_t stoffel_vm_party_operation_count(const stoffel_vm_party *party)
{
    return party ? party->operations : 0;
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
    if (party->wake)
        event_free(party->wake);
    stoffel_vm_party_store_close(party->store);
    free(party->queue);
    free(party->announced);
    free(party->signals);
    sodium_memzero(party, sizeof *party);
    free(party);
}
