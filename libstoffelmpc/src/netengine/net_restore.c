/*
 * net_restore.c - what a host that keeps state between sessions (the party runtime and its
 * SQLite store) needs from the networked engine: putting client input shares stored after an
 * earlier session back into the ClientStore, and moving unused preprocessing material (Beaver
 * triples, random sharings) out of one session's engine and into a later one's, so that every
 * collective operation can run in a fresh session and nothing generated is lost.
 *
 * Pool export format (all integers little-endian): "NEPOOL2\0" | u32 elem_size | u64 triples |
 * u64 randoms | triples a, b, c (each `triples` elements) | randoms (`randoms` elements) | the
 * engine's random bits, masks and prefix-mask chains (material.h's serialised form); elements in
 * the engine's share layout. The bytes are secret (this party's shares). Imports also take
 * "NEPOOL1\0", the same without that material, as stores written before it hold it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net_engine.h"
#include "../nonlinear/nonlinear.h"

#define POOL_MAGIC "NEPOOL2"
#define POOL_MAGIC_V1 "NEPOOL1"
#define POOL_HEADER 28

/* The index of the first of count shares (Montgomery elements, as the engine stores them) that is
 * not a reduced element of the engine's field, or count when all are. */
static size_t first_unreduced(const net_engine *s, const uint8_t *shares, size_t count)
{
    const size_t size = s->base.share_size;
    uint64_t canon[FIELD_MAX_LIMBS];
    uint8_t bytes[FIELD_MAX_LIMBS * 8];
    size_t k = 0;
    for (; k < count; k++) {
        memcpy(canon, shares + k * size, size);
        fe_to_bytes(s->F, bytes, canon);
        if (fe_from_bytes(s->F, canon, bytes) != 0 || memcmp(canon, shares + k * size, size) != 0)
            break;
    }
    sodium_memzero(canon, sizeof canon);
    sodium_memzero(bytes, sizeof bytes);
    return k;
}

int stoffel_mpc_engine_net_restore_input(stoffel_mpc_engine *e, uint64_t client_id, const uint8_t *shares,
                                         size_t count)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    if (!ne_is_networked(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "net_restore_input needs a networked engine");
    e->last_error[0] = 0;
    if (!shares || count == 0)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "net_restore_input: give 1..%d shares", NE_MAX_CLIENT_INPUTS);
    if (count > NE_MAX_CLIENT_INPUTS)
        return engine_fail(e, STOFFEL_ERR_LIMIT, "net_restore_input: at most %d shares per call (got %zu)",
                           NE_MAX_CLIENT_INPUTS, count);
    net_engine *s = NE(e);
    const size_t L = s->F->limbs;
    /* a damaged store must not feed the protocols out-of-field values */
    size_t bad = first_unreduced(s, shares, count);
    if (bad < count)
        return engine_fail(e, STOFFEL_MPC_ERR_NOT_IN_FIELD,
                           "net_restore_input: share %zu of client %llu is not a %s element in this engine's layout",
                           bad, (unsigned long long)client_id, s->F->name);
    ne_store_entry *en = ne_store_find(s, client_id, 1);
    if (!en || ne_grow(&en->shares, &en->cap, en->count + count, L))
        return engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    memcpy(en->shares + en->count * L, shares, count * L * 8);
    en->count += count;
    return 0;
}

static int share_is_reduced(void *user, const uint8_t *share)
{
    return first_unreduced(user, share, 1) == 1;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

int stoffel_mpc_engine_net_pool_size(const stoffel_mpc_engine *e, size_t *triples, size_t *randoms)
{
    if (!e || !ne_is_networked(e))
        return STOFFEL_ERR_INVALID_ARG;
    const ne_pools *pl = &CNE(e)->pools;
    if (triples)
        *triples = pl->len - pl->pos;
    if (randoms)
        *randoms = pl->rlen - pl->rpos;
    return 0;
}

int stoffel_mpc_engine_net_pool_export(stoffel_mpc_engine *e, uint8_t **bytes, size_t *len)
{
    if (!e || !bytes || !len)
        return STOFFEL_ERR_INVALID_ARG;
    if (!ne_is_networked(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "net_pool_export needs a networked engine");
    net_engine *s = NE(e);
    const size_t eb = e->share_size, L = s->F->limbs;
    const ne_pools *pl = &s->pools;
    size_t nt = pl->len - pl->pos, nr = pl->rlen - pl->rpos;
    material_pool *material = nonlinear_material_pool(e);
    size_t triples_end = POOL_HEADER + (3 * nt + nr) * eb;
    size_t total = triples_end + material_export_size(material);
    uint8_t *out = malloc(total);
    if (!out)
        return engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    memcpy(out, POOL_MAGIC, 8);
    put_u32(out + 8, (uint32_t)eb);
    put_u64(out + 12, nt);
    put_u64(out + 20, nr);
    uint8_t *w = out + POOL_HEADER;
    if (nt) {
        memcpy(w, pl->a + pl->pos * L, nt * eb);
        memcpy(w + nt * eb, pl->b + pl->pos * L, nt * eb);
        memcpy(w + 2 * nt * eb, pl->c + pl->pos * L, nt * eb);
    }
    if (nr)
        memcpy(w + 3 * nt * eb, pl->r + pl->rpos * L, nr * eb);
    material_export(material, out + triples_end);
    *bytes = out;
    *len = total;
    return 0;
}

int stoffel_mpc_engine_net_pool_import(stoffel_mpc_engine *e, const uint8_t *bytes, size_t len)
{
    if (!e || (!bytes && len))
        return STOFFEL_ERR_INVALID_ARG;
    if (!ne_is_networked(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "net_pool_import needs a networked engine");
    e->last_error[0] = 0;
    net_engine *s = NE(e);
    const size_t eb = e->share_size, L = s->F->limbs;
    int v1 = len >= POOL_HEADER && memcmp(bytes, POOL_MAGIC_V1, 8) == 0;
    if (len < POOL_HEADER || (!v1 && memcmp(bytes, POOL_MAGIC, 8) != 0))
        return engine_fail(e, STOFFEL_ERR_MALFORMED, "net_pool_import: not an exported pool (bad header)");
    if (get_u32(bytes + 8) != eb)
        return engine_fail(e, STOFFEL_ERR_MALFORMED,
                           "net_pool_import: the pool holds %u-byte elements but this engine's field (%s) uses %zu",
                           get_u32(bytes + 8), s->F->name, eb);
    uint64_t nt = get_u64(bytes + 12), nr = get_u64(bytes + 20);
    size_t body = len - POOL_HEADER;
    if (nt > body / eb || nr > body / eb || (3 * nt + nr) > body / eb ||
        (v1 ? (3 * nt + nr) * eb != body : (3 * nt + nr) * eb > body))
        return engine_fail(e, STOFFEL_ERR_MALFORMED,
                           "net_pool_import: the header announces %llu triples and %llu randoms but %zu bytes follow",
                           (unsigned long long)nt, (unsigned long long)nr, body);
    const size_t triples_end = POOL_HEADER + (3 * nt + nr) * eb;
    ne_pools *pl = &s->pools;
    /* the bits, masks and chains first: they are checked whole before anything is appended, so a
     * malformed export leaves both pools untouched */
    if (!v1) {
        char why[200];
        int rc = material_import(nonlinear_material_pool(e), bytes + triples_end, len - triples_end,
                                 share_is_reduced, s, why, sizeof why);
        if (rc)
            return engine_fail(e, rc, "net_pool_import: %s", why);
    }
    /* appended after what the engine holds: every party imports the same counts in the same
     * order, so the pools stay aligned */
    if (ne_pools_reserve(pl, L, nt, nr))
        return engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    const uint8_t *r = bytes + POOL_HEADER;
    if (nt) {
        memcpy(pl->a + pl->len * L, r, nt * eb);
        memcpy(pl->b + pl->len * L, r + nt * eb, nt * eb);
        memcpy(pl->c + pl->len * L, r + 2 * nt * eb, nt * eb);
    }
    if (nr)
        memcpy(pl->r + pl->rlen * L, r + 3 * nt * eb, nr * eb);
    pl->len += nt;
    pl->rlen += nr;
    return 0;
}

/* ---- outputs for clients ---- */

size_t stoffel_mpc_engine_net_output_count(const stoffel_mpc_engine *e)
{
    return e && ne_is_networked(e) ? CNE(e)->noutputs : 0;
}

int stoffel_mpc_engine_net_output_get(stoffel_mpc_engine *e, size_t index, uint64_t *client_id, size_t *count,
                                      uint8_t *shares)
{
    if (!e || !ne_is_networked(e))
        return STOFFEL_ERR_INVALID_ARG;
    net_engine *s = NE(e);
    if (index >= s->noutputs)
        return engine_fail(e, STOFFEL_ERR_NOT_FOUND, "output %zu: the engine holds %zu outputs", index, s->noutputs);
    const ne_output *o = &s->outputs[index];
    if (client_id)
        *client_id = o->client_id;
    if (count)
        *count = o->count;
    if (shares && o->count)
        memcpy(shares, o->shares, o->count * e->share_size);
    return 0;
}

int stoffel_mpc_engine_net_restore_output(stoffel_mpc_engine *e, uint64_t client_id, const uint8_t *shares,
                                          size_t count)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    if (!ne_is_networked(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "net_restore_output needs a networked engine");
    e->last_error[0] = 0;
    if (!shares || count == 0 || count > NE_MAX_CLIENT_INPUTS)
        return engine_fail(e, count > NE_MAX_CLIENT_INPUTS ? STOFFEL_ERR_LIMIT : STOFFEL_ERR_INVALID_ARG,
                           "net_restore_output: give 1..%d shares", NE_MAX_CLIENT_INPUTS);
    net_engine *s = NE(e);
    size_t bad = first_unreduced(s, shares, count);
    if (bad < count)
        return engine_fail(e, STOFFEL_MPC_ERR_NOT_IN_FIELD,
                           "net_restore_output: share %zu is not a %s element in this engine's layout", bad,
                           s->F->name);
    /* the next instance id: every party restores the same outputs in the same order, so the
     * client sees the same instance from each of them */
    uint64_t instance = s->next_instance++;
    uint64_t *aligned = malloc(count * e->share_size);
    if (!aligned)
        return engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    memcpy(aligned, shares, count * e->share_size);
    int rc = ne_store_output(s, client_id, instance, aligned, count);
    ne_wipe_free(aligned, count * e->share_size);
    return rc ? engine_fail(e, rc, "out of memory") : 0;
}
