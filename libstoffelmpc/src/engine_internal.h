/*
 * engine_internal.h - what every engine implementation (simulated, networked, host callbacks)
 * provides behind the public stoffel_mpc_engine_* functions. engine.c validates arguments, keeps
 * the error message, routes nonlinear requests to src/nonlinear and calls these for the rest.
 */
#ifndef STOFFEL_MPC_ENGINE_INTERNAL_H
#define STOFFEL_MPC_ENGINE_INTERNAL_H

#include <stdarg.h>

#include <stoffel/mpc.h>

#include "nonlinear/material.h"

typedef struct {
    const char *protocol_name;
    /* 1 if the engine itself serves this core kind (MUL, OPEN, RANDOM, OUTPUT) */
    int (*supports)(const stoffel_mpc_engine *e, stoffel_mpc_op_kind kind);
    int (*share_public)(stoffel_mpc_engine *e, const uint8_t *values, uint8_t *out, size_t count);
    int (*add)(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count);
    int (*sub)(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count);
    int (*neg)(stoffel_mpc_engine *e, const uint8_t *a, uint8_t *out, size_t count);
    int (*add_public)(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count);
    int (*mul_public)(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count);
    /* core kinds only, all requests run concurrently */
    int (*execute)(stoffel_mpc_engine *e, stoffel_mpc_request *requests, size_t count);
    size_t (*client_count)(const stoffel_mpc_engine *e);
    int (*client_id)(const stoffel_mpc_engine *e, size_t client_index, uint64_t *client_id);
    int (*client_input_count)(const stoffel_mpc_engine *e, size_t client_index, size_t *count);
    int (*client_input_get)(stoffel_mpc_engine *e, size_t client_index, size_t input_index, uint8_t *share_out);
    /* fills the counters the implementation keeps (rounds, traffic, pools) */
    void (*fill_stats)(const stoffel_mpc_engine *e, stoffel_mpc_stats *stats);
    void (*destroy)(stoffel_mpc_engine *e);
} engine_vtable;

struct stoffel_mpc_engine {
    const engine_vtable *vt;
    uint32_t party_id, n, t;
    stoffel_mpc_security security;
    const stoffel_mpc_field *field;
    stoffel_mpc_field *owned_field; /* freed with the engine when set */
    size_t share_size;
    const char *protocol_name;      /* overrides vt->protocol_name when set (host engines) */
    uint64_t comparisons;           /* counted here from the nonlinear protocols' cost reports */
    uint64_t random_bits;
    uint64_t nl_prep_rounds;        /* rounds of nonlinear batches that generated preprocessing */
    uint64_t nl_prep_ns;            /* time spent filling the material pool ahead of requests */
    material_pool material;         /* preprocessed random bits and masks (engine_material.c) */
    uint32_t kappa;                 /* statistical security parameter of the nonlinear protocols
                                     * (0: the default, 40) */
    char last_error[512];
};

/* Sets e->last_error (printf-style) and returns status. */
int engine_fail(stoffel_mpc_engine *e, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 1 for the kinds the engine implementations serve themselves (MUL, OPEN, RANDOM, OUTPUT,
 * MUL_RESHARE, DEALT_RANDOM); the others are the nonlinear protocols'. */
int engine_is_core_kind(stoffel_mpc_op_kind kind);

/* 1 when the engine has MUL_RESHARE and DEALT_RANDOM: the nonlinear protocols then make bits and
 * masks from dealt randomness, and the material pool holds statistical masks. */
int engine_deals_randomness(const stoffel_mpc_engine *e);

/* Wipes and frees the engine's material pool (before the engine itself is destroyed). */
void engine_material_free(stoffel_mpc_engine *e);

/* Checks (n, t) against the bound of the security mode; on violation writes a message naming the
 * bound and returns STOFFEL_MPC_ERR_BOUND. */
int engine_check_bound(uint32_t n, uint32_t t, stoffel_mpc_security security, char *msg, size_t msg_len);


/* ---- Local share algebra shared by the engines whose shares are packed field elements
 * (Montgomery limbs, elem_size bytes each): the simulated engine (n elements per share) and the
 * networked engine (one element per share). ---- */
#include "field.h"

typedef void (*engine_vec_binop)(const field *, uint64_t *, const uint64_t *, const uint64_t *, size_t);

/* out = op(a, b) over `elems` packed elements; copies through aligned, wiped scratch buffers when
 * a caller's buffers are not 8-byte aligned. */
int engine_local_binop(stoffel_mpc_engine *e, const field *F, engine_vec_binop op, const uint8_t *a,
                       const uint8_t *b, uint8_t *out, size_t elems);

/* fe_vec_neg in engine_vec_binop shape (the second operand is ignored). */
void engine_vec_neg(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *unused, size_t count);

/* Reads `count` canonical public elements into Montgomery limbs; fails naming the first bad one. */
int engine_read_public(stoffel_mpc_engine *e, const field *F, const uint8_t *bytes, size_t count,
                       uint64_t *dst, const char *what);

/* Zeroes `bytes` bytes of p, then frees it; NULL is a no-op. */
void engine_wipe_free(void *p, size_t bytes);

#endif
