/*
 * test_codec.c - frames and envelopes: exact encodings, round trips, and rejection of truncated,
 * oversized and malformed input.
 */
#include <stdlib.h>

#include <stoffel/net.h>

#include "test_util.h"

static void test_frames(void)
{
    uint8_t h[4];
    CHECK_EQ_INT(stoffel_net_frame_header(0x01020304, 0x02000000, h), 0);
    CHECK(h[0] == 1 && h[1] == 2 && h[2] == 3 && h[3] == 4);
    CHECK_EQ_INT(stoffel_net_frame_header(11, 10, h), STOFFEL_ERR_LIMIT);
    CHECK_EQ_INT(stoffel_net_frame_header(10, 10, h), 0);

    uint8_t buf[16] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0, 0xff};
    const uint8_t *p;
    size_t plen, used;
    CHECK_EQ_INT(stoffel_net_frame_decode(buf, 9, 100, &p, &plen, &used), 0);
    CHECK_EQ_INT(plen, 5);
    CHECK_EQ_INT(used, 9);
    CHECK(p == buf + 4 && memcmp(p, "hello", 5) == 0);
    /* trailing data belongs to the next frame: an empty frame */
    CHECK_EQ_INT(stoffel_net_frame_decode(buf + 9, 4, 100, &p, &plen, &used), 0);
    CHECK_EQ_INT(plen, 0);
    CHECK_EQ_INT(used, 4);
    /* truncated header and payload */
    for (size_t len = 0; len < 9; len++)
        CHECK_EQ_INT(stoffel_net_frame_decode(buf, len, 100, &p, &plen, &used),
                     STOFFEL_ERR_MALFORMED);
    /* oversized: decided from the header alone, even with a short buffer */
    uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
    CHECK_EQ_INT(stoffel_net_frame_decode(huge, 4, STOFFEL_NET_DEFAULT_MAX_MESSAGE_BYTES, &p,
                                          &plen, &used), STOFFEL_ERR_LIMIT);
    CHECK_EQ_INT(stoffel_net_frame_decode(buf, 9, 4, &p, &plen, &used), STOFFEL_ERR_LIMIT);
}

static void test_envelope_roundtrip(void)
{
    /* A field-element vector: three 16-byte little-endian elements in one part. */
    uint8_t elems[48];
    for (int i = 0; i < 48; i++)
        elems[i] = (uint8_t)(i * 7);
    stoffel_net_envelope e = {.protocol = 7, .session_id = 0x1122334455667788ull, .round = 300,
                              .sender = 2, .part_count = 2};
    e.parts[0] = (stoffel_net_bytes){elems, sizeof elems};
    e.parts[1] = (stoffel_net_bytes){NULL, 0};
    uint8_t *enc = NULL;
    size_t len = 0;
    CHECK_EQ_INT(stoffel_net_envelope_encode(&e, &enc, &len), 0);
    /* [1, 7, 0x1122334455667788, 300, 2, [bin48, bin0]] in msgpack */
    static const uint8_t head[] = {0x96, 0x01, 0x07, 0xcf, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                   0x77, 0x88, 0xcd, 0x01, 0x2c, 0x02, 0x92, 0xc4, 48};
    CHECK_EQ_INT(len, sizeof head + 48 + 2);
    CHECK(memcmp(enc, head, sizeof head) == 0);
    CHECK(memcmp(enc + sizeof head, elems, 48) == 0);
    CHECK(enc[len - 2] == 0xc4 && enc[len - 1] == 0);
    stoffel_net_envelope d;
    CHECK_EQ_INT(stoffel_net_envelope_decode(enc, len, &d), 0);
    CHECK_EQ_INT(d.protocol, 7);
    CHECK(d.session_id == 0x1122334455667788ull);
    CHECK_EQ_INT(d.round, 300);
    CHECK_EQ_INT(d.sender, 2);
    CHECK_EQ_INT(d.part_count, 2);
    CHECK_EQ_INT(d.parts[0].len, 48);
    CHECK(d.parts[0].data == enc + sizeof head);
    CHECK_EQ_INT(d.parts[1].len, 0);
    /* Every truncation is rejected. */
    for (size_t l = 0; l < len; l++)
        CHECK_EQ_INT(stoffel_net_envelope_decode(enc, l, &d), STOFFEL_ERR_MALFORMED);
    /* Trailing bytes are rejected. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, enc, len);
    longer[len] = 0;
    CHECK_EQ_INT(stoffel_net_envelope_decode(longer, len + 1, &d), STOFFEL_ERR_MALFORMED);
    free(longer);
    stoffel_net_buffer_free(enc);
    /* Too many parts to encode. */
    e.part_count = STOFFEL_NET_ENVELOPE_MAX_PARTS + 1;
    CHECK_EQ_INT(stoffel_net_envelope_encode(&e, &enc, &len), STOFFEL_ERR_INVALID_ARG);
}

static void test_envelope_malformed(void)
{
    stoffel_net_envelope d;
    /* wrong version */
    static const uint8_t v2[] = {0x96, 0x02, 0x00, 0x00, 0x00, 0x00, 0x90};
    CHECK_EQ_INT(stoffel_net_envelope_decode(v2, sizeof v2, &d), STOFFEL_ERR_MALFORMED);
    static const uint8_t ok[] = {0x96, 0x01, 0x00, 0x00, 0x00, 0x00, 0x90};
    CHECK_EQ_INT(stoffel_net_envelope_decode(ok, sizeof ok, &d), 0);
    CHECK_EQ_INT(d.part_count, 0);
    /* wrong arity */
    static const uint8_t five[] = {0x95, 0x01, 0x00, 0x00, 0x00, 0x90};
    CHECK_EQ_INT(stoffel_net_envelope_decode(five, sizeof five, &d), STOFFEL_ERR_MALFORMED);
    /* a negative integer where an unsigned one belongs */
    static const uint8_t neg[] = {0x96, 0x01, 0xff, 0x00, 0x00, 0x00, 0x90};
    CHECK_EQ_INT(stoffel_net_envelope_decode(neg, sizeof neg, &d), STOFFEL_ERR_MALFORMED);
    /* sender above 32 bits */
    static const uint8_t big_sender[] = {0x96, 0x01, 0x00, 0x00, 0x00, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0,
                                         0x90};
    CHECK_EQ_INT(stoffel_net_envelope_decode(big_sender, sizeof big_sender, &d),
                 STOFFEL_ERR_MALFORMED);
    /* a string part instead of bin */
    static const uint8_t str[] = {0x96, 0x01, 0x00, 0x00, 0x00, 0x00, 0x91, 0xa1, 'x'};
    CHECK_EQ_INT(stoffel_net_envelope_decode(str, sizeof str, &d), STOFFEL_ERR_MALFORMED);
    /* a bin that claims 4 GiB with 1 byte present */
    static const uint8_t hugebin[] = {0x96, 0x01, 0x00, 0x00, 0x00, 0x00, 0x91, 0xc6, 0xff, 0xff,
                                      0xff, 0xff, 'x'};
    CHECK_EQ_INT(stoffel_net_envelope_decode(hugebin, sizeof hugebin, &d), STOFFEL_ERR_MALFORMED);
    /* an array of parts that claims 2^32-1 entries: refused without allocating */
    static const uint8_t hugearr[] = {0x96, 0x01, 0x00, 0x00, 0x00, 0x00, 0xdd, 0xff, 0xff, 0xff,
                                      0xff};
    CHECK_EQ_INT(stoffel_net_envelope_decode(hugearr, sizeof hugearr, &d), STOFFEL_ERR_LIMIT);
    /* not an array at all */
    static const uint8_t map[] = {0x80};
    CHECK_EQ_INT(stoffel_net_envelope_decode(map, sizeof map, &d), STOFFEL_ERR_MALFORMED);
    CHECK_EQ_INT(stoffel_net_envelope_decode(NULL, 0, &d), STOFFEL_ERR_MALFORMED);
}

int main(void)
{
    test_frames();
    test_envelope_roundtrip();
    test_envelope_malformed();
    CHECK(strcmp(stoffel_net_strerror(STOFFEL_NET_ERR_PEER_REFUSED), "unknown status code") != 0);
    return test_finish();
}
