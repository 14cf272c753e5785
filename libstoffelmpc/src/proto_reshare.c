/*
 * proto_reshare.c - one-round resharing (semi-honest mode): parties 0..dealers-1 each deal
 * secrets of their own as degree-t Shamir sharings and every party collects its share of every
 * dealing. Two uses (the engines' MUL_RESHARE and DEALT_RANDOM kinds):
 *
 *   Multiplication by degree reduction (Gennaro-Rabin-Rabin 1998): the local products
 *   [a]_i [b]_i of parties 0..2t lie on a degree-2t polynomial with ab at 0; each of them
 *   reshares its product at degree t, and sum_i lambda_i [p_i]_t (Lagrange at 0 over parties
 *   0..2t) is a fresh degree-t sharing of ab. No triple, one round, 2t sends per dealer.
 *
 *   Dealt randomness: parties 0..t deal random values of their own; any t parties miss at least
 *   one dealing, so the XOR of t+1 dealt bits is a uniformly random bit and the sum of t+1 dealt
 *   integers a statistical mask, both unknown to any t parties.
 *
 * Semi-honest only: a dealer could deal an inconsistent sharing or an out-of-range value
 * undetected, so the engines refuse these kinds in robust mode (the nonlinear protocols then use
 * triples and the square-root trick).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"

#define RESHARE_SEED_BYTES 32

typedef struct {
    mpc_proto base;
    mpc_party *P;
    uint32_t dealers;
    size_t count;
    uint64_t *recv; /* dealers x count: this party's share of each dealing */
    size_t recv_cap;
    uint8_t *have;  /* dealers */
    uint32_t nhave;
} reshare_proto;

static size_t row_bytes(const reshare_proto *r) { return r->count * r->P->F->limbs * sizeof(uint64_t); }

/* The t parties after dealer d (cyclically) get their shares of d's dealing as a 32-byte PRG
 * seed instead of a vector: t shares of a degree-t sharing may be uniformly random, and with the
 * secret they fix the polynomial, whose values at the other parties the dealer sends. A dealing
 * costs n - 1 - t vectors instead of n - 1 (half the bytes at n = 3). */
static int seeded_by(const mpc_party *P, uint32_t dealer, uint32_t j)
{
    uint32_t ahead = (j + P->n - dealer) % P->n;
    return ahead >= 1 && ahead <= P->t;
}

static void expand_seed(const field *F, const uint8_t seed[RESHARE_SEED_BYTES], uint64_t *row, size_t count)
{
    /* The vector is the seed's ChaCha20 stream (nonce 0) read as field elements; the rare element
     * >= p is redrawn from a second stream (nonce 2^63), so both ends derive the same vector. */
    static const uint8_t nonce0[crypto_stream_chacha20_NONCEBYTES] = {0};
    const size_t L = F->limbs;
    crypto_stream_chacha20((uint8_t *)row, count * L * sizeof(uint64_t), nonce0, seed);
    mpc_rng redraw;
    int keyed = 0;
    for (size_t k = 0; k < count; k++) {
        uint64_t *e = row + k * L;
        e[L - 1] &= F->top_mask;
        while (!fe_is_canonical(F, e)) {
            if (!keyed) {
                rng_init_key(&redraw, seed);
                redraw.nonce = (uint64_t)1 << 63;
                keyed = 1;
            }
            rng_bytes(&redraw, e, L * sizeof(uint64_t));
            e[L - 1] &= F->top_mask;
        }
    }
    if (keyed)
        rng_wipe(&redraw);
}

static int reshare_receive(mpc_proto *p, mpc_node from, uint32_t round, const uint8_t *payload,
                           size_t len, mpc_outbox *out)
{
    reshare_proto *r = (reshare_proto *)p;
    (void)out;
    if (p->done || p->status)
        return 0;
    if (from.role != MPC_ROLE_PARTY || from.id >= r->P->n)
        return 0;
    if (round != 0 || from.id >= r->dealers || r->have[from.id]) {
        r->P->blame[from.id]++; /* not a dealer of this instance, or a second dealing */
        return 0;
    }
    const field *F = r->P->F;
    uint64_t *row = r->recv + from.id * r->count * F->limbs;
    if (seeded_by(r->P, (uint32_t)from.id, r->P->self)) {
        if (len != RESHARE_SEED_BYTES)
            return proto_fail(p, STOFFEL_MPC_ERR_PEER,
                              "party %llu sent a resharing seed of %zu bytes (expected %d)",
                              (unsigned long long)from.id, len, RESHARE_SEED_BYTES);
        expand_seed(F, payload, row, r->count);
    } else if (len != row_bytes(r))
        return proto_fail(p, STOFFEL_MPC_ERR_PEER,
                          "party %llu sent a resharing of %zu bytes (expected %zu: %zu field elements)",
                          (unsigned long long)from.id, len, row_bytes(r), r->count);
    else {
        memcpy(row, payload, len);
        size_t bad = fe_vec_first_noncanonical(F, row, r->count);
        if (bad < r->count)
            return proto_fail(p, STOFFEL_MPC_ERR_PEER,
                              "party %llu sent a resharing whose element %zu is not a field element",
                              (unsigned long long)from.id, bad);
    }
    r->have[from.id] = 1;
    if (++r->nhave == r->dealers)
        p->done = 1;
    return 0;
}

static int reshare_timeout(mpc_proto *p, mpc_outbox *out)
{
    reshare_proto *r = (reshare_proto *)p;
    (void)out;
    if (p->done || p->status)
        return 0;
    char missing[120] = "";
    size_t used = 0;
    for (uint32_t d = 0; d < r->dealers && used + 24 < sizeof missing; d++)
        if (!r->have[d])
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%u", used ? ", " : "", d);
    return proto_fail(p, STOFFEL_ERR_TIMEOUT,
                      "resharing: no dealing from part%s %s (semi-honest resharing needs every dealer)",
                      strchr(missing, ',') ? "ies" : "y", missing);
}

static void reshare_destroy(mpc_proto *p)
{
    reshare_proto *r = (reshare_proto *)p;
    if (r->recv)
        cache_put(r->P->cache, r->recv, r->dealers * row_bytes(r), r->recv_cap);
    free(r->have);
    free(r);
}

static const mpc_proto_ops reshare_ops = {"reshare", reshare_receive, reshare_timeout, reshare_destroy};

/* coef[a] = L_a(x) for the Lagrange basis over the nodes xs[0..m-1] (distinct). */
static void lagrange_at(const field *F, const uint64_t *xs, uint32_t m, const uint64_t *x, uint64_t *coef)
{
    const size_t L = F->limbs;
    uint64_t num[FIELD_MAX_LIMBS], den[FIELD_MAX_LIMBS], d[FIELD_MAX_LIMBS];
    for (uint32_t a = 0; a < m; a++) {
        fe_set_one(F, num);
        fe_set_one(F, den);
        for (uint32_t b = 0; b < m; b++) {
            if (b == a)
                continue;
            fe_sub(F, d, x, xs + b * L);
            fe_mul(F, num, num, d);
            fe_sub(F, d, xs + a * L, xs + b * L);
            fe_mul(F, den, den, d);
        }
        fe_inv(F, den, den);
        fe_mul(F, coef + a * L, num, den);
    }
}

/* A dealer's round: seeds for the t parties after it, the polynomial's values for the others
 * (written straight into the outgoing payloads) and its own share. */
static int deal(reshare_proto *r, const uint64_t *secrets, mpc_outbox *out)
{
    mpc_party *P = r->P;
    const field *F = P->F;
    const size_t L = F->limbs, bytes = row_bytes(r);
    const uint32_t m = P->t + 1; /* nodes: x = 0 (the secret) and the t seeded parties */
    const uint64_t **vecs = calloc(m, sizeof *vecs);
    uint64_t **rand = calloc(m, sizeof *rand);
    size_t *caps = calloc(m, sizeof *caps);
    uint64_t *xs = calloc((size_t)m * L, sizeof *xs), *coef = calloc((size_t)m * L, sizeof *coef);
    int rc = STOFFEL_ERR_NOMEM;
    if (!vecs || !rand || !caps || !xs || !coef)
        goto done;
    vecs[0] = secrets;
    fe_zero(F, xs);
    for (uint32_t s = 1; s < m; s++) {
        uint32_t j = (P->self + s) % P->n;
        fe_copy(F, xs + s * L, P->S.alpha + j * L);
        uint8_t *seed = outbox_push(out, party_node(j), 0, RESHARE_SEED_BYTES);
        if (!seed || !(rand[s] = cache_get(P->cache, bytes ? bytes : 8, &caps[s])))
            goto done;
        rng_bytes(&P->rng, seed, RESHARE_SEED_BYTES);
        expand_seed(F, seed, rand[s], r->count);
        vecs[s] = rand[s];
    }
    for (uint32_t k = 0; k < P->n; k++) {
        if (seeded_by(P, P->self, k))
            continue;
        uint64_t *dst = k == P->self ? r->recv + P->self * r->count * L
                                     : (uint64_t *)outbox_push(out, party_node(k), 0, bytes);
        if (!dst)
            goto done;
        lagrange_at(F, xs, m, P->S.alpha + k * L, coef);
        fe_vec_lincomb(F, dst, vecs, coef, m, r->count);
    }
    r->have[P->self] = 1;
    if (++r->nhave == r->dealers)
        r->base.done = 1;
    rc = 0;
done:
    for (uint32_t s = 1; rand && s < m; s++)
        if (rand[s])
            cache_put(P->cache, rand[s], bytes, caps[s]);
    free(vecs);
    free(rand);
    free(caps);
    free(xs);
    free(coef);
    return rc;
}

mpc_proto *reshare_new(mpc_party *P, uint64_t instance, const uint64_t *secrets, size_t count,
                       uint32_t dealers, mpc_outbox *out)
{
    if (dealers == 0 || dealers > P->n || (P->self < dealers && count && !secrets))
        return NULL;
    reshare_proto *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    proto_init(&r->base, &reshare_ops, MPC_PROTO_RESHARE, P->session, instance, party_node(P->self));
    r->P = P;
    r->dealers = dealers;
    r->count = count;
    r->have = calloc(dealers, 1);
    r->recv = cache_get(P->cache, dealers * row_bytes(r) + 8, &r->recv_cap);
    if (!r->have || !r->recv || (P->self < dealers && deal(r, secrets, out) != 0)) {
        reshare_destroy(&r->base);
        return NULL;
    }
    return &r->base;
}

const uint64_t *reshare_result(const mpc_proto *p)
{
    const reshare_proto *r = (const reshare_proto *)p;
    return p->ops == &reshare_ops && p->done ? r->recv : NULL;
}

int reshare_product(mpc_party *P, const mpc_proto *p, size_t count, uint64_t *out)
{
    const uint64_t *recv = reshare_result(p);
    if (!recv)
        return STOFFEL_ERR_STATE;
    const uint32_t m = 2 * P->t + 1;
    uint32_t *idx = malloc(m * sizeof *idx);
    const uint64_t **rows = malloc(m * sizeof *rows);
    const uint64_t *lambda = NULL;
    if (idx && rows) {
        for (uint32_t d = 0; d < m; d++) {
            idx[d] = d;
            rows[d] = recv + d * count * P->F->limbs;
        }
        lambda = shamir_lagrange(&P->S, idx, m, -1);
        if (lambda)
            fe_vec_lincomb(P->F, out, rows, lambda, m, count);
    }
    free(idx);
    free(rows);
    return lambda ? 0 : STOFFEL_ERR_NOMEM;
}

void reshare_random_ints(mpc_party *P, uint32_t bits, size_t count, uint64_t *out)
{
    const field *F = P->F;
    const size_t L = F->limbs;
    rng_bytes(&P->rng, out, count * L * sizeof(uint64_t));
    for (size_t k = 0; k < count; k++) {
        uint64_t *v = out + k * L;
        for (size_t w = 0; w < L; w++) {
            unsigned lo = (unsigned)(w * 64);
            if (bits <= lo)
                v[w] = 0;
            else if (bits - lo < 64)
                v[w] &= ((uint64_t)1 << (bits - lo)) - 1;
        }
    }
    fe_vec_scale(F, out, out, F->r2, count); /* canonical -> Montgomery form */
}
