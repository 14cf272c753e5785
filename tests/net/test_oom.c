/*
 * test_oom.c - every allocation failure in the configuration parser (TOML), the envelope codec and
 * the in-memory transport returns an error (no crash) and leaks nothing. This program replaces
 * malloc/calloc/realloc/free with counting versions that fail on the Nth call, and runs each
 * operation with N = 1, 2, ... until it succeeds without an injected failure. (Not built under
 * sanitizers, which own malloc themselves.)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <execinfo.h>

#include <event2/event.h>
#include <stoffel/net.h>

#include "test_util.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static long fail_at = -1; /* fail the allocation with this index; -1 = never */
static long calls;        /* allocations since the counter was reset */
static long live;         /* blocks allocated and not yet freed while counting */
static bool counting;
static bool failed;

static bool should_fail(void)
{
    if (!counting)
        return false;
    if (calls++ == fail_at) {
        failed = true;
        if (getenv("OOM_TRACE")) {
            void *bt[16];
            counting = false;
            int n = backtrace(bt, 16);
            backtrace_symbols_fd(bt, n, 2);
            counting = true;
        }
        return true;
    }
    return false;
}

void *malloc(size_t n)
{
    if (should_fail())
        return NULL;
    void *p = __libc_malloc(n);
    if (p && counting)
        live++;
    return p;
}

void *calloc(size_t a, size_t b)
{
    if (should_fail())
        return NULL;
    void *p = __libc_calloc(a, b);
    if (p && counting)
        live++;
    return p;
}

void *realloc(void *old, size_t n)
{
    if (should_fail())
        return NULL;
    void *p = __libc_realloc(old, n);
    if (p && !old && counting)
        live++;
    return p;
}

void free(void *p)
{
    if (p && counting)
        live--;
    __libc_free(p);
}

static void start(long n)
{
    calls = 0;
    live = 0;
    failed = false;
    fail_at = n;
    counting = true;
}

static void stop(void)
{
    counting = false;
}

static void oom_config(void)
{
    const char *text =
        "# two parties\n[network]\nparties = 2\nrestrict_clients = true\n"
        "[[party]]\nid = 0\naddress = \"127.0.0.1:9000\"\n"
        "fingerprint = \"sha256:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n"
        "extra = { a = [1, 2, 'x'], b.c = \"\\u00e9\" }\n"
        "[[party]]\nid = 1\naddress = \"[::1]:9001\"\n"
        "fingerprint = \"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
        "[[client]]\nfingerprint = \"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n";
    /* "extra" is not a party key: the parse fails after building the whole tree, which exercises
     * every allocation of the TOML parser; then the same without it must succeed. */
    for (long n = 0;; n++) {
        stoffel_net_config *cfg = NULL;
        char err[200];
        start(n);
        int rc = stoffel_net_config_parse(text, strlen(text), "oom.toml", &cfg, err, sizeof err);
        stop();
        CHECK(cfg == NULL);
        CHECK_MSG(live == 0, "config (failing allocation %ld): %ld blocks leaked", n, live);
        if (!failed) {
            CHECK_EQ_INT(rc, STOFFEL_NET_ERR_CONFIG);
            break;
        }
        CHECK_MSG(rc == STOFFEL_ERR_NOMEM, "allocation %ld failed but rc = %d", n, rc);
    }
    const char *good = "[[party]]\nid = 0\naddress = \"127.0.0.1:1\"\n"
                       "fingerprint = \"sha256:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n"
                       "[[client]]\nfingerprint = \"sha256:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1e\"\n";
    for (long n = 0;; n++) {
        stoffel_net_config *cfg = NULL;
        start(n);
        int rc = stoffel_net_config_parse(good, strlen(good), "oom.toml", &cfg, NULL, 0);
        stoffel_net_config_free(cfg);
        stop();
        CHECK_MSG(live == 0, "config (failing allocation %ld): %ld blocks leaked", n, live);
        if (!failed) {
            CHECK_EQ_INT(rc, 0);
            break;
        }
        CHECK_EQ_INT(rc, STOFFEL_ERR_NOMEM);
    }
}

static void oom_envelope(void)
{
    uint8_t part[3000] = {1};
    stoffel_net_envelope e = {.protocol = 1, .round = 2, .part_count = 1};
    e.parts[0] = (stoffel_net_bytes){part, sizeof part};
    for (long n = 0;; n++) {
        uint8_t *out = NULL;
        size_t len = 0;
        start(n);
        int rc = stoffel_net_envelope_encode(&e, &out, &len);
        stoffel_net_buffer_free(out);
        stop();
        CHECK_MSG(live == 0, "envelope (failing allocation %ld): %ld blocks leaked", n, live);
        if (!failed) {
            CHECK_EQ_INT(rc, 0);
            break;
        }
        CHECK_EQ_INT(rc, STOFFEL_ERR_NOMEM);
    }
}

static void nothing(evutil_socket_t fd, short what, void *arg)
{
}

/* The in-memory transport: sends fail cleanly; whatever was accepted is delivered or freed. */
static void oom_mem_transport(void)
{
    struct event_base *base = event_base_new();
    /* Let libevent allocate its lazily created structures (the timer heap) before counting. */
    struct event *warm = evtimer_new(base, nothing, NULL);
    struct timeval zero = {0, 0};
    evtimer_add(warm, &zero);
    event_base_loop(base, EVLOOP_ONCE);
    event_free(warm);
    for (long n = 0;; n++) {
        start(n);
        stoffel_net_mem_hub *hub = NULL;
        stoffel_net *a = NULL, *b = NULL;
        int rc = stoffel_net_mem_hub_new(2, &hub);
        if (!rc)
            rc = stoffel_net_mem_party_new(hub, base, 0, NULL, &a);
        if (!rc)
            rc = stoffel_net_mem_party_new(hub, base, 1, NULL, &b);
        if (!rc)
            rc = stoffel_net_start(a);
        if (!rc)
            rc = stoffel_net_start(b);
        int sends_ok = 0;
        for (int i = 0; !rc && i < 3; i++)
            sends_ok += stoffel_net_send(a, 1, (const uint8_t *)"hello", 5) == 0;
        if (!rc)
            rc = stoffel_net_broadcast(a, (const uint8_t *)"all", 3);
        if (b) {
            uint8_t *d;
            size_t l;
            while (stoffel_net_recv(b, 0, NULL, &d, &l) == 0)
                stoffel_net_buffer_free(d);
        }
        stoffel_net_free(a);
        stoffel_net_free(b);
        stoffel_net_mem_hub_free(hub);
        stop();
        CHECK_MSG(live == 0, "mem transport (failing allocation %ld): %ld blocks leaked", n, live);
        if (!failed) {
            CHECK_EQ_INT(rc, 0);
            CHECK_EQ_INT(sends_ok, 3);
            break;
        }
        CHECK_MSG(rc == 0 || rc == STOFFEL_ERR_NOMEM, "allocation %ld: rc = %d", n, rc);
    }
    event_base_free(base);
}

int main(void)
{
    oom_config();
    oom_envelope();
    oom_mem_transport();
    return test_finish();
}
