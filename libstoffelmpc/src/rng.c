/* rng.c - the deterministic ChaCha20 stream of rng.h. */
#include <string.h>

#include <sodium.h>

#include "rng.h"

void rng_init(mpc_rng *rng, uint64_t seed, uint64_t stream, const char *domain)
{
    uint8_t in[16];
    for (int i = 0; i < 8; i++) {
        in[i] = (uint8_t)(seed >> (8 * i));
        in[8 + i] = (uint8_t)(stream >> (8 * i));
    }
    crypto_generichash(rng->key, sizeof rng->key, in, sizeof in, (const uint8_t *)domain,
                       strlen(domain));
    rng->nonce = 0;
    rng->pos = sizeof rng->buf;
}

void rng_init_key(mpc_rng *rng, const uint8_t key[32])
{
    memcpy(rng->key, key, 32);
    rng->nonce = 0;
    rng->pos = sizeof rng->buf;
}

static void rng_refill(mpc_rng *rng)
{
    uint8_t nonce[8];
    for (int i = 0; i < 8; i++)
        nonce[i] = (uint8_t)(rng->nonce >> (8 * i));
    rng->nonce++;
    crypto_stream_chacha20(rng->buf, sizeof rng->buf, nonce, rng->key);
    rng->pos = 0;
}

void rng_bytes(mpc_rng *rng, void *out, size_t len)
{
    uint8_t *o = out;
    while (len > 0) {
        if (rng->pos == sizeof rng->buf)
            rng_refill(rng);
        size_t take = sizeof rng->buf - rng->pos;
        if (take > len)
            take = len;
        memcpy(o, rng->buf + rng->pos, take);
        /* consumed stream bytes are secret material: do not leave them in the buffer */
        sodium_memzero(rng->buf + rng->pos, take);
        rng->pos += take;
        o += take;
        len -= take;
    }
}

uint64_t rng_u64(mpc_rng *rng)
{
    uint64_t v;
    rng_bytes(rng, &v, sizeof v);
    return v;
}

uint64_t rng_below(mpc_rng *rng, uint64_t bound)
{
    uint64_t limit = (uint64_t)0 - ((uint64_t)0 - bound) % bound; /* multiple of bound, or 0 = 2^64 */
    for (;;) {
        uint64_t v = rng_u64(rng);
        if (limit == 0 || v < limit)
            return v % bound;
    }
}

void rng_field_vec(mpc_rng *rng, const field *F, uint64_t *out, size_t count)
{
    const unsigned L = F->limbs;
    rng_bytes(rng, out, count * L * sizeof(uint64_t));
    for (size_t k = 0; k < count; k++) {
        uint64_t *e = out + k * L;
        for (;;) {
            e[L - 1] &= F->top_mask;
            if (fe_is_canonical(F, e))
                break;
            rng_bytes(rng, e, L * sizeof(uint64_t));
        }
    }
}

void rng_field_nonzero(mpc_rng *rng, const field *F, uint64_t *out)
{
    do
        rng_field_vec(rng, F, out, 1);
    while (fe_is_zero(F, out));
}

void rng_wipe(mpc_rng *rng)
{
    sodium_memzero(rng, sizeof *rng);
}
