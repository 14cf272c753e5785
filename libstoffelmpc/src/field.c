/*
 * field.c - the fields we ship: parameters (derived once with FLINT/GMP at creation), the public
 * field API (names, sizes, integer encodings) and scalar conversions.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

#include "field.h"
#include "field_ifma.h"

typedef struct {
    stoffel_mpc_field_id id;
    const char *name;
    const char *p_hex; /* big-endian hex of p */
} field_desc;

/* p128 is the Mersenne prime 2^127 - 1: room for 64-bit integers plus 40 bits of statistical
 * masking and a sign bit (64 + 40 + 1 < 127). */
static const field_desc field_descs[] = {
    {STOFFEL_MPC_FIELD_BLS12_381, "bls12-381",
     "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"},
    {STOFFEL_MPC_FIELD_BN254, "bn254",
     "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"},
    {STOFFEL_MPC_FIELD_ED25519, "ed25519",
     "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed"},
    {STOFFEL_MPC_FIELD_P128, "p128", "7fffffffffffffffffffffffffffffff"},
    {STOFFEL_MPC_FIELD_GOLDILOCKS, "goldilocks", "ffffffff00000001"},
};

static const struct {
    const char *alias;
    stoffel_mpc_field_id id;
} field_aliases[] = {
    {"bls12-381", STOFFEL_MPC_FIELD_BLS12_381}, {"bls12-381-fr", STOFFEL_MPC_FIELD_BLS12_381},
    {"bls12_381", STOFFEL_MPC_FIELD_BLS12_381}, {"bn254", STOFFEL_MPC_FIELD_BN254},
    {"ed25519", STOFFEL_MPC_FIELD_ED25519},     {"curve25519", STOFFEL_MPC_FIELD_ED25519},
    {"ristretto255", STOFFEL_MPC_FIELD_ED25519}, {"p128", STOFFEL_MPC_FIELD_P128},
    {"goldilocks", STOFFEL_MPC_FIELD_GOLDILOCKS},
};

int stoffel_mpc_field_id_from_name(const char *name, stoffel_mpc_field_id *out)
{
    if (!name || !out)
        return STOFFEL_ERR_INVALID_ARG;
    for (size_t i = 0; i < sizeof field_aliases / sizeof field_aliases[0]; i++) {
        if (strcasecmp(name, field_aliases[i].alias) == 0) {
            *out = field_aliases[i].id;
            return 0;
        }
    }
    return STOFFEL_ERR_NOT_FOUND;
}

static void limbs_from_fmpz(uint64_t *limbs, unsigned n, const fmpz_t x)
{
    mpz_t z;
    mpz_init(z);
    fmpz_get_mpz(z, x);
    memset(limbs, 0, n * sizeof(uint64_t));
    size_t count = 0;
    mpz_export(limbs, &count, -1, sizeof(uint64_t), 0, 0, z);
    mpz_clear(z);
}

static void limbs_to_fmpz(fmpz_t x, const uint64_t *limbs, unsigned n)
{
    mpz_t z;
    mpz_init(z);
    mpz_import(z, n, -1, sizeof(uint64_t), 0, 0, limbs);
    fmpz_set_mpz(x, z);
    mpz_clear(z);
}

int stoffel_mpc_field_new(stoffel_mpc_field_id id, stoffel_mpc_field **out)
{
    if (!out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    const field_desc *d = NULL;
    for (size_t i = 0; i < sizeof field_descs / sizeof field_descs[0]; i++)
        if (field_descs[i].id == id)
            d = &field_descs[i];
    if (!d)
        return STOFFEL_ERR_INVALID_ARG;
    field *F = calloc(1, sizeof *F);
    if (!F)
        return STOFFEL_ERR_NOMEM;
    F->id = id;
    F->name = d->name;
    fmpz_init(F->p_fmpz);
    fmpz_set_str(F->p_fmpz, d->p_hex, 16);
    F->bits = (unsigned)fmpz_bits(F->p_fmpz);
    F->limbs = F->bits <= 64 ? 1 : F->bits <= 128 ? 2 : 4;
    F->elem_size = F->limbs * 8;
    limbs_from_fmpz(F->p, F->limbs, F->p_fmpz);
    F->headroom = F->limbs == 4 && F->p[3] < 0x7ffffffffffffffeULL;
    /* 2^127 - 1 gets the Mersenne reduction and plain (R = 1) representation */
    int mersenne = F->limbs == 2 && F->p[0] == ~(uint64_t)0 && F->p[1] == 0x7fffffffffffffffULL;
    if (mersenne)
        F->headroom = 2;
#if defined(__x86_64__) && defined(__GNUC__)
    {
        unsigned eax, ebx, ecx, edx;
        /* CPUID leaf 7: EBX bit 8 = BMI2 (MULX), bit 19 = ADX (ADCX/ADOX) */
        if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
            F->adx = (ebx >> 8 & 1) && (ebx >> 19 & 1);
    }
#endif
    F->ifma = ((F->limbs == 4 && F->p[3] < ((uint64_t)1 << 63)) || mersenne) && ifma_cpu_supported();
    unsigned top_bits = F->bits - 64 * (F->limbs - 1);
    F->top_mask = top_bits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << top_bits) - 1);

    /* -p^-1 mod 2^64 by Newton iteration: each step doubles the correct low bits. */
    uint64_t inv = 1;
    for (int i = 0; i < 7; i++)
        inv *= 2 - F->p[0] * inv;
    F->pinv = (uint64_t)0 - inv;

    fmpz_t r;
    fmpz_init(r);
    fmpz_one(r);
    if (!mersenne)
        fmpz_mul_2exp(r, r, 64 * F->limbs);
    fmpz_mod(r, r, F->p_fmpz);
    limbs_from_fmpz(F->one, F->limbs, r);
    fmpz_mul(r, r, r);
    fmpz_mod(r, r, F->p_fmpz);
    limbs_from_fmpz(F->r2, F->limbs, r);
    fmpz_clear(r);
    fmpz_mod_ctx_init(F->ctx, F->p_fmpz);
    *out = F;
    return 0;
}

void stoffel_mpc_field_free(stoffel_mpc_field *F)
{
    if (!F)
        return;
    fmpz_mod_ctx_clear(F->ctx);
    fmpz_clear(F->p_fmpz);
    free(F);
}

stoffel_mpc_field_id stoffel_mpc_field_get_id(const stoffel_mpc_field *F) { return F->id; }
const char *stoffel_mpc_field_name(const stoffel_mpc_field *F) { return F->name; }
unsigned stoffel_mpc_field_bits(const stoffel_mpc_field *F) { return F->bits; }
size_t stoffel_mpc_field_elem_size(const stoffel_mpc_field *F) { return F->elem_size; }

/* Canonical limbs <-> little-endian bytes. On a little-endian host this is a copy; written
 * portably anyway. */
static void limbs_to_bytes(uint8_t *b, const uint64_t *l, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned k = 0; k < 8; k++)
            b[8 * i + k] = (uint8_t)(l[i] >> (8 * k));
}

static void limbs_from_bytes(uint64_t *l, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t v = 0;
        for (unsigned k = 0; k < 8; k++)
            v |= (uint64_t)b[8 * i + k] << (8 * k);
        l[i] = v;
    }
}

int fe_from_bytes(const field *F, uint64_t *r, const uint8_t *bytes)
{
    uint64_t c[FIELD_MAX_LIMBS];
    limbs_from_bytes(c, bytes, F->limbs);
    if (!fe_is_canonical(F, c))
        return STOFFEL_MPC_ERR_NOT_IN_FIELD;
    fe_to_mont(F, r, c);
    return 0;
}

void fe_to_bytes(const field *F, uint8_t *bytes, const uint64_t *a)
{
    uint64_t c[FIELD_MAX_LIMBS];
    fe_from_mont(F, c, a);
    limbs_to_bytes(bytes, c, F->limbs);
}

void stoffel_mpc_field_from_i64(const stoffel_mpc_field *F, int64_t x, uint8_t *out)
{
    uint64_t m[FIELD_MAX_LIMBS];
    uint64_t mag = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    fe_set_u64(F, m, mag);
    if (x < 0)
        fe_neg(F, m, m);
    fe_to_bytes(F, out, m);
}

int stoffel_mpc_field_from_u64(const stoffel_mpc_field *F, uint64_t x, uint8_t *out)
{
    if (F->limbs == 1 && x >= F->p[0])
        return STOFFEL_MPC_ERR_OVERFLOW;
    uint64_t m[FIELD_MAX_LIMBS];
    fe_set_u64(F, m, x);
    fe_to_bytes(F, out, m);
    return 0;
}

int stoffel_mpc_field_to_i64(const stoffel_mpc_field *F, const uint8_t *elem, int64_t *out, int *fits)
{
    if (!F || !elem || !out)
        return STOFFEL_ERR_INVALID_ARG;
    uint64_t c[FIELD_MAX_LIMBS];
    limbs_from_bytes(c, elem, F->limbs);
    if (!fe_is_canonical(F, c))
        return STOFFEL_MPC_ERR_NOT_IN_FIELD;
    /* centred residue: values above (p-1)/2 stand for value - p */
    fmpz_t v, half;
    fmpz_init(v);
    fmpz_init(half);
    fe_canonical_to_fmpz(F, v, c);
    fmpz_sub_ui(half, F->p_fmpz, 1);
    fmpz_fdiv_q_2exp(half, half, 1);
    if (fmpz_cmp(v, half) > 0)
        fmpz_sub(v, v, F->p_fmpz);
    int ok = fmpz_fits_si(v) ? 1 : 0;
    /* low 64 bits in two's complement */
    fmpz_t low;
    fmpz_init(low);
    fmpz_fdiv_r_2exp(low, v, 64);
    uint64_t lw[1];
    limbs_from_fmpz(lw, 1, low);
    *out = (int64_t)lw[0];
    if (fits)
        *fits = ok;
    fmpz_clear(low);
    fmpz_clear(v);
    fmpz_clear(half);
    return 0;
}

void fe_canonical_to_fmpz(const field *F, fmpz_t out, const uint64_t *canonical)
{
    limbs_to_fmpz(out, canonical, F->limbs);
}

void fe_canonical_from_fmpz(const field *F, uint64_t *canonical, const fmpz_t in)
{
    limbs_from_fmpz(canonical, F->limbs, in);
}

void fe_to_fmpz(const field *F, fmpz_t out, const uint64_t *mont)
{
    uint64_t c[FIELD_MAX_LIMBS];
    fe_from_mont(F, c, mont);
    limbs_to_fmpz(out, c, F->limbs);
}

void fe_from_fmpz(const field *F, uint64_t *mont, const fmpz_t in)
{
    uint64_t c[FIELD_MAX_LIMBS];
    fmpz_t t;
    fmpz_init(t);
    fmpz_mod(t, in, F->p_fmpz);
    limbs_from_fmpz(c, F->limbs, t);
    fmpz_clear(t);
    fe_to_mont(F, mont, c);
}

void fe_inv(const field *F, uint64_t *r, const uint64_t *a)
{
    if (fe_is_zero(F, a)) {
        fe_zero(F, r);
        return;
    }
    fmpz_t x;
    fmpz_init(x);
    fe_to_fmpz(F, x, a);
    fmpz_invmod(x, x, F->p_fmpz);
    fe_from_fmpz(F, r, x);
    fmpz_clear(x);
}
