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
    "                     [--prep-triples N] [--prep-randoms N] [--prep-comparisons N]\n"
    "                     [--timeout-ms N]\n"
    "\n"
    "Runs computation party I of the network until SIGTERM or Ctrl-C: it stores deployed\n"
    "programs, admits client inputs (`stoffel client input`), runs programs over them\n"
    "(`stoffel run --network`) and generates preprocessing in the background. Its state\n"
    "(programs, input shares, preprocessing, runs, LocalStorage) lives in DIR/party.db (created\n"
    "if needed); restarting with the same DIR resumes from it. The threshold is the network\n"
    "configuration's; robust mode when parties >= 3t+1.\n"
    "\n"
    "Options:\n"
    "  --config FILE  the network configuration (from `stoffel network init`)\n"
    "  --id I         this party's id in it\n"
    "  --data DIR     the party's data directory\n"
    "  --key FILE     the party's private key (FILE.crt next to it); default DIR/party.key if it\n"
    "                 exists, else party<I>.key next to the configuration\n"
    "  --prep-triples N, --prep-randoms N\n"
    "                 keep at least N Beaver triples / random sharings preprocessed in the store\n"
    "                 (party 0's levels count; default 0: preprocessing happens during runs)\n"
    "  --prep-comparisons N\n"
    "                 also keep the random bits and masks of N signed 64-bit comparisons and N\n"
    "                 64-bit equality tests preprocessed in the store (party 0's level applies;\n"
    "                 at most 100000; default 0)\n"
    "  --timeout-ms N bound on every wait of a collective operation (default 30000)\n";

typedef struct {
    unsigned id;
    struct event_base *base;
    int stopping;
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
    /* an operation in progress finishes first (bounded by its timeout); then the loop ends */
    p->stopping = 1;
}

/* Wakes the loop now and then, so queued operations and background preprocessing start even
 * when no message arrives. */
static void on_tick(evutil_socket_t fd, short what, void *user)
{
    (void)fd;
    (void)what;
    (void)user;
}

/* Parses a count flag value; -1 on a bad value (message printed). */
static long long count_flag(const char *flag, const char *v, long long max)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || !*v || *end || x < 0 || x > max) {
        cli_usage_error("%s `%s` is not a count; pass a whole number from 0 to %lld", flag, v, max);
        return -1;
    }
    return x;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int cmd_party(int argc, char **argv)
{
    const char *config_path = NULL, *data = NULL, *key = NULL, *id_text = NULL, *v;
    long long prep_triples = 0, prep_randoms = 0, prep_comparisons = 0, timeout_ms = 30000;
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
        } else if ((v = party_cli_flag(argc, argv, &i, "--prep-triples"))) {
            if ((prep_triples = count_flag("--prep-triples", v, STOFFEL_VM_PARTY_PREP_MAX)) < 0)
                return CLI_EXIT_USAGE;
        } else if ((v = party_cli_flag(argc, argv, &i, "--prep-randoms"))) {
            if ((prep_randoms = count_flag("--prep-randoms", v, STOFFEL_VM_PARTY_PREP_MAX)) < 0)
                return CLI_EXIT_USAGE;
        } else if ((v = party_cli_flag(argc, argv, &i, "--prep-comparisons"))) {
            if ((prep_comparisons = count_flag("--prep-comparisons", v, STOFFEL_VM_PARTY_PREP_COMPARISONS_MAX)) < 0)
                return CLI_EXIT_USAGE;
        } else if ((v = party_cli_flag(argc, argv, &i, "--timeout-ms"))) {
            if ((timeout_ms = count_flag("--timeout-ms", v, 3600000)) < 0)
                return CLI_EXIT_USAGE;
            if (timeout_ms == 0)
                return cli_usage_error("--timeout-ms must be positive");
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
    party_process proc = {(unsigned)id, stoffel_net_event_base_new(), 0};
    stoffel_net *net = NULL;
    stoffel_vm_party *party = NULL;
    struct event *sigterm = NULL, *sigint = NULL, *tick = NULL;
    char err[600] = "";
    int rc = CLI_EXIT_ERROR;
    if (!proc.base) {
        cli_error("cannot create an event loop");
        goto done;
    }
    /* A long-running party: links to other parties never give up for good, and a peer that
     * vanished (killed, restarted) is noticed within seconds, so the restarted peer is dialled
     * again soon instead of after a long idle timeout. */
    stoffel_net_options opts;
    stoffel_net_options_defaults(&opts);
    opts.idle_timeout_ms = 4000;
    opts.reconnect_attempts = 1000000;
    opts.reconnect_backoff_max_ms = 1000;
    if (stoffel_net_quic_party_new(proc.base, cfg, (uint32_t)id, identity, &opts, &net, err, sizeof err) != 0) {
        cli_error("party %lu cannot listen: %s", id, err);
        goto done;
    }
    if (stoffel_vm_party_new(net, store_path, &party, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    stoffel_vm_party_set_log(party, log_line, &proc);
    {
        stoffel_vm_party_mpc_config mc;
        stoffel_vm_party_mpc_config_defaults(&mc);
        mc.threshold = stoffel_net_config_threshold(cfg) ? stoffel_net_config_threshold(cfg) : 1;
        mc.timeout_ms = (uint32_t)timeout_ms;
        mc.prep_triples = (uint64_t)prep_triples;
        mc.prep_randoms = (uint64_t)prep_randoms;
        mc.prep_comparisons = (uint64_t)prep_comparisons;
        if (stoffel_vm_party_enable_mpc(party, proc.base, &mc, err, sizeof err) != 0) {
            cli_error("%s (in `%s`)", err, config_path);
            goto done;
        }
    }
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
    tick = event_new(proc.base, -1, EV_PERSIST, on_tick, NULL);
    struct timeval period = {0, 200000};
    if (!tick || event_add(tick, &period) != 0) {
        cli_error("cannot install the party's timer");
        goto done;
    }
    /* Operations run between turns of the loop, never inside its callbacks. */
    while (!proc.stopping) {
        event_base_loop(proc.base, EVLOOP_ONCE);
        while (!proc.stopping && stoffel_vm_party_poll(party))
            ;
    }
    rc = CLI_EXIT_OK;
done:
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    if (tick)
        event_free(tick);
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
