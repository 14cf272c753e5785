/* wire.c - msgpack envelope encoding and strict decoding (see wire.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "wire.h"

size_t wire_encoded_size(const mpc_envelope *env)
{
    /* fixarray(1) + 7 uints (<= 9 bytes each) + bin header (<= 5) + payload: an upper bound is
     * enough for buffer sizing, and stats use the exact encoded length. */
    return 1 + 7 * 9 + 5 + env->payload_len;
}

int wire_encode(const mpc_envelope *env, uint8_t **out, size_t *out_len)
{
    if (env->payload_len > MPC_WIRE_MAX_PAYLOAD)
        return STOFFEL_ERR_LIMIT;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    size_t cap = wire_encoded_size(env);
    sb.data = malloc(cap);
    if (!sb.data)
        return STOFFEL_ERR_NOMEM;
    sb.alloc = cap;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = msgpack_pack_array(&pk, 8);
    rc |= msgpack_pack_uint8(&pk, MPC_WIRE_VERSION);
    rc |= msgpack_pack_uint8(&pk, env->protocol);
    rc |= msgpack_pack_uint64(&pk, env->session);
    rc |= msgpack_pack_uint64(&pk, env->instance);
    rc |= msgpack_pack_uint32(&pk, env->round);
    rc |= msgpack_pack_uint8(&pk, env->sender.role);
    rc |= msgpack_pack_uint64(&pk, env->sender.id);
    rc |= msgpack_pack_bin(&pk, env->payload_len);
    rc |= msgpack_pack_bin_body(&pk, env->payload, env->payload_len);
    if (rc != 0) {
        free(sb.data);
        return STOFFEL_ERR_NOMEM;
    }
    *out = (uint8_t *)sb.data;
    *out_len = sb.size;
    return 0;
}

int wire_encode_inplace(const mpc_envelope *env, uint8_t **frame, size_t *frame_len)
{
    if (env->payload_len > MPC_WIRE_MAX_PAYLOAD)
        return STOFFEL_ERR_LIMIT;
    /* pack the header alone into a small stack buffer, then place it right before the payload */
    char hdr[MPC_WIRE_HEADROOM];
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    sb.data = hdr;
    sb.alloc = sizeof hdr;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = msgpack_pack_array(&pk, 8);
    rc |= msgpack_pack_uint8(&pk, MPC_WIRE_VERSION);
    rc |= msgpack_pack_uint8(&pk, env->protocol);
    rc |= msgpack_pack_uint64(&pk, env->session);
    rc |= msgpack_pack_uint64(&pk, env->instance);
    rc |= msgpack_pack_uint32(&pk, env->round);
    rc |= msgpack_pack_uint8(&pk, env->sender.role);
    rc |= msgpack_pack_uint64(&pk, env->sender.id);
    rc |= msgpack_pack_bin(&pk, env->payload_len);
    /* the header always fits (at most 1 + 7*9 + 5 bytes), so sbuffer never reallocates */
    if (rc != 0 || sb.data != hdr || sb.size > MPC_WIRE_HEADROOM)
        return STOFFEL_ERR_INTERNAL;
    uint8_t *start = (uint8_t *)env->payload - sb.size;
    memcpy(start, hdr, sb.size);
    *frame = start;
    *frame_len = sb.size + env->payload_len;
    return 0;
}

static int get_uint(const msgpack_object *o, uint64_t max, uint64_t *v, const char *what, char *err,
                    size_t err_len)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        snprintf(err, err_len, "message envelope: field '%s' must be an unsigned integer", what);
        return STOFFEL_ERR_MALFORMED;
    }
    if (o->via.u64 > max) {
        snprintf(err, err_len, "message envelope: field '%s' = %llu exceeds its maximum %llu", what,
                 (unsigned long long)o->via.u64, (unsigned long long)max);
        return STOFFEL_ERR_MALFORMED;
    }
    *v = o->via.u64;
    return 0;
}

static const char *const field_names[8] = {"version", "protocol", "session", "instance",
                                            "round", "sender_role", "sender_id", "payload"};

/* Walks the frame's structure before msgpack-c sees it: exactly a fixarray of 8 holding seven
 * unsigned integers and one bin, all within the buffer. msgpack-c sizes its zone from container
 * headers before checking the data exists, so an unchecked "array of 2^32 elements" header would
 * make it allocate gigabytes; after this scan no container other than the envelope remains. */
static int prescan(const uint8_t *buf, size_t len, char *err, size_t err_len)
{
    if (buf[0] != 0x98) {
        snprintf(err, err_len, "message envelope: expected an array of 8 fields (first byte 0x%02x)", buf[0]);
        return STOFFEL_ERR_MALFORMED;
    }
    size_t off = 1;
    for (int f = 0; f < 8; f++) {
        if (off >= len) {
            snprintf(err, err_len, "message envelope: truncated before field '%s'", field_names[f]);
            return STOFFEL_ERR_MALFORMED;
        }
        uint8_t b = buf[off];
        size_t need;
        if (f < 7) {
            if (b <= 0x7f)
                need = 1;
            else if (b >= 0xcc && b <= 0xcf)
                need = 1 + ((size_t)1 << (b - 0xcc));
            else {
                snprintf(err, err_len, "message envelope: field '%s' must be an unsigned integer", field_names[f]);
                return STOFFEL_ERR_MALFORMED;
            }
        } else {
            if (b < 0xc4 || b > 0xc6) {
                snprintf(err, err_len, "message envelope: field 'payload' must be bin");
                return STOFFEL_ERR_MALFORMED;
            }
            size_t lb = (size_t)1 << (b - 0xc4), blen = 0;
            if (off + 1 + lb > len) {
                snprintf(err, err_len, "message envelope: truncated payload length");
                return STOFFEL_ERR_MALFORMED;
            }
            for (size_t i = 0; i < lb; i++)
                blen = blen << 8 | buf[off + 1 + i];
            if (blen > MPC_WIRE_MAX_PAYLOAD) {
                snprintf(err, err_len, "message envelope: payload of %zu bytes exceeds the limit", blen);
                return STOFFEL_ERR_LIMIT;
            }
            need = 1 + lb + blen;
        }
        if (need > len - off) {
            snprintf(err, err_len, "message envelope: field '%s' is truncated", field_names[f]);
            return STOFFEL_ERR_MALFORMED;
        }
        off += need;
    }
    if (off != len) {
        snprintf(err, err_len, "message envelope: %zu trailing bytes after the envelope", len - off);
        return STOFFEL_ERR_MALFORMED;
    }
    return 0;
}

int wire_decode(const uint8_t *buf, size_t len, mpc_envelope *env, char *err, size_t err_len)
{
    if (!buf || len == 0) {
        snprintf(err, err_len, "message envelope: empty frame");
        return STOFFEL_ERR_MALFORMED;
    }
    if (len > MPC_WIRE_MAX_PAYLOAD + 128) {
        snprintf(err, err_len, "message envelope: frame of %zu bytes exceeds the limit", len);
        return STOFFEL_ERR_LIMIT;
    }
    int pre = prescan(buf, len, err, err_len);
    if (pre)
        return pre;
    /* The envelope holds only scalars and one bin, so the zone stays tiny; bin bodies reference
     * buf (msgpack_unpack_next does not copy raw data). */
    msgpack_unpacked res;
    msgpack_unpacked_init(&res);
    size_t off = 0;
    msgpack_unpack_return ur = msgpack_unpack_next(&res, (const char *)buf, len, &off);
    int rc = STOFFEL_ERR_MALFORMED;
    if (ur != MSGPACK_UNPACK_SUCCESS) {
        snprintf(err, err_len, "message envelope: not a complete msgpack object (%s)",
                 ur == MSGPACK_UNPACK_CONTINUE ? "truncated" : "invalid bytes");
        goto done;
    }
    if (off != len) {
        snprintf(err, err_len, "message envelope: %zu trailing bytes after the envelope", len - off);
        goto done;
    }
    const msgpack_object *o = &res.data;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 8) {
        snprintf(err, err_len, "message envelope: expected an array of 8 fields");
        goto done;
    }
    const msgpack_object *f = o->via.array.ptr;
    uint64_t v;
    if ((rc = get_uint(&f[0], 255, &v, "version", err, err_len)) != 0)
        goto done;
    if (v != MPC_WIRE_VERSION) {
        snprintf(err, err_len, "message envelope: unsupported version %llu (this build speaks %d)",
                 (unsigned long long)v, MPC_WIRE_VERSION);
        rc = STOFFEL_ERR_MALFORMED;
        goto done;
    }
    if ((rc = get_uint(&f[1], MPC_PROTO_MAX, &v, "protocol", err, err_len)) != 0)
        goto done;
    if (v == 0) {
        snprintf(err, err_len, "message envelope: protocol code 0 is not assigned");
        rc = STOFFEL_ERR_MALFORMED;
        goto done;
    }
    env->protocol = (uint8_t)v;
    if ((rc = get_uint(&f[2], UINT64_MAX, &env->session, "session", err, err_len)) != 0)
        goto done;
    if ((rc = get_uint(&f[3], UINT64_MAX, &env->instance, "instance", err, err_len)) != 0)
        goto done;
    if ((rc = get_uint(&f[4], UINT32_MAX, &v, "round", err, err_len)) != 0)
        goto done;
    env->round = (uint32_t)v;
    if ((rc = get_uint(&f[5], MPC_ROLE_CLIENT, &v, "sender_role", err, err_len)) != 0)
        goto done;
    env->sender.role = (uint8_t)v;
    if ((rc = get_uint(&f[6], UINT64_MAX, &env->sender.id, "sender_id", err, err_len)) != 0)
        goto done;
    if (f[7].type != MSGPACK_OBJECT_BIN) {
        snprintf(err, err_len, "message envelope: field 'payload' must be bin");
        rc = STOFFEL_ERR_MALFORMED;
        goto done;
    }
    if (f[7].via.bin.size > MPC_WIRE_MAX_PAYLOAD) {
        snprintf(err, err_len, "message envelope: payload of %u bytes exceeds the limit",
                 (unsigned)f[7].via.bin.size);
        rc = STOFFEL_ERR_LIMIT;
        goto done;
    }
    env->payload = (const uint8_t *)f[7].via.bin.ptr;
    env->payload_len = f[7].via.bin.size;
    rc = 0;
done:
    msgpack_unpacked_destroy(&res);
    return rc;
}
