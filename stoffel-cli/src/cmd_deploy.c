/*
 * cmd_deploy.c - `stoffel deploy`: sends one program bundle to every party of a network and
 * succeeds only when every party stored it under the same hash, which it prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cli.h"
#include "party_cli.h"

static const char deploy_usage[] =
    "Usage: stoffel deploy PROGRAM(.stfl|.stflb) --network network.toml [--key client.key]\n"
    "                      [--name NAME] [--entry F] [--timeout-ms N]\n"
    "\n"
    "Sends the program's bundle (bytecode + manifest, identified by its SHA-256 hash) to every\n"
    "party; each verifies and stores it. Succeeds only when all parties hold the same hash, and\n"
    "prints it; runs and client inputs name that hash.\n"
    "\n"
    "Options:\n"
    "  --network FILE   the network configuration (from `stoffel network init`)\n"
    "  --key FILE       the client's private key (default client0.key next to the configuration)\n"
    "  --name NAME      the name to deploy under (default: the file's stem)\n"
    "  --entry F        the entry function (default main)\n"
    "  --timeout-ms N   how long to wait for the parties (default 20000)\n";

int cmd_deploy(int argc, char **argv)
{
    const char *program = NULL, *config_path = NULL, *key = NULL, *name = NULL, *entry = NULL, *v;
    long timeout_ms = 20000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(deploy_usage, stdout);
            return CLI_EXIT_OK;
        } else if ((v = party_cli_flag(argc, argv, &i, "--network"))) {
            config_path = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--key"))) {
            key = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--name"))) {
            name = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--entry"))) {
            entry = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--timeout-ms"))) {
            if (party_cli_timeout(v, &timeout_ms))
                return CLI_EXIT_USAGE;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("unknown flag `%s` for `stoffel deploy`; see `stoffel deploy --help`", argv[i]);
        } else if (!program) {
            program = argv[i];
        } else {
            return cli_usage_error("`stoffel deploy` takes one program, got `%s` and `%s`", program, argv[i]);
        }
    }
    if (!program)
        return cli_usage_error("`stoffel deploy` needs a program: stoffel deploy PROGRAM.stfl --network network.toml");
    if (!config_path || !*config_path)
        return cli_usage_error("`stoffel deploy` needs --network FILE (the network configuration from `stoffel "
                               "network init`)");

    stoffel_vm_bundle *bundle = party_cli_bundle_from_file(program, name, entry);
    if (!bundle)
        return CLI_EXIT_ERROR;
    stoffel_net_config *cfg = party_cli_load_config(config_path);
    char key_path[4096];
    if (!key) {
        party_cli_key_next_to(config_path, "client0", key_path, sizeof key_path);
        key = key_path;
    }
    stoffel_net_identity *identity = cfg ? party_cli_load_identity(key) : NULL;
    struct event_base *base = NULL;
    stoffel_net *net = NULL;
    int rc = CLI_EXIT_ERROR;
    char err[800] = "";
    if (!cfg || !identity)
        goto done;
    base = stoffel_net_event_base_new();
    if (!base || stoffel_net_quic_client_new(base, cfg, identity, NULL, &net, err, sizeof err) != 0) {
        cli_error("cannot create the client endpoint: %s", err);
        goto done;
    }
    if (stoffel_net_start(net) != 0) {
        cli_error("cannot start the client endpoint: %s", stoffel_net_last_error(net));
        goto done;
    }
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN];
    if (stoffel_vm_deploy(net, bundle, (int)timeout_ms, hash, err, sizeof err) != 0) {
        cli_error("deploy of `%s` failed: %s", stoffel_vm_bundle_name(bundle), err);
        goto done;
    }
    char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
    stoffel_vm_bundle_hash_to_hex(hash, hex);
    printf("Deployed `%s` (entry %s) to %u parties\nHash: %s\n", stoffel_vm_bundle_name(bundle),
           stoffel_vm_bundle_entry(bundle), stoffel_net_config_party_count(cfg), hex);
    rc = CLI_EXIT_OK;
done:
    if (net) {
        stoffel_net_close(net, 1000);
        stoffel_net_free(net);
    }
    if (base)
        event_base_free(base);
    stoffel_net_identity_free(identity);
    stoffel_net_config_free(cfg);
    stoffel_vm_bundle_free(bundle);
    return rc;
}
