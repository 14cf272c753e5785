/*
 * field_vec.c - scalar and vector arithmetic on Montgomery limb vectors, instantiated once per limb
 * count (1, 2, 4) so the inner loops are fully unrolled fixed-width code. Dispatch on F->limbs
 * happens once per call, never per element.
 */
#include <string.h>

#include <sodium.h>

#include "field.h"
#include "field_arith.h"
#include "field_ifma.h"

/* Instantiates the loops of one limb count N; H is the headroom flag (compile-time constant). */
#define DEFINE_LOOPS(N, H, SUFFIX)                                                                 \
    static void vec_add_##SUFFIX(const field *F, uint64_t *r, const uint64_t *a,                 \
                                 const uint64_t *b, size_t count)                                 \
    {                                                                                              \
        for (size_t k = 0; k < count; k++)                                                         \
            fa_add(r + k * N, a + k * N, b + k * N, F->p, N);                                      \
    }                                                                                              \
    static void vec_sub_##SUFFIX(const field *F, uint64_t *r, const uint64_t *a,                 \
                                 const uint64_t *b, size_t count)                                 \
    {                                                                                              \
        for (size_t k = 0; k < count; k++)                                                         \
            fa_sub(r + k * N, a + k * N, b + k * N, F->p, N);                                      \
    }                                                                                              \
    static void vec_mul_##SUFFIX(const field *F, uint64_t *r, const uint64_t *a,                 \
                                 const uint64_t *b, size_t count)                                 \
    {                                                                                              \
        for (size_t k = 0; k < count; k++)                                                         \
            fa_mont_mul(r + k * N, a + k * N, b + k * N, F->p, F->pinv, N, H);                     \
    }                                                                                              \
    static void vec_scale_##SUFFIX(const field *F, uint64_t *r, const uint64_t *a,               \
                                   const uint64_t *c, size_t count)                               \
    {                                                                                              \
        uint64_t cc[N];                                                                            \
        memcpy(cc, c, sizeof cc);                                                                  \
        for (size_t k = 0; k < count; k++)                                                         \
            fa_mont_mul(r + k * N, a + k * N, cc, F->p, F->pinv, N, H);                            \
    }                                                                                              \
    static void vec_axpy_##SUFFIX(const field *F, uint64_t *r, const uint64_t *a,                \
                                  const uint64_t *c, size_t count)                                \
    {                                                                                              \
        uint64_t cc[N], t[N];                                                                      \
        memcpy(cc, c, sizeof cc);                                                                  \
        for (size_t k = 0; k < count; k++) {                                                       \
            fa_mont_mul(t, a + k * N, cc, F->p, F->pinv, N, H);                                    \
            fa_add(r + k * N, r + k * N, t, F->p, N);                                              \
        }                                                                                          \
    }                                                                                              \
    static void vec_add_scalar_##SUFFIX(const field *F, uint64_t *r, const uint64_t *a,          \
                                        const uint64_t *c, size_t count)                          \
    {                                                                                              \
        uint64_t cc[N];                                                                            \
        memcpy(cc, c, sizeof cc);                                                                  \
        for (size_t k = 0; k < count; k++)                                                         \
            fa_add(r + k * N, a + k * N, cc, F->p, N);                                             \
    }                                                                                              \
    static void vec_lincomb_##SUFFIX(const field *F, uint64_t *r, const uint64_t *const *vecs,   \
                                     const uint64_t *coef, size_t m, size_t count)                \
    {                                                                                              \
        for (size_t k = 0; k < count; k++) {                                                       \
            uint64_t acc[N], t[N];                                                                 \
            fa_mont_mul(acc, vecs[0] + k * N, coef, F->p, F->pinv, N, H);                          \
            for (size_t i = 1; i < m; i++) {                                                       \
                fa_mont_mul(t, vecs[i] + k * N, coef + i * N, F->p, F->pinv, N, H);                \
                fa_add(acc, acc, t, F->p, N);                                                      \
            }                                                                                      \
            memcpy(r + k * N, acc, sizeof acc);                                                    \
        }                                                                                          \
    }                                                                                              \
    static void vec_inner_##SUFFIX(const field *F, uint64_t *r, const uint64_t *a,               \
                                   const uint64_t *b, size_t count)                               \
    {                                                                                              \
        uint64_t acc[N] = {0}, t[N];                                                               \
        for (size_t k = 0; k < count; k++) {                                                       \
            fa_mont_mul(t, a + k * N, b + k * N, F->p, F->pinv, N, H);                             \
            fa_add(acc, acc, t, F->p, N);                                                          \
        }                                                                                          \
        memcpy(r, acc, sizeof acc);                                                                \
    }

DEFINE_LOOPS(1, 0, 1)
DEFINE_LOOPS(2, 0, 2)
DEFINE_LOOPS(2, 2, 2m)
DEFINE_LOOPS(4, 0, 4)
DEFINE_LOOPS(4, 1, 4h)
#ifdef FA_HAVE_ADX_ASM
DEFINE_LOOPS(4, 3, 4a)
#define DISPATCH_4H(fn, ...)                                                                       \
    do {                                                                                           \
        if (F->adx)                                                                                \
            fn##_4a(F, __VA_ARGS__);                                                               \
        else                                                                                       \
            fn##_4h(F, __VA_ARGS__);                                                               \
    } while (0)
#else
#define DISPATCH_4H(fn, ...) fn##_4h(F, __VA_ARGS__)
#endif

#define DISPATCH(fn, ...)                                                                          \
    do {                                                                                           \
        switch (F->limbs) {                                                                        \
        case 1: fn##_1(F, __VA_ARGS__); break;                                                     \
        case 2:                                                                                    \
            if (F->headroom == 2)                                                                  \
                fn##_2m(F, __VA_ARGS__);                                                           \
            else                                                                                   \
                fn##_2(F, __VA_ARGS__);                                                            \
            break;                                                                                 \
        default:                                                                                   \
            if (F->headroom)                                                                       \
                DISPATCH_4H(fn, __VA_ARGS__);                                                      \
            else                                                                                   \
                fn##_4(F, __VA_ARGS__);                                                            \
        }                                                                                          \
    } while (0)

void fe_vec_add(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count)
{
    DISPATCH(vec_add, r, a, b, count);
}

void fe_vec_sub(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count)
{
    DISPATCH(vec_sub, r, a, b, count);
}

void fe_vec_mul(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count)
{
    if (F->ifma) {
        /* whole groups of eight in the IFMA lanes, the tail on the scalar path */
        const size_t L = F->limbs;
        size_t done = L == 4 ? ifma4_vec_mul(F, r, a, b, count) : ifma_m127_vec_mul(r, a, b, count);
        r += done * L;
        a += done * L;
        b += done * L;
        count -= done;
    }
    DISPATCH(vec_mul, r, a, b, count);
}

void fe_vec_scale(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count)
{
    if (F->ifma) {
        /* whole groups of eight in the IFMA lanes, the tail on the scalar path */
        const size_t L = F->limbs;
        size_t done = L == 4 ? ifma4_vec_scale(F, r, a, c, count) : ifma_m127_vec_scale(r, a, c, count);
        r += done * L;
        a += done * L;
        count -= done;
    }
    DISPATCH(vec_scale, r, a, c, count);
}

void fe_vec_axpy(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count)
{
    if (F->ifma && F->limbs == 4) {
        /* whole groups of eight in the IFMA lanes, the tail on the scalar path */
        size_t done = ifma4_vec_axpy(F, r, a, c, count);
        r += done * 4;
        a += done * 4;
        count -= done;
    }
    DISPATCH(vec_axpy, r, a, c, count);
}

void fe_vec_add_scalar(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count)
{
    DISPATCH(vec_add_scalar, r, a, c, count);
}

/* Coefficients that are small integers (+-1..+-8) are applied with modular additions instead of
 * Montgomery multiplications: Lagrange coefficients over the points 1..n are mostly such (2 and -1
 * reconstruct from parties 0 and 1), which makes openings nearly multiplication-free. */
#define SMALL_COEF_MAX 8

static int small_coef(const field *F, const uint64_t *c, int *k)
{
    /* where a multiplication costs ~20 ns (4 limbs) additions win up to 8; where it costs ~5 ns
     * (p128, Goldilocks) only for +-1 and +-2 */
    const uint64_t max = F->limbs == 4 ? SMALL_COEF_MAX : 2;
    uint64_t canon[FIELD_MAX_LIMBS], neg[FIELD_MAX_LIMBS];
    fe_from_mont(F, canon, c);
    fe_neg(F, neg, c);
    uint64_t negc[FIELD_MAX_LIMBS];
    fe_from_mont(F, negc, neg);
    uint64_t hi = 0, nhi = 0;
    for (unsigned j = 1; j < F->limbs; j++) {
        hi |= canon[j];
        nhi |= negc[j];
    }
    if (hi == 0 && canon[0] <= max) {
        *k = (int)canon[0];
        return 1;
    }
    if (nhi == 0 && negc[0] <= max) {
        *k = -(int)negc[0];
        return 1;
    }
    return 0;
}

/* acc (+/-)= k * a over a chunk, for a small integer k != 0, with modular additions only. */
static void chunk_add_small(const field *F, uint64_t *acc, const uint64_t *a, int k, int first,
                            uint64_t *scratch, size_t count)
{
    unsigned u = (unsigned)(k < 0 ? -k : k);
    const uint64_t *src = a;
    if (u > 1) {
        /* scratch = u * a by double-and-add from the top bit */
        int top = 31 - __builtin_clz(u);
        memcpy(scratch, a, count * F->limbs * sizeof(uint64_t));
        for (int b = top - 1; b >= 0; b--) {
            fe_vec_add(F, scratch, scratch, scratch, count);
            if ((u >> b) & 1)
                fe_vec_add(F, scratch, scratch, a, count);
        }
        src = scratch;
    }
    if (first) {
        if (k < 0)
            fe_vec_neg(F, acc, src, count);
        else
            memcpy(acc, src, count * F->limbs * sizeof(uint64_t));
    } else if (k < 0) {
        fe_vec_sub(F, acc, acc, src, count);
    } else {
        fe_vec_add(F, acc, acc, src, count);
    }
}

void fe_vec_lincomb(const field *F, uint64_t *r, const uint64_t *const *vecs, const uint64_t *coef,
                    size_t m, size_t count)
{
    const size_t L = F->limbs;
    if (m == 0) {
        memset(r, 0, count * L * sizeof(uint64_t));
        return;
    }
    int small_buf[64];
    int *small = m <= 64 ? small_buf : malloc(m * sizeof *small);
    int any_small = 0;
    if (small) {
        for (size_t i = 0; i < m; i++) {
            int k;
            small[i] = 0;
            if (small_coef(F, coef + i * L, &k) && k != 0) {
                small[i] = k;
                any_small = 1;
            }
        }
    }
    /* the column passes also suit the IFMA kernels (eight lanes per scale/axpy call) */
    if (!small || (!any_small && !F->ifma)) {
        if (small && small != small_buf)
            free(small);
        DISPATCH(vec_lincomb, r, vecs, coef, m, count);
        return;
    }
    /* column passes over cache-sized chunks: each pass is a tight add/sub or multiply loop */
    enum { CHUNK = 256 };
    uint64_t scratch[CHUNK * FIELD_MAX_LIMBS];
    for (size_t off = 0; off < count; off += CHUNK) {
        size_t c = count - off < CHUNK ? count - off : CHUNK;
        uint64_t *acc = r + off * L;
        int first = 1;
        for (size_t i = 0; i < m; i++) {
            const uint64_t *a = vecs[i] + off * L;
            if (small[i]) {
                chunk_add_small(F, acc, a, small[i], first, scratch, c);
            } else if (fe_is_zero(F, coef + i * L)) {
                if (first)
                    memset(acc, 0, c * L * sizeof(uint64_t));
                else
                    continue;
            } else if (first) {
                fe_vec_scale(F, acc, a, coef + i * L, c);
            } else if (F->ifma && L != 4) {
                /* p = 2^127 - 1 has an IFMA scale but no IFMA axpy */
                fe_vec_scale(F, scratch, a, coef + i * L, c);
                fe_vec_add(F, acc, acc, scratch, c);
            } else {
                fe_vec_axpy(F, acc, a, coef + i * L, c);
            }
            first = 0;
        }
    }
    if (small != small_buf)
        free(small);
}

void fe_vec_inner(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count)
{
    DISPATCH(vec_inner, r, a, b, count);
}

void fe_vec_neg(const field *F, uint64_t *r, const uint64_t *a, size_t count)
{
    uint64_t zero[FIELD_MAX_LIMBS] = {0};
    for (size_t k = 0; k < count; k++)
        fe_sub(F, r + k * F->limbs, zero, a + k * F->limbs);
}

/* Montgomery's trick: prefix products, one inversion, then unwind. */
void fe_vec_batch_inv(const field *F, uint64_t *r, const uint64_t *a, uint64_t *scratch, size_t count)
{
    const unsigned L = F->limbs;
    uint64_t acc[FIELD_MAX_LIMBS], t[FIELD_MAX_LIMBS];
    fe_set_one(F, acc);
    for (size_t k = 0; k < count; k++) {
        fe_copy(F, scratch + k * L, acc);
        if (!fe_is_zero(F, a + k * L))
            fe_mul(F, acc, acc, a + k * L);
    }
    fe_inv(F, acc, acc);
    for (size_t k = count; k-- > 0;) {
        if (fe_is_zero(F, a + k * L)) {
            fe_zero(F, r + k * L);
            continue;
        }
        fe_mul(F, t, acc, scratch + k * L);
        fe_mul(F, acc, acc, a + k * L);
        fe_copy(F, r + k * L, t);
    }
}

int fe_vec_equal(const field *F, const uint64_t *a, const uint64_t *b, size_t count)
{
    return memcmp(a, b, count * F->limbs * sizeof(uint64_t)) == 0;
}

/* ---- scalars ---- */

void fe_add(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b)
{
    switch (F->limbs) {
    case 1: fa_add(r, a, b, F->p, 1); break;
    case 2: fa_add(r, a, b, F->p, 2); break;
    default: fa_add(r, a, b, F->p, 4);
    }
}

void fe_sub(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b)
{
    switch (F->limbs) {
    case 1: fa_sub(r, a, b, F->p, 1); break;
    case 2: fa_sub(r, a, b, F->p, 2); break;
    default: fa_sub(r, a, b, F->p, 4);
    }
}

void fe_neg(const field *F, uint64_t *r, const uint64_t *a)
{
    uint64_t zero[FIELD_MAX_LIMBS] = {0};
    fe_sub(F, r, zero, a);
}

void fe_mul(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b)
{
    switch (F->limbs) {
    case 1: fa_mont_mul(r, a, b, F->p, F->pinv, 1, 0); break;
    case 2:
        if (F->headroom == 2)
            fa_mersenne127_mul(r, a, b);
        else
            fa_mont_mul(r, a, b, F->p, F->pinv, 2, 0);
        break;
    default:
#ifdef FA_HAVE_ADX_ASM
        if (F->headroom && F->adx) {
            fa_mont_mul(r, a, b, F->p, F->pinv, 4, 3);
            break;
        }
#endif
        if (F->headroom)
            fa_mont_mul(r, a, b, F->p, F->pinv, 4, 1);
        else
            fa_mont_mul(r, a, b, F->p, F->pinv, 4, 0);
    }
}

int fe_is_zero(const field *F, const uint64_t *a)
{
    uint64_t acc = 0;
    for (unsigned j = 0; j < F->limbs; j++)
        acc |= a[j];
    return acc == 0;
}

int fe_equal(const field *F, const uint64_t *a, const uint64_t *b)
{
    uint64_t acc = 0;
    for (unsigned j = 0; j < F->limbs; j++)
        acc |= a[j] ^ b[j];
    return acc == 0;
}

void fe_copy(const field *F, uint64_t *r, const uint64_t *a)
{
    memmove(r, a, F->limbs * sizeof(uint64_t));
}

void fe_zero(const field *F, uint64_t *r)
{
    memset(r, 0, F->limbs * sizeof(uint64_t));
}

void fe_set_one(const field *F, uint64_t *r)
{
    memcpy(r, F->one, F->limbs * sizeof(uint64_t));
}

void fe_set_u64(const field *F, uint64_t *r, uint64_t x)
{
    uint64_t c[FIELD_MAX_LIMBS] = {0};
    c[0] = x;
    if (F->limbs == 1 && x >= F->p[0])
        c[0] = x - F->p[0];
    fe_to_mont(F, r, c);
}

void fe_to_mont(const field *F, uint64_t *r, const uint64_t *canonical)
{
    if (F->headroom == 2) { /* p = 2^127 - 1 keeps elements in plain form (R = 1) */
        memmove(r, canonical, 2 * sizeof(uint64_t));
        return;
    }
    fe_mul(F, r, canonical, F->r2);
}

void fe_from_mont(const field *F, uint64_t *canonical, const uint64_t *a)
{
    if (F->headroom == 2) { /* plain form, and every element is kept fully reduced */
        memmove(canonical, a, 2 * sizeof(uint64_t));
        return;
    }
    uint64_t one[FIELD_MAX_LIMBS] = {1, 0, 0, 0};
    fe_mul(F, canonical, a, one);
}

int fe_is_canonical(const field *F, const uint64_t *a)
{
    switch (F->limbs) {
    case 1: return fa_is_canonical(a, F->p, 1);
    case 2: return fa_is_canonical(a, F->p, 2);
    default: return fa_is_canonical(a, F->p, 4);
    }
}

size_t fe_vec_first_noncanonical(const field *F, const uint64_t *v, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (!fe_is_canonical(F, v + k * F->limbs))
            return k;
    return count;
}
