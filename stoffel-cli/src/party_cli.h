/* party_cli.h - helpers shared by `stoffel party`, `stoffel deploy` (and later `stoffel client`):
 * flag values, identities found next to the network configuration, and bundles from programs. */
#ifndef STOFFEL_PARTY_CLI_H
#define STOFFEL_PARTY_CLI_H

#include <stoffel/net.h>
#include <stoffel/vm.h>

/* Accepts "--flag value" and "--flag=value": returns the value ("" when missing) and advances *i,
 * or NULL when argv[*i] is not this flag. */
const char *party_cli_flag(int argc, char **argv, int *i, const char *flag);

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

#endif
