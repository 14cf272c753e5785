/*
 * run_network.c - `stoffel run --network network.toml HASH|PROGRAM`: asks the running parties
 * (`stoffel party`) to run a deployed program over the client inputs they store, checks that
 * they agree, and prints the program's output and `Program returned: <value>`; with --stats one
 * line per phase. Thin: the work is stoffel_vm_run_network in libstoffelvm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "party_cli.h"

static const char run_network_usage[] =
    "Usage: stoffel run --network network.toml HASH|PROGRAM [--key client.key] [--stats]\n"
    "                   [--timeout-ms N]\n"
    "\n"
    "Asks every party of the network to run the deployed program HASH (or the .stfl/.stflb file's\n"
    "bundle, deployed under its file name) over the client inputs the parties store, and prints\n"
    "what the program printed and `Program returned: <value>`. The parties must all agree (in\n"
    "robust mode, parties >= 3t+1, up to t may be down).\n"
    "\n"
    "Options:\n"
    "  --network FILE   the network configuration (from `stoffel network init`)\n"
    "  --key FILE       the requesting client's key (default client0.key next to the configuration)\n"
    "  --stats          one line per phase (input, preprocessing, online, total): rounds, bytes, seconds\n"
    "  --timeout-ms N   how long to wait for the result (default 120000)\n";

int run_network_requested(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--network") == 0 || strncmp(argv[i], "--network=", 10) == 0)
            return 1;
    return 0;
}

int cmd_run_network(int argc, char **argv)
{
    const char *config_path = NULL, *key = NULL, *program = NULL, *v;
    long timeout_ms = 120000;
    int stats = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_network_usage, stdout);
            return CLI_EXIT_OK;
        } else if ((v = party_cli_flag(argc, argv, &i, "--network"))) {
            config_path = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--key"))) {
            key = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--timeout-ms"))) {
            if (party_cli_timeout(v, &timeout_ms))
                return CLI_EXIT_USAGE;
        } else if (strcmp(argv[i], "--stats") == 0) {
            stats = 1;
        } else if (strcmp(argv[i], "--input") == 0 || strncmp(argv[i], "--input=", 8) == 0 ||
                   strcmp(argv[i], "--inputs") == 0) {
            return cli_usage_error("a networked run reads its data from the client inputs the parties store "
                                   "(`stoffel client input`); its entry takes no --input parameters");
        } else if (strncmp(argv[i], "--client-input", 14) == 0 || strcmp(argv[i], "--processes") == 0 ||
                   strcmp(argv[i], "--local") == 0) {
            return cli_usage_error("`%s` does not apply with --network; client inputs come from `stoffel client "
                                   "input`, and the parties are the running `stoffel party` processes",
                                   argv[i]);
        } else if (argv[i][0] == '-') {
            return cli_usage_error("unknown option `%s` for `stoffel run --network`; see `stoffel run --network "
                                   "x --help`",
                                   argv[i]);
        } else if (!program) {
            program = argv[i];
        } else {
            return cli_usage_error("`stoffel run --network` takes one program, got `%s` and `%s`", program, argv[i]);
        }
    }
    if (!config_path || !*config_path)
        return cli_usage_error("--network needs the network configuration: stoffel run --network network.toml HASH");
    if (!program)
        return cli_usage_error("`stoffel run --network` needs the program: its hash from `stoffel deploy`, or its "
                               ".stfl/.stflb file");
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN];
    int hrc = party_cli_program_hash(program, hash);
    if (hrc)
        return hrc == 2 ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
    party_cli_client c;
    int rc = CLI_EXIT_ERROR;
    if (party_cli_client_open(&c, config_path, key) == 0) {
        uint32_t n = stoffel_net_config_party_count(c.cfg), t = stoffel_net_config_threshold(c.cfg);
        if (t == 0)
            t = 1;
        uint32_t need = n >= 3 * t + 1 ? n - t : n; /* robust mode completes without t parties */
        char err[800] = "";
        stoffel_vm_network_result *res = NULL;
        if (stoffel_vm_run_network(c.net, hash, need, (int)timeout_ms, &res, err, sizeof err) == 0) {
            fputs(res->output, stdout);
            printf("Program returned: %s\n", res->result);
            fflush(stdout);
            if (stats) {
                fprintf(stderr, "stats: phase=input rounds=0 bytes=0 seconds=%.6f\n", res->input_s);
                fprintf(stderr, "stats: phase=preprocessing rounds=%llu bytes=%llu seconds=%.6f\n",
                        (unsigned long long)res->preprocessing_rounds, (unsigned long long)res->preprocessing_bytes,
                        res->preprocessing_s);
                fprintf(stderr, "stats: phase=online rounds=%llu bytes=%llu seconds=%.6f\n",
                        (unsigned long long)res->online_rounds, (unsigned long long)res->online_bytes, res->online_s);
                fprintf(stderr, "stats: phase=total rounds=%llu bytes=%llu seconds=%.6f parties=%u\n",
                        (unsigned long long)(res->preprocessing_rounds + res->online_rounds),
                        (unsigned long long)(res->preprocessing_bytes + res->online_bytes), res->total_s,
                        res->answers);
            }
            stoffel_vm_network_result_free(res);
            rc = CLI_EXIT_OK;
        } else {
            cli_error("networked run failed: %s", err);
        }
    }
    party_cli_client_close(&c);
    return rc;
}
