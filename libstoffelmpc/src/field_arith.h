/*
 * field_arith.h - fixed-width Montgomery arithmetic on 1-, 2- and 4-limb primes (the hot loops).
 *
 * Elements are arrays of N little-endian 64-bit limbs holding a*R mod p (R = 2^(64N)), always fully
 * reduced (< p). Each function takes N as a compile-time constant so the compiler unrolls the limb
 * loops; field_vec.c instantiates the vector loops once per N. Everything here is branch-free on
 * element values (secret shares flow through it): conditional subtractions select with masks.
 * Montgomery multiplication is CIOS (Koc, Acar, Kaliski 1996, "Analyzing and comparing Montgomery
 * multiplication algorithms"), with the no-final-carry shortcut for 4-limb primes whose top limb
 * leaves headroom (every 4-limb field we ship).
 */
#ifndef STOFFEL_MPC_FIELD_ARITH_H
#define STOFFEL_MPC_FIELD_ARITH_H

#include <stdint.h>

#define FA_INLINE static inline __attribute__((always_inline))

typedef unsigned __int128 fa_u128;

/* r = t - p if t >= p (t has N limbs plus a carry word `hi`), else t. Branch-free. */
FA_INLINE void fa_reduce_once(uint64_t *r, const uint64_t *t, uint64_t hi, const uint64_t *p, const int N)
{
    uint64_t s[4], borrow = 0;
#pragma GCC unroll 4
    for (int j = 0; j < N; j++) {
        fa_u128 d = (fa_u128)t[j] - p[j] - borrow;
        s[j] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    /* keep s when hi != 0 (t >= 2^(64N) > p) or when no borrow (t >= p) */
    uint64_t keep_s = (uint64_t)0 - (uint64_t)((hi != 0) | (borrow == 0));
#pragma GCC unroll 4
    for (int j = 0; j < N; j++)
        r[j] = (s[j] & keep_s) | (t[j] & ~keep_s);
}

FA_INLINE void fa_add(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *p, const int N)
{
    uint64_t t[4], carry = 0;
#pragma GCC unroll 4
    for (int j = 0; j < N; j++) {
        fa_u128 s = (fa_u128)a[j] + b[j] + carry;
        t[j] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
    fa_reduce_once(r, t, carry, p, N);
}

FA_INLINE void fa_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *p, const int N)
{
    uint64_t t[4], borrow = 0;
#pragma GCC unroll 4
    for (int j = 0; j < N; j++) {
        fa_u128 d = (fa_u128)a[j] - b[j] - borrow;
        t[j] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    /* add p back when the subtraction borrowed */
    uint64_t mask = (uint64_t)0 - borrow, carry = 0;
#pragma GCC unroll 4
    for (int j = 0; j < N; j++) {
        fa_u128 s = (fa_u128)t[j] + (p[j] & mask) + carry;
        r[j] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
}

FA_INLINE void fa_neg(uint64_t *r, const uint64_t *a, const uint64_t *p, const int N)
{
    uint64_t zero[4] = {0, 0, 0, 0};
    fa_sub(r, zero, a, p, N);
}

/* One CIOS outer step of the 4-limb no-carry variant, all in scalars so the compiler keeps the
 * accumulator in registers (arrays with unrolled loops made GCC spill to the stack). */
#define FA_CIOS4_STEP(bi)                                                                          \
    do {                                                                                           \
        fa_u128 x_ = (fa_u128)a0 * (bi) + t0;                                                      \
        uint64_t A_ = (uint64_t)(x_ >> 64);                                                        \
        t0 = (uint64_t)x_;                                                                         \
        uint64_t m_ = t0 * pinv;                                                                   \
        x_ = (fa_u128)m_ * p[0] + t0;                                                              \
        uint64_t C_ = (uint64_t)(x_ >> 64);                                                        \
        x_ = (fa_u128)a1 * (bi) + t1 + A_;                                                         \
        A_ = (uint64_t)(x_ >> 64);                                                                 \
        t1 = (uint64_t)x_;                                                                         \
        x_ = (fa_u128)m_ * p[1] + t1 + C_;                                                         \
        C_ = (uint64_t)(x_ >> 64);                                                                 \
        t0 = (uint64_t)x_;                                                                         \
        x_ = (fa_u128)a2 * (bi) + t2 + A_;                                                         \
        A_ = (uint64_t)(x_ >> 64);                                                                 \
        t2 = (uint64_t)x_;                                                                         \
        x_ = (fa_u128)m_ * p[2] + t2 + C_;                                                         \
        C_ = (uint64_t)(x_ >> 64);                                                                 \
        t1 = (uint64_t)x_;                                                                         \
        x_ = (fa_u128)a3 * (bi) + t3 + A_;                                                         \
        A_ = (uint64_t)(x_ >> 64);                                                                 \
        t3 = (uint64_t)x_;                                                                         \
        x_ = (fa_u128)m_ * p[3] + t3 + C_;                                                         \
        C_ = (uint64_t)(x_ >> 64);                                                                 \
        t2 = (uint64_t)x_;                                                                         \
        t3 = C_ + A_;                                                                              \
    } while (0)

/* 4-limb Montgomery multiplication for p with top limb < 2^63 - 1 (gnark's no-carry CIOS). */
FA_INLINE void fa_mont_mul4_nc(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *p,
                               uint64_t pinv)
{
    const uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    const uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    FA_CIOS4_STEP(b0);
    FA_CIOS4_STEP(b1);
    FA_CIOS4_STEP(b2);
    FA_CIOS4_STEP(b3);
    /* t < 2p: subtract p once if t >= p, selecting with a mask */
    fa_u128 d = (fa_u128)t0 - p[0];
    uint64_t s0 = (uint64_t)d, br = (uint64_t)(d >> 64) & 1;
    d = (fa_u128)t1 - p[1] - br;
    uint64_t s1 = (uint64_t)d;
    br = (uint64_t)(d >> 64) & 1;
    d = (fa_u128)t2 - p[2] - br;
    uint64_t s2 = (uint64_t)d;
    br = (uint64_t)(d >> 64) & 1;
    d = (fa_u128)t3 - p[3] - br;
    uint64_t s3 = (uint64_t)d;
    br = (uint64_t)(d >> 64) & 1;
    uint64_t keep_t = (uint64_t)0 - br; /* borrow: t < p, keep t */
    r[0] = (t0 & keep_t) | (s0 & ~keep_t);
    r[1] = (t1 & keep_t) | (s1 & ~keep_t);
    r[2] = (t2 & keep_t) | (s2 & ~keep_t);
    r[3] = (t3 & keep_t) | (s3 & ~keep_t);
}

/* The assembly needs eleven free general registers; clang (notably with the sanitizers and
 * libFuzzer instrumentation of scripts/fuzz) cannot allocate them, so clang builds use the
 * portable C path above. gcc, the project's compiler, gets the assembly. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FA_HAVE_ADX_ASM 1
/* The same no-carry CIOS with BMI2/ADX: MULX leaves the flags alone, so the low halves of the
 * partial products ride the carry chain (ADCX) while the high halves ride the overflow chain
 * (ADOX), two independent chains per outer step. The five accumulator registers rotate by name
 * through the unrolled steps instead of being moved. Used only when CPUID reports BMI2 and ADX
 * (field.c sets F->adx). Result words after four steps: x4, x0, x1, x2 (< 2p). */
#define FA_MM4_STEP(OFF, T0, T1, T2, T3, T4)                                                        \
    "movq " #OFF "(%[b]), %%rdx\n\t"                                                               \
    "xorl %k[z], %k[z]\n\t"                                                                        \
    "mulxq 0(%[a]), %[l], %[h]\n\t"                                                                \
    "adcxq %[l], %[" #T0 "]\n\t"                                                                   \
    "adoxq %[h], %[" #T1 "]\n\t"                                                                   \
    "mulxq 8(%[a]), %[l], %[h]\n\t"                                                                \
    "adcxq %[l], %[" #T1 "]\n\t"                                                                   \
    "adoxq %[h], %[" #T2 "]\n\t"                                                                   \
    "mulxq 16(%[a]), %[l], %[h]\n\t"                                                               \
    "adcxq %[l], %[" #T2 "]\n\t"                                                                   \
    "adoxq %[h], %[" #T3 "]\n\t"                                                                   \
    "mulxq 24(%[a]), %[l], %[" #T4 "]\n\t"                                                         \
    "adcxq %[l], %[" #T3 "]\n\t"                                                                   \
    "adoxq %[z], %[" #T4 "]\n\t"                                                                   \
    "adcxq %[z], %[" #T4 "]\n\t"                                                                   \
    "movq %[" #T0 "], %%rdx\n\t"                                                                   \
    "imulq %[pinv], %%rdx\n\t"                                                                     \
    "xorl %k[z], %k[z]\n\t"                                                                        \
    "mulxq 0(%[p]), %[l], %[h]\n\t"                                                                \
    "adcxq %[l], %[" #T0 "]\n\t"                                                                   \
    "adoxq %[h], %[" #T1 "]\n\t"                                                                   \
    "mulxq 8(%[p]), %[l], %[h]\n\t"                                                                \
    "adcxq %[l], %[" #T1 "]\n\t"                                                                   \
    "adoxq %[h], %[" #T2 "]\n\t"                                                                   \
    "mulxq 16(%[p]), %[l], %[h]\n\t"                                                               \
    "adcxq %[l], %[" #T2 "]\n\t"                                                                   \
    "adoxq %[h], %[" #T3 "]\n\t"                                                                   \
    "mulxq 24(%[p]), %[l], %[h]\n\t"                                                               \
    "adcxq %[l], %[" #T3 "]\n\t"                                                                   \
    "adoxq %[h], %[" #T4 "]\n\t"                                                                   \
    "adcxq %[z], %[" #T4 "]\n\t"

FA_INLINE void fa_mont_mul4_adx(uint64_t *r, const uint64_t *a, const uint64_t *b,
                                                                    const uint64_t *p, uint64_t pinv)
{
    uint64_t x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0, l, h, z;
    __asm__(FA_MM4_STEP(0, x0, x1, x2, x3, x4)
            FA_MM4_STEP(8, x1, x2, x3, x4, x0)
            FA_MM4_STEP(16, x2, x3, x4, x0, x1)
            FA_MM4_STEP(24, x3, x4, x0, x1, x2)
            : [x0] "+&r"(x0), [x1] "+&r"(x1), [x2] "+&r"(x2), [x3] "+&r"(x3), [x4] "+&r"(x4),
              [l] "=&r"(l), [h] "=&r"(h), [z] "=&r"(z)
            : [a] "r"(a), [b] "r"(b), [p] "r"(p), [pinv] "m"(pinv),
              /* the limbs the assembly reads through a, b, p must be in memory */
              "m"(*(const uint64_t(*)[4])a), "m"(*(const uint64_t(*)[4])b), "m"(*(const uint64_t(*)[4])p)
            : "rdx", "cc");
    /* result words: x4, x0, x1, x2 (< 2p) */
    uint64_t t0 = x4, t1 = x0, t2 = x1, t3 = x2;
    fa_u128 d = (fa_u128)t0 - p[0];
    uint64_t s0 = (uint64_t)d, br = (uint64_t)(d >> 64) & 1;
    d = (fa_u128)t1 - p[1] - br;
    uint64_t s1 = (uint64_t)d;
    br = (uint64_t)(d >> 64) & 1;
    d = (fa_u128)t2 - p[2] - br;
    uint64_t s2 = (uint64_t)d;
    br = (uint64_t)(d >> 64) & 1;
    d = (fa_u128)t3 - p[3] - br;
    uint64_t s3 = (uint64_t)d;
    br = (uint64_t)(d >> 64) & 1;
    uint64_t keep_t = (uint64_t)0 - br;
    r[0] = (t0 & keep_t) | (s0 & ~keep_t);
    r[1] = (t1 & keep_t) | (s1 & ~keep_t);
    r[2] = (t2 & keep_t) | (s2 & ~keep_t);
    r[3] = (t3 & keep_t) | (s3 & ~keep_t);
}
#endif

/* Multiplication modulo the Mersenne prime 2^127 - 1 on canonical values (the p128 field keeps
 * elements in plain form: its "R" is 1). X = a*b < 2^254; X mod p = (X mod 2^127) + (X >> 127),
 * folded twice, then one conditional subtraction. */
FA_INLINE void fa_mersenne127_mul(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
    const fa_u128 P = ((fa_u128)1 << 127) - 1;
    fa_u128 t = (fa_u128)a[0] * b[0];
    uint64_t x0 = (uint64_t)t, c = (uint64_t)(t >> 64);
    /* a0*b1 + a1*b0 + c < 2^128 because a1, b1 < 2^63 */
    fa_u128 mid = (fa_u128)a[0] * b[1] + (fa_u128)a[1] * b[0] + c;
    uint64_t x1 = (uint64_t)mid;
    fa_u128 hi = (fa_u128)a[1] * b[1] + (uint64_t)(mid >> 64);
    fa_u128 lo = ((fa_u128)x1 << 64) | x0;
    fa_u128 s = (lo & P) + ((hi << 1) | (lo >> 127));
    s = (s & P) + (s >> 127);
    fa_u128 mask = (fa_u128)0 - (fa_u128)(s >= P);
    s -= P & mask;
    r[0] = (uint64_t)s;
    r[1] = (uint64_t)(s >> 64);
}

/* r = a * b / R mod p. `p_top_headroom` is 1 when p's top limb is < 2^63 - 1, which lets the
 * 4-limb loop drop the extra carry words (the "no-carry" CIOS variant); 2 selects the Mersenne
 * 2^127 - 1 reduction (R = 1); 3 the no-carry variant in BMI2/ADX assembly. r may alias a or b. */
FA_INLINE void fa_mont_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *p,
                           uint64_t pinv, const int N, const int p_top_headroom)
{
    if (p_top_headroom == 2 && N == 2) {
        fa_mersenne127_mul(r, a, b);
        return;
    }
#ifdef FA_HAVE_ADX_ASM
    if (p_top_headroom == 3 && N == 4) {
        fa_mont_mul4_adx(r, a, b, p, pinv);
        return;
    }
#endif
    if (p_top_headroom >= 1 && N == 4) {
        fa_mont_mul4_nc(r, a, b, p, pinv);
        return;
    }
    if (p_top_headroom) {
        uint64_t t[4] = {0, 0, 0, 0};
#pragma GCC unroll 4
        for (int i = 0; i < N; i++) {
            fa_u128 acc = (fa_u128)a[0] * b[i] + t[0];
            uint64_t A = (uint64_t)(acc >> 64);
            t[0] = (uint64_t)acc;
            uint64_t m = t[0] * pinv;
            acc = (fa_u128)m * p[0] + t[0];
            uint64_t C = (uint64_t)(acc >> 64);
#pragma GCC unroll 4
            for (int j = 1; j < N; j++) {
                acc = (fa_u128)a[j] * b[i] + t[j] + A;
                A = (uint64_t)(acc >> 64);
                t[j] = (uint64_t)acc;
                acc = (fa_u128)m * p[j] + t[j] + C;
                C = (uint64_t)(acc >> 64);
                t[j - 1] = (uint64_t)acc;
            }
            t[N - 1] = C + A;
        }
        fa_reduce_once(r, t, 0, p, N);
        return;
    }
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
#pragma GCC unroll 4
    for (int i = 0; i < N; i++) {
        uint64_t c = 0;
        fa_u128 acc;
#pragma GCC unroll 4
        for (int j = 0; j < N; j++) {
            acc = (fa_u128)a[j] * b[i] + t[j] + c;
            t[j] = (uint64_t)acc;
            c = (uint64_t)(acc >> 64);
        }
        acc = (fa_u128)t[N] + c;
        t[N] = (uint64_t)acc;
        t[N + 1] = (uint64_t)(acc >> 64);
        uint64_t m = t[0] * pinv;
        acc = (fa_u128)m * p[0] + t[0];
        c = (uint64_t)(acc >> 64);
#pragma GCC unroll 4
        for (int j = 1; j < N; j++) {
            acc = (fa_u128)m * p[j] + t[j] + c;
            t[j - 1] = (uint64_t)acc;
            c = (uint64_t)(acc >> 64);
        }
        acc = (fa_u128)t[N] + c;
        t[N - 1] = (uint64_t)acc;
        t[N] = t[N + 1] + (uint64_t)(acc >> 64);
    }
    fa_reduce_once(r, t, t[N], p, N);
}

/* 1 when a < p (canonical); branch-free over the limbs. */
FA_INLINE int fa_is_canonical(const uint64_t *a, const uint64_t *p, const int N)
{
    uint64_t borrow = 0;
#pragma GCC unroll 4
    for (int j = 0; j < N; j++) {
        fa_u128 d = (fa_u128)a[j] - p[j] - borrow;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return (int)borrow;
}

#endif
