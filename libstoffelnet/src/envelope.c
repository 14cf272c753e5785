/*
 * envelope.c - the msgpack envelope of MPC messages (see stoffel/net.h): encoded with msgpack-c's
 * packer, decoded by a small strict reader of just the shapes the envelope uses, so a hostile
 * array or bin header can never make us allocate or read beyond the input.
 */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

#define ENVELOPE_VERSION 1

typedef struct out_buf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} out_buf;

static int out_write(void *data, const char *buf, size_t len)
{
    out_buf *o = data;
    if (o->failed)
        return -1;
    if (len == 0)
        return 0; /* an empty part: msgpack passes a NULL body, which memcpy may not take */
    if (o->len + len > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + len)
            cap *= 2;
        uint8_t *np = realloc(o->p, cap);
        if (!np) {
            o->failed = true;
            return -1;
        }
        o->p = np;
        o->cap = cap;
    }
    memcpy(o->p + o->len, buf, len);
    o->len += len;
    return 0;
}

int stoffel_net_envelope_encode(const stoffel_net_envelope *env, uint8_t **out, size_t *out_len)
{
    if (!env || !out || !out_len || env->part_count > STOFFEL_NET_ENVELOPE_MAX_PARTS)
        return STOFFEL_ERR_INVALID_ARG;
    for (size_t i = 0; i < env->part_count; i++) {
        if (!env->parts[i].data && env->parts[i].len)
            return STOFFEL_ERR_INVALID_ARG;
        if (env->parts[i].len > 0xffffffffu)
            return STOFFEL_ERR_LIMIT;
    }
    out_buf o = {0};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &o, out_write);
    msgpack_pack_array(&pk, 6);
    msgpack_pack_uint32(&pk, ENVELOPE_VERSION);
    msgpack_pack_uint32(&pk, env->protocol);
    msgpack_pack_uint64(&pk, env->session_id);
    msgpack_pack_uint64(&pk, env->round);
    msgpack_pack_uint32(&pk, env->sender);
    msgpack_pack_array(&pk, env->part_count);
    for (size_t i = 0; i < env->part_count; i++) {
        msgpack_pack_bin(&pk, env->parts[i].len);
        msgpack_pack_bin_body(&pk, env->parts[i].data, env->parts[i].len);
    }
    if (o.failed) {
        free(o.p);
        return STOFFEL_ERR_NOMEM;
    }
    *out = o.p ? o.p : malloc(1);
    *out_len = o.len;
    return *out ? STOFFEL_OK : STOFFEL_ERR_NOMEM;
}

/* --- strict reader ------------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p;
    size_t len, pos;
} reader;

static bool read_be(reader *r, size_t n, uint64_t *v)
{
    if (r->len - r->pos < n)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | r->p[r->pos + i];
    r->pos += n;
    *v = x;
    return true;
}

/* An unsigned integer in any of msgpack's unsigned encodings. */
static int read_uint(reader *r, uint64_t max, uint64_t *v)
{
    if (r->pos >= r->len)
        return STOFFEL_ERR_MALFORMED;
    uint8_t tag = r->p[r->pos++];
    if (tag <= 0x7f) {
        *v = tag;
    } else {
        size_t n = tag == 0xcc ? 1 : tag == 0xcd ? 2 : tag == 0xce ? 4 : tag == 0xcf ? 8 : 0;
        if (!n || !read_be(r, n, v))
            return STOFFEL_ERR_MALFORMED;
    }
    return *v <= max ? STOFFEL_OK : STOFFEL_ERR_MALFORMED;
}

static int read_array_header(reader *r, uint64_t *count)
{
    if (r->pos >= r->len)
        return STOFFEL_ERR_MALFORMED;
    uint8_t tag = r->p[r->pos++];
    if ((tag & 0xf0) == 0x90) {
        *count = tag & 0x0f;
        return STOFFEL_OK;
    }
    size_t n = tag == 0xdc ? 2 : tag == 0xdd ? 4 : 0;
    if (!n || !read_be(r, n, count))
        return STOFFEL_ERR_MALFORMED;
    return STOFFEL_OK;
}

static int read_bin(reader *r, stoffel_net_bytes *b)
{
    if (r->pos >= r->len)
        return STOFFEL_ERR_MALFORMED;
    uint8_t tag = r->p[r->pos++];
    size_t n = tag == 0xc4 ? 1 : tag == 0xc5 ? 2 : tag == 0xc6 ? 4 : 0;
    uint64_t blen;
    if (!n || !read_be(r, n, &blen))
        return STOFFEL_ERR_MALFORMED;
    if (blen > r->len - r->pos) /* the length is checked against what is there, before use */
        return STOFFEL_ERR_MALFORMED;
    b->data = r->p + r->pos;
    b->len = (size_t)blen;
    r->pos += (size_t)blen;
    return STOFFEL_OK;
}

static int envelope_decode(const uint8_t *buf, size_t len, stoffel_net_envelope *env)
{
    memset(env, 0, sizeof *env);
    reader r = {buf, len, 0};
    uint64_t count, v;
    int rc;
    if ((rc = read_array_header(&r, &count)) || count != 6)
        return STOFFEL_ERR_MALFORMED;
    if ((rc = read_uint(&r, UINT64_MAX, &v)) || v != ENVELOPE_VERSION)
        return STOFFEL_ERR_MALFORMED;
    if ((rc = read_uint(&r, UINT32_MAX, &v)))
        return rc;
    env->protocol = (uint32_t)v;
    if ((rc = read_uint(&r, UINT64_MAX, &env->session_id)) ||
        (rc = read_uint(&r, UINT64_MAX, &env->round)))
        return rc;
    if ((rc = read_uint(&r, UINT32_MAX, &v)))
        return rc;
    env->sender = (uint32_t)v;
    if ((rc = read_array_header(&r, &count)))
        return rc;
    if (count > STOFFEL_NET_ENVELOPE_MAX_PARTS)
        return STOFFEL_ERR_LIMIT;
    for (uint64_t i = 0; i < count; i++)
        if ((rc = read_bin(&r, &env->parts[i])))
            return rc;
    env->part_count = (size_t)count;
    if (r.pos != r.len)
        return STOFFEL_ERR_MALFORMED; /* trailing bytes */
    return STOFFEL_OK;
}

int stoffel_net_envelope_decode(const uint8_t *buf, size_t len, stoffel_net_envelope *env)
{
    if ((!buf && len) || !env)
        return STOFFEL_ERR_INVALID_ARG;
    int rc = envelope_decode(buf, len, env);
    if (rc)
        memset(env, 0, sizeof *env); /* no half-decoded envelope escapes */
    return rc;
}
