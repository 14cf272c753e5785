/*
 * bench_field.c - field multiplication and inner product, ns per element, for every field: the
 * fixed-width Montgomery fast path and FLINT's fmpz_mod side by side. Median of 5 runs.
 * Prints JSON lines: mpc.field_mul and mpc.field_inner with params field, impl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "field.h"
#include "rng.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median5(double *v)
{
    qsort(v, 5, sizeof *v, cmp_double);
    return v[2];
}

int main(void)
{
    const stoffel_mpc_field_id ids[] = {STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_FIELD_BN254,
                                        STOFFEL_MPC_FIELD_ED25519, STOFFEL_MPC_FIELD_P128,
                                        STOFFEL_MPC_FIELD_GOLDILOCKS};
    enum { N = 1 << 14, REPS = 64 };
    for (size_t f = 0; f < sizeof ids / sizeof ids[0]; f++) {
        field *F;
        stoffel_mpc_field_new(ids[f], &F);
        const size_t L = F->limbs;
        mpc_rng rng;
        rng_init(&rng, 1, 2, "bench");
        uint64_t *a = malloc(N * L * 8), *b = malloc(N * L * 8), *r = malloc(N * L * 8);
        rng_field_vec(&rng, F, a, N);
        rng_field_vec(&rng, F, b, N);
        double t[5];
        /* fast path: vector multiply (independent products, the hot-loop shape) */
        for (int run = 0; run < 5; run++) {
            double t0 = now_s();
            for (int rep = 0; rep < REPS; rep++)
                fe_vec_mul(F, r, r == a ? b : a, b, N);
            t[run] = (now_s() - t0) * 1e9 / ((double)N * REPS);
        }
        printf("{\"bench\": \"mpc.field_mul\", \"value\": %.2f, \"unit\": \"ns/op\", \"params\": {\"field\": \"%s\", \"impl\": \"fast\"}}\n",
               median5(t), F->name);
        /* latency: a dependent chain of multiplications */
        for (int run = 0; run < 5; run++) {
            uint64_t acc[4];
            memcpy(acc, a, L * 8);
            double t0 = now_s();
            for (int i = 0; i < N * 16; i++)
                fe_mul(F, acc, acc, b + (size_t)(i & (N - 1)) * L);
            t[run] = (now_s() - t0) * 1e9 / ((double)N * 16);
            if (acc[0] == 42)
                puts("");
        }
        printf("{\"bench\": \"mpc.field_mul_latency\", \"value\": %.2f, \"unit\": \"ns/op\", \"params\": {\"field\": \"%s\", \"impl\": \"fast\"}}\n",
               median5(t), F->name);
        for (int run = 0; run < 5; run++) {
            uint64_t ip[4];
            double t0 = now_s();
            for (int rep = 0; rep < REPS; rep++)
                fe_vec_inner(F, ip, a, b, N);
            t[run] = (now_s() - t0) * 1e9 / ((double)N * REPS);
            if (ip[0] == 42)
                puts("");
        }
        printf("{\"bench\": \"mpc.field_inner\", \"value\": %.2f, \"unit\": \"ns/element\", \"params\": {\"field\": \"%s\", \"impl\": \"fast\"}}\n",
               median5(t), F->name);
        /* FLINT reference */
        enum { FN = 4096 };
        fmpz *fa = _fmpz_vec_init(FN), *fb = _fmpz_vec_init(FN), *fr = _fmpz_vec_init(FN);
        for (int i = 0; i < FN; i++) {
            fe_to_fmpz(F, fa + i, a + (size_t)i * L);
            fe_to_fmpz(F, fb + i, b + (size_t)i * L);
        }
        for (int run = 0; run < 5; run++) {
            double t0 = now_s();
            for (int rep = 0; rep < 16; rep++)
                for (int i = 0; i < FN; i++)
                    fmpz_mod_mul(fr + i, fa + i, fb + i, F->ctx);
            t[run] = (now_s() - t0) * 1e9 / ((double)FN * 16);
        }
        printf("{\"bench\": \"mpc.field_mul\", \"value\": %.2f, \"unit\": \"ns/op\", \"params\": {\"field\": \"%s\", \"impl\": \"flint\"}}\n",
               median5(t), F->name);
        for (int run = 0; run < 5; run++) {
            fmpz_t acc, tmp;
            fmpz_init(acc);
            fmpz_init(tmp);
            double t0 = now_s();
            for (int rep = 0; rep < 16; rep++)
                for (int i = 0; i < FN; i++) {
                    fmpz_mod_mul(tmp, fa + i, fb + i, F->ctx);
                    fmpz_mod_add(acc, acc, tmp, F->ctx);
                }
            t[run] = (now_s() - t0) * 1e9 / ((double)FN * 16);
            fmpz_clear(acc);
            fmpz_clear(tmp);
        }
        printf("{\"bench\": \"mpc.field_inner\", \"value\": %.2f, \"unit\": \"ns/element\", \"params\": {\"field\": \"%s\", \"impl\": \"flint\"}}\n",
               median5(t), F->name);
        _fmpz_vec_clear(fa, FN);
        _fmpz_vec_clear(fb, FN);
        _fmpz_vec_clear(fr, FN);
        free(a);
        free(b);
        free(r);
        stoffel_mpc_field_free(F);
    }
    return 0;
}
