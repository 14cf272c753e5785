/* field_api.c - the public vector arithmetic on canonical encodings (see stoffel/mpc.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "field.h"

/* Decodes `count` canonical elements into Montgomery limbs; index of the first bad one in *bad. */
static int load(const field *F, const uint8_t *in, size_t count, uint64_t *out, size_t *bad)
{
    for (size_t k = 0; k < count; k++)
        if (fe_from_bytes(F, out + k * F->limbs, in + k * F->elem_size)) {
            *bad = k;
            return STOFFEL_MPC_ERR_NOT_IN_FIELD;
        }
    return 0;
}

static void store(const field *F, const uint64_t *in, size_t count, uint8_t *out)
{
    for (size_t k = 0; k < count; k++)
        fe_to_bytes(F, out + k * F->elem_size, in + k * F->limbs);
}

typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_SCALE, OP_INNER, OP_INV } vec_op;

static int run(const field *F, vec_op op, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count)
{
    if (!F || (count && (!a || !out || (op != OP_INV && !b))))
        return STOFFEL_ERR_INVALID_ARG;
    if (count == 0 && op != OP_INNER)
        return 0;
    const size_t L = F->limbs, bytes = (count ? count : 1) * L * 8;
    size_t bcount = op == OP_SCALE ? 1 : count;
    uint64_t *x = calloc(1, bytes), *y = calloc(1, bytes), *z = calloc(1, bytes);
    int rc = STOFFEL_ERR_NOMEM;
    size_t bad;
    if (!x || !y || !z)
        goto done;
    if ((rc = load(F, a, count, x, &bad)) != 0 || (op != OP_INV && (rc = load(F, b, bcount, y, &bad)) != 0))
        goto done;
    switch (op) {
    case OP_ADD: fe_vec_add(F, z, x, y, count); break;
    case OP_SUB: fe_vec_sub(F, z, x, y, count); break;
    case OP_MUL: fe_vec_mul(F, z, x, y, count); break;
    case OP_SCALE: fe_vec_scale(F, z, x, y, count); break;
    case OP_INNER:
        if (count)
            fe_vec_inner(F, z, x, y, count);
        else
            fe_zero(F, z);
        store(F, z, 1, out);
        goto done;
    case OP_INV:
        for (size_t k = 0; k < count; k++)
            if (fe_is_zero(F, x + k * L)) {
                rc = STOFFEL_ERR_INVALID_ARG; /* zero has no inverse */
                goto done;
            }
        fe_vec_batch_inv(F, z, x, y, count);
        break;
    }
    store(F, z, count, out);
done:
    if (x)
        sodium_memzero(x, bytes);
    if (y)
        sodium_memzero(y, bytes);
    if (z)
        sodium_memzero(z, bytes);
    free(x);
    free(y);
    free(z);
    (void)bad;
    return rc;
}

int stoffel_mpc_field_add_vec(const stoffel_mpc_field *F, const uint8_t *a, const uint8_t *b, uint8_t *out,
                              size_t count)
{
    return run(F, OP_ADD, a, b, out, count);
}

int stoffel_mpc_field_sub_vec(const stoffel_mpc_field *F, const uint8_t *a, const uint8_t *b, uint8_t *out,
                              size_t count)
{
    return run(F, OP_SUB, a, b, out, count);
}

int stoffel_mpc_field_mul_vec(const stoffel_mpc_field *F, const uint8_t *a, const uint8_t *b, uint8_t *out,
                              size_t count)
{
    return run(F, OP_MUL, a, b, out, count);
}

int stoffel_mpc_field_scale_vec(const stoffel_mpc_field *F, const uint8_t *a, const uint8_t *c, uint8_t *out,
                                size_t count)
{
    return run(F, OP_SCALE, a, c, out, count);
}

int stoffel_mpc_field_inner_product(const stoffel_mpc_field *F, const uint8_t *a, const uint8_t *b, size_t count,
                                    uint8_t *out)
{
    if (count == 0 && F && out) {
        memset(out, 0, F->elem_size);
        return 0;
    }
    return run(F, OP_INNER, a, b, out, count);
}

int stoffel_mpc_field_batch_inv(const stoffel_mpc_field *F, const uint8_t *a, uint8_t *out, size_t count)
{
    return run(F, OP_INV, a, NULL, out, count);
}
