/*
 * test_bundle.c - program bundles: construction and verification, the canonical encoding, its
 * strict decoder (every truncation, trailing bytes, tampering) and the SHA-256 hash.
 */
#include <sodium.h>

#include "party_test_util.h"
#include "test_util.h"

static void test_roundtrip_and_hash(void)
{
    uint8_t *code = NULL;
    size_t code_len = 0;
    CHECK_EQ_INT(party_test_program(42, &code, &code_len), 0);
    stoffel_vm_bundle *b = NULL;
    char err[256] = "";
    CHECK_EQ_INT(stoffel_vm_bundle_new("stats", NULL, code, code_len, &b, err, sizeof err), 0);
    CHECK_EQ_STR(stoffel_vm_bundle_name(b), "stats");
    CHECK_EQ_STR(stoffel_vm_bundle_entry(b), "main");
    size_t got_len = 0;
    const uint8_t *got = stoffel_vm_bundle_code(b, &got_len);
    CHECK(got_len == code_len && memcmp(got, code, code_len) == 0);

    uint8_t *enc = NULL;
    size_t enc_len = 0;
    CHECK_EQ_INT(stoffel_vm_bundle_encode(b, &enc, &enc_len), 0);
    /* magic, version 1, u16 5 "stats", u16 4 "main", u32 code_len, code */
    CHECK_EQ_INT(enc_len, 8 + 1 + 2 + 5 + 2 + 4 + 4 + code_len);
    CHECK(memcmp(enc, "STFLBNDL\x01\x00\x05stats\x00\x04main", 22) == 0);
    CHECK_EQ_INT(enc[22], (code_len >> 24) & 0xff);
    CHECK_EQ_INT(enc[25], code_len & 0xff);
    CHECK(memcmp(enc + 26, code, code_len) == 0);

    /* The hash is SHA-256 of the encoding. */
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN], expect[crypto_hash_sha256_BYTES];
    stoffel_vm_bundle_hash(b, hash);
    crypto_hash_sha256(expect, enc, enc_len);
    CHECK(memcmp(hash, expect, sizeof expect) == 0);

    stoffel_vm_bundle *d = NULL;
    CHECK_EQ_INT(stoffel_vm_bundle_decode(enc, enc_len, &d, err, sizeof err), 0);
    uint8_t hash2[STOFFEL_VM_BUNDLE_HASH_LEN];
    stoffel_vm_bundle_hash(d, hash2);
    CHECK(memcmp(hash, hash2, sizeof hash) == 0);

    /* Hex form and back, with and without the sha256: prefix, either case. */
    char hex[STOFFEL_VM_BUNDLE_HASH_HEX_LEN + 1];
    stoffel_vm_bundle_hash_to_hex(hash, hex);
    CHECK_EQ_INT(strlen(hex), 64);
    uint8_t parsed[STOFFEL_VM_BUNDLE_HASH_LEN];
    CHECK_EQ_INT(stoffel_vm_bundle_hash_from_hex(hex, parsed), 0);
    CHECK(memcmp(parsed, hash, sizeof hash) == 0);
    char prefixed[80], upper[65];
    snprintf(prefixed, sizeof prefixed, "sha256:%s", hex);
    CHECK_EQ_INT(stoffel_vm_bundle_hash_from_hex(prefixed, parsed), 0);
    for (int i = 0; i < 65; i++)
        upper[i] = (hex[i] >= 'a' && hex[i] <= 'f') ? (char)(hex[i] - 32) : hex[i];
    CHECK_EQ_INT(stoffel_vm_bundle_hash_from_hex(upper, parsed), 0);
    CHECK(memcmp(parsed, hash, sizeof hash) == 0);
    hex[63] = 'g';
    CHECK_EQ_INT(stoffel_vm_bundle_hash_from_hex(hex, parsed), STOFFEL_ERR_MALFORMED);
    hex[63] = '\0';
    CHECK_EQ_INT(stoffel_vm_bundle_hash_from_hex(hex, parsed), STOFFEL_ERR_MALFORMED);

    /* A different entry or name is a different bundle, hence a different hash. */
    stoffel_vm_bundle *other = NULL;
    CHECK_EQ_INT(stoffel_vm_bundle_new("stats", "other", code, code_len, &other, err, sizeof err), 0);
    stoffel_vm_bundle_hash(other, hash2);
    CHECK(memcmp(hash, hash2, sizeof hash) != 0);
    stoffel_vm_bundle_free(other);

    stoffel_vm_bundle_free(d);
    stoffel_vm_bundle_free(b);
    stoffel_vm_bytes_free(enc);
    stoffel_vm_bytes_free(code);
}

static void test_bad_bundles(void)
{
    uint8_t *code = NULL;
    size_t code_len = 0;
    CHECK_EQ_INT(party_test_program(7, &code, &code_len), 0);
    stoffel_vm_bundle *b = NULL;
    char err[256] = "";

    CHECK_EQ_INT(stoffel_vm_bundle_new("bad name", NULL, code, code_len, &b, err, sizeof err),
                 STOFFEL_ERR_INVALID_ARG);
    CHECK(b == NULL && strstr(err, "`bad name`") != NULL);
    CHECK_EQ_INT(stoffel_vm_bundle_new("", NULL, code, code_len, &b, err, sizeof err), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_vm_bundle_new("p", "f(x)", code, code_len, &b, err, sizeof err),
                 STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_vm_bundle_new("p", "nothere", code, code_len, &b, err, sizeof err),
                 STOFFEL_ERR_NOT_FOUND);
    CHECK(strstr(err, "`nothere`") != NULL);
    CHECK_EQ_INT(stoffel_vm_bundle_new("p", NULL, (const uint8_t *)"garbage", 7, &b, err, sizeof err),
                 STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "does not load") != NULL);
    CHECK_EQ_INT(stoffel_vm_bundle_new("p", NULL, code, 0, &b, err, sizeof err), STOFFEL_ERR_MALFORMED);

    CHECK_EQ_INT(stoffel_vm_bundle_new("p", NULL, code, code_len, &b, err, sizeof err), 0);
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    CHECK_EQ_INT(stoffel_vm_bundle_encode(b, &enc, &enc_len), 0);

    /* Every strict prefix is rejected as malformed. */
    int prefix_failures = 0;
    for (size_t n = 0; n < enc_len; n++) {
        stoffel_vm_bundle *d = NULL;
        if (stoffel_vm_bundle_decode(enc, n, &d, err, sizeof err) != STOFFEL_ERR_MALFORMED || d != NULL)
            prefix_failures++;
        stoffel_vm_bundle_free(d);
    }
    CHECK_EQ_INT(prefix_failures, 0);

    /* A trailing byte is rejected and named. */
    uint8_t *longer = malloc(enc_len + 1);
    memcpy(longer, enc, enc_len);
    longer[enc_len] = 0;
    stoffel_vm_bundle *d = NULL;
    CHECK_EQ_INT(stoffel_vm_bundle_decode(longer, enc_len + 1, &d, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "1 unexpected bytes") != NULL);
    free(longer);

    /* Wrong magic, unknown version. */
    enc[0] = 'X';
    CHECK_EQ_INT(stoffel_vm_bundle_decode(enc, enc_len, &d, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "STFLBNDL") != NULL);
    enc[0] = 'S';
    enc[8] = 2;
    CHECK_EQ_INT(stoffel_vm_bundle_decode(enc, enc_len, &d, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "version 2") != NULL);
    enc[8] = 1;

    /* Tampering with any single byte either fails to decode or changes the hash. */
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN];
    stoffel_vm_bundle_hash(b, hash);
    int undetected = 0;
    for (size_t i = 0; i < enc_len; i++) {
        enc[i] ^= 0x01;
        d = NULL;
        if (stoffel_vm_bundle_decode(enc, enc_len, &d, NULL, 0) == 0) {
            uint8_t h2[STOFFEL_VM_BUNDLE_HASH_LEN];
            stoffel_vm_bundle_hash(d, h2);
            if (memcmp(h2, hash, sizeof h2) == 0)
                undetected++;
            stoffel_vm_bundle_free(d);
        }
        enc[i] ^= 0x01;
    }
    CHECK_EQ_INT(undetected, 0);

    stoffel_vm_bundle_free(b);
    stoffel_vm_bytes_free(enc);
    stoffel_vm_bytes_free(code);
}

int main(void)
{
    test_roundtrip_and_hash();
    test_bad_bundles();
    return test_finish();
}
