/*
 * bundle.c - deployable program bundles: construction with verification, the canonical encoding
 * and strict decoder (format in stoffel/vm.h, "Party runtime"), and the SHA-256 bundle hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "party_internal.h"

static const uint8_t bundle_magic[8] = {'S', 'T', 'F', 'L', 'B', 'N', 'D', 'L'};
enum { BUNDLE_VERSION = 1, BUNDLE_MAX_NAME = 128 };

void party_format(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static int name_valid(const char *name, size_t len)
{
    if (len == 0 || len > BUNDLE_MAX_NAME)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '-' || c == '.';
        if (!ok)
            return 0;
    }
    return 1;
}

static int entry_valid(const char *entry, size_t len)
{
    if (len == 0 || len > BUNDLE_MAX_NAME)
        return 0;
    if (entry[0] >= '0' && entry[0] <= '9')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = entry[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok)
            return 0;
    }
    return 1;
}

/* Loads the bytecode and checks that it defines the entry function. */
static int verify_code(const char *entry, const uint8_t *code, size_t code_len, char *err, size_t err_len)
{
    char load_err[256] = "";
    stoffel_vm_program *program = NULL;
    int rc = stoffel_vm_program_load(code, code_len, &program, load_err, sizeof load_err);
    if (rc != 0) {
        party_format(err, err_len, "the bundle's bytecode does not load: %s", load_err);
        return rc == STOFFEL_ERR_NOMEM ? rc : STOFFEL_ERR_MALFORMED;
    }
    size_t index;
    rc = stoffel_vm_program_find_function(program, entry, &index);
    stoffel_vm_program_free(program);
    if (rc != 0) {
        party_format(err, err_len, "the bundle's bytecode has no entry function `%s`; pass the right --entry",
                     entry);
        return STOFFEL_ERR_NOT_FOUND;
    }
    return 0;
}

static char *copy_text(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out) {
        memcpy(out, s, len);
        out[len] = '\0';
    }
    return out;
}

/* Builds a bundle from validated-length parts; verifies names and code. */
static int bundle_make(const char *name, size_t name_len, const char *entry, size_t entry_len,
                       const uint8_t *code, size_t code_len, stoffel_vm_bundle **out, char *err,
                       size_t err_len)
{
    if (!name_valid(name, name_len)) {
        party_format(err, err_len,
                     "invalid bundle name `%.*s`; use 1 to %d characters from A-Z a-z 0-9 _ - .",
                     (int)(name_len > BUNDLE_MAX_NAME ? BUNDLE_MAX_NAME : name_len), name, BUNDLE_MAX_NAME);
        return STOFFEL_ERR_INVALID_ARG;
    }
    if (!entry_valid(entry, entry_len)) {
        party_format(err, err_len, "invalid entry function name `%.*s`; use an identifier such as `main`",
                     (int)(entry_len > BUNDLE_MAX_NAME ? BUNDLE_MAX_NAME : entry_len), entry);
        return STOFFEL_ERR_INVALID_ARG;
    }
    if (code_len == 0) {
        party_format(err, err_len, "the bundle's bytecode is empty; build the program with `stoffel build`");
        return STOFFEL_ERR_MALFORMED;
    }
    if (code_len > STOFFEL_VM_BUNDLE_MAX_CODE) {
        party_format(err, err_len, "the bundle's bytecode is %zu bytes, over the limit of %u", code_len,
                     STOFFEL_VM_BUNDLE_MAX_CODE);
        return STOFFEL_ERR_LIMIT;
    }
    stoffel_vm_bundle *b = calloc(1, sizeof *b);
    if (!b)
        return STOFFEL_ERR_NOMEM;
    b->name = copy_text(name, name_len);
    b->entry = copy_text(entry, entry_len);
    b->code = malloc(code_len);
    if (!b->name || !b->entry || !b->code) {
        stoffel_vm_bundle_free(b);
        return STOFFEL_ERR_NOMEM;
    }
    memcpy(b->code, code, code_len);
    b->code_len = code_len;
    int rc = verify_code(b->entry, b->code, b->code_len, err, err_len);
    if (rc != 0) {
        stoffel_vm_bundle_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

STOFFEL_API int stoffel_vm_bundle_new(const char *name, const char *entry, const uint8_t *code,
                                      size_t code_len, stoffel_vm_bundle **out, char *err, size_t err_len)
{
    if (!out || !name || (!code && code_len)) {
        party_format(err, err_len, "stoffel_vm_bundle_new: name, code and out are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!entry)
        entry = "main";
    return bundle_make(name, strlen(name), entry, strlen(entry), code ? code : (const uint8_t *)"", code_len,
                       out, err, err_len);
}

/* A bounds-checked big-endian reader over the input bytes. */
typedef struct {
    const uint8_t *p;
    size_t len, pos;
} reader;

static int read_uint(reader *r, size_t width, size_t *value)
{
    if (r->len - r->pos < width)
        return 0;
    size_t v = 0;
    for (size_t i = 0; i < width; i++)
        v = (v << 8) | r->p[r->pos + i];
    r->pos += width;
    *value = v;
    return 1;
}

STOFFEL_API int stoffel_vm_bundle_decode(const uint8_t *bytes, size_t len, stoffel_vm_bundle **out,
                                         char *err, size_t err_len)
{
    if (!out || (!bytes && len)) {
        party_format(err, err_len, "stoffel_vm_bundle_decode: bytes and out are required");
        return STOFFEL_ERR_INVALID_ARG;
    }
    *out = NULL;
    reader r = {bytes, len, 0};
    if (len < sizeof bundle_magic + 1 || memcmp(bytes, bundle_magic, sizeof bundle_magic) != 0) {
        party_format(err, err_len, "byte offset 0: not a Stoffel bundle (expected the magic \"STFLBNDL\")");
        return STOFFEL_ERR_MALFORMED;
    }
    r.pos = sizeof bundle_magic;
    if (bytes[r.pos] != BUNDLE_VERSION) {
        party_format(err, err_len, "byte offset %zu: bundle version %u is not supported (this build reads %d)",
                     r.pos, bytes[r.pos], BUNDLE_VERSION);
        return STOFFEL_ERR_MALFORMED;
    }
    r.pos++;
    size_t name_len, entry_len, code_len;
    size_t name_at, entry_at, code_at;
    if (!read_uint(&r, 2, &name_len) || (name_at = r.pos, r.len - r.pos < name_len)) {
        party_format(err, err_len, "byte offset %zu: truncated bundle name", r.pos);
        return STOFFEL_ERR_MALFORMED;
    }
    r.pos += name_len;
    if (!read_uint(&r, 2, &entry_len) || (entry_at = r.pos, r.len - r.pos < entry_len)) {
        party_format(err, err_len, "byte offset %zu: truncated entry name", r.pos);
        return STOFFEL_ERR_MALFORMED;
    }
    r.pos += entry_len;
    if (!read_uint(&r, 4, &code_len) || (code_at = r.pos, r.len - r.pos < code_len)) {
        party_format(err, err_len, "byte offset %zu: truncated bytecode", r.pos);
        return STOFFEL_ERR_MALFORMED;
    }
    r.pos += code_len;
    if (r.pos != r.len) {
        party_format(err, err_len, "byte offset %zu: %zu unexpected bytes after the bytecode", r.pos,
                     r.len - r.pos);
        return STOFFEL_ERR_MALFORMED;
    }
    int rc = bundle_make((const char *)bytes + name_at, name_len, (const char *)bytes + entry_at, entry_len,
                         bytes + code_at, code_len, out, err, err_len);
    /* A name or entry that fails validation inside a received bundle is malformed input. */
    return rc == STOFFEL_ERR_INVALID_ARG ? STOFFEL_ERR_MALFORMED : rc;
}

static size_t encoded_size(const stoffel_vm_bundle *b)
{
    return sizeof bundle_magic + 1 + 2 + strlen(b->name) + 2 + strlen(b->entry) + 4 + b->code_len;
}

static void encode_into(const stoffel_vm_bundle *b, uint8_t *p)
{
    size_t name_len = strlen(b->name), entry_len = strlen(b->entry);
    memcpy(p, bundle_magic, sizeof bundle_magic);
    p += sizeof bundle_magic;
    *p++ = BUNDLE_VERSION;
    *p++ = (uint8_t)(name_len >> 8);
    *p++ = (uint8_t)name_len;
    memcpy(p, b->name, name_len);
    p += name_len;
    *p++ = (uint8_t)(entry_len >> 8);
    *p++ = (uint8_t)entry_len;
    memcpy(p, b->entry, entry_len);
    p += entry_len;
    for (int shift = 24; shift >= 0; shift -= 8)
        *p++ = (uint8_t)(b->code_len >> shift);
    memcpy(p, b->code, b->code_len);
}

STOFFEL_API int stoffel_vm_bundle_encode(const stoffel_vm_bundle *bundle, uint8_t **bytes, size_t *len)
{
    if (!bundle || !bytes || !len)
        return STOFFEL_ERR_INVALID_ARG;
    size_t n = encoded_size(bundle);
    uint8_t *p = malloc(n);
    if (!p)
        return STOFFEL_ERR_NOMEM;
    encode_into(bundle, p);
    *bytes = p;
    *len = n;
    return 0;
}

STOFFEL_API void stoffel_vm_bundle_hash(const stoffel_vm_bundle *bundle, uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    /* Hash the encoding incrementally so no second copy of a large program is needed. */
    size_t name_len = strlen(bundle->name), entry_len = strlen(bundle->entry);
    uint8_t head[sizeof bundle_magic + 1 + 2];
    memcpy(head, bundle_magic, sizeof bundle_magic);
    head[8] = BUNDLE_VERSION;
    head[9] = (uint8_t)(name_len >> 8);
    head[10] = (uint8_t)name_len;
    uint8_t entry_head[2] = {(uint8_t)(entry_len >> 8), (uint8_t)entry_len};
    uint8_t code_head[4] = {(uint8_t)(bundle->code_len >> 24), (uint8_t)(bundle->code_len >> 16),
                            (uint8_t)(bundle->code_len >> 8), (uint8_t)bundle->code_len};
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, head, sizeof head);
    crypto_hash_sha256_update(&st, (const uint8_t *)bundle->name, name_len);
    crypto_hash_sha256_update(&st, entry_head, sizeof entry_head);
    crypto_hash_sha256_update(&st, (const uint8_t *)bundle->entry, entry_len);
    crypto_hash_sha256_update(&st, code_head, sizeof code_head);
    crypto_hash_sha256_update(&st, bundle->code, bundle->code_len);
    crypto_hash_sha256_final(&st, hash);
}

STOFFEL_API const char *stoffel_vm_bundle_name(const stoffel_vm_bundle *bundle)
{
    return bundle ? bundle->name : NULL;
}

STOFFEL_API const char *stoffel_vm_bundle_entry(const stoffel_vm_bundle *bundle)
{
    return bundle ? bundle->entry : NULL;
}

STOFFEL_API const uint8_t *stoffel_vm_bundle_code(const stoffel_vm_bundle *bundle, size_t *len)
{
    if (!bundle)
        return NULL;
    if (len)
        *len = bundle->code_len;
    return bundle->code;
}

STOFFEL_API void stoffel_vm_bundle_free(stoffel_vm_bundle *bundle)
{
    if (!bundle)
        return;
    free(bundle->name);
    free(bundle->entry);
    free(bundle->code);
    free(bundle);
}

STOFFEL_API void stoffel_vm_bundle_hash_to_hex(const uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN],
                                               char out[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < STOFFEL_VM_BUNDLE_HASH_LEN; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[STOFFEL_VM_BUNDLE_HASH_HEX_LEN] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

STOFFEL_API int stoffel_vm_bundle_hash_from_hex(const char *text, uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN])
{
    if (!text || !hash)
        return STOFFEL_ERR_INVALID_ARG;
    if (strncmp(text, "sha256:", 7) == 0)
        text += 7;
    if (strlen(text) != STOFFEL_VM_BUNDLE_HASH_HEX_LEN)
        return STOFFEL_ERR_MALFORMED;
    for (size_t i = 0; i < STOFFEL_VM_BUNDLE_HASH_LEN; i++) {
        int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return STOFFEL_ERR_MALFORMED;
        hash[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
