/* party_cli.h - helpers shared by `stoffel party`, `stoffel deploy` (and later `stoffel client`):
 * flag values, identities found next to the network configuration, and bundles from programs. */
#ifndef STOFFEL_PARTY_CLI_H
#define STOFFEL_PARTY_CLI_H

#include <stoffel/net.h>
#include <stoffel/vm.h>

/* Accepts "--flag value" and "--flag=value": returns the value ("" when missing) and advances *i,
 * or NULL when argv[*i] is not this flag. */
const char *party_cli_flag(int argc, char **argv, int *i, const char *flag);

/* Parses the value of --timeout-ms (milliseconds, 1 to 3600000) into *ms. Prints a usage error
 * naming the value and returns nonzero when it is not one. */
int party_cli_timeout(const char *value, long *ms);

/* Loads the identity whose private key is key_path; the certificate is the same path with .crt
 * instead of .key. Prints the error and returns NULL on failure. */
stoffel_net_identity *party_cli_load_identity(const char *key_path);

/* Writes "<directory of config_path>/<stem>.key" into out. */
void party_cli_key_next_to(const char *config_path, const char *stem, char *out, size_t len);

/* Loads the network configuration; prints the error and returns NULL on failure. */
stoffel_net_config *party_cli_load_config(const char *path);

/* Makes a bundle from a .stfl (compiled at -O2) or .stflb file, named name (NULL: the file's stem)
 * with entry (NULL: main). Prints errors and returns NULL on failure. */
stoffel_vm_bundle *party_cli_bundle_from_file(const char *path, const char *name, const char *entry);

/* The client endpoint every client-side command uses: loads the configuration and the identity
 * (key NULL: client0.key next to the configuration), creates and starts a QUIC client endpoint.
 * Prints the error and returns nonzero on failure; party_cli_client_close frees what was made. */
typedef struct {
    stoffel_net_config *cfg;
    stoffel_net_identity *identity;
    struct event_base *base;
    stoffel_net *net;
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
    int owns_cfg;
} party_cli_client;
int party_cli_client_open(party_cli_client *c, const char *config_path, const char *key_path);
/* The same with a configuration the caller loaded (and keeps: close does not free it), for
 * commands that open many clients. */
int party_cli_client_open_config(party_cli_client *c, stoffel_net_config *cfg, const char *key_path);
void party_cli_client_close(party_cli_client *c);

/* Reads a program hash (64 hex digits) or, for a .stfl/.stflb file, the hash its bundle would
 * deploy under (name: the file's stem, entry main). Prints the error and returns nonzero. */
int party_cli_program_hash(const char *text, uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN]);

/* `stoffel run --network ...` (run_network.c); cmd_run hands over when it sees --network. */
int run_network_requested(int argc, char **argv);
int cmd_run_network(int argc, char **argv);

#endif
