/*
 * fuzz_mpc_wire.c - fuzz target for libstoffelmpc's message decoding: the msgpack envelope
 * (wire_decode) and, for envelopes that decode, the share-vector payload check every protocol
 * applies (collector_add: exact size, every element < p) for each field. Properties: no crash,
 * no leak, no accepted element >= p, and an accepted envelope re-encodes and decodes to the same
 * fields.
 */
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "wire.h"

static void check_payload(stoffel_mpc_field_id id, const mpc_envelope *env)
{
    field *F;
    if (stoffel_mpc_field_new(id, &F))
        return;
    shamir_ctx S;
    if (shamir_ctx_init(&S, F, 4) == 0) {
        size_t count = env->payload_len / F->elem_size;
        collector c;
        if (count > 0 && count < 4096 && collector_init(&c, F, &S, 4, 1, 1, 1, count, NULL) == 0) {
            int rc = collector_add(&c, 1, env->payload, env->payload_len);
            if (rc == 0 && fe_vec_first_noncanonical(F, c.recv + count * F->limbs, count) != count)
                abort(); /* accepted a value >= p */
            collector_free(&c);
        }
        shamir_ctx_free(&S);
    }
    stoffel_mpc_field_free(F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mpc_envelope env;
    char err[200];
    if (wire_decode(data, size, &env, err, sizeof err) != 0) {
        if (err[0] == 0)
            abort(); /* every rejection names its reason */
        return 0;
    }
    uint8_t *enc;
    size_t len;
    if (wire_encode(&env, &enc, &len) != 0)
        abort();
    mpc_envelope back;
    if (wire_decode(enc, len, &back, err, sizeof err) != 0)
        abort();
    if (back.protocol != env.protocol || back.session != env.session || back.instance != env.instance ||
        back.round != env.round || !node_equal(back.sender, env.sender) || back.payload_len != env.payload_len ||
        memcmp(back.payload, env.payload, env.payload_len) != 0)
        abort();
    free(enc);
    check_payload(STOFFEL_MPC_FIELD_GOLDILOCKS, &env);
    check_payload(STOFFEL_MPC_FIELD_P128, &env);
    check_payload(STOFFEL_MPC_FIELD_BLS12_381, &env);
    return 0;
}
