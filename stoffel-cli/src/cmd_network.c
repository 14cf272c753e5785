/*
 * cmd_network.c - `stoffel network init`: writes one identity per party, client identities and a
 * network configuration pinning them all, ready to start the parties on 127.0.0.1 (or to edit the
 * addresses for real hosts).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stoffel/net.h>

#include "cli.h"

static const char network_usage[] =
    "Usage: stoffel network init --parties N --threshold T [--base-port P] [--clients C] DIR\n"
    "\n"
    "Creates DIR (if needed) with party0.key/.crt .. party<N-1>.key/.crt, client0.key/.crt ..\n"
    "client<C-1>.key/.crt (private keys mode 0600) and DIR/network.toml, which pins every\n"
    "party's certificate fingerprint and allows only these clients. Party i listens on\n"
    "127.0.0.1:P+i; edit the addresses for real hosts.\n"
    "\n"
    "Options:\n"
    "  --parties N    number of parties (N >= 2T+1; robust mode needs N >= 3T+1)\n"
    "  --threshold T  MPC threshold, T >= 1\n"
    "  --base-port P  first UDP port (default 9000)\n"
    "  --clients C    number of client identities (default 1)\n";

static bool parse_num(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int write_identity(const char *dir, const char *stem, char fp_text[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1])
{
    char cert[4200], key[4200], err[512] = "";
    snprintf(cert, sizeof cert, "%s/%s.crt", dir, stem);
    snprintf(key, sizeof key, "%s/%s.key", dir, stem);
    stoffel_net_identity_options o;
    stoffel_net_identity_options_defaults(&o);
    o.common_name = stem;
    stoffel_net_identity *id = NULL;
    int rc = stoffel_net_identity_generate(&o, &id);
    if (rc)
        return cli_error("cannot generate a key pair: %s", stoffel_net_strerror(rc));
    rc = stoffel_net_identity_save(id, cert, key, err, sizeof err);
    if (rc) {
        stoffel_net_identity_free(id);
        return cli_error("%s", err);
    }
    uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
    stoffel_net_identity_fingerprint(id, fp);
    stoffel_net_fingerprint_format(fp, fp_text);
    stoffel_net_identity_free(id);
    return CLI_EXIT_OK;
}

static int network_init(int argc, char **argv)
{
    long n = -1, t = -1, port = 9000, clients = 1;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long *target = strcmp(a, "--parties") == 0 ? &n : strcmp(a, "--threshold") == 0 ? &t
                     : strcmp(a, "--base-port") == 0 ? &port : strcmp(a, "--clients") == 0 ? &clients
                     : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(network_usage, stdout);
            return CLI_EXIT_OK;
        }
        if (target) {
            if (i + 1 >= argc)
                return cli_usage_error("%s needs a number", a);
            /* clients: as many as the configuration file holds (about 108 bytes each, 4 MiB) */
            long lo = target == &clients ? 0 : 1, hi = target == &port ? 65535 : target == &clients ? 32768 : 1024;
            if (!parse_num(argv[++i], lo, hi, target))
                return cli_usage_error("%s `%s` must be a whole number from %ld to %ld", a, argv[i],
                                       lo, hi);
        } else if (a[0] == '-') {
            return cli_usage_error("unknown option `%s`; see `stoffel network init --help`", a);
        } else if (dir) {
            return cli_usage_error("more than one directory given (`%s` and `%s`)", dir, a);
        } else {
            dir = a;
        }
    }
    if (n < 0 || t < 0 || !dir)
        return cli_usage_error("`stoffel network init` needs --parties N, --threshold T and DIR; "
                               "e.g. stoffel network init --parties 3 --threshold 1 net/");
    if (n < 2 * t + 1)
        return cli_usage_error("--parties %ld is too few for --threshold %ld: need parties >= 2t+1 "
                               "= %ld (robust mode: >= 3t+1 = %ld)", n, t, 2 * t + 1, 3 * t + 1);
    if (port + n - 1 > 65535)
        return cli_usage_error("--base-port %ld + %ld parties runs past port 65535", port, n);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return cli_error("cannot create directory %s: %s", dir, strerror(errno));
    char cfg_path[4200];
    snprintf(cfg_path, sizeof cfg_path, "%s/network.toml", dir);
    if (access(cfg_path, F_OK) == 0)
        return cli_error("%s already exists; remove it (and the keys next to it) to start over",
                         cfg_path);
    FILE *f = fopen(cfg_path, "wx");
    if (!f)
        return cli_error("cannot create %s: %s", cfg_path, strerror(errno));
    fprintf(f, "# Stoffel network configuration, written by `stoffel network init`.\n"
               "# Every party pins every other party's certificate fingerprint.\n"
               "[network]\nparties = %ld\nthreshold = %ld\nrestrict_clients = %s\n", n, t,
            clients > 0 ? "true" : "false");
    int rc = CLI_EXIT_OK;
    char fp[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1], stem[32];
    for (long i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        snprintf(stem, sizeof stem, "party%ld", i);
        rc = write_identity(dir, stem, fp);
        if (rc == CLI_EXIT_OK)
            fprintf(f, "\n[[party]]\nid = %ld\naddress = \"127.0.0.1:%ld\"\nfingerprint = \"%s\"\n",
                    i, port + i, fp);
    }
    for (long i = 0; i < clients && rc == CLI_EXIT_OK; i++) {
        snprintf(stem, sizeof stem, "client%ld", i);
        rc = write_identity(dir, stem, fp);
        if (rc == CLI_EXIT_OK)
            fprintf(f, "\n[[client]]\nname = \"%s\"\nfingerprint = \"%s\"\n", stem, fp);
    }
    if (fclose(f) != 0 && rc == CLI_EXIT_OK)
        rc = cli_error("cannot write %s: %s", cfg_path, strerror(errno));
    if (rc != CLI_EXIT_OK) {
        unlink(cfg_path); /* no configuration that pins keys which were not all written */
        return rc;
    }
    printf("Wrote %s with %ld parties (t = %ld) and %ld client(s); keys are in %s\n", cfg_path, n,
           t, clients, dir);
    return CLI_EXIT_OK;
}

int cmd_network(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(network_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "init") == 0)
        return network_init(argc - 1, argv + 1);
    return cli_usage_error("unknown subcommand `network %s`; the only one is `network init`",
                           argv[1]);
}
