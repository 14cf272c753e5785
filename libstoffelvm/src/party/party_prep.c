/*
 * party_prep.c - background preprocessing of the party runtime: when party 0 starts a
 * preprocessing operation (party_prep_due), how a preprocessing operation tops the pool up to the
 * levels (party_prep_top_up: triples, random sharings and the comparison material of
 * prep_comparisons), and what party 0 remembers about the pools it stored
 * (party_prep_note_stored). party_ops.c runs the operations around them.
 */
#include <stdio.h>
#include <string.h>

#include "party_internal.h"

/* Comparisons' worth of material one preprocessing operation adds at most (about 2 to 4 s of work
 * on 2 cores at n = 3). An operation holds party 0 until it ends, so a large level is reached in
 * several operations, between which the clients' requests are served; a level made in one go
 * (25,000 comparisons: 20 s and more) made client inputs time out. */
enum { PREP_COMPARISONS_PER_OPERATION = 4096 };

/* An export's header (see stoffel_mpc_engine_net_pool_export): magic (8), element size (u32),
 * triples (u64), randoms (u64). */
enum { POOL_HEADER_LEN = 28 };

/* The random bits, masks and prefix-mask chains that one signed 64-bit comparison (LT) and one
 * 64-bit equality test (EQ) take on this engine: the unit of prep_comparisons. Local: the MPC
 * library measures it on a private clear engine of the same field, threshold and mode, so every
 * party computes the same unit. */
static int comparison_unit(stoffel_mpc_engine *e, stoffel_mpc_material *unit)
{
    unit->struct_size = sizeof *unit;
    stoffel_mpc_request shapes[2] = {
        {.kind = STOFFEL_MPC_OP_LT, .count = 1, .bits = 64, .is_signed = 1},
        {.kind = STOFFEL_MPC_OP_EQ, .count = 1, .bits = 64, .is_signed = 1},
    };
    return stoffel_mpc_engine_material_demand(e, shapes, 2, unit);
}

/* out = k units (the demand of a request grows linearly with its count). */
static void scale_material(const stoffel_mpc_material *unit, uint64_t k, stoffel_mpc_material *out)
{
    out->struct_size = sizeof *out;
    out->random_bits = unit->random_bits * k;
    for (size_t w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++) {
        out->masks[w] = unit->masks[w] * k;
        out->prefix_chains[w] = unit->prefix_chains[w] * k;
    }
}

/* The material of `comparisons` LT plus as many EQ (see comparison_unit). */
static int comparison_levels(stoffel_mpc_engine *e, uint64_t comparisons, stoffel_mpc_material *levels)
{
    stoffel_mpc_material unit;
    int rc = comparison_unit(e, &unit);
    if (rc == 0)
        scale_material(&unit, comparisons, levels);
    return rc;
}

/* Totals for the log: masks of every width, chains of every length. */
static void material_totals(const stoffel_mpc_material *m, unsigned long long *masks, unsigned long long *chains)
{
    *masks = *chains = 0;
    for (size_t w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++) {
        *masks += m->masks[w];
        *chains += m->prefix_chains[w];
    }
}

/* 1 when the engine's pool holds at least `levels` of every kind of material. */
static int material_reaches(const stoffel_mpc_engine *e, const stoffel_mpc_material *levels)
{
    stoffel_mpc_material held = {.struct_size = sizeof held};
    if (stoffel_mpc_engine_material_held(e, &held) != 0 || held.random_bits < levels->random_bits)
        return 0;
    for (size_t w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++)
        if (held.masks[w] < levels->masks[w] || held.prefix_chains[w] < levels->prefix_chains[w])
            return 0;
    return 1;
}

/* Tops the pool up towards levels (the material of `comparisons` units) by at most one
 * operation's step: every kind up to what it holds plus the material of
 * PREP_COMPARISONS_PER_OPERATION units, capped at the level. Every party holds the same counts
 * (the pools are imported only when all agree), so every party computes the same amounts. */
static int top_up_step(stoffel_mpc_engine *e, const stoffel_mpc_material *unit, uint64_t comparisons,
                       const stoffel_mpc_material *levels)
{
    stoffel_mpc_material step, held = {.struct_size = sizeof held}, target = *levels;
    scale_material(unit, comparisons < PREP_COMPARISONS_PER_OPERATION ? comparisons : PREP_COMPARISONS_PER_OPERATION,
                   &step);
    int rc = stoffel_mpc_engine_material_held(e, &held);
    if (rc)
        return rc;
    if (held.random_bits + step.random_bits < target.random_bits)
        target.random_bits = held.random_bits + step.random_bits;
    for (size_t w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++) {
        if (held.masks[w] + step.masks[w] < target.masks[w])
            target.masks[w] = held.masks[w] + step.masks[w];
        if (held.prefix_chains[w] + step.prefix_chains[w] < target.prefix_chains[w])
            target.prefix_chains[w] = held.prefix_chains[w] + step.prefix_chains[w];
    }
    return stoffel_mpc_engine_material_top_up(e, &target);
}

int party_prep_top_up(stoffel_vm_party *p, stoffel_mpc_engine *e, const party_prep_levels *lv, char *err,
                      size_t err_len)
{
    /* the comparison material first: making random bits and masks takes random sharings (and,
     * in robust mode, triples) from the pool, which the triples and randoms step then refills */
    stoffel_mpc_material unit = {.struct_size = sizeof unit}, levels = {.struct_size = sizeof levels};
    int rc = lv->comparisons > 0 ? comparison_unit(e, &unit) : 0;
    scale_material(&unit, lv->comparisons, &levels);
    if (rc == 0 && lv->comparisons > 0)
        rc = top_up_step(e, &unit, lv->comparisons, &levels);
    size_t have_t = 0, have_r = 0;
    stoffel_mpc_engine_net_pool_size(e, &have_t, &have_r);
    size_t need_t = lv->triples > have_t ? (size_t)(lv->triples - have_t) : 0;
    size_t need_r = lv->randoms > have_r ? (size_t)(lv->randoms - have_r) : 0;
    if (rc == 0)
        rc = stoffel_mpc_engine_net_preprocess(e, need_t, need_r);
    if (rc) {
        snprintf(err, err_len, "party %u: %s", p->me, stoffel_mpc_engine_last_error(e));
        return rc;
    }
    stoffel_mpc_engine_net_pool_size(e, &have_t, &have_r);
    stoffel_mpc_material held = {.struct_size = sizeof held};
    stoffel_mpc_engine_material_held(e, &held);
    unsigned long long masks = 0, chains = 0, level_masks = 0, level_chains = 0;
    material_totals(&held, &masks, &chains);
    material_totals(&levels, &level_masks, &level_chains);
    party_log(p,
              "preprocessing: %zu triples and %zu random sharings ready, %llu random bits, %llu masks, %llu "
              "prefix-mask chains (levels %llu triples / %llu randoms / %llu comparisons: %llu bits, %llu masks, "
              "%llu chains)",
              have_t, have_r, (unsigned long long)held.random_bits, masks, chains, (unsigned long long)lv->triples,
              (unsigned long long)lv->randoms, (unsigned long long)lv->comparisons,
              (unsigned long long)levels.random_bits, level_masks, level_chains);
    return 0;
}

void party_prep_note_stored(stoffel_vm_party *p, stoffel_mpc_engine *e, stoffel_mpc_field_id field, uint64_t tag)
{
    if (p->me != 0 || field != p->mpc.prep_field)
        return; /* only the pool of the background preprocessing's field is measured */
    stoffel_mpc_material levels;
    int ok = p->mpc.prep_comparisons > 0 && comparison_levels(e, p->mpc.prep_comparisons, &levels) == 0 &&
             material_reaches(e, &levels);
    p->material_ok_tag = ok ? tag : 0;
}

/*
 * Triples and random sharings are counted in the stored export's header. The comparison material
 * is not parsed out of the stored bytes (its layout is the MPC library's and ends the export):
 * instead party 0 remembers, in memory, the tag of the last pool it stored that held at least the
 * configured material (material_ok_tag, set by party_prep_note_stored after every operation that
 * stores a pool). Any other stored tag, no pool, or a restart (nothing remembered) makes a
 * preprocessing operation due: at worst one operation that imports the pool, finds it full and
 * stores it again, after which its tag is remembered.
 */
int party_prep_due(stoffel_vm_party *p)
{
    if (p->mpc.prep_triples == 0 && p->mpc.prep_randoms == 0 && p->mpc.prep_comparisons == 0)
        return 0;
    if (party_now_ms() - p->idle_since_ms < 1000)
        return 0;
    for (uint32_t j = 1; j < p->n; j++)
        if (stoffel_net_party_state(p->net, j) != STOFFEL_NET_STATE_CONNECTED)
            return 0;
    uint64_t tag = 0, nt = 0, nr = 0;
    uint8_t header[POOL_HEADER_LEN];
    if (store_get_pool_header(p->store, (int)p->mpc.prep_field, &tag, header, sizeof header) == 0) {
        memcpy(&nt, header + 12, 8);
        memcpy(&nr, header + 20, 8);
    }
    if (p->mpc.prep_comparisons > 0 && (tag == 0 || tag != p->material_ok_tag))
        return 1;
    return nt < p->mpc.prep_triples || nr < p->mpc.prep_randoms;
}
