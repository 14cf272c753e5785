/*
 * nl_internal.h - private declarations shared by the nonlinear protocol files: the per-call
 * context (engine, field constants, statistical parameter), secret buffers, public field
 * arithmetic on opened values (GMP), thin wrappers over the engine's primitives, and the protocol
 * building blocks (random bits, BitLT, Mod2m, LTZ, EQZ, ...).
 *
 * Layout convention: a vector of `n` shares is `n * ss` bytes packed; a matrix of bits of `m`
 * positions for `n` elements is bit-major (position i of element e at index i * n + e), so one
 * bit position of all elements is one contiguous vector for the engine's vector operations.
 */
#ifndef STOFFEL_MPC_NL_INTERNAL_H
#define STOFFEL_MPC_NL_INTERNAL_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "material.h"
#include "nonlinear.h"

/* Statistical security parameter of the masking protocols (Catrina-Saxena kappa), when the
 * engine does not set one (stoffel_mpc_engine_kappa). */
#define NL_KAPPA_DEFAULT 40

struct nl_task;

typedef struct nl_ctx {
    stoffel_mpc_engine *engine;
    const stoffel_mpc_field *field;
    size_t es;       /* bytes of one public field element */
    size_t ss;       /* bytes of one share */
    unsigned pbits;  /* bit length of p */
    uint32_t kappa;
    mpz_t p;
    mpz_t half_p;    /* (p - 1) / 2 */
    /* square roots: p = 3 mod 4 uses one power (p+1)/4; otherwise Tonelli-Shanks with
     * p - 1 = 2^ts_s ts_q and the non-residue power ts_c = z^ts_q (set up on first use) */
    int sqrt_ready;
    unsigned ts_s;
    mpz_t ts_q_half, ts_c, sqrt_exp;
    uint8_t *zero, *one, *minus_one, *two, *inv2, *minus_two; /* encoded constants, es bytes each */
    /* 1 when the engine has MUL_RESHARE and DEALT_RANDOM (semi-honest): multiplications by
     * degree reduction, random bits as XORs of t+1 dealt bits and statistical masks as sums of
     * t+1 dealt integers, so a comparison needs no triple and no square root. */
    int dealt;
    uint32_t t;
    /* the engine's pool of preprocessed bits and masks (NULL: none); taken from first */
    material_pool *pool;
    nonlinear_cost *cost;
    char *msg;
    size_t msg_len;
    /* Set when the protocol runs as one task of a concurrent batch (nl_sched.c): its rounds are
     * merged with the other tasks' rounds instead of running alone. */
    struct nl_task *task;
} nl_ctx;

/* Context life cycle; nl_ctx_init returns 0 or STOFFEL_ERR_NOMEM. */
int nl_ctx_init(nl_ctx *ctx, stoffel_mpc_engine *engine, nonlinear_cost *cost, char *msg,
                size_t msg_len);
void nl_ctx_clear(nl_ctx *ctx);

/* Records an error message (printf style) and returns status. */
int nl_fail(nl_ctx *ctx, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Secret buffers of n shares, zero-filled; freed with zeroing. NULL on overflow / no memory. */
uint8_t *nl_sh_alloc(const nl_ctx *ctx, size_t n);
void nl_sh_free(const nl_ctx *ctx, uint8_t *buf, size_t n);
/* Public buffers of n field elements (zero-filled; plain free). */
uint8_t *nl_pub_alloc(const nl_ctx *ctx, size_t n);

/* Shorthands for element / share addressing. */
#define NL_SH(ctx, buf, i) ((buf) + (size_t)(i) * (ctx)->ss)
#define NL_EL(ctx, buf, i) ((buf) + (size_t)(i) * (ctx)->es)

/* ---- public field arithmetic (nl_field.c) ---------------------------------------------------- */
void nl_to_mpz(const nl_ctx *ctx, const uint8_t *elem, mpz_t out);
/* Encodes z mod p (any sign) as a canonical element. */
void nl_from_mpz(const nl_ctx *ctx, const mpz_t z, uint8_t *out);
void nl_from_u64(const nl_ctx *ctx, uint64_t x, uint8_t *out);
/* Encodes 2^e mod p and 2^-e mod p. */
void nl_pow2(const nl_ctx *ctx, unsigned e, uint8_t *out);
void nl_inv_pow2(const nl_ctx *ctx, unsigned e, uint8_t *out);
/* Canonical square root (the one <= (p-1)/2) of a; returns 0, or -1 if a is not a square. */
int nl_sqrt_canonical(nl_ctx *ctx, const mpz_t a, mpz_t root);
/* Checks that a masked opening of k-bit values fits: k + kappa + 1 < bits(p). */
int nl_check_capacity(nl_ctx *ctx, const char *what, unsigned k);

/* ---- engine primitives (nl_ops.c) ------------------------------------------------------------ */
int nl_add(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n);
int nl_sub(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n);
int nl_add_pub(nl_ctx *ctx, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t n);
int nl_mul_pub(nl_ctx *ctx, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t n);
/* With one public constant c (es bytes) for all n shares. */
int nl_add_const(nl_ctx *ctx, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t n);
int nl_mul_const(nl_ctx *ctx, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t n);
/* out = c - a for one public constant c. */
int nl_const_sub(nl_ctx *ctx, const uint8_t *c, const uint8_t *a, uint8_t *out, size_t n);
/* out = a + b * c (c one public constant); out may alias a. */
int nl_add_scaled(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, const uint8_t *c, uint8_t *out,
                  size_t n);
int nl_share_const(nl_ctx *ctx, const uint8_t *c, uint8_t *out, size_t n);

/* A round: several MUL / OPEN / RANDOM requests run by one engine execute call. */
/* Requests point into the protocols' buffers (one per bit position where positions are not
 * contiguous) instead of gathering copies: BitLT over up to 213 positions (the largest k + kappa
 * that fits a 255-bit field) needs up to 2 * 106 + 1 of them in one round. */
#define NL_ROUND_MAX 256
typedef struct {
    stoffel_mpc_request req[NL_ROUND_MAX];
    size_t count;
} nl_round;
void nl_round_mul(nl_round *r, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n);
void nl_round_open(nl_round *r, const uint8_t *a, uint8_t *out, size_t n);
void nl_round_random(nl_round *r, uint8_t *out, size_t n);
/* DEALT_RANDOM: out receives (t+1) * n shares (dealer-major) of integers below 2^bits. */
void nl_round_dealt(nl_round *r, uint32_t bits, uint8_t *out, size_t n);
/* Runs the round's requests (no-op for an empty round); counts it in the cost. */
int nl_round_run(nl_ctx *ctx, nl_round *r, int preprocessing);

int nl_mul(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t n);
int nl_open(nl_ctx *ctx, const uint8_t *a, uint8_t *out, size_t n);

/* ---- concurrent batches (nl_sched.c) --------------------------------------------------------- */
/* One independent piece of a batch: a protocol run on its own context. */
typedef int (*nl_job_fn)(nl_ctx *ctx, void *arg);

/* Runs `count` jobs concurrently so that their rounds share engine execute calls: round j of
 * every job that still runs (plus, in the first round, the `ncore` core requests) goes into one
 * execute call. Every party makes the same calls in the same order (jobs are resumed in index
 * order), so the networked engine's instance ids stay aligned. Costs are added to ctx->cost; the
 * first failure's message goes to ctx. Returns 0 or the first failing status. */
int nl_run_concurrent(nl_ctx *ctx, nl_job_fn *fns, void **args, size_t count,
                      stoffel_mpc_request *core, size_t ncore);

/* Blocks the calling task until the scheduler has run its round merged with the others'; returns
 * the engine status of that execute call (message in *detail). Called by nl_round_run. */
int nl_task_round(struct nl_task *task, stoffel_mpc_request *req, size_t count, int preprocessing,
                  const char **detail);

/* ---- preprocessing (random_bits.c) ----------------------------------------------------------- */
/* n shares of uniformly random bits: from the engine's pool, and what it lacks made now (XORs of
 * t+1 dealt bits when ctx->dealt, else the square trick with a deterministic root). */
int nl_random_bits(nl_ctx *ctx, uint8_t *out, size_t n);
/* The masks of a masked opening when ctx->dealt: nbits random bits and n statistical masks of
 * width `width` (sums of t+1 dealt integers below 2^width), from the pool, and what it lacks made
 * now in one go (nl_dealt_masks). */
int nl_mask_material(nl_ctx *ctx, uint8_t *bits, size_t nbits, unsigned width, uint8_t *masks,
                     size_t n);
/* Makes nbits random bits and nmasks masks of width `width` (dealt engines only) and appends them
 * to the engine's pool. */
int nl_fill_material(nl_ctx *ctx, uint64_t nbits, unsigned width, uint64_t nmasks);
/* Makes `count` prefix-product mask chains of length L and appends them to the pool (eqz.c). */
int nl_fill_prefix_masks(nl_ctx *ctx, unsigned L, uint64_t count);
/* Makes (no pool) nbits random bits into bits and n statistical masks into ints, each the sum of
 * t+1 dealt integers below 2^int_bits, in the same rounds (ctx->dealt only). */
int nl_dealt_masks(nl_ctx *ctx, uint8_t *bits, size_t nbits, unsigned int_bits, uint8_t *ints,
                   size_t n);
/* out[e] = sum_{i<m} 2^i bits[i * n + e] (bit-major input). */
int nl_compose_bits(nl_ctx *ctx, const uint8_t *bits, unsigned m, size_t n, uint8_t *out);
/* n random integers in [0, 2^bits). */
int nl_random_ints(nl_ctx *ctx, unsigned bits, uint8_t *out, size_t n);

/* ---- comparison building blocks (bitlt.c, mod2m.c, eqz.c) ------------------------------------ */
/* u[e] = [c_e < r_e] for public m-bit c (mpz, one per element) and secret bits r (bit-major). */
int nl_bitlt(nl_ctx *ctx, const mpz_t *c, const uint8_t *rbits, unsigned m, size_t n, uint8_t *u);
/* The same with the products pairs[i * n + e] = r_{2i+1} r_{2i} (floor(m/2) vectors, from
 * nl_masked_open_pairs): one round less. */
int nl_bitlt_pairs(nl_ctx *ctx, const mpz_t *c, const uint8_t *rbits, const uint8_t *pairs,
                   unsigned m, size_t n, uint8_t *u);

/* A masked opening of k-bit signed values a: draws a mask r = 2^m r'' + r' (r' from m random
 * bits; r'' below 2^(k + kappa - m) from bits, or the sum of t+1 dealt integers when ctx->dealt
 * and the field has the log2(t+1) bits of room that needs), opens c = 2^(k-1) + a + r and returns
 * c' = (c - 2^(k-1)) mod 2^m in cpub (n mpz, initialised by the callee; free with
 * nl_mpz_vec_free) and the m bits of r' (bit-major, m * n shares, caller frees with
 * nl_sh_free). */
int nl_masked_open(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, mpz_t **cpub,
                   uint8_t **rbits);
/* As nl_masked_open, and multiplies adjacent mask bits in the opening's round: *pairs receives
 * floor(m/2) * n shares r_{2i+1} r_{2i} (bit-major; caller frees with nl_sh_free). */
int nl_masked_open_pairs(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n,
                         mpz_t **cpub, uint8_t **rbits, uint8_t **pairs);
void nl_mpz_vec_free(mpz_t *v, size_t n);

int nl_mod2m(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, uint8_t *out);
int nl_trunc(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, uint8_t *out);
int nl_trunc_pr(nl_ctx *ctx, const uint8_t *a, unsigned k, unsigned m, size_t n, uint8_t *out);
/* [a < 0] for signed k-bit a. */
int nl_ltz(nl_ctx *ctx, const uint8_t *a, unsigned k, size_t n, uint8_t *out);
/* [a == 0] for signed k-bit a, constant rounds. */
int nl_eqz(nl_ctx *ctx, const uint8_t *a, unsigned k, size_t n, uint8_t *out);
/* Two's-complement bits of signed (or unsigned) k-bit a: out is element-major, k shares per
 * element (bit i of element e at e * k + i). */
int nl_bit_decompose(nl_ctx *ctx, const uint8_t *a, unsigned k, size_t n, uint8_t *out);

/* ---- arithmetic built on comparisons (division.c, fixed.c, select.c) ------------------------ */
int nl_div_public(nl_ctx *ctx, const uint8_t *a, const uint8_t *d, unsigned bits, int is_signed,
                  size_t n, uint8_t *q, uint8_t *r);
int nl_div_secret(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, unsigned bits, int is_signed,
                  size_t n, uint8_t *q, uint8_t *r);
int nl_fixed_mul(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, unsigned k, unsigned f, size_t n,
                 uint8_t *out);
/* For 1 <= B < 2^W (positive shares): v = 2^(W-1-msb(B)) and w with 1/B ~ v w / 2^(P + W),
 * relative error below about 2^-(P-3) (Newton iteration, fixed_div.c). Needs W + P + kappa + 3
 * and 2P + kappa + 4 field bits. */
int nl_reciprocal(nl_ctx *ctx, const uint8_t *B, unsigned W, unsigned P, size_t n, uint8_t *v,
                  uint8_t *w);
int nl_fixed_div(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, unsigned k, unsigned f, size_t n,
                 uint8_t *out);
/* out = c ? x : y for secret bits c. */
int nl_select(nl_ctx *ctx, const uint8_t *c, const uint8_t *x, const uint8_t *y, size_t n,
              uint8_t *out);
int nl_min_max(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, unsigned bits, int want_max,
               size_t n, uint8_t *out);
int nl_abs(nl_ctx *ctx, const uint8_t *a, unsigned bits, size_t n, uint8_t *out);
int nl_sign(nl_ctx *ctx, const uint8_t *a, unsigned bits, size_t n, uint8_t *out);
/* element-major bits (m per element) -> values */
int nl_bit_compose(nl_ctx *ctx, const uint8_t *bits, unsigned m, size_t n, uint8_t *out);

#endif
