/*
 * rng.h - deterministic randomness for protocol instances and the simulator: a ChaCha20 stream
 * keyed by BLAKE2b(seed, stream id). The caller supplies the seed (sans-I/O: no hidden entropy);
 * a networked party seeds it from randombytes_buf. Wiped on release.
 */
#ifndef STOFFEL_MPC_RNG_H
#define STOFFEL_MPC_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"

typedef struct {
    uint8_t key[32];
    uint64_t nonce;
    uint8_t buf[1024];
    size_t pos;
} mpc_rng;

/* Keys the stream from (seed, stream) with a domain string; different streams are independent. */
void rng_init(mpc_rng *rng, uint64_t seed, uint64_t stream, const char *domain);
/* Keys the stream from 32 bytes of fresh entropy. */
void rng_init_key(mpc_rng *rng, const uint8_t key[32]);
void rng_bytes(mpc_rng *rng, void *out, size_t len);
uint64_t rng_u64(mpc_rng *rng);
/* Uniform in [0, bound), bound > 0 (rejection sampling, no modulo bias). */
uint64_t rng_below(mpc_rng *rng, uint64_t bound);
/* `count` uniform field elements (Montgomery form: a uniform value is uniform in either form). */
void rng_field_vec(mpc_rng *rng, const field *F, uint64_t *out, size_t count);
/* Uniform non-zero field element. */
void rng_field_nonzero(mpc_rng *rng, const field *F, uint64_t *out);
void rng_wipe(mpc_rng *rng);

#endif
