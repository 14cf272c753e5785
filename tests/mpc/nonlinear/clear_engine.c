/*
 * clear_engine.c - a single-process "clear" implementation of the engine API used by the nonlinear
 * protocols, for the protocol-algebra test (nl_clear_test): a share is simply the field element,
 * MUL multiplies, OPEN copies, RANDOM draws from a seeded generator. It checks the protocols'
 * arithmetic (masks, carries, polynomials, corrections) independently of the engine core; the
 * multi-party tests (nl_sim_test) run the same protocols on the real simulated engine.
 */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../../libstoffelmpc/src/nonlinear/nonlinear.h"
#include "clear_engine.h"

struct stoffel_mpc_field {
    stoffel_mpc_field_id id;
    mpz_t p;
    size_t es;
    unsigned bits;
};

struct stoffel_mpc_engine {
    stoffel_mpc_field field;
    gmp_randstate_t rng;
    char err[256];
    uint64_t mul_rounds, open_rounds, random_rounds, muls;
};

static const char *const prime_hex[] = {
    [STOFFEL_MPC_FIELD_BLS12_381] =
        "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001",
    [STOFFEL_MPC_FIELD_BN254] =
        "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001",
    [STOFFEL_MPC_FIELD_ED25519] =
        "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed",
    [STOFFEL_MPC_FIELD_P128] = "7fffffffffffffffffffffffffffffff", /* 2^127 - 1, as the core */
    [STOFFEL_MPC_FIELD_GOLDILOCKS] = "ffffffff00000001",
};

static void get(const stoffel_mpc_field *f, const uint8_t *b, mpz_t z)
{
    mpz_import(z, f->es, -1, 1, 0, 0, b);
}

static void put(const stoffel_mpc_field *f, mpz_t z, uint8_t *b)
{
    mpz_mod(z, z, f->p);
    memset(b, 0, f->es);
    mpz_export(b, NULL, -1, 1, 0, 0, z);
}

int clear_engine_new(stoffel_mpc_field_id id, uint64_t seed, stoffel_mpc_engine **out)
{
    stoffel_mpc_engine *e = calloc(1, sizeof *e);
    if (!e)
        return STOFFEL_ERR_NOMEM;
    e->field.id = id;
    mpz_init_set_str(e->field.p, prime_hex[id], 16);
    e->field.bits = (unsigned)mpz_sizeinbase(e->field.p, 2);
    e->field.es = (e->field.bits + 7) / 8;
    gmp_randinit_default(e->rng);
    gmp_randseed_ui(e->rng, (unsigned long)seed);
    *out = e;
    return 0;
}

void clear_engine_free(stoffel_mpc_engine *e)
{
    if (!e)
        return;
    mpz_clear(e->field.p);
    gmp_randclear(e->rng);
    free(e);
}

uint64_t clear_engine_rounds(const stoffel_mpc_engine *e)
{
    return e->mul_rounds + e->open_rounds + e->random_rounds;
}

uint64_t clear_engine_muls(const stoffel_mpc_engine *e)
{
    return e->muls;
}

const stoffel_mpc_field *stoffel_mpc_engine_field(const stoffel_mpc_engine *e)
{
    return &e->field;
}

size_t stoffel_mpc_engine_share_size(const stoffel_mpc_engine *e)
{
    return e->field.es;
}

uint32_t stoffel_mpc_engine_kappa(const stoffel_mpc_engine *e)
{
    (void)e;
    return 40;
}

/* Public vector arithmetic (the protocols' prefix products and inversions), in GMP. */
int stoffel_mpc_field_mul_vec(const stoffel_mpc_field *f, const uint8_t *a, const uint8_t *b,
                              uint8_t *out, size_t count)
{
    mpz_t x, y;
    mpz_inits(x, y, NULL);
    for (size_t k = 0; k < count; k++) {
        get(f, a + k * f->es, x);
        get(f, b + k * f->es, y);
        mpz_mul(x, x, y);
        put(f, x, out + k * f->es);
    }
    mpz_clears(x, y, NULL);
    return 0;
}

int stoffel_mpc_field_scale_vec(const stoffel_mpc_field *f, const uint8_t *a, const uint8_t *c,
                                uint8_t *out, size_t count)
{
    mpz_t x, y;
    mpz_inits(x, y, NULL);
    get(f, c, y);
    for (size_t k = 0; k < count; k++) {
        get(f, a + k * f->es, x);
        mpz_mul(x, x, y);
        put(f, x, out + k * f->es);
    }
    mpz_clears(x, y, NULL);
    return 0;
}

int stoffel_mpc_field_batch_inv(const stoffel_mpc_field *f, const uint8_t *a, uint8_t *out, size_t count)
{
    mpz_t x;
    mpz_init(x);
    int rc = 0;
    for (size_t k = 0; k < count && rc == 0; k++) {
        get(f, a + k * f->es, x);
        if (!mpz_invert(x, x, f->p))
            rc = STOFFEL_ERR_INVALID_ARG; /* zero has no inverse */
        else
            put(f, x, out + k * f->es);
    }
    mpz_clear(x);
    return rc;
}

/* The clear engine has one "party" and only the core kinds every engine has: the protocols take
 * their triple and square-root paths here (no dealt randomness). */
uint32_t stoffel_mpc_engine_t(const stoffel_mpc_engine *e)
{
    (void)e;
    return 1;
}

int stoffel_mpc_engine_supports(const stoffel_mpc_engine *e, stoffel_mpc_op_kind kind)
{
    (void)e;
    return kind == STOFFEL_MPC_OP_MUL || kind == STOFFEL_MPC_OP_OPEN || kind == STOFFEL_MPC_OP_RANDOM;
}

/* The clear engine keeps no pool of preprocessed bits: the protocols make all of them. */
struct material_pool *nonlinear_material_pool(stoffel_mpc_engine *e)
{
    (void)e;
    return NULL;
}

const char *stoffel_mpc_engine_last_error(const stoffel_mpc_engine *e)
{
    return e->err;
}

size_t stoffel_mpc_field_elem_size(const stoffel_mpc_field *f)
{
    return f->es;
}

const char *stoffel_mpc_field_name(const stoffel_mpc_field *f)
{
    static const char *const names[] = {"bls12-381", "bn254", "ed25519", "p128", "goldilocks"};
    return names[f->id];
}

void stoffel_mpc_field_from_i64(const stoffel_mpc_field *f, int64_t x, uint8_t *out)
{
    mpz_t z;
    mpz_init(z);
    uint64_t mag = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    mpz_import(z, 1, -1, sizeof mag, 0, 0, &mag);
    if (x < 0)
        mpz_neg(z, z);
    put(f, z, out);
    mpz_clear(z);
}

int stoffel_mpc_field_to_i64(const stoffel_mpc_field *f, const uint8_t *elem, int64_t *out,
                             int *fits)
{
    mpz_t z, h;
    mpz_init(z);
    mpz_init(h);
    get(f, elem, z);
    mpz_fdiv_q_2exp(h, f->p, 1);
    if (mpz_cmp(z, h) > 0)
        mpz_sub(z, z, f->p);
    *fits = mpz_fits_slong_p(z);
    mpz_t low;
    mpz_init(low);
    mpz_fdiv_r_2exp(low, z, 64);
    uint64_t u = 0;
    mpz_export(&u, NULL, -1, sizeof u, 0, 0, low);
    *out = (int64_t)u;
    mpz_clear(low);
    mpz_clear(z);
    mpz_clear(h);
    return 0;
}

typedef void (*binop)(mpz_t, const mpz_t, const mpz_t);

static int vec_op(stoffel_mpc_engine *e, binop op, const uint8_t *a, const uint8_t *b, uint8_t *out,
                  size_t n)
{
    mpz_t x, y;
    mpz_init(x);
    mpz_init(y);
    for (size_t i = 0; i < n; i++) {
        get(&e->field, a + i * e->field.es, x);
        get(&e->field, b + i * e->field.es, y);
        op(x, x, y);
        put(&e->field, x, out + i * e->field.es);
    }
    mpz_clear(x);
    mpz_clear(y);
    return 0;
}

int stoffel_mpc_engine_add(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out,
                           size_t n)
{
    return vec_op(e, mpz_add, a, b, out, n);
}

int stoffel_mpc_engine_sub(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *b, uint8_t *out,
                           size_t n)
{
    return vec_op(e, mpz_sub, a, b, out, n);
}

int stoffel_mpc_engine_add_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c,
                                  uint8_t *out, size_t n)
{
    return vec_op(e, mpz_add, a, c, out, n);
}

int stoffel_mpc_engine_mul_public(stoffel_mpc_engine *e, const uint8_t *a, const uint8_t *c,
                                  uint8_t *out, size_t n)
{
    return vec_op(e, mpz_mul, a, c, out, n);
}

int stoffel_mpc_engine_share_public(stoffel_mpc_engine *e, const uint8_t *values, uint8_t *out,
                                    size_t n)
{
    memmove(out, values, n * e->field.es);
    return 0;
}

int stoffel_mpc_engine_execute(stoffel_mpc_engine *e, stoffel_mpc_request *reqs, size_t count)
{
    int has_mul = 0, has_open = 0, has_random = 0;
    mpz_t z;
    mpz_init(z);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        stoffel_mpc_request *r = &reqs[i];
        switch (r->kind) {
        case STOFFEL_MPC_OP_MUL:
            vec_op(e, mpz_mul, r->a, r->b, r->out, r->count);
            has_mul = 1;
            e->muls += r->count;
            break;
        case STOFFEL_MPC_OP_OPEN:
            memmove(r->out, r->a, r->count * e->field.es);
            has_open = 1;
            break;
        case STOFFEL_MPC_OP_RANDOM:
            for (size_t j = 0; j < r->count; j++) {
                mpz_urandomm(z, e->rng, e->field.p);
                put(&e->field, z, r->out + j * e->field.es);
            }
            has_random = 1;
            break;
        default:
            if (!nonlinear_supports(r->kind)) {
                snprintf(e->err, sizeof e->err, "clear engine: kind %d unsupported", (int)r->kind);
                rc = STOFFEL_ERR_UNSUPPORTED;
            } else {
                rc = nonlinear_execute(e, r, 1, e->err, sizeof e->err);
            }
        }
    }
    e->mul_rounds += has_mul;
    e->open_rounds += has_open && !has_mul;
    e->random_rounds += has_random && !has_mul && !has_open ? 0 : 0;
    mpz_clear(z);
    return rc;
}

const char *stoffel_mpc_strerror(int status)
{
    (void)status;
    return "clear engine error";
}

int stoffel_mpc_field_from_u64(const stoffel_mpc_field *f, uint64_t x, uint8_t *out)
{
    mpz_t z;
    mpz_init(z);
    mpz_import(z, 1, -1, sizeof x, 0, 0, &x);
    int rc = mpz_cmp(z, f->p) >= 0 ? STOFFEL_MPC_ERR_OVERFLOW : 0;
    if (!rc)
        put(f, z, out);
    mpz_clear(z);
    return rc;
}

unsigned stoffel_mpc_field_bits(const stoffel_mpc_field *f)
{
    return f->bits;
}
