/*
 * fixed.c - fixed-point arithmetic on (k, f) values (the field encoding of round(x 2^f), k bits
 * in total; Catrina-Saxena 2010; spec mpc.md section 6).
 *   FPMul(a, b) = TruncPr(a b, 2k, f): probabilistic rounding, error below one unit in the last
 *                 place (2^-f); 1 multiplication round + 1 opening round.
 *   FPDiv: see fixed_div.c (Newton reciprocal).
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

int nl_fixed_mul(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, unsigned k, unsigned f, size_t n,
                 uint8_t *out)
{
    int rc = nl_check_capacity(ctx, "fixed-point multiplication", 2 * k);
    if (rc)
        return rc;
    uint8_t *prod = nl_sh_alloc(ctx, n);
    if (!prod)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
    rc = nl_mul(ctx, a, b, prod, n);
    if (rc == 0)
        rc = f ? nl_trunc_pr(ctx, prod, 2 * k, f, n, out) : 0;
    if (rc == 0 && f == 0)
        memmove(out, prod, n * ctx->ss);
    nl_sh_free(ctx, prod, n);
    return rc;
}
