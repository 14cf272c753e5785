/*
 * ne_test_util.h - shared by the networked-engine tests and benchmarks: ephemeral identities and a
 * network configuration on 127.0.0.1 in a fresh temporary directory, free-port picking, party
 * process management, and loading a party's endpoint from that directory.
 */
#ifndef STOFFEL_NE_TEST_UTIL_H
#define STOFFEL_NE_TEST_UTIL_H

#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <stoffel/mpc.h>
#include <stoffel/net.h>

#define NE_SESSION 0x5e55104e7e57ULL

static inline double ne_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A base port whose next n UDP ports are free right now (random, so tests running in parallel
 * rarely collide). 0 if none was found. */
static inline uint16_t ne_pick_ports(uint32_t n)
{
    srand((unsigned)(getpid() ^ time(NULL)));
    for (int attempt = 0; attempt < 50; attempt++) {
        uint16_t base = (uint16_t)(20000 + rand() % 30000);
        int ok = 1;
        for (uint32_t i = 0; i < n && ok; i++) {
            int fd = socket(AF_INET, SOCK_DGRAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(base + i)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
            if (fd >= 0)
                close(fd);
        }
        if (ok)
            return base;
    }
    return 0;
}

/* Writes p<i>.crt/.key for n parties, c<j>.crt/.key for nclients clients and network.toml into a
 * new directory (dir receives its path). Returns 0 or -1 with a message on stderr. */
static inline int ne_write_network(char dir[64], uint32_t n, uint32_t nclients)
{
    snprintf(dir, 64, "/tmp/stoffel-ne-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    uint16_t base = ne_pick_ports(n);
    if (!base) {
        fprintf(stderr, "no free UDP ports\n");
        return -1;
    }
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/network.toml", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# written by the networked engine tests\n[network]\nparties = %u\n", n);
    for (uint32_t i = 0; i < n + nclients; i++) {
        stoffel_net_identity *id = NULL;
        char cert[128], key[128], fpt[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1];
        uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
        const char *kind = i < n ? "p" : "c";
        uint32_t k = i < n ? i : i - n;
        snprintf(cert, sizeof cert, "%s/%s%u.crt", dir, kind, k);
        snprintf(key, sizeof key, "%s/%s%u.key", dir, kind, k);
        if (stoffel_net_identity_generate(NULL, &id) || stoffel_net_identity_save(id, cert, key, err, sizeof err)) {
            fprintf(stderr, "identity: %s\n", err);
            fclose(f);
            return -1;
        }
        if (i < n) {
            stoffel_net_identity_fingerprint(id, fp);
            stoffel_net_fingerprint_format(fp, fpt);
            fprintf(f, "\n[[party]]\nid = %u\naddress = \"127.0.0.1:%u\"\nfingerprint = \"%s\"\n", i, base + i, fpt);
        }
        stoffel_net_identity_free(id);
    }
    fclose(f);
    return 0;
}

/* Loads the network configuration and identity <kind><k> ("p" or "c") from dir. */
static inline int ne_load(const char *dir, const char *kind, uint32_t k, stoffel_net_config **cfg,
                          stoffel_net_identity **id)
{
    char path[128], cert[128], key[128], err[256];
    snprintf(path, sizeof path, "%s/network.toml", dir);
    snprintf(cert, sizeof cert, "%s/%s%u.crt", dir, kind, k);
    snprintf(key, sizeof key, "%s/%s%u.key", dir, kind, k);
    if (stoffel_net_config_load(path, cfg, err, sizeof err)) {
        fprintf(stderr, "config: %s\n", err);
        return -1;
    }
    if (stoffel_net_identity_load(cert, key, id, err, sizeof err)) {
        fprintf(stderr, "identity: %s\n", err);
        return -1;
    }
    return 0;
}

/* Removes the files ne_write_network made (and out<i>.bin). */
static inline void ne_cleanup(const char *dir, uint32_t n, uint32_t nclients)
{
    char path[160];
    const char *names[] = {"crt", "key"};
    for (uint32_t i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof path, "%s/p%u.%s", dir, i, names[k]);
            unlink(path);
        }
        snprintf(path, sizeof path, "%s/out%u.bin", dir, i);
        unlink(path);
    }
    for (uint32_t j = 0; j < nclients; j++)
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof path, "%s/c%u.%s", dir, j, names[k]);
            unlink(path);
        }
    snprintf(path, sizeof path, "%s/network.toml", dir);
    unlink(path);
    rmdir(dir);
}

/* Waits for child pids[0..n) for at most timeout_s; kills the rest. Returns the number of children
 * that did not exit with status 0. When base is not NULL it keeps running meanwhile (this process's
 * endpoints must keep acknowledging what the parties still send). */
static inline int ne_wait_children(pid_t *pids, uint32_t n, double timeout_s, struct event_base *base)
{
    double end = ne_now_s() + timeout_s;
    int bad = 0;
    uint32_t left = n;
    int *done = calloc(n, sizeof *done);
    while (left > 0 && ne_now_s() < end) {
        for (uint32_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            int st;
            if (waitpid(pids[i], &st, WNOHANG) == pids[i]) {
                done[i] = 1;
                left--;
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                    fprintf(stderr, "party process %u failed (status %d)\n", i, st);
                    bad++;
                }
            }
        }
        if (base) {
            struct timeval tv = {0, 20000};
            event_base_loopexit(base, &tv);
            event_base_dispatch(base);
        } else {
            usleep(20000);
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (!done[i]) {
            fprintf(stderr, "party process %u did not finish in %.0f s; killing it\n", i, timeout_s);
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
            bad++;
        }
    free(done);
    return bad;
}

#endif
