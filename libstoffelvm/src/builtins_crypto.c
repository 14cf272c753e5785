/*
 * builtins_crypto.c - byte strings and public crypto builtins (spec §8.4): Bytes.*, Crypto.sha256
 * / sha512 (libsodium), Crypto.hash_to_field and field_inv (GMP, curve scalar fields), and Field.*
 * on public elements of the session field. Field elements are canonical little-endian byte
 * arrays (arrays of U8) of 32 bytes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>
#include <sodium.h>

#include "builtins.h"

int bytes_read(vm_state *vm, const char *name, size_t i, vm_val v, uint8_t **buf, size_t *len)
{
    vm_table *t = table_get(vm, v);
    if (!t || !t->is_array)
        return bi_type(vm, name, i, v, "bytes (an array of uint8)");
    if (t->length > VM_ITER_LIMIT)
        return vm_fail(vm, STOFFEL_ERR_LIMIT, "%s: byte array of length %llu is too long", name, (unsigned long long)t->length);
    *len = (size_t)t->length;
    *buf = vm_malloc(vm, *len ? *len : 1);
    if (!*buf)
        return vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < *len; k++) {
        vm_val e = array_at(t, k);
        if (e.kind != STOFFEL_VM_U8) {
            vm_free(vm, *buf);
            return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s: argument %zu must be bytes, but element %zu is %s", name, i + 1, k, val_type_name(vm, e));
        }
        (*buf)[k] = (uint8_t)e.as.u;
    }
    return 0;
}

int bytes_make(vm_state *vm, const uint8_t *buf, size_t len, vm_val *out)
{
    int rc = table_new(vm, 1, out);
    vm_table *t = rc ? NULL : table_get(vm, *out);
    for (size_t k = 0; k < len && !rc; k++) {
        vm_val b = {.kind = STOFFEL_VM_U8};
        b.as.u = buf[k];
        rc = array_push(vm, t, b);
    }
    return rc;
}

static int b_bytes_concat(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Bytes.concat", 2, 2);
    uint8_t *a, *b;
    size_t na, nb;
    int rc = bytes_read(vm, "Bytes.concat", 0, args[0], &a, &na);
    if (rc)
        return rc;
    if ((rc = bytes_read(vm, "Bytes.concat", 1, args[1], &b, &nb))) {
        vm_free(vm, a);
        return rc;
    }
    uint8_t *c = vm_malloc(vm, na + nb + 1);
    if (!c)
        rc = vm_fail(vm, STOFFEL_ERR_NOMEM, "out of memory");
    else {
        memcpy(c, a, na);
        memcpy(c + na, b, nb);
        rc = bytes_make(vm, c, na + nb, out);
    }
    vm_free(vm, a);
    vm_free(vm, b);
    vm_free(vm, c);
    return rc;
}

static int b_bytes_from_string(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Bytes.from_string", 1, 1);
    if (args[0].kind != STOFFEL_VM_STRING)
        return bi_type(vm, "Bytes.from_string", 0, args[0], "a string");
    return bytes_make(vm, (const uint8_t *)args[0].as.s->data, args[0].as.s->len, out);
}

static int digest(vm_state *vm, vm_val *args, size_t nargs, vm_val *out, const char *name, int sha512)
{
    ARITY(name, 1, 1);
    uint8_t *in;
    size_t n;
    int rc = bytes_read(vm, name, 0, args[0], &in, &n);
    if (rc)
        return rc;
    uint8_t h[crypto_hash_sha512_BYTES];
    if (sha512)
        crypto_hash_sha512(h, in, n);
    else
        crypto_hash_sha256(h, in, n);
    vm_free(vm, in);
    return bytes_make(vm, h, sha512 ? crypto_hash_sha512_BYTES : crypto_hash_sha256_BYTES, out);
}

static int b_sha256(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return digest(vm, a, n, o, "Crypto.sha256", 0); }
static int b_sha512(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return digest(vm, a, n, o, "Crypto.sha512", 1); }

/* ---- scalar fields of the curves ----------------------------------------------------------- */

static const struct {
    const char *name;
    const char *order_hex;
    int little_endian_input;
} curves[] = {
    {"bls12-381", "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 0},
    {"bn254", "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001", 0},
    {"curve25519", "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed", 1},
    {"ed25519", "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed", 1},
    {"secp256k1", "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 0},
    {"p-256", "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 0},
};

static int find_curve(vm_state *vm, const char *fname, vm_val v, mpz_t order, int *le)
{
    if (v.kind != STOFFEL_VM_STRING)
        return vm_fail(vm, STOFFEL_VM_ERR_TYPE, "%s: the curve must be a name string", fname);
    char lower[32];
    size_t n = v.as.s->len < sizeof lower - 1 ? v.as.s->len : sizeof lower - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)v.as.s->data[i]);
    lower[n] = 0;
    const char *name = lower;
    if (!strcmp(name, "p256") || !strcmp(name, "secp256r1"))
        name = "p-256";
    for (size_t i = 0; i < sizeof curves / sizeof *curves; i++)
        if (!strcmp(curves[i].name, name)) {
            mpz_set_str(order, curves[i].order_hex, 16);
            *le = curves[i].little_endian_input;
            return 0;
        }
    return vm_fail(vm, STOFFEL_ERR_NOT_FOUND, "%s: unknown curve '%s' (bls12-381, bn254, curve25519, ed25519, secp256k1, p-256)", fname, v.as.s->data);
}

/* The session field's modulus: p - 1 is the encoding of -1. Without an engine, BLS12-381 Fr. */
static void session_modulus(vm_state *vm, mpz_t p)
{
    if (vm->engine) {
        const stoffel_mpc_field *f = stoffel_mpc_engine_field(vm->engine);
        uint8_t e[128];
        size_t es = stoffel_mpc_field_elem_size(f);
        stoffel_mpc_field_from_i64(f, -1, e);
        mpz_import(p, es, -1, 1, 0, 0, e);
        mpz_add_ui(p, p, 1);
    } else {
        mpz_set_str(p, curves[0].order_hex, 16);
    }
}

static size_t modulus_bytes(const mpz_t p) { return (mpz_sizeinbase(p, 2) + 7) / 8; }

static int element_out(vm_state *vm, const mpz_t x, const mpz_t p, vm_val *out)
{
    size_t n = modulus_bytes(p);
    uint8_t buf[128] = {0};
    size_t count = 0;
    mpz_export(buf, &count, -1, 1, 0, 0, x);
    return bytes_make(vm, buf, n, out);
}

/* Reads a canonical field element (little-endian, exactly the field's size, < p). */
static int element_in(vm_state *vm, const char *name, vm_val *args, size_t i, const mpz_t p, mpz_t x)
{
    uint8_t *b;
    size_t n;
    int rc = bytes_read(vm, name, i, args[i], &b, &n);
    if (rc)
        return rc;
    if (n != modulus_bytes(p)) {
        vm_free(vm, b);
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "%s: argument %zu must be a %zu-byte field element, got %zu bytes", name, i + 1, modulus_bytes(p), n);
    }
    mpz_import(x, n, -1, 1, 0, 0, b);
    vm_free(vm, b);
    if (mpz_cmp(x, p) >= 0)
        return vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "%s: argument %zu is not a canonical field element (>= the modulus)", name, i + 1);
    return 0;
}

static int b_hash_to_field(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Crypto.hash_to_field", 2, 2);
    mpz_t q, x;
    mpz_inits(q, x, NULL);
    int le = 0;
    uint8_t *b = NULL;
    size_t n;
    int rc = find_curve(vm, "Crypto.hash_to_field", args[1], q, &le);
    if (!rc)
        rc = bytes_read(vm, "Crypto.hash_to_field", 0, args[0], &b, &n);
    if (!rc) {
        mpz_import(x, n, le ? -1 : 1, 1, 0, 0, b);
        mpz_mod(x, x, q);
        rc = element_out(vm, x, q, out);
    }
    vm_free(vm, b);
    mpz_clears(q, x, NULL);
    return rc;
}

static int b_field_inv(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Crypto.field_inv", 2, 2);
    mpz_t q, x;
    mpz_inits(q, x, NULL);
    int le;
    int rc = find_curve(vm, "Crypto.field_inv", args[1], q, &le);
    if (!rc)
        rc = element_in(vm, "Crypto.field_inv", args, 0, q, x);
    if (!rc && mpz_sgn(x) == 0)
        rc = vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "Crypto.field_inv: zero has no inverse");
    if (!rc) {
        mpz_invert(x, x, q);
        rc = element_out(vm, x, q, out);
    }
    mpz_clears(q, x, NULL);
    return rc;
}

/* ---- Field.* on the session field -------------------------------------------------------- */

enum { F_ADD, F_SUB, F_MUL, F_EQ, F_NEG, F_INV, F_SQRT, F_IS_ZERO };

/* Tonelli-Shanks square root mod an odd prime p; 0 when x is a non-residue. */
static int mod_sqrt(mpz_t r, const mpz_t x_in, const mpz_t p)
{
    /* r may alias x_in: work on a copy. */
    mpz_t x;
    mpz_init_set(x, x_in);
    int ok = 1;
    if (mpz_sgn(x) == 0) {
        mpz_set_ui(r, 0);
        goto out;
    }
    if (mpz_legendre(x, p) != 1) {
        ok = 0;
        goto out;
    }
    mpz_t q, z, c, t, b, tmp, e;
    mpz_inits(q, z, c, t, b, tmp, e, NULL);
    mpz_sub_ui(q, p, 1);
    unsigned long s = mpz_scan1(q, 0);
    mpz_fdiv_q_2exp(q, q, s);
    mpz_set_ui(z, 2);
    while (mpz_legendre(z, p) != -1)
        mpz_add_ui(z, z, 1);
    mpz_powm(c, z, q, p);
    mpz_add_ui(e, q, 1);
    mpz_fdiv_q_2exp(e, e, 1);
    mpz_powm(r, x, e, p);
    mpz_powm(t, x, q, p);
    unsigned long m = s;
    while (mpz_cmp_ui(t, 1) != 0) {
        unsigned long i = 0;
        mpz_set(tmp, t);
        while (mpz_cmp_ui(tmp, 1) != 0) {
            mpz_mul(tmp, tmp, tmp);
            mpz_mod(tmp, tmp, p);
            i++;
        }
        mpz_set(b, c);
        for (unsigned long k = 0; k + 1 < m - i; k++) {
            mpz_mul(b, b, b);
            mpz_mod(b, b, p);
        }
        m = i;
        mpz_mul(c, b, b);
        mpz_mod(c, c, p);
        mpz_mul(t, t, c);
        mpz_mod(t, t, p);
        mpz_mul(r, r, b);
        mpz_mod(r, r, p);
    }
    /* The smaller of the two roots, for a deterministic answer. */
    mpz_sub(tmp, p, r);
    if (mpz_cmp(tmp, r) < 0)
        mpz_set(r, tmp);
    mpz_clears(q, z, c, t, b, tmp, e, NULL);
out:
    mpz_clear(x);
    return ok;
}

static int field_op(vm_state *vm, vm_val *args, size_t nargs, vm_val *out, const char *name, int op, size_t arity)
{
    ARITY(name, arity, arity);
    mpz_t p, x, y;
    mpz_inits(p, x, y, NULL);
    session_modulus(vm, p);
    int rc = element_in(vm, name, args, 0, p, x);
    if (!rc && arity == 2)
        rc = element_in(vm, name, args, 1, p, y);
    if (!rc) {
        switch (op) {
        case F_ADD: mpz_add(x, x, y); mpz_mod(x, x, p); break;
        case F_SUB: mpz_sub(x, x, y); mpz_mod(x, x, p); break;
        case F_MUL: mpz_mul(x, x, y); mpz_mod(x, x, p); break;
        case F_NEG: mpz_neg(x, x); mpz_mod(x, x, p); break;
        case F_INV:
            if (mpz_sgn(x) == 0)
                rc = vm_fail(vm, STOFFEL_VM_ERR_DIV_ZERO, "%s: zero has no inverse", name);
            else
                mpz_invert(x, x, p);
            break;
        case F_SQRT:
            if (!mod_sqrt(x, x, p))
                rc = vm_fail(vm, STOFFEL_VM_ERR_RUNTIME, "%s: the element has no square root", name);
            break;
        default: break;
        }
    }
    if (!rc) {
        if (op == F_EQ)
            *out = val_bool(mpz_cmp(x, y) == 0);
        else if (op == F_IS_ZERO)
            *out = val_bool(mpz_sgn(x) == 0);
        else
            rc = element_out(vm, x, p, out);
    }
    mpz_clears(p, x, y, NULL);
    return rc;
}

static int b_f_add(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_op(vm, a, n, o, "Field.add", F_ADD, 2); }
static int b_f_sub(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_op(vm, a, n, o, "Field.sub", F_SUB, 2); }
static int b_f_mul(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_op(vm, a, n, o, "Field.mul", F_MUL, 2); }
static int b_f_eq(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_op(vm, a, n, o, "Field.eq", F_EQ, 2); }
static int b_f_neg(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_op(vm, a, n, o, "Field.neg", F_NEG, 1); }
static int b_f_inv(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_op(vm, a, n, o, "Field.inverse", F_INV, 1); }
static int b_f_sqrt(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_op(vm, a, n, o, "Field.sqrt", F_SQRT, 1); }
static int b_f_is_zero(vm_state *vm, vm_val *a, size_t n, vm_val *o) { return field_op(vm, a, n, o, "Field.is_zero", F_IS_ZERO, 1); }

static int field_const(vm_state *vm, vm_val *out, long v)
{
    mpz_t p, x;
    mpz_inits(p, x, NULL);
    session_modulus(vm, p);
    mpz_set_si(x, v);
    mpz_mod(x, x, p);
    int rc = element_out(vm, x, p, out);
    mpz_clears(p, x, NULL);
    return rc;
}

static int b_f_from_int(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    ARITY("Field.from_int", 1, 1);
    int64_t v;
    int rc = bi_int(vm, "Field.from_int", args, 0, &v);
    return rc ? rc : field_const(vm, out, (long)v);
}

static int b_f_zero(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)args;
    ARITY("Field.zero", 0, 0);
    return field_const(vm, out, 0);
}

static int b_f_one(vm_state *vm, vm_val *args, size_t nargs, vm_val *out)
{
    (void)args;
    ARITY("Field.one", 0, 0);
    return field_const(vm, out, 1);
}

int register_crypto_builtins(vm_state *vm)
{
    static const struct {
        const char *name;
        vm_builtin_fn fn;
    } table[] = {
        {"Bytes.concat", b_bytes_concat}, {"Bytes.from_string", b_bytes_from_string},
        {"Crypto.sha256", b_sha256}, {"Crypto.sha512", b_sha512},
        {"Crypto.hash_to_field", b_hash_to_field}, {"Crypto.field_inv", b_field_inv},
        {"Field.from_int", b_f_from_int}, {"Field.zero", b_f_zero}, {"Field.one", b_f_one},
        {"Field.is_zero", b_f_is_zero}, {"Field.eq", b_f_eq}, {"Field.add", b_f_add},
        {"Field.sub", b_f_sub}, {"Field.mul", b_f_mul}, {"Field.neg", b_f_neg},
        {"Field.inverse", b_f_inv}, {"Field.sqrt", b_f_sqrt},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        int rc = vm_register_builtin(vm, table[i].name, table[i].fn);
        if (rc)
            return rc;
    }
    return register_storage_builtins(vm);
}
