/*
 * select.c - oblivious selection and what is built on it and on LTZ: c ? x : y = y + c (x - y)
 * (one multiplication), min / max (one comparison and one selection), |a| = a (1 - 2 [a < 0]),
 * sign(a) = [-a < 0] - [a < 0] (one LTZ vector of both).
 */
#include <stdlib.h>
#include <string.h>

#include "nl_internal.h"

int nl_select(nl_ctx *ctx, const uint8_t *c, const uint8_t *x, const uint8_t *y, size_t n,
              uint8_t *out)
{
    uint8_t *d = nl_sh_alloc(ctx, n), *cd = nl_sh_alloc(ctx, n);
    int rc;
    if (!d || !cd) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = nl_sub(ctx, x, y, d, n)) || (rc = nl_mul(ctx, c, d, cd, n)))
        goto done;
    rc = nl_add(ctx, y, cd, out, n);
done:
    nl_sh_free(ctx, d, n);
    nl_sh_free(ctx, cd, n);
    return rc;
}

int nl_min_max(nl_ctx *ctx, const uint8_t *a, const uint8_t *b, unsigned bits, int want_max,
               size_t n, uint8_t *out)
{
    int rc = nl_check_capacity(ctx, want_max ? "MAX" : "MIN", bits + 1);
    if (rc)
        return rc;
    uint8_t *d = nl_sh_alloc(ctx, n), *c = nl_sh_alloc(ctx, n);
    if (!d || !c) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* c = [a < b]; min = c ? a : b, max = c ? b : a */
    if ((rc = nl_sub(ctx, a, b, d, n)) || (rc = nl_ltz(ctx, d, bits + 1, n, c)))
        goto done;
    rc = want_max ? nl_select(ctx, c, b, a, n, out) : nl_select(ctx, c, a, b, n, out);
done:
    nl_sh_free(ctx, d, n);
    nl_sh_free(ctx, c, n);
    return rc;
}

int nl_abs(nl_ctx *ctx, const uint8_t *a, unsigned bits, size_t n, uint8_t *out)
{
    int rc = nl_check_capacity(ctx, "ABS", bits + 1);
    if (rc)
        return rc;
    uint8_t *s = nl_sh_alloc(ctx, n), *neg = nl_sh_alloc(ctx, n);
    if (!s || !neg) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* |a| = s ? -a : a */
    if ((rc = nl_ltz(ctx, a, bits + 1, n, s)) ||
        (rc = nl_mul_const(ctx, a, ctx->minus_one, neg, n)))
        goto done;
    rc = nl_select(ctx, s, neg, a, n, out);
done:
    nl_sh_free(ctx, s, n);
    nl_sh_free(ctx, neg, n);
    return rc;
}

int nl_sign(nl_ctx *ctx, const uint8_t *a, unsigned bits, size_t n, uint8_t *out)
{
    int rc = nl_check_capacity(ctx, "SIGN", bits + 1);
    if (rc)
        return rc;
    uint8_t *v = nl_sh_alloc(ctx, 2 * n), *s = nl_sh_alloc(ctx, 2 * n);
    if (!v || !s) {
        rc = nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(v, a, n * ctx->ss);
    if ((rc = nl_mul_const(ctx, a, ctx->minus_one, NL_SH(ctx, v, n), n)) ||
        (rc = nl_ltz(ctx, v, bits + 1, 2 * n, s)))
        goto done;
    rc = nl_sub(ctx, NL_SH(ctx, s, n), s, out, n);
done:
    nl_sh_free(ctx, v, 2 * n);
    nl_sh_free(ctx, s, 2 * n);
    return rc;
}
