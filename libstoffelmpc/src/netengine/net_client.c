/*
 * net_client.c - the client entry point of a networked session (stoffel_mpc_client_*): input with
 * random masks and fetching outputs, running proto_input.c's and proto_open.c's client state
 * machines over libstoffelnet through the same driver as the parties.
 *
 * The client does not choose instance ids: the parties do (net_party_io.c). A protocol instance
 * is created for an instance id once t+1 parties sent frames for it with the same length, so at
 * least one honest party vouches for it; until then its frames wait in the driver's bounded
 * buffer. Frames of instances the client finished are dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net_engine.h"

#define NC_MAX_VOTES 1024

typedef struct {
    uint8_t protocol;
    uint64_t instance;
    size_t len;
    uint8_t *voters;     /* n flags */
    uint32_t nvoters;
    int used;            /* an instance was created for it */
} nc_vote;

typedef struct {
    uint64_t instance;
    uint8_t *values;     /* canonical bytes, count * elem_size */
    size_t count;
} nc_output;

typedef struct {
    mpc_proto *p;
    size_t count;
} nc_live;

struct stoffel_mpc_client {
    stoffel_mpc_net_config cfg;
    stoffel_mpc_field *field;
    const field *F;
    mpc_cache cache;
    mpc_client C;
    nd_driver d;
    nc_vote *votes;
    size_t nvotes, vcap;
    uint64_t *finished;   /* instance ids done here */
    size_t nfinished, fcap;
    nc_output *outputs;   /* reconstructed, ascending instance */
    size_t noutputs, ocap;
    nc_live *live_out;    /* output instances being reconstructed */
    size_t nlive, lcap;
    char last_error[512];
};

static int cfail(stoffel_mpc_client *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cfail(stoffel_mpc_client *c, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof c->last_error, fmt, ap);
    va_end(ap);
    return status;
}

static int nc_is_finished(void *user, uint8_t protocol, uint64_t instance)
{
    stoffel_mpc_client *c = user;
    (void)protocol;
    for (size_t i = 0; i < c->nfinished; i++)
        if (c->finished[i] == instance)
            return 1;
    return 0;
}

static void mark_finished(stoffel_mpc_client *c, uint64_t instance)
{
    if (c->nfinished == c->fcap) {
        size_t cap = c->fcap ? c->fcap * 2 : 16;
        uint64_t *f = realloc(c->finished, cap * sizeof *f);
        if (!f) {
            c->d.fatal = 1;
            return;
        }
        c->finished = f;
        c->fcap = cap;
    }
    c->finished[c->nfinished++] = instance;
}

/* Driver hook: a party's frame for an instance we have not created counts as its vote. */
static void nc_buffered(void *user, mpc_node from, const mpc_envelope *env)
{
    stoffel_mpc_client *c = user;
    if (from.role != MPC_ROLE_PARTY || env->round != 0)
        return;
    if (env->protocol != MPC_PROTO_INPUT && env->protocol != MPC_PROTO_OUTPUT)
        return;
    nc_vote *v = NULL;
    for (size_t i = 0; i < c->nvotes; i++)
        if (c->votes[i].protocol == env->protocol && c->votes[i].instance == env->instance &&
            c->votes[i].len == env->payload_len)
            v = &c->votes[i];
    if (!v) {
        if (c->nvotes >= NC_MAX_VOTES)
            return;
        if (c->nvotes == c->vcap) {
            size_t cap = c->vcap ? c->vcap * 2 : 16;
            nc_vote *nv = realloc(c->votes, cap * sizeof *nv);
            if (!nv) {
                c->d.fatal = 1;
                return;
            }
            c->votes = nv;
            c->vcap = cap;
        }
        uint8_t *voters = calloc(c->cfg.n, 1);
        if (!voters) {
            c->d.fatal = 1;
            return;
        }
        v = &c->votes[c->nvotes++];
        v->protocol = env->protocol;
        v->instance = env->instance;
        v->len = env->payload_len;
        v->voters = voters;
        v->nvoters = 0;
        v->used = 0;
    }
    if (!v->voters[from.id]) {
        v->voters[from.id] = 1;
        v->nvoters++;
    }
}

/* The first vote of `protocol` that t+1 parties agree on and that has no instance yet. */
static nc_vote *agreed_vote(stoffel_mpc_client *c, uint8_t protocol)
{
    for (size_t i = 0; i < c->nvotes; i++) {
        nc_vote *v = &c->votes[i];
        if (v->protocol == protocol && !v->used && v->nvoters >= c->cfg.t + 1 &&
            !nc_is_finished(c, protocol, v->instance))
            return v;
    }
    return NULL;
}

void stoffel_mpc_client_free(stoffel_mpc_client *c)
{
    if (!c)
        return;
    nd_free(&c->d);
    for (size_t i = 0; i < c->nlive; i++)
        c->live_out[i].p->ops->destroy(c->live_out[i].p);
    free(c->live_out);
    for (size_t i = 0; i < c->nvotes; i++)
        free(c->votes[i].voters);
    free(c->votes);
    free(c->finished);
    const size_t eb = c->F ? c->F->elem_size : 0;
    for (size_t i = 0; i < c->noutputs; i++)
        ne_wipe_free(c->outputs[i].values, (c->outputs[i].count ? c->outputs[i].count : 1) * eb);
    free(c->outputs);
    client_free(&c->C);
    cache_free(&c->cache);
    stoffel_mpc_field_free(c->field);
    sodium_memzero(c, sizeof *c);
    free(c);
}

int stoffel_mpc_client_new(const stoffel_mpc_net_config *config, struct event_base *base, stoffel_net *net,
                           const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN], stoffel_mpc_client **out,
                           char *error_buf, size_t error_len)
{
    if (!config || !base || !net || !key || !out) {
        if (error_buf && error_len)
            snprintf(error_buf, error_len, "stoffel_mpc_client_new: config, base, net, key and out must not be NULL");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    stoffel_mpc_client *c = calloc(1, sizeof *c);
    if (!c)
        return STOFFEL_ERR_NOMEM;
    int rc = ne_config_check(config, &c->cfg, error_buf, error_len);
    if (rc == 0 && stoffel_net_my_id(net) >= 0) {
        if (error_buf && error_len)
            snprintf(error_buf, error_len, "the endpoint is a party endpoint; a client needs a client endpoint (stoffel_net_quic_client_new)");
        rc = STOFFEL_ERR_INVALID_ARG;
    }
    if (rc == 0 && stoffel_net_party_count(net) != c->cfg.n) {
        if (error_buf && error_len)
            snprintf(error_buf, error_len, "config.n = %u but the endpoint's network has %u parties; make them agree",
                     c->cfg.n, stoffel_net_party_count(net));
        rc = STOFFEL_ERR_INVALID_ARG;
    }
    if (rc) {
        free(c);
        return rc;
    }
    rc = stoffel_mpc_field_new(c->cfg.field, &c->field);
    c->F = c->field;
    uint64_t id = stoffel_mpc_client_id_from_key(key);
    if (rc == 0)
        rc = client_init(&c->C, c->F, c->cfg.n, c->cfg.t, c->cfg.security == STOFFEL_MPC_ROBUST, id, c->cfg.session_id);
    c->C.cache = &c->cache;
    nd_hooks hooks = {NULL, nc_is_finished, nc_buffered, c};
    if (rc == 0)
        rc = nd_init(&c->d, base, net, c->F, c->cfg.n, c->cfg.session_id, client_node(id), &c->cache,
                     c->cfg.max_early_frames, c->cfg.max_early_bytes, &hooks);
    if (rc) {
        if (error_buf && error_len)
            snprintf(error_buf, error_len, "creating the client failed: %s", stoffel_mpc_strerror(rc));
        stoffel_mpc_client_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

uint64_t stoffel_mpc_client_id(const stoffel_mpc_client *c) { return c ? c->C.id : 0; }

const char *stoffel_mpc_client_last_error(const stoffel_mpc_client *c) { return c ? c->last_error : ""; }

static int flush_left(stoffel_mpc_client *c, uint64_t deadline)
{
    uint64_t now = nd_now_ns();
    int left = deadline == UINT64_MAX ? -1 : deadline > now ? (int)((deadline - now) / 1000000u) : 0;
    int rc = stoffel_net_flush(c->d.net, left);
    if (rc)
        return cfail(c, rc, "delivering to the parties failed: %s", stoffel_net_last_error(c->d.net));
    return 0;
}

static void list_unvoted(stoffel_mpc_client *c, uint8_t protocol, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (uint32_t j = 0; j < c->cfg.n && off + 16 < len; j++) {
        int heard = 0;
        for (size_t i = 0; i < c->nvotes; i++)
            if (c->votes[i].protocol == protocol && c->votes[i].voters[j])
                heard = 1;
        if (!heard)
            off += (size_t)snprintf(buf + off, len - off, "%s%u", off ? ", " : "", j);
    }
}

int stoffel_mpc_client_input(stoffel_mpc_client *c, const uint8_t *values, size_t count, int timeout_ms)
{
    if (!c)
        return STOFFEL_ERR_INVALID_ARG;
    c->last_error[0] = 0;
    if (count == 0 || !values)
        return cfail(c, STOFFEL_ERR_INVALID_ARG, "client_input: give 1..%d values", NE_MAX_CLIENT_INPUTS);
    if (count > NE_MAX_CLIENT_INPUTS)
        return cfail(c, STOFFEL_ERR_LIMIT, "client_input: at most %d values per call (got %zu); split the input",
                     NE_MAX_CLIENT_INPUTS, count);
    const size_t L = c->F->limbs;
    uint64_t *x = malloc(count * L * 8);
    if (!x)
        return cfail(c, STOFFEL_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < count; k++)
        if (fe_from_bytes(c->F, x + k * L, values + k * c->F->elem_size)) {
            ne_wipe_free(x, count * L * 8);
            return cfail(c, STOFFEL_MPC_ERR_NOT_IN_FIELD,
                         "client_input: value %zu is not a canonical %s field element (value >= p)", k, c->F->name);
        }
    uint64_t deadline = nd_deadline(timeout_ms < 0 ? (int)c->cfg.timeout_ms : timeout_ms);
    uint8_t req[8];
    uint64_t cnt = count;
    memcpy(req, &cnt, 8);
    int rc = 0;
    for (uint32_t j = 0; j < c->cfg.n; j++)
        nd_send_control(&c->d, party_node(j), MPC_PROTO_INPUT, NCTRL_INPUT_REQUEST, req, sizeof req);
    mpc_proto *p = NULL;
    mpc_outbox out = {0};
    out.cache = &c->cache;
    /* wait for the parties' admission: t+1 of them sending mask shares of one instance */
    while (!p) {
        nc_vote *v = agreed_vote(c, MPC_PROTO_INPUT);
        if (v && v->len == count * L * 8) {
            v->used = 1;
            p = input_client_new(&c->C, v->instance, x, count, &out);
            if (!p || nd_start(&c->d, p, &out)) {
                rc = cfail(c, STOFFEL_ERR_NOMEM, "out of memory");
                break;
            }
            break;
        }
        if (v)
            v->used = 1; /* an admission of another size is not ours */
        if (c->d.fatal) {
            rc = cfail(c, STOFFEL_ERR_NOMEM, "out of memory while receiving");
            break;
        }
        if (nd_loop_once(&c->d, deadline)) {
            char silent[128];
            list_unvoted(c, MPC_PROTO_INPUT, silent, sizeof silent);
            rc = cfail(c, STOFFEL_ERR_TIMEOUT,
                       "client_input: the parties did not admit this input within the timeout%s%s (they admit clients in stoffel_mpc_engine_net_accept_inputs)",
                       silent[0] ? "; no mask shares from parties " : "", silent);
            break;
        }
    }
    if (rc == 0) {
        char msg[400];
        rc = nd_wait(&c->d, &p, 1, deadline, "client_input", msg, sizeof msg);
        if (rc)
            cfail(c, rc, "%s", msg);
        else
            rc = flush_left(c, deadline);
    }
    if (p) {
        mark_finished(c, p->instance);
        nd_unregister(&c->d, p);
        p->ops->destroy(p);
    }
    outbox_free(&out);
    ne_wipe_free(x, count * L * 8);
    return rc;
}

/* Files a finished output instance's values in instance order. */
static int keep_output(stoffel_mpc_client *c, mpc_proto *p, size_t count)
{
    const size_t eb = c->F->elem_size, L = c->F->limbs;
    uint8_t *vals = malloc((count ? count : 1) * eb);
    if (!vals)
        return STOFFEL_ERR_NOMEM;
    const uint64_t *res = output_client_result(p);
    for (size_t k = 0; k < count; k++)
        fe_to_bytes(c->F, vals + k * eb, res + k * L);
    if (c->noutputs == c->ocap) {
        size_t cap = c->ocap ? c->ocap * 2 : 8;
        nc_output *no = realloc(c->outputs, cap * sizeof *no);
        if (!no) {
            free(vals);
            return STOFFEL_ERR_NOMEM;
        }
        c->outputs = no;
        c->ocap = cap;
    }
    size_t i = c->noutputs;
    while (i > 0 && c->outputs[i - 1].instance > p->instance) {
        c->outputs[i] = c->outputs[i - 1];
        i--;
    }
    c->outputs[i].instance = p->instance;
    c->outputs[i].values = vals;
    c->outputs[i].count = count;
    c->noutputs++;
    return 0;
}

static size_t outputs_total(const stoffel_mpc_client *c)
{
    size_t total = 0;
    for (size_t i = 0; i < c->noutputs; i++)
        total += c->outputs[i].count;
    return total;
}

/* Creates instances for agreed outputs and files the finished ones. Failed instances (a lying
 * party in semi-honest mode) make the fetch fail with their message. */
static int output_step(stoffel_mpc_client *c, char *msg, size_t msg_len)
{
    const size_t L = c->F->limbs;
    nc_vote *v;
    while ((v = agreed_vote(c, MPC_PROTO_OUTPUT)) != NULL) {
        v->used = 1;
        if (v->len % (L * 8) != 0)
            continue;
        if (c->nlive == c->lcap) {
            size_t cap = c->lcap ? c->lcap * 2 : 8;
            nc_live *nl = realloc(c->live_out, cap * sizeof *nl);
            if (!nl)
                return STOFFEL_ERR_NOMEM;
            c->live_out = nl;
            c->lcap = cap;
        }
        size_t count = v->len / (L * 8);
        mpc_proto *p = output_client_new(&c->C, v->instance, count);
        if (!p)
            return STOFFEL_ERR_NOMEM;
        c->live_out[c->nlive].p = p;
        c->live_out[c->nlive].count = count;
        c->nlive++;
        if (nd_register(&c->d, p))
            return STOFFEL_ERR_NOMEM;
    }
    for (size_t i = 0; i < c->nlive;) {
        mpc_proto *p = c->live_out[i].p;
        if (p->status < 0) {
            snprintf(msg, msg_len, "output instance %llu: %s", (unsigned long long)p->instance, p->error);
            return p->status;
        }
        if (!p->done) {
            i++;
            continue;
        }
        if (keep_output(c, p, c->live_out[i].count))
            return STOFFEL_ERR_NOMEM;
        mark_finished(c, p->instance);
        nd_unregister(&c->d, p);
        p->ops->destroy(p);
        c->live_out[i] = c->live_out[--c->nlive];
    }
    return c->d.fatal ? STOFFEL_ERR_NOMEM : 0;
}

int stoffel_mpc_client_fetch_outputs(stoffel_mpc_client *c, uint8_t *values, size_t count, int timeout_ms)
{
    if (!c)
        return STOFFEL_ERR_INVALID_ARG;
    c->last_error[0] = 0;
    if (count && !values)
        return cfail(c, STOFFEL_ERR_INVALID_ARG, "fetch_outputs: NULL values with count %zu", count);
    uint64_t deadline = nd_deadline(timeout_ms < 0 ? (int)c->cfg.timeout_ms : timeout_ms);
    for (uint32_t j = 0; j < c->cfg.n; j++)
        nd_send_control(&c->d, party_node(j), MPC_PROTO_OUTPUT, NCTRL_OUTPUT_FETCH, NULL, 0);
    char msg[400] = "";
    int rc = 0, timed_out = 0;
    for (;;) {
        rc = output_step(c, msg, sizeof msg);
        if (rc) {
            cfail(c, rc, "fetch_outputs: %s", msg[0] ? msg : "out of memory");
            break;
        }
        /* done when enough values are in and nothing older is still being reconstructed */
        if (outputs_total(c) >= count && c->nlive == 0)
            break;
        if (timed_out) {
            char silent[128] = "";
            for (size_t i = 0; i < c->nlive; i++) {
                rc = nd_wait(&c->d, &c->live_out[i].p, 1, 0, "fetch_outputs", msg, sizeof msg);
                if (rc)
                    return cfail(c, rc, "%s", msg);
            }
            list_unvoted(c, MPC_PROTO_OUTPUT, silent, sizeof silent);
            return cfail(c, STOFFEL_ERR_TIMEOUT,
                         "fetch_outputs: %zu of %zu output values arrived before the timeout%s%s", outputs_total(c),
                         count, silent[0] ? "; nothing from parties " : "", silent);
        }
        if (nd_loop_once(&c->d, deadline)) {
            /* last chance: instances that have enough shares finish with them */
            timed_out = 1;
            for (size_t i = 0; i < c->nlive; i++) {
                mpc_outbox out = {0};
                c->live_out[i].p->ops->timeout(c->live_out[i].p, &out);
                outbox_free(&out);
            }
        }
    }
    if (rc)
        return rc;
    const size_t eb = c->F->elem_size;
    size_t k = 0;
    for (size_t i = 0; i < c->noutputs && k < count; i++) {
        size_t take = c->outputs[i].count < count - k ? c->outputs[i].count : count - k;
        memcpy(values + k * eb, c->outputs[i].values, take * eb);
        k += take;
    }
    return 0;
}

int stoffel_mpc_client_set_foreign_handler(stoffel_mpc_client *c, stoffel_mpc_net_foreign_fn fn, void *user)
{
    if (!c)
        return STOFFEL_ERR_INVALID_ARG;
    c->d.foreign = fn;
    c->d.foreign_user = user;
    return 0;
}
