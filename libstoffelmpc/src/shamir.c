/* shamir.c - dealing, memoised Lagrange coefficients and plain reconstruction (see shamir.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shamir.h"

int shamir_ctx_init(shamir_ctx *S, const field *F, uint32_t n)
{
    memset(S, 0, sizeof *S);
    S->F = F;
    S->n = n;
    S->alpha = calloc((size_t)n * F->limbs, sizeof(uint64_t));
    if (!S->alpha)
        return STOFFEL_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        fe_set_u64(F, S->alpha + (size_t)i * F->limbs, (uint64_t)i + 1);
    return 0;
}

void shamir_ctx_free(shamir_ctx *S)
{
    if (!S)
        return;
    free(S->alpha);
    for (unsigned i = 0; i < SHAMIR_CACHE_SLOTS; i++) {
        free(S->cache[i].coef);
        free(S->cache[i].idx);
    }
    memset(S, 0, sizeof *S);
}

int shamir_share_vec(shamir_ctx *S, mpc_rng *rng, const uint64_t *secrets, uint32_t degree,
                     size_t count, uint64_t *const *out)
{
    const field *F = S->F;
    const size_t L = F->limbs;
    /* coefficients c_1..c_degree, one vector each; Horner per party */
    uint64_t *coef = NULL;
    if (degree > 0) {
        coef = malloc((size_t)degree * count * L * sizeof(uint64_t));
        if (!coef)
            return STOFFEL_ERR_NOMEM;
        rng_field_vec(rng, F, coef, (size_t)degree * count);
    }
    for (uint32_t i = 0; i < S->n; i++) {
        uint64_t *o = out[i];
        const uint64_t *a = S->alpha + (size_t)i * L;
        if (degree == 0) {
            memcpy(o, secrets, count * L * sizeof(uint64_t));
            continue;
        }
        memcpy(o, coef + (size_t)(degree - 1) * count * L, count * L * sizeof(uint64_t));
        for (uint32_t k = degree - 1; k >= 1; k--) {
            fe_vec_scale(F, o, o, a, count);
            fe_vec_add(F, o, o, coef + (size_t)(k - 1) * count * L, count);
        }
        fe_vec_scale(F, o, o, a, count);
        fe_vec_add(F, o, o, secrets, count);
    }
    if (coef) {
        sodium_memzero(coef, (size_t)degree * count * L * sizeof(uint64_t));
        free(coef);
    }
    return 0;
}

const uint64_t *shamir_lagrange(shamir_ctx *S, const uint32_t *idx, uint32_t m, int target)
{
    const field *F = S->F;
    const size_t L = F->limbs;
    for (unsigned s = 0; s < SHAMIR_CACHE_SLOTS; s++) {
        shamir_cache_entry *e = &S->cache[s];
        if (e->coef && e->m == m && e->target == target &&
            memcmp(e->idx, idx, m * sizeof(uint32_t)) == 0)
            return e->coef;
    }
    uint64_t *coef = malloc((size_t)m * L * sizeof(uint64_t));
    uint64_t *den = malloc((size_t)m * L * sizeof(uint64_t));
    uint64_t *scratch = malloc((size_t)m * L * sizeof(uint64_t));
    uint32_t *idx_copy = malloc(m * sizeof(uint32_t));
    if (!coef || !den || !scratch || !idx_copy) {
        free(coef);
        free(den);
        free(scratch);
        free(idx_copy);
        return NULL;
    }
    memcpy(idx_copy, idx, m * sizeof(uint32_t));
    uint64_t x[FIELD_MAX_LIMBS], diff[FIELD_MAX_LIMBS];
    if (target < 0)
        fe_zero(F, x);
    else
        fe_set_u64(F, x, (uint64_t)target + 1);
    /* lambda_j = prod_{k != j} (x - a_k) / (a_j - a_k) */
    for (uint32_t j = 0; j < m; j++) {
        uint64_t *num = coef + j * L, *d = den + j * L;
        fe_set_one(F, num);
        fe_set_one(F, d);
        const uint64_t *aj = S->alpha + (size_t)idx[j] * L;
        for (uint32_t k = 0; k < m; k++) {
            if (k == j)
                continue;
            const uint64_t *ak = S->alpha + (size_t)idx[k] * L;
            fe_sub(F, diff, x, ak);
            fe_mul(F, num, num, diff);
            fe_sub(F, diff, aj, ak);
            fe_mul(F, d, d, diff);
        }
    }
    fe_vec_batch_inv(F, den, den, scratch, m);
    fe_vec_mul(F, coef, coef, den, m);
    free(den);
    free(scratch);
    shamir_cache_entry *e = &S->cache[S->cache_next];
    S->cache_next = (S->cache_next + 1) % SHAMIR_CACHE_SLOTS;
    free(e->coef);
    free(e->idx);
    e->coef = coef;
    e->idx = idx_copy;
    e->m = m;
    e->target = target;
    return coef;
}

int shamir_reconstruct_vec(shamir_ctx *S, const uint64_t *const *shares, const uint32_t *idx,
                           uint32_t m, uint32_t degree, size_t count, uint64_t *out,
                           uint32_t *bad_party)
{
    const field *F = S->F;
    const size_t L = F->limbs;
    uint32_t k = degree + 1;
    if (m < k)
        return STOFFEL_ERR_INVALID_ARG;
    const uint64_t *vecs[SHAMIR_MAX_PARTIES];
    for (uint32_t j = 0; j < k; j++)
        vecs[j] = shares[idx[j]];
    const uint64_t *lam = shamir_lagrange(S, idx, k, -1);
    if (!lam)
        return STOFFEL_ERR_NOMEM;
    /* copy: a later shamir_lagrange call may evict the cache slot */
    uint64_t lam0[FIELD_MAX_LIMBS * 64];
    uint64_t *lamc = k <= 64 ? lam0 : malloc((size_t)k * L * sizeof(uint64_t));
    if (!lamc)
        return STOFFEL_ERR_NOMEM;
    memcpy(lamc, lam, (size_t)k * L * sizeof(uint64_t));
    fe_vec_lincomb(F, out, vecs, lamc, k, count);
    if (lamc != lam0)
        free(lamc);
    if (m == k)
        return 0;
    /* consistency: every extra share must equal the interpolant at its point */
    uint64_t *tmp = malloc(count * L * sizeof(uint64_t));
    if (!tmp)
        return STOFFEL_ERR_NOMEM;
    int rc = 0;
    for (uint32_t j = k; j < m && rc == 0; j++) {
        const uint64_t *c = shamir_lagrange(S, idx, k, (int)idx[j]);
        if (!c) {
            rc = STOFFEL_ERR_NOMEM;
            break;
        }
        fe_vec_lincomb(F, tmp, vecs, c, k, count);
        if (!fe_vec_equal(F, tmp, shares[idx[j]], count)) {
            rc = STOFFEL_MPC_ERR_INCONSISTENT;
            if (bad_party)
                *bad_party = idx[j];
        }
    }
    free(tmp);
    return rc;
}

uint64_t *vandermonde_new(const field *F, uint32_t rows, uint32_t cols)
{
    const size_t L = F->limbs;
    uint64_t *M = malloc((size_t)rows * cols * L * sizeof(uint64_t));
    if (!M)
        return NULL;
    for (uint32_t c = 0; c < cols; c++) {
        uint64_t x[FIELD_MAX_LIMBS];
        fe_set_u64(F, x, (uint64_t)c + 1);
        fe_set_one(F, M + (size_t)c * L);
        for (uint32_t r = 1; r < rows; r++)
            fe_mul(F, M + ((size_t)r * cols + c) * L, M + ((size_t)(r - 1) * cols + c) * L, x);
    }
    return M;
}
