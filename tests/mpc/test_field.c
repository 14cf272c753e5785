/*
 * test_field.c - the fixed-width fast paths (portable C and, where the CPU has it, BMI2/ADX
 * assembly; Mersenne reduction for p128; AVX-512 IFMA vector kernels for the 4-limb fields, each
 * kernel path forced on and off) against FLINT's fmpz_mod (the reference):
 * 10^5 random multiplications, additions and subtractions per field plus every pair of the edge
 * values 0, 1, 2, p-1, p-2; vector ops (lincomb, inner product, batch inversion); the canonical
 * byte encoding (values >= p rejected) and the integer encodings of the public API.
 */
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "rng.h"
#include "test_util.h"

static const stoffel_mpc_field_id ids[] = {STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_FIELD_BN254,
                                           STOFFEL_MPC_FIELD_ED25519, STOFFEL_MPC_FIELD_P128,
                                           STOFFEL_MPC_FIELD_GOLDILOCKS};

/* Checks op(a, b) on the fast path equals FLINT for canonical a, b. */
static int check_pair(const field *F, const uint64_t *ac, const uint64_t *bc, fmpz_t A, fmpz_t B, fmpz_t R)
{
    uint64_t am[4], bm[4], rm[4], rc[4], want[4];
    fe_to_mont(F, am, ac);
    fe_to_mont(F, bm, bc);
    fe_canonical_to_fmpz(F, A, ac);
    fe_canonical_to_fmpz(F, B, bc);
    int bad = 0;
    fe_mul(F, rm, am, bm);
    fe_from_mont(F, rc, rm);
    fmpz_mod_mul(R, A, B, F->ctx);
    fe_canonical_from_fmpz(F, want, R);
    bad |= memcmp(rc, want, F->limbs * 8) != 0;
    fe_add(F, rm, am, bm);
    fe_from_mont(F, rc, rm);
    fmpz_mod_add(R, A, B, F->ctx);
    fe_canonical_from_fmpz(F, want, R);
    bad |= memcmp(rc, want, F->limbs * 8) != 0;
    fe_sub(F, rm, am, bm);
    fe_from_mont(F, rc, rm);
    fmpz_mod_sub(R, A, B, F->ctx);
    fe_canonical_from_fmpz(F, want, R);
    bad |= memcmp(rc, want, F->limbs * 8) != 0;
    return bad;
}

/* portable = 1 turns off the BMI2/ADX assembly, so both 4-limb paths are checked on this CPU */
static void test_field(stoffel_mpc_field_id id, int portable)
{
    field *F;
    CHECK_EQ_INT(stoffel_mpc_field_new(id, &F), 0);
    if (portable) {
        F->adx = 0;
        F->ifma = 0;
    }
    const unsigned L = F->limbs;
    fmpz_t A, B, R;
    fmpz_init(A);
    fmpz_init(B);
    fmpz_init(R);
    /* edge values 0, 1, 2, p-1, p-2 */
    uint64_t edge[5][4] = {{0}};
    edge[1][0] = 1;
    edge[2][0] = 2;
    fmpz_sub_ui(R, F->p_fmpz, 1);
    fe_canonical_from_fmpz(F, edge[3], R);
    fmpz_sub_ui(R, F->p_fmpz, 2);
    fe_canonical_from_fmpz(F, edge[4], R);
    int bad = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            bad += check_pair(F, edge[i], edge[j], A, B, R);
    CHECK_MSG(bad == 0, "%s: %d edge pairs differ from FLINT", F->name, bad);
    /* 10^5 random pairs */
    mpc_rng rng;
    rng_init(&rng, 42, id, "test-field");
    bad = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t a[4], b[4];
        rng_field_vec(&rng, F, a, 1);
        rng_field_vec(&rng, F, b, 1);
        bad += check_pair(F, a, b, A, B, R);
    }
    CHECK_MSG(bad == 0, "%s: %d of 10^5 random pairs differ from FLINT", F->name, bad);

    /* vectors: lincomb and inner product against FLINT, batch inversion */
    enum { N = 257 };
    uint64_t *x = malloc(N * L * 8), *y = malloc(N * L * 8), *z = malloc(N * L * 8), *s = malloc(N * L * 8);
    rng_field_vec(&rng, F, x, N);
    rng_field_vec(&rng, F, y, N);
    uint64_t ip[4];
    fe_vec_inner(F, ip, x, y, N);
    fmpz_zero(R);
    for (int k = 0; k < N; k++) {
        fe_to_fmpz(F, A, x + k * L);
        fe_to_fmpz(F, B, y + k * L);
        fmpz_mod_mul(A, A, B, F->ctx);
        fmpz_mod_add(R, R, A, F->ctx);
    }
    fe_to_fmpz(F, A, ip);
    CHECK_MSG(fmpz_equal(A, R), "%s: inner product differs from FLINT", F->name);
    memset(y + 5 * L, 0, L * 8); /* a zero maps to zero */
    fe_vec_batch_inv(F, z, y, s, N);
    int inv_bad = 0;
    for (int k = 0; k < N; k++) {
        uint64_t one[4], prod[4];
        fe_mul(F, prod, z + k * L, y + k * L);
        fe_set_one(F, one);
        inv_bad += k == 5 ? !fe_is_zero(F, z + k * L) : !fe_equal(F, prod, one);
    }
    CHECK_MSG(inv_bad == 0, "%s: batch inversion wrong at %d places", F->name, inv_bad);
    const uint64_t *vecs[2] = {x, y};
    uint64_t coef[8];
    rng_field_vec(&rng, F, coef, 2);
    fe_vec_lincomb(F, z, vecs, coef, 2, N);
    uint64_t t1[4], t2[4];
    int lc_bad = 0;
    for (int k = 0; k < N; k++) {
        fe_mul(F, t1, x + k * L, coef);
        fe_mul(F, t2, y + k * L, coef + L);
        fe_add(F, t1, t1, t2);
        lc_bad += !fe_equal(F, t1, z + k * L);
    }
    CHECK_EQ_INT(lc_bad, 0);
    /* small integer coefficients take the addition path: same results as multiplying */
    const int64_t smalls[][3] = {{2, -1, 0}, {-8, 7, 1}, {0, 0, 3}, {5, -3, -8}};
    const uint64_t *vecs3[3] = {x, y, s};
    rng_field_vec(&rng, F, s, N);
    for (size_t si = 0; si < 4; si++) {
        uint64_t c3[12];
        for (int i = 0; i < 3; i++) {
            uint64_t mag = (uint64_t)(smalls[si][i] < 0 ? -smalls[si][i] : smalls[si][i]);
            fe_set_u64(F, c3 + i * L, mag);
            if (smalls[si][i] < 0)
                fe_neg(F, c3 + i * L, c3 + i * L);
        }
        fe_vec_lincomb(F, z, vecs3, c3, 3, N);
        int sbad = 0;
        for (int k = 0; k < N; k++) {
            uint64_t acc[4] = {0};
            for (int i = 0; i < 3; i++) {
                fe_mul(F, t1, vecs3[i] + k * L, c3 + i * L);
                fe_add(F, acc, acc, t1);
            }
            sbad += !fe_equal(F, acc, z + k * L);
        }
        CHECK_MSG(sbad == 0, "%s: small-coefficient lincomb %zu wrong at %d places", F->name, si, sbad);
    }
    free(x);
    free(y);
    free(z);
    free(s);

    /* canonical bytes: p and 2^(8*size)-1 are rejected, p-1 accepted and round-trips */
    uint8_t bytes[32], back[32];
    uint64_t m[4];
    memset(bytes, 0xff, sizeof bytes);
    CHECK_EQ_INT(fe_from_bytes(F, m, bytes), STOFFEL_MPC_ERR_NOT_IN_FIELD);
    memcpy(bytes, F->p, L * 8);
    CHECK_EQ_INT(fe_from_bytes(F, m, bytes), STOFFEL_MPC_ERR_NOT_IN_FIELD);
    memcpy(bytes, edge[3], L * 8);
    CHECK_EQ_INT(fe_from_bytes(F, m, bytes), 0);
    fe_to_bytes(F, back, m);
    CHECK(memcmp(back, bytes, L * 8) == 0);

    /* integer encodings: centred residues */
    int64_t vals[] = {0, 1, -1, 42, -42, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        int64_t got = 0;
        int fits = 0;
        stoffel_mpc_field_from_i64(F, vals[i], bytes);
        CHECK_EQ_INT(stoffel_mpc_field_to_i64(F, bytes, &got, &fits), 0);
        CHECK_EQ_INT(got, vals[i]);
        CHECK_EQ_INT(fits, 1);
    }
    if (F->bits > 64) {
        int64_t got;
        int fits;
        stoffel_mpc_field_from_i64(F, INT64_MIN, bytes);
        CHECK_EQ_INT(stoffel_mpc_field_to_i64(F, bytes, &got, &fits), 0);
        CHECK_EQ_INT(got, INT64_MIN);
        CHECK_EQ_INT(fits, 1);
        CHECK_EQ_INT(stoffel_mpc_field_from_u64(F, UINT64_MAX, bytes), 0);
        CHECK_EQ_INT(stoffel_mpc_field_to_i64(F, bytes, &got, &fits), 0);
        CHECK_EQ_INT(fits, 0); /* 2^64 - 1 does not fit an int64 */
    } else {
        CHECK_EQ_INT(stoffel_mpc_field_from_u64(F, UINT64_MAX, bytes), STOFFEL_MPC_ERR_OVERFLOW);
    }
    fmpz_clear(A);
    fmpz_clear(B);
    fmpz_clear(R);
    stoffel_mpc_field_free(F);
}

/* Compares vector results (Montgomery form) with FLINT: op 0 r = a*b, 1 r = c*a, 2 r = r0 + c*a. */
static int vec_bad(const field *F, int op, const uint64_t *r, const uint64_t *a, const uint64_t *b,
                   const uint64_t *c, const uint64_t *r0, size_t count)
{
    const unsigned L = F->limbs;
    fmpz_t A, B, R, G;
    fmpz_init(A);
    fmpz_init(B);
    fmpz_init(R);
    fmpz_init(G);
    int bad = 0;
    for (size_t k = 0; k < count; k++) {
        fe_to_fmpz(F, A, a + k * L);
        fe_to_fmpz(F, B, op == 0 ? b + k * L : c);
        fmpz_mod_mul(R, A, B, F->ctx);
        if (op == 2) {
            fe_to_fmpz(F, A, r0 + k * L);
            fmpz_mod_add(R, R, A, F->ctx);
        }
        fe_to_fmpz(F, G, r + k * L);
        bad += !fmpz_equal(G, R) || !fe_is_canonical(F, r + k * L);
    }
    fmpz_clear(A);
    fmpz_clear(B);
    fmpz_clear(R);
    fmpz_clear(G);
    return bad;
}

/* The vector kernels (AVX-512 IFMA lanes for 4-limb fields where the CPU has them, else the
 * scalar loops; `scalar` = 1 forces the scalar loops) against FLINT: 10^5 random elements per
 * operation in vectors whose lengths are not multiples of eight (tails), every pair of the edge
 * values 0, 1, p-1, p-2 in one vector, and in-place use (r aliasing a). */
static void test_vec_kernels(stoffel_mpc_field_id id, int scalar)
{
    field *F;
    CHECK_EQ_INT(stoffel_mpc_field_new(id, &F), 0);
    if (scalar)
        F->ifma = 0;
    const unsigned L = F->limbs;
    const char *path = F->ifma ? "ifma" : "scalar";
    mpc_rng rng;
    rng_init(&rng, 7, id * 2 + scalar, "test-field-vec");
    enum { MAXN = 10007 };
    uint64_t *a = malloc(MAXN * L * 8), *b = malloc(MAXN * L * 8), *r = malloc(MAXN * L * 8);
    uint64_t *r0 = malloc(MAXN * L * 8), c[4];
    /* edges: all 16 ordered pairs of {0, 1, p-1, p-2} (in Montgomery form), plus 3 more */
    fmpz_t E;
    fmpz_init(E);
    uint64_t edge[4][4] = {{0}};
    for (int i = 0; i < 4; i++) {
        fmpz_set_ui(E, 0);
        if (i == 1)
            fmpz_one(E);
        if (i >= 2)
            fmpz_sub_ui(E, F->p_fmpz, (ulong)(i - 1));
        fe_from_fmpz(F, edge[i], E);
    }
    fmpz_clear(E);
    for (int i = 0; i < 19; i++) {
        memcpy(a + i * L, edge[i % 4], L * 8);
        memcpy(b + i * L, edge[(i / 4) % 4], L * 8);
    }
    fe_vec_mul(F, r, a, b, 19);
    CHECK_MSG(vec_bad(F, 0, r, a, b, NULL, NULL, 19) == 0, "%s %s: edge products differ from FLINT", F->name, path);
    for (int i = 0; i < 4; i++) {
        memcpy(c, edge[i], L * 8);
        fe_vec_scale(F, r, a, c, 19);
        CHECK_MSG(vec_bad(F, 1, r, a, NULL, c, NULL, 19) == 0, "%s %s: edge scale differs", F->name, path);
        memcpy(r0, b, 19 * L * 8);
        memcpy(r, b, 19 * L * 8);
        fe_vec_axpy(F, r, a, c, 19);
        CHECK_MSG(vec_bad(F, 2, r, a, NULL, c, r0, 19) == 0, "%s %s: edge axpy differs", F->name, path);
    }
    /* random: lengths 1..17, then 10007; about 10^5 elements per operation in all */
    size_t done = 0;
    for (size_t len = 1; done < 100000; len = len < 17 ? len + 1 : MAXN) {
        rng_field_vec(&rng, F, a, len);
        rng_field_vec(&rng, F, b, len);
        rng_field_vec(&rng, F, c, 1);
        fe_vec_mul(F, r, a, b, len);
        CHECK_MSG(vec_bad(F, 0, r, a, b, NULL, NULL, len) == 0, "%s %s: products (len %zu) differ", F->name, path, len);
        fe_vec_scale(F, r, a, c, len);
        CHECK_MSG(vec_bad(F, 1, r, a, NULL, c, NULL, len) == 0, "%s %s: scale (len %zu) differs", F->name, path, len);
        memcpy(r0, b, len * L * 8);
        memcpy(r, b, len * L * 8);
        fe_vec_axpy(F, r, a, c, len);
        CHECK_MSG(vec_bad(F, 2, r, a, NULL, c, r0, len) == 0, "%s %s: axpy (len %zu) differs", F->name, path, len);
        /* in place: a *= b */
        memcpy(r0, a, len * L * 8);
        fe_vec_mul(F, a, a, b, len);
        CHECK_MSG(vec_bad(F, 0, a, r0, b, NULL, NULL, len) == 0, "%s %s: in-place product (len %zu) differs", F->name, path, len);
        done += len;
    }
    free(a);
    free(b);
    free(r);
    free(r0);
    fprintf(stderr, "%s: vector kernels checked on the %s path\n", F->name, path);
    stoffel_mpc_field_free(F);
}

int main(void)
{
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        test_field(ids[i], 0);
        test_field(ids[i], 1);
        test_vec_kernels(ids[i], 0);
        test_vec_kernels(ids[i], 1);
    }
    /* names */
    stoffel_mpc_field_id id;
    CHECK_EQ_INT(stoffel_mpc_field_id_from_name("BLS12-381", &id), 0);
    CHECK_EQ_INT(id, STOFFEL_MPC_FIELD_BLS12_381);
    CHECK_EQ_INT(stoffel_mpc_field_id_from_name("ristretto255", &id), 0);
    CHECK_EQ_INT(id, STOFFEL_MPC_FIELD_ED25519);
    CHECK_EQ_INT(stoffel_mpc_field_id_from_name("secp256k1", &id), STOFFEL_ERR_NOT_FOUND);
    field *F;
    CHECK_EQ_INT(stoffel_mpc_field_new((stoffel_mpc_field_id)99, &F), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_mpc_field_new(STOFFEL_MPC_FIELD_BLS12_381, &F), 0);
    CHECK_EQ_INT(stoffel_mpc_field_bits(F), 255);
    CHECK_EQ_INT(stoffel_mpc_field_elem_size(F), 32);
    CHECK_EQ_STR(stoffel_mpc_field_name(F), "bls12-381");
    stoffel_mpc_field_free(F);
    return test_finish();
}
