/* frame.c - the frame format: a 4-byte big-endian payload length, then the payload. */
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

/* Growth step of a frame buffer: a hostile header announcing a huge frame only makes us allocate
 * what has actually arrived (doubling, starting at 64 KiB). */
#define FRAME_INITIAL_CAP ((size_t)64 * 1024)

void net_frame_reader_init(net_frame_reader *r, size_t max_payload_bytes)
{
    memset(r, 0, sizeof *r);
    r->max = max_payload_bytes;
}

void net_frame_reader_release(net_frame_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->have = r->need = r->hdr_have = 0;
}

int net_frame_reader_feed(net_frame_reader *r, const uint8_t *data, size_t len, size_t *used,
                          uint8_t **msg, size_t *msg_len)
{
    size_t pos = 0;
    *msg = NULL;
    while (r->hdr_have < 4 && pos < len)
        r->hdr[r->hdr_have++] = data[pos++];
    if (r->hdr_have < 4) {
        *used = pos;
        return 0;
    }
    if (r->have == 0 && !r->buf) {
        r->need = (size_t)r->hdr[0] << 24 | (size_t)r->hdr[1] << 16 | (size_t)r->hdr[2] << 8 |
                  r->hdr[3];
        if (r->need > r->max) {
            *used = pos;
            return STOFFEL_ERR_LIMIT;
        }
        r->cap = r->need < FRAME_INITIAL_CAP ? (r->need ? r->need : 1) : FRAME_INITIAL_CAP;
        r->buf = malloc(r->cap);
        if (!r->buf) {
            *used = pos;
            return STOFFEL_ERR_NOMEM;
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
    r->buf = NULL;
    r->cap = r->have = r->need = r->hdr_have = 0;
    return 1;
}
