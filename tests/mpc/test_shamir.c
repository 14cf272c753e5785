/*
 * test_shamir.c - Shamir sharing and reconstruction for (n,t) in {(3,1),(4,1),(5,2),(7,2),(10,3)};
 * inconsistency detection; robust reconstruction for n=7,t=2 and n=10,t=3: every pattern of up to
 * t corrupted shares among the first d+t+1+t is corrected and the liars named, and every pattern
 * of t+1 corruptions gives an error, never a wrong value.
 */
#include <stdlib.h>
#include <string.h>

#include "shamir.h"
#include "test_util.h"

enum { COUNT = 64 };

static void test_share_reconstruct(const field *F, uint32_t n, uint32_t t, mpc_rng *rng)
{
    const size_t L = F->limbs;
    shamir_ctx S;
    CHECK_EQ_INT(shamir_ctx_init(&S, F, n), 0);
    uint64_t *secrets = malloc(COUNT * L * 8), *out = malloc(COUNT * L * 8);
    uint64_t *store = malloc((size_t)n * COUNT * L * 8);
    uint64_t *rows[16];
    for (uint32_t i = 0; i < n; i++)
        rows[i] = store + (size_t)i * COUNT * L;
    rng_field_vec(rng, F, secrets, COUNT);
    CHECK_EQ_INT(shamir_share_vec(&S, rng, secrets, t, COUNT, rows), 0);
    /* any t+1 parties (sliding windows, and the last ones) reconstruct */
    for (uint32_t start = 0; start + t + 1 <= n; start++) {
        uint32_t idx[16];
        for (uint32_t j = 0; j <= t; j++)
            idx[j] = start + j;
        CHECK_EQ_INT(shamir_reconstruct_vec(&S, (const uint64_t *const *)rows, idx, t + 1, t, COUNT, out, NULL), 0);
        CHECK(fe_vec_equal(F, out, secrets, COUNT));
    }
    /* all n with the consistency check */
    uint32_t all[16];
    for (uint32_t i = 0; i < n; i++)
        all[i] = n - 1 - i; /* any order */
    CHECK_EQ_INT(shamir_reconstruct_vec(&S, (const uint64_t *const *)rows, all, n, t, COUNT, out, NULL), 0);
    CHECK(fe_vec_equal(F, out, secrets, COUNT));
    /* t shares say nothing by themselves: with t+1 required, t is an argument error */
    CHECK_EQ_INT(shamir_reconstruct_vec(&S, (const uint64_t *const *)rows, all, t, t, COUNT, out, NULL),
                 STOFFEL_ERR_INVALID_ARG);
    /* a wrong share among the extras is detected and its party named */
    uint64_t one[4];
    fe_set_one(F, one);
    fe_add(F, rows[n - 1] + 7 * L, rows[n - 1] + 7 * L, one);
    uint32_t bad = 99;
    for (uint32_t i = 0; i < n; i++)
        all[i] = i;
    CHECK_EQ_INT(shamir_reconstruct_vec(&S, (const uint64_t *const *)rows, all, n, t, COUNT, out, &bad),
                 STOFFEL_MPC_ERR_INCONSISTENT);
    CHECK_EQ_INT(bad, n - 1);
    free(secrets);
    free(out);
    free(store);
    shamir_ctx_free(&S);
}

/* All subsets of {0..m-1} of size k, as bitmasks, visited through fn. */
static void test_robust(const field *F, uint32_t n, uint32_t t, mpc_rng *rng)
{
    const size_t L = F->limbs;
    const uint32_t d = t, m = d + t + 1 + t; /* the first d+t+1+t shares */
    shamir_ctx S;
    CHECK_EQ_INT(shamir_ctx_init(&S, F, n), 0);
    uint64_t secret[4], got[4];
    uint64_t *shares = malloc((size_t)n * L * 8), *vals = malloc((size_t)n * L * 8);
    uint64_t *rows[16];
    for (uint32_t i = 0; i < n; i++)
        rows[i] = shares + (size_t)i * L;
    uint32_t idx[16];
    for (uint32_t i = 0; i < n; i++)
        idx[i] = i;
    int corrected = 0, refused = 0, wrong = 0, misnamed = 0, patterns_ok = 0, patterns_bad = 0;
    for (uint32_t mask = 0; mask < (1u << m); mask++) {
        int e = __builtin_popcount(mask);
        if (e > (int)t + 1)
            continue;
        rng_field_vec(rng, F, secret, 1);
        shamir_share_vec(&S, rng, secret, d, 1, rows);
        memcpy(vals, shares, (size_t)m * L * 8);
        for (uint32_t j = 0; j < m; j++)
            if (mask & (1u << j)) {
                uint64_t delta[4];
                rng_field_nonzero(rng, F, delta);
                fe_add(F, vals + j * L, vals + j * L, delta);
            }
        uint8_t liars[16] = {0};
        int rc = robust_reconstruct(&S, vals, idx, m, d, t, got, liars);
        if (e <= (int)t) {
            patterns_ok++;
            if (rc == 0 && fe_equal(F, got, secret)) {
                corrected++;
                for (uint32_t j = 0; j < m; j++)
                    if (liars[j] != ((mask >> j) & 1))
                        misnamed++;
            }
        } else {
            patterns_bad++;
            if (rc == STOFFEL_MPC_ERR_DECODE)
                refused++;
            else if (rc == 0 && !fe_equal(F, got, secret))
                wrong++;
        }
    }
    CHECK_MSG(corrected == patterns_ok, "n=%u t=%u: corrected %d of %d patterns", n, t, corrected, patterns_ok);
    CHECK_EQ_INT(misnamed, 0);
    CHECK_EQ_INT(wrong, 0);
    CHECK_MSG(refused == patterns_bad, "n=%u t=%u: %d of %d (t+1)-patterns refused", n, t, refused, patterns_bad);
    /* fewer than d+t+1 shares: an argument error, not a guess */
    CHECK_EQ_INT(robust_reconstruct(&S, vals, idx, d + t, d, t, got, NULL), STOFFEL_ERR_INVALID_ARG);
    free(shares);
    free(vals);
    shamir_ctx_free(&S);
}

int main(void)
{
    static const uint32_t nt[][2] = {{3, 1}, {4, 1}, {5, 2}, {7, 2}, {10, 3}};
    static const stoffel_mpc_field_id fields[] = {STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_FIELD_P128,
                                                  STOFFEL_MPC_FIELD_GOLDILOCKS};
    mpc_rng rng;
    rng_init(&rng, 7, 0, "test-shamir");
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        field *F;
        CHECK_EQ_INT(stoffel_mpc_field_new(fields[f], &F), 0);
        for (size_t i = 0; i < sizeof nt / sizeof nt[0]; i++)
            test_share_reconstruct(F, nt[i][0], nt[i][1], &rng);
        if (f < 2) {
            test_robust(F, 7, 2, &rng);
            test_robust(F, 10, 3, &rng);
        }
        stoffel_mpc_field_free(F);
    }
    return test_finish();
}
