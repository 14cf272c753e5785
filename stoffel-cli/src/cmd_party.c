/*
 * cmd_party.c - `stoffel party`: runs one computation party as a long-running process: its
 * identity, the network configuration, its store in the data directory, the party runtime of
 * libstoffelvm on a QUIC endpoint; clean shutdown on SIGTERM/SIGINT; a restart resumes from the
 * store.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/event.h>

#include "cli.h"
#include "party_cli.h"

static const char party_usage[] =
    "Usage: stoffel party --config network.toml --id I --data DIR [--key FILE.key]\n"
    "\n"
    "Runs computation party I of the network until SIGTERM or Ctrl-C. Its state (deployed\n"
    "programs, client inputs, runs, LocalStorage) lives in DIR/party.db (created if needed);\n"
    "restarting with the same DIR resumes from it.\n"
    "\n"
    "Options:\n"
    "  --config FILE  the network configuration (from `stoffel network init`)\n"
    "  --id I         this party's id in it\n"
    "  --data DIR     the party's data directory\n"
    "  --key FILE     the party's private key (FILE.crt next to it); default DIR/party.key if it\n"
    "                 exists, else party<I>.key next to the configuration\n";

typedef struct {
    unsigned id;
    struct event_base *base;
} party_process;

static void log_line(void *user, const char *line)
{
    party_process *p = user;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02dZ party %u: %s\n", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, p->id, line);
    fflush(stderr);
}

/* On the event base, between callbacks: the request in flight (if any) has completed. */
static void on_signal(evutil_socket_t sig, short what, void *user)
{
    (void)what;
    party_process *p = user;
    log_line(p, sig == SIGTERM ? "SIGTERM: shutting down" : "interrupted: shutting down");
    event_base_loopexit(p->base, NULL);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int cmd_party(int argc, char **argv)
{
    const char *config_path = NULL, *data = NULL, *key = NULL, *id_text = NULL, *v;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(party_usage, stdout);
            return CLI_EXIT_OK;
        } else if ((v = party_cli_flag(argc, argv, &i, "--config"))) {
            config_path = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--id"))) {
            id_text = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--data"))) {
            data = v;
        } else if ((v = party_cli_flag(argc, argv, &i, "--key"))) {
            key = v;
        } else {
            return cli_usage_error("unknown argument `%s` for `stoffel party`; see `stoffel party --help`", argv[i]);
        }
    }
    if (!config_path || !*config_path || !id_text || !*id_text || !data || !*data)
        return cli_usage_error("`stoffel party` needs --config FILE, --id I and --data DIR; see `stoffel party "
                               "--help`");
    char *end = NULL;
    errno = 0;
    unsigned long id = strtoul(id_text, &end, 10);
    if (errno || *end || id_text[0] == '-' || id > 1023)
        return cli_usage_error("--id `%s` is not a party id; pass a whole number such as 0", id_text);

    stoffel_net_config *cfg = party_cli_load_config(config_path);
    if (!cfg)
        return CLI_EXIT_ERROR;
    uint32_t n = stoffel_net_config_party_count(cfg);
    if (id >= n) {
        stoffel_net_config_free(cfg);
        return cli_usage_error("--id %lu is not in `%s`, which has parties 0..%u", id, config_path, n - 1);
    }
    if (mkdir(data, 0700) != 0 && errno != EEXIST) {
        stoffel_net_config_free(cfg);
        return cli_error("cannot create the data directory `%s`: %s", data, strerror(errno));
    }
    char key_path[4096], store_path[4096];
    if (!key) {
        snprintf(key_path, sizeof key_path, "%s/party.key", data);
        if (!file_exists(key_path)) {
            char stem[32];
            snprintf(stem, sizeof stem, "party%lu", id);
            party_cli_key_next_to(config_path, stem, key_path, sizeof key_path);
        }
        key = key_path;
    }
    snprintf(store_path, sizeof store_path, "%s/party.db", data);

    stoffel_net_identity *identity = party_cli_load_identity(key);
    if (!identity) {
        stoffel_net_config_free(cfg);
        return CLI_EXIT_ERROR;
    }
    party_process proc = {(unsigned)id, event_base_new()};
    stoffel_net *net = NULL;
    stoffel_vm_party *party = NULL;
    struct event *sigterm = NULL, *sigint = NULL;
    char err[600] = "";
    int rc = CLI_EXIT_ERROR;
    if (!proc.base) {
        cli_error("cannot create an event loop");
        goto done;
    }
    if (stoffel_net_quic_party_new(proc.base, cfg, (uint32_t)id, identity, NULL, &net, err, sizeof err) != 0) {
        cli_error("party %lu cannot listen: %s", id, err);
        goto done;
    }
    if (stoffel_vm_party_new(net, store_path, &party, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    stoffel_vm_party_set_log(party, log_line, &proc);
    if (stoffel_net_start(net) != 0) {
        cli_error("party %lu cannot start its endpoint: %s", id, stoffel_net_last_error(net));
        goto done;
    }
    sigterm = evsignal_new(proc.base, SIGTERM, on_signal, &proc);
    sigint = evsignal_new(proc.base, SIGINT, on_signal, &proc);
    if (!sigterm || !sigint || evsignal_add(sigterm, NULL) != 0 || evsignal_add(sigint, NULL) != 0) {
        cli_error("cannot install the signal handlers");
        goto done;
    }
    {
        char line[4300];
        snprintf(line, sizeof line, "ready: listening on UDP port %u of %u parties, store %s (schema %u)",
                 stoffel_net_local_port(net), n, store_path,
                 stoffel_vm_party_store_schema(stoffel_vm_party_store_of(party)));
        log_line(&proc, line);
    }
    event_base_dispatch(proc.base);
    rc = CLI_EXIT_OK;
done:
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    stoffel_vm_party_free(party);
    if (net) {
        stoffel_net_close(net, 2000);
        stoffel_net_free(net);
    }
    if (rc == CLI_EXIT_OK)
        log_line(&proc, "stopped");
    if (proc.base)
        event_base_free(proc.base);
    stoffel_net_identity_free(identity);
    stoffel_net_config_free(cfg);
    return rc;
}
