/*
 * client.c - the client side of the party runtime's operations (party_internal.h describes the
 * messages): giving input to a deployed program (the parties' mask protocol through an MPC
 * client of the session party 0 announces; success only when every party acknowledged that its
 * shares are committed) and asking the parties to run a program, checking that they agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "party_internal.h"

/* One control answer from a party to this request. */
typedef struct {
    uint32_t party;
    char kind[16];
    stoffel_net_bytes parts[6];
    size_t count;
    uint8_t *frame;    /* owns the bytes parts point into */
} answer;

typedef struct {
    uint64_t request_id;
    uint32_t n;
    answer *items;
    size_t count, cap;
    int nomem;
} answers;

static void answers_free(answers *a)
{
    for (size_t i = 0; i < a->count; i++)
        free(a->items[i].frame);
    free(a->items);
    memset(a, 0, sizeof *a);
}

/* Keeps a party's answer to our request; 1 when the frame was one, 0 otherwise. */
static int answers_take(answers *a, const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    if (from->kind != STOFFEL_NET_PEER_PARTY || from->party_id >= a->n)
        return 0;
    stoffel_net_envelope env;
    if (stoffel_net_envelope_decode(data, len, &env) != 0 || env.protocol != PARTY_CONTROL_PROTOCOL)
        return 0;
    if (env.session_id != a->request_id || env.part_count < 1 || env.part_count > 7 || env.parts[0].len >= 16)
        return 1; /* a control frame, but an answer to another request */
    if (a->count == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        answer *items = realloc(a->items, cap * sizeof *items);
        if (!items) {
            a->nomem = 1;
            return 1;
        }
        a->items = items;
        a->cap = cap;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy || stoffel_net_envelope_decode(memcpy(copy, data, len), len, &env) != 0) {
        free(copy);
        a->nomem = 1;
        return 1;
    }
    answer *x = &a->items[a->count++];
    memset(x, 0, sizeof *x);
    x->party = from->party_id;
    x->frame = copy;
    memcpy(x->kind, env.parts[0].data, env.parts[0].len);
    x->count = env.part_count - 1;
    for (size_t i = 0; i < x->count; i++)
        x->parts[i] = env.parts[i + 1];
    return 1;
}

static int foreign_answer(void *user, const stoffel_net_peer *from, const uint8_t *data, size_t len)
{
    return answers_take(user, from, data, len);
}

static int64_t deadline_left(int64_t deadline)
{
    int64_t left = deadline - party_now_ms();
    return left > 0 ? left : 0;
}

/* Waits with stoffel_net_recv (no callback set) until pred says stop or the deadline passes. */
static int recv_until(stoffel_net *net, answers *a, int64_t deadline, int (*pred)(const answers *, void *), void *ctx)
{
    while (!pred(a, ctx)) {
        int64_t left = deadline_left(deadline);
        if (left <= 0)
            return STOFFEL_ERR_TIMEOUT;
        stoffel_net_peer from;
        uint8_t *data = NULL;
        size_t len = 0;
        /* short slices: some waits end on the clock (stragglers' grace), not on a message */
        int rc = stoffel_net_recv(net, (int)(left < 200 ? left : 200), &from, &data, &len);
        if (rc == STOFFEL_ERR_TIMEOUT)
            continue;
        if (rc)
            return rc;
        answers_take(a, &from, data, len);
        stoffel_net_buffer_free(data);
        if (a->nomem)
            return STOFFEL_ERR_NOMEM;
    }
    return 0;
}

static const answer *find_kind(const answers *a, const char *kind, uint32_t party)
{
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i].kind, kind) == 0 && (party == UINT32_MAX || a->items[i].party == party))
            return &a->items[i];
    return NULL;
}

/* A refusal: the status for the caller and the message naming the party. */
static int refusal(const answer *x, char *err, size_t err_len)
{
    int shown = x->count ? (int)(x->parts[0].len > 400 ? 400 : x->parts[0].len) : 0;
    const char *text = x->count ? (const char *)x->parts[0].data : "";
    char copy[404];
    snprintf(copy, sizeof copy, "%.*s", shown, text);
    party_format(err, err_len, "party %u refused: %s", x->party, copy);
    return strstr(copy, "is deployed on party") || strstr(copy, "holds no outputs") ? STOFFEL_ERR_NOT_FOUND
                                                                                  : STOFFEL_MPC_ERR_PEER;
}

static int has_session_or_error(const answers *a, void *ctx)
{
    (void)ctx;
    return find_kind(a, "session", 0) != NULL || find_kind(a, "error", UINT32_MAX) != NULL;
}

static void list_without(const answers *a, const char *kind, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (uint32_t j = 0; j < a->n && off + 12 < len; j++)
        if (!find_kind(a, kind, j))
            off += (size_t)snprintf(buf + off, len - off, "%s%u", off ? ", " : "", j);
}

static void send_request(stoffel_net *net, uint32_t n, const uint8_t *frame, size_t len)
{
    /* one party down must not keep the request from the others */
    for (uint32_t j = 0; j < n; j++)
        stoffel_net_send(net, j, frame, len);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

STOFFEL_API int stoffel_vm_client_input(stoffel_net *net, struct event_base *base,
                                        const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                                        const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN], const int64_t *values,
                                        size_t count, int timeout_ms, uint64_t *seq, char *err, size_t err_len)
{
    if (!net || !base || !key || !program || !values) {
        party_format(err, err_len, "stoffel_vm_client_input: net, base, key, program and values are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    if (stoffel_net_my_id(net) >= 0) {
        party_format(err, err_len, "stoffel_vm_client_input: needs a client endpoint");
        return STOFFEL_ERR_INVALID_ARG;
    }
    if (count == 0 || count > 65536) {
        party_format(err, err_len, "an input holds 1 to 65536 values (got %zu)", count);
        return STOFFEL_ERR_INVALID_ARG;
    }
    int64_t deadline = party_now_ms() + (timeout_ms < 0 ? 30000 : timeout_ms);
    answers a = {0};
    a.n = stoffel_net_party_count(net);
    randombytes_buf(&a.request_id, sizeof a.request_id);
    uint8_t cnt[8];
    party_put_u64(cnt, count);
    stoffel_net_bytes parts[2] = {{program, STOFFEL_VM_BUNDLE_HASH_LEN}, {cnt, 8}};
    size_t flen = 0;
    uint8_t *frame = party_envelope(a.request_id, 0, "input", parts, 2, &flen);
    if (!frame)
        return STOFFEL_ERR_NOMEM;
    send_request(net, a.n, frame, flen);
    stoffel_net_buffer_free(frame);

    /* 1. party 0 names the session (after every party is ready), or someone refuses */
    int rc = recv_until(net, &a, deadline, has_session_or_error, NULL);
    const answer *x;
    if (rc == 0 && (x = find_kind(&a, "error", UINT32_MAX)) != NULL) {
        rc = refusal(x, err, err_len);
        answers_free(&a);
        return rc;
    }
    if (rc) {
        party_format(err, err_len,
                     rc == STOFFEL_ERR_TIMEOUT
                         ? "party 0 did not start the input within the timeout; check that every party runs"
                         : "receiving from the parties failed: %s",
                     stoffel_net_last_error(net));
        answers_free(&a);
        return rc;
    }
    x = find_kind(&a, "session", 0);
    if (x->count != 4 || x->parts[0].len != 8 || x->parts[1].len != 1 || x->parts[2].len != 4 ||
        x->parts[3].len != 1) {
        party_format(err, err_len, "party 0 sent a malformed session announcement");
        answers_free(&a);
        return STOFFEL_MPC_ERR_PEER;
    }
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.n = a.n;
    cfg.session_id = party_get_u64(x->parts[0].data);
    cfg.field = (stoffel_mpc_field_id)x->parts[1].data[0];
    memcpy(&cfg.t, x->parts[2].data, 4);
    cfg.security = x->parts[3].data[0] ? STOFFEL_MPC_ROBUST : STOFFEL_MPC_SEMI_HONEST;
    cfg.timeout_ms = (uint32_t)(deadline_left(deadline) + 1);

    /* 2. the mask protocol */
    stoffel_mpc_field *field = NULL;
    stoffel_mpc_client *client = NULL;
    uint8_t *elems = NULL;
    size_t es = 0;
    struct event *tick = NULL;
    char cerr[512] = "";
    rc = stoffel_mpc_field_new(cfg.field, &field);
    if (rc == 0) {
        es = stoffel_mpc_field_elem_size(field);
        elems = calloc(count, es);
        if (!elems)
            rc = STOFFEL_ERR_NOMEM;
    }
    for (size_t k = 0; rc == 0 && k < count; k++)
        stoffel_mpc_field_from_i64(field, values[k], elems + k * es);
    if (rc == 0)
        rc = stoffel_mpc_client_new(&cfg, base, net, key, &client, cerr, sizeof cerr);
    if (rc) {
        party_format(err, err_len, "cannot start the MPC client: %s", cerr[0] ? cerr : stoffel_mpc_strerror(rc));
        goto done;
    }
    stoffel_mpc_client_set_foreign_handler(client, foreign_answer, &a);
    rc = stoffel_mpc_client_input(client, elems, count, (int)deadline_left(deadline));
    if (rc) {
        party_format(err, err_len, "the input protocol failed: %s", stoffel_mpc_client_last_error(client));
        goto done;
    }
    /* 3. every party acknowledges once its shares are committed */
    tick = evtimer_new(base, on_tick, NULL);
    if (!tick) {
        rc = STOFFEL_ERR_NOMEM;
        goto done;
    }
    for (;;) {
        if ((x = find_kind(&a, "error", UINT32_MAX)) != NULL) {
            rc = refusal(x, err, err_len);
            break;
        }
        size_t stored = 0;
        for (uint32_t j = 0; j < a.n; j++)
            stored += find_kind(&a, "stored", j) != NULL;
        if (stored == a.n)
            break;
        int64_t left = deadline_left(deadline);
        if (left <= 0 || a.nomem) {
            char missing[160];
            list_without(&a, "stored", missing, sizeof missing);
            party_format(err, err_len,
                         "party %s did not acknowledge the input within the timeout; the input may be held by only "
                         "some parties: send it again once every party runs",
                         missing);
            rc = a.nomem ? STOFFEL_ERR_NOMEM : STOFFEL_ERR_TIMEOUT;
            break;
        }
        struct timeval tv = {(time_t)(left / 1000), (suseconds_t)((left % 1000) * 1000)};
        evtimer_add(tick, &tv);
        event_base_loop(base, EVLOOP_ONCE);
        evtimer_del(tick);
    }
    if (rc == 0 && seq) {
        x = find_kind(&a, "stored", 0);
        *seq = x && x->count == 1 && x->parts[0].len == 8 ? party_get_u64(x->parts[0].data) : 0;
    }
done:
    if (tick)
        event_free(tick);
    stoffel_mpc_client_free(client);
    if (elems)
        stoffel_vm_party_secret_free(elems, count * es);
    stoffel_mpc_field_free(field);
    answers_free(&a);
    return rc;
}

STOFFEL_API int stoffel_vm_client_output(stoffel_net *net, struct event_base *base,
                                         const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                                         const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN], int64_t **values,
                                         size_t *count, int timeout_ms, char *err, size_t err_len)
{
    if (!net || !base || !key || !program || !values || !count) {
        party_format(err, err_len, "stoffel_vm_client_output: net, base, key, program, values and count are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *values = NULL;
    *count = 0;
    if (stoffel_net_my_id(net) >= 0) {
        party_format(err, err_len, "stoffel_vm_client_output: needs a client endpoint");
        return STOFFEL_ERR_INVALID_ARG;
    }
    int64_t deadline = party_now_ms() + (timeout_ms < 0 ? 30000 : timeout_ms);
    answers a = {0};
    a.n = stoffel_net_party_count(net);
    randombytes_buf(&a.request_id, sizeof a.request_id);
    stoffel_net_bytes part = {program, STOFFEL_VM_BUNDLE_HASH_LEN};
    size_t flen = 0;
    uint8_t *frame = party_envelope(a.request_id, 0, "output", &part, 1, &flen);
    if (!frame)
        return STOFFEL_ERR_NOMEM;
    send_request(net, a.n, frame, flen);
    stoffel_net_buffer_free(frame);
    int rc = recv_until(net, &a, deadline, has_session_or_error, NULL);
    const answer *x;
    if (rc == 0 && (x = find_kind(&a, "error", UINT32_MAX)) != NULL) {
        rc = refusal(x, err, err_len);
        answers_free(&a);
        return rc;
    }
    if (rc) {
        party_format(err, err_len, "party 0 did not start serving the outputs within the timeout; check that every "
                                   "party runs");
        answers_free(&a);
        return rc;
    }
    x = find_kind(&a, "session", 0);
    if (x->count != 5 || x->parts[0].len != 8 || x->parts[1].len != 1 || x->parts[2].len != 4 ||
        x->parts[3].len != 1 || x->parts[4].len != 8 || party_get_u64(x->parts[4].data) == 0 ||
        party_get_u64(x->parts[4].data) > 65536) {
        party_format(err, err_len, "party 0 sent a malformed session announcement");
        answers_free(&a);
        return STOFFEL_MPC_ERR_PEER;
    }
    stoffel_mpc_net_config cfg;
    stoffel_mpc_net_config_defaults(&cfg);
    cfg.n = a.n;
    cfg.session_id = party_get_u64(x->parts[0].data);
    cfg.field = (stoffel_mpc_field_id)x->parts[1].data[0];
    memcpy(&cfg.t, x->parts[2].data, 4);
    cfg.security = x->parts[3].data[0] ? STOFFEL_MPC_ROBUST : STOFFEL_MPC_SEMI_HONEST;
    cfg.timeout_ms = (uint32_t)(deadline_left(deadline) + 1);
    size_t n = (size_t)party_get_u64(x->parts[4].data);
    stoffel_mpc_field *field = NULL;
    stoffel_mpc_client *client = NULL;
    uint8_t *elems = NULL;
    int64_t *out = NULL;
    size_t es = 0;
    char cerr[512] = "";
    rc = stoffel_mpc_field_new(cfg.field, &field);
    if (rc == 0) {
        es = stoffel_mpc_field_elem_size(field);
        elems = calloc(n, es);
        out = calloc(n, sizeof *out);
        if (!elems || !out)
            rc = STOFFEL_ERR_NOMEM;
    }
    if (rc == 0)
        rc = stoffel_mpc_client_new(&cfg, base, net, key, &client, cerr, sizeof cerr);
    if (rc) {
        party_format(err, err_len, "cannot start the MPC client: %s", cerr[0] ? cerr : stoffel_mpc_strerror(rc));
        goto done;
    }
    stoffel_mpc_client_set_foreign_handler(client, foreign_answer, &a);
    rc = stoffel_mpc_client_fetch_outputs(client, elems, n, (int)deadline_left(deadline));
    if (rc) {
        party_format(err, err_len, "fetching the outputs failed: %s", stoffel_mpc_client_last_error(client));
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        int fits = 0;
        stoffel_mpc_field_to_i64(field, elems + k * es, &out[k], &fits);
    }
    *values = out;
    *count = n;
    out = NULL;
done:
    stoffel_mpc_client_free(client);
    if (elems)
        stoffel_vm_party_secret_free(elems, n * es);
    if (out)
        stoffel_vm_party_secret_free(out, n * sizeof *out);
    stoffel_mpc_field_free(field);
    answers_free(&a);
    return rc;
}

typedef struct {
    uint32_t want;
    int64_t enough_at; /* when `want` answers were first in */
} run_wait;

static int run_answered(const answers *a, void *ctx)
{
    run_wait *w = ctx;
    uint32_t got = 0;
    for (uint32_t j = 0; j < a->n; j++)
        got += find_kind(a, "result", j) != NULL || find_kind(a, "error", j) != NULL;
    if (find_kind(a, "error", UINT32_MAX))
        return 1;
    if (got == a->n)
        return 1;
    if (got >= w->want) {
        if (!w->enough_at)
            w->enough_at = party_now_ms();
        return party_now_ms() - w->enough_at >= 2000;
    }
    return 0;
}

static int well_formed_result(const answer *x)
{
    return x->count == 4 && x->parts[0].len == 8 && x->parts[3].len == PARTY_STATS_COUNT * 8;
}

static int same_part(const stoffel_net_bytes *a, const stoffel_net_bytes *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static char *dup_part(const stoffel_net_bytes *p)
{
    char *s = malloc(p->len + 1);
    if (s) {
        if (p->len)
            memcpy(s, p->data, p->len);
        s[p->len] = 0;
    }
    return s;
}

STOFFEL_API int stoffel_vm_run_network(stoffel_net *net, const uint8_t program[STOFFEL_VM_BUNDLE_HASH_LEN],
                                       uint32_t min_answers, int timeout_ms, stoffel_vm_network_result **out,
                                       char *err, size_t err_len)
{
    if (!net || !program || !out) {
        party_format(err, err_len, "stoffel_vm_run_network: net, program and out are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (stoffel_net_my_id(net) >= 0) {
        party_format(err, err_len, "stoffel_vm_run_network: needs a client endpoint");
        return STOFFEL_ERR_INVALID_ARG;
    }
    answers a = {0};
    a.n = stoffel_net_party_count(net);
    randombytes_buf(&a.request_id, sizeof a.request_id);
    stoffel_net_bytes part = {program, STOFFEL_VM_BUNDLE_HASH_LEN};
    size_t flen = 0;
    uint8_t *frame = party_envelope(a.request_id, 0, "run", &part, 1, &flen);
    if (!frame)
        return STOFFEL_ERR_NOMEM;
    send_request(net, a.n, frame, flen);
    stoffel_net_buffer_free(frame);
    run_wait w = {min_answers == 0 || min_answers > a.n ? a.n : min_answers, 0};
    int64_t deadline = party_now_ms() + (timeout_ms < 0 ? 120000 : timeout_ms);
    int rc = recv_until(net, &a, deadline, run_answered, &w);
    const answer *x = find_kind(&a, "error", UINT32_MAX);
    if (x) {
        rc = refusal(x, err, err_len);
        answers_free(&a);
        return rc;
    }
    const answer *first = NULL;
    uint32_t got = 0;
    for (size_t i = 0; i < a.count; i++) {
        const answer *r = &a.items[i];
        if (strcmp(r->kind, "result") != 0)
            continue;
        if (!well_formed_result(r)) {
            party_format(err, err_len, "party %u sent a malformed result", r->party);
            answers_free(&a);
            return STOFFEL_MPC_ERR_PEER;
        }
        if (!first || r->party == 0)
            first = first && r->party != 0 ? first : r;
        got++;
    }
    if (got < w.want) {
        char missing[160];
        list_without(&a, "result", missing, sizeof missing);
        party_format(err, err_len,
                     rc == STOFFEL_ERR_TIMEOUT || rc == 0
                         ? "no result from party %s within the timeout (%u of %u needed answered); check that "
                           "`stoffel party` runs for it"
                         : "receiving from the parties failed (party %s silent)",
                     missing, got, w.want);
        answers_free(&a);
        return rc ? rc : STOFFEL_ERR_TIMEOUT;
    }
    for (size_t i = 0; i < a.count; i++) {
        const answer *r = &a.items[i];
        if (strcmp(r->kind, "result") == 0 &&
            (!same_part(&r->parts[1], &first->parts[1]) || !same_part(&r->parts[2], &first->parts[2]))) {
            party_format(err, err_len, "parties %u and %u disagree on the result (`%.*s` vs `%.*s`)", first->party,
                         r->party, (int)(first->parts[1].len > 100 ? 100 : first->parts[1].len),
                         (const char *)first->parts[1].data, (int)(r->parts[1].len > 100 ? 100 : r->parts[1].len),
                         (const char *)r->parts[1].data);
            answers_free(&a);
            return STOFFEL_MPC_ERR_PEER;
        }
    }
    stoffel_vm_network_result *res = calloc(1, sizeof *res);
    if (!res || !(res->result = dup_part(&first->parts[1])) || !(res->output = dup_part(&first->parts[2]))) {
        stoffel_vm_network_result_free(res);
        answers_free(&a);
        return STOFFEL_ERR_NOMEM;
    }
    uint64_t st[PARTY_STATS_COUNT];
    for (int k = 0; k < PARTY_STATS_COUNT; k++)
        st[k] = party_get_u64(first->parts[3].data + 8 * k);
    res->run_id = party_get_u64(first->parts[0].data);
    res->answers = got;
    res->input_s = (double)st[PARTY_STATS_INPUT_NS] / 1e9;
    res->preprocessing_s = (double)st[PARTY_STATS_PREP_NS] / 1e9;
    res->online_s = (double)st[PARTY_STATS_ONLINE_NS] / 1e9;
    res->total_s = (double)st[PARTY_STATS_TOTAL_NS] / 1e9;
    res->preprocessing_rounds = st[PARTY_STATS_PREP_ROUNDS];
    res->preprocessing_bytes = st[PARTY_STATS_PREP_BYTES];
    res->online_rounds = st[PARTY_STATS_ONLINE_ROUNDS];
    res->online_bytes = st[PARTY_STATS_ONLINE_BYTES];
    *out = res;
    answers_free(&a);
    return 0;
}

STOFFEL_API void stoffel_vm_network_result_free(stoffel_vm_network_result *result)
{
    if (!result)
        return;
    free(result->result);
    free(result->output);
    free(result);
}
