/*
 * engine_sim_clients.c - the simulated engine's ClientStore (per party, ascending client id),
 * simulated clients giving input with the mask protocol and receiving outputs, and the
 * simulator's fault controls (crash, lying parties, transcript hash, blame counters).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine_sim.h"

/* ---- client store ---- */

static store_entry *store_find(client_store *cs, uint64_t id, int create)
{
    size_t i = 0;
    while (i < cs->count && cs->entries[i].client_id < id)
        i++;
    if (i < cs->count && cs->entries[i].client_id == id)
        return &cs->entries[i];
    if (!create)
        return NULL;
    if (cs->count == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 8;
        store_entry *ne = realloc(cs->entries, cap * sizeof *ne);
        if (!ne)
            return NULL;
        cs->entries = ne;
        cs->cap = cap;
    }
    memmove(&cs->entries[i + 1], &cs->entries[i], (cs->count - i) * sizeof *cs->entries);
    memset(&cs->entries[i], 0, sizeof *cs->entries);
    cs->entries[i].client_id = id;
    cs->count++;
    return &cs->entries[i];
}

int sime_store_append(sim_engine *s, uint32_t party, uint64_t client, const uint64_t *shares, size_t count)
{
    const size_t L = s->F->limbs;
    store_entry *en = store_find(&s->stores[party], client, 1);
    if (!en || sime_grow(&en->shares, &en->cap, en->count + count, L))
        return STOFFEL_ERR_NOMEM;
    memcpy(en->shares + en->count * L, shares, count * L * 8);
    en->count += count;
    return 0;
}

static const client_store *reference_store(const sim_engine *s)
{
    for (uint32_t i = 0; i < s->base.n; i++)
        if (!sim_is_crashed(s->sim, i))
            return &s->stores[i];
    return &s->stores[0];
}

size_t sime_client_count(const stoffel_mpc_engine *e)
{
    return reference_store(CSE(e))->count;
}

int sime_client_id(const stoffel_mpc_engine *e, size_t idx, uint64_t *id)
{
    const client_store *cs = reference_store(CSE(e));
    if (idx >= cs->count)
        return STOFFEL_ERR_NOT_FOUND;
    *id = cs->entries[idx].client_id;
    return 0;
}

int sime_client_input_count(const stoffel_mpc_engine *e, size_t idx, size_t *count)
{
    const client_store *cs = reference_store(CSE(e));
    if (idx >= cs->count)
        return STOFFEL_ERR_NOT_FOUND;
    *count = cs->entries[idx].count;
    return 0;
}

int sime_client_input_get(stoffel_mpc_engine *e, size_t idx, size_t input, uint8_t *share_out)
{
    sim_engine *s = SE(e);
    const size_t L = s->F->limbs;
    const client_store *ref = reference_store(s);
    if (idx >= ref->count)
        return engine_fail(e, STOFFEL_ERR_NOT_FOUND, "client index %zu: only %zu clients have input", idx, ref->count);
    uint64_t id = ref->entries[idx].client_id;
    if (input >= ref->entries[idx].count)
        return engine_fail(e, STOFFEL_ERR_NOT_FOUND, "client %llu has %zu inputs; index %zu does not exist",
                           (unsigned long long)id, ref->entries[idx].count, input);
    for (uint32_t i = 0; i < e->n; i++) {
        store_entry *en = store_find(&s->stores[i], id, 0);
        if (en && input < en->count)
            memcpy(share_out + i * L * 8, en->shares + input * L, L * 8);
        else
            memset(share_out + i * L * 8, 0, L * 8);
    }
    return 0;
}


int stoffel_mpc_engine_sim_client_input(stoffel_mpc_engine *e, uint64_t client_id, const uint8_t *values,
                                        size_t count)
{
    if (!e || (count && !values))
        return STOFFEL_ERR_INVALID_ARG;
    if (!sime_is_sim(e))
        return engine_fail(e, STOFFEL_ERR_UNSUPPORTED, "sim_client_input needs a simulated engine");
    e->last_error[0] = 0;
    sim_engine *s = SE(e);
    const size_t L = s->F->limbs;
    const uint32_t n = e->n;
    if (count > 65536)
        return engine_fail(e, STOFFEL_ERR_LIMIT, "a client input message carries at most 65536 values (got %zu)", count);
    if (count == 0)
        return 0;
    uint64_t *x = malloc(count * L * 8);
    if (!x)
        return engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    int rc = sime_read_public(s, values, count, x, "client input");
    if (rc == 0)
        rc = sime_ensure_pools(s, 0, count);
    if (rc) {
        sime_wipe_free(x, count * L * 8);
        return rc;
    }
    uint64_t t0 = sime_now_ns();
    sim_client *c = sime_find_client(s, client_id, 1);
    mpc_proto **inst = calloc((size_t)n + 1, sizeof *inst);
    mpc_outbox out = {0};
    out.cache = &s->cache;
    if (!c || !inst) {
        sime_wipe_free(x, count * L * 8);
        free(inst);
        return engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    }
    uint64_t instance = s->next_instance++;
    inst[n] = input_client_new(&c->C, instance, x, count, &out);
    rc = inst[n] ? sime_start_instance(s, inst[n], &out) : engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (!sime_live(s, i))
            continue;
        party_pools *pl = &s->pools[i];
        inst[i] = input_party_new(&s->parties[i], instance, client_id, pl->r + pl->rpos * L, count, &out);
        rc = inst[i] ? sime_start_instance(s, inst[i], &out) : engine_fail(e, STOFFEL_ERR_NOMEM, "out of memory");
    }
    if (rc == 0) {
        rc = sim_run(s->sim, inst, (size_t)n + 1);
        if (rc)
            engine_fail(e, rc, "client %llu input: %s", (unsigned long long)client_id, sim_error(s->sim));
    }
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (!sime_live(s, i) || !inst[i])
            continue;
        s->pools[i].rpos += count;
        rc = sime_store_append(s, i, client_id, input_party_result(inst[i]), count);
        if (rc)
            engine_fail(e, rc, "out of memory");
    }
    if (rc == 0) {
        s->randoms_used += count;
        s->rounds += 2;
    }
    sime_drop_instances(s, inst, (size_t)n + 1);
    free(inst);
    outbox_free(&out);
    sime_wipe_free(x, count * L * 8);
    s->online_ns += sime_now_ns() - t0;
    return rc;
}

int stoffel_mpc_engine_sim_client_output(const stoffel_mpc_engine *e, uint64_t client_id, uint8_t *values,
                                         size_t *count)
{
    if (!e || !count || (*count && !values))
        return STOFFEL_ERR_INVALID_ARG;
    if (!sime_is_sim(e))
        return STOFFEL_ERR_UNSUPPORTED;
    sim_engine *s = SE((stoffel_mpc_engine *)e);
    sim_client *c = sime_find_client(s, client_id, 0);
    size_t have = c ? c->nout : 0;
    size_t copy = *count < have ? *count : have;
    if (copy)
        memcpy(values, c->outputs, copy * s->F->elem_size);
    *count = have;
    return 0;
}

int stoffel_mpc_engine_sim_crash_party(stoffel_mpc_engine *e, uint32_t party, uint64_t after_steps)
{
    if (!e || !sime_is_sim(e))
        return STOFFEL_ERR_INVALID_ARG;
    if (party >= e->n)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "party %u does not exist (n = %u)", party, e->n);
    sim_engine *s = SE(e);
    sim_crash(s->sim, party, after_steps ? sim_step(s->sim) + after_steps : 0);
    return 0;
}

int stoffel_mpc_engine_sim_set_liar(stoffel_mpc_engine *e, uint32_t party, stoffel_mpc_sim_behaviour behaviour)
{
    if (!e || !sime_is_sim(e))
        return STOFFEL_ERR_INVALID_ARG;
    if (party >= e->n)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "party %u does not exist (n = %u)", party, e->n);
    if ((int)behaviour < 0 || behaviour > STOFFEL_MPC_SIM_BAD_DEALER)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "unknown behaviour %d", (int)behaviour);
    sim_engine *s = SE(e);
    sim_set_liar(s->sim, party, (int)behaviour);
    sim_set_liars_active(s->sim, 1);
    return 0;
}

int stoffel_mpc_engine_sim_transcript_hash(const stoffel_mpc_engine *e, uint8_t out[32])
{
    if (!e || !out || !sime_is_sim(e))
        return STOFFEL_ERR_INVALID_ARG;
    const sim_engine *s = CSE(e);
    if (!s->cfg.record_transcript)
        return STOFFEL_ERR_STATE;
    sim_transcript_hash(s->sim, out);
    return 0;
}

int stoffel_mpc_engine_sim_blame(const stoffel_mpc_engine *e, uint32_t party, uint64_t *count)
{
    if (!e || !count || !sime_is_sim(e) || party >= e->n)
        return STOFFEL_ERR_INVALID_ARG;
    const sim_engine *s = CSE(e);
    uint64_t total = 0;
    for (uint32_t i = 0; i < e->n; i++)
        if (i != party && !sim_is_crashed(s->sim, i))
            total += s->parties[i].blame[party];
    *count = total;
    return 0;
}
