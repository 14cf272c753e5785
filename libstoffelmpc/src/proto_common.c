/* proto_common.c - outboxes, party/client contexts and the share collector shared by protocols. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "big_alloc.h"
#include "proto.h"

void *cache_get(mpc_cache *c, size_t size, size_t *cap)
{
    if (size == 0)
        size = 1;
    if (c) {
        /* smallest cached block that fits and wastes at most half of itself */
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < c->count; i++)
            if (c->size[i] >= size && c->size[i] / 2 <= size && (best == SIZE_MAX || c->size[i] < c->size[best]))
                best = i;
        if (best != SIZE_MAX) {
            void *b = c->block[best];
            *cap = c->size[best];
            c->count--;
            c->block[best] = c->block[c->count];
            c->size[best] = c->size[c->count];
            return b;
        }
    }
    *cap = size;
    return big_alloc(size);
}

void cache_put(mpc_cache *c, void *block, size_t used, size_t cap)
{
    if (!block)
        return;
    sodium_memzero(block, used < cap ? used : cap);
    /* small blocks are cheap to malloc: only cache the large ones */
    if (!c || cap < 4096) {
        free(block);
        return;
    }
    if (c->count == MPC_CACHE_SLOTS) {
        /* evict the smallest */
        size_t small = 0;
        for (size_t i = 1; i < c->count; i++)
            if (c->size[i] < c->size[small])
                small = i;
        if (c->size[small] >= cap) {
            free(block);
            return;
        }
        free(c->block[small]);
        c->count--;
        c->block[small] = c->block[c->count];
        c->size[small] = c->size[c->count];
    }
    c->block[c->count] = block;
    c->size[c->count] = cap;
    c->count++;
}

void cache_free(mpc_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++)
        free(c->block[i]);
    c->count = 0;
}

uint8_t *outbox_push(mpc_outbox *out, mpc_node to, uint32_t round, size_t len)
{
    if (out->count == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        mpc_out *items = realloc(out->items, cap * sizeof *items);
        if (!items)
            return NULL;
        out->items = items;
        out->cap = cap;
    }
    size_t bcap;
    uint8_t *block = cache_get(out->cache, MPC_WIRE_HEADROOM + len, &bcap);
    if (!block)
        return NULL;
    mpc_out *o = &out->items[out->count++];
    o->to = to;
    o->round = round;
    o->block = block;
    o->block_cap = bcap;
    o->payload = block + MPC_WIRE_HEADROOM;
    o->len = len;
    return o->payload;
}

void outbox_clear(mpc_outbox *out)
{
    for (size_t i = 0; i < out->count; i++)
        if (out->items[i].block)
            cache_put(out->cache, out->items[i].block, MPC_WIRE_HEADROOM + out->items[i].len,
                      out->items[i].block_cap);
    out->count = 0;
}

void outbox_free(mpc_outbox *out)
{
    outbox_clear(out);
    free(out->items);
    out->items = NULL;
    out->cap = 0;
}

int party_init(mpc_party *P, const field *F, uint32_t n, uint32_t t, uint32_t self, int robust,
               uint64_t session, const uint8_t rng_key[32])
{
    memset(P, 0, sizeof *P);
    P->F = F;
    P->n = n;
    P->t = t;
    P->self = self;
    P->robust = robust;
    P->session = session;
    rng_init_key(&P->rng, rng_key);
    P->blame = calloc(n, sizeof *P->blame);
    if (!P->blame)
        return STOFFEL_ERR_NOMEM;
    int rc = shamir_ctx_init(&P->S, F, n);
    if (rc) {
        free(P->blame);
        P->blame = NULL;
    }
    return rc;
}

void party_free(mpc_party *P)
{
    if (!P)
        return;
    shamir_ctx_free(&P->S);
    free(P->blame);
    rng_wipe(&P->rng);
    memset(P, 0, sizeof *P);
}

int client_init(mpc_client *C, const field *F, uint32_t n, uint32_t t, int robust, uint64_t id,
                uint64_t session)
{
    memset(C, 0, sizeof *C);
    C->F = F;
    C->n = n;
    C->t = t;
    C->robust = robust;
    C->id = id;
    C->session = session;
    return shamir_ctx_init(&C->S, F, n);
}

void client_free(mpc_client *C)
{
    if (!C)
        return;
    shamir_ctx_free(&C->S);
    memset(C, 0, sizeof *C);
}

void proto_init(mpc_proto *p, const mpc_proto_ops *ops, uint8_t kind, uint64_t session,
                uint64_t instance, mpc_node self)
{
    p->ops = ops;
    p->kind = kind;
    p->session = session;
    p->instance = instance;
    p->self = self;
}

int proto_fail(mpc_proto *p, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof p->error, fmt, ap);
    va_end(ap);
    p->status = status;
    return status;
}

/* ---- collector ---- */

int collector_init(collector *c, const field *F, shamir_ctx *S, uint32_t n, uint32_t t,
                   uint32_t degree, int robust, size_t count, mpc_cache *cache)
{
    memset(c, 0, sizeof *c);
    c->cache = cache;
    c->F = F;
    c->S = S;
    c->n = n;
    c->t = t;
    c->degree = degree;
    c->robust = robust;
    c->count = count;
    c->expect = n;
    size_t L = F->limbs;
    c->recv = cache_get(cache, (size_t)n * (count ? count : 1) * L * sizeof(uint64_t), &c->recv_cap);
    c->out = cache_get(cache, (count ? count : 1) * L * sizeof(uint64_t), &c->out_cap);
    c->have = calloc(n, 1);
    c->suspect = calloc(n, 1);
    c->decoded = robust ? calloc(count ? count : 1, 1) : NULL;
    c->remaining = count;
    if (!c->recv || !c->out || !c->have || !c->suspect || (robust && !c->decoded)) {
        collector_free(c);
        return STOFFEL_ERR_NOMEM;
    }
    return 0;
}

void collector_free(collector *c)
{
    cache_put(c->cache, c->recv, (size_t)c->n * (c->count ? c->count : 1) * c->F->limbs * sizeof(uint64_t),
              c->recv_cap);
    cache_put(c->cache, c->out, (c->count ? c->count : 1) * c->F->limbs * sizeof(uint64_t), c->out_cap);
    free(c->have);
    free(c->suspect);
    free(c->decoded);
    c->recv = c->out = NULL;
    c->have = c->suspect = c->decoded = NULL;
}

static uint64_t *collector_row(collector *c, uint32_t party)
{
    return c->recv + (size_t)party * c->count * c->F->limbs;
}

int collector_add(collector *c, uint32_t from, const uint8_t *payload, size_t len)
{
    const size_t L = c->F->limbs;
    if (from >= c->n || c->have[from])
        return STOFFEL_ERR_STATE;
    if (len != c->count * L * sizeof(uint64_t))
        return STOFFEL_ERR_MALFORMED;
    uint64_t *row = collector_row(c, from);
    memcpy(row, payload, len);
    if (fe_vec_first_noncanonical(c->F, row, c->count) != c->count)
        return STOFFEL_ERR_MALFORMED;
    c->have[from] = 1;
    c->nhave++;
    return 0;
}

void collector_add_own(collector *c, uint32_t self, const uint64_t *shares)
{
    if (c->have[self])
        return;
    memcpy(collector_row(c, self), shares, c->count * c->F->limbs * sizeof(uint64_t));
    c->have[self] = 1;
    c->nhave++;
}

static const char *list_missing(collector *c, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < c->n && off + 12 < len; i++)
        if (!c->have[i] && (!c->awaited || c->awaited[i]))
            off += (size_t)snprintf(buf + off, len - off, "%s%u", off ? ", " : "", i);
    return buf;
}

static int try_plain(collector *c, int final, char *msg, size_t msg_len)
{
    /* semi-honest: reconstruct once every share that will come is in (checking the extras), or
     * at the timeout from the d+1 or more that arrived */
    if (c->nhave < c->expect && !final)
        return 0;
    char missing[256];
    if (c->nhave < c->degree + 1) {
        snprintf(msg, msg_len, "opening needs %u shares of degree-%u sharings but only %u arrived (missing from parties %s)",
                 c->degree + 1, c->degree, c->nhave, list_missing(c, missing, sizeof missing));
        return STOFFEL_ERR_TIMEOUT;
    }
    uint32_t idx[SHAMIR_MAX_PARTIES], m = 0;
    const uint64_t *rows[SHAMIR_MAX_PARTIES];
    for (uint32_t i = 0; i < c->n; i++) {
        rows[i] = collector_row(c, i);
        if (c->have[i])
            idx[m++] = i;
    }
    uint32_t bad = 0;
    int rc = shamir_reconstruct_vec(c->S, rows, idx, m, c->degree, c->count, c->out, &bad);
    if (rc == STOFFEL_MPC_ERR_INCONSISTENT) {
        if (c->blame)
            c->blame[bad]++;
        snprintf(msg, msg_len, "shares are inconsistent: party %u's share does not lie on the degree-%u polynomial of the others (semi-honest mode aborts)",
                 bad, c->degree);
        return rc;
    }
    if (rc)
        return rc;
    c->complete = 1;
    return 1;
}

/* Robust: fast vector path on d+t+1 unsuspected shares; elements that fail go through the spec's
 * per-element robust reconstruction, which names liars; newly named liars are excluded from the
 * fast path and it runs again. Any d+t+1 shares on one degree-d polynomial include d+1 honest
 * ones, so an accepted fast-path value is the correct one. */
static int try_robust(collector *c, int final, char *msg, size_t msg_len)
{
    const field *F = c->F;
    const size_t L = F->limbs;
    const uint32_t k = c->degree + 1, need = c->degree + c->t + 1;
    if (c->nhave < need && !final)
        return 0;
    if (c->nhave < need) {
        char missing[256];
        snprintf(msg, msg_len, "robust opening needs %u shares but only %u arrived (missing from parties %s)",
                 need, c->nhave, list_missing(c, missing, sizeof missing));
        return STOFFEL_ERR_TIMEOUT;
    }
    uint64_t *fast = malloc(c->count * L * sizeof(uint64_t));
    uint64_t *tmp = malloc(c->count * L * sizeof(uint64_t));
    uint64_t *vals = malloc((size_t)c->n * L * sizeof(uint64_t));
    uint8_t *liars = calloc(c->n, 1);
    uint8_t *agree = malloc(c->count ? c->count : 1);
    int rc = 0;
    if (!fast || !tmp || !vals || !liars || !agree) {
        rc = STOFFEL_ERR_NOMEM;
        goto out;
    }
    int run_fast = 1;
    while (c->remaining > 0) {
        uint32_t idx[SHAMIR_MAX_PARTIES], m = 0;
        for (uint32_t i = 0; i < c->n && m < need; i++)
            if (c->have[i] && !c->suspect[i])
                idx[m++] = i;
        if (run_fast && m == need) {
            run_fast = 0;
            const uint64_t *vecs[SHAMIR_MAX_PARTIES];
            for (uint32_t j = 0; j < k; j++)
                vecs[j] = collector_row(c, idx[j]);
            uint64_t *lam = malloc(k * L * sizeof(uint64_t));
            const uint64_t *l0 = shamir_lagrange(c->S, idx, k, -1);
            if (!lam || !l0) {
                free(lam);
                rc = STOFFEL_ERR_NOMEM;
                goto out;
            }
            memcpy(lam, l0, k * L * sizeof(uint64_t));
            fe_vec_lincomb(F, fast, vecs, lam, k, c->count);
            free(lam);
            memset(agree, 1, c->count);
            for (uint32_t j = k; j < need; j++) {
                const uint64_t *co = shamir_lagrange(c->S, idx, k, (int)idx[j]);
                if (!co) {
                    rc = STOFFEL_ERR_NOMEM;
                    goto out;
                }
                fe_vec_lincomb(F, tmp, vecs, co, k, c->count);
                const uint64_t *row = collector_row(c, idx[j]);
                for (size_t e = 0; e < c->count; e++)
                    agree[e] &= (uint8_t)fe_equal(F, tmp + e * L, row + e * L);
            }
            for (size_t e = 0; e < c->count; e++) {
                if (!c->decoded[e] && agree[e]) {
                    fe_copy(F, c->out + e * L, fast + e * L);
                    c->decoded[e] = 1;
                    c->remaining--;
                }
            }
            continue;
        }
        /* first element still undecoded: the spec's robust reconstruction over all shares */
        size_t e = 0;
        while (e < c->count && c->decoded[e])
            e++;
        uint32_t all[SHAMIR_MAX_PARTIES], ma = 0;
        for (uint32_t i = 0; i < c->n; i++)
            if (c->have[i]) {
                fe_copy(F, vals + (size_t)ma * L, collector_row(c, i) + e * L);
                all[ma++] = i;
            }
        memset(liars, 0, c->n);
        int r = robust_reconstruct(c->S, vals, all, ma, c->degree, c->t, c->out + e * L, liars);
        if (r == STOFFEL_MPC_ERR_DECODE) {
            if (c->nhave == c->n || final) {
                snprintf(msg, msg_len, "robust reconstruction failed: more than t=%u of the %u shares received are wrong",
                         c->t, c->nhave);
                rc = STOFFEL_MPC_ERR_DECODE;
            }
            break; /* otherwise wait for more shares */
        }
        if (r) {
            rc = r;
            break;
        }
        c->decoded[e] = 1;
        c->remaining--;
        for (uint32_t i = 0; i < c->n; i++)
            if (liars[i] && !c->suspect[i]) {
                c->suspect[i] = 1;
                if (c->blame)
                    c->blame[i]++;
                run_fast = 1; /* a liar left the fast set: vector path again */
            }
    }
out:
    free(fast);
    free(tmp);
    free(vals);
    free(liars);
    free(agree);
    if (rc)
        return rc;
    if (c->remaining == 0) {
        c->complete = 1;
        return 1;
    }
    return 0;
}

int collector_try(collector *c, int final, char *msg, size_t msg_len)
{
    if (c->complete)
        return 1;
    return c->robust ? try_robust(c, final, msg, msg_len) : try_plain(c, final, msg, msg_len);
}
