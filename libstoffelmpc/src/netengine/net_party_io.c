/*
 * net_party_io.c - the party side of client input and output on the networked engine.
 *
 * Input (spec mpc.md 7.1): a client asks every party for input (control INPUT_REQUEST with its
 * count). Parties must agree on the order in which clients are served, because each admission
 * consumes the next instance id and the next random sharings of the pool: party 0 admits requests
 * first come, first served, and announces each admission (client, count, instance) to the others,
 * who follow its order after checking the client asked them for the same count. The input
 * protocol itself (masks to the client, m = x + r back, [x] = m - [r]) is proto_input.c's; the
 * parties then compare digests of the m each received (spec 7.1 step 3), since the client sent it
 * to each of them separately.
 *
 * Output (spec 7.2): an OUTPUT request stores this party's shares for the client under the
 * request's instance id; a client that asks (control OUTPUT_FETCH) is sent all of them, and from
 * then on new ones as they are produced. Only the client reconstructs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net_engine.h"

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static int queue_push(ne_request **q, size_t *n, size_t *cap, ne_request r)
{
    if (*n >= NE_MAX_QUEUED_REQUESTS)
        return STOFFEL_ERR_LIMIT;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        ne_request *nq = realloc(*q, c * sizeof *nq);
        if (!nq)
            return STOFFEL_ERR_NOMEM;
        *q = nq;
        *cap = c;
    }
    (*q)[(*n)++] = r;
    return 0;
}

static void queue_remove(ne_request *q, size_t *n, size_t i)
{
    memmove(&q[i], &q[i + 1], (*n - i - 1) * sizeof *q);
    (*n)--;
}

int ne_is_finished(void *user, uint8_t protocol, uint64_t instance)
{
    net_engine *s = user;
    (void)protocol;
    /* every instance below next_instance was created here; if it is not live, it is over */
    return instance < s->next_instance;
}

static int is_subscribed(const net_engine *s, uint64_t client)
{
    for (size_t i = 0; i < s->nsubscribed; i++)
        if (s->subscribed[i] == client)
            return 1;
    return 0;
}

static void send_output(net_engine *s, ne_output *o)
{
    mpc_outbox out = {0};
    out.cache = &s->cache;
    if (output_send(&s->P, o->instance, o->client_id, o->shares, o->count, &out) == 0 &&
        nd_send(&s->d, MPC_PROTO_OUTPUT, o->instance, &out) == 0)
        o->sent = 1;
    outbox_free(&out);
}

static void on_fetch(net_engine *s, uint64_t client)
{
    if (!is_subscribed(s, client)) {
        if (s->nsubscribed == s->sub_cap) {
            size_t cap = s->sub_cap ? s->sub_cap * 2 : 8;
            uint64_t *ns = realloc(s->subscribed, cap * sizeof *ns);
            if (!ns) {
                s->d.fatal = 1;
                return;
            }
            s->subscribed = ns;
            s->sub_cap = cap;
        }
        s->subscribed[s->nsubscribed++] = client;
    }
    /* everything stored so far, again if asked again: the client drops what it already has */
    for (size_t i = 0; i < s->noutputs; i++)
        if (s->outputs[i].client_id == client)
            send_output(s, &s->outputs[i]);
}

void ne_control(void *user, mpc_node from, const mpc_envelope *env)
{
    net_engine *s = user;
    if (from.role == MPC_ROLE_CLIENT && env->protocol == MPC_PROTO_INPUT && env->round == NCTRL_INPUT_REQUEST) {
        if (env->payload_len != 8)
            return;
        uint64_t count = get_u64(env->payload);
        if (count == 0 || count > NE_MAX_CLIENT_INPUTS)
            return; /* the client's own call rejects such counts; a forged one is ignored */
        ne_request r = {from.id, count, 0};
        if (queue_push(&s->requests, &s->nrequests, &s->req_cap, r) == STOFFEL_ERR_NOMEM)
            s->d.fatal = 1;
        return;
    }
    if (from.role == MPC_ROLE_PARTY && from.id == 0 && s->base.party_id != 0 &&
        env->protocol == MPC_PROTO_INPUT && env->round == NCTRL_INPUT_ADMIT) {
        if (env->payload_len != 24) {
            s->ctrl_error = STOFFEL_MPC_ERR_PEER;
            snprintf(s->ctrl_msg, sizeof s->ctrl_msg, "party 0 sent a malformed admission (%zu bytes, expected 24)",
                     env->payload_len);
            return;
        }
        ne_request r = {get_u64(env->payload), get_u64(env->payload + 8), get_u64(env->payload + 16)};
        int rc = queue_push(&s->admits, &s->nadmits, &s->admit_cap, r);
        if (rc) {
            s->ctrl_error = rc;
            snprintf(s->ctrl_msg, sizeof s->ctrl_msg, "too many admissions queued from party 0");
        }
        return;
    }
    if (from.role == MPC_ROLE_PARTY && from.id != s->base.party_id && env->protocol == MPC_PROTO_INPUT &&
        env->round == NCTRL_INPUT_DIGEST) {
        if (env->payload_len != 40 || s->ndigests >= NE_MAX_QUEUED_REQUESTS)
            return;
        if (s->ndigests == s->digest_cap) {
            size_t cap = s->digest_cap ? s->digest_cap * 2 : 8;
            ne_digest *nd = realloc(s->digests, cap * sizeof *nd);
            if (!nd) {
                s->d.fatal = 1;
                return;
            }
            s->digests = nd;
            s->digest_cap = cap;
        }
        ne_digest *dg = &s->digests[s->ndigests++];
        dg->party = (uint32_t)from.id;
        dg->instance = get_u64(env->payload);
        memcpy(dg->digest, env->payload + 8, 32);
        return;
    }
    if (from.role == MPC_ROLE_CLIENT && env->protocol == MPC_PROTO_OUTPUT && env->round == NCTRL_OUTPUT_FETCH) {
        on_fetch(s, from.id);
        return;
    }
}

int ne_store_output(net_engine *s, uint64_t client_id, uint64_t instance, const uint64_t *shares, size_t count)
{
    const size_t L = s->F->limbs;
    if (s->noutputs == s->outputs_cap) {
        size_t cap = s->outputs_cap ? s->outputs_cap * 2 : 8;
        ne_output *no = realloc(s->outputs, cap * sizeof *no);
        if (!no)
            return STOFFEL_ERR_NOMEM;
        s->outputs = no;
        s->outputs_cap = cap;
    }
    uint64_t *copy = malloc((count ? count : 1) * L * 8);
    if (!copy)
        return STOFFEL_ERR_NOMEM;
    memcpy(copy, shares, count * L * 8);
    ne_output *o = &s->outputs[s->noutputs++];
    o->client_id = client_id;
    o->instance = instance;
    o->shares = copy;
    o->count = count;
    o->sent = 0;
    if (is_subscribed(s, client_id))
        send_output(s, o);
    return 0;
}

/* ---- ClientStore ---- */

ne_store_entry *ne_store_find(net_engine *s, uint64_t id, int create)
{
    size_t i = 0;
    while (i < s->nstore && s->store[i].client_id < id)
        i++;
    if (i < s->nstore && s->store[i].client_id == id)
        return &s->store[i];
    if (!create)
        return NULL;
    if (s->nstore == s->store_cap) {
        size_t cap = s->store_cap ? s->store_cap * 2 : 8;
        ne_store_entry *ns = realloc(s->store, cap * sizeof *ns);
        if (!ns)
            return NULL;
        s->store = ns;
        s->store_cap = cap;
    }
    memmove(&s->store[i + 1], &s->store[i], (s->nstore - i) * sizeof *s->store);
    memset(&s->store[i], 0, sizeof *s->store);
    s->store[i].client_id = id;
    s->nstore++;
    return &s->store[i];
}

size_t ne_client_count(const stoffel_mpc_engine *e) { return CNE(e)->nstore; }

int ne_client_id(const stoffel_mpc_engine *e, size_t idx, uint64_t *id)
{
    const net_engine *s = CNE(e);
    if (idx >= s->nstore)
        return STOFFEL_ERR_NOT_FOUND;
    *id = s->store[idx].client_id;
    return 0;
}

int ne_client_input_count(const stoffel_mpc_engine *e, size_t idx, size_t *count)
{
    const net_engine *s = CNE(e);
    if (idx >= s->nstore)
        return STOFFEL_ERR_NOT_FOUND;
    *count = s->store[idx].count;
    return 0;
}

int ne_client_input_get(stoffel_mpc_engine *e, size_t idx, size_t input, uint8_t *share_out)
{
    net_engine *s = NE(e);
    if (idx >= s->nstore)
        return engine_fail(e, STOFFEL_ERR_NOT_FOUND, "client index %zu: only %zu clients have input", idx, s->nstore);
    const ne_store_entry *en = &s->store[idx];
    if (input >= en->count)
        return engine_fail(e, STOFFEL_ERR_NOT_FOUND, "client %llu has %zu inputs; index %zu does not exist",
                           (unsigned long long)en->client_id, en->count, input);
    memcpy(share_out, en->shares + input * s->F->limbs, e->share_size);
    return 0;
}

/* ---- accepting inputs ---- */

/* Spec mpc.md 7.1 step 3: every party must use the same m. The client sent m to each party
 * separately, so the parties compare digests of what they got (m = [x] + [r] for this party)
 * before the input is used; a client that sent different vectors is caught here. Waits for every
 * other party (robust mode: all but t, which may be down). */
static int cross_check_masked(net_engine *s, uint64_t client, uint64_t instance, const uint64_t *x,
                              const uint64_t *r, size_t count, uint64_t deadline)
{
    const size_t L = s->F->limbs;
    uint64_t *m = malloc((count ? count : 1) * L * 8);
    if (!m)
        return engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
    fe_vec_add(s->F, m, x, r, count);
    uint8_t msg[40];
    put_u64(msg, instance);
    crypto_generichash_state st;
    crypto_generichash_init(&st, (const uint8_t *)"stoffel-input-m", 15, 32);
    crypto_generichash_update(&st, (const uint8_t *)&client, 8);
    crypto_generichash_update(&st, (const uint8_t *)&instance, 8);
    crypto_generichash_update(&st, (const uint8_t *)m, count * L * 8);
    crypto_generichash_final(&st, msg + 8, 32);
    ne_wipe_free(m, (count ? count : 1) * L * 8);
    for (uint32_t j = 0; j < s->base.n; j++)
        if (j != s->base.party_id)
            nd_send_control(&s->d, party_node(j), MPC_PROTO_INPUT, NCTRL_INPUT_DIGEST, msg, sizeof msg);
    uint32_t need = s->base.n - 1 - (s->base.security == STOFFEL_MPC_ROBUST ? s->base.t : 0);
    uint8_t *seen = calloc(s->base.n, 1);
    if (!seen)
        return engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
    uint32_t nseen = 0;
    int rc = 0;
    for (;;) {
        for (size_t i = 0; i < s->ndigests;) {
            ne_digest *dg = &s->digests[i];
            if (dg->instance != instance) {
                i++;
                continue;
            }
            if (!seen[dg->party]) {
                if (sodium_memcmp(dg->digest, msg + 8, 32) != 0) {
                    rc = engine_fail(&s->base, STOFFEL_MPC_ERR_PEER,
                                     "input of client %llu: party %u received a different masked vector than party %u: the client sent different values to different parties; the input is refused",
                                     (unsigned long long)client, dg->party, s->base.party_id);
                    break;
                }
                seen[dg->party] = 1;
                nseen++;
            }
            s->digests[i] = s->digests[--s->ndigests];
        }
        if (rc || nseen >= need)
            break;
        if (nd_loop_once(&s->d, deadline)) {
            char missing[160] = "";
            size_t off = 0;
            for (uint32_t j = 0; j < s->base.n && off + 12 < sizeof missing; j++)
                if (j != s->base.party_id && !seen[j])
                    off += (size_t)snprintf(missing + off, sizeof missing - off, "%s%u", off ? ", " : "", j);
            rc = engine_fail(&s->base, STOFFEL_ERR_TIMEOUT,
                             "input of client %llu: no digest of the masked input from parties %s before the timeout",
                             (unsigned long long)client, missing);
            break;
        }
    }
    free(seen);
    return rc;
}

/* Runs one admitted client's input protocol to completion and files the shares. */
static int run_input(net_engine *s, uint64_t client, size_t count, uint64_t instance, uint64_t deadline)
{
    const size_t L = s->F->limbs;
    ne_pools *pl = &s->pools;
    mpc_outbox out = {0};
    out.cache = &s->cache;
    const uint64_t *r = pl->r + pl->rpos * L; /* stays put: no preprocessing runs until we are done */
    mpc_proto *p = input_party_new(&s->P, instance, client, r, count, &out);
    if (!p) {
        outbox_free(&out);
        return engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
    }
    pl->rpos += count; /* consumed whatever happens: every party moves on in step */
    s->randoms_used += count;
    char msg[400];
    int rc = nd_start(&s->d, p, &out);
    if (rc == 0) {
        char what[64];
        snprintf(what, sizeof what, "input of client %llu", (unsigned long long)client);
        rc = nd_wait(&s->d, &p, 1, deadline, what, msg, sizeof msg);
        if (rc)
            engine_fail(&s->base, rc, "%s", msg);
    } else {
        engine_fail(&s->base, rc, "out of memory");
    }
    if (rc == 0)
        rc = cross_check_masked(s, client, instance, input_party_result(p), r, count, deadline);
    if (rc == 0) {
        ne_store_entry *en = ne_store_find(s, client, 1);
        if (!en || ne_grow(&en->shares, &en->cap, en->count + count, L))
            rc = engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
        else {
            memcpy(en->shares + en->count * L, input_party_result(p), count * L * 8);
            en->count += count;
            s->rounds += 2;
        }
    }
    nd_unregister(&s->d, p);
    p->ops->destroy(p);
    outbox_free(&out);
    return rc;
}

static int find_request(const net_engine *s, uint64_t client)
{
    for (size_t i = 0; i < s->nrequests; i++)
        if (s->requests[i].client_id == client)
            return (int)i;
    return -1;
}

/* Party 0: admits the oldest waiting request, if any. Returns 1 when one was served. */
static int leader_step(net_engine *s, uint64_t deadline, int *rc)
{
    if (s->nrequests == 0)
        return 0;
    ne_request r = s->requests[0];
    queue_remove(s->requests, &s->nrequests, 0);
    /* announce first: if the pool is short, the others must join the preprocessing run that
     * comes before the input (they decide the same from the same pool size), so the input's
     * instance is the one after it */
    int prep_first = s->pools.rlen - s->pools.rpos < r.count;
    uint64_t instance = s->next_instance + (prep_first ? 1 : 0);
    uint8_t msg[24];
    put_u64(msg, r.client_id);
    put_u64(msg + 8, r.count);
    put_u64(msg + 16, instance);
    for (uint32_t j = 1; j < s->base.n; j++)
        nd_send_control(&s->d, party_node(j), MPC_PROTO_INPUT, NCTRL_INPUT_ADMIT, msg, sizeof msg);
    if ((*rc = ne_ensure_pools(s, 0, r.count)) != 0)
        return 1;
    if (instance != s->next_instance) {
        *rc = engine_fail(&s->base, STOFFEL_ERR_INTERNAL, "admission instance %llu != next instance %llu",
                          (unsigned long long)instance, (unsigned long long)s->next_instance);
        return 1;
    }
    s->next_instance++;
    *rc = run_input(s, r.client_id, r.count, instance, deadline);
    return 1;
}

/* Other parties: follows party 0's next admission once the client's own request is here. */
static int follower_step(net_engine *s, uint64_t deadline, int *rc)
{
    if (s->nadmits == 0)
        return 0;
    ne_request a = s->admits[0];
    int i = find_request(s, a.client_id);
    if (i < 0)
        return 0; /* the client's request has not reached us yet */
    if (s->requests[i].count != a.count) {
        *rc = engine_fail(&s->base, STOFFEL_MPC_ERR_PEER,
                          "party 0 admitted client %llu with %llu inputs but the client asked this party for %llu",
                          (unsigned long long)a.client_id, (unsigned long long)a.count,
                          (unsigned long long)s->requests[i].count);
        return 1;
    }
    queue_remove(s->admits, &s->nadmits, 0);
    queue_remove(s->requests, &s->nrequests, (size_t)i);
    if ((*rc = ne_ensure_pools(s, 0, a.count)) != 0)
        return 1;
    if (a.instance != s->next_instance) {
        *rc = engine_fail(&s->base, STOFFEL_MPC_ERR_PEER,
                          "party 0 admitted client %llu as instance %llu but this party is at instance %llu: the parties' call sequences differ",
                          (unsigned long long)a.client_id, (unsigned long long)a.instance,
                          (unsigned long long)s->next_instance);
        return 1;
    }
    s->next_instance++;
    *rc = run_input(s, a.client_id, a.count, a.instance, deadline);
    return 1;
}

int stoffel_mpc_engine_net_accept_inputs(stoffel_mpc_engine *e, size_t clients, int timeout_ms)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    if (!ne_is_networked(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "net_accept_inputs needs a networked engine");
    e->last_error[0] = 0;
    net_engine *s = NE(e);
    uint64_t t0 = nd_now_ns();
    uint64_t deadline = nd_deadline(timeout_ms < 0 ? (int)s->cfg.timeout_ms : timeout_ms);
    size_t served = 0;
    int rc = 0;
    while (served < clients && rc == 0) {
        if (s->ctrl_error) {
            rc = engine_fail(e, s->ctrl_error, "%s", s->ctrl_msg);
            break;
        }
        if (s->d.fatal) {
            rc = engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory while receiving");
            break;
        }
        int step = e->party_id == 0 ? leader_step(s, deadline, &rc) : follower_step(s, deadline, &rc);
        if (step) {
            if (rc == 0)
                served++;
            continue;
        }
        if (nd_loop_once(&s->d, deadline))
            rc = engine_fail(e, STOFFEL_ERR_TIMEOUT,
                             "accept_inputs: party %u served %zu of %zu clients before the timeout; %s%s%s",
                             e->party_id, served, clients,
                             e->party_id == 0 ? "no further client asked to give input"
                             : s->nadmits ? "the client admitted by party 0 never asked this party"
                                          : "party 0 admitted no further client",
                             s->d.note[0] ? "; " : "", s->d.note);
    }
    s->online_ns += nd_now_ns() - t0;
    return rc;
}

int stoffel_mpc_engine_net_serve_outputs(stoffel_mpc_engine *e, int timeout_ms)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    if (!ne_is_networked(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "net_serve_outputs needs a networked engine");
    e->last_error[0] = 0;
    net_engine *s = NE(e);
    uint64_t deadline = nd_deadline(timeout_ms < 0 ? (int)s->cfg.timeout_ms : timeout_ms);
    for (;;) {
        size_t waiting = 0;
        uint64_t first = 0;
        for (size_t i = 0; i < s->noutputs; i++)
            if (!s->outputs[i].sent) {
                if (!waiting)
                    first = s->outputs[i].client_id;
                waiting++;
            }
        if (waiting == 0)
            break;
        if (nd_loop_once(&s->d, deadline))
            return engine_fail(e, STOFFEL_ERR_TIMEOUT,
                               "serve_outputs: %zu outputs were never fetched (first: client %llu); the client must call stoffel_mpc_client_fetch_outputs",
                               waiting, (unsigned long long)first);
    }
    uint64_t now = nd_now_ns();
    int left = deadline == UINT64_MAX ? -1 : deadline > now ? (int)((deadline - now) / 1000000u) : 0;
    int rc = stoffel_net_flush(s->d.net, left);
    if (rc)
        return engine_fail(e, rc, "serve_outputs: delivering the outputs failed: %s", stoffel_net_last_error(s->d.net));
    return 0;
}

void ne_party_io_free(net_engine *s)
{
    const size_t L = s->F ? s->F->limbs : 1;
    for (size_t i = 0; i < s->nstore; i++)
        ne_wipe_free(s->store[i].shares, s->store[i].cap * L * 8);
    free(s->store);
    for (size_t i = 0; i < s->noutputs; i++)
        ne_wipe_free(s->outputs[i].shares, (s->outputs[i].count ? s->outputs[i].count : 1) * L * 8);
    free(s->outputs);
    free(s->subscribed);
    free(s->requests);
    free(s->admits);
    free(s->digests);
}
