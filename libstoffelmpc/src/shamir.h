/*
 * shamir.h - Shamir sharing over a field with evaluation points alpha_i = i + 1 for party i
 * (0-based), secret at x = 0: dealing, Lagrange coefficients (memoised per subset and target),
 * plain reconstruction with a consistency check of extra shares, robust reconstruction
 * (optimistic check, then Gao decoding; robust.c) and Vandermonde extraction matrices.
 *
 * Shares of a vector of secrets are handled as one packed vector per party ("share vectors"):
 * party i's share of secret k is element k of vector i.
 */
#ifndef STOFFEL_MPC_SHAMIR_H
#define STOFFEL_MPC_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "rng.h"

#define SHAMIR_MAX_PARTIES 1024
#define SHAMIR_CACHE_SLOTS 32

typedef struct {
    uint32_t *idx;   /* the subset, in order */
    uint32_t m;
    int target;
    uint64_t *coef;  /* m elements */
} shamir_cache_entry;

typedef struct {
    const field *F;
    uint32_t n;
    uint64_t *alpha;          /* n elements: alpha_i = i + 1 (Montgomery form) */
    shamir_cache_entry cache[SHAMIR_CACHE_SLOTS];
    unsigned cache_next;
} shamir_ctx;

int shamir_ctx_init(shamir_ctx *S, const field *F, uint32_t n);
void shamir_ctx_free(shamir_ctx *S);

/* Deals `count` secrets with random polynomials of degree `degree`: out[i] (n vectors of count
 * elements, caller-allocated) receives party i's shares. */
int shamir_share_vec(shamir_ctx *S, mpc_rng *rng, const uint64_t *secrets, uint32_t degree,
                     size_t count, uint64_t *const *out);

/* Lagrange coefficients for interpolating at x = alpha_target (target = -1 means x = 0) from the
 * parties idx[0..m-1] (distinct). Returns a pointer to m memoised coefficients owned by S (valid
 * until S is freed), or NULL on allocation failure. */
const uint64_t *shamir_lagrange(shamir_ctx *S, const uint32_t *idx, uint32_t m, int target);

/* Plain reconstruction of `count` secrets of degree `degree` from the parties listed in
 * idx[0..m-1] (m >= degree+1), whose share vectors are shares[idx[j]]: interpolates through the
 * first degree+1 and checks every further one lies on the same polynomial. Returns
 * STOFFEL_MPC_ERR_INCONSISTENT (with *bad_party = the first inconsistent party) when not. */
int shamir_reconstruct_vec(shamir_ctx *S, const uint64_t *const *shares, const uint32_t *idx,
                           uint32_t m, uint32_t degree, size_t count, uint64_t *out,
                           uint32_t *bad_party);

/* Robust reconstruction of ONE secret per spec mpc.md 3.3 (optimistic, then Gao decoding for
 * r = 1..t extra shares). vals[j] is the share of party idx[j]; m shares, any order, unique idx.
 * On success writes the secret to *out and, if liars is not NULL, sets liars[i] = 1 for every party
 * whose share disagrees with the decoded polynomial (among the m given). Errors:
 * STOFFEL_ERR_INVALID_ARG (fewer than degree+t+1 shares), STOFFEL_MPC_ERR_DECODE. */
int robust_reconstruct(shamir_ctx *S, const uint64_t *vals, const uint32_t *idx, uint32_t m,
                       uint32_t degree, uint32_t t, uint64_t *out, uint8_t *liars);

/* Same, but also returns the decoded polynomial's evaluations at every party's point
 * (all_shares: n elements), used to name liars against shares that arrive later. */
int robust_reconstruct_full(shamir_ctx *S, const uint64_t *vals, const uint32_t *idx, uint32_t m,
                            uint32_t degree, uint32_t t, uint64_t *out, uint8_t *liars,
                            uint64_t *all_shares);

/* The general form: the decoded polynomial's degree+1 coefficients (monomial basis, Montgomery
 * form) go to coef_out, f(0) to out, evaluations at every party's point to all_shares (each may be
 * NULL). Used by batch reconstruction, where the secrets are the coefficients. */
int robust_decode_poly(shamir_ctx *S, const uint64_t *vals, const uint32_t *idx, uint32_t m,
                       uint32_t degree, uint32_t t, uint64_t *coef_out, uint64_t *out, uint8_t *liars,
                       uint64_t *all_shares);

/* The rows x columns Vandermonde matrix M[r][c] = (c+1)^r (row-major, Montgomery form), used for
 * randomness extraction: any `rows` of its columns form an invertible matrix. Caller frees. */
uint64_t *vandermonde_new(const field *F, uint32_t rows, uint32_t cols);

#endif
