/* rbc.c - Bracha reliable broadcast (see rbc.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rbc.h"

int rbc_init(rbc_state *r, uint32_t n, uint32_t t, uint32_t self, mpc_node dealer, uint32_t round_base)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->t = t;
    r->self = self;
    r->dealer = dealer;
    r->round_base = round_base;
    r->echoed_from = calloc(n, 1);
    r->readied_from = calloc(n, 1);
    r->cand = calloc(n + 1, sizeof *r->cand);
    if (!r->echoed_from || !r->readied_from || !r->cand) {
        rbc_free(r);
        return STOFFEL_ERR_NOMEM;
    }
    return 0;
}

void rbc_free(rbc_state *r)
{
    if (r->cand)
        for (uint32_t i = 0; i < r->ncand; i++) {
            if (r->cand[i].payload)
                sodium_memzero(r->cand[i].payload, r->cand[i].len);
            free(r->cand[i].payload);
        }
    free(r->cand);
    free(r->echoed_from);
    free(r->readied_from);
    memset(r, 0, sizeof *r);
}

int rbc_deal(mpc_outbox *out, uint32_t n, uint32_t round_base, const uint8_t *payload, size_t len)
{
    for (uint32_t j = 0; j < n; j++) {
        uint8_t *buf = outbox_push(out, party_node(j), round_base, len);
        if (!buf)
            return STOFFEL_ERR_NOMEM;
        memcpy(buf, payload, len);
    }
    return 0;
}

static rbc_candidate *find_cand(rbc_state *r, const uint8_t digest[32], int create)
{
    for (uint32_t i = 0; i < r->ncand; i++)
        if (memcmp(r->cand[i].digest, digest, 32) == 0)
            return &r->cand[i];
    /* at most n + 1 distinct digests can ever be backed by a message: one per sender */
    if (!create || r->ncand > r->n)
        return NULL;
    rbc_candidate *c = &r->cand[r->ncand++];
    memcpy(c->digest, digest, 32);
    return c;
}

static int keep_payload(rbc_candidate *c, const uint8_t *payload, size_t len)
{
    if (c->payload || !payload)
        return 0;
    c->payload = malloc(len ? len : 1);
    if (!c->payload)
        return STOFFEL_ERR_NOMEM;
    memcpy(c->payload, payload, len);
    c->len = len;
    return 0;
}

static int send_all(rbc_state *r, mpc_outbox *out, uint32_t round, const uint8_t *data, size_t len)
{
    for (uint32_t j = 0; j < r->n; j++) {
        uint8_t *buf = outbox_push(out, party_node(j), round, len);
        if (!buf)
            return STOFFEL_ERR_NOMEM;
        memcpy(buf, data, len);
    }
    return 0;
}

/* Sends READY if a threshold is met, delivers at 2t+1 READYs with the payload known. */
static int rbc_progress(rbc_state *r, rbc_candidate *c, mpc_outbox *out)
{
    uint32_t echo_threshold = (r->n + r->t + 2) / 2; /* ceil((n + t + 1) / 2) */
    if (!r->sent_ready && (c->echoes >= echo_threshold || c->readies >= r->t + 1)) {
        r->sent_ready = 1;
        int rc = send_all(r, out, r->round_base + 2, c->digest, 32);
        if (rc)
            return rc;
    }
    if (!r->delivered && c->readies >= 2 * r->t + 1 && c->payload) {
        r->delivered = 1;
        r->out = c->payload;
        r->out_len = c->len;
        return 1;
    }
    return 0;
}

int rbc_receive(rbc_state *r, mpc_node from, uint32_t round, const uint8_t *payload, size_t len,
                mpc_outbox *out)
{
    if (r->delivered && round != r->round_base + 1)
        return 0;
    if (len > RBC_MAX_PAYLOAD)
        return 0;
    uint8_t digest[32];
    if (round == r->round_base) {
        /* INIT: only from the dealer, echoed once */
        if (!node_equal(from, r->dealer) || r->sent_echo)
            return 0;
        r->sent_echo = 1;
        crypto_generichash(digest, 32, payload, len, NULL, 0);
        rbc_candidate *c = find_cand(r, digest, 1);
        if (c && keep_payload(c, payload, len))
            return STOFFEL_ERR_NOMEM;
        return send_all(r, out, r->round_base + 1, payload, len);
    }
    if (from.role != MPC_ROLE_PARTY || from.id >= r->n)
        return 0;
    uint32_t j = (uint32_t)from.id;
    if (round == r->round_base + 1) {
        if (r->echoed_from[j])
            return 0;
        r->echoed_from[j] = 1;
        crypto_generichash(digest, 32, payload, len, NULL, 0);
        rbc_candidate *c = find_cand(r, digest, 1);
        if (!c)
            return 0;
        if (keep_payload(c, payload, len))
            return STOFFEL_ERR_NOMEM;
        c->echoes++;
        return rbc_progress(r, c, out);
    }
    if (round == r->round_base + 2) {
        if (len != 32 || r->readied_from[j])
            return 0;
        r->readied_from[j] = 1;
        rbc_candidate *c = find_cand(r, payload, 1);
        if (!c)
            return 0;
        c->readies++;
        return rbc_progress(r, c, out);
    }
    return 0;
}

/* ---- stand-alone instance ---- */

typedef struct {
    mpc_proto base;
    mpc_party *P;
    rbc_state st;
} rbc_proto;

static int rbc_proto_receive(mpc_proto *p, mpc_node from, uint32_t round, const uint8_t *payload, size_t len,
                             mpc_outbox *out)
{
    rbc_proto *b = (rbc_proto *)p;
    int rc = rbc_receive(&b->st, from, round, payload, len, out);
    if (rc < 0)
        return proto_fail(p, rc, "reliable broadcast: out of memory");
    if (b->st.delivered)
        p->done = 1;
    return 0;
}

static int rbc_proto_timeout(mpc_proto *p, mpc_outbox *out)
{
    (void)out;
    rbc_proto *b = (rbc_proto *)p;
    if (!p->done && !p->status)
        return proto_fail(p, STOFFEL_ERR_TIMEOUT,
                          "reliable broadcast from party %llu did not complete (%u ready messages seen)",
                          (unsigned long long)b->st.dealer.id, b->st.ncand ? b->st.cand[0].readies : 0);
    return 0;
}

static void rbc_proto_destroy(mpc_proto *p)
{
    rbc_proto *b = (rbc_proto *)p;
    rbc_free(&b->st);
    free(b);
}

static const mpc_proto_ops rbc_ops = {"rbc", rbc_proto_receive, rbc_proto_timeout, rbc_proto_destroy};

mpc_proto *rbc_new(mpc_party *P, uint64_t instance, uint32_t dealer, const uint8_t *payload, size_t len,
                   mpc_outbox *out)
{
    rbc_proto *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    proto_init(&b->base, &rbc_ops, MPC_PROTO_RBC, P->session, instance, party_node(P->self));
    b->P = P;
    if (rbc_init(&b->st, P->n, P->t, P->self, party_node(dealer), 0)) {
        free(b);
        return NULL;
    }
    if (dealer == P->self && payload && rbc_deal(out, P->n, 0, payload, len)) {
        rbc_proto_destroy(&b->base);
        return NULL;
    }
    return &b->base;
}

const uint8_t *rbc_result(const mpc_proto *p, size_t *len)
{
    const rbc_proto *b = (const rbc_proto *)p;
    if (!p->done)
        return NULL;
    *len = b->st.out_len;
    return b->st.out;
}
