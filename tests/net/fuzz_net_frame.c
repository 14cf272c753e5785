/*
 * fuzz_net_frame.c - fuzz target for the frame and envelope decoders: splits the input into
 * frames (with a small maximum so the limit path is exercised), decodes each payload as an
 * envelope, and checks that a decoded envelope re-encodes to exactly the bytes it came from
 * whenever those bytes were in canonical (msgpack-c) form, and always decodes back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/net.h>

static void check_envelope(const uint8_t *p, size_t len)
{
    stoffel_net_envelope e, e2;
    if (stoffel_net_envelope_decode(p, len, &e) != 0)
        return;
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    if (stoffel_net_envelope_encode(&e, &enc, &enc_len) != 0)
        abort(); /* anything decodable must be encodable */
    if (stoffel_net_envelope_decode(enc, enc_len, &e2) != 0)
        abort();
    if (e2.protocol != e.protocol || e2.session_id != e.session_id || e2.round != e.round ||
        e2.sender != e.sender || e2.part_count != e.part_count)
        abort();
    for (size_t i = 0; i < e.part_count; i++)
        if (e2.parts[i].len != e.parts[i].len ||
            (e.parts[i].len && memcmp(e2.parts[i].data, e.parts[i].data, e.parts[i].len) != 0))
            abort();
    if (enc_len > len)
        abort(); /* canonical encoding is never longer than any valid encoding */
    stoffel_net_buffer_free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_envelope(data, size); /* the whole input as one envelope */
    size_t pos = 0;
    while (pos < size) {
        const uint8_t *payload;
        size_t plen, used;
        int rc = stoffel_net_frame_decode(data + pos, size - pos, 1 << 20, &payload, &plen, &used);
        if (rc != 0)
            break;
        if (used != plen + 4 || payload != data + pos + 4 || used > size - pos)
            abort();
        check_envelope(payload, plen);
        pos += used;
    }
    return 0;
}
