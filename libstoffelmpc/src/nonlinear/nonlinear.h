/*
 * nonlinear.h - the seam between the MPC engine core and the nonlinear protocols (random bits and
 * integers, comparisons, equality, bit decomposition, truncation, fixed point, integer division).
 *
 * The engine core's stoffel_mpc_engine_execute() hands every request whose kind is one of
 * RANDOM_BIT, RANDOM_INT, LT, LE, GT, GE, EQ, NE, DIV, REM, DIV_PUBLIC, REM_PUBLIC, TRUNC,
 * TRUNC_PR, FIXED_DIV and the kinds appended after OUTPUT (FIXED_MUL, SELECT, MIN, MAX, ABS,
 * SIGN, BIT_DECOMPOSE, BIT_COMPOSE; nonlinear_supports() is the list) to nonlinear_execute().
 * The nonlinear protocols are written over the engine's own primitives (local share algebra and batched MUL / OPEN / RANDOM requests through
 * stoffel_mpc_engine_execute), so they run unchanged on every engine: simulated, networked, host.
 */
#ifndef STOFFEL_MPC_NONLINEAR_H
#define STOFFEL_MPC_NONLINEAR_H

#include <stoffel/mpc.h>

/* What a nonlinear batch consumed, for the engine's statistics. The rounds and multiplications
 * the protocols issue also pass through stoffel_mpc_engine_execute (which counts them as online);
 * preprocessing_rounds says how many of those rounds generated preprocessing material (random
 * bits, PreMul masks), so an engine may move them from its online to its preprocessing count. */
typedef struct {
    uint64_t rounds;               /* execute calls issued (online + preprocessing) */
    uint64_t preprocessing_rounds; /* of which generated preprocessing material */
    uint64_t random_bits;          /* shared random bits produced and consumed */
    uint64_t comparisons;          /* LT/LE/GT/GE/EQ/NE elements and those inside DIV etc. */
} nonlinear_cost;

struct material_pool;

/* The engine's pool of preprocessed random bits and masks (material.h), or NULL when the engine
 * keeps none. Defined by the engine core (engine_material.c). */
struct material_pool *nonlinear_material_pool(stoffel_mpc_engine *engine);

/* Makes the material `amounts` asks for (masks only on engines with DEALT_RANDOM; the caller has
 * checked the widths) and appends it to the engine's pool: collective, like an execute call. The
 * bits ride along with the first width's masks. Adds its rounds to *cost (may be NULL). Returns 0
 * or a negative status with a message in msg. */
int nonlinear_fill_material(stoffel_mpc_engine *engine, const stoffel_mpc_material *amounts,
                            nonlinear_cost *cost, char *msg, size_t msg_len);

/* 1 if kind is served by the nonlinear protocols (and is implemented), else 0. */
int nonlinear_supports(stoffel_mpc_op_kind kind);

/* Runs a batch of nonlinear requests on engine (all of them of kinds nonlinear_supports() accepts),
 * concurrently where possible. Returns 0 or a negative status; on failure writes a message of at
 * most msg_len bytes (NUL-terminated) into msg. */
int nonlinear_execute(stoffel_mpc_engine *engine, stoffel_mpc_request *requests, size_t count,
                      char *msg, size_t msg_len);

/* As nonlinear_execute, and adds what the batch consumed to *cost (which the caller zeroes
 * once; cost may be NULL). */
int nonlinear_execute_counted(stoffel_mpc_engine *engine, stoffel_mpc_request *requests,
                              size_t count, nonlinear_cost *cost, char *msg, size_t msg_len);

/* As nonlinear_execute_counted, and runs the `ncore` core requests (MUL, OPEN, RANDOM, OUTPUT:
 * independent of the nonlinear ones, as every request of one batch) in the first round of the
 * nonlinear protocols, so a mixed batch takes the rounds of its deepest request. Nothing runs when
 * a nonlinear request is malformed. */
int nonlinear_execute_batch(stoffel_mpc_engine *engine, stoffel_mpc_request *core, size_t ncore,
                            stoffel_mpc_request *requests, size_t count, nonlinear_cost *cost,
                            char *msg, size_t msg_len);

#endif
