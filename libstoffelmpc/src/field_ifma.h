/*
 * field_ifma.h - AVX-512 IFMA kernels for the vector operations of 4-limb fields whose p < 2^255
 * and of p128 = 2^127 - 1 (field_ifma.c). Each kernel processes the largest multiple of eight
 * elements of `count` and returns how many it did (0 when the build has no IFMA support); the caller finishes the tail.
 * Call them only when F->ifma is set (the CPU reports AVX-512F and AVX-512 IFMA). Same aliasing
 * rules and results as the scalar vector functions in field.h.
 */
#ifndef STOFFEL_MPC_FIELD_IFMA_H
#define STOFFEL_MPC_FIELD_IFMA_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"

/* 1 when the CPU runs AVX-512F and AVX-512 IFMA instructions and the build has the kernels. */
int ifma_cpu_supported(void);

/* r = a * b elementwise. */
size_t ifma4_vec_mul(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count);
/* r = c * a (c one element). */
size_t ifma4_vec_scale(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count);
/* r += c * a (c one element). */
size_t ifma4_vec_axpy(const field *F, uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count);

/* p = 2^127 - 1 (p128, plain representation): r = a * b, and r = c * a for one element c. */
size_t ifma_m127_vec_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t count);
size_t ifma_m127_vec_scale(uint64_t *r, const uint64_t *a, const uint64_t *c, size_t count);

#endif
