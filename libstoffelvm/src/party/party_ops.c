/*
 * party_ops.c - the collective operations of the party runtime: admitting a client's input,
 * running a deployed program over the stored inputs, background preprocessing (when it is due
 * and what it makes: party_prep.c).
 *
 * Party 0 sequences them. Input requests for one program that wait together (up to
 * PARTY_INPUT_BATCH, one per client) form one operation. For each operation it picks a fresh
 * random MPC session id and announces the operation ("op"); every party checks it can take part
 * (the clients asked it too, it holds the program), creates a networked engine for that session only and answers "ready" with the tag of
 * its stored preprocessing pool and a digest of its stored inputs; party 0 then says "go" (or
 * "abort", naming the party that is missing or disagrees; a preprocessing operation's go carries
 * party 0's levels, which every party uses). Creating the engine before "ready"
 * means no party sends MPC frames before every other party can receive them. Because each
 * operation has its own session and engine, a party restarted between operations simply takes
 * part in the next one. Each operation ends with its store changes committed (the input shares
 * before the client is acknowledged) and the unused preprocessing saved under the operation's
 * session as tag; a failed operation drops the pool, since the parties may have consumed
 * different amounts. Inputs neither read nor write the stored pool (uses_stored_pool).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "party_internal.h"

enum { OUTPUT_CAP = 64 * 1024 };

typedef struct {
    uint8_t kind;
    uint64_t session;
    party_request clients[PARTY_INPUT_BATCH]; /* the requests served (inputs: up to a batch) */
    size_t nclients;                          /* 0 for background preprocessing */
    uint8_t program_hash[STOFFEL_VM_BUNDLE_HASH_LEN];
    stoffel_vm_bundle *bundle;
    stoffel_vm_program *program;
    stoffel_mpc_field_id field;
    stoffel_mpc_engine *engine;
    uint8_t digest[32];          /* of the stored inputs (runs) */
    uint64_t pool_tag;
    uint8_t *pool;
    size_t pool_len;
    int use_pool;
    party_prep_levels levels;    /* background preprocessing: party 0's levels */
    uint8_t *outputs;            /* output op: this party's shares of the client's outputs */
    size_t output_count, output_share_size;
    char err[600];
} party_op;

static const char *op_name(uint8_t kind)
{
    return kind == PARTY_OP_INPUT ? "input" : kind == PARTY_OP_RUN ? "run" : kind == PARTY_OP_OUTPUT ? "output"
                                                                                               : "preprocessing";
}

stoffel_mpc_field_id party_field_of(const stoffel_vm_program *program)
{
    switch (stoffel_vm_program_curve(program)) {
    case STOFFEL_VM_CURVE_BN254:
        return STOFFEL_MPC_FIELD_BN254;
    case STOFFEL_VM_CURVE_ED25519:
    case STOFFEL_VM_CURVE_CURVE25519:
        return STOFFEL_MPC_FIELD_ED25519;
    default:
        return STOFFEL_MPC_FIELD_BLS12_381;
    }
}

/* One turn of the event loop, at most until deadline_ms. Returns 1 once the deadline passed. */
static int turn(stoffel_vm_party *p, int64_t deadline_ms)
{
    int64_t left = deadline_ms - party_now_ms();
    if (left <= 0)
        return 1;
    struct timeval tv = {(time_t)(left / 1000), (suseconds_t)((left % 1000) * 1000)};
    evtimer_add(p->wake, &tv);
    event_base_loop(p->base, EVLOOP_ONCE);
    evtimer_del(p->wake);
    return party_now_ms() >= deadline_ms;
}

/* Removes and returns (in *out) the first signal of session from party `from` (any party when
 * from is UINT32_MAX); 0 when found. */
static int take_signal(stoffel_vm_party *p, uint64_t session, uint32_t from, party_signal *out)
{
    for (size_t i = 0; i < p->nsignals; i++)
        if (p->signals[i].session == session && (from == UINT32_MAX || p->signals[i].party == from)) {
            *out = p->signals[i];
            memmove(&p->signals[i], &p->signals[i + 1], (p->nsignals - i - 1) * sizeof *p->signals);
            p->nsignals--;
            return 0;
        }
    return -1;
}

static int digest_record(void *user, size_t index, uint64_t client_id, const uint8_t *shares, size_t share_size,
                         size_t count)
{
    (void)index;
    (void)shares;
    (void)share_size;
    uint8_t rec[16];
    party_put_u64(rec, client_id);
    party_put_u64(rec + 8, (uint64_t)count);
    crypto_generichash_update(user, rec, sizeof rec);
    return 0;
}

/* Digest of the stored inputs of a program: (client id, count) of every record in order. */
static int inputs_digest(stoffel_vm_party *p, const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN], uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, (const uint8_t *)"stoffel-party-inputs", 20, 32);
    int rc = store_each_input(p->store, program, digest_record, &st);
    if (rc == 0)
        crypto_generichash_final(&st, out, 32);
    return rc;
}

/* Waits (at most max_ms) until this party's links to every other party are up: a party that
 * just restarted is dialled again by some peers only once they notice the old connection died,
 * and an operation started before would lose their frames. */
static void wait_for_links(stoffel_vm_party *p, int64_t max_ms)
{
    int64_t deadline = party_now_ms() + max_ms;
    for (;;) {
        uint32_t down = 0;
        for (uint32_t j = 0; j < p->n; j++)
            if (j != p->me && stoffel_net_party_state(p->net, j) != STOFFEL_NET_STATE_CONNECTED)
                down++;
        if (down == 0 || turn(p, deadline))
            return;
    }
}

/* An input needs one random mask per value: made for the operation (one more exchange) instead of
 * taken from the stored pool, because reading and rewriting the whole pool (megabytes after a
 * large run, with secure_delete) around every input would cost more than the input itself. */
static int uses_stored_pool(const party_op *op)
{
    return op->kind != PARTY_OP_INPUT;
}

/* Everything a party needs before it can say ready: the program (input, run), the stored pool,
 * the engine for the session. */
static int prepare(stoffel_vm_party *p, party_op *op)
{
    char err[512] = "";
    /* runs in robust mode go ahead without parties that are down: wait only briefly for them */
    int everyone = op->kind != PARTY_OP_RUN || p->security != STOFFEL_MPC_ROBUST;
    wait_for_links(p, everyone ? p->mpc.timeout_ms / 2 : 1000);
    if (op->kind == PARTY_OP_PREP) {
        op->field = p->mpc.prep_field;
    } else {
        int rc = stoffel_vm_party_store_get_bundle(p->store, op->program_hash, &op->bundle);
        if (rc) {
            party_log(p, "cannot load the program for an operation: %s", stoffel_vm_party_store_last_error(p->store));
            snprintf(op->err, sizeof op->err, "party %u cannot load the program: %s", p->me,
                     rc == STOFFEL_ERR_NOT_FOUND ? "it is not deployed here; run `stoffel deploy` again"
                                                 : "its stored copy is damaged (its log says why)");
            return rc;
        }
        size_t len = 0;
        const uint8_t *code = stoffel_vm_bundle_code(op->bundle, &len);
        rc = stoffel_vm_program_load(code, len, &op->program, err, sizeof err);
        if (rc) {
            snprintf(op->err, sizeof op->err, "party %u cannot load the program: %s", p->me, err);
            return rc;
        }
        op->field = party_field_of(op->program);
        if (op->kind == PARTY_OP_OUTPUT) {
            uint64_t client = stoffel_mpc_client_id_from_key(op->clients[0].client_key), run_id = 0;
            rc = store_latest_output_run(p->store, op->program_hash, client, &run_id);
            if (rc == 0)
                rc = stoffel_vm_party_store_get_output(p->store, run_id, client, &op->outputs,
                                                       &op->output_share_size, &op->output_count);
            if (rc) {
                snprintf(op->err, sizeof op->err, "party %u holds no outputs of this program for this client%s",
                         p->me, rc == STOFFEL_ERR_NOT_FOUND ? " (no run sent it any)" : " (its log says why)");
                if (rc != STOFFEL_ERR_NOT_FOUND)
                    party_log(p, "cannot read outputs: %s", stoffel_vm_party_store_last_error(p->store));
                return rc;
            }
        }
        if (op->kind == PARTY_OP_RUN) {
            if ((rc = inputs_digest(p, op->program_hash, op->digest)) != 0) {
                party_log(p, "cannot read the stored inputs: %s", stoffel_vm_party_store_last_error(p->store));
                snprintf(op->err, sizeof op->err, "party %u cannot read its stored inputs (its log says why)", p->me);
                return rc;
            }
        }
    }
    int rc = uses_stored_pool(op) ? store_get_pool(p->store, (int)op->field, &op->pool_tag, &op->pool, &op->pool_len)
                                  : STOFFEL_ERR_NOT_FOUND;
    if (rc && rc != STOFFEL_ERR_NOT_FOUND) {
        party_log(p, "cannot read the preprocessing pool: %s", stoffel_vm_party_store_last_error(p->store));
        op->pool_tag = 0;
    }
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.n = p->n;
    cfg.t = p->mpc.threshold;
    cfg.field = op->field;
    cfg.security = p->security;
    cfg.session_id = op->session;
    cfg.timeout_ms = p->mpc.timeout_ms;
    rc = stoffel_mpc_engine_new_networked(&cfg, p->base, p->net, &op->engine, err, sizeof err);
    if (rc) {
        party_install_callbacks(p);
        snprintf(op->err, sizeof op->err, "party %u cannot create its MPC engine: %s", p->me, err);
        return rc;
    }
    stoffel_mpc_engine_net_set_foreign_handler(op->engine, party_take_frame, p);
    return 0;
}

static void op_release(stoffel_vm_party *p, party_op *op)
{
    party_signal late;
    while (op->session && take_signal(p, op->session, UINT32_MAX, &late) == 0)
        ; /* answers that came after the decision */
    if (op->engine) {
        stoffel_mpc_engine_free(op->engine);
        op->engine = NULL;
        party_install_callbacks(p);
    }
    stoffel_vm_party_secret_free(op->pool, op->pool_len);
    op->pool = NULL;
    stoffel_vm_party_secret_free(op->outputs, op->output_count * op->output_share_size);
    op->outputs = NULL;
    stoffel_vm_program_free(op->program);
    stoffel_vm_bundle_free(op->bundle);
    op->program = NULL;
    op->bundle = NULL;
}

static void fail_to_client(stoffel_vm_party *p, const party_op *op)
{
    for (size_t k = 0; k < op->nclients; k++)
        party_reply_error(p, op->clients[k].client_key, op->clients[k].request_id, op->err);
    if (op->nclients == 0)
        party_log(p, "%s failed: %s", op_name(op->kind), op->err);
}

/* Party 0: announce, collect the others' answers, decide. Returns 0 to go ahead. */
static int leader_barrier(stoffel_vm_party *p, party_op *op)
{
    uint8_t kind = op->kind;
    uint8_t keys[PARTY_INPUT_BATCH * STOFFEL_NET_FINGERPRINT_LEN] = {0}, rids[PARTY_INPUT_BATCH * 8] = {0};
    size_t k = op->nclients ? op->nclients : 1; /* background preprocessing: one all-zero entry */
    for (size_t i = 0; i < op->nclients; i++) {
        memcpy(keys + i * STOFFEL_NET_FINGERPRINT_LEN, op->clients[i].client_key, STOFFEL_NET_FINGERPRINT_LEN);
        party_put_u64(rids + 8 * i, op->clients[i].request_id);
    }
    stoffel_net_bytes parts[3] = {{&kind, 1}, {keys, k * STOFFEL_NET_FINGERPRINT_LEN}, {rids, 8 * k}};
    for (uint32_t j = 1; j < p->n; j++)
        party_send(p, j, op->session, "op", parts, 3);
    uint8_t *ready = calloc(p->n, 1);
    uint64_t *tags = calloc(p->n, sizeof *tags);
    if (!ready || !tags) {
        free(ready);
        free(tags);
        snprintf(op->err, sizeof op->err, "party 0 is out of memory");
        return STOFFEL_ERR_NOMEM;
    }
    ready[0] = 1;
    tags[0] = op->pool_tag;
    uint32_t nready = 1;
    /* a run in robust mode may go ahead without up to t parties that are down; inputs and
     * preprocessing need everyone (every party must hold the same inputs and pools) */
    uint32_t need_min = (op->kind == PARTY_OP_RUN && p->security == STOFFEL_MPC_ROBUST) ? p->n - p->mpc.threshold : p->n;
    int64_t start = party_now_ms(), deadline = start + p->mpc.timeout_ms;
    int rc = 0;
    for (;;) {
        party_signal sig;
        while (take_signal(p, op->session, UINT32_MAX, &sig) == 0) {
            if (sig.party >= p->n || ready[sig.party])
                continue;
            if (!sig.ready) {
                snprintf(op->err, sizeof op->err, "party %u cannot take part: %s", sig.party, sig.reason);
                rc = STOFFEL_MPC_ERR_PEER;
                break;
            }
            if (op->kind == PARTY_OP_RUN && sodium_memcmp(sig.digest, op->digest, 32) != 0) {
                snprintf(op->err, sizeof op->err,
                         "party %u holds a different set of client inputs for this program than party 0 (an input "
                         "was acknowledged by only some parties); the run is refused",
                         sig.party);
                rc = STOFFEL_MPC_ERR_PEER;
                break;
            }
            ready[sig.party] = 1;
            tags[sig.party] = sig.pool_tag;
            nready++;
        }
        if (rc || nready == p->n)
            break;
        int missing_down = 1;
        for (uint32_t j = 1; j < p->n; j++)
            if (!ready[j] && stoffel_net_party_state(p->net, j) == STOFFEL_NET_STATE_CONNECTED)
                missing_down = 0;
        /* the absent parties are down (or silent for a while): go ahead when enough are here */
        if (nready >= need_min && (missing_down || party_now_ms() - start > 3000))
            break;
        if (nready < need_min && missing_down && party_now_ms() - start > 2000) {
            char missing[200] = "";
            size_t off = 0;
            for (uint32_t j = 1; j < p->n && off + 12 < sizeof missing; j++)
                if (!ready[j])
                    off += (size_t)snprintf(missing + off, sizeof missing - off, "%s%u", off ? ", " : "", j);
            snprintf(op->err, sizeof op->err,
                     "party %s is unreachable (its link is down), and the %s needs %u of %u parties; start it with "
                     "`stoffel party` and try again",
                     missing, op_name(op->kind), need_min, p->n);
            rc = STOFFEL_ERR_TIMEOUT;
            break;
        }
        if (turn(p, deadline)) {
            char missing[200] = "";
            size_t off = 0;
            for (uint32_t j = 1; j < p->n && off + 12 < sizeof missing; j++)
                if (!ready[j])
                    off += (size_t)snprintf(missing + off, sizeof missing - off, "%s%u", off ? ", " : "", j);
            snprintf(op->err, sizeof op->err,
                     "party %s did not get ready for the %s within %u ms; check that `stoffel party` runs for it%s",
                     missing, op_name(op->kind), p->mpc.timeout_ms,
                     op->nclients ? " and that the client sent its request to every party" : "");
            rc = STOFFEL_ERR_TIMEOUT;
            break;
        }
    }
    if (rc == 0) {
        op->use_pool = op->pool_tag != 0;
        for (uint32_t j = 0; j < p->n; j++)
            if (ready[j] && tags[j] != op->pool_tag)
                op->use_pool = 0;
        /* background preprocessing: party 0's levels go with the go, so every engine is asked for
         * the same amounts whatever levels the others were started with */
        uint8_t go[PARTY_GO_LEVELS_LEN] = {(uint8_t)op->use_pool};
        party_put_u64(go + 1, op->levels.triples);
        party_put_u64(go + 9, op->levels.randoms);
        party_put_u64(go + 17, op->levels.comparisons);
        stoffel_net_bytes part = {go, op->kind == PARTY_OP_PREP ? (size_t)PARTY_GO_LEVELS_LEN : 1};
        for (uint32_t j = 1; j < p->n; j++)
            if (ready[j])
                party_send(p, j, op->session, "go", &part, 1);
        if (nready < p->n)
            party_log(p, "%s goes ahead with %u of %u parties", op_name(op->kind), nready, p->n);
    } else {
        stoffel_net_bytes part = {(const uint8_t *)op->err, strlen(op->err)};
        for (uint32_t j = 1; j < p->n; j++)
            party_send(p, j, op->session, "abort", &part, 1);
    }
    free(ready);
    free(tags);
    return rc;
}

/* Other parties: say ready and wait for party 0's go. Returns 0 to go ahead. */
static int follower_barrier(stoffel_vm_party *p, party_op *op)
{
    uint8_t tag[8];
    party_put_u64(tag, op->pool_tag);
    stoffel_net_bytes parts[2] = {{tag, 8}, {op->digest, 32}};
    party_send(p, 0, op->session, "ready", parts, 2);
    /* party 0 may wait a whole timeout for a missing party before it decides */
    int64_t deadline = party_now_ms() + 2 * (int64_t)p->mpc.timeout_ms + 2000;
    for (;;) {
        party_signal sig;
        if (take_signal(p, op->session, 0, &sig) == 0) {
            if (!sig.ready) {
                snprintf(op->err, sizeof op->err, "party 0 called the %s off: %s", op_name(op->kind), sig.reason);
                return STOFFEL_MPC_ERR_PEER;
            }
            op->use_pool = sig.use_pool && op->pool_tag != 0;
            if (op->kind == PARTY_OP_PREP) {
                if (!sig.has_levels) {
                    snprintf(op->err, sizeof op->err,
                             "party 0 sent no preprocessing levels with its go (it runs an older version); run the "
                             "same version of `stoffel party` at every party");
                    return STOFFEL_MPC_ERR_PEER;
                }
                op->levels = sig.levels;
            }
            return 0;
        }
        if (turn(p, deadline)) {
            snprintf(op->err, sizeof op->err, "party 0 never started the %s", op_name(op->kind));
            return STOFFEL_ERR_TIMEOUT;
        }
    }
}

/* ---- operation bodies ---- */

static int store_run_outputs(stoffel_vm_party *p, party_op *op, uint64_t run_id);

/* The request of the batch from this client id, or NULL (also for a second input of one id). */
static const party_request *batch_request(const party_op *op, uint64_t client_id, uint8_t *taken)
{
    for (size_t k = 0; k < op->nclients; k++)
        if (!taken[k] && stoffel_mpc_client_id_from_key(op->clients[k].client_key) == client_id) {
            taken[k] = 1;
            return &op->clients[k];
        }
    return NULL;
}

/* Stores each admitted client's shares (committed before that client hears "stored"). */
static int store_inputs(stoffel_vm_party *p, party_op *op)
{
    stoffel_mpc_engine *e = op->engine;
    size_t ss = stoffel_mpc_engine_share_size(e);
    uint8_t taken[PARTY_INPUT_BATCH] = {0};
    const party_request *owner[PARTY_INPUT_BATCH];
    /* first check that the admitted inputs are exactly the batch's, so nothing is stored otherwise */
    for (size_t i = 0; i < op->nclients; i++) {
        uint64_t id = 0;
        size_t count = 0;
        owner[i] = stoffel_mpc_engine_client_id(e, i, &id) == 0 ? batch_request(op, id, taken) : NULL;
        if (!owner[i] || stoffel_mpc_engine_client_input_count(e, i, &count) != 0 || count != owner[i]->count) {
            snprintf(op->err, sizeof op->err,
                     "party %u: the inputs admitted were not the requesting clients' (input %zu: %zu values from "
                     "client %016llx)", p->me, i, count, (unsigned long long)id);
            return STOFFEL_MPC_ERR_PEER;
        }
    }
    for (size_t i = 0; i < op->nclients; i++) {
        const party_request *r = owner[i];
        uint64_t id = stoffel_mpc_client_id_from_key(r->client_key), seq = 0;
        uint8_t *shares = calloc(r->count, ss);
        if (!shares) {
            snprintf(op->err, sizeof op->err, "party %u is out of memory", p->me);
            return STOFFEL_ERR_NOMEM;
        }
        int rc = 0;
        for (size_t k = 0; k < r->count && rc == 0; k++)
            rc = stoffel_mpc_engine_client_input_get(e, i, k, shares + k * ss);
        if (rc == 0)
            rc = stoffel_vm_party_store_put_input(p->store, op->program_hash, id, shares, ss, r->count, &seq);
        stoffel_vm_party_secret_free(shares, r->count * ss);
        if (rc) {
            party_log(p, "could not store an input: %s", stoffel_vm_party_store_last_error(p->store));
            snprintf(op->err, sizeof op->err, "party %u could not store the input (its log says why)", p->me);
            return rc;
        }
        /* committed: now the client may hear that this party holds its input */
        uint8_t s8[8];
        party_put_u64(s8, seq);
        stoffel_net_bytes part = {s8, 8};
        party_reply(p, r->client_key, r->request_id, "stored", &part, 1);
        party_log(p, "stored input #%llu (%llu values) of client %016llx", (unsigned long long)seq,
                  (unsigned long long)r->count, (unsigned long long)id);
    }
    return 0;
}

/* The mask protocol for every client of the batch (one session), then their shares are stored. */
static int body_input(stoffel_vm_party *p, party_op *op)
{
    stoffel_mpc_engine *e = op->engine;
    if (p->me == 0) {
        uint8_t session[8], t[4], field = (uint8_t)op->field, robust = p->security == STOFFEL_MPC_ROBUST;
        party_put_u64(session, op->session);
        memcpy(t, &p->mpc.threshold, 4);
        stoffel_net_bytes parts[4] = {{session, 8}, {&field, 1}, {t, 4}, {&robust, 1}};
        for (size_t k = 0; k < op->nclients; k++)
            party_reply(p, op->clients[k].client_key, op->clients[k].request_id, "session", parts, 4);
    }
    int rc = stoffel_mpc_engine_net_accept_inputs(e, op->nclients, (int)p->mpc.timeout_ms);
    if (rc) {
        snprintf(op->err, sizeof op->err, "party %u: the input protocol failed: %s", p->me,
                 stoffel_mpc_engine_last_error(e));
        return rc;
    }
    if (stoffel_mpc_engine_client_count(e) != op->nclients) {
        snprintf(op->err, sizeof op->err, "party %u: %zu inputs were admitted for %zu requests", p->me,
                 stoffel_mpc_engine_client_count(e), op->nclients);
        return STOFFEL_MPC_ERR_PEER;
    }
    return store_inputs(p, op);
}

typedef struct {
    char *buf;
    size_t len;
    int truncated;
} captured_output;

static void capture_line(void *user, const char *text, size_t len)
{
    captured_output *o = user;
    if (o->len + len + 1 > OUTPUT_CAP) {
        o->truncated = 1;
        return;
    }
    memcpy(o->buf + o->len, text, len);
    o->len += len;
    o->buf[o->len++] = '\n';
}

typedef struct {
    stoffel_vm_party *p;
    party_op *op;
} restore_ctx;

static int restore_record(void *user, size_t index, uint64_t client_id, const uint8_t *shares, size_t share_size,
                          size_t count)
{
    restore_ctx *c = user;
    if (share_size != stoffel_mpc_engine_share_size(c->op->engine)) {
        snprintf(c->op->err, sizeof c->op->err, "party %u: stored input %zu has %zu-byte shares, the program's field %zu",
                 c->p->me, index, share_size, stoffel_mpc_engine_share_size(c->op->engine));
        return STOFFEL_ERR_MALFORMED;
    }
    int rc = stoffel_mpc_engine_net_restore_input(c->op->engine, client_id, shares, count);
    if (rc)
        snprintf(c->op->err, sizeof c->op->err, "party %u: stored input %zu: %s", c->p->me, index,
                 stoffel_mpc_engine_last_error(c->op->engine));
    return rc;
}

/* Puts every stored input of the program into the engine's ClientStore. */
static int restore_inputs(stoffel_vm_party *p, party_op *op)
{
    restore_ctx c = {p, op};
    int rc = store_each_input(p->store, op->program_hash, restore_record, &c);
    if (rc && !op->err[0]) {
        party_log(p, "cannot read the stored inputs: %s", stoffel_vm_party_store_last_error(p->store));
        snprintf(op->err, sizeof op->err, "party %u cannot read its stored inputs (its log says why)", p->me);
    }
    return rc;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs the VM on the engine; result text (malloc'd) in *result. */
static int execute_program(stoffel_vm_party *p, party_op *op, captured_output *out, char **result,
                           uint64_t stats[PARTY_STATS_COUNT])
{
    stoffel_vm *vm = NULL;
    char err[512] = "";
    int rc = stoffel_vm_new(op->program, NULL, &vm, err, sizeof err);
    if (rc) {
        snprintf(op->err, sizeof op->err, "party %u cannot start the VM: %s", p->me, err);
        return rc;
    }
    stoffel_vm_attach_engine(vm, op->engine);
    stoffel_vm_set_output(vm, capture_line, out);
    stoffel_vm_party_store_use_namespace(p->store, op->program_hash);
    stoffel_vm_set_storage(vm, stoffel_vm_party_store_storage_interface(), p->store);

    /* preprocessing the manifest asks for, as its own phase (more is made on demand) */
    stoffel_vm_demand demand;
    stoffel_vm_program_demand(op->program, &demand);
    size_t have_t = 0, have_r = 0;
    stoffel_mpc_engine_net_pool_size(op->engine, &have_t, &have_r);
    uint64_t t0 = now_ns();
    if (demand.triples > have_t || demand.randoms > have_r) {
        rc = stoffel_mpc_engine_net_preprocess(op->engine, demand.triples > have_t ? demand.triples - have_t : 0,
                                               demand.randoms > have_r ? demand.randoms - have_r : 0);
        if (rc) {
            snprintf(op->err, sizeof op->err, "party %u: preprocessing failed: %s", p->me,
                     stoffel_mpc_engine_last_error(op->engine));
            stoffel_vm_free(vm);
            return rc;
        }
    }
    stoffel_mpc_stats before = {.struct_size = sizeof before};
    stoffel_mpc_engine_get_stats(op->engine, &before);
    uint64_t t1 = now_ns();
    stoffel_vm_value value, shown;
    rc = stoffel_vm_execute(vm, stoffel_vm_bundle_entry(op->bundle), NULL, 0, &value);
    if (rc == 0) {
        shown = value;
        if (value.kind == STOFFEL_VM_SHARE || value.kind == STOFFEL_VM_OBJECT)
            rc = stoffel_vm_reveal(vm, &value, &shown);
    }
    if (rc == 0)
        rc = stoffel_vm_format_value(vm, &shown, STOFFEL_VM_FORMAT_RESULT, result);
    if (rc)
        snprintf(op->err, sizeof op->err, "party %u: the program failed: %s", p->me, stoffel_vm_last_error(vm));
    uint64_t t2 = now_ns();
    stoffel_mpc_stats after = {.struct_size = sizeof after};
    stoffel_mpc_engine_get_stats(op->engine, &after);
    stats[PARTY_STATS_PREP_NS] = after.preprocessing_ns;
    stats[PARTY_STATS_PREP_ROUNDS] = after.preprocessing_rounds;
    stats[PARTY_STATS_PREP_BYTES] = before.bytes_sent;
    stats[PARTY_STATS_ONLINE_NS] = (t2 - t1) - (after.preprocessing_ns - before.preprocessing_ns);
    stats[PARTY_STATS_ONLINE_ROUNDS] = after.rounds;
    stats[PARTY_STATS_ONLINE_BYTES] = after.bytes_sent - before.bytes_sent;
    (void)t0;
    stoffel_vm_free(vm);
    return rc;
}

static int body_run(stoffel_vm_party *p, party_op *op)
{
    uint64_t stats[PARTY_STATS_COUNT] = {0};
    uint64_t start = now_ns();
    int rc = restore_inputs(p, op);
    stats[PARTY_STATS_INPUT_NS] = now_ns() - start;
    if (rc)
        return rc;
    uint64_t run_id = 0;
    if ((rc = stoffel_vm_party_store_begin_run(p->store, op->program_hash, &run_id)) != 0) {
        party_log(p, "cannot record the run: %s", stoffel_vm_party_store_last_error(p->store));
        snprintf(op->err, sizeof op->err, "party %u cannot record the run (its log says why)", p->me);
        return rc;
    }
    captured_output out = {malloc(OUTPUT_CAP), 0, 0};
    char *result = NULL;
    if (!out.buf) {
        snprintf(op->err, sizeof op->err, "party %u is out of memory", p->me);
        rc = STOFFEL_ERR_NOMEM;
    } else {
        rc = execute_program(p, op, &out, &result, stats);
    }
    if (rc == 0 && stoffel_mpc_engine_net_output_count(op->engine) > 0 && store_run_outputs(p, op, run_id) != 0) {
        snprintf(op->err, sizeof op->err, "party %u could not store the run's outputs (its log says why)", p->me);
        rc = STOFFEL_ERR_IO;
    }
    stats[PARTY_STATS_TOTAL_NS] = now_ns() - start;
    int frc;
    if (rc == 0)
        frc = stoffel_vm_party_store_finish_run(p->store, run_id, STOFFEL_VM_PARTY_RUN_DONE, (const uint8_t *)result,
                                                strlen(result));
    else
        frc = stoffel_vm_party_store_finish_run(p->store, run_id, STOFFEL_VM_PARTY_RUN_FAILED,
                                                (const uint8_t *)op->err, strlen(op->err));
    if (frc)
        party_log(p, "cannot record the end of run %llu: %s", (unsigned long long)run_id,
                  stoffel_vm_party_store_last_error(p->store));
    if (rc == 0) {
        uint8_t rid[8], st[PARTY_STATS_COUNT * 8];
        party_put_u64(rid, run_id);
        for (int k = 0; k < PARTY_STATS_COUNT; k++)
            party_put_u64(st + 8 * k, stats[k]);
        stoffel_net_bytes parts[4] = {
            {rid, 8}, {(const uint8_t *)result, strlen(result)}, {(const uint8_t *)out.buf, out.len}, {st, sizeof st}};
        party_reply(p, op->clients[0].client_key, op->clients[0].request_id, "result", parts, 4);
        party_log(p, "run %llu done: returned %s (%.3f s)", (unsigned long long)run_id, result,
                  (double)stats[PARTY_STATS_TOTAL_NS] / 1e9);
    }
    stoffel_vm_bytes_free(result);
    free(out.buf);
    return rc;
}

/* Files the outputs the run produced for clients: one record per client (its values in the
 * order the program sent them). */
static int store_run_outputs(stoffel_vm_party *p, party_op *op, uint64_t run_id)
{
    stoffel_mpc_engine *e = op->engine;
    size_t nout = stoffel_mpc_engine_net_output_count(e), ss = stoffel_mpc_engine_share_size(e);
    int rc = 0;
    for (size_t i = 0; i < nout && rc == 0; i++) {
        uint64_t client = 0;
        size_t cnt = 0;
        stoffel_mpc_engine_net_output_get(e, i, &client, &cnt, NULL);
        int seen = 0;
        for (size_t k = 0; k < i; k++) {
            uint64_t c2 = 0;
            stoffel_mpc_engine_net_output_get(e, k, &c2, NULL, NULL);
            seen |= c2 == client;
        }
        if (seen)
            continue;
        size_t total = 0;
        for (size_t k = i; k < nout; k++) {
            uint64_t c2 = 0;
            size_t n2 = 0;
            stoffel_mpc_engine_net_output_get(e, k, &c2, &n2, NULL);
            if (c2 == client)
                total += n2;
        }
        uint8_t *buf = calloc(total ? total : 1, ss);
        if (!buf)
            return STOFFEL_ERR_NOMEM;
        size_t at = 0;
        for (size_t k = i; k < nout; k++) {
            uint64_t c2 = 0;
            size_t n2 = 0;
            stoffel_mpc_engine_net_output_get(e, k, &c2, &n2, NULL);
            if (c2 == client) {
                stoffel_mpc_engine_net_output_get(e, k, NULL, NULL, buf + at * ss);
                at += n2;
            }
        }
        rc = stoffel_vm_party_store_put_output(p->store, run_id, client, buf, ss, total);
        stoffel_vm_party_secret_free(buf, total * ss);
        if (rc)
            party_log(p, "cannot store the outputs of run %llu: %s", (unsigned long long)run_id,
                      stoffel_vm_party_store_last_error(p->store));
        else
            party_log(p, "run %llu: stored %zu output value(s) for client %016llx", (unsigned long long)run_id, total,
                      (unsigned long long)client);
    }
    return rc;
}

static int body_output(stoffel_vm_party *p, party_op *op)
{
    stoffel_mpc_engine *e = op->engine;
    if (op->output_share_size != stoffel_mpc_engine_share_size(e)) {
        snprintf(op->err, sizeof op->err, "party %u: the stored outputs do not belong to the program's field", p->me);
        return STOFFEL_ERR_MALFORMED;
    }
    uint64_t client = stoffel_mpc_client_id_from_key(op->clients[0].client_key);
    int rc = stoffel_mpc_engine_net_restore_output(e, client, op->outputs, op->output_count);
    if (rc) {
        snprintf(op->err, sizeof op->err, "party %u: %s", p->me, stoffel_mpc_engine_last_error(e));
        return rc;
    }
    if (p->me == 0) {
        uint8_t session[8], t[4], cnt[8], field = (uint8_t)op->field, robust = p->security == STOFFEL_MPC_ROBUST;
        party_put_u64(session, op->session);
        memcpy(t, &p->mpc.threshold, 4);
        party_put_u64(cnt, op->output_count);
        stoffel_net_bytes parts[5] = {{session, 8}, {&field, 1}, {t, 4}, {&robust, 1}, {cnt, 8}};
        party_reply(p, op->clients[0].client_key, op->clients[0].request_id, "session", parts, 5);
    }
    rc = stoffel_mpc_engine_net_serve_outputs(e, (int)p->mpc.timeout_ms);
    if (rc) {
        snprintf(op->err, sizeof op->err, "party %u: serving the outputs failed: %s", p->me,
                 stoffel_mpc_engine_last_error(e));
        return rc;
    }
    party_log(p, "served %zu output value(s) to client %016llx", op->output_count, (unsigned long long)client);
    return 0;
}

/* Runs an operation this party has agreed to take part in, from its barrier to its end. */
static void run_operation(stoffel_vm_party *p, party_op *op)
{
    int rc = prepare(p, op);
    if (rc) {
        if (p->me == 0) {
            /* the others have not been told yet */
            fail_to_client(p, op);
        } else {
            stoffel_net_bytes part = {(const uint8_t *)op->err, strlen(op->err)};
            party_send(p, 0, op->session, "notready", &part, 1);
            fail_to_client(p, op);
        }
        op_release(p, op);
        return;
    }
    rc = p->me == 0 ? leader_barrier(p, op) : follower_barrier(p, op);
    if (rc) {
        party_log(p, "%s not started: %s", op_name(op->kind), op->err);
        if (p->me == 0)
            fail_to_client(p, op);
        op_release(p, op);
        return;
    }
    if (op->use_pool) {
        rc = stoffel_mpc_engine_net_pool_import(op->engine, op->pool, op->pool_len);
        if (rc)
            party_log(p, "could not use the stored preprocessing: %s", stoffel_mpc_engine_last_error(op->engine));
    } else if (op->pool) {
        party_log(p, "the parties' stored preprocessing differs; it is dropped and made afresh");
    }
    if (rc == 0) {
        rc = op->kind == PARTY_OP_INPUT    ? body_input(p, op)
             : op->kind == PARTY_OP_RUN    ? body_run(p, op)
             : op->kind == PARTY_OP_OUTPUT ? body_output(p, op)
                                           : party_prep_top_up(p, op->engine, &op->levels, op->err,
                                                               sizeof op->err);
    }
    if (rc == 0 && !uses_stored_pool(op)) {
        p->operations++; /* the stored pool stays as it was */
    } else if (rc == 0) {
        uint8_t *pool = NULL;
        size_t len = 0;
        if (stoffel_mpc_engine_net_pool_export(op->engine, &pool, &len) == 0) {
            if (store_put_pool(p->store, (int)op->field, op->session, pool, len) != 0)
                party_log(p, "could not save the preprocessing pool: %s", stoffel_vm_party_store_last_error(p->store));
            else
                party_prep_note_stored(p, op->engine, op->field, op->session);
            stoffel_vm_party_secret_free(pool, len);
        }
        p->operations++;
    } else {
        /* the parties may have consumed different amounts: never reuse this pool */
        if (uses_stored_pool(op))
            store_drop_pool(p->store, (int)op->field);
        fail_to_client(p, op);
    }
    op_release(p, op);
}

/* The queued request with this kind, key and request id, or -1. */
static int find_request(stoffel_vm_party *p, uint8_t kind, const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                        uint64_t request_id)
{
    for (size_t i = 0; i < p->nqueue; i++)
        if (p->queue[i].kind == kind && p->queue[i].request_id == request_id &&
            sodium_memcmp(p->queue[i].client_key, key, STOFFEL_NET_FINGERPRINT_LEN) == 0)
            return (int)i;
    return -1;
}

static void unqueue(stoffel_vm_party *p, size_t i)
{
    memmove(&p->queue[i], &p->queue[i + 1], (p->nqueue - i - 1) * sizeof *p->queue);
    p->nqueue--;
}

/* Moves queue[i] into the operation's requests. */
static void op_take_request(stoffel_vm_party *p, party_op *op, size_t i)
{
    const party_request *r = &p->queue[i];
    op->kind = r->kind;
    memcpy(op->program_hash, r->program, sizeof op->program_hash);
    op->clients[op->nclients++] = *r;
    unqueue(p, i);
}

static int leader_poll(stoffel_vm_party *p)
{
    party_op op = {0};
    if (p->nqueue > 0) {
        op_take_request(p, &op, 0);
        /* further queued inputs for the same program join the operation (one per client) */
        for (size_t i = 0; op.kind == PARTY_OP_INPUT && i < p->nqueue && op.nclients < PARTY_INPUT_BATCH;) {
            int same = p->queue[i].kind == PARTY_OP_INPUT &&
                       memcmp(p->queue[i].program, op.program_hash, sizeof op.program_hash) == 0;
            for (size_t k = 0; same && k < op.nclients; k++)
                same = sodium_memcmp(op.clients[k].client_key, p->queue[i].client_key, STOFFEL_NET_FINGERPRINT_LEN) != 0;
            if (same)
                op_take_request(p, &op, i);
            else
                i++;
        }
    } else if (party_prep_due(p)) {
        op.kind = PARTY_OP_PREP;
        op.levels = (party_prep_levels){p->mpc.prep_triples, p->mpc.prep_randoms, p->mpc.prep_comparisons};
    } else {
        return 0;
    }
    do
        randombytes_buf(&op.session, sizeof op.session);
    while (op.session == 0);
    if (op.nclients > 1)
        party_log(p, "starting %s of %zu clients (session %016llx)", op_name(op.kind), op.nclients,
                  (unsigned long long)op.session);
    else
        party_log(p, "starting %s (session %016llx)", op_name(op.kind), (unsigned long long)op.session);
    run_operation(p, &op);
    p->idle_since_ms = party_now_ms();
    return 1;
}

static int follower_poll(stoffel_vm_party *p)
{
    int64_t now = party_now_ms();
    /* requests party 0 never announced (it refused them, or they never reached it) expire */
    for (size_t i = 0; i < p->nqueue;) {
        if (now - p->queue[i].received_ms > 4 * (int64_t)p->mpc.timeout_ms)
            unqueue(p, i);
        else
            i++;
    }
    if (p->nannounced == 0)
        return 0;
    party_announce a = p->announced[0];
    party_op op = {0};
    op.kind = a.kind;
    op.session = a.session;
    if (a.kind != PARTY_OP_PREP) {
        int missing = 0;
        for (size_t k = 0; k < a.nclients && !missing; k++)
            missing = find_request(p, a.kind, a.client_keys[k], a.request_ids[k]) < 0;
        if (missing) {
            if (now - a.received_ms <= (int64_t)p->mpc.timeout_ms / 2)
                return 0; /* the client's request may still be on its way */
            memmove(&p->announced[0], &p->announced[1], (p->nannounced - 1) * sizeof *p->announced);
            p->nannounced--;
            char msg[160];
            snprintf(msg, sizeof msg, "the client's %s request never reached party %u (or it refused it)",
                     op_name(a.kind), p->me);
            stoffel_net_bytes part = {(const uint8_t *)msg, strlen(msg)};
            party_send(p, 0, a.session, "notready", &part, 1);
            party_log(p, "%s", msg);
            return 1;
        }
        /* every key is distinct (party.c checks the announcement), so each is found once */
        for (size_t k = 0; k < a.nclients; k++)
            op_take_request(p, &op, (size_t)find_request(p, a.kind, a.client_keys[k], a.request_ids[k]));
    }
    memmove(&p->announced[0], &p->announced[1], (p->nannounced - 1) * sizeof *p->announced);
    p->nannounced--;
    party_log(p, "taking part in %s (session %016llx)", op_name(op.kind), (unsigned long long)op.session);
    run_operation(p, &op);
    return 1;
}

/* Between operations: answers that belong to no operation still to come (late "ready"s at party
 * 0, a "go" for an announcement this party dropped) are discarded, so they cannot pile up. */
static void drop_stale_signals(stoffel_vm_party *p)
{
    for (size_t i = 0; i < p->nsignals;) {
        int pending = 0;
        for (size_t k = 0; k < p->nannounced && !pending; k++)
            pending = p->announced[k].session == p->signals[i].session;
        if (pending) {
            i++;
        } else {
            memmove(&p->signals[i], &p->signals[i + 1], (p->nsignals - i - 1) * sizeof *p->signals);
            p->nsignals--;
        }
    }
}

int party_ops_poll(stoffel_vm_party *p)
{
    drop_stale_signals(p);
    return p->me == 0 ? leader_poll(p) : follower_poll(p);
}
