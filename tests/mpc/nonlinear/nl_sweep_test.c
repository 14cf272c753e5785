/*
 * nl_sweep_test.c - the large sweeps of issue 6 on the simulated engine (n parties, t = 1), one
 * group of request kinds per run, every result compared with clear C (nl_sweep_oracle.h):
 *   cmp     LT LE GT GE EQ NE: all 65,536 8-bit pairs (signed; unsigned too under --full), all
 *           1-bit pairs, edge values and random pairs at 16, 32, 64 bits (signed and unsigned).
 *   minmax  MIN MAX: the same inputs.
 *   unary   TRUNC TRUNC_PR (every shift at 8 bits), ABS SIGN, BIT_DECOMPOSE + BIT_COMPOSE: all 256
 *           8-bit values, all 1-bit values (2-bit for truncation), random values at 16, 32, 64 bits.
 *   select  SELECT: all 65,536 8-bit (then, else) pairs with both conditions, random wide pairs.
 *   div     DIV REM (secret divisor) and DIV_PUBLIC REM_PUBLIC: 8-bit (zero divisor, min / -1
 *           included), all 1-bit pairs, random pairs at 16 and 32 bits (p128) and 64 (bls12-381).
 *   fixed   FIXED_MUL and FIXED_DIV at (k, f) = (64, 16) on bls12-381 against the documented
 *           bounds, and at (8, 4) on all 8-bit pairs (FIXED_DIV: those whose quotient fits).
 *   robust  n = 4 (t = 1) or n >= 7 (t = 2), robust mode, t parties sending wrong shares:
 *           comparisons, truncation and division stay exact, the liars are blamed.
 * Sizes: --full runs the list in full (all 65,536 pairs of every binary kind, 10^4 random
 * pairs per width; about 10 minutes of CPU per n, most of it secret division); the default is
 * the CI profile (exhaustive where the protocols are cheap, samples of the 8-bit square for
 * division and the robust path, fewer random pairs for the kinds other than LT and EQ); a
 * sanitizer build runs a reduced profile of the same code.
 * Usage: nl_sweep_test [--full] N GROUP
 */
#include <stdio.h>
#include <string.h>

#include "nl_sweep.h"

#if defined(__SANITIZE_ADDRESS__)
#define NLS_DEFAULT_PROFILE NLS_ASAN
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NLS_DEFAULT_PROFILE NLS_ASAN
#endif
#endif
#ifndef NLS_DEFAULT_PROFILE
#define NLS_DEFAULT_PROFILE NLS_CI
#endif

static const char *const profile_names[3] = {"ci", "full", "asan"};

/* Every signed (or unsigned) 8-bit a against `nb` divisors (or second operands) d[], in a and b. */
static size_t cross_8bit(int is_signed, const int64_t *d, size_t nb, int64_t *a, int64_t *b)
{
    size_t m = 0;
    for (size_t j = 0; j < nb; j++)
        for (int i = 0; i < 256; i++, m++) {
            a[m] = is_signed ? (int8_t)i : i;
            b[m] = d[j];
        }
    return m;
}

/* The first `count` of all 65,536 8-bit pairs in an order that mixes both operands (a stride
 * coprime to 2^16), so that a prefix is a fair sample of the whole square. */
static void pairs_8bit(int is_signed, size_t count, int64_t *a, int64_t *b)
{
    for (size_t m = 0; m < count; m++) {
        unsigned i = (unsigned)((m * 40503u) & 0xffff);
        a[m] = is_signed ? (int8_t)(i & 0xff) : (int64_t)(i & 0xff);
        b[m] = is_signed ? (int8_t)(i >> 8) : (int64_t)(i >> 8);
    }
}

/* All pairs of 1-bit values (4 of them). */
static size_t pairs_1bit(int is_signed, int64_t *a, int64_t *b)
{
    for (int i = 0; i < 4; i++) {
        a[i] = is_signed ? -(int64_t)(i & 1) : (i & 1);
        b[i] = is_signed ? -(int64_t)(i >> 1) : (i >> 1);
    }
    return 4;
}

static const unsigned wide[3] = {16, 32, 64};

/* ---- cmp and minmax: binary kinds on all 8-bit pairs, 1-bit pairs, random wide pairs ---------- */
static void sweep_binary(nls_sweep *s, const stoffel_mpc_op_kind *kinds, size_t nk)
{
    for (int sgn = 1; sgn >= 0; sgn--) {
        /* all 65,536 signed pairs; unsigned: a sample under CI (all under --full) */
        size_t n8 = sgn ? nls_size(s, 65536, 65536, 4096) : nls_size(s, 4096, 65536, 512);
        if (n8 == 65536)
            nlo_all_8bit_pairs(sgn, s->a, s->b);
        else
            pairs_8bit(sgn, n8, s->a, s->b);
        for (size_t k = 0; k < nk; k++) {
            nlo_op op = {kinds[k], 8, 0, sgn};
            nls_check(s, &op, s->a, s->b, n8, n8 == 65536 ? "8-bit exhaustive" : "8-bit sample");
        }
        size_t n1 = pairs_1bit(sgn, s->a, s->b);
        for (size_t k = 0; k < nk; k++) {
            nlo_op op = {kinds[k], 1, 0, sgn};
            nls_check(s, &op, s->a, s->b, n1, "1-bit exhaustive");
        }
    }
    for (int w = 0; w < 3; w++)
        for (int sgn = 1; sgn >= 0; sgn--) {
            for (size_t k = 0; k < nk; k++) {
                /* LT and EQ (the two protocols) get 10^4 pairs even under CI */
                int main_kind = kinds[k] == STOFFEL_MPC_OP_LT || kinds[k] == STOFFEL_MPC_OP_EQ;
                size_t nr = sgn && main_kind ? nls_size(s, 10000, 10000, 256)
                                             : nls_size(s, 1000, 10000, 64);
                nlo_pairs(wide[w], sgn, &s->rng, s->a, s->b, nr);
                nlo_op op = {kinds[k], wide[w], 0, sgn};
                nls_check(s, &op, s->a, s->b, nr, "edges + random");
            }
        }
}

static void group_cmp(nls_sweep *s)
{
    static const stoffel_mpc_op_kind kinds[6] = {STOFFEL_MPC_OP_LT, STOFFEL_MPC_OP_LE,
                                                 STOFFEL_MPC_OP_GT, STOFFEL_MPC_OP_GE,
                                                 STOFFEL_MPC_OP_EQ, STOFFEL_MPC_OP_NE};
    if (s->profile == NLS_ASAN) { /* LT and EQ only, the two protocols */
        static const stoffel_mpc_op_kind two[2] = {STOFFEL_MPC_OP_LT, STOFFEL_MPC_OP_EQ};
        sweep_binary(s, two, 2);
    } else {
        sweep_binary(s, kinds, 6);
    }
}

static void group_minmax(nls_sweep *s)
{
    static const stoffel_mpc_op_kind kinds[2] = {STOFFEL_MPC_OP_MIN, STOFFEL_MPC_OP_MAX};
    sweep_binary(s, kinds, 2);
}

/* ---- unary kinds ------------------------------------------------------------------------------- */

/* BIT_DECOMPOSE of a[0..count) then BIT_COMPOSE of the bits: every bit and the recomposed value
 * (the low `bits` bits of a, as unsigned) are checked. */
static void check_bits(nls_sweep *s, unsigned bits, int is_signed, const int64_t *a, size_t count,
                       const char *what)
{
    stoffel_mpc_engine *e = s->e;
    size_t ss = stoffel_mpc_engine_share_size(e);
    uint8_t *sa = malloc(count * ss + 1), *sbits = malloc(count * bits * ss + 1);
    int64_t *bitv = malloc(count * bits * sizeof *bitv + 1);
    size_t bad_bits = 0, bad_val = 0;
    double t = nls_now();
    int rc = sa && sbits && bitv ? nlh_input(e, a, count, is_signed, sa) : STOFFEL_ERR_NOMEM;
    stoffel_mpc_request dec = {.kind = STOFFEL_MPC_OP_BIT_DECOMPOSE, .count = count, .a = sa,
                               .out = sbits, .bits = bits, .is_signed = (uint8_t)is_signed};
    if (rc == 0)
        rc = stoffel_mpc_engine_execute(e, &dec, 1);
    CHECK_MSG(rc == 0, "%s: BIT_DECOMPOSE %u-bit: %s", s->label, bits, stoffel_mpc_engine_last_error(e));
    if (rc == 0 && (rc = nlh_open(e, sbits, count * bits, bitv)) == 0)
        for (size_t i = 0; i < count; i++)
            for (unsigned j = 0; j < bits; j++)
                if (bitv[i * bits + j] != (int64_t)(((uint64_t)a[i] >> j) & 1) && bad_bits++ < 4)
                    fprintf(stderr, "%s: BIT_DECOMPOSE %u-bit of %lld: bit %u is %lld\n", s->label,
                            bits, (long long)a[i], j, (long long)bitv[i * bits + j]);
    CHECK_MSG(bad_bits == 0, "%s: %zu wrong bits of %u-bit values", s->label, bad_bits, bits);
    stoffel_mpc_request com = {.kind = STOFFEL_MPC_OP_BIT_COMPOSE, .count = count, .a = sbits,
                               .out = sa, .bits = bits};
    if (rc == 0)
        rc = stoffel_mpc_engine_execute(e, &com, 1);
    CHECK_MSG(rc == 0, "%s: BIT_COMPOSE %u-bit: %s", s->label, bits, stoffel_mpc_engine_last_error(e));
    if (rc == 0 && (rc = nlh_open(e, sa, count, s->out)) == 0)
        for (size_t i = 0; i < count; i++) {
            uint64_t want = bits == 64 ? (uint64_t)a[i] : (uint64_t)a[i] & (((uint64_t)1 << bits) - 1);
            if ((uint64_t)s->out[i] != want && bad_val++ < 4)
                fprintf(stderr, "%s: BIT_COMPOSE %u-bit of the bits of %lld gave %lld\n", s->label,
                        bits, (long long)a[i], (long long)s->out[i]);
        }
    CHECK_MSG(bad_val == 0, "%s: %zu wrong recomposed %u-bit values", s->label, bad_val, bits);
    fprintf(stderr, "%s: %-13s %2u-bit %-8s %-28s %6zu: %s, %6.1f s (total %.0f s)\n", s->label,
            "BIT_DEC+COMP", bits, is_signed ? "signed" : "unsigned", what, count,
            rc ? "FAILED" : bad_bits || bad_val ? "WRONG" : "ok", nls_now() - t, nls_now() - s->t0);
    free(sa);
    free(sbits);
    free(bitv);
}

static void group_unary(nls_sweep *s)
{
    /* TRUNC, TRUNC_PR: every 8-bit value by every shift 1..7 (one request per shift), every 2-bit
     * value by 1 (width 1 admits no shift: 0 < shift < bits), random wide values by 1, bits/2,
     * 16 and bits - 1. */
    static const stoffel_mpc_op_kind tk[2] = {STOFFEL_MPC_OP_TRUNC, STOFFEL_MPC_OP_TRUNC_PR};
    for (int k = 0; k < 2; k++) {
        size_t m = nlo_all_values(2, 1, s->a);
        nlo_op op2 = {tk[k], 2, 1, 1};
        nls_check(s, &op2, s->a, NULL, m, "2-bit exhaustive");
        m = nlo_all_values(8, 1, s->a);
        for (unsigned sh = 1; sh < 8; sh++) {
            nlo_op op = {tk[k], 8, sh, 1};
            char what[32];
            snprintf(what, sizeof what, "8-bit exhaustive, shift %u", sh);
            nls_check(s, &op, s->a, NULL, m, what);
        }
        for (int w = 0; w < 3; w++) {
            unsigned shifts[4] = {1, wide[w] / 2, 16, wide[w] - 1};
            size_t nr = nls_size(s, 250, 2500, 32); /* per shift: 4 x 2500 = 10^4 under --full */
            for (int j = 0; j < 4; j++) {
                if (j == 2 && wide[w] <= 32)
                    continue; /* 16 = bits / 2 already, or not below bits */
                nlo_pairs(wide[w], 1, &s->rng, s->a, s->b, nr);
                nlo_op op = {tk[k], wide[w], shifts[j], 1};
                char what[32];
                snprintf(what, sizeof what, "edges + random, shift %u", shifts[j]);
                nls_check(s, &op, s->a, NULL, nr, what);
            }
        }
    }
    /* ABS, SIGN: all 1-bit and 8-bit values, random wide values */
    static const stoffel_mpc_op_kind ak[2] = {STOFFEL_MPC_OP_ABS, STOFFEL_MPC_OP_SIGN};
    for (int k = 0; k < 2; k++) {
        static const unsigned small[2] = {1, 8};
        for (int w = 0; w < 2; w++) {
            size_t m = nlo_all_values(small[w], 1, s->a);
            nlo_op op = {ak[k], small[w], 0, 1};
            nls_check(s, &op, s->a, NULL, m, small[w] == 1 ? "1-bit exhaustive" : "8-bit exhaustive");
        }
        for (int w = 0; w < 3; w++) {
            size_t nr = nls_size(s, 1000, 10000, 64);
            nlo_pairs(wide[w], 1, &s->rng, s->a, s->b, nr);
            nlo_op op = {ak[k], wide[w], 0, 1};
            nls_check(s, &op, s->a, NULL, nr, "edges + random");
        }
    }
    /* BIT_DECOMPOSE and back: all 1- and 8-bit values (signed and unsigned), random wide values */
    for (int sgn = 1; sgn >= 0; sgn--) {
        size_t m = nlo_all_values(1, sgn, s->a);
        check_bits(s, 1, sgn, s->a, m, "1-bit exhaustive");
        m = nlo_all_values(8, sgn, s->a);
        check_bits(s, 8, sgn, s->a, m, "8-bit exhaustive");
        for (int w = 0; w < 3; w++) {
            size_t nr = nls_size(s, 500, 10000, 32);
            nlo_pairs(wide[w], sgn, &s->rng, s->a, s->b, nr);
            check_bits(s, wide[w], sgn, s->a, nr, "edges + random");
        }
    }
}

/* ---- select ------------------------------------------------------------------------------------ */

/* SELECT on c[i] ? t[i] : f[i] for i < count, in batches of 8192. */
static void check_select(nls_sweep *s, const int64_t *c, const int64_t *tv, const int64_t *fv,
                         size_t count, const char *what)
{
    stoffel_mpc_engine *e = s->e;
    enum { CH = 8192 };
    size_t ss = stoffel_mpc_engine_share_size(e), bad = 0;
    uint8_t *sc = malloc(CH * ss), *branches = malloc(2 * CH * ss), *so = malloc(CH * ss);
    int64_t *both = malloc(2 * CH * sizeof *both);
    int rc = sc && branches && so && both ? 0 : STOFFEL_ERR_NOMEM;
    double t = nls_now();
    for (size_t start = 0; rc == 0 && start < count; start += CH) {
        size_t m = count - start < CH ? count - start : CH;
        memcpy(both, tv + start, m * sizeof *both);
        memcpy(both + m, fv + start, m * sizeof *both);
        if ((rc = nlh_input(e, c + start, m, 1, sc)) || (rc = nlh_input(e, both, 2 * m, 1, branches)))
            break;
        stoffel_mpc_request q = {.kind = STOFFEL_MPC_OP_SELECT, .count = m, .a = sc, .b = branches,
                                 .out = so};
        if ((rc = stoffel_mpc_engine_execute(e, &q, 1)) || (rc = nlh_open(e, so, m, s->out + start)))
            break;
    }
    CHECK_MSG(rc == 0, "%s: SELECT (%s): %s", s->label, what, stoffel_mpc_engine_last_error(e));
    for (size_t i = 0; rc == 0 && i < count; i++)
        if (s->out[i] != (c[i] ? tv[i] : fv[i]) && bad++ < 4)
            fprintf(stderr, "%s: SELECT %lld ? %lld : %lld gave %lld\n", s->label, (long long)c[i],
                    (long long)tv[i], (long long)fv[i], (long long)s->out[i]);
    CHECK_MSG(bad == 0, "%s: SELECT (%s): %zu of %zu wrong", s->label, what, bad, count);
    fprintf(stderr, "%s: %-13s %-25s %6zu: %s, %6.1f s (total %.0f s)\n", s->label, "SELECT", what,
            count, rc ? "FAILED" : bad ? "WRONG" : "ok", nls_now() - t, nls_now() - s->t0);
    free(sc);
    free(branches);
    free(so);
    free(both);
}

static void group_select(nls_sweep *s)
{
    int64_t *c = malloc(NLS_MAX * sizeof *c);
    size_t n8 = nls_size(s, 65536, 65536, 4096);
    if (n8 == 65536)
        nlo_all_8bit_pairs(1, s->a, s->b);
    else
        pairs_8bit(1, n8, s->a, s->b);
    for (int cond = 0; cond < 2; cond++) { /* every pair with c = 0 and with c = 1 */
        for (size_t i = 0; i < n8; i++)
            c[i] = cond;
        check_select(s, c, s->a, s->b, n8, cond ? "8-bit pairs, c = 1" : "8-bit pairs, c = 0");
    }
    for (int w = 0; w < 3; w++) {
        size_t nr = nls_size(s, 2000, 10000, 256);
        nlo_pairs(wide[w], 1, &s->rng, s->a, s->b, nr);
        for (size_t i = 0; i < nr; i++)
            c[i] = nlh_rand_bits(&s->rng, 1, 0);
        char what[32];
        snprintf(what, sizeof what, "%u-bit edges + random", wide[w]);
        check_select(s, c, s->a, s->b, nr, what);
    }
    free(c);
}

/* ---- division ---------------------------------------------------------------------------------- */

/* Division on engine e at width w (signed and unsigned): secret divisors (zero included) and
 * public divisors (zero replaced: it is refused by design), nr random pairs each. */
static void div_random(nls_sweep *s, stoffel_mpc_engine *e, unsigned w, size_t nr, size_t npub)
{
    for (int sgn = 1; sgn >= 0; sgn--) {
        nlo_pairs(w, sgn, &s->rng, s->a, s->b, nr);
        for (int k = 0; k < 2; k++) {
            nlo_op op = {k ? STOFFEL_MPC_OP_REM : STOFFEL_MPC_OP_DIV, w, 0, sgn};
            nls_check_on(s, e, &op, s->a, s->b, nr, "edges + random");
        }
        nlo_pairs(w, sgn, &s->rng, s->a, s->b, npub);
        for (size_t i = 0; i < npub; i++) {
            if (s->b[i] == 0)
                s->b[i] = sgn ? -3 : 3;
            /* unsigned 64-bit divisors of 2^63 and more included (they were once refused) */
        }
        for (int k = 0; k < 2; k++) {
            nlo_op op = {k ? STOFFEL_MPC_OP_REM_PUBLIC : STOFFEL_MPC_OP_DIV_PUBLIC, w, 0, sgn};
            nls_check_on(s, e, &op, s->a, s->b, npub, "edges + random");
        }
    }
}

static void group_div(nls_sweep *s)
{
    /* the divisors every 8-bit dividend meets where the square is sampled (signed under ASan,
     * unsigned under CI and ASan): zero, 1 (and -1, min), max, small and large */
    static const int64_t sd[4] = {0, -1, 1, -128};
    static const int64_t ud[8] = {0, 1, 255, 2, 3, 128, 17, 200};
    for (int sgn = 1; sgn >= 0; sgn--) {
        size_t n8;
        const char *what;
        /* signed: all 65,536 pairs (CI too); unsigned: every a against 8 divisors unless --full */
        if (s->profile == NLS_FULL || (s->profile == NLS_CI && sgn)) {
            nlo_all_8bit_pairs(sgn, s->a, s->b);
            n8 = 65536;
            what = "8-bit exhaustive";
        } else {
            size_t nd = sgn ? 4 : nls_size(s, 8, 0, 2);
            n8 = cross_8bit(sgn, sgn ? sd : ud, nd, s->a, s->b);
            what = "every 8-bit a, some b";
        }
        for (int k = 0; k < 2; k++) {
            nlo_op op = {k ? STOFFEL_MPC_OP_REM : STOFFEL_MPC_OP_DIV, 8, 0, sgn};
            nls_check(s, &op, s->a, s->b, n8, what);
        }
        /* public divisors: every non-zero b */
        size_t np = 0;
        if (s->profile == NLS_ASAN) {
            np = cross_8bit(sgn, (sgn ? sd : ud) + 1, 3, s->a, s->b);
            what = "every 8-bit a, some b";
        } else {
            for (int i = 0; i < 65536; i++) {
                int64_t a = sgn ? (int8_t)(i & 0xff) : (i & 0xff), b = sgn ? (int8_t)(i >> 8) : (i >> 8);
                if (b == 0 || (s->profile == NLS_CI && !sgn && (i >> 8) % 8 != 1))
                    continue; /* CI, unsigned: every 8th divisor (32 of them, 1 included) */
                s->a[np] = a;
                s->b[np++] = b;
            }
            what = s->profile == NLS_FULL || sgn ? "8-bit exhaustive, b != 0" : "every a, every 8th b";
        }
        for (int k = 0; k < 2; k++) {
            nlo_op op = {k ? STOFFEL_MPC_OP_REM_PUBLIC : STOFFEL_MPC_OP_DIV_PUBLIC, 8, 0, sgn};
            nls_check(s, &op, s->a, s->b, np, what);
        }
        /* 1 bit: all pairs (signed: -1 / -1 = 1 is min / -1) */
        size_t n1 = pairs_1bit(sgn, s->a, s->b);
        for (int k = 0; k < 2; k++) {
            nlo_op op = {k ? STOFFEL_MPC_OP_REM : STOFFEL_MPC_OP_DIV, 1, 0, sgn};
            nls_check(s, &op, s->a, s->b, n1, "1-bit exhaustive");
        }
        s->a[0] = 0;
        s->b[0] = sgn ? -1 : 1;
        s->a[1] = sgn ? -1 : 1;
        s->b[1] = s->b[0];
        for (int k = 0; k < 2; k++) {
            nlo_op op = {k ? STOFFEL_MPC_OP_REM_PUBLIC : STOFFEL_MPC_OP_DIV_PUBLIC, 1, 0, sgn};
            nls_check(s, &op, s->a, s->b, 2, "1-bit exhaustive, b != 0");
        }
    }
    /* 16 and 32 bits in p128; 64 bits needs 2 * 64 + kappa + 1 bits of field: bls12-381 */
    div_random(s, s->e, 16, nls_size(s, 256, 10000, 16), nls_size(s, 1000, 10000, 32));
    div_random(s, s->e, 32, nls_size(s, 64, 10000, 8), nls_size(s, 500, 10000, 16));
    stoffel_mpc_engine *bls = nls_new(s->n, 1, STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_SEMI_HONEST,
                                      300 + s->n);
    if (bls) {
        div_random(s, bls, 64, nls_size(s, 12, 10000, 2), nls_size(s, 200, 10000, 8));
        stoffel_mpc_engine_free(bls);
    }
}

/* ---- fixed point ------------------------------------------------------------------------------- */

/* Random (64, 16) operands whose exact results stay inside the format: the magnitudes' bit
 * lengths sum to at most 78 for products (|a b / 2^16| < 2^62) and the quotient a 2^16 / b stays
 * below 2^62; signs random; every seventh divisor 0 (the documented result is 0). */
static void fixed_operands(nls_sweep *s, int for_div, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        unsigned la = 1 + (unsigned)(nlh_rand_bits(&s->rng, 8, 0) % 62);
        unsigned lb, lo = 1;
        if (for_div && la > 45) /* |a| 2^16 / |b| < 2^(la + 17 - lb) <= 2^62 */
            lo = la - 45;
        unsigned hi = for_div ? 62 : (78 - la < 62 ? 78 - la : 62); /* product: la + lb <= 78 */
        lb = lo + (unsigned)(nlh_rand_bits(&s->rng, 8, 0) % (hi - lo + 1));
        uint64_t ma = (uint64_t)nlh_rand_bits(&s->rng, la, 0) | ((uint64_t)1 << (la - 1));
        uint64_t mb = (uint64_t)nlh_rand_bits(&s->rng, lb, 0) | ((uint64_t)1 << (lb - 1));
        s->a[i] = nlh_rand_bits(&s->rng, 1, 0) ? -(int64_t)ma : (int64_t)ma;
        s->b[i] = nlh_rand_bits(&s->rng, 1, 0) ? -(int64_t)mb : (int64_t)mb;
        if (for_div && i % 7 == 3)
            s->b[i] = 0;
    }
}

static void group_fixed(nls_sweep *s)
{
    /* (8, 4) on p128: all 65,536 pairs for FIXED_MUL; FIXED_DIV on the pairs whose exact quotient
     * a 2^4 / b fits the signed 8-bit format (plus b = 0) */
    size_t n8 = nls_size(s, 65536, 65536, 4096);
    if (n8 == 65536)
        nlo_all_8bit_pairs(1, s->a, s->b);
    else
        pairs_8bit(1, n8, s->a, s->b);
    nlo_op mul8 = {STOFFEL_MPC_OP_FIXED_MUL, 8, 4, 1};
    nls_check(s, &mul8, s->a, s->b, n8, n8 == 65536 ? "8-bit exhaustive" : "8-bit sample");
    size_t nd = 0, limit = nls_size(s, 2048, 65536, 128);
    for (int i = 0; i < 65536 && nd < limit; i++) {
        /* under CI a fair sample of the admissible pairs (stride coprime to 2^16) */
        unsigned j = s->profile == NLS_FULL ? (unsigned)i : (unsigned)(((unsigned)i * 40503u) & 0xffff);
        int64_t a = (int8_t)(j & 0xff), b = (int8_t)(j >> 8);
        if (b != 0 && (a * 16 / b > 127 || a * 16 / b < -128))
            continue;
        s->a[nd] = a;
        s->b[nd++] = b;
    }
    nlo_op div8 = {STOFFEL_MPC_OP_FIXED_DIV, 8, 4, 1};
    nls_check(s, &div8, s->a, s->b, nd, s->profile == NLS_FULL ? "8-bit, quotient in range" : "8-bit sample");

    /* (64, 16) on bls12-381 (FIXED_MUL needs 2k + kappa + 1, FIXED_DIV 3k + kappa + 1 bits) */
    stoffel_mpc_engine *bls = nls_new(s->n, 1, STOFFEL_MPC_FIELD_BLS12_381, STOFFEL_MPC_SEMI_HONEST,
                                      400 + s->n);
    if (!bls)
        return;
    size_t nm = nls_size(s, 1024, 10000, 64);
    fixed_operands(s, 0, nm);
    nlo_op mul = {STOFFEL_MPC_OP_FIXED_MUL, 64, 16, 1};
    nls_check_on(s, bls, &mul, s->a, s->b, nm, "random, product in range");
    size_t nq = nls_size(s, 48, 10000, 4);
    fixed_operands(s, 1, nq);
    nlo_op div = {STOFFEL_MPC_OP_FIXED_DIV, 64, 16, 1};
    nls_check_on(s, bls, &div, s->a, s->b, nq, "random, quotient in range");
    stoffel_mpc_engine_free(bls);
}

/* ---- robust mode ------------------------------------------------------------------------------- */

/* Robust engines take the other code path (random bits by the square trick, Beaver triples, robust
 * openings), so the sweeps run there too: n = 3t + 1 (t = 1, or t = 2 for n >= 7), parties 1..t
 * sending wrong shares in every opening, and every liar must end up blamed. (Not the last party:
 * an opening reads the first 2t + 1 shares and asks for more only when they disagree, so a liar at
 * party n - 1 is never read, never matters and is never blamed.) */
static void group_robust(nls_sweep *s)
{
    uint32_t t = s->n >= 7 ? 2 : 1;
    stoffel_mpc_engine *e = nls_new(s->n, t, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_ROBUST, 500 + s->n);
    if (!e)
        return;
    for (uint32_t i = 0; i < t; i++)
        CHECK(stoffel_mpc_engine_sim_set_liar(e, 1 + i, STOFFEL_MPC_SIM_WRONG_SHARES) == 0);
    static const stoffel_mpc_op_kind kinds[6] = {STOFFEL_MPC_OP_LT, STOFFEL_MPC_OP_LE,
                                                 STOFFEL_MPC_OP_GT, STOFFEL_MPC_OP_GE,
                                                 STOFFEL_MPC_OP_EQ, STOFFEL_MPC_OP_NE};
    size_t n8 = nls_size(s, 4096, 65536, 512);
    if (n8 == 65536)
        nlo_all_8bit_pairs(1, s->a, s->b);
    else
        pairs_8bit(1, n8, s->a, s->b);
    for (int k = 0; k < 6; k++) {
        /* LT and EQ on more pairs than the other four (all pairs under --full) */
        size_t m = k == 0 || k == 4 ? n8 : nls_size(s, 2048, 65536, 128);
        nlo_op op = {kinds[k], 8, 0, 1};
        nls_check_on(s, e, &op, s->a, s->b, m,
                     m == 65536 ? "8-bit exhaustive, liars" : "8-bit sample, liars");
    }
    nlo_op tr = {STOFFEL_MPC_OP_TRUNC, 8, 3, 1};
    size_t m = nlo_all_values(8, 1, s->a);
    nls_check_on(s, e, &tr, s->a, NULL, m, "8-bit exhaustive, liars");
    size_t nd = nls_size(s, 512, 65536, 32);
    if (nd == 65536)
        nlo_all_8bit_pairs(1, s->a, s->b);
    else
        pairs_8bit(1, nd, s->a, s->b);
    for (int k = 0; k < 2; k++) {
        nlo_op op = {k ? STOFFEL_MPC_OP_REM : STOFFEL_MPC_OP_DIV, 8, 0, 1};
        nls_check_on(s, e, &op, s->a, s->b, nd,
                     nd == 65536 ? "8-bit exhaustive, liars" : "8-bit sample, liars");
    }
    for (int w = 0; w < 3; w++) {
        size_t nr = nls_size(s, 500, 10000, 32);
        nlo_pairs(wide[w], 1, &s->rng, s->a, s->b, nr);
        for (int k = 0; k < 6; k += 4) {
            nlo_op op = {kinds[k], wide[w], 0, 1};
            nls_check_on(s, e, &op, s->a, s->b, nr, "edges + random, liars");
        }
        nlo_op trw = {STOFFEL_MPC_OP_TRUNC, wide[w], wide[w] / 2, 1};
        nls_check_on(s, e, &trw, s->a, NULL, nr, "edges + random, liars");
    }
    for (uint32_t p = 0; p < s->n; p++) {
        uint64_t blamed = 0;
        int liar = p >= 1 && p <= t;
        CHECK(stoffel_mpc_engine_sim_blame(e, p, &blamed) == 0);
        CHECK_MSG(liar ? blamed > 0 : blamed == 0, "%s: party %u (%s) blamed %llu times", s->label,
                  p, liar ? "liar" : "honest", (unsigned long long)blamed);
    }
    stoffel_mpc_engine_free(e);
}

int main(int argc, char **argv)
{
    nls_sweep s = {.profile = NLS_DEFAULT_PROFILE};
    int argi = 1;
    for (; argi < argc && argv[argi][0] == '-'; argi++) {
        if (strcmp(argv[argi], "--full") == 0)
            s.profile = NLS_FULL;
        else
            break;
    }
    if (argc - argi != 2) {
        fprintf(stderr, "usage: nl_sweep_test [--full] N cmp|minmax|unary|select|div|fixed|robust\n");
        return 2;
    }
    s.n = (uint32_t)atoi(argv[argi]);
    const char *group = argv[argi + 1];
    static const struct {
        const char *name;
        void (*run)(nls_sweep *);
    } groups[] = {{"cmp", group_cmp},       {"minmax", group_minmax}, {"unary", group_unary},
                  {"select", group_select}, {"div", group_div},       {"fixed", group_fixed},
                  {"robust", group_robust}};
    void (*run)(nls_sweep *) = NULL;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (strcmp(group, groups[i].name) == 0)
            run = groups[i].run;
    if (!run || s.n < 3 || (run == group_robust && s.n < 4)) {
        fprintf(stderr, "nl_sweep_test: unknown group '%s' or n = %u < 3 (usage: nl_sweep_test "
                        "[--full] N cmp|minmax|unary|select|div|fixed|robust; robust needs n >= 4)\n",
                group, s.n);
        return 2;
    }
    snprintf(s.label, sizeof s.label, "%s n=%u t=%u %s", group, s.n,
             run == group_robust && s.n >= 7 ? 2u : 1u, profile_names[s.profile]);
    s.e = nls_new(s.n, 1, STOFFEL_MPC_FIELD_P128, STOFFEL_MPC_SEMI_HONEST, 100 + s.n);
    s.rng = 0xdeadbeefcafef00dull + s.n;
    s.a = malloc(NLS_MAX * sizeof *s.a);
    s.b = malloc(NLS_MAX * sizeof *s.b);
    s.out = malloc(NLS_MAX * sizeof *s.out);
    s.t0 = nls_now();
    if (s.e && s.a && s.b && s.out)
        run(&s);
    fprintf(stderr, "%s: %.1f s\n", s.label, nls_now() - s.t0);
    free(s.a);
    free(s.b);
    free(s.out);
    stoffel_mpc_engine_free(s.e);
    return test_finish();
}
