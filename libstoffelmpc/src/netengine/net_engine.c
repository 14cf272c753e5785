/*
 * net_engine.c - the networked party engine behind stoffel_mpc_engine_new_networked: construction,
 * the local share algebra (one Montgomery element per share), statistics and teardown. The
 * interactive parts live in net_exec.c (execute, preprocessing) and net_party_io.c (clients).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net_engine.h"

void ne_wipe_free(void *p, size_t bytes)
{
    engine_wipe_free(p, bytes);
}

int ne_grow(uint64_t **v, size_t *cap, size_t need, size_t L)
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
        ne_wipe_free(*v, *cap * L * 8);
    }
    *v = nv;
    *cap = cap2;
    return 0;
}

void stoffel_mpc_net_config_defaults(stoffel_mpc_net_config *c)
{
    if (!c)
        return;
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    c->n = 3;
    c->t = 1;
    c->field = STOFFEL_MPC_FIELD_BLS12_381;
    c->security = STOFFEL_MPC_SEMI_HONEST;
    c->session_id = 0;
    c->timeout_ms = 30000;
    c->prep_batch = 4096;
    c->max_early_frames = 4096;
    c->max_early_bytes = (size_t)256 << 20;
}

uint64_t stoffel_mpc_client_id_from_key(const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN])
{
    uint64_t id = 0;
    if (!key)
        return 0;
    for (int i = 7; i >= 0; i--)
        id = (id << 8) | key[i];
    return id;
}

/* ---- local operations: this party's element of each share ---- */

static int local_binop(net_engine *s, engine_vec_binop op, const uint8_t *a, const uint8_t *b, uint8_t *out,
                       size_t count)
{
    return engine_local_binop(&s->base, s->F, op, a, b, out, count);
}

static int ne_add(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    return local_binop(NE(e), fe_vec_add, a, b, out, count);
}

static int ne_sub(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    return local_binop(NE(e), fe_vec_sub, a, b, out, count);
}

static int ne_neg(stoffel_mpc_engine *e, const uint8_t *a, uint8_t *out, size_t count)
{
    return local_binop(NE(e), engine_vec_neg, a, a, out, count);
}

static int public_op(net_engine *s, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count, int mul)
{
    size_t bytes = (count ? count : 1) * s->base.share_size;
    uint64_t *cv = malloc(bytes);
    if (!cv)
        return engine_fail(&s->base, STOFFEL_ERR_NOMEM, "out of memory");
    int rc = engine_read_public(&s->base, s->F, c, count, cv, mul ? "mul_public constant" : "add_public constant");
    if (rc == 0)
        rc = local_binop(s, mul ? fe_vec_mul : fe_vec_add, a, (const uint8_t *)cv, out, count);
    free(cv);
    return rc;
}

static int ne_add_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count)
{
    return public_op(NE(e), a, c, out, count, 0);
}

static int ne_mul_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count)
{
    return public_op(NE(e), a, c, out, count, 1);
}

static int ne_share_public(stoffel_mpc_engine *e, const uint8_t *values, uint8_t *out, size_t count)
{
    net_engine *s = NE(e);
    uint64_t v[FIELD_MAX_LIMBS];
    for (size_t k = 0; k < count; k++) {
        if (fe_from_bytes(s->F, v, values + k * s->F->elem_size))
            return engine_fail(e, STOFFEL_MPC_ERR_NOT_IN_FIELD,
                               "share_public: element %zu is not a canonical %s field element", k, s->F->name);
        /* the constant polynomial: every party's share equals the value (spec mpc.md 3.1) */
        memcpy(out + k * e->share_size, v, e->share_size);
    }
    return 0;
}

static int ne_supports(const stoffel_mpc_engine *e, stoffel_mpc_op_kind kind)
{
    if (kind == STOFFEL_MPC_OP_MUL_RESHARE || kind == STOFFEL_MPC_OP_DEALT_RANDOM)
        return e->security == STOFFEL_MPC_SEMI_HONEST; /* proto_reshare.c: no checks */
    return kind == STOFFEL_MPC_OP_MUL || kind == STOFFEL_MPC_OP_OPEN || kind == STOFFEL_MPC_OP_RANDOM ||
           kind == STOFFEL_MPC_OP_OUTPUT;
}

static void ne_fill_stats(const stoffel_mpc_engine *e, stoffel_mpc_stats *st)
{
    const net_engine *s = CNE(e);
    st->rounds = s->rounds;
    st->preprocessing_rounds = s->prep_rounds;
    st->messages_sent = s->d.msgs_sent;
    st->bytes_sent = s->d.bytes_sent;
    st->triples_used = s->triples_used;
    st->random_shares_used = s->randoms_used;
    st->dealt_randoms = s->dealt;
    st->multiplications = s->mults;
    st->openings = s->openings;
    st->online_ns = s->online_ns;
    st->preprocessing_ns = s->prep_ns;
}

static void ne_destroy(stoffel_mpc_engine *e)
{
    net_engine *s = NE(e);
    const size_t L = s->F ? s->F->limbs : 1;
    nd_free(&s->d);
    ne_wipe_free(s->pools.a, s->pools.cap * L * 8);
    ne_wipe_free(s->pools.b, s->pools.cap * L * 8);
    ne_wipe_free(s->pools.c, s->pools.cap * L * 8);
    ne_wipe_free(s->pools.r, s->pools.rcap * L * 8);
    ne_party_io_free(s);
    party_free(&s->P);
    cache_free(&s->cache);
    sodium_memzero(s, sizeof *s);
    free(s);
}

static const engine_vtable net_vtable = {
    "honeybadger-mpc (networked)",
    ne_supports,
    ne_share_public,
    ne_add,
    ne_sub,
    ne_neg,
    ne_add_public,
    ne_mul_public,
    ne_execute,
    ne_client_count,
    ne_client_id,
    ne_client_input_count,
    ne_client_input_get,
    ne_fill_stats,
    ne_destroy,
};

int ne_is_networked(const stoffel_mpc_engine *e) { return e && e->vt == &net_vtable; }

static int fail_new(char *buf, size_t len, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_new(char *buf, size_t len, int rc, const char *fmt, ...)
{
    if (buf && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, len, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int ne_config_check(const stoffel_mpc_net_config *in, stoffel_mpc_net_config *cfg, char *err, size_t err_len)
{
    stoffel_mpc_net_config_defaults(cfg);
    if (in->struct_size < offsetof(stoffel_mpc_net_config, timeout_ms) || in->struct_size > sizeof *cfg)
        return fail_new(err, err_len, STOFFEL_ERR_INVALID_ARG,
                        "stoffel_mpc_net_config: struct_size is wrong (initialise the config with stoffel_mpc_net_config_defaults)");
    memcpy(cfg, in, in->struct_size);
    cfg->struct_size = sizeof *cfg;
    if (cfg->n == 0 || cfg->n > SHAMIR_MAX_PARTIES)
        return fail_new(err, err_len, STOFFEL_ERR_INVALID_ARG, "n = %u parties is outside 1..%d", cfg->n,
                        SHAMIR_MAX_PARTIES);
    if (cfg->security != STOFFEL_MPC_SEMI_HONEST && cfg->security != STOFFEL_MPC_ROBUST)
        return fail_new(err, err_len, STOFFEL_ERR_INVALID_ARG,
                        "unknown security mode (use STOFFEL_MPC_SEMI_HONEST or STOFFEL_MPC_ROBUST)");
    char msg[256];
    int rc = engine_check_bound(cfg->n, cfg->t, cfg->security, msg, sizeof msg);
    if (rc)
        return fail_new(err, err_len, rc, "%s", msg);
    if (cfg->timeout_ms == 0)
        return fail_new(err, err_len, STOFFEL_ERR_INVALID_ARG, "timeout_ms must be positive (default 30000)");
    if (cfg->prep_batch == 0)
        cfg->prep_batch = 4096;
    if (cfg->max_early_frames == 0 || cfg->max_early_bytes == 0)
        return fail_new(err, err_len, STOFFEL_ERR_INVALID_ARG,
                        "max_early_frames and max_early_bytes must be positive (defaults 4096 and 256 MiB)");
    return 0;
}

int stoffel_mpc_engine_new_networked(const stoffel_mpc_net_config *config, struct event_base *base,
                                     stoffel_net *net, stoffel_mpc_engine **out, char *error_buf,
                                     size_t error_len)
{
    if (!config || !base || !net || !out)
        return fail_new(error_buf, error_len, STOFFEL_ERR_INVALID_ARG,
                        "stoffel_mpc_engine_new_networked: config, base, net and out must not be NULL");
    *out = NULL;
    stoffel_mpc_net_config cfg;
    int rc = ne_config_check(config, &cfg, error_buf, error_len);
    if (rc)
        return rc;
    int me = stoffel_net_my_id(net);
    if (me < 0)
        return fail_new(error_buf, error_len, STOFFEL_ERR_INVALID_ARG,
                        "the endpoint is a client endpoint; a party engine needs a party endpoint (stoffel_net_quic_party_new)");
    if (stoffel_net_party_count(net) != cfg.n)
        return fail_new(error_buf, error_len, STOFFEL_ERR_INVALID_ARG,
                        "config.n = %u but the endpoint's network has %u parties; make them agree", cfg.n,
                        stoffel_net_party_count(net));
    stoffel_mpc_field *F = NULL;
    rc = stoffel_mpc_field_new(cfg.field, &F);
    if (rc)
        return fail_new(error_buf, error_len, rc, rc == STOFFEL_ERR_INVALID_ARG ? "unknown field id" : "out of memory");
    net_engine *s = calloc(1, sizeof *s);
    if (!s) {
        stoffel_mpc_field_free(F);
        return fail_new(error_buf, error_len, STOFFEL_ERR_NOMEM, "out of memory");
    }
    s->base.vt = &net_vtable;
    s->base.party_id = (uint32_t)me;
    s->base.n = cfg.n;
    s->base.t = cfg.t;
    s->base.security = cfg.security;
    s->base.field = F;
    s->base.owned_field = F;
    s->base.share_size = F->elem_size;
    s->cfg = cfg;
    s->F = F;
    s->next_instance = 1; /* 0 is the control channel */
    /* private randomness of this party: fresh entropy (the simulator seeds it instead) */
    uint8_t key[32];
    randombytes_buf(key, sizeof key);
    rc = party_init(&s->P, F, cfg.n, cfg.t, (uint32_t)me, cfg.security == STOFFEL_MPC_ROBUST, cfg.session_id, key);
    sodium_memzero(key, sizeof key);
    s->P.cache = &s->cache;
    nd_hooks hooks = {ne_control, ne_is_finished, NULL, s};
    if (rc == 0)
        rc = nd_init(&s->d, base, net, F, cfg.n, cfg.session_id, party_node((uint32_t)me), &s->cache,
                     cfg.max_early_frames, cfg.max_early_bytes, &hooks);
    if (rc) {
        s->base.owned_field = NULL;
        ne_destroy(&s->base);
        stoffel_mpc_field_free(F);
        return fail_new(error_buf, error_len, rc, "creating the networked engine failed: %s",
                        stoffel_mpc_strerror(rc));
    }
    *out = &s->base;
    return 0;
}

int stoffel_mpc_engine_net_set_foreign_handler(stoffel_mpc_engine *e, stoffel_mpc_net_foreign_fn fn,
                                               void *user)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    if (!ne_is_networked(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "set_foreign_handler needs a networked engine");
    NE(e)->d.foreign = fn;
    NE(e)->d.foreign_user = user;
    return 0;
}

int stoffel_mpc_engine_net_preprocess(stoffel_mpc_engine *e, size_t triples, size_t randoms)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    if (!ne_is_networked(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "net_preprocess needs a networked engine");
    e->last_error[0] = 0;
    if (triples == 0 && randoms == 0)
        return 0;
    return ne_run_prep(NE(e), triples, randoms);
}
