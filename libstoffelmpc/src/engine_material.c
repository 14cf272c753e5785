/*
 * engine_material.c - the public side of an engine's pool of random bits and statistical masks
 * (mpc.h "Preprocessed random bits and masks"): what it holds, filling it ahead of time (by
 * levels, or by the demand of a list of requests), and the hook through which the nonlinear
 * protocols reach it. The pool itself is src/nonlinear/material.c; the demand is measured in
 * material_demand.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine_internal.h"
#include "nonlinear/material.h"
#include "nonlinear/nonlinear.h"

material_pool *nonlinear_material_pool(stoffel_mpc_engine *e)
{
    if (e->material.ss == 0) /* engines are zero-allocated: set up on first use */
        material_init(&e->material, e->share_size);
    return &e->material;
}

void engine_material_free(stoffel_mpc_engine *e)
{
    if (e->material.ss)
        material_clear(&e->material);
}

int stoffel_mpc_engine_material_held(const stoffel_mpc_engine *e, stoffel_mpc_material *out)
{
    if (!e || !out || out->struct_size < sizeof(size_t))
        return STOFFEL_ERR_INVALID_ARG;
    material_counts(&e->material, out); /* an untouched (zeroed) pool counts as empty */
    return 0;
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Checks that the engine can make what `amounts` asks for before anything is made. */
static int check_makeable(stoffel_mpc_engine *e, const stoffel_mpc_material *amounts)
{
    const unsigned fbits = stoffel_mpc_field_bits(e->field);
    const int dealt = engine_deals_randomness(e);
    if (amounts->prefix_chains[0])
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG, "prefix-mask chains of length 0: lengths start at 1");
    for (unsigned w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++) {
        if (!amounts->masks[w])
            continue;
        if (!dealt)
            return engine_fail(e, STOFFEL_ERR_UNSUPPORTED,
                               "masks of width %u: statistical masks are pooled only by semi-honest engines with "
                               "DEALT_RANDOM; this engine (%s) makes its masks from random bits, so preprocess "
                               "random bits instead",
                               w, stoffel_mpc_engine_protocol_name(e));
        if (w < 1 || w + 2 > fbits)
            return engine_fail(e, STOFFEL_ERR_INVALID_ARG,
                               "masks of width %u: the %u-bit field %s holds widths 1..%u", w, fbits,
                               stoffel_mpc_field_name(e->field), fbits - 2);
    }
    return 0;
}

/* Makes `amounts` and appends them to the pool. */
static int make_material(stoffel_mpc_engine *e, const stoffel_mpc_material *amounts)
{
    int rc = check_makeable(e, amounts);
    if (rc)
        return rc;
    nonlinear_cost cost;
    memset(&cost, 0, sizeof cost);
    char msg[sizeof e->last_error];
    uint64_t start = monotonic_ns();
    rc = nonlinear_fill_material(e, amounts, &cost, msg, sizeof msg);
    e->nl_prep_rounds += cost.preprocessing_rounds;
    e->nl_prep_ns += monotonic_ns() - start;
    if (rc)
        return engine_fail(e, rc, "preprocessing random bits and masks: %s", msg);
    return 0;
}

int stoffel_mpc_engine_material_top_up(stoffel_mpc_engine *e, const stoffel_mpc_material *levels)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    e->last_error[0] = 0;
    if (!levels || levels->struct_size != sizeof *levels)
        return engine_fail(e, STOFFEL_ERR_INVALID_ARG,
                           "material_top_up: levels is NULL or its struct_size is not sizeof(stoffel_mpc_material)");
    stoffel_mpc_material held = {.struct_size = sizeof held}, need = {.struct_size = sizeof need};
    stoffel_mpc_engine_material_held(e, &held);
    need.random_bits = levels->random_bits > held.random_bits ? levels->random_bits - held.random_bits : 0;
    for (size_t w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++) {
        need.masks[w] = levels->masks[w] > held.masks[w] ? levels->masks[w] - held.masks[w] : 0;
        need.prefix_chains[w] =
            levels->prefix_chains[w] > held.prefix_chains[w] ? levels->prefix_chains[w] - held.prefix_chains[w] : 0;
    }
    return make_material(e, &need);
}

int stoffel_mpc_engine_preprocess_for(stoffel_mpc_engine *e, const stoffel_mpc_request *requests, size_t count)
{
    if (!e)
        return STOFFEL_ERR_INVALID_ARG;
    stoffel_mpc_material demand = {.struct_size = sizeof demand};
    int rc = stoffel_mpc_engine_material_demand(e, requests, count, &demand);
    return rc ? rc : make_material(e, &demand);
}
