/*
 * field.h - private view of a prime field: parameters, scalar and vector arithmetic on
 * Montgomery-form limb vectors, conversions, randomness, and the FLINT reference path.
 *
 * Inside the library an element is `limbs` uint64_t words holding a*R mod p (Montgomery form,
 * R = 2^(64*limbs)), fully reduced. Vectors are packed arrays of such elements: element k of a
 * vector v starts at v + k*limbs. No per-element allocation anywhere. The public API speaks
 * canonical little-endian bytes; field_from_canonical/field_to_canonical convert.
 */
#ifndef STOFFEL_MPC_FIELD_H
#define STOFFEL_MPC_FIELD_H

#include <stddef.h>
#include <stdint.h>

#include <flint/fmpz.h>
#include <flint/fmpz_mod.h>

#include <stoffel/mpc.h>

#define FIELD_MAX_LIMBS 4

struct stoffel_mpc_field {
    stoffel_mpc_field_id id;
    const char *name;
    unsigned bits;
    unsigned limbs;          /* 1, 2 or 4 */
    size_t elem_size;        /* bytes of a canonical encoding = limbs * 8 */
    int headroom;            /* 1: top limb < 2^63 - 1, no-carry Montgomery variant applies;
                              * 2: p = 2^127 - 1, Mersenne reduction and R = 1 (plain form) */
    int adx;                 /* the CPU has BMI2 and ADX: 4-limb multiplication in assembly */
    int ifma;                /* 4-limb field with p < 2^255, or p = 2^127 - 1, on a CPU with
                              * AVX-512 IFMA: vector multiplications run eight lanes at once
                              * (field_ifma.c); tests clear it to exercise the scalar path */
    uint64_t p[FIELD_MAX_LIMBS];
    uint64_t pinv;           /* -p^-1 mod 2^64 */
    uint64_t r2[FIELD_MAX_LIMBS];  /* R^2 mod p: to_mont(x) = mont_mul(x, R^2) */
    uint64_t one[FIELD_MAX_LIMBS]; /* R mod p: 1 in Montgomery form */
    uint64_t top_mask;       /* mask of the top limb for rejection sampling */
    fmpz_t p_fmpz;           /* FLINT reference path */
    fmpz_mod_ctx_t ctx;
};

typedef struct stoffel_mpc_field field;

/* ---- scalars (Montgomery form, `limbs` words; outputs may alias inputs) ---- */
void fe_add(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b);
void fe_sub(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b);
void fe_neg(const field *F, uint64_t *r, const uint64_t *a);
void fe_mul(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b);
int fe_is_zero(const field *F, const uint64_t *a);
int fe_equal(const field *F, const uint64_t *a, const uint64_t *b);
void fe_copy(const field *F, uint64_t *r, const uint64_t *a);
void fe_zero(const field *F, uint64_t *r);
void fe_set_one(const field *F, uint64_t *r);
/* r = x (small unsigned integer) in Montgomery form. */
void fe_set_u64(const field *F, uint64_t *r, uint64_t x);
/* r = a^-1 (a != 0; 0 maps to 0). Not constant time in a: use only on public values. */
void fe_inv(const field *F, uint64_t *r, const uint64_t *a);

/* ---- conversions ---- */
/* Montgomery <-> canonical value, both as limbs. */
void fe_to_mont(const field *F, uint64_t *r, const uint64_t *canonical);
void fe_from_mont(const field *F, uint64_t *canonical, const uint64_t *a);
/* Canonical little-endian bytes (elem_size) <-> Montgomery limbs. from_bytes returns
 * STOFFEL_MPC_ERR_NOT_IN_FIELD when the value is >= p. */
int fe_from_bytes(const field *F, uint64_t *r, const uint8_t *bytes);
void fe_to_bytes(const field *F, uint8_t *bytes, const uint64_t *a);
/* 1 when the limbs hold a value < p. */
int fe_is_canonical(const field *F, const uint64_t *a);
/* Checks every element of a packed vector is < p; returns the index of the first that is not, or
 * count when all are canonical. */
size_t fe_vec_first_noncanonical(const field *F, const uint64_t *v, size_t count);

/* ---- vectors of `count` packed elements (outputs may alias inputs exactly) ---- */
void fe_vec_add(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count);
void fe_vec_sub(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count);
void fe_vec_neg(const field *F, uint64_t *r, const uint64_t *a, size_t count);
void fe_vec_mul(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count);
/* r = c * a (c one scalar). */
void fe_vec_scale(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count);
/* r += c * a. */
void fe_vec_axpy(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count);
/* r = a + c (c one scalar). */
void fe_vec_add_scalar(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count);
/* r = sum_i coef[i] * vecs[i] over m vectors (r must not alias any vecs[i]). */
void fe_vec_lincomb(const field *F, uint64_t *r, const uint64_t *const *vecs, const uint64_t *coef,
                    size_t m, size_t count);
/* Returns sum_k a[k] * b[k]. */
void fe_vec_inner(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count);
/* r[k] = a[k]^-1 by Montgomery's trick (one inversion); zero elements map to zero.
 * scratch: count elements. Public values only. */
void fe_vec_batch_inv(const field *F, uint64_t *r, const uint64_t *a, uint64_t *scratch, size_t count);
/* 1 when the vectors are equal. Not constant time: for public values (opened shares, checks of
 * reconstructed openings), never for secrets. */
int fe_vec_equal(const field *F, const uint64_t *a, const uint64_t *b, size_t count);

/* ---- FLINT reference path (tests, benchmarks, polynomials): canonical limbs <-> fmpz ---- */
void fe_to_fmpz(const field *F, fmpz_t out, const uint64_t *mont);
void fe_from_fmpz(const field *F, uint64_t *mont, const fmpz_t in);
void fe_canonical_to_fmpz(const field *F, fmpz_t out, const uint64_t *canonical);
void fe_canonical_from_fmpz(const field *F, uint64_t *canonical, const fmpz_t in);

#endif
