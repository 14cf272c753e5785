/* frame.c - the frame format: a 4-byte big-endian payload length, then the payload. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

int stoffel_net_frame_header(size_t payload_len, size_t max_payload_bytes, uint8_t out[4])
{
    if (!out)
        return STOFFEL_ERR_INVALID_ARG;
    if (payload_len > max_payload_bytes || payload_len > 0xffffffffu)
        return STOFFEL_ERR_LIMIT;
    out[0] = (uint8_t)(payload_len >> 24);
    out[1] = (uint8_t)(payload_len >> 16);
    out[2] = (uint8_t)(payload_len >> 8);
    out[3] = (uint8_t)payload_len;
    return STOFFEL_OK;
}

int stoffel_net_frame_decode(const uint8_t *buf, size_t len, size_t max_payload_bytes,
                             const uint8_t **payload, size_t *payload_len, size_t *consumed)
{
    if ((!buf && len) || !payload || !payload_len || !consumed)
        return STOFFEL_ERR_INVALID_ARG;
    if (len < 4)
        return STOFFEL_ERR_MALFORMED;
    size_t n = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
    /* Judge the length before looking at (or allocating for) the payload. */
    if (n > max_payload_bytes)
        return STOFFEL_ERR_LIMIT;
    if (len - 4 < n)
        return STOFFEL_ERR_MALFORMED;
    *payload = buf + 4;
    *payload_len = n;
    *consumed = 4 + n;
    return STOFFEL_OK;
}

/* Buffer sizing of the frame reader. A frame of up to FRAME_EXACT_MAX bytes gets its exact size
 * at once (large allocations are mapped lazily, so a header announcing more than arrives costs
 * address space, not memory); beyond that the buffer grows by doubling from FRAME_EXACT_MAX, so a
 * hostile header only makes us allocate about what actually arrived. The buffer is kept for the
 * next frame (no allocation and no page faults per frame) unless it is above FRAME_KEEP_MAX. */
#define FRAME_EXACT_MAX ((size_t)16 << 20)
#define FRAME_KEEP_MAX ((size_t)16 << 20)

void net_frame_reader_init(net_frame_reader *r, size_t max_payload_bytes)
{
    memset(r, 0, sizeof *r);
    r->max = max_payload_bytes;
}

static void drop_buffer(net_frame_reader *r)
{
    if (r->buf) {
        sodium_memzero(r->buf, r->cap); /* it held message bytes (shares) */
        free(r->buf);
    }
    r->buf = NULL;
    r->cap = 0;
}

void net_frame_reader_release(net_frame_reader *r)
{
    drop_buffer(r);
    r->have = r->need = r->hdr_have = 0;
    r->assembling = false;
}

static size_t header_length(const uint8_t *h)
{
    return (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
}

/* Makes room for the first bytes of a frame of r->need bytes. */
static int begin_frame(net_frame_reader *r)
{
    size_t want = r->need <= FRAME_EXACT_MAX ? r->need : FRAME_EXACT_MAX;
    if (want == 0)
        want = 1;
    if (r->cap < want || r->cap > FRAME_KEEP_MAX) {
        drop_buffer(r); /* no realloc: the old contents are not needed */
        r->buf = malloc(want);
        if (!r->buf)
            return STOFFEL_ERR_NOMEM;
        r->cap = want;
    }
    r->assembling = true;
    return STOFFEL_OK;
}

int net_frame_reader_feed(net_frame_reader *r, const uint8_t *data, size_t len, size_t *used,
                          const uint8_t **msg, size_t *msg_len)
{
    size_t pos = 0;
    *msg = NULL;
    if (r->hdr_have == 0 && len >= 4) {
        /* The whole frame in the input: hand out a view of it, no copy. */
        size_t n = header_length(data);
        if (n > r->max) {
            *used = 4;
            return STOFFEL_ERR_LIMIT;
        }
        if (len - 4 >= n) {
            *msg = data + 4;
            *msg_len = n;
            *used = 4 + n;
            return 1;
        }
    }
    while (r->hdr_have < 4 && pos < len)
        r->hdr[r->hdr_have++] = data[pos++];
    if (r->hdr_have < 4) {
        *used = pos;
        return 0;
    }
    if (!r->assembling) {
        r->need = header_length(r->hdr);
        r->have = 0;
        if (r->need > r->max) {
            *used = pos;
            return STOFFEL_ERR_LIMIT;
        }
        int rc = begin_frame(r);
        if (rc) {
            *used = pos;
            return rc;
        }
    }
    size_t take = len - pos;
    if (take > r->need - r->have)
        take = r->need - r->have;
    if (r->have + take > r->cap) {
        size_t cap = r->cap;
        while (cap < r->have + take)
            cap = cap * 2 < r->need ? cap * 2 : r->need;
        uint8_t *nb = realloc(r->buf, cap);
        if (!nb) {
            *used = pos;
            return STOFFEL_ERR_NOMEM;
        }
        r->buf = nb;
        r->cap = cap;
    }
    if (take)
        memcpy(r->buf + r->have, data + pos, take);
    r->have += take;
    pos += take;
    *used = pos;
    if (r->have < r->need)
        return 0;
    *msg = r->buf;
    *msg_len = r->need;
    r->assembling = false;
    r->have = r->need = r->hdr_have = 0;
    return 1;
}
