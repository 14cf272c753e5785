/*
 * fuzz_mpc_reshare.c - fuzz target for the resharing protocol's receive path (MUL_RESHARE and
 * DEALT_RANDOM, proto_reshare.c) as party 2 of 3 (t = 1): party 1 seeds party 2's shares, party 0
 * sends a vector. Input: byte 0 picks count (1..64) and the field, byte 1 the number of dealers
 * (1..3); then messages [from][round][len lo][len hi][payload...]. Properties: no crash, no leak,
 * a wrong size, an element >= p or a message from a non-dealer never completes the instance, and
 * a completed instance's result holds only field elements.
 */
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const stoffel_mpc_field_id ids[3] = {STOFFEL_MPC_FIELD_GOLDILOCKS, STOFFEL_MPC_FIELD_P128,
                                         STOFFEL_MPC_FIELD_BLS12_381};
    size_t count = 1 + data[0] % 64;
    uint32_t dealers = 1 + data[1] % 3;
    field *F;
    if (stoffel_mpc_field_new(ids[(data[0] >> 6) % 3], &F))
        return 0;
    uint8_t key[32] = {0};
    mpc_party P;
    if (party_init(&P, F, 3, 1, 2, 0, 9, key)) {
        stoffel_mpc_field_free(F);
        return 0;
    }
    mpc_outbox out = {0};
    uint64_t *mine = calloc(count, F->limbs * sizeof(uint64_t));
    mpc_proto *p = mine ? reshare_new(&P, 1, mine, count, dealers, &out) : NULL;
    size_t pos = 2;
    while (p && pos + 4 <= size && !p->status) {
        mpc_node from = party_node(data[pos] % 4); /* 3 = not a party of the session */
        uint32_t round = data[pos + 1] % 2;
        size_t len = (size_t)data[pos + 2] | (size_t)data[pos + 3] << 8;
        pos += 4;
        if (len > size - pos)
            len = size - pos;
        p->ops->receive(p, from, round, data + pos, len, &out);
        pos += len;
    }
    if (p && p->done) {
        const uint64_t *res = reshare_result(p);
        if (!res || fe_vec_first_noncanonical(F, res, dealers * count) != dealers * count)
            abort();
        uint64_t *prod = calloc(count, F->limbs * sizeof(uint64_t));
        if (prod && dealers == 3 && reshare_product(&P, p, count, prod) != 0)
            abort();
        free(prod);
    } else if (p && !p->status) {
        p->ops->timeout(p, &out);
        if (!p->status)
            abort(); /* an unfinished resharing must fail at the timeout, naming the dealers */
    }
    if (p)
        p->ops->destroy(p);
    outbox_free(&out);
    free(mine);
    party_free(&P);
    stoffel_mpc_field_free(F);
    return 0;
}
