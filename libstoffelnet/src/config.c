/*
 * config.c - the network configuration: parties (id, address, pinned fingerprint) and the client
 * allowlist, read from TOML (see stoffel/net.h for the format) or built in code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"
#include "toml.h"

#define CONFIG_MAX_PARTIES 1024
#define CONFIG_MAX_FILE_BYTES (4u * 1024u * 1024u)

typedef struct config_party {
    char host[64];
    uint16_t port;
    uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
    bool set;
} config_party;

struct stoffel_net_config {
    uint32_t n;
    uint32_t threshold; /* 0 = not given */
    config_party *parties;
    bool restrict_clients;
    uint8_t (*clients)[STOFFEL_NET_FINGERPRINT_LEN];
    size_t client_count;
};

bool net_host_valid(const char *host)
{
    if (!host || strlen(host) >= 64)
        return false;
    if (strcmp(host, "localhost") == 0)
        return true;
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int stoffel_net_config_new(uint32_t n_parties, stoffel_net_config **out)
{
    if (!out || n_parties == 0 || n_parties > CONFIG_MAX_PARTIES)
        return STOFFEL_ERR_INVALID_ARG;
    stoffel_net_config *c = calloc(1, sizeof *c);
    if (!c)
        return STOFFEL_ERR_NOMEM;
    c->parties = calloc(n_parties, sizeof *c->parties);
    if (!c->parties) {
        free(c);
        return STOFFEL_ERR_NOMEM;
    }
    c->n = n_parties;
    *out = c;
    return STOFFEL_OK;
}

void stoffel_net_config_free(stoffel_net_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->parties);
    free(cfg->clients);
    free(cfg);
}

int stoffel_net_config_set_party(stoffel_net_config *cfg, uint32_t id, const char *host,
                                 uint16_t port, const uint8_t fingerprint[STOFFEL_NET_FINGERPRINT_LEN])
{
    if (!cfg || id >= cfg->n || !net_host_valid(host))
        return STOFFEL_ERR_INVALID_ARG;
    config_party *p = &cfg->parties[id];
    snprintf(p->host, sizeof p->host, "%s", host);
    p->port = port;
    if (fingerprint)
        memcpy(p->fp, fingerprint, STOFFEL_NET_FINGERPRINT_LEN);
    p->set = true;
    return STOFFEL_OK;
}

int stoffel_net_config_allow_client(stoffel_net_config *cfg,
                                    const uint8_t fingerprint[STOFFEL_NET_FINGERPRINT_LEN])
{
    if (!cfg || !fingerprint)
        return STOFFEL_ERR_INVALID_ARG;
    uint8_t(*nc)[STOFFEL_NET_FINGERPRINT_LEN] =
        realloc(cfg->clients, (cfg->client_count + 1) * sizeof *nc);
    if (!nc)
        return STOFFEL_ERR_NOMEM;
    cfg->clients = nc;
    memcpy(cfg->clients[cfg->client_count++], fingerprint, STOFFEL_NET_FINGERPRINT_LEN);
    cfg->restrict_clients = true;
    return STOFFEL_OK;
}

uint32_t stoffel_net_config_party_count(const stoffel_net_config *cfg)
{
    return cfg ? cfg->n : 0;
}

uint32_t stoffel_net_config_threshold(const stoffel_net_config *cfg)
{
    return cfg ? cfg->threshold : 0;
}

int stoffel_net_config_party(const stoffel_net_config *cfg, uint32_t id, const char **host,
                             uint16_t *port, uint8_t fingerprint[STOFFEL_NET_FINGERPRINT_LEN])
{
    if (!cfg || id >= cfg->n)
        return STOFFEL_ERR_INVALID_ARG;
    if (host)
        *host = cfg->parties[id].host;
    if (port)
        *port = cfg->parties[id].port;
    if (fingerprint)
        memcpy(fingerprint, cfg->parties[id].fp, STOFFEL_NET_FINGERPRINT_LEN);
    return STOFFEL_OK;
}

int net_config_clone(const stoffel_net_config *cfg, stoffel_net_config **out)
{
    int rc = stoffel_net_config_new(cfg->n, out);
    if (rc)
        return rc;
    memcpy((*out)->parties, cfg->parties, cfg->n * sizeof *cfg->parties);
    (*out)->restrict_clients = cfg->restrict_clients;
    (*out)->threshold = cfg->threshold;
    if (cfg->client_count) {
        (*out)->clients = malloc(cfg->client_count * sizeof *cfg->clients);
        if (!(*out)->clients) {
            stoffel_net_config_free(*out);
            *out = NULL;
            return STOFFEL_ERR_NOMEM;
        }
        memcpy((*out)->clients, cfg->clients, cfg->client_count * sizeof *cfg->clients);
        (*out)->client_count = cfg->client_count;
    }
    return STOFFEL_OK;
}

bool net_config_client_allowed(const stoffel_net_config *cfg,
                               const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN])
{
    if (!cfg->restrict_clients)
        return true;
    for (size_t i = 0; i < cfg->client_count; i++)
        if (memcmp(cfg->clients[i], key, STOFFEL_NET_FINGERPRINT_LEN) == 0)
            return true;
    return false;
}

int net_config_party_by_fingerprint(const stoffel_net_config *cfg,
                                    const uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN])
{
    for (uint32_t i = 0; i < cfg->n; i++)
        if (cfg->parties[i].set && memcmp(cfg->parties[i].fp, fp, STOFFEL_NET_FINGERPRINT_LEN) == 0)
            return (int)i;
    return -1;
}

/* --- reading the TOML form ------------------------------------------------------------------ */

#define CFG_FAIL(v, ...)                                                                       \
    do {                                                                                       \
        char msg_[256];                                                                        \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                                              \
        net_errbuf(errbuf, errbuf_len, "%s:%d:%d: %s", name, (v) ? (v)->line : 1,              \
                   (v) ? (v)->column : 1, msg_);                                               \
        rc = STOFFEL_NET_ERR_CONFIG;                                                           \
        goto done;                                                                             \
    } while (0)

/* Splits "host:port" or "[v6]:port". */
static bool split_address(const char *s, char host[64], uint16_t *port)
{
    const char *colon;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return false;
        hlen = (size_t)(close - s - 1);
        memcpy(host, s + 1, hlen < 63 ? hlen : 63);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || strchr(s, ':') != colon)
            return false;
        hlen = (size_t)(colon - s);
        memcpy(host, s, hlen < 63 ? hlen : 63);
    }
    if (hlen >= 63)
        return false;
    host[hlen] = 0;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
        return false;
    *port = (uint16_t)p;
    return net_host_valid(host);
}

static const char *const party_keys[] = {"id", "address", "fingerprint", NULL};
static const char *const network_keys[] = {"parties", "threshold", "restrict_clients", NULL};
static const char *const client_keys[] = {"fingerprint", "name", NULL};
static const char *const top_keys[] = {"network", "party", "client", NULL};

/* Name of the first key of t not in allowed, or NULL. */
static const toml_entry *unknown_key(const toml_value *t, const char *const *allowed)
{
    for (size_t i = 0; i < t->u.table.count; i++) {
        bool ok = false;
        for (size_t j = 0; allowed[j]; j++)
            ok |= strcmp(t->u.table.entries[i].key, allowed[j]) == 0;
        if (!ok)
            return &t->u.table.entries[i];
    }
    return NULL;
}

int stoffel_net_config_parse(const char *text, size_t len, const char *name,
                             stoffel_net_config **out, char *errbuf, size_t errbuf_len)
{
    if (!out || (!text && len))
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    name = name ? name : "<network config>";
    toml_value *root = NULL;
    int trc = toml_parse(text ? text : "", len, name, &root, errbuf, errbuf_len);
    if (trc == -2)
        return STOFFEL_ERR_NOMEM;
    if (trc)
        return STOFFEL_ERR_MALFORMED;
    int rc = STOFFEL_OK;
    stoffel_net_config *cfg = NULL;
    const toml_entry *bad = unknown_key(root, top_keys);
    if (bad)
        CFG_FAIL(bad->value, "unknown section '%s'; expected [network], [[party]] or [[client]]",
                 bad->key);
    const toml_value *parties = toml_get(root, "party");
    if (!parties || parties->kind != TOML_ARRAY || parties->u.array.count == 0)
        CFG_FAIL(parties, "no parties: add one [[party]] table per party with id, address and "
                          "fingerprint");
    size_t n = parties->u.array.count;
    if (n > CONFIG_MAX_PARTIES)
        CFG_FAIL(parties, "%zu parties; at most %d are supported", n, CONFIG_MAX_PARTIES);
    const toml_value *network = toml_get(root, "network");
    bool restrict_clients = false;
    if (network) {
        if (network->kind != TOML_TABLE)
            CFG_FAIL(network, "'network' must be a table: write [network]");
        if ((bad = unknown_key(network, network_keys)))
            CFG_FAIL(bad->value, "unknown key '%s' in [network]; expected parties, threshold or "
                                 "restrict_clients", bad->key);
        const toml_value *np = toml_get(network, "parties");
        if (np && (np->kind != TOML_INTEGER || np->u.integer != (int64_t)n))
            CFG_FAIL(np, "[network] parties = %s but there are %zu [[party]] tables; make them "
                         "agree", np->kind == TOML_INTEGER ? "that number" : "a non-integer", n);
        const toml_value *rcv = toml_get(network, "restrict_clients");
        if (rcv && rcv->kind != TOML_BOOLEAN)
            CFG_FAIL(rcv, "restrict_clients must be true or false");
        restrict_clients = rcv && rcv->u.boolean;
    }
    uint32_t threshold = 0;
    const toml_value *tv = network ? toml_get(network, "threshold") : NULL;
    if (tv) {
        if (tv->kind != TOML_INTEGER || tv->u.integer < 1 || 2 * tv->u.integer + 1 > (int64_t)n)
            CFG_FAIL(tv, "threshold must be an integer t >= 1 with parties >= 2t+1 (here %zu "
                         "parties allow t <= %zu; robust mode needs parties >= 3t+1)", n,
                     n >= 3 ? (n - 1) / 2 : 0);
        threshold = (uint32_t)tv->u.integer;
    }
    if ((rc = stoffel_net_config_new((uint32_t)n, &cfg)))
        goto done;
    cfg->restrict_clients = restrict_clients;
    cfg->threshold = threshold;
    for (size_t i = 0; i < n; i++) {
        const toml_value *pt = parties->u.array.items[i];
        if (pt->kind != TOML_TABLE)
            CFG_FAIL(pt, "each party must be a table: [[party]]");
        if ((bad = unknown_key(pt, party_keys)))
            CFG_FAIL(bad->value, "unknown key '%s' in [[party]]; expected id, address, fingerprint",
                     bad->key);
        const toml_value *id = toml_get(pt, "id");
        const toml_value *addr = toml_get(pt, "address");
        const toml_value *fp = toml_get(pt, "fingerprint");
        if (!id || id->kind != TOML_INTEGER)
            CFG_FAIL(id ? id : pt, "[[party]] needs an integer id (0..%zu)", n - 1);
        if (id->u.integer < 0 || id->u.integer >= (int64_t)n)
            CFG_FAIL(id, "party id %lld is out of range; ids must be 0..%zu, each used once",
                     (long long)id->u.integer, n - 1);
        config_party *cp = &cfg->parties[id->u.integer];
        if (cp->set)
            CFG_FAIL(id, "party id %lld appears twice; ids must be 0..%zu, each used once",
                     (long long)id->u.integer, n - 1);
        if (!addr || addr->kind != TOML_STRING)
            CFG_FAIL(addr ? addr : pt, "[[party]] id %lld needs address = \"host:port\"",
                     (long long)id->u.integer);
        if (!split_address(addr->u.string, cp->host, &cp->port))
            CFG_FAIL(addr, "address \"%.80s\" is not host:port with a numeric IP (or localhost) "
                           "and a port 0..65535; e.g. \"127.0.0.1:9000\" or \"[::1]:9000\"",
                     addr->u.string);
        if (!fp || fp->kind != TOML_STRING)
            CFG_FAIL(fp ? fp : pt, "[[party]] id %lld needs fingerprint = \"sha256:...\" (printed "
                                   "by `stoffel keygen`)", (long long)id->u.integer);
        if (stoffel_net_fingerprint_parse(fp->u.string, cp->fp))
            CFG_FAIL(fp, "fingerprint is not \"sha256:\" followed by 64 hex digits; copy it from "
                         "the output of `stoffel keygen`");
        for (size_t j = 0; j < n; j++)
            if (cfg->parties[j].set && memcmp(cfg->parties[j].fp, cp->fp, sizeof cp->fp) == 0)
                CFG_FAIL(fp, "parties %zu and %lld pin the same fingerprint; every party needs its "
                             "own key", j, (long long)id->u.integer);
        cp->set = true;
    }
    const toml_value *clients = toml_get(root, "client");
    if (clients) {
        if (clients->kind != TOML_ARRAY)
            CFG_FAIL(clients, "clients must be [[client]] tables");
        for (size_t i = 0; i < clients->u.array.count; i++) {
            const toml_value *ct = clients->u.array.items[i];
            if (ct->kind != TOML_TABLE)
                CFG_FAIL(ct, "each client must be a table: [[client]]");
            if ((bad = unknown_key(ct, client_keys)))
                CFG_FAIL(bad->value, "unknown key '%s' in [[client]]; expected fingerprint, name",
                         bad->key);
            const toml_value *fp = toml_get(ct, "fingerprint");
            uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
            if (!fp || fp->kind != TOML_STRING || stoffel_net_fingerprint_parse(fp->u.string, key))
                CFG_FAIL(fp ? fp : ct, "[[client]] needs fingerprint = \"sha256:<64 hex digits>\"");
            if ((rc = stoffel_net_config_allow_client(cfg, key)))
                goto done;
        }
        cfg->restrict_clients = restrict_clients || clients->u.array.count > 0;
        if (network && toml_get(network, "restrict_clients") && !restrict_clients)
            cfg->restrict_clients = false; /* an explicit false wins: the list is then unused */
    }
done:
    toml_free(root);
    if (rc) {
        stoffel_net_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return STOFFEL_OK;
}

int stoffel_net_config_load(const char *path, stoffel_net_config **out, char *errbuf,
                            size_t errbuf_len)
{
    if (!path || !out)
        return STOFFEL_ERR_INVALID_ARG;
    FILE *f = fopen(path, "rb");
    if (!f) {
        net_errbuf(errbuf, errbuf_len, "%s: cannot open: %s", path, strerror(errno));
        return STOFFEL_ERR_IO;
    }
    char *buf = malloc(CONFIG_MAX_FILE_BYTES + 1);
    if (!buf) {
        fclose(f);
        return STOFFEL_ERR_NOMEM;
    }
    size_t n = fread(buf, 1, CONFIG_MAX_FILE_BYTES + 1, f);
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        net_errbuf(errbuf, errbuf_len, "%s: read error", path);
        return STOFFEL_ERR_IO;
    }
    if (n > CONFIG_MAX_FILE_BYTES) {
        free(buf);
        net_errbuf(errbuf, errbuf_len, "%s: larger than %u bytes; is this the right file?", path,
                   CONFIG_MAX_FILE_BYTES);
        return STOFFEL_ERR_LIMIT;
    }
    int rc = stoffel_net_config_parse(buf, n, path, out, errbuf, errbuf_len);
    free(buf);
    return rc;
}
