/*
 * cmd_client.c - `stoffel client input|output`: a data provider secret-shares values for a
 * deployed program (every party commits its shares before the command succeeds; the provider
 * may go offline afterwards), or a consumer fetches its outputs; `client input --batch FILE`
 * gives the inputs of many providers (one identity and its values per line) from one process.
 * Thin: the work is stoffel_vm_client_input in libstoffelvm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client_batch.h"
#include "party_cli.h"

static const char client_usage[] =
    "Usage: stoffel client input  --network network.toml --key client.key --program HASH VALUE...\n"
    "       stoffel client input  --network network.toml --program HASH --batch FILE\n"
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
    "  --batch FILE     inputs of many clients, one per line: `KEYFILE VALUE...` (# starts a comment);\n"
    "                   each line is a separate client input with that identity, given in order;\n"
    "                   the whole file is checked before anything is sent\n"
    "  --timeout-ms N   how long to wait for the parties (default 30000)\n";

/* Reads the batch file (at most 256 MiB) and parses it; prints the error and returns -1. */
static int batch_read(const char *path, client_batch *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("cannot read the batch file %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0, max = (size_t)256 << 20;
    char *text = malloc(cap);
    while (text) {
        len += fread(text + len, 1, cap - len, f);
        if (len < cap || cap >= max + 1)
            break;
        size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
        char *t = realloc(text, ncap);
        if (!t) {
            free(text);
            text = NULL;
            break;
        }
        text = t;
        cap = ncap;
    }
    int io = ferror(f);
    fclose(f);
    if (!text) {
        cli_error("out of memory reading %s", path);
        return -1;
    }
    char err[512];
    int rc = 0;
    if (io)
        rc = cli_error("cannot read the batch file %s", path);
    else if (len > max)
        rc = cli_usage_error("the batch file %s is larger than 256 MiB; split it", path);
    else if (client_batch_parse(text, len, path, b, err, sizeof err) != 0)
        rc = cli_usage_error("%s", err);
    memset(text, 0, len); /* the providers' values */
    free(text);
    return rc ? -1 : 0;
}

/* Gives every line's input in order, each with its own identity; stops at the first failure,
 * naming the line (the lines before it are stored). */
static int client_input_batch(const char *config_path, const char *path,
                              const uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN], long timeout_ms)
{
    client_batch batch;
    if (batch_read(path, &batch) != 0)
        return CLI_EXIT_USAGE;
    size_t n = batch.count;
    client_batch_entry *b = batch.entries;
    stoffel_net_config *cfg = party_cli_load_config(config_path);
    if (!cfg) {
        client_batch_free(&batch);
        return CLI_EXIT_ERROR;
    }
    int rc = CLI_EXIT_OK;
    size_t values = 0;
    uint32_t parties = stoffel_net_config_party_count(cfg);
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        party_cli_client c;
        if (party_cli_client_open_config(&c, cfg, b[i].key) != 0) {
            cli_error("%s:%zu: this line's client could not start (see above); %zu of %zu inputs were stored",
                      path, b[i].line, i, n);
            rc = CLI_EXIT_ERROR;
        } else {
            char err[800] = "";
            uint64_t seq = 0;
            if (stoffel_vm_client_input(c.net, c.base, c.key, hash, b[i].values, b[i].count, (int)timeout_ms, &seq,
                                        err, sizeof err) != 0) {
                cli_error("%s:%zu: client input failed: %s; %zu of %zu inputs were stored", path, b[i].line, err, i, n);
                rc = CLI_EXIT_ERROR;
            }
            values += b[i].count;
        }
        party_cli_client_close(&c);
    }
    stoffel_net_config_free(cfg);
    if (rc == CLI_EXIT_OK) {
        char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
        stoffel_vm_bundle_hash_to_hex(hash, hex);
        printf("Stored %zu inputs (%zu values) for program %s at all %u parties\n", n, values, hex, parties);
    }
    client_batch_free(&batch);
    return rc;
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
    const char *config_path = NULL, *key = NULL, *program = NULL, *batch = NULL, *v;
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
        } else if (strcmp(sub, "input") == 0 && (v = party_cli_flag(argc, argv, &i, "--batch"))) {
            batch = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--timeout-ms"))) {
            if (party_cli_timeout(v, &timeout_ms))
                goto done;
        } else if (argv[i][0] == '-' && argv[i][1] && !(argv[i][1] >= '0' && argv[i][1] <= '9')) {
            cli_usage_error("unknown flag `%s` for `stoffel client %s`; see `stoffel client --help`", argv[i], sub);
            goto done;
        } else if (strcmp(sub, "input") == 0) {
            if (client_value_parse(argv[i], &values[nvalues]) != 0) {
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
    if (batch && (nvalues > 0 || key)) {
        cli_usage_error("`stoffel client input --batch FILE` takes the keys and values from the file, not from --key "
                        "or VALUEs");
        goto done;
    }
    if (batch && !*batch) {
        cli_usage_error("--batch needs a file: one `KEYFILE VALUE...` per line");
        goto done;
    }
    if (strcmp(sub, "input") == 0 && nvalues == 0 && !batch) {
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
    if (batch) {
        rc = client_input_batch(config_path, batch, hash, timeout_ms);
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
