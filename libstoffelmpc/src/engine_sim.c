/*
 * engine_sim.c - the simulated engine: all n parties in this process, each running the real
 * protocol state machines (proto_*.c) under the seeded simulator (sim.c). A share handed to the
 * caller holds every party's share of the value (n field elements in Montgomery form, party i at
 * offset i * elem_size), so local operations act on all parties at once and interactive ones run
 * one protocol instance per party.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "engine_sim.h"

uint64_t sime_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


void sime_wipe_free(void *p, size_t bytes)
{
    engine_wipe_free(p, bytes);
}

/* ---- share buffer layout helpers ---- */

/* Copies party i's element of each of `count` shares into dst (packed limbs). */
/* constant-size copies so the compiler inlines them (this runs once per element per party) */
#define COPY_LOOP(EB, DST, DSTRIDE, SRC, SSTRIDE)                                                  \
    for (size_t k = 0; k < count; k++)                                                             \
        memcpy((uint8_t *)(DST) + k * (DSTRIDE), (const uint8_t *)(SRC) + k * (SSTRIDE), EB)

static void strided_copy(size_t eb, void *dst, size_t dstride, const void *src, size_t sstride, size_t count)
{
    switch (eb) {
    case 8: COPY_LOOP(8, dst, dstride, src, sstride); break;
    case 16: COPY_LOOP(16, dst, dstride, src, sstride); break;
    case 32: COPY_LOOP(32, dst, dstride, src, sstride); break;
    default: COPY_LOOP(eb, dst, dstride, src, sstride);
    }
}

void sime_gather(const sim_engine *s, const uint8_t *shares, size_t count, uint32_t i, uint64_t *dst)
{
    const size_t eb = s->F->elem_size;
    strided_copy(eb, dst, eb, shares + i * eb, s->base.share_size, count);
}

void sime_scatter(const sim_engine *s, uint8_t *shares, size_t count, uint32_t i, const uint64_t *src)
{
    const size_t eb = s->F->elem_size;
    strided_copy(eb, shares + i * eb, s->base.share_size, src, eb, count);
}

/* Reads `count` canonical public elements into Montgomery limbs; reports the first bad one. */
int sime_read_public(sim_engine *s, const uint8_t *bytes, size_t count, uint64_t *dst, const char *what)
{
    return engine_read_public(&s->base, s->F, bytes, count, dst, what);
}

/* Local ops treat a share array as count*n packed elements. */
static int local_binop(sim_engine *s, engine_vec_binop op, const uint8_t *a, const uint8_t *b, uint8_t *out,
                       size_t count)
{
    return engine_local_binop(&s->base, s->F, op, a, b, out, count * s->base.n);
}

static int sim_add(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    return local_binop(SE(e), fe_vec_add, a, b, out, count);
}

static int sim_sub(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    return local_binop(SE(e), fe_vec_sub, a, b, out, count);
}

static int sim_neg(stoffel_mpc_engine *e, const uint8_t *a, uint8_t *out, size_t count)
{
    return local_binop(SE(e), engine_vec_neg, a, a, out, count);
}

/* public-operand ops: per share, every party's element combined with the same constant */
static int public_op(sim_engine *s, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count, int mul)
{
    const size_t L = s->F->limbs;
    uint64_t *cv = malloc((count ? count : 1) * L * 8);
    uint64_t *row = malloc((size_t)s->base.n * L * 8);
    if (!cv || !row) {
        free(cv);
        free(row);
        return engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
    }
    int rc = c ? sime_read_public(s, c, count, cv, mul ? "mul_public constant" : "add_public constant") : 0;
    for (size_t k = 0; k < count && rc == 0; k++) {
        memcpy(row, a + k * s->base.share_size, s->base.share_size);
        if (mul)
            fe_vec_scale(s->F, row, row, cv + k * L, s->base.n);
        else
            fe_vec_add_scalar(s->F, row, row, cv + k * L, s->base.n);
        memcpy(out + k * s->base.share_size, row, s->base.share_size);
    }
    free(cv);
    sime_wipe_free(row, (size_t)s->base.n * L * 8);
    return rc;
}

static int sim_add_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count)
{
    return public_op(SE(e), a, c, out, count, 0);
}

static int sim_mul_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count)
{
    return public_op(SE(e), a, c, out, count, 1);
}

static int sim_share_public(stoffel_mpc_engine *e, const uint8_t *values, uint8_t *out, size_t count)
{
    sim_engine *s = SE(e);
    const size_t L = s->F->limbs;
    uint64_t v[FIELD_MAX_LIMBS];
    for (size_t k = 0; k < count; k++) {
        if (fe_from_bytes(s->F, v, values + k * s->F->elem_size))
            return engine_fail(e, STOFFEL_MPC_ERR_NOT_IN_FIELD,
                               "share_public: element %zu is not a canonical %s field element", k, s->F->name);
        /* the constant polynomial: every party's share equals the value (spec mpc.md 3.1) */
        for (uint32_t i = 0; i < e->n; i++)
            memcpy(out + k * e->share_size + i * L * 8, v, L * 8);
    }
    return 0;
}

/* ---- protocol runs ---- */

int sime_live(const sim_engine *s, uint32_t i) { return !sim_is_crashed(s->sim, i); }

/* Registers p and sends what it produced at creation. */
int sime_start_instance(sim_engine *s, mpc_proto *p, mpc_outbox *out)
{
    int rc = sim_register(s->sim, p);
    if (rc == 0)
        rc = sim_send(s->sim, p->self, p->kind, p->session, p->instance, out);
    outbox_clear(out);
    return rc;
}

void sime_drop_instances(sim_engine *s, mpc_proto **v, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (v[i]) {
            sim_unregister(s->sim, v[i]);
            v[i]->ops->destroy(v[i]);
            v[i] = NULL;
        }
}

int sime_grow(uint64_t **v, size_t *cap, size_t need, size_t L)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need)
        cap2 *= 2;
    uint64_t *nv = malloc(cap2 * L * 8);
    if (!nv)
        return STOFFEL_ERR_NOMEM;
    if (*v) {
        memcpy(nv, *v, *cap * L * 8);
        sime_wipe_free(*v, *cap * L * 8);
    }
    *v = nv;
    *cap = cap2;
    return 0;
}

/* Appends a preprocessing run's outputs to party i's pools (after compacting consumed items). */
static int pools_append(sim_engine *s, uint32_t i, const mpc_proto *p)
{
    const size_t L = s->F->limbs;
    party_pools *pl = &s->pools[i];
    size_t nt, nr;
    const uint64_t *a, *b, *c, *r;
    prep_result(p, &nt, &a, &b, &c, &nr, &r);
    size_t keep = pl->len - pl->pos;
    if (pl->pos) {
        memmove(pl->a, pl->a + pl->pos * L, keep * L * 8);
        memmove(pl->b, pl->b + pl->pos * L, keep * L * 8);
        memmove(pl->c, pl->c + pl->pos * L, keep * L * 8);
        pl->pos = 0;
        pl->len = keep;
    }
    size_t cap = pl->cap, cap_b = pl->cap, cap_c = pl->cap;
    if (sime_grow(&pl->a, &cap, keep + nt, L) || sime_grow(&pl->b, &cap_b, keep + nt, L) || sime_grow(&pl->c, &cap_c, keep + nt, L))
        return STOFFEL_ERR_NOMEM;
    pl->cap = cap;
    if (nt) {
        memcpy(pl->a + keep * L, a, nt * L * 8);
        memcpy(pl->b + keep * L, b, nt * L * 8);
        memcpy(pl->c + keep * L, c, nt * L * 8);
    }
    pl->len = keep + nt;
    size_t rkeep = pl->rlen - pl->rpos;
    if (pl->rpos) {
        memmove(pl->r, pl->r + pl->rpos * L, rkeep * L * 8);
        pl->rpos = 0;
        pl->rlen = rkeep;
    }
    if (sime_grow(&pl->r, &pl->rcap, rkeep + nr, L))
        return STOFFEL_ERR_NOMEM;
    if (nr)
        memcpy(pl->r + rkeep * L, r, nr * L * 8);
    pl->rlen = rkeep + nr;
    return 0;
}

/* Runs the preprocessing protocol for at least `triples` triples and `randoms` random sharings. */
int sime_run_prep(sim_engine *s, size_t triples, size_t randoms)
{
    uint64_t t0 = sime_now_ns();
    const uint32_t n = s->base.n;
    mpc_proto **inst = calloc(n, sizeof *inst);
    if (!inst)
        return engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
    uint64_t instance = s->next_instance++;
    mpc_outbox out = {0};
    out.cache = &s->cache;
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (!sime_live(s, i))
            continue;
        inst[i] = prep_new(&s->parties[i], instance, triples, randoms, &out);
        rc = inst[i] ? sime_start_instance(s, inst[i], &out) : STOFFEL_ERR_NOMEM;
    }
    if (rc == 0) {
        rc = sim_run(s->sim, inst, n);
        if (rc)
            engine_fail(&s->base, STOFFEL_MPC_ERR_PREPROCESSING, "preprocessing failed: %s", sim_error(s->sim));
    }
    for (uint32_t i = 0; i < n && rc == 0; i++)
        if (inst[i] && sime_live(s, i) && inst[i]->done)
            rc = pools_append(s, i, inst[i]);
    if (rc && !s->base.last_error[0])
        engine_fail(&s->base, rc, "preprocessing failed: out of memory");
    sime_drop_instances(s, inst, n);
    outbox_free(&out);
    free(inst);
    s->prep_rounds += 2;
    s->prep_ns += sime_now_ns() - t0;
    return rc ? STOFFEL_MPC_ERR_PREPROCESSING : 0;
}

int sime_ensure_pools(sim_engine *s, size_t triples, size_t randoms)
{
    /* every sime_live party holds the same number of items */
    uint32_t i0 = 0;
    while (i0 < s->base.n && !sime_live(s, i0))
        i0++;
    if (i0 == s->base.n)
        return engine_fail(&s->base, STOFFEL_MPC_ERR_PEER, "every party has crashed");
    const party_pools *pl = &s->pools[i0];
    size_t have_t = pl->len - pl->pos, have_r = pl->rlen - pl->rpos;
    if (have_t >= triples && have_r >= randoms)
        return 0;
    size_t need_t = have_t >= triples ? 0 : triples - have_t;
    size_t need_r = have_r >= randoms ? 0 : randoms - have_r;
    size_t batch = s->cfg.prep_batch ? s->cfg.prep_batch : 4096;
    if (need_t && need_t < batch)
        need_t = batch;
    if (need_r && need_r < batch)
        need_r = batch;
    return sime_run_prep(s, need_t, need_r);
}

sim_client *sime_find_client(sim_engine *s, uint64_t id, int create)
{
    for (size_t i = 0; i < s->nclients; i++)
        if (s->clients[i].C.id == id)
            return &s->clients[i];
    if (!create)
        return NULL;
    if (s->nclients == s->ccap) {
        size_t cap = s->ccap ? s->ccap * 2 : 8;
        sim_client *c = realloc(s->clients, cap * sizeof *c);
        if (!c)
            return NULL;
        s->clients = c;
        s->ccap = cap;
    }
    sim_client *c = &s->clients[s->nclients];
    memset(c, 0, sizeof *c);
    if (client_init(&c->C, s->F, s->base.n, s->base.t, s->cfg.security == STOFFEL_MPC_ROBUST, id, s->session))
        return NULL;
    c->C.cache = &s->cache;
    s->nclients++;
    return c;
}

static int sim_supports(const stoffel_mpc_engine *e, stoffel_mpc_op_kind kind)
{
    if (kind == STOFFEL_MPC_OP_MUL_RESHARE || kind == STOFFEL_MPC_OP_DEALT_RANDOM)
        return e->security == STOFFEL_MPC_SEMI_HONEST; /* proto_reshare.c: no checks */
    return kind == STOFFEL_MPC_OP_MUL || kind == STOFFEL_MPC_OP_OPEN || kind == STOFFEL_MPC_OP_RANDOM ||
           kind == STOFFEL_MPC_OP_OUTPUT;
}

/* MUL_RESHARE and DEALT_RANDOM (semi-honest): party i's product resharing goes to inst[i], its
 * dealing to inst[n + i] (proto_reshare.c); they run in the batch's round. */
static int sim_start_reshares(sim_engine *s, stoffel_mpc_request *req, size_t count, size_t M2,
                              size_t D, mpc_proto **inst, mpc_outbox *out)
{
    const stoffel_mpc_engine *e = &s->base;
    const size_t L = s->F->limbs;
    const uint32_t n = e->n, t = e->t;
    uint64_t mul_id = M2 ? s->next_instance++ : 0, deal_id = D ? s->next_instance++ : 0;
    size_t cap_x = 0, cap_y = 0;
    uint64_t *x = cache_get(&s->cache, (M2 + D + 1) * L * 8, &cap_x);
    uint64_t *y = cache_get(&s->cache, (M2 + 1) * L * 8, &cap_y);
    int rc = x && y ? 0 : engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (!sime_live(s, i))
            continue;
        mpc_party *P = &s->parties[i];
        if (M2 > 0) {
            size_t m = 0;
            for (size_t q = 0; q < count && i <= 2 * t; q++)
                if (req[q].kind == STOFFEL_MPC_OP_MUL_RESHARE) {
                    sime_gather(s, req[q].a, req[q].count, i, x + m * L);
                    sime_gather(s, req[q].b, req[q].count, i, y + m * L);
                    m += req[q].count;
                }
            if (i <= 2 * t)
                fe_vec_mul(s->F, x, x, y, M2);
            inst[i] = reshare_new(P, mul_id, x, M2, 2 * t + 1, out);
            if (!inst[i] || (rc = sime_start_instance(s, inst[i], out)) != 0)
                rc = engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
        }
        if (D > 0 && rc == 0) {
            size_t d = 0;
            for (size_t q = 0; q < count && i <= t; q++)
                if (req[q].kind == STOFFEL_MPC_OP_DEALT_RANDOM) {
                    reshare_random_ints(P, req[q].bits, req[q].count, x + d * L);
                    d += req[q].count;
                }
            inst[n + i] = reshare_new(P, deal_id, x, D, t + 1, out);
            if (!inst[n + i] || (rc = sime_start_instance(s, inst[n + i], out)) != 0)
                rc = engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
        }
    }
    cache_put(&s->cache, x, (M2 + D + 1) * L * 8, cap_x);
    cache_put(&s->cache, y, (M2 + 1) * L * 8, cap_y);
    return rc;
}

/* Writes the results of sim_start_reshares' instances into the requests' outputs. */
static int sim_finish_reshares(sim_engine *s, stoffel_mpc_request *req, size_t count, size_t M2,
                               size_t D, mpc_proto **inst)
{
    const stoffel_mpc_engine *e = &s->base;
    const size_t L = s->F->limbs;
    const uint32_t n = e->n, t = e->t;
    size_t cap = 0;
    uint64_t *prod = cache_get(&s->cache, (M2 + 1) * L * 8, &cap);
    if (!prod)
        return engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (M2 > 0) {
            if (sime_live(s, i))
                rc = reshare_product(&s->parties[i], inst[i], M2, prod);
            else
                memset(prod, 0, M2 * L * 8);
            for (size_t q = 0, m = 0; q < count && rc == 0; q++)
                if (req[q].kind == STOFFEL_MPC_OP_MUL_RESHARE) {
                    sime_scatter(s, req[q].out, req[q].count, i, prod + m * L);
                    m += req[q].count;
                }
        }
        const uint64_t *dealt = D > 0 && sime_live(s, i) ? reshare_result(inst[n + i]) : NULL;
        for (size_t q = 0, d = 0; q < count && D > 0; q++) {
            if (req[q].kind != STOFFEL_MPC_OP_DEALT_RANDOM)
                continue;
            for (uint32_t j = 0; j <= t; j++) {
                uint8_t *dst = req[q].out + (size_t)j * req[q].count * e->share_size;
                if (dealt)
                    sime_scatter(s, dst, req[q].count, i, dealt + (j * D + d) * L);
                else
                    for (size_t k = 0; k < req[q].count; k++)
                        memset(dst + k * e->share_size + i * L * 8, 0, L * 8);
            }
            d += req[q].count;
        }
    }
    cache_put(&s->cache, prod, (M2 + 1) * L * 8, cap);
    if (rc)
        return engine_fail(&s->base, rc, "product resharing: %s", stoffel_mpc_strerror(rc));
    s->mults += M2;
    s->dealt += (uint64_t)(t + 1) * D;
    return 0;
}

/* One batch: all MULs and OPENs share one opening round (Beaver: open x - a and y - b); OUTPUTs go
 * to their clients in the same round; RANDOMs consume pool items locally. */
static int sim_execute(stoffel_mpc_engine *e, stoffel_mpc_request *req, size_t count)
{
    sim_engine *s = SE(e);
    const field *F = s->F;
    const size_t L = F->limbs;
    const uint32_t n = e->n;
    size_t M = 0, O = 0, R = 0, nout = 0, M2 = 0, D = 0;
    for (size_t q = 0; q < count; q++) {
        switch (req[q].kind) {
        case STOFFEL_MPC_OP_MUL: M += req[q].count; break;
        case STOFFEL_MPC_OP_OPEN: O += req[q].count; break;
        case STOFFEL_MPC_OP_RANDOM: R += req[q].count; break;
        case STOFFEL_MPC_OP_OUTPUT: nout++; break;
        case STOFFEL_MPC_OP_MUL_RESHARE: M2 += req[q].count; break;
        case STOFFEL_MPC_OP_DEALT_RANDOM: D += req[q].count; break;
        default: return engine_fail(e, STOFFEL_ERR_INTERNAL, "core execute got kind %d", (int)req[q].kind);
        }
    }
    int rc = sime_ensure_pools(s, M, R);
    if (rc)
        return rc;
    uint64_t t0 = sime_now_ns();
    /* RANDOM: local */
    for (size_t q = 0; q < count; q++) {
        if (req[q].kind != STOFFEL_MPC_OP_RANDOM)
            continue;
        for (uint32_t i = 0; i < n; i++) {
            party_pools *pl = &s->pools[i];
            if (sime_live(s, i) && pl->rlen - pl->rpos >= req[q].count) {
                sime_scatter(s, req[q].out, req[q].count, i, pl->r + pl->rpos * L);
                pl->rpos += req[q].count;
            } else {
                for (size_t k = 0; k < req[q].count; k++)
                    memset(req[q].out + k * e->share_size + i * L * 8, 0, L * 8);
            }
        }
        s->randoms_used += req[q].count;
    }
    size_t V = 2 * M + O;
    if (V == 0 && nout == 0 && M2 == 0 && D == 0) {
        s->online_ns += sime_now_ns() - t0;
        return 0;
    }
    /* instances: n openings, n product resharings, n dealings, then one per output */
    const size_t first_out = 3 * (size_t)n;
    mpc_proto **inst = calloc(first_out + nout, sizeof *inst);
    uint64_t **vec = calloc(n, sizeof *vec);
    size_t *vec_cap = calloc(n, sizeof *vec_cap);
    size_t tmp_cap, de_cap = 0, t2_cap = 0;
    uint64_t *tmp = cache_get(&s->cache, (V ? V : 1) * L * 8, &tmp_cap);
    uint64_t *de = NULL, *t2 = NULL;
    mpc_outbox out = {0};
    out.cache = &s->cache;
    if (!inst || !vec || !vec_cap || !tmp) {
        rc = engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    uint64_t open_instance = s->next_instance++;
    if (V > 0) {
        for (uint32_t i = 0; i < n && rc == 0; i++) {
            if (!sime_live(s, i))
                continue;
            party_pools *pl = &s->pools[i];
            uint64_t *v = vec[i] = cache_get(&s->cache, V * L * 8, &vec_cap[i]);
            if (!v) {
                rc = engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
                break;
            }
            /* [d] = [x] - [a], [e] = [y] - [b] for every multiplication; then the plain opens */
            size_t m = 0, o = 2 * M;
            for (size_t q = 0; q < count; q++) {
                if (req[q].kind == STOFFEL_MPC_OP_MUL) {
                    sime_gather(s, req[q].a, req[q].count, i, v + m * L);
                    sime_gather(s, req[q].b, req[q].count, i, v + (M + m) * L);
                    m += req[q].count;
                } else if (req[q].kind == STOFFEL_MPC_OP_OPEN) {
                    sime_gather(s, req[q].a, req[q].count, i, v + o * L);
                    o += req[q].count;
                }
            }
            fe_vec_sub(F, v, v, pl->a + pl->pos * L, M);
            fe_vec_sub(F, v + M * L, v + M * L, pl->b + pl->pos * L, M);
            inst[i] = open_new(&s->parties[i], open_instance, v, V, e->t, &out);
            rc = inst[i] ? sime_start_instance(s, inst[i], &out) : engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
        }
    }
    if (rc == 0 && (M2 > 0 || D > 0))
        rc = sim_start_reshares(s, req, count, M2, D, inst + n, &out);
    /* OUTPUT: each party sends its shares to the client; the client reconstructs */
    size_t w = first_out;
    for (size_t q = 0; q < count && rc == 0; q++) {
        if (req[q].kind != STOFFEL_MPC_OP_OUTPUT)
            continue;
        uint64_t instance = s->next_instance++;
        sim_client *c = sime_find_client(s, req[q].client_id, 1);
        if (!c) {
            rc = engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
            break;
        }
        mpc_proto *cp = output_client_new(&c->C, instance, req[q].count);
        inst[w++] = cp;
        if (!cp || (rc = sim_register(s->sim, cp)) != 0) {
            rc = engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
            break;
        }
        uint64_t *buf = malloc((req[q].count ? req[q].count : 1) * L * 8);
        if (!buf) {
            rc = engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
            break;
        }
        for (uint32_t i = 0; i < n && rc == 0; i++) {
            if (!sime_live(s, i))
                continue;
            sime_gather(s, req[q].a, req[q].count, i, buf);
            rc = output_send(&s->parties[i], instance, req[q].client_id, buf, req[q].count, &out);
            if (rc == 0)
                rc = sim_send(s->sim, party_node(i), MPC_PROTO_OUTPUT, s->session, instance, &out);
        }
        sime_wipe_free(buf, (req[q].count ? req[q].count : 1) * L * 8);
    }
    if (rc)
        goto done;
    rc = sim_run(s->sim, inst, w);
    if (rc) {
        engine_fail(e, rc, "%s", sim_error(s->sim));
        goto done;
    }
    s->rounds++;
    /* results */
    const uint64_t *ref = NULL;
    for (uint32_t i = 0; i < n && V > 0; i++) {
        if (!sime_live(s, i) || !inst[i])
            continue;
        const uint64_t *res = open_result(inst[i]);
        if (!ref)
            ref = res;
        else if (!fe_vec_equal(F, ref, res, V)) {
            /* semi-honest openings from exactly t+1 shares cannot see a wrong share; only the
             * simulator, which holds every party's result, can */
            if (e->security == STOFFEL_MPC_SEMI_HONEST && !s->cfg.check_openings)
                rc = engine_fail(e, STOFFEL_MPC_ERR_INCONSISTENT,
                                 "opened values are inconsistent across parties: a party sent wrong shares (semi-honest openings use t+1 shares and cannot detect this; set check_openings to have every party check every share)");
            else
                rc = engine_fail(e, STOFFEL_ERR_INTERNAL, "parties disagree on an opened value (a protocol bug)");
            goto done;
        }
    }
    if (M > 0) {
        /* d*e once (public); then [xy]_i = [c]_i + d [b]_i + e [a]_i + d e per party */
        de = cache_get(&s->cache, M * L * 8, &de_cap);
        t2 = cache_get(&s->cache, M * L * 8, &t2_cap);
        if (!de || !t2) {
            rc = engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
            goto done;
        }
        const uint64_t *d = ref, *ev = ref + M * L;
        fe_vec_mul(F, de, d, ev, M);
        for (uint32_t i = 0; i < n; i++) {
            party_pools *pl = &s->pools[i];
            if (sime_live(s, i)) {
                fe_vec_mul(F, tmp, d, pl->b + pl->pos * L, M);
                fe_vec_add(F, tmp, tmp, pl->c + pl->pos * L, M);
                fe_vec_mul(F, t2, ev, pl->a + pl->pos * L, M);
                fe_vec_add(F, tmp, tmp, t2, M);
                fe_vec_add(F, tmp, tmp, de, M);
                pl->pos += M;
            } else {
                memset(tmp, 0, M * L * 8);
            }
            size_t m = 0;
            for (size_t q = 0; q < count; q++)
                if (req[q].kind == STOFFEL_MPC_OP_MUL) {
                    sime_scatter(s, req[q].out, req[q].count, i, tmp + m * L);
                    m += req[q].count;
                }
        }
        s->triples_used += M;
        s->mults += M;
    }
    if (O > 0) {
        size_t o = 2 * M;
        for (size_t q = 0; q < count; q++)
            if (req[q].kind == STOFFEL_MPC_OP_OPEN) {
                for (size_t k = 0; k < req[q].count; k++)
                    fe_to_bytes(F, req[q].out + k * F->elem_size, ref + (o + k) * L);
                o += req[q].count;
            }
        s->openings += O;
    }
    if ((M2 > 0 || D > 0) && (rc = sim_finish_reshares(s, req, count, M2, D, inst + n)) != 0)
        goto done;
    /* clients keep what they reconstructed */
    w = first_out;
    for (size_t q = 0; q < count; q++) {
        if (req[q].kind != STOFFEL_MPC_OP_OUTPUT)
            continue;
        mpc_proto *cp = inst[w++];
        sim_client *c = sime_find_client(s, req[q].client_id, 0);
        const uint64_t *res = output_client_result(cp);
        size_t need = (c->nout + req[q].count) * F->elem_size;
        if (need > c->cap) {
            size_t cap = c->cap ? c->cap : 256;
            while (cap < need)
                cap *= 2;
            uint8_t *nb = realloc(c->outputs, cap);
            if (!nb) {
                rc = engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
                goto done;
            }
            c->outputs = nb;
            c->cap = cap;
        }
        for (size_t k = 0; k < req[q].count; k++)
            fe_to_bytes(F, c->outputs + (c->nout + k) * F->elem_size, res + k * L);
        c->nout += req[q].count;
    }
done:
    if (inst)
        sime_drop_instances(s, inst, first_out + nout);
    if (vec && vec_cap)
        for (uint32_t i = 0; i < n; i++)
            cache_put(&s->cache, vec[i], V * L * 8, vec_cap[i]);
    cache_put(&s->cache, de, M * L * 8, de_cap);
    cache_put(&s->cache, t2, M * L * 8, t2_cap);
    free(vec);
    free(vec_cap);
    free(inst);
    cache_put(&s->cache, tmp, (V ? V : 1) * L * 8, tmp_cap);
    outbox_free(&out);
    s->online_ns += sime_now_ns() - t0;
    return rc;
}

/* ---- stats, lifetime ---- */

static void sim_fill_stats(const stoffel_mpc_engine *e, stoffel_mpc_stats *st)
{
    const sim_engine *s = CSE(e);
    st->rounds = s->rounds;
    st->preprocessing_rounds = s->prep_rounds;
    for (uint32_t i = 0; i < e->n; i++) {
        uint64_t m, b;
        sim_party_traffic(s->sim, i, &m, &b);
        if (m > st->messages_sent)
            st->messages_sent = m;
        if (b > st->bytes_sent)
            st->bytes_sent = b;
    }
    st->triples_used = s->triples_used;
    st->random_shares_used = s->randoms_used;
    st->dealt_randoms = s->dealt;
    st->multiplications = s->mults;
    st->openings = s->openings;
    st->online_ns = s->online_ns;
    st->preprocessing_ns = s->prep_ns;
}

static void sim_destroy(stoffel_mpc_engine *e)
{
    sim_engine *s = SE(e);
    const size_t L = s->F ? s->F->limbs : 1;
    if (s->pools)
        for (uint32_t i = 0; i < e->n; i++) {
            party_pools *pl = &s->pools[i];
            sime_wipe_free(pl->a, pl->cap * L * 8);
            sime_wipe_free(pl->b, pl->cap * L * 8);
            sime_wipe_free(pl->c, pl->cap * L * 8);
            sime_wipe_free(pl->r, pl->rcap * L * 8);
        }
    if (s->stores)
        for (uint32_t i = 0; i < e->n; i++) {
            for (size_t k = 0; k < s->stores[i].count; k++)
                sime_wipe_free(s->stores[i].entries[k].shares, s->stores[i].entries[k].cap * L * 8);
            free(s->stores[i].entries);
        }
    for (size_t c = 0; c < s->nclients; c++) {
        sime_wipe_free(s->clients[c].outputs, s->clients[c].cap);
        client_free(&s->clients[c].C);
    }
    free(s->clients);
    if (s->parties)
        for (uint32_t i = 0; i < e->n; i++)
            party_free(&s->parties[i]);
    free(s->parties);
    free(s->pools);
    free(s->stores);
    sim_free(s->sim);
    cache_free(&s->cache);
    sodium_memzero(s, sizeof *s);
    free(s);
}

static const engine_vtable sim_vtable = {
    "honeybadger-mpc (simulated)",
    sim_supports,
    sim_share_public,
    sim_add,
    sim_sub,
    sim_neg,
    sim_add_public,
    sim_mul_public,
    sim_execute,
    sime_client_count,
    sime_client_id,
    sime_client_input_count,
    sime_client_input_get,
    sim_fill_stats,
    sim_destroy,
};

void stoffel_mpc_sim_config_defaults(stoffel_mpc_sim_config *c)
{
    if (!c)
        return;
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    c->n = 3;
    c->t = 1;
    c->field = STOFFEL_MPC_FIELD_BLS12_381;
    c->security = STOFFEL_MPC_SEMI_HONEST;
    c->seed = 0;
    c->kappa = 40;
    c->reorder = 0;
    c->delay_permille = 0;
    c->drop_permille = 0;
    c->record_transcript = 1;
    c->prep_batch = 4096;
}

static void set_err(char *buf, size_t len, const char *msg)
{
    if (buf && len)
        snprintf(buf, len, "%s", msg);
}

int stoffel_mpc_engine_new_simulated(const stoffel_mpc_sim_config *config, stoffel_mpc_engine **out,
                                     char *error_buf, size_t error_len)
{
    if (!config || !out) {
        set_err(error_buf, error_len, "stoffel_mpc_engine_new_simulated: config and out must not be NULL");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    if (config->struct_size < offsetof(stoffel_mpc_sim_config, kappa) + sizeof cfg.kappa ||
        config->struct_size > sizeof cfg) {
        set_err(error_buf, error_len, "stoffel_mpc_sim_config: struct_size is wrong (initialise the config with stoffel_mpc_sim_config_defaults)");
        return STOFFEL_ERR_INVALID_ARG;
    }
    memcpy(&cfg, config, config->struct_size);
    cfg.struct_size = sizeof cfg;
    char msg[256];
    if (cfg.n == 0 || cfg.n > SHAMIR_MAX_PARTIES) {
        snprintf(msg, sizeof msg, "n = %u parties is outside 1..%d", cfg.n, SHAMIR_MAX_PARTIES);
        set_err(error_buf, error_len, msg);
        return STOFFEL_ERR_INVALID_ARG;
    }
    if (cfg.security != STOFFEL_MPC_SEMI_HONEST && cfg.security != STOFFEL_MPC_ROBUST) {
        set_err(error_buf, error_len, "unknown security mode (use STOFFEL_MPC_SEMI_HONEST or STOFFEL_MPC_ROBUST)");
        return STOFFEL_ERR_INVALID_ARG;
    }
    int rc = engine_check_bound(cfg.n, cfg.t, cfg.security, msg, sizeof msg);
    if (rc) {
        set_err(error_buf, error_len, msg);
        return rc;
    }
    if (cfg.kappa < 40) {
        snprintf(msg, sizeof msg, "kappa = %u is below the minimum statistical security of 40 bits", cfg.kappa);
        set_err(error_buf, error_len, msg);
        return STOFFEL_ERR_INVALID_ARG;
    }
    stoffel_mpc_field *F = NULL;
    rc = stoffel_mpc_field_new(cfg.field, &F);
    if (rc) {
        set_err(error_buf, error_len, rc == STOFFEL_ERR_INVALID_ARG ? "unknown field id" : "out of memory");
        return rc;
    }
    sim_engine *s = calloc(1, sizeof *s);
    if (!s) {
        stoffel_mpc_field_free(F);
        set_err(error_buf, error_len, "out of memory");
        return STOFFEL_ERR_NOMEM;
    }
    s->base.vt = &sim_vtable;
    s->base.party_id = 0;
    s->base.n = cfg.n;
    s->base.t = cfg.t;
    s->base.security = cfg.security;
    s->base.field = F;
    s->base.owned_field = F;
    s->base.share_size = (size_t)cfg.n * F->elem_size;
    s->base.kappa = cfg.kappa;
    s->cfg = cfg;
    s->F = F;
    /* session id: a hash of the seed, identical for every party */
    uint8_t h[8];
    crypto_generichash(h, sizeof h, (const uint8_t *)&cfg.seed, sizeof cfg.seed,
                       (const uint8_t *)"stoffel-sim-session", 19);
    memcpy(&s->session, h, 8);
    s->next_instance = 1;
    sim_faults faults = {cfg.reorder != 0, cfg.delay_permille, cfg.drop_permille, cfg.record_transcript != 0};
    s->parties = calloc(cfg.n, sizeof *s->parties);
    s->pools = calloc(cfg.n, sizeof *s->pools);
    s->stores = calloc(cfg.n, sizeof *s->stores);
    rc = (!s->parties || !s->pools || !s->stores) ? STOFFEL_ERR_NOMEM
                                                  : sim_new(F, cfg.n, cfg.seed, &faults, &s->cache, &s->sim);
    for (uint32_t i = 0; i < cfg.n && rc == 0; i++) {
        uint8_t key[32], in[12];
        memcpy(in, &cfg.seed, 8);
        memcpy(in + 8, &i, 4);
        crypto_generichash(key, sizeof key, in, sizeof in, (const uint8_t *)"stoffel-sim-party", 17);
        rc = party_init(&s->parties[i], F, cfg.n, cfg.t, i, cfg.security == STOFFEL_MPC_ROBUST, s->session, key);
        s->parties[i].cache = &s->cache;
        s->parties[i].open_check = cfg.check_openings != 0;
        sodium_memzero(key, sizeof key);
    }
    if (rc) {
        /* party_free on zeroed entries is harmless */
        s->base.owned_field = NULL;
        sim_destroy(&s->base);
        stoffel_mpc_field_free(F);
        set_err(error_buf, error_len, "out of memory");
        return rc;
    }
    *out = &s->base;
    return 0;
}

int sime_is_sim(const stoffel_mpc_engine *e) { return e && e->vt == &sim_vtable; }

int stoffel_mpc_engine_sim_preprocess(stoffel_mpc_engine *e, size_t triples, size_t randoms)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    if (!sime_is_sim(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "sim_preprocess needs a simulated engine");
    e->last_error[0] = 0;
    if (triples == 0 && randoms == 0)
        return 0;
    return sime_run_prep(SE(e), triples, randoms);
}

