/*
 * test_procs.c - multi-process QUIC tests: party processes (net_party_helper) on 127.0.0.1 with
 * keys and a network configuration file written here.
 *   mesh N COUNT   N helper processes exchange COUNT messages per ordered pair + broadcasts.
 *   restart C      this process is party 1-C, a helper is party C; the helper is killed with
 *                  SIGKILL mid-stream and restarted; the link must come back and delivery go on
 *                  in order. C = 1: the helper dials us; C = 0: we dial it (reconnect + backoff).
 *   cli STOFFEL N  `stoffel network init` output drives an N-process mesh as is.
 *   keygen STOFFEL `stoffel keygen` writes a usable identity with a private key file mode 0600.
 * Usage: test_procs HELPER mesh N COUNT | HELPER restart C | HELPER cli STOFFEL N |
 *        HELPER keygen STOFFEL
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net_test_util.h"

static char dir[96];
static const char *helper;
static const char *stem = "p"; /* key file names: <stem><id>.crt/.key */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A base port whose next n UDP ports are free right now (random, to avoid collisions between
 * tests running in parallel). */
static uint16_t pick_ports(uint32_t n)
{
    srand((unsigned)(getpid() ^ time(NULL)));
    for (int attempt = 0; attempt < 50; attempt++) {
        uint16_t base = (uint16_t)(20000 + rand() % 30000);
        bool ok = true;
        for (uint32_t i = 0; i < n && ok; i++) {
            int fd = socket(AF_INET, SOCK_DGRAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(base + i)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
            close(fd);
        }
        if (ok)
            return base;
    }
    return 0;
}

/* Keys p<i>.crt/.key and network.toml in dir. */
static int write_network(uint32_t n)
{
    snprintf(dir, sizeof dir, "/tmp/stoffel-net-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    uint16_t base = pick_ports(n);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/network.toml", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "# written by test_procs\n[network]\nparties = %u\n", n);
    for (uint32_t i = 0; i < n; i++) {
        stoffel_net_identity *id = NULL;
        char cert[128], key[128], fpt[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1];
        uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
        snprintf(cert, sizeof cert, "%s/p%u.crt", dir, i);
        snprintf(key, sizeof key, "%s/p%u.key", dir, i);
        if (stoffel_net_identity_generate(NULL, &id) ||
            stoffel_net_identity_save(id, cert, key, err, sizeof err))
            return -1;
        stoffel_net_identity_fingerprint(id, fp);
        stoffel_net_fingerprint_format(fp, fpt);
        fprintf(f, "\n[[party]]\nid = %u\naddress = \"127.0.0.1:%u\"\nfingerprint = \"%s\"\n", i,
                base + i, fpt);
        stoffel_net_identity_free(id);
    }
    fclose(f);
    return 0;
}

static void cleanup(uint32_t n)
{
    char path[160];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s%u.crt", dir, stem, i);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s%u.key", dir, stem, i);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/network.toml", dir);
    unlink(path);
    rmdir(dir);
}

/* Starts the helper as party id; if out_fd is non-NULL its stdout is a pipe returned there. */
static pid_t spawn(uint32_t id, const char *mode, const char *count, int *out_fd)
{
    int pfd[2] = {-1, -1};
    if (out_fd && pipe(pfd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (out_fd) {
            dup2(pfd[1], 1);
            close(pfd[0]);
            close(pfd[1]);
        }
        char cfg[128], cert[128], key[128], ids[16];
        snprintf(cfg, sizeof cfg, "%s/network.toml", dir);
        snprintf(cert, sizeof cert, "%s/%s%u.crt", dir, stem, id);
        snprintf(key, sizeof key, "%s/%s%u.key", dir, stem, id);
        snprintf(ids, sizeof ids, "%u", id);
        execl(helper, helper, cfg, ids, cert, key, mode, count, (char *)NULL);
        _exit(127);
    }
    if (out_fd) {
        close(pfd[1]);
        fcntl(pfd[0], F_SETFL, O_NONBLOCK);
        *out_fd = pfd[0];
    }
    return pid;
}

/* Waits for pid until deadline; kills it on timeout. Returns its exit status or -1. */
static int wait_for(pid_t pid, double deadline)
{
    int st;
    while (now_s() < deadline) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static void test_mesh(uint32_t n, const char *count)
{
    CHECK_EQ_INT(write_network(n), 0);
    pid_t pids[16];
    for (uint32_t i = 0; i < n; i++)
        pids[i] = spawn(i, "mesh", count, NULL);
    double deadline = now_s() + 150;
    for (uint32_t i = 0; i < n; i++)
        CHECK_MSG(wait_for(pids[i], deadline) == 0, "party %u failed", i);
    cleanup(n);
}

typedef struct restart_state {
    uint32_t child;
    int connected_count;
    double reconnected_at;
} restart_state;

static void on_state(void *user, const stoffel_net_peer *p, stoffel_net_state st, int status)
{
    restart_state *r = user;
    if (p->kind == STOFFEL_NET_PEER_PARTY && p->party_id == r->child &&
        st == STOFFEL_NET_STATE_CONNECTED && ++r->connected_count == 2)
        r->reconnected_at = now_s();
}

/* Reads what is available from fd into buf (NUL-terminated, appended). */
static void read_some(int fd, char *buf, size_t cap)
{
    size_t have = strlen(buf);
    ssize_t r = read(fd, buf + have, cap - have - 1);
    if (r > 0)
        buf[have + (size_t)r] = 0;
}

static void test_restart(uint32_t child)
{
    CHECK_EQ_INT(write_network(2), 0);
    uint32_t me = 1 - child;
    char cfgp[128], cert[128], key[128], err[512];
    snprintf(cfgp, sizeof cfgp, "%s/network.toml", dir);
    snprintf(cert, sizeof cert, "%s/p%u.crt", dir, me);
    snprintf(key, sizeof key, "%s/p%u.key", dir, me);
    stoffel_net_config *cfg = NULL;
    stoffel_net_identity *id = NULL;
    CHECK_EQ_INT(stoffel_net_config_load(cfgp, &cfg, err, sizeof err), 0);
    CHECK_EQ_INT(stoffel_net_identity_load(cert, key, &id, err, sizeof err), 0);
    struct event_base *base = event_base_new();
    stoffel_net_options o = test_options();
    /* A long idle timeout: the dead peer must be noticed through the restarted process's
     * stateless reset (or its new connection), not by waiting for silence. */
    o.idle_timeout_ms = 30000;
    o.connect_timeout_ms = 1000;
    o.reconnect_attempts = 10;
    stoffel_net *net = NULL;
    CHECK_EQ_INT(stoffel_net_quic_party_new(base, cfg, me, id, &o, &net, err, sizeof err), 0);
    restart_state rs = {.child = child};
    stoffel_net_set_callbacks(net, NULL, on_state, &rs);
    int out = -1;
    pid_t pid = spawn(child, "sink", "0", &out);
    stoffel_net_start(net);
    CHECK_EQ_INT(stoffel_net_wait_connected(net, 10000), 0);

    /* Stream numbered messages at about 20k/s; kill the sink once it has 1000 of them. */
    const uint64_t total = 20000;
    uint64_t sent = 0;
    char text[512] = "";
    bool killed = false;
    double killed_at = 0;
    double deadline = now_s() + 60;
    uint8_t msg[64] = {0};
    while (now_s() < deadline) {
        for (int k = 0; k < 20 && sent < total; k++, sent++) {
            msg[0] = 1;
            put_u64(msg + 1, sent);
            CHECK_EQ_INT(stoffel_net_send(net, child, msg, sizeof msg), 0);
        }
        struct timeval tv = {0, 1000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
        if (!killed) {
            read_some(out, text, sizeof text);
            if (strstr(text, "got 1000")) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                killed_at = now_s();
                close(out);
                killed = true;
                text[0] = 0;
                pid = spawn(child, "sink", "0", &out);
            }
        } else if (sent == total && rs.connected_count >= 2) {
            break;
        }
    }
    CHECK(killed);
    CHECK_MSG(rs.connected_count >= 2, "connected %d times", rs.connected_count);
    /* Far below the 30 s idle timeout: recovery did not wait for silence. */
    CHECK_MSG(rs.reconnected_at - killed_at < 10.0, "reconnected %.1f s after the kill",
              rs.reconnected_at - killed_at);
    msg[0] = 4; /* end */
    put_u64(msg + 1, total);
    CHECK_EQ_INT(stoffel_net_send(net, child, msg, sizeof msg), 0);
    while (now_s() < deadline && !strstr(text, "first")) {
        struct timeval tv = {0, 5000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
        read_some(out, text, sizeof text);
    }
    int status = wait_for(pid, now_s() + 10);
    read_some(out, text, sizeof text);
    close(out);
    unsigned long long first = 0, last = 0, got = 0;
    const char *summary = strstr(text, "first");
    CHECK_MSG(summary && sscanf(summary, "first %llu last %llu got %llu", &first, &last, &got) == 3,
              "sink said: %s", text);
    CHECK_EQ_INT(status, 0);
    CHECK_EQ_INT(last, total);
    CHECK_MSG(first >= 1000 && first < total, "first %llu", first);
    CHECK_EQ_INT(got, last - first + 1);
    stoffel_net_free(net);
    stoffel_net_identity_free(id);
    stoffel_net_config_free(cfg);
    event_base_free(base);
    cleanup(2);
}

/* `stoffel network init` output drives a mesh of helper processes as is. */
static void test_cli_network_init(const char *stoffel, uint32_t n)
{
    char parent[] = "/tmp/stoffel-net-cli-XXXXXX";
    CHECK(mkdtemp(parent) != NULL);
    snprintf(dir, sizeof dir, "%s/net", parent);
    char nbuf[16], pbuf[16];
    snprintf(nbuf, sizeof nbuf, "%u", n);
    snprintf(pbuf, sizeof pbuf, "%u", pick_ports(n));
    pid_t pid = fork();
    if (pid == 0) {
        execl(stoffel, stoffel, "network", "init", "--parties", nbuf, "--threshold", "1",
              "--base-port", pbuf, dir, (char *)NULL);
        _exit(127);
    }
    CHECK_EQ_INT(wait_for(pid, now_s() + 30), 0);
    char path[160];
    struct stat st;
    snprintf(path, sizeof path, "%s/party0.key", dir);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    stem = "party";
    pid_t pids[16];
    for (uint32_t i = 0; i < n; i++)
        pids[i] = spawn(i, "mesh", "1000", NULL);
    double deadline = now_s() + 60;
    for (uint32_t i = 0; i < n; i++)
        CHECK_MSG(wait_for(pids[i], deadline) == 0, "party %u failed", i);
    cleanup(n);
    /* cleanup() removed the party files and the directory only if it is empty: remove the rest */
    const char *rest[] = {"client0.crt", "client0.key"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, rest[i]);
        unlink(path);
    }
    rmdir(dir);
    rmdir(parent);
}

/* Runs `stoffel ARGS...` with stdout captured into out; returns the exit status. */
static int run_cli(const char *stoffel, char *const args[], char *out, size_t out_len)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(stoffel, args);
        _exit(127);
    }
    close(pfd[1]);
    size_t have = 0;
    ssize_t r;
    while (have + 1 < out_len && (r = read(pfd[0], out + have, out_len - have - 1)) > 0)
        have += (size_t)r;
    out[have] = 0;
    close(pfd[0]);
    return wait_for(pid, now_s() + 30);
}

/* `stoffel keygen`: key mode 0600, the printed fingerprint is the certificate's, no overwrite. */
static void test_cli_keygen(const char *stoffel)
{
    char parent[] = "/tmp/stoffel-keygen-XXXXXX";
    CHECK(mkdtemp(parent) != NULL);
    char out[1024], cert[128], key[128], err[256];
    char *args[] = {(char *)stoffel, "keygen", "--out", parent, "--name", "alice", NULL};
    CHECK_EQ_INT(run_cli(stoffel, args, out, sizeof out), 0);
    snprintf(cert, sizeof cert, "%s/alice.crt", parent);
    snprintf(key, sizeof key, "%s/alice.key", parent);
    struct stat st;
    CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
    stoffel_net_identity *id = NULL;
    CHECK_EQ_INT(stoffel_net_identity_load(cert, key, &id, err, sizeof err), 0);
    uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
    char text[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1], line[128];
    stoffel_net_identity_fingerprint(id, fp);
    stoffel_net_fingerprint_format(fp, text);
    snprintf(line, sizeof line, "fingerprint = \"%s\"", text);
    CHECK_MSG(strstr(out, line) != NULL, "stdout: %s", out);
    CHECK(strstr(out, "PRIVATE") == NULL); /* the key itself is never printed */
    stoffel_net_identity_free(id);
    CHECK_EQ_INT(run_cli(stoffel, args, out, sizeof out), 1); /* the key exists: refused */
    char *bad[] = {(char *)stoffel, "keygen", "--days", "0", NULL};
    CHECK_EQ_INT(run_cli(stoffel, bad, out, sizeof out), 2);
    char *help[] = {(char *)stoffel, "keygen", "--help", NULL};
    CHECK_EQ_INT(run_cli(stoffel, help, out, sizeof out), 0);
    CHECK(strstr(out, "Usage: stoffel keygen") != NULL);
    unlink(cert);
    unlink(key);
    rmdir(parent);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: test_procs HELPER mesh N COUNT | HELPER restart C | "
                        "HELPER cli STOFFEL N | HELPER keygen STOFFEL\n");
        return 2;
    }
    helper = argv[1];
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(argv[2], "mesh") == 0 && argc > 4)
        test_mesh((uint32_t)atoi(argv[3]), argv[4]);
    else if (strcmp(argv[2], "keygen") == 0)
        test_cli_keygen(argv[3]);
    else if (strcmp(argv[2], "cli") == 0 && argc > 4)
        test_cli_network_init(argv[3], (uint32_t)atoi(argv[4]));
    else if (strcmp(argv[2], "restart") == 0)
        test_restart((uint32_t)atoi(argv[3]));
    else
        return 2;
    return test_finish();
}
