/*
 * bench_net.c - two-party throughput over loopback: libstoffelnet (QUIC) against a plain TCP +
 * TLS 1.3 (GnuTLS) baseline with the same framing, for 64 B, 1 KiB and 64 KiB messages. Each run
 * forks a receiver process; the sender is this process. Prints JSON lines:
 *   {"bench": "net.throughput_mib_s", "value": ..., "unit": "MiB/s", "params": {"size": .., "impl": ..}}
 *   {"bench": "net.msgs_per_s", ...}
 *   {"bench": "net.roundtrip_us", ...}   (stoffelnet only: 64-byte ping-pong)
 * Usage: bench_net [SECONDS_PER_RUN_HINT]  (default: message counts sized for about 1 s)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stoffel/net.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t message_count(size_t size)
{
    size_t total = size >= 65536 ? (size_t)512 << 20 : size >= 1024 ? (size_t)128 << 20
                                                                      : (size_t)32 << 20;
    return total / size;
}

static size_t ack_every(size_t size)
{
    size_t a = ((size_t)4 << 20) / size;
    return a < 1 ? 1 : a > 1024 ? 1024 : a;
}

static void report(const char *impl, size_t size, size_t count, double secs)
{
    double mib = (double)count * (double)size / (1024.0 * 1024.0) / secs;
    printf("{\"bench\": \"net.throughput_mib_s\", \"value\": %.1f, \"unit\": \"MiB/s\", "
           "\"params\": {\"size\": %zu, \"impl\": \"%s\"}}\n", mib, size, impl);
    printf("{\"bench\": \"net.msgs_per_s\", \"value\": %.0f, \"unit\": \"msg/s\", "
           "\"params\": {\"size\": %zu, \"impl\": \"%s\"}}\n", (double)count / secs, size, impl);
    fflush(stdout);
}

/* --- stoffelnet ------------------------------------------------------------------------------ */

typedef struct quic_side {
    stoffel_net *net;
    size_t size, got, ack_every;
    uint64_t acked;
    bool done;
} quic_side;

/* Receiver: data messages (first byte 0) are counted and acknowledged every ack_every; the end
 * marker (first byte 1) is answered with a final message. */
static void receiver_on_message(void *user, const stoffel_net_peer *from, const uint8_t *d,
                                size_t len)
{
    quic_side *s = user;
    if (len && d[0] == 1) {
        uint8_t fin[9] = {2};
        memcpy(fin + 1, &s->got, 8);
        stoffel_net_send(s->net, 1, fin, sizeof fin);
        s->done = true;
        return;
    }
    if (++s->got % s->ack_every == 0) {
        uint8_t ack[9] = {3};
        uint64_t g = s->got;
        memcpy(ack + 1, &g, 8);
        stoffel_net_send(s->net, 1, ack, sizeof ack);
    }
}

static void sender_on_message(void *user, const stoffel_net_peer *from, const uint8_t *d,
                              size_t len)
{
    quic_side *s = user;
    if (len == 9 && d[0] == 3)
        memcpy(&s->acked, d + 1, 8);
    else if (len == 9 && d[0] == 2)
        s->done = true;
}

static stoffel_net_options bench_options(void)
{
    stoffel_net_options o;
    stoffel_net_options_defaults(&o);
    return o;
}

static uint16_t free_udp_ports(void)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        uint16_t base = (uint16_t)(20000 + rand() % 30000);
        bool ok = true;
        for (int i = 0; i < 2 && ok; i++) {
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

static int run_quic(size_t size, double *secs, size_t *count_out)
{
    stoffel_net_identity *ids[2];
    stoffel_net_config *cfg;
    stoffel_net_config_new(2, &cfg);
    uint16_t base_port = free_udp_ports();
    for (uint32_t i = 0; i < 2; i++) {
        uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
        stoffel_net_identity_generate(NULL, &ids[i]);
        stoffel_net_identity_fingerprint(ids[i], fp);
        stoffel_net_config_set_party(cfg, i, "127.0.0.1", (uint16_t)(base_port + i), fp);
    }
    stoffel_net_options o = bench_options();
    size_t count = message_count(size);
    char err[512];
    pid_t pid = fork();
    if (pid == 0) {
        struct event_base *base = event_base_new();
        quic_side s = {.size = size, .ack_every = ack_every(size)};
        if (stoffel_net_quic_party_new(base, cfg, 0, ids[0], &o, &s.net, err, sizeof err)) {
            fprintf(stderr, "receiver: %s\n", err);
            _exit(1);
        }
        stoffel_net_set_callbacks(s.net, receiver_on_message, NULL, &s);
        stoffel_net_start(s.net);
        while (!s.done)
            event_base_loop(base, EVLOOP_ONCE);
        stoffel_net_flush(s.net, 5000);
        stoffel_net_free(s.net);
        _exit(0);
    }
    struct event_base *base = event_base_new();
    quic_side s = {.size = size};
    if (stoffel_net_quic_party_new(base, cfg, 1, ids[1], &o, &s.net, err, sizeof err)) {
        fprintf(stderr, "sender: %s\n", err);
        return -1;
    }
    stoffel_net_set_callbacks(s.net, sender_on_message, NULL, &s);
    stoffel_net_start(s.net);
    if (stoffel_net_wait_connected(s.net, 10000)) {
        fprintf(stderr, "sender: %s\n", stoffel_net_last_error(s.net));
        return -1;
    }
    uint8_t *msg = calloc(1, size);
    size_t window = 8 * ack_every(size), sent = 0;
    double t0 = now_s();
    while (sent < count) {
        while (sent < count && sent - s.acked < window) {
            stoffel_net_send(s.net, 0, msg, size);
            sent++;
        }
        event_base_loop(base, EVLOOP_ONCE);
    }
    msg[0] = 1;
    stoffel_net_send(s.net, 0, msg, size);
    while (!s.done)
        event_base_loop(base, EVLOOP_ONCE);
    *secs = now_s() - t0;
    *count_out = count;
    free(msg);
    stoffel_net_free(s.net);
    event_base_free(base);
    int st;
    waitpid(pid, &st, 0);
    for (int i = 0; i < 2; i++)
        stoffel_net_identity_free(ids[i]);
    stoffel_net_config_free(cfg);
    return 0;
}

/* Round trips of one 64-byte message: party 0 echoes, party 1 measures (what a chain of dependent
 * MPC rounds pays per round on top of computation). */
typedef struct pingpong {
    stoffel_net *net;
    uint64_t got;
    bool echo;
} pingpong;

static void pingpong_on_message(void *user, const stoffel_net_peer *from, const uint8_t *d,
                                size_t len)
{
    pingpong *p = user;
    p->got++;
    if (p->echo)
        stoffel_net_send(p->net, from->party_id, d, len);
}

static int run_quic_roundtrip(uint64_t rounds, double *us_per_round)
{
    stoffel_net_identity *ids[2];
    stoffel_net_config *cfg;
    stoffel_net_config_new(2, &cfg);
    uint16_t base_port = free_udp_ports();
    for (uint32_t i = 0; i < 2; i++) {
        uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
        stoffel_net_identity_generate(NULL, &ids[i]);
        stoffel_net_identity_fingerprint(ids[i], fp);
        stoffel_net_config_set_party(cfg, i, "127.0.0.1", (uint16_t)(base_port + i), fp);
    }
    stoffel_net_options o = bench_options();
    char err[512];
    pid_t pid = fork();
    if (pid == 0) {
        struct event_base *base = event_base_new();
        pingpong p = {.echo = true};
        if (stoffel_net_quic_party_new(base, cfg, 0, ids[0], &o, &p.net, err, sizeof err))
            _exit(1);
        stoffel_net_set_callbacks(p.net, pingpong_on_message, NULL, &p);
        stoffel_net_start(p.net);
        while (p.got < rounds + 1)
            event_base_loop(base, EVLOOP_ONCE);
        stoffel_net_flush(p.net, 5000);
        stoffel_net_free(p.net);
        _exit(0);
    }
    struct event_base *base = event_base_new();
    pingpong p = {0};
    if (stoffel_net_quic_party_new(base, cfg, 1, ids[1], &o, &p.net, err, sizeof err))
        return -1;
    stoffel_net_set_callbacks(p.net, pingpong_on_message, NULL, &p);
    stoffel_net_start(p.net);
    if (stoffel_net_wait_connected(p.net, 10000))
        return -1;
    uint8_t msg[64] = {0};
    stoffel_net_send(p.net, 0, msg, sizeof msg); /* warm-up round */
    while (p.got < 1)
        event_base_loop(base, EVLOOP_ONCE);
    double t0 = now_s();
    for (uint64_t r = 0; r < rounds; r++) {
        stoffel_net_send(p.net, 0, msg, sizeof msg);
        while (p.got < r + 2)
            event_base_loop(base, EVLOOP_ONCE);
    }
    *us_per_round = (now_s() - t0) * 1e6 / (double)rounds;
    stoffel_net_free(p.net);
    event_base_free(base);
    int st;
    waitpid(pid, &st, 0);
    for (int i = 0; i < 2; i++)
        stoffel_net_identity_free(ids[i]);
    stoffel_net_config_free(cfg);
    return 0;
}

/* --- TCP + TLS 1.3 baseline (GnuTLS), same framing, buffered writes ------------------------ */

#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define IO_BUF (64 * 1024)

static int tls_write_all(gnutls_session_t s, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = gnutls_record_send(s, p, n);
        if (w < 0) {
            if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int run_tls(size_t size, double *secs, size_t *count_out)
{
    char dir[] = "/tmp/stoffel-bench-XXXXXX", cert[64], key[64], err[256];
    if (!mkdtemp(dir))
        return -1;
    snprintf(cert, sizeof cert, "%s/s.crt", dir);
    snprintf(key, sizeof key, "%s/s.key", dir);
    stoffel_net_identity *id;
    stoffel_net_identity_generate(NULL, &id);
    stoffel_net_identity_save(id, cert, key, err, sizeof err);
    stoffel_net_identity_free(id);
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    if (gnutls_certificate_set_x509_key_file(cred, cert, key, GNUTLS_X509_FMT_PEM) < 0)
        return -1;
    unlink(cert);
    unlink(key);
    rmdir(dir);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    bind(lfd, (struct sockaddr *)&a, sizeof a);
    listen(lfd, 1);
    getsockname(lfd, (struct sockaddr *)&a, &alen);
    size_t count = message_count(size);
    pid_t pid = fork();
    if (pid == 0) { /* receiver: TLS server */
        int fd = accept(lfd, NULL, NULL);
        gnutls_session_t s;
        gnutls_init(&s, GNUTLS_SERVER);
        gnutls_priority_set_direct(s, TLS_PRIORITY, NULL);
        gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
        gnutls_transport_set_int(s, fd);
        if (gnutls_handshake(s) < 0)
            _exit(1);
        uint8_t *buf = malloc(IO_BUF);
        uint8_t hdr[4];
        size_t hdr_have = 0, need = 0, got = 0;
        bool in_payload = false, first_byte = false, end = false;
        while (!end) {
            ssize_t r = gnutls_record_recv(s, buf, IO_BUF);
            if (r <= 0)
                _exit(1);
            size_t pos = 0;
            while (pos < (size_t)r) {
                if (!in_payload) {
                    hdr[hdr_have++] = buf[pos++];
                    if (hdr_have == 4) {
                        need = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
                        hdr_have = 0;
                        in_payload = true;
                        first_byte = true;
                    }
                    continue;
                }
                if (first_byte) {
                    if (buf[pos] == 1)
                        end = true;
                    first_byte = false;
                }
                size_t take = (size_t)r - pos < need ? (size_t)r - pos : need;
                pos += take;
                need -= take;
                if (need == 0) {
                    in_payload = false;
                    got++;
                }
            }
        }
        uint8_t fin[8];
        memcpy(fin, &got, 8);
        tls_write_all(s, fin, 8);
        gnutls_bye(s, GNUTLS_SHUT_WR);
        _exit(0);
    }
    close(lfd);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    gnutls_session_t s;
    gnutls_init(&s, GNUTLS_CLIENT);
    gnutls_priority_set_direct(s, TLS_PRIORITY, NULL);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", 9);
    gnutls_transport_set_int(s, fd);
    if (gnutls_handshake(s) < 0)
        return -1;
    uint8_t *out = malloc(IO_BUF + size + 4);
    uint8_t *msg = calloc(1, size);
    size_t used = 0;
    double t0 = now_s();
    for (size_t i = 0; i <= count; i++) {
        if (i == count)
            msg[0] = 1; /* end marker */
        uint8_t *h = out + used;
        h[0] = (uint8_t)(size >> 24);
        h[1] = (uint8_t)(size >> 16);
        h[2] = (uint8_t)(size >> 8);
        h[3] = (uint8_t)size;
        memcpy(out + used + 4, msg, size);
        used += size + 4;
        if (used >= IO_BUF || i == count) {
            if (tls_write_all(s, out, used))
                return -1;
            used = 0;
        }
    }
    uint8_t fin[8];
    ssize_t r = gnutls_record_recv(s, fin, 8);
    *secs = now_s() - t0;
    *count_out = count;
    gnutls_deinit(s);
    close(fd);
    free(out);
    free(msg);
    gnutls_certificate_free_credentials(cred);
    int st;
    waitpid(pid, &st, 0);
    return r == 8 ? 0 : -1;
}

int main(void)
{
    srand((unsigned)(getpid() ^ time(NULL)));
    signal(SIGPIPE, SIG_IGN);
    static const size_t sizes[] = {64, 1024, 65536};
    for (size_t i = 0; i < 3; i++) {
        double secs;
        size_t count;
        if (run_quic(sizes[i], &secs, &count) == 0)
            report("stoffelnet", sizes[i], count, secs);
        else
            fprintf(stderr, "bench_net: stoffelnet run for size %zu failed\n", sizes[i]);
        if (run_tls(sizes[i], &secs, &count) == 0)
            report("tcp_tls13_gnutls", sizes[i], count, secs);
        else
            fprintf(stderr, "bench_net: TCP+TLS run for size %zu failed\n", sizes[i]);
    }
    double us;
    if (run_quic_roundtrip(20000, &us) == 0)
        printf("{\"bench\": \"net.roundtrip_us\", \"value\": %.1f, \"unit\": \"us\", "
               "\"params\": {\"size\": 64, \"impl\": \"stoffelnet\"}}\n", us);
    else
        fprintf(stderr, "bench_net: round-trip run failed\n");
    return 0;
}
