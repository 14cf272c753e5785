/*
 * stflb_asm.h - a tiny hand assembler for .stflb bytes in tests: append little-endian integers and
 * length-prefixed strings to a growable buffer, so files of any version (and any malformation) can
 * be written byte by byte.
 */
#ifndef STFLB_ASM_H
#define STFLB_ASM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t b[65536];
    size_t n;
} asm_buf;

static inline void a_le(asm_buf *a, uint64_t x, int n)
{
    for (int i = 0; i < n; i++)
        a->b[a->n++] = (uint8_t)(x >> (8 * i));
}
static inline void a_u8(asm_buf *a, uint8_t x) { a_le(a, x, 1); }
static inline void a_u16(asm_buf *a, uint16_t x) { a_le(a, x, 2); }
static inline void a_u32(asm_buf *a, uint32_t x) { a_le(a, x, 4); }
static inline void a_u64(asm_buf *a, uint64_t x) { a_le(a, x, 8); }
static inline void a_raw(asm_buf *a, const void *p, size_t n)
{
    memcpy(a->b + a->n, p, n);
    a->n += n;
}
static inline void a_s16(asm_buf *a, const char *s)
{
    a_u16(a, (uint16_t)strlen(s));
    a_raw(a, s, strlen(s));
}
static inline void a_s32(asm_buf *a, const char *s)
{
    a_u32(a, (uint32_t)strlen(s));
    a_raw(a, s, strlen(s));
}
static inline void a_header(asm_buf *a, uint16_t version)
{
    a->n = 0;
    a_raw(a, "STFL", 4);
    a_u16(a, version);
}
/* Instruction helpers. */
static inline void a_op_rrr(asm_buf *a, uint8_t op, uint32_t x, uint32_t y, uint32_t z)
{
    a_u8(a, op);
    a_u32(a, x);
    a_u32(a, y);
    a_u32(a, z);
}
static inline void a_op_rr(asm_buf *a, uint8_t op, uint32_t x, uint32_t y)
{
    a_u8(a, op);
    a_u32(a, x);
    a_u32(a, y);
}
static inline void a_op_r(asm_buf *a, uint8_t op, uint32_t x)
{
    a_u8(a, op);
    a_u32(a, x);
}
static inline void a_op_s(asm_buf *a, uint8_t op, const char *s)
{
    a_u8(a, op);
    a_s16(a, s);
}

#endif
