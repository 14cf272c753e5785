/*
 * nl_sweep_test.c - the large sweeps of the issue on the simulated engine (suite mpc-sweep, minutes
 * per configuration): every comparison kind on all 65,536 pairs of signed 8-bit values (4 batches
 * of 16,384 per kind), and 10^4 random pairs at widths 16, 32 and 64 for LT and EQ, against clear C.
 * Usage: nl_sweep_test N (parties; t = 1).
 */
#include <stdio.h>

#include "nl_sim_common.h"

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 3;
    char label[64];
    snprintf(label, sizeof label, "sweep n=%u t=1", n);
    stoffel_mpc_engine *e = nls_new(n, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 100 + n);
    if (!e)
        return test_finish();
    enum { ALL = 65536, CHUNK = 8192, RAND = 10000 };
    int64_t *a = malloc(ALL * sizeof *a), *b = malloc(ALL * sizeof *b);
    int64_t *out = malloc(ALL * sizeof *out);
    for (int i = 0; i < ALL; i++) {
        a[i] = (int8_t)(i & 0xff);
        b[i] = (int8_t)(i >> 8);
    }
    double t0 = nls_now();
    for (int k = 0; k < 6; k++) {
        /* All 65,536 pairs, in batches of CHUNK: one batch of everything needs ~9 GB of
         * preprocessing material in the simulator, more than CI can give two parallel sweeps. */
        int rc = 0;
        for (int start = 0; rc == 0 && start < ALL; start += CHUNK)
            rc = nlh_run(e, nlc_cmp_kinds[k], 8, 0, 1, a + start, b + start, CHUNK, out + start);
        CHECK_MSG(rc == 0, "%s: kind %d: %s", label, (int)nlc_cmp_kinds[k],
                  stoffel_mpc_engine_last_error(e));
        size_t bad = 0;
        for (int i = 0; rc == 0 && i < ALL; i++)
            bad += out[i] != nlh_cmp(nlc_cmp_kinds[k], a[i], b[i], 1);
        CHECK_MSG(bad == 0, "%s: %zu of 65536 8-bit pairs wrong for kind %d", label, bad,
                  (int)nlc_cmp_kinds[k]);
        fprintf(stderr, "%s: 8-bit kind %d exhaustive: %zu wrong, %.1f s\n", label,
                (int)nlc_cmp_kinds[k], bad, nls_now() - t0);
    }
    uint64_t st = 0xdeadbeefcafef00dull + n;
    static const unsigned widths[3] = {16, 32, 64};
    for (int w = 0; w < 3; w++) {
        nls_pairs(widths[w], 1, &st, a, b, RAND);
        for (int k = 0; k < 6; k += 4) { /* LT and EQ */
            int rc = nlh_run(e, nlc_cmp_kinds[k], widths[w], 0, 1, a, b, RAND, out);
            CHECK_MSG(rc == 0, "%s: %s", label, stoffel_mpc_engine_last_error(e));
            size_t bad = 0;
            for (int i = 0; rc == 0 && i < RAND; i++)
                bad += out[i] != nlh_cmp(nlc_cmp_kinds[k], a[i], b[i], 1);
            CHECK_MSG(bad == 0, "%s: %zu of 10^4 %u-bit pairs wrong for kind %d", label, bad,
                      widths[w], (int)nlc_cmp_kinds[k]);
            fprintf(stderr, "%s: %u-bit kind %d x 10^4: %zu wrong, %.1f s\n", label, widths[w],
                    (int)nlc_cmp_kinds[k], bad, nls_now() - t0);
        }
    }
    free(a);
    free(b);
    free(out);
    stoffel_mpc_engine_free(e);
    return test_finish();
}
