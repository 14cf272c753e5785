/*
 * field_ifma.c - AVX-512 IFMA vector kernels for the 4-limb (255-bit) fields and for p128
 * (2^127 - 1, at the end of the file): eight Montgomery multiplications at once, one element per 64-bit lane, in radix 2^52 (five 52-bit limbs per
 * element) with VPMADD52LUQ / VPMADD52HUQ.
 *
 * Only the vector operations use this (field_vec.c calls it for whole groups of eight and finishes
 * the tail with the scalar path); every function carries its own target attribute, so the library
 * still builds and runs on CPUs without AVX-512: field.c enables it only when
 * __builtin_cpu_supports("avx512ifma") says so.
 *
 * Representation: the library's elements are a*R mod p with R = 2^256 in four 64-bit limbs. A
 * radix-2^52 Montgomery product with five limbs divides by 2^260 instead, so one operand enters
 * multiplied by 16 (a shift by four bits while splitting into 52-bit limbs; a < p < 2^255 keeps
 * 16a below 2^259): Mont260(16a, b) = a*b/2^256 mod p, the library's Montgomery product. With
 * 16a < 2^259 and b < p the CIOS result is below (16ab + 2^260 p) / 2^260 < 1.5p, so one
 * conditional subtraction reduces it. The accumulators stay unnormalised inside the loop (each
 * collects fewer than 2^57), which is what makes the lane-parallel form cheap. Branch-free on
 * element values, like the scalar path (shares flow through it).
 */
#include "field_ifma.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

#define IFMA_FN static inline __attribute__((always_inline, target("avx512f,avx512ifma")))
#define IFMA_API __attribute__((target("avx512f,avx512ifma")))

typedef struct {
    __m512i l[5];
} v5;

typedef struct {
    __m512i p[5];  /* p in 52-bit limbs, broadcast */
    __m512i k0;    /* -p^-1 mod 2^52, broadcast */
    __m512i mask;  /* 2^52 - 1 */
} ifma_consts;

IFMA_FN void consts_init(ifma_consts *c, const field *F)
{
    const uint64_t M = ((uint64_t)1 << 52) - 1;
    const uint64_t *p = F->p;
    uint64_t l[5] = {p[0] & M, ((p[0] >> 52) | (p[1] << 12)) & M, ((p[1] >> 40) | (p[2] << 24)) & M,
                     ((p[2] >> 28) | (p[3] << 36)) & M, p[3] >> 16};
    for (int j = 0; j < 5; j++)
        c->p[j] = _mm512_set1_epi64((long long)l[j]);
    c->k0 = _mm512_set1_epi64((long long)(F->pinv & M));
    c->mask = _mm512_set1_epi64((long long)M);
}

/* Eight packed elements (32 words, element-major) -> four vectors, vector j = limb j of each. */
IFMA_FN void load8(const uint64_t *src, __m512i x[4])
{
    const __m512i lo = _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13);
    const __m512i hi = _mm512_setr_epi64(2, 6, 10, 14, 3, 7, 11, 15);
    const __m512i first = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
    const __m512i second = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
    __m512i z0 = _mm512_loadu_si512(src), z1 = _mm512_loadu_si512(src + 8);
    __m512i z2 = _mm512_loadu_si512(src + 16), z3 = _mm512_loadu_si512(src + 24);
    __m512i t0 = _mm512_permutex2var_epi64(z0, lo, z1); /* e0..3 limbs 0, 1 */
    __m512i t1 = _mm512_permutex2var_epi64(z0, hi, z1); /* e0..3 limbs 2, 3 */
    __m512i t2 = _mm512_permutex2var_epi64(z2, lo, z3); /* e4..7 limbs 0, 1 */
    __m512i t3 = _mm512_permutex2var_epi64(z2, hi, z3); /* e4..7 limbs 2, 3 */
    x[0] = _mm512_permutex2var_epi64(t0, first, t2);
    x[1] = _mm512_permutex2var_epi64(t0, second, t2);
    x[2] = _mm512_permutex2var_epi64(t1, first, t3);
    x[3] = _mm512_permutex2var_epi64(t1, second, t3);
}

/* The inverse of load8. */
IFMA_FN void store8(uint64_t *dst, const __m512i x[4])
{
    const __m512i lo = _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13);
    const __m512i hi = _mm512_setr_epi64(2, 6, 10, 14, 3, 7, 11, 15);
    const __m512i first = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
    const __m512i second = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
    __m512i t0 = _mm512_permutex2var_epi64(x[0], first, x[1]);  /* e0..3 limbs 0, 1 */
    __m512i t2 = _mm512_permutex2var_epi64(x[0], second, x[1]); /* e4..7 limbs 0, 1 */
    __m512i t1 = _mm512_permutex2var_epi64(x[2], first, x[3]);  /* e0..3 limbs 2, 3 */
    __m512i t3 = _mm512_permutex2var_epi64(x[2], second, x[3]); /* e4..7 limbs 2, 3 */
    _mm512_storeu_si512(dst, _mm512_permutex2var_epi64(t0, lo, t1));
    _mm512_storeu_si512(dst + 8, _mm512_permutex2var_epi64(t0, hi, t1));
    _mm512_storeu_si512(dst + 16, _mm512_permutex2var_epi64(t2, lo, t3));
    _mm512_storeu_si512(dst + 24, _mm512_permutex2var_epi64(t2, hi, t3));
}

/* 64-bit limbs -> 52-bit limbs of x * 2^shift (shift 0 or 4). */
IFMA_FN v5 split52(const __m512i x[4], int shift, __m512i M)
{
    v5 r;
    if (shift == 0) {
        r.l[0] = _mm512_and_si512(x[0], M);
        r.l[1] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(x[0], 52), _mm512_slli_epi64(x[1], 12)), M);
        r.l[2] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(x[1], 40), _mm512_slli_epi64(x[2], 24)), M);
        r.l[3] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(x[2], 28), _mm512_slli_epi64(x[3], 36)), M);
        r.l[4] = _mm512_srli_epi64(x[3], 16);
    } else {
        r.l[0] = _mm512_and_si512(_mm512_slli_epi64(x[0], 4), M);
        r.l[1] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(x[0], 48), _mm512_slli_epi64(x[1], 16)), M);
        r.l[2] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(x[1], 36), _mm512_slli_epi64(x[2], 28)), M);
        r.l[3] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(x[2], 24), _mm512_slli_epi64(x[3], 40)), M);
        r.l[4] = _mm512_srli_epi64(x[3], 12);
    }
    return r;
}

/* Normalised 52-bit limbs of a value < 2^256 -> 64-bit limbs. */
IFMA_FN void join64(__m512i x[4], const v5 *a)
{
    x[0] = _mm512_or_si512(a->l[0], _mm512_slli_epi64(a->l[1], 52));
    x[1] = _mm512_or_si512(_mm512_srli_epi64(a->l[1], 12), _mm512_slli_epi64(a->l[2], 40));
    x[2] = _mm512_or_si512(_mm512_srli_epi64(a->l[2], 24), _mm512_slli_epi64(a->l[3], 28));
    x[3] = _mm512_or_si512(_mm512_srli_epi64(a->l[3], 36), _mm512_slli_epi64(a->l[4], 16));
}

/* Carries of unnormalised limbs into the next limb; the top limb keeps its excess. */
IFMA_FN void normalise(v5 *t, __m512i M)
{
    for (int j = 0; j < 4; j++) {
        t->l[j + 1] = _mm512_add_epi64(t->l[j + 1], _mm512_srli_epi64(t->l[j], 52));
        t->l[j] = _mm512_and_si512(t->l[j], M);
    }
}

/* t (normalised, < 2p) -> t mod p: subtract p, keep the difference where it did not borrow. */
IFMA_FN void reduce_once(v5 *t, const ifma_consts *c)
{
    v5 s;
    __m512i borrow = _mm512_setzero_si512();
    for (int j = 0; j < 5; j++) {
        __m512i d = _mm512_sub_epi64(_mm512_sub_epi64(t->l[j], c->p[j]), borrow);
        borrow = _mm512_srli_epi64(d, 63);
        s.l[j] = _mm512_and_si512(d, c->mask);
    }
    __mmask8 keep_s = _mm512_cmpeq_epi64_mask(borrow, _mm512_setzero_si512());
    for (int j = 0; j < 5; j++)
        t->l[j] = _mm512_mask_blend_epi64(keep_s, t->l[j], s.l[j]);
}

/* Radix-2^52 CIOS: a * b / 2^260 mod p for a < 2^259 (16x an element) and b < p; reduced. */
IFMA_FN v5 mont_mul52(const v5 *a, const v5 *b, const ifma_consts *c)
{
    const __m512i zero = _mm512_setzero_si512();
    __m512i t0 = zero, t1 = zero, t2 = zero, t3 = zero, t4 = zero, t5 = zero;
#pragma GCC unroll 5
    for (int i = 0; i < 5; i++) {
        const __m512i bi = b->l[i];
        t0 = _mm512_madd52lo_epu64(t0, a->l[0], bi);
        t1 = _mm512_madd52lo_epu64(t1, a->l[1], bi);
        t2 = _mm512_madd52lo_epu64(t2, a->l[2], bi);
        t3 = _mm512_madd52lo_epu64(t3, a->l[3], bi);
        t4 = _mm512_madd52lo_epu64(t4, a->l[4], bi);
        t1 = _mm512_madd52hi_epu64(t1, a->l[0], bi);
        t2 = _mm512_madd52hi_epu64(t2, a->l[1], bi);
        t3 = _mm512_madd52hi_epu64(t3, a->l[2], bi);
        t4 = _mm512_madd52hi_epu64(t4, a->l[3], bi);
        t5 = _mm512_madd52hi_epu64(t5, a->l[4], bi);
        /* m = t0 * (-p^-1) mod 2^52 (the instruction reads the low 52 bits of t0) */
        const __m512i m = _mm512_madd52lo_epu64(zero, t0, c->k0);
        t0 = _mm512_madd52lo_epu64(t0, m, c->p[0]);
        t1 = _mm512_madd52lo_epu64(t1, m, c->p[1]);
        t2 = _mm512_madd52lo_epu64(t2, m, c->p[2]);
        t3 = _mm512_madd52lo_epu64(t3, m, c->p[3]);
        t4 = _mm512_madd52lo_epu64(t4, m, c->p[4]);
        t1 = _mm512_madd52hi_epu64(t1, m, c->p[0]);
        t2 = _mm512_madd52hi_epu64(t2, m, c->p[1]);
        t3 = _mm512_madd52hi_epu64(t3, m, c->p[2]);
        t4 = _mm512_madd52hi_epu64(t4, m, c->p[3]);
        t5 = _mm512_madd52hi_epu64(t5, m, c->p[4]);
        /* the low 52 bits of t0 are now zero: shift one limb down, carrying t0's excess */
        t0 = _mm512_add_epi64(t1, _mm512_srli_epi64(t0, 52));
        t1 = t2;
        t2 = t3;
        t3 = t4;
        t4 = t5;
        t5 = zero;
    }
    v5 r = {{t0, t1, t2, t3, t4}};
    normalise(&r, c->mask);
    reduce_once(&r, c);
    return r;
}

/* r = a + b mod p on normalised limbs of values < p. */
IFMA_FN v5 add52(const v5 *a, const v5 *b, const ifma_consts *c)
{
    v5 r;
    for (int j = 0; j < 5; j++)
        r.l[j] = _mm512_add_epi64(a->l[j], b->l[j]);
    normalise(&r, c->mask);
    reduce_once(&r, c);
    return r;
}

IFMA_API size_t ifma4_vec_mul(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b,
                              size_t count)
{
    ifma_consts c;
    consts_init(&c, F);
    size_t k = 0;
    for (; k + 8 <= count; k += 8) {
        __m512i x[4];
        load8(a + k * 4, x);
        v5 a52 = split52(x, 4, c.mask);
        load8(b + k * 4, x);
        v5 b52 = split52(x, 0, c.mask);
        v5 p = mont_mul52(&a52, &b52, &c);
        join64(x, &p);
        store8(r + k * 4, x);
    }
    return k;
}

/* The scalar c as a 52-bit-limb broadcast. */
IFMA_FN v5 broadcast52(const uint64_t *cv, const ifma_consts *c)
{
    __m512i x[4];
    for (int j = 0; j < 4; j++)
        x[j] = _mm512_set1_epi64((long long)cv[j]);
    return split52(x, 0, c->mask);
}

IFMA_API size_t ifma4_vec_scale(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *cv,
                                size_t count)
{
    ifma_consts c;
    consts_init(&c, F);
    v5 s = broadcast52(cv, &c);
    size_t k = 0;
    for (; k + 8 <= count; k += 8) {
        __m512i x[4];
        load8(a + k * 4, x);
        v5 a52 = split52(x, 4, c.mask);
        v5 p = mont_mul52(&a52, &s, &c);
        join64(x, &p);
        store8(r + k * 4, x);
    }
    return k;
}

IFMA_API size_t ifma4_vec_axpy(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *cv,
                               size_t count)
{
    ifma_consts c;
    consts_init(&c, F);
    v5 s = broadcast52(cv, &c);
    size_t k = 0;
    for (; k + 8 <= count; k += 8) {
        __m512i x[4];
        load8(a + k * 4, x);
        v5 a52 = split52(x, 4, c.mask);
        v5 p = mont_mul52(&a52, &s, &c);
        load8(r + k * 4, x);
        v5 acc = split52(x, 0, c.mask);
        acc = add52(&acc, &p, &c);
        join64(x, &acc);
        store8(r + k * 4, x);
    }
    return k;
}

/* ---- p = 2^127 - 1 (the p128 field, plain representation: R = 1) ----
 * Three 52-bit limbs (52 + 52 + 23 bits). A radix-2^52 Montgomery product of three limbs divides
 * by 2^156 = 2^29 * 2^127 = 2^29 (mod p), so operand a enters multiplied by 2^29, which modulo a
 * Mersenne prime is a 127-bit rotation: Mont156(rot29(a), b) = a*b mod p. -p^-1 = 1 mod 2^52, so
 * m is just the low 52 bits of t0. Both operands are < p, so the result is below 2p. */

/* Eight packed 2-limb elements -> limb vectors, and back. */
IFMA_FN void load8x2(const uint64_t *src, __m512i x[2])
{
    const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    const __m512i odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    __m512i z0 = _mm512_loadu_si512(src), z1 = _mm512_loadu_si512(src + 8);
    x[0] = _mm512_permutex2var_epi64(z0, even, z1);
    x[1] = _mm512_permutex2var_epi64(z0, odd, z1);
}

IFMA_FN void store8x2(uint64_t *dst, const __m512i x[2])
{
    const __m512i lo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i hi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    _mm512_storeu_si512(dst, _mm512_permutex2var_epi64(x[0], lo, x[1]));
    _mm512_storeu_si512(dst + 8, _mm512_permutex2var_epi64(x[0], hi, x[1]));
}

/* x (< p) -> 52-bit limbs of x, or of x * 2^29 mod p when rot is set. */
IFMA_FN void split52x3(__m512i l[3], const __m512i x[2], int rot, __m512i M)
{
    __m512i x0 = x[0], x1 = x[1];
    if (rot) {
        const __m512i low63 = _mm512_set1_epi64(0x7fffffffffffffffLL);
        __m512i y0 = _mm512_or_si512(_mm512_slli_epi64(x0, 29), _mm512_srli_epi64(x1, 34));
        __m512i y1 = _mm512_and_si512(_mm512_or_si512(_mm512_slli_epi64(x1, 29), _mm512_srli_epi64(x0, 35)), low63);
        x0 = y0;
        x1 = y1;
    }
    l[0] = _mm512_and_si512(x0, M);
    l[1] = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(x0, 52), _mm512_slli_epi64(x1, 12)), M);
    l[2] = _mm512_srli_epi64(x1, 40);
}

IFMA_FN void m127_mul8(uint64_t *r, const uint64_t *a, const uint64_t *b, const __m512i *bc)
{
    const __m512i M = _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - 1));
    const __m512i P2 = _mm512_set1_epi64((long long)(((uint64_t)1 << 23) - 1));
    const __m512i zero = _mm512_setzero_si512();
    __m512i x[2], A[3], B[3];
    load8x2(a, x);
    split52x3(A, x, 1, M);
    if (bc) {
        B[0] = bc[0];
        B[1] = bc[1];
        B[2] = bc[2];
    } else {
        load8x2(b, x);
        split52x3(B, x, 0, M);
    }
    __m512i t0 = zero, t1 = zero, t2 = zero, t3 = zero;
#pragma GCC unroll 3
    for (int i = 0; i < 3; i++) {
        t0 = _mm512_madd52lo_epu64(t0, A[0], B[i]);
        t1 = _mm512_madd52lo_epu64(t1, A[1], B[i]);
        t2 = _mm512_madd52lo_epu64(t2, A[2], B[i]);
        t1 = _mm512_madd52hi_epu64(t1, A[0], B[i]);
        t2 = _mm512_madd52hi_epu64(t2, A[1], B[i]);
        t3 = _mm512_madd52hi_epu64(t3, A[2], B[i]);
        const __m512i m = _mm512_and_si512(t0, M); /* -p^-1 = 1 mod 2^52 */
        t0 = _mm512_madd52lo_epu64(t0, m, M);
        t1 = _mm512_madd52lo_epu64(t1, m, M);
        t2 = _mm512_madd52lo_epu64(t2, m, P2);
        t1 = _mm512_madd52hi_epu64(t1, m, M);
        t2 = _mm512_madd52hi_epu64(t2, m, M);
        t3 = _mm512_madd52hi_epu64(t3, m, P2);
        t0 = _mm512_add_epi64(t1, _mm512_srli_epi64(t0, 52));
        t1 = t2;
        t2 = t3;
        t3 = zero;
    }
    /* normalise, then subtract p once where that does not borrow */
    t1 = _mm512_add_epi64(t1, _mm512_srli_epi64(t0, 52));
    t0 = _mm512_and_si512(t0, M);
    t2 = _mm512_add_epi64(t2, _mm512_srli_epi64(t1, 52));
    t1 = _mm512_and_si512(t1, M);
    __m512i d0 = _mm512_sub_epi64(t0, M);
    __m512i br = _mm512_srli_epi64(d0, 63);
    __m512i d1 = _mm512_sub_epi64(_mm512_sub_epi64(t1, M), br);
    br = _mm512_srli_epi64(d1, 63);
    __m512i d2 = _mm512_sub_epi64(_mm512_sub_epi64(t2, P2), br);
    br = _mm512_srli_epi64(d2, 63);
    __mmask8 keep_d = _mm512_cmpeq_epi64_mask(br, zero);
    t0 = _mm512_mask_blend_epi64(keep_d, t0, _mm512_and_si512(d0, M));
    t1 = _mm512_mask_blend_epi64(keep_d, t1, _mm512_and_si512(d1, M));
    t2 = _mm512_mask_blend_epi64(keep_d, t2, d2);
    x[0] = _mm512_or_si512(t0, _mm512_slli_epi64(t1, 52));
    x[1] = _mm512_or_si512(_mm512_srli_epi64(t1, 12), _mm512_slli_epi64(t2, 40));
    store8x2(r, x);
}

IFMA_API size_t ifma_m127_vec_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count)
{
    size_t k = 0;
    for (; k + 8 <= count; k += 8)
        m127_mul8(r + k * 2, a + k * 2, b + k * 2, NULL);
    return k;
}

IFMA_API size_t ifma_m127_vec_scale(uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count)
{
    const __m512i M = _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - 1));
    __m512i x[2] = {_mm512_set1_epi64((long long)c[0]), _mm512_set1_epi64((long long)c[1])}, bc[3];
    split52x3(bc, x, 0, M);
    size_t k = 0;
    for (; k + 8 <= count; k += 8)
        m127_mul8(r + k * 2, a + k * 2, NULL, bc);
    return k;
}

int ifma_cpu_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma");
}

#else

size_t ifma4_vec_mul(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count)
{
    (void)F, (void)r, (void)a, (void)b, (void)count;
    return 0;
}

size_t ifma4_vec_scale(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count)
{
    (void)F, (void)r, (void)a, (void)c, (void)count;
    return 0;
}

size_t ifma4_vec_axpy(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count)
{
    (void)F, (void)r, (void)a, (void)c, (void)count;
    return 0;
}

size_t ifma_m127_vec_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count)
{
    (void)r, (void)a, (void)b, (void)count;
    return 0;
}

size_t ifma_m127_vec_scale(uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count)
{
    (void)r, (void)a, (void)c, (void)count;
    return 0;
}

int ifma_cpu_supported(void)
{
    return 0;
}

#endif
