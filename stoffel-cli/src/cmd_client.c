/*
 * cmd_client.c - `stoffel client input|output`: a data provider secret-shares values for a
 * deployed program (every party commits its shares before the command succeeds; the provider
 * may go offline afterwards), or a consumer fetches its outputs. Thin: the work is
 * stoffel_vm_client_input in libstoffelvm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "party_cli.h"

static const char client_usage[] =
    "Usage: stoffel client input  --network network.toml --key client.key --program HASH VALUE...\n"
    "       stoffel client output --network network.toml --key client.key --program HASH\n"
    "\n"
    "input   secret-shares the integer VALUEs (e.g. 52000 -7 true) for the deployed program HASH\n"
    "        with the parties' mask protocol; succeeds once every party has stored its shares, after\n"
    "        which this client may go offline. The program reads them with ClientStore.take_share.\n"
    "output  fetches and reconstructs this client's outputs of the program's latest run that sent\n"
    "        it any (Share.send_to_client); prints one value per line.\n"
    "\n"
    "Options:\n"
    "  --network FILE   the network configuration (from `stoffel network init`)\n"
    "  --key FILE       this client's private key (default client0.key next to the configuration)\n"
    "  --program HASH   the program's hash as `stoffel deploy` printed it (or its .stfl/.stflb file)\n"
    "  --timeout-ms N   how long to wait for the parties (default 30000)\n";

/* Integer, optionally with an integer-type suffix (42, -7i64, 9u32), or true/false. */
static int parse_value(const char *text, int64_t *out)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *out = text[0] == 't';
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text)
        return -1;
    static const char *const suffixes[] = {"", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", NULL};
    for (const char *const *s = suffixes; *s; s++)
        if (strcmp(end, *s) == 0) {
            if ((*s)[0] == 'u' && v < 0)
                return -1;
            *out = v;
            return 0;
        }
    return -1;
}

int cmd_client(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(client_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "input") != 0 && strcmp(sub, "output") != 0)
        return cli_usage_error("unknown subcommand `client %s`; use `stoffel client input` or `stoffel client output`",
                               sub);
    const char *config_path = NULL, *key = NULL, *program = NULL, *v;
    long timeout_ms = 30000;
    int64_t *values = calloc((size_t)argc, sizeof *values);
    size_t nvalues = 0;
    if (!values)
        return cli_error("out of memory");
    int rc = CLI_EXIT_USAGE;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(client_usage, stdout);
            free(values);
            return CLI_EXIT_OK;
        } else if ((v = party_cli_flag(argc, argv, &i, "--network"))) {
            config_path = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--key"))) {
            key = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--program"))) {
            program = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--timeout-ms"))) {
            if (party_cli_timeout(v, &timeout_ms))
                goto done;
        } else if (argv[i][0] == '-' && argv[i][1] && !(argv[i][1] >= '0' && argv[i][1] <= '9')) {
            cli_usage_error("unknown flag `%s` for `stoffel client %s`; see `stoffel client --help`", argv[i], sub);
            goto done;
        } else if (strcmp(sub, "input") == 0) {
            if (parse_value(argv[i], &values[nvalues]) != 0) {
                cli_usage_error("input value `%s` is not an integer (42, -7, 9u32) or a boolean; client inputs are "
                                "secret integers",
                                argv[i]);
                goto done;
            }
            nvalues++;
        } else {
            cli_usage_error("`stoffel client output` takes no values, got `%s`", argv[i]);
            goto done;
        }
    }
    if (!config_path || !*config_path || !program || !*program) {
        cli_usage_error("`stoffel client %s` needs --network FILE and --program HASH; see `stoffel client --help`",
                        sub);
        goto done;
    }
    if (strcmp(sub, "input") == 0 && nvalues == 0) {
        cli_usage_error("`stoffel client input` needs at least one VALUE after the flags, e.g. `... --program HASH "
                        "52000`");
        goto done;
    }
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN];
    int hrc = party_cli_program_hash(program, hash);
    if (hrc) {
        rc = hrc == 2 ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
        goto done;
    }
    party_cli_client c;
    rc = CLI_EXIT_ERROR;
    if (strcmp(sub, "output") == 0) {
        if (party_cli_client_open(&c, config_path, key) == 0) {
            char err[800] = "";
            int64_t *out = NULL;
            size_t nout = 0;
            if (stoffel_vm_client_output(c.net, c.base, c.key, hash, &out, &nout, (int)timeout_ms, err, sizeof err) ==
                0) {
                for (size_t k = 0; k < nout; k++)
                    printf("%lld\n", (long long)out[k]);
                stoffel_vm_party_secret_free(out, nout * sizeof *out);
                rc = CLI_EXIT_OK;
            } else {
                cli_error("client output failed: %s", err);
            }
        }
        party_cli_client_close(&c);
        goto done;
    }
    if (party_cli_client_open(&c, config_path, key) == 0) {
        char err[800] = "";
        uint64_t seq = 0;
        int s = stoffel_vm_client_input(c.net, c.base, c.key, hash, values, nvalues, (int)timeout_ms, &seq, err,
                                        sizeof err);
        if (s == 0) {
            char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
            stoffel_vm_bundle_hash_to_hex(hash, hex);
            printf("Stored %zu value(s) for program %s at all %u parties (input #%llu)\n", nvalues, hex,
                   stoffel_net_config_party_count(c.cfg), (unsigned long long)seq);
            rc = CLI_EXIT_OK;
        } else {
            cli_error("client input failed: %s", err);
        }
    }
    party_cli_client_close(&c);
done:
    if (values) {
        memset(values, 0, (size_t)argc * sizeof *values); /* the values are the client's secrets */
        free(values);
    }
    return rc;
}
