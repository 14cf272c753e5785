/*
 * test_deploy.c - the party runtime and deploy over the in-memory transport: three parties with
 * their own stores; a deploy succeeds with one hash everywhere, is idempotent, survives a party
 * restart; a party holding another bundle under the name makes deploy fail naming that party; a
 * tampered bundle is refused and changes no store; a silent party makes deploy time out naming it.
 */
#include <event2/event.h>
#include <sqlite3.h>

#include "party_test_util.h"
#include "test_util.h"

enum { N = 3 };

typedef struct {
    struct event_base *base;
    stoffel_net_mem_hub *hub;
    stoffel_net *party_net[N];
    stoffel_vm_party *party[N];
    stoffel_net *client;
    char dir[256];
    char store_path[N][300];
    int log_lines;
} world;

static void count_log(void *user, const char *line)
{
    world *w = user;
    w->log_lines++;
    if (getenv("STOFFEL_TEST_VERBOSE"))
        fprintf(stderr, "party log: %s\n", line);
}

/* Parties 0..live-1 get a runtime; the others only an endpoint that never answers. */
static void world_up(world *w, int live)
{
    memset(w, 0, sizeof *w);
    CHECK_EQ_INT(party_test_tmpdir(w->dir, sizeof w->dir), 0);
    w->base = event_base_new();
    CHECK_EQ_INT(stoffel_net_mem_hub_new(N, &w->hub), 0);
    for (int i = 0; i < N; i++) {
        snprintf(w->store_path[i], sizeof w->store_path[i], "%s/party%d.db", w->dir, i);
        CHECK_EQ_INT(stoffel_net_mem_party_new(w->hub, w->base, (uint32_t)i, NULL, &w->party_net[i]), 0);
        if (i < live) {
            char err[512] = "";
            CHECK_EQ_INT(stoffel_vm_party_new(w->party_net[i], w->store_path[i], &w->party[i], err, sizeof err), 0);
            stoffel_vm_party_set_log(w->party[i], count_log, w);
        }
        CHECK_EQ_INT(stoffel_net_start(w->party_net[i]), 0);
    }
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN];
    memset(key, 0x5c, sizeof key);
    CHECK_EQ_INT(stoffel_net_mem_client_new(w->hub, w->base, key, NULL, &w->client), 0);
    CHECK_EQ_INT(stoffel_net_start(w->client), 0);
}

static void world_down(world *w)
{
    stoffel_net_free(w->client);
    for (int i = 0; i < N; i++) {
        stoffel_vm_party_free(w->party[i]);
        stoffel_net_free(w->party_net[i]);
    }
    stoffel_net_mem_hub_free(w->hub);
    event_base_free(w->base);
    party_test_rmdir(w->dir);
}

static stoffel_vm_bundle *bundle_returning(const char *name, int64_t k)
{
    uint8_t *code = NULL;
    size_t len = 0;
    stoffel_vm_bundle *b = NULL;
    CHECK_EQ_INT(party_test_program(k, &code, &len), 0);
    CHECK_EQ_INT(stoffel_vm_bundle_new(name, NULL, code, len, &b, NULL, 0), 0);
    stoffel_vm_bytes_free(code);
    return b;
}

static void test_deploy_ok(void)
{
    world w;
    world_up(&w, N);
    stoffel_vm_bundle *b = bundle_returning("stats", 42);
    uint8_t hash[32], expect[32], stored[32];
    stoffel_vm_bundle_hash(b, expect);
    char err[600] = "";
    CHECK_MSG(stoffel_vm_deploy(w.client, b, 5000, hash, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(hash, expect, 32) == 0);
    for (int i = 0; i < N; i++) {
        stoffel_vm_party_store *s = stoffel_vm_party_store_of(w.party[i]);
        CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(s, "stats", stored), 0);
        CHECK(memcmp(stored, expect, 32) == 0);
        CHECK_EQ_INT(stoffel_vm_party_request_count(w.party[i]), 1);
    }
    CHECK(w.log_lines >= N);
    /* Deploying the same bundle again succeeds with the same hash. */
    CHECK_MSG(stoffel_vm_deploy(w.client, b, 5000, hash, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(hash, expect, 32) == 0);

    /* Party 1 restarts (new runtime on the same store file): the bundle is still there. */
    stoffel_vm_party_free(w.party[1]);
    w.party[1] = NULL;
    CHECK_EQ_INT(stoffel_vm_party_new(w.party_net[1], w.store_path[1], &w.party[1], err, sizeof err), 0);
    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(stoffel_vm_party_store_of(w.party[1]), "stats", stored), 0);
    CHECK(memcmp(stored, expect, 32) == 0);

    /* A party endpoint cannot deploy. */
    CHECK_EQ_INT(stoffel_vm_deploy(w.party_net[0], b, 100, hash, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    stoffel_vm_bundle_free(b);
    world_down(&w);
}

static void test_conflict_names_party(void)
{
    world w;
    world_up(&w, N);
    /* Party 1 already holds another program under the name. */
    stoffel_vm_bundle *old = bundle_returning("stats", 1), *b = bundle_returning("stats", 2);
    CHECK_EQ_INT(stoffel_vm_party_store_put_bundle(stoffel_vm_party_store_of(w.party[1]), old, NULL), 0);
    char err[600] = "";
    uint8_t hash[32];
    CHECK_EQ_INT(stoffel_vm_deploy(w.client, b, 5000, hash, err, sizeof err), STOFFEL_MPC_ERR_PEER);
    CHECK_MSG(strstr(err, "party 1 refused the bundle") && strstr(err, "`stats`"), "%s", err);
    stoffel_vm_bundle_free(old);
    stoffel_vm_bundle_free(b);
    world_down(&w);
}

/* A party whose store fails (here: an injected trigger error) refuses without local details,
 * keeps nothing, and the deploy names it. */
static void test_store_failure_names_party(void)
{
    world w;
    world_up(&w, N);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(w.store_path[2], &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "CREATE TRIGGER fail BEFORE INSERT ON bundle_names "
                                  "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    stoffel_vm_bundle *b = bundle_returning("stats", 5);
    char err[600] = "";
    uint8_t hash[32];
    CHECK_EQ_INT(stoffel_vm_deploy(w.client, b, 5000, hash, err, sizeof err), STOFFEL_MPC_ERR_PEER);
    CHECK_MSG(strstr(err, "party 2 refused the bundle: the party could not store the bundle") != NULL, "%s", err);
    CHECK_MSG(strstr(err, "disk on fire") == NULL && strstr(err, w.dir) == NULL, "%s", err);
    uint8_t stored[32];
    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(stoffel_vm_party_store_of(w.party[2]), "stats", stored),
                 STOFFEL_ERR_NOT_FOUND);
    stoffel_vm_bundle_free(b);
    world_down(&w);
}

static void test_silent_party(void)
{
    world w;
    world_up(&w, 2); /* party 2 never answers */
    stoffel_vm_bundle *b = bundle_returning("stats", 3);
    char err[600] = "";
    uint8_t hash[32];
    CHECK_EQ_INT(stoffel_vm_deploy(w.client, b, 300, hash, err, sizeof err), STOFFEL_ERR_TIMEOUT);
    CHECK_MSG(strstr(err, "no answer from party 2 within 300 ms") != NULL, "%s", err);
    stoffel_vm_bundle_free(b);
    world_down(&w);
}

/* A tampered bundle, sent as a raw request (the wire format of party_internal.h: protocol "PCT1",
 * parts ["deploy", bytes]), is refused by every party and stored by none. */
static void test_tampered_bundle(void)
{
    world w;
    world_up(&w, N);
    stoffel_vm_bundle *b = bundle_returning("stats", 4);
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    CHECK_EQ_INT(stoffel_vm_bundle_encode(b, &enc, &enc_len), 0);
    enc[enc_len - 3] ^= 0xff; /* inside the bytecode */
    enc[30] ^= 0xff;
    stoffel_net_envelope env = {0};
    env.protocol = 0x50435431;
    env.session_id = 77;
    env.part_count = 2;
    env.parts[0].data = (const uint8_t *)"deploy";
    env.parts[0].len = 6;
    env.parts[1].data = enc;
    env.parts[1].len = enc_len;
    uint8_t *req = NULL;
    size_t req_len = 0;
    CHECK_EQ_INT(stoffel_net_envelope_encode(&env, &req, &req_len), 0);
    CHECK_EQ_INT(stoffel_net_broadcast(w.client, req, req_len), 0);
    stoffel_net_buffer_free(req);
    int refusals = 0;
    for (int i = 0; i < N; i++) {
        stoffel_net_peer from;
        uint8_t *data = NULL;
        size_t len = 0;
        if (stoffel_net_recv(w.client, 3000, &from, &data, &len) != 0)
            break;
        stoffel_net_envelope r;
        if (stoffel_net_envelope_decode(data, len, &r) == 0 && r.session_id == 77 && r.part_count == 2 &&
            r.parts[0].len == 5 && memcmp(r.parts[0].data, "error", 5) == 0 &&
            memmem(r.parts[1].data, r.parts[1].len, "does not verify", 15) != NULL)
            refusals++;
        stoffel_net_buffer_free(data);
    }
    CHECK_EQ_INT(refusals, N);
    uint8_t stored[32];
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(stoffel_vm_party_store_of(w.party[i]), "stats", stored),
                     STOFFEL_ERR_NOT_FOUND);
    stoffel_vm_bytes_free(enc);
    stoffel_vm_bundle_free(b);
    world_down(&w);
}

int main(void)
{
    test_deploy_ok();
    test_conflict_names_party();
    test_store_failure_names_party();
    test_silent_party();
    test_tampered_bundle();
    return test_finish();
}
