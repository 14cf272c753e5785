/*
 * robust.c - robust reconstruction of one Shamir-shared secret (spec mpc.md 3.3): an optimistic
 * interpolation check, then Gao's Reed-Solomon decoder (S. Gao, "A new algorithm for decoding
 * Reed-Solomon codes", 2003) with a partial extended Euclid on FLINT polynomials, correcting up to
 * t wrong shares and naming the parties whose shares disagree with the decoded polynomial.
 * Used on public values (openings), so timing is not a concern here.
 */
#include <stdlib.h>
#include <string.h>

#include <flint/fmpz_mod_poly.h>

#include "shamir.h"

typedef struct {
    uint32_t idx;
    const uint64_t *val;
} indexed_share;

static int cmp_share(const void *a, const void *b)
{
    const indexed_share *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Evaluates the polynomial with Montgomery coefficients coef[0..deg] at alpha_i (Horner). */
static void poly_eval_at(shamir_ctx *S, const uint64_t *coef, uint32_t len, uint32_t i, uint64_t *out)
{
    const field *F = S->F;
    const size_t L = F->limbs;
    fe_zero(F, out);
    for (uint32_t k = len; k-- > 0;) {
        fe_mul(F, out, out, S->alpha + (size_t)i * L);
        fe_add(F, out, out, coef + (size_t)k * L);
    }
}

/* Interpolates the polynomial through (alpha_{sh[j].idx}, sh[j].val), j < m, into poly (FLINT). */
static void interpolate_fmpz(shamir_ctx *S, const indexed_share *sh, uint32_t m, fmpz_mod_poly_t poly,
                             const fmpz_mod_poly_t g0)
{
    const field *F = S->F;
    fmpz_mod_poly_t quo, lin;
    fmpz_t a, w, y, d;
    fmpz_mod_poly_init(quo, F->ctx);
    fmpz_mod_poly_init(lin, F->ctx);
    fmpz_init(a);
    fmpz_init(w);
    fmpz_init(y);
    fmpz_init(d);
    fmpz_mod_poly_zero(poly, F->ctx);
    for (uint32_t j = 0; j < m; j++) {
        fmpz_set_ui(a, sh[j].idx + 1);
        /* g0 / (x - a_j) */
        fmpz_mod_poly_set_coeff_ui(lin, 1, 1, F->ctx);
        fmpz_mod_neg(d, a, F->ctx);
        fmpz_mod_poly_set_coeff_fmpz(lin, 0, d, F->ctx);
        fmpz_mod_poly_div(quo, g0, lin, F->ctx);
        /* w = y_j / prod_{k != j} (a_j - a_k) = y_j / quo(a_j) */
        fmpz_mod_poly_evaluate_fmpz(w, quo, a, F->ctx);
        fmpz_mod_inv(w, w, F->ctx);
        fe_to_fmpz(F, y, sh[j].val);
        fmpz_mod_mul(w, w, y, F->ctx);
        fmpz_mod_poly_scalar_mul_fmpz(quo, quo, w, F->ctx);
        fmpz_mod_poly_add(poly, poly, quo, F->ctx);
    }
    fmpz_clear(a);
    fmpz_clear(w);
    fmpz_clear(y);
    fmpz_clear(d);
    fmpz_mod_poly_clear(quo, F->ctx);
    fmpz_mod_poly_clear(lin, F->ctx);
}

/* Gao decoding of the code of length m (the given points), message length k. On success
 * coef[0..k-1] (Montgomery) holds the message polynomial and 1 is returned. */
static int gao_decode(shamir_ctx *S, const indexed_share *sh, uint32_t m, uint32_t k, uint64_t *coef)
{
    const field *F = S->F;
    fmpz_mod_poly_t g0, g1, r0, r1, v0, v1, q, r, tmp;
    fmpz_mod_poly_init(g0, F->ctx);
    fmpz_mod_poly_init(g1, F->ctx);
    fmpz_mod_poly_init(r0, F->ctx);
    fmpz_mod_poly_init(r1, F->ctx);
    fmpz_mod_poly_init(v0, F->ctx);
    fmpz_mod_poly_init(v1, F->ctx);
    fmpz_mod_poly_init(q, F->ctx);
    fmpz_mod_poly_init(r, F->ctx);
    fmpz_mod_poly_init(tmp, F->ctx);
    fmpz *roots = _fmpz_vec_init(m);
    for (uint32_t j = 0; j < m; j++)
        fmpz_set_ui(roots + j, sh[j].idx + 1);
    /* g0 = prod (x - a_i) over the non-erased points; g1 = their interpolant */
    fmpz_mod_poly_product_roots_fmpz_vec(g0, roots, m, F->ctx);
    interpolate_fmpz(S, sh, m, g1, g0);
    /* partial extended Euclid on (g0, g1), tracking g1's Bezout coefficient v, until
     * deg(remainder) < (m + k) / 2 (Gao 2003, step 2) */
    slong stop = (slong)((m + k) / 2);
    fmpz_mod_poly_set(r0, g0, F->ctx);
    fmpz_mod_poly_set(r1, g1, F->ctx);
    fmpz_mod_poly_zero(v0, F->ctx);
    fmpz_mod_poly_one(v1, F->ctx);
    while (fmpz_mod_poly_degree(r1, F->ctx) >= stop) {
        fmpz_mod_poly_divrem(q, r, r0, r1, F->ctx);
        fmpz_mod_poly_swap(r0, r1, F->ctx);
        fmpz_mod_poly_swap(r1, r, F->ctx);
        fmpz_mod_poly_mul(tmp, q, v1, F->ctx);
        fmpz_mod_poly_sub(tmp, v0, tmp, F->ctx);
        fmpz_mod_poly_swap(v0, v1, F->ctx);
        fmpz_mod_poly_swap(v1, tmp, F->ctx);
    }
    /* step 3: f = remainder / v must divide exactly with deg f < k */
    int ok = 0;
    if (!fmpz_mod_poly_is_zero(v1, F->ctx)) {
        fmpz_mod_poly_divrem(q, r, r1, v1, F->ctx);
        if (fmpz_mod_poly_is_zero(r, F->ctx) && fmpz_mod_poly_degree(q, F->ctx) < (slong)k) {
            fmpz_t c;
            fmpz_init(c);
            for (uint32_t i = 0; i < k; i++) {
                fmpz_mod_poly_get_coeff_fmpz(c, q, i, F->ctx);
                fe_from_fmpz(F, coef + (size_t)i * F->limbs, c);
            }
            fmpz_clear(c);
            ok = 1;
        }
    }
    _fmpz_vec_clear(roots, m);
    fmpz_mod_poly_clear(g0, F->ctx);
    fmpz_mod_poly_clear(g1, F->ctx);
    fmpz_mod_poly_clear(r0, F->ctx);
    fmpz_mod_poly_clear(r1, F->ctx);
    fmpz_mod_poly_clear(v0, F->ctx);
    fmpz_mod_poly_clear(v1, F->ctx);
    fmpz_mod_poly_clear(q, F->ctx);
    fmpz_mod_poly_clear(r, F->ctx);
    fmpz_mod_poly_clear(tmp, F->ctx);
    return ok;
}

/* Coefficients of the interpolant through the first k sorted shares (monomial basis) via FLINT. */
static void interpolate_coef(shamir_ctx *S, const indexed_share *sh, uint32_t k, uint64_t *coef)
{
    const field *F = S->F;
    fmpz_mod_poly_t g0, poly;
    fmpz_mod_poly_init(g0, F->ctx);
    fmpz_mod_poly_init(poly, F->ctx);
    fmpz *roots = _fmpz_vec_init(k);
    for (uint32_t j = 0; j < k; j++)
        fmpz_set_ui(roots + j, sh[j].idx + 1);
    fmpz_mod_poly_product_roots_fmpz_vec(g0, roots, k, F->ctx);
    interpolate_fmpz(S, sh, k, poly, g0);
    fmpz_t c;
    fmpz_init(c);
    for (uint32_t i = 0; i < k; i++) {
        fmpz_mod_poly_get_coeff_fmpz(c, poly, i, F->ctx);
        fe_from_fmpz(F, coef + (size_t)i * F->limbs, c);
    }
    fmpz_clear(c);
    _fmpz_vec_clear(roots, k);
    fmpz_mod_poly_clear(g0, F->ctx);
    fmpz_mod_poly_clear(poly, F->ctx);
}

/* Number of the first `upto` sorted shares that lie on coef. */
static uint32_t count_agreeing(shamir_ctx *S, const indexed_share *sh, uint32_t upto, const uint64_t *coef,
                               uint32_t k)
{
    uint64_t v[FIELD_MAX_LIMBS];
    uint32_t agree = 0;
    for (uint32_t j = 0; j < upto; j++) {
        poly_eval_at(S, coef, k, sh[j].idx, v);
        agree += fe_equal(S->F, v, sh[j].val);
    }
    return agree;
}

int robust_reconstruct_full(shamir_ctx *S, const uint64_t *vals, const uint32_t *idx, uint32_t m,
                            uint32_t degree, uint32_t t, uint64_t *out, uint8_t *liars,
                            uint64_t *all_shares)
{
    return robust_decode_poly(S, vals, idx, m, degree, t, NULL, out, liars, all_shares);
}

int robust_decode_poly(shamir_ctx *S, const uint64_t *vals, const uint32_t *idx, uint32_t m,
                       uint32_t degree, uint32_t t, uint64_t *coef_out, uint64_t *out, uint8_t *liars,
                       uint64_t *all_shares)
{
    const field *F = S->F;
    const size_t L = F->limbs;
    const uint32_t k = degree + 1, need = degree + t + 1;
    if (m < need || m > S->n)
        return STOFFEL_ERR_INVALID_ARG;
    indexed_share *sh = malloc(m * sizeof *sh);
    uint64_t *coef = malloc((size_t)k * L * sizeof(uint64_t));
    if (!sh || !coef) {
        free(sh);
        free(coef);
        return STOFFEL_ERR_NOMEM;
    }
    for (uint32_t j = 0; j < m; j++) {
        sh[j].idx = idx[j];
        sh[j].val = vals + (size_t)j * L;
    }
    qsort(sh, m, sizeof *sh, cmp_share);
    for (uint32_t j = 1; j < m; j++)
        if (sh[j].idx == sh[j - 1].idx || sh[j].idx >= S->n) {
            free(sh);
            free(coef);
            return STOFFEL_ERR_INVALID_ARG;
        }
    int found = 0;
    /* 1. optimistic: interpolate through the d+1 lowest indices, accept if the first d+t+1 agree */
    interpolate_coef(S, sh, k, coef);
    if (count_agreeing(S, sh, need, coef, k) == need)
        found = 1;
    /* 2. error correction with r = 1..t extra shares; the rest are erasures */
    for (uint32_t r = 1; !found && r <= t && need + r <= m; r++) {
        uint32_t sub = need + r;
        if (gao_decode(S, sh, sub, k, coef) && count_agreeing(S, sh, sub, coef, k) >= need)
            found = 1;
    }
    int rc = STOFFEL_MPC_ERR_DECODE;
    if (found) {
        rc = 0;
        if (out)
            fe_copy(F, out, coef); /* f(0) is the constant coefficient */
        if (coef_out)
            memcpy(coef_out, coef, (size_t)k * L * sizeof(uint64_t));
        uint64_t v[FIELD_MAX_LIMBS];
        if (liars) {
            for (uint32_t j = 0; j < m; j++) {
                poly_eval_at(S, coef, k, sh[j].idx, v);
                liars[sh[j].idx] = !fe_equal(F, v, sh[j].val);
            }
        }
        if (all_shares)
            for (uint32_t i = 0; i < S->n; i++)
                poly_eval_at(S, coef, k, i, all_shares + (size_t)i * L);
    }
    free(sh);
    free(coef);
    return rc;
}

int robust_reconstruct(shamir_ctx *S, const uint64_t *vals, const uint32_t *idx, uint32_t m,
                       uint32_t degree, uint32_t t, uint64_t *out, uint8_t *liars)
{
    return robust_reconstruct_full(S, vals, idx, m, degree, t, out, liars, NULL);
}
