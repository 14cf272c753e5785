/*
 * test_prep_levels.c - background preprocessing levels in the party runtime, over the in-memory
 * transport: stoffel_vm_party_enable_mpc's checks of the config (the struct of callers compiled
 * before prep_comparisons, the level limits), and party 0's "go" of a preprocessing operation as
 * party 1 receives it: its levels are the ones used (not party 1's own), a 1-byte go (an older
 * party 0) fails the operation with a message, and malformed or over-limit gos are ignored with a
 * log line. Party 0 and party 2 are bare endpoints here, so the test writes party 0's messages.
 */
#include <stddef.h>

#include <event2/event.h>

#include "party_test_util.h"
#include "test_util.h"

enum { N = 3 };

/* The party control protocol's number ("PCT1", libstoffelvm/src/party/party_internal.h). */
enum { CONTROL_PROTOCOL = 0x50435431, OP_PREP = 3 };

typedef struct {
    struct event_base *base;
    stoffel_net_mem_hub *hub;
    stoffel_net *net[N];
    stoffel_vm_party *party; /* party 1 */
    char dir[256];
    char log[16384];
} world;

static void keep_log(void *user, const char *line)
{
    world *w = user;
    size_t used = strlen(w->log);
    snprintf(w->log + used, sizeof w->log - used, "%s\n", line);
    if (getenv("STOFFEL_TEST_VERBOSE"))
        fprintf(stderr, "party 1 log: %s\n", line);
}

static void world_up(world *w)
{
    memset(w, 0, sizeof *w);
    CHECK_EQ_INT(party_test_tmpdir(w->dir, sizeof w->dir), 0);
    w->base = event_base_new();
    CHECK_EQ_INT(stoffel_net_mem_hub_new(N, &w->hub), 0);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(stoffel_net_mem_party_new(w->hub, w->base, (uint32_t)i, NULL, &w->net[i]), 0);
        if (i == 1) {
            char path[400], err[512] = "";
            snprintf(path, sizeof path, "%s/party1.db", w->dir);
            CHECK_MSG(stoffel_vm_party_new(w->net[1], path, &w->party, err, sizeof err) == 0, "%s", err);
            stoffel_vm_party_set_log(w->party, keep_log, w);
        }
        CHECK_EQ_INT(stoffel_net_start(w->net[i]), 0);
    }
}

static void world_down(world *w)
{
    stoffel_vm_party_free(w->party);
    for (int i = 0; i < N; i++)
        stoffel_net_free(w->net[i]);
    stoffel_net_mem_hub_free(w->hub);
    event_base_free(w->base);
    party_test_rmdir(w->dir);
}

/* Party 0 (the bare endpoint) sends a control message to party 1 and the loop delivers it. */
static void send_from_0(world *w, uint64_t session, const char *kind, const stoffel_net_bytes *parts, size_t count)
{
    stoffel_net_envelope env = {0};
    env.protocol = CONTROL_PROTOCOL;
    env.session_id = session;
    env.part_count = count + 1;
    env.parts[0].data = (const uint8_t *)kind;
    env.parts[0].len = strlen(kind);
    for (size_t i = 0; i < count; i++)
        env.parts[i + 1] = parts[i];
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(stoffel_net_envelope_encode(&env, &buf, &len), 0);
    CHECK_EQ_INT(stoffel_net_send(w->net[0], 1, buf, len), 0);
    stoffel_net_buffer_free(buf);
    for (int i = 0; i < 20; i++)
        event_base_loop(w->base, EVLOOP_NONBLOCK);
}

static void announce_prep(world *w, uint64_t session)
{
    uint8_t kind = OP_PREP, key[STOFFEL_NET_FINGERPRINT_LEN] = {0}, rid[8] = {0};
    stoffel_net_bytes parts[3] = {{&kind, 1}, {key, sizeof key}, {rid, 8}};
    send_from_0(w, session, "op", parts, 3);
}

static void go(world *w, uint64_t session, const uint8_t *bytes, size_t len)
{
    stoffel_net_bytes part = {bytes, len};
    send_from_0(w, session, "go", &part, 1);
}

static void enable(world *w, uint64_t triples, uint64_t comparisons)
{
    stoffel_vm_party_mpc_config mc;
    stoffel_vm_party_mpc_config_defaults(&mc);
    mc.timeout_ms = 2000;
    mc.prep_triples = triples;
    mc.prep_comparisons = comparisons;
    char err[512] = "";
    CHECK_MSG(stoffel_vm_party_enable_mpc(w->party, w->base, &mc, err, sizeof err) == 0, "%s", err);
}

static void test_config_checks(void)
{
    world w;
    world_up(&w);
    stoffel_vm_party_mpc_config mc;
    stoffel_vm_party_mpc_config_defaults(&mc);
    CHECK_EQ_INT(mc.struct_size, sizeof mc);
    CHECK_EQ_INT(mc.prep_comparisons, 0);
    char err[512] = "";
    mc.prep_comparisons = STOFFEL_VM_PARTY_PREP_COMPARISONS_MAX + 1;
    CHECK_EQ_INT(stoffel_vm_party_enable_mpc(w.party, w.base, &mc, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err, "prep_comparisons up to 100000") != NULL, "%s", err);
    mc.prep_comparisons = STOFFEL_VM_PARTY_PREP_COMPARISONS_MAX;
    mc.prep_triples = STOFFEL_VM_PARTY_PREP_MAX + 1;
    CHECK_EQ_INT(stoffel_vm_party_enable_mpc(w.party, w.base, &mc, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err, "prep_triples and prep_randoms go up to 100000000") != NULL, "%s", err);
    mc.prep_triples = 0;
    CHECK_MSG(stoffel_vm_party_enable_mpc(w.party, w.base, &mc, err, sizeof err) == 0, "%s", err);
    /* a caller compiled before prep_comparisons: its struct ends at prep_field */
    mc.struct_size = offsetof(stoffel_vm_party_mpc_config, prep_comparisons);
    CHECK_MSG(stoffel_vm_party_enable_mpc(w.party, w.base, &mc, err, sizeof err) == 0, "%s", err);
    mc.struct_size = sizeof mc - 1;
    CHECK_EQ_INT(stoffel_vm_party_enable_mpc(w.party, w.base, &mc, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err, "stoffel_vm_party_mpc_config_defaults") != NULL, "%s", err);
    world_down(&w);
}

/* Party 1, configured with levels of its own, preprocesses to the levels in party 0's go: here
 * none at all, which it completes alone (its own 5 triples would need the absent parties). */
static void test_go_levels_are_used(void)
{
    world w;
    world_up(&w);
    enable(&w, 5, 7);
    announce_prep(&w, 0x1111);
    uint8_t bytes[25] = {0}; /* use_pool 0; triples, randoms, comparisons 0 */
    go(&w, 0x1111, bytes, sizeof bytes);
    CHECK_EQ_INT(stoffel_vm_party_poll(w.party), 1);
    CHECK_MSG(strstr(w.log, "preprocessing: 0 triples and 0 random sharings ready, 0 random bits, 0 masks, 0 "
                            "prefix-mask chains (levels 0 triples / 0 randoms / 0 comparisons: 0 bits, 0 masks, "
                            "0 chains)") != NULL,
              "%s", w.log);
    CHECK_EQ_INT(stoffel_vm_party_operation_count(w.party), 1);
    world_down(&w);
}

/* A 1-byte go is an older party 0's: the preprocessing is not run with party 1's own levels. */
static void test_go_without_levels_fails(void)
{
    world w;
    world_up(&w);
    enable(&w, 5, 7);
    announce_prep(&w, 0x2222);
    uint8_t use = 0;
    go(&w, 0x2222, &use, 1);
    CHECK_EQ_INT(stoffel_vm_party_poll(w.party), 1);
    CHECK_MSG(strstr(w.log, "preprocessing not started: party 0 sent no preprocessing levels with its go") != NULL,
              "%s", w.log);
    CHECK(strstr(w.log, "preprocessing: ") == NULL);
    CHECK_EQ_INT(stoffel_vm_party_operation_count(w.party), 0);
    world_down(&w);
}

/* Gos of a wrong length or with levels above the limits are ignored (logged); the operation then
 * waits for a valid one, which comes. */
static void test_bad_gos_are_ignored(void)
{
    world w;
    world_up(&w);
    enable(&w, 0, 0);
    announce_prep(&w, 0x3333);
    uint8_t bytes[26] = {0};
    go(&w, 0x3333, bytes, 24);
    go(&w, 0x3333, bytes, 26);
    CHECK_MSG(strstr(w.log, "ignored a malformed `go` from party 0 (24 bytes; 1, or 25 with preprocessing levels") !=
                  NULL,
              "%s", w.log);
    CHECK(strstr(w.log, "ignored a malformed `go` from party 0 (26 bytes") != NULL);
    uint64_t too_many = STOFFEL_VM_PARTY_PREP_COMPARISONS_MAX + 1;
    memcpy(bytes + 17, &too_many, 8);
    go(&w, 0x3333, bytes, 25);
    CHECK_MSG(strstr(w.log, "ignored a `go` from party 0 with preprocessing levels above the limits (0 triples, 0 "
                            "randoms, 100001 comparisons)") != NULL,
              "%s", w.log);
    memset(bytes, 0, sizeof bytes);
    go(&w, 0x3333, bytes, 25);
    CHECK_EQ_INT(stoffel_vm_party_poll(w.party), 1);
    CHECK_EQ_INT(stoffel_vm_party_operation_count(w.party), 1);
    world_down(&w);
}

int main(void)
{
    test_config_checks();
    test_go_levels_are_used();
    test_go_without_levels_fails();
    test_bad_gos_are_ignored();
    return test_finish();
}
