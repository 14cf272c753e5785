/*
 * run_processes.c - `stoffel run --processes [N]`: a real multi-process run on 127.0.0.1
 * (net-cli.md section 3.3, "a multi-process localhost mode remains available"). Built from the
 * CLI's own commands run as child processes of this same binary: `network init` into a temporary
 * directory, N `stoffel party` daemons, `deploy`, `client input` per client slot, `run --network`.
 * The parties die with us (PR_SET_PDEATHSIG) and are stopped and reaped on every path, SIGINT
 * included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "party_cli.h"
#include "run_processes.h"

#define MAX_SLOTS 1024
#define MAX_ARGS 4096
#define READY_TIMEOUT_MS 30000

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

long run_processes_count_flag(int argc, char **argv, int *i)
{
    const char *v = NULL;
    if (!strncmp(argv[*i], "--processes=", 12))
        v = argv[*i] + 12;
    else if (*i + 1 < argc && argv[*i + 1][0] >= '0' && argv[*i + 1][0] <= '9')
        v = argv[++*i];
    if (!v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > 64) {
        cli_usage_error("--processes `%s` must be a party count from 1 to 64", v);
        return -1;
    }
    return n;
}

typedef struct {
    char dir[PATH_MAX];
    char self[PATH_MAX];
    char config[PATH_MAX + 32];
    pid_t *parties;
    unsigned long n;
} proc_run;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Starts this binary with args; stdout to out_path (NULL: inherited), stderr to err_path (NULL:
 * inherited). Children die with us. Returns the pid or -1. */
static pid_t spawn(const proc_run *r, char *const *args, const char *out_path, const char *err_path)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(127);
    signal(SIGINT, SIG_IGN); /* a Ctrl-C reaches the whole process group: we stop the children */
    if (out_path) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
            _exit(127);
        close(fd);
    }
    if (err_path) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(127);
        close(fd);
    }
    execv(r->self, args);
    _exit(127);
}

/* Waits for pid; returns its exit code (128+signal when killed), or -1 when interrupted. */
static int wait_child(pid_t pid)
{
    int st;
    for (;;) {
        pid_t w = waitpid(pid, &st, 0);
        if (w == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (w < 0 && errno == EINTR && interrupted) {
            kill(pid, SIGTERM);
            waitpid(pid, &st, 0);
            return -1;
        }
        if (w < 0 && errno != EINTR)
            return -1;
    }
}

/* Runs this binary with args to completion (output captured as for spawn). */
static int run_child(const proc_run *r, char *const *args, const char *out_path, const char *err_path)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = spawn(r, args, out_path, err_path);
    if (pid < 0)
        return cli_error("cannot start `stoffel %s`: %s", args[1], strerror(errno)), -1;
    return wait_child(pid);
}

static void print_file(const char *path, const char *prefix, FILE *to)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f))
        fprintf(to, "%s%s", prefix, line);
    fclose(f);
}

static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[2048];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* A base port with n consecutive free UDP ports on 127.0.0.1 (a race with other programs remains
 * possible; the parties then fail to bind and say so). */
static int free_base_port(unsigned long n)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        int base = 20000 + (int)randombytes_uniform(40000);
        int ok = 1, socks[64];
        unsigned long k = 0;
        for (; k < n && ok; k++) {
            socks[k] = socket(AF_INET, SOCK_DGRAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(base + (int)k)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            ok = socks[k] >= 0 && bind(socks[k], (struct sockaddr *)&a, sizeof a) == 0;
        }
        for (unsigned long j = 0; j < k; j++)
            if (socks[j] >= 0)
                close(socks[j]);
        if (ok)
            return base;
    }
    return -1;
}

static void stop_parties(proc_run *r)
{
    for (unsigned long i = 0; i < r->n; i++)
        if (r->parties[i] > 0)
            kill(r->parties[i], SIGTERM);
    double deadline = now_ms() + 5000;
    for (unsigned long i = 0; i < r->n; i++) {
        if (r->parties[i] <= 0)
            continue;
        int st;
        while (waitpid(r->parties[i], &st, WNOHANG) == 0) {
            if (now_ms() > deadline) {
                kill(r->parties[i], SIGKILL); /* a party that ignores SIGTERM for 5 s */
                waitpid(r->parties[i], &st, 0);
                break;
            }
            usleep(10000);
        }
        r->parties[i] = 0;
    }
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (type == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT;
}

static void party_logs(const proc_run *r)
{
    for (unsigned long i = 0; i < r->n; i++) {
        char log[PATH_MAX + 32], prefix[32];
        snprintf(log, sizeof log, "%s/party%lu.log", r->dir, i);
        snprintf(prefix, sizeof prefix, "  party %lu: ", i);
        print_file(log, prefix, stderr);
    }
}

/* Waits until every party logged "ready:" (or one exited). Returns 0 or the exit code. */
static int wait_ready(proc_run *r)
{
    double deadline = now_ms() + READY_TIMEOUT_MS;
    for (unsigned long i = 0; i < r->n; i++) {
        char log[PATH_MAX + 32];
        snprintf(log, sizeof log, "%s/party%lu.log", r->dir, i);
        while (!file_has(log, "ready:")) {
            int st;
            if (waitpid(r->parties[i], &st, WNOHANG) == r->parties[i]) {
                r->parties[i] = 0;
                party_logs(r);
                return cli_error("party %lu exited before it was ready (its log is above)", i);
            }
            if (interrupted)
                return 130;
            if (now_ms() > deadline) {
                party_logs(r);
                return cli_error("party %lu was not ready after %d s (its log is above)", i, READY_TIMEOUT_MS / 1000);
            }
            usleep(20000);
        }
    }
    return 0;
}

/* Reads "Hash: <hex>" from the deploy output. */
static int read_hash(const char *path, char *hash, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[120];
    int rc = -1;
    while (rc && fgets(line, sizeof line, f))
        if (!strncmp(line, "Hash: ", 6)) {
            line[strcspn(line, "\r\n")] = 0;
            snprintf(hash, len, "%s", line + 6);
            rc = 0;
        }
    fclose(f);
    return rc;
}

/* The value of `--flag V` / `--flag=V` at argv[*i], or NULL when argv[*i] is another flag. */
static const char *flag_arg(int argc, char **argv, int *i, const char *flag)
{
    size_t len = strlen(flag);
    if (!strcmp(argv[*i], flag))
        return *i + 1 < argc ? argv[++*i] : NULL;
    if (!strncmp(argv[*i], flag, len) && argv[*i][len] == '=')
        return argv[*i] + len + 1;
    return NULL;
}

typedef struct {
    const char *values[MAX_ARGS];
    unsigned long slots[MAX_ARGS];
    size_t count;
    unsigned long max_slot;
    int stats;                     /* --stats, forwarded to `run --network` */
} run_args;

/* Splits the flags of the original command line: client inputs, and what `run --network` takes. */
static int split_args(int argc, char **argv, run_args *a)
{
    const char *v;
    for (int i = 1; i < argc; i++) {
        if ((v = flag_arg(argc, argv, &i, "--client-input"))) {
            const char *eq = strchr(v, '=');
            char *end;
            unsigned long slot = strtoul(v, &end, 10);
            if (!eq || end != eq || eq == v || slot >= MAX_SLOTS)
                return cli_usage_error("--client-input needs SLOT=VALUE with a slot 0..%d, got `%s`", MAX_SLOTS - 1, v);
            if (a->count == MAX_ARGS)
                return cli_usage_error("too many --client-input values for --processes (at most %d)", MAX_ARGS);
            a->values[a->count] = eq + 1;
            a->slots[a->count++] = slot;
            if (slot > a->max_slot)
                a->max_slot = slot;
        } else if (!strncmp(argv[i], "--input", 7) || !strncmp(argv[i], "--entry", 7) ||
                   !strncmp(argv[i], "--entrypoint", 12) || !strncmp(argv[i], "--function", 10)) {
            return cli_usage_error("`%s` does not apply with --processes: the parties run the deployed program's "
                                   "entry over client inputs only; pass data as --client-input SLOT=VALUE", argv[i]);
        } else if (!strcmp(argv[i], "--stats")) {
            a->stats = 1;
        } else if (!strcmp(argv[i], "--trace") || !strcmp(argv[i], "--trace-instr")) {
            return cli_usage_error("--trace runs only on the simulated engine; drop --processes to trace");
        }
    }
    return 0;
}

/* The parties order clients by id (the first 8 bytes of the certificate fingerprint, little
 * endian), and that order is the ClientStore slot order: key_of_slot[s] is the index of the
 * client<i>.key that becomes slot s. Returns 0 or -1 after printing the error. */
static int slot_keys(const proc_run *r, unsigned long count, unsigned long *key_of_slot)
{
    uint64_t ids[MAX_SLOTS];
    for (unsigned long i = 0; i < count; i++) {
        char key[PATH_MAX + 32];
        snprintf(key, sizeof key, "%s/net/client%lu.key", r->dir, i);
        stoffel_net_identity *id = party_cli_load_identity(key);
        if (!id)
            return -1;
        uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
        stoffel_net_identity_fingerprint(id, fp);
        stoffel_net_identity_free(id);
        ids[i] = 0;
        for (int b = 7; b >= 0; b--)
            ids[i] = (ids[i] << 8) | fp[b];
        key_of_slot[i] = i;
    }
    for (unsigned long i = 1; i < count; i++) /* insertion sort by id: at most MAX_SLOTS clients */
        for (unsigned long j = i; j > 0 && ids[key_of_slot[j]] < ids[key_of_slot[j - 1]]; j--) {
            unsigned long tmp = key_of_slot[j];
            key_of_slot[j] = key_of_slot[j - 1];
            key_of_slot[j - 1] = tmp;
        }
    return 0;
}

static int submit_inputs(proc_run *r, const run_args *a, const char *hash)
{
    static unsigned long key_of_slot[MAX_SLOTS];
    if (a->count && slot_keys(r, a->max_slot + 1, key_of_slot) != 0)
        return CLI_EXIT_ERROR;
    for (unsigned long slot = 0; a->count && slot <= a->max_slot; slot++) {
        char key[PATH_MAX + 32], out[PATH_MAX + 32], err[PATH_MAX + 32];
        snprintf(key, sizeof key, "%s/net/client%lu.key", r->dir, key_of_slot[slot]);
        snprintf(out, sizeof out, "%s/client%lu.out", r->dir, slot);
        snprintf(err, sizeof err, "%s/client%lu.err", r->dir, slot);
        char *args[MAX_ARGS + 16];
        size_t k = 0;
        args[k++] = "stoffel";
        args[k++] = "client";
        args[k++] = "input";
        args[k++] = "--network";
        args[k++] = r->config;
        args[k++] = "--key";
        args[k++] = key;
        args[k++] = "--program";
        args[k++] = (char *)hash;
        size_t first = k;
        for (size_t i = 0; i < a->count; i++)
            if (a->slots[i] == slot)
                args[k++] = (char *)a->values[i];
        if (k == first)
            continue; /* a slot without inputs */
        args[k] = NULL;
        int rc = run_child(r, args, out, err);
        if (rc != 0) {
            print_file(err, "  ", stderr);
            return rc < 0 ? 130 : cli_error("client %lu could not submit its inputs (`stoffel client input` exited %d)",
                                            slot, rc);
        }
    }
    return 0;
}

static int run_on_parties(proc_run *r, const char *program, unsigned long t, const run_args *a)
{
    char ports[24], nbuf[24], tbuf[24], clients[24], net[PATH_MAX + 8];
    int base = free_base_port(r->n);
    if (base < 0)
        return cli_error("no %lu consecutive free UDP ports on 127.0.0.1", r->n);
    snprintf(ports, sizeof ports, "%d", base);
    snprintf(nbuf, sizeof nbuf, "%lu", r->n);
    snprintf(tbuf, sizeof tbuf, "%lu", t);
    snprintf(clients, sizeof clients, "%lu", a->count ? a->max_slot + 1 : 1);
    snprintf(net, sizeof net, "%s/net", r->dir);
    snprintf(r->config, sizeof r->config, "%s/network.toml", net);
    char log[PATH_MAX + 32], out[PATH_MAX + 32];
    snprintf(log, sizeof log, "%s/network-init.log", r->dir);
    char *init[] = {"stoffel", "network", "init", "--parties", nbuf, "--threshold", tbuf, "--base-port", ports,
                    "--clients", clients, net, NULL};
    int rc = run_child(r, init, log, log);
    if (rc != 0) {
        print_file(log, "  ", stderr);
        return rc < 0 ? 130 : cli_error("`stoffel network init` failed (exit %d)", rc);
    }
    for (unsigned long i = 0; i < r->n; i++) {
        char id[24], data[PATH_MAX + 32];
        snprintf(id, sizeof id, "%lu", i);
        snprintf(data, sizeof data, "%s/party%lu", r->dir, i);
        snprintf(log, sizeof log, "%s/party%lu.log", r->dir, i);
        char *party[] = {"stoffel", "party", "--config", r->config, "--id", id, "--data", data, NULL};
        r->parties[i] = spawn(r, party, log, log);
        if (r->parties[i] < 0) {
            r->parties[i] = 0;
            return cli_error("cannot start party %lu: %s", i, strerror(errno));
        }
    }
    if ((rc = wait_ready(r)) != 0)
        return rc;
    snprintf(out, sizeof out, "%s/deploy.out", r->dir);
    snprintf(log, sizeof log, "%s/deploy.err", r->dir);
    char *deploy[] = {"stoffel", "deploy", (char *)program, "--network", r->config, NULL};
    if ((rc = run_child(r, deploy, out, log)) != 0) {
        print_file(log, "  ", stderr);
        return rc < 0 ? 130 : cli_error("`stoffel deploy %s` failed (exit %d)", program, rc);
    }
    char hash[128];
    if (read_hash(out, hash, sizeof hash) != 0)
        return cli_error("`stoffel deploy` printed no `Hash:` line");
    if ((rc = submit_inputs(r, a, hash)) != 0)
        return rc;
    char *run[8];
    size_t k = 0;
    run[k++] = "stoffel";
    run[k++] = "run";
    run[k++] = "--network";
    run[k++] = r->config;
    run[k++] = hash;
    if (a->stats)
        run[k++] = "--stats";
    run[k] = NULL;
    rc = run_child(r, run, NULL, NULL);
    return rc < 0 ? 130 : rc;
}

int run_processes(const char *program, unsigned long n, unsigned long t, int robust, int argc, char **argv)
{
    (void)robust; /* the parties choose robust mode from the network's n and t */
    static run_args args;
    memset(&args, 0, sizeof args);
    int rc = split_args(argc, argv, &args);
    if (rc)
        return rc;
    if (n < 2 * t + 1 || t < 1)
        return cli_usage_error("--processes %lu with threshold %lu violates n >= 2t+1; use at least %lu processes", n, t,
                               2 * t + 1);
    if (sodium_init() < 0)
        return cli_error("libsodium failed to initialise");
    proc_run r = {.n = n};
    ssize_t sl = readlink("/proc/self/exe", r.self, sizeof r.self - 1);
    if (sl <= 0)
        return cli_error("cannot find this program's own path (/proc/self/exe): %s", strerror(errno));
    r.self[sl] = 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(r.dir, sizeof r.dir, "%s/stoffel-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r.dir))
        return cli_error("cannot create a temporary directory under %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
    if (!(r.parties = calloc(n, sizeof *r.parties))) {
        rmdir(r.dir);
        return cli_error("out of memory");
    }
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int); /* no SA_RESTART: waits return EINTR and we clean up */
    sigaction(SIGTERM, &sa, &old_term);
    fprintf(stderr, "Running on %lu party processes on 127.0.0.1 (threshold %lu)\n", n, t);
    rc = run_on_parties(&r, program, t, &args);
    if (interrupted) {
        fputs("Interrupted: stopping the parties\n", stderr);
        rc = 130;
    }
    stop_parties(&r);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc != 0 && rc != 130 && getenv("STOFFEL_KEEP_RUN_DIR")) {
        fprintf(stderr, "The network, keys and party logs are kept in %s\n", r.dir);
    } else {
        nftw(r.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    free(r.parties);
    return rc;
}
