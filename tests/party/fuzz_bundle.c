/*
 * fuzz_bundle.c - fuzz target of the bundle decoder (what a party receives in a deploy request):
 * any bytes either decode or fail with a status and a message; a decoded bundle re-encodes to
 * exactly the input (the encoding is canonical), and its hash is SHA-256 of the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <stoffel/vm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    err[0] = '\0';
    stoffel_vm_bundle *b = NULL;
    int rc = stoffel_vm_bundle_decode(data, size, &b, err, sizeof err);
    if (rc != 0) {
        if (b != NULL || err[0] == '\0')
            abort(); /* a failure leaves no bundle and always says why */
        return 0;
    }
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    if (stoffel_vm_bundle_encode(b, &enc, &enc_len) != 0 || enc_len != size || memcmp(enc, data, size) != 0)
        abort();
    uint8_t hash[STOFFEL_VM_BUNDLE_HASH_LEN], expect[crypto_hash_sha256_BYTES];
    stoffel_vm_bundle_hash(b, hash);
    crypto_hash_sha256(expect, data, size);
    if (memcmp(hash, expect, sizeof expect) != 0)
        abort();
    stoffel_vm_bytes_free(enc);
    stoffel_vm_bundle_free(b);
    return 0;
}
