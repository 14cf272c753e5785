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

/* r = a * b / R mod p. `p_top_headroom` is 1 when p's top limb is < 2^63 - 1, which lets the
 * 4-limb loop drop the extra carry words (the "no-carry" CIOS variant). r may alias a or b. */
FA_INLINE void fa_mont_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *p,
                           uint64_t pinv, const int N, const int p_top_headroom)
{
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
