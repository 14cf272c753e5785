/* nl_sim_common.h - simulated engines for the nonlinear tests. */
#ifndef STOFFEL_TEST_NL_SIM_COMMON_H
#define STOFFEL_TEST_NL_SIM_COMMON_H

#include <time.h>

#include "nl_ops_check.h"

static stoffel_mpc_engine *nls_new(uint32_t n, uint32_t t, stoffel_mpc_field_id field,
                                   stoffel_mpc_security sec, uint64_t seed)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = t;
    cfg.field = field;
    cfg.security = sec;
    cfg.seed = seed;
    cfg.record_transcript = 0;
    stoffel_mpc_engine *e = NULL;
    char err[256] = "";
    int rc = stoffel_mpc_engine_new_simulated(&cfg, &e, err, sizeof err);
    CHECK_MSG(rc == 0, "simulated engine n=%u t=%u: %s", n, t, err);
    return e;
}

static inline double nls_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Edge values of a width crossed with each other, then random pairs up to n (a[i] == b[i] for
 * every fifth random pair so that equality is exercised). */
static inline void nls_pairs(unsigned bits, int is_signed, uint64_t *st, int64_t *a, int64_t *b, size_t n)
{
    size_t m = nlh_edge_pairs(bits, is_signed, a, b, n);
    for (; m < n; m++) {
        a[m] = nlh_rand_bits(st, bits, is_signed);
        b[m] = (m % 5 == 0) ? a[m] : nlh_rand_bits(st, bits, is_signed);
    }
}

#endif
