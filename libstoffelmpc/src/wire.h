/*
 * wire.h - the msgpack envelope every protocol message travels in (DESIGN.md, wire format):
 *   [version=1, protocol, session, instance, round, sender_role, sender_id, payload]
 * as a msgpack array of 8: unsigned integers and one bin (the protocol payload: raw fixed-width
 * little-endian field elements, never one msgpack object per element). Decoding is strict: wrong
 * arity, types, ranges, unknown protocol codes, oversize payloads and trailing bytes are rejected.
 * Framing (4-byte length) belongs to the transport.
 */
#ifndef STOFFEL_MPC_WIRE_H
#define STOFFEL_MPC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define MPC_WIRE_VERSION 1
#define MPC_WIRE_MAX_PAYLOAD ((size_t)256 << 20)

typedef struct {
    uint8_t protocol;
    uint64_t session;
    uint64_t instance;
    uint32_t round;
    mpc_node sender;
    const uint8_t *payload; /* decode: points into the decoded buffer */
    size_t payload_len;
} mpc_envelope;

/* Encodes env into a malloc'd buffer (*out, *out_len; caller frees). */
int wire_encode(const mpc_envelope *env, uint8_t **out, size_t *out_len);
/* Encodes the envelope header into the MPC_WIRE_HEADROOM bytes in front of env->payload (which
 * must point into an outbox block) so that header + payload form the frame without copying the
 * payload: *frame points before env->payload. */
int wire_encode_inplace(const mpc_envelope *env, uint8_t **frame, size_t *frame_len);
/* Size wire_encode would produce. */
size_t wire_encoded_size(const mpc_envelope *env);
/* Decodes strictly; env->payload points into buf. On error returns STOFFEL_ERR_MALFORMED or
 * STOFFEL_ERR_LIMIT and writes a message naming the offending field into err. */
int wire_decode(const uint8_t *buf, size_t len, mpc_envelope *env, char *err, size_t err_len);

#endif
