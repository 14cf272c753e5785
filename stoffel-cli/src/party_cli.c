/*
 * party_cli.c - helpers shared by the party-facing commands (`stoffel party`, `stoffel deploy`):
 * flags, identities next to network.toml (as `stoffel network init` writes them), bundles.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cli.h"
#include "lang_cli.h"
#include "party_cli.h"

const char *party_cli_flag(int argc, char **argv, int *i, const char *flag)
{
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != 0)
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

int party_cli_timeout(const char *value, long *ms)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || *end || !*value || v <= 0 || v > 3600000) {
        cli_usage_error("--timeout-ms `%s` is not a duration; pass milliseconds, 1 to 3600000", value);
        return 1;
    }
    *ms = v;
    return 0;
}

stoffel_net_identity *party_cli_load_identity(const char *key_path)
{
    size_t n = strlen(key_path);
    if (n < 5 || strcmp(key_path + n - 4, ".key") != 0) {
        cli_error("key file `%s` must end in .key (its certificate is the same name with .crt); create one "
                  "with `stoffel keygen` or `stoffel network init`",
                  key_path);
        return NULL;
    }
    char cert[4096];
    snprintf(cert, sizeof cert, "%.*s.crt", (int)(n - 4), key_path);
    char err[512] = "";
    stoffel_net_identity *id = NULL;
    if (stoffel_net_identity_load(cert, key_path, &id, err, sizeof err) != 0) {
        cli_error("cannot load the identity `%s`: %s; create one with `stoffel keygen` or pass --key", key_path,
                  err);
        return NULL;
    }
    return id;
}

void party_cli_key_next_to(const char *config_path, const char *stem, char *out, size_t len)
{
    const char *slash = strrchr(config_path, '/');
    if (slash)
        snprintf(out, len, "%.*s/%s.key", (int)(slash - config_path), config_path, stem);
    else
        snprintf(out, len, "%s.key", stem);
}

stoffel_net_config *party_cli_load_config(const char *path)
{
    char err[512] = "";
    stoffel_net_config *cfg = NULL;
    if (stoffel_net_config_load(path, &cfg, err, sizeof err) != 0) {
        cli_error("invalid network configuration: %s; create one with `stoffel network init`", err);
        return NULL;
    }
    return cfg;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

stoffel_vm_bundle *party_cli_bundle_from_file(const char *path, const char *name, const char *entry)
{
    uint8_t *code = NULL;
    size_t code_len = 0;
    stoffel_vm_program *program = NULL;
    char err[512] = "";
    int rc;
    if (ends_with(path, ".stfl")) {
        if (lang_cli_compile_to_program(path, &program) != 0 || !program)
            return NULL;
    } else if (ends_with(path, ".stflb")) {
        rc = stoffel_vm_program_load_file(path, &program, err, sizeof err);
        if (rc != 0) {
            cli_error("cannot load bytecode `%s`: %s; run `stoffel compile` to regenerate it", path, err);
            return NULL;
        }
    } else {
        cli_error("`%s` is not a program; pass a .stfl source or a .stflb bytecode file", path);
        return NULL;
    }
    /* Bundles carry the canonical v9 encoding, so every deploy of one program has one hash. */
    rc = stoffel_vm_program_write(program, &code, &code_len);
    stoffel_vm_program_free(program);
    if (rc != 0) {
        cli_error("cannot encode `%s`: %s", path, stoffel_vm_strerror(rc));
        return NULL;
    }
    char stem[256];
    if (!name) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        const char *dot = strrchr(base, '.');
        snprintf(stem, sizeof stem, "%.*s", (int)(dot ? dot - base : (long)strlen(base)), base);
        name = stem;
    }
    stoffel_vm_bundle *bundle = NULL;
    rc = stoffel_vm_bundle_new(name, entry, code, code_len, &bundle, err, sizeof err);
    stoffel_vm_bytes_free(code);
    if (rc != 0) {
        cli_error("cannot make a bundle of `%s`: %s", path, err);
        return NULL;
    }
    return bundle;
}

int party_cli_client_open(party_cli_client *c, const char *config_path, const char *key_path)
{
    memset(c, 0, sizeof *c);
    char default_key[4096];
    if (!key_path || !*key_path) {
        party_cli_key_next_to(config_path, "client0", default_key, sizeof default_key);
        key_path = default_key;
    }
    stoffel_net_config *cfg = party_cli_load_config(config_path);
    if (!cfg)
        return 1;
    int rc = party_cli_client_open_config(c, cfg, key_path);
    c->owns_cfg = 1;
    return rc;
}

int party_cli_client_open_config(party_cli_client *c, stoffel_net_config *cfg, const char *key_path)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    if (!(c->identity = party_cli_load_identity(key_path)))
        return 1;
    stoffel_net_identity_fingerprint(c->identity, c->key);
    char err[600] = "";
    if (!(c->base = stoffel_net_event_base_new()) ||
        stoffel_net_quic_client_new(c->base, c->cfg, c->identity, NULL, &c->net, err, sizeof err) != 0) {
        cli_error("cannot create the client endpoint: %s", err);
        return 1;
    }
    if (stoffel_net_start(c->net) != 0) {
        cli_error("cannot start the client endpoint: %s", stoffel_net_last_error(c->net));
        return 1;
    }
    return 0;
}

void party_cli_client_close(party_cli_client *c)
{
    if (c->net) {
        stoffel_net_close(c->net, 1000);
        stoffel_net_free(c->net);
    }
    if (c->base)
        event_base_free(c->base);
    stoffel_net_identity_free(c->identity);
    if (c->owns_cfg)
        stoffel_net_config_free(c->cfg);
    memset(c, 0, sizeof *c);
}

int party_cli_program_hash(const char *text, uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    if (ends_with(text, ".stfl") || ends_with(text, ".stflb")) {
        stoffel_vm_bundle *bundle = party_cli_bundle_from_file(text, NULL, NULL);
        if (!bundle)
            return 1;
        stoffel_vm_bundle_hash(bundle, hash);
        stoffel_vm_bundle_free(bundle);
        return 0;
    }
    if (stoffel_vm_bundle_hash_from_hex(text, hash) != 0) {
        cli_usage_error("`%s` is neither a program hash (64 hex digits, as `stoffel deploy` prints) nor a .stfl / "
                        ".stflb file",
                        text);
        return 2;
    }
    return 0;
}
